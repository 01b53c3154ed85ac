//! Structs: the fields (with `unknown_fields`), and for the structs sent in requests a
//! constructor, setters and `validate`.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::{has_eq, struct_has_default, type_docs};
use crate::emit::tokens::{docs, ident, rust_type};
use crate::model::{Api, Field, TypeDef, TypeKind, TypeRef};

/// A struct with one field per property.
pub(super) fn output_struct(
    api: &Api,
    def: &TypeDef,
    fields: &[Field],
    request: bool,
    additional: Option<&TypeRef>,
) -> TokenStream {
    let name = ident(&def.name);
    let doc = type_docs(def);
    let struct_fields = fields;
    let mut derives = vec![quote!(Clone), quote!(Debug)];
    if struct_has_default(api, fields) {
        derives.push(quote!(Default));
    }
    derives.push(quote!(PartialEq));
    if has_eq(api, &TypeRef::Named(def.name.clone())) {
        derives.push(quote!(Eq));
    }
    let fields = fields.iter().map(|f| {
        let fname = ident(&f.name);
        let mut ty = value_type(f);
        let mut serde_args = Vec::new();
        if f.name != f.wire {
            let wire = &f.wire;
            serde_args.push(quote!(rename = #wire));
        }
        if !f.required {
            ty = quote!(Option<#ty>);
            serde_args.push(quote!(skip_serializing_if = "Option::is_none"));
        }
        let serde_attr = if serde_args.is_empty() {
            quote!()
        } else {
            quote!(#[serde( #(#serde_args),* )])
        };
        let mut text = f
            .docs
            .clone()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| format!("The `{}` property.", f.wire));
        if f.deprecated {
            text.push_str("\n\nDeprecated by the API.");
        }
        let doc = docs(Some(&text), "");
        quote! {
            #doc
            #serde_attr
            pub #fname: #ty,
        }
    });
    let (rest_name, rest_ty) = rest_field(additional);
    let rest = match additional {
        None => quote! {
            /// Properties the spec does not list, kept as received so that nothing a newer
            /// API sends is lost when the value is encoded again.
            #[serde(flatten)]
            pub #rest_name: #rest_ty,
        },
        Some(_) => quote! {
            /// The properties the spec does not list by name: it gives their values this
            /// type (`additionalProperties`).
            #[serde(flatten)]
            pub #rest_name: #rest_ty,
        },
    };
    let request_impl = if request {
        emit_request_impl(api, def, struct_fields, additional)
    } else {
        quote!()
    };
    let decode = object_impl(def, struct_fields, &rest_name);
    quote! {
        #doc
        #[derive( #(#derives),*, ::serde::Serialize)]
        #[non_exhaustive]
        pub struct #name {
            #( #fields )*
            #rest
        }

        #decode

        #request_impl
    }
}

/// `Deserialize` through [`aqua_runtime::wire::Object`]: one slot per listed property, filled
/// by `read_properties`; the others go to the map of the rest. (serde's derive with
/// `#[serde(flatten)]` decodes the same, and costs the crate several times the compile time:
/// BENCHMARKS.md, section 7.) No `?`: in a function generic over the map each one makes rustc
/// search every `From` impl of the crate, a fifth of a big crate's check time.
fn object_impl(def: &TypeDef, fields: &[Field], rest_name: &Ident) -> TokenStream {
    let name = ident(&def.name);
    let expecting = format!("struct {}", def.name);
    // The closure's own names, unless a field has them.
    let free = |candidates: [&str; 3]| {
        let taken = |c: &str| fields.iter().any(|f| f.name == c) || *rest_name == c;
        ident(
            candidates
                .into_iter()
                .find(|c| !taken(c))
                .unwrap_or(candidates[2]),
        )
    };
    let map = free(["map", "properties_map", "__map"]);
    let key = free(["key", "property_key", "__key"]);
    let mut slots = Vec::new();
    let mut arms = Vec::new();
    let mut missing = Vec::new();
    let mut values = Vec::new();
    for f in fields {
        let n = ident(&f.name);
        let wire = &f.wire;
        let ty = value_type(f);
        // A slot holds the value read: `null` is `None` for an optional property, and
        // `Some(Null)` for an optional nullable one; an absent required nullable one is null
        // (as serde's derive makes it), an absent required other one an error.
        let (slot, value) = match (f.required, f.nullable) {
            (true, false) => {
                missing.push(quote! {
                    let Some(#n) = #n else {
                        return Err(::serde::de::Error::missing_field(#wire));
                    };
                });
                (ty, quote!(#n))
            }
            (true, true) => (
                ty,
                quote!(#n: #n.unwrap_or(::aqua_runtime::wire::Nullable::Null)),
            ),
            (false, true) => (ty, quote!(#n)),
            (false, false) => (quote!(Option<#ty>), quote!(#n: #n.flatten())),
        };
        slots.push(quote!(let mut #n: Option<#slot> = None;));
        arms.push(quote!(#wire => ::aqua_runtime::wire::field(#map, &mut #n, #wire),));
        values.push(value);
    }
    let rest = quote!(::aqua_runtime::wire::rest(#map, &mut #rest_name, #key));
    // Without listed properties, every one is of the rest (and a `match` would have one arm).
    let each = if arms.is_empty() {
        rest
    } else {
        quote! {
            match #key.as_str() {
                #( #arms )*
                _ => #rest,
            }
        }
    };
    let value = quote!(#name { #( #values, )* #rest_name });
    let build = if missing.is_empty() {
        quote!(.map(|()| #value))
    } else {
        quote! {
            .and_then(|()| {
                #( #missing )*
                Ok(#value)
            })
        }
    };
    quote! {
        impl ::aqua_runtime::wire::Object for #name {
            const EXPECTING: &'static str = #expecting;

            fn decode<'de, A: ::serde::de::MapAccess<'de>>(mut #map: A) -> Result<Self, A::Error> {
                #( #slots )*
                let mut #rest_name = ::std::collections::BTreeMap::new();
                ::aqua_runtime::wire::read_properties(&mut #map, |#map, #key| #each) #build
            }
        }

        ::aqua_runtime::object_impls!(#name);
    }
}

/// A field's value type without the `Option` of an optional field: boxed when it leads back
/// to its struct, `Nullable` when `null` is a value.
fn value_type(f: &Field) -> TokenStream {
    let mut ty = rust_type(&f.ty);
    if f.boxed {
        ty = quote!(Box<#ty>);
    }
    if f.nullable {
        ty = quote!(::aqua_runtime::wire::Nullable<#ty>);
    }
    ty
}

/// The name and type of the flattened map of the properties the spec does not list:
/// `unknown_fields` of any JSON values, or `additional_properties` of the type the spec gives.
fn rest_field(additional: Option<&TypeRef>) -> (Ident, TokenStream) {
    match additional {
        None => (
            ident("unknown_fields"),
            quote!(::std::collections::BTreeMap<String, ::serde_json::Value>),
        ),
        Some(t) => {
            let t = rust_type(t);
            (
                ident("additional_properties"),
                quote!(::std::collections::BTreeMap<String, #t>),
            )
        }
    }
}

/// The argument type of a setter or constructor, and how it becomes the field's value.
fn setter_arg(api: &Api, t: &TypeRef, value: &Ident) -> (TokenStream, TokenStream) {
    // A named alias of a convertible type converts like its target.
    fn takes_into(t: &TypeRef) -> bool {
        matches!(
            t,
            TypeRef::String
                | TypeRef::FlexInt
                | TypeRef::FlexString
                | TypeRef::FlexBool
                | TypeRef::Secret
                | TypeRef::Binary
                | TypeRef::Caseless(_)
        )
    }
    if let TypeRef::Named(n) = t
        && let Some(TypeKind::Alias(target)) = api.types.get(n).map(|d| &d.kind)
        && takes_into(target)
    {
        let ty = rust_type(t);
        return (quote!(impl Into<#ty>), quote!(#value.into()));
    }
    match t {
        t if takes_into(t) => {
            let ty = rust_type(t);
            (quote!(impl Into<#ty>), quote!(#value.into()))
        }
        TypeRef::Vec(inner) if **inner == TypeRef::Binary => {
            let inner = rust_type(inner);
            (
                quote!(impl IntoIterator<Item = impl Into<#inner>>),
                quote!(#value.into_iter().map(Into::into).collect()),
            )
        }
        TypeRef::Vec(inner) => {
            let inner = rust_type(inner);
            (
                quote!(impl IntoIterator<Item = #inner>),
                quote!(#value.into_iter().collect()),
            )
        }
        other => (rust_type(other), quote!(#value)),
    }
}

/// Whether a type is a request struct (it then has `validate`).
pub(in crate::emit) fn is_request_struct(api: &Api, t: &TypeRef) -> bool {
    matches!(t, TypeRef::Named(n) if matches!(
        api.types.get(n).map(|d| &d.kind),
        Some(TypeKind::Struct { request: true, .. })
    ))
}

/// Checks of one field's limits; `value` is bound to a reference to the value.
fn limit_checks(f: &Field) -> Vec<TokenStream> {
    let wire = &f.wire;
    let l = &f.limits;
    let mut out = Vec::new();
    let text = match f.ty {
        TypeRef::String => Some(quote!(value)),
        TypeRef::Secret => Some(quote!(value.expose())),
        TypeRef::FlexString => Some(quote!(value.as_str())),
        _ => None,
    };
    if let (Some(max), Some(text)) = (l.max_length, &text) {
        let msg = format!("`{wire}` is longer than {max} characters");
        let lit = proc_macro2::Literal::usize_unsuffixed(max);
        out.push(quote!(if #text.chars().count() > #lit { return Err(#msg.to_owned()); }));
    }
    if let (Some(pattern), Some(text)) = (&l.pattern, &text) {
        let msg = format!("`{wire}` does not match the pattern `{pattern}`");
        out.push(quote!(if !::aqua_runtime::pattern::matches(#text, #pattern) { return Err(#msg.to_owned()); }));
    }
    if let (Some(min), Some(text)) = (l.min_length, &text) {
        let msg = format!("`{wire}` is shorter than {min} characters");
        let lit = proc_macro2::Literal::usize_unsuffixed(min);
        out.push(quote!(if #text.chars().count() < #lit { return Err(#msg.to_owned()); }));
    }
    if let Some(max) = l.max_items {
        let msg = format!("`{wire}` has more than {max} items");
        let lit = proc_macro2::Literal::usize_unsuffixed(max);
        out.push(quote!(if value.len() > #lit { return Err(#msg.to_owned()); }));
    }
    if let Some(min) = l.min_items {
        let msg = format!("`{wire}` has fewer than {min} items");
        let lit = proc_macro2::Literal::usize_unsuffixed(min);
        out.push(if min == 1 {
            quote!(if value.is_empty() { return Err(#msg.to_owned()); })
        } else {
            quote!(if value.len() < #lit { return Err(#msg.to_owned()); })
        });
    }
    let number = matches!(
        f.ty,
        TypeRef::I32 | TypeRef::I64 | TypeRef::F32 | TypeRef::F64
    );
    if number {
        let lit = |v: f64| match f.ty {
            TypeRef::F32 | TypeRef::F64 => {
                let l = proc_macro2::Literal::f64_unsuffixed(v);
                quote!(#l)
            }
            _ => {
                let l = proc_macro2::Literal::i64_unsuffixed(v as i64);
                quote!(#l)
            }
        };
        if let Some(min) = l.minimum {
            let (v, m) = (lit(min.value), min.value);
            out.push(if min.exclusive {
                let msg = format!("`{wire}` is not greater than {m}");
                quote!(if *value <= #v { return Err(#msg.to_owned()); })
            } else {
                let msg = format!("`{wire}` is less than {m}");
                quote!(if *value < #v { return Err(#msg.to_owned()); })
            });
        }
        if let Some(max) = l.maximum {
            let (v, m) = (lit(max.value), max.value);
            out.push(if max.exclusive {
                let msg = format!("`{wire}` is not less than {m}");
                quote!(if *value >= #v { return Err(#msg.to_owned()); })
            } else {
                let msg = format!("`{wire}` is greater than {m}");
                quote!(if *value > #v { return Err(#msg.to_owned()); })
            });
        }
    }
    out
}

/// The condition and the block of a check that is one `if COND { … }` without `else`.
fn single_condition(check: &TokenStream) -> Option<(TokenStream, TokenStream)> {
    let mut tokens: Vec<proc_macro2::TokenTree> = check.clone().into_iter().collect();
    let is_if = matches!(tokens.first(), Some(proc_macro2::TokenTree::Ident(i)) if i == "if");
    let then = match tokens.last() {
        Some(proc_macro2::TokenTree::Group(g))
            if g.delimiter() == proc_macro2::Delimiter::Brace =>
        {
            g.clone()
        }
        _ => return None,
    };
    if !is_if || tokens.len() < 3 {
        return None;
    }
    tokens.pop();
    let cond: TokenStream = tokens.into_iter().skip(1).collect();
    // `if let …` and a condition that holds braces (a struct literal, a block) stay nested.
    let plain = !cond.clone().into_iter().any(|t| match t {
        proc_macro2::TokenTree::Ident(i) => i == "let",
        proc_macro2::TokenTree::Group(g) => g.delimiter() == proc_macro2::Delimiter::Brace,
        _ => false,
    });
    plain.then(|| (cond, proc_macro2::TokenTree::Group(then).into()))
}

/// Constructor, setters and `validate` of a struct sent in requests.
fn emit_request_impl(
    api: &Api,
    def: &TypeDef,
    fields: &[Field],
    additional: Option<&TypeRef>,
) -> TokenStream {
    let name = ident(&def.name);
    let (rest_name, _) = rest_field(additional);
    let required: Vec<&Field> = fields.iter().filter(|f| f.required).collect();
    let args = required.iter().map(|f| {
        let n = ident(&f.name);
        let (t, _) = setter_arg(api, &f.ty, &n);
        quote!(#n: #t)
    });
    let inits = fields.iter().map(|f| {
        let n = ident(&f.name);
        if f.required && f.nullable {
            let (_, conv) = setter_arg(api, &f.ty, &n);
            quote!(#n: ::aqua_runtime::wire::Nullable::Value(#conv))
        } else if f.required {
            let (_, conv) = setter_arg(api, &f.ty, &n);
            if f.boxed {
                quote!(#n: Box::new(#conv))
            } else if n == conv.to_string() {
                quote!(#n)
            } else {
                quote!(#n: #conv)
            }
        } else {
            quote!(#n: None)
        }
    });
    let new_doc = if required.is_empty() {
        format!(" A `{}` with every optional field unset.", def.name)
    } else {
        let names: Vec<String> = required.iter().map(|f| format!("`{}`", f.wire)).collect();
        format!(
            " A `{}` with its required {}; optional fields unset.",
            def.name,
            names.join(", ")
        )
    };
    let setters = fields.iter().filter(|f| !f.required).map(|f| {
        let n = ident(&f.name);
        // `new` and `validate` are taken; a setter named like a method of a standard trait
        // (`add`, `next`, …) would read as that trait's.
        let method = if matches!(f.name.as_str(), "new" | "validate")
            || crate::names::is_std_trait_method(&f.name)
        {
            format_ident!("with_{}", f.name)
        } else {
            n.clone()
        };
        let (t, conv) = setter_arg(api, &f.ty, &n);
        let conv = if f.boxed {
            quote!(Box::new(#conv))
        } else {
            conv
        };
        let conv = if f.nullable {
            quote!(::aqua_runtime::wire::Nullable::Value(#conv))
        } else {
            conv
        };
        let doc = format!(" Sets `{}`.", f.wire);
        quote! {
            #[doc = #doc]
            pub fn #method(mut self, #n: #t) -> Self {
                self.#n = Some(#conv);
                self
            }
        }
    });
    let checks = fields.iter().filter(|f| !f.nullable).filter_map(|f| {
        let n = ident(&f.name);
        let mut body = limit_checks(f);
        let wire = &f.wire;
        if is_request_struct(api, &f.ty) {
            let fmt = format!("`{wire}`: {{e}}");
            body.push(quote!(value.validate().map_err(|e| format!(#fmt))?;));
        }
        if let TypeRef::Vec(inner) = &f.ty
            && is_request_struct(api, inner)
        {
            let fmt = format!("`{wire}[{{i}}]`: {{e}}");
            body.push(quote! {
                for (i, item) in value.iter().enumerate() {
                    item.validate().map_err(|e| format!(#fmt))?;
                }
            });
        }
        if body.is_empty() {
            return None;
        }
        Some(if f.required {
            quote! { { let value = &self.#n; #( #body )* } }
        } else if let [check] = body.as_slice() {
            // One check of an optional field: `if let Some(value) = … { if … }` would be two
            // nested `if`s (clippy's `collapsible_if`), and let chains need edition 2024, which
            // the crate that includes the code may not use.
            match single_condition(check) {
                Some((cond, then)) => quote! {
                    if self.#n.as_ref().is_some_and(|value| #cond) #then
                },
                None => quote! { if let Some(value) = &self.#n { #check } },
            }
        } else {
            quote! { if let Some(value) = &self.#n { #( #body )* } }
        })
    });
    quote! {
        impl #name {
            #[doc = #new_doc]
            pub fn new( #( #args ),* ) -> Self {
                #name { #( #inits, )* #rest_name: ::std::collections::BTreeMap::new() }
            }

            #( #setters )*

            /// Checks the limits the spec documents (lengths, ranges, item counts); the client
            /// calls this before sending, so that a request Zuora would refuse is never sent.
            pub fn validate(&self) -> Result<(), String> {
                #( #checks )*
                Ok(())
            }
        }
    }
}
