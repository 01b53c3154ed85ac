//! Range requests on result files, and downloads cut by the `truncated` faults that the
//! client resumes (or must not), observed through a recording proxy.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use aqua_server::LocalServer;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use zuora_aqua::runtime::DownloadError;
use zuora_aqua::{Client, Credentials};

use crate::support::*;

const QUERY: &str = "select * from Account";

/// Runs a job through a client of the server itself (not the proxy); returns its first file
/// ID and the file's bytes as a fault-free raw request gets them.
async fn file_of_a_job(server: &LocalServer) -> (String, Vec<u8>) {
    let job = run(
        &basic(server),
        json!({"queries": [{"name": "A", "query": QUERY}]}),
    )
    .await;
    let file = batch_files(&job, 0).remove(0);
    let (status, bytes) = whole_file(server, &file).await;
    assert_eq!(status, 200);
    assert!(bytes.len() > 10_000, "{} bytes", bytes.len());
    (file, bytes)
}

/// The file as a raw `GET` without range gets it.
async fn whole_file(server: &LocalServer, file: &str) -> (u16, Vec<u8>) {
    let response = raw(
        server.addr(),
        "GET",
        &format!("/v1/files/{file}"),
        &[DEMO_BASIC],
        b"",
    )
    .await;
    (response.status, response.body)
}

/// A TCP proxy in front of a server that records what clients send.
struct Proxy {
    addr: SocketAddr,
    sent: Arc<Mutex<Vec<u8>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("an address");
        let sent = Arc::new(Mutex::new(Vec::new()));
        let record = sent.clone();
        let task = tokio::spawn(async move {
            for _ in 0..100 {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let record = record.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (mut from_client, mut to_client) = client.into_split();
                    let (mut from_server, mut to_server) = server.into_split();
                    let requests = async {
                        let mut buf = vec![0u8; 16 * 1024];
                        loop {
                            let n = match from_client.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => n,
                            };
                            record.lock().unwrap().extend_from_slice(&buf[..n]);
                            if to_server.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    };
                    let responses = async {
                        let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
                        let _ = to_client.shutdown().await;
                    };
                    // When either side is done, the connection is: both halves are dropped.
                    tokio::select! {
                        () = requests => {}
                        () = responses => {}
                    }
                });
            }
        });
        Proxy { addr, sent, task }
    }

    fn url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The heads (lower case) of the requests of `file` sent so far.
    fn file_heads(&self, file: &str) -> Vec<String> {
        let text = String::from_utf8_lossy(&self.sent.lock().unwrap()).to_ascii_lowercase();
        let line = format!("get /v1/files/{file} http/1.1\r\n");
        text.match_indices(&line)
            .map(|(at, _)| {
                let head = &text[at..];
                head[..head.find("\r\n\r\n").unwrap_or(head.len())].to_owned()
            })
            .collect()
    }
}

/// The value of `name` (lower case) in a recorded head.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.trim() == name)
        .map(|(_, v)| v.trim())
}

