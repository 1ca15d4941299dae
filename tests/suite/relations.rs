//! Records connected: the program a trip or workshop served, series of workshops,
//! related records, the pairs of cooperating cities and their pages, a province's
//! page with the records of its cities, and the pagination of city and year pages.

use std::path::Path;

use crate::support::*;

/// Cities of two countries, and a province with a city in it.
const CITIES: &str = "\
seoul:
  name: {ko: 서울, en: Seoul, ja: ソウル, zh: 首尔}
  country: KR
busan:
  name: {ko: 부산, en: Busan, ja: 釜山, zh: 釜山}
  country: KR
daegu:
  name: {ko: 대구, en: Daegu, ja: 大邱, zh: 大邱}
  country: KR
beijing:
  name: {ko: 베이징, en: Beijing, ja: 北京, zh: 北京}
  country: CN
yokohama:
  name: {ko: 요코하마, en: Yokohama, ja: 横浜, zh: 横滨}
  country: JP
hebei:
  name: {ko: 허베이, en: Hebei, ja: 河北, zh: 河北}
  aliases: [河北省, 허베이성, 하북성, 河北]
  country: CN
tangshan:
  name: {ko: 탕산, en: Tangshan, ja: 唐山, zh: 唐山}
  country: CN
  parent: hebei
";

/// A site of `files` (path, text) with the cities above, in English.
fn site_with(files: &[(&str, &str)], config_extra: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let config = format!("title: T\nbase_url: https://example.org/\nlanguage: en\n{config_extra}");
    write(tmp.path(), "accord.yaml", config.as_bytes());
    write(tmp.path(), "data/cities.yaml", CITIES.as_bytes());
    for (rel, text) in files {
        write(tmp.path(), rel, text.as_bytes());
    }
    tmp
}

/// The errors of a check that must fail, as the command line prints them.
fn diag_lines(root: &Path) -> Vec<String> {
    (errors(root).iter())
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect()
}

const PROGRAM: &str = "---\ntitle: Clean air\ndate: 2014\nend: 2016\ncities: [Seoul, Beijing]\nbudget: {unit: KRW m, total: 300, by_year: {2014: 100, 2015: 200}}\n---\nAir.\n";

#[test]
fn a_program_reference_to_no_record_is_an_error_at_its_line_with_a_suggestion() {
    let site = site_with(
        &[
            ("content/programs/clean-air.md", PROGRAM),
            (
                "content/trips/visit.md",
                "---\ntitle: Visit\ndate: 2015-03\ncities: [Seoul, Beijing]\nprogram: clean-iar\n---\n",
            ),
        ],
        "",
    );
    let lines = diag_lines(site.path());
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(
            "content/trips/visit.md:5:10: error: `program: clean-iar` points to no record [broken-reference]"
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains("did you mean `clean-air`?"),
        "{}",
        lines[0]
    );
}

#[test]
fn a_program_reference_to_a_record_of_another_kind_is_an_error() {
    let site = site_with(
        &[
            ("content/programs/clean-air.md", PROGRAM),
            (
                "content/trips/visit.md",
                "---\ntitle: Visit\ndate: 2015-03\ncities: [Seoul]\n---\n",
            ),
            (
                "content/workshops/forum.md",
                "---\ntitle: Forum\ndate: 2015\ncities: [Seoul]\nprogram: ../trips/visit.md\nrelated: [nowhere]\n---\n",
            ),
        ],
        "",
    );
    let lines = diag_lines(site.path());
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with(
            "content/workshops/forum.md:5:10: error: `program: ../trips/visit.md` is a trip, not a program [broken-reference]"
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with(
            "content/workshops/forum.md:6:11: error: `related: nowhere` points to no record [broken-reference]"
        ),
        "{}",
        lines[1]
    );
}

