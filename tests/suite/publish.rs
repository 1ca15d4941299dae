//! Publishing: feeds, sitemaps, robots.txt, page metadata (Open Graph, JSON-LD) and
//! the charts, checked on the `publish` fixture: a site under the sub-path
//! `https://example.org/archive/` whose numbers are known.
//!
//! The fixture: cities alpha (KR), beta (JP), gamma (CN) with coordinates and delta
//! (KR) without; programs p1 (2014–2016, alpha+beta, budget by year 100/120/80),
//! p2 (2015, beta+alpha, total 50), p3 (2015, gamma, 7000 千円); trip t1 (2015,
//! alpha+gamma, a title with `</script>`); workshops w1 (2016-10-20/21, Hall A,
//! alpha+beta+gamma) and w2 (2016, alpha).

use std::collections::BTreeSet;

use crate::support::*;

const ATOM: &str = "http://www.w3.org/2005/Atom";
const SITEMAP: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const BASE: &str = "https://example.org/archive/";

fn built() -> tempfile::TempDir {
    let site = fixture("publish");
    build_ok(site.path());
    site
}

/// The first child of `n` named `name` in the Atom namespace.
fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    n.children()
        .find(|c| c.tag_name().name() == name && c.tag_name().namespace() == Some(ATOM))
}

/// A feed parsed as Atom: (feed title, self link, entry titles, entry links).
fn atom(xml: &str) -> (String, String, Vec<String>, Vec<String>) {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("not XML: {e}\n{xml}"));
    let feed = doc.root_element();
    assert_eq!(feed.tag_name().name(), "feed");
    assert_eq!(feed.tag_name().namespace(), Some(ATOM));
    for required in ["id", "title", "updated", "author"] {
        assert!(child(feed, required).is_some(), "feed without <{required}>");
    }
    let title = child(feed, "title")
        .unwrap()
        .text()
        .unwrap_or("")
        .to_string();
    let self_link = feed
        .children()
        .find(|c| c.tag_name().name() == "link" && c.attribute("rel") == Some("self"))
        .and_then(|l| l.attribute("href"))
        .expect("feed without rel=self")
        .to_string();
    let mut titles = Vec::new();
    let mut links = Vec::new();
    for e in feed.children().filter(|c| c.tag_name().name() == "entry") {
        for required in ["id", "title", "updated", "summary"] {
            assert!(child(e, required).is_some(), "entry without <{required}>");
        }
        let updated = child(e, "updated").unwrap().text().unwrap();
        assert!(
            updated.len() == 20 && updated.ends_with('Z'),
            "not RFC 3339: {updated}"
        );
        titles.push(child(e, "title").unwrap().text().unwrap_or("").to_string());
        links.push(
            child(e, "link")
                .and_then(|l| l.attribute("href"))
                .unwrap()
                .to_string(),
        );
    }
    (title, self_link, titles, links)
}

#[test]
fn feeds_of_the_archive_of_each_kind_and_of_each_city_are_atom_with_their_records() {
    let site = built();
    let (title, me, titles, links) = atom(&read(site.path(), "feed.xml"));
    assert_eq!(title, "Publish & test");
    assert_eq!(me, format!("{BASE}feed.xml"));
    assert_eq!(titles.len(), 6);
    // Newest first.
    assert_eq!(titles[0], "Autumn workshop");
    assert_eq!(titles[5], "Three-year program");
    assert!(titles.contains(&"Trip </script><script>alert(1)</script> & more".to_string()));
    assert!(links.contains(&format!("{BASE}workshops/w1/")));

    let (title, me, titles, _) = atom(&read(site.path(), "programs/feed.xml"));
    assert_eq!(title, "Publish & test — Programs");
    assert_eq!(me, format!("{BASE}programs/feed.xml"));
    assert_eq!(
        titles,
        [
            "One-year program of Beta",
            "Gamma program in yen",
            "Three-year program"
        ]
    );
    let (_, _, titles, _) = atom(&read(site.path(), "trips/feed.xml"));
    assert_eq!(titles.len(), 1);

    let (title, me, titles, _) = atom(&read(site.path(), "cities/gamma/feed.xml"));
    assert_eq!(title, "Publish & test — Gamma");
    assert_eq!(me, format!("{BASE}cities/gamma/feed.xml"));
    assert_eq!(titles.len(), 3);
    assert!(!titles.contains(&"Alpha forum".to_string()));
    // A city without records has a valid, empty feed to subscribe to.
    let (_, _, titles, _) = atom(&read(site.path(), "cities/delta/feed.xml"));
    assert!(titles.is_empty());
}

