//! Generates the client of Zuora's Billing API from `zuora.com.json.gz` (see README.md), with
//! warnings accepted: what the generator could not say exactly is written to
//! `$OUT_DIR/warnings.txt`, which `WARNINGS` exposes and a snapshot test keeps under review.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let spec = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("zuora.com.json.gz");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={}", spec.display());
    let mut text = String::new();
    let read = std::fs::File::open(&spec)
        .and_then(|file| flate2::read::GzDecoder::new(file).read_to_string(&mut text));
    if let Err(e) = read {
        eprintln!("error: cannot read {}: {e}", spec.display());
        return ExitCode::FAILURE;
    }
    let source = aqua_codegen::SpecSource::new("zuora.com.json", text);
    let (code, warnings) =
        match aqua_codegen::generate_source_with(&source, &aqua_codegen::Options::default()) {
            Ok(generated) => generated,
            Err(diagnostics) => {
                eprintln!("error: zuora.com.json cannot be generated:\n{diagnostics}");
                return ExitCode::FAILURE;
            }
        };
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for (name, content) in [("zuora.rs", code), ("warnings.txt", warnings.to_string())] {
        let file = out.join(name);
        if std::fs::read_to_string(&file).ok().as_deref() != Some(content.as_str())
            && let Err(e) = std::fs::write(&file, content)
        {
            eprintln!("error: cannot write {}: {e}", file.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
