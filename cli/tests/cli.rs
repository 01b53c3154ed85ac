//! End-to-end tests of the `aqua` binary against local AQuA servers run in the test process.
//!
//! Every test starts its own `aqua_server::LocalServer` (on a shared multi-thread Tokio
//! runtime, so that it keeps serving while the test blocks on a child process), runs the real
//! `aqua` binary with an environment cleared of `ZUORA_*` variables, and checks its exit code,
//! standard output and standard error. Standard output is a pipe, so JSON is the default
//! output format. Every wait is bounded by [`TIMEOUT`].

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::LazyLock;
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use aqua_server::{Config, FaultRule, LocalServer};
use assert_cmd::Command;
use serde_json::Value;

/// The longest any command, child process or condition is waited for.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The message `main` prints when Ctrl-C interrupts a command.
const INTERRUPTED: &str = "error: interrupted; nothing partial was left behind";

const ACCOUNTS: &str = "A=select Id, Name from Account";
const INVOICES: &str = "Inv=select Id, Amount from Invoice";

/// The runtime the local servers run on, shared by all tests.
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a Tokio runtime for the local servers")
});

// ---------------------------------------------------------------------------------------------
// Local servers
// ---------------------------------------------------------------------------------------------

/// Jobs complete about 150 ms after their submission.
fn fast() -> Config {
    Config {
        submitted_for: Duration::from_millis(50),
        executing_for: Duration::from_millis(100),
        ..Config::default()
    }
}

/// Jobs stay `submitted` for ten minutes: long enough to be cancelled or waited for in vain.
fn slow() -> Config {
    Config {
        submitted_for: Duration::from_secs(600),
        executing_for: Duration::from_secs(600),
        ..Config::default()
    }
}

/// [`fast`] with these fault-injection rules.
fn faulty(rules: &[&str]) -> Config {
    Config {
        faults: rules
            .iter()
            .map(|r| r.parse::<FaultRule>().expect("a valid fault rule"))
            .collect(),
        ..fast()
    }
}

fn start(config: Config) -> LocalServer {
    RUNTIME
        .block_on(LocalServer::start(config))
        .expect("the local server starts")
}

// ---------------------------------------------------------------------------------------------
// Running `aqua`
// ---------------------------------------------------------------------------------------------

/// `aqua` with no credentials, no logging and no backtraces from the test's environment.
fn std_aqua() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_aqua"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("ZUORA_") {
            cmd.env_remove(key);
        }
    }
    cmd.env_remove("AQUA_LOG")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE");
    cmd
}

/// [`std_aqua`] as an `assert_cmd` command bounded by [`TIMEOUT`].
fn aqua() -> Command {
    let mut cmd = Command::from_std(std_aqua());
    cmd.timeout(TIMEOUT);
    cmd
}

/// `aqua --base-url <server>` with the server's default basic credentials (demo/demo).
fn aqua_at(server: &LocalServer) -> Command {
    let mut cmd = aqua();
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "demo")
        .arg("--base-url")
        .arg(server.rest_url());
    cmd
}

/// `aqua --base-url <server>` with the server's default OAuth client (demo-client).
fn aqua_oauth_at(server: &LocalServer) -> Command {
    let mut cmd = aqua();
    cmd.env("ZUORA_CLIENT_ID", "demo-client")
        .env("ZUORA_CLIENT_SECRET", "demo-secret")
        .arg("--base-url")
        .arg(server.rest_url());
    cmd
}

/// The outcome of one run of `aqua`.
struct Run {
    args: String,
    code: i32,
    stdout: String,
    stderr: String,
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "aqua {}\nexit code: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.args, self.code, self.stdout, self.stderr
        )
    }
}

impl Run {
    fn new(args: String, status: ExitStatus, stdout: &[u8], stderr: &[u8]) -> Run {
        let stdout = String::from_utf8_lossy(stdout).into_owned();
        let stderr = String::from_utf8_lossy(stderr).into_owned();
        let Some(code) = status.code() else {
            panic!(
                "aqua {args} was killed ({status}; timed out?)\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
            );
        };
        let run = Run {
            args,
            code,
            stdout,
            stderr,
        };
        assert!(
            !run.stderr.contains("panicked") && !run.stderr.contains("RUST_BACKTRACE"),
            "aqua panicked\n{run}"
        );
        run
    }

    /// Exit code 0.
    fn success(self) -> Run {
        assert_eq!(self.code, 0, "expected success\n{self}");
        self
    }

    /// Exit code `code`.
    fn exits(self, code: i32) -> Run {
        assert_eq!(self.code, code, "unexpected exit code\n{self}");
        self
    }

    /// Exit code `code`, nothing on stdout, and exactly one line on stderr: `error: …`.
    fn failure(self, code: i32) -> Run {
        let run = self.exits(code);
        run.one_error_line()
    }

    fn one_error_line(self) -> Run {
        assert_eq!(self.stdout, "", "nothing on stdout after a failure\n{self}");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "expected one line on stderr\n{self}");
        assert!(
            lines[0].starts_with("error: ") && lines[0].len() > "error: ".len(),
            "the line on stderr names the error\n{self}"
        );
        self
    }

    /// A usage error reported by the argument parser: exit code 2 and `error: …` on stderr.
    fn usage_error(self) -> Run {
        assert_eq!(self.code, 2, "expected a usage error\n{self}");
        assert_eq!(
            self.stdout, "",
            "nothing on stdout after a usage error\n{self}"
        );
        assert!(self.stderr.starts_with("error: "), "{self}");
        assert!(
            self.stderr.contains("For more information, try '--help'."),
            "{self}"
        );
        self
    }

    /// The one line on stderr (after [`Run::failure`]).
    fn error_line(&self) -> &str {
        self.stderr.trim_end()
    }

    /// Standard output as JSON.
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{self}"))
    }
}

