//! Responses: success bodies (JSON, text, bytes, streamed, empty, several), error bodies and the
//! operation's error type, and `x-aqua-error-in-body`.
//!
//! Media types (`media.rs`) choose the body's shape: JSON is preferred, then text, then bytes,
//! then a streamed `Download`; the chosen kind's media types are sent as `Accept`. An
//! operation without a 2xx response returns its `default` response, or, without one, any 2xx
//! body as a `Download` (with a warning).

use super::Lowerer;
use super::extensions::{ErrorInBody, Extension, has};
use super::media::{MediaKind, media_kind};
use super::operation::OperationContext;
use crate::diag::Pointer;
use crate::model::{Alternative, Response, ResponseBody, Several, Success, TypeKind, TypeRef};
use crate::names::Scope;
use openapiv3::{ReferenceOr, Schema, StatusCode};

/// A documented response: its key (`200`, `2XX`, `default`), its first status and its exact
/// status (`None` for ranges and `default`).
type Entry<'r> = (
    String,
    u16,
    Option<u16>,
    &'r ReferenceOr<openapiv3::Response>,
);

impl<'a> Lowerer<'a> {
    /// What a successful call returns, from the operation's responses; error responses add
    /// their schema to the operation's error type.
    pub(super) fn responses(&mut self, cx: &mut OperationContext<'a, '_>) -> Option<Success> {
        let (op, at) = (cx.op, &cx.at);
        let mut entries: Vec<Entry<'a>> = Vec::new();
        for (code, r) in &op.responses.responses {
            match code {
                StatusCode::Code(c) => entries.push((c.to_string(), *c, Some(*c), r)),
                StatusCode::Range(r0) => entries.push((format!("{r0}XX"), r0 * 100, None, r)),
            }
        }
        let has_success = entries.iter().any(|(_, s, _, _)| (200..300).contains(s));
        if let Some(d) = &op.responses.default {
            // Without a 2xx response, `default` describes the successes too.
            let status = if has_success { 0 } else { 200 };
            entries.push(("default".into(), status, None, d));
        }
        // The first success response, and the alternatives after it.
        let mut first: Option<Response> = None;
        let mut first_at = Pointer::root();
        // Whether a success response could not be generated (its error is recorded).
        let mut broken = false;
        let mut more: Vec<Alternative> = Vec::new();
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
            let prefix = match rp.as_str().strip_prefix("#/components/responses/") {
                Some(component) => format!("responses/{component}"),
                None => format!("{}/{key}", cx.id),
            };
            if !(200..300).contains(&status) {
                if let Some(t) = self.error_schema(resp, &rp, cx, &prefix) {
                    unify_error_type(t, &mut cx.error_type);
                }
                continue;
            }
            let hint = format!("{} Body", cx.builder_name);
            let Some(body) = self.response_body(resp, &rp, &hint, &prefix) else {
                broken = true;
                continue;
            };
            if key == "default" {
                // The only response, `default` describes the errors too.
                if let ResponseBody::Json { ty, .. } = &body {
                    unify_error_type(self.error_body_type(ty.clone()), &mut cx.error_type);
                }
            }
            if let Some(first) = &first {
                let plain = !matches!(
                    first.body,
                    ResponseBody::Json {
                        error_unless_field: Some(_),
                        ..
                    }
                );
                if !plain || has::<ErrorInBody>(&resp.extensions) {
                    let at = if plain { &rp } else { &first_at };
                    self.diags.error(
                        at.push(ErrorInBody::NAME),
                        "several success responses are supported only without `x-aqua-error-in-body`",
                    );
                    continue;
                }
                let status = exact.unwrap_or(first_code_of(&key));
                more.push(Alternative {
                    status,
                    name: status_name(status),
                    body: read_whole(body),
                    docs: response_docs(resp),
                });
                continue;
            }
            let body = match body {
                ResponseBody::Json {
                    ty, media_types, ..
                } => {
                    let error_unless_field =
                        self.error_in_body(resp, &rp, Some(&ty), &mut cx.error_type);
                    ResponseBody::Json {
                        ty,
                        error_unless_field,
                        media_types,
                    }
                }
                other => {
                    if has::<ErrorInBody>(&resp.extensions) {
                        self.error_in_body(resp, &rp, None, &mut cx.error_type);
                    }
                    other
                }
            };
            first_at = rp.clone();
            first = Some(Response {
                status: exact.unwrap_or(status),
                docs: response_docs(resp),
                body,
            });
        }
        let Some(first) = first else {
            if broken {
                return None;
            }
            self.diags.warning(
                at.push("responses"),
                "the operation documents no success (2xx) response: generated as returning the body of any 2xx response as a streamed `Download`",
            );
            return Some(Success::One(Response {
                status: 200,
                docs: None,
                body: ResponseBody::Binary {
                    media_types: Vec::new(),
                },
            }));
        };
        if more.is_empty() {
            return Some(Success::One(first));
        }
        let mut alternatives = vec![Alternative {
            status: first.status,
            name: status_name(first.status),
            body: read_whole(first.body),
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
            unify_error_type(self.error_body_type(t), error_type);
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

    /// The body of a success response, from its media types: JSON if any is JSON (the first
    /// JSON schema; `serde_json::Value` without one), else text, else bytes, else a streamed
    /// download. `None` when its schema cannot be generated (recorded).
    fn response_body(
        &mut self,
        resp: &'a openapiv3::Response,
        at: &Pointer,
        hint: &str,
        example_prefix: &str,
    ) -> Option<ResponseBody> {
        let kinds: Vec<(&String, &openapiv3::MediaType, MediaKind)> = resp
            .content
            .iter()
            .map(|(m, c)| (m, c, media_kind(m, c)))
            .collect();
        let Some(kind) = kinds.iter().map(|(_, _, k)| *k).min() else {
            return Some(ResponseBody::Empty);
        };
        let chosen: Vec<&(&String, &openapiv3::MediaType, MediaKind)> =
            kinds.iter().filter(|(_, _, k)| *k == kind).collect();
        let media_types: Vec<String> = chosen.iter().map(|(m, _, _)| (*m).clone()).collect();
        Some(match kind {
            MediaKind::Json => {
                // One with a schema first (Zuora documents `application/json` with examples
                // only, beside `application/json; charset=utf-8` with the schema), then
                // `application/json` itself, then the others (`text/json`, `…+json`).
                let (media, content, _) = chosen
                    .iter()
                    .min_by_key(|(m, c, _)| (c.schema.is_none(), !super::media::is_plain_json(m)))
                    .unwrap_or(&chosen[0]);
                let mp = at.push("content").push(media);
                let ty = match &content.schema {
                    Some(schema) => self.schema_ref(schema, &mp.push("schema"), hint)?,
                    None => TypeRef::Json,
                };
                // The examples of media types of the same schema, or of none, are of this type.
                for (m, c, _) in &chosen {
                    if c.schema == content.schema || c.schema.is_none() {
                        let mp = at.push("content").push(m);
                        self.collect_examples(c, &mp, Some(&ty), example_prefix);
                    }
                }
                let only_plain = media_types.len() == 1 && super::media::is_plain_json(media);
                ResponseBody::Json {
                    ty,
                    error_unless_field: None,
                    media_types: if only_plain { Vec::new() } else { media_types },
                }
            }
            MediaKind::Text => ResponseBody::Text { media_types },
            MediaKind::Bytes => ResponseBody::Bytes { media_types },
            MediaKind::Binary => ResponseBody::Binary { media_types },
        })
    }

    /// The schema of an error response's JSON body, if it has one (other media types are
    /// kept as text in the error).
    fn error_schema(
        &mut self,
        resp: &'a openapiv3::Response,
        at: &Pointer,
        cx: &OperationContext<'a, '_>,
        prefix: &str,
    ) -> Option<TypeRef> {
        let (media, content) = resp
            .content
            .iter()
            .filter(|(m, c)| media_kind(m, c) == MediaKind::Json)
            .min_by_key(|(m, c)| (c.schema.is_none(), !super::media::is_plain_json(m)))?;
        let mp = at.push("content").push(media);
        let hint = format!("{} Error Body", cx.builder_name);
        let ty = match &content.schema {
            Some(schema) => self.schema_ref(schema, &mp.push("schema"), &hint)?,
            None => TypeRef::Json,
        };
        self.collect_examples(content, &mp, Some(&ty), prefix);
        Some(self.error_body_type(ty))
    }

    /// The type error bodies decode as: a named struct, enum or union (the generated code
    /// implements `ErrorBody` for it), else a JSON value.
    fn error_body_type(&self, ty: TypeRef) -> TypeRef {
        let own = match &ty {
            TypeRef::Named(n) => matches!(
                self.types.get(n).map(|d| &d.kind),
                Some(TypeKind::Struct { .. } | TypeKind::Enum { .. } | TypeKind::Union { .. })
            ),
            _ => false,
        };
        if own { ty } else { TypeRef::Json }
    }
}

/// A success body as one of several: a streamed body is read whole.
fn read_whole(body: ResponseBody) -> ResponseBody {
    match body {
        ResponseBody::Binary { media_types } => ResponseBody::Bytes { media_types },
        other => other,
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
