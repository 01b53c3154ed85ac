//! The simulation: [`Simulator`] implements the generated `Api` trait by hand.

use std::collections::{HashMap, HashSet};
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use serde::Serialize;
use tokio::sync::watch;
use zuora_aqua::server::{
    Api, BinaryReply, CancelJobInput, CreateTokenInput, DownloadFileInput, GetJobInput,
    GetLastCompletedJobInput, Reply, SubmitJobInput,
};
use zuora_aqua::{
    Batch, BatchStatus, Caseless, DeletedFormat, DeletedRecord, Encryption, FlexInt, GrantType,
    Job, JobStatus, Query, QueryType, QueryVersion, RequestedFormat, Secret, SourceData,
    SubmitJobRequest, TokenResponse, ZuoraDateTime,
};

use crate::Config;
use crate::bodies::{
    aqua_error, aqua_message, job_error, json_response, malformed, unauthorized, v1_error,
};
use crate::data::{OBJECTS, RenderOptions, Row, Tenant};
use crate::fault::{self, Fault, Injector, MAX_HOLD};
use crate::files::{self, ByteRange, CsvOptions, Packaging};
use crate::net::Counters;
use crate::query::{self, ParsedQuery};
use crate::rng::Rng;
use crate::select::{Load, select};

mod control;

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

/// Mixed into the seed of [`State::token_rng`].
const TOKEN_STREAM: u64 = 0x70CE_4A11_D0C5_EED5;

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

