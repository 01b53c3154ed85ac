//! [`FlexBool`]: a boolean that Zuora's examples send as a string.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A boolean sent as a JSON boolean or as the string `"true"`/`"false"` (Zuora's AQuA examples
/// send `"useQueryLabels": "true"`). Re-encodes the form it was decoded from; values built in
/// Rust are sent as JSON booleans.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlexBool {
    value: bool,
    as_string: bool,
}

impl FlexBool {
    /// A boolean sent as a JSON boolean.
    pub fn new(value: bool) -> Self {
        FlexBool {
            value,
            as_string: false,
        }
    }

    /// The value.
    pub fn get(self) -> bool {
        self.value
    }

    /// Whether it was received as a string.
    pub fn is_string_form(self) -> bool {
        self.as_string
    }
}

impl From<bool> for FlexBool {
    fn from(value: bool) -> Self {
        FlexBool::new(value)
    }
}

impl From<FlexBool> for bool {
    fn from(value: FlexBool) -> Self {
        value.value
    }
}

impl fmt::Display for FlexBool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value)
    }
}

impl Serialize for FlexBool {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match (self.as_string, self.value) {
            (true, true) => serializer.serialize_str("true"),
            (true, false) => serializer.serialize_str("false"),
            (false, v) => serializer.serialize_bool(v),
        }
    }
}

struct FlexBoolVisitor;

impl Visitor<'_> for FlexBoolVisitor {
    type Value = FlexBool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean or the string \"true\" or \"false\"")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<FlexBool, E> {
        Ok(FlexBool::new(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<FlexBool, E> {
        let value = match v {
            "true" => true,
            "false" => false,
            _ => return Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        };
        Ok(FlexBool {
            value,
            as_string: true,
        })
    }
}

impl<'de> Deserialize<'de> for FlexBool {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FlexBoolVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_decode_and_re_encode_unchanged() {
        for text in ["true", "false", "\"true\"", "\"false\""] {
            let v: FlexBool = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&v).unwrap(), text);
            assert_eq!(v.get(), text.contains("true"));
            assert_eq!(v.is_string_form(), text.starts_with('"'));
        }
        assert_eq!(
            serde_json::to_string(&FlexBool::from(true)).unwrap(),
            "true"
        );
    }

    #[test]
    fn other_values_are_refused() {
        for text in ["\"yes\"", "\"TRUE\"", "1", "null", "[]"] {
            assert!(serde_json::from_str::<FlexBool>(text).is_err(), "{text}");
        }
    }
}
