//! Stage 2, the model: our own description of an API, independent of `openapiv3`.
//!
//! Everything the emitters need is here, with Rust names already resolved (idiomatic and
//! collision-free) next to the wire names, and every list in a deterministic order. Emitters
//! never look at the spec.

use std::collections::BTreeMap;

/// A whole API, ready to emit.
#[derive(Clone, Debug, PartialEq)]
pub struct Api {
    /// The spec's display name (for the generated header).
    pub source_name: String,
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// The documented servers, in spec order.
    pub servers: Vec<Server>,
    /// The security schemes, in spec order.
    pub security: Vec<SecurityScheme>,
    /// The document's `security`: the requirement of the operations that state none (`None`
    /// when the document states none either: then every credential given is sent).
    pub requirement: Option<Requirement>,
    /// Named types by Rust name (sorted, hence deterministic).
    pub types: BTreeMap<String, TypeDef>,
    /// Operations in spec order (paths, then methods in `get put post delete options head patch
    /// trace` order).
    pub operations: Vec<Operation>,
    /// The type of error bodies shared by every operation, when they agree (then `Error` is an
    /// alias for it); `None` when no operation documents one or they differ.
    pub error_type: Option<TypeRef>,
    /// Every example of the spec, in document order.
    pub examples: Vec<Example>,
    /// The API areas, cargo features of their own (`aqua-codegen crate`), sorted by name:
    /// empty when the code is not cut by area (see `Operation::feature`).
    pub features: Vec<Feature>,
    /// The features that gate each named type, by Rust name: the areas of the operations that
    /// reach it. A type absent here is in every build.
    pub gates: BTreeMap<String, Vec<String>>,
}

/// An API area: a cargo feature that turns on the operations of one tag (or of one
/// `x-aqua-feature`) and the types they reach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feature {
    /// The cargo feature's name (`billing-documents`).
    pub name: String,
    /// The tags or `x-aqua-feature` values it stands for, as written, in spec order.
    pub sources: Vec<String>,
    /// How many operations it turns on.
    pub operations: usize,
}

/// A server of the spec's `servers` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    /// Rust variant name (from `x-aqua-name`, else derived from the URL).
    pub name: String,
    /// Kebab-case name for command lines and configuration (`us-cloud1-production`).
    pub slug: String,
    /// The base URL with the variables' defaults, without a trailing slash.
    pub url: String,
    /// The URL as the spec writes it (`https://{region}.example.com/v1`; a scheme-relative
    /// `//host` given `https:`), without a trailing slash; the same as `url` without variables.
    pub template: String,
    /// What the generated client makes of it.
    pub kind: ServerKind,
    /// The variables of `template`, in spec order.
    pub variables: Vec<ServerVariable>,
    /// Rust name of the struct that sets the variables (`RegionExampleComUrl`), when there are.
    pub url_type: Option<String>,
    /// The server's description.
    pub description: Option<String>,
}

/// What the generated client makes of a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerKind {
    /// An absolute URL (with its variables' defaults): a variant of `Environment`.
    Environment,
    /// A URL whose variables' defaults do not make an absolute URL: only its `url_type`.
    Template,
    /// A relative URL (`/v1`), resolved against a URL the user gives (`Client::with_host`).
    Relative,
}

/// A variable of a server URL (`{region}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerVariable {
    /// The name in the URL template.
    pub wire: String,
    /// Rust field name (its setter is `with_{name}`).
    pub name: String,
    /// The default value.
    pub default: String,
    /// For an enumerated variable, the string enum of its values (a named type of the model)
    /// and the variant of the default; `None` for a free one (a `String`).
    pub values: Option<(String, String)>,
    /// The spec's description.
    pub description: Option<String>,
}

/// How a client authenticates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityScheme {
    /// The key of the scheme in `components.securitySchemes`.
    pub key: String,
    /// Rust name of the scheme in the generated `Credentials`: its field and constructor
    /// (`basic`, `api_key`), and the stem of its other methods (`with_basic`, `bearer_source`).
    pub name: String,
    /// What kind of scheme.
    pub kind: SecurityKind,
    /// The scheme's description.
    pub description: Option<String>,
}

