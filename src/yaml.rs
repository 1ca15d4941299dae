//! YAML blocks with file positions: parses a block (front matter, config, registry),
//! reports syntax errors where the problem starts, with a hint for the common ones,
//! records where every value is written, and takes typed fields one at a time so that
//! a wrong type, a missing field or an unknown one is reported where it is written.
//!
//! Positions come from the parser: one pass over libyaml's events maps the path of
//! every value (`cities[1]`, `sources[0].url`) to the line and column (in characters)
//! where its key and its value start. The pass is linear: it keeps one entry per node
//! not deeper than `MAX_SPAN_DEPTH`, and each key once.
//!
//! Hostile YAML is refused before it costs much: flow collections nested deeper than
//! `MAX_YAML_DEPTH` are found by a linear pre-scan (the parser's own work grows with the
//! square of that depth), and a document whose values, aliases expanded, exceed
//! `MAX_YAML_VALUE_BYTES` is measured without being built ("billion laughs").

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Visitor};
use serde_yaml::{Mapping, Value};

use crate::cjk;
use crate::diag::{Code, Diagnostic, Pos, Severity, did_you_mean};
use crate::limits::{MAX_ERRORS_PER_FILE, MAX_YAML_DEPTH, MAX_YAML_VALUE_BYTES};

/// A YAML text that starts at line `first_line` of the file `path`.
#[derive(Clone, Copy)]
pub(crate) struct Block<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    pub first_line: usize,
}

impl<'a> Block<'a> {
    pub(crate) fn new(path: &'a Path, text: &'a str, first_line: usize) -> Self {
        Block {
            path,
            text,
            first_line,
        }
    }

    /// The start of the block.
    pub(crate) fn start(&self) -> Pos {
        Pos::new(self.first_line, 1)
    }

    /// The last line of the block, for what is reported after everything else.
    pub(crate) fn end(&self) -> Pos {
        Pos::new(self.first_line + self.text.matches('\n').count(), 1)
    }

    /// `pos`, or the start of the last line when the parser points past it (just
    /// past the end of a text without a final line end).
    fn clamp(&self, pos: Pos) -> Pos {
        let last_line = self.end().line;
        if pos.line > last_line {
            Pos::new(last_line, 1)
        } else {
            pos
        }
    }

    /// Parses the block as a mapping, with where each of its values is written. An
    /// empty block is an empty mapping.
    pub(crate) fn parse_mapping(&self, what: &str) -> Result<(Mapping, Spans), Diagnostic> {
        if self.text.trim().is_empty() {
            return Ok((Mapping::new(), Spans::default()));
        }
        if let Some((line, col)) = flow_too_deep(self.text) {
            return Err(Diagnostic::error(
                Code::Limit,
                self.path,
                Pos::new(self.first_line + line, col + 1),
                format!(
                    "invalid YAML: nested deeper than {MAX_YAML_DEPTH} levels (MAX_YAML_DEPTH)"
                ),
            ));
        }
        measure(self.text).map_err(|e| self.explain(self.yaml_error(&e)))?;
        let value: Value =
            serde_yaml::from_str(self.text).map_err(|e| self.explain(self.yaml_error(&e)))?;
        let spans = Spans::lazy(self.text, self.first_line);
        match value {
            Value::Mapping(m) => Ok((m, spans)),
            Value::Null => Ok((Mapping::new(), spans)),
            _ => Err(Diagnostic::error(
                Code::WrongType,
                self.path,
                self.start(),
                format!("{what} must be a mapping of `key: value` lines"),
            )),
        }
    }

    /// The error of a block the parser refused, where its problem starts: read from
    /// the parser's events (a syntax error, a repeated key), or `fallback`.
    fn explain(&self, fallback: Diagnostic) -> Diagnostic {
        match SpanMap::read(self.text, self.first_line) {
            Err(e) => self.syntax_error(&e),
            Ok(SpanMap {
                duplicate: Some((key, pos)),
                ..
            }) => Diagnostic::error(
                Code::DuplicateKey,
                self.path,
                pos,
                format!("invalid YAML: duplicate entry with key \"{key}\""),
            )
            .with_help("write each key once in a mapping"),
            Ok(_) => fallback,
        }
    }

