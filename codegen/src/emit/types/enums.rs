//! Enums: one variant per known value and a fallback that keeps any other; string enums with
//! the runtime's `StringEnum` impls, integer and number enums with `number_enum_impls!`.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use super::type_docs;
use crate::emit::tokens::{docs, ident};
use crate::model::{NumberVariant, TypeDef, Variant};

/// A string enum.
pub(super) fn output_enum(
    def: &TypeDef,
    variants: &[Variant],
    fallback: &str,
    case_insensitive: bool,
) -> TokenStream {
    let name = ident(&def.name);
    let doc = type_docs(def);
    let fallback = ident(fallback);
    let vnames: Vec<Ident> = variants.iter().map(|v| ident(&v.name)).collect();
    let wires: Vec<&str> = variants.iter().map(|v| v.wire.as_str()).collect();
    let vdocs = variants
        .iter()
        .map(|v| docs(v.docs.as_deref(), &format!("`{}`", v.wire)));
    let case_note = if case_insensitive {
        quote! {
            #[doc = ""]
            #[doc = " Values are matched ignoring ASCII case: fields of this type are wrapped in"]
            #[doc = " [`aqua_runtime::Caseless`], which keeps the spelling received."]
        }
    } else {
        quote!()
    };
    quote! {
        #doc
        #case_note
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #( #vdocs #vnames, )*
            /// A value this version of the client does not know, kept as received.
            #fallback(String),
        }

        impl #name {
            /// The value as it is written on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#vnames => #wires, )*
                    Self::#fallback(value) => value,
                }
            }
        }

        impl ::aqua_runtime::StringEnum for #name {
            const KNOWN: &'static [&'static str] = &[ #( #wires ),* ];

            fn from_wire(value: &str) -> Self {
                match value {
                    #( #wires => Self::#vnames, )*
                    other => Self::#fallback(other.to_owned()),
                }
            }

            fn as_wire(&self) -> &str {
                self.as_str()
            }
        }

        ::aqua_runtime::string_enum_impls!(#name);
    }
}

/// An integer (`i64`) or number (`f64`) enum.
pub(super) fn output_number_enum(
    def: &TypeDef,
    variants: &[NumberVariant],
    fallback: &str,
    integer: bool,
) -> TokenStream {
    let name = ident(&def.name);
    let doc = type_docs(def);
    let fallback = ident(fallback);
    let vnames: Vec<Ident> = variants.iter().map(|v| ident(&v.name)).collect();
    let vdocs = variants
        .iter()
        .map(|v| docs(v.docs.as_deref(), &format!("`{}`", v.value)));
    let literals: Vec<Literal> = variants
        .iter()
        .map(|v| match (integer, v.value.as_i64()) {
            (true, Some(i)) => Literal::i64_unsuffixed(i),
            _ => Literal::f64_unsuffixed(v.value.as_f64().unwrap_or_default()),
        })
        .collect();
    let (repr, derives) = if integer {
        (
            quote!(i64),
            quote!(#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]),
        )
    } else {
        (
            quote!(f64),
            quote!(#[derive(Clone, Copy, Debug, PartialEq)]),
        )
    };
    let from_value = quote! {
        match value {
            #( #literals => Self::#vnames, )*
            other => Self::#fallback(other),
        }
    };
    quote! {
        #doc
        #derives
        #[non_exhaustive]
        pub enum #name {
            #( #vdocs #vnames, )*
            /// A value this version of the client does not know, kept as received.
            #fallback(#repr),
        }

        impl #name {
            /// The value as it is written on the wire.
            pub fn value(&self) -> #repr {
                match self {
                    #( Self::#vnames => #literals, )*
                    Self::#fallback(value) => *value,
                }
            }

            /// The variant of a value (the fallback for a value the spec does not list).
            pub fn from_value(value: #repr) -> Self {
                #from_value
            }
        }

        ::aqua_runtime::number_enum_impls!(#name, #repr);
    }
}
