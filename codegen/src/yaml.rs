//! The one place that touches a YAML library.
//!
//! Schema errors must name a line and column for every key and value, which
//! serde_yaml (archived upstream) cannot give for nodes it has already
//! deserialized. yaml-rust2's event parser reports a position for every event,
//! so this module turns those events into a small spanned tree and the rest of
//! the generator never sees the YAML library.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A 1-based line and column in a schema file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

impl Pos {
    fn from_marker(marker: &Marker) -> Pos {
        Pos { line: marker.line(), col: marker.col() + 1 }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A scalar and whether it was written plain (unquoted), which decides
    /// whether `5` is a number and `"5"` a string. `text_start` is where the
    /// value's first character stands when the value is written out verbatim
    /// on one line (no escapes, no folding), so a message can point inside it.
    Scalar { value: String, plain: bool, pos: Pos, text_start: Option<Pos> },
    Seq { items: Vec<Node>, pos: Pos },
    /// Key-value pairs in file order; duplicate keys are kept so the schema
    /// layer can report them.
    Map { entries: Vec<(Node, Node)>, pos: Pos },
}

impl Node {
    pub fn pos(&self) -> Pos {
        match self {
            Node::Scalar { pos, .. } | Node::Seq { pos, .. } | Node::Map { pos, .. } => *pos,
        }
    }

    /// The scalar text, if this is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// `~`, `null` or an empty plain scalar.
    pub fn is_null(&self) -> bool {
        matches!(self, Node::Scalar { value, plain: true, .. } if value.is_empty() || value == "~" || value == "null" || value == "Null" || value == "NULL")
    }

    pub fn kind_name(&self) -> &'static str {
        match self {
            Node::Scalar { .. } if self.is_null() => "null",
            Node::Scalar { .. } => "a scalar",
            Node::Seq { .. } => "a list",
            Node::Map { .. } => "a mapping",
        }
    }
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
    /// What would be right, for the mistakes of hand-indented schemas.
    pub help: Option<String>,
}

/// Parse one YAML document. An empty file is an empty mapping.
pub fn parse(source: &str) -> Result<Node, SyntaxError> {
    let mut builder = TreeBuilder { lines: source.lines().collect(), ..TreeBuilder::default() };
    let mut parser = Parser::new_from_str(source);
    parser
        .load(&mut builder, true)
        .map_err(|e| {
            let pos = Pos::from_marker(e.marker());
            let message = e.info().to_string();
            SyntaxError { help: syntax_help(&builder.lines, pos, &message), pos, message }
        })?;
    if let Some(message) = builder.unsupported {
        return Err(message);
    }
    Ok(builder.root.unwrap_or(Node::Map { entries: Vec::new(), pos: Pos { line: 1, col: 1 } }))
}

