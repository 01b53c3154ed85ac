//! The export engine against the local AQuA server (real HTTP on 127.0.0.1, a real SQLite
//! file): full loads, increments with deletions, windows, 90028, and the session checks.
//! The crash tests (a real `kill -9` of the `aqua` binary) live in `cli/tests/export`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use aqua_export::{
    ExportError, ObjectSpec, Options, Packaging, Silent, SqliteDestination, Summary, Timings,
    WindowSpec, export,
};
use aqua_server::{Config, LocalServer};
use chrono::NaiveDate;
use zuora_aqua::{Client, Credentials};

fn config() -> Config {
    Config {
        submitted_for: Duration::from_millis(20),
        executing_for: Duration::from_millis(40),
        change_after_each_job: false,
        ..Config::default()
    }
}

fn client(server: &LocalServer) -> Client {
    Client::with_base_url(&server.rest_url(), Credentials::basic("demo", "demo")).expect("a client")
}

fn items_window() -> WindowSpec {
    WindowSpec {
        days: 180,
        since: NaiveDate::from_ymd_opt(2019, 1, 1).expect("a date"),
        field: "UpdatedDate".to_owned(),
    }
}

fn options(dir: &Path, objects: Vec<ObjectSpec>) -> Options {
    let mut options = Options::new(objects, "aqua", "engine-test", dir.join("work"));
    options.deleted = true;
    options.timings = Timings::default()
        .with_polls(Duration::from_millis(10), Duration::from_millis(50))
        .with_busy_waits(
            Duration::from_millis(20),
            Duration::from_millis(100),
            Duration::from_secs(30),
        );
    options
}

async fn run(server: &LocalServer, db: &Path, options: &Options) -> Result<Summary, ExportError> {
    let destination = SqliteDestination::open(db)?;
    export(&client(server), destination, options, Arc::new(Silent)).await
}

/// The table `object` of `db`, in the server's column order, sorted by Id.
fn table(db: &Path, object: &str, columns: &[String]) -> Vec<Vec<Option<String>>> {
    let conn = rusqlite::Connection::open(db).expect("the database opens");
    let list: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {} FROM \"{object}\" ORDER BY \"Id\"",
            list.join(", ")
        ))
        .expect("the table has the server's columns");
    let n = columns.len();
    stmt.query_map([], |r| (0..n).map(|i| r.get(i)).collect())
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// Asserts that the copy of `object` equals the server's records.
fn assert_equal(server: &LocalServer, db: &Path, object: &str) {
    let records = server.records(object, true).expect("a known object");
    let mut expected = records.rows.clone();
    expected.sort_by(|a, b| a[0].cmp(&b[0]));
    let got = table(db, object, &records.columns);
    assert_eq!(got.len(), expected.len(), "{object}: row count");
    assert_eq!(got, expected, "{object}: rows");
}

fn summary<'a>(s: &'a Summary, object: &str) -> &'a aqua_export::ObjectSummary {
    s.objects
        .iter()
        .find(|o| o.name == object)
        .expect("the object is in the summary")
}

#[tokio::test]
async fn full_then_incremental_loads_with_deletions_equal_the_server() {
    let server = LocalServer::start(config()).await.expect("a server");
    let dir = tempfile::tempdir().expect("a directory");
    let db = dir.path().join("copy.db");
    let objects = vec![
        ObjectSpec::new("Account"),
        ObjectSpec::new("Invoice").query("select * from Invoice"),
        ObjectSpec::new("AccountingPeriod"),
    ];
    let options = options(dir.path(), objects);
    let first = run(&server, &db, &options).await.expect("the full load");
    for object in ["Account", "Invoice", "AccountingPeriod"] {
        assert_equal(&server, &db, object);
        assert_eq!(summary(&first, object).load, "full");
    }
    assert_eq!(summary(&first, "Account").inserted, 300);
    assert_eq!(first.jobs_submitted, 1);
    assert!(
        first.notes.iter().any(|n| n.contains("AccountingPeriod")),
        "{:?}",
        first.notes
    );

    // Inserts, updates and deletes on the server; the increment brings exactly them.
    server.change_data();
    server.change_data();
    let mut second_options = options.clone();
    second_options.packaging = Packaging::Zip;
    let second = run(&server, &db, &second_options)
        .await
        .expect("the increment");
    for object in ["Account", "Invoice", "AccountingPeriod"] {
        assert_equal(&server, &db, object);
        assert_eq!(summary(&second, object).load, "incremental");
    }
    let account = summary(&second, "Account");
    assert_eq!((account.inserted, account.deleted), (2, 2), "{account:?}");
    assert!(account.updated >= 1, "{account:?}");
    assert_eq!(summary(&second, "Invoice").deleted, 1);
    assert_eq!(account.rows, 300);

    // Nothing changed: an empty increment.
    let mut third_options = options.clone();
    third_options.packaging = Packaging::Csv;
    let third = run(&server, &db, &third_options)
        .await
        .expect("an empty increment");
    assert_eq!(
        summary(&third, "Account").inserted + summary(&third, "Account").updated,
        0
    );
    assert_equal(&server, &db, "Account");
    assert_eq!(server.stats().jobs, 3);

    // Null and empty stay apart; multi-line text survives (InvoiceItem, windowed below).
    server.shutdown().await;
}

