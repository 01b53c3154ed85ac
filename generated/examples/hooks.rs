//! The client's seams: your own `reqwest::Client` (a proxy, custom roots, a shared pool) and
//! hooks in each request's life (a correlation header, metrics).
//!
//! Against the local server (`cargo run -p aqua-cli -- server --port 8080` in another shell):
//!
//! ```sh
//! ZUORA_CLIENT_ID=demo-client ZUORA_CLIENT_SECRET=demo-secret \
//!     cargo run -p zuora-aqua --example hooks -- http://127.0.0.1:8080/v1
//! ```

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use zuora_aqua::runtime::hooks::{Call, Hooks};
use zuora_aqua::runtime::reqwest;
use zuora_aqua::{Client, ClientConfig, Credentials};

/// Tags every request with a correlation id and keeps simple metrics.
#[derive(Default)]
struct Metrics {
    requests: AtomicU64,
    retries: AtomicU64,
    /// Operation, attempt, status and time of each response.
    responses: Mutex<Vec<(&'static str, u32, u16, Duration)>>,
}

impl Hooks for &'static Metrics {
    fn before_send(&self, call: &Call, request: &mut reqwest::Request) {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        if let Ok(id) = reqwest::header::HeaderValue::from_str(&format!("example-{n}")) {
            request.headers_mut().insert("x-correlation-id", id);
        }
        let _ = call;
    }

    fn after_response(&self, call: &Call, response: &reqwest::Response, elapsed: Duration) {
        let status = response.status().as_u16();
        if let Ok(mut responses) = self.responses.lock() {
            responses.push((call.operation, call.attempt, status, elapsed));
        }
    }

    fn on_retry(&self, _call: &Call, _error: &(dyn std::error::Error + 'static), _delay: Duration) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base_url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "https://rest.na.zuora.com/v1".to_owned());
    let credentials = Credentials::oauth(
        std::env::var("ZUORA_CLIENT_ID")?,
        std::env::var("ZUORA_CLIENT_SECRET")?,
    );

    // The runtime follows redirects itself, under its own rules: a client of yours must not.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .pool_max_idle_per_host(4)
        .build()?;
    let metrics: &'static Metrics = Box::leak(Box::default());
    let config = ClientConfig::default()
        .with_http_client(http)
        .with_hooks(metrics);
    let client = Client::with_config(&base_url, credentials, config)?;

    let job = client.get_last_completed_job("demo", "aqua-example").await;
    println!("last completed job: {:?}", job.map(|j| j.id));
    for (operation, attempt, status, elapsed) in metrics.responses.lock().unwrap().iter() {
        println!("{operation} attempt {attempt}: HTTP {status} in {elapsed:?}");
    }
    println!(
        "{} requests, {} retries",
        metrics.requests.load(Ordering::Relaxed),
        metrics.retries.load(Ordering::Relaxed)
    );
    Ok(())
}
