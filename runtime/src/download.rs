//! Streamed downloads: response bodies too large to hold in memory (AQuA's result files).
//!
//! A [`Download`] is the successful response of
//! [`Request::send_download`](crate::Request::send_download). Its body is read chunk by chunk;
//! reading fails with [`DownloadError::Stalled`] when no byte arrives for
//! [`ClientConfig::download_stall_timeout`](crate::ClientConfig::download_stall_timeout), and
//! with [`DownloadError::Truncated`] when the body ends before (or runs past) its
//! `Content-Length`. There is no limit on the total time of a download.

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap};
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

/// The successful (2xx) response of a download whose body has not been read yet.
///
/// Read it with [`next_chunk`](Self::next_chunk), [`into_stream`](Self::into_stream),
/// [`write_to`](Self::write_to) or [`save`](Self::save).
pub struct Download {
    response: reqwest::Response,
    stall: Duration,
    expected: Option<u64>,
    received: u64,
    finished: bool,
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("status", &self.status())
            .field("content_type", &self.content_type())
            .field("content_length", &self.expected)
            .field("received", &self.received)
            .field("stall_timeout", &self.stall)
            .finish_non_exhaustive()
    }
}

impl Download {
    pub(crate) fn new(response: reqwest::Response, stall: Duration) -> Self {
        let expected = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        Download {
            response,
            stall,
            expected,
            received: 0,
            finished: false,
        }
    }

    /// The HTTP status (2xx).
    pub fn status(&self) -> StatusCode {
        self.response.status()
    }

    /// The `Content-Type` header, if present and readable.
    pub fn content_type(&self) -> Option<&str> {
        self.response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
    }

    /// The length announced by the `Content-Length` header, if any.
    pub fn content_length(&self) -> Option<u64> {
        self.expected
    }

    /// All response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.response.headers()
    }

    /// The next chunk of the body, or `None` at its end.
    ///
    /// Fails when no byte arrives within the stall timeout, when the connection breaks, and
    /// at the end of the body when the number of bytes received differs from
    /// `Content-Length`. After an error or the end, it returns `Ok(None)`.
    pub async fn next_chunk(&mut self) -> Result<Option<Bytes>, DownloadError> {
        if self.finished {
            return Ok(None);
        }
        let next = tokio::time::timeout(self.stall, self.response.chunk()).await;
        let result = match next {
            Err(_) => Err(DownloadError::Stalled { after: self.stall }),
            Ok(Err(e)) => match self.expected {
                Some(expected) if ends_early(&e) && self.received < expected => {
                    Err(DownloadError::Truncated {
                        expected,
                        received: self.received,
                    })
                }
                _ => Err(DownloadError::Transport(e)),
            },
            Ok(Ok(Some(chunk))) => {
                self.received += chunk.len() as u64;
                match self.expected {
                    Some(expected) if self.received > expected => Err(DownloadError::Truncated {
                        expected,
                        received: self.received,
                    }),
                    _ => return Ok(Some(chunk)),
                }
            }
            Ok(Ok(None)) => match self.expected {
                Some(expected) if self.received != expected => Err(DownloadError::Truncated {
                    expected,
                    received: self.received,
                }),
                _ => Ok(()),
            },
        };
        self.finished = true;
        result.map(|()| None)
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
    /// Without `overwrite`, a file created at `path` by someone else during the download is
    /// detected just before the rename, but not atomically.
    pub async fn save(self, path: &Path, overwrite: bool) -> Result<u64, DownloadError> {
        self.save_with_progress(path, overwrite, |_| {}).await
    }

    /// [`save`](Self::save), calling `progress` with the number of bytes written so far after
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
        let mut out = tokio::io::BufWriter::with_capacity(256 * 1024, file);
        let mut written = 0u64;
        while let Some(chunk) = self.next_chunk().await? {
            out.write_all(&chunk).await.map_err(io_error(path))?;
            written += chunk.len() as u64;
            progress(written);
        }
        out.flush().await.map_err(io_error(path))?;
        let file = out.into_inner();
        file.sync_all().await.map_err(io_error(path))?;
        drop(file);
        if let Some(expected) = self.expected {
            if written != expected {
                return Err(DownloadError::Truncated {
                    expected,
                    received: written,
                });
            }
        }
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
async fn create_temp(
    dir: &Path,
    name: &OsStr,
) -> Result<(tokio::fs::File, TempFile), DownloadError> {
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
            Ok(file) => {
                return Ok((
                    tokio::fs::File::from_std(file),
                    TempFile { path: Some(path) },
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 8 => attempt += 1,
            Err(source) => return Err(DownloadError::Io { path, source }),
        }
    }
}

fn random_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(now.as_nanos());
    }
    format!("{:016x}", hasher.finish())
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