/// The kinds of security scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecurityKind {
    /// HTTP basic authentication.
    Basic,
    /// A bearer token in the `Authorization` header (HTTP `bearer`).
    Bearer {
        /// `bearerFormat`, a hint such as `JWT`.
        format: Option<String>,
    },
    /// An API key in a header, a query parameter or a cookie.
    ApiKey {
        /// Where it goes.
        location: KeyLocation,
        /// The name of the header, query parameter or cookie.
        name: String,
    },
    /// OAuth 2.0: the client runs the client-credentials flow itself; the other flows give
    /// an access token that the application obtains.
    OAuth {
        /// The token URL of the `clientCredentials` flow, if the scheme has one.
        client_credentials: Option<String>,
        /// The other flows, in the spec's order.
        flows: Vec<OAuthFlow>,
    },
    /// OpenID Connect: an ID or access token the application obtains, sent as a bearer token.
    OpenIdConnect {
        /// The discovery document's URL.
        url: String,
    },
    /// Another HTTP authentication scheme (`digest`, `hoba`, …): the application gives the
    /// whole `Authorization` value.
    OtherHttp {
        /// The scheme's name as the spec writes it.
        scheme: String,
    },
}

/// Where an API key goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyLocation {
    /// A request header.
    Header,
    /// A query parameter.
    Query,
    /// A cookie.
    Cookie,
}

/// An OAuth 2.0 flow whose token the application obtains.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthFlow {
    /// Its name in the spec: `authorizationCode`, `implicit` or `password`.
    pub name: &'static str,
    /// Its authorization URL (`authorizationCode`, `implicit`).
    pub authorization_url: Option<String>,
    /// Its token URL (`authorizationCode`, `password`).
    pub token_url: Option<String>,
}

/// Security requirements, as OpenAPI's `security`: alternatives, each the keys of the schemes
/// whose credentials are sent together (an empty one needs none).
pub type Requirement = Vec<Vec<String>>;

/// A named type.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeDef {
    /// Rust name.
    pub name: String,
    /// Rustdoc text.
    pub docs: Option<String>,
    /// JSON pointer of the schema the type comes from.
    pub origin: String,
    /// The shape of the type.
    pub kind: TypeKind,
}

/// The shape of a named type.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    /// A struct with named fields (an `object` schema).
    Struct {
        /// The fields in spec order.
        fields: Vec<Field>,
        /// Whether the type is sent in requests: it then gets a constructor, setters and a
        /// `validate` method that checks the spec's limits.
        request: bool,
        /// The type of the values of the properties the spec does not list, when the spec
        /// types them (`additionalProperties: {schema}`): they are kept in a map of that type.
        /// `None`: they are kept as received, in `unknown_fields`.
        additional: Option<TypeRef>,
    },
    /// A string enum with an `Unknown` fallback variant.
    Enum {
        /// The known values in spec order.
        variants: Vec<Variant>,
        /// Rust name of the fallback variant (`Unknown` unless taken).
        fallback: String,
        /// Whether values match ignoring ASCII case (`x-aqua-case-insensitive`).
        case_insensitive: bool,
    },
    /// An integer or number enum, with a fallback variant that keeps any other value.
    NumberEnum {
        /// The known values in spec order.
        variants: Vec<NumberVariant>,
        /// Rust name of the fallback variant (`Unknown` unless taken).
        fallback: String,
        /// Whether the values are integers (`i64`), else numbers (`f64`).
        integer: bool,
    },
    /// A Zuora timestamp (`x-aqua-timestamp-formats`).
    Timestamp {
        /// chrono patterns, tried in order.
        formats: Vec<String>,
        /// Rust name of the zero-sized type that carries the formats.
        marker: String,
    },
    /// Another name for a type (`type: string` with a name, `x-aqua-flex`, …).
    Alias(TypeRef),
    /// One of several schemas (`oneOf`/`anyOf`), with a fallback that keeps any other value.
    Union {
        /// The alternatives in spec order.
        variants: Vec<UnionVariant>,
        /// The discriminator property, when the spec names one.
        discriminator: Option<String>,
        /// Rust name of the fallback variant.
        fallback: String,
    },
}

