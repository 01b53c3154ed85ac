//! Retrying requests that failed for a reason that may pass, modelled on the AWS SDKs'
//! standard retry mode.
//!
//! [`Request::send_json`](crate::Request::send_json), [`send_empty`](crate::Request::send_empty)
//! and [`send_download`](crate::Request::send_download) make up to
//! [`RetryConfig::max_attempts`] attempts of a request when:
//!
//! * the request may be repeated: its method is idempotent (`GET`, `HEAD`, `OPTIONS`, `PUT`,
//!   `DELETE`), or it carries an `Idempotency-Key` header (see
//!   [`Request::idempotency_key`](crate::Request::idempotency_key)), which tells the server to
//!   perform a repeated `POST` (or `PATCH`) only once;
//! * and the attempt failed transiently: the connection could not be made, the request timed
//!   out (for a download: its response head did not arrive within the stall timeout), the
//!   exchange broke off (a reset, a body that ended early), the server answered HTTP 429, 500,
//!   502, 503 or 504, or AQuA reported one of its transient error codes
//!   ([`TRANSIENT_AQUA_CODES`]) inside an HTTP 2xx body.
//!
//! Between attempts it sleeps for a random time between zero and
//! `min(max_backoff, initial_backoff × 2^n)` after the `n`-th retry ("full jitter"), unless
//! the response says how long to wait: `Retry-After` (seconds or an HTTP date), or, on
//! HTTP 429, Zuora's `RateLimit-Reset` (seconds until the rate limit's window resets). The
//! longer of the two is used, capped at [`RetryConfig::max_backoff`]. No retry starts when its
//! sleep would end after [`RetryConfig::max_total`], counted from the start of the first
//! attempt.
//!
//! Each retry is logged with `tracing::warn!` (operation, attempt, reason, delay). When the
//! last attempt fails, its error tells how many attempts were made (`" (after 3 attempts)"`).
//!
//! A download is retried only until its response head arrives with a success status. After
//! that, a body that breaks off is resumed with a `Range` request when the server allows it
//! (see [`Download`](crate::Download) and `ClientConfig::download_resume_attempts`); otherwise
//! the failure is returned to the caller.
//!
//! The OAuth retry after HTTP 401 (a new token, one more try) happens within an attempt and
//! is not counted as one.

use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use tokio::time::Instant;

use crate::download::DownloadError;
use crate::error::{Error, ErrorBody};
use crate::hooks::{Call, Hooks};
use tracing::Instrument;

/// The header that makes a `POST` retryable: the server performs requests with the same key
/// only once.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// AQuA's `errorCode`s (reported inside HTTP 200 bodies) that mean "try again later".
pub const TRANSIENT_AQUA_CODES: &[&str] = &["90006", "90008", "90010", "90022", "90028"];

/// How failed attempts of a request are retried (see the [module documentation](self)).
///
/// The default makes up to 3 attempts, sleeping at most 200 ms before the second and 400 ms
/// before the third (at most 20 s whatever the attempt), and starts no retry whose sleep would
/// end more than 2 minutes after the first attempt started.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// The largest number of attempts, the first included (default 3; 0 counts as 1).
    pub max_attempts: u32,
    /// The longest sleep before the first retry; it doubles for each further retry
    /// (default 200 ms).
    pub initial_backoff: Duration,
    /// The longest sleep between two attempts, also when the server asks for a longer one
    /// (default 20 s).
    pub max_backoff: Duration,
    /// No retry starts when its sleep would end later than this after the first attempt
    /// started (default 2 minutes).
    pub max_total: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(20),
            max_total: Duration::from_secs(120),
        }
    }
}

impl RetryConfig {
    /// One attempt, no retry.
    pub fn disabled() -> Self {
        RetryConfig {
            max_attempts: 1,
            ..RetryConfig::default()
        }
    }

    /// Sets the largest number of attempts, the first included (0 counts as 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// Sets the longest sleep before the first retry.
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Sets the longest sleep between two attempts.
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Sets the time after the start of the first attempt past which no retry's sleep may end.
    pub fn with_max_total(mut self, total: Duration) -> Self {
        self.max_total = total;
        self
    }

    /// The sleep before retry number `retry` (0 for the first), with `fraction` in `[0, 1)`
    /// drawn at random: `fraction × min(max_backoff, initial_backoff × 2^retry)`.
    fn backoff(&self, retry: u32, fraction: f64) -> Duration {
        let factor = 2u32.saturating_pow(retry);
        let ceiling = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        Duration::try_from_secs_f64(ceiling.as_secs_f64() * fraction.clamp(0.0, 1.0))
            .unwrap_or(ceiling)
            .min(ceiling)
    }
}

