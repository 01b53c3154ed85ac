//! Helpers of the integration tests: servers with fast timings, clients, a raw HTTP client
//! and a CSV reader. Every wait is bounded.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use aqua_server::{Config, FaultRule, LocalServer};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zuora_aqua::{Client, ClientConfig, Credentials, Job, SubmitJobRequest};

/// The longest any single step of a test may take.
pub const BOUND: Duration = Duration::from_secs(20);

/// A configuration with jobs that complete in about 100 ms.
pub fn fast() -> Config {
    Config {
        submitted_for: Duration::from_millis(30),
        executing_for: Duration::from_millis(60),
        ..Config::default()
    }
}

/// A fast configuration with these fault rules.
pub fn with_faults(rules: &[&str]) -> Config {
    Config {
        faults: rules
            .iter()
            .map(|r| r.parse::<FaultRule>().expect("a valid rule"))
            .collect(),
        ..fast()
    }
}

/// Starts a server.
pub async fn start(config: Config) -> LocalServer {
    LocalServer::start(config).await.expect("the server starts")
}

fn client_config() -> ClientConfig {
    ClientConfig::default()
        .with_connect_timeout(Duration::from_secs(5))
        .with_timeout(Duration::from_secs(10))
        .with_download_stall_timeout(Duration::from_secs(10))
}

/// A client of `base_url` with `credentials`.
pub fn client_for(base_url: &str, credentials: Credentials) -> Client {
    Client::with_config(base_url, credentials, client_config()).expect("a valid client")
}

/// A client of the REST URL with the default basic user.
pub fn basic(server: &LocalServer) -> Client {
    client_for(&server.rest_url(), Credentials::basic("demo", "demo"))
}

/// A client with a short timeout.
pub fn impatient(server: &LocalServer, timeout: Duration) -> Client {
    Client::with_config(
        &server.rest_url(),
        Credentials::basic("demo", "demo"),
        client_config()
            .with_timeout(timeout)
            .with_download_stall_timeout(timeout),
    )
    .expect("a valid client")
}

/// A submission from its JSON form.
pub fn request(json: Value) -> SubmitJobRequest {
    serde_json::from_value(json).expect("a valid SubmitJobRequest")
}

/// Submits and waits until the job is completed.
pub async fn run(client: &Client, json: Value) -> Job {
    let job = client.submit_job(request(json)).await.expect("submitted");
    wait(client, job.id.as_deref().expect("an id")).await
}

/// Waits until the job is completed.
pub async fn wait(client: &Client, id: &str) -> Job {
    client
        .wait_for_job(id)
        .intervals(Duration::from_millis(20), Duration::from_millis(100))
        .deadline(BOUND)
        .await
        .expect("the job completes")
}

/// The whole body of a file.
pub async fn download(client: &Client, file_id: &str) -> (Option<String>, Vec<u8>) {
    let download = client
        .download_file(file_id)
        .await
        .expect("the download starts");
    let content_type = download.content_type().map(str::to_owned);
    let len = download.content_length();
    let mut bytes = Vec::new();
    download
        .write_to(&mut bytes)
        .await
        .expect("the download completes");
    assert_eq!(len, Some(bytes.len() as u64), "Content-Length of {file_id}");
    (content_type, bytes)
}

/// The file IDs of a completed batch.
pub fn batch_files(job: &Job, index: usize) -> Vec<String> {
    zuora_aqua::batch_files(&job.batches.as_ref().expect("batches")[index])
}

/// Parses CSV (quoted fields, doubled quotes) into rows of fields.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted, "unterminated quoted field");
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// A fresh temporary directory, removed by [`TempDir`]'s drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "aqua-server-test-{}-{}-{name}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A response read by [`raw`].
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// `Authorization` for the default basic user.
pub const DEMO_BASIC: (&str, &str) = ("Authorization", "Basic ZGVtbzpkZW1v");

/// One HTTP/1.1 exchange on a new connection (`Connection: close`).
pub async fn raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> RawResponse {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await.expect("write");
        stream.write_all(body).await.expect("write");
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).await.expect("read");
        bytes
    };
    let bytes = tokio::time::timeout(BOUND, exchange)
        .await
        .expect("the exchange ends in time");
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = bytes[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    RawResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size = usize::from_str_radix(size_text.trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        let start = eol + 2;
        out.extend_from_slice(&data[start..(start + size).min(data.len())]);
        data = &data[(start + size + 2).min(data.len())..];
    }
}
