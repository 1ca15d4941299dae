//! Live reload and the error overlay: what `serve` adds to the HTML it sends (never
//! to the built files), and the hub that tells open pages a new build is there.

use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, Sender};

use crate::diag::{Diagnostic, Severity};
use crate::snippet;

/// Where pages listen for builds (server-sent events), and the script that does it.
/// Both at the server's root, outside the site's base path.
pub(super) const EVENTS_PATH: &str = "/__accord/live";
pub(super) const SCRIPT_PATH: &str = "/__accord/live.js";

/// Diagnostics shown in the overlay; the terminal has them all.
const OVERLAY_MAX: usize = 20;

/// The script every served page loads. A page knows the build it was served from
/// (`data-build`); when the server announces another one, the page reloads. Pages
/// that connect late, or to a restarted server, are told the current build at once.
pub(super) const SCRIPT: &str = r#"(function () {
  var me = document.currentScript;
  var built = me && me.getAttribute("data-build");
  var source = new EventSource("/__accord/live");
  source.addEventListener("build", function (e) {
    if (e.data !== built) {
      source.close();
      location.reload();
    }
  });
  var close = document.getElementById("accord-errors-close");
  if (close) {
    close.addEventListener("click", function () {
      document.getElementById("accord-errors").remove();
    });
  }
})();
"#;

/// The pages listening for builds.
#[derive(Default)]
pub(super) struct Hub {
    clients: Mutex<Vec<Sender<String>>>,
}

impl Hub {
    /// A new listener; it receives every build tag broadcast from now on.
    pub(super) fn subscribe(&self) -> Receiver<String> {
        let (tx, rx) = mpsc::channel();
        if let Ok(mut c) = self.clients.lock() {
            c.push(tx);
        }
        rx
    }

    /// Tells every listener about a build; forgets those that are gone.
    pub(super) fn broadcast(&self, tag: &str) {
        if let Ok(mut c) = self.clients.lock() {
            c.retain(|tx| tx.send(tag.to_string()).is_ok());
        }
    }

    /// Disconnects every listener.
    pub(super) fn close(&self) {
        if let Ok(mut c) = self.clients.lock() {
            c.clear();
        }
    }
}

/// One server-sent event announcing a build.
pub(super) fn event(tag: &str) -> String {
    format!("event: build\ndata: {tag}\n\n")
}

