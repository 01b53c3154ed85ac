//! Extracting parameters from a request: path, query, header and cookie values, arrays by
//! their style, objects as JSON values, JSON-encoded parameters (`content`), and the route
//! dispatch of templates that share a route.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use axum::http::header;

use super::{HeaderMap, Rejection, Uri, bad_request};
use crate::encoding::Style;

/// The value of the path parameter `name`.
pub fn path_param(params: &[(String, String)], name: &str) -> Result<String, Rejection> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .ok_or_else(|| bad_request(format!("missing path parameter `{name}`")))
}

/// The value of the header `name`, if present and text.
pub fn header_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The value of the cookie `name` in the `Cookie` headers, percent-decoded, if present.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
}

/// The value of the query parameter `name`, if present.
pub fn query_value(uri: &Uri, name: &str) -> Option<String> {
    let query = uri.query()?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Every value of the array query parameter `name`: repeated pairs (`explode`) or one pair
/// with comma-separated items.
pub fn query_values(uri: &Uri, name: &str, explode: bool) -> Vec<String> {
    let Some(query) = uri.query() else {
        return Vec::new();
    };
    let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default();
    let values = pairs.into_iter().filter(|(k, _)| k == name).map(|(_, v)| v);
    if explode {
        values.collect()
    } else {
        values
            .flat_map(|v| v.split(',').map(str::to_owned).collect::<Vec<_>>())
            .filter(|v| !v.is_empty())
            .collect()
    }
}

/// Parses a required parameter value.
pub fn parse_param<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, Rejection> {
    value
        .parse()
        .map_err(|_| bad_request(format!("invalid value for `{name}`")))
}

/// The pairs of a query, percent-decoded (`+` as a space).
fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    uri.query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .unwrap_or_default()
}

/// The items of a `style`d query array: repeated pairs when exploded, else one pair split at
/// the style's delimiter (`,`, ` `, `|`); `name[0]=…` pairs for `deepObject`.
pub fn query_items(uri: &Uri, name: &str, style: Style, explode: bool) -> Vec<String> {
    if style == Style::DeepObject {
        let prefix = format!("{name}[");
        return query_pairs(uri)
            .into_iter()
            .filter(|(k, _)| k.starts_with(&prefix) || k == name)
            .map(|(_, v)| v)
            .collect();
    }
    let sep = match style {
        Style::SpaceDelimited => ' ',
        Style::PipeDelimited => '|',
        _ => ',',
    };
    let values = query_pairs(uri)
        .into_iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v);
    if explode {
        values.collect()
    } else {
        values
            .flat_map(|v| v.split(sep).map(str::to_owned).collect::<Vec<_>>())
            .filter(|v| !v.is_empty())
            .collect()
    }
}

/// The items of a header array (`simple`: split at `,`).
pub fn header_items(headers: &HeaderMap, name: &str) -> Vec<String> {
    split_items(header_value(headers, name))
}

/// The items of a cookie array (split at `,`).
pub fn cookie_items(headers: &HeaderMap, name: &str) -> Vec<String> {
    split_items(cookie_value(headers, name))
}

