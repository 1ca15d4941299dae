//! The `accord` binary: exit codes, the sample archive, determinism across threads.

use std::process::Command;

use crate::support::*;

fn accord(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn exit_status_is_0_for_success_1_for_content_errors_2_for_usage() {
    let site = fixture("drafts");
    let root = site.path().to_str().unwrap();
    assert_eq!(accord(&["build", "--root", root]).status.code(), Some(0));
    assert_eq!(accord(&["check", "--root", root]).status.code(), Some(0));

    let errors = fixtures().join("errors");
    let out = accord(&["check", "--root", errors.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("content/trips/unknown-city.md:4:14: error: unknown city `요코하미`"),
        "{stderr}"
    );
    assert!(stderr.contains("24 errors"), "{stderr}");

    assert_eq!(accord(&["build", "--no-such-flag"]).status.code(), Some(2));
    assert_eq!(accord(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        accord(&["build", "--root", "/no/such/dir"]).status.code(),
        Some(2)
    );
}

#[test]
fn check_writes_nothing() {
    let site = fixture("drafts");
    let out = accord(&["check", "--root", site.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!site.path().join("output").exists());
}

#[test]
fn refuses_to_replace_a_directory_it_did_not_create() {
    let site = fixture("drafts");
    let precious = site.path().join("precious");
    std::fs::create_dir(&precious).unwrap();
    std::fs::write(precious.join("thesis.txt"), "years of work").unwrap();
    let out = accord(&[
        "build",
        "--root",
        site.path().to_str().unwrap(),
        "--output",
        precious.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing"));
    assert_eq!(
        std::fs::read_to_string(precious.join("thesis.txt")).unwrap(),
        "years of work"
    );
    // The content folder is not an output folder either.
    let content = site.path().join("content");
    let out = accord(&[
        "build",
        "--root",
        site.path().to_str().unwrap(),
        "--output",
        content.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "an input: a usage error");
    assert!(content.join("trips/published.md").exists());
}

#[test]
fn the_sample_archive_builds_and_every_record_is_reachable() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("site");
    let out = accord(&[
        "build",
        "--root",
        repo().to_str().unwrap(),
        "--output",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files = tree(&out_dir);
    let records: Vec<String> = walkdir::WalkDir::new(repo().join("content"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        // A translation (`foo.ko.md`) is shown on its original's page.
        .filter(|e| {
            !e.path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .contains('.')
        })
        .map(|e| {
            let kind = e
                .path()
                .parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            format!(
                "/{kind}/{}/",
                e.path().file_stem().unwrap().to_string_lossy()
            )
        })
        .collect();
    assert_eq!(records.len(), 5);
    let html = |rel: &str| String::from_utf8_lossy(&files[rel]).into_owned();
    for url in &records {
        let section = url.split('/').nth(1).unwrap();
        assert!(
            html(&format!("{section}/index.html")).contains(&format!("href=\"{url}\"")),
            "{url} not in its kind list"
        );
        let in_city = files.iter().any(|(p, b)| {
            p.starts_with("cities/")
                && String::from_utf8_lossy(b).contains(&format!("href=\"{url}\""))
        });
        let in_year = files.iter().any(|(p, b)| {
            p.starts_with("years/")
                && String::from_utf8_lossy(b).contains(&format!("href=\"{url}\""))
        });
        assert!(in_city && in_year, "{url} not reachable by city and year");
    }
    // 요코하마 has its page, with the trip on it.
    assert!(html("cities/yokohama/index.html").contains("/trips/seoul-yokohama-ascc-2025/"));
}

#[test]
fn output_does_not_depend_on_the_number_of_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let mut trees = Vec::new();
    for threads in ["1", "3"] {
        let out_dir = tmp.path().join(format!("t{threads}"));
        let out = Command::new(env!("CARGO_BIN_EXE_accord"))
            .args([
                "build",
                "--root",
                repo().to_str().unwrap(),
                "--output",
                out_dir.to_str().unwrap(),
            ])
            .env("RAYON_NUM_THREADS", threads)
            .env("TZ", if threads == "1" { "UTC" } else { "Asia/Seoul" })
            .env("LC_ALL", if threads == "1" { "C" } else { "ko_KR.UTF-8" })
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        trees.push(tree(&out_dir));
    }
    assert!(trees[0].len() > 20);
    assert_eq!(trees[0], trees[1]);
}
