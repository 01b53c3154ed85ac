//! Every diagnostic message the generator can emit has a fixture in `tests/specs/invalid/`.
//!
//! The test reads every `.rs` file under `codegen/src` (any depth, test modules and `quote!`
//! bodies skipped) and collects the message templates: the string literal that starts
//! - the last argument of a `.error(…)` or `.warning(…)` call or of `Diagnostic::new(…)` or
//!   `Diagnostic::warning(…)`,
//! - the `message:` field of a `Diagnostic { … }`,
//! - the error of `Err(…)`, or the value of an `ok_or_else(…)` or `map_err(…)` closure (the
//!   last element when it is a tuple: the loader's errors are `(position, message)`),
//! - or the value assigned to a variable named `message`.
//!
//! In a `format!` string each `{…}` stands for any text. A template is covered by a fixture
//! whose whole `# message:` it matches; a message that matches several templates counts for
//! the most specific one (the most literal text), so `unsupported YAML tag `!!{other}`` and
//! `unsupported YAML tag `{}{}`` each need a fixture of their own. The harness in
//! `codegen.rs` checks that each fixture really produces its message at its pointer.
//!
//! A message that no spec can cause (an internal error, a defensive branch, an argument of
//! the library API) is listed in `NOT_FROM_A_SPEC` with the reason; an entry that matches no
//! template any more fails the test, so the list cannot go stale.

use std::path::{Path, PathBuf};

/// Messages no spec in `tests/specs/invalid/` can produce, by the start of their template
/// (holes of a `format!` string shown as `{}`), with the reason.
const NOT_FROM_A_SPEC: &[(&str, &str)] = &[
    (
        "cannot read the spec: {}",
        "an I/O error of `SpecSource::from_path`, not a spec \
         (`a_spec_that_cannot_be_read_is_a_diagnostic`)",
    ),
    (
        "`{}` is not a valid crate name",
        "an argument of `standalone_crate`, not a spec (`a_crate_name_is_checked`)",
    ),
    (
        "internal error: the generated code does not parse",
        "an internal error: generated tokens that do not parse are a generator bug",
    ),
    (
        "a unit was not printed",
        "an internal printer error, reported inside the internal-error diagnostic",
    ),
    (
        "an empty container does not print as `{}`",
        "an internal printer error, reported inside the internal-error diagnostic",
    ),
    (
        "a container does not print as a block",
        "an internal printer error, reported inside the internal-error diagnostic",
    ),
    (
        "invalid YAML: unexpected end of input",
        "unreachable: the YAML parser ends every event stream with `StreamEnd` (or an error), \
         and the reader stops there",
    ),
    (
        "invalid YAML: expected a document",
        "unreachable: after `StreamStart` the parser emits `DocumentStart` or `StreamEnd`",
    ),
    (
        "invalid YAML: expected the end of the document",
        "unreachable: the parser emits `DocumentEnd` after a document's root node",
    ),
    (
        "invalid YAML: unexpected event",
        "unreachable: a node starts with a scalar, an alias, a sequence or a mapping",
    ),
];

