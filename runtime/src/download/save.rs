//! Saving a download as a file, atomically: a temporary file beside the target, checked,
//! synced and renamed, removed on any failure or cancellation.

use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::writer::{BATCH_BYTES, QUEUED_BATCHES, write_batches};
use super::{Download, DownloadError, random_u64};

impl Download {
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
        if let Some(expected) = self.expected
            && written != expected
        {
            return Err(DownloadError::Truncated {
                expected,
                received: written,
            });
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

/// Makes a rename in `dir` durable where the platform allows (best effort).
async fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = tokio::fs::File::open(dir).await {
        let _ = d.sync_all().await;
    }
    #[cfg(not(unix))]
    let _ = dir;
}