#[test]
fn pages_announce_their_feeds_with_link_rel_alternate() {
    let site = built();
    let alt =
        |href: &str| format!("type=\"application/atom+xml\" title=\"Publish &amp; test{href}");
    let home = read(site.path(), "index.html");
    assert!(home.contains(&format!("{}\" href=\"/archive/feed.xml\"", alt(""))));
    let city = read(site.path(), "cities/alpha/index.html");
    assert!(city.contains(&format!(
        "{}\" href=\"/archive/cities/alpha/feed.xml\"",
        alt(" — Alpha")
    )));
    assert!(city.contains("<a class=\"feed-link\" href=\"/archive/cities/alpha/feed.xml\""));
    let list = read(site.path(), "workshops/index.html");
    assert!(list.contains(&format!(
        "{}\" href=\"/archive/workshops/feed.xml\"",
        alt(" — Workshops")
    )));
    let record = read(site.path(), "programs/p1/index.html");
    assert!(record.contains("href=\"/archive/programs/feed.xml\""));
}

fn sitemap_locs(xml: &str, root: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    assert_eq!(doc.root_element().tag_name().name(), root);
    assert_eq!(doc.root_element().tag_name().namespace(), Some(SITEMAP));
    doc.descendants()
        .filter(|n| n.tag_name().name() == "loc")
        .map(|n| n.text().unwrap().to_string())
        .collect()
}

#[test]
fn the_sitemap_lists_every_record_city_and_year_page_under_the_base_url() {
    let site = built();
    let locs = sitemap_locs(&read(site.path(), "sitemap.xml"), "urlset");
    for loc in &locs {
        assert!(loc.starts_with(BASE), "{loc}");
        assert!(loc.ends_with('/'), "not a page: {loc}");
    }
    let mut expected = vec![BASE.to_string()];
    for path in [
        "programs/p1/",
        "programs/p2/",
        "programs/p3/",
        "trips/t1/",
        "workshops/w1/",
        "workshops/w2/",
        "cities/",
        "cities/alpha/",
        "cities/alpha/beta/",
        "cities/alpha/gamma/",
        "cities/beta/",
        "cities/beta/gamma/",
        "cities/gamma/",
        "cities/delta/",
        "years/",
        "years/2014/",
        "years/2015/",
        "years/2016/",
        "programs/",
        "trips/",
        "workshops/",
        "search/",
        "data/",
    ] {
        expected.push(format!("{BASE}{path}"));
    }
    expected.sort();
    assert_eq!(locs, expected);
    assert!(!read(site.path(), "sitemap.xml").contains("404"));
}

#[test]
fn robots_txt_points_to_the_sitemap() {
    let site = built();
    let robots = read(site.path(), "robots.txt");
    assert!(robots.contains("User-agent: *\n"), "{robots}");
    assert!(
        robots.contains(&format!("\nSitemap: {BASE}sitemap.xml\n")),
        "{robots}"
    );
}

#[test]
fn a_sitemap_past_the_limit_is_an_index_of_parts_that_together_list_every_page() {
    use accord::routes::{Page, Route};
    let site = built();
    let root = site.path();
    // The pipeline up to rendering, to render sitemap routes with a small limit.
    let config = accord::config::Config::load(root).unwrap();
    let registry = accord::registry::Registry::load(root).unwrap();
    let sources = accord::source::load(root);
    let records: Vec<_> = sources
        .files
        .iter()
        .filter_map(|f| accord::content::parse(f, &registry, &config).0)
        .collect();
    let all = sources.files.iter().map(|f| f.rel_path.as_path()).collect();
    let site_model = accord::site::Site::build(config, registry, records, &all).unwrap();
    let theme = accord::theme::Theme::load(&site_model.config).unwrap();
    let renderer = accord::render::Renderer::new(&site_model, &theme).unwrap();
    let render = |page| {
        let route = Route {
            file: "x.xml".into(),
            page,
        };
        String::from_utf8(renderer.render(&route).unwrap()).unwrap()
    };

    let whole = sitemap_locs(&render(Page::Sitemap), "urlset");
    assert_eq!(whole.len(), 24);
    let routes = accord::routes::sitemap_routes(whole.len(), 8);
    assert_eq!(routes.len(), 4, "an index and three parts");
    assert_eq!(routes[0].file, "sitemap.xml");
    let index = sitemap_locs(&render(routes[0].page), "sitemapindex");
    assert_eq!(
        index,
        [1, 2, 3].map(|n| format!("{BASE}sitemap-{n}.xml")).to_vec()
    );
    let mut joined = Vec::new();
    for (n, r) in routes[1..].iter().enumerate() {
        assert_eq!(r.file, format!("sitemap-{}.xml", n + 1));
        let part = sitemap_locs(&render(r.page), "urlset");
        assert!(part.len() <= 8);
        joined.extend(part);
    }
    assert_eq!(joined, whole);
}

