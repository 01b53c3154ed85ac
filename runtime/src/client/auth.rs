//! How requests are authenticated: the credential kinds a user chooses ([`Auth`]) and the seam
//! through which each kind applies itself to a request ([`Scheme`]).
//!
//! A kind is two independent things, as smithy-rs separates resolving an identity from signing
//! with it:
//! - where its credential comes from ([`Source`]): encoded once when the client is made (basic,
//!   bearer, API keys), or obtained for each exchange from an [`Issuer`] that caches and
//!   renews it (OAuth 2.0 client credentials, or a user's [`TokenSource`](super::TokenSource));
//! - where it writes the credential ([`Placement`]): a header, a query parameter or a cookie.
//!
//! The redirect rules read the placement: whatever a kind writes is never sent to another host
//! or port (see [`super::redirect`]). Adding a kind adds a variant to [`Auth`], its arm in
//! [`Scheme::new`], and, when its credential is not fixed, an [`Issuer`].
//!
//! A client holds one scheme per security scheme of its spec that it has credentials for;
//! which of them a request sends is chosen in [`super::security`].

use std::fmt;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use reqwest::header::{AUTHORIZATION, COOKIE, HeaderName, HeaderValue};

use super::ConfigError;
use super::oauth::{OAuth, Transport};
use super::tokens::{TokenSource, UserTokens};
use crate::Secret;
use crate::error::AuthError;

/// How requests are authenticated.
///
/// `Debug` never shows a password, secret, key or token.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum Auth {
    /// No credentials.
    #[default]
    None,
    /// HTTP basic authentication.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: Secret,
    },
    /// A fixed bearer token.
    Bearer(Secret),
    /// Bearer tokens from a source of the application's, asked before each exchange (see
    /// [`TokenSource`]): the OAuth 2.0 flows the application runs itself, such as the
    /// authorization code flow.
    BearerSource(Arc<dyn TokenSource>),
    /// OAuth 2.0 client credentials: an access token is fetched from `token_url`, cached by
    /// the client (and its clones), refreshed shortly before it expires, and sent as
    /// `Authorization: Bearer …`. When the API answers HTTP 401, the token is fetched anew
    /// and the request retried once.
    ///
    /// A token response without a usable `expires_in` is taken to last one hour.
    OAuthClientCredentials {
        /// The OAuth client ID.
        client_id: String,
        /// The OAuth client secret.
        client_secret: Secret,
        /// The token endpoint: an absolute URL (`https`, or `http` to a loopback host), or a
        /// path such as `/oauth/token`, taken relative to the origin (scheme, host and port)
        /// of the client's base URL.
        token_url: String,
    },
    /// An API key sent as it is, in a header, a query parameter or a cookie named `name`
    /// (OpenAPI's `apiKey` security scheme).
    ApiKey {
        /// Where the key goes.
        location: ApiKeyLocation,
        /// The name of the header, query parameter or cookie.
        name: String,
        /// The key.
        key: Secret,
    },
}

/// Where an [`Auth::ApiKey`] goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiKeyLocation {
    /// A request header.
    Header,
    /// A query parameter.
    Query,
    /// A cookie, in the `Cookie` header.
    Cookie,
}

/// Where a scheme writes its credential on a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Placement {
    /// A header (`Authorization` for basic, bearer and OAuth).
    Header(HeaderName),
    /// A query parameter of this name.
    Query(String),
    /// A cookie of this name, in the `Cookie` header.
    Cookie(String),
}

impl Placement {
    /// Whether `reqwest` itself drops what is written here when it follows a redirect to
    /// another host or port: it drops `Authorization` and `Cookie`, but keeps other headers,
    /// and a query parameter may come back in the `Location` of a redirect.
    pub(crate) fn dropped_by_reqwest(&self) -> bool {
        match self {
            Placement::Header(name) => name == AUTHORIZATION || name == COOKIE,
            Placement::Cookie(_) => true,
            Placement::Query(_) => false,
        }
    }
}

/// A token for one exchange, from an [`Issuer`].
pub(crate) struct IssuedToken {
    /// The access token.
    pub(crate) access: Secret,
    /// Which fetch of its source produced it, to invalidate exactly this one.
    pub(crate) id: u64,
}

/// Where the tokens of a kind whose credential changes come from: it caches them, renews them
/// before they expire, and forgets one the API refused.
pub(crate) trait Issuer: Send + Sync {
    /// A token for one exchange.
    fn token<'a>(
        &'a self,
        transport: &'a Transport<'a>,
    ) -> BoxFuture<'a, Result<IssuedToken, AuthError>>;

    /// Forgets `token` after the API answered HTTP 401 to it, so that the next
    /// [`token`](Self::token) gets a new one.
    fn invalidate<'a>(&'a self, token: &'a IssuedToken) -> BoxFuture<'a, ()>;
}

