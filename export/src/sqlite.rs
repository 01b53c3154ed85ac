//! The SQLite destination (rusqlite, with SQLite compiled in).
//!
//! Layout of the database:
//! - one table per object, named after it, with the CSV's columns, all `TEXT` (values are
//!   kept exactly as AQuA wrote them; null is SQL `NULL`), and `Id` as the primary key;
//! - `_aqua_state(key TEXT PRIMARY KEY, value TEXT)`: the export's state (see the `state`
//!   module);
//! - while a windowed full load is in progress, `_aqua_stage_<Object>`: the windows applied
//!   so far, which replace `<Object>` in the transaction of the last window.
//!
//! The database runs in WAL mode with `synchronous=FULL`: a committed transaction survives a
//! crash or a power cut, an uncommitted one leaves no trace. An exclusive lock on the file
//! `<database>.aqua-lock` (Unix `flock`, released when the process ends, even by `kill -9`)
//! keeps two exports off the same database.

use std::fs::File;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};

use crate::destination::{
    ApplyCounts, ApplyPlan, BatchSource, Destination, SourceRow, StateEntry, Target,
};
use crate::error::ExportError;

/// A SQLite database file holding the copy and the export's state.
#[derive(Debug)]
pub struct SqliteDestination {
    path: PathBuf,
    conn: Connection,
    /// Held for the life of the destination.
    _lock: Option<File>,
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// How rows are written into a table.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Write {
    /// Insert, and update when the `Id` is there already.
    Upsert,
    /// Like upsert, but inserting first: faster on a new table.
    Fill,
}

#[cfg(unix)]
fn lock(destination: &str, path: &Path) -> Result<Option<File>, ExportError> {
    let lock_path = PathBuf::from(format!("{}.aqua-lock", path.display()));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| ExportError::io(&lock_path, e))?;
    match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(Some(file)),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => Err(ExportError::Busy {
            destination: destination.to_owned(),
            lock: lock_path,
        }),
        Err(e) => Err(ExportError::io(&lock_path, e.into())),
    }
}

#[cfg(not(unix))]
fn lock(_destination: &str, _path: &Path) -> Result<Option<File>, ExportError> {
    Ok(None)
}

