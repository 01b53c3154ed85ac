//! [`FlexString`]: strings that one source sends as JSON numbers.

use std::fmt;
use std::hash::{Hash, Hasher};

use serde::de::{self, Deserialize, Deserializer, Unexpected, Visitor};
use serde::ser::{Serialize, Serializer};
use serde_json::Number;

/// A string that may arrive as a JSON number (`"1.1"` from one document, `1` from another).
///
/// Decoding accepts a string or a number; anything else is an error. A number is kept as a
/// [`serde_json::Number`], so it is re-encoded as the same JSON number (`1` stays `1`, `1.1`
/// stays `1.1`), and its text is the number's JSON spelling.
///
/// Equality and hashing compare the text and the form: `"1"` and `1` differ.
#[derive(Clone, Debug)]
pub struct FlexString {
    text: String,
    number: Option<Number>,
}

impl FlexString {
    /// Wraps a number; it is sent as that JSON number.
    pub fn from_number(number: Number) -> Self {
        Self {
            text: number.to_string(),
            number: Some(number),
        }
    }

    /// The text: the string received, or the number's JSON spelling.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the value was a JSON number.
    pub fn is_number(&self) -> bool {
        self.number.is_some()
    }

    /// The number, if the value was one.
    pub fn as_number(&self) -> Option<&Number> {
        self.number.as_ref()
    }
}

impl From<&str> for FlexString {
    fn from(text: &str) -> Self {
        text.to_owned().into()
    }
}

impl From<String> for FlexString {
    fn from(text: String) -> Self {
        Self { text, number: None }
    }
}

impl From<Number> for FlexString {
    fn from(number: Number) -> Self {
        Self::from_number(number)
    }
}

impl fmt::Display for FlexString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for FlexString {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text && self.is_number() == other.is_number()
    }
}

impl Eq for FlexString {}

impl Hash for FlexString {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.hash(state);
        self.is_number().hash(state);
    }
}

/// Compares the text only, whatever the form.
impl PartialEq<str> for FlexString {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

/// Compares the text only, whatever the form.
impl PartialEq<&str> for FlexString {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl Serialize for FlexString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.number {
            Some(number) => number.serialize(serializer),
            None => serializer.serialize_str(&self.text),
        }
    }
}

impl<'de> Deserialize<'de> for FlexString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FlexStringVisitor)
    }
}

struct FlexStringVisitor;

impl Visitor<'_> for FlexStringVisitor {
    type Value = FlexString;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<FlexString, E> {
        Ok(FlexString::from_number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<FlexString, E> {
        Ok(FlexString::from_number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<FlexString, E> {
        Number::from_f64(v)
            .map(FlexString::from_number)
            .ok_or_else(|| E::invalid_value(Unexpected::Float(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<FlexString, E> {
        Ok(v.into())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<FlexString, E> {
        Ok(v.into())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn decode(json: &str) -> serde_json::Result<FlexString> {
        serde_json::from_str(json)
    }

    fn assert_round_trip(json: &str, text: &str, is_number: bool) {
        let v = decode(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(v.as_str(), text, "{json}");
        assert_eq!(v.is_number(), is_number, "{json}");
        assert_eq!(serde_json::to_string(&v).unwrap(), json);
    }

    #[test]
    fn string_form() {
        assert_round_trip(r#""1.1""#, "1.1", false);
        assert_round_trip(r#""1""#, "1", false);
        assert_round_trip(r#""""#, "", false);
        assert_round_trip(r#""v2 \"beta\"""#, "v2 \"beta\"", false);
        let owned: FlexString = serde_json::from_value(serde_json::json!("x")).unwrap();
        assert_eq!(owned.as_str(), "x");
    }

    #[test]
    fn number_form() {
        assert_round_trip("1", "1", true);
        assert_round_trip("1.1", "1.1", true);
        assert_round_trip("1.0", "1.0", true);
        assert_round_trip("-3", "-3", true);
        assert_round_trip("18446744073709551615", "18446744073709551615", true);
        assert_round_trip("-9223372036854775808", "-9223372036854775808", true);
        assert_eq!(decode("2").unwrap().as_number(), Some(&Number::from(2)));
        assert_eq!(decode(r#""2""#).unwrap().as_number(), None);
        // Exponents keep the same JSON value.
        let v = decode("1e2").unwrap();
        assert!(v.is_number());
        assert_eq!(serde_json::to_value(&v).unwrap(), serde_json::json!(100.0));
    }

    #[test]
    fn rejections() {
        for json in ["true", "null", "[]", r#"["1"]"#, r#"{"v":1}"#] {
            let err = decode(json).unwrap_err();
            assert!(
                err.to_string().contains("expected a string or a number"),
                "{json}: {err}"
            );
        }
    }

    #[test]
    fn constructors() {
        let v = FlexString::from("1.1");
        assert!(!v.is_number());
        assert_eq!(serde_json::to_string(&v).unwrap(), r#""1.1""#);
        let v = FlexString::from(String::from("abc"));
        assert_eq!(v.as_str(), "abc");
        let v = FlexString::from(Number::from(7));
        assert!(v.is_number());
        assert_eq!(serde_json::to_string(&v).unwrap(), "7");
    }

    #[test]
    fn equality_includes_form_but_str_comparison_does_not() {
        let string = decode(r#""1""#).unwrap();
        let number = decode("1").unwrap();
        assert_ne!(string, number);
        assert_eq!(string, FlexString::from("1"));
        assert_eq!(number, decode("1").unwrap());
        assert!(string == "1" && number == "1");
        assert!(string == *"1");
        assert!(number != "1.0");
        let set: HashSet<_> = [string.clone(), number.clone(), string].into();
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn display_and_debug() {
        assert_eq!(decode("1.1").unwrap().to_string(), "1.1");
        assert_eq!(decode(r#""v1""#).unwrap().to_string(), "v1");
        let debug = format!("{:?}", decode("1").unwrap());
        assert!(
            debug.contains("FlexString") && debug.contains("\"1\""),
            "{debug}"
        );
    }
}
