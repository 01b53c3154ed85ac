//! `multipart/form-data` bodies: one part per property of a struct (or entry of a map).
//!
//! A property's value decides its part, as OpenAPI's defaults say: a string, number or
//! boolean is a text part; bytes (`Vec<u8>`, or `wire::Binary` for a `format: binary`
//! property) are a file part (`application/octet-stream`, named after the property unless a
//! file name is given); an
//! array is one part per item; an object is a part of JSON text (`application/json`); an
//! absent or `null` value is no part. A property's `encoding.contentType` replaces the part's
//! type.
//!
//! The parts are kept, so that each attempt of a request (a retry, a redirect) builds its own
//! form through reqwest's `multipart` without copying the files.

use std::fmt;

use bytes::Bytes;
use serde::Serialize;
use serde::ser::{self, Impossible};
use serde_json::Value;

use super::Property;

/// A `multipart/form-data` body: its parts in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Multipart {
    parts: Vec<Part>,
}

/// One part of a [`Multipart`] body.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Part {
    /// The part's name (the property's).
    pub name: String,
    /// The file name, for a file part.
    pub file_name: Option<String>,
    /// The part's `Content-Type`, if it has one.
    pub content_type: Option<String>,
    /// The content.
    pub bytes: Bytes,
}

impl Multipart {
    /// An empty body.
    pub fn new() -> Self {
        Multipart::default()
    }

    /// Adds a text part.
    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parts.push(Part {
            name: name.into(),
            file_name: None,
            content_type: None,
            bytes: Bytes::from(value.into()),
        });
        self
    }

    /// Adds a file part.
    pub fn file(
        mut self,
        name: impl Into<String>,
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        bytes: impl Into<Bytes>,
    ) -> Self {
        self.parts.push(Part {
            name: name.into(),
            file_name: Some(file_name.into()),
            content_type: Some(content_type.into()),
            bytes: bytes.into(),
        });
        self
    }

    /// Adds a part as it is.
    pub fn part(mut self, part: Part) -> Self {
        self.parts.push(part);
        self
    }

    /// The parts, in order.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The first part named `name`.
    pub fn get(&self, name: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.name == name)
    }

    /// The content of the first part named `name` as text, if it is UTF-8.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.get(name)
            .and_then(|p| std::str::from_utf8(&p.bytes).ok())
    }

    /// The parts of `value` (a struct or a map), by the rules of the [module](self):
    /// `properties` are the spec's `encoding`, `file_names` the file names the caller set.
    pub(crate) fn from_value<T: Serialize + ?Sized>(
        value: &T,
        properties: &[Property],
        file_names: &[(&'static str, String)],
    ) -> Result<Self, String> {
        let mut fields = Vec::new();
        value.serialize(Fields(&mut fields)).map_err(|e| e.0)?;
        let mut body = Multipart::new();
        for (name, value) in fields {
            let content_type = properties
                .iter()
                .find(|p| p.name == name)
                .and_then(|p| p.content_type);
            let file_name = file_names
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, f)| f.clone());
            let items = match value {
                Classified::List(items) => items,
                one => vec![one],
            };
            for item in items {
                let (file_name, default_type, bytes) = match item {
                    Classified::Skip => continue,
                    Classified::Text(s) => (None, None, Bytes::from(s)),
                    Classified::Byte(b) => (None, None, Bytes::from(b.to_string())),
                    Classified::Bytes(b) => (
                        Some(file_name.clone().unwrap_or_else(|| name.clone())),
                        Some("application/octet-stream"),
                        Bytes::from(b),
                    ),
                    json => (
                        None,
                        Some("application/json"),
                        Bytes::from(json.into_json().to_string()),
                    ),
                };
                body.parts.push(Part {
                    name: name.clone(),
                    file_name,
                    content_type: content_type.or(default_type).map(str::to_owned),
                    bytes,
                });
            }
        }
        Ok(body)
    }

    /// The body as a reqwest form, for one attempt (the files are shared, not copied).
    pub(crate) fn form(&self) -> Result<reqwest::multipart::Form, String> {
        let mut form = reqwest::multipart::Form::new();
        for p in &self.parts {
            let len = p.bytes.len() as u64;
            let mut part = reqwest::multipart::Part::stream_with_length(
                reqwest::Body::from(p.bytes.clone()),
                len,
            );
            if let Some(f) = &p.file_name {
                part = part.file_name(f.clone());
            }
            if let Some(t) = &p.content_type {
                part = part
                    .mime_str(t)
                    .map_err(|_| format!("`{t}` is not a valid media type"))?;
            }
            form = form.part(p.name.clone(), part);
        }
        Ok(form)
    }
}

