//! `aqua demo` and `aqua server`: the local AQuA server from the shell.

use super::{ACCOUNTS, Background, INTERRUPTED, aqua, exec, std_aqua, text};

#[test]
fn demo_runs_to_completion() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let run = exec(aqua().args(["demo", "--dir"]).arg(dir.path())).success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0]
            .starts_with("aqua demo: local AQuA server started in-process at http://127.0.0.1:"),
        "{run}"
    );
    // Two runs: a full load, then an incremental one, with a summary line per object.
    let loads = |object: &str| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l.starts_with(&format!("{object} ")))
            .map(|l| l.split_whitespace().nth(2).unwrap_or_default().to_owned())
            .collect()
    };
    for object in ["Account", "Invoice", "AccountingPeriod", "InvoiceItem"] {
        assert_eq!(loads(object), ["full", "incremental"], "{object}\n{run}");
    }
    assert!(lines.contains(&"[run 1: full load]"), "{run}");
    assert!(lines.contains(&"[run 2: incremental load]"), "{run}");
    // The row counts are those of the database.
    let db = dir.path().join("aqua-demo.db");
    let conn = rusqlite::Connection::open(&db).expect("the demo's database");
    for object in ["Account", "Invoice", "AccountingPeriod", "InvoiceItem"] {
        let count: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {object}"), [], |r| r.get(0))
            .expect("a table per object");
        let line = format!("  {object:<18} {count:>6}");
        assert!(lines.contains(&line.as_str()), "missing `{line}`\n{run}");
        assert!(count > 0);
    }
    assert!(
        lines
            .last()
            .is_some_and(|l| l.starts_with("aqua demo: done in ")),
        "{run}"
    );
}

#[cfg(unix)]
#[test]
fn server_serves_until_interrupted() {
    let mut cmd = std_aqua();
    cmd.args(["server", "--port", "0"]);
    let server = Background::spawn(cmd);
    let listening = server.next_line();
    assert!(
        listening.starts_with("local AQuA server listening on 127.0.0.1:"),
        "{listening}"
    );
    let rest = server.next_line();
    let url = rest
        .strip_prefix("  REST base URL:   ")
        .unwrap_or_else(|| panic!("no REST base URL: {rest}"))
        .to_owned();
    loop {
        if server.next_line() == "press Ctrl-C to stop" {
            break;
        }
    }

    // The printed credentials work.
    let mut cmd = aqua();
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "demo")
        .args(["--base-url", &url])
        .args([
            "job", "submit", "--name", "N", "--query", ACCOUNTS, "--wait",
        ]);
    let job = exec(&mut cmd).success().json();
    let mut cmd = aqua();
    cmd.env("ZUORA_CLIENT_ID", "demo-client")
        .env("ZUORA_CLIENT_SECRET", "demo-secret")
        .args(["--base-url", &url, "job", "get", text(&job, "id")]);
    assert_eq!(
        text(&exec(&mut cmd).success().json(), "status"),
        "completed"
    );

    server.interrupt();
    let run = server.finish();
    assert_eq!(run.code, 130, "{run}");
    assert_eq!(run.error_line(), INTERRUPTED);
}

#[test]
fn server_refuses_an_invalid_fault_rule() {
    let run = exec(aqua().args(["server", "--port", "0", "--fault", "bogus"])).failure(2);
    assert!(run.error_line().contains("--fault `bogus`"), "{run}");
}
