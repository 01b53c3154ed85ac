//! HTML in spec text: which tags stay tags, where an HTML block starts and ends, and the
//! balancing pass that escapes every tag rustdoc's `invalid_html_tags` lint would report.

use super::{Kind, find_run, run_len};

/// HTML tags that stay tags; any other `<name` is escaped as text (`List<String>`).
const HTML_TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
];

/// The kept tags that need no closing tag (rustdoc's `ALLOWED_UNCLOSED`, among ours).
const VOID_TAGS: &[&str] = &["br", "hr", "img"];

/// CommonMark's HTML block start condition 6: a tag of one of these names starts a block
/// that runs to the next blank line.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "base",
    "basefont",
    "blockquote",
    "body",
    "caption",
    "center",
    "col",
    "colgroup",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "frame",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "iframe",
    "legend",
    "li",
    "link",
    "main",
    "menu",
    "menuitem",
    "nav",
    "noframes",
    "ol",
    "optgroup",
    "option",
    "p",
    "param",
    "search",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "track",
    "ul",
];

/// How an HTML block ends.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum BlockEnd {
    /// At the next blank line (CommonMark's conditions 6 and 7).
    Blank,
    /// At the line that contains this text (conditions 1 and 2: `<pre>`, comments, …).
    Contains(&'static str),
}

/// Whether the text after a `<` opens or closes a known HTML tag (or is a comment), written
/// as CommonMark reads a tag (a tag it cannot read is text to it, and rustdoc would then see
/// its closing tag close nothing).
pub(super) fn is_html_tag(rest: &str) -> bool {
    if rest.starts_with("!--") {
        return true;
    }
    HTML_TAGS.contains(&tag_name(rest).as_str()) && tag_len(rest).is_some()
}

/// The length of the tag whose text (after its `<`) starts `rest`, up to and with its `>`,
/// if it is a well-formed open or closing tag that ends on this line.
fn tag_len(rest: &str) -> Option<usize> {
    let b = rest.as_bytes();
    let closing = b.first() == Some(&b'/');
    let mut i = usize::from(closing);
    if !b.get(i).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    while b
        .get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-')
    {
        i += 1;
    }
    let space = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(|c| matches!(c, b' ' | b'\t')) {
            *i += 1;
        }
        *i > start
    };
    if closing {
        space(&mut i);
        return (b.get(i) == Some(&b'>')).then_some(i + 1);
    }
    loop {
        let spaced = space(&mut i);
        match b.get(i) {
            Some(b'>') => return Some(i + 1),
            Some(b'/') => return (b.get(i + 1) == Some(&b'>')).then_some(i + 2),
            Some(c) if spaced && (c.is_ascii_alphabetic() || matches!(c, b'_' | b':')) => {
                while b.get(i).is_some_and(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, b'_' | b':' | b'.' | b'-')
                }) {
                    i += 1;
                }
                let before = i;
                space(&mut i);
                if b.get(i) == Some(&b'=') {
                    i += 1;
                    space(&mut i);
                    match b.get(i) {
                        Some(&q @ (b'"' | b'\'')) => {
                            let close = rest[i + 1..].find(q as char)?;
                            i += close + 2;
                        }
                        Some(_) => {
                            let start = i;
                            while b.get(i).is_some_and(|c| {
                                !matches!(
                                    c,
                                    b' ' | b'\t' | b'"' | b'\'' | b'=' | b'<' | b'>' | b'`'
                                )
                            }) {
                                i += 1;
                            }
                            if i == start {
                                return None;
                            }
                        }
                        None => return None,
                    }
                } else {
                    i = before;
                }
            }
            _ => return None,
        }
    }
}

