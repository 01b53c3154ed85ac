//! Tests of the transport over real HTTP on 127.0.0.1: OAuth client credentials, requests
//! without auth, at the origin and on an operation's own host, form bodies.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::test_server::{Recorded, Server, Step, json, respond};
use crate::{Auth, AuthError, ClientConfig, ClientCore, ConfigError, Error, Method, Secret};

const SECRET: &str = "s3cr3t-Client-Secret";

fn oauth(token_url: &str) -> Auth {
    Auth::OAuthClientCredentials {
        client_id: "my-client".into(),
        client_secret: Secret::new(SECRET),
        token_url: token_url.into(),
    }
}

fn core(server: &Server, auth: Auth) -> ClientCore {
    let config = ClientConfig::default().with_timeout(Duration::from_secs(10));
    ClientCore::new(&server.url("/v1"), auth, "aqua-test/1", config).unwrap()
}

async fn get(core: &ClientCore) -> Result<Value, Error<Value>> {
    core.request(Method::GET, "/things".into(), "getThings")
        .send_json::<Value, Value>(None)
        .await
}

/// A token endpoint issuing `tok-1`, `tok-2`, … (each after `delay`, lasting `expires_in`),
/// and an API accepting only `accepted(n)` for the token `tok-n`.
fn oauth_server(
    delay: Duration,
    expires_in: u64,
    accepted: fn(usize) -> bool,
) -> impl Fn(&Recorded) -> Vec<Step> + Send + Sync + 'static {
    let issued = Arc::new(AtomicUsize::new(0));
    move |request: &Recorded| match request.path() {
        "/oauth/token" => {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            let mut steps = vec![Step::Sleep(delay)];
            steps.extend(json(
                200,
                json!({
                    "access_token": format!("tok-{n}"),
                    "token_type": "bearer",
                    "expires_in": expires_in,
                    "scope": "entity.1 platform.write",
                    "jti": format!("jti-{n}"),
                }),
            ));
            steps
        }
        "/v1/things" => {
            let token = request
                .header("authorization")
                .and_then(|h| h.strip_prefix("Bearer tok-"))
                .and_then(|n| n.parse().ok());
            match token {
                Some(n) if accepted(n) => json(200, json!({"token": n})),
                _ => json(
                    401,
                    json!({"success": false, "reasons": [{"code": 90000011, "message": "Authentication error"}]}),
                ),
            }
        }
        _ => json(404, json!({"message": "no such path"})),
    }
}

#[tokio::test]
async fn concurrent_calls_share_one_token_fetch() {
    let server = Server::start(oauth_server(Duration::from_millis(150), 3600, |_| true)).await;
    let core = core(&server, oauth("/oauth/token"));
    let clone = core.clone();
    let calls = (0..50).map(|i| {
        let core = if i % 2 == 0 {
            core.clone()
        } else {
            clone.clone()
        };
        tokio::spawn(async move { get(&core).await })
    });
    for call in futures_util::future::join_all(calls).await {
        assert_eq!(call.unwrap().unwrap(), json!({"token": 1}));
    }
    assert_eq!(server.requests_to("/oauth/token").len(), 1);
    let api = server.requests_to("/v1/things");
    assert_eq!(api.len(), 50);
    assert!(
        api.iter()
            .all(|r| r.header("authorization") == Some("Bearer tok-1"))
    );
}

#[tokio::test]
async fn the_token_request_is_a_form_without_authorization() {
    let server = Server::start(oauth_server(Duration::ZERO, 3600, |_| true)).await;
    // An absolute token URL works as well as a path.
    let core = core(&server, oauth(&server.url("/oauth/token")));
    get(&core).await.unwrap();
    let token_requests = server.requests_to("/oauth/token");
    let [request] = token_requests.as_slice() else {
        panic!("{token_requests:?}");
    };
    assert_eq!(request.method, "POST");
    assert_eq!(request.header("authorization"), None);
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let mut form = request.form();
    form.sort();
    let expected = [
        ("client_id", "my-client"),
        ("client_secret", SECRET),
        ("grant_type", "client_credentials"),
    ];
    assert_eq!(
        form,
        expected.map(|(k, v)| (k.to_owned(), v.to_owned())).to_vec()
    );
}

