//! One line of Markdown text: brackets that are not links escaped, links whose target rustdoc
//! would resolve as an item path unlinked, unknown tags escaped, bare URLs wrapped.

use std::collections::HashSet;

use super::html::{is_autolink, is_html_tag};
use super::{find_run, run_len};

/// The link reference definitions of a text (`[label]: url`).
#[derive(Default)]
pub(super) struct Definitions {
    /// The normalized labels: only those whose URL rustdoc takes as a URL (not as an item
    /// path to resolve).
    labels: HashSet<String>,
    /// The indices of the lines that are definitions.
    lines: HashSet<usize>,
}

impl Definitions {
    /// Whether line `n` of the text is a definition.
    pub(super) fn is_definition(&self, n: usize) -> bool {
        self.lines.contains(&n)
    }
}

/// The link reference definitions of `lines`: a definition cannot interrupt a paragraph,
/// so it follows a blank line, the start, or another definition.
pub(super) fn definitions(lines: &[&str]) -> Definitions {
    let mut defs = Definitions::default();
    for (n, line) in lines.iter().enumerate() {
        let starts = n == 0 || lines[n - 1].trim().is_empty() || defs.lines.contains(&(n - 1));
        if super::indent(line) > 3 || !starts {
            continue;
        }
        let chars: Vec<char> = line.trim_start().chars().collect();
        if chars.first() != Some(&'[') {
            continue;
        }
        let Some(close) = matching_bracket(&chars, 0) else {
            continue;
        };
        if chars.get(close + 1) != Some(&':') {
            continue;
        }
        let after: String = chars[close + 2..].iter().collect();
        let mut words = after.split_whitespace();
        let dest = words.next().unwrap_or("");
        // After the URL only a title may follow (`"…"`, `'…'`, `(…)`): else it is text.
        if words
            .next()
            .is_some_and(|title| !title.starts_with(['"', '\'', '(']))
        {
            continue;
        }
        let dest = dest
            .strip_prefix('<')
            .and_then(|d| d.strip_suffix('>'))
            .unwrap_or(dest);
        if !dest.is_empty() {
            defs.lines.insert(n);
            if !resolved_by_rustdoc(dest) {
                defs.labels.insert(label(&chars[1..close]));
            }
        }
    }
    defs
}

