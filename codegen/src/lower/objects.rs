//! Object schemas: structs with one field per property (with their limits), and maps
//! (`additionalProperties`).

use openapiv3::{AdditionalProperties, ReferenceOr, Schema, SchemaKind, Type};

use super::Lowerer;
use super::schema::at_hint;
use crate::diag::Pointer;
use crate::model::{Field, Limits, TypeKind, TypeRef};
use crate::names::{self, Scope};

/// The properties of an object schema, or those an `allOf` merges, in order: each with the
/// pointer of the schema it is (in the component that lists it).
#[derive(Default)]
pub(super) struct Properties<'s>(
    pub(super) indexmap::IndexMap<String, (&'s ReferenceOr<Box<Schema>>, Pointer)>,
);

impl<'s> Properties<'s> {
    /// The `properties` of the object schema at `at`.
    pub(super) fn of(
        properties: &'s indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
        at: &Pointer,
    ) -> Self {
        let mut p = Properties::default();
        p.extend(properties, at);
        p
    }

    /// Adds (or replaces, keeping the first position) the `properties` of the schema at `at`.
    pub(super) fn extend(
        &mut self,
        properties: &'s indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
        at: &Pointer,
    ) {
        let at = at.push("properties");
        for (k, v) in properties {
            self.0.insert(k.clone(), (v, at.push(k)));
        }
    }

    /// Whether a property of this name is listed.
    pub(super) fn contains(&self, wire: &str) -> bool {
        self.0.contains_key(wire)
    }
}

impl<'a> Lowerer<'a> {
    pub(super) fn map_type(
        &mut self,
        additional: Option<&AdditionalProperties>,
        at: &Pointer,
    ) -> Option<TypeRef> {
        match additional {
            None | Some(AdditionalProperties::Any(true)) => Some(TypeRef::Json),
            Some(AdditionalProperties::Any(false)) => {
                self.diags.error(at, "an object without properties that allows no additional properties has no values; give it `properties`");
                None
            }
            Some(AdditionalProperties::Schema(s)) => {
                let hint = format!("{}Value", at_hint(at));
                self.schema_ref(s, &at.push("additionalProperties"), &hint)
                    .map(|t| TypeRef::Map(Box::new(t)))
            }
        }
    }

    pub(super) fn object(
        &mut self,
        name: &str,
        properties: &Properties<'_>,
        required: &[String],
        at: &Pointer,
    ) -> TypeKind {
        for (i, r) in required.iter().enumerate() {
            if !properties.contains(r) {
                self.diags.error(
                    at.push("required").push(i),
                    format!("required property `{r}` is not among the properties"),
                );
            }
        }
        // `unknown_fields` holds the properties the spec does not list (forward compatibility).
        let mut scope = Scope::with_reserved(&["unknown_fields"]);
        let mut fields = Vec::new();
        for (wire, (prop, p)) in &properties.0 {
            let prop = *prop;
            let hint = format!("{name} {wire}");
            let Some(ty) = self.boxed_ref(prop, p, &hint) else {
                continue;
            };
            let (docs, nullable, deprecated, limits) = match prop {
                ReferenceOr::Reference { reference } => (
                    self.referenced_docs(reference),
                    false,
                    false,
                    Limits::default(),
                ),
                ReferenceOr::Item(s) => (
                    s.schema_data
                        .description
                        .clone()
                        .or_else(|| s.schema_data.title.clone()),
                    s.schema_data.nullable,
                    s.schema_data.deprecated,
                    limits_of(s),
                ),
            };
            let mut limits = limits;
            if let Some(pattern) = limits.pattern.take() {
                if self.check_pattern(&pattern, &p.push("pattern")) {
                    limits.pattern = Some(pattern);
                }
            }
            fields.push(Field {
                name: scope.claim(names::field_name(wire)),
                wire: wire.clone(),
                docs,
                ty,
                required: required.contains(wire),
                nullable,
                boxed: false,
                deprecated,
                limits,
            });
        }
        TypeKind::Struct {
            fields,
            request: false,
        }
    }
}

/// The limits a schema documents for its value.
fn limits_of(schema: &Schema) -> Limits {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(t)) => Limits {
            min_length: t.min_length,
            max_length: t.max_length,
            pattern: t.pattern.clone(),
            ..Limits::default()
        },
        SchemaKind::Type(Type::Integer(t)) => Limits {
            minimum: t.minimum.map(|v| v as f64),
            maximum: t.maximum.map(|v| v as f64),
            ..Limits::default()
        },
        SchemaKind::Type(Type::Number(t)) => Limits {
            minimum: t.minimum,
            maximum: t.maximum,
            ..Limits::default()
        },
        SchemaKind::Type(Type::Array(t)) => Limits {
            min_items: t.min_items,
            max_items: t.max_items,
            ..Limits::default()
        },
        _ => Limits::default(),
    }
}
