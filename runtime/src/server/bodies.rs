//! Decoding request bodies: JSON, form-urlencoded, multipart, text and raw bytes, and the
//! media type a body of several came as.

use axum::body::Body;
use bytes::Bytes;
use serde::de::DeserializeOwned;

use super::{HeaderMap, Rejection, bad_request, header_value};
use crate::encoding::Multipart;
use crate::encoding::multipart::Part;

/// The largest request body a generated server reads (16 MiB).
pub const MAX_REQUEST_BODY: usize = 16 * 1024 * 1024;

/// Reads a whole request body, within [`MAX_REQUEST_BODY`].
pub async fn body_bytes(body: Body) -> Result<bytes::Bytes, Rejection> {
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

/// Decodes a JSON body already read.
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Rejection> {
    serde_json::from_slice(bytes).map_err(|e| bad_request(format!("malformed JSON body: {e}")))
}

/// Decodes a form-urlencoded body already read: as strings first, else with numbers and
/// booleans read as such (a struct with typed fields).
pub fn decode_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Rejection> {
    match serde_urlencoded::from_bytes(bytes) {
        Ok(value) => Ok(value),
        Err(e) => {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes)
                .map_err(|_| bad_request(format!("malformed form body: {e}")))?;
            let mut map = serde_json::Map::new();
            for (k, v) in pairs {
                let typed = match serde_json::from_str::<serde_json::Value>(&v) {
                    Ok(n @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => n,
                    _ => serde_json::Value::String(v),
                };
                map.insert(k, typed);
            }
            serde_json::from_value(serde_json::Value::Object(map))
                .map_err(|_| bad_request(format!("malformed form body: {e}")))
        }
    }
}

/// A text body already read (UTF-8; malformed sequences become `U+FFFD`).
pub fn decode_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Decodes a text request body.
pub async fn text_body(body: Body) -> Result<String, Rejection> {
    Ok(decode_text(&body_bytes(body).await?))
}

/// Decodes a `multipart/form-data` request body into its parts.
pub async fn multipart_body(headers: &HeaderMap, body: Body) -> Result<Multipart, Rejection> {
    let content_type = header_value(headers, "content-type");
    let bytes = body_bytes(body).await?;
    decode_multipart(content_type.as_deref(), bytes).await
}

/// Decodes a `multipart/form-data` body already read, by the boundary of its `Content-Type`.
pub async fn decode_multipart(
    content_type: Option<&str>,
    bytes: Bytes,
) -> Result<Multipart, Rejection> {
    let boundary = content_type
        .and_then(|t| multer::parse_boundary(t).ok())
        .ok_or_else(|| bad_request("a multipart body needs a `Content-Type` with a boundary"))?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(bytes) });
    let mut reader = multer::Multipart::new(stream, boundary);
    let mut body = Multipart::new();
    let malformed = |e: multer::Error| bad_request(format!("malformed multipart body: {e}"));
    while let Some(field) = reader.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(|m| m.to_string());
        let bytes = field.bytes().await.map_err(malformed)?;
        body = body.part(Part {
            name,
            file_name,
            content_type,
            bytes,
        });
    }
    Ok(body)
}

/// Whether a request's `Content-Type` is one of the documented media types (ranges such as
/// `image/*` and `*/*` included; parameters ignored). Any JSON type matches a JSON one.
pub fn media_type_matches(content_type: Option<&str>, documented: &[&str]) -> bool {
    let essence = |m: &str| {
        m.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    };
    let json = |m: &str| m == "application/json" || m == "text/json" || m.ends_with("+json");
    let Some(sent) = content_type.map(essence) else {
        return false;
    };
    documented.iter().map(|d| essence(d)).any(|d| {
        d == sent
            || d == "*/*"
            || d.strip_suffix("/*")
                .is_some_and(|top| sent.split('/').next() == Some(top))
            || (json(&d) && json(&sent))
    })
}
