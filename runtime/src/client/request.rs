//! [`Request`], the builder generated operations fill in, and the four ways to send it.

use std::borrow::Cow;
use std::sync::Arc;

use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::exchange::Prepared;
use super::response::RawResponse;
use super::{ClientCore, Requirement};
use crate::download::Download;
use crate::encoding::{self, Multipart};
use crate::error::{Error, ErrorBody};
use crate::retry::{self, IDEMPOTENCY_KEY};

/// An encoded request body.
#[derive(Clone)]
pub(super) enum EncodedBody {
    /// Bytes with their media type.
    Bytes {
        content_type: Cow<'static, str>,
        bytes: bytes::Bytes,
    },
    /// The parts of a `multipart/form-data` body; each exchange builds its form.
    Multipart(Arc<Multipart>),
}

impl EncodedBody {
    /// Sets the body and its `Content-Type` on the request of one exchange.
    pub(super) fn apply(
        &self,
        rb: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, String> {
        match self {
            EncodedBody::Bytes {
                content_type,
                bytes,
            } => Ok(rb
                .header(CONTENT_TYPE, content_type.as_ref())
                .body(bytes.clone())),
            EncodedBody::Multipart(parts) => Ok(rb.multipart(parts.form()?)),
        }
    }
}

/// A request being built by generated code.
#[must_use = "a request does nothing until it is sent"]
pub struct Request<'a> {
    pub(super) core: &'a ClientCore,
    pub(super) method: Method,
    pub(super) path: String,
    pub(super) operation: &'static str,
    /// The query's `name=value` pairs, percent-encoded.
    pub(super) query: Vec<String>,
    /// Why the request cannot be sent (a value that cannot be encoded), found while building.
    pub(super) problem: Option<String>,
    pub(super) headers: Vec<(&'static str, String)>,
    pub(super) body: Option<Result<EncodedBody, String>>,
    pub(super) at_origin: bool,
    /// The origin the request goes to instead of the client's (an operation's own host).
    pub(super) host: Option<&'static str>,
    pub(super) authenticate: bool,
    pub(super) requirement: Option<Requirement>,
    pub(super) accept: &'static str,
}

impl<'a> Request<'a> {
    /// Adds a query parameter (`name=value`, both percent-encoded).
    pub fn query(mut self, name: &'static str, value: String) -> Self {
        self.query.push(format!(
            "{}={}",
            encoding::encode(name),
            encoding::encode(&value)
        ));
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Adds a cookie (`name=value`, the value percent-encoded) to the `Cookie` header.
    pub fn cookie(self, name: &'static str, value: &str) -> Self {
        let pair = format!("{name}={}", crate::path::encode_segment(value));
        self.cookie_pair(pair)
    }

    /// Adds an encoded `name=value` pair to the `Cookie` header.
    pub(super) fn cookie_pair(mut self, pair: String) -> Self {
        match self
            .headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case("cookie"))
        {
            Some((_, existing)) => {
                existing.push_str("; ");
                existing.push_str(&pair);
            }
            None => self.headers.push(("Cookie", pair)),
        }
        self
    }

    /// Sets a body of raw bytes (an upload, a text) with its media type.
    pub fn bytes(
        mut self,
        body: impl Into<bytes::Bytes>,
        content_type: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.body = Some(Ok(EncodedBody::Bytes {
            content_type: content_type.into(),
            bytes: body.into(),
        }));
        self
    }

