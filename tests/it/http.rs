//! The generated client over real HTTP on 127.0.0.1.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zuora_aqua::{Client, Credentials, Error, Job, examples};

use crate::support::TestServer;

const JSON: &str = "application/json";

fn basic(server: &TestServer) -> Client {
    Client::with_base_url(&server.base_url(), Credentials::basic("user", "pass")).unwrap()
}

#[tokio::test]
async fn sends_the_documented_request_and_decodes_the_job() {
    let example = examples::GET_LAST_COMPLETED_JOB_200_JSON;
    let server = TestServer::start(200, JSON, example.json).await;
    let job = basic(&server)
        .get_last_completed_job("salesforce", "00170000011K3Ub")
        .zuora_track_id("nightly-1")
        .await
        .unwrap();
    let expected: Job = serde_json::from_str(example.json).unwrap();
    assert_eq!(job, expected);

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "GET");
    assert_eq!(
        r.target,
        "/apps/api/batch-query/jobs/partner/salesforce/project/00170000011K3Ub"
    );
    // base64("user:pass")
    assert_eq!(r.header("authorization"), Some("Basic dXNlcjpwYXNz"));
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(
        r.header("user-agent"),
        Some(concat!("zuora-aqua/", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(r.header("zuora-track-id"), Some("nightly-1"));
    assert_eq!(r.header("zuora-entity-ids"), None);
}

#[tokio::test]
async fn path_parameters_can_never_change_the_path() {
    let server = TestServer::start(200, JSON, examples::GET_LAST_COMPLETED_JOB_200_JSON.json).await;
    basic(&server)
        .get_last_completed_job("sales force", "a/b?c#d e%..")
        .await
        .unwrap();
    assert_eq!(
        server.requests()[0].target,
        "/apps/api/batch-query/jobs/partner/sales%20force/project/a%2Fb%3Fc%23d%20e%25.."
    );
    // Dot-segments and empty values would move the request elsewhere: refused before sending.
    for (partner, project) in [("..", "x"), (".", "x"), ("p", "")] {
        let err = basic(&server)
            .get_last_completed_job(partner, project)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    }
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn bearer_tokens_and_entity_headers_are_sent() {
    let server = TestServer::start(200, JSON, examples::GET_LAST_COMPLETED_JOB_200_JSON.json).await;
    let client = Client::with_base_url(&server.base_url(), Credentials::bearer("tok-123")).unwrap();
    client
        .get_last_completed_job("p", "q")
        .zuora_entity_ids("8a8082c4-5a5b-4e0b-b3a8-b4d5e0d1e2f3")
        .send()
        .await
        .unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.header("authorization"), Some("Bearer tok-123"));
    assert_eq!(
        r.header("zuora-entity-ids"),
        Some("8a8082c4-5a5b-4e0b-b3a8-b4d5e0d1e2f3")
    );
}

#[tokio::test]
async fn http_error_statuses_carry_the_decoded_zuora_body() {
    let body = examples::RESPONSES_UNAUTHORIZED_INVALID_CREDENTIALS.json;
    let server = TestServer::start(401, JSON, body).await;
    let err = basic(&server)
        .get_last_completed_job("p", "q")
        .await
        .unwrap_err();
    let Error::Status(status) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(status.status.as_u16(), 401);
    assert!(status.body.is_some());
    assert_eq!(err.zuora_code().as_deref(), Some("90000011"));
    let shown = err.to_string();
    assert_eq!(
        shown,
        "getLastCompletedJob: HTTP 401 Unauthorized: 90000011: Authentication error"
    );
    assert!(!format!("{shown}{err:?}").contains("pass"));
}

#[tokio::test]
async fn http_errors_without_a_zuora_body_keep_an_excerpt() {
    let server = TestServer::start(502, "text/html", "<html><body>Bad gateway</body></html>").await;
    let err = basic(&server)
        .get_last_completed_job("p", "q")
        .await
        .unwrap_err();
    let Error::Status(status) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(status.status.as_u16(), 502);
    assert!(status.body.is_none());
    assert_eq!(status.text, "<html><body>Bad gateway</body></html>");
}

#[tokio::test]
async fn aqua_errors_inside_http_200_are_errors() {
    let body = r#"{"status":"error","errorCode":"90005","message":"There is a syntax error in one of the queries"}"#;
    let server = TestServer::start(200, JSON, body).await;
    let err = basic(&server)
        .get_last_completed_job("p", "q")
        .await
        .unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status.as_u16(), 200);
    assert_eq!(err.zuora_code().as_deref(), Some("90005"));
    assert_eq!(
        err.zuora_message().as_deref(),
        Some("There is a syntax error in one of the queries")
    );

    let envelope =
        r#"{"success":false,"reasons":[{"code":53100320,"message":"no completed job"}]}"#;
    let server = TestServer::start(200, JSON, envelope).await;
    let err = basic(&server)
        .get_last_completed_job("p", "q")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.zuora_code().as_deref(), Some("53100320"));
}

