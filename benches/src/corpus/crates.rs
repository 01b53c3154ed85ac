//! Crates for documents, written by `aqua-codegen crate` and, beside it, by cargo-progenitor
//! and openapi-generator (`rust`, reqwest library), then `cargo check`ed in one shared target
//! directory.
//!
//! Each check is timed on the crate's own code: first the crate is checked with an empty
//! `src/lib.rs` (the same manifest, so the same dependency graph, which this builds when
//! needed), untimed; then its real `src/lib.rs` is put back and `cargo check` is timed with
//! `CARGO_INCREMENTAL=0`. Crates are checked one after the other.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::diagnostics::{self, Severity};
use super::documents::Document;
use super::process::{End, Finished, Run};

/// A generator of Rust crates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Generator {
    /// `aqua-codegen crate`.
    Aqua,
    /// `cargo-progenitor progenitor` 0.15.1.
    Progenitor,
    /// `openapi-generator generate -g rust --library reqwest` 7.26.
    OpenapiGenerator,
}

impl Generator {
    /// Its name in reports.
    pub fn label(self) -> &'static str {
        match self {
            Generator::Aqua => "aqua-codegen",
            Generator::Progenitor => "cargo-progenitor",
            Generator::OpenapiGenerator => "openapi-generator",
        }
    }
}

/// Where the tools are.
#[derive(Clone, Debug)]
pub struct Tools {
    /// The `aqua-codegen` binary.
    pub aqua_codegen: PathBuf,
    /// The `aqua-runtime` crate our crates depend on.
    pub runtime: PathBuf,
    /// The workspace's `Cargo.lock`, copied into our crates so that they check offline with
    /// the versions the workspace uses.
    pub lockfile: PathBuf,
    /// The `cargo-progenitor` binary.
    pub progenitor: Option<PathBuf>,
    /// openapi-generator's jar.
    pub openapi_generator_jar: Option<PathBuf>,
}

/// Limits and places.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Where the crates are written (`DIR/<generator>/<crate name>`).
    pub crates: PathBuf,
    /// The shared target directory.
    pub target_dir: PathBuf,
    /// CPU-time limit of our generator and progenitor, in seconds.
    pub cpu_limit: u64,
    /// Wall-clock limit of a generation.
    pub generate_limit: Duration,
    /// Time limit of one `cargo check`.
    pub check_limit: Duration,
    /// Address-space limit of our generator and progenitor (the JVM, whose JIT and collector
    /// threads run beside it, gets `-Xmx` and the wall-clock limit only).
    pub memory_limit: Option<u64>,
    /// Features to check our crates with (`server`), besides the default ones.
    pub features: Vec<String>,
}

/// How a generation went.
#[derive(Clone, Debug, Serialize)]
pub struct Generation {
    /// Whether a crate was written.
    pub ok: bool,
    /// Wall-clock time of the generator's process, in seconds.
    pub seconds: f64,
    /// `exit 0`, `signal 6`, `timed out`.
    pub end: String,
    /// Why not, in one line (our first error, a panic's message, a crash's kind).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Our error diagnostics (0 for the peers).
    pub errors: usize,
    /// Our warning diagnostics (0 for the peers).
    pub warnings: usize,
}

/// How a `cargo check` went.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// Whether it passed.
    pub ok: bool,
    /// Wall-clock time of the timed `cargo check`, in seconds.
    pub seconds: f64,
    /// `exit 0`, `timed out`, ….
    pub end: String,
    /// Errors in the crate's own code.
    pub errors: usize,
    /// Warnings in the crate's own code.
    pub warnings: usize,
    /// Errors and warnings by code (`error E0412`, `warning unused_imports`).
    pub by_code: BTreeMap<String, usize>,
    /// The first few errors, one line each.
    pub first_errors: Vec<String>,
    /// Lines of Rust in the crate's `src/`.
    pub lines: usize,
    /// Whether cargo found the crate fresh (then nothing was checked, and `ok` is false).
    pub fresh: bool,
    /// CPU time (user and system) of the timed cargo process and its children, in seconds
    /// (less sensitive to the machine's load than the wall-clock time).
    #[serde(default)]
    pub cpu_seconds: f64,
}

impl Check {
    /// A check that has not run, of a crate of `lines` lines.
    pub fn new(lines: usize) -> Self {
        Check {
            ok: false,
            seconds: 0.0,
            end: String::new(),
            errors: 0,
            warnings: 0,
            by_code: BTreeMap::new(),
            first_errors: Vec::new(),
            lines,
            fresh: false,
            cpu_seconds: 0.0,
        }
    }
}

/// One document through one generator.
#[derive(Clone, Debug, Serialize)]
pub struct CrateResult {
    /// The document.
    pub document: String,
    /// The generator.
    pub generator: Generator,
    /// The crate's directory.
    pub dir: PathBuf,
    /// The generation.
    pub generation: Generation,
    /// The check, when a crate was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<Check>,
}

