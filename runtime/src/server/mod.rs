//! Support for generated server code: typed replies and request extraction on axum.
//!
//! A generated `server` module defines one input struct per operation, a handler trait with one
//! method per operation, and a `router` that decodes requests into inputs and replies into
//! responses. This module holds the parts that do not depend on the spec.

mod bodies;
mod params;

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
pub use axum::response::Response;
use serde::Serialize;

pub use bodies::*;
pub use params::*;

pub use crate::encoding::multipart::Part;
pub use crate::encoding::{Multipart, Style};

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

/// A response with a body of the given `Content-Type` (a text or bytes reply).
pub fn content_response(status: StatusCode, content_type: &str, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    response
}

impl<T: Into<Body>> Reply<T> {
    /// The HTTP response of a text or bytes reply, with `success` as the status and
    /// `content_type` as the `Content-Type` of [`Reply::Ok`].
    pub fn into_content_response(self, success: StatusCode, content_type: &str) -> Response {
        match self {
            Reply::Ok(body) => content_response(success, content_type, body),
            Reply::Json(status, value) => json_response(status, &value),
            Reply::Raw(response) => response,
        }
    }
}

/// The `404 Not Found` of a path that no operation's template matches.
pub fn not_found() -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        &serde_json::json!({"success": false, "message": "no operation has this path"}),
    )
}

/// The `400 Bad Request` a generated server answers when a request cannot be decoded.
pub fn bad_request(message: impl Into<String>) -> Rejection {
    Box::new(json_response(
        StatusCode::BAD_REQUEST,
        &serde_json::json!({"success": false, "message": message.into()}),
    ))
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

    #[tokio::test]
    async fn media_types_and_typed_forms_are_recognized() {
        assert!(media_type_matches(
            Some("application/xml; charset=utf-8"),
            &["application/xml"]
        ));
        assert!(media_type_matches(Some("image/png"), &["image/*"]));
        assert!(media_type_matches(
            Some("application/vnd.x+json"),
            &["text/json"]
        ));
        assert!(!media_type_matches(
            Some("text/plain"),
            &["application/xml"]
        ));
        assert!(!media_type_matches(None, &["*/*"]));
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Typed {
            n: i64,
            s: String,
            #[serde(flatten)]
            rest: std::collections::BTreeMap<String, serde_json::Value>,
        }
        let typed: Typed = decode_form(b"n=3&s=x+y&extra=1").unwrap();
        assert_eq!((typed.n, typed.s.as_str()), (3, "x y"));
        assert!(decode_form::<Typed>(b"n=three&s=x").is_err());
        let text = text_body(Body::from("h\u{e9}")).await.unwrap();
        assert_eq!(text, "h\u{e9}");
        let refused = multipart_body(&HeaderMap::new(), Body::from("x"))
            .await
            .unwrap_err();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    }
}
