//! Request bodies (JSON, form-urlencoded, multipart, text, raw bytes), in one or several media
//! types, and the marking of the types they send.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::ReferenceOr;

use super::Lowerer;
use super::media::{self, is_binary_schema, is_form, is_json, is_multipart_form, is_text};
use super::operation::OperationContext;
use crate::diag::Pointer;
use crate::model::{
    Body, BodyEncoding, Content, Operation, Param, PropertyEncoding, TypeDef, TypeKind, TypeRef,
};
use crate::names::{self, Scope};

impl<'a> Lowerer<'a> {
    /// The operation's request body: every media type it documents, the preferred first.
    /// Media types with the same encoding and schema are one content (JSON as `text/json`
    /// and `application/json`, say).
    pub(super) fn request_body(
        &mut self,
        rb: &'a ReferenceOr<openapiv3::RequestBody>,
        at: &Pointer,
        cx: &OperationContext<'a, '_>,
        params: &[Param],
    ) -> Option<Body> {
        let (rb, at) =
            self.resolve(rb, at, "#/components/requestBodies/", |c| &c.request_bodies)?;
        let mut documented: Vec<(&'a String, &'a openapiv3::MediaType, BodyEncoding)> = rb
            .content
            .iter()
            .map(|(m, c)| (m, c, encoding_of(m, c)))
            .collect();
        documented.sort_by_key(|(m, _, e)| rank(m, *e));
        let mut contents: Vec<(Content, Option<&'a ReferenceOr<openapiv3::Schema>>)> = Vec::new();
        // Whether raw bytes of several media types (or of a range) were documented.
        let mut choose_type = false;
        for (media, content, encoding) in documented {
            let same = contents.iter_mut().find(|(c, schema)| {
                c.encoding == encoding
                    && match encoding {
                        BodyEncoding::Text | BodyEncoding::Binary => true,
                        _ => *schema == content.schema.as_ref(),
                    }
            });
            if let Some((same, _)) = same {
                same.media_types.push(media.clone());
                choose_type |= encoding == BodyEncoding::Binary;
                continue;
            }
            let mp = at.push("content").push(media);
            let Some(c) = self.content(media, content, encoding, &mp, cx) else {
                continue;
            };
            contents.push((c, content.schema.as_ref()));
        }
        if rb.content.is_empty() {
            self.diags.warning(
                at.push("content"),
                "the request body documents no media type: generated as raw bytes (`Vec<u8>`) sent as `application/octet-stream`",
            );
            contents.push((
                Content {
                    media_types: vec!["application/octet-stream".into()],
                    content_type: "application/octet-stream".into(),
                    content_type_setter: None,
                    ty: TypeRef::Bytes,
                    encoding: BodyEncoding::Binary,
                    properties: Vec::new(),
                    variant: String::new(),
                    setter: String::new(),
                },
                None,
            ));
        }
        let mut contents: Vec<Content> = contents.into_iter().map(|(c, _)| c).collect();
        if contents.is_empty() {
            return None;
        }
        // Names: the first content is `body`; the others get setters of their own, which must
        // not collide with the parameters' setters.
        let mut setters = Scope::with_reserved(&["body", "send"]);
        for p in params {
            setters.claim(p.name.clone());
        }
        let mut variants = Scope::default();
        for (i, c) in contents.iter_mut().enumerate() {
            let short = media::short_name(&c.media_types[0]);
            c.variant = variants.claim(names::type_name(&short));
            c.setter = if i == 0 {
                "body".to_owned()
            } else {
                setters.claim(format!("body_{}", names::field_name(&short)))
            };
            if c.encoding == BodyEncoding::Binary
                && (choose_type || media::is_opaque(&c.media_types[0]))
            {
                c.content_type_setter = Some(setters.claim("content_type".to_owned()));
            }
        }
        let enum_name = (contents.len() > 1)
            .then(|| self.type_scope.claim(format!("{}Content", cx.builder_name)));
        Some(Body {
            contents,
            enum_name,
            required: rb.required,
            docs: rb.description.clone(),
        })
    }

    /// One media type of a request body.
    fn content(
        &mut self,
        media: &str,
        content: &'a openapiv3::MediaType,
        encoding: BodyEncoding,
        mp: &Pointer,
        cx: &OperationContext<'a, '_>,
    ) -> Option<Content> {
        let mut encoding = encoding;
        let mut content_type = media::content_type(media);
        let ty = match encoding {
            BodyEncoding::Text => TypeRef::String,
            BodyEncoding::Binary => TypeRef::Bytes,
            BodyEncoding::Multipart if is_binary_schema(content) => {
                self.diags.warning(
                    mp.push("schema"),
                    "a multipart body that is not an object schema: generated as a map of part names to bytes, each sent as a file part",
                );
                TypeRef::Map(Box::new(TypeRef::Bytes))
            }
            BodyEncoding::Json | BodyEncoding::Form | BodyEncoding::Multipart => {
                let hint = format!("{} Body", cx.builder_name);
                let ty = match &content.schema {
                    Some(schema) => self.schema_ref(schema, &mp.push("schema"), &hint)?,
                    None => TypeRef::Json,
                };
                match encoding {
                    BodyEncoding::Form if !self.is_object_like(&ty) => {
                        self.diags.warning(
                            mp.push("schema"),
                            "a form-urlencoded body that is not an object schema: generated as a `String` sent as it is (already form-encoded)",
                        );
                        encoding = BodyEncoding::Text;
                        content_type = "application/x-www-form-urlencoded".to_owned();
                        TypeRef::String
                    }
                    BodyEncoding::Multipart if !self.is_object_like(&ty) => {
                        self.diags.warning(
                            mp.push("schema"),
                            "a multipart body that is not an object schema: generated as a map of part names to bytes, each sent as a file part",
                        );
                        TypeRef::Map(Box::new(TypeRef::Bytes))
                    }
                    _ => {
                        if matches!(encoding, BodyEncoding::Json | BodyEncoding::Form) {
                            let prefix = format!("{}/request", cx.id);
                            self.collect_examples(content, mp, Some(&ty), &prefix);
                        }
                        ty
                    }
                }
            }
        };
        let properties = match encoding {
            BodyEncoding::Form | BodyEncoding::Multipart => content
                .encoding
                .iter()
                .map(|(wire, e)| PropertyEncoding {
                    wire: wire.clone(),
                    deep_object: encoding == BodyEncoding::Form
                        && matches!(e.style, Some(openapiv3::QueryStyle::DeepObject)),
                    content_type: e
                        .content_type
                        .as_deref()
                        .filter(|_| encoding == BodyEncoding::Multipart)
                        .and_then(|t| t.split(',').next())
                        .map(|t| media::content_type(t.trim())),
                })
                .filter(|p| p.deep_object || p.content_type.is_some())
                .collect(),
            _ => Vec::new(),
        };
        Some(Content {
            media_types: vec![media.to_owned()],
            content_type,
            content_type_setter: None,
            ty,
            encoding,
            properties,
            variant: String::new(),
            setter: String::new(),
        })
    }

    /// Whether values of `ty` encode as objects (structs, maps, unions, any JSON value), as
    /// form and multipart bodies must.
    fn is_object_like(&self, ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Json | TypeRef::Map(_) => true,
            TypeRef::Named(n) => match self.types.get(n).map(|d| &d.kind) {
                Some(TypeKind::Struct { .. } | TypeKind::Union { .. }) => true,
                Some(TypeKind::Alias(a)) => self.is_object_like(a),
                _ => false,
            },
            _ => false,
        }
    }
}