fn describe(args: impl Iterator<Item = impl AsRef<std::ffi::OsStr>>) -> String {
    args.map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `cmd` to its end (at most [`TIMEOUT`]).
fn exec(cmd: &mut Command) -> Run {
    let args = describe(cmd.get_args());
    let output = cmd.output().expect("aqua can be started");
    Run::new(args, output.status, &output.stdout, &output.stderr)
}

/// An `aqua` process running in the background, for commands that are interrupted or that
/// run while the test acts on the server.
struct Background {
    args: String,
    pid: u32,
    lines: Receiver<String>,
    stderr: Option<JoinHandle<Vec<u8>>>,
    status: Receiver<std::io::Result<ExitStatus>>,
    finished: bool,
}

impl Background {
    fn spawn(mut cmd: std::process::Command) -> Background {
        let args = describe(cmd.get_args());
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("aqua can be started");
        let pid = child.id();
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stderr = child.stderr.take().expect("piped stderr");
        let (line_tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = stderr.read_to_end(&mut bytes);
            bytes
        });
        let (status_tx, status) = channel();
        std::thread::spawn(move || {
            let _ = status_tx.send(child.wait());
        });
        Background {
            args,
            pid,
            lines,
            stderr: Some(stderr),
            status,
            finished: false,
        }
    }

    /// The next line of standard output.
    fn next_line(&self) -> String {
        self.lines
            .recv_timeout(TIMEOUT)
            .unwrap_or_else(|e| panic!("no line from aqua {} on stdout: {e}", self.args))
    }

    /// Sends SIGINT, as Ctrl-C does.
    #[cfg(unix)]
    fn interrupt(&self) {
        let status = std::process::Command::new("kill")
            .args(["-INT", &self.pid.to_string()])
            .status()
            .expect("kill can be run");
        assert!(status.success(), "kill -INT {} failed", self.pid);
    }

    /// Waits for the process to exit (at most [`TIMEOUT`]).
    fn finish(mut self) -> Run {
        let status = match self.status.recv_timeout(TIMEOUT) {
            Ok(status) => status.expect("aqua can be waited for"),
            Err(e) => panic!("aqua {} did not exit: {e}", self.args),
        };
        self.finished = true;
        let stdout: Vec<String> = self.lines.iter().collect();
        let mut stdout = stdout.join("\n");
        if !stdout.is_empty() {
            stdout.push('\n');
        }
        let stderr = self
            .stderr
            .take()
            .map(|h| h.join().expect("the stderr reader"))
            .unwrap_or_default();
        Run::new(self.args.clone(), status, stdout.as_bytes(), &stderr)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        // A test failed before the process exited: do not leave it behind.
        if !self.finished && matches!(self.status.try_recv(), Err(TryRecvError::Empty)) {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &self.pid.to_string()])
                .status();
        }
    }
}

/// Waits until `condition` holds (at most [`TIMEOUT`]).
fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < TIMEOUT, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers on results
// ---------------------------------------------------------------------------------------------

fn text<'v>(value: &'v Value, key: &str) -> &'v str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is not a string in {value:#}"))
}

fn is_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The `fileId` of every batch of a job (JSON), in batch order.
fn file_ids(job: &Value) -> Vec<String> {
    job["batches"]
        .as_array()
        .unwrap_or_else(|| panic!("no batches in {job:#}"))
        .iter()
        .map(|b| text(b, "fileId").to_owned())
        .collect()
}

/// Submits a stateless job with `queries` through the CLI and waits for it; returns the job.
fn completed_job(server: &LocalServer, queries: &[&str]) -> Value {
    let mut cmd = aqua_at(server);
    cmd.args(["job", "submit", "--name", "fixture", "--wait"]);
    for q in queries {
        cmd.args(["--query", q]);
    }
    let job = exec(&mut cmd).success().json();
    assert_eq!(text(&job, "status"), "completed", "{job:#}");
    job
}

/// A file's bytes, downloaded through the library client.
fn library_download(server: &LocalServer, file_id: &str) -> Vec<u8> {
    let client = zuora_aqua::Client::with_base_url(
        &server.rest_url(),
        zuora_aqua::Credentials::basic("demo", "demo"),
    )
    .expect("a client for the local server");
    RUNTIME.block_on(async {
        let download = client
            .download_file(file_id)
            .send()
            .await
            .expect("the library downloads the file");
        let mut bytes = Vec::new();
        download
            .write_to(&mut bytes)
            .await
            .expect("the library reads the whole file");
        bytes
    })
}

/// The names of the entries of `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

fn first_line(path: &Path) -> String {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines().next().unwrap_or_default().to_owned()
}

/// Standard base64 (for the `Authorization: Basic` form of credentials).
fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// last-job
// ---------------------------------------------------------------------------------------------

#[test]
fn last_job_prints_the_last_completed_job_of_the_session() {
    let server = start(fast());
    let submitted = exec(aqua_at(&server).args([
        "job",
        "submit",
        "--name",
        "session",
        "--query",
        ACCOUNTS,
        "--partner",
        "acme",
        "--project",
        "nightly",
        "--wait",
    ]))
    .success()
    .json();
    let id = text(&submitted, "id");
    assert!(is_id(id), "{submitted:#}");
    assert_eq!(text(&submitted, "status"), "completed");

    let last =
        exec(aqua_at(&server).args(["last-job", "--partner", "acme", "--project", "nightly"]))
            .success();
    assert_eq!(last.stderr, "", "{last}");
    let job = last.json();
    assert_eq!(text(&job, "id"), id, "{job:#}");
    assert_eq!(text(&job, "status"), "completed");
    assert_eq!(text(&job, "partner"), "acme");
    assert_eq!(text(&job, "project"), "nightly");
}

