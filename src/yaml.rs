//! YAML blocks with file positions: parses a block (front matter, config, registry),
//! reports syntax errors at the line of the *file*, finds the line and column of any
//! top-level key or value, and takes typed fields one at a time so that a wrong type,
//! a missing field or an unknown one is reported where it is written.
//!
//! Hostile YAML is refused before it costs much: flow collections nested deeper than
//! `MAX_YAML_DEPTH` are found by a linear pre-scan (the parser's own work grows with the
//! square of that depth), and a document whose values, aliases expanded, exceed
//! `MAX_YAML_VALUE_BYTES` is measured without being built ("billion laughs").

use std::cell::Cell;
use std::path::Path;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Visitor};
use serde_yaml::{Mapping, Value};

use crate::diag::{Diagnostic, Pos, Severity, did_you_mean};
use crate::limits::{MAX_ERRORS_PER_FILE, MAX_YAML_DEPTH, MAX_YAML_VALUE_BYTES};

/// A YAML text that starts at line `first_line` of the file `path`.
#[derive(Clone, Copy)]
pub(crate) struct Block<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    pub first_line: usize,
}

impl<'a> Block<'a> {
    pub fn new(path: &'a Path, text: &'a str, first_line: usize) -> Self {
        Block {
            path,
            text,
            first_line,
        }
    }

    /// Parses the block as a mapping. An empty block is an empty mapping.
    pub fn parse_mapping(&self, what: &str) -> Result<Mapping, Diagnostic> {
        if self.text.trim().is_empty() {
            return Ok(Mapping::new());
        }
        if let Some((line, col)) = flow_too_deep(self.text) {
            return Err(Diagnostic::error(
                self.path,
                Pos::new(self.first_line + line, col + 1),
                format!(
                    "invalid YAML: nested deeper than {MAX_YAML_DEPTH} levels (MAX_YAML_DEPTH)"
                ),
            ));
        }
        measure(self.text).map_err(|e| self.yaml_error(&e))?;
        let value: Value = serde_yaml::from_str(self.text).map_err(|e| self.yaml_error(&e))?;
        match value {
            Value::Mapping(m) => Ok(m),
            Value::Null => Ok(Mapping::new()),
            _ => Err(Diagnostic::error(
                self.path,
                Pos::new(self.first_line, 1),
                format!("{what} must be a mapping of `key: value` lines"),
            )),
        }
    }

    /// A YAML error at its line in the file, the parser's words replaced by ours where
    /// a limit of accord's was reached.
    pub fn yaml_error(&self, e: &serde_yaml::Error) -> Diagnostic {
        // The parser may point just past the end of a text without a final line end.
        let last_line = self.first_line + self.text.matches('\n').count();
        let pos = e
            .location()
            .map(|l| Pos::new(l.line() + self.first_line - 1, l.column()))
            .map_or(Pos::new(self.first_line, 1), |p| {
                if p.line > last_line {
                    Pos::new(last_line, 1)
                } else {
                    p
                }
            });
        let message = strip_location(&e.to_string());
        // A repeated key comes without a position: find its second occurrence.
        let pos = match message.strip_prefix("duplicate entry with key ") {
            Some(key) => self.repeated_key_pos(key.trim_matches('"')).unwrap_or(pos),
            _ => pos,
        };
        // The parser prefixes the path of the value (`extra.b[3]: …`): keep it.
        let too_large = format!(
            "the values exceed {} MiB once aliases (`*name`) are expanded (MAX_YAML_VALUE_BYTES)",
            MAX_YAML_VALUE_BYTES >> 20
        );
        let message = message
            .replace(
                "recursion limit exceeded",
                &format!("nested deeper than {MAX_YAML_DEPTH} levels (MAX_YAML_DEPTH)"),
            )
            .replace("repetition limit exceeded", &too_large)
            .replace(TOO_LARGE, &too_large);
        Diagnostic::error(self.path, pos, format!("invalid YAML: {message}"))
    }

