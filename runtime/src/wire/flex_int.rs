//! [`FlexInt`]: integers sent as JSON integers, integral floats or numeric strings.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use serde::de::{self, Deserialize, Deserializer, Unexpected, Visitor};
use serde::ser::{Serialize, Serializer};

/// A 64-bit integer that arrives as `42`, `42.0` or `"42"`, and is re-encoded in that form.
///
/// Decoding accepts a JSON integer within `i64`, an integral JSON float within `i64`, or a
/// string of decimal digits with an optional leading `-` (`^-?[0-9]+$`) within `i64`; anything
/// else is an error. Encoding sends the form received: an integer, the float (`42.0`), or the
/// original string (`"0042"` stays `"0042"`). Values built with [`FlexInt::new`] or `From` are
/// sent as integers.
///
/// Equality, hashing and ordering compare the number only, not its form.
#[derive(Clone, Debug)]
pub struct FlexInt {
    value: i64,
    form: Form,
}

/// How a [`FlexInt`] was received.
#[derive(Clone, Debug)]
enum Form {
    Integer,
    Float(f64),
    Text(Box<str>),
}

/// The description used in decoding errors.
const EXPECTED: &str =
    "a 64-bit integer, as a JSON integer, an integral JSON number or a string of decimal digits";

/// `2^63`, the first `f64` above `i64::MAX`.
const I64_END: f64 = 9_223_372_036_854_775_808.0;

impl FlexInt {
    /// Wraps a number; it is sent as a JSON integer.
    pub fn new(value: i64) -> Self {
        Self {
            value,
            form: Form::Integer,
        }
    }

    /// The number.
    pub fn get(&self) -> i64 {
        self.value
    }

    fn from_f64(f: f64) -> Option<Self> {
        if f.fract() != 0.0 || !(-I64_END..I64_END).contains(&f) {
            return None;
        }
        Some(Self {
            // Exact: `f` is integral and within range.
            value: f as i64,
            form: Form::Float(f),
        })
    }

    fn from_text(s: &str) -> Option<Self> {
        let digits = s.strip_prefix('-').unwrap_or(s);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Self {
            value: s.parse().ok()?,
            form: Form::Text(s.into()),
        })
    }
}

impl From<i64> for FlexInt {
    fn from(value: i64) -> Self {
        Self::new(value)
    }
}

impl From<FlexInt> for i64 {
    fn from(value: FlexInt) -> Self {
        value.value
    }
}

impl fmt::Display for FlexInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value, f)
    }
}

impl PartialEq for FlexInt {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl Eq for FlexInt {}

impl Hash for FlexInt {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl PartialOrd for FlexInt {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for FlexInt {
    fn cmp(&self, other: &Self) -> Ordering {
        self.value.cmp(&other.value)
    }
}

impl Serialize for FlexInt {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.form {
            Form::Integer => serializer.serialize_i64(self.value),
            Form::Float(f) => serializer.serialize_f64(*f),
            Form::Text(text) => serializer.serialize_str(text),
        }
    }
}

impl<'de> Deserialize<'de> for FlexInt {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FlexIntVisitor)
    }
}

struct FlexIntVisitor;

impl Visitor<'_> for FlexIntVisitor {
    type Value = FlexInt;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EXPECTED)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<FlexInt, E> {
        Ok(FlexInt::new(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<FlexInt, E> {
        i64::try_from(v)
            .map(FlexInt::new)
            .map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<FlexInt, E> {
        FlexInt::from_f64(v).ok_or_else(|| E::invalid_value(Unexpected::Float(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<FlexInt, E> {
        FlexInt::from_text(v).ok_or_else(|| E::invalid_value(Unexpected::Str(v), &self))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn decode(json: &str) -> serde_json::Result<FlexInt> {
        serde_json::from_str(json)
    }

    fn assert_round_trip(json: &str, expected: i64) {
        let v = decode(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(v.get(), expected, "{json}");
        assert_eq!(serde_json::to_string(&v).unwrap(), json);
    }

    #[test]
    fn integer_form() {
        assert_round_trip("42", 42);
        assert_round_trip("0", 0);
        assert_round_trip("-7", -7);
        assert_round_trip("9223372036854775807", i64::MAX);
        assert_round_trip("-9223372036854775808", i64::MIN);
    }

    #[test]
    fn float_form() {
        assert_round_trip("42.0", 42);
        assert_round_trip("-3.0", -3);
        assert_round_trip("0.0", 0);
        assert_round_trip("-9.223372036854776e+18", i64::MIN);
        // Exponent forms keep the same JSON value, though not the same spelling.
        let v = decode("4.2e1").unwrap();
        assert_eq!(v.get(), 42);
        assert_eq!(serde_json::to_value(&v).unwrap(), serde_json::json!(42.0));
    }

    #[test]
    fn string_form_is_kept_verbatim() {
        assert_round_trip(r#""42""#, 42);
        assert_round_trip(r#""0042""#, 42);
        assert_round_trip(r#""-0""#, 0);
        assert_round_trip(r#""-15""#, -15);
        assert_round_trip(r#""9223372036854775807""#, i64::MAX);
        assert_round_trip(r#""-9223372036854775808""#, i64::MIN);
        let owned: FlexInt = serde_json::from_value(serde_json::json!("17")).unwrap();
        assert_eq!(owned.get(), 17);
        assert_eq!(
            serde_json::to_value(&owned).unwrap(),
            serde_json::json!("17")
        );
    }

    #[test]
    fn rejections() {
        for json in [
            "42.5",
            "1e300",
            "-1e19",
            "9223372036854775808",
            "18446744073709551615",
            "9.3e18",
            r#""""#,
            r#""-""#,
            r#""+42""#,
            r#"" 42""#,
            r#""42 ""#,
            r#""4_2""#,
            r#""42.0""#,
            r#""0x2A""#,
            r#""٤٢""#,
            r#""9223372036854775808""#,
            r#""-9223372036854775809""#,
            "true",
            "null",
            "[42]",
            r#"{"value":42}"#,
        ] {
            let err = decode(json).unwrap_err();
            assert!(
                err.to_string().contains("expected a 64-bit integer"),
                "{json}: {err}"
            );
        }
    }

    #[test]
    fn constructors_serialize_as_integers() {
        assert_eq!(serde_json::to_string(&FlexInt::new(5)).unwrap(), "5");
        assert_eq!(serde_json::to_string(&FlexInt::from(-5)).unwrap(), "-5");
        assert_eq!(i64::from(FlexInt::new(9)), 9);
    }

    #[test]
    fn comparisons_use_the_number_only() {
        let forms = [
            decode("42").unwrap(),
            decode("42.0").unwrap(),
            decode(r#""042""#).unwrap(),
        ];
        assert!(forms.iter().all(|v| *v == FlexInt::new(42)));
        let set: HashSet<_> = forms.iter().cloned().collect();
        assert_eq!(set.len(), 1);
        assert!(FlexInt::new(-1) < decode(r#""0""#).unwrap());
        assert_eq!(forms.iter().max().unwrap().get(), 42);
        assert_ne!(FlexInt::new(1), FlexInt::new(2));
    }

    #[test]
    fn display_and_debug() {
        assert_eq!(decode(r#""0042""#).unwrap().to_string(), "42");
        assert_eq!(decode("42.0").unwrap().to_string(), "42");
        assert_eq!(format!("{:>4}", FlexInt::new(7)), "   7");
        let debug = format!("{:?}", decode(r#""0042""#).unwrap());
        assert!(
            debug.contains("42") && debug.contains("\"0042\""),
            "{debug}"
        );
    }
}
