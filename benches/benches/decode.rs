//! Decoding benchmarks: a `Job` body of 10, 1,000 and 100,000 batches (about 30 MB) decoded
//! with `serde_json::from_slice` into
//!
//! * `generated`: the generated `zuora_aqua::Job`;
//! * `hand`: a hand-written `#[derive(Deserialize)]` struct of the same shape (the baseline);
//! * `hand_flatten`: the same hand-written struct with the generated types'
//!   `#[serde(flatten)] unknown_fields: BTreeMap<String, Value>` on every object.
//!
//! Throughput is in bytes of JSON. The decoded value is dropped outside the timing.
//!
//! Before the benchmarks, `main` decodes the largest body once with each type. Without this
//! warm-up the results depended on the order (divan runs `generated` first): `generated` was
//! measured 1.29× slower than `hand` at 1,000 batches, against 1.08× with each alone in a fresh
//! process, most likely because glibc's malloc raises its mmap threshold once a large block
//! is freed, so that only the benchmarks after the first large one reuse heap memory.
//!
//! Run with `cargo bench -p aqua-benches --bench decode`.

use aqua_benches::decode::{hand, hand_flatten, job_json};
use divan::Bencher;
use divan::counter::BytesCount;
use serde::de::DeserializeOwned;

fn main() {
    let largest = job_json(BATCHES[BATCHES.len() - 1]);
    drop(serde_json::from_str::<zuora_aqua::Job>(&largest).expect("the body decodes"));
    drop(serde_json::from_str::<hand::Job>(&largest).expect("the body decodes"));
    drop(serde_json::from_str::<hand_flatten::Job>(&largest).expect("the body decodes"));
    drop(largest);
    divan::main();
}

const BATCHES: [usize; 3] = [10, 1_000, 100_000];

fn decode<T: DeserializeOwned>(bencher: Bencher<'_, '_>, batches: usize) {
    let json = job_json(batches);
    bencher
        .counter(BytesCount::of_str(&json))
        .bench_local(|| -> T {
            serde_json::from_slice(divan::black_box(json.as_bytes())).expect("the body decodes")
        });
}

#[divan::bench(args = BATCHES, max_time = 10)]
fn generated(bencher: Bencher<'_, '_>, batches: usize) {
    decode::<zuora_aqua::Job>(bencher, batches);
}

#[divan::bench(args = BATCHES, max_time = 10)]
fn hand(bencher: Bencher<'_, '_>, batches: usize) {
    decode::<hand::Job>(bencher, batches);
}

#[divan::bench(args = BATCHES, max_time = 10)]
fn hand_flatten(bencher: Bencher<'_, '_>, batches: usize) {
    decode::<hand_flatten::Job>(bencher, batches);
}
