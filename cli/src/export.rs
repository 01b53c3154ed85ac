//! `aqua export`: the command line of the export engine (`aqua-export`), its progress display
//! and its summary.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aqua_export::{
    Event, ExportError, ObjectSpec, Options, Packaging, Progress, SqliteDestination, Summary,
    Timings, WindowSpec,
};
use chrono::NaiveDate;
use clap::Args;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::commands::{Failure, client, code_of};
use crate::{FileFormat, Format, Global, exit};

/// Arguments of `aqua export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Where the copy goes: sqlite:PATH, a SQLite database file (created if needed).
    #[arg(long, value_name = "sqlite:PATH")]
    pub to: String,
    /// An object to copy, NAME or NAME=ZOQL (default query: select * from NAME; it must
    /// select Id). Repeatable; each object becomes a table.
    #[arg(long = "object", value_name = "NAME[=ZOQL]", required = true)]
    pub objects: Vec<String>,
    /// The partner of the stateful AQuA session (default: aqua).
    #[arg(long)]
    pub partner: Option<String>,
    /// The project of the stateful AQuA session (default: the database file name).
    #[arg(long)]
    pub project: Option<String>,
    /// Ask incremental loads for deleted records and delete them from the copy.
    #[arg(long)]
    pub deleted: bool,
    /// Load objects too big for one job in windows of DAYS days of --field, one stateless
    /// job each (with --since).
    #[arg(long, value_name = "DAYS", requires = "since")]
    pub window: Option<u32>,
    /// The start of the first window (YYYY-MM-DD); the first window also takes everything
    /// before it.
    #[arg(long, value_name = "DATE", requires = "window", value_parser = date)]
    pub since: Option<NaiveDate>,
    /// The date-time field the windows cut.
    #[arg(long, value_name = "FIELD", default_value = "UpdatedDate")]
    pub field: String,
    /// Window only these objects (repeatable; default: every object, with --window).
    #[arg(long = "windowed", value_name = "NAME", requires = "window")]
    pub windowed: Vec<String>,
    /// The most AQuA jobs running at once (1 to 50, Zuora's limit).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub jobs: usize,
    /// Reload every object in full instead of incrementally (after expired files, or when
    /// another client moved the session).
    #[arg(long)]
    pub full_reload: bool,
    /// The format AQuA writes results in.
    #[arg(long, value_enum, default_value_t = FileFormat::Gzip)]
    pub format: FileFormat,
    /// Longest wait for one job, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3 * 3600)]
    pub deadline: u64,
    /// How far back an increment of a windowed object starts before the last value seen
    /// of --field, in minutes.
    #[arg(long, value_name = "MINUTES", default_value_t = 60)]
    pub overlap: u64,
    /// First interval between polls of a job, in milliseconds (for tests).
    #[arg(long, value_name = "MS", default_value_t = 500, hide = true)]
    pub poll_ms: u64,
}

fn date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date YYYY-MM-DD"))
}

/// The database path of `--to sqlite:PATH`.
fn sqlite_path(to: &str) -> Result<PathBuf, Failure> {
    match to.strip_prefix("sqlite:") {
        Some(path) if !path.is_empty() => Ok(PathBuf::from(path)),
        _ => Err(Failure::new(
            exit::USAGE,
            format!("--to `{to}`: give sqlite:PATH (SQLite is the only destination so far)"),
        )),
    }
}

/// The default project: the database file name without its extension, reduced to
/// `[A-Za-z0-9._-]`.
pub fn default_project(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if clean.is_empty() {
        "aqua-export".to_owned()
    } else {
        clean
    }
}

/// The directory where result files wait to be applied: `.<file>.aqua` beside the database.
pub fn work_dir(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".to_owned());
    path.parent()
        .unwrap_or(Path::new("."))
        .join(format!(".{name}.aqua"))
}

fn options(args: &ExportArgs, path: &Path) -> Result<Options, Failure> {
    let usage = |m: String| Failure::new(exit::USAGE, m);
    let window = match (args.window, args.since) {
        (Some(days), Some(since)) => Some(WindowSpec {
            days,
            since,
            field: args.field.clone(),
        }),
        _ => None,
    };
    let mut objects = Vec::new();
    for text in &args.objects {
        let (name, query) = match text.split_once('=') {
            Some((name, query)) if !query.trim().is_empty() => (name.trim(), Some(query.trim())),
            Some(_) => {
                return Err(usage(format!(
                    "--object `{text}`: the query after `=` is empty"
                )));
            }
            None => (text.trim(), None),
        };
        let mut object = ObjectSpec::new(name);
        if let Some(query) = query {
            object = object.query(query);
        }
        let windowed =
            args.windowed.is_empty() || args.windowed.iter().any(|w| w.eq_ignore_ascii_case(name));
        if let (Some(window), true) = (&window, windowed) {
            object = object.window(window.clone());
        }
        objects.push(object);
    }
    for name in &args.windowed {
        if !objects.iter().any(|o| o.name.eq_ignore_ascii_case(name)) {
            return Err(usage(format!("--windowed {name}: no --object {name}")));
        }
    }
    let project = args
        .project
        .clone()
        .unwrap_or_else(|| default_project(path));
    let mut options = Options::new(
        objects,
        args.partner.clone().unwrap_or_else(|| "aqua".to_owned()),
        project,
        work_dir(path),
    );
    options.deleted = args.deleted;
    options.jobs = args.jobs;
    options.full_reload = args.full_reload;
    options.packaging = match args.format {
        FileFormat::Csv => Packaging::Csv,
        FileFormat::Zip => Packaging::Zip,
        FileFormat::Gzip => Packaging::Gzip,
    };
    options.overlap = Duration::from_secs(args.overlap * 60);
    let poll = Duration::from_millis(args.poll_ms.max(1));
    options.timings = Timings::default()
        .with_polls(poll, Duration::from_secs(10).max(poll))
        .with_job_deadline(Duration::from_secs(args.deadline.max(1)));
    Ok(options)
}

