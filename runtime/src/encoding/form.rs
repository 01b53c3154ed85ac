//! `application/x-www-form-urlencoded` bodies: an object's properties as `name=value` pairs,
//! by the spec's defaults (`style: form, explode: true`: an array as one pair per item, an
//! object as pairs of its own properties) or by a property's `encoding` (`deepObject`:
//! `name[key]=value`, `name[0]=value`). Properties are written in the order of their names;
//! a space is written `+`, as HTML forms do.

use serde_json::Value;

use std::borrow::Cow;

use super::{Property, deep_pairs, entries, scalar_text};

/// Percent-encodes a name or value of a form, with `+` for a space (as HTML forms do).
fn encode(s: &str) -> Cow<'_, str> {
    let encoded = super::encode(s);
    if encoded.contains("%20") {
        Cow::Owned(encoded.replace("%20", "+"))
    } else {
        encoded
    }
}

/// The form encoding of `value`, which must be an object.
pub(crate) fn encode_form(value: &Value, properties: &[Property]) -> Result<String, String> {
    let Value::Object(map) = value else {
        return Err("a form body must be an object".to_owned());
    };
    let mut out = Vec::new();
    for (name, v) in entries(map) {
        let deep = properties.iter().any(|p| p.name == name && p.deep_object);
        let n = encode(name);
        match v {
            Value::Object(_) | Value::Array(_) if deep => {
                let mut pairs = Vec::new();
                deep_pairs(&n, v, &mut pairs);
                out.extend(pairs.into_iter().map(|p| p.replace("%20", "+")));
            }
            Value::Array(items) => {
                for item in items {
                    out.push(format!("{n}={}", encode(&scalar_text(item))));
                }
            }
            Value::Object(inner) => {
                for (k, item) in entries(inner) {
                    out.push(format!("{}={}", encode(k), encode(&scalar_text(item))));
                }
            }
            scalar => out.push(format!("{n}={}", encode(&scalar_text(scalar)))),
        }
    }
    Ok(out.join("&"))
}
