//! Path templates (`/jobs/{id}`) and `x-aqua-path-variants`.

use std::collections::BTreeSet;

use super::Lowerer;
use super::extensions::{Extension, Invalid, PathVariant, PathVariants};
use super::operation::OperationContext;
use crate::diag::Pointer;
use crate::model::{self, Param, ParamLocation, PathPart};

impl<'a> Lowerer<'a> {
    /// The operation's path split into parts, and its `x-aqua-path-variants`. Every path
    /// parameter must appear in the template, and every variant must use the same ones.
    pub(super) fn paths(
        &mut self,
        cx: &OperationContext<'a, '_>,
        params: &[Param],
    ) -> Option<(Vec<PathPart>, Vec<model::PathVariant>)> {
        let (op, at) = (cx.op, &cx.at);
        let template_at = Pointer::root().push("paths").push(cx.path);
        let (path_parts, used) = self.template(cx.path, params, &template_at, at)?;
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
                    self.template(&template, params, &vp.push(i).push("path"), at)
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
}
