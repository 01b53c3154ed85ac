//! Stage 1, load: YAML (or JSON) text → a JSON tree with the source position of every node →
//! `openapiv3::OpenAPI`.
//!
//! The YAML reader is `saphyr-parser`, an event parser that reports the line and column of every
//! event; we build the tree ourselves so that any node of the spec can be traced back to its
//! position by JSON pointer.

mod openapi31;
mod repair;
mod tree;

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use serde::Deserialize as _;
use serde_json::Value;

use crate::diag::{Diagnostics, Pointer, Span};
pub use tree::MAX_NESTING;
use tree::TreeBuilder;

/// The text of a spec and the name used for it in diagnostics and in the generated header.
#[derive(Clone, Debug)]
pub struct SpecSource {
    /// Display name, usually the file name (`aqua.yaml`).
    pub name: String,
    /// The YAML or JSON text.
    pub text: String,
}

impl SpecSource {
    /// A spec given as text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SpecSource {
            name: name.into(),
            text: text.into(),
        }
    }

    /// Reads a spec file; the display name is the file name.
    pub fn from_path(path: &Path) -> Result<Self, Diagnostics> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(SpecSource { name, text }),
            Err(e) => {
                let mut d = Diagnostics::new(path.display().to_string());
                d.error("#", format!("cannot read the spec: {e}"));
                Err(d)
            }
        }
    }
}

/// Source positions of the nodes of a loaded spec, by JSON pointer.
///
/// Positions are only needed when something is reported, so the map keeps the text and reads
/// it again for positions on the first [`find`](SourceMap::find): loading a spec that has
/// nothing to report costs no pointer or position bookkeeping.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    text: String,
    spans: OnceLock<HashMap<String, Span>>,
    /// Where the nodes that the translation of a 3.1 document made or moved were written.
    moves: openapi31::Moves,
}

impl SourceMap {
    /// The map of a spec's text.
    fn of(text: &str) -> Self {
        SourceMap {
            text: text.to_owned(),
            spans: OnceLock::new(),
            moves: openapi31::Moves::default(),
        }
    }

    /// The map of a spec's text whose positions were recorded while it was read.
    fn recorded(text: &str, spans: HashMap<String, Span>) -> Self {
        SourceMap {
            text: text.to_owned(),
            spans: OnceLock::from(spans),
            moves: openapi31::Moves::default(),
        }
    }

    /// The pointer in the spec's text of the node at `pointer` of the document that was read:
    /// the same pointer, but for the nodes that the translation of a 3.1 document made or
    /// moved.
    pub fn original<'p>(&self, pointer: &'p str) -> std::borrow::Cow<'p, str> {
        self.moves.original(pointer)
    }

    /// The position of the node at `pointer`, or of its nearest ancestor that has one.
    pub fn find(&self, pointer: &str) -> Option<Span> {
        let spans = self.spans.get_or_init(|| {
            let mut builder = TreeBuilder::new(&self.text, true);
            // A text that does not load still has positions up to where it fails.
            let _ = builder.document();
            builder.spans
        });
        let mut p = pointer;
        loop {
            if let Some(s) = spans.get(p) {
                return Some(*s);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }
}

/// A parsed spec: the JSON tree, the typed OpenAPI document and the source map.
#[derive(Debug)]
pub struct Loaded {
    /// The document as a JSON tree, as written but for the loader's repairs (each one in
    /// `warnings`): what `openapi` was read from (lowering needs only `openapi`; the
    /// robustness tests mutate this tree).
    pub json: Value,
    /// The typed document.
    pub openapi: openapiv3::OpenAPI,
    /// Positions of the nodes.
    pub spans: SourceMap,
    /// What the loader read in another form than written, or left out, and how (empty for a
    /// document `openapiv3` reads as it is).
    pub warnings: Diagnostics,
}

/// Parses the text of `source` into an OpenAPI 3.0 document.
///
/// The common case, a valid spec, takes the fast path: no pointers, no positions, a plain
/// typed read (after the lenient pass, which changes nothing in such a spec). Anything wrong
/// sends the spec down the slow path, which reads it again keeping track of where every node
/// is, to report the problem by pointer and position.
pub fn load(source: &SpecSource) -> Result<Loaded, Diagnostics> {
    crate::stack::deep(|| read(source))
}

fn read(source: &SpecSource) -> Result<Loaded, Diagnostics> {
    let mut builder = TreeBuilder::new(&source.text, false);
    if let Ok(mut json) = builder.document()
        && builder.cut.is_empty()
        && let Ok(version) = supported_version(&json)
    {
        let mut warnings = Diagnostics::new(&source.name);
        let moves = translate(&mut json, version, &mut warnings);
        if let Ok(openapi) = openapiv3::OpenAPI::deserialize(&json) {
            let mut spans = SourceMap::of(&source.text);
            spans.moves = moves;
            warnings.locate(&spans);
            return Ok(Loaded {
                json,
                openapi,
                spans,
                warnings,
            });
        }
    }
    load_reporting(source)
}

/// The versions of OpenAPI the loader reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Version {
    V30,
    /// Translated into the 3.0 shape (`openapi31.rs`).
    V31,
}

