//! Spec text made safe for rustdoc.
//!
//! Descriptions are CommonMark written for API portals, not for rustdoc, and rustdoc reads them
//! differently in ways that break a crate: an indented or unlabelled fenced block is a Rust
//! doctest that `cargo test` compiles, `[word]` is an intra-doc link that does not resolve,
//! `<Type>` is an unclosed HTML tag, and a bare URL is not a link. [`markdown`] rewrites those
//! (code blocks become `text` blocks, stray brackets and unknown tags are escaped, bare URLs are
//! wrapped in `<…>`) and leaves everything else as written.

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

/// A description (several lines of CommonMark) made safe for rustdoc.
pub(super) fn markdown(text: &str) -> String {
    // A bare carriage return is no line end for rustc: it refuses it in a doc comment.
    // Tabs as four spaces, as rustdoc would show them (clippy's `tabs_in_doc_comments`).
    let text = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\t', "    ");
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut fence: Option<(char, usize)> = None;
    // The column of the text of the list item being written, if any.
    let mut list_text: Option<usize> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some((ch, len)) = fence {
            if closes_fence(line, ch, len) {
                fence = None;
            }
            out.push(line.to_owned());
            i += 1;
            continue;
        }
        if let Some((ch, len, info)) = opens_fence(line) {
            fence = Some((ch, len));
            let marker: String = std::iter::repeat_n(ch, len).collect();
            let info = if is_rust_info(info) { "text" } else { info };
            out.push(format!("{marker}{info}"));
            i += 1;
            continue;
        }
        let after_blank = i == 0 || lines[i - 1].trim().is_empty();
        if indent(line) >= 4 && !line.trim().is_empty() && after_blank && !in_list(&lines[..i]) {
            // An indented code block: fenced as text, dedented.
            let start = i;
            while i < lines.len() && (lines[i].trim().is_empty() || indent(lines[i]) >= 4) {
                i += 1;
            }
            let mut end = i;
            while end > start && lines[end - 1].trim().is_empty() {
                end -= 1;
            }
            let body: Vec<String> = lines[start..end].iter().map(|l| dedent(l, 4)).collect();
            // A fence longer than any run of backticks inside, so that no line closes it.
            let longest = body
                .iter()
                .flat_map(|l| l.split(|c| c != '`'))
                .map(str::len)
                .max()
                .unwrap_or(0);
            let marker = "`".repeat(longest.max(2) + 1);
            out.push(format!("{marker}text"));
            out.extend(body);
            out.push(marker);
            out.extend(lines[end..i].iter().map(|_| String::new()));
            continue;
        }
        // A line that continues a list item's text without indentation (a lazy
        // continuation) is indented to the item's text: it reads the same, and unambiguously.
        let line = if line.trim().is_empty() {
            list_text = None;
            line.to_owned()
        } else if let Some(column) = list_item_text(line) {
            list_text = Some(column);
            line.to_owned()
        } else {
            match list_text {
                Some(column) if indent(line) < column && !starts_block(line) => {
                    format!("{}{}", " ".repeat(column), line.trim_start())
                }
                Some(_) if starts_block(line) => {
                    list_text = None;
                    line.to_owned()
                }
                _ => line.to_owned(),
            }
        };
        out.push(inline(&line));
        i += 1;
    }
    if let Some((ch, len)) = fence {
        out.push(std::iter::repeat_n(ch, len).collect());
    }
    // Blank lines at the end say nothing (and `lines` would not see the last one again).
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    out.join("\n")
}

