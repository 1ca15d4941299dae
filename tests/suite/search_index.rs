//! The search index: what the build writes under `search/`, how the Rust reader answers
//! (matching, BM25 ordering, the adjacency bonus, facets), shards being sorted and
//! bounded, determinism, and the browser's engine answering exactly like the reader.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use crate::support::*;
use accord::search::{self, Filters, Reader};

/// A reader over the index a build wrote into `root/output`.
fn reader(root: &Path) -> Reader<impl Fn(&str) -> Option<Vec<u8>>> {
    let out = root.join("output");
    Reader::open(move |p: &str| std::fs::read(out.join(p)).ok()).unwrap()
}

/// What a record's result shows: its item in its record pack.
fn meta_of(root: &Path, doc: u32) -> serde_json::Value {
    let (path, at) = reader(root).manifest.record_file(doc as usize);
    let pack = std::fs::read(root.join("output").join(path)).unwrap();
    serde_json::from_slice(search::pack_item(&pack, at).unwrap()).unwrap()
}

/// The field `key` of the metadata of a record.
fn meta(root: &Path, doc: u32, key: &str) -> String {
    meta_of(root, doc)[key]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Titles of the hits of a query, best first.
fn titles(root: &Path, q: &str, filters: &Filters) -> Vec<String> {
    let r = reader(root).search(q, filters).unwrap();
    r.hits.iter().map(|&(d, _)| meta(root, d, "t")).collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Writes a small site: `accord.yaml`, a registry and the given records.
fn write_site(dir: &Path, cities: &str, records: &[(&str, &str)]) {
    std::fs::write(
        dir.join("accord.yaml"),
        "title: t\nbase_url: https://example.org/\nlanguage: en\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("data/cities.yaml"), cities).unwrap();
    for (path, text) in records {
        let p = dir.join("content").join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

const CITIES: &str = "seoul:\n  name: {ko: 서울, en: Seoul}\n  country: KR\nzebra:\n  name: {en: Zebra}\n  country: KR\n";

fn record(title: &str, cities: &str, body: &str) -> String {
    format!("---\ntitle: {title}\ndate: 2020\ncities: [{cities}]\n---\n{body}\n")
}

#[test]
fn the_build_writes_the_index_beside_the_search_page() {
    let site = fixture("search");
    let report = build_ok(site.path());
    let out = site.path().join("output");
    for f in [
        "search/index.html",
        "search/manifest.bin",
        "search/cities.bin",
        "search/s/0.bin",
        "search/c/beijing.bin",
        "search/c/ulaanbaatar.bin",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    // One metadata file per record, and nothing from drafts or pages.
    let r = reader(site.path());
    assert_eq!(r.manifest.docs, report.records);
    let urls: HashSet<String> = (0..report.records as u32)
        .map(|d| meta(site.path(), d, "u"))
        .collect();
    assert_eq!(urls.len(), 6);
    assert!(urls.contains("/archive/programs/air-quality/"), "{urls:?}");
    let per_file = r.manifest.records_per_file;
    let (after_last, _) = r
        .manifest
        .record_file(report.records.next_multiple_of(per_file));
    assert!(!out.join(after_last).exists());
    // The metadata carries what a result shows, with `<` escaped.
    let doc = (0..6)
        .find(|&d| meta(site.path(), d, "u") == "/archive/programs/air-quality/")
        .unwrap();
    let v = meta_of(site.path(), doc);
    assert_eq!(v["t"], "동북아 대기질개선 협력사업");
    assert_eq!(v["k"], "program");
    assert_eq!(v["d"], "2014");
    assert_eq!(v["e"], "2018-06");
    assert_eq!(
        v["c"],
        serde_json::json!([["seoul", "서울"], ["beijing", "베이징"]])
    );
    assert!(v["s"].as_str().unwrap().contains("대기질개선"));
    // `check` builds the index too, and writes nothing.
    let mut opts = options(site.path());
    opts.write = false;
    opts.output = Some(site.path().join("never"));
    accord::build(&opts).unwrap();
    assert!(!site.path().join("never").exists());
}

#[test]
fn the_theme_scripts_are_served_minified_and_the_site_own_as_written() {
    let site = fixture("search");
    std::fs::create_dir_all(site.path().join("static")).unwrap();
    // A script the minifier does not read (a template literal) is served as it is.
    let own = "// The site's own.\nconst hello = (n) => `Hello ${n}`;\n";
    std::fs::write(site.path().join("static/own.js"), own).unwrap();
    build_ok(site.path());
    let theme = repo().join("themes/default/static");
    for name in SEARCH_SCRIPTS.into_iter().chain(["search-ui.js"]) {
        let source = std::fs::read_to_string(theme.join(name)).unwrap();
        let served = read(site.path(), name);
        assert_eq!(
            served,
            accord::minify::javascript(&source).unwrap(),
            "{name}"
        );
        assert!(
            served.len() < source.len() * 3 / 4,
            "{name}: {}",
            served.len()
        );
        assert!(!served.contains("\n  "), "{name} keeps its indentation");
    }
    assert_eq!(read(site.path(), "own.js"), own);
}

#[test]
fn korean_infixes_prefixes_and_other_scripts_match() {
    let site = fixture("search");
    build_ok(site.path());
    let none = Filters::default();
    let root = site.path();
    // 질개선 inside 대기질개선; 대기오 the start of 대기오염.
    assert_eq!(
        titles(root, "질개선", &none),
        ["동북아 대기질개선 협력사업"]
    );
    assert_eq!(
        sorted(titles(root, "대기오", &none)),
        ["요코하마 자원순환 시설 견학", "울란바토르 대기환경 포럼"]
    );
    assert_eq!(
        titles(root, "大気汚染", &none),
        ["北九州市環境協力セミナー"]
    );
    assert_eq!(
        titles(root, "空气质量", &none),
        ["北京市空气质量改善合作项目"]
    );
    assert_eq!(
        titles(root, "aIr QUALITY", &none),
        ["Study Visit on Air Quality Monitoring"]
    );
    // A decomposed (NFD) query and full-width Latin find the same.
    let nfd: String = "\u{110c}\u{1175}\u{11af}\u{1100}\u{1162}\u{1109}\u{1165}\u{11ab}".into();
    assert_eq!(titles(root, &nfd, &none), ["동북아 대기질개선 협력사업"]);
    assert_eq!(
        titles(root, "ＭＯＮＩＴＯＲＩＮＧ", &none),
        ["Study Visit on Air Quality Monitoring"]
    );
    // Every token is required.
    assert!(titles(root, "대기질개선 요코하마", &none).is_empty());
    assert!(titles(root, "존재하지않는말", &none).is_empty());
    // One character alone matches the bigrams it starts.
    assert_eq!(
        sorted(titles(root, "横", &none)),
        ["요코하마 자원순환 시설 견학"],
        "横浜 is a name of the city of this trip"
    );
}

#[test]
fn every_name_of_a_city_finds_its_records() {
    let site = fixture("search");
    build_ok(site.path());
    let none = Filters::default();
    let beijing = sorted(vec![
        "동북아 대기질개선 협력사업".to_string(),
        "北京市空气质量改善合作项目".to_string(),
        "Study Visit on Air Quality Monitoring".to_string(),
    ]);
    // The Korean record writes 베이징, the Chinese 北京市, the English Beijing.
    for name in ["北京", "베이징", "Beijing", "북경", "北京市"] {
        assert_eq!(sorted(titles(site.path(), name, &none)), beijing, "{name}");
    }
}

#[test]
fn filters_narrow_the_hits_and_facets_count_without_their_own_filter() {
    let site = fixture("search");
    build_ok(site.path());
    let r = reader(site.path());
    let by_city = Filters {
        city: Some("beijing".into()),
        ..Filters::default()
    };
    let res = r.search("서울", &by_city).unwrap();
    assert_eq!(res.hits.len(), 3);
    // The same from the city's own file, without the table of every record's cities.
    let light = r.search_with("서울", &by_city, false).unwrap();
    assert_eq!(light.hits, res.hits);
    assert!(light.fetched.contains(&"search/c/beijing.bin".to_string()));
    assert!(!light.fetched.contains(&search::CITIES.to_string()));
    assert!(!light.facets.contains_key("city"));
    let city = &res.facets["city"];
    assert_eq!(city["seoul"], 5, "{city:?}");
    assert_eq!(city["beijing"], 3);
    assert_eq!(city["yokohama"], 1);
    assert_eq!(res.facets["kind"]["program"], 2);
    assert_eq!(res.facets["kind"]["trip"], 1);
    assert!(!res.facets["kind"].contains_key("workshop"));

    let in_2016 = Filters {
        year: Some(2016),
        ..Filters::default()
    };
    assert_eq!(
        sorted(titles(site.path(), "서울", &in_2016)),
        [
            "北京市空气质量改善合作项目",
            "동북아 대기질개선 협력사업",
            "요코하마 자원순환 시설 견학"
        ]
    );
    let res = r.search("서울", &in_2016).unwrap();
    // A program of 2014–2018 counts in each of its years.
    assert_eq!(res.facets["year"]["2015"], 1);
    assert_eq!(res.facets["year"]["2017"], 3);
    assert_eq!(res.facets["year"]["2019"], 1);
    let both = Filters {
        kind: Some("trip".into()),
        lang: Some("en".into()),
        ..Filters::default()
    };
    assert_eq!(
        titles(site.path(), "서울", &both),
        ["Study Visit on Air Quality Monitoring"]
    );
    // Filters alone list every record that passes them.
    let ja = Filters {
        lang: Some("ja".into()),
        ..Filters::default()
    };
    assert_eq!(titles(site.path(), "", &ja), ["北九州市環境協力セミナー"]);
    assert!(titles(site.path(), "", &Filters::default()).is_empty());
}

#[test]
fn title_ranks_above_cities_above_body() {
    let tmp = tempfile::tempdir().unwrap();
    let body = "A study of road markings in the city centre.";
    write_site(
        tmp.path(),
        CITIES,
        &[
            ("trips/a.md", &record("Zebra crossing study", "Seoul", body)),
            ("trips/b.md", &record("Crossing study", "Zebra", body)),
            (
                "trips/c.md",
                &record(
                    "Crossing study",
                    "Seoul",
                    "A study of zebra markings in the city centre.",
                ),
            ),
        ],
    );
    build_ok(tmp.path());
    let res = reader(tmp.path())
        .search("zebra", &Filters::default())
        .unwrap();
    let order: Vec<String> = res
        .hits
        .iter()
        .map(|&(d, _)| meta(tmp.path(), d, "u"))
        .collect();
    assert_eq!(order, ["/trips/a/", "/trips/b/", "/trips/c/"]);
    assert!(res.hits[0].1 > res.hits[1].1 && res.hits[1].1 > res.hits[2].1);
}

#[test]
fn more_occurrences_and_shorter_texts_rank_higher() {
    let tmp = tempfile::tempdir().unwrap();
    write_site(
        tmp.path(),
        CITIES,
        &[
            (
                "trips/once.md",
                &record("Report", "Seoul", "quagga and some other words to pad it"),
            ),
            (
                "trips/thrice.md",
                &record("Report", "Seoul", "quagga quagga quagga and other words"),
            ),
            ("trips/short.md", &record("Report", "Seoul", "okapi seen.")),
            (
                "trips/long.md",
                &record(
                    "Report",
                    "Seoul",
                    "okapi seen in a much longer body with many more words that go on and on \
                     about other things entirely, at great length and in detail.",
                ),
            ),
        ],
    );
    build_ok(tmp.path());
    let r = reader(tmp.path());
    let urls = |q: &str| -> Vec<String> {
        r.search(q, &Filters::default())
            .unwrap()
            .hits
            .iter()
            .map(|&(d, _)| meta(tmp.path(), d, "u"))
            .collect()
    };
    assert_eq!(urls("quagga"), ["/trips/thrice/", "/trips/once/"]);
    assert_eq!(urls("okapi"), ["/trips/short/", "/trips/long/"]);
    // A rarer word weighs more: `seen` is in two records, `okapi` too, `quagga` in two;
    // `report` is in all four and adds little (apart from the step of a title hit:
    // `report` is the title of all four).
    let rare = r.search("okapi", &Filters::default()).unwrap().hits[0].1;
    let common = r.search("report", &Filters::default()).unwrap().hits[0].1 % (1 << 32);
    assert!(rare > common, "{rare} vs {common}");
}

/// A record dated `date`, in Seoul, with a title and a body.
fn dated(title: &str, date: &str, body: &str) -> String {
    format!("---\ntitle: {title}\ndate: {date}\ncities: [Seoul]\n---\n{body}\n")
}

#[test]
fn a_title_hit_beats_any_number_of_body_hits() {
    let tmp = tempfile::tempdir().unwrap();
    let many = "quagga ".repeat(12);
    write_site(
        tmp.path(),
        CITIES,
        &[
            ("trips/a.md", &record("Report", "Seoul", &many)),
            ("trips/b.md", &record("Quagga", "Seoul", "A short note.")),
            ("trips/c.md", &record("Quagga and okapi", "Seoul", "okapi")),
            (
                "trips/d.md",
                &record("Okapi", "Seoul", &format!("{many} okapi")),
            ),
        ],
    );
    build_ok(tmp.path());
    let r = reader(tmp.path());
    let urls = |q: &str| -> Vec<String> {
        (r.search(q, &Filters::default()).unwrap().hits.iter())
            .map(|&(d, _)| meta(tmp.path(), d, "u"))
            .collect()
    };
    assert_eq!(urls("quagga")[..2], ["/trips/b/", "/trips/c/"]);
    // Every token in the title first, then one of them.
    assert_eq!(urls("quagga okapi"), ["/trips/c/", "/trips/d/"]);
}

#[test]
fn ties_go_to_the_newer_record_then_the_index_order_never_the_file_name() {
    let tmp = tempfile::tempdir().unwrap();
    let body = "Notes on the okapi.";
    write_site(
        tmp.path(),
        CITIES,
        &[
            ("trips/a.md", &dated("Visit", "2012", body)),
            ("trips/b.md", &dated("Visit", "2019", body)),
            ("trips/c.md", &dated("Visit", "2015", body)),
            ("trips/d.md", &dated("Okapi visit", "2010", "Notes.")),
        ],
    );
    build_ok(tmp.path());
    let r = reader(tmp.path());
    let urls = |filters: &Filters| -> Vec<String> {
        (r.search("okapi", filters).unwrap().hits.iter())
            .map(|&(d, _)| meta(tmp.path(), d, "u"))
            .collect()
    };
    let relevant = urls(&Filters::default());
    assert_eq!(
        relevant,
        ["/trips/d/", "/trips/b/", "/trips/c/", "/trips/a/"]
    );
    let newest = Filters {
        newest: true,
        ..Filters::default()
    };
    assert_eq!(
        urls(&newest),
        ["/trips/b/", "/trips/c/", "/trips/a/", "/trips/d/"]
    );
}

#[test]
fn impacts_are_quantised_per_term_so_scores_spread() {
    // A common term in records of many lengths: on one scale for the whole index its
    // impacts would fall into a few values; on its own scale they spread.
    let tmp = tempfile::tempdir().unwrap();
    let files: Vec<(String, String)> = (1..=40)
        .map(|i| {
            let body = format!("okapi {}", "word ".repeat(i * 3));
            (format!("trips/t{i}.md"), record("Report", "Seoul", &body))
        })
        .chain([(
            "trips/rare.md".to_string(),
            record("Quagga quagga", "Seoul", &"quagga ".repeat(20)),
        )])
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    write_site(tmp.path(), CITIES, &refs);
    build_ok(tmp.path());
    let hits = reader(tmp.path())
        .search("okapi", &Filters::default())
        .unwrap()
        .hits;
    let distinct: HashSet<u64> = hits.iter().map(|h| h.1).collect();
    assert_eq!(hits.len(), 40);
    assert!(distinct.len() >= 30, "{} distinct scores", distinct.len());
}

#[test]
fn one_cjk_character_is_found_at_the_end_of_a_run_too() {
    let tmp = tempfile::tempdir().unwrap();
    write_site(
        tmp.path(),
        CITIES,
        &[
            ("trips/a.md", &record("低碳", "Seoul", "城市")),
            ("trips/b.md", &record("碳排放", "Seoul", "城市")),
            ("trips/c.md", &record("城市", "Seoul", "推进低碳。")),
            ("trips/d.md", &record("城市", "Seoul", "排放")),
        ],
    );
    build_ok(tmp.path());
    let found = titles(tmp.path(), "碳", &Filters::default());
    assert_eq!(sorted(found), ["低碳", "城市", "碳排放"]);
    // One term: the download does not grow with the bigrams the character starts.
    let r = reader(tmp.path())
        .search("碳", &Filters::default())
        .unwrap();
    // One shard: its two offsets in its pack, then its bytes.
    assert_eq!(r.fetched.iter().filter(|p| p.contains("/s/")).count(), 2);
}

#[test]
fn a_cjk_run_of_three_or_more_characters_matches_only_as_a_phrase() {
    let tmp = tempfile::tempdir().unwrap();
    write_site(
        tmp.path(),
        CITIES,
        &[
            ("trips/a.md", &record("기관리 방안", "Seoul", "본문")),
            (
                "trips/b.md",
                &record("기관 관리", "Seoul", "관리기관의 업무"),
            ),
            (
                "trips/c.md",
                &record("보고", "Seoul", "공공기관리더 회의, 기관 관리"),
            ),
            (
                "trips/d.md",
                &record("미세먼지 저감", "Seoul", "먼지저감 장치"),
            ),
            ("trips/e.md", &record("먼지 저감", "Seoul", "미세먼지저감")),
            ("trips/f.md", &record("저감", "Seoul", "먼지와 지저분한 감")),
            // `먼지저` and `지저감` apart, never `먼지저감`: every three characters
            // of the run are there, the run is not.
            ("trips/g.md", &record("따로", "Seoul", "미세먼지저, 지저감")),
            // `대기환경` and `기환경청` apart, never `대기환경청`: every four.
            ("trips/h.md", &record("넷씩", "Seoul", "대기환경 기환경청")),
            ("trips/i.md", &record("대기환경청 소식", "Seoul", "본문")),
        ],
    );
    build_ok(tmp.path());
    let r = reader(tmp.path());
    let found = |q: &str| sorted(titles(tmp.path(), q, &Filters::default()));
    // `기관` and `관리` are in a, b and c, but follow each other only in a and c.
    assert_eq!(found("기관리"), ["기관리 방안", "보고"]);
    assert_eq!(found("먼지저감"), ["먼지 저감", "미세먼지 저감"]);
    assert_eq!(found("대기환경청"), ["대기환경청 소식"]);
    assert_eq!(found("미세먼지저감"), ["먼지 저감"]);
    // The count and the facets too; the positions are read for runs of 4 or more.
    let res = r.search("먼지저감", &Filters::default()).unwrap();
    assert_eq!((res.total, res.facets["kind"]["trip"]), (2, 2));
    assert!(res.fetched.iter().any(|p| p.contains("/o/")));
    let res = r.search("대기환경청", &Filters::default()).unwrap();
    assert_eq!((res.total, res.facets["kind"]["trip"]), (1, 1));
    // Counts and facets count the same records.
    let res = r.search("기관리", &Filters::default()).unwrap();
    assert_eq!(res.facets["kind"]["trip"], 2);
    // Two characters, one bigram: no phrase to check, no followers or preceders read.
    assert_eq!(found("기관").len(), 3);
    let res = r.search("기관", &Filters::default()).unwrap();
    assert!(
        res.fetched
            .iter()
            .all(|p| !p.contains("/f/") && !p.contains("/b/"))
    );
    // Three characters: the followers decide, no positions read.
    let res = r.search("기관리", &Filters::default()).unwrap();
    assert!(res.fetched.iter().all(|p| !p.contains("/o/")));
    // The browser's engine counts the same records.
    let Some(node) = require_tool(Tool::Node) else {
        return;
    };
    let queries = ["먼지저감", "대기환경청", "미세먼지저감", "기관리"];
    let answers = engine_agrees(&node, tmp.path(), &r, &queries);
    let totals: Vec<&serde_json::Value> = answers.iter().map(|a| &a["total"]).collect();
    assert_eq!(totals, [2, 1, 1, 2]);
}

/// The answers of the browser's engine to `queries` (no filter, no counts by city)
/// on the site built in `root`, checked against the Rust reader's: the same total,
/// hits, counts by kind and parts of the engine.
fn engine_agrees<F: Fn(&str) -> Option<Vec<u8>>>(
    node: &Path,
    root: &Path,
    r: &Reader<F>,
    queries: &[&str],
) -> Vec<serde_json::Value> {
    let spec: Vec<serde_json::Value> = (queries.iter())
        .map(|q| serde_json::json!({"q": q, "cities": false, "want": null, "filters": {}}))
        .collect();
    let answers = engine_answers(node, &root.join("output"), &spec);
    for (q, js) in queries.iter().zip(&answers) {
        let rust = r.search_with(q, &Filters::default(), false).unwrap();
        assert_eq!(js["total"], rust.total, "{q}");
        assert_eq!(js["hits"], serde_json::json!(rust.hits), "{q}");
        let kinds = serde_json::json!(rust.facets["kind"]);
        assert_eq!(js["facets"]["kind"], kinds, "{q}");
        assert_eq!(js["parts"], serde_json::json!(rust.parts), "{q}");
    }
    answers
}

fn organized(title: &str, organizers: &str, body: &str) -> String {
    format!(
        "---\ntitle: {title}\ndate: 2020\ncities: [Seoul]\norganizers: [{organizers}]\n---\n{body}\n"
    )
}

#[test]
fn a_named_cjk_run_is_one_phrase_term_held_by_exactly_the_records_that_hold_it() {
    let tmp = tempfile::tempdir().unwrap();
    write_site(
        tmp.path(),
        CITIES,
        &[
            // `서울시` and `교통정책과` are named: each is a phrase term.
            ("trips/a.md", &organized("가", "서울시 교통정책과", "본문")),
            // Held whole in the body, and inside a longer run.
            (
                "trips/b.md",
                &record("나", "Seoul", "서울시 교통정책과의 보고"),
            ),
            (
                "trips/c.md",
                &record("다", "Seoul", "전서울시교통정책과장 회의"),
            ),
            // Every bigram, never the run: not a match.
            (
                "trips/d.md",
                &record("라", "Seoul", "교통정책 정책과 서울 울시"),
            ),
            // In the title: the title bit of the phrase term.
            ("trips/e.md", &record("교통정책과 소식", "Seoul", "본문")),
        ],
    );
    build_ok(tmp.path());
    let r = reader(tmp.path());
    let found = |q: &str| sorted(titles(tmp.path(), q, &Filters::default()));
    assert_eq!(found("교통정책과"), ["가", "교통정책과 소식", "나", "다"]);
    assert_eq!(found("서울시 교통정책과"), ["가", "나", "다"]);
    // One term each: neither followers, preceders nor positions are read.
    for q in ["교통정책과", "서울시 교통정책과"] {
        let res = r.search(q, &Filters::default()).unwrap();
        assert!(
            (res.fetched.iter())
                .all(|p| !p.contains("/o/") && !p.contains("/f/") && !p.contains("/b/")),
            "{q}: {:?}",
            res.fetched
        );
        assert!(res.parts.is_empty(), "{q}");
    }
    // The title hit comes first.
    let res = r.search("교통정책과", &Filters::default()).unwrap();
    assert_eq!(meta(tmp.path(), res.hits[0].0, "t"), "교통정책과 소식");
    // A run nobody names is checked through its bigrams, as before.
    assert_eq!(found("통정책과"), ["가", "교통정책과 소식", "나", "다"]);
    let res = r.search("통정책과", &Filters::default()).unwrap();
    assert!(res.fetched.iter().any(|p| p.contains("/o/")));
    // The browser's engine reads the phrase terms too, with the same answers.
    let Some(node) = require_tool(Tool::Node) else {
        return;
    };
    let queries = ["교통정책과", "서울시 교통정책과", "통정책과", "서울시"];
    engine_agrees(&node, tmp.path(), &r, &queries);
}

#[test]
fn a_city_named_in_the_text_is_found_by_every_name_it_has() {
    let tmp = tempfile::tempdir().unwrap();
    let cities = "seoul:\n  name: {ko: 서울, en: Seoul, zh: 首尔, ja: ソウル}\n  aliases: [한양]\n  country: KR\n\
                  zebra:\n  name: {en: Zebra}\n  country: KR\n";
    write_site(
        tmp.path(),
        cities,
        &[
            (
                "trips/a.md",
                &record("방문", "Zebra", "서울특별시와 협의했다."),
            ),
            ("trips/b.md", &record("访问", "Zebra", "与首尔市交流。")),
            (
                "trips/c.md",
                &record("Visit", "Zebra", "Talks in Seoul, then home."),
            ),
            ("trips/d.md", &record("訪問", "Zebra", "ソウルで会議")),
            (
                "trips/e.md",
                &record("Visit", "Zebra", "The Seoulite cafe."),
            ),
            ("trips/f.md", &record("Home", "Seoul", "Nothing else.")),
        ],
    );
    build_ok(tmp.path());
    let found = |q: &str| sorted(titles(tmp.path(), q, &Filters::default()));
    let all = found("서울");
    assert_eq!(all, ["Home", "Visit", "訪問", "访问", "방문"]);
    for q in ["首尔", "Seoul", "ソウル", "한양", "SEOUL"] {
        assert_eq!(found(q), all, "{q}");
    }
    // The city field weighs more than a mention (no text says `한양`).
    let by_name = titles(tmp.path(), "한양", &Filters::default());
    assert_eq!(by_name[0], "Home");
}

#[test]
fn while_typing_the_last_word_is_a_prefix() {
    let tmp = tempfile::tempdir().unwrap();
    write_site(
        tmp.path(),
        CITIES,
        &[
            (
                "trips/a.md",
                &record("Cooperation", "Seoul", "Air quality."),
            ),
            ("trips/b.md", &record("Cooperative study", "Seoul", "Air.")),
            ("trips/c.md", &record("Coop", "Seoul", "Water.")),
            ("trips/d.md", &record("Report", "Seoul", "Nothing.")),
        ],
    );
    build_ok(tmp.path());
    let typing = Filters {
        typing: true,
        ..Filters::default()
    };
    let found = |q: &str, f: &Filters| sorted(titles(tmp.path(), q, f));
    assert_eq!(
        found("coop", &typing),
        ["Coop", "Cooperation", "Cooperative study"]
    );
    assert_eq!(found("coop", &Filters::default()), ["Coop"]);
    // Only the last word, and not after a space or under three letters.
    assert_eq!(
        found("air coop", &typing),
        ["Cooperation", "Cooperative study"]
    );
    assert!(found("coop air", &typing).is_empty());
    assert_eq!(found("coop ", &typing), ["Coop"]);
    assert!(found("co", &typing).is_empty());
}

#[test]
fn english_words_match_by_their_stem() {
    let tmp = tempfile::tempdir().unwrap();
    write_site(
        tmp.path(),
        CITIES,
        &[
            ("trips/a.md", &record("Recycling", "Seoul", "Plastics.")),
            (
                "trips/b.md",
                &record("Paper", "Seoul", "We recycled paper."),
            ),
            ("trips/c.md", &record("Recycle bins", "Seoul", "Glass.")),
            ("trips/d.md", &record("Bottles", "Seoul", "Recyclable? No.")),
            ("trips/e.md", &record("Cycles", "Seoul", "Bicycles.")),
            ("trips/f.md", &record("Environment", "Seoul", "Bureau.")),
            ("trips/g.md", &record("Environmental", "Seoul", "Policy.")),
        ],
    );
    build_ok(tmp.path());
    let found = |q: &str, f: &Filters| sorted(titles(tmp.path(), q, f));
    // `recyclable` has the same stem, `recycl`; `cycles` and `bicycles` do not.
    let all = ["Bottles", "Paper", "Recycle bins", "Recycling"];
    for q in ["recycle", "RECYCLING", "recycled", "recycles", "recyclable"] {
        assert_eq!(found(q, &Filters::default()), all, "{q}");
    }
    assert_eq!(found("cycle", &Filters::default()), ["Cycles"]);
    // `environmental` stems to `environment`, the word `environment` to `environ`:
    // the word as written is kept apart from the stem of another word.
    assert_eq!(
        found("environmental", &Filters::default()),
        ["Environmental"]
    );
    assert_eq!(found("environments", &Filters::default()), ["Environment"]);
    // While typing, a word matches the words it starts, as written or as stems.
    let typing = Filters {
        typing: true,
        ..Filters::default()
    };
    assert_eq!(found("recyclin", &typing), ["Recycling"]);
    assert_eq!(found("recycling", &typing), all);
    // A title with the word in another form still comes first.
    let first = titles(tmp.path(), "recycled", &Filters::default());
    assert!(first[0].starts_with("Recycl"), "{first:?}");
}

#[test]
fn a_word_the_index_lacks_matches_its_nearest_words_and_is_suggested() {
    let tmp = tempfile::tempdir().unwrap();
    write_site(
        tmp.path(),
        CITIES,
        &[
            (
                "trips/a.md",
                &record("Monitoring air", "Seoul", "Stations."),
            ),
            (
                "trips/b.md",
                &record("Report", "Seoul", "Monitors and air."),
            ),
            ("trips/c.md", &record("Cooperation", "Seoul", "Water.")),
        ],
    );
    build_ok(tmp.path());
    let r = reader(tmp.path());
    let ask = |q: &str| r.search(q, &Filters::default()).unwrap();
    let dictionary = |res: &search::Results| {
        (res.fetched.iter())
            .filter(|p| p.starts_with("search/w/"))
            .count()
    };
    // An exact query reads no dictionary file and suggests nothing.
    let exact = ask("monitoring air");
    assert_eq!((exact.hits.len(), dictionary(&exact)), (2, 0));
    assert_eq!(exact.suggestion, None);
    // One edit (a swap) in a word of 4 to 7 letters, two from 8 letters.
    let swapped = ask("cooperatoin");
    assert_eq!(swapped.hits.len(), 1);
    assert_eq!(swapped.suggestion.as_deref(), Some("cooperation"));
    assert!(dictionary(&swapped) > 0);
    assert_eq!(ask("Coprtion").hits.len(), 0);
    let typo = ask("Monitorng AIR");
    assert_eq!(typo.hits.len(), 2);
    assert_eq!(typo.suggestion.as_deref(), Some("monitoring air"));
    // A word of 3 letters is suggested, not matched.
    let short = ask("aer");
    assert!(short.hits.is_empty());
    assert_eq!(short.suggestion.as_deref(), Some("air"));
    // Nothing near: no suggestion.
    assert_eq!(ask("zzzzqqq").suggestion, None);
}

#[test]
fn a_korean_query_without_results_is_offered_the_nearest_hangul_word() {
    let tmp = tempfile::tempdir().unwrap();
    let ko = |title: &str, body: &str| {
        format!("---\ntitle: {title}\ndate: 2020\ncities: [Seoul]\nlang: ko\n---\n{body}\n")
    };
    write_site(
        tmp.path(),
        CITIES,
        &[
            (
                "trips/a.md",
                &ko("도시 협력", "대기오염을 줄이는 교육에 협력했다."),
            ),
            ("trips/b.md", &ko("협력 사업", "대기오염 측정과 환경교육.")),
            ("trips/c.md", &ko("협약", "대기오염의 교육 사례와 협약.")),
            ("trips/d.md", &ko("협약 회의", "기후 협약을 논의했다.")),
            // A word of one record only is not in the dictionary.
            ("trips/e.md", &ko("드문말", "한 번만 나온다. 협약.")),
        ],
    );
    build_ok(tmp.path());
    let r = reader(tmp.path());
    let ask = |q: &str| r.search(q, &Filters::default()).unwrap();
    let dictionary = |res: &search::Results| -> Vec<String> {
        (res.fetched.iter())
            .filter(|p| p.starts_with(search::HANGUL))
            .cloned()
            .collect()
    };
    // A query with results reads nothing of the dictionary and suggests nothing.
    let exact = ask("협력");
    assert_eq!((exact.hits.len(), exact.suggestion.as_deref()), (2, None));
    assert!(dictionary(&exact).is_empty());
    // A vowel, an initial, a missing final consonant: one jamo edit each.
    for (typo, meant) in [
        ("헙력", "협력"),
        ("교휵", "교육"),
        ("협려", "협력"),
        ("대기오엄", "대기오염"),
    ] {
        let res = ask(typo);
        assert!(res.hits.is_empty(), "{typo}");
        assert_eq!(res.suggestion.as_deref(), Some(meant), "{typo}");
        // The number of buckets, then up to three of them (offsets and bucket each).
        let read = dictionary(&res);
        assert!([3, 5, 7].contains(&read.len()), "{typo}: {read:?}");
        assert_eq!(read[0], format!("{}#0-4", search::HANGUL));
    }
    // The particle is kept; a word of the query the archive has is kept as it is.
    let res = ask("교휵을 협약");
    assert_eq!(res.suggestion.as_deref(), Some("교육을 협약"));
    // Two words one edit away (협력, 2 records, and 협약, 3): the one of more records.
    assert_eq!(ask("협략").suggestion.as_deref(), Some("협약"));
    // On the normalised query, the words without a fix as they are.
    assert_eq!(ask("Zyx 헙력").suggestion.as_deref(), Some("zyx 협력"));
    // Nothing near, a word of one record, a word of one syllable: no suggestion.
    assert_eq!(ask("뷁뛣").suggestion, None);
    assert_eq!(ask("드문맘").suggestion, None);
    assert_eq!(ask("헙").suggestion, None);
}

#[test]
fn query_tokens_adjacent_in_the_record_get_a_bonus() {
    let tmp = tempfile::tempdir().unwrap();
    // The same bigrams the same number of times; only in the first do 질개 and 개선
    // follow each other (in the second, a space separates the runs).
    write_site(
        tmp.path(),
        CITIES,
        &[
            ("trips/joined.md", &record("Report", "Seoul", "가질개선")),
            ("trips/apart.md", &record("Report", "Seoul", "가질개 개선")),
            (
                "trips/phrase.md",
                &record("Report", "Seoul", "air quality data"),
            ),
            (
                "trips/words.md",
                &record("Report", "Seoul", "quality of air"),
            ),
        ],
    );
    build_ok(tmp.path());
    let r = reader(tmp.path());
    // A CJK run of three characters is a phrase: the bigrams apart do not match.
    let res = r.search("질개선", &Filters::default()).unwrap();
    let order: Vec<String> = res
        .hits
        .iter()
        .map(|&(d, _)| meta(tmp.path(), d, "u"))
        .collect();
    assert_eq!(order, ["/trips/joined/"]);
    // A query of one bigram each finds both, with the same score.
    for q in ["질개", "개선"] {
        let each = r.search(q, &Filters::default()).unwrap().hits;
        assert_eq!(each.len(), 2);
        assert_eq!(each[0].1, each[1].1, "{q}");
    }
    // Words are all required, not a phrase; adjacent ones rank higher.
    let res = r.search("air quality", &Filters::default()).unwrap();
    let order: Vec<String> = res
        .hits
        .iter()
        .map(|&(d, _)| meta(tmp.path(), d, "u"))
        .collect();
    assert_eq!(order, ["/trips/phrase/", "/trips/words/"]);
    assert!(res.hits[0].1 > res.hits[1].1);
}

// ------------------------------------------------------------ generated archives

const WORDS: [&[&str]; 4] = [
    &[
        "대기",
        "환경",
        "개선",
        "협력",
        "도시",
        "정책",
        "관리",
        "기후",
        "에너지",
        "교통",
        "재활용",
        "미세먼지",
        "사업",
        "연구",
        "대기질개선",
        "측정",
        "공유",
        "방문",
    ],
    &[
        "大気",
        "環境",
        "改善",
        "協力",
        "都市",
        "政策",
        "管理",
        "リサイクル",
        "エネルギー",
        "大気汚染",
        "対策",
        "について",
        "議論した",
    ],
    &[
        "空气", "质量", "环境", "合作", "城市", "政策", "监测", "数据", "共享",
    ],
    &[
        "air",
        "quality",
        "cooperation",
        "city",
        "policy",
        "energy",
        "transport",
        "recycling",
        "Monitoring",
        "data",
    ],
];
const LANGS: [&str; 4] = ["ko", "ja", "zh", "en"];
const NAMES: [&str; 6] = [
    "서울",
    "北京",
    "Yokohama",
    "北九州市",
    "상하이",
    "Ulaanbaatar",
];

/// A deterministic stream of numbers.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, m: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % m
    }

    fn sentence(&mut self, words: &[&str], sep: &str, len: usize) -> String {
        let mut out = String::new();
        for i in 0..len {
            if i > 0 {
                out.push_str(if self.below(3) == 0 { " " } else { sep });
            }
            out.push_str(words[self.below(words.len())]);
        }
        out
    }
}

/// A site of `n` records made of the words above, deterministic.
fn generated_site(n: usize) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let registry = std::fs::read_to_string(fixtures().join("search/data/cities.yaml")).unwrap();
    let mut rng = Lcg(7);
    let mut records = Vec::new();
    for i in 0..n {
        let lang = i % 4;
        let words = WORDS[lang];
        let sep = if lang == 3 { " " } else { "" };
        let title = rng.sentence(words, sep, 3);
        let paragraphs = 4 + rng.below(6);
        let body: Vec<String> = (0..paragraphs)
            .map(|_| {
                let len = 8 + rng.below(10);
                rng.sentence(words, sep, len)
            })
            .collect();
        let year = 2010 + rng.below(10);
        let end = if rng.below(2) == 0 {
            format!("end: {}\n", year + rng.below(4))
        } else {
            String::new()
        };
        let count = 1 + rng.below(3);
        let cities: Vec<&str> = (0..count).map(|_| NAMES[rng.below(NAMES.len())]).collect();
        let kind = ["programs", "trips", "workshops"][i % 3];
        let tag = words[rng.below(words.len())];
        records.push((
            format!("{kind}/r{i:04}.md"),
            format!(
                "---\ntitle: \"{title}\"\ndate: {year}\n{end}cities: [{}]\nlang: {}\ntags: [{tag}]\n---\n{}\n",
                cities.join(", "),
                LANGS[lang],
                body.join("\n\n")
            ),
        ));
    }
    let refs: Vec<(&str, &str)> = records
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    write_site(tmp.path(), &registry, &refs);
    tmp
}

/// The site model of `root`, as the pipeline builds it.
fn load_site(root: &Path) -> accord::site::Site {
    let config = accord::config::Config::load(root).unwrap();
    let registry = accord::registry::Registry::load(root).unwrap();
    let sources = accord::source::load(root);
    let mut records = Vec::new();
    for f in &sources.files {
        let (record, diags) = accord::content::parse(f, &registry, &config);
        assert!(
            !diags.iter().any(accord::diag::Diagnostic::is_error),
            "{}",
            render_diags(&diags)
        );
        records.extend(record);
    }
    let all: HashSet<&Path> = sources.files.iter().map(|f| f.rel_path.as_path()).collect();
    let mut site = accord::site::Site::build(config, registry, records, &all).unwrap();
    site.connect(
        accord::organizations::Organizations::load(root).unwrap(),
        accord::topics::Topics::load(root).unwrap(),
    );
    site
}

#[test]
fn shards_are_sorted_ranges_of_bounded_size() {
    let tmp = generated_site(120);
    let site = load_site(tmp.path());
    let target = 1024;
    // Groups of 4 shards: the first key of each in the manifest, the others in the
    // group's key file.
    let sizes = search::Sizes {
        shard: target,
        blocks: target / search::BLOCK_FILES_PER_SHARD,
        keys_per_file: 4,
        ..search::Sizes::BUILD
    };
    let index = search::build_sized(&site, &sizes);
    let r = Reader::open(|p: &str| index.get(p).map(<[u8]>::to_vec)).unwrap();
    let m = &r.manifest;
    assert!(m.shards > 10, "only {} shards", m.shards);
    assert_eq!(m.top.len(), m.shards.div_ceil(4) - 1);
    let key_files = index
        .files
        .iter()
        .filter(|(p, _)| p.starts_with("search/k/"));
    assert_eq!(key_files.count(), m.shards.div_ceil(4));
    let separators = r.separators().unwrap();
    assert_eq!(separators.len(), m.shards - 1);
    // The same answers as with every key in one file, reading one key file per term.
    let one_group = search::build_sized(
        &site,
        &search::Sizes {
            keys_per_file: 1 << 20,
            ..sizes
        },
    );
    let whole = Reader::open(|p: &str| one_group.get(p).map(<[u8]>::to_vec)).unwrap();
    for q in ["대기", "air quality", "qual", "大気汚染"] {
        let typing = Filters {
            typing: true,
            ..Filters::default()
        };
        let (a, b) = (
            r.search(q, &typing).unwrap(),
            whole.search(q, &typing).unwrap(),
        );
        assert_eq!((a.hits, a.facets), (b.hits, b.facets), "{q}");
        let keys = a.fetched.iter().filter(|p| p.contains("/k/")).count();
        assert!(
            keys >= 1 && keys <= q.split(' ').count() + 1,
            "{q}: {:?}",
            a.fetched
        );
    }
    let mut all_terms: Vec<Vec<u8>> = Vec::new();
    for i in 0..m.shards {
        let (pack, at) = m.shard_file(i);
        let bytes = index.item(&pack, at).unwrap();
        let terms = search::parse_shard(bytes).unwrap();
        assert!(!terms.is_empty());
        assert!(
            bytes.len() <= target || terms.len() == 1,
            "shard {i}: {} bytes, {} terms",
            bytes.len(),
            terms.len()
        );
        // Each shard starts at its separator and ends before the next one.
        if i > 0 {
            assert!(separators[i - 1] <= terms[0].term);
            assert!(separators[i - 1] > *all_terms.last().unwrap());
        }
        for t in &terms {
            assert_eq!(
                r.shard_of(&t.term).unwrap(),
                i,
                "{}",
                String::from_utf8_lossy(&t.term)
            );
            // Postings: records ascending, impacts never zero.
            assert!(t.postings.windows(2).all(|w| w[0].0 < w[1].0));
            assert!(
                t.postings
                    .iter()
                    .all(|p| p.1 > 0 && (p.0 as usize) < m.docs)
            );
        }
        all_terms.extend(terms.into_iter().map(|t| t.term));
    }
    assert!(
        all_terms.windows(2).all(|w| w[0] < w[1]),
        "terms not sorted"
    );
    // The shards of each group of 4 share a pack.
    let packs = (index.files.iter()).filter(|(p, _)| p.starts_with("search/s/"));
    assert_eq!(packs.count(), m.shards.div_ceil(4));
    let (last, at) = m.shard_file(m.shards - 1);
    assert!(index.item(&last, at).is_some() && index.item(&last, at + 1).is_none());
    // The shards hold every token of every record: spot-check a title.
    let hits = r.search("quality", &Filters::default()).unwrap().hits;
    assert!(!hits.is_empty());
}

#[test]
fn a_head_is_the_first_hits_count_and_facets_of_the_complete_answer() {
    let tmp = generated_site(150);
    let site = load_site(tmp.path());
    // Heads of 12 hits for every term of more than 64 bytes of postings (about 20
    // records), postings packs of 4.
    let sizes = search::Sizes {
        keys_per_file: 4,
        head_hits: 12,
        head_from: 64,
        ..search::Sizes::BUILD
    };
    let index = search::build_sized(&site, &sizes);
    let r = Reader::open(|p: &str| index.get(p).map(<[u8]>::to_vec)).unwrap();
    let m = &r.manifest;
    let terms: Vec<search::Term> = (0..m.shards)
        .flat_map(|i| {
            let (pack, at) = m.shard_file(i);
            search::parse_shard(index.item(&pack, at).unwrap()).unwrap()
        })
        .collect();
    let mut checked = 0;
    for t in terms.iter().filter(|t| t.head.is_some()) {
        let head = t.head.as_ref().unwrap();
        let k = head.hits.len();
        assert!(t.postings.is_empty() && k == sizes.head_hits.min(t.df));
        // A query of the term alone: its one token is the term.
        let text = String::from_utf8(t.term.clone()).unwrap();
        let tokens = search::tokenize(&text);
        if tokens.len() != 1 || search::stem(&tokens[0]) != text {
            continue;
        }
        let complete = r.search_with(&text, &Filters::default(), false).unwrap();
        assert_eq!(complete.hits.len(), t.df);
        assert_eq!(complete.total, t.df);
        assert!(complete.fetched.iter().any(|p| p.starts_with("search/t/")));
        for want in [1, 10, k] {
            let first = r
                .first_page(&text, &Filters::default(), false, want)
                .unwrap();
            assert_eq!(first.hits, complete.hits[..k], "{text}");
            assert_eq!(first.total, t.df, "{text}");
            assert_eq!(first.facets, complete.facets, "{text}");
            assert!(first.fetched.iter().all(|p| !p.starts_with("search/t/")));
        }
        // Past the head, with a filter, newest first or counts by city: every posting.
        let kind = Filters {
            kind: Some(m.kinds[m.facts[complete.hits[0].0 as usize].2].clone()),
            ..Filters::default()
        };
        let newest = Filters {
            newest: true,
            ..Filters::default()
        };
        for (f, cities, want) in [
            (&Filters::default(), false, k + 1),
            (&kind, false, 10),
            (&newest, false, 10),
            (&Filters::default(), true, 10),
        ] {
            let first = r.first_page(&text, f, cities, want).unwrap();
            assert_eq!(first, r.search_with(&text, f, cities).unwrap(), "{text}");
            assert_eq!(first.total, first.hits.len());
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} terms with a head checked");
    // The postings of the terms with a head, in packs of 4, each read alone.
    let packs = (index.files.iter()).filter(|(p, _)| p.starts_with("search/t/"));
    let heads = terms.iter().filter(|t| t.head.is_some()).count();
    assert_eq!(packs.count(), heads.div_ceil(4));
    // A query of two terms, a prefix being typed, a term repeated: every posting.
    let typing = Filters {
        typing: true,
        ..Filters::default()
    };
    for (q, f) in [
        ("air quality", Filters::default()),
        ("qual", typing),
        ("air air", Filters::default()),
    ] {
        let first = r.first_page(q, &f, false, 10).unwrap();
        assert_eq!(first, r.search_with(q, &f, false).unwrap(), "{q}");
    }
}

/// Where a term's block of one kind is: `(file, place in the file)`.
type Place = fn(&search::Term) -> (usize, usize);

#[test]
fn followers_and_preceders_files_are_cut_finer_than_shards_and_shared_across_them() {
    let tmp = generated_site(120);
    let site = load_site(tmp.path());
    let target = 2048;
    let blocks_target = target / search::BLOCK_FILES_PER_SHARD;
    let index = search::build_with(&site, target);
    let r = Reader::open(|p: &str| index.get(p).map(<[u8]>::to_vec)).unwrap();
    let kinds: [(&str, Place); 2] = [("f", |t| t.followers), ("b", |t| t.preceders)];
    let m = &r.manifest;
    let shards: Vec<Vec<search::Term>> = (0..m.shards)
        .map(|i| {
            let (pack, at) = m.shard_file(i);
            search::parse_shard(index.item(&pack, at).unwrap()).unwrap()
        })
        .collect();
    let file = |dir: &str, j: usize| {
        let (pack, at) = m.blocks_file(dir, j);
        index.item(&pack, at)
    };
    for (dir, place) in kinds {
        let files = (0..).map_while(|j| file(dir, j)).count();
        // Every term's block is in one file, the files in the order of the terms,
        // from one shard to the next.
        let places: Vec<(usize, usize)> = shards.iter().flatten().map(place).collect();
        assert_eq!(places[0], (0, 0));
        for w in places.windows(2) {
            let (a, b) = (w[0], w[1]);
            assert!(
                b == (a.0, a.1 + 1) || b == (a.0 + 1, 0),
                "{dir}: {a:?} {b:?}"
            );
        }
        assert_eq!(places.last().unwrap().0 + 1, files);
        for j in 0..files {
            let bytes = file(dir, j).unwrap();
            let held = places.iter().filter(|p| p.0 == j).count();
            if held < 128 {
                assert_eq!(bytes[0] as usize, held, "{dir} {j}");
            }
            // A file passes the target only with one term that has a block.
            let blocks = search::parse_followers(bytes).unwrap();
            let filled = blocks.iter().filter(|b| !b.is_empty()).count();
            assert!(
                bytes.len() <= blocks_target + 4 || filled == 1 || j + 1 == files,
                "{dir} {j}: {} bytes",
                bytes.len()
            );
        }
        // Finer than the shards: some shards span several files; and the small
        // blocks of neighbouring shards share a file.
        let spans = |s: &Vec<search::Term>| place(&s[s.len() - 1]).0 - place(&s[0]).0;
        assert!(shards.iter().filter(|s| spans(s) > 0).count() > 3, "{dir}");
        let shared = (shards.windows(2))
            .filter(|w| place(w[0].last().unwrap()).0 == place(&w[1][0]).0)
            .count();
        assert!(
            shared > 3,
            "{dir}: only {shared} files shared by two shards"
        );
        // Files of a quarter of a shard's bytes: fewer than four per shard.
        assert!(
            files < shards.len() * search::BLOCK_FILES_PER_SHARD,
            "{dir}: {files} files for {} shards",
            shards.len()
        );
    }
    // A phrase of two bigrams checks its pair, reading one file (two ranges of its
    // pack: its offsets and its bytes); a run of 4 characters reads none (its
    // positions decide).
    let read_by = |q: &str| {
        let res = r.search(q, &Filters::default()).unwrap();
        assert!(!res.hits.is_empty(), "{q}");
        (res.fetched.iter())
            .filter(|p| p.contains("/f/") || p.contains("/b/"))
            .count()
    };
    assert_eq!(read_by("대기환"), 2);
    assert_eq!(read_by("대기환경"), 0);
    answers_as_one_file(&site, &r);
}

/// `r` (an index cut into many shards and files) answers as an index of one shard,
/// one followers file and one preceders file does, and reads both kinds of file.
fn answers_as_one_file<F: Fn(&str) -> Option<Vec<u8>>>(site: &accord::site::Site, r: &Reader<F>) {
    let whole = search::build_with(site, 1 << 24);
    for dir in ["f", "b"] {
        assert!(whole.get(&format!("search/{dir}/0.bin")).is_some());
        assert!(whole.get(&format!("search/{dir}/1.bin")).is_none());
    }
    let again = Reader::open(|p: &str| whole.get(p).map(<[u8]>::to_vec)).unwrap();
    let mut read = Vec::new();
    for q in [
        "대기환경",
        "대기환",
        "기질개",
        "환경개",
        "大気汚",
        "대기질개선",
        "환경개선",
        "大気汚染",
        "大気",
        "air quality",
    ] {
        let a = r.search(q, &Filters::default()).unwrap();
        let b = again.search(q, &Filters::default()).unwrap();
        assert_eq!(a.hits, b.hits, "{q}");
        assert_eq!(a.facets, b.facets, "{q}");
        read.extend(a.fetched);
    }
    // Both kinds are read: each pair from its rarer bigram.
    assert!(read.iter().any(|p| p.contains("/f/")), "{read:?}");
    assert!(read.iter().any(|p| p.contains("/b/")), "{read:?}");
}

#[test]
fn the_index_is_byte_identical_whatever_the_threads() {
    let tmp = generated_site(80);
    let site = load_site(tmp.path());
    let build = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| search::build_with(&site, 2048))
    };
    let one = build(1);
    let three = build(3);
    assert!(one.files.len() > 40, "{} files", one.files.len());
    assert_eq!(one.files, three.files);
    assert_eq!(one.files, search::build_with(&site, 2048).files);
}

/// The answers of the browser's engine, `search.js` and its parts as a site serves
/// them (minified), run by node, to the queries of `spec` (see
/// `tests/search_engine.mjs`), on the index in `out/search/`.
fn engine_answers(node: &Path, out: &Path, spec: &[serde_json::Value]) -> Vec<serde_json::Value> {
    write_served_search_scripts(out);
    let spec_file = out.join("queries.json");
    std::fs::write(&spec_file, serde_json::to_string(spec).unwrap()).unwrap();
    let run = Command::new(node)
        .arg(repo().join("tests/search_engine.mjs"))
        .arg(out)
        .arg(&spec_file)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_slice(&run.stdout).unwrap()
}

/// The queries of `the_browser_engine_answers_like_the_rust_reader`, each with its
/// filters: every kind of term, phrase, filter, typo and suggestion.
fn engine_queries(site: &accord::site::Site) -> Vec<(&'static str, Filters)> {
    let filters =
        |kind: Option<&str>, city: Option<&str>, year: Option<i32>, lang: Option<&str>| Filters {
            kind: kind.map(Into::into),
            city: city.map(Into::into),
            year,
            lang: lang.map(Into::into),
            ..Filters::default()
        };
    let typing = Filters {
        typing: true,
        ..Filters::default()
    };
    // A topic (every tag has one), alone and with words.
    let topic = Filters {
        topic: Some(site.topics.topics[0].slug.clone()),
        ..Filters::default()
    };
    vec![
        ("", topic.clone()),
        ("대기", topic.clone()),
        ("대기", Filters::default()),
        ("질개선", Filters::default()),
        ("대기질개선 협력", Filters::default()),
        // Phrases checked with preceders (the second bigram the rarer) and followers.
        ("대기환경", Filters::default()),
        ("환경개선 정책관리", Filters::default()),
        ("환경 개선", filters(None, Some("seoul"), None, None)),
        ("大気汚染", Filters::default()),
        ("リサイクル", filters(Some("trip"), None, None, None)),
        ("空气质量", filters(None, None, Some(2013), None)),
        ("AIR Quality", Filters::default()),
        ("monitoring data", filters(None, None, None, Some("en"))),
        ("대", Filters::default()),
        ("北京", Filters::default()),
        // Queries of one common term: from its head for a page within it.
        ("환경", Filters::default()),
        ("air", Filters::default()),
        (
            "2015",
            Filters {
                newest: true,
                ..Filters::default()
            },
        ),
        ("nothing-like-this", Filters::default()),
        ("AIR Qual", typing.clone()),
        ("monitor", typing.clone()),
        ("coop", typing.clone()),
        ("대기 환", typing.clone()),
        // Stems, typos (one edit up to 7 letters, two from 8) and suggestions.
        ("recycle policies", Filters::default()),
        ("Recycled", typing.clone()),
        ("recyling", Filters::default()),
        ("monitorign data", Filters::default()),
        ("cooperaton", filters(None, None, None, Some("en"))),
        ("enrgy", typing.clone()),
        ("aer", Filters::default()),
        ("zzzzqqq", Filters::default()),
        // Hangul words without results: the nearest by jamo, particles kept.
        ("헙력", Filters::default()),
        ("교툥을", Filters::default()),
        ("에너쥐", filters(Some("trip"), None, None, None)),
        ("미세먼쥐의 환경", Filters::default()),
        ("재활용 뷁뛣", Filters::default()),
        (
            "",
            filters(Some("program"), Some("beijing"), Some(2015), None),
        ),
    ]
}

/// A query run by both engines: its text, its filters, whether the counts by city are
/// asked for, and how many hits are wanted (all when `None`).
type EngineRun<'a> = (&'a str, &'a Filters, bool, Option<usize>);

/// The runs of `queries`, and the specification of each for `tests/search_engine.mjs`.
fn engine_runs<'a>(
    queries: &'a [(&'static str, Filters)],
    head_hits: usize,
) -> (Vec<EngineRun<'a>>, Vec<serde_json::Value>) {
    // Every query with the counts by city, all its hits; those filtered by city also
    // without them (the page reads only that city's file then); and every query
    // without them for a page of 10 hits and one past the heads (a query of one term
    // reads its head for the first).
    let runs: Vec<EngineRun<'_>> = queries
        .iter()
        .map(|(q, f)| (*q, f, true, None))
        .chain(
            queries
                .iter()
                .filter(|(_, f)| f.city.is_some() || f.topic.is_some())
                .map(|(q, f)| (*q, f, false, None)),
        )
        .chain(queries.iter().map(|(q, f)| (*q, f, false, Some(10))))
        .chain((queries.iter()).map(|(q, f)| (*q, f, false, Some(head_hits + 1))))
        .collect();
    let spec: Vec<serde_json::Value> = runs
        .iter()
        .map(|(q, f, cities, want)| {
            serde_json::json!({"q": q, "cities": cities, "want": want, "filters": {
                "kind": f.kind, "city": f.city, "org": f.organization, "topic": f.topic,
                "year": f.year, "lang": f.lang,
                "newest": f.newest, "typing": f.typing}})
        })
        .collect();
    (runs, spec)
}

