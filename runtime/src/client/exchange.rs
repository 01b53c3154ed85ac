//! One exchange of a prepared request: building it, authenticating it through the client's
//! [`Scheme`]s, following its redirects when the runtime does, and sending it within its time
//! limit. What an attempt makes of the response is in [`super::response`].

use std::time::Duration;

use reqwest::header::{ACCEPT, HeaderName, HeaderValue, USER_AGENT};
use reqwest::{Method, StatusCode, Url};
use tokio::time::Instant;
use tracing::Instrument;

use super::auth::{Credential, Scheme};
use super::redirect::{self, Follower, Hop};
use super::request::EncodedBody;
use super::{ClientCore, Requirement};
use crate::download::DownloadError;
use crate::error::{Error, ErrorBody, StatusError, TransportError};
use crate::hooks::Call;
use crate::retry::{self, Failure};

/// `Zuora-Request-Id`, which Zuora support asks for.
pub(super) const ZUORA_REQUEST_ID: HeaderName = HeaderName::from_static("zuora-request-id");

/// The total limit given to a download's request sent with a `reqwest::Client` of the
/// user's, so that a `timeout` set on that client does not cut downloads (which have none).
const NO_TOTAL_LIMIT: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// How long a request may take.
#[derive(Clone, Copy)]
pub(super) enum TimeLimit {
    /// The whole exchange, body included (JSON calls).
    Total(Duration),
    /// The wait for the response head; the body is read by [`Download`](crate::Download)
    /// under its own limit.
    Stall(Duration),
}

/// A request ready to be sent, as many times as its attempts need (and, for a download, its
/// resumptions).
#[derive(Clone)]
pub(super) struct Prepared {
    pub(super) core: ClientCore,
    pub(super) method: Method,
    pub(super) url: String,
    /// The path as given, for logs.
    pub(super) path: String,
    pub(super) operation: &'static str,
    pub(super) headers: Vec<(HeaderName, HeaderValue)>,
    pub(super) body: Option<EncodedBody>,
    pub(super) authenticate: bool,
    /// The request's own security requirement, if it states one.
    pub(super) requirement: Option<Requirement>,
    pub(super) accept: &'static str,
    /// Whether the request may be sent more than once (see [`retry::may_repeat`]).
    pub(super) repeatable: bool,
}

/// A scheme of an exchange and its credential.
type Signer<'s> = (&'s Scheme, &'s Credential<'s>);

impl Prepared {
    /// Makes the attempts of `attempt` (given the attempt's number, from 1) under the
    /// client's retry settings, in the call's span.
    pub(super) async fn retrying<T, E, F, Fut>(&self, attempt: F) -> Result<T, Error<E>>
    where
        E: ErrorBody,
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, Failure<E>>>,
    {
        let config = &self.core.inner.config;
        let hooks = config.hooks.0.as_deref();
        let span = tracing::debug_span!("aqua_call", operation = self.operation);
        retry::run(
            self.operation,
            &config.retry,
            self.repeatable,
            hooks,
            attempt,
        )
        .instrument(span)
        .await
    }

    /// The request of one exchange, not authenticated yet: to the request's URL, or to a
    /// redirect's `hop` (whose `Location` replaces the URL and its query).
    fn build<E>(
        &self,
        timeout: Option<Duration>,
        hop: Option<&Hop>,
    ) -> Result<reqwest::Request, Error<E>> {
        let inner = &self.core.inner;
        let mut rb = match hop {
            None => inner.http.request(self.method.clone(), &self.url),
            Some(hop) => inner.http.request(hop.method.clone(), hop.url.clone()),
        }
        .header(USER_AGENT, inner.user_agent);
        if !self.accept.is_empty() {
            rb = rb.header(ACCEPT, self.accept);
        }
        if let Some(timeout) = timeout {
            rb = rb.timeout(timeout);
        }
        for (name, value) in &self.headers {
            rb = rb.header(name.clone(), value.clone());
        }
        if let Some(body) = self.body.as_ref().filter(|_| hop.is_none_or(|h| h.body)) {
            rb = body.apply(rb).map_err(Error::invalid_request)?;
        }
        let mut request = rb
            .build()
            .map_err(|source| transport(self.operation, source))?;
        if hop.is_some_and(|h| !h.authenticated) {
            redirect::strip_headers(request.headers_mut());
        }
        Ok(request)
    }