/// One line of text outside code blocks: code spans kept, the rest escaped (see the module).
pub(super) fn inline(line: &str) -> String {
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
                let link = is_link_start(&chars, i);
                brackets.push(link);
                out.push_str(if link { "[" } else { "\\[" });
            }
            ']' => {
                let link = brackets.pop().unwrap_or(false);
                out.push_str(if link { "]" } else { "\\]" });
                closed_link = link;
                i += 1;
                continue;
            }
            '<' => {
                let rest: String = chars[i + 1..].iter().take(64).collect();
                if is_autolink(&rest) {
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
                if !tag_like || is_html_tag(&rest) {
                    out.push('<');
                } else {
                    out.push_str("&lt;");
                }
            }
            'h' if starts_url(&chars, i) && !after_link_punct(&chars, i) => {
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

/// Whether the `[` at `i` starts a Markdown link: `[text](…)`, `[text][ref]`, `[ref]: url`, or
/// an intra-doc link whose text is one code span (`` [`Client::send`] ``: the generator writes
/// those around spec text).
fn is_link_start(chars: &[char], i: usize) -> bool {
    if chars.get(i + 1) == Some(&'`') {
        let run = run_len(chars, i + 1, '`');
        if let Some(close) = find_run(chars, i + 1 + run, run)
            && chars.get(close + run) == Some(&']')
        {
            return true;
        }
    }
    let mut depth = 0usize;
    for j in i..chars.len() {
        match chars[j] {
            '\\' => continue,
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    let next = chars.get(j + 1);
                    return matches!(next, Some('(' | '[')) || (i == 0 && next == Some(&':'));
                }
            }
            _ => {}
        }
    }
    false
}

/// Whether the text after a `<` is an autolink (`<https://…>`, `<mailto:…>`).
fn is_autolink(rest: &str) -> bool {
    let lower = rest.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:"))
        && rest.contains('>')
}

/// Whether the text after a `<` opens or closes a known HTML tag (or is a comment).
fn is_html_tag(rest: &str) -> bool {
    if rest.starts_with("!--") {
        return true;
    }
    let name = rest.strip_prefix('/').unwrap_or(rest);
    let name: String = name
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    let after = rest
        .strip_prefix('/')
        .unwrap_or(rest)
        .chars()
        .nth(name.len());
    HTML_TAGS.contains(&name.as_str()) && matches!(after, Some('>' | ' ' | '/' | '\t'))
}

/// Whether an `http://` or `https://` URL starts at `i`.
fn starts_url(chars: &[char], i: usize) -> bool {
    let rest: String = chars[i..].iter().take(8).collect();
    let lower = rest.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://"))
        && (i == 0 || !chars[i - 1].is_alphanumeric())
}

/// Whether the URL at `i` is already the target of a link, an autolink or an attribute.
fn after_link_punct(chars: &[char], i: usize) -> bool {
    i > 0 && matches!(chars[i - 1], '(' | '"' | '\'' | '=')
}

/// Where the bare URL starting at `i` ends: at white space or a delimiter, without trailing
/// punctuation, and without a `)` it does not open.
fn url_end(chars: &[char], i: usize) -> usize {
    let mut end = i;
    let mut parens = 0i32;
    while end < chars.len() {
        match chars[end] {
            c if c.is_whitespace() => break,
            '<' | '>' | '"' | '`' | '[' | ']' => break,
            '(' => parens += 1,
            ')' if parens == 0 => break,
            ')' => parens -= 1,
            _ => {}
        }
        end += 1;
    }
    while end > i && matches!(chars[end - 1], '.' | ',' | ';' | ':' | '!' | '?' | '\'') {
        end -= 1;
    }
    end
}

/// The length of the run of `c` at `i`.
fn run_len(chars: &[char], i: usize, c: char) -> usize {
    chars[i..].iter().take_while(|&&x| x == c).count()
}

/// Where the next run of exactly `len` backticks starts, from `from`.
fn find_run(chars: &[char], from: usize, len: usize) -> Option<usize> {
    let mut j = from;
    while j < chars.len() {
        if chars[j] == '`' {
            let run = run_len(chars, j, '`');
            if run == len {
                return Some(j);
            }
            j += run;
        } else {
            j += 1;
        }
    }
    None
}

