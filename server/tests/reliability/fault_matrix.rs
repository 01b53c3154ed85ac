//! The fault matrix of the library client: one local server per fault, real HTTP on
//! 127.0.0.1, short timings. Each row of [`rows`] states the documented outcome: whether the
//! fault is retried and recovers, or which error surfaces after how many attempts.
//!
//! Rules with `every=2` fire on the 2nd, 4th, … request of their operation: a warm-up call
//! takes the 1st, so the call under test meets the fault on its first attempt and must
//! recover on its second. Rules without `every` fire on every request: the call under test
//! exhausts its 3 attempts (when the fault is retried) or fails at once.

use std::path::Path;
use std::time::{Duration, Instant};

use aqua_server::LocalServer;
use futures_util::future::join_all;
use zuora_aqua::runtime::Error as RuntimeError;
use zuora_aqua::{Client, DownloadError, Error, JobStatus};

use crate::common::{TempDir, basic_client, server, small_job};

/// The operation a row calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// `get_job` of a completed job: the result must be that job, completed.
    GetJob,
    /// `submit_job` of a small stateless job (a `POST`, retried thanks to its
    /// `Idempotency-Key`): the result must be a new job with the name given.
    Submit,
    /// `download_file` then `Download::save`: the file must equal a fault-free download.
    Download,
}

/// The documented outcome of a row.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// The call succeeds with a correct result after this many attempts.
    Recovers { attempts: u64 },
    /// `Error::Status` with this status after this many attempts; `Display` contains `text`.
    Status {
        status: u16,
        attempts: u32,
        text: &'static str,
    },
    /// `Error::Decode`, never retried, with the response's content type and an excerpt of
    /// the body.
    Decode {
        content_type: &'static str,
        excerpt: &'static str,
    },
    /// `Error::Api` (an error inside HTTP 200) with this code after this many attempts.
    Api { code: &'static str, attempts: u32 },
    /// `Error::Transport` that is a timeout, after this many attempts.
    Timeout { attempts: u32 },
    /// `Error::Transport` that is not a timeout (reset, body cut short), after this many
    /// attempts.
    Broken { attempts: u32 },
    /// `Error::Download(Stalled)`: the response head never came, after this many attempts.
    Stalled { attempts: u64 },
    /// The head arrived, the body broke off: `DownloadError::Truncated` from `save`, never
    /// retried, and nothing left on disk.
    Truncated,
}

/// One row of the matrix.
#[derive(Clone, Copy, Debug)]
struct Row {
    /// The fault rule of the row's server.
    rule: &'static str,
    op: Op,
    /// The client's timeout (JSON calls and download stalls), in milliseconds.
    timeout_ms: u64,
    /// Whether a warm-up call of the operation takes the rule's first request.
    warm_up: bool,
    /// The least time the call must take (a server-requested delay honoured), in ms.
    at_least_ms: u64,
    expect: Expect,
}

const fn row(rule: &'static str, op: Op, expect: Expect) -> Row {
    Row {
        rule,
        op,
        timeout_ms: 2_000,
        warm_up: false,
        at_least_ms: 0,
        expect,
    }
}

impl Row {
    const fn warm(mut self) -> Self {
        self.warm_up = true;
        self
    }

    const fn timeout(mut self, ms: u64) -> Self {
        self.timeout_ms = ms;
        self
    }

    const fn at_least(mut self, ms: u64) -> Self {
        self.at_least_ms = ms;
        self
    }
}

use Expect::*;
use Op::*;

