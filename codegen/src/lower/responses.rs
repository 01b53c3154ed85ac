//! Responses: success bodies (JSON, empty, binary, several), error bodies and the operation's
//! error type, and `x-aqua-error-in-body`.

use super::Lowerer;
use super::bodies::{is_binary_schema, is_json};
use super::extensions::{ErrorInBody, Extension, has};
use super::operation::OperationContext;
use crate::diag::Pointer;
use crate::model::{Alternative, Response, ResponseBody, Several, Success, TypeKind, TypeRef};
use crate::names::Scope;
use openapiv3::{ReferenceOr, Schema, StatusCode};

impl<'a> Lowerer<'a> {
    /// What a successful call returns, from the operation's responses; error responses add
    /// their schema to the operation's error type.
    pub(super) fn responses(&mut self, cx: &mut OperationContext<'a, '_>) -> Option<Success> {
        let (op, at) = (cx.op, &cx.at);
        // The first success response, and the alternatives after it.
        let mut first: Option<Response> = None;
        let mut more: Vec<Alternative> = Vec::new();
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
        for (key, status, exact, r) in entries {
            let rp = at.push("responses").push(&key);
            let Some((resp, rp)) =
                self.resolve(r, &rp, "#/components/responses/", |c| &c.responses)
            else {
                continue;
            };
            if !resp.links.is_empty() {
                self.diags.warning(
                    rp.push("links"),
                    "response links are not generated: the response is generated without them",
                );
            }
            let is_success = (200..300).contains(&status);
            let prefix = match rp.as_str().strip_prefix("#/components/responses/") {
                Some(component) => format!("responses/{component}"),
                None => format!("{}/{key}", cx.id),
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
                if first.is_some() {
                    self.diags.error(
                        rp,
                        "several success responses per operation are not supported yet",
                    );
                    continue;
                }
                first = Some(Response {
                    status: exact.unwrap_or(status),
                    docs: response_docs(resp),
                    body: ResponseBody::Binary {
                        media_types: binary,
                    },
                });
                continue;
            }
            let hint = if is_success {
                format!("{} Body", cx.builder_name)
            } else {
                format!("{} Error Body", cx.builder_name)
            };
            let ty = self.response_body(resp, &rp, &hint, &prefix);
            if is_success {
                if let Some(first) = &first {
                    let plain = matches!(
                        first.body,
                        ResponseBody::Empty
                            | ResponseBody::Json {
                                error_unless_field: None,
                                ..
                            }
                    );
                    if !plain || has::<ErrorInBody>(&resp.extensions) {
                        self.diags.error(
                            rp,
                            "several success responses are supported only with JSON or empty bodies and without `x-aqua-error-in-body`",
                        );
                        continue;
                    }
                    let status = exact.unwrap_or(first_code_of(&key));
                    more.push(Alternative {
                        status,
                        name: status_name(status),
                        ty: ty.flatten(),
                        docs: response_docs(resp),
                    });
                    continue;
                }
                let error_unless_field = self.error_in_body(
                    resp,
                    &rp,
                    ty.as_ref().and_then(|t| t.as_ref()),
                    &mut cx.error_type,
                );
                first = Some(Response {
                    status: exact.unwrap_or(status),
                    docs: response_docs(resp),
                    body: match ty.flatten() {
                        Some(ty) => ResponseBody::Json {
                            ty,
                            error_unless_field,
                        },
                        None => ResponseBody::Empty,
                    },
                });
            } else if let Some(Some(t)) = ty {
                unify_error_type(t, &mut cx.error_type);
            }
        }
        let Some(first) = first else {
            self.diags.error(
                at.push("responses"),
                "the operation documents no success (2xx) response",
            );
            return None;
        };
        if more.is_empty() {
            return Some(Success::One(first));
        }
        let mut alternatives = vec![Alternative {
            status: first.status,
            name: status_name(first.status),
            ty: match first.body {
                ResponseBody::Json { ty, .. } => Some(ty),
                ResponseBody::Empty | ResponseBody::Binary { .. } => None,
            },
            docs: first.docs,
        }];
        alternatives.extend(more);
        let mut scope = Scope::default();
        for alt in &mut alternatives {
            alt.name = scope.claim(std::mem::take(&mut alt.name));
        }
        Some(Success::Several(Several {
            enum_name: self
                .type_scope
                .claim(format!("{}Response", cx.builder_name)),
            alternatives,
        }))
    }

    /// `x-aqua-error-in-body`: the Rust name of the optional field whose absence makes the
    /// client check a success body for an error; its schema joins the error type.
    fn error_in_body(
        &mut self,
        resp: &openapiv3::Response,
        at: &Pointer,
        body: Option<&TypeRef>,
        error_type: &mut Option<TypeRef>,
    ) -> Option<String> {
        let spec = self.extension::<ErrorInBody>(&resp.extensions, at)?;
        let at = at.push(ErrorInBody::NAME);
        let Ok(ErrorInBody { absent, schema }) = spec else {
            self.diags.error(at, "`x-aqua-error-in-body` needs `absent` (a property name) and `schema` (a `$ref` to the error schema)");
            return None;
        };
        let schema: ReferenceOr<Schema> = match serde_json::from_value(schema) {
            Ok(s) => s,
            Err(e) => {
                self.diags
                    .error(at.push("schema"), format!("invalid schema: {e}"));
                return None;
            }
        };
        if let Some(t) = self.schema_ref(&schema, &at.push("schema"), "BodyError") {
            unify_error_type(t, error_type);
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

/// Adds an error body schema to an operation's error type: error responses of one operation
/// with different schemas are kept as JSON values.
fn unify_error_type(t: TypeRef, error_type: &mut Option<TypeRef>) {
    match error_type {
        None => *error_type = Some(t),
        Some(existing) if *existing != t => *existing = TypeRef::Json,
        Some(_) => {}
    }
}

/// The description of a response, as docs (`None` when blank).
fn response_docs(resp: &openapiv3::Response) -> Option<String> {
    Some(resp.description.clone()).filter(|d| !d.trim().is_empty())
}
