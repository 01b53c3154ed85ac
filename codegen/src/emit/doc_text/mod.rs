//! Spec text made safe for rustdoc.
//!
//! Descriptions are CommonMark written for API portals, not for rustdoc, and rustdoc reads them
//! differently in ways that break a crate (every one a rustdoc lint): an indented or
//! unlabelled fenced block is a Rust doctest that `cargo test` compiles; `[word]`, `[a][b]`
//! with `b` undefined, and `[text](Word)` are intra-doc links that do not resolve; `<Type>` is
//! an unclosed HTML tag, and so are a `<p>` never closed and a `</b>` that closes nothing; a
//! bare URL is not a link. [`markdown`] rewrites those (code blocks become `text` blocks,
//! brackets that are no link and unknown or unbalanced tags are escaped, bare URLs are
//! wrapped in `<…>`) and leaves everything else as written. HTML blocks (a line that starts
//! with `<p>`, `<div>`, `<pre>`, …) are HTML to rustdoc, not Markdown: there only `<` is
//! escaped where needed.
//!
//! `inline.rs` rewrites a line of Markdown text, `html.rs` the HTML.

mod html;
mod inline;
#[cfg(test)]
mod tests;

use html::BlockEnd;

/// What rustdoc reads a line of the rewritten text as.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// A line of a code block (or its fence): text, never looked into.
    Code,
    /// A line of an HTML block.
    Html,
    /// Markdown.
    Text,
}

/// A description (several lines of CommonMark) made safe for rustdoc.
///
/// Escaping a tag can change what rustdoc reads the lines after it as (a line that starts
/// with `<p>` starts an HTML block, with `&lt;p>` a paragraph): the text is rewritten until
/// a rewrite changes nothing, at most a few times.
pub(super) fn markdown(text: &str) -> String {
    let mut text = rewrite(text);
    for _ in 0..8 {
        let again = rewrite(&text);
        if again == text {
            break;
        }
        text = again;
    }
    text
}

