//! Each fault kind, as the generated client observes it.
//!
//! The client may retry transient failures (429, 5xx, broken exchanges, AQuA's transient
//! codes) by itself, so the rules here fire on every matching request and counts are lower
//! bounds; rules that fire on every Nth request are observed with the raw client.

use std::time::{Duration, Instant};

use serde_json::json;
use zuora_aqua::runtime::{DownloadError, Error as RuntimeError};
use zuora_aqua::{Error, JobStatus};

use crate::support::*;

const QUERY: &str = r#"{"queries":[{"name":"P","query":"select Id, Name from AccountingPeriod"}]}"#;

/// Submits a job through the raw client (not subject to the client's fault rules) and
/// waits until it is completed; returns it.
async fn completed_job(server: &aqua_server::LocalServer) -> String {
    let response = raw(
        server.addr(),
        "POST",
        "/v1/batch-query/",
        &[DEMO_BASIC, ("Content-Type", "application/json")],
        QUERY.as_bytes(),
    )
    .await;
    assert_eq!(response.status, 200);
    let id = response.json()["id"].as_str().expect("an id").to_owned();
    tokio::time::sleep(Duration::from_millis(150)).await;
    id
}

fn status_of(e: &Error) -> u16 {
    match e {
        RuntimeError::Status(s) => s.status.as_u16(),
        other => panic!("expected an HTTP status error, got {other:?}"),
    }
}

#[tokio::test]
async fn rate_limits_answer_429_with_zuora_headers() {
    let server = start(with_faults(&[
        "429:retry-after=2:op=getJob",
        "429:op=cancelJob",
        "429:retry-after=0:op=getLastCompletedJob",
    ]))
    .await;
    let client = basic(&server);
    let e = client.get_last_completed_job("p", "q").await.unwrap_err();
    assert_eq!(status_of(&e), 429);
    let response = raw(
        server.addr(),
        "GET",
        "/v1/batch-query/jobs/x",
        &[DEMO_BASIC],
        b"",
    )
    .await;
    assert_eq!(response.status, 429);
    assert_eq!(response.header("Retry-After"), Some("2"));
    assert_eq!(response.header("RateLimit-Remaining"), Some("0"));
    assert_eq!(response.header("RateLimit-Reset"), Some("2"));
    assert!(response.header("RateLimit-Limit").is_some());
    let response = raw(
        server.addr(),
        "DELETE",
        "/v1/batch-query/jobs/x",
        &[DEMO_BASIC],
        b"",
    )
    .await;
    assert_eq!(response.status, 429);
    assert_eq!(response.header("Retry-After"), None);
    assert_eq!(response.header("RateLimit-Reset"), Some("1"));
    // Other operations are not affected.
    assert!(
        client
            .submit_job(request(serde_json::from_str(QUERY).unwrap()))
            .await
            .is_ok()
    );
    assert!(server.stats().faults_injected >= 3);
    server.shutdown().await;
}

#[tokio::test]
async fn server_errors_fire_on_every_nth_request() {
    let server = start(with_faults(&[
        "503:every=3:op=getJob",
        "500:op=getLastCompletedJob",
    ]))
    .await;
    let id = completed_job(&server).await;
    let path = format!("/v1/batch-query/jobs/{id}");
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            raw(server.addr(), "GET", &path, &[DEMO_BASIC], b"")
                .await
                .status,
        );
    }
    assert_eq!(statuses, [200, 200, 503, 200, 200, 503]);
    let response = raw(server.addr(), "GET", &path, &[DEMO_BASIC], b"").await;
    assert_eq!(response.status, 200);
    let client = basic(&server);
    let e = client.get_last_completed_job("p", "q").await.unwrap_err();
    assert_eq!(status_of(&e), 500);
    assert_eq!(e.zuora_code().as_deref(), Some("50000060"), "{e}");
    let response = raw(server.addr(), "GET", &path, &[DEMO_BASIC], b"").await;
    assert_eq!(response.status, 200);
    let response = raw(server.addr(), "GET", &path, &[DEMO_BASIC], b"").await;
    assert_eq!(response.status, 503);
    assert_eq!(response.json()["reasons"][0]["code"], 50000061);
    server.shutdown().await;
}

#[tokio::test]
async fn slow_answers_are_delayed() {
    let server = start(with_faults(&["slow=300ms:op=getJob"])).await;
    let id = completed_job(&server).await;
    let client = basic(&server);
    let started = Instant::now();
    let job = client.get_job(&id).await.expect("the job, late");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(job.status, Some(JobStatus::Completed));
    server.shutdown().await;
}

