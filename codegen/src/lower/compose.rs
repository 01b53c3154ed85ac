//! Composed schemas: `allOf` merged into one struct, `oneOf`/`anyOf` as unions, and
//! `x-aqua-flex` (a `oneOf` of scalars that is one logical value).

use std::collections::BTreeSet;

use super::extensions::{Extension, Flex, Invalid};
use super::objects::Properties;
use super::{Lowerer, SCHEMAS};
use crate::diag::Pointer;
use crate::model::{TypeKind, TypeRef, UnionVariant};
use crate::names::{self, Scope};
use openapiv3::{ReferenceOr, Schema, SchemaKind, Type};

impl<'a> Lowerer<'a> {
    /// `x-aqua-flex`: the flex type for a `oneOf` of inline scalar schemas.
    pub(super) fn flex(
        &mut self,
        schema: &Schema,
        flex: Result<Flex, Invalid>,
        at: &Pointer,
    ) -> Option<TypeRef> {
        let at_ext = at.push(Flex::NAME);
        let SchemaKind::OneOf { one_of } = &schema.schema_kind else {
            self.diags
                .error(at_ext, "`x-aqua-flex` needs a `oneOf` of scalar schemas");
            return None;
        };
        let mut kinds = BTreeSet::new();
        for (i, s) in one_of.iter().enumerate() {
            match s {
                ReferenceOr::Item(Schema {
                    schema_kind: SchemaKind::Type(t),
                    ..
                }) => {
                    kinds.insert(match t {
                        Type::String(_) => "string",
                        Type::Integer(_) => "integer",
                        Type::Number(_) => "number",
                        Type::Boolean(_) => "boolean",
                        _ => "compound",
                    });
                }
                _ => {
                    self.diags.error(
                        at.push("oneOf").push(i),
                        "`x-aqua-flex` alternatives must be inline scalar schemas",
                    );
                    return None;
                }
            }
        }
        match flex {
            Ok(Flex::Boolean)
                if kinds.contains("boolean")
                    && kinds.iter().all(|k| matches!(*k, "boolean" | "string")) =>
            {
                Some(TypeRef::FlexBool)
            }
            Ok(Flex::Integer)
                if kinds.contains("integer")
                    && !kinds.contains("boolean")
                    && !kinds.contains("compound") =>
            {
                Some(TypeRef::FlexInt)
            }
            Ok(Flex::String)
                if kinds.contains("string")
                    && !kinds.contains("boolean")
                    && !kinds.contains("compound") =>
            {
                Some(TypeRef::FlexString)
            }
            Ok(other) => {
                let other = other.as_str();
                self.diags.error(at_ext, format!("`x-aqua-flex: {other}` needs a `{other}` alternative and only string, integer or number alternatives"));
                None
            }
            Err(Invalid) => {
                self.diags.error(
                    at_ext,
                    "`x-aqua-flex` must be `integer`, `string` or `boolean`",
                );
                None
            }
        }
    }

