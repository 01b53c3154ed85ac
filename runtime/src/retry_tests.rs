//! Tests of retries and redirects over real HTTP on 127.0.0.1.
//!
//! Backoffs are milliseconds (see [`quick`]); the tests that honour `Retry-After` and
//! `RateLimit-Reset` wait about one second each.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::test_server::{Recorded, Server, Step, head, in_turn, json, respond, respond_with};
use crate::{Auth, ClientConfig, ClientCore, Error, Method, RetryConfig, Secret, StatusCode};

const TOKEN: &str = "tok-Very-Secret";

/// Retries with millisecond backoffs; server-requested waits up to 5 s are honoured.
fn quick() -> RetryConfig {
    RetryConfig::default()
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_secs(5))
        .with_max_total(Duration::from_secs(10))
}

fn core_with(server: &Server, auth: Auth, retry: RetryConfig) -> ClientCore {
    let config = ClientConfig::default()
        .with_timeout(Duration::from_secs(10))
        .with_retry(retry);
    ClientCore::new(&server.url("/v1"), auth, "aqua-test/1", config).unwrap()
}

fn core(server: &Server) -> ClientCore {
    core_with(server, Auth::Bearer(Secret::new(TOKEN)), quick())
}

async fn get(core: &ClientCore) -> Result<Value, Error<Value>> {
    core.request(Method::GET, "/things".into(), "getThings")
        .send_json::<Value, Value>(None)
        .await
}

fn ok() -> Vec<Step> {
    json(200, json!({"ok": true}))
}

fn status(code: u16) -> Vec<Step> {
    json(code, json!({"message": format!("status {code}")}))
}

/// Connections to this address are refused.
async fn closed_port() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    addr
}

#[tokio::test]
async fn each_transient_status_recovers_on_the_next_attempt() {
    for code in [429, 500, 502, 503, 504] {
        let server = Server::start(in_turn(vec![status(code), ok()])).await;
        let value = get(&core(&server)).await.unwrap();
        assert_eq!(value, json!({"ok": true}), "{code}");
        assert_eq!(server.requests().len(), 2, "{code}");
    }
}

#[tokio::test]
async fn other_statuses_are_not_retried() {
    for code in [400, 401, 403, 404, 409] {
        let server = Server::start(in_turn(vec![status(code), ok()])).await;
        let err = get(&core(&server)).await.unwrap_err();
        assert_eq!(err.status(), StatusCode::from_u16(code).ok(), "{err:?}");
        assert_eq!(err.attempts(), Some(1));
        assert!(!err.to_string().contains("attempt"), "{err}");
        assert_eq!(server.requests().len(), 1, "{code}");
    }
}

#[tokio::test]
async fn single_attempt_errors_read_as_before() {
    let server = Server::start(|_: &Recorded| {
        json(
            401,
            json!({"success": false, "reasons": [{"code": 90000011, "message": "Authentication error"}]}),
        )
    })
    .await;
    let err = core(&server)
        .request(Method::GET, "/x".into(), "getLastCompletedJob")
        .send_json::<Value, Value>(None)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "getLastCompletedJob: HTTP 401 Unauthorized: 90000011: Authentication error"
    );
}

#[tokio::test]
async fn attempts_are_bounded_and_the_error_counts_them() {
    let server = Server::start(|_: &Recorded| status(503)).await;
    let err = get(&core(&server)).await.unwrap_err();
    assert_eq!(server.requests().len(), 3);
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(err.attempts(), Some(3));
    assert_eq!(
        err.to_string(),
        "getThings: HTTP 503 Service Unavailable: status 503 (after 3 attempts)"
    );

    // More attempts when configured, a single one when disabled.
    let five = core_with(&server, Auth::None, quick().with_max_attempts(5));
    assert_eq!(get(&five).await.unwrap_err().attempts(), Some(5));
    assert_eq!(server.requests().len(), 8);
    let once = core_with(&server, Auth::None, RetryConfig::disabled());
    let err = get(&once).await.unwrap_err();
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(
        err.to_string(),
        "getThings: HTTP 503 Service Unavailable: status 503"
    );
    assert_eq!(server.requests().len(), 9);
}

