//! What a careless edit or a mistyped command must not do silently: publish a dead
//! link to a draft, publish an empty site, write into its own input, skip a record
//! file, or mangle a file name.

use std::path::Path;

use crate::support::{self, FRONT, site};
use accord::diag::{Diagnostic, Severity};

/// Checks the site at `root` (`accord check`, through the library).
fn check(root: &Path, drafts: bool, allow_empty: bool) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    let opts = accord::Options {
        root: root.to_path_buf(),
        output: None,
        drafts,
        write: false,
        allow_empty,
        base_url: None,
        cache: accord::cache::Mode::Use,
    };
    accord::build(&opts).map(|r| r.warnings)
}

#[test]
fn a_link_to_a_draft_is_broken_unless_drafts_are_published() {
    let linking = format!("{FRONT}---\nSee [the plan](plan.md).\n");
    let draft = format!("{FRONT}draft: true\n---\nNot yet.\n");
    let s = site(&[
        ("content/trips/x.md", linking.as_bytes()),
        ("content/trips/plan.md", draft.as_bytes()),
    ]);
    let errors = check(s.path(), false, false).expect_err("the link is dead without the draft");
    let broken: Vec<&Diagnostic> = errors
        .iter()
        .filter(|d| d.is_error() && d.path == Path::new("content/trips/x.md"))
        .collect();
    assert_eq!(broken.len(), 1, "{errors:#?}");
    assert_eq!((broken[0].line, broken[0].col), (6, 5), "{}", broken[0]);
    assert!(broken[0].message.contains("plan.md"), "{}", broken[0]);
    check(s.path(), true, false).expect("with --drafts the draft is published");
}

#[test]
fn a_missing_content_folder_is_an_error_unless_an_empty_site_is_allowed() {
    let s = site(&[]);
    let errors = check(s.path(), false, false).expect_err("no content/");
    let missing: Vec<&Diagnostic> = errors
        .iter()
        .filter(|d| d.path == Path::new("content") && d.is_error())
        .collect();
    assert_eq!(missing.len(), 1, "{errors:#?}");
    assert!(
        missing[0].message.contains("no content/ folder"),
        "{}",
        missing[0]
    );
    check(s.path(), false, true).expect("an empty site, asked for");
    // The command line has the flag.
    let out = support::accord_limited(&[
        "check",
        "--allow-empty",
        "--root",
        support::path_str(s.path()),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_output_inside_an_input_folder_is_a_usage_error() {
    let record = format!("{FRONT}---\nBody.\n");
    let s = site(&[
        ("content/trips/x.md", record.as_bytes()),
        ("static/logo.txt", b"logo"),
        ("templates/.keep", b""),
        ("themes/plain/.keep", b""),
    ]);
    let before = support::tree(s.path());
    let root = support::path_str(s.path());
    for output in [
        "static",
        "templates",
        "themes",
        "themes/plain/static",
        "content/sub",
        "data",
        "content/../static/x",
    ] {
        let target = s.path().join(output);
        for clean in [false, true] {
            let mut args = vec![
                "build",
                "--root",
                root,
                "--output",
                support::path_str(&target),
            ];
            if clean {
                args.push("--clean");
            }
            let out = support::accord_limited(&args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{output}: {stderr}");
            assert!(
                stderr.contains("which the build reads"),
                "{output}: {stderr}"
            );
        }
    }
    assert_eq!(support::tree(s.path()), before, "nothing was touched");
    // Relative to the current folder, too.
    let out = support::run_with_deadline({
        let mut cmd = std::process::Command::new(support::bin());
        cmd.current_dir(s.path())
            .args(["build", "--output", "./static/../content"]);
        cmd
    });
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn record_files_named_in_upper_case_are_not_skipped_silently() {
    let record = format!("{FRONT}---\nBody.\n");
    let s = site(&[
        ("content/trips/x.md", record.as_bytes()),
        ("content/trips/y.MD", record.as_bytes()),
    ]);
    let warnings = check(s.path(), false, false).expect("a warning, not an error");
    let upper: Vec<&Diagnostic> = warnings
        .iter()
        .filter(|d| d.path == Path::new("content/trips/y.MD"))
        .collect();
    assert_eq!(upper.len(), 1, "{warnings:#?}");
    assert_eq!(upper[0].severity, Severity::Warning);
    assert!(
        upper[0].message.contains("`.md`, in lower case"),
        "{}",
        upper[0]
    );
}

#[test]
#[cfg(target_os = "linux")]
fn a_file_name_that_is_not_utf8_is_an_error_not_a_replacement_character_slug() {
    use std::os::unix::ffi::OsStrExt;
    let record = format!("{FRONT}---\nBody.\n");
    let s = site(&[("content/trips/x.md", record.as_bytes())]);
    let dir = s.path().join("content/trips");
    std::fs::write(
        dir.join(std::ffi::OsStr::from_bytes(b"caf\xe9.md")),
        record.as_bytes(),
    )
    .unwrap();
    std::fs::create_dir(dir.join(std::ffi::OsStr::from_bytes(b"d\xff"))).unwrap();
    std::fs::write(
        dir.join(std::ffi::OsStr::from_bytes(b"d\xff/inner.pdf")),
        b"%PDF",
    )
    .unwrap();
    let errors = check(s.path(), false, false).expect_err("the names are refused");
    let named: Vec<String> = errors
        .iter()
        .filter(|d| d.message.contains("not valid UTF-8"))
        .map(|d| d.path.display().to_string())
        .collect();
    assert_eq!(
        named,
        ["content/trips/caf\u{fffd}.md", "content/trips/d\u{fffd}"],
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .all(|d| !d.path.to_string_lossy().contains("inner")),
        "{errors:#?}"
    );
}
