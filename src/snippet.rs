//! Snippets: the source line a diagnostic points at, and the part of it to underline,
//! read from the file when a person is shown the problem (terminal or browser).

use std::ops::Range;
use std::path::Path;

use unicode_normalization::UnicodeNormalization;

use crate::diag::Diagnostic;

/// Files larger than this are not read for a snippet.
const MAX_BYTES: u64 = 8 * 1024 * 1024;

/// Longest part of a line shown, in characters: a longer line (a hostile file, a
/// table on one line) is cut to a window around the column, so that a file with
/// many problems on one long line costs time per problem, not per problem and byte.
const MAX_LINE_CHARS: usize = 240;

/// Characters shown before the column when a line is cut.
const BEFORE_COLUMN: usize = 60;

/// One line of a file, with the part a diagnostic is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    /// 1-based line number in the file.
    pub line: usize,
    /// The line, NFC, without its line end.
    pub text: String,
    /// Byte range in `text` to underline; empty at the end of the line.
    pub span: Range<usize>,
}

/// The line `d` points at, read from `root/d.path`; `None` when the diagnostic has no
/// line or the file cannot be read.
pub fn excerpt(root: &Path, d: &Diagnostic) -> Option<Excerpt> {
    if d.line == 0 {
        return None;
    }
    let path = root.join(&d.path);
    if std::fs::metadata(&path).ok()?.len() > MAX_BYTES {
        return None;
    }
    let bytes = std::fs::read(&path).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let (raw, col) = window(text.lines().nth(d.line - 1)?, d.col.max(1) - 1);
    let line: String = raw.nfc().collect();
    let start = line.char_indices().nth(col).map_or(line.len(), |(i, _)| i);
    let len = underline_len(&line[start..], &d.message);
    Some(Excerpt {
        line: d.line,
        span: start..start + len,
        text: line,
    })
}

/// `line`, or the window of at most `MAX_LINE_CHARS` characters around character
/// `col` of it, with the column counted in the window.
fn window(line: &str, col: usize) -> (&str, usize) {
    if line.len() <= MAX_LINE_CHARS {
        return (line, col);
    }
    let first = col.saturating_sub(BEFORE_COLUMN);
    let mut bounds = line
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(line.len()))
        .skip(first);
    let Some(start) = bounds.next() else {
        return (line, col);
    };
    let end = bounds.nth(MAX_LINE_CHARS - 1).unwrap_or(line.len());
    (&line[start..end], col - first)
}

/// How much of `rest` (the line from the diagnostic's column on) to underline: a
/// `quoted` name of the message when the line continues with it, else one character.
fn underline_len(rest: &str, message: &str) -> usize {
    message
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|q| !q.is_empty())
        .find(|q| rest.starts_with(q))
        .map_or_else(|| rest.chars().next().map_or(0, char::len_utf8), str::len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Code, Pos};

    #[test]
    fn the_quoted_name_is_underlined() {
        let tmp = std::env::temp_dir().join(format!("accord-snippet-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        std::fs::write(tmp.join("a.md"), "---\ncities: [서울, 요코하미]\r\n---\n").unwrap();
        let d = Diagnostic::error(
            Code::UnknownCity,
            "a.md",
            Pos::new(2, 14),
            "unknown city `요코하미`",
        );
        let e = excerpt(&tmp, &d).unwrap();
        assert_eq!(e.text, "cities: [서울, 요코하미]");
        assert_eq!(&e.text[e.span.clone()], "요코하미");
        // Without a quoted name on the line: one character.
        let d = Diagnostic::error(
            Code::UnknownCity,
            "a.md",
            Pos::new(2, 1),
            "something about `title`",
        );
        assert_eq!(excerpt(&tmp, &d).unwrap().span, 0..1);
        // Past the end of the line: an empty span at its end.
        let d = Diagnostic::error(Code::UnknownCity, "a.md", Pos::new(1, 9), "x");
        assert_eq!(excerpt(&tmp, &d).unwrap().span, 3..3);
        assert!(
            excerpt(
                &tmp,
                &Diagnostic::error(Code::UnknownCity, "a.md", Pos::new(9, 1), "x")
            )
            .is_none()
        );
        // A long line: a window around the column.
        let long = format!(
            "{}`{}` {}\n",
            "a".repeat(5000),
            "요코하미",
            "b".repeat(5000)
        );
        std::fs::write(tmp.join("b.md"), long).unwrap();
        let d = Diagnostic::error(
            Code::UnknownCity,
            "b.md",
            Pos::new(1, 5002),
            "unknown city `요코하미`",
        );
        let e = excerpt(&tmp, &d).unwrap();
        assert_eq!(e.text.chars().count(), MAX_LINE_CHARS);
        assert_eq!(&e.text[e.span.clone()], "요코하미");
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
