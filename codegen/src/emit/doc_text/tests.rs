//! The rewrites of `doc_text`, case by case. Each case is a text rustdoc (with `-D warnings`)
//! rejects as written, and accepts as rewritten.

use super::inline::{Definitions, inline};
use super::{line, markdown};

/// One line rewritten with no link definitions.
fn text(line: &str) -> String {
    inline(line, &Definitions::default(), false)
}

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
fn fence_info_strings_rustdoc_cannot_parse_become_text() {
    // Kubernetes' Quantity: a grammar on the fence's line is its info string to CommonMark.
    assert_eq!(
        markdown("``` <quantity> ::= <number>\nx ```"),
        "```text\nx ```\n```"
    );
    assert_eq!(
        markdown("```json {title=\"a\"}\n{}\n```"),
        "```json\n{}\n```"
    );
    assert_eq!(markdown("~~~{.rust}\nx\n~~~"), "~~~text\nx\n~~~");
}

#[test]
fn list_continuations_stay_text() {
    let text = "- item\n\n    more of the item";
    assert_eq!(markdown(text), text);
}

#[test]
fn indented_code_after_a_list_inside_a_code_block_is_code() {
    // The items are inside the first code block: the second indented block is no list
    // item's continuation but a block rustdoc would compile.
    let text = "Intro:\n\n    block\n      * item\n\n</details>\n\n    second block";
    assert_eq!(
        markdown(text),
        "Intro:\n\n```text\nblock\n  * item\n```\n\n&lt;/details>\n\n```text\nsecond block\n```"
    );
    // Indented code inside a list item is fenced at the item's text.
    assert_eq!(
        markdown("- item\n\n        code"),
        "- item\n\n  ```text\n    code\n  ```"
    );
}

#[test]
fn brackets_that_are_not_links_are_escaped() {
    assert_eq!(
        text("see [the docs](https://x.io)"),
        "see [the docs](https://x.io)"
    );
    assert_eq!(
        markdown("[ref][1] and [2]: no\n\n[1]: https://x.io"),
        "[ref][1] and \\[2\\]: no\n\n[1]: <https://x.io>"
    );
    assert_eq!(
        text("a list [a, b] or ids[]"),
        "a list \\[a, b\\] or ids\\[\\]"
    );
    assert_eq!(text("`[kept]` in code"), "`[kept]` in code");
    assert_eq!(text("a ] alone"), "a \\] alone");
    assert_eq!(text("[a [b] c](u/v)"), "[a \\[b\\] c](u/v)");
    assert_eq!(text("[a\\]b](https://x.io)"), "[a\\]b](https://x.io)");
}

#[test]
fn reference_links_to_undefined_labels_are_escaped() {
    // Zuora: a regular expression, `[A-Z][\w\-]`, reads as a reference link to `\w\-`.
    assert_eq!(
        text("the pattern: ^[A-Z][\\\\w\\\\-]*$"),
        "the pattern: ^\\[A-Z\\]\\[\\\\w\\\\-\\]*$"
    );
    assert_eq!(text("matrix[i][j] is"), "matrix\\[i\\]\\[j\\] is");
    assert_eq!(
        text("[ref][1] and [x][]"),
        "\\[ref\\]\\[1\\] and \\[x\\]\\[\\]"
    );
    // Defined labels (case-insensitive) stay links, in all three forms.
    assert_eq!(
        markdown("[a][Docs], [docs][] and [Docs].\n\n[docs]: https://x.io"),
        "[a][Docs], [docs][] and [Docs].\n\n[docs]: <https://x.io>"
    );
    // A definition whose target is an item path to rustdoc defines no link.
    assert_eq!(markdown("[a][p]\n\n[p]: Pet"), "\\[a\\]\\[p\\]\n\n[p]: Pet");
}

#[test]
fn links_to_item_paths_are_escaped() {
    // rustdoc resolves a target without `/`, `.`, `-`, … as an item path, which a spec's
    // never is.
    assert_eq!(text("see [Pet](Pet)"), "see \\[Pet\\](Pet)");
    assert_eq!(text("[c](Foo#x)"), "\\[c\\](Foo#x)");
    assert_eq!(
        text("[`send`] and [`/a/b`]"),
        "\\[`send`\\] and \\[`/a/b`\\]"
    );
    // The generator's own links (a type, a path) are kept.
    for ours in [
        "see [`Credentials::anonymous`] or [`TokenSource`](::aqua_runtime::TokenSource)",
        "[`bearer`](Credentials::bearer)",
    ] {
        assert_eq!(text(ours), ours);
    }
    for kept in [
        "[a](foo-bar)",
        "[b](#frag)",
        "[c](./pets.md)",
        "[d](<https://x.io/a b>)",
        "[e](https://x.io \"title\")",
        "![img](https://x.io/a.png)",
    ] {
        assert_eq!(text(kept), kept);
    }
}

#[test]
fn unknown_tags_are_escaped_known_ones_kept() {
    assert_eq!(text("a List<String> here"), "a List&lt;String> here");
    assert_eq!(text("<b>bold</b><br/>"), "<b>bold</b><br/>");
    assert_eq!(text("a < b and x<y"), "a < b and x&lt;y");
    assert_eq!(text("<https://x.io/a>"), "<https://x.io/a>");
    assert_eq!(
        text("<a href=\"https://x.io\">x</a>"),
        "<a href=\"https://x.io\">x</a>"
    );
}

