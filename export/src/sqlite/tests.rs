use super::*;

/// Rows from memory; fails at row `fail_at` when set.
struct Rows {
    columns: Vec<String>,
    rows: std::vec::IntoIter<SourceRow>,
    fail_at: Option<u64>,
    read: u64,
    state: Vec<StateEntry>,
}

fn rows(columns: &[&str], rows: &[(&[Option<&str>], bool)]) -> Rows {
    Rows {
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        rows: rows
            .iter()
            .map(|(values, deleted)| SourceRow {
                values: values.iter().map(|v| v.map(str::to_owned)).collect(),
                deleted: *deleted,
            })
            .collect::<Vec<_>>()
            .into_iter(),
        fail_at: None,
        read: 0,
        state: Vec::new(),
    }
}

impl BatchSource for Rows {
    fn columns(&self) -> &[String] {
        &self.columns
    }

    fn next_row(&mut self) -> Result<Option<SourceRow>, ExportError> {
        self.read += 1;
        if Some(self.read) == self.fail_at {
            return Err(ExportError::Usage("the source broke".to_owned()));
        }
        Ok(self.rows.next())
    }

    fn finish(&mut self, _: &ApplyCounts) -> Result<Vec<StateEntry>, ExportError> {
        Ok(self.state.clone())
    }
}

fn plan(table: &str, target: Target) -> ApplyPlan<'_> {
    ApplyPlan {
        table,
        target,
        expect: None,
    }
}

fn table(db: &SqliteDestination, table: &str) -> Vec<Vec<Option<String>>> {
    let mut stmt = db
        .connection()
        .prepare(&format!("SELECT * FROM {} ORDER BY \"Id\"", quote(table)))
        .unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| (0..n).map(|i| r.get(i)).collect())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn strings(rows: &[&[Option<&str>]]) -> Vec<Vec<Option<String>>> {
    rows.iter()
        .map(|r| r.iter().map(|v| v.map(str::to_owned)).collect())
        .collect()
}

fn state(entries: &[(&str, Option<&str>)]) -> Vec<StateEntry> {
    entries
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned)))
        .collect()
}

#[test]
fn increments_upsert_delete_and_keep_null_apart_from_empty() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = SqliteDestination::open(dir.path().join("a.db")).unwrap();
    let mut first = rows(
        &["Id", "Name"],
        &[
            (&[Some("1"), Some("one")], false),
            (&[Some("2"), None], false),
        ],
    );
    first.state = state(&[("object/A", Some("v1"))]);
    let counts = db.apply(&plan("A", Target::Upsert), &mut first).unwrap();
    assert_eq!((counts.rows, counts.inserted, counts.updated), (2, 2, 0));
    let mut second = rows(
        &["Id", "Name", "Extra"],
        &[
            (&[Some("2"), Some(""), Some("x")], false),
            (&[Some("3"), Some("three"), None], false),
            (&[Some("1"), Some("gone"), None], true),
            (&[Some("9"), None, None], true),
        ],
    );
    let counts = db.apply(&plan("A", Target::Upsert), &mut second).unwrap();
    assert_eq!(
        (counts.rows, counts.inserted, counts.updated, counts.deleted),
        (4, 1, 1, 1)
    );
    assert_eq!(
        table(&db, "A"),
        strings(&[
            &[Some("2"), Some(""), Some("x")],
            &[Some("3"), Some("three"), None]
        ])
    );
    assert_eq!(
        db.read_state().unwrap(),
        [("object/A".to_owned(), "v1".to_owned())]
    );
    assert_eq!(db.row_count("A").unwrap(), Some(2));
    assert_eq!(db.row_count("Nope").unwrap(), None);
}

