//! `aqua`: run Zuora AQuA jobs, download their files and run a local AQuA server from a shell.
//!
//! A thin layer over the generated client (`zuora-aqua`) and the local server (`aqua-server`):
//! argument parsing, credentials from the environment, output, progress and exit codes.

mod commands;
mod demo;
mod export;
mod output;
mod signals;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit codes, documented in `--help`.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// An unexpected failure.
    pub const FAILURE: u8 = 1;
    /// Wrong arguments or missing configuration (clap uses 2 for usage errors too).
    pub const USAGE: u8 = 2;
    /// Authentication failed (HTTP 401, or the OAuth token could not be obtained).
    pub const AUTH: u8 = 3;
    /// Zuora answered with an error (an HTTP error status, or an error inside HTTP 200).
    pub const API: u8 = 4;
    /// Zuora could not be reached, the connection broke, or a request timed out.
    pub const NETWORK: u8 = 5;
    /// The job ended in `error`, `aborted` or `cancelled`.
    pub const JOB_FAILED: u8 = 6;
    /// The job did not finish before the deadline.
    pub const DEADLINE: u8 = 7;
    /// A local file could not be written (nothing is left at the target).
    pub const FILE: u8 = 8;
    /// `aqua export` cannot continue incrementally: run it again with `--full-reload`.
    pub const FULL_RELOAD: u8 = 9;
    /// Hung up: the terminal closed, or `SIGHUP` (128 + 1; nothing partial is left behind).
    pub const HUNG_UP: u8 = 129;
    /// Interrupted with Ctrl-C, or `SIGINT` (128 + 2; nothing partial is left behind).
    pub const INTERRUPTED: u8 = 130;
    /// Terminated with `SIGTERM` (128 + 15; nothing partial is left behind).
    pub const TERMINATED: u8 = 143;
}

const AFTER_HELP: &str = "\
Credentials come from the environment, never from arguments:
  ZUORA_USERNAME and ZUORA_PASSWORD          HTTP basic authentication
  ZUORA_CLIENT_ID and ZUORA_CLIENT_SECRET    OAuth 2.0 client credentials (preferred)

Exit codes:
  0 success                  5 network failure or timeout
  1 unexpected failure       6 the job failed (error, aborted, cancelled)
  2 usage or configuration   7 the job did not finish before the deadline
  3 authentication failed    8 a local file could not be written
  4 Zuora reported an error  9 export needs --full-reload
  129 hung up (SIGHUP)       130 interrupted (Ctrl-C, SIGINT)
  143 terminated (SIGTERM)
After a signal, nothing partial is left behind: a file being written is removed.

Try it without a Zuora tenant: `aqua demo`, or `aqua server` in one shell and
`ZUORA_USERNAME=demo ZUORA_PASSWORD=demo aqua --base-url http://127.0.0.1:PORT/v1 ...` in another.";

/// Run Zuora AQuA jobs, download their results, and run a local AQuA server.
#[derive(Parser, Debug)]
#[command(name = "aqua", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options of every command that talks to Zuora.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// A documented Zuora environment: `production` (= us-cloud1-production), `sandbox`
    /// (= us-cloud1-sandbox) or any name listed by `aqua environments`.
    #[arg(long, global = true, value_name = "NAME", conflicts_with = "base_url")]
    env: Option<String>,
    /// The server URL that prefixes the API paths, such as https://www.zuora.com/apps/api or
    /// https://rest.eu.zuora.com/v1 (plain http:// only for loopback hosts).
    #[arg(long, global = true, value_name = "URL")]
    base_url: Option<String>,
    /// Seconds allowed for each API call, retries included (at least 1). A download's
    /// response must start within it; its body then fails after 60 s without data.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
    /// Output format, `json` or `table` (JSON by default when standard output is not a
    /// terminal). For `file download`, the file to write instead.
    #[arg(long, short = 'o', global = true, value_name = "json|table|PATH")]
    output: Option<String>,
}

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// JSON, exactly as decoded.
    Json,
    /// Aligned text for people.
    Table,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the last completed job of a stateful partner/project session.
    LastJob {
        /// The partner ID of the session.
        #[arg(long)]
        partner: String,
        /// The project ID of the session.
        #[arg(long)]
        project: String,
    },
    /// Submit, inspect and cancel jobs.
    #[command(subcommand)]
    Job(JobCommand),
    /// Download result files.
    #[command(subcommand)]
    File(FileCommand),
    /// Keep a local copy of Zuora objects up to date, exactly once (a stateful AQuA
    /// session, windows for big objects, deleted records).
    Export(export::ExportArgs),
    /// List the documented environments and their base URLs.
    Environments,
    /// Run the local AQuA server until Ctrl-C.
    Server {
        /// The port on 127.0.0.1 (0 = any free port).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Inject a fault, e.g. `429`, `503:every=3`, `slow=2s:op=getJob` (repeatable).
        #[arg(long = "fault", value_name = "RULE")]
        faults: Vec<String>,
    },
    /// Run an export twice against a local server started in-process (a full load, then an
    /// incremental one) and print the row counts.
    Demo {
        /// Where the database goes (default: a new directory under the system's temporary
        /// directory).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum JobCommand {
    /// Submit a job.
    Submit(SubmitArgs),
    /// Print a job.
    Get {
        /// The job ID.
        id: String,
    },
    /// Cancel a job that has not completed.
    Cancel {
        /// The job ID.
        id: String,
    },
}

