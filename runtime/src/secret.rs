//! A credential that never leaks through `Debug` or serialization.

use std::fmt;

/// A credential (password, client secret, access token).
///
/// `Debug` prints `Secret("***")` and there is deliberately no `Display`: the way to the value
/// is [`Secret::expose`], which makes every use greppable. `Serialize` writes the value, because
/// request bodies that carry a secret (the OAuth token request) must send it; `Deserialize`
/// reads one (a token in a response).
///
/// On drop, the heap buffer holding the value is overwritten with zeros (best effort: copies
/// made by [`Secret::expose`] callers, earlier reallocations or `Clone` are out of reach).
///
/// ```
/// use aqua_runtime::Secret;
///
/// let secret = Secret::new("hunter2");
/// assert_eq!(secret.expose(), "hunter2");
/// assert_eq!(format!("{secret:?}"), r#"Secret("***")"#);
/// ```
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The credential itself; use it only where it is sent.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// Reads a secret from text (a `format: password` parameter the server side receives).
impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(Self::from(value))
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for Secret {}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <String as serde::Deserialize>::deserialize(deserializer).map(Secret)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Secret").field(&"***").finish()
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        let capacity = bytes.capacity();
        bytes.clear();
        // Resizing within the capacity never reallocates, so this overwrites the whole buffer.
        bytes.resize(capacity, 0);
        // Keep the writes from being optimised away as dead stores.
        std::hint::black_box(&mut bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("s3cr3t-t0ken");
        let debug = format!("{secret:?}");
        assert_eq!(debug, r#"Secret("***")"#);
        assert!(!debug.contains("s3cr3t"));
        let pretty = format!("{:#?}", Some(secret.clone()));
        assert!(!pretty.contains("s3cr3t"), "{pretty}");
        assert!(pretty.contains("***"));
    }

    #[test]
    fn constructors_and_expose() {
        assert_eq!(Secret::new("a").expose(), "a");
        assert_eq!(Secret::new(String::from("b")).expose(), "b");
        assert_eq!(Secret::from("c").expose(), "c");
        assert_eq!(Secret::from(String::from("d")).expose(), "d");
        let original = Secret::from("e");
        let copy = original.clone();
        drop(original);
        assert_eq!(copy.expose(), "e");
    }

    #[test]
    fn debug_inside_a_derived_struct_is_redacted() {
        #[derive(Debug)]
        struct Credentials {
            client_id: String,
            client_secret: Secret,
        }
        let creds = Credentials {
            client_id: "id".into(),
            client_secret: "topsecret".into(),
        };
        let debug = format!("{creds:?}");
        assert_eq!(creds.client_id, "id");
        assert_eq!(creds.client_secret.expose(), "topsecret");
        assert!(!debug.contains("topsecret"), "{debug}");
        assert!(debug.contains(r#"client_secret: Secret("***")"#), "{debug}");
    }
}
