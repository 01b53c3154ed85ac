//! Stage 2, lowering: `openapiv3` → [`model::Api`](crate::model::Api).
//!
//! Phases: (1) reserve a Rust name for every component schema, (2) convert schemas, servers and
//! security schemes, (3) convert operations and examples, (4) break cycles of types with `Box`
//! and mark the types sent in requests. Problems are collected per phase and reported together,
//! each with the JSON pointer of the offending node. Nothing is dropped silently: a construct we
//! cannot generate exactly is a warning that says what was generated instead, or an error when
//! nothing sound can be.
//!
//! One `impl Lowerer` block per concern, one file each:
//!
//! | File | Concern |
//! |---|---|
//! | `refs.rs` | `$ref`s to component schemas, parameters, responses |
//! | `extensions.rs` | the vendor extensions: name, place and value type of each |
//! | `extension_keys.rs` | every extensions map of the document, for unknown `x-aqua-*` keys |
//! | `schema.rs` | a schema in a type position: scalars, arrays, maps, and the dispatch to named types |
//! | `objects.rs` | object schemas: fields, limits, `pattern` |
//! | `compose.rs` | `allOf` merges, `oneOf`/`anyOf` unions, `x-aqua-flex` |
//! | `enums.rs` | string enums |
//! | `servers.rs`, `security.rs` | `servers` and `components.securitySchemes` |
//! | `operation.rs` | one operation: a driver over the steps below, sharing `operation::OperationContext` |
//! | `params.rs`, `paths.rs`, `bodies.rs`, `responses.rs`, `poll.rs` | those steps |
//! | `media.rs` | what a body of a media type becomes (JSON, text, bytes, a download) |
//! | `examples.rs` | documented examples |
//! | `cycles.rs` | `$ref` cycles and the boxing of recursive fields |

mod bodies;
mod compose;
mod cycles;
mod enums;
mod examples;
mod extension_keys;
mod extensions;
mod features;
mod infer;
mod inherit;
mod media;
mod objects;
mod operation;
mod params;
mod paths;
mod pointers;
mod poll;
mod refs;
mod responses;
mod schema;
mod security;
mod servers;

pub use schema::MAX_DEPTH;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use openapiv3::{OpenAPI, ReferenceOr, Schema};

use crate::diag::{Diagnostics, Pointer};
use crate::model::{Api, Example, TypeDef, TypeKind, TypeRef};
use crate::names::{self, Scope};

const SCHEMAS: &str = "#/components/schemas/";

/// Names the generated crate root defines by itself; schema types never take them.
const RESERVED_TYPES: &[&str] = &[
    "Client",
    "ClientBuilder",
    "Credentials",
    "Environment",
    "Error",
    "Result",
    "Option",
    "Vec",
    "String",
    "Box",
    "Some",
    "None",
    "Ok",
    "Err",
    "Into",
    "From",
    "Send",
    "Sync",
];

/// Client methods that operations must not shadow.
const RESERVED_METHODS: &[&str] = &[
    "new",
    "builder",
    "base_url",
    "with_base_url",
    "with_host",
    "with_config",
    "core",
    "inner",
    "clone",
];

/// Lowers a loaded spec into the model, with the warnings found on the way (empty when there
/// were none); `Err` holds the errors, warnings included.
pub fn lower(doc: &OpenAPI, source_name: &str) -> Result<(Api, Diagnostics), Diagnostics> {
    crate::stack::deep(|| lower_here(doc, source_name))
}

fn lower_here(doc: &OpenAPI, source_name: &str) -> Result<(Api, Diagnostics), Diagnostics> {
    let mut l = Lowerer {
        doc,
        diags: Diagnostics::new(source_name),
        types: BTreeMap::new(),
        type_scope: Scope::with_reserved(RESERVED_TYPES),
        method_scope: Scope::with_reserved(RESERVED_METHODS),
        component_names: HashMap::new(),
        warned: HashSet::new(),
        examples: Vec::new(),
        seen_examples: BTreeSet::new(),
        area_sources: BTreeMap::new(),
        inline_types: HashMap::new(),
        inline_shapes: HashMap::new(),
        reached_converting: HashSet::new(),
        shared_inline: HashSet::new(),
        hierarchies: inherit::Hierarchies::default(),
        depth: 0,
    };

    // Phase 1: names for every component schema, in spec order.
    l.reserve_component_names();
    l.find_hierarchies();

    // Phase 2: the vendor extensions used, schemas, servers, security.
    l.check_extension_keys();
    l.component_schemas();
    let servers = l.servers();
    let (security, requirement) = l.security();
    l.alias_cycles();
    l.diags.check()?;

    // Phase 3: operations and their examples.
    let (operations, error_type) = l.operations(&security, requirement.as_ref());
    l.diags.check()?;

    // Phase 4: break cycles, mark the types sent in requests.
    cycles::break_cycles(&mut l.types);
    bodies::mark_request_types(&mut l.types, &operations);

    let features = l.feature_summary(&operations);
    let api = Api {
        source_name: source_name.to_owned(),
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        description: doc.info.description.clone(),
        servers,
        security,
        requirement,
        types: l.types,
        operations,
        error_type,
        examples: l.examples,
        features,
        gates: BTreeMap::new(),
    };
    Ok((api, l.diags))
}

