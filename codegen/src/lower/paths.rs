//! Path templates (`/jobs/{id}`), `x-aqua-path-variants`, and operations
//! that are `x-aqua-variant-of` another (its path on other servers).

use std::collections::BTreeSet;

use openapiv3::{Parameter, PathItem};

use super::Lowerer;
use super::extensions::{Extension, Invalid, PathVariant, PathVariants, VariantOf};
use super::operation::OperationContext;
use crate::diag::Pointer;
use crate::model::{self, Method, Operation, Param, ParamLocation, ParamStyle, PathPart, TypeRef};
use crate::names::{self, Scope};

impl<'a> Lowerer<'a> {
    /// The operation's path split into parts, and its `x-aqua-path-variants`. Every path
    /// parameter must appear in the template, and every variant must use the same ones.
    ///
    /// Where the template and the parameters disagree, the template wins (with a warning): a
    /// name in braces that no parameter declares becomes a required string parameter, and a
    /// path parameter the template does not use is left out. A query in the template
    /// (`/search?q={q}`) sends its parameters in the query.
    pub(super) fn paths(
        &mut self,
        cx: &OperationContext<'a, '_>,
        params: &mut Vec<Param>,
    ) -> Option<(Vec<PathPart>, Vec<model::PathVariant>)> {
        let (op, at) = (cx.op, &cx.at);
        let template_at = Pointer::root().push("paths").push(cx.path);
        let template = self.reconcile(cx, params);
        let (path_parts, used) = self.template(&template, params, &template_at)?;
        let mut path_variants = Vec::new();
        if let Some(variants) = self.extension::<PathVariants>(&op.extensions, at) {
            let vp = at.push(PathVariants::NAME);
            let list = variants.map_or_else(|Invalid| Vec::new(), |PathVariants(list)| list);
            if list.is_empty() {
                self.diags.error(
                    &vp,
                    "`x-aqua-path-variants` must be a non-empty list of `{server-path, path}`",
                );
            }
            for (i, variant) in list.iter().enumerate() {
                let Ok(PathVariant {
                    server_path,
                    path: template,
                    description,
                }) = self.extension_value(variant, PathVariants::NAME, &vp.push(i))
                else {
                    self.diags.error(
                        vp.push(i),
                        "each path variant needs `server-path` and `path`",
                    );
                    continue;
                };
                if let Some((parts, used_here)) =
                    self.template(&template, params, &vp.push(i).push("path"))
                {
                    if used_here != used {
                        self.diags.error(
                            vp.push(i).push("path"),
                            "a path variant must use the same path parameters as the path",
                        );
                    }
                    path_variants.push(model::PathVariant {
                        server_path: server_path.trim_end_matches('/').to_owned(),
                        parts,
                        docs: description,
                    });
                }
            }
        }
        Some((path_parts, path_variants))
    }

    /// Makes the parameters agree with the path template (see [`paths`](Self::paths)) and
    /// returns the template to split: the path, and the query's literal pairs.
    fn reconcile(&mut self, cx: &OperationContext<'a, '_>, params: &mut Vec<Param>) -> String {
        let at = cx.at.push("parameters");
        let (path, query) = cx.path.split_once('?').unwrap_or((cx.path, ""));
        let mut used: Vec<&str> = Vec::new();
        for name in braced(path) {
            if !used.contains(&name) {
                used.push(name);
            }
        }
        params.retain(|p| {
            let keep = p.location != ParamLocation::Path || used.contains(&p.wire.as_str());
            if !keep {
                self.diags.warning(
                    &at,
                    format!(
                        "path parameter `{}` does not appear in the path template: it is left out",
                        p.wire
                    ),
                );
            }
            keep
        });
        for name in used {
            let declared = params
                .iter()
                .any(|p| p.location == ParamLocation::Path && p.wire == name);
            if !declared {
                self.diags.warning(
                    &at,
                    format!("the path template uses `{{{name}}}` but no path parameter `{name}` is declared: generated as a required string path parameter"),
                );
                params.push(template_param(params, name, name, ParamLocation::Path));
            }
        }
        let mut literal = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let Some(name) = value.strip_prefix('{').and_then(|v| v.strip_suffix('}')) else {
                literal.push(pair);
                continue;
            };
            if let Some(p) = params
                .iter_mut()
                .find(|p| p.location == ParamLocation::Path && p.wire == name)
            {
                // Declared in the path, written in the query: sent in the query.
                p.location = ParamLocation::Query;
                p.style = ParamStyle::Form;
                p.explode = true;
                key.clone_into(&mut p.wire);
                continue;
            }
            let declared = params
                .iter()
                .any(|p| p.location == ParamLocation::Query && (p.wire == key || p.wire == name));
            if !declared {
                self.diags.warning(
                    &at,
                    format!("the path template's query names `{{{name}}}`, which no parameter declares: generated as a required string query parameter `{key}`"),
                );
                params.push(template_param(params, name, key, ParamLocation::Query));
            }
        }
        if literal.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{}", literal.join("&"))
        }
    }

    /// Splits a path template into literal parts and path parameters.
    fn template(
        &mut self,
        template: &str,
        params: &[Param],
        template_at: &Pointer,
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
                        self.diags.warning(
                            template_at,
                            "unclosed `{` in the path template: the rest of the path is generated as literal text",
                        );
                        parts.push(PathPart::Literal(rest[open..].to_owned()));
                        break;
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
                            template_at,
                            format!("this path uses `{{{name}}}`, which is not a path parameter of the operation"),
                        ),
                    }
                    rest = &rest[open + close + 1..];
                }
                None => {
                    if rest.contains('}') {
                        self.diags.warning(
                            template_at,
                            "unmatched `}` in the path template: generated as literal text",
                        );
                    }
                    parts.push(PathPart::Literal(rest.to_owned()));
                    rest = "";
                }
            }
        }
        Some((parts, used))
    }
}

