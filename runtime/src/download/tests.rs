//! Downloads over real HTTP on 127.0.0.1: lengths, stalls, atomic saves, the writer.

use std::time::Instant;

use futures_util::TryStreamExt;
use serde_json::{Value, json};

use super::*;
use crate::test_server::{Recorded, Server, Step, TempDir, head, respond};
use crate::{Auth, ClientConfig, ClientCore, Error, Method};

/// 300 000 bytes that are not a repetition of a short pattern.
fn payload() -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    (0..300_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// The payload in five writes with pauses, with or without `Content-Length`.
fn in_pieces(with_length: bool) -> Vec<Step> {
    let body = payload();
    let length = with_length.then_some(body.len() as u64);
    let mut steps = vec![Step::Write(head(200, "text/csv", length).into_bytes())];
    for piece in body.chunks(60_000) {
        steps.push(Step::Sleep(Duration::from_millis(10)));
        steps.push(Step::Write(piece.to_vec()));
    }
    steps
}

/// A head announcing `announced` bytes, then `sent` bytes, then `pause`, then the close.
fn short(announced: u64, sent: usize, pause: Duration) -> Vec<Step> {
    vec![
        Step::Write(head(200, "text/csv", Some(announced)).into_bytes()),
        Step::Write(vec![b'x'; sent]),
        Step::Sleep(pause),
    ]
}

fn core(server: &Server, stall: Duration) -> ClientCore {
    let config = ClientConfig::default()
        // The total timeout of JSON calls must not apply to downloads.
        .with_timeout(Duration::from_millis(100))
        .with_download_stall_timeout(stall);
    ClientCore::new(&server.url("/v1"), Auth::None, "aqua-test/1", config).unwrap()
}

async fn download(core: &ClientCore, path: &str) -> Result<Download, Error<Value>> {
    core.request(Method::GET, path.into(), "getFile")
        .accept("text/csv")
        .send_download::<Value>()
        .await
}

fn server_handler(request: &Recorded) -> Vec<Step> {
    match request.path() {
        "/v1/file" => in_pieces(true),
        "/v1/chunked" => in_pieces(false),
        "/v1/truncated" => short(1000, 300, Duration::ZERO),
        "/v1/stall" => short(1000, 10, Duration::from_secs(2)),
        "/v1/slow-head" => vec![Step::Sleep(Duration::from_secs(2))],
        "/v1/slow-but-steady" => {
            let mut steps = vec![Step::Write(head(200, "text/csv", Some(10)).into_bytes())];
            for _ in 0..10 {
                steps.push(Step::Sleep(Duration::from_millis(40)));
                steps.push(Step::Write(b"y".to_vec()));
            }
            steps
        }
        "/v1/missing" => respond(
            404,
            "application/json",
            json!({"reasons": [{"code": "NotFound", "message": "no such file"}]}).to_string(),
        ),
        _ => respond(500, "text/plain", "unexpected"),
    }
}

#[tokio::test]
async fn multi_chunk_bodies_arrive_exactly() {
    let server = Server::start(server_handler).await;
    let core = core(&server, Duration::from_secs(5));
    let expected = payload();

    let d = download(&core, "/file").await.unwrap();
    assert_eq!(d.status(), StatusCode::OK);
    assert_eq!(d.content_type(), Some("text/csv"));
    assert_eq!(d.content_length(), Some(expected.len() as u64));
    assert!(d.headers().contains_key("content-length"));
    assert!(format!("{d:?}").contains("text/csv"));
    let request = &server.requests_to("/v1/file")[0];
    assert_eq!(request.header("accept"), Some("text/csv"));

    let mut d = d;
    let mut got = Vec::new();
    let mut chunks = 0;
    while let Some(chunk) = d.next_chunk().await.unwrap() {
        got.extend_from_slice(&chunk);
        chunks += 1;
    }
    assert!(chunks > 1, "{chunks}");
    assert!(got == expected, "the bytes differ");
    assert!(d.next_chunk().await.unwrap().is_none());

    for path in ["/file", "/chunked"] {
        let stream = download(&core, path).await.unwrap().into_stream();
        let parts: Vec<bytes::Bytes> = stream.try_collect().await.unwrap();
        assert!(parts.concat() == expected, "{path}: the bytes differ");

        let mut out = Vec::new();
        let n = download(&core, path)
            .await
            .unwrap()
            .write_to(&mut out)
            .await
            .unwrap();
        assert_eq!(n, expected.len() as u64);
        assert!(out == expected, "{path}: the bytes differ");
    }

    let dir = TempDir::new("exact");
    let target = dir.path.join("result.csv");
    let n = download(&core, "/file")
        .await
        .unwrap()
        .save(&target, false)
        .await
        .unwrap();
    assert_eq!(n, expected.len() as u64);
    assert!(std::fs::read(&target).unwrap() == expected);
    assert_eq!(dir.entries(), ["result.csv"]);
}

#[tokio::test]
async fn truncated_bodies_fail_and_leave_no_file() {
    let server = Server::start(server_handler).await;
    let core = core(&server, Duration::from_secs(5));
    let dir = TempDir::new("truncated");
    let target = dir.path.join("result.csv");
    let err = download(&core, "/truncated")
        .await
        .unwrap()
        .save(&target, false)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            DownloadError::Truncated {
                expected: 1000,
                received: 300
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("300") && err.to_string().contains("1000"));
    assert!(dir.entries().is_empty(), "{:?}", dir.entries());

    // The same through the stream, and as the client's error type.
    let stream = download(&core, "/truncated").await.unwrap().into_stream();
    let err = stream.try_collect::<Vec<_>>().await.unwrap_err();
    assert!(matches!(err, DownloadError::Truncated { .. }), "{err:?}");
    let err: Error<Value> = err.into();
    assert!(matches!(err, Error::Download(_)), "{err:?}");
    assert!(err.to_string().contains("1000"), "{err}");
}

#[tokio::test]
async fn existing_targets_are_kept_unless_overwriting() {
    let server = Server::start(server_handler).await;
    let core = core(&server, Duration::from_secs(5));
    let dir = TempDir::new("exists");
    let target = dir.path.join("result.csv");
    std::fs::write(&target, "old").unwrap();
    let err = download(&core, "/file")
        .await
        .unwrap()
        .save(&target, false)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DownloadError::Exists { path } if *path == target),
        "{err:?}"
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"old");
    assert_eq!(dir.entries(), ["result.csv"]);

    let n = download(&core, "/file")
        .await
        .unwrap()
        .save(&target, true)
        .await
        .unwrap();
    assert_eq!(n, 300_000);
    assert!(std::fs::read(&target).unwrap() == payload());
    assert_eq!(dir.entries(), ["result.csv"]);

    // A failed overwrite leaves the old file.
    let err = download(&core, "/truncated")
        .await
        .unwrap()
        .save(&target, true)
        .await
        .unwrap_err();
    assert!(matches!(err, DownloadError::Truncated { .. }), "{err:?}");
    assert!(std::fs::read(&target).unwrap() == payload());
    assert_eq!(dir.entries(), ["result.csv"]);
}

