//! The transport shared by generated operations: base URL, credentials, headers, sending and
//! decoding.
//!
//! - [`ClientCore`] (here): one connection pool, base URL, auth scheme and configuration;
//! - `config`: [`ClientConfig`], [`ConfigError`], [`UnknownEnvironment`];
//! - `urls`: the rules of base URLs and token URLs ([`validate_base_url`]);
//! - `auth`: [`Auth`] and the seam through which each credential kind writes itself on a
//!   request (`Scheme`: a source and a placement); `oauth`: the OAuth token source;
//!   `tokens`: [`TokenSource`], tokens the application renews itself;
//! - `security`: [`Security`], a client's credentials by security scheme, and which of them
//!   a request sends;
//! - `redirect`: which redirects are followed, and what is stripped from them;
//! - `request`: [`Request`], the builder, and its four ways to send; [`send`]: the boxed
//!   futures of generated builders, over those;
//! - `exchange`: one exchange (build, authenticate, follow, send within the time limit);
//! - `response`: what an attempt makes of a response ([`RawResponse`], [`Download`](crate::Download)).

mod auth;
mod config;
mod encode;
mod exchange;
mod oauth;
mod redirect;
mod request;
mod response;
mod security;
pub mod send;
mod tls;
mod tokens;
mod urls;

#[cfg(test)]
mod redirect_tests;
#[cfg(test)]
mod security_tests;

use std::fmt;
use std::sync::Arc;

use reqwest::{Method, Url};

pub use auth::{ApiKeyLocation, Auth};
pub use config::{ClientConfig, ConfigError, UnknownEnvironment};
pub use request::Request;
pub use response::RawResponse;
pub use security::{Requirement, Security};
pub use tokens::{TokenError, TokenSource};
pub use urls::{resolve_base_url, validate_base_url};

use auth::Scheme;
use redirect::Follower;

/// The transport of a generated client: one connection pool, one base URL, one set of
/// credentials (and, for OAuth, one token cache per scheme). Cheap to clone; clones share all
/// of it.
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
    /// As given, for `Debug` (which never shows a secret).
    security: Security,
    /// How the credentials of each scheme of `security` authenticate a request, by key.
    schemes: Vec<(&'static str, Scheme)>,
    /// How `security`'s credentials sent with every authenticated request do it.
    always: Vec<Scheme>,
    /// The requirement of requests that state none.
    requirement: Option<Requirement>,
    /// Who follows redirects: reqwest, or the exchange when reqwest would keep what the
    /// scheme writes, or when `http` is the user's.
    follower: Follower,
    /// Whether `http` was given by the user (`ClientConfig::with_http_client`).
    user_http: bool,
    user_agent: &'static str,
    config: ClientConfig,
}

impl Inner {
    /// What a token source needs to send its token requests.
    fn token_transport(&self) -> oauth::Transport<'_> {
        oauth::Transport {
            http: &self.http,
            user_agent: self.user_agent,
            timeout: self.config.timeout,
        }
    }
}

impl fmt::Debug for ClientCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCore")
            .field("base_url", &self.inner.base_url)
            .field("auth", &self.inner.security)
            .field("user_agent", &self.inner.user_agent)
            .field("config", &self.inner.config)
            .finish()
    }
}

impl ClientCore {
    /// A transport for `base_url` (see [`validate_base_url`]).
    ///
    /// `auth` is one credential ([`Auth`]) sent with every request, or the credentials of
    /// several security schemes ([`Security`]).
    ///
    /// With [`Auth::OAuthClientCredentials`], the token URL is checked and resolved here;
    /// no token is fetched until the first request.
    ///
    /// With a `reqwest::Client` given by [`ClientConfig::with_http_client`], the runtime
    /// follows redirects itself and sends with that client; otherwise it builds its own.
    pub fn new(
        base_url: &str,
        auth: impl Into<Security>,
        user_agent: &'static str,
        mut config: ClientConfig,
    ) -> Result<Self, ConfigError> {
        let base_url = validate_base_url(base_url)?;
        let parsed = Url::parse(&base_url).map_err(|_| ConfigError::InvalidBaseUrl {
            url: urls::shown_url(&base_url),
            reason: "not an absolute URL",
        })?;
        let origin = parsed.origin().ascii_serialization();
        let base_path = parsed.path().trim_end_matches('/').to_owned();
        let security = auth.into();
        let mut schemes = Vec::with_capacity(security.schemes.len());
        for (key, auth) in &security.schemes {
            if let Some(scheme) = Scheme::new(auth, &origin)? {
                schemes.push((*key, scheme));
            }
        }
        let mut always = Vec::with_capacity(security.always.len());
        for auth in &security.always {
            always.extend(Scheme::new(auth, &origin)?);
        }
        let user_http = config.http.0.take();
        let follower = match user_http {
            Some(_) => Follower::Runtime,
            None => Follower::for_placements(
                schemes
                    .iter()
                    .map(|(_, s)| s)
                    .chain(&always)
                    .map(Scheme::placement),
            ),
        };
        let (http, user_http) = match user_http {
            Some(http) => (http, true),
            None => {
                let http = tls::configure(reqwest::Client::builder())
                    .connect_timeout(config.connect_timeout)
                    .redirect(follower.policy())
                    .build()
                    .map_err(ConfigError::Http)?;
                (http, false)
            }
        };
        Ok(ClientCore {
            inner: Arc::new(Inner {
                http,
                base_url,
                origin,
                base_path,
                requirement: security.requirement,
                security,
                schemes,
                always,
                follower,
                user_http,
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
            problem: None,
            headers: Vec::new(),
            body: None,
            at_origin: false,
            host: None,
            authenticate: true,
            requirement: None,
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

    /// Starts a request to `path` (already percent-encoded, starting with `/`; it includes
    /// the path of the operation's server) for an operation served on another host than the
    /// document's servers: at `host` (`https://uploads.example.com`: scheme, host and port)
    /// when the client's base URL is one of `servers` (the document's server URLs as
    /// written, `{variable}` standing for any text, relative ones matching by path), and
    /// otherwise (a proxy, a local test server) at the origin of the client's base URL, as
    /// [`request_at_origin`](Self::request_at_origin) does. A client whose base URL is on a
    /// loopback host never sends to another host that is not: a local server's requests do
    /// not leave the machine.
    pub fn request_on_host(
        &self,
        method: Method,
        path: String,
        operation: &'static str,
        host: &'static str,
        servers: &[&str],
    ) -> Request<'_> {
        let base = &self.inner.base_url;
        let documented = servers
            .iter()
            .any(|template| urls::is_server(template, base))
            && (!urls::is_loopback_url(base) || urls::is_loopback_url(host));
        Request {
            host: documented.then_some(host),
            ..self.request_at_origin(method, path, operation)
        }
    }
}
