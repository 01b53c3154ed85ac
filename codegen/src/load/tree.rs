//! The JSON tree built from the YAML (or JSON) events, with the position of every node.
//!
//! - The builder rejects merge keys, non-string keys, duplicate keys, multiple documents and
//!   unknown tags.
//! - Plain scalars are resolved with the YAML 1.2 core schema, so `00170000011K3Ub` and `5XX`
//!   stay strings.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YamlSpan};
use serde_json::{Map, Number, Value};

use crate::diag::{Pointer, Span};

/// A container nested inside this many others is cut from the tree: it is read as an empty
/// object, with a warning. Real documents nest three dozen levels at most; the limit bounds
/// the recursion of everything that reads the tree.
pub const MAX_NESTING: usize = 128;

/// How many nodes YAML aliases may copy into the tree (a document whose aliases expand
/// further, a "billion laughs", cannot be read).
const MAX_ALIAS_NODES: usize = 1 << 20;

pub(super) type LoadError = (Span, String);

/// Builds the JSON tree from the YAML events; with `record`, also the position of every node
/// by pointer (and messages that name pointers).
pub(super) struct TreeBuilder<'a> {
    events: Parser<'a, saphyr_parser::StrInput<'a>>,
    record: bool,
    pub(super) spans: HashMap<String, Span>,
    anchors: HashMap<usize, Node>,
    /// The nodes aliases copied so far.
    copied: usize,
    /// The containers cut at [`MAX_NESTING`]: their pointers (when recorded) and positions.
    pub(super) cut: Vec<(Option<Pointer>, Span)>,
}

/// A node built, with its size in nodes and how many levels of containers it holds.
#[derive(Clone)]
struct Node {
    value: Value,
    size: usize,
    depth: usize,
}

impl Node {
    fn leaf(value: Value) -> Self {
        Node {
            value,
            size: 1,
            depth: 0,
        }
    }
}

fn span_of(s: &YamlSpan) -> Span {
    Span {
        line: s.start.line(),
        column: s.start.col() + 1,
    }
}

impl<'a> TreeBuilder<'a> {
    pub(super) fn new(text: &'a str, record: bool) -> Self {
        TreeBuilder {
            events: Parser::new_from_str(text),
            record,
            spans: HashMap::new(),
            anchors: HashMap::new(),
            copied: 0,
            cut: Vec::new(),
        }
    }

    /// The pointer of a child node, when positions are recorded.
    fn child(&self, at: Option<&Pointer>, token: impl std::fmt::Display) -> Option<Pointer> {
        at.filter(|_| self.record).map(|at| at.push(token))
    }

    fn next(&mut self) -> Result<(Event<'a>, YamlSpan), LoadError> {
        match self.events.next() {
            Some(Ok(ev)) => Ok(ev),
            Some(Err(e)) => Err((
                Span {
                    line: e.marker().line(),
                    column: e.marker().col() + 1,
                },
                format!("invalid YAML: {}", e.info()),
            )),
            None => Err((
                Span { line: 1, column: 1 },
                "invalid YAML: unexpected end of input".into(),
            )),
        }
    }

    pub(super) fn document(&mut self) -> Result<Value, LoadError> {
        loop {
            let (ev, span) = self.next()?;
            match ev {
                Event::StreamStart | Event::Nothing => {}
                Event::DocumentStart(_) => break,
                Event::StreamEnd => {
                    return Err((span_of(&span), "the spec is empty".into()));
                }
                _ => return Err((span_of(&span), "invalid YAML: expected a document".into())),
            }
        }
        let (ev, span) = self.next()?;
        let root = self.node(ev, span, Some(&Pointer::root()), 0)?.value;
        let (ev, span) = self.next()?;
        match ev {
            Event::DocumentEnd => {}
            _ => {
                return Err((
                    span_of(&span),
                    "invalid YAML: expected the end of the document".into(),
                ));
            }
        }
        let (ev, span) = self.next()?;
        match ev {
            Event::StreamEnd => Ok(root),
            _ => Err((
                span_of(&span),
                "the spec must be a single YAML document (found a second `---` document)".into(),
            )),
        }
    }

