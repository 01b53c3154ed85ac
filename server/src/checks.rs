//! What the server refuses before any handling, so that it is at least as strict as Zuora:
//! headers outside the limits Zuora documents, and `null` for a property the spec does not
//! declare nullable.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, Method, header};
use serde_json::Value;

static TRACK_ID: HeaderName = HeaderName::from_static("zuora-track-id");
static IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// The longest `Zuora-Track-Id` Zuora accepts.
const MAX_TRACK_ID: usize = 64;
/// The longest `Idempotency-Key` Zuora accepts.
const MAX_IDEMPOTENCY_KEY: usize = 255;

/// Why the headers Zuora documents limits for are refused, if they are.
///
/// - `Zuora-Track-Id`: at most 64 printable US-ASCII characters (space to `~`), none of `:`
///   `;` `"` `'` (the spec's `maxLength` and `pattern`). Empty is allowed.
/// - `Idempotency-Key` of a `POST` or `PATCH` (the only methods Zuora reads it on): 1 to 255
///   characters of header text. Zuora does not say what it does with an empty key. An empty
///   key identifies no submission, and refusing it is at least as strict as either thing
///   Zuora may do (refuse it, or ignore it), so a client that passes here passes there.
pub(crate) fn header_problem(request: &Request) -> Option<String> {
    let headers = request.headers();
    if let Some(value) = headers.get(&TRACK_ID) {
        let ok = value.len() <= MAX_TRACK_ID
            && value
                .as_bytes()
                .iter()
                .all(|b| matches!(b, b' '..=b'~') && !b":;\"'".contains(b));
        if !ok {
            return Some(format!(
                "Zuora-Track-Id must be at most {MAX_TRACK_ID} printable US-ASCII characters, none of : ; \" '"
            ));
        }
    }
    let reads_key = matches!(*request.method(), Method::POST | Method::PATCH);
    if let Some(value) = headers.get(&IDEMPOTENCY_KEY).filter(|_| reads_key) {
        let ok = value.to_str().is_ok() && (1..=MAX_IDEMPOTENCY_KEY).contains(&value.len());
        if !ok {
            return Some(format!(
                "Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters of header text"
            ));
        }
    }
    None
}

/// Whether `request` is a submission (`POST …/batch-query/`) with a JSON body, the only
/// operation whose body is JSON.
pub(crate) fn is_json_submission(request: &Request) -> bool {
    let path = request.uri().path();
    request.method() == Method::POST
        && (path.ends_with("/batch-query/") || path.ends_with("/batch-query"))
        && request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("application/json")
            })
}

/// The JSON pointers of the declared properties that `body` sets to `null`.
///
/// No property of the spec's `SubmitJobRequest` (or of the schemas inside it) is `nullable`,
/// so `null` is not one of its values, and the server refuses it as the gateway refuses any
/// body that does not fit the schema. (The generated types read `null` as absent.) A property
/// the spec does not declare may be anything, `null` included.
///
/// The body is decoded into the generated type and encoded again: a declared property that
/// was `null` is absent from that encoding, while undeclared ones are kept (with their
/// `null`) in `unknown_fields`. A body that does not decode is left to the router.
pub(crate) fn declared_nulls(body: &[u8]) -> Vec<String> {
    let Ok(raw) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let Ok(decoded) = serde_json::from_value::<zuora_aqua::SubmitJobRequest>(raw.clone()) else {
        return Vec::new();
    };
    let Ok(encoded) = serde_json::to_value(&decoded) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    compare(&raw, &encoded, String::new(), &mut found);
    found
}

fn compare(raw: &Value, encoded: &Value, at: String, found: &mut Vec<String>) {
    match (raw, encoded) {
        (Value::Object(raw), Value::Object(encoded)) => {
            for (key, value) in raw {
                let here = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                match encoded.get(key) {
                    None if value.is_null() => found.push(here),
                    None => {}
                    Some(inner) => compare(value, inner, here, found),
                }
            }
        }
        (Value::Array(raw), Value::Array(encoded)) => {
            for (i, (value, inner)) in raw.iter().zip(encoded).enumerate() {
                compare(value, inner, format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

/// The body of `request`, read whole (up to the generated server's limit), and the request
/// rebuilt around it; `None` if the body cannot be read.
pub(crate) async fn buffered(request: Request) -> Option<(Request, axum::body::Bytes)> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, zuora_aqua::runtime::server::MAX_REQUEST_BODY)
        .await
        .ok()?;
    Some((Request::from_parts(parts, Body::from(bytes.clone())), bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_properties_set_to_null_are_found() {
        let body = br#"{"name": null, "sourceData": null, "x-other": null,
            "queries": [{"query": "select Id from Account", "deleted": null, "y": null}]}"#;
        let mut found = declared_nulls(body);
        found.sort();
        assert_eq!(found, ["/name", "/queries/0/deleted", "/sourceData"]);
        assert!(declared_nulls(br#"{"name": "n", "queries": [{"query": "q"}]}"#).is_empty());
        // Bodies that do not decode are the router's business.
        assert!(declared_nulls(b"{").is_empty());
        assert!(declared_nulls(br#"{"queries": null, "offset": "x"}"#).is_empty());
    }
}
