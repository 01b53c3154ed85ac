//! The compile-time benchmark (issue 17): the crates of the three generators for the same
//! documents, `cargo check` and `cargo build --release` of each crate's own code timed in the
//! same run (best of a few runs, wall clock and CPU), with the lines each generator wrote; and,
//! for our crates that have API-area features, the check of the largest area alone.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::crates::{self, Check, CrateResult, Generator, How, Settings, Tools};
use super::documents::Document;

/// What to time.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Runs of each timed build; the best counts.
    pub repeat: usize,
    /// Also `cargo build --release`.
    pub release: bool,
    /// Also our crate with only its largest API-area feature (when it has such features).
    pub one_feature: bool,
}

/// One timed build, best of [`Plan::repeat`] runs.
#[derive(Clone, Debug, Serialize)]
pub struct Timing {
    /// Whether every run passed.
    pub ok: bool,
    /// The best wall-clock time, in seconds.
    pub best: f64,
    /// The CPU time of the best run, in seconds.
    pub cpu: f64,
    /// Every run's wall-clock time.
    pub runs: Vec<f64>,
    /// The load averages before the first run.
    pub load: String,
}

impl Timing {
    fn of(checks: &[Check], load: String) -> Option<Timing> {
        let best = checks
            .iter()
            .min_by(|a, b| a.seconds.total_cmp(&b.seconds))?;
        Some(Timing {
            ok: checks.iter().all(|c| c.ok),
            best: best.seconds,
            cpu: best.cpu_seconds,
            runs: checks.iter().map(|c| c.seconds).collect(),
            load,
        })
    }
}

/// Our crate with one API-area feature.
#[derive(Clone, Debug, Serialize)]
pub struct OneFeature {
    /// The feature.
    pub feature: String,
    /// Its operations.
    pub operations: usize,
    /// The crate's area features.
    pub features: usize,
    /// Its check, alone (`--no-default-features --features F`).
    pub check: Timing,
}

/// One document through one generator, timed.
#[derive(Clone, Debug, Serialize)]
pub struct Compiled {
    /// The generation and the first check (as in the other modes).
    pub result: CrateResult,
    /// `cargo check`, best of the runs (the first check among them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<Timing>,
    /// `cargo build --release`, best of the runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<Timing>,
    /// Ours, with one feature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub one_feature: Option<OneFeature>,
}

impl Compiled {
    /// Whether the crate compiled (checks without errors).
    pub fn compiles(&self) -> bool {
        self.result.compiles()
    }
}

/// Generates, checks and times the crate of `document` with `generator`.
pub fn run(
    document: &Document,
    generator: Generator,
    tools: &Tools,
    settings: &Settings,
    plan: &Plan,
) -> Compiled {
    let load = load();
    let result = crates::build(document, generator, tools, settings);
    let mut compiled = Compiled {
        check: None,
        release: None,
        one_feature: None,
        result,
    };
    let Some(first) = compiled.result.check.clone() else {
        return compiled;
    };
    if !first.ok {
        compiled.check = Timing::of(&[first], load);
        return compiled;
    }
    let name = super::crate_name(&document.name);
    let dir = compiled.result.dir.clone();
    let times = |how: &How, runs: usize| -> Vec<Check> {
        (0..runs)
            .map(|_| crates::time(generator, &name, &dir, settings, how))
            .collect()
    };
    let mut checks = vec![first];
    checks.extend(times(&How::default(), plan.repeat.saturating_sub(1)));
    compiled.check = Timing::of(&checks, load);
    if plan.release {
        let how = How {
            release: true,
            ..How::default()
        };
        let load = self::load();
        compiled.release = Timing::of(&times(&how, plan.repeat.max(1)), load);
    }
    if plan.one_feature
        && generator == Generator::Aqua
        && let Some((feature, operations, features)) = largest_feature(&dir.join("Cargo.toml"))
    {
        let how = How {
            only_features: Some(vec![feature.clone()]),
            ..How::default()
        };
        let load = self::load();
        if let Some(check) = Timing::of(&times(&how, plan.repeat.max(1)), load) {
            compiled.one_feature = Some(OneFeature {
                feature,
                operations,
                features,
                check,
            });
        }
    }
    compiled
}

