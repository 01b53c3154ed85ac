//! The transport shared by generated operations: base URL, credentials, headers, sending and
//! decoding.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{
    ACCEPT, ACCEPT_ENCODING, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue, IF_RANGE, RANGE,
    USER_AGENT,
};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Secret;
use crate::download::{Download, DownloadError, Reopen, ReopenFailure, Resumer};
use crate::error::{ApiError, DecodeError, Error, ErrorBody, StatusError, TransportError, excerpt};
use crate::oauth::{IssuedToken, OAuth};
use crate::retry::{self, Failure, IDEMPOTENCY_KEY, RetryConfig};

/// How requests are authenticated.
///
/// `Debug` never shows a password, secret or token.
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
    /// OAuth 2.0 client credentials: an access token is fetched from `token_url`, cached by
    /// the client (and its clones), refreshed shortly before it expires, and sent as
    /// `Authorization: Bearer …`. When the API answers HTTP 401, the token is fetched anew
    /// and the request retried once.
    ///
    /// A token response without a usable `expires_in` is taken to last one hour.
    OAuthClientCredentials {
        /// The OAuth client ID.
        client_id: String,
        /// The OAuth client secret.
        client_secret: Secret,
        /// The token endpoint: an absolute URL (`https`, or `http` to a loopback host), or a
        /// path such as `/oauth/token`, taken relative to the origin (scheme, host and port)
        /// of the client's base URL.
        token_url: String,
    },
}

/// Settings of a client. Construct with [`ClientConfig::default`] and the `with_*` methods.
///
/// The defaults:
///
/// | setting | default | applies to |
/// | --- | --- | --- |
/// | [`connect_timeout`](Self::connect_timeout) | 10 s | each connection |
/// | [`timeout`](Self::timeout) | 60 s | each attempt of a JSON call, body included; each OAuth token request |
/// | [`download_stall_timeout`](Self::download_stall_timeout) | 60 s | the wait for a download's response head, then for each next byte; no limit on a download's total time |
/// | [`download_resume_attempts`](Self::download_resume_attempts) | 3 | range requests resuming one download whose body broke off (see [`Download`]) |
/// | [`max_json_body`](Self::max_json_body) | 256 MiB | each JSON response body |
/// | [`retry`](Self::retry) | [`RetryConfig::default`]: 3 attempts, backoff from 200 ms up to 20 s, no retry past 2 min | each request (see the [`retry` module](crate::retry)) |
///
/// Redirects are followed up to 5 times, never from `https` to `http`, never to plain `http`
/// on a host other than a loopback one; `Authorization` is not sent to another host or port.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Time allowed to establish a connection (default 10 s).
    pub connect_timeout: Duration,
    /// Time allowed for one attempt of a JSON call, from sending to the last byte (default
    /// 60 s); also the limit of an OAuth token request.
    pub timeout: Duration,
    /// Largest JSON response body accepted, in bytes (default 256 MiB).
    pub max_json_body: usize,
    /// Longest wait for the next byte of a download, including its response head (default
    /// 60 s). Downloads have no limit on their total time.
    pub download_stall_timeout: Duration,
    /// The most range requests made to resume one download whose body broke off (default 3;
    /// 0 never resumes). See [`Download`] for when a download can be resumed.
    pub download_resume_attempts: u32,
    /// How failed attempts are retried (default [`RetryConfig::default`]; no retry with
    /// [`RetryConfig::disabled`]).
    pub retry: RetryConfig,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            max_json_body: 256 * 1024 * 1024,
            download_stall_timeout: Duration::from_secs(60),
            download_resume_attempts: 3,
            retry: RetryConfig::default(),
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

    /// Sets the longest wait for the next byte of a download.
    pub fn with_download_stall_timeout(mut self, timeout: Duration) -> Self {
        self.download_stall_timeout = timeout;
        self
    }

    /// Sets the most range requests made to resume one download (0 never resumes).
    pub fn with_download_resume_attempts(mut self, attempts: u32) -> Self {
        self.download_resume_attempts = attempts;
        self
    }

    /// Sets how failed attempts are retried.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
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
    /// The OAuth token URL is not acceptable.
    #[error("invalid OAuth token URL `{url}`: {reason}")]
    InvalidTokenUrl {
        /// The URL given (without any user information).
        url: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The HTTP client could not be built (TLS initialisation failed).
    #[error("could not initialise the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
    /// The user name, password or token contains characters that an HTTP header cannot carry
    /// (control characters).
    #[error(
        "the credentials contain characters that cannot be sent in an HTTP header (such as a line break): check the user name, password or token"
    )]
    InvalidCredentials,
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
/// credentials (and, for OAuth, one token cache). Cheap to clone; clones share all of it.
#[derive(Clone)]
pub struct ClientCore {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    /// `scheme://host[:port]` of the base URL.
    origin: String,
    /// The path of the base URL without a trailing slash.
    base_path: String,
    auth: Auth,
    /// The `Authorization` value of basic and fixed bearer credentials, encoded once and
    /// marked sensitive (never shown by `Debug`).
    authorization: Option<HeaderValue>,
    oauth: Option<OAuth>,
    user_agent: &'static str,
    config: ClientConfig,
}

