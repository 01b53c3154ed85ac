//! A stateful (incremental) session: submit, wait, and find the last completed job.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};
use zuora_aqua::{Error, JobStatus, Query, QueryType, RequestedFormat, SubmitJobRequest};

use super::{GENEROUS, basic, recorder};
use crate::support::{Recorded, Reply, TestServer};

#[derive(Default)]
struct Session {
    next: usize,
    /// Job id → (partner, project, polls so far, full load).
    jobs: HashMap<String, (String, String, usize, bool)>,
    /// (partner, project) → id of the last completed job.
    last_completed: HashMap<(String, String), String>,
}

fn session_job(id: &str, partner: &str, project: &str, status: &str, full: bool) -> Value {
    let batch_status = match status {
        "completed" => "completed",
        "executing" => "executing",
        _ => "pending",
    };
    let mut batch = json!({
        "name": "accounts",
        "query": "select Id from Account",
        "batchType": "zoqlexport",
        "status": batch_status,
        "full": full,
        "batchId": format!("{id}-b1"),
    });
    if status == "completed" {
        batch["fileId"] = json!(format!("{id}-f1"));
    }
    json!({
        "id": id,
        "status": status,
        "format": "CSV",
        "version": "1.1",
        "partner": partner,
        "project": project,
        "batches": [batch],
    })
}

fn session_reply(session: &Mutex<Session>, r: &Recorded) -> Reply {
    let aqua_error = |code: &str, message: &str| {
        Reply::json(
            200,
            json!({"status": "error", "errorCode": code, "message": message}).to_string(),
        )
    };
    let mut s = session.lock().unwrap();
    let path = r.path();
    if r.method == "POST" && path == "/v1/batch-query/" {
        let body = r.json();
        let (Some(partner), Some(project)) = (body["partner"].as_str(), body["project"].as_str())
        else {
            return aqua_error("90001", "a stateful job needs partner and project");
        };
        if body["version"] != json!("1.1") {
            return aqua_error("90002", "a stateful job needs version 1.1");
        }
        s.next += 1;
        let id = format!("job-{}", s.next);
        let key = (partner.to_owned(), project.to_owned());
        let full = !s.last_completed.contains_key(&key);
        s.jobs
            .insert(id.clone(), (key.0.clone(), key.1.clone(), 0, full));
        return Reply::json(
            200,
            session_job(&id, partner, project, "submitted", full).to_string(),
        );
    }
    if r.method != "GET" {
        return Reply::json(405, "{}");
    }
    if let Some(rest) = path.strip_prefix("/v1/batch-query/jobs/partner/") {
        let Some((partner, project)) = rest.split_once("/project/") else {
            return Reply::json(404, "{}");
        };
        let key = (partner.to_owned(), project.to_owned());
        return match s.last_completed.get(&key) {
            Some(id) => {
                let full = s.jobs[id].3;
                Reply::json(
                    200,
                    session_job(id, partner, project, "completed", full).to_string(),
                )
            }
            None => Reply::json(
                200,
                r#"{"success":false,"reasons":[{"code":53100320,"message":"no completed job"}]}"#,
            ),
        };
    }
    if let Some(id) = path.strip_prefix("/v1/batch-query/jobs/") {
        let Some((partner, project, polls, full)) = s.jobs.get_mut(id).map(|job| {
            job.2 += 1;
            (job.0.clone(), job.1.clone(), job.2, job.3)
        }) else {
            return aqua_error("90004", "no such job");
        };
        let status = match polls {
            1 => "submitted",
            2 => "executing",
            _ => "completed",
        };
        if status == "completed" {
            s.last_completed
                .insert((partner.clone(), project.clone()), id.to_owned());
        }
        return Reply::json(
            200,
            session_job(id, &partner, &project, status, full).to_string(),
        );
    }
    Reply::json(404, "{}")
}

#[tokio::test]
async fn a_stateful_session_submits_waits_and_finds_its_last_completed_job() {
    let session = Mutex::new(Session::default());
    let server = TestServer::scripted(move |r| session_reply(&session, r)).await;
    let client = basic(&server.v1());
    let (partner, project) = ("salesforce", "00170000011K3Ub");
    let stateful = || {
        SubmitJobRequest::new()
            .name("Example")
            .format(RequestedFormat::Csv)
            .version("1.1")
            .partner(partner)
            .project(project)
            .queries([Query::new("select Id from Account")
                .name("accounts")
                .type_(QueryType::Zoqlexport)])
    };

    // No job has completed yet in this session.
    let err = client
        .get_last_completed_job(partner, project)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.zuora_code().as_deref(), Some("53100320"));

    let mut expected_lines = vec![format!(
        "GET /v1/batch-query/jobs/partner/{partner}/project/{project}"
    )];
    for (round, full) in [(1, true), (2, false)] {
        let submitted = client.submit_job(stateful()).await.unwrap();
        let id = submitted.id.clone().unwrap();
        assert_eq!(id, format!("job-{round}"));
        assert_eq!(submitted.status, Some(JobStatus::Submitted));

        let (seen, callback) = recorder();
        let completed = client
            .wait_for_job(id.clone())
            .intervals(Duration::from_millis(1), Duration::from_millis(5))
            .deadline(GENEROUS)
            .on_status_change(callback)
            .await
            .unwrap();
        assert_eq!(completed.id.as_deref(), Some(id.as_str()));
        assert_eq!(
            *seen.lock().unwrap(),
            ["submitted", "executing", "completed"]
        );

        let last = client
            .get_last_completed_job(partner, project)
            .await
            .unwrap();
        assert_eq!(last.id.as_deref(), Some(id.as_str()));
        assert_eq!(last.status, Some(JobStatus::Completed));
        assert_eq!(last.partner.as_deref(), Some(partner));
        assert_eq!(last.project.as_deref(), Some(project));
        let batch = &last.batches.as_ref().unwrap()[0];
        assert_eq!(batch.full, Some(full), "round {round}");
        assert_eq!(batch.file_id, Some(format!("{id}-f1")));
        assert_eq!(last, completed);

        expected_lines.push("POST /v1/batch-query/".to_owned());
        expected_lines.extend(std::iter::repeat_n(
            format!("GET /v1/batch-query/jobs/{id}"),
            3,
        ));
        expected_lines.push(format!(
            "GET /v1/batch-query/jobs/partner/{partner}/project/{project}"
        ));
    }
    assert_eq!(server.lines(), expected_lines);
    for submit in server.requests_to("POST", "/v1/batch-query/") {
        let body = submit.json();
        assert_eq!(body["partner"], json!(partner));
        assert_eq!(body["project"], json!(project));
        assert_eq!(body["version"], json!("1.1"));
    }
}