    /// The node that starts with `ev`, inside `depth` containers.
    fn node(
        &mut self,
        ev: Event<'a>,
        span: YamlSpan,
        at: Option<&Pointer>,
        depth: usize,
    ) -> Result<Node, LoadError> {
        if let Some(at) = at.filter(|_| self.record) {
            self.spans.insert(at.as_str().to_owned(), span_of(&span));
        }
        let (node, anchor) = match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let v = scalar(&text, style, tag.as_deref()).map_err(|m| (span_of(&span), m))?;
                (Node::leaf(v), anchor)
            }
            Event::Alias(id) => {
                let Some(mut node) = self.anchors.get(&id).cloned() else {
                    return Err((
                        span_of(&span),
                        "invalid YAML: alias to an unknown anchor".to_owned(),
                    ));
                };
                self.copied = self.copied.saturating_add(node.size);
                if self.copied > MAX_ALIAS_NODES {
                    return Err((
                        span_of(&span),
                        format!(
                            "YAML aliases copy more than {MAX_ALIAS_NODES} nodes: the document cannot be read"
                        ),
                    ));
                }
                if depth + node.depth > MAX_NESTING {
                    let cut = truncate(&mut node.value, MAX_NESTING - depth);
                    if cut {
                        self.cut
                            .push((at.filter(|_| self.record).cloned(), span_of(&span)));
                    }
                }
                (node, 0)
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _)
                if depth >= MAX_NESTING =>
            {
                self.skip()?;
                self.cut
                    .push((at.filter(|_| self.record).cloned(), span_of(&span)));
                (Node::leaf(Value::Object(Map::new())), anchor)
            }
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                let (mut size, mut inner) = (1, 0);
                loop {
                    let (ev, span) = self.next()?;
                    if let Event::SequenceEnd = ev {
                        break;
                    }
                    let p = self.child(at, items.len());
                    let item = self.node(ev, span, p.as_ref(), depth + 1)?;
                    size += item.size;
                    inner = inner.max(item.depth);
                    items.push(item.value);
                }
                let node = Node {
                    value: Value::Array(items),
                    size,
                    depth: inner + 1,
                };
                (node, anchor)
            }
            Event::MappingStart(anchor, _) => {
                let mut map = Map::new();
                let (mut size, mut inner) = (1, 0);
                loop {
                    let (ev, kspan) = self.next()?;
                    let key = match ev {
                        Event::MappingEnd => break,
                        Event::Scalar(text, ..) => text.into_owned(),
                        Event::Alias(id) => match self.anchors.get(&id).map(|n| &n.value) {
                            Some(Value::String(s)) => s.clone(),
                            _ => {
                                return Err((
                                    span_of(&kspan),
                                    "unsupported YAML: mapping keys must be strings".into(),
                                ));
                            }
                        },
                        _ => {
                            return Err((
                                span_of(&kspan),
                                "unsupported YAML: mapping keys must be strings".into(),
                            ));
                        }
                    };
                    if key == "<<" {
                        return Err((
                            span_of(&kspan),
                            "unsupported YAML: merge keys (`<<`) are not supported".into(),
                        ));
                    }
                    let p = self.child(at, &key);
                    if map.contains_key(&key) {
                        let mapping = at.map_or_else(String::new, |at| format!(" in mapping {at}"));
                        return Err((span_of(&kspan), format!("duplicate key `{key}`{mapping}")));
                    }
                    let (ev, vspan) = self.next()?;
                    let value = self.node(ev, vspan, p.as_ref(), depth + 1)?;
                    // Point at the key, where a reader looks for the entry.
                    if let Some(p) = p {
                        self.spans.insert(p.into_string(), span_of(&kspan));
                    }
                    size += value.size;
                    inner = inner.max(value.depth);
                    map.insert(key, value.value);
                }
                let node = Node {
                    value: Value::Object(map),
                    size,
                    depth: inner + 1,
                };
                (node, anchor)
            }
            _ => return Err((span_of(&span), "invalid YAML: unexpected event".into())),
        };
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        Ok(node)
    }

    /// Skips the rest of a container whose start was read (its anchors name empty objects).
    fn skip(&mut self) -> Result<(), LoadError> {
        let mut open = 1usize;
        while open > 0 {
            let (ev, _) = self.next()?;
            match ev {
                Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                    open += 1;
                    if anchor != 0 {
                        self.anchors
                            .insert(anchor, Node::leaf(Value::Object(Map::new())));
                    }
                }
                Event::SequenceEnd | Event::MappingEnd => open -= 1,
                Event::Scalar(text, style, anchor, tag) if anchor != 0 => {
                    let v = scalar(&text, style, tag.as_deref()).unwrap_or(Value::Null);
                    self.anchors.insert(anchor, Node::leaf(v));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Replaces the containers `levels` deep in `value` by empty objects; whether any was.
fn truncate(value: &mut Value, levels: usize) -> bool {
    let mut cut = false;
    let mut stack = vec![(value, 0)];
    while let Some((v, level)) = stack.pop() {
        let container = v.is_array() || v.is_object();
        if container && level >= levels {
            *v = Value::Object(Map::new());
            cut = true;
            continue;
        }
        match v {
            Value::Array(items) => stack.extend(items.iter_mut().map(|i| (i, level + 1))),
            Value::Object(map) => stack.extend(map.values_mut().map(|i| (i, level + 1))),
            _ => {}
        }
    }
    cut
}

/// Resolves a scalar by the YAML 1.2 core schema (plain scalars) or as a string (quoted, block).
pub(super) fn scalar(
    text: &str,
    style: ScalarStyle,
    tag: Option<&saphyr_parser::Tag>,
) -> Result<Value, String> {
    if let Some(tag) = tag {
        if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" {
            return match tag.suffix.as_str() {
                "str" => Ok(Value::String(text.to_owned())),
                "int" | "float" => plain(text)
                    .filter(Value::is_number)
                    .ok_or_else(|| format!("`{text}` is not a number")),
                "bool" => plain(text)
                    .filter(Value::is_boolean)
                    .ok_or_else(|| format!("`{text}` is not a boolean")),
                "null" => Ok(Value::Null),
                other => Err(format!("unsupported YAML tag `!!{other}`")),
            };
        }
        return Err(format!(
            "unsupported YAML tag `{}{}`",
            tag.handle, tag.suffix
        ));
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::String(text.to_owned()));
    }
    Ok(plain(text).unwrap_or_else(|| Value::String(text.to_owned())))
}

fn plain(text: &str) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = text.parse::<i64>() {
            return Some(Value::Number(i.into()));
        }
        if let Ok(u) = text.parse::<u64>() {
            return Some(Value::Number(u.into()));
        }
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16)
            .ok()
            .map(|i| Value::Number(i.into()));
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8)
            .ok()
            .map(|i| Value::Number(i.into()));
    }
    if is_float(digits) {
        return text
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number);
    }
    None
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` without the sign.
fn is_float(s: &str) -> bool {
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => {
            (!a.is_empty() || !b.is_empty())
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|c| c.is_ascii_digit()),
    };
    let exp_ok = match exp {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit())
        }
    };
    mantissa_ok && exp_ok
}
