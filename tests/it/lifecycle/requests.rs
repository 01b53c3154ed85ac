//! What each operation sends: methods, paths, headers, bodies and forms, and the
//! `Idempotency-Key` of a retried submission.

use futures_util::TryStreamExt;
use serde_json::json;
use zuora_aqua::{
    Encryption, FlexBool, GrantType, Query, QueryType, RequestedFormat, SubmitJobRequest,
    TokenRequest, TokenResponse, examples,
};

use super::{
    BASIC, DOWNLOAD_ACCEPT, FORM, JSON, USER_AGENT, basic, csv, decoded, example_value, fast_retry,
    gzip, listing, oauth, query, read_all,
};
use crate::support::{Recorded, Reply, TestServer};

#[tokio::test]
async fn get_job_and_cancel_job_send_their_method_path_and_headers() {
    let server = TestServer::scripted(|r| match r.method.as_str() {
        "GET" => Reply::json(200, examples::GET_JOB_200_COMPLETED.json),
        "DELETE" => Reply::json(200, examples::CANCEL_JOB_200_CANCELLED.json),
        _ => Reply::json(405, "{}"),
    })
    .await;
    let client = basic(&server.v1());
    client
        .get_job("402881824835bb2a01483c19f7d70256")
        .zuora_track_id("track-get")
        .zuora_entity_ids("8a8082c4-5a5b-4e0b-b3a8-b4d5e0d1e2f3")
        .zuora_org_ids("org-1,org-2")
        .await
        .unwrap();
    client
        .cancel_job("e20b07474688ad5001468daf10e501de")
        .zuora_track_id("track-cancel")
        .await
        .unwrap();

    assert_eq!(
        server.lines(),
        [
            "GET /v1/batch-query/jobs/402881824835bb2a01483c19f7d70256",
            "DELETE /v1/batch-query/jobs/e20b07474688ad5001468daf10e501de",
        ]
    );
    let requests = server.requests();
    for r in &requests {
        assert_eq!(r.header("authorization"), Some(BASIC));
        assert_eq!(r.header("accept"), Some(JSON));
        assert_eq!(r.header("user-agent"), Some(USER_AGENT));
        assert_eq!(r.header("content-type"), None);
        assert_eq!(r.header("idempotency-key"), None);
        assert!(r.body.is_empty(), "{:?}", r.text());
    }
    let (get, cancel) = (&requests[0], &requests[1]);
    assert_eq!(get.header("zuora-track-id"), Some("track-get"));
    assert_eq!(
        get.header("zuora-entity-ids"),
        Some("8a8082c4-5a5b-4e0b-b3a8-b4d5e0d1e2f3")
    );
    assert_eq!(get.header("zuora-org-ids"), Some("org-1,org-2"));
    assert_eq!(cancel.header("zuora-track-id"), Some("track-cancel"));
    assert_eq!(cancel.header("zuora-entity-ids"), None);
    assert_eq!(cancel.header("zuora-org-ids"), None);
}

#[tokio::test]
async fn submit_job_sends_the_builder_json_and_its_headers() {
    let server = TestServer::start(200, JSON, examples::SUBMIT_JOB_200_FULL_LOAD.json).await;
    let request = SubmitJobRequest::new()
        .name("nightly-accounts")
        .format(RequestedFormat::Csv)
        .version("1.1")
        .partner("salesforce")
        .project("00170000011K3Ub")
        .queries([
            Query::new("select Id, Name from Account")
                .name("accounts")
                .type_(QueryType::Zoqlexport),
            Query::new("select Id from Invoice"),
        ]);
    let job = basic(&server.v1())
        .submit_job(request)
        .idempotency_key("7f9c1f5e-4c1d-4b8e-9a57-1b9f2f0c3d4e")
        .zuora_track_id("track-submit")
        .zuora_entity_ids("entity-1")
        .zuora_org_ids("org-1")
        .await
        .unwrap();
    assert_eq!(job, decoded(&examples::SUBMIT_JOB_200_FULL_LOAD));

    assert_eq!(server.lines(), ["POST /v1/batch-query/"]);
    let r = &server.requests()[0];
    assert_eq!(
        r.json(),
        json!({
            "format": "csv",
            "version": "1.1",
            "name": "nightly-accounts",
            "partner": "salesforce",
            "project": "00170000011K3Ub",
            "queries": [
                {"name": "accounts", "query": "select Id, Name from Account", "type": "zoqlexport"},
                {"query": "select Id from Invoice"}
            ]
        })
    );
    assert_eq!(r.header("content-type"), Some(JSON));
    assert_eq!(r.header("accept"), Some(JSON));
    assert_eq!(r.header("authorization"), Some(BASIC));
    assert_eq!(r.header("user-agent"), Some(USER_AGENT));
    assert_eq!(
        r.header("idempotency-key"),
        Some("7f9c1f5e-4c1d-4b8e-9a57-1b9f2f0c3d4e")
    );
    assert_eq!(r.header("zuora-track-id"), Some("track-submit"));
    assert_eq!(r.header("zuora-entity-ids"), Some("entity-1"));
    assert_eq!(r.header("zuora-org-ids"), Some("org-1"));
}

