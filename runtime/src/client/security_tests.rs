//! What each request sends of a client's credentials (every placement, alternatives,
//! schemes combined, a request's own requirement, none), and the tokens of a user's
//! [`TokenSource`]; tested over real HTTP on 127.0.0.1.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::test_server::{Recorded, Server, json};
use crate::{
    ApiKeyLocation, Auth, BoxFuture, ClientConfig, ClientCore, Error, Method, Requirement,
    RetryConfig, Secret, Security, TokenError, TokenSource,
};

fn core(server: &Server, security: Security) -> ClientCore {
    let config = ClientConfig::default()
        .with_timeout(Duration::from_secs(10))
        .with_retry(RetryConfig::disabled());
    ClientCore::new(&server.url("/v1"), security, "aqua-test/1", config).unwrap()
}

fn key(location: ApiKeyLocation, name: &str, key: &str) -> Option<Auth> {
    Some(Auth::ApiKey {
        location,
        name: name.into(),
        key: Secret::new(key),
    })
}

/// Stripe's basic-or-bearer default, and API keys in each place for operations of their own.
fn stripe_like() -> Security {
    Security::new()
        .with(
            "basic",
            Some(Auth::Basic {
                username: "sk_test".into(),
                password: Secret::new(""),
            }),
        )
        .with("bearer", Some(Auth::Bearer(Secret::new("tok"))))
        .with("header", key(ApiKeyLocation::Header, "X-API-Key", "h-key"))
        .with("query", key(ApiKeyLocation::Query, "api_key", "q key&"))
        .with("cookie", key(ApiKeyLocation::Cookie, "session", "c;key"))
        .requiring(&[&["oauth"], &["basic"], &["bearer"]])
}

/// What a request carried of the credentials above, in a fixed order.
#[derive(Debug, Default, PartialEq, Eq)]
struct Carried {
    authorization: Option<String>,
    header_key: Option<String>,
    query: Option<String>,
    cookie: Option<String>,
}

fn carried(request: &Recorded) -> Carried {
    Carried {
        authorization: request.header("authorization").map(str::to_owned),
        header_key: request.header("x-api-key").map(str::to_owned),
        query: request.target.split_once('?').map(|(_, q)| q.to_owned()),
        cookie: request.header("cookie").map(str::to_owned),
    }
}

async fn send(core: &ClientCore, requirement: Option<Requirement>, no_auth: bool) {
    let mut request = core.request(Method::GET, "/things".into(), "getThings");
    if let Some(requirement) = requirement {
        request = request.security(requirement);
    }
    if no_auth {
        request = request.no_auth();
    }
    let value: Value = request
        .query("page", "2".into())
        .cookie("mine", "c1")
        .send_json::<Value, Value>(None)
        .await
        .unwrap();
    assert_eq!(value, json!({"ok": true}));
}

#[tokio::test]
async fn each_request_sends_the_credentials_its_requirement_chooses() {
    let server = Server::start(|_: &Recorded| json(200, json!({"ok": true}))).await;
    let core = core(&server, stripe_like());
    let basic = "Basic c2tfdGVzdDo=".to_owned();
    let cases: Vec<(Option<Requirement>, bool, Carried)> = vec![
        // The default requirement: the first alternative the client has (basic), alone.
        (
            None,
            false,
            Carried {
                authorization: Some(basic.clone()),
                ..Default::default()
            },
        ),
        // An operation's own: the three API keys together (AND), each where it goes.
        (
            Some(&[&["oauth", "basic"], &["header", "query", "cookie"]]),
            false,
            Carried {
                header_key: Some("h-key".into()),
                query: Some("page=2&api_key=q+key%26".into()),
                cookie: Some("mine=c1; session=c%3Bkey".into()),
                ..Default::default()
            },
        ),
        // Optional credentials: sent when the client has them.
        (
            Some(&[&[], &["bearer"]]),
            false,
            Carried {
                authorization: Some("Bearer tok".into()),
                ..Default::default()
            },
        ),
        // No alternative complete: what the client has of what is named.
        (
            Some(&[&["oauth", "header"]]),
            false,
            Carried {
                header_key: Some("h-key".into()),
                ..Default::default()
            },
        ),
        // `security: []` and `no_auth`: none, whatever else is said.
        (Some(&[]), false, Carried::default()),
        (Some(&[&["basic"]]), true, Carried::default()),
    ];
    for (i, (requirement, no_auth, expected)) in cases.into_iter().enumerate() {
        send(&core, requirement, no_auth).await;
        let requests = server.requests();
        let mut got = carried(&requests[i]);
        // The request's own query and cookie are always there.
        got.query = got.query.filter(|q| q != "page=2");
        got.cookie = got.cookie.filter(|c| c != "mine=c1");
        assert_eq!(got, expected, "case {i}: {:?}", requests[i]);
    }
}

