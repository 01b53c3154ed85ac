//! OpenAPI 3.1 documents, translated in place into the OpenAPI 3.0 shape that `openapiv3`
//! reads, before the lenient pass. What 3.1 says in another form than 3.0 (`type: [T, "null"]`,
//! `const`, `examples` in schemas, numeric `exclusiveMinimum`, `$ref` with sibling keywords,
//! `contentEncoding`, `components.pathItems`, a document without `paths`…) becomes what a 3.0
//! author writes for the same API, so that both generate the same client. What 3.1 (JSON
//! Schema 2020-12) can say and 3.0 cannot (`prefixItems`, `if`/`then`/`else`,
//! `patternProperties`, `$defs`…) is reported at its pointer, with what is generated instead.
//!
//! The translation keeps every node at its pointer, but for the few it makes or moves (the
//! branches of a union of several types, the `allOf` wrapper of a `$ref` with siblings, an
//! inlined path item…); [`Moves`] records where those were written, so that a diagnostic
//! names the pointer and the line of the 3.1 text.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::diag::{Diagnostics, Pointer};

/// Where the nodes the translation made or moved were written: the pointer of a node in the
/// translated tree → its pointer in the document's text. A node below a moved one moved with
/// it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Moves(HashMap<String, String>);

impl Moves {
    /// Records that the node at `new` was written at `written` (itself possibly moved).
    fn record(&mut self, new: &Pointer, written: &Pointer) {
        let written = self.original(written.as_str()).into_owned();
        if written != new.as_str() {
            self.0.insert(new.as_str().to_owned(), written);
        }
    }

    /// The pointer in the document's text of the node at `pointer` of the translated tree.
    pub(crate) fn original<'p>(&self, pointer: &'p str) -> Cow<'p, str> {
        if self.0.is_empty() {
            return Cow::Borrowed(pointer);
        }
        let mut end = pointer.len();
        loop {
            if let Some(written) = self.0.get(&pointer[..end]) {
                return Cow::Owned(format!("{written}{}", &pointer[end..]));
            }
            match pointer[..end].rfind('/') {
                Some(i) => end = i,
                None => return Cow::Borrowed(pointer),
            }
        }
    }
}

/// The dialect OpenAPI 3.1 reads schemas in, and JSON Schema 2020-12 itself.
const DIALECTS: [&str; 2] = [
    "https://spec.openapis.org/oas/3.1/dialect/base",
    "https://json-schema.org/draft/2020-12/schema",
];

/// The methods of a path item.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Translates the document-level parts of a 3.1 document (before the schemas, which
/// [`schema`] translates during the lenient walk).
pub(super) fn document(json: &mut Value, diags: &mut Diagnostics, moves: &mut Moves) {
    let Value::Object(doc) = json else { return };
    let root = Pointer::root();
    if doc.shift_remove("webhooks").is_some() {
        diags.warning(
            root.push("webhooks"),
            "`webhooks` are requests the API sends, not operations a client calls: they are not generated (the schemas they use are)",
        );
    }
    if let Some(dialect) = doc.shift_remove("jsonSchemaDialect")
        && !dialect
            .as_str()
            .is_some_and(|d| DIALECTS.contains(&d.trim_end_matches('#')))
    {
        diags.warning(
            root.push("jsonSchemaDialect"),
            format!("`jsonSchemaDialect: {dialect}` is not OpenAPI 3.1's dialect: the schemas are read as JSON Schema 2020-12"),
        );
    }
    if let Some(Value::Object(info)) = doc.get_mut("info")
        && let Some(Value::String(summary)) = info.shift_remove("summary")
    {
        // The summary leads the description, which documents the generated crate.
        let at = root.push("info");
        let description = match info.get("description").and_then(Value::as_str) {
            Some(d) if !d.trim().is_empty() => format!("{summary}\n\n{d}"),
            _ => {
                moves.record(&at.push("description"), &at.push("summary"));
                summary
            }
        };
        info.insert("description".to_owned(), Value::String(description));
    }
    let path_items = doc
        .get_mut("components")
        .and_then(Value::as_object_mut)
        .and_then(|c| c.shift_remove("pathItems"));
    let path_items = match path_items {
        Some(Value::Object(items)) => items,
        _ => Map::new(),
    };
    match doc.get_mut("paths") {
        Some(Value::Object(paths)) => {
            let at = root.push("paths");
            for (path, item) in paths.iter_mut() {
                if path.starts_with("x-") {
                    continue;
                }
                inline_path_item(item, &at.push(path), &path_items, moves);
                for_each_operation(item, |op| {
                    // A 3.1 operation may leave its responses out.
                    op.entry("responses").or_insert_with(|| json!({}));
                });
            }
        }
        Some(_) => {}
        None => {
            // A 3.1 document may have no paths (webhooks or components only): it generates
            // its types.
            doc.insert("paths".to_owned(), json!({}));
        }
    }
    mutual_tls(doc, diags);
}

