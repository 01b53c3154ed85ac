//! Every extensions map of the document, visited with the kind of object it belongs to: an
//! `x-aqua-*` key that the generator does not know, or that belongs on another kind of object,
//! is an error at its pointer (the catalogue is in `extensions.rs`). Other `x-…` keys belong to
//! other tools and are left alone.

use indexmap::IndexMap;
use openapiv3::{
    Callback, Components, Example, Header, Link, MediaType, OpenAPI, Operation, Parameter,
    ParameterSchemaOrContent, PathItem, ReferenceOr, RequestBody, Response, Schema, SchemaKind,
    SecurityScheme, Server, StatusCode, Type,
};
use serde_json::Value;

use super::Lowerer;
use super::extensions::{KNOWN, Place, closest};
use crate::diag::{Diagnostics, Pointer};

impl Lowerer<'_> {
    /// Reports the unknown and misplaced `x-aqua-*` keys of the whole document.
    pub(super) fn check_extension_keys(&mut self) {
        let mut walk = Walk {
            diags: &mut self.diags,
            path: Vec::new(),
        };
        walk.document(self.doc);
    }
}

/// A token of the pointer of the node being visited.
#[derive(Clone, Copy)]
enum Token<'a> {
    Key(&'a str),
    Index(usize),
    Status(&'a StatusCode),
}

impl<'a> From<&'a str> for Token<'a> {
    fn from(key: &'a str) -> Self {
        Token::Key(key)
    }
}

impl<'a> From<&'a StatusCode> for Token<'a> {
    fn from(code: &'a StatusCode) -> Self {
        Token::Status(code)
    }
}

impl From<usize> for Token<'_> {
    fn from(index: usize) -> Self {
        Token::Index(index)
    }
}

/// The visit: where it is (the pointer is built only for a key to report).
struct Walk<'a, 'd> {
    diags: &'d mut Diagnostics,
    path: Vec<Token<'a>>,
}

