//! YAML blocks with file positions: parses a block (front matter, config, registry),
//! reports syntax errors at the line of the *file*, finds the line and column of any
//! top-level key or value, and takes typed fields one at a time so that a wrong type,
//! a missing field or an unknown one is reported where it is written.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_yaml::{Mapping, Value};

use crate::diag::{Diagnostic, Pos, did_you_mean};

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

    /// A YAML error at its line in the file.
    pub fn yaml_error(&self, e: &serde_yaml::Error) -> Diagnostic {
        let pos = e
            .location()
            .map(|l| Pos::new(l.line() + self.first_line - 1, l.column()))
            .unwrap_or(Pos::new(self.first_line, 1));
        Diagnostic::error(
            self.path,
            pos,
            format!("invalid YAML: {}", strip_location(&e.to_string())),
        )
    }

    fn lines(&self) -> impl Iterator<Item = (usize, &'a str)> {
        self.text.lines().enumerate()
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
                self.diags.push(Diagnostic::error(
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
            self.diags.push(
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
        self.diags.push(d);
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
