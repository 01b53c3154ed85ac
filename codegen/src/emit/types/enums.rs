//! String enums: one variant per known value and a fallback that keeps any other, with the
//! runtime's `StringEnum` impls.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::type_docs;
use crate::emit::tokens::{docs, ident};
use crate::model::{TypeDef, Variant};

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
            #[doc = " [`Caseless`](::aqua_runtime::Caseless), which keeps the spelling received."]
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
