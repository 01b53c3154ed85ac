//! Request bodies (JSON, form-urlencoded, raw bytes), and the marking of the types they send.

use std::collections::BTreeMap;

use openapiv3::{ReferenceOr, Schema, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty};

use super::Lowerer;
use super::operation::OperationContext;
use crate::diag::Pointer;
use crate::model::{Body, BodyEncoding, Operation, TypeDef, TypeKind, TypeRef};

impl<'a> Lowerer<'a> {
    /// The operation's request body.
    pub(super) fn request_body(
        &mut self,
        rb: &'a ReferenceOr<openapiv3::RequestBody>,
        at: &Pointer,
        cx: &OperationContext<'a, '_>,
    ) -> Option<Body> {
        let (builder, id) = (&cx.builder_name, &cx.id);
        let (rb, at) =
            self.resolve(rb, at, "#/components/requestBodies/", |c| &c.request_bodies)?;
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
}

pub(super) fn is_form(media: &str) -> bool {
    media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

/// Whether a media type's schema is `type: string, format: binary`.
pub(super) fn is_binary_schema(content: &openapiv3::MediaType) -> bool {
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

pub(super) fn is_json(media: &str) -> bool {
    let m = media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
}

/// Marks every struct reachable from a request body as a request type.
pub(super) fn mark_request_types(types: &mut BTreeMap<String, TypeDef>, operations: &[Operation]) {
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
