//! The error bodies the server sends, in the shapes Zuora uses (each is valid against the
//! spec's `ErrorResponse`).

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

/// AQuA's error inside HTTP 200 for a refused submission:
/// `{"status":"error","errorCode":"90005","message":…}`.
pub(crate) fn job_error(code: &str, message: impl Into<String>) -> Value {
    json!({"status": "error", "errorCode": code, "message": message.into()})
}

/// AQuA's error inside HTTP 200 about an existing (or missing) job:
/// `{"errorCode":"90002","message":…}`.
pub(crate) fn aqua_error(code: &str, message: impl Into<String>) -> Value {
    json!({"errorCode": code, "message": message.into()})
}

/// The v1 error envelope: `{"success":false,"reasons":[{"code":…,"message":…}]}`.
pub(crate) fn v1_error(code: u64, message: impl Into<String>) -> Value {
    json!({"success": false, "reasons": [{"code": code, "message": message.into()}]})
}

/// The gateway's answer to a body it cannot accept (an unknown enum value, for instance).
pub(crate) fn malformed() -> Value {
    json!({
        "success": false,
        "code": 50000090,
        "message": "Oops, request is malformed. Please check your request."
    })
}

/// A response with `status`, `content_type` and `body`, with `Content-Length`.
pub(crate) fn raw(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let len = body.len();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    response
}

/// A JSON response.
pub(crate) fn json_response(status: StatusCode, value: &Value) -> Response {
    raw(status, "application/json", value.to_string().into_bytes())
}

/// The 401 answer to missing or wrong credentials, with `WWW-Authenticate`.
pub(crate) fn unauthorized() -> Response {
    let mut response = json_response(
        StatusCode::UNAUTHORIZED,
        &v1_error(90000011, "Authentication error"),
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=Zuora API, Bearer realm=Zuora API"),
    );
    response
}

/// The message Zuora documents for an AQuA error code, if it is one.
pub(crate) fn aqua_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "90001" => "Invalid batch id",
        "90002" => "Invalid job id",
        "90003" => "Invalid job id for job cancellation",
        "90004" => "More than 50 queries are included in the AQuA input",
        "90005" => "There is a syntax error in one of the queries in the AQuA input",
        "90006" => "Internal storage error, please retry",
        "90007" => "The query execution was aborted",
        "90008" => "Internal database connection error, please retry",
        "90009" => "The user is not authorized to run this job",
        "90010" => "Internal server error, please retry",
        "90012" => "Stateless AQuA does not support deleted columns",
        "90014" => "The notifyUrl must be shorter than 5000 characters",
        "90015" => "The incremental time is invalid",
        "90016" => "No queries are included in the AQuA version 1.0 request",
        "90017" => "Some objects of the queries do not support deleted records",
        "90018" => "The user has no permission to some objects; those queries are ignored",
        "90019" => "The partner ID is not recognized",
        "90020" => "A Distinct column is only valid with Count",
        "90021" => "Invalid currency in convertToCurrencies",
        "90022" => "Internal error, please retry",
        "90027" => "The query exceeded the maximum processing time",
        "90028" => "The number of concurrent jobs exceeds the limit",
        "90029" => "The job exceeded the maximum time in Processing status",
        _ => return None,
    })
}
