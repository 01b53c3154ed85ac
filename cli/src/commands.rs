//! The commands: each turns its arguments into calls of the generated client.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use zuora_aqua::runtime::{DownloadError, Error as RuntimeError, RetryConfig};
use zuora_aqua::{
    Client, ClientConfig, Credentials, DownloadOptions, Environment, Error, ErrorResponse, Job,
    Query, QueryType, RequestedFormat, SubmitJobRequest, WaitError,
};

use crate::{Cli, Command, FileCommand, FileFormat, Format, Global, JobCommand, SubmitArgs, exit};

/// Why a command failed: the exit code and the one line printed on stderr.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub(crate) fn new(code: u8, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// The failure, with the job it concerns named first (unless the message already does).
    fn about_job(self, id: &str) -> Self {
        if self.message.contains(id) {
            return self;
        }
        Failure::new(self.code, format!("job {id}: {}", self.message))
    }
}

/// The exit code of a client error.
pub(crate) fn code_of<E>(err: &RuntimeError<E>) -> u8 {
    match err {
        RuntimeError::InvalidRequest { .. } => exit::USAGE,
        RuntimeError::Transport(_) => exit::NETWORK,
        RuntimeError::Auth(_) => exit::AUTH,
        RuntimeError::Status(s) if s.status.as_u16() == 401 => exit::AUTH,
        RuntimeError::Download(d) => match **d {
            DownloadError::Exists { .. } | DownloadError::Io { .. } | DownloadError::Write(_) => {
                exit::FILE
            }
            _ => exit::NETWORK,
        },
        _ => exit::API,
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Failure::new(code_of(&err), err.to_string())
    }
}

impl From<WaitError<Job, ErrorResponse>> for Failure {
    fn from(err: WaitError<Job, ErrorResponse>) -> Self {
        match err {
            WaitError::Failed(job) => Failure::new(
                exit::JOB_FAILED,
                format!(
                    "job {} ended with status {}{}",
                    job.id.as_deref().unwrap_or("?"),
                    job.status.as_ref().map_or("?", |s| s.as_str()),
                    failure_detail(&job)
                ),
            ),
            WaitError::Request(e) => e.into(),
            other => Failure::new(exit::DEADLINE, other.to_string()),
        }
    }
}

/// The first batch message of a failed job, if any.
fn failure_detail(job: &Job) -> String {
    job.batches
        .iter()
        .flatten()
        .filter_map(|b| b.message.as_deref().filter(|m| !m.is_empty()))
        .next()
        .map(|m| format!(": {m}"))
        .unwrap_or_default()
}

/// Credentials from the environment: OAuth client credentials first, then basic.
fn credentials() -> Result<Credentials, Failure> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let (Some(id), Some(secret)) = (var("ZUORA_CLIENT_ID"), var("ZUORA_CLIENT_SECRET")) {
        return Ok(Credentials::oauth(id, secret));
    }
    if let (Some(user), Some(password)) = (var("ZUORA_USERNAME"), var("ZUORA_PASSWORD")) {
        return Ok(Credentials::basic(user, password));
    }
    Err(Failure::new(
        exit::USAGE,
        "no credentials: set ZUORA_CLIENT_ID and ZUORA_CLIENT_SECRET, or ZUORA_USERNAME and ZUORA_PASSWORD",
    ))
}

fn environment(name: &str) -> Result<Environment, Failure> {
    let name = match name {
        "production" => "us-cloud1-production",
        "sandbox" => "us-cloud1-sandbox",
        other => other,
    };
    name.parse()
        .map_err(|e: zuora_aqua::runtime::UnknownEnvironment| {
            Failure::new(
                exit::USAGE,
                format!("{e} (or the aliases production, sandbox)"),
            )
        })
}

