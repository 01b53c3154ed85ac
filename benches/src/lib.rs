//! Benchmarks of the aqua workspace against baselines; the figures and the commands that
//! reproduce them are in `BENCHMARKS.md` at the root of the repository.
//!
//! This library holds what the benchmarks (`benches/`), the helper binaries (`src/bin/`) and
//! the scripts (`scripts/`) share:
//!
//! * [`synth`]: synthetic OpenAPI specs of any number of operations;
//! * [`decode`]: a `Job` body of any number of batches and hand-written baseline types;
//! * [`per_call`]: the local AQuA server with a completed job, and a raw `reqwest` client;
//! * [`files`]: a server that streams large result files;
//! * [`corpus`]: the real-world corpus harness (the `corpus` binary).
//!
//! Nothing here runs under `cargo test` except the quick smoke tests below.

pub mod corpus;
pub mod decode;
pub mod files;
pub mod per_call;
pub mod synth;

#[cfg(test)]
mod tests;
