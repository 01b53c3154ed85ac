//! A local HTTP server that behaves like Zuora's AQuA (Aggregate Query API), for tests, demos
//! and offline development.
//!
//! [`LocalServer::start`] binds `127.0.0.1`, serves the router generated from the spec
//! (`zuora_aqua::server::router`: `/v1/...`, `/apps/api/...` and `/oauth/token`) and returns
//! at once. The behaviour behind the router is written by hand:
//!
//! * **Authentication.** HTTP basic with one of [`Config::users`], or
//!   `Authorization: Bearer <token>` with a token from `POST /oauth/token` (form `client_id`,
//!   `client_secret`, `grant_type=client_credentials`, checked against
//!   [`Config::oauth_clients`]; tokens live [`Config::token_lifetime`]). Anything else gets
//!   HTTP 401, `WWW-Authenticate: Basic realm=Zuora API, Bearer realm=Zuora API` and
//!   `{"success":false,"reasons":[{"code":90000011,"message":"Authentication error"}]}`. A
//!   wrong OAuth client gets 401 with the same envelope (message `Invalid client_id or
//!   client_secret`); another `grant_type` gets 400 (code `50000020`). `Basic` credentials
//!   must be canonical base64 (padding included) of UTF-8 `user:password`; anything else is
//!   401 too.
//! * **Headers.** The limits Zuora documents are enforced before anything else, with HTTP 400
//!   and the v1 envelope (code `50000020`): `Zuora-Track-Id` at most 64 printable US-ASCII
//!   characters, none of `:` `;` `"` `'`; `Idempotency-Key` (on `POST`) 1 to 255 characters.
//!   Zuora does not say what it does with an empty key; refusing it is at least as strict as
//!   refusing or ignoring it, and a key that identifies nothing is never remembered.
//! * **Jobs.** A submitted job is `submitted` for [`Config::submitted_for`], then `executing`
//!   for [`Config::executing_for`], then `completed`: the state is computed from the elapsed
//!   time when the job is read, without background tasks. Jobs complete in submission order;
//!   completing a job builds its result files from the tenant's data as it is at that moment.
//!   Once executing, a job shows its `startTime` (UTC wall clock) in Zuora's zone-less form
//!   `2014-09-03 08:24:58`, or `2014-09-03T08:24:58+0000` for a job submitted with
//!   `dateTimeUtc`. Job, batch and file IDs are 32 hexadecimal characters, deterministic for a
//!   seed and a sequence of requests.
//! * **Data.** A deterministic tenant (seeded by [`Config::seed`]) with the objects `Account`
//!   (300 rows), `Invoice` (400), `AccountingPeriod` (240) and `InvoiceItem` (about 4,800, a
//!   "big object" whose `Description` is null, empty, plain or quoted text over several lines).
//!   After every completed job (unless [`Config::change_after_each_job`] is off), and at each
//!   [`LocalServer::change_data`], the data changes a little: accounts, invoices and items are
//!   updated, created and deleted, and an accounting period is closed, so stateful increments
//!   are small but never empty. Deleted records are kept as tombstones for incremental loads.
//! * **Queries.** `select <*|col, …> from <Object> [where …]` (see the `query` module):
//!   keywords and names are case-insensitive, `Object.Field` is accepted for the queried
//!   object, and the `where` condition is evaluated (comparisons of a column with a literal,
//!   `is [not] null`, `and`, `or`, `not`, parentheses; date-time literals in ISO 8601 with a
//!   `T`). CSV headers are `Object.Field` with `useQueryLabels`, else labels such as
//!   `Account: Account Number`. Date-times are written `2024-05-31T17:02:11-08:00` (tenant
//!   time), or `2024-06-01T01:02:11+0000` with `dateTimeUtc`; nulls as `nullReplacement`.
//!   A query that selects more than [`Config::max_query_rows`] records ends its job `aborted`
//!   with the batch message `90027: the query exceeded the maximum processing time …`, as a
//!   full load of a big object does on Zuora.
//! * **Files.** `format` `csv` → `text/csv`, `zip` → `application/zip` (one CSV entry),
//!   `gzip` → `application/x-gzip`, each with `Content-Length`, `Accept-Ranges: bytes` and an
//!   `ETag`; `Range: bytes=N-`, `bytes=N-M` and `bytes=-S` get `206` with `Content-Range`, an
//!   unsatisfiable range `416`. An unknown file ID gets HTTP 404 with the v1 envelope (code
//!   `50000040`).
//! * **Stateful sessions.** A job of version 1.1 or 1.2 with `partner` and `project` belongs
//!   to that session. A batch is a full load (`full: true`, every row) when the session has no
//!   completed job yet or the query text changed (whitespace and case aside); otherwise it is
//!   incremental (`full: false`): the rows changed since the session's previous completed job
//!   (or, with `incrementalTime`, the rows whose `UpdatedDate` is at or after it). With a
//!   `deleted` section, an increment also reports the records deleted since the previous job
//!   (its deleted column says `1` or `true`; a record created and deleted in between is not
//!   reported), as Zuora does; full loads never contain deleted records. A full load
//!   of more than [`Config::segment_rows`] rows is split into `segments`, each a complete CSV
//!   with its own header. A follow-up job without `queries` reuses the previous job's
//!   (`useLastCompletedJobQueries: true`). `offset` and `notifyUrl` are echoed only (the
//!   server never calls out).
//! * **Fault injection.** [`Config::faults`] (see [`FaultRule`]) apply after the header
//!   checks, before any other handling.
//!
//! # Error codes
//!
//! Validation errors of `submitJob` are answered with HTTP 200 and
//! `{"status":"error","errorCode":"900xx","message":"…"}` without `id`:
//!
//! | Code | When |
//! |---|---|
//! | `90004` | more than 50 queries |
//! | `90005` | a query that does not parse, an unknown object or column, a function, alias or joined object; also (our choice, no code is documented for these) a job `name` over 32 characters, an `offset` outside 0..=3600, a `version` other than 1.0/1.1/1.2, duplicate query names, `encrypted: pgp` (not supported here), a `deleted` section without `column` |
//! | `90012` | a `deleted` section in a stateless job |
//! | `90014` | a `notifyUrl` of 5,000 characters or more |
//! | `90015` | an `incrementalTime` that is not `yyyy-MM-dd HH:mm:ss` |
//! | `90016` | no queries with version 1.0 (or, with 1.1/1.2, no queries and no previous session job to reuse) |
//! | `90017` | a `deleted` section on `AccountingPeriod` |
//! | `90028` | [`Config::max_running_jobs`] jobs of the same kind (stateful or stateless) are already `submitted` or `executing` |
//! | `90021` | a `convertToCurrencies` entry that is not a three-letter upper-case code |
//!
//! Unknown enum values (`format`, `type`, `encrypted`, `sourceData`, `deleted.format`), and
//! `null` for any property the spec declares (none is `nullable`), get the gateway's HTTP
//! 400 `{"success":false,"code":50000090,"message":"Oops, request is malformed. …"}`. A
//! reused `Idempotency-Key` with another body gets HTTP 409 (v1 envelope, code `50000030`);
//! with the same body, the job it created.
//!
//! `getJob` of an unknown ID answers HTTP 200 `{"errorCode":"90002","message":"Invalid job id
//! …"}`. `cancelJob` of an unknown or completed job answers HTTP 200 with `errorCode`
//! `90003`; a cancelled job is answered again as it is. `getLastCompletedJob` of a session
//! without a completed job answers HTTP 200 `{"errorCode":"90002","message":"no completed job
//! for partner P project Q"}` (Zuora does not document this case; 90002 "invalid job id" is
//! the closest documented code).
//!
//! Every response carries a `Zuora-Request-Id`, and echoes `Zuora-Track-Id` when sent.
//! Requests are traced with `tracing` (operation and status; never credentials).

