//! Applying one batch: its files are read into the destination in one transaction that also
//! commits the state documents saying the batch was applied (the object's, the job's, and,
//! with the job's last batch, the session's).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::destination::{ApplyCounts, BatchSource, Destination, SourceRow, StateEntry, Target};
use crate::engine::Ctx;
use crate::error::ExportError;
use crate::progress::{Event, Progress};
use crate::reader::{BatchReader, ReadOptions, ResultFile};
use crate::seam;
use crate::state::{self, Change, JobState, State};
use crate::store::ApplySource;

/// The column AQuA is asked to flag deleted records in (format `Boolean`).
pub(crate) const DELETED_COLUMN: &str = "IsDeleted";

/// Computes the state changes of a batch once its rows are written: from the state as it is
/// for the transaction, the counts and the greatest watermark value read.
pub(crate) type Finish =
    Box<dyn FnOnce(&State, &ApplyCounts, Option<DateTime<Utc>>) -> Vec<Change> + Send>;

/// A batch's files as a [`BatchSource`], reporting progress.
struct Source {
    reader: BatchReader,
    progress: Arc<dyn Progress>,
    task: String,
    object: String,
    rows: u64,
    /// The state for the transaction (taken under the store's lock).
    state: State,
    finish: Option<Finish>,
    changes: Vec<Change>,
}

impl BatchSource for Source {
    fn columns(&self) -> &[String] {
        self.reader.columns()
    }

    fn next_row(&mut self) -> Result<Option<SourceRow>, ExportError> {
        let row = self.reader.next_row()?;
        if row.is_some() {
            self.rows += 1;
            if self.rows.is_multiple_of(1000) {
                self.progress.event(Event::Rows {
                    task: self.task.clone(),
                    object: self.object.clone(),
                    rows: self.rows,
                });
            }
        }
        Ok(row)
    }

    fn finish(&mut self, counts: &ApplyCounts) -> Result<Vec<StateEntry>, ExportError> {
        seam::reached("applying");
        if let Some(finish) = self.finish.take() {
            self.changes = finish(&self.state, counts, self.reader.seen);
        }
        Ok(state::entries(&self.changes))
    }
}

impl ApplySource for Source {
    fn changes(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.changes)
    }
}

/// The job document after `batch` is applied: `None` when it was the last batch (the
/// document is then removed).
pub(crate) fn after_batch(job: &JobState, batch: &str) -> Option<JobState> {
    let mut job = job.clone();
    if !job.applied.iter().any(|b| b == batch) {
        job.applied.push(batch.to_owned());
    }
    let done = job.batches.keys().all(|b| job.applied.contains(b));
    (!done).then_some(job)
}

/// One batch to apply.
pub(crate) struct Batch<'a> {
    /// The job's key.
    pub(crate) key: &'a str,
    /// The task, for progress.
    pub(crate) task: &'a str,
    /// The batch (= object) name.
    pub(crate) object: &'a str,
    /// Its downloaded files.
    pub(crate) files: Vec<ResultFile>,
    /// Where its rows go.
    pub(crate) target: Target,
    /// Whether its files have the deleted-record column.
    pub(crate) deleted: bool,
    /// The date-time field whose greatest value is tracked.
    pub(crate) watermark_field: Option<String>,
}

impl<D: Destination> Ctx<'_, D> {
    /// Applies `batch`; `finish` gives the state changes to commit with it.
    pub(crate) async fn apply_batch(
        &self,
        batch: Batch<'_>,
        finish: Finish,
    ) -> Result<ApplyCounts, ExportError> {
        let job = self.job(batch.key)?;
        let guard = Change::Job(job.clone()).entry();
        let guard = guard.1.map(|value| (guard.0, value));
        let null_text = self
            .store
            .read(|s| s.session.as_ref().map(|s| s.null_text.clone()))
            .unwrap_or_default();
        let options = ReadOptions {
            job: job.job_id.clone().unwrap_or_default(),
            object: batch.object.to_owned(),
            null_text,
            deleted_column: batch.deleted.then(|| DELETED_COLUMN.to_owned()),
            watermark_field: batch.watermark_field.clone(),
        };
        self.progress.event(Event::Status {
            task: batch.task.to_owned(),
            job: job.job_id.clone(),
            status: format!("applying {}", batch.object),
        });
        let progress = self.progress.clone();
        let task = batch.task.to_owned();
        let object = batch.object.to_owned();
        let files = batch.files;
        let counts = self
            .store
            .apply(object.clone(), batch.target, guard, move |state| {
                Ok(Source {
                    reader: BatchReader::open(files, options)?,
                    progress,
                    task,
                    object,
                    rows: 0,
                    state: state.clone(),
                    finish: Some(finish),
                    changes: Vec::new(),
                })
            })
            .await?;
        self.progress.event(Event::Rows {
            task: batch.task.to_owned(),
            object: batch.object.to_owned(),
            rows: counts.rows,
        });
        seam::reached("applied");
        Ok(counts)
    }

    /// Removes the downloaded files of a job that is fully applied.
    pub(crate) fn clean(&self, key: &str) {
        if self.store.read(|s| !s.jobs.contains_key(key)) {
            let _ = std::fs::remove_dir_all(self.options.work_dir.join(key));
        }
    }
}

/// The files of `batch` in `files`, or an empty list.
pub(crate) fn files_of(
    files: &mut BTreeMap<String, Vec<ResultFile>>,
    batch: &str,
) -> Vec<ResultFile> {
    files.remove(batch).unwrap_or_default()
}
