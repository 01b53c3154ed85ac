//! Tests of download resumption over real HTTP on 127.0.0.1: bodies cut short, stalled or
//! answered wrongly, with every way of reading a [`Download`], and credentials on the range
//! requests.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use futures_util::TryStreamExt;
use serde_json::{Value, json};

use super::resume::parse_content_range;
use super::*;
use crate::test_server::{Recorded, Server, Step, TempDir, json};
use crate::{Auth, ClientConfig, ClientCore, Error, Method, RetryConfig, Secret};

/// The length of the file served.
const TOTAL: usize = 300_000;

/// The file served: 300 000 bytes that are not a repetition of a short pattern.
static FILE: LazyLock<Vec<u8>> = LazyLock::new(|| crate::test_server::pseudo_random_bytes(TOTAL));

const ETAG_V1: &str = "\"v1\"";

/// The start `N` of a request's `Range: bytes=N-`.
fn range_start(request: &Recorded) -> Option<usize> {
    request
        .header("range")?
        .strip_prefix("bytes=")?
        .strip_suffix('-')?
        .parse()
        .ok()
}

/// A response head with `headers`, then `body`, then `pause`; then the connection closes.
fn answer(status: u16, headers: &[(&str, String)], body: &[u8], pause: Duration) -> Vec<Step> {
    let mut head = format!("HTTP/1.1 {status} Whatever\r\nconnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    vec![
        Step::Write(head.into_bytes()),
        Step::Write(body.to_vec()),
        Step::Sleep(pause),
    ]
}

/// The headers of a whole-file answer that supports ranges.
fn ranged_headers() -> Vec<(&'static str, String)> {
    vec![
        ("content-type", "text/csv".into()),
        ("content-length", TOTAL.to_string()),
        ("accept-ranges", "bytes".into()),
        ("etag", ETAG_V1.into()),
    ]
}

/// `200 OK` for the whole file (with `headers`), of which only the first `sent` bytes come.
fn whole(headers: &[(&str, String)], sent: usize) -> Vec<Step> {
    answer(200, headers, &FILE[..sent], Duration::ZERO)
}

/// `206` for the file from `start` on, of which the bytes up to `upto` come.
fn partial(start: usize, upto: usize) -> Vec<Step> {
    let headers = [
        ("content-type", "text/csv".to_owned()),
        ("content-length", (TOTAL - start).to_string()),
        (
            "content-range",
            format!("bytes {start}-{}/{TOTAL}", TOTAL - 1),
        ),
        ("etag", ETAG_V1.to_owned()),
    ];
    answer(206, &headers, &FILE[start..upto], Duration::ZERO)
}

/// A server supporting ranges whose every answer breaks off after `step` more bytes.
fn cutting_every(step: usize) -> impl Fn(&Recorded) -> Vec<Step> + Send + Sync + 'static {
    move |request: &Recorded| match range_start(request) {
        None => whole(&ranged_headers(), step.min(TOTAL)),
        Some(start) => partial(start, (start + step).min(TOTAL)),
    }
}

/// A server whose first answer (ranges supported, with `headers`) breaks off after 100 000
/// bytes, and which answers range requests with `range_answer`.
fn cut_once(
    headers: Vec<(&'static str, String)>,
    range_answer: impl Fn(usize) -> Vec<Step> + Send + Sync + 'static,
) -> impl Fn(&Recorded) -> Vec<Step> + Send + Sync + 'static {
    move |request: &Recorded| match range_start(request) {
        None => whole(&headers, 100_000),
        Some(start) => range_answer(start),
    }
}

/// How a test server answers a range request starting at the argument.
type RangeAnswer = fn(usize) -> Vec<Step>;

fn config() -> ClientConfig {
    ClientConfig::default()
        .with_download_stall_timeout(Duration::from_secs(5))
        .with_retry(
            RetryConfig::default()
                .with_initial_backoff(Duration::from_millis(10))
                .with_max_backoff(Duration::from_millis(20)),
        )
}

fn basic() -> Auth {
    Auth::Basic {
        username: "me".into(),
        password: Secret::new("hunter2-password"),
    }
}

