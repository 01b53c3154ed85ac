//! A `discriminator` on an object schema that other schemas extend (`Dog: allOf: [$ref: Pet,
//! …]`): the base of a hierarchy. A value of the base's type may be any of its subtypes, told
//! apart by the discriminator property, so the base's name is a union of the subtypes, chosen
//! by the property's value, and of the base's own struct (`PetBase`), which a value of no
//! known subtype decodes to (a subtype's own properties then stay in `unknown_fields`).
//!
//! The subtypes are the component schemas whose `allOf` names the base, and the schemas the
//! discriminator's `mapping` names. A subtype's tags are the `mapping` values that name it,
//! else its `x-ms-discriminator-value` (Azure's documents), else the `enum` of its
//! discriminator property, else its name (OpenAPI's implicit mapping). A subtype that is a
//! base too is its own union, selected by its descendants' tags as well.

use std::collections::{BTreeSet, HashMap};

use openapiv3::{ReferenceOr, Schema};

use super::compose::all_of_parts;
use super::infer::{self, Notes, Shape};
use super::schema::Plan;
use super::{Lowerer, SCHEMAS};
use crate::diag::Pointer;
use crate::model::{TypeDef, TypeKind, TypeRef, UnionVariant};
use crate::names::{self, Scope};

/// A subtype's tags are gathered this many levels below a base at most.
const MAX_LEVELS: usize = 8;

/// The hierarchies of a document: for each base (by component key), its subtypes.
#[derive(Default)]
pub(super) struct Hierarchies {
    /// Base key → its direct subtypes (component keys, in spec order).
    subtypes: HashMap<String, Vec<String>>,
    /// Base key → the Rust name of its own struct.
    base_structs: HashMap<String, String>,
}

impl Hierarchies {
    /// Whether the component `sub` is a subtype of the component `base`.
    pub(super) fn extends(&self, sub: &str, base: &str) -> bool {
        self.subtypes
            .get(base)
            .is_some_and(|list| list.iter().any(|s| s == sub))
    }
}

impl<'a> Lowerer<'a> {
    /// Phase 1 (after the component names): the hierarchies, and a name for each base's own
    /// struct.
    pub(super) fn find_hierarchies(&mut self) {
        let Some(components) = self.doc.components.as_ref() else {
            return;
        };
        let schemas = &components.schemas;
        let is_base = |key: &str| match schemas.get(key) {
            Some(ReferenceOr::Item(s)) => {
                s.schema_data.discriminator.is_some()
                    && matches!(
                        infer::classify(s, &Pointer::root(), &mut Notes::default()),
                        Shape::Object(_) | Shape::AllOf { .. }
                    )
            }
            _ => false,
        };
        let mut subtypes: HashMap<String, Vec<String>> = HashMap::new();
        let mut add = |base: &str, sub: &str| {
            let list = subtypes.entry(base.to_owned()).or_default();
            if base != sub && !list.iter().any(|s| s == sub) {
                list.push(sub.to_owned());
            }
        };
        for (key, schema) in schemas {
            let ReferenceOr::Item(schema) = schema else {
                continue;
            };
            for part in all_of_parts(schema).unwrap_or_default() {
                if let ReferenceOr::Reference { reference } = part
                    && let Some(base) = component_key(reference)
                    && is_base(&base)
                {
                    add(&base, key);
                }
            }
        }
        for (key, schema) in schemas {
            if let ReferenceOr::Item(schema) = schema
                && let Some(d) = &schema.schema_data.discriminator
                && is_base(key)
            {
                for target in d.mapping.values() {
                    if let Some(sub) = mapping_key(target)
                        && matches!(schemas.get(&sub), Some(ReferenceOr::Item(_)))
                    {
                        add(key, &sub);
                    }
                }
            }
        }
        subtypes.retain(|_, list| !list.is_empty());
        // Names in spec order, so that they do not depend on the map's order.
        for key in schemas.keys() {
            if subtypes.contains_key(key) {
                let stem = names::type_name(&format!("{} Base", self.component_names[key]));
                let name = self.type_scope.claim(stem);
                self.hierarchies.base_structs.insert(key.clone(), name);
            }
        }
        self.hierarchies.subtypes = subtypes;
    }

