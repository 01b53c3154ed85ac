//! The path of a request: each path parameter encoded as a segment, then the template (or,
//! with `x-aqua-path-variants`, the template of the client's server path) formatted.

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::tokens::ident;
use crate::model::{Api, Operation, PathPart, TypeRef};

/// The statements that compute `path` in `send`.
pub(super) struct Path {
    /// One `let` per path parameter: its value, encoded as a segment.
    pub segments: Vec<TokenStream>,
    /// `let path = …;`
    pub path: TokenStream,
}

pub(super) fn path(api: &Api, op: &Operation) -> Path {
    let mut segments = Vec::new();
    let mut fmt = String::new();
    for part in &op.path_parts {
        match part {
            PathPart::Literal(l) => fmt.push_str(&l.replace('{', "{{").replace('}', "}}")),
            PathPart::Param(i) => {
                let p = &op.params[*i];
                let n = ident(&p.name);
                let wire = &p.wire;
                let (style, explode) = (super::params::style_path(p), p.explode);
                segments.push(match p.ty {
                    _ if super::params::styled(api, p) => quote! {
                        let #n = ::aqua_runtime::path::styled(#wire, &self.#n, #style, #explode)?;
                    },
                    TypeRef::String => {
                        quote!(let #n = ::aqua_runtime::path::segment(#wire, &self.#n)?;)
                    }
                    TypeRef::Secret => {
                        quote!(let #n = ::aqua_runtime::path::segment(#wire, self.#n.expose())?;)
                    }
                    _ => quote! {
                        let #n = ::aqua_runtime::path::segment(#wire, &self.#n.to_string())?.into_owned();
                    },
                });
                fmt.push('{');
                fmt.push_str(&p.name);
                fmt.push('}');
            }
        }
    }
    let path_expr = |fmt: &str| {
        if segments.is_empty() {
            quote!(String::from(#fmt))
        } else {
            quote!(format!(#fmt))
        }
    };
    let default_path = path_expr(&fmt);
    let path = if op.path_variants.is_empty() {
        quote!(let path = #default_path;)
    } else {
        let arms = op.path_variants.iter().map(|variant| {
            let server_path = &variant.server_path;
            let mut vfmt = String::new();
            for part in &variant.parts {
                match part {
                    PathPart::Literal(l) => vfmt.push_str(&l.replace('{', "{{").replace('}', "}}")),
                    PathPart::Param(i) => {
                        vfmt.push('{');
                        vfmt.push_str(&op.params[*i].name);
                        vfmt.push('}');
                    }
                }
            }
            let e = path_expr(&vfmt);
            quote!(#server_path => #e,)
        });
        quote! {
            let path = match self.client.core.base_path() {
                #( #arms )*
                _ => #default_path,
            };
        }
    };
    Path { segments, path }
}
