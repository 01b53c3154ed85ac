//! API areas in the generated code: each operation's client method and builder carry
//! `#[cfg(feature = "…")]` of its area, and each named type `#[cfg(any(feature = …))]` of the
//! areas whose operations reach it ([`gate_types`]).
//!
//! What reaches what is read from the emitted tokens themselves (every identifier that names a
//! type of the model), so that nothing an item mentions (error types, union variants, builders'
//! bodies, poll waits) is missed; a name that is mentioned without being a reference (an enum
//! variant spelled as a type) only keeps a type in more builds. A type is in every build when
//! an ungated item reaches it: `Environment`, `Credentials`, `Client`, the shared `Error`, an
//! operation without an area, or a type no operation reaches (those are kept, so nothing is
//! lost). The server side (`server`) turns on every area, so it is not gated; the examples and
//! the `ErrorBody` impls follow their types.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;
use syn::parse::Parser as _;

use super::{Unit, emit_raw};
use crate::model::{Api, Operation, TypeRef};

/// Fills [`Api::gates`] from the operations' areas (nothing without areas).
pub fn gate_types(api: &mut Api) {
    if api.features.is_empty() {
        return;
    }
    let gates = compute(api);
    api.gates = gates;
}

fn compute(api: &Api) -> BTreeMap<String, Vec<String>> {
    let mentions = |unit: Unit<'_>, out: &mut BTreeSet<String>| {
        collect(&emit_raw(api, unit), api, out);
    };
    let mut edges: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for def in api.types.values() {
        let mut out = BTreeSet::new();
        mentions(Unit::Type(def), &mut out);
        out.remove(&def.name);
        edges.insert(&def.name, out);
    }
    let mut always_roots = BTreeSet::new();
    for unit in [
        Unit::Environment,
        Unit::Credentials,
        Unit::ClientStruct,
        Unit::ClientConstructors,
    ] {
        mentions(unit, &mut always_roots);
    }
    if let Some(t) = &api.error_type {
        always_roots.extend(named(t).map(str::to_owned));
    }
    let mut roots: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for op in &api.operations {
        let out = match &op.feature {
            Some(f) => roots.entry(f).or_default(),
            None => &mut always_roots,
        };
        mentions(Unit::ClientMethod(op), out);
        mentions(Unit::Builder(op), out);
    }
    let mut areas: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut reached = BTreeSet::new();
    for (feature, roots) in &roots {
        for t in closure(roots, &edges) {
            reached.insert(t.clone());
            areas.entry(t).or_default().push((*feature).to_owned());
        }
    }
    always_roots.extend(api.types.keys().filter(|t| !reached.contains(*t)).cloned());
    for t in closure(&always_roots, &edges) {
        areas.remove(&t);
    }
    let all = api.features.len();
    areas.retain(|_, features| features.len() < all);
    areas
}

/// The types reachable from `roots`, roots included.
fn closure(roots: &BTreeSet<String>, edges: &BTreeMap<&str, BTreeSet<String>>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&String> = roots.iter().collect();
    while let Some(t) = stack.pop() {
        if seen.insert(t.clone())
            && let Some(next) = edges.get(t.as_str())
        {
            stack.extend(next.iter().filter(|n| !seen.contains(*n)));
        }
    }
    seen
}

/// The identifiers of `tokens` that name a type of the model.
fn collect(tokens: &TokenStream, api: &Api, out: &mut BTreeSet<String>) {
    for tree in tokens.clone() {
        match tree {
            TokenTree::Group(g) => collect(&g.stream(), api, out),
            TokenTree::Ident(id) => {
                let id = id.to_string();
                if api.types.contains_key(&id) && !out.contains(&id) {
                    out.insert(id);
                }
            }
            _ => {}
        }
    }
}

/// The named type of a type reference, if any.
fn named(t: &TypeRef) -> Option<&str> {
    match t {
        TypeRef::Named(n) | TypeRef::Caseless(n) => Some(n),
        TypeRef::Vec(t) | TypeRef::Map(t) => named(t),
        _ => None,
    }
}

