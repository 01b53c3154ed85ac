//! The AQuA lifecycle: submit, poll, download, stateful sessions, validation, cancel.

use std::io::Read;
use std::time::Duration;

use aqua_server::Config;
use serde_json::{Value, json};
use zuora_aqua::runtime::Error as RuntimeError;
use zuora_aqua::{
    BatchStatus, Credentials, DownloadOptions, Error, Job, JobStatus, QueryType, ResultFormat,
    WaitError,
};

use crate::support::*;

fn batch(job: &Job, index: usize) -> &zuora_aqua::Batch {
    &job.batches.as_ref().expect("batches")[index]
}

fn records(job: &Job, index: usize) -> i64 {
    batch(job, index)
        .record_count
        .as_ref()
        .expect("recordCount")
        .get()
}

fn api_code(e: &Error) -> Option<String> {
    match e {
        RuntimeError::Api(_) => e.zuora_code(),
        _ => None,
    }
}

#[tokio::test]
async fn whole_flow_submit_wait_download_last_completed() {
    let server = start(Config {
        segment_rows: 10_000,
        ..fast()
    })
    .await;
    let client = basic(&server);
    let submitted = client
        .submit_job(request(json!({
            "format": "csv",
            "version": "1.1",
            "name": "Flow",
            "encrypted": "none",
            "useQueryLabels": "true",
            "partner": "salesforce",
            "project": "flow-1",
            "queries": [
                {"name": "Account", "query": "select AccountNumber, Name, Balance from Account"},
                {"name": "Periods", "query": "select * from AccountingPeriod", "type": "zoql", "apiVersion": "60.0"}
            ]
        })))
        .await
        .expect("submitted");
    let id = submitted.id.clone().expect("an id");
    assert_eq!(id.len(), 32);
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(submitted.status, Some(JobStatus::Submitted));
    assert_eq!(submitted.name.as_deref(), Some("Flow"));
    assert_eq!(submitted.partner.as_deref(), Some("salesforce"));
    assert_eq!(submitted.project.as_deref(), Some("flow-1"));
    let wire = serde_json::to_value(&submitted).unwrap();
    assert_eq!(wire["format"], "CSV");
    assert_eq!(wire["version"], "1.1");
    assert_eq!(wire["encrypted"], "none");
    assert!(wire.get("startTime").is_none());
    let b0 = batch(&submitted, 0);
    assert_eq!(b0.status, Some(BatchStatus::Pending));
    assert_eq!(b0.batch_type, Some(QueryType::Zoqlexport));
    assert_eq!(b0.api_version.as_deref(), Some("91.0"));
    assert_eq!(b0.record_count.as_ref().map(|c| c.get()), Some(0));
    assert_eq!(b0.full, Some(true));
    assert_eq!(b0.batch_id.as_ref().map(String::len), Some(32));
    assert_eq!(batch(&submitted, 1).batch_type, Some(QueryType::Zoql));
    assert_eq!(batch(&submitted, 1).api_version.as_deref(), Some("60.0"));

    let job = wait(&client, &id).await;
    assert_eq!(job.status, Some(JobStatus::Completed));
    let start = job.start_time.as_ref().expect("startTime");
    assert!(
        chrono::NaiveDateTime::parse_from_str(start.as_str(), "%Y-%m-%d %H:%M:%S").is_ok(),
        "{}",
        start.as_str()
    );
    for i in 0..2 {
        let b = batch(&job, i);
        assert_eq!(b.status, Some(BatchStatus::Completed));
        assert_eq!(b.full, Some(true));
        assert_eq!(b.message.as_deref(), Some(""));
        assert!(b.file_id.is_some() && b.segments.is_none());
    }
    assert_eq!(records(&job, 0), 300);
    assert_eq!(records(&job, 1), 240);

    let dir = TempDir::new("flow");
    let files = client
        .download_job_results(&job, &dir.0, DownloadOptions::default())
        .await
        .expect("downloaded");
    assert_eq!(files.len(), 2);
    let accounts = std::fs::read_to_string(&files[0].path).unwrap();
    let rows = parse_csv(&accounts);
    assert_eq!(
        rows[0],
        ["Account.AccountNumber", "Account.Name", "Account.Balance"]
    );
    assert_eq!(rows.len(), 301);
    assert!(rows[1..].iter().all(|r| r.len() == 3));
    assert_eq!(rows[1][0], "A00000001");
    let periods = parse_csv(&std::fs::read_to_string(&files[1].path).unwrap());
    assert_eq!(periods.len(), 241);
    assert_eq!(periods[0].len(), 8);
    assert_eq!(periods[0][0], "AccountingPeriod.Id");

    let last = client
        .get_last_completed_job("salesforce", "flow-1")
        .await
        .expect("the last completed job");
    assert_eq!(last.id, job.id);
    assert_eq!(last.status, Some(JobStatus::Completed));
    let stats = server.stats();
    assert!(stats.requests >= 6, "{stats:?}");
    assert!(stats.connections >= 1, "{stats:?}");
    assert_eq!(stats.faults_injected, 0);
    server.shutdown().await;
}