/// `html` with `extra` inserted before its closing `</body>` (or at its end).
pub(super) fn inject(html: &[u8], extra: &str) -> Vec<u8> {
    let at = rfind_ascii_ci(html, b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + extra.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(extra.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn rfind_ascii_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    (0..=hay.len().checked_sub(needle.len())?)
        .rev()
        .find(|&i| hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

/// What `serve` adds to a page: the overlay, if the last build failed, and the
/// reload script tagged with the build the page comes from.
pub(super) fn additions(tag: &str, overlay: Option<&str>) -> String {
    format!(
        "{}<script src=\"{SCRIPT_PATH}\" data-build=\"{}\"></script>\n",
        overlay.unwrap_or(""),
        escape(tag)
    )
}

/// The overlay listing the errors of a failed build, above the last good page.
pub(super) fn overlay(root: &Path, diags: &[Diagnostic], have_good_site: bool) -> String {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let shown: Vec<&Diagnostic> = diags.iter().filter(|d| d.is_error()).collect();
    let mut items = String::new();
    for d in shown.iter().take(OVERLAY_MAX) {
        let mut place = d.path.display().to_string();
        if d.line > 0 {
            place.push_str(&format!(":{}:{}", d.line, d.col.max(1)));
        }
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        items.push_str(&format!(
            "<li><p><code>{}</code> <strong>{level}</strong>: {}</p>",
            escape(&place),
            escape(&d.message)
        ));
        if let Some(e) = snippet::excerpt(root, d) {
            let (before, rest) = e.text.split_at(e.span.start);
            let (marked, after) = rest.split_at(e.span.len());
            items.push_str(&format!(
                "<pre><span class=\"n\">{} | </span>{}<mark>{}</mark>{}</pre>",
                e.line,
                escape(before),
                if marked.is_empty() {
                    "&nbsp;".to_string()
                } else {
                    escape(marked)
                },
                escape(after)
            ));
        }
        if let Some(help) = &d.help {
            items.push_str(&format!("<p class=\"help\">help: {}</p>", escape(help)));
        }
        items.push_str("</li>");
    }
    let more = if shown.len() > OVERLAY_MAX {
        format!(
            "<p>… and {} more in the terminal.</p>",
            shown.len() - OVERLAY_MAX
        )
    } else {
        String::new()
    };
    let state = if have_good_site {
        "this page is the last version that built"
    } else {
        "the site has not been built yet"
    };
    format!(
        r#"<div id="accord-errors" role="alert" lang="en"><style>{OVERLAY_CSS}</style><button type="button" id="accord-errors-close" aria-label="Close">×</button><h2>accord: {errors} error{s} — {state}</h2><p>Fix the file and save: the page reloads by itself.</p><ol>{items}</ol>{more}</div>
"#,
        s = if errors == 1 { "" } else { "s" }
    )
}

const OVERLAY_CSS: &str = "#accord-errors{position:fixed;left:0;right:0;bottom:0;max-height:75vh;overflow:auto;z-index:2147483647;box-sizing:border-box;padding:1rem 1.5rem;background:#1e1e22;color:#eee;border-top:4px solid #e5534b;font:15px/1.5 system-ui,sans-serif;text-align:left}#accord-errors h2{margin:0 2rem .25rem 0;font-size:1.1rem;color:#ff8c85}#accord-errors ol{padding-left:1.5rem}#accord-errors li{margin:.75rem 0}#accord-errors p{margin:.2rem 0}#accord-errors code,#accord-errors pre{font-family:ui-monospace,Menlo,Consolas,monospace}#accord-errors pre{margin:.3rem 0;padding:.4rem .6rem;background:#2b2b31;white-space:pre-wrap;overflow-wrap:anywhere}#accord-errors mark{background:#e5534b;color:#fff;border-radius:2px}#accord-errors .n{color:#8a8a96}#accord-errors .help{color:#7fd1ff}#accord-errors button{position:absolute;top:.5rem;right:.75rem;background:none;border:0;color:#eee;font-size:1.5rem;cursor:pointer}";

/// The page shown while there is no site to show: before the first build, or when it
/// failed. It reloads when a build is done.
pub(super) fn placeholder(title: &str, message: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title></head>\n<body style=\"font:16px/1.5 system-ui,sans-serif;margin:3rem\"><h1>{t}</h1><p>{m}</p>\n</body></html>\n",
        t = escape(title),
        m = escape(message)
    )
}

/// Text as HTML.
fn escape(s: &str) -> String {
    crate::escape::html(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Code, Pos};

    #[test]
    fn additions_go_before_the_last_closing_body() {
        let html = b"<html><body><p>\"</body>\" in text</p>\n</BODY></html>";
        let out = String::from_utf8(inject(html, "<X>")).unwrap();
        assert_eq!(
            out,
            "<html><body><p>\"</body>\" in text</p>\n<X></BODY></html>"
        );
        assert_eq!(inject(b"<p>no body", "<X>"), b"<p>no body<X>");
    }

    #[test]
    fn overlay_text_is_escaped() {
        let d = Diagnostic::error(
            Code::Internal,
            "content/<x>.md",
            Pos::new(3, 1),
            "bad `<script>`",
        )
        .with_help("use \"quotes\" & <b>");
        let html = overlay(Path::new("/nonexistent"), &[d], true);
        assert!(html.contains("content/&lt;x&gt;.md:3:1"));
        assert!(html.contains("bad `&lt;script&gt;`"));
        assert!(html.contains("use &quot;quotes&quot; &amp; &lt;b&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("1 error — this page is the last version that built"));
    }
}