#[tokio::test]
async fn a_job_without_id_and_without_error_is_not_an_error() {
    let server = TestServer::start(200, JSON, r#"{"status":"completed","batches":[]}"#).await;
    let job = basic(&server)
        .get_last_completed_job("p", "q")
        .await
        .unwrap();
    assert_eq!(job.id, None);
}

#[tokio::test]
async fn undecodable_bodies_give_a_decode_error_with_an_excerpt() {
    let server = TestServer::start(200, "text/html", "<html>maintenance</html>").await;
    let err = basic(&server)
        .get_last_completed_job("p", "q")
        .await
        .unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(d.excerpt, "<html>maintenance</html>");
    assert!(
        err.to_string()
            .contains("the body starts with: <html>maintenance</html>"),
        "{err}"
    );

    let server = TestServer::start(200, JSON, r#"{"id": "x", "batches": [{"recordCount": "#).await;
    let err = basic(&server)
        .get_last_completed_job("p", "q")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn unreachable_servers_are_transport_errors() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::with_base_url(
        &format!("http://{addr}/v1"),
        Credentials::basic("u", "secret-pw"),
    )
    .unwrap();
    let err = client.get_last_completed_job("p", "q").await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("getLastCompletedJob: could not connect"),
        "{err}"
    );
    assert!(!format!("{err}{err:?}").contains("secret-pw"));
}

#[tokio::test]
async fn documented_limits_are_checked_before_sending() {
    let server = TestServer::start(200, JSON, examples::GET_LAST_COMPLETED_JOB_200_JSON.json).await;
    let err = basic(&server)
        .get_last_completed_job("p", "q")
        .zuora_track_id("x".repeat(65))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "invalid request: `Zuora-Track-Id` is longer than 64 characters"
    );
    // The spec's pattern allows printable US-ASCII except `:` `;` `"` `'` in the track id.
    for bad in ["job:42", "a;b", "say \"hi\"", "it's", "café", "tab\there"] {
        let err = basic(&server)
            .get_last_completed_job("p", "q")
            .zuora_track_id(bad)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid request: `Zuora-Track-Id` does not match the pattern `^[ !#-&(-9<-~]*$`",
            "{bad:?}"
        );
    }
    let err = basic(&server)
        .get_last_completed_job("p", "q")
        .zuora_track_id("bad\nvalue")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    // An empty idempotency key identifies nothing (`minLength: 1`).
    let err = basic(&server)
        .submit_job(zuora_aqua::SubmitJobRequest::new())
        .idempotency_key("")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `Idempotency-Key` must not be empty"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn plain_http_is_refused_except_to_loopback() {
    let err = Client::with_base_url("http://rest.zuora.com/v1", Credentials::basic("u", "p"))
        .unwrap_err();
    assert!(err.to_string().contains("loopback"), "{err}");
    assert!(
        Client::with_base_url("https://rest.zuora.com/v1", Credentials::basic("u", "p")).is_ok()
    );
}

#[test]
fn credentials_never_show_in_debug() {
    let shown = format!(
        "{:?} {:?}",
        Credentials::basic("user", "hunter2"),
        Client::with_base_url("https://rest.zuora.com/v1", Credentials::bearer("tok-xyz")).unwrap()
    );
    assert!(
        !shown.contains("hunter2") && !shown.contains("tok-xyz"),
        "{shown}"
    );
}

/// Replays the raw cURL response of Zuora's page (status line and headers with trailing
/// blanks, `Transfer-Encoding: chunked`) from a real socket.
#[tokio::test]
async fn decodes_the_documented_raw_curl_response_from_a_socket() {
    let example = examples::GET_LAST_COMPLETED_JOB_200_CURL;
    let raw = example
        .raw_http
        .expect("the curl example keeps its raw HTTP form");
    let mut lines = raw.split('\n');
    let status_line = lines.next().unwrap();
    let mut head = format!("{status_line}\r\n");
    let mut body_lines = Vec::new();
    for line in lines.by_ref() {
        if line.starts_with('{') {
            body_lines.push(line);
            break;
        }
        head.push_str(line);
        head.push_str("\r\n");
    }
    body_lines.extend(lines);
    let body = body_lines.join("\n");
    assert!(head.contains("Transfer-Encoding: chunked \r\n"), "{head}");
    assert!(
        body.ends_with('}')
            && body.contains("\"segments\" : [ \"402881824835bb2a0148457711ae0361\" ] \n")
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buf).await.unwrap();
            assert!(n > 0, "the client closed before sending a request");
            request.extend_from_slice(&buf[..n]);
        }
        socket.write_all(head.as_bytes()).await.unwrap();
        socket.write_all(b"\r\n").await.unwrap();
        // The body in three chunks, as a chunked response may split it anywhere.
        let bytes = body.as_bytes();
        let cuts = [0, bytes.len() / 3, 2 * bytes.len() / 3, bytes.len()];
        for w in cuts.windows(2) {
            let chunk = &bytes[w[0]..w[1]];
            socket
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await
                .unwrap();
            socket.write_all(chunk).await.unwrap();
            socket.write_all(b"\r\n").await.unwrap();
            socket.flush().await.unwrap();
        }
        socket.write_all(b"0\r\n\r\n").await.unwrap();
        String::from_utf8(request).unwrap()
    });

    let client = Client::with_base_url(
        &format!("http://{addr}/apps/api"),
        Credentials::basic("u", "p"),
    )
    .unwrap();
    let job = client
        .get_last_completed_job("salesforce", "00170000011K3Ub")
        .await
        .unwrap();
    let request = server.await.unwrap();
    assert!(request.starts_with(
        "GET /apps/api/batch-query/jobs/partner/salesforce/project/00170000011K3Ub HTTP/1.1\r\n"
    ));
    let expected: Job = serde_json::from_str(example.json).unwrap();
    assert_eq!(job, expected);
    assert_eq!(job.id.as_deref(), Some("402881824835bb2a01484577116c035d"));
}
