//! Property tests of the generator's robustness: mutated specs never make it panic, and
//! every failure is reported as diagnostics that point into the document.
//!
//! The specs are `spec/aqua.yaml` and `tests/specs/*.yaml` (valid and invalid). Mutations work
//! on the text (delete, duplicate or swap lines, change indentation, replace scalars, insert
//! stray lines) and on the parsed JSON tree (drop keys, replace nodes with other values or
//! references, copy subtrees), re-serialized as JSON text (JSON is valid YAML).
//!
//! Each spec goes first to the `aqua-codegen` binary in a child process, which must end within
//! a time limit without crashing (a stack overflow aborts a process, `catch_unwind` cannot
//! stop it), then to `aqua_codegen::generate_source` in this process, inside `catch_unwind`.
//!
//! Case counts are modest (the suite runs on 2 cores) and the seed is fixed (see `config`);
//! failures are persisted by proptest in `tests/robustness.proptest-regressions` and replayed
//! first on the next run.

use std::collections::HashMap;
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use aqua_codegen::{Diagnostics, SpecSource};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{RngSeed, TestCaseError};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

/// The corpus: (name, text), `aqua.yaml` first.
fn specs() -> &'static [(String, String)] {
    static SPECS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    SPECS.get_or_init(|| {
        let root = repo();
        let mut paths = vec![root.join("spec/aqua.yaml")];
        for dir in ["tests/specs", "tests/specs/invalid"] {
            let mut found: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
                .unwrap_or_else(|e| panic!("{dir}: {e}"))
                .map(|e| e.expect("a directory entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                .collect();
            found.sort();
            paths.extend(found);
        }
        paths
            .into_iter()
            .map(|p| {
                let text =
                    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                let name = p
                    .strip_prefix(&root)
                    .unwrap_or(&p)
                    .to_string_lossy()
                    .into_owned();
                (name, text)
            })
            .collect()
    })
}

/// The specs that load, as JSON trees (for the structural mutations).
fn trees() -> &'static [(String, Value)] {
    static TREES: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    TREES.get_or_init(|| {
        specs()
            .iter()
            .filter_map(|(name, text)| {
                let loaded = aqua_codegen::load::load(&SpecSource::new(name, text)).ok()?;
                Some((name.clone(), loaded.json))
            })
            .collect()
    })
}

/// The longest the generator may take on one spec (it takes well under a second).
const TIME_LIMIT: Duration = Duration::from_secs(15);

/// What the `aqua-codegen print` binary did with a spec.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    timed_out: bool,
}

/// Runs `aqua-codegen print` on `text` in a child process, so that a stack overflow (which
/// aborts the process) or a hang fails the test case instead of the whole test binary.
fn run_binary(name: &str, text: &str) -> (Run, PathBuf) {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "aqua-codegen-robustness-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let file_name = Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "spec.yaml".to_owned());
    let path = dir.join(file_name);
    std::fs::write(&path, text).expect("the spec is written");
    let mut child = Command::new(env!("CARGO_BIN_EXE_aqua-codegen"))
        .arg("print")
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("aqua-codegen starts");
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = pipe.read_to_string(&mut s);
            s
        })
    };
    let out = read(Box::new(child.stdout.take().expect("stdout")));
    let err = read(Box::new(child.stderr.take().expect("stderr")));
    let started = Instant::now();
    let mut timed_out = false;
    let code = loop {
        match child.try_wait().expect("waiting for aqua-codegen") {
            Some(status) => break status.code(),
            None if started.elapsed() > TIME_LIMIT => {
                timed_out = true;
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(2)),
        }
    };
    let run = Run {
        code,
        stdout: out.join().expect("the stdout reader"),
        stderr: err.join().expect("the stderr reader"),
        timed_out,
    };
    (run, path)
}

/// Type aliases of the generated code that never reach a type (`pub type A = B;` and
/// `pub type B = A;`): code that cannot compile.
fn alias_cycles(code: &str) -> Vec<String> {
    let aliases: HashMap<&str, &str> = code
        .lines()
        .filter_map(|l| {
            let rest = l.trim().strip_prefix("pub type ")?.strip_suffix(';')?;
            let (name, target) = rest.split_once(" = ")?;
            Some((name.trim(), target.trim()))
        })
        .collect();
    let mut cycles = Vec::new();
    for start in aliases.keys() {
        let mut at = *start;
        for _ in 0..=aliases.len() {
            match aliases.get(at) {
                Some(next) if next == start => {
                    cycles.push((*start).to_owned());
                    break;
                }
                Some(next) => at = next,
                None => break,
            }
        }
    }
    cycles.sort();
    cycles
}