/// A path item that is a `$ref` to `components.pathItems` is the path item it names (3.0 has
/// no `pathItems`, and the generator reads no path item references); its own keys stay.
fn inline_path_item(
    item: &mut Value,
    at: &Pointer,
    path_items: &Map<String, Value>,
    moves: &mut Moves,
) {
    let Some(Value::String(reference)) = item.get("$ref") else {
        return;
    };
    let Some(key) = reference.strip_prefix("#/components/pathItems/") else {
        return;
    };
    let key = key.replace("~1", "/").replace("~0", "~");
    let Some(Value::Object(target)) = path_items.get(&key) else {
        return;
    };
    if target.get("$ref").is_some() {
        return;
    }
    let written = Pointer::root()
        .push("components")
        .push("pathItems")
        .push(&key);
    let Value::Object(map) = item else { return };
    map.shift_remove("$ref");
    for (k, v) in target {
        if !map.contains_key(k) {
            moves.record(&at.push(k), &written.push(k));
            map.insert(k.clone(), v.clone());
        }
    }
}

/// Calls `f` on every operation of a path item.
fn for_each_operation(item: &mut Value, mut f: impl FnMut(&mut Map<String, Value>)) {
    let Value::Object(item) = item else { return };
    for method in METHODS {
        if let Some(Value::Object(op)) = item.get_mut(method) {
            f(op);
        }
    }
}

/// 3.1's `mutualTLS` security scheme: the TLS client certificate is the transport's, not a
/// credential of the generated client; the scheme is left out.
fn mutual_tls(doc: &mut Map<String, Value>, diags: &mut Diagnostics) {
    let Some(Value::Object(schemes)) = doc
        .get_mut("components")
        .and_then(|c| c.get_mut("securitySchemes"))
    else {
        return;
    };
    let at = Pointer::root().push("components").push("securitySchemes");
    schemes.retain(|name, scheme| {
        if scheme.get("type").and_then(Value::as_str) != Some("mutualTLS") {
            return true;
        }
        diags.warning(
            at.push(name).push("type"),
            "`mutualTLS` (a TLS client certificate) is not a credential of the generated client: the scheme is left out (configure the certificate in the HTTP client)",
        );
        false
    });
}

/// What a JSON Schema 2020-12 keyword that 3.0 has not becomes.
enum Unsaid {
    /// Annotations and identifiers: nothing to generate.
    Quiet,
    /// A check the generated types do not make; they accept more values, never fewer.
    Unchecked,
    /// It changes the shape of the values: the schema is any value.
    Shape,
    /// `$defs`: schemas only `$ref`s reach.
    Defs,
}

