//! Idiomatic, valid and collision-free Rust names from spec names.

use std::collections::{BTreeSet, HashMap};

use heck::{ToPascalCase, ToShoutySnakeCase, ToSnakeCase};

/// Rust's strict and reserved keywords (2024 edition), and the weak ones that cannot name a
/// field everywhere.
/// Methods of standard traits that a method of the same name and shape would be mistaken
/// for (clippy's `should_implement_trait`).
const STD_TRAIT_METHODS: &[&str] = &[
    "add",
    "as_mut",
    "as_ref",
    "bitand",
    "bitor",
    "bitxor",
    "borrow",
    "borrow_mut",
    "clone",
    "cmp",
    "default",
    "deref",
    "deref_mut",
    "div",
    "drop",
    "eq",
    "from_iter",
    "from_str",
    "hash",
    "index",
    "index_mut",
    "into_iter",
    "mul",
    "neg",
    "next",
    "not",
    "rem",
    "shl",
    "shr",
    "sub",
];

/// Whether `name` is the name of a method of a standard trait (see `STD_TRAIT_METHODS`).
pub(crate) fn is_std_trait_method(name: &str) -> bool {
    STD_TRAIT_METHODS.contains(&name)
}

const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Replaces characters that cannot appear in an identifier by word breaks, so that heck
/// splits on them.
fn words(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    cleaned.trim().to_owned()
}

fn fix(mut name: String, fallback: &str) -> String {
    if name.is_empty() {
        name = fallback.to_owned();
    }
    if KEYWORDS.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// `UpperCamelCase` type or variant name.
pub fn type_name(raw: &str) -> String {
    let n = words(raw).to_pascal_case();
    if n.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("N{n}");
    }
    fix(n, "Value")
}

/// `snake_case` field, method or module name.
pub fn field_name(raw: &str) -> String {
    let n = words(raw).to_snake_case();
    if n.starts_with(|c: char| c.is_ascii_digit()) {
        return fix(format!("n_{n}"), "value");
    }
    fix(n, "value")
}

/// `SHOUTY_SNAKE_CASE` constant name.
pub fn const_name(raw: &str) -> String {
    let n = words(raw).to_shouty_snake_case();
    if n.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("N_{n}");
    }
    fix(n, "VALUE")
}

/// Hands out names unique within one scope by appending `2`, `3`, … on collision.
#[derive(Debug, Default)]
pub struct Scope {
    used: BTreeSet<String>,
    /// For each stem (`Job`, `file_id_`), the suffix below which every one is taken, so that
    /// the `n`th `Job` costs one look-up, not `n`.
    next: HashMap<String, usize>,
}

impl Scope {
    /// A scope in which `reserved` names are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Scope {
            used: reserved.iter().map(|s| (*s).to_owned()).collect(),
            next: HashMap::new(),
        }
    }

    /// `name` if free, else the first free `name2`, `name3`, … (`name_2` for snake case).
    pub fn claim(&mut self, name: String) -> String {
        if self.used.insert(name.clone()) {
            return name;
        }
        let sep = if name.contains('_') || name.chars().all(|c| !c.is_uppercase()) {
            "_"
        } else {
            ""
        };
        let stem = format!("{}{sep}", name.trim_end_matches('_'));
        let mut i = self.next.get(&stem).copied().unwrap_or(2);
        loop {
            let candidate = format!("{stem}{i}");
            i += 1;
            if self.used.insert(candidate.clone()) {
                self.next.insert(stem, i);
                return candidate;
            }
        }
    }

    /// Gives back a name claimed for a type that was not kept (an inline schema equal to one
    /// converted before): a later claim of it gets it again. A suffixed name given back is
    /// not handed out again (`next` only moves forward); names stay unique either way.
    pub fn release(&mut self, name: &str) {
        self.used.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_given_back_is_handed_out_again_and_names_stay_unique() {
        let mut scope = Scope::default();
        assert_eq!(scope.claim("Body".into()), "Body");
        assert_eq!(scope.claim("Body".into()), "Body2");
        scope.release("Body");
        assert_eq!(scope.claim("Body".into()), "Body");
        scope.release("Body2");
        // `Body` is taken: the next suffix is past every one handed out.
        assert_eq!(scope.claim("Body".into()), "Body3");
        assert_eq!(scope.claim("Body".into()), "Body4");
    }

    #[test]
    fn names_are_idiomatic_and_valid() {
        assert_eq!(type_name("getLastCompletedJob"), "GetLastCompletedJob");
        assert_eq!(type_name("deleted_notallowed"), "DeletedNotallowed");
        assert_eq!(type_name("CSV"), "Csv");
        assert_eq!(type_name("2xx"), "N2xx");
        assert_eq!(type_name("Self"), "Self_");
        assert_eq!(type_name("-"), "Value");
        assert_eq!(field_name("recordCount"), "record_count");
        assert_eq!(field_name("Zuora-Track-Id"), "zuora_track_id");
        assert_eq!(field_name("type"), "type_");
        assert_eq!(field_name("abstract"), "abstract_");
        assert_eq!(field_name("become"), "become_");
        assert_eq!(field_name("3d"), "n_3d");
        assert_eq!(field_name("$ref"), "ref_");
        // Only ASCII letters and digits survive: `²` is no identifier character.
        assert_eq!(field_name("m²"), "m");
        assert_eq!(field_name("名前"), "value");
        assert_eq!(type_name("Größe"), "GrE");
        assert_eq!(
            const_name("getLastCompletedJob 200 json"),
            "GET_LAST_COMPLETED_JOB_200_JSON"
        );
    }

    #[test]
    fn scopes_resolve_collisions() {
        let mut s = Scope::with_reserved(&["client"]);
        assert_eq!(s.claim("file_id".into()), "file_id");
        assert_eq!(s.claim("file_id".into()), "file_id_2");
        assert_eq!(s.claim("client".into()), "client_2");
        let mut t = Scope::default();
        assert_eq!(t.claim("Job".into()), "Job");
        assert_eq!(t.claim("Job".into()), "Job2");
    }
}
