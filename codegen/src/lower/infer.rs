//! What a schema is: its [`Shape`], from `type` or, when `type` is missing, from the keywords
//! present (`properties` make an object, `items` an array, the enum's values their JSON type,
//! `pattern` a string…).
//!
//! Classifying reads one schema, never follows a `$ref`, and reports nothing itself: it
//! returns notes (a pointer and a message) for what is truly ambiguous, which the caller turns
//! into warnings. Keywords that do not apply to the type a schema says it has are no-ops in
//! JSON Schema (`minimum` on a string); only structural ones (`items`, `properties`) are
//! noted, because their author probably meant something else.

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, AnySchema, IntegerFormat, NumberFormat, ReferenceOr, Schema, SchemaKind,
    StringFormat, Type, VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use crate::diag::Pointer;

/// The properties of a schema, borrowed from it.
pub(super) type Properties = IndexMap<String, ReferenceOr<Box<Schema>>>;

/// What a schema is.
pub(super) enum Shape<'s> {
    /// Any JSON value: `{}`, annotations only, or keywords that say nothing about the type.
    Any,
    /// A string; an enum when `values` is not empty.
    String {
        format: StrFormat,
        values: Vec<String>,
    },
    /// An integer; an enum when `values` is not empty.
    Integer {
        int32: bool,
        values: Vec<i64>,
    },
    /// A number; an enum when `values` is not empty.
    Number {
        float: bool,
        values: Vec<f64>,
    },
    Boolean,
    /// An array (`items` absent: of any values).
    Array {
        items: Option<&'s ReferenceOr<Box<Schema>>>,
    },
    Object(ObjectShape<'s>),
    /// `allOf`, with the object keywords of the schema itself as one more part, and the
    /// scalar `type` beside it (what the schema is when its parts only constrain).
    AllOf {
        parts: &'s [ReferenceOr<Schema>],
        own: Option<ObjectShape<'s>>,
        scalar: Option<Box<Shape<'s>>>,
    },
    /// `oneOf` or `anyOf` (`key`).
    Union {
        list: &'s [ReferenceOr<Schema>],
        key: &'static str,
    },
    /// `not` alone.
    Not,
}

/// The object keywords of a schema.
#[derive(Clone, Copy)]
pub(super) struct ObjectShape<'s> {
    pub properties: &'s Properties,
    pub required: &'s [String],
    pub additional: Option<&'s AdditionalProperties>,
    /// `oneOf`/`anyOf` alternatives beside the properties (their key and list): the
    /// properties they add are optional fields of the struct.
    pub alternatives: Option<(&'static str, &'s [ReferenceOr<Schema>])>,
}

/// The `format` of a string, as far as the type depends on it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum StrFormat {
    Plain,
    Binary,
    Password,
}

/// What is truly ambiguous in a schema: where, and what was generated instead.
#[derive(Default)]
pub(super) struct Notes(pub Vec<(Pointer, String)>);

impl Notes {
    fn warning(&mut self, at: Pointer, message: impl Into<String>) {
        self.0.push((at, message.into()));
    }
}

