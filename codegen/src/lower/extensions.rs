//! Vendor extensions as data: for each extension the generator reads, a name constant, the
//! place in the document where it goes, and a `Deserialize` type for its value, read through
//! [`Lowerer::extension`]. `extension_keys.rs` reports every other `x-aqua-*` key.
//!
//! To add an extension: a type here with its [`Extension`] impl, a line in [`KNOWN`], and
//! the code that reads it where its place is lowered.

use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Lowerer;
use crate::diag::Pointer;

/// The kind of object an extensions map belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Place {
    Document,
    Info,
    Contact,
    License,
    /// A server of the document's `servers`.
    Server,
    /// A server of a path item or an operation.
    LocalServer,
    ServerVariable,
    Components,
    Paths,
    PathItem,
    Operation,
    ExternalDocs,
    Parameter,
    RequestBody,
    MediaType,
    Encoding,
    Responses,
    Response,
    Header,
    Link,
    Example,
    Tag,
    Schema,
    Discriminator,
    SecurityScheme,
    OAuthFlows,
    OAuthFlow,
}

impl Place {
    /// The kind of object, for messages (`a schema`).
    pub(super) fn describe(self) -> &'static str {
        match self {
            Place::Document => "the document's root",
            Place::Info => "`info`",
            Place::Contact => "`info.contact`",
            Place::License => "`info.license`",
            Place::Server => "a server of the document's `servers`",
            Place::LocalServer => "a server of a path or an operation",
            Place::ServerVariable => "a server variable",
            Place::Components => "`components`",
            Place::Paths => "`paths`",
            Place::PathItem => "a path item",
            Place::Operation => "an operation",
            Place::ExternalDocs => "`externalDocs`",
            Place::Parameter => "a parameter",
            Place::RequestBody => "a request body",
            Place::MediaType => "a media type",
            Place::Encoding => "an encoding",
            Place::Responses => "`responses`",
            Place::Response => "a response",
            Place::Header => "a header",
            Place::Link => "a link",
            Place::Example => "an example",
            Place::Tag => "a tag",
            Place::Schema => "a schema",
            Place::Discriminator => "a discriminator",
            Place::SecurityScheme => "a security scheme",
            Place::OAuthFlows => "OAuth flows",
            Place::OAuthFlow => "an OAuth flow",
        }
    }
}

/// A vendor extension: its key, where it goes, and (the type itself) the shape of its value.
pub(super) trait Extension: DeserializeOwned {
    /// The key (`x-aqua-poll`).
    const NAME: &'static str;
    /// The kind of object it belongs to.
    const PLACE: Place;

    /// The extension in the extensions of an object: `None` when absent, else its value read
    /// as `Self` (nothing is reported: see [`Lowerer::extension`]).
    fn read(extensions: &IndexMap<String, Value>) -> Option<Result<Self, Invalid>> {
        let value = extensions.get(Self::NAME)?;
        Some(Self::deserialize(value).map_err(|_| Invalid))
    }
}

/// Every `x-aqua-*` extension the generator reads, and where it goes.
pub(super) const KNOWN: &[(&str, Place)] = &[
    (ServerName::NAME, ServerName::PLACE),
    (TimestampFormats::NAME, TimestampFormats::PLACE),
    (CaseInsensitive::NAME, CaseInsensitive::PLACE),
    (Flex::NAME, Flex::PLACE),
    (ErrorInBody::NAME, ErrorInBody::PLACE),
    (Poll::NAME, Poll::PLACE),
    (PathVariants::NAME, PathVariants::PLACE),
    (VariantOf::NAME, VariantOf::PLACE),
    (Transport::NAME, Transport::PLACE),
    (IdempotencyKey::NAME, IdempotencyKey::PLACE),
    (RawHttp::NAME, RawHttp::PLACE),
    (AreaFeature::NAME, AreaFeature::PLACE),
];

/// `x-aqua-name` on a server: the Rust name of its `Environment` variant.
#[derive(Debug, Deserialize)]
pub(super) struct ServerName(pub String);

impl Extension for ServerName {
    const NAME: &'static str = "x-aqua-name";
    const PLACE: Place = Place::Server;
}

/// `x-aqua-timestamp-formats` on a string schema: chrono patterns, tried in order.
#[derive(Debug, Deserialize)]
pub(super) struct TimestampFormats(pub Vec<String>);

impl Extension for TimestampFormats {
    const NAME: &'static str = "x-aqua-timestamp-formats";
    const PLACE: Place = Place::Schema;
}

/// `x-aqua-case-insensitive` on a string enum: values match ignoring ASCII case.
#[derive(Debug, Deserialize)]
pub(super) struct CaseInsensitive(pub bool);

