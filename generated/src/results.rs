//! Fetching a job's results: what the spec cannot say, written by hand.
//!
//! The spec says how to download one file (`downloadFile`). It cannot say which files make up
//! a job's results (each batch's `segments` when present, else its `fileId`), how to name them
//! on disk, or how to unpack them per the job's `format`. This module does that on top of the
//! generated client, and nothing more.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::{StreamExt, TryStreamExt, stream};

use crate::runtime::DownloadError;
use crate::{Batch, Client, Error, Job, JobStatus, ResultFormat};

/// Options of [`Client::download_job_results`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DownloadOptions {
    /// How many files are downloaded at once (default 4, at least 1).
    pub concurrency: usize,
    /// Unpack zip and gzip files into CSV files (default `false`: keep them as received).
    pub decompress: bool,
    /// Replace files that already exist (default `false`: an existing file is an error and is
    /// left untouched).
    pub overwrite: bool,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            concurrency: 4,
            decompress: false,
            overwrite: false,
        }
    }
}

impl DownloadOptions {
    /// Sets how many files are downloaded at once.
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Unpacks zip and gzip files into CSV files.
    pub fn decompress(mut self, decompress: bool) -> Self {
        self.decompress = decompress;
        self
    }

    /// Replaces files that already exist.
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }
}

/// A result file written to disk by [`Client::download_job_results`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResultFile {
    /// The name of the batch (query) the file belongs to.
    pub batch: String,
    /// The file ID it was downloaded from.
    pub file_id: String,
    /// Where it was written (the unpacked CSV when decompressing).
    pub path: PathBuf,
    /// Its size on disk, in bytes.
    pub bytes: u64,
}

/// One file to fetch.
struct Planned {
    batch: String,
    file_id: String,
    /// The file name as downloaded (`.csv`, `.zip` or `.csv.gz`).
    raw_name: String,
    /// The file name of the unpacked CSV, when decompressing a compressed format.
    csv_name: Option<String>,
}

/// Keeps `[A-Za-z0-9._-]`, replaces anything else, so that a batch name can never leave `dir`.
fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = stem.trim_matches('.');
    if stem.is_empty() {
        "batch".to_owned()
    } else {
        stem.to_owned()
    }
}

/// The files of a job, in batch order: each batch's `segments` when present, else its `fileId`.
/// File names are unique across the whole job (compared case-insensitively, for file systems
/// that ignore case): a name already taken gets `-2`, `-3`, … before its extension.
fn plan(job: &Job, decompress: bool) -> Vec<Planned> {
    let format = job.format.as_ref().map(|f| f.get().clone());
    let (ext, compressed) = match format {
        Some(ResultFormat::Zip) => ("zip", true),
        Some(ResultFormat::Gzip) => ("csv.gz", true),
        _ => ("csv", false),
    };
    let mut taken: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for (index, batch) in job.batches.iter().flatten().enumerate() {
        let ids = batch_files(batch);
        let label = batch
            .name
            .clone()
            .or_else(|| batch.batch_id.clone())
            .unwrap_or_else(|| format!("batch-{}", index + 1));
        let stem = file_stem(&label);
        let many = ids.len() > 1;
        for (n, id) in ids.into_iter().enumerate() {
            let wanted = if many {
                format!("{stem}.part{:03}", n + 1)
            } else {
                stem.clone()
            };
            // Both the downloaded name and the unpacked one must be free.
            let free = |base: &str, taken: &HashSet<String>| {
                [format!("{base}.{ext}"), format!("{base}.csv")]
                    .iter()
                    .all(|name| !taken.contains(&name.to_lowercase()))
            };
            let mut base = wanted.clone();
            let mut k = 2;
            while !free(&base, &taken) {
                base = format!("{wanted}-{k}");
                k += 1;
            }
            taken.insert(format!("{base}.{ext}").to_lowercase());
            taken.insert(format!("{base}.csv").to_lowercase());
            out.push(Planned {
                batch: label.clone(),
                file_id: id,
                raw_name: format!("{base}.{ext}"),
                csv_name: (decompress && compressed).then(|| format!("{base}.csv")),
            });
        }
    }
    out
}

/// The file IDs of a batch: its `segments` when present, else its `fileId`.
pub fn batch_files(batch: &Batch) -> Vec<String> {
    match &batch.segments {
        Some(segments) if !segments.is_empty() => segments.clone(),
        _ => batch.file_id.iter().cloned().collect(),
    }
}

