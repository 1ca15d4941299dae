//! The built HTML passes the Nu Html Checker (vnu-jar, with Java) and axe-core in
//! headless Chromium. `.ci/run` installs the npm packages into `.ci/tools` (and Java,
//! Chromium and Node.js where missing). The tools are found by `support::require_tool`:
//! without them these tests print a loud SKIPPED line and pass, except in CI (`CI`
//! set), where a missing tool is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;

/// The Nu Html Checker: Java and the checker's jar.
struct Vnu {
    java: PathBuf,
    jar: PathBuf,
}

impl Vnu {
    /// `None` (after saying what is missing) when Java or the jar is.
    fn find() -> Option<Vnu> {
        let java = require_tool(Tool::Java);
        let package = require_tool(Tool::NpmPackage("vnu-jar"));
        Some(Vnu {
            java: java?,
            jar: package?.join("build/dist/vnu.jar"),
        })
    }
}

/// Runs the Nu Html Checker on every HTML file below `dir`; panics with its errors.
fn assert_valid_html(vnu: &Vnu, dir: &Path) {
    let out = Command::new(&vnu.java)
        .arg("-jar")
        .arg(&vnu.jar)
        .args(["--errors-only", "--skip-non-html", "--format", "gnu"])
        .arg(dir)
        .output()
        .expect("java runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && report.trim().is_empty(),
        "the Nu Html Checker reports errors:\n{report}"
    );
}

fn html_files(dir: &Path) -> usize {
    tree(dir).keys().filter(|p| p.ends_with(".html")).count()
}

#[test]
fn every_page_of_the_sample_archive_is_valid_html() {
    let Some(vnu) = Vnu::find() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    build_into(repo(), &out);
    assert!(html_files(&out) > 50);
    assert_valid_html(&vnu, &out);
}

#[test]
fn every_page_of_a_generated_1000_record_archive_is_valid_html() {
    let Some(vnu) = Vnu::find() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    generate_archive(tmp.path(), 1000, "Generated archive & <test>");
    let report = build_into(tmp.path(), &tmp.path().join("output"));
    assert_eq!(report.records, 1000);
    assert!(html_files(&tmp.path().join("output")) > 1000);
    assert_valid_html(&vnu, &tmp.path().join("output"));
}

#[test]
fn a_page_with_attachments_and_a_status_its_dates_contradict_is_valid_html() {
    let Some(vnu) = Vnu::find() else {
        return;
    };
    let program = "---\ntitle: P\nsummary: S\ndate: 2014\nend: 2018-06\ncities: [서울]\nstatus: ongoing\n\
                   budget: {unit: KRW, total: 1234500, by_year: {2014: 1000}}\n---\n\n\
                   ![사진](photo.jpg) [보고서](report.pdf) [목록](/programs/)\n";
    let s = site(&[
        ("content/programs/p.md", program.as_bytes()),
        ("content/programs/photo.jpg", b"jpeg"),
        ("content/programs/report.pdf", b"%PDF-1.4"),
    ]);
    build_ok(s.path());
    assert!(read(s.path(), "programs/p/index.html").contains("attachment-info"));
    assert_valid_html(&vnu, &s.path().join("output/programs/p"));
}

#[test]
fn sample_pages_have_no_serious_accessibility_violations_and_work_by_keyboard() {
    let (Some(node), Some(chromium), Some(_), Some(_)) = (
        require_tool(Tool::Node),
        require_tool(Tool::Chromium),
        require_tool(Tool::NpmPackage("axe-core")),
        require_tool(Tool::NpmPackage("playwright-core")),
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    build_into(repo(), &out);
    let pages = [
        "/",
        "/programs/seoul-northeast-asia-air-quality/",
        "/trips/seoul-yokohama-ascc-2025/",
        "/workshops/local-carbon-neutrality-forum-2024/",
        "/cities/",
        "/cities/seoul/",
        "/years/",
        "/years/2016/",
        "/search/",
        "/search/?q=%EC%84%9C%EC%9A%B8&year=2016",
        "/programs/",
        "/no-such-page/",
    ];
    let run = node_script(&node, &chromium, &repo().join(".ci/axe.mjs"))
        .arg(&out)
        .args(pages)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "the axe run failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut problems = Vec::new();
    let mut checked = 0;
    for line in stdout.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        let at = format!("{} ({})", r["page"], r["scheme"]);
        checked += 1;
        for v in r["violations"].as_array().unwrap() {
            if matches!(v["impact"].as_str(), Some("serious" | "critical")) {
                problems.push(format!(
                    "{at}: {} {}: {}",
                    v["impact"], v["id"], v["targets"]
                ));
            }
        }
        let kb = &r["keyboard"];
        if kb.is_null() {
            continue;
        }
        if kb["skip_link"] != true || kb["skip_target"] != true {
            problems.push(format!(
                "{at}: the skip link is not the first stop or leads nowhere"
            ));
        }
        if kb["wrapped"] != true {
            problems.push(format!(
                "{at}: focus never comes back around: {}",
                kb["stops"]
            ));
        }
        for (key, what) in [
            ("unfocusable", "invisible focus stop"),
            ("no_indicator", "no focus indicator"),
        ] {
            for el in kb[key].as_array().unwrap() {
                problems.push(format!("{at}: {what}: {el}"));
            }
        }
        assert!(
            kb["stops"].as_u64().unwrap() > 5,
            "{at}: too few focus stops"
        );
    }
    assert_eq!(checked, pages.len() * 2, "light and dark: {stdout}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
