//! The error type of generated clients.

use std::fmt;

use reqwest::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::download::DownloadError;

/// A decoded error body of the API.
///
/// Generated code implements this for the spec's error schema with the provided methods,
/// which understand Zuora's error shapes: AQuA's `errorCode`/`message` (also inside HTTP 200),
/// the v1 envelope `{"success": false, "reasons": [{"code", "message"}]}`, the gateway's
/// `code`/`message` and the Files API's `reasons` without `success`.
pub trait ErrorBody: DeserializeOwned + Serialize + fmt::Debug + Send + Sync + 'static {
    /// Whether the body reports an error (used for bodies of HTTP 2xx responses).
    fn is_error(&self) -> bool {
        let v = self.as_json();
        v.get("success") == Some(&serde_json::Value::Bool(false))
            || non_empty(v.get("errorCode"))
            || non_empty(v.get("code"))
            || v.get("reasons")
                .and_then(serde_json::Value::as_array)
                .is_some_and(|r| !r.is_empty())
    }

    /// The error code (`errorCode`, `code`, or the first reason's `code`).
    fn code(&self) -> Option<String> {
        let v = self.as_json();
        [v.get("errorCode"), v.get("code"), first_reason(&v, "code")]
            .into_iter()
            .flatten()
            .find_map(scalar_text)
    }

    /// The error message (`message`, or the first reason's `message`).
    fn message(&self) -> Option<String> {
        let v = self.as_json();
        [v.get("message"), first_reason(&v, "message")]
            .into_iter()
            .flatten()
            .find_map(scalar_text)
    }

    /// The body as JSON, for the provided methods.
    fn as_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

impl ErrorBody for serde_json::Value {
    fn as_json(&self) -> serde_json::Value {
        self.clone()
    }
}

fn non_empty(v: Option<&serde_json::Value>) -> bool {
    v.and_then(scalar_text).is_some()
}

fn first_reason<'v>(v: &'v serde_json::Value, key: &str) -> Option<&'v serde_json::Value> {
    v.get("reasons")?.as_array()?.first()?.get(key)
}

fn scalar_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Why a call failed. `E` is the spec's error body.
///
/// Secrets (passwords, client secrets, tokens) never appear in an error's `Display` or `Debug`.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<E> {
    /// The request was refused before sending: an input breaks a documented limit.
    InvalidRequest {
        /// What is wrong with the input.
        message: String,
    },
    /// The server could not be reached, the connection broke, or the request timed out.
    Transport(TransportError),
    /// The server answered with an HTTP error status.
    Status(Box<StatusError<E>>),
    /// The server answered with HTTP 2xx, but the body reports an error (AQuA answers
    /// validation errors with HTTP 200 and `errorCode`/`message`).
    Api(Box<ApiError<E>>),
    /// The response body could not be decoded.
    Decode(Box<DecodeError>),
    /// No OAuth access token could be obtained from the token endpoint.
    Auth(Box<AuthError>),
    /// A download failed after its response started (see [`Download`](crate::Download)).
    Download(Box<DownloadError>),
    /// A JSON response body was larger than [`ClientConfig::max_json_body`](crate::ClientConfig);
    /// it was refused instead of being buffered.
    TooLarge {
        /// The operation that failed.
        operation: &'static str,
        /// The HTTP status of the response.
        status: StatusCode,
        /// The limit, in bytes.
        limit: usize,
    },
}

/// The token endpoint refused to issue an OAuth access token, could not be reached, or
/// answered something that is not a token.
///
/// Neither `Display` nor `Debug` ever shows the client secret or a token.
#[derive(Debug, thiserror::Error)]
#[error("could not obtain an OAuth access token{}: {message}", status_suffix(*.status))]
#[non_exhaustive]
pub struct AuthError {
    /// The HTTP status of the token endpoint's answer, if one was received.
    pub status: Option<StatusCode>,
    /// What went wrong; Zuora's error text when the answer carried one.
    pub message: String,
    /// The transport failure, if the token endpoint could not be reached.
    #[source]
    pub source: Option<reqwest::Error>,
}

impl AuthError {
    /// A failure described by `message`.
    pub fn new(
        status: Option<StatusCode>,
        message: impl Into<String>,
        source: Option<reqwest::Error>,
    ) -> Self {
        AuthError {
            status,
            message: message.into(),
            source,
        }
    }
}

fn status_suffix(status: Option<StatusCode>) -> String {
    status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
}

impl<E> From<DownloadError> for Error<E> {
    fn from(error: DownloadError) -> Self {
        Error::Download(Box::new(error))
    }
}

impl<E> From<AuthError> for Error<E> {
    fn from(error: AuthError) -> Self {
        Error::Auth(Box::new(error))
    }
}

/// The server could not be reached, or the exchange broke off.
#[derive(Debug)]
pub struct TransportError {
    /// The operation that failed.
    pub operation: &'static str,
    /// What happened.
    pub source: reqwest::Error,
    /// How many attempts of the request were made (see [`RetryConfig`](crate::RetryConfig)).
    pub attempts: u32,
}