/// The time between the first two requests the server saw.
fn gap(server: &Server) -> Duration {
    let requests = server.requests();
    requests[1].at.duration_since(requests[0].at)
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let limited = json!({"message": "slow down"}).to_string();
    let server = Server::start(in_turn(vec![
        respond_with(
            429,
            "application/json",
            &[("Retry-After", "1")],
            limited.clone(),
        ),
        ok(),
    ]))
    .await;
    get(&core(&server)).await.unwrap();
    assert_eq!(server.requests().len(), 2);
    assert!(
        gap(&server) >= Duration::from_millis(900),
        "{:?}",
        gap(&server)
    );
}

#[tokio::test]
async fn rate_limit_reset_alone_is_honoured() {
    let limited = json!({"message": "slow down"}).to_string();
    let server = Server::start(in_turn(vec![
        respond_with(
            429,
            "application/json",
            &[
                ("RateLimit-Limit", "100"),
                ("RateLimit-Remaining", "0"),
                ("RateLimit-Reset", "1"),
            ],
            limited,
        ),
        ok(),
    ]))
    .await;
    get(&core(&server)).await.unwrap();
    assert_eq!(server.requests().len(), 2);
    assert!(
        gap(&server) >= Duration::from_millis(900),
        "{:?}",
        gap(&server)
    );
}

#[tokio::test]
async fn a_wait_past_the_total_limit_ends_the_retries() {
    let server = Server::start(|_: &Recorded| {
        respond_with(503, "text/plain", &[("Retry-After", "60")], "later")
    })
    .await;
    let started = std::time::Instant::now();
    // The 60 s asked for are capped at max_backoff (5 s), which passes max_total (1 s).
    let core = core_with(
        &server,
        Auth::None,
        quick().with_max_total(Duration::from_secs(1)),
    );
    let err = get(&core).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(server.requests().len(), 1);
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(
        err.to_string(),
        "getThings: HTTP 503 Service Unavailable: later"
    );
}

#[tokio::test]
async fn posts_are_retried_only_with_an_idempotency_key() {
    fn post(core: &ClientCore) -> crate::Request<'_> {
        core.request(Method::POST, "/jobs".into(), "submitJob")
            .json(&json!({"query": "select 1"}))
    }

    let server = Server::start(in_turn(vec![status(503), ok()])).await;
    let core = core(&server);
    let err = post(&core)
        .send_json::<Value, Value>(None)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(server.requests().len(), 1);
    assert_eq!(server.requests()[0].header("idempotency-key"), None);

    let server = Server::start(in_turn(vec![status(503), status(502), ok()])).await;
    let core = self::core(&server);
    let value = post(&core)
        .idempotency_key(None)
        .send_json::<Value, Value>(None)
        .await
        .unwrap();
    assert_eq!(value, json!({"ok": true}));
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let keys: Vec<_> = requests
        .iter()
        .map(|r| r.header("idempotency-key").unwrap().to_owned())
        .collect();
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    assert!(
        requests
            .iter()
            .all(|r| r.body == br#"{"query":"select 1"}"#)
    );

    // A given key is sent as it is, and replaces an earlier one.
    let server = Server::start(in_turn(vec![status(500), ok()])).await;
    let core = self::core(&server);
    post(&core)
        .idempotency_key(None)
        .idempotency_key(Some("submit-42".into()))
        .send_json::<Value, Value>(None)
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        let keys: Vec<_> = r
            .headers
            .iter()
            .filter(|(n, _)| n == "idempotency-key")
            .collect();
        assert_eq!(keys, [&("idempotency-key".into(), "submit-42".into())]);
    }
}

