//! `submitJob`: a submission validated as AQuA validates it (AQuA's codes inside HTTP 200, or the
//! gateway's 400 for what cannot be read), its `Idempotency-Key`, and the job it plans.

use std::collections::HashSet;
use std::time::{Instant, SystemTime};

use axum::http::StatusCode;
use zuora_aqua::server::{Reply, SubmitJobInput};
use zuora_aqua::{
    DeletedFormat, Encryption, Job, QueryType, QueryVersion, RequestedFormat, SourceData,
    SubmitJobRequest,
};

use super::sessions::session_text;
use super::{BatchRecord, JobRecord, Phase, Simulator, State};
use crate::bodies::{aqua_message, job_error, malformed, v1_error};
use crate::data::OBJECTS;
use crate::files::Packaging;
use crate::net::Counters;
use crate::query;

/// Why a submission is refused.
enum Refusal {
    /// Not acceptable at all (an unknown enum value): HTTP 400 with the gateway's body.
    Malformed(String),
    /// AQuA's validation error: HTTP 200 with `status: error`, `errorCode` and `message`.
    Aqua(&'static str, String),
}

impl Simulator {
    /// Validates a submission like AQuA and turns it into a job.
    fn plan(
        &self,
        state: &mut State,
        body: &SubmitJobRequest,
        now: Instant,
    ) -> Result<JobRecord, Refusal> {
        let aqua = |code: &'static str, message: String| Err(Refusal::Aqua(code, message));
        let packaging = match &body.format {
            None => Packaging::Csv,
            Some(RequestedFormat::Csv) => Packaging::Csv,
            Some(RequestedFormat::Zip) => Packaging::Zip,
            Some(RequestedFormat::Gzip) => Packaging::Gzip,
            Some(other) => match other.as_str().to_ascii_lowercase().as_str() {
                "csv" => Packaging::Csv,
                "zip" => Packaging::Zip,
                "gzip" => Packaging::Gzip,
                _ => {
                    return Err(Refusal::Malformed(format!(
                        "unknown format `{}`",
                        other.as_str()
                    )));
                }
            },
        };
        if let Some(SourceData::Unknown(s)) = &body.source_data {
            return Err(Refusal::Malformed(format!("unknown sourceData `{s}`")));
        }
        match &body.encrypted {
            None | Some(Encryption::None) => {}
            Some(Encryption::Pgp) => {
                return aqua(
                    "90005",
                    "PGP encryption is not supported by the local AQuA server".to_owned(),
                );
            }
            Some(other) => {
                return Err(Refusal::Malformed(format!(
                    "unknown encrypted `{}`",
                    other.as_str()
                )));
            }
        }
        for q in body.queries.iter().flatten() {
            if let Some(QueryType::Unknown(t)) = &q.type_ {
                return Err(Refusal::Malformed(format!("unknown query type `{t}`")));
            }
            if let Some(DeletedFormat::Unknown(f)) =
                q.deleted.as_ref().and_then(|d| d.format.as_ref())
            {
                return Err(Refusal::Malformed(format!("unknown deleted format `{f}`")));
            }
        }

        let version = body
            .version
            .clone()
            .unwrap_or_else(|| QueryVersion::from("1.0"));
        let version_text = version.as_str();
        if !matches!(version_text, "1" | "1.0" | "1.1" | "1.2") {
            return aqua(
                "90005",
                format!("Invalid version `{version_text}`: expected 1.0, 1.1 or 1.2"),
            );
        }
        let stateless_only = matches!(version_text, "1" | "1.0");
        if let Some(name) = &body.name {
            let n = name.chars().count();
            if n > 32 {
                return aqua(
                    "90005",
                    format!("Invalid job name: it has {n} characters, at most 32 are allowed"),
                );
            }
        }
        if let Some(url) = &body.notify_url {
            let n = url.chars().count();
            if n >= 5000 {
                return aqua(
                    "90014",
                    format!("The notifyUrl must be shorter than 5000 characters ({n} given)"),
                );
            }
        }
        if let Some(offset) = body.offset
            && !(0..=3600).contains(&offset)
        {
            return aqua(
                "90005",
                format!("Invalid offset {offset}: it must be between 0 and 3600 seconds"),
            );
        }
        let incremental_from = match &body.incremental_time {
            None => None,
            Some(t) => match t.value() {
                Some(v) => Some(v.naive_local()),
                None => {
                    return aqua(
                        "90015",
                        format!(
                            "The incremental time `{}` is invalid: expected yyyy-MM-dd HH:mm:ss",
                            t.as_str()
                        ),
                    );
                }
            },
        };
        let non_empty = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
        let (partner, project) = (non_empty(&body.partner), non_empty(&body.project));
        let session = match (&partner, &project) {
            (Some(partner), Some(project)) if !stateless_only => {
                Some((partner.clone(), project.clone()))
            }
            _ => None,
        };
        let previous = session
            .as_ref()
            .and_then(|key| state.sessions.get(key))
            .filter(|s| s.last_completed.is_some());

        let given = body.queries.clone().unwrap_or_default();
        if given.len() > 50 {
            return aqua(
                "90004",
                format!(
                    "More than 50 queries are included in the AQuA input ({} given)",
                    given.len()
                ),
            );
        }
        let (queries, reused) = if !given.is_empty() {
            (given, false)
        } else if stateless_only {
            return aqua(
                "90016",
                "No queries are included in the AQuA version 1.0 request".to_owned(),
            );
        } else if let Some(previous) = previous.filter(|p| !p.queries.is_empty()) {
            (previous.queries.clone(), true)
        } else {
            return aqua(
                "90016",
                "No queries are included in the AQuA request, and there is no previous job of \
                 the session to reuse queries from"
                    .to_owned(),
            );
        };

        let mut names = HashSet::new();
        let mut planned = Vec::with_capacity(queries.len());
        for (i, q) in queries.iter().enumerate() {
            let label = q
                .name
                .as_ref()
                .map_or_else(|| format!("#{}", i + 1), |n| format!("`{n}`"));
            if let Some(name) = &q.name
                && !names.insert(name.clone())
            {
                return aqua(
                    "90005",
                    format!("Duplicate query name {label}: query names must be unique"),
                );
            }
            let parsed = match query::parse(&q.query) {
                Ok(parsed) => parsed,
                Err(detail) => {
                    return aqua(
                        "90005",
                        format!(
                            "{}: query {label}: {detail}",
                            aqua_message("90005").unwrap_or_default()
                        ),
                    );
                }
            };
            if let Some(currencies) = &q.convert_to_currencies {
                for code in currencies.split(',').map(str::trim) {
                    if code.len() != 3 || !code.chars().all(|c| c.is_ascii_uppercase()) {
                        return aqua(
                            "90021",
                            format!(
                                "Invalid currency `{code}` in convertToCurrencies of query {label}"
                            ),
                        );
                    }
                }
            }
            if let Some(deleted) = &q.deleted {
                if session.is_none() {
                    return aqua(
                        "90012",
                        format!("Stateless AQuA does not support deleted columns (query {label})"),
                    );
                }
                let object = OBJECTS[parsed.object].name;
                if !OBJECTS[parsed.object].deletable {
                    return aqua(
                        "90017",
                        format!("{object} does not support deleted records (query {label})"),
                    );
                }
                if deleted.column.as_deref().is_none_or(str::is_empty) {
                    return aqua(
                        "90005",
                        format!("The deleted section of query {label} needs a column name"),
                    );
                }
            }
            let full = match previous {
                None => true,
                Some(p) => !p
                    .query_texts
                    .contains(&session_text(&q.query, q.deleted.as_ref())),
            };
            planned.push(BatchRecord {
                batch_id: state.rng.hex32(),
                name: q.name.clone(),
                query: q.query.clone(),
                parsed,
                batch_type: q.type_.clone().unwrap_or(QueryType::Zoqlexport),
                api_version: q.api_version.clone().unwrap_or_else(|| "91.0".to_owned()),
                deleted: q.deleted.clone(),
                full,
                result: None,
            });
        }

        Ok(JobRecord {
            id: state.rng.hex32(),
            name: body.name.clone(),
            packaging,
            version,
            partner,
            project,
            session,
            query_labels: body.use_query_labels.is_some_and(|b| b.get()),
            utc: body.date_time_utc.is_some_and(|b| b.get()),
            null_replacement: body.null_replacement.clone().unwrap_or_default(),
            offset: body.offset,
            incremental_time: body
                .incremental_time
                .as_ref()
                .map(|t| t.as_str().to_owned()),
            incremental_from,
            notify_url: body.notify_url.clone(),
            source_data: body.source_data.clone(),
            reused_queries: reused,
            queries,
            submitted_at: now,
            submitted_wall: SystemTime::now(),
            cancelled: None,
            materialized: false,
            batches: planned,
        })
    }

