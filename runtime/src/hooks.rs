//! Hooks into the life of each request, for what generated code cannot know: headers of your
//! own (tracing propagation, tenant or correlation ids), metrics, and request signing.
//!
//! Implement [`Hooks`] (every method has a default that does nothing) and pass it to
//! [`ClientConfig::with_hooks`](crate::ClientConfig::with_hooks). A client without hooks pays
//! one branch per phase.
//!
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use std::time::Duration;
//!
//! use aqua_runtime::hooks::{Call, Hooks};
//! use aqua_runtime::{ClientConfig, reqwest};
//!
//! /// Counts responses by status class and tags every request.
//! #[derive(Default)]
//! struct Metrics {
//!     errors: AtomicU64,
//! }
//!
//! impl Hooks for Metrics {
//!     fn before_send(&self, call: &Call, request: &mut reqwest::Request) {
//!         let tag = format!("{}-{}", call.operation, call.attempt);
//!         if let Ok(value) = reqwest::header::HeaderValue::from_str(&tag) {
//!             request.headers_mut().insert("x-request-tag", value);
//!         }
//!     }
//!
//!     fn after_response(&self, _call: &Call, response: &reqwest::Response, _elapsed: Duration) {
//!         if !response.status().is_success() {
//!             self.errors.fetch_add(1, Ordering::Relaxed);
//!         }
//!     }
//! }
//!
//! let config = ClientConfig::default().with_hooks(Metrics::default());
//! # let _ = config;
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The request a hook is called for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Call {
    /// The operation, by the spec's `operationId` (such as `getJob`).
    pub operation: &'static str,
    /// The attempt, from 1 (see [`RetryConfig`](crate::RetryConfig)). An OAuth request sent
    /// again after HTTP 401, a redirect the runtime follows and a download's resumption keep
    /// the attempt they belong to.
    pub attempt: u32,
}

/// Phases of a request's life that a client calls back. Every method has a default that does
/// nothing; implement those you need. They run on the task that makes the request, so they
/// should be quick and must not block.
///
/// Requests are seen as the runtime sends them: every attempt, the request sent again with a
/// new OAuth token after HTTP 401, every redirect the runtime follows itself (reqwest follows
/// the others without calling back), and every range request resuming a download. OAuth token
/// requests are not shown.
pub trait Hooks: Send + Sync + 'static {
    /// Just before `request` is sent, authenticated: add or change headers (a signature over
    /// the final request belongs here), or record the start.
    fn before_send(&self, call: &Call, request: &mut reqwest::Request) {
        let _ = (call, request);
    }

    /// When the response head has arrived, `elapsed` after the request was sent (the body, if
    /// any, has not been read yet). Not called when no response arrived: see
    /// [`on_retry`](Self::on_retry) and the call's error.
    fn after_response(&self, call: &Call, response: &reqwest::Response, elapsed: Duration) {
        let _ = (call, response, elapsed);
    }

    /// Attempt `call.attempt` failed with `error`, which may pass: the next attempt starts
    /// after `delay`.
    fn on_retry(&self, call: &Call, error: &(dyn std::error::Error + 'static), delay: Duration) {
        let _ = (call, error, delay);
    }
}

/// The hooks of a client, if any: what [`ClientConfig`](crate::ClientConfig) holds.
#[derive(Clone, Default)]
pub(crate) struct HookSlot(pub(crate) Option<Arc<dyn Hooks>>);

impl fmt::Debug for HookSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "Some(..)" } else { "None" })
    }
}
