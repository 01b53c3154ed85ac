//! The spec's `pattern` keyword, checked before sending.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use regex_lite::Regex;

/// Whether `value` matches the spec's `pattern` (a regular expression that may match anywhere
/// in the value, as in JSON Schema). Patterns are compiled once and cached. A pattern that does
/// not compile (the generator checks them, so only a hand-written call can pass one) matches
/// everything rather than refusing every request.
pub fn matches(value: &str, pattern: &'static str) -> bool {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Option<Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut cache = match cache.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    let regex = cache
        .entry(pattern)
        .or_insert_with(|| Regex::new(pattern).ok());
    regex.as_ref().is_none_or(|r| r.is_match(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zuora_track_id_pattern_refuses_separators() {
        let p = r#"^[^:;"']*$"#;
        assert!(matches("nightly-export 42", p));
        for bad in ["a:b", "a;b", "a\"b", "a'b"] {
            assert!(!matches(bad, p), "{bad}");
        }
    }

    #[test]
    fn patterns_match_anywhere_unless_anchored() {
        assert!(matches("abc123", "[0-9]+"));
        assert!(!matches("abc", "[0-9]+"));
        assert!(matches("anything", "(unclosed"));
    }
}
