//! A schema in a type position (a field, an item, a parameter, a body): scalars, arrays, maps
//! and free-form values map to a type without a name; the rest become named types through
//! [`define`](Lowerer::define), which dispatches on the shape of the schema.

use super::extensions::{CaseInsensitive, Flex, Invalid, TimestampFormats, has};
use super::objects::Properties;
use super::{Inline, Lowerer, SCHEMAS};
use crate::diag::Pointer;
use crate::model::{TypeDef, TypeKind, TypeRef};
use crate::names;
use openapiv3::{ReferenceOr, Schema, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty};

/// How many inline schemas may nest inside one another (properties, items, alternatives…)
/// before the innermost becomes `serde_json::Value`. Real documents nest a dozen at most; the
/// limit keeps the generator's recursion bounded on any input.
pub const MAX_DEPTH: usize = 64;

impl<'a> Lowerer<'a> {
    /// A type reference for a schema in a field, item, parameter or body position. Inline
    /// schemas that need a name (objects, enums, timestamps) become named types called `hint`.
    pub(super) fn schema_ref(
        &mut self,
        schema: &ReferenceOr<Schema>,
        at: &Pointer,
        hint: &str,
    ) -> Option<TypeRef> {
        match schema {
            ReferenceOr::Reference { reference } => self.reference(reference, &at.push("$ref")),
            ReferenceOr::Item(s) => self.inline(s, at, hint),
        }
    }

    pub(super) fn boxed_ref(
        &mut self,
        schema: &ReferenceOr<Box<Schema>>,
        at: &Pointer,
        hint: &str,
    ) -> Option<TypeRef> {
        match schema {
            ReferenceOr::Reference { reference } => self.reference(reference, &at.push("$ref")),
            ReferenceOr::Item(s) => self.inline(s, at, hint),
        }
    }

    /// An inline schema at `at`, its location in the document. A schema is converted once:
    /// reached again (through an `allOf` that merges a component's properties), it is the same
    /// type, and reached again while it is being converted, a reference to the type it is
    /// becoming (a recursive type, boxed later). A schema nested more than [`MAX_DEPTH`]
    /// inline schemas deep becomes `serde_json::Value`, with a warning.
    pub(super) fn inline(&mut self, schema: &Schema, at: &Pointer, hint: &str) -> Option<TypeRef> {
        match self
            .inline_types
            .get(at.as_str())
            .filter(|_| std::env::var_os("NOMEMO").is_none())
        {
            Some(Inline::Converting(name)) => return Some(TypeRef::Named(name.clone())),
            Some(Inline::Done(ty)) => return ty.clone(),
            None => {}
        }
        if self.depth >= MAX_DEPTH {
            self.diags.warning(
                at,
                format!("this schema is nested more than {MAX_DEPTH} schemas deep: generated as `serde_json::Value`"),
            );
            return Some(TypeRef::Json);
        }
        self.depth += 1;
        let ty = self.convert_inline(schema, at, hint);
        self.depth -= 1;
        if at.as_str().starts_with(SCHEMAS) {
            // Only an `allOf` reaches a component's inner schemas a second time.
            self.inline_types
                .insert(at.as_str().to_owned(), Inline::Done(ty.clone()));
        } else {
            // Elsewhere a second reach is a shared component (a response, a parameter) used
            // by another operation, which names its own types.
            self.inline_types.remove(at.as_str());
        }
        ty
    }

    fn convert_inline(&mut self, schema: &Schema, at: &Pointer, hint: &str) -> Option<TypeRef> {
        if let Some(prim) = self.primitive(schema, at) {
            return prim;
        }
        // Needs a named type.
        let name = self.type_scope.claim(names::type_name(hint));
        self.inline_types
            .insert(at.as_str().to_owned(), Inline::Converting(name.clone()));
        let def = self.define(&name, schema, at)?;
        let caseless = matches!(
            def.kind,
            TypeKind::Enum {
                case_insensitive: true,
                ..
            }
        );
        self.types.insert(name.clone(), def);
        Some(if caseless {
            TypeRef::Caseless(name)
        } else {
            TypeRef::Named(name)
        })
    }