/// One rewrite of a description (see [`markdown`]).
fn rewrite(text: &str) -> String {
    // A bare carriage return is no line end for rustc: it refuses it in a doc comment.
    // Tabs as four spaces, as rustdoc would show them (clippy's `tabs_in_doc_comments`).
    let text = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\t', "    ");
    let lines: Vec<&str> = text.lines().collect();
    let defs = inline::definitions(&lines);
    let mut out: Vec<(String, Kind)> = Vec::with_capacity(lines.len());
    // The open fence: its character, length and indentation.
    let mut fence: Option<(char, usize, usize)> = None;
    let mut html_block: Option<BlockEnd> = None;
    // The column of the text of the list item being written, if any; and whether the line
    // before was blank (or ended a block), where an indented code block may start.
    let mut list: Option<usize> = None;
    let mut lazy_ok = false;
    let mut after_blank = true;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if let Some((ch, len, _)) = fence {
            if closes_fence(line, ch, len) {
                fence = None;
                after_blank = true;
            }
            out.push((line.to_owned(), Kind::Code));
            continue;
        }
        if let Some(end) = html_block {
            if end == BlockEnd::Blank && line.trim().is_empty() {
                html_block = None;
                out.push((String::new(), Kind::Text));
                after_blank = true;
                continue;
            }
            if html::block_ends(line, end) {
                html_block = None;
                after_blank = true;
            }
            out.push((html::block_line(line), Kind::Html));
            continue;
        }
        if line.trim().is_empty() {
            out.push((String::new(), Kind::Text));
            after_blank = true;
            lazy_ok = false;
            continue;
        }
        let base = list.unwrap_or(0);
        if let Some((ch, len, info)) = opens_fence(line, base) {
            fence = Some((ch, len, indent(line)));
            let marker: String = std::iter::repeat_n(ch, len).collect();
            let lead = " ".repeat(indent(line));
            out.push((format!("{lead}{marker}{}", fence_info(info)), Kind::Code));
            continue;
        }
        // After a blank line, a line indented less than the list item's text ends the list
        // (unless it is an item of its own).
        if after_blank && indent(line) < base && list_item_text(line, base).is_none() {
            list = None;
        }
        let base = list.unwrap_or(0);
        if after_blank && indent(line) >= base + 4 {
            // An indented code block: fenced as text, dedented (inside a list item, the fence
            // stands at the item's text).
            let start = i - 1;
            while i < lines.len() && (lines[i].trim().is_empty() || indent(lines[i]) >= base + 4) {
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
            let marker = format!("{}{}", " ".repeat(base), "`".repeat(longest.max(2) + 1));
            out.push((format!("{marker}text"), Kind::Code));
            out.extend(body.into_iter().map(|l| (l, Kind::Code)));
            out.push((marker, Kind::Code));
            out.extend(lines[end..i].iter().map(|_| (String::new(), Kind::Text)));
            after_blank = true;
            lazy_ok = false;
            continue;
        }
        if indent(line) <= base + 3
            && let Some(end) = html::block_start(line, after_blank)
        {
            if end == BlockEnd::Blank || !html::block_ends(line, end) {
                html_block = Some(end);
            }
            out.push((html::block_line(line), Kind::Html));
            after_blank = html_block.is_none();
            lazy_ok = false;
            continue;
        }
        // A line that continues a list item's text without indentation (a lazy
        // continuation) is indented to the item's text: it reads the same, and unambiguously.
        let line = if let Some(column) = list_item_text(line, base) {
            list = Some(column);
            lazy_ok = true;
            line.to_owned()
        } else {
            match list {
                Some(column) if indent(line) < column && lazy_ok && !starts_block(line) => {
                    format!("{}{}", " ".repeat(column), line.trim_start())
                }
                Some(_) if starts_block(line) && indent(line) < base => {
                    list = None;
                    line.to_owned()
                }
                _ => line.to_owned(),
            }
        };
        after_blank = line.trim_start().starts_with('#');
        out.push((
            inline::inline(&line, &defs, defs.is_definition(i - 1)),
            Kind::Text,
        ));
    }
    if let Some((ch, len, lead)) = fence {
        out.push((
            format!(
                "{}{}",
                " ".repeat(lead),
                String::from_iter(std::iter::repeat_n(ch, len))
            ),
            Kind::Code,
        ));
    }
    html::balance(&mut out);
    // Blank lines at the end say nothing (and `lines` would not see the last one again).
    while out.last().is_some_and(|(l, _)| l.trim().is_empty()) {
        out.pop();
    }
    let out: Vec<String> = out.into_iter().map(|(l, _)| l).collect();
    out.join("\n")
}

/// One line of spec text (a title) made safe for rustdoc.
pub(super) fn line(text: &str) -> String {
    let text = text.replace(['\r', '\n'], " ");
    // A fence marker at the start would make it a code block: the text after it is kept.
    let mut text = text.trim();
    if opens_fence(text, 0).is_some() {
        text = text.trim_start_matches(['`', '~']);
    }
    markdown(text)
}

/// The info string of a fence as rustdoc may read it: its first word when that is a plain
/// language name (rustdoc warns about attributes it cannot parse, such as `<quantity>`), and
/// `text` for Rust (which rustdoc would compile) or anything else.
fn fence_info(info: &str) -> &str {
    let first = info
        .split(|c: char| c == ',' || c.is_whitespace())
        .next()
        .unwrap_or("");
    let plain = first.starts_with(|c: char| c.is_ascii_alphabetic())
        && first
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+' | '.' | '#'));
    if !plain || is_rust_info(first) {
        "text"
    } else {
        first
    }
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
fn list_item_text(line: &str, base: usize) -> Option<usize> {
    let lead = indent(line);
    if lead > base + 3 {
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

/// A fence opening: up to three spaces (beyond the list item's text at `base`), then three or
/// more backticks or tildes, and the info string.
fn opens_fence(line: &str, base: usize) -> Option<(char, usize, &str)> {
    if indent(line) > base + 3 {
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

/// Whether `line` closes a fence of `len` `ch`s. At any indentation: a fence that rustdoc
/// still reads as open would only make more text code.
fn closes_fence(line: &str, ch: char, len: usize) -> bool {
    let t = line.trim();
    !t.is_empty() && t.chars().all(|c| c == ch) && t.chars().count() >= len
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