/// An HTTP error status.
#[derive(Debug)]
pub struct StatusError<E> {
    /// The operation that failed.
    pub operation: &'static str,
    /// The HTTP status.
    pub status: StatusCode,
    /// The error body, when it decoded as the spec's error schema.
    pub body: Option<E>,
    /// The start of the body as text, when it did not decode.
    pub text: String,
    /// Zuora's `Zuora-Request-Id` response header, for support.
    pub request_id: Option<String>,
    /// How many attempts of the request were made (see [`RetryConfig`](crate::RetryConfig)).
    pub attempts: u32,
}

/// An error reported inside a successful HTTP status.
#[derive(Debug)]
pub struct ApiError<E> {
    /// The operation that failed.
    pub operation: &'static str,
    /// The HTTP status (2xx).
    pub status: StatusCode,
    /// The error body.
    pub body: E,
    /// Zuora's `Zuora-Request-Id` response header, for support.
    pub request_id: Option<String>,
    /// How many attempts of the request were made (see [`RetryConfig`](crate::RetryConfig)).
    pub attempts: u32,
}

/// A response body that could not be decoded.
#[derive(Debug)]
pub struct DecodeError {
    /// The operation that failed.
    pub operation: &'static str,
    /// The HTTP status of the response.
    pub status: StatusCode,
    /// The response's `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The start of the body as text.
    pub excerpt: String,
    /// What the decoder said.
    pub source: serde_json::Error,
    /// How many attempts of the request were made (see [`RetryConfig`](crate::RetryConfig)).
    pub attempts: u32,
}

impl<E> Error<E> {
    /// An input refused before sending.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Error::InvalidRequest {
            message: message.into(),
        }
    }

    /// The HTTP status of the response, if one was received.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Status(e) => Some(e.status),
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            Error::Transport(e) => e.source.status(),
            Error::Auth(e) => e.status,
            Error::Download(e) => e.status(),
            Error::TooLarge { status, .. } => Some(*status),
            Error::InvalidRequest { .. } => None,
        }
    }

    /// The decoded error body, if the server sent one.
    pub fn body(&self) -> Option<&E> {
        match self {
            Error::Status(e) => e.body.as_ref(),
            Error::Api(e) => Some(&e.body),
            _ => None,
        }
    }

    /// Whether the request timed out (a download that stalled counts as timed out).
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Transport(e) => e.source.is_timeout(),
            Error::Auth(e) => e.source.as_ref().is_some_and(reqwest::Error::is_timeout),
            Error::Download(e) => e.is_timeout(),
            _ => false,
        }
    }

    /// How many attempts of the request were made, for the errors of a request that was sent
    /// ([`Error::Transport`], [`Error::Status`], [`Error::Api`], [`Error::Decode`]).
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::Transport(e) => Some(e.attempts),
            Error::Status(e) => Some(e.attempts),
            Error::Api(e) => Some(e.attempts),
            Error::Decode(e) => Some(e.attempts),
            Error::InvalidRequest { .. }
            | Error::Auth(_)
            | Error::Download(_)
            | Error::TooLarge { .. } => None,
        }
    }

    /// Records that `attempts` attempts were made, in the errors that carry the number.
    pub(crate) fn set_attempts(&mut self, attempts: u32) {
        match self {
            Error::Transport(e) => e.attempts = attempts,
            Error::Status(e) => e.attempts = attempts,
            Error::Api(e) => e.attempts = attempts,
            Error::Decode(e) => e.attempts = attempts,
            Error::InvalidRequest { .. }
            | Error::Auth(_)
            | Error::Download(_)
            | Error::TooLarge { .. } => {}
        }
    }

    /// The operation that failed, if the request was sent.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Error::Transport(e) => Some(e.operation),
            Error::Status(e) => Some(e.operation),
            Error::Api(e) => Some(e.operation),
            Error::Decode(e) => Some(e.operation),
            Error::TooLarge { operation, .. } => Some(operation),
            Error::InvalidRequest { .. } | Error::Auth(_) | Error::Download(_) => None,
        }
    }
}

impl<E: ErrorBody> Error<E> {
    /// Zuora's error code (such as `90005`), if the body carried one.
    pub fn zuora_code(&self) -> Option<String> {
        self.body().and_then(ErrorBody::code)
    }

    /// Zuora's error message, if the body carried one.
    pub fn zuora_message(&self) -> Option<String> {
        self.body().and_then(ErrorBody::message)
    }
}

fn describe<E: ErrorBody>(body: &E) -> Option<String> {
    match (body.code(), body.message()) {
        (Some(c), Some(m)) => Some(format!("{c}: {m}")),
        (Some(c), None) => Some(format!("error {c}")),
        (None, Some(m)) => Some(m),
        (None, None) => None,
    }
}