    /// One exchange up to the response head. The schemes the request sends (see
    /// [`Security`](super::Security)) write their credentials; when one of them is a token and
    /// the answer is HTTP 401, the exchange gets new tokens and sends the request once more,
    /// within the same attempt.
    ///
    /// `attempt` counts from 1; the attempt's span gets the response's status and
    /// `Zuora-Request-Id`.
    pub(super) async fn execute<E>(
        &self,
        limit: TimeLimit,
        attempt: u32,
    ) -> Result<reqwest::Response, Error<E>> {
        let inner = &self.core.inner;
        let operation = self.operation;
        let call = Call { operation, attempt };
        tracing::debug!(operation, method = %self.method, path = %self.path, "sending request");
        let schemes = inner.schemes_for(self.authenticate, self.requirement);
        let transport = inner.token_transport();
        let mut credentials = Vec::with_capacity(schemes.len());
        for scheme in &schemes {
            credentials.push(scheme.credential(&transport).await?);
        }
        let signers: Vec<Signer<'_>> = schemes.iter().copied().zip(&credentials).collect();
        let response = self.exchange(limit, &call, &signers).await?;
        let renews = signers.iter().any(|(s, c)| s.renews(c));
        let response = if response.status() == StatusCode::UNAUTHORIZED && renews {
            tracing::debug!(
                operation,
                "HTTP 401 with an access token: getting a new token and retrying once"
            );
            drop(response);
            let mut renewed = Vec::with_capacity(schemes.len());
            for (scheme, credential) in &signers {
                if scheme.renews(credential) {
                    scheme.invalidate(credential).await;
                }
                renewed.push(scheme.credential(&transport).await?);
            }
            let signers: Vec<Signer<'_>> = schemes.iter().copied().zip(&renewed).collect();
            self.exchange(limit, &call, &signers).await?
        } else {
            response
        };
        let status = response.status().as_u16();
        let span = tracing::Span::current();
        if !span.is_disabled() {
            span.record("status", status);
            if let Some(id) = response
                .headers()
                .get(ZUORA_REQUEST_ID)
                .and_then(|v| v.to_str().ok())
            {
                span.record("zuora_request_id", id);
            }
        }
        tracing::debug!(operation, status, "response");
        Ok(response)
    }