    /// The component `key` (named `name`), the base of a hierarchy: its own struct, and the
    /// union of it and its subtypes, which is returned. `None` when it is not a base.
    pub(super) fn define_base(
        &mut self,
        key: &str,
        name: &str,
        schema: &'a Schema,
        at: &Pointer,
    ) -> Option<Option<TypeDef>> {
        let subtypes = self.hierarchies.subtypes.get(key)?.clone();
        let base_struct = self.hierarchies.base_structs.get(key)?.clone();
        let discriminator = schema.schema_data.discriminator.as_ref()?;
        let plan = self.plan(schema, at, name);
        let Plan::Struct(merged) = plan else {
            // Not a struct after all: the schema as it is.
            return Some(self.build(name, schema, plan, at));
        };
        // The base's inline types are named after the base, as its subtypes name them.
        let kind = self.object(name, merged);
        let docs = self.schema_docs(schema);
        self.types.insert(
            base_struct.clone(),
            TypeDef {
                name: base_struct.clone(),
                docs: docs.clone(),
                origin: at.into(),
                kind,
            },
        );
        let mut scope = Scope::default();
        let mut seen = BTreeSet::new();
        let mut variants = Vec::new();
        for sub in &subtypes {
            let mut visited = BTreeSet::from([key.to_owned()]);
            let mut tags = Vec::new();
            self.tags_of(key, sub, &mut visited, &mut tags, 0);
            tags.retain(|t| seen.insert(t.clone()));
            variants.push(UnionVariant {
                name: scope.claim(names::type_name(sub)),
                ty: TypeRef::Named(self.component_names[sub].clone()),
                tags,
            });
        }
        // No tag: tried when the value's tag names no subtype.
        variants.push(UnionVariant {
            name: scope.claim("Base".to_owned()),
            ty: TypeRef::Named(base_struct),
            tags: Vec::new(),
        });
        Some(Some(TypeDef {
            name: name.to_owned(),
            docs,
            origin: at.into(),
            kind: TypeKind::Union {
                variants,
                discriminator: Some(discriminator.property_name.clone()),
                fallback: scope.claim("Unknown".to_owned()),
            },
        }))
    }

    /// The tags that select the subtype `sub` of `base`: its own, then (when it is a base
    /// too) its descendants'.
    fn tags_of(
        &self,
        base: &str,
        sub: &str,
        visited: &mut BTreeSet<String>,
        tags: &mut Vec<String>,
        level: usize,
    ) {
        if level >= MAX_LEVELS || !visited.insert(sub.to_owned()) {
            return;
        }
        tags.extend(self.own_tags(base, sub));
        if let Some(children) = self.hierarchies.subtypes.get(sub) {
            for child in children {
                self.tags_of(sub, child, visited, tags, level + 1);
            }
        }
    }

    /// The tags of the subtype `sub` of `base` itself.
    fn own_tags(&self, base: &str, sub: &str) -> Vec<String> {
        let schemas = self.doc.components.as_ref().map(|c| &c.schemas);
        let schema = |key: &str| match schemas?.get(key)? {
            ReferenceOr::Item(s) => Some(s),
            ReferenceOr::Reference { .. } => None,
        };
        let Some(d) = schema(base).and_then(|b| b.schema_data.discriminator.as_ref()) else {
            return Vec::new();
        };
        let mapped: Vec<String> = d
            .mapping
            .iter()
            .filter(|(_, target)| mapping_key(target).as_deref() == Some(sub))
            .map(|(value, _)| value.clone())
            .collect();
        if !mapped.is_empty() {
            return mapped;
        }
        let Some(s) = schema(sub) else {
            return vec![sub.to_owned()];
        };
        if let Some(serde_json::Value::String(v)) =
            s.schema_data.extensions.get("x-ms-discriminator-value")
        {
            return vec![v.clone()];
        }
        let enumerated = discriminator_enum(s, &d.property_name);
        if enumerated.is_empty() {
            vec![sub.to_owned()]
        } else {
            enumerated
        }
    }
}

/// The `enum` of the discriminator property in a subtype's own parts.
fn discriminator_enum(schema: &Schema, property: &str) -> Vec<String> {
    let mut parts = vec![schema];
    for part in all_of_parts(schema).unwrap_or_default() {
        if let ReferenceOr::Item(p) = part {
            parts.push(p);
        }
    }
    parts
        .into_iter()
        .map(|part| super::compose::tag_values(part, property))
        .find(|values| !values.is_empty())
        .unwrap_or_default()
}

/// The component key a `$ref` to a whole component schema names.
fn component_key(reference: &str) -> Option<String> {
    let key = reference.strip_prefix(SCHEMAS)?;
    (!key.contains('/')).then(|| key.replace("~1", "/").replace("~0", "~"))
}

/// The component key a discriminator's `mapping` value names: a `$ref`, or a schema's name.
fn mapping_key(target: &str) -> Option<String> {
    if target.starts_with('#') {
        component_key(target)
    } else {
        (!target.contains('/')).then(|| target.to_owned())
    }
}

/// The key of the component schema `at` is (not one inside it).
pub(super) fn component_at(at: &Pointer) -> Option<String> {
    component_key(at.as_str())
}