impl<E: ErrorBody> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidRequest { message } => write!(f, "invalid request: {message}"),
            Error::TooLarge {
                operation,
                status,
                limit,
            } => write!(
                f,
                "{operation}: the HTTP {status} response body is larger than the limit of {limit} bytes (ClientConfig::max_json_body); it was not read"
            ),
            Error::Transport(e) => {
                write!(f, "{}: ", e.operation)?;
                if e.source.is_timeout() {
                    f.write_str("the request timed out")?;
                } else if e.source.is_connect() {
                    f.write_str("could not connect to the server")?;
                } else if e.source.is_redirect() {
                    f.write_str("a redirect was not followed")?;
                } else {
                    f.write_str("the exchange with the server failed")?;
                }
                write_causes(f, std::error::Error::source(&e.source))?;
                write_attempts(f, e.attempts)
            }
            Error::Status(e) => {
                write!(f, "{}: HTTP {}", e.operation, e.status)?;
                match e.body.as_ref().and_then(describe) {
                    Some(d) => write!(f, ": {d}")?,
                    None if !e.text.is_empty() => write!(f, ": {}", e.text)?,
                    None => {}
                }
                if let Some(id) = &e.request_id {
                    write!(f, " (Zuora-Request-Id {id})")?;
                }
                write_attempts(f, e.attempts)
            }
            Error::Api(e) => {
                write!(
                    f,
                    "{}: Zuora reported an error with HTTP {}",
                    e.operation, e.status
                )?;
                if let Some(d) = describe(&e.body) {
                    write!(f, ": {d}")?;
                }
                write_attempts(f, e.attempts)
            }
            Error::Decode(e) => {
                write!(
                    f,
                    "{}: could not decode the HTTP {} response",
                    e.operation, e.status
                )?;
                if let Some(ct) = &e.content_type {
                    write!(f, " ({ct})")?;
                }
                write!(f, ": {}", e.source)?;
                if !e.excerpt.is_empty() {
                    write!(f, "; the body starts with: {}", e.excerpt)?;
                }
                write_attempts(f, e.attempts)
            }
            Error::Auth(e) => {
                write!(f, "{e}")?;
                write_causes(f, e.source.as_ref().map(|s| s as &dyn std::error::Error))
            }
            Error::Download(e) => {
                // The download error's message already shows its direct source.
                write!(f, "{e}")?;
                write_causes(f, std::error::Error::source(&**e).and_then(|s| s.source()))
            }
        }
    }
}

impl<E: ErrorBody> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(&e.source),
            Error::Decode(e) => Some(&e.source),
            Error::Auth(e) => e.source.as_ref().map(|s| s as _),
            Error::Download(e) => std::error::Error::source(&**e),
            _ => None,
        }
    }
}

/// Writes ` (after N attempts)` when more than one attempt was made.
fn write_attempts(f: &mut fmt::Formatter<'_>, attempts: u32) -> fmt::Result {
    if attempts > 1 {
        write!(f, " (after {attempts} attempts)")?;
    }
    Ok(())
}

/// Writes `: cause` for `source` and each of its own sources.
fn write_causes(
    f: &mut fmt::Formatter<'_>,
    mut source: Option<&dyn std::error::Error>,
) -> fmt::Result {
    while let Some(s) = source {
        write!(f, ": {s}")?;
        source = s.source();
    }
    Ok(())
}

/// At most `max` characters of `bytes` as text, marked when cut.
/// At most `max` characters of `bytes` as one line of text (runs of whitespace and control
/// characters become one space), marked when cut.
pub(crate) fn excerpt(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut flat = String::with_capacity(text.len().min(max * 4));
    for word in text.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        if !flat.is_empty() {
            flat.push(' ');
        }
        flat.push_str(word);
        if flat.chars().count() > max {
            break;
        }
    }
    let mut out: String = flat.chars().take(max).collect();
    if flat.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_bodies_of_every_zuora_shape_are_understood() {
        let aqua = json!({"status": "error", "errorCode": "90005", "message": "syntax error"});
        assert!(aqua.is_error());
        assert_eq!(aqua.code().as_deref(), Some("90005"));
        assert_eq!(aqua.message().as_deref(), Some("syntax error"));

        let v1 = json!({"success": false, "reasons": [{"code": 90000011, "message": "Authentication error"}]});
        assert!(v1.is_error());
        assert_eq!(v1.code().as_deref(), Some("90000011"));
        assert_eq!(v1.message().as_deref(), Some("Authentication error"));

        let gateway = json!({"success": false, "code": 50000090, "message": "Oops"});
        assert_eq!(gateway.code().as_deref(), Some("50000090"));

        let files =
            json!({"reasons": [{"code": "SystemError", "message": "internal server error"}]});
        assert!(files.is_error());
        assert_eq!(files.code().as_deref(), Some("SystemError"));

        let job = json!({"id": "x", "status": "completed", "message": ""});
        assert!(!job.is_error());
    }

    #[test]
    fn excerpts_are_short_and_marked() {
        assert_eq!(excerpt(b"  <html>  ", 10), "<html>");
        assert_eq!(excerpt("abcdé".as_bytes(), 3), "abc…");
        assert_eq!(
            excerpt(b"<html>\n  <body>\r\n\tBad gateway</body>\n</html>\n", 100),
            "<html> <body> Bad gateway</body> </html>"
        );
    }
}
