//! The destination and the in-memory copy of the state, behind one lock: every change of the
//! state is committed to the destination first and copied to memory only once committed.
//! Destination calls block (disk, fsync), so they run on Tokio's blocking threads.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::destination::{ApplyCounts, ApplyPlan, BatchSource, Destination, StateEntry, Target};
use crate::error::ExportError;
use crate::state::{self, Change, State};

struct Inner<D> {
    destination: D,
    state: State,
}

/// The destination and the state, shared by the tasks of an export.
pub(crate) struct Store<D> {
    inner: Arc<Mutex<Inner<D>>>,
    name: String,
}

impl<D> Clone for Store<D> {
    fn clone(&self) -> Self {
        Store {
            inner: self.inner.clone(),
            name: self.name.clone(),
        }
    }
}

/// A batch source that also says which state changes commit with its rows.
pub(crate) trait ApplySource: BatchSource + Send {
    /// The changes returned by the last [`BatchSource::finish`].
    fn changes(&mut self) -> Vec<Change>;
}

fn lock<D>(inner: &Mutex<Inner<D>>) -> MutexGuard<'_, Inner<D>> {
    inner.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn blocking<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> Result<T, ExportError> + Send + 'static,
) -> Result<T, ExportError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ExportError::Destination {
            destination: name.to_owned(),
            message: format!("a destination task failed: {e}"),
            source: None,
        })?
}

impl<D: Destination> Store<D> {
    /// Reads the state of `destination`.
    pub(crate) async fn open(mut destination: D) -> Result<Self, ExportError> {
        let name = destination.describe();
        let (destination, state) = blocking(&name, move || {
            let entries = destination.read_state()?;
            let state = State::from_entries(&entries)?;
            Ok((destination, state))
        })
        .await?;
        Ok(Store {
            inner: Arc::new(Mutex::new(Inner { destination, state })),
            name,
        })
    }

    /// The destination's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Reads the in-memory state.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&lock(&self.inner).state)
    }

    /// Commits `changes`, then copies them to memory.
    pub(crate) async fn commit(&self, changes: Vec<Change>) -> Result<(), ExportError> {
        if changes.is_empty() {
            return Ok(());
        }
        let inner = self.inner.clone();
        blocking(&self.name, move || {
            let mut inner = lock(&inner);
            let entries: Vec<StateEntry> = state::entries(&changes);
            inner.destination.write_state(&entries)?;
            inner.state.apply(&changes);
            Ok(())
        })
        .await
    }

    /// Computes changes from the current state and commits them, atomically with respect to
    /// the other tasks; returns what `f` returns beside the changes.
    pub(crate) async fn update<R: Send + 'static>(
        &self,
        f: impl FnOnce(&State) -> Result<(Vec<Change>, R), ExportError> + Send + 'static,
    ) -> Result<R, ExportError> {
        let inner = self.inner.clone();
        blocking(&self.name, move || {
            let mut inner = lock(&inner);
            let (changes, out) = f(&inner.state)?;
            if !changes.is_empty() {
                inner.destination.write_state(&state::entries(&changes))?;
                inner.state.apply(&changes);
            }
            Ok(out)
        })
        .await
    }

    /// Applies a batch: rows and the source's state changes in one transaction, then the
    /// changes in memory. `make` opens the source from the state as it is for the
    /// transaction (on the blocking thread: it reads files). `guard` is a state entry that
    /// must still hold the value this process last wrote.
    pub(crate) async fn apply<S: ApplySource + 'static>(
        &self,
        table: String,
        target: Target,
        guard: Option<(String, String)>,
        make: impl FnOnce(&State) -> Result<S, ExportError> + Send + 'static,
    ) -> Result<ApplyCounts, ExportError> {
        let inner = self.inner.clone();
        blocking(&self.name, move || {
            let mut inner = lock(&inner);
            let mut source = make(&inner.state)?;
            let plan = ApplyPlan {
                table: &table,
                target,
                expect: guard.as_ref().map(|(k, v)| (k.as_str(), v.as_str())),
            };
            let counts = inner.destination.apply(&plan, &mut source)?;
            let changes = source.changes();
            inner.state.apply(&changes);
            Ok(counts)
        })
        .await
    }

    /// The number of rows of `table`.
    pub(crate) async fn row_count(&self, table: String) -> Result<Option<u64>, ExportError> {
        let inner = self.inner.clone();
        blocking(&self.name, move || {
            lock(&inner).destination.row_count(&table)
        })
        .await
    }
}
