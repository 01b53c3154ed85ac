//! Named types, one function per kind: structs (`structs.rs`), string enums (`enums.rs`),
//! unions (`unions.rs`), timestamps and aliases (here); and what can be derived for a type.

mod enums;
mod structs;
mod unions;

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;

pub(super) use structs::is_request_struct;

use super::tokens::{docs, ident, rust_type};
use crate::model::{Api, Field, TypeDef, TypeKind, TypeRef};

/// A named type.
pub(super) fn emit_type(api: &Api, def: &TypeDef) -> TokenStream {
    match &def.kind {
        TypeKind::Struct {
            fields,
            request,
            additional,
        } => structs::output_struct(api, def, fields, *request, additional.as_ref()),
        TypeKind::Enum {
            variants,
            fallback,
            case_insensitive,
        } => enums::output_enum(def, variants, fallback, *case_insensitive),
        TypeKind::NumberEnum {
            variants,
            fallback,
            integer,
        } => enums::output_number_enum(def, variants, fallback, *integer),
        TypeKind::Timestamp { formats, marker } => output_timestamp(def, formats, marker),
        TypeKind::Alias(target) => output_alias(api, def, target),
        TypeKind::Union {
            variants,
            discriminator,
            fallback,
        } => unions::output_union(api, def, variants, discriminator.as_deref(), fallback),
    }
}

/// The docs of a named type.
fn type_docs(def: &TypeDef) -> TokenStream {
    docs(def.docs.as_deref(), &format!("The `{}` schema.", def.name))
}

/// A Zuora timestamp: an alias of `Timestamp` with a marker type that carries the formats.
fn output_timestamp(def: &TypeDef, formats: &[String], marker: &str) -> TokenStream {
    let name = ident(&def.name);
    let doc = type_docs(def);
    let marker = ident(marker);
    let marker_doc = format!(
        " The formats of [`{}`], from the spec's `x-aqua-timestamp-formats`.",
        def.name
    );
    quote! {
        #doc
        pub type #name = ::aqua_runtime::Timestamp<#marker>;

        #[doc = #marker_doc]
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct #marker;

        impl ::aqua_runtime::TimestampFormats for #marker {
            const FORMATS: &'static [&'static str] = &[ #( #formats ),* ];
        }
    }
}

/// Another name for a type; a tuple struct around it when the alias would lead back to
/// itself (`S = Vec<S>`), which a Rust type alias cannot.
fn output_alias(api: &Api, def: &TypeDef, target: &TypeRef) -> TokenStream {
    let name = ident(&def.name);
    let doc = type_docs(def);
    let eq = has_eq(api, target).then(|| quote!(Eq,));
    let target = rust_type(target);
    if is_recursive_alias(api, &def.name) {
        return quote! {
            #doc
            #[derive(Clone, Debug, Default, PartialEq, #eq ::serde::Serialize, ::serde::Deserialize)]
            #[serde(transparent)]
            pub struct #name(pub #target);
        };
    }
    quote! {
        #doc
        pub type #name = #target;
    }
}

/// Whether the alias `name` is of a list or a map that leads back to `name` (through lists,
/// maps and other aliases).
fn is_recursive_alias(api: &Api, name: &str) -> bool {
    let Some(TypeKind::Alias(target @ (TypeRef::Vec(_) | TypeRef::Map(_)))) =
        api.types.get(name).map(|d| &d.kind)
    else {
        return false;
    };
    let mut stack = vec![target];
    let mut seen = BTreeSet::new();
    while let Some(t) = stack.pop() {
        match t {
            TypeRef::Vec(inner) | TypeRef::Map(inner) => stack.push(inner),
            TypeRef::Named(n) if n == name => return true,
            TypeRef::Named(n) if seen.insert(n.as_str()) => {
                if let Some(TypeKind::Alias(next)) = api.types.get(n).map(|d| &d.kind) {
                    stack.push(next);
                }
            }
            _ => {}
        }
    }
    false
}

/// Whether `Default` can be derived for a value of this type. A type met again on the way
/// (a required field leading back to its struct) has no finite default.
fn has_default(api: &Api, t: &TypeRef) -> bool {
    default_in(api, t, &mut BTreeMap::new())
}

/// `known`: the types decided, and those being decided (`false` until they are: a type that
/// requires one of those is on a cycle of required fields, and has no finite default).
fn default_in<'a>(api: &'a Api, t: &'a TypeRef, known: &mut BTreeMap<&'a str, bool>) -> bool {
    match t {
        TypeRef::Named(n) => {
            if let Some(&known) = known.get(n.as_str()) {
                return known;
            }
            known.insert(n, false);
            let result = match api.types.get(n).map(|d| &d.kind) {
                Some(TypeKind::Struct { fields, .. }) => fields
                    .iter()
                    .all(|f| !f.required || default_in(api, &f.ty, known)),
                Some(TypeKind::Alias(a)) => default_in(api, a, known),
                _ => false,
            };
            known.insert(n, result);
            result
        }
        TypeRef::Caseless(_)
        | TypeRef::FlexInt
        | TypeRef::FlexString
        | TypeRef::FlexBool
        | TypeRef::Secret => false,
        _ => true,
    }
}

pub(super) fn struct_has_default(api: &Api, fields: &[Field]) -> bool {
    fields
        .iter()
        .all(|f| !f.required || has_default(api, &f.ty))
}

/// Whether `Eq` can be derived (no floats, no unions). Each named type is looked at once.
pub(super) fn has_eq(api: &Api, t: &TypeRef) -> bool {
    eq_in(api, t, &mut BTreeSet::new())
}

fn eq_in<'a>(api: &'a Api, t: &'a TypeRef, seen: &mut BTreeSet<&'a str>) -> bool {
    match t {
        TypeRef::F32 | TypeRef::F64 => false,
        TypeRef::Vec(i) | TypeRef::Map(i) => eq_in(api, i, seen),
        TypeRef::Named(n) => {
            if !seen.insert(n) {
                // Already being checked: its answer comes from the other fields.
                return true;
            }
            match api.types.get(n).map(|d| &d.kind) {
                Some(TypeKind::Struct {
                    fields, additional, ..
                }) => {
                    fields.iter().all(|f| eq_in(api, &f.ty, seen))
                        && additional.iter().all(|t| eq_in(api, t, seen))
                }
                Some(TypeKind::Alias(a)) => eq_in(api, a, seen),
                Some(TypeKind::Union { .. }) => false,
                Some(TypeKind::NumberEnum { integer, .. }) => *integer,
                _ => true,
            }
        }
        _ => true,
    }
}
