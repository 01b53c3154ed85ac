//! Reading what `aqua-codegen check` reports, and grouping messages into kinds.
//!
//! Three forms are read from its standard error, line by line:
//! - the current one, `NAME[:LINE:COL]: error at POINTER: MESSAGE` (and the same with
//!   `warning at`, for when the generator has warnings);
//! - one JSON object per line with `severity` (or `level`), `message`, and optionally
//!   `pointer`, `line`, `column` (or `span: {line, column}`) and a stable `code` (the
//!   proposed `--message-format json`);
//! - a bare `warning: MESSAGE` or `error: MESSAGE` line.
//!
//! A kind is a message without what names a particular document: every quoted span (between
//! backticks or double quotes) and every number that takes more than [`KEEP`] distinct values
//! in the messages of the same shape over the run becomes `…` (a number `N`), and pointers
//! become `#/…`. A span or number with few values (`not`, `format: binary`, `OAuth 2.0`) is
//! part of the wording and stays. When the generator gives a `code`, that is the kind.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// A quoted span keeps its text in the kind when it takes at most this many distinct values
/// in the messages of the same shape over the whole run.
pub const KEEP: usize = 3;

/// Error or warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The document is refused.
    Error,
    /// The document generates; something was generated differently or left out.
    Warning,
}

/// One diagnostic as the generator reported it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diag {
    /// Error or warning.
    pub severity: Severity,
    /// The JSON pointer, when the line had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// The line in the document, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The column in the document, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    /// The message.
    pub message: String,
    /// A stable code, when the generator gives one (JSON form only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The kind, filled in by [`assign_kinds`] once the whole run is known.
    #[serde(default)]
    pub kind: String,
    /// The quoted spans that the kind replaced by `…`, in order (names of the document).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
}

/// Reads the diagnostics of one run; the lines that are none are returned apart.
pub fn parse(stderr: &str) -> (Vec<Diag>, Vec<String>) {
    let mut diags = Vec::new();
    let mut other = Vec::new();
    for line in stderr.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        match parse_json(trimmed)
            .or_else(|| parse_located(line))
            .or_else(|| parse_bare(trimmed))
        {
            Some(d) => diags.push(d),
            None => other.push(line.to_owned()),
        }
    }
    (diags, other)
}

/// `NAME[:LINE:COL]: error at POINTER: MESSAGE`.
fn parse_located(line: &str) -> Option<Diag> {
    let (at, severity, marker) = [
        (": error at ", Severity::Error),
        (": warning at ", Severity::Warning),
    ]
    .into_iter()
    .filter_map(|(marker, severity)| line.find(marker).map(|at| (at, severity, marker)))
    .min_by_key(|(at, _, _)| *at)?;
    let prefix = &line[..at];
    let rest = &line[at + marker.len()..];
    let (pointer, message) = match rest.split_once(": ") {
        Some((pointer, message)) if pointer.starts_with('#') => (pointer, message),
        _ if rest.starts_with('#') => (rest, ""),
        _ => return None,
    };
    let (line_no, column) = position(prefix);
    Some(Diag {
        severity,
        pointer: Some(pointer.to_owned()),
        line: line_no,
        column,
        message: message.to_owned(),
        code: None,
        kind: String::new(),
        names: Vec::new(),
    })
}

/// The `:LINE:COL` at the end of `NAME:LINE:COL`, if there is one.
fn position(prefix: &str) -> (Option<u64>, Option<u64>) {
    let mut parts = prefix.rsplitn(3, ':');
    let column = parts.next().and_then(|c| c.parse().ok());
    let line = parts.next().and_then(|l| l.parse().ok());
    match (line, column, parts.next()) {
        (Some(l), Some(c), Some(_)) => (Some(l), Some(c)),
        _ => (None, None),
    }
}

fn parse_bare(line: &str) -> Option<Diag> {
    let (severity, message) = if let Some(m) = line.strip_prefix("error: ") {
        (Severity::Error, m)
    } else if let Some(m) = line.strip_prefix("warning: ") {
        (Severity::Warning, m)
    } else {
        return None;
    };
    Some(Diag {
        severity,
        pointer: None,
        line: None,
        column: None,
        message: message.to_owned(),
        code: None,
        kind: String::new(),
        names: Vec::new(),
    })
}

fn parse_json(line: &str) -> Option<Diag> {
    if !line.starts_with('{') {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    let text = |key: &str| value.get(key).and_then(|v| v.as_str());
    let severity = match text("severity").or_else(|| text("level"))? {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        _ => return None,
    };
    let message = text("message")?.to_owned();
    let number = |key: &str| {
        value
            .get(key)
            .or_else(|| value.get("span").and_then(|s| s.get(key)))
            .and_then(|v| v.as_u64())
    };
    Some(Diag {
        severity,
        pointer: text("pointer").map(str::to_owned),
        line: number("line"),
        column: number("column"),
        message,
        code: text("code").map(str::to_owned),
        kind: String::new(),
        names: Vec::new(),
    })
}

/// How a run that is neither a success nor a refusal failed, from its standard error:
/// `stack overflow`, `out of memory`, `panic`, or `None` when nothing tells.
pub fn crash_kind(stderr: &str) -> Option<&'static str> {
    if stderr.contains("has overflowed its stack") {
        Some("stack overflow")
    } else if stderr.contains("memory allocation of") || stderr.contains("out of memory") {
        Some("out of memory")
    } else if stderr.contains("panicked at") {
        Some("panic")
    } else {
        None
    }
}

