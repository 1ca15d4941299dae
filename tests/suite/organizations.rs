//! Organizations and topics (issue 12, items 1 and 2): `data/organizations.yaml` and
//! `data/topics.yaml`, the resolution of `organizers`, `partners` and `tags` against
//! them, and the pages `/organizations/`, `/organizations/<id>/`, `/topics/`,
//! `/topics/<slug>/` in every edition.

use crate::support::*;

const ORGANIZATIONS: &str = "\
iclei-east-asia:
  name: {ko: ICLEI 동아시아본부, en: ICLEI East Asia Secretariat, ja: イクレイ東アジア事務局, zh: 宜可城东亚秘书处}
  aliases: [ICLEI EAS]
  kind: network
  country: KR
seoul-government:
  name: {ko: 서울특별시, en: Seoul Metropolitan Government, ja: ソウル特別市}
  kind: city-government
  country: KR
seoul-air-division:
  name: {ko: 서울시 대기관리과}
  kind: city-government
  country: KR
  parent: seoul-government
";

const TOPICS: &str = "\
air-quality:
  name: {ko: 대기질, ja: 大気環境, zh: 空气质量, en: Air quality}
  aliases: [air pollution]
";

/// Only the city the records name: no city is unused.
const CITIES: &str = "seoul:\n  name: {ko: 서울, en: Seoul, ja: ソウル, zh: 首尔}\n  country: KR\n";

const EDITIONS: &str =
    "title: Orgs\nbase_url: https://example.org/\nlanguages: [ko, ja, zh, en]\npaginate_by: 2\n";

/// A trip whose organizer and partner are written as given.
fn trip(slug: &str, date: &str, organizers: &str, partners: &str, tags: &str) -> (String, Vec<u8>) {
    (
        format!("content/trips/{slug}.md"),
        format!(
            "---\ntitle: {slug}\ndate: {date}\ncities: [서울]\norganizers: {organizers}\npartners: {partners}\ntags: {tags}\nsummary: s\n---\nBody.\n"
        )
        .into_bytes(),
    )
}

fn archive(records: Vec<(String, Vec<u8>)>) -> tempfile::TempDir {
    let mut files = vec![
        ("accord.yaml".to_string(), EDITIONS.as_bytes().to_vec()),
        (
            "data/organizations.yaml".to_string(),
            ORGANIZATIONS.as_bytes().to_vec(),
        ),
        ("data/topics.yaml".to_string(), TOPICS.as_bytes().to_vec()),
        ("data/cities.yaml".to_string(), CITIES.as_bytes().to_vec()),
    ];
    files.extend(records);
    site_of(&files)
}