fn io_error(path: &Path, source: io::Error) -> Error {
    Error::from(DownloadError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Set when the download of a file is dropped (cancelled) while its unpacking runs on a
/// blocking thread, which cannot be stopped from outside: the unpacking sees it at its next
/// write, stops and removes its temporary file.
#[derive(Clone, Debug, Default)]
struct Cancelled(Arc<AtomicBool>);

impl Cancelled {
    fn is_set(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// Sets [`Cancelled`] when dropped, and removes the downloaded file unless the unpacking
/// finished (it removes that file itself once the CSV is in place).
struct UnpackGuard {
    cancelled: Cancelled,
    raw: Option<PathBuf>,
}

impl UnpackGuard {
    fn finished(mut self) {
        self.raw = None;
    }
}

impl Drop for UnpackGuard {
    fn drop(&mut self) {
        if let Some(raw) = self.raw.take() {
            self.cancelled.0.store(true, Ordering::Release);
            // Best effort: nothing can be reported from here.
            let _ = std::fs::remove_file(raw);
        }
    }
}

/// A writer that fails once the work it belongs to was cancelled.
struct CancellableWriter<'c, W> {
    inner: W,
    cancelled: &'c Cancelled,
}

impl<W: io::Write> io::Write for CancellableWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.cancelled.is_set() {
            return Err(io::Error::other("cancelled"));
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Unpacks `raw` (zip with one CSV, or gzip) into `target` through a temporary file, then
/// removes `raw`. Blocking: run it off the async threads. When `cancelled` is set, it stops
/// at the next write and removes the temporary file.
fn unpack(
    raw: &Path,
    target: &Path,
    zip: bool,
    overwrite: bool,
    cancelled: &Cancelled,
) -> Result<u64, Error> {
    if !overwrite && target.exists() {
        return Err(Error::from(DownloadError::Exists {
            path: target.to_owned(),
        }));
    }
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.unpack-{}", std::process::id()));
    let result = (|| -> io::Result<u64> {
        let input = std::fs::File::open(raw)?;
        let mut output = CancellableWriter {
            inner: std::fs::File::create(&temp)?,
            cancelled,
        };
        let bytes = if zip {
            let mut archive = zip::ZipArchive::new(io::BufReader::new(input))
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            if archive.len() != 1 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "expected one file in the zip archive, found {}",
                        archive.len()
                    ),
                ));
            }
            let mut entry = archive
                .by_index(0)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            io::copy(&mut entry, &mut output)?
        } else {
            let mut decoder = flate2::read::MultiGzDecoder::new(io::BufReader::new(input));
            io::copy(&mut decoder, &mut output)?
        };
        output.inner.sync_all()?;
        if cancelled.is_set() {
            return Err(io::Error::other("cancelled"));
        }
        Ok(bytes)
    })();
    match result {
        Ok(bytes) => {
            std::fs::rename(&temp, target).map_err(|e| io_error(target, e))?;
            std::fs::remove_file(raw).map_err(|e| io_error(raw, e))?;
            Ok(bytes)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            Err(io_error(raw, e))
        }
    }
}

