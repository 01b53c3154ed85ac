//! Local `$ref`s to any place of the document, not only to a component: bundlers (such as the
//! one that made APIs.guru's directory) write a schema met twice as a `$ref` to where it was
//! first, `#/components/schemas/Pet/properties/owner` or
//! `#/paths/~1pets/get/responses/200/content/application~1json/schema`, and a response or
//! parameter as a `$ref` to another operation's.
//!
//! [`Lowerer::node_at`] walks the typed document along the pointer's tokens (percent-decoded,
//! then unescaped), following the `$ref`s it meets on the way, and returns what is there with
//! its canonical pointer: the one the walk of the document gives that place, so that a schema
//! reached both ways is converted once.

use openapiv3::{
    AdditionalProperties, MediaType, Parameter, ParameterSchemaOrContent, PathItem, ReferenceOr,
    RequestBody, Response, Schema, SchemaKind, Type,
};

use super::Lowerer;
use crate::diag::Pointer;

/// At most this many `$ref`s are followed while walking one pointer (a longer chain is a
/// cycle).
const MAX_HOPS: usize = 32;

/// What a pointer leads to.
#[derive(Clone, Copy)]
pub(super) enum Node<'a> {
    Schema(&'a Schema),
    Response(&'a Response),
    Parameter(&'a Parameter),
    RequestBody(&'a RequestBody),
}

/// The items a `$ref` may name, as [`Lowerer::resolve`] takes them.
pub(super) trait Pointed<'a>: Sized {
    fn from_node(node: Node<'a>) -> Option<&'a Self>;
}

impl<'a> Pointed<'a> for Schema {
    fn from_node(node: Node<'a>) -> Option<&'a Self> {
        match node {
            Node::Schema(s) => Some(s),
            _ => None,
        }
    }
}

impl<'a> Pointed<'a> for Response {
    fn from_node(node: Node<'a>) -> Option<&'a Self> {
        match node {
            Node::Response(r) => Some(r),
            _ => None,
        }
    }
}

impl<'a> Pointed<'a> for Parameter {
    fn from_node(node: Node<'a>) -> Option<&'a Self> {
        match node {
            Node::Parameter(p) => Some(p),
            _ => None,
        }
    }
}

impl<'a> Pointed<'a> for RequestBody {
    fn from_node(node: Node<'a>) -> Option<&'a Self> {
        match node {
            Node::RequestBody(b) => Some(b),
            _ => None,
        }
    }
}

impl<'a> Pointed<'a> for openapiv3::Example {
    fn from_node(_: Node<'a>) -> Option<&'a Self> {
        None
    }
}

/// A place on the walk: a node, or a container whose next token picks what is inside.
#[derive(Clone, Copy)]
enum Step<'a> {
    Root,
    Components,
    Schemas,
    Responses,
    Parameters,
    RequestBodies,
    Paths,
    PathItem(&'a PathItem),
    Operation(&'a openapiv3::Operation),
    ParameterList(&'a [ReferenceOr<Parameter>]),
    OperationResponses(&'a openapiv3::Responses),
    Content(&'a indexmap::IndexMap<String, MediaType>),
    Media(&'a MediaType),
    Properties(&'a indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>),
    List(&'a [ReferenceOr<Schema>]),
    Node(Node<'a>),
}

/// Where a walk ends: a node and its pointer, or a `$ref` to follow (its target, and the index
/// of the first token after it).
type Walked<'a> = Result<(Node<'a>, Pointer), (&'a str, usize)>;

/// What one token leads to: a place, or a `$ref` to follow with the tokens that remain.
enum Next<'a> {
    At(Step<'a>),
    Ref(&'a str),
}

impl<'a> Lowerer<'a> {
    /// What the local `$ref` `reference` names, with its canonical pointer; `None` when it
    /// leads nowhere (or to something that is not a schema, response, parameter or body).
    pub(super) fn node_at(&self, reference: &str) -> Option<(Node<'a>, Pointer)> {
        let mut tokens = tokens(reference)?;
        for _ in 0..MAX_HOPS {
            match self.walk(&tokens)? {
                Ok(found) => return Some(found),
                // A `$ref` on the way: walk from its target, with the tokens after it.
                Err((target, rest)) => {
                    let mut next = self::tokens(target)?;
                    next.extend(tokens.drain(rest..));
                    tokens = next;
                }
            }
        }
        None
    }

    /// Walks `tokens` from the root: what they lead to, or the `$ref` met on the way and the
    /// index of the first token after it.
    fn walk(&self, tokens: &[String]) -> Option<Walked<'a>> {
        let mut step = Step::Root;
        let mut at = Pointer::root();
        for (i, token) in tokens.iter().enumerate() {
            match self.next(step, token)? {
                Next::At(s) => step = s,
                Next::Ref(target) => return Some(Err((target, i + 1))),
            }
            at = at.push(token);
        }
        match step {
            Step::Node(node) => Some(Ok((node, at))),
            _ => None,
        }
    }

    fn next(&self, step: Step<'a>, token: &str) -> Option<Next<'a>> {
        let components = || self.doc.components.as_ref();
        let at = |s| Some(Next::At(s));
        match step {
            Step::Root => match token {
                "components" => at(Step::Components),
                "paths" => at(Step::Paths),
                _ => None,
            },
            Step::Components => match token {
                "schemas" => at(Step::Schemas),
                "responses" => at(Step::Responses),
                "parameters" => at(Step::Parameters),
                "requestBodies" => at(Step::RequestBodies),
                _ => None,
            },
            Step::Schemas => schema(components()?.schemas.get(token)?),
            Step::Responses => match components()?.responses.get(token)? {
                ReferenceOr::Item(r) => at(Step::Node(Node::Response(r))),
                ReferenceOr::Reference { reference } => Some(Next::Ref(reference)),
            },
            Step::Parameters => parameter(components()?.parameters.get(token)?),
            Step::RequestBodies => request_body(components()?.request_bodies.get(token)?),
            Step::Paths => match self.doc.paths.paths.get(token)? {
                ReferenceOr::Item(item) => at(Step::PathItem(item)),
                ReferenceOr::Reference { .. } => None,
            },
            Step::PathItem(item) => match token {
                "parameters" => at(Step::ParameterList(&item.parameters)),
                method => item
                    .iter()
                    .find(|(m, _)| *m == method)
                    .and_then(|(_, op)| at(Step::Operation(op))),
            },
            Step::Operation(op) => match token {
                "parameters" => at(Step::ParameterList(&op.parameters)),
                "requestBody" => request_body(op.request_body.as_ref()?),
                "responses" => at(Step::OperationResponses(&op.responses)),
                _ => None,
            },
            Step::ParameterList(list) => parameter(list.get(token.parse::<usize>().ok()?)?),
            Step::OperationResponses(responses) => {
                let response = if token == "default" {
                    responses.default.as_ref()?
                } else {
                    responses
                        .responses
                        .iter()
                        .find(|(code, _)| code.to_string().eq_ignore_ascii_case(token))
                        .map(|(_, r)| r)?
                };
                match response {
                    ReferenceOr::Item(r) => at(Step::Node(Node::Response(r))),
                    ReferenceOr::Reference { reference } => Some(Next::Ref(reference)),
                }
            }
            Step::Content(content) => at(Step::Media(content.get(token)?)),
            Step::Media(media) => match token {
                "schema" => schema(media.schema.as_ref()?),
                _ => None,
            },
            Step::Properties(properties) => boxed_schema(properties.get(token)?),
            Step::List(list) => schema(list.get(token.parse::<usize>().ok()?)?),
            Step::Node(Node::Response(r)) => match token {
                "content" => at(Step::Content(&r.content)),
                _ => None,
            },
            Step::Node(Node::RequestBody(b)) => match token {
                "content" => at(Step::Content(&b.content)),
                _ => None,
            },
            Step::Node(Node::Parameter(p)) => match (&p.parameter_data_ref().format, token) {
                (ParameterSchemaOrContent::Schema(s), "schema") => schema(s),
                (ParameterSchemaOrContent::Content(c), "content") => at(Step::Content(c)),
                _ => None,
            },
            Step::Node(Node::Schema(s)) => schema_child(s, token),
        }
    }
}

/// What is inside a schema under `token`.
fn schema_child<'a>(s: &'a Schema, token: &str) -> Option<Next<'a>> {
    let list = |l: &'a Vec<ReferenceOr<Schema>>| Some(Next::At(Step::List(l)));
    match (&s.schema_kind, token) {
        (SchemaKind::Type(Type::Object(o)), "properties") => {
            Some(Next::At(Step::Properties(&o.properties)))
        }
        (SchemaKind::Any(a), "properties") => Some(Next::At(Step::Properties(&a.properties))),
        (SchemaKind::Type(Type::Object(o)), "additionalProperties") => {
            additional(o.additional_properties.as_ref()?)
        }
        (SchemaKind::Any(a), "additionalProperties") => {
            additional(a.additional_properties.as_ref()?)
        }
        (SchemaKind::Type(Type::Array(a)), "items") => boxed_schema(a.items.as_ref()?),
        (SchemaKind::Any(a), "items") => boxed_schema(a.items.as_ref()?),
        (SchemaKind::AllOf { all_of: l }, "allOf")
        | (SchemaKind::OneOf { one_of: l }, "oneOf")
        | (SchemaKind::AnyOf { any_of: l }, "anyOf") => list(l),
        (SchemaKind::Any(a), "allOf") => list(&a.all_of),
        (SchemaKind::Any(a), "oneOf") => list(&a.one_of),
        (SchemaKind::Any(a), "anyOf") => list(&a.any_of),
        (SchemaKind::Not { not }, "not") => schema(not),
        (SchemaKind::Any(a), "not") => schema(a.not.as_deref()?),
        _ => None,
    }
}

fn additional(a: &AdditionalProperties) -> Option<Next<'_>> {
    match a {
        AdditionalProperties::Schema(s) => schema(s),
        AdditionalProperties::Any(_) => None,
    }
}

fn schema(s: &ReferenceOr<Schema>) -> Option<Next<'_>> {
    Some(match s {
        ReferenceOr::Item(s) => Next::At(Step::Node(Node::Schema(s))),
        ReferenceOr::Reference { reference } => Next::Ref(reference),
    })
}

fn boxed_schema(s: &ReferenceOr<Box<Schema>>) -> Option<Next<'_>> {
    Some(match s {
        ReferenceOr::Item(s) => Next::At(Step::Node(Node::Schema(s))),
        ReferenceOr::Reference { reference } => Next::Ref(reference),
    })
}

fn parameter(p: &ReferenceOr<Parameter>) -> Option<Next<'_>> {
    Some(match p {
        ReferenceOr::Item(p) => Next::At(Step::Node(Node::Parameter(p))),
        ReferenceOr::Reference { reference } => Next::Ref(reference),
    })
}

fn request_body(b: &ReferenceOr<RequestBody>) -> Option<Next<'_>> {
    Some(match b {
        ReferenceOr::Item(b) => Next::At(Step::Node(Node::RequestBody(b))),
        ReferenceOr::Reference { reference } => Next::Ref(reference),
    })
}

/// The tokens of a local reference (`#/a/b~1c` is `a`, `b/c`), percent-decoded first (a
/// pointer in a URI fragment is percent-encoded: `%7B` is `{`).
fn tokens(reference: &str) -> Option<Vec<String>> {
    let path = reference.strip_prefix('#')?;
    if path.is_empty() {
        return Some(Vec::new());
    }
    let path = path.strip_prefix('/')?;
    Some(
        path.split('/')
            .map(|t| percent_decode(t).replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

fn percent_decode(token: &str) -> String {
    if !token.contains('%') {
        return token.to_owned();
    }
    let bytes = token.as_bytes();
    let hex = |b: Option<&u8>| b.and_then(|b| (*b as char).to_digit(16));
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if let (b'%', Some(high), Some(low)) =
            (bytes[i], hex(bytes.get(i + 1)), hex(bytes.get(i + 2)))
        {
            out.push((high * 16 + low) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_percent_decoded_then_unescaped() {
        assert_eq!(
            tokens("#/paths/~1keys~1%7Bid%7D/get").unwrap(),
            ["paths", "/keys/{id}", "get"]
        );
        assert_eq!(tokens("#/a~0b/%25").unwrap(), ["a~b", "%"]);
        assert_eq!(tokens("#").unwrap(), Vec::<String>::new());
        assert!(tokens("other.yaml#/a").is_none());
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
