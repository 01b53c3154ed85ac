//! How parameter values and form or multipart bodies are written on the wire, as OpenAPI's
//! `style`, `explode` and `encoding` say.
//!
//! Values go through `serde_json::Value` first: scalars become their text (`true`, `42`,
//! `1.5`), arrays and objects are written by the style (an object's properties in the order of
//! their names, whatever the build's `serde_json` features), and values nested deeper than a
//! style can say are written as JSON text. Names and values are percent-encoded (every byte but
//! RFC 3986's unreserved characters); the delimiters a style adds (`,` `|` `.` `;` `=`, the
//! brackets of `deepObject`) are written as they are.
//!
//! | Style | Array `[a, b]` | Object `{x: 1, y: 2}` |
//! |---|---|---|
//! | `form` | `n=a&n=b`, or `n=a,b` unexploded | `x=1&y=2`, or `n=x,1,y,2` unexploded |
//! | `spaceDelimited` | `n=a%20b` | `n=x%201%20y%202` |
//! | `pipeDelimited` | `n=a\|b` | `n=x\|1\|y\|2` |
//! | `deepObject` | `n[0]=a&n[1]=b` | `n[x]=1&n[y]=2` |
//! | `simple` | `a,b` | `x,1,y,2`, or `x=1,y=2` exploded |
//! | `label` | `.a.b`, or `.a,b` unexploded | `.x=1.y=2`, or `.x,1,y,2` unexploded |
//! | `matrix` | `;n=a;n=b`, or `;n=a,b` unexploded | `;x=1;y=2`, or `;n=x,1,y,2` unexploded |

mod form;
pub(crate) mod multipart;

use std::borrow::Cow;

use percent_encoding::utf8_percent_encode;
use serde_json::Value;

pub(crate) use form::encode_form;
pub use multipart::Multipart;

/// How a parameter's value is serialized (OpenAPI's `style`, or JSON for a parameter with
/// `content`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Style {
    /// `form`: the query's and cookies' default.
    Form,
    /// `spaceDelimited`.
    SpaceDelimited,
    /// `pipeDelimited`.
    PipeDelimited,
    /// `deepObject`.
    DeepObject,
    /// `simple`: the path's and headers' default.
    Simple,
    /// `label`.
    Label,
    /// `matrix`.
    Matrix,
    /// The value as JSON text (a parameter with `content: application/json`).
    Json,
}

/// How one property of a form or multipart body is written (the body's `encoding` in the
/// spec); properties without one are written by the defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Property {
    /// The property's name.
    pub name: &'static str,
    /// `style: deepObject` (form bodies): `name[key]=value` for objects, `name[0]=value` for
    /// arrays.
    pub deep_object: bool,
    /// `contentType` (multipart bodies): the part's `Content-Type`.
    pub content_type: Option<&'static str>,
}

impl Property {
    /// A form property written as `deepObject`.
    pub const fn deep_object(name: &'static str) -> Self {
        Property {
            name,
            deep_object: true,
            content_type: None,
        }
    }

    /// A multipart property sent with this `Content-Type`.
    pub const fn content_type(name: &'static str, content_type: &'static str) -> Self {
        Property {
            name,
            deep_object: false,
            content_type: Some(content_type),
        }
    }
}

/// An object's entries in the order of their keys.
pub(crate) fn entries(map: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

/// Percent-encodes one name or value of a query, a form or a cookie: every byte but the
/// unreserved characters.
pub(crate) fn encode(s: &str) -> Cow<'_, str> {
    utf8_percent_encode(s, crate::path::UNRESERVED).into()
}

/// The text of a scalar (`true`, `42`, a string as it is); arrays and objects as JSON text;
/// `null` as the empty string.
pub(crate) fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// A value's items as texts: an array's items, an object's keys and values in turn, or the
/// scalar alone.
fn flat_items(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().map(scalar_text).collect(),
        Value::Object(map) => entries(map)
            .into_iter()
            .flat_map(|(k, v)| [k.clone(), scalar_text(v)])
            .collect(),
        scalar => vec![scalar_text(scalar)],
    }
}