/// A link label as CommonMark matches it: case-insensitive, white space collapsed.
fn label(chars: &[char]) -> String {
    let text: String = chars.iter().collect();
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether rustdoc reads a link target as an item path it must resolve (`[x](Pet)`,
/// `[x](Pet#field)`): then the link would be broken. Anything with a character outside a
/// path's (`/`, `.`, `-`, …) is a URL to rustdoc, and so is a bare `#fragment`.
fn resolved_by_rustdoc(dest: &str) -> bool {
    let path = dest.replace('`', "");
    let path = path.split('#').next().unwrap_or("").trim();
    !path.is_empty()
        && !path.contains(|c: char| !(c.is_alphanumeric() || ":_<>, !*&;@()".contains(c)))
}

/// Where the `]` that closes the `[` at `i` is (backslash escapes and code spans skipped).
fn matching_bracket(chars: &[char], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = i;
    while j < chars.len() {
        match chars[j] {
            '\\' => j += 1,
            '`' => {
                let run = run_len(chars, j, '`');
                j = find_run(chars, j + run, run).map_or(j + run, |close| close + run);
                continue;
            }
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
        j += 1;
    }
    None
}

/// Where the inline link destination that starts at the `(` at `i` ends (after its `)`).
fn destination_end(chars: &[char], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = i;
    let mut angle = false;
    while j < chars.len() {
        match chars[j] {
            '\\' => j += 1,
            '<' if j == i + 1 => angle = true,
            '>' if angle => angle = false,
            '(' if !angle => depth += 1,
            ')' if !angle => {
                depth -= 1;
                if depth == 0 {
                    return Some(j + 1);
                }
            }
            _ => {}
        }
        j += 1;
    }
    None
}

/// The target of the inline link whose destination is `chars[open..end]` (with its parens).
fn destination(chars: &[char], open: usize, end: usize) -> String {
    let inner: String = chars[open + 1..end - 1].iter().collect();
    let inner = inner.trim();
    if let Some(rest) = inner.strip_prefix('<') {
        return rest.split('>').next().unwrap_or("").to_owned();
    }
    inner.split_whitespace().next().unwrap_or("").to_owned()
}

/// Whether the `[` at `i` starts a Markdown link that rustdoc resolves: `[text](url)`,
/// `[text][ref]`, `[ref][]` or `[ref]` with `ref` defined (to a URL) in the same text, or a
/// definition `[ref]: url` itself. Anything else (`ids[]`, `[A-Z][\w]`, `[x](Pet)`,
/// `` [`send`] ``) rustdoc would read as an intra-doc link that does not resolve.
fn is_link_start(chars: &[char], i: usize, defs: &Definitions, definition: bool) -> bool {
    let Some(close) = matching_bracket(chars, i) else {
        return false;
    };
    let text = label(&chars[i + 1..close]);
    // The generator's own links, written around spec text: `` [`Type`] ``,
    // `` [`name`](Type::name) ``.
    let ours = |dest: Option<&str>| {
        let code: String = chars[i + 1..close].iter().collect();
        let code = code.strip_prefix('`').and_then(|c| c.strip_suffix('`'));
        match dest {
            None => code.is_some_and(is_rust_path),
            Some(dest) => {
                code.is_some_and(|c| is_rust_path(&format!("a::{c}"))) && is_rust_path(dest)
            }
        }
    };
    match chars.get(close + 1) {
        Some('(') => destination_end(chars, close + 1).is_some_and(|end| {
            let dest = destination(chars, close + 1, end);
            !resolved_by_rustdoc(&dest) || ours(Some(&dest))
        }),
        Some('[') => match matching_bracket(chars, close + 1) {
            Some(end) if end == close + 2 => defs.labels.contains(&text),
            Some(end) => defs.labels.contains(&label(&chars[close + 2..end])),
            None => defs.labels.contains(&text),
        },
        Some(':') if definition && chars[..i].iter().all(|c| *c == ' ') => true,
        _ => defs.labels.contains(&text) || ours(None),
    }
}

/// Whether `text` is a Rust path with at least one `::` (`Credentials::anonymous`,
/// `::aqua_runtime::TokenSource`) or a type name (`TokenSource`, upper camel case): the
/// generator's links name those.
fn is_rust_path(text: &str) -> bool {
    let ident = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let path = text.strip_prefix("::").unwrap_or(text);
    let parts: Vec<&str> = path.split("::").collect();
    parts.iter().all(|p| ident(p))
        && (parts.len() > 1 || path.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// One line of text outside code blocks and HTML blocks: code spans kept, the rest escaped
/// (see the module). `definition`: whether the line is a link reference definition.
pub(super) fn inline(line: &str, defs: &Definitions, definition: bool) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let chars: Vec<char> = line
        .chars()
        .map(|c| if c == '\r' { ' ' } else { c })
        .collect();
    let mut i = 0;
    // For each `[` not yet closed: whether it opened a link (else it was escaped).
    let mut brackets: Vec<bool> = Vec::new();
    // Whether the last character written closed a link's text (`[text][ref]` follows it).
    let mut closed_link = false;
    while i < chars.len() {
        let c = chars[i];
        let after_link = std::mem::take(&mut closed_link);
        match c {
            '[' if after_link => {
                brackets.push(true);
                out.push('[');
            }
            '`' => {
                let run = run_len(&chars, i, '`');
                if let Some(close) = find_run(&chars, i + run, run) {
                    out.extend(&chars[i..close + run]);
                    i = close + run;
                } else {
                    out.extend(std::iter::repeat_n('`', run));
                    i += run;
                }
                continue;
            }
            '\\' if i + 1 < chars.len() => {
                out.push(c);
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            '[' => {
                let link = is_link_start(&chars, i, defs, definition);
                brackets.push(link);
                out.push_str(if link { "[" } else { "\\[" });
            }
            ']' => {
                let link = brackets.pop().unwrap_or(false);
                out.push_str(if link { "]" } else { "\\]" });
                i += 1;
                // A link's destination is copied through: nothing inside is rewritten.
                if link
                    && chars.get(i) == Some(&'(')
                    && let Some(end) = destination_end(&chars, i)
                {
                    out.extend(&chars[i..end]);
                    i = end;
                } else {
                    closed_link = link;
                }
                continue;
            }
            '<' => {
                let rest: String = chars[i + 1..].iter().take(2048).collect();
                if is_autolink(&rest) || is_html_tag(&rest) {
                    // Copied through to its `>`: nothing inside is rewritten.
                    let gt = chars[i..]
                        .iter()
                        .position(|&c| c == '>')
                        .map_or(chars.len(), |p| i + p + 1);
                    out.extend(&chars[i..gt]);
                    i = gt;
                    continue;
                }
                let tag_like =
                    rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!');
                out.push_str(if tag_like { "&lt;" } else { "<" });
            }
            'h' | 'H' if starts_url(&chars, i) && !brackets.contains(&true) => {
                let end = url_end(&chars, i);
                out.push('<');
                out.extend(&chars[i..end]);
                out.push('>');
                i = end;
                continue;
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Whether an `http://` or `https://` URL starts at `i`.
fn starts_url(chars: &[char], i: usize) -> bool {
    let rest: String = chars[i..].iter().take(8).collect();
    let lower = rest.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Where the bare URL starting at `i` ends: at white space or a delimiter, without trailing
/// punctuation, and without a `)` it does not open.
fn url_end(chars: &[char], i: usize) -> usize {
    let mut end = i;
    let mut parens = 0i32;
    while end < chars.len() {
        match chars[end] {
            c if c.is_whitespace() => break,
            '<' | '>' | '"' | '`' | '[' | ']' | '\'' | '\\' | '|' => break,
            '(' => parens += 1,
            ')' if parens == 0 => break,
            ')' => parens -= 1,
            _ => {}
        }
        end += 1;
    }
    while end > i
        && matches!(
            chars[end - 1],
            '.' | ',' | ';' | ':' | '!' | '?' | '*' | '_'
        )
    {
        end -= 1;
    }
    end
}