#[tokio::test]
async fn generated_keys_are_uuid_v4_and_differ_per_submit() {
    let server = Server::start(|_: &Recorded| ok()).await;
    let core = core(&server);
    for _ in 0..2 {
        core.request(Method::POST, "/jobs".into(), "submitJob")
            .idempotency_key(None)
            .send_empty::<Value>()
            .await
            .unwrap();
    }
    let keys: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.header("idempotency-key").unwrap().to_owned())
        .collect();
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1]);
    for key in &keys {
        let uuid = uuid::Uuid::parse_str(key).unwrap();
        assert_eq!(uuid.get_version_num(), 4, "{key}");
        assert_eq!(uuid.get_variant(), uuid::Variant::RFC4122, "{key}");
        assert_eq!(key.len(), 36, "{key}");
    }
}

fn looks_successful(v: &Value) -> bool {
    v.get("errorCode").is_none()
}

async fn submit(core: &ClientCore) -> Result<Value, Error<Value>> {
    core.request(Method::POST, "/jobs".into(), "submitJob")
        .idempotency_key(None)
        .send_json::<Value, Value>(Some(looks_successful))
        .await
}

fn aqua_error(code: &str) -> Vec<Step> {
    json(
        200,
        json!({"status": "error", "errorCode": code, "message": format!("error {code}")}),
    )
}

#[tokio::test]
async fn transient_aqua_errors_in_200_bodies_are_retried() {
    let submitted = json(200, json!({"id": "job-1", "status": "submitted"}));
    let server = Server::start(in_turn(vec![aqua_error("90022"), submitted])).await;
    let value = submit(&core(&server)).await.unwrap();
    assert_eq!(value["id"], "job-1");
    assert_eq!(server.requests().len(), 2);

    // Until the attempts run out.
    let server = Server::start(|_: &Recorded| aqua_error("90006")).await;
    let err = submit(&core(&server)).await.unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.zuora_code().as_deref(), Some("90006"));
    assert_eq!(server.requests().len(), 3);
    assert_eq!(
        err.to_string(),
        "submitJob: Zuora reported an error with HTTP 200 OK: 90006: error 90006 (after 3 attempts)"
    );
}

#[tokio::test]
async fn other_aqua_errors_are_not_retried() {
    let server = Server::start(in_turn(vec![aqua_error("90005"), ok()])).await;
    let err = submit(&core(&server)).await.unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.zuora_code().as_deref(), Some("90005"));
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn refused_connections_are_retried_then_reported() {
    let addr = closed_port().await;
    let config = ClientConfig::default().with_retry(quick());
    let core = ClientCore::new(&format!("http://{addr}/v1"), Auth::None, "t/1", config).unwrap();
    let err = get(&core).await.unwrap_err();
    let Error::Transport(transport) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(transport.attempts, 3);
    assert!(transport.source.is_connect(), "{err:?}");
    let shown = err.to_string();
    assert!(
        shown.starts_with("getThings: could not connect to the server"),
        "{shown}"
    );
    assert!(shown.ends_with(" (after 3 attempts)"), "{shown}");
}

#[tokio::test]
async fn broken_exchanges_and_timeouts_are_retried() {
    // A body that ends before its Content-Length, then a connection closed without an answer.
    let cut = vec![
        Step::Write(head(200, "application/json", Some(100)).into_bytes()),
        Step::Write(b"{\"ok\": tr".to_vec()),
    ];
    let server = Server::start(in_turn(vec![cut, Vec::new(), ok()])).await;
    assert_eq!(get(&core(&server)).await.unwrap(), json!({"ok": true}));
    assert_eq!(server.requests().len(), 3);

    // An attempt that times out.
    let slow = vec![Step::Sleep(Duration::from_secs(2))];
    let server = Server::start(in_turn(vec![slow, ok()])).await;
    let config = ClientConfig::default()
        .with_timeout(Duration::from_millis(300))
        .with_retry(quick());
    let core = ClientCore::new(&server.url("/v1"), Auth::None, "t/1", config).unwrap();
    assert_eq!(get(&core).await.unwrap(), json!({"ok": true}));
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn deletes_are_retried() {
    let server = Server::start(in_turn(vec![status(502), respond(204, "text/plain", "")])).await;
    core(&server)
        .request(Method::DELETE, "/jobs/1".into(), "cancelJob")
        .send_empty::<Value>()
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.method == "DELETE"));
}

