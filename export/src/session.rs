//! The objects followed through the stateful AQuA session: one job per run with one query per
//! object. AQuA answers each query with a full load the first time (or after its text
//! changed) and with the changes since the session's previous job afterwards.
//!
//! The session must be where this database left it: before a new job, the session's last
//! completed job must be the last one applied here. Otherwise another client moved the
//! session, the increments it took are lost to this copy, and only a full reload repairs it.
//! A full reload is a stateless job (it does not move the session); once applied, the session
//! is expected at the job that was its last when the reload was recorded, and the next
//! stateful job brings every change since then: a superset of what the reload missed.

use chrono::Utc;
use zuora_aqua::{
    DeletedFormat, DeletedRecord, Job, Query, QueryType, RequestedFormat, SubmitJobRequest,
};

use crate::apply::{Batch, DELETED_COLUMN, Finish, after_batch, files_of};
use crate::destination::{Destination, Target};
use crate::engine::Ctx;
use crate::error::ExportError;
use crate::jobs::{JobError, new_job};
use crate::options::{ObjectSpec, Packaging};
use crate::state::{Change, JobState, Mode, ObjectState, Purpose, State};
use crate::zoql;

/// A task's label for progress and messages.
pub(crate) fn label(job: &JobState) -> String {
    let objects = job.objects().join(", ");
    match &job.purpose {
        Purpose::Stateful => format!("stateful job ({objects})"),
        Purpose::Reload { .. } => format!("full reload ({objects})"),
        Purpose::Window { object, index } => format!("{object} window {}", index + 1),
    }
}

/// The query of `object` in the job's request, and whether it asks for deleted records.
fn query_of(job: &JobState, object: &str) -> (String, bool) {
    let query = job
        .request
        .get("queries")
        .and_then(|q| q.as_array())
        .and_then(|qs| {
            qs.iter()
                .find(|q| q.get("name").and_then(|n| n.as_str()) == Some(object))
        });
    let text = query
        .and_then(|q| q.get("query"))
        .and_then(|q| q.as_str())
        .unwrap_or_default()
        .to_owned();
    (text, query.is_some_and(|q| q.get("deleted").is_some()))
}

/// A job request with the export's fixed settings.
pub(crate) fn request(
    packaging: Packaging,
    null_text: &str,
    queries: Vec<Query>,
) -> SubmitJobRequest {
    SubmitJobRequest::new()
        .format(match packaging {
            Packaging::Csv => RequestedFormat::Csv,
            Packaging::Zip => RequestedFormat::Zip,
            Packaging::Gzip => RequestedFormat::Gzip,
        })
        .version("1.1")
        .use_query_labels(true)
        .date_time_utc(true)
        .null_replacement(null_text)
        .queries(queries)
}

/// Whether `job` ran `query` (with a deleted column when `deleted`): AQuA then answers it
/// incrementally.
fn ran(job: Option<&Job>, query: &str, deleted: bool) -> bool {
    job.and_then(|j| j.batches.as_ref()).is_some_and(|batches| {
        batches.iter().any(|b| {
            b.query.as_deref().map(zoql::normalize) == Some(zoql::normalize(query))
                && b.deleted.as_ref().and_then(|d| d.column.as_deref())
                    == deleted.then_some(DELETED_COLUMN)
        })
    })
}