#[tokio::test]
async fn csv_honours_columns_labels_nulls_and_utc() {
    let server = start(fast()).await;
    let client = basic(&server);
    let job = run(
        &client,
        json!({
            "queries": [
                {"name": "a", "query": "SELECT accountnumber, Account.Name, CrmId, CreatedDate FROM account WHERE Status = 'Active'"},
                {"name": "i", "query": "select * from Invoice"}
            ],
            "nullReplacement": "NULL",
            "dateTimeUtc": true
        }),
    )
    .await;
    let start = job
        .start_time
        .as_ref()
        .expect("startTime")
        .as_str()
        .to_owned();
    assert!(start.ends_with("+0000"), "{start}");
    let (content_type, bytes) = download(&client, &batch_files(&job, 0)[0]).await;
    assert_eq!(content_type.as_deref(), Some("text/csv"));
    let rows = parse_csv(std::str::from_utf8(&bytes).unwrap());
    assert_eq!(
        rows[0],
        [
            "Account: Account Number",
            "Account: Name",
            "Account: CRM ID",
            "Account: Created Date"
        ]
    );
    assert!(rows[1..].iter().any(|r| r[2] == "NULL"));
    assert!(rows[1..].iter().all(|r| r[3].ends_with("+0000")));
    // Names with commas and quotes survive quoting.
    assert!(rows[1..].iter().any(|r| r[1].contains(',')));
    let (_, bytes) = download(&client, &batch_files(&job, 1)[0]).await;
    let invoices = parse_csv(std::str::from_utf8(&bytes).unwrap());
    assert_eq!(invoices[0].len(), 10);
    assert_eq!(invoices[0][2], "Invoice: Account ID");
    assert_eq!(invoices.len() as i64, records(&job, 1) + 1);
    server.shutdown().await;
}

#[tokio::test]
async fn zip_and_gzip_unpack_to_the_same_csv() {
    let server = start(fast()).await;
    let client = basic(&server);
    // Columns that the tenant's changes between jobs never touch.
    let query = "select Id, Name, StartDate, EndDate, FiscalYear from AccountingPeriod";
    let mut contents = Vec::new();
    for (format, wire, content_type) in [
        ("csv", "CSV", "text/csv"),
        ("zip", "ZIP", "application/zip"),
        ("gzip", "GZIP", "application/x-gzip"),
    ] {
        let job = run(
            &client,
            json!({"format": format, "queries": [{"name": "P", "query": query}]}),
        )
        .await;
        assert_eq!(serde_json::to_value(&job).unwrap()["format"], wire);
        let (ct, bytes) = download(&client, &batch_files(&job, 0)[0]).await;
        assert_eq!(ct.as_deref(), Some(content_type));
        let text = match format {
            "zip" => {
                let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
                assert_eq!(archive.len(), 1);
                let mut entry = archive.by_index(0).unwrap();
                assert_eq!(entry.name().unwrap(), "P.csv");
                let mut text = String::new();
                entry.read_to_string(&mut text).unwrap();
                text
            }
            "gzip" => {
                let mut text = String::new();
                flate2::read::GzDecoder::new(&bytes[..])
                    .read_to_string(&mut text)
                    .unwrap();
                text
            }
            _ => String::from_utf8(bytes).unwrap(),
        };
        contents.push(text);

        if format != "csv" {
            // The client's own unpacking gives the same CSV.
            let dir = TempDir::new(format);
            let files = client
                .download_job_results(&job, &dir.0, DownloadOptions::default().decompress(true))
                .await
                .expect("downloaded and unpacked");
            assert_eq!(
                std::fs::read_to_string(&files[0].path).unwrap(),
                contents[0]
            );
        }
    }
    assert_eq!(parse_csv(&contents[0]).len(), 241);
    assert_eq!(contents[0], contents[1]);
    assert_eq!(contents[0], contents[2]);
    server.shutdown().await;
}