/// A help line for the YAML errors a hand-written schema runs into: a tab
/// in the indentation, a key indented out of line with the keys above it
/// (yaml-rust2: "did not find expected key", "mapping values are not
/// allowed in this context"), two `key:`s on one line, list items and
/// keys mixed in one mapping, or an unclosed `{` / `[`.
fn syntax_help(lines: &[&str], pos: Pos, message: &str) -> Option<String> {
    let line = *lines.get(pos.line.checked_sub(1)?)?;
    let text = line.trim_start_matches([' ', '\t']);
    let indent = &line[..line.len() - text.len()];
    if indent.contains('\t') || message.contains("tabs") {
        return Some(format!("indent with spaces: line {} is indented with a tab, which YAML does not allow", pos.line));
    }
    if message.contains("flow mapping") || message.contains("flow sequence") {
        let (open, close) = if message.contains("flow mapping") { ('{', '}') } else { ('[', ']') };
        let unbalanced = |l: &&str| l.matches(open).count() > l.matches(close).count();
        let opened = lines[..pos.line].iter().rposition(unbalanced).map_or(pos.line, |i| i + 1);
        return Some(format!(
            "the `{open}` on line {opened} is not closed: end it with `{close}` (items inside are separated by `,`)"
        ));
    }
    let structural = ["did not find expected key", "mapping values are not allowed", "did not find expected '-'"];
    if !structural.iter().any(|m| message.contains(m)) {
        return None;
    }
    let key = key_of(text);
    // The keys that enclose the line: going up, each line less indented
    // than the last one kept. A key of the line's mapping lines up with one.
    let mut levels: Vec<(usize, &str)> = Vec::new();
    for above in lines[..pos.line - 1].iter().rev() {
        let above_text = above.trim_start();
        if above_text.is_empty() || above_text.starts_with('#') {
            continue;
        }
        let above_indent = above.len() - above_text.len();
        if levels.last().is_none_or(|(last, _)| above_indent < *last) {
            levels.push((above_indent, key_of(above_text)));
        }
        if above_indent == 0 {
            break;
        }
    }
    let width = indent.len();
    if let Some((_, item)) = levels.iter().find(|(i, k)| *i == width && k.starts_with('-')) {
        return Some(format!(
            "`{key}` follows the list item `{item}` at the same indentation: a schema's `models` and `fields` are mappings, so write `{}: ...` without the `- `",
            item.trim_start_matches(['-', ' '])
        ));
    }
    // The first key of a nested block may sit at any deeper indentation.
    let opens_block = lines[..pos.line - 1]
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .is_some_and(|above| above.trim_end().ends_with(':') && above.len() - above.trim_start().len() < width);
    if opens_block || levels.iter().any(|(i, _)| *i == width) {
        return Some(format!(
            "a line holds one `key: value`: to nest, put `{}` on a line of its own below `{key}:`, indented further",
            text.split_once(':').map_or(text, |(_, rest)| rest.trim())
        ));
    }
    let deeper = levels.iter().rev().find(|(i, _)| *i > width);
    let shallower = levels.iter().find(|(i, _)| *i < width);
    let like = |(i, k): &(usize, &str)| format!("{i} like `{k}`");
    let choices = match (shallower, deeper) {
        (Some(a), Some(b)) => format!("{} or {}", like(b), like(a)),
        (Some(a), None) | (None, Some(a)) => like(a),
        (None, None) => return None,
    };
    Some(format!(
        "`{key}` is indented {width} spaces, which lines up with no key above it; keys of one mapping line up, so indent it {choices}"
    ))
}

/// The key a line starts with (`name` of `name: {...}`), or the line.
fn key_of(text: &str) -> &str {
    match text.find(": ").or_else(|| text.strip_suffix(':').map(str::len)) {
        Some(end) if !text.starts_with(['{', '[', '"', '\'']) => &text[..end],
        _ => text,
    }
}

/// Builds the tree from parser events with a stack of open collections.
#[derive(Default)]
struct TreeBuilder<'s> {
    /// The source, to find where a scalar's text starts.
    lines: Vec<&'s str>,
    stack: Vec<Open>,
    root: Option<Node>,
    documents: usize,
    unsupported: Option<SyntaxError>,
}

enum Open {
    Seq(Vec<Node>, Pos),
    Map(Vec<(Node, Node)>, Option<Node>, Pos),
}

impl TreeBuilder<'_> {
    /// Where `value` starts in the source, if it is written there verbatim
    /// from `pos` (after an opening quote for quoted scalars).
    fn text_start(&self, value: &str, style: TScalarStyle, pos: Pos) -> Option<Pos> {
        let skip = match style {
            TScalarStyle::Plain => 0,
            TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => 1,
            _ => return None,
        };
        if value.contains('\n') {
            return None;
        }
        let line = self.lines.get(pos.line.checked_sub(1)?)?;
        let rest: String = line.chars().skip(pos.col - 1 + skip).take(value.chars().count()).collect();
        (rest == value).then_some(Pos { line: pos.line, col: pos.col + skip })
    }

    fn push_value(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Open::Seq(items, _)) => items.push(node),
            Some(Open::Map(entries, pending_key, _)) => match pending_key.take() {
                None => *pending_key = Some(node),
                Some(key) => entries.push((key, node)),
            },
        }
    }
}