impl Unsaid {
    fn of(keyword: &str, value: &Value) -> Option<Unsaid> {
        Some(match keyword {
            "$comment" | "$id" | "$anchor" | "$dynamicAnchor" | "$schema" | "$vocabulary"
            | "contentSchema" => Unsaid::Quiet,
            "unevaluatedProperties" | "unevaluatedItems" if value == &Value::Bool(true) => {
                Unsaid::Quiet
            }
            "unevaluatedProperties" | "unevaluatedItems" if value == &Value::Bool(false) => {
                Unsaid::Unchecked
            }
            "propertyNames" | "contains" | "minContains" | "maxContains" | "dependentRequired" => {
                Unsaid::Unchecked
            }
            "prefixItems"
            | "if"
            | "then"
            | "else"
            | "dependentSchemas"
            | "patternProperties"
            | "unevaluatedProperties"
            | "unevaluatedItems"
            | "$dynamicRef"
            | "$recursiveRef" => Unsaid::Shape,
            "$defs" => Unsaid::Defs,
            _ => return None,
        })
    }
}

/// Translates one schema node of a 3.1 document (not its subschemas, which the walk visits
/// after it, at the pointers this leaves them at).
pub(super) fn schema(value: &mut Value, at: &Pointer, diags: &mut Diagnostics, moves: &mut Moves) {
    if value == &Value::Bool(true) {
        // Any value.
        *value = json!({});
        return;
    }
    if value == &Value::Bool(false) {
        diags.warning(
            at,
            "the schema `false` (no value matches it) has no Rust type: generated as `serde_json::Value`",
        );
        *value = json!({});
        return;
    }
    let Value::Object(map) = value else { return };
    if map.get("$ref").is_some_and(Value::is_string) {
        if !map.keys().any(|k| k != "$ref" && !k.starts_with("x-")) {
            return;
        }
        // `$ref` with siblings: the referenced schema and the siblings both apply, as in the
        // `allOf` wrapper a 3.0 author writes for it.
        let reference = map.shift_remove("$ref").unwrap_or_default();
        let parts = map.entry("allOf").or_insert_with(|| json!([]));
        if let Value::Array(parts) = parts {
            moves.record(&at.push("allOf").push(parts.len()), at);
            parts.push(json!({ "$ref": reference }));
        }
    }
    unsaid(map, at, diags);
    if let Some(c) = map.shift_remove("const")
        && !map.contains_key("enum")
    {
        moves.record(&at.push("enum"), &at.push("const"));
        map.insert("enum".to_owned(), json!([c]));
    }
    if let Some(Value::Array(examples)) = map.get("examples") {
        if !map.contains_key("example")
            && let Some(first) = examples.first()
        {
            let first = first.clone();
            moves.record(&at.push("example"), &at.push("examples").push(0));
            map.insert("example".to_owned(), first);
        }
        map.shift_remove("examples");
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        exclusive_bound(map, at, exclusive, bound, moves);
    }
    content(map);
    null_alternatives(map, at, moves);
    types(map, at, diags, moves);
}

/// Reports the keywords of JSON Schema 2020-12 that 3.0 has not; one that changes the shape
/// of the values makes the schema any value.
fn unsaid(map: &mut Map<String, Value>, at: &Pointer, diags: &mut Diagnostics) {
    let mut shape = false;
    let keys: Vec<String> = map.keys().cloned().collect();
    for key in keys {
        let Some(what) = map.get(&key).and_then(|v| Unsaid::of(&key, v)) else {
            continue;
        };
        match what {
            Unsaid::Quiet => {}
            Unsaid::Unchecked => diags.warning(
                at.push(&key),
                format!("`{key}` (JSON Schema 2020-12) is not checked: the generated type accepts the values it would refuse"),
            ),
            Unsaid::Shape => {
                diags.warning(
                    at.push(&key),
                    format!("`{key}` (JSON Schema 2020-12) cannot be said in Rust types: the schema is generated as `serde_json::Value`"),
                );
                shape = true;
            }
            Unsaid::Defs => diags.warning(
                at.push(&key),
                "`$defs` is not supported: its schemas are not generated, and a `$ref` to one is `serde_json::Value`",
            ),
        }
        map.shift_remove(&key);
    }
    if shape {
        map.retain(|k, _| matches!(k.as_str(), "title" | "description") || k.starts_with("x-"));
    }
}

