//! [`Caseless`]: string enums whose wire values are matched ignoring ASCII case.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::ops::Deref;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

use super::{StringEnum, is_known};

/// A [`StringEnum`] value whose wire spelling is matched case-insensitively.
///
/// Zuora answers `"CSV"` where its documents say `"csv"`; decoding such a value yields the
/// known variant and remembers the spelling received, which is what gets encoded again.
///
/// Matching, for a received string `s`: if [`StringEnum::from_wire`] gives a known value, that
/// value is kept; otherwise the first entry of [`StringEnum::KNOWN`] equal to `s` ignoring
/// ASCII case is used; otherwise the unknown (fallback) value is kept.
///
/// Equality and hashing compare the semantic value only: `"CSV"` and `"csv"` decode to equal
/// `Caseless` values even though they re-encode differently.
pub struct Caseless<E> {
    value: E,
    /// The spelling received, when it differs from `value.as_wire()`.
    raw: Option<Box<str>>,
}

impl<E> Caseless<E> {
    /// Wraps a value; it is sent with its canonical spelling.
    pub fn new(value: E) -> Self {
        Self { value, raw: None }
    }

    /// The semantic value.
    pub fn get(&self) -> &E {
        &self.value
    }

    /// Unwraps the semantic value, forgetting the spelling received.
    pub fn into_inner(self) -> E {
        self.value
    }

    /// The spelling received, when it differs from the canonical one.
    pub fn raw(&self) -> Option<&str> {
        self.raw.as_deref()
    }
}

impl<E: StringEnum> Caseless<E> {
    /// Matches a wire string as described on [`Caseless`].
    pub fn from_wire(s: &str) -> Self {
        let value = E::from_wire(s);
        let value = if is_known(&value) {
            value
        } else {
            match E::KNOWN.iter().find(|known| known.eq_ignore_ascii_case(s)) {
                Some(known) => E::from_wire(known),
                None => value,
            }
        };
        let raw = (value.as_wire() != s).then(|| Box::from(s));
        Self { value, raw }
    }

    /// The spelling that is sent: the one received, else the canonical one.
    pub fn as_wire(&self) -> &str {
        match &self.raw {
            Some(raw) => raw,
            None => self.value.as_wire(),
        }
    }
}

impl<E> Deref for Caseless<E> {
    type Target = E;

    fn deref(&self) -> &E {
        &self.value
    }
}

impl<E> From<E> for Caseless<E> {
    fn from(value: E) -> Self {
        Self::new(value)
    }
}

impl<E: fmt::Debug> fmt::Debug for Caseless<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Caseless");
        s.field("value", &self.value);
        if let Some(raw) = &self.raw {
            s.field("raw", raw);
        }
        s.finish()
    }
}

impl<E: Clone> Clone for Caseless<E> {
    fn clone(&self) -> Self {
        Self {
            value: self.value.clone(),
            raw: self.raw.clone(),
        }
    }
}

/// Compares the semantic values only, not the spellings received.
impl<E: PartialEq> PartialEq for Caseless<E> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<E: Eq> Eq for Caseless<E> {}

/// Hashes the semantic value only, consistently with `PartialEq`.
impl<E: Hash> Hash for Caseless<E> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl<E: StringEnum> Serialize for Caseless<E> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_wire())
    }
}

impl<'de, E: StringEnum> Deserialize<'de> for Caseless<E> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(CaselessVisitor(PhantomData))
    }
}

struct CaselessVisitor<E>(PhantomData<fn() -> E>);

impl<E: StringEnum> Visitor<'_> for CaselessVisitor<E> {
    type Value = Caseless<E>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<Er: de::Error>(self, v: &str) -> Result<Self::Value, Er> {
        Ok(Caseless::from_wire(v))
    }
}

