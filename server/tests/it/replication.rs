//! What a replication (`aqua export`) meets: deleted records in stateful increments, the
//! concurrency limit (90028), a big object that must be split, purged files, and the view of
//! the tenant's records that tests compare against.

use std::time::Duration;

use aqua_server::Config;
use serde_json::{Value, json};
use zuora_aqua::runtime::Error as RuntimeError;
use zuora_aqua::{Job, JobStatus};

use crate::support::*;

fn stable() -> Config {
    Config {
        change_after_each_job: false,
        ..fast()
    }
}

fn rows_of(text: &str) -> Vec<Vec<String>> {
    parse_csv(text)
}

async fn csv_of(client: &zuora_aqua::Client, job: &Job, batch: usize) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for (n, file) in batch_files(job, batch).iter().enumerate() {
        let (_, bytes) = download(client, file).await;
        let mut part = rows_of(std::str::from_utf8(&bytes).expect("UTF-8"));
        if n > 0 {
            part.remove(0);
        }
        rows.extend(part);
    }
    rows
}

#[tokio::test]
async fn stateful_increments_report_deletions_and_match_the_records() {
    let server = start(stable()).await;
    let client = basic(&server);
    let session = json!({
        "version": "1.1", "partner": "p", "project": "deletes", "useQueryLabels": true,
        "dateTimeUtc": true, "nullReplacement": "<null>",
        "queries": [{"name": "Account", "query": "select * from Account",
                     "deleted": {"column": "IsDeleted", "format": "Boolean"}}]
    });
    let first = run(&client, session.clone()).await;
    let full = csv_of(&client, &first, 0).await;
    assert_eq!(full[0].last().map(String::as_str), Some("IsDeleted"));
    assert!(
        full[1..]
            .iter()
            .all(|r| r.last().map(String::as_str) == Some("false"))
    );

    // The full load is exactly the server's records (nulls as the replacement text).
    let records = server.records("Account", true).expect("an object");
    assert_eq!(records.columns.len() + 1, full[0].len());
    let mut expected: Vec<Vec<String>> = records
        .rows
        .iter()
        .map(|r| {
            let mut row: Vec<String> = r
                .iter()
                .map(|c| c.clone().unwrap_or_else(|| "<null>".to_owned()))
                .collect();
            row.push("false".to_owned());
            row
        })
        .collect();
    let mut got = full[1..].to_vec();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);

    // Nothing changes without a job or change_data: the increment is empty.
    let quiet = run(&client, session.clone()).await;
    assert_eq!(csv_of(&client, &quiet, 0).await.len(), 1);

    server.change_data();
    let before: Vec<String> = full[1..].iter().map(|r| r[0].clone()).collect();
    let increment = run(&client, session.clone()).await;
    let rows = csv_of(&client, &increment, 0).await;
    let deleted: Vec<&Vec<String>> = rows[1..].iter().filter(|r| r[11] == "true").collect();
    assert_eq!(deleted.len(), 1, "{rows:?}");
    assert!(before.contains(&deleted[0][0]));
    let after = server.records("Account", true).expect("an object");
    assert_eq!(after.rows.len(), 300, "one created, one deleted");
    assert!(
        !after
            .rows
            .iter()
            .any(|r| r[0].as_deref() == Some(&deleted[0][0]))
    );

    // Without a deleted section, deletions are not reported.
    server.change_data();
    let mut plain = session.clone();
    plain["queries"][0]
        .as_object_mut()
        .expect("a query")
        .remove("deleted");
    let without = run(&client, plain).await;
    // The query changed (no deleted column), so this is a full load of the live rows.
    let rows = csv_of(&client, &without, 0).await;
    assert_eq!(
        rows.len() - 1,
        server.records("Account", true).expect("x").rows.len()
    );
    server.shutdown().await;
}