#[tokio::test]
async fn a_big_stateful_full_load_is_segmented() {
    let server = start(fast()).await; // segment_rows 100
    let client = basic(&server);
    let job = run(
        &client,
        json!({
            "version": "1.1", "partner": "p", "project": "segments", "format": "gzip",
            "queries": [
                {"name": "Account", "query": "select Id, Name from Account"},
                {"name": "Small", "query": "select Id from AccountingPeriod where FiscalYear = 2024"}
            ]
        }),
    )
    .await;
    let b = batch(&job, 0);
    assert_eq!(b.full, Some(true));
    assert!(b.file_id.is_none());
    let segments = b.segments.clone().expect("segments");
    assert_eq!(segments.len(), 3);
    assert_eq!(records(&job, 0), 300);
    // The where clause is evaluated: 12 periods of 2024, one file.
    assert_eq!(records(&job, 1), 12);
    assert!(batch(&job, 1).segments.is_none());
    assert!(batch(&job, 1).file_id.is_some());
    let mut ids = Vec::new();
    for segment in &segments {
        let (_, bytes) = download(&client, segment).await;
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .unwrap();
        let rows = parse_csv(&text);
        assert_eq!(rows[0], ["Account: ID", "Account: Name"]);
        ids.extend(rows[1..].iter().map(|r| r[0].clone()));
    }
    assert_eq!(ids.len(), 300);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 300);

    let dir = TempDir::new("segments");
    let files = client
        .download_job_results(&job, &dir.0, DownloadOptions::default().decompress(true))
        .await
        .expect("downloaded");
    assert_eq!(files.len(), 4);
    assert!(
        files[0].path.ends_with("Account.part001.csv"),
        "{:?}",
        files[0].path
    );

    // Stateless jobs are never segmented.
    let stateless = run(
        &client,
        json!({"queries": [{"query": "select Id from Account"}]}),
    )
    .await;
    assert!(batch(&stateless, 0).file_id.is_some());
    assert!(batch(&stateless, 0).segments.is_none());
    assert!(batch(&stateless, 0).name.is_none());
    server.shutdown().await;
}

#[tokio::test]
async fn incremental_loads_follow_the_full_load() {
    let server = start(Config {
        segment_rows: 0,
        ..fast()
    })
    .await;
    let client = basic(&server);
    let session = |queries: Value| json!({"version": "1.2", "partner": "tap", "project": "inc", "useQueryLabels": true, "queries": queries});
    let account = json!({"name": "Account", "query": "select Id, AccountNumber, Balance, UpdatedDate from Account"});

    let first = run(&client, session(json!([account]))).await;
    assert_eq!(batch(&first, 0).full, Some(true));
    assert_eq!(records(&first, 0), 300);

    let second = run(&client, session(json!([account]))).await;
    assert_eq!(batch(&second, 0).full, Some(false));
    let changed = records(&second, 0);
    assert!((1..=5).contains(&changed), "{changed} rows changed");
    let (_, bytes) = download(&client, &batch_files(&second, 0)[0]).await;
    let rows = parse_csv(std::str::from_utf8(&bytes).unwrap());
    assert_eq!(rows.len() as i64, changed + 1);
    assert_eq!(rows[0][0], "Account.Id");

    // A new query starts with a full load; the known one stays incremental.
    let invoice = json!({"name": "Invoice", "query": "select Id, Amount from Invoice"});
    let third = run(&client, session(json!([account, invoice]))).await;
    assert_eq!(batch(&third, 0).full, Some(false));
    assert_eq!(batch(&third, 1).full, Some(true));
    assert!(records(&third, 1) > 400);

    // Without queries, the previous job's are reused.
    let fourth = run(&client, session(Value::Null)).await;
    assert_eq!(fourth.use_last_completed_job_queries, Some(true));
    assert_eq!(fourth.batches.as_ref().map(Vec::len), Some(2));
    assert_eq!(batch(&fourth, 1).full, Some(false));

    let last = client
        .get_last_completed_job("tap", "inc")
        .await
        .expect("last completed");
    assert_eq!(last.id, fourth.id);

    // Another project is another session: a full load again.
    let other = run(
        &client,
        json!({"version": "1.1", "partner": "tap", "project": "other", "queries": [account]}),
    )
    .await;
    assert_eq!(batch(&other, 0).full, Some(true));
    server.shutdown().await;
}