    fn lines(&self) -> impl Iterator<Item = (usize, &'a str)> {
        self.text.lines().enumerate()
    }

    /// Where key `key` is written a second time (at any indentation), if it is.
    fn repeated_key_pos(&self, key: &str) -> Option<Pos> {
        let (i, line) = self
            .lines()
            .filter(|(_, line)| {
                let trimmed = line.trim_start_matches([' ', '-']);
                top_level_key(trimmed) == Some(key)
            })
            .nth(1)?;
        let col = line.chars().take_while(|c| *c == ' ' || *c == '-').count() + 1;
        Some(Pos::new(self.first_line + i, col))
    }

    /// Index (0-based, in the block) of the line holding top-level key `key`.
    fn key_line(&self, key: &str) -> Option<usize> {
        self.lines()
            .find(|(_, line)| top_level_key(line) == Some(key))
            .map(|(i, _)| i)
    }

    /// Position of top-level key `key` (or of the block's start when not found).
    pub fn key_pos(&self, key: &str) -> Pos {
        match self.key_line(key) {
            Some(i) => Pos::new(self.first_line + i, 1),
            None => Pos::new(self.first_line, 1),
        }
    }

    /// Position of the text `needle` inside the value of top-level key `key` (on the key's
    /// line or the indented lines below it); the key's position when not found.
    pub fn value_pos(&self, key: &str, needle: &str) -> Pos {
        let Some(start) = self.key_line(key) else {
            return self.key_pos(key);
        };
        for (i, line) in self.lines().skip(start) {
            if i > start && top_level_key(line).is_some() {
                break;
            }
            let from = if i == start {
                line.find(':').map_or(0, |c| c + 1)
            } else {
                0
            };
            if let Some(at) = line[from..].find(needle) {
                let col = line[..from + at].chars().count() + 1;
                return Pos::new(self.first_line + i, col);
            }
        }
        self.key_pos(key)
    }

    /// Position of `needle` in the lines under top-level key `key`, searching for the
    /// nested key `sub` first (`sub:`), e.g. a field of one registry entry.
    pub fn nested_pos(&self, key: &str, sub: &str) -> Pos {
        self.value_pos(key, &format!("{sub}:"))
    }
}

/// The key of a top-level `key: value` line, if the line is one.
pub(crate) fn top_level_key(line: &str) -> Option<&str> {
    let first = line.chars().next()?;
    if first.is_whitespace() || first == '#' || first == '-' {
        return None;
    }
    let colon = line.find(':')?;
    let key = line[..colon].trim_end();
    let key = key
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .or_else(|| key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')))
        .unwrap_or(key);
    // `key:` must be followed by a space, the end of the line, or nothing else.
    let rest = &line[colon + 1..];
    if !(rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t')) {
        return None;
    }
    Some(key)
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
    map: Mapping,
    pub diags: Vec<Diagnostic>,
    allowed: &'a [&'a str],
    what: &'a str,
    /// When set, the fields are those of the nested mapping under this top-level key.
    scope: Option<&'a str>,
    /// Problems not reported, past `MAX_ERRORS_PER_FILE`.
    dropped: usize,
}

