//! Getting accord and publishing with it, as the README's "Install" and "Publish"
//! sections tell: the command line outside an archive, `--version`, completions,
//! `init` then `build --base-url` for a GitHub Pages project site, and the
//! workflows (the project's and the generated ones) checked with actionlint.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{Tool, accord_plain as accord, links, repo, require_tool, tree};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `accord init DIR` plus `extra` arguments, which must succeed.
fn init(dir: &Path, extra: &[&str]) {
    let mut args = vec!["init", dir.to_str().unwrap()];
    args.extend(extra);
    let out = accord(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn build_and_check_outside_an_archive_exit_2_and_name_accord_init() {
    let tmp = tempfile::tempdir().unwrap();
    // Records, but no accord.yaml: not an archive.
    crate::support::write(
        tmp.path(),
        "content/trips/a.md",
        b"---\ntitle: A\ndate: 2020\ncities: [x]\n---\n",
    );
    for command in ["build", "check"] {
        let out = accord(&[command, "--root", tmp.path().to_str().unwrap()]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{command}: {err}");
        assert!(err.contains("is not an archive"), "{command}: {err}");
        assert!(err.contains("accord.yaml"), "{command}: {err}");
        assert!(err.contains("accord init"), "{command}: {err}");
    }
    assert!(!tmp.path().join("output").exists(), "a site was written");
}

#[test]
fn version_names_the_commit() {
    let out = accord(&["--version"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0));
    let expected = format!("accord {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(text.starts_with(&expected), "{text}");
    let commit = text
        .trim()
        .strip_prefix(&expected)
        .and_then(|c| c.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{text}"));
    // The checkout's HEAD when built from git, `unknown` otherwise.
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(repo())
        .output()
        .ok()
        .filter(|o| o.status.success() && repo().join(".git").exists())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        Some(head) => assert_eq!(commit, head, "{text}"),
        None => assert_eq!(commit, "unknown", "{text}"),
    }
}

#[test]
fn completion_scripts_name_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = accord(&["completion", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let script = String::from_utf8_lossy(&out.stdout);
        for command in [
            "build",
            "check",
            "serve",
            "new",
            "init",
            "schema",
            "cms",
            "completion",
        ] {
            assert!(script.contains(command), "{shell}: {command} missing");
        }
        assert!(script.contains("base-url"), "{shell}: --base-url missing");
    }
    assert_eq!(accord(&["completion", "tcsh"]).status.code(), Some(2));
}

/// Every link of a page, resolved against the page's URL path (`/repo/a/b/`).
fn resolve(page_dir: &str, link: &str) -> String {
    if link.starts_with('/') {
        return link.to_string();
    }
    let mut parts: Vec<&str> = page_dir.split('/').filter(|p| !p.is_empty()).collect();
    for seg in link.split('/') {
        match seg {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

#[test]
fn a_site_built_for_a_github_project_page_links_nowhere_outside_it() {
    // The README's "Publish" steps: init, then build with the address Pages reports.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    init(&dir, &[]);
    let build = |url: &str| accord(&["build", "--root", dir.to_str().unwrap(), "--base-url", url]);
    let out = build("https://user.github.io/repo/");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let site = tree(&dir.join("output"));
    let mut local = 0;
    for (path, bytes) in &site {
        let text = String::from_utf8_lossy(bytes);
        // Absolute URLs of the site (canonical, feeds, sitemap, JSON-LD) are under
        // the project page; the configured base_url is gone everywhere.
        assert!(!text.contains("example.org"), "{path} keeps base_url");
        for (i, _) in text.match_indices("https://user.github.io") {
            assert!(
                text[i..].starts_with("https://user.github.io/repo/"),
                "{path}: {}",
                &text[i..(i + 60).min(text.len())]
            );
        }
        if !path.ends_with(".html") {
            continue;
        }
        let page_dir = format!("/repo/{}", path.trim_end_matches("index.html"));
        for link in links(&text) {
            if link.contains(':') || link.starts_with('#') {
                continue; // another site, or a place on this page
            }
            let target = resolve(&page_dir, &link);
            assert!(target.starts_with("/repo/"), "{path}: {link} → {target}");
            local += 1;
        }
    }
    assert!(local > 100, "only {local} links checked");

    // A bad address is a usage error of the command line, and nothing is written.
    let out = build("user.github.io/repo");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--base-url"), "{}", stderr(&out));
}

#[test]
fn init_writes_a_gitlab_pages_pipeline_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    init(&dir, &["--ci", "gitlab"]);
    assert!(!dir.join(".github").exists());
    let text = std::fs::read_to_string(dir.join(".gitlab-ci.yml")).unwrap();
    let ci: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let script = |job: &str| -> Vec<String> {
        ci[job]["script"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{job} has no script"))
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        script("pages"),
        ["accord build --base-url \"$CI_PAGES_URL/\" --output public"]
    );
    assert_eq!(
        ci["pages"]["artifacts"]["paths"][0].as_str(),
        Some("public")
    );
    assert_eq!(script("check"), ["accord check"]);
    let install = ci["default"]["before_script"][2].as_str().unwrap();
    assert!(install.contains("sha256sum --check"), "{install}");
    assert!(
        install.contains("cargo +stable install --locked"),
        "{install}"
    );
    assert_eq!(
        accord(&["init", "x", "--ci", "jenkins"]).status.code(),
        Some(2)
    );
}

/// The workflow files to check: the project's, and those `accord init` writes.
fn workflows(tmp: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    let dir = tmp.join("archive");
    init(&dir, &[]);
    files.push(dir.join(".github/workflows/accord.yml"));
    files
}

#[test]
fn actionlint_passes_on_every_workflow() {
    let Some(actionlint) = require_tool(Tool::Actionlint) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let files = workflows(tmp.path());
    assert!(files.len() >= 2, "{files:?}");
    let out = Command::new(&actionlint)
        .arg("-no-color")
        .args(&files)
        .current_dir(repo())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // It does find problems: a step of a retired action version, an unknown input.
    let bad = tmp.path().join("bad.yml");
    std::fs::write(
        &bad,
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v2\n      - uses: actions/checkout@v7\n        with:\n          nope: 1\n",
    )
    .unwrap();
    let out = Command::new(&actionlint)
        .arg("-no-color")
        .arg(&bad)
        .output()
        .unwrap();
    let found = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{found}");
    assert!(found.contains("retired"), "{found}");
    assert!(found.contains("\"nope\""), "{found}");
}