#[tokio::test]
async fn without_a_requirement_every_credential_is_sent() {
    let server = Server::start(|_: &Recorded| json(200, json!({"ok": true}))).await;
    let security = Security::new()
        .with("header", key(ApiKeyLocation::Header, "X-API-Key", "h-key"))
        .with("query", key(ApiKeyLocation::Query, "api_key", "k"))
        .always(Auth::Bearer(Secret::new("extra")));
    let core = core(&server, security);
    send(&core, None, false).await;
    // An operation's requirement still adds the credentials sent always.
    send(&core, Some(&[&["query"]]), false).await;
    send(&core, None, true).await;
    let requests = server.requests();
    assert_eq!(
        carried(&requests[0]),
        Carried {
            authorization: Some("Bearer extra".into()),
            header_key: Some("h-key".into()),
            query: Some("page=2&api_key=k".into()),
            cookie: Some("mine=c1".into()),
        }
    );
    assert_eq!(
        carried(&requests[1]),
        Carried {
            authorization: Some("Bearer extra".into()),
            query: Some("page=2&api_key=k".into()),
            cookie: Some("mine=c1".into()),
            ..Default::default()
        }
    );
    assert_eq!(
        carried(&requests[2]),
        Carried {
            query: Some("page=2".into()),
            cookie: Some("mine=c1".into()),
            ..Default::default()
        }
    );
}

/// Tokens `tok-1`, `tok-2`, … of an application's: a new one after each `invalidate`.
#[derive(Default)]
struct Renewing {
    current: AtomicUsize,
    invalidated: Mutex<Vec<String>>,
}

impl TokenSource for Renewing {
    fn token(&self) -> BoxFuture<'_, Result<Secret, TokenError>> {
        let n = self.current.load(Ordering::SeqCst) + 1;
        Box::pin(async move { Ok(Secret::new(format!("tok-{n}"))) })
    }

    fn invalidate(&self, rejected: &Secret) {
        self.invalidated
            .lock()
            .unwrap()
            .push(rejected.expose().to_owned());
        self.current.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_token_source_is_asked_per_exchange_and_renewed_after_a_401() {
    // The API takes `tok-2` and later ones, with the application key beside them.
    let server = Server::start(|request: &Recorded| {
        let token = request
            .header("authorization")
            .and_then(|h| h.strip_prefix("Bearer tok-"))
            .and_then(|n| n.parse::<usize>().ok());
        match (token, request.header("x-app")) {
            (Some(n), Some("app-1")) if n >= 2 => json(200, json!({"token": n})),
            _ => json(401, json!({"message": "Authentication error"})),
        }
    })
    .await;
    let source = std::sync::Arc::new(Renewing::default());
    let security = Security::new()
        .with("user", Some(Auth::BearerSource(source.clone())))
        .with("app", key(ApiKeyLocation::Header, "X-App", "app-1"))
        .requiring(&[&["user", "app"]]);
    let core = core(&server, security);
    let get = || {
        core.request(Method::GET, "/things".into(), "getThings")
            .send_json::<Value, Value>(None)
    };
    assert_eq!(get().await.unwrap(), json!({"token": 2}));
    assert_eq!(*source.invalidated.lock().unwrap(), ["tok-1"]);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.header("x-app") == Some("app-1")));
    // Asked again for the next exchange, which needs no renewal.
    assert_eq!(get().await.unwrap(), json!({"token": 2}));
    assert_eq!(source.invalidated.lock().unwrap().len(), 1);

    // A 401 to a renewed token is the answer: one renewal per attempt.
    let refusing = Server::start(|_: &Recorded| json(401, json!({"message": "no"}))).await;
    let source = std::sync::Arc::new(Renewing::default());
    let core = self::core(&refusing, Auth::BearerSource(source.clone()).into());
    let err = core
        .request(Method::GET, "/things".into(), "getThings")
        .send_json::<Value, Value>(None)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(refusing.requests().len(), 2);
    assert_eq!(source.invalidated.lock().unwrap().len(), 1);
}

struct Failing;

impl TokenSource for Failing {
    fn token(&self) -> BoxFuture<'_, Result<Secret, TokenError>> {
        Box::pin(async { Err("the refresh token was revoked".into()) })
    }
}

#[tokio::test]
async fn a_failing_token_source_fails_the_call_before_anything_is_sent() {
    let server = Server::start(|_: &Recorded| json(200, json!({"ok": true}))).await;
    let core = core(
        &server,
        Auth::BearerSource(std::sync::Arc::new(Failing)).into(),
    );
    let err = core
        .request(Method::GET, "/things".into(), "getThings")
        .send_json::<Value, Value>(None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "could not obtain an OAuth access token: the token source failed: the refresh token was revoked"
    );
    assert!(server.requests().is_empty());
    // A request sent without credentials does not ask the source.
    core.request(Method::GET, "/things".into(), "getThings")
        .no_auth()
        .send_json::<Value, Value>(None)
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 1);
}
