//! Error bodies as received, inside the runtime: sending, redirects and retries work with
//! [`Error<Received>`] and are compiled once per crate; the error gets the operation's own
//! error type when it leaves the runtime ([`Error::typed`]). A spec that gives every
//! operation an error schema of its own (bunq's: 429 operations, as many error types) made
//! each operation compile the whole machinery again (issue 17: 60 % of its release build).

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{ApiError, DecodeError, Error, ErrorBody, StatusError, excerpt};

/// An error body as received: its bytes, and what the retry rules and messages read of it.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    /// The body.
    bytes: Bytes,
    /// The body as the operation's error type sees it (as its `as_json`), for the codes and
    /// messages the retry rules and hooks read.
    json: serde_json::Value,
}

impl Received {
    /// A body that parses as JSON (of any shape); `None` for one that does not.
    pub(crate) fn parse(bytes: &Bytes) -> Option<Self> {
        let json = serde_json::from_slice(bytes).ok()?;
        Some(Received {
            bytes: bytes.clone(),
            json,
        })
    }

    /// A body that decoded as the error type `body`.
    pub(crate) fn of<E: ErrorBody>(bytes: &Bytes, body: &E) -> Self {
        Received {
            bytes: bytes.clone(),
            json: body.as_json(),
        }
    }
}

impl Serialize for Received {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Received {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = serde_json::Value::deserialize(deserializer)?;
        let bytes = Bytes::from(serde_json::to_vec(&json).map_err(serde::de::Error::custom)?);
        Ok(Received { bytes, json })
    }
}

impl ErrorBody for Received {
    fn as_json(&self) -> serde_json::Value {
        self.json.clone()
    }
}

impl Error<Received> {
    /// The error with its body decoded as the operation's error type `E`, as if it had been
    /// decoded when received: a status error's body is `Some` when it decodes as `E`, else
    /// its excerpt is the error's `text`.
    pub(crate) fn typed<E: ErrorBody>(self) -> Error<E> {
        match self {
            Error::InvalidRequest { message } => Error::InvalidRequest { message },
            Error::Transport(e) => Error::Transport(e),
            Error::Decode(e) => Error::Decode(e),
            Error::Auth(e) => Error::Auth(e),
            Error::Download(e) => Error::Download(e),
            Error::TooLarge {
                operation,
                status,
                limit,
            } => Error::TooLarge {
                operation,
                status,
                limit,
            },
            Error::Status(e) => {
                let StatusError {
                    operation,
                    status,
                    body,
                    text,
                    request_id,
                    attempts,
                } = *e;
                let (body, text) = match body {
                    None => (None, text),
                    Some(received) => match serde_json::from_slice::<E>(&received.bytes) {
                        Ok(body) => (Some(body), String::new()),
                        Err(_) => (None, excerpt(&received.bytes, 200)),
                    },
                };
                Error::Status(Box::new(StatusError {
                    operation,
                    status,
                    body,
                    text,
                    request_id,
                    attempts,
                }))
            }
            Error::Api(e) => {
                let ApiError {
                    operation,
                    status,
                    body,
                    request_id,
                    attempts,
                } = *e;
                match serde_json::from_slice::<E>(&body.bytes) {
                    Ok(body) => Error::Api(Box::new(ApiError {
                        operation,
                        status,
                        body,
                        request_id,
                        attempts,
                    })),
                    // An `Api` error is made of a body that decoded as `E`: not reached.
                    Err(source) => Error::Decode(Box::new(DecodeError {
                        operation,
                        status,
                        content_type: None,
                        excerpt: excerpt(&body.bytes, 200),
                        source,
                        attempts,
                    })),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;
    use serde_json::{Value, json};

    use super::super::response::status_error;
    use super::*;

    fn status(bytes: &'static [u8]) -> Error<Received> {
        let mut error = status_error(
            "op",
            StatusCode::BAD_REQUEST,
            None,
            &Bytes::from_static(bytes),
        );
        error.set_attempts(2);
        error
    }

    #[derive(Debug, Serialize, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        code: i64,
    }

    impl ErrorBody for Strict {}

    #[test]
    fn a_status_body_is_decoded_as_the_error_type_or_kept_as_text() {
        let Error::Status(e) = status(br#"{"code": 7}"#).typed::<Strict>() else {
            panic!("not a status error")
        };
        assert_eq!((e.body.map(|b| b.code), e.text.as_str()), (Some(7), ""));
        assert_eq!(e.attempts, 2);
        // JSON of another shape: no body, its excerpt as text (as before it was received).
        let Error::Status(e) = status(br#"{"other": 1}"#).typed::<Strict>() else {
            panic!("not a status error")
        };
        assert_eq!(
            (e.body.is_none(), e.text.as_str()),
            (true, r#"{"other": 1}"#)
        );
        let Error::Status(e) = status(b"<html>Bad gateway</html>").typed::<Value>() else {
            panic!("not a status error")
        };
        assert_eq!(
            (e.body, e.text.as_str()),
            (None, "<html>Bad gateway</html>")
        );
    }

    #[test]
    fn an_api_error_keeps_the_body_it_was_made_of() {
        let bytes = Bytes::from_static(br#"{"errorCode": "90005", "message": "busy"}"#);
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        let error: Error<Received> = Error::Api(Box::new(ApiError {
            operation: "op",
            status: StatusCode::OK,
            body: Received::of(&bytes, &value),
            request_id: Some("r".to_owned()),
            attempts: 3,
        }));
        assert_eq!(error.zuora_code().as_deref(), Some("90005"));
        let Error::Api(e) = error.typed::<Value>() else {
            panic!("not an API error")
        };
        assert_eq!(
            (e.body, e.request_id.as_deref(), e.attempts),
            (
                json!({"errorCode": "90005", "message": "busy"}),
                Some("r"),
                3
            )
        );
    }
}
