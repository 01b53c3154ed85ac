//! The `where` condition of a query: parsed against the object's columns when the job is
//! submitted (a bad condition is error 90005), evaluated on each row when the job completes.
//!
//! ```text
//! condition  := conjunct ("or" conjunct)*
//! conjunct   := negation ("and" negation)*
//! negation   := "not" negation | "(" condition ")" | comparison
//! comparison := column op literal | column "is" ["not"] "null"
//! op         := "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="
//! ```
//!
//! A comparison with a null cell is false, as in SQL. Literals are read by the column's type:
//! numbers for integers and amounts, `true`/`false` for booleans, `'2024-01-31'` for dates,
//! and ISO 8601 date-times with a `T` (`'2024-01-01T00:00:00Z'`, an offset such as `-08:00` or
//! `+0000`, or none for tenant time) for date-times. Zuora silently ignores a date-time literal
//! written with a space (`'2024-01-01 00:00:00'`) and returns every row; the local server
//! refuses it instead, so that the mistake shows.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};

use crate::data::{Kind, ObjectSchema, Row, TENANT_OFFSET_HOURS, Value};
use crate::query::Token;

/// The deepest nesting of parentheses and `not`s accepted (deeper is refused, never a stack
/// overflow).
const MAX_DEPTH: usize = 64;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A parsed condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Filter {
    /// `column op literal`.
    Compare {
        column: usize,
        op: Op,
        value: Value,
    },
    /// `column is null` (or `is not null` when `negated`).
    IsNull {
        column: usize,
        negated: bool,
    },
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

impl Filter {
    /// Whether `row` satisfies the condition.
    pub(crate) fn matches(&self, row: &Row) -> bool {
        match self {
            Filter::Compare { column, op, value } => compare(&row.values[*column], value)
                .is_some_and(|ordering| match op {
                    Op::Eq => ordering == Ordering::Equal,
                    Op::Ne => ordering != Ordering::Equal,
                    Op::Lt => ordering == Ordering::Less,
                    Op::Le => ordering != Ordering::Greater,
                    Op::Gt => ordering == Ordering::Greater,
                    Op::Ge => ordering != Ordering::Less,
                }),
            Filter::IsNull { column, negated } => (row.values[*column] == Value::Null) != *negated,
            Filter::And(a, b) => a.matches(row) && b.matches(row),
            Filter::Or(a, b) => a.matches(row) || b.matches(row),
            Filter::Not(a) => !a.matches(row),
        }
    }
}

/// Orders two cells of the same type; `None` for a null or mismatched cell.
fn compare(cell: &Value, literal: &Value) -> Option<Ordering> {
    match (cell, literal) {
        (Value::Text(a), Value::Text(b)) => Some(a.cmp(b)),
        (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
        (Value::DateTime(a), Value::DateTime(b)) => Some(a.cmp(b)),
        (Value::Decimal(a), Value::Decimal(b)) => Some(a.cmp(b)),
        (Value::Integer(a), Value::Integer(b)) => Some(a.cmp(b)),
        (Value::Boolean(a), Value::Boolean(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// Parses the tokens after `where` against `schema`.
pub(crate) fn parse(tokens: &[Token], schema: &ObjectSchema) -> Result<Filter, String> {
    let mut parser = Parser {
        tokens,
        pos: 0,
        schema,
    };
    let filter = parser.condition(0)?;
    match parser.tokens.get(parser.pos) {
        None => Ok(filter),
        Some(t) => Err(format!(
            "unexpected {} in the `where` condition",
            t.describe()
        )),
    }
}

struct Parser<'a> {
    tokens: &'a [Token],
    pos: usize,
    schema: &'a ObjectSchema,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<&'a Token> {
        let t = self.tokens.get(self.pos);
        self.pos += 1;
        t
    }

    fn eat_word(&mut self, keyword: &str) -> bool {
        if self.peek().is_some_and(|t| t.is_word(keyword)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_punct(&mut self, c: char) -> bool {
        if self.peek() == Some(&Token::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn condition(&mut self, depth: usize) -> Result<Filter, String> {
        let mut left = self.conjunct(depth)?;
        while self.eat_word("or") {
            let right = self.conjunct(depth)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn conjunct(&mut self, depth: usize) -> Result<Filter, String> {
        let mut left = self.negation(depth)?;
        while self.eat_word("and") {
            let right = self.negation(depth)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn negation(&mut self, depth: usize) -> Result<Filter, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "the `where` condition nests deeper than {MAX_DEPTH} levels"
            ));
        }
        if self.eat_word("not") {
            return Ok(Filter::Not(Box::new(self.negation(depth + 1)?)));
        }
        if self.eat_punct('(') {
            let inner = self.condition(depth + 1)?;
            if !self.eat_punct(')') {
                return Err("unbalanced parentheses in the `where` condition".to_owned());
            }
            return Ok(inner);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Filter, String> {
        let schema = self.schema;
        let name = match self.next() {
            Some(Token::Word(w)) => w.clone(),
            Some(t) => {
                return Err(format!(
                    "expected a column in the `where` condition, found {}",
                    t.describe()
                ));
            }
            None => return Err("expected a column at the end of the `where` condition".to_owned()),
        };
        // `Object.Field` of the queried object.
        let name = if self.eat_punct('.') {
            match self.next() {
                Some(Token::Word(field)) if name.eq_ignore_ascii_case(schema.name) => field.clone(),
                Some(Token::Word(field)) => {
                    return Err(format!(
                        "`{name}.{field}`: joined objects are not supported by the local server"
                    ));
                }
                _ => return Err(format!("expected a field name after `{name}.`")),
            }
        } else {
            name
        };
        let column = schema
            .field(&name)
            .ok_or_else(|| format!("unknown column `{name}` of object `{}`", schema.name))?;
        if self.eat_word("is") {
            let negated = self.eat_word("not");
            if !self.eat_word("null") {
                return Err(format!("expected `null` after `{name} is`"));
            }
            return Ok(Filter::IsNull { column, negated });
        }
        let op = self.operator(&name)?;
        let field = &schema.fields[column];
        let literal = self
            .next()
            .ok_or_else(|| format!("expected a value after the comparison with `{name}`"))?;
        let value = literal_value(literal, field.kind)
            .map_err(|e| format!("`{}` compared with {}: {e}", field.name, literal.describe()))?;
        Ok(Filter::Compare { column, op, value })
    }

    fn operator(&mut self, name: &str) -> Result<Op, String> {
        let op = match self.next() {
            Some(Token::Punct('=')) => Op::Eq,
            Some(Token::Punct('!')) if self.eat_punct('=') => Op::Ne,
            Some(Token::Punct('<')) if self.eat_punct('=') => Op::Le,
            Some(Token::Punct('<')) if self.eat_punct('>') => Op::Ne,
            Some(Token::Punct('<')) => Op::Lt,
            Some(Token::Punct('>')) if self.eat_punct('=') => Op::Ge,
            Some(Token::Punct('>')) => Op::Gt,
            _ => return Err(format!("expected a comparison after `{name}`")),
        };
        Ok(op)
    }
}

/// Reads a literal as a value of `kind`.
fn literal_value(token: &Token, kind: Kind) -> Result<Value, String> {
    let text = match token {
        Token::Text(t) | Token::Number(t) => t.as_str(),
        Token::Word(w) if w.eq_ignore_ascii_case("null") => {
            return Err("use `is null` to compare with null".to_owned());
        }
        Token::Word(w) if kind == Kind::Boolean => w.as_str(),
        _ => return Err("expected a literal".to_owned()),
    };
    match kind {
        Kind::Text => Ok(Value::Text(text.to_owned())),
        Kind::Integer => text
            .parse()
            .map(Value::Integer)
            .map_err(|_| "not a number".to_owned()),
        Kind::Decimal => cents(text)
            .map(Value::Decimal)
            .ok_or_else(|| "not a number with at most two decimals".to_owned()),
        Kind::Boolean => match text.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Boolean(true)),
            "false" => Ok(Value::Boolean(false)),
            _ => Err("expected true or false".to_owned()),
        },
        Kind::Date => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Value::Date)
            .map_err(|_| "expected a date such as 2024-01-31".to_owned()),
        Kind::DateTime => date_time(text).map(Value::DateTime).ok_or_else(|| {
            "expected an ISO 8601 date-time such as 2024-01-01T00:00:00Z".to_owned()
        }),
    }
}

/// `12`, `-3.5`, `0.07` as cents.
fn cents(text: &str) -> Option<i64> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty()
        || fraction.len() > 2
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let fraction: i64 = format!("{fraction:0<2}").parse().ok()?;
    whole
        .checked_mul(100)?
        .checked_add(fraction)
        .map(|c| c * sign)
}

/// An ISO 8601 date-time (with `T`) or a date, in tenant time.
fn date_time(text: &str) -> Option<NaiveDateTime> {
    let tenant = |utc: NaiveDateTime| utc - TimeDelta::hours(TENANT_OFFSET_HOURS);
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(tenant(t.naive_utc()));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%.f%z"] {
        if let Ok(t) = DateTime::parse_from_str(text, format) {
            return Some(tenant(t.naive_utc()));
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t);
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_time(NaiveTime::MIN))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ACCOUNT, OBJECTS, Tenant};
    use crate::query;

    fn rows_matching(tenant: &Tenant, query_text: &str) -> usize {
        let parsed = query::parse(query_text).unwrap();
        let filter = parsed.filter.expect("a where condition");
        tenant.tables[parsed.object]
            .rows
            .iter()
            .filter(|r| filter.matches(r))
            .count()
    }

    #[test]
    fn conditions_select_the_rows_they_say() {
        let t = Tenant::new(1);
        assert_eq!(
            rows_matching(
                &t,
                "select Id from AccountingPeriod where FiscalYear = 2024"
            ),
            12
        );
        assert_eq!(
            rows_matching(
                &t,
                "select Id from AccountingPeriod where FiscalYear >= 2010 and FiscalYear < 2012"
            ),
            24
        );
        assert_eq!(
            rows_matching(
                &t,
                "select Id from AccountingPeriod where not (FiscalYear <> 2020 and FiscalYear != 2021) or StartDate = '2006-01-01'"
            ),
            25
        );
        let accounts = t.tables[ACCOUNT].rows.len();
        let null = rows_matching(&t, "select Id from Account where CrmId is null");
        let not_null = rows_matching(&t, "select Id from Account where CrmId is not null");
        assert!(null > 0 && not_null > 0);
        assert_eq!(null + not_null, accounts);
        // Null cells never compare.
        let equal = rows_matching(&t, "select Id from Account where CrmId = 'x'");
        let unequal = rows_matching(&t, "select Id from Account where CrmId != 'x'");
        assert_eq!((equal, unequal), (0, not_null));
    }

    #[test]
    fn date_time_windows_partition_the_rows() {
        let t = Tenant::new(1);
        let bounds = [
            "2020-01-01T00:00:00Z",
            "2021-06-30T12:00:00+00:00",
            "2023-01-01T00:00:00-0800",
        ];
        let base = "select Id from Account where UpdatedDate";
        let mut total = rows_matching(&t, &format!("{base} < '{}'", bounds[0]));
        for pair in bounds.windows(2) {
            total += rows_matching(
                &t,
                &format!("{base} >= '{}' and UpdatedDate < '{}'", pair[0], pair[1]),
            );
        }
        total += rows_matching(&t, &format!("{base} >= '{}'", bounds[2]));
        assert_eq!(total, t.tables[ACCOUNT].rows.len());
        // Offsets are honoured: midnight UTC is 16:00 tenant time the day before.
        assert_eq!(
            date_time("2024-01-01T00:00:00Z"),
            date_time("2023-12-31T16:00:00")
        );
        assert_eq!(
            date_time("2024-01-01T00:00:00+0000"),
            date_time("2023-12-31").map(|d| d + TimeDelta::hours(16))
        );
    }

    #[test]
    fn literals_follow_the_column_type() {
        let schema = &OBJECTS[ACCOUNT];
        assert_eq!(cents("12"), Some(1200));
        assert_eq!(cents("-0.5"), Some(-50));
        assert_eq!(cents("1.234"), None);
        assert_eq!(cents(".5"), None);
        let parse = |q: &str| {
            let tokens = vec![
                Token::Word("AutoPay".to_owned()),
                Token::Punct('='),
                Token::Word(q.to_owned()),
            ];
            super::parse(&tokens, schema)
        };
        assert!(parse("true").is_ok());
        assert!(parse("maybe").is_err());
        // Deep nesting is refused, not a stack overflow.
        let deep = format!(
            "select Id from Account where {}Id = 'a'{}",
            "(".repeat(10_000),
            ")".repeat(10_000)
        );
        assert!(query::parse(&deep).unwrap_err().contains("deeper"));
    }
}
