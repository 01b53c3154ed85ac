//! Parameters: the path item's and the operation's, merged (the operation's override), each
//! with its location, type, limits and `x-aqua-transport` / `x-aqua-idempotency-key`.

use super::extensions::{Extension, IdempotencyKey, Transport};
use super::media::is_json;
use super::operation::OperationContext;
use super::{Lowerer, is_scalar};
use crate::diag::Pointer;
use crate::model::{Param, ParamLocation, ParamStyle, TypeRef};
use crate::names::{self, Scope};
use openapiv3::{Parameter, ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind, Type};

impl<'a> Lowerer<'a> {
    /// The parameters of an operation, path-item level first, overridden by operation level.
    pub(super) fn params(&mut self, cx: &OperationContext<'a, '_>) -> Vec<Param> {
        let mut declared: Vec<(&'a ReferenceOr<Parameter>, Pointer)> = Vec::new();
        for (i, p) in cx.item.parameters.iter().enumerate() {
            declared.push((
                p,
                Pointer::root()
                    .push("paths")
                    .push(cx.path)
                    .push("parameters")
                    .push(i),
            ));
        }
        for (i, p) in cx.op.parameters.iter().enumerate() {
            declared.push((p, cx.at.push("parameters").push(i)));
        }
        let mut resolved: Vec<(&'a Parameter, Pointer)> = Vec::new();
        for (p, ptr) in declared {
            let Some((param, ptr)) =
                self.resolve(p, &ptr, "#/components/parameters/", |c| &c.parameters)
            else {
                continue;
            };
            let data = param.parameter_data_ref();
            if let Some(pos) = resolved.iter().position(|(q, _)| {
                let qd = q.parameter_data_ref();
                qd.name == data.name && std::mem::discriminant(*q) == std::mem::discriminant(param)
            }) {
                resolved.remove(pos);
            }
            resolved.push((param, ptr));
        }
        let mut scope =
            Scope::with_reserved(&["client", "body", "send", "path", "request", "value"]);
        resolved
            .into_iter()
            .filter_map(|(param, ptr)| self.param(param, &ptr, cx, &mut scope))
            .collect()
    }

    /// One parameter; `scope` holds the names of the builder's fields.
    fn param(
        &mut self,
        param: &'a Parameter,
        ptr: &Pointer,
        cx: &OperationContext<'a, '_>,
        scope: &mut Scope,
    ) -> Option<Param> {
        let data = param.parameter_data_ref();
        let (location, mut style) = match param {
            Parameter::Path { style, .. } => (
                ParamLocation::Path,
                match style {
                    openapiv3::PathStyle::Matrix => ParamStyle::Matrix,
                    openapiv3::PathStyle::Label => ParamStyle::Label,
                    openapiv3::PathStyle::Simple => ParamStyle::Simple,
                },
            ),
            Parameter::Query { style, .. } => (
                ParamLocation::Query,
                match style {
                    openapiv3::QueryStyle::Form => ParamStyle::Form,
                    openapiv3::QueryStyle::SpaceDelimited => ParamStyle::SpaceDelimited,
                    openapiv3::QueryStyle::PipeDelimited => ParamStyle::PipeDelimited,
                    openapiv3::QueryStyle::DeepObject => ParamStyle::DeepObject,
                },
            ),
            Parameter::Header { .. } => (ParamLocation::Header, ParamStyle::Simple),
            Parameter::Cookie { .. } => (ParamLocation::Cookie, ParamStyle::Form),
        };
        if location == ParamLocation::Path && !data.required {
            self.diags.warning(
                ptr.push("required"),
                "path parameters are always required: generated as a required parameter",
            );
        }
        let hint = format!("{} {}", cx.builder_name, data.name);
        let (schema, schema_at) = match &data.format {
            ParameterSchemaOrContent::Schema(s) => (Some(s), ptr.push("schema")),
            ParameterSchemaOrContent::Content(content) => {
                // `content` (one media type): JSON text, or a plain value for other types.
                let Some((media, c)) = content.iter().next() else {
                    self.diags.warning(
                        ptr.push("content"),
                        "a parameter's `content` names no media type: generated as a string",
                    );
                    let shape = Shape {
                        location,
                        style,
                        ty: TypeRef::String,
                        schema: None,
                    };
                    return self.finish_param(param, ptr, scope, shape);
                };
                if is_json(media) {
                    style = ParamStyle::Json;
                }
                let at = ptr.push("content").push(media).push("schema");
                match &c.schema {
                    Some(s) => (Some(s), at),
                    None => (None, at),
                }
            }
        };
        let ty = match schema {
            Some(schema) => self.schema_ref(schema, &schema_at, &hint)?,
            None if style == ParamStyle::Json => TypeRef::Json,
            None => TypeRef::String,
        };
        let items_scalar = match &ty {
            TypeRef::Vec(inner) => is_scalar(inner, &self.types),
            _ => true,
        };
        if !items_scalar && style != ParamStyle::Json {
            self.diags.warning(
                schema_at.clone(),
                "an array of arrays or objects in a parameter has no standard serialization: each item is sent as JSON text",
            );
        }
        // A binary string is sent as its text.
        let ty = if matches!(ty, TypeRef::Bytes | TypeRef::Binary) {
            TypeRef::String
        } else {
            ty
        };
        let shape = Shape {
            location,
            style,
            ty,
            schema,
        };
        self.finish_param(param, ptr, scope, shape)
    }

    /// The rest of a parameter, once its location, style and type are known: limits, docs and
    /// the vendor extensions.
    fn finish_param(
        &mut self,
        param: &'a Parameter,
        ptr: &Pointer,
        scope: &mut Scope,
        shape: Shape<'a>,
    ) -> Option<Param> {
        let Shape {
            location,
            style,
            ty,
            schema,
        } = shape;
        let data = param.parameter_data_ref();
        // `explode` defaults to true for `style: form` only.
        let explode = data.explode.unwrap_or(style == ParamStyle::Form);
        // Lengths and patterns check text: not an enum's value (a string enum with a
        // `maxLength`).
        let text = matches!(ty, TypeRef::String | TypeRef::Secret);
        let (min_length, max_length, pattern) = match schema {
            Some(ReferenceOr::Item(Schema {
                schema_kind: SchemaKind::Type(Type::String(s)),
                ..
            })) if text => (
                s.min_length.filter(|n| *n > 0),
                s.max_length,
                s.pattern.clone(),
            ),
            _ => (None, None, None),
        };
        let pattern =
            pattern.filter(|p| self.check_pattern(p, &ptr.push("schema").push("pattern")));
        let docs = data.description.clone().or_else(|| match schema? {
            ReferenceOr::Reference { reference } => self.referenced_docs(reference),
            ReferenceOr::Item(s) => s.schema_data.description.clone(),
        });
        let header = location == ParamLocation::Header && !data.required;
        let transport = match self.extension::<Transport>(&data.extensions, ptr) {
            None => false,
            Some(Ok(Transport(b))) if header => b,
            Some(_) => {
                self.diags.error(
                    ptr.push(Transport::NAME),
                    "`x-aqua-transport` must be `true` or `false` on an optional header parameter",
                );
                false
            }
        };
        let idempotency_key = match self.extension::<IdempotencyKey>(&data.extensions, ptr) {
            None => false,
            Some(Ok(IdempotencyKey(b))) if header => b,
            Some(_) => {
                self.diags.error(
                    ptr.push(IdempotencyKey::NAME),
                    "`x-aqua-idempotency-key` must be `true` or `false` on an optional header parameter",
                );
                false
            }
        };
        Some(Param {
            name: scope.claim(names::field_name(&data.name)),
            explode,
            style,
            idempotency_key,
            wire: data.name.clone(),
            location,
            ty,
            required: data.required || location == ParamLocation::Path,
            docs,
            min_length: min_length.filter(|&n| n > 0),
            max_length,
            pattern,
            transport,
        })
    }
}

/// Where a parameter goes, how it is written, and its type and schema.
struct Shape<'a> {
    location: ParamLocation,
    style: ParamStyle,
    ty: TypeRef,
    schema: Option<&'a ReferenceOr<Schema>>,
}