/// Runs the generator on `text` and checks the outcome: in a child process first, where it
/// must end in time with code 0 (code without alias cycles) or 1 (diagnostics), never crash
/// or hang; then in this process (`generate_source_with` in `catch_unwind`, warnings accepted), where it must not
/// panic, must agree with the binary, and on failure give diagnostics that are not empty,
/// each with a pointer into the document (`#…`) and a message. Returns whether code was
/// generated.
fn check(name: &str, text: String) -> Result<bool, TestCaseError> {
    let (run, path) = run_binary(name, &text);
    let keep = |what: String| {
        // The spec stays on disk to reproduce the failure.
        TestCaseError::fail(format!("{what} (spec kept at {})", path.display()))
    };
    if run.timed_out {
        return Err(keep(format!(
            "aqua-codegen did not finish within {TIME_LIMIT:?} on this mutation of {name}"
        )));
    }
    match run.code {
        Some(0) => {
            let cycles = alias_cycles(&run.stdout);
            if !cycles.is_empty() {
                return Err(keep(format!(
                    "code with type aliases that never reach a type ({cycles:?}) from {name}"
                )));
            }
        }
        Some(1) if run.stderr.contains("error at #") => {}
        code => {
            let tail: String = run
                .stderr
                .chars()
                .rev()
                .take(600)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            return Err(keep(format!(
                "aqua-codegen crashed (exit code {code:?}) on this mutation of {name}: {tail}"
            )));
        }
    }
    let _ = std::fs::remove_dir_all(path.parent().expect("the spec's directory"));

    let source = SpecSource::new(name, text);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        // As the binary does: warnings accepted.
        let result = aqua_codegen::generate_source_with(&source, &aqua_codegen::Options::default())
            .map(|(code, _)| code);
        // Rendering the diagnostics must not panic either.
        let shown = result.as_ref().err().map(Diagnostics::to_string);
        (result, shown)
    }));
    let (result, shown) = match outcome {
        Ok(pair) => pair,
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            return Err(TestCaseError::fail(format!(
                "the generator panicked ({what}) on this mutation of {name}:\n{}",
                source.text
            )));
        }
    };
    match result {
        Ok(code) => {
            prop_assert!(
                code.starts_with("// @generated by aqua-codegen"),
                "generated code without its header"
            );
            prop_assert_eq!(
                run.code,
                Some(0),
                "the library generated code, the binary did not"
            );
            Ok(true)
        }
        Err(diags) => {
            prop_assert_eq!(run.code, Some(1), "the library failed, the binary did not");
            prop_assert!(!diags.items.is_empty(), "an error without diagnostics");
            for d in &diags.items {
                prop_assert!(
                    d.pointer.starts_with('#'),
                    "a diagnostic whose pointer is not a JSON pointer: {:?}",
                    d
                );
                prop_assert!(
                    !d.message.trim().is_empty(),
                    "a diagnostic without a message: {:?}",
                    d
                );
            }
            let shown = shown.unwrap_or_default();
            prop_assert!(
                shown.contains(name),
                "diagnostics do not name the spec: {}",
                shown
            );
            Ok(false)
        }
    }
}

/// Scalars that YAML and OpenAPI readers find awkward.
const SCALARS: &[&str] = &[
    "~",
    "null",
    "''",
    "\"\"",
    "[]",
    "{}",
    "true",
    "0",
    "-1",
    "1e999",
    "0x1F",
    ".inf",
    "\"unterminated",
    "'also unterminated",
    "*undefined_alias",
    "&anchor value",
    "!!binary aGVsbG8=",
    "!custom tag",
    "- item",
    "? complex key",
    "|",
    ">-",
    "\"#/components/schemas/Job\"",
    "\"#/components/schemas/Nope\"",
    "\"#/\"",
    "\"other.yaml#/x\"",
    "\"\\u0000\"",
    "\"{jobid}\"",
    "\"/batch-query/jobs/{jobid}\"",
    "string",
    "object",
    "array",
    "integer",
    "3.1.0",
    "3.0.3",
];

#[derive(Clone, Debug)]
enum TextMutation {
    Delete(Index),
    Duplicate(Index),
    Swap(Index, Index),
    Indent(Index, i8),
    ReplaceScalar(Index, String),
    InsertLine(Index, String),
}