/// How a request body of `media` is encoded.
fn encoding_of(media: &str, content: &openapiv3::MediaType) -> BodyEncoding {
    if is_multipart_form(media) {
        BodyEncoding::Multipart
    } else if is_binary_schema(content) {
        BodyEncoding::Binary
    } else if is_json(media) {
        BodyEncoding::Json
    } else if is_form(media) {
        BodyEncoding::Form
    } else if is_text(media) {
        BodyEncoding::Text
    } else {
        BodyEncoding::Binary
    }
}

/// The order of preference of the contents: `application/json`, other JSON, form,
/// multipart, text, bytes.
fn rank(media: &str, encoding: BodyEncoding) -> u8 {
    match encoding {
        BodyEncoding::Json if media::is_plain_json(media) => 0,
        BodyEncoding::Json => 1,
        BodyEncoding::Form => 2,
        BodyEncoding::Multipart => 3,
        BodyEncoding::Text => 4,
        BodyEncoding::Binary => 5,
    }
}

/// Marks every struct reachable from a request body or a parameter as a request type.
pub(super) fn mark_request_types(types: &mut BTreeMap<String, TypeDef>, operations: &[Operation]) {
    // Each named type is looked at once, so aliases that lead back to themselves end.
    fn visit(t: &TypeRef, types: &mut BTreeMap<String, TypeDef>, seen: &mut BTreeSet<String>) {
        let mut stack = vec![t.clone()];
        while let Some(t) = stack.pop() {
            match t {
                TypeRef::Vec(inner) | TypeRef::Map(inner) => stack.push(*inner),
                TypeRef::Named(n) if seen.insert(n.clone()) => {
                    match types.get_mut(&n).map(|d| &mut d.kind) {
                        Some(TypeKind::Struct {
                            fields,
                            request,
                            additional,
                        }) => {
                            *request = true;
                            stack.extend(fields.iter().map(|f| f.ty.clone()));
                            stack.extend(additional.iter().cloned());
                        }
                        Some(TypeKind::Alias(a)) => stack.push(a.clone()),
                        // A union's alternatives are built by callers too.
                        Some(TypeKind::Union { variants, .. }) => {
                            stack.extend(variants.iter().map(|v| v.ty.clone()));
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }
    let mut seen = BTreeSet::new();
    for op in operations {
        for content in op.body.iter().flat_map(|b| &b.contents) {
            visit(&content.ty, types, &mut seen);
        }
        // Object parameters are built by callers too.
        for p in &op.params {
            visit(&p.ty, types, &mut seen);
        }
    }
}
