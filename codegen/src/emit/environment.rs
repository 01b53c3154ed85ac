//! `Environment`: one variant per documented server with an absolute URL, with its base URL
//! and name; and, for each server with variables, the struct that sets them (`…Url`).

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::tokens::{docs, ident};
use crate::model::{Api, Server, ServerKind};

/// The `Environment` enum, then the `…Url` structs of the servers with variables.
pub(super) fn emit_environment(api: &Api) -> TokenStream {
    let environment = emit_enum(api);
    let urls = api
        .servers
        .iter()
        .filter(|s| s.url_type.is_some())
        .map(emit_url_type);
    quote! {
        #environment
        #( #urls )*
    }
}

/// The relative server, if the document has one (`Client::with_host`).
pub(super) fn relative_server(api: &Api) -> Option<&Server> {
    api.servers.iter().find(|s| s.kind == ServerKind::Relative)
}

fn emit_enum(api: &Api) -> TokenStream {
    let servers: Vec<&Server> = api
        .servers
        .iter()
        .filter(|s| s.kind == ServerKind::Environment)
        .collect();
    if servers.is_empty() {
        let template = api
            .servers
            .iter()
            .find_map(|s| s.url_type.as_ref().map(|t| (s, t)));
        let doc = match (relative_server(api), template) {
            (Some(s), _) => format!(
                " The spec documents no absolute server: its server `{}` is relative to where the spec is served, see [`Client::with_host`]. Any base URL can be given to [`Client::with_base_url`].",
                s.template
            ),
            (None, Some((s, t))) => format!(
                " The spec documents no absolute server: set the variables of its server `{}` with [`{t}`], and give its URL to [`Client::with_base_url`].",
                s.template
            ),
            (None, None) => {
                " The spec documents no server: give the base URL to [`Client::with_base_url`]."
                    .to_owned()
            }
        };
        return quote! {
            #[doc = #doc]
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
            pub enum Environment {}

            impl Environment {
                /// Every documented environment (none).
                pub const ALL: &'static [Environment] = &[];

                /// The base URL of this environment.
                pub fn base_url(self) -> &'static str {
                    match self {}
                }
            }
        };
    }
    let names: Vec<Ident> = servers.iter().map(|s| ident(&s.name)).collect();
    let urls: Vec<&str> = servers.iter().map(|s| s.url.as_str()).collect();
    let slugs: Vec<&str> = servers.iter().map(|s| s.slug.as_str()).collect();
    let descs: Vec<String> = servers
        .iter()
        .map(|s| s.description.clone().unwrap_or_else(|| s.template.clone()))
        .collect();
    let vdocs = servers.iter().zip(&descs).map(|(s, d)| {
        let text = match &s.url_type {
            None => format!("{d}\n\nBase URL: <{}>", s.url),
            Some(t) => format!(
                "{d}\n\nBase URL: <{}>, the URL `{}` with its variables' defaults; [`{t}`] sets them.",
                s.url, s.template
            ),
        };
        docs(Some(&text), "")
    });
    let mut doc = String::from(
        " Any other base URL (a proxy, a local test server) can be given to\n [`Client::with_base_url`]",
    );
    if let Some(s) = relative_server(api) {
        doc.push_str(&format!(
            "; the spec's relative server `{}` is [`Client::with_host`]",
            s.template
        ));
    }
    doc.push('.');
    let doc_lines = doc.lines().map(|l| quote!(#[doc = #l]));
    quote! {
        /// A documented server of the API, from the spec's `servers`.
        ///
        #( #doc_lines )*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Environment {
            #( #vdocs #names, )*
        }

        impl Environment {
            /// Every documented environment, in spec order.
            pub const ALL: &'static [Environment] = &[ #( Environment::#names ),* ];

            /// The base URL that prefixes the spec's paths.
            pub fn base_url(self) -> &'static str {
                match self {
                    #( Environment::#names => #urls, )*
                }
            }

            /// The kebab-case name used on command lines and in configuration.
            pub fn name(self) -> &'static str {
                match self {
                    #( Environment::#names => #slugs, )*
                }
            }

            /// The spec's description of the server.
            pub fn description(self) -> &'static str {
                match self {
                    #( Environment::#names => #descs, )*
                }
            }
        }

        impl ::std::fmt::Display for Environment {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl ::std::str::FromStr for Environment {
            type Err = ::aqua_runtime::UnknownEnvironment;

            fn from_str(name: &str) -> Result<Self, Self::Err> {
                match name {
                    #( #slugs => Ok(Environment::#names), )*
                    other => Err(::aqua_runtime::UnknownEnvironment::new(other, &[ #( #slugs ),* ])),
                }
            }
        }
    }
}

/// The struct that sets the variables of a server's URL, with the defaults to start from.
fn emit_url_type(s: &Server) -> TokenStream {
    let Some(type_name) = &s.url_type else {
        return quote!();
    };
    let ty = ident(type_name);
    let of = match s.kind {
        ServerKind::Environment => format!(" The URL of [`Environment::{}`]", s.name),
        _ => " The URL of a server of the spec".to_owned(),
    };
    let summary = format!("{of}, `{}`, with its variables.", s.template);
    let start = match s.kind {
        ServerKind::Environment => format!(
            " [`new`](Self::new) (or `Default`) starts from the spec's defaults, <{}>; give\n [`base_url`](Self::base_url) to [`Client::with_base_url`].",
            s.url
        ),
        _ => format!(
            " [`new`](Self::new) (or `Default`) starts from the spec's defaults, `{}`, which is not\n an absolute URL: set the variables, then give [`base_url`](Self::base_url) to\n [`Client::with_base_url`].",
            s.url
        ),
    };
    let start_lines = start.lines().map(|l| quote!(#[doc = #l]));
    let mut fields = Vec::new();
    let mut inits = Vec::new();
    let mut setters = Vec::new();
    for v in &s.variables {
        let field = ident(&v.name);
        let setter = ident(&format!("with_{}", v.name.trim_end_matches('_')));
        let mut text = format!("Sets `{{{}}}` (default `{}`).", v.wire, v.default);
        if let Some(d) = v
            .description
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            text.push_str("\n\n");
            text.push_str(d);
        }
        let setter_docs = docs(Some(&text), "");
        match &v.values {
            Some((enum_name, variant)) => {
                let e = ident(enum_name);
                let d = ident(variant);
                fields.push(quote!(#field: #e));
                inits.push(quote!(#field: #e::#d));
                setters.push(quote! {
                    #setter_docs
                    pub fn #setter(mut self, value: #e) -> Self {
                        self.#field = value;
                        self
                    }
                });
            }
            None => {
                let d = &v.default;
                fields.push(quote!(#field: String));
                inits.push(quote!(#field: String::from(#d)));
                setters.push(quote! {
                    #setter_docs
                    pub fn #setter(mut self, value: impl Into<String>) -> Self {
                        self.#field = value.into();
                        self
                    }
                });
            }
        }
    }
    let (format, args) = url_format(s);
    quote! {
        #[doc = #summary]
        ///
        #( #start_lines )*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct #ty {
            #( #fields, )*
        }

        impl #ty {
            /// The URL with the spec's defaults.
            pub fn new() -> Self {
                #ty {
                    #( #inits, )*
                }
            }

            #( #setters )*

            /// The URL with the variables' values, to give to [`Client::with_base_url`].
            pub fn base_url(&self) -> String {
                self.to_string()
            }
        }

        impl Default for #ty {
            fn default() -> Self {
                Self::new()
            }
        }

        impl ::std::fmt::Display for #ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, #format, #( #args ),*)
            }
        }
    }
}

/// The `write!` format of a server's URL template and its arguments (one per use of a
/// variable).
fn url_format(s: &Server) -> (String, Vec<TokenStream>) {
    let mut format = String::new();
    let mut args = Vec::new();
    let mut rest = s.template.as_str();
    while let Some(open) = rest.find('{') {
        format.push_str(&rest[..open].replace('}', "}}"));
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let wire = &rest[open + 1..open + close];
        if let Some(v) = s.variables.iter().find(|v| v.wire == wire) {
            let field = ident(&v.name);
            format.push_str("{}");
            args.push(match v.values {
                Some(_) => quote!(self.#field.as_str()),
                None => quote!(self.#field),
            });
        }
        rest = &rest[open + close + 1..];
    }
    format.push_str(&rest.replace('}', "}}"));
    (format, args)
}