/// The matrix: every fault kind the local server injects, as the library client sees it
/// (3 attempts, backoff ceiling 10 ms doubling, sleeps capped at 2 s).
const ROWS: &[Row] = &[
    // 429 with Retry-After: retried after the delay the server asks for (1 s, far above the
    // 10 ms backoff); still 429 after 3 attempts when it persists.
    row(
        "429:retry-after=1:every=2:op=getJob",
        GetJob,
        Recovers { attempts: 2 },
    )
    .warm()
    .at_least(1_000),
    row(
        "429:retry-after=1:op=getJob",
        GetJob,
        Status {
            status: 429,
            attempts: 3,
            text: "50000070",
        },
    )
    .at_least(2_000),
    // 429 with only RateLimit-Reset (1 s): honoured the same way.
    row("429:every=2:op=getJob", GetJob, Recovers { attempts: 2 })
        .warm()
        .at_least(1_000),
    row(
        "429:op=getJob",
        GetJob,
        Status {
            status: 429,
            attempts: 3,
            text: "50000070",
        },
    )
    .at_least(2_000),
    // 500, 502, 503, 504: retried with backoff.
    row("500:every=2:op=getJob", GetJob, Recovers { attempts: 2 }).warm(),
    row(
        "500:op=getJob",
        GetJob,
        Status {
            status: 500,
            attempts: 3,
            text: "50000060",
        },
    ),
    row("502:every=2:op=getJob", GetJob, Recovers { attempts: 2 }).warm(),
    row(
        "502:op=getJob",
        GetJob,
        Status {
            status: 502,
            attempts: 3,
            text: "50000061",
        },
    ),
    row("503:every=2:op=getJob", GetJob, Recovers { attempts: 2 }).warm(),
    row(
        "503:op=getJob",
        GetJob,
        Status {
            status: 503,
            attempts: 3,
            text: "50000061",
        },
    ),
    row("504:every=2:op=getJob", GetJob, Recovers { attempts: 2 }).warm(),
    row(
        "504:op=getJob",
        GetJob,
        Status {
            status: 504,
            attempts: 3,
            text: "50000061",
        },
    ),
    // Other 4xx are not retried.
    row(
        "400:op=getJob",
        GetJob,
        Status {
            status: 400,
            attempts: 1,
            text: "50000020",
        },
    ),
    // A POST with its Idempotency-Key is retried like a GET.
    row("503:every=2:op=submitJob", Submit, Recovers { attempts: 2 }).warm(),
    row(
        "503:op=submitJob",
        Submit,
        Status {
            status: 503,
            attempts: 3,
            text: "50000061",
        },
    ),
    // Slow answers: within the timeout they succeed late; beyond it, each attempt times out.
    row("slow=150ms:op=getJob", GetJob, Recovers { attempts: 1 }).at_least(150),
    row("slow=2s:op=getJob", GetJob, Timeout { attempts: 3 })
        .timeout(300)
        .at_least(900),
    // A server that never answers: each attempt times out.
    row("hang:op=getJob", GetJob, Timeout { attempts: 3 })
        .timeout(300)
        .at_least(900),
    row("hang:op=downloadFile", Download, Stalled { attempts: 3 })
        .timeout(300)
        .at_least(900),
    // A JSON body cut short: a broken exchange, retried.
    row(
        "truncated:every=2:op=getJob",
        GetJob,
        Recovers { attempts: 2 },
    )
    .warm(),
    row("truncated:op=getJob", GetJob, Broken { attempts: 3 }),
    // The job was created by the cut attempt: the retry (same Idempotency-Key) gets it back.
    row(
        "truncated:every=2:op=submitJob",
        Submit,
        Recovers { attempts: 2 },
    )
    .warm(),
    // A download body cut short is not retried; `save` leaves nothing behind.
    row("truncated:op=downloadFile", Download, Truncated),
    // Connection closed without an answer: retried.
    row("reset:every=2:op=getJob", GetJob, Recovers { attempts: 2 }).warm(),
    row("reset:op=getJob", GetJob, Broken { attempts: 3 }),
    row(
        "reset:every=2:op=downloadFile",
        Download,
        Recovers { attempts: 2 },
    )
    .warm(),
    row(
        "503:every=2:op=downloadFile",
        Download,
        Recovers { attempts: 2 },
    )
    .warm(),
    // Malformed JSON in a 200: a decode error with an excerpt, not retried.
    row(
        "malformed:op=getJob",
        GetJob,
        Decode {
            content_type: "application/json",
            excerpt: "\"batches\":[{\"batchId\":",
        },
    ),
    // An HTML error page from a proxy (HTTP 502): retried, then a status error with the text.
    row(
        "html:op=getJob",
        GetJob,
        Status {
            status: 502,
            attempts: 3,
            text: "502 Bad Gateway",
        },
    ),
    // Plain text in a 200: a decode error naming the content type, not retried.
    row(
        "content-type:op=getJob",
        GetJob,
        Decode {
            content_type: "text/plain",
            excerpt: "temporarily unavailable",
        },
    ),
    // AQuA's transient 90022 inside HTTP 200: retried; a validation error (90005) is not.
    row(
        "error200=90022:every=2:op=getJob",
        GetJob,
        Recovers { attempts: 2 },
    )
    .warm(),
    row(
        "error200=90022:op=getJob",
        GetJob,
        Api {
            code: "90022",
            attempts: 3,
        },
    ),
    row(
        "error200=90022:every=2:op=submitJob",
        Submit,
        Recovers { attempts: 2 },
    )
    .warm(),
    row(
        "error200=90005:op=submitJob",
        Submit,
        Api {
            code: "90005",
            attempts: 1,
        },
    ),
];

