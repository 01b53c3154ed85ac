//! End-to-end tests of the `aqua` binary against local AQuA servers run in the test process.
//!
//! Every test starts its own `aqua_server::LocalServer` (on a shared multi-thread Tokio
//! runtime, so that it keeps serving while the test blocks on a child process), runs the real
//! `aqua` binary with an environment cleared of `ZUORA_*` variables, and checks its exit code,
//! standard output and standard error. Standard output is a pipe, so JSON is the default
//! output format. Every wait is bounded by [`TIMEOUT`].

mod credentials;
mod environments;
mod faults;
mod file_download;
mod help;
mod job_get_cancel;
mod job_submit;
mod last_job;
mod local;
mod output;

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
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