fn scalar() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(SCALARS).prop_map(str::to_owned),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_map(|f| f.to_string()),
        2 => "[a-zA-Z0-9_ {}/#$.-]{0,16}",
        1 => any::<String>().prop_map(|s| s.replace(['\n', '\r'], " ")),
    ]
    .boxed()
}

fn text_mutation() -> BoxedStrategy<TextMutation> {
    prop_oneof![
        2 => any::<Index>().prop_map(TextMutation::Delete),
        1 => any::<Index>().prop_map(TextMutation::Duplicate),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| TextMutation::Swap(a, b)),
        2 => (any::<Index>(), -6i8..=6).prop_map(|(i, n)| TextMutation::Indent(i, n)),
        3 => (any::<Index>(), scalar()).prop_map(|(i, s)| TextMutation::ReplaceScalar(i, s)),
        1 => (any::<Index>(), scalar()).prop_map(|(i, s)| TextMutation::InsertLine(i, s)),
    ]
    .boxed()
}

fn apply_text(lines: &mut Vec<String>, m: &TextMutation) {
    if lines.is_empty() {
        return;
    }
    let n = lines.len();
    match m {
        TextMutation::Delete(i) => {
            lines.remove(i.index(n));
        }
        TextMutation::Duplicate(i) => {
            let at = i.index(n);
            let line = lines[at].clone();
            lines.insert(at, line);
        }
        TextMutation::Swap(a, b) => lines.swap(a.index(n), b.index(n)),
        TextMutation::Indent(i, by) => {
            let line = &mut lines[i.index(n)];
            if *by >= 0 {
                line.insert_str(0, &" ".repeat(usize::from(by.unsigned_abs())));
            } else {
                let strip = line
                    .chars()
                    .take(usize::from(by.unsigned_abs()))
                    .take_while(|c| *c == ' ')
                    .count();
                line.drain(..strip);
            }
        }
        TextMutation::ReplaceScalar(i, value) => {
            // The line with a `key: value` at or after the pick (wrapping around).
            let start = i.index(n);
            let found = (0..n)
                .map(|k| (start + k) % n)
                .find(|&k| lines[k].contains(": ") || lines[k].trim_start().starts_with("- "));
            if let Some(k) = found {
                let line = &mut lines[k];
                let cut = line
                    .find(": ")
                    .map(|p| p + 2)
                    .or_else(|| line.find("- ").map(|p| p + 2))
                    .unwrap_or(line.len());
                line.truncate(cut);
                line.push_str(value);
            }
        }
        TextMutation::InsertLine(i, value) => {
            let at = i.index(n + 1);
            let indent = lines
                .get(at)
                .map(|l| l.len() - l.trim_start().len())
                .unwrap_or(0);
            lines.insert(at, format!("{}{value}", " ".repeat(indent)));
        }
    }
}

#[derive(Clone, Debug)]
enum JsonMutation {
    /// Remove the node from its parent object or array.
    Drop,
    /// Replace the node with a scalar.
    Scalar(Value),
    /// Replace the node with an empty object or array.
    Empty(bool),
    /// Replace the node with a `$ref` to the schema picked by the index (possibly itself or
    /// an ancestor: recursive schemas) or to a missing one.
    Ref(Index, bool),
    /// Copy the subtree at the second index over the node.
    Copy(Index),
    /// Rename the key of the node (an object member).
    Rename(String),
}

fn json_scalar() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        scalar().prop_map(Value::String),
    ]
    .boxed()
}

fn json_mutation() -> BoxedStrategy<JsonMutation> {
    prop_oneof![
        3 => Just(JsonMutation::Drop),
        3 => json_scalar().prop_map(JsonMutation::Scalar),
        1 => any::<bool>().prop_map(JsonMutation::Empty),
        2 => (any::<Index>(), prop::bool::weighted(0.8)).prop_map(|(i, b)| JsonMutation::Ref(i, b)),
        1 => any::<Index>().prop_map(JsonMutation::Copy),
        1 => "[a-zA-Z${}/_-]{1,12}".prop_map(JsonMutation::Rename),
    ]
    .boxed()
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Every node below the root, by JSON pointer.
fn pointers(value: &Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(item, &p, out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{at}/{}", escape(k));
                out.push(p.clone());
                pointers(v, &p, out);
            }
        }
        _ => {}
    }
}

