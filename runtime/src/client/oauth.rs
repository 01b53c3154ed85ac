//! OAuth 2.0 client credentials: fetching, caching and refreshing access tokens.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};

use futures_util::FutureExt;
use futures_util::future::BoxFuture;

use super::auth::{IssuedToken, Issuer};
use crate::Secret;
use crate::error::{AuthError, excerpt};

/// The lifetime assumed for a token whose response has no usable `expires_in`.
pub(crate) const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// The largest token response read, in bytes.
const MAX_TOKEN_RESPONSE: usize = 64 * 1024;

/// Client credentials and the token cache shared by all clones of a client.
pub(crate) struct OAuth {
    client_id: String,
    client_secret: Secret,
    /// The absolute token URL.
    token_url: String,
    /// Held across a fetch, so that concurrent callers share one fetch.
    slot: tokio::sync::Mutex<Slot>,
}

#[derive(Default)]
struct Slot {
    current: Option<Token>,
    fetches: u64,
}

struct Token {
    access: Secret,
    /// Which fetch produced the token (to invalidate exactly this one).
    id: u64,
    /// When the request that produced it was sent.
    obtained: Instant,
    lifetime: Duration,
}

impl Token {
    /// Whether the token is far enough from expiring: more than min(60 s, 10 % of its
    /// lifetime) remains.
    fn is_fresh(&self) -> bool {
        let margin = (self.lifetime / 10).min(Duration::from_secs(60));
        self.obtained.elapsed() + margin < self.lifetime
    }
}

/// What the transport needs to send a token request.
pub(crate) struct Transport<'a> {
    pub(crate) http: &'a reqwest::Client,
    pub(crate) user_agent: &'a str,
    pub(crate) timeout: Duration,
}

impl OAuth {
    pub(crate) fn new(client_id: String, client_secret: Secret, token_url: String) -> Self {
        OAuth {
            client_id,
            client_secret,
            token_url,
            slot: tokio::sync::Mutex::new(Slot::default()),
        }
    }

    /// A fresh cached token, or a new one (one fetch at a time).
    async fn token(&self, transport: &Transport<'_>) -> Result<IssuedToken, AuthError> {
        let mut slot = self.slot.lock().await;
        if let Some(token) = slot.current.as_ref().filter(|t| t.is_fresh()) {
            return Ok(IssuedToken {
                access: token.access.clone(),
                id: token.id,
            });
        }
        slot.current = None;
        let obtained = Instant::now();
        let (access, lifetime) = self.fetch(transport).await?;
        slot.fetches += 1;
        let id = slot.fetches;
        tracing::debug!(
            token_url = %self.token_url,
            lifetime_secs = lifetime.as_secs(),
            "obtained an OAuth access token"
        );
        let issued = IssuedToken {
            access: access.clone(),
            id,
        };
        slot.current = Some(Token {
            access,
            id,
            obtained,
            lifetime,
        });
        Ok(issued)
    }

    /// Forgets `token` if the cache still holds it (another task may have replaced it).
    async fn invalidate(&self, token: &IssuedToken) {
        let mut slot = self.slot.lock().await;
        if slot.current.as_ref().is_some_and(|t| t.id == token.id) {
            slot.current = None;
        }
    }

