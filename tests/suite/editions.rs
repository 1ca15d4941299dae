//! Editions: the sample archive built in its four languages (`languages: [ko, ja, zh,
//! en]`), every HTML page of every edition walked: its `<html lang>`, its `hreflang`
//! alternates (each an existing page that links back, with `x-default`), the UI
//! strings of its chrome (none of another language), and its internal links.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::*;

const ORIGIN: &str = "https://example.org";
const LANGUAGES: [&str; 4] = ["ko", "ja", "zh", "en"];

/// The edition of an output file: the language folder it is in, else the default.
fn edition_of(file: &str) -> &'static str {
    LANGUAGES[1..]
        .iter()
        .find(|l| file.starts_with(&format!("{l}/")))
        .copied()
        .unwrap_or(LANGUAGES[0])
}

/// The output file a site-relative URL path is served from.
fn file_of(path: &str) -> String {
    let path = percent_decode(path.split(['?', '#']).next().unwrap_or(""));
    let rel = path.trim_start_matches('/');
    if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_string()
    }
}

/// The value of `attr="…"` in one tag's text.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(&tag[at..at + tag[at..].find('"')?])
}

/// Every `<link rel="alternate" hreflang>` of a page: hreflang → href.
fn hreflangs(html: &str) -> BTreeMap<String, String> {
    html.split("<link ")
        .skip(1)
        .map(|t| &t[..t.find('>').unwrap()])
        .filter(|t| t.contains("rel=\"alternate\""))
        .filter_map(|t| {
            Some((
                attr(t, "hreflang")?.to_string(),
                attr(t, "href")?.to_string(),
            ))
        })
        .collect()
}

