//! Translations on a site of three editions (the `editions` fixture: `languages: [ko,
//! ja, en]`): a Japanese program `plan.md` with its English translation `plan.en.md`,
//! and a Korean trip `visit.md` without any.

use crate::support::*;

fn built() -> tempfile::TempDir {
    let site = fixture("editions");
    build_ok(site.path());
    site
}

#[test]
fn a_translation_and_its_original_link_to_each_other() {
    let site = built();
    let en = read(site.path(), "en/programs/plan/index.html");
    assert!(
        en.contains("<h1>Yokohama–Seoul cooperation plan</h1>"),
        "{en}"
    );
    assert!(
        en.contains("<p class=\"record-summary\">A cooperation plan of Yokohama and Seoul.</p>")
    );
    assert!(en.contains("Cooperation of the cities of Yokohama and Seoul."));
    assert!(en.contains("<li>City of Yokohama</li>"));
    // To the original, in the Japanese edition, marked as the original.
    assert!(
        en.contains(
            "<a href=\"/ja/programs/plan/\" hreflang=\"ja\" lang=\"ja\">日本語</a> (original)"
        ),
        "{en}"
    );
    // The original links to the translation.
    let ja = read(site.path(), "ja/programs/plan/index.html");
    assert!(ja.contains("<h1>横浜・ソウル協力計画</h1>"));
    assert!(
        ja.contains("<a href=\"/en/programs/plan/\" hreflang=\"en\" lang=\"en\">English</a>"),
        "{ja}"
    );
    // The Korean edition has neither: the original, marked, with both links.
    let ko = read(site.path(), "programs/plan/index.html");
    assert!(
        ko.contains("<h1 lang=\"ja\">横浜・ソウル協力計画</h1>"),
        "{ko}"
    );
    assert!(
        ko.contains("한국어 번역이 없어 원문(日本語)을 싣습니다."),
        "{ko}"
    );
    assert!(ko.contains("href=\"/en/programs/plan/\""));
    // Lists of the English edition show the translated title; the body's link leads
    // to the page of the English edition.
    let list = read(site.path(), "en/programs/index.html");
    assert!(
        list.contains(">Yokohama–Seoul cooperation plan</a>"),
        "{list}"
    );
    assert!(
        en.contains("<a href=\"/en/trips/visit/\">visit</a>"),
        "{en}"
    );
    // Its metadata is the edition's.
    assert!(
        en.contains("\"url\":\"https://example.org/en/programs/plan/\""),
        "{en}"
    );
    assert!(
        en.contains("\"name\":\"Yokohama–Seoul cooperation plan\""),
        "{en}"
    );
    assert!(en.contains("\"inLanguage\":\"en\""), "{en}");
    assert!(en.contains("<meta property=\"og:locale\" content=\"en_US\">"));
    assert!(en.contains("<meta property=\"og:locale:alternate\" content=\"ja_JP\">"));
    // The translation is not a record of its own.
    assert!(!site.path().join("output/programs/plan.en").exists());
}

#[test]
fn an_untranslated_record_shows_its_original_with_a_note() {
    let site = built();
    let en = read(site.path(), "en/trips/visit/index.html");
    assert!(en.contains("<h1 lang=\"ko\">요코하마 방문</h1>"), "{en}");
    assert!(
        en.contains("<p class=\"record-lang\">Not translated into English: this is the original, in 한국어.</p>"),
        "{en}"
    );
    let ja = read(site.path(), "ja/trips/visit/index.html");
    assert!(
        ja.contains("日本語訳はありません。原文(한국어)を掲載しています。"),
        "{ja}"
    );
    // The default edition is in the record's language: no note.
    let ko = read(site.path(), "trips/visit/index.html");
    assert!(!ko.contains("record-lang"), "{ko}");
}

#[test]
fn a_translation_that_contradicts_its_original_is_an_error_at_its_line() {
    let site = fixture("editions");
    let path = site.path().join("content/programs/plan.en.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replace("date: 2019-05", "date: 2019-06").replace(
        "cities: [Yokohama, Seoul]",
        "cities: [Yokohama]\nend: 2020-03\nlang: ja",
    );
    std::fs::write(&path, text).unwrap();
    let errors = render_diags(&errors(site.path()));
    assert!(
        errors.contains("content/programs/plan.en.md:3:7: error: `date` contradicts the original content/programs/plan.md: `2019-06` here, `2019-05` there [translation-fact]"),
        "{errors}"
    );
    assert!(
        errors.contains("content/programs/plan.en.md:4:9: error: `cities` contradicts the original content/programs/plan.md: `[\"Yokohama\"]` here, `[\"横浜\",\"서울\"]` there [translation-fact]"),
        "{errors}"
    );
    assert!(
        errors.contains("content/programs/plan.en.md:6:7: error: this file is the `en` translation of content/programs/plan.md: its `lang` cannot be another [translation-fact]"),
        "{errors}"
    );
    // The same end as the original's is no contradiction.
    assert!(!errors.contains(":5:"), "{errors}");
}