pub(crate) fn client(global: &Global) -> Result<Client, Failure> {
    let base_url = match (&global.base_url, &global.env) {
        (Some(url), _) => url.clone(),
        (None, Some(env)) => environment(env)?.base_url().to_owned(),
        (None, None) => {
            return Err(Failure::new(
                exit::USAGE,
                "give --env NAME (see `aqua environments`) or --base-url URL",
            ));
        }
    };
    // Each attempt may take the whole budget, and no retry is planned past it; `within`
    // makes it a hard limit of the whole call.
    let budget = budget(global);
    let config = ClientConfig::default()
        .with_timeout(budget)
        .with_retry(RetryConfig::default().with_max_total(budget));
    Client::with_config(&base_url, credentials()?, config)
        .map_err(|e| Failure::new(exit::USAGE, e.to_string()))
}

/// The time budget of one API call: `--timeout`.
fn budget(global: &Global) -> Duration {
    Duration::from_secs(global.timeout)
}

/// Runs one API call within the budget of `--timeout`: its attempts, the sleeps between them
/// and any OAuth token request all end within it. For a download, that is the wait for the
/// response head; the body then only has to keep arriving (no 60 s without data).
async fn within<T>(
    global: &Global,
    operation: &str,
    call: impl Future<Output = Result<T, Error>>,
) -> Result<T, Failure> {
    within_budget(budget(global), operation, call).await
}

async fn within_budget<T>(
    budget: Duration,
    operation: &str,
    call: impl Future<Output = Result<T, Error>>,
) -> Result<T, Failure> {
    let spent = || {
        Failure::new(
            exit::NETWORK,
            format!(
                "{operation}: no complete answer within {} s (--timeout, the time of one API call, retries included)",
                budget.as_secs()
            ),
        )
    };
    match tokio::time::timeout(budget, call).await {
        // An attempt may take the whole budget: its own timeout means the budget is spent
        // too, whichever of the two timers fired first.
        Ok(Err(RuntimeError::Transport(t))) if t.source.is_timeout() => Err(spent()),
        Ok(result) => result.map_err(Failure::from),
        Err(_) => Err(spent()),
    }
}

