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

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT_ENCODING, ACCEPT_RANGES, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE,
    ETAG, HeaderMap, HeaderName, HeaderValue, IF_RANGE, LAST_MODIFIED, RANGE,
};
use tokio::io::{AsyncWrite, AsyncWriteExt};

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
struct Resume {
    resumer: Resumer,
    /// The resumption requests left.
    left: u32,
    /// The `If-Range` value: the response's strong `ETag`, else its `Last-Modified`.
    validator: Option<HeaderValue>,
    /// The response's strong `ETag`, which a partial response must not contradict.
    etag: Option<HeaderValue>,
}

/// What reading the current body gave.
enum Read {
    Chunk(Bytes),
    End,
    /// The body broke off; `resumable` when reading on from `received` makes sense.
    Failed {
        error: DownloadError,
        resumable: bool,
    },
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

    /// Reads the next chunk of the current body and checks it against the lengths.
    async fn read(&mut self) -> Read {
        let truncated =
            |expected: u64, received: u64| DownloadError::Truncated { expected, received };
        let next = tokio::time::timeout(self.stall, self.body.chunk()).await;
        match next {
            Err(_) => Read::Failed {
                error: DownloadError::Stalled { after: self.stall },
                resumable: true,
            },
            Ok(Err(e)) => Read::Failed {
                error: match self.expected {
                    Some(expected) if ends_early(&e) && self.received < expected => {
                        truncated(expected, self.received)
                    }
                    _ => DownloadError::Transport(e),
                },
                resumable: true,
            },
            Ok(Ok(Some(chunk))) => {
                self.received += chunk.len() as u64;
                match self.body_end {
                    // More than announced: nothing after this point can be trusted.
                    Some(end) if self.received > end => Read::Failed {
                        error: truncated(self.expected.unwrap_or(end), self.received),
                        resumable: false,
                    },
                    _ => Read::Chunk(chunk),
                }
            }
            Ok(Ok(None)) => {
                // The body ended early, or a partial response holds less than the rest.
                let end = self.body_end.into_iter().chain(self.expected).max();
                match end {
                    Some(end) if self.received < end => Read::Failed {
                        error: truncated(self.expected.unwrap_or(end), self.received),
                        resumable: true,
                    },
                    _ => Read::End,
                }
            }
        }
    }