#[test]
fn the_sitemap_lists_every_page_of_every_edition_with_its_alternates() {
    let site = built();
    let xml = read(site.path(), "sitemap.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    const XHTML: &str = "http://www.w3.org/1999/xhtml";
    let urls: Vec<_> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "url")
        .collect();
    let locs: std::collections::BTreeSet<String> = urls
        .iter()
        .map(|u| {
            let loc = u.children().find(|c| c.tag_name().name() == "loc").unwrap();
            loc.text().unwrap().to_string()
        })
        .collect();
    assert!(locs.contains("https://example.org/en/programs/plan/"));
    assert!(locs.contains("https://example.org/ja/cities/yokohama/"));
    for u in &urls {
        let links: Vec<(&str, &str)> = u
            .children()
            .filter(|c| c.tag_name().name() == "link" && c.tag_name().namespace() == Some(XHTML))
            .map(|c| {
                (
                    c.attribute("hreflang").unwrap(),
                    c.attribute("href").unwrap(),
                )
            })
            .collect();
        let langs: Vec<&str> = links.iter().map(|l| l.0).collect();
        assert_eq!(langs, ["ko", "ja", "en", "x-default"]);
        for (_, href) in &links {
            assert!(locs.contains(*href), "{href} is not in the sitemap");
        }
    }
    assert_eq!(urls.len() % 3, 0, "every page in three editions");
}

#[test]
fn an_edited_translation_is_rebuilt_as_a_clean_build_would() {
    let site = fixture("editions");
    let out = site.path().join("site");
    build_into(site.path(), &out);
    let path = site.path().join("content/programs/plan.en.md");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("cooperation plan", "partnership plan")).unwrap();
    same_as_clean(site.path(), &out, "a translation edited");
    let page = std::fs::read_to_string(out.join("en/programs/plan/index.html")).unwrap();
    assert!(
        page.contains("<h1>Yokohama–Seoul partnership plan</h1>"),
        "{page}"
    );
    std::fs::remove_file(&path).unwrap();
    same_as_clean(site.path(), &out, "a translation removed");
}

#[test]
fn links_inside_a_body_lead_to_the_pages_of_the_edition_shown() {
    let site = fixture("editions");
    write(
        site.path(),
        "content/trips/답방.md",
        "---\ntitle: 요코하마 답방\ndate: 2019-09\ncities: [요코하마]\n---\n\n답방.\n".as_bytes(),
    );
    write(
        site.path(),
        "content/trips/links.md",
        "---\ntitle: 링크\ndate: 2019-08\ncities: [서울]\n---\n\n\
         [계획](../programs/plan.md#일정), [답방](/content/trips/답방.md), \
         [밖](https://example.org/trips/visit/), [파일](../../robots.txt)\n"
            .as_bytes(),
    );
    build_ok(site.path());
    let body = |file: &str| {
        let page = read(site.path(), file);
        let start = page.find("<div class=\"prose\"").unwrap();
        page[start..start + page[start..].find("</div>").unwrap()].to_string()
    };
    let expected = |edition: &str| {
        format!(
            "<a href=\"/{edition}programs/plan/#%EC%9D%BC%EC%A0%95\">계획</a>, \
             <a href=\"/{edition}trips/%EB%8B%B5%EB%B0%A9/\">답방</a>, \
             <a href=\"https://example.org/trips/visit/\">밖</a>, \
             <a href=\"../../robots.txt\">파일</a>"
        )
    };
    for (file, edition) in [
        ("trips/links/index.html", ""),
        ("ja/trips/links/index.html", "ja/"),
        ("en/trips/links/index.html", "en/"),
    ] {
        let body = body(file);
        assert!(body.contains(&expected(edition)), "{file}: {body}");
    }
    // A translation's body too, and the original's in its own edition.
    assert!(body("en/programs/plan/index.html").contains("href=\"/en/trips/visit/\""));
    assert!(body("ja/programs/plan/index.html").contains("href=\"/ja/trips/visit/\""));
    assert!(body("programs/plan/index.html").contains("href=\"/trips/visit/\""));
}

