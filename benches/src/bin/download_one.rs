//! `download-one MODE BASE_URL FILE`: downloads `BASE_URL/files/bench` once to FILE and
//! prints the bytes, seconds and MiB/s to stderr. One download per process, so that
//! `/usr/bin/time -v` reports the peak RSS of that download alone. MODE:
//!
//! * `generated`: `client.download_file(id).send().await?.save(FILE, true)` (a temporary file,
//!   checked against `Content-Length`, synced to disk, renamed);
//! * `raw`: a plain `reqwest` client streaming the chunks into a 256 KiB `BufWriter` over a
//!   `tokio::fs::File` (no sync), the baseline;
//! * `raw-fsync`: `raw`, then `sync_all` before returning, as `save` does.
//!
//! Every mode sends the same basic `Authorization` header.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use tokio::io::AsyncWriteExt as _;

const USER: &str = "demo";
const FILE_ID: &str = "bench";

async fn generated(base_url: &str, path: &Path) -> Result<u64, String> {
    let client = aqua_benches::per_call::generated_client(base_url);
    let download = client
        .download_file(FILE_ID)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    download.save(path, true).await.map_err(|e| e.to_string())
}

async fn raw(base_url: &str, path: &Path, sync: bool) -> Result<u64, String> {
    let http = reqwest::Client::builder()
        .tls_backend_rustls()
        .build()
        .map_err(|e| e.to_string())?;
    let mut response = http
        .get(format!("{base_url}/files/{FILE_ID}"))
        .basic_auth(USER, Some(USER))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| e.to_string())?;
    let file = tokio::fs::File::create(path)
        .await
        .map_err(|e| e.to_string())?;
    let mut out = tokio::io::BufWriter::with_capacity(256 * 1024, file);
    let mut written = 0u64;
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        out.write_all(&chunk).await.map_err(|e| e.to_string())?;
        written += chunk.len() as u64;
    }
    out.flush().await.map_err(|e| e.to_string())?;
    if sync {
        out.into_inner()
            .sync_all()
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(written)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mode, base_url, file] = args.as_slice() else {
        eprintln!("usage: download-one generated|raw|raw-fsync BASE_URL FILE");
        return ExitCode::from(2);
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let path = Path::new(file);
    let start = Instant::now();
    let result = runtime.block_on(async {
        match mode.as_str() {
            "generated" => generated(base_url, path).await,
            "raw" => raw(base_url, path, false).await,
            "raw-fsync" => raw(base_url, path, true).await,
            other => Err(format!("unknown mode `{other}`")),
        }
    });
    let seconds = start.elapsed().as_secs_f64();
    match result {
        Ok(bytes) => {
            eprintln!(
                "{mode}: {bytes} bytes in {seconds:.3} s, {:.1} MiB/s",
                bytes as f64 / seconds / 1_048_576.0
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {mode}: {e}");
            ExitCode::FAILURE
        }
    }
}
