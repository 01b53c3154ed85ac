//! The document's `servers`, and the servers of path items and operations.
//!
//! - A server whose URL is absolute (with its variables' defaults) is an `Environment`
//!   variant (`x-aqua-name`, else named from the URL). A scheme-relative `//host` is taken as
//!   `https://host`.
//! - A server with variables also gets a struct that sets them (`…Url`): an enumerated
//!   variable is a string enum of its values (with the fallback that keeps any other), a free
//!   one a `String`; each starts at its default.
//! - A relative URL (`/v1`) is resolved against a URL the user gives (`Client::with_host`).
//! - An operation whose servers (its own, else its path item's) are not the document's is
//!   sent elsewhere: to the origin of the client's base URL at its server's path when that
//!   server is relative or on one of the document's hosts, else to its own host.

use heck::ToKebabCase;
use openapiv3::ServerVariable as SpecVariable;

use super::Lowerer;
use super::extensions::{Extension, Invalid, ServerName};
use super::operation::OperationContext;
use crate::diag::Pointer;
use crate::model::{Server, ServerKind, ServerVariable, TypeDef, TypeKind, Variant};
use crate::names::{self, Scope};

/// A piece of a server URL template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece<'t> {
    Literal(&'t str),
    Variable(&'t str),
}

/// Splits a server URL template into literal text and `{variables}`; `None` when a brace is
/// not closed (or closed without being opened).
pub(crate) fn pieces(template: &str) -> Option<Vec<Piece<'_>>> {
    let mut out = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        match rest.find(['{', '}']) {
            None => {
                out.push(Piece::Literal(rest));
                break;
            }
            Some(i) if rest.as_bytes()[i] == b'}' => return None,
            Some(open) => {
                if open > 0 {
                    out.push(Piece::Literal(&rest[..open]));
                }
                let close = open + rest[open..].find('}')?;
                let name = &rest[open + 1..close];
                if name.is_empty() || name.contains('{') {
                    return None;
                }
                out.push(Piece::Variable(name));
                rest = &rest[close + 1..];
            }
        }
    }
    Some(out)
}

/// A server URL as the spec writes it, read.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Url {
    /// `scheme://…` (or a template starting with a variable, such as `{protocol}://…`),
    /// without a trailing slash.
    Absolute(String),
    /// `/v1`, `/` (an empty URL is `/`), or a path relative to the document's location
    /// (`api/v1`).
    Relative(String),
    /// A host without a scheme (`api.example.com/v1`): taken as `https://…`.
    NoScheme(String),
    /// Not a URL (spaces, control characters), or an absolute URL of another scheme than
    /// `http` and `https`.
    Invalid,
}

/// Reads a server URL (`//host` is `https://host`).
fn read_url(raw: &str) -> Url {
    let url = raw.trim();
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Url::Invalid;
    }
    if url.is_empty() || url == "/" {
        return Url::Relative("/".to_owned());
    }
    let trimmed = url.trim_end_matches('/');
    if let Some(rest) = trimmed.strip_prefix("//") {
        return Url::Absolute(format!("https://{rest}"));
    }
    if let Some((scheme, _)) = trimmed.split_once("://") {
        let literal_scheme = !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if literal_scheme {
            return if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
                Url::Absolute(trimmed.to_owned())
            } else {
                Url::Invalid
            };
        }
    }
    if trimmed.starts_with('{') {
        return Url::Absolute(trimmed.to_owned());
    }
    if trimmed.starts_with('/') {
        return Url::Relative(trimmed.to_owned());
    }
    let first = trimmed.split('/').next().unwrap_or(trimmed);
    let (host, port) = first.split_once(':').unwrap_or((first, "0"));
    let host_like = host.contains('.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        && port.chars().all(|c| c.is_ascii_digit());
    if host_like {
        Url::NoScheme(format!("https://{trimmed}"))
    } else {
        Url::Relative(trimmed.to_owned())
    }
}

/// `scheme://host[:port]` and the path (without a trailing slash) of an absolute URL.
fn split_origin(url: &str) -> (&str, &str) {
    let after = url.find("://").map_or(0, |i| i + 3);
    match url[after..].find('/') {
        Some(i) => (&url[..after + i], url[after + i..].trim_end_matches('/')),
        None => (url, ""),
    }
}

/// The host (and port) of an absolute URL, lowercased; `None` if it has a variable.
fn host_of(url: &str) -> Option<String> {
    let (origin, _) = split_origin(url);
    let host = origin.split_once("://").map_or(origin, |(_, h)| h);
    (!host.contains('{')).then(|| host.to_ascii_lowercase())
}

