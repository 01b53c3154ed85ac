//! [`Nullable`]: a value that may be JSON `null`, kept apart from an absent property.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A property declared `nullable`: either `null` or a value.
///
/// An optional nullable property is an `Option<Nullable<T>>`: `None` when absent,
/// `Some(Nullable::Null)` when `null`, so both forms are encoded back as received.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum Nullable<T> {
    /// JSON `null`.
    #[default]
    Null,
    /// A value.
    Value(T),
}

impl<T> Nullable<T> {
    /// The value, if not `null`.
    pub fn as_ref(&self) -> Option<&T> {
        match self {
            Nullable::Null => None,
            Nullable::Value(v) => Some(v),
        }
    }

    /// The value, if not `null`.
    pub fn into_option(self) -> Option<T> {
        match self {
            Nullable::Null => None,
            Nullable::Value(v) => Some(v),
        }
    }
}

impl<T> From<Option<T>> for Nullable<T> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Nullable::Null, Nullable::Value)
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Nullable::Null => serializer.serialize_none(),
            Nullable::Value(v) => v.serialize(serializer),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(deserializer).map(Nullable::from)
    }
}

/// `deserialize_with` for optional nullable properties: a present property (even `null`)
/// becomes `Some`, so that `null` is not confused with absence.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Holder {
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "present"
        )]
        note: Option<Nullable<String>>,
    }

    #[test]
    fn null_and_absent_stay_apart() {
        for text in [r#"{}"#, r#"{"note":null}"#, r#"{"note":"x"}"#] {
            let h: Holder = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&h).unwrap(), text);
        }
        let h: Holder = serde_json::from_str(r#"{"note":null}"#).unwrap();
        assert_eq!(h.note, Some(Nullable::Null));
    }
}