#[tokio::test]
async fn files_are_served_in_ranges() {
    let server = start(fast()).await;
    let (file, bytes) = file_of_a_job(&server).await;
    let total = bytes.len();
    let path = format!("/v1/files/{file}");
    let get = |headers: Vec<(&'static str, String)>| {
        let path = path.clone();
        let addr = server.addr();
        async move {
            let mut all: Vec<(&str, &str)> = vec![DEMO_BASIC];
            all.extend(headers.iter().map(|(n, v)| (*n, v.as_str())));
            raw(addr, "GET", &path, &all, b"").await
        }
    };

    let whole = get(vec![]).await;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.header("Accept-Ranges"), Some("bytes"));
    let etag = whole.header("ETag").expect("an ETag").to_owned();
    assert!(etag.starts_with('"') && etag.contains(&file), "{etag}");
    assert_eq!(whole.header("Content-Length"), Some(&*total.to_string()));
    assert_eq!(whole.header("Content-Range"), None);

    let from = total / 3;
    let rest = get(vec![("Range", format!("bytes={from}-"))]).await;
    assert_eq!(rest.status, 206);
    assert_eq!(
        rest.header("Content-Range"),
        Some(&*format!("bytes {from}-{}/{total}", total - 1))
    );
    assert_eq!(
        rest.header("Content-Length"),
        Some(&*(total - from).to_string())
    );
    assert_eq!(rest.header("Accept-Ranges"), Some("bytes"));
    assert_eq!(rest.header("ETag"), Some(&*etag));
    assert!(rest.body == bytes[from..], "the rest differs");

    let part = get(vec![("Range", "bytes=10-19".into())]).await;
    assert_eq!(part.status, 206);
    assert_eq!(
        part.header("Content-Range"),
        Some(&*format!("bytes 10-19/{total}"))
    );
    assert_eq!(part.body, bytes[10..20]);

    let past = get(vec![("Range", format!("bytes={total}-"))]).await;
    assert_eq!(past.status, 416);
    assert_eq!(
        past.header("Content-Range"),
        Some(&*format!("bytes */{total}"))
    );
    assert_eq!(past.header("Accept-Ranges"), Some("bytes"));
    assert_eq!(past.json()["reasons"][0]["code"], 50000020);

    // If-Range: the range only for the same file.
    let same = get(vec![
        ("Range", format!("bytes={from}-")),
        ("If-Range", etag.clone()),
    ])
    .await;
    assert_eq!(same.status, 206);
    assert!(same.body == bytes[from..]);
    let other = get(vec![
        ("Range", format!("bytes={from}-")),
        ("If-Range", "\"another\"".into()),
    ])
    .await;
    assert_eq!(other.status, 200);
    assert!(other.body == bytes, "the whole file, not a part");

    // Several ranges are not served as multipart: the whole file.
    let several = get(vec![("Range", "bytes=0-1,5-6".into())]).await;
    assert_eq!(several.status, 200);
    assert!(several.body == bytes);

    // The legacy path serves ranges too.
    let legacy = raw(
        server.addr(),
        "GET",
        &format!("/apps/api/file/{file}"),
        &[DEMO_BASIC, ("Range", "bytes=-5")],
        b"",
    )
    .await;
    assert_eq!(legacy.status, 206);
    assert_eq!(legacy.body, bytes[total - 5..]);
    server.shutdown().await;
}

/// Runs a job through a client of the server itself (not the proxy); returns its first file
/// ID, not requested yet.
async fn new_file(server: &LocalServer, name: &str) -> String {
    let job = run(
        &basic(server),
        json!({"queries": [{"name": name, "query": QUERY}]}),
    )
    .await;
    batch_files(&job, 0).remove(0)
}

/// Saves `file` downloaded through `proxy` with `credentials` (the server's `once` rule cuts
/// its first request), then checks the saved bytes against a fault-free raw download, and
/// that the proxy saw the request, then a range request from half the file on. Returns the
/// heads of the two requests.
async fn resumed_download(
    server: &LocalServer,
    proxy: &Proxy,
    credentials: Credentials,
    file: &str,
) -> Vec<String> {
    let client: Client = client_for(&proxy.url(), credentials);
    let dir = TempDir::new("resumed");
    std::fs::create_dir_all(&dir.0).unwrap();
    let target = dir.0.join("result.csv");
    let download = client.download_file(file).await.expect("the head arrives");
    assert!(download.is_resumable());
    let n = download
        .save(&target, false)
        .await
        .expect("resumed and saved");

    let (status, expected) = whole_file(server, file).await;
    assert_eq!(status, 200);
    assert_eq!(n, expected.len() as u64);
    assert!(
        std::fs::read(&target).unwrap() == expected,
        "the saved file differs from the fault-free download"
    );
    let names: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["result.csv"]);

    let heads = proxy.file_heads(file);
    assert_eq!(heads.len(), 2, "{heads:#?}");
    assert_eq!(header(&heads[0], "range"), None);
    // The fault sends the first half of the file.
    let cut = expected.len() / 2;
    assert_eq!(header(&heads[1], "range"), Some(&*format!("bytes={cut}-")));
    assert_eq!(header(&heads[1], "if-range"), Some(&*format!("\"{file}\"")));
    assert_eq!(
        header(&heads[1], "authorization"),
        header(&heads[0], "authorization")
    );
    heads
}

