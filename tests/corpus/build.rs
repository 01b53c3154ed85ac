//! Generates one module per spec in `tests/specs/*.yaml` (the corpus): adding a spec there adds
//! a module here, so every spec's generated code is compiled, with warnings denied in CI.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../specs");
    println!("cargo:rerun-if-changed={}", dir.display());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut specs: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
            .collect(),
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    specs.sort();
    let mut index = String::new();
    let mut all = String::new();
    for spec in &specs {
        println!("cargo:rerun-if-changed={}", spec.display());
        let stem = spec
            .file_stem()
            .map(|s| s.to_string_lossy().replace('-', "_"))
            .unwrap_or_default();
        let code = aqua_codegen::SpecSource::from_path(spec)
            .and_then(|source| aqua_codegen::generate_source(&source));
        let code = match code {
            Ok(code) => code,
            Err(diagnostics) => {
                eprintln!(
                    "error: {} cannot be generated:\n{diagnostics}",
                    spec.display()
                );
                return ExitCode::FAILURE;
            }
        };
        let file = out.join(format!("{stem}.rs"));
        if let Err(e) = std::fs::write(&file, code) {
            eprintln!("error: cannot write {}: {e}", file.display());
            return ExitCode::FAILURE;
        }
        let _ = writeln!(
            index,
            "/// The client generated from `tests/specs/{name}`.\npub mod {stem} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/{stem}.rs\"));\n}}\n",
            name = spec.file_name().unwrap_or_default().to_string_lossy()
        );
        let _ = writeln!(all, "    (\"{stem}\", {stem}::examples::ALL),");
    }
    let _ = writeln!(
        index,
        "/// Every spec's documented examples, by module name.\npub const EXAMPLES: &[(&str, &[aqua_runtime::examples::Example])] = &[\n{all}];"
    );
    if let Err(e) = std::fs::write(out.join("corpus.rs"), index) {
        eprintln!("error: cannot write the corpus index: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