#[test]
fn fields_a_translation_does_not_give_are_marked_with_the_language_of_the_original() {
    let site = fixture("editions");
    let plan = site.path().join("content/programs/plan.md");
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(
        &plan,
        text.replace(
            "organizers: [横浜市]",
            "organizers: [横浜市]\npartners: [ソウル特別市]",
        ),
    )
    .unwrap();
    // A translation with a summary and a body, but no title.
    write(
        site.path(),
        "content/trips/visit.ja.md",
        "---\nsummary: ソウル市職員の横浜訪問。\n---\n\n訪問の記録。\n".as_bytes(),
    );
    build_ok(site.path());
    let en = read(site.path(), "en/programs/plan/index.html");
    // The organizers are the translation's, the partners the original's.
    assert!(
        en.contains("<ul class=\"inline-list\"><li>City of Yokohama</li></ul>"),
        "{en}"
    );
    assert!(
        en.contains("<ul class=\"inline-list\" lang=\"ja\"><li>ソウル特別市</li></ul>"),
        "{en}"
    );
    let ja = read(site.path(), "ja/trips/visit/index.html");
    // The title is the original's, in Korean; the summary and body the translation's.
    assert!(ja.contains("<h1 lang=\"ko\">요코하마 방문</h1>"), "{ja}");
    assert!(
        ja.contains("<p class=\"record-summary\">ソウル市職員の横浜訪問。</p>"),
        "{ja}"
    );
    assert!(
        ja.contains("<div class=\"prose\">\n<p>訪問の記録。</p>"),
        "{ja}"
    );
    // So in lists and feeds.
    let list = read(site.path(), "ja/trips/index.html");
    assert!(list.contains("lang=\"ko\">요코하마 방문</a>"), "{list}");
    assert!(
        list.contains("<p class=\"card-summary\">ソウル市職員の横浜訪問。</p>"),
        "{list}"
    );
    let json: serde_json::Value = serde_json::from_str(&read(site.path(), "ja/feed.json")).unwrap();
    let item = (json["items"].as_array().unwrap().iter())
        .find(|i| i["url"] == "https://example.org/ja/trips/visit/")
        .unwrap();
    assert_eq!(item["title"], "요코하마 방문");
    assert_eq!(item["summary"], "ソウル市職員の横浜訪問。");
    assert_eq!(item["language"], "ja");
    assert!(
        item["content_text"]
            .as_str()
            .unwrap()
            .ends_with(" — ソウル市職員の横浜訪問。")
    );
    let feed = read(site.path(), "ja/feed.xml");
    assert!(
        feed.contains("<entry xml:lang=\"ja\">\n    <title xml:lang=\"ko\">요코하마 방문</title>"),
        "{feed}"
    );
}

#[test]
fn the_json_ld_of_an_edition_leads_to_its_own_pages_in_its_language() {
    let site = built();
    let page = |p: &str| crate::publish::jsonld(&read(site.path(), p));
    for (dir, lang) in [("", "ko"), ("ja/", "ja"), ("en/", "en")] {
        let home = page(&format!("{dir}index.html"));
        let root = format!("https://example.org/{dir}");
        assert_eq!(home["url"], root);
        assert_eq!(home["inLanguage"], lang);
        assert_eq!(
            home["potentialAction"]["target"],
            format!("{root}search/?q={{search_term_string}}")
        );
        let city = page(&format!("{dir}cities/yokohama/index.html"));
        assert_eq!(city["url"], format!("{root}cities/yokohama/"));
        assert_eq!(city["inLanguage"], lang);
        assert_eq!(city["isPartOf"]["url"], root);
        assert_eq!(city["about"]["url"], format!("{root}cities/yokohama/"));
        let years = page(&format!("{dir}years/index.html"));
        assert_eq!(years["url"], format!("{root}years/"));
        assert_eq!(years["inLanguage"], lang);
    }
    let name = |p: &str| page(p)["about"]["name"].as_str().unwrap().to_string();
    assert_eq!(name("cities/yokohama/index.html"), "요코하마");
    assert_eq!(name("ja/cities/yokohama/index.html"), "横浜");
    assert_eq!(name("en/cities/yokohama/index.html"), "Yokohama");

    // A record: the translation's text, the edition's places.
    let en = page("en/programs/plan/index.html");
    assert_eq!(en["url"], "https://example.org/en/programs/plan/");
    assert_eq!(en["name"], "Yokohama–Seoul cooperation plan");
    assert_eq!(en["inLanguage"], "en");
    assert_eq!(
        en["description"],
        "A cooperation plan of Yokohama and Seoul."
    );
    assert_eq!(en["parentOrganization"][0]["name"], "City of Yokohama");
    assert_eq!(en["location"][0]["name"], "Yokohama");
    assert_eq!(
        en["location"][0]["url"],
        "https://example.org/en/cities/yokohama/"
    );
    assert_eq!(en["isPartOf"]["url"], "https://example.org/en/");
    // An untranslated record: the original's text, in its language, on the edition's page.
    let visit = page("ja/trips/visit/index.html");
    assert_eq!(visit["url"], "https://example.org/ja/trips/visit/");
    assert_eq!(visit["headline"], "요코하마 방문");
    assert_eq!(visit["inLanguage"], "ko");
    assert_eq!(visit["spatialCoverage"][0]["name"], "横浜");
}

