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
//! Run with `cargo bench -p aqua-benches --bench decode`.

use aqua_benches::decode::{hand, hand_flatten, job_json};
use divan::Bencher;
use divan::counter::BytesCount;
use serde::de::DeserializeOwned;

fn main() {
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
