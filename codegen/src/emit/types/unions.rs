//! Unions (`oneOf`/`anyOf`): an enum with one variant per alternative and a fallback, with a
//! hand-written `Deserialize` (by discriminator, else by trying each in order; alternatives
//! without a tag are tried in order when the tag selects none).

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::type_docs;
use crate::emit::tokens::{ident, rust_type};
use crate::model::{Api, TypeDef, TypeKind, TypeRef, UnionVariant};

/// A `oneOf`/`anyOf`: an enum with one variant per alternative and a fallback keeping any other
/// value; decoded by the discriminator when there is one, else by trying each in order.
pub(super) fn output_union(
    api: &Api,
    def: &TypeDef,
    variants: &[UnionVariant],
    discriminator: Option<&str>,
    fallback: &str,
) -> TokenStream {
    let name = ident(&def.name);
    let doc = type_docs(def);
    let fallback = ident(fallback);
    let is_struct = |t: &TypeRef| {
        matches!(t, TypeRef::Named(n) if matches!(
            api.types.get(n).map(|d| &d.kind),
            Some(TypeKind::Struct { .. } | TypeKind::Union { .. })
        ))
    };
    let types: Vec<TokenStream> = variants
        .iter()
        .map(|v| {
            let t = rust_type(&v.ty);
            if is_struct(&v.ty) { quote!(Box<#t>) } else { t }
        })
        .collect();
    let vnames: Vec<Ident> = variants.iter().map(|v| ident(&v.name)).collect();
    let vdocs = variants.iter().map(|v| {
        let text = if v.tags.is_empty() {
            format!(" A `{}`.", v.name)
        } else {
            let tags: Vec<String> = v.tags.iter().map(|t| format!("`{t}`")).collect();
            format!(" A `{}` (discriminator {}).", v.name, tags.join(", "))
        };
        quote!(#[doc = #text])
    });
    // Each alternative tried in order (those without a tag, under a discriminator).
    let tries: Vec<TokenStream> = types
        .iter()
        .zip(&vnames)
        .zip(variants)
        .filter(|(_, v)| discriminator.is_none() || v.tags.is_empty())
        .map(|((t, n), _)| {
            quote! {
                if let Ok(v) = ::serde_json::from_value::<#t>(value.clone()) {
                    return Ok(Self::#n(v));
                }
            }
        })
        .collect();
    let decode = match discriminator {
        Some(property) => {
            let arms = variants
                .iter()
                .zip(&vnames)
                .filter(|(v, _)| !v.tags.is_empty())
                .map(|(v, n)| {
                    let tags = &v.tags;
                    quote! {
                        Some(#( #tags )|*) => ::serde_json::from_value(value).map(Self::#n).map_err(::serde::de::Error::custom),
                    }
                });
            quote! {
                match value.get(#property).and_then(::serde_json::Value::as_str) {
                    #( #arms )*
                    _ => {
                        #( #tries )*
                        Ok(Self::#fallback(value))
                    }
                }
            }
        }
        None => quote! {
            #( #tries )*
            Ok(Self::#fallback(value))
        },
    };
    quote! {
        #doc
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #( #vdocs #vnames(#types), )*
            /// A value that matches no alternative this version of the client knows, kept as
            /// received.
            #fallback(::serde_json::Value),
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #( Self::#vnames(v) => v.serialize(serializer), )*
                    Self::#fallback(v) => v.serialize(serializer),
                }
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                #decode
            }
        }
    }
}
