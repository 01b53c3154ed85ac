//! Stage 2, lowering: `openapiv3` → [`model::Api`](crate::model::Api).
//!
//! Phases: (1) reserve a Rust name for every component schema, (2) convert schemas, servers and
//! security schemes, (3) convert operations and examples, (4) break cycles of types with `Box`.
//! Problems are collected per phase and reported together, each with the JSON pointer of the
//! offending node. Nothing is dropped silently: a construct we cannot generate is an error.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use heck::ToKebabCase;
use openapiv3::{
    AdditionalProperties, OpenAPI, Parameter, ParameterSchemaOrContent, PathItem, ReferenceOr,
    Schema, SchemaKind, StatusCode, StringFormat, Type, VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use crate::diag::{Diagnostics, Pointer};
use crate::model::*;
use crate::names::{self, Scope};

const SCHEMAS: &str = "#/components/schemas/";

/// Names the generated crate root defines by itself; schema types never take them.
const RESERVED_TYPES: &[&str] = &[
    "Client",
    "ClientBuilder",
    "Credentials",
    "Environment",
    "Error",
    "Result",
    "Option",
    "Vec",
    "String",
    "Box",
    "Some",
    "None",
    "Ok",
    "Err",
    "Into",
    "From",
    "Send",
    "Sync",
];

/// Client methods that operations must not shadow.
const RESERVED_METHODS: &[&str] = &["new", "builder", "base_url", "inner", "clone"];

/// Lowers a loaded spec into the model.
pub fn lower(doc: &OpenAPI, source_name: &str) -> Result<Api, Diagnostics> {
    let mut l = Lowerer {
        doc,
        diags: Diagnostics::new(source_name),
        types: BTreeMap::new(),
        type_scope: Scope::with_reserved(RESERVED_TYPES),
        component_names: HashMap::new(),
        examples: Vec::new(),
        seen_examples: BTreeSet::new(),
    };

    // Phase 1: names for every component schema, in spec order.
    let empty = Default::default();
    let schemas = doc
        .components
        .as_ref()
        .map(|c| &c.schemas)
        .unwrap_or(&empty);
    for key in schemas.keys() {
        let mut name = names::type_name(key);
        if RESERVED_TYPES.contains(&name.as_str()) {
            // `Error`, `Client`, …: the crate root defines these; the schema gets a suffix.
            name.push_str("Schema");
        }
        let name = l.type_scope.claim(name);
        l.component_names.insert(key.clone(), name);
    }

    // Phase 2: schemas, servers, security.
    for (key, schema) in schemas {
        let ptr = Pointer::root().push("components").push("schemas").push(key);
        let name = l.component_names[key].clone();
        match schema {
            ReferenceOr::Reference { reference } => {
                if let Some(target) = l.reference(reference, &ptr.push("$ref")) {
                    l.types.insert(
                        name.clone(),
                        TypeDef {
                            name,
                            docs: None,
                            origin: ptr.into(),
                            kind: TypeKind::Alias(target),
                        },
                    );
                }
            }
            ReferenceOr::Item(schema) => {
                if let Some(def) = l.define(&name, schema, &ptr) {
                    l.types.insert(name, def);
                }
                if let Some(example) = &schema.schema_data.example {
                    l.examples.push(Example {
                        name: format!("schemas/{key}"),
                        origin: ptr.push("example").into(),
                        media_type: "application/json".into(),
                        ty: TypeRef::Named(l.component_names[key].clone()),
                        value: example.clone(),
                        raw_http: None,
                    });
                }
            }
        }
    }
    let servers = l.servers();
    let security = l.security();
    l.alias_cycles();
    l.diags.check()?;

    // Phase 3: operations and their examples.
    let (operations, error_type) = l.operations(&security);
    l.diags.check()?;

    // Phase 4: break cycles, mark the types sent in requests.
    break_cycles(&mut l.types);
    mark_request_types(&mut l.types, &operations);

    Ok(Api {
        source_name: source_name.to_owned(),
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        description: doc.info.description.clone(),
        servers,
        security,
        types: l.types,
        operations,
        error_type,
        examples: l.examples,
    })
}

struct Lowerer<'a> {
    doc: &'a OpenAPI,
    diags: Diagnostics,
    types: BTreeMap<String, TypeDef>,
    type_scope: Scope,
    /// Component schema key → Rust type name.
    component_names: HashMap<String, String>,
    examples: Vec<Example>,
    seen_examples: BTreeSet<String>,
}

fn ext<'s>(extensions: &'s indexmap::IndexMap<String, Value>, key: &str) -> Option<&'s Value> {
    extensions.get(key)
}