#[test]
fn last_job_of_a_session_without_jobs_exits_4_with_one_line() {
    let server = start(fast());
    let run = exec(aqua_at(&server).args(["last-job", "--partner", "acme", "--project", "none"]))
        .failure(4);
    let line = run.error_line();
    assert!(line.contains("getLastCompletedJob"), "{run}");
    assert!(line.contains("90002"), "{run}");
    assert!(
        line.contains("no completed job for partner acme project none"),
        "{run}"
    );
}

#[test]
fn last_job_requires_partner_and_project() {
    let server = start(fast());
    exec(aqua_at(&server).args(["last-job", "--partner", "acme"])).usage_error();
    assert_eq!(server.stats().requests, 0);
}

// ---------------------------------------------------------------------------------------------
// job submit
// ---------------------------------------------------------------------------------------------

#[test]
fn job_submit_wait_prints_the_completed_job() {
    let server = start(fast());
    let job = exec(aqua_at(&server).args([
        "job", "submit", "--name", "N", "--query", ACCOUNTS, "--wait",
    ]))
    .success()
    .json();
    assert!(is_id(text(&job, "id")), "{job:#}");
    assert_eq!(text(&job, "name"), "N");
    assert_eq!(text(&job, "status"), "completed");
    let batches = job["batches"].as_array().expect("batches");
    assert_eq!(batches.len(), 1, "{job:#}");
    assert_eq!(text(&batches[0], "name"), "A");
    assert_eq!(text(&batches[0], "query"), "select Id, Name from Account");
    assert_eq!(text(&batches[0], "status"), "completed");
    assert!(is_id(text(&batches[0], "fileId")), "{job:#}");
    assert!(batches[0]["recordCount"].as_u64().is_some_and(|n| n > 0));
}

#[test]
fn job_submit_without_wait_prints_the_submitted_job() {
    let server = start(slow());
    let job = exec(aqua_at(&server).args(["job", "submit", "--name", "N", "--query", ACCOUNTS]))
        .success()
        .json();
    assert!(is_id(text(&job, "id")), "{job:#}");
    assert_eq!(text(&job, "status"), "submitted");
}

#[test]
fn job_submit_download_writes_csv_files_with_the_selected_columns() {
    let server = start(fast());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let target = dir.path().join("results");
    let out = exec(
        aqua_at(&server)
            .args([
                "job",
                "submit",
                "--name",
                "N",
                "--query",
                ACCOUNTS,
                "--query",
                INVOICES,
                "--download",
            ])
            .arg(&target),
    )
    .success()
    .json();
    assert_eq!(text(&out["job"], "status"), "completed", "{out:#}");
    assert_eq!(entries(&target), ["A.csv", "Inv.csv"]);
    assert_eq!(first_line(&target.join("A.csv")), "Account.Id,Account.Name");
    assert_eq!(
        first_line(&target.join("Inv.csv")),
        "Invoice.Id,Invoice.Amount"
    );

    // The JSON lists every file with its batch, file ID, path and size.
    let files = out["files"].as_array().expect("files");
    let ids = file_ids(&out["job"]);
    assert_eq!(files.len(), 2, "{out:#}");
    for (file, (batch, id)) in files.iter().zip([("A", &ids[0]), ("Inv", &ids[1])]) {
        assert_eq!(text(file, "batch"), batch);
        assert_eq!(text(file, "fileId"), id);
        let path = PathBuf::from(text(file, "path"));
        assert_eq!(path, target.join(format!("{batch}.csv")));
        let len = std::fs::metadata(&path).expect("the file exists").len();
        assert_eq!(file["bytes"].as_u64(), Some(len), "{out:#}");
        // One header line, then one line per record.
        let rows = std::fs::read_to_string(&path)
            .expect("utf-8")
            .lines()
            .count()
            - 1;
        let batch_json = out["job"]["batches"]
            .as_array()
            .expect("batches")
            .iter()
            .find(|b| b["name"] == batch)
            .expect("the batch");
        assert_eq!(batch_json["recordCount"].as_u64(), Some(rows as u64));
    }
}

#[test]
fn job_submit_compressed_download_decompress_writes_csv_files() {
    let server = start(fast());
    for format in ["gzip", "zip"] {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let out = exec(
            aqua_at(&server)
                .args([
                    "job",
                    "submit",
                    "--name",
                    "N",
                    "--query",
                    ACCOUNTS,
                    "--format",
                    format,
                    "--decompress",
                    "--download",
                ])
                .arg(dir.path()),
        )
        .success()
        .json();
        assert_eq!(
            text(&out["job"], "format"),
            format.to_uppercase(),
            "{out:#}"
        );
        // Only the unpacked CSV is left: no archive, no temporary file.
        assert_eq!(entries(dir.path()), ["A.csv"], "{format}");
        assert_eq!(
            first_line(&dir.path().join("A.csv")),
            "Account.Id,Account.Name"
        );
    }
}

#[test]
fn job_submit_gzip_download_keeps_the_gzip_file() {
    let server = start(fast());
    let dir = tempfile::tempdir().expect("a temporary directory");
    exec(
        aqua_at(&server)
            .args([
                "job",
                "submit",
                "--name",
                "N",
                "--query",
                ACCOUNTS,
                "--format",
                "gzip",
                "--download",
            ])
            .arg(dir.path()),
    )
    .success();
    assert_eq!(entries(dir.path()), ["A.csv.gz"]);
    let bytes = std::fs::read(dir.path().join("A.csv.gz")).expect("the file");
    assert_eq!(bytes[..2], [0x1f, 0x8b], "a gzip stream");
}

