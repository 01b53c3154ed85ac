//! What an attempt makes of a response: a JSON body read whole (within its size limit) and
//! decoded, an empty success, a raw body, or a streamed [`Download`] that can resume itself.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_TYPE, HeaderName, HeaderValue, IF_RANGE, RANGE};
use serde::de::DeserializeOwned;

use super::exchange::{Prepared, TimeLimit, ZUORA_REQUEST_ID, transport};
use crate::download::{Download, Reopen, ReopenFailure, Resumer};
use crate::error::{ApiError, DecodeError, Error, ErrorBody, StatusError, excerpt};
use crate::retry::{self, Failure};

/// A successful exchange read whole, with what the retry rules and errors need.
struct ReadResponse {
    raw: RawResponse,
    request_id: Option<String>,
    server_delay: Option<Duration>,
}

/// A successful response read whole: see [`Request::send_raw`](crate::Request::send_raw).
#[derive(Clone, Debug)]
pub struct RawResponse {
    /// The operation it answers.
    pub operation: &'static str,
    /// The HTTP status (2xx).
    pub status: StatusCode,
    /// The `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The body.
    pub body: bytes::Bytes,
}

impl RawResponse {
    /// The body as text, decoded by the `charset` of the `Content-Type` (UTF-8 when it names
    /// none or one this does not know); malformed sequences become `U+FFFD`.
    pub fn text(&self) -> String {
        let charset = self.content_type.as_deref().and_then(|t| {
            t.split(';')
                .filter_map(|p| p.trim().split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
                .map(|(_, v)| v.trim().trim_matches('"').to_owned())
        });
        let encoding = charset
            .and_then(|c| encoding_rs::Encoding::for_label(c.as_bytes()))
            .unwrap_or(encoding_rs::UTF_8);
        let (text, _, _) = encoding.decode(&self.body);
        text.into_owned()
    }

    /// Decodes the body as JSON.
    pub fn json<T: DeserializeOwned, E>(&self) -> Result<T, Error<E>> {
        serde_json::from_slice(&self.body).map_err(|source| {
            Error::Decode(Box::new(DecodeError {
                operation: self.operation,
                status: self.status,
                content_type: self.content_type.clone(),
                excerpt: excerpt(&self.body, 200),
                source,
                attempts: 1,
            }))
        })
    }
}

impl Prepared {
    /// One exchange read whole, for the JSON-sized calls: a success status with its body, or
    /// the failure (an error status becomes [`Error::Status`]).
    async fn read_attempt<E: ErrorBody>(&self, attempt: u32) -> Result<ReadResponse, Failure<E>> {
        let operation = self.operation;
        let config = &self.core.inner.config;
        let response = self
            .execute(TimeLimit::Total(config.timeout), attempt)
            .await?;
        let server_delay = retry::server_delay(response.status(), response.headers());
        let fail = |error: Error<E>| Failure {
            error,
            server_delay,
        };
        let (status, request_id, content_type, body) =
            read_body(operation, response, config.max_json_body)
                .await
                .map_err(fail)?;
        if !status.is_success() {
            return Err(fail(status_error(operation, status, request_id, &body)));
        }
        Ok(ReadResponse {
            raw: RawResponse {
                operation,
                status,
                content_type,
                body,
            },
            request_id,
            server_delay,
        })
    }

    /// One attempt of [`Request::send_json`](crate::Request::send_json).
    pub(super) async fn json_attempt<T: DeserializeOwned, E: ErrorBody>(
        &self,
        looks_successful: Option<fn(&T) -> bool>,
        attempt: u32,
    ) -> Result<T, Failure<E>> {
        let read = self.read_attempt::<E>(attempt).await?;
        let fail = |error: Error<E>| Failure {
            error,
            server_delay: read.server_delay,
        };
        let raw = &read.raw;
        let value: T = raw.json().map_err(fail)?;
        if let Some(check) = looks_successful
            && !check(&value)
            && let Ok(body) = serde_json::from_slice::<E>(&raw.body)
            && body.is_error()
        {
            return Err(fail(Error::Api(Box::new(ApiError {
                operation: raw.operation,
                status: raw.status,
                body,
                request_id: read.request_id,
                attempts: 1,
            }))));
        }
        Ok(value)
    }

    /// One attempt of [`Request::send_raw`](crate::Request::send_raw).
    pub(super) async fn raw_attempt<E: ErrorBody>(
        &self,
        attempt: u32,
    ) -> Result<RawResponse, Failure<E>> {
        Ok(self.read_attempt::<E>(attempt).await?.raw)
    }

    /// One attempt of [`Request::send_empty`](crate::Request::send_empty).
    pub(super) async fn empty_attempt<E: ErrorBody>(&self, attempt: u32) -> Result<(), Failure<E>> {
        self.read_attempt::<E>(attempt).await.map(|_| ())
    }

