//! Escaping everywhere: hostile text in every field an editor writes — titles,
//! summaries, tags, organizers, partners, city names and aliases, `extra`, the site's
//! own title and description, the Markdown body — is inert in every place it lands:
//! HTML bodies, attributes, `<title>`, meta tags, JSON-LD, inline SVG, feeds and the
//! sitemap. Each place is checked for the escaped text (it is there) and every file
//! for markup that could run (none).

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::*;

const TITLE: &str = "<script>alert(\"title\")</script> & 'friends'";
const SUMMARY: &str = "\"><img src=x onerror=alert('summary')>";
const TAG: &str = "</script><script>alert('tag')</script>";
const ORGANIZER: &str = "<b onmouseover=alert('org')>Org</b>";
const PARTNER: &str = "javascript:alert('partner')";
const CITY: &str = "<svg onload=alert('city')>Seoul";
const SITE_TITLE: &str = "Archive </title><script>alert('site')</script>";
const SITE_DESCRIPTION: &str = "\" onfocus=\"alert('description')";
const VENUE: &str = "<iframe src=\"javascript:alert('venue')\">";

fn yaml(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn hostile_site() -> tempfile::TempDir {
    let config = format!(
        "title: {}\ndescription: {}\nbase_url: https://example.org/\nlanguage: en\n",
        yaml(SITE_TITLE),
        yaml(SITE_DESCRIPTION)
    );
    let registry = format!(
        "seoul:\n  name: {{en: {}, ko: 서울}}\n  aliases: [{}]\n  country: KR\n  coords: [37.57, 126.98]\nbeijing:\n  name: {{en: Beijing}}\n  country: CN\n  coords: [39.9, 116.4]\n",
        yaml(CITY),
        yaml("<img src=x onerror=alert('alias')>")
    );
    let workshop = format!(
        "---\ntitle: {}\ndate: 2020-05-01\ncities: [{}, Beijing]\nsummary: {}\norganizers: [{}]\npartners: [{}]\ntags: [{}]\nvenue: {}\nparticipants: [{}]\nextra: {{note: {}, link: {}}}\n---\n{}",
        yaml(TITLE),
        yaml(CITY),
        yaml(SUMMARY),
        yaml(ORGANIZER),
        yaml(PARTNER),
        yaml(TAG),
        yaml(VENUE),
        yaml("\"onmouseover=\"alert('participant')"),
        yaml("</script><svg onload=alert('extra')>"),
        yaml("javascript:alert('extra')"),
        "## Heading <script>alert('h')</script> {onclick=alert('attr') .x}\n\n\
         Raw <script>alert('body')</script> and <img src=x onerror=alert('img')>.\n\n\
         <div onclick=\"alert('div')\">block</div>\n\n\
         [link](javascript:alert('link')) [data](data:text/html,<script>alert(1)</script>) \
         [spaced]( jAvAsCrIpT:alert('case')) ![image](javascript:alert('image') \"t\\\"itle\")\n\n\
         <javascript:alert('autolink')>\n\n\
         [^x\" onclick=\"alert('fn')]: note\n\n\
         ```html\" onclick=\"alert('lang')\n</code></pre><script>alert('code')</script>\n```\n"
    );
    let program = format!(
        "---\ntitle: {}\ndate: 2019\nend: 2021\ncities: [{}]\ncode: {}\nstatus: ongoing\nbudget: {{unit: {}, total: 100, spent: 50, by_year: {{2019: 50}}}}\npairs: [[{}, Beijing]]\n---\nBody\n",
        yaml("Program <script>alert('program')</script>"),
        yaml(CITY),
        yaml("<script>alert('code')</script>"),
        yaml("<b>unit</b>"),
        yaml(CITY)
    );
    let trip = format!(
        // A currency is an ISO 4217 code (`invalid-currency`): markup cannot reach it.
        "---\ntitle: Trip\ndate: 2021-03\ncities: [Beijing]\npurpose: {}\ncost: {{amount: 10, currency: KRW}}\n---\nBody\n",
        yaml("<script>alert('purpose')</script>"),
    );
    let s = tempfile::tempdir().unwrap();
    write(s.path(), "accord.yaml", config.as_bytes());
    write(s.path(), "data/cities.yaml", registry.as_bytes());
    write(
        s.path(),
        "content/workshops/hostile.md",
        workshop.as_bytes(),
    );
    write(s.path(), "content/programs/program.md", program.as_bytes());
    write(s.path(), "content/trips/trip.md", trip.as_bytes());
    build_ok_limited(s.path());
    s
}

/// The text of HTML or XML with the entities accord and its templates write decoded.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|e| *e < 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let c = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// One start tag: its name and attributes (values decoded).
struct StartTag {
    name: String,
    attrs: Vec<(String, String)>,
}

/// Every start tag of an HTML text, and the text of every `<script>` element. Panics
/// on markup that a browser would not read the same way (an unclosed tag or quote).
fn tags(html: &str) -> (Vec<StartTag>, Vec<String>) {
    let b = html.as_bytes();
    let mut tags = Vec::new();
    let mut scripts = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off + 1;
        match b.get(i) {
            Some(b'/') | Some(b'!') => {
                i = i + html[i..].find('>').expect("closed tag");
                continue;
            }
            Some(c) if c.is_ascii_alphabetic() => {}
            _ => panic!(
                "a bare < in the HTML: {}",
                &html[i - 1..(i + 40).min(html.len())]
            ),
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-' || b[i] == b':') {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            match b.get(i) {
                Some(b'>') => break,
                Some(b'/') if b.get(i + 1) == Some(&b'>') => {
                    i += 1;
                    break;
                }
                None => panic!("unclosed <{name}"),
                _ => {}
            }
            let s = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && !b"=>/".contains(&b[i]) {
                i += 1;
            }
            let attr = html[s..i].to_ascii_lowercase();
            let mut value = String::new();
            if b.get(i) == Some(&b'=') {
                i += 1;
                let quote = b[i];
                assert!(
                    quote == b'"' || quote == b'\'',
                    "unquoted {attr} on <{name}>"
                );
                let end = i + 1 + html[i + 1..].find(quote as char).expect("closed quote");
                value = unescape(&html[i + 1..end]);
                i = end + 1;
            }
            attrs.push((attr, value));
        }
        if name == "script" {
            let end = html[i..]
                .to_ascii_lowercase()
                .find("</script")
                .expect("closed script");
            scripts.push(html[i + 1..i + end].to_string());
        }
        tags.push(StartTag { name, attrs });
    }
    (tags, scripts)
}

