//! The corpus harness's own tests (quick: the directory is never read here): diagnostics are
//! read in every form, kinds group what differs only by names, outcomes are classified, and
//! child processes are observed to their end under the limits.

use std::path::Path;
use std::time::{Duration, Instant};

use super::crates::{self, Check};
use super::diagnostics::{self, Diag, Severity};
use super::documents::Family;
use super::pass::{self, Outcome, Record};
use super::process::{End, Run};
use super::{SplitMix64, crate_name};

#[test]
fn reads_the_current_form_with_and_without_a_position() {
    let stderr = "zuora.com.json:12:7: error at #/components/schemas/Pet/not: `not` schemas are not supported\n\
                  zuora.com.json: error at #/servers/0/url: server URL `/v1` must be absolute (https://…)\n\
                  t.yaml:3:1: warning at #/paths/~1a/get: callbacks are ignored\n\
                  t.yaml: ok\n";
    let (diags, other) = diagnostics::parse(stderr);
    assert_eq!(other, ["t.yaml: ok"]);
    assert_eq!(diags.len(), 3);
    assert_eq!(diags[0].severity, Severity::Error);
    assert_eq!(
        diags[0].pointer.as_deref(),
        Some("#/components/schemas/Pet/not")
    );
    assert_eq!((diags[0].line, diags[0].column), (Some(12), Some(7)));
    assert_eq!(diags[0].message, "`not` schemas are not supported");
    assert_eq!((diags[1].line, diags[1].column), (None, None));
    assert_eq!(
        diags[1].message,
        "server URL `/v1` must be absolute (https://…)"
    );
    assert_eq!(diags[2].severity, Severity::Warning);
    assert_eq!(diags[2].pointer.as_deref(), Some("#/paths/~1a/get"));
}

#[test]
fn reads_json_lines_and_bare_lines() {
    let stderr = r##"{"severity":"warning","code":"schema-as-value","pointer":"#/a","span":{"line":4,"column":2},"message":"typed as `serde_json::Value`"}
{"type":"summary","errors":0,"warnings":1}
{"level":"error","message":"cannot read"}
warning: something without a pointer
error: cannot write out/src/lib.rs: denied
"##;
    let (diags, other) = diagnostics::parse(stderr);
    assert_eq!(
        other.len(),
        1,
        "the summary object is no diagnostic: {other:?}"
    );
    assert_eq!(diags.len(), 4);
    assert_eq!(diags[0].code.as_deref(), Some("schema-as-value"));
    assert_eq!((diags[0].line, diags[0].column), (Some(4), Some(2)));
    assert_eq!(diags[0].severity, Severity::Warning);
    assert_eq!(diags[1].severity, Severity::Error);
    assert_eq!(diags[1].pointer, None);
    assert_eq!(diags[2].message, "something without a pointer");
    assert_eq!(diags[3].severity, Severity::Error);
}

fn diag(message: &str) -> Diag {
    Diag {
        severity: Severity::Error,
        pointer: None,
        line: None,
        column: None,
        message: message.to_owned(),
        code: None,
        kind: String::new(),
        names: Vec::new(),
    }
}