/// Whether a request with `method` may be sent again; `has_key` tells whether it carries an
/// `Idempotency-Key` header.
pub(crate) fn may_repeat(method: &Method, has_key: bool) -> bool {
    let idempotent = [
        Method::GET,
        Method::HEAD,
        Method::OPTIONS,
        Method::PUT,
        Method::DELETE,
    ]
    .contains(method);
    idempotent || (has_key && (*method == Method::POST || *method == Method::PATCH))
}

/// Why a failed attempt is worth repeating. `Display` gives the reason logged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    /// The request (or a download's response head) timed out.
    Timeout,
    /// No connection could be made.
    Connect,
    /// The exchange broke off: a reset, or a body that ended early.
    Broken,
    /// A transient HTTP status.
    Status(StatusCode),
    /// One of AQuA's transient error codes.
    Aqua(String),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Timeout => f.write_str("timeout"),
            Reason::Connect => f.write_str("connection error"),
            Reason::Broken => f.write_str("broken exchange"),
            Reason::Status(status) => write!(f, "HTTP {}", status.as_u16()),
            Reason::Aqua(code) => write!(f, "AQuA error {code}"),
        }
    }
}

/// Why `error` is worth another attempt, or `None` when it is not.
pub(crate) fn reason<E: ErrorBody>(error: &Error<E>) -> Option<Reason> {
    match error {
        Error::Transport(e) => {
            let source = &e.source;
            if source.is_timeout() {
                Some(Reason::Timeout)
            } else if source.is_connect() {
                Some(Reason::Connect)
            } else if source.is_redirect() || source.is_builder() {
                None
            } else if source.is_request() || source.is_body() || source.is_decode() {
                Some(Reason::Broken)
            } else {
                None
            }
        }
        Error::Status(e) => matches!(e.status.as_u16(), 429 | 500 | 502 | 503 | 504)
            .then_some(Reason::Status(e.status)),
        Error::Api(e) => e
            .body
            .code()
            .filter(|code| TRANSIENT_AQUA_CODES.contains(&code.trim()))
            .map(|code| Reason::Aqua(code.trim().to_owned())),
        // Only the wait for a download's response head can stall before a `Download` exists.
        Error::Download(e) if matches!(**e, DownloadError::Stalled { .. }) => Some(Reason::Timeout),
        _ => None,
    }
}

/// The wait a response asks for: `Retry-After` (delta-seconds or an HTTP date) or, on HTTP
/// 429, `RateLimit-Reset` (seconds until the window resets); the longer of the two.
///
/// `RateLimit-Reset` is taken on 429 only: Zuora sends it on every response, where it tells
/// when the current window ends, not that the client must wait.
pub(crate) fn server_delay(status: StatusCode, headers: &HeaderMap) -> Option<Duration> {
    server_delay_at(status, headers, SystemTime::now())
}

fn server_delay_at(status: StatusCode, headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    const RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");
    let text = |name: HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let retry_after = text(RETRY_AFTER).and_then(|v| parse_retry_after(v, now));
    let reset = if status == StatusCode::TOO_MANY_REQUESTS {
        text(RATELIMIT_RESET).and_then(parse_seconds)
    } else {
        None
    };
    retry_after.max(reset)
}

/// `Retry-After`: delta-seconds, or an HTTP date (a date in the past means no wait).
fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if let Some(delay) = parse_seconds(value) {
        return Some(delay);
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A non-negative number of seconds (a fraction is accepted).
fn parse_seconds(value: &str) -> Option<Duration> {
    if !value.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let secs: f64 = value.parse().ok()?;
    Duration::try_from_secs_f64(secs.min(1e9)).ok()
}

/// A failed attempt: the error and the wait the response asked for, if any.
pub(crate) struct Failure<E> {
    pub(crate) error: Error<E>,
    pub(crate) server_delay: Option<Duration>,
}

impl<E> From<Error<E>> for Failure<E> {
    fn from(error: Error<E>) -> Self {
        Failure {
            error,
            server_delay: None,
        }
    }
}

/// A random fraction in `[0, 1)`, from 53 of the random bits of a UUID v4 (the operating
/// system's random number generator).
fn random_fraction() -> f64 {
    let bits = uuid::Uuid::new_v4().as_u128() as u64 & ((1 << 53) - 1);
    bits as f64 / (1u64 << 53) as f64
}

/// The retry decisions for one logical request.
struct Budget<'c> {
    config: &'c RetryConfig,
    started: Instant,
}

