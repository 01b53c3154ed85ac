//! What the tests of the `aqua` binary outside `cli.rs` share: local servers on a shared
//! runtime, a raw HTTP server that stalls, and runs of the real binary (to the end, or in the
//! background and ended by a signal). Every wait is bounded by [`TIMEOUT`].

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aqua_server::{Config, LocalServer};

/// The longest any command, child process or condition is waited for.
pub const TIMEOUT: Duration = Duration::from_secs(60);

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a Tokio runtime for the local servers")
});

/// Starts a local server.
pub fn start(config: Config) -> LocalServer {
    RUNTIME
        .block_on(LocalServer::start(config))
        .expect("the local server starts")
}

/// A local server whose jobs complete about 150 ms after their submission.
pub fn start_fast() -> LocalServer {
    start(Config {
        submitted_for: Duration::from_millis(50),
        executing_for: Duration::from_millis(100),
        ..Config::default()
    })
}

/// `aqua` with basic credentials (`demo`/`demo`), no other `ZUORA_*` variable, no logging
/// and no backtraces, and `--base-url base_url`.
pub fn aqua(base_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aqua"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("ZUORA_") {
            cmd.env_remove(key);
        }
    }
    cmd.env_remove("AQUA_LOG")
        .env_remove("RUST_BACKTRACE")
        .env("ZUORA_USERNAME", "demo")
        .env("ZUORA_PASSWORD", "demo")
        .args(["--base-url", base_url])
        .stdin(Stdio::null());
    cmd
}

/// The outcome of a run of `aqua`.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn of(output: Output) -> Run {
        let run = Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        assert!(!run.stderr.contains("panicked"), "aqua panicked: {run:?}");
        run
    }

    /// Exit code `code`, nothing on stdout, and one line `error: …` on stderr, returned.
    pub fn failure(&self, code: i32) -> &str {
        assert_eq!(self.code, Some(code), "{self:?}");
        assert_eq!(self.stdout, "", "{self:?}");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line on stderr: {self:?}");
        assert!(lines[0].starts_with("error: "), "{self:?}");
        lines[0]
    }
}

/// Runs `cmd` to its end, killing it after [`TIMEOUT`].
pub fn run(cmd: &mut Command) -> Run {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("aqua can be started");
    wait_bounded(&mut child);
    let output = child.wait_with_output().expect("aqua's output");
    Run::of(output)
}

/// Waits until `child` exits; kills it (and fails) after [`TIMEOUT`].
fn wait_bounded(child: &mut Child) {
    let started = Instant::now();
    while child.try_wait().expect("aqua can be waited for").is_none() {
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("aqua did not exit within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `aqua` running in the background until a signal ends it.
pub struct Background {
    child: Option<Child>,
}

impl Background {
    pub fn spawn(cmd: &mut Command) -> Background {
        let child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("aqua can be started");
        Background { child: Some(child) }
    }

    /// Sends `signal` (`TERM`, `HUP`, `INT`, …) with `kill`, then waits for the exit.
    pub fn signal_and_wait(mut self, signal: &str) -> Run {
        let mut child = self.child.take().expect("a running child");
        let status = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .expect("kill can be run");
        assert!(status.success(), "kill -{signal} failed");
        wait_bounded(&mut child);
        let output = child.wait_with_output().expect("aqua's output");
        Run::of(output)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        // A test that failed before the process exited does not leave it behind.
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Waits until `condition` holds (at most [`TIMEOUT`]).
pub fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(
            started.elapsed() < TIMEOUT,
            "timed out waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The names of the entries of `dir`, sorted.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// What [`RawServer`] does with every request.
#[derive(Clone, Copy, Debug)]
pub enum Behaviour {
    /// Answers `200 text/csv` announcing 1 MB, sends 64 KiB of it, and then nothing.
    StallInBody,
    /// Reads the request and never answers.
    Silent,
    /// Answers the first request with `503` (which is retried), then is [`Behaviour::Silent`].
    UnavailableThenSilent,
}

/// A server on 127.0.0.1 that misbehaves on every connection, until dropped (and for at most
/// [`TIMEOUT`] per connection).
pub struct RawServer {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    requests: Arc<AtomicUsize>,
}

impl RawServer {
    pub fn start(behaviour: Behaviour) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("an address");
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let requests = Arc::new(AtomicUsize::new(0));
        let counted = requests.clone();
        listener.set_nonblocking(true).expect("non-blocking accept");
        std::thread::spawn(move || {
            let started = Instant::now();
            while !stopped.load(Ordering::Acquire) && started.elapsed() < TIMEOUT * 2 {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (stopped, counted) = (stopped.clone(), counted.clone());
                        std::thread::spawn(move || serve(stream, behaviour, &stopped, &counted));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        RawServer {
            addr,
            stop,
            requests,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The requests received so far (whole heads).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Acquire)
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

fn serve(
    mut stream: std::net::TcpStream,
    behaviour: Behaviour,
    stop: &AtomicBool,
    requests: &AtomicUsize,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let started = Instant::now();
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && started.elapsed() < TIMEOUT {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    if !head.windows(4).any(|w| w == b"\r\n\r\n") {
        return;
    }
    let seen = requests.fetch_add(1, Ordering::AcqRel);
    match behaviour {
        Behaviour::StallInBody => {
            let body = vec![b'x'; 64 * 1024];
            let answer =
                "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 1000000\r\n\r\n";
            if stream.write_all(answer.as_bytes()).is_err() || stream.write_all(&body).is_err() {
                return;
            }
            let _ = stream.flush();
        }
        Behaviour::UnavailableThenSilent if seen == 0 => {
            let body = r#"{"success":false,"reasons":[{"code":50000060,"message":"unavailable"}]}"#;
            let answer = format!(
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes());
            return;
        }
        Behaviour::Silent | Behaviour::UnavailableThenSilent => {}
    }
    // Hold the connection, without a byte more, until the client goes or the test ends.
    while !stop.load(Ordering::Acquire) && started.elapsed() < TIMEOUT {
        match stream.read(&mut buf) {
            Ok(0) => return,
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}
