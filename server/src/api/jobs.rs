//! How jobs move through their states: by elapsed time, without background tasks, completing
//! in submission order; and what completing a job builds (its result files from the tenant as
//! it is at that moment, the session's watermark).

use std::time::Instant;

use bytes::Bytes;
use zuora_aqua::DeletedFormat;

use super::sessions::session_text;
use super::{BatchRecord, BatchResult, JobRecord, Phase, Simulator, State, StoredFile};
use crate::data::{RenderOptions, Row};
use crate::files::{self, CsvOptions};
use crate::select::{Load, select};

/// How the CSV of `batch` of `job` is written.
fn csv_options<'a>(job: &'a JobRecord, batch: &'a BatchRecord) -> CsvOptions<'a> {
    CsvOptions {
        query_labels: job.query_labels,
        render: RenderOptions {
            utc: job.utc,
            null: &job.null_replacement,
        },
        deleted: batch.deleted.as_ref().and_then(|d| {
            let format = d.format.clone().unwrap_or(DeletedFormat::Numeric);
            d.column.as_deref().map(|c| (c, format))
        }),
    }
}

impl Simulator {
    pub(super) fn phase(&self, job: &JobRecord, now: Instant) -> Phase {
        if job.cancelled.is_some() {
            return Phase::Cancelled;
        }
        let elapsed = now.saturating_duration_since(job.submitted_at);
        if elapsed < self.submitted_for {
            Phase::Submitted
        } else if elapsed < self.submitted_for + self.executing_for {
            Phase::Executing
        } else {
            Phase::Completed
        }
    }

    /// Completes, in submission order, every job whose time has come.
    pub(super) fn advance(&self, state: &mut State, now: Instant) {
        let due: Vec<String> = state
            .order
            .iter()
            .filter(|id| {
                state.jobs.get(*id).is_some_and(|job| {
                    !job.materialized && self.phase(job, now) == Phase::Completed
                })
            })
            .cloned()
            .collect();
        for id in due {
            self.complete(state, &id);
        }
    }

    /// Runs the queries of a job: builds its result files, records the stateful session, then
    /// lets the tenant change a little.
    pub(super) fn complete(&self, state: &mut State, id: &str) {
        let Some(mut job) = state.jobs.remove(id) else {
            return;
        };
        let session = job
            .session
            .as_ref()
            .and_then(|key| state.sessions.get(key))
            .filter(|s| s.last_completed.is_some())
            .cloned();
        let mut results = Vec::with_capacity(job.batches.len());
        for batch in &job.batches {
            let full = match (&job.session, &session) {
                (None, _) | (Some(_), None) => true,
                (Some(_), Some(s)) => !s
                    .query_texts
                    .contains(&session_text(&batch.query, batch.deleted.as_ref())),
            };
            let table = &state.tenant.tables[batch.parsed.object];
            let load = if full {
                Load::Full
            } else {
                Load::Since {
                    watermark: session.as_ref().map_or(0, |s| s.watermark),
                    from: job.incremental_from,
                    deleted: batch.deleted.is_some(),
                }
            };
            let selection = select(table, &batch.parsed, load);
            let rows = &selection.rows;
            if self.max_query_rows > 0 && selection.len() > self.max_query_rows {
                results.push((
                    full,
                    BatchResult {
                        records: 0,
                        files: Vec::new(),
                        segmented: false,
                        error: Some(format!(
                            "90027: the query exceeded the maximum processing time ({} records; \
                             the local server processes at most {} per query): split it, for \
                             example into date windows",
                            selection.len(),
                            self.max_query_rows
                        )),
                    },
                ));
                continue;
            }
            let segmented = job.session.is_some()
                && full
                && self.segment_rows > 0
                && rows.len() > self.segment_rows;
            let chunks: Vec<&[&Row]> = if segmented {
                rows.chunks(self.segment_rows).collect()
            } else {
                vec![&rows[..]]
            };
            let label = batch.name.clone().unwrap_or_else(|| batch.batch_id.clone());
            let mut result = BatchResult {
                records: selection.len(),
                files: Vec::new(),
                segmented,
                error: None,
            };
            for (n, chunk) in chunks.iter().enumerate() {
                // Deleted records come with the (never segmented) increment.
                let deleted: &[&Row] = if n == 0 { &selection.deleted } else { &[] };
                let text = files::csv(
                    table,
                    &batch.parsed,
                    chunk,
                    deleted,
                    &csv_options(&job, batch),
                );
                let entry = if segmented {
                    format!("{label}_{:03}.csv", n + 1)
                } else {
                    format!("{label}.csv")
                };
                match files::package(job.packaging, &entry, text) {
                    Ok(bytes) => {
                        let file_id = state.rng.hex32();
                        state.files.insert(
                            file_id.clone(),
                            StoredFile {
                                content_type: job.packaging.content_type(),
                                bytes: Bytes::from(bytes),
                            },
                        );
                        result.files.push(file_id);
                    }
                    Err(e) => {
                        tracing::error!(job = id, error = %e, "cannot build a result file");
                        result.error = Some(format!("cannot build the result file: {e}"));
                        break;
                    }
                }
            }
            results.push((full, result));
        }
        // An aborted job is not the session's last completed job: the next one is incremental
        // from the same point.
        let aborted = results.iter().any(|(_, r)| r.error.is_some());
        for (batch, (full, result)) in job.batches.iter_mut().zip(results) {
            batch.full = full;
            batch.result = Some(result);
        }
        if let (Some(key), false) = (&job.session, aborted) {
            let session = state.sessions.entry(key.clone()).or_default();
            session.last_completed = Some(job.id.clone());
            session.watermark = state.tenant.generation;
            session.query_texts = job
                .batches
                .iter()
                .map(|b| session_text(&b.query, b.deleted.as_ref()))
                .collect();
            session.queries = job.queries.clone();
        }
        if self.change_after_each_job {
            state.tenant.touch();
        }
        job.materialized = true;
        tracing::debug!(job = id, "job completed");
        state.jobs.insert(id.to_owned(), job);
    }
}
