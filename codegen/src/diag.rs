//! Diagnostics: every problem in a spec is a value that names the offending node by its JSON
//! pointer and, when known, its line and column in the source file.

use std::fmt;

/// A position in the spec's source text (1-based line and column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Line, starting at 1.
    pub line: usize,
    /// Column, starting at 1.
    pub column: usize,
}

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The generator could still emit a sound client, and says what it generated instead (a
    /// `serde_json::Value`, raw bytes, an operation left out…). Denied with
    /// [`Options::deny_warnings`](crate::Options::deny_warnings).
    Warning,
    /// The document cannot be generated.
    Error,
}

impl Severity {
    /// `error` or `warning`, as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One problem found in a spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Whether it stops generation.
    pub severity: Severity,
    /// JSON pointer of the offending node, in URI-fragment form (`#/paths/~1jobs/get`).
    pub pointer: String,
    /// Where the node starts in the source, when the loader could tell.
    pub span: Option<Span>,
    /// What is wrong, in one sentence (for a warning: and what was generated instead).
    pub message: String,
}

impl Diagnostic {
    /// An error at `pointer` (a JSON pointer such as `#/components/schemas/Job`).
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            pointer: pointer.into(),
            span: None,
            message: message.into(),
        }
    }

    /// A warning at `pointer`.
    pub fn warning(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::new(pointer, message)
        }
    }
}

