//! What an export reports while it runs ([`Progress`]) and when it ends ([`Summary`]).

use std::time::Duration;

use serde::Serialize;

use crate::destination::ApplyCounts;

/// Something that happened to a task (a job and what it loads).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A task's status changed: `recorded`, `submitted`, `executing`, `completed`,
    /// `downloading`, `applying`, `applied`, or a wait (`waiting: …`).
    Status {
        /// The task (`Account, Invoice (stateful job)`, `InvoiceItem window 2/7`).
        task: String,
        /// The AQuA job ID, once known.
        job: Option<String>,
        /// The status.
        status: String,
    },
    /// Bytes of the task's result files received so far.
    Bytes {
        /// The task.
        task: String,
        /// The bytes received.
        bytes: u64,
    },
    /// Rows written so far in the task's open transaction.
    Rows {
        /// The task.
        task: String,
        /// The object.
        object: String,
        /// The rows written.
        rows: u64,
    },
    /// A remark for the summary and the log (also in [`Summary::notes`]).
    Note(String),
}

/// Receives [`Event`]s; called from any thread, so it must be quick.
pub trait Progress: Send + Sync {
    /// One event.
    fn event(&self, event: Event);
}

/// A [`Progress`] that ignores everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn event(&self, _: Event) {}
}

/// What happened to one object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ObjectSummary {
    /// The object (and table).
    pub name: String,
    /// `stateful` or `windowed`.
    pub mode: String,
    /// `full` when a full load was applied, `incremental`, or `none` (nothing applied).
    pub load: String,
    /// Records added.
    pub inserted: u64,
    /// Records written again.
    pub updated: u64,
    /// Records removed.
    pub deleted: u64,
    /// Rows in the table at the end.
    pub rows: u64,
    /// AQuA jobs whose results were applied to it.
    pub jobs: u64,
}

impl ObjectSummary {
    pub(crate) fn record(&mut self, counts: ApplyCounts, full: bool) {
        self.inserted += counts.inserted;
        self.updated += counts.updated;
        self.deleted += counts.deleted;
        self.jobs += 1;
        if full {
            self.load = "full".to_owned();
        } else if self.load == "none" {
            self.load = "incremental".to_owned();
        }
    }
}

/// What an export did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// The destination (`sqlite:/data/zuora.db`).
    pub destination: String,
    /// The stateful session's partner.
    pub partner: String,
    /// The stateful session's project.
    pub project: String,
    /// One entry per exported object, in the order given.
    pub objects: Vec<ObjectSummary>,
    /// Jobs submitted by this run.
    pub jobs_submitted: u64,
    /// Jobs of an earlier run that this run finished (found, downloaded, applied).
    pub jobs_recovered: u64,
    /// Times AQuA refused a job because too many were running (90028) and the export waited.
    pub busy_waits: u64,
    /// How long the run took, in seconds.
    #[serde(rename = "seconds", serialize_with = "seconds")]
    pub elapsed: Duration,
    /// Remarks (deletions not tracked for an object, a discarded failed job, …).
    pub notes: Vec<String>,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0).round() / 1000.0)
}