#[tokio::test]
async fn a_download_cut_once_resumes_to_the_same_bytes() {
    let server = start(with_faults(&["truncated:once:op=downloadFile"])).await;
    let proxy = Proxy::start(server.addr()).await;

    // Basic credentials.
    let file = new_file(&server, "A").await;
    let heads = resumed_download(&server, &proxy, Credentials::basic("demo", "demo"), &file).await;
    assert!(
        header(&heads[1], "authorization").is_some_and(|a| a.starts_with("basic ")),
        "{heads:#?}"
    );
    assert_eq!(server.stats().faults_injected, 1);

    // OAuth: the cached token authenticates the range request.
    let file = new_file(&server, "B").await;
    let tokens = server.stats().token_requests;
    let heads = resumed_download(
        &server,
        &proxy,
        Credentials::oauth("demo-client", "demo-secret"),
        &file,
    )
    .await;
    assert!(
        header(&heads[1], "authorization").is_some_and(|a| a.starts_with("bearer ")),
        "{heads:#?}"
    );
    assert_eq!(server.stats().token_requests, tokens + 1);
    assert_eq!(server.stats().faults_injected, 2);

    // A file already cut once is served whole afterwards, by any client.
    let (_, again) = download(&basic(&server), &file).await;
    let (_, expected) = whole_file(&server, &file).await;
    assert!(again == expected);
    assert_eq!(server.stats().faults_injected, 2);
    server.shutdown().await;
}

#[tokio::test]
async fn a_download_cut_every_time_fails_after_three_resumptions() {
    let server = start(with_faults(&["truncated:resumable:op=downloadFile"])).await;
    let proxy = Proxy::start(server.addr()).await;
    let file = new_file(&server, "A").await;
    let client = client_for(&proxy.url(), Credentials::basic("demo", "demo"));
    let dir = TempDir::new("cut-every-time");
    std::fs::create_dir_all(&dir.0).unwrap();
    let download = client.download_file(&file).await.expect("the head arrives");
    let total = download.content_length().expect("Content-Length");
    let err = download
        .save(&dir.0.join("result.csv"), false)
        .await
        .unwrap_err();
    let DownloadError::Truncated { expected, received } = err else {
        panic!("{err:?}")
    };
    assert_eq!(expected, total);
    assert!(received > total / 2 && received < total, "{received}");
    assert_eq!(std::fs::read_dir(&dir.0).unwrap().count(), 0);

    // The request, then three range requests, each from where the previous one stopped.
    let heads = proxy.file_heads(&file);
    let ranges: Vec<Option<u64>> = heads
        .iter()
        .map(|h| {
            header(h, "range")
                .and_then(|r| r.strip_prefix("bytes=")?.strip_suffix('-')?.parse().ok())
        })
        .collect();
    assert_eq!(ranges.len(), 4, "{heads:#?}");
    assert_eq!(ranges[0], None);
    assert_eq!(ranges[1], Some(total / 2));
    assert!(ranges[1..].windows(2).all(|w| w[0] < w[1]), "{ranges:?}");
    assert_eq!(server.stats().faults_injected, 4);
    server.shutdown().await;
}

#[tokio::test]
async fn a_plain_truncation_is_not_resumed() {
    let server = start(with_faults(&["truncated:op=downloadFile"])).await;
    let proxy = Proxy::start(server.addr()).await;
    let file = new_file(&server, "A").await;
    let client = client_for(&proxy.url(), Credentials::basic("demo", "demo"));
    let download = client.download_file(&file).await.expect("the head arrives");
    assert_eq!(download.headers()["accept-ranges"], "none");
    assert!(!download.is_resumable());
    let dir = TempDir::new("plain-cut");
    std::fs::create_dir_all(&dir.0).unwrap();
    let err = download
        .save(&dir.0.join("result.csv"), false)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            DownloadError::Truncated { .. } | DownloadError::Transport(_)
        ),
        "{err:?}"
    );
    assert_eq!(std::fs::read_dir(&dir.0).unwrap().count(), 0);
    assert_eq!(proxy.file_heads(&file).len(), 1);
    server.shutdown().await;
}
