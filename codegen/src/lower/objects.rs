//! Object schemas: structs with one field per property (with their limits), the properties
//! the spec does not list (`unknown_fields`, or a typed map for `additionalProperties`), and
//! the facts a field takes from its schema (docs, nullability, limits).

use std::collections::BTreeSet;

use indexmap::IndexMap;
use openapiv3::{AdditionalProperties, ReferenceOr, Schema, SchemaKind, Type};
use serde_json::Value;

use super::Lowerer;
use super::compose::all_of_parts;
use super::infer::ObjectShape;
use crate::diag::Pointer;
use crate::model::{Bound, Field, Limits, TypeKind, TypeRef};
use crate::names::{self, Scope};

/// The properties of a struct, gathered from one object schema or from the parts of an
/// `allOf` (and the alternatives of a `oneOf`/`anyOf` beside them).
#[derive(Default)]
pub(super) struct Merged<'s> {
    /// Properties by wire name, in the order they were first met.
    pub properties: IndexMap<String, Prop<'s>>,
    /// Required property names, with the pointer of each entry of `required`.
    pub required: Vec<(String, Pointer)>,
    /// The schema of `additionalProperties` (the first part that has one), with its pointer.
    pub additional: Option<(&'s ReferenceOr<Schema>, Pointer)>,
}

/// One property of a struct.
pub(super) struct Prop<'s> {
    pub schema: &'s ReferenceOr<Box<Schema>>,
    /// Where the property's schema is in the document.
    pub at: Pointer,
    /// The Rust name of the component it is defined in (`None`: the struct itself), which
    /// names its inline types.
    pub owner: Option<String>,
    /// Whether it comes from a `oneOf`/`anyOf` alternative (a later part does not replace
    /// a property given by an earlier one then).
    pub optional: bool,
}

impl<'s> Merged<'s> {
    /// Adds the properties, `required` and `additionalProperties` of an object schema at
    /// `at`. A property of a later part replaces one of the same name (keeping its place),
    /// unless it comes from an alternative; the `required` of alternatives do not apply.
    pub(super) fn add(
        &mut self,
        o: &ObjectShape<'s>,
        at: &Pointer,
        owner: Option<&str>,
        optional: bool,
    ) {
        for (wire, schema) in o.properties {
            if optional && self.properties.contains_key(wire) {
                continue;
            }
            self.properties.insert(
                wire.clone(),
                Prop {
                    schema,
                    at: at.push("properties").push(wire),
                    owner: owner.map(str::to_owned),
                    optional,
                },
            );
        }
        if optional {
            return;
        }
        for (i, r) in o.required.iter().enumerate() {
            self.required.push((r.clone(), at.push("required").push(i)));
        }
        if let (None, Some(AdditionalProperties::Schema(s))) = (&self.additional, o.additional) {
            self.additional = Some((s, at.push("additionalProperties")));
        }
    }

    /// Adds the properties of `other` as optional ones (those of alternatives).
    pub(super) fn absorb_optional(&mut self, other: Merged<'s>) {
        for (wire, mut prop) in other.properties {
            if !self.properties.contains_key(&wire) {
                prop.optional = true;
                self.properties.insert(wire, prop);
            }
        }
    }
}

impl<'a> Lowerer<'a> {
    /// A struct of the merged properties.
    pub(super) fn object(&mut self, name: &str, merged: Merged<'_>) -> TypeKind {
        // `unknown_fields` (or `additional_properties`) holds the properties the spec does
        // not list.
        let mut scope = Scope::with_reserved(&["unknown_fields", "additional_properties"]);
        let required: BTreeSet<&str> = merged.required.iter().map(|(r, _)| r.as_str()).collect();
        let mut fields = Vec::new();
        for (wire, prop) in &merged.properties {
            let owner = prop.owner.as_deref().unwrap_or(name);
            let hint = format!("{owner} {wire}");
            let Some(ty) = self.boxed_ref(prop.schema, &prop.at, &hint) else {
                continue;
            };
            let (docs, nullable, deprecated, limits) = self.property_facts(prop.schema);
            let mut limits = fit_limits(&ty, limits);
            if let Some(p) = limits.pattern.take()
                && self.check_pattern(&p, &prop.at.push("pattern"))
            {
                limits.pattern = Some(p);
            }
            fields.push(Field {
                name: scope.claim(names::field_name(wire)),
                wire: wire.clone(),
                docs,
                nullable: nullable && ty != TypeRef::Json,
                ty,
                required: required.contains(wire.as_str()),
                boxed: false,
                deprecated,
                limits,
            });
        }
        let mut missing = BTreeSet::new();
        for (r, pointer) in &merged.required {
            if merged.properties.contains_key(r) || !missing.insert(r.as_str()) {
                continue;
            }
            self.warning(
                pointer,
                format!("required property `{r}` is not among the properties: generated as an optional `serde_json::Value` field"),
            );
            fields.push(Field {
                name: scope.claim(names::field_name(r)),
                wire: r.clone(),
                docs: None,
                ty: TypeRef::Json,
                required: false,
                nullable: false,
                boxed: false,
                deprecated: false,
                limits: Limits::default(),
            });
        }
        let additional = merged.additional.and_then(|(schema, pointer)| {
            self.schema_ref(schema, &pointer, &format!("{name} Value"))
        });
        TypeKind::Struct {
            fields,
            request: false,
            additional,
        }
    }

