//! Building request paths from untrusted values.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Every byte except the RFC 3986 `unreserved` characters (`ALPHA DIGIT - . _ ~`).
pub(crate) const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes `s` so that it is exactly one path segment.
///
/// Everything except the RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) is encoded,
/// byte by byte in UTF-8: `/`, `?`, `#`, `%`, spaces, `+`, `;`, non-ASCII characters and so on.
/// The dot segments `.` and `..`, which a client or server would otherwise resolve away, become
/// `%2E` and `%2E%2E`. The result can therefore never add, remove or leave the segment it is
/// put in, nor start a query or fragment.
///
/// Returns `Cow::Borrowed(s)` when nothing needs encoding. An empty `s` stays empty: callers
/// that must reject empty identifiers should check for that themselves.
///
/// ```
/// use aqua_runtime::path::encode_segment;
///
/// assert_eq!(encode_segment("2c92c0f9"), "2c92c0f9");
/// assert_eq!(encode_segment("a/b?c"), "a%2Fb%3Fc");
/// assert_eq!(encode_segment(".."), "%2E%2E");
/// ```
pub fn encode_segment(s: &str) -> Cow<'_, str> {
    match s {
        "." => Cow::Borrowed("%2E"),
        ".." => Cow::Borrowed("%2E%2E"),
        _ => utf8_percent_encode(s, UNRESERVED).into(),
    }
}

/// Encodes the value of the path parameter `name` as one path segment, refusing values that
/// no encoding can keep inside their segment: the empty string (it would merge two segments),
/// `.` and `..` (URL parsers resolve them as dot-segments even when percent-encoded).
pub fn segment<'v, E>(name: &str, value: &'v str) -> Result<Cow<'v, str>, crate::Error<E>> {
    match value {
        "" => Err(crate::Error::invalid_request(format!(
            "the path parameter `{name}` is empty"
        ))),
        "." | ".." => Err(crate::Error::invalid_request(format!(
            "the path parameter `{name}` cannot be `{value}`"
        ))),
        _ => Ok(encode_segment(value)),
    }
}

/// The text of the path parameter `name` of any type, written by `style` (`simple`, `label`
/// or `matrix`; see [`crate::encoding`]), each item percent-encoded as in [`segment`].
/// Refuses a value whose text is empty, `.` or `..`.
pub fn styled<T: serde::Serialize + ?Sized, E>(
    name: &str,
    value: &T,
    style: crate::encoding::Style,
    explode: bool,
) -> Result<String, crate::Error<E>> {
    let value = serde_json::to_value(value).map_err(|e| {
        crate::Error::invalid_request(format!(
            "the path parameter `{name}` cannot be encoded: {e}"
        ))
    })?;
    let text = crate::encoding::path_text(name, &value, style, explode);
    match text.as_str() {
        "" => Err(crate::Error::invalid_request(format!(
            "the path parameter `{name}` is empty"
        ))),
        "%2E" | "%2E%2E" => Err(crate::Error::invalid_request(format!(
            "the path parameter `{name}` cannot be `.` or `..`"
        ))),
        _ => Ok(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_segments_are_borrowed_unchanged() {
        for s in ["abc", "2c92c0f8-5a1b.XYZ_~", "0", "", "...", ".a", "a.."] {
            let encoded = encode_segment(s);
            assert!(matches!(encoded, Cow::Borrowed(_)), "{s:?} was copied");
            assert_eq!(encoded, s);
        }
    }

    #[test]
    fn reserved_characters_are_encoded() {
        assert_eq!(encode_segment("a/b?c#d e%"), "a%2Fb%3Fc%23d%20e%25");
        assert_eq!(
            encode_segment("x+y;z=1&q:@!$'()*,"),
            "x%2By%3Bz%3D1%26q%3A%40%21%24%27%28%29%2A%2C"
        );
        assert_eq!(
            encode_segment("\\[]{}\"<>|^`"),
            "%5C%5B%5D%7B%7D%22%3C%3E%7C%5E%60"
        );
        assert_eq!(encode_segment("tab\tnl\n"), "tab%09nl%0A");
        assert!(matches!(encode_segment("a/b"), Cow::Owned(_)));
    }

    #[test]
    fn non_ascii_is_encoded_as_utf8_bytes() {
        assert_eq!(encode_segment("ünï"), "%C3%BCn%C3%AF");
        assert_eq!(encode_segment("€"), "%E2%82%AC");
    }

    #[test]
    fn dot_segments_are_neutralised() {
        assert_eq!(encode_segment("."), "%2E");
        assert_eq!(encode_segment(".."), "%2E%2E");
    }

    #[test]
    fn encoded_output_only_contains_safe_characters() {
        let nasty = "../../admin?x=1#frag %2F/ünï";
        let encoded = encode_segment(nasty);
        assert!(
            encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
            "{encoded}"
        );
        assert!(!encoded.contains('/'));
    }
}