/// The JSON-LD of a page, parsed.
pub(crate) fn jsonld(html: &str) -> serde_json::Value {
    let start = html
        .find("<script type=\"application/ld+json\">")
        .expect("no JSON-LD")
        + "<script type=\"application/ld+json\">".len();
    let text = &html[start..start + html[start..].find("</script>").unwrap()];
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON: {e}\n{text}"))
}

#[test]
fn json_ld_parses_and_gives_each_kind_of_page_its_schema_org_type() {
    let site = built();
    let page = |p: &str| jsonld(&read(site.path(), p));

    let w = page("workshops/w1/index.html");
    assert_eq!(w["@context"], "https://schema.org");
    assert_eq!(w["@type"], "Event");
    assert_eq!(w["startDate"], "2016-10-20");
    assert_eq!(w["endDate"], "2016-10-21");
    assert_eq!(w["location"]["name"], "Hall A");
    assert_eq!(w["location"]["containedInPlace"]["name"], "Alpha");
    assert_eq!(w["location"]["containedInPlace"]["geo"]["latitude"], 37.5);
    assert_eq!(w["organizer"][0]["name"], "Network secretariat");
    assert_eq!(w["url"], format!("{BASE}workshops/w1/"));
    // Without a venue, the place of a workshop is its cities.
    let w2 = page("workshops/w2/index.html");
    assert_eq!(w2["@type"], "Event");
    assert_eq!(w2["location"][0]["name"], "Alpha");

    let t = page("trips/t1/index.html");
    assert_eq!(t["@type"], "Report");
    assert_eq!(t["temporalCoverage"], "2015-06-01/2015-06-03");
    assert_eq!(t["spatialCoverage"][1]["name"], "Gamma");

    let p = page("programs/p1/index.html");
    assert_eq!(p["@type"], "Project");
    assert_eq!(p["foundingDate"], "2014");
    assert_eq!(p["dissolutionDate"], "2016");
    assert_eq!(p["identifier"], "1-2");

    let home = page("index.html");
    assert_eq!(home["@type"], "WebSite");
    assert_eq!(home["potentialAction"]["@type"], "SearchAction");
    let city = page("cities/alpha/index.html");
    assert_eq!(city["@type"], "CollectionPage");
    assert_eq!(city["about"]["@type"], "Place");
    assert_eq!(city["about"]["address"]["addressCountry"], "KR");
    assert_eq!(page("years/2015/index.html")["@type"], "CollectionPage");
    assert!(!read(site.path(), "404.html").contains("application/ld+json"));
}

