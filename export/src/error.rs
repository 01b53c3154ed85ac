//! Why an export stopped. Every variant says what happened and what to do; none carries a
//! credential.

use std::path::PathBuf;

/// An export failed. What was committed before stays committed and consistent; running the
/// export again resumes (see the crate docs).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The options are invalid (nothing was sent or written).
    #[error("{0}")]
    Usage(String),
    /// A call to AQuA failed (after the client's retries).
    #[error("{context}: {source}")]
    Request {
        /// What the export was doing (`submitting the stateful job for Account, Invoice`).
        context: String,
        /// The client's error.
        #[source]
        source: Box<zuora_aqua::Error>,
    },
    /// A job ended in `error`, `aborted` or `cancelled`.
    #[error("job {job} ({task}) ended with status {status}{detail}")]
    JobFailed {
        /// What the job was for.
        task: String,
        /// The job ID.
        job: String,
        /// Its final status.
        status: String,
        /// `: ` and the first batch message, if any.
        detail: String,
    },
    /// A job was still running when the deadline passed. It stays recorded: the next run
    /// waits for it instead of submitting another.
    #[error(
        "job {job} ({task}) was still {status} after {waited_secs} s; run the export again to keep waiting for it"
    )]
    Deadline {
        /// What the job was for.
        task: String,
        /// The job ID.
        job: String,
        /// Its last status.
        status: String,
        /// How long the wait lasted, in seconds.
        waited_secs: u64,
    },
    /// The local copy cannot be brought up to date incrementally any more; only a full
    /// reload (`--full-reload`) can repair it. Nothing was changed.
    #[error("{0}; run the export again with --full-reload")]
    NeedsFullReload(String),
    /// A result file could not be read (not CSV, a row of the wrong length, no `Id` column,
    /// invalid UTF-8, …). Nothing of its batch was applied.
    #[error("result file {file} of job {job}: {message}")]
    BadFile {
        /// The job ID.
        job: String,
        /// The file ID.
        file: String,
        /// What is wrong with it.
        message: String,
    },
    /// The destination failed (nothing of the failed transaction was kept).
    #[error("{destination}: {message}")]
    Destination {
        /// The destination (`sqlite:/path/to.db`).
        destination: String,
        /// What failed.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// Another export holds the destination.
    #[error("{destination} is in use by another export (lock file {}); wait for it to finish", lock.display())]
    Busy {
        /// The destination.
        destination: String,
        /// The lock file.
        lock: PathBuf,
    },
    /// A local file (a downloaded result) could not be written or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
}

impl ExportError {
    /// A failed call to AQuA while doing `context`.
    pub(crate) fn request(context: impl Into<String>, source: zuora_aqua::Error) -> Self {
        ExportError::Request {
            context: context.into(),
            source: Box::new(source),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ExportError::Io {
            path: path.into(),
            source,
        }
    }

    /// The client error behind a [`ExportError::Request`].
    pub fn client_error(&self) -> Option<&zuora_aqua::Error> {
        match self {
            ExportError::Request { source, .. } => Some(source),
            _ => None,
        }
    }
}