/// What a row needs from its server before the call under test.
struct Setup {
    job_id: String,
    file_id: String,
    /// The file as a fault-free download gave it (the warm-up), when there was one.
    reference: Option<Vec<u8>>,
}

/// Submits a job and reads it back once completed, through a client whose operations the
/// row's rule does not touch (`submitJob` and `getJob` for download rows).
async fn setup(server: &LocalServer, row: &Row) -> Setup {
    let client = basic_client(&server.rest_url(), Duration::from_secs(5));
    let mut setup = Setup {
        job_id: String::new(),
        file_id: String::new(),
        reference: None,
    };
    if row.op == Submit {
        if row.warm_up {
            client
                .submit_job(small_job("warm-up"))
                .await
                .expect("the warm-up submission");
        }
        return setup;
    }
    let job = client
        .submit_job(small_job("matrix"))
        .await
        .expect("the setup submission");
    setup.job_id = job.id.expect("an id");
    // Jobs complete after ~90 ms on the fast configuration.
    tokio::time::sleep(Duration::from_millis(150)).await;
    match row.op {
        GetJob => {
            if row.warm_up {
                let job = client.get_job(&setup.job_id).await.expect("the warm-up");
                assert_eq!(job.status, Some(JobStatus::Completed));
            }
        }
        Download => {
            let job = client.get_job(&setup.job_id).await.expect("the setup job");
            assert_eq!(job.status, Some(JobStatus::Completed), "{job:?}");
            setup.file_id = crate::common::batch_files(&job, 0).remove(0);
            if row.warm_up {
                let before = server.stats().faults_injected;
                let download = client.download_file(&setup.file_id).await.expect("warm-up");
                let mut bytes = Vec::new();
                download
                    .write_to(&mut bytes)
                    .await
                    .expect("the warm-up body");
                assert_eq!(
                    server.stats().faults_injected,
                    before,
                    "the reference was faulted"
                );
                assert!(!bytes.is_empty());
                setup.reference = Some(bytes);
            }
        }
        Submit => unreachable!(),
    }
    setup
}

/// The result of the call under test.
enum Outcome {
    Ok,
    Failed(Error),
    Saved(DownloadError),
}

