//! Polling an operation until it finishes (an AQuA job, a file being prepared).
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use aqua_runtime::wait::{PollOutcome, Wait};
//! use aqua_runtime::Error;
//!
//! #[derive(Debug)]
//! struct Job { status: String }
//!
//! async fn fetch_job() -> Result<Job, Error<serde_json::Value>> {
//!     Ok(Job { status: "completed".into() })
//! }
//!
//! let job = Wait::new(
//!     fetch_job,
//!     |job: &Job| match job.status.as_str() {
//!         "completed" => PollOutcome::Succeeded,
//!         "error" | "aborted" | "cancelled" => PollOutcome::Failed,
//!         _ => PollOutcome::Pending,
//!     },
//!     |job: &Job| Some(job.status.clone()),
//! )
//! .deadline(Duration::from_secs(600))
//! .on_status_change(|job: &Job| println!("job is {}", job.status))
//! .await?;
//! # let _ = job;
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::{Future, IntoFuture};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use tokio::time::Instant;

use crate::error::{Error, ErrorBody};

/// What a polled value says about the operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PollOutcome {
    /// Still running (also for statuses the classifier does not know).
    Pending,
    /// Finished successfully.
    Succeeded,
    /// Finished with a failure.
    Failed,
}

/// The default deadline: AQuA's maximum processing time, 3 hours.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(3 * 60 * 60);
/// The default first interval between polls.
pub const DEFAULT_INITIAL_INTERVAL: Duration = Duration::from_millis(500);
/// The default longest interval between polls.
pub const DEFAULT_MAX_INTERVAL: Duration = Duration::from_secs(10);

type Fetch<'a, T, E> = Box<dyn FnMut() -> BoxFuture<'a, Result<T, Error<E>>> + Send + 'a>;
type Callback<'a, T> = Box<dyn FnMut(&T) + Send + 'a>;

/// Polls with `fetch` until `classify` says the operation finished or the deadline passes.
///
/// It polls at once, then after an interval that starts at 500 ms and grows by half after
/// each poll up to 10 s (see [`intervals`](Self::intervals)), never sleeping past the
/// deadline (3 hours unless [`deadline`](Self::deadline) says otherwise). A failed fetch ends
/// the wait. Run it with [`send`](Self::send) or `.await`.
#[must_use = "a wait does nothing until it is awaited"]
pub struct Wait<'a, T, E> {
    fetch: Fetch<'a, T, E>,
    classify: fn(&T) -> PollOutcome,
    status: fn(&T) -> Option<String>,
    deadline: Duration,
    initial: Duration,
    max: Duration,
    on_status_change: Option<Callback<'a, T>>,
}

impl<T, E> fmt::Debug for Wait<'_, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("deadline", &self.deadline)
            .field("initial_interval", &self.initial)
            .field("max_interval", &self.max)
            .finish_non_exhaustive()
    }
}

impl<'a, T: Send + 'a, E: Send + 'a> Wait<'a, T, E> {
    /// A wait that polls with `fetch`, decides with `classify`, and reports changes of
    /// `status` to the [`on_status_change`](Self::on_status_change) callback.
    pub fn new<F, Fut>(
        mut fetch: F,
        classify: fn(&T) -> PollOutcome,
        status: fn(&T) -> Option<String>,
    ) -> Self
    where
        F: FnMut() -> Fut + Send + 'a,
        Fut: Future<Output = Result<T, Error<E>>> + Send + 'a,
    {
        Wait {
            fetch: Box::new(move || fetch().boxed()),
            classify,
            status,
            deadline: DEFAULT_DEADLINE,
            initial: DEFAULT_INITIAL_INTERVAL,
            max: DEFAULT_MAX_INTERVAL,
            on_status_change: None,
        }
    }

    /// Sets the longest total wait, counted from the first poll (default 3 hours).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Sets the first interval between polls and the longest one it grows to (default
    /// 500 ms and 10 s). An `initial` above `max` is lowered to `max`.
    pub fn intervals(mut self, initial: Duration, max: Duration) -> Self {
        self.initial = initial.min(max);
        self.max = max;
        self
    }

    /// Calls `f` with the first polled value and with every value whose status differs from
    /// the one before.
    pub fn on_status_change(mut self, f: impl FnMut(&T) + Send + 'a) -> Self {
        self.on_status_change = Some(Box::new(f));
        self
    }

