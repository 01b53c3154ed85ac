//! The fault matrix of the `aqua` binary: one local server per fault, the real binary
//! (built by `cargo build -p aqua-cli` or `cargo test --workspace`), the documented exit code,
//! and a standard error that is exactly one line without a secret.
//!
//! The binary uses the default retry settings (3 attempts, backoff from 200 ms) and
//! `--timeout` in whole seconds.

use std::time::Duration;

use aqua_server::LocalServer;
use futures_util::future::join_all;
use zuora_aqua::JobStatus;

use crate::common::{
    CLIENT_ID, CLIENT_SECRET, CliRun, PASSWORD, TempDir, USER, basic_client, closed_port_url,
    run_cli, server, small_job,
};

/// The documented exit codes (`aqua --help`).
mod exit {
    pub const OK: i32 = 0;
    pub const AUTH: i32 = 3;
    pub const API: i32 = 4;
    pub const NETWORK: i32 = 5;
}

/// What the row runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmd {
    /// `aqua job get ID`.
    JobGet,
    /// `aqua file download FILE -o PATH`.
    Download,
}

/// Which credentials the binary gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Creds {
    Basic,
    WrongPassword,
    OAuth,
}

/// One row: the rule, the command, `--timeout`, and the documented result.
#[derive(Clone, Copy, Debug)]
struct Row {
    rule: &'static str,
    cmd: Cmd,
    creds: Creds,
    timeout_s: u64,
    /// A warm-up request (through the library) takes the rule's first request.
    warm_up: bool,
    /// Talk to a port where nothing listens.
    unreachable: bool,
    exit: i32,
    /// Fragments the one line on stderr must contain (empty for success).
    says: &'static [&'static str],
}

