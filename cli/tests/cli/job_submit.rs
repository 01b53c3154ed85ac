//! `aqua job submit`: printing, waiting, downloading and what is refused before sending.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::{
    ACCOUNTS, Background, INTERRUPTED, INVOICES, aqua_at, entries, eventually, exec, fast,
    file_ids, first_line, is_id, slow, start, std_aqua, text,
};

#[test]
fn job_submit_wait_prints_the_completed_job() {
    let server = start(fast());
    let job = exec(aqua_at(&server).args([
        "job", "submit", "--name", "N", "--query", ACCOUNTS, "--wait",
    ]))
    .success()
    .json();
    assert!(is_id(text(&job, "id")), "{job:#}");
    assert_eq!(text(&job, "name"), "N");
    assert_eq!(text(&job, "status"), "completed");
    let batches = job["batches"].as_array().expect("batches");
    assert_eq!(batches.len(), 1, "{job:#}");
    assert_eq!(text(&batches[0], "name"), "A");
    assert_eq!(text(&batches[0], "query"), "select Id, Name from Account");
    assert_eq!(text(&batches[0], "status"), "completed");
    assert!(is_id(text(&batches[0], "fileId")), "{job:#}");
    assert!(batches[0]["recordCount"].as_u64().is_some_and(|n| n > 0));
}

#[test]
fn job_submit_without_wait_prints_the_submitted_job() {
    let server = start(slow());
    let job = exec(aqua_at(&server).args(["job", "submit", "--name", "N", "--query", ACCOUNTS]))
        .success()
        .json();
    assert!(is_id(text(&job, "id")), "{job:#}");
    assert_eq!(text(&job, "status"), "submitted");
}

#[test]
fn job_submit_download_writes_csv_files_with_the_selected_columns() {
    let server = start(fast());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let target = dir.path().join("results");
    let out = exec(
        aqua_at(&server)
            .args([
                "job",
                "submit",
                "--name",
                "N",
                "--query",
                ACCOUNTS,
                "--query",
                INVOICES,
                "--download",
            ])
            .arg(&target),
    )
    .success()
    .json();
    assert_eq!(text(&out["job"], "status"), "completed", "{out:#}");
    assert_eq!(entries(&target), ["A.csv", "Inv.csv"]);
    assert_eq!(first_line(&target.join("A.csv")), "Account.Id,Account.Name");
    assert_eq!(
        first_line(&target.join("Inv.csv")),
        "Invoice.Id,Invoice.Amount"
    );

    // The JSON lists every file with its batch, file ID, path and size.
    let files = out["files"].as_array().expect("files");
    let ids = file_ids(&out["job"]);
    assert_eq!(files.len(), 2, "{out:#}");
    for (file, (batch, id)) in files.iter().zip([("A", &ids[0]), ("Inv", &ids[1])]) {
        assert_eq!(text(file, "batch"), batch);
        assert_eq!(text(file, "fileId"), id);
        let path = PathBuf::from(text(file, "path"));
        assert_eq!(path, target.join(format!("{batch}.csv")));
        let len = std::fs::metadata(&path).expect("the file exists").len();
        assert_eq!(file["bytes"].as_u64(), Some(len), "{out:#}");
        // One header line, then one line per record.
        let rows = std::fs::read_to_string(&path)
            .expect("utf-8")
            .lines()
            .count()
            - 1;
        let batch_json = out["job"]["batches"]
            .as_array()
            .expect("batches")
            .iter()
            .find(|b| b["name"] == batch)
            .expect("the batch");
        assert_eq!(batch_json["recordCount"].as_u64(), Some(rows as u64));
    }
}

#[test]
fn job_submit_compressed_download_decompress_writes_csv_files() {
    let server = start(fast());
    for format in ["gzip", "zip"] {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let out = exec(
            aqua_at(&server)
                .args([
                    "job",
                    "submit",
                    "--name",
                    "N",
                    "--query",
                    ACCOUNTS,
                    "--format",
                    format,
                    "--decompress",
                    "--download",
                ])
                .arg(dir.path()),
        )
        .success()
        .json();
        assert_eq!(
            text(&out["job"], "format"),
            format.to_uppercase(),
            "{out:#}"
        );
        // Only the unpacked CSV is left: no archive, no temporary file.
        assert_eq!(entries(dir.path()), ["A.csv"], "{format}");
        assert_eq!(
            first_line(&dir.path().join("A.csv")),
            "Account.Id,Account.Name"
        );
    }
}

#[test]
fn job_submit_gzip_download_keeps_the_gzip_file() {
    let server = start(fast());
    let dir = tempfile::tempdir().expect("a temporary directory");
    exec(
        aqua_at(&server)
            .args([
                "job",
                "submit",
                "--name",
                "N",
                "--query",
                ACCOUNTS,
                "--format",
                "gzip",
                "--download",
            ])
            .arg(dir.path()),
    )
    .success();
    assert_eq!(entries(dir.path()), ["A.csv.gz"]);
    let bytes = std::fs::read(dir.path().join("A.csv.gz")).expect("the file");
    assert_eq!(bytes[..2], [0x1f, 0x8b], "a gzip stream");
}