    /// A syntax error where its problem starts, in plain words where we have them.
    fn syntax_error(&self, e: &SyntaxError) -> Diagnostic {
        // The parser may point just past the end of a text without a final line end.
        let at =
            |(line, col): (usize, usize)| self.clamp(Pos::new(self.first_line + line, col + 1));
        let line_text = |line: usize| self.text.lines().nth(line).unwrap_or("");
        let d = |pos: Pos, message: String| {
            Diagnostic::error(
                Code::YamlSyntax,
                self.path,
                pos,
                format!("invalid YAML: {message}"),
            )
        };
        if e.context.contains("quoted scalar") && e.problem.contains("end of stream") {
            return d(at(e.context_mark), "this quote is not closed".into())
                .with_help("end the value with the same quote on the line where it starts");
        }
        // An unclosed `[` or `{`: the parser notices at the next line or the end.
        if e.context.starts_with("while parsing a flow") && e.problem.starts_with("did not find") {
            let (open, close, what) = if e.context.ends_with("mapping") {
                ('{', '}', "mapping")
            } else {
                ('[', ']', "list")
            };
            return d(at(e.context_mark), format!("this `{open}` is not closed"))
                .with_help(format!(
                    "end the {what} on its line with `{close}`; a text that starts with `{open}` goes in quotes"
                ));
        }
        let (line, _) = e.problem_mark;
        let text = line_text(line);
        let indent = text.chars().take_while(|c| c.is_whitespace() || *c == '-');
        if let Some(tab) = indent.enumerate().find(|(_, c)| *c == '\t').map(|(i, _)| i) {
            return d(at((line, tab)), "a tab in the indentation".into())
                .with_help("YAML does not allow tabs for indentation; use spaces");
        }
        if e.problem == "mapping values are not allowed in this context" {
            return d(
                at(e.problem_mark),
                "a second `:` in an unquoted value".into(),
            )
            .with_help(quote_hint(text));
        }
        d(at(e.problem_mark), e.problem.clone())
    }

    /// A YAML error at its line in the file, the parser's words replaced by ours where
    /// a limit of accord's was reached.
    pub(crate) fn yaml_error(&self, e: &serde_yaml::Error) -> Diagnostic {
        let pos = e.location().map_or(self.start(), |l| {
            self.clamp(Pos::new(l.line() + self.first_line - 1, l.column()))
        });
        let message = strip_location(&e.to_string());
        // The parser prefixes the path of the value (`extra.b[3]: …`): keep it.
        let too_large = format!(
            "the values exceed {} MiB once aliases (`*name`) are expanded (MAX_YAML_VALUE_BYTES)",
            MAX_YAML_VALUE_BYTES >> 20
        );
        let limited = [
            "recursion limit exceeded",
            "repetition limit exceeded",
            TOO_LARGE,
        ]
        .iter()
        .any(|l| message.contains(l));
        let message = message
            .replace(
                "recursion limit exceeded",
                &format!("nested deeper than {MAX_YAML_DEPTH} levels (MAX_YAML_DEPTH)"),
            )
            .replace("repetition limit exceeded", &too_large)
            .replace(TOO_LARGE, &too_large);
        let code = if limited {
            Code::Limit
        } else {
            Code::YamlSyntax
        };
        Diagnostic::error(code, self.path, pos, format!("invalid YAML: {message}"))
    }
}

/// The hint for a `key: value` line whose value holds a `: `: quote the value.
fn quote_hint(line: &str) -> String {
    let item = line.trim_start().trim_start_matches("- ");
    match item.split_once(':') {
        Some((key, value)) if !key.trim().is_empty() && !value.trim().is_empty() => {
            let key = key.trim();
            let value = value.trim().replace('\\', "\\\\").replace('"', "\\\"");
            format!("put the {key} in quotes: {key}: \"{value}\"")
        }
        _ => "put the value in quotes".into(),
    }
}

/// One step of a path into a YAML document: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

impl From<&str> for Seg {
    fn from(key: &str) -> Seg {
        Seg::Key(key.to_string())
    }
}

impl From<usize> for Seg {
    fn from(index: usize) -> Seg {
        Seg::Index(index)
    }
}

/// Where a node is written: its key (for the value of a mapping) and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    key: Option<Pos>,
    value: Pos,
}

/// Paths deeper than this get no position of their own (they are reported at the
/// deepest recorded value that holds them): nothing accord reads is deeper.
const MAX_SPAN_DEPTH: usize = 6;

/// Where each value of a block is written, by its path, in file positions: read from
/// the parser's events the first time a position is asked for, so a block without
/// problems never pays for it.
#[derive(Debug, Default)]
pub(crate) struct Spans {
    text: Box<str>,
    first_line: usize,
    map: OnceLock<SpanMap>,
}

impl Spans {
    fn lazy(text: &str, first_line: usize) -> Spans {
        Spans {
            text: text.into(),
            first_line,
            map: OnceLock::new(),
        }
    }