/// The page's text and attributes without its `<head>`, its scripts, and every
/// element (with what it holds) marked with a `lang` other than `lang`: the chrome,
/// and the text in the edition's language.
fn chrome(html: &str, lang: &str) -> String {
    let body = &html[html.find("<body").expect("a body")..];
    let mut out = String::new();
    let mut rest = body;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find('>').map_or(rest.len(), |e| e + 1);
        let tag = &rest[..end];
        let name: String = tag[1..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        let foreign = attr(tag, "lang").is_some_and(|l| l != lang);
        if name == "script" || (foreign && !name.is_empty()) {
            rest = &rest[closing(rest, &name)..];
        } else {
            out.push_str(tag);
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

/// The offset just past the element that starts `html`, nested ones of its name
/// counted.
fn closing(html: &str, name: &str) -> usize {
    let (open, close) = (format!("<{name}"), format!("</{name}>"));
    let mut depth = 0;
    let mut at = 0;
    loop {
        let next_open = html[at + 1..].find(&open).map(|i| i + at + 1);
        let next_close = html[at..].find(&close).map(|i| i + at).expect("closed");
        match next_open {
            Some(o) if o < next_close => {
                depth += 1;
                at = o;
            }
            _ if depth == 0 => return next_close + close.len(),
            _ => {
                depth -= 1;
                at = next_close + 1;
            }
        }
    }
}

/// The theme's UI strings of each language: the plain ones (no pattern), of at least
/// two characters.
fn theme_strings() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(repo().join("themes/default/strings.yaml")).unwrap();
    let all: BTreeMap<String, BTreeMap<String, serde_yaml::Value>> =
        serde_yaml::from_str(&text).unwrap();
    all.into_iter()
        .map(|(lang, map)| {
            let plain = map
                .into_values()
                .filter_map(|v| v.as_str().map(str::to_string))
                .filter(|s| s.chars().count() >= 2 && !s.contains('{'))
                .collect();
            (lang, plain)
        })
        .collect()
}

#[test]
fn every_page_of_every_edition_has_its_language_alternates_and_links() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    build_into(repo(), &out);
    let files = tree(&out);
    let html: BTreeMap<&str, String> = files
        .iter()
        .filter(|(f, _)| f.ends_with(".html"))
        .map(|(f, b)| (f.as_str(), String::from_utf8(b.clone()).unwrap()))
        .collect();
    let strings = theme_strings();
    let mut per_edition: BTreeMap<&str, usize> = BTreeMap::new();
    for (file, page) in &html {
        let lang = edition_of(file);
        *per_edition.entry(lang).or_default() += 1;
        assert!(
            page.contains(&format!("<html lang=\"{lang}\">")),
            "{file}: not in {lang}"
        );

        // Alternates: one per edition and x-default, each an existing page that names
        // this one among its own.
        let alternates = hreflangs(page);
        let keys: Vec<&str> = alternates.keys().map(String::as_str).collect();
        let mut expected = LANGUAGES.to_vec();
        expected.push("x-default");
        expected.sort_unstable();
        assert_eq!(keys, expected, "{file}");
        let own = &alternates[lang];
        assert_eq!(file_of(own.strip_prefix(ORIGIN).unwrap()), *file);
        for (hreflang, href) in &alternates {
            let target = file_of(href.strip_prefix(ORIGIN).unwrap());
            let other = html
                .get(target.as_str())
                .unwrap_or_else(|| panic!("{file}: {hreflang} alternate {href} does not exist"));
            if hreflang != "x-default" {
                assert_eq!(edition_of(&target), hreflang, "{file}: {href}");
            }
            assert_eq!(
                hreflangs(other).get(lang),
                Some(own),
                "{file}: {target} does not point back"
            );
        }

        // The chrome: no UI string of another language that is not one of this one.
        let visible = chrome(page, lang);
        let own_strings = &strings[lang];
        for (other, list) in &strings {
            if other == lang {
                continue;
            }
            for s in list.iter().filter(|s| !own_strings.contains(*s)) {
                assert!(
                    !visible.contains(&format!(">{s}<")) && !visible.contains(&format!("\"{s}\"")),
                    "{file}: the {other} string {s:?} is in the {lang} chrome"
                );
            }
        }

        // Internal links lead to files of the output.
        for link in links(page) {
            let path = match link.strip_prefix(ORIGIN) {
                Some(p) => p.to_string(),
                None if link.starts_with('/') && !link.starts_with("//") => link.clone(),
                None => continue,
            };
            let target = file_of(&path);
            assert!(
                files.contains_key(&target),
                "{file}: the link {link} leads to no file ({target})"
            );
        }
    }
    assert_eq!(per_edition.len(), 4, "{per_edition:?}");
    let counts: BTreeSet<usize> = per_edition.values().copied().collect();
    assert_eq!(
        counts.len(),
        1,
        "every edition has every page: {per_edition:?}"
    );
}

/// Waits until `condition` (a JavaScript expression) is true in the page.
fn wait_until(page: &mut crate::browser::Page, condition: &str) {
    let start = std::time::Instant::now();
    while page.eval(&format!("Boolean({condition})")) != "true" {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "never true: {condition}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Focuses the switcher's link to `lang` and presses Enter, as a keyboard user does;
/// waits for the page it leads to.
fn switch_by_keyboard(page: &mut crate::browser::Page, lang: &str) {
    page.eval(&format!(
        "document.querySelector('.edition-switch a[hreflang=\"{lang}\"]').focus()"
    ));
    assert_eq!(
        page.eval("document.activeElement.getAttribute('hreflang')"),
        lang
    );
    for kind in ["keyDown", "keyUp"] {
        page.call(
            "Input.dispatchKeyEvent",
            serde_json::json!({"type": kind, "key": "Enter", "code": "Enter",
                "windowsVirtualKeyCode": 13, "text": if kind == "keyDown" { "\r" } else { "" }}),
        );
    }
    page.wait_for_load();
}

#[test]
fn the_language_switcher_leads_to_the_same_page_and_state_in_chromium() {
    let Some(chromium) = require_tool(Tool::Chromium) else {
        return;
    };
    // The sample archive, under a sub-path.
    let tmp = tempfile::tempdir().unwrap();
    for dir in ["content", "data"] {
        copy_tree(&repo().join(dir), &tmp.path().join(dir));
    }
    let config = std::fs::read_to_string(repo().join("accord.yaml")).unwrap();
    let config = config.replace(
        "base_url: https://example.org/",
        "base_url: https://example.org/archive/",
    );
    write(tmp.path(), "accord.yaml", config.as_bytes());
    build_ok(tmp.path());
    let (port, _log) = crate::search_browser::serve(tmp.path().join("output"));
    let at = |path: &str| format!("http://127.0.0.1:{port}/archive/{path}");
    let browser = crate::browser::Browser::launch(&chromium);
    let mut page = browser.page();
    let here = "[document.documentElement.lang, location.pathname, location.search, document.querySelector('h1').textContent].join('|')";

    // A record: its translation, then its original.
    page.navigate(&at("programs/japan-china-intercity-air-pollution/"));
    assert_eq!(
        page.eval(here),
        "ko|/archive/programs/japan-china-intercity-air-pollution/||중일 대기오염 대책 도시 간 연계 협력사업"
    );
    switch_by_keyboard(&mut page, "ja");
    assert_eq!(
        page.eval(here),
        "ja|/archive/ja/programs/japan-china-intercity-air-pollution/||日中大気汚染対策都市間連携協力事業"
    );

    // A city.
    page.navigate(&at("cities/yokohama/"));
    switch_by_keyboard(&mut page, "en");
    assert_eq!(
        page.eval("[document.documentElement.lang, location.pathname].join('|')"),
        "en|/archive/en/cities/yokohama/"
    );
    assert!(
        page.eval("document.querySelector('h1').textContent")
            .contains("Yokohama")
    );

    // The search page with a query, then a facet chosen: the state is carried over.
    page.navigate(&at("search/?q=%EB%8C%80%EA%B8%B0"));
    wait_until(
        &mut page,
        "document.getElementById('search-results').dataset.state === 'done'",
    );
    page.eval("document.querySelector('[data-facet=\"kind=program\"]').click()");
    wait_until(
        &mut page,
        "location.search.indexOf('kind=program') >= 0 && document.getElementById('search-results').dataset.state === 'done'",
    );
    let state = "[location.search, document.getElementById('search-q').value, document.getElementById('search-results').dataset.count, document.querySelector('[data-facet=\"kind=program\"]').getAttribute('aria-current')].join('|')";
    let before = page.eval(state);
    assert!(before.starts_with("?q="), "{before}");
    assert!(before.ends_with("|대기|2|true"), "{before}");
    switch_by_keyboard(&mut page, "zh");
    wait_until(
        &mut page,
        "document.getElementById('search-results').dataset.state === 'done'",
    );
    assert_eq!(page.eval("location.pathname"), "/archive/zh/search/");
    assert_eq!(page.eval(state), before);
    // Results lead to the edition's pages, cities named in its language.
    let first =
        page.eval("document.querySelector('.search-hits .card-title a').getAttribute('href')");
    assert!(first.starts_with("/archive/zh/programs/"), "{first}");
    let cities = page.eval("[...document.querySelectorAll('.search-hits .card-cities a')].map(a => a.textContent).join(',')");
    assert!(cities.contains("首尔"), "{cities}");

    // A Korean query finds the Japanese record through its Korean translation, in
    // every edition; each shows the title it has in its language (the Korean edition
    // the translation's), and marks another language.
    let query = percent_encode("환경보전센터");
    let japanese = "日中大気汚染対策都市間連携協力事業";
    for (dir, shown) in [
        ("", "중일 대기오염 대책 도시 간 연계 협력사업|"),
        ("ja/", &format!("{japanese}|")),
        ("en/", &format!("{japanese}|ja")),
    ] {
        page.navigate(&at(&format!("{dir}search/?q={query}")));
        wait_until(
            &mut page,
            "document.getElementById('search-results').dataset.state === 'done'",
        );
        let hits = page.eval("[...document.querySelectorAll('.search-hits .card-title a')].map(a => a.textContent + '|' + a.lang).join('\\n')");
        assert_eq!(hits, shown, "{dir}search/");
    }
}