fn apply_json(tree: &mut Value, pick: Index, m: &JsonMutation) {
    let mut all = Vec::new();
    pointers(tree, "", &mut all);
    if all.is_empty() {
        return;
    }
    let pointer = pick.get(&all).clone();
    let (parent, last) = pointer.rsplit_once('/').expect("a pointer below the root");
    let last = unescape(last);
    match m {
        JsonMutation::Drop => match tree.pointer_mut(parent) {
            Some(Value::Object(map)) => {
                map.shift_remove(&last);
            }
            Some(Value::Array(items)) => {
                if let Ok(i) = last.parse::<usize>()
                    && i < items.len()
                {
                    items.remove(i);
                }
            }
            _ => {}
        },
        JsonMutation::Rename(new) => {
            if let Some(Value::Object(map)) = tree.pointer_mut(parent)
                && let Some(v) = map.shift_remove(&last)
            {
                map.insert(new.clone(), v);
            }
        }
        JsonMutation::Scalar(v) => set(tree, &pointer, v.clone()),
        JsonMutation::Empty(object) => set(
            tree,
            &pointer,
            if *object {
                Value::Object(serde_json::Map::new())
            } else {
                Value::Array(Vec::new())
            },
        ),
        JsonMutation::Ref(which, existing) => {
            let names: Vec<String> = tree
                .pointer("/components/schemas")
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            let target = match (names.is_empty(), existing) {
                (false, true) => format!(
                    "#/components/schemas/{}",
                    escape(which.get::<String>(&names))
                ),
                _ => "#/components/schemas/Missing".to_owned(),
            };
            set(tree, &pointer, serde_json::json!({ "$ref": target }));
        }
        JsonMutation::Copy(from) => {
            let source = from.get(&all).clone();
            if let Some(v) = tree.pointer(&source).cloned() {
                set(tree, &pointer, v);
            }
        }
    }
}

fn set(tree: &mut Value, pointer: &str, value: Value) {
    if let Some(node) = tree.pointer_mut(pointer) {
        *node = value;
    }
}

/// A modest number of cases (`PROPTEST_CASES` overrides it), from a fixed seed unless
/// `PROPTEST_RNG_SEED` is set: CI runs the same cases every time; set the variable to explore
/// others. Failures are persisted (`robustness.proptest-regressions`) and replayed first.
fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig {
        cases,
        max_shrink_iters: 256,
        ..ProptestConfig::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_some() {
        config.cases = ProptestConfig::default().cases;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(0xA0_A5EC);
    }
    config
}

/// Picks a spec, `aqua.yaml` with probability 1/4 (it is the largest and slowest to generate).
fn spec_index() -> BoxedStrategy<(bool, Index)> {
    (prop::bool::weighted(0.25), any::<Index>()).boxed()
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn text_mutations_never_panic(
        (aqua, which) in spec_index(),
        mutations in prop::collection::vec(text_mutation(), 1..5),
    ) {
        let all = specs();
        let (name, text) = if aqua { &all[0] } else { which.get(all) };
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        for m in &mutations {
            apply_text(&mut lines, m);
        }
        check(name, lines.join("\n"))?;
    }

    #[test]
    fn json_mutations_never_panic(
        (aqua, which) in spec_index(),
        mutations in prop::collection::vec((any::<Index>(), json_mutation()), 1..6),
        pretty in any::<bool>(),
    ) {
        let all = trees();
        let (name, tree) = if aqua { &all[0] } else { which.get(all) };
        let mut tree = tree.clone();
        for (pick, m) in &mutations {
            apply_json(&mut tree, *pick, m);
        }
        let text = if pretty {
            serde_json::to_string_pretty(&tree)
        } else {
            serde_json::to_string(&tree)
        }
        .expect("JSON encodes");
        check(&format!("{name}.json"), text)?;
    }

    /// Arbitrary text (mostly not YAML at all) is refused with a diagnostic at `#`.
    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check("random.yaml", text)?;
    }
}

