//! Documented examples of a spec, as generated code exposes them.

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// An example of the spec, with the generated type that decodes it.
#[derive(Clone, Copy, Debug)]
pub struct Example {
    /// A stable, unique name (`getLastCompletedJob/200/json`).
    pub name: &'static str,
    /// JSON pointer of the example in the spec.
    pub origin: &'static str,
    /// The media type it illustrates.
    pub media_type: &'static str,
    /// The Rust type that decodes it.
    pub type_name: &'static str,
    /// The example as JSON text.
    pub json: &'static str,
    /// The documented raw HTTP exchange (`x-aqua-raw-http`), if any.
    pub raw_http: Option<&'static str>,
    /// Decodes JSON text with the example's type.
    pub decode: fn(&str) -> Result<Decoded, serde_json::Error>,
}

/// An example decoded by its generated type.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    /// The decoded value, pretty-printed with `Debug`.
    pub debug: String,
    /// The decoded value encoded again.
    pub reencoded: serde_json::Value,
}

/// Decodes `json` as `T`, then encodes the value again.
pub fn decode_as<T: DeserializeOwned + Serialize + Debug>(
    json: &str,
) -> Result<Decoded, serde_json::Error> {
    let value: T = serde_json::from_str(json)?;
    Ok(Decoded {
        debug: format!("{value:#?}"),
        reencoded: serde_json::to_value(&value)?,
    })
}
