//! The rules of the URLs a client sends credentials to: base URLs and token URLs.

use reqwest::Url;

use super::ConfigError;

/// Whether `url`'s host is `localhost` or a loopback address.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `url` without user information, for messages.
pub(super) fn shown_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => url.chars().take(100).collect(),
    }
}

/// The rules of an absolute URL the client may send credentials to; `what` names it in the
/// reason for refusing a query or fragment.
fn check_absolute_url(url: &str, what: Endpoint) -> Result<Url, &'static str> {
    let parsed = Url::parse(url).map_err(|_| "not an absolute URL")?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("credentials belong in `Credentials`, not in the URL");
    }
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(&parsed) => {}
        "http" => return Err("plain http is allowed only for loopback hosts; use https"),
        _ => return Err("the scheme must be https"),
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(match what {
            Endpoint::Base => "a base URL has no query or fragment",
            Endpoint::Token => "a token URL has no query or fragment",
        });
    }
    Ok(parsed)
}

/// Which URL [`check_absolute_url`] checks.
#[derive(Clone, Copy)]
enum Endpoint {
    Base,
    Token,
}

/// Checks a base URL: absolute, `https` (or `http` to a loopback host), no credentials, no
/// query or fragment. Returns it without a trailing slash.
pub fn validate_base_url(base_url: &str) -> Result<String, ConfigError> {
    check_absolute_url(base_url, Endpoint::Base).map_err(|reason| ConfigError::InvalidBaseUrl {
        url: shown_url(base_url),
        reason,
    })?;
    Ok(base_url.trim_end_matches('/').to_owned())
}

/// Resolves an OAuth token URL: absolute under the rules of [`validate_base_url`], or a path
/// starting with `/` taken relative to `origin`.
pub(super) fn resolve_token_url(token_url: &str, origin: &str) -> Result<String, ConfigError> {
    let refuse = |reason| ConfigError::InvalidTokenUrl {
        url: shown_url(token_url),
        reason,
    };
    let absolute = if token_url.starts_with('/') && !token_url.starts_with("//") {
        format!("{origin}{token_url}")
    } else if token_url.contains("://") {
        token_url.to_owned()
    } else {
        return Err(refuse(
            "expected an absolute URL or a path starting with `/`",
        ));
    };
    check_absolute_url(&absolute, Endpoint::Token).map_err(refuse)?;
    Ok(absolute)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked() {
        assert_eq!(
            validate_base_url("https://rest.zuora.com/v1/").unwrap(),
            "https://rest.zuora.com/v1"
        );
        assert!(validate_base_url("http://127.0.0.1:8080/apps/api").is_ok());
        assert!(validate_base_url("http://localhost:1").is_ok());
        assert!(validate_base_url("http://[::1]:1").is_ok());
        for bad in [
            "http://rest.zuora.com/v1",
            "ftp://rest.zuora.com",
            "rest.zuora.com/v1",
            "https://rest.zuora.com/v1?x=1",
        ] {
            assert!(validate_base_url(bad).is_err(), "{bad} was accepted");
        }
        let err = validate_base_url("https://me:hunter2@rest.zuora.com/v1").unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