/// Where a scheme's credential comes from.
enum Source {
    /// Encoded once when the client is made, marked sensitive: the whole header value, or the
    /// value of the query parameter or cookie.
    Fixed(HeaderValue),
    /// A token for each exchange, written as `Bearer <token>`.
    Tokens(Box<dyn Issuer>),
}

/// The credential a scheme writes on one exchange.
pub(crate) enum Credential<'a> {
    /// A fixed credential.
    Fixed(&'a HeaderValue),
    /// A token from the scheme's source.
    Token(IssuedToken),
}

/// One credential kind, ready to authenticate requests: its source and its placement.
pub(crate) struct Scheme {
    placement: Placement,
    source: Source,
}

impl fmt::Debug for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match self.source {
            Source::Fixed(_) => "fixed",
            Source::Tokens(_) => "tokens",
        };
        f.debug_struct("Scheme")
            .field("placement", &self.placement)
            .field("source", &source)
            .finish()
    }
}

impl Scheme {
    /// The scheme of `auth`, or `None` without credentials. `origin` resolves a relative OAuth
    /// token URL. Credentials that an HTTP request cannot carry are refused here, not later.
    pub(crate) fn new(auth: &Auth, origin: &str) -> Result<Option<Scheme>, ConfigError> {
        let scheme = match auth {
            Auth::None => return Ok(None),
            Auth::Basic { .. } | Auth::Bearer(_) => Scheme {
                placement: Placement::Header(AUTHORIZATION),
                source: Source::Fixed(
                    fixed_authorization(auth)?.ok_or(ConfigError::InvalidCredentials)?,
                ),
            },
            Auth::OAuthClientCredentials {
                client_id,
                client_secret,
                token_url,
            } => Scheme {
                placement: Placement::Header(AUTHORIZATION),
                source: Source::Tokens(Box::new(OAuth::new(
                    client_id.clone(),
                    client_secret.clone(),
                    super::urls::resolve_token_url(token_url, origin)?,
                ))),
            },
            Auth::BearerSource(source) => Scheme {
                placement: Placement::Header(AUTHORIZATION),
                source: Source::Tokens(Box::new(UserTokens(source.clone()))),
            },
            Auth::ApiKey {
                location,
                name,
                key,
            } => {
                let placement = match location {
                    ApiKeyLocation::Header => Placement::Header(
                        HeaderName::from_bytes(name.as_bytes())
                            .map_err(|_| ConfigError::InvalidCredentials)?,
                    ),
                    ApiKeyLocation::Query => Placement::Query(name.clone()),
                    ApiKeyLocation::Cookie => Placement::Cookie(name.clone()),
                };
                let text = match location {
                    // A cookie value is percent-encoded, as `Request::cookie` does.
                    ApiKeyLocation::Cookie => {
                        crate::path::encode_segment(key.expose()).into_owned()
                    }
                    ApiKeyLocation::Header | ApiKeyLocation::Query => key.expose().to_owned(),
                };
                Scheme {
                    placement,
                    source: Source::Fixed(sensitive(&Secret::new(text))?),
                }
            }
        };
        Ok(Some(scheme))
    }

    /// Where the scheme writes its credential.
    pub(crate) fn placement(&self) -> &Placement {
        &self.placement
    }

    /// The credential of one exchange: a fixed one at once, or a token from the source.
    pub(crate) async fn credential(
        &self,
        transport: &Transport<'_>,
    ) -> Result<Credential<'_>, AuthError> {
        match &self.source {
            Source::Fixed(value) => Ok(Credential::Fixed(value)),
            Source::Tokens(source) => source.token(transport).await.map(Credential::Token),
        }
    }

    /// Whether an HTTP 401 to `credential` may pass with a new one: then
    /// [`invalidate`](Self::invalidate) it and send again.
    pub(crate) fn renews(&self, credential: &Credential<'_>) -> bool {
        matches!(credential, Credential::Token(_))
    }

    /// Forgets a credential the API refused (a token; a fixed credential stays).
    pub(crate) async fn invalidate(&self, credential: &Credential<'_>) {
        if let (Source::Tokens(source), Credential::Token(token)) = (&self.source, credential) {
            source.invalidate(token).await;
        }
    }

    /// Writes `credential` on `request`, where the scheme says.
    pub(crate) fn apply(&self, request: &mut reqwest::Request, credential: &Credential<'_>) {
        let value = match credential {
            Credential::Fixed(value) => (*value).clone(),
            Credential::Token(token) => match bearer(&token.access) {
                Some(value) => value,
                // A token a header cannot carry is sent without it; the API answers 401.
                None => return,
            },
        };
        match &self.placement {
            Placement::Header(name) => {
                request.headers_mut().insert(name.clone(), value);
            }
            Placement::Query(name) => {
                // Fixed values came from a `String`, so they are text.
                let text = String::from_utf8_lossy(value.as_bytes());
                request.url_mut().query_pairs_mut().append_pair(name, &text);
            }
            Placement::Cookie(name) => {
                let headers = request.headers_mut();
                let mut cookie = Vec::new();
                if let Some(existing) = headers.get(COOKIE) {
                    cookie.extend_from_slice(existing.as_bytes());
                    cookie.extend_from_slice(b"; ");
                }
                cookie.extend_from_slice(name.as_bytes());
                cookie.push(b'=');
                cookie.extend_from_slice(value.as_bytes());
                if let Ok(mut merged) = HeaderValue::from_bytes(&cookie) {
                    merged.set_sensitive(true);
                    headers.insert(COOKIE, merged);
                }
            }
        }
    }
}