mod api;
mod bodies;
mod checks;
mod data;
mod fault;
mod files;
mod filter;
mod net;
mod query;
mod rng;
mod select;

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use fault::{Fault, FaultParseError, FaultRule, MAX_HOLD, OPERATIONS};

/// How long [`LocalServer::shutdown`] waits for open requests before it stops the server.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The settings of a [`LocalServer`].
///
/// `Debug` shows user names and OAuth client IDs, never passwords or secrets.
#[derive(Clone)]
pub struct Config {
    /// The port to bind on 127.0.0.1; 0 picks a free one (default 0).
    pub port: u16,
    /// Users accepted with HTTP basic authentication, as `(name, password)` (default
    /// `("demo", "demo")`).
    pub users: Vec<(String, String)>,
    /// OAuth clients accepted by `/oauth/token`, as `(client_id, client_secret)` (default
    /// `("demo-client", "demo-secret")`).
    pub oauth_clients: Vec<(String, String)>,
    /// How long an issued bearer token is valid (default 1 hour).
    pub token_lifetime: Duration,
    /// How long a job stays `submitted` (default 200 ms).
    pub submitted_for: Duration,
    /// How long a job is then `executing` before it is `completed` (default 600 ms).
    pub executing_for: Duration,
    /// The most rows in one file of a stateful full load; larger loads are split into
    /// `segments` (default 100; 0 never segments).
    pub segment_rows: usize,
    /// Fault-injection rules, applied in order (default none).
    pub faults: Vec<FaultRule>,
    /// The seed of the simulated data and of the IDs (default 1).
    pub seed: u64,
    /// Whether the data changes after every completed job (default `true`). Tests that
    /// compare an export with [`LocalServer::records`] turn it off and call
    /// [`LocalServer::change_data`] between runs instead.
    pub change_after_each_job: bool,
    /// The most jobs of each kind (stateful, stateless) that may be `submitted` or
    /// `executing` at once; a submission beyond it is refused with AQuA's error 90028
    /// (default 50, Zuora's limit; 0 for no limit).
    pub max_running_jobs: usize,
    /// The most records one query may export; a query over it aborts its job, like a
    /// query over Zuora's processing time (default 2,000, which a full load of `InvoiceItem`
    /// exceeds; 0 for no limit).
    pub max_query_rows: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 0,
            users: vec![("demo".to_owned(), "demo".to_owned())],
            oauth_clients: vec![("demo-client".to_owned(), "demo-secret".to_owned())],
            token_lifetime: Duration::from_secs(3600),
            submitted_for: Duration::from_millis(200),
            executing_for: Duration::from_millis(600),
            segment_rows: 100,
            faults: Vec::new(),
            seed: 1,
            change_after_each_job: true,
            max_running_jobs: 50,
            max_query_rows: 2_000,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let users: Vec<&str> = self.users.iter().map(|(u, _)| u.as_str()).collect();
        let clients: Vec<&str> = self.oauth_clients.iter().map(|(c, _)| c.as_str()).collect();
        f.debug_struct("Config")
            .field("port", &self.port)
            .field("users", &users)
            .field("oauth_clients", &clients)
            .field("token_lifetime", &self.token_lifetime)
            .field("submitted_for", &self.submitted_for)
            .field("executing_for", &self.executing_for)
            .field("segment_rows", &self.segment_rows)
            .field("faults", &self.faults)
            .field("seed", &self.seed)
            .field("change_after_each_job", &self.change_after_each_job)
            .field("max_running_jobs", &self.max_running_jobs)
            .field("max_query_rows", &self.max_query_rows)
            .finish()
    }
}

