//! `components.securitySchemes`: the kinds of credentials the client can send, and the
//! `security` requirements (the document's and the operations') that choose among them.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{ReferenceOr, SecurityRequirement};

use super::Lowerer;
use crate::diag::Pointer;
use crate::model::{KeyLocation, OAuthFlow, Requirement, SecurityKind, SecurityScheme};
use crate::names::{self, Scope};

const SCHEMES: &str = "#/components/securitySchemes/";

/// Names the generated `Credentials` defines by itself; schemes never take them.
const RESERVED: &[&str] = &[
    "anonymous",
    "auth",
    "with_auth",
    "extra",
    "clone",
    "default",
];

impl<'a> Lowerer<'a> {
    /// The security schemes, and the document's requirement.
    pub(super) fn security(&mut self) -> (Vec<SecurityScheme>, Option<Requirement>) {
        let mut found = Vec::new();
        let doc = self.doc;
        for (key, scheme) in doc.components.iter().flat_map(|c| &c.security_schemes) {
            let at = Pointer::root()
                .push("components")
                .push("securitySchemes")
                .push(key);
            let Some(scheme) = self.scheme_item(scheme, &at) else {
                continue;
            };
            let (kind, description) = self.scheme_kind(scheme, &at);
            found.push((key.clone(), kind, description.clone()));
        }
        let schemes = scheme_names(found);
        let known: BTreeSet<&str> = schemes.iter().map(|s| s.key.as_str()).collect();
        let requirement = doc
            .security
            .as_ref()
            .and_then(|list| self.requirement(list, &Pointer::root().push("security"), &known));
        (schemes, requirement)
    }

    /// The scheme itself: an item, or the one a `#/components/securitySchemes/…` reference
    /// names (references are followed a few times, not in circles).
    fn scheme_item(
        &mut self,
        mut scheme: &'a ReferenceOr<openapiv3::SecurityScheme>,
        at: &Pointer,
    ) -> Option<&'a openapiv3::SecurityScheme> {
        let schemes = &self.doc.components.as_ref()?.security_schemes;
        for _ in 0..8 {
            match scheme {
                ReferenceOr::Item(item) => return Some(item),
                ReferenceOr::Reference { reference } => {
                    match reference
                        .strip_prefix(SCHEMES)
                        .and_then(|name| schemes.get(name))
                    {
                        Some(next) => scheme = next,
                        None => break,
                    }
                }
            }
        }
        self.diags.warning(
            at,
            "a security scheme reference must name another scheme of `components.securitySchemes`: the scheme is left out",
        );
        None
    }

    /// What kind of credentials `scheme` takes, and its description.
    fn scheme_kind(
        &mut self,
        scheme: &'a openapiv3::SecurityScheme,
        at: &Pointer,
    ) -> (SecurityKind, &'a Option<String>) {
        use openapiv3::SecurityScheme as S;
        match scheme {
            S::HTTP {
                scheme,
                bearer_format,
                description,
                ..
            } => {
                let kind = match scheme.to_ascii_lowercase().as_str() {
                    "basic" => SecurityKind::Basic,
                    "bearer" => SecurityKind::Bearer {
                        format: bearer_format.clone(),
                    },
                    _ => {
                        self.diags.warning(
                            at.push("scheme"),
                            format!("HTTP authentication scheme `{scheme}` is not implemented: generated as an `Authorization` header whose whole value the application gives"),
                        );
                        SecurityKind::OtherHttp {
                            scheme: scheme.clone(),
                        }
                    }
                };
                (kind, description)
            }
            S::APIKey {
                location,
                name,
                description,
                ..
            } => {
                let location = match location {
                    openapiv3::APIKeyLocation::Header => KeyLocation::Header,
                    openapiv3::APIKeyLocation::Query => KeyLocation::Query,
                    openapiv3::APIKeyLocation::Cookie => KeyLocation::Cookie,
                };
                let name = name.clone();
                (SecurityKind::ApiKey { location, name }, description)
            }
            S::OAuth2 {
                flows, description, ..
            } => {
                let mut user = Vec::new();
                if let Some(f) = &flows.implicit {
                    user.push(OAuthFlow {
                        name: "implicit",
                        authorization_url: Some(f.authorization_url.clone()),
                        token_url: None,
                    });
                }
                if let Some(f) = &flows.password {
                    user.push(OAuthFlow {
                        name: "password",
                        authorization_url: None,
                        token_url: Some(f.token_url.clone()),
                    });
                }
                if let Some(f) = &flows.authorization_code {
                    user.push(OAuthFlow {
                        name: "authorizationCode",
                        authorization_url: Some(f.authorization_url.clone()),
                        token_url: Some(f.token_url.clone()),
                    });
                }
                let client_credentials = flows
                    .client_credentials
                    .as_ref()
                    .map(|f| f.token_url.clone());
                let kind = SecurityKind::OAuth {
                    client_credentials,
                    flows: user,
                };
                (kind, description)
            }
            S::OpenIDConnect {
                open_id_connect_url,
                description,
                ..
            } => {
                let url = open_id_connect_url.clone();
                (SecurityKind::OpenIdConnect { url }, description)
            }
        }
    }

    /// A `security` list as a requirement of known schemes. An alternative that names a
    /// scheme the document does not define is left out, with a warning; `None` when no
    /// alternative remains of a list that had some (the operation then sends what its
    /// context says).
    pub(super) fn requirement(
        &mut self,
        list: &[SecurityRequirement],
        at: &Pointer,
        known: &BTreeSet<&str>,
    ) -> Option<Requirement> {
        let mut out = Vec::with_capacity(list.len());
        for (i, alternative) in list.iter().enumerate() {
            let unknown: Vec<&String> = alternative
                .keys()
                .filter(|k| !known.contains(k.as_str()))
                .collect();
            if let Some(name) = unknown.first() {
                self.diags.warning(
                    at.push(i),
                    format!("unknown security scheme `{name}` (not in `components.securitySchemes`): the alternative that names it is left out"),
                );
                continue;
            }
            out.push(alternative.keys().cloned().collect());
        }
        (!out.is_empty() || list.is_empty()).then_some(out)
    }
}