/// Why a submission is refused.
enum Refusal {
    /// Not acceptable at all (an unknown enum value): HTTP 400 with the gateway's body.
    Malformed(String),
    /// AQuA's validation error: HTTP 200 with `status: error`, `errorCode` and `message`.
    Aqua(&'static str, String),
}

/// What fault injection leaves to do.
enum Pre {
    /// Handle the request, cutting the answer as said.
    Continue(Cut),
    /// Answer this instead.
    Answer(Response),
}

/// Whether and how an answer is cut short (see [`truncated`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cut {
    /// Not cut.
    No,
    /// Cut, and a file says `Accept-Ranges: none` ([`Fault::Truncated`]).
    Plain,
    /// Cut, and a file keeps `Accept-Ranges: bytes` ([`Fault::TruncatedOnce`],
    /// [`Fault::TruncatedResumable`]).
    Resumable,
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

/// Collapses whitespace and case, so that only a real change of a query restarts a full load.
fn normalize(query: &str) -> String {
    query
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

/// What a session remembers of a query: its normalised text and its deleted-record column, so
/// that changing either starts a full load (as Zuora documents for the deleted column).
fn session_text(query: &str, deleted: Option<&DeletedRecord>) -> String {
    match deleted {
        None => normalize(query),
        Some(d) => format!(
            "{} -- deleted {:?} {:?}",
            normalize(query),
            d.column,
            d.format.as_ref().map(DeletedFormat::as_str)
        ),
    }
}

/// Decodes canonical standard base64 (RFC 4648 section 4), as `Basic` credentials carry it
/// (RFC 7617): the length is a multiple of 4, `=` only as the padding of the last group, and
/// the bits the padding leaves unused are zero. Anything else is `None`, so malformed
/// credentials never authenticate.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if bytes.is_empty() || bytes.len() % 4 != 0 {
        return None;
    }
    let padding = bytes.iter().rev().take_while(|&&b| b == b'=').count();
    if padding > 2 {
        return None;
    }
    let data = &bytes[..bytes.len() - padding];
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in data {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Non-zero leftover bits: not the canonical encoding of any byte string.
    (acc == 0).then_some(out)
}

/// How the CSV of `batch` of `job` is written.
fn csv_options<'a>(job: &'a JobRecord, batch: &'a BatchRecord) -> CsvOptions<'a> {
    CsvOptions {
        query_labels: job.query_labels,
        render: RenderOptions {
            utc: job.utc,
            null: &job.null_replacement,
        },
        deleted: batch.deleted.as_ref().and_then(|d| {
            let format = d.format.clone().unwrap_or(DeletedFormat::Numeric);
            d.column.as_deref().map(|c| (c, format))
        }),
    }
}

/// Resolves when the server shuts down (or is gone).
async fn shutdown_signal(mut rx: watch::Receiver<bool>) {
    loop {
        if *rx.borrow_and_update() {
            return;
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}

/// The response with only the first half of its body, announcing the whole length, and a
/// body that then fails so that the connection is closed.
async fn truncated(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let declared = bytes.len().max(2);
    let sent = bytes.slice(..bytes.len() / 2);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(declared));
    let stream = futures_util::stream::unfold(0u8, move |step| {
        let sent = sent.clone();
        async move {
            match step {
                0 => Some((Ok::<Bytes, io::Error>(sent), 1)),
                1 => {
                    // Let the first half reach the client before the connection breaks.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Some((
                        Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "response truncated by fault injection",
                        )),
                        2,
                    ))
                }
                _ => None,
            }
        }
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

fn reply_status<T>(reply: &Reply<T>) -> u16 {
    match reply {
        Reply::Ok(_) => 200,
        Reply::Json(status, _) => status.as_u16(),
        Reply::Raw(response) => response.status().as_u16(),
        _ => 0,
    }
}

fn binary_status(reply: &BinaryReply) -> u16 {
    match reply {
        BinaryReply::Ok { .. } => 200,
        BinaryReply::Json(status, _) => status.as_u16(),
        BinaryReply::Raw(response) => response.status().as_u16(),
        _ => 0,
    }
}

/// A 32-hex ID in the layout of an entity UUID (8-4-4-4-12).
fn uuid_layout(hex: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
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
                token_rng: Rng::new(config.seed ^ TOKEN_STREAM),
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

    /// Waits `duration`, or less if the server shuts down.
    async fn hold(&self, duration: Duration) {
        tokio::select! {
            () = tokio::time::sleep(duration) => {}
            () = shutdown_signal(self.shutdown.clone()) => {}
        }
    }

    /// Applies the fault rules to a request of `operation` about `subject` (the file ID of a
    /// download, empty otherwise).
    async fn pre(&self, operation: &'static str, subject: &str) -> Pre {
        let Some(fault) = self.injector.pick(operation, subject) else {
            return Pre::Continue(Cut::No);
        };
        Counters::bump(&self.counters.faults);
        tracing::info!(operation, ?fault, "injecting a fault");
        match fault {
            Fault::Slow(delay) => {
                self.hold(delay).await;
                Pre::Continue(Cut::No)
            }
            Fault::Hang => {
                self.hold(MAX_HOLD).await;
                Pre::Answer(fault::reset())
            }
            Fault::Truncated => Pre::Continue(Cut::Plain),
            Fault::TruncatedOnce | Fault::TruncatedResumable => Pre::Continue(Cut::Resumable),
            other => Pre::Answer(fault::response(&other)),
        }
    }

    /// Logs and, for the `Truncated` faults, cuts the answer.
    async fn finish<T: Serialize>(
        &self,
        operation: &'static str,
        reply: Reply<T>,
        cut: Cut,
    ) -> Reply<T> {
        tracing::info!(operation, status = reply_status(&reply), "request handled");
        if cut != Cut::No {
            Reply::Raw(truncated(reply.into_response_with(StatusCode::OK)).await)
        } else {
            reply
        }
    }

    /// Whether the request carries valid credentials (basic, or a live bearer token).
    fn authenticated(&self, headers: &HeaderMap) -> bool {
        let Some(value) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        else {
            return false;
        };
        let value = value.trim();
        let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
        let credentials = credentials.trim();
        if scheme.eq_ignore_ascii_case("basic") {
            // RFC 7617: `user-id ":" password`, UTF-8, the user-id without a colon and free of
            // control characters.
            let Some(decoded) = base64_decode(credentials).and_then(|b| String::from_utf8(b).ok())
            else {
                return false;
            };
            if decoded.chars().any(char::is_control) {
                return false;
            }
            let Some((user, password)) = decoded.split_once(':') else {
                return false;
            };
            self.users.iter().any(|(u, p)| u == user && p == password)
        } else if scheme.eq_ignore_ascii_case("bearer") {
            let state = self.lock();
            state
                .tokens
                .get(credentials)
                .is_some_and(|expiry| *expiry > Instant::now())
        } else {
            false
        }
    }

    fn phase(&self, job: &JobRecord, now: Instant) -> Phase {
        if job.cancelled.is_some() {
            return Phase::Cancelled;
        }
        let elapsed = now.saturating_duration_since(job.submitted_at);
        if elapsed < self.submitted_for {
            Phase::Submitted
        } else if elapsed < self.submitted_for + self.executing_for {
            Phase::Executing
        } else {
            Phase::Completed
        }
    }

    /// Completes, in submission order, every job whose time has come.
    fn advance(&self, state: &mut State, now: Instant) {
        let due: Vec<String> = state
            .order
            .iter()
            .filter(|id| {
                state.jobs.get(*id).is_some_and(|job| {
                    !job.materialized && self.phase(job, now) == Phase::Completed
                })
            })
            .cloned()
            .collect();
        for id in due {
            self.complete(state, &id);
        }
    }

    /// Runs the queries of a job: builds its result files, records the stateful session, then
    /// lets the tenant change a little.
    fn complete(&self, state: &mut State, id: &str) {
        let Some(mut job) = state.jobs.remove(id) else {
            return;
        };
        let session = job
            .session
            .as_ref()
            .and_then(|key| state.sessions.get(key))
            .filter(|s| s.last_completed.is_some())
            .cloned();
        let mut results = Vec::with_capacity(job.batches.len());
        for batch in &job.batches {
            let full = match (&job.session, &session) {
                (None, _) | (Some(_), None) => true,
                (Some(_), Some(s)) => !s
                    .query_texts
                    .contains(&session_text(&batch.query, batch.deleted.as_ref())),
            };
            let table = &state.tenant.tables[batch.parsed.object];
            let load = if full {
                Load::Full
            } else {
                Load::Since {
                    watermark: session.as_ref().map_or(0, |s| s.watermark),
                    from: job.incremental_from,
                    deleted: batch.deleted.is_some(),
                }
            };
            let selection = select(table, &batch.parsed, load);
            let rows = &selection.rows;
            if self.max_query_rows > 0 && selection.len() > self.max_query_rows {
                results.push((
                    full,
                    BatchResult {
                        records: 0,
                        files: Vec::new(),
                        segmented: false,
                        error: Some(format!(
                            "90027: the query exceeded the maximum processing time ({} records; \
                             the local server processes at most {} per query): split it, for \
                             example into date windows",
                            selection.len(),
                            self.max_query_rows
                        )),
                    },
                ));
                continue;
            }
            let segmented = job.session.is_some()
                && full
                && self.segment_rows > 0
                && rows.len() > self.segment_rows;
            let chunks: Vec<&[&Row]> = if segmented {
                rows.chunks(self.segment_rows).collect()
            } else {
                vec![&rows[..]]
            };
            let label = batch.name.clone().unwrap_or_else(|| batch.batch_id.clone());
            let mut result = BatchResult {
                records: selection.len(),
                files: Vec::new(),
                segmented,
                error: None,
            };
            for (n, chunk) in chunks.iter().enumerate() {
                // Deleted records come with the (never segmented) increment.
                let deleted: &[&Row] = if n == 0 { &selection.deleted } else { &[] };
                let text = files::csv(
                    table,
                    &batch.parsed,
                    chunk,
                    deleted,
                    &csv_options(&job, batch),
                );
                let entry = if segmented {
                    format!("{label}_{:03}.csv", n + 1)
                } else {
                    format!("{label}.csv")
                };
                match files::package(job.packaging, &entry, text) {
                    Ok(bytes) => {
                        let file_id = state.rng.hex32();
                        state.files.insert(
                            file_id.clone(),
                            StoredFile {
                                content_type: job.packaging.content_type(),
                                bytes: Bytes::from(bytes),
                            },
                        );
                        result.files.push(file_id);
                    }
                    Err(e) => {
                        tracing::error!(job = id, error = %e, "cannot build a result file");
                        result.error = Some(format!("cannot build the result file: {e}"));
                        break;
                    }
                }
            }
            results.push((full, result));
        }
        // An aborted job is not the session's last completed job: the next one is incremental
        // from the same point.
        let aborted = results.iter().any(|(_, r)| r.error.is_some());
        for (batch, (full, result)) in job.batches.iter_mut().zip(results) {
            batch.full = full;
            batch.result = Some(result);
        }
        if let (Some(key), false) = (&job.session, aborted) {
            let session = state.sessions.entry(key.clone()).or_default();
            session.last_completed = Some(job.id.clone());
            session.watermark = state.tenant.generation;
            session.query_texts = job
                .batches
                .iter()
                .map(|b| session_text(&b.query, b.deleted.as_ref()))
                .collect();
            session.queries = job.queries.clone();
        }
        if self.change_after_each_job {
            state.tenant.touch();
        }
        job.materialized = true;
        tracing::debug!(job = id, "job completed");
        state.jobs.insert(id.to_owned(), job);
    }

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
    fn view(&self, job: &JobRecord, phase: Phase) -> Job {
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

    /// Validates a submission like AQuA and turns it into a job.
    fn plan(
        &self,
        state: &mut State,
        body: &SubmitJobRequest,
        now: Instant,
    ) -> Result<JobRecord, Refusal> {
        let aqua = |code: &'static str, message: String| Err(Refusal::Aqua(code, message));
        let packaging = match &body.format {
            None => Packaging::Csv,
            Some(RequestedFormat::Csv) => Packaging::Csv,
            Some(RequestedFormat::Zip) => Packaging::Zip,
            Some(RequestedFormat::Gzip) => Packaging::Gzip,
            Some(other) => match other.as_str().to_ascii_lowercase().as_str() {
                "csv" => Packaging::Csv,
                "zip" => Packaging::Zip,
                "gzip" => Packaging::Gzip,
                _ => {
                    return Err(Refusal::Malformed(format!(
                        "unknown format `{}`",
                        other.as_str()
                    )));
                }
            },
        };
        if let Some(SourceData::Unknown(s)) = &body.source_data {
            return Err(Refusal::Malformed(format!("unknown sourceData `{s}`")));
        }
        match &body.encrypted {
            None | Some(Encryption::None) => {}
            Some(Encryption::Pgp) => {
                return aqua(
                    "90005",
                    "PGP encryption is not supported by the local AQuA server".to_owned(),
                );
            }
            Some(other) => {
                return Err(Refusal::Malformed(format!(
                    "unknown encrypted `{}`",
                    other.as_str()
                )));
            }
        }
        for q in body.queries.iter().flatten() {
            if let Some(QueryType::Unknown(t)) = &q.type_ {
                return Err(Refusal::Malformed(format!("unknown query type `{t}`")));
            }
            if let Some(DeletedFormat::Unknown(f)) =
                q.deleted.as_ref().and_then(|d| d.format.as_ref())
            {
                return Err(Refusal::Malformed(format!("unknown deleted format `{f}`")));
            }
        }

        let version = body
            .version
            .clone()
            .unwrap_or_else(|| QueryVersion::from("1.0"));
        let version_text = version.as_str();
        if !matches!(version_text, "1" | "1.0" | "1.1" | "1.2") {
            return aqua(
                "90005",
                format!("Invalid version `{version_text}`: expected 1.0, 1.1 or 1.2"),
            );
        }
        let stateless_only = matches!(version_text, "1" | "1.0");
        if let Some(name) = &body.name {
            let n = name.chars().count();
            if n > 32 {
                return aqua(
                    "90005",
                    format!("Invalid job name: it has {n} characters, at most 32 are allowed"),
                );
            }
        }
        if let Some(url) = &body.notify_url {
            let n = url.chars().count();
            if n >= 5000 {
                return aqua(
                    "90014",
                    format!("The notifyUrl must be shorter than 5000 characters ({n} given)"),
                );
            }
        }
        if let Some(offset) = body.offset {
            if !(0..=3600).contains(&offset) {
                return aqua(
                    "90005",
                    format!("Invalid offset {offset}: it must be between 0 and 3600 seconds"),
                );
            }
        }
        let incremental_from = match &body.incremental_time {
            None => None,
            Some(t) => match t.value() {
                Some(v) => Some(v.naive_local()),
                None => {
                    return aqua(
                        "90015",
                        format!(
                            "The incremental time `{}` is invalid: expected yyyy-MM-dd HH:mm:ss",
                            t.as_str()
                        ),
                    );
                }
            },
        };
        let non_empty = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
        let (partner, project) = (non_empty(&body.partner), non_empty(&body.project));
        let session = match (&partner, &project) {
            (Some(partner), Some(project)) if !stateless_only => {
                Some((partner.clone(), project.clone()))
            }
            _ => None,
        };
        let previous = session
            .as_ref()
            .and_then(|key| state.sessions.get(key))
            .filter(|s| s.last_completed.is_some());

        let given = body.queries.clone().unwrap_or_default();
        if given.len() > 50 {
            return aqua(
                "90004",
                format!(
                    "More than 50 queries are included in the AQuA input ({} given)",
                    given.len()
                ),
            );
        }
        let (queries, reused) = if !given.is_empty() {
            (given, false)
        } else if stateless_only {
            return aqua(
                "90016",
                "No queries are included in the AQuA version 1.0 request".to_owned(),
            );
        } else if let Some(previous) = previous.filter(|p| !p.queries.is_empty()) {
            (previous.queries.clone(), true)
        } else {
            return aqua(
                "90016",
                "No queries are included in the AQuA request, and there is no previous job of \
                 the session to reuse queries from"
                    .to_owned(),
            );
        };

        let mut names = HashSet::new();
        let mut planned = Vec::with_capacity(queries.len());
        for (i, q) in queries.iter().enumerate() {
            let label = q
                .name
                .as_ref()
                .map_or_else(|| format!("#{}", i + 1), |n| format!("`{n}`"));
            if let Some(name) = &q.name {
                if !names.insert(name.clone()) {
                    return aqua(
                        "90005",
                        format!("Duplicate query name {label}: query names must be unique"),
                    );
                }
            }
            let parsed = match query::parse(&q.query) {
                Ok(parsed) => parsed,
                Err(detail) => {
                    return aqua(
                        "90005",
                        format!(
                            "{}: query {label}: {detail}",
                            aqua_message("90005").unwrap_or_default()
                        ),
                    );
                }
            };
            if let Some(currencies) = &q.convert_to_currencies {
                for code in currencies.split(',').map(str::trim) {
                    if code.len() != 3 || !code.chars().all(|c| c.is_ascii_uppercase()) {
                        return aqua(
                            "90021",
                            format!(
                                "Invalid currency `{code}` in convertToCurrencies of query {label}"
                            ),
                        );
                    }
                }
            }
            if let Some(deleted) = &q.deleted {
                if session.is_none() {
                    return aqua(
                        "90012",
                        format!("Stateless AQuA does not support deleted columns (query {label})"),
                    );
                }
                let object = OBJECTS[parsed.object].name;
                if !OBJECTS[parsed.object].deletable {
                    return aqua(
                        "90017",
                        format!("{object} does not support deleted records (query {label})"),
                    );
                }
                if deleted.column.as_deref().is_none_or(str::is_empty) {
                    return aqua(
                        "90005",
                        format!("The deleted section of query {label} needs a column name"),
                    );
                }
            }
            let full = match previous {
                None => true,
                Some(p) => !p
                    .query_texts
                    .contains(&session_text(&q.query, q.deleted.as_ref())),
            };
            planned.push(BatchRecord {
                batch_id: state.rng.hex32(),
                name: q.name.clone(),
                query: q.query.clone(),
                parsed,
                batch_type: q.type_.clone().unwrap_or(QueryType::Zoqlexport),
                api_version: q.api_version.clone().unwrap_or_else(|| "91.0".to_owned()),
                deleted: q.deleted.clone(),
                full,
                result: None,
            });
        }

        Ok(JobRecord {
            id: state.rng.hex32(),
            name: body.name.clone(),
            packaging,
            version,
            partner,
            project,
            session,
            query_labels: body.use_query_labels.is_some_and(|b| b.get()),
            utc: body.date_time_utc.is_some_and(|b| b.get()),
            null_replacement: body.null_replacement.clone().unwrap_or_default(),
            offset: body.offset,
            incremental_time: body
                .incremental_time
                .as_ref()
                .map(|t| t.as_str().to_owned()),
            incremental_from,
            notify_url: body.notify_url.clone(),
            source_data: body.source_data.clone(),
            reused_queries: reused,
            queries,
            submitted_at: now,
            submitted_wall: SystemTime::now(),
            cancelled: None,
            materialized: false,
            batches: planned,
        })
    }

    fn submit(&self, input: &SubmitJobInput) -> Reply<Job> {
        let now = Instant::now();
        let mut state = self.lock();
        self.advance(&mut state, now);
        let fingerprint = serde_json::to_value(&input.body).unwrap_or_default();
        if let Some(key) = &input.idempotency_key {
            if let Some((body, id)) = state.idempotency.get(key) {
                if *body != fingerprint {
                    return Reply::Json(
                        StatusCode::CONFLICT,
                        v1_error(
                            50000030,
                            "The Idempotency-Key was already used with another request body",
                        ),
                    );
                }
                if let Some(job) = state.jobs.get(id) {
                    return Reply::Ok(self.view(job, self.phase(job, now)));
                }
            }
        }
        if let Some(refusal) = self.concurrency_refusal(&state, &input.body, now) {
            Counters::bump(&self.counters.concurrency_refusals);
            return refusal;
        }
        match self.plan(&mut state, &input.body, now) {
            Ok(job) => {
                Counters::bump(&self.counters.jobs);
                let view = self.view(&job, Phase::Submitted);
                let id = job.id.clone();
                if let Some(key) = &input.idempotency_key {
                    state
                        .idempotency
                        .insert(key.clone(), (fingerprint, id.clone()));
                }
                state.order.push(id.clone());
                state.jobs.insert(id, job);
                Reply::Ok(view)
            }
            Err(Refusal::Malformed(detail)) => {
                tracing::debug!(%detail, "malformed submission");
                Reply::Json(StatusCode::BAD_REQUEST, malformed())
            }
            Err(Refusal::Aqua(code, message)) => {
                Reply::Json(StatusCode::OK, job_error(code, message))
            }
        }
    }

    fn get(&self, id: &str) -> Reply<Job> {
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

    fn cancel(&self, id: &str) -> Reply<Job> {
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

    fn last_completed(&self, partner: &str, project: &str) -> Reply<Job> {
        let now = Instant::now();
        let mut state = self.lock();
        self.advance(&mut state, now);
        let key = (partner.to_owned(), project.to_owned());
        let job = state
            .sessions
            .get(&key)
            .and_then(|s| s.last_completed.as_ref())
            .and_then(|id| state.jobs.get(id));
        match job {
            Some(job) => Reply::Ok(self.view(job, Phase::Completed)),
            None => Reply::Json(
                StatusCode::OK,
                aqua_error(
                    "90002",
                    format!("no completed job for partner {partner} project {project}"),
                ),
            ),
        }
    }

    /// A file, whole or the part its `Range` header asks for.
    ///
    /// Every answer with (or about) the file's content says `Accept-Ranges: bytes` and gives
    /// the file's `ETag` (its ID: files never change). A single range (`bytes=N-`,
    /// `bytes=N-M`, `bytes=-S`) is answered with `206 Partial Content` and
    /// `Content-Range: bytes N-M/TOTAL`; a range past the end with
    /// `416 Range Not Satisfiable` and `Content-Range: bytes */TOTAL`. The range is ignored
    /// (the whole file is sent with `200`) when `If-Range` is not the file's `ETag`, or when
    /// the header asks for several ranges or is malformed.
    fn download(&self, file_id: &str, headers: &HeaderMap) -> BinaryReply {
        let (content_type, bytes) = {
            let state = self.lock();
            match state.files.get(file_id) {
                Some(file) => (file.content_type, file.bytes.clone()),
                None => {
                    return BinaryReply::Json(
                        StatusCode::NOT_FOUND,
                        v1_error(50000040, format!("File `{file_id}` not found")),
                    );
                }
            }
        };
        let total = bytes.len() as u64;
        let etag = format!("\"{file_id}\"");
        let text = |name| {
            headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
        };
        let range_header = text(header::RANGE);
        let validated = text(header::IF_RANGE).is_none_or(|v| v.trim() == etag);
        let range = if validated {
            files::byte_range(range_header, total)
        } else {
            ByteRange::Whole
        };
        let (status, body, content_range) = match range {
            ByteRange::Whole => (StatusCode::OK, bytes, None),
            ByteRange::Part { start, end } => {
                // `start <= end < total`, the length of `bytes`: the casts are lossless.
                let part = bytes.slice(start as usize..=end as usize);
                (
                    StatusCode::PARTIAL_CONTENT,
                    part,
                    Some(format!("bytes {start}-{end}/{total}")),
                )
            }
            ByteRange::Unsatisfiable => {
                tracing::debug!(file = file_id, range = ?range_header, total, "unsatisfiable range");
                let mut response = json_response(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    &v1_error(
                        50000020,
                        format!(
                            "The requested range is not satisfiable: the file has {total} bytes"
                        ),
                    ),
                );
                let headers = response.headers_mut();
                if let Ok(v) = HeaderValue::from_str(&format!("bytes */{total}")) {
                    headers.insert(header::CONTENT_RANGE, v);
                }
                headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
                return BinaryReply::Raw(response);
            }
        };
        if let Some(range) = &content_range {
            tracing::debug!(file = file_id, %range, "serving part of a file");
        }
        let length = body.len();
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = status;
        let out = response.headers_mut();
        out.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        out.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        out.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        if let Ok(v) = HeaderValue::from_str(&etag) {
            out.insert(header::ETAG, v);
        }
        if let Some(v) = content_range.and_then(|r| HeaderValue::from_str(&r).ok()) {
            out.insert(header::CONTENT_RANGE, v);
        }
        BinaryReply::Raw(response)
    }

    fn token(&self, input: &CreateTokenInput) -> Reply<TokenResponse> {
        let body = &input.body;
        if body.grant_type != GrantType::ClientCredentials {
            return Reply::Json(
                StatusCode::BAD_REQUEST,
                v1_error(50000020, "grant_type must be client_credentials"),
            );
        }
        let known = self
            .clients
            .iter()
            .any(|(id, secret)| *id == body.client_id && secret == body.client_secret.expose());
        if !known {
            return Reply::Json(
                StatusCode::UNAUTHORIZED,
                v1_error(90000011, "Invalid client_id or client_secret"),
            );
        }
        let now = Instant::now();
        let mut state = self.lock();
        state.tokens.retain(|_, expiry| *expiry > now);
        let token = state.token_rng.hex32();
        let jti = state.token_rng.hex32();
        let user = state.token_rng.hex32();
        let entity = uuid_layout(&state.token_rng.hex32());
        state
            .tokens
            .insert(token.clone(), now + self.token_lifetime);
        let mut response = TokenResponse::default();
        response.access_token = Some(Secret::new(token));
        response.token_type = Some("bearer".to_owned());
        response.expires_in =
            Some(i64::try_from(self.token_lifetime.as_secs()).unwrap_or(i64::MAX));
        response.scope = Some(format!(
            "user.{user} entity.{entity} service.aqua.read tenant.19"
        ));
        response.jti = Some(jti);
        Reply::Ok(response)
    }
}

impl Api for Simulator {
    async fn get_last_completed_job(&self, input: GetLastCompletedJobInput) -> Reply<Job> {
        const OP: &str = "getLastCompletedJob";
        let cut = match self.pre(OP, "").await {
            Pre::Answer(response) => return self.finish(OP, Reply::Raw(response), Cut::No).await,
            Pre::Continue(cut) => cut,
        };
        let reply = if self.authenticated(&input.headers) {
            self.last_completed(&input.partner, &input.project)
        } else {
            Reply::Raw(unauthorized())
        };
        self.finish(OP, reply, cut).await
    }

    async fn submit_job(&self, input: SubmitJobInput) -> Reply<Job> {
        const OP: &str = "submitJob";
        let cut = match self.pre(OP, "").await {
            Pre::Answer(response) => return self.finish(OP, Reply::Raw(response), Cut::No).await,
            Pre::Continue(cut) => cut,
        };
        let reply = if self.authenticated(&input.headers) {
            self.submit(&input)
        } else {
            Reply::Raw(unauthorized())
        };
        self.finish(OP, reply, cut).await
    }

    async fn get_job(&self, input: GetJobInput) -> Reply<Job> {
        const OP: &str = "getJob";
        let cut = match self.pre(OP, "").await {
            Pre::Answer(response) => return self.finish(OP, Reply::Raw(response), Cut::No).await,
            Pre::Continue(cut) => cut,
        };
        let reply = if self.authenticated(&input.headers) {
            self.get(&input.jobid)
        } else {
            Reply::Raw(unauthorized())
        };
        self.finish(OP, reply, cut).await
    }

    async fn cancel_job(&self, input: CancelJobInput) -> Reply<Job> {
        const OP: &str = "cancelJob";
        let cut = match self.pre(OP, "").await {
            Pre::Answer(response) => return self.finish(OP, Reply::Raw(response), Cut::No).await,
            Pre::Continue(cut) => cut,
        };
        let reply = if self.authenticated(&input.headers) {
            self.cancel(&input.jobid)
        } else {
            Reply::Raw(unauthorized())
        };
        self.finish(OP, reply, cut).await
    }

    async fn download_file(&self, input: DownloadFileInput) -> BinaryReply {
        const OP: &str = "downloadFile";
        let cut = match self.pre(OP, &input.file_id).await {
            Pre::Answer(response) => {
                tracing::info!(
                    operation = OP,
                    status = response.status().as_u16(),
                    "request handled"
                );
                return BinaryReply::Raw(response);
            }
            Pre::Continue(cut) => cut,
        };
        let reply = if self.authenticated(&input.headers) {
            self.download(&input.file_id, &input.headers)
        } else {
            BinaryReply::Raw(unauthorized())
        };
        tracing::info!(
            operation = OP,
            status = binary_status(&reply),
            "request handled"
        );
        match cut {
            Cut::No => reply,
            Cut::Plain => {
                let mut response = reply.into_response_with(StatusCode::OK);
                if response.headers().contains_key(header::ACCEPT_RANGES) {
                    response
                        .headers_mut()
                        .insert(header::ACCEPT_RANGES, HeaderValue::from_static("none"));
                }
                BinaryReply::Raw(truncated(response).await)
            }
            Cut::Resumable => {
                BinaryReply::Raw(truncated(reply.into_response_with(StatusCode::OK)).await)
            }
        }
    }

    async fn create_token(&self, input: CreateTokenInput) -> Reply<TokenResponse> {
        const OP: &str = "createToken";
        Counters::bump(&self.counters.token_requests);
        let cut = match self.pre(OP, "").await {
            Pre::Answer(response) => return self.finish(OP, Reply::Raw(response), Cut::No).await,
            Pre::Continue(cut) => cut,
        };
        let reply = self.token(&input);
        self.finish(OP, reply, cut).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_basic_credentials() {
        assert_eq!(base64_decode("ZGVtbzpkZW1v").unwrap(), b"demo:demo");
        assert_eq!(base64_decode("YTpi").unwrap(), b"a:b");
        assert_eq!(base64_decode("YQ==").unwrap(), b"a");
        assert!(base64_decode("Y*Q=").is_none());
        // Malformed: missing padding, padding in the middle, too much padding, unused bits
        // set, empty, whitespace inside.
        for bad in [
            "YQ",
            "ZGVtbzpkZW1v=",
            "Y=Q=",
            "Y===",
            "YR==",
            "",
            "ZGVt bzpk",
        ] {
            assert!(base64_decode(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn queries_are_compared_without_layout() {
        assert_eq!(
            normalize("select  Id,\n Name FROM Account"),
            normalize("SELECT Id, Name from account")
        );
        assert_eq!(uuid_layout(&"a".repeat(32)).len(), 36);
    }
}