    /// Resumes the body after `error` broke it off: makes resumption requests until one is
    /// usable, one is refused, or none is left. Returns `error` when the body cannot go on.
    ///
    /// Cancelling it leaves the download resumable; a resumption under way still counts.
    async fn resume(&mut self, error: DownloadError) -> Result<(), DownloadError> {
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

    /// Saves the whole body as the file `path`; returns the number of bytes written.
    ///
    /// Refuses with [`DownloadError::Exists`] before reading anything when `path` exists and
    /// `overwrite` is false. The body goes to a hidden temporary file in the same directory
    /// (`.<name>.part-<random>`), which is checked against `Content-Length`, flushed, synced
    /// to disk and then renamed to `path`. On any failure, and when the returned future is
    /// dropped before it completes, the temporary file is removed and `path` is left as it
    /// was.
    ///
    /// The file is written by a blocking thread while the body arrives (at most a few MiB
    /// wait in memory). On Linux, its writeback to disk is started every few MiB along the
    /// way, so that the final sync has little left to write.
    ///
    /// Without `overwrite`, a file created at `path` by someone else during the download is
    /// detected just before the rename, but not atomically.
    pub async fn save(self, path: &Path, overwrite: bool) -> Result<u64, DownloadError> {
        self.save_with_progress(path, overwrite, |_| {}).await
    }

    /// [`save`](Self::save), calling `progress` with the number of bytes received so far after
    /// each chunk (for progress bars).
    pub async fn save_with_progress(
        mut self,
        path: &Path,
        overwrite: bool,
        mut progress: impl FnMut(u64) + Send,
    ) -> Result<u64, DownloadError> {
        let io_error = |path: &Path| {
            let path = path.to_path_buf();
            move |source| DownloadError::Io { path, source }
        };
        if !overwrite && exists(path).await.map_err(io_error(path))? {
            return Err(DownloadError::Exists {
                path: path.to_path_buf(),
            });
        }
        let Some(name) = path.file_name() else {
            return Err(io_error(path)(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the path does not name a file",
            )));
        };
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let (file, temp) = create_temp(dir, name).await?;
        // The file is written on a blocking thread, in batches of chunks handed over without
        // copying them, so that receiving and writing overlap.
        let (batches, queue) = tokio::sync::mpsc::channel::<Vec<Bytes>>(QUEUED_BATCHES);
        let writer = tokio::task::spawn_blocking(move || write_batches(file, queue));
        let mut written = 0u64;
        let mut batch = Vec::new();
        let mut batch_len = 0;
        let mut writer_gone = false;
        let read = loop {
            let chunk = match self.next_chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            };
            written += chunk.len() as u64;
            batch_len += chunk.len();
            batch.push(chunk);
            if batch_len >= BATCH_BYTES {
                batch_len = 0;
                if batches.send(std::mem::take(&mut batch)).await.is_err() {
                    // The writer failed; its error is reported below.
                    writer_gone = true;
                    break Ok(());
                }
            }
            progress(written);
        };
        if read.is_ok() && !writer_gone && !batch.is_empty() {
            // Fails only when the writer failed, whose error is reported below.
            let _ = batches.send(batch).await;
        }
        drop(batches);
        // Waits for the writer even when the download failed, so that the temporary file is
        // closed before it is removed.
        let file = writer.await.unwrap_or_else(|e| Err(io::Error::other(e)));
        read?;
        let file = tokio::fs::File::from_std(file.map_err(io_error(path))?);
        // A body of the wrong length is refused before paying for its sync.
        if let Some(expected) = self.expected {
            if written != expected {
                return Err(DownloadError::Truncated {
                    expected,
                    received: written,
                });
            }
        }
        // The guarantee: the writeback started along the way only leaves it less to do.
        file.sync_all().await.map_err(io_error(path))?;
        drop(file);
        if !overwrite && exists(path).await.map_err(io_error(path))? {
            return Err(DownloadError::Exists {
                path: path.to_path_buf(),
            });
        }
        tokio::fs::rename(temp.path(), path)
            .await
            .map_err(io_error(path))?;
        temp.disarm();
        sync_dir(dir).await;
        Ok(written)
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
    if let Some(announced) = header_text(headers, CONTENT_LENGTH) {
        if announced.parse::<u64>().ok() != Some(length) {
            return Err(refuse(format!(
                "the partial response's Content-Length ({announced}) does not match its range"
            )));
        }
    }
    if header_text(headers, CONTENT_ENCODING).is_some_and(|v| !v.eq_ignore_ascii_case("identity")) {
        return Err(refuse("the partial response is encoded".to_owned()));
    }
    if let (Some(expected), Some(got)) = (etag, headers.get(ETAG)) {
        if expected != got {
            return Err(refuse(
                "the file changed: the partial response has another ETag".to_owned(),
            ));
        }
    }
    Ok(end + 1)
}

/// `bytes START-END/TOTAL` as `(START, END, TOTAL)`, with `START <= END < TOTAL`.
fn parse_content_range(text: &str) -> Option<(u64, u64, u64)> {
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

/// Whether a body error means the connection closed before the announced length arrived.
fn ends_early(error: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<io::Error>() {
            if io.kind() == io::ErrorKind::UnexpectedEof {
                return true;
            }
        }
        source = s.source();
    }
    false
}

