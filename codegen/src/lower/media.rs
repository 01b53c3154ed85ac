//! Media types: what a request or response body of a media type becomes.
//!
//! JSON is any `application/json`, `text/json` or `…+json` type; text is `text/*` and a few
//! textual `application/` types; `*/*`, ranges (`image/*`), `application/octet-stream` and
//! `format: binary` schemas are streamed or raw bytes; every other type (XML, images, PDF…) is
//! bytes.

use openapiv3::{ReferenceOr, Schema, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty};

/// What a response body of a media type becomes, in order of preference (JSON first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum MediaKind {
    /// Decoded JSON.
    Json,
    /// A `String`.
    Text,
    /// `Vec<u8>`, read whole.
    Bytes,
    /// A streamed `Download`.
    Binary,
}

/// The essence of a media type: lowercase, without parameters (`Application/JSON; charset=x`
/// → `application/json`).
pub(super) fn essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// `application/json` itself.
pub(super) fn is_plain_json(media: &str) -> bool {
    essence(media) == "application/json"
}

/// Whether a media type is JSON: `application/json` (also with a suffix such as
/// `application/json-patch+json`), `text/json`, `application/x-json`, or any `…+json`.
pub(super) fn is_json(media: &str) -> bool {
    let m = essence(media);
    m == "application/json"
        || m == "text/json"
        || m == "application/x-json"
        || m.ends_with("+json")
        || m.starts_with("application/json")
}

pub(super) fn is_form(media: &str) -> bool {
    essence(media) == "application/x-www-form-urlencoded"
}

pub(super) fn is_multipart_form(media: &str) -> bool {
    essence(media) == "multipart/form-data"
}

/// Text: `text/…` and the range `text/*` (but `text/json`), and the textual `application/`
/// types.
pub(super) fn is_text(media: &str) -> bool {
    const TEXTUAL: &[&str] = &[
        "application/javascript",
        "application/x-javascript",
        "application/ecmascript",
        "application/yaml",
        "application/x-yaml",
        "application/graphql",
        "application/sql",
    ];
    let m = essence(media);
    (m.starts_with("text/") && !is_json(&m)) || TEXTUAL.contains(&m.as_str())
}

/// Whether a media type stands for any bytes: `*/*`, a range (`image/*`, but `text/*`),
/// `application/octet-stream`, or no type at all.
pub(super) fn is_opaque(media: &str) -> bool {
    let m = essence(media);
    m.is_empty()
        || (m.ends_with("/*") && m != "text/*")
        || m == "*"
        || m == "application/octet-stream"
}

/// The media type to send as `Content-Type` for a documented one: itself, or, for a range or
/// `*/*`, `text/plain` (`text/*`) or `application/octet-stream`.
pub(super) fn content_type(media: &str) -> String {
    let m = essence(media);
    if m == "text/*" {
        "text/plain".to_owned()
    } else if is_opaque(&m) {
        "application/octet-stream".to_owned()
    } else if m.ends_with("/*+json") || m == "*/*+json" {
        "application/json".to_owned()
    } else {
        media.trim().to_owned()
    }
}

/// What a response body of `media` with `content` becomes.
pub(super) fn media_kind(media: &str, content: &openapiv3::MediaType) -> MediaKind {
    if is_binary_schema(content) {
        MediaKind::Binary
    } else if is_json(media) {
        MediaKind::Json
    } else if is_text(media) {
        MediaKind::Text
    } else if is_opaque(media) {
        MediaKind::Binary
    } else {
        MediaKind::Bytes
    }
}

/// Whether a media type's schema is `type: string, format: binary`.
pub(super) fn is_binary_schema(content: &openapiv3::MediaType) -> bool {
    matches!(
        &content.schema,
        Some(ReferenceOr::Item(Schema {
            schema_kind: SchemaKind::Type(Type::String(openapiv3::StringType {
                format: VariantOrUnknownOrEmpty::Item(StringFormat::Binary),
                ..
            })),
            ..
        }))
    )
}

/// A short name for a media type, for a variant and a setter (`application/xml` → `xml`,
/// `application/vnd.api+json` → `vnd api json`, `*/*` → `bytes`).
pub(super) fn short_name(media: &str) -> String {
    let m = essence(media);
    if is_plain_json(&m) {
        return "json".to_owned();
    }
    if is_form(&m) {
        return "form".to_owned();
    }
    if is_multipart_form(&m) {
        return "multipart".to_owned();
    }
    if is_opaque(&m) {
        return "bytes".to_owned();
    }
    match m.split_once('/') {
        Some(("text", "plain")) => "text".to_owned(),
        Some(("text", sub)) if sub != "*" => format!("text {sub}"),
        Some((top, "*")) => top.to_owned(),
        Some((_, sub)) => sub.to_owned(),
        None => m,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_are_classified() {
        for json in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "text/json",
            "application/problem+json",
            "application/vnd.github.v3.star+json",
            "application/json-patch+json",
            "application/json+sarif",
        ] {
            assert!(is_json(json), "{json}");
        }
        for not_json in ["application/xml", "text/plain", "applicationjson", "*/*"] {
            assert!(!is_json(not_json), "{not_json}");
        }
        assert!(is_text("text/plain; charset=utf-8"));
        assert!(is_text("text/csv"));
        assert!(is_text("application/x-yaml"));
        assert!(!is_text("text/json"));
        assert!(is_text("text/*"));
        assert!(!is_opaque("text/*"));
        assert!(is_opaque("*/*"));
        assert!(is_opaque("image/*"));
        assert!(is_opaque("application/octet-stream"));
        assert!(!is_opaque("image/png"));
        assert_eq!(content_type("*/*"), "application/octet-stream");
        assert_eq!(content_type("text/*"), "text/plain");
        assert_eq!(content_type("application/xml"), "application/xml");
        assert_eq!(short_name("application/xml"), "xml");
        assert_eq!(short_name("text/plain"), "text");
        assert_eq!(short_name("text/csv"), "text csv");
        assert_eq!(short_name("*/*"), "bytes");
        assert_eq!(short_name("image/*"), "bytes");
        assert_eq!(short_name("text/*"), "text");
        assert_eq!(short_name("application/vnd.api+json"), "vnd.api+json");
    }
}