impl<'a> Walk<'a, '_> {
    /// Visits what `f` visits one token deeper.
    fn at(&mut self, token: impl Into<Token<'a>>, f: impl FnOnce(&mut Self)) {
        self.path.push(token.into());
        f(self);
        self.path.pop();
    }

    fn pointer(&self) -> Pointer {
        self.path
            .iter()
            .fold(Pointer::root(), |p, token| match *token {
                Token::Key(key) => p.push(key),
                Token::Index(i) => p.push(i),
                Token::Status(code) => p.push(code),
            })
    }

    /// Checks the `x-aqua-*` keys of the extensions of an object of kind `place`.
    fn extensions(&mut self, place: Place, extensions: &'a IndexMap<String, Value>) {
        for key in extensions.keys().filter(|k| k.starts_with("x-aqua-")) {
            match KNOWN.iter().find(|(name, _)| name == key) {
                Some((_, home)) if *home == place => {}
                Some((_, home)) => {
                    let (home, here) = (home.describe(), place.describe());
                    self.diags.error(
                        self.pointer().push(key),
                        format!("`{key}` belongs on {home}, not on {here}"),
                    );
                }
                None => {
                    let closest =
                        closest(key, KNOWN.iter().map(|(name, _)| *name)).unwrap_or_default();
                    self.diags.error(
                        self.pointer().push(key),
                        format!("unknown extension `{key}`: did you mean `{closest}`?"),
                    );
                }
            }
        }
    }

    fn document(&mut self, doc: &'a OpenAPI) {
        self.extensions(Place::Document, &doc.extensions);
        self.at("info", |w| {
            w.extensions(Place::Info, &doc.info.extensions);
            if let Some(contact) = &doc.info.contact {
                w.at("contact", |w| {
                    w.extensions(Place::Contact, &contact.extensions)
                });
            }
            if let Some(license) = &doc.info.license {
                w.at("license", |w| {
                    w.extensions(Place::License, &license.extensions)
                });
            }
        });
        self.servers(Place::Server, &doc.servers);
        self.at("paths", |w| {
            w.extensions(Place::Paths, &doc.paths.extensions);
            for (path, item) in &doc.paths.paths {
                w.at(path.as_str(), |w| {
                    if let ReferenceOr::Item(item) = item {
                        w.path_item(item);
                    }
                });
            }
        });
        if let Some(components) = &doc.components {
            self.at("components", |w| w.components(components));
        }
        self.at("tags", |w| {
            for (i, tag) in doc.tags.iter().enumerate() {
                w.at(i, |w| {
                    w.extensions(Place::Tag, &tag.extensions);
                    if let Some(docs) = &tag.external_docs {
                        w.at("externalDocs", |w| {
                            w.extensions(Place::ExternalDocs, &docs.extensions)
                        });
                    }
                });
            }
        });
        if let Some(docs) = &doc.external_docs {
            self.at("externalDocs", |w| {
                w.extensions(Place::ExternalDocs, &docs.extensions)
            });
        }
    }

    fn servers(&mut self, place: Place, servers: &'a [Server]) {
        self.at("servers", |w| {
            for (i, server) in servers.iter().enumerate() {
                w.at(i, |w| w.server(place, server));
            }
        });
    }

    fn server(&mut self, place: Place, server: &'a Server) {
        self.extensions(place, &server.extensions);
        if let Some(variables) = &server.variables {
            self.at("variables", |w| {
                for (name, variable) in variables {
                    w.at(name.as_str(), |w| {
                        w.extensions(Place::ServerVariable, &variable.extensions);
                    });
                }
            });
        }
    }

    fn components(&mut self, c: &'a Components) {
        self.extensions(Place::Components, &c.extensions);
        self.at("schemas", |w| {
            for (key, schema) in &c.schemas {
                w.at(key.as_str(), |w| w.schema_ref(schema));
            }
        });
        self.at("responses", |w| {
            for (key, response) in &c.responses {
                w.at(key.as_str(), |w| w.item(response, Self::response));
            }
        });
        self.at("parameters", |w| {
            for (key, parameter) in &c.parameters {
                w.at(key.as_str(), |w| w.item(parameter, Self::parameter));
            }
        });
        self.at("examples", |w| {
            for (key, example) in &c.examples {
                w.at(key.as_str(), |w| w.item(example, Self::example));
            }
        });
        self.at("requestBodies", |w| {
            for (key, body) in &c.request_bodies {
                w.at(key.as_str(), |w| w.item(body, Self::request_body));
            }
        });
        self.at("headers", |w| {
            for (key, header) in &c.headers {
                w.at(key.as_str(), |w| w.item(header, Self::header));
            }
        });
        self.at("securitySchemes", |w| {
            for (key, scheme) in &c.security_schemes {
                w.at(key.as_str(), |w| w.item(scheme, Self::security_scheme));
            }
        });
        self.at("links", |w| {
            for (key, link) in &c.links {
                w.at(key.as_str(), |w| w.item(link, Self::link));
            }
        });
        self.at("callbacks", |w| {
            for (key, callback) in &c.callbacks {
                w.at(key.as_str(), |w| w.item(callback, Self::callback));
            }
        });
    }

    /// Visits the item of a reference-or-item (a reference has no extensions of its own).
    fn item<T>(&mut self, item: &'a ReferenceOr<T>, visit: impl FnOnce(&mut Self, &'a T)) {
        if let ReferenceOr::Item(item) = item {
            visit(self, item);
        }
    }

    fn path_item(&mut self, item: &'a PathItem) {
        self.extensions(Place::PathItem, &item.extensions);
        self.servers(Place::LocalServer, &item.servers);
        self.parameters(&item.parameters);
        let methods = [
            ("get", &item.get),
            ("put", &item.put),
            ("post", &item.post),
            ("delete", &item.delete),
            ("options", &item.options),
            ("head", &item.head),
            ("patch", &item.patch),
            ("trace", &item.trace),
        ];
        for (key, op) in methods {
            if let Some(op) = op {
                self.at(key, |w| w.operation(op));
            }
        }
    }

    fn operation(&mut self, op: &'a Operation) {
        self.extensions(Place::Operation, &op.extensions);
        if let Some(docs) = &op.external_docs {
            self.at("externalDocs", |w| {
                w.extensions(Place::ExternalDocs, &docs.extensions)
            });
        }
        self.parameters(&op.parameters);
        if let Some(body) = &op.request_body {
            self.at("requestBody", |w| w.item(body, Self::request_body));
        }
        self.at("responses", |w| {
            w.extensions(Place::Responses, &op.responses.extensions);
            if let Some(default) = &op.responses.default {
                w.at("default", |w| w.item(default, Self::response));
            }
            for (code, response) in &op.responses.responses {
                w.at(code, |w| w.item(response, Self::response));
            }
        });
        self.at("callbacks", |w| {
            for (key, callback) in &op.callbacks {
                w.at(key.as_str(), |w| w.callback(callback));
            }
        });
        self.servers(Place::LocalServer, &op.servers);
    }

    fn callback(&mut self, callback: &'a Callback) {
        for (expression, item) in callback {
            self.at(expression.as_str(), |w| w.path_item(item));
        }
    }

    fn parameters(&mut self, parameters: &'a [ReferenceOr<Parameter>]) {
        self.at("parameters", |w| {
            for (i, parameter) in parameters.iter().enumerate() {
                w.at(i, |w| w.item(parameter, Self::parameter));
            }
        });
    }

    fn parameter(&mut self, parameter: &'a Parameter) {
        let data = parameter.parameter_data_ref();
        self.extensions(Place::Parameter, &data.extensions);
        self.schema_or_content(&data.format);
        self.examples(&data.examples);
    }

    fn schema_or_content(&mut self, format: &'a ParameterSchemaOrContent) {
        match format {
            ParameterSchemaOrContent::Schema(schema) => self.at("schema", |w| w.schema_ref(schema)),
            ParameterSchemaOrContent::Content(content) => self.content(content),
        }
    }

    fn request_body(&mut self, body: &'a RequestBody) {
        self.extensions(Place::RequestBody, &body.extensions);
        self.content(&body.content);
    }

    fn content(&mut self, content: &'a IndexMap<String, MediaType>) {
        self.at("content", |w| {
            for (media, m) in content {
                w.at(media.as_str(), |w| {
                    w.extensions(Place::MediaType, &m.extensions);
                    if let Some(schema) = &m.schema {
                        w.at("schema", |w| w.schema_ref(schema));
                    }
                    w.examples(&m.examples);
                    w.at("encoding", |w| {
                        for (name, encoding) in &m.encoding {
                            w.at(name.as_str(), |w| {
                                w.extensions(Place::Encoding, &encoding.extensions);
                                w.headers(&encoding.headers);
                            });
                        }
                    });
                });
            }
        });
    }

    fn examples(&mut self, examples: &'a IndexMap<String, ReferenceOr<Example>>) {
        self.at("examples", |w| {
            for (name, example) in examples {
                w.at(name.as_str(), |w| w.item(example, Self::example));
            }
        });
    }

    fn example(&mut self, example: &'a Example) {
        self.extensions(Place::Example, &example.extensions);
    }

    fn headers(&mut self, headers: &'a IndexMap<String, ReferenceOr<Header>>) {
        self.at("headers", |w| {
            for (name, header) in headers {
                w.at(name.as_str(), |w| w.item(header, Self::header));
            }
        });
    }

    fn header(&mut self, header: &'a Header) {
        self.extensions(Place::Header, &header.extensions);
        self.schema_or_content(&header.format);
        self.examples(&header.examples);
    }

    fn response(&mut self, response: &'a Response) {
        self.extensions(Place::Response, &response.extensions);
        self.headers(&response.headers);
        self.content(&response.content);
        self.at("links", |w| {
            for (name, link) in &response.links {
                w.at(name.as_str(), |w| w.item(link, Self::link));
            }
        });
    }

    fn link(&mut self, link: &'a Link) {
        self.extensions(Place::Link, &link.extensions);
        if let Some(server) = &link.server {
            self.at("server", |w| w.server(Place::LocalServer, server));
        }
    }

    fn security_scheme(&mut self, scheme: &'a SecurityScheme) {
        match scheme {
            SecurityScheme::APIKey { extensions, .. }
            | SecurityScheme::HTTP { extensions, .. }
            | SecurityScheme::OpenIDConnect { extensions, .. } => {
                self.extensions(Place::SecurityScheme, extensions);
            }
            SecurityScheme::OAuth2 {
                flows, extensions, ..
            } => {
                self.extensions(Place::SecurityScheme, extensions);
                self.at("flows", |w| {
                    w.extensions(Place::OAuthFlows, &flows.extensions);
                    let each = [
                        ("implicit", flows.implicit.as_ref().map(|f| &f.extensions)),
                        ("password", flows.password.as_ref().map(|f| &f.extensions)),
                        (
                            "clientCredentials",
                            flows.client_credentials.as_ref().map(|f| &f.extensions),
                        ),
                        (
                            "authorizationCode",
                            flows.authorization_code.as_ref().map(|f| &f.extensions),
                        ),
                    ];
                    for (key, extensions) in each {
                        if let Some(extensions) = extensions {
                            w.at(key, |w| w.extensions(Place::OAuthFlow, extensions));
                        }
                    }
                });
            }
        }
    }

    fn schema_ref(&mut self, schema: &'a ReferenceOr<Schema>) {
        self.item(schema, Self::schema);
    }

    fn boxed_schema_ref(&mut self, schema: &'a ReferenceOr<Box<Schema>>) {
        if let ReferenceOr::Item(schema) = schema {
            self.schema(schema);
        }
    }

    fn schema(&mut self, schema: &'a Schema) {
        let data = &schema.schema_data;
        self.extensions(Place::Schema, &data.extensions);
        if let Some(d) = &data.discriminator {
            self.at("discriminator", |w| {
                w.extensions(Place::Discriminator, &d.extensions)
            });
        }
        if let Some(docs) = &data.external_docs {
            self.at("externalDocs", |w| {
                w.extensions(Place::ExternalDocs, &docs.extensions)
            });
        }
        let list = |w: &mut Self, key: &'static str, list: &'a [ReferenceOr<Schema>]| {
            w.at(key, |w| {
                for (i, s) in list.iter().enumerate() {
                    w.at(i, |w| w.schema_ref(s));
                }
            });
        };
        let properties =
            |w: &mut Self, properties: &'a IndexMap<String, ReferenceOr<Box<Schema>>>| {
                w.at("properties", |w| {
                    for (name, s) in properties {
                        w.at(name.as_str(), |w| w.boxed_schema_ref(s));
                    }
                });
            };
        let additional = |w: &mut Self, a: &'a Option<openapiv3::AdditionalProperties>| {
            if let Some(openapiv3::AdditionalProperties::Schema(s)) = a {
                w.at("additionalProperties", |w| w.schema_ref(s));
            }
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => {
                properties(self, &o.properties);
                additional(self, &o.additional_properties);
            }
            SchemaKind::Type(Type::Array(a)) => {
                if let Some(items) = &a.items {
                    self.at("items", |w| w.boxed_schema_ref(items));
                }
            }
            SchemaKind::Type(_) => {}
            SchemaKind::OneOf { one_of } => list(self, "oneOf", one_of),
            SchemaKind::AllOf { all_of } => list(self, "allOf", all_of),
            SchemaKind::AnyOf { any_of } => list(self, "anyOf", any_of),
            SchemaKind::Not { not } => self.at("not", |w| w.schema_ref(not)),
            SchemaKind::Any(any) => {
                properties(self, &any.properties);
                additional(self, &any.additional_properties);
                if let Some(items) = &any.items {
                    self.at("items", |w| w.boxed_schema_ref(items));
                }
                list(self, "oneOf", &any.one_of);
                list(self, "allOf", &any.all_of);
                list(self, "anyOf", &any.any_of);
                if let Some(not) = &any.not {
                    self.at("not", |w| w.schema_ref(not));
                }
            }
        }
    }
}
