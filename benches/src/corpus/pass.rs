//! The generation pass: `aqua-codegen -j 1 check DOC` for every document, each in its own
//! process under the limits, on `jobs` processes at a time, the largest documents first.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::diagnostics::{self, Diag, Severity};
use super::documents::{Document, Family};
use super::process::{End, Run};

/// How one document came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Exit 0 without a warning.
    Generated,
    /// Exit 0 with warnings.
    GeneratedWithWarnings,
    /// Exit 1 with at least one error diagnostic.
    Refused,
    /// Anything else: a signal (stack overflow, allocation failure), a panic, another exit
    /// code, or exit 1 without a diagnostic.
    Crashed,
    /// Still running at the CPU-time limit (or the wall-clock backstop); killed.
    TimedOut,
}

impl Outcome {
    /// Every outcome, in report order.
    pub const ALL: [Outcome; 5] = [
        Outcome::Generated,
        Outcome::GeneratedWithWarnings,
        Outcome::Refused,
        Outcome::Crashed,
        Outcome::TimedOut,
    ];

    /// Whether code was generated.
    pub fn generated(self) -> bool {
        matches!(self, Outcome::Generated | Outcome::GeneratedWithWarnings)
    }

    /// `generated`, `generated with warnings`, ….
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Generated => "generated",
            Outcome::GeneratedWithWarnings => "generated with warnings",
            Outcome::Refused => "refused",
            Outcome::Crashed => "crashed",
            Outcome::TimedOut => "timed out",
        }
    }
}

/// One document's result.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    /// The document's path under `api/`.
    pub document: String,
    /// Its declared version.
    pub openapi: String,
    /// Its family.
    pub family: Family,
    /// Its size in bytes.
    pub bytes: u64,
    /// How it came out.
    pub outcome: Outcome,
    /// Wall-clock time of the process, in seconds.
    pub seconds: f64,
    /// `exit 0`, `signal 6`, `timed out`.
    pub end: String,
    /// What kind of crash (`stack overflow`, `out of memory`, `panic`, `signal 11`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crash: Option<String>,
    /// The error diagnostics.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Diag>,
    /// The warning diagnostics.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Diag>,
    /// The end of standard error, for crashes and output that was not understood.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr_tail: Option<String>,
}

/// The settings of a pass.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The `aqua-codegen` binary.
    pub aqua_codegen: PathBuf,
    /// Processes at a time.
    pub jobs: usize,
    /// CPU-time limit per document, in seconds.
    pub cpu_limit: u64,
    /// Wall-clock limit per document (a backstop).
    pub time_limit: Duration,
    /// Address-space limit per document, in bytes.
    pub memory_limit: Option<u64>,
}

/// Runs the pass over `documents` and assigns the diagnostics' kinds. Progress goes to stderr.
pub fn run(documents: &[Document], settings: &Settings) -> Vec<Record> {
    let mut schedule: Vec<usize> = (0..documents.len()).collect();
    schedule.sort_by_key(|&i| std::cmp::Reverse(documents[i].bytes));
    let total = documents.len();
    let mut records = super::parallel_map(
        documents,
        &schedule,
        settings.jobs,
        |document| check(document, settings),
        |done| {
            if done % 100 == 0 || done == total {
                eprint!("\r  {done}/{total} documents");
                let _ = std::io::stderr().flush();
            }
        },
    );
    eprintln!();
    assign_kinds(&mut records);
    records
}

/// Fills in the kinds of all diagnostics of `records`, over all of them at once.
pub fn assign_kinds(records: &mut [Record]) {
    diagnostics::assign_kinds(
        records
            .iter_mut()
            .flat_map(|r| r.errors.iter_mut().chain(r.warnings.iter_mut())),
    );
}

