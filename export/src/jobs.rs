//! One AQuA job, from its record to its files on disk. Every step is written to the state
//! before the next one starts:
//!
//! 1. **record**: the job document (request, name, idempotency key) is committed before the
//!    request is sent;
//! 2. **submit**: the request is sent with its key; the job ID is committed. A job recorded
//!    without an ID (the process died around the send) is first looked for: a stateful job
//!    as the session's last completed job (by its unique name), then by sending the same
//!    request with the same key, which Zuora answers with the job already created;
//! 3. **wait** until it completes; its batches' files are committed;
//! 4. **download** each file not applied yet (a file already complete on disk is kept).
//!
//! AQuA's refusal for too many running jobs (90028) is waited out with a growing, jittered
//! delay, under a new idempotency key recorded before each new attempt.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Utc;
use uuid::Uuid;
use zuora_aqua::{BatchStatus, Job, JobStatus, SubmitJobRequest, WaitError};

use crate::destination::Destination;
use crate::engine::Ctx;
use crate::error::ExportError;
use crate::progress::Event;
use crate::reader::ResultFile;
use crate::seam;
use crate::state::{BatchFiles, Change, JobState, Purpose};

/// Why a job could not be brought to its files.
#[derive(Debug)]
pub(crate) enum JobError {
    /// AQuA no longer has the job or one of its files (purged): the job is lost.
    Gone(String),
    /// Anything else.
    Fail(ExportError),
}

impl From<ExportError> for JobError {
    fn from(e: ExportError) -> Self {
        JobError::Fail(e)
    }
}

/// A new job document for `request`: a fresh key, a name made from it, an idempotency key.
pub(crate) fn new_job(purpose: Purpose, mut request: SubmitJobRequest) -> JobState {
    let key = Uuid::new_v4().simple().to_string();
    let name = format!("aqua-export-{}", &key[..16]);
    request.name = Some(name.clone());
    JobState {
        key,
        purpose,
        name,
        idempotency_key: Uuid::new_v4().to_string(),
        // A request is plain data: encoding cannot fail.
        request: serde_json::to_value(&request).unwrap_or_default(),
        recorded_at: Utc::now(),
        job_id: None,
        batches: BTreeMap::new(),
        applied: Vec::new(),
    }
}

/// Whether an error says the job or file no longer exists.
fn gone(e: &zuora_aqua::Error) -> bool {
    e.zuora_code().as_deref() == Some("90002")
        || e.status()
            .is_some_and(|s| s.as_u16() == 404 || s.as_u16() == 410)
}

/// Whether a submission was refused for good, so that no job exists: an AQuA error inside
/// HTTP 200 (a validation error such as 90005), a request refused before sending, failed
/// authentication, or an HTTP 4xx other than 408 and 429. After anything else (a broken
/// connection, a 5xx) the job may exist, and the record stays to be recovered.
fn refused(e: &zuora_aqua::Error) -> bool {
    use zuora_aqua::runtime::Error as E;
    match e {
        E::Api(_) | E::InvalidRequest { .. } | E::Auth(_) => true,
        E::Status(s) => {
            let code = s.status.as_u16();
            (400..500).contains(&code) && code != 408 && code != 429
        }
        _ => false,
    }
}

/// `delay` scaled into `[delay/2, delay]`, so that waiting exports do not retry in step.
fn jitter(delay: Duration) -> Duration {
    let fraction = (Uuid::new_v4().as_u128() % 1000) as f64 / 1000.0;
    delay.mul_f64(0.5 + fraction / 2.0)
}