/// Which OpenAPI version the document says it is, if one the loader reads.
fn supported_version(json: &Value) -> Result<Version, (&'static str, String)> {
    match json.get("openapi") {
        Some(Value::String(v)) if v.starts_with("3.0.") || v == "3.0" => Ok(Version::V30),
        Some(Value::String(v)) if v.starts_with("3.1.") || v == "3.1" => Ok(Version::V31),
        Some(Value::String(v)) => Err((
            "#/openapi",
            format!("OpenAPI {v} is not supported: aqua-codegen reads OpenAPI 3.0.x and 3.1.x documents"),
        )),
        Some(_) => Err((
            "#/openapi",
            "`openapi` must be a version string such as \"3.0.3\"".to_owned(),
        )),
        None => Err((
            "#",
            "not an OpenAPI document: the `openapi` version field is missing (Swagger 2.0 is not supported)".to_owned(),
        )),
    }
}

/// The translation of a 3.1 document into the 3.0 shape, then the lenient pass; where the
/// translation moved nodes.
fn translate(json: &mut Value, version: Version, diags: &mut Diagnostics) -> openapi31::Moves {
    let mut moves = openapi31::Moves::default();
    if version == Version::V31 {
        openapi31::document(json, diags, &mut moves);
        repair::repair(json, diags, Some(&mut moves));
    } else {
        repair::repair(json, diags, None);
    }
    moves
}

/// The slow path of [`load`]: the same reading with pointers and positions, and the typed read
/// through `serde_path_to_error`, so that every problem is named.
fn load_reporting(source: &SpecSource) -> Result<Loaded, Diagnostics> {
    let mut diags = Diagnostics::new(&source.name);
    let mut builder = TreeBuilder::new(&source.text, true);
    let mut json = match builder.document() {
        Ok(v) => v,
        Err((span, message)) => {
            diags.items.push(crate::diag::Diagnostic {
                severity: crate::diag::Severity::Error,
                pointer: "#".into(),
                span: Some(span),
                message,
            });
            return Err(diags);
        }
    };
    for (pointer, span) in std::mem::take(&mut builder.cut) {
        diags.items.push(crate::diag::Diagnostic {
            span: Some(span),
            ..crate::diag::Diagnostic::warning(
                pointer.map_or_else(|| "#".to_owned(), Pointer::into_string),
                format!("this node is nested more than {MAX_NESTING} levels deep: it is read as an empty object (as a schema: any value, `serde_json::Value`)"),
            )
        });
    }
    let mut spans = SourceMap::recorded(&source.text, builder.spans);
    let version = match supported_version(&json) {
        Ok(version) => version,
        Err((pointer, message)) => {
            diags.error(pointer, message);
            diags.locate(&spans);
            return Err(diags);
        }
    };
    spans.moves = translate(&mut json, version, &mut diags);

    let mut result = serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(&json);
    if result.is_err() && repair::leave_out_unreadable_operations(&mut json, &mut diags) {
        result = serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(&json);
    }
    match result {
        Ok(openapi) => {
            diags.locate(&spans);
            Ok(Loaded {
                json,
                openapi,
                spans,
                warnings: diags,
            })
        }
        Err(e) => {
            let (pointer, message) =
                narrow(&json).unwrap_or_else(|| typed_error(Pointer::root(), e));
            diags.error(pointer, format!("invalid OpenAPI document: {message}"));
            diags.locate(&spans);
            Err(diags)
        }
    }
}

/// The pointer and message of a typed deserialization error below `base`.
pub(super) fn typed_error(
    base: Pointer,
    e: serde_path_to_error::Error<serde_json::Error>,
) -> (Pointer, String) {
    let mut pointer = base;
    for seg in e.path().iter() {
        match seg {
            serde_path_to_error::Segment::Seq { index } => pointer = pointer.push(index),
            serde_path_to_error::Segment::Map { key } => pointer = pointer.push(key),
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {}
        }
    }
    // (Every untagged enum of `openapiv3` is inside a schema, and the lenient pass reads
    // every schema on its own first: the message never is serde's "did not match any variant".)
    (pointer, e.into_inner().to_string())
}

