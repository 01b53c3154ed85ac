//! What `send` returns and how it reads the response: a decoded JSON body (with the
//! `x-aqua-error-in-body` check), nothing, a streamed download, or, for several success
//! responses, the operation's `…Response` enum; each through a function of
//! `aqua_runtime::send`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::tokens::{docs, ident, rust_type};
use crate::model::{Operation, ResponseBody, Several, Success};

/// The response side of a builder.
pub(super) struct Response {
    /// The `…Response` enum, for several success responses.
    pub alternatives: TokenStream,
    /// The success type of `send`.
    pub output: TokenStream,
    /// The body of `send`: the runtime's future that sends `self.request()` and reads the
    /// response.
    pub finish: TokenStream,
    /// The `Accept` the request sets (`.accept("…")`), if it sets one.
    pub accept: TokenStream,
    /// The docs of the success response, for `send`.
    pub docs: TokenStream,
}

pub(super) fn response(op: &Operation, err_ty: &TokenStream) -> Response {
    let (alternatives, (output, finish, accept)) = match &op.success {
        Success::Several(several) => (
            emit_alternatives(op, several),
            read_several(several, err_ty),
        ),
        Success::One(response) => (quote!(), read_one(&response.body)),
    };
    Response {
        alternatives,
        output,
        finish,
        accept,
        docs: docs(op.success.docs(), "Sends the request."),
    }
}

/// The output, the body of `send` and the `Accept` of the request for one success response.
fn read_one(body: &ResponseBody) -> (TokenStream, TokenStream, TokenStream) {
    let accept = body.accept().map(|a| quote!(.accept(#a)));
    match body {
        ResponseBody::Json {
            ty,
            error_unless_field,
            ..
        } => {
            let ty = rust_type(ty);
            let check = match error_unless_field {
                Some(f) => {
                    let f = ident(f);
                    quote!(Some(|value: &#ty| value.#f.is_some()))
                }
                None => quote!(None),
            };
            (
                ty.clone(),
                quote!(::aqua_runtime::send::json(self.request(), #check)),
                quote!(#accept),
            )
        }
        ResponseBody::Text { .. } => (
            quote!(String),
            quote!(::aqua_runtime::send::text(self.request())),
            quote!(#accept),
        ),
        ResponseBody::Bytes { .. } => (
            quote!(Vec<u8>),
            quote!(::aqua_runtime::send::bytes(self.request())),
            quote!(#accept),
        ),
        ResponseBody::Binary { .. } => (
            quote!(::aqua_runtime::Download),
            quote!(::aqua_runtime::send::download(self.request())),
            accept.unwrap_or_else(|| quote!(.accept("*/*"))),
        ),
        ResponseBody::Empty => (
            quote!(()),
            quote!(::aqua_runtime::send::empty(self.request())),
            quote!(),
        ),
    }
}

/// The output, the body of `send` and the `Accept` for several success responses: the raw
/// response, decoded by status into the operation's enum. `Accept` lists every media type of
/// the alternatives when one of them is not plain JSON.
fn read_several(
    several: &Several,
    err_ty: &TokenStream,
) -> (TokenStream, TokenStream, TokenStream) {
    let e = ident(&several.enum_name);
    let arms = several.alternatives.iter().map(|alt| {
        let v = ident(&alt.name);
        let code = proc_macro2::Literal::u16_unsuffixed(alt.status);
        match &alt.body {
            ResponseBody::Json { ty, .. } => {
                let t = rust_type(ty);
                quote!(#code => Ok(#e::#v(raw.json::<#t, #err_ty>()?)),)
            }
            ResponseBody::Text { .. } => quote!(#code => Ok(#e::#v(raw.text())),),
            ResponseBody::Bytes { .. } | ResponseBody::Binary { .. } => {
                quote!(#code => Ok(#e::#v(raw.body.to_vec())),)
            }
            ResponseBody::Empty => quote!(#code => Ok(#e::#v),),
        }
    });
    let mut accept: Vec<String> = Vec::new();
    for alt in &several.alternatives {
        let media = match &alt.body {
            ResponseBody::Empty => continue,
            ResponseBody::Json { media_types, .. } if media_types.is_empty() => {
                vec!["application/json".to_owned()]
            }
            ResponseBody::Json { media_types, .. }
            | ResponseBody::Text { media_types }
            | ResponseBody::Bytes { media_types }
            | ResponseBody::Binary { media_types } => media_types.clone(),
        };
        for m in media {
            if !accept.contains(&m) {
                accept.push(m);
            }
        }
    }
    let accept = if accept.iter().any(|m| m != "application/json") {
        let a = accept.join(", ");
        quote!(.accept(#a))
    } else {
        quote!()
    };
    (
        quote!(#e),
        quote! {
            ::aqua_runtime::send::raw(self.request(), |raw| match raw.status.as_u16() {
                #( #arms )*
                status => Ok(#e::Other { status, body: raw.body.to_vec() }),
            })
        },
        accept,
    )
}

/// The enum of an operation with several success responses.
fn emit_alternatives(op: &Operation, several: &Several) -> TokenStream {
    let e = ident(&several.enum_name);
    let doc = format!(
        " The success responses of [`Client::{}`], by status.",
        op.method_name
    );
    let variants = several.alternatives.iter().map(|alt| {
        let v = ident(&alt.name);
        let text = format!(
            "HTTP {}: {}",
            alt.status,
            alt.docs.as_deref().unwrap_or("no description").trim()
        );
        let d = docs(Some(&text), "");
        match &alt.body {
            ResponseBody::Json { ty, .. } => {
                let t = rust_type(ty);
                quote!(#d #v(#t),)
            }
            ResponseBody::Text { .. } => quote!(#d #v(String),),
            ResponseBody::Bytes { .. } | ResponseBody::Binary { .. } => quote!(#d #v(Vec<u8>),),
            ResponseBody::Empty => quote!(#d #v,),
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum #e {
            #( #variants )*
            /// A success status the spec does not document, with its raw body.
            Other {
                /// The HTTP status.
                status: u16,
                /// The body as received.
                body: Vec<u8>,
            },
        }
    }
}