#[tokio::test]
async fn too_many_running_jobs_are_refused_with_90028() {
    let server = start(Config {
        max_running_jobs: 1,
        submitted_for: Duration::from_millis(300),
        ..stable()
    })
    .await;
    // No retries: the refusal itself is what is tested.
    let client = zuora_aqua::Client::with_config(
        &server.rest_url(),
        zuora_aqua::Credentials::basic("demo", "demo"),
        zuora_aqua::ClientConfig::default()
            .with_retry(zuora_aqua::runtime::RetryConfig::disabled()),
    )
    .expect("a client");
    let job = |name: &str| {
        request(json!({"name": name, "queries": [{"query": "select Id from Account"}]}))
    };
    let first = client.submit_job(job("one")).await.expect("accepted");
    let refused = client.submit_job(job("two")).await.expect_err("refused");
    assert!(matches!(refused, RuntimeError::Api(_)), "{refused}");
    assert_eq!(refused.zuora_code().as_deref(), Some("90028"));
    // Stateful jobs have their own limit.
    client
        .submit_job(request(
            json!({"version": "1.1", "partner": "p", "project": "q",
            "queries": [{"query": "select Id from Account"}]}),
        ))
        .await
        .expect("a stateful job is accepted beside the stateless one");
    // Once the first is done, a new one is accepted.
    wait(&client, first.id.as_deref().expect("an id")).await;
    client.submit_job(job("three")).await.expect("accepted");
    let stats = server.stats();
    assert_eq!((stats.jobs, stats.concurrency_refusals), (3, 1));
    server.shutdown().await;
}

#[tokio::test]
async fn a_query_over_the_row_limit_aborts_and_date_windows_pass() {
    let server = start(stable()).await;
    let client = basic(&server);
    let items = server
        .records("InvoiceItem", true)
        .expect("an object")
        .rows
        .len();
    assert!(items > 2_000, "{items}");
    let whole = client
        .submit_job(request(
            json!({"queries": [{"name": "all", "query": "select * from InvoiceItem"}]}),
        ))
        .await
        .expect("submitted");
    let outcome = client
        .wait_for_job(whole.id.as_deref().expect("an id"))
        .intervals(Duration::from_millis(20), Duration::from_millis(100))
        .deadline(BOUND)
        .await;
    let Err(zuora_aqua::WaitError::Failed(job)) = outcome else {
        panic!("the job should fail: {outcome:?}");
    };
    assert_eq!(job.status, Some(JobStatus::Aborted));
    let message = job.batches.as_ref().expect("batches")[0]
        .message
        .clone()
        .unwrap_or_default();
    assert!(message.starts_with("90027"), "{message}");

    // Windows of UpdatedDate cover every item exactly once.
    let mut bounds: Vec<String> = [
        "2021-01-01",
        "2023-01-01",
        "2024-01-01",
        "2024-07-01",
        "2025-01-01",
    ]
    .iter()
    .map(|d| format!("{d}T00:00:00Z"))
    .collect();
    bounds.insert(0, String::new());
    bounds.push(String::new());
    let mut ids = Vec::new();
    for pair in bounds.windows(2) {
        let condition = match (pair[0].as_str(), pair[1].as_str()) {
            ("", end) => format!("UpdatedDate < '{end}'"),
            (start, "") => format!("UpdatedDate >= '{start}'"),
            (start, end) => format!("UpdatedDate >= '{start}' and UpdatedDate < '{end}'"),
        };
        let job = run(
            &client,
            json!({"useQueryLabels": true, "queries": [{"name": "w",
                "query": format!("select Id, Description from InvoiceItem where {condition}")}]}),
        )
        .await;
        let rows = csv_of(&client, &job, 0).await;
        assert_eq!(rows[0], ["InvoiceItem.Id", "InvoiceItem.Description"]);
        ids.extend(rows[1..].iter().map(|r| r[0].clone()));
    }
    assert_eq!(ids.len(), items);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), items);
    server.shutdown().await;
}

#[tokio::test]
async fn purged_files_are_404() {
    let server = start(stable()).await;
    let client = basic(&server);
    let job = run(
        &client,
        json!({"queries": [{"query": "select Id from Account"}]}),
    )
    .await;
    let file = batch_files(&job, 0)[0].clone();
    download(&client, &file).await;
    assert_eq!(server.expire_files(), 1);
    let err = client.download_file(&file).await.expect_err("purged");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err}");
    // The job itself is still there.
    let again = client
        .get_job(job.id.clone().expect("an id"))
        .await
        .expect("the job");
    assert_eq!(again.status, Some(JobStatus::Completed));
    let _: Value = serde_json::to_value(&again).expect("encodes");
    server.shutdown().await;
}
