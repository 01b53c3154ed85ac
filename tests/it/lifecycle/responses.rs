//! What each operation decodes: the documented examples, errors inside HTTP 200, and the
//! documented error responses.

use zuora_aqua::{
    Client, Error, GrantType, Job, JobStatus, Query, SubmitJobRequest, TokenRequest, examples,
};

use super::{JSON, basic, decoded, example_value, no_retry, status_of};
use crate::support::{Reply, TestServer};

#[derive(Clone, Copy, Debug)]
enum Op {
    LastCompleted,
    Submit,
    Get,
    Cancel,
}

async fn call(client: &Client, op: Op) -> Result<Job, Error> {
    match op {
        Op::LastCompleted => {
            client
                .get_last_completed_job("salesforce", "00170000011K3Ub")
                .await
        }
        Op::Submit => {
            client
                .submit_job(SubmitJobRequest::new().queries([Query::new("select Id from Account")]))
                .await
        }
        Op::Get => client.get_job("402881824835bb2a01483c19f7d70256").await,
        Op::Cancel => client.cancel_job("e20b07474688ad5001468daf10e501de").await,
    }
}

#[tokio::test]
async fn each_operation_decodes_its_documented_examples() {
    let cases = [
        (
            Op::LastCompleted,
            examples::GET_LAST_COMPLETED_JOB_200_JSON,
            "completed",
        ),
        (
            Op::LastCompleted,
            examples::GET_LAST_COMPLETED_JOB_200_CURL,
            "completed",
        ),
        (
            Op::LastCompleted,
            examples::GET_LAST_COMPLETED_JOB_200_ISO_START_TIME,
            "completed",
        ),
        (
            Op::LastCompleted,
            examples::GET_LAST_COMPLETED_JOB_200_NUMERIC_VERSION,
            "executing",
        ),
        (Op::Submit, examples::SUBMIT_JOB_200_FULL_LOAD, "submitted"),
        (Op::Submit, examples::SUBMIT_JOB_200_SUBMITTED, "submitted"),
        (Op::Get, examples::GET_JOB_200_COMPLETED, "completed"),
        (Op::Cancel, examples::CANCEL_JOB_200_CANCELLED, "cancelled"),
    ];
    for (op, example, status) in cases {
        let server = TestServer::start(200, JSON, example.json).await;
        let job = call(&basic(&server.v1()), op)
            .await
            .unwrap_or_else(|e| panic!("{op:?} with {}: {e}", example.name));
        let documented = example_value(&example);
        assert_eq!(job, decoded(&example), "{}", example.name);
        assert_eq!(
            job.id.as_deref(),
            documented["id"].as_str(),
            "{}",
            example.name
        );
        assert_eq!(status_of(&job), status, "{}", example.name);
        assert_eq!(
            job.batches.as_ref().map(Vec::len),
            documented["batches"].as_array().map(Vec::len),
            "{}",
            example.name
        );
        // Nothing was lost or invented on the way.
        assert_eq!(
            serde_json::to_value(&job).unwrap(),
            documented,
            "{}",
            example.name
        );
        assert_eq!(server.requests().len(), 1);
    }
}

#[tokio::test]
async fn a_submission_refused_inside_http_200_is_an_api_error() {
    let example = examples::SUBMIT_JOB_200_SYNTAX_ERROR;
    let server = TestServer::start(200, JSON, example.json).await;
    let err = call(&basic(&server.v1()), Op::Submit).await.unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status.as_u16(), 200);
    assert_eq!(api.operation, "submitJob");
    assert_eq!(api.body.status, Some(JobStatus::Error));
    assert_eq!(err.zuora_code().as_deref(), Some("90005"));
    assert_eq!(
        err.zuora_message().as_deref(),
        Some("There is a syntax error in one of the queries in the AQuA input")
    );
    assert_eq!(
        err.to_string(),
        "submitJob: Zuora reported an error with HTTP 200 OK: 90005: There is a syntax error in \
         one of the queries in the AQuA input"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn documented_error_responses_are_status_errors_with_their_code() {
    let server = TestServer::scripted(|r| match r.path() {
        "/v1/batch-query/" => Reply::json(400, examples::RESPONSES_BAD_REQUEST_MALFORMED.json),
        "/oauth/token" => Reply::json(
            401,
            examples::RESPONSES_UNAUTHORIZED_INVALID_CREDENTIALS.json,
        ),
        _ => Reply::json(500, examples::RESPONSES_SERVER_ERROR_SYSTEM_ERROR.json),
    })
    .await;
    let client = no_retry(&server.v1());

    let err = call(&client, Op::Submit).await.unwrap_err();
    assert!(matches!(err, Error::Status(_)), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(err.zuora_code().as_deref(), Some("50000090"));
    assert_eq!(
        err.zuora_message().as_deref(),
        Some("Oops, request is malformed. Please check your request.")
    );

    let err = client.download_file("F1").await.unwrap_err();
    assert!(matches!(err, Error::Status(_)), "{err:?}");
    assert_eq!(err.operation(), Some("downloadFile"));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(err.zuora_code().as_deref(), Some("SystemError"));
    assert_eq!(
        err.zuora_message().as_deref(),
        Some("internal server error")
    );

    let err = client
        .create_token(TokenRequest::new(
            "id",
            "secret",
            GrantType::ClientCredentials,
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Status(_)), "{err:?}");
    assert_eq!(err.operation(), Some("createToken"));
    assert_eq!(err.zuora_code().as_deref(), Some("90000011"));

    assert_eq!(
        server.lines(),
        [
            "POST /v1/batch-query/",
            "GET /v1/files/F1",
            "POST /oauth/token"
        ]
    );
}
