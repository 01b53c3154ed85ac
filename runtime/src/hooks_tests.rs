//! The seams over real HTTP on 127.0.0.1: a `reqwest::Client` of the user's, hooks, and the
//! spans of each call.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::hooks::{Call, Hooks};
use crate::test_server::{Recorded, Server, Step, in_turn, json, respond_with};
use crate::{Auth, ClientConfig, ClientCore, Error, Method, RetryConfig, Secret};

const TOKEN: &str = "tok-Very-Secret";

/// What the hooks saw, in order.
#[derive(Default)]
struct Seen(Mutex<Vec<String>>);

impl Hooks for Arc<Seen> {
    fn before_send(&self, call: &Call, request: &mut reqwest::Request) {
        let value = format!("{}/{}", call.operation, call.attempt);
        request
            .headers_mut()
            .insert("x-hook", value.parse().unwrap());
        let auth = request.headers().get("authorization").is_some();
        self.0
            .lock()
            .unwrap()
            .push(format!("before {value} authorized={auth}"));
    }

    fn after_response(&self, call: &Call, response: &reqwest::Response, _elapsed: Duration) {
        let line = format!(
            "after {}/{} {}",
            call.operation,
            call.attempt,
            response.status().as_u16()
        );
        self.0.lock().unwrap().push(line);
    }

    fn on_retry(&self, call: &Call, error: &(dyn std::error::Error + 'static), delay: Duration) {
        assert!(delay <= Duration::from_secs(1), "{delay:?}");
        let line = format!("retry {}/{}: {error}", call.operation, call.attempt);
        self.0.lock().unwrap().push(line);
    }
}

fn quick() -> RetryConfig {
    RetryConfig::default()
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(50))
}

/// A client of the user's: it sends a default header of its own, so that its use shows.
fn users_client(policy: reqwest::redirect::Policy) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-users-client", "yes".parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(policy)
        .build()
        .unwrap()
}

async fn get(core: &ClientCore, path: &str) -> Result<Value, Error<Value>> {
    core.request(Method::GET, path.into(), "getThings")
        .send_json::<Value, Value>(None)
        .await
}

fn ok() -> Vec<Step> {
    json(200, json!({"ok": true}))
}

#[tokio::test]
async fn a_users_client_and_hooks_are_both_used() {
    let server = Server::start(in_turn(vec![
        respond_with(
            503,
            "application/json",
            &[("Retry-After", "0"), ("Zuora-Request-Id", "rid-1")],
            "{}",
        ),
        ok(),
    ]))
    .await;
    let seen = Arc::new(Seen::default());
    let config = ClientConfig::default()
        .with_retry(quick())
        .with_http_client(users_client(reqwest::redirect::Policy::none()))
        .with_hooks(seen.clone());
    assert!(config.has_http_client() && config.has_hooks());
    let shown = format!("{config:?}");
    assert!(
        shown.contains("hooks: Some(..)") && !shown.contains("x-users-client"),
        "{shown}"
    );
    let auth = Auth::Bearer(Secret::new(TOKEN));
    let core = ClientCore::new(&server.url("/v1"), auth, "aqua-test/1", config).unwrap();

    assert_eq!(get(&core, "/things").await.unwrap(), json!({"ok": true}));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for (n, r) in requests.iter().enumerate() {
        assert_eq!(r.header("x-users-client"), Some("yes"), "{r:?}");
        assert_eq!(
            r.header("x-hook"),
            Some(format!("getThings/{}", n + 1).as_str())
        );
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        assert_eq!(r.header("user-agent"), Some("aqua-test/1"));
    }
    let seen = seen.0.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            "before getThings/1 authorized=true",
            "after getThings/1 503",
            "retry getThings/1: getThings: HTTP 503 Service Unavailable (Zuora-Request-Id rid-1)",
            "before getThings/2 authorized=true",
            "after getThings/2 200",
        ]
    );
    assert!(seen.iter().all(|l| !l.contains(TOKEN)));
}

#[tokio::test]
async fn a_users_client_that_follows_redirects_itself_is_refused() {
    let server = Server::start(|request: &Recorded| match request.path() {
        "/v1/moved" => respond_with(302, "text/plain", &[("Location", "/v1/here")], ""),
        _ => ok(),
    })
    .await;
    let make = |policy| {
        let config = ClientConfig::default()
            .with_retry(quick())
            .with_http_client(users_client(policy));
        ClientCore::new(&server.url("/v1"), Auth::None, "aqua-test/1", config).unwrap()
    };

    // Without redirects of its own, the runtime follows them.
    let core = make(reqwest::redirect::Policy::none());
    assert_eq!(get(&core, "/moved").await.unwrap(), json!({"ok": true}));
    assert_eq!(server.requests_to("/v1/here").len(), 1);

    let core = make(reqwest::redirect::Policy::limited(3));
    let err = get(&core, "/moved").await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert!(err.to_string().contains("Policy::none()"), "{err}");
    assert_eq!(server.requests_to("/v1/here").len(), 2);
}

#[tokio::test]
async fn a_users_client_timeout_does_not_cut_downloads() {
    let server = Server::start(|_: &Recorded| {
        let mut steps = vec![Step::Write(
            crate::test_server::head(200, "text/csv", Some(4)).into_bytes(),
        )];
        for _ in 0..4 {
            steps.push(Step::Sleep(Duration::from_millis(150)));
            steps.push(Step::Write(b"x".to_vec()));
        }
        steps
    })
    .await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let config = ClientConfig::default().with_http_client(client);
    let core = ClientCore::new(&server.url("/v1"), Auth::None, "aqua-test/1", config).unwrap();
    let download = core
        .request(Method::GET, "/file".into(), "getFile")
        .send_download::<Value>()
        .await
        .unwrap();
    let mut out = Vec::new();
    assert_eq!(download.write_to(&mut out).await.unwrap(), 4);
    assert_eq!(out, b"xxxx");
}

/// A writer into a shared buffer, for capturing logs.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn each_call_and_attempt_has_a_span_with_its_status_and_request_id() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = Server::start(in_turn(vec![
        respond_with(
            503,
            "application/json",
            &[("Retry-After", "0"), ("Zuora-Request-Id", "rid-1")],
            "{}",
        ),
        respond_with(
            200,
            "application/json",
            &[("Zuora-Request-Id", "rid-2")],
            json!({"ok": true}).to_string(),
        ),
    ]))
    .await;
    let config = ClientConfig::default().with_retry(quick());
    let auth = Auth::Bearer(Secret::new(TOKEN));
    let core = ClientCore::new(&server.url("/v1"), auth, "aqua-test/1", config).unwrap();
    get(&core, "/things").await.unwrap();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let responses: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("aqua_runtime::client::exchange: response"))
        .collect();
    assert_eq!(responses.len(), 2, "{logs}");
    assert!(
        responses[0].contains(
            "aqua_call{operation=\"getThings\"}:attempt{attempt=1 status=503 zuora_request_id=\"rid-1\"}"
        ),
        "{logs}"
    );
    assert!(
        responses[1].contains(
            "aqua_call{operation=\"getThings\"}:attempt{attempt=2 status=200 zuora_request_id=\"rid-2\"}"
        ),
        "{logs}"
    );
    let retry = logs.lines().find(|l| l.contains("retrying")).unwrap();
    assert!(
        retry.contains("aqua_call{operation=\"getThings\"}"),
        "{logs}"
    );
    assert!(!logs.contains(TOKEN), "{logs}");
}
