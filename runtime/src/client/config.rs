//! A client's settings ([`ClientConfig`]) and the errors of making one.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::hooks::{HookSlot, Hooks};
use crate::retry::RetryConfig;

/// Settings of a client. Construct with [`ClientConfig::default`] and the `with_*` methods.
///
/// The defaults:
///
/// | setting | default | applies to |
/// | --- | --- | --- |
/// | [`connect_timeout`](Self::connect_timeout) | 10 s | each connection |
/// | [`timeout`](Self::timeout) | 60 s | each attempt of a JSON call, body included; each OAuth token request |
/// | [`download_stall_timeout`](Self::download_stall_timeout) | 60 s | the wait for a download's response head, then for each next byte; no limit on a download's total time |
/// | [`download_resume_attempts`](Self::download_resume_attempts) | 3 | range requests resuming one download whose body broke off (see [`Download`](crate::Download)) |
/// | [`max_json_body`](Self::max_json_body) | 256 MiB | each JSON response body |
/// | [`retry`](Self::retry) | [`RetryConfig::default`]: 3 attempts, backoff from 200 ms up to 20 s, no retry past 2 min | each request (see the [`retry` module](crate::retry)) |
///
/// Redirects are followed up to 5 times, never from `https` to `http`, never to plain `http`
/// on a host other than a loopback one; no credential is sent to another host or port.
///
/// The client builds its own `reqwest::Client` (rustls, the connect timeout, the redirect
/// rules), unless you give it one with [`with_http_client`](Self::with_http_client), and
/// calls your [`Hooks`] if you set them with [`with_hooks`](Self::with_hooks).
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
    /// 0 never resumes). See [`Download`](crate::Download) for when a download can be resumed.
    pub download_resume_attempts: u32,
    /// How failed attempts are retried (default [`RetryConfig::default`]; no retry with
    /// [`RetryConfig::disabled`]).
    pub retry: RetryConfig,
    /// The user's HTTP client, if any (see [`with_http_client`](Self::with_http_client)).
    pub(crate) http: UserClient,
    /// The user's hooks, if any.
    pub(crate) hooks: HookSlot,
}

/// A `reqwest::Client` given by the user; `Debug` does not show its settings (its default
/// headers may hold credentials).
#[derive(Clone, Default)]
pub(crate) struct UserClient(pub(crate) Option<reqwest::Client>);

impl fmt::Debug for UserClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "Some(..)" } else { "None" })
    }
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
            http: UserClient::default(),
            hooks: HookSlot::default(),
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

    /// Sends requests with `client` (for a proxy, custom root certificates, or a connection
    /// pool shared with the rest of an application) instead of a client of its own.
    ///
    /// Build it with `.redirect(reqwest::redirect::Policy::none())`: the runtime then follows
    /// redirects itself, under the rules above (a response that `client` reached through a
    /// redirect is refused with [`Error::InvalidRequest`](crate::Error::InvalidRequest)).
    /// The runtime sets the limits of each request itself: [`timeout`](Self::timeout) on
    /// every JSON call and token request, no total limit on downloads (overriding a
    /// `timeout` set on `client`), [`download_stall_timeout`](Self::download_stall_timeout)
    /// on their stalls. [`connect_timeout`](Self::connect_timeout) does not apply: set it on
    /// `client`. Verify TLS on it as you need: the runtime cannot check how `client` does.
    pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
        self.http = UserClient(Some(client));
        self
    }

    /// Calls `hooks` in each request's life: before it is sent, after its response head, and
    /// before a retry (see [`Hooks`]).
    pub fn with_hooks(mut self, hooks: impl Hooks) -> Self {
        self.hooks = HookSlot(Some(Arc::new(hooks)));
        self
    }

    /// Whether the client sends with a `reqwest::Client` given by
    /// [`with_http_client`](Self::with_http_client).
    pub fn has_http_client(&self) -> bool {
        self.http.0.is_some()
    }

    /// Whether [`Hooks`] are set.
    pub fn has_hooks(&self) -> bool {
        self.hooks.0.is_some()
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
