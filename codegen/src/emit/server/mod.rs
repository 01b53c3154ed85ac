//! `#[cfg(feature = "server")] pub mod server`: the server side of the API. One `…Input`
//! struct per operation (`input.rs`), the `Api` trait and one handler per operation
//! (`handler.rs`), and the `router` (`router.rs`).
//!
//! The units name the runtime's server glue (`::aqua_runtime::server`) by bare name; the
//! module imports, from one fixed list, the names its units mention ([`mentioned`]), so that
//! no emitter keeps a list of what it uses.

mod handler;
mod input;
mod router;

use std::collections::BTreeSet;

use proc_macro2::{Spacing, TokenStream, TokenTree};
use quote::quote;

pub(super) use handler::{emit_server_handler, emit_server_trait};
pub(super) use input::emit_server_input;
pub(super) use router::emit_server_router;

use super::tokens::ident;

/// Names of `::aqua_runtime::server` that server units mention, for the module's `use`s.
pub type ServerNames = BTreeSet<&'static str>;

/// Every name of `::aqua_runtime::server` the server units may use, and the module below it
/// that holds the name, if any. The server module imports those its units mention.
const IMPORTS: &[(&str, Option<&str>)] = &[
    ("HeaderMap", None),
    ("Multipart", None),
    ("MethodRouter", Some("routing")),
    ("Path", None),
    ("PathParams", None),
    ("Rejection", None),
    ("Request", None),
    ("Response", None),
    ("Router", None),
    ("Style", None),
    ("bad_request", None),
    ("body_bytes", None),
    ("bytes_body", None),
    ("bytes_response", None),
    ("content_response", None),
    ("cookie_items", None),
    ("cookie_object", None),
    ("cookie_value", None),
    ("decode_form", None),
    ("decode_json", None),
    ("decode_multipart", None),
    ("decode_text", None),
    ("empty_response", None),
    ("form_body", None),
    ("header_items", None),
    ("header_object", None),
    ("header_value", None),
    ("json_body", None),
    ("json_param", None),
    ("json_response", None),
    ("media_type_matches", None),
    ("multipart_body", None),
    ("not_found", None),
    ("optional_json_body", None),
    ("parse_param", None),
    ("path_items", None),
    ("path_object", None),
    ("path_param", None),
    ("path_value", None),
    ("path_values", None),
    ("query_has", None),
    ("query_items", None),
    ("query_object", None),
    ("query_value", None),
    ("query_values", None),
    ("status", None),
    ("text_body", None),
];

/// The names of `::aqua_runtime::server` the module re-exports for implementors of `Api`, when
/// its units mention them.
const REEXPORTS: &[&str] = &["BinaryReply", "Reply"];

/// The opening of the server module (its docs, `cfg` and an empty body).
pub(super) fn emit_server_open() -> TokenStream {
    quote! {
        /// The server side of the API: implement [`Api`](server::Api) and serve
        /// [`router`](server::router). Requires the crate feature `server`.
        ///
        /// The router decodes each request into the operation's input (path, query, header
        /// parameters and body) and encodes the handler's reply; it adds no behaviour of its own.
        #[cfg(feature = "server")]
        pub mod server {}
    }
}

/// The `use` declarations of the server module, for the runtime names its units mention.
pub fn emit_server_uses(mentioned: &ServerNames) -> TokenStream {
    let imports = IMPORTS
        .iter()
        .filter(|(name, _)| mentioned.contains(name))
        .map(|(name, module)| {
            let name = ident(name);
            match module {
                Some(module) => {
                    let module = ident(module);
                    quote!(#module::#name)
                }
                None => quote!(#name),
            }
        });
    let reexports = REEXPORTS
        .iter()
        .filter(|name| mentioned.contains(*name))
        .map(|name| ident(name));
    quote! {
        use ::std::sync::Arc;

        use ::aqua_runtime::server::{ #( #imports ),* };
        pub use ::aqua_runtime::server::{ #( #reexports ),* };
    }
}

/// Adds to `names` the runtime names of `IMPORTS` and `REEXPORTS` that `tokens` mention:
/// an identifier that starts a path, that is, not one after `::` or `.` (a path segment, a
/// method or field), the name of a `fn`, or a field name before a single `:`.
pub fn mentioned(tokens: &TokenStream, names: &mut ServerNames) {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let punct =
        |i: usize, c: char| matches!(trees.get(i), Some(TokenTree::Punct(p)) if p.as_char() == c);
    for (i, tree) in trees.iter().enumerate() {
        let id = match tree {
            TokenTree::Group(group) => {
                mentioned(&group.stream(), names);
                continue;
            }
            TokenTree::Ident(id) => id,
            _ => continue,
        };
        let Some(name) = IMPORTS
            .iter()
            .map(|(name, _)| *name)
            .chain(REEXPORTS.iter().copied())
            .find(|name| id == name)
        else {
            continue;
        };
        let after_path = i >= 2
            && punct(i - 1, ':')
            && matches!(&trees[i - 2], TokenTree::Punct(p) if p.as_char() == ':' && p.spacing() == Spacing::Joint);
        let after_dot = i >= 1 && punct(i - 1, '.');
        let after_fn = i >= 1 && matches!(&trees[i - 1], TokenTree::Ident(k) if k == "fn");
        let field = matches!(
            trees.get(i + 1),
            Some(TokenTree::Punct(p)) if p.as_char() == ':' && p.spacing() == Spacing::Alone
        );
        if !(after_path || after_dot || after_fn || field) {
            names.insert(name);
        }
    }
}