/// The exit code and message of an export error.
pub fn failure(e: ExportError) -> Failure {
    let code = match &e {
        ExportError::Usage(_) => exit::USAGE,
        ExportError::Request { source, .. } => code_of(source),
        ExportError::JobFailed { .. } => exit::JOB_FAILED,
        ExportError::Deadline { .. } => exit::DEADLINE,
        ExportError::NeedsFullReload(_) => exit::FULL_RELOAD,
        ExportError::BadFile { .. } => exit::API,
        ExportError::Destination { .. } | ExportError::Io { .. } | ExportError::Busy { .. } => {
            exit::FILE
        }
        _ => exit::FAILURE,
    };
    let mut message = e.to_string();
    if let ExportError::Destination {
        source: Some(source),
        ..
    } = &e
    {
        message = format!("{message}: {source}");
    }
    Failure::new(code, message.replace('\n', " "))
}

/// Runs `aqua export`.
pub async fn run(global: &Global, args: ExportArgs, format: Format) -> Result<(), Failure> {
    let path = sqlite_path(&args.to)?;
    let options = options(&args, &path)?;
    options.validate().map_err(failure)?;
    let client = client(global)?;
    let destination = SqliteDestination::open(&path).map_err(failure)?;
    let bars = Arc::new(Bars::new());
    let result = aqua_export::export(&client, destination, &options, bars.clone()).await;
    bars.clear();
    let summary = result.map_err(failure)?;
    print_summary(&summary, format);
    Ok(())
}

/// Prints the summary as JSON or a table.
pub fn print_summary(summary: &Summary, format: Format) {
    match format {
        Format::Json => crate::output::json(summary),
        Format::Table => print!("{}", summary_table(summary)),
    }
}

/// The summary as aligned text.
pub fn summary_table(summary: &Summary) -> String {
    let mut out = format!(
        "{} (session {}/{})\n",
        summary.destination, summary.partner, summary.project
    );
    out.push_str(&format!(
        "{:<24} {:<9} {:<12} {:>9} {:>9} {:>9} {:>9} {:>5}\n",
        "object", "mode", "load", "inserted", "updated", "deleted", "rows", "jobs"
    ));
    for o in &summary.objects {
        out.push_str(&format!(
            "{:<24} {:<9} {:<12} {:>9} {:>9} {:>9} {:>9} {:>5}\n",
            o.name, o.mode, o.load, o.inserted, o.updated, o.deleted, o.rows, o.jobs
        ));
    }
    out.push_str(&format!(
        "jobs: {} submitted, {} recovered from an earlier run, {} waits for AQuA capacity; {:.1} s\n",
        summary.jobs_submitted,
        summary.jobs_recovered,
        summary.busy_waits,
        summary.elapsed.as_secs_f64()
    ));
    for note in &summary.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    out
}

/// What a task's line shows.
#[derive(Default)]
struct Line {
    job: Option<String>,
    status: String,
    bytes: u64,
    rows: u64,
}

/// One spinner line per task on standard error (hidden when it is not a terminal).
pub struct Bars {
    multi: MultiProgress,
    lines: Mutex<HashMap<String, (ProgressBar, Line)>>,
}

impl Default for Bars {
    fn default() -> Self {
        Self::new()
    }
}

impl Bars {
    /// No lines yet.
    pub fn new() -> Self {
        Bars {
            multi: MultiProgress::new(),
            lines: Mutex::new(HashMap::new()),
        }
    }

    /// Removes every line.
    pub fn clear(&self) {
        let lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        for (bar, _) in lines.values() {
            bar.finish_and_clear();
        }
        let _ = self.multi.clear();
    }

    fn update(&self, task: &str, change: impl FnOnce(&mut Line)) {
        let mut lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        let (bar, line) = lines.entry(task.to_owned()).or_insert_with(|| {
            let bar = self.multi.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            (bar, Line::default())
        });
        change(line);
        let mut message = format!("{task}: {}", line.status);
        if let Some(job) = &line.job {
            message.push_str(&format!(" [job {job}]"));
        }
        if line.bytes > 0 {
            message.push_str(&format!(", {}", indicatif::HumanBytes(line.bytes)));
        }
        if line.rows > 0 {
            message.push_str(&format!(", {} rows applied", line.rows));
        }
        bar.set_message(message);
    }
}

impl Progress for Bars {
    fn event(&self, event: Event) {
        match event {
            Event::Status { task, job, status } => self.update(&task, |line| {
                if job.is_some() {
                    line.job = job;
                }
                line.status = status;
            }),
            Event::Bytes { task, bytes } => self.update(&task, |line| line.bytes = bytes),
            Event::Rows { task, rows, .. } => self.update(&task, |line| line.rows = rows),
            // Notes are printed with the summary.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_and_defaults_come_from_the_path() {
        assert_eq!(
            sqlite_path("sqlite:/data/z.db").ok(),
            Some(PathBuf::from("/data/z.db"))
        );
        assert!(sqlite_path("postgres://x").is_err());
        assert!(sqlite_path("sqlite:").is_err());
        assert_eq!(
            default_project(Path::new("/data/zuora copy.db")),
            "zuora-copy"
        );
        assert_eq!(default_project(Path::new("/")), "aqua-export");
        assert_eq!(
            work_dir(Path::new("/data/z.db")),
            PathBuf::from("/data/.z.db.aqua")
        );
    }
}
