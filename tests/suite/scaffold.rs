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
    // The example records are drafts: nothing is published, and nothing is amiss.
    let built = ok(&accord(&["build", "--root", root]));
    assert!(
        built.contains("built 0 records (3 drafts skipped)"),
        "{built}"
    );
    assert!(
        !built.contains("warning"),
        "a new archive has warnings:\n{built}"
    );
    let built = ok(&accord(&["build", "--drafts", "--root", root]));
    assert!(built.contains("built 3 records"), "{built}");
    assert!(
        !built.contains("warning"),
        "a new archive has warnings:\n{built}"
    );
    let checked = ok(&accord(&["check", "--drafts", "--root", root, "--strict"]));
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
    // The three examples are drafts.
    assert_eq!(report.records, 1);
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
    let report = accord::build(&accord::Options {
        drafts: true,
        ..support::options(&dir)
    })
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

/// Words each language's archive is written in: in its configuration's comments, its
/// README, its example records and the text `accord new` writes.
const SPOKEN: [(&str, &str, &str, &str); 4] = [
    (
        "ko",
        "# 아카이브 설정",
        "새 기록",
        "이 기록을 한두 문장으로 요약해 여기에 쓴다.",
    ),
    (
        "ja",
        "# アーカイブの設定",
        "新しい記録",
        "ここにこの記録の要約を一、二文で書いてください。",
    ),
    (
        "zh",
        "# 档案库的配置",
        "新建记录",
        "请在这里用一两句话概括这条记录。",
    ),
    (
        "en",
        "# The archive's configuration",
        "a new record",
        "Summarise the record here in one or two sentences.",
    ),
];

#[test]
fn init_writes_an_archive_in_each_language_that_builds_and_checks_clean() {
    for (lang, config_comment, readme_words, _) in SPOKEN {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("archive");
        let root = dir.to_str().unwrap();
        ok(&accord(&["init", root, "--language", lang]));
        let config = std::fs::read_to_string(dir.join("accord.yaml")).unwrap();
        // The line that gives editors the schema, then the comments.
        let (schema_line, rest) = config.split_once('\n').unwrap();
        assert!(schema_line.starts_with("# yaml-language-server: $schema="));
        assert!(rest.starts_with(config_comment), "{lang}: {config}");
        assert!(
            config.contains(&format!("\nlanguage: {lang}\n")),
            "{config}"
        );
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        assert!(readme.contains(readme_words), "{lang}: {readme}");
        for example in [
            "content/programs/seoul-beijing-air-quality.md",
            "content/trips/kitakyushu-shanghai-study-visit.md",
            "content/workshops/busan-yokohama-port-workshop.md",
        ] {
            let text = std::fs::read_to_string(dir.join(example)).unwrap();
            assert!(
                text.contains(&format!("\nlang: {lang}\n")),
                "{example}: {text}"
            );
            assert!(text.contains("\ndraft: true "), "{example}: {text}");
        }

        let built = ok(&accord(&["build", "--drafts", "--root", root]));
        assert!(built.contains("built 3 records"), "{lang}: {built}");
        assert!(!built.contains("warning"), "{lang}: {built}");
        let checked = ok(&accord(&["check", "--drafts", "--strict", "--root", root]));
        assert!(checked.contains("checked 3 records"), "{lang}: {checked}");
        let page = support::read(&dir, "programs/seoul-beijing-air-quality/index.html");
        assert!(page.contains(&format!("<html lang=\"{lang}\"")), "{lang}");
    }
}

#[test]
fn new_writes_placeholders_in_the_record_language_and_they_are_warned_about() {
    let (_tmp, dir) = new_archive();
    let root = dir.to_str().unwrap();
    // The archive's language by default, another one asked for.
    ok(&accord(&[
        "new", "trip", "방문", "--city", "서울", "--root", root,
    ]));
    ok(&accord(&[
        "new",
        "trip",
        "横浜訪問",
        "--city",
        "横浜",
        "--lang",
        "ja",
        "--root",
        root,
    ]));
    let ko = std::fs::read_to_string(dir.join("content/trips/방문.md")).unwrap();
    let ja = std::fs::read_to_string(dir.join("content/trips/横浜訪問.md")).unwrap();
    assert!(ko.contains(SPOKEN[0].3), "{ko}");
    assert!(ko.contains("\n# lang: ko "), "{ko}");
    assert!(ja.contains(SPOKEN[1].3), "{ja}");
    assert!(ja.contains("主催した機関"), "{ja}");
    assert!(ja.contains("\nlang: ja "), "{ja}");
    assert!(!ja.contains("요약"), "{ja}");
    let bad = accord(&["new", "trip", "x", "--lang", "fr", "--root", root]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("`fr` is not a language of accord"));

    // Left as written: a warning at the summary's value and at the body's line.
    let line_of =
        |text: &str, needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let checked = ok(&accord(&["check", "--root", root]));
    let summary_at = format!(
        "content/trips/横浜訪問.md:{}:10: warning: the summary is still the placeholder `accord new` wrote [placeholder]",
        line_of(&ja, "summary:")
    );
    assert!(checked.contains(&summary_at), "{checked}");
    let body_at = format!(
        "content/trips/横浜訪問.md:{}:1: warning: the body still holds the placeholder `accord new` wrote [placeholder]",
        line_of(&ja, "Markdown で記録を")
    );
    assert!(checked.contains(&body_at), "{checked}");
    assert!(checked.contains("content/trips/방문.md:"), "{checked}");
    // An error when run strictly.
    let strict = accord(&["check", "--strict", "--root", root]);
    assert_eq!(strict.status.code(), Some(1));

    // Written over: no warning. A draft is not looked at.
    let path = dir.join("content/trips/横浜訪問.md");
    let done = ja
        .replace(SPOKEN[1].3, "横浜市を訪問した。")
        .replace(
            "ここに Markdown で記録を書いてください: 何を行ったか、誰が参加したか、どんな成果があったか。",
            "横浜市の資源循環施設を見学した。",
        );
    std::fs::write(&path, done).unwrap();
    let draft = ko.replace("# draft: true", "draft: true");
    std::fs::write(dir.join("content/trips/방문.md"), draft).unwrap();
    let checked = ok(&accord(&["check", "--strict", "--root", root]));
    assert!(!checked.contains("placeholder"), "{checked}");
}