/// The shape of `schema` (at `at`), with notes for what is ambiguous.
pub(super) fn classify<'s>(schema: &'s Schema, at: &Pointer, notes: &mut Notes) -> Shape<'s> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(t)) => {
            let format = match &t.format {
                VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => StrFormat::Binary,
                VariantOrUnknownOrEmpty::Item(StringFormat::Password) => StrFormat::Password,
                _ => StrFormat::Plain,
            };
            Shape::String {
                format,
                values: t.enumeration.iter().flatten().cloned().collect(),
            }
        }
        SchemaKind::Type(Type::Integer(t)) => Shape::Integer {
            int32: matches!(
                t.format,
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32)
            ),
            values: t.enumeration.iter().flatten().copied().collect(),
        },
        SchemaKind::Type(Type::Number(t)) => Shape::Number {
            float: matches!(t.format, VariantOrUnknownOrEmpty::Item(NumberFormat::Float)),
            values: t.enumeration.iter().flatten().copied().collect(),
        },
        SchemaKind::Type(Type::Boolean(_)) => Shape::Boolean,
        SchemaKind::Type(Type::Object(o)) => Shape::Object(ObjectShape {
            properties: &o.properties,
            required: &o.required,
            additional: o.additional_properties.as_ref(),
            alternatives: None,
        }),
        SchemaKind::Type(Type::Array(a)) => Shape::Array {
            items: a.items.as_ref(),
        },
        SchemaKind::OneOf { one_of } => Shape::Union {
            list: one_of,
            key: "oneOf",
        },
        SchemaKind::AnyOf { any_of } => Shape::Union {
            list: any_of,
            key: "anyOf",
        },
        SchemaKind::AllOf { all_of } => Shape::AllOf {
            parts: all_of,
            own: None,
            scalar: None,
        },
        SchemaKind::Not { .. } => Shape::Not,
        SchemaKind::Any(any) => infer(any, at, notes),
    }
}

/// The shape of a schema that `openapiv3` could not give a type: `type` missing, or beside
/// composition, or with keywords of other types.
fn infer<'s>(any: &'s AnySchema, at: &Pointer, notes: &mut Notes) -> Shape<'s> {
    let union = if !any.one_of.is_empty() {
        Some(("oneOf", any.one_of.as_slice()))
    } else if !any.any_of.is_empty() {
        Some(("anyOf", any.any_of.as_slice()))
    } else {
        None
    };
    let object_keywords = !any.properties.is_empty() || any.additional_properties.is_some();
    let object = |alternatives| ObjectShape {
        properties: &any.properties,
        required: &any.required,
        additional: any.additional_properties.as_ref(),
        alternatives,
    };
    if !any.all_of.is_empty() {
        let own =
            (object_keywords || !any.required.is_empty() || union.is_some()).then(|| object(union));
        let scalar = match any.typ.as_deref() {
            Some(typ @ ("string" | "integer" | "number" | "boolean")) => {
                Some(Box::new(typed(any, typ, at, notes, object(None))))
            }
            _ => None,
        };
        return Shape::AllOf {
            parts: &any.all_of,
            own,
            scalar,
        };
    }
    if let Some((key, list)) = union {
        // `type`, `enum` or `required` beside a union only constrain its alternatives.
        if object_keywords {
            return Shape::Object(object(Some((key, list))));
        }
        return Shape::Union { list, key };
    }
    // `not` beside other keywords only excludes values; the other keywords give the type.
    match any.typ.as_deref() {
        Some(typ) => typed(any, typ, at, notes, object(None)),
        None => untyped(any, at, notes, object(None)),
    }
}

