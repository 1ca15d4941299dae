//! The search page in a real browser: builds the search fixture (base URL under
//! `/archive/`), serves the output on 127.0.0.1 under that sub-path, opens
//! `/archive/search/?q=…` in headless Chromium and reads the DOM after the scripts ran.
//!
//! The other tests drive the search through playwright-core (`tests/search_page.mjs`,
//! one scenario each): on the search page typing, the tab order, the arrow keys and
//! `/`, a facet chosen with the keyboard, the back button, counting by city; the
//! header's box and its panel of results on a record page, and the record opened from
//! a result with its words highlighted; counts in each edition's number format; the
//! organization and topic facets.
//!
//! Chromium, node and playwright-core are found by `support::require_tool`; `.ci/run`
//! installs them. Without them the tests fail when `CI` is set, and otherwise say
//! loudly that they were skipped.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::support::*;

/// Requests seen by the server: (path, status).
pub(crate) type Log = Arc<Mutex<Vec<(String, u16)>>>;

/// Serves `dir` at `http://127.0.0.1:PORT/archive/` until the test process ends.
pub(crate) fn serve(dir: PathBuf) -> (u16, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log: Log = Arc::default();
    let seen = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let dir = dir.clone();
            let seen = seen.clone();
            std::thread::spawn(move || {
                let _ = answer(stream, &dir, &seen);
            });
        }
    });
    (port, log)
}

fn answer(mut stream: TcpStream, dir: &Path, log: &Log) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    // Only the browser's requests are logged: another test of the suite may knock at
    // a port it used before, which the system gave to this server since.
    let mut from_browser = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        from_browser |= lower.starts_with("user-agent:") && lower.contains("chrome");
    }
    let target = request.split_whitespace().nth(1).unwrap_or("/").to_string();
    let path = target.split(['?', '#']).next().unwrap_or("/").to_string();
    let file = path
        .strip_prefix("/archive/")
        .filter(|rest| !rest.split('/').any(|s| s == ".." || s.starts_with('.')))
        .map(|rest| {
            let mut p = dir.join(percent_decode(rest));
            if rest.is_empty() || rest.ends_with('/') {
                p.push("index.html");
            }
            p
        });
    let body = file.and_then(|f| std::fs::read(f).ok());
    let status = if body.is_some() { 200 } else { 404 };
    if from_browser {
        log.lock().unwrap().push((path.clone(), status));
    }
    let body = body.unwrap_or_else(|| b"not found".to_vec());
    let kind = match path.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("bin") => "application/octet-stream",
        _ if path.ends_with('/') => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    };
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        if status == 200 { "OK" } else { "Not Found" },
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(&body)?;
    stream.flush()
}

/// The DOM of `url` after its scripts ran.
fn dump_dom(chromium: &Path, url: &str) -> String {
    crate::support::dump_dom(chromium, url, &[])
}

/// What the page shows: state, count, status line, result titles (as text), and the
/// raw DOM for other checks.
struct Page {
    state: String,
    count: Option<usize>,
    status: String,
    titles: Vec<String>,
    dom: String,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_string())
}

/// Text content of an HTML fragment: tags removed, entities decoded.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn page(dom: String) -> Page {
    let at = dom
        .find("id=\"search-results\"")
        .unwrap_or_else(|| panic!("no results element:\n{dom}"));
    let open = dom[..at].rfind('<').unwrap();
    let tag = &dom[open..open + dom[open..].find('>').unwrap()];
    let state = attr(tag, "data-state").unwrap_or_default();
    let count = attr(tag, "data-count").and_then(|c| c.parse().ok());
    let status = dom
        .find("id=\"search-status\"")
        .map(|i| {
            let from = i + dom[i..].find('>').unwrap() + 1;
            text(&dom[from..from + dom[from..].find("</p>").unwrap()])
        })
        .unwrap_or_default();
    let mut titles = Vec::new();
    let mut rest = &dom[at..];
    while let Some(i) = rest.find("<h2 class=\"card-title\">") {
        rest = &rest[i..];
        let end = rest.find("</h2>").unwrap();
        titles.push(text(&rest[..end]));
        rest = &rest[end..];
    }
    Page {
        state,
        count,
        status,
        titles,
        dom,
    }
}