#[test]
fn tags_commonmark_cannot_read_are_text() {
    // No space between attributes: not a tag to CommonMark, so its `</a>` would close nothing.
    assert_eq!(
        markdown("<b>A</b> <a href=\"/x\"target=\"_blank\">Codes</a> list"),
        "<b>A</b> &lt;a href=\"/x\"target=\"_blank\">Codes&lt;/a> list"
    );
    assert_eq!(
        markdown("the <strong>field</strong field"),
        "the &lt;strong>field&lt;/strong field"
    );
    assert_eq!(
        markdown("<span a=1 b='x y' c>ok</span>"),
        "<span a=1 b='x y' c>ok</span>"
    );
}

#[test]
fn a_definition_after_a_paragraph_line_is_text() {
    assert_eq!(
        markdown("see [here][ref].\n[ref]: https://x.io/a"),
        "see \\[here\\]\\[ref\\].\n\\[ref\\]: <https://x.io/a>"
    );
    // Text after the URL that is no title: no definition either.
    assert_eq!(
        markdown("[Experimental]: Top countries"),
        "\\[Experimental\\]: Top countries"
    );
    assert_eq!(
        markdown("[a]\n\n[a]: https://x.io \"T\""),
        "[a]\n\n[a]: <https://x.io> \"T\""
    );
}

#[test]
fn autolinks_and_urls_end_at_a_table_cell() {
    assert_eq!(
        markdown("| a | <https://x.io|>\n| b | https://y.io|"),
        "| a | &lt;<https://x.io>|>\n| b | <https://y.io>|"
    );
}

#[test]
fn unbalanced_tags_are_escaped() {
    assert_eq!(markdown("a <b>bold"), "a &lt;b>bold");
    assert_eq!(markdown("a</b> b"), "a&lt;/b> b");
    assert_eq!(
        markdown("a <p/> b <br/> <I>c</i>"),
        "a &lt;p/> b <br/> <I>c</i>"
    );
    // `</ul>` closes the items rustdoc sees as unclosed: they are escaped, the list kept.
    assert_eq!(
        markdown("x <ul><li>a<li>b</ul> <br>"),
        "x <ul>&lt;li>a&lt;li>b</ul> <br>"
    );
    // Across lines and paragraphs, as rustdoc counts them; code is not looked into.
    assert_eq!(
        markdown("a <span>b\n\nc</span> `</span>`"),
        "a <span>b\n\nc</span> `</span>`"
    );
    assert_eq!(markdown("<p>one<p>two</p>"), "&lt;p>one<p>two</p>");
}

#[test]
fn html_blocks_are_html() {
    // A line that starts with a block tag is HTML to rustdoc: no URL is wrapped (an
    // autolink there would be a tag `<https>`), no bracket escaped; only stray `<` are.
    assert_eq!(
        markdown("<p>Begins with <code>https://</code> [x] List<T></p>"),
        "<p>Begins with <code>https://</code> [x] List&lt;T></p>"
    );
    assert_eq!(
        markdown("<pre>curl <http://h/x>\n\n[a]</pre>\nafter https://x.io"),
        "<pre>curl &lt;http://h/x>\n\n[a]</pre>\nafter <https://x.io>"
    );
    // The block ends at a blank line; Markdown follows.
    assert_eq!(
        markdown("<div>a</div>\n\n[x] https://x.io"),
        "<div>a</div>\n\n\\[x\\] <https://x.io>"
    );
    // A tag alone on a line that is not a block tag starts a block only after a blank.
    assert_eq!(markdown("a\n<b>x</b> [y]"), "a\n<b>x</b> \\[y\\]");
}

#[test]
fn bare_urls_are_wrapped() {
    assert_eq!(
        text("See https://x.io/a_(b)/c?d=1. Then"),
        "See <https://x.io/a_(b)/c?d=1>. Then"
    );
    // In parentheses, quotes, after `=`: still bare to rustdoc.
    assert_eq!(text("(https://x.io)"), "(<https://x.io>)");
    assert_eq!(
        text("e.g. \"https://rest.zuora.com/v1/x\" or 'https://x.io'"),
        "e.g. \"<https://rest.zuora.com/v1/x>\" or '<https://x.io>'"
    );
    assert_eq!(text("u=https://x.io"), "u=<https://x.io>");
    assert_eq!(text("xhttps://x.io"), "x<https://x.io>");
    assert_eq!(text("HTTPS://X.IO"), "<HTTPS://X.IO>");
    // Not in code, a link's text or target, or a tag.
    assert_eq!(text("`https://x.io`"), "`https://x.io`");
    assert_eq!(
        text("[https://x.io](https://x.io)"),
        "[https://x.io](https://x.io)"
    );
    assert_eq!(
        text("<a href=\"https://x.io\">"),
        "<a href=\"https://x.io\">"
    );
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
    assert_eq!(text("a\rb"), "a b");
}

#[test]
fn a_title_stays_one_line() {
    assert_eq!(line("My <b>API</b>\n  v2"), "My <b>API</b>   v2");
    assert_eq!(line("```json x"), "json x");
    assert_eq!(line("    Indented"), "Indented");
}

proptest::proptest! {
    /// Any text is rewritten without panicking, and rewriting it again changes nothing.
    #[test]
    fn any_text_is_rewritten_once(text in "(\\PC|[\\[\\]<>`~ \\r\\n\\t\\\\()#:*/]|https://x.io|<p>|</p>|<b>|</b>|<br/>|<pre>|</pre>|<div>|    |```|\\[a\\]: u/v){0,80}") {
        let once = markdown(&text);
        proptest::prop_assert_eq!(markdown(&once), once);
    }
}
