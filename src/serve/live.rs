//! Live reload and the error overlay: what `serve` adds to the HTML it sends (never
//! to the built files), and the hub that tells open pages a new build is there. The
//! overlay's and the placeholder pages' own words are in the archive's language
//! (`Chrome`); the diagnostics in them stay in English, as in the terminal.

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

/// The words of the overlay and of the placeholder pages, in one language; `{n}` and
/// `{base}` are filled in.
pub(super) struct Chrome {
    pub lang: &'static str,
    one_error: &'static str,
    errors: &'static str,
    last_good: &'static str,
    not_built: &'static str,
    fix: &'static str,
    more: &'static str,
    close: &'static str,
    error: &'static str,
    warning: &'static str,
    help: &'static str,
    pub not_in_site: &'static str,
    served_under: &'static str,
    pub does_not_build: &'static str,
    pub building: &'static str,
    pub not_found: &'static str,
    pub no_page: &'static str,
}

const CHROME: [Chrome; 4] = [
    Chrome {
        lang: "en",
        one_error: "accord: 1 error",
        errors: "accord: {n} errors",
        last_good: "this page is the last version that built",
        not_built: "the site has not been built yet",
        fix: "Fix the file and save: the page reloads by itself.",
        more: "… and {n} more in the terminal.",
        close: "Close",
        error: "error",
        warning: "warning",
        help: "help",
        not_in_site: "Not in this site",
        served_under: "This archive is served under {base}, as its base_url says.",
        does_not_build: "The site does not build yet.",
        building: "Building the site…",
        not_found: "Not found",
        no_page: "No page here.",
    },
    Chrome {
        lang: "ko",
        one_error: "accord: 오류 1개",
        errors: "accord: 오류 {n}개",
        last_good: "이 페이지는 마지막으로 빌드에 성공한 버전입니다",
        not_built: "사이트가 아직 빌드되지 않았습니다",
        fix: "파일을 고쳐 저장하면 페이지가 저절로 다시 열립니다.",
        more: "… 나머지 {n}개는 터미널에 있습니다.",
        close: "닫기",
        error: "오류",
        warning: "경고",
        help: "도움말",
        not_in_site: "이 사이트 밖의 주소",
        served_under: "이 아카이브는 base_url에 따라 {base} 아래에서 제공됩니다.",
        does_not_build: "사이트가 아직 빌드되지 않습니다.",
        building: "사이트를 빌드하는 중…",
        not_found: "페이지 없음",
        no_page: "여기에는 페이지가 없습니다.",
    },
    Chrome {
        lang: "ja",
        one_error: "accord: エラー 1 件",
        errors: "accord: エラー {n} 件",
        last_good: "このページは最後にビルドできた版です",
        not_built: "サイトはまだビルドされていません",
        fix: "ファイルを直して保存すると、ページは自動で再読み込みされます。",
        more: "… ほか {n} 件はターミナルに表示されています。",
        close: "閉じる",
        error: "エラー",
        warning: "警告",
        help: "ヒント",
        not_in_site: "このサイトの外のアドレス",
        served_under: "このアーカイブは base_url のとおり {base} の下で配信されています。",
        does_not_build: "サイトはまだビルドできません。",
        building: "サイトをビルドしています…",
        not_found: "見つかりません",
        no_page: "ここにページはありません。",
    },
    Chrome {
        lang: "zh",
        one_error: "accord：1 个错误",
        errors: "accord：{n} 个错误",
        last_good: "此页面是最后一次成功构建的版本",
        not_built: "网站尚未构建",
        fix: "修正文件并保存后，页面会自动刷新。",
        more: "……其余 {n} 个见终端。",
        close: "关闭",
        error: "错误",
        warning: "警告",
        help: "提示",
        not_in_site: "不在本网站内",
        served_under: "按照 base_url，本档案库位于 {base} 之下。",
        does_not_build: "网站尚无法构建。",
        building: "正在构建网站……",
        not_found: "未找到",
        no_page: "此处没有页面。",
    },
];

/// The chrome in `lang` (the archive's `language`; `zh-Hant` takes `zh`'s), English
/// for a language it has no words in.
pub(super) fn chrome(lang: &str) -> &'static Chrome {
    let base = lang.split('-').next().unwrap_or(lang);
    CHROME.iter().find(|c| c.lang == base).unwrap_or(&CHROME[0])
}

impl Chrome {
    /// The text of the placeholder page for a path outside the base path `base`.
    pub(super) fn served_under(&self, base: &str) -> String {
        self.served_under.replace("{base}", base)
    }
}