/// The API-area feature of our crate's manifest with the most operations, its operations and
/// the number of area features. The manifest says each area's operations in the comment above
/// it (`## The `pets` tag: 12 operations.`).
pub fn largest_feature(manifest: &Path) -> Option<(String, usize, usize)> {
    let text = std::fs::read_to_string(manifest).ok()?;
    let areas = areas(&text);
    let count = areas.len();
    // The first of the largest.
    let (name, operations) = areas
        .into_iter()
        .rev()
        .max_by_key(|(_, operations)| *operations)?;
    Some((name, operations, count))
}

/// The area features of a manifest's text with their operation counts, in order.
pub fn areas(manifest: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut pending: Option<usize> = None;
    let mut in_features = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_features = line == "[features]";
            pending = None;
            continue;
        }
        if !in_features {
            continue;
        }
        if let Some(comment) = line.strip_prefix("##") {
            pending = comment
                .trim()
                .strip_suffix(" operations.")
                .or_else(|| comment.trim().strip_suffix(" operation."))
                .and_then(|c| c.rsplit(' ').next())
                .and_then(|n| n.parse().ok());
            continue;
        }
        if let (Some(ops), Some((name, _))) = (pending.take(), line.split_once('=')) {
            out.push((name.trim().to_owned(), ops));
        }
    }
    out
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn timing_cell(t: Option<&Timing>) -> String {
    match t {
        None => "–".to_owned(),
        Some(t) if !t.ok => format!("✘ {:.1} s", t.best),
        Some(t) => format!("{:.1} s ({:.1} s CPU)", t.best, t.cpu),
    }
}

/// Which timing of a row a table shows.
type Pick = fn(&Compiled) -> Option<&Timing>;

/// The fastest peer's time for a document, of those that compiled.
fn fastest_peer<'a>(
    rows: &'a [Compiled],
    doc: &str,
    pick: impl Fn(&Compiled) -> Option<&Timing>,
) -> Option<(Generator, &'a Timing)> {
    rows.iter()
        .filter(|c| c.result.document == doc && c.result.generator != Generator::Aqua)
        .filter(|c| c.compiles())
        .filter_map(|c| {
            let t = pick(c)?;
            t.ok.then_some((c.result.generator, t))
        })
        .min_by(|a, b| a.1.best.total_cmp(&b.1.best))
}

/// A table's header row and alignment row: the API, a column per generator, then `extra`
/// columns (with their alignments `extra_align`).
fn table_header(out: &mut String, generators: &[Generator], extra: &str, extra_align: &str) {
    out.push_str("| API |");
    for g in generators {
        let _ = write!(out, " {} |", g.label());
    }
    let _ = write!(out, "{extra}\n|---|");
    for _ in generators {
        out.push_str("---:|");
    }
    let _ = writeln!(out, "{extra_align}");
}