    fn map(&self) -> &SpanMap {
        self.map.get_or_init(|| {
            // The block parsed before this is asked: reading its events cannot fail.
            SpanMap::read(&self.text, self.first_line).unwrap_or_default()
        })
    }

    /// Where the value at `path` starts.
    pub(crate) fn value(&self, path: &[Seg]) -> Option<Pos> {
        self.map().value(path)
    }

    /// Where the key of the value at `path` is written.
    pub(crate) fn key(&self, path: &[Seg]) -> Option<Pos> {
        self.map().key(path)
    }

    /// The nearest recorded position at or above `path`: its value, or the value that
    /// holds it.
    pub(crate) fn nearest(&self, path: &[Seg]) -> Option<Pos> {
        self.map().nearest(path)
    }
}

/// The positions of `Spans`, once read: the paths of the document as a tree of nodes
/// (node 0 is the document), each step from a node to a child one entry of a map, so
/// that a registry of 20,000 cities costs one small entry per value, not a copy of its
/// whole path.
#[derive(Debug, Default)]
struct SpanMap {
    /// The text of every key, once.
    names: HashMap<Box<str>, u32>,
    /// From a node and a step to the child node.
    children: HashMap<(u32, Step), u32>,
    /// Where each node is written, by node number; `None` for the document.
    places: Vec<Option<Place>>,
    /// The first key written a second time in its mapping, and where.
    duplicate: Option<(String, Pos)>,
}

/// A step of a path in a `SpanMap`: a key by its number in `names`, or an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Step {
    Key(u32),
    Index(usize),
}

/// The node of a value too deep to be recorded (`MAX_SPAN_DEPTH`), and of the values
/// inside it.
const UNRECORDED: u32 = u32::MAX;

/// A character no text accord publishes may hold: C0 and C1 controls other than tab
/// and line feed (XML 1.0 forbids most C0 controls; the others and the C1 controls,
/// U+0085 among them, are invisible or break lines), DEL, the line and paragraph
/// separators U+2028 and U+2029, and the non-characters U+FFFE and U+FFFF.
pub(crate) fn forbidden_char(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n')
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}')
}

/// Collects, under `path`, every string of `value` holding a `forbidden_char`, with
/// the first such character.
fn control_characters(value: &Value, path: Vec<Seg>, found: &mut Vec<(Vec<Seg>, char)>) {
    let first = |s: &str| s.chars().find(|&c| forbidden_char(c));
    match value {
        Value::String(s) => {
            if let Some(c) = first(s) {
                found.push((path, c));
            }
        }
        Value::Sequence(items) => {
            for (i, item) in items.iter().enumerate() {
                let mut p = path.clone();
                p.push(Seg::from(i));
                control_characters(item, p, found);
            }
        }
        Value::Mapping(m) => {
            for (k, v) in m {
                let Value::String(k) = k else { continue };
                let mut p = path.clone();
                p.push(Seg::from(k.as_str()));
                match first(k) {
                    Some(c) => found.push((p, c)),
                    None => control_characters(v, p, found),
                }
            }
        }
        Value::Tagged(t) => control_characters(&t.value, path, found),
        _ => {}
    }
}