/// The schemes with their Rust names: by kind (`basic`, `bearer`, `api_key`, `oauth`, …) when
/// no other scheme has the same kind, else from the key; never one whose methods
/// (`with_…`, `…_source`, `…_token`) would meet another's.
fn scheme_names(found: Vec<(String, SecurityKind, Option<String>)>) -> Vec<SecurityScheme> {
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    for (_, kind, _) in &found {
        *by_kind.entry(kind_name(kind)).or_default() += 1;
    }
    let mut scope = Scope::with_reserved(RESERVED);
    let mut out = Vec::with_capacity(found.len());
    for (key, kind, description) in found {
        let by_kind_name = kind_name(&kind);
        let base = if by_kind[&by_kind_name] == 1 {
            by_kind_name
        } else {
            names::field_name(&key)
        };
        let name = claim_all(&mut scope, base);
        out.push(SecurityScheme {
            key,
            name,
            kind,
            description,
        });
    }
    out
}

/// The first of `base`, `base_2`, … that is free in `scope` with every method it names.
fn claim_all(scope: &mut Scope, base: String) -> String {
    let derived = |n: &str| {
        [
            format!("with_{n}"),
            format!("{n}_source"),
            format!("with_{n}_source"),
            format!("{n}_token"),
            format!("with_{n}_token"),
        ]
    };
    loop {
        let name = scope.claim(base.clone());
        let mut free = true;
        for method in derived(&name) {
            free &= scope.claim(method.clone()) == method;
        }
        if free {
            return name;
        }
    }
}

/// The name of a scheme by its kind.
fn kind_name(kind: &SecurityKind) -> String {
    match kind {
        SecurityKind::Basic => "basic".into(),
        SecurityKind::Bearer { .. } => "bearer".into(),
        SecurityKind::ApiKey { .. } => "api_key".into(),
        SecurityKind::OAuth { .. } => "oauth".into(),
        SecurityKind::OpenIdConnect { .. } => "openid_connect".into(),
        SecurityKind::OtherHttp { scheme } => names::field_name(scheme),
    }
}
