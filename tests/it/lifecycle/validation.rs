//! Validation before sending: requests that break a documented limit never reach the server;
//! requests at the limits are sent.

use serde_json::json;
use zuora_aqua::{Error, GrantType, SubmitJobRequest, TokenRequest, examples};

use super::{JSON, basic, query};
use crate::support::TestServer;

#[tokio::test]
async fn requests_breaking_documented_limits_never_reach_the_server() {
    let server = TestServer::start(200, JSON, examples::SUBMIT_JOB_200_SUBMITTED.json).await;
    let client = basic(&server.v1());
    let base = || SubmitJobRequest::new().queries([query(1)]);
    let long_url = format!("https://example.com/notify?{}", "x".repeat(5000 - 27));
    assert_eq!(long_url.chars().count(), 5000);

    let bodies = [
        (
            base().name("x".repeat(33)),
            "`name` is longer than 32 characters",
        ),
        (
            base().name("é".repeat(33)),
            "`name` is longer than 32 characters",
        ),
        (base().offset(3601), "`offset` is greater than 3600"),
        (base().offset(-1), "`offset` is less than 0"),
        (
            base().notify_url(long_url),
            "`notifyUrl` is longer than 4999 characters",
        ),
        (
            SubmitJobRequest::new().queries((0..51).map(query)),
            "`queries` has more than 50 items",
        ),
    ];
    for (body, message) in bodies {
        let err = client.submit_job(body).await.unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
        assert_eq!(err.to_string(), format!("invalid request: {message}"));
    }

    let err = client
        .submit_job(base())
        .idempotency_key("k".repeat(256))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `Idempotency-Key` is longer than 255 characters"
    );
    let err = client
        .submit_job(base())
        .zuora_track_id("t".repeat(65))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `Zuora-Track-Id` is longer than 64 characters"
    );
    for err in [
        client.get_job("").await.unwrap_err(),
        client.cancel_job("..").await.unwrap_err(),
        client.download_file("").await.unwrap_err(),
    ] {
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    }
    let err = client
        .create_token(TokenRequest::new(
            "id",
            "s".repeat(43),
            GrantType::ClientCredentials,
        ))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `client_secret` is longer than 42 characters"
    );

    // A query without its statement cannot even be written down.
    let err = serde_json::from_str::<SubmitJobRequest>(
        r#"{"queries": [{"name": "accounts", "type": "zoql"}]}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("missing field `query`"), "{err}");

    assert!(server.requests().is_empty(), "{:?}", server.lines());
}

#[tokio::test]
async fn requests_at_the_documented_limits_are_sent() {
    let server = TestServer::start(200, JSON, examples::SUBMIT_JOB_200_SUBMITTED.json).await;
    let client = basic(&server.v1());
    let base = || SubmitJobRequest::new().queries([query(1)]);
    let url = format!("https://example.com/notify?{}", "x".repeat(4999 - 27));
    assert_eq!(url.chars().count(), 4999);
    let bodies = [
        base().name("x".repeat(32)),
        // Characters, not bytes: 32 characters of 2 bytes each.
        base().name("é".repeat(32)),
        base().offset(0),
        base().offset(3600),
        base().notify_url(url.clone()),
        SubmitJobRequest::new().queries((0..50).map(query)),
    ];
    for body in bodies {
        client.submit_job(body).await.unwrap();
    }
    client
        .submit_job(base())
        .idempotency_key("k".repeat(255))
        .zuora_track_id("t".repeat(64))
        .await
        .unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 7);
    assert_eq!(requests[1].json()["name"], json!("é".repeat(32)));
    assert_eq!(requests[3].json()["offset"], json!(3600));
    assert_eq!(requests[4].json()["notifyUrl"], json!(url));
    assert_eq!(
        requests[5].json()["queries"].as_array().map(Vec::len),
        Some(50)
    );
    assert_eq!(
        requests[6].header("idempotency-key"),
        Some("k".repeat(255).as_str())
    );
    assert_eq!(
        requests[6].header("zuora-track-id"),
        Some("t".repeat(64).as_str())
    );
}
