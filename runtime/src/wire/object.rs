//! Decoding of the generated structs: what every struct's `Deserialize` shares.
//!
//! A generated struct implements [`Object`], whose one function reads its properties from a
//! map, and gets its `Deserialize` from [`object_impls!`](crate::object_impls). The
//! decoding is serde's own for structs (a missing required property and a repeated one are
//! the same errors, with the same messages), with the properties the spec does not list kept
//! in the struct's map of the others; written by hand because serde's derive with
//! `#[serde(flatten)]` buffers every unknown property and costs the generated crates most of
//! their compile time (BENCHMARKS.md, "Compile time").

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

/// A struct of the API decoded from a JSON object, property by property.
///
/// Implemented by generated structs; [`object_impls!`](crate::object_impls) implements
/// their `Deserialize` with it.
pub trait Object: Sized {
    /// What a value of another JSON type was expected to be (`struct Invoice`).
    const EXPECTING: &'static str;
    /// Reads the properties from `map`: each listed one into its field (with [`field`]),
    /// the others into the struct's map of them (with [`rest`]).
    fn decode<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// Implements `Deserialize` for an [`Object`]: it decodes a JSON object with
/// [`Object::decode`]; any other JSON value is an error.
///
/// ```
/// use aqua_runtime::wire::{self, Key, Object};
/// use serde::de::MapAccess;
///
/// #[derive(Debug, PartialEq)]
/// struct Point {
///     x: i64,
///     label: Option<String>,
///     unknown_fields: std::collections::BTreeMap<String, serde_json::Value>,
/// }
///
/// impl Object for Point {
///     const EXPECTING: &'static str = "struct Point";
///     fn decode<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
///         let mut x: Option<i64> = None;
///         let mut label: Option<Option<String>> = None;
///         let mut unknown_fields = std::collections::BTreeMap::new();
///         wire::read_properties(&mut map, |map, key| match key.as_str() {
///             "x" => wire::field(map, &mut x, "x"),
///             "label" => wire::field(map, &mut label, "label"),
///             _ => wire::rest(map, &mut unknown_fields, key),
///         })
///         .and_then(|()| {
///             let Some(x) = x else {
///                 return Err(serde::de::Error::missing_field("x"));
///             };
///             Ok(Point { x, label: label.flatten(), unknown_fields })
///         })
///     }
/// }
///
/// aqua_runtime::object_impls!(Point);
///
/// let p: Point = serde_json::from_str(r#"{"x": 1, "new": true}"#).unwrap();
/// assert_eq!((p.x, p.label.as_deref()), (1, None));
/// assert_eq!(p.unknown_fields["new"], true);
/// let missing = serde_json::from_str::<Point>(r#"{"label": "a"}"#).unwrap_err();
/// assert_eq!(missing.to_string(), "missing field `x` at line 1 column 14");
/// ```
#[macro_export]
macro_rules! object_impls {
    ($name:ident) => {
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::wire::deserialize_object(deserializer)
            }
        }
    };
}

/// Deserializes an [`Object`] from a map (a JSON object).
pub fn deserialize_object<'de, D: Deserializer<'de>, T: Object>(d: D) -> Result<T, D::Error> {
    d.deserialize_map(ObjectVisitor(PhantomData))
}

struct ObjectVisitor<T>(PhantomData<fn() -> T>);

impl<'de, T: Object> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::decode(map)
    }
}

/// A property name as received: borrowed from the input when the input allows it (JSON
/// text without escapes), copied otherwise.
#[derive(Debug)]
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name, owned.
    pub fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a property name")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v)))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Key<'de>, E> {
        match std::str::from_utf8(v) {
            Ok(s) => self.visit_str(s),
            Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(v), &self)),
        }
    }
}

/// Reads every property of `map`, calling `each` with the map (for the property's value) and
/// the property's name; the first error stops the reading.
///
/// Generated `decode` functions read through this rather than a loop of their own, and return
/// errors without `?`: in a function generic over the map, each `?` makes rustc look for a
/// `From` conversion among every `From` impl of the crate (thousands in a big generated
/// crate), which was a fifth of GitHub's API crate's `cargo check` (BENCHMARKS.md, section 7).
pub fn read_properties<'de, A: MapAccess<'de>>(
    map: &mut A,
    mut each: impl FnMut(&mut A, Key<'de>) -> Result<(), A::Error>,
) -> Result<(), A::Error> {
    while let Some(key) = map.next_key::<Key<'de>>()? {
        each(map, key)?;
    }
    Ok(())
}

