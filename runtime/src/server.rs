//! Support for generated server code: typed replies and request extraction on axum.
//!
//! A generated `server` module defines one input struct per operation, a handler trait with one
//! method per operation, and a `router` that decodes requests into inputs and replies into
//! responses. This module holds the parts that do not depend on the spec.

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
pub use axum::response::Response;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use axum::Router;
pub use axum::extract::{Path, Request};
pub use axum::http::{HeaderMap, StatusCode, Uri};
pub use axum::routing;

/// A request refused before it reaches the handler: the response to send instead (boxed, since
/// responses are large).
pub type Rejection = Box<Response>;

/// The path parameters of a matched route, by name.
pub type PathParams = Vec<(String, String)>;

/// The status code `code`, or 200 if it is not a valid status.
pub fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::OK)
}

/// What a handler answers for an operation with a JSON success body `T`.
#[derive(Debug)]
#[non_exhaustive]
pub enum Reply<T> {
    /// The documented success status with `T` as JSON.
    Ok(T),
    /// Any status with a JSON body (errors, or errors inside HTTP 200).
    Json(StatusCode, serde_json::Value),
    /// Full control over the response (headers, malformed bodies, fault injection).
    Raw(Response),
}

impl<T> Reply<T> {
    /// The HTTP response, with `ok` making the response of [`Reply::Ok`] (for operations whose
    /// success responses differ by status).
    pub fn into_response_by(self, ok: impl FnOnce(T) -> Response) -> Response {
        match self {
            Reply::Ok(value) => ok(value),
            Reply::Json(status, value) => json_response(status, &value),
            Reply::Raw(response) => response,
        }
    }
}

/// A response with no body.
pub fn empty_response(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

/// A response with raw bytes.
pub fn bytes_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
}

impl<T: Serialize> Reply<T> {
    /// The HTTP response, with `success` as the status of [`Reply::Ok`].
    pub fn into_response_with(self, success: StatusCode) -> Response {
        match self {
            Reply::Ok(value) => json_response(success, &value),
            Reply::Json(status, value) => json_response(status, &value),
            Reply::Raw(response) => response,
        }
    }
}

/// What a handler answers for an operation with a binary success body.
#[derive(Debug)]
#[non_exhaustive]
pub enum BinaryReply {
    /// The documented success status with this content.
    Ok {
        /// The `Content-Type` (one of the spec's media types).
        content_type: String,
        /// The body, possibly streamed.
        body: Body,
        /// The `Content-Length`, when known.
        content_length: Option<u64>,
    },
    /// Any status with a JSON body.
    Json(StatusCode, serde_json::Value),
    /// Full control over the response.
    Raw(Response),
}

impl BinaryReply {
    /// The HTTP response, with `success` as the status of [`BinaryReply::Ok`].
    pub fn into_response_with(self, success: StatusCode) -> Response {
        match self {
            BinaryReply::Ok {
                content_type,
                body,
                content_length,
            } => {
                let mut response = Response::new(body);
                *response.status_mut() = success;
                if let Ok(v) = HeaderValue::from_str(&content_type) {
                    response.headers_mut().insert(header::CONTENT_TYPE, v);
                }
                if let Some(len) = content_length {
                    response
                        .headers_mut()
                        .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
                }
                response
            }
            BinaryReply::Json(status, value) => json_response(status, &value),
            BinaryReply::Raw(response) => response,
        }
    }
}

/// A JSON response.
pub fn json_response<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => {
            let mut response = Response::new(Body::from(bytes));
            *response.status_mut() = status;
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot encode the response: {e}"),
        )
            .into_response(),
    }
}

/// The `400 Bad Request` a generated server answers when a request cannot be decoded.
pub fn bad_request(message: impl Into<String>) -> Rejection {
    Box::new(json_response(
        StatusCode::BAD_REQUEST,
        &serde_json::json!({"success": false, "message": message.into()}),
    ))
}

/// The value of the path parameter `name`.
pub fn path_param(params: &[(String, String)], name: &str) -> Result<String, Rejection> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .ok_or_else(|| bad_request(format!("missing path parameter `{name}`")))
}

/// The value of the header `name`, if present and text.
pub fn header_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The value of the cookie `name` in the `Cookie` headers, percent-decoded, if present.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
}

