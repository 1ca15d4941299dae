//! Open data: the downloads under /data/ read back by two CSV readers (the `csv` crate
//! and Python's `csv` module), `records.json` against the JSON Schema published with
//! it, the Data Package through the Frictionless framework, JSON Feed 1.1, git dates
//! in feeds and sitemaps, and the redirects of `aliases`.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::*;

/// A file below `dir`, as text.
fn text(dir: &Path, rel: &str) -> String {
    let path = dir.join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json_of(dir: &Path, rel: &str) -> Value {
    serde_json::from_str(&text(dir, rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The rows of a CSV download, read by the `csv` crate after checking the byte-order
/// mark and the CRLF line ends.
fn csv_rows(out: &Path, name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(out.join("data").join(name)).unwrap();
    let body = bytes
        .strip_prefix("\u{feff}".as_bytes())
        .unwrap_or_else(|| panic!("{name} does not start with a byte-order mark"));
    let text = std::str::from_utf8(body).unwrap();
    assert!(text.ends_with("\r\n"), "{name} does not end with CRLF");
    let mut reader = csv::ReaderBuilder::new().from_reader(body);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    for row in &rows {
        assert_eq!(row.len(), header.len(), "{name}: a row of another width");
    }
    (header, rows)
}

const CSV_FILES: [&str; 4] = [
    "records.csv",
    "budgets.csv",
    "cities.csv",
    "record_cities.csv",
];

#[test]
fn csv_downloads_read_back_in_both_readers_with_one_row_per_fact() {
    let site = sample_archive();
    build_ok(site.path());
    let out = site.path().join("output");
    let records = json_of(&out, "data/records.json");
    let records = records["records"].as_array().unwrap();
    assert_eq!(records.len(), 5, "the sample archive has five records");

    let (header, rows) = csv_rows(&out, "records.csv");
    assert_eq!(rows.len(), records.len());
    let id = header.iter().position(|h| h == "id").unwrap();
    let title = header.iter().position(|h| h == "title").unwrap();
    for (row, record) in rows.iter().zip(records) {
        assert_eq!(row[id], record["id"].as_str().unwrap());
        assert_eq!(row[title], record["title"].as_str().unwrap());
    }
    let budget_rows: usize = records
        .iter()
        .filter_map(|r| r["budget"].as_object())
        .map(|b| {
            b["by_year"].as_array().unwrap().len()
                + usize::from(!b["total"].is_null())
                + usize::from(!b["spent"].is_null())
        })
        .sum();
    assert!(budget_rows > 0, "the sample has budgets");
    assert_eq!(csv_rows(&out, "budgets.csv").1.len(), budget_rows);
    let city_links: usize = records
        .iter()
        .map(|r| r["cities"].as_array().unwrap().len())
        .sum();
    assert_eq!(csv_rows(&out, "record_cities.csv").1.len(), city_links);
    let registry = std::fs::read_to_string(site.path().join("data/cities.yaml")).unwrap();
    let cities = registry
        .lines()
        .filter(|l| !l.starts_with([' ', '#']) && l.ends_with(':'))
        .count();
    assert_eq!(csv_rows(&out, "cities.csv").1.len(), cities);

    // Python's csv module, as a researcher would read the files.
    let Some(python) = require_tool(Tool::Python) else {
        return;
    };
    let script = "import csv, json, sys\n\
        out = {}\n\
        for name in sys.argv[1:]:\n\
        \x20   with open(name, encoding='utf-8-sig', newline='') as f:\n\
        \x20       rows = list(csv.reader(f))\n\
        \x20   assert all(len(r) == len(rows[0]) for r in rows), name\n\
        \x20   out[name.rsplit('/', 1)[-1]] = [len(rows) - 1, rows[0][0], rows[1][0] if len(rows) > 1 else '']\n\
        print(json.dumps(out))\n";
    let data = out.join("data");
    let output = Command::new(python)
        .arg("-c")
        .arg(script)
        .args(CSV_FILES.map(|f| data.join(f)))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let read: Value = serde_json::from_slice(&output.stdout).unwrap();
    for name in CSV_FILES {
        let (header, rows) = csv_rows(&out, name);
        assert_eq!(read[name][0], rows.len(), "{name}: rows");
        // The BOM is not part of the first column's name in either reader.
        assert_eq!(read[name][1], header[0], "{name}: first column");
        assert_eq!(read[name][2], rows[0][0], "{name}: first cell");
    }
}

#[test]
fn records_json_and_each_record_json_match_the_published_schema() {
    let site = sample_archive();
    build_ok(site.path());
    let out = site.path().join("output");
    let schema = json_of(&out, "data/records.schema.json");
    let records = json_of(&out, "data/records.json");
    let errors = schema_errors(&schema, &records);
    assert!(errors.is_empty(), "{errors:#?}");

    // A record that breaks the schema is caught: the schema is not empty.
    let mut broken = records.clone();
    broken["records"][0]["date"]["precision"] = "week".into();
    broken["records"][0]["cities"] = Value::Array(Vec::new());
    assert_eq!(schema_errors(&schema, &broken).len(), 2);

    // Each page's JSON is the record of records.json plus its body, and is announced.
    let mut one = schema.clone();
    one.as_object_mut()
        .unwrap()
        .retain(|k, _| k.starts_with('$'));
    one["$ref"] = "#/$defs/record".into();
    for record in records["records"].as_array().unwrap() {
        let url = record["json_url"].as_str().unwrap();
        let rel = url.strip_prefix("https://example.org/").unwrap();
        let own = json_of(&out, rel);
        let errors = schema_errors(&one, &own);
        assert!(errors.is_empty(), "{rel}: {errors:#?}");
        assert!(own["content_html"].as_str().unwrap().contains("<p>"));
        let mut without = own.clone();
        without.as_object_mut().unwrap().remove("content_html");
        assert_eq!(&without, record, "{rel}");
        let page = text(&out, &rel.replace("index.json", "index.html"));
        let link = format!(
            "<link rel=\"alternate\" type=\"application/json\" href=\"/{}\">",
            rel
        );
        assert!(page.contains(&link), "{rel}: no {link}");
    }
}

/// `frictionless validate --json` of a package: its report.
fn frictionless(tool: &Path, package: &Path) -> Value {
    let output = Command::new(tool)
        .args(["validate", "--json"])
        .arg(package)
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "frictionless: {e}\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn error_types(report: &Value) -> Vec<String> {
    let mut types: Vec<String> = report["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["errors"].as_array().unwrap())
        .chain(report["errors"].as_array().unwrap())
        .map(|e| e["type"].as_str().unwrap_or_default().to_string())
        .collect();
    types.sort();
    types.dedup();
    types
}

#[test]
fn the_data_package_is_valid_for_frictionless_with_its_foreign_keys_checked() {
    let Some(tool) = require_tool(Tool::Frictionless) else {
        return;
    };
    let sample = sample_archive();
    build_ok(sample.path());
    let generated = tempfile::tempdir().unwrap();
    generate_archive(generated.path(), 1000, "Generated");
    build_ok(generated.path());
    for root in [sample.path(), generated.path()] {
        let package = root.join("output/data/datapackage.json");
        let report = frictionless(&tool, &package);
        assert_eq!(report["valid"], true, "{:#?}", error_types(&report));
        assert_eq!(report["stats"]["errors"], 0);
        let tasks = report["tasks"].as_array().unwrap();
        assert_eq!(tasks.len(), 7, "every file is a resource");
    }
    let rows = csv_rows(&generated.path().join("output"), "records.csv").1;
    assert_eq!(rows.len(), 1000);

    // A link to a city the registry does not have breaks a foreign key: they are checked.
    let data = sample.path().join("output/data");
    let links = std::fs::read_to_string(data.join("record_cities.csv")).unwrap();
    let (head, rest) = links.split_once("\r\n").unwrap();
    let (first, _) = rest.split_once("\r\n").unwrap();
    let mut cells: Vec<&str> = first.split(',').collect();
    cells[1] = "atlantis";
    std::fs::write(
        data.join("record_cities.csv"),
        format!("{head}\r\n{}\r\n{rest}", cells.join(",")),
    )
    .unwrap();
    let report = frictionless(&tool, &data.join("datapackage.json"));
    assert_eq!(report["valid"], false);
    assert_eq!(error_types(&report), ["foreign-key"]);
}

/// Runs git in `root` as a fixed person at a fixed time, away from the user's config.
fn git(root: &Path, args: &[&str], when: &str) {
    let status = Command::new("git")
        .current_dir(root)
        .args(args)
        .env("GIT_AUTHOR_DATE", when)
        .env("GIT_COMMITTER_DATE", when)
        .env("GIT_AUTHOR_NAME", "Editor")
        .env("GIT_AUTHOR_EMAIL", "editor@example.org")
        .env("GIT_COMMITTER_NAME", "Editor")
        .env("GIT_COMMITTER_EMAIL", "editor@example.org")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// The `(id, published, updated)` of each entry of an Atom feed, in order.
fn feed_entries(xml: &str) -> Vec<(String, Option<String>, String)> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    let text = |n: roxmltree::Node<'_, '_>, tag: &str| {
        n.children()
            .find(|c| c.has_tag_name(tag))
            .and_then(|c| c.text())
            .map(str::to_string)
    };
    doc.root_element()
        .children()
        .filter(|n| n.has_tag_name("entry"))
        .map(|e| {
            (
                text(e, "id").unwrap(),
                text(e, "published"),
                text(e, "updated").unwrap(),
            )
        })
        .collect()
}

/// The `lastmod` of `url` in a sitemap.
fn lastmod(xml: &str, url: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    let node = doc.descendants().find(|n| {
        n.has_tag_name("url")
            && n.children()
                .any(|c| c.has_tag_name("loc") && c.text() == Some(url))
    })?;
    node.children()
        .find(|c| c.has_tag_name("lastmod"))
        .and_then(|c| c.text())
        .map(str::to_string)
}

#[test]
fn an_edited_record_moves_to_the_top_of_the_feed_and_an_untouched_one_keeps_its_dates() {
    let site = site(&[
        (
            "accord.yaml",
            b"title: Dates\nbase_url: https://example.org/\nlanguage: en\ngit_dates: true\nrepo_url: https://git.example.org/archive/edit/main\n",
        ),
        (
            "content/trips/old-event.md",
            b"---\ntitle: An old event\ndate: 2016-05\ncities: [Seoul]\n---\nWritten in 2024.\n",
        ),
        (
            "content/trips/newer-event.md",
            b"---\ntitle: A newer event\ndate: 2020-01-10\ncities: [Beijing]\n---\nAlso written in 2024.\n",
        ),
    ]);
    let root = site.path();
    git(root, &["init", "-q"], "2024-01-01T10:00:00Z");
    git(root, &["add", "."], "2024-01-01T10:00:00Z");
    git(root, &["commit", "-q", "-m", "Add"], "2024-01-01T10:00:00Z");
    build_ok(root);
    let old_url = "https://example.org/trips/old-event/";
    let newer_url = "https://example.org/trips/newer-event/";
    let added = "2024-01-01T10:00:00Z";
    let feed = feed_entries(&read(root, "feed.xml"));
    // Added together: ordered by the event, as before.
    assert_eq!(
        feed,
        [
            (newer_url.into(), Some(added.into()), added.into()),
            (old_url.into(), Some(added.into()), added.into()),
        ]
    );
    let sitemap = read(root, "sitemap.xml");
    assert_eq!(lastmod(&sitemap, old_url).as_deref(), Some("2024-01-01"));

    write(
        root,
        "content/trips/old-event.md",
        b"---\ntitle: An old event\ndate: 2016-05\ncities: [Seoul]\n---\nCorrected in March.\n",
    );
    git(
        root,
        &["commit", "-q", "-am", "Correct"],
        "2024-03-05T12:30:00Z",
    );
    build_ok(root);
    let feed = feed_entries(&read(root, "feed.xml"));
    assert_eq!(
        feed,
        [
            (
                old_url.into(),
                Some(added.into()),
                "2024-03-05T12:30:00Z".into()
            ),
            (newer_url.into(), Some(added.into()), added.into()),
        ]
    );
    let sitemap = read(root, "sitemap.xml");
    assert_eq!(lastmod(&sitemap, old_url).as_deref(), Some("2024-03-05"));
    assert_eq!(lastmod(&sitemap, newer_url).as_deref(), Some("2024-01-01"));
    let json = json_of(&root.join("output"), "trips/old-event/index.json");
    assert_eq!(
        (json["added"].as_str(), json["updated"].as_str()),
        (Some("2024-01-01"), Some("2024-03-05"))
    );
    let page = read(root, "trips/old-event/index.html");
    assert!(
        page.contains("<time datetime=\"2024-03-05\">"),
        "no last update shown"
    );
    assert!(
        page.contains(
            "href=\"https://git.example.org/archive/edit/main/content/trips/old-event.md\""
        ),
        "no edit link"
    );

    // The dates come from the history, not the clock: a second build is identical.
    let again = tempfile::tempdir().unwrap();
    build_into(root, again.path());
    assert_eq!(tree(&root.join("output")), tree(again.path()));
}

/// An RFC 3339 timestamp in UTC, as the feeds write them: `2024-03-05T12:30:00Z`.
fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    b.len() == 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'Z'
}

/// The rules of JSON Feed 1.1 (https://jsonfeed.org/version/1.1) a feed must keep.
fn json_feed_problems(feed: &Value, own_url: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    check(
        feed["version"] == "https://jsonfeed.org/version/1.1",
        "version".into(),
    );
    check(
        feed["title"].as_str().is_some_and(|t| !t.is_empty()),
        "title".into(),
    );
    check(
        feed["feed_url"] == own_url,
        format!("feed_url {}", feed["feed_url"]),
    );
    check(
        feed["home_page_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://")),
        "home_page_url".into(),
    );
    check(
        feed["authors"]
            .as_array()
            .is_some_and(|a| a.iter().all(|x| x["name"].is_string())),
        "authors".into(),
    );
    let Some(items) = feed["items"].as_array() else {
        problems.push("items".into());
        return problems;
    };
    let mut ids = std::collections::HashSet::new();
    for item in items {
        let id = item["id"].as_str().unwrap_or_default();
        check(
            !id.is_empty() && ids.insert(id.to_string()),
            format!("id {id}"),
        );
        check(
            item["url"]
                .as_str()
                .is_some_and(|u| u.starts_with("https://")),
            format!("{id}: url"),
        );
        check(
            item["content_html"].is_string() || item["content_text"].is_string(),
            format!("{id}: content"),
        );
        for key in ["date_published", "date_modified"] {
            if !item[key].is_null() {
                check(
                    item[key].as_str().is_some_and(is_rfc3339),
                    format!("{id}: {key}"),
                );
            }
        }
        check(
            item["tags"]
                .as_array()
                .is_some_and(|t| t.iter().all(Value::is_string)),
            format!("{id}: tags"),
        );
    }
    problems
}

#[test]
fn every_atom_feed_has_a_json_feed_1_1_beside_it() {
    let site = sample_archive();
    build_ok(site.path());
    let out = site.path().join("output");
    let atoms: Vec<String> = tree(&out)
        .into_keys()
        .filter(|f| f.ends_with("feed.xml"))
        .collect();
    assert!(atoms.len() > 5, "{atoms:?}");
    for atom in &atoms {
        let rel = atom.replace("feed.xml", "feed.json");
        let feed = json_of(&out, &rel);
        let problems = json_feed_problems(&feed, &format!("https://example.org/{rel}"));
        assert!(problems.is_empty(), "{rel}: {problems:?}");
        // The same records, in the same order, as the Atom feed.
        let ids: Vec<String> = feed_entries(&text(&out, atom))
            .into_iter()
            .map(|e| e.0)
            .collect();
        let items: Vec<&str> = feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap())
            .collect();
        let items: Vec<String> = items.iter().map(|i| percent_decode(i)).collect();
        assert_eq!(items, ids, "{rel}");
    }
    // A broken feed is caught by the rules.
    let mut broken = json_of(&out, "feed.json");
    broken["version"] = "1".into();
    broken["items"][0]["date_published"] = "2024-01-01".into();
    assert_eq!(
        json_feed_problems(&broken, "https://example.org/feed.json").len(),
        2
    );
}

#[test]
fn an_alias_redirects_to_the_new_url_and_one_on_another_page_is_an_error() {
    let site = site(&[
        (
            "content/trips/new-name.md",
            b"---\ntitle: Renamed\ndate: 2020\ncities: [Seoul]\naliases: [trips/old-name/, /archive/2019/visit]\n---\nBody.\n",
        ),
        (
            "content/trips/other.md",
            b"---\ntitle: Other\ndate: 2021\ncities: [Seoul]\n---\nBody.\n",
        ),
    ]);
    let root = site.path();
    build_ok(root);
    let out = root.join("output");
    for old in ["trips/old-name/", "archive/2019/visit/"] {
        let page = text(&out, &format!("{old}index.html"));
        assert!(
            page.contains("<meta http-equiv=\"refresh\" content=\"0; url=/trips/new-name/\">"),
            "{page}"
        );
        assert!(
            page.contains("<link rel=\"canonical\" href=\"https://example.org/trips/new-name/\">")
        );
        assert!(page.contains("<meta name=\"robots\" content=\"noindex\">"));
        assert!(
            out.join("trips/new-name/index.html").is_file(),
            "the target exists"
        );
    }
    assert_eq!(
        text(&out, "_redirects"),
        "/archive/2019/visit/ /trips/new-name/ 301\n/trips/old-name/ /trips/new-name/ 301\n"
    );
    assert!(
        !text(&out, "sitemap.xml").contains("old-name"),
        "redirects are not in the sitemap"
    );

    write(
        root,
        "content/trips/new-name.md",
        b"---\ntitle: Renamed\ndate: 2020\ncities: [Seoul]\naliases: [trips/other/]\n---\nBody.\n",
    );
    let errors = errors(root);
    assert_eq!(errors.len(), 1, "{}", render_diags(&errors));
    assert_eq!(errors[0].code, accord::diag::Code::OutputCollision);
    assert_eq!(errors[0].path, Path::new("content/trips/new-name.md"));
    assert!(errors[0].message.contains("aliases"), "{}", errors[0]);
}