#[tokio::test]
async fn windows_load_a_big_object_and_increments_follow() {
    let server = LocalServer::start(config()).await.expect("a server");
    let dir = tempfile::tempdir().expect("a directory");
    let db = dir.path().join("copy.db");
    // The whole object in one job is too big for the server.
    let whole = options(dir.path(), vec![ObjectSpec::new("InvoiceItem")]);
    let err = run(&server, &db, &whole).await.expect_err("too big");
    assert!(matches!(err, ExportError::JobFailed { .. }), "{err}");
    assert!(err.to_string().contains("90027"), "{err}");

    let mut windowed = options(
        dir.path(),
        vec![ObjectSpec::new("InvoiceItem").window(items_window())],
    );
    windowed.jobs = 4;
    let first = run(&server, &db, &windowed)
        .await
        .expect("the windowed load");
    assert_equal(&server, &db, "InvoiceItem");
    let items = summary(&first, "InvoiceItem");
    assert_eq!(items.load, "full");
    assert!(items.jobs > 10, "{items:?}");

    // Null, empty and multi-line descriptions, as the server has them.
    let conn = rusqlite::Connection::open(&db).expect("opens");
    let count = |sql: &str| {
        conn.query_row(sql, [], |r| r.get::<_, i64>(0))
            .expect("a count")
    };
    assert!(count("SELECT count(*) FROM InvoiceItem WHERE Description IS NULL") > 0);
    assert!(count("SELECT count(*) FROM InvoiceItem WHERE Description = ''") > 0);
    assert!(
        count("SELECT count(*) FROM InvoiceItem WHERE Description LIKE '%' || char(10) || '%'") > 0
    );
    drop(conn);

    server.change_data();
    let second = run(&server, &db, &windowed).await.expect("the increment");
    let items = summary(&second, "InvoiceItem");
    assert_eq!(items.load, "incremental");
    assert_eq!(items.inserted, 2, "{items:?}");
    // Deletions are not seen by stateless windows: the copy has one row more.
    let records = server.records("InvoiceItem", true).expect("known");
    assert_eq!(items.rows as usize, records.rows.len() + 1);
    assert!(second.notes.is_empty() || second.notes.iter().all(|n| !n.contains("lost")));

    // A full reload removes it.
    let mut reload = windowed.clone();
    reload.full_reload = true;
    let third = run(&server, &db, &reload).await.expect("the reload");
    assert_eq!(summary(&third, "InvoiceItem").deleted, 1);
    assert_equal(&server, &db, "InvoiceItem");
    server.shutdown().await;
}

#[tokio::test]
async fn too_many_running_jobs_are_waited_out() {
    // One job at a time on the server, three windows submitted at once by the export, and
    // no retries in the client: every 90028 reaches the export, which waits it out.
    let server = LocalServer::start(Config {
        max_running_jobs: 1,
        submitted_for: Duration::from_millis(400),
        ..config()
    })
    .await
    .expect("a server");
    let dir = tempfile::tempdir().expect("a directory");
    let db = dir.path().join("copy.db");
    let mut options = options(
        dir.path(),
        vec![ObjectSpec::new("Account").window(WindowSpec {
            days: 1000,
            ..items_window()
        })],
    );
    options.jobs = 3;
    let client = Client::with_config(
        &server.rest_url(),
        Credentials::basic("demo", "demo"),
        zuora_aqua::ClientConfig::default()
            .with_retry(zuora_aqua::runtime::RetryConfig::disabled()),
    )
    .expect("a client");
    let destination = SqliteDestination::open(&db).expect("a database");
    let summary = export(&client, destination, &options, Arc::new(Silent))
        .await
        .expect("the export waits the refusals out");
    let refusals = server.stats().concurrency_refusals;
    assert!(refusals > 0, "the server refused jobs");
    assert_eq!(summary.busy_waits, refusals, "every refusal was waited out");
    assert_eq!(server.stats().jobs, 3, "three windows, three jobs");
    assert_equal(&server, &db, "Account");
    server.shutdown().await;
}

#[tokio::test]
async fn a_session_moved_by_another_client_needs_a_full_reload() {
    let server = LocalServer::start(config()).await.expect("a server");
    let dir = tempfile::tempdir().expect("a directory");
    let db = dir.path().join("copy.db");
    let options = options(dir.path(), vec![ObjectSpec::new("Account")]);
    run(&server, &db, &options).await.expect("the full load");

    // Someone else runs a job in the same session: its increment is lost to the copy.
    server.change_data();
    let other = client(&server);
    let body: zuora_aqua::SubmitJobRequest = serde_json::from_value(serde_json::json!({
        "version": "1.1", "partner": "aqua", "project": "engine-test",
        "queries": [{"name": "Account", "query": "select * from Account"}]
    }))
    .expect("a request");
    let job = other.submit_job(body).await.expect("submitted");
    other
        .wait_for_job(job.id.clone().expect("an id"))
        .intervals(Duration::from_millis(10), Duration::from_millis(50))
        .await
        .expect("completed");

    let err = run(&server, &db, &options).await.expect_err("diverged");
    assert!(matches!(err, ExportError::NeedsFullReload(_)), "{err}");
    assert!(err.to_string().contains("--full-reload"), "{err}");
    let mut reload = options.clone();
    reload.full_reload = true;
    let summary = run(&server, &db, &reload).await.expect("the reload");
    assert_eq!(summary.objects[0].load, "full");
    assert_equal(&server, &db, "Account");
    // The session follows again from the job that moved it.
    server.change_data();
    run(&server, &db, &options).await.expect("the increment");
    assert_equal(&server, &db, "Account");

    // A new database on a session with history is loaded in full without asking.
    let fresh = dir.path().join("fresh.db");
    let summary = run(&server, &fresh, &options).await.expect("a fresh copy");
    assert_eq!(summary.objects[0].load, "full");
    assert!(
        summary
            .notes
            .iter()
            .any(|n| n.contains("already has a completed job"))
    );
    assert_equal(&server, &fresh, "Account");
    server.shutdown().await;
}