/// One document through `aqua-codegen check`.
pub fn check(document: &Document, settings: &Settings) -> Record {
    let run = Run::new(&settings.aqua_codegen)
        .args(["-j", "1", "check"])
        .arg(&document.file)
        .time_limit(settings.time_limit)
        .cpu_limit(Some(settings.cpu_limit))
        .memory_limit(settings.memory_limit);
    let mut record = Record {
        document: document.name.clone(),
        openapi: document.version.clone(),
        family: document.family(),
        bytes: document.bytes,
        outcome: Outcome::Crashed,
        seconds: 0.0,
        end: String::new(),
        crash: None,
        errors: Vec::new(),
        warnings: Vec::new(),
        stderr_tail: None,
    };
    let finished = match run.run() {
        Ok(finished) => finished,
        Err(e) => {
            record.end = "not started".to_owned();
            record.crash = Some(format!("cannot run `{}`: {e}", run.display()));
            return record;
        }
    };
    record.seconds = finished.elapsed.as_secs_f64();
    record.end = finished.end.describe();
    classify(&mut record, finished.end, &finished.stderr);
    record
}

/// Sets outcome, diagnostics and crash kind from how the process ended and what it printed.
pub fn classify(record: &mut Record, end: End, stderr: &str) {
    let (diags, _other) = diagnostics::parse(stderr);
    let (errors, warnings): (Vec<Diag>, Vec<Diag>) = diags
        .into_iter()
        .partition(|d| d.severity == Severity::Error);
    let crash_kind = diagnostics::crash_kind(stderr);
    record.outcome = match end {
        End::TimedOut | End::CpuLimit => Outcome::TimedOut,
        End::Exited(0) if warnings.is_empty() => Outcome::Generated,
        End::Exited(0) => Outcome::GeneratedWithWarnings,
        End::Exited(1) if !errors.is_empty() && crash_kind.is_none() => Outcome::Refused,
        End::Exited(1) => {
            record.crash = Some(
                crash_kind
                    .unwrap_or("exit 1 without a diagnostic")
                    .to_owned(),
            );
            Outcome::Crashed
        }
        End::Exited(code) => {
            record.crash = Some(crash_kind.map_or_else(|| format!("exit {code}"), str::to_owned));
            Outcome::Crashed
        }
        End::Signaled(signal) => {
            record.crash =
                Some(crash_kind.map_or_else(|| format!("signal {signal}"), str::to_owned));
            Outcome::Crashed
        }
    };
    if matches!(record.outcome, Outcome::Crashed | Outcome::TimedOut) {
        record.stderr_tail = Some(tail(stderr, 2000));
    }
    record.errors = errors;
    record.warnings = warnings;
}

/// The last `max` bytes of `text` (at a character boundary).
pub fn tail(text: &str, max: usize) -> String {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].to_owned()
}

/// What a pass found, for one family of documents.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Documents.
    pub documents: usize,
    /// Documents per outcome.
    pub outcomes: BTreeMap<Outcome, usize>,
    /// Errors and warnings by kind.
    pub kinds: Vec<KindCount>,
    /// Crashes: document and kind.
    pub crashes: Vec<(String, String)>,
    /// Documents that timed out.
    pub timed_out: Vec<String>,
    /// Sum of the documents' times, in seconds.
    pub seconds: f64,
}

/// How often a kind of diagnostic occurs.
#[derive(Clone, Debug, Serialize)]
pub struct KindCount {
    /// Error or warning.
    pub severity: Severity,
    /// The kind.
    pub kind: String,
    /// Documents with at least one.
    pub documents: usize,
    /// Occurrences.
    pub occurrences: usize,
    /// Documents whose diagnostics of this severity are all of this kind (those that this
    /// kind alone holds back, as far as the phase reached shows).
    pub alone: usize,
    /// Up to three documents with one (the smallest first), with the pointer and message of
    /// their first.
    pub examples: Vec<Example>,
    /// The most common names the kind replaced, with their counts (at most ten).
    pub names: Vec<(String, usize)>,
}

/// A document with a diagnostic of some kind.
#[derive(Clone, Debug, Serialize)]
pub struct Example {
    /// The document.
    pub document: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// The pointer of its first diagnostic of the kind.
    pub pointer: Option<String>,
    /// Its message.
    pub message: String,
    /// How many of the kind it has.
    pub count: usize,
}

