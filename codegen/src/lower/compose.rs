//! Composed schemas: `allOf` (merged into one struct, or the one part that carries the type
//! when the others only document or constrain it), `oneOf`/`anyOf` as unions, and
//! `x-aqua-flex` (a `oneOf` of scalars that is one logical value).

use std::collections::BTreeSet;

use super::Lowerer;
use super::extensions::{Extension, Flex, Invalid};
use super::infer::{self, Notes, ObjectShape, Shape};
use super::inherit;
use super::objects::Merged;
use super::schema::Plan;
use crate::diag::Pointer;
use crate::model::{TypeKind, TypeRef, UnionVariant};
use crate::names::{self, Scope};
use openapiv3::{ReferenceOr, Schema, SchemaKind, Type};

/// `allOf`s nest at most this deep (through `$ref`s too) before they count as a cycle.
const MAX_ALL_OF_DEPTH: usize = 32;

/// What the parts of an `allOf` add up to.
#[derive(Default)]
struct Gather<'s> {
    merged: Merged<'s>,
    /// The parts that are not objects: scalars, arrays, unions of non-objects.
    others: Vec<Other<'s>>,
    /// A cycle or a nesting too deep was found (and reported).
    failed: bool,
}

/// A part of an `allOf` that is not an object.
struct Other<'s> {
    part: &'s ReferenceOr<Schema>,
    at: Pointer,
    kind: &'static str,
    /// Which part carries the type when several do: a `$ref` (2), an enum (1), else (0).
    rank: u8,
}

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

    /// An `allOf`: the merged struct of its object parts; or, when its parts are one type
    /// and no object, the part that carries it (`allOf: [$ref: X]` with a description, or
    /// beside `nullable: true`, is `X`); parts of several types are `serde_json::Value`.
    pub(super) fn all_of<'s>(
        &mut self,
        schema: &'s Schema,
        parts: &'s [ReferenceOr<Schema>],
        own: Option<ObjectShape<'s>>,
        scalar: Option<Box<Shape<'s>>>,
        at: &Pointer,
        hint: &str,
    ) -> Plan<'s>
    where
        'a: 's,
    {
        // `allOf: [$ref: X]` beside parts that only document it (a description): `X` itself,
        // not a copy of its properties.
        // A subtype that adds nothing to its base is still a subtype: a struct of the base's
        // properties, not the base's union.
        if own.is_none()
            && scalar.is_none()
            && schema.schema_data.discriminator.is_none()
            && let Some((i, reference)) = documented_ref(parts)
            && !self.subtype_of(at, reference)
        {
            let at = at.push("allOf").push(i).push("$ref");
            return Plan::Unnamed(self.reference(reference, &at));
        }
        let mut g = Gather::default();
        self.gather(parts, &at.push("allOf"), None, &mut g, 0);
        if let Some(own) = own {
            self.add_object(&mut g, &own, at, None, false, 0);
        }
        if g.failed {
            return Plan::Unnamed(Some(TypeRef::Json));
        }
        let objects = !g.merged.properties.is_empty() || g.merged.additional.is_some();
        // A scalar `type` beside parts that only constrain it (`type: integer` with
        // `allOf: [{minimum: 1}]`): that type.
        if let Some(scalar) = scalar
            && !objects
            && g.others.iter().all(|o| o.rank == 0)
        {
            return self.plan_shape(schema, *scalar, at, hint);
        }
        if g.others.is_empty() {
            return if objects {
                Plan::Struct(g.merged)
            } else {
                Plan::Unnamed(Some(TypeRef::Json))
            };
        }
        let mut kinds: Vec<&str> = g.others.iter().map(|o| o.kind).collect();
        if objects {
            kinds.push("object");
        }
        kinds.sort_unstable();
        kinds.dedup();
        let compatible = matches!(kinds.as_slice(), [_] | ["integer", "number"]);
        if !compatible {
            let list: Vec<String> = kinds.iter().map(|k| format!("`{k}`")).collect();
            self.warning(
                at,
                format!(
                    "the parts of this `allOf` are of different types ({}): generated as `serde_json::Value`",
                    list.join(", ")
                ),
            );
            return Plan::Unnamed(Some(TypeRef::Json));
        }
        // The part that carries the type: the first `$ref`, else the first enum, else the
        // first part; the others only constrain it (their limits apply to fields).
        let integer_first = kinds.as_slice() == ["integer", "number"];
        let best = g
            .others
            .iter()
            .enumerate()
            .max_by_key(|(i, o)| {
                (
                    integer_first && o.kind == "integer",
                    o.rank,
                    std::cmp::Reverse(*i),
                )
            })
            .map(|(_, o)| o)
            .expect("others is not empty");
        match best.part {
            ReferenceOr::Reference { reference } => {
                Plan::Unnamed(self.reference(reference, &best.at.push("$ref")))
            }
            ReferenceOr::Item(s) => match self.inline_known(&best.at) {
                Some(known) => Plan::Unnamed(known),
                None => self.plan(s, &best.at, hint),
            },
        }
    }

    /// Whether the component schema at `at` is a subtype of the base `reference` names.
    fn subtype_of(&self, at: &Pointer, reference: &str) -> bool {
        let base = reference
            .strip_prefix(super::SCHEMAS)
            .map(|k| k.replace("~1", "/").replace("~0", "~"));
        match (inherit::component_at(at), base) {
            (Some(sub), Some(base)) => self.hierarchies.extends(&sub, &base),
            _ => false,
        }
    }

    /// Adds the parts of an `allOf` (at `at`) to `g`; `owner` names the component they come
    /// from (`None`: the type being built), for the names of their inline types.
    fn gather<'s>(
        &mut self,
        parts: &'s [ReferenceOr<Schema>],
        at: &Pointer,
        owner: Option<&str>,
        g: &mut Gather<'s>,
        depth: usize,
    ) where
        'a: 's,
    {
        if depth > MAX_ALL_OF_DEPTH {
            self.warning(
                at,
                "`allOf` nests too deeply (a cycle of `allOf` references?): generated as `serde_json::Value`",
            );
            g.failed = true;
            return;
        }
        for (i, part) in parts.iter().enumerate() {
            let pat = at.push(i);
            let Some((schema, sat, part_owner)) = self.part_schema(part, &pat, owner) else {
                continue;
            };
            let is_ref = matches!(part, ReferenceOr::Reference { .. });
            let c = if is_ref {
                // A component: its own ambiguities are reported where it is defined.
                infer::classify(schema, &sat, &mut Notes::default())
            } else {
                self.classified(schema, &sat)
            };
            let owner = part_owner.as_deref();
            let (kind, enumerated) = match c {
                Shape::Any | Shape::Not => continue,
                Shape::Object(o) => {
                    self.add_object(g, &o, &sat, owner, false, depth);
                    continue;
                }
                Shape::AllOf { parts, own, .. } => {
                    self.gather(parts, &sat.push("allOf"), owner, g, depth + 1);
                    if let Some(own) = own {
                        self.add_object(g, &own, &sat, owner, false, depth);
                    }
                    continue;
                }
                Shape::Union { list, key } => {
                    if self.add_alternatives(g, list, &sat.push(key), owner, depth) {
                        continue;
                    }
                    ("union", false)
                }
                Shape::String { values, .. } => ("string", !values.is_empty()),
                Shape::Integer { values, .. } => ("integer", !values.is_empty()),
                Shape::Number { values, .. } => ("number", !values.is_empty()),
                Shape::Boolean => ("boolean", false),
                Shape::Array { .. } => ("array", false),
            };
            g.others.push(Other {
                part,
                at: pat,
                kind,
                rank: if is_ref { 2 } else { u8::from(enumerated) },
            });
        }
    }

    /// The schema of a part (a `$ref` followed to its component), with its pointer and
    /// owner. A dangling `$ref` is reported and the part left out.
    fn part_schema<'s>(
        &mut self,
        part: &'s ReferenceOr<Schema>,
        at: &Pointer,
        owner: Option<&str>,
    ) -> Option<(&'s Schema, Pointer, Option<String>)>
    where
        'a: 's,
    {
        match part {
            ReferenceOr::Item(s) => Some((s, at.clone(), owner.map(str::to_owned))),
            ReferenceOr::Reference { reference } => match self.schema_target(reference) {
                Some((s, pointer, name)) => Some((s, pointer, name)),
                None => {
                    self.warning(
                        &at.push("$ref"),
                        format!("`{reference}` names no schema of this document: this part of the `allOf` is left out"),
                    );
                    None
                }
            },
        }
    }

    /// The properties of an object schema (and of its alternatives).
    pub(super) fn object_parts<'s>(&mut self, o: &ObjectShape<'s>, at: &Pointer) -> Merged<'s>
    where
        'a: 's,
    {
        let mut g = Gather::default();
        self.add_object(&mut g, o, at, None, false, 0);
        g.merged
    }

    /// Adds an object part: its properties, `required` and `additionalProperties`; and the
    /// properties of its `oneOf`/`anyOf` alternatives when they are objects.
    fn add_object<'s>(
        &mut self,
        g: &mut Gather<'s>,
        o: &ObjectShape<'s>,
        at: &Pointer,
        owner: Option<&str>,
        optional: bool,
        depth: usize,
    ) where
        'a: 's,
    {
        g.merged.add(o, at, owner, optional);
        if let Some((key, list)) = o.alternatives
            && !self.add_alternatives(g, list, &at.push(key), owner, depth)
        {
            self.warning(
                    &at.push(key),
                    format!("the `{key}` beside `properties` has alternatives that are not objects: the struct has the properties, and the alternatives are not checked"),
                );
        }
    }

    /// Adds the properties of a union's alternatives as optional fields, when every
    /// alternative is an object (or only constrains one, such as `required: [a]`); `false`
    /// (and nothing added) otherwise.
    fn add_alternatives<'s>(
        &mut self,
        g: &mut Gather<'s>,
        list: &'s [ReferenceOr<Schema>],
        at: &Pointer,
        owner: Option<&str>,
        depth: usize,
    ) -> bool
    where
        'a: 's,
    {
        let mut sub = Gather::default();
        for (i, alt) in list.iter().enumerate() {
            let pat = at.push(i);
            let Some((schema, sat, alt_owner)) = self.part_schema(alt, &pat, owner) else {
                continue;
            };
            let c = infer::classify(schema, &sat, &mut Notes::default());
            let alt_owner = alt_owner.as_deref();
            match c {
                Shape::Any | Shape::Not => {}
                Shape::Object(o) if o.alternatives.is_none() => {
                    sub.merged.add(&o, &sat, alt_owner, true);
                }
                Shape::AllOf {
                    parts, own: None, ..
                } => {
                    let mut inner = Gather::default();
                    self.gather(parts, &sat.push("allOf"), alt_owner, &mut inner, depth + 1);
                    if !inner.others.is_empty() || inner.failed {
                        return false;
                    }
                    sub.merged.absorb_optional(inner.merged);
                }
                _ => return false,
            }
        }
        g.merged.absorb_optional(sub.merged);
        true
    }

    /// A `oneOf`/`anyOf`: one variant per alternative, dispatched by the discriminator when
    /// there is one (an alternative without a tag is tried in order, like every alternative
    /// of a union without one).
    pub(super) fn union(
        &mut self,
        name: &str,
        list: &[ReferenceOr<Schema>],
        discriminator: Option<&openapiv3::Discriminator>,
        at: &Pointer,
    ) -> Option<TypeKind> {
        let mut scope = Scope::default();
        let mut variants = Vec::new();
        let mut seen_tags = BTreeSet::new();
        for (i, alt) in list.iter().enumerate() {
            let p = at.push(i);
            let (base, ty, own_tags) = match alt {
                ReferenceOr::Reference { reference } => {
                    let ty = self.reference(reference, &p.push("$ref"))?;
                    let key = reference.rsplit('/').next().unwrap_or("Variant").to_owned();
                    let key = key.replace("~1", "/").replace("~0", "~");
                    let tags = discriminator
                        .and_then(|d| {
                            let (s, _, _) = self.schema_target(reference)?;
                            Some(tag_values(s, &d.property_name))
                        })
                        .unwrap_or_default();
                    (key, ty, tags)
                }
                ReferenceOr::Item(s) => {
                    let tags = discriminator
                        .map(|d| tag_values(s, &d.property_name))
                        .unwrap_or_default();
                    let base = variant_base(s, i, tags.first().map(String::as_str));
                    let ty = self.inline(s, &p, &format!("{name} {base}"))?;
                    (base, ty, tags)
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
                        // The implicit mapping: the schema's name; and the values its
                        // discriminator property allows, as real documents send those.
                        tags.push(base.clone());
                    }
                }
                tags.extend(own_tags);
                // A value selects the first alternative that lists it.
                tags.retain(|t| seen_tags.insert(t.clone()));
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

/// The string values a property of an object schema may take (its `enum`), when the schema
/// lists it inline: the discriminator's values of an alternative or of a subtype's part.
pub(super) fn tag_values(schema: &Schema, property: &str) -> Vec<String> {
    let properties = match &schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) => &o.properties,
        SchemaKind::Any(any) => &any.properties,
        _ => return Vec::new(),
    };
    match properties.get(property) {
        Some(ReferenceOr::Item(p)) => match &p.schema_kind {
            SchemaKind::Type(Type::String(s)) => s.enumeration.iter().flatten().cloned().collect(),
            SchemaKind::Any(any) => any
                .enumeration
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The base of the name of an inline alternative: its tag, its title, or its type.
fn variant_base(s: &Schema, i: usize, tag: Option<&str>) -> String {
    if let Some(tag) = tag {
        return tag.to_owned();
    }
    if let Some(title) = &s.schema_data.title {
        return title.clone();
    }
    let kind = match infer::classify(s, &Pointer::root(), &mut Notes::default()) {
        Shape::String { values, .. } if values.is_empty() => "String",
        Shape::Integer { values, .. } if values.is_empty() => "Integer",
        Shape::Number { values, .. } if values.is_empty() => "Number",
        Shape::Boolean => "Boolean",
        Shape::Array { .. } => "Array",
        _ => return format!("Variant{}", i + 1),
    };
    kind.to_owned()
}

/// The one `$ref` among parts that otherwise only document (`description`, `title`,
/// `example`, `nullable`…), with its index.
fn documented_ref(parts: &[ReferenceOr<Schema>]) -> Option<(usize, &str)> {
    let mut found = None;
    for (i, part) in parts.iter().enumerate() {
        match part {
            ReferenceOr::Reference { reference } if found.is_none() => {
                found = Some((i, reference.as_str()));
            }
            ReferenceOr::Reference { .. } => return None,
            ReferenceOr::Item(s) if annotation_only(s) => {}
            ReferenceOr::Item(_) => return None,
        }
    }
    found
}

/// Whether a schema says nothing about values, only documents them.
fn annotation_only(schema: &Schema) -> bool {
    let data = &schema.schema_data;
    matches!(&schema.schema_kind, SchemaKind::Any(any) if *any == openapiv3::AnySchema::default())
        && data.discriminator.is_none()
        && !data.extensions.keys().any(|k| k.starts_with("x-aqua-"))
}

/// The parts of an `allOf` schema (also one with other keywords beside it).
pub(super) fn all_of_parts(schema: &Schema) -> Option<&[ReferenceOr<Schema>]> {
    match &schema.schema_kind {
        SchemaKind::AllOf { all_of } => Some(all_of),
        SchemaKind::Any(any) if !any.all_of.is_empty() => Some(&any.all_of),
        _ => None,
    }
}