/// What the answers compared so far showed: queries that found something, answers
/// from a head, Hangul suggestions, and the parts of the engine loaded.
#[derive(Default)]
struct Tally {
    non_empty: usize,
    heads: usize,
    hangul: usize,
    parts: std::collections::BTreeSet<&'static str>,
}

/// Compares the browser engine's answer `js` to `run` with the Rust reader's, and
/// counts it in `tally`.
fn compare_answer(
    r: &Reader<impl Fn(&str) -> Option<Vec<u8>>>,
    index: &search::Index,
    run: &EngineRun<'_>,
    js: &serde_json::Value,
    tally: &mut Tally,
) {
    let (q, f, cities, want) = *run;
    let rust = match want {
        Some(want) => r.first_page(q, f, cities, want).unwrap(),
        None => r.search_with(q, f, cities).unwrap(),
    };
    assert_eq!(js["total"], rust.total, "total of {q:?} {f:?} {want:?}");
    tally.heads += usize::from(rust.total > rust.hits.len());
    let hits: Vec<serde_json::Value> = rust
        .hits
        .iter()
        .map(|&(d, s)| serde_json::json!([d, s]))
        .collect();
    assert_eq!(
        js["hits"],
        serde_json::Value::Array(hits),
        "hits of {q:?} {f:?}"
    );
    assert_eq!(
        js["suggestion"],
        serde_json::json!(rust.suggestion),
        "suggestion of {q:?} {f:?}"
    );
    // The parts of the engine loaded: the bytes the benchmark counts.
    assert_eq!(
        js["parts"],
        serde_json::json!(rust.parts),
        "parts of {q:?} {f:?}"
    );
    tally.parts.extend(rust.parts.iter().copied());
    let mut facets = serde_json::to_value(&rust.facets).unwrap();
    if !cities {
        assert!(rust.fetched.iter().all(|p| p != search::CITIES));
        facets["city"] = serde_json::Value::Null;
        // The topics are read for their filter, and counted then.
        assert_eq!(f.topic.is_some(), facets.get("topic").is_some());
    }
    assert_eq!(
        js["facets"], facets,
        "facets of {q:?} {f:?} (cities: {cities})"
    );
    // The first hits' record files and passages, as the page reads them.
    let shown: Vec<serde_json::Value> = (rust.hits.iter().take(4))
        .map(|&(d, _)| {
            let (path, at) = r.manifest.record_file(d as usize);
            let meta: serde_json::Value =
                serde_json::from_slice(index.item(&path, at).unwrap()).unwrap();
            let (path, at) = r.manifest.passages_file(d as usize);
            let passages: serde_json::Value =
                serde_json::from_slice(index.item(&path, at).unwrap()).unwrap();
            serde_json::json!([meta["u"], passages["p"]])
        })
        .collect();
    assert_eq!(
        js["shown"],
        serde_json::json!(shown),
        "shown of {q:?} {f:?}"
    );
    tally.non_empty += usize::from(!rust.hits.is_empty());
    let fetched = |p: &String| p.starts_with(search::HANGUL);
    tally.hangul += usize::from(rust.suggestion.is_some() && rust.fetched.iter().any(fetched));
}