#[tokio::test]
async fn stalls_are_detected_in_the_body_and_in_the_head() {
    let server = Server::start(server_handler).await;
    let core = core(&server, Duration::from_millis(200));
    let dir = TempDir::new("stall");
    let target = dir.path.join("result.csv");

    let started = Instant::now();
    let err = download(&core, "/stall")
        .await
        .unwrap()
        .save(&target, false)
        .await
        .unwrap_err();
    assert!(
        matches!(err, DownloadError::Stalled { after } if after == Duration::from_millis(200)),
        "{err:?}"
    );
    assert!(err.is_timeout());
    assert!(started.elapsed() < Duration::from_millis(1500));
    assert!(dir.entries().is_empty(), "{:?}", dir.entries());

    let err = download(&core, "/slow-head").await.unwrap_err();
    assert!(
        matches!(&err, Error::Download(e) if matches!(**e, DownloadError::Stalled { .. })),
        "{err:?}"
    );
    assert!(err.is_timeout());

    // A download slower than the JSON timeout, but never stalling, succeeds.
    let core = self::core(&server, Duration::from_millis(200));
    let mut out = Vec::new();
    let n = download(&core, "/slow-but-steady")
        .await
        .unwrap()
        .write_to(&mut out)
        .await
        .unwrap();
    assert_eq!((n, out.as_slice()), (10, &b"yyyyyyyyyy"[..]));
}