/// The leading white space of a line, a tab counting as four columns.
fn indent(line: &str) -> usize {
    let mut n = 0;
    for c in line.chars() {
        match c {
            ' ' => n += 1,
            '\t' => n += 4,
            _ => break,
        }
    }
    n
}

/// `line` without up to `n` columns of leading white space.
fn dedent(line: &str, n: usize) -> String {
    let mut cols = 0;
    let mut k = 0;
    for (idx, c) in line.char_indices() {
        if cols >= n {
            k = idx;
            break;
        }
        match c {
            ' ' => cols += 1,
            '\t' => cols += 4,
            _ => {
                k = idx;
                break;
            }
        }
        k = idx + c.len_utf8();
    }
    line[k..].to_owned()
}

/// The column where a list item's text starts, if `line` is a list item (`- x`, `1. x`).
fn list_item_text(line: &str) -> Option<usize> {
    let lead = indent(line);
    if lead > 3 {
        return None;
    }
    let t = line.trim_start();
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    let marker = if t.starts_with("- ") || t.starts_with("* ") || t.starts_with("+ ") {
        1
    } else if (1..=9).contains(&digits) && matches!(t[digits..].chars().next(), Some('.' | ')')) {
        if !t[digits + 1..].starts_with(' ') {
            return None;
        }
        digits + 1
    } else {
        return None;
    };
    let spaces = t[marker..]
        .chars()
        .take_while(|c| *c == ' ')
        .count()
        .clamp(1, 4);
    Some(lead + marker + spaces)
}

/// Whether `line` starts a block of its own (a heading, quote, table row, fence or rule)
/// rather than continuing a paragraph.
fn starts_block(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('#')
        || t.starts_with('>')
        || t.starts_with('|')
        || t.starts_with("```")
        || t.starts_with("~~~")
        || t.starts_with("---")
        || t.starts_with("***")
}

/// Whether the lines before a blank line end inside a list (its items or their continuation),
/// where indented text continues an item instead of starting a code block.
fn in_list(before: &[&str]) -> bool {
    for line in before.iter().rev() {
        if line.trim().is_empty() {
            continue;
        }
        let t = line.trim_start();
        let bullet = t.starts_with("- ") || t.starts_with("* ") || t.starts_with("+ ");
        let digits = t.chars().take_while(char::is_ascii_digit).count();
        let numbered = digits > 0 && matches!(t[digits..].chars().next(), Some('.' | ')'));
        if bullet || numbered {
            return true;
        }
        if indent(line) == 0 {
            return false;
        }
    }
    false
}

/// A fence opening: up to three spaces, then three or more backticks or tildes, and the info
/// string.
fn opens_fence(line: &str) -> Option<(char, usize, &str)> {
    if indent(line) > 3 {
        return None;
    }
    let t = line.trim_start();
    let ch = t.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = t.chars().take_while(|c| *c == ch).count();
    if len < 3 {
        return None;
    }
    let info = t[len..].trim();
    (ch == '~' || !info.contains('`')).then_some((ch, len, info))
}

/// Whether `line` closes a fence of `len` `ch`s.
fn closes_fence(line: &str, ch: char, len: usize) -> bool {
    let t = line.trim();
    indent(line) <= 3 && t.chars().all(|c| c == ch) && t.chars().count() >= len
}