impl Summary {
    /// The share of documents that generated, in percent.
    pub fn generated_percent(&self) -> f64 {
        let generated = self.count(Outcome::Generated) + self.count(Outcome::GeneratedWithWarnings);
        if self.documents == 0 {
            0.0
        } else {
            100.0 * generated as f64 / self.documents as f64
        }
    }

    /// Documents with `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.outcomes.get(&outcome).copied().unwrap_or(0)
    }
}

/// Sums up the records of one family.
pub fn summarize(records: &[Record], family: Family) -> Summary {
    let records: Vec<&Record> = records.iter().filter(|r| r.family == family).collect();
    let mut summary = Summary {
        documents: records.len(),
        ..Summary::default()
    };
    // (severity, kind) → document → (bytes, occurrences, first diagnostic)
    type PerDocument<'a> = BTreeMap<&'a str, (u64, usize, &'a Diag)>;
    let mut kinds: BTreeMap<(Severity, &str), PerDocument<'_>> = BTreeMap::new();
    let mut names: BTreeMap<(Severity, &str), BTreeMap<&str, usize>> = BTreeMap::new();
    let mut alone: BTreeMap<(Severity, &str), usize> = BTreeMap::new();
    for r in &records {
        *summary.outcomes.entry(r.outcome).or_default() += 1;
        summary.seconds += r.seconds;
        match r.outcome {
            Outcome::Crashed => summary
                .crashes
                .push((r.document.clone(), r.crash.clone().unwrap_or_default())),
            Outcome::TimedOut => summary.timed_out.push(r.document.clone()),
            _ => {}
        }
        for list in [&r.errors, &r.warnings] {
            if let Some(first) = list.first()
                && list.iter().all(|d| d.kind == first.kind)
            {
                *alone
                    .entry((first.severity, first.kind.as_str()))
                    .or_default() += 1;
            }
        }
        for d in r.errors.iter().chain(&r.warnings) {
            let key = (d.severity, d.kind.as_str());
            let entry = kinds
                .entry(key)
                .or_default()
                .entry(r.document.as_str())
                .or_insert((r.bytes, 0, d));
            entry.1 += 1;
            for name in &d.names {
                *names.entry(key).or_default().entry(name).or_default() += 1;
            }
        }
    }
    for ((severity, kind), per_document) in &kinds {
        let mut examples: Vec<Example> = per_document
            .iter()
            .map(|(document, (bytes, count, d))| Example {
                document: (*document).to_owned(),
                bytes: *bytes,
                pointer: d.pointer.clone(),
                message: d.message.clone(),
                count: *count,
            })
            .collect();
        examples.sort_by(|a, b| a.bytes.cmp(&b.bytes).then(a.document.cmp(&b.document)));
        examples.truncate(3);
        let mut top: Vec<(String, usize)> = names
            .get(&(*severity, *kind))
            .map(|m| m.iter().map(|(n, c)| ((*n).to_owned(), *c)).collect())
            .unwrap_or_default();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        top.truncate(10);
        summary.kinds.push(KindCount {
            severity: *severity,
            kind: (*kind).to_owned(),
            documents: per_document.len(),
            occurrences: per_document.values().map(|(_, n, _)| n).sum(),
            alone: alone.get(&(*severity, *kind)).copied().unwrap_or(0),
            examples,
            names: top,
        });
    }
    summary.kinds.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(b.documents.cmp(&a.documents))
            .then(b.occurrences.cmp(&a.occurrences))
            .then(a.kind.cmp(&b.kind))
    });
    summary
}

/// The `n` slowest records.
pub fn slowest(records: &[Record], n: usize) -> Vec<&Record> {
    let mut sorted: Vec<&Record> = records.iter().collect();
    sorted.sort_by(|a, b| b.seconds.total_cmp(&a.seconds));
    sorted.truncate(n);
    sorted
}

/// Percentiles (0–100) of the records' times, by nearest rank.
pub fn percentile(records: &[Record], p: f64) -> f64 {
    let mut times: Vec<f64> = records.iter().map(|r| r.seconds).collect();
    if times.is_empty() {
        return 0.0;
    }
    times.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * times.len() as f64).ceil() as usize;
    times[rank.clamp(1, times.len()) - 1]
}
