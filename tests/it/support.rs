//! Real HTTP servers on 127.0.0.1 for tests.
//!
//! [`TestServer`] records every request (method, target, headers and body bytes) and answers
//! with what a handler returns for it: a fixed response ([`TestServer::start`]) or a scripted
//! one ([`TestServer::scripted`]), which may depend on the method, the path and the number of
//! requests seen so far. [`RawServer`] writes a verbatim response on a socket, for answers no
//! well-behaved HTTP server would give (a body shorter than its `Content-Length`).
//!
//! Everything is bounded: a server answers at most [`MAX_REQUESTS`] requests (later ones get
//! HTTP 503 without reaching the handler), request bodies are read up to 16 MiB, raw servers
//! accept a fixed number of connections with a time limit on reading each request, and every
//! server task is aborted when its server is dropped.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;

/// The most requests a [`TestServer`] hands to its handler.
pub const MAX_REQUESTS: usize = 2000;
/// The largest request body a [`TestServer`] reads.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The 0-based position of the request among all requests the server received.
    pub seq: usize,
    pub method: String,
    /// The path and query exactly as sent (percent-encoding kept).
    pub target: String,
    pub headers: HeaderMap,
    /// The body bytes as received.
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// `"METHOD /path"`, for comparing sequences of requests.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.path())
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("a UTF-8 body")
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// What a scripted server answers.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// A pause before the answer is sent.
    pub delay: Option<Duration>,
}

impl Reply {
    /// `status` with a `Content-Type` and a body.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Reply {
            status,
            headers: vec![("content-type".to_owned(), content_type.to_owned())],
            body: body.into(),
            delay: None,
        }
    }

    /// A JSON answer.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Reply::new(status, "application/json", body.into())
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Waits `delay` before answering.
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

#[derive(Clone)]
struct Shared {
    handler: Arc<Handler>,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

pub struct TestServer {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    /// Starts a server answering every request with `status`, `content_type` and `body`.
    pub async fn start(status: u16, content_type: &'static str, body: impl Into<String>) -> Self {
        let reply = Reply::new(status, content_type, body.into());
        Self::scripted(move |_| reply.clone()).await
    }

    /// Starts a server answering each request with what `handler` returns for it. The request
    /// is recorded before the handler runs, so [`Recorded::seq`] counts it.
    pub async fn scripted(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            handler: Arc::new(handler),
            requests: requests.clone(),
        };
        let app = axum::Router::new().fallback(handle).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestServer {
            addr,
            requests,
            task,
        }
    }

    /// The base URL of the legacy hosts' form, on this server.
    pub fn base_url(&self) -> String {
        self.url("/apps/api")
    }

    /// The base URL of the REST hosts' form, on this server.
    pub fn v1(&self) -> String {
        self.url("/v1")
    }

    /// `http://127.0.0.1:<port>` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// The requests with this method and path (query ignored).
    pub fn requests_to(&self, method: &str, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == method && r.path() == path)
            .collect()
    }

    /// `"METHOD /path"` of every request, in order of arrival.
    pub fn lines(&self) -> Vec<String> {
        self.requests().iter().map(Recorded::line).collect()
    }
}

async fn handle(State(shared): State<Shared>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let body = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let recorded = {
        let mut requests = shared.requests.lock().unwrap();
        if requests.len() >= MAX_REQUESTS {
            None
        } else {
            let recorded = Recorded {
                seq: requests.len(),
                method: parts.method.to_string(),
                target,
                headers: parts.headers,
                body,
            };
            requests.push(recorded.clone());
            Some(recorded)
        }
    };
    let reply = match recorded {
        Some(recorded) => (shared.handler)(&recorded),
        None => Reply::new(
            503,
            "text/plain",
            "the test server's request limit was reached",
        ),
    };
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap();
    for (name, value) in &reply.headers {
        response.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    response
}

/// A server that writes the same raw bytes on each of at most `max_connections` connections
/// once it has read the request head, then closes the connection.
pub struct RawServer {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RawServer {
    pub async fn start(max_connections: usize, response: Vec<u8>) -> Self {
        const MAX_HEAD: usize = 64 * 1024;
        const READ_LIMIT: Duration = Duration::from_secs(10);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let recorded = requests.clone();
        let response: Arc<[u8]> = response.into();
        let task = tokio::spawn(async move {
            for _ in 0..max_connections {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let recorded = recorded.clone();
                let response = response.clone();
                tokio::spawn(async move {
                    let read = async {
                        let mut head = Vec::new();
                        let mut buf = [0u8; 4096];
                        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
                            let n = socket.read(&mut buf).await?;
                            if n == 0 {
                                break;
                            }
                            head.extend_from_slice(&buf[..n]);
                        }
                        std::io::Result::Ok(head)
                    };
                    let Ok(Ok(head)) = tokio::time::timeout(READ_LIMIT, read).await else {
                        return;
                    };
                    recorded
                        .lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(&head).into_owned());
                    let _ = socket.write_all(&response).await;
                    let _ = socket.flush().await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        RawServer {
            addr,
            requests,
            task,
        }
    }

    /// `http://127.0.0.1:<port>` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The request heads received, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}
