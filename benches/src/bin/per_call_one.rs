//! `per-call-one generated|raw|ab ROUNDS CONCURRENCY`: starts the per-call fixture (the
//! local AQuA server with a completed job, see `aqua_benches::per_call`), warms up, then
//! makes ROUNDS rounds of CONCURRENCY concurrent `getLastCompletedJob` calls and prints the
//! time per call and the server's counters to stderr.
//!
//! * `generated` and `raw`: one client only, for profiles (`valgrind --tool=callgrind`: the
//!   server's work is the same in both modes, so the difference of the totals is the
//!   clients'), where a benchmark harness would be in the way.
//! * `ab`: both clients, in alternating rounds (generated first in even rounds, raw first in
//!   odd ones), each round timed on its own: a paired comparison that a machine whose speed
//!   drifts during the run (a shared one) affects alike. Prints the median and the 10th and
//!   90th percentiles of the round times of each, the ratio of the medians and the median of
//!   the ratios of each pair of rounds.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use aqua_benches::per_call::{Fixture, Raw, generated_call, generated_client};
use futures_util::future::join_all;
use zuora_aqua::Client;

async fn generated_round(client: &Client, concurrency: usize) -> Result<(), String> {
    for result in join_all((0..concurrency).map(|_| generated_call(client))).await {
        result.map_err(|e| e.to_string())?;
    }
    Ok(())
}

async fn raw_round(raw: &Raw, concurrency: usize) -> Result<(), String> {
    for result in join_all((0..concurrency).map(|_| raw.call())).await {
        result?;
    }
    Ok(())
}

/// The `q` quantile (0..=1) of sorted `values`.
fn quantile(values: &[f64], q: f64) -> f64 {
    let index = ((values.len() - 1) as f64 * q).round() as usize;
    values[index]
}

fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parse = |i: usize| args.get(i).and_then(|v| v.parse::<usize>().ok());
    let (Some(mode), Some(rounds), Some(concurrency)) = (args.first(), parse(1), parse(2)) else {
        eprintln!("usage: per-call-one generated|raw|ab ROUNDS CONCURRENCY");
        return ExitCode::from(2);
    };
    if !matches!(mode.as_str(), "generated" | "raw" | "ab") || rounds == 0 || concurrency == 0 {
        eprintln!("usage: per-call-one generated|raw|ab ROUNDS CONCURRENCY");
        return ExitCode::from(2);
    }
    let fixture = Fixture::start();
    let url = fixture.rest_url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let client = generated_client(&url);
    let raw = Raw::new(&url);
    let timed = |generated: bool| -> Result<Duration, String> {
        let start = Instant::now();
        if generated {
            rt.block_on(generated_round(&client, concurrency))?;
        } else {
            rt.block_on(raw_round(&raw, concurrency))?;
        }
        Ok(start.elapsed())
    };
    let run = || -> Result<(), String> {
        // Warm-up: open the connections of each client used.
        if mode != "raw" {
            timed(true)?;
        }
        if mode != "generated" {
            timed(false)?;
        }
        let before = fixture.stats();
        let start = Instant::now();
        let (mut generated, mut baseline) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            match mode.as_str() {
                "generated" => generated.push(timed(true)?),
                "raw" => baseline.push(timed(false)?),
                _ if round % 2 == 0 => {
                    generated.push(timed(true)?);
                    baseline.push(timed(false)?);
                }
                _ => {
                    baseline.push(timed(false)?);
                    generated.push(timed(true)?);
                }
            }
        }
        let elapsed = start.elapsed();
        let after = fixture.stats();
        let calls = (generated.len() + baseline.len()) * concurrency;
        eprintln!(
            "{mode}: {calls} calls ({rounds} rounds of {concurrency}) in {:.3} s; {} requests, {} new connections",
            elapsed.as_secs_f64(),
            after.requests - before.requests,
            after.connections - before.connections,
        );
        let per_call = |d: &Duration| d.as_secs_f64() * 1e6 / concurrency as f64;
        let mut medians = Vec::new();
        for (name, times) in [("generated", &generated), ("raw", &baseline)] {
            if times.is_empty() {
                continue;
            }
            let values = sorted(times.iter().map(per_call).collect());
            let median = quantile(&values, 0.5);
            medians.push(median);
            eprintln!(
                "  {name}: median {median:.1} µs a call (p10 {:.1}, p90 {:.1}) over {} rounds",
                quantile(&values, 0.1),
                quantile(&values, 0.9),
                values.len(),
            );
        }
        if let [g, r] = medians[..] {
            let pairs = sorted(
                generated
                    .iter()
                    .zip(&baseline)
                    .map(|(g, r)| g.as_secs_f64() / r.as_secs_f64())
                    .collect(),
            );
            eprintln!(
                "  generated / raw: {:.3} (ratio of medians); pairwise median {:.3} (p10 {:.3}, p90 {:.3})",
                g / r,
                quantile(&pairs, 0.5),
                quantile(&pairs, 0.1),
                quantile(&pairs, 0.9),
            );
        }
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