/// `Zuora-Request-Id`, which Zuora support asks for.
const ZUORA_REQUEST_ID: HeaderName = HeaderName::from_static("zuora-request-id");

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

/// The most redirects followed for one request.
const MAX_REDIRECTS: usize = 5;

/// Why a redirect to `next` is not followed, or `None` to follow it; `previous` holds the URLs
/// requested so far, the request's own first.
fn redirect_refusal(next: &Url, previous: &[Url]) -> Option<&'static str> {
    if previous.len() > MAX_REDIRECTS {
        return Some("more than 5 redirects");
    }
    if !next.username().is_empty() || next.password().is_some() {
        return Some("refused a redirect to a URL with credentials");
    }
    let was_https = previous.iter().any(|u| u.scheme() == "https");
    match next.scheme() {
        "https" => None,
        "http" if was_https => Some("refused a redirect from https to http"),
        "http" if is_loopback(next) => None,
        "http" => Some("refused a redirect to plain http on a non-loopback host"),
        _ => Some("refused a redirect to a scheme other than https"),
    }
}

/// The redirect policy of every client (see [`redirect_refusal`]). `reqwest` itself drops
/// `Authorization` (and cookies) when a redirect leads to another host or port.
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        match redirect_refusal(attempt.url(), attempt.previous()) {
            None => attempt.follow(),
            Some(reason) => attempt.error(reason),
        }
    })
}

/// `url` without user information, for messages.
fn shown_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => url.chars().take(100).collect(),
    }
}

/// The rules of an absolute URL the client may send credentials to; `what` names it in the
/// reason for refusing a query or fragment.
fn check_absolute_url(url: &str, what: Endpoint) -> Result<Url, &'static str> {
    let parsed = Url::parse(url).map_err(|_| "not an absolute URL")?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("credentials belong in `Credentials`, not in the URL");
    }
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(&parsed) => {}
        "http" => return Err("plain http is allowed only for loopback hosts; use https"),
        _ => return Err("the scheme must be https"),
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(match what {
            Endpoint::Base => "a base URL has no query or fragment",
            Endpoint::Token => "a token URL has no query or fragment",
        });
    }
    Ok(parsed)
}

/// Which URL [`check_absolute_url`] checks.
#[derive(Clone, Copy)]
enum Endpoint {
    Base,
    Token,
}

/// Checks a base URL: absolute, `https` (or `http` to a loopback host), no credentials, no
/// query or fragment. Returns it without a trailing slash.
pub fn validate_base_url(base_url: &str) -> Result<String, ConfigError> {
    check_absolute_url(base_url, Endpoint::Base).map_err(|reason| ConfigError::InvalidBaseUrl {
        url: shown_url(base_url),
        reason,
    })?;
    Ok(base_url.trim_end_matches('/').to_owned())
}

