//! Stage 1, load: YAML (or JSON) text → a JSON tree with the source position of every node →
//! `openapiv3::OpenAPI`.
//!
//! The YAML reader is `saphyr-parser`, an event parser that reports the line and column of every
//! event; we build the tree ourselves so that any node of the spec can be traced back to its
//! position by JSON pointer.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use serde::Deserialize as _;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YamlSpan};
use serde_json::{Map, Number, Value};

use crate::diag::{Diagnostics, Pointer, Span};

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
}

impl SourceMap {
    /// The map of a spec's text.
    fn of(text: &str) -> Self {
        SourceMap {
            text: text.to_owned(),
            spans: OnceLock::new(),
        }
    }

    /// The map of a spec's text whose positions were recorded while it was read.
    fn recorded(text: &str, spans: HashMap<String, Span>) -> Self {
        SourceMap {
            text: text.to_owned(),
            spans: OnceLock::from(spans),
        }
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
    /// The document as a JSON tree, exactly as written: what `openapi` was read from (lowering
    /// needs only `openapi`; the robustness tests mutate this tree).
    pub json: Value,
    /// The typed document.
    pub openapi: openapiv3::OpenAPI,
    /// Positions of the nodes.
    pub spans: SourceMap,
}

/// Parses the text of `source` into an OpenAPI 3.0 document.
///
/// The common case, a valid spec, takes the fast path: no pointers, no positions, a plain
/// typed read. Anything wrong sends the spec down the slow path, which reads it again keeping
/// track of where every node is, to report the problem by pointer and position.
pub fn load(source: &SpecSource) -> Result<Loaded, Diagnostics> {
    crate::stack::deep(|| read(source))
}

fn read(source: &SpecSource) -> Result<Loaded, Diagnostics> {
    let mut builder = TreeBuilder::new(&source.text, false);
    if let Ok(json) = builder.document() {
        if supported_version(&json).is_ok() {
            if let Ok(openapi) = openapiv3::OpenAPI::deserialize(&json) {
                return Ok(Loaded {
                    json,
                    openapi,
                    spans: SourceMap::of(&source.text),
                });
            }
        }
    }
    load_reporting(source)
}

/// Whether the document says it is OpenAPI 3.0.
fn supported_version(json: &Value) -> Result<(), (&'static str, String)> {
    match json.get("openapi") {
        Some(Value::String(v)) if v.starts_with("3.0.") || v == "3.0" => Ok(()),
        Some(Value::String(v)) => Err((
            "#/openapi",
            format!("OpenAPI {v} is not supported: aqua-codegen reads OpenAPI 3.0.x documents"),
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

/// The slow path of [`load`]: the same reading with pointers and positions, and the typed read
/// through `serde_path_to_error`, so that every problem is named.
fn load_reporting(source: &SpecSource) -> Result<Loaded, Diagnostics> {
    let mut diags = Diagnostics::new(&source.name);
    let mut builder = TreeBuilder::new(&source.text, true);
    let json = match builder.document() {
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
    let spans = SourceMap::recorded(&source.text, builder.spans);
    if let Err((pointer, message)) = supported_version(&json) {
        diags.error(pointer, message);
        diags.locate(&spans);
        return Err(diags);
    }

    match serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(&json) {
        Ok(openapi) => Ok(Loaded {
            json,
            openapi,
            spans,
        }),
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
fn typed_error(
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
    let mut message = e.into_inner().to_string();
    if message.contains("untagged enum") {
        message = format!(
            "{message}: the node is neither a `$ref` nor a valid OpenAPI 3.0 object of this kind"
        );
    }
    (pointer, message)
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

type LoadError = (Span, String);

/// Builds the JSON tree from the YAML events; with `record`, also the position of every node
/// by pointer (and messages that name pointers).
struct TreeBuilder<'a> {
    events: Parser<'a, saphyr_parser::StrInput<'a>>,
    record: bool,
    spans: HashMap<String, Span>,
    anchors: HashMap<usize, Value>,
}

fn span_of(s: &YamlSpan) -> Span {
    Span {
        line: s.start.line(),
        column: s.start.col() + 1,
    }
}

impl<'a> TreeBuilder<'a> {
    fn new(text: &'a str, record: bool) -> Self {
        TreeBuilder {
            events: Parser::new_from_str(text),
            record,
            spans: HashMap::new(),
            anchors: HashMap::new(),
        }
    }

    /// The pointer of a child node, when positions are recorded.
    fn child(&self, at: Option<&Pointer>, token: impl std::fmt::Display) -> Option<Pointer> {
        at.filter(|_| self.record).map(|at| at.push(token))
    }

    fn next(&mut self) -> Result<(Event<'a>, YamlSpan), LoadError> {
        match self.events.next() {
            Some(Ok(ev)) => Ok(ev),
            Some(Err(e)) => Err((
                Span {
                    line: e.marker().line(),
                    column: e.marker().col() + 1,
                },
                format!("invalid YAML: {}", e.info()),
            )),
            None => Err((
                Span { line: 1, column: 1 },
                "invalid YAML: unexpected end of input".into(),
            )),
        }
    }

    fn document(&mut self) -> Result<Value, LoadError> {
        loop {
            let (ev, span) = self.next()?;
            match ev {
                Event::StreamStart | Event::Nothing => {}
                Event::DocumentStart(_) => break,
                Event::StreamEnd => {
                    return Err((span_of(&span), "the spec is empty".into()));
                }
                _ => return Err((span_of(&span), "invalid YAML: expected a document".into())),
            }
        }
        let (ev, span) = self.next()?;
        let root = self.node(ev, span, Some(&Pointer::root()))?;
        let (ev, span) = self.next()?;
        match ev {
            Event::DocumentEnd => {}
            _ => {
                return Err((
                    span_of(&span),
                    "invalid YAML: expected the end of the document".into(),
                ));
            }
        }
        let (ev, span) = self.next()?;
        match ev {
            Event::StreamEnd => Ok(root),
            _ => Err((
                span_of(&span),
                "the spec must be a single YAML document (found a second `---` document)".into(),
            )),
        }
    }

    fn node(
        &mut self,
        ev: Event<'a>,
        span: YamlSpan,
        at: Option<&Pointer>,
    ) -> Result<Value, LoadError> {
        if let Some(at) = at.filter(|_| self.record) {
            self.spans.insert(at.as_str().to_owned(), span_of(&span));
        }
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let v = scalar(&text, style, tag.as_deref()).map_err(|m| (span_of(&span), m))?;
                if anchor != 0 {
                    self.anchors.insert(anchor, v.clone());
                }
                Ok(v)
            }
            Event::Alias(id) => self.anchors.get(&id).cloned().ok_or_else(|| {
                (
                    span_of(&span),
                    "invalid YAML: alias to an unknown anchor".to_owned(),
                )
            }),
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                loop {
                    let (ev, span) = self.next()?;
                    if let Event::SequenceEnd = ev {
                        break;
                    }
                    let p = self.child(at, items.len());
                    items.push(self.node(ev, span, p.as_ref())?);
                }
                let v = Value::Array(items);
                if anchor != 0 {
                    self.anchors.insert(anchor, v.clone());
                }
                Ok(v)
            }
            Event::MappingStart(anchor, _) => {
                let mut map = Map::new();
                loop {
                    let (ev, kspan) = self.next()?;
                    let key = match ev {
                        Event::MappingEnd => break,
                        Event::Scalar(text, ..) => text.into_owned(),
                        Event::Alias(id) => match self.anchors.get(&id) {
                            Some(Value::String(s)) => s.clone(),
                            _ => {
                                return Err((
                                    span_of(&kspan),
                                    "unsupported YAML: mapping keys must be strings".into(),
                                ));
                            }
                        },
                        _ => {
                            return Err((
                                span_of(&kspan),
                                "unsupported YAML: mapping keys must be strings".into(),
                            ));
                        }
                    };
                    if key == "<<" {
                        return Err((
                            span_of(&kspan),
                            "unsupported YAML: merge keys (`<<`) are not supported".into(),
                        ));
                    }
                    let p = self.child(at, &key);
                    if map.contains_key(&key) {
                        let mapping = at.map_or_else(String::new, |at| format!(" in mapping {at}"));
                        return Err((span_of(&kspan), format!("duplicate key `{key}`{mapping}")));
                    }
                    let (ev, vspan) = self.next()?;
                    let value = self.node(ev, vspan, p.as_ref())?;
                    // Point at the key, where a reader looks for the entry.
                    if let Some(p) = p {
                        self.spans.insert(p.into_string(), span_of(&kspan));
                    }
                    map.insert(key, value);
                }
                let v = Value::Object(map);
                if anchor != 0 {
                    self.anchors.insert(anchor, v.clone());
                }
                Ok(v)
            }
            _ => Err((span_of(&span), "invalid YAML: unexpected event".into())),
        }
    }
}

/// Resolves a scalar by the YAML 1.2 core schema (plain scalars) or as a string (quoted, block).
fn scalar(
    text: &str,
    style: ScalarStyle,
    tag: Option<&saphyr_parser::Tag>,
) -> Result<Value, String> {
    if let Some(tag) = tag {
        if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" {
            return match tag.suffix.as_str() {
                "str" => Ok(Value::String(text.to_owned())),
                "int" | "float" => plain(text)
                    .filter(Value::is_number)
                    .ok_or_else(|| format!("`{text}` is not a number")),
                "bool" => plain(text)
                    .filter(Value::is_boolean)
                    .ok_or_else(|| format!("`{text}` is not a boolean")),
                "null" => Ok(Value::Null),
                other => Err(format!("unsupported YAML tag `!!{other}`")),
            };
        }
        return Err(format!(
            "unsupported YAML tag `{}{}`",
            tag.handle, tag.suffix
        ));
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::String(text.to_owned()));
    }
    Ok(plain(text).unwrap_or_else(|| Value::String(text.to_owned())))
}

fn plain(text: &str) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = text.parse::<i64>() {
            return Some(Value::Number(i.into()));
        }
        if let Ok(u) = text.parse::<u64>() {
            return Some(Value::Number(u.into()));
        }
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16)
            .ok()
            .map(|i| Value::Number(i.into()));
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8)
            .ok()
            .map(|i| Value::Number(i.into()));
    }
    if is_float(digits) {
        return text
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number);
    }
    None
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` without the sign.
fn is_float(s: &str) -> bool {
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => {
            (!a.is_empty() || !b.is_empty())
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|c| c.is_ascii_digit()),
    };
    let exp_ok = match exp {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit())
        }
    };
    mantissa_ok && exp_ok
}

#[cfg(test)]
mod tests {
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
        for entry in std::fs::read_dir(root.join("tests/specs")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                specs.push(path);
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
