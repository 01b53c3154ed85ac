//! Where the copy goes: the [`Destination`] trait. The engine owns what the state means; a
//! destination stores rows and state documents, and commits a batch's rows together with
//! the documents that say it was applied, in one transaction.
//!
//! [`SqliteDestination`](crate::SqliteDestination) is the implementation shipped here; a
//! server database would implement the same five methods.

use crate::error::ExportError;

/// A state entry to write: a key and its new value (`None` removes it).
pub type StateEntry = (String, Option<String>);

/// Where a batch's rows go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Upsert into the table by `Id`; rows flagged deleted are deleted (an increment).
    Upsert,
    /// Replace the table: the rows go to a new table that takes the old one's place when
    /// the transaction commits (a full load in one job).
    Replace,
    /// Into the staging table of a full load in several jobs (windows), upserting by `Id`:
    /// `first` starts it empty, and after `last` it replaces the table, in the same
    /// transaction.
    Stage {
        /// The first window: the staging table starts empty.
        first: bool,
        /// The last window: the staging table replaces the table.
        last: bool,
    },
}

/// One row of a result file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceRow {
    /// One value per column of [`BatchSource::columns`]; `None` is null.
    pub values: Vec<Option<String>>,
    /// AQuA reported the record as deleted.
    pub deleted: bool,
}

/// What applying a batch did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ApplyCounts {
    /// Rows read from the files.
    pub rows: u64,
    /// Records that were not in the table.
    pub inserted: u64,
    /// Records that were in the table and were written again.
    pub updated: u64,
    /// Records removed from the table.
    pub deleted: u64,
}

impl ApplyCounts {
    /// The sum of two counts.
    pub fn add(&mut self, other: ApplyCounts) {
        self.rows += other.rows;
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.deleted += other.deleted;
    }
}

/// The rows of one batch, read as the transaction goes.
pub trait BatchSource {
    /// The column names; one of them is `Id`, the primary key.
    fn columns(&self) -> &[String];
    /// The next row, `None` at the end.
    fn next_row(&mut self) -> Result<Option<SourceRow>, ExportError>;
    /// The state entries to commit with the rows, asked once every row was written.
    fn finish(&mut self, counts: &ApplyCounts) -> Result<Vec<StateEntry>, ExportError>;
}

/// What [`Destination::apply`] is asked to do.
#[derive(Clone, Copy, Debug)]
pub struct ApplyPlan<'a> {
    /// The table (the object's name).
    pub table: &'a str,
    /// Where the rows go.
    pub target: Target,
    /// A compare-and-swap guard: the state entry `key` must still have this value, or the
    /// transaction is abandoned (another process applied the batch).
    pub expect: Option<(&'a str, &'a str)>,
}

/// A place that holds the copy and the export's state.
pub trait Destination: Send + 'static {
    /// A name for messages (`sqlite:/data/zuora.db`).
    fn describe(&self) -> String;
    /// Every state entry, as `(key, value)`.
    fn read_state(&mut self) -> Result<Vec<(String, String)>, ExportError>;
    /// Writes state entries durably, all or none.
    fn write_state(&mut self, entries: &[StateEntry]) -> Result<(), ExportError>;
    /// In one transaction: writes every row of `source` to `plan.target`, then the entries
    /// [`BatchSource::finish`] returns. On any error nothing of it is kept.
    fn apply(
        &mut self,
        plan: &ApplyPlan<'_>,
        source: &mut dyn BatchSource,
    ) -> Result<ApplyCounts, ExportError>;
    /// The number of rows of `table`, `None` if it does not exist.
    fn row_count(&mut self, table: &str) -> Result<Option<u64>, ExportError>;
}