/// Resolves an OAuth token URL: absolute under the rules of [`validate_base_url`], or a path
/// starting with `/` taken relative to `origin`.
fn resolve_token_url(token_url: &str, origin: &str) -> Result<String, ConfigError> {
    let refuse = |reason| ConfigError::InvalidTokenUrl {
        url: shown_url(token_url),
        reason,
    };
    let absolute = if token_url.starts_with('/') && !token_url.starts_with("//") {
        format!("{origin}{token_url}")
    } else if token_url.contains("://") {
        token_url.to_owned()
    } else {
        return Err(refuse(
            "expected an absolute URL or a path starting with `/`",
        ));
    };
    check_absolute_url(&absolute, Endpoint::Token).map_err(refuse)?;
    Ok(absolute)
}

/// How long a request may take.
#[derive(Clone, Copy)]
enum TimeLimit {
    /// The whole exchange, body included (JSON calls).
    Total(Duration),
    /// The wait for the response head; the body is read by [`Download`] under its own limit.
    Stall(Duration),
}

/// The `Authorization` value of credentials that do not change: `Basic base64(user:password)`
/// or `Bearer token`, marked sensitive; `None` without credentials and under OAuth.
fn fixed_authorization(auth: &Auth) -> Result<Option<HeaderValue>, ConfigError> {
    use base64::Engine as _;
    let text = match auth {
        Auth::None | Auth::OAuthClientCredentials { .. } => return Ok(None),
        Auth::Basic { username, password } => {
            let pair = format!("{username}:{}", password.expose());
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        }
        Auth::Bearer(token) => format!("Bearer {}", token.expose()),
    };
    let mut value = HeaderValue::from_str(&text).map_err(|_| ConfigError::InvalidCredentials)?;
    value.set_sensitive(true);
    Ok(Some(value))
}

impl ClientCore {
    /// A transport for `base_url` (see [`validate_base_url`]).
    ///
    /// With [`Auth::OAuthClientCredentials`], the token URL is checked and resolved here;
    /// no token is fetched until the first request.
    pub fn new(
        base_url: &str,
        auth: Auth,
        user_agent: &'static str,
        config: ClientConfig,
    ) -> Result<Self, ConfigError> {
        let base_url = validate_base_url(base_url)?;
        let parsed = Url::parse(&base_url).map_err(|_| ConfigError::InvalidBaseUrl {
            url: shown_url(&base_url),
            reason: "not an absolute URL",
        })?;
        let origin = parsed.origin().ascii_serialization();
        let base_path = parsed.path().trim_end_matches('/').to_owned();
        let oauth = match &auth {
            Auth::OAuthClientCredentials {
                client_id,
                client_secret,
                token_url,
            } => Some(OAuth::new(
                client_id.clone(),
                client_secret.clone(),
                resolve_token_url(token_url, &origin)?,
            )),
            Auth::None | Auth::Basic { .. } | Auth::Bearer(_) => None,
        };
        let authorization = fixed_authorization(&auth)?;
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(config.connect_timeout)
            .redirect(redirect_policy())
            .build()
            .map_err(ConfigError::Http)?;
        Ok(ClientCore {
            inner: Arc::new(Inner {
                http,
                base_url,
                origin,
                base_path,
                auth,
                authorization,
                oauth,
                user_agent,
                config,
            }),
        })
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The path of the base URL without a trailing slash: `"/apps/api"`, `"/v1"`, or `""`.
    pub fn base_path(&self) -> &str {
        &self.inner.base_path
    }

    /// The client's settings.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// Starts a request to `path` (already percent-encoded, starting with `/`) under the base
    /// URL, for the operation named `operation`.
    pub fn request(&self, method: Method, path: String, operation: &'static str) -> Request<'_> {
        Request {
            core: self,
            method,
            path,
            operation,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            at_origin: false,
            authenticate: true,
            accept: "application/json",
        }
    }

    /// Starts a request to `path` (already percent-encoded, starting with `/`) at the origin
    /// (scheme, host and port) of the base URL, ignoring the base URL's path: for operations
    /// served at the host's root, such as `/oauth/token`.
    pub fn request_at_origin(
        &self,
        method: Method,
        path: String,
        operation: &'static str,
    ) -> Request<'_> {
        Request {
            at_origin: true,
            ..self.request(method, path, operation)
        }
    }
}

/// An encoded request body.
#[derive(Clone)]
struct EncodedBody {
    content_type: &'static str,
    bytes: bytes::Bytes,
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
    body: Option<Result<EncodedBody, String>>,
    at_origin: bool,
    authenticate: bool,
    accept: &'static str,
}

impl<'a> Request<'a> {
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

