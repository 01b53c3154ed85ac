//! The lenient pass over the JSON tree, before `openapiv3` reads it: what real documents write
//! in a form `openapiv3` refuses, but that has one clear meaning, is read in that meaning, with
//! a warning at the node (`minimum: "5"`, `exclusiveMinimum: 5` as in OpenAPI 3.1, a
//! `required: true` on a property as in JSON Schema draft 3, `pattern: 0`…). A schema that
//! still cannot be read becomes `{}` (any value, generated as `serde_json::Value`), with a
//! warning, and the rest of the document is read.
//!
//! Every schema is also checked on its own, with its subschemas left out, before the whole
//! document is read. That matters beyond the messages: `openapiv3` reads a `$ref`-or-schema
//! twice when it fails, at every level, so one bad schema nested `n` levels deep would cost
//! `2ⁿ` reads of it. Once every schema reads on its own, the whole document reads in one pass.
//!
//! The walk follows the structure of an OpenAPI 3.0 document (paths, operations, parameters,
//! media types, components, schemas) with a stack of its own, not recursion.

use serde::Deserialize as _;
use serde_json::{Map, Value, json};

use crate::diag::{Diagnostics, Pointer};

/// What a node of the document is, for the walk.
#[derive(Clone, Copy)]
enum Kind {
    Document,
    Components,
    PathItem,
    Operation,
    /// A parameter or a header: a `schema` or a `content`.
    Parameter,
    MediaType,
    Encoding,
    Response,
    RequestBody,
    /// A callback: path items by expression.
    Callback,
    Schema,
}

/// What a keyword of a schema holds.
#[derive(Clone, Copy, PartialEq)]
enum Expect {
    /// `title`, `description`: any scalar reads as its text.
    Text,
    /// `type`, `pattern`, `format`.
    String,
    Number,
    Bool,
    /// `exclusiveMinimum`, `exclusiveMaximum`: a boolean, or OpenAPI 3.1's number.
    Exclusive,
    Count,
    Names,
    List,
    Schemas,
    Schema,
    SchemaOrBool,
    SchemaMap,
    Discriminator,
    ExternalDocs,
}

impl Expect {
    fn of(keyword: &str) -> Option<Expect> {
        Some(match keyword {
            "title" | "description" => Expect::Text,
            "type" | "pattern" | "format" => Expect::String,
            "multipleOf" | "minimum" | "maximum" => Expect::Number,
            "nullable" | "readOnly" | "writeOnly" | "deprecated" | "uniqueItems" => Expect::Bool,
            "exclusiveMinimum" | "exclusiveMaximum" => Expect::Exclusive,
            "minLength" | "maxLength" | "minItems" | "maxItems" | "minProperties"
            | "maxProperties" => Expect::Count,
            "required" => Expect::Names,
            "enum" => Expect::List,
            "allOf" | "oneOf" | "anyOf" => Expect::Schemas,
            "items" | "not" => Expect::Schema,
            "additionalProperties" => Expect::SchemaOrBool,
            "properties" => Expect::SchemaMap,
            "discriminator" => Expect::Discriminator,
            "externalDocs" => Expect::ExternalDocs,
            _ => return None,
        })
    }

    fn what(self) -> &'static str {
        match self {
            Expect::Text | Expect::String => "a string",
            Expect::Number => "a number",
            Expect::Bool | Expect::Exclusive => "a boolean",
            Expect::Count => "a non-negative integer",
            Expect::Names => "a list of property names",
            Expect::List => "a list",
            Expect::Schemas => "a list of schemas",
            Expect::Schema => "a schema",
            Expect::SchemaOrBool => "a schema or a boolean",
            Expect::SchemaMap => "a map of schemas",
            Expect::Discriminator => "an object with a `propertyName`",
            Expect::ExternalDocs => "an object with a `url`",
        }
    }
}

/// What becomes of a keyword.
enum Fix {
    Keep,
    /// Read as this value.
    Read(Value),
    /// Ignored.
    Drop,
}

/// One node to visit.
struct Task<'v> {
    value: &'v mut Value,
    at: Pointer,
    kind: Kind,
}