/// A numeric `exclusiveMinimum` (the bound itself) is 3.0's `minimum` with
/// `exclusiveMinimum: true`, or nothing when `minimum` already says more.
fn exclusive_bound(
    map: &mut Map<String, Value>,
    at: &Pointer,
    exclusive: &str,
    bound: &str,
    moves: &mut Moves,
) {
    let Some(Value::Number(n)) = map.get(exclusive) else {
        return;
    };
    let n = n.clone();
    let tighter = match map.get(bound).and_then(Value::as_f64) {
        None => true,
        Some(b) => {
            let e = n.as_f64().unwrap_or(b);
            if exclusive == "exclusiveMinimum" {
                e >= b
            } else {
                e <= b
            }
        }
    };
    if tighter {
        moves.record(&at.push(bound), &at.push(exclusive));
        map.insert(bound.to_owned(), Value::Number(n));
        map.insert(exclusive.to_owned(), Value::Bool(true));
    } else {
        map.shift_remove(exclusive);
    }
}

/// `contentEncoding: base64` is 3.0's `format: byte`; `contentMediaType` of a binary type on
/// a string without encoding is `format: binary`.
fn content(map: &mut Map<String, Value>) {
    let encoding = map.shift_remove("contentEncoding");
    let media = map.shift_remove("contentMediaType");
    if map.contains_key("format") {
        return;
    }
    let format = match (encoding.as_ref().and_then(Value::as_str), media) {
        (Some("base64" | "base64url"), _) => "byte",
        (Some("binary"), _) => "binary",
        (None, Some(Value::String(m))) if !textual(&m) => "binary",
        _ => return,
    };
    map.insert("format".to_owned(), json!(format));
}

/// Whether a media type is text (a string holds it as it is).
fn textual(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or("").trim();
    essence.starts_with("text/")
        || essence.ends_with("/json")
        || essence.ends_with("+json")
        || essence.ends_with("/xml")
        || essence.ends_with("+xml")
}

/// Whether a schema allows only `null`.
fn only_null(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(ts)) => !ts.is_empty() && ts.iter().all(|t| t == "null"),
        None => {
            schema.get("const") == Some(&Value::Null) || schema.get("enum") == Some(&json!([null]))
        }
        _ => false,
    }
}

/// A `oneOf`/`anyOf` alternative that is only `null` is 3.0's `nullable: true`; when one
/// alternative is left, it is the `allOf` wrapper of a 3.0 nullable reference.
fn null_alternatives(map: &mut Map<String, Value>, at: &Pointer, moves: &mut Moves) {
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(parts)) = map.get_mut(key) else {
            continue;
        };
        if !parts.iter().any(only_null) || parts.iter().all(only_null) {
            continue;
        }
        let written: Vec<usize> = (0..parts.len())
            .filter(|&i| !only_null(&parts[i]))
            .collect();
        parts.retain(|p| !only_null(p));
        let wrap = parts.len() == 1 && !map.contains_key("allOf");
        let kept = if wrap {
            let part = map.shift_remove(key).unwrap_or_default();
            map.insert("allOf".to_owned(), part);
            "allOf"
        } else {
            key
        };
        for (new, old) in written.into_iter().enumerate() {
            moves.record(&at.push(kept).push(new), &at.push(key).push(old));
        }
        map.insert("nullable".to_owned(), Value::Bool(true));
    }
}

/// The keywords that apply to values of one JSON type only.
fn keyword_type(keyword: &str, format: Option<&str>) -> Option<&'static str> {
    Some(match keyword {
        "minLength" | "maxLength" | "pattern" => "string",
        "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf" => "number",
        "items" | "minItems" | "maxItems" | "uniqueItems" => "array",
        "properties"
        | "additionalProperties"
        | "required"
        | "minProperties"
        | "maxProperties"
        | "discriminator" => "object",
        "format" => match format {
            Some("int32" | "int64") => "integer",
            Some("float" | "double") => "number",
            _ => "string",
        },
        _ => return None,
    })
}