    /// Adds a cookie (`name=value`, the value percent-encoded) to the `Cookie` header.
    pub fn cookie(mut self, name: &'static str, value: &str) -> Self {
        let pair = format!("{name}={}", crate::path::encode_segment(value));
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

    /// Sets a body of raw bytes (an upload) with its media type.
    pub fn bytes(mut self, body: impl Into<bytes::Bytes>, content_type: &'static str) -> Self {
        self.body = Some(Ok(EncodedBody {
            content_type,
            bytes: body.into(),
        }));
        self
    }

    /// Sets a JSON body.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.body = Some(
            serde_json::to_vec(body)
                .map(|bytes| EncodedBody {
                    content_type: "application/json",
                    bytes: bytes.into(),
                })
                .map_err(|e| e.to_string()),
        );
        self
    }

    /// Sets an `application/x-www-form-urlencoded` body.
    pub fn form<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.body = Some(
            serde_urlencoded::to_string(body)
                .map(|text| EncodedBody {
                    content_type: "application/x-www-form-urlencoded",
                    bytes: text.into(),
                })
                .map_err(|e| e.to_string()),
        );
        self
    }

    /// Sends no `Authorization` header, whatever the client's credentials (for operations
    /// whose spec says `security: []`).
    pub fn no_auth(mut self) -> Self {
        self.authenticate = false;
        self
    }

    /// Replaces the default `Accept: application/json`.
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
        let prefix = if self.at_origin {
            &inner.origin
        } else {
            &inner.base_url
        };
        let mut url = String::with_capacity(prefix.len() + self.path.len());
        url.push_str(prefix);
        url.push_str(&self.path);
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
        let body = self.body.transpose().map_err(|e| {
            Error::invalid_request(format!("the request body cannot be encoded: {e}"))
        })?;
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
            query: self.query,
            headers,
            body,
            authenticate: self.authenticate,
            accept: self.accept,
        })
    }

    /// Sends the request and decodes a JSON response as `T`.
    ///
    /// When `looks_successful` is given and returns `false` for the decoded value, the body is
    /// also decoded as the error schema `E`; if that reports an error, the call fails with
    /// [`Error::Api`].
    ///
    /// Transient failures are retried under [`ClientConfig::retry`] (see
    /// the [`retry` module](crate::retry)); [`ClientConfig::timeout`] limits each attempt.
    pub async fn send_json<T: DeserializeOwned, E: ErrorBody>(
        self,
        looks_successful: Option<fn(&T) -> bool>,
    ) -> Result<T, Error<E>> {
        let prepared = self.prepare()?;
        prepared
            .retrying(|| prepared.json_attempt(looks_successful))
            .await
    }

    /// Sends the request and expects a success status; the body is ignored.
    ///
    /// Transient failures are retried as with [`send_json`](Self::send_json).
    pub async fn send_empty<E: ErrorBody>(self) -> Result<(), Error<E>> {
        let prepared = self.prepare()?;
        prepared.retrying(|| prepared.empty_attempt()).await
    }

    /// Sends the request and returns the response as a [`Download`], whose body is streamed.
    ///
    /// There is no limit on the total time: instead, waiting for the response head or for the
    /// next chunk of the body fails with [`DownloadError::Stalled`] after
    /// [`ClientConfig::download_stall_timeout`]. A non-2xx status gives the same
    /// [`Error::Status`] as [`send_json`](Self::send_json), from at most 64 KiB of the body.
    ///
    /// Transient failures before the response head arrives with a success status (no
    /// connection, a stalled head, HTTP 429 or 5xx) are retried as with
    /// [`send_json`](Self::send_json); failures while reading the [`Download`] are not
    /// retried, but a body that breaks off is resumed with range requests when the server
    /// supports them and the request may be repeated (up to
    /// [`ClientConfig::download_resume_attempts`] times; see [`Download`]).
    pub async fn send_download<E: ErrorBody>(self) -> Result<Download, Error<E>> {
        let prepared = Arc::new(self.prepare()?);
        prepared.retrying(|| prepared.download_attempt()).await
    }

    /// Sends the request and returns a successful response's status and whole body, for
    /// operations whose success responses differ by status (the caller decodes the body with
    /// [`RawResponse::json`]). A non-2xx status is an [`Error::Status`]; transient failures are
    /// retried as with [`send_json`](Self::send_json).
    pub async fn send_raw<E: ErrorBody>(self) -> Result<RawResponse, Error<E>> {
        let prepared = self.prepare()?;
        prepared.retrying(|| prepared.raw_attempt()).await
    }
}

