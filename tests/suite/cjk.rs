//! CJK text: a line break between two CJK characters (a soft break in Markdown, a
//! fold in a YAML `>-` summary) is removed, not turned into a space — in the page,
//! its meta description, the feed, the JSON-LD and the search data; Korean and Latin
//! words keep their space. Tables keep a CJK header readable and a number with its
//! unit, checked in headless Chromium at a phone's width and a desktop's.

use std::path::Path;

use crate::support::*;

/// A Japanese record whose summary and body break lines inside words.
const JA: &str = "---
title: 日中都市間連携協力
date: 2018-06
cities: [横浜市]
lang: ja
summary: >-
  総合調整
  プラットフォーム（IGES）の活動。
  関係者との協議を行った。
---
総合調整
プラットフォームの活動は、
*日中都市間連携*の中心である。

| 活動 | 2014年度 | 2015年度 | 2016年度 | 2017年度 | 2018年度（6月末まで） | 合計 |
|---|---|---|---|---|---|---|
| 中国側及び日本側の関係者との協議調整及び協力の推進 | 13回 | 22回 | 36回 | 35回 | 8回 | 114回 |
| 訪日研修等招聘事業の実施 | 8回、46名 | 11回、71名 | 10回、55名 | 10回、71名 | 1回、5名 | 40回、248名 |
";

const ZH: &str = "---
title: 北京空气质量合作
date: 2016
cities: [北京]
lang: zh
summary: >-
  北京市生态环境局与首尔市
  开展空气质量合作。
---
北京市与首尔市，
共同开展空气质量监测。
";

const KO: &str = "---
title: 서울 대기질 협력
date: 2016
cities: [서울]
lang: ko
summary: >-
  서울과 베이징이 대기질
  자료를 공유한다.
---
서울과 베이징이
대기질 자료를 공유한다.
";

const EN: &str = "---
title: Air quality visit
date: 2017
cities: [Seoul]
lang: en
summary: >-
  Seoul and
  Beijing share data.
---
Seoul and
Beijing share data.
";

fn cjk_site() -> tempfile::TempDir {
    site(&[
        ("content/trips/ja.md", JA.as_bytes()),
        ("content/trips/zh.md", ZH.as_bytes()),
        ("content/trips/ko.md", KO.as_bytes()),
        ("content/trips/en.md", EN.as_bytes()),
    ])
}

/// Every text file of the output, with its path; and the search index's packs of
/// records and passages, whose items are JSON (their offsets are binary).
fn texts(root: &Path) -> Vec<(String, String)> {
    let packed = |p: &str| p.starts_with("search/d/") || p.starts_with("search/p/");
    tree(&root.join("output"))
        .into_iter()
        .filter_map(|(p, b)| match String::from_utf8(b) {
            Ok(t) => Some((p, t)),
            Err(e) if packed(&p) => {
                let t = String::from_utf8_lossy(e.as_bytes()).into_owned();
                Some((p, t))
            }
            Err(_) => None,
        })
        .collect()
}

#[test]
fn breaks_between_cjk_characters_vanish_everywhere_the_text_goes() {
    let s = cjk_site();
    build_ok(s.path());
    let all = texts(s.path());
    // No file anywhere has the break as a space.
    for spaced in [
        "総合調整 プラットフォーム",
        "活動。 関係者",
        "首尔市 开展",
        "首尔市， 共同",
        "活動は、 日中",
    ] {
        let found: Vec<&String> = all
            .iter()
            .filter(|(_, t)| t.contains(spaced))
            .map(|(p, _)| p)
            .collect();
        assert!(found.is_empty(), "`{spaced}` in {found:?}");
    }
    let page = read(s.path(), "trips/ja/index.html");
    let summary = "総合調整プラットフォーム（IGES）の活動。関係者との協議を行った。";
    // The meta description, the JSON-LD and the body.
    assert!(
        page.contains(&format!("<meta name=\"description\" content=\"{summary}\"")),
        "{page}"
    );
    assert!(
        page.contains(&format!("\"description\":\"{summary}\"")),
        "{page}"
    );
    assert!(
        page.contains("総合調整プラットフォームの活動は、<em>日中都市間連携</em>の中心である。"),
        "{page}"
    );
    let feed = read(s.path(), "feed.xml");
    assert!(feed.contains(summary), "{feed}");
    assert!(
        feed.contains("北京市生态环境局与首尔市开展空气质量合作。"),
        "{feed}"
    );
    // The search data holds the joined summary and body.
    let search: Vec<&String> = all
        .iter()
        .filter(|(p, t)| p.starts_with("search/") && t.contains(summary))
        .map(|(p, _)| p)
        .collect();
    assert!(!search.is_empty(), "the search data lacks the summary");
    assert!(
        all.iter()
            .any(|(p, t)| p.starts_with("search/") && t.contains("北京市与首尔市，共同开展")),
        "the search data lacks the joined body"
    );

    // Korean and English keep the space where the line ended.
    let ko = read(s.path(), "trips/ko/index.html");
    assert!(
        ko.contains("content=\"서울과 베이징이 대기질 자료를 공유한다.\""),
        "{ko}"
    );
    assert!(ko.contains("서울과 베이징이\n대기질"), "{ko}");
    let en = read(s.path(), "trips/en/index.html");
    assert!(
        en.contains("content=\"Seoul and Beijing share data.\""),
        "{en}"
    );
}

