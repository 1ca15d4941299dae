//! How diagnostics are shown: for people (numbered, with the source line and a caret,
//! coloured on a terminal), as JSON, or as GitHub Actions annotations.

use std::path::Path;

use accord::diag::{Diagnostic, Severity};
use accord::snippet;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: file:line:column, the line with a caret, and help.
    Human,
    /// One JSON document on standard output.
    Json,
    /// GitHub Actions workflow commands: annotations on the lines of a pull request.
    Github,
}

/// Whether to colour what goes to a stream: `NO_COLOR` wins, then `CLICOLOR_FORCE`,
/// then whether the stream is a terminal (and not a dumb one).
pub fn use_colour(is_terminal: bool) -> bool {
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

/// Every diagnostic for people, numbered, each with its snippet and help.
pub fn human(root: &Path, diags: &[Diagnostic], colour: bool) -> String {
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
        if let Some(e) = &excerpt {
            group = group.element(
                Snippet::source(e.text.as_str())
                    .line_start(e.line)
                    .annotation(AnnotationKind::Primary.span(e.span.clone())),
            );
        }
        if let Some(help) = &d.help {
            group = group.element(Level::HELP.message(help.as_str()));
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
    let mut place = d.path.display().to_string();
    if d.line > 0 {
        place.push_str(&format!(":{}:{}", d.line, d.col.max(1)));
    }
    let (level, style) = match d.severity {
        Severity::Error => ("error", RED),
        Severity::Warning => ("warning", YELLOW),
    };
    // A problem of no file (a command-line argument) starts with its level.
    let (message, code) = (&d.message, d.code);
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
pub fn json(diags: &[Diagnostic]) -> String {
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
pub fn github(root: &Path, diags: &[Diagnostic]) -> String {
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