/// The value of the query parameter `name`, if present.
pub fn query_value(uri: &Uri, name: &str) -> Option<String> {
    let query = uri.query()?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Every value of the array query parameter `name`: repeated pairs (`explode`) or one pair
/// with comma-separated items.
pub fn query_values(uri: &Uri, name: &str, explode: bool) -> Vec<String> {
    let Some(query) = uri.query() else {
        return Vec::new();
    };
    let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default();
    let values = pairs.into_iter().filter(|(k, _)| k == name).map(|(_, v)| v);
    if explode {
        values.collect()
    } else {
        values
            .flat_map(|v| v.split(',').map(str::to_owned).collect::<Vec<_>>())
            .filter(|v| !v.is_empty())
            .collect()
    }
}

/// Parses a required parameter value.
pub fn parse_param<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, Rejection> {
    value
        .parse()
        .map_err(|_| bad_request(format!("invalid value for `{name}`")))
}

/// The largest request body a generated server reads (16 MiB).
pub const MAX_REQUEST_BODY: usize = 16 * 1024 * 1024;

async fn body_bytes(body: Body) -> Result<bytes::Bytes, Rejection> {
    axum::body::to_bytes(body, MAX_REQUEST_BODY)
        .await
        .map_err(|e| bad_request(format!("cannot read the request body: {e}")))
}

/// Decodes a JSON request body.
pub async fn json_body<T: DeserializeOwned>(body: Body) -> Result<T, Rejection> {
    let bytes = body_bytes(body).await?;
    serde_json::from_slice(&bytes).map_err(|e| bad_request(format!("malformed JSON body: {e}")))
}

/// Decodes a JSON request body that may be absent (empty).
pub async fn optional_json_body<T: DeserializeOwned>(body: Body) -> Result<Option<T>, Rejection> {
    let bytes = body_bytes(body).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| bad_request(format!("malformed JSON body: {e}")))
}

/// A raw request body (an upload).
pub async fn bytes_body(body: Body) -> Result<Vec<u8>, Rejection> {
    body_bytes(body).await.map(|b| b.to_vec())
}

/// Decodes a form-urlencoded request body.
pub async fn form_body<T: DeserializeOwned>(body: Body) -> Result<T, Rejection> {
    let bytes = body_bytes(body).await?;
    serde_urlencoded::from_bytes(&bytes)
        .map_err(|e| bad_request(format!("malformed form body: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_extracted() {
        let params = vec![("jobid".to_owned(), "a b".to_owned())];
        assert_eq!(path_param(&params, "jobid").unwrap(), "a b");
        assert_eq!(
            path_param(&params, "x").unwrap_err().status(),
            StatusCode::BAD_REQUEST
        );
        let uri: Uri = "/x?a=1&b=two%20words".parse().unwrap();
        assert_eq!(query_value(&uri, "b").as_deref(), Some("two words"));
        assert_eq!(query_value(&uri, "c"), None);
        assert_eq!(parse_param::<u32>("a", "12").unwrap(), 12);
        assert!(parse_param::<u32>("a", "x").is_err());
    }

    #[tokio::test]
    async fn bodies_are_decoded_or_refused() {
        let v: serde_json::Value = json_body(Body::from("{\"a\":1}")).await.unwrap();
        assert_eq!(v["a"], 1);
        let err = json_body::<serde_json::Value>(Body::from("{"))
            .await
            .unwrap_err();
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            optional_json_body::<serde_json::Value>(Body::from(" "))
                .await
                .unwrap(),
            None
        );
        let form: Vec<(String, String)> = form_body(Body::from("a=1&b=2")).await.unwrap();
        assert_eq!(form.len(), 2);
    }

    #[test]
    fn replies_become_responses() {
        let r = Reply::Ok(serde_json::json!({"id": "x"})).into_response_with(StatusCode::OK);
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
        let r = BinaryReply::Ok {
            content_type: "text/csv".into(),
            body: Body::from("a,b\n"),
            content_length: Some(4),
        }
        .into_response_with(StatusCode::OK);
        assert_eq!(r.headers()[header::CONTENT_LENGTH], "4");
    }
}
