//! Diagnostics: located problems found by any stage. Library code never prints;
//! every stage returns `Diagnostic`s and only the binary decides how to show them.

use std::fmt;
use std::path::{Path, PathBuf};

/// How bad a problem is: errors fail the build, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem at one place of one file (paths are relative to the site root).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub path: PathBuf,
    /// 1-based line in the file (not in the front-matter block); 0 when unknown.
    pub line: usize,
    /// 1-based column counted in characters; 0 when unknown.
    pub col: usize,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(path: impl AsRef<Path>, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.as_ref().to_path_buf(),
            line: pos.line,
            col: pos.col,
            severity: Severity::Error,
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(path: impl AsRef<Path>, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, pos, message)
        }
    }

    /// The last diagnostic of a file that had more than `MAX_ERRORS_PER_FILE` problems,
    /// placed at `end` (the end of the file or block) to be listed after them: how many
    /// more there are, or, when checking stopped, that it did.
    pub fn omitted(path: impl AsRef<Path>, end: Pos, count: Option<usize>) -> Self {
        let max = crate::limits::MAX_ERRORS_PER_FILE;
        let message = match count {
            Some(n) => format!(
                "{n} more problem{} in this file not shown: at most {max} are reported per file (MAX_ERRORS_PER_FILE)",
                if n == 1 { "" } else { "s" }
            ),
            None => format!(
                "checking this file stopped after {max} problems (MAX_ERRORS_PER_FILE): fix them and run again"
            ),
        };
        Diagnostic::warning(path, end, message)
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.col.max(1))?;
        }
        write!(f, ": {level}: {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// A 1-based line and column in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

impl Pos {
    pub const UNKNOWN: Pos = Pos { line: 0, col: 0 };

    pub fn new(line: usize, col: usize) -> Self {
        Pos { line, col }
    }

    /// The position of byte `offset` in `text`, with the column counted in characters.
    pub fn of_offset(text: &str, offset: usize) -> Pos {
        let offset = offset.min(text.len());
        let before = &text[..floor_char_boundary(text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        Pos { line, col }
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The names in `candidates` closest to `wanted` (edit distance), best first, for a
/// "did you mean" hint. Case and Unicode normalisation are the caller's business.
pub fn nearest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let wanted_len = wanted.chars().count();
    if wanted_len > MAX_SUGGESTION_CHARS {
        return Vec::new();
    }
    let limit = (wanted_len / 3).max(1) + usize::from(wanted_len > 6);
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        // The distance is at least the difference in length: skip the far ones cheaply.
        .filter(|c| c.len().abs_diff(wanted.len()) <= limit * 4)
        .filter(|c| c.chars().count().abs_diff(wanted_len) <= limit)
        .map(|c| (edit_distance(wanted, c), c))
        .filter(|(d, _)| *d <= limit)
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// Names longer than this get no "did you mean": no name is that long, and the
/// distance costs the product of the lengths.
const MAX_SUGGESTION_CHARS: usize = 200;

/// Edit distance counted in characters, a swap of two neighbours counting as one
/// edit (optimal string alignment), so `tilte` is one edit from `title`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (j, cell) in d.iter_mut().take(w).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        d[i * w] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j - 1] + cost)
                .min(d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

/// A "did you mean" sentence for the nearest candidates, if any.
pub fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let near = nearest(wanted, candidates);
    if near.is_empty() {
        return None;
    }
    let list: Vec<String> = near.iter().map(|n| format!("`{n}`")).collect();
    Some(format!("did you mean {}?", list.join(" or ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_lines_and_character_columns() {
        let text = "ab\n서울x\n";
        assert_eq!(Pos::of_offset(text, 0), Pos::new(1, 1));
        assert_eq!(Pos::of_offset(text, 3), Pos::new(2, 1));
        // "서울" is 6 bytes: x is the third character.
        assert_eq!(Pos::of_offset(text, 9), Pos::new(2, 3));
    }

    #[test]
    fn nearest_names_for_typos() {
        let fields = ["budget", "title", "date", "tags"];
        assert_eq!(nearest("buget", fields), vec!["budget"]);
        assert_eq!(nearest("tilte", fields), vec!["title"]);
        assert!(nearest("zzzzzzzz", fields).is_empty());
    }
}