    /// `Some(ty)` for a schema that maps to a type without a name of its own (scalars, arrays,
    /// maps, free-form values, flex values); `None` when it needs a named type. `Some(None)`
    /// means an error was recorded.
    pub(super) fn primitive(&mut self, schema: &Schema, at: &Pointer) -> Option<Option<TypeRef>> {
        self.unsupported_keywords(schema, at);
        let extensions = &schema.schema_data.extensions;
        if let Some(flex) = self.extension::<Flex>(extensions, at) {
            return Some(self.flex(schema, flex, at));
        }
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                if !s.enumeration.is_empty() || has::<TimestampFormats>(extensions) {
                    return None;
                }
                if has::<CaseInsensitive>(extensions) {
                    self.diags
                        .error(at, "`x-aqua-case-insensitive` applies to string enums only");
                }
                match &s.format {
                    // Raw bytes: a file part of a multipart body (see `lower/bodies.rs`).
                    VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => {
                        Some(Some(TypeRef::Bytes))
                    }
                    VariantOrUnknownOrEmpty::Item(StringFormat::Password) => {
                        Some(Some(TypeRef::Secret))
                    }
                    _ => Some(Some(TypeRef::String)),
                }
            }
            SchemaKind::Type(Type::Integer(i)) => {
                if !i.enumeration.is_empty() {
                    self.diags.error(
                        at.push("enum"),
                        "integer enums are not supported; use a string enum or a plain integer",
                    );
                    return Some(None);
                }
                Some(Some(match &i.format {
                    VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int32) => TypeRef::I32,
                    _ => TypeRef::I64,
                }))
            }
            SchemaKind::Type(Type::Number(n)) => {
                if !n.enumeration.is_empty() {
                    self.diags
                        .error(at.push("enum"), "number enums are not supported");
                    return Some(None);
                }
                Some(Some(match &n.format {
                    VariantOrUnknownOrEmpty::Item(openapiv3::NumberFormat::Float) => TypeRef::F32,
                    _ => TypeRef::F64,
                }))
            }
            SchemaKind::Type(Type::Boolean(_)) => Some(Some(TypeRef::Bool)),
            SchemaKind::Type(Type::Array(a)) => {
                let Some(items) = &a.items else {
                    self.diags.error(at, "an array schema needs `items`");
                    return Some(None);
                };
                let hint = format!("{}Item", at_hint(at));
                Some(
                    self.boxed_ref(items, &at.push("items"), &hint)
                        .map(|t| TypeRef::Vec(Box::new(t))),
                )
            }
            SchemaKind::Type(Type::Object(o)) => {
                if !o.properties.is_empty() {
                    return None;
                }
                Some(self.map_type(o.additional_properties.as_ref(), at))
            }
            SchemaKind::Any(any) => {
                if !any.properties.is_empty() || !any.enumeration.is_empty() {
                    self.diags.error(
                        at,
                        "schema without a `type`: add `type: object` (or the right type) so that it can be generated",
                    );
                    return Some(None);
                }
                if any.typ.is_some()
                    || !any.one_of.is_empty()
                    || !any.all_of.is_empty()
                    || !any.any_of.is_empty()
                    || any.not.is_some()
                    || any.items.is_some()
                {
                    self.diags.error(
                        at,
                        "this schema mixes keywords of several types; it is not supported",
                    );
                    return Some(None);
                }
                if any.additional_properties.is_some() {
                    return Some(self.map_type(any.additional_properties.as_ref(), at));
                }
                Some(Some(TypeRef::Json))
            }
            SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => None,
            SchemaKind::AllOf { all_of } => {
                // `allOf: [$ref]`, beside parts with only annotations (a description), only
                // documents the referenced schema: it is that type.
                let mut refs = all_of.iter().enumerate().filter_map(|(i, p)| match p {
                    ReferenceOr::Reference { reference } => Some((i, reference)),
                    ReferenceOr::Item(_) => None,
                });
                if let (Some((i, reference)), None) = (refs.next(), refs.next()) {
                    let annotations = all_of.iter().all(|p| match p {
                        ReferenceOr::Reference { .. } => true,
                        ReferenceOr::Item(s) => annotation_only(s),
                    });
                    if annotations {
                        return Some(
                            self.reference(reference, &at.push("allOf").push(i).push("$ref")),
                        );
                    }
                }
                None
            }
            SchemaKind::Not { .. } => {
                self.diags
                    .error(at.push("not"), "`not` schemas are not supported");
                Some(None)
            }
        }
    }

    pub(super) fn unsupported_keywords(&mut self, schema: &Schema, at: &Pointer) {
        let union = matches!(
            schema.schema_kind,
            SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. }
        );
        if schema.schema_data.discriminator.is_some() && !union {
            self.diags.error(
                at.push("discriminator"),
                "`discriminator` is supported only on `oneOf`/`anyOf` schemas",
            );
        }
    }

    /// Converts a schema that needs a named type.
    pub(super) fn define(&mut self, name: &str, schema: &Schema, at: &Pointer) -> Option<TypeDef> {
        let docs = schema
            .schema_data
            .description
            .clone()
            .or_else(|| schema.schema_data.title.clone());
        let kind = match self.primitive(schema, at) {
            Some(Some(prim)) => TypeKind::Alias(prim),
            Some(None) => return None,
            None => match &schema.schema_kind {
                SchemaKind::Type(Type::String(s)) => {
                    if let Some(formats) =
                        self.extension::<TimestampFormats>(&schema.schema_data.extensions, at)
                    {
                        if !s.enumeration.is_empty() {
                            self.diags.error(at, "a timestamp cannot also be an enum");
                            return None;
                        }
                        let marker = self.type_scope.claim(format!("{name}Formats"));
                        self.timestamp(formats, marker, &at.push("x-aqua-timestamp-formats"))?
                    } else {
                        self.string_enum(name, schema, &s.enumeration, at)?
                    }
                }
                SchemaKind::AllOf { all_of } => {
                    let mut properties = Properties::default();
                    let mut required = Vec::new();
                    self.merge_all_of(
                        all_of,
                        &at.push("allOf"),
                        &mut properties,
                        &mut required,
                        0,
                    )?;
                    self.object(name, &properties, &required, at)
                }
                SchemaKind::OneOf { one_of: list } | SchemaKind::AnyOf { any_of: list } => {
                    let key = if matches!(schema.schema_kind, SchemaKind::OneOf { .. }) {
                        "oneOf"
                    } else {
                        "anyOf"
                    };
                    self.union(
                        name,
                        list,
                        schema.schema_data.discriminator.as_ref(),
                        &at.push(key),
                    )?
                }
                SchemaKind::Type(Type::Object(o)) => {
                    if o.additional_properties.is_some() {
                        self.diags.error(at.push("additionalProperties"), "an object with both `properties` and `additionalProperties` is not supported yet");
                    }
                    self.object(name, &Properties::of(&o.properties, at), &o.required, at)
                }
                _ => {
                    self.diags.error(at, "this schema cannot be generated");
                    return None;
                }
            },
        };
        Some(TypeDef {
            name: name.to_owned(),
            docs,
            origin: at.into(),
            kind,
        })
    }

    pub(super) fn timestamp(
        &mut self,
        formats: Result<TimestampFormats, Invalid>,
        marker: String,
        at: &Pointer,
    ) -> Option<TypeKind> {
        let Some(TimestampFormats(list)) = formats.ok().filter(|f| !f.0.is_empty()) else {
            self.diags.error(
                at,
                "`x-aqua-timestamp-formats` must be a non-empty list of chrono patterns",
            );
            return None;
        };
        for (i, f) in list.iter().enumerate() {
            if !f.contains('%') {
                self.diags.error(
                    at.push(i),
                    format!("`{f}` is not a chrono pattern (such as `%Y-%m-%d %H:%M:%S`)"),
                );
            }
        }
        Some(TypeKind::Timestamp {
            formats: list,
            marker,
        })
    }

    /// Whether `pattern` is a regular expression the client can check; records an error if not.
    pub(super) fn check_pattern(&mut self, pattern: &str, at: &Pointer) -> bool {
        match regex_lite::Regex::new(pattern) {
            Ok(_) => true,
            Err(e) => {
                self.diags.error(
                    at,
                    format!("`pattern` is not a supported regular expression: {e}"),
                );
                false
            }
        }
    }
}

/// Whether a schema says nothing about values, only documents them (`description`, `title`,
/// `example`…).
fn annotation_only(schema: &Schema) -> bool {
    let data = &schema.schema_data;
    matches!(&schema.schema_kind, SchemaKind::Any(any) if *any == openapiv3::AnySchema::default())
        && !data.nullable
        && data.discriminator.is_none()
        && data.extensions.is_empty()
}

/// A readable base name from the pointer of an inline schema (its last property name).
pub(super) fn at_hint(at: &Pointer) -> String {
    at.as_str()
        .rsplit('/')
        .find(|t| {
            !matches!(
                *t,
                "items" | "schema" | "properties" | "additionalProperties"
            ) && t.parse::<usize>().is_err()
        })
        .unwrap_or("Value")
        .to_owned()
}
