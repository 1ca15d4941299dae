//! Web editing (`accord cms`, `accord init --cms`): the admin page in headless
//! Chromium with Decap CMS and its in-memory `test-repo` backend
//! (`tests/decap_admin.mjs`): each kind's new-record form has every field of the
//! content model and the registry's cities; records saved by Decap, new and edited,
//! pass `accord check` unchanged, and an edited record keeps what its form does not
//! show. Records in the format Decap writes are checked without a browser too.
//!
//! Chromium, node, playwright-core and decap-cms are found by `support::require_tool`;
//! `.ci/run` installs them.

use std::path::Path;

use accord::kind::Kind;
use accord::registry::Registry;

use crate::support::*;

/// A file of the archive, as text.
fn source(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap()
}

fn accord_in(root: &Path, args: &[&str]) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend(["--root", path_str(root)]);
    accord_plain(&all)
}

/// `accord check` passes on `root` with no error in `new_files` (a warning such as
/// "no summary" is allowed: a record need not have one).
fn checks_clean(root: &Path, new_files: &[&str]) {
    let (code, stderr) = check(root);
    assert_eq!(code, Some(0), "{stderr}");
    for f in new_files {
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains(f) && l.contains(": error:"))
            .collect();
        assert!(errors.is_empty(), "{f}: {stderr}");
    }
}

