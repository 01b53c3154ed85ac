//! `synth-spec N [FILE]`: writes the synthetic spec of N operations (see
//! `aqua_benches::synth`) to FILE, or to stdout.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(Ok(operations)) = args.first().map(|n| n.parse::<usize>()) else {
        eprintln!("usage: synth-spec OPERATIONS [FILE]");
        return ExitCode::from(2);
    };
    let spec = aqua_benches::synth::synthetic_spec(operations);
    match args.get(1) {
        Some(path) => {
            if let Err(e) = std::fs::write(path, spec) {
                eprintln!("error: cannot write {path}: {e}");
                return ExitCode::FAILURE;
            }
        }
        None => print!("{spec}"),
    }
    ExitCode::SUCCESS
}
