//! A job as the API shows it in each phase, `getJob` and `cancelJob`.

use std::time::Instant;

use axum::http::StatusCode;
use zuora_aqua::server::Reply;
use zuora_aqua::{
    Batch, BatchStatus, Caseless, Encryption, FlexInt, Job, JobStatus, ZuoraDateTime,
};

use super::{JobRecord, Phase, Simulator};
use crate::bodies::aqua_error;

impl Simulator {
    fn start_time(&self, job: &JobRecord) -> ZuoraDateTime {
        let started: chrono::DateTime<chrono::Utc> =
            (job.submitted_wall + self.submitted_for).into();
        if job.utc {
            ZuoraDateTime::from_offset(started.fixed_offset())
        } else {
            ZuoraDateTime::from_local(started.naive_utc())
        }
    }

    /// The job as the API shows it in `phase`.
    pub(super) fn view(&self, job: &JobRecord, phase: Phase) -> Job {
        let (status, batch_status) = match phase {
            Phase::Submitted => (JobStatus::Submitted, BatchStatus::Pending),
            Phase::Executing => (JobStatus::Executing, BatchStatus::Executing),
            Phase::Completed => (JobStatus::Completed, BatchStatus::Completed),
            Phase::Cancelled => (JobStatus::Cancelled, BatchStatus::Cancelled),
        };
        let started = match phase {
            Phase::Submitted => false,
            Phase::Executing | Phase::Completed => true,
            Phase::Cancelled => job.cancelled == Some(true),
        };
        let failed = phase == Phase::Completed
            && job
                .batches
                .iter()
                .any(|b| b.result.as_ref().is_some_and(|r| r.error.is_some()));
        let mut view = Job::default();
        view.id = Some(job.id.clone());
        view.name = job.name.clone();
        view.status = Some(if failed { JobStatus::Aborted } else { status });
        view.format = Some(Caseless::new(job.packaging.result_format()));
        view.version = Some(job.version.clone());
        view.encrypted = Some(Encryption::None);
        view.partner = job.partner.clone();
        view.project = job.project.clone();
        if started {
            view.start_time = Some(self.start_time(job));
        }
        view.source_data = job.source_data.clone();
        view.use_last_completed_job_queries = Some(job.reused_queries);
        view.offset = job.offset;
        view.incremental_time = job.incremental_time.clone();
        view.notify_url = job.notify_url.clone();
        view.batches = Some(
            job.batches
                .iter()
                .map(|b| {
                    let mut batch = Batch::default();
                    let mut status = batch_status.clone();
                    batch.batch_id = Some(b.batch_id.clone());
                    batch.name = b.name.clone();
                    batch.query = Some(b.query.clone());
                    batch.batch_type = Some(b.batch_type.clone());
                    batch.api_version = Some(b.api_version.clone());
                    batch.record_count = Some(FlexInt::new(0));
                    batch.full = Some(b.full);
                    batch.deleted = b.deleted.clone();
                    if let (Phase::Completed, Some(result)) = (phase, &b.result) {
                        batch.record_count = Some(FlexInt::new(result.records as i64));
                        if let Some(error) = &result.error {
                            status = BatchStatus::Aborted;
                            batch.message = Some(error.clone());
                        } else {
                            batch.message = Some(String::new());
                            if result.segmented {
                                batch.segments = Some(result.files.clone());
                            } else {
                                batch.file_id = result.files.first().cloned();
                            }
                        }
                    }
                    batch.localized_status = Some(status.as_str().to_owned());
                    batch.status = Some(status);
                    batch
                })
                .collect(),
        );
        view
    }

    pub(super) fn get(&self, id: &str) -> Reply<Job> {
        let now = Instant::now();
        let mut state = self.lock();
        self.advance(&mut state, now);
        match state.jobs.get(id) {
            Some(job) => Reply::Ok(self.view(job, self.phase(job, now))),
            None => Reply::Json(
                StatusCode::OK,
                aqua_error("90002", format!("Invalid job id `{id}`")),
            ),
        }
    }

    pub(super) fn cancel(&self, id: &str) -> Reply<Job> {
        let now = Instant::now();
        let mut state = self.lock();
        self.advance(&mut state, now);
        let Some(job) = state.jobs.get_mut(id) else {
            return Reply::Json(
                StatusCode::OK,
                aqua_error(
                    "90003",
                    format!("Invalid job id for job cancellation: no job `{id}`"),
                ),
            );
        };
        let phase = self.phase(job, now);
        match phase {
            Phase::Completed => Reply::Json(
                StatusCode::OK,
                aqua_error(
                    "90003",
                    format!("Invalid job id for job cancellation: job `{id}` is already completed"),
                ),
            ),
            Phase::Cancelled => Reply::Ok(self.view(job, phase)),
            Phase::Submitted | Phase::Executing => {
                job.cancelled = Some(phase == Phase::Executing);
                Reply::Ok(self.view(job, Phase::Cancelled))
            }
        }
    }
}