    /// Polls until the operation finishes, fails, or the deadline passes.
    ///
    /// A fetch still running at the deadline is abandoned.
    pub async fn send(mut self) -> Result<T, WaitError<T, E>> {
        let start = Instant::now();
        let end = start + self.deadline;
        let mut interval = self.initial;
        let mut last: Option<T> = None;
        let mut last_status: Option<Option<String>> = None;
        loop {
            let fetched = tokio::time::timeout_at(end, (self.fetch)()).await;
            let value = match fetched {
                Ok(Ok(value)) => value,
                Ok(Err(e)) => return Err(WaitError::Request(e)),
                Err(_) => {
                    return Err(WaitError::DeadlineExceeded {
                        waited: start.elapsed(),
                        last: last.map(Box::new),
                    });
                }
            };
            let status = (self.status)(&value);
            if last_status.as_ref() != Some(&status) {
                if let Some(callback) = self.on_status_change.as_mut() {
                    callback(&value);
                }
                last_status = Some(status);
            }
            match (self.classify)(&value) {
                PollOutcome::Succeeded => return Ok(value),
                PollOutcome::Failed => return Err(WaitError::Failed(Box::new(value))),
                PollOutcome::Pending => {}
            }
            let now = Instant::now();
            if now >= end {
                return Err(WaitError::DeadlineExceeded {
                    waited: now - start,
                    last: Some(Box::new(value)),
                });
            }
            last = Some(value);
            tokio::time::sleep(interval.min(end - now)).await;
            interval = interval.mul_f64(1.5).min(self.max);
        }
    }
}

impl<'a, T: Send + 'a, E: Send + 'a> IntoFuture for Wait<'a, T, E> {
    type Output = Result<T, WaitError<T, E>>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        self.send().boxed()
    }
}

/// Why a [`Wait`] ended without success.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitError<T, E> {
    /// The operation finished with a failure; this is its last polled value.
    Failed(Box<T>),
    /// The deadline passed while the operation was still pending.
    DeadlineExceeded {
        /// How long the wait lasted.
        waited: Duration,
        /// The last polled value, if any poll completed.
        last: Option<Box<T>>,
    },
    /// A poll failed.
    Request(Error<E>),
}

impl<T, E> WaitError<T, E> {
    /// The last polled value, if any.
    pub fn last(&self) -> Option<&T> {
        match self {
            WaitError::Failed(value) => Some(value),
            WaitError::DeadlineExceeded { last, .. } => last.as_deref(),
            WaitError::Request(_) => None,
        }
    }
}

impl<T, E: ErrorBody> fmt::Display for WaitError<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Failed(_) => f.write_str("the operation finished with a failure"),
            WaitError::DeadlineExceeded { waited, .. } => write!(
                f,
                "the operation was still pending when the deadline passed after {waited:?}"
            ),
            WaitError::Request(e) => write!(f, "polling failed: {e}"),
        }
    }
}

