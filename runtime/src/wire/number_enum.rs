//! `number_enum_impls!`: the impls every generated integer or number enum has.

/// Implements `Display`, `FromStr`, `From<$repr>`, `Serialize` and `Deserialize` for a
/// generated integer (`i64`) or number (`f64`) enum, through its inherent
/// `value(&self) -> $repr` and `from_value($repr) -> Self` (an unknown value becomes the
/// fallback variant, never an error).
///
/// ```
/// #[derive(Clone, Copy, Debug, PartialEq)]
/// enum Level {
///     Value1,
///     Unknown(i64),
/// }
///
/// impl Level {
///     fn value(&self) -> i64 {
///         match self {
///             Level::Value1 => 1,
///             Level::Unknown(value) => *value,
///         }
///     }
///     fn from_value(value: i64) -> Self {
///         match value {
///             1 => Level::Value1,
///             other => Level::Unknown(other),
///         }
///     }
/// }
///
/// aqua_runtime::number_enum_impls!(Level, i64);
///
/// assert_eq!(serde_json::from_str::<Level>("1").unwrap(), Level::Value1);
/// assert_eq!(serde_json::from_str::<Level>("7").unwrap(), Level::Unknown(7));
/// assert_eq!(serde_json::to_string(&Level::Value1).unwrap(), "1");
/// assert_eq!(Level::from(7).to_string(), "7");
/// assert_eq!("1".parse::<Level>().unwrap(), Level::Value1);
/// assert!("one".parse::<Level>().is_err());
/// ```
#[macro_export]
macro_rules! number_enum_impls {
    ($name:ident, $repr:ty) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.value(), f)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = <$repr as ::std::str::FromStr>::Err;

            fn from_str(text: &str) -> ::std::result::Result<Self, Self::Err> {
                text.parse::<$repr>().map(Self::from_value)
            }
        }

        impl ::std::convert::From<$repr> for $name {
            fn from(value: $repr) -> Self {
                Self::from_value(value)
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                <$repr as $crate::__private::serde::Serialize>::serialize(&self.value(), serializer)
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                <$repr as $crate::__private::serde::Deserialize<'de>>::deserialize(deserializer)
                    .map(Self::from_value)
            }
        }
    };
}
