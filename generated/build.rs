//! Generates the client from the OpenAPI document at build time.
//!
//! Input: `aqua.yaml` beside `Cargo.toml` (or the file named by `AQUA_SPEC`). Output:
//! `$OUT_DIR/aqua.rs`, included by `src/lib.rs`. In the repository, `aqua.yaml` is a symbolic
//! link to `../spec/aqua.yaml`, the one source of truth; `cargo package` follows it, so the
//! published package carries the spec as a plain file. Cargo reruns this only when the spec, this file or the generator
//! (a build dependency) changes; the output file is rewritten only when its content changes.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=AQUA_SPEC");
    let spec = match std::env::var_os("AQUA_SPEC") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("aqua.yaml"),
    };
    println!("cargo:rerun-if-changed={}", spec.display());

    // Warnings denied: our own client is exactly what the spec says, with no fallback.
    let code = aqua_codegen::SpecSource::from_path(&spec)
        .and_then(|source| aqua_codegen::generate_source(&source));
    let code = match code {
        Ok(code) => code,
        Err(diagnostics) => {
            eprintln!("error: the spec {} cannot be generated:", spec.display());
            eprintln!("{diagnostics}");
            return ExitCode::FAILURE;
        }
    };
    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("aqua.rs");
    if std::fs::read_to_string(&out).ok().as_deref() != Some(code.as_str())
        && let Err(e) = std::fs::write(&out, code)
    {
        eprintln!("error: cannot write {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
