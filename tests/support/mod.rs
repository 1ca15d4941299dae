//! Helpers for the tests of hostile and broken input: small sites written on the fly,
//! the binary run with bounded memory and a deadline, and a large generated archive.

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A registry with the cities the tests name.
pub const REGISTRY: &str = "\
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

pub const CONFIG: &str = "title: Hostile\nbase_url: https://example.org/\nlanguage: ko\n";

/// The front matter of a valid trip, without its closing `---`.
pub const FRONT: &str = "---\ntitle: T\ndate: 2020\ncities: [서울]\n";

/// A site in a temporary directory: `accord.yaml`, the registry, and `files`
/// (relative path, bytes).
pub fn site(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "accord.yaml", CONFIG.as_bytes());
    write(tmp.path(), "data/cities.yaml", REGISTRY.as_bytes());
    for (rel, bytes) in files {
        write(tmp.path(), rel, bytes);
    }
    tmp
}

pub fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_accord")
}

/// Far more than any of these runs needs; only there so that a regression shows as a
/// failure instead of a test run that never ends.
pub const DEADLINE: Duration = Duration::from_secs(300);

/// Runs the binary with `args`, its address space limited to 4 GiB (so that a memory
/// bomb fails the run instead of the machine), killed at `DEADLINE`.
/// (Without a Unix shell, only the deadline applies.)
pub fn accord_limited(args: &[&str]) -> Output {
    let mut cmd = if cfg!(unix) {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("ulimit -v 4194304 && exec \"$0\" \"$@\"")
            .arg(bin());
        cmd
    } else {
        Command::new(bin())
    };
    cmd.args(args);
    run_with_deadline(cmd)
}

pub fn run_with_deadline(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain both pipes while waiting, so that a long report cannot block the child.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            pipe.read_to_end(&mut buf).unwrap();
            buf
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > DEADLINE {
            child.kill().unwrap();
            child.wait().unwrap();
            let err = stderr.join().unwrap();
            panic!(
                "accord did not finish within {DEADLINE:?}\n{}",
                shorten(&String::from_utf8_lossy(&err))
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// At most the first 3000 characters of a report, for assertion messages.
pub fn shorten(text: &str) -> String {
    match text.char_indices().nth(3000) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// `accord check` on a site: the exit code and what it printed.
pub fn check(root: &Path) -> (Option<i32>, String) {
    let out = accord_limited(&["check", "--root", root.to_str().unwrap()]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `accord check` on a site with one record at `rel`: the exit code and output.
pub fn check_one(rel: &str, bytes: &[u8]) -> (Option<i32>, String) {
    let s = site(&[(rel, bytes)]);
    check(s.path())
}

/// The diagnostics of a check that must fail, as text.
pub fn errors(root: &Path) -> Vec<accord::diag::Diagnostic> {
    accord::build(&accord::Options {
        root: root.to_path_buf(),
        output: None,
        drafts: false,
        write: false,
        allow_empty: false,
    })
    .expect_err("the check must fail")
}

/// Writes an archive of `n` records (programs, trips and workshops, Korean and
/// English, 1–2 KB bodies with links between them) into `root`.
pub fn generate_archive(root: &Path, n: usize, title: &str) {
    write(
        root,
        "accord.yaml",
        format!("title: {title}\nbase_url: https://example.org/\nlanguage: ko\n").as_bytes(),
    );
    write(root, "data/cities.yaml", REGISTRY.as_bytes());
    let cities = ["서울", "Beijing", "横浜市", "북경"];
    for i in 0..n {
        let (kind, extra) = match i % 3 {
            0 => (
                "programs",
                "status: ongoing\nbudget: {unit: 백만원, total: 475, spent: 195}\n",
            ),
            1 => ("trips", "travelers: 3\npurpose: 협력 논의\n"),
            _ => ("workshops", "venue: 서울시청\nformat: forum\n"),
        };
        let link_kind = ["programs", "trips", "workshops"][(i + 1) % 3];
        let body = format!(
            "## 개요 {i}\n\n{}\n\n- 항목 하나\n- item two\n\n| 연도 | 예산 |\n|---|---:|\n| 2014 | 65 |\n\n[관련 기록](../{link_kind}/r{:05}.md)\n",
            "양 도시는 대기질 개선을 위해 협력하기로 했다. The cities agreed to work together. "
                .repeat(12),
            (i + 1) % n
        );
        let text = format!(
            "---\ntitle: 기록 {i} — record {i}\ndate: {}-{:02}\ncities: [{}, {}]\ntags: [대기질, t{}]\n{extra}---\n{body}",
            2000 + i % 25,
            1 + i % 12,
            cities[i % 4],
            cities[(i + 1) % 4],
            i % 7
        );
        write(root, &format!("content/{kind}/r{i:05}.md"), text.as_bytes());
    }
}

/// Every file below `dir`, by relative path.
pub fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
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

pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub fn rel(root: &Path, p: &str) -> PathBuf {
    root.join(p)
}