const RUNNABLE: &[&str] = &[
    "iframe",
    "frame",
    "object",
    "embed",
    "applet",
    "base",
    "foreignobject",
    "form-action",
];

/// Panics if `html` holds markup that could run: a script other than JSON-LD, a tag
/// that loads active content, an event handler, a script URL.
fn assert_inert(path: &str, html: &str) {
    let (tags, scripts) = tags(html);
    for t in &tags {
        assert!(!RUNNABLE.contains(&t.name.as_str()), "{path}: <{}>", t.name);
        if t.name == "script" {
            let ty = t
                .attrs
                .iter()
                .find(|(a, _)| a == "type")
                .map(|(_, v)| v.as_str());
            // The only scripts: JSON-LD data, and the theme's own search script,
            // loaded from the site (never inline, never from elsewhere).
            let src = t
                .attrs
                .iter()
                .find(|(a, _)| a == "src")
                .map(|(_, v)| v.as_str());
            let own_search = src.is_some_and(|s| s.starts_with('/') && s.ends_with("/search.js"));
            // The theme's loader of the search script, inline on every page: its text
            // is checked below to be the theme's, word for word.
            let loader = src.is_none()
                && t.attrs
                    .iter()
                    .any(|(a, v)| a == "data-accord" && v == "search-loader");
            assert!(
                ty == Some("application/ld+json")
                    || (own_search && path.starts_with("search/"))
                    || loader,
                "{path}: a script ({ty:?}, {src:?})"
            );
        }
        if t.name == "meta" {
            assert!(
                !t.attrs.iter().any(|(a, _)| a == "http-equiv"),
                "{path}: meta http-equiv"
            );
        }
        for (a, v) in &t.attrs {
            assert!(!a.starts_with("on"), "{path}: <{} {a}={v:?}>", t.name);
            if [
                "href",
                "src",
                "action",
                "formaction",
                "xlink:href",
                "srcdoc",
            ]
            .contains(&a.as_str())
            {
                assert!(
                    !accord::markdown::is_script_url(v),
                    "{path}: <{} {a}={v:?}>",
                    t.name
                );
            }
        }
    }
    let loader = search_loader();
    for s in scripts.iter().filter(|s| !s.trim().is_empty()) {
        // (An empty body is the search script's `src` tag, checked above.)
        if *s == loader {
            continue;
        }
        // JSON-LD: parses as JSON, so no `</script>` cut it short.
        let _: serde_json::Value = serde_json::from_str(s)
            .unwrap_or_else(|e| panic!("{path}: JSON-LD does not parse ({e}): {s}"));
        assert!(!s.contains("<!--"), "{path}: <!-- in JSON-LD");
    }
}