impl CrateResult {
    /// Whether the crate was written and checks without errors.
    pub fn compiles(&self) -> bool {
        self.check.as_ref().is_some_and(|c| c.ok)
    }

    /// Whether it also checks without warnings.
    pub fn clean(&self) -> bool {
        self.check.as_ref().is_some_and(|c| c.ok && c.warnings == 0)
    }
}

/// Writes and checks the crate of `document` with `generator`.
pub fn build(
    document: &Document,
    generator: Generator,
    tools: &Tools,
    settings: &Settings,
) -> CrateResult {
    let name = super::crate_name(&document.name);
    let dir = settings.crates.join(generator_dir(generator)).join(&name);
    let generation = generate(document, generator, &name, &dir, tools, settings);
    let check = generation
        .ok
        .then(|| check(generator, &name, &dir, settings));
    CrateResult {
        document: document.name.clone(),
        generator,
        dir,
        generation,
        check,
    }
}

fn generator_dir(generator: Generator) -> &'static str {
    match generator {
        Generator::Aqua => "aqua",
        Generator::Progenitor => "progenitor",
        Generator::OpenapiGenerator => "openapi-generator",
    }
}

fn failed_generation(seconds: f64, end: &str, detail: String) -> Generation {
    Generation {
        ok: false,
        seconds,
        end: end.to_owned(),
        detail: Some(detail),
        errors: 0,
        warnings: 0,
    }
}

fn generate(
    document: &Document,
    generator: Generator,
    name: &str,
    dir: &Path,
    tools: &Tools,
    settings: &Settings,
) -> Generation {
    let _ = std::fs::remove_dir_all(dir);
    if let Some(parent) = dir.parent()
        && let Err(e) = std::fs::create_dir_all(parent)
    {
        let detail = format!("cannot create {}: {e}", parent.display());
        return failed_generation(0.0, "not started", detail);
    }
    let run = match generator {
        Generator::Aqua => Run::new(&tools.aqua_codegen)
            .arg("crate")
            .arg(&document.file)
            .arg("--out")
            .arg(dir)
            .args(["--name", name, "--runtime-path"])
            .arg(&tools.runtime)
            .memory_limit(settings.memory_limit)
            .cpu_limit(Some(settings.cpu_limit)),
        Generator::Progenitor => {
            let Some(progenitor) = &tools.progenitor else {
                return failed_generation(0.0, "not started", "no cargo-progenitor".to_owned());
            };
            Run::new(progenitor)
                .args(["progenitor", "-i"])
                .arg(&document.file)
                .arg("-o")
                .arg(dir)
                .args(["-n", name, "-v", "0.1.0"])
                .memory_limit(settings.memory_limit)
                .cpu_limit(Some(settings.cpu_limit))
        }
        Generator::OpenapiGenerator => {
            let Some(jar) = &tools.openapi_generator_jar else {
                return failed_generation(0.0, "not started", "no openapi-generator".to_owned());
            };
            // Validation off: it refuses most real documents otherwise, and users pass this.
            // The crate's version is given, as for progenitor: it would take the API's
            // (`unversioned`, a date), which is no semantic version, and cargo would refuse it.
            Run::new("java")
                .args(["-Xmx4g", "-jar"])
                .arg(jar)
                .args(["generate", "-g", "rust", "--library", "reqwest", "-i"])
                .arg(&document.file)
                .arg("-o")
                .arg(dir)
                .args(["--package-name", name, "--skip-validate-spec"])
                .arg("--additional-properties=packageVersion=0.1.0")
        }
    }
    .time_limit(settings.generate_limit);
    let finished = match run.run() {
        Ok(f) => f,
        Err(e) => {
            return failed_generation(0.0, "not started", format!("`{}`: {e}", run.display()));
        }
    };
    let seconds = finished.elapsed.as_secs_f64();
    let end = finished.end.describe();
    let (diags, _) = diagnostics::parse(&finished.stderr);
    let count = |s: Severity| diags.iter().filter(|d| d.severity == s).count();
    let (errors, warnings) = if generator == Generator::Aqua {
        (count(Severity::Error), count(Severity::Warning))
    } else {
        (0, 0)
    };
    let manifest = dir.join("Cargo.toml");
    if finished.end != End::Exited(0) || !manifest.is_file() {
        let detail = failure_detail(generator, &finished, &diags);
        return Generation {
            ok: false,
            seconds,
            end,
            detail: Some(detail),
            errors,
            warnings,
        };
    }
    let prepared = match generator {
        Generator::Aqua => std::fs::copy(&tools.lockfile, dir.join("Cargo.lock")).map(|_| ()),
        // Each crate is its own workspace, wherever it is written (ours says so itself).
        _ => own_workspace(&manifest),
    };
    Generation {
        ok: prepared.is_ok(),
        seconds,
        end,
        detail: prepared
            .err()
            .map(|e| format!("cannot prepare the crate: {e}")),
        errors,
        warnings,
    }
}

