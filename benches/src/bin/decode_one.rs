//! `decode-one generated|hand|hand_flatten BATCHES [REPEAT]`: builds the `Job` body of
//! BATCHES batches (see `aqua_benches::decode`), decodes it REPEAT times (default 1) with the
//! given types and prints the time of each to stderr. For profiles (`valgrind
//! --tool=callgrind`), where a benchmark harness would be in the way.

use std::process::ExitCode;
use std::time::Instant;

use aqua_benches::decode::{hand, hand_flatten, job_json};
use serde::de::DeserializeOwned;

fn decode<T: DeserializeOwned>(json: &str) -> Result<T, serde_json::Error> {
    serde_json::from_slice(std::hint::black_box(json.as_bytes()))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(kind), Some(Ok(batches))) = (args.first(), args.get(1).map(|n| n.parse::<usize>()))
    else {
        eprintln!("usage: decode-one generated|hand|hand_flatten BATCHES [REPEAT]");
        return ExitCode::from(2);
    };
    let repeat = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(1usize);
    let json = job_json(batches);
    for _ in 0..repeat {
        let start = Instant::now();
        let result = match kind.as_str() {
            "generated" => decode::<zuora_aqua::Job>(&json).map(drop),
            "hand" => decode::<hand::Job>(&json).map(drop),
            "hand_flatten" => decode::<hand_flatten::Job>(&json).map(drop),
            other => {
                eprintln!("error: unknown type `{other}`");
                return ExitCode::from(2);
            }
        };
        if let Err(e) = result {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
        let seconds = start.elapsed().as_secs_f64();
        eprintln!(
            "{kind}: {} bytes in {:.3} ms, {:.1} MiB/s",
            json.len(),
            seconds * 1000.0,
            json.len() as f64 / seconds / 1_048_576.0
        );
    }
    ExitCode::SUCCESS
}