/// `sources[0].title`: a path as a person writes it.
fn path_name(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if out.is_empty() => out.push_str(k),
            Seg::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// A syntax error as libyaml reports it: 0-based line and character column.
#[derive(Debug)]
struct SyntaxError {
    problem: String,
    problem_mark: (usize, usize),
    context: String,
    context_mark: (usize, usize),
}

/// An open collection while the events are walked.
struct Frame {
    /// `None` for a sequence; for a mapping, the keys seen (to find a repeated one), as
    /// their number in `names` and whether they are typed (see `typed_key`).
    keys: Option<HashSet<(u32, bool)>>,
    /// For a mapping, the key whose value comes next, and where it is written.
    pending: Option<(Step, Pos)>,
    /// For a sequence, the index of the next item.
    next: usize,
    /// Whether this collection is a key (a complex key), whose insides are not values.
    in_key: bool,
}

impl SpanMap {
    fn value(&self, path: &[Seg]) -> Option<Pos> {
        self.place(path).map(|p| p.value)
    }

    fn key(&self, path: &[Seg]) -> Option<Pos> {
        self.place(path).and_then(|p| p.key)
    }

    fn nearest(&self, path: &[Seg]) -> Option<Pos> {
        // A path that is not in the tree has no part below it in the tree either.
        let mut node = 0;
        let mut found = None;
        for seg in path {
            let Some(child) = self.child(node, seg) else {
                break;
            };
            node = child;
            found = self.places[node as usize].map(|p| p.value).or(found);
        }
        found
    }

    fn place(&self, path: &[Seg]) -> Option<Place> {
        let node = path.iter().try_fold(0, |node, seg| self.child(node, seg))?;
        self.places[node as usize]
    }

    fn child(&self, node: u32, seg: &Seg) -> Option<u32> {
        let step = match seg {
            Seg::Key(key) => Step::Key(*self.names.get(key.as_str())?),
            Seg::Index(i) => Step::Index(*i),
        };
        self.children.get(&(node, step)).copied()
    }

    /// The number of a key's text.
    fn name(&mut self, text: &str) -> u32 {
        if let Some(&n) = self.names.get(text) {
            return n;
        }
        let n = u32::try_from(self.names.len()).unwrap_or(UNRECORDED);
        self.names.insert(text.into(), n);
        n
    }

    /// Walks the events of `text` (which starts at file line `first_line`) once.
    fn read(text: &str, first_line: usize) -> Result<SpanMap, SyntaxError> {
        let mut spans = SpanMap {
            places: vec![None],
            ..SpanMap::default()
        };
        let mut stack: Vec<Frame> = Vec::new();
        // The node of each collection being read, below the document.
        let mut path: Vec<u32> = Vec::new();
        let at = |(line, col): (usize, usize)| Pos::new(first_line + line, col + 1);
        let mut result = Ok(());
        events(text, |event| match event {
            Event::Scalar { start, text, plain } => {
                spans.node(&mut stack, &mut path, at(start), Some((text, plain)), false);
            }
            Event::Alias { start } => {
                spans.node(&mut stack, &mut path, at(start), None, false);
            }
            Event::Start { start, mapping } => {
                let in_key = spans.node(&mut stack, &mut path, at(start), None, true);
                stack.push(Frame {
                    keys: mapping.then(HashSet::new),
                    pending: None,
                    next: 0,
                    in_key,
                });
            }
            Event::End => {
                if let Some(frame) = stack.pop()
                    && !frame.in_key
                    && !stack.is_empty()
                {
                    path.pop();
                }
            }
            Event::Error(e) => result = Err(e),
        });
        result.map(|()| spans)
    }

    /// One node starts at `pos`: a scalar with its text and whether it is plain, or
    /// an alias, or a collection. Returns whether the node is (inside) a key.
    fn node(
        &mut self,
        stack: &mut [Frame],
        path: &mut Vec<u32>,
        pos: Pos,
        scalar: Option<(&str, bool)>,
        collection: bool,
    ) -> bool {
        let Some(frame) = stack.last_mut() else {
            return false; // the root
        };
        if frame.in_key {
            return true;
        }
        let (step, key) = match (&mut frame.keys, frame.pending.take()) {
            // A key of a mapping: remember it; its value comes next.
            (Some(keys), None) => {
                let Some((text, plain)) = scalar else {
                    frame.pending = Some((Step::Key(self.name("")), pos));
                    return true;
                };
                let name = self.name(text);
                if !keys.insert((name, typed_key(text, plain))) && self.duplicate.is_none() {
                    self.duplicate = Some((text.to_string(), pos));
                }
                frame.pending = Some((Step::Key(name), pos));
                return false;
            }
            (Some(_), Some((step, key))) => (step, Some(key)),
            (None, _) => {
                frame.next += 1;
                (Step::Index(frame.next - 1), None)
            }
        };
        // A value: recorded when not too deep; a collection's values are recorded
        // under its node, which its end removes.
        let parent = path.last().copied().unwrap_or(0);
        let node = if path.len() < MAX_SPAN_DEPTH && parent != UNRECORDED {
            let next = u32::try_from(self.places.len()).unwrap_or(UNRECORDED);
            let node = *self.children.entry((parent, step)).or_insert(next);
            if node == next {
                self.places.push(None);
            }
            if let Some(place) = self.places.get_mut(node as usize) {
                *place = Some(Place { key, value: pos });
            }
            node
        } else {
            UNRECORDED
        };
        if collection {
            path.push(node);
        }
        false
    }
}

/// Whether a key is typed once parsed, which makes it another key than the same text
/// untyped: a plain `1` is a number, a quoted `"1"` text; a plain `a` and a quoted
/// `"a"` are both text.
fn typed_key(text: &str, plain: bool) -> bool {
    plain
        && (text.starts_with(|c: char| c.is_ascii_digit() || "+-.~".contains(c))
            || matches!(
                text.to_ascii_lowercase().as_str(),
                "" | "true" | "false" | "null" | "yes" | "no" | "on" | "off"
            ))
}

/// One event of the parser, as the position pass needs it.
enum Event<'t> {
    Scalar {
        start: (usize, usize),
        text: &'t str,
        plain: bool,
    },
    Alias {
        start: (usize, usize),
    },
    Start {
        start: (usize, usize),
        mapping: bool,
    },
    End,
    Error(SyntaxError),
}