/// Makes the call of the row and checks a successful result for correctness.
async fn call(client: &Client, row: &Row, setup: &Setup, dir: &Path) -> Result<Outcome, String> {
    match row.op {
        GetJob => match client.get_job(&setup.job_id).await {
            Ok(job) => {
                if job.id.as_deref() != Some(setup.job_id.as_str())
                    || job.status != Some(JobStatus::Completed)
                {
                    return Err(format!("wrong job: {job:?}"));
                }
                Ok(Outcome::Ok)
            }
            Err(e) => Ok(Outcome::Failed(e)),
        },
        Submit => match client.submit_job(small_job("matrix")).await {
            Ok(job) => {
                let id = job.id.clone().unwrap_or_default();
                // A retried submission is answered with the job it created, as it is by then:
                // on a loaded machine, the retry may come after the job completed (90 ms).
                let fresh = matches!(
                    job.status,
                    Some(JobStatus::Submitted | JobStatus::Executing | JobStatus::Completed)
                );
                if id.len() != 32
                    || !id.chars().all(|c| c.is_ascii_hexdigit())
                    || id == setup.job_id
                    || job.name.as_deref() != Some("matrix")
                    || !fresh
                {
                    return Err(format!("wrong submission: {job:?}"));
                }
                Ok(Outcome::Ok)
            }
            Err(e) => Ok(Outcome::Failed(e)),
        },
        Download => {
            let target = dir.join("result.csv");
            let download = match client.download_file(&setup.file_id).await {
                Ok(d) => d,
                Err(e) => return Ok(Outcome::Failed(e)),
            };
            let expected = download.content_length();
            match download.save(&target, false).await {
                Ok(n) => {
                    let bytes = std::fs::read(&target).map_err(|e| e.to_string())?;
                    if Some(n) != expected || bytes.len() as u64 != n {
                        return Err(format!("{n} bytes saved, Content-Length {expected:?}"));
                    }
                    if let Some(reference) = &setup.reference
                        && &bytes != reference
                    {
                        return Err("the saved file differs from the reference".into());
                    }
                    Ok(Outcome::Ok)
                }
                Err(e) => Ok(Outcome::Saved(e)),
            }
        }
    }
}

/// Checks `outcome` against the row's expectation; `requests` is the number of requests the
/// server received for the call.
fn judge(row: &Row, outcome: Outcome, requests: u64, dir: &Path) -> Result<(), String> {
    let attempts_shown = |e: &Error, n: u32| -> Result<(), String> {
        let shown = e.to_string();
        let marker = format!("(after {n} attempts)");
        if e.attempts() != Some(n) {
            return Err(format!(
                "attempts() = {:?}, expected {n}: {shown}",
                e.attempts()
            ));
        }
        if (n > 1) != shown.contains(&marker) || shown.contains("(after 1 attempts)") {
            return Err(format!("`{marker}` expected only for n > 1: {shown}"));
        }
        if u64::from(n) != requests {
            return Err(format!(
                "{requests} requests reached the server, expected {n}"
            ));
        }
        Ok(())
    };
    match (row.expect, outcome) {
        (Recovers { attempts }, Outcome::Ok) => {
            if requests != attempts {
                return Err(format!(
                    "recovered after {requests} requests, expected {attempts}"
                ));
            }
            Ok(())
        }
        (
            Status {
                status,
                attempts,
                text,
            },
            Outcome::Failed(e),
        ) => {
            match &e {
                RuntimeError::Status(s) if s.status.as_u16() == status => {}
                other => return Err(format!("expected HTTP {status}, got {other:?}")),
            }
            if !e.to_string().contains(text) {
                return Err(format!("`{text}` missing from: {e}"));
            }
            attempts_shown(&e, attempts)
        }
        (
            Decode {
                content_type,
                excerpt,
            },
            Outcome::Failed(e),
        ) => {
            match &e {
                RuntimeError::Decode(d) => {
                    if d.content_type.as_deref() != Some(content_type) {
                        return Err(format!("content type {:?}", d.content_type));
                    }
                    if !d.excerpt.contains(excerpt) || !e.to_string().contains(excerpt) {
                        return Err(format!("excerpt `{excerpt}` missing: {e}"));
                    }
                }
                other => return Err(format!("expected a decode error, got {other:?}")),
            }
            attempts_shown(&e, 1)
        }
        (Api { code, attempts }, Outcome::Failed(e)) => {
            if !matches!(e, RuntimeError::Api(_)) || e.zuora_code().as_deref() != Some(code) {
                return Err(format!("expected AQuA error {code}, got {e:?}"));
            }
            attempts_shown(&e, attempts)
        }
        (Timeout { attempts }, Outcome::Failed(e)) => {
            if !matches!(e, RuntimeError::Transport(_)) || !e.is_timeout() {
                return Err(format!("expected a timeout, got {e:?}"));
            }
            if !e.to_string().contains("timed out") {
                return Err(format!("the message does not say it timed out: {e}"));
            }
            attempts_shown(&e, attempts)
        }
        (Broken { attempts }, Outcome::Failed(e)) => {
            if !matches!(e, RuntimeError::Transport(_)) || e.is_timeout() {
                return Err(format!("expected a broken exchange, got {e:?}"));
            }
            attempts_shown(&e, attempts)
        }
        (Stalled { attempts }, Outcome::Failed(e)) => {
            match &e {
                RuntimeError::Download(d) if matches!(**d, DownloadError::Stalled { .. }) => {}
                other => return Err(format!("expected a stalled download, got {other:?}")),
            }
            if !e.is_timeout() || requests != attempts {
                return Err(format!("{requests} requests (expected {attempts}): {e}"));
            }
            Ok(())
        }
        (Truncated, Outcome::Saved(e)) => {
            if !matches!(e, DownloadError::Truncated { .. }) || requests != 1 {
                return Err(format!(
                    "expected a truncated download in 1 request, got {e:?}"
                ));
            }
            let left: Vec<_> = std::fs::read_dir(dir)
                .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
                .unwrap_or_default();
            if !left.is_empty() {
                return Err(format!("files left behind after a failed save: {left:?}"));
            }
            Ok(())
        }
        (expect, Outcome::Ok) => Err(format!("succeeded, expected {expect:?}")),
        (expect, Outcome::Failed(e)) => Err(format!("expected {expect:?}, got {e:?}")),
        (expect, Outcome::Saved(e)) => Err(format!("expected {expect:?}, got {e:?}")),
    }
}

