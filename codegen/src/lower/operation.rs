//! Operations: every method of every path item, each lowered by a short driver over the steps
//! in `params.rs`, `paths.rs`, `bodies.rs`, `responses.rs` and `poll.rs`, which share one
//! [`OperationContext`].

use std::collections::BTreeSet;

use openapiv3::{PathItem, ReferenceOr};

use super::extensions::{Extension, VariantOf};
use super::paths::VariantOp;
use super::{Lowerer, join_docs};
use crate::diag::{Pointer, Severity};
use crate::model::{Method, Operation, PathPart, Requirement, SecurityScheme, TypeRef};
use crate::names;

/// What the steps of lowering one operation share.
pub(super) struct OperationContext<'a, 's> {
    /// The path template, as the key of `paths`.
    pub path: &'a str,
    /// The path item the operation is in.
    pub item: &'a PathItem,
    /// The operation.
    pub op: &'a openapiv3::Operation,
    /// Its HTTP method.
    pub method: Method,
    /// Its JSON pointer.
    pub at: Pointer,
    /// Its `operationId` (derived from the method and path when it has none).
    pub id: String,
    /// Rust name of its `Client` method.
    pub method_name: String,
    /// Rust name of its request builder.
    pub builder_name: String,
    /// The keys of the document's security schemes.
    pub known_security: &'s BTreeSet<&'s str>,
    /// The document's security requirement.
    pub requirement: Option<&'s Requirement>,
    /// The schema of its error bodies so far (`Json` once two disagree).
    pub error_type: Option<TypeRef>,
}

impl<'a> Lowerer<'a> {
    /// Phase 3: every operation, in path then method order, and the error type shared by all of
    /// them, if they agree.
    pub(super) fn operations(
        &mut self,
        security: &[SecurityScheme],
        requirement: Option<&Requirement>,
    ) -> (Vec<Operation>, Option<TypeRef>) {
        let mut ops = Vec::new();
        let mut variants = Vec::new();
        let known: BTreeSet<&str> = security.iter().map(|s| s.key.as_str()).collect();
        let mut seen_ids: BTreeSet<String> = BTreeSet::new();
        let doc = self.doc;
        for (path, item) in &doc.paths.paths {
            let at_path = Pointer::root().push("paths").push(path);
            let item: &PathItem = match item {
                ReferenceOr::Item(i) => i,
                ReferenceOr::Reference { .. } => {
                    self.diags.warning(
                        at_path,
                        "path item references are not supported: the path's operations are left out",
                    );
                    continue;
                }
            };
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
                if op.extensions.contains_key(VariantOf::NAME) {
                    variants.push(VariantOp {
                        path,
                        item,
                        op,
                        method,
                        at: at_path.push(key),
                    });
                    continue;
                }
                let id = match &op.operation_id {
                    Some(id) => id.clone(),
                    None => derived_operation_id(method, path),
                };
                let method_name = self.method_scope.claim(names::field_name(&id));
                if !seen_ids.insert(id.clone()) {
                    self.diags.warning(
                        at_path.push(key).push("operationId"),
                        format!("the operationId `{id}` is not unique: this operation's method is named `{method_name}`"),
                    );
                }
                let mut cx = OperationContext {
                    path,
                    item,
                    op,
                    method,
                    at: at_path.push(key),
                    method_name,
                    builder_name: self.type_scope.claim(names::type_name(&id)),
                    id,
                    known_security: &known,
                    requirement,
                    error_type: None,
                };
                let (diags_before, examples_before) = (self.diags.items.len(), self.examples.len());
                let lowered = self.operation(&mut cx);
                if self.leave_out(&cx, diags_before, examples_before) {
                    continue;
                }
                if let Some(mut o) = lowered {
                    o.error_type = cx.error_type;
                    ops.push(o);
                }
            }
        }
        for variant in &variants {
            self.fold_variant(&mut ops, variant);
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

    /// Whether the operation just lowered must be left out: lowering it recorded errors
    /// (since `diags_before`). Then those become warnings, its examples are dropped, and a
    /// warning names it; the rest of the API is generated. Errors about our own vendor
    /// extensions (`x-aqua-*`) stay errors: the spec asked for something it cannot have.
    fn leave_out(
        &mut self,
        cx: &OperationContext<'a, '_>,
        diags_before: usize,
        examples_before: usize,
    ) -> bool {
        let new = &mut self.diags.items[diags_before..];
        let failed = new.iter().any(|d| d.severity == Severity::Error);
        if !failed
            || new
                .iter()
                .any(|d| d.severity == Severity::Error && is_ours(&d.pointer))
        {
            return false;
        }
        for d in new.iter_mut() {
            d.severity = Severity::Warning;
        }
        for dropped in self.examples.drain(examples_before..) {
            self.seen_examples.remove(&dropped.origin);
        }
        self.diags.warning(
            &cx.at,
            format!(
                "the operation `{}` ({} {}) cannot be generated (see the warnings before): it is left out",
                cx.id,
                cx.method.as_str(),
                cx.path
            ),
        );
        true
    }

    /// One operation: its own settings, then parameters, path, body, responses and poll.
    fn operation(&mut self, cx: &mut OperationContext<'a, '_>) -> Option<Operation> {
        let (no_auth, security) = self.operation_settings(cx);
        let server = self.operation_server(cx);
        let mut params = self.params(cx);
        let (mut path_parts, path_variants) = self.paths(cx, &mut params)?;
        if !server.prefix.is_empty() {
            path_parts.insert(0, PathPart::Literal(server.prefix));
        }
        let body = match &cx.op.request_body {
            None => None,
            Some(rb) => self.request_body(rb, &cx.at.push("requestBody"), cx, &params),
        };
        let success = self.responses(cx)?;
        let poll = self.poll(cx, &success);
        let op = cx.op;
        Some(Operation {
            id: cx.id.clone(),
            method_name: cx.method_name.clone(),
            builder_name: cx.builder_name.clone(),
            method: cx.method,
            path: cx.path.to_owned(),
            path_parts,
            path_variants,
            at_origin: server.at_origin,
            host: server.host,
            no_auth,
            security,
            poll,
            error_type: None,
            params,
            body,
            success,
            docs: join_docs(op.summary.as_deref(), op.description.as_deref()),
            deprecated: op.deprecated,
            origin: cx.at.to_string(),
            feature: self.operation_feature(cx),
        })
    }

    /// What the operation says about itself: its `callbacks` (not generated: a warning) and its
    /// `security` (whether it sends no credentials, and its own requirement when it is not the
    /// document's). Its `servers` are read by `operation_server`.
    fn operation_settings(&mut self, cx: &OperationContext<'a, '_>) -> (bool, Option<Requirement>) {
        let (op, at) = (cx.op, &cx.at);
        if !op.callbacks.is_empty() {
            self.diags.warning(
                at.push("callbacks"),
                "callbacks are not generated: the client receives no callback requests; the operation is generated without them",
            );
        }
        let no_auth = op.security.as_ref().is_some_and(|s| s.is_empty());
        let security = match &op.security {
            Some(list) if !list.is_empty() => self
                .requirement(list, &at.push("security"), cx.known_security)
                .filter(|own| Some(own) != cx.requirement),
            _ => None,
        };
        (no_auth, security)
    }
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

/// Whether a diagnostic's pointer is at one of our vendor extensions (`x-aqua-*`).
fn is_ours(pointer: &str) -> bool {
    pointer.split('/').any(|token| token.starts_with("x-aqua-"))
}