#[tokio::test]
async fn validation_errors_are_reported_with_http_200() {
    let server = start(fast()).await;
    let addr = server.addr();
    let query = |q: &str| json!({"query": q});
    let many: Vec<Value> = (0..51).map(|_| query("select Id from Account")).collect();
    let cases = [
        (json!({"queries": many}), "90004"),
        (
            json!({"queries": [query("select Id form Account")]}),
            "90005",
        ),
        (
            json!({"queries": [query("select Id from Nothing")]}),
            "90005",
        ),
        (
            json!({"queries": [query("select Nope from Account")]}),
            "90005",
        ),
        (
            json!({"queries": [query("select Id from Account")], "notifyUrl": "x".repeat(5000)}),
            "90014",
        ),
        (json!({"version": "1.0"}), "90016"),
        (json!({}), "90016"),
        (
            json!({"version": "1.1", "partner": "p", "project": "new"}),
            "90016",
        ),
        (
            json!({"queries": [query("select Id from Account")], "name": "n".repeat(33)}),
            "90005",
        ),
        (
            json!({"queries": [query("select Id from Account")], "offset": 3601}),
            "90005",
        ),
        (
            json!({"queries": [query("select Id from Account")], "version": "2.0"}),
            "90005",
        ),
        (
            json!({"queries": [query("select Id from Account")], "incrementalTime": "yesterday"}),
            "90015",
        ),
        (
            json!({"queries": [{"query": "select Id from Account", "deleted": {"column": "D", "format": "Boolean"}}]}),
            "90012",
        ),
        (
            json!({"version": "1.1", "partner": "p", "project": "q", "queries": [{"query": "select Id from AccountingPeriod", "deleted": {"column": "D"}}]}),
            "90017",
        ),
        (
            json!({"queries": [{"query": "select Id from Account", "convertToCurrencies": "EUR,pounds"}]}),
            "90021",
        ),
        (
            json!({"queries": [{"name": "x", "query": "select Id from Account"}, {"name": "x", "query": "select Id from Invoice"}]}),
            "90005",
        ),
    ];
    for (body, code) in cases {
        let response = raw(
            addr,
            "POST",
            "/v1/batch-query/",
            &[DEMO_BASIC, ("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        )
        .await;
        assert_eq!(response.status, 200, "{body}");
        let json = response.json();
        assert_eq!(json["errorCode"], code, "{body}: {json}");
        assert_eq!(json["status"], "error");
        assert!(json.get("id").is_none());
        assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()));
    }

    // Unknown enum values are malformed requests (HTTP 400).
    let response = raw(
        addr,
        "POST",
        "/apps/api/batch-query/",
        &[DEMO_BASIC, ("Content-Type", "application/json")],
        br#"{"format":"json","queries":[{"query":"select Id from Account"}]}"#,
    )
    .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["code"], 50000090);

    // Through the client: an API error with the code.
    let client = basic(&server);
    let e = client
        .submit_job(request(
            json!({"queries": [{"query": "select Id, from Account"}]}),
        ))
        .await
        .unwrap_err();
    assert_eq!(api_code(&e).as_deref(), Some("90005"), "{e}");
    assert!(e.to_string().contains("syntax error"), "{e}");
    server.shutdown().await;
}

