//! Running `aqua export` against a local server in the test process, pausing it at a named
//! point (`AQUA_EXPORT_PAUSE_AT`) and killing it with SIGKILL, and comparing the copy with
//! the server's records.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::LazyLock;
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use aqua_server::{Config, LocalServer};
use serde_json::Value;

/// The longest a run, or the wait for a pause point, may take.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The runtime the local servers run on.
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a Tokio runtime for the local servers")
});

/// Jobs complete in about 60 ms; the data changes only when a test says so.
pub fn config() -> Config {
    Config {
        submitted_for: Duration::from_millis(20),
        executing_for: Duration::from_millis(40),
        change_after_each_job: false,
        ..Config::default()
    }
}

/// A local server and a database of a test.
pub struct Setup {
    pub server: LocalServer,
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

impl Setup {
    pub fn new(config: Config) -> Setup {
        let server = RUNTIME
            .block_on(LocalServer::start(config))
            .expect("the local server starts");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = dir.path().join("copy.db");
        Setup { server, dir, db }
    }

    /// `aqua --base-url … export --to sqlite:DB ARGS… --output json`, fast polls.
    pub fn command(&self, args: &[&str]) -> Command {
        self.command_to(&format!("sqlite:{}", self.db.display()), args)
    }

    /// [`Setup::command`] with another `--to`.
    pub fn command_to(&self, to: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_aqua"));
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            if key.starts_with("ZUORA_") || key.starts_with("AQUA_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("ZUORA_USERNAME", "demo")
            .env("ZUORA_PASSWORD", "demo")
            .env_remove("RUST_BACKTRACE")
            .arg("--base-url")
            .arg(self.server.rest_url())
            .arg("--output")
            .arg("json")
            .arg("export")
            .arg("--to")
            .arg(to)
            .args(["--poll-ms", "10"])
            .args(args)
            .stdin(Stdio::null());
        cmd
    }

    /// Runs to the end; returns the exit code, stdout and stderr.
    pub fn run(&self, args: &[&str]) -> Outcome {
        self.run_command(&mut self.command(args))
    }

    /// Runs `cmd` to the end.
    pub fn run_command(&self, cmd: &mut Command) -> Outcome {
        let args: Vec<String> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("aqua starts");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait_with_output());
        });
        let output = rx
            .recv_timeout(TIMEOUT)
            .unwrap_or_else(|_| panic!("aqua export {args:?} did not finish"))
            .expect("aqua can be waited for");
        Outcome {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs to the end and expects success; returns the summary.
    pub fn export(&self, args: &[&str]) -> Value {
        self.export_logged(args).0
    }

    /// [`Setup::export`] with the engine's logs (`AQUA_LOG=aqua_export=info`); returns the
    /// summary and standard error.
    pub fn export_logged(&self, args: &[&str]) -> (Value, String) {
        let outcome = self.run_command(self.command(args).env("AQUA_LOG", "aqua_export=info"));
        assert_eq!(outcome.code, 0, "aqua export {args:?}: {outcome:?}");
        let summary =
            serde_json::from_str(&outcome.stdout).unwrap_or_else(|e| panic!("{e}: {outcome:?}"));
        (summary, outcome.stderr)
    }

    /// Starts a run that pauses at `point`, waits until it does, and kills it with SIGKILL.
    pub fn kill_at(&self, point: &str, args: &[&str]) {
        let mut paused = Paused::start(self.command(args).env("AQUA_EXPORT_PAUSE_AT", point));
        paused.wait_for(&format!(
            "aqua export: paused at {}",
            point.split('#').next().unwrap_or(point)
        ));
        paused.kill();
    }

    /// Changes the server's data once.
    pub fn change(&self) {
        self.server.change_data();
    }

    /// Asserts that the tables of `objects` equal the server's records, row for row.
    pub fn assert_equal(&self, objects: &[&str]) {
        for object in objects {
            let records = self.server.records(object, true).expect("a known object");
            let mut expected = records.rows.clone();
            expected.sort_by(|a, b| a[0].cmp(&b[0]));
            let got = table(&self.db, object, &records.columns);
            assert_eq!(got.len(), expected.len(), "{object}: the number of rows");
            assert!(
                got == expected,
                "{object}: the rows differ from the server's"
            );
        }
    }

    /// The number of rows of `table`, `None` if it does not exist.
    pub fn rows(&self, table: &str) -> Option<i64> {
        let conn = rusqlite::Connection::open(&self.db).expect("the database opens");
        conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
            r.get(0)
        })
        .ok()
    }

    /// The files left in the work directory (`.copy.db.aqua`), recursively.
    pub fn work_files(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut dirs = vec![self.dir.path().join(".copy.db.aqua")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    out.push(path);
                }
            }
        }
        out
    }
}

/// The table `object` in the server's column order, sorted by Id.
fn table(db: &Path, object: &str, columns: &[String]) -> Vec<Vec<Option<String>>> {
    let conn = rusqlite::Connection::open(db).expect("the database opens");
    let list: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {} FROM \"{object}\" ORDER BY \"Id\"",
            list.join(", ")
        ))
        .unwrap_or_else(|e| panic!("{object}: {e}"));
    let n = columns.len();
    stmt.query_map([], |r| (0..n).map(|i| r.get(i)).collect())
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// How a run ended.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A run that is to pause at a point.
pub struct Paused {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Paused {
    /// Starts `cmd` (which sets `AQUA_EXPORT_PAUSE_AT`).
    pub fn start(cmd: &mut Command) -> Paused {
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("aqua starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Paused {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits until the run prints `marker` on stderr.
    pub fn wait_for(&mut self, marker: &str) {
        loop {
            match self.lines.recv_timeout(TIMEOUT) {
                Ok(line) if line == marker => return,
                Ok(line) => self.seen.push(line),
                Err(e) => {
                    let _ = self.child.kill();
                    let status = self.child.wait();
                    panic!(
                        "no `{marker}` ({e}); exit {status:?}; stderr: {:?}",
                        self.seen
                    );
                }
            }
        }
    }

    /// `kill -9`: the process gets no chance to clean up.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL can be sent");
        let status = self.child.wait().expect("aqua can be waited for");
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(status.signal(), Some(9), "killed by SIGKILL: {status:?}");
        }
        let _ = status;
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The summary entry of `object`.
pub fn object<'a>(summary: &'a Value, name: &str) -> &'a Value {
    summary["objects"]
        .as_array()
        .and_then(|objects| objects.iter().find(|o| o["name"] == name))
        .unwrap_or_else(|| panic!("{name} is not in {summary}"))
}

/// A count of the summary entry of `object`.
pub fn count(summary: &Value, name: &str, key: &str) -> u64 {
    object(summary, name)[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} of {name}"))
}