impl Client {
    /// Downloads every result file of a completed job into `dir`: each batch's `segments` when
    /// present, else its `fileId`, streamed to disk `options.concurrency` files at a time.
    ///
    /// Files are named after their batch (`AccountingPeriod.csv`; segments get
    /// `AccountingPeriod.part001.csv`, …; zip and gzip results end in `.zip` and `.csv.gz`, or
    /// `.csv` when `options.decompress` is set). Each file is written to a temporary name and
    /// renamed only once complete, its length checked against `Content-Length`, so a file in
    /// `dir` is always whole. On the first error the other downloads stop and the error is
    /// returned; files already completed stay.
    ///
    /// The job must be `completed` (see [`Client::wait_for_job`]).
    pub async fn download_job_results(
        &self,
        job: &Job,
        dir: impl AsRef<Path>,
        options: DownloadOptions,
    ) -> Result<Vec<ResultFile>, Error> {
        let dir = dir.as_ref();
        if job.status != Some(JobStatus::Completed) {
            return Err(crate::runtime::Error::invalid_request(format!(
                "job {} is {}, not completed: wait for it first",
                job.id.as_deref().unwrap_or("(without id)"),
                job.status
                    .as_ref()
                    .map_or("of unknown status", |s| s.as_str())
            )));
        }
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| io_error(dir, e))?;
        let zip = matches!(job.format.as_deref(), Some(ResultFormat::Zip));
        let overwrite = options.overwrite;
        let planned = plan(job, options.decompress);
        let total = planned.len();
        let mut files: Vec<(usize, ResultFile)> = stream::iter(planned.into_iter().enumerate())
            .map(|(index, p)| async move {
                let raw = dir.join(&p.raw_name);
                let download = self.download_file(p.file_id.clone()).send().await?;
                let mut bytes = download.save(&raw, overwrite).await?;
                let mut path = raw.clone();
                if let Some(csv) = &p.csv_name {
                    let target = dir.join(csv);
                    let (raw2, target2) = (raw.clone(), target.clone());
                    let cancelled = Cancelled::default();
                    let guard = UnpackGuard {
                        cancelled: cancelled.clone(),
                        raw: Some(raw.clone()),
                    };
                    let unpacked = tokio::task::spawn_blocking(move || {
                        unpack(&raw2, &target2, zip, overwrite, &cancelled)
                    })
                    .await;
                    // Not cancelled: whatever the outcome, the files are as `unpack` left them.
                    guard.finished();
                    bytes = unpacked.map_err(|e| io_error(&raw, io::Error::other(e)))??;
                    path = target;
                }
                tracing::debug!(file_id = %p.file_id, path = %path.display(), bytes, index, total, "result file written");
                Ok::<_, Error>((
                    index,
                    ResultFile {
                        batch: p.batch,
                        file_id: p.file_id,
                        path,
                        bytes,
                    },
                ))
            })
            .buffer_unordered(options.concurrency.max(1))
            .try_collect()
            .await?;
        files.sort_by_key(|(i, _)| *i);
        Ok(files.into_iter().map(|(_, f)| f).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_names_never_leave_the_directory() {
        assert_eq!(file_stem("AccountingPeriod"), "AccountingPeriod");
        assert_eq!(file_stem("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(file_stem(".."), "batch");
        assert_eq!(file_stem("a b/c"), "a_b_c");
    }

    #[test]
    fn segments_replace_the_file_id_and_names_are_unique() {
        let job: Job = serde_json::from_str(
            r#"{"status":"completed","format":"GZIP","batches":[
                {"name":"A","fileId":"f1"},
                {"name":"A","segments":["s1","s2"],"fileId":"ignored"},
                {"name":"B","status":"completed"}]}"#,
        )
        .unwrap();
        let plan = plan(&job, true);
        let names: Vec<(&str, &str, Option<&str>)> = plan
            .iter()
            .map(|p| {
                (
                    p.file_id.as_str(),
                    p.raw_name.as_str(),
                    p.csv_name.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                ("f1", "A.csv.gz", Some("A.csv")),
                ("s1", "A.part001.csv.gz", Some("A.part001.csv")),
                ("s2", "A.part002.csv.gz", Some("A.part002.csv")),
            ]
        );
    }

    /// A directory under the system's temporary directory, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let path = std::env::temp_dir().join(format!(
                "aqua-results-{name}-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            TempDir(path)
        }

        fn entries(&self) -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(&self.0)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn gzip(path: &Path, text: &[u8]) {
        let mut encoder = flate2::write::GzEncoder::new(
            std::fs::File::create(path).unwrap(),
            flate2::Compression::fast(),
        );
        io::Write::write_all(&mut encoder, text).unwrap();
        encoder.finish().unwrap();
    }

    #[test]
    fn unpacking_replaces_the_download_with_the_csv() {
        let dir = TempDir::new("unpack");
        let (raw, csv) = (dir.0.join("A.csv.gz"), dir.0.join("A.csv"));
        gzip(&raw, b"Account.Id\n1\n");
        let bytes = unpack(&raw, &csv, false, false, &Cancelled::default()).unwrap();
        assert_eq!(bytes, 13);
        assert_eq!(dir.entries(), ["A.csv"]);
    }

    /// A cancelled unpacking stops at its next write and leaves neither its temporary file
    /// nor a CSV; the guard of a cancelled download removes the downloaded file too.
    #[test]
    fn cancelled_unpacking_leaves_nothing_behind() {
        let dir = TempDir::new("cancelled");
        let (raw, csv) = (dir.0.join("A.csv.gz"), dir.0.join("A.csv"));
        gzip(&raw, b"Account.Id\n1\n");
        let cancelled = Cancelled::default();
        let guard = UnpackGuard {
            cancelled: cancelled.clone(),
            raw: Some(raw.clone()),
        };
        drop(guard);
        assert!(cancelled.is_set());
        assert_eq!(
            dir.entries(),
            Vec::<String>::new(),
            "the download is removed"
        );

        gzip(&raw, b"Account.Id\n1\n");
        let err = unpack(&raw, &csv, false, false, &cancelled).unwrap_err();
        assert!(err.to_string().contains("cancelled"), "{err}");
        assert_eq!(dir.entries(), ["A.csv.gz"], "no temporary file and no CSV");

        // A finished unpacking disarms its guard.
        let guard = UnpackGuard {
            cancelled: Cancelled::default(),
            raw: Some(raw.clone()),
        };
        guard.finished();
        assert_eq!(dir.entries(), ["A.csv.gz"]);
    }
}
