//! A typed async client for Zuora's AQuA (Aggregate Query API).
//!
//! Everything in this crate except this page and the `results` helpers
//! ([`Client::download_job_results`], [`DownloadOptions`]) is generated at build time from
//! `spec/aqua.yaml` by `aqua-codegen`: the types ([`Job`], [`Batch`], the enums), the
//! [`Environment`]s, the [`Credentials`], the [`Client`] and one request builder per operation.
//! Review the generated code in the snapshot `tests/it/snapshots/it__codegen__aqua_client.snap`.
//!
//! ```no_run
//! use zuora_aqua::{Client, Credentials, Environment};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(
//!     Environment::UsCloud1Production,
//!     Credentials::basic("user@example.com", "password"),
//! )?;
//! let job = client
//!     .get_last_completed_job("salesforce", "00170000011K3Ub")
//!     .await?;
//! for batch in job.batches.iter().flatten() {
//!     println!("{:?}: {:?} records", batch.name, batch.record_count.as_ref().map(|c| c.get()));
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Forward compatibility: unknown fields are kept in each struct's `unknown_fields`, unknown enum values are
//! kept in each enum's `Unknown` variant and encoded back unchanged, and values Zuora sends in
//! several forms (`version`, `recordCount`, `startTime`, `format`) keep the form received.

include!(concat!(env!("OUT_DIR"), "/aqua.rs"));

/// The README's Rust blocks, compiled as this crate's doctests so that they cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

mod results;
pub use results::{DownloadOptions, ResultFile, batch_files};

/// The hand-written runtime the generated code is built on (errors, transport, wire types).
pub use aqua_runtime as runtime;
pub use aqua_runtime::wait::{PollOutcome, Wait, WaitError};
pub use aqua_runtime::wire::FlexBool;
pub use aqua_runtime::{
    Caseless, ClientConfig, ConfigError, Download, DownloadError, FlexInt, FlexString, Secret,
    StringEnum, TimestampValue,
};
