//! The `aqua-codegen` command: a thin layer over the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Generates a typed async Rust client from an OpenAPI 3.0 document.
#[derive(Parser)]
#[command(name = "aqua-codegen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (spec, print) = match cli.command {
        Command::Print { spec } => (spec, true),
        Command::Check { spec } => (spec, false),
    };
    let result = aqua_codegen::SpecSource::from_path(&spec).and_then(|source| {
        let generated = aqua_codegen::generate(&source)?;
        aqua_codegen::render(&generated)
    });
    match result {
        Ok(code) => {
            if print {
                print!("{code}");
            } else {
                eprintln!("{}: ok", spec.display());
            }
            ExitCode::SUCCESS
        }
        Err(diags) => {
            eprintln!("{diags}");
            ExitCode::FAILURE
        }
    }
}