/// A schema whose `type` is given, with keywords of other types beside it.
fn typed<'s>(
    any: &'s AnySchema,
    typ: &str,
    at: &Pointer,
    notes: &mut Notes,
    object: ObjectShape<'s>,
) -> Shape<'s> {
    let ignored = |keyword: &str, notes: &mut Notes| {
        notes.warning(at.push(keyword),
            format!("`{keyword}` does not apply to `type: {typ}`: the schema is generated as its `type` says, without it"),
        );
    };
    if typ != "array" && any.items.as_ref().is_some_and(|i| !is_empty_schema(i)) {
        ignored("items", notes);
    }
    if typ != "object" {
        if !any.properties.is_empty() {
            ignored("properties", notes);
        }
        if matches!(&any.additional_properties, Some(AdditionalProperties::Schema(s)) if !matches!(&**s, ReferenceOr::Item(s) if says_nothing(s)))
        {
            ignored("additionalProperties", notes);
        }
    }
    // An enum of strings under a numeric `type` (`type: integer, enum: [Primary]`): the
    // values are the evidence, and a number would never match them.
    if matches!(typ, "integer" | "number" | "boolean")
        && matches!(enum_kind(&any.enumeration), EnumKind::Only(Kind::String))
        && any
            .enumeration
            .iter()
            .all(|v| v.as_str().is_none_or(|s| s.trim().parse::<f64>().is_err()))
    {
        notes.warning(at.push("enum"),
            format!("the values of this `enum` are strings, but its `type` is `{typ}`: generated as a string enum"),
        );
        return Shape::String {
            format: StrFormat::Plain,
            values: string_values(&any.enumeration),
        };
    }
    match typ {
        "object" => Shape::Object(object),
        "array" => Shape::Array {
            items: any.items.as_ref(),
        },
        "string" => Shape::String {
            format: str_format(any.format.as_deref()),
            values: string_values(&any.enumeration),
        },
        // OpenAPI 2's `type: file`, left by conversions: the content of a file.
        "file" => Shape::String {
            format: StrFormat::Binary,
            values: Vec::new(),
        },
        "integer" => Shape::Integer {
            int32: any.format.as_deref() == Some("int32"),
            values: integer_values(&any.enumeration, &at.push("enum"), notes),
        },
        "number" => Shape::Number {
            float: any.format.as_deref() == Some("float"),
            values: number_values(&any.enumeration, &at.push("enum"), notes),
        },
        "boolean" => Shape::Boolean,
        other => {
            notes.warning(
                at.push("type"),
                format!("unknown type `{other}`: generated as `serde_json::Value`"),
            );
            Shape::Any
        }
    }
}

/// The kinds of value a keyword of a schema without `type` points to.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Object,
    Array,
    String,
    Integer,
    Number,
    Boolean,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Object => "an object",
            Kind::Array => "an array",
            Kind::String => "a string",
            Kind::Integer => "an integer",
            Kind::Number => "a number",
            Kind::Boolean => "a boolean",
        }
    }
}

/// A schema without `type`: the type its keywords point to. `properties` and
/// `additionalProperties` (an object) and `items` (an array) decide; else the values of
/// `enum`; else the other keywords (`required`, `minItems`, `pattern`, `minimum`, `format`…).
fn untyped<'s>(
    any: &'s AnySchema,
    at: &Pointer,
    notes: &mut Notes,
    object: ObjectShape<'s>,
) -> Shape<'s> {
    let mut strong: Vec<(Kind, &str)> = Vec::new();
    if !any.properties.is_empty() {
        strong.push((Kind::Object, "properties"));
    } else if any.additional_properties.is_some() {
        strong.push((Kind::Object, "additionalProperties"));
    }
    if any.items.is_some() {
        strong.push((Kind::Array, "items"));
    }
    let kind = match strong.as_slice() {
        [(kind, _)] => Some(*kind),
        [_, _, ..] => return ambiguous(&strong, at, notes),
        [] => match enum_kind(&any.enumeration) {
            EnumKind::None => {
                let mut weak: Vec<(Kind, &str)> = Vec::new();
                if !any.required.is_empty() {
                    weak.push((Kind::Object, "required"));
                } else if any.min_properties.is_some() || any.max_properties.is_some() {
                    weak.push((Kind::Object, "minProperties"));
                }
                if any.min_items.is_some() || any.max_items.is_some() || any.unique_items.is_some()
                {
                    weak.push((Kind::Array, "minItems"));
                }
                if any.pattern.is_some() || any.min_length.is_some() || any.max_length.is_some() {
                    weak.push((Kind::String, "pattern"));
                }
                let numeric = any.minimum.is_some()
                    || any.maximum.is_some()
                    || any.multiple_of.is_some()
                    || any.exclusive_minimum.is_some()
                    || any.exclusive_maximum.is_some();
                match any.format.as_deref().map(format_kind) {
                    Some(Kind::String) if !numeric => weak.push((Kind::String, "format")),
                    Some(kind @ (Kind::Integer | Kind::Number)) => weak.push((kind, "format")),
                    _ if numeric => weak.push((Kind::Number, "minimum")),
                    _ => {}
                }
                weak.dedup_by_key(|(kind, _)| *kind);
                match weak.as_slice() {
                    [] => None,
                    [(kind, _)] => Some(*kind),
                    _ => return ambiguous(&weak, at, notes),
                }
            }
            EnumKind::Only(kind) => Some(kind),
            EnumKind::Values => None,
            EnumKind::Mixed => {
                notes.warning(at.push("enum"),
                    "the values of this `enum` are of several JSON types and the schema has no `type`: generated as `serde_json::Value`",
                );
                None
            }
        },
    };
    match kind {
        None => Shape::Any,
        Some(Kind::Object) => Shape::Object(object),
        Some(Kind::Array) => Shape::Array {
            items: any.items.as_ref(),
        },
        Some(Kind::String) => Shape::String {
            format: str_format(any.format.as_deref()),
            values: string_values(&any.enumeration),
        },
        Some(Kind::Integer) => Shape::Integer {
            int32: any.format.as_deref() == Some("int32"),
            values: integer_values(&any.enumeration, &at.push("enum"), notes),
        },
        Some(Kind::Number) => Shape::Number {
            float: any.format.as_deref() == Some("float"),
            values: number_values(&any.enumeration, &at.push("enum"), notes),
        },
        Some(Kind::Boolean) => Shape::Boolean,
    }
}

