//! Result downloads: `download_job_results` (segments, gzip, zip, names that never collide),
//! redirects, cut-short bodies and existing files.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::{Value, json};
use zuora_aqua::{DownloadError, DownloadOptions, Error, Job};

use super::{BASIC, basic, completed_job, csv, gzip, listing, summary, zip_archive};
use crate::support::{RawServer, Reply, TestServer};

/// Serves `files` by the last segment of the path, 404 for anything else.
async fn file_server(files: HashMap<&'static str, (&'static str, Vec<u8>)>) -> TestServer {
    TestServer::scripted(move |r| {
        let id = r.path().rsplit('/').next().unwrap_or_default();
        match files.get(id) {
            Some((content_type, bytes)) if r.method == "GET" => {
                Reply::new(200, content_type, bytes.clone())
            }
            _ => Reply::json(
                404,
                r#"{"reasons":[{"code":"NotFound","message":"no file"}]}"#,
            ),
        }
    })
    .await
}

#[tokio::test]
async fn a_segmented_job_is_written_whole_under_the_documented_names() {
    let (s1, s2, f3) = (csv("seg1", 48), csv("seg2", 33), csv("invoices", 70));
    let server = file_server(HashMap::from([
        ("s1", ("text/csv", s1.clone())),
        ("s2", ("text/csv", s2.clone())),
        ("f3", ("text/csv", f3.clone())),
    ]))
    .await;
    let job = completed_job(
        "CSV",
        json!([
            {"name": "accounts", "status": "completed", "segments": ["s1", "s2"]},
            {"name": "invoices", "status": "completed", "fileId": "f3"},
        ]),
    );
    for (base, prefix) in [
        (server.v1(), "/v1/files/"),
        (server.base_url(), "/apps/api/file/"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let files = basic(&base)
            .download_job_results(&job, d, DownloadOptions::default())
            .await
            .unwrap();
        assert_eq!(
            summary(&files),
            [
                (
                    "accounts".to_owned(),
                    "s1".to_owned(),
                    d.join("accounts.part001.csv"),
                    s1.len() as u64
                ),
                (
                    "accounts".to_owned(),
                    "s2".to_owned(),
                    d.join("accounts.part002.csv"),
                    s2.len() as u64
                ),
                (
                    "invoices".to_owned(),
                    "f3".to_owned(),
                    d.join("invoices.csv"),
                    f3.len() as u64
                ),
            ]
        );
        assert_eq!(std::fs::read(d.join("accounts.part001.csv")).unwrap(), s1);
        assert_eq!(std::fs::read(d.join("accounts.part002.csv")).unwrap(), s2);
        assert_eq!(std::fs::read(d.join("invoices.csv")).unwrap(), f3);
        assert_eq!(
            listing(d),
            [
                "accounts.part001.csv",
                "accounts.part002.csv",
                "invoices.csv"
            ]
        );
        let mut fetched: Vec<String> = server
            .lines()
            .into_iter()
            .filter(|l| l.starts_with(&format!("GET {prefix}")))
            .collect();
        fetched.sort();
        let mut expected: Vec<String> = ["s1", "s2", "f3"]
            .iter()
            .map(|id| format!("GET {prefix}{id}"))
            .collect();
        expected.sort();
        assert_eq!(fetched, expected);
    }
    assert_eq!(server.requests().len(), 6);
}

#[tokio::test]
async fn gzip_results_are_kept_or_decompressed() {
    let content = csv("gzipped", 64);
    let compressed = gzip(&content);
    assert_ne!(compressed, content);
    let server = file_server(HashMap::from([(
        "g1",
        ("application/x-gzip", compressed.clone()),
    )]))
    .await;
    let job = completed_job(
        "GZIP",
        json!([{"name": "accounts", "status": "completed", "fileId": "g1"}]),
    );
    let client = basic(&server.v1());

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let files = client
        .download_job_results(&job, d, DownloadOptions::default().decompress(true))
        .await
        .unwrap();
    assert_eq!(
        summary(&files),
        [(
            "accounts".to_owned(),
            "g1".to_owned(),
            d.join("accounts.csv"),
            content.len() as u64
        )]
    );
    assert_eq!(std::fs::read(d.join("accounts.csv")).unwrap(), content);
    assert_eq!(listing(d), ["accounts.csv"]);

    let kept = tempfile::tempdir().unwrap();
    let k = kept.path();
    let files = client
        .download_job_results(&job, k, DownloadOptions::default())
        .await
        .unwrap();
    assert_eq!(
        summary(&files),
        [(
            "accounts".to_owned(),
            "g1".to_owned(),
            k.join("accounts.csv.gz"),
            compressed.len() as u64
        )]
    );
    assert_eq!(
        std::fs::read(k.join("accounts.csv.gz")).unwrap(),
        compressed
    );
    assert_eq!(listing(k), ["accounts.csv.gz"]);
    assert_eq!(server.lines(), ["GET /v1/files/g1"; 2]);
}

#[tokio::test]
async fn zip_results_are_kept_or_unpacked() {
    let content = csv("zipped", 40);
    let archive = zip_archive(&[("accounts.csv", &content)]);
    let two = zip_archive(&[("a.csv", b"Id\n1\n"), ("b.csv", b"Id\n2\n")]);
    let server = file_server(HashMap::from([
        ("z1", ("application/zip", archive.clone())),
        ("z2", ("application/zip", two.clone())),
    ]))
    .await;
    let client = basic(&server.v1());
    let job = |id: &str| {
        completed_job(
            "ZIP",
            json!([{"name": "accounts", "status": "completed", "fileId": id}]),
        )
    };

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let files = client
        .download_job_results(&job("z1"), d, DownloadOptions::default().decompress(true))
        .await
        .unwrap();
    assert_eq!(
        summary(&files),
        [(
            "accounts".to_owned(),
            "z1".to_owned(),
            d.join("accounts.csv"),
            content.len() as u64
        )]
    );
    assert_eq!(std::fs::read(d.join("accounts.csv")).unwrap(), content);
    assert_eq!(listing(d), ["accounts.csv"]);

    let kept = tempfile::tempdir().unwrap();
    let files = client
        .download_job_results(&job("z1"), kept.path(), DownloadOptions::default())
        .await
        .unwrap();
    assert_eq!(files[0].path, kept.path().join("accounts.zip"));
    assert_eq!(std::fs::read(&files[0].path).unwrap(), archive);
    assert_eq!(listing(kept.path()), ["accounts.zip"]);

    // An archive of two files cannot be one CSV: refused, no partial CSV, no temporary file.
    let refused = tempfile::tempdir().unwrap();
    let err = client
        .download_job_results(
            &job("z2"),
            refused.path(),
            DownloadOptions::default().decompress(true),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Download(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("expected one file in the zip archive, found 2"),
        "{err}"
    );
    // The archive itself arrived whole and is kept as received.
    assert_eq!(listing(refused.path()), ["accounts.zip"]);
    assert_eq!(
        std::fs::read(refused.path().join("accounts.zip")).unwrap(),
        two
    );
}

#[tokio::test]
async fn a_transparently_compressed_download_is_saved_decompressed() {
    let content = csv("transport", 64);
    let compressed = gzip(&content);
    let server = TestServer::scripted(move |_| {
        Reply::new(200, "text/csv", compressed.clone()).header("content-encoding", "gzip")
    })
    .await;
    let client = basic(&server.v1());
    let job = completed_job(
        "CSV",
        json!([{"name": "accounts", "status": "completed", "fileId": "f1"}]),
    );
    let dir = tempfile::tempdir().unwrap();
    let files = client
        .download_job_results(&job, dir.path(), DownloadOptions::default())
        .await
        .unwrap();
    assert_eq!(files[0].bytes, content.len() as u64);
    assert_eq!(
        std::fs::read(dir.path().join("accounts.csv")).unwrap(),
        content
    );
    assert_eq!(listing(dir.path()), ["accounts.csv"]);
}

#[tokio::test]
async fn a_redirected_download_does_not_take_the_credentials_elsewhere() {
    let content = csv("redirected", 24);
    let served = content.clone();
    let storage = TestServer::scripted(move |_| Reply::new(200, "text/csv", served.clone())).await;
    let location = storage.url("/blob/F1?signature=abc");
    let api = TestServer::scripted(move |_| {
        Reply::new(302, "text/plain", "").header("location", &location)
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("F1.csv");
    let written = basic(&api.v1())
        .download_file("F1")
        .await
        .unwrap()
        .save(&path, false)
        .await
        .unwrap();
    assert_eq!(written, content.len() as u64);
    assert_eq!(std::fs::read(&path).unwrap(), content);
    assert_eq!(api.lines(), ["GET /v1/files/F1"]);
    assert_eq!(api.requests()[0].header("authorization"), Some(BASIC));
    let fetched = storage.requests();
    assert_eq!(fetched.len(), 1);
    assert_eq!(fetched[0].target, "/blob/F1?signature=abc");
    assert_eq!(fetched[0].header("authorization"), None);
}

#[tokio::test]
async fn a_download_cut_short_fails_and_leaves_no_file() {
    let body = csv("cut", 8);
    let announced = body.len() as u64 * 10;
    let mut response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/csv\r\ncontent-length: {announced}\r\n\
         connection: close\r\n\r\n"
    )
    .into_bytes();
    response.extend_from_slice(&body);
    let server = RawServer::start(2, response).await;
    let client = basic(&server.url("/v1"));
    let dir = tempfile::tempdir().unwrap();

    let download = client.download_file("F1").await.unwrap();
    assert_eq!(download.content_length(), Some(announced));
    let err = download
        .save(&dir.path().join("F1.csv"), false)
        .await
        .unwrap_err();
    let DownloadError::Truncated { expected, received } = err else {
        panic!("{err:?}")
    };
    assert_eq!((expected, received), (announced, body.len() as u64));
    assert!(listing(dir.path()).is_empty(), "{:?}", listing(dir.path()));

    let job = completed_job(
        "CSV",
        json!([{"name": "accounts", "status": "completed", "fileId": "F1"}]),
    );
    let err = client
        .download_job_results(&job, dir.path(), DownloadOptions::default())
        .await
        .unwrap_err();
    let Error::Download(download_error) = &err else {
        panic!("{err:?}")
    };
    assert!(
        matches!(**download_error, DownloadError::Truncated { expected, .. } if expected == announced),
        "{err:?}"
    );
    assert!(listing(dir.path()).is_empty(), "{:?}", listing(dir.path()));

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for head in requests {
        assert!(head.starts_with("GET /v1/files/F1 HTTP/1.1\r\n"), "{head}");
    }
}

#[tokio::test]
async fn a_job_that_is_not_completed_is_refused() {
    let server = TestServer::start(200, "text/csv", "Id\n1\n").await;
    let client = basic(&server.v1());
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("results");
    for (status, shown) in [
        (json!("submitted"), "submitted"),
        (json!("executing"), "executing"),
        (json!("error"), "error"),
        (json!("queued"), "queued"),
        (Value::Null, "of unknown status"),
    ] {
        let mut value = json!({
            "id": "J",
            "format": "CSV",
            "batches": [{"name": "accounts", "fileId": "f1"}],
        });
        if !status.is_null() {
            value["status"] = status;
        }
        let job: Job = serde_json::from_value(value).unwrap();
        let err = client
            .download_job_results(&job, &dir, DownloadOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!("invalid request: job J is {shown}, not completed: wait for it first")
        );
    }
    assert!(!dir.exists());
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn existing_files_are_kept_unless_overwriting_is_allowed() {
    let content = csv("fresh", 16);
    let server = file_server(HashMap::from([("f1", ("text/csv", content.clone()))])).await;
    let client = basic(&server.v1());
    let job = completed_job(
        "CSV",
        json!([{"name": "accounts", "status": "completed", "fileId": "f1"}]),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts.csv");
    std::fs::write(&path, "old").unwrap();

    let err = client
        .download_job_results(&job, dir.path(), DownloadOptions::default())
        .await
        .unwrap_err();
    let Error::Download(download_error) = &err else {
        panic!("{err:?}")
    };
    assert!(
        matches!(&**download_error, DownloadError::Exists { path: p } if *p == path),
        "{err:?}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"old");
    assert_eq!(listing(dir.path()), ["accounts.csv"]);

    let files = client
        .download_job_results(&job, dir.path(), DownloadOptions::default().overwrite(true))
        .await
        .unwrap();
    assert_eq!(
        summary(&files),
        [(
            "accounts".to_owned(),
            "f1".to_owned(),
            path.clone(),
            content.len() as u64
        )]
    );
    assert_eq!(std::fs::read(&path).unwrap(), content);
    assert_eq!(listing(dir.path()), ["accounts.csv"]);
}

/// Query names are unique within a job (the spec says so); two different batches must never be
/// written to the same file.
async fn assert_distinct_files(batches: Value, served: &[(&'static str, Vec<u8>)]) {
    let server = file_server(
        served
            .iter()
            .map(|(id, bytes)| (*id, ("text/csv", bytes.clone())))
            .collect(),
    )
    .await;
    let job = completed_job("CSV", batches);
    let dir = tempfile::tempdir().unwrap();
    let files = basic(&server.v1())
        .download_job_results(&job, dir.path(), DownloadOptions::default())
        .await
        .unwrap_or_else(|e| panic!("the batches' files collide: {e}"));
    let mut paths: Vec<&PathBuf> = files.iter().map(|f| &f.path).collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), served.len(), "{:?}", summary(&files));
    for (id, bytes) in served {
        let file = files.iter().find(|f| f.file_id == *id).unwrap();
        assert_eq!(&std::fs::read(&file.path).unwrap(), bytes, "{id}");
    }
    assert_eq!(listing(dir.path()).len(), served.len());
}

#[tokio::test]
async fn segment_file_names_never_collide_with_another_batch() {
    assert_distinct_files(
        json!([
            {"name": "Account", "status": "completed", "segments": ["s1", "s2"]},
            {"name": "Account.part001", "status": "completed", "fileId": "f3"},
        ]),
        &[
            ("s1", csv("s1", 4)),
            ("s2", csv("s2", 4)),
            ("f3", csv("f3", 4)),
        ],
    )
    .await;
}

#[tokio::test]
async fn deduplicated_file_names_never_collide_with_another_batch() {
    // "Invoice item" and "Invoice/item" both become the stem `Invoice_item`; the second one is
    // renamed `Invoice_item-3`, which is the stem of the batch named "Invoice_item-3".
    assert_distinct_files(
        json!([
            {"name": "Invoice item", "status": "completed", "fileId": "f1"},
            {"name": "Invoice_item-3", "status": "completed", "fileId": "f2"},
            {"name": "Invoice/item", "status": "completed", "fileId": "f3"},
        ]),
        &[
            ("f1", csv("f1", 4)),
            ("f2", csv("f2", 4)),
            ("f3", csv("f3", 4)),
        ],
    )
    .await;
}
