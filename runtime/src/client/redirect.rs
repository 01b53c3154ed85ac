//! Which redirects a client follows, and who follows them.
//!
//! The rules ([`refusal`]) are the same whoever follows: at most 5 redirects, never from
//! `https` to `http`, never to plain `http` on a host other than a loopback one, never to a URL
//! with credentials. What the auth scheme writes ([`Placement`]) is never sent to another host
//! or port:
//! - when reqwest drops it by itself (`Authorization`, `Cookie`), reqwest follows, under
//!   [`policy`] ([`Follower::Reqwest`]);
//! - otherwise (another header, a query parameter), the exchange follows each redirect itself
//!   ([`Follower::Runtime`], with [`next_hop`]): it writes the credential again only while
//!   every hop stayed on the request's host and port, drops the scheme's query parameter from
//!   every `Location` (the exchange writes its own when the hop is authenticated), and drops
//!   the headers reqwest would drop on a hop that leaves them.

use reqwest::header::{AUTHORIZATION, COOKIE, HeaderMap, LOCATION, PROXY_AUTHORIZATION};
use reqwest::{Method, StatusCode, Url};

use super::auth::Placement;
use super::urls::is_loopback;

/// The most redirects followed for one request.
pub(crate) const MAX_REDIRECTS: usize = 5;

/// Who follows a client's redirects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Follower {
    /// reqwest, under [`policy`].
    Reqwest,
    /// The exchange, hop by hop (reqwest follows none).
    Runtime,
}

impl Follower {
    /// The follower for a client whose schemes write at `placements`: reqwest only when it
    /// drops every one of them by itself.
    pub(crate) fn for_placements<'p>(
        placements: impl IntoIterator<Item = &'p Placement>,
    ) -> Follower {
        let mut placements = placements.into_iter();
        if placements.all(Placement::dropped_by_reqwest) {
            Follower::Reqwest
        } else {
            Follower::Runtime
        }
    }

    /// The redirect policy of the client's `reqwest::Client`.
    pub(crate) fn policy(self) -> reqwest::redirect::Policy {
        match self {
            Follower::Reqwest => policy(),
            Follower::Runtime => reqwest::redirect::Policy::none(),
        }
    }
}

/// Why a redirect to `next` is not followed, or `None` to follow it; `previous` holds the URLs
/// requested so far, the request's own first.
pub(crate) fn refusal(next: &Url, previous: &[Url]) -> Option<&'static str> {
    if previous.len() > MAX_REDIRECTS {
        return Some("more than 5 redirects");
    }
    if !next.username().is_empty() || next.password().is_some() {
        return Some("refused a redirect to a URL with credentials");
    }
    let was_https = previous.iter().any(|u| u.scheme() == "https");
    match next.scheme() {
        "https" => None,
        "http" if was_https => Some("refused a redirect from https to http"),
        "http" if is_loopback(next) => None,
        "http" => Some("refused a redirect to plain http on a non-loopback host"),
        _ => Some("refused a redirect to a scheme other than https"),
    }
}

/// The policy of [`Follower::Reqwest`] (see [`refusal`]). `reqwest` itself drops
/// `Authorization` (and cookies) when a redirect leads to another host or port.
fn policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| match refusal(attempt.url(), attempt.previous()) {
        None => attempt.follow(),
        Some(reason) => attempt.error(reason),
    })
}

/// Whether `a` and `b` have the same host and port (what reqwest compares to drop credentials).
fn same_host(a: &Url, b: &Url) -> bool {
    a.host_str() == b.host_str() && a.port_or_known_default() == b.port_or_known_default()
}

/// The next request of a chain that [`Follower::Runtime`] follows.
#[derive(Debug)]
pub(crate) struct Hop {
    /// Where it goes.
    pub(crate) url: Url,
    /// Its method: `GET` after a `303`, or after a `301` or `302` to a `POST`.
    pub(crate) method: Method,
    /// Whether it carries the request's body (`307` and `308` keep the method and the body).
    pub(crate) body: bool,
    /// Whether it carries the credentials: only while every hop stayed on the request's host
    /// and port.
    pub(crate) authenticated: bool,
}

/// Where a chain goes after `response`, a redirect to the request made with `method`,
/// `authenticated` or not, `previous` holding the URLs requested so far (the request's own
/// first), by a client whose schemes write at `placements`: `Ok(None)` when the response is
/// not a redirect to follow (it is the answer), `Err(reason)` when the redirect is refused.
pub(crate) fn next_hop(
    status: StatusCode,
    headers: &HeaderMap,
    method: &Method,
    authenticated: bool,
    previous: &[Url],
    placements: &[&Placement],
) -> Result<Option<Hop>, &'static str> {
    let keeps_method = match status {
        StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND | StatusCode::SEE_OTHER => false,
        StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT => true,
        _ => return Ok(None),
    };
    let Some(current) = previous.last() else {
        return Ok(None);
    };
    // As reqwest: a redirect without a usable `Location` is the answer.
    let Some(location) = headers.get(LOCATION).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let Ok(mut url) = current.join(location) else {
        return Ok(None);
    };
    if let Some(reason) = refusal(&url, previous) {
        return Err(reason);
    }
    let authenticated = authenticated && same_host(&url, &previous[0]);
    // Written again below when the hop is authenticated, never twice.
    for placement in placements {
        if let Placement::Query(name) = placement {
            strip_query(&mut url, name);
        }
    }
    let (method, body) = if keeps_method {
        (method.clone(), true)
    } else if (status == StatusCode::SEE_OTHER && *method != Method::HEAD)
        || *method == Method::POST
    {
        (Method::GET, false)
    } else {
        (method.clone(), true)
    };
    Ok(Some(Hop {
        url,
        method,
        body,
        authenticated,
    }))
}

