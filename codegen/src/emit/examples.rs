//! `pub mod examples`: every documented example, with the type that decodes it.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::tokens::{rust_type, rust_type_in};
use crate::model::Api;
use crate::names::{self, Scope};

/// The `examples` module.
pub(super) fn emit_examples(api: &Api) -> TokenStream {
    let mut scope = Scope::default();
    let mut consts = Vec::new();
    let mut names_list = Vec::new();
    for ex in &api.examples {
        let cname = format_ident!("{}", scope.claim(names::const_name(&ex.name)));
        let json = serde_json::to_string_pretty(&ex.value).unwrap_or_default();
        let ty = rust_type_in(&ex.ty, &quote!(super::));
        let type_name = rust_type(&ex.ty).to_string().replace(' ', "");
        let name = &ex.name;
        let origin = &ex.origin;
        let media = &ex.media_type;
        let raw = match &ex.raw_http {
            Some(r) => quote!(Some(#r)),
            None => quote!(None),
        };
        let doc = format!(" The example `{name}` (`{origin}`), decoded as `{type_name}`.");
        let cfg = super::features::type_cfg(api, &ex.ty);
        consts.push(quote! {
            #[doc = #doc]
            #cfg
            pub const #cname: Example = Example {
                name: #name,
                origin: #origin,
                media_type: #media,
                type_name: #type_name,
                json: #json,
                raw_http: #raw,
                decode: ::aqua_runtime::examples::decode_as::<#ty>,
            };
        });
        names_list.push(quote!(#cfg #cname));
    }
    quote! {
        /// Every example documented in the spec, with the generated type that decodes it.
        pub mod examples {
            pub use ::aqua_runtime::examples::Example;

            #( #consts )*

            /// All examples, in document order.
            pub const ALL: &[Example] = &[ #( #names_list ),* ];
        }
    }
}
