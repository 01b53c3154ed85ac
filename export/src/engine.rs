//! The export run: what it shares ([`Ctx`]), its set-up, the two flows that run side by side
//! (the stateful session's objects, and each windowed object), and the summary.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tokio::sync::Semaphore;
use uuid::Uuid;
use zuora_aqua::Client;

use crate::destination::Destination;
use crate::error::ExportError;
use crate::options::{ObjectSpec, Options};
use crate::progress::{Event, ObjectSummary, Progress, Summary};
use crate::state::{Change, LAYOUT, SessionState};
use crate::store::Store;

/// Counters of a run.
#[derive(Debug, Default)]
pub(crate) struct RunStats {
    pub(crate) jobs_submitted: u64,
    pub(crate) jobs_recovered: u64,
    pub(crate) busy_waits: u64,
    pub(crate) notes: Vec<String>,
    pub(crate) objects: BTreeMap<String, ObjectSummary>,
}

/// What the tasks of a run share.
pub(crate) struct Ctx<'a, D> {
    pub(crate) client: &'a Client,
    pub(crate) store: Store<D>,
    pub(crate) options: &'a Options,
    pub(crate) progress: Arc<dyn Progress>,
    /// One permit per AQuA job that may run at once (`--jobs`), held from submission to
    /// completion.
    pub(crate) permits: Semaphore,
    /// The jobs pending when the run started: finishing one counts as a recovery.
    pub(crate) pending_at_start: HashSet<String>,
    stats: Mutex<RunStats>,
}

impl<D: Destination> Ctx<'_, D> {
    /// Updates the run's counters.
    pub(crate) fn stats<R>(&self, f: impl FnOnce(&mut RunStats) -> R) -> R {
        f(&mut self.stats.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Adds a remark to the summary (and shows it).
    pub(crate) fn note(&self, text: String) {
        self.progress.event(Event::Note(text.clone()));
        self.stats(|s| s.notes.push(text));
    }

    /// Counts what was applied to `object`.
    pub(crate) fn applied(&self, object: &str, counts: crate::ApplyCounts, full: bool) {
        self.stats(|s| {
            if let Some(summary) = s.objects.get_mut(object) {
                summary.record(counts, full);
            }
        });
    }

    /// Counts a job of an earlier run as recovered.
    pub(crate) fn recovered(&self, key: &str) {
        if self.pending_at_start.contains(key) {
            self.stats(|s| s.jobs_recovered += 1);
        }
    }
}

/// Removes leftovers of earlier runs from the work directory: the files of jobs no longer
/// pending, and partial downloads (hidden `.…part-…` files).
fn clean_work_dir(dir: &std::path::Path, pending: &HashSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if path.is_dir() && !pending.contains(&name) {
            let _ = std::fs::remove_dir_all(&path);
        } else if path.is_dir() {
            for file in std::fs::read_dir(&path).into_iter().flatten().flatten() {
                if file.file_name().to_string_lossy().starts_with('.') {
                    let _ = std::fs::remove_file(file.path());
                }
            }
        }
    }
}

/// Runs an export of `options` through `client` into `destination`.
///
/// Jobs of earlier runs that were never applied are finished first; then the stateful
/// objects (one job of the session, after any stateless full load they need) and each
/// windowed object (its windows, up to `options.jobs` jobs at a time) are brought up to date
/// side by side. Progress goes to `progress`.
///
/// # Errors
///
/// The first failure ends the run (see [`ExportError`]); what was committed before it stays
/// committed, and running the export again continues from there.
pub async fn export<D: Destination>(
    client: &Client,
    destination: D,
    options: &Options,
    progress: Arc<dyn Progress>,
) -> Result<Summary, ExportError> {
    let started = Instant::now();
    options.validate()?;
    std::fs::create_dir_all(&options.work_dir)
        .map_err(|e| ExportError::io(&options.work_dir, e))?;
    let store = Store::open(destination).await?;
    let pending: HashSet<String> = store.read(|s| s.jobs.keys().cloned().collect());
    clean_work_dir(&options.work_dir, &pending);

    // The session document: created with the database, updated when the session changes.
    let session = store.read(|s| s.session.clone());
    let wanted = match session {
        Some(s) if s.partner == options.partner && s.project == options.project => None,
        Some(s) => Some(SessionState {
            partner: options.partner.clone(),
            project: options.project.clone(),
            expected_last: None,
            ..s
        }),
        None => Some(SessionState {
            layout: LAYOUT,
            partner: options.partner.clone(),
            project: options.project.clone(),
            null_text: format!("<aqua:null:{}>", &Uuid::new_v4().simple().to_string()[..12]),
            expected_last: None,
        }),
    };
    if let Some(session) = wanted {
        store.commit(vec![Change::Session(session)]).await?;
    }

    let ctx = Ctx {
        client,
        store,
        options,
        progress,
        permits: Semaphore::new(options.jobs),
        pending_at_start: pending,
        stats: Mutex::new(RunStats::default()),
    };
    ctx.stats(|s| {
        for object in &options.objects {
            s.objects.insert(
                object.name.clone(),
                ObjectSummary {
                    name: object.name.clone(),
                    mode: if object.window.is_some() {
                        "windowed"
                    } else {
                        "stateful"
                    }
                    .to_owned(),
                    load: "none".to_owned(),
                    ..ObjectSummary::default()
                },
            );
        }
    });
    if options.deleted {
        for object in &options.objects {
            if !options.tracks_deletions(object) {
                let why = if object.window.is_some() {
                    "it is exported in windows, by stateless jobs, which never report deleted records; --full-reload removes them"
                } else {
                    "AQuA does not report deleted records of this object"
                };
                ctx.note(format!(
                    "deleted records of {} are not tracked: {why}",
                    object.name
                ));
            }
        }
    }

    let windowed: Vec<&ObjectSpec> = options
        .objects
        .iter()
        .filter(|o| o.window.is_some())
        .collect();
    tokio::try_join!(
        ctx.stateful(),
        futures_util::future::try_join_all(windowed.into_iter().map(|o| ctx.windowed(o))),
    )?;

    let mut stats = ctx.stats(std::mem::take);
    let mut objects = Vec::with_capacity(options.objects.len());
    for object in &options.objects {
        let mut summary = stats.objects.remove(&object.name).unwrap_or_default();
        summary.rows = ctx.store.row_count(object.name.clone()).await?.unwrap_or(0);
        objects.push(summary);
    }
    Ok(Summary {
        destination: ctx.store.name().to_owned(),
        partner: options.partner.clone(),
        project: options.project.clone(),
        objects,
        jobs_submitted: stats.jobs_submitted,
        jobs_recovered: stats.jobs_recovered,
        busy_waits: stats.busy_waits,
        elapsed: started.elapsed(),
        notes: stats.notes,
    })
}