fn sorted(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(std::string::ToString::to_string).collect();
    v.sort();
    v
}

const AIR: &str = "동북아 대기질개선 협력사업";
const YOKOHAMA: &str = "요코하마 자원순환 시설 견학";
const KITAKYUSHU: &str = "北九州市環境協力セミナー";
const BEIJING_AIR: &str = "北京市空气质量改善合作项目";
const VISIT: &str = "Study Visit on Air Quality Monitoring";
const FORUM: &str = "울란바토르 대기환경 포럼";

#[test]
fn the_search_page_finds_records_in_a_browser_under_a_sub_path() {
    let Some(chromium) = require_tool(Tool::Chromium) else {
        return;
    };
    let site = fixture("search");
    build_ok(site.path());
    let (port, log) = serve(site.path().join("output"));
    let open = |q: &str, rest: &str| {
        let url = format!(
            "http://127.0.0.1:{port}/archive/search/?q={}{rest}",
            percent_encode(q)
        );
        let p = page(dump_dom(&chromium, &url));
        assert_eq!(
            p.state, "done",
            "{url}: the search did not finish:\n{}",
            p.dom
        );
        p
    };
    let cases: &[(&str, &str, &[&str], &str)] = &[
        // (query, more parameters, titles, what it shows)
        ("질개선", "", &[AIR], "a Korean infix"),
        ("대기오", "", &[YOKOHAMA, FORUM], "a Korean prefix"),
        ("大気汚染", "", &[KITAKYUSHU], "a Japanese term"),
        ("空气质量", "", &[BEIJING_AIR], "a Chinese term"),
        ("北京", "", &[AIR, BEIJING_AIR, VISIT], "a city in Chinese"),
        ("베이징", "", &[AIR, BEIJING_AIR, VISIT], "a city in Korean"),
        ("aIr QUALITY", "", &[VISIT], "English in any case"),
        (
            "서울",
            "&city=beijing",
            &[AIR, BEIJING_AIR, VISIT],
            "a city filter",
        ),
        (
            "서울",
            "&year=2016",
            &[AIR, YOKOHAMA, BEIJING_AIR],
            "a year filter",
        ),
        (
            "서울",
            "&kind=trip&lang=en",
            &[VISIT],
            "kind and language filters",
        ),
        ("", "&lang=ja", &[KITAKYUSHU], "a filter without words"),
        ("존재하지않는말", "", &[], "no results"),
    ];
    for &(q, rest, want, what) in cases {
        let p = open(q, rest);
        assert_eq!(
            sorted(&p.titles.iter().map(String::as_str).collect::<Vec<_>>()),
            sorted(want),
            "{what}: {q}{rest}"
        );
        assert_eq!(p.count, Some(want.len()), "{what}: {q}{rest}");
        match want.len() {
            0 => assert!(
                p.status.contains("없습니다"),
                "{what}: status {:?}",
                p.status
            ),
            n => assert!(
                p.status.contains(&n.to_string()),
                "{what}: status {:?}",
                p.status
            ),
        }
    }

    // The match is highlighted; the text around it stays text.
    let p = open("질개선", "");
    assert!(
        p.dom.contains("대기<mark>질개선</mark> 협력사업"),
        "{}",
        p.dom
    );
    // A filter from the URL shows as the current facet, with a link that removes it.
    let p = open("서울", "&city=beijing&year=2016");
    assert_eq!(
        sorted(&p.titles.iter().map(String::as_str).collect::<Vec<_>>()),
        sorted(&[AIR, BEIJING_AIR])
    );
    for facet in ["city=beijing", "year=2016"] {
        let at = p
            .dom
            .find(&format!("data-facet=\"{facet}\""))
            .unwrap_or_else(|| panic!("no facet {facet}"));
        let open_tag = p.dom[..at].rfind("<a").unwrap();
        let tag = &p.dom[open_tag..at + p.dom[at..].find('>').unwrap()];
        assert!(tag.contains("aria-current=\"true\""), "{tag}");
        assert!(tag.contains("href=\"/archive/search/?q="), "{tag}");
    }
    // Result links and city links stay under the sub-path; a result link carries the
    // query to highlight on the record.
    assert!(
        p.dom
            .contains("href=\"/archive/programs/air-quality/?highlight=%EC%84%9C%EC%9A%B8\""),
        "{}",
        p.dom
    );
    assert!(p.dom.contains("href=\"/archive/cities/beijing/\""));

    // Everything the pages fetched was under /archive/ and was found.
    let log = log.lock().unwrap();
    let index: Vec<&(String, u16)> = log
        .iter()
        .filter(|(p, _)| p.contains("/search/") && !p.ends_with("/search/"))
        .collect();
    assert!(index.len() > 20, "{log:?}");
    for (path, status) in log.iter().filter(|(p, _)| p != "/favicon.ico") {
        assert!(
            path.starts_with("/archive/"),
            "{path} is outside the sub-path"
        );
        assert_eq!(*status, 200, "{path}");
    }
}

