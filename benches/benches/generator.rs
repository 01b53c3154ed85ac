//! Generator benchmarks: spec file to printed code, in process.
//!
//! * `aqua_yaml`: `SpecSource::from_path("spec/aqua.yaml")` + `generate_source` (read, load,
//!   lower, emit, format);
//! * `synthetic`: `generate_source` of the synthetic specs of 250, 1,000 and 4,000
//!   operations (`aqua_benches::synth`, built in memory before the timing).
//!
//! Run with `cargo bench -p aqua-benches --bench generator`.

use std::path::Path;

use aqua_benches::synth::synthetic_spec;
use aqua_codegen::SpecSource;
use divan::Bencher;
use divan::counter::ItemsCount;

fn main() {
    divan::main();
}

const AQUA_SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/aqua.yaml");

#[divan::bench(sample_count = 50, sample_size = 1)]
fn aqua_yaml() -> String {
    let source = SpecSource::from_path(Path::new(AQUA_SPEC)).expect("spec/aqua.yaml loads");
    aqua_codegen::generate_source(&source).expect("spec/aqua.yaml generates")
}

#[divan::bench(args = [250, 1000, 4000], sample_count = 10, sample_size = 1)]
fn synthetic(bencher: Bencher<'_, '_>, operations: usize) {
    let source = SpecSource::new(
        format!("synthetic-{operations}.yaml"),
        synthetic_spec(operations),
    );
    bencher
        .counter(ItemsCount::new(operations))
        .bench_local(|| aqua_codegen::generate_source(&source).expect("the spec generates"));
}
