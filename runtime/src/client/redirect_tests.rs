//! What each auth kind writes never follows a redirect to another host or port, whoever
//! follows it (reqwest or the runtime); tested over real HTTP on 127.0.0.1.

use std::time::Duration;

use serde_json::{Value, json};

use crate::test_server::{Recorded, Server, Step, json, respond_with};
use crate::{
    ApiKeyLocation, Auth, BoxFuture, ClientConfig, ClientCore, Error, Method, RetryConfig, Secret,
    Security, TokenError, TokenSource,
};

const KEY: &str = "key-Very-Secret";

fn core(server: &Server, auth: impl Into<Security>) -> ClientCore {
    let config = ClientConfig::default()
        .with_timeout(Duration::from_secs(10))
        .with_retry(RetryConfig::disabled());
    ClientCore::new(&server.url("/v1"), auth, "aqua-test/1", config).unwrap()
}

fn api_key(location: ApiKeyLocation, name: &str) -> Auth {
    Auth::ApiKey {
        location,
        name: name.into(),
        key: Secret::new(KEY),
    }
}

/// The key as the token of a user's source.
struct KeyAsToken;

impl TokenSource for KeyAsToken {
    fn token(&self) -> BoxFuture<'_, Result<Secret, TokenError>> {
        Box::pin(async { Ok(Secret::new(KEY)) })
    }
}

/// Several schemes at once, sent together: each place a credential can go.
fn combined() -> Security {
    let key = |location, name: &str| match api_key(location, name) {
        auth @ Auth::ApiKey { .. } => Some(auth),
        _ => None,
    };
    Security::new()
        .with(
            "token",
            Some(Auth::BearerSource(std::sync::Arc::new(KeyAsToken))),
        )
        .with("header", key(ApiKeyLocation::Header, "X-API-Key"))
        .with("query", key(ApiKeyLocation::Query, "api_key"))
        .with("cookie", key(ApiKeyLocation::Cookie, "session"))
        .requiring(&[&["token", "header", "query", "cookie"]])
}

fn ok() -> Vec<Step> {
    json(200, json!({"ok": true}))
}

fn redirect(status: u16, location: &str) -> Vec<Step> {
    respond_with(status, "text/plain", &[("Location", location)], "")
}

/// A `GET` with a cookie of the caller's own, which does not follow a redirect elsewhere either.
async fn call(core: &ClientCore, path: &str) -> Result<Value, Error<Value>> {
    core.request(Method::GET, path.into(), "call")
        .cookie("mine", "c1")
        .send_json::<Value, Value>(None)
        .await
}

/// Whether `request` carries the key anywhere: a header, the target or the body.
fn carries_key(request: &Recorded) -> bool {
    request.target.contains(KEY)
        || request.headers.iter().any(|(_, v)| v.contains(KEY))
        || String::from_utf8_lossy(&request.body).contains(KEY)
}

/// A server on another port, and one whose `/v1/away` redirects there (with `query` in the
/// `Location`), `/v1/same` within itself, and `/v1/round` there and back.
async fn servers(query: &'static str) -> (Server, Server) {
    let first = std::sync::Arc::new(std::sync::OnceLock::<String>::new());
    let back = first.clone();
    let other = Server::start(move |request: &Recorded| match request.path() {
        "/back" => redirect(302, back.get().map_or("/", |u| u.as_str())),
        _ => ok(),
    })
    .await;
    let away = other.url(&format!("/elsewhere{query}"));
    let round = other.url("/back");
    let server = Server::start(move |request: &Recorded| match request.path() {
        "/v1/away" => redirect(302, &away),
        "/v1/round" => redirect(307, &round),
        "/v1/same" => redirect(302, &format!("/v1/here{query}")),
        _ => ok(),
    })
    .await;
    first.set(server.url("/v1/home")).unwrap();
    (server, other)
}