impl SqliteDestination {
    /// Opens (or creates) the database at `path`, creating its directory if needed, and
    /// takes the export lock.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ExportError> {
        let path = path.as_ref().to_path_buf();
        let describe = format!("sqlite:{}", path.display());
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| ExportError::io(parent, e))?;
        }
        let lock = lock(&describe, &path)?;
        let fail = |message: &str| {
            let describe = describe.clone();
            let message = message.to_owned();
            move |e: rusqlite::Error| ExportError::Destination {
                destination: describe,
                message,
                source: Some(Box::new(e)),
            }
        };
        let conn = Connection::open(&path).map_err(fail("cannot open the database"))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(fail("cannot configure the database"))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(fail("cannot switch the database to WAL mode"))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(fail("cannot configure the database"))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS _aqua_state (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)",
        )
        .map_err(fail("cannot create the state table"))?;
        Ok(SqliteDestination {
            path,
            conn,
            _lock: lock,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, to read the copy.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn error(&self, message: impl Into<String>) -> Box<dyn FnOnce(rusqlite::Error) -> ExportError> {
        let destination = self.describe();
        let message = message.into();
        Box::new(move |e| ExportError::Destination {
            destination,
            message,
            source: Some(Box::new(e)),
        })
    }
}

fn exists(conn: &Connection, table: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [table],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

fn create(conn: &Connection, table: &str, columns: &[String]) -> rusqlite::Result<()> {
    let defs: Vec<String> = columns
        .iter()
        .map(|c| {
            if c == "Id" {
                format!("{} TEXT PRIMARY KEY NOT NULL", quote(c))
            } else {
                format!("{} TEXT", quote(c))
            }
        })
        .collect();
    conn.execute_batch(&format!(
        "DROP TABLE IF EXISTS {t}; CREATE TABLE {t} ({})",
        defs.join(", "),
        t = quote(table)
    ))
}

/// Creates `table` if needed and adds the columns it lacks.
fn ensure(conn: &Connection, table: &str, columns: &[String]) -> rusqlite::Result<()> {
    if !exists(conn, table)? {
        return create(conn, table, columns);
    }
    let mut have = Vec::new();
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({})", quote(table)))?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        have.push(row.get::<_, String>(1)?);
    }
    for column in columns {
        if !have.iter().any(|h| h.eq_ignore_ascii_case(column)) {
            conn.execute_batch(&format!(
                "ALTER TABLE {} ADD COLUMN {} TEXT",
                quote(table),
                quote(column)
            ))?;
        }
    }
    Ok(())
}

/// Replaces `live` by `side`; the counts compare the two.
fn swap(conn: &Connection, live: &str, side: &str) -> rusqlite::Result<ApplyCounts> {
    let count = |sql: &str| {
        conn.query_row(sql, [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
    };
    let new = count(&format!("SELECT count(*) FROM {}", quote(side)))?;
    let mut counts = ApplyCounts::default();
    if exists(conn, live)? {
        let kept = count(&format!(
            "SELECT count(*) FROM {s} WHERE \"Id\" IN (SELECT \"Id\" FROM {l})",
            s = quote(side),
            l = quote(live)
        ))?;
        let old = count(&format!("SELECT count(*) FROM {}", quote(live)))?;
        counts.updated = kept;
        counts.deleted = old - kept;
        conn.execute_batch(&format!("DROP TABLE {}", quote(live)))?;
    }
    counts.inserted = new - counts.updated;
    conn.execute_batch(&format!(
        "ALTER TABLE {} RENAME TO {}",
        quote(side),
        quote(live)
    ))?;
    Ok(counts)
}

/// What went wrong while writing rows: SQLite, or the source.
enum LoadError {
    Sql(rusqlite::Error),
    Source(ExportError),
}

impl From<rusqlite::Error> for LoadError {
    fn from(e: rusqlite::Error) -> Self {
        LoadError::Sql(e)
    }
}

/// Writes every row of `source` into `table`.
fn load(
    conn: &Connection,
    table: &str,
    source: &mut dyn BatchSource,
    write: Write,
) -> Result<ApplyCounts, LoadError> {
    let columns = source.columns().to_vec();
    let key = columns.iter().position(|c| c == "Id").ok_or_else(|| {
        LoadError::Source(ExportError::Usage(format!(
            "the rows of {table} have no Id column"
        )))
    })?;
    let t = quote(table);
    let names: Vec<String> = columns.iter().map(|c| quote(c)).collect();
    let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let mut insert = conn.prepare(&format!(
        "INSERT INTO {t} ({}) VALUES ({})",
        names.join(", "),
        marks.join(", ")
    ))?;
    let sets: Vec<String> = names
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != key)
        .map(|(i, n)| format!("{n} = ?{}", i + 1))
        .collect();
    let mut update = if sets.is_empty() {
        conn.prepare(&format!(
            "UPDATE {t} SET \"Id\" = \"Id\" WHERE \"Id\" = ?{}",
            key + 1
        ))?
    } else {
        conn.prepare(&format!(
            "UPDATE {t} SET {} WHERE \"Id\" = ?{}",
            sets.join(", "),
            key + 1
        ))?
    };
    let mut delete = conn.prepare(&format!("DELETE FROM {t} WHERE \"Id\" = ?1"))?;
    let mut counts = ApplyCounts::default();
    while let Some(SourceRow { values, deleted }) = source.next_row().map_err(LoadError::Source)? {
        counts.rows += 1;
        if deleted {
            counts.deleted += delete.execute([&values[key]])? as u64;
            continue;
        }
        let params = || rusqlite::params_from_iter(values.iter());
        let inserted = match write {
            Write::Fill => match insert.execute(params()) {
                Ok(_) => true,
                Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                    update.execute(params())?;
                    false
                }
                Err(e) => return Err(e.into()),
            },
            Write::Upsert => {
                if update.execute(params())? == 0 {
                    insert.execute(params())?;
                    true
                } else {
                    false
                }
            }
        };
        if inserted {
            counts.inserted += 1;
        } else {
            counts.updated += 1;
        }
    }
    Ok(counts)
}

fn write_entries(conn: &Connection, entries: &[StateEntry]) -> rusqlite::Result<()> {
    let mut put = conn.prepare_cached(
        "INSERT INTO _aqua_state (key, value) VALUES (?1, ?2) \
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?;
    let mut remove = conn.prepare_cached("DELETE FROM _aqua_state WHERE key = ?1")?;
    for (key, value) in entries {
        match value {
            Some(value) => put.execute(params![key, value])?,
            None => remove.execute([key])?,
        };
    }
    Ok(())
}

/// The name of the staging table of a windowed full load of `table`.
pub(crate) fn staging(table: &str) -> String {
    format!("_aqua_stage_{table}")
}

impl Destination for SqliteDestination {
    fn describe(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }

    fn read_state(&mut self) -> Result<Vec<(String, String)>, ExportError> {
        let read = || -> rusqlite::Result<Vec<(String, String)>> {
            let mut stmt = self
                .conn
                .prepare("SELECT key, value FROM _aqua_state ORDER BY key")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        };
        read().map_err(self.error("cannot read the export state"))
    }

    fn write_state(&mut self, entries: &[StateEntry]) -> Result<(), ExportError> {
        let error = self.error("cannot write the export state");
        let result = (|| {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            write_entries(&tx, entries)?;
            tx.commit()
        })();
        result.map_err(error)
    }

    fn apply(
        &mut self,
        plan: &ApplyPlan<'_>,
        source: &mut dyn BatchSource,
    ) -> Result<ApplyCounts, ExportError> {
        let destination = self.describe();
        let sql = |message: String| {
            let destination = destination.clone();
            move |e: rusqlite::Error| ExportError::Destination {
                destination,
                message,
                source: Some(Box::new(e)),
            }
        };
        let context = format!("cannot apply rows to {}", plan.table);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql(context.clone()))?;
        if let Some((key, expected)) = plan.expect {
            let current: Option<String> = tx
                .query_row("SELECT value FROM _aqua_state WHERE key = ?1", [key], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(sql(context.clone()))?;
            if current.as_deref() != Some(expected) {
                return Err(ExportError::Destination {
                    destination,
                    message: format!(
                        "the state `{key}` changed under this export (another process applied \
                         the batch?); nothing was written, run the export again"
                    ),
                    source: None,
                });
            }
        }
        let columns = source.columns().to_vec();
        let table = plan.table;
        let loaded = (|| -> Result<ApplyCounts, LoadError> {
            match plan.target {
                Target::Upsert => {
                    ensure(&tx, table, &columns)?;
                    load(&tx, table, source, Write::Upsert)
                }
                Target::Replace => {
                    let side = format!("_aqua_new_{table}");
                    create(&tx, &side, &columns)?;
                    let read = load(&tx, &side, source, Write::Fill)?;
                    let mut counts = swap(&tx, table, &side)?;
                    counts.rows = read.rows;
                    Ok(counts)
                }
                Target::Stage { first, last } => {
                    let stage = staging(table);
                    if first {
                        create(&tx, &stage, &columns)?;
                    } else {
                        ensure(&tx, &stage, &columns)?;
                    }
                    let read = load(&tx, &stage, source, Write::Upsert)?;
                    if last {
                        let mut counts = swap(&tx, table, &stage)?;
                        counts.rows = read.rows;
                        Ok(counts)
                    } else {
                        Ok(ApplyCounts {
                            rows: read.rows,
                            ..ApplyCounts::default()
                        })
                    }
                }
            }
        })();
        let counts = match loaded {
            Ok(counts) => counts,
            Err(LoadError::Sql(e)) => return Err(sql(context)(e)),
            Err(LoadError::Source(e)) => return Err(e),
        };
        let entries = source.finish(&counts)?;
        write_entries(&tx, &entries).map_err(sql("cannot write the export state".to_owned()))?;
        tx.commit()
            .map_err(sql(format!("cannot commit the rows of {table}")))?;
        Ok(counts)
    }

    fn row_count(&mut self, table: &str) -> Result<Option<u64>, ExportError> {
        let count = || -> rusqlite::Result<Option<u64>> {
            if !exists(&self.conn, table)? {
                return Ok(None);
            }
            self.conn
                .query_row(&format!("SELECT count(*) FROM {}", quote(table)), [], |r| {
                    r.get::<_, i64>(0)
                })
                .map(|n| Some(n as u64))
        };
        count().map_err(self.error(format!("cannot count the rows of {table}")))
    }
}

#[cfg(test)]
mod tests;
