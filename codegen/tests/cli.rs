//! The `aqua-codegen` command: warnings are printed and generation goes on, `--deny-warnings`
//! makes them fail.

use std::process::Command;

/// A spec whose only problem is a warning: its callbacks are not generated.
const WARNED: &str = "openapi: 3.0.3
info: {title: Callbacks, version: '1'}
paths:
  /jobs:
    post:
      operationId: submitJob
      callbacks:
        done:
          '{$request.body#/url}':
            post:
              responses:
                '200': {description: ok}
      responses:
        '204': {description: ok}
";

fn run(args: &[&str], spec: &std::path::Path) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_aqua-codegen"))
        .args(args)
        .arg(spec)
        .output()
        .expect("aqua-codegen runs");
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn warnings_are_printed_and_denied_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("warned.yaml");
    std::fs::write(&spec, WARNED).unwrap();
    let warning =
        "warned.yaml:7:7: warning at #/paths/~1jobs/post/callbacks: callbacks are not generated";

    let (ok, _, stderr) = run(&["check"], &spec);
    assert!(ok, "{stderr}");
    assert!(stderr.contains(warning), "{stderr}");
    assert!(stderr.ends_with(": ok, with 1 warning\n"), "{stderr}");

    let (ok, stdout, stderr) = run(&["print"], &spec);
    assert!(ok, "{stderr}");
    assert!(stderr.contains(warning), "{stderr}");
    assert!(stdout.contains("pub fn submit_job(&self)"), "{stdout}");

    for command in ["check", "print"] {
        let (ok, stdout, stderr) = run(&[command, "--deny-warnings"], &spec);
        assert!(!ok, "{command}: {stderr}");
        assert!(stdout.is_empty(), "{command}: {stdout}");
        assert!(
            stderr.contains("warned.yaml:7:7: error at #/paths/~1jobs/post/callbacks: callbacks are not generated"),
            "{command}: {stderr}"
        );
    }
}

#[test]
fn problems_as_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("warned.yaml");
    std::fs::write(&spec, WARNED).unwrap();
    let line = |stderr: &str| -> serde_json::Value {
        let first = stderr.lines().next().expect("a line");
        serde_json::from_str(first).unwrap_or_else(|e| panic!("{e}: {stderr}"))
    };

    let (ok, _, stderr) = run(&["check", "--message-format", "json"], &spec);
    assert!(ok, "{stderr}");
    let expected = serde_json::json!({
        "severity": "warning",
        "source": "warned.yaml",
        "pointer": "#/paths/~1jobs/post/callbacks",
        "line": 7,
        "column": 7,
        "message": "callbacks are not generated: the client receives no callback requests; the operation is generated without them",
    });
    assert_eq!(line(&stderr), expected);

    let (ok, _, stderr) = run(
        &["check", "--message-format", "json", "--deny-warnings"],
        &spec,
    );
    assert!(!ok);
    let mut denied = expected;
    denied["severity"] = "error".into();
    assert_eq!(line(&stderr), denied);
}
