//! `aqua last-job`: the last completed job of a session.

use super::{ACCOUNTS, aqua_at, exec, fast, is_id, start, text};

#[test]
fn last_job_prints_the_last_completed_job_of_the_session() {
    let server = start(fast());
    let submitted = exec(aqua_at(&server).args([
        "job",
        "submit",
        "--name",
        "session",
        "--query",
        ACCOUNTS,
        "--partner",
        "acme",
        "--project",
        "nightly",
        "--wait",
    ]))
    .success()
    .json();
    let id = text(&submitted, "id");
    assert!(is_id(id), "{submitted:#}");
    assert_eq!(text(&submitted, "status"), "completed");

    let last =
        exec(aqua_at(&server).args(["last-job", "--partner", "acme", "--project", "nightly"]))
            .success();
    assert_eq!(last.stderr, "", "{last}");
    let job = last.json();
    assert_eq!(text(&job, "id"), id, "{job:#}");
    assert_eq!(text(&job, "status"), "completed");
    assert_eq!(text(&job, "partner"), "acme");
    assert_eq!(text(&job, "project"), "nightly");
}

#[test]
fn last_job_of_a_session_without_jobs_exits_4_with_one_line() {
    let server = start(fast());
    let run = exec(aqua_at(&server).args(["last-job", "--partner", "acme", "--project", "none"]))
        .failure(4);
    let line = run.error_line();
    assert!(line.contains("getLastCompletedJob"), "{run}");
    assert!(line.contains("90002"), "{run}");
    assert!(
        line.contains("no completed job for partner acme project none"),
        "{run}"
    );
}

#[test]
fn last_job_requires_partner_and_project() {
    let server = start(fast());
    exec(aqua_at(&server).args(["last-job", "--partner", "acme"])).usage_error();
    assert_eq!(server.stats().requests, 0);
}
