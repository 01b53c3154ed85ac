//! The transport shared by generated operations: base URL, credentials, headers, sending and
//! decoding.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderName, HeaderValue, USER_AGENT};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Secret;
use crate::error::{ApiError, DecodeError, Error, ErrorBody, StatusError, TransportError, excerpt};

/// How requests are authenticated.
///
/// `Debug` never shows a password or token.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum Auth {
    /// No `Authorization` header.
    #[default]
    None,
    /// HTTP basic authentication.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: Secret,
    },
    /// A fixed bearer token.
    Bearer(Secret),
}

/// Settings of a client. Construct with [`ClientConfig::default`] and the `with_*` methods.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Time allowed to establish a connection (default 10 s).
    pub connect_timeout: Duration,
    /// Time allowed for a whole JSON call, from sending to the last byte (default 60 s).
    pub timeout: Duration,
    /// Largest JSON response body accepted, in bytes (default 256 MiB).
    pub max_json_body: usize,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            max_json_body: 256 * 1024 * 1024,
        }
    }
}

impl ClientConfig {
    /// Sets the connect timeout.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the timeout of a whole JSON call.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the largest JSON response body accepted.
    pub fn with_max_json_body(mut self, bytes: usize) -> Self {
        self.max_json_body = bytes;
        self
    }
}

/// A client could not be created.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The base URL is not acceptable.
    #[error("invalid base URL `{url}`: {reason}")]
    InvalidBaseUrl {
        /// The URL given (without any user information).
        url: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The HTTP client could not be built (TLS initialisation failed).
    #[error("could not initialise the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
}

/// A name that is not one of the spec's environments.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown environment `{name}`; expected one of: {}", known.join(", "))]
pub struct UnknownEnvironment {
    name: String,
    known: &'static [&'static str],
}

impl UnknownEnvironment {
    /// `name` is not among `known`.
    pub fn new(name: &str, known: &'static [&'static str]) -> Self {
        UnknownEnvironment {
            name: name.to_owned(),
            known,
        }
    }
}

/// The transport of a generated client: one connection pool, one base URL, one set of
/// credentials. Cheap to clone.
#[derive(Clone)]
pub struct ClientCore {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    auth: Auth,
    user_agent: &'static str,
    config: ClientConfig,
}

impl fmt::Debug for ClientCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCore")
            .field("base_url", &self.inner.base_url)
            .field("auth", &self.inner.auth)
            .field("user_agent", &self.inner.user_agent)
            .field("config", &self.inner.config)
            .finish()
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Checks a base URL: absolute, `https` (or `http` to a loopback host), no credentials, no
/// query or fragment. Returns it without a trailing slash.
pub fn validate_base_url(base_url: &str) -> Result<String, ConfigError> {
    let refuse = |reason| {
        // Never echo user information that may hold a password.
        let shown = match Url::parse(base_url) {
            Ok(mut u) => {
                let _ = u.set_username("");
                let _ = u.set_password(None);
                u.to_string()
            }
            Err(_) => base_url.chars().take(100).collect(),
        };
        ConfigError::InvalidBaseUrl { url: shown, reason }
    };
    let url = Url::parse(base_url).map_err(|_| refuse("not an absolute URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse(
            "credentials belong in `Credentials`, not in the URL",
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(refuse(
                "plain http is allowed only for loopback hosts; use https",
            ));
        }
        _ => return Err(refuse("the scheme must be https")),
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refuse("a base URL has no query or fragment"));
    }
    Ok(base_url.trim_end_matches('/').to_owned())
}