/// Runs libyaml's parser over `text`, calling `each` for every node event, then for
/// the syntax error if there is one.
fn events(text: &str, mut each: impl FnMut(Event<'_>)) {
    use libyaml_rs as y;
    use std::mem::MaybeUninit;

    let mark = |m: y::yaml_mark_t| (m.line as usize, m.column as usize);
    // SAFETY: the parser is initialised before use and deleted exactly once; it reads
    // `text`, which outlives it; each event is read and then deleted before the next
    // parse, which overwrites it; a scalar's value is `length` bytes the event owns.
    unsafe {
        let mut parser = MaybeUninit::<y::yaml_parser_t>::uninit();
        if y::yaml_parser_initialize(parser.as_mut_ptr()).fail {
            return;
        }
        let parser = parser.as_mut_ptr();
        y::yaml_parser_set_input_string(parser, text.as_ptr(), text.len() as _);
        let mut event = MaybeUninit::<y::yaml_event_t>::uninit();
        loop {
            if y::yaml_parser_parse(parser, event.as_mut_ptr()).fail {
                let c = |p: *const std::ffi::c_char| {
                    if p.is_null() {
                        String::new()
                    } else {
                        std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
                    }
                };
                let state: &y::yaml_parser_t = &*parser;
                each(Event::Error(SyntaxError {
                    problem: c(state.problem),
                    problem_mark: mark(state.problem_mark),
                    context: c(state.context),
                    context_mark: mark(state.context_mark),
                }));
                break;
            }
            let e = event.as_mut_ptr();
            let start = mark((*e).start_mark);
            let done = match (*e).type_ {
                y::YAML_SCALAR_EVENT => {
                    let s = (*e).data.scalar;
                    let bytes = std::slice::from_raw_parts(s.value, s.length as usize);
                    let plain = s.style == y::YAML_PLAIN_SCALAR_STYLE;
                    each(Event::Scalar {
                        start,
                        text: &String::from_utf8_lossy(bytes),
                        plain,
                    });
                    false
                }
                y::YAML_ALIAS_EVENT => {
                    each(Event::Alias { start });
                    false
                }
                y::YAML_SEQUENCE_START_EVENT | y::YAML_MAPPING_START_EVENT => {
                    let mapping = (*e).type_ == y::YAML_MAPPING_START_EVENT;
                    each(Event::Start { start, mapping });
                    false
                }
                y::YAML_SEQUENCE_END_EVENT | y::YAML_MAPPING_END_EVENT => {
                    each(Event::End);
                    false
                }
                y::YAML_STREAM_END_EVENT | y::YAML_NO_EVENT => true,
                _ => false,
            };
            y::yaml_event_delete(e);
            if done {
                break;
            }
        }
        y::yaml_parser_delete(parser);
    }
}

/// The error `measure` stops with.
const TOO_LARGE: &str = "accord: value budget exceeded";

/// Walks the document as the deserializer sees it — aliases replayed every time they
/// are used — and fails once its scalars and nodes exceed `MAX_YAML_VALUE_BYTES`,
/// without building anything. Each node counts as 32 bytes besides its text.
fn measure(text: &str) -> Result<(), serde_yaml::Error> {
    let budget = Cell::new(MAX_YAML_VALUE_BYTES);
    for doc in serde_yaml::Deserializer::from_str(text) {
        Measure(&budget).deserialize(doc)?;
    }
    Ok(())
}

#[derive(Clone, Copy)]
struct Measure<'b>(&'b Cell<usize>);

impl Measure<'_> {
    fn spend<E: de::Error>(self, bytes: usize) -> Result<(), E> {
        let cost = bytes.saturating_add(32);
        match self.0.get().checked_sub(cost) {
            Some(left) => {
                self.0.set(left);
                Ok(())
            }
            None => Err(E::custom(TOO_LARGE)),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Measure<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Measure<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.spend(0)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.spend(0)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.spend(0)
    }

    fn visit_i128<E: de::Error>(self, _: i128) -> Result<(), E> {
        self.spend(0)
    }

    fn visit_u128<E: de::Error>(self, _: u128) -> Result<(), E> {
        self.spend(0)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.spend(0)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.spend(v.len())
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<(), E> {
        self.spend(v.len())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.spend(0)
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.spend(0)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }

    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.spend(0)?;
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.spend(0)?;
        while map.next_key_seed(self)?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        use serde::de::VariantAccess;
        self.spend(0)?;
        let ((), variant) = data.variant_seed(self)?;
        variant.newtype_variant_seed(self)
    }
}

