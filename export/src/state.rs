//! The export's state: JSON documents the destination keeps next to the data, under these
//! keys (in SQLite, the table `_aqua_state(key, value)`):
//!
//! | Key | Document | What it says |
//! |---|---|---|
//! | `session` | [`SessionState`] | the partner/project, the null text, the job the session must be at |
//! | `object/<Name>` | [`ObjectState`] | how the object is exported, whether it is loaded, its last applied job, its watermark, its window plan |
//! | `job/<key>` | [`JobState`] | a job recorded before it was sent and not applied yet: its request, idempotency key, job ID, result files, applied batches |
//!
//! A document changes only in a transaction of the destination: the rows of a batch and the
//! documents that say it was applied commit together.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::ExportError;

/// The version of the state layout.
pub(crate) const LAYOUT: u32 = 1;

/// The session document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SessionState {
    /// The state layout version.
    pub(crate) layout: u32,
    /// The partner of the stateful session.
    pub(crate) partner: String,
    /// The project of the stateful session.
    pub(crate) project: String,
    /// The text AQuA writes for null values (`nullReplacement`), chosen at random when the
    /// database was created, so that an empty string and null stay apart.
    pub(crate) null_text: String,
    /// The ID of the job that must be the session's last completed job before another
    /// stateful job is submitted: the last stateful job applied here, or the session's last
    /// job when a full reload was taken. `None`: the session must have no completed job.
    pub(crate) expected_last: Option<String>,
}

/// How an object is exported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Mode {
    /// Through the stateful session.
    Stateful,
    /// In windows of a field, with stateless jobs.
    Windowed {
        field: String,
        days: u32,
        since: NaiveDate,
    },
}

/// One window of a plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Window {
    pub(crate) start: Option<DateTime<Utc>>,
    pub(crate) end: Option<DateTime<Utc>>,
    /// The key of its job, once recorded.
    pub(crate) job: Option<String>,
    pub(crate) applied: bool,
}

/// The windows of a load in progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WindowPlan {
    /// A full load (into the staging table, which replaces the table after the last
    /// window) or an increment (straight into the table).
    pub(crate) full: bool,
    pub(crate) windows: Vec<Window>,
    /// The greatest value of the field applied so far.
    pub(crate) seen: Option<DateTime<Utc>>,
}

/// An object document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ObjectState {
    pub(crate) name: String,
    /// The query as last applied (without windows).
    pub(crate) query: String,
    pub(crate) mode: Mode,
    /// Whether deleted records are asked for.
    pub(crate) deleted: bool,
    /// Whether the table holds a complete copy (a full load was applied).
    pub(crate) loaded: bool,
    /// The last job applied to the table, and when.
    pub(crate) last_job: Option<String>,
    pub(crate) applied_at: Option<DateTime<Utc>>,
    /// Windowed objects: the greatest value of the field applied.
    pub(crate) watermark: Option<DateTime<Utc>>,
    /// Windowed objects: the load in progress.
    pub(crate) plan: Option<WindowPlan>,
}

/// What a job is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Purpose {
    /// The session's job of this run (one query per stateful object).
    Stateful,
    /// A stateless full load of stateful objects; once applied, the session is expected at
    /// `baseline` (its last completed job when this job was recorded).
    Reload { baseline: Option<String> },
    /// Window `index` of the plan of `object`.
    Window { object: String, index: usize },
}

/// The result files of a completed batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BatchFiles {
    pub(crate) files: Vec<String>,
    /// AQuA's `full`: a full load (replace the table) or an increment (upsert).
    pub(crate) full: Option<bool>,
}

/// A job document: written before the job is sent, removed in the transaction that applies
/// its last batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct JobState {
    pub(crate) key: String,
    pub(crate) purpose: Purpose,
    /// The job name, `aqua-export-` and 16 hexadecimal digits: how the session's last
    /// completed job is recognised as this one.
    pub(crate) name: String,
    pub(crate) idempotency_key: String,
    /// The submission, exactly as sent (and sent again, with the same key, if needed).
    pub(crate) request: serde_json::Value,
    pub(crate) recorded_at: DateTime<Utc>,
    /// AQuA's job ID, once the submission was answered.
    pub(crate) job_id: Option<String>,
    /// The batches' files, once the job completed (batch name = object name).
    pub(crate) batches: BTreeMap<String, BatchFiles>,
    /// The batches applied so far.
    pub(crate) applied: Vec<String>,
}