#[tokio::test]
async fn a_token_near_its_expiry_is_refreshed() {
    // A 1 s lifetime: refreshed when less than 100 ms remain.
    let server = Server::start(oauth_server(Duration::ZERO, 1, |_| true)).await;
    let core = core(&server, oauth("/oauth/token"));
    assert_eq!(get(&core).await.unwrap(), json!({"token": 1}));
    assert_eq!(get(&core).await.unwrap(), json!({"token": 1}));
    assert_eq!(server.requests_to("/oauth/token").len(), 1);
    tokio::time::sleep(Duration::from_millis(950)).await;
    assert_eq!(get(&core).await.unwrap(), json!({"token": 2}));
    assert_eq!(server.requests_to("/oauth/token").len(), 2);
}

#[tokio::test]
async fn a_401_refreshes_the_token_and_retries_once() {
    // The API rejects the first token only.
    let server = Server::start(oauth_server(Duration::ZERO, 3600, |n| n >= 2)).await;
    let core = core(&server, oauth("/oauth/token"));
    assert_eq!(get(&core).await.unwrap(), json!({"token": 2}));
    assert_eq!(server.requests_to("/oauth/token").len(), 2);
    let api = server.requests_to("/v1/things");
    let auth: Vec<_> = api.iter().map(|r| r.header("authorization")).collect();
    assert_eq!(auth, [Some("Bearer tok-1"), Some("Bearer tok-2")]);
    // The new token is cached.
    assert_eq!(get(&core).await.unwrap(), json!({"token": 2}));
    assert_eq!(server.requests_to("/oauth/token").len(), 2);
}

#[tokio::test]
async fn a_second_401_is_returned() {
    let server = Server::start(oauth_server(Duration::ZERO, 3600, |_| false)).await;
    let core = core(&server, oauth("/oauth/token"));
    let err = get(&core).await.unwrap_err();
    assert_eq!(err.status(), Some(crate::StatusCode::UNAUTHORIZED));
    assert!(matches!(err, Error::Status(_)), "{err:?}");
    assert_eq!(err.zuora_message().as_deref(), Some("Authentication error"));
    assert_eq!(server.requests_to("/oauth/token").len(), 2);
    assert_eq!(server.requests_to("/v1/things").len(), 2);
}

fn assert_hidden(err: &Error<Value>, hidden: &[&str]) {
    let shown = format!("{err} | {err:?} | {err:#?}");
    for h in hidden {
        assert!(!shown.contains(h), "`{h}` shows in {shown}");
    }
}

#[tokio::test]
async fn token_endpoint_errors_are_auth_errors_without_secrets() {
    let server = Server::start(|request: &Recorded| match request.path() {
        "/oauth/token" => json(
            401,
            // A server that echoes the secret must not make it show.
            json!({"reasons": [{"code": 90000011, "message": format!("Invalid client secret {SECRET}")}]}),
        ),
        _ => json(200, json!({})),
    })
    .await;
    let core = core(&server, oauth("/oauth/token"));
    let err = get(&core).await.unwrap_err();
    let Error::Auth(auth) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(auth.status, Some(crate::StatusCode::UNAUTHORIZED));
    assert_eq!(err.status(), Some(crate::StatusCode::UNAUTHORIZED));
    assert!(
        auth.message.contains("Invalid client secret"),
        "{}",
        auth.message
    );
    assert!(err.to_string().contains("Invalid client secret"), "{err}");
    assert_hidden(&err, &[SECRET]);
    assert!(std::error::Error::source(&err).is_none());
    // The API was never called.
    assert!(server.requests_to("/v1/things").is_empty());
}