/// Removes every query parameter named `name` from `url`.
fn strip_query(url: &mut Url, name: &str) {
    if !url.query_pairs().any(|(n, _)| n == name) {
        return;
    }
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(n, _)| n != name)
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
}

/// Removes the headers that reqwest drops on a hop to another host or port (`Authorization`,
/// `Cookie`, `Proxy-Authorization`): those the caller set. The scheme's credential is not
/// there: the exchange writes it on a hop only when the hop is authenticated.
pub(crate) fn strip_headers(headers: &mut HeaderMap) {
    headers.remove(AUTHORIZATION);
    headers.remove(COOKIE);
    headers.remove(PROXY_AUTHORIZATION);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_are_checked() {
        let url = |u: &str| Url::parse(u).unwrap();
        let https = url("https://rest.zuora.com/v1/x");
        let local = url("http://127.0.0.1:8080/v1/x");
        let check = |next: &str, previous: &[&Url]| {
            let previous: Vec<Url> = previous.iter().map(|u| (*u).clone()).collect();
            refusal(&url(next), &previous)
        };
        assert_eq!(check("https://other.example/y", &[&https]), None);
        assert_eq!(check("http://localhost:9/y", &[&local]), None);
        assert_eq!(check("https://other.example/y", &[&local]), None);
        assert_eq!(
            check("http://rest.zuora.com/y", &[&https]),
            Some("refused a redirect from https to http")
        );
        // No downgrade even to a loopback host, nor after an https hop anywhere in the chain.
        assert_eq!(
            check("http://127.0.0.1/y", &[&https]),
            Some("refused a redirect from https to http")
        );
        assert_eq!(
            check("http://127.0.0.1/y", &[&local, &https, &https]),
            Some("refused a redirect from https to http")
        );
        assert_eq!(
            check("http://example.com/y", &[&local]),
            Some("refused a redirect to plain http on a non-loopback host")
        );
        assert_eq!(
            check("https://u:p@other.example/y", &[&https]),
            Some("refused a redirect to a URL with credentials")
        );
        assert_eq!(
            check("file:///etc/passwd", &[&local]),
            Some("refused a redirect to a scheme other than https")
        );
        // The request's own URL and five redirects.
        assert_eq!(check("https://a.example/6", &[&https; 5]), None);
        assert_eq!(
            check("https://a.example/7", &[&https; 6]),
            Some("more than 5 redirects")
        );
    }

    #[test]
    fn hops_keep_or_change_the_method_and_drop_credentials_elsewhere() {
        let url = |u: &str| Url::parse(u).unwrap();
        let start = url("https://api.example/v1/x?k=1");
        let to = |status: u16, location: &str, method: Method| {
            let mut headers = HeaderMap::new();
            headers.insert(LOCATION, location.parse().unwrap());
            let key = Placement::Query("api_key".into());
            next_hop(
                StatusCode::from_u16(status).unwrap(),
                &headers,
                &method,
                true,
                std::slice::from_ref(&start),
                &[&Placement::Header(AUTHORIZATION), &key],
            )
        };
        let hop = to(307, "/v1/y?api_key=K", Method::POST).unwrap().unwrap();
        assert_eq!(
            (hop.url.as_str(), &hop.method, hop.body, hop.authenticated),
            ("https://api.example/v1/y", &Method::POST, true, true)
        );
        let hop = to(302, "https://cdn.example/f?api_key=K&sig=s", Method::POST)
            .unwrap()
            .unwrap();
        assert_eq!(
            (hop.url.as_str(), &hop.method, hop.body, hop.authenticated),
            ("https://cdn.example/f?sig=s", &Method::GET, false, false)
        );
        let hop = to(303, "https://api.example:8443/f?api_key=K", Method::PUT)
            .unwrap()
            .unwrap();
        assert_eq!(
            (hop.url.as_str(), &hop.method, hop.authenticated),
            ("https://api.example:8443/f", &Method::GET, false)
        );
        let hop = to(301, "/g", Method::DELETE).unwrap().unwrap();
        assert_eq!((&hop.method, hop.body), (&Method::DELETE, true));
        assert_eq!(
            to(302, "http://api.example/x", Method::GET).unwrap_err(),
            "refused a redirect from https to http"
        );
        // Not a redirect to follow: the answer.
        assert!(to(200, "/y", Method::GET).unwrap().is_none());
        assert!(to(304, "/y", Method::GET).unwrap().is_none());
        let none = next_hop(
            StatusCode::FOUND,
            &HeaderMap::new(),
            &Method::GET,
            true,
            std::slice::from_ref(&start),
            &[],
        );
        assert!(none.unwrap().is_none());
    }
}
