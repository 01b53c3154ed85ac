//! The subset of ZOQL the local server understands:
//!
//! ```text
//! select <* | column [, column]*> from <Object> [where <condition>] [;]
//! ```
//!
//! Keywords, object and column names are case-insensitive. A column is `Field` or
//! `Object.Field` with the queried object. Functions, aliases and joined objects are refused as
//! syntax errors.
//!
//! The `where` condition is evaluated (see the `filter` module): comparisons of a column
//! with a literal (`=`, `!=`, `<>`, `<`, `<=`, `>`, `>=`), `is [not] null`, joined with `and`,
//! `or`, `not` and parentheses. Date-time literals are ISO 8601 with a `T`
//! (`'2024-01-01T00:00:00Z'`, `'2024-01-01T00:00:00-08:00'`, or without an offset in tenant
//! time), as Zuora expects; a literal that does not fit the column's type is a syntax error.

use crate::data::{OBJECTS, object};
use crate::filter::{self, Filter};

/// A parsed query: which object, which columns, which rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParsedQuery {
    /// The index of the object in [`OBJECTS`].
    pub(crate) object: usize,
    /// The indices of the selected fields, in the order selected.
    pub(crate) columns: Vec<usize>,
    /// The `where` condition, if any.
    pub(crate) filter: Option<Filter>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    Word(String),
    Punct(char),
    /// A string literal, unquoted.
    Text(String),
    /// A number (or an unquoted date such as `2024-01-01`), as written.
    Number(String),
}

impl Token {
    pub(crate) fn is_word(&self, keyword: &str) -> bool {
        matches!(self, Token::Word(w) if w.eq_ignore_ascii_case(keyword))
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Token::Word(w) => format!("`{w}`"),
            Token::Punct(c) => format!("`{c}`"),
            Token::Text(_) => "a string literal".to_owned(),
            Token::Number(n) => format!("the number `{n}`"),
        }
    }
}

fn tokenize(query: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = query.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c.is_ascii_alphabetic() || c == '_' {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_ascii_alphanumeric() || c == '_' {
                    word.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            tokens.push(Token::Word(word));
        } else if c.is_ascii_digit() {
            let mut number = String::new();
            while let Some(&c) = chars
                .peek()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
            {
                number.push(c);
                chars.next();
            }
            tokens.push(Token::Number(number));
        } else if c == '\'' {
            chars.next();
            let mut closed = false;
            let mut text = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(escaped) = chars.next() {
                            text.push(escaped);
                        }
                    }
                    '\'' if chars.peek() == Some(&'\'') => {
                        chars.next();
                        text.push('\'');
                    }
                    '\'' => {
                        closed = true;
                        break;
                    }
                    _ => text.push(c),
                }
            }
            if !closed {
                return Err("a string literal is not closed".to_owned());
            }
            tokens.push(Token::Text(text));
        } else if ",.*();=<>!+-/%".contains(c) {
            chars.next();
            tokens.push(Token::Punct(c));
        } else {
            return Err(format!("unexpected character `{c}`"));
        }
    }
    Ok(tokens)
}