fn failure_detail(
    generator: Generator,
    finished: &Finished,
    diags: &[diagnostics::Diag],
) -> String {
    if matches!(finished.end, End::TimedOut | End::CpuLimit) {
        return finished.end.describe();
    }
    if let Some(kind) = diagnostics::crash_kind(&finished.stderr) {
        return match panic_message(&finished.stderr) {
            Some(message) if kind == "panic" => format!("panic: {message}"),
            _ => kind.to_owned(),
        };
    }
    if let (Generator::Aqua, Some(first)) = (generator, diags.first()) {
        return format!("{} errors; first: {}", diags.len(), first.message);
    }
    // openapi-generator reports with `Exception` and `ERROR` lines, cargo-progenitor with a
    // `gen fail:` line on standard output; anything else: the first line of standard error.
    let text = format!("{}\n{}", finished.stdout, finished.stderr);
    let line = text
        .lines()
        .find(|l| l.starts_with("gen fail:"))
        .or_else(|| text.lines().find(|l| l.contains(" ERROR ")))
        .or_else(|| text.lines().find(|l| l.contains("Exception")))
        .or_else(|| finished.stderr.lines().find(|l| !l.trim().is_empty()))
        .or_else(|| text.lines().rev().find(|l| !l.trim().is_empty()))
        .unwrap_or("");
    format!("{}: {}", finished.end.describe(), clip(line.trim(), 300))
}

/// The line after `panicked at …:`, Rust's panic message.
pub fn panic_message(stderr: &str) -> Option<String> {
    let mut lines = stderr.lines();
    lines.find(|l| l.contains("panicked at"))?;
    lines.next().map(|l| clip(l.trim(), 300))
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut clipped: String = text.chars().take(max).collect();
    clipped.push('…');
    clipped
}

/// Appends an empty `[workspace]` table to a manifest that has none.
fn own_workspace(manifest: &Path) -> std::io::Result<()> {
    let text = std::fs::read_to_string(manifest)?;
    if text.lines().any(|l| l.trim() == "[workspace]") {
        return Ok(());
    }
    std::fs::write(manifest, format!("{text}\n[workspace]\n"))
}

/// Which build of a crate to time: `cargo check` of its default features (what the corpus
/// modes run), or `cargo build --release`, or other features of ours.
#[derive(Clone, Debug, Default)]
pub struct How {
    /// `cargo build --release` instead of `cargo check`.
    pub release: bool,
    /// Our crates: `--no-default-features` and these features instead of the defaults (and
    /// of [`Settings::features`]).
    pub only_features: Option<Vec<String>>,
}