impl Extension for CaseInsensitive {
    const NAME: &'static str = "x-aqua-case-insensitive";
    const PLACE: Place = Place::Schema;
}

/// `x-aqua-flex` on a `oneOf` of scalars: the one logical value its forms stand for.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(super) enum Flex {
    Integer,
    String,
    Boolean,
}

impl Flex {
    /// The value as written.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Flex::Integer => "integer",
            Flex::String => "string",
            Flex::Boolean => "boolean",
        }
    }
}

impl Extension for Flex {
    const NAME: &'static str = "x-aqua-flex";
    const PLACE: Place = Place::Schema;
}

/// `x-aqua-error-in-body` on a success response: when the property `absent` is absent, the
/// body may be an error of `schema`.
#[derive(Debug, Deserialize)]
pub(super) struct ErrorInBody {
    pub absent: String,
    /// A schema (a `$ref` to the error schema), read as `openapiv3` reads schemas.
    pub schema: Value,
}

impl Extension for ErrorInBody {
    const NAME: &'static str = "x-aqua-error-in-body";
    const PLACE: Place = Place::Response;
}

/// `x-aqua-poll` on an operation: how to wait for the resource it reads.
#[derive(Debug, Deserialize)]
pub(super) struct Poll {
    /// The Rust name of the waiting method.
    pub method: String,
    /// The watched property of the success body.
    pub property: String,
    pub success: Vec<String>,
    pub failure: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

impl Extension for Poll {
    const NAME: &'static str = "x-aqua-poll";
    const PLACE: Place = Place::Operation;
}

/// `x-aqua-path-variants` on an operation: a list of [`PathVariant`]s, each read on its own.
#[derive(Debug, Deserialize)]
pub(super) struct PathVariants(pub Vec<Value>);

impl Extension for PathVariants {
    const NAME: &'static str = "x-aqua-path-variants";
    const PLACE: Place = Place::Operation;
}

/// `x-aqua-feature` on an operation: the API area (cargo feature of `aqua-codegen crate`) it
/// is in, instead of its first tag's.
#[derive(Debug, Deserialize)]
pub(super) struct AreaFeature(pub String);

impl Extension for AreaFeature {
    const NAME: &'static str = "x-aqua-feature";
    const PLACE: Place = Place::Operation;
}

/// `x-aqua-variant-of` on an operation: the operation it is, on the servers of its path item
/// (see `Lowerer::fold_variant`).
#[derive(Debug, Deserialize)]
pub(super) struct VariantOf(pub String);

impl Extension for VariantOf {
    const NAME: &'static str = "x-aqua-variant-of";
    const PLACE: Place = Place::Operation;
}

/// One of `x-aqua-path-variants`: another path, on the servers whose URL path is
/// `server-path`.
#[derive(Debug, Deserialize)]
pub(super) struct PathVariant {
    #[serde(rename = "server-path")]
    pub server_path: String,
    pub path: String,
    /// For readers of the spec.
    #[serde(default)]
    pub description: Option<String>,
}

/// `x-aqua-transport` on an optional header parameter: the transport sets it.
#[derive(Debug, Deserialize)]
pub(super) struct Transport(pub bool);

impl Extension for Transport {
    const NAME: &'static str = "x-aqua-transport";
    const PLACE: Place = Place::Parameter;
}

/// `x-aqua-idempotency-key` on an optional header parameter: the operation's idempotency key.
#[derive(Debug, Deserialize)]
pub(super) struct IdempotencyKey(pub bool);

impl Extension for IdempotencyKey {
    const NAME: &'static str = "x-aqua-idempotency-key";
    const PLACE: Place = Place::Parameter;
}

/// `x-aqua-raw-http` on an example: the documented raw HTTP exchange.
#[derive(Debug, Deserialize)]
pub(super) struct RawHttp(pub String);

impl Extension for RawHttp {
    const NAME: &'static str = "x-aqua-raw-http";
    const PLACE: Place = Place::Example;
}

/// `x-enum-descriptions` on an enum (a common extension, not ours): documentation for each
/// value, as a map from values to descriptions or (openapi-generator's form) a list in the
/// order of `enum`. Any value reads; `enums.rs` tells the shapes apart.
#[derive(Debug, Deserialize)]
pub(super) struct EnumDescriptions(pub Value);

impl Extension for EnumDescriptions {
    const NAME: &'static str = "x-enum-descriptions";
    const PLACE: Place = Place::Schema;
}

/// `x-enum-varnames` on an enum (openapi-generator's extension, not ours): a variant name for
/// each value, in the order of `enum`.
#[derive(Debug, Deserialize)]
pub(super) struct EnumVarNames(pub Vec<String>);

impl Extension for EnumVarNames {
    const NAME: &'static str = "x-enum-varnames";
    const PLACE: Place = Place::Schema;
}

/// Whether the extensions of an object have `E` (whatever its value).
pub(super) fn has<E: Extension>(extensions: &IndexMap<String, Value>) -> bool {
    extensions.contains_key(E::NAME)
}

/// A value that does not have the shape of its extension (the caller reports it).
#[derive(Debug)]
pub(super) struct Invalid;

impl Lowerer<'_> {
    /// Extension `E` of the object at `at` whose extensions are `extensions`: `None` when
    /// absent, else its value read as `E`. Fields of an object value that `E` does not have are
    /// reported, at their pointer.
    pub(super) fn extension<E: Extension>(
        &mut self,
        extensions: &IndexMap<String, Value>,
        at: &Pointer,
    ) -> Option<Result<E, Invalid>> {
        let value = extensions.get(E::NAME)?;
        Some(self.extension_value(value, E::NAME, &at.push(E::NAME)))
    }