/// The starting points are what the properties assume: the valid specs generate, as YAML and
/// re-serialized as JSON, so mutations start from working documents.
#[test]
fn the_unmutated_corpus_behaves() {
    let all = specs();
    assert_eq!(all[0].0, "spec/aqua.yaml");
    assert!(all.len() >= 5, "the corpus shrank: {}", all.len());
    let trees = trees();
    assert_eq!(trees[0].0, "spec/aqua.yaml");
    for (name, text) in all {
        // Invalid specs fail, except those whose only problem is a warning.
        let valid = !name.contains("invalid") || text.contains("\n# severity: warning\n");
        let generated = check(name, text.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(generated, valid, "{name}");
    }
    for (name, tree) in trees {
        if name.contains("invalid") {
            continue;
        }
        let json = serde_json::to_string(tree).unwrap();
        let generated = check(&format!("{name}.json"), json).unwrap_or_else(|e| panic!("{e}"));
        assert!(generated, "{name} as JSON does not generate");
    }
}

/// A few mutations that are known to hit error paths, checked explicitly.
#[test]
fn targeted_mutations_are_diagnosed() {
    let (_, aqua) = &trees()[0];
    let cases: Vec<(&str, Value)> = vec![
        ("#/components/schemas/Job", Value::Null),
        ("#/components/schemas/Job/properties", serde_json::json!([])),
        (
            "#/components/schemas/Job/properties/id",
            serde_json::json!({"type": "string", "x-aqua-flex": "integer"}),
        ),
        ("#/paths", serde_json::json!(7)),
        ("#/openapi", serde_json::json!(3.0)),
    ];
    for (pointer, value) in cases {
        let mut tree = aqua.clone();
        set(&mut tree, &pointer[1..], value.clone());
        let text = serde_json::to_string(&tree).unwrap();
        let generated = check("aqua.json", text).unwrap_or_else(|e| panic!("{pointer}: {e}"));
        assert!(!generated, "{pointer} = {value} was accepted");
    }
}

/// Recursive schemas: the generator ends in time without crashing, boxes recursive fields,
/// and refuses what cannot be a Rust type (a `$ref` chain that never reaches a schema) with a
/// diagnostic instead of emitting `pub type A = A;`.
#[test]
fn schema_cycles_neither_crash_nor_hang() {
    let (_, aqua) = &trees()[0];
    let to = |name: &str| serde_json::json!({ "$ref": format!("#/components/schemas/{name}") });
    // (what, edits, whether code must be generated)
    type Edit<'a> = (&'a str, &'a str, Value); // (object pointer, key, value)
    let cases: Vec<(&str, Vec<Edit<'_>>, bool)> = vec![
        (
            "an optional property referring to its own schema",
            vec![(
                "/components/schemas/Batch/properties",
                "parent",
                to("Batch"),
            )],
            true,
        ),
        (
            "a required property referring to its own schema",
            vec![
                (
                    "/components/schemas/Batch/properties",
                    "parent",
                    to("Batch"),
                ),
                (
                    "/components/schemas/Batch",
                    "required",
                    serde_json::json!(["parent"]),
                ),
            ],
            true,
        ),
        (
            "two schemas whose properties refer to each other",
            vec![
                ("/components/schemas/Job/properties", "first", to("Batch")),
                ("/components/schemas/Batch/properties", "job", to("Job")),
            ],
            true,
        ),
        (
            "two schemas whose properties refer to each other and to themselves",
            vec![
                ("/components/schemas/Job/properties", "first", to("Batch")),
                ("/components/schemas/Batch/properties", "job", to("Job")),
                (
                    "/components/schemas/Batch/properties",
                    "parent",
                    to("Batch"),
                ),
            ],
            true,
        ),
        (
            "a schema that is a $ref to itself",
            vec![("/components/schemas", "Batch", to("Batch"))],
            false,
        ),
        (
            "two schemas that are $refs to each other",
            vec![
                ("/components/schemas", "Batch", to("DeletedRecord")),
                ("/components/schemas", "DeletedRecord", to("Batch")),
            ],
            false,
        ),
    ];
    let mut failures = Vec::new();
    for (what, edits, generates) in cases {
        let mut tree = aqua.clone();
        for (object, key, value) in edits {
            // First in its object: the generator's checks visit properties in order.
            match tree.pointer_mut(object) {
                Some(Value::Object(map)) => {
                    let rest = std::mem::take(map);
                    map.insert(key.to_owned(), value);
                    map.extend(rest.into_iter().filter(|(k, _)| k != key));
                }
                other => panic!("{object} is not an object: {other:?}"),
            }
        }
        let text = serde_json::to_string_pretty(&tree).expect("JSON encodes");
        match check("aqua.json", text) {
            Ok(generated) if generated == generates => {}
            Ok(generated) => failures.push(format!("{what}: generated code = {generated}")),
            Err(e) => failures.push(format!("{what}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
