//! The input struct of an operation, and its decoder from the request (path, query, header
//! and cookie parameters, and the body), with the enum of a body of several media types.
//!
//! Scalars and arrays of scalars decode into the parameter's own type; an object parameter
//! (written by `style` as pairs or a list) decodes into a `serde_json::Value` whose leaves are
//! the strings received, and a parameter with `content` is parsed as JSON into its type. A
//! multipart body is the runtime's `Multipart`: the parts as received.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::emit::tokens::{docs, ident, rust_type_in};
use crate::model::{
    Api, Body, BodyEncoding, Operation, Param, ParamLocation, ParamStyle, TypeKind, TypeRef,
};

/// The input struct of an operation, its body enum (several media types) and its decoder.
pub(in crate::emit) fn emit_server_input(api: &Api, op: &Operation) -> TokenStream {
    let input = format_ident!("{}Input", op.builder_name);
    let mut fields = Vec::new();
    let mut decoders = Vec::new();
    for p in op.params.iter().filter(|p| !p.transport) {
        let (field, decoder) = param(api, p);
        fields.push(field);
        decoders.push(decoder);
    }
    let mut body_enum = quote!();
    if let Some(body) = &op.body {
        let (ty, decode, items) = body_input(op, body);
        body_enum = items;
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
        #body_enum

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

/// How a parameter's value is decoded.
enum Shape<'m> {
    /// A scalar of its own type.
    Scalar,
    /// An array of scalars of type `item`.
    List(&'m TypeRef),
    /// JSON text (`content`), parsed into its type.
    Json,
    /// An object, or an array of non-scalars: a `serde_json::Value`.
    Value,
}

fn shape<'m>(api: &Api, p: &'m Param) -> Shape<'m> {
    if p.style == ParamStyle::Json {
        return Shape::Json;
    }
    match &p.ty {
        TypeRef::Vec(inner) if is_scalar(api, inner) => Shape::List(inner),
        t if is_scalar(api, t) => Shape::Scalar,
        _ => Shape::Value,
    }
}

/// Whether the server decodes values of `t` from a string.
fn is_scalar(api: &Api, t: &TypeRef) -> bool {
    match t {
        TypeRef::Json | TypeRef::Bytes | TypeRef::Binary | TypeRef::Vec(_) | TypeRef::Map(_) => {
            false
        }
        TypeRef::Named(n) => match api.types.get(n).map(|d| &d.kind) {
            Some(
                TypeKind::Enum { .. } | TypeKind::NumberEnum { .. } | TypeKind::Timestamp { .. },
            ) => true,
            Some(TypeKind::Alias(a)) => is_scalar(api, a),
            _ => false,
        },
        _ => true,
    }
}