#[test]
fn a_program_page_shows_its_timeline_and_a_trip_the_program_it_served() {
    let site = site_with(
        &[
            ("content/programs/clean-air.md", PROGRAM),
            (
                "content/trips/visit.md",
                "---\ntitle: Visit\ndate: 2015-03\ncities: [Seoul, Beijing]\nprogram: ../programs/clean-air.md\nrelated: [workshops/forum]\n---\n",
            ),
            (
                "content/workshops/forum.md",
                "---\ntitle: Forum\ndate: 2016\ncities: [Seoul]\nprogram: clean-air\n---\n",
            ),
        ],
        "",
    );
    build_ok(site.path());
    let program = read(site.path(), "programs/clean-air/index.html");
    let timeline = &program[program.find("class=\"timeline\"").expect("a timeline")..];
    let timeline = &timeline[..timeline.find("</section>").unwrap()];
    // Each year of the program, its budget beside it, and what served it that year.
    let (y2014, y2015, y2016) = (
        timeline.find("2014").unwrap(),
        timeline.find("2015").unwrap(),
        timeline.find("2016").unwrap(),
    );
    assert!(y2014 < y2015 && y2015 < y2016);
    assert!(
        timeline[y2015..y2016].contains("Budget: 200 KRW m"),
        "{timeline}"
    );
    assert!(timeline[y2015..y2016].contains("href=\"/trips/visit/\""));
    assert!(timeline[y2016..].contains("href=\"/workshops/forum/\""));
    let trip = read(site.path(), "trips/visit/index.html");
    assert!(trip.contains("<dt>Part of the program</dt>\n        <dd><a href=\"/programs/clean-air/\">Clean air</a></dd>"));
    // `related` shows both ways.
    let related = |html: &str| {
        html.find("class=\"related\"")
            .map(|at| html[at..].to_string())
    };
    assert!(
        related(&trip)
            .unwrap()
            .contains("href=\"/workshops/forum/\"")
    );
    let forum = read(site.path(), "workshops/forum/index.html");
    assert!(related(&forum).unwrap().contains("href=\"/trips/visit/\""));
    assert!(related(&program).is_none());
}

fn workshop(title: &str, date: &str, series: &str, number: Option<u32>) -> String {
    let number = number.map_or(String::new(), |n| format!("number: {n}\n"));
    format!("---\ntitle: {title}\ndate: {date}\ncities: [Seoul]\nseries: {series}\n{number}---\n")
}

#[test]
fn a_series_page_lists_its_editions_by_number() {
    let third = workshop("Third", "2021", "green", Some(3));
    let first = workshop("First", "2019", "green", Some(1));
    let loose = workshop("Loose", "2018", "green", None);
    let site = site_with(
        &[
            ("content/workshops/c.md", &third),
            ("content/workshops/a.md", &first),
            ("content/workshops/b.md", &loose),
        ],
        "",
    );
    build_ok(site.path());
    let page = read(site.path(), "series/green/index.html");
    let at = |t: &str| page.find(&format!(">{t}</a>")).unwrap();
    assert!(at("First") < at("Third") && at("Third") < at("Loose"));
    assert!(page.contains("<li value=\"3\">"));
    let third = read(site.path(), "workshops/c/index.html");
    assert!(third.contains("<a href=\"/series/green/\">green</a> · No. 3"));
}

#[test]
fn a_number_given_twice_in_a_series_is_an_error() {
    let a = workshop("A", "2019", "green", Some(2));
    let b = workshop("B", "2020", "green", Some(2));
    let site = site_with(
        &[
            ("content/workshops/a.md", &a),
            ("content/workshops/b.md", &b),
        ],
        "",
    );
    let lines = diag_lines(site.path());
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with(
        "content/workshops/b.md:6:9: error: number 2 of the series `green` is also the number of content/workshops/a.md [duplicate-number]"
    ), "{}", lines[0]);
}

#[test]
fn partners_are_cities_of_pairs_and_each_pair_has_a_page() {
    let domestic = |n: u32| {
        format!("---\ntitle: Domestic {n}\ndate: 202{n}\ncities: [Seoul, Busan, Daegu]\n---\n")
    };
    let (d1, d2) = (domestic(1), domestic(2));
    let site = site_with(
        &[
            ("content/programs/clean-air.md", PROGRAM),
            ("content/workshops/d1.md", &d1),
            ("content/workshops/d2.md", &d2),
            (
                // Cities of three countries: the pairs across borders only.
                "content/trips/tour.md",
                "---\ntitle: Tour\ndate: 2019\ncities: [Seoul, Busan, Yokohama]\n---\n",
            ),
        ],
        "",
    );
    build_ok(site.path());
    let seoul = read(site.path(), "cities/seoul/index.html");
    let partners = &seoul[seoul.find("class=\"city-partners\"").unwrap()..];
    let partners = &partners[..partners.find("</section>").unwrap()];
    assert!(
        partners.contains("href=\"/cities/beijing/seoul/\""),
        "{partners}"
    );
    assert!(partners.contains("href=\"/cities/seoul/yokohama/\""));
    // Two domestic workshops do not make Busan or Daegu a partner of Seoul.
    assert!(
        !partners.contains("Busan") && !partners.contains("Daegu"),
        "{partners}"
    );
    assert!(!site.path().join("output/cities/busan/seoul").exists());
    assert!(
        site.path()
            .join("output/cities/busan/yokohama/index.html")
            .exists()
    );
    let pair = read(site.path(), "cities/beijing/seoul/index.html");
    assert!(pair.contains(
        "<h1><a href=\"/cities/beijing/\">Beijing</a> – <a href=\"/cities/seoul/\">Seoul</a></h1>"
    ));
    assert!(pair.contains("href=\"/programs/clean-air/\">Clean air</a>"));
    assert!(pair.contains("2014 100, 2015 200"), "the budget years");
    assert!(!pair.contains("Tour"));
}