#[test]
fn the_browser_engine_answers_like_the_rust_reader() {
    let Some(node) = require_tool(Tool::Node) else {
        return;
    };
    let tmp = generated_site(150);
    let site = load_site(tmp.path());
    // Small files of every kind, and packs of three records, eight shards and three
    // followers or preceders files, so that the engine finds an item in its pack;
    // a head of 12 hits for every term of more than 64 bytes of postings.
    let sizes = search::Sizes {
        shard: 1536,
        blocks: 1536 / search::BLOCK_FILES_PER_SHARD,
        records_per_file: 3,
        passages_per_file: 3,
        keys_per_file: 8,
        blocks_per_file: 3,
        head_from: 64,
        head_hits: 12,
    };
    let index = search::build_sized(&site, &sizes);
    let out = tmp.path().join("index");
    for (rel, bytes) in &index.files {
        let p = out.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    let queries = engine_queries(&site);
    let (runs, spec) = engine_runs(&queries, sizes.head_hits);
    let answers = engine_answers(&node, &out, &spec);
    assert_eq!(answers.len(), runs.len());
    let r = Reader::open(|p: &str| index.get(p).map(<[u8]>::to_vec)).unwrap();
    // Dense postings (a bitmap of the records) among them, in a shard and in the
    // postings packs, that both engines read.
    let terms: Vec<search::Term> = (0..r.manifest.shards)
        .flat_map(|i| {
            let (pack, at) = r.manifest.shard_file(i);
            search::parse_shard(index.item(&pack, at).unwrap()).unwrap()
        })
        .collect();
    let dense = |head: bool| (terms.iter()).filter(move |t| t.dense && t.head.is_some() == head);
    assert!(dense(false).count() >= 1 && dense(true).count() >= 1);
    let mut tally = Tally::default();
    for (run, js) in runs.iter().zip(&answers) {
        compare_answer(&r, &index, run, js, &mut tally);
    }
    let Tally {
        non_empty,
        heads,
        hangul,
        parts,
    } = tally;
    assert!(non_empty >= 14, "only {non_empty} queries found something");
    assert!(heads >= 4, "only {heads} answers from a head");
    assert!(hangul >= 3, "only {hangul} Hangul suggestions");
    assert_eq!(
        parts.into_iter().collect::<Vec<_>>(),
        ["hangul", "runs", "words"]
    );
}

#[test]
fn an_archive_without_records_has_an_empty_index() {
    let tmp = tempfile::tempdir().unwrap();
    write_site(tmp.path(), CITIES, &[]);
    // An empty content/ folder: without one, the build refuses to publish.
    std::fs::create_dir_all(tmp.path().join("content")).unwrap();
    build_ok(tmp.path());
    let r = reader(tmp.path());
    assert_eq!((r.manifest.docs, r.manifest.shards), (0, 0));
    assert!(
        r.search("서울", &Filters::default())
            .unwrap()
            .hits
            .is_empty()
    );
    let seoul = Filters {
        city: Some("seoul".into()),
        ..Filters::default()
    };
    assert!(r.search_with("", &seoul, false).unwrap().hits.is_empty());
}

#[test]
fn an_index_spilled_to_temporary_files_is_the_same_byte_for_byte() {
    let tmp = generated_site(120);
    let site = load_site(tmp.path());
    let sizes = search::Sizes {
        shard: 1024,
        blocks: 1024 / search::BLOCK_FILES_PER_SHARD,
        ..search::Sizes::BUILD
    };
    let held = search::build_sized(&site, &sizes);
    let scratch = tmp.path().join("scratch");
    // Left by a build that was killed (its process is gone): removed. This process's
    // own, and what only looks alike, stay.
    let gone = std::process::Command::new("true").spawn().unwrap();
    let gone_id = gone.id();
    assert!(gone.wait_with_output().unwrap().status.success());
    let abandoned = scratch.join(format!(".accord-index-{gone_id}-0"));
    let own = scratch.join(format!(".accord-index-{}-7", std::process::id()));
    let other = scratch.join(format!(".accord-index-{gone_id}-x"));
    for dir in [&abandoned, &own, &other] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("0.tmp"), b"postings").unwrap();
    }
    let _ = search::build_spilling(&site, &sizes, 4096, &scratch).unwrap();
    assert!(!abandoned.exists());
    assert!(own.join("0.tmp").exists() && other.join("0.tmp").exists());
    std::fs::remove_dir_all(&own).unwrap();
    std::fs::remove_dir_all(&other).unwrap();
    // A few kilobytes: many runs of postings, and the files' log on disk.
    for budget in [4096, 40_000] {
        let spilled = search::build_spilling(&site, &sizes, budget, &scratch).unwrap();
        assert_eq!(held.files.len(), spilled.files.len());
        for (a, b) in held.files.iter().zip(&spilled.files) {
            assert_eq!(a.0, b.0);
            assert!(a.1 == b.1, "{} differs", a.0);
        }
        // The temporary files are gone.
        let left: Vec<_> = std::fs::read_dir(&scratch).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
    }
    // Within the budget, nothing is written.
    let untouched = tmp.path().join("untouched");
    let again = search::build_spilling(&site, &sizes, 1 << 30, &untouched).unwrap();
    assert_eq!(held.files, again.files);
    assert!(!untouched.exists());
}