/// The hits of `q` in the index a build wrote: each record's metadata file, parsed.
fn search_hits(root: &std::path::Path, q: &str) -> Vec<serde_json::Value> {
    let out = root.join("output");
    let reader = accord::search::Reader::open(|p: &str| std::fs::read(out.join(p)).ok()).unwrap();
    let results = reader
        .search(q, &accord::search::Filters::default())
        .unwrap();
    (results.hits.iter())
        .map(|&(doc, _)| {
            let (path, at) = reader.manifest.record_file(doc as usize);
            let pack = std::fs::read(out.join(path)).unwrap();
            serde_json::from_slice(accord::search::pack_item(&pack, at).unwrap()).unwrap()
        })
        .collect()
}

#[test]
fn the_search_finds_a_record_by_its_translations_and_shows_them_in_their_editions() {
    let site = fixture("editions");
    write(
        site.path(),
        "content/trips/visit.ja.md",
        "---\ntitle: 横浜訪問\nsummary: ソウル市職員の横浜訪問。\n---\n\n訪問の記録。\n".as_bytes(),
    );
    build_ok(site.path());
    // A Japanese query finds the Korean record through its Japanese translation; an
    // English one the Japanese record through its English translation.
    let hits = search_hits(site.path(), "職員");
    assert_eq!(hits.len(), 1, "{hits:?}");
    let visit = &hits[0];
    assert_eq!(visit["t"], "요코하마 방문");
    assert_eq!(visit["l"], "ko");
    assert_eq!(visit["x"]["ja"]["t"], "横浜訪問");
    assert_eq!(visit["x"]["ja"]["s"], "ソウル市職員の横浜訪問。");
    assert_eq!(visit["x"]["ja"]["b"], "訪問の記録。");
    let hits = search_hits(site.path(), "cooperation");
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0]["t"], "横浜・ソウル協力計画");
    assert_eq!(hits[0]["x"]["en"]["t"], "Yokohama–Seoul cooperation plan");
    assert_eq!(hits[0]["x"].as_object().unwrap().len(), 1);
    // The original is still found by its own words.
    assert_eq!(
        search_hits(site.path(), "방문 기록")[0]["t"],
        "요코하마 방문"
    );
    // The search pages name the cities in their language; the titles are the index's.
    let ja = read(site.path(), "ja/search/index.html");
    assert!(
        ja.contains("<script type=\"application/json\" id=\"search-edition\">{\"cities\":{"),
        "{ja}"
    );
    assert!(ja.contains("\"yokohama\":\"横浜\""), "{ja}");
    assert!(!ja.contains("横浜訪問"), "{ja}");
}

#[test]
fn records_are_parsed_and_rendered_once_whatever_the_number_of_editions() {
    let site = fixture("editions");
    let three = build_ok(site.path());
    // plan.md, its translation plan.en.md and visit.md: three files, three bodies.
    assert_eq!((three.parsed, three.rendered), (3, 3));
    let pages = |root: &std::path::Path| {
        (tree(&root.join("output")).keys())
            .filter(|f| f.ends_with("index.html"))
            .count()
    };
    let editions = pages(site.path());
    // The same archive as a site of one edition: plan.en.md is then a record of its own.
    let config = site.path().join("accord.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("languages: [ko, ja, en]", "language: ko"),
    )
    .unwrap();
    let one = build_ok(site.path());
    // The two bodies whose pages did not move come from the build cache; plan.en.md,
    // now on a page of its own, is rendered again.
    assert_eq!((one.parsed, one.rendered, one.cached), (3, 1, 2));
    let single = pages(site.path());
    assert!(editions > 2 * single, "{editions} pages against {single}");
}
