//! The request builder of an operation: a struct with the inputs, setters for the optional
//! ones, `request` (checks, path, parameters, body: a plain function), `send` (the response:
//! the boxed future of one of the runtime's generic `aqua_runtime::send` functions; no
//! `async fn` per operation, which is most of what a large crate costs to check) and
//! `IntoFuture`. Each part comes from its own file: `path.rs`, `params.rs`, `body.rs`,
//! `response.rs`.

mod body;
mod params;
mod path;
mod response;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub(super) use body::{arg as body_arg, init as body_init};
pub(super) use params::{param_arg_type, param_convert};

use super::error::{op_error, op_error_body};
use super::tokens::ident;
use crate::model::{Api, Operation};

/// The builder of `op`, with its `…Response` enum when it has several success responses.
pub(super) fn emit_builder(api: &Api, op: &Operation) -> TokenStream {
    let b = ident(&op.builder_name);
    let method_name = &op.method_name;
    let bdoc = format!(
        " A request of [`Client::{method_name}`]: set optional inputs, then `.await` it (or call [`send`]({}::send)).",
        op.builder_name
    );
    let transport_doc = params::transport_docs(op);
    let fields = params::fields(op);
    let body_fields = body::fields(api, op);
    let setters = params::setters(op);
    let body_setters = body::setters(api, op);
    let content_enum = body::content_enum(op);
    let path::Path { segments, path } = path::path(api, op);
    let http_method = format_ident!("{}", op.method.as_str());
    let op_id = &op.id;
    let params::Placed { checks, sets } = params::placed(api, op);
    let body_code = body::encode(api, op);
    let err_ty = op_error_body(op);
    let error = op_error(api, op);
    let response::Response {
        alternatives,
        output,
        finish,
        accept,
        docs: send_doc,
    } = response::response(op, &err_ty);
    let http_method = quote!(::aqua_runtime::Method::#http_method);
    let start = match &op.host {
        Some(host) => {
            let mut servers: Vec<&str> = api.servers.iter().map(|s| s.template.as_str()).collect();
            if servers.is_empty() {
                // No server: OpenAPI's default is `/`.
                servers.push("/");
            }
            quote!(request_on_host(#http_method, path, #op_id, #host, &[ #( #servers ),* ]))
        }
        None if op.at_origin => quote!(request_at_origin(#http_method, path, #op_id)),
        None => quote!(request(#http_method, path, #op_id)),
    };
    let no_auth = match &op.security {
        _ if op.no_auth => quote!(.no_auth()),
        Some(requirement) => {
            let requirement = super::credentials::requirement_tokens(requirement);
            quote!(.security(#requirement))
        }
        None => quote!(),
    };
    let mut_kw = if !body_code.is_empty() || !sets.is_empty() {
        quote!(mut)
    } else {
        quote!()
    };
    quote! {
        #[doc = #bdoc]
        #( #transport_doc )*
        #[derive(Debug)]
        #[must_use = "a request does nothing until it is awaited or sent"]
        pub struct #b<'a> {
            client: &'a Client,
            #( #fields, )*
            #( #body_fields )*
        }

        impl<'a> #b<'a> {
            #( #setters )*
            #( #body_setters )*

            /// Sends the request and decodes the response.
            ///
            /// On success:
            #send_doc
            pub fn send(self) -> ::aqua_runtime::BoxFuture<'a, Result<#output, #error>> {
                #finish
            }

            /// The request, checked and encoded; sent by [`send`](Self::send).
            fn request(self) -> Result<::aqua_runtime::Request<'a>, #error> {
                #( #checks )*
                #( #segments )*
                #path
                let #mut_kw request = self.client.core.#start #no_auth;
                #( #sets )*
                #( #body_code )*
                Ok(request #accept)
            }
        }

        #alternatives
        #content_enum

        impl<'a> ::std::future::IntoFuture for #b<'a> {
            type Output = Result<#output, #error>;
            type IntoFuture = ::aqua_runtime::BoxFuture<'a, Self::Output>;

            fn into_future(self) -> Self::IntoFuture {
                self.send()
            }
        }
    }
}
