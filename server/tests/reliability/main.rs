//! Reliability and security tests over real HTTP on 127.0.0.1 (issue "Reliability and
//! security"; see `RELIABILITY.md`):
//!
//! * `fault_matrix`: every injected fault kind, as the library client sees it;
//! * `cli_matrix`: the same faults through the `aqua` binary (exit codes, one-line errors);
//! * `limits`: the documented defaults, and the cap on JSON bodies against a hostile server;
//! * `soak`: 2,000 calls from 16 tasks under ~10 % injected faults;
//! * `secrets`: no password, client secret or access token in any `Debug`, `Display`, error,
//!   log line (TRACE) or output of the binary.
//!
//! This is a test binary of its own (not a module of `tests/it`) because it installs a
//! process-wide `tracing` subscriber: scoped subscribers (`set_default`, `with_subscriber`)
//! lose events when other tests of the same process register the same callsites from threads
//! without a subscriber (tracing-core caches `Interest::never` for them), which would make a
//! log-based secrets check silently incomplete.

mod cli_matrix;
mod common;
mod fault_matrix;
mod limits;
mod secrets;
mod soak;

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// Every `tracing` event of this process at TRACE level, formatted, since [`capture`] was
/// first called.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<u8>>>);

impl Log {
    /// The log so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("the log")).into_owned()
    }
}

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("the log").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Log {
    type Writer = Log;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Retries of the client within a span named `soak`: its `warn!` events.
pub static SOAK_RETRIES: AtomicU64 = AtomicU64::new(0);

/// The name of the span that [`SOAK_RETRIES`] counts in.
pub const SOAK_SPAN: &str = "soak";

struct RetryCounter;

impl<S> Layer<S> for RetryCounter
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        if *meta.level() != tracing::Level::WARN || !meta.target().starts_with("aqua_runtime") {
            return;
        }
        let in_soak = ctx
            .event_scope(event)
            .is_some_and(|scope| scope.from_root().any(|span| span.name() == SOAK_SPAN));
        if in_soak {
            SOAK_RETRIES.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Installs the process-wide subscriber (once): every event at TRACE level into [`Log`],
/// and the retry counter. Every test calls it first.
pub fn capture() -> &'static Log {
    static LOG: OnceLock<Log> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Log::default();
        let subscriber = tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(log.clone()),
            )
            .with(RetryCounter);
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global subscriber in this test binary");
        tracing::callsite::rebuild_interest_cache();
        log
    })
}