async fn download(core: &ClientCore) -> Result<crate::Download, Error<Value>> {
    core.request(Method::GET, "/file".into(), "getFile")
        .accept("text/csv")
        .send_download::<Value>()
        .await
}

#[tokio::test]
async fn downloads_are_retried_until_the_body_starts() {
    let file = || respond(200, "text/csv", "a,b\n1,2\n");
    let slow_head = vec![Step::Sleep(Duration::from_secs(2))];
    let server = Server::start(in_turn(vec![status(503), slow_head, file()])).await;
    let config = ClientConfig::default()
        .with_download_stall_timeout(Duration::from_millis(300))
        .with_retry(quick());
    let core = ClientCore::new(&server.url("/v1"), Auth::None, "t/1", config).unwrap();
    let mut out = Vec::new();
    download(&core)
        .await
        .unwrap()
        .write_to(&mut out)
        .await
        .unwrap();
    assert_eq!(out, b"a,b\n1,2\n");
    assert_eq!(server.requests().len(), 3);

    // Once the body streams, a failure is the caller's.
    let cut = vec![
        Step::Write(head(200, "text/csv", Some(100)).into_bytes()),
        Step::Write(b"a,b\n".to_vec()),
    ];
    let server = Server::start(in_turn(vec![cut, file()])).await;
    let core = self::core(&server);
    let err = download(&core)
        .await
        .unwrap()
        .write_to(&mut Vec::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, crate::DownloadError::Truncated { .. }),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 1);

    // Error statuses that do not pass are not retried either.
    let server = Server::start(in_turn(vec![status(404), file()])).await;
    let err = download(&self::core(&server)).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(server.requests().len(), 1);
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
async fn retries_are_logged_without_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = Server::start(in_turn(vec![
        respond_with(
            503,
            "application/json",
            &[("Retry-After", "0")],
            json!({"message": "secret-in-body"}).to_string(),
        ),
        aqua_error("90022"),
        ok(),
    ]))
    .await;
    let core = core(&server);
    let value = core
        .request(Method::POST, "/jobs".into(), "submitJob")
        .idempotency_key(Some("key-Not-For-Logs".into()))
        .send_json::<Value, Value>(Some(looks_successful))
        .await
        .unwrap();
    assert_eq!(value, json!({"ok": true}));

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = logs.lines().collect();
    assert_eq!(lines.len(), 2, "{logs}");
    assert!(lines.iter().all(|l| l.contains("WARN")), "{logs}");
    assert!(lines.iter().all(|l| l.contains("submitJob")), "{logs}");
    assert!(
        lines[0].contains("attempt=1") && lines[0].contains("HTTP 503"),
        "{logs}"
    );
    assert!(lines[0].contains("delay=0ns"), "{logs}");
    assert!(
        lines[1].contains("attempt=2") && lines[1].contains("AQuA error 90022"),
        "{logs}"
    );
    for secret in [TOKEN, "key-Not-For-Logs", "secret-in-body"] {
        assert!(!logs.contains(secret), "`{secret}` shows in {logs}");
    }
}

// Redirects.

fn redirect(location: &str) -> Vec<Step> {
    respond_with(302, "text/plain", &[("Location", location)], "")
}

