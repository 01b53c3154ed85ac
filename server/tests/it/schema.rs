//! Every kind of JSON body the server sends decodes with the generated types, encodes back to
//! the same JSON, and uses only properties of the spec's schemas with known enum values.

use std::time::Duration;

use aqua_server::Config;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use zuora_aqua::{BatchStatus, ErrorResponse, Job, JobStatus, ResultFormat, TokenResponse};

use crate::support::*;

const JOB: &[&str] = &[
    "id",
    "name",
    "status",
    "localizedStatus",
    "format",
    "version",
    "encrypted",
    "partner",
    "project",
    "startTime",
    "sourceData",
    "useLastCompletedJobQueries",
    "offset",
    "incrementalTime",
    "notifyUrl",
    "errorCode",
    "message",
    "batches",
];
const BATCH: &[&str] = &[
    "batchId",
    "name",
    "query",
    "batchType",
    "status",
    "localizedStatus",
    "apiVersion",
    "recordCount",
    "full",
    "fileId",
    "segments",
    "message",
    "deleted",
];
const DELETED: &[&str] = &["column", "format"];
const ERROR: &[&str] = &[
    "success",
    "processId",
    "requestId",
    "reasons",
    "errorCode",
    "code",
    "message",
    "status",
];
const REASON: &[&str] = &["code", "message"];
const TOKEN: &[&str] = &["access_token", "token_type", "expires_in", "scope", "jti"];

fn keys_within(value: &Value, allowed: &[&str], what: &str) {
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("{what} is not an object: {value}"));
    for key in object.keys() {
        assert!(
            allowed.contains(&key.as_str()),
            "{what} has `{key}`, which its schema does not list: {value}"
        );
    }
}

fn round_trip<T: DeserializeOwned + Serialize>(value: &Value, what: &str) -> T {
    let decoded: T = serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{what} does not decode: {e}: {value}"));
    let encoded = serde_json::to_value(&decoded).unwrap();
    assert_eq!(
        &encoded, value,
        "{what} does not encode back to the same JSON"
    );
    decoded
}

fn check_job(value: &Value, what: &str) {
    keys_within(value, JOB, what);
    for batch in value["batches"].as_array().into_iter().flatten() {
        keys_within(batch, BATCH, what);
        if let Some(deleted) = batch.get("deleted") {
            keys_within(deleted, DELETED, what);
        }
    }
    let job: Job = round_trip(value, what);
    if let Some(status) = &job.status {
        assert!(!matches!(status, JobStatus::Unknown(_)), "{what}: {status}");
    }
    if let Some(format) = &job.format {
        assert!(!matches!(format.get(), ResultFormat::Unknown(_)), "{what}");
    }
    if let Some(start) = &job.start_time {
        assert!(
            start.value().is_some(),
            "{what}: startTime {}",
            start.as_str()
        );
    }
    for batch in job.batches.iter().flatten() {
        if let Some(status) = &batch.status {
            assert!(
                !matches!(status, BatchStatus::Unknown(_)),
                "{what}: {status}"
            );
        }
    }
    if job.id.is_none() {
        check_error(value, what);
    }
}

fn check_error(value: &Value, what: &str) {
    keys_within(value, ERROR, what);
    for reason in value["reasons"].as_array().into_iter().flatten() {
        keys_within(reason, REASON, what);
    }
    let error: ErrorResponse = round_trip(value, what);
    let shown = format!("{error:?}");
    assert!(
        value.get("errorCode").is_some()
            || value.get("code").is_some()
            || value.get("reasons").is_some()
            || value.get("message").is_some(),
        "{what} carries no error: {shown}"
    );
}

/// A raw exchange whose body is JSON.
async fn call(
    server: &aqua_server::LocalServer,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let text = body.map(|b| b.to_string()).unwrap_or_default();
    let response = raw(
        server.addr(),
        method,
        path,
        &[DEMO_BASIC, ("Content-Type", "application/json")],
        text.as_bytes(),
    )
    .await;
    assert_eq!(
        response.header("Content-Type"),
        Some("application/json"),
        "{method} {path}"
    );
    (response.status, response.json())
}