fn spinner(message: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<(), Failure> {
    // `--output` names the file of `file download`, and the output format everywhere else.
    let download = matches!(cli.command, Command::File(FileCommand::Download { .. }));
    let format = if download {
        crate::output::format(None)
    } else {
        crate::output::format(cli.global.output.as_deref())
    }
    .map_err(|m| Failure::new(exit::USAGE, m))?;
    match cli.command {
        Command::LastJob { partner, project } => {
            let client = client(&cli.global)?;
            let call = client.get_last_completed_job(partner, project).send();
            let job = within(&cli.global, "getLastCompletedJob", call).await?;
            crate::output::job(&job, format);
        }
        Command::Job(JobCommand::Get { id }) => {
            let client = client(&cli.global)?;
            let job = within(&cli.global, "getJob", client.get_job(id).send()).await?;
            crate::output::job(&job, format);
        }
        Command::Job(JobCommand::Cancel { id }) => {
            let client = client(&cli.global)?;
            let job = within(&cli.global, "cancelJob", client.cancel_job(id).send()).await?;
            crate::output::job(&job, format);
        }
        Command::Job(JobCommand::Submit(args)) => {
            let client = client(&cli.global)?;
            submit(&client, budget(&cli.global), args, format).await?;
        }
        Command::File(FileCommand::Download { file_id, overwrite }) => {
            let Some(output) = cli.global.output.as_deref().map(PathBuf::from) else {
                return Err(Failure::new(
                    exit::USAGE,
                    "file download needs --output PATH, the file to write",
                ));
            };
            let client = client(&cli.global)?;
            let bytes =
                download_file(&client, budget(&cli.global), &file_id, &output, overwrite).await?;
            match format {
                Format::Json => crate::output::json(&serde_json::json!({
                    "fileId": file_id,
                    "path": output.display().to_string(),
                    "bytes": bytes,
                })),
                Format::Table => println!("{}  {bytes} bytes", output.display()),
            }
        }
        Command::Environments => match format {
            Format::Json => {
                let list: Vec<serde_json::Value> = Environment::ALL
                    .iter()
                    .map(|e| serde_json::json!({"name": e.name(), "baseUrl": e.base_url(), "description": e.description()}))
                    .collect();
                crate::output::json(&list);
            }
            Format::Table => {
                for e in Environment::ALL {
                    println!("{:<26} {}", e.name(), e.base_url());
                }
            }
        },
        Command::Export(args) => crate::export::run(&cli.global, args, format).await?,
        Command::Server { port, faults } => serve(port, faults).await?,
        Command::Demo { dir } => crate::demo::run(dir).await?,
    }
    Ok(())
}

fn parse_query(text: &str) -> Result<Query, Failure> {
    let Some((name, zoql)) = text.split_once('=') else {
        return Err(Failure::new(
            exit::USAGE,
            format!("--query `{text}` must be NAME=ZOQL"),
        ));
    };
    if name.trim().is_empty() || zoql.trim().is_empty() {
        return Err(Failure::new(
            exit::USAGE,
            format!("--query `{text}` must be NAME=ZOQL with both parts"),
        ));
    }
    Ok(Query::new(zoql.trim())
        .name(name.trim())
        .type_(QueryType::Zoqlexport))
}

/// The job submitted by this process that is still being waited for or downloaded, so that
/// an interruption can say which job keeps running.
static IN_FLIGHT: Mutex<Option<String>> = Mutex::new(None);

fn set_in_flight(id: Option<&str>) {
    if let Ok(mut slot) = IN_FLIGHT.lock() {
        *slot = id.map(str::to_owned);
    }
}

/// What an interruption leaves on Zuora's side: `"; job ID keeps running …"` while a
/// submitted job is waited for, else nothing.
pub fn in_flight_note() -> String {
    match IN_FLIGHT.lock().ok().and_then(|slot| slot.clone()) {
        Some(id) => format!(
            "; job {id} was submitted and keeps running (`aqua job get {id}`, `aqua job cancel {id}`)"
        ),
        None => String::new(),
    }
}

/// Checks `--download DIR` before anything is submitted: DIR must be a directory, or not exist
/// yet under a directory.
fn check_download_dir(dir: &Path) -> Result<(), Failure> {
    let not_a_dir = |path: &Path| {
        Failure::new(
            exit::FILE,
            format!(
                "--download {}: {} exists and is not a directory; nothing was submitted",
                dir.display(),
                path.display()
            ),
        )
    };
    // The nearest part of the path that exists must be a directory.
    let mut path = dir;
    loop {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => return Ok(()),
            Ok(_) => return Err(not_a_dir(path)),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) => {}
            Err(e) => {
                return Err(Failure::new(
                    exit::FILE,
                    format!("--download {}: {e}; nothing was submitted", dir.display()),
                ));
            }
        }
        match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => path = parent,
            // A relative path's first component: its parent is the current directory.
            _ => return Ok(()),
        }
    }
}

async fn submit(
    client: &Client,
    budget: Duration,
    args: SubmitArgs,
    format: Format,
) -> Result<(), Failure> {
    let queries = args
        .queries
        .iter()
        .map(|q| parse_query(q))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(dir) = &args.download {
        check_download_dir(dir)?;
    }
    let mut request = SubmitJobRequest::new()
        .name(args.name)
        .format(match args.format {
            FileFormat::Csv => RequestedFormat::Csv,
            FileFormat::Zip => RequestedFormat::Zip,
            FileFormat::Gzip => RequestedFormat::Gzip,
        })
        .version("1.1")
        .use_query_labels(true)
        .queries(queries);
    if let (Some(partner), Some(project)) = (args.partner, args.project) {
        request = request.partner(partner).project(project);
    }
    let job = within_budget(budget, "submitJob", client.submit_job(request).send()).await?;
    if !args.wait && args.download.is_none() {
        crate::output::job(&job, format);
        return Ok(());
    }
    let id = job.id.clone().unwrap_or_default();
    set_in_flight(Some(&id));
    let job = wait(client, &id, Duration::from_secs(args.deadline))
        .await
        .map_err(|f| f.about_job(&id))?;
    set_in_flight(None);
    match args.download {
        None => crate::output::job(&job, format),
        Some(dir) => {
            let files = download_results(client, &job, &dir, args.decompress, args.overwrite)
                .await
                .map_err(|f| {
                    Failure::new(
                        f.code,
                        format!(
                            "job {id} completed, but downloading its results failed: {}",
                            f.message
                        ),
                    )
                })?;
            match format {
                Format::Json => crate::output::json(&serde_json::json!({
                    "job": job,
                    "files": files.iter().map(|f| serde_json::json!({
                        "batch": f.batch,
                        "fileId": f.file_id,
                        "path": f.path.display().to_string(),
                        "bytes": f.bytes,
                    })).collect::<Vec<_>>(),
                })),
                Format::Table => {
                    crate::output::job(&job, format);
                    println!();
                    crate::output::files(&files, format);
                }
            }
        }
    }
    Ok(())
}