#[test]
fn job_submit_download_never_replaces_an_existing_file() {
    let server = start(fast());
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("A.csv"), "mine\n").expect("write");
    let run = exec(
        aqua_at(&server)
            .args([
                "job",
                "submit",
                "--name",
                "N",
                "--query",
                ACCOUNTS,
                "--download",
            ])
            .arg(dir.path()),
    )
    .failure(8);
    assert!(run.error_line().contains("A.csv"), "{run}");
    assert!(run.error_line().contains("already exists"), "{run}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("A.csv")).expect("read"),
        "mine\n"
    );
    assert_eq!(entries(dir.path()), ["A.csv"], "no temporary file is left");
}

#[test]
fn job_submit_refuses_a_query_without_equals_sign() {
    let server = start(fast());
    let run = exec(aqua_at(&server).args([
        "job",
        "submit",
        "--name",
        "N",
        "--query",
        "select Id from Account",
    ]))
    .failure(2);
    assert_eq!(
        run.error_line(),
        "error: --query `select Id from Account` must be NAME=ZOQL"
    );
    // An empty ZOQL query.
    let run =
        exec(aqua_at(&server).args(["job", "submit", "--name", "N", "--query", "A= "])).failure(2);
    assert!(run.error_line().contains("with both parts"), "{run}");
    assert_eq!(server.stats().requests, 0, "nothing was sent");
}

#[test]
fn job_submit_refuses_a_name_over_32_characters_before_sending() {
    let server = start(fast());
    let name = "n".repeat(33);
    let run = exec(aqua_at(&server).args(["job", "submit", "--name", &name, "--query", ACCOUNTS]))
        .failure(2);
    assert!(run.error_line().contains("32 characters"), "{run}");
    assert!(run.error_line().contains("name"), "{run}");
    assert_eq!(server.stats().requests, 0, "the server saw no submit");

    // 32 characters are fine.
    let name = "n".repeat(32);
    let job = exec(aqua_at(&server).args(["job", "submit", "--name", &name, "--query", ACCOUNTS]))
        .success()
        .json();
    assert_eq!(text(&job, "name"), name);
}

#[test]
fn job_submit_reports_a_query_the_server_refuses() {
    let server = start(fast());
    let run = exec(aqua_at(&server).args([
        "job",
        "submit",
        "--name",
        "N",
        "--query",
        "A=select Nope from Account",
    ]))
    .failure(4);
    assert!(run.error_line().contains("submitJob"), "{run}");
    assert!(run.error_line().contains("90005"), "{run}");
}

#[test]
fn job_submit_argument_errors_exit_2() {
    let server = start(fast());
    // No --query.
    exec(aqua_at(&server).args(["job", "submit", "--name", "N"])).usage_error();
    // --partner without --project.
    exec(aqua_at(&server).args([
        "job",
        "submit",
        "--name",
        "N",
        "--query",
        ACCOUNTS,
        "--partner",
        "p",
    ]))
    .usage_error();
    // An unknown format.
    exec(aqua_at(&server).args([
        "job", "submit", "--name", "N", "--query", ACCOUNTS, "--format", "xml",
    ]))
    .usage_error();
    assert_eq!(server.stats().requests, 0);
}

#[test]
fn job_submit_wait_past_the_deadline_exits_7() {
    let server = start(slow());
    let started = Instant::now();
    exec(aqua_at(&server).args([
        "job",
        "submit",
        "--name",
        "N",
        "--query",
        ACCOUNTS,
        "--wait",
        "--deadline",
        "1",
    ]))
    .failure(7);
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[test]
fn job_submit_wait_for_a_job_that_gets_cancelled_exits_6() {
    // Job IDs are deterministic for a seed and a sequence of requests: the first job submitted
    // to a twin server has the ID of the first job submitted to this one.
    let twin = start(slow());
    let twin_job = exec(aqua_at(&twin).args(["job", "submit", "--name", "N", "--query", ACCOUNTS]))
        .success()
        .json();
    let id = text(&twin_job, "id").to_owned();

    let server = start(slow());
    let mut cmd = std_aqua();
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "demo")
        .args(["--base-url", &server.rest_url()])
        .args([
            "job", "submit", "--name", "N", "--query", ACCOUNTS, "--wait",
        ]);
    let waiting = Background::spawn(cmd);
    // The submit and the first poll have arrived.
    eventually("the job is submitted and polled", || {
        server.stats().requests >= 2
    });
    let cancelled = exec(aqua_at(&server).args(["job", "cancel", &id]))
        .success()
        .json();
    assert_eq!(text(&cancelled, "status"), "cancelled");

    let run = waiting.finish().failure(6);
    assert_eq!(
        run.error_line(),
        format!("error: job {id} ended with status cancelled")
    );
}

#[cfg(unix)]
#[test]
fn job_submit_wait_interrupted_exits_130() {
    let server = start(slow());
    let mut cmd = std_aqua();
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "demo")
        .args(["--base-url", &server.rest_url()])
        .args([
            "job", "submit", "--name", "N", "--query", ACCOUNTS, "--wait",
        ]);
    let waiting = Background::spawn(cmd);
    eventually("the job is submitted and polled", || {
        server.stats().requests >= 2
    });
    waiting.interrupt();
    let run = waiting.finish().failure(130);
    // The job keeps running on Zuora's side, and the message says which one it is.
    let line = run.error_line();
    assert!(line.starts_with(INTERRUPTED), "{run}");
    assert!(line.contains("was submitted and keeps running"), "{run}");
}

// ---------------------------------------------------------------------------------------------
// job get, job cancel
// ---------------------------------------------------------------------------------------------

