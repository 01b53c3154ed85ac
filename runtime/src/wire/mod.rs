//! Lenient wire types for values whose JSON form Zuora's documents disagree on.
//!
//! Every type here decodes all documented forms of a value and re-encodes exactly the form it
//! received, so that decoding a response and encoding it again yields the same JSON. Unknown
//! values (enum members, timestamp formats) are kept rather than rejected.

mod binary;
mod caseless;
mod flex_bool;
mod flex_int;
mod flex_string;
mod nullable;
mod number_enum;
mod object;
mod timestamp;

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Visitor};

pub use binary::Binary;
pub use caseless::Caseless;
pub use flex_bool::FlexBool;
pub use flex_int::FlexInt;
pub use flex_string::FlexString;
pub use nullable::{Nullable, present};
pub use object::{Key, Object, deserialize_object, field, read_properties, rest};
pub use timestamp::{Timestamp, TimestampError, TimestampFormats, TimestampValue};

/// A string enum of the API: known unit variants plus a fallback that keeps unknown values.
///
/// Implemented by generated enums; their `Deserialize` impls call [`deserialize_string_enum`]
/// and their `Serialize` impls send [`StringEnum::as_wire`].
pub trait StringEnum: Sized {
    /// Wire spellings of the known values, in spec order.
    const KNOWN: &'static [&'static str];
    /// Converts a wire string; unknown strings become the fallback variant.
    fn from_wire(s: &str) -> Self;
    /// The wire spelling of this value (the unknown one as received).
    fn as_wire(&self) -> &str;
}

/// Implements `Display`, `From<&str>`, `Serialize` and `Deserialize` for a [`StringEnum`]
/// through its wire spelling: the four impls every generated string enum has.
///
/// `Display` and `Serialize` write [`StringEnum::as_wire`]; `From<&str>` and `Deserialize` read
/// with [`StringEnum::from_wire`], so an unknown value becomes the fallback variant, never an
/// error (see [`deserialize_string_enum`]).
///
/// ```
/// use aqua_runtime::StringEnum;
///
/// #[derive(Debug, PartialEq)]
/// enum Color {
///     Red,
///     Unknown(String),
/// }
///
/// impl StringEnum for Color {
///     const KNOWN: &'static [&'static str] = &["red"];
///     fn from_wire(value: &str) -> Self {
///         match value {
///             "red" => Color::Red,
///             other => Color::Unknown(other.to_owned()),
///         }
///     }
///     fn as_wire(&self) -> &str {
///         match self {
///             Color::Red => "red",
///             Color::Unknown(value) => value,
///         }
///     }
/// }
///
/// aqua_runtime::string_enum_impls!(Color);
///
/// assert_eq!(Color::from("red").to_string(), "red");
/// assert_eq!(serde_json::from_str::<Color>("\"teal\"").unwrap(), Color::Unknown("teal".into()));
/// assert_eq!(serde_json::to_string(&Color::Red).unwrap(), "\"red\"");
/// ```
#[macro_export]
macro_rules! string_enum_impls {
    ($name:ident) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::StringEnum::as_wire(self))
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                <Self as $crate::StringEnum>::from_wire(value)
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str($crate::StringEnum::as_wire(self))
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::wire::deserialize_string_enum(deserializer)
            }
        }
    };
}

/// Whether `value` is one of `E`'s known values rather than its fallback.
fn is_known<E: StringEnum>(value: &E) -> bool {
    E::KNOWN.contains(&value.as_wire())
}

/// Deserializes a [`StringEnum`] from a string with [`StringEnum::from_wire`].
///
/// Accepts borrowed, transient and owned strings without copying them; any other JSON type is
/// an error. Unknown strings are not an error: they become the enum's fallback variant.
pub fn deserialize_string_enum<'de, D: Deserializer<'de>, T: StringEnum>(
    d: D,
) -> Result<T, D::Error> {
    d.deserialize_str(StringEnumVisitor(PhantomData))
}

struct StringEnumVisitor<T>(PhantomData<fn() -> T>);

impl<T: StringEnum> Visitor<'_> for StringEnumVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Ok(T::from_wire(v))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Ok(T::from_wire(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
        Ok(T::from_wire(&v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Status {
        Submitted,
        Completed,
        Unknown(String),
    }

    impl StringEnum for Status {
        const KNOWN: &'static [&'static str] = &["submitted", "completed"];

        fn from_wire(s: &str) -> Self {
            match s {
                "submitted" => Self::Submitted,
                "completed" => Self::Completed,
                other => Self::Unknown(other.to_owned()),
            }
        }

        fn as_wire(&self) -> &str {
            match self {
                Self::Submitted => "submitted",
                Self::Completed => "completed",
                Self::Unknown(s) => s,
            }
        }
    }

    fn decode(json: &str) -> serde_json::Result<Status> {
        deserialize_string_enum(&mut serde_json::Deserializer::from_str(json))
    }

    #[test]
    fn known_values_decode_to_their_variant() {
        assert_eq!(decode(r#""submitted""#).unwrap(), Status::Submitted);
        assert_eq!(decode(r#""completed""#).unwrap(), Status::Completed);
        assert!(is_known(&Status::Completed));
    }

    #[test]
    fn unknown_values_are_kept() {
        let status = decode(r#""archived""#).unwrap();
        assert_eq!(status, Status::Unknown("archived".into()));
        assert_eq!(status.as_wire(), "archived");
        assert!(!is_known(&status));
        // Case differences are unknown values for a plain enum (see `Caseless`).
        assert_eq!(
            decode(r#""Completed""#).unwrap(),
            Status::Unknown("Completed".into())
        );
    }

    #[test]
    fn escaped_strings_go_through_the_transient_path() {
        assert_eq!(decode(r#""submit\u0074ed""#).unwrap(), Status::Submitted);
        assert_eq!(decode(r#""a\nb""#).unwrap(), Status::Unknown("a\nb".into()));
    }

    #[test]
    fn owned_strings_are_accepted() {
        let value = serde_json::Value::String("completed".into());
        assert_eq!(
            deserialize_string_enum::<_, Status>(value).unwrap(),
            Status::Completed
        );
        let value = serde_json::Value::String("new".into());
        assert_eq!(
            deserialize_string_enum::<_, Status>(value).unwrap(),
            Status::Unknown("new".into())
        );
    }

    #[test]
    fn non_strings_are_rejected() {
        for json in ["1", "true", "null", "[]", "{}", r#"["submitted"]"#] {
            let err = decode(json).unwrap_err();
            assert!(
                err.to_string().contains("expected a string"),
                "{json}: {err}"
            );
        }
    }
}