/// Reads the value of the property `name` into its slot; a second value for the same
/// property is serde's error "duplicate field".
pub fn field<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Reads the value of a property the struct does not list into its map of the others (the
/// last value wins when a property is repeated).
pub fn rest<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    rest: &mut std::collections::BTreeMap<String, T>,
    key: Key<'de>,
) -> Result<(), A::Error> {
    let value = map.next_value()?;
    rest.insert(key.into_string(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::wire::Nullable;

    /// What the generator writes (`emit/types/structs.rs`) for a struct with a required, an
    /// optional, a required nullable, an optional nullable and a required untyped property.
    #[derive(Debug, PartialEq)]
    struct Sample {
        id: String,
        note: Option<String>,
        parent: Nullable<String>,
        previous: Option<Nullable<i64>>,
        any: serde_json::Value,
        unknown_fields: BTreeMap<String, serde_json::Value>,
    }

    impl Object for Sample {
        const EXPECTING: &'static str = "struct Sample";
        fn decode<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
            let mut id: Option<String> = None;
            let mut note: Option<Option<String>> = None;
            let mut parent: Option<Nullable<String>> = None;
            let mut previous: Option<Nullable<i64>> = None;
            let mut any: Option<serde_json::Value> = None;
            let mut unknown_fields = BTreeMap::new();
            read_properties(&mut map, |map, key| match key.as_str() {
                "id" => field(map, &mut id, "id"),
                "note" => field(map, &mut note, "note"),
                "parent" => field(map, &mut parent, "parent"),
                "previous" => field(map, &mut previous, "previous"),
                "any" => field(map, &mut any, "any"),
                _ => rest(map, &mut unknown_fields, key),
            })
            .and_then(|()| {
                let Some(id) = id else {
                    return Err(de::Error::missing_field("id"));
                };
                let Some(any) = any else {
                    return Err(de::Error::missing_field("any"));
                };
                Ok(Sample {
                    id,
                    note: note.flatten(),
                    parent: parent.unwrap_or(Nullable::Null),
                    previous,
                    any,
                    unknown_fields,
                })
            })
        }
    }

    crate::object_impls!(Sample);

    /// The same struct as serde's derive decodes it, with the attributes the generator
    /// wrote before it wrote [`Object`] impls: the behaviour to keep.
    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Derived {
        id: String,
        #[serde(default)]
        note: Option<String>,
        parent: Nullable<String>,
        #[serde(default, deserialize_with = "crate::wire::present")]
        previous: Option<Nullable<i64>>,
        any: serde_json::Value,
        #[serde(flatten)]
        unknown_fields: BTreeMap<String, serde_json::Value>,
    }

    fn decode(json: &str) -> Result<Sample, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    fn same_as_derived(json: &str) -> Result<Sample, String> {
        let derived = serde_json::from_str::<Derived>(json).map_err(|e| e.to_string());
        let ours = decode(json);
        let as_derived = ours.as_ref().map(|s| Derived {
            id: s.id.clone(),
            note: s.note.clone(),
            parent: s.parent.clone(),
            previous: s.previous.clone(),
            any: s.any.clone(),
            unknown_fields: s.unknown_fields.clone(),
        });
        assert_eq!(as_derived.map_err(Clone::clone), derived, "{json}");
        ours
    }

    #[test]
    fn listed_properties_fill_their_fields_and_the_others_are_kept() {
        let s = same_as_derived(
            r#"{"id":"a","note":"n","parent":"p","previous":3,"any":[1],"x":{"y":1}}"#,
        )
        .unwrap();
        assert_eq!(s.id, "a");
        assert_eq!(s.note.as_deref(), Some("n"));
        assert_eq!(s.parent, Nullable::Value("p".to_owned()));
        assert_eq!(s.previous, Some(Nullable::Value(3)));
        assert_eq!(s.any, serde_json::json!([1]));
        assert_eq!(s.unknown_fields["x"], serde_json::json!({"y": 1}));
        assert_eq!(s.unknown_fields.len(), 1);
    }

    #[test]
    fn absence_and_null_are_told_apart_as_serde_derive_does() {
        // Absent: an optional is `None`; a required nullable is null.
        let s = same_as_derived(r#"{"id":"a","any":1}"#).unwrap();
        assert_eq!((s.note, s.previous), (None, None));
        assert_eq!(s.parent, Nullable::Null);
        // Present as null: an optional nullable is `Some(Null)`, an optional plain is `None`.
        let s = same_as_derived(r#"{"id":"a","note":null,"previous":null,"any":null}"#).unwrap();
        assert_eq!(s.note, None);
        assert_eq!(s.previous, Some(Nullable::Null));
        assert_eq!(s.any, serde_json::Value::Null);
    }

    #[test]
    fn errors_are_serde_derive_s() {
        let cases = [
            (
                r#"{"note":"n","any":1}"#,
                "missing field `id` at line 1 column 20",
            ),
            (r#"{"id":"a"}"#, "missing field `any` at line 1 column 10"),
            (
                r#"{"id":"a","id":"b","any":1}"#,
                "duplicate field `id` at line 1 column 14",
            ),
            (
                r#"{"id":1,"any":1}"#,
                "invalid type: integer `1`, expected a string at line 1 column 7",
            ),
            (
                r#"{"id":"a","any":1,"previous":"x"}"#,
                "invalid type: string \"x\", expected i64 at line 1 column 32",
            ),
        ];
        for (json, message) in cases {
            assert_eq!(same_as_derived(json).unwrap_err(), message, "{json}");
        }
        // Not an object: serde's derive would name its own visitor; ours names the struct.
        assert_eq!(
            decode(r#"["a"]"#).unwrap_err(),
            "invalid type: sequence, expected struct Sample at line 1 column 0"
        );
    }

    #[test]
    fn escaped_and_transient_keys_decode_like_borrowed_ones() {
        // An escaped key cannot be borrowed from the text; a reader gives transient keys.
        let s = same_as_derived(r#"{"\u0069d":"a","any":0,"n\u00e9w":1}"#).unwrap();
        assert_eq!(
            (s.id.as_str(), &s.unknown_fields["néw"]),
            ("a", &serde_json::json!(1))
        );
        let s: Sample = serde_json::from_reader(&br#"{"id":"r","any":0,"k":2}"#[..]).unwrap();
        assert_eq!(
            (s.id.as_str(), &s.unknown_fields["k"]),
            ("r", &serde_json::json!(2))
        );
        // From a `Value` (keys owned).
        let v = serde_json::json!({"id": "v", "any": 0, "z": null});
        let s: Sample = serde_json::from_value(v).unwrap();
        assert_eq!(
            (s.id.as_str(), &s.unknown_fields["z"]),
            ("v", &serde_json::Value::Null)
        );
    }
}