#[test]
fn job_get_and_cancel_a_submitted_job() {
    let server = start(slow());
    let job = exec(aqua_at(&server).args(["job", "submit", "--name", "N", "--query", ACCOUNTS]))
        .success()
        .json();
    let id = text(&job, "id");

    let got = exec(aqua_at(&server).args(["job", "get", id]))
        .success()
        .json();
    assert_eq!(text(&got, "id"), id);
    assert_eq!(text(&got, "status"), "submitted");

    let cancelled = exec(aqua_at(&server).args(["job", "cancel", id]))
        .success()
        .json();
    assert_eq!(text(&cancelled, "id"), id);
    assert_eq!(text(&cancelled, "status"), "cancelled");

    let got = exec(aqua_at(&server).args(["job", "get", id]))
        .success()
        .json();
    assert_eq!(text(&got, "status"), "cancelled");

    // Cancelling again answers the cancelled job.
    let again = exec(aqua_at(&server).args(["job", "cancel", id]))
        .success()
        .json();
    assert_eq!(text(&again, "status"), "cancelled");
}

#[test]
fn job_get_prints_a_completed_job() {
    let server = start(fast());
    let job = completed_job(&server, &[ACCOUNTS]);
    let id = text(&job, "id");
    let got = exec(aqua_at(&server).args(["job", "get", id]))
        .success()
        .json();
    assert_eq!(got, job, "the same job, as decoded");
}

#[test]
fn job_get_and_cancel_of_an_unknown_id_exit_4() {
    let server = start(fast());
    let unknown = "0123456789abcdef0123456789abcdef";
    let run_get = exec(aqua_at(&server).args(["job", "get", unknown])).failure(4);
    assert!(run_get.error_line().contains("getJob"), "{run_get}");
    assert!(run_get.error_line().contains("90002"), "{run_get}");
    assert!(run_get.error_line().contains(unknown), "{run_get}");

    let run_cancel = exec(aqua_at(&server).args(["job", "cancel", unknown])).failure(4);
    assert!(
        run_cancel.error_line().contains("cancelJob"),
        "{run_cancel}"
    );
    assert!(run_cancel.error_line().contains("90003"), "{run_cancel}");
}

#[test]
fn job_cancel_of_a_completed_job_exits_4() {
    let server = start(fast());
    let job = completed_job(&server, &[ACCOUNTS]);
    let run = exec(aqua_at(&server).args(["job", "cancel", text(&job, "id")])).failure(4);
    assert!(run.error_line().contains("90003"), "{run}");
}

// ---------------------------------------------------------------------------------------------
// file download
// ---------------------------------------------------------------------------------------------

#[test]
fn file_download_writes_the_servers_bytes() {
    let server = start(fast());
    let job = completed_job(&server, &[ACCOUNTS]);
    let file_id = &file_ids(&job)[0];
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("accounts.csv");

    let out = exec(
        aqua_at(&server)
            .args(["file", "download", file_id, "--output"])
            .arg(&path),
    )
    .success()
    .json();
    let bytes = std::fs::read(&path).expect("the downloaded file");
    assert_eq!(bytes, library_download(&server, file_id));
    assert_eq!(first_line(&path), "Account.Id,Account.Name");
    assert_eq!(text(&out, "fileId"), file_id.as_str());
    assert_eq!(PathBuf::from(text(&out, "path")), path);
    assert_eq!(out["bytes"].as_u64(), Some(bytes.len() as u64));
    assert_eq!(entries(dir.path()), ["accounts.csv"]);

    // --overwrite replaces an existing file; -o is the short form of --output.
    std::fs::write(&path, "old\n").expect("write");
    exec(
        aqua_at(&server)
            .args(["file", "download", file_id, "--overwrite", "-o"])
            .arg(&path),
    )
    .success();
    assert_eq!(std::fs::read(&path).expect("the file"), bytes);
}

#[test]
fn file_download_of_an_unknown_id_exits_4_and_leaves_no_file() {
    let server = start(fast());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("out.csv");
    let run = exec(
        aqua_at(&server)
            .args([
                "file",
                "download",
                "0123456789abcdef0123456789abcdef",
                "--output",
            ])
            .arg(&path),
    )
    .failure(4);
    assert!(run.error_line().contains("404"), "{run}");
    assert!(!path.exists());
    assert_eq!(entries(dir.path()), Vec::<String>::new());
}

#[test]
fn file_download_truncated_by_the_server_leaves_no_file() {
    let server = start(faulty(&["truncated:op=downloadFile"]));
    let job = completed_job(&server, &[ACCOUNTS]);
    let file_id = &file_ids(&job)[0];
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("out.csv");
    let run = exec(
        aqua_at(&server)
            .args(["file", "download", file_id, "--output"])
            .arg(&path),
    )
    .failure(5);
    assert!(run.error_line().contains("incomplete"), "{run}");
    assert!(server.stats().faults_injected >= 1);
    assert!(!path.exists());
    assert_eq!(
        entries(dir.path()),
        Vec::<String>::new(),
        "no file and no temporary file"
    );
}