fn join_docs(summary: Option<&str>, description: Option<&str>) -> Option<String> {
    let parts: Vec<&str> = [summary, description]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

impl<'a> Lowerer<'a> {
    // ----- schemas -------------------------------------------------------------------------

    /// The component schema a local `$ref` names, as a type reference.
    fn reference(&mut self, reference: &str, at: &Pointer) -> Option<TypeRef> {
        let Some(key) = reference.strip_prefix(SCHEMAS) else {
            if reference.starts_with('#') {
                self.diags.error(
                    at,
                    format!("`{reference}` does not point into `#/components/schemas`"),
                );
            } else {
                self.diags.error(
                    at,
                    format!("external reference `{reference}` is not supported: only local `#/components/...` references are"),
                );
            }
            return None;
        };
        let key = key.replace("~1", "/").replace("~0", "~");
        let Some(name) = self.component_names.get(&key).cloned() else {
            self.diags.error(
                at,
                format!("dangling reference `{reference}`: there is no schema `{key}`"),
            );
            return None;
        };
        let caseless = self
            .component_schema(&key)
            .and_then(|s| ext(&s.schema_data.extensions, "x-aqua-case-insensitive"))
            == Some(&Value::Bool(true));
        Some(if caseless {
            TypeRef::Caseless(name)
        } else {
            TypeRef::Named(name)
        })
    }

    fn component_schema(&self, key: &str) -> Option<&'a Schema> {
        match self.doc.components.as_ref()?.schemas.get(key)? {
            ReferenceOr::Item(s) => Some(s),
            ReferenceOr::Reference { .. } => None,
        }
    }

    /// Schemas that are only `$ref`s leading back to themselves never reach a type.
    fn alias_cycles(&mut self) {
        let mut bad = Vec::new();
        for (name, def) in &self.types {
            let mut seen = BTreeSet::new();
            let mut current = name.as_str();
            loop {
                if !seen.insert(current) {
                    bad.push((def.origin.clone(), name.clone()));
                    break;
                }
                match self.types.get(current).map(|d| &d.kind) {
                    Some(TypeKind::Alias(TypeRef::Named(next) | TypeRef::Caseless(next))) => {
                        current = next;
                    }
                    _ => break,
                }
            }
        }
        for (origin, name) in bad {
            self.diags.error(
                origin,
                format!("`{name}` is a `$ref` cycle that never reaches a schema of its own"),
            );
        }
    }

    /// The description of the schema a `$ref` points to.
    fn referenced_docs(&self, reference: &str) -> Option<String> {
        let key = reference.strip_prefix(SCHEMAS)?;
        self.component_schema(key)?.schema_data.description.clone()
    }

    /// A type reference for a schema in a field, item, parameter or body position. Inline
    /// schemas that need a name (objects, enums, timestamps) become named types called `hint`.
    fn schema_ref(
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

    fn boxed_ref(
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

    fn inline(&mut self, schema: &Schema, at: &Pointer, hint: &str) -> Option<TypeRef> {
        if let Some(prim) = self.primitive(schema, at) {
            return prim;
        }
        // Needs a named type.
        let name = self.type_scope.claim(names::type_name(hint));
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
    fn primitive(&mut self, schema: &Schema, at: &Pointer) -> Option<Option<TypeRef>> {
        self.unsupported_keywords(schema, at);
        if let Some(flex) = ext(&schema.schema_data.extensions, "x-aqua-flex") {
            return Some(self.flex(schema, flex, at));
        }
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                let timestamp =
                    ext(&schema.schema_data.extensions, "x-aqua-timestamp-formats").is_some();
                if !s.enumeration.is_empty() || timestamp {
                    return None;
                }
                if ext(&schema.schema_data.extensions, "x-aqua-case-insensitive").is_some() {
                    self.diags
                        .error(at, "`x-aqua-case-insensitive` applies to string enums only");
                }
                match &s.format {
                    VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => {
                        self.diags.error(
                            at.push("format"),
                            "`format: binary` is supported only as a whole response or request body",
                        );
                        Some(None)
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
                // `allOf: [$ref]` only adds documentation to the referenced schema.
                if let [ReferenceOr::Reference { reference }] = all_of.as_slice() {
                    return Some(self.reference(reference, &at.push("allOf").push(0).push("$ref")));
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

    fn unsupported_keywords(&mut self, schema: &Schema, at: &Pointer) {
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

    fn map_type(
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

    fn flex(&mut self, schema: &Schema, flex: &Value, at: &Pointer) -> Option<TypeRef> {
        let at_ext = at.push("x-aqua-flex");
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
        match flex.as_str() {
            Some("boolean")
                if kinds.contains("boolean")
                    && kinds.iter().all(|k| matches!(*k, "boolean" | "string")) =>
            {
                Some(TypeRef::FlexBool)
            }
            Some("integer")
                if kinds.contains("integer")
                    && !kinds.contains("boolean")
                    && !kinds.contains("compound") =>
            {
                Some(TypeRef::FlexInt)
            }
            Some("string")
                if kinds.contains("string")
                    && !kinds.contains("boolean")
                    && !kinds.contains("compound") =>
            {
                Some(TypeRef::FlexString)
            }
            Some(other @ ("integer" | "string" | "boolean")) => {
                self.diags.error(at_ext, format!("`x-aqua-flex: {other}` needs a `{other}` alternative and only string, integer or number alternatives"));
                None
            }
            _ => {
                self.diags.error(
                    at_ext,
                    "`x-aqua-flex` must be `integer`, `string` or `boolean`",
                );
                None
            }
        }
    }

    /// Converts a schema that needs a named type.
    fn define(&mut self, name: &str, schema: &Schema, at: &Pointer) -> Option<TypeDef> {
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
                        ext(&schema.schema_data.extensions, "x-aqua-timestamp-formats")
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
                    let mut properties = indexmap::IndexMap::new();
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
                    self.object(name, &o.properties, &o.required, at)
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

    /// Collects the properties and required names of the parts of an `allOf`.
    fn merge_all_of(
        &mut self,
        parts: &[ReferenceOr<Schema>],
        at: &Pointer,
        properties: &mut indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &mut Vec<String>,
        depth: usize,
    ) -> Option<()> {
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
                    for (k, v) in &o.properties {
                        properties.insert(k.clone(), v.clone());
                    }
                    required.extend(o.required.iter().cloned());
                }
                SchemaKind::Any(any)
                    if any.typ.is_none() || any.typ.as_deref() == Some("object") =>
                {
                    for (k, v) in &any.properties {
                        properties.insert(k.clone(), v.clone());
                    }
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
    fn union(
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

    fn timestamp(&mut self, formats: &Value, marker: String, at: &Pointer) -> Option<TypeKind> {
        let list = formats.as_array().filter(|a| !a.is_empty()).and_then(|a| {
            a.iter()
                .map(|f| f.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
        });
        let Some(list) = list else {
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

    fn string_enum(
        &mut self,
        name: &str,
        schema: &Schema,
        values: &[Option<String>],
        at: &Pointer,
    ) -> Option<TypeKind> {
        let case_insensitive = match ext(&schema.schema_data.extensions, "x-aqua-case-insensitive")
        {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                self.diags.error(
                    at.push("x-aqua-case-insensitive"),
                    "`x-aqua-case-insensitive` must be `true` or `false`",
                );
                false
            }
        };
        let descriptions = match ext(&schema.schema_data.extensions, "x-enum-descriptions") {
            None => serde_json::Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                self.diags.error(
                    at.push("x-enum-descriptions"),
                    "`x-enum-descriptions` must map enum values to descriptions",
                );
                serde_json::Map::new()
            }
        };
        let mut scope = Scope::default();
        let mut variants: Vec<Variant> = Vec::new();
        for (i, value) in values.iter().enumerate() {
            let Some(wire) = value else { continue };
            if variants
                .iter()
                .any(|v| v.wire == *wire || (case_insensitive && v.wire.eq_ignore_ascii_case(wire)))
            {
                self.diags.error(
                    at.push("enum").push(i),
                    format!("duplicate enum value `{wire}`"),
                );
                continue;
            }
            let docs = match descriptions.get(wire) {
                None => None,
                Some(Value::String(d)) => Some(d.clone()),
                Some(_) => {
                    self.diags.error(
                        at.push("x-enum-descriptions").push(wire),
                        "descriptions must be strings",
                    );
                    None
                }
            };
            variants.push(Variant {
                name: scope.claim(names::type_name(wire)),
                wire: wire.clone(),
                docs,
            });
        }
        for key in descriptions.keys() {
            if !variants.iter().any(|v| &v.wire == key) {
                self.diags.error(
                    at.push("x-enum-descriptions").push(key),
                    format!("`{key}` is not a value of the enum `{name}`"),
                );
            }
        }
        let fallback = if variants.iter().any(|v| v.name == "Unknown") {
            "UnknownValue"
        } else {
            "Unknown"
        };
        let fallback = scope.claim(fallback.to_owned());
        Some(TypeKind::Enum {
            variants,
            fallback,
            case_insensitive,
        })
    }

    fn object(
        &mut self,
        name: &str,
        properties: &indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &[String],
        at: &Pointer,
    ) -> TypeKind {
        for (i, r) in required.iter().enumerate() {
            if !properties.contains_key(r) {
                self.diags.error(
                    at.push("required").push(i),
                    format!("required property `{r}` is not among the properties"),
                );
            }
        }
        // `unknown_fields` holds the properties the spec does not list (forward compatibility).
        let mut scope = Scope::with_reserved(&["unknown_fields"]);
        let mut fields = Vec::new();
        for (wire, prop) in properties {
            let p = at.push("properties").push(wire);
            let hint = format!("{name} {wire}");
            let Some(ty) = self.boxed_ref(prop, &p, &hint) else {
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
            if let Some(p) = limits.pattern.take() {
                if self.check_pattern(&p, &prop_at_pattern(&p_at(at, wire))) {
                    limits.pattern = Some(p);
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

    // ----- servers and security ------------------------------------------------------------

    fn servers(&mut self) -> Vec<Server> {
        let mut scope = Scope::default();
        let mut out = Vec::new();
        for (i, s) in self.doc.servers.iter().enumerate() {
            let at = Pointer::root().push("servers").push(i);
            if s.url.contains('{') || s.variables.as_ref().is_some_and(|v| !v.is_empty()) {
                self.diags.error(
                    at.push("url"),
                    "server variables are not supported yet; list each server URL",
                );
                continue;
            }
            let url = s.url.trim_end_matches('/').to_owned();
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                self.diags.error(
                    at.push("url"),
                    format!("server URL `{}` must be absolute (https://…)", s.url),
                );
                continue;
            }
            let raw_name = match s.extensions.get("x-aqua-name") {
                Some(Value::String(n)) => n.clone(),
                Some(_) => {
                    self.diags
                        .error(at.push("x-aqua-name"), "`x-aqua-name` must be a string");
                    continue;
                }
                None => url.split("://").nth(1).unwrap_or(&url).to_owned(),
            };
            let name = scope.claim(names::type_name(&raw_name));
            out.push(Server {
                slug: name.to_kebab_case(),
                name,
                url,
                description: s.description.clone(),
            });
        }
        out
    }

    fn security(&mut self) -> Vec<SecurityScheme> {
        let mut out = Vec::new();
        let Some(components) = &self.doc.components else {
            return out;
        };
        let mut scope = Scope::default();
        for (key, scheme) in &components.security_schemes {
            let at = Pointer::root()
                .push("components")
                .push("securitySchemes")
                .push(key);
            let ReferenceOr::Item(scheme) = scheme else {
                self.diags
                    .error(at, "references to security schemes are not supported");
                continue;
            };
            let (kind, description) = match scheme {
                openapiv3::SecurityScheme::HTTP {
                    scheme,
                    description,
                    ..
                } => match scheme.to_ascii_lowercase().as_str() {
                    "basic" => (SecurityKind::Basic, description),
                    "bearer" => (SecurityKind::Bearer, description),
                    other => {
                        self.diags.error(at.push("scheme"), format!("HTTP authentication scheme `{other}` is not supported (basic and bearer are)"));
                        continue;
                    }
                },
                openapiv3::SecurityScheme::OAuth2 {
                    flows, description, ..
                } => match &flows.client_credentials {
                    Some(cc)
                        if flows.implicit.is_none()
                            && flows.password.is_none()
                            && flows.authorization_code.is_none() =>
                    {
                        (
                            SecurityKind::OAuthClientCredentials {
                                token_url: cc.token_url.clone(),
                            },
                            description,
                        )
                    }
                    _ => {
                        self.diags.error(
                            at.push("flows"),
                            "only the OAuth 2.0 `clientCredentials` flow is supported",
                        );
                        continue;
                    }
                },
                openapiv3::SecurityScheme::APIKey { .. } => {
                    self.diags
                        .error(at, "API key security schemes are not supported yet");
                    continue;
                }
                openapiv3::SecurityScheme::OpenIDConnect { .. } => {
                    self.diags
                        .error(at, "OpenID Connect security schemes are not supported");
                    continue;
                }
            };
            let base = match kind {
                SecurityKind::Basic => "Basic",
                SecurityKind::Bearer => "Bearer",
                SecurityKind::OAuthClientCredentials { .. } => "OAuth",
            };
            let name = scope.claim(base.to_owned());
            let ctor = name.to_ascii_lowercase();
            out.push(SecurityScheme {
                key: key.clone(),
                name,
                ctor,
                kind,
                description: description.clone(),
            });
        }
        let known: BTreeSet<&str> = out.iter().map(|s| s.key.as_str()).collect();
        for (i, req) in self.doc.security.iter().flatten().enumerate() {
            for name in req.keys() {
                if !known.contains(name.as_str()) {
                    self.diags.error(
                        Pointer::root().push("security").push(i),
                        format!("unknown security scheme `{name}`"),
                    );
                }
            }
        }
        out
    }

    // ----- operations ----------------------------------------------------------------------

    fn operations(&mut self, security: &[SecurityScheme]) -> (Vec<Operation>, Option<TypeRef>) {
        let mut ops = Vec::new();
        let mut method_scope = Scope::with_reserved(RESERVED_METHODS);
        let known: BTreeSet<&str> = security.iter().map(|s| s.key.as_str()).collect();
        for (path, item) in &self.doc.paths.paths {
            let at_path = Pointer::root().push("paths").push(path);
            let item: &PathItem = match item {
                ReferenceOr::Item(i) => i,
                ReferenceOr::Reference { .. } => {
                    self.diags
                        .error(at_path, "path item references are not supported");
                    continue;
                }
            };
            if !item.servers.is_empty() {
                self.diags.error(
                    at_path.push("servers"),
                    "per-path `servers` are not supported yet",
                );
            }
            let methods = [
                (Method::Get, "get", &item.get),
                (Method::Put, "put", &item.put),
                (Method::Post, "post", &item.post),
                (Method::Delete, "delete", &item.delete),
                (Method::Options, "options", &item.options),
                (Method::Head, "head", &item.head),
                (Method::Patch, "patch", &item.patch),
                (Method::Trace, "trace", &item.trace),
            ];
            for (method, key, op) in methods {
                let Some(op) = op else { continue };
                let at = at_path.push(key);
                let mut op_error: Option<(TypeRef, String)> = None;
                if let Some(mut o) = self.operation(
                    path,
                    method,
                    item,
                    op,
                    &at,
                    &mut method_scope,
                    &known,
                    &mut op_error,
                ) {
                    o.error_type = op_error.map(|(t, _)| t);
                    ops.push(o);
                }
            }
        }
        // One error type for the whole client when every operation that documents error bodies
        // agrees; otherwise each operation keeps its own.
        let mut distinct: Vec<&TypeRef> =
            ops.iter().filter_map(|o| o.error_type.as_ref()).collect();
        distinct.sort();
        distinct.dedup();
        let shared = match distinct.as_slice() {
            [] => None,
            [one] => Some((*one).clone()),
            _ => return (ops, None),
        };
        if let Some(t) = &shared {
            for o in &mut ops {
                o.error_type.get_or_insert_with(|| t.clone());
            }
        }
        (ops, shared)
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        path: &str,
        method: Method,
        item: &PathItem,
        op: &openapiv3::Operation,
        at: &Pointer,
        method_scope: &mut Scope,
        known_security: &BTreeSet<&str>,
        error_type: &mut Option<(TypeRef, String)>,
    ) -> Option<Operation> {
        if !op.callbacks.is_empty() {
            self.diags
                .error(at.push("callbacks"), "callbacks are not supported");
        }
        let mut at_origin = false;
        for (i, server) in op.servers.iter().enumerate() {
            let url = server.url.trim_end_matches('/');
            let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
            if rest.contains('/') || server.url.contains('{') {
                self.diags.error(
                    at.push("servers").push(i),
                    "per-operation `servers` are supported only as host roots (such as `https://rest.zuora.com`): the path is then sent to the origin of the client's base URL",
                );
            } else {
                at_origin = true;
            }
        }
        let no_auth = op.security.as_ref().is_some_and(|s| s.is_empty());
        for (i, req) in op.security.iter().flatten().enumerate() {
            for name in req.keys() {
                if !known_security.contains(name.as_str()) {
                    self.diags.error(
                        at.push("security").push(i),
                        format!("unknown security scheme `{name}`"),
                    );
                }
            }
        }
        let id = match &op.operation_id {
            Some(id) => id.clone(),
            None => derived_operation_id(method, path),
        };
        let method_name = method_scope.claim(names::field_name(&id));
        let builder_name = self.type_scope.claim(names::type_name(&id));

        // Parameters: path-item level first, overridden by operation level.
        let mut params: Vec<Param> = Vec::new();
        let mut param_scope =
            Scope::with_reserved(&["client", "body", "send", "path", "request", "value"]);
        let mut declared: Vec<(ReferenceOr<Parameter>, Pointer)> = Vec::new();
        for (i, p) in item.parameters.iter().enumerate() {
            declared.push((
                p.clone(),
                Pointer::root()
                    .push("paths")
                    .push(path)
                    .push("parameters")
                    .push(i),
            ));
        }
        for (i, p) in op.parameters.iter().enumerate() {
            declared.push((p.clone(), at.push("parameters").push(i)));
        }
        let mut resolved: Vec<(Parameter, Pointer)> = Vec::new();
        for (p, ptr) in declared {
            let Some((param, ptr)) = self.resolve_parameter(&p, &ptr) else {
                continue;
            };
            let data = param.parameter_data_ref();
            if let Some(pos) = resolved.iter().position(|(q, _)| {
                let qd = q.parameter_data_ref();
                qd.name == data.name && std::mem::discriminant(q) == std::mem::discriminant(&param)
            }) {
                resolved.remove(pos);
            }
            resolved.push((param, ptr));
        }
        for (param, ptr) in resolved {
            let data = param.parameter_data_ref();
            let location = match &param {
                Parameter::Path { .. } => ParamLocation::Path,
                Parameter::Query { style, .. } => {
                    if !matches!(style, openapiv3::QueryStyle::Form) {
                        self.diags.error(
                            ptr.push("style"),
                            "only `style: form` query parameters are supported",
                        );
                    }
                    ParamLocation::Query
                }
                Parameter::Header { .. } => ParamLocation::Header,
                Parameter::Cookie { .. } => ParamLocation::Cookie,
            };
            if location == ParamLocation::Path && !data.required {
                self.diags.error(
                    ptr.push("required"),
                    "path parameters must be `required: true`",
                );
            }
            let schema = match &data.format {
                ParameterSchemaOrContent::Schema(s) => s,
                ParameterSchemaOrContent::Content(_) => {
                    self.diags.error(
                        ptr.push("content"),
                        "parameters with `content` are not supported; use `schema`",
                    );
                    continue;
                }
            };
            let hint = format!("{builder_name} {}", data.name);
            let Some(ty) = self.schema_ref(schema, &ptr.push("schema"), &hint) else {
                continue;
            };
            let query_array = location == ParamLocation::Query
                && matches!(&ty, TypeRef::Vec(inner) if is_scalar(inner, &self.types));
            if !is_scalar(&ty, &self.types) && !query_array {
                self.diags.error(ptr.push("schema"), "only scalar parameters (strings, numbers, booleans, string enums), and arrays of them in the query, are supported");
                continue;
            }
            let explode = data.explode.unwrap_or(true);
            let (max_length, pattern) = match schema {
                ReferenceOr::Item(Schema {
                    schema_kind: SchemaKind::Type(Type::String(s)),
                    ..
                }) => (s.max_length, s.pattern.clone()),
                _ => (None, None),
            };
            let pattern =
                pattern.filter(|p| self.check_pattern(p, &ptr.push("schema").push("pattern")));
            let docs = data.description.clone().or_else(|| match schema {
                ReferenceOr::Reference { reference } => self.referenced_docs(reference),
                ReferenceOr::Item(s) => s.schema_data.description.clone(),
            });
            let transport = match data.extensions.get("x-aqua-transport") {
                None => false,
                Some(Value::Bool(b)) if location == ParamLocation::Header && !data.required => *b,
                Some(_) => {
                    self.diags.error(
                        ptr.push("x-aqua-transport"),
                        "`x-aqua-transport` must be `true` or `false` on an optional header parameter",
                    );
                    false
                }
            };
            let idempotency_key = match data.extensions.get("x-aqua-idempotency-key") {
                None => false,
                Some(Value::Bool(b)) if location == ParamLocation::Header && !data.required => *b,
                Some(_) => {
                    self.diags.error(
                        ptr.push("x-aqua-idempotency-key"),
                        "`x-aqua-idempotency-key` must be `true` or `false` on an optional header parameter",
                    );
                    false
                }
            };
            params.push(Param {
                name: param_scope.claim(names::field_name(&data.name)),
                explode,
                idempotency_key,
                wire: data.name.clone(),
                location,
                ty,
                required: data.required,
                docs,
                max_length,
                pattern,
                transport,
            });
        }

        // Path templates.
        let template_at = Pointer::root().push("paths").push(path);
        let (path_parts, used) = self.template(path, &params, &template_at, at)?;
        for (i, p) in params.iter().enumerate() {
            if p.location == ParamLocation::Path && !used.contains(&i) {
                self.diags.error(
                    at.push("parameters"),
                    format!(
                        "path parameter `{}` does not appear in the path template",
                        p.wire
                    ),
                );
            }
        }
        let mut path_variants = Vec::new();
        if let Some(v) = op.extensions.get("x-aqua-path-variants") {
            let vp = at.push("x-aqua-path-variants");
            let list = v.as_array().cloned().unwrap_or_default();
            if list.is_empty() {
                self.diags.error(
                    &vp,
                    "`x-aqua-path-variants` must be a non-empty list of `{server-path, path}`",
                );
            }
            for (i, variant) in list.iter().enumerate() {
                let (Some(server_path), Some(template)) = (
                    variant.get("server-path").and_then(Value::as_str),
                    variant.get("path").and_then(Value::as_str),
                ) else {
                    self.diags.error(
                        vp.push(i),
                        "each path variant needs `server-path` and `path`",
                    );
                    continue;
                };
                if let Some((parts, used_here)) =
                    self.template(template, &params, &vp.push(i).push("path"), at)
                {
                    if used_here != used {
                        self.diags.error(
                            vp.push(i).push("path"),
                            "a path variant must use the same path parameters as the path",
                        );
                    }
                    path_variants.push((server_path.trim_end_matches('/').to_owned(), parts));
                }
            }
        }

        // Request body.
        let body = match &op.request_body {
            None => None,
            Some(rb) => self.request_body(rb, &at.push("requestBody"), &builder_name, &id),
        };

        // Responses.
        let mut success: Option<Success> = None;
        let mut entries: Vec<(String, u16, Option<u16>, &ReferenceOr<openapiv3::Response>)> =
            Vec::new();
        for (code, r) in &op.responses.responses {
            match code {
                StatusCode::Code(c) => entries.push((c.to_string(), *c, Some(*c), r)),
                StatusCode::Range(r0) => entries.push((format!("{r0}XX"), r0 * 100, None, r)),
            }
        }
        if let Some(d) = &op.responses.default {
            entries.push(("default".into(), 0, None, d));
        }
        if entries.is_empty() {
            self.diags.error(
                at.push("responses"),
                "an operation needs at least one response",
            );
        }
        for (key, first, exact, r) in entries {
            let rp = at.push("responses").push(&key);
            let Some((resp, rp)) = self.resolve_response(r, &rp) else {
                continue;
            };
            if !resp.links.is_empty() {
                self.diags
                    .error(rp.push("links"), "response links are not supported");
            }
            let is_success = (200..300).contains(&first);
            let prefix = match rp.as_str().strip_prefix("#/components/responses/") {
                Some(component) => format!("responses/{component}"),
                None => format!("{id}/{key}"),
            };
            let binary: Vec<String> = resp
                .content
                .iter()
                .filter(|(_, c)| is_binary_schema(c))
                .map(|(m, _)| m.clone())
                .collect();
            if !binary.is_empty() {
                if !is_success || binary.len() != resp.content.len() {
                    self.diags.error(
                        rp.push("content"),
                        "binary (`format: binary`) bodies are supported only as the whole content of a success response",
                    );
                    continue;
                }
                if success.is_some() {
                    self.diags.error(
                        rp,
                        "several success responses per operation are not supported yet",
                    );
                    continue;
                }
                success = Some(Success {
                    alternatives: Vec::new(),
                    enum_name: None,
                    status: exact.unwrap_or(first),
                    ty: None,
                    binary,
                    error_unless_field: None,
                    docs: Some(resp.description.clone()).filter(|d| !d.trim().is_empty()),
                });
                continue;
            }
            let hint = if is_success {
                format!("{builder_name} Body")
            } else {
                format!("{builder_name} Error Body")
            };
            let ty = self.response_body(resp, &rp, &hint, &prefix);
            if is_success {
                if let Some(first) = &mut success {
                    if !first.binary.is_empty()
                        || first.error_unless_field.is_some()
                        || resp.extensions.contains_key("x-aqua-error-in-body")
                    {
                        self.diags.error(
                            rp,
                            "several success responses are supported only with JSON or empty bodies and without `x-aqua-error-in-body`",
                        );
                        continue;
                    }
                    if first.alternatives.is_empty() {
                        first.alternatives.push(Alternative {
                            status: first.status,
                            name: status_name(first.status),
                            ty: first.ty.clone(),
                            docs: first.docs.clone(),
                        });
                    }
                    let status = exact.unwrap_or(first_code_of(&key));
                    first.alternatives.push(Alternative {
                        status,
                        name: status_name(status),
                        ty: ty.flatten(),
                        docs: Some(resp.description.clone()).filter(|d| !d.trim().is_empty()),
                    });
                    continue;
                }
                let error_unless_field =
                    self.error_in_body(resp, &rp, ty.as_ref().and_then(|t| t.as_ref()), error_type);
                success = Some(Success {
                    alternatives: Vec::new(),
                    enum_name: None,
                    status: exact.unwrap_or(first),
                    ty: ty.flatten(),
                    binary: Vec::new(),
                    error_unless_field,
                    docs: Some(resp.description.clone()).filter(|d| !d.trim().is_empty()),
                });
            } else if let Some(Some(t)) = ty {
                self.unify_error_type(t, &rp, error_type);
            }
        }
        let Some(mut success) = success else {
            self.diags.error(
                at.push("responses"),
                "the operation documents no success (2xx) response",
            );
            return None;
        };

        if !success.alternatives.is_empty() {
            let mut scope = Scope::default();
            for alt in &mut success.alternatives {
                alt.name = scope.claim(std::mem::take(&mut alt.name));
            }
            success.enum_name = Some(self.type_scope.claim(format!("{builder_name}Response")));
        }
        let poll = match op.extensions.get("x-aqua-poll") {
            Some(spec) => self.poll(spec, &at.push("x-aqua-poll"), &success, method_scope),
            None => None,
        };

        Some(Operation {
            id,
            method_name,
            builder_name,
            method,
            path: path.to_owned(),
            path_parts,
            path_variants,
            at_origin,
            no_auth,
            poll,
            error_type: None,
            params,
            body,
            success,
            docs: join_docs(op.summary.as_deref(), op.description.as_deref()),
            deprecated: op.deprecated,
            origin: at.into(),
        })
    }

    /// `x-aqua-poll`: `{method, property, success: [...], failure: [...], description}`.
    fn poll(
        &mut self,
        spec: &Value,
        at: &Pointer,
        success: &Success,
        method_scope: &mut Scope,
    ) -> Option<Poll> {
        let strings = |v: Option<&Value>| -> Option<Vec<String>> {
            v?.as_array()?
                .iter()
                .map(|x| x.as_str().map(str::to_owned))
                .collect()
        };
        let (Some(method), Some(property), Some(ok), Some(failed)) = (
            spec.get("method").and_then(Value::as_str),
            spec.get("property").and_then(Value::as_str),
            strings(spec.get("success")),
            strings(spec.get("failure")),
        ) else {
            self.diags.error(at, "`x-aqua-poll` needs `method` (a name), `property`, and `success` and `failure` lists of values");
            return None;
        };
        let Some(TypeRef::Named(body)) = &success.ty else {
            self.diags.error(
                at,
                "`x-aqua-poll` needs a success body that is an object schema",
            );
            return None;
        };
        let field = match self.types.get(body).map(|t| &t.kind) {
            Some(TypeKind::Struct { fields, .. }) => {
                fields.iter().find(|f| f.wire == property).cloned()
            }
            _ => None,
        };
        let Some(field) = field else {
            self.diags.error(
                at.push("property"),
                format!("the success body has no property `{property}`"),
            );
            return None;
        };
        let field_is_enum = match &field.ty {
            TypeRef::String => false,
            TypeRef::Named(n)
                if matches!(
                    self.types.get(n).map(|t| &t.kind),
                    Some(TypeKind::Enum { .. })
                ) =>
            {
                true
            }
            _ => {
                self.diags.error(
                    at.push("property"),
                    "the watched property must be a string or a string enum",
                );
                return None;
            }
        };
        if ok.is_empty() || ok.iter().any(|v| failed.contains(v)) {
            self.diags.error(
                at,
                "`success` must be non-empty and share no value with `failure`",
            );
            return None;
        }
        Some(Poll {
            method_name: method_scope.claim(names::field_name(method)),
            field: field.name,
            wire: property.to_owned(),
            field_is_enum,
            success: ok,
            failure: failed,
            docs: spec
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }

    /// Whether `pattern` is a regular expression the client can check; records an error if not.
    fn check_pattern(&mut self, pattern: &str, at: &Pointer) -> bool {
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

    /// Splits a path template into literal parts and path parameters.
    fn template(
        &mut self,
        template: &str,
        params: &[Param],
        template_at: &Pointer,
        op_at: &Pointer,
    ) -> Option<(Vec<PathPart>, BTreeSet<usize>)> {
        let mut parts = Vec::new();
        let mut used = BTreeSet::new();
        let mut rest = template;
        while !rest.is_empty() {
            match rest.find('{') {
                Some(open) => {
                    if open > 0 {
                        parts.push(PathPart::Literal(rest[..open].to_owned()));
                    }
                    let Some(close) = rest[open..].find('}') else {
                        self.diags
                            .error(template_at, "unclosed `{` in the path template");
                        return None;
                    };
                    let name = &rest[open + 1..open + close];
                    match params
                        .iter()
                        .position(|p| p.location == ParamLocation::Path && p.wire == name)
                    {
                        Some(i) => {
                            used.insert(i);
                            parts.push(PathPart::Param(i));
                        }
                        None => self.diags.error(
                            op_at.push("parameters"),
                            format!("the path template uses `{{{name}}}` but no path parameter `{name}` is declared"),
                        ),
                    }
                    rest = &rest[open + close + 1..];
                }
                None => {
                    if rest.contains('}') {
                        self.diags
                            .error(template_at, "unmatched `}` in the path template");
                    }
                    parts.push(PathPart::Literal(rest.to_owned()));
                    rest = "";
                }
            }
        }
        Some((parts, used))
    }

    fn unify_error_type(
        &mut self,
        t: TypeRef,
        at: &Pointer,
        error_type: &mut Option<(TypeRef, String)>,
    ) {
        // Error responses of one operation with different schemas are kept as JSON values.
        match error_type {
            None => *error_type = Some((t, at.to_string())),
            Some((existing, _)) if *existing != t => *existing = TypeRef::Json,
            Some(_) => {}
        }
    }

    fn error_in_body(
        &mut self,
        resp: &openapiv3::Response,
        at: &Pointer,
        body: Option<&TypeRef>,
        error_type: &mut Option<(TypeRef, String)>,
    ) -> Option<String> {
        let spec = resp.extensions.get("x-aqua-error-in-body")?;
        let at = at.push("x-aqua-error-in-body");
        let (Some(absent), Some(schema)) = (
            spec.get("absent").and_then(Value::as_str),
            spec.get("schema"),
        ) else {
            self.diags.error(at, "`x-aqua-error-in-body` needs `absent` (a property name) and `schema` (a `$ref` to the error schema)");
            return None;
        };
        let schema: ReferenceOr<Schema> = match serde_json::from_value(schema.clone()) {
            Ok(s) => s,
            Err(e) => {
                self.diags
                    .error(at.push("schema"), format!("invalid schema: {e}"));
                return None;
            }
        };
        if let Some(t) = self.schema_ref(&schema, &at.push("schema"), "BodyError") {
            self.unify_error_type(t, &at.push("schema"), error_type);
        }
        let Some(TypeRef::Named(name)) = body else {
            self.diags.error(
                at,
                "`x-aqua-error-in-body` needs a success body that is an object schema",
            );
            return None;
        };
        let field = match self.types.get(name).map(|t| &t.kind) {
            Some(TypeKind::Struct { fields, .. }) => {
                fields.iter().find(|f| f.wire == absent).cloned()
            }
            _ => None,
        };
        match field {
            Some(f) if !f.required => Some(f.name),
            Some(_) => {
                self.diags.error(
                    at.push("absent"),
                    format!("property `{absent}` is required, so it is never absent"),
                );
                None
            }
            None => {
                self.diags.error(
                    at.push("absent"),
                    format!("the success body has no property `{absent}`"),
                );
                None
            }
        }
    }

    fn request_body(
        &mut self,
        rb: &ReferenceOr<openapiv3::RequestBody>,
        at: &Pointer,
        builder: &str,
        id: &str,
    ) -> Option<Body> {
        let (rb, at) = match rb {
            ReferenceOr::Item(rb) => (rb, at.clone()),
            ReferenceOr::Reference { reference } => {
                let key = reference.strip_prefix("#/components/requestBodies/");
                match key.and_then(|k| self.doc.components.as_ref()?.request_bodies.get(k)) {
                    Some(ReferenceOr::Item(rb)) => (rb, Pointer::from_ref(reference)),
                    _ => {
                        self.diags.error(
                            at.push("$ref"),
                            format!("dangling or unsupported reference `{reference}`"),
                        );
                        return None;
                    }
                }
            }
        };
        let mut ty = None;
        let mut encoding = BodyEncoding::Json;
        let mut media_type = String::from("application/json");
        if rb.content.len() > 1 {
            self.diags.error(
                at.push("content"),
                "a request body with several media types is not supported yet; keep one",
            );
        }
        for (media, content) in &rb.content {
            let mp = at.push("content").push(media);
            media_type = media.clone();
            if is_binary_schema(content) {
                encoding = BodyEncoding::Binary;
                ty = Some(TypeRef::Bytes);
                continue;
            }
            if is_form(media) {
                encoding = BodyEncoding::Form;
            } else if !is_json(media) {
                self.diags.error(
                    mp,
                    format!("request bodies of type `{media}` are supported with a `format: binary` schema (raw bytes), or as JSON or form-urlencoded"),
                );
                continue;
            }
            let Some(schema) = &content.schema else {
                self.diags.error(mp, "a request body needs a `schema`");
                continue;
            };
            let t = self.schema_ref(schema, &mp.push("schema"), &format!("{builder} Body"));
            if encoding == BodyEncoding::Form
                && !matches!(&t, Some(TypeRef::Named(n)) if matches!(self.types.get(n).map(|d| &d.kind), Some(TypeKind::Struct { .. })))
            {
                self.diags.error(
                    mp.push("schema"),
                    "a form-urlencoded body must be an object schema",
                );
            }
            self.collect_examples(content, &mp, t.as_ref(), &format!("{id}/request"));
            ty = ty.or(t);
        }
        Some(Body {
            ty: ty?,
            encoding,
            media_type,
            required: rb.required,
            docs: rb.description.clone(),
        })
    }

    /// `Some(Some(ty))` for a JSON body, `Some(None)` for no body, `None` on error.
    fn response_body(
        &mut self,
        resp: &openapiv3::Response,
        at: &Pointer,
        hint: &str,
        example_prefix: &str,
    ) -> Option<Option<TypeRef>> {
        let mut out = Some(None);
        for (media, content) in &resp.content {
            let mp = at.push("content").push(media);
            if !is_json(media) {
                self.diags.error(
                    mp,
                    format!("responses of type `{media}` are not supported yet (JSON is)"),
                );
                out = None;
                continue;
            }
            let Some(schema) = &content.schema else {
                self.diags.error(mp, "a JSON response needs a `schema`");
                out = None;
                continue;
            };
            let t = self.schema_ref(schema, &mp.push("schema"), hint);
            self.collect_examples(content, &mp, t.as_ref(), example_prefix);
            match t {
                Some(t) => out = Some(Some(t)),
                None => out = None,
            }
        }
        out
    }

    fn collect_examples(
        &mut self,
        content: &openapiv3::MediaType,
        at: &Pointer,
        ty: Option<&TypeRef>,
        prefix: &str,
    ) {
        let Some(ty) = ty else { return };
        let media = at
            .as_str()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .replace("~1", "/")
            .replace("~0", "~");
        if let Some(v) = &content.example {
            self.push_example(
                format!("{prefix}/example"),
                at.push("example"),
                &media,
                ty,
                v.clone(),
                None,
            );
        }
        for (name, ex) in &content.examples {
            let ep = at.push("examples").push(name);
            let (ex, ep) = match ex {
                ReferenceOr::Item(e) => (e, ep),
                ReferenceOr::Reference { reference } => {
                    let key = reference.strip_prefix("#/components/examples/");
                    match key.and_then(|k| self.doc.components.as_ref()?.examples.get(k)) {
                        Some(ReferenceOr::Item(e)) => (e, Pointer::from_ref(reference)),
                        _ => {
                            self.diags.error(
                                ep.push("$ref"),
                                format!("dangling or unsupported reference `{reference}`"),
                            );
                            continue;
                        }
                    }
                }
            };
            if ex.external_value.is_some() {
                self.diags.error(
                    ep.push("externalValue"),
                    "external example values are not supported; inline the value",
                );
                continue;
            }
            let Some(value) = &ex.value else {
                self.diags.error(ep, "the example has no `value`");
                continue;
            };
            let raw = match ex.extensions.get("x-aqua-raw-http") {
                None => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => {
                    self.diags.error(
                        ep.push("x-aqua-raw-http"),
                        "`x-aqua-raw-http` must be a string",
                    );
                    None
                }
            };
            self.push_example(
                format!("{prefix}/{name}"),
                ep,
                &media,
                ty,
                value.clone(),
                raw,
            );
        }
    }

    fn push_example(
        &mut self,
        name: String,
        at: Pointer,
        media: &str,
        ty: &TypeRef,
        value: Value,
        raw_http: Option<String>,
    ) {
        if !self.seen_examples.insert(at.to_string()) {
            return;
        }
        self.examples.push(Example {
            name,
            origin: at.into(),
            media_type: media.to_owned(),
            ty: ty.clone(),
            value,
            raw_http,
        });
    }

    fn resolve_parameter(
        &mut self,
        p: &ReferenceOr<Parameter>,
        at: &Pointer,
    ) -> Option<(Parameter, Pointer)> {
        match p {
            ReferenceOr::Item(p) => Some((p.clone(), at.clone())),
            ReferenceOr::Reference { reference } => {
                let key = reference.strip_prefix("#/components/parameters/");
                match key.and_then(|k| self.doc.components.as_ref()?.parameters.get(k)) {
                    Some(ReferenceOr::Item(p)) => Some((p.clone(), Pointer::from_ref(reference))),
                    _ => {
                        self.diags.error(
                            at.push("$ref"),
                            format!("dangling or unsupported reference `{reference}`"),
                        );
                        None
                    }
                }
            }
        }
    }

    fn resolve_response<'r>(
        &mut self,
        r: &'r ReferenceOr<openapiv3::Response>,
        at: &Pointer,
    ) -> Option<(&'r openapiv3::Response, Pointer)>
    where
        'a: 'r,
    {
        match r {
            ReferenceOr::Item(r) => Some((r, at.clone())),
            ReferenceOr::Reference { reference } => {
                let key = reference.strip_prefix("#/components/responses/");
                match key.and_then(|k| self.doc.components.as_ref()?.responses.get(k)) {
                    Some(ReferenceOr::Item(r)) => Some((r, Pointer::from_ref(reference))),
                    _ => {
                        self.diags.error(
                            at.push("$ref"),
                            format!("dangling or unsupported reference `{reference}`"),
                        );
                        None
                    }
                }
            }
        }
    }
}

fn p_at(at: &Pointer, wire: &str) -> Pointer {
    at.push("properties").push(wire)
}

fn prop_at_pattern(p: &Pointer) -> Pointer {
    p.push("pattern")
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

/// A variant name for a success status (`201` → `Created`).
fn status_name(status: u16) -> String {
    match status {
        200 => "Ok",
        201 => "Created",
        202 => "Accepted",
        203 => "NonAuthoritative",
        204 => "NoContent",
        205 => "ResetContent",
        206 => "PartialContent",
        _ => return format!("Status{status}"),
    }
    .to_owned()
}

/// The first status of a response key (`2XX` → 200).
fn first_code_of(key: &str) -> u16 {
    key.trim_end_matches(['X', 'x'])
        .parse::<u16>()
        .map_or(200, |d| d * 100)
}

fn is_form(media: &str) -> bool {
    media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

/// Whether a media type's schema is `type: string, format: binary`.
fn is_binary_schema(content: &openapiv3::MediaType) -> bool {
    matches!(
        &content.schema,
        Some(ReferenceOr::Item(Schema {
            schema_kind: SchemaKind::Type(Type::String(openapiv3::StringType {
                format: VariantOrUnknownOrEmpty::Item(StringFormat::Binary),
                ..
            })),
            ..
        }))
    )
}

fn is_json(media: &str) -> bool {
    let m = media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
}

fn is_scalar(t: &TypeRef, types: &BTreeMap<String, TypeDef>) -> bool {
    match t {
        TypeRef::String
        | TypeRef::Bool
        | TypeRef::I32
        | TypeRef::I64
        | TypeRef::F32
        | TypeRef::F64 => true,
        TypeRef::FlexInt
        | TypeRef::FlexString
        | TypeRef::FlexBool
        | TypeRef::Secret
        | TypeRef::Caseless(_) => true,
        TypeRef::Named(n) => match types.get(n).map(|d| &d.kind) {
            Some(TypeKind::Enum { .. } | TypeKind::Timestamp { .. }) => true,
            Some(TypeKind::Alias(a)) => is_scalar(a, types),
            _ => false,
        },
        TypeRef::Json | TypeRef::Bytes | TypeRef::Vec(_) | TypeRef::Map(_) => false,
    }
}

/// A readable base name from the pointer of an inline schema (its last property name).
fn at_hint(at: &Pointer) -> String {
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

/// `GET /jobs/{id}/files` → `get_jobs_by_id_files`.
fn derived_operation_id(method: Method, path: &str) -> String {
    let mut words = vec![method.as_str().to_ascii_lowercase()];
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        if let Some(p) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            words.push(format!("by {p}"));
        } else {
            words.push(seg.to_owned());
        }
    }
    words.join(" ")
}

/// Marks every struct reachable from a request body as a request type.
fn mark_request_types(types: &mut BTreeMap<String, TypeDef>, operations: &[Operation]) {
    fn visit(t: &TypeRef, types: &mut BTreeMap<String, TypeDef>) {
        match t {
            TypeRef::Vec(inner) | TypeRef::Map(inner) => visit(inner, types),
            TypeRef::Named(n) => {
                let children = match types.get_mut(n).map(|d| &mut d.kind) {
                    Some(TypeKind::Struct { fields, request }) if !*request => {
                        *request = true;
                        fields.iter().map(|f| f.ty.clone()).collect()
                    }
                    Some(TypeKind::Alias(a)) => vec![a.clone()],
                    _ => Vec::new(),
                };
                for c in children {
                    visit(&c, types);
                }
            }
            _ => {}
        }
    }
    for op in operations {
        if let Some(body) = &op.body {
            visit(&body.ty, types);
        }
    }
}

/// Boxes every struct field whose type can lead back to the struct through unboxed fields.
fn break_cycles(types: &mut BTreeMap<String, TypeDef>) {
    fn direct(t: &TypeRef) -> Option<&str> {
        match t {
            TypeRef::Named(n) | TypeRef::Caseless(n) => Some(n),
            _ => None,
        }
    }
    fn edges(types: &BTreeMap<String, TypeDef>, name: &str) -> Vec<String> {
        match types.get(name).map(|d| &d.kind) {
            Some(TypeKind::Struct { fields, .. }) => fields
                .iter()
                .filter(|f| !f.boxed)
                .filter_map(|f| direct(&f.ty).map(str::to_owned))
                .collect(),
            Some(TypeKind::Alias(t)) => direct(t).map(str::to_owned).into_iter().collect(),
            // Union variants are always boxed (see emit), so they never form a cycle.
            _ => Vec::new(),
        }
    }
    fn reaches(types: &BTreeMap<String, TypeDef>, from: &str, target: &str) -> bool {
        let mut stack = vec![from.to_owned()];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == target {
                return true;
            }
            if seen.insert(n.clone()) {
                stack.extend(edges(types, &n));
            }
        }
        false
    }
    let names: Vec<String> = types.keys().cloned().collect();
    for name in names {
        let count = match types.get(&name).map(|d| &d.kind) {
            Some(TypeKind::Struct { fields, .. }) => fields.len(),
            _ => continue,
        };
        for i in 0..count {
            let target = match &types[&name].kind {
                TypeKind::Struct { fields, .. } => direct(&fields[i].ty).map(str::to_owned),
                _ => None,
            };
            if let Some(target) = target {
                if reaches(types, &target, &name) {
                    if let Some(TypeDef {
                        kind: TypeKind::Struct { fields, .. },
                        ..
                    }) = types.get_mut(&name)
                    {
                        fields[i].boxed = true;
                    }
                }
            }
        }
    }
}