/// Repairs `json` in place; every repair is a warning in `diags`. With `moves` (a 3.1
/// document), each schema is first translated into the 3.0 shape.
pub(super) fn repair(
    json: &mut Value,
    diags: &mut Diagnostics,
    mut moves: Option<&mut super::openapi31::Moves>,
) {
    let callbacks = json
        .pointer("/components/callbacks")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut stack = vec![Task {
        value: json,
        at: Pointer::root(),
        kind: Kind::Document,
    }];
    let mut children = Vec::new();
    while let Some(Task { value, at, kind }) = stack.pop() {
        if let Kind::Schema = kind {
            if let Some(moves) = moves.as_deref_mut() {
                super::openapi31::schema(value, &at, diags, moves);
            }
            schema(value, &at, diags);
        }
        let Value::Object(map) = value else { continue };
        if map.get("$ref").is_some_and(Value::is_string) {
            // A reference: OpenAPI 3.0 ignores what is beside it.
            continue;
        }
        if let Kind::Operation = kind {
            resolve_callbacks(map, &at, &callbacks, diags);
        }
        // Children in document order: pushed in reverse, popped in order.
        for (key, child) in map.iter_mut() {
            visit(kind, key, child, &at, &mut children);
        }
        stack.extend(children.drain(..).rev());
    }
}

/// Adds the nodes below `child` (the value of `key` in a node of kind `kind`) to visit.
fn visit<'v>(kind: Kind, key: &str, child: &'v mut Value, at: &Pointer, out: &mut Vec<Task<'v>>) {
    use Kind::*;
    if key.starts_with("x-") {
        return;
    }
    /// The child is a node of this kind, or a map or a list of such nodes.
    enum Below {
        One(Kind),
        Each(Kind),
    }
    let below = match (kind, key) {
        (Document, "paths") => Below::Each(PathItem),
        (Document, "components") => Below::One(Components),
        (Components, "schemas") => Below::Each(Schema),
        (Components, "parameters" | "headers") => Below::Each(Parameter),
        (Components, "responses") => Below::Each(Response),
        (Components, "requestBodies") => Below::Each(RequestBody),
        (Components | Operation, "callbacks") => Below::Each(Callback),
        (Callback, _) => Below::One(PathItem),
        (PathItem | Operation, "parameters") => Below::Each(Parameter),
        (PathItem, method) if METHODS.contains(&method) => Below::One(Operation),
        (Operation, "requestBody") => Below::One(RequestBody),
        (Operation, "responses") => Below::Each(Response),
        (Parameter | MediaType, "schema") => Below::One(Schema),
        (Parameter | Response | RequestBody, "content") => Below::Each(MediaType),
        (MediaType, "encoding") => Below::Each(Encoding),
        (Encoding | Response, "headers") => Below::Each(Parameter),
        (Schema, "properties" | "allOf" | "oneOf" | "anyOf") => Below::Each(Schema),
        (Schema, "items" | "not") => Below::One(Schema),
        (Schema, "additionalProperties") if child.is_object() => Below::One(Schema),
        _ => return,
    };
    let at = at.push(key);
    match (below, child) {
        (Below::One(kind), value) => out.push(Task { value, at, kind }),
        (Below::Each(kind), Value::Object(map)) => {
            // Paths, responses and callbacks have extensions beside their entries.
            let entries = map
                .iter_mut()
                .filter(|(k, _)| !(matches!(kind, PathItem | Response) && k.starts_with("x-")));
            out.extend(entries.map(|(k, value)| Task {
                value,
                at: at.push(k),
                kind,
            }));
        }
        (Below::Each(kind), Value::Array(items)) => {
            out.extend(items.iter_mut().enumerate().map(|(i, value)| Task {
                value,
                at: at.push(i),
                kind,
            }));
        }
        (Below::Each(_), _) => {}
    }
}

/// An operation's callbacks that are `$ref`s to `components.callbacks` are read as the callback
/// they name (OpenAPI allows either); a dangling one is left out, with a warning.
fn resolve_callbacks(
    operation: &mut Map<String, Value>,
    at: &Pointer,
    components: &Map<String, Value>,
    diags: &mut Diagnostics,
) {
    let Some(Value::Object(callbacks)) = operation.get_mut("callbacks") else {
        return;
    };
    let at = at.push("callbacks");
    callbacks.retain(|name, callback| {
        let Some(reference) = callback.get("$ref").and_then(Value::as_str) else {
            return true;
        };
        let target = reference
            .strip_prefix("#/components/callbacks/")
            .and_then(|key| components.get(&key.replace("~1", "/").replace("~0", "~")))
            .filter(|target| target.get("$ref").is_none());
        match target {
            Some(target) => {
                *callback = target.clone();
                true
            }
            None => {
                diags.warning(
                    at.push(name).push("$ref"),
                    format!("dangling reference `{reference}`: the callback is left out"),
                );
                false
            }
        }
    });
}