#[test]
fn file_download_never_replaces_an_existing_file_without_overwrite() {
    let server = start(fast());
    let job = completed_job(&server, &[ACCOUNTS]);
    let file_id = &file_ids(&job)[0];
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("out.csv");
    std::fs::write(&path, "mine\n").expect("write");
    let run = exec(
        aqua_at(&server)
            .args(["file", "download", file_id, "--output"])
            .arg(&path),
    )
    .failure(8);
    assert!(run.error_line().contains("--overwrite"), "{run}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "mine\n");
    assert_eq!(entries(dir.path()), ["out.csv"]);
}

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

#[test]
fn missing_credentials_exit_2_naming_the_variables() {
    let server = start(fast());
    let unknown = "0123456789abcdef0123456789abcdef";
    let incomplete: [&[(&str, &str)]; 4] = [
        &[],
        &[("ZUORA_USERNAME", "demo")],
        &[("ZUORA_CLIENT_ID", "demo-client")],
        &[("ZUORA_USERNAME", "demo"), ("ZUORA_PASSWORD", "")],
    ];
    for vars in incomplete {
        let mut cmd = aqua();
        cmd.envs(vars.iter().copied()).args([
            "--base-url",
            &server.rest_url(),
            "job",
            "get",
            unknown,
        ]);
        let run = exec(&mut cmd).failure(2);
        for var in [
            "ZUORA_USERNAME",
            "ZUORA_PASSWORD",
            "ZUORA_CLIENT_ID",
            "ZUORA_CLIENT_SECRET",
        ] {
            assert!(run.error_line().contains(var), "{vars:?}: {run}");
        }
    }
    assert_eq!(server.stats().requests, 0);
}

#[test]
fn a_wrong_password_exits_3() {
    let server = start(fast());
    let mut cmd = aqua();
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "wrong")
        .args(["--base-url", &server.rest_url()])
        .args(["last-job", "--partner", "p", "--project", "q"]);
    let run = exec(&mut cmd).failure(3);
    assert!(run.error_line().contains("401"), "{run}");
}

#[test]
fn a_wrong_oauth_secret_exits_3() {
    let server = start(fast());
    let mut cmd = aqua();
    cmd.env("ZUORA_CLIENT_ID", "demo-client")
        .env("ZUORA_CLIENT_SECRET", "wrong")
        .args(["--base-url", &server.rest_url()])
        .args(["last-job", "--partner", "p", "--project", "q"]);
    let run = exec(&mut cmd).failure(3);
    assert!(run.error_line().contains("OAuth"), "{run}");
    assert!(server.stats().token_requests >= 1);
}

#[test]
fn oauth_credentials_work_and_are_preferred_over_basic() {
    let server = start(fast());
    let job = exec(aqua_oauth_at(&server).args([
        "job", "submit", "--name", "N", "--query", ACCOUNTS, "--wait",
    ]))
    .success()
    .json();
    assert_eq!(text(&job, "status"), "completed");
    assert!(server.stats().token_requests >= 1);

    // With both sets, the OAuth client is used: a wrong password does not matter.
    let mut cmd = aqua_oauth_at(&server);
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "wrong")
        .args(["job", "get", text(&job, "id")]);
    let got = exec(&mut cmd).success().json();
    assert_eq!(text(&got, "id"), text(&job, "id"));
}