    pub(super) fn submit(&self, input: &SubmitJobInput) -> Reply<Job> {
        let now = Instant::now();
        let mut state = self.lock();
        self.advance(&mut state, now);
        let fingerprint = serde_json::to_value(&input.body).unwrap_or_default();
        if let Some(key) = &input.idempotency_key
            && let Some((body, id)) = state.idempotency.get(key)
        {
            if *body != fingerprint {
                return Reply::Json(
                    StatusCode::CONFLICT,
                    v1_error(
                        50000030,
                        "The Idempotency-Key was already used with another request body",
                    ),
                );
            }
            if let Some(job) = state.jobs.get(id) {
                return Reply::Ok(self.view(job, self.phase(job, now)));
            }
        }
        if let Some(refusal) = self.concurrency_refusal(&state, &input.body, now) {
            Counters::bump(&self.counters.concurrency_refusals);
            return refusal;
        }
        match self.plan(&mut state, &input.body, now) {
            Ok(job) => {
                Counters::bump(&self.counters.jobs);
                let view = self.view(&job, Phase::Submitted);
                let id = job.id.clone();
                if let Some(key) = &input.idempotency_key {
                    state
                        .idempotency
                        .insert(key.clone(), (fingerprint, id.clone()));
                }
                state.order.push(id.clone());
                state.jobs.insert(id, job);
                Reply::Ok(view)
            }
            Err(Refusal::Malformed(detail)) => {
                tracing::debug!(%detail, "malformed submission");
                Reply::Json(StatusCode::BAD_REQUEST, malformed())
            }
            Err(Refusal::Aqua(code, message)) => {
                Reply::Json(StatusCode::OK, job_error(code, message))
            }
        }
    }
}