/// The runtime's name of a parameter style.
fn style(p: &Param) -> TokenStream {
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
    quote!(Style::#s)
}

/// The field of a parameter and its decoder.
fn param(api: &Api, p: &Param) -> (TokenStream, TokenStream) {
    let sup = quote!(super::);
    let n = ident(&p.name);
    let wire = &p.wire;
    let doc = docs(p.docs.as_deref(), &format!("The `{wire}` parameter."));
    let is_path = p.location == ParamLocation::Path;
    let (style, explode) = (style(p), p.explode);
    let missing = format!("missing required parameter `{wire}`");
    match shape(api, p) {
        Shape::List(inner) => {
            let item = rust_type_in(inner, &sup);
            let values = match p.location {
                ParamLocation::Query if p.style == ParamStyle::Form => {
                    quote!(query_values(&parts.uri, #wire, #explode))
                }
                ParamLocation::Query => quote!(query_items(&parts.uri, #wire, #style, #explode)),
                ParamLocation::Header => quote!(header_items(&parts.headers, #wire)),
                ParamLocation::Cookie => quote!(cookie_items(&parts.headers, #wire)),
                ParamLocation::Path => quote!(path_items(&params, #wire, #style, #explode)?),
            };
            let list = match inner {
                TypeRef::String => values,
                TypeRef::Named(n) if from_str(api, n) => {
                    quote!(#values.iter().map(|v| #item::from(v.as_str())).collect::<Vec<#item>>())
                }
                _ => {
                    quote!(#values.iter().map(|v| parse_param(#wire, v)).collect::<Result<Vec<#item>, Rejection>>()?)
                }
            };
            if p.required {
                (quote!(#doc pub #n: Vec<#item>,), quote!(#n: #list,))
            } else {
                (
                    quote!(#doc pub #n: Option<Vec<#item>>,),
                    quote!(#n: Some(#list).filter(|items| !items.is_empty()),),
                )
            }
        }
        Shape::Value => {
            let raw = match p.location {
                ParamLocation::Query => quote!(query_object(&parts.uri, #wire, #style, #explode)),
                ParamLocation::Header => quote!(header_object(&parts.headers, #wire, #explode)),
                ParamLocation::Cookie => quote!(cookie_object(&parts.headers, #wire)),
                ParamLocation::Path => quote!(Some(path_object(&params, #wire, #style, #explode)?)),
            };
            let doc = quote!(#doc #[doc = ""] #[doc = " As received: the values are strings."]);
            if p.required {
                (
                    quote!(#doc pub #n: ::serde_json::Value,),
                    quote!(#n: #raw.ok_or_else(|| bad_request(#missing))?,),
                )
            } else {
                (
                    quote!(#doc pub #n: Option<::serde_json::Value>,),
                    quote!(#n: #raw,),
                )
            }
        }
        Shape::Json | Shape::Scalar => {
            let t = rust_type_in(&p.ty, &sup);
            let raw = match p.location {
                ParamLocation::Path
                    if matches!(p.style, ParamStyle::Label | ParamStyle::Matrix) =>
                {
                    quote!(path_value(&params, #wire, #style)?)
                }
                ParamLocation::Path => quote!(path_param(&params, #wire)?),
                ParamLocation::Query => quote!(query_value(&parts.uri, #wire)),
                ParamLocation::Header => quote!(header_value(&parts.headers, #wire)),
                ParamLocation::Cookie => quote!(cookie_value(&parts.headers, #wire)),
            };
            let json = matches!(shape(api, p), Shape::Json);
            let value = match (&p.ty, is_path, json) {
                (_, true, true) => quote!(json_param(#wire, &#raw)?),
                (_, false, true) => quote!(#raw.map(|v| json_param(#wire, &v)).transpose()?),
                (TypeRef::String, _, _) => raw,
                (TypeRef::Named(n), true, _) if from_str(api, n) => quote!(#t::from(#raw.as_str())),
                (TypeRef::Named(n), false, _) if from_str(api, n) => {
                    quote!(#raw.map(|v| #t::from(v.as_str())))
                }
                (_, true, _) => quote!(parse_param(#wire, &#raw)?),
                (_, false, _) => quote!(#raw.map(|v| parse_param(#wire, &v)).transpose()?),
            };
            if p.required && !is_path {
                (
                    quote!(#doc pub #n: #t,),
                    quote!(#n: #value.ok_or_else(|| bad_request(#missing))?,),
                )
            } else if p.required {
                (quote!(#doc pub #n: #t,), quote!(#n: #value,))
            } else {
                (quote!(#doc pub #n: Option<#t>,), quote!(#n: #value,))
            }
        }
    }
}

/// The server's type of one content of a body.
fn content_type(encoding: BodyEncoding, ty: &TypeRef) -> TokenStream {
    match encoding {
        BodyEncoding::Json | BodyEncoding::Form => rust_type_in(ty, &quote!(super::)),
        BodyEncoding::Multipart => quote!(Multipart),
        BodyEncoding::Text => quote!(String),
        BodyEncoding::Binary => quote!(Vec<u8>),
    }
}

/// The body field's type, its decoder and, for several media types, the body enum.
fn body_input(op: &Operation, body: &Body) -> (TokenStream, TokenStream, TokenStream) {
    if body.enum_name.is_none() {
        let c = body.first();
        let t = content_type(c.encoding, &c.ty);
        let (helper, optional) = match (c.encoding, body.required) {
            (BodyEncoding::Json, true) => (quote!(json_body(body)), false),
            (BodyEncoding::Json, false) => (quote!(optional_json_body(body)), true),
            (BodyEncoding::Form, _) => (quote!(form_body(body)), false),
            (BodyEncoding::Multipart, _) => (quote!(multipart_body(&parts.headers, body)), false),
            (BodyEncoding::Text, _) => (quote!(text_body(body)), false),
            (BodyEncoding::Binary, _) => (quote!(bytes_body(body)), false),
        };
        let ty = if optional { quote!(Option<#t>) } else { t };
        return (ty, quote!(#helper.await?), quote!());
    }
    let e = format_ident!("{}Body", op.builder_name);
    let variants = body.contents.iter().map(|c| {
        let v = ident(&c.variant);
        let t = content_type(c.encoding, &c.ty);
        let text = format!(" Received as {}.", c.media_types.join(", "));
        quote!(#[doc = #text] #v(#t),)
    });
    let decode_one = |c: &crate::model::Content| {
        let v = ident(&c.variant);
        let value = match c.encoding {
            BodyEncoding::Json => quote!(decode_json(&bytes)?),
            BodyEncoding::Form => quote!(decode_form(&bytes)?),
            BodyEncoding::Multipart => {
                quote!(decode_multipart(content_type.as_deref(), bytes.clone()).await?)
            }
            BodyEncoding::Text => quote!(decode_text(&bytes)),
            BodyEncoding::Binary => quote!(bytes.to_vec()),
        };
        quote!(#e::#v(#value))
    };
    let fallback = decode_one(body.first());
    let branches = body.contents.iter().skip(1).map(|c| {
        let media = &c.media_types;
        let this = decode_one(c);
        quote!(if media_type_matches(content_type.as_deref(), &[ #( #media ),* ]) { #this } else)
    });
    let chain = quote!(#( #branches )* { #fallback });
    let doc = format!(
        " The request body of `{}`, by the media type it came as (the first when no other matches).",
        op.id
    );
    let items = quote! {
        #[doc = #doc]
        #[derive(Debug)]
        #[non_exhaustive]
        pub enum #e {
            #( #variants )*
        }
    };
    let (ty, decode) = if body.required {
        (
            quote!(#e),
            quote! {{
                let content_type = header_value(&parts.headers, "content-type");
                let bytes = body_bytes(body).await?;
                #chain
            }},
        )
    } else {
        (
            quote!(Option<#e>),
            quote! {{
                let content_type = header_value(&parts.headers, "content-type");
                let bytes = body_bytes(body).await?;
                if bytes.is_empty() { None } else { Some(#chain) }
            }},
        )
    };
    (ty, decode, items)
}

/// Whether the named type converts from any `&str` (string enums, timestamps, and aliases of
/// them or of `String`); other types (integer enums, aliases of numbers) are parsed.
fn from_str(api: &Api, name: &str) -> bool {
    match api.types.get(name).map(|d| &d.kind) {
        Some(TypeKind::Enum { .. } | TypeKind::Timestamp { .. }) => true,
        Some(TypeKind::Alias(TypeRef::String)) => true,
        Some(TypeKind::Alias(TypeRef::Named(n))) => from_str(api, n),
        _ => false,
    }
}