fn cargo_run(generator: Generator, dir: &Path, settings: &Settings, how: &How) -> Run {
    let command: &[&str] = if how.release {
        &["build", "--release"]
    } else {
        &["check"]
    };
    let mut run = Run::new("cargo")
        .args(command.iter().copied())
        .args(["--message-format", "json", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &settings.target_dir)
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_TERM_COLOR", "never")
        .time_limit(settings.check_limit);
    if generator == Generator::Aqua {
        // Our crates use the workspace's lock file: everything is in the local registry.
        run = run.arg("--offline");
        if let Some(features) = &how.only_features {
            run = run.arg("--no-default-features");
            if !features.is_empty() {
                run = run.arg("--features").arg(features.join(","));
            }
        } else if !settings.features.is_empty() {
            run = run.arg("--features").arg(settings.features.join(","));
        }
    }
    run
}

fn check(generator: Generator, name: &str, dir: &Path, settings: &Settings) -> Check {
    time(generator, name, dir, settings, &How::default())
}

/// Builds a written crate as `how` says and times it: first its dependencies with the crate's
/// own code empty (untimed), then the crate itself, timed (wall clock and CPU). Call it again
/// to time the same build again (the code is written back each time, so cargo never finds the
/// crate fresh).
pub fn time(generator: Generator, name: &str, dir: &Path, settings: &Settings, how: &How) -> Check {
    let lib = dir.join("src/lib.rs");
    let lines = rust_lines(&dir.join("src"));
    // Untimed: the dependencies, with the crate's own code empty. The real code is written
    // back afterwards (not renamed: its modification time must be newer than that build's).
    if let Ok(real) = std::fs::read(&lib) {
        let _ = std::fs::write(&lib, "//! Dependencies only.\n");
        let _ = cargo_run(generator, dir, settings, how).run();
        if let Err(e) = std::fs::write(&lib, real) {
            let mut check = Check::new(lines);
            check.end = "not started".to_owned();
            check
                .first_errors
                .push(format!("cannot write {} back: {e}", lib.display()));
            return check;
        }
    }
    let stdout = dir.join("check.json");
    let cpu_before = children_cpu_seconds();
    let finished = cargo_run(generator, dir, settings, how)
        .stdout_to(&stdout)
        .run();
    let cpu = children_cpu_seconds() - cpu_before;
    let mut check = Check::new(lines);
    let finished = match finished {
        Ok(f) => f,
        Err(e) => {
            check.end = "not started".to_owned();
            check.first_errors.push(format!("cannot run cargo: {e}"));
            return check;
        }
    };
    check.seconds = finished.elapsed.as_secs_f64();
    check.cpu_seconds = cpu.max(0.0);
    check.end = finished.end.describe();
    let messages = std::fs::read_to_string(&stdout).unwrap_or_default();
    let finished_ok = tally(&messages, name, dir, &mut check);
    if check.first_errors.is_empty() && !finished_ok {
        // cargo failed before compiling (manifest, resolution): its own `error:` lines.
        check.first_errors.extend(
            finished
                .stderr
                .lines()
                .filter(|l| l.starts_with("error"))
                .take(3)
                .map(|l| clip(l, 300)),
        );
    }
    if check.fresh {
        // A check that compiled nothing of the crate measures nothing.
        check
            .first_errors
            .push("cargo found the crate fresh: its code was not checked".to_owned());
    }
    check.ok = finished.end == End::Exited(0) && finished_ok && check.errors == 0 && !check.fresh;
    check
}

/// Counts the errors and warnings of the crate itself in `cargo check --message-format json`
/// output; whether cargo said the build succeeded.
pub(crate) fn tally(messages: &str, name: &str, dir: &Path, check: &mut Check) -> bool {
    let mut finished_ok = false;
    for line in messages.lines().filter(|l| l.starts_with('{')) {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        match value["reason"].as_str() {
            Some("build-finished") => finished_ok = value["success"].as_bool() == Some(true),
            Some("compiler-message") if is_own(&value, name, dir) => {
                count_message(check, &value["message"])
            }
            Some("compiler-artifact") if is_own(&value, name, dir) => {
                check.fresh |= value["fresh"].as_bool() == Some(true);
            }
            _ => {}
        }
    }
    finished_ok
}

/// Whether a compiler message is about the crate itself (not a path dependency such as
/// `aqua-runtime`).
fn is_own(value: &serde_json::Value, name: &str, dir: &Path) -> bool {
    let manifest = value["manifest_path"].as_str().map(Path::new);
    match manifest {
        Some(manifest) => manifest.parent() == Some(dir),
        None => value["package_id"].as_str().is_some_and(|id| {
            id.contains(&format!("#{name}@")) || id.starts_with(&format!("{name} "))
        }),
    }
}

fn count_message(check: &mut Check, message: &serde_json::Value) {
    let level = message["level"].as_str().unwrap_or("");
    let text = message["message"].as_str().unwrap_or("");
    // rustc's closing lines are messages too.
    if text.starts_with("aborting due to")
        || text.ends_with("warnings emitted")
        || text.ends_with("warning emitted")
    {
        return;
    }
    let code = message["code"]["code"].as_str().unwrap_or("no code");
    if level.starts_with("error") {
        check.errors += 1;
        *check.by_code.entry(format!("error {code}")).or_default() += 1;
        if check.first_errors.len() < 5 {
            let at = &message["spans"][0];
            let place = match (at["file_name"].as_str(), at["line_start"].as_u64()) {
                (Some(file), Some(line)) => format!(" ({file}:{line})"),
                _ => String::new(),
            };
            check
                .first_errors
                .push(clip(&format!("{code}: {text}{place}"), 300));
        }
    } else if level == "warning" {
        check.warnings += 1;
        *check.by_code.entry(format!("warning {code}")).or_default() += 1;
    }
}

/// The user and system CPU time of this process's waited-for children, in seconds
/// (`/proc/self/stat`'s `cutime` and `cstime`, in clock ticks of 1/100 s on Linux); 0 where
/// there is no `/proc`.
fn children_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // The fields after the command name, which is in parentheses and may hold spaces.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state); cutime and cstime are fields 16 and 17.
    let ticks = |i: usize| {
        fields
            .get(i - 3)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(16) + ticks(17)) / 100.0
}

/// Lines of `*.rs` files under `dir`.
fn rust_lines(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let path = e.path();
            if path.is_dir() {
                rust_lines(&path)
            } else if path.extension().is_some_and(|x| x == "rs") {
                std::fs::read_to_string(&path).map_or(0, |t| t.lines().count())
            } else {
                0
            }
        })
        .sum()
}
