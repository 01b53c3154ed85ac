//! `Client`: the struct, its constructors, and one method per operation (plus the waiting
//! method of an `x-aqua-poll`).

use proc_macro2::TokenStream;
use quote::quote;

use super::builder::{body_arg, body_init, param_arg_type, param_convert};
use super::error::op_error_body;
use super::tokens::{docs, ident, rust_type};
use crate::model::{Api, Operation, Param, Poll};

/// The `User-Agent` constant and the `Client` struct.
pub(super) fn emit_client_struct(api: &Api) -> TokenStream {
    let title_doc = format!(
        " A client for {} (API version {}).",
        super::doc_text::line(&api.title),
        super::doc_text::line(&api.version)
    );
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

/// The constructors and accessors of `impl Client` (with `with_host` when the spec has a
/// relative server).
pub(super) fn emit_client_constructors(api: &Api) -> TokenStream {
    let with_host = super::environment::relative_server(api).map(|s| {
        let template = &s.url;
        let doc = format!(
            " A client for the spec's server `{template}`, which is relative to where the spec is served:\n the base URL is `{template}` resolved against `url` (the URL the spec is served from, or the\n host's, such as `https://api.example.com`), as a browser resolves a link. The rules of\n [`with_base_url`](Self::with_base_url) apply to the result."
        );
        let doc_lines = doc.lines().map(|l| quote!(#[doc = #l]));
        quote! {
            #( #doc_lines )*
            pub fn with_host(url: &str, credentials: Credentials) -> Result<Self, ::aqua_runtime::ConfigError> {
                let base_url = ::aqua_runtime::resolve_base_url(url, #template)?;
                Self::with_config(&base_url, credentials, ::aqua_runtime::ClientConfig::default())
            }
        }
    });
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

        #with_host

        /// A client with explicit timeouts and other settings.
        pub fn with_config(base_url: &str, credentials: Credentials, config: ::aqua_runtime::ClientConfig) -> Result<Self, ::aqua_runtime::ConfigError> {
            let core = ::aqua_runtime::ClientCore::new(base_url, credentials, USER_AGENT, config)?;
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
pub(super) fn emit_client_method(api: &Api, op: &Operation) -> TokenStream {
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
    let body_arg = body_arg(op);
    let body_init = body_init(api, op);
    let summary = op_docs(op);
    let auth = match &op.security {
        _ if op.no_auth => Some("Sends no credentials: the operation takes none.".to_owned()),
        Some(requirement) => Some(format!(
            "Sends the credentials of its own requirement: {}.",
            super::credentials::requirement_text(api, requirement)
        )),
        None => None,
    }
    .map(|text| {
        let text = format!(" {text}");
        quote!(#[doc = ""] #[doc = #text])
    });
    let host = op.host.as_ref().map(|host| {
        let text = format!(
            " Sent to `{host}`, the operation's own server, when the client's base URL is one of the spec's\n servers; otherwise (a proxy, a local test server) to the origin of the client's base URL."
        );
        let lines = text.lines().map(|l| quote!(#[doc = #l]));
        quote!(#[doc = ""] #( #lines )*)
    });
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
        #auth
        #host
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

/// The waiting method of `x-aqua-poll`.
fn emit_poll(op: &Operation, poll: &Poll) -> TokenStream {
    let m = ident(&poll.method_name);
    let op_method = ident(&op.method_name);
    let Some(ty) = op.success.json().map(rust_type) else {
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
    text_doc.push_str("\n\nSet the deadline, the intervals and a callback for status changes on the returned [`aqua_runtime::wait::Wait`], then await it.");
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

/// The docs of an operation: its summary and description, and its method and path.
pub(super) fn op_docs(op: &Operation) -> TokenStream {
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