#[test]
fn secrets_never_appear_in_the_output() {
    const USER: &str = "aqua-user";
    const PASSWORD: &str = "Pw7xQz93kLmN4vRt";
    const CLIENT: &str = "aqua-client";
    const SECRET: &str = "Sx5mHq28ZpWd6yKc";
    assert_eq!(base64(b"demo:demo"), "ZGVtbzpkZW1v");

    let server = start(Config {
        users: vec![(USER.to_owned(), PASSWORD.to_owned())],
        oauth_clients: vec![(CLIENT.to_owned(), SECRET.to_owned())],
        ..fast()
    });
    let failing = start(Config {
        users: vec![(USER.to_owned(), PASSWORD.to_owned())],
        oauth_clients: vec![(CLIENT.to_owned(), SECRET.to_owned())],
        ..faulty(&["503"])
    });
    let wrong_password = format!("{PASSWORD}-wrong");
    let wrong_secret = format!("{SECRET}-wrong");
    let basic = (USER, PASSWORD);
    let basic_wrong = (USER, wrong_password.as_str());
    let oauth = (CLIENT, SECRET);
    let oauth_wrong = (CLIENT, wrong_secret.as_str());
    let forbidden = [
        PASSWORD.to_owned(),
        SECRET.to_owned(),
        base64(format!("{USER}:{PASSWORD}").as_bytes()),
        base64(format!("{USER}:{wrong_password}").as_bytes()),
    ];

    let mut runs = Vec::new();
    let aqua_with = |url: &str, basic: Option<(&str, &str)>, oauth: Option<(&str, &str)>| {
        let mut cmd = aqua();
        cmd.env("AQUA_LOG", "trace");
        if let Some((user, password)) = basic {
            cmd.env("ZUORA_USERNAME", user)
                .env("ZUORA_PASSWORD", password);
        }
        if let Some((id, secret)) = oauth {
            cmd.env("ZUORA_CLIENT_ID", id)
                .env("ZUORA_CLIENT_SECRET", secret);
        }
        cmd.args(["--base-url", url]);
        cmd
    };
    let url = server.rest_url();
    let submit = [
        "job",
        "submit",
        "--name",
        "N",
        "--query",
        ACCOUNTS,
        "--partner",
        "p",
        "--project",
        "q",
        "--wait",
    ];
    let last = ["last-job", "--partner", "p", "--project", "q"];

    // Succeeding commands, with basic and OAuth credentials.
    let job = exec(aqua_with(&url, Some(basic), None).args(submit)).success();
    let id = text(&job.json(), "id").to_owned();
    runs.push(job);
    runs.push(exec(aqua_with(&url, None, Some(oauth)).args(last)).success());
    runs.push(exec(aqua_with(&url, None, Some(oauth)).args(["job", "get", &id])).success());
    // Failing commands: wrong credentials, errors of the server, a refused URL.
    runs.push(exec(aqua_with(&url, Some(basic_wrong), None).args(last)).exits(3));
    runs.push(exec(aqua_with(&url, None, Some(oauth_wrong)).args(last)).exits(3));
    runs.push(exec(aqua_with(&url, Some(basic), None).args(["job", "get", "nope"])).exits(4));
    runs.push(exec(aqua_with(&failing.rest_url(), Some(basic), None).args(last)).exits(4));
    let failed_token = exec(aqua_with(&failing.rest_url(), None, Some(oauth)).args(last));
    assert_ne!(failed_token.code, 0, "{failed_token}");
    runs.push(failed_token);
    runs.push(
        exec(aqua_with("http://example.com/v1", Some(basic), Some(oauth)).args(last)).exits(2),
    );

    for run in &runs {
        for secret in &forbidden {
            assert!(
                !run.stdout.contains(secret.as_str()) && !run.stderr.contains(secret.as_str()),
                "`{secret}` leaked\n{run}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Output formats
// ---------------------------------------------------------------------------------------------

#[test]
fn output_table_prints_aligned_text() {
    let server = start(fast());
    let job = completed_job(&server, &[ACCOUNTS, INVOICES]);
    let id = text(&job, "id");
    let run = exec(aqua_at(&server).args(["job", "get", id, "--output", "table"])).success();

    let mut expected = format!(
        "id         {id}\nname       fixture\nstatus     completed\nformat     CSV\n\
         version    1.1\npartner    -\nproject    -\nstartTime  {}\n\n\
         batch  status     records  full  files\n",
        text(&job, "startTime")
    );
    for batch in job["batches"].as_array().expect("batches") {
        expected.push_str(&format!(
            "{:<5}  completed  {:<7}  true  {}\n",
            text(batch, "name"),
            batch["recordCount"].as_u64().expect("recordCount"),
            text(batch, "fileId")
        ));
    }
    assert_eq!(run.stdout, expected, "{run}");
}

#[test]
fn output_json_is_valid_json_on_request() {
    let server = start(fast());
    let job = completed_job(&server, &[ACCOUNTS]);
    let id = text(&job, "id");
    let got = exec(aqua_at(&server).args(["--output", "json", "job", "get", id]))
        .success()
        .json();
    assert_eq!(got, job);
    // The global option is accepted after the subcommand too.
    let got = exec(aqua_at(&server).args(["job", "get", id, "--output", "json"]))
        .success()
        .json();
    assert_eq!(text(&got, "id"), id);
    let run = exec(aqua_at(&server).args(["job", "get", id, "--output", "yaml"])).failure(2);
    assert!(
        run.error_line().contains("`json` or `table`"),
        "{}",
        run.error_line()
    );
}

// ---------------------------------------------------------------------------------------------
// Environments and base URLs
// ---------------------------------------------------------------------------------------------

#[test]
fn a_plain_http_base_url_to_another_host_exits_2() {
    let mut cmd = aqua();
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "demo")
        .args(["--base-url", "http://example.com/v1", "job", "get", "x"]);
    let run = exec(&mut cmd).failure(2);
    assert!(run.error_line().contains("loopback"), "{run}");
    assert!(run.error_line().contains("http://example.com/v1"), "{run}");
}

#[test]
fn an_unknown_environment_exits_2_listing_the_names() {
    let mut cmd = aqua();
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "demo")
        .args(["--env", "nope", "job", "get", "x"]);
    let run = exec(&mut cmd).failure(2);
    assert!(run.error_line().contains("`nope`"), "{run}");
    for name in ["us-cloud1-production", "us-cloud1-sandbox", "eu-production"] {
        assert!(run.error_line().contains(name), "{run}");
    }
}

#[test]
fn a_server_must_be_named_once() {
    // Neither --env nor --base-url.
    let mut cmd = aqua();
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "demo")
        .args(["job", "get", "x"]);
    let run = exec(&mut cmd).failure(2);
    assert!(run.error_line().contains("--env"), "{run}");
    assert!(run.error_line().contains("--base-url"), "{run}");

    // Both.
    let mut cmd = aqua();
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "demo")
        .args(["--env", "production", "--base-url", "http://127.0.0.1:9/v1"])
        .args(["job", "get", "x"]);
    exec(&mut cmd).usage_error();
}

#[test]
fn environments_lists_the_documented_environments() {
    let list = exec(aqua().arg("environments")).success().json();
    let list = list.as_array().expect("a JSON array");
    let production = list
        .iter()
        .find(|e| e["name"] == "us-cloud1-production")
        .unwrap_or_else(|| panic!("no us-cloud1-production in {list:#?}"));
    assert_eq!(text(production, "baseUrl"), "https://rest.na.zuora.com/v1");
    assert!(!text(production, "description").is_empty());

    let table = exec(aqua().args(["environments", "--output", "table"])).success();
    assert!(
        table
            .stdout
            .lines()
            .any(|l| l == "us-cloud1-production       https://rest.na.zuora.com/v1"),
        "{table}"
    );
    assert_eq!(table.stdout.lines().count(), list.len(), "{table}");
}

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

#[test]
fn an_http_5xx_on_every_request_exits_4() {
    let server = start(faulty(&["503"]));
    let run =
        exec(aqua_at(&server).args(["last-job", "--partner", "p", "--project", "q"])).failure(4);
    assert!(run.error_line().contains("HTTP 503"), "{run}");
    assert!(server.stats().faults_injected >= 1);
}

#[test]
fn malformed_json_exits_4() {
    let server = start(faulty(&["malformed"]));
    let run =
        exec(aqua_at(&server).args(["job", "get", "0123456789abcdef0123456789abcdef"])).failure(4);
    assert!(run.error_line().contains("decode"), "{run}");
    assert!(server.stats().faults_injected >= 1);
}

#[test]
fn an_html_error_page_is_reported_on_one_line() {
    let server = start(faulty(&["html"]));
    let run =
        exec(aqua_at(&server).args(["last-job", "--partner", "p", "--project", "q"])).failure(4);
    assert!(run.error_line().contains("502"), "{run}");
}