fn core_with(server: &Server, auth: Auth, config: ClientConfig) -> ClientCore {
    ClientCore::new(&server.url("/v1"), auth, "aqua-test/1", config).unwrap()
}

async fn download(core: &ClientCore) -> Download {
    core.request(Method::GET, "/file".into(), "getFile")
        .accept("text/csv")
        .header("X-Custom", "custom-1".into())
        .send_download::<Value>()
        .await
        .unwrap()
}

/// Reads a download chunk by chunk.
async fn read_all(d: &mut Download) -> Result<Vec<u8>, DownloadError> {
    let mut got = Vec::new();
    while let Some(chunk) = d.next_chunk().await? {
        got.extend_from_slice(&chunk);
    }
    Ok(got)
}

/// The file's bytes, or a description of how they differ.
fn same_file(got: &[u8]) -> Result<(), String> {
    if got.len() != TOTAL {
        return Err(format!("{} bytes instead of {TOTAL}", got.len()));
    }
    match got.iter().zip(FILE.iter()).position(|(a, b)| a != b) {
        Some(i) => Err(format!("the bytes differ from offset {i} on")),
        None => Ok(()),
    }
}

#[test]
fn downloads_stay_send_sync_and_static() {
    fn check<T: Send + Sync + 'static>() {}
    check::<Download>();
}

#[test]
fn content_ranges_are_parsed_strictly() {
    assert_eq!(
        parse_content_range("bytes 100-299/300"),
        Some((100, 299, 300))
    );
    assert_eq!(parse_content_range("BYTES  0-0/1"), Some((0, 0, 1)));
    for bad in [
        "bytes 100-99/300",
        "bytes 100-300/300",
        "bytes 100-299/*",
        "bytes */300",
        "bytes -1-299/300",
        "bytes +1-299/300",
        "items 100-299/300",
        "bytes 100-299",
        "",
    ] {
        assert_eq!(parse_content_range(bad), None, "{bad}");
    }
}