/// The items of a value, each percent-encoded with `encode_item`, joined by `sep`.
fn joined(value: &Value, sep: &str, encode_item: fn(&str) -> Cow<'_, str>) -> String {
    flat_items(value)
        .iter()
        .map(|item| encode_item(item).into_owned())
        .collect::<Vec<_>>()
        .join(sep)
}

/// Appends the encoded `name=value` pairs of a query parameter to `out`.
pub(crate) fn query_pairs(
    name: &str,
    value: &Value,
    style: Style,
    explode: bool,
    out: &mut Vec<String>,
) {
    let n = encode(name);
    match (style, value) {
        (Style::Json, v) => out.push(format!("{n}={}", encode(&v.to_string()))),
        (Style::DeepObject, Value::Object(_) | Value::Array(_)) => {
            deep_pairs(&n, value, out);
        }
        (_, Value::Object(map)) if explode && style == Style::Form => {
            for (k, v) in entries(map) {
                out.push(format!("{}={}", encode(k), encode(&scalar_text(v))));
            }
        }
        (_, Value::Array(items)) if explode => {
            for item in items {
                out.push(format!("{n}={}", encode(&scalar_text(item))));
            }
        }
        (Style::SpaceDelimited, v @ (Value::Array(_) | Value::Object(_))) => {
            out.push(format!("{n}={}", joined(v, "%20", encode)));
        }
        (Style::PipeDelimited, v @ (Value::Array(_) | Value::Object(_))) => {
            out.push(format!("{n}={}", joined(v, "|", encode)));
        }
        (_, v) => out.push(format!("{n}={}", joined(v, ",", encode))),
    }
}

/// `name[key]=value` for each leaf of an object or array (array items by index), nested
/// as deep as the value is.
pub(crate) fn deep_pairs(prefix: &str, value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in entries(map) {
                deep_pairs(&format!("{prefix}[{}]", encode(k)), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                deep_pairs(&format!("{prefix}[{i}]"), v, out);
            }
        }
        scalar => out.push(format!("{prefix}={}", encode(&scalar_text(scalar)))),
    }
}

/// The value of a header parameter (`simple`): items joined by `,`; an object's pairs as
/// `key=value` when exploded. Not percent-encoded.
pub(crate) fn header_text(value: &Value, style: Style, explode: bool) -> String {
    match (style, value) {
        (Style::Json, v) => v.to_string(),
        (_, Value::Object(map)) if explode => entries(map)
            .into_iter()
            .map(|(k, v)| format!("{k}={}", scalar_text(v)))
            .collect::<Vec<_>>()
            .join(","),
        (_, v) => flat_items(v).join(","),
    }
}

/// The `name=value` of a cookie parameter (`form`): items joined by `,`, percent-encoded.
pub(crate) fn cookie_pair(name: &str, value: &Value, style: Style) -> String {
    match style {
        Style::Json => format!("{name}={}", encode(&value.to_string())),
        _ => format!("{name}={}", joined(value, ",", encode)),
    }
}

/// The text of a path parameter, each item encoded as (part of) one path segment.
pub(crate) fn path_text(name: &str, value: &Value, style: Style, explode: bool) -> String {
    let seg = crate::path::encode_segment;
    let pairs = |sep: &str, map: &serde_json::Map<String, Value>| {
        entries(map)
            .into_iter()
            .map(|(k, v)| format!("{}={}", seg(k), seg(&scalar_text(v))))
            .collect::<Vec<_>>()
            .join(sep)
    };
    match (style, value) {
        (Style::Json, v) => seg(&v.to_string()).into_owned(),
        (Style::Label, Value::Object(map)) if explode => format!(".{}", pairs(".", map)),
        (Style::Label, v) => {
            format!(".{}", joined(v, if explode { "." } else { "," }, seg))
        }
        (Style::Matrix, Value::Object(map)) if explode => format!(";{}", pairs(";", map)),
        (Style::Matrix, Value::Array(items)) if explode => items
            .iter()
            .map(|item| format!(";{}={}", seg(name), seg(&scalar_text(item))))
            .collect(),
        (Style::Matrix, v) => format!(";{}={}", seg(name), joined(v, ",", seg)),
        (_, Value::Object(map)) if explode => pairs(",", map),
        (_, v) => joined(v, ",", seg),
    }
}

#[cfg(test)]
mod tests;
