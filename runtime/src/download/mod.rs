//! Streamed downloads: response bodies too large to hold in memory (AQuA's result files).
//!
//! A [`Download`] is the successful response of
//! [`Request::send_download`](crate::Request::send_download). Its body is read chunk by chunk;
//! reading fails with [`DownloadError::Stalled`] when no byte arrives for
//! [`ClientConfig::download_stall_timeout`](crate::ClientConfig::download_stall_timeout), and
//! with [`DownloadError::Truncated`] when the body ends before (or runs past) its
//! `Content-Length`. There is no limit on the total time of a download.
//!
//! # Resumption
//!
//! When the body breaks off (the connection fails, stalls, or closes before `Content-Length`
//! bytes arrived) and the server said it can resume it, the download asks for the rest with a
//! range request and goes on reading: the caller sees one body, whichever way it reads it
//! ([`next_chunk`](Download::next_chunk), [`into_stream`](Download::into_stream),
//! [`write_to`](Download::write_to), [`save`](Download::save)). A download can be resumed
//! when its response was `200 OK` with a `Content-Length`, `Accept-Ranges: bytes` and no
//! `Content-Encoding`, and its request may be repeated (see the
//! [`retry` module](crate::retry)). Each resumption sends the request again (same method, URL,
//! headers and credentials; under OAuth the cached token) with `Range: bytes=<received>-`,
//! `If-Range` with the response's strong `ETag` (or else its `Last-Modified`) when it had
//! one, and `Accept-Encoding: identity`. Only a `206 Partial Content` whose `Content-Range`
//! starts at the number of bytes received and whose total is the original `Content-Length` is
//! appended. Any other answer (`200`, which would restart the file, `416`, another range or
//! total, another `ETag`) ends the download with the error that broke it off, so that no byte
//! is ever duplicated or skipped. A resumption request that fails transiently (no connection,
//! a stalled head, HTTP 429 or 5xx) counts as a resumption and is followed by another after a
//! backoff. At most [`ClientConfig::download_resume_attempts`][attempts] resumptions (default
//! 3) are made per download; each is logged with `tracing::warn!` (operation, offset, reason).
//! When they are used up, the download fails with the error of its last break
//! ([`DownloadError::Truncated`], [`DownloadError::Transport`] or [`DownloadError::Stalled`]).
//!
//! [attempts]: crate::ClientConfig::download_resume_attempts

mod resume;
mod save;
mod stream;
mod writer;

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT_RANGES, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG, HeaderMap, HeaderName,
    LAST_MODIFIED,
};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use resume::Resume;
pub(crate) use resume::{Reopen, ReopenFailure, Resumer};
use stream::Read;

/// A download failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DownloadError {
    /// The connection broke while the body was being received.
    #[error("the download broke off: {0}")]
    Transport(#[source] reqwest::Error),
    /// No byte arrived for the stall timeout.
    #[error("the download stalled: no data arrived for {after:?}")]
    Stalled {
        /// The stall timeout that passed.
        after: Duration,
    },
    /// The body does not have the length its `Content-Length` header announced.
    #[error(
        "the download is incomplete: {received} bytes arrived where Content-Length announced {expected}"
    )]
    Truncated {
        /// The length announced by `Content-Length`.
        expected: u64,
        /// The number of bytes received.
        received: u64,
    },
    /// The target file exists and overwriting was not allowed.
    #[error("`{}` already exists; allow overwriting to replace it", path.display())]
    Exists {
        /// The target file.
        path: PathBuf,
    },
    /// A file could not be created, written, synced or renamed.
    #[error("could not write `{}`: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// The writer given to [`Download::write_to`] failed.
    #[error("could not write the download: {0}")]
    Write(#[source] io::Error),
}

impl DownloadError {
    /// The HTTP status, if the error carries one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            DownloadError::Transport(e) => e.status(),
            _ => None,
        }
    }

    /// Whether the download stalled or timed out.
    pub fn is_timeout(&self) -> bool {
        match self {
            DownloadError::Stalled { .. } => true,
            DownloadError::Transport(e) => e.is_timeout(),
            _ => false,
        }
    }
}

/// The successful (2xx) response of a download whose body has not been read yet.
///
/// Read it with [`next_chunk`](Self::next_chunk), [`into_stream`](Self::into_stream),
/// [`write_to`](Self::write_to) or [`save`](Self::save). When its body breaks off, it is
/// resumed with range requests if the server supports them (see the
/// [module documentation](self#resumption)).
pub struct Download {
    /// The status of the response.
    status: StatusCode,
    /// The headers of the response (not those of a resumption).
    headers: HeaderMap,
    /// The response whose body is being read: the first, or the last resumption's.
    body: reqwest::Response,
    stall: Duration,
    expected: Option<u64>,
    received: u64,
    /// The offset at which the body being read ends, when known.
    body_end: Option<u64>,
    finished: bool,
    /// `None` when the download cannot be resumed.
    resume: Option<Resume>,
    resumptions: u32,
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("status", &self.status())
            .field("content_type", &self.content_type())
            .field("content_length", &self.expected)
            .field("received", &self.received)
            .field("stall_timeout", &self.stall)
            .field("resumable", &self.resume.is_some())
            .field("resumptions", &self.resumptions)
            .finish_non_exhaustive()
    }
}

