//! The simulation: [`Simulator`] implements the generated `Api` trait by hand.
//!
//! This file holds the simulator's state and the entry points; each entry point applies the
//! fault rules, checks the credentials and hands over to the module of its concern:
//! - `faults.rs`: the fault rules applied to a request, and answers cut short;
//! - `auth.rs`: basic and bearer credentials, and `createToken`;
//! - `submit.rs`: `submitJob`, validated as AQuA validates it, with `Idempotency-Key`s;
//! - `jobs.rs`: jobs moving through their states by elapsed time, and what completing one
//!   builds (result files, the session's watermark);
//! - `status.rs`: a job as the API shows it, `getJob` and `cancelJob`;
//! - `sessions.rs`: what a stateful session remembers of a query, and `getLastCompletedJob`;
//! - `download.rs`: `downloadFile`, whole or by range;
//! - `control.rs`: the 90028 concurrency limit and what `LocalServer` controls beyond the API
//!   (data changes, purged files, the records).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use tokio::sync::watch;
use zuora_aqua::server::{
    Api, BinaryReply, CancelJobInput, CreateTokenInput, DownloadFileInput, GetJobInput,
    GetLastCompletedJobInput, Reply, SubmitJobInput,
};
use zuora_aqua::{DeletedRecord, Job, Query, QueryType, QueryVersion, SourceData, TokenResponse};

use crate::Config;
use crate::bodies::unauthorized;
use crate::data::Tenant;
use crate::fault::Injector;
use crate::files::Packaging;
use crate::net::Counters;
use crate::query::ParsedQuery;
use crate::rng::Rng;

mod auth;
mod control;
mod download;
mod faults;
mod jobs;
mod sessions;
mod status;
mod submit;

/// A partner/project pair: the key of a stateful session.
type SessionKey = (String, String);

/// The state of a job as seen at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Submitted,
    Executing,
    Completed,
    Cancelled,
}

#[derive(Debug)]
struct BatchRecord {
    batch_id: String,
    name: Option<String>,
    query: String,
    parsed: ParsedQuery,
    batch_type: QueryType,
    api_version: String,
    deleted: Option<DeletedRecord>,
    /// Whether the batch is a full load: provisional until the job completes.
    full: bool,
    result: Option<BatchResult>,
}

#[derive(Debug)]
struct BatchResult {
    records: usize,
    files: Vec<String>,
    segmented: bool,
    /// Why the batch failed (its files could not be built).
    error: Option<String>,
}

#[derive(Debug)]
struct JobRecord {
    id: String,
    name: Option<String>,
    packaging: Packaging,
    version: QueryVersion,
    partner: Option<String>,
    project: Option<String>,
    session: Option<SessionKey>,
    query_labels: bool,
    utc: bool,
    null_replacement: String,
    offset: Option<i32>,
    incremental_time: Option<String>,
    incremental_from: Option<chrono::NaiveDateTime>,
    notify_url: Option<String>,
    source_data: Option<SourceData>,
    reused_queries: bool,
    queries: Vec<Query>,
    submitted_at: Instant,
    submitted_wall: SystemTime,
    /// `Some(started)` once cancelled: whether it had started executing.
    cancelled: Option<bool>,
    materialized: bool,
    batches: Vec<BatchRecord>,
}

#[derive(Clone, Debug, Default)]
struct Session {
    last_completed: Option<String>,
    /// The tenant generation when the last job completed: later changes are the increment.
    watermark: u64,
    /// The normalised query texts of the last completed job (a changed query is a full load).
    query_texts: Vec<String>,
    /// The queries of the last completed job, reused when a follow-up job has none.
    queries: Vec<Query>,
}

#[derive(Debug)]
struct StoredFile {
    content_type: &'static str,
    bytes: Bytes,
}

#[derive(Debug)]
struct State {
    rng: Rng,
    /// Tokens come from a stream of their own, so that no token ever equals a job, batch or
    /// file ID of a server with the same seed.
    token_rng: Rng,
    tenant: Tenant,
    jobs: HashMap<String, JobRecord>,
    /// Job IDs in submission order.
    order: Vec<String>,
    files: HashMap<String, StoredFile>,
    sessions: HashMap<SessionKey, Session>,
    /// Bearer tokens and when they expire.
    tokens: HashMap<String, Instant>,
    /// Idempotency keys: the body they came with and the job they created.
    idempotency: HashMap<String, (serde_json::Value, String)>,
}

/// The simulated AQuA tenant behind the router.
#[derive(Debug)]
pub(crate) struct Simulator {
    users: Vec<(String, String)>,
    clients: Vec<(String, String)>,
    token_lifetime: Duration,
    submitted_for: Duration,
    executing_for: Duration,
    segment_rows: usize,
    change_after_each_job: bool,
    max_running_jobs: usize,
    max_query_rows: usize,
    injector: Injector,
    counters: Arc<Counters>,
    shutdown: watch::Receiver<bool>,
    state: Mutex<State>,
}

impl Simulator {
    pub(crate) fn new(
        config: &Config,
        counters: Arc<Counters>,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        Simulator {
            users: config.users.clone(),
            clients: config.oauth_clients.clone(),
            token_lifetime: config.token_lifetime,
            submitted_for: config.submitted_for,
            executing_for: config.executing_for,
            segment_rows: config.segment_rows,
            change_after_each_job: config.change_after_each_job,
            max_running_jobs: config.max_running_jobs,
            max_query_rows: config.max_query_rows,
            injector: Injector::new(config.faults.clone()),
            counters,
            shutdown,
            state: Mutex::new(State {
                rng: Rng::new(config.seed),
                token_rng: Rng::new(config.seed ^ auth::TOKEN_STREAM),
                tenant: Tenant::new(config.seed),
                jobs: HashMap::new(),
                order: Vec::new(),
                files: HashMap::new(),
                sessions: HashMap::new(),
                tokens: HashMap::new(),
                idempotency: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Api for Simulator {
    async fn get_last_completed_job(&self, input: GetLastCompletedJobInput) -> Reply<Job> {
        self.answer("getLastCompletedJob", || {
            self.authorized(&input.headers, || {
                self.last_completed(&input.partner, &input.project)
            })
        })
        .await
    }

    async fn submit_job(&self, input: SubmitJobInput) -> Reply<Job> {
        self.answer("submitJob", || {
            self.authorized(&input.headers, || self.submit(&input))
        })
        .await
    }

    async fn get_job(&self, input: GetJobInput) -> Reply<Job> {
        self.answer("getJob", || {
            self.authorized(&input.headers, || self.get(&input.jobid))
        })
        .await
    }

    async fn cancel_job(&self, input: CancelJobInput) -> Reply<Job> {
        self.answer("cancelJob", || {
            self.authorized(&input.headers, || self.cancel(&input.jobid))
        })
        .await
    }

    async fn download_file(&self, input: DownloadFileInput) -> BinaryReply {
        self.answer_file("downloadFile", &input.file_id, || {
            if self.authenticated(&input.headers) {
                self.download(&input.file_id, &input.headers)
            } else {
                BinaryReply::Raw(unauthorized())
            }
        })
        .await
    }

    async fn create_token(&self, input: CreateTokenInput) -> Reply<TokenResponse> {
        Counters::bump(&self.counters.token_requests);
        self.answer("createToken", || self.token(&input)).await
    }
}
