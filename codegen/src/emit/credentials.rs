//! `Credentials`: at most one credential per security scheme (a constructor and a `with_…`
//! method each), and its conversion into the runtime's `Security` with the document's
//! requirement.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::tokens::docs;
use crate::model::{Api, KeyLocation, Requirement, SecurityKind, SecurityScheme};

/// The `Credentials` struct.
pub(super) fn emit_credentials(api: &Api) -> TokenStream {
    let mut fields = Vec::new();
    let mut methods = Vec::new();
    let mut withs = Vec::new();
    for s in &api.security {
        let field = format_ident!("{}", s.name);
        let key = &s.key;
        fields.push(quote!(#field: Option<::aqua_runtime::Auth>,));
        for (i, form) in forms(s).iter().enumerate() {
            // The scheme's description goes on its first constructor.
            methods.push(form.emit(s, i == 0));
        }
        withs.push(quote!(.with(#key, credentials.#field)));
    }
    let requiring = api.requirement.as_ref().map(|r| {
        let r = requirement_tokens(r);
        quote!(.requiring(#r))
    });
    let default = match &api.requirement {
        _ if api.security.is_empty() => "The spec defines no security scheme: give credentials it does not describe to [`with_auth`](Credentials::with_auth).".to_owned(),
        None => "The spec states no requirement: every credential given is sent, except by the operations whose own requirement chooses.".to_owned(),
        Some(r) => format!(
            "The spec's requirement, which operations without one of their own follow: {}.",
            requirement_text(api, r)
        ),
    };
    let doc = format!(
        "The credentials the client sends: at most one per security scheme of the spec.\n\n\
         Start from one scheme's constructor or from [`Credentials::anonymous`], and add more with \
         the `with_…` methods. Each request sends the credentials of the first alternative of its \
         operation's security requirement that these complete (all the schemes it names, \
         together); if none is complete, those it has of the schemes named. An operation that \
         takes no credentials sends none.\n\n{default}\n\n\
         `Debug` never shows a password, secret, key or token."
    );
    let doc = docs(Some(&doc), "");
    quote! {
        #doc
        #[derive(Clone, Debug, Default)]
        pub struct Credentials {
            #( #fields )*
            extra: Vec<::aqua_runtime::Auth>,
        }

        impl Credentials {
            /// No credentials: requests are sent without any.
            pub fn anonymous() -> Self {
                Self::default()
            }

            #( #methods )*

            /// Adds credentials that the spec does not describe, sent with every request that
            /// sends credentials (not with those of operations that take none).
            pub fn with_auth(mut self, auth: ::aqua_runtime::Auth) -> Self {
                self.extra.push(auth);
                self
            }
        }

        impl From<Credentials> for ::aqua_runtime::Security {
            fn from(credentials: Credentials) -> Self {
                let security = ::aqua_runtime::Security::new() #( #withs )* #requiring;
                credentials.extra.into_iter().fold(security, ::aqua_runtime::Security::always)
            }
        }
    }
}

/// `&[&["a", "b"], &["c"]]`.
pub(super) fn requirement_tokens(requirement: &Requirement) -> TokenStream {
    let alternatives = requirement.iter().map(|keys| quote!(&[ #( #keys ),* ]));
    quote!(&[ #( #alternatives ),* ])
}

/// A requirement in prose, with links to the constructors: "[`basic`](Credentials::basic),
/// or [`key`](Credentials::key) and [`app`](Credentials::app)".
pub(super) fn requirement_text(api: &Api, requirement: &Requirement) -> String {
    if requirement.is_empty() {
        return "no credentials".to_owned();
    }
    let alternatives: Vec<String> = requirement
        .iter()
        .map(|keys| {
            if keys.is_empty() {
                return "none".to_owned();
            }
            let names: Vec<String> = keys
                .iter()
                .filter_map(|k| api.security.iter().find(|s| &s.key == k))
                .map(|s| format!("[`{n}`](Credentials::{n})", n = s.name))
                .collect();
            names.join(" and ")
        })
        .collect();
    alternatives.join(", or ")
}

/// One way to give a scheme's credentials: a constructor and its `with_…` method.
struct Form {
    /// The constructor's name; `with_` before it names the method.
    name: String,
    /// The arguments: names and types.
    args: Vec<(&'static str, TokenStream)>,
    /// The `Auth` they make.
    auth: TokenStream,
    /// What the credentials are, for the docs: "HTTP basic credentials", "A fixed bearer token".
    what: String,
    /// How they are sent, if the docs say more.
    how: Option<String>,
}

impl Form {
    fn emit(&self, s: &SecurityScheme, described: bool) -> TokenStream {
        let ctor = format_ident!("{}", self.name);
        let with = format_ident!("with_{}", self.name);
        let field = format_ident!("{}", s.name);
        let auth = &self.auth;
        let names: Vec<proc_macro2::Ident> = self
            .args
            .iter()
            .map(|(n, _)| format_ident!("{n}"))
            .collect();
        let types = self.args.iter().map(|(_, t)| t);
        let args = quote!(#( #names: #types ),*);
        let mut text = format!("{} for the `{}` scheme", self.what, s.key);
        if let Some(how) = &self.how {
            text.push_str(how);
        }
        text.push('.');
        let description = s.description.as_deref().filter(|_| described);
        if let Some(d) = description.map(str::trim).filter(|d| !d.is_empty()) {
            text.push_str("\n\n");
            text.push_str(d);
        }
        let ctor_doc = docs(Some(&text), "");
        let with_doc = format!(
            " Adds credentials for the `{}` scheme, as [`Credentials::{}`] makes them (replacing earlier ones of the scheme).",
            s.key, self.name
        );
        quote! {
            #ctor_doc
            pub fn #ctor(#args) -> Self {
                Self::default().#with(#( #names ),*)
            }

            #[doc = #with_doc]
            pub fn #with(mut self, #args) -> Self {
                self.#field = Some(#auth);
                self
            }
        }
    }
}

/// `text` as inline code.
fn code(text: &str) -> String {
    format!("`{}`", text.replace('`', "'"))
}

/// The forms of a scheme's credentials.
fn forms(s: &SecurityScheme) -> Vec<Form> {
    let n = &s.name;
    let secret = quote!(impl Into<::aqua_runtime::Secret>);
    // A fixed token (`what`), and tokens from a source (`tokens`).
    let token = |name: String, what: &str, tokens: &str, how: Option<String>| {
        [
            Form {
                name,
                args: vec![("token", secret.clone())],
                auth: quote!(::aqua_runtime::Auth::Bearer(token.into())),
                what: what.to_owned(),
                how,
            },
            Form {
                name: format!("{n}_source"),
                args: vec![("source", quote!(impl ::aqua_runtime::TokenSource + 'static))],
                auth: quote!(::aqua_runtime::Auth::BearerSource(::std::sync::Arc::new(source))),
                what: tokens.to_owned(),
                how: Some(
                    ", from a source of the application's that renews them (see [`TokenSource`](::aqua_runtime::TokenSource))".to_owned(),
                ),
            },
        ]
    };
    match &s.kind {
        SecurityKind::Basic => vec![Form {
            name: n.clone(),
            args: vec![
                ("username", quote!(impl Into<String>)),
                ("password", secret.clone()),
            ],
            auth: quote!(::aqua_runtime::Auth::Basic {
                username: username.into(),
                password: password.into()
            }),
            what: "HTTP basic credentials".into(),
            how: None,
        }],
        SecurityKind::Bearer { format } => {
            let how = format.as_deref().map(|f| format!(" (a {} token)", code(f)));
            token(n.clone(), "A fixed bearer token", "Bearer tokens", how).into()
        }
        SecurityKind::OpenIdConnect { url } => {
            let how = format!(
                ", sent as a bearer token (discovery document: {})",
                code(url)
            );
            token(
                n.clone(),
                "An OpenID Connect token",
                "OpenID Connect tokens",
                Some(how),
            )
            .into()
        }
        SecurityKind::ApiKey { location, name } => {
            let location = match location {
                KeyLocation::Header => quote!(Header),
                KeyLocation::Query => quote!(Query),
                KeyLocation::Cookie => quote!(Cookie),
            };
            let place = match &s.kind {
                SecurityKind::ApiKey {
                    location: KeyLocation::Header,
                    ..
                } => "header",
                SecurityKind::ApiKey {
                    location: KeyLocation::Query,
                    ..
                } => "query parameter",
                _ => "cookie",
            };
            vec![Form {
                name: n.clone(),
                args: vec![("key", secret.clone())],
                auth: quote!(::aqua_runtime::Auth::ApiKey {
                    location: ::aqua_runtime::ApiKeyLocation::#location,
                    name: #name.into(),
                    key: key.into(),
                }),
                what: "The API key".into(),
                how: Some(format!(", sent in the {} {place}", code(name))),
            }]
        }
        SecurityKind::OtherHttp { scheme } => vec![Form {
            name: n.clone(),
            args: vec![("authorization", secret.clone())],
            auth: quote!(::aqua_runtime::Auth::ApiKey {
                location: ::aqua_runtime::ApiKeyLocation::Header,
                name: "Authorization".into(),
                key: authorization.into(),
            }),
            what: "The whole `Authorization` header value".into(),
            how: Some(format!(
                " (HTTP {} authentication, which the client does not implement: the value is sent as it is)",
                code(scheme)
            )),
        }],
        SecurityKind::OAuth {
            client_credentials,
            flows,
        } => {
            let mut out = Vec::new();
            if let Some(token_url) = client_credentials {
                out.push(Form {
                    name: n.clone(),
                    args: vec![("client_id", quote!(impl Into<String>)), ("client_secret", secret.clone())],
                    auth: quote!(::aqua_runtime::Auth::OAuthClientCredentials {
                        client_id: client_id.into(),
                        client_secret: client_secret.into(),
                        token_url: #token_url.into(),
                    }),
                    what: "OAuth 2.0 client credentials".into(),
                    how: Some(format!(
                        "; tokens are fetched from {} (a path is relative to the origin of the base URL), cached and renewed before they expire",
                        code(token_url)
                    )),
                });
            }
            if !flows.is_empty() || client_credentials.is_none() {
                let described: Vec<String> = flows
                    .iter()
                    .map(|f| {
                        let urls: Vec<String> = [
                            ("authorization URL", &f.authorization_url),
                            ("token URL", &f.token_url),
                        ]
                        .into_iter()
                        .filter_map(|(what, url)| {
                            url.as_ref().map(|u| format!("{what} {}", code(u)))
                        })
                        .collect();
                        format!("`{}` ({})", f.name, urls.join(", "))
                    })
                    .collect();
                let how = if described.is_empty() {
                    ", sent as a bearer token".to_owned()
                } else {
                    format!(
                        ", obtained by the application through the flow {} and sent as a bearer token",
                        described.join(" or ")
                    )
                };
                let name = if client_credentials.is_some() {
                    format!("{n}_token")
                } else {
                    n.clone()
                };
                out.extend(token(
                    name,
                    "An OAuth 2.0 access token",
                    "OAuth 2.0 access tokens",
                    Some(how),
                ));
            }
            out
        }
    }
}
