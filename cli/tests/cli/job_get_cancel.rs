//! `aqua job get` and `aqua job cancel`.

use super::{ACCOUNTS, aqua_at, completed_job, exec, fast, slow, start, text};

#[test]
fn job_get_and_cancel_a_submitted_job() {
    let server = start(slow());
    let job = exec(aqua_at(&server).args(["job", "submit", "--name", "N", "--query", ACCOUNTS]))
        .success()
        .json();
    let id = text(&job, "id");

    let got = exec(aqua_at(&server).args(["job", "get", id]))
        .success()
        .json();
    assert_eq!(text(&got, "id"), id);
    assert_eq!(text(&got, "status"), "submitted");

    let cancelled = exec(aqua_at(&server).args(["job", "cancel", id]))
        .success()
        .json();
    assert_eq!(text(&cancelled, "id"), id);
    assert_eq!(text(&cancelled, "status"), "cancelled");

    let got = exec(aqua_at(&server).args(["job", "get", id]))
        .success()
        .json();
    assert_eq!(text(&got, "status"), "cancelled");

    // Cancelling again answers the cancelled job.
    let again = exec(aqua_at(&server).args(["job", "cancel", id]))
        .success()
        .json();
    assert_eq!(text(&again, "status"), "cancelled");
}

#[test]
fn job_get_prints_a_completed_job() {
    let server = start(fast());
    let job = completed_job(&server, &[ACCOUNTS]);
    let id = text(&job, "id");
    let got = exec(aqua_at(&server).args(["job", "get", id]))
        .success()
        .json();
    assert_eq!(got, job, "the same job, as decoded");
}

#[test]
fn job_get_and_cancel_of_an_unknown_id_exit_4() {
    let server = start(fast());
    let unknown = "0123456789abcdef0123456789abcdef";
    let run_get = exec(aqua_at(&server).args(["job", "get", unknown])).failure(4);
    assert!(run_get.error_line().contains("getJob"), "{run_get}");
    assert!(run_get.error_line().contains("90002"), "{run_get}");
    assert!(run_get.error_line().contains(unknown), "{run_get}");

    let run_cancel = exec(aqua_at(&server).args(["job", "cancel", unknown])).failure(4);
    assert!(
        run_cancel.error_line().contains("cancelJob"),
        "{run_cancel}"
    );
    assert!(run_cancel.error_line().contains("90003"), "{run_cancel}");
}

#[test]
fn job_cancel_of_a_completed_job_exits_4() {
    let server = start(fast());
    let job = completed_job(&server, &[ACCOUNTS]);
    let run = exec(aqua_at(&server).args(["job", "cancel", text(&job, "id")])).failure(4);
    assert!(run.error_line().contains("90003"), "{run}");
}