/// Arguments of `aqua job submit`.
#[derive(Args, Debug)]
pub struct SubmitArgs {
    /// The job name (at most 32 characters).
    #[arg(long)]
    pub name: String,
    /// A query as NAME=ZOQL, e.g. `accounts=select Id, Name from Account` (repeatable, at
    /// most 50).
    #[arg(long = "query", value_name = "NAME=ZOQL", required = true)]
    pub queries: Vec<String>,
    /// The partner ID of a stateful session (with --project).
    #[arg(long, requires = "project")]
    pub partner: Option<String>,
    /// The project ID of a stateful session (with --partner).
    #[arg(long, requires = "partner")]
    pub project: Option<String>,
    /// The format of the result files.
    #[arg(long, value_enum, default_value_t = FileFormat::Csv)]
    pub format: FileFormat,
    /// Wait until the job is finished (a progress display on a terminal).
    #[arg(long)]
    pub wait: bool,
    /// Longest wait, in seconds (with --wait or --download).
    #[arg(long, value_name = "SECONDS", default_value_t = 3 * 3600)]
    pub deadline: u64,
    /// Wait, then download every result file into DIR (checked before submitting: DIR must
    /// be a directory or not exist yet).
    #[arg(long, value_name = "DIR")]
    pub download: Option<PathBuf>,
    /// Unpack zip and gzip results into CSV files (with --download).
    #[arg(long, requires = "download")]
    pub decompress: bool,
    /// Replace result files that already exist in DIR (with --download).
    #[arg(long, requires = "download")]
    pub overwrite: bool,
}

/// The `format` of a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FileFormat {
    /// Plain CSV.
    Csv,
    /// CSV compressed with zip.
    Zip,
    /// CSV compressed with gzip.
    Gzip,
}

#[derive(Subcommand, Debug)]
enum FileCommand {
    /// Stream a file to disk (`--output PATH`); on any failure no file is left at PATH.
    Download {
        /// The file ID (a batch's fileId or one of its segments).
        file_id: String,
        /// Replace PATH if it exists.
        #[arg(long)]
        overwrite: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("AQUA_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    let signals = match runtime.block_on(async { signals::Signals::new() }) {
        Ok(signals) => signals,
        Err(e) => {
            eprintln!("error: cannot listen for signals: {e}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    let outcome = runtime.block_on(async {
        tokio::select! {
            result = commands::run(cli) => Ok(result),
            signal = signals.recv() => Err(signal),
        }
    });
    // The command's future is gone: the files it was writing are removed (their guards ran).
    let code = match outcome {
        Ok(Ok(())) => exit::OK,
        Ok(Err(failure)) => {
            eprintln!("error: {}", failure.message);
            failure.code
        }
        Err(signal) => {
            // Let work on blocking threads (writing, unpacking) see that it was cancelled and
            // clean up after itself; never wait for a stalled connection or a local server.
            runtime.shutdown_timeout(signals::CLEANUP);
            eprintln!(
                "error: {}; nothing partial was left behind{}",
                signal.describe(),
                commands::in_flight_note()
            );
            return ExitCode::from(signal.code());
        }
    };
    // Do not wait for a local server or stalled connections on the way out.
    runtime.shutdown_background();
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Clap checks the whole command line definition (unique names, ids and types).
    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
