//! The `router`: every operation under every server path (or at the root for operations whose
//! servers are the hosts' roots), with the path variant of that server path if any.
//!
//! axum's router takes one parameter per path segment, at its end, and no two routes that
//! differ only in the names of their parameters. Routes that need more (a segment such as
//! `{id}.json` or `{a}-{b}`, two templates with the same shape, a template with a query) are
//! mounted with one parameter per segment, named by position (`{p2}`), and the route's handler
//! picks the operation whose template matches: the most literal text first, then the one
//! whose required query parameters are all present.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{Api, Method, Operation, ParamLocation, PathPart};

/// A piece of a path segment.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Literal(String),
    /// A parameter, by wire name.
    Param(String),
}

/// An operation mounted at a server path: its segments (the path after the server path,
/// without the template's query).
struct Mounted<'a> {
    op: &'a Operation,
    base: String,
    segments: Vec<Vec<Piece>>,
}

impl Mounted<'_> {
    /// The shape shared by the templates one route serves: literal segments, `{}` for a
    /// segment with parameters.
    fn key(&self) -> String {
        let segs: Vec<String> = self
            .segments
            .iter()
            .map(|seg| match seg.as_slice() {
                [Piece::Literal(l)] => escape(l),
                [] => String::new(),
                _ => "{}".to_owned(),
            })
            .collect();
        format!("{}{}", self.base, segs.join("/"))
    }

    /// The route with the template's own parameter names, when axum can take it (every
    /// parameter alone in its segment, possibly after literal text).
    fn own_route(&self) -> Option<String> {
        let mut segs = Vec::new();
        for seg in &self.segments {
            segs.push(match seg.as_slice() {
                [Piece::Literal(l)] => escape(l),
                [] => String::new(),
                [Piece::Param(p)] => format!("{{{p}}}"),
                [Piece::Literal(l), Piece::Param(p)] => format!("{}{{{p}}}", escape(l)),
                _ => return None,
            });
        }
        Some(format!("{}{}", self.base, segs.join("/")))
    }

    /// The route with one parameter per segment named by its position.
    fn positional_route(&self) -> String {
        let segs: Vec<String> = self
            .segments
            .iter()
            .enumerate()
            .map(|(i, seg)| match seg.as_slice() {
                [Piece::Literal(l)] => escape(l),
                [] => String::new(),
                _ => format!("{{p{i}}}"),
            })
            .collect();
        format!("{}{}", self.base, segs.join("/"))
    }

    /// How many literal characters the segments with parameters hold (a more specific
    /// template is tried first).
    fn specificity(&self) -> usize {
        self.segments
            .iter()
            .filter(|seg| seg.iter().any(|p| matches!(p, Piece::Param(_))))
            .flat_map(|seg| seg.iter())
            .map(|p| match p {
                Piece::Literal(l) => l.len(),
                Piece::Param(_) => 0,
            })
            .sum()
    }

    /// The required query parameters (without which another template of the route fits
    /// better).
    fn required_query(&self) -> Vec<&str> {
        self.op
            .params
            .iter()
            .filter(|p| p.location == ParamLocation::Query && p.required)
            .map(|p| p.wire.as_str())
            .collect()
    }

    fn has_params(&self) -> bool {
        self.op
            .params
            .iter()
            .any(|p| p.location == ParamLocation::Path)
    }
}

/// `{` and `}` in literal text, as axum reads them.
fn escape(literal: &str) -> String {
    literal.replace('{', "{{").replace('}', "}}")
}

/// The path part of a server URL (`https://host/apps/api` → `/apps/api`).
fn url_path(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.find('/') {
        Some(i) => rest[i..].trim_end_matches('/').to_owned(),
        None => String::new(),
    }
}

/// The segments of a template after its leading `/`, cut at its query.
fn segments(op: &Operation, parts: &[PathPart]) -> Vec<Vec<Piece>> {
    let mut segs: Vec<Vec<Piece>> = vec![Vec::new()];
    'parts: for part in parts {
        match part {
            PathPart::Literal(l) => {
                for (i, chunk) in l.split('/').enumerate() {
                    if i > 0 {
                        segs.push(Vec::new());
                    }
                    let (chunk, query) = match chunk.split_once('?') {
                        Some((c, _)) => (c, true),
                        None => (chunk, false),
                    };
                    if !chunk.is_empty() {
                        let seg = segs.last_mut().expect("never empty");
                        match seg.last_mut() {
                            Some(Piece::Literal(prev)) => prev.push_str(chunk),
                            _ => seg.push(Piece::Literal(chunk.to_owned())),
                        }
                    }
                    if query {
                        break 'parts;
                    }
                }
            }
            PathPart::Param(i) => segs
                .last_mut()
                .expect("never empty")
                .push(Piece::Param(op.params[*i].wire.clone())),
        }
    }
    segs
}

/// A route: its text, and its operations by method (candidates in order of preference).
struct Route<'a> {
    text: String,
    base: String,
    positional: bool,
    methods: Vec<(Method, Vec<&'a Mounted<'a>>)>,
}