#[tokio::test]
async fn hung_requests_time_out_and_do_not_block_shutdown() {
    let server = start(with_faults(&["hang:op=getJob"])).await;
    let client = impatient(&server, Duration::from_millis(300));
    let e = client.get_job("x").await.unwrap_err();
    assert!(matches!(e, RuntimeError::Transport(_)), "{e:?}");
    assert!(e.is_timeout(), "{e}");
    // A request still held when the server stops.
    let held = tokio::spawn({
        let client = impatient(&server, Duration::from_secs(15));
        async move { client.get_job("y").await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    server.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(5));
    let result = tokio::time::timeout(BOUND, held)
        .await
        .expect("bounded")
        .unwrap();
    assert!(result.is_err());
}

#[tokio::test]
async fn truncated_bodies_fail_the_download_or_the_call() {
    let server = start(with_faults(&[
        "truncated:op=downloadFile",
        "truncated:op=cancelJob",
    ]))
    .await;
    let client = basic(&server);
    let job = client
        .get_job(completed_job(&server).await)
        .await
        .expect("the job");
    let file = batch_files(&job, 0).remove(0);
    let download = client.download_file(&file).await.expect("the head arrives");
    let expected = download.content_length().expect("Content-Length");
    let mut bytes = Vec::new();
    let e = download.write_to(&mut bytes).await.unwrap_err();
    assert!(
        matches!(
            e,
            DownloadError::Truncated { .. } | DownloadError::Transport(_)
        ),
        "{e:?}"
    );
    assert!((bytes.len() as u64) < expected);
    let e = client
        .cancel_job(job.id.clone().unwrap())
        .await
        .unwrap_err();
    assert!(matches!(e, RuntimeError::Transport(_)), "{e:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn bodies_that_lie_are_decode_api_or_status_errors() {
    let server = start(with_faults(&[
        "error200=90022:op=getJob",
        "malformed:op=cancelJob",
        "html:op=getLastCompletedJob",
        "content-type:op=submitJob",
    ]))
    .await;
    let client = basic(&server);

    let e = client.get_job("x").await.unwrap_err();
    assert!(matches!(e, RuntimeError::Api(_)), "{e:?}");
    assert_eq!(e.zuora_code().as_deref(), Some("90022"));
    assert_eq!(
        e.zuora_message().as_deref(),
        Some("Internal error, please retry")
    );

    let e = client.cancel_job("x").await.unwrap_err();
    assert!(matches!(e, RuntimeError::Decode(_)), "{e:?}");

    let e = client.get_last_completed_job("p", "q").await.unwrap_err();
    match &e {
        RuntimeError::Status(s) => {
            assert_eq!(s.status.as_u16(), 502);
            assert!(s.text.contains("<html>"), "{}", s.text);
        }
        other => panic!("expected HTTP 502, got {other:?}"),
    }

    let e = client
        .submit_job(request(
            json!({"queries": [{"query": "select Id from Account"}]}),
        ))
        .await
        .unwrap_err();
    match &e {
        RuntimeError::Decode(d) => assert_eq!(d.content_type.as_deref(), Some("text/plain")),
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert!(server.stats().faults_injected >= 4);
    server.shutdown().await;
}

#[tokio::test]
async fn reset_connections_are_transport_errors() {
    let server = start(with_faults(&["reset:op=getJob", "503:op=createToken"])).await;
    let client = basic(&server);
    let e = client.get_job("x").await.unwrap_err();
    assert!(matches!(e, RuntimeError::Transport(_)), "{e:?}");
    // The server keeps serving other connections.
    assert!(
        client
            .submit_job(request(serde_json::from_str(QUERY).unwrap()))
            .await
            .is_ok()
    );
    // A fault on the token endpoint is an OAuth error of the client.
    let oauth = client_for(
        &server.rest_url(),
        zuora_aqua::Credentials::oauth("demo-client", "demo-secret"),
    );
    let e = oauth
        .submit_job(request(serde_json::from_str(QUERY).unwrap()))
        .await
        .unwrap_err();
    match &e {
        RuntimeError::Auth(a) => assert_eq!(a.status.map(|s| s.as_u16()), Some(503)),
        other => panic!("expected an OAuth error, got {other:?}"),
    }
    assert!(server.stats().token_requests >= 1);
    server.shutdown().await;
}