const fn row(rule: &'static str, exit: i32, says: &'static [&'static str]) -> Row {
    Row {
        rule,
        cmd: Cmd::JobGet,
        creds: Creds::Basic,
        timeout_s: 5,
        warm_up: false,
        unreachable: false,
        exit,
        says,
    }
}

impl Row {
    const fn warm(mut self) -> Self {
        self.warm_up = true;
        self
    }
    const fn timeout(mut self, seconds: u64) -> Self {
        self.timeout_s = seconds;
        self
    }
    const fn download(mut self) -> Self {
        self.cmd = Cmd::Download;
        self
    }
    const fn creds(mut self, creds: Creds) -> Self {
        self.creds = creds;
        self
    }
    const fn unreachable(mut self) -> Self {
        self.unreachable = true;
        self
    }
}

const AFTER_3: &str = "(after 3 attempts)";
const SPENT_1S: &str =
    "getJob: no complete answer within 1 s (--timeout, the time of one API call, retries included)";

const ROWS: &[Row] = &[
    row("429:retry-after=1:every=2:op=getJob", exit::OK, &[]).warm(),
    row(
        "429:retry-after=1:op=getJob",
        exit::API,
        &["HTTP 429", "50000070", AFTER_3],
    ),
    row("429:every=2:op=getJob", exit::OK, &[]).warm(),
    row("429:op=getJob", exit::API, &["HTTP 429", AFTER_3]),
    row(
        "500:op=getJob",
        exit::API,
        &["HTTP 500", "50000060", AFTER_3],
    ),
    row("502:op=getJob", exit::API, &["HTTP 502", AFTER_3]),
    row("503:every=2:op=getJob", exit::OK, &[]).warm(),
    row(
        "503:op=getJob",
        exit::API,
        &["HTTP 503", "50000061", AFTER_3],
    ),
    row("504:op=getJob", exit::API, &["HTTP 504", AFTER_3]),
    row("slow=200ms:op=getJob", exit::OK, &[]),
    // `--timeout` is the time of the whole call: the first attempt takes it all.
    row("slow=3s:op=getJob", exit::NETWORK, &[SPENT_1S]).timeout(1),
    row("hang:op=getJob", exit::NETWORK, &[SPENT_1S]).timeout(1),
    row("truncated:op=getJob", exit::NETWORK, &["getJob", AFTER_3]),
    row("truncated:op=downloadFile", exit::NETWORK, &["incomplete"]).download(),
    row("reset:every=2:op=downloadFile", exit::OK, &[])
        .download()
        .warm(),
    row("reset:op=getJob", exit::NETWORK, &["getJob", AFTER_3]),
    row(
        "malformed:op=getJob",
        exit::API,
        &["could not decode", "batchId"],
    ),
    row(
        "html:op=getJob",
        exit::API,
        &["HTTP 502", "Bad Gateway", AFTER_3],
    ),
    row(
        "content-type:op=getJob",
        exit::API,
        &["could not decode", "text/plain"],
    ),
    row("error200=90022:every=2:op=getJob", exit::OK, &[]).warm(),
    row("error200=90022:op=getJob", exit::API, &["90022", AFTER_3]),
    row("", exit::AUTH, &["HTTP 401"]).creds(Creds::WrongPassword),
    row("503:op=createToken", exit::AUTH, &["OAuth", "503"]).creds(Creds::OAuth),
    row("", exit::OK, &[]).creds(Creds::OAuth),
    row("", exit::NETWORK, &["could not connect"]).unreachable(),
];

/// A completed job on `server`, submitted through the library (the rows' rules touch only
/// the operation under test, never `submitJob`).
async fn completed_job(server: &LocalServer) -> String {
    let client = basic_client(&server.rest_url(), Duration::from_secs(5));
    let job = client
        .submit_job(small_job("cli"))
        .await
        .expect("the setup submission");
    // Jobs complete after ~90 ms on the fast configuration.
    tokio::time::sleep(Duration::from_millis(150)).await;
    job.id.expect("an id")
}

async fn run(row: Row) -> Result<CliRun, String> {
    let rules: Vec<&str> = if row.rule.is_empty() {
        vec![]
    } else {
        vec![row.rule]
    };
    let server = server(&rules).await;
    let job_id = completed_job(&server).await;
    let client = basic_client(&server.rest_url(), Duration::from_secs(5));
    let mut file_id = String::new();
    if row.cmd == Cmd::Download {
        let job = client.get_job(&job_id).await.map_err(|e| e.to_string())?;
        if job.status != Some(JobStatus::Completed) {
            return Err(format!("the setup job is not completed: {job:?}"));
        }
        file_id = crate::common::batch_files(&job, 0).remove(0);
    }
    if row.warm_up {
        match row.cmd {
            Cmd::JobGet => drop(client.get_job(&job_id).await.map_err(|e| e.to_string())?),
            Cmd::Download => drop(
                client
                    .download_file(&file_id)
                    .await
                    .map_err(|e| e.to_string())?,
            ),
        }
    }
    let dir = TempDir::new("cli-matrix");
    let target = dir.0.join("out.csv");
    let base_url = if row.unreachable {
        closed_port_url()
    } else {
        server.rest_url()
    };
    let mut args: Vec<String> = vec![
        "--base-url".into(),
        base_url,
        "--timeout".into(),
        row.timeout_s.to_string(),
    ];
    // Standard output is a pipe: JSON is the default format (`file download` takes its
    // target with `-o`).
    match row.cmd {
        Cmd::JobGet => args.extend([
            "--output".into(),
            "json".into(),
            "job".into(),
            "get".into(),
            job_id.clone(),
        ]),
        Cmd::Download => args.extend([
            "file".into(),
            "download".into(),
            file_id.clone(),
            "-o".into(),
            target.display().to_string(),
        ]),
    }
    let env: Vec<(&str, &str)> = match row.creds {
        Creds::Basic => vec![("ZUORA_USERNAME", USER), ("ZUORA_PASSWORD", PASSWORD)],
        Creds::WrongPassword => vec![("ZUORA_USERNAME", USER), ("ZUORA_PASSWORD", "wr0ng-pa55")],
        Creds::OAuth => vec![
            ("ZUORA_CLIENT_ID", CLIENT_ID),
            ("ZUORA_CLIENT_SECRET", CLIENT_SECRET),
        ],
    };
    let env: Vec<(String, String)> = env
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let run = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        run_cli(&args, &env, Duration::from_secs(40))
    })
    .await
    .map_err(|e| e.to_string())?;
    server.shutdown().await;

    let problem = |what: String| Err(format!("{what}\n  run: {run:?}"));
    if run.code != Some(row.exit) {
        return problem(format!("exit code {:?}, expected {}", run.code, row.exit));
    }
    for secret in [PASSWORD, CLIENT_SECRET, "wr0ng-pa55"] {
        if run.stderr.contains(secret) || run.stdout.contains(secret) {
            return problem(format!("the output shows the secret {secret}"));
        }
    }
    if row.exit == exit::OK {
        if !run.stderr.is_empty() {
            return problem("a successful run wrote to stderr".into());
        }
        let out: serde_json::Value = match serde_json::from_str(&run.stdout) {
            Ok(v) => v,
            Err(e) => return problem(format!("stdout is not JSON: {e}")),
        };
        let right = match row.cmd {
            Cmd::JobGet => out["id"] == job_id.as_str() && out["status"] == "completed",
            Cmd::Download => {
                let saved = std::fs::read(&target).map(|b| b.len() as u64).ok();
                out["fileId"] == file_id.as_str()
                    && out["bytes"].as_u64().is_some()
                    && saved == out["bytes"].as_u64()
            }
        };
        if !right {
            return problem(format!("wrong result: {out}"));
        }
    } else {
        let lines: Vec<&str> = run.stderr.lines().collect();
        if lines.len() != 1 || !lines[0].starts_with("error: ") {
            return problem("stderr is not exactly one `error: …` line".into());
        }
        for fragment in row.says {
            if !lines[0].contains(fragment) {
                return problem(format!("stderr does not say `{fragment}`"));
            }
        }
        if !run.stdout.is_empty() {
            return problem("a failed run wrote to stdout".into());
        }
        if row.cmd == Cmd::Download {
            let left: Vec<_> = std::fs::read_dir(&dir.0)
                .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
                .unwrap_or_default();
            if !left.is_empty() {
                return problem(format!("files left behind: {left:?}"));
            }
        }
    }
    Ok(run)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_exits_with_the_documented_code_for_every_fault() {
    crate::capture();
    // Fail early, with the instruction, when the binary is missing.
    crate::common::aqua_binary();
    // At most 6 processes at a time on a 2-core machine.
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(6));
    let results = join_all(ROWS.iter().map(|row| {
        let permits = permits.clone();
        async move {
            let _permit = permits.acquire().await.expect("the semaphore is open");
            run(*row).await
        }
    }))
    .await;
    let mut failures = Vec::new();
    for (row, result) in ROWS.iter().zip(results) {
        match result {
            Ok(run) => println!(
                "ok    {:<40} {:?} exit {:?} in {:.2?}: {}",
                row.rule,
                row.creds,
                run.code,
                run.elapsed,
                run.stderr.trim()
            ),
            Err(e) => failures.push(format!(
                "{} ({:?}, {:?}): {e}",
                row.rule, row.cmd, row.creds
            )),
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