#[tokio::test]
async fn the_documented_request_examples_are_sent_verbatim() {
    let server = TestServer::start(200, JSON, examples::SUBMIT_JOB_200_SUBMITTED.json).await;
    let client = basic(&server.base_url());
    let stateful = examples::SUBMIT_JOB_REQUEST_STATEFUL;

    // Decoded from the documented example: sent exactly as documented.
    let from_example: SubmitJobRequest = serde_json::from_str(stateful.json).unwrap();
    client.submit_job(from_example.clone()).await.unwrap();

    // The same request written with the builder (the string form of the flags, as documented).
    let string_true: FlexBool = serde_json::from_str("\"true\"").unwrap();
    let built = SubmitJobRequest::new()
        .format(RequestedFormat::Csv)
        .version("1.1")
        .name("Example")
        .encrypted(Encryption::None)
        .use_query_labels(string_true)
        .partner("salesforce")
        .project("00170000011K3Ub")
        .date_time_utc(string_true)
        .queries([Query::new(
            "select Id,StartDate,EndDate,FiscalYear,Name,Status from AccountingPeriod",
        )
        .name("AccountingPeriod")
        .type_(QueryType::Zoqlexport)]);
    assert_eq!(built, from_example);
    client.submit_job(built.clone()).await.unwrap();

    // Flags built in Rust are sent as JSON booleans.
    let with_booleans = built
        .use_query_labels(FlexBool::new(true))
        .date_time_utc(FlexBool::new(true));
    client.submit_job(with_booleans).await.unwrap();

    let minimal = examples::SUBMIT_JOB_REQUEST_MINIMAL;
    client
        .submit_job(SubmitJobRequest::new().queries([
            Query::new("select AccountNumber, BillCycleDay from Account").type_(QueryType::Zoql),
        ]))
        .await
        .unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    assert!(
        requests
            .iter()
            .all(|r| r.line() == "POST /apps/api/batch-query/")
    );
    let expected = example_value(&stateful);
    assert_eq!(requests[0].json(), expected);
    assert_eq!(requests[1].json(), expected);
    let mut booleans = expected.clone();
    booleans["useQueryLabels"] = json!(true);
    booleans["dateTimeUtc"] = json!(true);
    assert_eq!(requests[2].json(), booleans);
    assert_eq!(requests[3].json(), example_value(&minimal));
}

#[tokio::test]
async fn download_paths_follow_the_form_of_the_base_url() {
    let server =
        TestServer::scripted(|r| Reply::new(200, "text/csv", format!("served {}", r.path()))).await;
    let cases = [
        (server.v1(), "/v1/files/402881824835bb2a01483c19f8190259"),
        (
            server.url("/v1/"),
            "/v1/files/402881824835bb2a01483c19f8190259",
        ),
        (
            server.base_url(),
            "/apps/api/file/402881824835bb2a01483c19f8190259",
        ),
        (
            server.url("/apps/api/"),
            "/apps/api/file/402881824835bb2a01483c19f8190259",
        ),
    ];
    for (base, path) in &cases {
        let download = basic(base)
            .download_file("402881824835bb2a01483c19f8190259")
            .zuora_track_id("track-dl")
            .zuora_entity_ids("entity-1")
            .zuora_org_ids("org-1")
            .await
            .unwrap();
        assert_eq!(download.status().as_u16(), 200);
        assert_eq!(download.content_type(), Some("text/csv"));
        let expected = format!("served {path}");
        assert_eq!(download.content_length(), Some(expected.len() as u64));
        assert_eq!(read_all(download).await, expected.as_bytes(), "{base}");
    }
    let requests = server.requests();
    assert_eq!(
        requests.iter().map(Recorded::line).collect::<Vec<_>>(),
        cases
            .iter()
            .map(|(_, path)| format!("GET {path}"))
            .collect::<Vec<_>>()
    );
    for r in &requests {
        assert_eq!(r.header("accept"), Some(DOWNLOAD_ACCEPT));
        assert_eq!(r.header("authorization"), Some(BASIC));
        assert_eq!(r.header("user-agent"), Some(USER_AGENT));
        assert_eq!(r.header("zuora-track-id"), Some("track-dl"));
        assert_eq!(r.header("zuora-entity-ids"), Some("entity-1"));
        assert_eq!(r.header("zuora-org-ids"), Some("org-1"));
    }
}

#[tokio::test]
async fn a_download_streams_and_saves_the_served_bytes() {
    let content = csv("stream", 96);
    let served = content.clone();
    let server = TestServer::scripted(move |_| Reply::new(200, "text/csv", served.clone())).await;
    let client = basic(&server.v1());

    let stream = client.download_file("F1").await.unwrap().into_stream();
    let chunks: Vec<_> = stream.try_collect().await.unwrap();
    assert_eq!(chunks.concat(), content);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("F1.csv");
    let written = client
        .download_file("F1")
        .await
        .unwrap()
        .save(&path, false)
        .await
        .unwrap();
    assert_eq!(written, content.len() as u64);
    assert_eq!(std::fs::read(&path).unwrap(), content);
    assert_eq!(listing(dir.path()), ["F1.csv"]);
    assert_eq!(server.lines(), ["GET /v1/files/F1", "GET /v1/files/F1"]);
}

