//! The checks behind the fuzz targets. Each takes arbitrary bytes, runs one part of
//! the pipeline on them, and panics when an invariant breaks. The same functions run
//! under `cargo fuzz` (fuzz/fuzz_targets/) and, on stable Rust, over the kept inputs
//! in tests/fuzz/ (tests/suite/fuzz_regressions.rs).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use accord::config::Config;
use accord::content::{self, Record};
use accord::diag::Diagnostic;
use accord::kind::Kind;
use accord::markdown::{self, LinkAction, RenderOptions};
use accord::registry::Registry;
use accord::site::Site;
use accord::source::{self, SourceFile};

const REGISTRY: &str = "\
seoul:
  name: {ko: 서울, en: Seoul, ja: ソウル, zh: 首尔}
  aliases: [서울특별시, 서울시]
  country: KR
  coords: [37.57, 126.98]
beijing:
  name: {ko: 베이징, en: Beijing, ja: 北京, zh: 北京}
  aliases: [북경, 北京市]
  country: CN
yokohama:
  name: {ko: 요코하마, en: Yokohama, ja: 横浜, zh: 横滨}
  aliases: [横浜市]
  country: JP
  parent: kanagawa
kanagawa:
  name: {en: Kanagawa, ja: 神奈川県}
  country: JP
";

const CONFIG: &str = "title: Fuzz\nbase_url: https://example.org/archive/\nlanguage: ko\n";

fn registry() -> Registry {
    Registry::parse(REGISTRY).expect("the fuzz registry is valid")
}

fn config() -> Config {
    Config::parse(Path::new("."), CONFIG).expect("the fuzz configuration is valid")
}

/// Front matter: decoding, the `---` splitter, YAML, and every field of a record.
/// The first byte picks the kind; the rest is the file. The same text is also read
/// as a city registry and as `accord.yaml`.
// `pub` for the fuzz targets; tests/suite includes this file as a private module.
#[allow(unreachable_pub)]
pub fn front_matter(data: &[u8]) {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    let kind = Kind::ALL[usize::from(first) % Kind::ALL.len()];
    let text = match source::decode(bytes.to_vec()) {
        Ok(text) => text,
        Err((pos, message, _)) => {
            assert!(pos.line >= 1, "decoding errors are located: {message}");
            return;
        }
    };
    assert!(!text.contains('\r'), "line ends are normalised");
    assert!(!text.starts_with('\u{feff}'), "the BOM is dropped");

    if let Ok(split) = content::split_front_matter(&text) {
        let start = split.front.as_ptr() as usize - text.as_ptr() as usize;
        assert_eq!(&text[start..start + split.front.len()], split.front);
        let body_start = text.len() - split.body.len();
        assert_eq!(&text[body_start..], split.body);
        // (An empty body at the end of a file without a final line end has no line.)
        if !split.body.is_empty() {
            assert_eq!(
                split.body_line,
                text[..body_start].matches('\n').count() + 1,
                "the body starts on the line counted in the file"
            );
        }
    }

    let file = SourceFile {
        rel_path: PathBuf::from(format!("content/{}/fuzz.md", kind.section())),
        kind,
        stem: "fuzz".into(),
        text: text.clone(),
    };
    let (record, diags) = content::parse(&file, &registry(), &config());
    check_diagnostics(&text, &diags);
    let errors = diags.iter().any(Diagnostic::is_error);
    assert_eq!(
        record.is_some(),
        !errors,
        "a record exactly when there is no error"
    );
    if let Some(r) = record {
        assert!(
            accord::paths::check_slug(&r.slug).is_ok(),
            "slug {:?}",
            r.slug
        );
        assert!(!r.title.trim().is_empty());
        assert!(!r.cities.is_empty());
        assert_eq!(r.kind, kind);
    }

    if let Err(diags) = Registry::parse(&text) {
        check_diagnostics(&text, &diags);
    }
    if let Err(diags) = Config::parse(Path::new("."), &text) {
        check_diagnostics(&text, &diags);
    }
}