#[test]
fn a_title_with_a_closing_script_tag_cannot_leave_the_json_ld() {
    let site = built();
    let html = read(site.path(), "trips/t1/index.html");
    let start = html.find("<script type=\"application/ld+json\">").unwrap();
    let rest = &html[start..];
    let block = &rest[..rest.find("</script>").unwrap()];
    assert!(!block[1..].contains('<'), "{block}");
    assert!(block.contains("\\u003c/script\\u003e"));
    assert_eq!(
        jsonld(&html)["name"],
        "Trip </script><script>alert(1)</script> & more"
    );
    // The JSON-LD is the page's only script element besides the theme's loader of
    // the search script: none came from the title.
    let loader = html
        .matches(r#"<script data-accord="search-loader">"#)
        .count();
    assert_eq!(loader, 1, "{html}");
    assert_eq!(html.matches("<script").count(), 1 + loader, "{html}");
}

#[test]
fn every_page_has_its_title_description_canonical_url_language_and_open_graph_tags() {
    let site = built();
    let out = tree(&site.path().join("output"));
    let mut pages = 0;
    for (path, bytes) in &out {
        if !path.ends_with(".html") {
            continue;
        }
        pages += 1;
        let html = String::from_utf8_lossy(bytes);
        assert!(html.contains("<html lang=\"en\">"), "{path}");
        assert!(
            html.contains("<title>") && !html.contains("<title></title>"),
            "{path}"
        );
        assert!(
            html.contains("<meta name=\"description\" content=\""),
            "{path}"
        );
        for og in [
            "og:type",
            "og:title",
            "og:description",
            "og:url",
            "og:site_name",
        ] {
            assert!(
                html.contains(&format!("<meta property=\"{og}\"")),
                "{path}: {og}"
            );
        }
        if path != "404.html" {
            let url = format!(
                "{BASE}{}",
                path.trim_end_matches("index.html").replace('\\', "/")
            );
            assert!(
                html.contains(&format!("<link rel=\"canonical\" href=\"{url}\">")),
                "{path}"
            );
        }
    }
    assert!(pages > 15);
    let record = read(site.path(), "workshops/w1/index.html");
    assert!(record.contains("<meta property=\"og:type\" content=\"article\">"));
    assert!(record.contains("<meta property=\"og:title\" content=\"Autumn workshop\">"));
    assert!(record.contains("<meta name=\"description\" content=\"Two days in Hall A.\">"));
    assert!(
        read(site.path(), "index.html").contains("<meta property=\"og:type\" content=\"website\">")
    );
}

/// The `data-…` numbers of the shapes of the first SVG after `marker` in `html`.
fn svg_numbers(html: &str, marker: &str, attr: &str) -> Vec<String> {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not found"));
    let svg_start = at + html[at..].find("<svg").unwrap();
    let svg = &html[svg_start..svg_start + html[svg_start..].find("</svg>").unwrap()];
    let key = format!("{attr}=\"");
    svg.split(&key)
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

/// The text of the `<text class="label">` elements of that SVG.
fn svg_labels(html: &str, marker: &str) -> Vec<String> {
    let at = html.find(marker).unwrap();
    let svg_start = at + html[at..].find("<svg").unwrap();
    let svg = &html[svg_start..svg_start + html[svg_start..].find("</svg>").unwrap()];
    svg.split("<text class=\"label\"")
        .skip(1)
        .map(|s| {
            let s = &s[s.find('>').unwrap() + 1..];
            s[..s.find('<').unwrap()].to_string()
        })
        .collect()
}

#[test]
fn the_home_chart_counts_records_per_year_and_kind() {
    let site = built();
    let home = read(site.path(), "index.html");
    let marker = "class=\"home-section home-chart\"";
    assert_eq!(svg_labels(&home, marker), ["2016", "2015", "2014"]);
    assert_eq!(svg_numbers(&home, marker, "data-total"), ["3", "4", "1"]);
    // 2016: one program, two workshops; 2015: three programs, one trip; 2014: one program.
    assert_eq!(
        svg_numbers(&home, marker, "data-value"),
        ["1", "2", "3", "1", "1"]
    );
    assert!(home.contains("role=\"img\" aria-label=\"Records per year, by kind\""));
    // The same numbers as a table, each year linking to its page.
    assert!(home.contains(
        "<tr><th scope=\"row\"><a href=\"/archive/years/2015/\">2015</a></th><td class=\"num\">3</td><td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">4</td></tr>"
    ));
}

#[test]
fn the_city_charts_count_its_records_per_year_and_its_partners() {
    let site = built();
    let alpha = read(site.path(), "cities/alpha/index.html");
    let years = "class=\"city-activity\"";
    assert_eq!(svg_labels(&alpha, years), ["2016", "2015", "2014"]);
    assert_eq!(svg_numbers(&alpha, years, "data-total"), ["3", "3", "1"]);
    let partners = "class=\"city-partners\"";
    assert_eq!(svg_labels(&alpha, partners), ["Beta", "Gamma"]);
    assert_eq!(svg_numbers(&alpha, partners, "data-value"), ["3", "2"]);
    // Each partner leads to the page of the pair.
    assert!(alpha.contains(
        "<th scope=\"row\"><a href=\"/archive/cities/alpha/beta/\">Beta</a></th><td class=\"num\">3</td>"
    ));
    // A city without records has no charts.
    let delta = read(site.path(), "cities/delta/index.html");
    assert!(!delta.contains("<svg"));
}

#[test]
fn the_year_charts_count_records_by_kind_and_budgets_by_lead_city_and_unit() {
    let site = built();
    let y2015 = read(site.path(), "years/2015/index.html");
    let kinds = "class=\"year-kinds\"";
    assert_eq!(
        svg_labels(&y2015, kinds),
        ["Programs", "Trips", "Workshops"]
    );
    assert_eq!(svg_numbers(&y2015, kinds, "data-value"), ["3", "1", "0"]);
    // KRW m: p1's 2015 amount for Alpha, p2's total (a 2015-only program) for Beta;
    // 千円: p3 for Gamma. One chart per unit, sorted by unit.
    assert!(y2015.contains("<h3>Program budgets by lead city (KRW m)</h3>"));
    let krw = "<h3>Program budgets by lead city (KRW m)</h3>";
    assert_eq!(svg_labels(&y2015, krw), ["Alpha", "Beta"]);
    assert_eq!(svg_numbers(&y2015, krw, "data-value"), ["120", "50"]);
    let yen = "<h3>Program budgets by lead city (千円)</h3>";
    assert_eq!(svg_labels(&y2015, yen), ["Gamma"]);
    assert_eq!(svg_numbers(&y2015, yen, "data-value"), ["7,000"]);
    // 2016: only p1's by-year amount.
    let y2016 = read(site.path(), "years/2016/index.html");
    let krw16 = "<h3>Program budgets by lead city (KRW m)</h3>";
    assert_eq!(svg_numbers(&y2016, krw16, "data-value"), ["80"]);
    assert!(!y2016.contains("千円"));
}

#[test]
fn the_cities_map_links_every_city_with_coordinates_sized_by_its_records() {
    let site = built();
    let cities = read(site.path(), "cities/index.html");
    let marker = "class=\"cities-map\"";
    // Biggest first: alpha (5 records), then beta and gamma (3 each); delta has no
    // coordinates and is only in the list.
    assert_eq!(svg_numbers(&cities, marker, "data-count"), ["5", "3", "3"]);
    for id in ["alpha", "beta", "gamma"] {
        assert!(cities.contains(&format!("<a href=\"/archive/cities/{id}/\"><circle")));
    }
    assert!(cities.contains("<title>Alpha: 5 records</title>"));
    assert!(!cities.contains("<a href=\"/archive/cities/delta/\"><circle"));
    // Country outlines from the theme's data, the countries with cities marked.
    assert!(cities.contains("class=\"land land-active\""));
    let labels: BTreeSet<&str> = cities
        .split("<text class=\"place-label\"")
        .skip(1)
        .map(|s| &s[s.find('>').unwrap() + 1..s.find("</text>").unwrap()])
        .collect();
    assert_eq!(labels, ["Alpha", "Beta", "Gamma"].into());
}

#[test]
fn incremental_builds_follow_budgets_into_year_charts_and_records_into_city_feeds() {
    let site = fixture("publish");
    let root = site.path();
    let out = tempfile::tempdir().unwrap();
    let out = out.path().join("site");
    build_into(root, &out);

    // A budget is on no card: its year pages follow it all the same.
    let p1 = root.join("content/programs/p1.md");
    let text = std::fs::read_to_string(&p1).unwrap();
    std::fs::write(&p1, text.replace("2015: 120", "2015: 125")).unwrap();
    let report = same_as_clean(root, &out, "a budget change");
    assert!(report.files_written >= 2, "{}", report.files_written);
    let y2015 = std::fs::read_to_string(out.join("years/2015/index.html")).unwrap();
    assert!(y2015.contains("data-value=\"125\""));

    // A first record for Delta fills its empty feed.
    std::fs::write(
        root.join("content/trips/t2.md"),
        "---\ntitle: Delta trip\ndate: 2016-05\ncities: [Delta]\n---\nA trip.\n",
    )
    .unwrap();
    same_as_clean(root, &out, "a record for a city without any");
    let feed = std::fs::read_to_string(out.join("cities/delta/feed.xml")).unwrap();
    assert!(feed.contains("<title>Delta trip</title>"));
}