/// One alternative of a union.
#[derive(Clone, Debug, PartialEq)]
pub struct UnionVariant {
    /// Rust name of the variant.
    pub name: String,
    /// Its type (boxed when it is a struct).
    pub ty: TypeRef,
    /// Values of the discriminator that select it.
    pub tags: Vec<String>,
}

/// A struct field.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Rust name.
    pub name: String,
    /// Name on the wire.
    pub wire: String,
    /// Rustdoc text.
    pub docs: Option<String>,
    /// The field's type, without the `Option` of an optional field.
    pub ty: TypeRef,
    /// Whether the field is required (else it is an `Option`).
    pub required: bool,
    /// Whether the value may be `null` (`nullable: true`): `Nullable<T>`, kept apart from
    /// absence.
    pub nullable: bool,
    /// Whether the field must be boxed to break a cycle of types.
    pub boxed: bool,
    /// Whether the spec marks it deprecated.
    pub deprecated: bool,
    /// The spec's limits on the value, checked by `validate` before sending.
    pub limits: Limits,
}

/// Limits of a value from its schema (`maxLength`, `maximum`, `maxItems`, …).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Limits {
    /// `minLength`.
    pub min_length: Option<usize>,
    /// `maxLength`.
    pub max_length: Option<usize>,
    /// `minimum`, with `exclusiveMinimum`.
    pub minimum: Option<Bound>,
    /// `maximum`, with `exclusiveMaximum`.
    pub maximum: Option<Bound>,
    /// `minItems`.
    pub min_items: Option<usize>,
    /// `maxItems`.
    pub max_items: Option<usize>,
    /// `pattern` (strings).
    pub pattern: Option<String>,
}

/// A numeric bound: `minimum` or `maximum`, and whether the bound itself is excluded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bound {
    /// The bound.
    pub value: f64,
    /// `exclusiveMinimum` / `exclusiveMaximum`: the bound itself is not a valid value.
    pub exclusive: bool,
}

impl Limits {
    /// Whether there is nothing to check.
    pub fn is_empty(&self) -> bool {
        *self == Limits::default()
    }
}

/// A known value of a string enum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    /// Rust name.
    pub name: String,
    /// The value on the wire.
    pub wire: String,
    /// Rustdoc text (`x-enum-descriptions`).
    pub docs: Option<String>,
}

/// A known value of an integer or number enum.
#[derive(Clone, Debug, PartialEq)]
pub struct NumberVariant {
    /// Rust name.
    pub name: String,
    /// The value on the wire (an integer for integer enums).
    pub value: serde_json::Number,
    /// Rustdoc text (`x-enum-descriptions`).
    pub docs: Option<String>,
}

/// A reference to a type.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeRef {
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// Any JSON value.
    Json,
    /// `aqua_runtime::FlexInt`: an integer that may arrive as a string.
    FlexInt,
    /// `aqua_runtime::FlexString`: a string that may arrive as a number.
    FlexString,
    /// `aqua_runtime::FlexBool`: a boolean that may arrive as a string.
    FlexBool,
    /// `aqua_runtime::Secret`: a string never shown by `Debug` (`format: password`).
    Secret,
    /// `Vec<u8>`: raw bytes (a binary request body).
    Bytes,
    /// `aqua_runtime::wire::Binary`: bytes inside a schema (`format: binary` on a property or
    /// an item). A multipart body sends it as a file part; in JSON it is a string, whose text
    /// the bytes hold.
    Binary,
    /// A named type of the model.
    Named(String),
    /// A named enum matched ignoring case: `aqua_runtime::Caseless<Named>`.
    Caseless(String),
    /// `Vec<T>`.
    Vec(Box<TypeRef>),
    /// `BTreeMap<String, T>`.
    Map(Box<TypeRef>),
}

