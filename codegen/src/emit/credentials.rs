//! `Credentials`: one variant and constructor per security scheme, and its conversion into the
//! runtime's `Auth`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::tokens::{docs, ident};
use crate::model::{Api, SecurityKind};

/// The `Credentials` enum.
pub(super) fn emit_credentials(api: &Api) -> TokenStream {
    let mut variants = Vec::new();
    let mut ctors = Vec::new();
    let mut arms = Vec::new();
    for s in &api.security {
        let v = ident(&s.name);
        let desc = docs(
            s.description.as_deref(),
            &format!("The `{}` security scheme.", s.key),
        );
        let ctor = format_ident!("{}", s.ctor);
        match &s.kind {
            SecurityKind::Basic => {
                variants.push(quote! {
                    #desc
                    #v {
                        /// The user name.
                        username: String,
                        /// The password (never shown by `Debug`).
                        password: ::aqua_runtime::Secret,
                    },
                });
                let doc = format!(" HTTP basic credentials for the `{}` scheme.", s.key);
                ctors.push(quote! {
                    #[doc = #doc]
                    pub fn #ctor(username: impl Into<String>, password: impl Into<::aqua_runtime::Secret>) -> Self {
                        Credentials::#v { username: username.into(), password: password.into() }
                    }
                });
                arms.push(quote! {
                    Credentials::#v { username, password } => ::aqua_runtime::Auth::Basic { username, password },
                });
            }
            SecurityKind::Bearer => {
                variants.push(quote! {
                    #desc
                    #v {
                        /// The token (never shown by `Debug`).
                        token: ::aqua_runtime::Secret,
                    },
                });
                let doc = format!(" A fixed bearer token for the `{}` scheme.", s.key);
                ctors.push(quote! {
                    #[doc = #doc]
                    pub fn #ctor(token: impl Into<::aqua_runtime::Secret>) -> Self {
                        Credentials::#v { token: token.into() }
                    }
                });
                arms.push(quote! {
                    Credentials::#v { token } => ::aqua_runtime::Auth::Bearer(token),
                });
            }
            SecurityKind::OAuthClientCredentials { token_url } => {
                variants.push(quote! {
                    #desc
                    #v {
                        /// The OAuth client ID.
                        client_id: String,
                        /// The OAuth client secret (never shown by `Debug`).
                        client_secret: ::aqua_runtime::Secret,
                    },
                });
                let doc = format!(
                    " OAuth 2.0 client credentials for the `{}` scheme; tokens are fetched from `{token_url}` (a path is relative to the origin of the base URL), cached and renewed before they expire.",
                    s.key
                );
                ctors.push(quote! {
                    #[doc = #doc]
                    pub fn #ctor(client_id: impl Into<String>, client_secret: impl Into<::aqua_runtime::Secret>) -> Self {
                        Credentials::#v { client_id: client_id.into(), client_secret: client_secret.into() }
                    }
                });
                arms.push(quote! {
                    Credentials::#v { client_id, client_secret } => ::aqua_runtime::Auth::OAuthClientCredentials {
                        client_id,
                        client_secret,
                        token_url: #token_url.into(),
                    },
                });
            }
        }
    }
    quote! {
        /// How the client authenticates, one variant per security scheme of the spec.
        ///
        /// `Debug` never shows a password, secret or token.
        #[derive(Clone, Debug)]
        #[non_exhaustive]
        pub enum Credentials {
            #( #variants )*
            /// Send no credentials (for servers that need none).
            Anonymous,
        }

        impl Credentials {
            #( #ctors )*
        }

        impl From<Credentials> for ::aqua_runtime::Auth {
            fn from(credentials: Credentials) -> Self {
                match credentials {
                    #( #arms )*
                    Credentials::Anonymous => ::aqua_runtime::Auth::None,
                }
            }
        }
    }
}