/// What a property's value is, for its part.
#[derive(Debug)]
enum Classified {
    /// Absent or `null`: no part.
    Skip,
    /// A scalar's text.
    Text(String),
    /// A `u8` (an item of `Vec<u8>`; text when alone).
    Byte(u8),
    /// Bytes: a file.
    Bytes(Vec<u8>),
    /// An array: one part per item.
    List(Vec<Classified>),
    /// An object: JSON text.
    Json(Value),
}

impl Classified {
    fn into_json(self) -> Value {
        match self {
            Classified::Skip => Value::Null,
            Classified::Text(s) => Value::String(s),
            Classified::Byte(b) => Value::from(b),
            Classified::Bytes(b) => Value::Array(b.into_iter().map(Value::from).collect()),
            Classified::List(items) => {
                Value::Array(items.into_iter().map(Classified::into_json).collect())
            }
            Classified::Json(v) => v,
        }
    }
}

/// The error of a value that cannot be a multipart body.
#[derive(Debug)]
struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error(e.to_string())
    }
}

fn not_an_object<T>() -> Result<T, Error> {
    Err(Error("a multipart body must be an object".to_owned()))
}

/// Serializes the top-level struct or map into its fields.
struct Fields<'o>(&'o mut Vec<(String, Classified)>);

/// The fields of a struct or map being serialized.
struct FieldsOf<'o> {
    out: &'o mut Vec<(String, Classified)>,
    key: Option<String>,
}

macro_rules! refuse {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Self::Ok, Self::Error> { not_an_object() })*
    };
}

impl<'o> ser::Serializer for Fields<'o> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = FieldsOf<'o>;
    type SerializeStruct = FieldsOf<'o>;
    type SerializeStructVariant = Impossible<(), Error>;

    refuse!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        not_an_object()
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        not_an_object()
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        not_an_object()
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        not_an_object()
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        not_an_object()
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Ok(FieldsOf {
            out: self.0,
            key: None,
        })
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Ok(FieldsOf {
            out: self.0,
            key: None,
        })
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        not_an_object()
    }
}

impl ser::SerializeStruct for FieldsOf<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let v = value.serialize(Classify)?;
        self.out.push((key.to_owned(), v));
        Ok(())
    }

    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

impl ser::SerializeMap for FieldsOf<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = Some(match serde_json::to_value(key)? {
            Value::String(s) => s,
            other => other.to_string(),
        });
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self.key.take().unwrap_or_default();
        let v = value.serialize(Classify)?;
        self.out.push((key, v));
        Ok(())
    }

    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

/// Classifies one property's value.
struct Classify;

/// An array being classified.
struct ListOf {
    items: Vec<Classified>,
    bytes: Vec<u8>,
}

/// An object being serialized as JSON.
struct JsonOf<S>(S);

type JsonSer = serde_json::value::Serializer;

impl ser::Serializer for Classify {
    type Ok = Classified;
    type Error = Error;
    type SerializeSeq = ListOf;
    type SerializeTuple = ListOf;
    type SerializeTupleStruct = ListOf;
    type SerializeTupleVariant = JsonOf<<JsonSer as ser::Serializer>::SerializeTupleVariant>;
    type SerializeMap = JsonOf<<JsonSer as ser::Serializer>::SerializeMap>;
    type SerializeStruct = JsonOf<<JsonSer as ser::Serializer>::SerializeStruct>;
    type SerializeStructVariant = JsonOf<<JsonSer as ser::Serializer>::SerializeStructVariant>;

