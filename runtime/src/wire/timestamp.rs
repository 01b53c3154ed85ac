//! [`Timestamp`]: date-times kept exactly as received, parsed with a list of formats.

use std::fmt::{self, Write as _};
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::str::FromStr;

use chrono::format::ParseErrorKind;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

/// The formats a [`Timestamp`] is parsed with; implemented by generated marker types.
pub trait TimestampFormats {
    /// chrono strftime patterns tried in order; a pattern containing `%z`/`%:z`/`%#z` yields an
    /// offset date-time, else a local (zone-less) one.
    ///
    /// Every offset specifier (`%z`, `%:z`, `%::z`, `%:::z`, `%#z`) and `%+` counts as a zone.
    /// A zone-less pattern without a time (such as `%Y-%m-%d`) yields midnight.
    const FORMATS: &'static [&'static str];
}

/// A parsed timestamp: with or without a UTC offset, depending on the format that matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimestampValue {
    /// A date-time without a zone (Zuora's tenant-local time).
    Local(NaiveDateTime),
    /// A date-time with an explicit UTC offset.
    Offset(DateTime<FixedOffset>),
}

impl TimestampValue {
    /// The wall-clock date-time: the value itself, or for an offset one its local time.
    pub fn naive_local(&self) -> NaiveDateTime {
        match self {
            Self::Local(local) => *local,
            Self::Offset(offset) => offset.naive_local(),
        }
    }

    /// The UTC offset, if the value has one.
    pub fn offset(&self) -> Option<FixedOffset> {
        match self {
            Self::Local(_) => None,
            Self::Offset(offset) => Some(*offset.offset()),
        }
    }
}

/// A string that matches none of a [`Timestamp`]'s formats.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("timestamp {input:?} matches none of the expected formats {expected:?}")]
pub struct TimestampError {
    input: String,
    expected: &'static [&'static str],
}

impl TimestampError {
    /// The rejected string.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// The patterns that were tried.
    pub fn expected(&self) -> &'static [&'static str] {
        self.expected
    }
}

/// A date-time kept exactly as received, with its value when one of `F`'s formats matches.
///
/// Decoding never fails on an unrecognised string (a new format must not break old clients):
/// the value is then `None`. [`Timestamp::parse`] and `FromStr` are the strict alternatives.
/// Encoding sends the string received, unchanged.
///
/// `Clone`, `PartialEq`, `Eq` and `Hash` are based on the string, so they need no bounds on `F`.
pub struct Timestamp<F> {
    raw: String,
    value: Option<TimestampValue>,
    formats: PhantomData<fn() -> F>,
}

/// Whether a strftime pattern contains a UTC offset (`%z` in any form, or `%+`).
fn has_zone(pattern: &str) -> bool {
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        // Skip padding, precision and colon/`#` modifiers, then look at the specifier.
        for spec in chars.by_ref() {
            match spec {
                '-' | '_' | '0'..='9' | '.' | ':' | '#' => continue,
                'z' | '+' => return true,
                _ => break,
            }
        }
    }
    false
}

/// Parses `s` with a single pattern.
fn parse_with(s: &str, pattern: &str) -> Option<TimestampValue> {
    if has_zone(pattern) {
        return DateTime::parse_from_str(s, pattern)
            .ok()
            .map(TimestampValue::Offset);
    }
    match NaiveDateTime::parse_from_str(s, pattern) {
        Ok(local) => Some(TimestampValue::Local(local)),
        Err(e) if e.kind() == ParseErrorKind::NotEnough => NaiveDate::parse_from_str(s, pattern)
            .ok()
            .map(|date| TimestampValue::Local(date.and_time(NaiveTime::MIN))),
        Err(_) => None,
    }
}

/// Parses `s` with the first of `F`'s formats that matches.
fn recognize<F: TimestampFormats>(s: &str) -> Option<TimestampValue> {
    F::FORMATS.iter().find_map(|pattern| parse_with(s, pattern))
}

/// Renders a chrono formatter, or `None` if chrono cannot (e.g. an offset for a local value).
fn format_with(value: impl fmt::Display) -> Option<String> {
    let mut out = String::new();
    write!(out, "{value}").ok()?;
    Some(out)
}

impl<F: TimestampFormats> Timestamp<F> {
    /// Parses `s` strictly: it must match one of `F`'s formats.
    pub fn parse(s: &str) -> Result<Self, TimestampError> {
        match recognize::<F>(s) {
            Some(value) => Ok(Self::with_value(s.to_owned(), Some(value))),
            None => Err(TimestampError {
                input: s.to_owned(),
                expected: F::FORMATS,
            }),
        }
    }