async fn wait(client: &Client, id: &str, deadline: Duration) -> Result<Job, Failure> {
    let bar = spinner(&format!("job {id}: waiting"));
    let progress = bar.clone();
    let owned_id = id.to_owned();
    let result = client
        .wait_for_job(id)
        .deadline(deadline)
        .on_status_change(move |job: &Job| {
            let status = job.status.as_ref().map_or("unknown", |s| s.as_str());
            progress.set_message(format!("job {owned_id}: {status}"));
        })
        .await;
    bar.finish_and_clear();
    Ok(result?)
}

async fn download_results(
    client: &Client,
    job: &Job,
    dir: &Path,
    decompress: bool,
    overwrite: bool,
) -> Result<Vec<zuora_aqua::ResultFile>, Failure> {
    let bar = spinner(&format!("downloading results to {}", dir.display()));
    let options = DownloadOptions::default()
        .decompress(decompress)
        .overwrite(overwrite);
    let result = client.download_job_results(job, dir, options).await;
    bar.finish_and_clear();
    result.map_err(|e| match &e {
        RuntimeError::Download(d) => match &**d {
            DownloadError::Exists { path } => Failure::new(
                exit::FILE,
                format!(
                    "{} already exists; pass --overwrite to replace it, or choose another --download directory",
                    path.display()
                ),
            ),
            _ => e.into(),
        },
        _ => e.into(),
    })
}

async fn download_file(
    client: &Client,
    budget: Duration,
    file_id: &str,
    output: &Path,
    overwrite: bool,
) -> Result<u64, Failure> {
    if !overwrite && output.exists() {
        return Err(Failure::new(
            exit::FILE,
            format!(
                "{} exists; pass --overwrite to replace it",
                output.display()
            ),
        ));
    }
    let call = client.download_file(file_id).send();
    let download = within_budget(budget, "downloadFile", call).await?;
    let bar = match download.content_length() {
        Some(len) => {
            let bar = ProgressBar::new(len);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        }
        None => spinner(&format!("downloading {file_id}")),
    };
    let progress = bar.clone();
    let result = download
        .save_with_progress(output, overwrite, move |n| progress.set_position(n))
        .await;
    bar.finish_and_clear();
    result.map_err(|e| Failure::from(Error::from(e)))
}

pub(crate) async fn start_server(
    port: u16,
    faults: &[String],
    base: aqua_server::Config,
) -> Result<aqua_server::LocalServer, Failure> {
    let mut config = aqua_server::Config { port, ..base };
    for rule in faults {
        let rule: aqua_server::FaultRule = rule
            .parse()
            .map_err(|e| Failure::new(exit::USAGE, format!("--fault `{rule}`: {e}")))?;
        config.faults.push(rule);
    }
    aqua_server::LocalServer::start(config)
        .await
        .map_err(|e| Failure::new(exit::FAILURE, format!("cannot start the local server: {e}")))
}

async fn serve(port: u16, faults: Vec<String>) -> Result<(), Failure> {
    let server = start_server(port, &faults, aqua_server::Config::default()).await?;
    println!("local AQuA server listening on {}", server.addr());
    println!("  REST base URL:   {}", server.rest_url());
    println!("  legacy base URL: {}", server.legacy_url());
    println!("  basic auth:      ZUORA_USERNAME=demo ZUORA_PASSWORD=demo");
    println!("  OAuth:           ZUORA_CLIENT_ID=demo-client ZUORA_CLIENT_SECRET=demo-secret");
    println!("press Ctrl-C to stop");
    // Runs until Ctrl-C, which `main` reports as an interruption (exit code 130).
    std::future::pending::<()>().await;
    Ok(())
}
