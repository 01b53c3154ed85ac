//! A real HTTP server on 127.0.0.1 for tests: it records every request and answers with a
//! fixed response.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// The path and query exactly as sent (percent-encoding kept).
    pub target: String,
    pub headers: HeaderMap,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[derive(Clone)]
struct Reply {
    status: StatusCode,
    content_type: &'static str,
    body: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

pub struct TestServer {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl TestServer {
    /// Starts a server answering every request with `status`, `content_type` and `body`.
    pub async fn start(status: u16, content_type: &'static str, body: impl Into<String>) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let reply = Reply {
            status: StatusCode::from_u16(status).unwrap(),
            content_type,
            body: body.into(),
            requests: requests.clone(),
        };
        let app = axum::Router::new().fallback(handle).with_state(reply);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        TestServer { addr, requests }
    }

    /// The base URL of the legacy hosts' form, on this server.
    pub fn base_url(&self) -> String {
        format!("http://{}/apps/api", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

async fn handle(State(reply): State<Reply>, request: Request) -> Response {
    let target = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    reply.requests.lock().unwrap().push(Recorded {
        method: request.method().to_string(),
        target,
        headers: request.headers().clone(),
    });
    let mut response = Response::new(Body::from(reply.body.clone()));
    *response.status_mut() = reply.status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(reply.content_type),
    );
    response
}
