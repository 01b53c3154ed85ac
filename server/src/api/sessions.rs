//! Stateful sessions: what a session remembers of a query (so that only a real change starts a
//! full load), and `getLastCompletedJob`.

use std::time::Instant;

use axum::http::StatusCode;
use zuora_aqua::server::Reply;
use zuora_aqua::{DeletedFormat, DeletedRecord, Job};

use super::{Phase, Simulator};
use crate::bodies::aqua_error;

/// Collapses whitespace and case, so that only a real change of a query restarts a full load.
fn normalize(query: &str) -> String {
    query
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

/// What a session remembers of a query: its normalised text and its deleted-record column, so
/// that changing either starts a full load (as Zuora documents for the deleted column).
pub(super) fn session_text(query: &str, deleted: Option<&DeletedRecord>) -> String {
    match deleted {
        None => normalize(query),
        Some(d) => format!(
            "{} -- deleted {:?} {:?}",
            normalize(query),
            d.column,
            d.format.as_ref().map(DeletedFormat::as_str)
        ),
    }
}

impl Simulator {
    pub(super) fn last_completed(&self, partner: &str, project: &str) -> Reply<Job> {
        let now = Instant::now();
        let mut state = self.lock();
        self.advance(&mut state, now);
        let key = (partner.to_owned(), project.to_owned());
        let job = state
            .sessions
            .get(&key)
            .and_then(|s| s.last_completed.as_ref())
            .and_then(|id| state.jobs.get(id));
        match job {
            Some(job) => Reply::Ok(self.view(job, Phase::Completed)),
            None => Reply::Json(
                StatusCode::OK,
                aqua_error(
                    "90002",
                    format!("no completed job for partner {partner} project {project}"),
                ),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_compared_without_layout() {
        assert_eq!(
            normalize("select  Id,\n Name FROM Account"),
            normalize("SELECT Id, Name from account")
        );
    }
}