    /// A value at `at`, read as `T` (part of the extension `name`), reporting the fields of an
    /// object that `T` does not have.
    pub(super) fn extension_value<T: DeserializeOwned>(
        &mut self,
        value: &Value,
        name: &str,
        at: &Pointer,
    ) -> Result<T, Invalid> {
        if let Value::Object(object) = value {
            let fields = fields_of::<T>();
            if !fields.is_empty() {
                for key in object.keys().filter(|k| !fields.contains(&k.as_str())) {
                    let closest = closest(key, fields.iter().copied()).unwrap_or_default();
                    self.diags.error(
                        at.push(key),
                        format!("`{name}` has no field `{key}`: did you mean `{closest}`?"),
                    );
                }
            }
        }
        T::deserialize(value).map_err(|_| Invalid)
    }
}

/// The field names of the struct `T` deserializes from (none for other types), as its
/// `Deserialize` impl tells the deserializer.
fn fields_of<T: DeserializeOwned>() -> &'static [&'static str] {
    use serde::de::{self, Visitor};
    use std::fmt;

    /// A deserializer that records the fields a struct asks for, and fails.
    struct Probe<'f>(&'f mut &'static [&'static str]);

    #[derive(Debug)]
    struct Stop;

    impl fmt::Display for Stop {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("probe")
        }
    }

    impl std::error::Error for Stop {}

    impl de::Error for Stop {
        fn custom<M: fmt::Display>(_: M) -> Self {
            Stop
        }
    }

    impl<'de> de::Deserializer<'de> for Probe<'_> {
        type Error = Stop;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            *self.0 = fields;
            Err(Stop)
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }

    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

/// The candidate closest to `word` by edit distance (the first of equals).
pub(super) fn closest<'c>(
    word: &str,
    candidates: impl Iterator<Item = &'c str>,
) -> Option<&'c str> {
    candidates.min_by_key(|c| edit_distance(word, c))
}

/// The Levenshtein distance between two strings, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fields_of_object_extensions_come_from_their_types() {
        assert_eq!(
            fields_of::<Poll>(),
            ["method", "property", "success", "failure", "description"]
        );
        assert_eq!(fields_of::<ErrorInBody>(), ["absent", "schema"]);
        assert_eq!(
            fields_of::<PathVariant>(),
            ["server-path", "path", "description"]
        );
        assert!(fields_of::<Transport>().is_empty());
        assert!(fields_of::<Flex>().is_empty());
    }

    #[test]
    fn values_of_the_wrong_shape_do_not_read() {
        let read = |v: Value| ErrorInBody::deserialize(v).is_ok();
        assert!(read(
            serde_json::json!({"absent": "id", "schema": {"$ref": "#/x"}})
        ));
        assert!(!read(serde_json::json!({"absent": "id"})));
        assert!(!read(serde_json::json!({"absent": 1, "schema": {}})));
        assert!(Flex::deserialize(serde_json::json!("integer")).is_ok());
        assert!(Flex::deserialize(serde_json::json!("float")).is_err());
    }

    #[test]
    fn the_closest_name_is_suggested() {
        let known = || KNOWN.iter().map(|(name, _)| *name);
        assert_eq!(closest("x-aqua-pol", known()), Some("x-aqua-poll"));
        assert_eq!(
            closest("x-aqua-timestamp-format", known()),
            Some("x-aqua-timestamp-formats")
        );
        assert_eq!(
            closest("x-aqua-casesensitive", known()),
            Some("x-aqua-case-insensitive")
        );
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
