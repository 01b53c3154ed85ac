//! The `aqua-codegen` command: a thin layer over the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

// Generation allocates and frees millions of small token trees; with mimalloc (transparent
// huge pages off) it takes about two thirds of the time (BENCHMARKS.md, "Generator").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Generates a typed async Rust client from an OpenAPI 3.0 document.
#[derive(Parser)]
#[command(name = "aqua-codegen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Threads to emit and print code with (default: one per CPU). The output is the same
    /// whatever the number.
    #[arg(long, short = 'j', global = true, value_name = "N")]
    jobs: Option<std::num::NonZeroUsize>,
    /// Fail on warnings as on errors: generate only what the spec says exactly, with no
    /// fallback (`serde_json::Value`, raw bytes, operations left out).
    #[arg(long, global = true)]
    deny_warnings: bool,
    /// How to print problems on stderr: `human` (`file:line:col: error at POINTER: message`) or
    /// `json` (one JSON object per problem, a line each, with `severity`, `source`, `pointer`,
    /// `line`, `column` and `message`).
    #[arg(long, global = true, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
}

/// How problems are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum MessageFormat {
    Human,
    Json,
}

impl MessageFormat {
    /// Prints `diagnostics` (errors or warnings), if any, to stderr.
    fn report(self, diagnostics: &aqua_codegen::Diagnostics) {
        if diagnostics.is_empty() {
            return;
        }
        match self {
            MessageFormat::Human => eprintln!("{diagnostics}"),
            MessageFormat::Json => eprint!("{}", diagnostics.to_json_lines()),
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Print the generated client for SPEC to stdout.
    Print {
        /// The OpenAPI 3.0 document (YAML or JSON).
        spec: PathBuf,
    },
    /// Check SPEC and report every problem, without printing code.
    Check {
        /// The OpenAPI 3.0 document (YAML or JSON).
        spec: PathBuf,
    },
    /// Write a complete crate (Cargo.toml, src/lib.rs) for SPEC into DIR, for use without a
    /// build script.
    Crate {
        /// The OpenAPI 3.0 document (YAML or JSON).
        spec: PathBuf,
        /// The directory to write (created if needed; existing files are replaced).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The package name.
        #[arg(long, value_name = "CRATE_NAME")]
        name: String,
        /// Path of the `aqua-runtime` crate (default: the one next to this generator's sources).
        #[arg(long, value_name = "PATH")]
        runtime_path: Option<PathBuf>,
    },
}

fn write_crate(
    spec: &std::path::Path,
    out: &std::path::Path,
    name: String,
    runtime: Option<PathBuf>,
    generation: &aqua_codegen::Options,
    format: MessageFormat,
) -> ExitCode {
    let runtime =
        runtime.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../runtime"));
    let runtime = std::fs::canonicalize(&runtime).unwrap_or(runtime);
    let options = aqua_codegen::CrateOptions {
        name,
        runtime_path: runtime.display().to_string(),
    };
    let files = match aqua_codegen::SpecSource::from_path(spec)
        .and_then(|source| aqua_codegen::standalone_crate_with(&source, &options, generation))
    {
        Ok((files, warnings)) => {
            format.report(&warnings);
            files
        }
        Err(diags) => {
            format.report(&diags);
            return ExitCode::FAILURE;
        }
    };
    for (path, content) in files {
        let target = out.join(&path);
        let written = target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&target, content));
        if let Err(e) = written {
            eprintln!("error: cannot write {}: {e}", target.display());
            return ExitCode::FAILURE;
        }
    }
    eprintln!("wrote crate `{}` to {}", options.name, out.display());
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut options = aqua_codegen::Options::default();
    options.deny_warnings = cli.deny_warnings;
    let (spec, print) = match cli.command {
        Command::Print { spec } => (spec, true),
        Command::Check { spec } => (spec, false),
        Command::Crate {
            spec,
            out,
            name,
            runtime_path,
        } => {
            // A crate of its own declares its API areas as cargo features.
            options.features = true;
            return write_crate(
                &spec,
                &out,
                name,
                runtime_path,
                &options,
                cli.message_format,
            );
        }
    };
    let result = aqua_codegen::SpecSource::from_path(&spec).and_then(|source| {
        let generated = aqua_codegen::generate_with(&source, &options)?;
        let code = match cli.jobs {
            Some(jobs) => aqua_codegen::render_with_threads(&generated, jobs.get()),
            None => aqua_codegen::render(&generated),
        }?;
        Ok((code, generated.warnings))
    });
    match result {
        Ok((code, warnings)) => {
            cli.message_format.report(&warnings);
            if print {
                print!("{code}");
            } else {
                let count = warnings.warnings().count();
                match count {
                    0 => eprintln!("{}: ok", spec.display()),
                    1 => eprintln!("{}: ok, with 1 warning", spec.display()),
                    n => eprintln!("{}: ok, with {n} warnings", spec.display()),
                }
            }
            ExitCode::SUCCESS
        }
        Err(diags) => {
            cli.message_format.report(&diags);
            ExitCode::FAILURE
        }
    }
}