/// Runs one row on its own server; `Err` describes how it differs from the table.
async fn run(row: Row) -> Result<Duration, String> {
    let server = server(&[row.rule]).await;
    let setup = setup(&server, &row).await;
    let dir = TempDir::new("matrix");
    let client = basic_client(&server.rest_url(), Duration::from_millis(row.timeout_ms));
    let before = server.stats().requests;
    let started = Instant::now();
    let outcome =
        tokio::time::timeout(Duration::from_secs(30), call(&client, &row, &setup, &dir.0))
            .await
            .map_err(|_| "the call did not end within 30 s".to_owned())??;
    let elapsed = started.elapsed();
    let requests = server.stats().requests - before;
    server.shutdown().await;
    judge(&row, outcome, requests, &dir.0)?;
    if elapsed < Duration::from_millis(row.at_least_ms) {
        return Err(format!(
            "took {elapsed:?}, less than the {} ms the server asked for",
            row.at_least_ms
        ));
    }
    Ok(elapsed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_has_its_documented_outcome() {
    crate::capture();
    let results = join_all(ROWS.iter().map(|row| run(*row))).await;
    let mut failures = Vec::new();
    for (row, result) in ROWS.iter().zip(results) {
        match result {
            Ok(elapsed) => println!("ok    {:<40} {:?} in {elapsed:.2?}", row.rule, row.expect),
            Err(e) => failures.push(format!("{} ({:?}): {e}", row.rule, row.op)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows differ from the table:\n{}",
        failures.len(),
        ROWS.len(),
        failures.join("\n")
    );
}

/// Every fault kind of the server's syntax appears in the table (so a new kind cannot be
/// added without its row).
#[test]
fn the_table_covers_every_fault_kind() {
    for kind in [
        "429:retry-after",
        "429:",
        "500",
        "502",
        "503",
        "504",
        "slow=",
        "hang",
        "truncated",
        "reset",
        "malformed",
        "html",
        "content-type",
        "error200=90022",
    ] {
        assert!(
            ROWS.iter().any(|r| r.rule.starts_with(kind)),
            "no row for {kind}"
        );
    }
}
