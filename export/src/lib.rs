//! Keeps a local copy of Zuora objects up to date through AQuA, exactly once.
//!
//! The engine of `aqua export`, built on the generated client (`zuora-aqua`). See
//! [`export`] and [`Options`]; [`SqliteDestination`] is the destination shipped here, behind
//! the [`Destination`] trait.

mod apply;
mod destination;
mod engine;
mod error;
mod jobs;
mod options;
mod progress;
mod reader;
pub mod seam;
mod session;
mod sqlite;
mod state;
mod store;
mod windowed;
mod windows;
mod zoql;

pub use destination::{
    ApplyCounts, ApplyPlan, BatchSource, Destination, SourceRow, StateEntry, Target,
};
pub use engine::export;
pub use error::ExportError;
pub use options::{
    MAX_JOBS, MAX_QUERIES, NO_DELETED_RECORDS, ObjectSpec, Options, Packaging, Timings, WindowSpec,
};
pub use progress::{Event, ObjectSummary, Progress, Silent, Summary};
pub use sqlite::SqliteDestination;
