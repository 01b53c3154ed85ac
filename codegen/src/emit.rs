//! Stage 3, emit: [`model::Api`](crate::model::Api) → Rust tokens.
//!
//! The emitters read only the model. Generated code names the runtime and serde by absolute
//! paths (`::aqua_runtime::…`, `::serde::…`), so it compiles in any crate that depends on them.

use std::collections::BTreeSet;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::model::*;
use crate::names::{self, Scope};

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// One `#[doc]` attribute per line, as `///` comments desugar.
fn docs(text: Option<&str>, fallback: &str) -> TokenStream {
    let text = text
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(fallback);
    let lines = text.lines().map(|l| {
        let l = l.trim_end();
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote! { #( #[doc = #lines] )* }
}

/// A block whose items are [`Unit`]s of their own, so that a large `impl` or module is emitted
/// and printed piece by piece.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    /// `impl Client { … }`: constructors and one method per operation.
    ClientImpl,
    /// `pub mod server { … }`: the server side.
    ServerModule,
}

impl Container {
    /// The container with an empty body: its attributes, docs and header.
    pub fn empty(self) -> TokenStream {
        match self {
            Container::ClientImpl => quote!(impl Client {}),
            Container::ServerModule => emit_server_open(),
        }
    }

    /// The container itself with `items` in its body: [`empty`](Self::empty), filled.
    pub fn filled(self, items: TokenStream) -> TokenStream {
        let mut trees: Vec<proc_macro2::TokenTree> = self.empty().into_iter().collect();
        // The empty body `{}` is the last token.
        trees.pop();
        trees.push(proc_macro2::Group::new(proc_macro2::Delimiter::Brace, items).into());
        trees.into_iter().collect()
    }

    /// `items` inside a stand-in for the container, indented as they are in the real one.
    pub fn wrap(self, items: TokenStream) -> TokenStream {
        match self {
            Container::ClientImpl => quote!(impl Client { #items }),
            Container::ServerModule => quote!(mod server { #items }),
        }
    }
}

/// One piece of the generated file: a few items that are emitted, and can be printed, on their
/// own. The file is the units of [`units`] in order; the units of a [`Container`] sit between
/// its `Open` and `Close`.
#[derive(Clone, Copy, Debug)]
pub enum Unit<'a> {
    /// `Environment`: one variant per documented server.
    Environment,
    /// `Credentials`, from the security schemes.
    Credentials,
    /// The `Error` type (alias).
    ErrorType,
    /// `USER_AGENT` and the `Client` struct.
    ClientStruct,
    /// The start of a container.
    Open(Container),
    /// The end of a container.
    Close(Container),
    /// The constructors of `Client`.
    ClientConstructors,
    /// The method of `Client` that starts an operation.
    ClientMethod(&'a Operation),
    /// The request builder of an operation.
    Builder(&'a Operation),
    /// A named type.
    Type(&'a TypeDef),
    /// The `examples` module.
    Examples,
    /// The `use` declarations of the server module; they depend on what the other server units
    /// use, so this unit is emitted last (see [`emit_server_uses`]).
    ServerUses,
    /// The input struct of an operation.
    ServerInput(&'a Operation),
    /// The `Api` trait.
    ServerTrait,
    /// The handler function of an operation.
    ServerHandler(&'a Operation),
    /// The `router` function.
    ServerRouter,
}

impl Unit<'_> {
    /// Whether the unit covers the whole API (every operation or example) rather than one
    /// operation or type; those are the largest units.
    pub fn is_per_api(&self) -> bool {
        matches!(
            self,
            Unit::ServerTrait | Unit::ServerRouter | Unit::Examples | Unit::Environment
        )
    }

    /// The container the unit's items are in, if any.
    pub fn container(&self) -> Option<Container> {
        match self {
            Unit::ClientConstructors | Unit::ClientMethod(_) => Some(Container::ClientImpl),
            Unit::ServerUses
            | Unit::ServerInput(_)
            | Unit::ServerTrait
            | Unit::ServerHandler(_)
            | Unit::ServerRouter => Some(Container::ServerModule),
            _ => None,
        }
    }
}

/// The units of the generated file, in order.
pub fn units(api: &Api) -> Vec<Unit<'_>> {
    let ops = &api.operations;
    let mut units = Vec::with_capacity(3 * ops.len() + api.types.len() + 16);
    units.extend([
        Unit::Environment,
        Unit::Credentials,
        Unit::ErrorType,
        Unit::ClientStruct,
        Unit::Open(Container::ClientImpl),
        Unit::ClientConstructors,
    ]);
    units.extend(ops.iter().map(Unit::ClientMethod));
    units.push(Unit::Close(Container::ClientImpl));
    units.extend(ops.iter().map(Unit::Builder));
    units.extend(api.types.values().map(Unit::Type));
    units.push(Unit::Examples);
    if !ops.is_empty() {
        units.extend([Unit::Open(Container::ServerModule), Unit::ServerUses]);
        units.extend(ops.iter().map(Unit::ServerInput));
        units.push(Unit::ServerTrait);
        units.extend(ops.iter().map(Unit::ServerHandler));
        units.extend([Unit::ServerRouter, Unit::Close(Container::ServerModule)]);
    }
    units
}

/// The items of one unit (nothing for `Open`, `Close` and `ServerUses`: see [`Container`] and
/// [`emit_server_uses`]). Server units add the names they use to `used`.
pub fn emit_unit(api: &Api, unit: Unit<'_>, used: &mut ServerNames) -> TokenStream {
    match unit {
        Unit::Environment => emit_environment(api),
        Unit::Credentials => emit_credentials(api),
        Unit::ErrorType => emit_error(api),
        Unit::ClientStruct => emit_client_struct(api),
        Unit::Open(_) | Unit::Close(_) | Unit::ServerUses => TokenStream::new(),
        Unit::ClientConstructors => emit_client_constructors(),
        Unit::ClientMethod(op) => emit_client_method(op),
        Unit::Builder(op) => emit_builder(api, op),
        Unit::Type(def) => emit_type(api, def),
        Unit::Examples => emit_examples(api),
        Unit::ServerInput(op) => emit_server_input(op, used),
        Unit::ServerTrait => emit_server_trait(api),
        Unit::ServerHandler(op) => emit_server_handler(op, used),
        Unit::ServerRouter => emit_server_router(api),
    }
}

/// Emits the whole generated file as one token stream: the [`units`], assembled.
pub fn emit(api: &Api) -> TokenStream {
    let units = units(api);
    let mut used = ServerNames::new();
    let emitted: Vec<TokenStream> = units
        .iter()
        .map(|&unit| emit_unit(api, unit, &mut used))
        .collect();
    let mut out = TokenStream::new();
    let mut inner = TokenStream::new();
    for (unit, tokens) in units.iter().zip(emitted) {
        match unit {
            Unit::Open(_) => inner = TokenStream::new(),
            Unit::Close(container) => out.extend(container.filled(std::mem::take(&mut inner))),
            Unit::ServerUses => inner.extend(emit_server_uses(api, &used)),
            _ if unit.container().is_some() => inner.extend(tokens),
            _ => out.extend(tokens),
        }
    }
    out
}

// ----- types ------------------------------------------------------------------------------

/// The Rust type for a type reference.
fn rust_type(t: &TypeRef) -> TokenStream {
    rust_type_in(t, &quote!())
}

/// The Rust type for a type reference, with `prefix` (such as `super::`) before named types.
fn rust_type_in(t: &TypeRef, prefix: &TokenStream) -> TokenStream {
    match t {
        TypeRef::String => quote!(String),
        TypeRef::Bool => quote!(bool),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::F32 => quote!(f32),
        TypeRef::F64 => quote!(f64),
        TypeRef::Json => quote!(::serde_json::Value),
        TypeRef::FlexInt => quote!(::aqua_runtime::FlexInt),
        TypeRef::FlexString => quote!(::aqua_runtime::FlexString),
        TypeRef::FlexBool => quote!(::aqua_runtime::wire::FlexBool),
        TypeRef::Secret => quote!(::aqua_runtime::Secret),
        TypeRef::Bytes => quote!(Vec<u8>),
        TypeRef::Named(n) => {
            let n = ident(n);
            quote!(#prefix #n)
        }
        TypeRef::Caseless(n) => {
            let n = ident(n);
            quote!(::aqua_runtime::Caseless<#prefix #n>)
        }
        TypeRef::Vec(inner) => {
            let inner = rust_type_in(inner, prefix);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = rust_type_in(inner, prefix);
            quote!(::std::collections::BTreeMap<String, #inner>)
        }
    }
}

/// Whether `Default` can be derived for a value of this type. A type met again on the way
/// (a required field leading back to its struct) has no finite default.
fn has_default(api: &Api, t: &TypeRef) -> bool {
    default_in(api, t, &mut BTreeSet::new())
}

fn default_in<'a>(api: &'a Api, t: &'a TypeRef, seen: &mut BTreeSet<&'a str>) -> bool {
    match t {
        TypeRef::Named(n) => {
            if !seen.insert(n) {
                return false;
            }
            let result = match api.types.get(n).map(|d| &d.kind) {
                Some(TypeKind::Struct { fields, .. }) => fields
                    .iter()
                    .all(|f| !f.required || default_in(api, &f.ty, seen)),
                Some(TypeKind::Alias(a)) => default_in(api, a, seen),
                _ => false,
            };
            seen.remove(n.as_str());
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

fn struct_has_default(api: &Api, fields: &[Field]) -> bool {
    fields
        .iter()
        .all(|f| !f.required || has_default(api, &f.ty))
}

/// Whether `Eq` can be derived (no floats, no unions). Each named type is looked at once.
fn has_eq(api: &Api, t: &TypeRef) -> bool {
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
                Some(TypeKind::Struct { fields, .. }) => {
                    fields.iter().all(|f| eq_in(api, &f.ty, seen))
                }
                Some(TypeKind::Alias(a)) => eq_in(api, a, seen),
                Some(TypeKind::Union { .. }) => false,
                _ => true,
            }
        }
        _ => true,
    }
}

fn emit_type(api: &Api, def: &TypeDef) -> TokenStream {
    let name = ident(&def.name);
    let doc = docs(def.docs.as_deref(), &format!("The `{}` schema.", def.name));
    match &def.kind {
        TypeKind::Struct { fields, request } => {
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
                let mut ty = rust_type(&f.ty);
                if f.boxed {
                    ty = quote!(Box<#ty>);
                }
                if f.nullable {
                    ty = quote!(::aqua_runtime::wire::Nullable<#ty>);
                }
                let mut serde_args = Vec::new();
                if f.name != f.wire {
                    let wire = &f.wire;
                    serde_args.push(quote!(rename = #wire));
                }
                if !f.required {
                    ty = quote!(Option<#ty>);
                    serde_args.push(quote!(default));
                    serde_args.push(quote!(skip_serializing_if = "Option::is_none"));
                    if f.nullable {
                        serde_args.push(quote!(deserialize_with = "::aqua_runtime::wire::present"));
                    }
                }
                let serde_attr = if serde_args.is_empty() {
                    quote!()
                } else {
                    quote!(#[serde( #(#serde_args),* )])
                };
                let mut text = f
                    .docs
                    .clone()
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
            let request_impl = if *request {
                emit_request_impl(api, def, struct_fields)
            } else {
                quote!()
            };
            quote! {
                #doc
                #[derive( #(#derives),*, ::serde::Serialize, ::serde::Deserialize)]
                #[non_exhaustive]
                pub struct #name {
                    #( #fields )*
                    /// Properties the spec does not list, kept as received so that nothing a newer
                    /// API sends is lost when the value is encoded again.
                    #[serde(flatten)]
                    pub unknown_fields: ::std::collections::BTreeMap<String, ::serde_json::Value>,
                }

                #request_impl
            }
        }
        TypeKind::Enum {
            variants,
            fallback,
            case_insensitive,
        } => {
            let fallback = ident(fallback);
            let vnames: Vec<Ident> = variants.iter().map(|v| ident(&v.name)).collect();
            let wires: Vec<&str> = variants.iter().map(|v| v.wire.as_str()).collect();
            let vdocs = variants
                .iter()
                .map(|v| docs(v.docs.as_deref(), &format!("`{}`", v.wire)));
            let case_note = if *case_insensitive {
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
        TypeKind::Timestamp { formats, marker } => {
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
        TypeKind::Alias(target) => {
            let target = rust_type(target);
            quote! {
                #doc
                pub type #name = #target;
            }
        }
        TypeKind::Union {
            variants,
            discriminator,
            fallback,
        } => emit_union(api, def, variants, discriminator.as_deref(), fallback),
    }
}

/// A `oneOf`/`anyOf`: an enum with one variant per alternative and a fallback keeping any other
/// value; decoded by the discriminator when there is one, else by trying each in order.
fn emit_union(
    api: &Api,
    def: &TypeDef,
    variants: &[UnionVariant],
    discriminator: Option<&str>,
    fallback: &str,
) -> TokenStream {
    let name = ident(&def.name);
    let doc = docs(def.docs.as_deref(), &format!("The `{}` schema.", def.name));
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
    let decode = match discriminator {
        Some(property) => {
            let arms = variants.iter().zip(&vnames).map(|(v, n)| {
                let tags = &v.tags;
                quote! {
                    Some(#( #tags )|*) => ::serde_json::from_value(value).map(Self::#n).map_err(::serde::de::Error::custom),
                }
            });
            quote! {
                match value.get(#property).and_then(::serde_json::Value::as_str) {
                    #( #arms )*
                    _ => Ok(Self::#fallback(value)),
                }
            }
        }
        None => {
            let tries = types.iter().zip(&vnames).map(|(t, n)| {
                quote! {
                    if let Ok(v) = ::serde_json::from_value::<#t>(value.clone()) {
                        return Ok(Self::#n(v));
                    }
                }
            });
            quote! {
                #( #tries )*
                Ok(Self::#fallback(value))
            }
        }
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
                | TypeRef::Caseless(_)
        )
    }
    if let TypeRef::Named(n) = t {
        if let Some(TypeKind::Alias(target)) = api.types.get(n).map(|d| &d.kind) {
            if takes_into(target) {
                let ty = rust_type(t);
                return (quote!(impl Into<#ty>), quote!(#value.into()));
            }
        }
    }
    match t {
        t if takes_into(t) => {
            let ty = rust_type(t);
            (quote!(impl Into<#ty>), quote!(#value.into()))
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
fn is_request_struct(api: &Api, t: &TypeRef) -> bool {
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
        out.push(quote!(if value.len() < #lit { return Err(#msg.to_owned()); }));
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
            let msg = format!("`{wire}` is less than {min}");
            let v = lit(min);
            out.push(quote!(if *value < #v { return Err(#msg.to_owned()); }));
        }
        if let Some(max) = l.maximum {
            let msg = format!("`{wire}` is greater than {max}");
            let v = lit(max);
            out.push(quote!(if *value > #v { return Err(#msg.to_owned()); }));
        }
    }
    out
}

/// Constructor, setters and `validate` of a struct sent in requests.
fn emit_request_impl(api: &Api, def: &TypeDef, fields: &[Field]) -> TokenStream {
    let name = ident(&def.name);
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
        let method = if matches!(f.name.as_str(), "new" | "validate") {
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
        if let TypeRef::Vec(inner) = &f.ty {
            if is_request_struct(api, inner) {
                let fmt = format!("`{wire}[{{i}}]`: {{e}}");
                body.push(quote! {
                    for (i, item) in value.iter().enumerate() {
                        item.validate().map_err(|e| format!(#fmt))?;
                    }
                });
            }
        }
        if body.is_empty() {
            return None;
        }
        Some(if f.required {
            quote! { { let value = &self.#n; #( #body )* } }
        } else {
            quote! { if let Some(value) = &self.#n { #( #body )* } }
        })
    });
    quote! {
        impl #name {
            #[doc = #new_doc]
            pub fn new( #( #args ),* ) -> Self {
                #name { #( #inits, )* unknown_fields: ::std::collections::BTreeMap::new() }
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

// ----- environment and credentials ---------------------------------------------------------

fn emit_environment(api: &Api) -> TokenStream {
    if api.servers.is_empty() {
        return quote! {
            /// The spec documents no server: give the base URL to [`Client::with_base_url`].
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
            pub enum Environment {}

            impl Environment {
                /// Every documented environment (none).
                pub const ALL: &'static [Environment] = &[];

                /// The base URL of this environment.
                pub fn base_url(self) -> &'static str {
                    match self {}
                }
            }
        };
    }
    let names: Vec<Ident> = api.servers.iter().map(|s| ident(&s.name)).collect();
    let urls: Vec<&str> = api.servers.iter().map(|s| s.url.as_str()).collect();
    let slugs: Vec<&str> = api.servers.iter().map(|s| s.slug.as_str()).collect();
    let descs: Vec<String> = api
        .servers
        .iter()
        .map(|s| s.description.clone().unwrap_or_else(|| s.url.clone()))
        .collect();
    let vdocs = api.servers.iter().zip(&descs).map(|(s, d)| {
        let text = format!("{d}\n\nBase URL: <{}>", s.url);
        docs(Some(&text), "")
    });
    quote! {
        /// A documented server of the API, from the spec's `servers`.
        ///
        /// Any other base URL (a proxy, a local test server) can be given to
        /// [`Client::with_base_url`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Environment {
            #( #vdocs #names, )*
        }

        impl Environment {
            /// Every documented environment, in spec order.
            pub const ALL: &'static [Environment] = &[ #( Environment::#names ),* ];

            /// The base URL that prefixes the spec's paths.
            pub fn base_url(self) -> &'static str {
                match self {
                    #( Environment::#names => #urls, )*
                }
            }

            /// The kebab-case name used on command lines and in configuration.
            pub fn name(self) -> &'static str {
                match self {
                    #( Environment::#names => #slugs, )*
                }
            }

            /// The spec's description of the server.
            pub fn description(self) -> &'static str {
                match self {
                    #( Environment::#names => #descs, )*
                }
            }
        }

        impl ::std::fmt::Display for Environment {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl ::std::str::FromStr for Environment {
            type Err = ::aqua_runtime::UnknownEnvironment;

            fn from_str(name: &str) -> Result<Self, Self::Err> {
                match name {
                    #( #slugs => Ok(Environment::#names), )*
                    other => Err(::aqua_runtime::UnknownEnvironment::new(other, &[ #( #slugs ),* ])),
                }
            }
        }
    }
}

fn emit_credentials(api: &Api) -> TokenStream {
    let mut variants = Vec::new();
    let mut ctors = Vec::new();
    let mut arms = Vec::new();
    for s in &api.security {
        let v = ident(&s.name);
        let desc = docs(
            s.description.as_deref(),
            &format!("The `{}` security scheme.", s.key),
        );
        let ctor = format_ident!("{}", s.ctor);
        match &s.kind {
            SecurityKind::Basic => {
                variants.push(quote! {
                    #desc
                    #v {
                        /// The user name.
                        username: String,
                        /// The password (never shown by `Debug`).
                        password: ::aqua_runtime::Secret,
                    },
                });
                let doc = format!(" HTTP basic credentials for the `{}` scheme.", s.key);
                ctors.push(quote! {
                    #[doc = #doc]
                    pub fn #ctor(username: impl Into<String>, password: impl Into<::aqua_runtime::Secret>) -> Self {
                        Credentials::#v { username: username.into(), password: password.into() }
                    }
                });
                arms.push(quote! {
                    Credentials::#v { username, password } => ::aqua_runtime::Auth::Basic { username, password },
                });
            }
            SecurityKind::Bearer => {
                variants.push(quote! {
                    #desc
                    #v {
                        /// The token (never shown by `Debug`).
                        token: ::aqua_runtime::Secret,
                    },
                });
                let doc = format!(" A fixed bearer token for the `{}` scheme.", s.key);
                ctors.push(quote! {
                    #[doc = #doc]
                    pub fn #ctor(token: impl Into<::aqua_runtime::Secret>) -> Self {
                        Credentials::#v { token: token.into() }
                    }
                });
                arms.push(quote! {
                    Credentials::#v { token } => ::aqua_runtime::Auth::Bearer(token),
                });
            }
            SecurityKind::OAuthClientCredentials { token_url } => {
                variants.push(quote! {
                    #desc
                    #v {
                        /// The OAuth client ID.
                        client_id: String,
                        /// The OAuth client secret (never shown by `Debug`).
                        client_secret: ::aqua_runtime::Secret,
                    },
                });
                let doc = format!(
                    " OAuth 2.0 client credentials for the `{}` scheme; tokens are fetched from `{token_url}` (a path is relative to the origin of the base URL), cached and renewed before they expire.",
                    s.key
                );
                ctors.push(quote! {
                    #[doc = #doc]
                    pub fn #ctor(client_id: impl Into<String>, client_secret: impl Into<::aqua_runtime::Secret>) -> Self {
                        Credentials::#v { client_id: client_id.into(), client_secret: client_secret.into() }
                    }
                });
                arms.push(quote! {
                    Credentials::#v { client_id, client_secret } => ::aqua_runtime::Auth::OAuthClientCredentials {
                        client_id,
                        client_secret,
                        token_url: #token_url.into(),
                    },
                });
            }
        }
    }
    quote! {
        /// How the client authenticates, one variant per security scheme of the spec.
        ///
        /// `Debug` never shows a password, secret or token.
        #[derive(Clone, Debug)]
        #[non_exhaustive]
        pub enum Credentials {
            #( #variants )*
            /// Send no credentials (for servers that need none).
            Anonymous,
        }

        impl Credentials {
            #( #ctors )*
        }

        impl From<Credentials> for ::aqua_runtime::Auth {
            fn from(credentials: Credentials) -> Self {
                match credentials {
                    #( #arms )*
                    Credentials::Anonymous => ::aqua_runtime::Auth::None,
                }
            }
        }
    }
}

fn emit_error(api: &Api) -> TokenStream {
    // `ErrorBody` for every schema some operation decodes its error bodies with.
    let mut bodies: Vec<&TypeRef> = api
        .operations
        .iter()
        .filter_map(|o| o.error_type.as_ref())
        .filter(|t| **t != TypeRef::Json)
        .collect();
    bodies.sort();
    bodies.dedup();
    let impls = bodies.iter().map(|t| {
        let ty = rust_type(t);
        quote!(impl ::aqua_runtime::ErrorBody for #ty {})
    });
    let alias = match &api.error_type {
        Some(t) => {
            let ty = rust_type(t);
            let doc = format!(
                " The error of every operation; error bodies decode as [`{}`].",
                ty.to_string().replace(' ', "")
            );
            quote! {
                #[doc = #doc]
                pub type Error = ::aqua_runtime::Error<#ty>;
            }
        }
        None if bodies.is_empty() => quote! {
            /// The error of every operation; the spec names no error schema, so error bodies
            /// are kept as JSON values.
            pub type Error = ::aqua_runtime::Error<::serde_json::Value>;
        },
        None => quote! {
            /// The error of an operation, generic over the schema of its error bodies (the
            /// operations of this spec document different ones; JSON values by default).
            pub type Error<E = ::serde_json::Value> = ::aqua_runtime::Error<E>;
        },
    };
    quote! {
        #alias
        #( #impls )*
    }
}

/// The schema an operation's error bodies decode as.
fn op_error_body(op: &Operation) -> TokenStream {
    match &op.error_type {
        Some(t) => rust_type(t),
        None => quote!(::serde_json::Value),
    }
}

/// The error type an operation returns: the `Error` alias when it fits.
fn op_error(api: &Api, op: &Operation) -> TokenStream {
    match (&api.error_type, &op.error_type) {
        (Some(shared), Some(own)) if shared == own => quote!(Error),
        (None, None) if api.operations.iter().all(|o| o.error_type.is_none()) => quote!(Error),
        _ => {
            let body = op_error_body(op);
            quote!(::aqua_runtime::Error<#body>)
        }
    }
}

// ----- client and operations -----------------------------------------------------------------

fn param_arg_type(t: &TypeRef) -> TokenStream {
    match t {
        TypeRef::String => quote!(impl Into<String>),
        TypeRef::Vec(inner) => {
            let inner = rust_type(inner);
            quote!(impl IntoIterator<Item = #inner>)
        }
        other => rust_type(other),
    }
}

fn param_convert(p: &Param) -> TokenStream {
    let name = ident(&p.name);
    match p.ty {
        TypeRef::String => quote!(#name.into()),
        TypeRef::Vec(_) => quote!(#name.into_iter().collect()),
        _ => quote!(#name),
    }
}

/// The `User-Agent` constant and the `Client` struct.
fn emit_client_struct(api: &Api) -> TokenStream {
    let title_doc = format!(" A client for {} (API version {}).", api.title, api.version);
    quote! {
        /// The `User-Agent` sent with every request: this crate's name and version.
        pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

        #[doc = #title_doc]
        ///
        /// Cloning is cheap: clones share the connection pool and the credentials.
        #[derive(Clone, Debug)]
        pub struct Client {
            core: ::aqua_runtime::ClientCore,
        }
    }
}

/// The constructors and accessors of `impl Client`.
fn emit_client_constructors() -> TokenStream {
    quote! {
        /// A client for a documented environment with the default configuration.
        pub fn new(environment: Environment, credentials: Credentials) -> Result<Self, ::aqua_runtime::ConfigError> {
            Self::with_config(environment.base_url(), credentials, ::aqua_runtime::ClientConfig::default())
        }

        /// A client for any base URL (the URL that prefixes the spec's paths). Plain `http://`
        /// is accepted only for loopback hosts such as `http://127.0.0.1:8080`.
        pub fn with_base_url(base_url: &str, credentials: Credentials) -> Result<Self, ::aqua_runtime::ConfigError> {
            Self::with_config(base_url, credentials, ::aqua_runtime::ClientConfig::default())
        }

        /// A client with explicit timeouts and other settings.
        pub fn with_config(base_url: &str, credentials: Credentials, config: ::aqua_runtime::ClientConfig) -> Result<Self, ::aqua_runtime::ConfigError> {
            let core = ::aqua_runtime::ClientCore::new(base_url, credentials.into(), USER_AGENT, config)?;
            Ok(Client { core })
        }

        /// The base URL requests are sent to.
        pub fn base_url(&self) -> &str {
            self.core.base_url()
        }

        /// The transport shared by the operations, for hand-written extensions.
        pub fn core(&self) -> &::aqua_runtime::ClientCore {
            &self.core
        }
    }
}

/// The method of `impl Client` that starts an operation (and its `wait_for_…` method, if any).
fn emit_client_method(op: &Operation) -> TokenStream {
    let m = ident(&op.method_name);
    let b = ident(&op.builder_name);
    let required: Vec<&Param> = op.params.iter().filter(|p| p.required).collect();
    let args = required.iter().map(|p| {
        let n = ident(&p.name);
        let t = param_arg_type(&p.ty);
        quote!(#n: #t)
    });
    let inits_required = required.iter().map(|p| {
        let n = ident(&p.name);
        let v = param_convert(p);
        if n == v.to_string() {
            quote!(#n)
        } else {
            quote!(#n: #v)
        }
    });
    let inits_optional = op
        .params
        .iter()
        .filter(|p| !p.required && !p.transport)
        .map(|p| {
            let n = ident(&p.name);
            quote!(#n: None)
        });
    let (body_arg, body_init) = match &op.body {
        Some(b) if b.required => {
            let t = rust_type(&b.ty);
            (quote!(body: #t,), quote!(body: Some(body),))
        }
        Some(_) => (quote!(), quote!(body: None,)),
        None => (quote!(), quote!()),
    };
    let summary = op_docs(op);
    let see = format!(
        " Returns a [`{}`] request: await it, or set its optional inputs first.",
        op.builder_name
    );
    let deprecated = op
        .deprecated
        .then(|| quote!(#[deprecated = "deprecated by the API"]));
    let wait = op.poll.as_ref().map(|poll| emit_poll(op, poll));
    quote! {
        #wait

        #summary
        #[doc = ""]
        #[doc = #see]
        #deprecated
        pub fn #m(&self, #( #args, )* #body_arg) -> #b<'_> {
            #b {
                client: self,
                #( #inits_required, )*
                #( #inits_optional, )*
                #body_init
            }
        }
    }
}

/// The enum of an operation with several success responses.
fn emit_alternatives(op: &Operation, _err_ty: &TokenStream) -> TokenStream {
    let Some(enum_name) = &op.success.enum_name else {
        return quote!();
    };
    let e = ident(enum_name);
    let doc = format!(
        " The success responses of [`Client::{}`], by status.",
        op.method_name
    );
    let variants = op.success.alternatives.iter().map(|alt| {
        let v = ident(&alt.name);
        let text = format!(
            "HTTP {}: {}",
            alt.status,
            alt.docs.as_deref().unwrap_or("no description").trim()
        );
        let d = docs(Some(&text), "");
        match &alt.ty {
            Some(t) => {
                let t = rust_type(t);
                quote!(#d #v(#t),)
            }
            None => quote!(#d #v,),
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

/// The waiting method of `x-aqua-poll`.
fn emit_poll(op: &Operation, poll: &Poll) -> TokenStream {
    let m = ident(&poll.method_name);
    let op_method = ident(&op.method_name);
    let Some(ty) = op.success.ty.as_ref().map(rust_type) else {
        return quote!();
    };
    let err_ty = op_error_body(op);
    let required: Vec<&Param> = op.params.iter().filter(|p| p.required).collect();
    let args = required.iter().map(|p| {
        let n = ident(&p.name);
        let t = param_arg_type(&p.ty);
        quote!(#n: #t)
    });
    let converts = required.iter().map(|p| {
        let n = ident(&p.name);
        let v = param_convert(p);
        let t = rust_type(&p.ty);
        quote!(let #n: #t = #v;)
    });
    let call_args = required.iter().map(|p| {
        let n = ident(&p.name);
        quote!(#n.clone())
    });
    let field = ident(&poll.field);
    let text = if poll.field_is_enum {
        quote!(value.#field.as_ref().map(|v| v.as_str()))
    } else {
        quote!(value.#field.as_deref())
    };
    let ok = &poll.success;
    let failed = &poll.failure;
    let list = |v: &[String]| {
        v.iter()
            .map(|x| format!("`{x}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text_doc = format!(
        "Waits until `{}` of [`Client::{}`] is final: polls immediately, then with a growing interval, until `{}` is {} (success) or {} (failure). Any other value, known or not, keeps waiting until the deadline.",
        op.id,
        op.method_name,
        poll.wire,
        list(ok),
        list(failed)
    );
    if let Some(d) = &poll.docs {
        text_doc.push_str("\n\n");
        text_doc.push_str(d.trim());
    }
    text_doc.push_str("\n\nSet the deadline, the intervals and a callback for status changes on the returned [`Wait`](::aqua_runtime::wait::Wait), then await it.");
    let doc = docs(Some(&text_doc), "");
    quote! {
        #doc
        pub fn #m(&self, #( #args ),*) -> ::aqua_runtime::wait::Wait<'_, #ty, #err_ty> {
            #( #converts )*
            ::aqua_runtime::wait::Wait::new(
                move || self.#op_method( #( #call_args ),* ).send(),
                |value: &#ty| match #text {
                    Some(#( #ok )|*) => ::aqua_runtime::wait::PollOutcome::Succeeded,
                    Some(#( #failed )|*) => ::aqua_runtime::wait::PollOutcome::Failed,
                    _ => ::aqua_runtime::wait::PollOutcome::Pending,
                },
                |value: &#ty| #text.map(str::to_owned),
            )
        }
    }
}

fn op_docs(op: &Operation) -> TokenStream {
    let text = op
        .docs
        .clone()
        .unwrap_or_else(|| format!("The `{}` operation.", op.id));
    let text = format!(
        "{text}\n\n`{} {}` (operation `{}`).",
        op.method.as_str(),
        op.path,
        op.id
    );
    docs(Some(&text), "")
}

fn emit_builder(api: &Api, op: &Operation) -> TokenStream {
    let b = ident(&op.builder_name);
    let method_name = &op.method_name;
    let bdoc = format!(
        " A request of [`Client::{method_name}`]: set optional inputs, then `.await` it (or call [`send`]({}::send)).",
        op.builder_name
    );
    let transport_doc = op.params.iter().filter(|p| p.transport).map(|p| {
        let text = format!(
            " The `{}` header is handled by the client's transport: {}",
            p.wire,
            p.docs
                .as_deref()
                .unwrap_or("it is set automatically.")
                .trim()
                .replace('\n', " ")
        );
        quote!(#[doc = ""] #[doc = #text])
    });
    let fields = op.params.iter().filter(|p| !p.transport).map(|p| {
        let n = ident(&p.name);
        let t = rust_type(&p.ty);
        if p.required {
            quote!(#n: #t)
        } else {
            quote!(#n: Option<#t>)
        }
    });
    let body_field = op.body.as_ref().map(|b| {
        let t = rust_type(&b.ty);
        quote!(body: Option<#t>,)
    });
    let setters = op
        .params
        .iter()
        .filter(|p| !p.required && !p.transport)
        .map(|p| {
            let n = ident(&p.name);
            let t = param_arg_type(&p.ty);
            let v = param_convert(p);
            let mut text = p.docs.as_deref().unwrap_or_default().trim().to_owned();
            if text.is_empty() {
                text = format!("Sets `{}`.", p.wire);
            }
            let loc = match p.location {
                ParamLocation::Path => "path parameter",
                ParamLocation::Query => "query parameter",
                ParamLocation::Header => "header",
                ParamLocation::Cookie => "cookie",
            };
            text.push_str(&format!("\n\nSent as the `{}` {loc}.", p.wire));
            let d = docs(Some(&text), "");
            quote! {
                #d
                pub fn #n(mut self, #n: #t) -> Self {
                    self.#n = Some(#v);
                    self
                }
            }
        });
    let body_setter = op.body.as_ref().map(|body| {
        let t = rust_type(&body.ty);
        let d = docs(body.docs.as_deref(), "Sets the request body.");
        quote! {
            #d
            pub fn body(mut self, body: #t) -> Self {
                self.body = Some(body);
                self
            }
        }
    });

    // Parameters: each is checked against its documented limits, then placed.
    let mut segments = Vec::new();
    let mut fmt = String::new();
    for part in &op.path_parts {
        match part {
            PathPart::Literal(l) => fmt.push_str(&l.replace('{', "{{").replace('}', "}}")),
            PathPart::Param(i) => {
                let p = &op.params[*i];
                let n = ident(&p.name);
                let wire = &p.wire;
                segments.push(match p.ty {
                    TypeRef::String => {
                        quote!(let #n = ::aqua_runtime::path::segment(#wire, &self.#n)?;)
                    }
                    _ => quote! {
                        let #n = ::aqua_runtime::path::segment(#wire, &self.#n.to_string())?.into_owned();
                    },
                });
                fmt.push('{');
                fmt.push_str(&p.name);
                fmt.push('}');
            }
        }
    }
    let path_expr = |fmt: &str| {
        if segments.is_empty() {
            quote!(String::from(#fmt))
        } else {
            quote!(format!(#fmt))
        }
    };
    let default_path = path_expr(&fmt);
    let path = if op.path_variants.is_empty() {
        quote!(let path = #default_path;)
    } else {
        let arms = op.path_variants.iter().map(|(server_path, parts)| {
            let mut vfmt = String::new();
            for part in parts {
                match part {
                    PathPart::Literal(l) => vfmt.push_str(&l.replace('{', "{{").replace('}', "}}")),
                    PathPart::Param(i) => {
                        vfmt.push('{');
                        vfmt.push_str(&op.params[*i].name);
                        vfmt.push('}');
                    }
                }
            }
            let e = path_expr(&vfmt);
            quote!(#server_path => #e,)
        });
        quote! {
            let path = match self.client.core.base_path() {
                #( #arms )*
                _ => #default_path,
            };
        }
    };
    let http_method = format_ident!("{}", op.method.as_str());
    let op_id = &op.id;

    let mut checks = Vec::new();
    let mut sets = Vec::new();
    for p in op.params.iter().filter(|p| !p.transport) {
        let n = ident(&p.name);
        let wire = &p.wire;
        let length = p.max_length.map(|max| {
            let msg = format!("`{wire}` is longer than {max} characters");
            let max = proc_macro2::Literal::usize_unsuffixed(max);
            quote! {
                if value.chars().count() > #max {
                    return Err(::aqua_runtime::Error::invalid_request(#msg));
                }
            }
        });
        let pattern = p
            .pattern
            .as_ref()
            .filter(|_| p.ty == TypeRef::String)
            .map(|pattern| {
                let msg = format!("`{wire}` does not match the pattern `{pattern}`");
                quote! {
                    if !::aqua_runtime::pattern::matches(value, #pattern) {
                        return Err(::aqua_runtime::Error::invalid_request(#msg));
                    }
                }
            });
        let check = match (length, pattern) {
            (None, None) => None,
            (a, b) => Some(quote!(#a #b)),
        };
        let text = match p.ty {
            TypeRef::String => quote!(value.clone()),
            _ => quote!(value.to_string()),
        };
        let add = match p.location {
            ParamLocation::Query if matches!(p.ty, TypeRef::Vec(_)) && p.explode => quote! {
                for item in value {
                    request = request.query(#wire, item.to_string());
                }
            },
            ParamLocation::Query if matches!(p.ty, TypeRef::Vec(_)) => quote! {
                let items: Vec<String> = value.iter().map(|item| item.to_string()).collect();
                request = request.query(#wire, items.join(","));
            },
            ParamLocation::Path => {
                if let Some(check) = check {
                    checks.push(quote! { { let value = &self.#n; #check } });
                }
                continue;
            }
            ParamLocation::Query => quote!(request = request.query(#wire, #text);),
            ParamLocation::Header => quote!(request = request.header(#wire, #text);),
            ParamLocation::Cookie => quote!(request = request.cookie(#wire, &#text);),
        };
        if p.idempotency_key {
            sets.push(quote! {
                if let Some(value) = &self.#n { #check }
                request = request.idempotency_key(self.#n.clone());
            });
            continue;
        }
        sets.push(if p.required {
            quote! { { let value = &self.#n; #check #add } }
        } else {
            quote! { if let Some(value) = &self.#n { #check #add } }
        });
    }
    let mut body_code = Vec::new();
    if let Some(body) = &op.body {
        let media = &body.media_type;
        let encode = match body.encoding {
            BodyEncoding::Json => quote!(request = request.json(body);),
            BodyEncoding::Form => quote!(request = request.form(body);),
            BodyEncoding::Binary => quote!(request = request.bytes(body.clone(), #media);),
        };
        let validate = is_request_struct(api, &body.ty)
            .then(|| quote!(body.validate().map_err(::aqua_runtime::Error::invalid_request)?;));
        if body.required {
            let msg = format!("the `{}` request needs a body", op.id);
            body_code.push(quote! {
                let Some(body) = &self.body else {
                    return Err(::aqua_runtime::Error::invalid_request(#msg));
                };
                #validate
                #encode
            });
        } else {
            body_code.push(quote! {
                if let Some(body) = &self.body {
                    #validate
                    #encode
                }
            });
        }
    }
    let err_ty = op_error_body(op);
    let error = op_error(api, op);
    let alternatives = emit_alternatives(op, &err_ty);
    let (output, finish) = match &op.success.enum_name {
        Some(enum_name) => {
            let e = ident(enum_name);
            let arms = op.success.alternatives.iter().map(|alt| {
                let v = ident(&alt.name);
                let code = proc_macro2::Literal::u16_unsuffixed(alt.status);
                match &alt.ty {
                    Some(t) => {
                        let t = rust_type(t);
                        quote!(#code => Ok(#e::#v(raw.json::<#t, #err_ty>()?)),)
                    }
                    None => quote!(#code => Ok(#e::#v),),
                }
            });
            (
                quote!(#e),
                quote! {
                    let raw = request.send_raw::<#err_ty>().await?;
                    match raw.status.as_u16() {
                        #( #arms )*
                        status => Ok(#e::Other { status, body: raw.body.to_vec() }),
                    }
                },
            )
        }
        None => match &op.success.ty {
            Some(t) => {
                let ty = rust_type(t);
                let check = match &op.success.error_unless_field {
                    Some(f) => {
                        let f = ident(f);
                        quote!(Some(|value: &#ty| value.#f.is_some()))
                    }
                    None => quote!(None),
                };
                (
                    ty.clone(),
                    quote!(request.send_json::<#ty, #err_ty>(#check).await),
                )
            }
            None if !op.success.binary.is_empty() => {
                let accept = op.success.binary.join(", ");
                (
                    quote!(::aqua_runtime::Download),
                    quote!(request.accept(#accept).send_download::<#err_ty>().await),
                )
            }
            None => (quote!(()), quote!(request.send_empty::<#err_ty>().await)),
        },
    };
    let start = if op.at_origin {
        quote!(request_at_origin)
    } else {
        quote!(request)
    };
    let no_auth = op.no_auth.then(|| quote!(.no_auth()));
    let send_doc = docs(op.success.docs.as_deref(), "Sends the request.");
    let mut_kw = if !body_code.is_empty() || !sets.is_empty() {
        quote!(mut)
    } else {
        quote!()
    };
    quote! {
        #[doc = #bdoc]
        #( #transport_doc )*
        #[derive(Debug)]
        #[must_use = "a request does nothing until it is awaited or sent"]
        pub struct #b<'a> {
            client: &'a Client,
            #( #fields, )*
            #body_field
        }

        impl<'a> #b<'a> {
            #( #setters )*
            #body_setter

            /// Sends the request and decodes the response.
            ///
            /// On success:
            #send_doc
            pub async fn send(self) -> Result<#output, #error> {
                #( #checks )*
                #( #segments )*
                #path
                let #mut_kw request = self.client.core.#start(::aqua_runtime::Method::#http_method, path, #op_id)#no_auth;
                #( #sets )*
                #( #body_code )*
                #finish
            }
        }

        #alternatives

        impl<'a> ::std::future::IntoFuture for #b<'a> {
            type Output = Result<#output, #error>;
            type IntoFuture = ::aqua_runtime::BoxFuture<'a, Self::Output>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    }
}

// ----- examples ------------------------------------------------------------------------------

fn emit_examples(api: &Api) -> TokenStream {
    let mut scope = Scope::default();
    let mut consts = Vec::new();
    let mut names_list = Vec::new();
    for ex in &api.examples {
        let cname = format_ident!("{}", scope.claim(names::const_name(&ex.name)));
        let json = serde_json::to_string_pretty(&ex.value).unwrap_or_default();
        let ty = rust_type_in(&ex.ty, &quote!(super::));
        let type_name = rust_type(&ex.ty).to_string().replace(' ', "");
        let name = &ex.name;
        let origin = &ex.origin;
        let media = &ex.media_type;
        let raw = match &ex.raw_http {
            Some(r) => quote!(Some(#r)),
            None => quote!(None),
        };
        let doc = format!(" The example `{name}` (`{origin}`), decoded as `{type_name}`.");
        consts.push(quote! {
            #[doc = #doc]
            pub const #cname: Example = Example {
                name: #name,
                origin: #origin,
                media_type: #media,
                type_name: #type_name,
                json: #json,
                raw_http: #raw,
                decode: ::aqua_runtime::examples::decode_as::<#ty>,
            };
        });
        names_list.push(cname);
    }
    quote! {
        /// Every example documented in the spec, with the generated type that decodes it.
        pub mod examples {
            pub use ::aqua_runtime::examples::Example;

            #( #consts )*

            /// All examples, in document order.
            pub const ALL: &[Example] = &[ #( #names_list ),* ];
        }
    }
}

// ----- server --------------------------------------------------------------------------------

/// A route: its path, the server path it belongs to, and its operations by method.
type Route<'a> = (String, String, Vec<(Method, &'a Operation)>);

/// The path part of a server URL (`https://host/apps/api` → `/apps/api`).
fn url_path(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.find('/') {
        Some(i) => rest[i..].trim_end_matches('/').to_owned(),
        None => String::new(),
    }
}

fn template_text(op: &Operation, parts: &[PathPart]) -> String {
    let mut out = String::new();
    for part in parts {
        match part {
            PathPart::Literal(l) => out.push_str(l),
            PathPart::Param(i) => {
                out.push('{');
                out.push_str(&op.params[*i].wire);
                out.push('}');
            }
        }
    }
    out
}

/// The names of `aqua_runtime::server` a server unit uses, imported once by the module.
pub type ServerNames = BTreeSet<&'static str>;

/// The opening of the server module (its docs, `cfg` and an empty body).
fn emit_server_open() -> TokenStream {
    quote! {
        /// The server side of the API: implement [`Api`](server::Api) and serve
        /// [`router`](server::router). Requires the crate feature `server`.
        ///
        /// The router decodes each request into the operation's input (path, query, header
        /// parameters and body) and encodes the handler's reply; it adds no behaviour of its own.
        #[cfg(feature = "server")]
        pub mod server {}
    }
}

/// The `use` declarations of the server module: `used` collects the names every other server
/// unit needs.
pub fn emit_server_uses(api: &Api, used: &ServerNames) -> TokenStream {
    let mut used = used.clone();
    used.extend([
        "Request",
        "Response",
        "Rejection",
        "Router",
        "HeaderMap",
        "MethodRouter",
        "status",
    ]);
    let any_params = api
        .operations
        .iter()
        .any(|op| op.params.iter().any(|p| p.location == ParamLocation::Path));
    if any_params {
        used.insert("Path");
        used.insert("PathParams");
    }
    let any_binary = api
        .operations
        .iter()
        .any(|op| !op.success.binary.is_empty());
    let any_json = api.operations.iter().any(|op| op.success.binary.is_empty());
    let mut reexports = Vec::new();
    if any_binary {
        reexports.push(quote!(BinaryReply));
    }
    if any_json {
        reexports.push(quote!(Reply));
    }
    let imports = used.iter().map(|n| {
        let n = ident(n);
        if n == "MethodRouter" {
            quote!(routing::MethodRouter)
        } else {
            quote!(#n)
        }
    });
    quote! {
        use ::std::sync::Arc;

        use ::aqua_runtime::server::{ #( #imports ),* };
        pub use ::aqua_runtime::server::{ #( #reexports ),* };
    }
}

/// The input struct of an operation and its decoder.
fn emit_server_input(op: &Operation, used: &mut ServerNames) -> TokenStream {
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
            used.insert("query_values");
            let explode = p.explode;
            let item = rust_type_in(inner, &sup);
            let values = quote!(query_values(&parts.uri, #wire, #explode));
            let list = match &**inner {
                TypeRef::String => values,
                TypeRef::Named(_) => {
                    quote!(#values.iter().map(|v| #item::from(v.as_str())).collect::<Vec<#item>>())
                }
                _ => {
                    used.insert("parse_param");
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
                used.insert("path_param");
                quote!(path_param(&params, #wire)?)
            }
            ParamLocation::Query => {
                used.insert("query_value");
                quote!(query_value(&parts.uri, #wire))
            }
            ParamLocation::Header => {
                used.insert("header_value");
                quote!(header_value(&parts.headers, #wire))
            }
            ParamLocation::Cookie => {
                used.insert("cookie_value");
                quote!(cookie_value(&parts.headers, #wire))
            }
        };
        let value = match (&p.ty, is_path) {
            (TypeRef::String, _) => raw,
            (TypeRef::Named(_), true) => quote!(#t::from(#raw.as_str())),
            (TypeRef::Named(_), false) => quote!(#raw.map(|v| #t::from(v.as_str()))),
            (_, true) => {
                used.insert("parse_param");
                quote!(parse_param(#wire, &#raw)?)
            }
            (_, false) => {
                used.insert("parse_param");
                quote!(#raw.map(|v| parse_param(#wire, &v)).transpose()?)
            }
        };
        if p.required && !is_path {
            used.insert("bad_request");
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
        used.insert(helper);
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

/// The reply type of an operation's handler method.
fn server_reply(op: &Operation) -> TokenStream {
    let sup = quote!(super::);
    match (&op.success.ty, op.success.binary.is_empty()) {
        _ if op.success.enum_name.is_some() => {
            let e = ident(op.success.enum_name.as_deref().unwrap_or_default());
            quote!(Reply<super::#e>)
        }
        (Some(t), _) => {
            let t = rust_type_in(t, &sup);
            quote!(Reply<#t>)
        }
        (None, false) => quote!(BinaryReply),
        (None, true) => quote!(Reply<()>),
    }
}

/// The `Api` trait: one method per operation.
fn emit_server_trait(api: &Api) -> TokenStream {
    let methods = api.operations.iter().map(|op| {
        let input = format_ident!("{}Input", op.builder_name);
        let m = ident(&op.method_name);
        let reply = server_reply(op);
        let summary = op_docs(op);
        quote! {
            #summary
            fn #m(&self, input: #input) -> impl ::std::future::Future<Output = #reply> + Send;
        }
    });
    quote! {
        /// One method per operation of the spec.
        pub trait Api: Send + Sync + 'static {
            #( #methods )*
        }
    }
}

/// The handler of an operation: decode the input, call the `Api` method, encode the reply.
fn emit_server_handler(op: &Operation, used: &mut ServerNames) -> TokenStream {
    let input = format_ident!("{}Input", op.builder_name);
    let m = ident(&op.method_name);
    let handle = format_ident!("handle_{}", op.method_name);
    let uses_params = op.params.iter().any(|p| p.location == ParamLocation::Path);
    let params_arg = if uses_params {
        quote!(params: PathParams,)
    } else {
        quote!()
    };
    let call_decode = if uses_params {
        quote!(#input::decode(base_path, params, request).await)
    } else {
        quote!(#input::decode(base_path, request).await)
    };
    let status = proc_macro2::Literal::u16_unsuffixed(op.success.status);
    let respond = match &op.success.enum_name {
        Some(enum_name) => {
            let e = ident(enum_name);
            used.insert("json_response");
            used.insert("empty_response");
            used.insert("bytes_response");
            let arms = op.success.alternatives.iter().map(|alt| {
                let v = ident(&alt.name);
                let code = proc_macro2::Literal::u16_unsuffixed(alt.status);
                if alt.ty.is_some() {
                    quote!(super::#e::#v(body) => json_response(status(#code), &body),)
                } else {
                    quote!(super::#e::#v => empty_response(status(#code)),)
                }
            });
            quote! {
                api.#m(input).await.into_response_by(|value| match value {
                    #( #arms )*
                    super::#e::Other { status: code, body } => bytes_response(status(code), body),
                })
            }
        }
        None => quote!(api.#m(input).await.into_response_with(status(#status))),
    };
    quote! {
        async fn #handle<A: Api>(api: Arc<A>, base_path: &'static str, #params_arg request: Request) -> Response {
            match #call_decode {
                Ok(input) => #respond,
                Err(rejection) => *rejection,
            }
        }
    }
}

/// The router: every operation under every server path (or at the root for operations whose
/// servers are the hosts' roots), with the path variant of that server path if any.
fn emit_server_router(api: &Api) -> TokenStream {
    let mut bases: Vec<String> = Vec::new();
    for s in &api.servers {
        let p = url_path(&s.url);
        if !bases.contains(&p) {
            bases.push(p);
        }
    }
    if bases.is_empty() {
        bases.push(String::new());
    }
    let mut routes: Vec<Route<'_>> = Vec::new();
    for op in &api.operations {
        let targets: Vec<String> = if op.at_origin {
            vec![String::new()]
        } else {
            bases.clone()
        };
        for base in targets {
            let parts = op
                .path_variants
                .iter()
                .find(|(b, _)| *b == base)
                .map_or(&op.path_parts, |(_, p)| p);
            let route = format!("{base}{}", template_text(op, parts));
            match routes.iter_mut().find(|(r, _, _)| *r == route) {
                Some((_, _, ops)) => ops.push((op.method, op)),
                None => routes.push((route, base, vec![(op.method, op)])),
            }
        }
    }
    let route_calls = routes.iter().map(|(route, base, ops)| {
        let mut chain = quote!(MethodRouter::new());
        for (method, op) in ops {
            let handle = format_ident!("handle_{}", op.method_name);
            let verb = format_ident!("{}", method.as_str().to_ascii_lowercase());
            let has_params = op.params.iter().any(|p| p.location == ParamLocation::Path);
            let handler = if has_params {
                quote! {{
                    let api = api.clone();
                    move |Path(params): Path<PathParams>, request: Request| #handle(api, #base, params, request)
                }}
            } else {
                quote! {{
                    let api = api.clone();
                    move |request: Request| #handle(api, #base, request)
                }}
            };
            chain = quote!(#chain.#verb(#handler));
        }
        quote!(router = router.route(#route, #chain);)
    });
    let route_list: Vec<String> = routes
        .iter()
        .map(|(r, _, ops)| {
            let methods: Vec<&str> = ops.iter().map(|(m, _)| m.as_str()).collect();
            format!(" * `{} {r}`", methods.join(", "))
        })
        .collect();
    quote! {
        /// A router serving every operation of the spec:
        ///
        #( #[doc = #route_list] )*
        pub fn router<A: Api>(api: Arc<A>) -> Router {
            let mut router = Router::new();
            #( #route_calls )*
            router
        }
    }
}