#[tokio::test]
async fn every_response_kind_round_trips_through_the_generated_types() {
    let server = start(Config {
        submitted_for: Duration::from_millis(100),
        executing_for: Duration::from_millis(200),
        faults: vec![
            "429:retry-after=1:op=getLastCompletedJob:every=3"
                .parse()
                .unwrap(),
            "503:op=cancelJob:every=4".parse().unwrap(),
            "error200=90022:op=getJob:every=7".parse().unwrap(),
        ],
        ..Config::default()
    })
    .await;
    let mut jobs = Vec::new();
    let mut errors = Vec::new();

    let stateful = json!({
        "format": "zip", "version": "1.1", "name": "Schema", "encrypted": "none",
        "useQueryLabels": "true", "dateTimeUtc": "true", "partner": "salesforce", "project": "schema",
        "offset": 0, "incrementalTime": "2024-01-01 00:00:00", "notifyUrl": "https://example.invalid/${JOBID}/${STATUS}",
        "nullReplacement": "", "sourceData": "LIVE",
        "queries": [
            {"name": "A", "query": "select Id from Account", "type": "zoql", "apiVersion": "60.0",
             "deleted": {"column": "IsDeleted", "format": "Boolean"}, "convertToCurrencies": "EUR,GBP"},
            {"name": "P", "query": "select * from AccountingPeriod"}
        ]
    });
    let (status, submitted) =
        call(&server, "POST", "/v1/batch-query/", Some(stateful.clone())).await;
    assert_eq!(status, 200);
    jobs.push(("submit stateful", submitted.clone()));
    let id = submitted["id"].as_str().unwrap().to_owned();
    let (_, stateless) = call(
        &server,
        "POST",
        "/apps/api/batch-query/",
        Some(json!({"version": 1, "format": "GZIP", "queries": [{"query": "select Id from Invoice"}]})),
    )
    .await;
    jobs.push(("submit stateless", stateless.clone()));
    let stateless_id = stateless["id"].as_str().unwrap().to_owned();
    let (_, to_cancel) = call(
        &server,
        "POST",
        "/v1/batch-query/",
        Some(json!({"queries": [{"query": "select Id from Invoice"}]})),
    )
    .await;
    let cancel_id = to_cancel["id"].as_str().unwrap().to_owned();
    let (_, cancelled) = call(
        &server,
        "DELETE",
        &format!("/v1/batch-query/jobs/{cancel_id}"),
        None,
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    jobs.push(("cancel", cancelled));

    // Poll until completed, keeping every distinct state seen.
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + BOUND;
    loop {
        let (status, job) = call(&server, "GET", &format!("/v1/batch-query/jobs/{id}"), None).await;
        if job.get("id").is_none() {
            errors.push(("injected error200", job));
            continue;
        }
        assert_eq!(status, 200);
        let state = job["status"].as_str().unwrap().to_owned();
        if !seen.contains(&state) {
            seen.push(state.clone());
            jobs.push(("get", job));
        }
        if state == "completed" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the job never completed"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(seen.last().map(String::as_str), Some("completed"));

    // A job that stays executing, then is cancelled while executing (with its startTime).
    let running = start(Config {
        submitted_for: Duration::ZERO,
        executing_for: Duration::from_secs(3600),
        ..Config::default()
    })
    .await;
    let (_, job) = call(&running, "POST", "/v1/batch-query/", Some(stateful.clone())).await;
    let running_id = job["id"].as_str().unwrap().to_owned();
    let (_, executing) = call(
        &running,
        "GET",
        &format!("/v1/batch-query/jobs/{running_id}"),
        None,
    )
    .await;
    assert_eq!(executing["status"], "executing");
    assert_eq!(executing["batches"][0]["status"], "executing");
    jobs.push(("executing", executing));
    let (_, cancelled) = call(
        &running,
        "DELETE",
        &format!("/v1/batch-query/jobs/{running_id}"),
        None,
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert!(cancelled.get("startTime").is_some());
    jobs.push(("cancelled while executing", cancelled));
    running.shutdown().await;
    let (_, done) = call(
        &server,
        "GET",
        &format!("/v1/batch-query/jobs/{stateless_id}"),
        None,
    )
    .await;
    jobs.push(("get stateless", done));
    for _ in 0..3 {
        let (status, last) = call(
            &server,
            "GET",
            "/v1/batch-query/jobs/partner/salesforce/project/schema",
            None,
        )
        .await;
        if status == 429 {
            errors.push(("429", last));
        } else {
            jobs.push(("last completed", last));
        }
    }
    // A segmented incremental session: a second job reusing the queries.
    let (_, follow_up) = call(
        &server,
        "POST",
        "/v1/batch-query/",
        Some(json!({"version": "1.1", "partner": "salesforce", "project": "schema"})),
    )
    .await;
    jobs.push(("submit reusing queries", follow_up));

    for (what, path, method, body) in [
        ("unknown job", "/v1/batch-query/jobs/nope", "GET", None),
        (
            "cancel completed",
            &*format!("/v1/batch-query/jobs/{id}"),
            "DELETE",
            None,
        ),
        (
            "cancel unknown",
            "/v1/batch-query/jobs/nope",
            "DELETE",
            None,
        ),
        ("cancel 503", "/v1/batch-query/jobs/nope", "DELETE", None),
        (
            "no session",
            "/v1/batch-query/jobs/partner/x/project/y",
            "GET",
            None,
        ),
        (
            "syntax error",
            "/v1/batch-query/",
            "POST",
            Some(json!({"queries": [{"query": "select"}]})),
        ),
        (
            "malformed format",
            "/v1/batch-query/",
            "POST",
            Some(json!({"format": "xml"})),
        ),
        ("unknown file", "/v1/files/nope", "GET", None),
        ("unknown route", "/v1/nothing", "GET", None),
    ] {
        let (_, value) = call(&server, method, path, body).await;
        errors.push((what, value));
    }
    let invalid_json = raw(
        server.addr(),
        "POST",
        "/v1/batch-query/",
        &[DEMO_BASIC, ("Content-Type", "application/json")],
        b"{",
    )
    .await;
    assert_eq!(invalid_json.status, 400);
    errors.push(("invalid JSON", invalid_json.json()));
    // Not a `getJob`: its every-7th fault would answer instead, after a number of polls
    // that depends on the machine's load.
    let unauthorized = raw(server.addr(), "GET", "/v1/files/x", &[], b"").await;
    assert_eq!(unauthorized.status, 401);
    errors.push(("401", unauthorized.json()));

    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let token = raw(
        server.addr(),
        "POST",
        "/oauth/token",
        &form,
        b"client_id=demo-client&client_secret=demo-secret&grant_type=client_credentials",
    )
    .await;
    assert_eq!(token.status, 200);
    let token = token.json();
    keys_within(&token, TOKEN, "token");
    let decoded: TokenResponse = round_trip(&token, "token");
    assert_eq!(decoded.expires_in, Some(3600));
    for body in [
        &b"client_id=x&client_secret=y&grant_type=client_credentials"[..],
        b"client_id=x&client_secret=y&grant_type=password",
    ] {
        errors.push((
            "token refused",
            raw(server.addr(), "POST", "/oauth/token", &form, body)
                .await
                .json(),
        ));
    }

    // Faults with JSON bodies.
    for rule in ["429", "503", "error200=90005"] {
        let faulty = start(with_faults(&[rule])).await;
        let (_, value) = call(&faulty, "GET", "/v1/batch-query/jobs/x", None).await;
        errors.push(("fault", value));
        faulty.shutdown().await;
    }

    assert!(jobs.len() >= 8, "{}", jobs.len());
    for (what, value) in &jobs {
        check_job(value, what);
    }
    let completed = &jobs
        .iter()
        .find(|(w, j)| *w == "get" && j["status"] == "completed")
        .unwrap()
        .1;
    assert!(
        completed["batches"][1]["segments"].is_array(),
        "{completed}"
    );
    assert!(completed["startTime"].as_str().unwrap().ends_with("+0000"));
    for (what, value) in &errors {
        check_error(value, what);
        // Errors inside HTTP 200 are also valid job bodies.
        if value.get("errorCode").is_some() {
            check_job(value, what);
        }
    }
    server.shutdown().await;
}