/// A successful exchange read whole, with what the retry rules and errors need.
struct ReadResponse {
    raw: RawResponse,
    request_id: Option<String>,
    server_delay: Option<Duration>,
}

/// A successful response read whole: see [`Request::send_raw`].
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

/// A request ready to be sent, as many times as its attempts need (and, for a download, its
/// resumptions).
#[derive(Clone)]
struct Prepared {
    core: ClientCore,
    method: Method,
    url: String,
    /// The path as given, for logs.
    path: String,
    operation: &'static str,
    query: Vec<(&'static str, String)>,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<EncodedBody>,
    authenticate: bool,
    accept: &'static str,
    /// Whether the request may be sent more than once (see [`retry::may_repeat`]).
    repeatable: bool,
}

impl Prepared {
    /// Makes the attempts of `attempt` under the client's retry settings.
    async fn retrying<T, E, F, Fut>(&self, attempt: F) -> Result<T, Error<E>>
    where
        E: ErrorBody,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Failure<E>>>,
    {
        let config = &self.core.inner.config.retry;
        retry::run(self.operation, config, self.repeatable, attempt).await
    }

    /// The request builder of one exchange, authenticated with `token` under OAuth.
    fn build(&self, limit: TimeLimit, token: Option<&IssuedToken>) -> reqwest::RequestBuilder {
        let inner = &self.core.inner;
        let mut rb = inner
            .http
            .request(self.method.clone(), &self.url)
            .header(ACCEPT, self.accept)
            .header(USER_AGENT, inner.user_agent);
        if let TimeLimit::Total(timeout) = limit {
            rb = rb.timeout(timeout);
        }
        if !self.query.is_empty() {
            rb = rb.query(&self.query);
        }
        for (name, value) in &self.headers {
            rb = rb.header(name.clone(), value.clone());
        }
        if self.authenticate {
            if let Some(value) = &inner.authorization {
                rb = rb.header(AUTHORIZATION, value.clone());
            } else if let Some(token) = token {
                rb = rb.bearer_auth(token.access.expose());
            }
        }
        if let Some(body) = &self.body {
            rb = rb
                .header(CONTENT_TYPE, body.content_type)
                .body(body.bytes.clone());
        }
        rb
    }

