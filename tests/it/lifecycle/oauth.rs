//! OAuth through the generated client: one token shared by concurrent calls, refetched after a
//! 401 (once), and renewed by its lifetime.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;
use tokio::task::JoinSet;
use zuora_aqua::{Error, SubmitJobRequest, examples};

use super::{DOWNLOAD_ACCEPT, FORM, JSON, decoded, job_body, oauth, query, read_all};
use crate::support::{Recorded, Reply, TestServer};

fn token_body(token: &str) -> String {
    json!({"access_token": token, "token_type": "bearer", "expires_in": 3599}).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_share_one_oauth_token() {
    let server = TestServer::scripted(|r| {
        if r.path() == "/oauth/token" {
            // Slow, so that every call is waiting for the token while it is fetched.
            Reply::json(200, token_body("tok-1")).delayed(Duration::from_millis(200))
        } else {
            let id = r.path().rsplit('/').next().unwrap_or_default();
            Reply::json(200, job_body(id, "executing"))
        }
    })
    .await;
    let client = oauth(&server.v1(), "client-1", "secret-1");
    let mut calls = JoinSet::new();
    for i in 0..20 {
        let client = client.clone();
        calls.spawn(async move { client.get_job(format!("job-{i:02}")).await });
    }
    let mut ids = Vec::new();
    while let Some(result) = calls.join_next().await {
        ids.push(result.unwrap().unwrap().id.unwrap());
    }
    ids.sort();
    let expected: Vec<String> = (0..20).map(|i| format!("job-{i:02}")).collect();
    assert_eq!(ids, expected);

    let tokens = server.requests_to("POST", "/oauth/token");
    assert_eq!(tokens.len(), 1, "{:?}", server.lines());
    let token = &tokens[0];
    assert_eq!(token.seq, 0);
    assert_eq!(token.header("authorization"), None);
    assert_eq!(token.header("content-type"), Some(FORM));
    assert_eq!(
        token.text(),
        "client_id=client-1&client_secret=secret-1&grant_type=client_credentials"
    );
    let mut api: Vec<Recorded> = server
        .requests()
        .into_iter()
        .filter(|r| r.path() != "/oauth/token")
        .collect();
    api.sort_by(|a, b| a.target.cmp(&b.target));
    assert_eq!(
        api.iter().map(Recorded::line).collect::<Vec<_>>(),
        expected
            .iter()
            .map(|id| format!("GET /v1/batch-query/jobs/{id}"))
            .collect::<Vec<_>>()
    );
    for r in &api {
        assert_eq!(r.header("authorization"), Some("Bearer tok-1"));
    }
}

#[tokio::test]
async fn an_api_401_refetches_the_token_once_and_retries_once() {
    let fetched = AtomicUsize::new(0);
    let server = TestServer::scripted(move |r| {
        if r.path() == "/oauth/token" {
            let n = fetched.fetch_add(1, Ordering::SeqCst) + 1;
            Reply::json(200, token_body(&format!("tok-{n}")))
        } else if r.header("authorization") == Some("Bearer tok-2") {
            match r.method.as_str() {
                "POST" => Reply::json(200, examples::SUBMIT_JOB_200_SUBMITTED.json),
                _ => Reply::json(200, examples::GET_JOB_200_COMPLETED.json),
            }
        } else {
            Reply::json(
                401,
                examples::RESPONSES_UNAUTHORIZED_INVALID_CREDENTIALS.json,
            )
        }
    })
    .await;
    let client = oauth(&server.url("/apps/api"), "client-1", "secret-1");
    let job = client
        .submit_job(SubmitJobRequest::new().queries([query(1)]))
        .idempotency_key("key-1")
        .await
        .unwrap();
    assert_eq!(job, decoded(&examples::SUBMIT_JOB_200_SUBMITTED));
    // The new token is cached: no fetch for the next call.
    client
        .get_job("402881824835bb2a01483c19f7d70256")
        .await
        .unwrap();

    assert_eq!(
        server.lines(),
        [
            "POST /oauth/token",
            "POST /apps/api/batch-query/",
            "POST /oauth/token",
            "POST /apps/api/batch-query/",
            "GET /apps/api/batch-query/jobs/402881824835bb2a01483c19f7d70256",
        ]
    );
    let requests = server.requests();
    let auth: Vec<Option<&str>> = requests.iter().map(|r| r.header("authorization")).collect();
    assert_eq!(
        auth,
        [
            None,
            Some("Bearer tok-1"),
            None,
            Some("Bearer tok-2"),
            Some("Bearer tok-2")
        ]
    );
    // The retry is the same request: same body bytes, same idempotency key.
    assert_eq!(requests[1].body, requests[3].body);
    assert_eq!(
        requests[1].json(),
        json!({"queries": [{"name": "q1", "query": "select Id from Account where Id = '1'"}]})
    );
    assert_eq!(requests[3].header("idempotency-key"), Some("key-1"));
    assert_eq!(requests[3].header("content-type"), Some(JSON));
}

#[tokio::test]
async fn a_persistent_401_is_retried_only_once() {
    let server = TestServer::scripted(|r| {
        if r.path() == "/oauth/token" {
            Reply::json(200, token_body(&format!("tok-{}", r.seq)))
        } else {
            Reply::json(
                401,
                examples::RESPONSES_UNAUTHORIZED_INVALID_CREDENTIALS.json,
            )
        }
    })
    .await;
    let err = oauth(&server.v1(), "client-1", "secret-1")
        .get_job("J")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Status(_)), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(err.zuora_code().as_deref(), Some("90000011"));
    assert_eq!(
        server.lines(),
        [
            "POST /oauth/token",
            "GET /v1/batch-query/jobs/J",
            "POST /oauth/token",
            "GET /v1/batch-query/jobs/J",
        ]
    );
    let auth: Vec<Option<String>> = server
        .requests()
        .iter()
        .map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    assert_eq!(
        auth,
        [
            None,
            Some("Bearer tok-0".to_owned()),
            None,
            Some("Bearer tok-2".to_owned())
        ]
    );
}

