//! One fixture site per behaviour (tests/fixtures/<name>), built for real.

use crate::support::*;

#[test]
fn aliases_languages_and_nfd_spellings_land_on_one_city_page() {
    let site = fixture("aliases");
    build_ok(site.path());
    // Five records, two a page (`paginate_by: 2`).
    let seoul: String = ["", "page/2/", "page/3/"]
        .iter()
        .map(|p| read(site.path(), &format!("cities/seoul/{p}index.html")))
        .collect();
    for title in [
        "한글 이름",
        "긴 이름",
        "English name",
        "日本語の名前",
        "NFD 이름",
    ] {
        assert!(seoul.contains(title), "{title} missing from /cities/seoul/");
    }
    let beijing = read(site.path(), "cities/beijing/index.html");
    assert!(beijing.contains("NFD 이름") && beijing.contains("English name"));
    assert!(!beijing.contains("한글 이름"));
    // One page per city, named by id, whatever the spelling.
    let cities: Vec<String> = std::fs::read_dir(site.path().join("output/cities"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "index.html")
        .collect();
    let mut cities = cities;
    cities.sort();
    assert_eq!(cities, ["beijing", "seoul", "yokohama"]);
}

#[test]
fn a_record_belongs_to_every_year_of_its_span() {
    let site = fixture("year-spans");
    build_ok(site.path());
    for year in 2014..=2018 {
        let page = read(site.path(), &format!("years/{year}/index.html"));
        assert!(page.contains("Five-year program"), "missing on {year}");
    }
    assert!(read(site.path(), "years/2016/index.html").contains("One-day trip"));
    assert!(!read(site.path(), "years/2015/index.html").contains("One-day trip"));
    assert!(!site.path().join("output/years/2019").exists());
    assert!(!site.path().join("output/years/2013").exists());
    // Dates are shown at the precision written.
    let program = read(site.path(), "programs/five-years/index.html");
    assert!(
        program.contains("datetime=\"2018-06\""),
        "end date precision lost"
    );
    assert!(
        program.contains("datetime=\"2014\""),
        "start date precision lost"
    );
    assert!(program.contains("2018년 6월"), "localised end date missing");
}

#[test]
fn drafts_are_built_only_when_asked() {
    let site = fixture("drafts");
    let report = build_ok(site.path());
    assert_eq!(report.records, 1);
    assert_eq!(report.drafts_skipped, 1);
    assert!(!site.path().join("output/trips/secret").exists());
    assert!(!read(site.path(), "trips/index.html").contains("Secret draft"));
    assert!(!read(site.path(), "cities/seoul/index.html").contains("Secret draft"));

    let mut opts = options(site.path());
    opts.drafts = true;
    let report = accord::build(&opts).unwrap();
    assert_eq!(report.records, 2);
    assert!(read(site.path(), "trips/secret/index.html").contains("Secret draft"));
}

#[test]
fn hostile_text_is_inert_everywhere() {
    let site = fixture("escaping");
    build_ok(site.path());
    let out = tree(&site.path().join("output"));
    // The CSV downloads hold the text as it was written: data, never read as HTML.
    for (path, bytes) in out.iter().filter(|(p, _)| !p.ends_with(".csv")) {
        let text = String::from_utf8_lossy(bytes);
        for bad in [
            "<script>alert",
            "</script><script>",
            "<img src=x",
            "<iframe",
            "<svg onload",
            "<div onclick",
            "<b>bold org",
            "href=\"javascript:",
            "\"onmouseover=\"",
        ] {
            assert!(!text.contains(bad), "{path} contains {bad:?}");
        }
    }
    let page = read(site.path(), "workshops/hostile/index.html");
    assert!(
        page.contains("&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; &amp; friends"),
        "title not shown escaped, whole"
    );
}

#[test]
fn links_to_record_files_become_page_links() {
    let site = fixture("links");
    build_ok(site.path());
    let air = read(site.path(), "programs/air/index.html");
    assert!(air.contains("href=\"/trips/visit/\""), "{air}");
    assert!(air.contains("href=\"/trips/visit/#results\""));
    assert!(air.contains("href=\"/programs/air/\""));
    let visit = read(site.path(), "trips/visit/index.html");
    assert!(visit.contains("href=\"/programs/air/\""));
    assert!(visit.contains("id=\"results\""), "heading anchor missing");
}

#[test]
fn every_link_stays_under_the_base_path() {
    let site = fixture("subpath");
    build_ok(site.path());
    let out = tree(&site.path().join("output"));
    let mut checked = 0;
    for (path, bytes) in &out {
        if !path.ends_with(".html") {
            continue;
        }
        for link in links(&String::from_utf8_lossy(bytes)) {
            if link.starts_with('/') {
                assert!(link.starts_with("/archive/"), "{path}: {link}");
                // The target exists in the output.
                let rel = link
                    .trim_start_matches("/archive/")
                    .split('#')
                    .next()
                    .unwrap()
                    .to_string();
                let target = if rel.is_empty() || rel.ends_with('/') {
                    format!("{rel}index.html")
                } else {
                    rel
                };
                assert!(out.contains_key(&target), "{path}: {link} leads nowhere");
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} links checked");
    assert!(read(site.path(), "trips/r3/index.html").contains("href=\"/archive/trips/r1/\""));
    // Pagination at 2 per page: 5 records, 3 pages.
    assert!(site.path().join("output/trips/page/3/index.html").exists());
    assert!(!site.path().join("output/trips/page/4").exists());
    let sitemap = read(site.path(), "sitemap.xml");
    assert!(
        sitemap.contains("<loc>https://example.org/archive/trips/r1/</loc>"),
        "{sitemap}"
    );
}

#[test]
fn every_content_error_is_reported_with_its_position() {
    let site = fixtures().join("errors");
    let diags = accord::build(&accord::Options {
        root: site.clone(),
        output: None,
        drafts: false,
        write: false,
        allow_empty: false,
        base_url: None,
        cache: accord::cache::Mode::Use,
    })
    .expect_err("the errors fixture must fail");
    let actual = render_diags(&diags);
    let expected_path = site.join("expected.txt");
    if std::env::var_os("ACCORD_BLESS").is_some() {
        std::fs::write(&expected_path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap();
    assert_eq!(
        actual, expected,
        "diagnostics changed (ACCORD_BLESS=1 rewrites tests/fixtures/errors/expected.txt)"
    );
}

#[test]
fn a_failed_build_leaves_the_published_output_untouched() {
    let site = fixture("failed-build");
    build_ok(site.path());
    let before = tree(&site.path().join("output"));
    let cache_before = tree(&site.path().join(".accord-cache"));
    std::fs::write(
        site.path().join("content/trips/broken.md"),
        "---\ntitle: Broken\ndate: 2020\ncities: [어디에도없는도시]\n---\n",
    )
    .unwrap();
    assert!(accord::build(&options(site.path())).is_err());
    assert_eq!(tree(&site.path().join("output")), before);
    // Nor is anything left beside it but the manifest of the last good build, the
    // lock builds take on the output, and the build cache of the last good build.
    assert_eq!(tree(&site.path().join(".accord-cache")), cache_before);
    let names: Vec<String> = std::fs::read_dir(site.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.starts_with('.')
                && n != ".output.accord-manifest"
                && n != ".output.accord-lock"
                && n != ".accord-cache"
        })
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn a_site_overrides_single_templates_and_static_files() {
    let site = fixture("override");
    build_ok(site.path());
    let page = read(site.path(), "404.html");
    assert!(page.contains("Custom not-found page of this site"));
    // The rest of the theme still applies: the override extends the theme's base.
    assert!(page.contains("<html"), "{page}");
    assert!(read(site.path(), "trips/any/index.html").contains("<html"));
    assert_eq!(read(site.path(), "extra.css"), "body{}\n");
    assert!(site.path().join("output/style.css").exists());
}

#[test]
fn two_builds_are_byte_identical() {
    let site = fixture("year-spans");
    build_ok(site.path());
    let first = tree(&site.path().join("output"));
    build_ok(site.path());
    assert_eq!(first, tree(&site.path().join("output")));
}
