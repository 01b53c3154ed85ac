//! Polling: `wait_for_job` until a terminal status, the deadline, or a failed poll.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use zuora_aqua::{JobStatus, WaitError, examples};

use super::{GENEROUS, JSON, basic, fast_retry, job_body, no_retry, recorder, status_of};
use crate::support::{Reply, TestServer};

/// Answers `GET …/batch-query/jobs/J` with the statuses in order; the last one repeats.
async fn polling_server(statuses: &'static [&'static str]) -> TestServer {
    let polls = AtomicUsize::new(0);
    TestServer::scripted(move |r| {
        if r.method != "GET" || r.path() != "/v1/batch-query/jobs/J" {
            return Reply::json(
                404,
                r#"{"success":false,"reasons":[{"code":404,"message":"no"}]}"#,
            );
        }
        let n = polls.fetch_add(1, Ordering::SeqCst).min(statuses.len() - 1);
        Reply::json(200, job_body("J", statuses[n]))
    })
    .await
}

#[tokio::test]
async fn wait_for_job_reports_each_status_until_completed() {
    let server = polling_server(&["submitted", "executing", "executing", "completed"]).await;
    let client = basic(&server.v1());
    let (seen, callback) = recorder();
    let job = client
        .wait_for_job("J")
        .intervals(Duration::from_millis(1), Duration::from_millis(5))
        .deadline(GENEROUS)
        .on_status_change(callback)
        .await
        .unwrap();
    assert_eq!(job.id.as_deref(), Some("J"));
    assert_eq!(job.status, Some(JobStatus::Completed));
    assert_eq!(
        *seen.lock().unwrap(),
        ["submitted", "executing", "completed"]
    );
    assert_eq!(server.lines(), ["GET /v1/batch-query/jobs/J"; 4]);
}

#[tokio::test]
async fn terminal_failures_end_the_wait() {
    let scripts: [&'static [&'static str]; 4] = [
        &["submitted", "error", "completed"],
        &["submitted", "aborted", "completed"],
        &["submitted", "cancelled", "completed"],
        &["submitted", "failed", "completed"],
    ];
    for script in scripts {
        let failure = script[1];
        let server = polling_server(script).await;
        let (seen, callback) = recorder();
        let err = basic(&server.v1())
            .wait_for_job("J")
            .intervals(Duration::from_millis(1), Duration::from_millis(5))
            .deadline(GENEROUS)
            .on_status_change(callback)
            .await
            .unwrap_err();
        let WaitError::Failed(job) = &err else {
            panic!("{failure}: {err:?}")
        };
        assert_eq!(status_of(job), failure);
        assert_eq!(job.id.as_deref(), Some("J"));
        assert_eq!(*seen.lock().unwrap(), ["submitted", failure]);
        assert_eq!(
            server.lines(),
            ["GET /v1/batch-query/jobs/J"; 2],
            "{failure}"
        );
    }
}

#[tokio::test]
async fn an_unknown_status_waits_until_the_deadline() {
    let server = polling_server(&["queued"]).await;
    let (seen, callback) = recorder();
    let deadline = Duration::from_secs(1);
    let err = basic(&server.v1())
        .wait_for_job("J")
        .intervals(Duration::from_millis(1), Duration::from_millis(20))
        .deadline(deadline)
        .on_status_change(callback)
        .await
        .unwrap_err();
    let WaitError::DeadlineExceeded { waited, last } = &err else {
        panic!("{err:?}")
    };
    assert!(*waited >= deadline, "{waited:?}");
    let last = last.as_deref().expect("at least one poll completed");
    assert_eq!(last.status, Some(JobStatus::Unknown("queued".to_owned())));
    assert_eq!(*seen.lock().unwrap(), ["queued"]);
    assert!(
        server
            .lines()
            .iter()
            .all(|l| l == "GET /v1/batch-query/jobs/J")
    );
}

#[tokio::test]
async fn a_failed_poll_ends_the_wait() {
    let server = TestServer::start(
        500,
        JSON,
        examples::RESPONSES_SERVER_ERROR_SYSTEM_ERROR.json,
    )
    .await;
    let (seen, callback) = recorder();
    let err = no_retry(&server.v1())
        .wait_for_job("J")
        .intervals(Duration::from_millis(1), Duration::from_millis(5))
        .deadline(GENEROUS)
        .on_status_change(callback)
        .await
        .unwrap_err();
    let WaitError::Request(inner) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(inner.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(inner.zuora_code().as_deref(), Some("SystemError"));
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(server.lines(), ["GET /v1/batch-query/jobs/J"]);
}

#[tokio::test]
async fn a_transient_error_while_polling_is_retried_and_the_wait_goes_on() {
    let polls = AtomicUsize::new(0);
    let server = TestServer::scripted(move |_| match polls.fetch_add(1, Ordering::SeqCst) {
        0 => Reply::json(200, job_body("J", "submitted")),
        1 => Reply::json(503, examples::RESPONSES_SERVER_ERROR_SYSTEM_ERROR.json),
        2 => Reply::json(200, job_body("J", "executing")),
        _ => Reply::json(200, job_body("J", "completed")),
    })
    .await;
    let (seen, callback) = recorder();
    let job = fast_retry(&server.v1())
        .wait_for_job("J")
        .intervals(Duration::from_millis(1), Duration::from_millis(5))
        .deadline(GENEROUS)
        .on_status_change(callback)
        .await
        .unwrap();
    assert_eq!(job.status, Some(JobStatus::Completed));
    assert_eq!(
        *seen.lock().unwrap(),
        ["submitted", "executing", "completed"]
    );
    assert_eq!(server.lines(), ["GET /v1/batch-query/jobs/J"; 4]);
}
