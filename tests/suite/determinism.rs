//! Determinism across machines: the output of an archive does not depend on the order
//! the file system lists its files in, on the order of the registry, on the locale,
//! the time zone, the number of threads, or where it is built; nor on whether the
//! rendered bodies wait in memory or in the body store's temporary file.

use std::path::Path;
use std::process::Command;

use crate::support::*;
use unicode_normalization::UnicodeNormalization;

/// Records with equal dates (ties to break), NFD file names, attachments and links.
fn extra_records(root: &Path) {
    for (i, name) in ["가나", "다라", "마바", "Zeta", "alpha"].iter().enumerate() {
        let file: String = name.nfd().collect();
        write(
            root,
            &format!("content/trips/{file}.md"),
            format!(
                "---\ntitle: Same day {i}\ndate: 2020-01-01\ncities: [서울, 북경]\nsources: [{{title: scan, file: {name}.pdf}}]\n---\n[next](../trips/r00001.md)\n"
            )
            .as_bytes(),
        );
        write(root, &format!("content/trips/{file}.pdf"), b"%PDF");
    }
}

/// Copies `from` to `to`, creating the files in reverse order and writing the
/// registry's entries in reverse order.
fn copy_reversed(from: &Path, to: &Path) {
    let mut files: Vec<_> = walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(from).unwrap().to_path_buf())
        .collect();
    files.sort();
    files.reverse();
    for rel in files {
        let bytes = std::fs::read(from.join(&rel)).unwrap();
        let bytes = if rel == Path::new("data/cities.yaml") {
            let text = String::from_utf8(bytes).unwrap();
            let mut entries: Vec<String> = Vec::new();
            for line in text.lines() {
                if !line.starts_with(' ') {
                    entries.push(String::new());
                }
                let last = entries.last_mut().unwrap();
                last.push_str(line);
                last.push('\n');
            }
            entries.reverse();
            entries.concat().into_bytes()
        } else {
            bytes
        };
        write(to, rel.to_str().unwrap(), &bytes);
    }
}

/// How a build is run: threads, time zone, locale, and the bytes of rendered bodies
/// held in memory (the others go to the body store's file).
struct Env<'a> {
    threads: &'a str,
    tz: &'a str,
    locale: &'a str,
    body_memory: &'a str,
}

fn build_with_env(root: &Path, out: &Path, env: &Env<'_>) {
    let Env {
        threads,
        tz,
        locale,
        body_memory,
    } = *env;
    let mut cmd = Command::new(bin());
    cmd.args(["build", "--root", path_str(root), "--output", path_str(out)])
        .env("RAYON_NUM_THREADS", threads)
        .env(accord::bodies::BUDGET_VARIABLE, body_memory)
        .env("TZ", tz)
        .env("LC_ALL", locale)
        .env("LANG", locale);
    let output = run_with_deadline(cmd);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn output_is_the_same_whatever_the_listing_order_locale_time_zone_threads_and_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    generate_archive(&a, 300, "Determinism");
    extra_records(&a);
    let b = tmp.path().join("b");
    copy_reversed(&a, &b);

    // Every body in memory, none, and some (the first 20 KB of them).
    let env = |threads, tz, locale, body_memory| Env {
        threads,
        tz,
        locale,
        body_memory,
    };
    let runs = [
        (&a, "out-1", env("1", "UTC", "C", "1000000000")),
        (&b, "out-2", env("8", "Asia/Seoul", "ko_KR.UTF-8", "0")),
        (
            &a,
            "out-3",
            env("3", "America/Los_Angeles", "ja_JP.UTF-8", "20000"),
        ),
        (
            &b,
            "out-4",
            env("2", "Pacific/Kiritimati", "zh_CN.UTF-8", "0"),
        ),
    ];
    let mut trees = Vec::new();
    for (root, out, env) in &runs {
        let out = tmp.path().join(out);
        build_with_env(root, &out, env);
        trees.push(tree(&out));
    }
    assert!(trees[0].len() > 300);
    for (i, t) in trees.iter().enumerate().skip(1) {
        let differ: Vec<&String> = trees[0]
            .keys()
            .chain(t.keys())
            .filter(|k| trees[0].get(*k) != t.get(*k))
            .collect();
        assert!(differ.is_empty(), "run {i} differs in {differ:?}");
    }
}