/// The URL with each variable replaced by its value.
fn substitute(pieces: &[Piece<'_>], value: impl Fn(&str) -> String) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Literal(l) => (*l).to_owned(),
            Piece::Variable(v) => value(v),
        })
        .collect()
}

/// Where an operation is sent (see [`Lowerer::operation_server`]).
#[derive(Debug, Default)]
pub(super) struct OperationServer {
    /// The path is relative to the origin of the client's base URL (or of `host`).
    pub at_origin: bool,
    /// The server's path, to put before the operation's path (`/v2`; empty for a root).
    pub prefix: String,
    /// The origin of the operation's own server, on another host than the document's.
    pub host: Option<String>,
}

/// An enumerated variable's string enum, shared by the variables of the same name and
/// values.
struct VariableEnum {
    wire: String,
    values: Vec<String>,
    name: String,
}

impl<'a> Lowerer<'a> {
    /// The document's servers, in spec order (those that cannot be used are left out, each
    /// with a warning).
    pub(super) fn servers(&mut self) -> Vec<Server> {
        let mut enums: Vec<VariableEnum> = Vec::new();
        let mut out: Vec<Server> = Vec::new();
        let doc = self.doc;
        for (i, s) in doc.servers.iter().enumerate() {
            let at = Pointer::root().push("servers").push(i);
            let at_url = at.push("url");
            let read = read_url(&s.url);
            let relative = matches!(read, Url::Relative(_));
            let template = match read {
                Url::Absolute(t) | Url::Relative(t) => t,
                Url::NoScheme(t) => {
                    self.diags.warning(
                        &at_url,
                        format!(
                            "the server URL `{}` has no scheme: generated as `{t}`",
                            s.url
                        ),
                    );
                    t
                }
                Url::Invalid => {
                    self.diags.warning(
                        &at_url,
                        format!(
                            "the server URL `{}` is not an http or https URL: it is left out (give the base URL to `Client::with_base_url`)",
                            s.url
                        ),
                    );
                    continue;
                }
            };
            let Some(pieces) = pieces(&template) else {
                self.diags.warning(
                    &at_url,
                    format!(
                        "the server URL `{}` has an unmatched `{{` or `}}`: it is left out",
                        s.url
                    ),
                );
                continue;
            };
            if relative {
                if let Some(first) = out.iter().find(|o| o.kind == ServerKind::Relative) {
                    self.diags.warning(
                        &at_url,
                        format!(
                            "only the document's first relative server (`{}`) is generated, as `Client::with_host`: `{}` is left out",
                            first.template, s.url
                        ),
                    );
                    continue;
                }
                let declared = s.variables.clone().unwrap_or_default();
                let url = substitute(&pieces, |v| {
                    declared
                        .get(v)
                        .map(|d| d.default.clone())
                        .unwrap_or_default()
                });
                if pieces.iter().any(|p| matches!(p, Piece::Variable(_))) {
                    self.diags.warning(
                        &at_url,
                        format!("the variables of a relative server URL take their defaults: generated as `{url}`"),
                    );
                }
                out.push(Server {
                    name: String::new(),
                    slug: String::new(),
                    url,
                    template,
                    kind: ServerKind::Relative,
                    variables: Vec::new(),
                    url_type: None,
                    description: s.description.clone(),
                });
                continue;
            }
            let Some(variables) = self.variables(s, &pieces, &at, &mut enums) else {
                continue;
            };
            let url = substitute(&pieces, |v| {
                variables
                    .iter()
                    .find(|var| var.wire == v)
                    .map(|var| var.default.clone())
                    .unwrap_or_default()
            });
            let url = url.trim_end_matches('/').to_owned();
            let kind = match read_url(&url) {
                Url::Absolute(_) if url.contains("://") && !url.contains('{') => {
                    ServerKind::Environment
                }
                _ => {
                    self.diags.warning(
                        &at_url,
                        format!(
                            "with its variables' defaults, the server URL `{}` is `{url}`, which is not a valid http or https URL: it is no `Environment` variant, only a type that sets its variables",
                            s.url
                        ),
                    );
                    ServerKind::Template
                }
            };
            let raw_name = match self.extension::<ServerName>(&s.extensions, &at) {
                Some(Ok(ServerName(n))) => n,
                Some(Err(Invalid)) => {
                    self.diags
                        .error(at.push(ServerName::NAME), "`x-aqua-name` must be a string");
                    continue;
                }
                None => derived_name(&template, &pieces, has_https_twin(doc, &template)),
            };
            // Named below, once every server is known.
            out.push(Server {
                slug: String::new(),
                name: names::type_name(&raw_name),
                url,
                template,
                kind,
                variables,
                url_type: None,
                description: s.description.clone(),
            });
        }
        // Servers without variables claim their names first: `https://api.example.com` is
        // `ApiExampleCom` even after `https://{region}.api.example.com`.
        let mut scope = Scope::default();
        let order = (0..out.len())
            .filter(|&i| out[i].variables.is_empty())
            .chain((0..out.len()).filter(|&i| !out[i].variables.is_empty()));
        let order: Vec<usize> = order.collect();
        for i in order {
            let server = &mut out[i];
            if server.kind == ServerKind::Relative {
                continue;
            }
            server.name = scope.claim(std::mem::take(&mut server.name));
            server.slug = server.name.to_kebab_case();
            if !server.variables.is_empty() {
                server.url_type = Some(self.type_scope.claim(format!("{}Url", server.name)));
            }
        }
        out
    }

