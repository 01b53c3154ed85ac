//! A schema in a type position (a field, an item, a parameter, a body): scalars, arrays, maps
//! and free-form values map to a type without a name; the rest become named types through
//! [`define`](Lowerer::define). Both start from the schema's [`Shape`](super::infer::Shape)
//! and make a [`Plan`]: a type without a name, or what a named type is built from.

use super::extensions::{CaseInsensitive, Flex, Invalid, TimestampFormats, has};
use super::infer::{self, Shape, StrFormat};
use super::objects::Merged;
use super::{Inline, Lowerer, SCHEMAS};
use crate::diag::Pointer;
use crate::model::{TypeDef, TypeKind, TypeRef};
use crate::names;
use openapiv3::{AdditionalProperties, ReferenceOr, Schema};

/// What a schema becomes.
pub(super) enum Plan<'s> {
    /// A type without a name of its own (`None`: an error was recorded).
    Unnamed(Option<TypeRef>),
    /// A struct of these properties.
    Struct(Merged<'s>),
    /// A string enum of `source` (at `at`).
    StringEnum {
        values: Vec<String>,
        source: &'s Schema,
        at: Pointer,
    },
    /// An integer or number enum of `source` (at `at`).
    NumberEnum {
        integer: bool,
        values: Vec<serde_json::Number>,
        source: &'s Schema,
        at: Pointer,
    },
    /// A Zuora timestamp (`x-aqua-timestamp-formats` of `source`, at `at`).
    Timestamp { source: &'s Schema, at: Pointer },
    /// A `oneOf`/`anyOf` of these alternatives (`source` has the discriminator).
    Union {
        list: &'s [ReferenceOr<Schema>],
        key: &'static str,
        source: &'s Schema,
        at: Pointer,
    },
}

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
    /// reached again (through an `allOf` that merges a component's properties, or a `$ref`
    /// into a component), it is the same type, and reached again while it is being
    /// converted, a reference to the type it is becoming (a recursive type, boxed later). A
    /// schema that needs a named type gets one, called `hint`. A schema nested more than
    /// [`MAX_DEPTH`] inline schemas deep becomes `serde_json::Value`, with a warning.
    pub(super) fn inline(&mut self, schema: &Schema, at: &Pointer, hint: &str) -> Option<TypeRef> {
        if let Some(known) = self.inline_known(at) {
            return known;
        }
        if self.depth >= MAX_DEPTH {
            self.warning(
                at,
                format!("this schema is nested more than {MAX_DEPTH} schemas deep: generated as `serde_json::Value`"),
            );
            return Some(TypeRef::Json);
        }
        self.depth += 1;
        let ty = self.convert_inline(schema, at, hint);
        self.depth -= 1;
        if at.as_str().starts_with(SCHEMAS) || self.shared_inline.contains(at.as_str()) {
            // Only an `allOf` (or a `$ref` into a component) reaches a component's inner
            // schemas a second time.
            self.inline_types
                .insert(at.as_str().to_owned(), Inline::Done(ty.clone()));
        } else {
            // Elsewhere a second reach is a shared component (a response, a parameter) used
            // by another operation, which names its own types.
            self.inline_types.remove(at.as_str());
        }
        ty
    }

    /// The type of the inline schema at `at` when it was reached before: the type it is
    /// becoming while it is converted (a recursive reach, recorded so that the type is kept,
    /// see [`keep_inline`](Self::keep_inline)), or the one it became. `None`: not reached yet.
    pub(super) fn inline_known(&mut self, at: &Pointer) -> Option<Option<TypeRef>> {
        match self.inline_types.get(at.as_str())? {
            Inline::Converting(name) => {
                let name = name.clone();
                self.reached_converting.insert(name.clone());
                Some(Some(TypeRef::Named(name)))
            }
            Inline::Done(ty) => Some(ty.clone()),
        }
    }

    fn convert_inline(&mut self, schema: &Schema, at: &Pointer, hint: &str) -> Option<TypeRef> {
        let plan = match self.plan(schema, at, hint) {
            Plan::Unnamed(t) => return t,
            plan => plan,
        };
        let name = self.type_scope.claim(names::type_name(hint));
        // Recorded before the type is built, so that a schema reached again inside it names it.
        self.inline_types
            .insert(at.as_str().to_owned(), Inline::Converting(name.clone()));
        let def = self.build(&name, schema, plan, at)?;
        let caseless = matches!(
            def.kind,
            TypeKind::Enum {
                case_insensitive: true,
                ..
            }
        );
        let name = self.keep_inline(name, def);
        Some(if caseless {
            TypeRef::Caseless(name)
        } else {
            TypeRef::Named(name)
        })
    }

    /// Keeps the type made from an inline schema, unless an inline schema converted before
    /// made a type of the same shape (docs and kind: fields with their names, types, docs and
    /// limits; variants): then that type is used instead, and `name` is given back. The
    /// inner types were kept or replaced the same way before, so equal nested objects collapse
    /// from the inside out. Big documents repeat the same inline object in every operation
    /// (akeneo's 1,616 inline structs have 575 distinct field lists): one type each cuts the
    /// code to compile (issue 17). A recursive type (reached while it was converted) is
    /// always kept.
    fn keep_inline(&mut self, name: String, def: TypeDef) -> String {
        if self.reached_converting.remove(&name) {
            self.types.insert(name.clone(), def);
            return name;
        }
        // The `Debug` text is the key: it spells every part of the shape, and the kind holds
        // `f64`s (limits, number enums), so it has no `Hash`.
        let shape = format!("{:?}", (&def.docs, &def.kind));
        if let Some(same) = self.inline_shapes.get(&shape) {
            let same = same.clone();
            self.type_scope.release(&name);
            return same;
        }
        self.inline_shapes.insert(shape, name.clone());
        self.types.insert(name.clone(), def);
        name
    }

    /// Converts a component schema: a named type (an alias when the schema needs no name).
    pub(super) fn define(&mut self, name: &str, schema: &Schema, at: &Pointer) -> Option<TypeDef> {
        let plan = self.plan(schema, at, name);
        self.build(name, schema, plan, at)
    }

    /// The shape of a schema, with the ambiguities found recorded as warnings.
    pub(super) fn classified<'s>(&mut self, schema: &'s Schema, at: &Pointer) -> Shape<'s> {
        let mut notes = infer::Notes::default();
        let c = infer::classify(schema, at, &mut notes);
        for (pointer, message) in notes.0 {
            self.warning(&pointer, message);
        }
        c
    }

    /// What a schema becomes; `hint` names the inline types it needs.
    pub(super) fn plan<'s>(&mut self, schema: &'s Schema, at: &Pointer, hint: &str) -> Plan<'s>
    where
        'a: 's,
    {
        let extensions = &schema.schema_data.extensions;
        if let Some(flex) = self.extension::<Flex>(extensions, at) {
            return Plan::Unnamed(self.flex(schema, flex, at));
        }
        let c = self.classified(schema, at);
        self.plan_shape(schema, c, at, hint)
    }

    /// What a schema of this shape becomes.
    pub(super) fn plan_shape<'s>(
        &mut self,
        schema: &'s Schema,
        c: Shape<'s>,
        at: &Pointer,
        hint: &str,
    ) -> Plan<'s>
    where
        'a: 's,
    {
        let extensions = &schema.schema_data.extensions;
        let is_string = matches!(c, Shape::String { .. });
        if !is_string && has::<CaseInsensitive>(extensions) {
            self.diags
                .error(at, "`x-aqua-case-insensitive` applies to string enums only");
        }
        let unnamed = |t| Plan::Unnamed(Some(t));
        match c {
            Shape::Any => unnamed(TypeRef::Json),
            Shape::Not => {
                self.warning(
                    &at.push("not"),
                    "`not` schemas cannot be typed: generated as `serde_json::Value`",
                );
                unnamed(TypeRef::Json)
            }
            Shape::String { format, values } => {
                if has::<TimestampFormats>(extensions) {
                    if !values.is_empty() {
                        self.diags.error(at, "a timestamp cannot also be an enum");
                        return Plan::Unnamed(None);
                    }
                    return Plan::Timestamp {
                        source: schema,
                        at: at.clone(),
                    };
                }
                if !values.is_empty() {
                    return Plan::StringEnum {
                        values,
                        source: schema,
                        at: at.clone(),
                    };
                }
                if has::<CaseInsensitive>(extensions) {
                    self.diags
                        .error(at, "`x-aqua-case-insensitive` applies to string enums only");
                }
                unnamed(match format {
                    StrFormat::Binary => TypeRef::Binary,
                    StrFormat::Password => TypeRef::Secret,
                    StrFormat::Plain => TypeRef::String,
                })
            }
            Shape::Integer { int32, values } => {
                if values.is_empty() {
                    unnamed(if int32 { TypeRef::I32 } else { TypeRef::I64 })
                } else {
                    Plan::NumberEnum {
                        integer: true,
                        values: values.into_iter().map(serde_json::Number::from).collect(),
                        source: schema,
                        at: at.clone(),
                    }
                }
            }
            Shape::Number { float, values } => {
                if values.is_empty() {
                    unnamed(if float { TypeRef::F32 } else { TypeRef::F64 })
                } else {
                    Plan::NumberEnum {
                        integer: false,
                        values: values.into_iter().filter_map(number).collect(),
                        source: schema,
                        at: at.clone(),
                    }
                }
            }
            Shape::Boolean => unnamed(TypeRef::Bool),
            Shape::Array { items } => {
                let hint = format!("{}Item", at_hint(at));
                Plan::Unnamed(match items {
                    Some(items) => self
                        .boxed_ref(items, &at.push("items"), &hint)
                        .map(|t| TypeRef::Vec(Box::new(t))),
                    None => Some(TypeRef::Vec(Box::new(TypeRef::Json))),
                })
            }
            Shape::Object(o) => {
                if o.properties.is_empty() && o.alternatives.is_none() {
                    match o.additional {
                        None | Some(AdditionalProperties::Any(true)) => {
                            return unnamed(TypeRef::Json);
                        }
                        Some(AdditionalProperties::Schema(s)) => {
                            let hint = format!("{}Value", at_hint(at));
                            return Plan::Unnamed(
                                self.schema_ref(s, &at.push("additionalProperties"), &hint)
                                    .map(|t| TypeRef::Map(Box::new(t))),
                            );
                        }
                        // No property at all: an empty struct (that keeps what a newer API
                        // sends in `unknown_fields`).
                        Some(AdditionalProperties::Any(false)) => {}
                    }
                }
                Plan::Struct(self.object_parts(&o, at))
            }
            Shape::AllOf { parts, own, scalar } => {
                self.all_of(schema, parts, own, scalar, at, hint)
            }
            Shape::Union { list, key } => match list {
                [] => {
                    self.warning(
                        &at.push(key),
                        format!("a `{key}` without alternatives matches no value: generated as `serde_json::Value`"),
                    );
                    unnamed(TypeRef::Json)
                }
                // One alternative: that alternative (the schema only documents it).
                [only] if schema.schema_data.discriminator.is_none() => {
                    Plan::Unnamed(self.schema_ref(only, &at.push(key).push(0), hint))
                }
                _ => Plan::Union {
                    list,
                    key,
                    source: schema,
                    at: at.clone(),
                },
            },
        }
    }

    /// Builds the named type `name` from its plan.
    pub(super) fn build(
        &mut self,
        name: &str,
        schema: &Schema,
        plan: Plan<'_>,
        at: &Pointer,
    ) -> Option<TypeDef> {
        let kind = match plan {
            Plan::Unnamed(t) => TypeKind::Alias(t?),
            Plan::Struct(merged) => self.object(name, merged),
            Plan::StringEnum { values, source, at } => {
                self.string_enum(name, source, &values, &at)?
            }
            Plan::NumberEnum {
                integer,
                values,
                source,
                at,
            } => self.number_enum(source, integer, &values, &at),
            Plan::Timestamp { source, at } => {
                let formats =
                    self.extension::<TimestampFormats>(&source.schema_data.extensions, &at)?;
                let marker = self.type_scope.claim(format!("{name}Formats"));
                self.timestamp(formats, marker, &at.push("x-aqua-timestamp-formats"))?
            }
            Plan::Union {
                list,
                key,
                source,
                at,
            } => self.union(
                name,
                list,
                source.schema_data.discriminator.as_ref(),
                &at.push(key),
            )?,
        };
        Some(TypeDef {
            name: name.to_owned(),
            docs: self.schema_docs(schema),
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

    /// Whether `pattern` is a regular expression the client can check; warns if not (the
    /// value is then sent unchecked).
    pub(super) fn check_pattern(&mut self, pattern: &str, at: &Pointer) -> bool {
        match regex_lite::Regex::new(pattern) {
            Ok(_) => true,
            Err(e) => {
                self.warning(
                    at,
                    format!("`pattern` is not a regular expression the client can check ({e}): values are not checked against it"),
                );
                false
            }
        }
    }

    /// The description of a schema (else its title); for an `allOf` wrapper without one, the
    /// first description among its parts that only document.
    pub(super) fn schema_docs(&self, schema: &Schema) -> Option<String> {
        let data = &schema.schema_data;
        if let Some(d) = data.description.clone().or_else(|| data.title.clone()) {
            return Some(d);
        }
        let parts = super::compose::all_of_parts(schema)?;
        parts.iter().find_map(|p| match p {
            ReferenceOr::Item(s) => s.schema_data.description.clone(),
            ReferenceOr::Reference { .. } => None,
        })
    }
}

/// An enum value as a JSON number: an integer when it is one (`1`, not `1.0`).
fn number(v: f64) -> Option<serde_json::Number> {
    if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
        Some(serde_json::Number::from(v as i64))
    } else {
        serde_json::Number::from_f64(v)
    }
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
