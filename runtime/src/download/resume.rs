//! Resuming a download whose body broke off, with range requests (see the
//! [module documentation](super#resumption)).

use std::time::Duration;

use futures_util::future::BoxFuture;
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_RANGE, ETAG, HeaderName,
    HeaderValue, IF_RANGE, RANGE,
};

use super::{Download, DownloadError, header_text, random_u64};

/// Sends a download's request again with extra headers (a range), up to the response head.
pub(crate) type Reopen = Box<
    dyn Fn(
            Vec<(HeaderName, HeaderValue)>,
        ) -> BoxFuture<'static, Result<reqwest::Response, ReopenFailure>>
        + Send
        + Sync,
>;

/// Why a resumption request got no response head.
#[derive(Debug)]
pub(crate) struct ReopenFailure {
    /// Whether another resumption request may succeed (see [`crate::retry`]).
    pub(crate) transient: bool,
    /// The error, for logs (it never shows credentials).
    pub(crate) reason: String,
}

/// What the client gives a [`Download`] whose request may be sent again to resume it.
pub(crate) struct Resumer {
    /// Sends the request again.
    pub(crate) reopen: Reopen,
    /// The most resumption requests (at least 1).
    pub(crate) attempts: u32,
    /// The operation, for logs.
    pub(crate) operation: &'static str,
    /// The backoff after a resumption request that failed transiently: at most this long
    /// before the first retry, doubling up to `max_backoff`.
    pub(crate) initial_backoff: Duration,
    /// The longest backoff.
    pub(crate) max_backoff: Duration,
}

/// A resumable download's means and limits.
pub(super) struct Resume {
    pub(super) resumer: Resumer,
    /// The resumption requests left.
    pub(super) left: u32,
    /// The `If-Range` value: the response's strong `ETag`, else its `Last-Modified`.
    pub(super) validator: Option<HeaderValue>,
    /// The response's strong `ETag`, which a partial response must not contradict.
    pub(super) etag: Option<HeaderValue>,
}

impl Download {
    /// Resumes the body after `error` broke it off: makes resumption requests until one is
    /// usable, one is refused, or none is left. Returns `error` when the body cannot go on.
    ///
    /// Cancelling it leaves the download resumable; a resumption under way still counts.
    pub(super) async fn resume(&mut self, error: DownloadError) -> Result<(), DownloadError> {
        let Some(resume) = self.resume.as_mut() else {
            return Err(error);
        };
        let operation = resume.resumer.operation;
        let attempts = resume.resumer.attempts;
        let offset = self.received;
        let Some(total) = self.expected else {
            return Err(error);
        };
        let mut failed_requests = 0u32;
        loop {
            if resume.left == 0 {
                tracing::warn!(
                    operation,
                    offset,
                    resumptions = self.resumptions,
                    reason = %error,
                    "the download broke off and no resumption is left; giving up"
                );
                return Err(error);
            }
            resume.left -= 1;
            self.resumptions += 1;
            tracing::warn!(
                operation,
                offset,
                total,
                resumption = self.resumptions,
                of = attempts,
                reason = %error,
                "the download broke off; resuming it with a range request"
            );
            if failed_requests > 0 {
                let backoff = backoff(
                    resume.resumer.initial_backoff,
                    resume.resumer.max_backoff,
                    failed_requests - 1,
                );
                tokio::time::sleep(backoff).await;
            }
            let mut headers = Vec::with_capacity(3);
            if let Ok(range) = HeaderValue::from_str(&format!("bytes={offset}-")) {
                headers.push((RANGE, range));
            }
            if let Some(validator) = &resume.validator {
                headers.push((IF_RANGE, validator.clone()));
            }
            headers.push((ACCEPT_ENCODING, HeaderValue::from_static("identity")));
            let refusal = match (resume.resumer.reopen)(headers).await {
                Ok(response) => match check_partial(&response, offset, total, resume.etag.as_ref())
                {
                    Ok(end) => {
                        tracing::debug!(operation, offset, end, "the download resumes");
                        self.body = response;
                        self.body_end = Some(end);
                        return Ok(());
                    }
                    Err(refusal) => refusal,
                },
                Err(failure) => Refusal {
                    transient: failure.transient,
                    reason: failure.reason,
                },
            };
            if !refusal.transient {
                tracing::warn!(
                    operation,
                    offset,
                    reason = %refusal.reason,
                    "the download cannot be resumed; giving up"
                );
                return Err(error);
            }
            tracing::warn!(
                operation,
                offset,
                reason = %refusal.reason,
                "the resumption request failed"
            );
            failed_requests += 1;
        }
    }
}