#[tokio::test]
async fn jobs_can_be_cancelled_until_they_complete() {
    let slow = start(Config {
        submitted_for: Duration::from_secs(60),
        ..fast()
    })
    .await;
    let client = basic(&slow);
    let job = client
        .submit_job(request(json!({"queries": [{"query": "select Id from Account"}, {"query": "select Id from Invoice"}]})))
        .await
        .expect("submitted");
    let id = job.id.clone().unwrap();
    let cancelled = client.cancel_job(&id).await.expect("cancelled");
    assert_eq!(cancelled.status, Some(JobStatus::Cancelled));
    assert!(
        cancelled
            .batches
            .iter()
            .flatten()
            .all(|b| b.status == Some(BatchStatus::Cancelled))
    );
    let again = client.get_job(&id).await.expect("the job");
    assert_eq!(again.status, Some(JobStatus::Cancelled));
    match client.wait_for_job(&id).deadline(BOUND).await {
        Err(WaitError::Failed(last)) => assert_eq!(last.status, Some(JobStatus::Cancelled)),
        other => panic!("expected a failed wait, got {other:?}"),
    }
    // Cancelling again answers the cancelled job.
    assert!(client.cancel_job(&id).await.is_ok());
    slow.shutdown().await;

    let server = start(fast()).await;
    let client = basic(&server);
    let done = run(
        &client,
        json!({"queries": [{"query": "select Id from AccountingPeriod"}]}),
    )
    .await;
    let e = client.cancel_job(done.id.unwrap()).await.unwrap_err();
    assert_eq!(api_code(&e).as_deref(), Some("90003"), "{e}");
    let e = client
        .cancel_job("0123456789abcdef0123456789abcdef")
        .await
        .unwrap_err();
    assert_eq!(api_code(&e).as_deref(), Some("90003"), "{e}");
    let e = client
        .get_job("0123456789abcdef0123456789abcdef")
        .await
        .unwrap_err();
    assert_eq!(api_code(&e).as_deref(), Some("90002"), "{e}");
    let e = client
        .get_last_completed_job("nobody", "nothing")
        .await
        .unwrap_err();
    assert_eq!(api_code(&e).as_deref(), Some("90002"), "{e}");
    assert!(
        e.zuora_message()
            .is_some_and(|m| m.contains("no completed job for partner nobody project nothing")),
        "{e}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn the_legacy_paths_serve_the_same_api() {
    let server = start(fast()).await;
    let client = client_for(&server.legacy_url(), Credentials::basic("demo", "demo"));
    let job = run(
        &client,
        json!({"format": "zip", "queries": [{"name": "A", "query": "select Id from Account"}]}),
    )
    .await;
    assert_eq!(
        job.format.as_ref().map(|f| f.get().clone()),
        Some(ResultFormat::Zip)
    );
    let (content_type, bytes) = download(&client, &batch_files(&job, 0)[0]).await;
    assert_eq!(content_type.as_deref(), Some("application/zip"));
    assert!(bytes.starts_with(b"PK"));
    // Unknown files are 404 with the v1 envelope.
    let response = raw(
        server.addr(),
        "GET",
        "/apps/api/file/nope",
        &[DEMO_BASIC],
        b"",
    )
    .await;
    assert_eq!(response.status, 404);
    assert_eq!(response.json()["success"], false);
    let e = client.download_file("nope").await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(404));
    server.shutdown().await;
}

#[tokio::test]
async fn idempotent_submissions_and_track_ids() {
    let server = start(fast()).await;
    let body = br#"{"queries":[{"query":"select Id from Account"}]}"#;
    let headers = [
        DEMO_BASIC,
        ("Content-Type", "application/json"),
        ("Idempotency-Key", "k-1"),
        ("Zuora-Track-Id", "track-42"),
    ];
    let first = raw(server.addr(), "POST", "/v1/batch-query/", &headers, body).await;
    let second = raw(server.addr(), "POST", "/v1/batch-query/", &headers, body).await;
    assert_eq!(first.json()["id"], second.json()["id"]);
    assert_eq!(first.header("Zuora-Track-Id"), Some("track-42"));
    assert_eq!(first.header("Zuora-Request-Id").map(str::len), Some(36));
    let other = raw(
        server.addr(),
        "POST",
        "/v1/batch-query/",
        &headers,
        br#"{"queries":[{"query":"select Id from Invoice"}]}"#,
    )
    .await;
    assert_eq!(other.status, 409);
    server.shutdown().await;
}