/// Parses `query` against the tenant's objects. The error is a short description of the
/// problem, for the message of error 90005.
pub(crate) fn parse(query: &str) -> Result<ParsedQuery, String> {
    let tokens = tokenize(query)?;
    let mut pos = 0;
    let next = |pos: &mut usize| {
        let t = tokens.get(*pos);
        *pos += 1;
        t
    };
    if !next(&mut pos).is_some_and(|t| t.is_word("select")) {
        return Err("a query starts with `select`".to_owned());
    }

    // The column list, kept as written until the object is known.
    let mut star = false;
    let mut columns: Vec<(Option<String>, String)> = Vec::new();
    if tokens.get(pos) == Some(&Token::Punct('*')) {
        pos += 1;
        star = true;
    } else {
        loop {
            let first = match next(&mut pos) {
                Some(Token::Word(w)) if !w.eq_ignore_ascii_case("from") => w.clone(),
                Some(t) => return Err(format!("expected a column name, found {}", t.describe())),
                None => return Err("expected a column name".to_owned()),
            };
            let column = if tokens.get(pos) == Some(&Token::Punct('.')) {
                pos += 1;
                match next(&mut pos) {
                    Some(Token::Word(w)) => (Some(first), w.clone()),
                    _ => return Err(format!("expected a field name after `{first}.`")),
                }
            } else {
                (None, first)
            };
            match tokens.get(pos) {
                Some(Token::Punct('(')) => {
                    return Err(format!(
                        "functions such as `{}()` are not supported by the local server",
                        column.1
                    ));
                }
                Some(t) if t.is_word("as") => {
                    return Err("column aliases are not supported by the local server".to_owned());
                }
                _ => {}
            }
            columns.push(column);
            if tokens.get(pos) == Some(&Token::Punct(',')) {
                pos += 1;
            } else {
                break;
            }
        }
    }

    match next(&mut pos) {
        Some(t) if t.is_word("from") => {}
        Some(t) => return Err(format!("expected `from`, found {}", t.describe())),
        None => return Err("expected `from`".to_owned()),
    }
    let object_name = match next(&mut pos) {
        Some(Token::Word(w)) => w.clone(),
        _ => return Err("expected an object name after `from`".to_owned()),
    };
    let index = object(&object_name).ok_or_else(|| {
        let known: Vec<&str> = OBJECTS.iter().map(|o| o.name).collect();
        format!(
            "unknown object `{object_name}` (the local tenant has {})",
            known.join(", ")
        )
    })?;
    let schema = &OBJECTS[index];

    // The rest: nothing, `;`, or `where <condition>`.
    let mut rest = &tokens[pos.min(tokens.len())..];
    if rest.last() == Some(&Token::Punct(';')) {
        rest = &rest[..rest.len() - 1];
    }
    let mut condition = None;
    if let Some(first) = rest.first() {
        if !first.is_word("where") {
            return Err(format!(
                "unexpected {} after the object name",
                first.describe()
            ));
        }
        let tokens = &rest[1..];
        if tokens.is_empty() {
            return Err("`where` needs a condition".to_owned());
        }
        let mut depth = 0i32;
        for t in tokens {
            match t {
                Token::Punct('(') => depth += 1,
                Token::Punct(')') => depth -= 1,
                _ => {}
            }
            if depth < 0 {
                return Err("unbalanced parentheses in the `where` condition".to_owned());
            }
        }
        if depth != 0 {
            return Err("unbalanced parentheses in the `where` condition".to_owned());
        }
        condition = Some(filter::parse(tokens, schema)?);
    }

    let columns = if star {
        (0..schema.fields.len()).collect()
    } else {
        columns
            .into_iter()
            .map(|(qualifier, name)| {
                if let Some(q) = &qualifier
                    && !q.eq_ignore_ascii_case(schema.name)
                {
                    return Err(format!(
                        "`{q}.{name}`: joined objects are not supported by the local server"
                    ));
                }
                schema
                    .field(&name)
                    .ok_or_else(|| format!("unknown column `{name}` of object `{}`", schema.name))
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    Ok(ParsedQuery {
        object: index,
        columns,
        filter: condition,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(q: &ParsedQuery) -> Vec<&'static str> {
        let schema = &OBJECTS[q.object];
        q.columns.iter().map(|&i| schema.fields[i].name).collect()
    }

    #[test]
    fn selected_columns_are_resolved() {
        let q = parse("select Id,StartDate,EndDate,FiscalYear,Name,Status from AccountingPeriod")
            .unwrap();
        assert_eq!(
            names(&q),
            ["Id", "StartDate", "EndDate", "FiscalYear", "Name", "Status"]
        );
        let q = parse("SELECT account.name, ACCOUNTNUMBER FROM account WHERE Status = 'Active';")
            .unwrap();
        assert_eq!(names(&q), ["Name", "AccountNumber"]);
        let q = parse(
            "select * from Invoice where (Amount > 10 and UpdatedDate >= '2024-01-01T00:00:00Z')",
        )
        .unwrap();
        assert_eq!(q.columns.len(), OBJECTS[q.object].fields.len());
    }

    #[test]
    fn invalid_queries_are_explained() {
        for (query, expected) in [
            ("", "starts with `select`"),
            ("delete from Account", "starts with `select`"),
            ("select from Account", "expected a column name"),
            ("select Id Account", "expected `from`"),
            ("select Id from", "expected an object name"),
            ("select Id from Nope", "unknown object `Nope`"),
            ("select Nope from Account", "unknown column `Nope`"),
            ("select count(Id) from Account", "functions"),
            ("select Id as X from Account", "aliases"),
            ("select Invoice.Id from Account", "joined objects"),
            ("select Id from Account order by Id", "unexpected `order`"),
            ("select Id from Account where", "needs a condition"),
            ("select Id from Account where Name = 'x", "not closed"),
            ("select Id from Account where (Id = 1", "unbalanced"),
            (
                "select Id from Account where Id = #",
                "unexpected character",
            ),
            (
                "select Id from Account where Nope = 1",
                "unknown column `Nope`",
            ),
            ("select Id from Account where Balance = 'x'", "not a number"),
            (
                "select Id from Account where UpdatedDate > '2024-01-01 00:00:00'",
                "date-time",
            ),
            (
                "select Id from Account where Id = 'a' and",
                "expected a column",
            ),
            (
                "select Id from Account where Id 'a'",
                "expected a comparison",
            ),
        ] {
            let err = parse(query).unwrap_err();
            assert!(err.contains(expected), "{query}: {err}");
        }
    }
}