fn ambiguous<'s>(found: &[(Kind, &str)], at: &Pointer, notes: &mut Notes) -> Shape<'s> {
    let list: Vec<String> = found
        .iter()
        .map(|(kind, keyword)| format!("`{keyword}` ({})", kind.describe()))
        .collect();
    notes.warning(at.clone(),
        format!(
            "this schema has no `type`, and keywords of several types: {}; generated as `serde_json::Value`",
            list.join(", ")
        ),
    );
    Shape::Any
}

/// What the values of an `enum` say about the type (nulls aside).
enum EnumKind {
    /// No values, or only `null`.
    None,
    /// All of one scalar kind (integers and numbers together are numbers).
    Only(Kind),
    /// Objects or arrays: constants of any JSON value.
    Values,
    /// Scalars of several kinds.
    Mixed,
}

fn enum_kind(values: &[Value]) -> EnumKind {
    let mut kinds = Vec::new();
    for v in values {
        let kind = match v {
            Value::Null => continue,
            Value::String(_) => Kind::String,
            Value::Bool(_) => Kind::Boolean,
            Value::Number(n) if n.is_i64() || n.is_u64() => Kind::Integer,
            Value::Number(_) => Kind::Number,
            Value::Array(_) | Value::Object(_) => return EnumKind::Values,
        };
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    kinds.sort();
    match kinds.as_slice() {
        [] => EnumKind::None,
        [kind] => EnumKind::Only(*kind),
        [Kind::Integer, Kind::Number] => EnumKind::Only(Kind::Number),
        _ => EnumKind::Mixed,
    }
}

/// The type a `format` belongs to: `int32` and `int64` (and `uint8`…) integers, `float`,
/// `double` and `decimal` numbers, every other one (`date-time`, `uuid`, `byte`…) strings.
fn format_kind(format: &str) -> Kind {
    match format {
        f if f.starts_with("int") || f.starts_with("uint") => Kind::Integer,
        "float" | "double" | "decimal" | "number" => Kind::Number,
        _ => Kind::String,
    }
}

fn str_format(format: Option<&str>) -> StrFormat {
    match format {
        Some("binary") => StrFormat::Binary,
        Some("password") => StrFormat::Password,
        _ => StrFormat::Plain,
    }
}

/// The values of a string enum. Numbers and booleans are their JSON text: in YAML,
/// `enum: [1, true]` under `type: string` means the strings `"1"` and `"true"`.
fn string_values(values: &[Value]) -> Vec<String> {
    values
        .iter()
        .filter_map(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null | Value::Array(_) | Value::Object(_) => None,
        })
        .collect()
}