#[test]
fn accord_cms_writes_the_admin_page_and_says_so() {
    let site = sample_archive();
    let out = accord_in(site.path(), &["cms"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("static/admin/index.html"), "{stderr}");
    assert!(stderr.contains("static/admin/config.yml"), "{stderr}");
    let page = source(site.path(), "static/admin/index.html");
    assert!(page.contains("https://unpkg.com/decap-cms@3.16.3/dist/decap-cms.js"));
    // Run again for Sveltia: the page changes, and the next run keeps Sveltia.
    assert!(
        accord_in(site.path(), &["cms", "--with", "sveltia"])
            .status
            .success()
    );
    assert!(accord_in(site.path(), &["cms"]).status.success());
    let page = source(site.path(), "static/admin/index.html");
    assert!(page.contains("/@sveltia/cms@"), "{page}");
    let config = source(site.path(), "static/admin/config.yml");
    assert!(config.contains("omit_default_locale_from_file_path: true"));
    // The admin page is published with the site.
    build_ok(site.path());
    assert!(site.path().join("output/admin/config.yml").is_file());
}

#[test]
fn accord_cms_outside_an_archive_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = accord_in(dir.path(), &["cms"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.path().join("static").exists());
}

#[test]
fn init_with_cms_writes_an_admin_page_for_a_new_archive() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("archive");
    let out = accord_plain(&["init", path_str(&root), "--cms", "decap"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = source(&root, "static/admin/config.yml");
    // The new archive's registry, named in its language.
    assert!(config.contains("value: seoul"), "{config}");
    let (code, stderr) = check(&root);
    assert_eq!(code, Some(0), "{stderr}");
}

/// Records written the way Decap writes them (its YAML: lists indented under their
/// key, strings quoted only where YAML needs it, a year alone quoted as a string,
/// cities by id) pass `accord check` unchanged.
#[test]
fn records_in_the_format_decap_writes_pass_check() {
    let site = sample_archive();
    let dir = fixtures().join("cms");
    let mut new_files = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let (section, file) = name.split_once("--").unwrap();
        let rel = format!("content/{section}/{file}");
        write(site.path(), &rel, &std::fs::read(entry.path()).unwrap());
        new_files.push(rel);
    }
    assert_eq!(new_files.len(), 3);
    let refs: Vec<&str> = new_files.iter().map(String::as_str).collect();
    checks_clean(site.path(), &refs);
    let report = build_ok(site.path());
    assert_eq!(report.records, 8);
}

/// The record the browser test edits.
const EDITED: &str = "seoul-northeast-asia-air-quality";

#[test]
fn decap_shows_each_kinds_fields_and_cities_and_saves_records_that_pass_check() {
    let (Some(node), Some(chromium), Some(_), Some(_)) = (
        require_tool(Tool::Node),
        require_tool(Tool::Chromium),
        require_tool(Tool::NpmPackage("playwright-core")),
        require_tool(Tool::NpmPackage("decap-cms")),
    ) else {
        return;
    };
    let site = sample_archive();
    assert!(
        accord_in(site.path(), &["cms", "--with", "decap"])
            .status
            .success()
    );
    let run = || {
        let mut script = node_script(&node, &chromium, &repo().join("tests/decap_admin.mjs"));
        script
            .arg(site.path().join("static/admin"))
            .arg(format!("programs/{EDITED}"))
            .args(Kind::ALL.map(Kind::id));
        observations(script)
    };
    // A page that stopped answering (Decap's renderer busy on a loaded machine) is run
    // again, saying so, up to twice; a third stall fails.
    let mut v = run();
    for _ in 0..2 {
        if v["stalled"] != true {
            break;
        }
        eprintln!("*** Decap's page stalled; running it once more ***");
        v = run();
    }
    assert_ne!(v["stalled"], true, "Decap's page stalled three times: {v}");
    assert_eq!(v["errors"], serde_json::json!([]), "{v}");

    let registry = Registry::load(site.path()).unwrap();
    let cities: Vec<&str> = (0..registry.cities.len())
        .map(|id| registry.name(id, "ko"))
        .collect();
    for kind in Kind::ALL {
        let form = &v["forms"][kind.id()];
        let labels: Vec<&str> = form["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        let names: Vec<String> = labels
            .iter()
            .map(|l| {
                l.trim_end_matches(" (optional)")
                    .to_lowercase()
                    .replace(' ', "_")
            })
            .collect();
        // Every field of the content model but the free `extra`, and the body.
        let schema = accord::schema::front_matter(kind, &registry);
        for field in schema["properties"].as_object().unwrap().keys() {
            if field != "extra" {
                assert!(names.contains(field), "{kind:?}: no {field} in {labels:?}");
            }
        }
        assert!(names.contains(&"body".to_string()), "{labels:?}");
        for required in ["Title", "Date", "Cities"] {
            assert!(labels.contains(&required), "{kind:?}: {labels:?}");
        }
        // The cities by their Korean names (the archive's language), in id order.
        assert_eq!(form["cities"], serde_json::json!(cities), "{kind:?}");
    }
    let has = |kind: Kind, label: &str| {
        v["forms"][kind.id()]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == label)
    };
    // The budget's and the cost's parts, optional in the form as their objects are
    // (`accord check` still wants a currency with an amount).
    for label in ["Unit (optional)", "Total (optional)", "Spent (optional)"] {
        assert!(has(Kind::Program, label), "{label}");
    }
    assert!(has(Kind::Trip, "Amount (optional)") && has(Kind::Trip, "Currency (optional)"));

    // What Decap saved, written into the archive unchanged, passes `accord check`.
    let saved = v["saved"].as_array().unwrap();
    assert_eq!(saved.len(), 2, "{v}");
    let mut new_files = Vec::new();
    for file in saved {
        let rel = file["path"].as_str().unwrap();
        let text = file["content"].as_str().unwrap();
        assert!(text.contains("  - seoul\n  - beijing\n"), "{text}");
        write(site.path(), rel, text.as_bytes());
        new_files.push(rel);
    }

    // An existing record, its title edited in the form, keeps what the form does not
    // show (a budget's amounts by year) and its cities as written (by name).
    let edited = v["edited"].as_str().unwrap();
    let rel = format!("content/programs/{EDITED}.md");
    let before = source(site.path(), &rel);
    assert!(
        before.contains("by_year: {2014: 65, 2016: 130}"),
        "{before}"
    );
    assert!(
        edited.contains("  by_year:\n    \"2014\": 65\n    \"2016\": 130\n"),
        "{edited}"
    );
    assert!(edited.contains("  - 서울특별시\n"), "{edited}");
    assert!(edited.contains(" (수정)\n"), "{edited}");
    assert_eq!(
        edited.split_once("\n---\n").unwrap().1,
        before.split_once("\n---\n").unwrap().1
    );
    write(site.path(), &rel, edited.as_bytes());
    new_files.push(&rel);

    checks_clean(site.path(), &new_files);
    assert_eq!(build_ok(site.path()).records, 7);
    let page = read(site.path(), &format!("programs/{EDITED}/index.html"));
    assert!(page.contains("노하우 공유 (수정)"));
}
