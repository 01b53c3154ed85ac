//! `components.securitySchemes`: the kinds of credentials the client can send, and the
//! document's `security` requirements.

use std::collections::BTreeSet;

use openapiv3::ReferenceOr;

use super::Lowerer;
use crate::diag::Pointer;
use crate::model::{SecurityKind, SecurityScheme};
use crate::names::Scope;

impl<'a> Lowerer<'a> {
    pub(super) fn security(&mut self) -> Vec<SecurityScheme> {
        let mut out = Vec::new();
        let Some(components) = &self.doc.components else {
            return out;
        };
        let mut scope = Scope::default();
        for (key, scheme) in &components.security_schemes {
            let at = Pointer::root()
                .push("components")
                .push("securitySchemes")
                .push(key);
            let ReferenceOr::Item(scheme) = scheme else {
                self.diags
                    .error(at, "references to security schemes are not supported");
                continue;
            };
            let (kind, description) = match scheme {
                openapiv3::SecurityScheme::HTTP {
                    scheme,
                    description,
                    ..
                } => match scheme.to_ascii_lowercase().as_str() {
                    "basic" => (SecurityKind::Basic, description),
                    "bearer" => (SecurityKind::Bearer, description),
                    other => {
                        self.diags.error(at.push("scheme"), format!("HTTP authentication scheme `{other}` is not supported (basic and bearer are)"));
                        continue;
                    }
                },
                openapiv3::SecurityScheme::OAuth2 {
                    flows, description, ..
                } => match &flows.client_credentials {
                    Some(cc)
                        if flows.implicit.is_none()
                            && flows.password.is_none()
                            && flows.authorization_code.is_none() =>
                    {
                        (
                            SecurityKind::OAuthClientCredentials {
                                token_url: cc.token_url.clone(),
                            },
                            description,
                        )
                    }
                    _ => {
                        self.diags.error(
                            at.push("flows"),
                            "only the OAuth 2.0 `clientCredentials` flow is supported",
                        );
                        continue;
                    }
                },
                openapiv3::SecurityScheme::APIKey { .. } => {
                    self.diags
                        .error(at, "API key security schemes are not supported yet");
                    continue;
                }
                openapiv3::SecurityScheme::OpenIDConnect { .. } => {
                    self.diags
                        .error(at, "OpenID Connect security schemes are not supported");
                    continue;
                }
            };
            let base = match kind {
                SecurityKind::Basic => "Basic",
                SecurityKind::Bearer => "Bearer",
                SecurityKind::OAuthClientCredentials { .. } => "OAuth",
            };
            let name = scope.claim(base.to_owned());
            let ctor = name.to_ascii_lowercase();
            out.push(SecurityScheme {
                key: key.clone(),
                name,
                ctor,
                kind,
                description: description.clone(),
            });
        }
        let known: BTreeSet<&str> = out.iter().map(|s| s.key.as_str()).collect();
        for (i, req) in self.doc.security.iter().flatten().enumerate() {
            for name in req.keys() {
                if !known.contains(name.as_str()) {
                    self.diags.error(
                        Pointer::root().push("security").push(i),
                        format!("unknown security scheme `{name}`"),
                    );
                }
            }
        }
        out
    }
}