#[test]
fn the_search_page_follows_typing_facets_and_the_back_button() {
    let Some((node, chromium)) = playwright() else {
        return;
    };
    let site = fixture("search");
    build_ok(site.path());
    let v = scenario(&node, &chromium, site.path(), "page");
    let titles = |k: &str| -> Vec<String> {
        let mut t: Vec<String> = v[k]["titles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        t.sort();
        t
    };
    assert_eq!(v["empty"]["count"], 0);
    assert_eq!(v["empty"]["status"], "");

    // Typing searched and replaced the address without adding history entries.
    assert_eq!(v["typed"]["count"], 5, "{}", v["typed"]);
    assert_eq!(v["typed"]["url"], "/archive/search/?q=%EC%84%9C%EC%9A%B8");
    assert_eq!(v["typed"]["history"], v["empty"]["history"]);
    assert_keyboard_paths(&v);

    // A facet: fewer results, a new history entry, the focus kept on it.
    assert_eq!(
        v["facet"]["url"],
        "/archive/search/?q=%EC%84%9C%EC%9A%B8&kind=trip"
    );
    assert_eq!(titles("facet"), sorted(&[VISIT, YOKOHAMA]));
    assert_eq!(v["facet"]["focus"], "kind=trip");
    assert_eq!(
        v["facet"]["history"].as_u64().unwrap(),
        v["typed"]["history"].as_u64().unwrap() + 1
    );

    // Back restores the query, its results and the box.
    assert_eq!(v["back"]["url"], "/archive/search/?q=%EC%84%9C%EC%9A%B8");
    assert_eq!(v["back"]["count"], 5);
    assert_eq!(v["back"]["input"], "서울");

    assert_cities_and_suggestions(&v);
    assert_eq!(titles("suggested"), sorted(&[VISIT]));
}

/// The search page's keyboard paths in scenario `v`: the arrow keys, the tab order
/// (the facets before the results) and the `/` shortcut.
fn assert_keyboard_paths(v: &serde_json::Value) {
    // Arrow keys: Down from the box into the results and on, Up back to the box,
    // Escape from a result back to the box.
    assert_eq!(v["arrows"], arrow_path("#search-q"));
    // Tab from the box: the button, every facet, the sort control, then the results
    // (the facets come first in the tab order; the results are one Arrow Down away).
    let tabbing: Vec<&str> = v["tabbing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let facets = tabbing.iter().filter(|&&s| s == "facet").count();
    assert!(facets >= 3, "{tabbing:?}");
    let mut want = vec!["button:submit"];
    want.extend(std::iter::repeat_n("facet", facets));
    want.extend(["sort", "sort", "result:0"]);
    assert_eq!(tabbing, want);
    // `/` outside a text field focuses the box, and types nothing.
    assert_eq!(v["slash"]["focus"], "#search-q");
    assert_eq!(v["slash"]["input"], "서울");
}

/// The search page's counts by city, its one-character search and its suggestion for
/// a word the index lacks, in scenario `v`.
fn assert_cities_and_suggestions(v: &serde_json::Value) {
    // Counting by city loads the cities once, and the focus lands on a city.
    let links: Vec<&str> = v["cities"]["cityLinks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        links.contains(&"city=seoul") && links.contains(&"city=yokohama"),
        "{links:?}"
    );
    assert!(
        v["cities"]["focus"].as_str().unwrap().starts_with("city="),
        "{}",
        v["cities"]["focus"]
    );
    assert!(
        v["citiesFetched"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "/archive/search/cities.bin"),
        "{}",
        v["citiesFetched"]
    );

    // One character searches as it is typed (each CJK character is indexed on its
    // own, one lookup), and Enter gives the same results.
    let one = v["oneChar"]["count"].as_u64().unwrap();
    assert!(one >= 3, "{}", v["oneChar"]);
    assert!(!v["oneCharFetched"].as_array().unwrap().is_empty());
    assert_eq!(
        v["oneCharEnter"]["count"].as_u64().unwrap(),
        one,
        "{}",
        v["oneCharEnter"]
    );

    // No results for a word the index lacks: the engine's suggestion, in the page's
    // words, links to its results.
    assert_eq!(v["typo"]["count"], 0, "{}", v["typo"]);
    assert_eq!(v["typo"]["suggest"], "air");
    assert_eq!(v["typo"]["href"], "/archive/search/?q=air");
    assert_eq!(v["typo"]["text"], "air을(를) 찾으셨나요?");
    assert_eq!(v["suggested"]["input"], "air");
    // A typo the engine matched through its nearest word: that word is marked.
    assert_eq!(
        v["typoMarks"],
        serde_json::json!(["Monitoring", "monitoring"])
    );
}

/// Where the focus goes from the box `input` on ArrowDown, ArrowDown, ArrowUp,
#[test]
fn organizations_and_topics_are_facets_and_every_name_of_an_organization_finds_its_records() {
    let Some((node, chromium)) = playwright() else {
        return;
    };
    let site = fixture("search");
    write(
        site.path(),
        "data/organizations.yaml",
        "iclei-east-asia:\n  name: {ko: ICLEI 동아시아본부, en: ICLEI East Asia Secretariat, ja: イクレイ東アジア事務局}\n  kind: network\n  country: KR\n\
         seoul-climate:\n  name: {ko: 서울시 기후환경본부, en: Seoul Climate and Environment Headquarters}\n  kind: city-government\n  country: KR\n"
            .as_bytes(),
    );
    write(
        site.path(),
        "data/topics.yaml",
        "air-quality:\n  name: {ko: 대기질, ja: 大気環境, en: Air quality}\n".as_bytes(),
    );
    // A partner written in Japanese, a tag in English; and a record that only mentions
    // the organization in its body.
    write(
        site.path(),
        "content/trips/iclei-meeting.md",
        "---\ntitle: Partners Meeting in Seoul\ndate: 2019\ncities: [서울]\nlang: en\n\
         partners: [イクレイ東アジア事務局]\ntags: [air quality, R&D]\nsummary: A meeting.\n---\nA meeting.\n"
            .as_bytes(),
    );
    write(
        site.path(),
        "content/workshops/network-notes.md",
        "---\ntitle: Network Notes\ndate: 2020\ncities: [서울]\nlang: en\nsummary: Notes.\n---\n\
         The ICLEI East Asia Secretariat presented its programme.\n"
            .as_bytes(),
    );
    build_ok(site.path());
    let v = scenario(&node, &chromium, site.path(), "entities");
    let titles = |k: &str| -> Vec<String> {
        let mut t: Vec<String> = (v[k]["titles"].as_array().unwrap().iter())
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        t.sort();
        t
    };
    // The organizer's alias in another language, and the mention in a body.
    assert_eq!(
        titles("query"),
        ["Network Notes", "Partners Meeting in Seoul"]
    );
    // Not counted until asked (with the cities): then in the index's language.
    assert_eq!(v["orgBefore"], serde_json::json!([]));
    assert_eq!(
        v["orgLinks"],
        serde_json::json!([["org=iclei-east-asia", "ICLEI 동아시아본부 1"]]),
        "{v}"
    );
    // A tag of its own is a topic too, its name shown as written.
    assert_eq!(
        v["topicLinks"],
        serde_json::json!([["topic=r-d", "R&D 1"], ["topic=air-quality", "대기질 1"]]),
        "{v}"
    );
    assert_eq!(
        v["org"]["url"],
        "/archive/search/?q=ICLEI&org=iclei-east-asia"
    );
    assert_eq!(titles("org"), ["Partners Meeting in Seoul"]);
    // A topic alone: the record tagged 대기질 and the one tagged `air quality`.
    assert_eq!(
        titles("topic"),
        ["Partners Meeting in Seoul", "동북아 대기질개선 협력사업"]
    );
    assert_eq!(
        v["topicFacet"][0],
        serde_json::json!(["topic=air-quality", "대기질 2"])
    );
    for q in [
        "ICLEI East Asia Secretariat",
        "イクレイ東アジア事務局",
        "ICLEI 동아시아본부",
    ] {
        assert_eq!(
            v["aliases"][q],
            serde_json::json!(["Network Notes", "Partners Meeting in Seoul"]),
            "{q}"
        );
    }
}

#[test]
fn a_common_term_shows_its_count_from_its_head_and_pages_past_it() {
    let Some((node, chromium)) = playwright() else {
        return;
    };
    let site = fixture("search");
    // 450 records with `harbor` in the title: its postings pass `HEAD_FROM`.
    let years = 2010..2020;
    for i in 0..450usize {
        let year = years.start + (i % years.len()) as i32;
        let more = "harbor cleanup ".repeat(i % 7);
        write(
            site.path(),
            &format!("content/trips/harbor-{i:03}.md"),
            format!(
                "---\ntitle: Harbor report {i}\ndate: {year}\ncities: [首尔]\nlang: en\n---\nThe harbor {more}and the port {i}.\n"
            )
            .as_bytes(),
        );
    }
    build_ok(site.path());
    let v = scenario(&node, &chromium, site.path(), "heads");
    // The first page: the count of every match, ten cards, no postings read.
    assert_eq!(v["first"]["count"], 450, "{}", v["first"]);
    assert_eq!(v["first"]["titles"].as_array().unwrap().len(), 10);
    assert_eq!(v["firstPostings"], 0);
    // Each "more" shows ten more cards, the count unchanged; past the head's hits
    // the postings are read.
    let pages = v["pages"].as_array().unwrap();
    for (k, p) in pages.iter().enumerate() {
        let cards = 20 + 10 * k;
        assert_eq!(p["count"], 450, "{p}");
        assert_eq!(p["status"], v["first"]["status"], "{p}");
        assert_eq!(p["cards"], cards, "{p}");
        let past = cards > accord::search::HEAD_HITS;
        assert_eq!(p["postings"].as_u64().unwrap() > 0, past, "{p}");
    }
    // The same cards as the complete answer, in its order.
    let r = {
        let out = site.path().join("output");
        accord::search::Reader::open(move |p: &str| std::fs::read(out.join(p)).ok()).unwrap()
    };
    let all = r.search_with("harbor", &accord::search::Filters::default(), false);
    let all = all.unwrap();
    assert_eq!(all.hits.len(), 450);
    let titles: Vec<String> = (all.hits.iter().take(60))
        .map(|&(d, _)| {
            let (path, at) = r.manifest.record_file(d as usize);
            let pack = std::fs::read(site.path().join("output").join(path)).unwrap();
            let item = accord::search::pack_item(&pack, at).unwrap();
            let meta: serde_json::Value = serde_json::from_slice(item).unwrap();
            meta["t"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(v["last"]["titles"], serde_json::json!(titles));
}

/// ArrowUp, ArrowDown, Escape (`arrows` in `tests/search_page.mjs`): into the results
/// and on, back to the box from the first, back to the box on Escape.
fn arrow_path(input: &str) -> serde_json::Value {
    serde_json::json!(["result:0", "result:1", "result:0", input, "result:0", input])
}

/// Runs `tests/search_page.mjs` on the built site at `root` and returns what it saw.
fn scenario(node: &Path, chromium: &Path, root: &Path, name: &str) -> serde_json::Value {
    let run = node_script(node, chromium, &repo().join("tests/search_page.mjs"))
        .arg(root.join("output"))
        .arg(name)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{name}: {stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap()
}

/// The tools of the playwright-core tests, or `None` (skipped outside CI).
fn playwright() -> Option<(PathBuf, PathBuf)> {
    let (Some(node), Some(chromium), Some(_)) = (
        require_tool(Tool::Node),
        require_tool(Tool::Chromium),
        require_tool(Tool::NpmPackage("playwright-core")),
    ) else {
        return None;
    };
    Some((node, chromium))
}

#[test]
fn the_header_box_shows_results_as_you_type_and_the_record_marks_them() {
    let Some((node, chromium)) = playwright() else {
        return;
    };
    let site = fixture("search");
    // A word found only deep in the body, under a heading.
    write(
        site.path(),
        "content/workshops/composting-notes.md",
        "---\ntitle: Resource Circulation Study Notes\ndate: 2019\ncities: [요코하마]\nlang: en\n\
         summary: An overview of the visit.\n---\nAn overview of the visit.\n\n## Field report\n\n\
         The delegation saw how composting reduces landfill waste. Sorting begins at home.\n\n\
         ## Follow-up\n\nBoth cities agreed to share their figures.\n"
            .as_bytes(),
    );
    // A phrase split by inline markup, and its halves in two blocks.
    write(
        site.path(),
        "content/workshops/split-marks.md",
        "---\ntitle: Split marks\ndate: 2018\ncities: [요코하마]\nlang: ko\n---\n\
         도시의 대기**오염** 저감과 [대기](https://example.org/)오염 측정, *대*기*오염*.\n\n\
         끝에 대기\n\n오염으로 시작하는 문단.\n\n- 대기\n- 오염\n"
            .as_bytes(),
    );
    build_ok(site.path());
    let v = scenario(&node, &chromium, site.path(), "instant");

    // Nothing of the search is fetched before the box has the focus; `/` gives it.
    assert_eq!(v["beforeFocus"], serde_json::json!([]));
    assert_eq!(v["slashFocus"], "#site-search-q");
    assert_eq!(
        v["afterFocus"],
        serde_json::json!(["/archive/search.js", "/archive/search-ui.js"])
    );

    // The panel shows the results as they are typed, and the page stays.
    let typed = &v["typed"];
    assert_eq!(typed["hidden"], false);
    assert_eq!(typed["expanded"], "true");
    assert_eq!(typed["count"], 5);
    assert_eq!(typed["statusCount"], "5");
    assert!(typed["status"].as_str().unwrap().contains('5'), "{typed}");
    let links = typed["links"].as_array().unwrap();
    assert_eq!(links.len(), 5);
    assert!(
        links.iter().all(|l| l
            .as_str()
            .unwrap()
            .ends_with("/?highlight=%EC%84%9C%EC%9A%B8")),
        "{links:?}"
    );
    assert_eq!(v["typedUrl"], "/archive/programs/air-quality/");
    assert_eq!(v["arrows"], arrow_path("#site-search-q"));
    // Escape closed the panel.
    assert_eq!(v["escaped"]["hidden"], true);
    assert_eq!(v["escaped"]["expanded"], "false");

    // A match deep in the body shows its passage, marked, with a link to its heading.
    let deep = &v["deep"];
    assert_eq!(deep["count"], 1);
    assert_eq!(deep["marks"], serde_json::json!(["composting"]));
    assert_eq!(
        deep["subs"],
        serde_json::json!([[
            "Field report",
            "/archive/workshops/composting-notes/?highlight=composting#field-report"
        ]])
    );

    assert_record_marks(&v);

    // At 390 px the panel fits the screen, and nothing scrolls sideways.
    let phone = &v["phone"];
    let width = phone["width"].as_f64().unwrap();
    assert_eq!(width, 390.0, "{phone}");
    assert!(phone["left"].as_f64().unwrap() >= 0.0, "{phone}");
    assert!(phone["right"].as_f64().unwrap() <= width, "{phone}");
    assert!(phone["scroll"].as_f64().unwrap() <= width, "{phone}");
}

/// The record opened from the header box's panel, in scenario `v`: the terms marked
/// in its body (whole CJK runs, across inline markup, never across blocks), and the
/// control that removes the marks.
fn assert_record_marks(v: &serde_json::Value) {
    // Enter opened the record: the word marked in the body, with a control that
    // removes the marks and the parameter.
    let opened = &v["opened"];
    assert_eq!(
        opened["url"],
        "/archive/workshops/composting-notes/?highlight=composting"
    );
    assert_eq!(opened["marks"], serde_json::json!(["composting"]));
    assert_eq!(opened["barCount"], "1");
    assert!(
        opened["bar"].as_str().unwrap().contains("강조 지우기"),
        "{opened}"
    );
    assert_eq!(v["removed"]["marks"], serde_json::json!([]));
    assert_eq!(v["removed"]["bar"], serde_json::Value::Null);
    assert_eq!(v["removed"]["url"], "/archive/workshops/composting-notes/");
    assert_eq!(v["sub"]["marks"], serde_json::json!(["composting"]));
    // CJK: the whole run, matched on normalised text (the address had it in NFD).
    assert_eq!(v["korean"]["marks"], serde_json::json!(["대기질개선"]));
    // Across inline markup: a mark per piece, three matches; never across blocks (the
    // last paragraphs and the list items hold 대기 and 오염 apart). Removed, the page's
    // nodes are as they were.
    let split = &v["split"];
    assert_eq!(
        split["marks"],
        serde_json::json!(["대기", "오염", "대기", "오염", "대", "기", "오염"])
    );
    assert_eq!(
        split["parents"],
        serde_json::json!(["p", "strong", "a", "p", "em", "p", "em"])
    );
    assert_eq!(split["barCount"], "3");
    assert_eq!(split["changed"], true);
    assert_eq!(v["splitRemoved"]["marks"], serde_json::json!([]));
    assert_eq!(v["splitRemoved"]["restored"], true);
}

#[test]
fn counts_are_written_in_each_editions_number_format() {
    let Some((node, chromium)) = playwright() else {
        return;
    };
    let site = tempfile::tempdir().unwrap();
    // Every generated record has a footnote: more than a thousand results.
    generate_archive(site.path(), 1_050, "Numbers");
    let config = std::fs::read_to_string(site.path().join("accord.yaml")).unwrap();
    write(
        site.path(),
        "accord.yaml",
        config
            .replace("language: en", "languages: [en, ja]")
            .as_bytes(),
    );
    build_ok(site.path());
    let v = scenario(&node, &chromium, site.path(), "numbers");
    for (root, lang, label) in [
        ("/archive/", "en", "records match"),
        ("/archive/ja/", "ja", "件"),
    ] {
        let page = &v["editions"][root]["page"];
        assert_eq!(page["lang"], lang, "{page}");
        assert_eq!(page["count"], 1_050, "{page}");
        assert_eq!(page["formatted"], "1,050", "{page}");
        let text = page["text"].as_str().unwrap();
        assert!(
            text.contains("1,050") && text.contains(label),
            "{root}: {text}"
        );
        let panel = &v["editions"][root]["panel"];
        assert_eq!(panel["statusCount"], "1050", "{panel}");
        let text = panel["status"].as_str().unwrap();
        assert!(
            text.contains("1,050") && text.contains(label),
            "{root}: {text}"
        );
        let all = v["editions"][root]["all"].as_str().unwrap();
        assert!(all.contains("1,050"), "{root}: {all}");
        // The results link to the edition's pages.
        assert!(
            panel["links"]
                .as_array()
                .unwrap()
                .iter()
                .all(|l| l.as_str().unwrap().starts_with(root)),
            "{panel}"
        );
    }
}