/// The text of the theme's inline loader of `search.js`, as `base.html` writes it.
fn search_loader() -> String {
    let base = std::fs::read_to_string(repo().join("themes/default/templates/base.html")).unwrap();
    let open = r#"<script data-accord="search-loader">"#;
    let from = base.find(open).expect("the loader in base.html") + open.len();
    base[from..from + base[from..].find("</script>").unwrap()].to_string()
}

fn output(site: &Path) -> BTreeMap<String, String> {
    tree(&site.join("output"))
        .into_iter()
        .filter(|(p, _)| p.ends_with(".html") || p.ends_with(".xml"))
        .map(|(p, b)| (p, String::from_utf8(b).unwrap()))
        .collect()
}

fn element_text<'a>(html: &'a str, open: &str, close: &str) -> &'a str {
    let start = html.find(open).unwrap_or_else(|| panic!("no {open}")) + open.len();
    let end = start + html[start..].find(close).unwrap();
    &html[start..end]
}

fn attr_of(html: &str, tag_start: &str, attr: &str) -> String {
    let (tags, _) = tags(
        &html[html
            .find(tag_start)
            .unwrap_or_else(|| panic!("no {tag_start}"))..],
    );
    tags[0]
        .attrs
        .iter()
        .find(|(a, _)| a == attr)
        .map(|(_, v)| v.clone())
        .unwrap()
}

#[test]
fn no_page_holds_markup_that_could_run() {
    let s = hostile_site();
    let files = output(s.path());
    assert!(files.len() > 20);
    for (path, text) in &files {
        if path.ends_with(".html") {
            assert_inert(path, text);
        }
    }
}

#[test]
fn title_summary_and_site_text_are_escaped_in_the_head() {
    let s = hostile_site();
    let files = output(s.path());
    let page = &files["workshops/hostile/index.html"];
    let title = unescape(element_text(page, "<title>", "</title>"));
    assert_eq!(title, format!("{TITLE} · {SITE_TITLE}"));
    assert_eq!(
        attr_of(page, "<meta name=\"description\"", "content"),
        SUMMARY
    );
    assert_eq!(
        attr_of(page, "<meta property=\"og:title\"", "content"),
        TITLE
    );
    assert_eq!(
        attr_of(page, "<meta property=\"og:description\"", "content"),
        SUMMARY
    );
    assert_eq!(
        attr_of(page, "<meta property=\"og:site_name\"", "content"),
        SITE_TITLE
    );
    let home = &files["index.html"];
    assert_eq!(
        attr_of(home, "<meta name=\"description\"", "content"),
        SITE_DESCRIPTION
    );
}