#[tokio::test]
async fn create_token_posts_a_form_to_the_origin_without_authorization() {
    let example = examples::CREATE_TOKEN_200_TOKEN;
    let server = TestServer::start(200, JSON, example.json).await;
    let expected: TokenResponse = serde_json::from_str(example.json).unwrap();
    for base in [server.v1(), server.base_url()] {
        let token = basic(&base)
            .create_token(TokenRequest::new(
                "8b3e5c3a-3f6d-4c1e-9d2f-0a1b2c3d4e5f",
                "s3cr&t=+/ x",
                GrantType::ClientCredentials,
            ))
            .zuora_track_id("track-token")
            .await
            .unwrap();
        assert_eq!(token, expected);
        assert_eq!(
            token.access_token.as_ref().map(|t| t.expose()),
            Some("2ac23b2b0eb44d1f8e7d0fbd4e6f2b14")
        );
        assert_eq!(token.token_type.as_deref(), Some("bearer"));
        assert_eq!(token.expires_in, Some(3599));
    }

    // OAuth credentials do not fetch a token for the token request itself.
    let token = oauth(&server.v1(), "other-client", "other-secret")
        .create_token(TokenRequest::new(
            "8b3e5c3a-3f6d-4c1e-9d2f-0a1b2c3d4e5f",
            "s3cr&t=+/ x",
            GrantType::ClientCredentials,
        ))
        .await
        .unwrap();
    assert_eq!(token, expected);

    let requests = server.requests();
    assert_eq!(
        requests.iter().map(Recorded::line).collect::<Vec<_>>(),
        ["POST /oauth/token"; 3]
    );
    for r in &requests {
        assert_eq!(r.header("authorization"), None);
        assert_eq!(r.header("content-type"), Some(FORM));
        assert_eq!(r.header("accept"), Some(JSON));
        assert_eq!(r.header("user-agent"), Some(USER_AGENT));
        assert_eq!(
            r.text(),
            "client_id=8b3e5c3a-3f6d-4c1e-9d2f-0a1b2c3d4e5f&client_secret=s3cr%26t%3D%2B%2F+x\
             &grant_type=client_credentials"
        );
    }
    assert_eq!(requests[0].header("zuora-track-id"), Some("track-token"));
    assert_eq!(requests[2].header("zuora-track-id"), None);
}

/// The spec (and every generated JSON request's doc) says: "The client always asks for gzip and
/// decompresses transparently."
#[tokio::test]
async fn json_responses_are_requested_and_accepted_gzip_compressed() {
    let example = examples::GET_JOB_200_COMPLETED;
    let compressed = gzip(example.json.as_bytes());
    let server = TestServer::scripted(move |_| {
        Reply::new(200, JSON, compressed.clone()).header("content-encoding", "gzip")
    })
    .await;
    let result = basic(&server.v1())
        .get_job("402881824835bb2a01483c19f7d70256")
        .await;
    let r = &server.requests()[0];
    assert!(
        r.header("accept-encoding")
            .is_some_and(|v| v.contains("gzip")),
        "no `Accept-Encoding: gzip` in the request: {:?}",
        r.headers
    );
    assert_eq!(result.unwrap(), decoded(&example));
}

#[tokio::test]
async fn a_retried_submission_keeps_its_idempotency_key_and_body() {
    let server = TestServer::scripted(|r| match r.seq {
        0 => Reply::json(503, examples::RESPONSES_SERVER_ERROR_SYSTEM_ERROR.json),
        _ => Reply::json(200, examples::SUBMIT_JOB_200_SUBMITTED.json),
    })
    .await;
    let client = fast_retry(&server.v1());
    let job = client
        .submit_job(SubmitJobRequest::new().queries([query(1)]))
        .await
        .unwrap();
    assert_eq!(job, decoded(&examples::SUBMIT_JOB_200_SUBMITTED));
    let requests = server.requests();
    assert_eq!(
        requests.iter().map(Recorded::line).collect::<Vec<_>>(),
        ["POST /v1/batch-query/"; 2]
    );
    // Without a key of the caller's, the client makes one, the same for every attempt.
    let key = requests[0]
        .header("idempotency-key")
        .expect("an Idempotency-Key");
    assert_eq!(key.len(), 36, "{key}");
    assert_eq!(requests[1].header("idempotency-key"), Some(key));
    assert_eq!(requests[0].body, requests[1].body);

    // A new submission gets a new key.
    client
        .submit_job(SubmitJobRequest::new().queries([query(1)]))
        .await
        .unwrap();
    let third = &server.requests()[2];
    assert_ne!(third.header("idempotency-key"), Some(key));
    assert_eq!(third.header("idempotency-key").map(str::len), Some(36));
}