impl<D: Destination> Ctx<'_, D> {
    fn null_text(&self) -> String {
        self.store
            .read(|s| s.session.as_ref().map(|s| s.null_text.clone()))
            .unwrap_or_default()
    }

    fn loaded(&self, object: &str) -> bool {
        self.store.read(|s| {
            s.objects
                .get(object)
                .is_some_and(|o| o.mode == Mode::Stateful && o.loaded)
        })
    }

    /// Brings the stateful objects up to date.
    pub(crate) async fn stateful(&self) -> Result<(), ExportError> {
        // Jobs of earlier runs first, oldest first: they hold changes no new job would bring.
        let mut pending: Vec<JobState> = self.store.read(|s| {
            s.jobs
                .values()
                .filter(|j| !matches!(j.purpose, Purpose::Window { .. }))
                .cloned()
                .collect()
        });
        pending.sort_by_key(|j| j.recorded_at);
        for job in pending {
            self.run_session_job(job.key).await?;
        }
        let objects: Vec<&ObjectSpec> = self
            .options
            .objects
            .iter()
            .filter(|o| o.window.is_none())
            .collect();
        if objects.is_empty() {
            return Ok(());
        }
        let (partner, project, expected) = self
            .store
            .read(|s| {
                s.session.as_ref().map(|s| {
                    (
                        s.partner.clone(),
                        s.project.clone(),
                        s.expected_last.clone(),
                    )
                })
            })
            .unwrap_or_default();
        let last = self.last_completed(&partner, &project).await?;
        let last_id = last.as_ref().and_then(|j| j.id.clone());
        let diverged = last_id != expected;
        let any_loaded = self.store.read(|s| {
            s.objects
                .values()
                .any(|o| o.mode == Mode::Stateful && o.loaded)
        });
        if self.options.full_reload || (diverged && !any_loaded) {
            if diverged && !self.options.full_reload {
                self.note(format!(
                    "the session {partner}/{project} already has a completed job ({}) that this \
                     database did not apply: the objects are loaded in full by a stateless job \
                     first, and followed through the session from the next run",
                    last_id.as_deref().unwrap_or("?")
                ));
            }
            return self.reload(&objects, last_id).await;
        }
        if diverged {
            return Err(ExportError::NeedsFullReload(format!(
                "the session {partner}/{project} was moved by a job this database did not \
                 apply (its last completed job is {}, this database expects {}): another \
                 client using this partner and project took increments that are now lost to \
                 this copy (give each copy a project of its own)",
                last_id.as_deref().unwrap_or("none"),
                expected.as_deref().unwrap_or("none")
            )));
        }
        // Objects not loaded here that the session already ran would come incrementally.
        let need: Vec<&ObjectSpec> = objects
            .iter()
            .copied()
            .filter(|o| {
                !self.loaded(&o.name)
                    && ran(last.as_ref(), &o.zoql(), self.options.tracks_deletions(o))
            })
            .collect();
        if !need.is_empty() {
            self.reload(&need, last_id).await?;
        }
        let queries = objects
            .iter()
            .map(|o| {
                let query = Query::new(o.zoql())
                    .name(o.name.clone())
                    .type_(QueryType::Zoqlexport);
                if self.options.tracks_deletions(o) {
                    query.deleted(
                        DeletedRecord::new()
                            .column(DELETED_COLUMN)
                            .format(DeletedFormat::Boolean),
                    )
                } else {
                    query
                }
            })
            .collect();
        let body = request(self.options.packaging, &self.null_text(), queries)
            .partner(partner)
            .project(project);
        let job = new_job(Purpose::Stateful, body);
        self.record(&job, Vec::new(), &label(&job)).await?;
        self.run_session_job(job.key).await
    }

    /// Loads `objects` in full with one stateless job; afterwards the session is expected at
    /// `baseline`.
    async fn reload(
        &self,
        objects: &[&ObjectSpec],
        baseline: Option<String>,
    ) -> Result<(), ExportError> {
        let queries = objects
            .iter()
            .map(|o| {
                Query::new(o.zoql())
                    .name(o.name.clone())
                    .type_(QueryType::Zoqlexport)
            })
            .collect();
        let body = request(self.options.packaging, &self.null_text(), queries);
        let job = new_job(Purpose::Reload { baseline }, body);
        self.record(&job, Vec::new(), &label(&job)).await?;
        self.run_session_job(job.key).await
    }

    /// Brings a stateful or reload job to its files and applies each batch not applied yet.
    async fn run_session_job(&self, mut key: String) -> Result<(), ExportError> {
        loop {
            let job = self.job(&key)?;
            let task = label(&job);
            let result = async {
                let permit = self.permits.acquire().await;
                self.complete(&key, &task).await?;
                drop(permit);
                self.download(&key, &task).await
            }
            .await;
            let mut files = match result {
                Ok(files) => files,
                Err(JobError::Fail(e)) => return Err(e),
                Err(JobError::Gone(why)) => {
                    let job = self.job(&key)?;
                    let id = job.job_id.clone().unwrap_or_default();
                    match &job.purpose {
                        Purpose::Stateful if !self.options.full_reload => {
                            return Err(ExportError::NeedsFullReload(format!(
                                "the {task}, job {id}, recorded at {} and never applied here, \
                                 can no longer be read ({why}; AQuA purges result files after \
                                 3 days): the changes it held cannot be recovered incrementally",
                                job.recorded_at.format("%Y-%m-%d %H:%M:%S UTC")
                            )));
                        }
                        Purpose::Reload { baseline } => {
                            // A stateless job can simply run again.
                            let baseline = baseline.clone();
                            self.forget(&key).await?;
                            self.note(format!("the {task} ({id}) was lost ({why}); it runs again"));
                            let body: SubmitJobRequest =
                                serde_json::from_value(job.request.clone()).map_err(|e| {
                                    ExportError::Usage(format!(
                                        "the recorded {task} cannot be read: {e}"
                                    ))
                                })?;
                            let again = new_job(Purpose::Reload { baseline }, body);
                            self.record(&again, Vec::new(), &task).await?;
                            key = again.key;
                            continue;
                        }
                        _ => {
                            self.forget(&key).await?;
                            self.note(format!(
                                "the {task} ({id}) was never applied and can no longer be read \
                                 ({why}); it is abandoned for the full reload"
                            ));
                            return Ok(());
                        }
                    }
                }
            };
            for object in job.objects() {
                let job = self.job(&key)?;
                if job.applied.contains(&object) {
                    continue;
                }
                let (query, deleted) = query_of(&job, &object);
                let loaded = self.loaded(&object);
                let reload = matches!(job.purpose, Purpose::Reload { .. });
                let full = reload
                    || job
                        .batches
                        .get(&object)
                        .and_then(|b| b.full)
                        .unwrap_or(!loaded);
                if !full && !loaded {
                    return Err(ExportError::NeedsFullReload(format!(
                        "AQuA sent an increment of {object} (job {}), but this database never \
                         loaded {object} in full",
                        job.job_id.as_deref().unwrap_or("?")
                    )));
                }
                let id = job.job_id.clone();
                let (name, key_owned) = (object.clone(), key.clone());
                let finish: Finish = Box::new(move |state: &State, _: &crate::ApplyCounts, _| {
                    let mut changes = vec![Change::Object(ObjectState {
                        name: name.clone(),
                        query,
                        mode: Mode::Stateful,
                        deleted,
                        loaded: true,
                        last_job: id.clone(),
                        applied_at: Some(Utc::now()),
                        watermark: None,
                        plan: None,
                    })];
                    let Some(job) = state.jobs.get(&key_owned) else {
                        return changes;
                    };
                    match after_batch(job, &name) {
                        Some(job) => changes.push(Change::Job(job)),
                        None => {
                            changes.push(Change::RemoveJob(key_owned.clone()));
                            if let Some(mut session) = state.session.clone() {
                                session.expected_last = match &job.purpose {
                                    Purpose::Reload { baseline } => baseline.clone(),
                                    _ => id,
                                };
                                changes.push(Change::Session(session));
                            }
                        }
                    }
                    changes
                });
                let counts = self
                    .apply_batch(
                        Batch {
                            key: &key,
                            task: &task,
                            object: &object,
                            files: files_of(&mut files, &object),
                            target: if full {
                                Target::Replace
                            } else {
                                Target::Upsert
                            },
                            deleted,
                            watermark_field: None,
                        },
                        finish,
                    )
                    .await?;
                self.applied(&object, counts, full);
            }
            self.clean(&key);
            self.recovered(&key);
            return Ok(());
        }
    }
}