/// `openapiv3` flattens maps (paths, responses) and tries `$ref`-or-object alternatives, which
/// hides where an error is. This re-reads the document's parts one by one, deepest first, and
/// returns the first that fails, so the pointer names the offending node.
fn narrow(json: &Value) -> Option<(Pointer, String)> {
    fn check<T: serde::de::DeserializeOwned>(v: &Value, at: Pointer) -> Option<(Pointer, String)> {
        if v.get("$ref").is_some() {
            return None;
        }
        serde_path_to_error::deserialize::<_, T>(v)
            .err()
            .map(|e| typed_error(at, e))
    }
    fn each<'v>(v: Option<&'v Value>, at: &Pointer) -> Vec<(&'v Value, Pointer)> {
        match v {
            Some(Value::Object(m)) => m.iter().map(|(k, v)| (v, at.push(k))).collect(),
            _ => Vec::new(),
        }
    }
    let root = Pointer::root();
    let paths = root.push("paths");
    for (item, at) in each(json.get("paths"), &paths) {
        for method in [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ] {
            let Some(op) = item.get(method) else { continue };
            let at = at.push(method);
            for (resp, rp) in each(op.get("responses"), &at.push("responses")) {
                if let Some(e) = check::<openapiv3::Response>(resp, rp) {
                    return Some(e);
                }
            }
            if let Some(e) = check::<openapiv3::Operation>(op, at) {
                return Some(e);
            }
        }
        if let Some(e) = check::<openapiv3::PathItem>(item, at) {
            return Some(e);
        }
    }
    let components = root.push("components");
    let c = json.get("components");
    let part = |k: &str| (c.and_then(|c| c.get(k)), components.push(k));
    let (v, at) = part("schemas");
    for (s, p) in each(v, &at) {
        if let Some(e) = check::<openapiv3::Schema>(s, p) {
            return Some(e);
        }
    }
    let (v, at) = part("parameters");
    for (s, p) in each(v, &at) {
        if let Some(e) = check::<openapiv3::Parameter>(s, p) {
            return Some(e);
        }
    }
    let (v, at) = part("responses");
    for (s, p) in each(v, &at) {
        if let Some(e) = check::<openapiv3::Response>(s, p) {
            return Some(e);
        }
    }
    let (v, at) = part("securitySchemes");
    for (s, p) in each(v, &at) {
        if let Some(e) = check::<openapiv3::SecurityScheme>(s, p) {
            return Some(e);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::tree::LoadError;
    use super::*;

    fn tree(text: &str) -> Result<(Value, SourceMap), LoadError> {
        let mut b = TreeBuilder::new(text, true);
        let v = b.document()?;
        Ok((v, SourceMap::recorded(text, b.spans)))
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let (v, _) =
            tree("a: 1\nb: '1'\nc: 1.5\nd: true\ne: ~\nf: 00170000011K3Ub\ng: \"60.0\"\nh: 5XX\n")
                .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"a": 1, "b": "1", "c": 1.5, "d": true, "e": null,
                "f": "00170000011K3Ub", "g": "60.0", "h": "5XX"})
        );
    }

    #[test]
    fn positions_are_recorded_by_pointer() {
        let (_, spans) = tree("paths:\n  /a/b:\n    get:\n      x: 1\n").unwrap();
        assert_eq!(
            spans.find("#/paths/~1a~1b/get"),
            Some(Span { line: 3, column: 5 })
        );
        assert_eq!(
            spans.find("#/paths/~1a~1b/get/x"),
            Some(Span { line: 4, column: 7 })
        );
        // Unknown children fall back to the nearest known ancestor.
        assert_eq!(
            spans.find("#/paths/~1a~1b/get/x/y"),
            Some(Span { line: 4, column: 7 })
        );
    }

    #[test]
    fn the_fast_path_reads_what_the_reporting_path_reads() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut specs = vec![root.join("spec/aqua.yaml")];
        for dir in ["tests/specs", "tests/specs/v31"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "yaml") {
                    specs.push(path);
                }
            }
        }
        assert!(specs.len() >= 5, "{specs:?}");
        for path in specs {
            let source = SpecSource::from_path(&path).unwrap();
            let fast = load(&source).unwrap();
            let reported = load_reporting(&source).unwrap();
            assert_eq!(fast.json, reported.json, "{}", path.display());
            assert_eq!(fast.openapi, reported.openapi, "{}", path.display());
            // Positions computed lazily are the ones recorded along the way.
            assert!(
                fast.spans.find("#/info/title").is_some(),
                "{}",
                path.display()
            );
            for pointer in ["#/paths", "#/components/schemas", "#/info/title"] {
                assert_eq!(
                    fast.spans.find(pointer),
                    reported.spans.find(pointer),
                    "{} {pointer}",
                    path.display()
                );
            }
        }
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err = tree("a: 1\na: 2\n").unwrap_err();
        assert_eq!(err.0, Span { line: 2, column: 1 });
        assert!(err.1.contains("duplicate key `a`"), "{}", err.1);
    }

    #[test]
    fn anchors_and_aliases_resolve() {
        let (v, _) = tree("a: &x {k: 1}\nb: *x\n").unwrap();
        assert_eq!(v["b"], serde_json::json!({"k": 1}));
    }
}
