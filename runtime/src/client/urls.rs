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

/// Whether `url` parses and its host is `localhost` or a loopback address.
pub(super) fn is_loopback_url(url: &str) -> bool {
    Url::parse(url).is_ok_and(|u| is_loopback(&u))
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

/// Resolves `reference`, a server URL relative to where the spec is served (`/v1`), against
/// `url` (the URL the spec is served from, or its host's: `https://api.example.com`), as a
/// browser resolves a link (RFC 3986), and checks the result as [`validate_base_url`] does.
///
/// ```
/// # use aqua_runtime::resolve_base_url;
/// assert_eq!(resolve_base_url("https://api.example.com", "/v1").unwrap(), "https://api.example.com/v1");
/// assert_eq!(
///     resolve_base_url("https://api.example.com/docs/openapi.json", "/v1").unwrap(),
///     "https://api.example.com/v1"
/// );
/// assert!(resolve_base_url("api.example.com", "/v1").is_err());
/// ```
pub fn resolve_base_url(url: &str, reference: &str) -> Result<String, ConfigError> {
    let base = Url::parse(url).map_err(|_| ConfigError::InvalidBaseUrl {
        url: shown_url(url),
        reason: "not an absolute URL",
    })?;
    let resolved = base
        .join(reference)
        .map_err(|_| ConfigError::InvalidBaseUrl {
            url: shown_url(url),
            reason: "the spec's relative server URL cannot be resolved against it",
        })?;
    validate_base_url(resolved.as_str())
}

/// Whether `base_url` (without a trailing slash) is the server URL `template` as the spec
/// writes it: `{variable}` stands for any text; a relative template (`/v1`) is compared with
/// the base URL's path. ASCII case is ignored.
pub(crate) fn is_server(template: &str, base_url: &str) -> bool {
    let template = template.trim_end_matches('/').to_ascii_lowercase();
    let base_url = base_url.to_ascii_lowercase();
    if template.contains("://") || template.starts_with('{') {
        return wildcard_match(&template, &base_url);
    }
    let path = Url::parse(&base_url)
        .map(|u| u.path().trim_end_matches('/').to_owned())
        .unwrap_or_default();
    let template = template.trim_start_matches('/');
    wildcard_match(template, path.trim_start_matches('/'))
}

/// Whether `text` is `pattern`, in which each `{…}` stands for any text: the classic
/// linear-backtracking match of one kind of wildcard (`O(pattern × text)` at worst).
fn wildcard_match(pattern: &str, text: &str) -> bool {
    // The pattern as literal pieces between wildcards.
    let mut pieces: Vec<&str> = Vec::new();
    let mut rest = pattern;
    let mut starts_wild = false;
    let mut ends_wild = false;
    loop {
        match rest.find('{') {
            Some(open) => {
                let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
                if open == 0 && pieces.is_empty() {
                    starts_wild = true;
                } else {
                    pieces.push(&rest[..open]);
                }
                rest = &rest[close..];
                if rest.is_empty() {
                    ends_wild = true;
                    break;
                }
            }
            None => {
                pieces.push(rest);
                break;
            }
        }
    }
    let mut at = 0;
    for (i, piece) in pieces.iter().enumerate() {
        let first = i == 0 && !starts_wild;
        let last = i == pieces.len() - 1 && !ends_wild;
        if first {
            if !text.starts_with(piece) {
                return false;
            }
            at = piece.len();
            if last && at != text.len() {
                return false;
            }
        } else if last {
            return text.len() >= at + piece.len() && text.ends_with(piece);
        } else {
            match text[at..].find(piece) {
                Some(found) => at += found + piece.len(),
                None => return false,
            }
        }
    }
    true
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
    fn relative_servers_resolve_against_the_given_url() {
        assert_eq!(
            resolve_base_url("https://api.example.com", "/api/v3").unwrap(),
            "https://api.example.com/api/v3"
        );
        assert_eq!(
            resolve_base_url("https://api.example.com/specs/v3.json", "/").unwrap(),
            "https://api.example.com"
        );
        assert_eq!(
            resolve_base_url("https://api.example.com/specs/v3.json", "api").unwrap(),
            "https://api.example.com/specs/api"
        );
        assert_eq!(
            resolve_base_url("http://127.0.0.1:9/x", "/v1").unwrap(),
            "http://127.0.0.1:9/v1"
        );
        // The result follows the rules of a base URL.
        assert!(resolve_base_url("http://api.example.com", "/v1").is_err());
        assert!(resolve_base_url("/v1", "/v1").is_err());
        let err = resolve_base_url("https://me:hunter2@api.example.com", "/v1").unwrap_err();
        assert!(!format!("{err} {err:?}").contains("hunter2"));
    }

    #[test]
    fn base_urls_are_matched_against_server_templates() {
        assert!(is_server(
            "https://api.example.com",
            "https://api.example.com"
        ));
        assert!(is_server(
            "https://api.example.com/",
            "https://api.example.com"
        ));
        assert!(is_server(
            "https://API.example.com",
            "https://api.EXAMPLE.com"
        ));
        assert!(!is_server(
            "https://api.example.com",
            "https://api.example.com/v2"
        ));
        assert!(!is_server(
            "https://api.example.com",
            "http://127.0.0.1:8080"
        ));
        assert!(is_server(
            "https://{region}.example.com/{version}",
            "https://eu.example.com/v2"
        ));
        assert!(!is_server(
            "https://{region}.example.com/{version}",
            "https://eu.example.org/v2"
        ));
        assert!(is_server(
            "{protocol}://{host}/api/v3",
            "https://ghe.local/api/v3"
        ));
        assert!(!is_server(
            "{protocol}://{host}/api/v3",
            "https://ghe.local/api"
        ));
        assert!(is_server("{origin}", "http://127.0.0.1:1"));
        assert!(is_server("https://x.{a}{b}.com", "https://x.yz.com"));
        // Relative templates match by path, on any host.
        assert!(is_server("/api/v3", "https://petstore.example.com/api/v3"));
        assert!(is_server("/", "https://petstore.example.com"));
        assert!(!is_server("/api/v3", "https://petstore.example.com"));
    }

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