impl ClientCore {
    /// A transport for `base_url` (see [`validate_base_url`]).
    pub fn new(
        base_url: &str,
        auth: Auth,
        user_agent: &'static str,
        config: ClientConfig,
    ) -> Result<Self, ConfigError> {
        let base_url = validate_base_url(base_url)?;
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(config.connect_timeout)
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(ConfigError::Http)?;
        Ok(ClientCore {
            inner: Arc::new(Inner {
                http,
                base_url,
                auth,
                user_agent,
                config,
            }),
        })
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The client's settings.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// Starts a request to `path` (already percent-encoded, starting with `/`) for the
    /// operation named `operation`.
    pub fn request(&self, method: Method, path: String, operation: &'static str) -> Request<'_> {
        Request {
            core: self,
            method,
            path,
            operation,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
        }
    }
}

/// A request being built by generated code.
#[must_use = "a request does nothing until it is sent"]
pub struct Request<'a> {
    core: &'a ClientCore,
    method: Method,
    path: String,
    operation: &'static str,
    query: Vec<(&'static str, String)>,
    headers: Vec<(&'static str, String)>,
    body: Option<Result<Vec<u8>, String>>,
}

impl Request<'_> {
    /// Adds a query parameter.
    pub fn query(mut self, name: &'static str, value: String) -> Self {
        self.query.push((name, value));
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Sets a JSON body.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.body = Some(serde_json::to_vec(body).map_err(|e| e.to_string()));
        self
    }

    async fn execute<E>(self) -> Result<reqwest::Response, Error<E>> {
        let inner = &self.core.inner;
        let url = format!("{}{}", inner.base_url, self.path);
        let mut rb = inner
            .http
            .request(self.method.clone(), &url)
            .timeout(inner.config.timeout)
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, inner.user_agent);
        if !self.query.is_empty() {
            rb = rb.query(&self.query);
        }
        for (name, value) in &self.headers {
            let header_name = HeaderName::from_static_checked(name)?;
            let value = HeaderValue::from_str(value).map_err(|_| {
                Error::invalid_request(format!(
                    "the `{name}` header contains characters not allowed in HTTP headers"
                ))
            })?;
            rb = rb.header(header_name, value);
        }
        match &inner.auth {
            Auth::None => {}
            Auth::Basic { username, password } => {
                rb = rb.basic_auth(username, Some(password.expose()));
            }
            Auth::Bearer(token) => rb = rb.bearer_auth(token.expose()),
        }
        if let Some(body) = self.body {
            let body = body.map_err(|e| {
                Error::invalid_request(format!("the request body cannot be encoded: {e}"))
            })?;
            rb = rb.header(CONTENT_TYPE, "application/json").body(body);
        }
        tracing::debug!(operation = self.operation, method = %self.method, path = %self.path, "sending request");
        let operation = self.operation;
        let response = rb
            .send()
            .await
            .map_err(|source| Error::Transport(TransportError { operation, source }))?;
        tracing::debug!(operation, status = response.status().as_u16(), "response");
        Ok(response)
    }

    /// Sends the request and decodes a JSON response as `T`.
    ///
    /// When `looks_successful` is given and returns `false` for the decoded value, the body is
    /// also decoded as the error schema `E`; if that reports an error, the call fails with
    /// [`Error::Api`].
    pub async fn send_json<T: DeserializeOwned, E: ErrorBody>(
        self,
        looks_successful: Option<fn(&T) -> bool>,
    ) -> Result<T, Error<E>> {
        let operation = self.operation;
        let max = self.core.inner.config.max_json_body;
        let response = self.execute().await?;
        let (status, request_id, content_type, bytes) = read_body(operation, response, max).await?;
        if !status.is_success() {
            return Err(status_error(operation, status, request_id, &bytes));
        }
        let value: T = serde_json::from_slice(&bytes).map_err(|source| {
            Error::Decode(Box::new(DecodeError {
                operation,
                status,
                content_type,
                excerpt: excerpt(&bytes, 200),
                source,
            }))
        })?;
        if let Some(check) = looks_successful {
            if !check(&value) {
                if let Ok(body) = serde_json::from_slice::<E>(&bytes) {
                    if body.is_error() {
                        return Err(Error::Api(Box::new(ApiError {
                            operation,
                            status,
                            body,
                            request_id,
                        })));
                    }
                }
            }
        }
        Ok(value)
    }

    /// Sends the request and expects a success status; the body is ignored.
    pub async fn send_empty<E: ErrorBody>(self) -> Result<(), Error<E>> {
        let operation = self.operation;
        let max = self.core.inner.config.max_json_body;
        let response = self.execute().await?;
        let (status, request_id, _, bytes) = read_body(operation, response, max).await?;
        if !status.is_success() {
            return Err(status_error(operation, status, request_id, &bytes));
        }
        Ok(())
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

type Body = (StatusCode, Option<String>, Option<String>, bytes::Bytes);

/// Reads a whole body, refusing more than `max` bytes.
async fn read_body<E>(
    operation: &'static str,
    mut response: reqwest::Response,
    max: usize,
) -> Result<Body, Error<E>> {
    let status = response.status();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let request_id = header("zuora-request-id");
    let content_type = header("content-type");
    let too_large = |len: usize| {
        Error::invalid_request(format!(
            "{operation}: the response body ({len} bytes or more) exceeds the limit of {max} bytes"
        ))
    };
    if let Some(len) = response.content_length() {
        if len > max as u64 {
            return Err(too_large(len as usize));
        }
    }
    let mut buf = bytes::BytesMut::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if buf.len() + chunk.len() > max {
                    return Err(too_large(buf.len() + chunk.len()));
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(source) => return Err(Error::Transport(TransportError { operation, source })),
        }
    }
    Ok((status, request_id, content_type, buf.freeze()))
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
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked() {
        assert_eq!(
            validate_base_url("https://rest.zuora.com/v1/").unwrap(),
            "https://rest.zuora.com/v1"
        );
        assert!(validate_base_url("http://127.0.0.1:8080/apps/api").is_ok());
        assert!(validate_base_url("http://localhost:1").is_ok());
        assert!(validate_base_url("http://[::1]:1").is_ok());
        for bad in [
            "http://rest.zuora.com/v1",
            "ftp://rest.zuora.com",
            "rest.zuora.com/v1",
            "https://rest.zuora.com/v1?x=1",
        ] {
            assert!(validate_base_url(bad).is_err(), "{bad} was accepted");
        }
        let err = validate_base_url("https://me:hunter2@rest.zuora.com/v1").unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn auth_debug_hides_secrets() {
        let auth = Auth::Basic {
            username: "me".into(),
            password: Secret::new("hunter2"),
        };
        let core =
            ClientCore::new("https://x.example", auth, "t/1", ClientConfig::default()).unwrap();
        let shown = format!("{core:?}");
        assert!(
            shown.contains("me") && !shown.contains("hunter2"),
            "{shown}"
        );
        let bearer = format!("{:?}", Auth::Bearer(Secret::new("tok-123")));
        assert!(!bearer.contains("tok-123"));
    }
}