/// A template needs this many letters of literal text to be told apart from others.
const MIN_LETTERS: usize = 6;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn every_diagnostic_message_has_an_invalid_spec() {
    let root = repo();
    let mut files = Vec::new();
    rust_files(&root.join("codegen/src"), &mut files);
    files.sort();
    let mut templates: Vec<Template> = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        for t in templates_in(&text, &name) {
            match templates.iter_mut().find(|u| u.parts == t.parts) {
                Some(same) => {
                    for site in t.sites {
                        if !same.sites.contains(&site) {
                            same.sites.push(site);
                        }
                    }
                }
                None => templates.push(t),
            }
        }
    }

    let fixtures = fixture_messages(&root.join("tests/specs/invalid"));
    let mut problems = Vec::new();
    let mut covered = vec![false; templates.len()];
    for (fixture, message) in &fixtures {
        let matching: Vec<usize> = (0..templates.len())
            .filter(|&i| templates[i].matches(message))
            .collect();
        let Some(best) = matching.iter().map(|&i| templates[i].literal_len()).max() else {
            problems.push(format!(
                "{fixture}: its `# message:` matches no message template in codegen/src \
                 (a message built in a way this scan does not know, or a stale fixture): {message}"
            ));
            continue;
        };
        for &i in &matching {
            if templates[i].literal_len() == best {
                covered[i] = true;
            }
        }
    }
    for (prefix, _) in NOT_FROM_A_SPEC {
        let exempt: Vec<usize> = (0..templates.len())
            .filter(|&i| templates[i].shown().starts_with(prefix))
            .collect();
        if exempt.is_empty() {
            problems.push(format!(
                "NOT_FROM_A_SPEC lists `{prefix}`, which no message in codegen/src starts with"
            ));
        }
        for i in exempt {
            covered[i] = true;
        }
    }
    for (t, covered) in templates.iter().zip(&covered) {
        let letters = t
            .literal_text()
            .chars()
            .filter(char::is_ascii_alphabetic)
            .count();
        if letters < MIN_LETTERS {
            problems.push(format!(
                "{}: the message `{}` has too little literal text to tell which fixture \
                 covers it; word it specifically",
                t.sites.join(", "),
                t.shown()
            ));
        } else if !covered {
            problems.push(format!(
                "{}: no fixture in tests/specs/invalid/ for the message `{}` (add a few-line \
                 spec whose `# pointer:` and `# message:` name it, the message in full)",
                t.sites.join(", "),
                t.shown()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) with the diagnostic fixtures ({} templates in {} files, {} fixtures):\n{}",
        problems.len(),
        templates.len(),
        files.len(),
        fixtures.len(),
        problems.join("\n")
    );
}

#[test]
fn a_spec_that_cannot_be_read_is_a_diagnostic() {
    let missing = repo().join("tests/specs/invalid/no such file.yaml");
    let d = aqua_codegen::SpecSource::from_path(&missing).unwrap_err();
    assert_eq!(d.items.len(), 1, "{d}");
    assert_eq!(d.items[0].pointer, "#");
    assert!(
        d.items[0].message.starts_with("cannot read the spec: "),
        "{d}"
    );
    assert!(d.to_string().contains("no such file.yaml"), "{d}");
}

#[test]
fn a_crate_name_is_checked() {
    let source = aqua_codegen::SpecSource::new(
        "t.yaml",
        "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths: {}\n",
    );
    let options = aqua_codegen::CrateOptions {
        name: "my crate".to_owned(),
        runtime_path: "runtime".to_owned(),
    };
    let d = aqua_codegen::standalone_crate(&source, &options).unwrap_err();
    assert_eq!(
        d.to_string(),
        "t.yaml: error at #: `my crate` is not a valid crate name (letters, digits, `-` and `_`)"
    );
}

/// The scanner itself: which literals count as messages, and how templates match.
#[test]
fn the_scan_finds_messages_and_only_messages() {
    let source = r####"
        fn f(&mut self) {
            self.diags.error(at.push("x-aqua-name"), "`x-aqua-name` must be a string");
            self.diags.warning(at, "a warning");
            self.diags.error(at, format!("server URL `{}` must be {{absolute}}", s.url));
            d.error("#", format!(
                "multi-line \
                 message {e}"
            ));
            let v = x.ok_or_else(|| (span, "in a tuple".to_owned()))?;
            return Err(r#"a raw "string""#.into());
            message = format!("{message}: with a suffix");
            let label = "not a message";
            let c = '"'; let l: &'static str = "still not a message";
            // self.diags.error(at, "in a comment");
            /* Err("in a /* nested */ block comment") */
            quote!(return Err("generated code".to_owned()));
        }
        #[cfg(test)]
        mod tests { fn t() { Err("a test") } }
    "####;
    let shown: Vec<String> = templates_in(source, "f.rs")
        .iter()
        .map(Template::shown)
        .collect();
    assert_eq!(
        shown,
        [
            "`x-aqua-name` must be a string",
            "a warning",
            "server URL `{}` must be {absolute}",
            "multi-line message {}",
            "in a tuple",
            "a raw \"string\"",
            "{}: with a suffix",
        ]
    );
    let t = &templates_in(source, "f.rs")[2];
    assert!(t.matches("server URL `/v1` must be {absolute}"));
    assert!(!t.matches("server URL `/v1` must be {absolute} now"));
    assert!(!t.matches("server URL `/v1` must be absolute"));
    assert_eq!(t.sites, ["f.rs:5"]);
}

// ----- the scan ---------------------------------------------------------------------------------

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The `# message:` line of every invalid spec, by file name.
fn fixture_messages(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let (_, message) = crate::codegen::expectation(&text);
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                message,
            )
        })
        .collect();
    out.sort();
    out
}