impl<'a> Fields<'a> {
    pub fn new(block: Block<'a>, map: Mapping, allowed: &'a [&'a str], what: &'a str) -> Self {
        Fields {
            block,
            map,
            diags: Vec::new(),
            allowed,
            what,
            scope: None,
            dropped: 0,
        }
    }

    /// Whether `MAX_ERRORS_PER_FILE` problems were reported already: further ones are
    /// only counted, and callers need not work out where they are.
    pub fn is_full(&self) -> bool {
        self.diags.len() >= MAX_ERRORS_PER_FILE
    }

    fn push(&mut self, d: Diagnostic) {
        if self.is_full() && d.severity == Severity::Error {
            self.dropped += 1;
        } else {
            self.diags.push(d);
        }
    }

    /// Reports the problem `make` describes, calling it only while problems are still
    /// reported (finding a position costs a pass over the block).
    pub fn report(&mut self, make: impl FnOnce(Block<'a>) -> Diagnostic) {
        if self.is_full() {
            self.dropped += 1;
        } else {
            let d = make(self.block);
            self.diags.push(d);
        }
    }

    /// Fields of the mapping nested under top-level key `scope` (positions are looked
    /// up in its lines).
    pub fn within(mut self, scope: &'a str) -> Self {
        self.scope = Some(scope);
        self
    }

    /// Where `key` is written.
    pub fn pos(&self, key: &str) -> Pos {
        match self.scope {
            Some(scope) => self.block.nested_pos(scope, key),
            None => self.block.key_pos(key),
        }
    }

    pub fn block(&self) -> Block<'a> {
        self.block
    }

    /// The raw value of `key`, removed from the mapping.
    pub fn take_value(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key).filter(|v| !v.is_null())
    }

    /// The value of `key` as `T`; a type error is reported at the key.
    pub fn take<T: DeserializeOwned>(&mut self, key: &str) -> Option<T> {
        let value = self.take_value(key)?;
        match serde_yaml::from_value::<T>(value) {
            Ok(v) => Some(v),
            Err(e) => {
                let pos = self.pos(key);
                self.push(Diagnostic::error(
                    self.block.path,
                    pos,
                    format!("field `{key}`: {}", strip_location(&e.to_string())),
                ));
                None
            }
        }
    }

    /// Like `take`, but a missing field is an error.
    pub fn required<T: DeserializeOwned>(&mut self, key: &str, help: &str) -> Option<T> {
        if !self.map.contains_key(key) || self.map.get(key).is_some_and(Value::is_null) {
            self.map.remove(key);
            let pos = self.pos(key);
            self.push(
                Diagnostic::error(
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

    pub fn error(&mut self, pos: Pos, message: impl Into<String>, help: Option<String>) {
        let mut d = Diagnostic::error(self.block.path, pos, message);
        d.help = help;
        self.push(d);
    }

    /// Reports every key left over as unknown, with a did-you-mean, and returns the
    /// diagnostics collected.
    pub fn finish(mut self) -> Vec<Diagnostic> {
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
            let pos = self.pos(&key);
            let help = did_you_mean(&key, self.allowed.iter().copied()).unwrap_or_else(|| {
                format!(
                    "the fields of {} are: {}",
                    self.what,
                    self.allowed.join(", ")
                )
            });
            self.diags.push(
                Diagnostic::error(
                    self.block.path,
                    pos,
                    format!("unknown field `{key}` in {}", self.what),
                )
                .with_help(help),
            );
        }
        if self.dropped > 0 {
            let end = Pos::new(
                self.block.first_line + self.block.text.matches('\n').count(),
                1,
            );
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

    #[test]
    fn top_level_keys_are_found_but_not_nested_or_list_lines() {
        assert_eq!(top_level_key("title: x"), Some("title"));
        assert_eq!(top_level_key("\"title\": x"), Some("title"));
        assert_eq!(top_level_key("budget:"), Some("budget"));
        assert_eq!(top_level_key("  unit: x"), None);
        assert_eq!(top_level_key("- a: b"), None);
        assert_eq!(top_level_key("http://x"), None);
    }

    #[test]
    fn positions_are_counted_in_the_file() {
        let text = "title: x\ncities: [서울, 베이징]\norganizers:\n  - 서울시\n";
        let b = Block::new(Path::new("a.md"), text, 2);
        assert_eq!(b.key_pos("cities"), Pos::new(3, 1));
        assert_eq!(b.value_pos("cities", "베이징"), Pos::new(3, 14));
        assert_eq!(b.value_pos("organizers", "서울시"), Pos::new(5, 5));
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