#[tokio::test]
async fn a_cut_body_resumes_whichever_way_it_is_read() {
    let server = Server::start(cutting_every(100_000)).await;
    let core = core_with(&server, basic(), config());

    // Chunk by chunk.
    let mut d = download(&core).await;
    assert!(d.is_resumable());
    let got = read_all(&mut d).await.unwrap();
    same_file(&got).unwrap();
    assert_eq!(d.resumptions(), 2);
    assert!(d.next_chunk().await.unwrap().is_none());
    // The status and headers stay those of the response, not of a resumption.
    assert_eq!(d.status(), StatusCode::OK);
    assert_eq!(d.content_length(), Some(TOTAL as u64));
    assert!(!d.headers().contains_key("content-range"));
    let shown = format!("{d:?}");
    assert!(shown.contains("resumptions: 2"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(range_start(&requests[0]), None);
    assert_eq!(requests[1].header("range"), Some("bytes=100000-"));
    assert_eq!(requests[2].header("range"), Some("bytes=200000-"));
    for resumed in &requests[1..] {
        assert_eq!(resumed.method, "GET");
        assert_eq!(resumed.target, "/v1/file");
        assert_eq!(resumed.header("if-range"), Some(ETAG_V1));
        assert_eq!(resumed.header("accept-encoding"), Some("identity"));
        for same in ["accept", "x-custom", "authorization", "user-agent"] {
            assert_eq!(
                resumed.header(same),
                requests[0].header(same),
                "{same} differs"
            );
        }
    }
    assert_eq!(requests[0].header("x-custom"), Some("custom-1"));
    assert!(
        requests[0]
            .header("authorization")
            .is_some_and(|a| a.starts_with("Basic "))
    );

    // As a stream, into a writer, and saved as a file.
    let parts: Vec<Bytes> = download(&core)
        .await
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    same_file(&parts.concat()).unwrap();
    let mut out = Vec::new();
    let n = download(&core).await.write_to(&mut out).await.unwrap();
    assert_eq!(n, TOTAL as u64);
    same_file(&out).unwrap();
    let dir = TempDir::new("resumed");
    let target = dir.path.join("result.csv");
    let mut seen = Vec::new();
    let n = download(&core)
        .await
        .save_with_progress(&target, false, |n| seen.push(n))
        .await
        .unwrap();
    assert_eq!(n, TOTAL as u64);
    same_file(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(dir.entries(), ["result.csv"]);
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert_eq!(seen.last(), Some(&(TOTAL as u64)));
    assert_eq!(server.requests().len(), 12);
}

#[tokio::test]
async fn resumptions_are_bounded_by_the_configuration() {
    let server = Server::start(cutting_every(50_000)).await;

    // Default: 3 resumptions, then the error of the last break.
    let core = core_with(&server, Auth::None, config());
    let dir = TempDir::new("bounded");
    let target = dir.path.join("result.csv");
    let err = download(&core)
        .await
        .save(&target, false)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            DownloadError::Truncated {
                expected: 300_000,
                received: 200_000
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("200000") && err.to_string().contains("300000"),
        "{err}"
    );
    assert!(dir.entries().is_empty(), "{:?}", dir.entries());
    let ranges: Vec<Option<usize>> = server.requests().iter().map(range_start).collect();
    assert_eq!(ranges, [None, Some(50_000), Some(100_000), Some(150_000)]);

    // More resumptions allowed: the file completes after five.
    let core = core_with(
        &server,
        Auth::None,
        config().with_download_resume_attempts(5),
    );
    let mut d = download(&core).await;
    same_file(&read_all(&mut d).await.unwrap()).unwrap();
    assert_eq!(d.resumptions(), 5);

    // None allowed: the first break is the error.
    let before = server.requests().len();
    let core = core_with(
        &server,
        Auth::None,
        config().with_download_resume_attempts(0),
    );
    let mut d = download(&core).await;
    assert!(!d.is_resumable());
    let err = read_all(&mut d).await.unwrap_err();
    assert!(
        matches!(
            err,
            DownloadError::Truncated {
                received: 50_000,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), before + 1);
}

#[tokio::test]
async fn servers_without_range_support_are_not_asked_for_ranges() {
    let without = vec![
        ("content-type", "text/csv".to_owned()),
        ("content-length", TOTAL.to_string()),
    ];
    let mut none = without.clone();
    none.push(("accept-ranges", "none".into()));
    for headers in [without, none] {
        let server = Server::start(cut_once(headers, |start| partial(start, TOTAL))).await;
        let core = core_with(&server, Auth::None, config());
        let d = download(&core).await;
        assert!(!d.is_resumable());
        let dir = TempDir::new("no-ranges");
        let err = d
            .save(&dir.path.join("result.csv"), false)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                DownloadError::Truncated {
                    expected: 300_000,
                    received: 100_000
                }
            ),
            "{err:?}"
        );
        assert!(dir.entries().is_empty(), "{:?}", dir.entries());
        assert_eq!(server.requests().len(), 1);
    }
}

#[tokio::test]
async fn unusable_answers_to_a_range_request_end_the_download() {
    let answers: Vec<(&str, RangeAnswer)> = vec![
        ("200 with the whole file", |_| {
            whole(&ranged_headers(), TOTAL)
        }),
        ("416", |_| {
            answer(
                416,
                &[
                    ("content-range", format!("bytes */{TOTAL}")),
                    ("content-length", "0".into()),
                ],
                b"",
                Duration::ZERO,
            )
        }),
        ("another start", |_| {
            let headers = [
                ("content-length", TOTAL.to_string()),
                ("content-range", format!("bytes 0-{}/{TOTAL}", TOTAL - 1)),
            ];
            answer(206, &headers, &FILE, Duration::ZERO)
        }),
        ("another total", |start| {
            let headers = [
                ("content-length", (TOTAL - start).to_string()),
                (
                    "content-range",
                    format!("bytes {start}-{}/{}", TOTAL - 1, TOTAL + 1),
                ),
            ];
            answer(206, &headers, &FILE[start..], Duration::ZERO)
        }),
        ("another ETag", |start| {
            let headers = [
                ("content-length", (TOTAL - start).to_string()),
                (
                    "content-range",
                    format!("bytes {start}-{}/{TOTAL}", TOTAL - 1),
                ),
                ("etag", "\"v2\"".into()),
            ];
            answer(206, &headers, &FILE[start..], Duration::ZERO)
        }),
        ("no Content-Range", |start| {
            let headers = [("content-length", (TOTAL - start).to_string())];
            answer(206, &headers, &FILE[start..], Duration::ZERO)
        }),
        ("a 404", |_| {
            answer(
                404,
                &[("content-length", "2".into())],
                b"{}",
                Duration::ZERO,
            )
        }),
    ];
    for (case, range_answer) in answers {
        let server = Server::start(cut_once(ranged_headers(), range_answer)).await;
        let core = core_with(&server, Auth::None, config());
        let dir = TempDir::new("refused");
        let err = download(&core)
            .await
            .save(&dir.path.join("result.csv"), false)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                DownloadError::Truncated {
                    expected: 300_000,
                    received: 100_000
                }
            ),
            "{case}: {err:?}"
        );
        assert!(dir.entries().is_empty(), "{case}: {:?}", dir.entries());
        // One range request: a refusal is not retried.
        assert_eq!(server.requests().len(), 2, "{case}");
    }
}