    /// A part holds bytes: values that have a binary form give it (`wire::Binary`, a file).
    fn is_human_readable(&self) -> bool {
        false
    }
    fn serialize_bool(self, v: bool) -> Result<Classified, Error> {
        Ok(Classified::Text(v.to_string()))
    }
    fn serialize_i8(self, v: i8) -> Result<Classified, Error> {
        Ok(Classified::Text(v.to_string()))
    }
    fn serialize_i16(self, v: i16) -> Result<Classified, Error> {
        Ok(Classified::Text(v.to_string()))
    }
    fn serialize_i32(self, v: i32) -> Result<Classified, Error> {
        Ok(Classified::Text(v.to_string()))
    }
    fn serialize_i64(self, v: i64) -> Result<Classified, Error> {
        Ok(Classified::Text(v.to_string()))
    }
    fn serialize_u8(self, v: u8) -> Result<Classified, Error> {
        Ok(Classified::Byte(v))
    }
    fn serialize_u16(self, v: u16) -> Result<Classified, Error> {
        Ok(Classified::Text(v.to_string()))
    }
    fn serialize_u32(self, v: u32) -> Result<Classified, Error> {
        Ok(Classified::Text(v.to_string()))
    }
    fn serialize_u64(self, v: u64) -> Result<Classified, Error> {
        Ok(Classified::Text(v.to_string()))
    }
    fn serialize_f32(self, v: f32) -> Result<Classified, Error> {
        Ok(Classified::Text(serde_json::to_value(v)?.to_string()))
    }
    fn serialize_f64(self, v: f64) -> Result<Classified, Error> {
        Ok(Classified::Text(serde_json::to_value(v)?.to_string()))
    }
    fn serialize_char(self, v: char) -> Result<Classified, Error> {
        Ok(Classified::Text(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Classified, Error> {
        Ok(Classified::Text(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Classified, Error> {
        Ok(Classified::Bytes(v.to_vec()))
    }
    fn serialize_none(self) -> Result<Classified, Error> {
        Ok(Classified::Skip)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Classified, Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Classified, Error> {
        Ok(Classified::Skip)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Classified, Error> {
        Ok(Classified::Skip)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Classified, Error> {
        Ok(Classified::Text(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Classified, Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Classified, Error> {
        let mut map = serde_json::Map::new();
        map.insert(variant.to_owned(), serde_json::to_value(value)?);
        Ok(Classified::Json(Value::Object(map)))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<ListOf, Error> {
        Ok(ListOf::new(len.unwrap_or(0)))
    }
    fn serialize_tuple(self, _: usize) -> Result<ListOf, Error> {
        Ok(ListOf::new(0))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<ListOf, Error> {
        Ok(ListOf::new(0))
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Ok(JsonOf(ser::Serializer::serialize_tuple_variant(
            JsonSer {},
            name,
            index,
            variant,
            len,
        )?))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Ok(JsonOf(ser::Serializer::serialize_map(JsonSer {}, len)?))
    }
    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Ok(JsonOf(ser::Serializer::serialize_struct(
            JsonSer {},
            name,
            len,
        )?))
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Ok(JsonOf(ser::Serializer::serialize_struct_variant(
            JsonSer {},
            name,
            index,
            variant,
            len,
        )?))
    }
}

impl ListOf {
    fn new(len: usize) -> Self {
        ListOf {
            items: Vec::new(),
            bytes: Vec::with_capacity(len),
        }
    }

    /// Adds an item; the leading `u8`s go to `bytes`, one byte each (a file is not held as
    /// one value per byte).
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        match value.serialize(Classify)? {
            Classified::Byte(b) if self.items.is_empty() => self.bytes.push(b),
            other => {
                let leading = std::mem::take(&mut self.bytes);
                self.items.extend(leading.into_iter().map(Classified::Byte));
                self.items.push(other);
            }
        }
        Ok(())
    }

    /// Bytes when every item was a `u8`, else the items.
    fn finish(self) -> Classified {
        if self.items.is_empty() && !self.bytes.is_empty() {
            Classified::Bytes(self.bytes)
        } else {
            Classified::List(self.items)
        }
    }
}

impl ser::SerializeSeq for ListOf {
    type Ok = Classified;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<Classified, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeTuple for ListOf {
    type Ok = Classified;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<Classified, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleStruct for ListOf {
    type Ok = Classified;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<Classified, Error> {
        Ok(self.finish())
    }
}

impl<S: ser::SerializeTupleVariant<Ok = Value, Error = serde_json::Error>>
    ser::SerializeTupleVariant for JsonOf<S>
{
    type Ok = Classified;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        Ok(self.0.serialize_field(value)?)
    }
    fn end(self) -> Result<Classified, Error> {
        Ok(Classified::Json(self.0.end()?))
    }
}

impl<S: ser::SerializeMap<Ok = Value, Error = serde_json::Error>> ser::SerializeMap for JsonOf<S> {
    type Ok = Classified;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        Ok(self.0.serialize_key(key)?)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        Ok(self.0.serialize_value(value)?)
    }
    fn end(self) -> Result<Classified, Error> {
        Ok(Classified::Json(self.0.end()?))
    }
}

impl<S: ser::SerializeStruct<Ok = Value, Error = serde_json::Error>> ser::SerializeStruct
    for JsonOf<S>
{
    type Ok = Classified;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        Ok(self.0.serialize_field(key, value)?)
    }
    fn end(self) -> Result<Classified, Error> {
        Ok(Classified::Json(self.0.end()?))
    }
}

impl<S: ser::SerializeStructVariant<Ok = Value, Error = serde_json::Error>>
    ser::SerializeStructVariant for JsonOf<S>
{
    type Ok = Classified;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        Ok(self.0.serialize_field(key, value)?)
    }
    fn end(self) -> Result<Classified, Error> {
        Ok(Classified::Json(self.0.end()?))
    }
}
