//! Helpers shared by the integration tests: copy a fixture site into a temporary
//! directory, build it, and read what was written.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
}

/// Copies `tests/fixtures/<name>` into a fresh temporary directory.
pub fn fixture(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join(name), tmp.path());
    tmp
}

pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

pub fn options(root: &Path) -> accord::Options {
    accord::Options {
        root: root.to_path_buf(),
        output: None,
        drafts: false,
        write: true,
    }
}

/// Builds the site at `root` into `root/output`, panicking with the diagnostics on failure.
pub fn build_ok(root: &Path) -> accord::Report {
    match accord::build(&options(root)) {
        Ok(r) => r,
        Err(d) => panic!("build failed:\n{}", render_diags(&d)),
    }
}

pub fn render_diags(d: &[accord::diag::Diagnostic]) -> String {
    d.iter().map(|d| format!("{d}\n")).collect()
}

/// A file of the output, as text.
pub fn read(root: &Path, rel: &str) -> String {
    let path = root.join("output").join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file below `dir`, by relative path.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            out.insert(rel, std::fs::read(entry.path()).unwrap());
        }
    }
    out
}

/// Every `href="…"` and `src="…"` value in an HTML text.
pub fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\"", "action=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            if let Some(end) = rest.find('"') {
                out.push(rest[..end].to_string());
            }
        }
    }
    out
}