/// An HTTP method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    /// GET
    Get,
    /// PUT
    Put,
    /// POST
    Post,
    /// DELETE
    Delete,
    /// OPTIONS
    Options,
    /// HEAD
    Head,
    /// PATCH
    Patch,
    /// TRACE
    Trace,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }
}

/// One operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Operation {
    /// The spec's `operationId`.
    pub id: String,
    /// Rust method name (`get_last_completed_job`).
    pub method_name: String,
    /// Rust name of the request builder (`GetLastCompletedJob`).
    pub builder_name: String,
    /// HTTP method.
    pub method: Method,
    /// The path template as written (`/jobs/{id}`).
    pub path: String,
    /// The path split into literal text and parameters (by index into `params`).
    pub path_parts: Vec<PathPart>,
    /// `x-aqua-path-variants`: other paths, for the servers whose URL path is theirs.
    pub path_variants: Vec<PathVariant>,
    /// Whether the operation's own `servers` (or its path item's) are elsewhere than the
    /// document's: its path (`path_parts`, which then start with the server's path) is
    /// relative to the origin of the client's base URL, not to the base URL.
    pub at_origin: bool,
    /// The origin of the operation's own server when it is on another host than the
    /// document's servers (`https://uploads.github.com`; `at_origin` is then true): the
    /// request goes there when the client's base URL is one of the document's servers.
    pub host: Option<String>,
    /// Whether the operation says `security: []` (no credentials are sent).
    pub no_auth: bool,
    /// The operation's own `security`, when it differs from the document's.
    pub security: Option<Requirement>,
    /// `x-aqua-poll`: a generated method that waits for the resource this operation reads.
    pub poll: Option<Poll>,
    /// The schema of its error bodies (`Json` when its error responses disagree; `None` when
    /// it documents none).
    pub error_type: Option<TypeRef>,
    /// Parameters in declaration order (path-item level first).
    pub params: Vec<Param>,
    /// The request body, if any.
    pub body: Option<Body>,
    /// What a successful call returns.
    pub success: Success,
    /// Summary and description, joined.
    pub docs: Option<String>,
    /// Whether the spec marks it deprecated.
    pub deprecated: bool,
    /// JSON pointer of the operation.
    pub origin: String,
    /// The API area (cargo feature) the operation is in: its `x-aqua-feature`, else its first
    /// tag, as a feature name; `None` (in every build) without either, or when the code is not
    /// cut by area.
    pub feature: Option<String>,
}

/// A piece of a path template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathPart {
    /// Literal text, already valid in a URL path.
    Literal(String),
    /// The value of the parameter with this index in `Operation::params`.
    Param(usize),
}

/// Another path of an operation (`x-aqua-path-variants`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathVariant {
    /// The URL path of the servers that take this path (`/apps/api`), without a trailing
    /// slash.
    pub server_path: String,
    /// The path, split like [`Operation::path_parts`].
    pub parts: Vec<PathPart>,
    /// The spec's description of the variant (for readers of the spec: it is not generated).
    pub docs: Option<String>,
}

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamLocation {
    /// A path segment.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie in the `Cookie` header.
    Cookie,
}

/// One parameter of an operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// Rust name.
    pub name: String,
    /// Name on the wire.
    pub wire: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// Its type.
    pub ty: TypeRef,
    /// Whether it must be given.
    pub required: bool,
    /// Rustdoc text.
    pub docs: Option<String>,
    /// `minLength`, checked before sending.
    pub min_length: Option<usize>,
    /// `maxLength`, checked before sending.
    pub max_length: Option<usize>,
    /// `pattern`, checked before sending.
    pub pattern: Option<String>,
    /// `x-aqua-transport`: the transport sets this header itself; no setter is generated.
    pub transport: bool,
    /// `x-aqua-idempotency-key`: the request's idempotency key, generated when not given.
    pub idempotency_key: bool,
    /// For arrays and objects: one `name=value` pair per item or property (`explode: true`,
    /// the default in the query and cookies) or one value with the items joined.
    pub explode: bool,
    /// How the value is written (`style`, or JSON for a parameter with `content`).
    pub style: ParamStyle,
}

