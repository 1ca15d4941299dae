//! `accord init` and `accord new`, end to end through the binary.

use crate::support;
use crate::support::accord_plain as accord;
use std::path::{Path, PathBuf};
use std::process::Output;

fn ok(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    stderr
}

fn new_archive() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("협력 아카이브");
    ok(&accord(&[
        "init",
        dir.to_str().unwrap(),
        "--language",
        "ko",
    ]));
    (tmp, dir)
}

#[test]
fn init_then_build_then_check_succeed_on_the_new_archive() {
    let (_tmp, dir) = new_archive();
    let root = dir.to_str().unwrap();
    let built = ok(&accord(&["build", "--root", root]));
    assert!(built.contains("built 3 records"), "{built}");
    assert!(
        !built.contains("warning"),
        "a new archive has warnings:\n{built}"
    );
    let checked = ok(&accord(&["check", "--root", root, "--strict"]));
    assert!(checked.contains("checked 3 records"), "{checked}");

    for page in [
        "programs/seoul-beijing-air-quality/index.html",
        "trips/kitakyushu-shanghai-study-visit/index.html",
        "workshops/busan-yokohama-port-workshop/index.html",
        "cities/yokohama/index.html",
    ] {
        assert!(dir.join("output").join(page).is_file(), "{page} missing");
    }
    let config = std::fs::read_to_string(dir.join("accord.yaml")).unwrap();
    assert!(config.contains("title: 협력 아카이브"), "{config}");
    assert!(config.contains("language: ko"));
    // The output folder is not committed.
    let ignore = std::fs::read_to_string(dir.join(".gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "/output/"));
}

#[test]
fn the_ci_workflow_checks_pull_requests_and_publishes_merges() {
    let (_tmp, dir) = new_archive();
    let text = std::fs::read_to_string(dir.join(".github/workflows/accord.yml")).unwrap();
    let wf: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let on = &wf["on"];
    assert!(on.get("pull_request").is_some(), "no pull_request trigger");
    assert_eq!(on["push"]["branches"][0].as_str(), Some("main"));

    // One job checks pull requests and builds pushes; a second publishes.
    let steps = wf["jobs"]["site"]["steps"]
        .as_sequence()
        .expect("the site job has steps");
    let step_if = |s: &serde_yaml::Value| s["if"].as_str().unwrap_or("").to_string();
    let runs = |when: &str| -> Vec<String> {
        steps
            .iter()
            .filter(|s| step_if(s).contains(when))
            .filter_map(|s| s["run"].as_str().map(str::to_string))
            .collect()
    };
    // Annotations, not human text: text from records cannot start a workflow command.
    assert_eq!(runs("== 'pull_request'"), ["accord check --format github"]);
    // Built for the address GitHub Pages reports.
    assert_eq!(
        runs("!= 'pull_request'"),
        ["accord build --format github --base-url \"$BASE_URL\""]
    );
    let uses = |prefix: &str| -> Vec<&serde_yaml::Value> {
        steps
            .iter()
            .filter(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(prefix)))
            .collect()
    };
    let pages = uses("actions/configure-pages");
    assert_eq!(pages.len(), 1);
    let build = steps
        .iter()
        .find(|s| {
            s["run"]
                .as_str()
                .is_some_and(|r| r.starts_with("accord build"))
        })
        .unwrap();
    assert_eq!(
        build["env"]["BASE_URL"].as_str(),
        Some(
            format!(
                "${{{{ steps.{}.outputs.base_url }}}}",
                pages[0]["id"].as_str().unwrap()
            )
            .as_str()
        )
    );
    let uploads = uses("actions/upload-pages-artifact");
    assert_eq!(uploads.len(), 1);
    assert!(step_if(uploads[0]).contains("!= 'pull_request'"));
    assert_eq!(uploads[0]["with"]["path"].as_str(), Some("output"));
    assert_eq!(wf["jobs"]["publish"]["needs"].as_str(), Some("site"));
    assert!(
        wf["jobs"]["publish"]["if"]
            .as_str()
            .is_some_and(|c| c.contains("!= 'pull_request'"))
    );
    // A pinned release, downloaded and checked, with a compile as the fallback.
    let install = steps
        .iter()
        .find(|s| s["name"].as_str() == Some("Install accord"))
        .and_then(|s| s["run"].as_str())
        .unwrap();
    assert!(install.contains("sha256sum --check"), "{install}");
    assert!(
        install.contains("cargo +stable install --locked"),
        "{install}"
    );
    assert_eq!(
        wf["env"]["ACCORD_VERSION"].as_str(),
        Some(env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn init_refuses_a_directory_that_is_not_empty() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("thesis.txt"), "years of work").unwrap();
    let out = accord(&["init", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
    assert!(!tmp.path().join("accord.yaml").exists());
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn new_writes_a_record_named_after_its_title_that_builds() {
    let (_tmp, dir) = new_archive();
    let root = dir.to_str().unwrap();
    let out = accord(&[
        "new",
        "trip",
        "서울–요코하마 기후 포럼: 2025",
        "--date",
        "2025-11-24",
        "--city",
        "서울",
        "--city",
        "Yokohama",
        "--root",
        root,
    ]);
    let said = ok(&out);
    let rel = "content/trips/서울-요코하마-기후-포럼-2025.md";
    assert!(said.contains(rel), "{said}");
    let text = std::fs::read_to_string(dir.join(rel)).unwrap();
    assert!(
        text.starts_with("---\ntitle: \"서울–요코하마 기후 포럼: 2025\"\n"),
        "{text}"
    );
    assert!(text.contains("\ndate: 2025-11-24 "), "{text}");
    assert!(text.contains("\ncities: [서울, Yokohama] "), "{text}");

    let report = accord::build(&support::options(&dir)).unwrap();
    assert_eq!(report.records, 4);
    let page = support::read(&dir, "trips/서울-요코하마-기후-포럼-2025/index.html");
    assert!(page.contains("서울–요코하마 기후 포럼: 2025"));
}

#[test]
fn new_refuses_to_overwrite_and_to_name_unknown_cities() {
    let (_tmp, dir) = new_archive();
    let root = dir.to_str().unwrap();
    ok(&accord(&["new", "workshop", "Port forum", "--root", root]));
    let path = dir.join("content/workshops/port-forum.md");
    std::fs::write(&path, "edited by hand").unwrap();

    let again = accord(&["new", "workshop", "Port  Forum!", "--root", root]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "edited by hand");

    let unknown = accord(&["new", "trip", "Visit", "--city", "요코하미", "--root", root]);
    assert_eq!(unknown.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("unknown city `요코하미`"), "{stderr}");
    assert!(
        stderr.contains("did you mean `요코하마` (yokohama)"),
        "{stderr}"
    );
    assert!(!dir.join("content/trips/visit.md").exists());

    // Not in an archive: nothing is written there.
    let elsewhere = tempfile::tempdir().unwrap();
    let out = accord(&[
        "new",
        "trip",
        "Visit",
        "--root",
        elsewhere.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no accord.yaml"));
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);

    // Malformed arguments are usage errors.
    assert_eq!(
        accord(&["new", "meeting", "x", "--root", root])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        accord(&["new", "trip", "x", "--date", "2025-13", "--root", root])
            .status
            .code(),
        Some(2)
    );
}

/// Every commented example of a new record is valid: uncommenting them all still
/// builds, with each kind's own fields.
#[test]
fn new_records_of_every_kind_build_with_every_example_uncommented() {
    let (_tmp, dir) = new_archive();
    let root = dir.to_str().unwrap();
    for (kind, own) in [
        ("program", "status"),
        ("trip", "travelers"),
        ("workshop", "format"),
    ] {
        ok(&accord(&[
            "new", kind, "Example", "--city", "부산", "--date", "2025-01", "--root", root,
        ]));
        let path: PathBuf = dir
            .join("content")
            .join(format!("{kind}s"))
            .join("example.md");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(&format!("\n# {own}: ")), "{kind}: {text}");
        let uncommented: String = text
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .map(|l| l.split("  # ").next().unwrap())
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(&path, uncommented).unwrap();
    }
    let report = accord::build(&support::options(&dir))
        .unwrap_or_else(|d| panic!("{}", support::render_diags(&d)));
    assert_eq!(report.records, 6);
    let program = support::read(&dir, "programs/example/index.html");
    assert!(program.contains("11-1-2"));
    assert_no_file_escapes(&dir);
}

/// Nothing was written outside the archive's own folders.
fn assert_no_file_escapes(dir: &Path) {
    let parent = dir.parent().unwrap();
    let names: Vec<String> = std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["협력 아카이브"]);
}
