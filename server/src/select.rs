//! Which records a batch exports: every live row of a full load, the rows changed since the
//! session's previous job in an incremental one (plus the rows deleted since then, when the
//! query asks for deleted records), always filtered by the query's `where` condition.

use chrono::NaiveDateTime;

use crate::data::{Row, Table, Value};
use crate::query::ParsedQuery;

/// How a batch reads its object.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Load {
    /// Every live row.
    Full,
    /// A stateful increment.
    Since {
        /// The tenant generation when the session's previous job completed.
        watermark: u64,
        /// `incrementalTime`: rows whose `UpdatedDate` is at or after it, instead of the rows
        /// changed after `watermark`.
        from: Option<NaiveDateTime>,
        /// Whether the query has a `deleted` section.
        deleted: bool,
    },
}

/// The records of one batch.
#[derive(Debug, Default)]
pub(crate) struct Selection<'a> {
    /// Live records, in table order.
    pub(crate) rows: Vec<&'a Row>,
    /// Records deleted since the previous job (only for increments with a `deleted`
    /// section). As with Zuora, a record created and deleted between two jobs is not
    /// reported.
    pub(crate) deleted: Vec<&'a Row>,
}

impl Selection<'_> {
    /// The number of records (live and deleted) the batch reports.
    pub(crate) fn len(&self) -> usize {
        self.rows.len() + self.deleted.len()
    }
}

/// Selects the records of `table` that a batch of `query` exports.
pub(crate) fn select<'a>(table: &'a Table, query: &ParsedQuery, load: Load) -> Selection<'a> {
    let wanted = |row: &Row| query.filter.as_ref().is_none_or(|f| f.matches(row));
    let updated = table.schema.field("UpdatedDate");
    let mut selection = Selection::default();
    for row in &table.rows {
        if !wanted(row) {
            continue;
        }
        match (load, row.deleted) {
            (Load::Full, None) => selection.rows.push(row),
            (Load::Full, Some(_)) => {}
            (
                Load::Since {
                    watermark, from, ..
                },
                None,
            ) => {
                let changed = match (from, updated.map(|i| &row.values[i])) {
                    (Some(from), Some(Value::DateTime(t))) => *t >= from,
                    _ => row.changed > watermark,
                };
                if changed {
                    selection.rows.push(row);
                }
            }
            (
                Load::Since {
                    watermark,
                    deleted: true,
                    ..
                },
                Some(at),
            ) if at > watermark && row.created <= watermark => selection.deleted.push(row),
            (Load::Since { .. }, Some(_)) => {}
        }
    }
    selection
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ACCOUNT, Tenant};
    use crate::query::parse;

    #[test]
    fn increments_report_changes_and_deletions_since_the_watermark() {
        let mut tenant = Tenant::new(3);
        let query = parse("select Id, Name from Account").unwrap();
        let full = select(&tenant.tables[ACCOUNT], &query, Load::Full);
        assert_eq!(full.rows.len(), 300);
        tenant.touch();
        let since = |deleted| Load::Since {
            watermark: 0,
            from: None,
            deleted,
        };
        let table = &tenant.tables[ACCOUNT];
        let increment = select(table, &query, since(true));
        assert!((1..=4).contains(&increment.rows.len()));
        assert_eq!(increment.deleted.len(), 1);
        assert!(increment.rows.iter().all(|r| r.changed == 1 && r.live()));
        assert_eq!(select(table, &query, since(false)).deleted.len(), 0);
        // A full load never has deleted rows.
        assert_eq!(select(table, &query, Load::Full).rows.len(), 300);
        // Rows created after the watermark and deleted since are not reported.
        let later = Load::Since {
            watermark: 1,
            from: None,
            deleted: true,
        };
        tenant.touch();
        let second = select(&tenant.tables[ACCOUNT], &query, later);
        assert_eq!(second.deleted.len(), 1);
        assert!(second.deleted[0].created <= 1);
    }

    #[test]
    fn where_conditions_filter_every_load() {
        let tenant = Tenant::new(1);
        let query = parse("select Id from Account where Status = 'Draft'").unwrap();
        let rows = select(&tenant.tables[ACCOUNT], &query, Load::Full).rows;
        assert!(!rows.is_empty() && rows.len() < 300);
        let status = tenant.tables[ACCOUNT].schema.column("Status");
        assert!(
            rows.iter()
                .all(|r| r.values[status] == Value::Text("Draft".to_owned()))
        );
    }
}
