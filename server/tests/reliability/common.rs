//! Helpers of the reliability tests: servers with fast timings and the tests' secrets,
//! clients, the `aqua` binary, a recording proxy. Every wait is bounded.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aqua_server::{Config, FaultRule, LocalServer};
use serde_json::{Value, json};
use zuora_aqua::runtime::RetryConfig;
use zuora_aqua::{Client, ClientConfig, Credentials, Job, SubmitJobRequest};

/// The password of the basic user of these tests: it must never show anywhere.
pub const PASSWORD: &str = "s3cr3t-pa55-XYZ";
/// The OAuth client secret of these tests: it must never show anywhere.
pub const CLIENT_SECRET: &str = "cl1ent-s3cr3t-QRS";
/// The basic user.
pub const USER: &str = "demo";
/// The OAuth client ID.
pub const CLIENT_ID: &str = "demo-client";

/// A submission from its JSON form.
pub fn request(json: Value) -> SubmitJobRequest {
    serde_json::from_value(json).expect("a valid SubmitJobRequest")
}

/// The file IDs of batch `index` of a completed job.
pub fn batch_files(job: &Job, index: usize) -> Vec<String> {
    zuora_aqua::batch_files(&job.batches.as_ref().expect("batches")[index])
}

/// A fresh temporary directory (created), removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "aqua-reliability-{}-{}-{name}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a temporary directory");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fast server configuration (jobs complete in about 90 ms) whose credentials are the distinctive secrets, with these
/// fault rules.
pub fn config(rules: &[&str]) -> Config {
    Config {
        users: vec![(USER.to_owned(), PASSWORD.to_owned())],
        oauth_clients: vec![(CLIENT_ID.to_owned(), CLIENT_SECRET.to_owned())],
        faults: rules
            .iter()
            .map(|r| {
                r.parse::<FaultRule>()
                    .unwrap_or_else(|e| panic!("{r}: {e}"))
            })
            .collect(),
        submitted_for: Duration::from_millis(30),
        executing_for: Duration::from_millis(60),
        ..Config::default()
    }
}

/// Starts a server with [`config`].
pub async fn server(rules: &[&str]) -> LocalServer {
    LocalServer::start(config(rules))
        .await
        .expect("the server starts")
}

/// Retries with short backoffs (10 ms ceiling before the first retry), but a maximum sleep
/// long enough to honour `Retry-After: 1`.
pub fn retry() -> RetryConfig {
    RetryConfig::default()
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_secs(2))
}

/// A client configuration with `timeout` for JSON calls and download stalls.
pub fn client_config(timeout: Duration) -> ClientConfig {
    ClientConfig::default()
        .with_connect_timeout(Duration::from_secs(2))
        .with_timeout(timeout)
        .with_download_stall_timeout(timeout)
        .with_retry(retry())
}

/// A basic-auth client of `base_url`.
pub fn basic_client(base_url: &str, timeout: Duration) -> Client {
    Client::with_config(
        base_url,
        Credentials::basic(USER, PASSWORD),
        client_config(timeout),
    )
    .expect("a valid client")
}

/// A small stateless job.
pub fn small_job(name: &str) -> SubmitJobRequest {
    request(json!({
        "name": name,
        "format": "csv",
        "queries": [{"name": "P", "query": "select Id, Name from AccountingPeriod"}]
    }))
}

/// Where `cargo` put the `aqua` binary: beside the directory of this test binary
/// (`target/<profile>/deps/it-…` → `target/<profile>/aqua`).
pub fn aqua_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary lives in target/<profile>/deps");
    let binary = profile_dir.join(format!("aqua{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.is_file(),
        "the `aqua` binary is not built at {}: run `cargo build -p aqua-cli` first \
         (`cargo test --workspace` builds it too)",
        binary.display()
    );
    binary
}

/// What a run of the `aqua` binary did.
#[derive(Debug)]
pub struct CliRun {
    /// The exit code (`None` when killed at the deadline).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// How long it ran.
    pub elapsed: Duration,
}

