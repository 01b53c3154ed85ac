//! A tiny HTTP/1.1 server on 127.0.0.1 for the crate's tests.
//!
//! It reads one request per connection, records it, and plays the steps the test's handler
//! returns (writes and pauses) before closing the connection. Everything is bounded: the
//! number of connections, the size of a request, the time spent reading one, and the server
//! task is aborted when the [`Server`] is dropped.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const MAX_CONNECTIONS: usize = 500;
const MAX_REQUEST: usize = 1024 * 1024;
const READ_LIMIT: Duration = Duration::from_secs(5);

/// A request as the server received it.
#[derive(Clone, Debug)]
pub(crate) struct Recorded {
    pub(crate) method: String,
    /// The path and query as sent.
    pub(crate) target: String,
    /// Header names in lower case.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// When the request had been read.
    pub(crate) at: std::time::Instant,
}

impl Recorded {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    pub(crate) fn form(&self) -> Vec<(String, String)> {
        serde_urlencoded::from_bytes(&self.body).expect("a form body")
    }
}

/// What the server does for a request.
#[derive(Clone)]
pub(crate) enum Step {
    Write(Vec<u8>),
    Sleep(Duration),
}

/// A complete response with `Content-Length`.
pub(crate) fn respond(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Vec<Step> {
    let body = body.into();
    let mut bytes = head(status, content_type, Some(body.len() as u64)).into_bytes();
    bytes.extend_from_slice(&body);
    vec![Step::Write(bytes)]
}

/// A complete response with `Content-Length` and the `extra` headers.
pub(crate) fn respond_with(
    status: u16,
    content_type: &str,
    extra: &[(&str, &str)],
    body: impl Into<Vec<u8>>,
) -> Vec<Step> {
    let body = body.into();
    let mut text = head(status, content_type, Some(body.len() as u64));
    text.truncate(text.len() - 2);
    for (name, value) in extra {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(&body);
    vec![Step::Write(bytes)]
}

/// A handler answering the n-th request it sees with `answers[n]`, and every request after
/// the last answer with the last answer.
pub(crate) fn in_turn(answers: Vec<Vec<Step>>) -> impl Fn(&Recorded) -> Vec<Step> + Send + Sync {
    let seen = std::sync::atomic::AtomicUsize::new(0);
    move |_: &Recorded| {
        let n = seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        answers[n.min(answers.len() - 1)].clone()
    }
}

/// A JSON response.
pub(crate) fn json(status: u16, value: serde_json::Value) -> Vec<Step> {
    respond(status, "application/json", value.to_string())
}

/// A response head; without `content_length`, the body ends when the connection closes.
pub(crate) fn head(status: u16, content_type: &str, content_length: Option<u64>) -> String {
    let mut text = format!(
        "HTTP/1.1 {status} Whatever\r\ncontent-type: {content_type}\r\nconnection: close\r\n"
    );
    if let Some(len) = content_length {
        text.push_str(&format!("content-length: {len}\r\n"));
    }
    text.push_str("\r\n");
    text
}

type Handler = dyn Fn(&Recorded) -> Vec<Step> + Send + Sync;

/// A running server.
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    pub(crate) async fn start(
        handler: impl Fn(&Recorded) -> Vec<Step> + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let recorded = requests.clone();
        let task = tokio::spawn(async move {
            for _ in 0..MAX_CONNECTIONS {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let handler = handler.clone();
                let recorded = recorded.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, &*handler, &recorded).await;
                });
            }
        });
        Server {
            addr,
            requests,
            task,
        }
    }

    /// `http://127.0.0.1:<port>` followed by `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// The requests to `path`.
    pub(crate) fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path() == path)
            .collect()
    }
}

async fn serve(
    mut stream: TcpStream,
    handler: &Handler,
    recorded: &Mutex<Vec<Recorded>>,
) -> std::io::Result<()> {
    let Ok(request) = tokio::time::timeout(READ_LIMIT, read_request(&mut stream)).await else {
        return Ok(());
    };
    let request = request?;
    recorded.lock().unwrap().push(request.clone());
    for step in handler(&request) {
        match step {
            Step::Write(bytes) => {
                stream.write_all(&bytes).await?;
                stream.flush().await?;
            }
            Step::Sleep(d) => tokio::time::sleep(d).await,
        }
    }
    stream.shutdown().await
}

async fn read_request(stream: &mut TcpStream) -> std::io::Result<Recorded> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_REQUEST {
            return Err(bad("request head too large"));
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(bad("connection closed in the request head"));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let target = request_line.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    if length > MAX_REQUEST {
        return Err(bad("request body too large"));
    }
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(bad("connection closed in the request body"));
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Ok(Recorded {
        method,
        target,
        headers,
        body,
        at: std::time::Instant::now(),
    })
}

/// A fresh, empty directory under the system's temporary directory, removed on drop.
pub(crate) struct TempDir {
    pub(crate) path: std::path::PathBuf,
}

impl TempDir {
    pub(crate) fn new(name: &str) -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "aqua-runtime-test-{}-{name}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir { path }
    }

    /// The names of the files in the directory, sorted.
    pub(crate) fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.path)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// `len` bytes that are not a repetition of a short pattern (xorshift), for bodies whose every
/// byte must arrive in place.
pub(crate) fn pseudo_random_bytes(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}