    /// Keeps `raw` as is, parsing it if one of `F`'s formats matches (lenient).
    pub fn from_raw(raw: impl Into<String>) -> Self {
        let raw = raw.into();
        let value = recognize::<F>(&raw);
        Self::with_value(raw, value)
    }

    /// Formats a zone-less date-time with the first zone-less pattern of `F` (else the first
    /// pattern; if chrono cannot format with it, `%Y-%m-%dT%H:%M:%S%.f`).
    ///
    /// The value is the one the formatted string parses back to (a pattern without seconds
    /// drops them), or `local` if the string matches none of `F`'s formats.
    pub fn from_local(local: NaiveDateTime) -> Self {
        let pattern = F::FORMATS
            .iter()
            .find(|p| !has_zone(p))
            .or(F::FORMATS.first());
        let raw = pattern
            .and_then(|p| format_with(local.format(p)))
            .unwrap_or_else(|| local.format("%Y-%m-%dT%H:%M:%S%.f").to_string());
        let value = recognize::<F>(&raw).or(Some(TimestampValue::Local(local)));
        Self::with_value(raw, value)
    }

    /// Formats a date-time with an offset with the first pattern of `F` that has a zone (else,
    /// or if chrono cannot format with it, as RFC 3339).
    ///
    /// The value is the one the formatted string parses back to, or `offset` if the string
    /// matches none of `F`'s formats.
    pub fn from_offset(offset: DateTime<FixedOffset>) -> Self {
        let raw = F::FORMATS
            .iter()
            .find(|p| has_zone(p))
            .and_then(|p| format_with(offset.format(p)))
            .unwrap_or_else(|| offset.to_rfc3339());
        let value = recognize::<F>(&raw).or(Some(TimestampValue::Offset(offset)));
        Self::with_value(raw, value)
    }
}

impl<F> Timestamp<F> {
    fn with_value(raw: String, value: Option<TimestampValue>) -> Self {
        Self {
            raw,
            value,
            formats: PhantomData,
        }
    }

    /// The string exactly as received (or as formatted).
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The parsed value, `None` if no format matched.
    pub fn value(&self) -> Option<&TimestampValue> {
        self.value.as_ref()
    }

    /// Whether one of the formats matched.
    pub fn is_recognized(&self) -> bool {
        self.value.is_some()
    }
}

impl<F: TimestampFormats> FromStr for Timestamp<F> {
    type Err = TimestampError;

    fn from_str(s: &str) -> Result<Self, TimestampError> {
        Self::parse(s)
    }
}

impl<F> fmt::Display for Timestamp<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl<F> fmt::Debug for Timestamp<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timestamp")
            .field("raw", &self.raw)
            .field("value", &self.value)
            .finish()
    }
}

impl<F> Clone for Timestamp<F> {
    fn clone(&self) -> Self {
        Self::with_value(self.raw.clone(), self.value)
    }
}

/// Compares the strings: the same instant written differently is a different timestamp.
impl<F> PartialEq for Timestamp<F> {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl<F> Eq for Timestamp<F> {}

impl<F> Hash for Timestamp<F> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.raw.hash(state);
    }
}

impl<F> Serialize for Timestamp<F> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

impl<'de, F: TimestampFormats> Deserialize<'de> for Timestamp<F> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_string(TimestampVisitor(PhantomData))
    }
}

struct TimestampVisitor<F>(PhantomData<fn() -> F>);

