//! A file server for the download benchmark: `GET /v1/files/{id}` streams `size` bytes of
//! generated CSV with `Content-Length`, from one shared 256 KiB block (so the server itself
//! needs little memory and CPU). Authentication is not checked.

use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::get;
use bytes::Bytes;

/// The size of the block the body is made of.
pub const BLOCK: usize = 256 * 1024;

/// One block of CSV rows (`A00000001,Account 1,1234.56`), cut at [`BLOCK`] bytes.
pub fn block() -> Bytes {
    let mut data = String::with_capacity(BLOCK + 64);
    data.push_str("Account.AccountNumber,Account.Name,Account.Balance\n");
    let mut i = 1u64;
    while data.len() < BLOCK {
        data.push_str(&format!(
            "A{i:08},Account {i},{}.{:02}\n",
            (i * 7919) % 100_000,
            i % 100
        ));
        i += 1;
    }
    data.truncate(BLOCK);
    Bytes::from(data)
}

/// The body of every file: `size` bytes, the block repeated.
fn body(block: Bytes, size: u64) -> Body {
    let full = size / BLOCK as u64;
    let rest = (size % BLOCK as u64) as usize;
    let tail = block.slice(..rest);
    let chunks = std::iter::repeat_n(block, full as usize)
        .chain((rest > 0).then_some(tail))
        .map(Ok::<_, Infallible>);
    Body::from_stream(futures_util::stream::iter(chunks))
}

/// The router: `GET /v1/files/{id}` answers `size` bytes of `text/csv`.
pub fn router(size: u64) -> Router {
    let block = block();
    Router::new().route(
        "/v1/files/{id}",
        get(move || {
            let block = block.clone();
            async move {
                let mut response = Response::new(body(block, size));
                let headers = response.headers_mut();
                headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv"));
                headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
                response
            }
        }),
    )
}

/// Binds `127.0.0.1:port` (0 picks one) and returns the listener with its address.
pub async fn bind(port: u16) -> io::Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

/// Serves [`router`] on `listener` until `stop` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    size: u64,
    stop: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    axum::serve(listener, router(size))
        .with_graceful_shutdown(stop)
        .await
}
