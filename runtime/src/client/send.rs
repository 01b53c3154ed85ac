//! The futures that generated request builders return.
//!
//! A builder's `send` builds its [`Request`] synchronously (or fails: a limit, a path value)
//! and hands the result to one of these functions, which returns the boxed future of sending
//! it. The state machine of sending is then compiled once, here, generic over the decoded
//! type, instead of once per operation as an `async fn` of the generated crate: type checking
//! and borrow checking of an operation's `send` is that of a plain function (issue 17: a
//! quarter of the `cargo check` time of a large generated crate was its `async fn`s).
//!
//! A request that could not be built is an error of the future: it is returned when the
//! future is awaited, before anything is sent.

use serde::de::DeserializeOwned;

use super::{RawResponse, Request};
use crate::{BoxFuture, Download, Error, ErrorBody};

/// Sends the request and decodes a JSON response as `T` (see [`Request::send_json`]).
pub fn json<'a, T, E>(
    request: Result<Request<'a>, Error<E>>,
    looks_successful: Option<fn(&T) -> bool>,
) -> BoxFuture<'a, Result<T, Error<E>>>
where
    T: DeserializeOwned + Send + 'a,
    E: ErrorBody,
{
    Box::pin(async move { request?.send_json(looks_successful).await })
}

/// Sends the request and expects a success status (see [`Request::send_empty`]).
pub fn empty<'a, E: ErrorBody>(
    request: Result<Request<'a>, Error<E>>,
) -> BoxFuture<'a, Result<(), Error<E>>> {
    Box::pin(async move { request?.send_empty().await })
}

/// Sends the request and streams the response (see [`Request::send_download`]).
pub fn download<'a, E: ErrorBody>(
    request: Result<Request<'a>, Error<E>>,
) -> BoxFuture<'a, Result<Download, Error<E>>> {
    Box::pin(async move { request?.send_download().await })
}

/// Sends the request and returns the body as text (see [`Request::send_text`]).
pub fn text<'a, E: ErrorBody>(
    request: Result<Request<'a>, Error<E>>,
) -> BoxFuture<'a, Result<String, Error<E>>> {
    Box::pin(async move { request?.send_text().await })
}

/// Sends the request and returns the body as bytes (see [`Request::send_bytes`]).
pub fn bytes<'a, E: ErrorBody>(
    request: Result<Request<'a>, Error<E>>,
) -> BoxFuture<'a, Result<Vec<u8>, Error<E>>> {
    Box::pin(async move { request?.send_bytes().await })
}

/// Sends the request and decodes the whole successful response with `decode` (see
/// [`Request::send_raw`]): the operations whose success responses differ by status.
pub fn raw<'a, R, E, F>(
    request: Result<Request<'a>, Error<E>>,
    decode: F,
) -> BoxFuture<'a, Result<R, Error<E>>>
where
    R: Send + 'a,
    E: ErrorBody,
    F: FnOnce(RawResponse) -> Result<R, Error<E>> + Send + 'a,
{
    Box::pin(async move { decode(request?.send_raw().await?) })
}