#[test]
fn kinds_drop_names_and_keep_wording() {
    let mut diags: Vec<Diag> = [
        "unknown security scheme `api_key`",
        "unknown security scheme `oauth`",
        "unknown security scheme `bearer`",
        "unknown security scheme `Token`",
        "unknown security scheme `oauth`",
        "`not` schemas are not supported",
        "only the OAuth 2.0 `clientCredentials` flow is supported",
        "OpenAPI 3.1.0 is not supported",
        "OpenAPI 3.1.1 is not supported",
        "OpenAPI 3.1.2 is not supported",
        "OpenAPI 3.2.0 is not supported",
        "dangling reference `#/components/schemas/A`: there is no schema `A` (see #/paths/~1x)",
    ]
    .iter()
    .map(|m| diag(m))
    .collect();
    let mut with_code = diag("anything `x`");
    with_code.code = Some("the-code".to_owned());
    diags.push(with_code);
    diagnostics::assign_kinds(diags.iter_mut());
    let kinds: Vec<&str> = diags.iter().map(|d| d.kind.as_str()).collect();
    assert_eq!(kinds[0], "unknown security scheme `…`");
    assert!(kinds[..5].iter().all(|k| *k == kinds[0]), "{kinds:?}");
    assert_eq!(diags[1].names, ["oauth"]);
    assert_eq!(kinds[5], "`not` schemas are not supported");
    assert_eq!(
        kinds[6],
        "only the OAuth 2.0 `clientCredentials` flow is supported"
    );
    assert_eq!(kinds[7], "OpenAPI N is not supported");
    assert!(kinds[7..11].iter().all(|k| *k == kinds[7]), "{kinds:?}");
    // Few values: the span stays (one document's names, in a run of one).
    assert_eq!(
        kinds[11],
        "dangling reference `#/components/schemas/A`: there is no schema `A` (see #/…)"
    );
    assert_eq!(kinds[12], "the-code");
}

#[test]
fn left_out_operations_are_one_kind() {
    let mut diags: Vec<Diag> = (0..8)
        .map(|i| {
            diag(&format!(
                "the operation `op{i}` (GET /things/{i}) cannot be generated (see the warnings before): it is left out"
            ))
        })
        .collect();
    diagnostics::assign_kinds(diags.iter_mut());
    assert!(diags.iter().all(|d| d.kind
        == "the operation `…` (…) cannot be generated (see the warnings before): it is left out"),
        "{:?}", diags[0].kind);
    assert_eq!(diags[3].names, ["op3", "GET /things/3"]);
}

#[test]
fn crashes_are_told_apart() {
    assert_eq!(
        diagnostics::crash_kind(
            "\nthread 'main' has overflowed its stack\nfatal runtime error: stack overflow"
        ),
        Some("stack overflow")
    );
    assert_eq!(
        diagnostics::crash_kind("memory allocation of 4096 bytes failed\n"),
        Some("out of memory")
    );
    assert_eq!(
        diagnostics::crash_kind("thread 'main' panicked at src/lower.rs:1:1:\nindex out of bounds"),
        Some("panic")
    );
    assert_eq!(diagnostics::crash_kind("x.json: error at #: no"), None);
    assert_eq!(
        crates::panic_message(
            "\nthread 'main' (7) panicked at a.rs:1:2:\n$ref x is missing\nnote: …"
        ),
        Some("$ref x is missing".to_owned())
    );
}

fn record() -> Record {
    Record {
        document: "a.json".to_owned(),
        openapi: "3.0.0".to_owned(),
        family: Family::V30,
        bytes: 10,
        outcome: Outcome::Crashed,
        seconds: 0.0,
        end: String::new(),
        crash: None,
        errors: Vec::new(),
        warnings: Vec::new(),
        stderr_tail: None,
    }
}

