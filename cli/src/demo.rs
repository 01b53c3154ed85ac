//! `aqua demo`: an export run twice against a local server started in-process, a full load
//! and then an incremental one, with the row counts of the copy.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aqua_export::{ObjectSpec, Options, SqliteDestination, Timings, WindowSpec};
use chrono::NaiveDate;
use zuora_aqua::{Client, Credentials};

use crate::Format;
use crate::commands::{Failure, start_server};
use crate::exit;
use crate::export::{Bars, failure, print_summary, work_dir};

/// The objects of the demo: three followed through the stateful session, with deleted
/// records, and the big `InvoiceItem` in windows of 180 days.
fn objects() -> Vec<ObjectSpec> {
    let since = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap_or_default();
    vec![
        ObjectSpec::new("Account"),
        ObjectSpec::new("Invoice"),
        ObjectSpec::new("AccountingPeriod"),
        ObjectSpec::new("InvoiceItem").window(WindowSpec {
            days: 180,
            since,
            field: "UpdatedDate".to_owned(),
        }),
    ]
}

/// Runs the demo.
pub async fn run(dir: Option<PathBuf>) -> Result<(), Failure> {
    let started = Instant::now();
    let server = start_server(
        0,
        &[],
        aqua_server::Config {
            submitted_for: Duration::from_millis(50),
            executing_for: Duration::from_millis(150),
            ..aqua_server::Config::default()
        },
    )
    .await?;
    println!(
        "aqua demo: local AQuA server started in-process at {}",
        server.rest_url()
    );
    let client = Client::with_base_url(
        &server.rest_url(),
        Credentials::oauth("demo-client", "demo-secret"),
    )
    .map_err(|e| Failure::new(exit::FAILURE, e.to_string()))?;
    let dir = dir
        .unwrap_or_else(|| std::env::temp_dir().join(format!("aqua-demo-{}", std::process::id())));
    let db = dir.join("aqua-demo.db");
    let mut options = Options::new(objects(), "demo", "aqua-demo", work_dir(&db));
    options.deleted = true;
    options.timings =
        Timings::default().with_polls(Duration::from_millis(50), Duration::from_secs(1));
    println!(
        "the same as: aqua --base-url {} export --to sqlite:{} --object Account --object Invoice \
         --object AccountingPeriod --object InvoiceItem --window 180 --since 2019-01-01 \
         --windowed InvoiceItem --deleted --partner demo --project aqua-demo",
        server.rest_url(),
        db.display()
    );
    for run in 1..=2 {
        let kind = if run == 1 {
            "full load"
        } else {
            "incremental load"
        };
        println!();
        println!("[run {run}: {kind}]");
        let destination = SqliteDestination::open(&db).map_err(failure)?;
        let bars = Arc::new(Bars::new());
        let result = aqua_export::export(&client, destination, &options, bars.clone()).await;
        bars.clear();
        print_summary(&result.map_err(failure)?, Format::Table);
    }
    println!();
    println!("rows in {}:", db.display());
    let destination = SqliteDestination::open(&db).map_err(failure)?;
    for object in objects() {
        let count: i64 = destination
            .connection()
            .query_row(
                &format!("SELECT count(*) FROM \"{}\"", object.name),
                [],
                |r| r.get(0),
            )
            .map_err(|e| Failure::new(exit::FILE, format!("{}: {e}", db.display())))?;
        println!("  {:<18} {count:>6}", object.name);
    }
    let stats = server.stats();
    server.shutdown().await;
    println!();
    println!(
        "aqua demo: done in {:.1} s; the local server answered {} requests for {} jobs",
        started.elapsed().as_secs_f64(),
        stats.requests,
        stats.jobs
    );
    Ok(())
}
