//! The request body of a builder: its field and setter, and in `send` its check (required,
//! `validate`) and encoding (JSON, form, raw bytes).

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::tokens::{docs, rust_type};
use crate::emit::types::is_request_struct;
use crate::model::{Api, BodyEncoding, Operation};

/// The `body` field, if the operation has a body.
pub(super) fn field(op: &Operation) -> Option<TokenStream> {
    op.body.as_ref().map(|b| {
        let t = rust_type(&b.ty);
        quote!(body: Option<#t>,)
    })
}

/// The `body` setter, if the operation has a body.
pub(super) fn setter(op: &Operation) -> Option<TokenStream> {
    op.body.as_ref().map(|body| {
        let t = rust_type(&body.ty);
        let d = docs(body.docs.as_deref(), "Sets the request body.");
        quote! {
            #d
            pub fn body(mut self, body: #t) -> Self {
                self.body = Some(body);
                self
            }
        }
    })
}

/// The statements of `send` that check and encode the body.
pub(super) fn encode(api: &Api, op: &Operation) -> Vec<TokenStream> {
    let mut body_code = Vec::new();
    if let Some(body) = &op.body {
        let media = &body.media_type;
        let encode = match body.encoding {
            BodyEncoding::Json => quote!(request = request.json(body);),
            BodyEncoding::Form => quote!(request = request.form(body);),
            BodyEncoding::Binary => quote!(request = request.bytes(body.clone(), #media);),
        };
        let validate = is_request_struct(api, &body.ty)
            .then(|| quote!(body.validate().map_err(::aqua_runtime::Error::invalid_request)?;));
        if body.required {
            let msg = format!("the `{}` request needs a body", op.id);
            body_code.push(quote! {
                let Some(body) = &self.body else {
                    return Err(::aqua_runtime::Error::invalid_request(#msg));
                };
                #validate
                #encode
            });
        } else {
            body_code.push(quote! {
                if let Some(body) = &self.body {
                    #validate
                    #encode
                }
            });
        }
    }
    body_code
}
