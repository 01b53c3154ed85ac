//! One child process under limits, whose end is always observed: it exits, is killed by a
//! signal (a stack overflow aborts, an allocation past the memory limit aborts), uses up its
//! CPU time (`SIGXCPU`), or runs past its wall-clock time and is killed with its whole
//! process group.
//!
//! The CPU-time limit is the one to judge a hang by on a shared machine: it does not depend
//! on how many other processes run. The wall-clock limit is the backstop.

use std::ffi::OsString;
use std::fs::File;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How a child process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// It exited with this code.
    Exited(i32),
    /// A signal killed it (6 = `SIGABRT`: Rust's stack overflow handler and failed allocations).
    Signaled(i32),
    /// It ran past the wall-clock limit and was killed, with its process group.
    TimedOut,
    /// It used up its CPU-time limit (`SIGXCPU`).
    CpuLimit,
}

impl End {
    /// `exit 1`, `signal 6`, `timed out`.
    pub fn describe(self) -> String {
        match self {
            End::Exited(code) => format!("exit {code}"),
            End::Signaled(signal) => format!("signal {signal}"),
            End::TimedOut => "timed out".to_owned(),
            End::CpuLimit => "CPU time limit".to_owned(),
        }
    }
}

/// What a finished child left.
#[derive(Debug)]
pub struct Finished {
    /// How it ended.
    pub end: End,
    /// Wall-clock time from spawn to end.
    pub elapsed: Duration,
    /// Its standard output (empty when it went to a file of the caller's).
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

/// A command to run under limits: program, arguments, environment, directory.
#[derive(Clone, Debug)]
pub struct Run {
    program: OsString,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    dir: Option<PathBuf>,
    time_limit: Duration,
    memory_limit: Option<u64>,
    cpu_limit: Option<u64>,
    stdout_file: Option<PathBuf>,
}

impl Run {
    /// `program` with no arguments, a time limit of ten minutes and no memory limit.
    pub fn new(program: impl Into<OsString>) -> Self {
        Run {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            dir: None,
            time_limit: Duration::from_secs(600),
            memory_limit: None,
            cpu_limit: None,
            stdout_file: None,
        }
    }

    /// Appends one argument.
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Appends arguments.
    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable for the child.
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Runs the child in `dir`.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// Kills the child (and its process group) after `limit`.
    pub fn time_limit(mut self, limit: Duration) -> Self {
        self.time_limit = limit;
        self
    }

    /// Limits the child's address space to `bytes` (`prlimit --as`, inherited by its
    /// children). An allocation past it fails; Rust programs then abort.
    pub fn memory_limit(mut self, bytes: Option<u64>) -> Self {
        self.memory_limit = bytes;
        self
    }

    /// Limits the child's CPU time to `seconds` (`prlimit --cpu`, soft limit; the hard limit
    /// is 5 s later). Past it, the kernel sends `SIGXCPU`, which ends it.
    pub fn cpu_limit(mut self, seconds: Option<u64>) -> Self {
        self.cpu_limit = seconds;
        self
    }

    /// Sends standard output to `path` instead of keeping it in memory.
    pub fn stdout_to(mut self, path: impl Into<PathBuf>) -> Self {
        self.stdout_file = Some(path.into());
        self
    }

    /// The command line, for messages.
    pub fn display(&self) -> String {
        std::iter::once(&self.program)
            .chain(&self.args)
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs the child to its end. Errors only when it cannot be started or observed.
    pub fn run(&self) -> std::io::Result<Finished> {
        let scratch = tempfile::tempdir()?;
        let stdout_path = self
            .stdout_file
            .clone()
            .unwrap_or_else(|| scratch.path().join("stdout"));
        let stderr_path = scratch.path().join("stderr");
        let mut command = if self.memory_limit.is_some() || self.cpu_limit.is_some() {
            // prlimit sets the limits and then execs the program: same process, same group.
            let mut c = Command::new("prlimit");
            if let Some(bytes) = self.memory_limit {
                c.arg(format!("--as={bytes}"));
            }
            if let Some(seconds) = self.cpu_limit {
                c.arg(format!("--cpu={seconds}:{}", seconds + 5));
            }
            c.arg("--").arg(&self.program);
            c
        } else {
            Command::new(&self.program)
        };
        command
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(File::create(&stdout_path)?)
            .stderr(File::create(&stderr_path)?)
            // Its own process group, so that a timeout kills its children too (cargo's rustc).
            .process_group(0);
        if let Some(dir) = &self.dir {
            command.current_dir(dir);
        }
        let start = Instant::now();
        let mut child = command.spawn()?;
        let pid = child.id();
        let (sender, receiver) = mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let status = child.wait();
            let elapsed = start.elapsed();
            let _ = sender.send((status, elapsed));
        });
        let (status, elapsed, timed_out) = match receiver.recv_timeout(self.time_limit) {
            Ok((status, elapsed)) => (status, elapsed, false),
            Err(_) => {
                kill_group(pid);
                let (status, _) = receiver
                    .recv()
                    .map_err(|_| std::io::Error::other("the waiting thread stopped"))?;
                (status, start.elapsed(), true)
            }
        };
        let _ = waiter.join();
        let status = status?;
        let end = match end_of(status) {
            _ if timed_out => End::TimedOut,
            // SIGXCPU comes only from the CPU-time limit.
            End::Signaled(24) if self.cpu_limit.is_some() => End::CpuLimit,
            end => end,
        };
        let stdout = if self.stdout_file.is_some() {
            String::new()
        } else {
            read_lossy(&stdout_path)?
        };
        Ok(Finished {
            end,
            elapsed,
            stdout,
            stderr: read_lossy(&stderr_path)?,
        })
    }
}

fn end_of(status: ExitStatus) -> End {
    use std::os::unix::process::ExitStatusExt as _;
    match (status.code(), status.signal()) {
        (Some(code), _) => End::Exited(code),
        (None, Some(signal)) => End::Signaled(signal),
        (None, None) => End::Exited(-1),
    }
}

/// `kill -KILL -- -PGID`: the child leads its own group (`process_group(0)`).
fn kill_group(pid: u32) {
    let _ = Command::new("kill")
        .args(["-s", "KILL", "--", &format!("-{pid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

fn read_lossy(path: &Path) -> std::io::Result<String> {
    let bytes = std::fs::read(path)?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}