#[tokio::test]
async fn a_refused_token_is_an_auth_error_and_no_api_call_is_made() {
    let server = TestServer::start(
        401,
        JSON,
        examples::RESPONSES_UNAUTHORIZED_INVALID_CREDENTIALS.json,
    )
    .await;
    let err = oauth(&server.v1(), "client-1", "hunter2-secret")
        .get_job("J")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(
        err.to_string(),
        "could not obtain an OAuth access token (HTTP 401 Unauthorized): Authentication error"
    );
    assert!(!format!("{err}{err:?}").contains("hunter2"));
    assert_eq!(server.lines(), ["POST /oauth/token"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_401s_refetch_the_token_only_once() {
    let fetched = AtomicUsize::new(0);
    let server = TestServer::scripted(move |r| {
        if r.path() == "/oauth/token" {
            let n = fetched.fetch_add(1, Ordering::SeqCst) + 1;
            Reply::json(200, token_body(&format!("tok-{n}"))).delayed(Duration::from_millis(100))
        } else if r.header("authorization") == Some("Bearer tok-2") {
            Reply::json(200, job_body("J", "executing"))
        } else {
            Reply::json(
                401,
                examples::RESPONSES_UNAUTHORIZED_INVALID_CREDENTIALS.json,
            )
        }
    })
    .await;
    let client = oauth(&server.v1(), "client-1", "secret-1");
    let mut calls = JoinSet::new();
    for _ in 0..20 {
        let client = client.clone();
        calls.spawn(async move { client.get_job("J").await });
    }
    while let Some(result) = calls.join_next().await {
        assert_eq!(result.unwrap().unwrap().id.as_deref(), Some("J"));
    }
    // One token, then one more when the API refused it, however many calls saw the refusal.
    assert_eq!(
        server.requests_to("POST", "/oauth/token").len(),
        2,
        "{:?}",
        server.lines()
    );
    let api = server.requests_to("GET", "/v1/batch-query/jobs/J");
    let with = |token: &str| {
        api.iter()
            .filter(|r| r.header("authorization") == Some(token))
            .count()
    };
    assert_eq!(with("Bearer tok-2"), 20);
    assert!(with("Bearer tok-1") <= 20);
    assert_eq!(with("Bearer tok-1") + with("Bearer tok-2"), api.len());
}

#[tokio::test]
async fn token_lifetimes_decide_when_a_token_is_fetched_again() {
    // `expires_in: 0`: the token is stale at once, so every call fetches a new one.
    let server = TestServer::scripted(|r| {
        if r.path() == "/oauth/token" {
            Reply::json(
                200,
                json!({"access_token": format!("tok-{}", r.seq), "token_type": "bearer", "expires_in": 0})
                    .to_string(),
            )
        } else {
            Reply::json(200, job_body("J", "executing"))
        }
    })
    .await;
    let client = oauth(&server.v1(), "client-1", "secret-1");
    for _ in 0..3 {
        client.get_job("J").await.unwrap();
    }
    let lines = server.lines();
    assert_eq!(
        lines,
        ["POST /oauth/token", "GET /v1/batch-query/jobs/J"].repeat(3)
    );
    let auth: Vec<Option<String>> = server
        .requests()
        .iter()
        .map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    assert_eq!(
        auth,
        [
            None,
            Some("Bearer tok-0".to_owned()),
            None,
            Some("Bearer tok-2".to_owned()),
            None,
            Some("Bearer tok-4".to_owned()),
        ]
    );

    // Without `expires_in`, a token is taken to last an hour: one fetch for every call.
    let server = TestServer::scripted(|r| {
        if r.path() == "/oauth/token" {
            Reply::json(200, r#"{"access_token":"tok-hour","token_type":"bearer"}"#)
        } else {
            Reply::json(200, job_body("J", "executing"))
        }
    })
    .await;
    let client = oauth(&server.v1(), "client-1", "secret-1");
    for _ in 0..3 {
        client.get_job("J").await.unwrap();
    }
    assert_eq!(
        server.lines(),
        [
            "POST /oauth/token",
            "GET /v1/batch-query/jobs/J",
            "GET /v1/batch-query/jobs/J",
            "GET /v1/batch-query/jobs/J",
        ]
    );
}

#[tokio::test]
async fn oauth_downloads_carry_the_token_and_are_retried_after_a_401() {
    let fetched = AtomicUsize::new(0);
    let server = TestServer::scripted(move |r| {
        if r.path() == "/oauth/token" {
            let n = fetched.fetch_add(1, Ordering::SeqCst) + 1;
            Reply::json(200, token_body(&format!("tok-{n}")))
        } else if r.header("authorization") == Some("Bearer tok-2") {
            Reply::new(200, "text/csv", "Id\n1\n")
        } else {
            Reply::json(
                401,
                examples::RESPONSES_UNAUTHORIZED_INVALID_CREDENTIALS.json,
            )
        }
    })
    .await;
    let client = oauth(&server.base_url(), "client-1", "secret-1");
    let download = client.download_file("F1").await.unwrap();
    assert_eq!(read_all(download).await, b"Id\n1\n");
    assert_eq!(
        server.lines(),
        [
            "POST /oauth/token",
            "GET /apps/api/file/F1",
            "POST /oauth/token",
            "GET /apps/api/file/F1",
        ]
    );
    let last = &server.requests()[3];
    assert_eq!(last.header("authorization"), Some("Bearer tok-2"));
    assert_eq!(last.header("accept"), Some(DOWNLOAD_ACCEPT));
}