/// Markdown: a record whose body is the input, in a site with a second record to
/// link to. Links are resolved and rewritten; the HTML must hold no markup that the
/// author could not write without `allow_html`, and no script URL.
#[allow(unreachable_pub)]
pub fn markdown(data: &[u8]) {
    let body = String::from_utf8_lossy(data);
    let reg = registry();
    let cfg = config();
    let files = [
        (
            "content/trips/a.md",
            Kind::Trip,
            "a",
            format!("---\ntitle: A\ndate: 2020\ncities: [서울]\n---\n{body}"),
        ),
        (
            "content/programs/b.md",
            Kind::Program,
            "b",
            "---\ntitle: B\ndate: 2019\ncities: [横浜市]\n---\n## Results\n".to_string(),
        ),
    ];
    let mut records: Vec<Record> = Vec::new();
    for (path, kind, stem, text) in &files {
        let file = SourceFile {
            rel_path: PathBuf::from(path),
            kind: *kind,
            stem: (*stem).into(),
            text: text.clone(),
        };
        let (record, diags) = content::parse(&file, &reg, &cfg);
        assert!(diags.is_empty(), "{diags:?}");
        records.extend(record);
    }
    let paths: Vec<PathBuf> = files.iter().map(|f| PathBuf::from(f.0)).collect();
    let all: HashSet<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let text_a = files[0].3.clone();
    match Site::build(cfg, reg, records, &all) {
        Ok(site) => {
            for e in &site.entries {
                check_inert_html(&e.body.get().html);
                assert!(e.summary().chars().count() <= accord::limits::MAX_SUMMARY_CHARS + 1);
            }
        }
        Err(diags) => check_diagnostics(&text_a, &diags),
    }

    // The renderer alone, with HTML allowed: it must not panic either.
    let resolve = |dest: &str| {
        if dest.ends_with(".md") {
            LinkAction::Rewrite("/x/".into())
        } else {
            LinkAction::Keep
        }
    };
    let r = markdown::render(&body, &RenderOptions { allow_html: true }, &resolve);
    for p in &r.problems {
        assert!(p.offset <= body.len());
    }
}

/// Every diagnostic points into the file (or at no line at all), and the number of
/// diagnostics of one file is bounded.
fn check_diagnostics(text: &str, diags: &[Diagnostic]) {
    let lines = text.split('\n').count();
    for d in diags {
        assert!(d.line <= lines, "{d} is past the last line ({lines})");
        let _ = d.to_string();
    }
    assert!(
        diags.len() <= accord::limits::MAX_ERRORS_PER_FILE + 1,
        "{} diagnostics",
        diags.len()
    );
}

const TAGS: &[&str] = &[
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "span",
    "strong",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
];
const ATTRS: &[&str] = &[
    "alt", "class", "href", "id", "src", "start", "style", "tabindex", "title",
];

/// Panics unless `html` consists of text and the tags and attributes Markdown itself
/// produces, with no script URL in a link or image.
fn check_inert_html(html: &str) {
    let b = html.as_bytes();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off + 1;
        if b.get(i) == Some(&b'/') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let tag = &html[start..i];
        assert!(TAGS.contains(&tag), "tag <{tag}> in {html:?}");
        loop {
            while i < b.len() && b[i] == b' ' {
                i += 1;
            }
            match b.get(i) {
                Some(b'>') => break,
                Some(b'/') if b.get(i + 1) == Some(&b'>') => break,
                None => panic!("unterminated tag <{tag}> in {html:?}"),
                _ => {}
            }
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-') {
                i += 1;
            }
            let name = &html[start..i];
            assert!(
                ATTRS.contains(&name),
                "attribute {name:?} on <{tag}> in {html:?}"
            );
            assert_eq!(b.get(i), Some(&b'='), "attribute {name} without value");
            assert_eq!(b.get(i + 1), Some(&b'"'), "unquoted attribute {name}");
            let vstart = i + 2;
            let vlen = html[vstart..].find('"').expect("closed attribute value");
            let value = &html[vstart..vstart + vlen];
            assert!(!value.contains(['<', '>']), "raw <> in {name}={value:?}");
            let decoded = value
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&");
            if name == "href" || name == "src" {
                assert!(!markdown::is_script_url(&decoded), "{name}={value:?}");
            }
            if name == "style" {
                assert!(
                    [
                        "text-align: left",
                        "text-align: center",
                        "text-align: right"
                    ]
                    .contains(&value),
                    "style={value:?}"
                );
            }
            i = vstart + vlen + 1;
        }
    }
}