/// Repairs one schema node (not its subschemas, which the walk visits after it).
fn schema(value: &mut Value, at: &Pointer, diags: &mut Diagnostics) {
    let map = match value {
        Value::Object(map) => map,
        other => {
            let kind = match other {
                Value::Null => "null",
                Value::Bool(_) => "a boolean",
                Value::Number(_) => "a number",
                Value::String(_) => "a string",
                Value::Array(_) => "a list",
                Value::Object(_) => "an object",
            };
            diags.warning(
                at,
                format!("a schema must be an object, not {kind}: generated as `serde_json::Value`"),
            );
            *other = Value::Object(Map::new());
            return;
        }
    };
    if map.get("$ref").is_some_and(Value::is_string) {
        return;
    }
    let keys: Vec<String> = map.keys().cloned().collect();
    for key in keys {
        let Some(expect) = Expect::of(&key) else {
            continue;
        };
        let Some(v) = map.get_mut(&key) else { continue };
        let kat = at.push(&key);
        if expect == Expect::Exclusive
            && let Value::Number(n) = v
        {
            // OpenAPI 3.1 (JSON Schema 2020-12): the bound itself.
            let n = n.clone();
            let bound = if key == "exclusiveMinimum" {
                "minimum"
            } else {
                "maximum"
            };
            diags.warning(
                &kat,
                format!(
                    "`{key}: {n}` is OpenAPI 3.1's form: read as `{bound}: {n}` with `{key}: true`"
                ),
            );
            *v = Value::Bool(true);
            map.insert(bound.to_owned(), Value::Number(n));
            continue;
        }
        if key == "type"
            && let Some(t) = type_list(v)
        {
            diags.warning(
                &kat,
                format!(
                    "`type: {v}` is OpenAPI 3.1's form: read as `type: {t}` with `nullable: true`"
                ),
            );
            *v = Value::String(t);
            map.insert("nullable".to_owned(), Value::Bool(true));
            continue;
        }
        match fix(expect, v) {
            Fix::Keep => {}
            Fix::Read(new) => {
                diags.warning(
                    &kat,
                    format!("`{key}` must be {}: read as `{new}`", expect.what()),
                );
                *v = new;
            }
            Fix::Drop => {
                diags.warning(
                    &kat,
                    format!("`{key}` must be {}: the keyword is ignored", expect.what()),
                );
                map.shift_remove(&key);
            }
        }
    }
    draft3_required(map, at, diags);
    if let Err(e) = readable(map) {
        diags.warning(
            at,
            format!("this schema cannot be read ({e}): generated as `serde_json::Value`"),
        );
        map.clear();
    }
}

/// `type: [T, "null"]` (OpenAPI 3.1): the one type `T`.
fn type_list(v: &Value) -> Option<String> {
    let Value::Array(types) = v else { return None };
    let mut types = types.iter();
    let (Some(a), Some(b), None) = (types.next(), types.next(), types.next()) else {
        return None;
    };
    match (a.as_str()?, b.as_str()?) {
        ("null", t) | (t, "null") if t != "null" => Some(t.to_owned()),
        _ => None,
    }
}

