//! The credentials a generated client sends, per operation, over HTTP on 127.0.0.1
//! (`tests/specs/security.yaml`): the spec's default alternatives, an operation's own
//! (schemes together, optional ones, none), every placement, OAuth 2.0 tokens of both kinds,
//! OpenID Connect, and credentials the spec does not describe.

use aqua_corpus::security::{Client, Credentials};
use aqua_runtime::{Auth, BoxFuture, Secret, TokenError, TokenSource};

use crate::support::{Recorded, Reply, TestServer};

/// A server that answers every call, and issues `tok-cc` at `/oauth/token`.
async fn server() -> TestServer {
    TestServer::scripted(|r| match r.path() {
        "/oauth/token" => Reply::json(
            200,
            r#"{"access_token":"tok-cc","token_type":"bearer","expires_in":3600}"#,
        ),
        "/v1/account" | "/v1/me" => Reply::json(200, r#"{"id":"acct_1"}"#),
        _ => Reply::new(204, "text/plain", ""),
    })
    .await
}

fn client(server: &TestServer, credentials: Credentials) -> Client {
    Client::with_base_url(&server.v1(), credentials).unwrap()
}

/// What a request carried: `Authorization`, `X-API-Key`, its query, its `Cookie`.
fn carried(r: &Recorded) -> [Option<String>; 4] {
    [
        r.header("authorization").map(str::to_owned),
        r.header("x-api-key").map(str::to_owned),
        r.target.split_once('?').map(|(_, q)| q.to_owned()),
        r.header("cookie").map(str::to_owned),
    ]
}

fn some(text: &str) -> Option<String> {
    Some(text.to_owned())
}

/// Everything a client can have: each operation picks from it.
fn everything() -> Credentials {
    Credentials::basic("sk_test", "")
        .with_bearer("jwt-1")
        .with_api_key("key-1")
        .with_app_id("app 1")
        .with_session("s;1")
        .with_oauth_token("user-tok")
        .with_openid_connect("id-tok")
}

#[tokio::test]
async fn each_operation_sends_the_first_alternative_the_credentials_complete() {
    let server = server().await;
    let client = client(&server, everything());
    client.get_account().await.unwrap();
    client.upload_file().await.unwrap();
    client.get_me().await.unwrap();
    client.get_status().await.unwrap();
    client.get_health().await.unwrap();
    let requests = server.requests();
    let got: Vec<_> = requests.iter().map(carried).collect();
    assert_eq!(
        got,
        [
            // basic, the first of the spec's default alternatives (not the bearer token too).
            [some("Basic c2tfdGVzdDo="), None, None, None],
            // The API key and the app ID together, not the session.
            [None, some("key-1"), some("app_id=app+1"), None],
            // The user's OAuth token, the first alternative.
            [some("Bearer user-tok"), None, None, None],
            // Optional credentials that the client has.
            [None, some("key-1"), None, None],
            // `security: []`.
            [None, None, None, None],
        ]
    );
}

#[tokio::test]
async fn later_alternatives_and_incomplete_ones() {
    let server = server().await;
    // Only the session: the second alternative of `uploadFile`; no API key for `getStatus`.
    let session = client(
        &server,
        Credentials::session("s;1").with_openid_connect("id-tok"),
    );
    session.upload_file().await.unwrap();
    session.get_status().await.unwrap();
    // OpenID Connect, the second alternative of `getMe`.
    session.get_me().await.unwrap();
    // An API key without the app ID: no alternative is complete, the key is sent alone and
    // the server says what is missing.
    let key = client(&server, Credentials::api_key("key-1"));
    key.upload_file().await.unwrap();
    // Nothing the default requirement names: nothing sent.
    key.get_account().await.unwrap();
    let got: Vec<_> = server.requests().iter().map(carried).collect();
    assert_eq!(
        got,
        [
            [None, None, None, some("session=s%3B1")],
            [None, None, None, None],
            [some("Bearer id-tok"), None, None, None],
            [None, some("key-1"), None, None],
            [None, None, None, None],
        ]
    );
}

#[tokio::test]
async fn oauth_client_credentials_and_token_sources() {
    let server = server().await;
    let client = client(&server, Credentials::oauth("my-app", "cc-secret"));
    client.get_me().await.unwrap();
    client.get_me().await.unwrap();
    // One token, fetched at the origin, reused.
    let tokens = server.requests_to("POST", "/oauth/token");
    assert_eq!(tokens.len(), 1);
    assert!(tokens[0].text().contains("grant_type=client_credentials"));
    let me = server.requests_to("GET", "/v1/me");
    assert!(
        me.iter()
            .all(|r| r.header("authorization") == Some("Bearer tok-cc"))
    );

    struct Fixed;
    impl TokenSource for Fixed {
        fn token(&self) -> BoxFuture<'_, Result<Secret, TokenError>> {
            Box::pin(async { Ok(Secret::new("from-source")) })
        }
    }
    let server = self::server().await;
    let client = self::client(&server, Credentials::openid_connect_source(Fixed));
    client.get_me().await.unwrap();
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer from-source")
    );
}

#[tokio::test]
async fn credentials_the_spec_does_not_describe_go_with_every_authenticated_request() {
    let server = server().await;
    let extra = Auth::ApiKey {
        location: aqua_runtime::ApiKeyLocation::Header,
        name: "X-Tenant".into(),
        key: Secret::new("t-1"),
    };
    let credentials = Credentials::anonymous().with_auth(extra);
    let shown = format!("{credentials:?}");
    assert!(!shown.contains("t-1"), "{shown}");
    let client = client(&server, credentials);
    client.get_account().await.unwrap();
    client.get_health().await.unwrap();
    let requests = server.requests();
    assert_eq!(requests[0].header("x-tenant"), Some("t-1"));
    assert_eq!(requests[1].header("x-tenant"), None);

    let shown = format!("{:?}", everything());
    for secret in ["key-1", "jwt-1", "user-tok", "id-tok", "app 1"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}
