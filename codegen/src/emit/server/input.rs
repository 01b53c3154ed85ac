//! The input struct of an operation, and its decoder from the request (path, query, header
//! and cookie parameters, and the body).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::emit::tokens::{docs, ident, rust_type_in};
use crate::model::{BodyEncoding, Operation, ParamLocation, TypeRef};

/// The input struct of an operation and its decoder.
pub(in crate::emit) fn emit_server_input(op: &Operation) -> TokenStream {
    let sup = quote!(super::);
    let input = format_ident!("{}Input", op.builder_name);
    let mut fields = Vec::new();
    let mut decoders = Vec::new();
    for p in op.params.iter().filter(|p| !p.transport) {
        let n = ident(&p.name);
        let wire = &p.wire;
        let t = rust_type_in(&p.ty, &sup);
        let doc = docs(p.docs.as_deref(), &format!("The `{wire}` parameter."));
        let is_path = p.location == ParamLocation::Path;
        if let TypeRef::Vec(inner) = &p.ty {
            let explode = p.explode;
            let item = rust_type_in(inner, &sup);
            let values = quote!(query_values(&parts.uri, #wire, #explode));
            let list = match &**inner {
                TypeRef::String => values,
                TypeRef::Named(_) => {
                    quote!(#values.iter().map(|v| #item::from(v.as_str())).collect::<Vec<#item>>())
                }
                _ => {
                    quote!(#values.iter().map(|v| parse_param(#wire, v)).collect::<Result<Vec<#item>, Rejection>>()?)
                }
            };
            if p.required {
                fields.push(quote!(#doc pub #n: Vec<#item>,));
                decoders.push(quote!(#n: #list,));
            } else {
                fields.push(quote!(#doc pub #n: Option<Vec<#item>>,));
                decoders.push(quote!(#n: Some(#list).filter(|items| !items.is_empty()),));
            }
            continue;
        }
        let raw = match p.location {
            ParamLocation::Path => {
                quote!(path_param(&params, #wire)?)
            }
            ParamLocation::Query => {
                quote!(query_value(&parts.uri, #wire))
            }
            ParamLocation::Header => {
                quote!(header_value(&parts.headers, #wire))
            }
            ParamLocation::Cookie => {
                quote!(cookie_value(&parts.headers, #wire))
            }
        };
        let value = match (&p.ty, is_path) {
            (TypeRef::String, _) => raw,
            (TypeRef::Named(_), true) => quote!(#t::from(#raw.as_str())),
            (TypeRef::Named(_), false) => quote!(#raw.map(|v| #t::from(v.as_str()))),
            (_, true) => {
                quote!(parse_param(#wire, &#raw)?)
            }
            (_, false) => {
                quote!(#raw.map(|v| parse_param(#wire, &v)).transpose()?)
            }
        };
        if p.required && !is_path {
            let msg = format!("missing required parameter `{wire}`");
            fields.push(quote!(#doc pub #n: #t,));
            decoders.push(quote!(#n: #value.ok_or_else(|| bad_request(#msg))?,));
        } else if p.required {
            fields.push(quote!(#doc pub #n: #t,));
            decoders.push(quote!(#n: #value,));
        } else {
            fields.push(quote!(#doc pub #n: Option<#t>,));
            decoders.push(quote!(#n: #value,));
        }
    }
    if let Some(body) = &op.body {
        let t = rust_type_in(&body.ty, &sup);
        let helper = match (body.encoding, body.required) {
            (BodyEncoding::Json, true) => "json_body",
            (BodyEncoding::Json, false) => "optional_json_body",
            (BodyEncoding::Form, _) => "form_body",
            (BodyEncoding::Binary, _) => "bytes_body",
        };
        let helper = ident(helper);
        let decode = quote!(#helper(body).await?);
        let (ty, decode) = if body.required || body.encoding != BodyEncoding::Json {
            (t, decode)
        } else {
            (quote!(Option<#t>), decode)
        };
        fields.push(quote!(/// The request body.
            pub body: #ty,));
        decoders.push(quote!(body: #decode,));
    }
    let uses_body = op.body.is_some();
    let body_binding = if uses_body {
        quote!(body)
    } else {
        quote!(_body)
    };
    let uses_params = op.params.iter().any(|p| p.location == ParamLocation::Path);
    let params_arg = if uses_params {
        quote!(params: PathParams,)
    } else {
        quote!()
    };
    let input_doc = format!(" The inputs of `{}` as the server received them.", op.id);
    quote! {
        #[doc = #input_doc]
        #[derive(Debug)]
        #[non_exhaustive]
        pub struct #input {
            #( #fields )*
            /// Every request header (credentials included: never log them).
            pub headers: HeaderMap,
            /// The server path the request came in through (`/v1`, `/apps/api`, or `""` at the
            /// host's root).
            pub base_path: &'static str,
        }

        impl #input {
            async fn decode(base_path: &'static str, #params_arg request: Request) -> Result<Self, Rejection> {
                let (parts, #body_binding) = request.into_parts();
                Ok(#input {
                    #( #decoders )*
                    headers: parts.headers,
                    base_path,
                })
            }
        }
    }
}