/// Counters of a running [`LocalServer`] (see [`LocalServer::stats`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// HTTP requests received (every path, faulted ones included).
    pub requests: u64,
    /// TCP connections accepted.
    pub connections: u64,
    /// Faults injected.
    pub faults_injected: u64,
    /// Requests to `/oauth/token`.
    pub token_requests: u64,
    /// Jobs created (a replayed `Idempotency-Key` creates none).
    pub jobs: u64,
    /// Submissions refused with error 90028 (too many running jobs).
    pub concurrency_refusals: u64,
}

/// The live records of one object, as a job would export them at that moment (see
/// [`LocalServer::records`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Records {
    /// The object's name (`Account`).
    pub object: String,
    /// The field names, in `select *` order.
    pub columns: Vec<String>,
    /// One entry per record, with one cell per column: the CSV text, or `None` for null.
    pub rows: Vec<Vec<Option<String>>>,
}

/// A running local AQuA server. Dropping it stops the server too (without waiting).
pub struct LocalServer {
    addr: SocketAddr,
    counters: Arc<net::Counters>,
    simulator: Arc<api::Simulator>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for LocalServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalServer")
            .field("addr", &self.addr)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl LocalServer {
    /// Binds `127.0.0.1:config.port` and serves in a background task; returns as soon as the
    /// socket is bound. Must be called within a Tokio runtime.
    ///
    /// # Errors
    ///
    /// When the port cannot be bound.
    pub async fn start(config: Config) -> io::Result<LocalServer> {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, config.port)))
                .await?;
        let addr = listener.local_addr()?;
        let counters = Arc::new(net::Counters::default());
        let (shutdown, shutdown_rx) = watch::channel(false);
        let simulator = Arc::new(api::Simulator::new(
            &config,
            counters.clone(),
            shutdown_rx.clone(),
        ));
        let shared = Arc::new(net::Shared {
            counters: counters.clone(),
            seed: config.seed,
            request_seq: AtomicU64::new(0),
        });
        let app = zuora_aqua::server::router(simulator.clone())
            .fallback(net::not_found)
            .layer(axum::middleware::from_fn_with_state(
                shared,
                net::middleware,
            ));
        let listener = net::CountingListener {
            inner: listener,
            counters: counters.clone(),
        };
        let mut stop = shutdown_rx;
        let serve = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<net::ConnInfo>(),
        )
        .with_graceful_shutdown(async move {
            while !*stop.borrow_and_update() {
                if stop.changed().await.is_err() {
                    break;
                }
            }
        });
        let task = tokio::spawn(async move {
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "the local AQuA server failed");
            }
        });
        tracing::info!(%addr, "local AQuA server listening");
        Ok(LocalServer {
            addr,
            counters,
            simulator,
            shutdown,
            task: Some(task),
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL of the REST API: `http://127.0.0.1:PORT/v1`.
    pub fn rest_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The base URL of the legacy API: `http://127.0.0.1:PORT/apps/api`.
    pub fn legacy_url(&self) -> String {
        format!("http://{}/apps/api", self.addr)
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        let c = &self.counters;
        Stats {
            requests: c.requests.load(Ordering::Relaxed),
            connections: c.connections.load(Ordering::Relaxed),
            faults_injected: c.faults.load(Ordering::Relaxed),
            token_requests: c.token_requests.load(Ordering::Relaxed),
            jobs: c.jobs.load(Ordering::Relaxed),
            concurrency_refusals: c.concurrency_refusals.load(Ordering::Relaxed),
        }
    }

    /// Changes the data once, as between two jobs: records are created, updated and deleted
    /// (see the crate docs). Stateful increments after it report the changes.
    pub fn change_data(&self) {
        self.simulator.change_data();
    }

    /// Purges every result file, as Zuora does three days after a job: downloads of them
    /// get HTTP 404 from now on. Returns the number of files purged.
    pub fn expire_files(&self) -> usize {
        self.simulator.expire_files()
    }

    /// The live (not deleted) records of `object` (case ignored) as a job would export
    /// them now with `useQueryLabels`, and with `dateTimeUtc` when `utc`; `None` for an
    /// unknown object.
    pub fn records(&self, object: &str, utc: bool) -> Option<Records> {
        self.simulator.records(object, utc)
    }

    /// Stops accepting connections, lets open requests finish (held and delayed requests
    /// end at once), closes idle connections, and returns when the server has stopped (after
    /// at most 10 seconds).
    pub async fn shutdown(mut self) {
        // An error means the server task is gone already.
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(SHUTDOWN_GRACE, task).await.is_err() {
                tracing::warn!("the local AQuA server did not stop in time; aborting it");
                abort.abort();
            }
        }
        tracing::info!(addr = %self.addr, "local AQuA server stopped");
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        // An error means the server task is gone already.
        let _ = self.shutdown.send(true);
    }
}