    /// One exchange up to the response head. Under OAuth, an HTTP 401 makes it fetch a new
    /// token and send the request once more, within the same attempt.
    async fn execute<E>(&self, limit: TimeLimit) -> Result<reqwest::Response, Error<E>> {
        let inner = &self.core.inner;
        let operation = self.operation;
        tracing::debug!(operation, method = %self.method, path = %self.path, "sending request");
        let oauth = inner.oauth.as_ref().filter(|_| self.authenticate);
        let response = match oauth {
            None => send(self.build(limit, None), limit, operation).await?,
            Some(oauth) => {
                let transport = crate::oauth::Transport {
                    http: &inner.http,
                    user_agent: inner.user_agent,
                    timeout: inner.config.timeout,
                };
                let token = oauth.token(&transport).await?;
                let response = send(self.build(limit, Some(&token)), limit, operation).await?;
                if response.status() == StatusCode::UNAUTHORIZED {
                    tracing::debug!(
                        operation,
                        "HTTP 401 with an OAuth token: fetching a new token and retrying once"
                    );
                    drop(response);
                    oauth.invalidate(&token).await;
                    let token = oauth.token(&transport).await?;
                    send(self.build(limit, Some(&token)), limit, operation).await?
                } else {
                    response
                }
            }
        };
        tracing::debug!(operation, status = response.status().as_u16(), "response");
        Ok(response)
    }