/// The values of an integer enum (numeric strings read as numbers); the others are noted and
/// left out.
fn integer_values(values: &[Value], at: &Pointer, notes: &mut Notes) -> Vec<i64> {
    let mut out = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let n = match v {
            Value::Null => continue,
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        match n {
            Some(n) => out.push(n),
            None => notes.warning(
                at.push(i),
                format!("the enum value `{v}` is not an integer: it is left out of the enum"),
            ),
        }
    }
    out
}

/// The values of a number enum (numeric strings read as numbers); the others are noted and
/// left out.
fn number_values(values: &[Value], at: &Pointer, notes: &mut Notes) -> Vec<f64> {
    let mut out = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let n = match v {
            Value::Null => continue,
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
            _ => None,
        };
        match n {
            Some(n) => out.push(n),
            None => notes.warning(
                at.push(i),
                format!("the enum value `{v}` is not a number: it is left out of the enum"),
            ),
        }
    }
    out
}

/// Whether a schema says nothing (`{}`, or only empty `properties`): any value.
fn is_empty_schema(schema: &ReferenceOr<Box<Schema>>) -> bool {
    matches!(schema, ReferenceOr::Item(s) if says_nothing(s))
}

fn says_nothing(s: &Schema) -> bool {
    match &s.schema_kind {
        SchemaKind::Any(any) => *any == AnySchema::default(),
        SchemaKind::Type(Type::Object(o)) => {
            o.properties.is_empty() && o.additional_properties.is_none()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape_of(yaml: &str) -> (String, Vec<String>) {
        let schema: Schema = serde_json::from_str(yaml).unwrap();
        let mut notes = Notes::default();
        let name = match classify(&schema, &Pointer::root(), &mut notes) {
            Shape::Any => "any".to_owned(),
            Shape::String { format, values } => format!(
                "string{}{values:?}",
                match format {
                    StrFormat::Plain => "",
                    StrFormat::Binary => " binary",
                    StrFormat::Password => " password",
                }
            ),
            Shape::Integer { values, .. } => format!("integer{values:?}"),
            Shape::Number { values, .. } => format!("number{values:?}"),
            Shape::Boolean => "boolean".to_owned(),
            Shape::Array { items } => format!("array items={}", items.is_some()),
            Shape::Object(o) => format!(
                "object {} alternatives={}",
                o.properties.len(),
                o.alternatives.is_some()
            ),
            Shape::AllOf { parts, own, scalar } => format!(
                "allOf {} own={} scalar={}",
                parts.len(),
                own.is_some(),
                scalar.is_some()
            ),
            Shape::Union { list, key } => format!("{key} {}", list.len()),
            Shape::Not => "not".to_owned(),
        };
        (name, notes.0.into_iter().map(|(_, m)| m).collect())
    }

    #[test]
    fn a_missing_type_is_inferred_from_the_keywords() {
        assert_eq!(
            shape_of(r#"{"properties": {"a": {}}}"#).0,
            "object 1 alternatives=false"
        );
        assert_eq!(
            shape_of(r#"{"additionalProperties": {}}"#).0,
            "object 0 alternatives=false"
        );
        assert_eq!(shape_of(r#"{"items": {}}"#).0, "array items=true");
        assert_eq!(
            shape_of(r#"{"enum": ["a", "b", null]}"#).0,
            r#"string["a", "b"]"#
        );
        assert_eq!(shape_of(r#"{"enum": [1, 2]}"#).0, "integer[1, 2]");
        assert_eq!(shape_of(r#"{"enum": [1, 2.5]}"#).0, "number[1.0, 2.5]");
        assert_eq!(shape_of(r#"{"pattern": "^a"}"#).0, "string[]");
        assert_eq!(shape_of(r#"{"format": "int64"}"#).0, "integer[]");
        assert_eq!(shape_of(r#"{"minimum": 0}"#).0, "number[]");
        assert_eq!(
            shape_of(r#"{"format": "date-time", "nullable": true}"#).0,
            "string[]"
        );
        assert_eq!(
            shape_of(r#"{"required": ["a"]}"#).0,
            "object 0 alternatives=false"
        );
        // Nothing that says a type: any value, without a note.
        assert_eq!(
            shape_of(r#"{"description": "x"}"#),
            ("any".to_owned(), vec![])
        );
    }

    #[test]
    fn keywords_of_several_types_without_type_are_ambiguous() {
        let (shape, notes) = shape_of(r#"{"properties": {"a": {}}, "items": {}}"#);
        assert_eq!(shape, "any");
        assert_eq!(
            notes,
            [
                "this schema has no `type`, and keywords of several types: `properties` (an object), `items` (an array); generated as `serde_json::Value`"
            ]
        );
        let (shape, notes) = shape_of(r#"{"enum": ["a", 1]}"#);
        assert_eq!(shape, "any");
        assert_eq!(notes.len(), 1);
        // An object keyword decides over weaker ones of other types.
        assert_eq!(
            shape_of(r#"{"properties": {"a": {}}, "uniqueItems": true}"#),
            ("object 1 alternatives=false".to_owned(), vec![])
        );
    }

    #[test]
    fn type_beside_composition_is_the_composition() {
        assert_eq!(
            shape_of(r#"{"type": "object", "allOf": [{}]}"#).0,
            "allOf 1 own=false scalar=false"
        );
        assert_eq!(
            shape_of(r#"{"type": "object", "properties": {"a": {}}, "allOf": [{}]}"#).0,
            "allOf 1 own=true scalar=false"
        );
        assert_eq!(
            shape_of(r#"{"type": "integer", "allOf": [{"minimum": 1}]}"#).0,
            "allOf 1 own=false scalar=true"
        );
        assert_eq!(
            shape_of(r#"{"type": "object", "oneOf": [{}, {}]}"#).0,
            "oneOf 2"
        );
        assert_eq!(
            shape_of(
                r#"{"type": "object", "properties": {"a": {}}, "anyOf": [{"required": ["a"]}]}"#
            )
            .0,
            "object 1 alternatives=true"
        );
    }

    #[test]
    fn the_type_decides_over_keywords_of_other_types() {
        let (shape, notes) = shape_of(r#"{"type": "object", "items": {"type": "string"}}"#);
        assert_eq!(shape, "object 0 alternatives=false");
        assert_eq!(
            notes,
            [
                "`items` does not apply to `type: object`: the schema is generated as its `type` says, without it"
            ]
        );
        // Empty `items` or `properties` say nothing: no note.
        assert_eq!(
            shape_of(r#"{"type": "string", "items": {"properties": {}}}"#),
            ("string[]".to_owned(), vec![])
        );
        assert_eq!(
            shape_of(r#"{"type": "string", "minimum": 1}"#),
            ("string[]".to_owned(), vec![])
        );
        assert_eq!(
            shape_of(r#"{"type": "string", "enum": [1, true, "a"]}"#).0,
            r#"string["1", "true", "a"]"#
        );
        let (shape, notes) = shape_of(r#"{"type": "integer", "enum": ["1", "Primary"]}"#);
        assert_eq!(shape, "integer[1]");
        assert_eq!(
            notes,
            ["the enum value `\"Primary\"` is not an integer: it is left out of the enum"]
        );
        let (shape, notes) = shape_of(r#"{"type": "integer", "enum": ["Primary", "Secondary"]}"#);
        assert_eq!(shape, r#"string["Primary", "Secondary"]"#);
        assert_eq!(
            notes,
            [
                "the values of this `enum` are strings, but its `type` is `integer`: generated as a string enum"
            ]
        );
        assert_eq!(shape_of(r#"{"type": "file"}"#).0, "string binary[]");
        assert_eq!(shape_of(r#"{"type": "date"}"#).0, "any");
    }
}
