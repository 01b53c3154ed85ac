//! Stage 3, emit: [`model::Api`](crate::model::Api) → Rust tokens.
//!
//! The emitters read only the model. Generated code names the runtime and serde by absolute
//! paths (`::aqua_runtime::…`, `::serde::…`), so it compiles in any crate that depends on them.
//!
//! The file is cut into [`Unit`]s, each emitted on its own. One file per output flavour, one
//! function per kind of item:
//!
//! | File | Output |
//! |---|---|
//! | `environment.rs`, `credentials.rs`, `error.rs` | `Environment`, `Credentials`, `Error` |
//! | `client.rs` | `Client`: constructors, one method per operation, `x-aqua-poll` waits |
//! | `builder/` | the request builders: `path.rs`, `params.rs`, `body.rs`, `response.rs` |
//! | `types/` | the named types: `structs.rs`, `enums.rs`, `unions.rs`, timestamps and aliases |
//! | `examples.rs` | `pub mod examples` |
//! | `server/` | `pub mod server`: `input.rs`, `handler.rs` (the `Api` trait), `router.rs` |
//! | `tokens.rs` | identifiers, docs, the Rust type of a `TypeRef` |

mod builder;
mod client;
mod credentials;
mod doc_text;
mod environment;
mod error;
mod examples;
mod features;
mod server;
mod tokens;
mod types;

use proc_macro2::TokenStream;
use quote::quote;

pub use features::gate_types;
pub use server::{ServerNames, emit_server_uses, mentioned};

use crate::model::{Api, Operation, TypeDef};

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
            Container::ServerModule => server::emit_server_open(),
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
    /// The `use` declarations of the server module; they depend on the runtime names the other
    /// server units mention, so this unit is emitted last (see [`emit_server_uses`]).
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
/// [`emit_server_uses`]).
pub fn emit_unit(api: &Api, unit: Unit<'_>) -> TokenStream {
    features::gate_unit(api, unit, emit_raw(api, unit))
}

/// The items of one unit, without the `#[cfg]` of its API area.
fn emit_raw(api: &Api, unit: Unit<'_>) -> TokenStream {
    match unit {
        Unit::Environment => environment::emit_environment(api),
        Unit::Credentials => credentials::emit_credentials(api),
        Unit::ErrorType => error::emit_error(api),
        Unit::ClientStruct => client::emit_client_struct(api),
        Unit::Open(_) | Unit::Close(_) | Unit::ServerUses => TokenStream::new(),
        Unit::ClientConstructors => client::emit_client_constructors(api),
        Unit::ClientMethod(op) => client::emit_client_method(api, op),
        Unit::Builder(op) => builder::emit_builder(api, op),
        Unit::Type(def) => types::emit_type(api, def),
        Unit::Examples => examples::emit_examples(api),
        Unit::ServerInput(op) => server::emit_server_input(api, op),
        Unit::ServerTrait => server::emit_server_trait(api),
        Unit::ServerHandler(op) => server::emit_server_handler(op),
        Unit::ServerRouter => server::emit_server_router(api),
    }
}

/// Emits the whole generated file as one token stream: the [`units`], assembled.
pub fn emit(api: &Api) -> TokenStream {
    let units = units(api);
    let mut mentioned = ServerNames::new();
    let emitted: Vec<TokenStream> = units
        .iter()
        .map(|&unit| {
            let tokens = emit_unit(api, unit);
            if unit.container() == Some(Container::ServerModule) {
                server::mentioned(&tokens, &mut mentioned);
            }
            tokens
        })
        .collect();
    let mut out = TokenStream::new();
    let mut inner = TokenStream::new();
    for (unit, tokens) in units.iter().zip(emitted) {
        match unit {
            Unit::Open(_) => inner = TokenStream::new(),
            Unit::Close(container) => out.extend(container.filled(std::mem::take(&mut inner))),
            Unit::ServerUses => inner.extend(emit_server_uses(&mentioned)),
            _ if unit.container().is_some() => inner.extend(tokens),
            _ => out.extend(tokens),
        }
    }
    out
}