#[tokio::test]
async fn stalls_and_transient_refusals_are_resumed() {
    // The first answer stalls after 100 000 bytes; the first range request gets HTTP 503,
    // the second the rest.
    let ranges = Arc::new(AtomicUsize::new(0));
    let seen = ranges.clone();
    let server = Server::start(move |request: &Recorded| match range_start(request) {
        None => answer(
            200,
            &ranged_headers(),
            &FILE[..100_000],
            Duration::from_secs(3),
        ),
        Some(start) => {
            if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                answer(
                    503,
                    &[("content-length", "2".into()), ("retry-after", "0".into())],
                    b"{}",
                    Duration::ZERO,
                )
            } else {
                partial(start, TOTAL)
            }
        }
    })
    .await;
    let core = core_with(
        &server,
        Auth::None,
        config().with_download_stall_timeout(Duration::from_millis(300)),
    );
    let started = std::time::Instant::now();
    let mut d = download(&core).await;
    same_file(&read_all(&mut d).await.unwrap()).unwrap();
    assert_eq!(d.resumptions(), 2);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let ranges: Vec<Option<usize>> = server.requests().iter().map(range_start).collect();
    assert_eq!(ranges, [None, Some(100_000), Some(100_000)]);

    // Without a strong ETag, If-Range carries Last-Modified; a weak ETag is not used.
    let modified = "Wed, 21 Oct 2015 07:28:00 GMT";
    let headers = vec![
        ("content-type", "text/csv".to_owned()),
        ("content-length", TOTAL.to_string()),
        ("accept-ranges", "bytes".into()),
        ("etag", "W/\"weak\"".into()),
        ("last-modified", modified.into()),
    ];
    let server = Server::start(cut_once(headers, |start| partial(start, TOTAL))).await;
    let core = core_with(&server, Auth::None, config());
    let mut d = download(&core).await;
    same_file(&read_all(&mut d).await.unwrap()).unwrap();
    assert_eq!(server.requests()[1].header("if-range"), Some(modified));
}