#[test]
fn job_submit_download_never_replaces_an_existing_file() {
    let server = start(fast());
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("A.csv"), "mine\n").expect("write");
    let run = exec(
        aqua_at(&server)
            .args([
                "job",
                "submit",
                "--name",
                "N",
                "--query",
                ACCOUNTS,
                "--download",
            ])
            .arg(dir.path()),
    )
    .failure(8);
    assert!(run.error_line().contains("A.csv"), "{run}");
    assert!(run.error_line().contains("already exists"), "{run}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("A.csv")).expect("read"),
        "mine\n"
    );
    assert_eq!(entries(dir.path()), ["A.csv"], "no temporary file is left");
}

#[test]
fn job_submit_refuses_a_query_without_equals_sign() {
    let server = start(fast());
    let run = exec(aqua_at(&server).args([
        "job",
        "submit",
        "--name",
        "N",
        "--query",
        "select Id from Account",
    ]))
    .failure(2);
    assert_eq!(
        run.error_line(),
        "error: --query `select Id from Account` must be NAME=ZOQL"
    );
    // An empty ZOQL query.
    let run =
        exec(aqua_at(&server).args(["job", "submit", "--name", "N", "--query", "A= "])).failure(2);
    assert!(run.error_line().contains("with both parts"), "{run}");
    assert_eq!(server.stats().requests, 0, "nothing was sent");
}

#[test]
fn job_submit_refuses_a_name_over_32_characters_before_sending() {
    let server = start(fast());
    let name = "n".repeat(33);
    let run = exec(aqua_at(&server).args(["job", "submit", "--name", &name, "--query", ACCOUNTS]))
        .failure(2);
    assert!(run.error_line().contains("32 characters"), "{run}");
    assert!(run.error_line().contains("name"), "{run}");
    assert_eq!(server.stats().requests, 0, "the server saw no submit");

    // 32 characters are fine.
    let name = "n".repeat(32);
    let job = exec(aqua_at(&server).args(["job", "submit", "--name", &name, "--query", ACCOUNTS]))
        .success()
        .json();
    assert_eq!(text(&job, "name"), name);
}

#[test]
fn job_submit_reports_a_query_the_server_refuses() {
    let server = start(fast());
    let run = exec(aqua_at(&server).args([
        "job",
        "submit",
        "--name",
        "N",
        "--query",
        "A=select Nope from Account",
    ]))
    .failure(4);
    assert!(run.error_line().contains("submitJob"), "{run}");
    assert!(run.error_line().contains("90005"), "{run}");
}

#[test]
fn job_submit_argument_errors_exit_2() {
    let server = start(fast());
    // No --query.
    exec(aqua_at(&server).args(["job", "submit", "--name", "N"])).usage_error();
    // --partner without --project.
    exec(aqua_at(&server).args([
        "job",
        "submit",
        "--name",
        "N",
        "--query",
        ACCOUNTS,
        "--partner",
        "p",
    ]))
    .usage_error();
    // An unknown format.
    exec(aqua_at(&server).args([
        "job", "submit", "--name", "N", "--query", ACCOUNTS, "--format", "xml",
    ]))
    .usage_error();
    assert_eq!(server.stats().requests, 0);
}

#[test]
fn job_submit_wait_past_the_deadline_exits_7() {
    let server = start(slow());
    let started = Instant::now();
    exec(aqua_at(&server).args([
        "job",
        "submit",
        "--name",
        "N",
        "--query",
        ACCOUNTS,
        "--wait",
        "--deadline",
        "1",
    ]))
    .failure(7);
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[test]
fn job_submit_wait_for_a_job_that_gets_cancelled_exits_6() {
    // Job IDs are deterministic for a seed and a sequence of requests: the first job submitted
    // to a twin server has the ID of the first job submitted to this one.
    let twin = start(slow());
    let twin_job = exec(aqua_at(&twin).args(["job", "submit", "--name", "N", "--query", ACCOUNTS]))
        .success()
        .json();
    let id = text(&twin_job, "id").to_owned();

    let server = start(slow());
    let mut cmd = std_aqua();
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "demo")
        .args(["--base-url", &server.rest_url()])
        .args([
            "job", "submit", "--name", "N", "--query", ACCOUNTS, "--wait",
        ]);
    let waiting = Background::spawn(cmd);
    // The submit and the first poll have arrived.
    eventually("the job is submitted and polled", || {
        server.stats().requests >= 2
    });
    let cancelled = exec(aqua_at(&server).args(["job", "cancel", &id]))
        .success()
        .json();
    assert_eq!(text(&cancelled, "status"), "cancelled");

    let run = waiting.finish().failure(6);
    assert_eq!(
        run.error_line(),
        format!("error: job {id} ended with status cancelled")
    );
}

#[cfg(unix)]
#[test]
fn job_submit_wait_interrupted_exits_130() {
    let server = start(slow());
    let mut cmd = std_aqua();
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "demo")
        .args(["--base-url", &server.rest_url()])
        .args([
            "job", "submit", "--name", "N", "--query", ACCOUNTS, "--wait",
        ]);
    let waiting = Background::spawn(cmd);
    eventually("the job is submitted and polled", || {
        server.stats().requests >= 2
    });
    waiting.interrupt();
    let run = waiting.finish().failure(130);
    // The job keeps running on Zuora's side, and the message says which one it is.
    let line = run.error_line();
    assert!(line.starts_with(INTERRUPTED), "{run}");
    assert!(line.contains("was submitted and keeps running"), "{run}");
}