    /// Sets a JSON body.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.body = Some(
            serde_json::to_vec(body)
                .map(|bytes| EncodedBody::Bytes {
                    content_type: Cow::Borrowed("application/json"),
                    bytes: bytes.into(),
                })
                .map_err(|e| e.to_string()),
        );
        self
    }

    /// Sets an `application/x-www-form-urlencoded` body: an object's properties as
    /// `name=value` pairs (see [`form_with`](Self::form_with)).
    pub fn form<T: Serialize + ?Sized>(self, body: &T) -> Self {
        self.form_with(body, &[])
    }

    /// Sends no credentials, whatever the client's (for operations whose spec says
    /// `security: []`).
    pub fn no_auth(mut self) -> Self {
        self.authenticate = false;
        self
    }

    /// Sends the credentials that `requirement` chooses (the operation's own `security`)
    /// instead of those of the client's default requirement (see
    /// [`Security`](super::Security)).
    pub fn security(mut self, requirement: Requirement) -> Self {
        self.requirement = Some(requirement);
        self
    }

    /// Replaces the default `Accept: application/json` (a header parameter named `Accept`
    /// replaces both).
    pub fn accept(mut self, value: &'static str) -> Self {
        self.accept = value;
        self
    }

    /// Sets the `Idempotency-Key` header to `key`, or to a new random UUID v4 when `key` is
    /// `None`, replacing any earlier one; returns the request.
    ///
    /// A `POST` (or `PATCH`) is retried after a transient failure only when it carries this
    /// header: all attempts of the request send the same key, so that the server can tell a
    /// retry from a new request. Use one key per logical operation: a caller that repeats an
    /// operation itself, and wants it performed once, passes the key it used before.
    pub fn idempotency_key(mut self, key: Option<String>) -> Self {
        self.headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case(IDEMPOTENCY_KEY));
        let key = key.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        self.headers.push((IDEMPOTENCY_KEY, key));
        self
    }

    /// Checks the headers and encodes the body, once for all attempts.
    fn prepare<E>(self) -> Result<Prepared, Error<E>> {
        let inner = &self.core.inner;
        let prefix = match self.host {
            Some(host) => host,
            None if self.at_origin => &inner.origin,
            None => &inner.base_url,
        };
        if let Some(problem) = self.problem {
            return Err(Error::invalid_request(problem));
        }
        let mut url = String::with_capacity(prefix.len() + self.path.len());
        url.push_str(prefix);
        url.push_str(&self.path);
        if !self.query.is_empty() {
            // A path may hold a query of its own (a template such as `/search?kind=all`).
            url.push(if self.path.contains('?') { '&' } else { '?' });
            url.push_str(&self.query.join("&"));
        }
        let mut headers = Vec::with_capacity(self.headers.len());
        for (name, value) in &self.headers {
            let header_name = HeaderName::from_static_checked(name)?;
            let value = HeaderValue::from_str(value).map_err(|_| {
                Error::invalid_request(format!(
                    "the `{name}` header contains characters not allowed in HTTP headers"
                ))
            })?;
            headers.push((header_name, value));
        }
        let mut body = self.body.transpose().map_err(|e| {
            Error::invalid_request(format!("the request body cannot be encoded: {e}"))
        })?;
        let mut accept = self.accept;
        // A header parameter `Content-Type` names the body's type (a multipart body keeps its
        // own, which carries the boundary); one named `Accept` replaces the default.
        if let Some(i) = headers.iter().position(|(name, _)| *name == CONTENT_TYPE) {
            let (_, value) = headers.remove(i);
            if let (Some(EncodedBody::Bytes { content_type, .. }), Ok(text)) =
                (body.as_mut(), value.to_str())
            {
                *content_type = Cow::Owned(text.to_owned());
            }
        }
        if headers
            .iter()
            .any(|(name, _)| *name == reqwest::header::ACCEPT)
        {
            accept = "";
        }
        let has_key = headers
            .iter()
            .any(|(name, _)| name.as_str().eq_ignore_ascii_case(IDEMPOTENCY_KEY));
        Ok(Prepared {
            core: self.core.clone(),
            repeatable: retry::may_repeat(&self.method, has_key),
            method: self.method,
            url,
            path: self.path,
            operation: self.operation,
            headers,
            body,
            authenticate: self.authenticate,
            requirement: self.requirement,
            accept,
        })
    }

    /// Sends the request and decodes a JSON response as `T`.
    ///
    /// When `looks_successful` is given and returns `false` for the decoded value, the body is
    /// also decoded as the error schema `E`; if that reports an error, the call fails with
    /// [`Error::Api`].
    ///
    /// Transient failures are retried under [`ClientConfig::retry`](crate::ClientConfig::retry) (see
    /// the [`retry` module](crate::retry)); [`ClientConfig::timeout`](crate::ClientConfig::timeout) limits each attempt.
    pub async fn send_json<T: DeserializeOwned, E: ErrorBody>(
        self,
        looks_successful: Option<fn(&T) -> bool>,
    ) -> Result<T, Error<E>> {
        let prepared = self.prepare()?;
        prepared
            .retrying(|attempt| prepared.json_attempt(looks_successful, attempt))
            .await
    }

    /// Sends the request and expects a success status; the body is ignored.
    ///
    /// Transient failures are retried as with [`send_json`](Self::send_json).
    pub async fn send_empty<E: ErrorBody>(self) -> Result<(), Error<E>> {
        let prepared = self.prepare()?;
        prepared
            .retrying(|attempt| prepared.empty_attempt(attempt))
            .await
    }

    /// Sends the request and returns the response as a [`Download`], whose body is streamed.
    ///
    /// There is no limit on the total time: instead, waiting for the response head or for the
    /// next chunk of the body fails with [`DownloadError::Stalled`](crate::DownloadError::Stalled) after
    /// [`ClientConfig::download_stall_timeout`](crate::ClientConfig::download_stall_timeout). A non-2xx status gives the same
    /// [`Error::Status`] as [`send_json`](Self::send_json), from at most 64 KiB of the body.
    ///
    /// Transient failures before the response head arrives with a success status (no
    /// connection, a stalled head, HTTP 429 or 5xx) are retried as with
    /// [`send_json`](Self::send_json); failures while reading the [`Download`] are not
    /// retried, but a body that breaks off is resumed with range requests when the server
    /// supports them and the request may be repeated (up to
    /// [`ClientConfig::download_resume_attempts`](crate::ClientConfig::download_resume_attempts) times; see [`Download`]).
    pub async fn send_download<E: ErrorBody>(self) -> Result<Download, Error<E>> {
        let prepared = Arc::new(self.prepare()?);
        prepared
            .retrying(|attempt| prepared.download_attempt(attempt))
            .await
    }

    /// Sends the request and returns the body of a success response as text (decoded by the
    /// `charset` of its `Content-Type`, UTF-8 by default; malformed sequences become
    /// `U+FFFD`). The body is read whole, within
    /// [`ClientConfig::max_json_body`](crate::ClientConfig::max_json_body); transient failures
    /// are retried as with [`send_json`](Self::send_json).
    pub async fn send_text<E: ErrorBody>(self) -> Result<String, Error<E>> {
        Ok(self.send_raw::<E>().await?.text())
    }

    /// Sends the request and returns the body of a success response as bytes, read whole as
    /// with [`send_text`](Self::send_text).
    pub async fn send_bytes<E: ErrorBody>(self) -> Result<Vec<u8>, Error<E>> {
        Ok(self.send_raw::<E>().await?.body.into())
    }

    /// Sends the request and returns a successful response's status and whole body, for
    /// operations whose success responses differ by status (the caller decodes the body with
    /// [`RawResponse::json`]). A non-2xx status is an [`Error::Status`]; transient failures are
    /// retried as with [`send_json`](Self::send_json).
    pub async fn send_raw<E: ErrorBody>(self) -> Result<RawResponse, Error<E>> {
        let prepared = self.prepare()?;
        prepared
            .retrying(|attempt| prepared.raw_attempt(attempt))
            .await
    }
}

trait HeaderNameExt {
    fn from_static_checked<E>(name: &'static str) -> Result<HeaderName, Error<E>>;
}

impl HeaderNameExt for HeaderName {
    fn from_static_checked<E>(name: &'static str) -> Result<HeaderName, Error<E>> {
        HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::invalid_request(format!("`{name}` is not a valid header name")))
    }
}