    /// One exchange read whole, for the JSON-sized calls: a success status with its body, or
    /// the failure (an error status becomes [`Error::Status`]).
    async fn read_attempt<E: ErrorBody>(&self) -> Result<ReadResponse, Failure<E>> {
        let operation = self.operation;
        let config = &self.core.inner.config;
        let response = self.execute(TimeLimit::Total(config.timeout)).await?;
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

    /// One attempt of [`Request::send_json`].
    async fn json_attempt<T: DeserializeOwned, E: ErrorBody>(
        &self,
        looks_successful: Option<fn(&T) -> bool>,
    ) -> Result<T, Failure<E>> {
        let read = self.read_attempt::<E>().await?;
        let fail = |error: Error<E>| Failure {
            error,
            server_delay: read.server_delay,
        };
        let raw = &read.raw;
        let value: T = raw.json().map_err(fail)?;
        if let Some(check) = looks_successful {
            if !check(&value) {
                if let Ok(body) = serde_json::from_slice::<E>(&raw.body) {
                    if body.is_error() {
                        return Err(fail(Error::Api(Box::new(ApiError {
                            operation: raw.operation,
                            status: raw.status,
                            body,
                            request_id: read.request_id,
                            attempts: 1,
                        }))));
                    }
                }
            }
        }
        Ok(value)
    }

    /// One attempt of [`Request::send_raw`].
    async fn raw_attempt<E: ErrorBody>(&self) -> Result<RawResponse, Failure<E>> {
        Ok(self.read_attempt::<E>().await?.raw)
    }

    /// One attempt of [`Request::send_empty`].
    async fn empty_attempt<E: ErrorBody>(&self) -> Result<(), Failure<E>> {
        self.read_attempt::<E>().await.map(|_| ())
    }

    /// One attempt of [`Request::send_download`]: up to a success status, or an error status
    /// with (the start of) its body.
    async fn download_attempt<E: ErrorBody>(self: &Arc<Self>) -> Result<Download, Failure<E>> {
        const MAX_ERROR_BODY: usize = 64 * 1024;
        let operation = self.operation;
        let stall = self.core.inner.config.download_stall_timeout;
        let mut response = self.execute(TimeLimit::Stall(stall)).await?;
        let status = response.status();
        if status.is_success() {
            return Ok(Download::new(response, stall, self.resumer()));
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
    fn resumer(self: &Arc<Self>) -> Option<Resumer> {
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
            Box::pin(async move { prepared.reopen(extra).await })
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
    ) -> Result<reqwest::Response, ReopenFailure> {
        let mut request = self.clone();
        request.headers.extend(extra);
        let stall = request.core.inner.config.download_stall_timeout;
        request
            .execute::<serde_json::Value>(TimeLimit::Stall(stall))
            .await
            .map_err(|error| ReopenFailure {
                transient: retry::reason(&error).is_some(),
                reason: error.to_string(),
            })
    }
}

/// Sends a request within `limit`.
async fn send<E>(
    rb: reqwest::RequestBuilder,
    limit: TimeLimit,
    operation: &'static str,
) -> Result<reqwest::Response, Error<E>> {
    let transport = |source| {
        Error::Transport(TransportError {
            operation,
            source,
            attempts: 1,
        })
    };
    match limit {
        TimeLimit::Total(_) => rb.send().await.map_err(transport),
        TimeLimit::Stall(after) => match tokio::time::timeout(after, rb.send()).await {
            Ok(result) => result.map_err(transport),
            Err(_) => Err(DownloadError::Stalled { after }.into()),
        },
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
    if let Some(len) = response.content_length() {
        if len > max as u64 {
            return Err(too_large(len as usize));
        }
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
            Err(source) => {
                return Err(Error::Transport(TransportError {
                    operation,
                    source,
                    attempts: 1,
                }));
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_credentials_are_encoded_once_and_hidden() {
        use base64::Engine as _;
        let basic = Auth::Basic {
            username: "Aladdin".into(),
            password: Secret::new("open sesame"),
        };
        let value = fixed_authorization(&basic).unwrap().unwrap();
        // RFC 7617's example.
        assert_eq!(
            value.to_str().unwrap(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert!(value.is_sensitive());
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode("QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
                .unwrap(),
            b"Aladdin:open sesame"
        );
        let bearer = fixed_authorization(&Auth::Bearer(Secret::new("t0k"))).unwrap();
        assert_eq!(bearer.unwrap().to_str().unwrap(), "Bearer t0k");
        assert!(fixed_authorization(&Auth::None).unwrap().is_none());

        let core = ClientCore::new(
            "https://rest.zuora.com/v1",
            basic,
            "aqua-test/1",
            ClientConfig::default(),
        )
        .unwrap();
        let shown = format!("{core:?}");
        assert!(!shown.contains("open sesame") && !shown.contains("QWxhZGRpbjpvcGVuIHNlc2FtZQ"));

        // A header cannot carry a line break (basic credentials are base64, so always can):
        // refused when the client is made, not later.
        let broken = Auth::Bearer(Secret::new("s3cr\nt"));
        let err = ClientCore::new(
            "https://rest.zuora.com/v1",
            broken,
            "aqua-test/1",
            ClientConfig::default(),
        )
        .unwrap_err();
        assert!(matches!(err, ConfigError::InvalidCredentials), "{err:?}");
        assert!(!err.to_string().contains("s3cr"), "{err}");
    }

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
    fn redirects_are_checked() {
        let url = |u: &str| Url::parse(u).unwrap();
        let https = url("https://rest.zuora.com/v1/x");
        let local = url("http://127.0.0.1:8080/v1/x");
        let check = |next: &str, previous: &[&Url]| {
            let previous: Vec<Url> = previous.iter().map(|u| (*u).clone()).collect();
            redirect_refusal(&url(next), &previous)
        };
        assert_eq!(check("https://other.example/y", &[&https]), None);
        assert_eq!(check("http://localhost:9/y", &[&local]), None);
        assert_eq!(check("https://other.example/y", &[&local]), None);
        assert_eq!(
            check("http://rest.zuora.com/y", &[&https]),
            Some("refused a redirect from https to http")
        );
        // No downgrade even to a loopback host, nor after an https hop anywhere in the chain.
        assert_eq!(
            check("http://127.0.0.1/y", &[&https]),
            Some("refused a redirect from https to http")
        );
        assert_eq!(
            check("http://127.0.0.1/y", &[&local, &https, &https]),
            Some("refused a redirect from https to http")
        );
        assert_eq!(
            check("http://example.com/y", &[&local]),
            Some("refused a redirect to plain http on a non-loopback host")
        );
        assert_eq!(
            check("https://u:p@other.example/y", &[&https]),
            Some("refused a redirect to a URL with credentials")
        );
        assert_eq!(
            check("file:///etc/passwd", &[&local]),
            Some("refused a redirect to a scheme other than https")
        );
        // The request's own URL and five redirects.
        assert_eq!(check("https://a.example/6", &[&https; 5]), None);
        assert_eq!(
            check("https://a.example/7", &[&https; 6]),
            Some("more than 5 redirects")
        );
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
