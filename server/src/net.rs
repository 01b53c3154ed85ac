//! The connection layer: a listener that counts connections and can close one on demand
//! (for [`Fault::Reset`](crate::Fault::Reset)), and the middleware every request goes through.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::bodies::{json_response, malformed, v1_error};
use crate::checks;
use crate::fault::CloseConnection;
use crate::rng::mix;

/// The server's counters, shared by the listener, the middleware and the API.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) requests: AtomicU64,
    pub(crate) connections: AtomicU64,
    pub(crate) faults: AtomicU64,
    pub(crate) token_requests: AtomicU64,
    pub(crate) jobs: AtomicU64,
    pub(crate) concurrency_refusals: AtomicU64,
}

impl Counters {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Per-connection state: whether the connection must be dropped.
#[derive(Debug, Default)]
pub(crate) struct ConnControl {
    killed: AtomicBool,
}

impl ConnControl {
    fn kill(&self) {
        self.killed.store(true, Ordering::Release);
    }

    fn killed(&self) -> bool {
        self.killed.load(Ordering::Acquire)
    }
}

/// The address of a connection's peer and its control, available to the middleware as
/// `ConnectInfo`.
#[derive(Clone, Debug)]
pub(crate) struct ConnInfo {
    peer: SocketAddr,
    control: Arc<ConnControl>,
}

impl Connected<IncomingStream<'_, CountingListener>> for ConnInfo {
    fn connect_info(stream: IncomingStream<'_, CountingListener>) -> Self {
        stream.remote_addr().clone()
    }
}

/// A TCP listener that counts accepted connections and wraps each in a [`ConnIo`].
#[derive(Debug)]
pub(crate) struct CountingListener {
    pub(crate) inner: TcpListener,
    pub(crate) counters: Arc<Counters>,
}

impl Listener for CountingListener {
    type Io = ConnIo;
    type Addr = ConnInfo;

    async fn accept(&mut self) -> (ConnIo, ConnInfo) {
        loop {
            match self.inner.accept().await {
                Ok((stream, peer)) => {
                    Counters::bump(&self.counters.connections);
                    // Only a latency optimisation: failing to set it changes nothing else.
                    let _ = stream.set_nodelay(true);
                    let control = Arc::new(ConnControl::default());
                    tracing::trace!(%peer, "connection accepted");
                    return (
                        ConnIo {
                            stream,
                            control: control.clone(),
                        },
                        ConnInfo { peer, control },
                    );
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<ConnInfo> {
        Ok(ConnInfo {
            peer: self.inner.local_addr()?,
            control: Arc::default(),
        })
    }
}

/// A connection whose reads and writes fail once it is killed, so that the HTTP server drops
/// it (closing the socket) instead of writing a response.
#[derive(Debug)]
pub(crate) struct ConnIo {
    stream: TcpStream,
    control: Arc<ConnControl>,
}

fn closed() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "connection closed by fault injection",
    )
}

impl AsyncRead for ConnIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.control.killed() {
            return Poll::Ready(Err(closed()));
        }
        Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.control.killed() {
            return Poll::Ready(Err(closed()));
        }
        Pin::new(&mut this.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.control.killed() {
            return Poll::Ready(Err(closed()));
        }
        Pin::new(&mut this.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.control.killed() {
            return Poll::Ready(Err(closed()));
        }
        Pin::new(&mut this.stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// What the middleware needs.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) counters: Arc<Counters>,
    pub(crate) seed: u64,
    pub(crate) request_seq: AtomicU64,
}

impl Shared {
    /// A `Zuora-Request-Id`: 36 characters in the UUID layout, deterministic per seed.
    fn request_id(&self) -> String {
        let n = self.request_seq.fetch_add(1, Ordering::Relaxed);
        let a = mix(self.seed ^ mix(n.wrapping_mul(2).wrapping_add(1)));
        let b = mix(a ^ n);
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }
}

static TRACK_ID: HeaderName = HeaderName::from_static("zuora-track-id");
static REQUEST_ID: HeaderName = HeaderName::from_static("zuora-request-id");
/// Counts the request and runs the [`checks`](crate::checks): headers outside Zuora's
/// documented limits get HTTP 400 with the v1 envelope (code `50000020`), a submission that
/// sets a declared property to `null` the gateway's malformed-body 400. Then it runs the
/// request, echoes `Zuora-Track-Id`, adds `Zuora-Request-Id`, and closes the connection
/// instead of answering when the response asks for it.
pub(crate) async fn middleware(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnInfo>,
    request: Request,
    next: Next,
) -> Response {
    Counters::bump(&shared.counters.requests);
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let mut request = request;
    let refusal = if let Some(problem) = checks::header_problem(&request) {
        Some((v1_error(50000020, problem.clone()), problem))
    } else if checks::is_json_submission(&request) {
        let Some((rebuilt, body)) = checks::buffered(request).await else {
            return json_response(StatusCode::BAD_REQUEST, &malformed());
        };
        request = rebuilt;
        let nulls = checks::declared_nulls(&body);
        (!nulls.is_empty()).then(|| (malformed(), format!("null at {}", nulls.join(", "))))
    } else {
        None
    };
    if let Some((body, problem)) = refusal {
        tracing::debug!(%method, %path, %problem, "refused before handling");
        let mut response = json_response(StatusCode::BAD_REQUEST, &body);
        if let Ok(id) = HeaderValue::from_str(&shared.request_id()) {
            response.headers_mut().insert(REQUEST_ID.clone(), id);
        }
        return response;
    }
    let track_id = request.headers().get(&TRACK_ID).cloned();
    let mut response = next.run(request).await;
    if response.extensions().get::<CloseConnection>().is_some() {
        tracing::debug!(%method, %path, peer = %conn.peer, "closing the connection without an answer");
        conn.control.kill();
        return response;
    }
    let headers = response.headers_mut();
    if let Ok(id) = HeaderValue::from_str(&shared.request_id()) {
        headers.insert(REQUEST_ID.clone(), id);
    }
    if let Some(track_id) = track_id {
        headers.insert(TRACK_ID.clone(), track_id);
    }
    tracing::debug!(%method, %path, status = response.status().as_u16(), "answered");
    response
}

/// The answer for paths the API does not have.
pub(crate) async fn not_found() -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        &v1_error(50000040, "The requested resource was not found"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_have_the_uuid_layout() {
        let shared = Shared {
            counters: Arc::default(),
            seed: 1,
            request_seq: AtomicU64::new(0),
        };
        let a = shared.request_id();
        let b = shared.request_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
    }
}