/// Runs `aqua` with `args` and only the `ZUORA_*`/`AQUA_LOG` variables of `env`, killing it
/// after `deadline`. Blocks: call it from `spawn_blocking`.
pub fn run_cli(args: &[String], env: &[(&str, &str)], deadline: Duration) -> CliRun {
    let mut command = Command::new(aqua_binary());
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, _) in std::env::vars() {
        if name.starts_with("ZUORA_") || name == "AQUA_LOG" {
            command.env_remove(name);
        }
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let started = Instant::now();
    let mut child = command.spawn().expect("the aqua binary starts");
    // Read both pipes on their own threads, so that a chatty child never blocks on a full pipe.
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let code = loop {
        match child.try_wait().expect("waiting for aqua") {
            Some(status) => break status.code(),
            None if started.elapsed() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    let elapsed = started.elapsed();
    CliRun {
        code,
        stdout: out.join().expect("the stdout reader"),
        stderr: err.join().expect("the stderr reader"),
        elapsed,
    }
}

/// A TCP proxy on 127.0.0.1 in front of `target` that records every byte in both directions
/// (to find the access tokens a server issued and the `Authorization` headers sent).
pub struct RecordingProxy {
    /// The proxy's address.
    pub addr: std::net::SocketAddr,
    /// Bytes from the server to the clients.
    pub downstream: Arc<Mutex<Vec<u8>>>,
    /// Bytes from the clients to the server.
    pub upstream: Arc<Mutex<Vec<u8>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RecordingProxy {
    /// Starts the proxy.
    pub async fn start(target: std::net::SocketAddr) -> RecordingProxy {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let addr = listener.local_addr().expect("the proxy's address");
        let downstream = Arc::new(Mutex::new(Vec::new()));
        let upstream = Arc::new(Mutex::new(Vec::new()));
        let (down, up) = (downstream.clone(), upstream.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = tokio::net::TcpStream::connect(target).await else {
                    continue;
                };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let up = up.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 16 * 1024];
                    while let Ok(n) = client_read.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        up.lock()
                            .expect("the upstream record")
                            .extend_from_slice(&buf[..n]);
                        if server_write.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = server_write.shutdown().await;
                });
                let down = down.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 16 * 1024];
                    while let Ok(n) = server_read.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        down.lock()
                            .expect("the downstream record")
                            .extend_from_slice(&buf[..n]);
                        if client_write.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = client_write.shutdown().await;
                });
            }
        });
        RecordingProxy {
            addr,
            downstream,
            upstream,
            task,
        }
    }

    /// The REST base URL through the proxy.
    pub fn rest_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Every `access_token` value the server sent through the proxy.
    pub fn issued_tokens(&self) -> Vec<String> {
        let bytes = self
            .downstream
            .lock()
            .expect("the downstream record")
            .clone();
        let text = String::from_utf8_lossy(&bytes);
        let mut tokens = Vec::new();
        for (at, _) in text.match_indices("\"access_token\":\"") {
            let rest = &text[at + "\"access_token\":\"".len()..];
            if let Some(end) = rest.find('"') {
                tokens.push(rest[..end].to_owned());
            }
        }
        tokens
    }

    /// Every bearer token the clients sent through the proxy.
    pub fn bearer_tokens(&self) -> Vec<String> {
        let bytes = self.upstream.lock().expect("the upstream record").clone();
        let text = String::from_utf8_lossy(&bytes);
        text.lines()
            .filter_map(|l| {
                let (name, value) = l.split_once(':')?;
                if !name.trim().eq_ignore_ascii_case("authorization") {
                    return None;
                }
                let value = value.trim();
                value
                    .strip_prefix("Bearer ")
                    .or_else(|| value.strip_prefix("bearer "))
                    .map(|t| t.trim().to_owned())
            })
            .collect()
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A loopback address where nothing listens (a port bound, then released).
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}/v1")
}