impl Budget<'_> {
    /// The sleep before the next attempt after `attempts` attempts failed, the last for
    /// `reason`, or `None` to give up.
    fn next_delay(
        &self,
        attempts: u32,
        reason: &Reason,
        server_delay: Option<Duration>,
        operation: &'static str,
    ) -> Option<Duration> {
        if attempts >= self.config.max_attempts {
            return None;
        }
        let delay = match server_delay {
            Some(asked) => asked.min(self.config.max_backoff),
            None => self.config.backoff(attempts - 1, random_fraction()),
        };
        let ends = self.started.elapsed().saturating_add(delay);
        if ends > self.config.max_total {
            tracing::debug!(
                operation,
                attempt = attempts,
                %reason,
                ?delay,
                "not retrying: the sleep would pass the retry time limit"
            );
            return None;
        }
        Some(delay)
    }
}

/// Makes attempts with `attempt` until one succeeds, one fails for a reason that does not
/// pass, or the budget of `config` is spent. `repeatable` tells whether the request may be
/// sent more than once at all. The error returned carries the number of attempts made.
///
/// Each attempt runs in a span `attempt` (DEBUG) with its number, and the `status` and
/// `zuora_request_id` of its response when one arrived; `hooks` hear of each retry.
pub(crate) async fn run<T, E, F, Fut>(
    operation: &'static str,
    config: &RetryConfig,
    repeatable: bool,
    hooks: Option<&dyn Hooks>,
    mut attempt: F,
) -> Result<T, Error<E>>
where
    E: ErrorBody,
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, Failure<E>>>,
{
    let budget = Budget {
        config,
        started: Instant::now(),
    };
    let mut attempts: u32 = 0;
    loop {
        attempts += 1;
        let span = tracing::debug_span!(
            "attempt",
            attempt = attempts,
            status = tracing::field::Empty,
            zuora_request_id = tracing::field::Empty,
        );
        let failure = match attempt(attempts).instrument(span).await {
            Ok(value) => return Ok(value),
            Err(failure) => failure,
        };
        let delay = if repeatable {
            reason(&failure.error).and_then(|reason| {
                let delay =
                    budget.next_delay(attempts, &reason, failure.server_delay, operation)?;
                tracing::warn!(
                    operation,
                    attempt = attempts,
                    max_attempts = config.max_attempts,
                    %reason,
                    ?delay,
                    "attempt failed; retrying"
                );
                Some(delay)
            })
        } else {
            None
        };
        match delay {
            Some(delay) => {
                if let Some(hooks) = hooks {
                    let call = Call {
                        operation,
                        attempt: attempts,
                    };
                    hooks.on_retry(&call, &failure.error, delay);
                }
                tokio::time::sleep(delay).await
            }
            None => {
                let mut error = failure.error;
                error.set_attempts(attempts);
                return Err(error);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn defaults_follow_the_standard_mode() {
        let config = RetryConfig::default();
        assert_eq!(config.max_attempts, 3);
        assert_eq!(config.initial_backoff, Duration::from_millis(200));
        assert_eq!(config.max_backoff, Duration::from_secs(20));
        assert_eq!(config.max_total, Duration::from_secs(120));
        assert_eq!(RetryConfig::disabled().max_attempts, 1);
        let custom = RetryConfig::default()
            .with_max_attempts(5)
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(8))
            .with_max_total(Duration::from_secs(1));
        assert_eq!(
            (custom.max_attempts, custom.max_total),
            (5, Duration::from_secs(1))
        );
    }

    #[test]
    fn backoff_is_capped_exponential_with_full_jitter() {
        let config = RetryConfig::default();
        let ms = Duration::from_millis;
        // The ceiling doubles from 200 ms and stops at 20 s.
        assert_eq!(config.backoff(0, 1.0), ms(200));
        assert_eq!(config.backoff(1, 1.0), ms(400));
        assert_eq!(config.backoff(2, 1.0), ms(800));
        assert_eq!(config.backoff(6, 1.0), ms(12_800));
        assert_eq!(config.backoff(7, 1.0), ms(20_000));
        assert_eq!(config.backoff(40, 1.0), ms(20_000));
        assert!(config.backoff(2, 0.999) < ms(800));
        // Full jitter: anywhere from zero.
        assert_eq!(config.backoff(3, 0.0), Duration::ZERO);
        assert_eq!(config.backoff(1, 0.5), ms(200));
        let huge = RetryConfig::default().with_max_backoff(Duration::MAX);
        assert!(huge.backoff(u32::MAX, 0.5) > Duration::from_secs(1 << 28));
        for _ in 0..1000 {
            let f = random_fraction();
            assert!((0.0..1.0).contains(&f), "{f}");
        }
    }

    #[test]
    fn methods_that_may_be_repeated() {
        for method in [Method::GET, Method::HEAD, Method::PUT, Method::DELETE] {
            assert!(may_repeat(&method, false), "{method}");
        }
        assert!(!may_repeat(&Method::POST, false));
        assert!(may_repeat(&Method::POST, true));
        assert!(!may_repeat(&Method::PATCH, false));
        assert!(may_repeat(&Method::PATCH, true));
    }

    #[test]
    fn servers_may_ask_for_a_wait() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let at = |status: u16, pairs: &[(&'static str, &str)]| {
            server_delay_at(StatusCode::from_u16(status).unwrap(), &headers(pairs), now)
        };
        let s = Duration::from_secs;
        assert_eq!(at(429, &[]), None);
        assert_eq!(at(503, &[("retry-after", "7")]), Some(s(7)));
        assert_eq!(at(503, &[("retry-after", " 0 ")]), Some(s(0)));
        assert_eq!(at(429, &[("ratelimit-reset", "3")]), Some(s(3)));
        assert_eq!(
            at(429, &[("ratelimit-reset", "1.5")]),
            Some(Duration::from_millis(1500))
        );
        // The longer of the two.
        assert_eq!(
            at(429, &[("retry-after", "2"), ("ratelimit-reset", "5")]),
            Some(s(5))
        );
        assert_eq!(
            at(429, &[("retry-after", "9"), ("ratelimit-reset", "5")]),
            Some(s(9))
        );
        // RateLimit-Reset alone does not delay anything but a 429.
        assert_eq!(at(503, &[("ratelimit-reset", "50")]), None);
        // HTTP dates, in the future and in the past.
        let later = httpdate::fmt_http_date(now + s(30));
        assert_eq!(at(503, &[("retry-after", &later)]), Some(s(30)));
        let earlier = httpdate::fmt_http_date(now - s(30));
        assert_eq!(at(503, &[("retry-after", &earlier)]), Some(Duration::ZERO));
        // Nonsense is ignored.
        for bad in ["-1", "soon", "", "NaN", "inf"] {
            assert_eq!(at(429, &[("retry-after", bad)]), None, "{bad}");
            assert_eq!(at(429, &[("ratelimit-reset", bad)]), None, "{bad}");
        }
    }

    #[test]
    fn transient_errors_are_recognised() {
        use crate::error::{ApiError, StatusError};
        use serde_json::{Value, json};
        let status = |code: u16| -> Error<Value> {
            Error::Status(Box::new(StatusError {
                operation: "op",
                status: StatusCode::from_u16(code).unwrap(),
                body: None,
                text: String::new(),
                request_id: None,
                attempts: 1,
            }))
        };
        for code in [429, 500, 502, 503, 504] {
            let expected = Reason::Status(StatusCode::from_u16(code).unwrap());
            assert_eq!(reason(&status(code)), Some(expected.clone()));
            assert_eq!(expected.to_string(), format!("HTTP {code}"));
        }
        for code in [400, 401, 403, 404, 409, 501, 505] {
            assert_eq!(reason(&status(code)), None, "{code}");
        }
        let api = |code: Value| -> Error<Value> {
            Error::Api(Box::new(ApiError {
                operation: "op",
                status: StatusCode::OK,
                body: json!({"status": "error", "errorCode": code, "message": "m"}),
                request_id: None,
                attempts: 1,
            }))
        };
        for code in TRANSIENT_AQUA_CODES {
            let found = reason(&api(json!(code)));
            assert_eq!(found, Some(Reason::Aqua((*code).to_owned())));
            assert_eq!(found.unwrap().to_string(), format!("AQuA error {code}"));
        }
        assert_eq!(
            reason(&api(json!(90022))),
            Some(Reason::Aqua("90022".into()))
        );
        assert_eq!(reason(&api(json!("90005"))), None);
        let stalled: Error<Value> = DownloadError::Stalled {
            after: Duration::from_secs(1),
        }
        .into();
        assert_eq!(reason(&stalled), Some(Reason::Timeout));
        let truncated: Error<Value> = DownloadError::Truncated {
            expected: 2,
            received: 1,
        }
        .into();
        assert_eq!(reason(&truncated), None);
        assert_eq!(reason(&Error::<Value>::invalid_request("x")), None);
    }
}