#[test]
fn a_province_lists_the_records_of_its_cities_and_names_each_other_name_once() {
    let site = site_with(
        &[(
            "content/trips/tangshan.md",
            "---\ntitle: To Tangshan\ndate: 2016\ncities: [Seoul, Tangshan]\n---\n",
        )],
        "",
    );
    build_ok(site.path());
    let hebei = read(site.path(), "cities/hebei/index.html");
    assert!(!hebei.contains("No records for this city yet."));
    assert!(hebei.contains("<p class=\"page-count\">1 record (0 naming this place itself)"));
    let card = &hebei[hebei.find("To Tangshan").unwrap()..];
    assert!(card[..card.find("\n</li>").unwrap()].contains(
        "<p class=\"card-via\">Listed for <a href=\"/cities/tangshan/\">Tangshan</a></p>"
    ));
    let names = &hebei[hebei.find("class=\"city-names\"").unwrap()..];
    let names = &names[..names.find("</p>").unwrap()];
    // 河北 is the Japanese and the Chinese name and an alias: shown once.
    assert_eq!(names.matches(">河北<").count(), 1, "{names}");
    assert_eq!(names.matches("<span").count(), 5, "{names}");
}

#[test]
fn city_and_year_pages_are_paginated_and_a_record_of_several_years_is_listed_once() {
    let mut files: Vec<(String, String)> = (1..=4)
        .map(|n| {
            (
                format!("content/trips/t{n}.md"),
                format!("---\ntitle: Trip {n}\ndate: 2015-0{n}\ncities: [Seoul]\n---\n"),
            )
        })
        .collect();
    files.push((
        "content/programs/long.md".into(),
        "---\ntitle: Long\ndate: 2012\nend: 2015\ncities: [Seoul]\n---\n".into(),
    ));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let site = site_with(&refs, "paginate_by: 2\n");
    build_ok(site.path());
    let out = site.path().join("output");
    // Five records, two to a page.
    for dir in [
        "cities/seoul/",
        "cities/seoul/page/2/",
        "cities/seoul/page/3/",
    ] {
        assert!(out.join(dir).join("index.html").exists(), "{dir}");
    }
    assert!(!out.join("cities/seoul/page/4").exists());
    let first = read(site.path(), "cities/seoul/index.html");
    assert_eq!(first.matches("class=\"card card-").count(), 2);
    assert!(first.contains("rel=\"next\""));
    // The overview and its charts, of all the records, on the first page only.
    assert!(first.contains("class=\"city-overview\""));
    let second = read(site.path(), "cities/seoul/page/2/index.html");
    assert!(!second.contains("class=\"city-overview\""));
    assert!(!read(site.path(), "years/2015/page/2/index.html").contains("class=\"year-charts\""));
    let last = read(site.path(), "cities/seoul/page/3/index.html");
    // The program of 2012–2015, once, under its period.
    assert_eq!(last.matches(">Long</a>").count(), 1);
    assert!(last.contains("id=\"y2012-2015\""));
    for p in [
        &first,
        &read(site.path(), "cities/seoul/page/2/index.html"),
        &last,
    ] {
        assert!(!p.contains(">Long</a>") || p == &last);
    }
    // The year 2015 has all five: three pages; the other years one.
    assert!(out.join("years/2015/page/3/index.html").exists());
    assert!(!out.join("years/2014/page/2").exists());
    let y = read(site.path(), "years/2015/page/2/index.html");
    assert_eq!(y.matches("class=\"card card-").count(), 2);
}

