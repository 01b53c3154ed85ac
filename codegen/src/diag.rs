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

/// One problem found in a spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// JSON pointer of the offending node, in URI-fragment form (`#/paths/~1jobs/get`).
    pub pointer: String,
    /// Where the node starts in the source, when the loader could tell.
    pub span: Option<Span>,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic at `pointer` (a JSON pointer such as `#/components/schemas/Job`).
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            pointer: pointer.into(),
            span: None,
            message: message.into(),
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

    /// Records a problem at `pointer`.
    pub fn error(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.items.push(Diagnostic::new(pointer, message));
    }

    /// Whether no problem was recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Ends a phase: `Err(self)` when anything was recorded.
    pub fn check(&mut self) -> Result<(), Diagnostics> {
        if self.items.is_empty() {
            Ok(())
        } else {
            Err(std::mem::take(self))
        }
    }

    /// Fills in source positions from `spans` where the pointer is known.
    pub(crate) fn locate(&mut self, spans: &crate::load::SourceMap) {
        for d in &mut self.items {
            if d.span.is_none() {
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
            write!(f, "error at {}: {}", d.pointer, d.message)?;
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