    /// The docs, nullability, deprecation and limits of a property's schema. A `$ref` takes
    /// the referenced schema's description and nullability; an `allOf` wrapper those of its
    /// parts too.
    fn property_facts(
        &self,
        prop: &ReferenceOr<Box<Schema>>,
    ) -> (Option<String>, bool, bool, Limits) {
        match prop {
            ReferenceOr::Reference { reference } => {
                let target = self.schema_target(reference).map(|(s, _, _)| s);
                (
                    target.and_then(|s| s.schema_data.description.clone()),
                    target.is_some_and(|s| self.nullable(s, 0)),
                    false,
                    Limits::default(),
                )
            }
            ReferenceOr::Item(s) => {
                let mut docs = self.schema_docs(s);
                if docs.is_none()
                    && let Some([ReferenceOr::Reference { reference }]) = all_of_parts(s)
                {
                    docs = self
                        .schema_target(reference)
                        .and_then(|(t, _, _)| t.schema_data.description.clone());
                }
                (
                    docs,
                    self.nullable(s, 0),
                    s.schema_data.deprecated,
                    limits_of(s),
                )
            }
        }
    }

    /// Whether a schema allows `null`: `nullable: true`, `null` among its enum values, or an
    /// `allOf` part that does (a `$ref` followed a few levels).
    pub(super) fn nullable(&self, s: &Schema, depth: usize) -> bool {
        if s.schema_data.nullable || null_in_enum(s) {
            return true;
        }
        if depth > 4 {
            return false;
        }
        all_of_parts(s).is_some_and(|parts| {
            parts.iter().any(|p| match p {
                ReferenceOr::Item(p) => self.nullable(p, depth + 1),
                ReferenceOr::Reference { reference } => self
                    .schema_target(reference)
                    .is_some_and(|(t, _, _)| self.nullable(t, depth + 1)),
            })
        })
    }
}

fn null_in_enum(s: &Schema) -> bool {
    match &s.schema_kind {
        SchemaKind::Type(Type::String(t)) => t.enumeration.iter().any(Option::is_none),
        SchemaKind::Type(Type::Integer(t)) => t.enumeration.iter().any(Option::is_none),
        SchemaKind::Type(Type::Number(t)) => t.enumeration.iter().any(Option::is_none),
        SchemaKind::Type(Type::Boolean(t)) => t.enumeration.iter().any(Option::is_none),
        SchemaKind::Any(any) => any.enumeration.iter().any(Value::is_null),
        _ => false,
    }
}

/// The limits a schema documents for its value, with those of the inline parts of an
/// `allOf` wrapper (the first part that gives one).
fn limits_of(schema: &Schema) -> Limits {
    let mut limits = own_limits(schema);
    if let Some(parts) = all_of_parts(schema) {
        for part in parts {
            if let ReferenceOr::Item(p) = part {
                let l = own_limits(p);
                limits.min_length = limits.min_length.or(l.min_length);
                limits.max_length = limits.max_length.or(l.max_length);
                limits.pattern = limits.pattern.or(l.pattern);
                limits.minimum = limits.minimum.or(l.minimum);
                limits.maximum = limits.maximum.or(l.maximum);
                limits.min_items = limits.min_items.or(l.min_items);
                limits.max_items = limits.max_items.or(l.max_items);
            }
        }
    }
    limits
}