/// The local server is at least as strict as Zuora about the headers Zuora documents limits
/// for: a `Zuora-Track-Id` outside its pattern or length, and an `Idempotency-Key` that is
/// empty or longer than 255 characters, are refused with 400 before anything happens.
#[tokio::test]
async fn headers_beyond_zuoras_limits_are_refused() {
    let server = start(fast()).await;
    let body = br#"{"queries":[{"query":"select Id from Account"}]}"#;
    let json = ("Content-Type", "application/json");
    let long_track = "t".repeat(65);
    for track in [
        long_track.as_str(),
        "job:42",
        "a;b",
        "say \"hi\"",
        "it's",
        "café",
        "tab\there",
    ] {
        let response = raw(
            server.addr(),
            "GET",
            "/v1/batch-query/jobs/0123456789abcdef0123456789abcdef",
            &[DEMO_BASIC, ("Zuora-Track-Id", track)],
            b"",
        )
        .await;
        assert_eq!(response.status, 400, "{track:?}");
        assert_eq!(response.json()["reasons"][0]["code"], 50000020, "{track:?}");
        assert_eq!(response.header("Zuora-Track-Id"), None, "{track:?}");
        assert_eq!(response.header("Zuora-Request-Id").map(str::len), Some(36));
    }
    // At the limits: 64 characters, and every allowed punctuation character.
    let track = "t".repeat(64);
    for track in [track.as_str(), "a b!#$%&()*+,-./<=>?@[\\]^_`{|}~", ""] {
        let response = raw(
            server.addr(),
            "GET",
            "/v1/batch-query/jobs/0123456789abcdef0123456789abcdef",
            &[DEMO_BASIC, ("Zuora-Track-Id", track)],
            b"",
        )
        .await;
        assert_eq!(response.status, 200, "{track:?}");
        assert_eq!(response.header("Zuora-Track-Id"), Some(track), "{track:?}");
    }

    let long_key = "k".repeat(256);
    for key in ["", long_key.as_str(), "clé"] {
        let response = raw(
            server.addr(),
            "POST",
            "/v1/batch-query/",
            &[DEMO_BASIC, json, ("Idempotency-Key", key)],
            body,
        )
        .await;
        assert_eq!(response.status, 400, "{key:?}");
        assert_eq!(response.json()["reasons"][0]["code"], 50000020, "{key:?}");
    }
    // Nothing was remembered for the refused keys: submissions without a key and with
    // different bodies each get a job of their own.
    let other = br#"{"queries":[{"query":"select Id from Invoice"}]}"#;
    let first = raw(
        server.addr(),
        "POST",
        "/v1/batch-query/",
        &[DEMO_BASIC, json],
        body,
    )
    .await;
    let second = raw(
        server.addr(),
        "POST",
        "/v1/batch-query/",
        &[DEMO_BASIC, json],
        other,
    )
    .await;
    assert_eq!(first.status, 200);
    assert_eq!(second.status, 200);
    assert_ne!(first.json()["id"], second.json()["id"]);
    let max_key = "k".repeat(255);
    let response = raw(
        server.addr(),
        "POST",
        "/v1/batch-query/",
        &[DEMO_BASIC, json, ("Idempotency-Key", max_key.as_str())],
        body,
    )
    .await;
    assert_eq!(response.status, 200);
    assert!(response.json()["id"].is_string());
    server.shutdown().await;
}

/// No property of a submission is `nullable`, so `null` for one is malformed (the gateway's
/// 400), while `null` for a property the spec does not declare is kept like any unknown value.
#[tokio::test]
async fn null_for_a_declared_property_is_malformed() {
    let server = start(fast()).await;
    let json = ("Content-Type", "application/json");
    for body in [
        &br#"{"sourceData": null, "queries": [{"query": "select Id from Account"}]}"#[..],
        br#"{"queries": [{"query": "select Id from Account", "name": null}]}"#,
        br#"{"partner": null, "project": null, "queries": [{"query": "select Id from Account"}]}"#,
    ] {
        let response = raw(
            server.addr(),
            "POST",
            "/v1/batch-query/",
            &[DEMO_BASIC, json],
            body,
        )
        .await;
        assert_eq!(response.status, 400, "{}", String::from_utf8_lossy(body));
        assert_eq!(response.json()["code"], 50000090);
    }
    let body = br#"{"somethingNew": null, "queries": [{"query": "select Id from Account"}]}"#;
    let response = raw(
        server.addr(),
        "POST",
        "/v1/batch-query/",
        &[DEMO_BASIC, json],
        body,
    )
    .await;
    assert_eq!(response.status, 200);
    assert!(response.json()["id"].is_string());
    server.shutdown().await;
}