#[test]
fn outcomes_follow_the_end_and_the_diagnostics() {
    let classify = |end: End, stderr: &str| {
        let mut r = record();
        pass::classify(&mut r, end, stderr);
        r
    };
    assert_eq!(
        classify(End::Exited(0), "a.json: ok\n").outcome,
        Outcome::Generated
    );
    let warned = classify(
        End::Exited(0),
        "a.json:1:1: warning at #/x: typed as a value\n",
    );
    assert_eq!(warned.outcome, Outcome::GeneratedWithWarnings);
    assert_eq!(warned.warnings.len(), 1);
    let refused = classify(
        End::Exited(1),
        "a.json:1:1: error at #/x: no\na.json: error at #/y: no\n",
    );
    assert_eq!(refused.outcome, Outcome::Refused);
    assert_eq!(refused.errors.len(), 2);
    let overflow = classify(End::Signaled(6), "thread 'main' has overflowed its stack\n");
    assert_eq!(overflow.outcome, Outcome::Crashed);
    assert_eq!(overflow.crash.as_deref(), Some("stack overflow"));
    assert!(overflow.stderr_tail.is_some());
    assert_eq!(
        classify(End::Signaled(11), "").crash.as_deref(),
        Some("signal 11")
    );
    assert_eq!(
        classify(End::Exited(101), "").crash.as_deref(),
        Some("exit 101")
    );
    let silent = classify(End::Exited(1), "something else\n");
    assert_eq!(silent.outcome, Outcome::Crashed);
    assert_eq!(silent.crash.as_deref(), Some("exit 1 without a diagnostic"));
    assert_eq!(classify(End::TimedOut, "").outcome, Outcome::TimedOut);
    assert_eq!(classify(End::CpuLimit, "").outcome, Outcome::TimedOut);
}

#[test]
fn summaries_count_documents_and_pick_the_smallest_examples() {
    let mut records = Vec::new();
    for (name, bytes, messages, outcome) in [
        (
            "big.json",
            900,
            vec!["unknown security scheme `a`", "unknown security scheme `b`"],
            Outcome::Refused,
        ),
        (
            "small.json",
            5,
            vec!["unknown security scheme `c`"],
            Outcome::Refused,
        ),
        (
            "mid.json",
            50,
            vec![
                "unknown security scheme `d`",
                "`not` schemas are not supported",
            ],
            Outcome::Refused,
        ),
        ("ok.json", 1, vec![], Outcome::Generated),
        (
            "v31.json",
            1,
            vec!["OpenAPI 3.1.0 is not supported"],
            Outcome::Refused,
        ),
    ] {
        let mut r = record();
        r.document = name.to_owned();
        r.bytes = bytes;
        r.outcome = outcome;
        r.seconds = bytes as f64;
        r.errors = messages.into_iter().map(diag).collect();
        if name == "v31.json" {
            r.family = Family::V31;
        }
        records.push(r);
    }
    pass::assign_kinds(&mut records);
    let summary = pass::summarize(&records, Family::V30);
    assert_eq!(summary.documents, 4);
    assert_eq!(summary.count(Outcome::Refused), 3);
    assert_eq!(summary.generated_percent(), 25.0);
    let first = &summary.kinds[0];
    assert_eq!(first.kind, "unknown security scheme `…`");
    assert_eq!((first.documents, first.occurrences), (3, 4));
    assert_eq!(first.alone, 2, "mid.json has another kind too");
    let examples: Vec<&str> = first.examples.iter().map(|e| e.document.as_str()).collect();
    assert_eq!(examples, ["small.json", "mid.json", "big.json"]);
    assert_eq!(first.examples[2].count, 2);
    assert_eq!(summary.kinds[1].kind, "`not` schemas are not supported");
    assert_eq!(pass::slowest(&records, 1)[0].document, "big.json");
    assert_eq!(pass::percentile(&records, 50.0), 5.0);
    assert_eq!(pass::summarize(&records, Family::V31).documents, 1);
}