#[test]
fn the_cities_map_draws_the_pairs_and_is_readable_on_a_phone() {
    let site = sample_archive();
    build_ok(site.path());
    let page = read(site.path(), "cities/index.html");
    // One line per pair of cities with coordinates: no more than there are pair pages.
    let pair_pages = walkdir::WalkDir::new(site.path().join("output/cities"))
        .min_depth(2)
        .max_depth(2)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() != "page" && e.path().join("index.html").is_file())
        .count();
    let lines = page.matches("class=\"pair-line\"").count();
    assert!(
        lines > 0 && lines <= pair_pages,
        "{lines} lines, {pair_pages} pairs"
    );
    let (Some(node), Some(chromium), Some(_)) = (
        require_tool(Tool::Node),
        require_tool(Tool::Chromium),
        require_tool(Tool::NpmPackage("playwright-core")),
    ) else {
        return;
    };
    // The page on its own, its style sheet inlined.
    let css = read(site.path(), "style.css");
    let head_end = page.find("</head>").unwrap();
    let standalone = format!(
        "{}<style>{css}</style>{}",
        &page[..head_end],
        &page[head_end..]
    );
    let file = site.path().join("map.html");
    std::fs::write(&file, standalone).unwrap();
    for (width, min_font) in [(390, 11.0), (1280, 12.0)] {
        let seen = observations({
            let mut c = node_script(&node, &chromium, &repo().join("tests/map_page.mjs"));
            c.arg(&file).arg(width.to_string());
            c
        });
        assert!(
            seen["labels"].as_u64().unwrap() >= 5,
            "at {width}px: {seen}"
        );
        assert!(
            seen["smallest"].as_f64().unwrap() >= min_font,
            "at {width}px: {seen}"
        );
        assert_eq!(
            seen["lines"].as_u64().unwrap() as usize,
            lines,
            "at {width}px"
        );
        assert_eq!(seen["covered"], 0, "at {width}px dots cover dots: {seen}");
        assert!(
            seen["page_width"].as_u64().unwrap() <= width,
            "at {width}px: {seen}"
        );
    }
}

#[test]
fn a_translation_shares_the_relations_of_its_original() {
    let forum = "---\ntitle: Forum\ndate: 2016\ncities: [Seoul]\nprogram: clean-air\nseries: green\nnumber: 1\n---\n";
    let site = site_with(
        &[
            ("content/programs/clean-air.md", PROGRAM),
            ("content/workshops/forum.md", forum),
            // Its translation repeats the program, gives another number.
            (
                "content/workshops/forum.ko.md",
                "---\ntitle: 포럼\nprogram: clean-air\nnumber: 2\n---\n",
            ),
        ],
        "languages: [en, ko]\n",
    );
    let lines = diag_lines(site.path());
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(
            "content/workshops/forum.ko.md:4:9: error: `number` contradicts the original"
        ),
        "{}",
        lines[0]
    );
    // Without the contradiction, the Korean edition shows the same program and series.
    write(
        site.path(),
        "content/workshops/forum.ko.md",
        b"---\ntitle: \xed\x8f\xac\xeb\x9f\xbc\nprogram: clean-air\n---\n",
    );
    build_ok(site.path());
    let ko = read(site.path(), "ko/workshops/forum/index.html");
    assert!(
        ko.contains("<dd><a href=\"/ko/programs/clean-air/\""),
        "{ko}"
    );
    assert!(ko.contains("<a href=\"/ko/series/green/\">green</a>"));
}

#[test]
fn an_incremental_build_follows_relations_as_a_clean_build_would() {
    let forum = "---\ntitle: Forum\ndate: 2016\ncities: [Seoul, Yokohama]\nprogram: clean-air\nseries: green\nnumber: 1\n---\n";
    let visit = "---\ntitle: Visit\ndate: 2015\ncities: [Seoul]\nrelated: [workshops/forum]\n---\n";
    let site = site_with(
        &[
            ("content/programs/clean-air.md", PROGRAM),
            ("content/workshops/forum.md", forum),
            ("content/trips/visit.md", visit),
        ],
        "",
    );
    let root = site.path();
    let out = tempfile::tempdir().unwrap();
    let out = out.path().join("site");
    build_into(root, &out);
    // The program's title is on the pages of what served it and of the pair.
    let program = root.join("content/programs/clean-air.md");
    std::fs::write(&program, PROGRAM.replace("Clean air", "Cleaner air")).unwrap();
    same_as_clean(root, &out, "a program renamed");
    let forum_page = std::fs::read_to_string(out.join("workshops/forum/index.html")).unwrap();
    assert!(forum_page.contains(">Cleaner air</a>"));
    // A workshop that no longer serves the program leaves its timeline.
    let path = root.join("content/workshops/forum.md");
    std::fs::write(&path, forum.replace("program: clean-air\n", "")).unwrap();
    same_as_clean(root, &out, "a program reference removed");
    // A renamed edition of a series, on its series page and the related trip's page.
    std::fs::write(&path, forum.replace("Forum", "Green forum")).unwrap();
    let report = same_as_clean(root, &out, "an edition renamed");
    assert!(report.files_written > 0);
    let visit_page = std::fs::read_to_string(out.join("trips/visit/index.html")).unwrap();
    assert!(visit_page.contains(">Green forum</a>"));
}