#[derive(Clone, Debug, PartialEq)]
enum Part {
    Text(String),
    /// A `{…}` of a format string: any text.
    Hole,
}

#[derive(Debug)]
struct Template {
    parts: Vec<Part>,
    /// `file:line` of every place that builds this message.
    sites: Vec<String>,
}

impl Template {
    fn new(literal: &str, is_format: bool, site: String) -> Self {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = literal.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' | '}' if is_format && chars.peek() == Some(&c) => {
                    chars.next();
                    text.push(c);
                }
                '{' if is_format => {
                    for c in chars.by_ref() {
                        if c == '}' {
                            break;
                        }
                    }
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(Part::Hole);
                }
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Template {
            parts,
            sites: vec![site],
        }
    }

    /// The template with its holes shown as `{}`.
    fn shown(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.as_str(),
                Part::Hole => "{}",
            })
            .collect()
    }

    fn literal_text(&self) -> String {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Text(t) => Some(t.as_str()),
                Part::Hole => None,
            })
            .collect()
    }

    fn literal_len(&self) -> usize {
        self.literal_text().chars().count()
    }

    /// Whether `message` is this template with its holes filled in (the whole message).
    fn matches(&self, message: &str) -> bool {
        fn from(parts: &[Part], text: &str) -> bool {
            match parts.split_first() {
                None => text.is_empty(),
                Some((Part::Text(t), rest)) => {
                    text.strip_prefix(t.as_str()).is_some_and(|r| from(rest, r))
                }
                Some((Part::Hole, rest)) => text
                    .char_indices()
                    .map(|(i, _)| i)
                    .chain([text.len()])
                    .any(|i| from(rest, &text[i..])),
            }
        }
        from(&self.parts, message)
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Punct(char),
    /// A string literal's value.
    Str(String),
    Other,
    Group(char, Vec<Token>),
}

#[derive(Clone, Debug, PartialEq)]
struct Token {
    tok: Tok,
    line: usize,
}

/// The message templates of one source file.
fn templates_in(source: &str, file: &str) -> Vec<Template> {
    let tokens = group(&lex(source));
    let mut out = Vec::new();
    scan(&tokens, file, &mut out);
    out
}

fn is_ident(t: Option<&Token>, name: &str) -> bool {
    matches!(t, Some(Token { tok: Tok::Ident(i), .. }) if i == name)
}

fn is_punct(t: Option<&Token>, c: char) -> bool {
    matches!(t, Some(Token { tok: Tok::Punct(p), .. }) if *p == c)
}

fn group_of(t: Option<&Token>, open: char) -> Option<&[Token]> {
    match t {
        Some(Token {
            tok: Tok::Group(o, inner),
            ..
        }) if *o == open => Some(inner),
        _ => None,
    }
}