    /// The variables of the server `s`, which the template's `pieces` use; `None` (with a
    /// warning) when the template uses a variable that is not declared.
    fn variables(
        &mut self,
        s: &openapiv3::Server,
        pieces: &[Piece<'_>],
        at: &Pointer,
        enums: &mut Vec<VariableEnum>,
    ) -> Option<Vec<ServerVariable>> {
        let declared = s.variables.clone().unwrap_or_default();
        let mut used: Vec<&str> = Vec::new();
        for p in pieces {
            if let Piece::Variable(v) = p {
                if !declared.contains_key(*v) {
                    self.diags.warning(
                        at.push("url"),
                        format!("the server URL `{}` uses `{{{v}}}`, which its `variables` do not declare: it is left out", s.url),
                    );
                    return None;
                }
                if !used.contains(v) {
                    used.push(v);
                }
            }
        }
        let mut fields = Scope::default();
        let mut out = Vec::new();
        for (wire, var) in &declared {
            let at_var = at.push("variables").push(wire);
            if !used.contains(&wire.as_str()) {
                self.diags.warning(
                    &at_var,
                    format!("the server URL `{}` does not use the variable `{wire}`: it is not generated", s.url),
                );
                continue;
            }
            let name = fields.claim(names::field_name(wire));
            let (default, values) = self.variable_values(wire, var, &at_var, enums);
            out.push(ServerVariable {
                wire: wire.clone(),
                name,
                default,
                values,
                description: var.description.clone(),
            });
        }
        // In the order the URL uses them.
        out.sort_by_key(|v| used.iter().position(|u| *u == v.wire));
        Some(out)
    }

    /// A variable's default and, when it is enumerated, its string enum (made once for the
    /// variables of the same name and values) and the variant of the default.
    fn variable_values(
        &mut self,
        wire: &str,
        var: &SpecVariable,
        at: &Pointer,
        enums: &mut Vec<VariableEnum>,
    ) -> (String, Option<(String, String)>) {
        let mut values: Vec<String> = Vec::new();
        for v in &var.enumeration {
            if !values.contains(v) {
                values.push(v.clone());
            }
        }
        if values.is_empty() {
            return (var.default.clone(), None);
        }
        let default = if values.contains(&var.default) {
            var.default.clone()
        } else {
            self.diags.warning(
                at.push("default"),
                format!(
                    "the default `{}` of the server variable `{wire}` is not one of its `enum` values: the default is generated as `{}`",
                    var.default, values[0]
                ),
            );
            values[0].clone()
        };
        let name = match enums.iter().find(|e| e.wire == wire && e.values == values) {
            Some(e) => e.name.clone(),
            None => {
                let name = self.type_scope.claim(names::type_name(wire));
                self.types
                    .insert(name.clone(), variable_enum(&name, wire, var, &values, at));
                enums.push(VariableEnum {
                    wire: wire.to_owned(),
                    values: values.clone(),
                    name: name.clone(),
                });
                name
            }
        };
        let Some(TypeKind::Enum { variants, .. }) = self.types.get(&name).map(|d| &d.kind) else {
            return (default, None);
        };
        let variant = variants
            .iter()
            .find(|v| v.wire == default)
            .map(|v| v.name.clone())
            .unwrap_or_default();
        (default, Some((name, variant)))
    }

    /// Where the operation of `cx` is sent: under the client's base URL when it states no
    /// servers of its own (nor its path item) or its first is one of the document's; else at
    /// the origin of the client's base URL (its server is relative, or on a host of the
    /// document's servers) or on its own host, at its server's path.
    pub(super) fn operation_server(&mut self, cx: &OperationContext<'a, '_>) -> OperationServer {
        let (servers, list_at) = if !cx.op.servers.is_empty() {
            (&cx.op.servers, cx.at.push("servers"))
        } else if !cx.item.servers.is_empty() {
            let path_at = Pointer::root().push("paths").push(cx.path);
            (&cx.item.servers, path_at.push("servers"))
        } else {
            return OperationServer::default();
        };
        let doc: Vec<Url> = self.doc.servers.iter().map(|s| read_url(&s.url)).collect();
        let first = &servers[0];
        let url = read_url(&first.url);
        if doc.contains(&url) {
            return OperationServer::default();
        }
        let own = self.own_server(&first.url, url, &doc, &list_at.push(0));
        let differs = servers[1..].iter().any(|other| {
            placement(&read_url(&other.url), &doc) != Some((own.prefix.clone(), own.host.clone()))
        });
        if own.at_origin && differs {
            self.diags.warning(
                list_at.push(1),
                format!(
                    "only the first of the operation's servers is generated: it is sent to `{}` (at the client's origin, or on that host when the client's base URL is one of the document's servers), never to the others",
                    first.url
                ),
            );
        }
        own
    }

    /// Where an operation whose first server is `raw` (read as `url`), none of the
    /// document's, is sent.
    fn own_server(&mut self, raw: &str, url: Url, doc: &[Url], at: &Pointer) -> OperationServer {
        if raw.contains('{') {
            self.diags.warning(
                at,
                format!(
                    "the operation's server `{raw}` has variables: the operation is sent under the client's base URL"
                ),
            );
            return OperationServer::default();
        }
        let absolute = match url {
            Url::Invalid => {
                self.diags.warning(
                    at,
                    format!(
                        "the operation's server `{raw}` is not an http or https URL: the operation is sent under the client's base URL"
                    ),
                );
                return OperationServer::default();
            }
            Url::Relative(ref path) if path.starts_with('/') => {
                let (prefix, host) = placement(&url, doc).unwrap_or_default();
                return OperationServer {
                    at_origin: true,
                    prefix,
                    host,
                };
            }
            Url::Relative(_) => {
                self.diags.warning(
                    at,
                    format!(
                        "the operation's server `{raw}` is relative to the document's location, which the client does not know: the operation is sent under the client's base URL"
                    ),
                );
                return OperationServer::default();
            }
            Url::NoScheme(u) => {
                self.diags.warning(
                    at,
                    format!("the server URL `{raw}` has no scheme: generated as `{u}`"),
                );
                u
            }
            Url::Absolute(u) => u,
        };
        let (prefix, host) = placement(&Url::Absolute(absolute), doc).unwrap_or_default();
        OperationServer {
            at_origin: true,
            prefix,
            host,
        }
    }
}

/// Where the path of an operation whose server is `url` goes, without variables: the server's
/// path to put before it, and its own origin when it is on another host than the document's
/// servers (`doc`); `None` for a server that is not placed so (variables, another scheme, a
/// path relative to the document's location).
fn placement(url: &Url, doc: &[Url]) -> Option<(String, Option<String>)> {
    match url {
        Url::Relative(path) if path.starts_with('/') && !path.contains('{') => {
            Some((path.trim_end_matches('/').to_owned(), None))
        }
        Url::Absolute(u) | Url::NoScheme(u) if !u.contains('{') => {
            let (origin, path) = split_origin(u);
            let host = host_of(u);
            let on_doc_host = doc.iter().any(|d| match d {
                Url::Absolute(d) | Url::NoScheme(d) => host_of(d) == host,
                _ => false,
            });
            Some((path.to_owned(), (!on_doc_host).then(|| origin.to_owned())))
        }
        _ => None,
    }
}

/// The name of a server without `x-aqua-name`: its URL without the scheme and the
/// variables (`https://{region}.api.example.com` → `api.example.com`), or the variables'
/// names when that leaves nothing; an `http` server whose name an `https` server of the
/// document also has (`https_twin`) gets the suffix `http`.
fn derived_name(template: &str, pieces: &[Piece<'_>], https_twin: bool) -> String {
    let literal: String = pieces
        .iter()
        .map(|p| match p {
            Piece::Literal(l) => *l,
            Piece::Variable(_) => " ",
        })
        .collect();
    let rest = literal
        .split_once("://")
        .map_or(literal.as_str(), |(_, rest)| rest);
    let mut name = if rest.chars().any(|c| c.is_ascii_alphanumeric()) {
        rest.to_owned()
    } else {
        let vars: Vec<&str> = pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Variable(v) => Some(*v),
                Piece::Literal(_) => None,
            })
            .collect();
        vars.join(" ")
    };
    if https_twin
        && template
            .get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
    {
        name.push_str(" http");
    }
    name
}