/// Whether rustdoc would compile a block with this info string as a Rust doctest.
fn is_rust_info(info: &str) -> bool {
    let first = info
        .split(|c: char| c == ',' || c.is_whitespace())
        .next()
        .unwrap_or("");
    matches!(
        first,
        "" | "rust"
            | "ignore"
            | "should_panic"
            | "no_run"
            | "compile_fail"
            | "edition2015"
            | "edition2018"
            | "edition2021"
            | "edition2024"
            | "test_harness"
            | "standalone_crate"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_blocks_become_text_blocks() {
        assert_eq!(markdown("a\n```\nlet x;\n```"), "a\n```text\nlet x;\n```");
        assert_eq!(markdown("```rust,no_run\nx\n```"), "```text\nx\n```");
        assert_eq!(
            markdown("```json\n{\"a\": [1]}\n```"),
            "```json\n{\"a\": [1]}\n```"
        );
        assert_eq!(markdown("```\nunclosed"), "```text\nunclosed\n```");
        assert_eq!(
            markdown("Example:\n\n    {\"a\": 1}\n      nested\n\nAfter."),
            "Example:\n\n```text\n{\"a\": 1}\n  nested\n```\n\nAfter."
        );
        // Inside a fence nothing is rewritten.
        assert_eq!(markdown("```json\n[x] <T>\n```"), "```json\n[x] <T>\n```");
    }

    #[test]
    fn list_continuations_stay_text() {
        let text = "- item\n\n    more of the item";
        assert_eq!(markdown(text), text);
    }

    #[test]
    fn brackets_that_are_not_links_are_escaped() {
        assert_eq!(
            inline("see [the docs](https://x.io)"),
            "see [the docs](https://x.io)"
        );
        assert_eq!(inline("[ref][1] and [1]: no"), "[ref][1] and \\[1\\]: no");
        assert_eq!(inline("[1]: https://x.io"), "[1]: <https://x.io>");
        assert_eq!(
            inline("a list [a, b] or ids[]"),
            "a list \\[a, b\\] or ids\\[\\]"
        );
        assert_eq!(inline("`[kept]` in code"), "`[kept]` in code");
        assert_eq!(inline("a ] alone"), "a \\] alone");
        assert_eq!(inline("[a [b] c](u)"), "[a \\[b\\] c](u)");
        assert_eq!(inline("see [`Client::send`]."), "see [`Client::send`].");
    }

    #[test]
    fn unknown_tags_are_escaped_known_ones_kept() {
        assert_eq!(inline("a List<String> here"), "a List&lt;String> here");
        assert_eq!(inline("<b>bold</b><br/>"), "<b>bold</b><br/>");
        assert_eq!(inline("a < b and x<y"), "a < b and x&lt;y");
        assert_eq!(inline("<https://x.io/a>"), "<https://x.io/a>");
    }

    #[test]
    fn bare_urls_are_wrapped() {
        assert_eq!(
            inline("See https://x.io/a_(b)/c?d=1. Then"),
            "See <https://x.io/a_(b)/c?d=1>. Then"
        );
        assert_eq!(inline("(https://x.io)"), "(https://x.io)");
        assert_eq!(inline("href=\"https://x.io\""), "href=\"https://x.io\"");
        assert_eq!(inline("`https://x.io`"), "`https://x.io`");
        assert_eq!(inline("xhttps://no"), "xhttps://no");
    }

    #[test]
    fn plain_text_is_unchanged() {
        for text in [
            "The job name (at most 32 characters).",
            "a \\[b\\]",
            "",
            "≤ 5 — ünï",
        ] {
            assert_eq!(markdown(text), text);
        }
    }

    #[test]
    fn lazy_continuations_of_list_items_are_indented() {
        assert_eq!(
            markdown("* one\nmore of one\n* two\n\nafter"),
            "* one\n  more of one\n* two\n\nafter"
        );
        assert_eq!(markdown("1. one\nmore"), "1. one\n   more");
        assert_eq!(markdown("- one\n# Title"), "- one\n# Title");
        assert_eq!(markdown("a\tb"), "a    b");
    }

    #[test]
    fn carriage_returns_end_lines() {
        assert_eq!(markdown("one\r\ntwo\rthree"), "one\ntwo\nthree");
        assert_eq!(inline("a\rb"), "a b");
    }

    proptest::proptest! {
        /// Any text is rewritten without panicking, and rewriting it again changes nothing.
        #[test]
        fn any_text_is_rewritten_once(text in "(\\PC|[\\[\\]<>`~ \\r\\n\\t\\\\]|https://|    |```){0,80}") {
            let once = markdown(&text);
            proptest::prop_assert_eq!(markdown(&once), once);
        }
    }
}
