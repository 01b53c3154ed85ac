//! The `aqua` binary under conditions that end a command early: signals in the middle of a
//! download, a `--download` directory that cannot be used, existing result files, and the
//! time budget of `--timeout`.

mod support;

use std::time::Duration;

use support::*;

/// SIGTERM, SIGHUP and SIGINT in the middle of a download: exit code 128 + the signal, one
/// clear line, and nothing left in the directory (neither the file nor its hidden part).
#[cfg(unix)]
#[test]
fn a_signal_during_a_download_leaves_nothing_behind() {
    for (signal, code, what) in [
        ("TERM", 143, "terminated (SIGTERM)"),
        ("HUP", 129, "hung up (SIGHUP)"),
        ("INT", 130, "interrupted"),
    ] {
        let server = RawServer::start(Behaviour::StallInBody);
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("out.csv");
        let running = Background::spawn(
            aqua(&server.base_url())
                .args([
                    "file",
                    "download",
                    "0123456789abcdef0123456789abcdef",
                    "--output",
                ])
                .arg(&path),
        );
        eventually("the download writes its hidden part file", || {
            entries(dir.path())
                .iter()
                .any(|e| e.starts_with(".out.csv.part-"))
        });
        let run = running.signal_and_wait(signal);
        assert_eq!(
            run.failure(code),
            format!("error: {what}; nothing partial was left behind"),
            "SIG{signal}"
        );
        assert_eq!(entries(dir.path()), Vec::<String>::new(), "SIG{signal}");
    }
}

/// A signal while `job submit --wait` waits says which job keeps running on Zuora.
#[cfg(unix)]
#[test]
fn a_signal_while_waiting_names_the_submitted_job() {
    let server = aqua_server_that_never_completes();
    let running = Background::spawn(aqua(&server.rest_url()).args([
        "job",
        "submit",
        "--name",
        "N",
        "--query",
        "A=select Id from Account",
        "--wait",
    ]));
    eventually("the job is submitted and polled", || {
        server.stats().requests >= 2
    });
    let run = running.signal_and_wait("TERM");
    let line = run.failure(143);
    let id = line
        .split("job ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("no job id in {line}"));
    assert_eq!(id.len(), 32, "{line}");
    assert_eq!(
        line,
        format!(
            "error: terminated (SIGTERM); nothing partial was left behind; job {id} was submitted and keeps running (`aqua job get {id}`, `aqua job cancel {id}`)"
        )
    );
}

fn aqua_server_that_never_completes() -> aqua_server::LocalServer {
    support::start(aqua_server::Config {
        submitted_for: Duration::from_secs(600),
        ..aqua_server::Config::default()
    })
}

/// `--download` onto a regular file (or below one) fails before anything is submitted.
#[test]
fn a_download_path_that_is_a_file_is_refused_before_submitting() {
    let server = start_fast();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("results");
    std::fs::write(&file, "mine\n").expect("write");
    for target in [file.clone(), file.join("below")] {
        let run = run(aqua(&server.rest_url())
            .args([
                "job",
                "submit",
                "--name",
                "N",
                "--query",
                "A=select Id from Account",
            ])
            .arg("--download")
            .arg(&target));
        assert_eq!(
            run.failure(8),
            format!(
                "error: --download {}: {} exists and is not a directory; nothing was submitted",
                target.display(),
                file.display()
            )
        );
    }
    assert_eq!(server.stats().requests, 0, "nothing reached the server");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "mine\n");
}

/// An existing result file: the error names the completed job and the flag that replaces it,
/// and `--overwrite` does.
#[test]
fn existing_result_files_are_replaced_only_with_overwrite() {
    let server = start_fast();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let existing = dir.path().join("A.csv");
    std::fs::write(&existing, "mine\n").expect("write");
    let submit = |overwrite: bool| {
        let mut cmd = aqua(&server.rest_url());
        cmd.args(["--output", "json", "job", "submit", "--name", "N"])
            .args(["--query", "A=select Id, Name from Account", "--download"])
            .arg(dir.path());
        if overwrite {
            cmd.arg("--overwrite");
        }
        run(&mut cmd)
    };
    let refused = submit(false);
    let line = refused.failure(8);
    let id = line
        .strip_prefix("error: job ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("no job id in {line}"));
    assert_eq!(id.len(), 32, "{line}");
    assert_eq!(
        line,
        format!(
            "error: job {id} completed, but downloading its results failed: {} already exists; pass --overwrite to replace it, or choose another --download directory",
            existing.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&existing).expect("read"), "mine\n");
    assert_eq!(entries(dir.path()), ["A.csv"], "no temporary file is left");

    let replaced = submit(true);
    assert_eq!(replaced.code, Some(0), "{replaced:?}");
    let out: serde_json::Value = serde_json::from_str(&replaced.stdout).expect("JSON");
    assert_eq!(out["files"][0]["path"], existing.display().to_string());
    let text = std::fs::read_to_string(&existing).expect("read");
    assert!(text.starts_with("Account.Id,Account.Name\n"), "{text}");
    assert_eq!(entries(dir.path()), ["A.csv"]);
}

/// `--overwrite` and `--decompress` only make sense with `--download`.
#[test]
fn overwrite_and_decompress_need_download() {
    for flag in ["--overwrite", "--decompress"] {
        let run = run(aqua("http://127.0.0.1:9/v1").args([
            "job",
            "submit",
            "--name",
            "N",
            "--query",
            "A=select Id from Account",
            flag,
        ]));
        assert_eq!(run.code, Some(2), "{flag}: {run:?}");
        assert!(run.stderr.contains("--download"), "{flag}: {run:?}");
    }
}

/// `--timeout 0` is refused as a usage error instead of being raised silently.
#[test]
fn a_zero_timeout_is_refused() {
    let run = run(aqua("http://127.0.0.1:9/v1").args(["--timeout", "0", "job", "get", "x"]));
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr
            .starts_with("error: invalid value '0' for '--timeout <SECONDS>'"),
        "{run:?}"
    );
}

/// `--timeout` is the time of one API call, retries included: a server that never answers
/// gets one attempt (the next would start after the budget), and a retry that starts in the
/// budget is cut off when the budget ends, with an error that names the budget.
#[test]
fn the_timeout_bounds_a_whole_call_retries_included() {
    let silent = RawServer::start(Behaviour::Silent);
    let once = run(aqua(&silent.base_url()).args(["--timeout", "1", "job", "get", "x"]));
    assert_eq!(
        once.failure(5),
        "error: getJob: no complete answer within 1 s (--timeout, the time of one API call, retries included)"
    );
    assert_eq!(silent.requests(), 1, "no retry after the budget: {once:?}");

    let flaky = RawServer::start(Behaviour::UnavailableThenSilent);
    let twice = run(aqua(&flaky.base_url()).args(["--timeout", "1", "job", "get", "x"]));
    assert_eq!(
        twice.failure(5),
        "error: getJob: no complete answer within 1 s (--timeout, the time of one API call, retries included)"
    );
    assert_eq!(
        flaky.requests(),
        2,
        "the 503 is retried within the budget: {twice:?}"
    );
}