/// A message's shape: its first line with every quoted span and every number replaced by
/// `\0`, and pointers by `#/…`; the spans, in order.
#[derive(Debug, PartialEq, Eq)]
pub struct Shape {
    /// The text with the placeholders.
    pub text: String,
    /// Quote character (none for a number) and content of each span.
    pub spans: Vec<(Option<char>, String)>,
}

/// The shape of `message`.
pub fn shape(message: &str) -> Shape {
    let first = message.lines().next().unwrap_or_default();
    let chars: Vec<char> = first.chars().collect();
    let mut text = String::with_capacity(first.len());
    let mut spans = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let word_start = i == 0 || !chars[i - 1].is_alphanumeric();
        if c == '`' || c == '"' {
            if let Some(len) = chars[i + 1..].iter().position(|&d| d == c) {
                spans.push((Some(c), chars[i + 1..i + 1 + len].iter().collect()));
                text.push('\0');
                i += len + 2;
                continue;
            }
        } else if c == '#' && chars.get(i + 1) == Some(&'/') && word_start {
            text.push_str("#/…");
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !matches!(chars[i], ',' | ')' | ';')
            {
                i += 1;
            }
            continue;
        } else if c == '(' && is_operation_at(&chars[i + 1..]) {
            // `(GET /path)`: the method and path of an operation, a span like a name.
            if let Some(len) = chars[i + 1..].iter().position(|&d| d == ')') {
                spans.push((None, chars[i + 1..i + 1 + len].iter().collect()));
                text.push_str("(\0)");
                i += len + 2;
                continue;
            }
        } else if c.is_ascii_digit() && word_start {
            let mut j = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                j += 1;
            }
            let number_ends = j == chars.len() || !chars[j].is_alphanumeric();
            if number_ends {
                // A trailing `.` ends the sentence, not the number.
                let end = if chars[j - 1] == '.' { j - 1 } else { j };
                spans.push((None, chars[i..end].iter().collect()));
                text.push('\0');
                i = end;
                continue;
            }
        }
        text.push(c);
        i += 1;
    }
    Shape { text, spans }
}

/// Whether `rest` starts with an HTTP method in capitals and a path (`GET /jobs`).
fn is_operation_at(rest: &[char]) -> bool {
    let method = rest.iter().take_while(|c| c.is_ascii_uppercase()).count();
    (3..=7).contains(&method)
        && rest.get(method) == Some(&' ')
        && rest.get(method + 1) == Some(&'/')
}

/// Fills in `kind` of every diagnostic, judging each span by its values over all of them.
pub fn assign_kinds<'a>(diags: impl IntoIterator<Item = &'a mut Diag>) {
    let mut diags: Vec<&mut Diag> = diags.into_iter().collect();
    let shapes: Vec<Shape> = diags.iter().map(|d| shape(&d.message)).collect();
    let mut values: BTreeMap<&str, Vec<BTreeSet<&str>>> = BTreeMap::new();
    for s in &shapes {
        let sets = values.entry(&s.text).or_default();
        sets.resize_with(s.spans.len().max(sets.len()), BTreeSet::new);
        for (set, (_, value)) in sets.iter_mut().zip(&s.spans) {
            if set.len() <= KEEP {
                set.insert(value);
            }
        }
    }
    for (d, s) in diags.iter_mut().zip(&shapes) {
        let (kind, names) = kind_of(s, &values[s.text.as_str()]);
        d.kind = d.code.clone().unwrap_or(kind);
        d.names = names;
    }
}

/// The kind of a shape, and the spans it replaced.
fn kind_of(shape: &Shape, values: &[BTreeSet<&str>]) -> (String, Vec<String>) {
    let mut kind = String::with_capacity(shape.text.len());
    let mut names = Vec::new();
    let mut spans = shape.spans.iter().zip(values);
    for c in shape.text.chars() {
        if c != '\0' {
            kind.push(c);
            continue;
        }
        if let Some(((quote, value), set)) = spans.next() {
            kind.extend(*quote);
            if set.len() <= KEEP {
                kind.push_str(value);
            } else {
                let named = quote.is_some() || !value.starts_with(|c: char| c.is_ascii_digit());
                kind.push(if named { '…' } else { 'N' });
                if named {
                    names.push(value.clone());
                }
            }
            kind.extend(*quote);
        }
    }
    (kind, names)
}
