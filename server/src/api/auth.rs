//! Authentication: HTTP basic credentials, bearer tokens, and `createToken` (OAuth client
//! credentials).

use std::time::Instant;

use axum::http::{HeaderMap, StatusCode, header};
use zuora_aqua::server::{CreateTokenInput, Reply};
use zuora_aqua::{GrantType, Secret, TokenResponse};

use super::Simulator;
use crate::bodies::{unauthorized, v1_error};

/// Mixed into the seed of [`State::token_rng`].
///
/// [`State::token_rng`]: super::State::token_rng
pub(super) const TOKEN_STREAM: u64 = 0x70CE_4A11_D0C5_EED5;

/// Decodes canonical standard base64 (RFC 4648 section 4), as `Basic` credentials carry it
/// (RFC 7617): the length is a multiple of 4, `=` only as the padding of the last group, and
/// the bits the padding leaves unused are zero. Anything else is `None`, so malformed
/// credentials never authenticate.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if bytes.is_empty() || !bytes.len().is_multiple_of(4) {
        return None;
    }
    let padding = bytes.iter().rev().take_while(|&&b| b == b'=').count();
    if padding > 2 {
        return None;
    }
    let data = &bytes[..bytes.len() - padding];
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in data {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Non-zero leftover bits: not the canonical encoding of any byte string.
    (acc == 0).then_some(out)
}

/// A 32-hex ID in the layout of an entity UUID (8-4-4-4-12).
fn uuid_layout(hex: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

impl Simulator {
    /// Whether the request carries valid credentials (basic, or a live bearer token).
    pub(super) fn authenticated(&self, headers: &HeaderMap) -> bool {
        let Some(value) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        else {
            return false;
        };
        let value = value.trim();
        let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
        let credentials = credentials.trim();
        if scheme.eq_ignore_ascii_case("basic") {
            // RFC 7617: `user-id ":" password`, UTF-8, the user-id without a colon and free of
            // control characters.
            let Some(decoded) = base64_decode(credentials).and_then(|b| String::from_utf8(b).ok())
            else {
                return false;
            };
            if decoded.chars().any(char::is_control) {
                return false;
            }
            let Some((user, password)) = decoded.split_once(':') else {
                return false;
            };
            self.users.iter().any(|(u, p)| u == user && p == password)
        } else if scheme.eq_ignore_ascii_case("bearer") {
            let state = self.lock();
            state
                .tokens
                .get(credentials)
                .is_some_and(|expiry| *expiry > Instant::now())
        } else {
            false
        }
    }

    /// `handle`'s reply when the request carries valid credentials, else HTTP 401.
    pub(super) fn authorized<T>(
        &self,
        headers: &HeaderMap,
        handle: impl FnOnce() -> Reply<T>,
    ) -> Reply<T> {
        if self.authenticated(headers) {
            handle()
        } else {
            Reply::Raw(unauthorized())
        }
    }

    pub(super) fn token(&self, input: &CreateTokenInput) -> Reply<TokenResponse> {
        let body = &input.body;
        if body.grant_type != GrantType::ClientCredentials {
            return Reply::Json(
                StatusCode::BAD_REQUEST,
                v1_error(50000020, "grant_type must be client_credentials"),
            );
        }
        let known = self
            .clients
            .iter()
            .any(|(id, secret)| *id == body.client_id && secret == body.client_secret.expose());
        if !known {
            return Reply::Json(
                StatusCode::UNAUTHORIZED,
                v1_error(90000011, "Invalid client_id or client_secret"),
            );
        }
        let now = Instant::now();
        let mut state = self.lock();
        state.tokens.retain(|_, expiry| *expiry > now);
        let token = state.token_rng.hex32();
        let jti = state.token_rng.hex32();
        let user = state.token_rng.hex32();
        let entity = uuid_layout(&state.token_rng.hex32());
        state
            .tokens
            .insert(token.clone(), now + self.token_lifetime);
        let mut response = TokenResponse::default();
        response.access_token = Some(Secret::new(token));
        response.token_type = Some("bearer".to_owned());
        response.expires_in =
            Some(i64::try_from(self.token_lifetime.as_secs()).unwrap_or(i64::MAX));
        response.scope = Some(format!(
            "user.{user} entity.{entity} service.aqua.read tenant.19"
        ));
        response.jti = Some(jti);
        Reply::Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_basic_credentials() {
        assert_eq!(base64_decode("ZGVtbzpkZW1v").unwrap(), b"demo:demo");
        assert_eq!(base64_decode("YTpi").unwrap(), b"a:b");
        assert_eq!(base64_decode("YQ==").unwrap(), b"a");
        assert!(base64_decode("Y*Q=").is_none());
        // Malformed: missing padding, padding in the middle, too much padding, unused bits
        // set, empty, whitespace inside.
        for bad in [
            "YQ",
            "ZGVtbzpkZW1v=",
            "Y=Q=",
            "Y===",
            "YR==",
            "",
            "ZGVt bzpk",
        ] {
            assert!(base64_decode(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn token_scopes_name_entities_in_uuid_layout() {
        assert_eq!(uuid_layout(&"a".repeat(32)).len(), 36);
    }
}