#[test]
fn network_failures_exit_5() {
    // A connection closed without an answer.
    let server = start(faulty(&["reset"]));
    exec(aqua_at(&server).args(["last-job", "--partner", "p", "--project", "q"])).failure(5);

    // A request that gets no answer within --timeout.
    let server = start(faulty(&["hang"]));
    let run_hang = exec(aqua_at(&server).args([
        "--timeout",
        "1",
        "last-job",
        "--partner",
        "p",
        "--project",
        "q",
    ]))
    .failure(5);
    assert!(
        run_hang
            .error_line()
            .contains("no complete answer within 1 s (--timeout"),
        "{run_hang}"
    );

    // Nobody listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut cmd = aqua();
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "demo")
        .args(["--base-url", &format!("http://127.0.0.1:{port}/v1")])
        .args(["last-job", "--partner", "p", "--project", "q"]);
    let run_refused = exec(&mut cmd).failure(5);
    assert!(
        run_refused.error_line().contains("connect"),
        "{run_refused}"
    );
}

// ---------------------------------------------------------------------------------------------
// demo, server, --help
// ---------------------------------------------------------------------------------------------

#[test]
fn demo_runs_to_completion() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let run = exec(aqua().args(["demo", "--dir"]).arg(dir.path())).success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0]
            .starts_with("aqua demo: local AQuA server started in-process at http://127.0.0.1:"),
        "{run}"
    );
    // Two runs: a full load, then an incremental one, with a summary line per object.
    let loads = |object: &str| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l.starts_with(&format!("{object} ")))
            .map(|l| l.split_whitespace().nth(2).unwrap_or_default().to_owned())
            .collect()
    };
    for object in ["Account", "Invoice", "AccountingPeriod", "InvoiceItem"] {
        assert_eq!(loads(object), ["full", "incremental"], "{object}\n{run}");
    }
    assert!(lines.contains(&"[run 1: full load]"), "{run}");
    assert!(lines.contains(&"[run 2: incremental load]"), "{run}");
    // The row counts are those of the database.
    let db = dir.path().join("aqua-demo.db");
    let conn = rusqlite::Connection::open(&db).expect("the demo's database");
    for object in ["Account", "Invoice", "AccountingPeriod", "InvoiceItem"] {
        let count: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {object}"), [], |r| r.get(0))
            .expect("a table per object");
        let line = format!("  {object:<18} {count:>6}");
        assert!(lines.contains(&line.as_str()), "missing `{line}`\n{run}");
        assert!(count > 0);
    }
    assert!(
        lines
            .last()
            .is_some_and(|l| l.starts_with("aqua demo: done in ")),
        "{run}"
    );
}

#[cfg(unix)]
#[test]
fn server_serves_until_interrupted() {
    let mut cmd = std_aqua();
    cmd.args(["server", "--port", "0"]);
    let server = Background::spawn(cmd);
    let listening = server.next_line();
    assert!(
        listening.starts_with("local AQuA server listening on 127.0.0.1:"),
        "{listening}"
    );
    let rest = server.next_line();
    let url = rest
        .strip_prefix("  REST base URL:   ")
        .unwrap_or_else(|| panic!("no REST base URL: {rest}"))
        .to_owned();
    loop {
        if server.next_line() == "press Ctrl-C to stop" {
            break;
        }
    }

    // The printed credentials work.
    let mut cmd = aqua();
    cmd.env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "demo")
        .args(["--base-url", &url])
        .args([
            "job", "submit", "--name", "N", "--query", ACCOUNTS, "--wait",
        ]);
    let job = exec(&mut cmd).success().json();
    let mut cmd = aqua();
    cmd.env("ZUORA_CLIENT_ID", "demo-client")
        .env("ZUORA_CLIENT_SECRET", "demo-secret")
        .args(["--base-url", &url, "job", "get", text(&job, "id")]);
    assert_eq!(
        text(&exec(&mut cmd).success().json(), "status"),
        "completed"
    );

    server.interrupt();
    let run = server.finish();
    assert_eq!(run.code, 130, "{run}");
    assert_eq!(run.error_line(), INTERRUPTED);
}

#[test]
fn server_refuses_an_invalid_fault_rule() {
    let run = exec(aqua().args(["server", "--port", "0", "--fault", "bogus"])).failure(2);
    assert!(run.error_line().contains("--fault `bogus`"), "{run}");
}

#[test]
fn help_lists_the_exit_codes_and_the_credential_variables() {
    let run = exec(aqua().arg("--help")).success();
    let help = &run.stdout;
    for line in [
        "  ZUORA_USERNAME and ZUORA_PASSWORD          HTTP basic authentication",
        "  ZUORA_CLIENT_ID and ZUORA_CLIENT_SECRET    OAuth 2.0 client credentials (preferred)",
        "  0 success                  5 network failure or timeout",
        "  1 unexpected failure       6 the job failed (error, aborted, cancelled)",
        "  2 usage or configuration   7 the job did not finish before the deadline",
        "  3 authentication failed    8 a local file could not be written",
        "  4 Zuora reported an error  9 export needs --full-reload",
        "  129 hung up (SIGHUP)       130 interrupted (Ctrl-C, SIGINT)",
        "  143 terminated (SIGTERM)",
    ] {
        assert!(help.lines().any(|l| l == line), "missing `{line}`\n{run}");
    }
    for command in [
        "last-job",
        "job",
        "file",
        "export",
        "environments",
        "server",
        "demo",
    ] {
        assert!(
            help.lines()
                .any(|l| l.trim_start().starts_with(&format!("{command} "))),
            "missing `{command}`\n{run}"
        );
    }
    // Without clap's trailing spaces, so that editors leave the snapshot alone.
    let help = help
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("help", help);
}

#[test]
fn version_names_the_command() {
    let run = exec(aqua().arg("--version")).success();
    assert_eq!(run.stdout, format!("aqua {}\n", env!("CARGO_PKG_VERSION")));
}