    /// Collects the properties and required names of the parts of an `allOf`. Each property
    /// keeps its own pointer (in the component it comes from), so that it is converted once
    /// however many `allOf`s merge it.
    pub(super) fn merge_all_of<'s>(
        &mut self,
        parts: &'s [ReferenceOr<Schema>],
        at: &Pointer,
        properties: &mut Properties<'s>,
        required: &mut Vec<String>,
        depth: usize,
    ) -> Option<()>
    where
        'a: 's,
    {
        if depth > 16 {
            self.diags.error(
                at,
                "`allOf` nests too deeply (a cycle of `allOf` references?)",
            );
            return None;
        }
        for (i, part) in parts.iter().enumerate() {
            let pat = at.push(i);
            let (schema, sat) = match part {
                ReferenceOr::Item(s) => (s, pat.clone()),
                ReferenceOr::Reference { reference } => {
                    let key = reference
                        .strip_prefix(SCHEMAS)
                        .map(|k| k.replace("~1", "/").replace("~0", "~"));
                    match key.as_deref().and_then(|k| self.component_schema(k)) {
                        Some(s) => (s, Pointer::from_ref(reference)),
                        None => {
                            self.diags.error(pat.push("$ref"), format!("`{reference}` is not a local object schema (dangling, or itself a reference)"));
                            return None;
                        }
                    }
                }
            };
            match &schema.schema_kind {
                SchemaKind::Type(Type::Object(o)) => {
                    properties.extend(&o.properties, &sat);
                    required.extend(o.required.iter().cloned());
                }
                SchemaKind::Any(any)
                    if any.typ.is_none() || any.typ.as_deref() == Some("object") =>
                {
                    properties.extend(&any.properties, &sat);
                    required.extend(any.required.iter().cloned());
                    if !any.all_of.is_empty() {
                        self.merge_all_of(
                            &any.all_of,
                            &sat.push("allOf"),
                            properties,
                            required,
                            depth + 1,
                        )?;
                    }
                }
                SchemaKind::AllOf { all_of } => {
                    self.merge_all_of(all_of, &sat.push("allOf"), properties, required, depth + 1)?;
                }
                _ => {
                    self.diags
                        .error(pat, "every part of an `allOf` must be an object schema");
                    return None;
                }
            }
        }
        required.sort();
        required.dedup();
        Some(())
    }

    /// A `oneOf`/`anyOf`: one variant per alternative, dispatched by the discriminator when
    /// there is one, else tried in order.
    pub(super) fn union(
        &mut self,
        name: &str,
        list: &[ReferenceOr<Schema>],
        discriminator: Option<&openapiv3::Discriminator>,
        at: &Pointer,
    ) -> Option<TypeKind> {
        if list.is_empty() {
            self.diags
                .error(at, "a `oneOf`/`anyOf` needs at least one alternative");
            return None;
        }
        let mut scope = Scope::default();
        let mut variants = Vec::new();
        for (i, alt) in list.iter().enumerate() {
            let p = at.push(i);
            let (base, ty) = match alt {
                ReferenceOr::Reference { reference } => {
                    let ty = self.reference(reference, &p.push("$ref"))?;
                    let key = reference.rsplit('/').next().unwrap_or("Variant").to_owned();
                    (key, ty)
                }
                ReferenceOr::Item(s) => {
                    let base = match &s.schema_kind {
                        SchemaKind::Type(Type::String(_)) => "String".to_owned(),
                        SchemaKind::Type(Type::Integer(_)) => "Integer".to_owned(),
                        SchemaKind::Type(Type::Number(_)) => "Number".to_owned(),
                        SchemaKind::Type(Type::Boolean(_)) => "Boolean".to_owned(),
                        SchemaKind::Type(Type::Array(_)) => "Array".to_owned(),
                        _ => s
                            .schema_data
                            .title
                            .clone()
                            .unwrap_or_else(|| format!("Variant{}", i + 1)),
                    };
                    let ty = self.inline(s, &p, &format!("{name} {base}"))?;
                    (base, ty)
                }
            };
            let mut tags = Vec::new();
            if let Some(d) = discriminator {
                if let ReferenceOr::Reference { reference } = alt {
                    for (value, target) in &d.mapping {
                        if target == reference
                            || target.rsplit('/').next() == reference.rsplit('/').next()
                        {
                            tags.push(value.clone());
                        }
                    }
                    if tags.is_empty() {
                        tags.push(base.clone());
                    }
                } else {
                    self.diags.error(&p, "with a `discriminator`, every alternative must be a `$ref` to an object schema");
                }
            }
            variants.push(UnionVariant {
                name: scope.claim(names::type_name(&base)),
                ty,
                tags,
            });
        }
        let fallback = scope.claim("Unknown".to_owned());
        Some(TypeKind::Union {
            variants,
            discriminator: discriminator.map(|d| d.property_name.clone()),
            fallback,
        })
    }
}
