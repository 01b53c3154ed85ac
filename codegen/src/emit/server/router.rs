//! The `router`: every operation under every server path (or at the root for operations whose
//! servers are the hosts' roots), with the path variant of that server path if any.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{Api, Method, Operation, ParamLocation, PathPart};

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

/// The router: every operation under every server path (or at the root for operations whose
/// servers are the hosts' roots), with the path variant of that server path if any.
pub(in crate::emit) fn emit_server_router(api: &Api) -> TokenStream {
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
                .find(|v| v.server_path == base)
                .map_or(&op.path_parts, |v| &v.parts);
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