    /// One attempt of [`Request::send_download`](crate::Request::send_download): up to a success status, or an error status
    /// with (the start of) its body.
    pub(super) async fn download_attempt<E: ErrorBody>(
        self: &Arc<Self>,
        attempt: u32,
    ) -> Result<Download, Failure<E>> {
        const MAX_ERROR_BODY: usize = 64 * 1024;
        let operation = self.operation;
        let stall = self.core.inner.config.download_stall_timeout;
        let mut response = self.execute(TimeLimit::Stall(stall), attempt).await?;
        let status = response.status();
        if status.is_success() {
            return Ok(Download::new(response, stall, self.resumer(attempt)));
        }
        let server_delay = retry::server_delay(status, response.headers());
        let request_id = response
            .headers()
            .get(ZUORA_REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut bytes = Vec::new();
        // The error body is best effort: keep what arrived before a failure or the limit.
        while bytes.len() < MAX_ERROR_BODY {
            match tokio::time::timeout(stall, response.chunk()).await {
                Ok(Ok(Some(chunk))) => {
                    let room = MAX_ERROR_BODY - bytes.len();
                    bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
                _ => break,
            }
        }
        Err(Failure {
            error: status_error(operation, status, request_id, &bytes),
            server_delay,
        })
    }
}

impl Prepared {
    /// What a [`Download`] of this request needs to resume a broken body, or `None` when it
    /// must not: resumption is disabled, the request may not be repeated (a `POST` without an
    /// `Idempotency-Key`), or the caller sets `Range`, `If-Range` or `Accept-Encoding` itself.
    fn resumer(self: &Arc<Self>, attempt: u32) -> Option<Resumer> {
        let config = &self.core.inner.config;
        let own_ranges = self.headers.iter().any(|(name, _)| {
            [RANGE, IF_RANGE, ACCEPT_ENCODING]
                .iter()
                .any(|reserved| name == reserved)
        });
        if config.download_resume_attempts == 0 || !self.repeatable || own_ranges {
            return None;
        }
        let prepared = Arc::clone(self);
        let reopen: Reopen = Box::new(move |extra| {
            let prepared = Arc::clone(&prepared);
            Box::pin(async move { prepared.reopen(extra, attempt).await })
        });
        Some(Resumer {
            reopen,
            attempts: config.download_resume_attempts,
            operation: self.operation,
            initial_backoff: config.retry.initial_backoff,
            max_backoff: config.retry.max_backoff,
        })
    }

    /// Sends the request again with the `extra` headers (a range), authenticated as any
    /// attempt (under OAuth: the cached token, renewed once after HTTP 401), up to the
    /// response head, whatever its status.
    async fn reopen(
        &self,
        extra: Vec<(HeaderName, HeaderValue)>,
        attempt: u32,
    ) -> Result<reqwest::Response, ReopenFailure> {
        let mut request = self.clone();
        request.headers.extend(extra);
        let stall = request.core.inner.config.download_stall_timeout;
        request
            .execute::<serde_json::Value>(TimeLimit::Stall(stall), attempt)
            .await
            .map_err(|error| ReopenFailure {
                transient: retry::reason(&error).is_some(),
                reason: error.to_string(),
            })
    }
}

type Body = (StatusCode, Option<String>, Option<String>, bytes::Bytes);

/// Reads a whole body, refusing more than `max` bytes.
async fn read_body<E>(
    operation: &'static str,
    mut response: reqwest::Response,
    max: usize,
) -> Result<Body, Error<E>> {
    let status = response.status();
    let header = |name: HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let request_id = header(ZUORA_REQUEST_ID);
    let content_type = header(CONTENT_TYPE);
    let too_large = |_len: usize| Error::TooLarge {
        operation,
        status,
        limit: max,
    };
    if let Some(len) = response.content_length()
        && len > max as u64
    {
        return Err(too_large(len as usize));
    }
    // A body that arrives in one chunk (most JSON answers) is kept as it is, without a copy.
    let mut chunks: Vec<bytes::Bytes> = Vec::new();
    let mut held = 0;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                held += chunk.len();
                if held > max {
                    return Err(too_large(held));
                }
                chunks.push(chunk);
            }
            Ok(None) => break,
            Err(source) => return Err(transport(operation, source)),
        }
    }
    let bytes = match <[bytes::Bytes; 1]>::try_from(chunks) {
        Ok([only]) => only,
        Err(chunks) => bytes::Bytes::from(chunks.concat()),
    };
    Ok((status, request_id, content_type, bytes))
}

fn status_error<E: ErrorBody>(
    operation: &'static str,
    status: StatusCode,
    request_id: Option<String>,
    bytes: &[u8],
) -> Error<E> {
    let body = serde_json::from_slice::<E>(bytes).ok();
    let text = if body.is_some() {
        String::new()
    } else {
        excerpt(bytes, 200)
    };
    Error::Status(Box::new(StatusError {
        operation,
        status,
        body,
        text,
        request_id,
        attempts: 1,
    }))
}
