//! The parameters of a builder: its fields and setters, and in `send` the checks of their
//! limits and where each is placed (path, query, header, cookie, idempotency key).

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::tokens::{docs, ident, rust_type};
use crate::model::{Api, Operation, Param, ParamLocation, ParamStyle, TypeKind, TypeRef};

/// The argument type of a parameter in a `Client` method or a setter.
pub(in crate::emit) fn param_arg_type(t: &TypeRef) -> TokenStream {
    match t {
        TypeRef::String => quote!(impl Into<String>),
        TypeRef::Secret => quote!(impl Into<::aqua_runtime::Secret>),
        TypeRef::Vec(inner) => {
            let inner = rust_type(inner);
            quote!(impl IntoIterator<Item = #inner>)
        }
        other => rust_type(other),
    }
}

/// How an argument of [`param_arg_type`] becomes the parameter's value.
pub(in crate::emit) fn param_convert(p: &Param) -> TokenStream {
    let name = ident(&p.name);
    match p.ty {
        TypeRef::String | TypeRef::Secret => quote!(#name.into()),
        TypeRef::Vec(_) => quote!(#name.into_iter().collect()),
        _ => quote!(#name),
    }
}

/// The builder's docs about the headers the transport sets (`x-aqua-transport`).
pub(super) fn transport_docs(op: &Operation) -> Vec<TokenStream> {
    op.params
        .iter()
        .filter(|p| p.transport)
        .map(|p| {
            let text = format!(
                " The `{}` header is handled by the client's transport: {}",
                p.wire,
                p.docs
                    .as_deref()
                    .unwrap_or("it is set automatically.")
                    .trim()
                    .replace('\n', " ")
            );
            quote!(#[doc = ""] #[doc = #text])
        })
        .collect()
}

/// The builder's fields, one per parameter the caller gives.
pub(super) fn fields(op: &Operation) -> Vec<TokenStream> {
    op.params
        .iter()
        .filter(|p| !p.transport)
        .map(|p| {
            let n = ident(&p.name);
            let t = rust_type(&p.ty);
            if p.required {
                quote!(#n: #t)
            } else {
                quote!(#n: Option<#t>)
            }
        })
        .collect()
}

/// One setter per optional parameter.
pub(super) fn setters(op: &Operation) -> Vec<TokenStream> {
    op.params
        .iter()
        .filter(|p| !p.required && !p.transport)
        .map(|p| {
            let n = ident(&p.name);
            let t = param_arg_type(&p.ty);
            let v = param_convert(p);
            let mut text = p.docs.as_deref().unwrap_or_default().trim().to_owned();
            if text.is_empty() {
                text = format!("Sets `{}`.", p.wire);
            }
            let loc = match p.location {
                ParamLocation::Path => "path parameter",
                ParamLocation::Query => "query parameter",
                ParamLocation::Header => "header",
                ParamLocation::Cookie => "cookie",
            };
            text.push_str(&format!("\n\nSent as the `{}` {loc}.", p.wire));
            let d = docs(Some(&text), "");
            // A setter named like a method of a standard trait (`add`, `next`, …) would read
            // as that trait's.
            let method = if crate::names::is_std_trait_method(&p.name) {
                quote::format_ident!("with_{}", p.name)
            } else {
                n.clone()
            };
            quote! {
                #d
                pub fn #method(mut self, #n: #t) -> Self {
                    self.#n = Some(#v);
                    self
                }
            }
        })
        .collect()
}

/// The statements of `send` for the parameters.
pub(super) struct Placed {
    /// The limit checks of path parameters (before the path is built).
    pub checks: Vec<TokenStream>,
    /// The checks and placement of the other parameters, on `request`.
    pub sets: Vec<TokenStream>,
}

/// Whether a parameter is written by the runtime's styles (`query_param`, `header_param`,
/// `cookie_param`, `path::styled`) rather than as one text: objects, arrays outside the
/// query's exploded `form` style, path styles other than `simple`, and JSON (`content`).
pub(super) fn styled(api: &Api, p: &Param) -> bool {
    let scalar = is_scalar(api, &p.ty);
    match p.style {
        ParamStyle::Json | ParamStyle::Label | ParamStyle::Matrix => true,
        ParamStyle::Form if p.location == ParamLocation::Query => {
            let exploded_list =
                p.explode && matches!(&p.ty, TypeRef::Vec(inner) if is_scalar(api, inner));
            !(scalar || exploded_list)
        }
        _ => !scalar,
    }
}

/// Whether values of `t` are written as one text (`to_string`).
fn is_scalar(api: &Api, t: &TypeRef) -> bool {
    match t {
        TypeRef::Json | TypeRef::Bytes | TypeRef::Vec(_) | TypeRef::Map(_) => false,
        TypeRef::Named(n) => match api.types.get(n).map(|d| &d.kind) {
            Some(TypeKind::Enum { .. } | TypeKind::Timestamp { .. }) => true,
            Some(TypeKind::Alias(a)) => is_scalar(api, a),
            _ => false,
        },
        _ => true,
    }
}

/// The runtime's name of a parameter's style.
pub(super) fn style_path(p: &Param) -> TokenStream {
    let s = match p.style {
        ParamStyle::Form => quote!(Form),
        ParamStyle::SpaceDelimited => quote!(SpaceDelimited),
        ParamStyle::PipeDelimited => quote!(PipeDelimited),
        ParamStyle::DeepObject => quote!(DeepObject),
        ParamStyle::Simple => quote!(Simple),
        ParamStyle::Label => quote!(Label),
        ParamStyle::Matrix => quote!(Matrix),
        ParamStyle::Json => quote!(Json),
    };
    quote!(::aqua_runtime::encoding::Style::#s)
}

/// Each parameter checked against its documented limits, then placed.
pub(super) fn placed(api: &Api, op: &Operation) -> Placed {
    let mut checks = Vec::new();
    let mut sets = Vec::new();
    for p in op.params.iter().filter(|p| !p.transport) {
        let n = ident(&p.name);
        let wire = &p.wire;
        // Lengths and patterns check text (a secret's too, without showing it).
        let chars = match p.ty {
            TypeRef::String => Some(quote!(value)),
            TypeRef::Secret => Some(quote!(value.expose())),
            _ => None,
        };
        let min = p
            .min_length
            .filter(|&min| min > 0)
            .zip(chars.as_ref())
            .map(|(min, text)| {
                let (short, msg) = if min == 1 {
                    (
                        quote!(#text.is_empty()),
                        format!("`{wire}` must not be empty"),
                    )
                } else {
                    let lit = proc_macro2::Literal::usize_unsuffixed(min);
                    (
                        quote!(#text.chars().count() < #lit),
                        format!("`{wire}` is shorter than {min} characters"),
                    )
                };
                quote! {
                    if #short {
                        return Err(::aqua_runtime::Error::invalid_request(#msg));
                    }
                }
            });
        let max = p.max_length.zip(chars.as_ref()).map(|(max, text)| {
            let msg = format!("`{wire}` is longer than {max} characters");
            let max = proc_macro2::Literal::usize_unsuffixed(max);
            quote! {
                if #text.chars().count() > #max {
                    return Err(::aqua_runtime::Error::invalid_request(#msg));
                }
            }
        });
        let length = match (min, max) {
            (None, None) => None,
            (a, b) => Some(quote!(#a #b)),
        };
        let pattern = p
            .pattern
            .as_ref()
            .zip(chars.as_ref())
            .map(|(pattern, text)| {
                let msg = format!("`{wire}` does not match the pattern `{pattern}`");
                quote! {
                    if !::aqua_runtime::pattern::matches(#text, #pattern) {
                        return Err(::aqua_runtime::Error::invalid_request(#msg));
                    }
                }
            });
        let check = match (length, pattern) {
            (None, None) => None,
            (a, b) => Some(quote!(#a #b)),
        };
        let text = match p.ty {
            TypeRef::String => quote!(value.clone()),
            TypeRef::Secret => quote!(value.expose().to_owned()),
            _ => quote!(value.to_string()),
        };
        let (style, explode) = (style_path(p), p.explode);
        let add = match p.location {
            ParamLocation::Path => {
                if let Some(check) = check {
                    checks.push(quote! { { let value = &self.#n; #check } });
                }
                continue;
            }
            ParamLocation::Query if styled(api, p) => {
                quote!(request = request.query_param(#wire, value, #style, #explode);)
            }
            ParamLocation::Header if styled(api, p) => {
                quote!(request = request.header_param(#wire, value, #style, #explode);)
            }
            ParamLocation::Cookie if styled(api, p) => {
                quote!(request = request.cookie_param(#wire, value, #style);)
            }
            ParamLocation::Query if matches!(p.ty, TypeRef::Vec(_)) && p.explode => quote! {
                for item in value {
                    request = request.query(#wire, item.to_string());
                }
            },
            ParamLocation::Query => quote!(request = request.query(#wire, #text);),
            ParamLocation::Header => quote!(request = request.header(#wire, #text);),
            ParamLocation::Cookie => quote!(request = request.cookie(#wire, &#text);),
        };
        if p.idempotency_key {
            sets.push(quote! {
                if let Some(value) = &self.#n { #check }
                request = request.idempotency_key(self.#n.clone());
            });
            continue;
        }
        sets.push(if p.required {
            quote! { { let value = &self.#n; #check #add } }
        } else {
            quote! { if let Some(value) = &self.#n { #check #add } }
        });
    }
    Placed { checks, sets }
}