impl<F: TimestampFormats> Visitor<'_> for TimestampVisitor<F> {
    type Value = Timestamp<F>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a timestamp string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Timestamp::from_raw(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Timestamp::from_raw(v))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::{NaiveDate, TimeZone};

    use super::*;

    /// Zuora's two documented forms.
    struct Zuora;

    impl TimestampFormats for Zuora {
        const FORMATS: &'static [&'static str] = &["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"];
    }

    /// Offset pattern first, to check which pattern each constructor picks.
    struct OffsetFirst;

    impl TimestampFormats for OffsetFirst {
        const FORMATS: &'static [&'static str] = &["%Y-%m-%dT%H:%M:%S%:z", "%d/%m/%Y %H:%M"];
    }

    struct OnlyOffset;

    impl TimestampFormats for OnlyOffset {
        const FORMATS: &'static [&'static str] = &["%Y-%m-%dT%H:%M:%S%z"];
    }

    struct OnlyLocal;

    impl TimestampFormats for OnlyLocal {
        const FORMATS: &'static [&'static str] = &["%Y-%m-%d"];
    }

    struct NoFormats;

    impl TimestampFormats for NoFormats {
        const FORMATS: &'static [&'static str] = &[];
    }

    type Ts = Timestamp<Zuora>;

    fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, s)
            .unwrap()
    }

    #[test]
    fn zone_detection() {
        for zoned in [
            "%z",
            "x%:zy",
            "%::z",
            "%:::z",
            "%#z",
            "%+",
            "%Y-%m-%dT%H:%M:%S%z",
        ] {
            assert!(has_zone(zoned), "{zoned}");
        }
        for plain in ["", "%Y-%m-%d %H:%M:%S", "%%z", "z", "%Z", "%.3f", "%"] {
            assert!(!has_zone(plain), "{plain}");
        }
    }

    #[test]
    fn local_form_decodes_and_round_trips() {
        let json = r#""2014-09-03 08:24:58""#;
        let ts: Ts = serde_json::from_str(json).unwrap();
        assert!(ts.is_recognized());
        assert_eq!(
            ts.value(),
            Some(&TimestampValue::Local(local(2014, 9, 3, 8, 24, 58)))
        );
        assert_eq!(ts.value().unwrap().offset(), None);
        assert_eq!(ts.as_str(), "2014-09-03 08:24:58");
        assert_eq!(serde_json::to_string(&ts).unwrap(), json);
    }

    #[test]
    fn offset_form_decodes_and_round_trips() {
        let json = r#""2021-01-18T17:13:48+0000""#;
        let ts: Ts = serde_json::from_str(json).unwrap();
        let utc = FixedOffset::east_opt(0).unwrap();
        let expected = utc.with_ymd_and_hms(2021, 1, 18, 17, 13, 48).unwrap();
        assert_eq!(ts.value(), Some(&TimestampValue::Offset(expected)));
        let value = ts.value().unwrap();
        assert_eq!(value.offset(), Some(utc));
        assert_eq!(value.naive_local(), local(2021, 1, 18, 17, 13, 48));
        assert_eq!(serde_json::to_string(&ts).unwrap(), json);
    }

    #[test]
    fn non_utc_offset_keeps_local_wall_time() {
        let ts: Ts = serde_json::from_str(r#""2021-01-18T17:13:48-0800""#).unwrap();
        let value = ts.value().unwrap();
        assert_eq!(value.offset(), FixedOffset::west_opt(8 * 3600));
        assert_eq!(value.naive_local(), local(2021, 1, 18, 17, 13, 48));
        assert_eq!(
            serde_json::to_string(&ts).unwrap(),
            r#""2021-01-18T17:13:48-0800""#
        );
    }

    #[test]
    fn unknown_format_is_kept_leniently() {
        for raw in ["yesterday", "", "2021-01-18", "2014-09-03 08:24:58.123"] {
            let json = serde_json::to_string(raw).unwrap();
            let ts: Ts = serde_json::from_str(&json).unwrap();
            assert_eq!(ts.value(), None, "{raw}");
            assert!(!ts.is_recognized());
            assert_eq!(ts.as_str(), raw);
            assert_eq!(serde_json::to_string(&ts).unwrap(), json);
            assert!(Ts::parse(raw).is_err(), "{raw}");
        }
        assert!(!Ts::from_raw("yesterday").is_recognized());
        assert!(Ts::from_raw(String::from("2014-09-03 08:24:58")).is_recognized());
    }

    #[test]
    fn owned_string_input() {
        let ts: Ts = serde_json::from_value(serde_json::json!("2014-09-03 08:24:58")).unwrap();
        assert!(ts.is_recognized());
        assert_eq!(
            serde_json::to_value(&ts).unwrap(),
            serde_json::json!("2014-09-03 08:24:58")
        );
    }

    #[test]
    fn non_strings_are_rejected() {
        for json in ["1410000000", "null", "true", "[]", "{}"] {
            let err = serde_json::from_str::<Ts>(json).unwrap_err();
            assert!(
                err.to_string().contains("expected a timestamp string"),
                "{json}: {err}"
            );
        }
    }

    #[test]
    fn strict_parse_and_error_message() {
        let ts = Ts::parse("2014-09-03 08:24:58").unwrap();
        assert_eq!(ts.as_str(), "2014-09-03 08:24:58");
        let ts: Ts = "2021-01-18T17:13:48+0000".parse().unwrap();
        assert!(matches!(ts.value(), Some(TimestampValue::Offset(_))));

        let err = Ts::parse("yesterday").unwrap_err();
        assert_eq!(err.input(), "yesterday");
        assert_eq!(err.expected(), Zuora::FORMATS);
        let message = err.to_string();
        assert!(message.contains("\"yesterday\""), "{message}");
        assert!(message.contains("%Y-%m-%d %H:%M:%S"), "{message}");
        assert!(message.contains("%Y-%m-%dT%H:%M:%S%z"), "{message}");
        assert!("nope".parse::<Ts>().is_err());
        assert!(Timestamp::<NoFormats>::parse("2014-09-03 08:24:58").is_err());
    }

    #[test]
    fn from_local_uses_first_zone_less_pattern() {
        let dt = local(2014, 9, 3, 8, 24, 58);
        let ts = Ts::from_local(dt);
        assert_eq!(ts.as_str(), "2014-09-03 08:24:58");
        assert_eq!(ts.value(), Some(&TimestampValue::Local(dt)));

        let ts = Timestamp::<OffsetFirst>::from_local(dt);
        assert_eq!(ts.as_str(), "03/09/2014 08:24");
        // The pattern has no seconds: the value is what the string says.
        assert_eq!(
            ts.value(),
            Some(&TimestampValue::Local(local(2014, 9, 3, 8, 24, 0)))
        );
    }

    #[test]
    fn from_local_without_usable_pattern_falls_back() {
        let dt = local(2014, 9, 3, 8, 24, 58);
        let ts = Timestamp::<OnlyOffset>::from_local(dt);
        assert_eq!(ts.as_str(), "2014-09-03T08:24:58");
        assert_eq!(ts.value(), Some(&TimestampValue::Local(dt)));
        let ts = Timestamp::<NoFormats>::from_local(dt);
        assert_eq!(ts.as_str(), "2014-09-03T08:24:58");
    }

    #[test]
    fn from_offset_uses_first_zoned_pattern() {
        let offset = FixedOffset::east_opt(3600).unwrap();
        let dt = offset.with_ymd_and_hms(2021, 1, 18, 17, 13, 48).unwrap();
        let ts = Ts::from_offset(dt);
        assert_eq!(ts.as_str(), "2021-01-18T17:13:48+0100");
        assert_eq!(ts.value(), Some(&TimestampValue::Offset(dt)));
        let ts = Timestamp::<OffsetFirst>::from_offset(dt);
        assert_eq!(ts.as_str(), "2021-01-18T17:13:48+01:00");
        let ts = Timestamp::<OnlyLocal>::from_offset(dt);
        assert_eq!(ts.as_str(), "2021-01-18T17:13:48+01:00");
        assert_eq!(ts.value(), Some(&TimestampValue::Offset(dt)));
    }

    #[test]
    fn date_only_pattern_yields_midnight() {
        let ts: Timestamp<OnlyLocal> = serde_json::from_str(r#""2021-01-18""#).unwrap();
        assert_eq!(
            ts.value(),
            Some(&TimestampValue::Local(local(2021, 1, 18, 0, 0, 0)))
        );
        assert_eq!(serde_json::to_string(&ts).unwrap(), r#""2021-01-18""#);
        assert!(!Timestamp::<OnlyLocal>::from_raw("2021-01-18 x").is_recognized());
    }

    #[test]
    fn display_debug_eq_hash_are_based_on_raw() {
        let a = Ts::from_raw("2021-01-18T17:13:48+0000");
        let b = Ts::from_raw("2021-01-18T17:13:48+00:00");
        assert_eq!(a.value(), b.value());
        assert_ne!(a, b);
        assert_eq!(a, a.clone());
        let set: HashSet<_> = [a.clone(), a.clone(), b].into();
        assert_eq!(set.len(), 2);
        assert_eq!(a.to_string(), "2021-01-18T17:13:48+0000");
        let debug = format!("{a:?}");
        assert!(
            debug
                .starts_with(r#"Timestamp { raw: "2021-01-18T17:13:48+0000", value: Some(Offset("#),
            "{debug}"
        );
        assert_eq!(
            format!("{:?}", Ts::from_raw("x")),
            r#"Timestamp { raw: "x", value: None }"#
        );
    }
}