/// The router: every operation under every server path (or at the root for operations whose
/// servers are the hosts' roots), with the path variant of that server path if any.
pub(in crate::emit) fn emit_server_router(api: &Api) -> TokenStream {
    let mut bases: Vec<String> = Vec::new();
    for s in &api.servers {
        let p = url_path(&s.url);
        // A path whose variables' defaults leave braces (`/{accountName}`) is no route.
        if !bases.contains(&p) && !p.contains(['{', '}']) {
            bases.push(p);
        }
    }
    if bases.is_empty() {
        bases.push(String::new());
    }
    let mut mounted: Vec<Mounted<'_>> = Vec::new();
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
            let segments = segments(op, parts);
            mounted.push(Mounted { op, base, segments });
        }
    }
    // Group by shape; a shape is mounted with its own names when every template of it has
    // the same route and each method has one operation.
    let mut groups: Vec<(String, Vec<&Mounted<'_>>)> = Vec::new();
    for m in &mounted {
        let key = m.key();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, ms)) => ms.push(m),
            None => groups.push((key, vec![m])),
        }
    }
    let mut routes: Vec<Route<'_>> = Vec::new();
    for (_, ms) in &groups {
        let own = ms[0].own_route();
        let one_per_method = ms
            .iter()
            .enumerate()
            .all(|(i, m)| ms[..i].iter().all(|o| o.op.method != m.op.method));
        let positional =
            own.is_none() || !one_per_method || ms.iter().any(|m| m.own_route() != own);
        let text = match (&own, positional) {
            (Some(own), false) => own.clone(),
            _ => ms[0].positional_route(),
        };
        let mut methods: Vec<(Method, Vec<&Mounted<'_>>)> = Vec::new();
        for m in ms {
            match methods
                .iter_mut()
                .find(|(method, _)| *method == m.op.method)
            {
                Some((_, c)) => c.push(m),
                None => methods.push((m.op.method, vec![m])),
            }
        }
        for (_, candidates) in &mut methods {
            candidates.sort_by_key(|m| {
                (
                    std::cmp::Reverse(m.specificity()),
                    std::cmp::Reverse(m.required_query().len()),
                )
            });
        }
        routes.push(Route {
            text,
            base: ms[0].base.clone(),
            positional,
            methods,
        });
    }
    let route_calls = routes.iter().map(|route| {
        let mut chain = quote!(MethodRouter::new());
        for (method, candidates) in &route.methods {
            let verb = format_ident!("{}", method.as_str().to_ascii_lowercase());
            let handler = if route.positional {
                dispatch(&route.base, candidates)
            } else {
                direct(&route.base, candidates[0])
            };
            chain = quote!(#chain.#verb(#handler));
        }
        let text = &route.text;
        quote!(router = router.route(#text, #chain);)
    });
    let route_list: Vec<String> = routes
        .iter()
        .map(|route| {
            let methods: Vec<&str> = route.methods.iter().map(|(m, _)| m.as_str()).collect();
            format!(" * `{} {}`", methods.join(", "), route.text)
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

/// The handler of a route mounted with the template's own names: the operation's.
fn direct(base: &str, m: &Mounted<'_>) -> TokenStream {
    let handle = format_ident!("handle_{}", m.op.method_name);
    if m.has_params() {
        quote! {{
            let api = api.clone();
            move |Path(params): Path<PathParams>, request: Request| #handle(api, #base, params, request)
        }}
    } else {
        quote! {{
            let api = api.clone();
            move |request: Request| #handle(api, #base, request)
        }}
    }
}

/// The handler of a route mounted by position: the first candidate whose template matches
/// the path (and whose required query parameters are present, when a later candidate has the
/// same template), else 404.
fn dispatch(base: &str, candidates: &[&Mounted<'_>]) -> TokenStream {
    let with_params = candidates[0]
        .segments
        .iter()
        .any(|seg| seg.iter().any(|p| matches!(p, Piece::Param(_))));
    let tries = candidates.iter().enumerate().map(|(i, m)| {
        let handle = format_ident!("handle_{}", m.op.method_name);
        let later_same = candidates[i + 1..].iter().any(|o| o.segments == m.segments);
        let query = m.required_query();
        let query_check = (later_same && !query.is_empty())
            .then(|| quote!(if query_has(request.uri(), &[ #( #query ),* ])));
        if !with_params {
            return match query_check {
                Some(check) => quote!(#check { return #handle(api, #base, request).await; }),
                None => quote!(return #handle(api, #base, request).await;),
            };
        }
        let pattern = m
            .segments
            .iter()
            .enumerate()
            .filter(|(_, seg)| seg.iter().any(|p| matches!(p, Piece::Param(_))))
            .map(|(i, seg)| {
                let key = format!("p{i}");
                let mut literals = vec![String::new()];
                let mut names = Vec::new();
                for piece in seg {
                    match piece {
                        Piece::Literal(l) => literals.last_mut().expect("never empty").push_str(l),
                        Piece::Param(p) => {
                            names.push(p.clone());
                            literals.push(String::new());
                        }
                    }
                }
                quote!((#key, &[ #( #literals ),* ], &[ #( #names ),* ]))
            });
        let call = if m.has_params() {
            quote!(return #handle(api, #base, values, request).await;)
        } else {
            quote!(return #handle(api, #base, request).await;)
        };
        let body = match query_check {
            Some(check) => quote!(#check { #call }),
            None => call,
        };
        quote! {
            if let Some(values) = path_values(&params, &[ #( #pattern ),* ]) {
                #body
            }
        }
    });
    let args = if with_params {
        quote!(Path(params): Path<PathParams>, request: Request)
    } else {
        quote!(request: Request)
    };
    quote! {{
        let api = api.clone();
        move |#args| async move {
            #( #tries )*
            not_found()
        }
    }}
}