/// Whether another server of the document has the same URL as `template` but for an
/// `https` scheme where `template` has `http` (then `template`'s derived name gets a suffix).
fn has_https_twin(doc: &openapiv3::OpenAPI, template: &str) -> bool {
    let Some(rest) = template
        .get(..7)
        .filter(|s| s.eq_ignore_ascii_case("http://"))
        .map(|_| &template[7..])
    else {
        return false;
    };
    doc.servers.iter().any(|s| {
        s.url
            .get(..8)
            .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
            && s.url[8..].trim_end_matches('/') == rest
    })
}

/// The string enum of an enumerated server variable.
fn variable_enum(
    name: &str,
    wire: &str,
    var: &SpecVariable,
    values: &[String],
    at: &Pointer,
) -> TypeDef {
    let mut scope = Scope::default();
    let variants: Vec<Variant> = values
        .iter()
        .map(|v| Variant {
            name: scope.claim(names::type_name(v)),
            wire: v.clone(),
            docs: None,
        })
        .collect();
    let fallback = if variants.iter().any(|v| v.name == "Unknown") {
        "UnknownValue"
    } else {
        "Unknown"
    };
    let fallback = scope.claim(fallback.to_owned());
    let mut docs = format!("The values of the server variable `{{{wire}}}`.");
    if let Some(d) = var
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        docs.push_str("\n\n");
        docs.push_str(d);
    }
    TypeDef {
        name: name.to_owned(),
        docs: Some(docs),
        origin: at.to_string(),
        kind: TypeKind::Enum {
            variants,
            fallback,
            case_insensitive: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_as_real_documents_write_them() {
        let abs = |s: &str| Url::Absolute(s.to_owned());
        let rel = |s: &str| Url::Relative(s.to_owned());
        assert_eq!(
            read_url("https://api.example.com/v1/"),
            abs("https://api.example.com/v1")
        );
        assert_eq!(
            read_url("//api.example.com"),
            abs("https://api.example.com")
        );
        assert_eq!(read_url("{protocol}://{host}"), abs("{protocol}://{host}"));
        assert_eq!(
            read_url("{Endpoint}/bing/v7.0"),
            abs("{Endpoint}/bing/v7.0")
        );
        assert_eq!(read_url(""), rel("/"));
        assert_eq!(read_url("/"), rel("/"));
        assert_eq!(read_url("/api/v3/"), rel("/api/v3"));
        assert_eq!(read_url("api/v3"), rel("api/v3"));
        assert_eq!(
            read_url("api.calorieninjas.com"),
            Url::NoScheme("https://api.calorieninjas.com".to_owned())
        );
        assert_eq!(read_url("Your API URL"), Url::Invalid);
        assert_eq!(read_url("wss://stream.example.com"), Url::Invalid);
    }

    #[test]
    fn templates_split_into_pieces() {
        assert_eq!(
            pieces("https://{region}.example.com/{v}"),
            Some(vec![
                Piece::Literal("https://"),
                Piece::Variable("region"),
                Piece::Literal(".example.com/"),
                Piece::Variable("v"),
            ])
        );
        assert_eq!(pieces("https://{region.example.com"), None);
        assert_eq!(pieces("https://region}.example.com"), None);
        assert_eq!(pieces("https://{}.example.com"), None);
    }

    #[test]
    fn origins_and_hosts() {
        assert_eq!(
            split_origin("https://account.box.com/api/oauth2"),
            ("https://account.box.com", "/api/oauth2")
        );
        assert_eq!(
            split_origin("https://files.stripe.com"),
            ("https://files.stripe.com", "")
        );
        assert_eq!(
            host_of("https://API.example.com:8443/x").as_deref(),
            Some("api.example.com:8443")
        );
        assert_eq!(host_of("https://{region}.example.com"), None);
    }
}