impl JobState {
    /// The objects of the job, in request order.
    pub(crate) fn objects(&self) -> Vec<String> {
        self.request
            .get("queries")
            .and_then(|q| q.as_array())
            .map(|queries| {
                queries
                    .iter()
                    .filter_map(|q| q.get("name").and_then(|n| n.as_str()).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Every document.
#[derive(Clone, Debug, Default)]
pub(crate) struct State {
    pub(crate) session: Option<SessionState>,
    pub(crate) objects: BTreeMap<String, ObjectState>,
    pub(crate) jobs: BTreeMap<String, JobState>,
}

/// One change of a document.
#[derive(Clone, Debug)]
pub(crate) enum Change {
    Session(SessionState),
    Object(ObjectState),
    Job(JobState),
    RemoveJob(String),
}

fn decode<T: for<'de> Deserialize<'de>>(key: &str, value: &str) -> Result<T, ExportError> {
    serde_json::from_str(value).map_err(|e| {
        ExportError::Usage(format!(
            "the export state `{key}` cannot be read ({e}); was the database written by a newer aqua?"
        ))
    })
}

fn encode<T: Serialize>(value: &T) -> String {
    // The state types are plain data: encoding cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

impl Change {
    /// The key and new value (`None`: removed) of the document.
    pub(crate) fn entry(&self) -> (String, Option<String>) {
        match self {
            Change::Session(s) => ("session".to_owned(), Some(encode(s))),
            Change::Object(o) => (format!("object/{}", o.name), Some(encode(o))),
            Change::Job(j) => (format!("job/{}", j.key), Some(encode(j))),
            Change::RemoveJob(key) => (format!("job/{key}"), None),
        }
    }
}

impl State {
    /// The state from the destination's entries.
    pub(crate) fn from_entries(entries: &[(String, String)]) -> Result<State, ExportError> {
        let mut state = State::default();
        for (key, value) in entries {
            if key == "session" {
                let session: SessionState = decode(key, value)?;
                if session.layout > LAYOUT {
                    return Err(ExportError::Usage(format!(
                        "the export state has layout {} but this aqua reads layout {LAYOUT}: use a newer aqua",
                        session.layout
                    )));
                }
                state.session = Some(session);
            } else if let Some(name) = key.strip_prefix("object/") {
                state.objects.insert(name.to_owned(), decode(key, value)?);
            } else if let Some(job) = key.strip_prefix("job/") {
                state.jobs.insert(job.to_owned(), decode(key, value)?);
            }
            // Unknown keys belong to a newer layout's additions; they are kept as they are.
        }
        Ok(state)
    }

    /// Applies committed changes to the in-memory copy.
    pub(crate) fn apply(&mut self, changes: &[Change]) {
        for change in changes {
            match change {
                Change::Session(s) => self.session = Some(s.clone()),
                Change::Object(o) => {
                    self.objects.insert(o.name.clone(), o.clone());
                }
                Change::Job(j) => {
                    self.jobs.insert(j.key.clone(), j.clone());
                }
                Change::RemoveJob(key) => {
                    self.jobs.remove(key);
                }
            }
        }
    }
}

/// The entries of `changes`.
pub(crate) fn entries(changes: &[Change]) -> Vec<(String, Option<String>)> {
    changes.iter().map(Change::entry).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_round_trip_through_entries() {
        let session = SessionState {
            layout: LAYOUT,
            partner: "aqua".to_owned(),
            project: "db".to_owned(),
            null_text: "n".to_owned(),
            expected_last: Some("j1".to_owned()),
        };
        let object = ObjectState {
            name: "InvoiceItem".to_owned(),
            query: "select * from InvoiceItem".to_owned(),
            mode: Mode::Windowed {
                field: "UpdatedDate".to_owned(),
                days: 30,
                since: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default(),
            },
            deleted: false,
            loaded: false,
            last_job: None,
            applied_at: None,
            watermark: None,
            plan: Some(WindowPlan {
                full: true,
                windows: vec![Window {
                    start: None,
                    end: None,
                    job: Some("k".to_owned()),
                    applied: false,
                }],
                seen: None,
            }),
        };
        let job = JobState {
            key: "k".to_owned(),
            purpose: Purpose::Window {
                object: "InvoiceItem".to_owned(),
                index: 0,
            },
            name: "aqua-export-0123456789abcdef".to_owned(),
            idempotency_key: "i".to_owned(),
            request: serde_json::json!({"queries": [{"name": "InvoiceItem", "query": "q"}]}),
            recorded_at: Utc::now(),
            job_id: None,
            batches: BTreeMap::new(),
            applied: vec![],
        };
        let changes = vec![
            Change::Session(session.clone()),
            Change::Object(object.clone()),
            Change::Job(job.clone()),
        ];
        let stored: Vec<(String, String)> = entries(&changes)
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        let state = State::from_entries(&stored).unwrap();
        assert_eq!(state.session, Some(session));
        assert_eq!(state.objects.get("InvoiceItem"), Some(&object));
        assert_eq!(state.jobs.get("k"), Some(&job));
        assert_eq!(job.objects(), ["InvoiceItem"]);
        let mut state = state;
        state.apply(&[Change::RemoveJob("k".to_owned())]);
        assert!(state.jobs.is_empty());
        let err = State::from_entries(&[("session".to_owned(), "{".to_owned())]).unwrap_err();
        assert!(err.to_string().contains("cannot be read"), "{err}");
    }
}