/// The overlay listing the errors of a failed build, above the last good page, in the
/// words of `chrome` (the diagnostics themselves in English).
pub(super) fn overlay(
    root: &Path,
    diags: &[Diagnostic],
    have_good_site: bool,
    chrome: &Chrome,
) -> String {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let shown: Vec<&Diagnostic> = diags.iter().filter(|d| d.is_error()).collect();
    let mut items = String::new();
    for d in shown.iter().take(OVERLAY_MAX) {
        let mut place = d.path.display().to_string();
        if d.line > 0 {
            place.push_str(&format!(":{}:{}", d.line, d.col.max(1)));
        }
        let level = match d.severity {
            Severity::Error => chrome.error,
            Severity::Warning => chrome.warning,
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
            items.push_str(&format!(
                "<p class=\"help\">{}: {}</p>",
                chrome.help,
                escape(help)
            ));
        }
        items.push_str("</li>");
    }
    let more = if shown.len() > OVERLAY_MAX {
        format!(
            "<p>{}</p>",
            chrome
                .more
                .replace("{n}", &(shown.len() - OVERLAY_MAX).to_string())
        )
    } else {
        String::new()
    };
    let state = if have_good_site {
        chrome.last_good
    } else {
        chrome.not_built
    };
    let count = if errors == 1 {
        chrome.one_error.to_string()
    } else {
        chrome.errors.replace("{n}", &errors.to_string())
    };
    format!(
        r#"<div id="accord-errors" role="alert" lang="{lang}"><style>{OVERLAY_CSS}</style><button type="button" id="accord-errors-close" aria-label="{close}">×</button><h2>{count} — {state}</h2><p>{fix}</p><ol>{items}</ol>{more}</div>
"#,
        lang = chrome.lang,
        close = chrome.close,
        fix = chrome.fix,
    )
}

const OVERLAY_CSS: &str = "#accord-errors{position:fixed;left:0;right:0;bottom:0;max-height:75vh;overflow:auto;z-index:2147483647;box-sizing:border-box;padding:1rem 1.5rem;background:#1e1e22;color:#eee;border-top:4px solid #e5534b;font:15px/1.5 system-ui,sans-serif;text-align:left}#accord-errors h2{margin:0 2rem .25rem 0;font-size:1.1rem;color:#ff8c85}#accord-errors ol{padding-left:1.5rem}#accord-errors li{margin:.75rem 0}#accord-errors p{margin:.2rem 0}#accord-errors code,#accord-errors pre{font-family:ui-monospace,Menlo,Consolas,monospace}#accord-errors pre{margin:.3rem 0;padding:.4rem .6rem;background:#2b2b31;white-space:pre-wrap;overflow-wrap:anywhere}#accord-errors mark{background:#e5534b;color:#fff;border-radius:2px}#accord-errors .n{color:#8a8a96}#accord-errors .help{color:#7fd1ff}#accord-errors button{position:absolute;top:.5rem;right:.75rem;background:none;border:0;color:#eee;font-size:1.5rem;cursor:pointer}";

/// The page shown while there is no site to show: before the first build, or when it
/// failed. It reloads when a build is done.
pub(super) fn placeholder(chrome: &Chrome, title: &str, message: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{t}</title></head>\n<body style=\"font:16px/1.5 system-ui,sans-serif;margin:3rem\"><h1>{t}</h1><p>{m}</p>\n</body></html>\n",
        lang = chrome.lang,
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
        let html = overlay(Path::new("/nonexistent"), &[d], true, chrome("en"));
        assert!(html.contains("content/&lt;x&gt;.md:3:1"));
        assert!(html.contains("bad `&lt;script&gt;`"));
        assert!(html.contains("use &quot;quotes&quot; &amp; &lt;b&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("1 error — this page is the last version that built"));
    }

    #[test]
    fn the_overlay_speaks_the_archive_language() {
        let d = Diagnostic::error(Code::Internal, "content/x.md", Pos::new(3, 1), "bad")
            .with_help("fix it");
        let ja = overlay(
            Path::new("/nonexistent"),
            &[d.clone(), d.clone()],
            true,
            chrome("ja"),
        );
        assert!(ja.contains("lang=\"ja\""), "{ja}");
        assert!(
            ja.contains("accord: エラー 2 件 — このページは最後にビルドできた版です"),
            "{ja}"
        );
        assert!(ja.contains("<strong>エラー</strong>: bad"), "{ja}");
        assert!(ja.contains("<p class=\"help\">ヒント: fix it</p>"), "{ja}");
        assert!(ja.contains("aria-label=\"閉じる\""), "{ja}");
        // Every language has every word; an unknown one is English.
        for lang in ["ko", "zh", "zh-Hant", "fr"] {
            let html = overlay(
                Path::new("/nonexistent"),
                std::slice::from_ref(&d),
                false,
                chrome(lang),
            );
            assert!(!html.contains("{n}"), "{html}");
        }
        assert_eq!(chrome("zh-Hant").lang, "zh");
        assert_eq!(chrome("fr").lang, "en");
        assert!(
            placeholder(chrome("ko"), "accord", chrome("ko").building)
                .contains("<html lang=\"ko\">")
        );
    }
}