#[tokio::test]
async fn dropping_a_save_removes_the_temporary_file() {
    let server = Server::start(server_handler).await;
    let core = core(&server, Duration::from_secs(10));
    let dir = TempDir::new("dropped");
    let target = dir.path.join("result.csv");
    let d = download(&core, "/stall").await.unwrap();
    let task = tokio::spawn(async move { d.save(&target, false).await });
    // Wait until the temporary file exists, then drop the save in the middle.
    let mut seen = Vec::new();
    for _ in 0..200 {
        seen = dir.entries();
        if !seen.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].starts_with(".result.csv.part-"), "{seen:?}");
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert!(dir.entries().is_empty(), "{:?}", dir.entries());
}

/// Larger than two writeback steps, and not a multiple of one.
const BIG: usize = (20 << 20) + 12_345;

#[tokio::test]
async fn bodies_larger_than_the_writeback_step_are_saved_exactly() {
    let server = Server::start(|request: &Recorded| {
        let body = crate::test_server::pseudo_random_bytes(BIG);
        match request.path() {
            "/v1/big" => {
                let mut steps = vec![Step::Write(
                    head(200, "text/csv", Some(BIG as u64)).into_bytes(),
                )];
                steps.extend(body.chunks(1 << 20).map(|c| Step::Write(c.to_vec())));
                steps
            }
            // Announces BIG bytes, sends more than a writeback step, then closes.
            "/v1/big-truncated" => vec![
                Step::Write(head(200, "text/csv", Some(BIG as u64)).into_bytes()),
                Step::Write(body[..(17 << 20)].to_vec()),
            ],
            _ => respond(500, "text/plain", "unexpected"),
        }
    })
    .await;
    let core = core(&server, Duration::from_secs(10));
    let dir = TempDir::new("big");
    let target = dir.path.join("result.csv");

    let mut seen = Vec::new();
    let n = download(&core, "/big")
        .await
        .unwrap()
        .save_with_progress(&target, false, |n| seen.push(n))
        .await
        .unwrap();
    assert_eq!(n, BIG as u64);
    assert!(
        std::fs::read(&target).unwrap() == crate::test_server::pseudo_random_bytes(BIG),
        "the bytes differ"
    );
    assert_eq!(dir.entries(), ["result.csv"]);
    assert!(seen.len() > 1 && seen.is_sorted(), "{seen:?}");
    assert_eq!(seen.last(), Some(&(BIG as u64)));

    let target = dir.path.join("cut.csv");
    let err = download(&core, "/big-truncated")
        .await
        .unwrap()
        .save(&target, false)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            DownloadError::Truncated { expected, received }
                if expected == BIG as u64 && received == 17 << 20
        ),
        "{err:?}"
    );
    assert_eq!(dir.entries(), ["result.csv"]);
}

#[tokio::test]
async fn error_statuses_are_status_errors() {
    let server = Server::start(server_handler).await;
    let core = core(&server, Duration::from_secs(5));
    let err = download(&core, "/missing").await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert!(matches!(err, Error::Status(_)), "{err:?}");
    assert_eq!(err.zuora_message().as_deref(), Some("no such file"));
}

#[tokio::test]
async fn unusable_targets_are_io_errors() {
    let server = Server::start(server_handler).await;
    let core = core(&server, Duration::from_secs(5));
    let dir = TempDir::new("io");
    let target = dir.path.join("no-such-dir").join("result.csv");
    let err = download(&core, "/file")
        .await
        .unwrap()
        .save(&target, false)
        .await
        .unwrap_err();
    assert!(matches!(err, DownloadError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("no-such-dir"), "{err}");
    assert!(dir.entries().is_empty());
}