/// An operation with `x-aqua-variant-of`: the same operation as another, on the servers of
/// its path item, at its own path. It gets no method of its own; it becomes a path variant of
/// the other operation.
pub(super) struct VariantOp<'a> {
    pub path: &'a str,
    pub item: &'a PathItem,
    pub op: &'a openapiv3::Operation,
    pub method: Method,
    pub at: Pointer,
}

impl<'a> Lowerer<'a> {
    /// Makes `variant` a path variant of the operation it names in `x-aqua-variant-of`: for
    /// the server path its path item's `servers` share, the client sends its path template.
    pub(super) fn fold_variant(&mut self, ops: &mut [Operation], variant: &VariantOp<'a>) {
        let at_of = variant.at.push(VariantOf::NAME);
        let of = self.extension::<VariantOf>(&variant.op.extensions, &variant.at);
        let Some(target) = of
            .and_then(Result::ok)
            .and_then(|VariantOf(id)| ops.iter_mut().find(|o| o.id == id))
        else {
            self.diags.error(
                &at_of,
                "`x-aqua-variant-of` must name another operation of the document (not a variant)",
            );
            return;
        };
        if target.method != variant.method {
            self.diags.error(
                &at_of,
                format!(
                    "a variant must have the method of the operation it is a variant of ({})",
                    target.method.as_str()
                ),
            );
            return;
        }
        let server_paths: BTreeSet<String> = variant
            .item
            .servers
            .iter()
            .map(|s| {
                let url = s.url.trim_end_matches('/');
                let rest = url.split_once("://").map_or(url, |(_, r)| r);
                rest.find('/')
                    .map_or(String::new(), |i| rest[i..].to_owned())
            })
            .collect();
        let server_path = match server_paths.len() {
            1 => server_paths.into_iter().next().unwrap_or_default(),
            _ => {
                self.diags.error(
                    &at_of,
                    "a variant's path item needs `servers`, all with the same path (such as `https://www.zuora.com/apps/api`)",
                );
                return;
            }
        };
        // The variant declares the operation's parameters again, for other tools.
        let declared: BTreeSet<(String, &'static str)> = self.declared_params(variant);
        let expected: BTreeSet<(String, &'static str)> = target
            .params
            .iter()
            .map(|p| (p.wire.clone(), location_name(p.location)))
            .collect();
        if declared != expected {
            self.diags.error(
                variant.at.push("parameters"),
                format!(
                    "a variant must have the parameters of the operation it is a variant of (`{}`)",
                    target.id
                ),
            );
            return;
        }
        let template_at = Pointer::root().push("paths").push(variant.path);
        let Some((parts, used)) = self.template(variant.path, &target.params, &template_at) else {
            return;
        };
        let path_params: BTreeSet<usize> = (0..target.params.len())
            .filter(|&i| target.params[i].location == ParamLocation::Path)
            .collect();
        if used != path_params {
            self.diags.error(
                template_at,
                "a path variant must use the same path parameters as the path",
            );
            return;
        }
        if target
            .path_variants
            .iter()
            .any(|v| v.server_path == server_path)
        {
            self.diags.error(
                at_of,
                format!(
                    "`{}` already has a path for the server path `{server_path}`",
                    target.id
                ),
            );
            return;
        }
        target.path_variants.push(model::PathVariant {
            server_path,
            parts,
            docs: variant.op.description.clone(),
        });
    }

    /// The names and locations of the parameters `variant` declares (path item's and its own).
    fn declared_params(&mut self, variant: &VariantOp<'a>) -> BTreeSet<(String, &'static str)> {
        let mut out = BTreeSet::new();
        let item_at = Pointer::root()
            .push("paths")
            .push(variant.path)
            .push("parameters");
        let listed = variant
            .item
            .parameters
            .iter()
            .enumerate()
            .map(|(i, p)| (p, item_at.push(i)))
            .chain(
                variant
                    .op
                    .parameters
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p, variant.at.push("parameters").push(i))),
            )
            .collect::<Vec<_>>();
        for (p, at) in listed {
            if let Some((param, _)) =
                self.resolve(p, &at, "#/components/parameters/", |c| &c.parameters)
            {
                let location = location_name(match param {
                    Parameter::Query { .. } => ParamLocation::Query,
                    Parameter::Header { .. } => ParamLocation::Header,
                    Parameter::Path { .. } => ParamLocation::Path,
                    Parameter::Cookie { .. } => ParamLocation::Cookie,
                });
                out.insert((param.parameter_data_ref().name.clone(), location));
            }
        }
        out
    }
}

fn location_name(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Path => "path",
        ParamLocation::Cookie => "cookie",
    }
}

/// The names in braces of a path template, in order.
fn braced(template: &str) -> impl Iterator<Item = &str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}'))
        .map(|(name, _)| name)
}

/// A required string parameter that only the path template names.
fn template_param(params: &[Param], name: &str, wire: &str, location: ParamLocation) -> Param {
    let mut scope = Scope::with_reserved(&["client", "body", "send", "path", "request", "value"]);
    for p in params {
        scope.claim(p.name.clone());
    }
    Param {
        name: scope.claim(names::field_name(name)),
        wire: wire.to_owned(),
        location,
        ty: TypeRef::String,
        required: true,
        docs: None,
        min_length: None,
        max_length: None,
        pattern: None,
        transport: false,
        idempotency_key: false,
        explode: location == ParamLocation::Query,
        style: if location == ParamLocation::Query {
            ParamStyle::Form
        } else {
            ParamStyle::Simple
        },
    }
}