    async fn fetch(&self, transport: &Transport<'_>) -> Result<(Secret, Duration), AuthError> {
        let form = serde_urlencoded::to_string([
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose()),
            ("grant_type", "client_credentials"),
        ])
        .map(Secret::new)
        .map_err(|_| AuthError::new(None, "the client credentials cannot be form-encoded", None))?;
        tracing::debug!(token_url = %self.token_url, "requesting an OAuth access token");
        let mut response = transport
            .http
            .post(&self.token_url)
            .timeout(transport.timeout)
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, transport.user_agent)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form.expose().to_owned())
            .send()
            .await
            .map_err(|e| {
                AuthError::new(
                    e.status(),
                    "the token endpoint could not be reached",
                    Some(e),
                )
            })?;
        let status = response.status();
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > MAX_TOKEN_RESPONSE {
                        return Err(self.refusal(
                            status,
                            format!(
                                "the token endpoint's answer exceeds {MAX_TOKEN_RESPONSE} bytes"
                            ),
                        ));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(AuthError::new(
                        Some(status),
                        "the token endpoint's answer broke off",
                        Some(e),
                    ));
                }
            }
        }
        let json = serde_json::from_slice::<serde_json::Value>(&body).ok();
        if !status.is_success() {
            let message = json
                .as_ref()
                .and_then(error_text)
                .or_else(|| Some(excerpt(&body, 200)).filter(|t| !t.is_empty()))
                .unwrap_or_else(|| "the token endpoint refused without an explanation".into());
            return Err(self.refusal(status, message));
        }
        // From here on the body may hold a token: never quote it.
        let Some(json) = json else {
            return Err(self.refusal(status, "the token endpoint's answer is not JSON"));
        };
        let Some(access) = json
            .get("access_token")
            .and_then(serde_json::Value::as_str)
            .filter(|t| !t.is_empty())
        else {
            let message = error_text(&json)
                .unwrap_or_else(|| "the token endpoint's answer has no `access_token`".into());
            return Err(self.refusal(status, message));
        };
        if let Some(kind) = json.get("token_type").and_then(serde_json::Value::as_str)
            && !kind.eq_ignore_ascii_case("bearer")
        {
            let kind: String = kind.chars().take(40).collect();
            return Err(self.refusal(
                status,
                format!(
                    "the token endpoint issued a `{kind}` token; only bearer tokens are supported"
                ),
            ));
        }
        let lifetime = json
            .get("expires_in")
            .and_then(seconds)
            .unwrap_or(DEFAULT_LIFETIME);
        Ok((Secret::new(access), lifetime))
    }

    /// A refusal whose message is guaranteed not to contain the client secret.
    fn refusal(&self, status: StatusCode, message: impl Into<String>) -> AuthError {
        let mut message = message.into();
        let secret = self.client_secret.expose();
        if !secret.is_empty() && message.contains(secret) {
            message = message.replace(secret, "***");
        }
        AuthError::new(Some(status), message, None)
    }
}

impl Issuer for OAuth {
    fn token<'a>(
        &'a self,
        transport: &'a Transport<'a>,
    ) -> BoxFuture<'a, Result<IssuedToken, AuthError>> {
        OAuth::token(self, transport).boxed()
    }

    fn invalidate<'a>(&'a self, token: &'a IssuedToken) -> BoxFuture<'a, ()> {
        OAuth::invalidate(self, token).boxed()
    }
}

/// Zuora's (or the OAuth standard's) error text in a token endpoint's answer.
fn error_text(v: &serde_json::Value) -> Option<String> {
    let reason = v
        .get("reasons")
        .and_then(serde_json::Value::as_array)
        .and_then(|r| r.first())
        .and_then(|r| r.get("message"));
    [
        v.get("message"),
        v.get("error_description"),
        reason,
        v.get("error"),
    ]
    .into_iter()
    .flatten()
    .filter_map(serde_json::Value::as_str)
    .map(str::trim)
    .find(|s| !s.is_empty())
    .map(|s| s.chars().take(500).collect())
}

/// `expires_in` as a duration: an integer, a number or a numeric string of seconds.
fn seconds(v: &serde_json::Value) -> Option<Duration> {
    let secs = match v {
        serde_json::Value::Number(n) => n.as_f64()?,
        serde_json::Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tokens_are_refreshed_before_they_expire() {
        let token = |age: u64, lifetime: u64| Token {
            access: Secret::new("t"),
            id: 1,
            obtained: Instant::now() - Duration::from_secs(age),
            lifetime: Duration::from_secs(lifetime),
        };
        // Long lifetimes: 60 s margin.
        assert!(token(3500, 3600).is_fresh());
        assert!(!token(3541, 3600).is_fresh());
        // Short lifetimes: 10 % margin.
        assert!(token(80, 100).is_fresh());
        assert!(!token(91, 100).is_fresh());
        assert!(!token(0, 0).is_fresh());
    }

    #[test]
    fn error_texts_and_lifetimes_are_read_leniently() {
        assert_eq!(
            error_text(&json!({"reasons": [{"code": 1, "message": "Bad client"}]})).as_deref(),
            Some("Bad client")
        );
        assert_eq!(
            error_text(&json!({"error": "invalid_client", "error_description": "Unknown"}))
                .as_deref(),
            Some("Unknown")
        );
        assert_eq!(error_text(&json!({"message": " "})), None);
        assert_eq!(seconds(&json!(3599)), Some(Duration::from_secs(3599)));
        assert_eq!(seconds(&json!("10")), Some(Duration::from_secs(10)));
        assert_eq!(seconds(&json!(-1)), None);
        assert_eq!(seconds(&json!(null)), None);
    }
}
