//! `downloadFile`: a result file, whole or the part its `Range` header asks for.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use zuora_aqua::server::BinaryReply;

use super::Simulator;
use crate::bodies::{json_response, v1_error};
use crate::files::{self, ByteRange};

impl Simulator {
    /// A file, whole or the part its `Range` header asks for.
    ///
    /// Every answer with (or about) the file's content says `Accept-Ranges: bytes` and gives
    /// the file's `ETag` (its ID: files never change). A single range (`bytes=N-`,
    /// `bytes=N-M`, `bytes=-S`) is answered with `206 Partial Content` and
    /// `Content-Range: bytes N-M/TOTAL`; a range past the end with
    /// `416 Range Not Satisfiable` and `Content-Range: bytes */TOTAL`. The range is ignored
    /// (the whole file is sent with `200`) when `If-Range` is not the file's `ETag`, or when
    /// the header asks for several ranges or is malformed.
    pub(super) fn download(&self, file_id: &str, headers: &HeaderMap) -> BinaryReply {
        let (content_type, bytes) = {
            let state = self.lock();
            match state.files.get(file_id) {
                Some(file) => (file.content_type, file.bytes.clone()),
                None => {
                    return BinaryReply::Json(
                        StatusCode::NOT_FOUND,
                        v1_error(50000040, format!("File `{file_id}` not found")),
                    );
                }
            }
        };
        let total = bytes.len() as u64;
        let etag = format!("\"{file_id}\"");
        let text = |name| {
            headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
        };
        let range_header = text(header::RANGE);
        let validated = text(header::IF_RANGE).is_none_or(|v| v.trim() == etag);
        let range = if validated {
            files::byte_range(range_header, total)
        } else {
            ByteRange::Whole
        };
        let (status, body, content_range) = match range {
            ByteRange::Whole => (StatusCode::OK, bytes, None),
            ByteRange::Part { start, end } => {
                // `start <= end < total`, the length of `bytes`: the casts are lossless.
                let part = bytes.slice(start as usize..=end as usize);
                (
                    StatusCode::PARTIAL_CONTENT,
                    part,
                    Some(format!("bytes {start}-{end}/{total}")),
                )
            }
            ByteRange::Unsatisfiable => {
                tracing::debug!(file = file_id, range = ?range_header, total, "unsatisfiable range");
                let mut response = json_response(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    &v1_error(
                        50000020,
                        format!(
                            "The requested range is not satisfiable: the file has {total} bytes"
                        ),
                    ),
                );
                let headers = response.headers_mut();
                if let Ok(v) = HeaderValue::from_str(&format!("bytes */{total}")) {
                    headers.insert(header::CONTENT_RANGE, v);
                }
                headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
                return BinaryReply::Raw(response);
            }
        };
        if let Some(range) = &content_range {
            tracing::debug!(file = file_id, %range, "serving part of a file");
        }
        let length = body.len();
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = status;
        let out = response.headers_mut();
        out.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        out.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        out.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        if let Ok(v) = HeaderValue::from_str(&etag) {
            out.insert(header::ETAG, v);
        }
        if let Some(v) = content_range.and_then(|r| HeaderValue::from_str(&r).ok()) {
            out.insert(header::CONTENT_RANGE, v);
        }
        BinaryReply::Raw(response)
    }
}
