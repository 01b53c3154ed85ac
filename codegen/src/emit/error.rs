//! The `Error` type of the operations (an alias, or generic over the error body when they
//! disagree), the `ErrorBody` impls, and which error type each operation returns.

use proc_macro2::TokenStream;
use quote::quote;

use super::tokens::rust_type;
use crate::model::{Api, Operation, TypeRef};

/// The `Error` alias and the `ErrorBody` impls.
pub(super) fn emit_error(api: &Api) -> TokenStream {
    // `ErrorBody` for every schema some operation decodes its error bodies with.
    let mut bodies: Vec<&TypeRef> = api
        .operations
        .iter()
        .filter_map(|o| o.error_type.as_ref())
        .filter(|t| **t != TypeRef::Json)
        .collect();
    bodies.sort();
    bodies.dedup();
    let impls = bodies.iter().map(|t| {
        let ty = rust_type(t);
        let cfg = super::features::type_cfg(api, t);
        quote!(#cfg impl ::aqua_runtime::ErrorBody for #ty {})
    });
    let alias = match &api.error_type {
        Some(t) => {
            let ty = rust_type(t);
            let doc = format!(
                " The error of every operation; error bodies decode as [`{}`].",
                ty.to_string().replace(' ', "")
            );
            quote! {
                #[doc = #doc]
                pub type Error = ::aqua_runtime::Error<#ty>;
            }
        }
        None if bodies.is_empty() => quote! {
            /// The error of every operation; the spec names no error schema, so error bodies
            /// are kept as JSON values.
            pub type Error = ::aqua_runtime::Error<::serde_json::Value>;
        },
        None => quote! {
            /// The error of an operation, generic over the schema of its error bodies (the
            /// operations of this spec document different ones; JSON values by default).
            pub type Error<E = ::serde_json::Value> = ::aqua_runtime::Error<E>;
        },
    };
    quote! {
        #alias
        #( #impls )*
    }
}

/// The schema an operation's error bodies decode as.
pub(super) fn op_error_body(op: &Operation) -> TokenStream {
    match &op.error_type {
        Some(t) => rust_type(t),
        None => quote!(::serde_json::Value),
    }
}

/// The error type an operation returns: the `Error` alias when it fits.
pub(super) fn op_error(api: &Api, op: &Operation) -> TokenStream {
    match (&api.error_type, &op.error_type) {
        (Some(shared), Some(own)) if shared == own => quote!(Error),
        (None, None) if api.operations.iter().all(|o| o.error_type.is_none()) => quote!(Error),
        _ => {
            let body = op_error_body(op);
            quote!(::aqua_runtime::Error<#body>)
        }
    }
}