#[test]
fn a_failed_batch_leaves_rows_and_state_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = SqliteDestination::open(dir.path().join("a.db")).unwrap();
    let mut first = rows(&["Id"], &[(&[Some("1")], false)]);
    first.state = state(&[("k", Some("before"))]);
    db.apply(&plan("A", Target::Replace), &mut first).unwrap();
    for target in [
        Target::Upsert,
        Target::Replace,
        Target::Stage {
            first: true,
            last: true,
        },
    ] {
        let mut broken = rows(
            &["Id"],
            &[
                (&[Some("2")], false),
                (&[Some("3")], false),
                (&[Some("4")], false),
            ],
        );
        broken.fail_at = Some(3);
        broken.state = state(&[("k", Some("after"))]);
        let err = db.apply(&plan("A", target), &mut broken).unwrap_err();
        assert!(err.to_string().contains("broke"), "{err}");
        assert_eq!(table(&db, "A"), strings(&[&[Some("1")]]), "{target:?}");
        assert_eq!(
            db.read_state().unwrap(),
            [("k".to_owned(), "before".to_owned())]
        );
    }
    // A duplicate key inside one full load is an update, not an error.
    let mut dup = rows(
        &["Id", "V"],
        &[
            (&[Some("5"), Some("a")], false),
            (&[Some("5"), Some("b")], false),
        ],
    );
    let counts = db.apply(&plan("A", Target::Replace), &mut dup).unwrap();
    assert_eq!((counts.inserted, counts.updated, counts.deleted), (1, 0, 1));
    assert_eq!(table(&db, "A"), strings(&[&[Some("5"), Some("b")]]));
}

#[test]
fn staged_windows_replace_the_table_only_with_the_last_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = SqliteDestination::open(dir.path().join("a.db")).unwrap();
    let mut old = rows(
        &["Id", "V"],
        &[
            (&[Some("1"), Some("old")], false),
            (&[Some("7"), Some("old")], false),
        ],
    );
    db.apply(&plan("A", Target::Replace), &mut old).unwrap();
    let stage = |first, last| Target::Stage { first, last };
    let mut w1 = rows(
        &["Id", "V"],
        &[
            (&[Some("1"), Some("w1")], false),
            (&[Some("2"), Some("w1")], false),
        ],
    );
    let counts = db.apply(&plan("A", stage(true, false)), &mut w1).unwrap();
    assert_eq!((counts.rows, counts.inserted), (2, 0));
    // The table is untouched until the last window.
    assert_eq!(table(&db, "A").len(), 2);
    assert_eq!(table(&db, "A")[0][1].as_deref(), Some("old"));
    let mut w2 = rows(
        &["Id", "V"],
        &[
            (&[Some("2"), Some("w2")], false),
            (&[Some("3"), Some("w2")], false),
        ],
    );
    let counts = db.apply(&plan("A", stage(false, true)), &mut w2).unwrap();
    assert_eq!(
        (counts.rows, counts.inserted, counts.updated, counts.deleted),
        (2, 2, 1, 1)
    );
    assert_eq!(
        table(&db, "A"),
        strings(&[
            &[Some("1"), Some("w1")],
            &[Some("2"), Some("w2")],
            &[Some("3"), Some("w2")]
        ])
    );
    assert_eq!(db.row_count(&staging("A")).unwrap(), None);
}

#[test]
fn a_guard_that_no_longer_holds_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = SqliteDestination::open(dir.path().join("a.db")).unwrap();
    db.write_state(&state(&[("job/k", Some("v1")), ("x", Some("1"))]))
        .unwrap();
    db.write_state(&state(&[("x", None)])).unwrap();
    let mut batch = rows(&["Id"], &[(&[Some("1")], false)]);
    batch.state = state(&[("job/k", None)]);
    let guarded = ApplyPlan {
        expect: Some(("job/k", "v0")),
        ..plan("A", Target::Upsert)
    };
    let err = db.apply(&guarded, &mut batch).unwrap_err();
    assert!(
        err.to_string().contains("changed under this export"),
        "{err}"
    );
    assert_eq!(db.row_count("A").unwrap(), None);
    let guarded = ApplyPlan {
        expect: Some(("job/k", "v1")),
        ..plan("A", Target::Upsert)
    };
    db.apply(&guarded, &mut batch).unwrap();
    assert!(db.read_state().unwrap().is_empty());
}

#[cfg(unix)]
#[test]
fn one_export_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("a.db");
    let db = SqliteDestination::open(&path).unwrap();
    let err = SqliteDestination::open(&path).unwrap_err();
    assert!(matches!(err, ExportError::Busy { .. }), "{err}");
    drop(db);
    SqliteDestination::open(&path).unwrap();
}

#[test]
fn names_are_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = SqliteDestination::open(dir.path().join("a.db")).unwrap();
    let mut odd = rows(
        &["Id", "Account.Name", "we\"ird"],
        &[(&[Some("1"), Some("x"), Some("y")], false)],
    );
    db.apply(&plan("Odd", Target::Upsert), &mut odd).unwrap();
    assert_eq!(
        table(&db, "Odd"),
        strings(&[&[Some("1"), Some("x"), Some("y")]])
    );
}