/// All problems found in one phase of generation. Never empty when returned as an error.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    /// The spec's display name (usually its file name).
    pub source_name: String,
    /// The problems, in the order they were found.
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty collector for the spec named `source_name`.
    pub fn new(source_name: impl Into<String>) -> Self {
        Diagnostics {
            source_name: source_name.into(),
            items: Vec::new(),
        }
    }

    /// Records an error at `pointer`: the document cannot be generated.
    pub fn error(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.items.push(Diagnostic::new(pointer, message));
    }

    /// Records a warning at `pointer`: `message` says what is wrong and what was generated
    /// instead.
    pub fn warning(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.items.push(Diagnostic::warning(pointer, message));
    }

    /// Whether no problem was recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether an error (not only warnings) was recorded.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// The warnings, in the order they were found.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }

    /// Ends a phase: `Err(self)`, warnings included, when an error was recorded; otherwise the
    /// warnings stay here for the next phase.
    pub fn check(&mut self) -> Result<(), Diagnostics> {
        if self.has_errors() {
            Err(std::mem::take(self))
        } else {
            Ok(())
        }
    }

    /// Makes every warning an error (what `--deny-warnings` does); the messages stay as they
    /// are.
    pub fn deny_warnings(&mut self) {
        for d in &mut self.items {
            d.severity = Severity::Error;
        }
    }

    /// Adds the problems of `other` after these.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// One JSON object per diagnostic, a line each (`aqua-codegen --message-format json`): its
    /// `severity` (`error` or `warning`), `source`, `pointer`, `line` and `column` (`null` when
    /// unknown) and `message`, in the order they were found.
    pub fn to_json_lines(&self) -> String {
        let mut out = String::new();
        for d in &self.items {
            let value = serde_json::json!({
                "severity": d.severity.as_str(),
                "source": self.source_name,
                "pointer": d.pointer,
                "line": d.span.map(|s| s.line),
                "column": d.span.map(|s| s.column),
                "message": d.message,
            });
            out.push_str(&value.to_string());
            out.push('\n');
        }
        out
    }

    /// One `cargo:warning=` line per line of each warning, for build scripts: cargo shows them
    /// when the build script runs.
    pub fn cargo_warnings(&self) -> String {
        let mut out = String::new();
        for d in self.warnings() {
            let one = Diagnostics {
                source_name: self.source_name.clone(),
                items: vec![d.clone()],
            };
            for line in one.to_string().lines() {
                out.push_str("cargo:warning=");
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }

    /// Fills in source positions from `spans` where the pointer is known (and names the nodes
    /// that the translation of a 3.1 document moved by their pointer in its text).
    pub(crate) fn locate(&mut self, spans: &crate::load::SourceMap) {
        for d in &mut self.items {
            if d.span.is_none() {
                if let std::borrow::Cow::Owned(p) = spans.original(&d.pointer) {
                    d.pointer = p;
                }
                d.span = spans.find(&d.pointer);
            }
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.items.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            match d.span {
                Some(s) => write!(f, "{}:{}:{}: ", self.source_name, s.line, s.column)?,
                None => write!(f, "{}: ", self.source_name)?,
            }
            write!(f, "{} at {}: {}", d.severity.as_str(), d.pointer, d.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Builds JSON pointers by appending escaped reference tokens.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pointer(String);

impl Pointer {
    /// The document root, `#`.
    pub fn root() -> Self {
        Pointer("#".to_owned())
    }

    /// Parses a local reference such as `#/components/schemas/Job`.
    pub fn from_ref(reference: &str) -> Self {
        Pointer(reference.to_owned())
    }

    /// This pointer with one more token, escaped per RFC 6901.
    pub fn push(&self, token: impl fmt::Display) -> Self {
        use fmt::Write as _;
        let mut text = String::with_capacity(self.0.len() + 16);
        text.push_str(&self.0);
        text.push('/');
        let start = text.len();
        let _ = write!(text, "{token}");
        if text[start..].contains(['~', '/']) {
            let escaped = text[start..].replace('~', "~0").replace('/', "~1");
            text.truncate(start);
            text.push_str(&escaped);
        }
        Pointer(text)
    }

    /// The pointer text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The pointer text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Pointer> for String {
    fn from(p: Pointer) -> String {
        p.0
    }
}

impl From<&Pointer> for String {
    fn from(p: &Pointer) -> String {
        p.0.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two() -> Diagnostics {
        let mut d = Diagnostics::new("t.yaml");
        d.warning("#/a", "a fallback\nsecond line");
        d.items.push(Diagnostic {
            span: Some(Span { line: 3, column: 5 }),
            ..Diagnostic::warning("#/b", "another")
        });
        d
    }

    #[test]
    fn warnings_alone_pass_a_phase_and_stay_for_the_next() {
        let mut d = two();
        assert!(d.check().is_ok());
        assert_eq!(d.warnings().count(), 2);
        d.error("#/c", "broken");
        let err = d.check().unwrap_err();
        assert_eq!(err.items.len(), 3, "the warnings travel with the error");
        assert!(d.is_empty());
    }

    #[test]
    fn severities_are_printed_and_denied() {
        let mut d = two();
        assert_eq!(
            d.to_string(),
            "t.yaml: warning at #/a: a fallback\nsecond line\nt.yaml:3:5: warning at #/b: another"
        );
        assert_eq!(
            d.cargo_warnings(),
            "cargo:warning=t.yaml: warning at #/a: a fallback\ncargo:warning=second line\ncargo:warning=t.yaml:3:5: warning at #/b: another\n"
        );
        d.deny_warnings();
        assert!(d.has_errors());
        assert_eq!(d.warnings().count(), 0);
        assert_eq!(
            d.to_string(),
            "t.yaml: error at #/a: a fallback\nsecond line\nt.yaml:3:5: error at #/b: another"
        );
        assert_eq!(d.cargo_warnings(), "");
    }

    #[test]
    fn diagnostics_as_json_lines() {
        let mut d = two();
        d.error("#/c", "broken \"quoted\"");
        let lines: Vec<serde_json::Value> = d
            .to_json_lines()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            lines,
            [
                serde_json::json!({"severity": "warning", "source": "t.yaml", "pointer": "#/a", "line": null, "column": null, "message": "a fallback\nsecond line"}),
                serde_json::json!({"severity": "warning", "source": "t.yaml", "pointer": "#/b", "line": 3, "column": 5, "message": "another"}),
                serde_json::json!({"severity": "error", "source": "t.yaml", "pointer": "#/c", "line": null, "column": null, "message": "broken \"quoted\""}),
            ]
        );
    }
}
