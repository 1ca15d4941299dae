//! Bounds on the work and the output of a build: an input that would make accord work
//! or write without bound is cut at a limit named in a located diagnostic (see
//! docs/guarantees.md).

mod support;

use std::path::Path;

use accord::diag::{Diagnostic, Severity};
use support::{FRONT, site};

/// Builds the site at `root` into `root/output`: the warnings, or the diagnostics of
/// the failure.
fn build(root: &Path) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    let opts = accord::Options {
        root: root.to_path_buf(),
        output: None,
        drafts: false,
        write: true,
    };
    accord::build(&opts).map(|r| r.warnings)
}

/// A file of the output, as text.
fn page(root: &Path, rel: &str) -> String {
    let path = root.join("output").join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The diagnostics about `rel` whose message holds `needle`.
fn about<'a>(diags: &'a [Diagnostic], rel: &str, needle: &str) -> Vec<&'a Diagnostic> {
    diags
        .iter()
        .filter(|d| d.path == Path::new(rel) && d.message.contains(needle))
        .collect()
}

#[test]
fn a_code_line_too_long_to_highlight_is_plain_text_with_a_located_warning() {
    // One 200,000-character line of Erlang: highlighting it takes minutes.
    let line = "X = <<\"a\">>, ".repeat(200_000 / 13 + 1)[..200_000].to_string();
    let text = format!("{FRONT}---\nIntro.\n\n```erlang\n{line}\n```\n");
    let s = site(&[("content/trips/x.md", text.as_bytes())]);
    let warnings = build(s.path()).expect("a long code line is no error");
    let hits = about(
        &warnings,
        "content/trips/x.md",
        "(MAX_HIGHLIGHT_LINE_BYTES)",
    );
    assert_eq!(hits.len(), 1, "{warnings:#?}");
    assert_eq!(
        (hits[0].line, hits[0].col),
        (8, 1),
        "at the fence: {}",
        hits[0]
    );
    assert_eq!(hits[0].severity, Severity::Warning);
    assert!(hits[0].message.contains("200000 bytes"), "{}", hits[0]);
    let html = page(s.path(), "trips/x/index.html");
    let plain = format!(
        "<pre><code class=\"language-erlang\">{}\n</code></pre>",
        line.replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    );
    assert!(
        html.contains(&plain),
        "the line is shown as plain escaped text"
    );
}

#[test]
fn a_code_block_too_large_to_highlight_is_plain_text_with_a_warning() {
    let block = "x = 1\n".repeat(70 * 1024 / 6);
    let text = format!("{FRONT}---\n```python\n{block}```\n");
    let s = site(&[("content/trips/x.md", text.as_bytes())]);
    let warnings = build(s.path()).expect("a large code block is no error");
    let hits = about(&warnings, "content/trips/x.md", "(MAX_HIGHLIGHT_BYTES)");
    assert_eq!(hits.len(), 1, "{warnings:#?}");
    assert_eq!(hits[0].line, 6, "at the fence: {}", hits[0]);
    let html = page(s.path(), "trips/x/index.html");
    assert!(
        html.contains(&format!(
            "<pre><code class=\"language-python\">{block}</code></pre>"
        )),
        "the block is shown as plain text"
    );
}