/// The benchmark's markdown: per document, each generator's lines, check and release times,
/// ours against the fastest peer that compiled; then ours with one feature.
pub fn markdown(
    header: &str,
    names: &[(String, String)],
    generators: &[Generator],
    rows: &[Compiled],
    plan: &Plan,
) -> String {
    let mut out = format!("# Corpus: compile times\n\n{header}\n\n");
    let _ = writeln!(
        out,
        "Each crate's own code, its dependencies built before (untimed), `CARGO_INCREMENTAL=0`, \
         one shared target directory; best of {} runs (wall clock, and the CPU time of that run); \
         ratio: ours ÷ the fastest peer whose crate compiled, same run (wall clock, then CPU time).\n",
        plan.repeat
    );
    let find = |doc: &str, g: Generator| {
        rows.iter()
            .find(|c| c.result.document == doc && c.result.generator == g)
    };
    let builds: Vec<(&str, Pick)> = if plan.release {
        vec![
            ("cargo check", |c| c.check.as_ref()),
            ("cargo build --release", |c| c.release.as_ref()),
        ]
    } else {
        vec![("cargo check", |c| c.check.as_ref())]
    };
    for (build, pick) in &builds {
        let _ = write!(out, "### `{build}`\n\n");
        table_header(
            &mut out,
            generators,
            " ours ÷ fastest peer | load |",
            "---:|---|",
        );
        for (label, doc) in names {
            let _ = write!(out, "| {label} |");
            for g in generators {
                let cell = match find(doc, *g) {
                    None => "–".to_owned(),
                    Some(c) if !c.result.generation.ok => "not generated".to_owned(),
                    Some(c) if !c.compiles() => {
                        let errors = c.result.check.as_ref().map_or(0, |k| k.errors);
                        format!("✘ {errors} errors")
                    }
                    Some(c) => timing_cell(pick(c)),
                };
                let _ = write!(out, " {cell} |");
            }
            let ours = find(doc, Generator::Aqua)
                .filter(|c| c.compiles())
                .and_then(pick)
                .filter(|t| t.ok);
            let ratio = match (ours, fastest_peer(rows, doc, pick)) {
                (Some(o), Some((g, p))) if p.best > 0.0 && p.cpu > 0.0 => format!(
                    "**{:.2}×** ({}; CPU {:.2}×)",
                    o.best / p.best,
                    g.label(),
                    o.cpu / p.cpu
                ),
                _ => "–".to_owned(),
            };
            let load = find(doc, Generator::Aqua)
                .and_then(pick)
                .map_or(String::new(), |t| t.load.clone());
            let _ = writeln!(out, " {ratio} | {load} |");
        }
        out.push('\n');
    }
    out.push_str("### Lines of generated Rust\n\n");
    table_header(&mut out, generators, "", "");
    for (label, doc) in names {
        let _ = write!(out, "| {label} |");
        for g in generators {
            let cell = find(doc, *g)
                .and_then(|c| c.result.check.as_ref())
                .map_or("–".to_owned(), |k| k.lines.to_string());
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
    let features: Vec<(&String, &Compiled, &OneFeature)> = names
        .iter()
        .filter_map(|(label, doc)| {
            let c = find(doc, Generator::Aqua)?;
            Some((label, c, c.one_feature.as_ref()?))
        })
        .collect();
    if !features.is_empty() {
        out.push_str(
            "\n### Ours with one API-area feature (the largest) against the whole crate\n\n\
             | API | area features | feature (operations) | check alone | whole crate | ratio |\n\
             |---|---:|---|---:|---:|---:|\n",
        );
        for (label, c, f) in features {
            let whole = c.check.as_ref().filter(|t| t.ok);
            let ratio = whole.filter(|w| w.best > 0.0).map_or("–".to_owned(), |w| {
                format!("**{:.2}×**", f.check.best / w.best)
            });
            let _ = writeln!(
                out,
                "| {label} | {} | `{}` ({}) | {} | {} | {ratio} |",
                f.features,
                f.feature,
                f.operations,
                timing_cell(Some(&f.check)),
                timing_cell(whole)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_are_read_from_the_comments_above_the_features() {
        let manifest = "[package]\nname = \"x\"\n\n[features]\n## The server side.\nserver = []\n\
                        ## The `pets` tag: 12 operations.\npets = []\n\
                        ## The `store` tag: 1 operation.\nstore = []\ndefault = [\"pets\", \"store\"]\n\
                        [dependencies]\n## 3 operations.\nserde = \"1\"\n";
        assert_eq!(
            areas(manifest),
            vec![("pets".to_owned(), 12), ("store".to_owned(), 1)]
        );
    }
}