fn own_limits(schema: &Schema) -> Limits {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(t)) => Limits {
            min_length: t.min_length,
            max_length: t.max_length,
            pattern: t.pattern.clone(),
            ..Limits::default()
        },
        SchemaKind::Type(Type::Integer(t)) => Limits {
            minimum: bound(t.minimum.map(|v| v as f64), t.exclusive_minimum),
            maximum: bound(t.maximum.map(|v| v as f64), t.exclusive_maximum),
            ..Limits::default()
        },
        SchemaKind::Type(Type::Number(t)) => Limits {
            minimum: bound(t.minimum, t.exclusive_minimum),
            maximum: bound(t.maximum, t.exclusive_maximum),
            ..Limits::default()
        },
        SchemaKind::Type(Type::Array(t)) => Limits {
            min_items: t.min_items,
            max_items: t.max_items,
            ..Limits::default()
        },
        SchemaKind::Any(any) => Limits {
            min_length: any.min_length,
            max_length: any.max_length,
            pattern: any.pattern.clone(),
            minimum: bound(any.minimum, any.exclusive_minimum.unwrap_or(false)),
            maximum: bound(any.maximum, any.exclusive_maximum.unwrap_or(false)),
            min_items: any.min_items,
            max_items: any.max_items,
        },
        _ => Limits::default(),
    }
}

/// The limits that apply to a field of type `ty` (lengths and `pattern` to strings, bounds to
/// numbers, item counts to arrays); the others would check nothing.
fn fit_limits(ty: &TypeRef, limits: Limits) -> Limits {
    let text = matches!(ty, TypeRef::String | TypeRef::Secret | TypeRef::FlexString);
    let number = matches!(
        ty,
        TypeRef::I32 | TypeRef::I64 | TypeRef::F32 | TypeRef::F64
    );
    let items = matches!(ty, TypeRef::Vec(_));
    Limits {
        // A minimum of 0 checks nothing (and `len < 0` would not compile without a warning).
        min_length: limits.min_length.filter(|n| text && *n > 0),
        max_length: limits.max_length.filter(|_| text),
        pattern: limits.pattern.filter(|_| text),
        minimum: limits
            .minimum
            .filter(|_| number)
            .and_then(|b| fit_bound(ty, b, Side::Min)),
        maximum: limits
            .maximum
            .filter(|_| number)
            .and_then(|b| fit_bound(ty, b, Side::Max)),
        min_items: limits.min_items.filter(|n| items && *n > 0),
        max_items: limits.max_items.filter(|_| items),
    }
}

fn bound(value: Option<f64>, exclusive: bool) -> Option<Bound> {
    value.map(|value| Bound { value, exclusive })
}

/// Which end of the range a bound closes.
#[derive(Clone, Copy, PartialEq)]
enum Side {
    Min,
    Max,
}

/// A bound as the field's type checks it, or nothing when no value of the type is outside
/// it (a check that could not fail: rustc warns "comparison is useless") or the type cannot
/// hold the bound. An integer's bound becomes an inclusive integer (`exclusiveMinimum: 4` is
/// `minimum: 5`; `minimum: 0.5` is `minimum: 1`).
fn fit_bound(ty: &TypeRef, b: Bound, side: Side) -> Option<Bound> {
    if !b.value.is_finite() {
        return None;
    }
    // The integer type's lowest value and the first value past its highest, as f64 (exact:
    // i64::MAX is not an f64, 2^63 is).
    let (lo, past) = match ty {
        TypeRef::I32 => (f64::from(i32::MIN), f64::from(i32::MAX) + 1.0),
        TypeRef::I64 => (-(2f64.powi(63)), 2f64.powi(63)),
        TypeRef::F32 => return (b.value.abs() <= f64::from(f32::MAX)).then_some(b),
        _ => return Some(b),
    };
    let value = match (side, b.exclusive) {
        (Side::Min, false) => b.value.ceil(),
        (Side::Min, true) => b.value.floor() + 1.0,
        (Side::Max, false) => b.value.floor(),
        (Side::Max, true) => b.value.ceil() - 1.0,
    };
    // A minimum at the lowest value, or a maximum at the highest, checks nothing; a bound
    // past the other end the type cannot write.
    let useful = match side {
        Side::Min => value > lo && value < past,
        Side::Max => value >= lo && value < past - 1.0,
    };
    useful.then_some(Bound {
        value,
        exclusive: false,
    })
}