/// How a parameter's value is serialized (OpenAPI's `style`, or `content`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamStyle {
    /// `form` (query and cookies): `name=a&name=b`, or `name=a,b` unexploded; an object's
    /// properties as pairs of their own (`a=1&b=2`), or `name=a,1,b,2`.
    Form,
    /// `spaceDelimited` (query arrays and objects): items joined by `%20`.
    SpaceDelimited,
    /// `pipeDelimited` (query arrays and objects): items joined by `|`.
    PipeDelimited,
    /// `deepObject` (query objects): `name[a]=1&name[b]=2`.
    DeepObject,
    /// `simple` (path and headers): items joined by `,`; an object as `a,1,b,2`, or `a=1,b=2`
    /// exploded.
    Simple,
    /// `label` (path): `.a.b`, or `.a,b` unexploded.
    Label,
    /// `matrix` (path): `;name=a;name=b`, or `;name=a,b` unexploded.
    Matrix,
    /// A parameter with `content` (`application/json`): the value as JSON text.
    Json,
}

/// How to wait for the resource an operation reads (`x-aqua-poll`).
#[derive(Clone, Debug, PartialEq)]
pub struct Poll {
    /// Rust name of the generated method (`wait_for_job`).
    pub method_name: String,
    /// Rust name of the watched field of the response.
    pub field: String,
    /// Wire name of the watched property.
    pub wire: String,
    /// Whether the field is a generated enum (else a string).
    pub field_is_enum: bool,
    /// Values that end the wait successfully.
    pub success: Vec<String>,
    /// Values that end the wait with a failure.
    pub failure: Vec<String>,
    /// Extra documentation.
    pub docs: Option<String>,
}

