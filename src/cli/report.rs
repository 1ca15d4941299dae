//! How diagnostics are shown: for people (numbered, with the source line and a caret,
//! coloured on a terminal), as JSON, or as GitHub Actions annotations.
//!
//! Messages quote text from records and the source line shows it: for people, every
//! control character (and every Unicode control of text direction) is shown escaped —
//! `\n`, `\u{1b}` — so that a record cannot start a line that a CI runner reads as a
//! workflow command (`::error …`) nor send escape sequences to the terminal.

use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;

use accord::diag::{Diagnostic, Severity};
use accord::snippet;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// For people: file:line:column, the line with a caret, and help.
    Human,
    /// One JSON document on standard output.
    Json,
    /// GitHub Actions workflow commands: annotations on the lines of a pull request.
    Github,
}

/// Whether to colour what goes to a stream: `NO_COLOR` wins, then `CLICOLOR_FORCE`,
/// then whether the stream is a terminal (and not a dumb one).
pub(crate) fn use_colour(is_terminal: bool) -> bool {
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty() && v != "0");
    if set("NO_COLOR") {
        return false;
    }
    if set("CLICOLOR_FORCE") {
        return true;
    }
    is_terminal && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

const RED: &str = "\x1b[1;91m";
const YELLOW: &str = "\x1b[1;33m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// Whether `c` is shown escaped to people: control characters, and the controls of
/// text direction that make a line read other than it is stored.
fn is_hidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// How a hidden character is shown.
fn escaped(c: char) -> String {
    match c {
        '\n' => "\\n".into(),
        '\r' => "\\r".into(),
        '\t' => "\\t".into(),
        c => c.escape_unicode().to_string(),
    }
}

/// `s` with every control character shown escaped (`\n`, `\u{1b}`).
pub(crate) fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hidden) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if is_hidden(c) {
                    escaped(c)
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// A source line made printable (tabs kept, for the snippet lays them out), with the
/// byte range `span` of it moved to where it lands.
fn printable_line(line: &str, span: Range<usize>) -> (String, Range<usize>) {
    let mut out = String::with_capacity(line.len());
    let (mut start, mut end) = (None, None);
    for (i, c) in line.char_indices() {
        if i == span.start {
            start = Some(out.len());
        }
        if i == span.end {
            end = Some(out.len());
        }
        if is_hidden(c) && c != '\t' {
            out.push_str(&escaped(c));
        } else {
            out.push(c);
        }
    }
    let start = start.unwrap_or(out.len());
    let end = end.unwrap_or(out.len()).max(start);
    (out, start..end)
}

/// Every diagnostic for people, numbered, each with its snippet and help.
pub(crate) fn human(root: &Path, diags: &[Diagnostic], colour: bool) -> String {
    let renderer = if colour {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for (i, d) in diags.iter().enumerate() {
        out.push_str(&format!("{:>3}. {}\n", i + 1, header(d, colour)));
        let level = match d.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let mut group = Group::with_level(level.clone());
        let excerpt = snippet::excerpt(root, d);
        let shown = excerpt
            .as_ref()
            .map(|e| (e.line, printable_line(&e.text, e.span.clone())));
        if let Some((line, (text, span))) = &shown {
            group = group.element(
                Snippet::source(text.as_str())
                    .line_start(*line)
                    .annotation(AnnotationKind::Primary.span(span.clone())),
            );
        }
        let help = d.help.as_deref().map(printable);
        if let Some(help) = &help {
            group = group.element(Level::HELP.message(help.as_ref()));
        }
        if excerpt.is_some() || d.help.is_some() {
            for line in renderer.render(&[group]).lines() {
                out.push_str("    ");
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// `path:line:col: error: message`, the line editors and terminals make clickable.
fn header(d: &Diagnostic, colour: bool) -> String {
    let mut place = printable(&d.path.display().to_string()).into_owned();
    let message = printable(&d.message);
    if d.line > 0 {
        place.push_str(&format!(":{}:{}", d.line, d.col.max(1)));
    }
    let (level, style) = match d.severity {
        Severity::Error => ("error", RED),
        Severity::Warning => ("warning", YELLOW),
    };
    // A problem of no file (a command-line argument) starts with its level.
    let code = d.code;
    match (place.is_empty(), colour) {
        (true, true) => format!("{style}{level}{RESET}: {BOLD}{message}{RESET} [{code}]"),
        (true, false) => format!("{level}: {message} [{code}]"),
        (false, true) => {
            format!("{BOLD}{place}{RESET}: {style}{level}{RESET}: {BOLD}{message}{RESET} [{code}]")
        }
        (false, false) => format!("{place}: {level}: {message} [{code}]"),
    }
}

/// Every diagnostic as one JSON document.
pub(crate) fn json(diags: &[Diagnostic]) -> String {
    let count = |s: Severity| diags.iter().filter(|d| d.severity == s).count();
    let list: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            serde_json::json!({
                "path": d.path.to_string_lossy().replace('\\', "/"),
                "line": d.line,
                "column": d.col,
                "severity": match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                "code": d.code.as_str(),
                "message": d.message,
                "help": d.help,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "errors": count(Severity::Error),
        "warnings": count(Severity::Warning),
        "diagnostics": list,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// Every diagnostic as a GitHub Actions annotation (`::error file=…,line=…::…`), with
/// paths relative to the repository (the working directory).
pub(crate) fn github(root: &Path, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let path = root.join(&d.path);
        let path = path.strip_prefix(".").unwrap_or(&path);
        let mut props = format!("file={}", property(&path.to_string_lossy()));
        if d.line > 0 {
            props.push_str(&format!(",line={},col={}", d.line, d.col.max(1)));
        }
        let mut text = d.message.clone();
        if let Some(help) = &d.help {
            text.push_str("\nhelp: ");
            text.push_str(help);
        }
        out.push_str(&format!(
            "::{level} {props},title=accord {}::{}\n",
            d.code,
            data(&text)
        ));
    }
    out
}

fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord::diag::{Code, Pos};

    #[test]
    fn control_characters_are_shown_escaped_and_the_underline_follows() {
        assert_eq!(printable("a\nb\u{1b}]8;;x\u{7}"), "a\\nb\\u{1b}]8;;x\\u{7}");
        assert_eq!(printable("서울\u{202e}"), "서울\\u{202e}");
        assert!(matches!(printable("서울 Seoul\t"), Cow::Owned(_)));
        assert!(matches!(printable("서울 Seoul"), Cow::Borrowed(_)));
        let line = "a\u{1b}b\tc";
        let (text, span) = printable_line(line, 2..3);
        assert_eq!(text, "a\\u{1b}b\tc");
        assert_eq!(&text[span], "b");
    }

    #[test]
    fn annotations_escape_their_separators() {
        let d = Diagnostic::error(
            Code::InvalidValue,
            "content/a,b.md",
            Pos::new(3, 2),
            "bad: 100%",
        )
        .with_help("write `x`");
        assert_eq!(
            github(Path::new("."), &[d]),
            "::error file=content/a%2Cb.md,line=3,col=2,title=accord invalid-value::bad: 100%25%0Ahelp: write `x`\n"
        );
    }
}