#[tokio::test]
async fn unusable_token_answers_never_show_the_token() {
    let mac = || {
        json(
            200,
            json!({"access_token": "tok-VISIBLE", "token_type": "mac"}),
        )
    };
    let text = || {
        respond(
            200,
            "text/plain",
            "access_token=tok-VISIBLE&token_type=bearer",
        )
    };
    let missing = || json(200, json!({"token": "tok-VISIBLE"}));
    for (case, answer) in [
        ("`mac`", mac as fn() -> Vec<Step>),
        ("not JSON", text),
        ("`access_token`", missing),
    ] {
        let server = Server::start(move |request: &Recorded| match request.path() {
            "/oauth/token" => answer(),
            _ => json(200, json!({})),
        })
        .await;
        let err = get(&core(&server, oauth("/oauth/token")))
            .await
            .unwrap_err();
        let Error::Auth(auth) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(auth.status, Some(crate::StatusCode::OK));
        assert!(err.to_string().contains(case), "{err}");
        assert_hidden(&err, &[SECRET, "tok-VISIBLE"]);
    }
}

#[tokio::test]
async fn unreachable_token_endpoints_are_auth_errors_with_a_source() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed = listener.local_addr().unwrap();
    drop(listener);
    let server = Server::start(|_: &Recorded| json(200, json!({}))).await;
    let core = core(&server, oauth(&format!("http://{closed}/oauth/token")));
    let err = get(&core).await.unwrap_err();
    let Error::Auth(auth) = &err else {
        panic!("{err:?}")
    };
    assert!(auth.source.is_some());
    assert_eq!(auth.status, None);
    assert!(std::error::Error::source(&err).is_some());
    assert_hidden(&err, &[SECRET]);
}

#[tokio::test]
async fn no_auth_requests_send_no_credentials_and_fetch_no_token() {
    let server = Server::start(oauth_server(Duration::ZERO, 3600, |_| true)).await;
    let core = core(&server, oauth("/oauth/token"));
    let _ = core
        .request(Method::GET, "/things".into(), "getThings")
        .no_auth()
        .send_empty::<Value>()
        .await;
    assert!(server.requests_to("/oauth/token").is_empty());
    let api = server.requests_to("/v1/things");
    assert_eq!(api.len(), 1);
    assert_eq!(api[0].header("authorization"), None);

    let basic = Auth::Basic {
        username: "me".into(),
        password: Secret::new("pw"),
    };
    let core = self::core(&server, basic);
    core.request(Method::GET, "/x".into(), "x")
        .no_auth()
        .send_empty::<Value>()
        .await
        .unwrap_err();
    assert_eq!(server.requests_to("/v1/x")[0].header("authorization"), None);
}

#[tokio::test]
async fn requests_at_the_origin_with_a_form_and_accept() {
    let server = Server::start(|_: &Recorded| json(200, json!({"ok": true}))).await;
    let core = ClientCore::new(
        &server.url("/apps/api/"),
        Auth::Bearer(Secret::new("fixed")),
        "aqua-test/1",
        ClientConfig::default(),
    )
    .unwrap();
    assert_eq!(core.base_path(), "/apps/api");
    #[derive(serde::Serialize)]
    struct Form<'a> {
        name: &'a str,
        note: &'a str,
    }
    let value: Value = core
        .request_at_origin(Method::POST, "/oauth/token".into(), "createToken")
        .query("q", "1".into())
        .accept("text/plain")
        .form(&Form {
            name: "a b",
            note: "x&y=z",
        })
        .send_json::<Value, Value>(None)
        .await
        .unwrap();
    assert_eq!(value, json!({"ok": true}));
    let requests = server.requests();
    let [request] = requests.as_slice() else {
        panic!("{requests:?}")
    };
    assert_eq!(request.target, "/oauth/token?q=1");
    assert_eq!(request.header("accept"), Some("text/plain"));
    assert_eq!(request.header("authorization"), Some("Bearer fixed"));
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(request.body, b"name=a+b&note=x%26y%3Dz");
}