#[test]
fn a_number_keeps_its_unit_in_the_html() {
    let s = cjk_site();
    build_ok(s.path());
    let page = read(s.path(), "trips/ja/index.html");
    for run in ["114回", "2018年度", "6月末まで", "40回", "248名"] {
        assert!(
            page.contains(&format!("<span class=\"nobr\">{run}</span>")),
            "{run} not kept together:\n{page}"
        );
    }
}

/// Measures the Japanese table in the page: each header cell's width and the label
/// column's, in ems of the body font; the boxes and height of `114回`. The
/// results are written into the page as `data-` attributes of `<body>`.
const MEASURE: &str = r"<script>
addEventListener('load', () => {
  const em = parseFloat(getComputedStyle(document.querySelector('.prose')).fontSize);
  const heads = [...document.querySelectorAll('.prose thead th')];
  const widths = heads.map(th => (th.getBoundingClientRect().width / em).toFixed(2));
  const first = [...document.querySelectorAll('.prose tbody td')].find(td => td.textContent.length > 10);
  const unit = [...document.querySelectorAll('.prose td')].find(td => td.textContent === '114回');
  const span = unit.querySelector('.nobr') || unit;
  const rects = span.getClientRects().length;
  document.body.dataset.widths = widths.join(',');
  document.body.dataset.label = (first.getBoundingClientRect().width / em).toFixed(2);
  document.body.dataset.unitRects = String(rects);
  document.body.dataset.unitOneLine = String(span.getBoundingClientRect().height <= 1.5 * parseFloat(getComputedStyle(span).lineHeight));
  document.body.dataset.done = 'yes';
});
</script>";

fn data_attr(dom: &str, name: &str) -> String {
    let key = format!("data-{name}=\"");
    let start = dom
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in the page:\n{dom}"))
        + key.len();
    dom[start..start + dom[start..].find('"').unwrap()].to_string()
}

#[test]
fn cjk_tables_are_readable_at_phone_and_desktop_widths() {
    let Some(chromium) = require_tool(Tool::Chromium) else {
        return;
    };
    let s = cjk_site();
    build_ok(s.path());
    // The page on its own: its style sheet inlined, the measuring script added.
    let page = read(s.path(), "trips/ja/index.html");
    let css = read(s.path(), "style.css");
    let head_end = page.find("</head>").unwrap();
    let body_end = page.rfind("</body>").unwrap();
    let standalone = format!(
        "{}<style>{css}</style>{}{MEASURE}{}",
        &page[..head_end],
        &page[head_end..body_end],
        &page[body_end..]
    );
    let file = s.path().join("measure.html");
    std::fs::write(&file, standalone).unwrap();

    for width in [390, 1280] {
        let url = format!("file://{}", file.display());
        let dom = dump_dom(&chromium, &url, &[&format!("--window-size={width},900")]);
        assert_eq!(data_attr(&dom, "done"), "yes", "at {width}px");
        let widths: Vec<f64> = data_attr(&dom, "widths")
            .split(',')
            .map(|w| w.parse().unwrap())
            .collect();
        // `活動` and `合計` are two characters; the year headers at least as wide as
        // `2014年度` (six half- and full-width characters ≈ 4 em); none squeezed.
        assert!(widths.iter().all(|&w| w >= 2.0), "at {width}px: {widths:?}");
        assert!(widths[1] >= 3.5, "at {width}px: {widths:?}");
        // The label column is not squeezed to three characters.
        let label: f64 = data_attr(&dom, "label").parse().unwrap();
        assert!(label >= 8.0, "at {width}px: the label column is {label} em");
        // `114回` on one line: one box, one line high.
        assert_eq!(data_attr(&dom, "unit-rects"), "1", "at {width}px");
        assert_eq!(data_attr(&dom, "unit-one-line"), "true", "at {width}px");
    }
}