#[test]
fn record_fields_are_escaped_in_the_body() {
    let s = hostile_site();
    let files = output(s.path());
    let page = unescape(&files["workshops/hostile/index.html"]);
    for text in [TITLE, SUMMARY, TAG, ORGANIZER, PARTNER, CITY, VENUE] {
        assert!(
            page.contains(text),
            "{text} is not shown on the record page"
        );
    }
    // The Markdown: raw HTML shown as text, script links neutralised.
    let raw = &files["workshops/hostile/index.html"];
    assert!(
        raw.contains("Raw &lt;script&gt;alert("),
        "raw HTML not shown as text"
    );
    assert!(raw.contains("<a href=\"#\">link</a>"), "script link kept");
    assert!(
        raw.contains("<h2 id=\"heading-scriptalerthscript\" class=\"x\">Heading &lt;script&gt;"),
        "heading attributes other than id and class must be dropped"
    );
    for place in ["programs/program/index.html", "trips/trip/index.html"] {
        let page = unescape(&files[place]);
        assert!(page.contains("<script>alert("), "{place}: fields not shown");
    }
}

#[test]
fn cards_city_pages_and_charts_escape_names() {
    let s = hostile_site();
    let files = output(s.path());
    for list in [
        "index.html",
        "workshops/index.html",
        "years/2020/index.html",
        "cities/seoul/index.html",
    ] {
        let text = unescape(&files[list]);
        assert!(text.contains(TITLE), "{list}: the card title");
    }
    let city = unescape(&files["cities/seoul/index.html"]);
    assert!(city.contains(CITY));
    let cities = unescape(&files["cities/index.html"]);
    assert!(cities.contains(CITY));
    // The map and charts are inline SVG: the name is in them, escaped.
    let mut charts = 0;
    for page in ["cities/index.html", "cities/seoul/index.html", "index.html"] {
        let html = &files[page];
        let mut rest = html.as_str();
        while let Some(i) = rest.find("<svg") {
            let end = i + rest[i..].find("</svg>").expect("closed svg");
            let svg = &rest[i..end];
            assert!(!svg.contains(CITY), "{page}: the raw name in an SVG");
            if unescape(svg).contains(CITY) {
                charts += 1;
            }
            rest = &rest[end..];
        }
    }
    assert!(charts > 0, "no chart shows the city name");
}

#[test]
fn json_ld_holds_the_text_and_cannot_close_its_script() {
    let s = hostile_site();
    let files = output(s.path());
    let page = &files["workshops/hostile/index.html"];
    let (_, mut scripts) = tags(page);
    let loader = search_loader();
    scripts.retain(|s| *s != loader);
    assert_eq!(scripts.len(), 1, "one JSON-LD block");
    assert!(!scripts[0].to_ascii_lowercase().contains("</script"));
    let ld: serde_json::Value = serde_json::from_str(&scripts[0]).unwrap();
    let text = ld.to_string();
    for expected in [TITLE, SUMMARY, ORGANIZER, CITY] {
        assert!(
            text.contains(&serde_json::to_string(expected).unwrap()[1..expected.len()]),
            "{expected} not in the JSON-LD: {text}"
        );
    }
}

#[test]
fn feeds_and_the_sitemap_are_well_formed_xml_with_the_text() {
    let s = hostile_site();
    let files = output(s.path());
    let mut feeds = 0;
    for (path, xml) in files.iter().filter(|(p, _)| p.ends_with(".xml")) {
        let doc = roxmltree::Document::parse(xml)
            .unwrap_or_else(|e| panic!("{path} is not well-formed XML: {e}"));
        assert!(
            !doc.descendants()
                .any(|n| n.tag_name().name().eq_ignore_ascii_case("script")),
            "{path}: a script element"
        );
        if path.ends_with("feed.xml") {
            feeds += 1;
        }
    }
    assert!(feeds >= 3);
    let feed = roxmltree::Document::parse(&files["feed.xml"]).unwrap();
    let texts: Vec<&str> = feed.descendants().filter_map(|n| n.text()).collect();
    assert!(texts.contains(&TITLE), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains(SUMMARY)), "{texts:?}");
    assert!(
        feed.descendants()
            .any(|n| n.attribute("label") == Some(CITY)),
        "the city name as a category label"
    );
    let sitemap = roxmltree::Document::parse(&files["sitemap.xml"]).unwrap();
    for loc in sitemap.descendants().filter(|n| n.has_tag_name("loc")) {
        let url = loc.text().unwrap();
        assert!(url.starts_with("https://example.org/"), "{url}");
        assert!(!url.contains(['<', '>', '"', ' ']), "{url}");
    }
}

