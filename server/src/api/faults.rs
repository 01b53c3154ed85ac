//! Fault injection at the entry points: the rules of [`Config::faults`] picked for a request,
//! held, answered instead, or cut short after the request is handled.
//!
//! [`Config::faults`]: crate::Config::faults

use std::io;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use serde::Serialize;
use tokio::sync::watch;
use zuora_aqua::server::{BinaryReply, Reply};

use super::Simulator;
use crate::fault::{self, Fault, MAX_HOLD};
use crate::net::Counters;

/// What fault injection leaves to do.
enum Pre {
    /// Handle the request, cutting the answer as said.
    Continue(Cut),
    /// Answer this instead.
    Answer(Response),
}

/// Whether and how an answer is cut short (see [`truncated`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cut {
    /// Not cut.
    No,
    /// Cut, and a file says `Accept-Ranges: none` ([`Fault::Truncated`]).
    Plain,
    /// Cut, and a file keeps `Accept-Ranges: bytes` ([`Fault::TruncatedOnce`],
    /// [`Fault::TruncatedResumable`]).
    Resumable,
}

/// Resolves when the server shuts down (or is gone).
async fn shutdown_signal(mut rx: watch::Receiver<bool>) {
    loop {
        if *rx.borrow_and_update() {
            return;
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}

/// The response with only the first half of its body, announcing the whole length, and a
/// body that then fails so that the connection is closed.
async fn truncated(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let declared = bytes.len().max(2);
    let sent = bytes.slice(..bytes.len() / 2);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(declared));
    let stream = futures_util::stream::unfold(0u8, move |step| {
        let sent = sent.clone();
        async move {
            match step {
                0 => Some((Ok::<Bytes, io::Error>(sent), 1)),
                1 => {
                    // Let the first half reach the client before the connection breaks.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Some((
                        Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "response truncated by fault injection",
                        )),
                        2,
                    ))
                }
                _ => None,
            }
        }
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

fn reply_status<T>(reply: &Reply<T>) -> u16 {
    match reply {
        Reply::Ok(_) => 200,
        Reply::Json(status, _) => status.as_u16(),
        Reply::Raw(response) => response.status().as_u16(),
        _ => 0,
    }
}

fn binary_status(reply: &BinaryReply) -> u16 {
    match reply {
        BinaryReply::Ok { .. } => 200,
        BinaryReply::Json(status, _) => status.as_u16(),
        BinaryReply::Raw(response) => response.status().as_u16(),
        _ => 0,
    }
}

impl Simulator {
    /// Waits `duration`, or less if the server shuts down.
    async fn hold(&self, duration: Duration) {
        tokio::select! {
            () = tokio::time::sleep(duration) => {}
            () = shutdown_signal(self.shutdown.clone()) => {}
        }
    }

    /// Applies the fault rules to a request of `operation` about `subject` (the file ID of a
    /// download, empty otherwise).
    async fn pre(&self, operation: &'static str, subject: &str) -> Pre {
        let Some(fault) = self.injector.pick(operation, subject) else {
            return Pre::Continue(Cut::No);
        };
        Counters::bump(&self.counters.faults);
        tracing::info!(operation, ?fault, "injecting a fault");
        match fault {
            Fault::Slow(delay) => {
                self.hold(delay).await;
                Pre::Continue(Cut::No)
            }
            Fault::Hang => {
                self.hold(MAX_HOLD).await;
                Pre::Answer(fault::reset())
            }
            Fault::Truncated => Pre::Continue(Cut::Plain),
            Fault::TruncatedOnce | Fault::TruncatedResumable => Pre::Continue(Cut::Resumable),
            other => Pre::Answer(fault::response(&other)),
        }
    }

    /// Logs and, for the `Truncated` faults, cuts the answer.
    async fn finish<T: Serialize>(
        &self,
        operation: &'static str,
        reply: Reply<T>,
        cut: Cut,
    ) -> Reply<T> {
        tracing::info!(operation, status = reply_status(&reply), "request handled");
        if cut != Cut::No {
            Reply::Raw(truncated(reply.into_response_with(StatusCode::OK)).await)
        } else {
            reply
        }
    }

    /// Answers a JSON operation: the fault rules first, then `handle`, then the log line (and
    /// the cut of a `Truncated` fault).
    pub(super) async fn answer<T: Serialize>(
        &self,
        operation: &'static str,
        handle: impl FnOnce() -> Reply<T>,
    ) -> Reply<T> {
        let cut = match self.pre(operation, "").await {
            Pre::Answer(response) => {
                return self.finish(operation, Reply::Raw(response), Cut::No).await;
            }
            Pre::Continue(cut) => cut,
        };
        let reply = handle();
        self.finish(operation, reply, cut).await
    }

    /// Answers a file download (`subject`, the file ID) as [`Simulator::answer`] answers a
    /// JSON operation. A file cut by [`Fault::Truncated`] says `Accept-Ranges: none`.
    pub(super) async fn answer_file(
        &self,
        operation: &'static str,
        subject: &str,
        handle: impl FnOnce() -> BinaryReply,
    ) -> BinaryReply {
        let cut = match self.pre(operation, subject).await {
            Pre::Answer(response) => {
                tracing::info!(
                    operation,
                    status = response.status().as_u16(),
                    "request handled"
                );
                return BinaryReply::Raw(response);
            }
            Pre::Continue(cut) => cut,
        };
        let reply = handle();
        tracing::info!(operation, status = binary_status(&reply), "request handled");
        match cut {
            Cut::No => reply,
            Cut::Plain => {
                let mut response = reply.into_response_with(StatusCode::OK);
                if response.headers().contains_key(header::ACCEPT_RANGES) {
                    response
                        .headers_mut()
                        .insert(header::ACCEPT_RANGES, HeaderValue::from_static("none"));
                }
                BinaryReply::Raw(truncated(response).await)
            }
            Cut::Resumable => {
                BinaryReply::Raw(truncated(reply.into_response_with(StatusCode::OK)).await)
            }
        }
    }
}
