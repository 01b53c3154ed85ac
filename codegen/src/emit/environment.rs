//! `Environment`: one variant per documented server, with its base URL and name.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::tokens::{docs, ident};
use crate::model::Api;

/// The `Environment` enum.
pub(super) fn emit_environment(api: &Api) -> TokenStream {
    if api.servers.is_empty() {
        return quote! {
            /// The spec documents no server: give the base URL to [`Client::with_base_url`].
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
    let names: Vec<Ident> = api.servers.iter().map(|s| ident(&s.name)).collect();
    let urls: Vec<&str> = api.servers.iter().map(|s| s.url.as_str()).collect();
    let slugs: Vec<&str> = api.servers.iter().map(|s| s.slug.as_str()).collect();
    let descs: Vec<String> = api
        .servers
        .iter()
        .map(|s| s.description.clone().unwrap_or_else(|| s.url.clone()))
        .collect();
    let vdocs = api.servers.iter().zip(&descs).map(|(s, d)| {
        let text = format!("{d}\n\nBase URL: <{}>", s.url);
        docs(Some(&text), "")
    });
    quote! {
        /// A documented server of the API, from the spec's `servers`.
        ///
        /// Any other base URL (a proxy, a local test server) can be given to
        /// [`Client::with_base_url`].
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