/// Control characters that XML 1.0 forbids (`\x01`, `\x1b`), that it allows but that
/// are invisible or break lines (`\x7f`, U+0085, U+2028).
const CONTROLS: [char; 5] = ['\u{1}', '\u{1b}', '\u{7f}', '\u{85}', '\u{2028}'];

/// `text` as a YAML double-quoted scalar with every character escaped.
fn yaml_escaped(text: &str) -> String {
    let inner: String = text
        .chars()
        .map(|c| format!("\\u{:04X}", c as u32))
        .collect();
    format!("\"{inner}\"")
}

/// Every `.xml` file of the output parses as XML.
fn feeds_parse(site: &Path) {
    let files = output(site);
    let xml: Vec<_> = files.iter().filter(|(p, _)| p.ends_with(".xml")).collect();
    assert!(xml.iter().any(|(p, _)| p.ends_with("feed.xml")));
    for (path, text) in xml {
        if let Err(e) = roxmltree::Document::parse(text) {
            panic!("{path} is not well-formed XML: {e}");
        }
    }
}

/// A control character in a text field of the front matter, the registry or
/// `accord.yaml` is refused at the value; one in a Markdown body is dropped from the
/// feeds, which stay well-formed XML.
#[test]
fn control_characters_are_refused_in_fields_and_cannot_break_the_feeds() {
    for c in CONTROLS {
        let hostile = |s: &str| yaml_escaped(&format!("{s} {c} end"));
        let record = format!(
            "---\ntitle: {}\ndate: 2020\ncities: [서울]\nsummary: {}\ntags: [{}]\nvenue: {}\norganizers: [{}]\n---\nBody\n",
            hostile("title"),
            hostile("summary"),
            hostile("tag"),
            hostile("venue"),
            hostile("organizer"),
        );
        let s = site(&[("content/workshops/x.md", record.as_bytes())]);
        let out = render_diags(&errors(s.path()));
        let hex = format!("U+{:04X}", c as u32);
        for (line, col, field) in [
            (2, 8, "title"),
            (5, 10, "summary"),
            (6, 8, "tags[0]"),
            (7, 8, "venue"),
            (8, 14, "organizers[0]"),
        ] {
            let expected = format!(
                "content/workshops/x.md:{line}:{col}: error: field `{field}` holds the control character {hex} [invalid-value]"
            );
            assert!(out.contains(&expected), "{expected}\n{out}");
        }

        let registry = format!(
            "{REGISTRY}busan:\n  name: {{ko: 부산, en: {}}}\n  aliases: [{}]\n  country: KR\n",
            hostile("Busan"),
            hostile("Pusan")
        );
        let config = format!("{CONFIG}description: {}\n", hostile("site"));
        let s = site(&[
            ("data/cities.yaml", registry.as_bytes()),
            ("accord.yaml", config.as_bytes()),
            (
                "content/trips/x.md",
                format!("{FRONT}---\nBody\n").as_bytes(),
            ),
        ]);
        let out = render_diags(&errors(s.path()));
        for expected in [
            format!(
                "accord.yaml:4:14: error: field `description` holds the control character {hex}"
            ),
            format!(
                "data/cities.yaml:14:22: error: field `name.en` holds the control character {hex}"
            ),
            format!(
                "data/cities.yaml:15:13: error: field `aliases[0]` holds the control character {hex}"
            ),
        ] {
            assert!(out.contains(&expected), "{expected}\n{out}");
        }

        // Tabs are allowed; the body's control characters reach no feed raw.
        let body = format!(
            "---\ntitle: \"tab\\there\"\ndate: 2020\ncities: [서울]\n---\nBody {c} \u{1}\u{1b}[31m red\u{8} \u{ffff}\n\n# Head {c}\n"
        );
        let s = site(&[("content/trips/x.md", body.as_bytes())]);
        build_ok(s.path());
        feeds_parse(s.path());
    }
}