impl<T: fmt::Debug, E: ErrorBody> std::error::Error for WaitError<T, E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WaitError::Request(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use serde_json::Value;

    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Job {
        status: String,
    }

    fn classify(job: &Job) -> PollOutcome {
        match job.status.as_str() {
            "completed" => PollOutcome::Succeeded,
            "error" | "aborted" => PollOutcome::Failed,
            _ => PollOutcome::Pending,
        }
    }

    fn status(job: &Job) -> Option<String> {
        Some(job.status.clone())
    }

    type Scripted = (
        Wait<'static, Job, Value>,
        Arc<Mutex<Vec<Instant>>>,
        Arc<Mutex<Vec<String>>>,
    );

    /// A wait over `statuses` (the last repeats), recording each poll's time and the statuses
    /// reported to the callback.
    fn scripted(statuses: &[&str]) -> Scripted {
        let statuses: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
        let polls = Arc::new(Mutex::new(Vec::new()));
        let changes = Arc::new(Mutex::new(Vec::new()));
        let (p, c) = (polls.clone(), changes.clone());
        let wait = Wait::new(
            move || {
                let mut polls = p.lock().unwrap();
                let n = polls.len().min(statuses.len() - 1);
                polls.push(Instant::now());
                let job = Job {
                    status: statuses[n].clone(),
                };
                async move { Ok(job) }
            },
            classify,
            status,
        )
        .intervals(Duration::from_millis(1), Duration::from_millis(4))
        .on_status_change(move |job: &Job| c.lock().unwrap().push(job.status.clone()));
        (wait, polls, changes)
    }

    #[tokio::test]
    async fn succeeds_and_reports_each_status_change() {
        let (wait, polls, changes) = scripted(&[
            "submitted",
            "executing",
            "executing",
            "unknown-new-status",
            "executing",
            "completed",
        ]);
        let job = wait.await.unwrap();
        assert_eq!(job.status, "completed");
        assert_eq!(polls.lock().unwrap().len(), 6);
        assert_eq!(
            *changes.lock().unwrap(),
            [
                "submitted",
                "executing",
                "unknown-new-status",
                "executing",
                "completed"
            ]
        );
    }

    #[tokio::test]
    async fn a_failed_operation_ends_the_wait() {
        let (wait, polls, changes) = scripted(&["executing", "error", "completed"]);
        let err = wait.send().await.unwrap_err();
        let WaitError::Failed(job) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(job.status, "error");
        assert_eq!(err.last().map(|j| j.status.as_str()), Some("error"));
        assert_eq!(polls.lock().unwrap().len(), 2);
        assert_eq!(*changes.lock().unwrap(), ["executing", "error"]);
        assert!(err.to_string().contains("failure"), "{err}");
    }

    #[tokio::test]
    async fn the_deadline_ends_a_pending_wait() {
        let (wait, polls, changes) = scripted(&["executing"]);
        let started = std::time::Instant::now();
        let err = wait.deadline(Duration::from_millis(50)).await.unwrap_err();
        let WaitError::DeadlineExceeded { waited, last } = &err else {
            panic!("{err:?}")
        };
        assert!(*waited >= Duration::from_millis(50), "{waited:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(
            last.as_deref().map(|j| j.status.as_str()),
            Some("executing")
        );
        assert!(polls.lock().unwrap().len() >= 5);
        assert_eq!(*changes.lock().unwrap(), ["executing"]);
        assert!(err.to_string().contains("deadline"), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn intervals_grow_by_half_and_stop_at_the_deadline() {
        let (wait, polls, _) = scripted(&["executing"]);
        let err = wait
            .intervals(Duration::from_millis(100), Duration::from_millis(300))
            .deadline(Duration::from_millis(1000))
            .await
            .unwrap_err();
        assert!(matches!(err, WaitError::DeadlineExceeded { .. }), "{err:?}");
        let polls = polls.lock().unwrap();
        let first = polls[0];
        let offsets: Vec<u128> = polls.iter().map(|t| (*t - first).as_millis()).collect();
        // 100, 150, 225, 300 (the maximum), then what is left until the deadline.
        assert_eq!(offsets, [0, 100, 250, 475, 775, 1000]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_fetch_running_past_the_deadline_is_abandoned() {
        let calls = Arc::new(Mutex::new(0));
        let c = calls.clone();
        let err = Wait::new(
            move || {
                let n = {
                    let mut calls = c.lock().unwrap();
                    *calls += 1;
                    *calls
                };
                async move {
                    if n > 1 {
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                    }
                    Ok::<_, Error<Value>>(Job {
                        status: "executing".into(),
                    })
                }
            },
            classify,
            status,
        )
        .deadline(Duration::from_secs(5))
        .await
        .unwrap_err();
        let WaitError::DeadlineExceeded { waited, last } = err else {
            panic!("{err:?}")
        };
        assert_eq!(waited, Duration::from_secs(5));
        assert_eq!(last.map(|j| j.status), Some("executing".to_owned()));
        assert_eq!(*calls.lock().unwrap(), 2);
    }

    #[tokio::test]
    async fn a_failed_fetch_ends_the_wait() {
        let err = Wait::new(
            || async { Err::<Job, _>(Error::<Value>::invalid_request("boom")) },
            classify,
            status,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, WaitError::Request(Error::InvalidRequest { .. })),
            "{err:?}"
        );
        assert!(err.to_string().contains("boom"), "{err}");
        assert!(std::error::Error::source(&err).is_some());
        assert!(err.last().is_none());
    }

    #[tokio::test]
    async fn waits_borrow_and_are_send() {
        fn assert_send<T: Send>(t: T) -> T {
            t
        }
        let name = String::from("completed");
        let borrowed = &name;
        let wait = Wait::new(
            move || async move {
                Ok::<_, Error<Value>>(Job {
                    status: borrowed.clone(),
                })
            },
            classify,
            status,
        );
        let job = assert_send(wait.into_future()).await.unwrap();
        assert_eq!(job.status, "completed");
        let (wait, _, _) = scripted(&["completed"]);
        let job = tokio::spawn(wait.into_future()).await.unwrap().unwrap();
        assert_eq!(job.status, "completed");
    }
}