fn split_items(value: Option<String>) -> Vec<String> {
    value
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// The value of a scalar path parameter of style `label` (`.value`) or `matrix`
/// (`;name=value`), without its prefix.
pub fn path_value(
    params: &[(String, String)],
    name: &str,
    style: Style,
) -> Result<String, Rejection> {
    let raw = path_param(params, name)?;
    let prefix = match style {
        Style::Label => ".".to_owned(),
        Style::Matrix => format!(";{name}="),
        _ => String::new(),
    };
    Ok(raw.strip_prefix(&prefix).unwrap_or(&raw).to_owned())
}

/// The items of a path array, by its style (`simple` `a,b`, `label` `.a.b`, `matrix`
/// `;name=a;name=b`).
pub fn path_items(
    params: &[(String, String)],
    name: &str,
    style: Style,
    explode: bool,
) -> Result<Vec<String>, Rejection> {
    let raw = path_param(params, name)?;
    let items: Vec<String> = match style {
        Style::Label => {
            let rest = raw.strip_prefix('.').unwrap_or(&raw);
            let sep = if explode { '.' } else { ',' };
            rest.split(sep).map(str::to_owned).collect()
        }
        Style::Matrix => {
            let key = format!("{name}=");
            raw.split(';')
                .filter_map(|p| p.strip_prefix(&key))
                .flat_map(|v| v.split(',').map(str::to_owned).collect::<Vec<_>>())
                .collect()
        }
        _ => raw.split(',').map(str::to_owned).collect(),
    };
    Ok(items.into_iter().filter(|v| !v.is_empty()).collect())
}

/// An object from alternating keys and values (`x,1,y,2`), or from `key=value` items.
fn object_of(items: &[&str], pairs: bool) -> Value {
    let mut map = Map::new();
    if pairs {
        for item in items {
            let (k, v) = item.split_once('=').unwrap_or((item, ""));
            map.insert(k.to_owned(), Value::String(v.to_owned()));
        }
    } else {
        for kv in items.chunks(2) {
            let v = kv.get(1).copied().unwrap_or_default();
            map.insert(kv[0].to_owned(), Value::String(v.to_owned()));
        }
    }
    Value::Object(map)
}

/// Sets `value` at the path of bracketed keys (`[a][0][b]`) in `root`.
fn insert_deep(root: &mut Map<String, Value>, keys: &[&str], value: String) {
    let Some((first, rest)) = keys.split_first() else {
        return;
    };
    if rest.is_empty() {
        root.insert((*first).to_owned(), Value::String(value));
        return;
    }
    let child = root
        .entry((*first).to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(map) = child {
        insert_deep(map, rest, value);
    }
}

/// A query object parameter as received, its values strings: `name[key]=value` pairs for
/// `deepObject`, every pair of the query for exploded `form`, else one pair of alternating
/// keys and values.
pub fn query_object(uri: &Uri, name: &str, style: Style, explode: bool) -> Option<Value> {
    let pairs = query_pairs(uri);
    match style {
        Style::DeepObject => {
            let mut root = Map::new();
            for (k, v) in &pairs {
                let Some(rest) = k.strip_prefix(name) else {
                    continue;
                };
                let keys: Vec<&str> = rest
                    .split('[')
                    .skip(1)
                    .map(|s| s.trim_end_matches(']'))
                    .collect();
                if !keys.is_empty() && rest.starts_with('[') {
                    insert_deep(&mut root, &keys, v.clone());
                }
            }
            (!root.is_empty()).then_some(Value::Object(root))
        }
        Style::Form if explode => {
            let map: Map<String, Value> = pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            (!map.is_empty()).then_some(Value::Object(map))
        }
        Style::Json => {
            let raw = pairs.into_iter().find(|(k, _)| k == name)?.1;
            serde_json::from_str(&raw).ok()
        }
        _ => {
            let items = query_items(uri, name, style, false);
            let items: Vec<&str> = items.iter().map(String::as_str).collect();
            (!items.is_empty()).then(|| object_of(&items, false))
        }
    }
}

/// A header object parameter as received (`x,1,y,2`, or `x=1,y=2` exploded).
pub fn header_object(headers: &HeaderMap, name: &str, explode: bool) -> Option<Value> {
    let raw = header_value(headers, name)?;
    let items: Vec<&str> = raw.split(',').map(str::trim).collect();
    Some(object_of(&items, explode))
}

/// A cookie object parameter as received (`x,1,y,2`).
pub fn cookie_object(headers: &HeaderMap, name: &str) -> Option<Value> {
    let raw = cookie_value(headers, name)?;
    let items: Vec<&str> = raw.split(',').collect();
    Some(object_of(&items, false))
}

/// A path object parameter as received, by its style.
pub fn path_object(
    params: &[(String, String)],
    name: &str,
    style: Style,
    explode: bool,
) -> Result<Value, Rejection> {
    let raw = path_param(params, name)?;
    let (rest, sep) = match style {
        Style::Label => (
            raw.strip_prefix('.').unwrap_or(&raw).to_owned(),
            if explode { '.' } else { ',' },
        ),
        Style::Matrix if explode => (raw.trim_start_matches(';').to_owned(), ';'),
        Style::Matrix => {
            let key = format!(";{name}=");
            (raw.strip_prefix(&key).unwrap_or(&raw).to_owned(), ',')
        }
        _ => (raw.clone(), ','),
    };
    let items: Vec<&str> = rest.split(sep).collect();
    Ok(object_of(&items, explode))
}

/// Parses a parameter sent as JSON text (`content: application/json`).
pub fn json_param<T: DeserializeOwned>(name: &str, value: &str) -> Result<T, Rejection> {
    serde_json::from_str(value).map_err(|e| bad_request(format!("invalid JSON in `{name}`: {e}")))
}

/// The path parameters of a template, from a route mounted by position: for each segment key
/// (`p2`), the literal texts around its parameters and their names. `None` when the path
/// does not have the template's literal text. Between two parameters the first literal
/// match splits, but before the last parameter the last one does (`{name}.{ext}` reads
/// `a.b.pdf` as `a.b` and `pdf`).
pub fn path_values(
    params: &[(String, String)],
    pattern: &[(&str, &[&str], &[&str])],
) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (key, literals, names) in pattern {
        let (_, value) = params.iter().find(|(k, _)| k == key)?;
        let first = literals.first().copied().unwrap_or_default();
        let last = literals.get(names.len()).copied().unwrap_or_default();
        let mut rest = value.strip_prefix(first)?.strip_suffix(last)?;
        for (i, name) in names.iter().enumerate() {
            if i + 1 == names.len() {
                out.push(((*name).to_owned(), rest.to_owned()));
                break;
            }
            let sep = literals.get(i + 1).copied().unwrap_or_default();
            let end = if sep.is_empty() {
                // Two parameters with nothing between them: the first takes one character.
                rest.char_indices().nth(1).map_or(rest.len(), |(i, _)| i)
            } else if i + 2 == names.len() {
                rest.rfind(sep)?
            } else {
                rest.find(sep)?
            };
            out.push(((*name).to_owned(), rest[..end].to_owned()));
            rest = &rest[end + sep.len()..];
        }
    }
    Some(out)
}

/// Whether the query has every one of `names`.
pub fn query_has(uri: &Uri, names: &[&str]) -> bool {
    let pairs = query_pairs(uri);
    names.iter().all(|n| pairs.iter().any(|(k, _)| k == n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn segments_of_several_parameters_are_split_by_their_literals() {
        let p = params(&[("p2", "a.b.pdf")]);
        assert_eq!(
            path_values(&p, &[("p2", &["", ".", ""], &["name", "ext"])]),
            Some(params(&[("name", "a.b"), ("ext", "pdf")]))
        );
        assert_eq!(path_values(&p, &[("p2", &["", ".json"], &["id"])]), None);
        assert_eq!(
            path_values(
                &params(&[("p1", "v2-x-y")]),
                &[("p1", &["v", "-", "-", ""], &["a", "b", "c"])]
            ),
            Some(params(&[("a", "2"), ("b", "x"), ("c", "y")]))
        );
        assert_eq!(path_values(&p, &[("p9", &["", ""], &["id"])]), None);
    }

    #[test]
    fn objects_and_arrays_are_read_by_their_style() {
        let uri: Uri = "/s?f[a]=1&f[b][c]=x%20y&tags=a|b&t=a%20b&x=1"
            .parse()
            .unwrap();
        assert_eq!(
            query_object(&uri, "f", Style::DeepObject, true),
            Some(serde_json::json!({"a": "1", "b": {"c": "x y"}}))
        );
        assert_eq!(
            query_items(&uri, "tags", Style::PipeDelimited, false),
            ["a", "b"]
        );
        assert_eq!(
            query_items(&uri, "t", Style::SpaceDelimited, false),
            ["a", "b"]
        );
        assert_eq!(
            path_items(&params(&[("c", ";c=1;c=2")]), "c", Style::Matrix, true).unwrap(),
            ["1", "2"]
        );
        assert_eq!(
            path_object(&params(&[("p", ".x=1.y=2")]), "p", Style::Label, true).unwrap(),
            serde_json::json!({"x": "1", "y": "2"})
        );
        assert_eq!(
            path_value(&params(&[("id", ";id=7")]), "id", Style::Matrix).unwrap(),
            "7"
        );
        assert!(query_has(&uri, &["x", "t"]));
        assert!(!query_has(&uri, &["x", "nope"]));
    }
}
