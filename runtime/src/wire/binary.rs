//! [`Binary`]: bytes inside a schema (`format: binary` on a property or an item).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

/// Bytes that a schema declares `format: binary`: the content of a file part in a multipart
/// body (sent as a file, with the bytes as they are).
///
/// JSON has no bytes, so in a JSON document the value is a string: decoding keeps the bytes
/// of its text (UTF-8), and encoding writes them back as a string (bytes that are not UTF-8
/// are replaced by U+FFFD). A JSON array of byte values also decodes. Formats that are not
/// human-readable get the bytes themselves.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Binary(pub Vec<u8>);

impl Binary {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

impl fmt::Debug for Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Binary({} bytes)", self.0.len())
    }
}

impl From<Vec<u8>> for Binary {
    fn from(bytes: Vec<u8>) -> Self {
        Binary(bytes)
    }
}

impl From<&[u8]> for Binary {
    fn from(bytes: &[u8]) -> Self {
        Binary(bytes.to_vec())
    }
}

impl<const N: usize> From<&[u8; N]> for Binary {
    fn from(bytes: &[u8; N]) -> Self {
        Binary(bytes.to_vec())
    }
}

impl From<String> for Binary {
    fn from(text: String) -> Self {
        Binary(text.into_bytes())
    }
}

impl From<&str> for Binary {
    fn from(text: &str) -> Self {
        Binary(text.as_bytes().to_vec())
    }
}

impl AsRef<[u8]> for Binary {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Serialize for Binary {
    /// A string for human-readable formats (JSON); the bytes for the others, such as a
    /// multipart body, where the bytes are a file part.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(&String::from_utf8_lossy(&self.0))
        } else {
            serializer.serialize_bytes(&self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Binary {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BinaryVisitor)
    }
}

struct BinaryVisitor;

impl<'de> Visitor<'de> for BinaryVisitor {
    type Value = Binary;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or an array of bytes")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Binary, E> {
        Ok(Binary::from(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Binary, E> {
        Ok(Binary::from(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Binary, E> {
        Ok(Binary::from(v))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Binary, E> {
        Ok(Binary(v))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Binary, A::Error> {
        let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
        while let Some(b) = seq.next_element::<u8>()? {
            bytes.push(b);
        }
        Ok(Binary(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_decodes_to_its_bytes_and_encodes_back() {
        let b: Binary = serde_json::from_str(r#""h\u00e9llo""#).unwrap();
        assert_eq!(b.as_bytes(), "héllo".as_bytes());
        assert_eq!(serde_json::to_string(&b).unwrap(), r#""héllo""#);
    }

    #[test]
    fn an_array_of_bytes_decodes() {
        let b: Binary = serde_json::from_str("[104, 105]").unwrap();
        assert_eq!(b.as_bytes(), b"hi");
        assert!(serde_json::from_str::<Binary>("[256]").is_err());
        assert!(serde_json::from_str::<Binary>("1").is_err());
    }

    #[test]
    fn bytes_that_are_not_utf8_encode_lossily_and_debug_hides_them() {
        let b = Binary(vec![0x66, 0xff]);
        assert_eq!(serde_json::to_string(&b).unwrap(), "\"f\u{fffd}\"");
        assert_eq!(format!("{b:?}"), "Binary(2 bytes)");
    }
}
