//! Basic authentication, bearer tokens and the OAuth client-credentials flow.

use std::time::Duration;

use aqua_server::Config;
use serde_json::json;
use zuora_aqua::runtime::Error as RuntimeError;
use zuora_aqua::{Credentials, DownloadOptions, Error, GrantType, JobStatus, TokenRequest};

use crate::support::*;

fn assert_unauthorized(e: &Error) {
    match e {
        RuntimeError::Status(s) => {
            assert_eq!(s.status.as_u16(), 401, "{e}");
            assert_eq!(e.zuora_code().as_deref(), Some("90000011"), "{e}");
            assert_eq!(e.zuora_message().as_deref(), Some("Authentication error"));
        }
        other => panic!("expected HTTP 401, got {other:?}"),
    }
}

#[tokio::test]
async fn wrong_or_missing_credentials_get_401() {
    let server = start(fast()).await;
    let url = server.rest_url();
    for credentials in [
        Credentials::basic("demo", "wrong"),
        Credentials::basic("nobody", "demo"),
        Credentials::bearer("0123456789abcdef0123456789abcdef"),
        Credentials::anonymous(),
    ] {
        let e = client_for(&url, credentials)
            .get_job("0123456789abcdef0123456789abcdef")
            .await
            .unwrap_err();
        assert_unauthorized(&e);
    }
    let response = raw(
        server.addr(),
        "GET",
        "/v1/batch-query/jobs/x",
        &[("Authorization", "Basic ZGVtbzp3cm9uZw==")],
        b"",
    )
    .await;
    assert_eq!(response.status, 401);
    assert_eq!(
        response.header("WWW-Authenticate"),
        Some("Basic realm=Zuora API, Bearer realm=Zuora API")
    );
    assert_eq!(
        response.json(),
        json!({"success": false, "reasons": [{"code": 90000011, "message": "Authentication error"}]})
    );
    // Downloads are protected too.
    let e = client_for(&url, Credentials::basic("demo", "wrong"))
        .download_file("whatever")
        .await
        .unwrap_err();
    assert_unauthorized(&e);
    server.shutdown().await;
}

/// Malformed `Basic` credentials never authenticate, even when a lenient decoder would read
/// `demo:demo` out of them.
#[tokio::test]
async fn malformed_basic_credentials_get_401() {
    let server = start(fast()).await;
    for value in [
        "Basic ZGVtbzpkZW1v=",    // a stray `=`
        "Basic ZGVtbzpkZW1v==",   // too much padding
        "Basic ZGVtbzpkZW1=",     // `demo:dem` with the unused bits set
        "Basic ZGVt bzpkZW1v",    // a space inside
        "Basic ZGVtbzpkZW1v!",    // a character outside the alphabet
        "Basic",                  // no credentials
        "Basic ZGVtbw==",         // `demo` without a colon
        "Basic ZGVtbzpkZW1vCg==", // `demo:demo\n`
        "Bearer ZGVtbzpkZW1v",    // basic credentials under another scheme
    ] {
        let response = raw(
            server.addr(),
            "GET",
            "/v1/batch-query/jobs/0123456789abcdef0123456789abcdef",
            &[("Authorization", value)],
            b"",
        )
        .await;
        assert_eq!(response.status, 401, "{value}");
    }
    // The well-formed value, with the scheme in any case.
    for value in ["Basic ZGVtbzpkZW1v", "basic ZGVtbzpkZW1v"] {
        let response = raw(
            server.addr(),
            "GET",
            "/v1/batch-query/jobs/0123456789abcdef0123456789abcdef",
            &[("Authorization", value)],
            b"",
        )
        .await;
        assert_eq!(response.status, 200, "{value}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn the_oauth_flow_issues_tokens_that_authenticate() {
    let server = start(fast()).await;
    let client = client_for(
        &server.rest_url(),
        Credentials::oauth("demo-client", "demo-secret"),
    );
    let job = run(
        &client,
        json!({"queries": [{"name": "A", "query": "select Id, Name from Account"}]}),
    )
    .await;
    assert_eq!(job.status, Some(JobStatus::Completed));
    let dir = TempDir::new("oauth");
    let files = client
        .download_job_results(&job, &dir.0, DownloadOptions::default())
        .await
        .expect("downloaded with a bearer token");
    assert_eq!(files.len(), 1);
    // The token is cached: one token request for the whole flow.
    assert_eq!(server.stats().token_requests, 1);

    // The token endpoint itself.
    let token = client
        .create_token(TokenRequest::new(
            "demo-client",
            "demo-secret",
            GrantType::ClientCredentials,
        ))
        .await
        .expect("a token");
    assert_eq!(token.token_type.as_deref(), Some("bearer"));
    assert_eq!(token.expires_in, Some(3600));
    assert!(
        token
            .scope
            .as_deref()
            .is_some_and(|s| s.contains("entity."))
    );
    assert_eq!(token.jti.as_ref().map(String::len), Some(32));
    let access = token.access_token.expect("an access token");
    let bearer = client_for(&server.rest_url(), Credentials::bearer(access.expose()));
    let again = bearer
        .get_job(job.id.clone().unwrap())
        .await
        .expect("the job");
    assert_eq!(again.id, job.id);
    // Bearer tokens work on the legacy paths too.
    let legacy = client_for(&server.legacy_url(), Credentials::bearer(access.expose()));
    assert!(legacy.get_job(job.id.clone().unwrap()).await.is_ok());
    assert_eq!(server.stats().token_requests, 2);
    server.shutdown().await;
}

#[tokio::test]
async fn wrong_clients_and_grants_are_refused() {
    let server = start(fast()).await;
    let client = client_for(
        &server.rest_url(),
        Credentials::oauth("demo-client", "not-the-secret"),
    );
    let e = client
        .get_job("0123456789abcdef0123456789abcdef")
        .await
        .unwrap_err();
    match &e {
        RuntimeError::Auth(auth) => {
            assert_eq!(auth.status.map(|s| s.as_u16()), Some(401), "{e}");
        }
        other => panic!("expected an OAuth error, got {other:?}"),
    }
    let response = raw(
        server.addr(),
        "POST",
        "/oauth/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"client_id=demo-client&client_secret=demo-secret&grant_type=password",
    )
    .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["success"], false);
    let response = raw(
        server.addr(),
        "POST",
        "/oauth/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"client_id=someone&client_secret=demo-secret&grant_type=client_credentials",
    )
    .await;
    assert_eq!(response.status, 401);
    assert_eq!(response.json()["reasons"][0]["code"], 90000011);
    server.shutdown().await;
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    let server = start(Config {
        token_lifetime: Duration::ZERO,
        ..fast()
    })
    .await;
    let response = raw(
        server.addr(),
        "POST",
        "/oauth/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"client_id=demo-client&client_secret=demo-secret&grant_type=client_credentials",
    )
    .await;
    assert_eq!(response.status, 200);
    let token = response.json()["access_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    assert_eq!(response.json()["expires_in"], 0);
    let e = client_for(&server.rest_url(), Credentials::bearer(token))
        .get_job("0123456789abcdef0123456789abcdef")
        .await
        .unwrap_err();
    assert_unauthorized(&e);
    server.shutdown().await;
}