/// The lowercased name of the tag whose text (after its `<`) is `rest`.
fn tag_name(rest: &str) -> String {
    rest.strip_prefix('/')
        .unwrap_or(rest)
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Whether the text after a `<` is an autolink (`<https://…>`, `<mailto:…>`).
pub(super) fn is_autolink(rest: &str) -> bool {
    let lower = rest.to_ascii_lowercase();
    let Some(gt) = rest.find('>') else {
        return false;
    };
    // In a table row, `|` ends the cell before the autolink would end.
    (lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:"))
        && !rest[..gt].contains(|c: char| c.is_whitespace() || c == '<' || c == '|')
}

/// Whether `line` (at most three columns indented) starts an HTML block, and how that block
/// ends. A line that is only a tag of another name starts one only after a blank line
/// (condition 7 cannot interrupt a paragraph).
pub(super) fn block_start(line: &str, after_blank: bool) -> Option<BlockEnd> {
    let t = line.trim_start();
    let rest = t.strip_prefix('<')?;
    let lower = rest.to_ascii_lowercase();
    if lower.starts_with("!--") {
        return Some(BlockEnd::Contains("-->"));
    }
    // Only the tags that stay tags count: the others are escaped (`block_line`), and what
    // starts with `&lt;` is a paragraph.
    if !is_html_tag(rest) {
        return None;
    }
    let name = tag_name(&lower);
    if name == "pre" && !lower.starts_with('/') {
        return Some(BlockEnd::Contains("</pre>"));
    }
    let after = &lower.strip_prefix('/').unwrap_or(&lower)[name.len()..];
    if BLOCK_TAGS.contains(&name.as_str()) {
        return Some(BlockEnd::Blank);
    }
    // Condition 7: a whole open or closing tag, alone on the line.
    let whole = after
        .find('>')
        .is_some_and(|gt| after[gt + 1..].trim().is_empty() && !after[..gt].contains('<'));
    (after_blank && whole).then_some(BlockEnd::Blank)
}

/// Whether an HTML block that ends with `end` ends on `line`.
pub(super) fn block_ends(line: &str, end: BlockEnd) -> bool {
    match end {
        BlockEnd::Blank => line.trim().is_empty(),
        BlockEnd::Contains(text) => line.to_ascii_lowercase().contains(text),
    }
}

/// A line of an HTML block: rustdoc reads it as HTML, not Markdown, so only a `<` that does
/// not start a known tag (or a comment) is escaped.
pub(super) fn block_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for (i, c) in line.char_indices() {
        if c == '<' && !is_html_tag(&line[i + 1..]) {
            out.push_str("&lt;");
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes the tags rustdoc would report: a closing tag that closes nothing, an open tag
/// that is never closed (or is closed by the closing tag of a tag around it), and a
/// self-closing tag that may not be one (`<p/>`). Void tags (`<br>`) need no closing tag.
/// Tags inside code blocks and code spans are text already and are not looked at.
pub(super) fn balance(lines: &mut [(String, Kind)]) {
    // (line, byte offset of the `<`): the tags to escape.
    let mut escape: Vec<(usize, usize)> = Vec::new();
    // The open tags: name, line, offset.
    let mut open: Vec<(String, usize, usize)> = Vec::new();
    for (n, (line, kind)) in lines.iter().enumerate() {
        if *kind == Kind::Code {
            continue;
        }
        for (at, rest) in tags(line, *kind == Kind::Text) {
            if rest.starts_with("!--") {
                continue;
            }
            let name = tag_name(rest);
            let void = VOID_TAGS.contains(&name.as_str());
            let end = tag_len(rest).map_or(rest.len(), |len| len - 1);
            if rest.starts_with('/') {
                match open.iter().rposition(|(o, _, _)| *o == name) {
                    Some(pos) => {
                        for (o, l, a) in open.drain(pos..).skip(1) {
                            if !VOID_TAGS.contains(&o.as_str()) {
                                escape.push((l, a));
                            }
                        }
                    }
                    None => escape.push((n, at)),
                }
            } else if rest[..end].ends_with('/') {
                if !void {
                    escape.push((n, at));
                }
            } else {
                open.push((name, n, at));
            }
        }
    }
    for (o, l, a) in open {
        if !VOID_TAGS.contains(&o.as_str()) {
            escape.push((l, a));
        }
    }
    escape.sort_unstable();
    for &(l, a) in escape.iter().rev() {
        lines[l].0.replace_range(a..a + 1, "&lt;");
    }
}

/// The known tags (and comments) of a line: the byte offset of each `<` and the text after
/// it. In Markdown text (`markdown`), code spans and backslash escapes are skipped.
fn tags(line: &str, markdown: bool) -> Vec<(usize, &str)> {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let plain: Vec<char> = chars.iter().map(|&(_, c)| c).collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        match c {
            '`' if markdown => {
                let run = run_len(&plain, i, '`');
                i = find_run(&plain, i + run, run).map_or(i + run, |close| close + run);
                continue;
            }
            '\\' if markdown => i += 1,
            '<' if is_html_tag(&line[at + 1..]) => found.push((at, &line[at + 1..])),
            _ => {}
        }
        i += 1;
    }
    found
}