/// Why a resumption's answer cannot be used.
struct Refusal {
    /// Whether another resumption request may be answered usefully.
    transient: bool,
    reason: String,
}

/// Checks that `response` is the rest of a body of `total` bytes from `offset` on; returns
/// the offset at which its body ends.
fn check_partial(
    response: &reqwest::Response,
    offset: u64,
    total: u64,
    etag: Option<&HeaderValue>,
) -> Result<u64, Refusal> {
    let refuse = |reason: String| Refusal {
        transient: false,
        reason,
    };
    let status = response.status();
    if status != StatusCode::PARTIAL_CONTENT {
        let transient = matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504);
        let reason = match status {
            StatusCode::OK => {
                "the server answered the range request with the whole file (HTTP 200)".to_owned()
            }
            StatusCode::RANGE_NOT_SATISFIABLE => {
                "the server cannot serve the rest of the file (HTTP 416)".to_owned()
            }
            _ => format!(
                "the server answered the range request with HTTP {}",
                status.as_u16()
            ),
        };
        return Err(Refusal { transient, reason });
    }
    let headers = response.headers();
    let Some((start, end, range_total)) =
        header_text(headers, CONTENT_RANGE).and_then(parse_content_range)
    else {
        return Err(refuse(
            "the partial response has no usable Content-Range".to_owned(),
        ));
    };
    if start != offset || range_total != total {
        return Err(refuse(format!(
            "the partial response holds bytes {start}-{end}/{range_total}, not {offset}-/{total}"
        )));
    }
    let length = end - start + 1;
    if let Some(announced) = header_text(headers, CONTENT_LENGTH)
        && announced.parse::<u64>().ok() != Some(length)
    {
        return Err(refuse(format!(
            "the partial response's Content-Length ({announced}) does not match its range"
        )));
    }
    if header_text(headers, CONTENT_ENCODING).is_some_and(|v| !v.eq_ignore_ascii_case("identity")) {
        return Err(refuse("the partial response is encoded".to_owned()));
    }
    if let (Some(expected), Some(got)) = (etag, headers.get(ETAG))
        && expected != got
    {
        return Err(refuse(
            "the file changed: the partial response has another ETag".to_owned(),
        ));
    }
    Ok(end + 1)
}

/// `bytes START-END/TOTAL` as `(START, END, TOTAL)`, with `START <= END < TOTAL`.
pub(super) fn parse_content_range(text: &str) -> Option<(u64, u64, u64)> {
    let (unit, rest) = text.split_once(' ')?;
    if !unit.eq_ignore_ascii_case("bytes") {
        return None;
    }
    let (range, total) = rest.trim().split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let number = |s: &str| -> Option<u64> {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (start, end, total) = (number(start)?, number(end)?, number(total)?);
    (start <= end && end < total).then_some((start, end, total))
}

/// The sleep before the `retry`-th (from 0) new resumption request after failed ones: a
/// random part of `min(max, initial × 2^retry)`.
fn backoff(initial: Duration, max: Duration, retry: u32) -> Duration {
    let ceiling = initial.saturating_mul(2u32.saturating_pow(retry)).min(max);
    let fraction = (random_u64() >> 11) as f64 / (1u64 << 53) as f64;
    Duration::try_from_secs_f64(ceiling.as_secs_f64() * fraction)
        .unwrap_or(ceiling)
        .min(ceiling)
}
