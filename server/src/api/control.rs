//! What tests and demos control beyond the API: the concurrency limit of AQuA (error 90028),
//! explicit data changes, purging result files, and a view of the tenant's current records.

use std::time::Instant;

use axum::http::StatusCode;
use zuora_aqua::server::Reply;
use zuora_aqua::{Job, SubmitJobRequest};

use super::{Phase, Simulator, State};
use crate::Records;
use crate::bodies::job_error;
use crate::data::{OBJECTS, RenderOptions, Value, object};

/// Whether a submission is stateful: version 1.1 or 1.2 with both `partner` and `project`.
fn stateful(body: &SubmitJobRequest) -> bool {
    let filled = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.is_empty());
    let version = body.version.as_ref().map_or("1.0", |v| v.as_str());
    !matches!(version, "1" | "1.0") && filled(&body.partner) && filled(&body.project)
}

impl Simulator {
    /// AQuA's refusal of a submission while [`Config::max_running_jobs`] jobs of the same kind
    /// (stateful or stateless, each with its own limit) are `submitted` or `executing`: HTTP
    /// 200 with `{"status":"error","errorCode":"90028",…}`.
    ///
    /// [`Config::max_running_jobs`]: crate::Config::max_running_jobs
    pub(super) fn concurrency_refusal(
        &self,
        state: &State,
        body: &SubmitJobRequest,
        now: Instant,
    ) -> Option<Reply<Job>> {
        if self.max_running_jobs == 0 {
            return None;
        }
        let kind = stateful(body);
        let running = state
            .jobs
            .values()
            .filter(|job| job.session.is_some() == kind)
            .filter(|job| matches!(self.phase(job, now), Phase::Submitted | Phase::Executing))
            .count();
        (running >= self.max_running_jobs).then(|| {
            tracing::info!(
                running,
                limit = self.max_running_jobs,
                "refusing a job: 90028"
            );
            Reply::Json(
                StatusCode::OK,
                job_error(
                    "90028",
                    format!(
                        "The total number of concurrent {} jobs is over the limit of {}: \
                         wait for running jobs to finish",
                        if kind { "stateful" } else { "stateless" },
                        self.max_running_jobs
                    ),
                ),
            )
        })
    }

    /// Changes the tenant's data once (inserts, updates and deletes; see the crate docs).
    pub(crate) fn change_data(&self) {
        let mut state = self.lock();
        self.advance(&mut state, Instant::now());
        state.tenant.touch();
    }

    /// Purges every result file, as Zuora does three days after a job; returns how many.
    pub(crate) fn expire_files(&self) -> usize {
        let mut state = self.lock();
        self.advance(&mut state, Instant::now());
        let n = state.files.len();
        state.files.clear();
        n
    }

    /// The live records of `object` as a job of this moment would export them with
    /// `useQueryLabels` (`utc`: with `dateTimeUtc`), nulls as `None`.
    pub(crate) fn records(&self, name: &str, utc: bool) -> Option<Records> {
        let index = object(name)?;
        let mut state = self.lock();
        self.advance(&mut state, Instant::now());
        let schema = &OBJECTS[index];
        let options = RenderOptions { utc, null: "" };
        let rows = state.tenant.tables[index]
            .rows
            .iter()
            .filter(|r| r.live())
            .map(|r| {
                r.values
                    .iter()
                    .map(|v| (*v != Value::Null).then(|| v.render(options)))
                    .collect()
            })
            .collect();
        Some(Records {
            object: schema.name.to_owned(),
            columns: schema.fields.iter().map(|f| f.name.to_owned()).collect(),
            rows,
        })
    }
}
