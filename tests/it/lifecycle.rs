//! The whole AQuA lifecycle through the generated client over real HTTP on 127.0.0.1: what each
//! operation sends, what it decodes, what it refuses before sending, OAuth, polling, result
//! downloads and a stateful (incremental) session.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::TryStreamExt;
use serde_json::{Value, json};
use tokio::task::JoinSet;
use zuora_aqua::examples::{self, Example};
use zuora_aqua::runtime::RetryConfig;
use zuora_aqua::{
    Client, ClientConfig, Credentials, Download, DownloadError, DownloadOptions, Encryption, Error,
    FlexBool, GrantType, Job, JobStatus, Query, QueryType, RequestedFormat, SubmitJobRequest,
    TokenRequest, TokenResponse, WaitError,
};

use crate::support::{RawServer, Recorded, Reply, TestServer};

const JSON: &str = "application/json";
const USER_AGENT: &str = concat!("zuora-aqua/", env!("CARGO_PKG_VERSION"));
/// base64("user:pass")
const BASIC: &str = "Basic dXNlcjpwYXNz";
const FORM: &str = "application/x-www-form-urlencoded";
const DOWNLOAD_ACCEPT: &str = "text/csv, application/zip, application/x-gzip";
/// An upper bound for waits that finish in milliseconds; never reached unless broken.
const GENEROUS: Duration = Duration::from_secs(60);

fn basic(base_url: &str) -> Client {
    Client::with_base_url(base_url, Credentials::basic("user", "pass")).unwrap()
}

/// Basic credentials and one attempt per request, for tests of what a single failure gives.
fn no_retry(base_url: &str) -> Client {
    let config = ClientConfig::default().with_retry(RetryConfig::disabled());
    Client::with_config(base_url, Credentials::basic("user", "pass"), config).unwrap()
}

/// Basic credentials and up to 3 attempts with millisecond backoffs.
fn fast_retry(base_url: &str) -> Client {
    let retry = RetryConfig::default()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5));
    let config = ClientConfig::default().with_retry(retry);
    Client::with_config(base_url, Credentials::basic("user", "pass"), config).unwrap()
}

fn oauth(base_url: &str, id: &str, secret: &str) -> Client {
    Client::with_base_url(base_url, Credentials::oauth(id, secret)).unwrap()
}

fn decoded(example: &Example) -> Job {
    serde_json::from_str(example.json).unwrap()
}

fn example_value(example: &Example) -> Value {
    serde_json::from_str(example.json).unwrap()
}

fn job_body(id: &str, status: &str) -> String {
    json!({"id": id, "status": status, "format": "CSV", "version": "1.1", "batches": []})
        .to_string()
}

fn status_of(job: &Job) -> &str {
    job.status.as_ref().map_or("(none)", |s| s.as_str())
}