/// `Bearer <token>`, marked sensitive, if a header can carry it.
fn bearer(token: &Secret) -> Option<HeaderValue> {
    sensitive(&Secret::new(format!("Bearer {}", token.expose()))).ok()
}

/// `text` as a header value marked sensitive (never shown by `Debug`).
fn sensitive(text: &Secret) -> Result<HeaderValue, ConfigError> {
    let mut value =
        HeaderValue::from_str(text.expose()).map_err(|_| ConfigError::InvalidCredentials)?;
    value.set_sensitive(true);
    Ok(value)
}

/// The `Authorization` value of credentials that do not change: `Basic base64(user:password)`
/// or `Bearer token`, marked sensitive; `None` for the other kinds.
fn fixed_authorization(auth: &Auth) -> Result<Option<HeaderValue>, ConfigError> {
    use base64::Engine as _;
    let text = match auth {
        Auth::Basic { username, password } => {
            let pair = format!("{username}:{}", password.expose());
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        }
        Auth::Bearer(token) => format!("Bearer {}", token.expose()),
        Auth::None
        | Auth::OAuthClientCredentials { .. }
        | Auth::BearerSource(_)
        | Auth::ApiKey { .. } => return Ok(None),
    };
    sensitive(&Secret::new(text)).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ClientConfig, ClientCore};

    #[test]
    fn fixed_credentials_are_encoded_once_and_hidden() {
        use base64::Engine as _;
        let basic = Auth::Basic {
            username: "Aladdin".into(),
            password: Secret::new("open sesame"),
        };
        let value = fixed_authorization(&basic).unwrap().unwrap();
        // RFC 7617's example.
        assert_eq!(
            value.to_str().unwrap(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert!(value.is_sensitive());
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode("QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
                .unwrap(),
            b"Aladdin:open sesame"
        );
        let bearer = fixed_authorization(&Auth::Bearer(Secret::new("t0k"))).unwrap();
        assert_eq!(bearer.unwrap().to_str().unwrap(), "Bearer t0k");
        assert!(fixed_authorization(&Auth::None).unwrap().is_none());

        let core = ClientCore::new(
            "https://rest.zuora.com/v1",
            basic,
            "aqua-test/1",
            ClientConfig::default(),
        )
        .unwrap();
        let shown = format!("{core:?}");
        assert!(!shown.contains("open sesame") && !shown.contains("QWxhZGRpbjpvcGVuIHNlc2FtZQ"));

        // A header cannot carry a line break (basic credentials are base64, so always can):
        // refused when the client is made, not later.
        let broken = Auth::Bearer(Secret::new("s3cr\nt"));
        let err = ClientCore::new(
            "https://rest.zuora.com/v1",
            broken,
            "aqua-test/1",
            ClientConfig::default(),
        )
        .unwrap_err();
        assert!(matches!(err, ConfigError::InvalidCredentials), "{err:?}");
        assert!(!err.to_string().contains("s3cr"), "{err}");
    }

    #[test]
    fn auth_debug_hides_secrets() {
        let auth = Auth::Basic {
            username: "me".into(),
            password: Secret::new("hunter2"),
        };
        let core =
            ClientCore::new("https://x.example", auth, "t/1", ClientConfig::default()).unwrap();
        let shown = format!("{core:?}");
        assert!(
            shown.contains("me") && !shown.contains("hunter2"),
            "{shown}"
        );
        let bearer = format!("{:?}", Auth::Bearer(Secret::new("tok-123")));
        assert!(!bearer.contains("tok-123"));
    }
}