#[tokio::test]
async fn no_kind_of_credential_follows_a_redirect_to_another_port() {
    let kinds = [
        (api_key(ApiKeyLocation::Header, "X-API-Key"), "x-api-key"),
        (api_key(ApiKeyLocation::Query, "api_key"), ""),
        (api_key(ApiKeyLocation::Cookie, "session"), "cookie"),
        (
            api_key(ApiKeyLocation::Header, "Authorization"),
            "authorization",
        ),
        (Auth::Bearer(Secret::new(KEY)), "authorization"),
        (
            Auth::BearerSource(std::sync::Arc::new(KeyAsToken)),
            "authorization",
        ),
    ];
    let kinds = kinds
        .into_iter()
        .map(|(auth, header)| (Security::from(auth), header, false))
        // The query kind's checks hold for the combination, which carries the key in the
        // query among other places.
        .chain([(combined(), "", true)]);
    for (auth, header, everywhere) in kinds {
        let shown = format!("{auth:?}");
        assert!(!shown.contains(KEY), "{shown}");
        // For the query kind, a `Location` that carries the key back is stripped of it too.
        let query = if header.is_empty() {
            "?api_key=key-Very-Secret&keep=1"
        } else {
            "?keep=1"
        };
        let (server, other) = servers(query).await;
        let core = core(&server, auth);

        assert_eq!(call(&core, "/away").await.unwrap(), json!({"ok": true}));
        let first = &server.requests_to("/v1/away")[0];
        assert!(
            carries_key(first),
            "{shown}: the key was not sent: {first:?}"
        );
        if header.is_empty() {
            assert_eq!(first.target, format!("/v1/away?api_key={KEY}"), "{shown}");
        } else {
            assert!(first.header(header).unwrap().contains(KEY), "{shown}");
        }
        if everywhere {
            assert_eq!(
                first.header("authorization"),
                Some(&*format!("Bearer {KEY}"))
            );
            assert_eq!(first.header("x-api-key"), Some(KEY));
            assert_eq!(
                first.header("cookie"),
                Some(&*format!("mine=c1; session={KEY}"))
            );
        }
        let moved = other.requests_to("/elsewhere");
        assert_eq!(moved.len(), 1, "{shown}");
        assert!(moved[0].target.ends_with("keep=1"), "{shown}: {moved:?}");
        assert!(
            first.header("cookie").unwrap().contains("mine=c1"),
            "{shown}"
        );
        for r in other.requests() {
            assert!(
                !carries_key(&r),
                "{shown}: the key followed the redirect: {r:?}"
            );
            assert_eq!(r.header("cookie"), None, "{shown}");
        }

        // Within the origin, the key is kept (so the check above is meaningful), written once.
        call(&core, "/same").await.unwrap();
        let here = &server.requests_to("/v1/here")[0];
        assert!(carries_key(here), "{shown}: {here:?}");
        assert_eq!(
            here.target.matches(KEY).count(),
            usize::from(header.is_empty())
        );

        // Once the chain left the origin, the key does not come back with it.
        call(&core, "/round").await.unwrap();
        let home = server.requests_to("/v1/home");
        assert_eq!(home.len(), 1, "{shown}");
        assert!(!carries_key(&home[0]), "{shown}: {home:?}");
    }
}

#[tokio::test]
async fn the_runtime_follows_redirects_under_the_same_rules() {
    let server = Server::start(|request: &Recorded| {
        let path = request.path();
        if let Some(n) = path.strip_prefix("/v1/hop/") {
            let n: u32 = n.parse().unwrap_or(0);
            return match n {
                0 => redirect(302, "/v1/hop/0"),
                1..=5 => redirect(302, &format!("/v1/hop/{}", n + 1)),
                _ => ok(),
            };
        }
        match path {
            "/v1/away" => redirect(302, "http://example.invalid/steal"),
            "/v1/see-other" => redirect(303, "/v1/echo"),
            "/v1/temporary" => redirect(307, "/v1/echo"),
            "/v1/echo" => json(
                200,
                json!({
                    "method": request.method,
                    "body": String::from_utf8_lossy(&request.body),
                    "type": request.header("content-type"),
                }),
            ),
            _ => ok(),
        }
    })
    .await;
    let core = core(&server, api_key(ApiKeyLocation::Header, "X-API-Key"));

    // Five redirects are followed, with the key within the origin; a sixth is refused.
    assert_eq!(call(&core, "/hop/1").await.unwrap(), json!({"ok": true}));
    assert_eq!(server.requests().len(), 6);
    assert!(server.requests().iter().all(carries_key));
    let err = call(&core, "/hop/0").await.unwrap_err();
    assert_eq!(server.requests_to("/v1/hop/0").len(), 6);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(302));
    assert_eq!(
        err.to_string(),
        "call: HTTP 302 Found: a redirect was not followed: more than 5 redirects"
    );
    let err = call(&core, "/away").await.unwrap_err();
    assert!(
        err.to_string()
            .ends_with("refused a redirect to plain http on a non-loopback host"),
        "{err}"
    );
    assert!(!format!("{err} {err:?}").contains(KEY));

    // 303 turns a POST into a GET without its body; 307 keeps both.
    let post = |path: &str| {
        core.request(Method::POST, path.into(), "post")
            .json(&json!({"a": 1}))
            .send_json::<Value, Value>(None)
    };
    assert_eq!(
        post("/see-other").await.unwrap(),
        json!({"method": "GET", "body": "", "type": null})
    );
    assert_eq!(
        post("/temporary").await.unwrap(),
        json!({"method": "POST", "body": "{\"a\":1}", "type": "application/json"})
    );
}
