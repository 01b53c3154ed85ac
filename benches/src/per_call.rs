//! The per-call benchmark's fixture: the local AQuA server on a runtime of its own (one
//! worker thread), with a completed job in the stateful session `bench`/`p1`, and the two
//! ways of reading it: the generated client and raw `reqwest` + `serde_json` sending the same
//! request (same URL, `Accept`, `User-Agent` and basic `Authorization`).

use std::time::Duration;

use aqua_server::{Config, LocalServer, Stats};
use reqwest::header::{ACCEPT, USER_AGENT};
use zuora_aqua::{Client, Credentials, Job, SubmitJobRequest};

/// The partner of the benchmark's session.
pub const PARTNER: &str = "bench";
/// The project of the benchmark's session.
pub const PROJECT: &str = "p1";
/// The basic-auth user (and password) of the local server.
pub const USER: &str = "demo";

/// A running local server with a completed job in [`PARTNER`]/[`PROJECT`].
pub struct Fixture {
    server: Option<LocalServer>,
    runtime: tokio::runtime::Runtime,
}

impl Fixture {
    /// Starts the server on its own one-thread runtime and completes one stateful job there.
    ///
    /// # Panics
    ///
    /// When the server cannot start or the job does not complete within 20 seconds.
    pub fn start() -> Fixture {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("aqua-server")
            .enable_all()
            .build()
            .expect("a Tokio runtime");
        let server = runtime.block_on(async {
            let config = Config {
                submitted_for: Duration::ZERO,
                executing_for: Duration::ZERO,
                ..Config::default()
            };
            let server = LocalServer::start(config).await.expect("the server starts");
            let client = generated_client(&server.rest_url());
            let request: SubmitJobRequest = serde_json::from_value(serde_json::json!({
                "format": "csv",
                "version": "1.1",
                "name": "bench",
                "partner": PARTNER,
                "project": PROJECT,
                "queries": [
                    {"name": "accounts", "query": "select AccountNumber, Name, Balance from Account", "type": "zoqlexport"},
                    {"name": "periods", "query": "select * from AccountingPeriod", "type": "zoqlexport"}
                ]
            }))
            .expect("a valid request");
            let job = client.submit_job(request).await.expect("the job is submitted");
            let id = job.id.expect("a job id");
            client
                .wait_for_job(id)
                .intervals(Duration::from_millis(5), Duration::from_millis(50))
                .deadline(Duration::from_secs(20))
                .await
                .expect("the job completes");
            server
        });
        Fixture {
            server: Some(server),
            runtime,
        }
    }

    /// The REST base URL (`http://127.0.0.1:PORT/v1`).
    pub fn rest_url(&self) -> String {
        self.server().rest_url()
    }

    /// The server's counters so far.
    pub fn stats(&self) -> Stats {
        self.server().stats()
    }

    fn server(&self) -> &LocalServer {
        self.server.as_ref().expect("the server runs until dropped")
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown());
        }
    }
}

/// The generated client of `rest_url` with the local server's basic user.
///
/// # Panics
///
/// When `rest_url` is not a valid base URL.
pub fn generated_client(rest_url: &str) -> Client {
    Client::with_base_url(rest_url, Credentials::basic(USER, USER)).expect("a valid client")
}

/// One `getLastCompletedJob` with the generated client.
///
/// # Errors
///
/// Whatever the call fails with.
pub async fn generated_call(client: &Client) -> Result<Job, zuora_aqua::Error> {
    client.get_last_completed_job(PARTNER, PROJECT).await
}

/// The raw baseline: a plain `reqwest` client (rustls, as the generated one) and the URL of
/// the session's last completed job.
#[derive(Clone, Debug)]
pub struct Raw {
    http: reqwest::Client,
    url: String,
}

impl Raw {
    /// A raw client of `rest_url`.
    ///
    /// # Panics
    ///
    /// When the HTTP client cannot be built.
    pub fn new(rest_url: &str) -> Raw {
        Raw {
            http: reqwest::Client::builder()
                .tls_backend_rustls()
                .build()
                .expect("a reqwest client"),
            url: format!("{rest_url}/batch-query/jobs/partner/{PARTNER}/project/{PROJECT}"),
        }
    }

    /// One `getLastCompletedJob`: send, read the body, check the status, decode as the same
    /// generated [`Job`] type.
    ///
    /// # Errors
    ///
    /// A transport error, a non-2xx status or a body that does not decode, as text.
    pub async fn call(&self) -> Result<Job, String> {
        let response = self
            .http
            .get(&self.url)
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, zuora_aqua::USER_AGENT)
            .basic_auth(USER, Some(USER))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("HTTP {status}"));
        }
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    }
}