impl<D: Destination> Ctx<'_, D> {
    /// The job document `key`.
    pub(crate) fn job(&self, key: &str) -> Result<JobState, ExportError> {
        self.store
            .read(|s| s.jobs.get(key).cloned())
            .ok_or_else(|| ExportError::Usage(format!("the export state has no job {key}")))
    }

    fn status(&self, task: &str, job: Option<&str>, status: impl Into<String>) {
        self.progress.event(Event::Status {
            task: task.to_owned(),
            job: job.map(str::to_owned),
            status: status.into(),
        });
    }

    /// Commits `job` (with `extra` changes) before anything is sent.
    pub(crate) async fn record(
        &self,
        job: &JobState,
        mut extra: Vec<Change>,
        task: &str,
    ) -> Result<(), ExportError> {
        extra.insert(0, Change::Job(job.clone()));
        self.store.commit(extra).await?;
        self.recorded(task);
        Ok(())
    }

    /// Reports a job recorded (and pauses there when asked to).
    pub(crate) fn recorded(&self, task: &str) {
        self.status(task, None, "recorded");
        seam::reached("recorded");
    }

    /// Removes a job that will never be applied (failed, or lost), and its window's
    /// reference to it.
    pub(crate) async fn forget(&self, key: &str) -> Result<(), ExportError> {
        let owned = key.to_owned();
        self.store
            .update(move |state| {
                let mut changes = vec![Change::RemoveJob(owned.clone())];
                if let Some(Purpose::Window { object, index }) =
                    state.jobs.get(&owned).map(|j| &j.purpose)
                    && let Some(mut doc) = state.objects.get(object).cloned()
                {
                    if let Some(w) = doc.plan.as_mut().and_then(|p| p.windows.get_mut(*index)) {
                        w.job = None;
                    }
                    changes.push(Change::Object(doc));
                }
                Ok((changes, ()))
            })
            .await?;
        let _ = std::fs::remove_dir_all(self.options.work_dir.join(key));
        Ok(())
    }

    /// The last completed job of a session, `None` if it has none.
    pub(crate) async fn last_completed(
        &self,
        partner: &str,
        project: &str,
    ) -> Result<Option<Job>, ExportError> {
        match self.client.get_last_completed_job(partner, project).await {
            Ok(job) if job.id.is_some() => Ok(Some(job)),
            Ok(_) => Ok(None),
            // Zuora does not document this case; the local server answers 90002.
            Err(e) if gone(&e) => Ok(None),
            Err(e) => Err(ExportError::request(
                format!("reading the last completed job of session {partner}/{project}"),
                e,
            )),
        }
    }

    /// Sends the job's request, waiting out 90028 refusals.
    async fn submit(&self, mut job: JobState, task: &str) -> Result<Job, JobError> {
        let timings = &self.options.timings;
        let started = Instant::now();
        let mut delay = timings.busy_initial;
        loop {
            let body: SubmitJobRequest =
                serde_json::from_value(job.request.clone()).map_err(|e| {
                    ExportError::Usage(format!(
                        "the recorded request of {task} cannot be read: {e}"
                    ))
                })?;
            self.status(task, None, "submitting");
            match self
                .client
                .submit_job(body)
                .idempotency_key(job.idempotency_key.clone())
                .send()
                .await
            {
                Ok(accepted) => {
                    self.stats(|s| s.jobs_submitted += 1);
                    return Ok(accepted);
                }
                Err(e)
                    if e.zuora_code().as_deref() == Some("90028")
                        && started.elapsed() + delay <= timings.busy_total =>
                {
                    self.stats(|s| s.busy_waits += 1);
                    let wait = jitter(delay);
                    self.status(
                        task,
                        None,
                        format!(
                            "waiting: AQuA runs too many jobs (90028), next try in {:.1} s",
                            wait.as_secs_f64()
                        ),
                    );
                    tokio::time::sleep(wait).await;
                    delay = (delay * 2).min(timings.busy_max);
                    // The refused request created nothing: a new attempt, a new key, recorded
                    // before it is sent.
                    job.idempotency_key = Uuid::new_v4().to_string();
                    self.store.commit(vec![Change::Job(job.clone())]).await?;
                }
                Err(e) => {
                    if refused(&e) {
                        // AQuA created no job: the record goes, so that a corrected run
                        // does not send the refused request again.
                        self.forget(&job.key).await?;
                    }
                    return Err(JobError::Fail(ExportError::request(
                        format!("submitting the {task}"),
                        e,
                    )));
                }
            }
        }
    }

    /// Submits the job if it has no ID (after looking for it), waits until it completes and
    /// records its files. The caller holds a job permit.
    pub(crate) async fn complete(&self, key: &str, task: &str) -> Result<(), JobError> {
        let mut job = self.job(key)?;
        if !job.batches.is_empty() {
            return Ok(());
        }
        if job.job_id.is_none() && job.purpose == Purpose::Stateful {
            let text = |k: &str| {
                job.request
                    .get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            let (partner, project) = (text("partner"), text("project"));
            if let Some(last) = self.last_completed(&partner, &project).await?
                && last.name.as_deref() == Some(job.name.as_str())
            {
                tracing::info!(
                    task,
                    job = last.id.as_deref().unwrap_or_default(),
                    "the recorded submission is the session's last completed job: \
                         recovered without sending it again"
                );
                self.status(
                    task,
                    last.id.as_deref(),
                    "found as the session's last completed job",
                );
                job.job_id = last.id;
                self.store.commit(vec![Change::Job(job.clone())]).await?;
            }
        }
        if job.job_id.is_none() {
            if self.pending_at_start.contains(key) {
                tracing::info!(
                    task,
                    "sending the recorded submission again, with its idempotency key"
                );
            }
            let accepted = self.submit(job.clone(), task).await?;
            seam::reached("submitted");
            job = self.job(key)?;
            job.job_id = accepted.id;
            self.store.commit(vec![Change::Job(job.clone())]).await?;
        }
        let id = job.job_id.clone().unwrap_or_default();
        self.status(task, Some(&id), "submitted");
        let timings = &self.options.timings;
        let progress = self.progress.clone();
        let owned_task = task.to_owned();
        let owned_id = id.clone();
        let waited = self
            .client
            .wait_for_job(&id)
            .intervals(timings.poll_initial, timings.poll_max)
            .deadline(timings.job_deadline)
            .on_status_change(move |j: &Job| {
                progress.event(Event::Status {
                    task: owned_task.clone(),
                    job: Some(owned_id.clone()),
                    status: j
                        .status
                        .as_ref()
                        .map_or("unknown", |s| s.as_str())
                        .to_owned(),
                });
            })
            .await;
        let completed = match waited {
            Ok(completed) => completed,
            Err(WaitError::Failed(failed)) => {
                self.forget(key).await?;
                return Err(JobError::Fail(failure(task, &id, &failed)));
            }
            Err(WaitError::Request(e)) if gone(&e) => {
                return Err(JobError::Gone(format!(
                    "AQuA no longer knows job {id}: {e}"
                )));
            }
            Err(WaitError::Request(e)) => {
                return Err(JobError::Fail(ExportError::request(
                    format!("waiting for the {task}"),
                    e,
                )));
            }
            Err(other) => {
                return Err(JobError::Fail(ExportError::Deadline {
                    task: task.to_owned(),
                    job: id,
                    status: other
                        .last()
                        .and_then(|j| j.status.as_ref())
                        .map_or("pending", JobStatus::as_str)
                        .to_owned(),
                    waited_secs: timings.job_deadline.as_secs(),
                }));
            }
        };
        let batches = completed.batches.as_deref().unwrap_or_default();
        if let Some(bad) = batches
            .iter()
            .find(|b| b.status != Some(BatchStatus::Completed))
        {
            self.forget(key).await?;
            let detail = format!(
                "batch {} is {}",
                bad.name.as_deref().unwrap_or("?"),
                bad.status.as_ref().map_or("unknown", |s| s.as_str())
            );
            return Err(JobError::Fail(ExportError::JobFailed {
                task: task.to_owned(),
                job: id,
                status: "completed".to_owned(),
                detail: format!(", but {detail}"),
            }));
        }
        let mut job = self.job(key)?;
        for batch in batches {
            let name = batch.name.clone().unwrap_or_default();
            job.batches.insert(
                name,
                BatchFiles {
                    files: zuora_aqua::batch_files(batch),
                    full: batch.full,
                },
            );
        }
        self.store.commit(vec![Change::Job(job)]).await?;
        self.status(task, Some(&id), "completed");
        seam::reached("completed");
        Ok(())
    }

    /// Downloads the files of the job's batches not applied yet; returns them per batch.
    pub(crate) async fn download(
        &self,
        key: &str,
        task: &str,
    ) -> Result<BTreeMap<String, Vec<ResultFile>>, JobError> {
        let job = self.job(key)?;
        let id = job.job_id.clone().unwrap_or_default();
        let dir = self.options.work_dir.join(key);
        std::fs::create_dir_all(&dir).map_err(|e| ExportError::io(&dir, e))?;
        let mut out = BTreeMap::new();
        let mut total = 0u64;
        let mut first = true;
        for (batch, files) in &job.batches {
            if job.applied.contains(batch) {
                continue;
            }
            let mut saved = Vec::new();
            for (n, file) in files.files.iter().enumerate() {
                // Batch names are object names (identifiers): safe as file names.
                let path: PathBuf = dir.join(format!("{batch}-{n:04}"));
                if !path.exists() {
                    if first {
                        self.status(task, Some(&id), "downloading");
                        first = false;
                    }
                    let lost = |e: &zuora_aqua::Error| {
                        JobError::Gone(format!("file {file} of job {id} is gone: {e}"))
                    };
                    let download = match self.client.download_file(file).send().await {
                        Ok(d) => d,
                        Err(e) if gone(&e) => return Err(lost(&e)),
                        Err(e) => {
                            return Err(JobError::Fail(ExportError::request(
                                format!("downloading file {file} of the {task}"),
                                e,
                            )));
                        }
                    };
                    let base = total;
                    let progress = self.progress.clone();
                    let owned_task = task.to_owned();
                    let mut seen = false;
                    let bytes = download
                        .save_with_progress(&path, false, move |n| {
                            progress.event(Event::Bytes {
                                task: owned_task.clone(),
                                bytes: base + n,
                            });
                            if !seen && n > 0 {
                                seen = true;
                                seam::reached("downloading");
                            }
                        })
                        .await
                        .map_err(|e| {
                            JobError::Fail(ExportError::request(
                                format!("downloading file {file} of the {task}"),
                                e.into(),
                            ))
                        })?;
                    total += bytes;
                }
                saved.push(ResultFile {
                    id: file.clone(),
                    path,
                });
            }
            out.insert(batch.clone(), saved);
        }
        seam::reached("downloaded");
        Ok(out)
    }
}

/// The error of a job that ended in failure.
fn failure(task: &str, id: &str, job: &Job) -> ExportError {
    let detail = job
        .batches
        .iter()
        .flatten()
        .filter_map(|b| b.message.as_deref().filter(|m| !m.is_empty()))
        .next()
        .map(|m| format!(": {m}"))
        .unwrap_or_default();
    ExportError::JobFailed {
        task: task.to_owned(),
        job: id.to_owned(),
        status: job
            .status
            .as_ref()
            .map_or("unknown", |s| s.as_str())
            .to_owned(),
        detail,
    }
}
