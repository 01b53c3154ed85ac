//! The `Api` trait (one method per operation, with its reply type) and the handler of each
//! operation: decode the input, call the method, encode the reply.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::emit::client::op_docs;
use crate::emit::tokens::{ident, rust_type_in};
use crate::model::{Api, Operation, ParamLocation, ResponseBody, Success};

/// The reply type of an operation's handler method.
fn server_reply(op: &Operation) -> TokenStream {
    let sup = quote!(super::);
    match &op.success {
        Success::Several(several) => {
            let e = ident(&several.enum_name);
            quote!(Reply<super::#e>)
        }
        Success::One(response) => match &response.body {
            ResponseBody::Json { ty, .. } => {
                let t = rust_type_in(ty, &sup);
                quote!(Reply<#t>)
            }
            ResponseBody::Text { .. } => quote!(Reply<String>),
            ResponseBody::Bytes { .. } => quote!(Reply<Vec<u8>>),
            ResponseBody::Binary { .. } => quote!(BinaryReply),
            ResponseBody::Empty => quote!(Reply<()>),
        },
    }
}

/// The `Api` trait: one method per operation.
pub(in crate::emit) fn emit_server_trait(api: &Api) -> TokenStream {
    let methods = api.operations.iter().map(|op| {
        let input = format_ident!("{}Input", op.builder_name);
        let m = ident(&op.method_name);
        let reply = server_reply(op);
        let summary = op_docs(op);
        quote! {
            #summary
            fn #m(&self, input: #input) -> impl ::std::future::Future<Output = #reply> + Send;
        }
    });
    quote! {
        /// One method per operation of the spec.
        pub trait Api: Send + Sync + 'static {
            #( #methods )*
        }
    }
}

/// The handler of an operation: decode the input, call the `Api` method, encode the reply.
pub(in crate::emit) fn emit_server_handler(op: &Operation) -> TokenStream {
    let input = format_ident!("{}Input", op.builder_name);
    let m = ident(&op.method_name);
    let handle = format_ident!("handle_{}", op.method_name);
    let uses_params = op.params.iter().any(|p| p.location == ParamLocation::Path);
    let params_arg = if uses_params {
        quote!(params: PathParams,)
    } else {
        quote!()
    };
    let call_decode = if uses_params {
        quote!(#input::decode(base_path, params, request).await)
    } else {
        quote!(#input::decode(base_path, request).await)
    };
    let respond = match &op.success {
        Success::Several(several) => {
            let e = ident(&several.enum_name);
            let arms = several.alternatives.iter().map(|alt| {
                let v = ident(&alt.name);
                let code = proc_macro2::Literal::u16_unsuffixed(alt.status);
                match &alt.body {
                    ResponseBody::Json { .. } => {
                        quote!(super::#e::#v(body) => json_response(status(#code), &body),)
                    }
                    ResponseBody::Empty => quote!(super::#e::#v => empty_response(status(#code)),),
                    other => {
                        let ct = reply_content_type(other);
                        quote!(super::#e::#v(body) => content_response(status(#code), #ct, body),)
                    }
                }
            });
            quote! {
                api.#m(input).await.into_response_by(|value| match value {
                    #( #arms )*
                    super::#e::Other { status: code, body } => bytes_response(status(code), body),
                })
            }
        }
        Success::One(response) => {
            let status = proc_macro2::Literal::u16_unsuffixed(response.status);
            match &response.body {
                ResponseBody::Text { .. } | ResponseBody::Bytes { .. } => {
                    let ct = reply_content_type(&response.body);
                    quote!(api.#m(input).await.into_content_response(status(#status), #ct))
                }
                _ => quote!(api.#m(input).await.into_response_with(status(#status))),
            }
        }
    };
    quote! {
        async fn #handle<A: Api>(api: Arc<A>, base_path: &'static str, #params_arg request: Request) -> Response {
            match #call_decode {
                Ok(input) => #respond,
                Err(rejection) => *rejection,
            }
        }
    }
}

/// The `Content-Type` of a text or bytes reply: the first documented media type (a range
/// becomes `text/plain` or `application/octet-stream`).
fn reply_content_type(body: &ResponseBody) -> String {
    let (media, fallback) = match body {
        ResponseBody::Text { media_types } => (media_types.first(), "text/plain"),
        ResponseBody::Bytes { media_types } | ResponseBody::Binary { media_types } => {
            (media_types.first(), "application/octet-stream")
        }
        _ => (None, "application/octet-stream"),
    };
    match media {
        Some(m) if !m.contains('*') => m.clone(),
        _ => fallback.to_owned(),
    }
}