/// A header's value as text, if present and readable.
fn header_text(headers: &HeaderMap, name: HeaderName) -> Option<&str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

impl Download {
    /// The download of `response`; `resumer` when its request may be sent again.
    pub(crate) fn new(
        response: reqwest::Response,
        stall: Duration,
        resumer: Option<Resumer>,
    ) -> Self {
        let headers = response.headers().clone();
        let expected = header_text(&headers, CONTENT_LENGTH).and_then(|v| v.parse().ok());
        let ranges = header_text(&headers, ACCEPT_RANGES).is_some_and(|v| {
            v.split(',')
                .any(|unit| unit.trim().eq_ignore_ascii_case("bytes"))
        });
        let identity = header_text(&headers, CONTENT_ENCODING)
            .is_none_or(|v| v.is_empty() || v.eq_ignore_ascii_case("identity"));
        let resumable =
            response.status() == StatusCode::OK && expected.is_some() && ranges && identity;
        let resume = resumer
            .filter(|r| resumable && r.attempts > 0)
            .map(|resumer| {
                let etag = headers
                    .get(ETAG)
                    .filter(|v| !v.as_bytes().starts_with(b"W/"))
                    .cloned();
                let validator = etag.clone().or_else(|| headers.get(LAST_MODIFIED).cloned());
                Resume {
                    left: resumer.attempts,
                    resumer,
                    validator,
                    etag,
                }
            });
        Download {
            status: response.status(),
            headers,
            body: response,
            stall,
            expected,
            received: 0,
            body_end: expected,
            finished: false,
            resume,
            resumptions: 0,
        }
    }

    /// The HTTP status (2xx) of the response (not of a resumption).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The `Content-Type` header, if present and readable.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok())
    }

    /// The length announced by the `Content-Length` header, if any.
    pub fn content_length(&self) -> Option<u64> {
        self.expected
    }

    /// All headers of the response (not those of a resumption).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Whether a body that breaks off will be resumed: the server supports range requests,
    /// the request may be repeated, and resumptions are left.
    pub fn is_resumable(&self) -> bool {
        self.resume.as_ref().is_some_and(|r| r.left > 0)
    }

    /// How many resumption requests have been made so far.
    pub fn resumptions(&self) -> u32 {
        self.resumptions
    }

    /// The next chunk of the body, or `None` at its end.
    ///
    /// Fails when no byte arrives within the stall timeout, when the connection breaks, and
    /// at the end of the body when the number of bytes received differs from
    /// `Content-Length`, unless the download can be resumed (see the
    /// [module documentation](self#resumption)): then it resumes the body and goes on. After
    /// an error or the end, it returns `Ok(None)`.
    pub async fn next_chunk(&mut self) -> Result<Option<Bytes>, DownloadError> {
        if self.finished {
            return Ok(None);
        }
        loop {
            let (error, resumable) = match self.read().await {
                Read::Chunk(chunk) => return Ok(Some(chunk)),
                Read::End => {
                    self.finished = true;
                    return Ok(None);
                }
                Read::Failed { error, resumable } => (error, resumable),
            };
            if resumable && self.resume.is_some() {
                match self.resume(error).await {
                    Ok(()) => continue,
                    Err(error) => {
                        self.finished = true;
                        return Err(error);
                    }
                }
            }
            self.finished = true;
            return Err(error);
        }
    }

    /// The body as a stream of chunks, with the checks of [`next_chunk`](Self::next_chunk).
    /// The stream ends after its first error.
    pub fn into_stream(self) -> BoxStream<'static, Result<Bytes, DownloadError>> {
        futures_util::stream::unfold(self, |mut download| async move {
            match download.next_chunk().await {
                Ok(Some(chunk)) => Some((Ok(chunk), download)),
                Ok(None) => None,
                Err(e) => Some((Err(e), download)),
            }
        })
        .boxed()
    }

    /// Writes the whole body to `writer` and flushes it; returns the number of bytes written.
    ///
    /// On error, `writer` may have received part of the body.
    pub async fn write_to(
        mut self,
        writer: &mut (impl AsyncWrite + Unpin),
    ) -> Result<u64, DownloadError> {
        let mut written = 0u64;
        while let Some(chunk) = self.next_chunk().await? {
            writer
                .write_all(&chunk)
                .await
                .map_err(DownloadError::Write)?;
            written += chunk.len() as u64;
        }
        writer.flush().await.map_err(DownloadError::Write)?;
        Ok(written)
    }
}

/// A number that differs from call to call (not for cryptography).
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(now.as_nanos());
    }
    hasher.finish()
}

#[cfg(test)]
mod resume_tests;
#[cfg(test)]
mod tests;
