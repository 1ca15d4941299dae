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
        allow_empty: false,
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

/// The root of this repository (the sample archive).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Builds the site at `root` into `out`, panicking with the diagnostics on failure.
pub fn build_into(root: &Path, out: &Path) -> accord::Report {
    let mut opts = options(root);
    opts.output = Some(out.to_path_buf());
    match accord::build(&opts) {
        Ok(r) => r,
        Err(d) => panic!("build failed:\n{}", render_diags(&d)),
    }
}

/// Writes a synthetic archive of `n` records into `dir`: the sample archive's city
/// registry, every kind, the four languages, every front-matter field, and bodies with
/// headings, lists, tables, code, footnotes, quotes and links between records.
/// Deterministic: the same `n` gives the same files.
pub fn generate_archive(dir: &Path, n: usize) {
    let registry = std::fs::read_to_string(repo().join("data/cities.yaml")).unwrap();
    let ids: Vec<&str> = registry
        .lines()
        .filter(|l| !l.starts_with([' ', '#']) && l.ends_with(':'))
        .map(|l| l.trim_end_matches(':'))
        .collect();
    assert!(ids.len() > 10, "registry ids not found");
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("data/cities.yaml"), &registry).unwrap();
    std::fs::write(
        dir.join("accord.yaml"),
        "title: Generated archive & <test>\ndescription: \"Synthetic records: programs, trips, workshops\"\nbase_url: https://example.org/archive/\nlanguage: en\npaginate_by: 20\n",
    )
    .unwrap();
    let mut seed: u64 = 0x5eed;
    let mut rnd = move |m: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % m.max(1)
    };
    let words = [
        (
            "ko",
            ["대기질", "협력", "도시", "탄소중립", "워크숍", "교류"],
        ),
        ("ja", ["大気", "協力", "都市", "脱炭素", "研修", "交流"]),
        ("zh", ["大气", "合作", "城市", "碳中和", "研讨", "交流"]),
        (
            "en",
            [
                "air",
                "cooperation",
                "city",
                "carbon",
                "training",
                "exchange",
            ],
        ),
    ];
    let kinds = [("programs", "p"), ("trips", "t"), ("workshops", "w")];
    for kind in kinds {
        std::fs::create_dir_all(dir.join("content").join(kind.0)).unwrap();
    }
    for i in 0..n {
        let (section, prefix) = kinds[i % 3];
        let (lang, w) = words[rnd(4)];
        let [w0, w1, w2, w3, w4, w5] = w;
        let year = 2008 + rnd(18) as i32;
        let month = 1 + rnd(12);
        let day = 1 + rnd(28);
        let date = match rnd(3) {
            0 => format!("{year}"),
            1 => format!("{year}-{month:02}"),
            _ => format!("{year}-{month:02}-{day:02}"),
        };
        let span = rnd(4) as i32;
        let end = if span > 0 && section == "programs" {
            format!("end: {}\n", year + span)
        } else {
            String::new()
        };
        let mut cities: Vec<&str> = Vec::new();
        for _ in 0..1 + rnd(4) {
            let c = ids[rnd(ids.len())];
            if !cities.contains(&c) {
                cities.push(c);
            }
        }
        let title = match i % 7 {
            0 => format!("{} {} & \"{}\" <{i}>", w[0], w[1], w[2]),
            3 => format!("{} {} </script> {i}", w[3], w[4]),
            _ => format!("{} {} {} {i}", w[rnd(6)], w[rnd(6)], w[rnd(6)]),
        };
        let kind_fields = match section {
            "programs" => {
                let mut f = format!(
                    "code: \"{}-{}\"\nstatus: {}\n",
                    i % 20,
                    i % 7,
                    ["planned", "ongoing", "completed"][rnd(3)]
                );
                if rnd(3) > 0 {
                    let total = 50 + rnd(5000);
                    f.push_str(&format!(
                        "budget: {{unit: {}, total: {total}, spent: {}, by_year: {{{year}: {}}}}}\n",
                        ["백만원", "千円", "万元"][rnd(3)],
                        rnd(total),
                        total / (span as usize + 1)
                    ));
                }
                if cities.len() > 1 {
                    f.push_str(&format!("pairs: [[{}, {}]]\n", cities[0], cities[1]));
                }
                f
            }
            "trips" => format!(
                "travelers: {}\npurpose: {} {}\ncost: {{amount: {}, currency: KRW}}\n",
                1 + rnd(20),
                w[1],
                w[5],
                100_000 + rnd(9_000_000)
            ),
            _ => format!(
                "venue: {} hall\nformat: {}\nparticipants: [{} {}, {}]\n",
                w[2],
                ["workshop", "forum", "seminar", "conference"][rnd(4)],
                w[0],
                w[2],
                w[5]
            ),
        };
        let other = if i > 0 { rnd(i) } else { 0 };
        let link = format!(
            "../{}/{}-{other:06}.md",
            kinds[other % 3].0,
            kinds[other % 3].1
        );
        let body = format!(
            "{w0} {w1} — {w2}, **{w3}** and ~~{w4}~~ with `code {i}` and a note.[^n]\n\n\
             ## {w0} {w1}\n\n- {w2}\n- {w3} <b>not html</b>\n  - nested {w4}\n\n\
             1. first\n2. second\n\n\
             | {w0} | {w1} | 2014 |\n|---|---|---:|\n| {w2} | {w3} | 1,000 |\n| a & b | < c > | 2 |\n\n\
             ### {w5}\n\n> {w4} {w5}\n\nSee [another record]({link}) and <https://example.org/{i}>.\n\n\
             ```yaml\nkey: value {i}\nlist: [1, 2]\n```\n\n\
             [^n]: {w5} footnote.\n"
        );
        let text = format!(
            "---\ntitle: '{}'\ndate: {date}\n{end}cities: [{}]\norganizers: [{} office]\npartners: [{} center]\ntags: [{}, {}]\nlang: {lang}\n{kind_fields}sources:\n  - {{title: Source {i}, url: \"https://example.org/source?id={i}&x=1\"}}\n---\n\n{body}",
            title.replace('\'', "''"),
            cities.join(", "),
            w[2],
            w[3],
            w[0],
            w[1 + rnd(5)],
        );
        std::fs::write(
            dir.join("content")
                .join(section)
                .join(format!("{prefix}-{i:06}.md")),
            text,
        )
        .unwrap();
    }
}