async fn exists(path: &Path) -> io::Result<bool> {
    match tokio::fs::symlink_metadata(path).await {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// A temporary file that is removed when dropped, unless disarmed.
struct TempFile {
    path: Option<PathBuf>,
}

impl TempFile {
    fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or(Path::new(""))
    }

    fn disarm(mut self) {
        self.path = None;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            // Best effort: nothing can be reported from here.
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Creates `.<name>.part-<random>` in `dir`, failing if it exists.
async fn create_temp(dir: &Path, name: &OsStr) -> Result<(std::fs::File, TempFile), DownloadError> {
    let shown: String = name.to_string_lossy().chars().take(100).collect();
    let mut attempt = 0;
    loop {
        let path = dir.join(format!(".{shown}.part-{}", random_suffix()));
        // Opened synchronously (a short syscall): with tokio's blocking pool, a cancelled save
        // could see the file created after its cleanup guard was gone.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => return Ok((file, TempFile { path: Some(path) })),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 8 => attempt += 1,
            Err(source) => return Err(DownloadError::Io { path, source }),
        }
    }
}

fn random_suffix() -> String {
    format!("{:016x}", random_u64())
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

/// How many bytes of chunks [`Download::save`] gathers before handing them to the thread that
/// writes the file: one wake-up of that thread and one `write` call per batch rather than per
/// chunk (measured: 128 KiB batches are slower, 2 MiB ones no faster).
const BATCH_BYTES: usize = 512 * 1024;

/// How many batches may wait for the writing thread. With batches of [`BATCH_BYTES`] plus at
/// most one chunk (a few hundred KiB from hyper), a save holds at most a few MiB.
const QUEUED_BATCHES: usize = 4;

/// Every this many bytes written, [`Download::save`] asks the kernel to start writing them
/// to disk (see [`Writeback`]). Measured on 1 GiB downloads from the benches' `file-server`
/// (ext4 on a virtio disk), 4 to 64 MiB are alike within the noise, but larger steps leave a
/// longer tail to the final `fsync` and more pages already clean when their writeback is
/// started, which `Writeback` then drops: at 8 MiB over 99% of the file stays in the page
/// cache, at 64 MiB 84 to 92%.
#[cfg(target_os = "linux")]
const WRITEBACK_STEP: u64 = 8 << 20;

/// Writes the batches of chunks from `queue` to `file`, in order, until `queue` closes;
/// returns the file, written but not synced. Runs on a blocking thread.
fn write_batches(
    mut file: std::fs::File,
    mut queue: tokio::sync::mpsc::Receiver<Vec<Bytes>>,
) -> io::Result<std::fs::File> {
    let mut writeback = Writeback::default();
    while let Some(batch) = queue.blocking_recv() {
        write_all_vectored(&mut file, &batch)?;
        writeback.wrote(&file, batch.iter().map(|c| c.len() as u64).sum());
    }
    Ok(file)
}

/// Writes all of `chunks` to `out`, in as few `write` calls as the platform allows.
fn write_all_vectored(out: &mut impl io::Write, chunks: &[Bytes]) -> io::Result<()> {
    let mut slices: Vec<io::IoSlice<'_>> = chunks.iter().map(|c| io::IoSlice::new(c)).collect();
    let mut rest = &mut slices[..];
    // Skips empty chunks, so that a write of 0 bytes means that the file takes no more.
    io::IoSlice::advance_slices(&mut rest, 0);
    while !rest.is_empty() {
        match out.write_vectored(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => io::IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Starts the writeback of a file while it is being written, so that the final `fsync` has
/// little left to write (the technique of RocksDB's `bytes_per_sync` and PostgreSQL's
/// `backend_flush_after`).
///
/// Without it, a large download sits in the page cache as dirty pages (the kernel starts
/// writing them back only past `vm.dirty_background_ratio` of the memory, or after 30 s) and
/// the `fsync` at the end writes all of them after the transfer, serially: on a 1 GiB
/// download, half a second more than the transfer itself.
///
/// On Linux, every [`WRITEBACK_STEP`] bytes, the range just written is given to
/// `posix_fadvise(POSIX_FADV_DONTNEED)`. The kernel starts its writeback without waiting for
/// it, exactly as `sync_file_range(SYNC_FILE_RANGE_WRITE)` does (which has no safe wrapper,
/// and this workspace forbids `unsafe` code), then drops from the page cache those of its
/// pages that are already clean: with a range this recent, in practice almost none. Either
/// way this is only a hint: the `fsync` at the end stays the guarantee, and reports any error
/// of the writeback. Elsewhere, nothing is done before that `fsync`.
#[derive(Default)]
struct Writeback {
    /// The bytes written so far.
    #[cfg(target_os = "linux")]
    written: u64,
    /// The bytes whose writeback has been started.
    #[cfg(target_os = "linux")]
    started: u64,
}

impl Writeback {
    /// Notes that `len` more bytes were written at the end of `file`.
    #[cfg(target_os = "linux")]
    fn wrote(&mut self, file: &std::fs::File, len: u64) {
        self.written += len;
        let range = self.written - self.started;
        if range >= WRITEBACK_STEP {
            // Best effort: a failure costs only time, and the fsync reports write errors.
            let _ = rustix::fs::fadvise(
                file,
                self.started,
                std::num::NonZeroU64::new(range),
                rustix::fs::Advice::DontNeed,
            );
            self.started = self.written;
        }
    }

    /// Notes that `len` more bytes were written at the end of `file`.
    #[cfg(not(target_os = "linux"))]
    fn wrote(&mut self, _file: &std::fs::File, _len: u64) {}
}

/// Makes a rename in `dir` durable where the platform allows (best effort).
async fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = tokio::fs::File::open(dir).await {
        let _ = d.sync_all().await;
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use futures_util::TryStreamExt;
    use serde_json::{Value, json};

    use super::*;
    use crate::test_server::{Recorded, Server, Step, TempDir, head, respond};
    use crate::{Auth, ClientConfig, ClientCore, Error, Method};

    /// 300 000 bytes that are not a repetition of a short pattern.
    fn payload() -> Vec<u8> {
        let mut x: u32 = 0x1234_5678;
        (0..300_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect()
    }

    /// The payload in five writes with pauses, with or without `Content-Length`.
    fn in_pieces(with_length: bool) -> Vec<Step> {
        let body = payload();
        let length = with_length.then_some(body.len() as u64);
        let mut steps = vec![Step::Write(head(200, "text/csv", length).into_bytes())];
        for piece in body.chunks(60_000) {
            steps.push(Step::Sleep(Duration::from_millis(10)));
            steps.push(Step::Write(piece.to_vec()));
        }
        steps
    }

    /// A head announcing `announced` bytes, then `sent` bytes, then `pause`, then the close.
    fn short(announced: u64, sent: usize, pause: Duration) -> Vec<Step> {
        vec![
            Step::Write(head(200, "text/csv", Some(announced)).into_bytes()),
            Step::Write(vec![b'x'; sent]),
            Step::Sleep(pause),
        ]
    }

    fn core(server: &Server, stall: Duration) -> ClientCore {
        let config = ClientConfig::default()
            // The total timeout of JSON calls must not apply to downloads.
            .with_timeout(Duration::from_millis(100))
            .with_download_stall_timeout(stall);
        ClientCore::new(&server.url("/v1"), Auth::None, "aqua-test/1", config).unwrap()
    }

    async fn download(core: &ClientCore, path: &str) -> Result<Download, Error<Value>> {
        core.request(Method::GET, path.into(), "getFile")
            .accept("text/csv")
            .send_download::<Value>()
            .await
    }

    fn server_handler(request: &Recorded) -> Vec<Step> {
        match request.path() {
            "/v1/file" => in_pieces(true),
            "/v1/chunked" => in_pieces(false),
            "/v1/truncated" => short(1000, 300, Duration::ZERO),
            "/v1/stall" => short(1000, 10, Duration::from_secs(2)),
            "/v1/slow-head" => vec![Step::Sleep(Duration::from_secs(2))],
            "/v1/slow-but-steady" => {
                let mut steps = vec![Step::Write(head(200, "text/csv", Some(10)).into_bytes())];
                for _ in 0..10 {
                    steps.push(Step::Sleep(Duration::from_millis(40)));
                    steps.push(Step::Write(b"y".to_vec()));
                }
                steps
            }
            "/v1/missing" => respond(
                404,
                "application/json",
                json!({"reasons": [{"code": "NotFound", "message": "no such file"}]}).to_string(),
            ),
            _ => respond(500, "text/plain", "unexpected"),
        }
    }

    #[tokio::test]
    async fn multi_chunk_bodies_arrive_exactly() {
        let server = Server::start(server_handler).await;
        let core = core(&server, Duration::from_secs(5));
        let expected = payload();

        let d = download(&core, "/file").await.unwrap();
        assert_eq!(d.status(), StatusCode::OK);
        assert_eq!(d.content_type(), Some("text/csv"));
        assert_eq!(d.content_length(), Some(expected.len() as u64));
        assert!(d.headers().contains_key("content-length"));
        assert!(format!("{d:?}").contains("text/csv"));
        let request = &server.requests_to("/v1/file")[0];
        assert_eq!(request.header("accept"), Some("text/csv"));

        let mut d = d;
        let mut got = Vec::new();
        let mut chunks = 0;
        while let Some(chunk) = d.next_chunk().await.unwrap() {
            got.extend_from_slice(&chunk);
            chunks += 1;
        }
        assert!(chunks > 1, "{chunks}");
        assert!(got == expected, "the bytes differ");
        assert!(d.next_chunk().await.unwrap().is_none());

        for path in ["/file", "/chunked"] {
            let stream = download(&core, path).await.unwrap().into_stream();
            let parts: Vec<bytes::Bytes> = stream.try_collect().await.unwrap();
            assert!(parts.concat() == expected, "{path}: the bytes differ");

            let mut out = Vec::new();
            let n = download(&core, path)
                .await
                .unwrap()
                .write_to(&mut out)
                .await
                .unwrap();
            assert_eq!(n, expected.len() as u64);
            assert!(out == expected, "{path}: the bytes differ");
        }

        let dir = TempDir::new("exact");
        let target = dir.path.join("result.csv");
        let n = download(&core, "/file")
            .await
            .unwrap()
            .save(&target, false)
            .await
            .unwrap();
        assert_eq!(n, expected.len() as u64);
        assert!(std::fs::read(&target).unwrap() == expected);
        assert_eq!(dir.entries(), ["result.csv"]);
    }

    #[tokio::test]
    async fn truncated_bodies_fail_and_leave_no_file() {
        let server = Server::start(server_handler).await;
        let core = core(&server, Duration::from_secs(5));
        let dir = TempDir::new("truncated");
        let target = dir.path.join("result.csv");
        let err = download(&core, "/truncated")
            .await
            .unwrap()
            .save(&target, false)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                DownloadError::Truncated {
                    expected: 1000,
                    received: 300
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("300") && err.to_string().contains("1000"));
        assert!(dir.entries().is_empty(), "{:?}", dir.entries());

        // The same through the stream, and as the client's error type.
        let stream = download(&core, "/truncated").await.unwrap().into_stream();
        let err = stream.try_collect::<Vec<_>>().await.unwrap_err();
        assert!(matches!(err, DownloadError::Truncated { .. }), "{err:?}");
        let err: Error<Value> = err.into();
        assert!(matches!(err, Error::Download(_)), "{err:?}");
        assert!(err.to_string().contains("1000"), "{err}");
    }

    #[tokio::test]
    async fn existing_targets_are_kept_unless_overwriting() {
        let server = Server::start(server_handler).await;
        let core = core(&server, Duration::from_secs(5));
        let dir = TempDir::new("exists");
        let target = dir.path.join("result.csv");
        std::fs::write(&target, "old").unwrap();
        let err = download(&core, "/file")
            .await
            .unwrap()
            .save(&target, false)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, DownloadError::Exists { path } if *path == target),
            "{err:?}"
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        assert_eq!(dir.entries(), ["result.csv"]);

        let n = download(&core, "/file")
            .await
            .unwrap()
            .save(&target, true)
            .await
            .unwrap();
        assert_eq!(n, 300_000);
        assert!(std::fs::read(&target).unwrap() == payload());
        assert_eq!(dir.entries(), ["result.csv"]);

        // A failed overwrite leaves the old file.
        let err = download(&core, "/truncated")
            .await
            .unwrap()
            .save(&target, true)
            .await
            .unwrap_err();
        assert!(matches!(err, DownloadError::Truncated { .. }), "{err:?}");
        assert!(std::fs::read(&target).unwrap() == payload());
        assert_eq!(dir.entries(), ["result.csv"]);
    }

    #[tokio::test]
    async fn stalls_are_detected_in_the_body_and_in_the_head() {
        let server = Server::start(server_handler).await;
        let core = core(&server, Duration::from_millis(200));
        let dir = TempDir::new("stall");
        let target = dir.path.join("result.csv");

        let started = Instant::now();
        let err = download(&core, "/stall")
            .await
            .unwrap()
            .save(&target, false)
            .await
            .unwrap_err();
        assert!(
            matches!(err, DownloadError::Stalled { after } if after == Duration::from_millis(200)),
            "{err:?}"
        );
        assert!(err.is_timeout());
        assert!(started.elapsed() < Duration::from_millis(1500));
        assert!(dir.entries().is_empty(), "{:?}", dir.entries());

        let err = download(&core, "/slow-head").await.unwrap_err();
        assert!(
            matches!(&err, Error::Download(e) if matches!(**e, DownloadError::Stalled { .. })),
            "{err:?}"
        );
        assert!(err.is_timeout());

        // A download slower than the JSON timeout, but never stalling, succeeds.
        let core = self::core(&server, Duration::from_millis(200));
        let mut out = Vec::new();
        let n = download(&core, "/slow-but-steady")
            .await
            .unwrap()
            .write_to(&mut out)
            .await
            .unwrap();
        assert_eq!((n, out.as_slice()), (10, &b"yyyyyyyyyy"[..]));
    }

    #[tokio::test]
    async fn dropping_a_save_removes_the_temporary_file() {
        let server = Server::start(server_handler).await;
        let core = core(&server, Duration::from_secs(10));
        let dir = TempDir::new("dropped");
        let target = dir.path.join("result.csv");
        let d = download(&core, "/stall").await.unwrap();
        let task = tokio::spawn(async move { d.save(&target, false).await });
        // Wait until the temporary file exists, then drop the save in the middle.
        let mut seen = Vec::new();
        for _ in 0..200 {
            seen = dir.entries();
            if !seen.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert!(seen[0].starts_with(".result.csv.part-"), "{seen:?}");
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
        assert!(dir.entries().is_empty(), "{:?}", dir.entries());
    }

    /// Larger than two writeback steps, and not a multiple of one.
    const BIG: usize = (20 << 20) + 12_345;

    #[tokio::test]
    async fn bodies_larger_than_the_writeback_step_are_saved_exactly() {
        let server = Server::start(|request: &Recorded| {
            let body = crate::test_server::pseudo_random_bytes(BIG);
            match request.path() {
                "/v1/big" => {
                    let mut steps = vec![Step::Write(
                        head(200, "text/csv", Some(BIG as u64)).into_bytes(),
                    )];
                    steps.extend(body.chunks(1 << 20).map(|c| Step::Write(c.to_vec())));
                    steps
                }
                // Announces BIG bytes, sends more than a writeback step, then closes.
                "/v1/big-truncated" => vec![
                    Step::Write(head(200, "text/csv", Some(BIG as u64)).into_bytes()),
                    Step::Write(body[..(17 << 20)].to_vec()),
                ],
                _ => respond(500, "text/plain", "unexpected"),
            }
        })
        .await;
        let core = core(&server, Duration::from_secs(10));
        let dir = TempDir::new("big");
        let target = dir.path.join("result.csv");

        let mut seen = Vec::new();
        let n = download(&core, "/big")
            .await
            .unwrap()
            .save_with_progress(&target, false, |n| seen.push(n))
            .await
            .unwrap();
        assert_eq!(n, BIG as u64);
        assert!(
            std::fs::read(&target).unwrap() == crate::test_server::pseudo_random_bytes(BIG),
            "the bytes differ"
        );
        assert_eq!(dir.entries(), ["result.csv"]);
        assert!(seen.len() > 1 && seen.is_sorted(), "{seen:?}");
        assert_eq!(seen.last(), Some(&(BIG as u64)));

        let target = dir.path.join("cut.csv");
        let err = download(&core, "/big-truncated")
            .await
            .unwrap()
            .save(&target, false)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                DownloadError::Truncated { expected, received }
                    if expected == BIG as u64 && received == 17 << 20
            ),
            "{err:?}"
        );
        assert_eq!(dir.entries(), ["result.csv"]);
    }

    #[test]
    fn the_writer_writes_every_batch_in_order_and_reports_failures() {
        let dir = TempDir::new("writer");
        let path = dir.path.join("out");
        let body = crate::test_server::pseudo_random_bytes(3 << 20);
        // Batches of uneven chunks, some empty.
        let (tx, rx) = tokio::sync::mpsc::channel(QUEUED_BATCHES);
        let feeder = std::thread::spawn({
            let body = Bytes::from(body.clone());
            move || {
                let mut at = 0;
                let mut size = 1;
                while at < body.len() {
                    let mut batch = vec![Bytes::new()];
                    for _ in 0..3 {
                        let end = (at + size).min(body.len());
                        batch.push(body.slice(at..end));
                        at = end;
                        size = size * 7 % 400_000 + 1;
                    }
                    tx.blocking_send(batch).unwrap();
                }
            }
        });
        let file = std::fs::File::create(&path).unwrap();
        write_batches(file, rx).unwrap();
        feeder.join().unwrap();
        assert!(std::fs::read(&path).unwrap() == body, "the bytes differ");

        // A file that cannot be written.
        let file = std::fs::File::open(&path).unwrap();
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        tx.try_send(vec![Bytes::from_static(b"x")]).unwrap();
        drop(tx);
        assert!(write_batches(file, rx).is_err());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn writeback_is_started_every_step() {
        let dir = TempDir::new("writeback");
        let file = std::fs::File::create(dir.path.join("out")).unwrap();
        let mut writeback = Writeback::default();
        let step = WRITEBACK_STEP;
        writeback.wrote(&file, step - 1);
        assert_eq!((writeback.written, writeback.started), (step - 1, 0));
        writeback.wrote(&file, 2);
        assert_eq!((writeback.written, writeback.started), (step + 1, step + 1));
        writeback.wrote(&file, 3 * step);
        assert_eq!(writeback.started, 4 * step + 1);
    }

    #[tokio::test]
    async fn error_statuses_are_status_errors() {
        let server = Server::start(server_handler).await;
        let core = core(&server, Duration::from_secs(5));
        let err = download(&core, "/missing").await.unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
        assert!(matches!(err, Error::Status(_)), "{err:?}");
        assert_eq!(err.zuora_message().as_deref(), Some("no such file"));
    }

    #[tokio::test]
    async fn unusable_targets_are_io_errors() {
        let server = Server::start(server_handler).await;
        let core = core(&server, Duration::from_secs(5));
        let dir = TempDir::new("io");
        let target = dir.path.join("no-such-dir").join("result.csv");
        let err = download(&core, "/file")
            .await
            .unwrap()
            .save(&target, false)
            .await
            .unwrap_err();
        assert!(matches!(err, DownloadError::Io { .. }), "{err:?}");
        assert!(err.to_string().contains("no-such-dir"), "{err}");
        assert!(dir.entries().is_empty());
    }
}

#[cfg(test)]
#[path = "resume_tests.rs"]
mod resume_tests;