/// What becomes of a keyword's value.
fn fix(expect: Expect, v: &Value) -> Fix {
    let text = |v: &Value| match v {
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match (expect, v) {
        (Expect::Text | Expect::String, Value::String(_)) => Fix::Keep,
        (Expect::Text, other) => text(other).map_or(Fix::Drop, |t| Fix::Read(Value::String(t))),
        (Expect::Number, Value::Number(_)) => Fix::Keep,
        (Expect::Number, Value::String(s)) => match s.trim().parse::<f64>() {
            Ok(f) if f.is_finite() => number(f).map_or(Fix::Drop, Fix::Read),
            _ => Fix::Drop,
        },
        (Expect::Bool | Expect::Exclusive, Value::Bool(_)) => Fix::Keep,
        (Expect::Bool | Expect::Exclusive, Value::String(s)) => match s.trim() {
            "true" => Fix::Read(Value::Bool(true)),
            "false" => Fix::Read(Value::Bool(false)),
            _ => Fix::Drop,
        },
        (Expect::Count, Value::Number(n)) if n.is_u64() => Fix::Keep,
        (Expect::Count, Value::Number(n)) => match n.as_f64() {
            Some(f) if f >= 0.0 && f.fract() == 0.0 && f < 1e15 => Fix::Read(json!(f as u64)),
            _ => Fix::Drop,
        },
        (Expect::Count, Value::String(s)) => match s.trim().parse::<u64>() {
            Ok(n) => Fix::Read(json!(n)),
            Err(_) => Fix::Drop,
        },
        (Expect::Names, Value::Array(names)) => {
            if names.iter().all(Value::is_string) {
                Fix::Keep
            } else {
                let kept: Vec<Value> = names.iter().filter(|n| n.is_string()).cloned().collect();
                Fix::Read(Value::Array(kept))
            }
        }
        (Expect::Names, Value::String(s)) => Fix::Read(json!([s])),
        (Expect::List, Value::Array(_)) => Fix::Keep,
        (Expect::List, Value::Object(_)) => Fix::Drop,
        (Expect::List, scalar) => Fix::Read(json!([scalar])),
        (Expect::Schemas, Value::Array(_)) => Fix::Keep,
        (Expect::Schemas, Value::Object(_)) => Fix::Read(json!([v])),
        (Expect::Schema | Expect::SchemaOrBool, Value::Object(_)) => Fix::Keep,
        (Expect::SchemaOrBool, Value::Bool(_)) => Fix::Keep,
        (Expect::Schema, Value::Array(items)) if items.len() == 1 && items[0].is_object() => {
            Fix::Read(items[0].clone())
        }
        (Expect::SchemaMap, Value::Object(_)) => Fix::Keep,
        (Expect::Discriminator, Value::Object(d)) => match d.get("propertyName") {
            Some(Value::String(_)) => match d.get("mapping") {
                None => Fix::Keep,
                Some(Value::Object(m)) if m.values().all(Value::is_string) => Fix::Keep,
                Some(Value::Object(m)) => {
                    let mut d = d.clone();
                    let kept: Map<String, Value> = m
                        .iter()
                        .filter(|(_, t)| t.is_string())
                        .map(|(k, t)| (k.clone(), t.clone()))
                        .collect();
                    d.insert("mapping".to_owned(), Value::Object(kept));
                    Fix::Read(Value::Object(d))
                }
                Some(_) => {
                    let mut d = d.clone();
                    d.shift_remove("mapping");
                    Fix::Read(Value::Object(d))
                }
            },
            _ => Fix::Drop,
        },
        (Expect::ExternalDocs, Value::Object(d)) if d.get("url").is_some_and(Value::is_string) => {
            Fix::Keep
        }
        _ => Fix::Drop,
    }
}

/// A JSON number for `f`: an integer when it is one.
fn number(f: f64) -> Option<Value> {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Some(json!(f as i64))
    } else {
        serde_json::Number::from_f64(f).map(Value::Number)
    }
}

/// `required: true` inside a property's schema (JSON Schema draft 3) lists the property in
/// its object's `required`.
fn draft3_required(map: &mut Map<String, Value>, at: &Pointer, diags: &mut Diagnostics) {
    let Some(Value::Object(properties)) = map.get_mut("properties") else {
        return;
    };
    let mut required = Vec::new();
    for (name, property) in properties.iter_mut() {
        let Value::Object(property) = property else {
            continue;
        };
        let Some(Value::Bool(flag)) = property.get("required") else {
            continue;
        };
        let flag = *flag;
        diags.warning(
            at.push("properties").push(name).push("required"),
            format!("`required: {flag}` on a property is JSON Schema draft 3's form: read as the object's `required` list"),
        );
        property.shift_remove("required");
        if flag {
            required.push(Value::String(name.clone()));
        }
    }
    if required.is_empty() {
        return;
    }
    match map.get_mut("required") {
        Some(Value::Array(list)) => {
            for name in required {
                if !list.contains(&name) {
                    list.push(name);
                }
            }
        }
        _ => {
            map.insert("required".to_owned(), Value::Array(required));
        }
    }
}

/// Whether `openapiv3` reads the schema, its subschemas left out (they are checked on their
/// own); the error if not.
fn readable(map: &Map<String, Value>) -> Result<(), String> {
    let mut shallow = Map::new();
    for (k, v) in map {
        let v = match k.as_str() {
            // Never refused (any value), and possibly large.
            "example" | "default" => continue,
            k if k.starts_with("x-") => continue,
            "properties" => Value::Object(Map::new()),
            "items" | "not" => Value::Object(Map::new()),
            "additionalProperties" if v.is_object() => Value::Object(Map::new()),
            "allOf" | "oneOf" | "anyOf" | "enum" if v.is_array() => Value::Array(Vec::new()),
            _ => v.clone(),
        };
        shallow.insert(k.clone(), v);
    }
    openapiv3::Schema::deserialize(&Value::Object(shallow))
        .map(drop)
        .map_err(|e| e.to_string())
}