#[test]
fn children_end_by_exit_signal_or_timeout() {
    let exited = Run::new("sh")
        .args(["-c", "echo out; echo err >&2; exit 3"])
        .run()
        .expect("sh runs");
    assert_eq!(exited.end, End::Exited(3));
    assert_eq!(
        (exited.stdout.as_str(), exited.stderr.as_str()),
        ("out\n", "err\n")
    );

    let aborted = Run::new("sh")
        .args(["-c", "kill -ABRT $$"])
        .run()
        .expect("sh runs");
    assert_eq!(aborted.end, End::Signaled(6));

    // The limit kills the whole group: the grandchild `sleep` too, or `wait` would not return.
    let start = Instant::now();
    let slow = Run::new("sh")
        .args(["-c", "sleep 30 & wait"])
        .time_limit(Duration::from_millis(200))
        .run()
        .expect("sh runs");
    assert_eq!(slow.end, End::TimedOut);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );

    // The CPU-time limit ends a busy loop whatever the machine's load.
    let busy = Run::new("sh")
        .args(["-c", "while :; do :; done"])
        .cpu_limit(Some(1))
        .time_limit(Duration::from_secs(60))
        .run()
        .expect("prlimit runs");
    assert_eq!(busy.end, End::CpuLimit);

    let limited = Run::new("sh")
        .args(["-c", "echo fine"])
        .memory_limit(Some(1 << 30))
        .run()
        .expect("prlimit runs");
    assert_eq!(
        (limited.end, limited.stdout.as_str()),
        (End::Exited(0), "fine\n")
    );
}

#[test]
fn cargo_messages_count_only_the_crate_itself() {
    let dir = Path::new("/w/crates/aqua/corpus-x");
    let messages = r#"{"reason":"compiler-message","package_id":"path+file:///w/runtime#aqua-runtime@0.1.0","manifest_path":"/w/runtime/Cargo.toml","message":{"level":"warning","message":"unused","code":{"code":"unused_imports"},"spans":[]}}
{"reason":"compiler-message","package_id":"path+file:///w/crates/aqua/corpus-x#0.1.0","manifest_path":"/w/crates/aqua/corpus-x/Cargo.toml","message":{"level":"error","message":"cannot find type `Foo`","code":{"code":"E0412"},"spans":[{"file_name":"src/lib.rs","line_start":7}]}}
{"reason":"compiler-message","manifest_path":"/w/crates/aqua/corpus-x/Cargo.toml","message":{"level":"warning","message":"unused variable","code":{"code":"unused_variables"},"spans":[]}}
{"reason":"compiler-message","manifest_path":"/w/crates/aqua/corpus-x/Cargo.toml","message":{"level":"error","message":"aborting due to 1 previous error","code":null,"spans":[]}}
{"reason":"compiler-message","manifest_path":"/w/crates/aqua/corpus-x/Cargo.toml","message":{"level":"warning","message":"1 warning emitted","code":null,"spans":[]}}
{"reason":"compiler-artifact","manifest_path":"/w/runtime/Cargo.toml","fresh":true}
{"reason":"build-finished","success":false}
"#;
    let mut check = Check::new(0);
    let success = crates::tally(messages, "corpus-x", dir, &mut check);
    assert!(!success);
    assert!(!check.fresh, "a fresh dependency is no fresh crate");
    assert_eq!((check.errors, check.warnings), (1, 1));
    assert_eq!(
        check.first_errors,
        ["E0412: cannot find type `Foo` (src/lib.rs:7)"]
    );
    assert_eq!(check.by_code["error E0412"], 1);
    assert_eq!(check.by_code["warning unused_variables"], 1);
    let fresh = r#"{"reason":"compiler-artifact","manifest_path":"/w/crates/aqua/corpus-x/Cargo.toml","fresh":true}"#;
    let mut again = Check::new(0);
    crates::tally(fresh, "corpus-x", dir, &mut again);
    assert!(again.fresh);
}

#[test]
fn samples_are_seeded_and_names_are_crate_names() {
    let items: Vec<u32> = (0..100).collect();
    let a = SplitMix64::new(12).sample(&items, 20);
    assert_eq!(a, SplitMix64::new(12).sample(&items, 20));
    assert_ne!(a, SplitMix64::new(13).sample(&items, 20));
    let mut distinct = a.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 20);
    assert_eq!(SplitMix64::new(1).sample(&items[..3], 20).len(), 3);
    assert_eq!(
        crate_name("github.com/api.github.com.json"),
        "corpus-github-com-api-github-com"
    );
    assert_eq!(crate_name("1forge.com.json"), "corpus-1forge-com");
}