#[test]
fn an_organization_named_in_four_languages_and_an_alias_is_one_organization_with_one_page() {
    let root = archive(vec![
        trip(
            "a",
            "2021",
            "[서울특별시]",
            "[ICLEI 동아시아본부]",
            "[대기질]",
        ),
        trip(
            "b",
            "2022",
            "[Seoul Metropolitan Government]",
            "[ICLEI East Asia Secretariat]",
            "[大気環境]",
        ),
        trip(
            "c",
            "2023",
            "[ソウル特別市]",
            "[イクレイ東アジア事務局]",
            "[air quality]",
        ),
        trip(
            "d",
            "2024",
            "[ICLEI EAS]",
            "[宜可城东亚秘书处]",
            "[AIR POLLUTION]",
        ),
    ]);
    let report = build_ok(root.path());
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let out = root.path();
    // ICLEI: a partner of a, b, c and d's organizer; newest first, on pages of two.
    let first = read(out, "organizations/iclei-east-asia/index.html");
    let second = read(out, "organizations/iclei-east-asia/page/2/index.html");
    for (page, slugs) in [(&first, ["d", "c"]), (&second, ["b", "a"])] {
        for s in slugs {
            assert!(page.contains(&format!("href=\"/trips/{s}/\"")), "{s}");
        }
    }
    assert!(first.contains("org-role-organizer") && first.contains("org-role-partner"));
    // Its cities and chart on the first page only.
    assert!(first.contains("class=\"org-cities\"") && first.contains("<svg"));
    assert!(!second.contains("class=\"org-cities\"") && !second.contains("<svg"));
    assert!(first.contains("<h1>ICLEI 동아시아본부</h1>"));
    // The names in the edition's language.
    assert!(
        read(out, "ja/organizations/iclei-east-asia/index.html")
            .contains("<h1>イクレイ東アジア事務局</h1>")
    );
    assert!(
        read(out, "zh/organizations/iclei-east-asia/index.html")
            .contains("<h1>宜可城东亚秘书处</h1>")
    );
    assert!(
        read(out, "en/organizations/iclei-east-asia/index.html")
            .contains("<h1>ICLEI East Asia Secretariat</h1>")
    );
    // A record page links each name, as written, to its organization's page.
    let record = read(out, "en/trips/c/index.html");
    assert!(record.contains("<a href=\"/en/organizations/seoul-government/\">ソウル特別市</a>"));
    assert!(record.contains("<a href=\"/en/topics/air-quality/\">air quality</a>"));
    // The organizations page: by kind and country, with counts.
    let index = read(out, "organizations/index.html");
    assert!(index.contains("id=\"kind-network\""));
    assert!(index.contains("href=\"/organizations/seoul-air-division/\""));
    // A parent lists its units, a unit its parent.
    let division = read(out, "en/organizations/seoul-air-division/index.html");
    assert!(division.contains("href=\"/en/organizations/seoul-government/\""));
    // The topic's aliases meet on one page, named in each edition's language.
    let topic = read(out, "topics/air-quality/index.html");
    assert!(topic.contains("<h1>대기질</h1>"), "{topic}");
    assert!(read(out, "ja/topics/air-quality/index.html").contains("<h1>大気環境</h1>"));
    let topic_two = read(out, "topics/air-quality/page/2/index.html");
    for (page, slugs) in [(&topic, ["d", "c"]), (&topic_two, ["b", "a"])] {
        for s in slugs {
            assert!(page.contains(&format!("href=\"/trips/{s}/\"")), "{s}");
        }
    }
    // Every edition has every page.
    for ed in ["", "ja/", "zh/", "en/"] {
        for page in [
            "organizations/index.html",
            "organizations/seoul-government/index.html",
            "topics/index.html",
            "topics/air-quality/index.html",
        ] {
            assert!(
                out.join("output").join(format!("{ed}{page}")).is_file(),
                "{ed}{page}"
            );
        }
    }
    // The open data lists the registry.
    let csv = read(out, "data/organizations.csv");
    assert!(csv.contains("iclei-east-asia,ICLEI 동아시아본부,イクレイ東アジア事務局,宜可城东亚秘书处,ICLEI East Asia Secretariat,ICLEI EAS,network,KR,,,4"), "{csv}");
    assert!(
        csv.contains(
            "seoul-air-division,서울시 대기관리과,,,,,city-government,KR,seoul-government,,0"
        ),
        "{csv}"
    );
}

#[test]
fn a_tag_outside_the_registry_is_a_topic_of_its_own_and_spellings_of_one_slug_meet() {
    let root = archive(vec![
        trip(
            "a",
            "2021",
            "[서울특별시]",
            "[]",
            "[탄소중립, Green Purchasing]",
        ),
        trip(
            "b",
            "2022",
            "[서울특별시]",
            "[]",
            "[탄소중립, green purchasing]",
        ),
    ]);
    build_ok(root.path());
    let carbon = read(root.path(), "topics/탄소중립/index.html");
    assert!(carbon.contains("href=\"/trips/a/\"") && carbon.contains("href=\"/trips/b/\""));
    let green = read(root.path(), "en/topics/green-purchasing/index.html");
    assert!(green.contains("href=\"/en/trips/a/\"") && green.contains("href=\"/en/trips/b/\""));
    let index = read(root.path(), "topics/index.html");
    assert!(index.contains("href=\"/topics/탄소중립/\""), "{index}");
}