/// How a request body is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyEncoding {
    /// JSON (`application/json`, `text/json`, `application/…+json`).
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data`: one part per property (binary properties as files).
    Multipart,
    /// Text (`text/*`): a `String`.
    Text,
    /// Raw bytes (`format: binary`, XML, any other media type), sent with `content_type`.
    Binary,
}

/// A request body: what an operation may send, in one or several media types.
#[derive(Clone, Debug, PartialEq)]
pub struct Body {
    /// The media types it may be sent as, the preferred one first (JSON, then form,
    /// multipart, text and bytes); never empty. The builder's `body` setter (and the client
    /// method, for a required body) takes the first; the others have setters of their own.
    pub contents: Vec<Content>,
    /// With several contents: Rust name of the builder's private enum of them
    /// (`{Builder}Content`; the server input's enum is `{Builder}Body`).
    pub enum_name: Option<String>,
    /// Whether it must be given.
    pub required: bool,
    /// Rustdoc text.
    pub docs: Option<String>,
}

impl Body {
    /// The preferred content: the type of the `body` setter.
    pub fn first(&self) -> &Content {
        &self.contents[0]
    }
}

/// One media type of a request body.
#[derive(Clone, Debug, PartialEq)]
pub struct Content {
    /// The media types documented for it (keys of `content`, possibly ranges such as
    /// `image/*`): several when they share the encoding and the schema.
    pub media_types: Vec<String>,
    /// The `Content-Type` it is sent with by default (`application/octet-stream` for a
    /// range).
    pub content_type: String,
    /// Rust name of the builder's setter of the `Content-Type` (`content_type`), for raw
    /// bytes of several media types or of a range.
    pub content_type_setter: Option<String>,
    /// Its type (`String` for text, `Vec<u8>` for bytes).
    pub ty: TypeRef,
    /// How it is encoded.
    pub encoding: BodyEncoding,
    /// `encoding`: how single properties of a form or multipart body are written.
    pub properties: Vec<PropertyEncoding>,
    /// Rust name of its variant in the bodies' enums (`Json`, `Xml`, `Form`, …).
    pub variant: String,
    /// Rust name of its builder setter (`body` for the first, `body_xml`, …).
    pub setter: String,
}

/// How one property of a form or multipart body is written (`encoding` in the spec).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyEncoding {
    /// The property's wire name.
    pub wire: String,
    /// `style: deepObject` (form bodies): nested values as `name[key]=value`, array items as
    /// `name[0]=value`.
    pub deep_object: bool,
    /// `contentType` (multipart bodies): the part's `Content-Type`.
    pub content_type: Option<String>,
}

/// What a successful call returns.
#[derive(Clone, Debug, PartialEq)]
pub enum Success {
    /// The operation documents one success response.
    One(Response),
    /// It documents several: the call returns an enum with one variant per status.
    Several(Several),
}

impl Success {
    /// The docs of the (first) success response.
    pub fn docs(&self) -> Option<&str> {
        match self {
            Success::One(response) => response.docs.as_deref(),
            Success::Several(several) => several.alternatives.first()?.docs.as_deref(),
        }
    }

    /// The type of the decoded JSON body, for one success response with a JSON body.
    pub fn json(&self) -> Option<&TypeRef> {
        match self {
            Success::One(Response {
                body: ResponseBody::Json { ty, .. },
                ..
            }) => Some(ty),
            _ => None,
        }
    }
}

/// The one success response of an operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    /// The HTTP status documented for it.
    pub status: u16,
    /// Rustdoc text of the response.
    pub docs: Option<String>,
    /// Its body.
    pub body: ResponseBody,
}

/// The body of a success response.
#[derive(Clone, Debug, PartialEq)]
pub enum ResponseBody {
    /// No body: the call returns `()`.
    Empty,
    /// A JSON body, decoded as `ty`.
    Json {
        /// The type it decodes as.
        ty: TypeRef,
        /// `x-aqua-error-in-body`: the Rust name of the field whose absence makes the client
        /// check the body for an error.
        error_unless_field: Option<String>,
        /// The JSON media types documented, when other than `application/json` alone (sent
        /// as `Accept`).
        media_types: Vec<String>,
    },
    /// A text body (`text/*`), read whole as a `String`.
    Text {
        /// The media types it may come as (sent as `Accept`).
        media_types: Vec<String>,
    },
    /// A body of another media type (XML, images, …), read whole as `Vec<u8>`.
    Bytes {
        /// The media types it may come as (sent as `Accept`).
        media_types: Vec<String>,
    },
    /// A binary body (`format: binary`, `application/octet-stream`, `*/*`), streamed and never
    /// decoded (a `Download`).
    Binary {
        /// The media types it may come as (sent as `Accept`).
        media_types: Vec<String>,
    },
}

impl ResponseBody {
    /// The media types sent as `Accept`, joined (`None`: the default `application/json`).
    pub fn accept(&self) -> Option<String> {
        match self {
            ResponseBody::Empty => None,
            ResponseBody::Json { media_types, .. }
            | ResponseBody::Text { media_types }
            | ResponseBody::Bytes { media_types }
            | ResponseBody::Binary { media_types } => {
                (!media_types.is_empty()).then(|| media_types.join(", "))
            }
        }
    }
}

/// Several success responses of an operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Several {
    /// Rust name of the enum the call returns.
    pub enum_name: String,
    /// Every documented success response, in spec order (at least two).
    pub alternatives: Vec<Alternative>,
}

/// One of several success responses of an operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Alternative {
    /// Its HTTP status.
    pub status: u16,
    /// Rust name of its variant (`Ok`, `Created`, `Accepted`, …).
    pub name: String,
    /// Its body: never `Binary` (a streamed body is read whole here, as `Bytes`), and JSON
    /// without `x-aqua-error-in-body`.
    pub body: ResponseBody,
    /// Rustdoc text.
    pub docs: Option<String>,
}

/// A documented example.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// A stable, unique name (`getLastCompletedJob/200/json`).
    pub name: String,
    /// JSON pointer of the example.
    pub origin: String,
    /// The media type it illustrates.
    pub media_type: String,
    /// The type that must decode it.
    pub ty: TypeRef,
    /// The value as written in the spec.
    pub value: serde_json::Value,
    /// `x-aqua-raw-http`: the documented raw HTTP exchange, if any.
    pub raw_http: Option<String>,
}