    /// The request sent once, signed by `signers`, with its redirects.
    async fn exchange<E>(
        &self,
        limit: TimeLimit,
        call: &Call,
        signers: &[Signer<'_>],
    ) -> Result<reqwest::Response, Error<E>> {
        let total = match limit {
            TimeLimit::Total(timeout) => Some(timeout),
            TimeLimit::Stall(_) => self.core.inner.user_http.then_some(NO_TOTAL_LIMIT),
        };
        let mut request = self.build(total, None)?;
        for (scheme, credential) in signers {
            scheme.apply(&mut request, credential);
        }
        match self.core.inner.follower {
            Follower::Reqwest => self.send(request, limit, call).await,
            Follower::Runtime => self.follow(request, limit, call, signers).await,
        }
    }

    /// Sends `request` and follows its redirects hop by hop (see [`redirect`]): the
    /// credentials are written again only while the hops stay on the request's host and port.
    /// A refused redirect is an [`Error::Status`] with the redirect's status and the reason.
    async fn follow<E>(
        &self,
        mut request: reqwest::Request,
        limit: TimeLimit,
        call: &Call,
        signers: &[Signer<'_>],
    ) -> Result<reqwest::Response, Error<E>> {
        let started = Instant::now();
        let inner = &self.core.inner;
        // Every scheme of the client, not only those of this request: a `Location` carries
        // none of their query parameters on.
        let placements: Vec<&super::auth::Placement> = inner
            .schemes
            .iter()
            .map(|(_, s)| s)
            .chain(&inner.always)
            .map(Scheme::placement)
            .collect();
        let mut previous: Vec<Url> = vec![request.url().clone()];
        let mut method = self.method.clone();
        let mut authenticated = !signers.is_empty();
        let mut body = true;
        loop {
            let response = self.send(request, limit, call).await?;
            let next = redirect::next_hop(
                response.status(),
                response.headers(),
                &method,
                authenticated,
                &previous,
                &placements,
            );
            let mut hop = match next {
                Ok(None) => return Ok(response),
                Ok(Some(hop)) => hop,
                Err(reason) => return Err(refused(self.operation, &response, reason)),
            };
            drop(response);
            hop.body &= body;
            tracing::debug!(
                operation = self.operation,
                authenticated = hop.authenticated,
                "following a redirect"
            );
            let remaining = match limit {
                TimeLimit::Total(timeout) => Some(timeout.saturating_sub(started.elapsed())),
                TimeLimit::Stall(_) => self.core.inner.user_http.then_some(NO_TOTAL_LIMIT),
            };
            request = self.build(remaining, Some(&hop))?;
            if hop.authenticated {
                for (scheme, credential) in signers {
                    scheme.apply(&mut request, credential);
                }
            }
            previous.push(hop.url);
            (method, authenticated, body) = (hop.method, hop.authenticated, hop.body);
        }
    }

    /// Sends a request within `limit`, between the hooks' `before_send` and
    /// `after_response`.
    async fn send<E>(
        &self,
        mut request: reqwest::Request,
        limit: TimeLimit,
        call: &Call,
    ) -> Result<reqwest::Response, Error<E>> {
        let inner = &self.core.inner;
        let operation = self.operation;
        let hooks = inner.config.hooks.0.as_deref();
        if let Some(hooks) = hooks {
            hooks.before_send(call, &mut request);
        }
        // A client of the user's must not follow redirects itself (see `with_http_client`).
        let sent = inner.user_http.then(|| request.url().clone());
        let started = hooks.map(|_| Instant::now());
        let response = match limit {
            TimeLimit::Total(_) => inner
                .http
                .execute(request)
                .await
                .map_err(|e| transport(operation, e))?,
            TimeLimit::Stall(after) => {
                match tokio::time::timeout(after, inner.http.execute(request)).await {
                    Ok(result) => result.map_err(|e| transport(operation, e))?,
                    Err(_) => return Err(DownloadError::Stalled { after }.into()),
                }
            }
        };
        if let (Some(hooks), Some(started)) = (hooks, started) {
            hooks.after_response(call, &response, started.elapsed());
        }
        if sent.is_some_and(|sent| sent != *response.url()) {
            return Err(Error::invalid_request(format!(
                "{operation}: the reqwest::Client given to ClientConfig::with_http_client followed a redirect itself; build it with `.redirect(reqwest::redirect::Policy::none())` so that the runtime follows redirects under its own rules"
            )));
        }
        Ok(response)
    }
}

/// A failure of the transport, for one attempt.
pub(super) fn transport<E>(operation: &'static str, source: reqwest::Error) -> Error<E> {
    Error::Transport(TransportError {
        operation,
        source,
        attempts: 1,
    })
}

/// The error of a redirect that the runtime refused to follow.
fn refused<E>(operation: &'static str, response: &reqwest::Response, reason: &str) -> Error<E> {
    Error::Status(Box::new(StatusError {
        operation,
        status: response.status(),
        body: None,
        text: format!("a redirect was not followed: {reason}"),
        request_id: response
            .headers()
            .get(ZUORA_REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        attempts: 1,
    }))
}
