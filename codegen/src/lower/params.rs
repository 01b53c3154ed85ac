//! Parameters: the path item's and the operation's, merged (the operation's override), each
//! with its location, type, limits and `x-aqua-transport` / `x-aqua-idempotency-key`.

use super::extensions::{Extension, IdempotencyKey, Transport};
use super::operation::OperationContext;
use super::{Lowerer, is_scalar};
use crate::diag::Pointer;
use crate::model::{Param, ParamLocation, TypeRef};
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
        let location = match param {
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
                return None;
            }
        };
        let hint = format!("{} {}", cx.builder_name, data.name);
        let ty = self.schema_ref(schema, &ptr.push("schema"), &hint)?;
        let query_array = location == ParamLocation::Query
            && matches!(&ty, TypeRef::Vec(inner) if is_scalar(inner, &self.types));
        if !is_scalar(&ty, &self.types) && !query_array {
            self.diags.error(ptr.push("schema"), "only scalar parameters (strings, numbers, booleans, string enums), and arrays of them in the query, are supported");
            return None;
        }
        let explode = data.explode.unwrap_or(true);
        let (min_length, max_length, pattern) = match schema {
            ReferenceOr::Item(Schema {
                schema_kind: SchemaKind::Type(Type::String(s)),
                ..
            }) => (s.min_length, s.max_length, s.pattern.clone()),
            _ => (None, None, None),
        };
        let pattern =
            pattern.filter(|p| self.check_pattern(p, &ptr.push("schema").push("pattern")));
        let docs = data.description.clone().or_else(|| match schema {
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
            idempotency_key,
            wire: data.name.clone(),
            location,
            ty,
            required: data.required,
            docs,
            min_length,
            max_length,
            pattern,
            transport,
        })
    }
}
