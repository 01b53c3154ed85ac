//! The request body of a builder: its fields and setters (one per media type, a
//! `Content-Type` setter for raw bytes of several types, a file name per file part), the
//! private enum of a body of several media types, and in `send` its check (required,
//! `validate`) and encoding (JSON, form, multipart, text, raw bytes).

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::tokens::{docs, ident, rust_type};
use crate::emit::types::is_request_struct;
use crate::model::{Api, Body, BodyEncoding, Content, Operation, TypeKind, TypeRef};

/// The builder's fields for the body, if the operation has one.
pub(super) fn fields(api: &Api, op: &Operation) -> Vec<TokenStream> {
    let Some(body) = &op.body else {
        return Vec::new();
    };
    let t = match &body.enum_name {
        Some(e) => {
            let e = ident(e);
            quote!(#e)
        }
        None => rust_type(&body.first().ty),
    };
    let mut out = vec![quote!(body: Option<#t>,)];
    if let Some(setter) = content_type_setter(body) {
        let n = ident(setter);
        out.push(quote!(#n: Option<String>,));
    }
    if !file_parts(api, body).is_empty() {
        out.push(quote!(file_names: Vec<(&'static str, String)>,));
    }
    out
}

/// How the client method sets the body fields: `Some(body)` from its argument when the body
/// is required, else nothing yet.
pub(in crate::emit) fn init(api: &Api, op: &Operation) -> TokenStream {
    let Some(body) = &op.body else {
        return quote!();
    };
    let value = match (&body.enum_name, body.required) {
        (_, false) => quote!(None),
        (None, true) => quote!(Some(body)),
        (Some(e), true) => {
            let (e, v) = (ident(e), ident(&body.first().variant));
            quote!(Some(#e::#v(body)))
        }
    };
    let content_type = content_type_setter(body).map(|setter| {
        let n = ident(setter);
        quote!(#n: None,)
    });
    let files = (!file_parts(api, body).is_empty()).then(|| quote!(file_names: Vec::new(),));
    quote!(body: #value, #content_type #files)
}

/// The client method's argument for a required body (its preferred media type).
pub(in crate::emit) fn arg(op: &Operation) -> TokenStream {
    match &op.body {
        Some(body) if body.required => {
            let t = rust_type(&body.first().ty);
            quote!(body: #t,)
        }
        _ => quote!(),
    }
}

/// The body setters: `body` (the preferred media type), one per other media type, the
/// `Content-Type` setter and the file names of file parts.
pub(super) fn setters(api: &Api, op: &Operation) -> Vec<TokenStream> {
    let Some(body) = &op.body else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let several = body.contents.len() > 1;
    for (i, content) in body.contents.iter().enumerate() {
        let t = rust_type(&content.ty);
        let n = ident(&content.setter);
        let media = format!("`{}`", content.content_type);
        let text = match (i, several) {
            (0, false) => body
                .docs
                .clone()
                .unwrap_or_else(|| "Sets the request body.".to_owned()),
            (0, true) => format!(
                "{}\n\nSent as {media}; the other media types have setters of their own.",
                body.docs
                    .as_deref()
                    .unwrap_or("Sets the request body.")
                    .trim()
            ),
            _ => format!(
                "Sets the request body, sent as {media} (instead of the other media types)."
            ),
        };
        let d = docs(Some(&text), "");
        let value = match &body.enum_name {
            Some(e) => {
                let (e, v) = (ident(e), ident(&content.variant));
                quote!(#e::#v(body))
            }
            None => quote!(body),
        };
        out.push(quote! {
            #d
            pub fn #n(mut self, body: #t) -> Self {
                self.body = Some(#value);
                self
            }
        });
    }
    if let Some(setter) = content_type_setter(body) {
        let n = ident(setter);
        let (default, media) = body
            .contents
            .iter()
            .find(|c| c.content_type_setter.is_some())
            .map(|c| (c.content_type.clone(), c.media_types.clone()))
            .unwrap_or_default();
        let text = if media.iter().all(|m| *m == default) {
            format!(" Sets the `Content-Type` of the raw body (by default `{default}`).")
        } else {
            format!(
                " Sets the `Content-Type` of the raw body (by default `{default}`; the spec documents `{}`).",
                media.join("`, `")
            )
        };
        out.push(quote! {
            #[doc = #text]
            pub fn #n(mut self, content_type: impl Into<String>) -> Self {
                self.#n = Some(content_type.into());
                self
            }
        });
    }
    for (wire, name) in file_parts(api, body) {
        let n = ident(&format!("{name}_file_name"));
        let text = format!(
            " Sets the file name sent with the `{wire}` part (by default `{wire}`): some servers read the type of a file from its name."
        );
        out.push(quote! {
            #[doc = #text]
            pub fn #n(mut self, file_name: impl Into<String>) -> Self {
                self.file_names.retain(|(part, _)| *part != #wire);
                self.file_names.push((#wire, file_name.into()));
                self
            }
        });
    }
    out
}

/// The private enum of a body of several media types.
pub(super) fn content_enum(op: &Operation) -> TokenStream {
    let Some(body) = &op.body else {
        return quote!();
    };
    let Some(e) = &body.enum_name else {
        return quote!();
    };
    let e = ident(e);
    let variants = body.contents.iter().map(|c| {
        let (v, t) = (ident(&c.variant), rust_type(&c.ty));
        let text = format!(" Sent as `{}`.", c.content_type);
        quote!(#[doc = #text] #v(#t),)
    });
    let doc = format!(
        " The request body of [`Client::{}`], in one of its media types.",
        op.method_name
    );
    quote! {
        #[doc = #doc]
        #[derive(Debug)]
        enum #e {
            #( #variants )*
        }
    }
}

/// The statements of `send` that check and encode the body.
pub(super) fn encode(api: &Api, op: &Operation) -> Vec<TokenStream> {
    let Some(body) = &op.body else {
        return Vec::new();
    };
    let msg = format!("the `{}` request needs a body", op.id);
    let missing = if body.required {
        quote!(return Err(::aqua_runtime::Error::invalid_request(#msg));)
    } else {
        quote!()
    };
    match &body.enum_name {
        None => {
            let code = encode_content(api, body, body.first());
            if body.required {
                vec![quote! {
                    let Some(body) = &self.body else {
                        #missing
                    };
                    #code
                }]
            } else {
                vec![quote! {
                    if let Some(body) = &self.body {
                        #code
                    }
                }]
            }
        }
        Some(e) => {
            let e = ident(e);
            let arms = body.contents.iter().map(|c| {
                let v = ident(&c.variant);
                let code = encode_content(api, body, c);
                quote!(Some(#e::#v(body)) => { #code })
            });
            vec![quote! {
                match &self.body {
                    #( #arms )*
                    None => { #missing }
                }
            }]
        }
    }
}

/// The check and encoding of one content; `body` is bound to a reference to its value.
fn encode_content(api: &Api, body: &Body, content: &Content) -> TokenStream {
    let ct = &content.content_type;
    let validate = is_request_struct(api, &content.ty)
        .then(|| quote!(body.validate().map_err(::aqua_runtime::Error::invalid_request)?;));
    let encode = match content.encoding {
        BodyEncoding::Json => quote!(request = request.json(body);),
        BodyEncoding::Form if content.properties.is_empty() => {
            quote!(request = request.form(body);)
        }
        BodyEncoding::Form => {
            let props = properties(content);
            quote!(request = request.form_with(body, &[ #( #props ),* ]);)
        }
        BodyEncoding::Multipart => {
            let props = properties(content);
            let names = if file_parts(api, body).is_empty() {
                quote!(&[])
            } else {
                quote!(&self.file_names)
            };
            quote!(request = request.multipart(body, &[ #( #props ),* ], #names);)
        }
        BodyEncoding::Text | BodyEncoding::Binary => match &content.content_type_setter {
            Some(setter) => {
                let n = ident(setter);
                quote! {
                    let content_type = self.#n.clone().unwrap_or_else(|| #ct.to_owned());
                    request = request.bytes(body.clone(), content_type);
                }
            }
            None => quote!(request = request.bytes(body.clone(), #ct);),
        },
    };
    quote!(#validate #encode)
}

/// The `encoding` of single properties, as runtime values.
fn properties(content: &Content) -> Vec<TokenStream> {
    content
        .properties
        .iter()
        .map(|p| {
            let wire = &p.wire;
            match &p.content_type {
                Some(t) => quote!(::aqua_runtime::encoding::Property::content_type(#wire, #t)),
                None => quote!(::aqua_runtime::encoding::Property::deep_object(#wire)),
            }
        })
        .collect()
}

/// The name of the builder's `Content-Type` setter, if any content has one.
fn content_type_setter(body: &Body) -> Option<&str> {
    body.contents
        .iter()
        .find_map(|c| c.content_type_setter.as_deref())
}

/// The file parts of a multipart body (binary properties, or arrays of them): wire and Rust
/// names of the struct's fields.
fn file_parts(api: &Api, body: &Body) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for content in body
        .contents
        .iter()
        .filter(|c| c.encoding == BodyEncoding::Multipart)
    {
        let TypeRef::Named(n) = &content.ty else {
            continue;
        };
        let Some(TypeKind::Struct { fields, .. }) = api.types.get(n).map(|d| &d.kind) else {
            continue;
        };
        for f in fields {
            let binary = match &f.ty {
                TypeRef::Bytes | TypeRef::Binary => true,
                TypeRef::Vec(inner) => matches!(**inner, TypeRef::Bytes | TypeRef::Binary),
                _ => false,
            };
            if binary && !out.iter().any(|(w, _)| *w == f.wire) {
                out.push((f.wire.clone(), f.name.clone()));
            }
        }
    }
    out
}