#[tokio::test]
async fn an_operation_on_its_own_host_goes_there_from_a_documented_server_only() {
    let ok = |_: &Recorded| respond(204, "text/plain", "");
    let (api, uploads) = (Server::start(ok).await, Server::start(ok).await);
    let host: &'static str = Box::leak(uploads.url("").into_boxed_str());
    let send = |base: String, host: &'static str| async move {
        let core = ClientCore::new(&base, Auth::None, "t/1", ClientConfig::default()).unwrap();
        core.request_on_host(
            Method::POST,
            "/files/up".into(),
            "upload",
            host,
            &["http://127.0.0.1:{port}/v2", "/api"],
        )
        .send_empty::<Value>()
        .await
        .unwrap();
    };
    // The base URL is one of the document's servers: the operation's host.
    send(api.url("/v2"), host).await;
    send(api.url("/api"), host).await;
    assert_eq!(uploads.requests_to("/files/up").len(), 2);
    // Any other base URL: its origin, at the server's path.
    send(api.url("/v3"), host).await;
    // A loopback client never sends off the machine, documented or not.
    send(api.url("/v2"), "https://uploads.example.com").await;
    assert_eq!(api.requests_to("/files/up").len(), 2);
    assert_eq!(uploads.requests().len(), 2);
}

#[test]
fn base_paths_and_token_urls() {
    let make = |base: &str, auth: Auth| ClientCore::new(base, auth, "t/1", ClientConfig::default());
    assert_eq!(
        make("https://rest.zuora.com/v1/", Auth::None)
            .unwrap()
            .base_path(),
        "/v1"
    );
    assert_eq!(
        make("https://rest.zuora.com", Auth::None)
            .unwrap()
            .base_path(),
        ""
    );
    assert_eq!(
        make("https://rest.zuora.com/", Auth::None)
            .unwrap()
            .base_path(),
        ""
    );
    for good in [
        "/oauth/token",
        "https://rest.zuora.com/oauth/token",
        "http://127.0.0.1:9/oauth/token",
    ] {
        assert!(
            make("https://rest.zuora.com/v1", oauth(good)).is_ok(),
            "{good}"
        );
    }
    for bad in [
        "oauth/token",
        "//evil.example/oauth/token",
        "http://rest.zuora.com/oauth/token",
        "ftp://rest.zuora.com/oauth/token",
        "https://user:pw@rest.zuora.com/oauth/token",
        "https://rest.zuora.com/oauth/token?x=1",
    ] {
        let err = make("https://rest.zuora.com/v1", oauth(bad)).unwrap_err();
        assert!(
            matches!(err, ConfigError::InvalidTokenUrl { .. }),
            "{bad}: {err:?}"
        );
        assert!(!err.to_string().contains(":pw@"), "{err}");
    }
}

#[test]
fn debug_of_oauth_clients_and_auth_errors_hides_secrets() {
    let core = ClientCore::new(
        "https://rest.zuora.com/v1",
        oauth("/oauth/token"),
        "t/1",
        ClientConfig::default(),
    )
    .unwrap();
    let shown = format!("{core:?}");
    assert!(
        shown.contains("my-client") && !shown.contains(SECRET),
        "{shown}"
    );
    let err = AuthError::new(None, "refused", None);
    assert_eq!(
        err.to_string(),
        "could not obtain an OAuth access token: refused"
    );
}

#[test]
fn futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    fn download_futures(d: crate::Download, mut e: crate::Download, path: &std::path::Path) {
        assert_send(&e.next_chunk());
        assert_send(&d.save(path, false));
    }
    // Compiling `download_futures` is the check; it is never called.
    let _ = download_futures;
    let core = ClientCore::new(
        "https://rest.zuora.com/v1",
        oauth("/oauth/token"),
        "t/1",
        ClientConfig::default(),
    )
    .unwrap();
    let json = core
        .request(Method::GET, "/x".into(), "x")
        .send_json::<Value, Value>(None);
    assert_send(&json);
    let download = core
        .request(Method::GET, "/x".into(), "x")
        .send_download::<Value>();
    assert_send(&download);
}