#[tokio::test]
async fn credentials_do_not_follow_a_redirect_to_another_port() {
    let other = Server::start(|_: &Recorded| ok()).await;
    let target = other.url("/elsewhere");
    let server = Server::start(move |request: &Recorded| match request.path() {
        "/v1/things" => redirect(&target),
        "/v1/same" => redirect("/v1/here"),
        _ => ok(),
    })
    .await;
    let core = core(&server);
    assert_eq!(get(&core).await.unwrap(), json!({"ok": true}));
    let first = server.requests_to("/v1/things");
    assert_eq!(
        first[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    let moved = other.requests_to("/elsewhere");
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].header("authorization"), None);
    for r in other.requests() {
        assert!(r.headers.iter().all(|(_, v)| !v.contains(TOKEN)), "{r:?}");
    }

    // A redirect within the origin keeps them (so the check above is meaningful).
    core.request(Method::GET, "/same".into(), "same")
        .send_json::<Value, Value>(None)
        .await
        .unwrap();
    let here = server.requests_to("/v1/here");
    assert_eq!(
        here[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );

    // Basic credentials are dropped as well.
    let basic = Auth::Basic {
        username: "me".into(),
        password: Secret::new("pw-Secret"),
    };
    get(&core_with(&server, basic, quick())).await.unwrap();
    let moved = other.requests_to("/elsewhere");
    assert_eq!(moved.len(), 2);
    assert_eq!(moved[1].header("authorization"), None);
}

#[tokio::test]
async fn at_most_five_redirects_are_followed() {
    let server = Server::start(|request: &Recorded| {
        let n: u32 = request
            .path()
            .strip_prefix("/v1/hop/")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        match n {
            0 => redirect("/v1/hop/0"),
            1..=5 => redirect(&format!("/v1/hop/{}", n + 1)),
            _ => ok(),
        }
    })
    .await;
    let core = core(&server);
    let hops = core
        .request(Method::GET, "/hop/1".into(), "hop")
        .send_json::<Value, Value>(None)
        .await
        .unwrap();
    assert_eq!(hops, json!({"ok": true}));
    assert_eq!(server.requests().len(), 6);

    let err = core
        .request(Method::GET, "/hop/0".into(), "loop")
        .send_json::<Value, Value>(None)
        .await
        .unwrap_err();
    let Error::Transport(transport) = &err else {
        panic!("{err:?}")
    };
    assert!(transport.source.is_redirect());
    // Not retried: the request itself plus five redirects.
    assert_eq!(server.requests_to("/v1/hop/0").len(), 6);
    assert_eq!(
        err.to_string(),
        "loop: a redirect was not followed: more than 5 redirects"
    );
}

#[tokio::test]
async fn redirects_to_plain_http_elsewhere_are_refused() {
    let server = Server::start(|request: &Recorded| match request.path() {
        "/v1/away" => redirect("http://example.invalid/steal"),
        "/v1/ftp" => redirect("ftp://127.0.0.1/x"),
        _ => ok(),
    })
    .await;
    let core = core(&server);
    for (path, reason) in [
        (
            "/away",
            "refused a redirect to plain http on a non-loopback host",
        ),
        ("/ftp", "refused a redirect to a scheme other than https"),
    ] {
        let err = core
            .request(Method::GET, path.into(), "away")
            .send_json::<Value, Value>(None)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("away: a redirect was not followed: {reason}")
        );
        assert_eq!(err.attempts(), Some(1));
    }
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_redirect_to_localhost_on_another_port_is_followed_without_credentials() {
    let other = Server::start(|_: &Recorded| ok()).await;
    let target = format!("http://localhost:{}/elsewhere", other.addr.port());
    let server = Server::start(move |_: &Recorded| redirect(&target)).await;
    // `localhost` may resolve to ::1 first, where nothing listens; the client then tries
    // 127.0.0.1.
    assert_eq!(get(&core(&server)).await.unwrap(), json!({"ok": true}));
    let moved = other.requests_to("/elsewhere");
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].header("authorization"), None);
}
