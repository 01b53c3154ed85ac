//! Token helpers shared by the emitters: identifiers, doc attributes, and the Rust type of a
//! [`TypeRef`].

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::model::TypeRef;

/// An identifier (the model's names are valid Rust identifiers already).
pub(super) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// One `#[doc]` attribute per line, as `///` comments desugar.
///
/// `text` comes from the spec and is made safe for rustdoc first ([`super::doc_text`]);
/// `fallback` is ours.
pub(super) fn docs(text: Option<&str>, fallback: &str) -> TokenStream {
    let safe;
    let text = match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => {
            safe = super::doc_text::markdown(t);
            safe.as_str()
        }
        None => fallback,
    };
    let lines = text.lines().map(|l| {
        let l = l.trim_end();
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote! { #( #[doc = #lines] )* }
}

/// The Rust type for a type reference.
pub(super) fn rust_type(t: &TypeRef) -> TokenStream {
    rust_type_in(t, &quote!())
}

/// The Rust type for a type reference, with `prefix` (such as `super::`) before named types.
pub(super) fn rust_type_in(t: &TypeRef, prefix: &TokenStream) -> TokenStream {
    match t {
        TypeRef::String => quote!(String),
        TypeRef::Bool => quote!(bool),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::F32 => quote!(f32),
        TypeRef::F64 => quote!(f64),
        TypeRef::Json => quote!(::serde_json::Value),
        TypeRef::FlexInt => quote!(::aqua_runtime::FlexInt),
        TypeRef::FlexString => quote!(::aqua_runtime::FlexString),
        TypeRef::FlexBool => quote!(::aqua_runtime::wire::FlexBool),
        TypeRef::Secret => quote!(::aqua_runtime::Secret),
        TypeRef::Bytes => quote!(Vec<u8>),
        TypeRef::Binary => quote!(::aqua_runtime::wire::Binary),
        TypeRef::Named(n) => {
            let n = ident(n);
            quote!(#prefix #n)
        }
        TypeRef::Caseless(n) => {
            let n = ident(n);
            quote!(::aqua_runtime::Caseless<#prefix #n>)
        }
        TypeRef::Vec(inner) => {
            let inner = rust_type_in(inner, prefix);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = rust_type_in(inner, prefix);
            quote!(::std::collections::BTreeMap<String, #inner>)
        }
    }
}
