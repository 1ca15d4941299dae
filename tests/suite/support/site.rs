//! Sites on disk: fixture sites copied into a temporary directory, small sites written
//! on the fly, building them through the library, and reading what was written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The root of this repository (the sample archive).
pub(crate) fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn fixtures() -> PathBuf {
    repo().join("tests").join("fixtures")
}

/// Copies `tests/fixtures/<name>` into a fresh temporary directory.
pub(crate) fn fixture(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join(name), tmp.path());
    tmp
}

/// The sample archive (the repository's `content/`, `data/`, `accord.yaml`) in a
/// temporary directory.
pub(crate) fn sample_archive() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for dir in ["content", "data"] {
        copy_tree(&repo().join(dir), &tmp.path().join(dir));
    }
    std::fs::copy(repo().join("accord.yaml"), tmp.path().join("accord.yaml")).unwrap();
    tmp
}

pub(crate) fn copy_tree(from: &Path, to: &Path) {
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

/// A registry with the cities the tests name.
pub(crate) const REGISTRY: &str = "\
seoul:
  name: {ko: 서울, en: Seoul, ja: ソウル, zh: 首尔}
  aliases: [서울특별시]
  country: KR
beijing:
  name: {ko: 베이징, en: Beijing, ja: 北京, zh: 北京}
  aliases: [북경, 北京市]
  country: CN
yokohama:
  name: {ko: 요코하마, en: Yokohama, ja: 横浜, zh: 横滨}
  aliases: [横浜市]
  country: JP
";

pub(crate) const CONFIG: &str = "title: Hostile\nbase_url: https://example.org/\nlanguage: ko\n";

/// The front matter of a valid trip, without its closing `---`.
pub(crate) const FRONT: &str = "---\ntitle: T\ndate: 2020\ncities: [서울]\n";

/// A site in a temporary directory: `accord.yaml`, the registry, and `files`
/// (relative path, bytes).
pub(crate) fn site(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "accord.yaml", CONFIG.as_bytes());
    write(tmp.path(), "data/cities.yaml", REGISTRY.as_bytes());
    for (rel, bytes) in files {
        write(tmp.path(), rel, bytes);
    }
    tmp
}

/// `site`, from file paths and contents made at run time.
pub(crate) fn site_of(files: &[(String, Vec<u8>)]) -> tempfile::TempDir {
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    site(&refs)
}

/// Writes `bytes` to `root/rel`, creating its folders.
pub(crate) fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

pub(crate) fn options(root: &Path) -> accord::Options {
    accord::Options {
        root: root.to_path_buf(),
        output: None,
        drafts: false,
        write: true,
        allow_empty: false,
        base_url: None,
        cache: accord::cache::Mode::Use,
    }
}

/// Builds the site at `root` into `root/output`, panicking with the diagnostics on failure.
pub(crate) fn build_ok(root: &Path) -> accord::Report {
    match accord::build(&options(root)) {
        Ok(r) => r,
        Err(d) => panic!("build failed:\n{}", render_diags(&d)),
    }
}

/// Builds the site at `root` into `out`, panicking with the diagnostics on failure.
pub(crate) fn build_into(root: &Path, out: &Path) -> accord::Report {
    let mut opts = options(root);
    opts.output = Some(out.to_path_buf());
    match accord::build(&opts) {
        Ok(r) => r,
        Err(d) => panic!("build failed:\n{}", render_diags(&d)),
    }
}

/// Builds the site at `root` into `out` as `--clean --no-cache` does: every body
/// rendered, the build cache neither read nor written.
pub(crate) fn build_uncached_into(root: &Path, out: &Path) -> accord::Report {
    let mut opts = options(root);
    opts.output = Some(out.to_path_buf());
    opts.cache = accord::cache::Mode::Off;
    match accord::build(&opts) {
        Ok(r) => r,
        Err(d) => panic!("build failed:\n{}", render_diags(&d)),
    }
}

/// The diagnostics of a check that must fail.
pub(crate) fn errors(root: &Path) -> Vec<accord::diag::Diagnostic> {
    accord::build(&accord::Options {
        write: false,
        ..options(root)
    })
    .expect_err("the check must fail")
}

/// Diagnostics as text, one a line.
pub(crate) fn render_diags(d: &[accord::diag::Diagnostic]) -> String {
    d.iter().map(|d| format!("{d}\n")).collect()
}

/// Builds `root` incrementally into `out`, and from scratch into a new directory,
/// asserts that the two trees are equal (`step` names the edit before it), and returns
/// the incremental build's report.
pub(crate) fn same_as_clean(root: &Path, out: &Path, step: &str) -> accord::Report {
    let report = build_into(root, out);
    assert_same_as_clean(root, out, step);
    report
}

/// Asserts that `out` holds what a build from scratch of `root` (into a new directory)
/// writes (`step` names the edit before it).
pub(crate) fn assert_same_as_clean(root: &Path, out: &Path, step: &str) {
    let clean = tempfile::tempdir().unwrap();
    build_uncached_into(root, &clean.path().join("site"));
    let (a, b) = (tree(out), tree(&clean.path().join("site")));
    let differ: Vec<&String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .collect();
    assert!(
        differ.is_empty(),
        "after {step}: this output and a clean build's differ in {differ:?}"
    );
}

/// A file of the output, as text.
pub(crate) fn read(root: &Path, rel: &str) -> String {
    let path = root.join("output").join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file below `dir`, by relative path.
pub(crate) fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
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

/// The names in a folder, sorted.
pub(crate) fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

pub(crate) fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every `href="…"`, `src="…"` and `action="…"` value in an HTML text.
pub(crate) fn links(html: &str) -> Vec<String> {
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

/// `schema` validated against `value`: every error, as text.
pub(crate) fn schema_errors(schema: &serde_json::Value, value: &serde_json::Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).expect("the schema compiles");
    validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// The search engine's scripts of the default theme: `search.js` and the parts it
/// loads on demand.
pub(crate) const SEARCH_SCRIPTS: [&str; 4] = [
    "search.js",
    "search-words.js",
    "search-hangul.js",
    "search-runs.js",
];

/// Writes the search engine's scripts into `dir` as a site serves them (minified),
/// each at most three quarters of its source.
pub(crate) fn write_served_search_scripts(dir: &Path) {
    for name in SEARCH_SCRIPTS {
        let source = std::fs::read_to_string(repo().join("themes/default/static").join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let served = accord::minify::javascript(&source).expect("the theme's scripts minify");
        assert!(served.len() < source.len() * 3 / 4, "{name}");
        std::fs::write(dir.join(name), served).unwrap();
    }
}