impl<E: StringEnum> fmt::Display for Caseless<E> {
    /// Writes the spelling that will be sent (the one received, if it differed).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_wire())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    enum Format {
        Csv,
        Tsv,
        Unknown(String),
    }

    impl StringEnum for Format {
        const KNOWN: &'static [&'static str] = &["csv", "tsv"];

        fn from_wire(s: &str) -> Self {
            match s {
                "csv" => Self::Csv,
                "tsv" => Self::Tsv,
                other => Self::Unknown(other.to_owned()),
            }
        }

        fn as_wire(&self) -> &str {
            match self {
                Self::Csv => "csv",
                Self::Tsv => "tsv",
                Self::Unknown(s) => s,
            }
        }
    }

    /// A type with neither `Clone`, `PartialEq`, `Hash` nor `Debug`.
    struct Bare(String);

    impl StringEnum for Bare {
        const KNOWN: &'static [&'static str] = &["a"];

        fn from_wire(s: &str) -> Self {
            Self(s.to_owned())
        }

        fn as_wire(&self) -> &str {
            &self.0
        }
    }

    fn decode(json: &str) -> Caseless<Format> {
        serde_json::from_str(json).unwrap()
    }

    fn round_trip(json: &str) -> String {
        serde_json::to_string(&decode(json)).unwrap()
    }

    #[test]
    fn exact_known_value() {
        let v = decode(r#""csv""#);
        assert_eq!(*v.get(), Format::Csv);
        assert_eq!(v.raw(), None);
        assert_eq!(v.as_wire(), "csv");
        assert_eq!(round_trip(r#""csv""#), r#""csv""#);
    }

    #[test]
    fn other_case_maps_to_known_value_and_keeps_spelling() {
        for spelling in ["CSV", "Csv", "cSv"] {
            let json = format!("\"{spelling}\"");
            let v = decode(&json);
            assert_eq!(*v, Format::Csv, "{spelling}");
            assert_eq!(v.raw(), Some(spelling));
            assert_eq!(v.as_wire(), spelling);
            assert_eq!(round_trip(&json), json);
        }
        assert_eq!(decode(r#""TSV""#).into_inner(), Format::Tsv);
    }

    #[test]
    fn unknown_value_is_kept() {
        let v = decode(r#""XLSX""#);
        assert_eq!(*v, Format::Unknown("XLSX".into()));
        assert_eq!(v.raw(), None);
        assert_eq!(round_trip(r#""XLSX""#), r#""XLSX""#);
        // Non-ASCII case folding is not attempted.
        assert_eq!(*decode(r#""ＣＳＶ""#), Format::Unknown("ＣＳＶ".into()));
    }

    #[test]
    fn escaped_input_round_trips() {
        let v = decode(r#""\u0043SV""#);
        assert_eq!(*v, Format::Csv);
        assert_eq!(serde_json::to_string(&v).unwrap(), r#""CSV""#);
    }

    #[test]
    fn owned_string_input() {
        let v: Caseless<Format> = serde_json::from_value(serde_json::json!("Tsv")).unwrap();
        assert_eq!(*v, Format::Tsv);
        assert_eq!(serde_json::to_value(&v).unwrap(), serde_json::json!("Tsv"));
    }

    #[test]
    fn non_strings_are_rejected() {
        for json in ["1", "null", "true", "[\"csv\"]", "{}"] {
            let err = serde_json::from_str::<Caseless<Format>>(json).unwrap_err();
            assert!(
                err.to_string().contains("expected a string"),
                "{json}: {err}"
            );
        }
    }

    #[test]
    fn equality_and_hash_ignore_spelling() {
        let upper = decode(r#""CSV""#);
        let lower = decode(r#""csv""#);
        assert_eq!(upper, lower);
        assert_ne!(upper, decode(r#""tsv""#));
        assert_ne!(decode(r#""XLSX""#), decode(r#""xlsx""#));
        let set: HashSet<_> = [upper, lower, Caseless::new(Format::Csv)].into();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn construction_uses_canonical_spelling() {
        let v = Caseless::new(Format::Tsv);
        assert_eq!(v.as_wire(), "tsv");
        assert_eq!(serde_json::to_string(&v).unwrap(), r#""tsv""#);
        let v: Caseless<Format> = Format::Csv.into();
        assert_eq!(v.raw(), None);
        assert_eq!(v.as_wire(), "csv");
        assert_eq!(v.clone(), v);
        assert_eq!(decode(r#""CSV""#).clone().as_wire(), "CSV");
    }

    #[test]
    fn debug_shows_raw_only_when_different() {
        assert_eq!(
            format!("{:?}", decode(r#""csv""#)),
            "Caseless { value: Csv }"
        );
        assert_eq!(
            format!("{:?}", decode(r#""CSV""#)),
            r#"Caseless { value: Csv, raw: "CSV" }"#
        );
    }

    #[test]
    fn needs_no_extra_bounds() {
        let v: Caseless<Bare> = serde_json::from_str(r#""A""#).unwrap();
        assert_eq!(v.get().0, "a");
        assert_eq!(v.as_wire(), "A");
        assert_eq!(serde_json::to_string(&v).unwrap(), r#""A""#);
        assert_eq!(Caseless::new(Bare("b".into())).into_inner().0, "b");
    }
}
