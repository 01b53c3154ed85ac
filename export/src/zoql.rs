//! The little ZOQL the export needs to read and write: which columns a query selects, adding
//! a date-time window to its `where` condition, and comparing query texts.

use chrono::{DateTime, Utc};

/// Whether `name` is a plain identifier (`Account`, `UpdatedDate`).
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The byte ranges of `query` outside string literals, as `(start, end)` pairs.
fn outside_literals(query: &str) -> Vec<(usize, usize)> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let bytes = query.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match (quoted, bytes[i]) {
            (false, b'\'') => {
                parts.push((start, i));
                quoted = true;
            }
            (true, b'\\') => i += 1,
            (true, b'\'') if bytes.get(i + 1) == Some(&b'\'') => i += 1,
            (true, b'\'') => {
                quoted = false;
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if !quoted {
        parts.push((start, bytes.len()));
    }
    parts
}

/// The byte offset of the keyword `word` (ASCII case ignored) at depth 0 outside literals.
fn keyword(query: &str, word: &str) -> Option<usize> {
    let lower = query.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let boundary = |i: usize| {
        bytes
            .get(i)
            .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
    };
    let mut depth = 0i32;
    for (start, end) in outside_literals(query) {
        let mut i = start;
        while i < end {
            match bytes[i] {
                b'(' => depth += 1,
                b')' => depth -= 1,
                _ => {}
            }
            if depth == 0
                && bytes[i..end].starts_with(word.as_bytes())
                && (i == 0 || boundary(i - 1))
                && boundary(i + word.len())
            {
                return Some(i);
            }
            i += 1;
        }
    }
    None
}

/// Whether `query` selects `column` (as `column` or `Object.column`, case ignored):
/// `Some(true)` for `select *`, `None` when the select list cannot be found.
pub(crate) fn selects(query: &str, column: &str) -> Option<bool> {
    let select = keyword(query, "select")?;
    let from = keyword(query, "from")?;
    let list = query.get(select + "select".len()..from)?.trim();
    if list == "*" {
        return Some(true);
    }
    Some(list.split(',').any(|item| {
        let item = item.trim();
        let field = item.rsplit_once('.').map_or(item, |(_, f)| f);
        field.trim().eq_ignore_ascii_case(column)
    }))
}

/// `query` with `condition` added: `… where (<its condition>) and <condition>`, or
/// `… where <condition>` when it has none. A trailing `;` is dropped.
pub(crate) fn and_where(query: &str, condition: &str) -> String {
    let query = query.trim().trim_end_matches(';').trim_end();
    match keyword(query, "where") {
        Some(at) => {
            let existing = query[at + "where".len()..].trim();
            format!(
                "{} where ({existing}) and {condition}",
                query[..at].trim_end()
            )
        }
        None => format!("{query} where {condition}"),
    }
}

/// A date-time literal as Zuora expects it in a filter: ISO 8601 with `T` and `Z` (a
/// literal with a space is silently ignored by Zuora, which then returns every record).
pub(crate) fn literal(at: DateTime<Utc>) -> String {
    format!("'{}'", at.format("%Y-%m-%dT%H:%M:%SZ"))
}

/// The condition of the window `[start, end)` of `field`; `None` when it is unbounded.
pub(crate) fn window_condition(
    field: &str,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
) -> Option<String> {
    match (start, end) {
        (None, None) => None,
        (Some(s), None) => Some(format!("{field} >= {}", literal(s))),
        (None, Some(e)) => Some(format!("{field} < {}", literal(e))),
        (Some(s), Some(e)) => Some(format!(
            "{field} >= {} and {field} < {}",
            literal(s),
            literal(e)
        )),
    }
}

/// A query text with whitespace collapsed and ASCII case folded, as AQuA compares queries to
/// decide that one changed.
pub(crate) fn normalize(query: &str) -> String {
    query
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn select_lists_are_read() {
        assert_eq!(selects("select * from Account", "Id"), Some(true));
        assert_eq!(
            selects("SELECT Account.ID, Name FROM Account", "Id"),
            Some(true)
        );
        assert_eq!(
            selects("select Name, Balance from Account", "Id"),
            Some(false)
        );
        assert_eq!(
            selects("select Name from Account where Id = 'x'", "Id"),
            Some(false)
        );
        assert_eq!(selects("select Idea from Account", "Id"), Some(false));
        assert_eq!(selects("nonsense", "Id"), None);
        // Non-ASCII text never splits a character.
        assert_eq!(selects("select Id, Nämé from Ünïcode", "Id"), Some(true));
    }

    #[test]
    fn windows_are_added_to_the_condition() {
        let cond = "UpdatedDate >= '2024-01-01T00:00:00Z'";
        assert_eq!(
            and_where("select * from Invoice;", cond),
            format!("select * from Invoice where {cond}")
        );
        assert_eq!(
            and_where(
                "select * from Invoice WHERE Status = 'a' or Status = 'b'",
                cond
            ),
            format!("select * from Invoice where (Status = 'a' or Status = 'b') and {cond}")
        );
        // A `where` inside a literal or a word is not the keyword.
        assert_eq!(
            and_where("select * from Invoice_where_x", cond),
            format!("select * from Invoice_where_x where {cond}")
        );
        assert_eq!(
            and_where("select Id from A where Name = 'x where y'", cond),
            format!("select Id from A where (Name = 'x where y') and {cond}")
        );
        let at = Utc.with_ymd_and_hms(2024, 2, 29, 13, 5, 0).unwrap();
        assert_eq!(literal(at), "'2024-02-29T13:05:00Z'");
        assert_eq!(window_condition("F", None, None), None);
        assert_eq!(
            window_condition("F", Some(at), Some(at)).as_deref(),
            Some("F >= '2024-02-29T13:05:00Z' and F < '2024-02-29T13:05:00Z'")
        );
        assert!(is_identifier("InvoiceItem") && !is_identifier("1a") && !is_identifier("a-b"));
        assert_eq!(normalize(" select  *\nFROM x "), "select * from x");
    }
}