#[tokio::test]
async fn oauth_tokens_authenticate_the_range_requests() {
    // Tokens tok-1, tok-2, …; the file accepts any token on its first request, and only
    // tokens after tok-1 on range requests once `renew` is set.
    let issued = Arc::new(AtomicUsize::new(0));
    let renew = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (tokens, strict) = (issued.clone(), renew.clone());
    let server = Server::start(move |request: &Recorded| match request.path() {
        "/oauth/token" => {
            let n = tokens.fetch_add(1, Ordering::SeqCst) + 1;
            json(
                200,
                json!({"access_token": format!("tok-{n}"), "token_type": "bearer", "expires_in": 3600}),
            )
        }
        "/v1/file" => {
            let token: Option<usize> = request
                .header("authorization")
                .and_then(|h| h.strip_prefix("Bearer tok-"))
                .and_then(|n| n.parse().ok());
            match (token, range_start(request)) {
                (None, _) => json(401, json!({"message": "no token"})),
                (Some(1), Some(_)) if strict.load(Ordering::SeqCst) => {
                    json(401, json!({"message": "expired"}))
                }
                (Some(_), None) => whole(&ranged_headers(), 100_000),
                (Some(_), Some(start)) => partial(start, TOTAL),
            }
        }
        _ => json(404, json!({})),
    })
    .await;
    let auth = Auth::OAuthClientCredentials {
        client_id: "my-client".into(),
        client_secret: Secret::new("s3cr3t-Client-Secret"),
        token_url: "/oauth/token".into(),
    };
    let core = core_with(&server, auth, config());

    let d = download(&core).await;
    assert!(!format!("{d:?}").contains("tok-1"));
    let mut out = Vec::new();
    d.write_to(&mut out).await.unwrap();
    same_file(&out).unwrap();
    let files = server.requests_to("/v1/file");
    assert_eq!(files.len(), 2);
    assert_eq!(files[1].header("range"), Some("bytes=100000-"));
    for request in &files {
        assert_eq!(request.header("authorization"), Some("Bearer tok-1"));
    }
    // The cached token was used: one token request.
    assert_eq!(issued.load(Ordering::SeqCst), 1);

    // A range request refused with 401 gets a new token, once.
    renew.store(true, Ordering::SeqCst);
    let mut d = download(&core).await;
    same_file(&read_all(&mut d).await.unwrap()).unwrap();
    assert_eq!(d.resumptions(), 1);
    let files = server.requests_to("/v1/file");
    let auths: Vec<Option<&str>> = files[2..]
        .iter()
        .map(|r| r.header("authorization"))
        .collect();
    assert_eq!(
        auths,
        [
            Some("Bearer tok-1"),
            Some("Bearer tok-1"),
            Some("Bearer tok-2")
        ]
    );
    assert_eq!(range_start(&files[4]), Some(100_000));
    assert_eq!(issued.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn only_repeatable_requests_are_resumed() {
    let server = Server::start(cutting_every(200_000)).await;
    let core = core_with(&server, Auth::None, config());
    let post = || {
        core.request(Method::POST, "/file".into(), "exportFile")
            .accept("text/csv")
            .json(&json!({"query": "select 1"}))
    };

    // A POST without an Idempotency-Key is not sent again.
    let mut d = post().send_download::<Value>().await.unwrap();
    assert!(!d.is_resumable());
    let err = read_all(&mut d).await.unwrap_err();
    assert!(matches!(err, DownloadError::Truncated { .. }), "{err:?}");
    assert_eq!(server.requests().len(), 1);

    // With one, it is, with the same key and body.
    let mut d = post()
        .idempotency_key(Some("key-1".into()))
        .send_download::<Value>()
        .await
        .unwrap();
    same_file(&read_all(&mut d).await.unwrap()).unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    for request in &requests[1..] {
        assert_eq!(request.method, "POST");
        assert_eq!(request.header("idempotency-key"), Some("key-1"));
        assert_eq!(request.body, br#"{"query":"select 1"}"#);
    }
    assert_eq!(requests[2].header("range"), Some("bytes=200000-"));

    // A caller's own Range header turns resumption off.
    let d = core
        .request(Method::GET, "/file".into(), "getFile")
        .header("Range", "bytes=0-".into())
        .send_download::<Value>()
        .await
        .unwrap();
    assert!(!d.is_resumable());
    let err = d.write_to(&mut Vec::new()).await.unwrap_err();
    assert!(matches!(err, DownloadError::Truncated { .. }), "{err:?}");
    assert_eq!(server.requests().len(), 4);

    // The client's error type carries the download error.
    let err: Error<Value> = err.into();
    assert!(matches!(err, Error::Download(_)), "{err:?}");
}