impl MarkedEventReceiver for TreeBuilder<'_> {
    fn on_event(&mut self, event: Event, marker: Marker) {
        let pos = Pos::from_marker(&marker);
        match event {
            Event::Scalar(value, style, _, _) => {
                let plain = style == TScalarStyle::Plain;
                let text_start = self.text_start(&value, style, pos);
                self.push_value(Node::Scalar { value, plain, pos, text_start });
            }
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents == 2 && self.unsupported.is_none() {
                    self.unsupported = Some(SyntaxError {
                        pos,
                        message: "a schema file holds one YAML document; remove this second one (or its `---`)".into(),
                        help: None,
                    });
                }
            }
            Event::SequenceStart(..) => self.stack.push(Open::Seq(Vec::new(), pos)),
            Event::MappingStart(..) => self.stack.push(Open::Map(Vec::new(), None, pos)),
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.stack.pop() {
                    Some(Open::Seq(items, pos)) => Node::Seq { items, pos },
                    // A block mapping's start event comes at its first `:`;
                    // the mapping starts at its first key.
                    Some(Open::Map(entries, _, pos)) => {
                        let pos = entries.first().map_or(pos, |(key, _)| pos.min(key.pos()));
                        Node::Map { entries, pos }
                    }
                    None => return,
                };
                self.push_value(node);
            }
            Event::Alias(_) => {
                // Anchors and aliases would make one schema node stand in two
                // places with one position; schemas are short enough to write out.
                if self.unsupported.is_none() {
                    self.unsupported = Some(SyntaxError {
                        pos,
                        message: "YAML aliases (`*name`) are not supported in schemas; write the value out".into(),
                        help: None,
                    });
                }
                self.push_value(Node::Scalar { value: String::new(), plain: true, pos, text_start: None });
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_order_is_kept() {
        let node = parse("app: x\nmodels:\n  B: {a: 1}\n  A: {}\n").unwrap();
        let Node::Map { entries, .. } = node else { panic!("not a map") };
        assert_eq!(entries[0].0.pos(), Pos { line: 1, col: 1 });
        assert_eq!(entries[1].0.as_str(), Some("models"));
        let Node::Map { entries: models, .. } = &entries[1].1 else { panic!() };
        assert_eq!(models[0].0.as_str(), Some("B"));
        assert_eq!(models[0].0.pos(), Pos { line: 3, col: 3 });
        assert_eq!(models[1].0.as_str(), Some("A"));
    }

    #[test]
    fn quoted_scalars_are_not_plain() {
        let node = parse("a: '5'\nb: 5\n").unwrap();
        let Node::Map { entries, .. } = node else { panic!() };
        assert!(matches!(entries[0].1, Node::Scalar { plain: false, .. }));
        assert!(matches!(entries[1].1, Node::Scalar { plain: true, .. }));
    }

    #[test]
    fn block_mappings_start_at_their_first_key() {
        let node = parse("models:\n  A: {}\n").unwrap();
        assert_eq!(node.pos(), Pos { line: 1, col: 1 });
        let Node::Map { entries, .. } = node else { panic!() };
        assert_eq!(entries[0].1.pos(), Pos { line: 2, col: 3 });
    }

    #[test]
    fn verbatim_scalars_know_where_their_text_starts() {
        let node = parse("a: \"{x}\"\nb: x{y}\nc: \"\\t{x}\"\nd: 'it''s'\n").unwrap_or_else(|e| panic!("{}", e.message));
        let Node::Map { entries, .. } = node else { panic!() };
        let starts: Vec<Option<Pos>> = entries
            .iter()
            .map(|(_, v)| match v {
                Node::Scalar { text_start, .. } => *text_start,
                _ => None,
            })
            .collect();
        assert_eq!(starts[0], Some(Pos { line: 1, col: 5 }));
        assert_eq!(starts[1], Some(Pos { line: 2, col: 4 }));
        assert_eq!(starts[2], None);
        assert_eq!(starts[3], None);
    }

    #[test]
    fn a_second_document_is_an_error() {
        let err = parse("app: a\n---\napp: b\n").unwrap_err();
        assert_eq!(err.pos.line, 2);
        assert!(parse("---\napp: a\n").is_ok());
    }

    fn help(source: &str) -> String {
        parse(source).unwrap_err().help.unwrap_or_default()
    }

    #[test]
    fn indentation_mistakes_get_a_help_line() {
        let schema = "models:\n  Blog:\n    fields:\n      name: {type: TextField}\n";
        assert_eq!(
            help(&format!("{schema}     tagline: {{type: TextField}}\n")),
            "`tagline` is indented 5 spaces, which lines up with no key above it; keys of one mapping line up, so indent it 6 like `name` or 4 like `fields`"
        );
        assert_eq!(
            help(&format!("{schema}\tmeta: {{}}\n")),
            "indent with spaces: line 5 is indented with a tab, which YAML does not allow"
        );
        assert_eq!(
            help("models:\n  Blog:\n    fields: name: {type: TextField}\n"),
            "a line holds one `key: value`: to nest, put `name: {type: TextField}` on a line of its own below `fields:`, indented further"
        );
        assert_eq!(
            help("a: {x: 1\nb: {y: 2}\n"),
            "the `{` on line 1 is not closed: end it with `}` (items inside are separated by `,`)"
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.pos.line >= 1);
    }
}