fn scan(tokens: &[Token], file: &str, out: &mut Vec<Template>) {
    let mut i = 0;
    while i < tokens.len() {
        let at = |k: usize| tokens.get(i + k);
        // `#[cfg(test)] item`: skip the attribute and the item.
        if is_punct(at(0), '#')
            && let Some(attr) = group_of(at(1), '[')
            && is_ident(attr.first(), "cfg")
            && group_of(attr.get(1), '(').is_some_and(|a| is_ident(a.first(), "test"))
        {
            i += 2;
            while i < tokens.len()
                && !is_punct(tokens.get(i), ';')
                && group_of(tokens.get(i), '{').is_none()
            {
                i += 1;
            }
            i += 1;
            continue;
        }
        // `quote!(…)`: generated code, not the generator's messages.
        if (is_ident(at(0), "quote") || is_ident(at(0), "quote_spanned")) && is_punct(at(1), '!') {
            i += 3;
            continue;
        }
        let message =
            if is_punct(at(0), '.') && (is_ident(at(1), "error") || is_ident(at(1), "warning")) {
                group_of(at(2), '(').map(|args| last(&split(args, ',')))
            } else if is_ident(at(0), "Diagnostic")
                && is_punct(at(1), ':')
                && is_punct(at(2), ':')
                && (is_ident(at(3), "new") || is_ident(at(3), "warning"))
            {
                group_of(at(4), '(').map(|args| last(&split(args, ',')))
            } else if is_ident(at(0), "Diagnostic") {
                group_of(at(1), '{').and_then(|fields| {
                    split(fields, ',').into_iter().find_map(|f| {
                        (is_ident(f.first(), "message")
                            && is_punct(f.get(1), ':')
                            && !is_punct(f.get(2), ':'))
                        .then(|| f[2..].to_vec())
                    })
                })
            } else if is_ident(at(0), "Err") {
                group_of(at(1), '(').map(|arg| untuple(arg.to_vec()))
            } else if is_ident(at(0), "ok_or_else") || is_ident(at(0), "map_err") {
                group_of(at(1), '(').map(|arg| untuple(closure_body(arg)))
            } else if is_ident(at(0), "message")
                && is_punct(at(1), '=')
                && !is_punct(at(2), '=')
                && !is_punct(i.checked_sub(1).and_then(|k| tokens.get(k)), '=')
            {
                let rest = &tokens[i + 2..];
                let end = rest
                    .iter()
                    .position(|t| is_punct(Some(t), ';'))
                    .unwrap_or(rest.len());
                Some(rest[..end].to_vec())
            } else {
                None
            };
        if let Some(template) = message.and_then(|expr| first_literal(&expr, file)) {
            out.push(template);
        }
        if let Some(Token {
            tok: Tok::Group(_, inner),
            ..
        }) = at(0)
        {
            scan(inner, file, out);
        }
        i += 1;
    }
}

/// Splits a group's tokens at the top-level `sep`s.
fn split(tokens: &[Token], sep: char) -> Vec<Vec<Token>> {
    let mut out = vec![Vec::new()];
    for t in tokens {
        if is_punct(Some(t), sep) {
            out.push(Vec::new());
        } else {
            out.last_mut().unwrap().push(t.clone());
        }
    }
    if out.len() > 1 && out.last().is_some_and(Vec::is_empty) {
        out.pop(); // a trailing comma
    }
    out
}

fn last(parts: &[Vec<Token>]) -> Vec<Token> {
    parts.last().cloned().unwrap_or_default()
}

/// The last element of a tuple expression `(a, b)`; any other expression as it is.
fn untuple(expr: Vec<Token>) -> Vec<Token> {
    match expr.as_slice() {
        [
            Token {
                tok: Tok::Group('(', inner),
                ..
            },
        ] if split(inner, ',').len() > 1 => untuple(last(&split(inner, ','))),
        _ => expr,
    }
}

/// The body of a closure `|…| body` (or `move |…| body`); other expressions as they are.
fn closure_body(arg: &[Token]) -> Vec<Token> {
    let mut rest = arg;
    if is_ident(rest.first(), "move") {
        rest = &rest[1..];
    }
    if !is_punct(rest.first(), '|') {
        return arg.to_vec();
    }
    match rest[1..].iter().position(|t| is_punct(Some(t), '|')) {
        Some(close) => rest[close + 2..].to_vec(),
        None => arg.to_vec(),
    }
}

/// The message an expression starts with: its first string literal, a format string when it
/// is the first argument of `format!`.
fn first_literal(expr: &[Token], file: &str) -> Option<Template> {
    for (k, t) in expr.iter().enumerate() {
        match &t.tok {
            Tok::Str(s) => {
                return Some(Template::new(s, false, format!("{file}:{}", t.line)));
            }
            Tok::Ident(name)
                if name == "format"
                    && is_punct(expr.get(k + 1), '!')
                    && group_of(expr.get(k + 2), '(').is_some() =>
            {
                let args = group_of(expr.get(k + 2), '(').unwrap();
                if let Some(Token {
                    tok: Tok::Str(s),
                    line,
                }) = args.first()
                {
                    return Some(Template::new(s, true, format!("{file}:{line}")));
                }
            }
            Tok::Group(_, inner) => {
                if let Some(found) = first_literal(inner, file) {
                    return Some(found);
                }
            }
            _ => {}
        }
    }
    None
}