/// `#[cfg(…)]` for a list of features (nothing for none).
fn cfg(features: &[String]) -> TokenStream {
    match features {
        [] => TokenStream::new(),
        [one] => quote!(#[cfg(feature = #one)]),
        many => quote!(#[cfg(any( #( feature = #many ),* ))]),
    }
}

/// The `#[cfg]` of an operation's items (nothing when it is in every build).
pub(super) fn op_cfg(op: &Operation) -> TokenStream {
    cfg(op.feature.as_slice())
}

/// The `#[cfg]` of what a type reference needs (nothing when it is in every build).
pub(super) fn type_cfg(api: &Api, t: &TypeRef) -> TokenStream {
    named(t)
        .and_then(|n| api.gates.get(n))
        .map_or_else(TokenStream::new, |f| cfg(f))
}

/// A unit's tokens with its `#[cfg]` on each of its items.
pub(super) fn gate_unit(api: &Api, unit: Unit<'_>, tokens: TokenStream) -> TokenStream {
    if api.features.is_empty() {
        return tokens;
    }
    let (attr, inside_impl) = match unit {
        Unit::ClientMethod(op) => (op_cfg(op), true),
        Unit::Builder(op) => (op_cfg(op), false),
        Unit::Type(def) => (
            api.gates
                .get(&def.name)
                .map_or_else(TokenStream::new, |f| cfg(f)),
            false,
        ),
        _ => return tokens,
    };
    if attr.is_empty() {
        return tokens;
    }
    let attrs = match syn::Attribute::parse_outer.parse2(attr) {
        Ok(attrs) => attrs,
        Err(_) => return tokens,
    };
    if inside_impl {
        let Ok(mut block) = syn::parse2::<syn::ItemImpl>(quote!(impl Client { #tokens })) else {
            return tokens;
        };
        gate_items(&mut block.items, impl_item_attrs, &attrs)
    } else {
        let Ok(mut file) = syn::parse2::<syn::File>(tokens.clone()) else {
            return tokens;
        };
        gate_items(&mut file.items, item_attrs, &attrs)
    }
}

/// The items with `cfg` after the doc comments of each (those `attrs_of` gives attributes).
fn gate_items<T: quote::ToTokens>(
    items: &mut [T],
    attrs_of: fn(&mut T) -> Option<&mut Vec<syn::Attribute>>,
    cfg: &[syn::Attribute],
) -> TokenStream {
    for item in items.iter_mut() {
        if let Some(a) = attrs_of(item) {
            after_docs(a, cfg);
        }
    }
    quote!( #( #items )* )
}

/// Inserts `cfg` after the doc comments of `attrs`, where hand-written code has it.
fn after_docs(attrs: &mut Vec<syn::Attribute>, cfg: &[syn::Attribute]) {
    let docs = attrs
        .iter()
        .take_while(|a| a.path().is_ident("doc"))
        .count();
    attrs.splice(docs..docs, cfg.iter().cloned());
}

fn impl_item_attrs(item: &mut syn::ImplItem) -> Option<&mut Vec<syn::Attribute>> {
    match item {
        syn::ImplItem::Fn(f) => Some(&mut f.attrs),
        syn::ImplItem::Const(c) => Some(&mut c.attrs),
        syn::ImplItem::Type(t) => Some(&mut t.attrs),
        _ => None,
    }
}

fn item_attrs(item: &mut syn::Item) -> Option<&mut Vec<syn::Attribute>> {
    use syn::Item;
    match item {
        Item::Const(i) => Some(&mut i.attrs),
        Item::Enum(i) => Some(&mut i.attrs),
        Item::Fn(i) => Some(&mut i.attrs),
        Item::Impl(i) => Some(&mut i.attrs),
        Item::Macro(i) => Some(&mut i.attrs),
        Item::Mod(i) => Some(&mut i.attrs),
        Item::Static(i) => Some(&mut i.attrs),
        Item::Struct(i) => Some(&mut i.attrs),
        Item::Trait(i) => Some(&mut i.attrs),
        Item::Type(i) => Some(&mut i.attrs),
        Item::Union(i) => Some(&mut i.attrs),
        Item::Use(i) => Some(&mut i.attrs),
        _ => None,
    }
}
