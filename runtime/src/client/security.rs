//! [`Security`]: the credentials of a client, one per security scheme of its spec, and which of
//! them each request sends (OpenAPI's security requirements).

use super::auth::{Auth, Scheme};

/// A list of security requirements, as OpenAPI's `security`: alternatives, each the keys of
/// the schemes whose credentials are sent together. An empty alternative needs no
/// credentials; an empty list says that the operation takes none.
pub type Requirement = &'static [&'static [&'static str]];

/// The credentials of a client, by the key of their security scheme (`components.
/// securitySchemes`), and the requirement of the requests that state none of their own.
///
/// Which credentials a request sends:
/// - the first alternative of its requirement (the request's own, else the default one) whose
///   every scheme has credentials here, all of them together;
/// - when none is complete and one alternative is empty, none;
/// - when none is complete, the credentials it has for the schemes the requirement names
///   (the server then says what is missing);
/// - without any requirement (neither the request nor the default states one), every
///   credential here, plus those of [`always`](Self::always) in every case but the request
///   that takes none ([`Request::no_auth`](crate::Request::no_auth)).
///
/// `Debug` never shows a password, secret, key or token.
#[derive(Clone, Debug, Default)]
pub struct Security {
    pub(super) schemes: Vec<(&'static str, Auth)>,
    pub(super) always: Vec<Auth>,
    pub(super) requirement: Option<Requirement>,
}

impl Security {
    /// No credentials, and no default requirement.
    pub fn new() -> Self {
        Security::default()
    }

    /// Adds the credentials of the scheme `key`, if any (replacing earlier ones of the same key).
    pub fn with(mut self, key: &'static str, auth: Option<Auth>) -> Self {
        self.schemes.retain(|(k, _)| *k != key);
        if let Some(auth) = auth.filter(|a| !matches!(a, Auth::None)) {
            self.schemes.push((key, auth));
        }
        self
    }

    /// Adds credentials that no scheme of the spec describes, sent with every request that
    /// sends credentials at all.
    pub fn always(mut self, auth: Auth) -> Self {
        if !matches!(auth, Auth::None) {
            self.always.push(auth);
        }
        self
    }

    /// Sets the requirement of the requests that state none (the spec's top-level `security`).
    pub fn requiring(mut self, requirement: Requirement) -> Self {
        self.requirement = Some(requirement);
        self
    }
}

impl From<Auth> for Security {
    /// One credential, sent with every request (unless it takes none).
    fn from(auth: Auth) -> Self {
        Security::new().always(auth)
    }
}

/// The indices into `keys` (the keys of the schemes a client has credentials for, in order) of
/// those a request with `requirement` sends (see [`Security`]); `None` means every one.
pub(super) fn chosen(keys: &[&str], requirement: Option<Requirement>) -> Vec<usize> {
    let index = |key: &str| keys.iter().position(|k| *k == key);
    let Some(requirement) = requirement else {
        return (0..keys.len()).collect();
    };
    let complete = requirement
        .iter()
        .find(|alt| !alt.is_empty() && alt.iter().all(|key| index(key).is_some()));
    if let Some(alternative) = complete {
        let mut picked: Vec<usize> = alternative.iter().filter_map(|k| index(k)).collect();
        picked.dedup();
        return picked;
    }
    if requirement.iter().any(|alt| alt.is_empty()) {
        return Vec::new();
    }
    let mut named: Vec<usize> = requirement
        .iter()
        .flat_map(|alt| alt.iter())
        .filter_map(|k| index(k))
        .collect();
    named.sort_unstable();
    named.dedup();
    named
}

impl super::Inner {
    /// The schemes whose credentials a request sends: none when it is sent without
    /// credentials, else those its `requirement` (or the client's default one) chooses, and
    /// those sent always.
    pub(super) fn schemes_for(
        &self,
        authenticate: bool,
        requirement: Option<Requirement>,
    ) -> Vec<&Scheme> {
        if !authenticate {
            return Vec::new();
        }
        let keys: Vec<&str> = self.schemes.iter().map(|(key, _)| *key).collect();
        let mut out: Vec<&Scheme> = chosen(&keys, requirement.or(self.requirement))
            .into_iter()
            .map(|i| &self.schemes[i].1)
            .collect();
        out.extend(&self.always);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_complete_alternative_is_sent() {
        let keys = ["basic", "bearer", "key", "app"];
        // Stripe: basic or bearer; the first the client has.
        assert_eq!(chosen(&keys, Some(&[&["basic"], &["bearer"]])), [0]);
        assert_eq!(chosen(&keys[1..], Some(&[&["basic"], &["bearer"]])), [0]);
        // Several schemes together (AND), after an alternative the client cannot complete.
        assert_eq!(
            chosen(&keys, Some(&[&["oauth"], &["app", "key"], &["basic"]])),
            [3, 2]
        );
        // Optional credentials: sent when the client has them, else none.
        assert_eq!(chosen(&keys, Some(&[&[], &["key"]])), [2]);
        assert_eq!(
            chosen(&["basic"], Some(&[&[], &["key"]])),
            Vec::<usize>::new()
        );
        // Nothing complete: what the client has of what is named, so the server says what
        // is missing.
        assert_eq!(
            chosen(&["key", "basic"], Some(&[&["oauth"], &["app", "key"]])),
            [0]
        );
        assert_eq!(chosen(&["basic"], Some(&[&["oauth"]])), Vec::<usize>::new());
        // `security: []`: none; no requirement anywhere: every credential.
        assert_eq!(chosen(&keys, Some(&[])), Vec::<usize>::new());
        assert_eq!(chosen(&keys, None), [0, 1, 2, 3]);
        assert_eq!(chosen(&[], Some(&[&["basic"]])), Vec::<usize>::new());
    }

    #[test]
    fn credentials_replace_those_of_the_same_scheme() {
        let security = Security::new()
            .with("a", Some(Auth::Bearer(crate::Secret::new("1"))))
            .with("b", None)
            .with("c", Some(Auth::None))
            .with("a", Some(Auth::Bearer(crate::Secret::new("2"))))
            .always(Auth::None);
        let keys: Vec<&str> = security.schemes.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["a"]);
        assert!(security.always.is_empty());
        assert!(!format!("{security:?}").contains('2'));
    }
}
