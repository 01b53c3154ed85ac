//! [`TokenSource`]: bearer tokens that the application obtains and renews itself (the OAuth
//! 2.0 flows that need a user or a browser: authorization code, implicit, password; a refresh
//! token; OpenID Connect), and its adapter to the client's token seam.

use std::fmt;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;

use super::auth::{IssuedToken, Issuer};
use super::oauth::Transport;
use crate::Secret;
use crate::error::AuthError;

/// Why a [`TokenSource`] could not give a token. Its `Display` becomes the message of the
/// call's [`Error::Auth`](crate::Error::Auth); it must not contain the token or a secret.
pub type TokenError = Box<dyn std::error::Error + Send + Sync>;

/// Where a client gets bearer tokens that change: the access tokens of an OAuth 2.0 flow
/// your application runs (authorization code, implicit, password, or a refresh token that
/// renews them), or of any scheme that takes a bearer token.
///
/// The client asks for a token before each exchange that sends the scheme's credentials, and
/// sends it as `Authorization: Bearer <token>`. It does not cache tokens itself: the source
/// keeps its current token and renews it when it is about to expire. When the API answers
/// HTTP 401, the client calls [`invalidate`](Self::invalidate) with the refused token, asks
/// for a token again and sends the request once more (once per attempt).
///
/// A source that fails gives a [`TokenError`]; the call then fails with
/// [`Error::Auth`](crate::Error::Auth) and is not retried.
///
/// ```
/// use std::sync::Mutex;
/// use aqua_runtime::{BoxFuture, Secret, TokenError, TokenSource};
///
/// /// Tokens that another part of the application renews (say, with a refresh token).
/// struct Current(Mutex<Option<Secret>>);
///
/// impl TokenSource for Current {
///     fn token(&self) -> BoxFuture<'_, Result<Secret, TokenError>> {
///         let token = self.0.lock().unwrap().clone();
///         Box::pin(async move { token.ok_or_else(|| "not signed in".into()) })
///     }
///
///     fn invalidate(&self, rejected: &Secret) {
///         let mut current = self.0.lock().unwrap();
///         if current.as_ref().is_some_and(|t| t.expose() == rejected.expose()) {
///             *current = None;
///         }
///     }
/// }
/// ```
pub trait TokenSource: Send + Sync {
    /// A token for one exchange.
    fn token(&self) -> crate::BoxFuture<'_, Result<Secret, TokenError>>;

    /// The API answered HTTP 401 to `rejected`: forget it, so that the next
    /// [`token`](Self::token) gives another one. Does nothing unless implemented.
    fn invalidate(&self, rejected: &Secret) {
        let _ = rejected;
    }
}

impl fmt::Debug for dyn TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSource")
    }
}

/// A user's [`TokenSource`] as the client's token seam sees it.
pub(crate) struct UserTokens(pub(crate) std::sync::Arc<dyn TokenSource>);

impl Issuer for UserTokens {
    fn token<'a>(
        &'a self,
        _transport: &'a Transport<'a>,
    ) -> BoxFuture<'a, Result<IssuedToken, AuthError>> {
        async move {
            match self.0.token().await {
                Ok(access) => Ok(IssuedToken { access, id: 0 }),
                Err(e) => Err(AuthError::new(
                    None,
                    format!("the token source failed: {e}"),
                    None,
                )),
            }
        }
        .boxed()
    }

    fn invalidate<'a>(&'a self, token: &'a IssuedToken) -> BoxFuture<'a, ()> {
        self.0.invalidate(&token.access);
        async {}.boxed()
    }
}