/// The methods of a path item.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Leaves out the operations `openapiv3` cannot read (after the repairs), each with a warning
/// that names it and the node at fault; whether any was.
pub(super) fn leave_out_unreadable_operations(json: &mut Value, diags: &mut Diagnostics) -> bool {
    let Some(Value::Object(paths)) = json.get_mut("paths") else {
        return false;
    };
    let mut left_out = false;
    let at = Pointer::root().push("paths");
    for (path, item) in paths.iter_mut() {
        let Value::Object(item) = item else { continue };
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let Err(e) = serde_path_to_error::deserialize::<_, openapiv3::Operation>(op) else {
                continue;
            };
            let (pointer, message) = super::typed_error(at.push(path).push(method), e);
            let upper = method.to_ascii_uppercase();
            diags.warning(
                pointer,
                format!(
                    "the operation `{upper} {path}` cannot be read ({message}): it is left out"
                ),
            );
            item.shift_remove(method);
            left_out = true;
        }
    }
    left_out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repaired(mut json: Value) -> (Value, Vec<String>) {
        let mut diags = Diagnostics::new("t.json");
        repair(&mut json, &mut diags, None);
        let messages = diags
            .items
            .iter()
            .map(|d| format!("{}: {}", d.pointer, d.message))
            .collect();
        (json, messages)
    }

    #[test]
    fn a_callback_reference_is_the_callback_it_names() {
        let callback = json!({"{$request.body#/url}": {"post": {"responses": {"200": {"description": "ok"}}}}});
        let (json, messages) = repaired(json!({
            "paths": {"/jobs": {"post": {"callbacks": {"done": {"$ref": "#/components/callbacks/done"}}}}},
            "components": {"callbacks": {"done": callback}},
        }));
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(
            json["paths"]["/jobs"]["post"]["callbacks"]["done"],
            callback
        );
    }

    #[test]
    fn draft3_required_flags_join_the_object_list_once() {
        let (json, messages) = repaired(json!({"components": {"schemas": {"Page": {
            "type": "object",
            "required": ["size"],
            "properties": {
                "size": {"type": "integer", "required": true},
                "cursor": {"type": "string", "required": true},
                "note": {"type": "string", "required": false},
            },
        }}}}));
        let page = &json["components"]["schemas"]["Page"];
        assert_eq!(page["required"], json!(["size", "cursor"]));
        assert_eq!(page["properties"]["note"], json!({"type": "string"}));
        assert_eq!(messages.len(), 3, "{messages:?}");
    }

    #[test]
    fn examples_extensions_and_references_are_left_as_written() {
        let odd = json!({"type": "integer", "minimum": "1", "pattern": 0});
        let doc = json!({
            "x-odd": {"schema": odd},
            "components": {"schemas": {
                "A": {"type": "object", "example": {"properties": {"a": odd}}, "x-odd": odd},
                "B": {"$ref": "#/components/schemas/A", "minimum": "1"},
            }},
            "paths": {"x-odd": {"get": {"parameters": [{"schema": odd}]}}},
        });
        let (json, messages) = repaired(doc.clone());
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(json, doc);
    }

    #[test]
    fn every_schema_position_is_repaired() {
        let odd = json!({"type": "integer", "minimum": "1"});
        let media = json!({"application/json": {"schema": odd}});
        let (_, messages) = repaired(json!({
            "paths": {"/a": {
                "parameters": [{"schema": odd}],
                "get": {
                    "parameters": [{"content": media}],
                    "requestBody": {"content": media},
                    "responses": {"200": {"headers": {"h": {"schema": odd}}, "content": media}},
                    "callbacks": {"c": {"/cb": {"post": {"requestBody": {"content": media}}}}},
                },
            }},
            "components": {
                "schemas": {"S": {"type": "array", "items": {"allOf": [{"not": {"anyOf": [odd]}}]}}},
                "parameters": {"P": {"schema": {"additionalProperties": odd}}},
                "headers": {"H": {"schema": {"oneOf": [odd]}}},
                "requestBodies": {"R": {"content": {"a/b": {"encoding": {"e": {"headers": {"h": {"schema": odd}}}}}}}},
            },
        }));
        assert_eq!(messages.len(), 10, "{messages:#?}");
        assert!(
            messages
                .iter()
                .all(|m| m.ends_with("/minimum: `minimum` must be a number: read as `1`"))
        );
    }
}
