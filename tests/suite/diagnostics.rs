//! How problems are shown: the source line with a caret and help, colour only on a
//! terminal or when forced, JSON and GitHub annotations for CI, warnings that fail
//! only `--strict` runs, and a quiet summary line outside a terminal.

use std::process::{Command, Output};

use crate::support::*;

fn accord(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_accord"));
    cmd.args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CI");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn errors_root() -> String {
    fixtures().join("errors").to_str().unwrap().to_string()
}

#[test]
fn errors_show_the_line_with_a_caret_under_the_name_and_help() {
    let out = accord(&["check", "--root", &errors_root()], &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let expected = [
        " 15. content/trips/unknown-city.md:4:14: error: unknown city `요코하미` [unknown-city]",
        "      |",
        "    4 | cities: [서울, 요코하미]",
        // Hangul is two columns wide: the caret lines up under the name.
        "      |                ^^^^^^^^",
        "      |",
        "      = help: did you mean `요코하마` (yokohama)?",
    ];
    let at = stderr
        .find(expected[0])
        .unwrap_or_else(|| panic!("{stderr}"));
    let lines: Vec<&str> = stderr[at..].lines().take(expected.len()).collect();
    for (got, want) in lines.iter().zip(expected) {
        assert!(got.starts_with(want), "{got:?} is not {want:?}\n{stderr}");
    }
    assert!(!stderr.contains('\x1b'), "colour outside a terminal");
    assert!(
        stderr.contains("24 errors — nothing was written"),
        "{stderr}"
    );
}

#[test]
fn colour_when_forced_and_never_with_no_color() {
    let root = errors_root();
    let forced = accord(&["check", "--root", &root], &[("CLICOLOR_FORCE", "1")]);
    assert!(String::from_utf8_lossy(&forced.stderr).contains("\x1b[1;91merror"));
    let plain = accord(
        &["check", "--root", &root],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert!(!String::from_utf8_lossy(&plain.stderr).contains('\x1b'));
}

#[test]
fn check_format_json_lists_every_diagnostic_for_ci() {
    let out = accord(
        &["check", "--root", &errors_root(), "--format", "json"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["errors"], 24);
    let list = doc["diagnostics"].as_array().unwrap();
    assert_eq!(list.len(), 24);
    let city = list
        .iter()
        .find(|d| d["path"] == "content/trips/unknown-city.md")
        .unwrap();
    assert_eq!(city["line"], 4);
    assert_eq!(city["column"], 14);
    assert_eq!(city["severity"], "error");
    assert_eq!(city["message"], "unknown city `요코하미`");
    assert_eq!(city["code"], "unknown-city");
    // Every diagnostic has a code, one of those documented.
    let known: Vec<&str> = accord::diag::Code::ALL.iter().map(|c| c.as_str()).collect();
    for d in list {
        let code = d["code"].as_str().unwrap_or_else(|| panic!("no code: {d}"));
        assert!(known.contains(&code), "{code}");
    }
    let codes = |path: &str| -> Vec<&str> {
        list.iter()
            .filter(|d| d["path"] == path)
            .map(|d| d["code"].as_str().unwrap())
            .collect()
    };
    assert_eq!(codes("content/trips/tab-indent.md"), ["yaml-syntax"]);
    assert_eq!(codes("content/trips/duplicate-key.md"), ["duplicate-key"]);
    assert_eq!(codes("content/trips/ftp-source.md"), ["invalid-url"]);
    // A record with a syntax error still has its links checked.
    assert_eq!(
        codes("content/workshops/syntax-and-link.md"),
        ["yaml-syntax", "broken-link"]
    );
    assert!(city["help"].as_str().unwrap().contains("data/cities.yaml"));
    let status = list
        .iter()
        .find(|d| d["path"] == "content/programs/bad-status.md")
        .unwrap();
    assert_eq!(
        status["help"],
        "allowed values: planned, ongoing, completed"
    );
}

#[test]
fn check_format_github_annotates_the_lines() {
    let root = errors_root();
    let out = accord(&["check", "--root", &root, "--format", "github"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 24);
    let want = format!(
        "::error file={root}/content/trips/unknown-city.md,line=4,col=14,title=accord unknown-city::unknown city `요코하미`%0Ahelp: did you mean"
    );
    assert!(stdout.lines().any(|l| l.starts_with(&want)), "{stdout}");
}

#[test]
fn every_code_is_documented_with_an_example() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/diagnostics.md"))
        .unwrap();
    for code in accord::diag::Code::ALL {
        let heading = format!("\n## `{code}`\n");
        let at = doc
            .find(&heading)
            .unwrap_or_else(|| panic!("docs/diagnostics.md has no section {heading:?}"));
        let section = &doc[at + heading.len()..];
        let section = &section[..section.find("\n## ").unwrap_or(section.len())];
        assert!(
            section.contains(&format!("[{code}]")),
            "the section of `{code}` has no example diagnostic"
        );
    }
}

#[test]
fn a_record_that_fails_to_parse_causes_no_unused_city_warning() {
    let site = fixture("drafts");
    let root = site.path();
    // The registry has beijing, which no record names: a warning, until a record
    // that cannot be read may name it.
    let warned = |root: &std::path::Path| {
        let out = accord(&["check", "--root", root.to_str().unwrap()], &[]);
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("no record names the city `beijing`")
    };
    assert!(warned(root));
    std::fs::write(
        root.join("content/trips/broken.md"),
        "---\ntitle: Broken\ndate: \"2019\ncities: [베이징]\n---\n",
    )
    .unwrap();
    assert!(!warned(root));
}

#[test]
fn warnings_are_shown_but_fail_only_strict_runs() {
    // A record without summary; cities of the registry no record names.
    let site = fixture("drafts");
    let root = site.path().to_str().unwrap();
    let out = accord(&["build", "--root", root], &[]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("content/trips/published.md:5:1: warning: no `summary`"),
        "{stderr}"
    );
    assert!(stderr.contains("data/cities.yaml:6:1: warning: no record names the city `beijing`"));
    assert!(stderr.contains("= help: add `summary: …`"));
    assert!(stderr.contains("3 warnings"), "{stderr}");

    std::fs::remove_dir_all(site.path().join("output")).unwrap();
    let strict = accord(&["build", "--root", root, "--strict"], &[]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&strict.stderr)
            .contains("3 warnings (--strict) — nothing was written")
    );
    assert!(!site.path().join("output").exists());
    assert_eq!(
        accord(&["check", "--root", root, "--strict"], &[])
            .status
            .code(),
        Some(1)
    );
    // Drafts are looked at when they are built.
    let with_drafts = accord(&["check", "--root", root, "--drafts"], &[]);
    assert_eq!(with_drafts.status.code(), Some(0));
    let stderr = String::from_utf8(with_drafts.stderr).unwrap();
    assert!(
        stderr.contains("content/trips/secret.md:6:1: warning: no `summary`"),
        "{stderr}"
    );
}

#[test]
fn a_build_outside_a_terminal_prints_only_its_summary_line() {
    let site = fixture("serve");
    let out = accord(
        &["build", "--root", site.path().to_str().unwrap()],
        &[("CI", "true")],
    );
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert!(
        stderr.starts_with("built 6 records, ") && stderr.contains(" files written in "),
        "{stderr:?}"
    );
}
