//! Per-call overhead: `getLastCompletedJob` against the local AQuA server (its own runtime,
//! one worker thread), with the generated client and with raw `reqwest` + `serde_json` sending
//! the same request (see `aqua_benches::per_call`), from a current-thread runtime:
//!
//! * `sequential`: one call per iteration;
//! * `concurrent_64`: 64 calls in flight at once per iteration (`join_all`).
//!
//! Each benchmark starts its own server; the server's request and connection counts of the
//! timed calls are printed to stderr after the table, to show connection reuse.
//!
//! Run with `cargo bench -p aqua-benches --bench per_call`.

use std::future::Future;
use std::sync::Mutex;

use aqua_benches::per_call::{Fixture, Raw, generated_call, generated_client};
use divan::Bencher;
use futures_util::future::join_all;

fn main() {
    divan::main();
    for line in REPORT.lock().expect("not poisoned").iter() {
        eprintln!("{line}");
    }
}

/// The server's counters of each benchmark, printed after divan's table.
static REPORT: Mutex<Vec<String>> = Mutex::new(Vec::new());

const CONCURRENCY: usize = 64;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime")
}

/// Benchmarks `call` (which makes `calls` requests) and reports the server's counters.
fn measure<F, Fut>(bencher: Bencher<'_, '_>, name: &str, calls: usize, fixture: &Fixture, call: F)
where
    F: Fn() -> Fut + Sync,
    Fut: Future<Output = ()>,
{
    let rt = runtime();
    // Warm-up: open the connections before the timing.
    rt.block_on(call());
    let before = fixture.stats();
    let mut iterations = 0u64;
    bencher.counter(calls).bench_local(|| {
        iterations += 1;
        rt.block_on(call())
    });
    let after = fixture.stats();
    REPORT.lock().expect("not poisoned").push(format!(
        "{name}: {} timed iterations, {} requests, {} new connections (server total {} connections for {} requests)",
        iterations,
        after.requests - before.requests,
        after.connections - before.connections,
        after.connections,
        after.requests,
    ));
}

#[divan::bench(sample_count = 1000, sample_size = 10)]
fn sequential_generated(bencher: Bencher<'_, '_>) {
    let fixture = Fixture::start();
    let client = generated_client(&fixture.rest_url());
    measure(bencher, "sequential_generated", 1, &fixture, || async {
        generated_call(&client).await.expect("the call succeeds");
    });
}

#[divan::bench(sample_count = 1000, sample_size = 10)]
fn sequential_raw(bencher: Bencher<'_, '_>) {
    let fixture = Fixture::start();
    let raw = Raw::new(&fixture.rest_url());
    measure(bencher, "sequential_raw", 1, &fixture, || async {
        raw.call().await.expect("the call succeeds");
    });
}

#[divan::bench(sample_count = 500, sample_size = 1)]
fn concurrent_64_generated(bencher: Bencher<'_, '_>) {
    let fixture = Fixture::start();
    let client = generated_client(&fixture.rest_url());
    measure(
        bencher,
        "concurrent_64_generated",
        CONCURRENCY,
        &fixture,
        || async {
            for result in join_all((0..CONCURRENCY).map(|_| generated_call(&client))).await {
                result.expect("the call succeeds");
            }
        },
    );
}

#[divan::bench(sample_count = 500, sample_size = 1)]
fn concurrent_64_raw(bencher: Bencher<'_, '_>) {
    let fixture = Fixture::start();
    let raw = Raw::new(&fixture.rest_url());
    measure(
        bencher,
        "concurrent_64_raw",
        CONCURRENCY,
        &fixture,
        || async {
            for result in join_all((0..CONCURRENCY).map(|_| raw.call())).await {
                result.expect("the call succeeds");
            }
        },
    );
}