/// Where the first flow collection (`[` or `{`) nested deeper than `MAX_YAML_DEPTH`
/// opens, as a 0-based line and character column of the block, if any.
///
/// The YAML parser's scanner spends time proportional to the flow depth on every
/// token, so a text of `[[[[…` costs the square of its length before any depth
/// limit can apply. This runs the same scanner token by token and stops at the
/// limit, which keeps the work linear; no text-level approximation could tell the
/// flow collections from brackets in plain or quoted scalars the way it does.
fn flow_too_deep(text: &str) -> Option<(usize, usize)> {
    use libyaml_rs as y;
    use std::mem::MaybeUninit;

    let mut depth = 0usize;
    let mut found = None;
    // SAFETY: the parser is initialised before use and deleted exactly once; it reads
    // `text`, which outlives it; each token is read and then deleted before the next
    // scan, which overwrites it.
    unsafe {
        let mut parser = MaybeUninit::<y::yaml_parser_t>::uninit();
        if y::yaml_parser_initialize(parser.as_mut_ptr()).fail {
            return None;
        }
        let parser = parser.as_mut_ptr();
        y::yaml_parser_set_input_string(parser, text.as_ptr(), text.len() as _);
        let mut token = MaybeUninit::<y::yaml_token_t>::uninit();
        loop {
            if y::yaml_parser_scan(parser, token.as_mut_ptr()).fail {
                break; // a syntax error: the real parse reports it
            }
            let t = token.as_mut_ptr();
            let kind = (*t).type_;
            let mark = (*t).start_mark;
            y::yaml_token_delete(t);
            match kind {
                y::YAML_FLOW_SEQUENCE_START_TOKEN | y::YAML_FLOW_MAPPING_START_TOKEN => {
                    depth += 1;
                    if depth > MAX_YAML_DEPTH {
                        found = Some((mark.line as usize, mark.column as usize));
                        break;
                    }
                }
                y::YAML_FLOW_SEQUENCE_END_TOKEN | y::YAML_FLOW_MAPPING_END_TOKEN => {
                    depth = depth.saturating_sub(1);
                }
                y::YAML_STREAM_END_TOKEN | y::YAML_NO_TOKEN => break,
                _ => {}
            }
        }
        y::yaml_parser_delete(parser);
    }
    found
}

