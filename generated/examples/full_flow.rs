//! The whole AQuA flow: submit a stateful job, wait for it, download its results, then read the
//! last completed job of the same partner/project.
//!
//! Against the local server (`cargo run -p aqua-cli -- server --port 8080` in another shell):
//!
//! ```sh
//! ZUORA_CLIENT_ID=demo-client ZUORA_CLIENT_SECRET=demo-secret \
//!     cargo run -p zuora-aqua --example full_flow -- http://127.0.0.1:8080/v1
//! ```
//!
//! Against Zuora, pass a documented base URL such as `https://rest.na.zuora.com/v1`.

use std::time::Duration;

use zuora_aqua::{
    Client, Credentials, DownloadOptions, Query, QueryType, RequestedFormat, SubmitJobRequest,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base_url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "https://rest.na.zuora.com/v1".to_owned());
    let credentials = Credentials::oauth(
        std::env::var("ZUORA_CLIENT_ID")?,
        std::env::var("ZUORA_CLIENT_SECRET")?,
    );
    let client = Client::with_base_url(&base_url, credentials)?;

    // 1. Submit: optional inputs are set with a builder, limits are checked before sending.
    let request = SubmitJobRequest::new()
        .name("nightly-accounts")
        .format(RequestedFormat::Csv)
        .version("1.1")
        .partner("demo")
        .project("aqua-example")
        .queries([Query::new("select Id, Name, Balance from Account")
            .name("Account")
            .type_(QueryType::Zoqlexport)]);
    let job = client.submit_job(request).await?;
    let id = job.id.clone().unwrap_or_default();
    println!("submitted job {id}");

    // 2. Wait until the job is completed (or failed), printing each status change.
    let job = client
        .wait_for_job(&id)
        .deadline(Duration::from_secs(3 * 3600))
        .on_status_change(|job| println!("status: {:?}", job.status))
        .await?;

    // 3. Download every result file (segments included), at most 4 at a time.
    let files = client
        .download_job_results(&job, "results", DownloadOptions::default())
        .await?;
    for file in &files {
        println!("{} ({} bytes)", file.path.display(), file.bytes);
    }

    // 4. The stateful session now reports this job as its last completed one.
    let last = client
        .get_last_completed_job("demo", "aqua-example")
        .await?;
    assert_eq!(last.id, job.id);
    Ok(())
}