/// The state of one lowering: the document, what was found wrong, and the types and names
/// handed out so far.
struct Lowerer<'a> {
    doc: &'a OpenAPI,
    diags: Diagnostics,
    types: BTreeMap<String, TypeDef>,
    type_scope: Scope,
    /// Names of the `Client` methods (operations and `x-aqua-poll` waits).
    method_scope: Scope,
    /// Component schema key → Rust type name.
    component_names: HashMap<String, String>,
    /// The warnings recorded, by pointer and message (each is recorded once).
    warned: HashSet<(String, String)>,
    examples: Vec<Example>,
    seen_examples: BTreeSet<String>,
    /// API-area feature name → the tags and `x-aqua-feature` values it stands for.
    area_sources: BTreeMap<String, Vec<String>>,
    /// Inline schemas by pointer: being converted, or converted (see `Lowerer::inline`).
    inline_types: HashMap<String, Inline>,
    /// The named types made from inline schemas, by their shape (docs and kind, without the
    /// name): an inline schema whose type comes out equal to one made before is that type
    /// (see `Lowerer::keep_inline`).
    inline_shapes: HashMap<String, String>,
    /// The names of types being converted that a schema inside them reached (recursive
    /// types): such a type is kept even when its shape equals another's.
    reached_converting: HashSet<String>,
    /// Pointers of inline schemas outside the component schemas that a `$ref` names: their
    /// types are kept for every reach (see `Lowerer::inline`).
    shared_inline: HashSet<String>,
    /// The bases of hierarchies (a `discriminator` on a schema others extend).
    hierarchies: inherit::Hierarchies,
    /// How many inline schemas the one being converted is nested in.
    depth: usize,
}

/// The state of an inline schema's conversion.
enum Inline {
    /// Being converted into the named type.
    Converting(String),
    /// Converted (`None`: it could not be, and that was reported).
    Done(Option<TypeRef>),
}

impl<'a> Lowerer<'a> {
    /// Phase 1: a Rust name for every component schema, in spec order, before any is converted
    /// (so that references resolve whatever the order).
    fn reserve_component_names(&mut self) {
        for (key, _) in self.component_schemas_map() {
            let mut name = names::type_name(key);
            if RESERVED_TYPES.contains(&name.as_str()) {
                // `Error`, `Client`, …: the crate root defines these; the schema gets a suffix.
                name.push_str("Schema");
            }
            let name = self.type_scope.claim(name);
            self.component_names.insert(key.clone(), name);
        }
    }

    /// Phase 2: every component schema becomes a named type (and its example is kept).
    fn component_schemas(&mut self) {
        for (key, schema) in self.component_schemas_map() {
            let ptr = Pointer::root().push("components").push("schemas").push(key);
            let name = self.component_names[key].clone();
            match schema {
                ReferenceOr::Reference { reference } => {
                    if let Some(target) = self.reference(reference, &ptr.push("$ref")) {
                        self.types.insert(
                            name.clone(),
                            TypeDef {
                                name,
                                docs: None,
                                origin: ptr.into(),
                                kind: TypeKind::Alias(target),
                            },
                        );
                    }
                }
                ReferenceOr::Item(schema) => {
                    let def = match self.define_base(key, &name, schema, &ptr) {
                        Some(def) => def,
                        None => self.define(&name, schema, &ptr),
                    };
                    if let Some(def) = def {
                        self.types.insert(name, def);
                    }
                    if let Some(example) = &schema.schema_data.example {
                        self.schema_example(key, &ptr, example);
                    }
                }
            }
        }
    }

    /// `components.schemas` in spec order (nothing when the document has no components).
    fn component_schemas_map(
        &self,
    ) -> impl Iterator<Item = (&'a String, &'a ReferenceOr<Schema>)> + 'a {
        let doc = self.doc;
        doc.components.iter().flat_map(|c| c.schemas.iter())
    }
}

/// Summary and description, joined by a blank line (`None` when both are empty).
fn join_docs(summary: Option<&str>, description: Option<&str>) -> Option<String> {
    let parts: Vec<&str> = [summary, description]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

/// Whether a type can be a parameter: a scalar, an enum, a timestamp, or an alias of one.
fn is_scalar(t: &TypeRef, types: &BTreeMap<String, TypeDef>) -> bool {
    match t {
        TypeRef::String
        | TypeRef::Bool
        | TypeRef::I32
        | TypeRef::I64
        | TypeRef::F32
        | TypeRef::F64 => true,
        TypeRef::FlexInt
        | TypeRef::FlexString
        | TypeRef::FlexBool
        | TypeRef::Secret
        | TypeRef::Caseless(_) => true,
        TypeRef::Named(n) => match types.get(n).map(|d| &d.kind) {
            Some(
                TypeKind::Enum { .. } | TypeKind::NumberEnum { .. } | TypeKind::Timestamp { .. },
            ) => true,
            Some(TypeKind::Alias(a)) => is_scalar(a, types),
            _ => false,
        },
        TypeRef::Json | TypeRef::Bytes | TypeRef::Binary | TypeRef::Vec(_) | TypeRef::Map(_) => {
            false
        }
    }
}
