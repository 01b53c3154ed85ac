//! The document's `servers`: one `Environment` variant each (`x-aqua-name`).

use super::Lowerer;
use super::extensions::{Extension, Invalid, ServerName};
use crate::diag::Pointer;
use crate::model::Server;
use crate::names::{self, Scope};
use heck::ToKebabCase;

impl<'a> Lowerer<'a> {
    pub(super) fn servers(&mut self) -> Vec<Server> {
        let mut scope = Scope::default();
        let mut out = Vec::new();
        for (i, s) in self.doc.servers.iter().enumerate() {
            let at = Pointer::root().push("servers").push(i);
            if s.url.contains('{') || s.variables.as_ref().is_some_and(|v| !v.is_empty()) {
                self.diags.error(
                    at.push("url"),
                    "server variables are not supported yet; list each server URL",
                );
                continue;
            }
            let url = s.url.trim_end_matches('/').to_owned();
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                self.diags.error(
                    at.push("url"),
                    format!("server URL `{}` must be absolute (https://…)", s.url),
                );
                continue;
            }
            let raw_name = match self.extension::<ServerName>(&s.extensions, &at) {
                Some(Ok(ServerName(n))) => n,
                Some(Err(Invalid)) => {
                    self.diags
                        .error(at.push(ServerName::NAME), "`x-aqua-name` must be a string");
                    continue;
                }
                None => url.split("://").nth(1).unwrap_or(&url).to_owned(),
            };
            let name = scope.claim(names::type_name(&raw_name));
            out.push(Server {
                slug: name.to_kebab_case(),
                name,
                url,
                description: s.description.clone(),
            });
        }
        out
    }
}