#[test]
fn an_unknown_organization_is_a_warning_at_its_entry_with_a_suggestion_and_strict_fails() {
    let root = archive(vec![trip(
        "a",
        "2021",
        "[서울특별시]",
        "[ICLEI 동아시아 본부, Nowhere Institute]",
        "[]",
    )]);
    let report = build_ok(root.path());
    let shown: Vec<String> = report.warnings.iter().map(|d| format!("{d}")).collect();
    assert_eq!(
        shown,
        [
            "content/trips/a.md:6:12: warning: unknown organization `ICLEI 동아시아 본부` [unknown-organization]\n  help: did you mean `ICLEI 동아시아본부` (iclei-east-asia)? Otherwise: a new organization needs an entry in data/organizations.yaml (`id: {name: {ko: …, en: …}, kind: city-government, country: KR}`); another spelling of a known one goes in its `aliases`",
            "content/trips/a.md:6:27: warning: unknown organization `Nowhere Institute` [unknown-organization]\n  help: a new organization needs an entry in data/organizations.yaml (`id: {name: {ko: …, en: …}, kind: city-government, country: KR}`); another spelling of a known one goes in its `aliases`",
        ]
    );
    // Shown as written, without a link.
    let page = read(root.path(), "trips/a/index.html");
    assert!(page.contains("<li>ICLEI 동아시아 본부</li>"), "{page}");
    // Strictly, a warning fails the run.
    let strict = accord_plain(&["check", "--strict", "--root", path_str(root.path())]);
    assert_eq!(strict.status.code(), Some(1));
    // Without a registry, organizers are free text: nothing is reported.
    std::fs::remove_file(root.path().join("data/organizations.yaml")).unwrap();
    let free = build_ok(root.path());
    assert!(free.warnings.is_empty(), "{:?}", free.warnings);
    assert!(!root.path().join("output/organizations").exists());
}

#[test]
fn a_parent_outside_the_registry_a_cycle_and_an_unknown_kind_are_located_errors() {
    let registry = "a:\n  name: {en: A}\n  kind: network\n  parent: b\nb:\n  name: {en: B}\n  kind: network\n  parent: a\nc:\n  name: {en: C}\n  kind: council\n  parent: nowhere\n";
    let root = site_of(&[
        (
            "data/organizations.yaml".into(),
            registry.as_bytes().to_vec(),
        ),
        ("data/cities.yaml".into(), CITIES.as_bytes().to_vec()),
        trip("t", "2021", "[A]", "[]", "[]"),
    ]);
    let shown: Vec<String> = errors(root.path())
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{} {} [{}]",
                d.path.display(),
                d.line,
                d.col,
                d.message,
                d.code.as_str()
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            "data/organizations.yaml:1:1 the parents of `a` form a cycle [invalid-parent]",
            "data/organizations.yaml:5:1 the parents of `b` form a cycle [invalid-parent]",
            "data/organizations.yaml:11:9 `council` is not a kind of organization [invalid-value]",
            "data/organizations.yaml:12:11 parent `nowhere` of `c` is not in the registry [invalid-parent]",
        ]
    );
}

#[test]
fn a_translation_names_organizations_in_its_language_and_an_unknown_one_is_a_warning_there() {
    let root = archive(vec![
        trip("a", "2021", "[서울특별시]", "[ICLEI 동아시아본부]", "[]"),
        (
            "content/trips/a.ja.md".into(),
            "---\ntitle: 訪問\norganizers: [ソウル特別市]\npartners: [イクレイ東アジア事務局, 謎の機関]\n---\n本文。\n"
                .as_bytes()
                .to_vec(),
        ),
    ]);
    let report = build_ok(root.path());
    let shown: Vec<String> = (report.warnings.iter())
        .map(|d| format!("{}:{}:{} {}", d.path.display(), d.line, d.col, d.message))
        .collect();
    assert_eq!(
        shown,
        ["content/trips/a.ja.md:4:25 unknown organization `謎の機関`"]
    );
    // The Japanese edition shows the translation's names, linked where known.
    let page = read(root.path(), "ja/trips/a/index.html");
    assert!(
        page.contains("<a href=\"/ja/organizations/seoul-government/\">ソウル特別市</a>"),
        "{page}"
    );
    assert!(page.contains("<li>謎の機関</li>"), "{page}");
}
