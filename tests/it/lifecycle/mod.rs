//! The whole AQuA lifecycle through the generated client over real HTTP on 127.0.0.1: what each
//! operation sends, what it decodes, what it refuses before sending, OAuth, polling, result
//! downloads and a stateful (incremental) session.

mod oauth;
mod polling;
mod requests;
mod responses;
mod results;
mod session;
mod validation;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use zuora_aqua::examples::Example;
use zuora_aqua::runtime::RetryConfig;
use zuora_aqua::{Client, ClientConfig, Credentials, Download, Job, Query};

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

/// A query named `q{n}`.
fn query(n: usize) -> Query {
    Query::new(format!("select Id from Account where Id = '{n}'")).name(format!("q{n}"))
}

type Seen = Arc<Mutex<Vec<String>>>;

fn recorder() -> (Seen, impl FnMut(&Job) + Send + 'static) {
    let seen: Seen = Arc::default();
    let sink = seen.clone();
    (seen, move |job: &Job| {
        sink.lock().unwrap().push(status_of(job).to_owned())
    })
}