fn strip_location(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Takes typed fields out of a mapping one by one, collecting located diagnostics.
pub(crate) struct Fields<'a> {
    block: Block<'a>,
    spans: &'a Spans,
    map: Mapping,
    pub diags: Vec<Diagnostic>,
    allowed: &'a [&'a str],
    what: &'a str,
    /// The path of the mapping in the block: empty for the top level, `[id]` for one
    /// registry entry.
    scope: Vec<Seg>,
    /// Problems not reported, past `MAX_ERRORS_PER_FILE`.
    dropped: usize,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(
        block: Block<'a>,
        spans: &'a Spans,
        map: Mapping,
        allowed: &'a [&'a str],
        what: &'a str,
    ) -> Self {
        Fields {
            block,
            spans,
            map,
            diags: Vec::new(),
            allowed,
            what,
            scope: Vec::new(),
            dropped: 0,
        }
    }

    /// Fields of the mapping nested under top-level key `scope`.
    pub(crate) fn within(mut self, scope: &str) -> Self {
        self.scope = vec![Seg::from(scope)];
        self
    }

    /// Reports every text of the mapping — values, and keys of nested mappings, at any
    /// depth — that holds a control character (`forbidden_char`), at that value. Such
    /// text would make the feeds ill-formed XML, break a page's layout or hide in a
    /// diagnostic; tab and line feed are allowed.
    pub(crate) fn refuse_control_characters(&mut self) {
        let mut found = Vec::new();
        for (key, value) in &self.map {
            if let Value::String(key) = key {
                let path = self.path(key, &[]);
                control_characters(value, path, &mut found);
            }
        }
        for (path, c) in found {
            let pos = self
                .spans
                .value(&path)
                .or_else(|| self.spans.nearest(&path))
                .unwrap_or_else(|| self.scope_pos());
            let name = path_name(&path[self.scope.len()..]);
            self.error(
                Code::InvalidValue,
                pos,
                format!("field `{name}` holds the control character U+{:04X}", c as u32),
                Some("remove it: text may hold tabs and line breaks, but no other control characters".into()),
            );
        }
    }

    /// Whether `MAX_ERRORS_PER_FILE` problems were reported already: further ones are
    /// only counted.
    pub(crate) fn is_full(&self) -> bool {
        self.diags.len() >= MAX_ERRORS_PER_FILE
    }

    fn push(&mut self, d: Diagnostic) {
        if self.is_full() && d.severity == Severity::Error {
            self.dropped += 1;
        } else {
            self.diags.push(d);
        }
    }

    fn path(&self, key: &str, rest: &[Seg]) -> Vec<Seg> {
        let mut path = self.scope.clone();
        path.push(Seg::from(key));
        path.extend_from_slice(rest);
        path
    }

    /// Where the mapping itself is written (the block's start for the top level).
    fn scope_pos(&self) -> Pos {
        self.spans
            .key(&self.scope)
            .or_else(|| self.spans.nearest(&self.scope))
            .unwrap_or(self.block.start())
    }

    /// Where `key` is written; where the mapping is, when it is not.
    pub(crate) fn key_pos(&self, key: &str) -> Pos {
        self.spans
            .key(&self.path(key, &[]))
            .unwrap_or_else(|| self.scope_pos())
    }

    /// Where the value at `key` and then `rest` (indexes and keys inside it) starts;
    /// where the nearest value holding it starts when it is not recorded.
    pub(crate) fn value_pos(&self, key: &str, rest: &[Seg]) -> Pos {
        let path = self.path(key, rest);
        match self.spans.value(&path) {
            Some(pos) => pos,
            None => match self.spans.nearest(&path) {
                Some(pos) if path.len() > self.scope.len() + 1 => pos,
                _ => self.key_pos(key),
            },
        }
    }

    /// The raw value of `key`, left in the mapping.
    pub(crate) fn peek(&self, key: &str) -> Option<&Value> {
        self.map.get(key)
    }

    /// The raw value of `key`, removed from the mapping.
    pub(crate) fn take_value(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key).filter(|v| !v.is_null())
    }

    /// Whether the mapping has `key` (with a value other than null).
    pub(crate) fn has(&self, key: &str) -> bool {
        self.map.get(key).is_some_and(|v| !v.is_null())
    }

    /// Whether the mapping has `key`, even without a value.
    pub(crate) fn contains(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// Counts a problem that is not reported: `MAX_ERRORS_PER_FILE` were already.
    pub(crate) fn skip(&mut self) {
        self.dropped += 1;
    }

    /// Removes `key` without reading it (reported otherwise).
    pub(crate) fn drop_key(&mut self, key: &str) {
        self.map.remove(key);
    }

    /// The value of `key` as `T`; a type error is reported at the value.
    pub(crate) fn take<T: DeserializeOwned>(&mut self, key: &str) -> Option<T> {
        let value = self.take_value(key)?;
        match serde_yaml::from_value::<T>(value) {
            Ok(v) => Some(v),
            Err(e) => {
                let pos = self.value_pos(key, &[]);
                self.push(Diagnostic::error(
                    Code::WrongType,
                    self.block.path,
                    pos,
                    format!("field `{key}`: {}", strip_location(&e.to_string())),
                ));
                None
            }
        }
    }

    /// The text at `key`, with the line folds between two CJK characters joined (see
    /// `cjk`): a folded summary reads as written, without a space where a line ended.
    /// Only a text with a space between two CJK characters is looked at again.
    pub(crate) fn take_prose(&mut self, key: &str) -> Option<String> {
        let text: String = self.take(key)?;
        if !cjk::has_space_between_cjk(&text) {
            return Some(text);
        }
        let path = self.path(key, &[]);
        let joined = self
            .spans
            .value(&path)
            .zip(self.spans.key(&path))
            .and_then(|(value, key)| {
                let line_start: usize = self
                    .block
                    .text
                    .split_inclusive('\n')
                    .take(value.line.checked_sub(self.block.first_line)?)
                    .map(str::len)
                    .sum();
                let line = &self.block.text[line_start..];
                let col = line.char_indices().nth(value.col.checked_sub(1)?)?.0;
                cjk::join_yaml_folds(&text, &line[col..], key.col.saturating_sub(1))
            });
        Some(joined.unwrap_or(text))
    }

    /// Like `take`, but a missing field is an error.
    pub(crate) fn required<T: DeserializeOwned>(&mut self, key: &str, help: &str) -> Option<T> {
        if !self.has(key) {
            self.map.remove(key);
            let pos = self.key_pos(key);
            self.push(
                Diagnostic::error(
                    Code::MissingField,
                    self.block.path,
                    pos,
                    format!("missing required field `{key}` in {}", self.what),
                )
                .with_help(help.to_string()),
            );
            return None;
        }
        self.take(key)
    }

    pub(crate) fn error(
        &mut self,
        code: Code,
        pos: Pos,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let d = Diagnostic::error(code, self.block.path, pos, message).with_help_opt(help);
        self.push(d);
    }

    /// Reports every key left over as unknown, with a did-you-mean, and returns the
    /// diagnostics collected.
    pub(crate) fn finish(mut self) -> Vec<Diagnostic> {
        let mut unknown: Vec<String> = self
            .map
            .keys()
            .map(|k| match k {
                Value::String(s) => s.clone(),
                other => serde_yaml::to_string(other)
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            })
            .collect();
        unknown.sort();
        for key in unknown {
            if self.is_full() {
                self.dropped += 1;
                continue;
            }
            let pos = self.key_pos(&key);
            let help = did_you_mean(&key, self.allowed.iter().copied()).unwrap_or_else(|| {
                format!(
                    "the fields of {} are: {}",
                    self.what,
                    self.allowed.join(", ")
                )
            });
            self.diags.push(
                Diagnostic::error(
                    Code::UnknownField,
                    self.block.path,
                    pos,
                    format!("unknown field `{key}` in {}", self.what),
                )
                .with_help(help),
            );
        }
        if self.dropped > 0 {
            let end = self.block.end();
            self.diags.push(Diagnostic::omitted(
                self.block.path,
                end,
                Some(self.dropped),
            ));
        }
        self.diags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> SpanMap {
        SpanMap::read(text, 2).unwrap()
    }

    fn path(segs: &[Seg]) -> Vec<Seg> {
        segs.to_vec()
    }

    #[test]
    fn values_in_flow_lists_are_found_at_their_own_column() {
        let s = spans("title: x\ncities: [Seoul, Seou]\npairs: [[北九州市, 九州]]\n");
        let cities = |i: usize| path(&["cities".into(), i.into()]);
        assert_eq!(s.value(&cities(0)), Some(Pos::new(3, 10)));
        assert_eq!(s.value(&cities(1)), Some(Pos::new(3, 17)));
        // Columns are counted in characters.
        let pair = path(&["pairs".into(), 0.into(), 1.into()]);
        assert_eq!(s.value(&pair), Some(Pos::new(4, 16)));
        assert_eq!(s.key(&path(&["cities".into()])), Some(Pos::new(3, 1)));
    }

    #[test]
    fn nested_mappings_and_block_lists_have_paths() {
        let s = spans("sources:\n  - title: a\n    url: ftp://x\norganizers:\n  - 서울시\n");
        let url = path(&["sources".into(), 0.into(), "url".into()]);
        assert_eq!(s.value(&url), Some(Pos::new(4, 10)));
        assert_eq!(s.key(&url), Some(Pos::new(4, 5)));
        let org = path(&["organizers".into(), 0.into()]);
        assert_eq!(s.value(&org), Some(Pos::new(6, 5)));
    }

    #[test]
    fn a_repeated_key_is_found_where_it_is_repeated() {
        let s = spans("a: 1\nb:\n  c: 1\n  c: 2\n");
        assert_eq!(s.duplicate, Some(("c".into(), Pos::new(5, 3))));
        assert!(spans("a: 1\n\"1\": 2\n1: 3\n").duplicate.is_none());
    }

    #[test]
    fn syntax_errors_start_where_the_problem_does() {
        let b = |text: &'static str| Block::new(Path::new("a.md"), text, 2);
        let d = b("title: x\ndate: \"2019-01-01\ncities: [a]\n")
            .parse_mapping("front matter")
            .unwrap_err();
        assert_eq!((d.line, d.col, d.code), (3, 7, Code::YamlSyntax), "{d}");
        let d = b("title: 서울: 기후 포럼\n")
            .parse_mapping("x")
            .unwrap_err();
        assert_eq!((d.line, d.col), (2, 10), "{d}");
        assert_eq!(
            d.help.as_deref(),
            Some("put the title in quotes: title: \"서울: 기후 포럼\"")
        );
        let d = b("title: x\n\tdate: 2019\n")
            .parse_mapping("x")
            .unwrap_err();
        assert_eq!((d.line, d.col), (3, 1), "{d}");
        assert!(d.help.unwrap().contains("tabs"));
    }

    #[test]
    fn yaml_syntax_errors_point_at_the_file_line() {
        let text = "title: x\ncities: [a, b\n";
        let b = Block::new(Path::new("a.md"), text, 2);
        let d = b.parse_mapping("front matter").unwrap_err();
        assert!(d.line >= 3, "{d}");
        assert!(!d.message.contains(" at line "), "{d}");
    }
}