/// The JSON type of an enum value.
fn value_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `type` as a list: with `null`, 3.0's `nullable: true`; with one other type, that type;
/// with several, a `oneOf` of one schema per type, each with the keywords of its type.
fn types(map: &mut Map<String, Value>, at: &Pointer, diags: &mut Diagnostics, moves: &mut Moves) {
    let list: Vec<String> = match map.get("type") {
        Some(Value::Array(ts)) if ts.iter().all(Value::is_string) => {
            let mut list: Vec<String> = Vec::new();
            for t in ts.iter().filter_map(Value::as_str) {
                if !list.iter().any(|l| l == t) {
                    list.push(t.to_owned());
                }
            }
            list
        }
        Some(Value::String(t)) if t == "null" => vec![t.clone()],
        _ => return,
    };
    let nullable = list.iter().any(|t| t == "null");
    let kinds: Vec<&str> = list
        .iter()
        .map(String::as_str)
        .filter(|t| *t != "null")
        .collect();
    match kinds.as_slice() {
        [] => {
            diags.warning(
                at.push("type"),
                "a schema that allows only `null` has no Rust type: generated as `serde_json::Value`",
            );
            map.shift_remove("type");
        }
        [one] => {
            map.insert("type".to_owned(), json!(one));
        }
        several if map.contains_key("oneOf") || map.contains_key("anyOf") => {
            diags.warning(
                at.push("type"),
                format!("`type` lists several types ({}) beside `oneOf`/`anyOf`: generated as `serde_json::Value`", several.join(", ")),
            );
            map.retain(|k, _| matches!(k.as_str(), "title" | "description") || k.starts_with("x-"));
            return;
        }
        several => {
            map.shift_remove("type");
            let format = map.get("format").and_then(Value::as_str).map(str::to_owned);
            let mut branches: Vec<Map<String, Value>> = several
                .iter()
                .map(|t| {
                    let mut b = Map::new();
                    b.insert("type".to_owned(), json!(t));
                    b
                })
                .collect();
            let branch_of = |t: &str| {
                several.iter().position(|k| *k == t).or_else(|| {
                    (t == "integer")
                        .then(|| several.iter().position(|k| *k == "number"))
                        .flatten()
                })
            };
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                let Some(t) = keyword_type(&key, format.as_deref()) else {
                    continue;
                };
                let Some(v) = map.shift_remove(&key) else {
                    continue;
                };
                // A numeric keyword applies to integers and numbers alike.
                let targets: Vec<usize> = (0..several.len())
                    .filter(|&i| several[i] == t || (t == "number" && several[i] == "integer"))
                    .collect();
                for i in targets {
                    branches[i].insert(key.clone(), v.clone());
                }
            }
            if let Some(Value::Array(values)) = map.shift_remove("enum") {
                for (j, v) in values.into_iter().enumerate() {
                    let Some(i) = branch_of(value_type(&v)) else {
                        continue;
                    };
                    let list = branches[i].entry("enum").or_insert_with(|| json!([]));
                    if let Value::Array(list) = list {
                        moves.record(
                            &at.push("oneOf").push(i).push("enum").push(list.len()),
                            &at.push("enum").push(j),
                        );
                        list.push(v);
                    }
                }
            }
            for i in 0..branches.len() {
                moves.record(&at.push("oneOf").push(i), at);
            }
            map.insert(
                "oneOf".to_owned(),
                Value::Array(branches.into_iter().map(Value::Object).collect()),
            );
        }
    }
    if nullable {
        map.insert("nullable".to_owned(), Value::Bool(true));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn translated(mut schema: Value) -> (Value, Vec<String>, Moves) {
        let mut diags = Diagnostics::new("t.json");
        let mut moves = Moves::default();
        super::schema(
            &mut schema,
            &Pointer::root().push("s"),
            &mut diags,
            &mut moves,
        );
        let messages = diags
            .items
            .iter()
            .map(|d| format!("{}: {}", d.pointer, d.message))
            .collect();
        (schema, messages, moves)
    }

    #[test]
    fn a_type_list_with_null_is_nullable() {
        let (s, m, _) = translated(json!({"type": ["string", "null"], "maxLength": 3}));
        assert_eq!(
            s,
            json!({"type": "string", "maxLength": 3, "nullable": true})
        );
        assert!(m.is_empty(), "{m:?}");
    }

    #[test]
    fn several_types_are_a_union_with_the_keywords_of_each() {
        let (s, m, moves) = translated(json!({
            "description": "d", "type": ["integer", "string", "null"],
            "minimum": 1, "maxLength": 3, "enum": ["a", 2, null],
        }));
        assert_eq!(
            s,
            json!({"description": "d", "oneOf": [
                {"type": "integer", "minimum": 1, "enum": [2]},
                {"type": "string", "maxLength": 3, "enum": ["a"]},
            ], "nullable": true})
        );
        assert!(m.is_empty(), "{m:?}");
        assert_eq!(moves.original("#/s/oneOf/1/maxLength"), "#/s/maxLength");
        assert_eq!(moves.original("#/s/oneOf/1/enum/0"), "#/s/enum/0");
        assert_eq!(moves.original("#/s/oneOf/0/enum/0"), "#/s/enum/1");
        assert_eq!(moves.original("#/s/oneOfX"), "#/s/oneOfX");
    }

    #[test]
    fn a_reference_with_siblings_is_an_all_of_wrapper() {
        let (s, _, moves) =
            translated(json!({"$ref": "#/components/schemas/A", "description": "d"}));
        assert_eq!(
            s,
            json!({"description": "d", "allOf": [{"$ref": "#/components/schemas/A"}]})
        );
        assert_eq!(moves.original("#/s/allOf/0/$ref"), "#/s/$ref");
        let plain = json!({"$ref": "#/components/schemas/A", "x-a": 1});
        assert_eq!(translated(plain.clone()).0, plain);
    }

    #[test]
    fn a_null_alternative_is_nullable() {
        let (s, _, moves) = translated(json!({"oneOf": [{"type": "null"}, {"$ref": "#/A"}]}));
        assert_eq!(s, json!({"allOf": [{"$ref": "#/A"}], "nullable": true}));
        assert_eq!(moves.original("#/s/allOf/0"), "#/s/oneOf/1");
    }

    #[test]
    fn const_examples_bounds_and_encodings() {
        let (s, m, _) = translated(json!({
            "const": "x", "examples": ["x", "y"], "type": "string", "contentEncoding": "base64",
        }));
        assert_eq!(
            s,
            json!({"type": "string", "enum": ["x"], "example": "x", "format": "byte"})
        );
        assert!(m.is_empty(), "{m:?}");
        let (s, _, _) = translated(
            json!({"type": "number", "exclusiveMinimum": 0, "minimum": -1, "exclusiveMaximum": 9, "maximum": 5}),
        );
        assert_eq!(
            s,
            json!({"type": "number", "exclusiveMinimum": true, "minimum": 0, "maximum": 5})
        );
        let (s, _, _) = translated(json!({"type": "string", "contentMediaType": "image/png"}));
        assert_eq!(s, json!({"type": "string", "format": "binary"}));
        let (s, _, _) =
            translated(json!({"type": "string", "contentMediaType": "application/json"}));
        assert_eq!(s, json!({"type": "string"}));
    }

    #[test]
    fn what_rust_types_cannot_say_is_any_value_with_a_warning() {
        let (s, m, _) = translated(
            json!({"description": "d", "type": "array", "prefixItems": [{}], "$comment": "c"}),
        );
        assert_eq!(s, json!({"description": "d"}));
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].starts_with("#/s/prefixItems: "), "{m:?}");
        let (s, m, _) = translated(
            json!({"type": "object", "propertyNames": {"pattern": "a"}, "unevaluatedProperties": true}),
        );
        assert_eq!(s, json!({"type": "object"}));
        assert_eq!(m.len(), 1, "{m:?}");
    }
}