/// Nests the tokens inside `()`, `[]` and `{}` into groups.
fn group(tokens: &[Token]) -> Vec<Token> {
    let mut stack: Vec<(char, usize, Vec<Token>)> = vec![(' ', 0, Vec::new())];
    for t in tokens {
        match t.tok {
            Tok::Punct(c @ ('(' | '[' | '{')) => stack.push((c, t.line, Vec::new())),
            Tok::Punct(')' | ']' | '}') if stack.len() > 1 => {
                let (open, line, inner) = stack.pop().unwrap();
                stack.last_mut().unwrap().2.push(Token {
                    tok: Tok::Group(open, inner),
                    line,
                });
            }
            _ => stack.last_mut().unwrap().2.push(t.clone()),
        }
    }
    while stack.len() > 1 {
        let (open, line, inner) = stack.pop().unwrap();
        stack.last_mut().unwrap().2.push(Token {
            tok: Tok::Group(open, inner),
            line,
        });
    }
    stack.pop().unwrap().2
}

/// A small Rust lexer: identifiers, punctuation, string literals (cooked), the rest as
/// `Other`; comments dropped.
fn lex(source: &str) -> Vec<Token> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let push = |out: &mut Vec<Token>, tok, line| out.push(Token { tok, line });
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let start_line = line;
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(chars[i] == '\n');
                    i += 1;
                }
            }
        } else if let Some((value, end)) = raw_string(&chars, i) {
            line += chars[i..end].iter().filter(|&&c| c == '\n').count();
            push(&mut out, Tok::Str(value), start_line);
            i = end;
        } else if c == '"' || (matches!(c, 'b' | 'c') && next == Some('"')) {
            i += if c == '"' { 1 } else { 2 };
            let mut value = String::new();
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    let (escaped, used) = escape(&chars[i + 1..]);
                    line += chars[i..i + 1 + used]
                        .iter()
                        .filter(|&&c| c == '\n')
                        .count();
                    value.push_str(&escaped);
                    i += 1 + used;
                } else {
                    line += usize::from(chars[i] == '\n');
                    value.push(chars[i]);
                    i += 1;
                }
            }
            i += 1;
            push(&mut out, Tok::Str(value), start_line);
        } else if c == '\'' {
            // A char literal ('a', '\n', '\u{..}') or a lifetime ('a).
            if next == Some('\\') {
                i += 3;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
            push(&mut out, Tok::Other, start_line);
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let ident: String = chars[start..i].iter().collect();
            push(&mut out, Tok::Ident(ident), start_line);
        } else if c.is_ascii_digit() {
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || chars[i] == '_'
                    || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                i += 1;
            }
            push(&mut out, Tok::Other, start_line);
        } else {
            push(&mut out, Tok::Punct(c), start_line);
            i += 1;
        }
    }
    out
}

/// A raw string literal (`r"…"`, `r#"…"#`, `br"…"`) starting at `i`: its value and its end.
fn raw_string(chars: &[char], i: usize) -> Option<(String, usize)> {
    let mut j = i;
    if matches!(chars.get(j), Some('b' | 'c')) {
        j += 1;
    }
    if chars.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = chars[j..].iter().take_while(|&&c| c == '#').count();
    j += hashes;
    if chars.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    let start = j;
    while j < chars.len() {
        if chars[j] == '"'
            && chars[j + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == '#')
                .count()
                == hashes
        {
            return Some((chars[start..j].iter().collect(), j + 1 + hashes));
        }
        j += 1;
    }
    None
}

/// The value of the escape after a `\` and how many characters it used.
fn escape(rest: &[char]) -> (String, usize) {
    match rest.first() {
        Some('n') => ("\n".into(), 1),
        Some('t') => ("\t".into(), 1),
        Some('r') => ("\r".into(), 1),
        Some('0') => ("\0".into(), 1),
        Some('\n') => {
            // A line continuation: the newline and the next line's indentation are dropped.
            let skipped = rest[1..].iter().take_while(|c| c.is_whitespace()).count();
            (String::new(), 1 + skipped)
        }
        Some('x') => {
            let hex: String = rest[1..].iter().take(2).collect();
            let c = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
            (c.map(String::from).unwrap_or_default(), 3)
        }
        Some('u') => {
            let close = rest
                .iter()
                .position(|&c| c == '}')
                .unwrap_or(rest.len() - 1);
            let hex: String = rest[2..close].iter().collect();
            let c = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
            (c.map(String::from).unwrap_or_default(), close + 1)
        }
        Some(&c) => (c.to_string(), 1),
        None => (String::new(), 0),
    }
}