/// Distinct CSV content of at least `kib` KiB, different for each `tag`.
fn csv(tag: &str, kib: usize) -> Vec<u8> {
    let mut out = b"Id,Name,Tag\n".to_vec();
    let mut row = 0u64;
    while out.len() < kib * 1024 {
        row += 1;
        let hash = row.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ tag.len() as u64;
        out.extend_from_slice(format!("{tag}-{row},name {hash:016x},{tag}\n").as_bytes());
    }
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn zip_archive(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// Every entry of `dir` (hidden ones included), sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

async fn read_all(mut download: Download) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = download.next_chunk().await.unwrap() {
        out.extend_from_slice(&chunk);
    }
    out
}

fn completed_job(format: &str, batches: Value) -> Job {
    serde_json::from_value(json!({
        "id": "2c92c0f966cd4f580166ec0ac89d5bb7",
        "status": "completed",
        "format": format,
        "version": "1.1",
        "batches": batches,
    }))
    .unwrap()
}

/// `(batch, file_id, path, bytes)` of each result file.
fn summary(files: &[zuora_aqua::ResultFile]) -> Vec<(String, String, PathBuf, u64)> {
    files
        .iter()
        .map(|f| (f.batch.clone(), f.file_id.clone(), f.path.clone(), f.bytes))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 1. What each operation sends.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn get_job_and_cancel_job_send_their_method_path_and_headers() {
    let server = TestServer::scripted(|r| match r.method.as_str() {
        "GET" => Reply::json(200, examples::GET_JOB_200_COMPLETED.json),
        "DELETE" => Reply::json(200, examples::CANCEL_JOB_200_CANCELLED.json),
        _ => Reply::json(405, "{}"),
    })
    .await;
    let client = basic(&server.v1());
    client
        .get_job("402881824835bb2a01483c19f7d70256")
        .zuora_track_id("track-get")
        .zuora_entity_ids("8a8082c4-5a5b-4e0b-b3a8-b4d5e0d1e2f3")
        .zuora_org_ids("org-1,org-2")
        .await
        .unwrap();
    client
        .cancel_job("e20b07474688ad5001468daf10e501de")
        .zuora_track_id("track-cancel")
        .await
        .unwrap();

    assert_eq!(
        server.lines(),
        [
            "GET /v1/batch-query/jobs/402881824835bb2a01483c19f7d70256",
            "DELETE /v1/batch-query/jobs/e20b07474688ad5001468daf10e501de",
        ]
    );
    let requests = server.requests();
    for r in &requests {
        assert_eq!(r.header("authorization"), Some(BASIC));
        assert_eq!(r.header("accept"), Some(JSON));
        assert_eq!(r.header("user-agent"), Some(USER_AGENT));
        assert_eq!(r.header("content-type"), None);
        assert_eq!(r.header("idempotency-key"), None);
        assert!(r.body.is_empty(), "{:?}", r.text());
    }
    let (get, cancel) = (&requests[0], &requests[1]);
    assert_eq!(get.header("zuora-track-id"), Some("track-get"));
    assert_eq!(
        get.header("zuora-entity-ids"),
        Some("8a8082c4-5a5b-4e0b-b3a8-b4d5e0d1e2f3")
    );
    assert_eq!(get.header("zuora-org-ids"), Some("org-1,org-2"));
    assert_eq!(cancel.header("zuora-track-id"), Some("track-cancel"));
    assert_eq!(cancel.header("zuora-entity-ids"), None);
    assert_eq!(cancel.header("zuora-org-ids"), None);
}

#[tokio::test]
async fn submit_job_sends_the_builder_json_and_its_headers() {
    let server = TestServer::start(200, JSON, examples::SUBMIT_JOB_200_FULL_LOAD.json).await;
    let request = SubmitJobRequest::new()
        .name("nightly-accounts")
        .format(RequestedFormat::Csv)
        .version("1.1")
        .partner("salesforce")
        .project("00170000011K3Ub")
        .queries([
            Query::new("select Id, Name from Account")
                .name("accounts")
                .type_(QueryType::Zoqlexport),
            Query::new("select Id from Invoice"),
        ]);
    let job = basic(&server.v1())
        .submit_job(request)
        .idempotency_key("7f9c1f5e-4c1d-4b8e-9a57-1b9f2f0c3d4e")
        .zuora_track_id("track-submit")
        .zuora_entity_ids("entity-1")
        .zuora_org_ids("org-1")
        .await
        .unwrap();
    assert_eq!(job, decoded(&examples::SUBMIT_JOB_200_FULL_LOAD));

    assert_eq!(server.lines(), ["POST /v1/batch-query/"]);
    let r = &server.requests()[0];
    assert_eq!(
        r.json(),
        json!({
            "format": "csv",
            "version": "1.1",
            "name": "nightly-accounts",
            "partner": "salesforce",
            "project": "00170000011K3Ub",
            "queries": [
                {"name": "accounts", "query": "select Id, Name from Account", "type": "zoqlexport"},
                {"query": "select Id from Invoice"}
            ]
        })
    );
    assert_eq!(r.header("content-type"), Some(JSON));
    assert_eq!(r.header("accept"), Some(JSON));
    assert_eq!(r.header("authorization"), Some(BASIC));
    assert_eq!(r.header("user-agent"), Some(USER_AGENT));
    assert_eq!(
        r.header("idempotency-key"),
        Some("7f9c1f5e-4c1d-4b8e-9a57-1b9f2f0c3d4e")
    );
    assert_eq!(r.header("zuora-track-id"), Some("track-submit"));
    assert_eq!(r.header("zuora-entity-ids"), Some("entity-1"));
    assert_eq!(r.header("zuora-org-ids"), Some("org-1"));
}

#[tokio::test]
async fn the_documented_request_examples_are_sent_verbatim() {
    let server = TestServer::start(200, JSON, examples::SUBMIT_JOB_200_SUBMITTED.json).await;
    let client = basic(&server.base_url());
    let stateful = examples::SUBMIT_JOB_REQUEST_STATEFUL;

    // Decoded from the documented example: sent exactly as documented.
    let from_example: SubmitJobRequest = serde_json::from_str(stateful.json).unwrap();
    client.submit_job(from_example.clone()).await.unwrap();

    // The same request written with the builder (the string form of the flags, as documented).
    let string_true: FlexBool = serde_json::from_str("\"true\"").unwrap();
    let built = SubmitJobRequest::new()
        .format(RequestedFormat::Csv)
        .version("1.1")
        .name("Example")
        .encrypted(Encryption::None)
        .use_query_labels(string_true)
        .partner("salesforce")
        .project("00170000011K3Ub")
        .date_time_utc(string_true)
        .queries([Query::new(
            "select Id,StartDate,EndDate,FiscalYear,Name,Status from AccountingPeriod",
        )
        .name("AccountingPeriod")
        .type_(QueryType::Zoqlexport)]);
    assert_eq!(built, from_example);
    client.submit_job(built.clone()).await.unwrap();

    // Flags built in Rust are sent as JSON booleans.
    let with_booleans = built
        .use_query_labels(FlexBool::new(true))
        .date_time_utc(FlexBool::new(true));
    client.submit_job(with_booleans).await.unwrap();

    let minimal = examples::SUBMIT_JOB_REQUEST_MINIMAL;
    client
        .submit_job(SubmitJobRequest::new().queries([
            Query::new("select AccountNumber, BillCycleDay from Account").type_(QueryType::Zoql),
        ]))
        .await
        .unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    assert!(
        requests
            .iter()
            .all(|r| r.line() == "POST /apps/api/batch-query/")
    );
    let expected = example_value(&stateful);
    assert_eq!(requests[0].json(), expected);
    assert_eq!(requests[1].json(), expected);
    let mut booleans = expected.clone();
    booleans["useQueryLabels"] = json!(true);
    booleans["dateTimeUtc"] = json!(true);
    assert_eq!(requests[2].json(), booleans);
    assert_eq!(requests[3].json(), example_value(&minimal));
}

#[tokio::test]
async fn download_paths_follow_the_form_of_the_base_url() {
    let server =
        TestServer::scripted(|r| Reply::new(200, "text/csv", format!("served {}", r.path()))).await;
    let cases = [
        (server.v1(), "/v1/files/402881824835bb2a01483c19f8190259"),
        (
            server.url("/v1/"),
            "/v1/files/402881824835bb2a01483c19f8190259",
        ),
        (
            server.base_url(),
            "/apps/api/file/402881824835bb2a01483c19f8190259",
        ),
        (
            server.url("/apps/api/"),
            "/apps/api/file/402881824835bb2a01483c19f8190259",
        ),
    ];
    for (base, path) in &cases {
        let download = basic(base)
            .download_file("402881824835bb2a01483c19f8190259")
            .zuora_track_id("track-dl")
            .zuora_entity_ids("entity-1")
            .zuora_org_ids("org-1")
            .await
            .unwrap();
        assert_eq!(download.status().as_u16(), 200);
        assert_eq!(download.content_type(), Some("text/csv"));
        let expected = format!("served {path}");
        assert_eq!(download.content_length(), Some(expected.len() as u64));
        assert_eq!(read_all(download).await, expected.as_bytes(), "{base}");
    }
    let requests = server.requests();
    assert_eq!(
        requests.iter().map(Recorded::line).collect::<Vec<_>>(),
        cases
            .iter()
            .map(|(_, path)| format!("GET {path}"))
            .collect::<Vec<_>>()
    );
    for r in &requests {
        assert_eq!(r.header("accept"), Some(DOWNLOAD_ACCEPT));
        assert_eq!(r.header("authorization"), Some(BASIC));
        assert_eq!(r.header("user-agent"), Some(USER_AGENT));
        assert_eq!(r.header("zuora-track-id"), Some("track-dl"));
        assert_eq!(r.header("zuora-entity-ids"), Some("entity-1"));
        assert_eq!(r.header("zuora-org-ids"), Some("org-1"));
    }
}

#[tokio::test]
async fn a_download_streams_and_saves_the_served_bytes() {
    let content = csv("stream", 96);
    let served = content.clone();
    let server = TestServer::scripted(move |_| Reply::new(200, "text/csv", served.clone())).await;
    let client = basic(&server.v1());

    let stream = client.download_file("F1").await.unwrap().into_stream();
    let chunks: Vec<_> = stream.try_collect().await.unwrap();
    assert_eq!(chunks.concat(), content);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("F1.csv");
    let written = client
        .download_file("F1")
        .await
        .unwrap()
        .save(&path, false)
        .await
        .unwrap();
    assert_eq!(written, content.len() as u64);
    assert_eq!(std::fs::read(&path).unwrap(), content);
    assert_eq!(listing(dir.path()), ["F1.csv"]);
    assert_eq!(server.lines(), ["GET /v1/files/F1", "GET /v1/files/F1"]);
}

#[tokio::test]
async fn create_token_posts_a_form_to_the_origin_without_authorization() {
    let example = examples::CREATE_TOKEN_200_TOKEN;
    let server = TestServer::start(200, JSON, example.json).await;
    let expected: TokenResponse = serde_json::from_str(example.json).unwrap();
    for base in [server.v1(), server.base_url()] {
        let token = basic(&base)
            .create_token(TokenRequest::new(
                "8b3e5c3a-3f6d-4c1e-9d2f-0a1b2c3d4e5f",
                "s3cr&t=+/ x",
                GrantType::ClientCredentials,
            ))
            .zuora_track_id("track-token")
            .await
            .unwrap();
        assert_eq!(token, expected);
        assert_eq!(
            token.access_token.as_ref().map(|t| t.expose()),
            Some("2ac23b2b0eb44d1f8e7d0fbd4e6f2b14")
        );
        assert_eq!(token.token_type.as_deref(), Some("bearer"));
        assert_eq!(token.expires_in, Some(3599));
    }

    // OAuth credentials do not fetch a token for the token request itself.
    let token = oauth(&server.v1(), "other-client", "other-secret")
        .create_token(TokenRequest::new(
            "8b3e5c3a-3f6d-4c1e-9d2f-0a1b2c3d4e5f",
            "s3cr&t=+/ x",
            GrantType::ClientCredentials,
        ))
        .await
        .unwrap();
    assert_eq!(token, expected);

    let requests = server.requests();
    assert_eq!(
        requests.iter().map(Recorded::line).collect::<Vec<_>>(),
        ["POST /oauth/token"; 3]
    );
    for r in &requests {
        assert_eq!(r.header("authorization"), None);
        assert_eq!(r.header("content-type"), Some(FORM));
        assert_eq!(r.header("accept"), Some(JSON));
        assert_eq!(r.header("user-agent"), Some(USER_AGENT));
        assert_eq!(
            r.text(),
            "client_id=8b3e5c3a-3f6d-4c1e-9d2f-0a1b2c3d4e5f&client_secret=s3cr%26t%3D%2B%2F+x\
             &grant_type=client_credentials"
        );
    }
    assert_eq!(requests[0].header("zuora-track-id"), Some("track-token"));
    assert_eq!(requests[2].header("zuora-track-id"), None);
}

/// The spec (and every generated JSON request's doc) says: "The client always asks for gzip and
/// decompresses transparently."
#[tokio::test]
async fn json_responses_are_requested_and_accepted_gzip_compressed() {
    let example = examples::GET_JOB_200_COMPLETED;
    let compressed = gzip(example.json.as_bytes());
    let server = TestServer::scripted(move |_| {
        Reply::new(200, JSON, compressed.clone()).header("content-encoding", "gzip")
    })
    .await;
    let result = basic(&server.v1())
        .get_job("402881824835bb2a01483c19f7d70256")
        .await;
    let r = &server.requests()[0];
    assert!(
        r.header("accept-encoding")
            .is_some_and(|v| v.contains("gzip")),
        "no `Accept-Encoding: gzip` in the request: {:?}",
        r.headers
    );
    assert_eq!(result.unwrap(), decoded(&example));
}

// ---------------------------------------------------------------------------------------------
// 2. What each operation decodes.
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Op {
    LastCompleted,
    Submit,
    Get,
    Cancel,
}

async fn call(client: &Client, op: Op) -> Result<Job, Error> {
    match op {
        Op::LastCompleted => {
            client
                .get_last_completed_job("salesforce", "00170000011K3Ub")
                .await
        }
        Op::Submit => {
            client
                .submit_job(SubmitJobRequest::new().queries([Query::new("select Id from Account")]))
                .await
        }
        Op::Get => client.get_job("402881824835bb2a01483c19f7d70256").await,
        Op::Cancel => client.cancel_job("e20b07474688ad5001468daf10e501de").await,
    }
}

#[tokio::test]
async fn each_operation_decodes_its_documented_examples() {
    let cases = [
        (
            Op::LastCompleted,
            examples::GET_LAST_COMPLETED_JOB_200_JSON,
            "completed",
        ),
        (
            Op::LastCompleted,
            examples::GET_LAST_COMPLETED_JOB_200_CURL,
            "completed",
        ),
        (
            Op::LastCompleted,
            examples::GET_LAST_COMPLETED_JOB_200_ISO_START_TIME,
            "completed",
        ),
        (
            Op::LastCompleted,
            examples::GET_LAST_COMPLETED_JOB_200_NUMERIC_VERSION,
            "executing",
        ),
        (Op::Submit, examples::SUBMIT_JOB_200_FULL_LOAD, "submitted"),
        (Op::Submit, examples::SUBMIT_JOB_200_SUBMITTED, "submitted"),
        (Op::Get, examples::GET_JOB_200_COMPLETED, "completed"),
        (Op::Cancel, examples::CANCEL_JOB_200_CANCELLED, "cancelled"),
    ];
    for (op, example, status) in cases {
        let server = TestServer::start(200, JSON, example.json).await;
        let job = call(&basic(&server.v1()), op)
            .await
            .unwrap_or_else(|e| panic!("{op:?} with {}: {e}", example.name));
        let documented = example_value(&example);
        assert_eq!(job, decoded(&example), "{}", example.name);
        assert_eq!(
            job.id.as_deref(),
            documented["id"].as_str(),
            "{}",
            example.name
        );
        assert_eq!(status_of(&job), status, "{}", example.name);
        assert_eq!(
            job.batches.as_ref().map(Vec::len),
            documented["batches"].as_array().map(Vec::len),
            "{}",
            example.name
        );
        // Nothing was lost or invented on the way.
        assert_eq!(
            serde_json::to_value(&job).unwrap(),
            documented,
            "{}",
            example.name
        );
        assert_eq!(server.requests().len(), 1);
    }
}

#[tokio::test]
async fn a_submission_refused_inside_http_200_is_an_api_error() {
    let example = examples::SUBMIT_JOB_200_SYNTAX_ERROR;
    let server = TestServer::start(200, JSON, example.json).await;
    let err = call(&basic(&server.v1()), Op::Submit).await.unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status.as_u16(), 200);
    assert_eq!(api.operation, "submitJob");
    assert_eq!(api.body.status, Some(JobStatus::Error));
    assert_eq!(err.zuora_code().as_deref(), Some("90005"));
    assert_eq!(
        err.zuora_message().as_deref(),
        Some("There is a syntax error in one of the queries in the AQuA input")
    );
    assert_eq!(
        err.to_string(),
        "submitJob: Zuora reported an error with HTTP 200 OK: 90005: There is a syntax error in \
         one of the queries in the AQuA input"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn documented_error_responses_are_status_errors_with_their_code() {
    let server = TestServer::scripted(|r| match r.path() {
        "/v1/batch-query/" => Reply::json(400, examples::RESPONSES_BAD_REQUEST_MALFORMED.json),
        "/oauth/token" => Reply::json(
            401,
            examples::RESPONSES_UNAUTHORIZED_INVALID_CREDENTIALS.json,
        ),
        _ => Reply::json(500, examples::RESPONSES_SERVER_ERROR_SYSTEM_ERROR.json),
    })
    .await;
    let client = no_retry(&server.v1());

    let err = call(&client, Op::Submit).await.unwrap_err();
    assert!(matches!(err, Error::Status(_)), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(err.zuora_code().as_deref(), Some("50000090"));
    assert_eq!(
        err.zuora_message().as_deref(),
        Some("Oops, request is malformed. Please check your request.")
    );

    let err = client.download_file("F1").await.unwrap_err();
    assert!(matches!(err, Error::Status(_)), "{err:?}");
    assert_eq!(err.operation(), Some("downloadFile"));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(err.zuora_code().as_deref(), Some("SystemError"));
    assert_eq!(
        err.zuora_message().as_deref(),
        Some("internal server error")
    );

    let err = client
        .create_token(TokenRequest::new(
            "id",
            "secret",
            GrantType::ClientCredentials,
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Status(_)), "{err:?}");
    assert_eq!(err.operation(), Some("createToken"));
    assert_eq!(err.zuora_code().as_deref(), Some("90000011"));

    assert_eq!(
        server.lines(),
        [
            "POST /v1/batch-query/",
            "GET /v1/files/F1",
            "POST /oauth/token"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Validation before sending.
// ---------------------------------------------------------------------------------------------

fn query(n: usize) -> Query {
    Query::new(format!("select Id from Account where Id = '{n}'")).name(format!("q{n}"))
}

#[tokio::test]
async fn requests_breaking_documented_limits_never_reach_the_server() {
    let server = TestServer::start(200, JSON, examples::SUBMIT_JOB_200_SUBMITTED.json).await;
    let client = basic(&server.v1());
    let base = || SubmitJobRequest::new().queries([query(1)]);
    let long_url = format!("https://example.com/notify?{}", "x".repeat(5000 - 27));
    assert_eq!(long_url.chars().count(), 5000);

    let bodies = [
        (
            base().name("x".repeat(33)),
            "`name` is longer than 32 characters",
        ),
        (
            base().name("é".repeat(33)),
            "`name` is longer than 32 characters",
        ),
        (base().offset(3601), "`offset` is greater than 3600"),
        (base().offset(-1), "`offset` is less than 0"),
        (
            base().notify_url(long_url),
            "`notifyUrl` is longer than 4999 characters",
        ),
        (
            SubmitJobRequest::new().queries((0..51).map(query)),
            "`queries` has more than 50 items",
        ),
    ];
    for (body, message) in bodies {
        let err = client.submit_job(body).await.unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
        assert_eq!(err.to_string(), format!("invalid request: {message}"));
    }

    let err = client
        .submit_job(base())
        .idempotency_key("k".repeat(256))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `Idempotency-Key` is longer than 255 characters"
    );
    let err = client
        .submit_job(base())
        .zuora_track_id("t".repeat(65))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `Zuora-Track-Id` is longer than 64 characters"
    );
    for err in [
        client.get_job("").await.unwrap_err(),
        client.cancel_job("..").await.unwrap_err(),
        client.download_file("").await.unwrap_err(),
    ] {
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    }
    let err = client
        .create_token(TokenRequest::new(
            "id",
            "s".repeat(43),
            GrantType::ClientCredentials,
        ))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `client_secret` is longer than 42 characters"
    );

    // A query without its statement cannot even be written down.
    let err = serde_json::from_str::<SubmitJobRequest>(
        r#"{"queries": [{"name": "accounts", "type": "zoql"}]}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("missing field `query`"), "{err}");

    assert!(server.requests().is_empty(), "{:?}", server.lines());
}

#[tokio::test]
async fn requests_at_the_documented_limits_are_sent() {
    let server = TestServer::start(200, JSON, examples::SUBMIT_JOB_200_SUBMITTED.json).await;
    let client = basic(&server.v1());
    let base = || SubmitJobRequest::new().queries([query(1)]);
    let url = format!("https://example.com/notify?{}", "x".repeat(4999 - 27));
    assert_eq!(url.chars().count(), 4999);
    let bodies = [
        base().name("x".repeat(32)),
        // Characters, not bytes: 32 characters of 2 bytes each.
        base().name("é".repeat(32)),
        base().offset(0),
        base().offset(3600),
        base().notify_url(url.clone()),
        SubmitJobRequest::new().queries((0..50).map(query)),
    ];
    for body in bodies {
        client.submit_job(body).await.unwrap();
    }
    client
        .submit_job(base())
        .idempotency_key("k".repeat(255))
        .zuora_track_id("t".repeat(64))
        .await
        .unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 7);
    assert_eq!(requests[1].json()["name"], json!("é".repeat(32)));
    assert_eq!(requests[3].json()["offset"], json!(3600));
    assert_eq!(requests[4].json()["notifyUrl"], json!(url));
    assert_eq!(
        requests[5].json()["queries"].as_array().map(Vec::len),
        Some(50)
    );
    assert_eq!(
        requests[6].header("idempotency-key"),
        Some("k".repeat(255).as_str())
    );
    assert_eq!(
        requests[6].header("zuora-track-id"),
        Some("t".repeat(64).as_str())
    );
}

#[tokio::test]
async fn a_retried_submission_keeps_its_idempotency_key_and_body() {
    let server = TestServer::scripted(|r| match r.seq {
        0 => Reply::json(503, examples::RESPONSES_SERVER_ERROR_SYSTEM_ERROR.json),
        _ => Reply::json(200, examples::SUBMIT_JOB_200_SUBMITTED.json),
    })
    .await;
    let client = fast_retry(&server.v1());
    let job = client
        .submit_job(SubmitJobRequest::new().queries([query(1)]))
        .await
        .unwrap();
    assert_eq!(job, decoded(&examples::SUBMIT_JOB_200_SUBMITTED));
    let requests = server.requests();
    assert_eq!(
        requests.iter().map(Recorded::line).collect::<Vec<_>>(),
        ["POST /v1/batch-query/"; 2]
    );
    // Without a key of the caller's, the client makes one, the same for every attempt.
    let key = requests[0]
        .header("idempotency-key")
        .expect("an Idempotency-Key");
    assert_eq!(key.len(), 36, "{key}");
    assert_eq!(requests[1].header("idempotency-key"), Some(key));
    assert_eq!(requests[0].body, requests[1].body);

    // A new submission gets a new key.
    client
        .submit_job(SubmitJobRequest::new().queries([query(1)]))
        .await
        .unwrap();
    let third = &server.requests()[2];
    assert_ne!(third.header("idempotency-key"), Some(key));
    assert_eq!(third.header("idempotency-key").map(str::len), Some(36));
}

// ---------------------------------------------------------------------------------------------
// 4. OAuth through the generated client.
// ---------------------------------------------------------------------------------------------

fn token_body(token: &str) -> String {
    json!({"access_token": token, "token_type": "bearer", "expires_in": 3599}).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_share_one_oauth_token() {
    let server = TestServer::scripted(|r| {
        if r.path() == "/oauth/token" {
            // Slow, so that every call is waiting for the token while it is fetched.
            Reply::json(200, token_body("tok-1")).delayed(Duration::from_millis(200))
        } else {
            let id = r.path().rsplit('/').next().unwrap_or_default();
            Reply::json(200, job_body(id, "executing"))
        }
    })
    .await;
    let client = oauth(&server.v1(), "client-1", "secret-1");
    let mut calls = JoinSet::new();
    for i in 0..20 {
        let client = client.clone();
        calls.spawn(async move { client.get_job(format!("job-{i:02}")).await });
    }
    let mut ids = Vec::new();
    while let Some(result) = calls.join_next().await {
        ids.push(result.unwrap().unwrap().id.unwrap());
    }
    ids.sort();
    let expected: Vec<String> = (0..20).map(|i| format!("job-{i:02}")).collect();
    assert_eq!(ids, expected);

    let tokens = server.requests_to("POST", "/oauth/token");
    assert_eq!(tokens.len(), 1, "{:?}", server.lines());
    let token = &tokens[0];
    assert_eq!(token.seq, 0);
    assert_eq!(token.header("authorization"), None);
    assert_eq!(token.header("content-type"), Some(FORM));
    assert_eq!(
        token.text(),
        "client_id=client-1&client_secret=secret-1&grant_type=client_credentials"
    );
    let mut api: Vec<Recorded> = server
        .requests()
        .into_iter()
        .filter(|r| r.path() != "/oauth/token")
        .collect();
    api.sort_by(|a, b| a.target.cmp(&b.target));
    assert_eq!(
        api.iter().map(Recorded::line).collect::<Vec<_>>(),
        expected
            .iter()
            .map(|id| format!("GET /v1/batch-query/jobs/{id}"))
            .collect::<Vec<_>>()
    );
    for r in &api {
        assert_eq!(r.header("authorization"), Some("Bearer tok-1"));
    }
}

#[tokio::test]
async fn an_api_401_refetches_the_token_once_and_retries_once() {
    let fetched = AtomicUsize::new(0);
    let server = TestServer::scripted(move |r| {
        if r.path() == "/oauth/token" {
            let n = fetched.fetch_add(1, Ordering::SeqCst) + 1;
            Reply::json(200, token_body(&format!("tok-{n}")))
        } else if r.header("authorization") == Some("Bearer tok-2") {
            match r.method.as_str() {
                "POST" => Reply::json(200, examples::SUBMIT_JOB_200_SUBMITTED.json),
                _ => Reply::json(200, examples::GET_JOB_200_COMPLETED.json),
            }
        } else {
            Reply::json(
                401,
                examples::RESPONSES_UNAUTHORIZED_INVALID_CREDENTIALS.json,
            )
        }
    })
    .await;
    let client = oauth(&server.url("/apps/api"), "client-1", "secret-1");
    let job = client
        .submit_job(SubmitJobRequest::new().queries([query(1)]))
        .idempotency_key("key-1")
        .await
        .unwrap();
    assert_eq!(job, decoded(&examples::SUBMIT_JOB_200_SUBMITTED));
    // The new token is cached: no fetch for the next call.
    client
        .get_job("402881824835bb2a01483c19f7d70256")
        .await
        .unwrap();

    assert_eq!(
        server.lines(),
        [
            "POST /oauth/token",
            "POST /apps/api/batch-query/",
            "POST /oauth/token",
            "POST /apps/api/batch-query/",
            "GET /apps/api/batch-query/jobs/402881824835bb2a01483c19f7d70256",
        ]
    );
    let requests = server.requests();
    let auth: Vec<Option<&str>> = requests.iter().map(|r| r.header("authorization")).collect();
    assert_eq!(
        auth,
        [
            None,
            Some("Bearer tok-1"),
            None,
            Some("Bearer tok-2"),
            Some("Bearer tok-2")
        ]
    );
    // The retry is the same request: same body bytes, same idempotency key.
    assert_eq!(requests[1].body, requests[3].body);
    assert_eq!(
        requests[1].json(),
        json!({"queries": [{"name": "q1", "query": "select Id from Account where Id = '1'"}]})
    );
    assert_eq!(requests[3].header("idempotency-key"), Some("key-1"));
    assert_eq!(requests[3].header("content-type"), Some(JSON));
}

#[tokio::test]
async fn a_persistent_401_is_retried_only_once() {
    let server = TestServer::scripted(|r| {
        if r.path() == "/oauth/token" {
            Reply::json(200, token_body(&format!("tok-{}", r.seq)))
        } else {
            Reply::json(
                401,
                examples::RESPONSES_UNAUTHORIZED_INVALID_CREDENTIALS.json,
            )
        }
    })
    .await;
    let err = oauth(&server.v1(), "client-1", "secret-1")
        .get_job("J")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Status(_)), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(err.zuora_code().as_deref(), Some("90000011"));
    assert_eq!(
        server.lines(),
        [
            "POST /oauth/token",
            "GET /v1/batch-query/jobs/J",
            "POST /oauth/token",
            "GET /v1/batch-query/jobs/J",
        ]
    );
    let auth: Vec<Option<String>> = server
        .requests()
        .iter()
        .map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    assert_eq!(
        auth,
        [
            None,
            Some("Bearer tok-0".to_owned()),
            None,
            Some("Bearer tok-2".to_owned())
        ]
    );
}

#[tokio::test]
async fn a_refused_token_is_an_auth_error_and_no_api_call_is_made() {
    let server = TestServer::start(
        401,
        JSON,
        examples::RESPONSES_UNAUTHORIZED_INVALID_CREDENTIALS.json,
    )
    .await;
    let err = oauth(&server.v1(), "client-1", "hunter2-secret")
        .get_job("J")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(
        err.to_string(),
        "could not obtain an OAuth access token (HTTP 401 Unauthorized): Authentication error"
    );
    assert!(!format!("{err}{err:?}").contains("hunter2"));
    assert_eq!(server.lines(), ["POST /oauth/token"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_401s_refetch_the_token_only_once() {
    let fetched = AtomicUsize::new(0);
    let server = TestServer::scripted(move |r| {
        if r.path() == "/oauth/token" {
            let n = fetched.fetch_add(1, Ordering::SeqCst) + 1;
            Reply::json(200, token_body(&format!("tok-{n}"))).delayed(Duration::from_millis(100))
        } else if r.header("authorization") == Some("Bearer tok-2") {
            Reply::json(200, job_body("J", "executing"))
        } else {
            Reply::json(
                401,
                examples::RESPONSES_UNAUTHORIZED_INVALID_CREDENTIALS.json,
            )
        }
    })
    .await;
    let client = oauth(&server.v1(), "client-1", "secret-1");
    let mut calls = JoinSet::new();
    for _ in 0..20 {
        let client = client.clone();
        calls.spawn(async move { client.get_job("J").await });
    }
    while let Some(result) = calls.join_next().await {
        assert_eq!(result.unwrap().unwrap().id.as_deref(), Some("J"));
    }
    // One token, then one more when the API refused it, however many calls saw the refusal.
    assert_eq!(
        server.requests_to("POST", "/oauth/token").len(),
        2,
        "{:?}",
        server.lines()
    );
    let api = server.requests_to("GET", "/v1/batch-query/jobs/J");
    let with = |token: &str| {
        api.iter()
            .filter(|r| r.header("authorization") == Some(token))
            .count()
    };
    assert_eq!(with("Bearer tok-2"), 20);
    assert!(with("Bearer tok-1") <= 20);
    assert_eq!(with("Bearer tok-1") + with("Bearer tok-2"), api.len());
}

#[tokio::test]
async fn token_lifetimes_decide_when_a_token_is_fetched_again() {
    // `expires_in: 0`: the token is stale at once, so every call fetches a new one.
    let server = TestServer::scripted(|r| {
        if r.path() == "/oauth/token" {
            Reply::json(
                200,
                json!({"access_token": format!("tok-{}", r.seq), "token_type": "bearer", "expires_in": 0})
                    .to_string(),
            )
        } else {
            Reply::json(200, job_body("J", "executing"))
        }
    })
    .await;
    let client = oauth(&server.v1(), "client-1", "secret-1");
    for _ in 0..3 {
        client.get_job("J").await.unwrap();
    }
    let lines = server.lines();
    assert_eq!(
        lines,
        ["POST /oauth/token", "GET /v1/batch-query/jobs/J"].repeat(3)
    );
    let auth: Vec<Option<String>> = server
        .requests()
        .iter()
        .map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    assert_eq!(
        auth,
        [
            None,
            Some("Bearer tok-0".to_owned()),
            None,
            Some("Bearer tok-2".to_owned()),
            None,
            Some("Bearer tok-4".to_owned()),
        ]
    );

    // Without `expires_in`, a token is taken to last an hour: one fetch for every call.
    let server = TestServer::scripted(|r| {
        if r.path() == "/oauth/token" {
            Reply::json(200, r#"{"access_token":"tok-hour","token_type":"bearer"}"#)
        } else {
            Reply::json(200, job_body("J", "executing"))
        }
    })
    .await;
    let client = oauth(&server.v1(), "client-1", "secret-1");
    for _ in 0..3 {
        client.get_job("J").await.unwrap();
    }
    assert_eq!(
        server.lines(),
        [
            "POST /oauth/token",
            "GET /v1/batch-query/jobs/J",
            "GET /v1/batch-query/jobs/J",
            "GET /v1/batch-query/jobs/J",
        ]
    );
}

#[tokio::test]
async fn oauth_downloads_carry_the_token_and_are_retried_after_a_401() {
    let fetched = AtomicUsize::new(0);
    let server = TestServer::scripted(move |r| {
        if r.path() == "/oauth/token" {
            let n = fetched.fetch_add(1, Ordering::SeqCst) + 1;
            Reply::json(200, token_body(&format!("tok-{n}")))
        } else if r.header("authorization") == Some("Bearer tok-2") {
            Reply::new(200, "text/csv", "Id\n1\n")
        } else {
            Reply::json(
                401,
                examples::RESPONSES_UNAUTHORIZED_INVALID_CREDENTIALS.json,
            )
        }
    })
    .await;
    let client = oauth(&server.base_url(), "client-1", "secret-1");
    let download = client.download_file("F1").await.unwrap();
    assert_eq!(read_all(download).await, b"Id\n1\n");
    assert_eq!(
        server.lines(),
        [
            "POST /oauth/token",
            "GET /apps/api/file/F1",
            "POST /oauth/token",
            "GET /apps/api/file/F1",
        ]
    );
    let last = &server.requests()[3];
    assert_eq!(last.header("authorization"), Some("Bearer tok-2"));
    assert_eq!(last.header("accept"), Some(DOWNLOAD_ACCEPT));
}

// ---------------------------------------------------------------------------------------------
// 5. Polling.
// ---------------------------------------------------------------------------------------------

/// Answers `GET …/batch-query/jobs/J` with the statuses in order; the last one repeats.
async fn polling_server(statuses: &'static [&'static str]) -> TestServer {
    let polls = AtomicUsize::new(0);
    TestServer::scripted(move |r| {
        if r.method != "GET" || r.path() != "/v1/batch-query/jobs/J" {
            return Reply::json(
                404,
                r#"{"success":false,"reasons":[{"code":404,"message":"no"}]}"#,
            );
        }
        let n = polls.fetch_add(1, Ordering::SeqCst).min(statuses.len() - 1);
        Reply::json(200, job_body("J", statuses[n]))
    })
    .await
}

type Seen = Arc<Mutex<Vec<String>>>;

fn recorder() -> (Seen, impl FnMut(&Job) + Send + 'static) {
    let seen: Seen = Arc::default();
    let sink = seen.clone();
    (seen, move |job: &Job| {
        sink.lock().unwrap().push(status_of(job).to_owned())
    })
}

#[tokio::test]
async fn wait_for_job_reports_each_status_until_completed() {
    let server = polling_server(&["submitted", "executing", "executing", "completed"]).await;
    let client = basic(&server.v1());
    let (seen, callback) = recorder();
    let job = client
        .wait_for_job("J")
        .intervals(Duration::from_millis(1), Duration::from_millis(5))
        .deadline(GENEROUS)
        .on_status_change(callback)
        .await
        .unwrap();
    assert_eq!(job.id.as_deref(), Some("J"));
    assert_eq!(job.status, Some(JobStatus::Completed));
    assert_eq!(
        *seen.lock().unwrap(),
        ["submitted", "executing", "completed"]
    );
    assert_eq!(server.lines(), ["GET /v1/batch-query/jobs/J"; 4]);
}

#[tokio::test]
async fn terminal_failures_end_the_wait() {
    let scripts: [&'static [&'static str]; 4] = [
        &["submitted", "error", "completed"],
        &["submitted", "aborted", "completed"],
        &["submitted", "cancelled", "completed"],
        &["submitted", "failed", "completed"],
    ];
    for script in scripts {
        let failure = script[1];
        let server = polling_server(script).await;
        let (seen, callback) = recorder();
        let err = basic(&server.v1())
            .wait_for_job("J")
            .intervals(Duration::from_millis(1), Duration::from_millis(5))
            .deadline(GENEROUS)
            .on_status_change(callback)
            .await
            .unwrap_err();
        let WaitError::Failed(job) = &err else {
            panic!("{failure}: {err:?}")
        };
        assert_eq!(status_of(job), failure);
        assert_eq!(job.id.as_deref(), Some("J"));
        assert_eq!(*seen.lock().unwrap(), ["submitted", failure]);
        assert_eq!(
            server.lines(),
            ["GET /v1/batch-query/jobs/J"; 2],
            "{failure}"
        );
    }
}

#[tokio::test]
async fn an_unknown_status_waits_until_the_deadline() {
    let server = polling_server(&["queued"]).await;
    let (seen, callback) = recorder();
    let deadline = Duration::from_secs(1);
    let err = basic(&server.v1())
        .wait_for_job("J")
        .intervals(Duration::from_millis(1), Duration::from_millis(20))
        .deadline(deadline)
        .on_status_change(callback)
        .await
        .unwrap_err();
    let WaitError::DeadlineExceeded { waited, last } = &err else {
        panic!("{err:?}")
    };
    assert!(*waited >= deadline, "{waited:?}");
    let last = last.as_deref().expect("at least one poll completed");
    assert_eq!(last.status, Some(JobStatus::Unknown("queued".to_owned())));
    assert_eq!(*seen.lock().unwrap(), ["queued"]);
    assert!(
        server
            .lines()
            .iter()
            .all(|l| l == "GET /v1/batch-query/jobs/J")
    );
}

#[tokio::test]
async fn a_failed_poll_ends_the_wait() {
    let server = TestServer::start(
        500,
        JSON,
        examples::RESPONSES_SERVER_ERROR_SYSTEM_ERROR.json,
    )
    .await;
    let (seen, callback) = recorder();
    let err = no_retry(&server.v1())
        .wait_for_job("J")
        .intervals(Duration::from_millis(1), Duration::from_millis(5))
        .deadline(GENEROUS)
        .on_status_change(callback)
        .await
        .unwrap_err();
    let WaitError::Request(inner) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(inner.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(inner.zuora_code().as_deref(), Some("SystemError"));
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(server.lines(), ["GET /v1/batch-query/jobs/J"]);
}

#[tokio::test]
async fn a_transient_error_while_polling_is_retried_and_the_wait_goes_on() {
    let polls = AtomicUsize::new(0);
    let server = TestServer::scripted(move |_| match polls.fetch_add(1, Ordering::SeqCst) {
        0 => Reply::json(200, job_body("J", "submitted")),
        1 => Reply::json(503, examples::RESPONSES_SERVER_ERROR_SYSTEM_ERROR.json),
        2 => Reply::json(200, job_body("J", "executing")),
        _ => Reply::json(200, job_body("J", "completed")),
    })
    .await;
    let (seen, callback) = recorder();
    let job = fast_retry(&server.v1())
        .wait_for_job("J")
        .intervals(Duration::from_millis(1), Duration::from_millis(5))
        .deadline(GENEROUS)
        .on_status_change(callback)
        .await
        .unwrap();
    assert_eq!(job.status, Some(JobStatus::Completed));
    assert_eq!(
        *seen.lock().unwrap(),
        ["submitted", "executing", "completed"]
    );
    assert_eq!(server.lines(), ["GET /v1/batch-query/jobs/J"; 4]);
}

// ---------------------------------------------------------------------------------------------
// 6. Result downloads.
// ---------------------------------------------------------------------------------------------

/// Serves `files` by the last segment of the path, 404 for anything else.
async fn file_server(files: HashMap<&'static str, (&'static str, Vec<u8>)>) -> TestServer {
    TestServer::scripted(move |r| {
        let id = r.path().rsplit('/').next().unwrap_or_default();
        match files.get(id) {
            Some((content_type, bytes)) if r.method == "GET" => {
                Reply::new(200, content_type, bytes.clone())
            }
            _ => Reply::json(
                404,
                r#"{"reasons":[{"code":"NotFound","message":"no file"}]}"#,
            ),
        }
    })
    .await
}

#[tokio::test]
async fn a_segmented_job_is_written_whole_under_the_documented_names() {
    let (s1, s2, f3) = (csv("seg1", 48), csv("seg2", 33), csv("invoices", 70));
    let server = file_server(HashMap::from([
        ("s1", ("text/csv", s1.clone())),
        ("s2", ("text/csv", s2.clone())),
        ("f3", ("text/csv", f3.clone())),
    ]))
    .await;
    let job = completed_job(
        "CSV",
        json!([
            {"name": "accounts", "status": "completed", "segments": ["s1", "s2"]},
            {"name": "invoices", "status": "completed", "fileId": "f3"},
        ]),
    );
    for (base, prefix) in [
        (server.v1(), "/v1/files/"),
        (server.base_url(), "/apps/api/file/"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let files = basic(&base)
            .download_job_results(&job, d, DownloadOptions::default())
            .await
            .unwrap();
        assert_eq!(
            summary(&files),
            [
                (
                    "accounts".to_owned(),
                    "s1".to_owned(),
                    d.join("accounts.part001.csv"),
                    s1.len() as u64
                ),
                (
                    "accounts".to_owned(),
                    "s2".to_owned(),
                    d.join("accounts.part002.csv"),
                    s2.len() as u64
                ),
                (
                    "invoices".to_owned(),
                    "f3".to_owned(),
                    d.join("invoices.csv"),
                    f3.len() as u64
                ),
            ]
        );
        assert_eq!(std::fs::read(d.join("accounts.part001.csv")).unwrap(), s1);
        assert_eq!(std::fs::read(d.join("accounts.part002.csv")).unwrap(), s2);
        assert_eq!(std::fs::read(d.join("invoices.csv")).unwrap(), f3);
        assert_eq!(
            listing(d),
            [
                "accounts.part001.csv",
                "accounts.part002.csv",
                "invoices.csv"
            ]
        );
        let mut fetched: Vec<String> = server
            .lines()
            .into_iter()
            .filter(|l| l.starts_with(&format!("GET {prefix}")))
            .collect();
        fetched.sort();
        let mut expected: Vec<String> = ["s1", "s2", "f3"]
            .iter()
            .map(|id| format!("GET {prefix}{id}"))
            .collect();
        expected.sort();
        assert_eq!(fetched, expected);
    }
    assert_eq!(server.requests().len(), 6);
}

#[tokio::test]
async fn gzip_results_are_kept_or_decompressed() {
    let content = csv("gzipped", 64);
    let compressed = gzip(&content);
    assert_ne!(compressed, content);
    let server = file_server(HashMap::from([(
        "g1",
        ("application/x-gzip", compressed.clone()),
    )]))
    .await;
    let job = completed_job(
        "GZIP",
        json!([{"name": "accounts", "status": "completed", "fileId": "g1"}]),
    );
    let client = basic(&server.v1());

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let files = client
        .download_job_results(&job, d, DownloadOptions::default().decompress(true))
        .await
        .unwrap();
    assert_eq!(
        summary(&files),
        [(
            "accounts".to_owned(),
            "g1".to_owned(),
            d.join("accounts.csv"),
            content.len() as u64
        )]
    );
    assert_eq!(std::fs::read(d.join("accounts.csv")).unwrap(), content);
    assert_eq!(listing(d), ["accounts.csv"]);

    let kept = tempfile::tempdir().unwrap();
    let k = kept.path();
    let files = client
        .download_job_results(&job, k, DownloadOptions::default())
        .await
        .unwrap();
    assert_eq!(
        summary(&files),
        [(
            "accounts".to_owned(),
            "g1".to_owned(),
            k.join("accounts.csv.gz"),
            compressed.len() as u64
        )]
    );
    assert_eq!(
        std::fs::read(k.join("accounts.csv.gz")).unwrap(),
        compressed
    );
    assert_eq!(listing(k), ["accounts.csv.gz"]);
    assert_eq!(server.lines(), ["GET /v1/files/g1"; 2]);
}

#[tokio::test]
async fn zip_results_are_kept_or_unpacked() {
    let content = csv("zipped", 40);
    let archive = zip_archive(&[("accounts.csv", &content)]);
    let two = zip_archive(&[("a.csv", b"Id\n1\n"), ("b.csv", b"Id\n2\n")]);
    let server = file_server(HashMap::from([
        ("z1", ("application/zip", archive.clone())),
        ("z2", ("application/zip", two.clone())),
    ]))
    .await;
    let client = basic(&server.v1());
    let job = |id: &str| {
        completed_job(
            "ZIP",
            json!([{"name": "accounts", "status": "completed", "fileId": id}]),
        )
    };

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let files = client
        .download_job_results(&job("z1"), d, DownloadOptions::default().decompress(true))
        .await
        .unwrap();
    assert_eq!(
        summary(&files),
        [(
            "accounts".to_owned(),
            "z1".to_owned(),
            d.join("accounts.csv"),
            content.len() as u64
        )]
    );
    assert_eq!(std::fs::read(d.join("accounts.csv")).unwrap(), content);
    assert_eq!(listing(d), ["accounts.csv"]);

    let kept = tempfile::tempdir().unwrap();
    let files = client
        .download_job_results(&job("z1"), kept.path(), DownloadOptions::default())
        .await
        .unwrap();
    assert_eq!(files[0].path, kept.path().join("accounts.zip"));
    assert_eq!(std::fs::read(&files[0].path).unwrap(), archive);
    assert_eq!(listing(kept.path()), ["accounts.zip"]);

    // An archive of two files cannot be one CSV: refused, no partial CSV, no temporary file.
    let refused = tempfile::tempdir().unwrap();
    let err = client
        .download_job_results(
            &job("z2"),
            refused.path(),
            DownloadOptions::default().decompress(true),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Download(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("expected one file in the zip archive, found 2"),
        "{err}"
    );
    // The archive itself arrived whole and is kept as received.
    assert_eq!(listing(refused.path()), ["accounts.zip"]);
    assert_eq!(
        std::fs::read(refused.path().join("accounts.zip")).unwrap(),
        two
    );
}

#[tokio::test]
async fn a_transparently_compressed_download_is_saved_decompressed() {
    let content = csv("transport", 64);
    let compressed = gzip(&content);
    let server = TestServer::scripted(move |_| {
        Reply::new(200, "text/csv", compressed.clone()).header("content-encoding", "gzip")
    })
    .await;
    let client = basic(&server.v1());
    let job = completed_job(
        "CSV",
        json!([{"name": "accounts", "status": "completed", "fileId": "f1"}]),
    );
    let dir = tempfile::tempdir().unwrap();
    let files = client
        .download_job_results(&job, dir.path(), DownloadOptions::default())
        .await
        .unwrap();
    assert_eq!(files[0].bytes, content.len() as u64);
    assert_eq!(
        std::fs::read(dir.path().join("accounts.csv")).unwrap(),
        content
    );
    assert_eq!(listing(dir.path()), ["accounts.csv"]);
}

#[tokio::test]
async fn a_redirected_download_does_not_take_the_credentials_elsewhere() {
    let content = csv("redirected", 24);
    let served = content.clone();
    let storage = TestServer::scripted(move |_| Reply::new(200, "text/csv", served.clone())).await;
    let location = storage.url("/blob/F1?signature=abc");
    let api = TestServer::scripted(move |_| {
        Reply::new(302, "text/plain", "").header("location", &location)
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("F1.csv");
    let written = basic(&api.v1())
        .download_file("F1")
        .await
        .unwrap()
        .save(&path, false)
        .await
        .unwrap();
    assert_eq!(written, content.len() as u64);
    assert_eq!(std::fs::read(&path).unwrap(), content);
    assert_eq!(api.lines(), ["GET /v1/files/F1"]);
    assert_eq!(api.requests()[0].header("authorization"), Some(BASIC));
    let fetched = storage.requests();
    assert_eq!(fetched.len(), 1);
    assert_eq!(fetched[0].target, "/blob/F1?signature=abc");
    assert_eq!(fetched[0].header("authorization"), None);
}

#[tokio::test]
async fn a_download_cut_short_fails_and_leaves_no_file() {
    let body = csv("cut", 8);
    let announced = body.len() as u64 * 10;
    let mut response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/csv\r\ncontent-length: {announced}\r\n\
         connection: close\r\n\r\n"
    )
    .into_bytes();
    response.extend_from_slice(&body);
    let server = RawServer::start(2, response).await;
    let client = basic(&server.url("/v1"));
    let dir = tempfile::tempdir().unwrap();

    let download = client.download_file("F1").await.unwrap();
    assert_eq!(download.content_length(), Some(announced));
    let err = download
        .save(&dir.path().join("F1.csv"), false)
        .await
        .unwrap_err();
    let DownloadError::Truncated { expected, received } = err else {
        panic!("{err:?}")
    };
    assert_eq!((expected, received), (announced, body.len() as u64));
    assert!(listing(dir.path()).is_empty(), "{:?}", listing(dir.path()));

    let job = completed_job(
        "CSV",
        json!([{"name": "accounts", "status": "completed", "fileId": "F1"}]),
    );
    let err = client
        .download_job_results(&job, dir.path(), DownloadOptions::default())
        .await
        .unwrap_err();
    let Error::Download(download_error) = &err else {
        panic!("{err:?}")
    };
    assert!(
        matches!(**download_error, DownloadError::Truncated { expected, .. } if expected == announced),
        "{err:?}"
    );
    assert!(listing(dir.path()).is_empty(), "{:?}", listing(dir.path()));

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for head in requests {
        assert!(head.starts_with("GET /v1/files/F1 HTTP/1.1\r\n"), "{head}");
    }
}

#[tokio::test]
async fn a_job_that_is_not_completed_is_refused() {
    let server = TestServer::start(200, "text/csv", "Id\n1\n").await;
    let client = basic(&server.v1());
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("results");
    for (status, shown) in [
        (json!("submitted"), "submitted"),
        (json!("executing"), "executing"),
        (json!("error"), "error"),
        (json!("queued"), "queued"),
        (Value::Null, "of unknown status"),
    ] {
        let mut value = json!({
            "id": "J",
            "format": "CSV",
            "batches": [{"name": "accounts", "fileId": "f1"}],
        });
        if !status.is_null() {
            value["status"] = status;
        }
        let job: Job = serde_json::from_value(value).unwrap();
        let err = client
            .download_job_results(&job, &dir, DownloadOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!("invalid request: job J is {shown}, not completed: wait for it first")
        );
    }
    assert!(!dir.exists());
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn existing_files_are_kept_unless_overwriting_is_allowed() {
    let content = csv("fresh", 16);
    let server = file_server(HashMap::from([("f1", ("text/csv", content.clone()))])).await;
    let client = basic(&server.v1());
    let job = completed_job(
        "CSV",
        json!([{"name": "accounts", "status": "completed", "fileId": "f1"}]),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts.csv");
    std::fs::write(&path, "old").unwrap();

    let err = client
        .download_job_results(&job, dir.path(), DownloadOptions::default())
        .await
        .unwrap_err();
    let Error::Download(download_error) = &err else {
        panic!("{err:?}")
    };
    assert!(
        matches!(&**download_error, DownloadError::Exists { path: p } if *p == path),
        "{err:?}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"old");
    assert_eq!(listing(dir.path()), ["accounts.csv"]);

    let files = client
        .download_job_results(&job, dir.path(), DownloadOptions::default().overwrite(true))
        .await
        .unwrap();
    assert_eq!(
        summary(&files),
        [(
            "accounts".to_owned(),
            "f1".to_owned(),
            path.clone(),
            content.len() as u64
        )]
    );
    assert_eq!(std::fs::read(&path).unwrap(), content);
    assert_eq!(listing(dir.path()), ["accounts.csv"]);
}

/// Query names are unique within a job (the spec says so); two different batches must never be
/// written to the same file.
async fn assert_distinct_files(batches: Value, served: &[(&'static str, Vec<u8>)]) {
    let server = file_server(
        served
            .iter()
            .map(|(id, bytes)| (*id, ("text/csv", bytes.clone())))
            .collect(),
    )
    .await;
    let job = completed_job("CSV", batches);
    let dir = tempfile::tempdir().unwrap();
    let files = basic(&server.v1())
        .download_job_results(&job, dir.path(), DownloadOptions::default())
        .await
        .unwrap_or_else(|e| panic!("the batches' files collide: {e}"));
    let mut paths: Vec<&PathBuf> = files.iter().map(|f| &f.path).collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), served.len(), "{:?}", summary(&files));
    for (id, bytes) in served {
        let file = files.iter().find(|f| f.file_id == *id).unwrap();
        assert_eq!(&std::fs::read(&file.path).unwrap(), bytes, "{id}");
    }
    assert_eq!(listing(dir.path()).len(), served.len());
}

#[tokio::test]
async fn segment_file_names_never_collide_with_another_batch() {
    assert_distinct_files(
        json!([
            {"name": "Account", "status": "completed", "segments": ["s1", "s2"]},
            {"name": "Account.part001", "status": "completed", "fileId": "f3"},
        ]),
        &[
            ("s1", csv("s1", 4)),
            ("s2", csv("s2", 4)),
            ("f3", csv("f3", 4)),
        ],
    )
    .await;
}

#[tokio::test]
async fn deduplicated_file_names_never_collide_with_another_batch() {
    // "Invoice item" and "Invoice/item" both become the stem `Invoice_item`; the second one is
    // renamed `Invoice_item-3`, which is the stem of the batch named "Invoice_item-3".
    assert_distinct_files(
        json!([
            {"name": "Invoice item", "status": "completed", "fileId": "f1"},
            {"name": "Invoice_item-3", "status": "completed", "fileId": "f2"},
            {"name": "Invoice/item", "status": "completed", "fileId": "f3"},
        ]),
        &[
            ("f1", csv("f1", 4)),
            ("f2", csv("f2", 4)),
            ("f3", csv("f3", 4)),
        ],
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// 7. A stateful (incremental) session.
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Session {
    next: usize,
    /// Job id → (partner, project, polls so far, full load).
    jobs: HashMap<String, (String, String, usize, bool)>,
    /// (partner, project) → id of the last completed job.
    last_completed: HashMap<(String, String), String>,
}

fn session_job(id: &str, partner: &str, project: &str, status: &str, full: bool) -> Value {
    let batch_status = match status {
        "completed" => "completed",
        "executing" => "executing",
        _ => "pending",
    };
    let mut batch = json!({
        "name": "accounts",
        "query": "select Id from Account",
        "batchType": "zoqlexport",
        "status": batch_status,
        "full": full,
        "batchId": format!("{id}-b1"),
    });
    if status == "completed" {
        batch["fileId"] = json!(format!("{id}-f1"));
    }
    json!({
        "id": id,
        "status": status,
        "format": "CSV",
        "version": "1.1",
        "partner": partner,
        "project": project,
        "batches": [batch],
    })
}

fn session_reply(session: &Mutex<Session>, r: &Recorded) -> Reply {
    let aqua_error = |code: &str, message: &str| {
        Reply::json(
            200,
            json!({"status": "error", "errorCode": code, "message": message}).to_string(),
        )
    };
    let mut s = session.lock().unwrap();
    let path = r.path();
    if r.method == "POST" && path == "/v1/batch-query/" {
        let body = r.json();
        let (Some(partner), Some(project)) = (body["partner"].as_str(), body["project"].as_str())
        else {
            return aqua_error("90001", "a stateful job needs partner and project");
        };
        if body["version"] != json!("1.1") {
            return aqua_error("90002", "a stateful job needs version 1.1");
        }
        s.next += 1;
        let id = format!("job-{}", s.next);
        let key = (partner.to_owned(), project.to_owned());
        let full = !s.last_completed.contains_key(&key);
        s.jobs
            .insert(id.clone(), (key.0.clone(), key.1.clone(), 0, full));
        return Reply::json(
            200,
            session_job(&id, partner, project, "submitted", full).to_string(),
        );
    }
    if r.method != "GET" {
        return Reply::json(405, "{}");
    }
    if let Some(rest) = path.strip_prefix("/v1/batch-query/jobs/partner/") {
        let Some((partner, project)) = rest.split_once("/project/") else {
            return Reply::json(404, "{}");
        };
        let key = (partner.to_owned(), project.to_owned());
        return match s.last_completed.get(&key) {
            Some(id) => {
                let full = s.jobs[id].3;
                Reply::json(
                    200,
                    session_job(id, partner, project, "completed", full).to_string(),
                )
            }
            None => Reply::json(
                200,
                r#"{"success":false,"reasons":[{"code":53100320,"message":"no completed job"}]}"#,
            ),
        };
    }
    if let Some(id) = path.strip_prefix("/v1/batch-query/jobs/") {
        let Some((partner, project, polls, full)) = s.jobs.get_mut(id).map(|job| {
            job.2 += 1;
            (job.0.clone(), job.1.clone(), job.2, job.3)
        }) else {
            return aqua_error("90004", "no such job");
        };
        let status = match polls {
            1 => "submitted",
            2 => "executing",
            _ => "completed",
        };
        if status == "completed" {
            s.last_completed
                .insert((partner.clone(), project.clone()), id.to_owned());
        }
        return Reply::json(
            200,
            session_job(id, &partner, &project, status, full).to_string(),
        );
    }
    Reply::json(404, "{}")
}

#[tokio::test]
async fn a_stateful_session_submits_waits_and_finds_its_last_completed_job() {
    let session = Mutex::new(Session::default());
    let server = TestServer::scripted(move |r| session_reply(&session, r)).await;
    let client = basic(&server.v1());
    let (partner, project) = ("salesforce", "00170000011K3Ub");
    let stateful = || {
        SubmitJobRequest::new()
            .name("Example")
            .format(RequestedFormat::Csv)
            .version("1.1")
            .partner(partner)
            .project(project)
            .queries([Query::new("select Id from Account")
                .name("accounts")
                .type_(QueryType::Zoqlexport)])
    };

    // No job has completed yet in this session.
    let err = client
        .get_last_completed_job(partner, project)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.zuora_code().as_deref(), Some("53100320"));

    let mut expected_lines = vec![format!(
        "GET /v1/batch-query/jobs/partner/{partner}/project/{project}"
    )];
    for (round, full) in [(1, true), (2, false)] {
        let submitted = client.submit_job(stateful()).await.unwrap();
        let id = submitted.id.clone().unwrap();
        assert_eq!(id, format!("job-{round}"));
        assert_eq!(submitted.status, Some(JobStatus::Submitted));

        let (seen, callback) = recorder();
        let completed = client
            .wait_for_job(id.clone())
            .intervals(Duration::from_millis(1), Duration::from_millis(5))
            .deadline(GENEROUS)
            .on_status_change(callback)
            .await
            .unwrap();
        assert_eq!(completed.id.as_deref(), Some(id.as_str()));
        assert_eq!(
            *seen.lock().unwrap(),
            ["submitted", "executing", "completed"]
        );

        let last = client
            .get_last_completed_job(partner, project)
            .await
            .unwrap();
        assert_eq!(last.id.as_deref(), Some(id.as_str()));
        assert_eq!(last.status, Some(JobStatus::Completed));
        assert_eq!(last.partner.as_deref(), Some(partner));
        assert_eq!(last.project.as_deref(), Some(project));
        let batch = &last.batches.as_ref().unwrap()[0];
        assert_eq!(batch.full, Some(full), "round {round}");
        assert_eq!(batch.file_id, Some(format!("{id}-f1")));
        assert_eq!(last, completed);

        expected_lines.push("POST /v1/batch-query/".to_owned());
        expected_lines.extend(std::iter::repeat_n(
            format!("GET /v1/batch-query/jobs/{id}"),
            3,
        ));
        expected_lines.push(format!(
            "GET /v1/batch-query/jobs/partner/{partner}/project/{project}"
        ));
    }
    assert_eq!(server.lines(), expected_lines);
    for submit in server.requests_to("POST", "/v1/batch-query/") {
        let body = submit.json();
        assert_eq!(body["partner"], json!(partner));
        assert_eq!(body["project"], json!(project));
        assert_eq!(body["version"], json!("1.1"));
    }
}
