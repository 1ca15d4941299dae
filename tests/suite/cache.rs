//! The build cache (`.accord-cache/`): a build that takes parsed records, bodies and
//! search terms from it writes the same bytes as a build without it, after any edit;
//! it parses only the record files that changed (all of them when the configuration
//! or the city registry changes), renders only the bodies that changed or whose links
//! answer differently, and tokenizes only the records whose texts changed (all of
//! them when the names of a registry change); a damaged cache or one of another
//! version is ignored with a warning, never trusted.

use std::path::{Path, PathBuf};

use accord::cache::Mode;
use accord::diag::Code;

use crate::support::*;

/// The `editions` fixture (a record, its translation, a trip), with a record that
/// links to the trip and to a PDF beside it, and one whose body has a warning.
fn archive() -> tempfile::TempDir {
    let site = fixture("editions");
    let root = site.path();
    write(root, "content/trips/report.pdf", b"%PDF-1.4 short");
    write(
        root,
        "content/trips/photo.md",
        "---\ntitle: 사진\ndate: 2019-06\ncities: [서울]\nsummary: 사진.\n---\n\n\
         [보고서](report.pdf)와 [방문](visit.md).\n"
            .as_bytes(),
    );
    write(root, "content/trips/code.md", code_record().as_bytes());
    site
}

/// A record whose code block has a line too long to highlight: a warning of its body.
fn code_record() -> String {
    format!(
        "---\ntitle: 코드\ndate: 2019-07\ncities: [서울]\nsummary: 코드.\n---\n\n```rust\nlet x = \"{}\";\n```\n",
        "a".repeat(1200)
    )
}

/// Builds incrementally into `out` with the cache, checks that the output is the one
/// of a build without the cache into an empty folder, byte for byte (pages, feeds,
/// search index, `data/`), and returns the report.
fn step(root: &Path, out: &Path, what: &str) -> accord::Report {
    same_as_clean(root, out, what)
}

fn append(path: &Path, text: &str) {
    let old = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, format!("{old}{text}")).unwrap();
}

fn replace(path: &Path, from: &str, to: &str) {
    let old = std::fs::read_to_string(path).unwrap();
    assert!(old.contains(from), "{} has no `{from}`", path.display());
    std::fs::write(path, old.replace(from, to)).unwrap();
}

#[test]
fn a_cached_build_equals_an_uncached_one_after_every_kind_of_edit() {
    let site = archive();
    let root = site.path();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("site");
    let first = build_into(root, &out);
    let bodies = first.rendered;
    let records = first.records;
    assert_eq!((bodies, first.cached), (5, 0));
    assert_eq!((first.search_cached, first.parsed_cached), (0, 0));
    assert!(root.join(".accord-cache/CACHEDIR.TAG").is_file());

    let again = step(root, &out, "nothing changed");
    assert_eq!((again.rendered, again.cached), (0, bodies));
    assert_eq!(
        (again.search_cached, again.parsed_cached),
        (records, records)
    );

    let content = root.join("content");
    append(&content.join("trips/visit.md"), "\nOne more paragraph.\n");
    let r = step(root, &out, "a body edit");
    assert_eq!((r.rendered, r.cached), (1, bodies - 1));
    assert_eq!(
        (r.search_cached, r.parsed_cached),
        (records - 1, records - 1)
    );

    append(&content.join("programs/plan.en.md"), "\nAnd one more.\n");
    let r = step(root, &out, "a translation edit");
    assert_eq!((r.rendered, r.cached), (1, bodies - 1));
    // The translation's text is indexed with its record.
    assert_eq!(r.search_cached, records - 1);

    replace(
        &content.join("trips/photo.md"),
        "summary: 사진.",
        "summary: 사진.\ntags: [보고서]",
    );
    let r = step(root, &out, "a tag added");
    assert_eq!((r.rendered, r.search_cached), (0, records - 1));
    assert_eq!(r.parsed_cached, records - 1);

    front_matter_edits(root, &out, records);

    write(
        root,
        "content/trips/new.md",
        b"---\ntitle: New\ndate: 2019-08\ncities: [Seoul]\nsummary: New.\n---\n\nAfter the [visit](visit.md).\n",
    );
    let r = step(root, &out, "adding a record");
    assert_eq!((r.rendered, r.cached), (1, bodies));
    assert_eq!(r.search_cached, records);

    // The trip moves to another URL: its body, and every body that links to it
    // (the program, its translation, the photos, the new trip), are rendered again.
    replace(
        &content.join("trips/visit.md"),
        "title: 요코하마 방문",
        "title: 요코하마 방문\nslug: yokohama-visit",
    );
    let r = step(root, &out, "a record's new URL");
    assert_eq!((r.rendered, r.cached), (5, 1));
    // The texts are the same: their links are not indexed.
    assert_eq!(r.search_cached, records + 1);

    // The PDF's size shows beside the link to it: only that body changes.
    write(root, "content/trips/report.pdf", &[b'%'; 5000]);
    let r = step(root, &out, "an attachment's new size");
    assert_eq!((r.rendered, r.cached), (1, bodies));

    std::fs::rename(content.join("trips/new.md"), content.join("trips/newer.md")).unwrap();
    let r = step(root, &out, "renaming a record");
    assert_eq!((r.rendered, r.cached), (1, bodies));
    assert_eq!(r.search_cached, records);

    std::fs::remove_file(content.join("trips/newer.md")).unwrap();
    let r = step(root, &out, "deleting a record");
    assert_eq!((r.rendered, r.cached), (0, bodies));
    assert_eq!(r.search_cached, records);

    site_wide_edits(root, &out, (bodies, records));
}

/// The files of `out` that `build` wrote (new, or replaced by another file) or
/// removed.
#[cfg(unix)]
fn written_by(out: &Path, build: impl FnOnce() -> accord::Report) -> (accord::Report, Vec<String>) {
    use std::collections::BTreeMap;
    use std::os::unix::fs::MetadataExt;
    let inodes = || -> BTreeMap<String, u64> {
        (walkdir::WalkDir::new(out).into_iter().map(Result::unwrap))
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(out).unwrap();
                (
                    rel.to_string_lossy().into_owned(),
                    e.metadata().unwrap().ino(),
                )
            })
            .collect()
    };
    let before = inodes();
    let report = build();
    let after = inodes();
    let mut written: Vec<String> = (after.iter())
        .filter(|(k, ino)| before.get(*k) != Some(ino))
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(report.files_written, written.len(), "{written:?}");
    written.extend(before.keys().filter(|k| !after.contains_key(*k)).cloned());
    (report, written)
}

/// Adding a record, whether it sorts first (the newest date) or last (the oldest),
/// and deleting it, read, render and tokenize that record alone, and write only the
/// pages that show it: its own, its kind's list, its city's and year's, the home
/// page, the feeds, the sitemap, the data and the search index. The pages of the
/// other records, of the cities it is not in and the page that lists no record are
/// not written again, though the record shifts the numbers of those after it; the
/// output is a clean build's, byte for byte.
#[test]
#[cfg(unix)]
fn adding_or_deleting_a_record_reads_renders_and_writes_what_shows_it_alone() {
    let site = archive();
    let root = site.path();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("site");
    let first = build_into(root, &out);
    let (records, files) = (first.records, first.parsed);
    let others = [
        "trips/visit/",
        "trips/photo/",
        "trips/code/",
        "programs/plan/",
    ];
    let elsewhere = [
        "404.html",
        "cities/seoul/index.html",
        "cities/yokohama/index.html",
    ];
    for (what, date) in [("the newest", "2019-12-31"), ("the oldest", "2019-01-01")] {
        write(
            root,
            "content/trips/beijing.md",
            format!(
                "---\ntitle: 北京\ndate: {date}\ncities: [Beijing]\nsummary: 北京.\n---\n\n北京.\n"
            )
            .as_bytes(),
        );
        let step_name = format!("adding a record of {what} date");
        let (r, changed) = written_by(&out, || step(root, &out, &step_name));
        assert_eq!(r.records, records + 1, "{step_name}");
        assert_eq!(
            (r.parsed, r.parsed_cached),
            (files + 1, records),
            "{step_name}"
        );
        assert_eq!((r.rendered, r.search_cached), (1, records), "{step_name}");
        for page in [
            "trips/beijing/index.html",
            "trips/index.html",
            "cities/beijing/index.html",
            "years/2019/index.html",
            "index.html",
        ] {
            assert!(
                changed.iter().any(|k| k == page),
                "{step_name}: {page} not in {changed:?}"
            );
        }
        let unrelated = |k: &String| {
            others.iter().any(|o| k.contains(o)) || elsewhere.iter().any(|e| k.ends_with(e))
        };
        let written: Vec<&String> = changed.iter().filter(|k| unrelated(k)).collect();
        assert!(written.is_empty(), "{step_name} rewrote {written:?}");

        std::fs::remove_file(root.join("content/trips/beijing.md")).unwrap();
        let step_name = format!("deleting the record of {what} date");
        let (r, changed) = written_by(&out, || step(root, &out, &step_name));
        assert_eq!(
            (r.records, r.parsed, r.parsed_cached),
            (records, files, records)
        );
        assert_eq!((r.rendered, r.search_cached), (0, records), "{step_name}");
        assert!(
            changed.iter().any(|k| k == "trips/beijing/index.html"),
            "{changed:?}"
        );
        let written: Vec<&String> = changed.iter().filter(|k| unrelated(k)).collect();
        assert!(written.is_empty(), "{step_name} rewrote {written:?}");
    }
}

/// Edits of the registries, the templates and the configuration after the record
/// edits of `a_cached_build_equals_an_uncached_one_after_every_kind_of_edit`, on its
/// archive of `bodies` bodies and `records` records.
fn site_wide_edits(root: &Path, out: &Path, (bodies, records): (usize, usize)) {
    replace(
        &root.join("data/cities.yaml"),
        "en: Yokohama",
        "en: Yokohama City",
    );
    let r = step(root, out, "a registry change");
    assert_eq!((r.rendered, r.search_cached, r.parsed_cached), (0, 0, 0));

    // `방문` (a visit) in the texts of other records now mentions Seoul.
    replace(
        &root.join("data/cities.yaml"),
        "aliases: [서울특별시]",
        "aliases: [서울특별시, 방문]",
    );
    let r = step(root, out, "a city alias added");
    assert_eq!((r.rendered, r.search_cached), (0, 0));
    let again = step(root, out, "after the alias");
    assert_eq!(again.search_cached, records);

    write(
        root,
        "data/organizations.yaml",
        b"yokohama-city:\n  name: {en: City of Yokohama, ja: \xe6\xa8\xaa\xe6\xb5\x9c\xe5\xb8\x82}\n  kind: city-government\n  country: JP\n",
    );
    let r = step(root, out, "an organization registry");
    // Not read with the front matter: no record file is read again.
    assert_eq!(r.parsed_cached, records);

    write(
        root,
        "templates/404.html",
        b"{% extends \"base.html\" %}{% block content %}<p>gone</p>{% endblock content %}",
    );
    step(root, out, "a template");

    replace(
        &root.join("accord.yaml"),
        "title: Fixture",
        "title: Another",
    );
    let r = step(root, out, "a new title in accord.yaml");
    assert_eq!((r.rendered, r.parsed_cached), (0, 0));

    // Under another path every link to a record is another URL.
    replace(
        &root.join("accord.yaml"),
        "https://example.org/",
        "https://example.org/archive/",
    );
    let r = step(root, out, "a new base path");
    assert_eq!((r.rendered, r.cached), (bodies, 0));
}

/// Edits of the front matter of one record (`trips/photo.md`) that change what is
/// made of it: each reads that file alone again, and the output is a clean build's.
/// A warning of the front matter is reported the same when the record is taken from
/// the cache.
fn front_matter_edits(root: &Path, out: &Path, records: usize) {
    let photo = root.join("content/trips/photo.md");
    let edits = [
        ("a new title", "title: 사진", "title: 요코하마 사진"),
        ("another city", "cities: [서울]", "cities: [서울, 요코하마]"),
        (
            "new dates",
            "date: 2019-06\n",
            "date: 2019-06-03\nend: 2019-06-05\n",
        ),
        ("a draft", "summary: 사진.", "summary: 사진.\ndraft: true"),
        ("a draft no more", "\ndraft: true", ""),
    ];
    for (what, from, to) in edits {
        replace(&photo, from, to);
        let r = step(root, out, what);
        let published = records - usize::from(what == "a draft");
        assert_eq!(
            (r.records, r.parsed_cached),
            (published, records - 1),
            "{what}"
        );
    }
    let placeholder = &accord::scaffold::placeholders().next().unwrap().summary;
    replace(
        &photo,
        "summary: 사진.",
        &format!("summary: \"{placeholder}\""),
    );
    let warned = step(root, out, "a placeholder summary");
    assert_eq!(warned.parsed_cached, records - 1);
    let placeholder_of_photo = |r: &accord::Report| {
        (r.warnings.iter()).any(|d| d.code == Code::Placeholder && d.path.ends_with("photo.md"))
    };
    assert!(placeholder_of_photo(&warned), "{:?}", warned.warnings);
    let again = step(root, out, "the placeholder, from the cache");
    assert_eq!(again.parsed_cached, records);
    assert_eq!(again.warnings, warned.warnings);
    replace(
        &photo,
        &format!("summary: \"{placeholder}\""),
        "summary: 사진.",
    );
    let fixed = step(root, out, "the placeholder replaced");
    assert!(!placeholder_of_photo(&fixed), "{:?}", fixed.warnings);
}

/// The bucket files of the cache's bodies.
fn cache_files(root: &Path) -> Vec<PathBuf> {
    cache_files_in(root, "bodies")
}

/// The bucket files of the cache's `folder`: `bodies`, or the search index's `terms`
/// and `passages`.
fn cache_files_in(root: &Path, folder: &str) -> Vec<PathBuf> {
    let dir = root.join(".accord-cache").join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no files in {}", dir.display());
    files
}

#[test]
fn a_damaged_cache_or_one_of_another_version_is_ignored_with_a_warning() {
    type Damage = fn(&mut Vec<u8>);
    let damages: [(&str, Damage); 4] = [
        ("truncated", |b| b.truncate(b.len() / 2)),
        ("emptied", Vec::clear),
        ("a byte flipped", |b| {
            let at = b.len() - 3;
            b[at] ^= 0x01;
        }),
        // The version follows the magic bytes, the format and the version's length.
        ("of another version", |b| b[13] = b'9'),
    ];
    for ((how, damage), folder) in damages.into_iter().flat_map(|d| {
        [
            "bodies", "terms", "passages", "records", "index", "postings",
        ]
        .map(|f| (d, f))
    }) {
        let what = &format!("{folder} {how}");
        let site = archive();
        let root = site.path();
        let work = tempfile::tempdir().unwrap();
        let out = work.path().join("site");
        let first = build_into(root, &out);
        let (bodies, records) = (first.rendered, first.records);
        append(&root.join("content/trips/visit.md"), "\nEdited.\n");
        for file in cache_files_in(root, folder) {
            let mut bytes = std::fs::read(&file).unwrap();
            damage(&mut bytes);
            std::fs::write(&file, bytes).unwrap();
        }
        let r = step(root, &out, what);
        let warned: Vec<_> = (r.warnings.iter())
            .filter(|d| d.code == Code::BuildCache)
            .collect();
        assert_eq!(warned.len(), 1, "{what}: {warned:?}");
        assert!(!warned[0].is_error());
        assert!(
            warned[0]
                .path
                .starts_with(Path::new(".accord-cache").join(folder))
        );
        let expected = match folder {
            "bodies" => (bodies, 0, records - 1, records - 1),
            "terms" => (1, bodies - 1, 0, records - 1),
            "passages" | "index" | "postings" => (1, bodies - 1, records - 1, records - 1),
            _ => (1, bodies - 1, records - 1, 0),
        };
        let got = (r.rendered, r.cached, r.search_cached, r.parsed_cached);
        assert_eq!(got, expected, "{what}");
        // Written anew: the next build trusts it again.
        let next = step(root, &out, what);
        assert!(next.warnings.iter().all(|d| d.code != Code::BuildCache));
        assert_eq!((next.rendered, next.cached), (0, bodies), "{what}");
        assert_eq!(next.search_cached, records, "{what}");
        assert_eq!(next.parsed_cached, records, "{what}");
        if folder == "index" || folder == "postings" {
            assert_eq!(r.search_terms_kept.0, 0, "{what}");
            assert!(next.search_terms_kept.0 > 0, "{what}");
        }
    }
}

/// The search streams' files of the cache at `root`, by inode: a stream written anew
/// is a new file renamed in. None where there are no inodes.
fn stream_files(root: &Path) -> Vec<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        (["index", "postings"].iter())
            .map(|s| root.join(".accord-cache").join(s).join("terms.bin"))
            .map(|f| std::fs::metadata(f).unwrap().ino())
            .collect()
    }
    #[cfg(not(unix))]
    {
        let _ = root;
        Vec::new()
    }
}

#[test]
fn an_edit_that_keeps_the_average_lengths_weighs_only_the_terms_its_record_holds_or_held() {
    let site = archive();
    let root = site.path();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("site");
    let first = build_into(root, &out);
    assert_eq!(first.search_terms_kept.0, 0);
    let streams = || stream_files(root);
    let written = streams();
    let again = step(root, &out, "nothing changed");
    let all = again.search_terms_kept.1;
    assert_eq!(again.search_terms_kept, (all, all));
    // No record changed: the streams are kept as they are, not written again.
    assert_eq!(streams(), written);

    // One word for another of as many characters: no field grows or shrinks.
    let index = |term: &str| {
        let load = |p: &str| std::fs::read(out.join(p)).ok();
        let reader = accord::search::Reader::open(load).unwrap();
        let filters = accord::search::Filters::default();
        reader.search(term, &filters).unwrap().hits.len()
    };
    let before = (index("기록"), index("보고"));
    let visit = root.join("content/trips/visit.md");
    replace(&visit, "방문 기록.", "방문 보고.");
    let r = step(root, &out, "a word replaced");
    let (kept, all) = r.search_terms_kept;
    assert!(kept > all / 2 && kept < all, "{kept} of {all}");
    let rewritten = streams();
    assert!(rewritten.iter().zip(&written).all(|(a, b)| a != b));
    // The terms of the word before and after were weighed again, with every other
    // term of the record: one record less holds `기록`, one more `보고`.
    assert_eq!((index("기록"), index("보고")), (before.0 - 1, before.1 + 1));

    // A word no other record holds comes, then goes: its postings are made from the
    // record alone, then dropped with the term (`step` compares every byte with a
    // build without the cache).
    assert_eq!(index("zyxwvut"), 0);
    replace(&visit, "방문 보고.", "방문 zyxwvut.");
    let r = step(root, &out, "a word no other record holds");
    assert!(r.search_terms_kept.0 > 0, "{:?}", r.search_terms_kept);
    assert_eq!(index("zyxwvut"), 1);
    replace(&visit, "방문 zyxwvut.", "방문 보고.");
    let r = step(root, &out, "the word gone");
    assert!(r.search_terms_kept.0 > 0, "{:?}", r.search_terms_kept);
    assert_eq!((index("zyxwvut"), index("보고")), (0, before.1 + 1));

    // A record that grows moves the average length of a field: every term is weighed.
    append(&visit, &"\n더 많은 기록과 보고와 방문.".repeat(20));
    let r = step(root, &out, "a body grown");
    assert_eq!(r.search_terms_kept.0, 0);
    let r = step(root, &out, "nothing changed after");
    assert_eq!(r.search_terms_kept.0, r.search_terms_kept.1);
}

#[test]
fn a_body_from_the_cache_reports_the_same_warnings() {
    let site = archive();
    let root = site.path();
    let work = tempfile::tempdir().unwrap();
    let uncached = build_uncached_into(root, &work.path().join("a"));
    let first = build_into(root, &work.path().join("b"));
    let cached = build_into(root, &work.path().join("b"));
    assert_eq!(cached.rendered, 0);
    assert!(
        (uncached.warnings.iter()).any(|d| d.code == Code::Limit
            && !d.is_error()
            && d.path == Path::new("content/trips/code.md")),
        "{:?}",
        uncached.warnings
    );
    assert_eq!(first.warnings, uncached.warnings);
    assert_eq!(cached.warnings, uncached.warnings);
}

#[test]
fn the_cache_warning_does_not_fail_a_strict_build() {
    let site = site(&[(
        "content/trips/a.md",
        b"---\ntitle: A\ndate: 2020\ncities: [Seoul, Beijing, Yokohama]\nsummary: A.\n---\n\nA.\n",
    )]);
    let root = site.path();
    let strict = accord::Run {
        strict: true,
        progress: None,
    };
    let report = accord::build_with(&options(root), strict).expect("a clean site");
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    for file in cache_files(root) {
        std::fs::write(file, b"not a cache").unwrap();
    }
    let report = accord::build_with(&options(root), strict).expect("still builds");
    let codes: Vec<Code> = report.warnings.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::BuildCache]);
}

#[test]
fn no_cache_neither_reads_nor_writes_it_and_check_only_reads_it() {
    let site = archive();
    let root = site.path();
    let cache = root.join(".accord-cache");
    let r = accord::build(&accord::Options {
        cache: Mode::Off,
        ..options(root)
    })
    .unwrap();
    assert_eq!(r.cached, 0);
    assert!(!cache.exists(), "--no-cache wrote the cache");
    let check = accord::Options {
        write: false,
        ..options(root)
    };
    assert_eq!(accord::build(&check).unwrap().cached, 0);
    assert!(!cache.exists(), "check wrote the cache");
    let bodies = build_ok(root).rendered;
    assert_eq!(accord::build(&check).unwrap().cached, bodies);
    // `--clean` renders everything and writes it anew.
    let clean = accord::build(&accord::Options {
        cache: Mode::Refresh,
        ..options(root)
    })
    .unwrap();
    assert_eq!((clean.rendered, clean.cached), (bodies, 0));
    assert_eq!(build_ok(root).cached, bodies);
}

#[test]
fn the_command_line_prints_the_warning_and_has_no_cache() {
    let site = archive();
    let root = site.path();
    let root_arg = path_str(root);
    let ok = |args: &[&str]| {
        let out = accord_plain(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    ok(&["build", "--root", root_arg, "--no-cache"]);
    assert!(!root.join(".accord-cache").exists());
    ok(&["build", "--root", root_arg]);
    for file in cache_files(root) {
        std::fs::write(file, b"").unwrap();
    }
    let printed = ok(&["build", "--root", root_arg, "--timings"]);
    assert!(printed.contains("[build-cache]"), "{printed}");
    let printed = ok(&["build", "--root", root_arg, "--timings"]);
    assert!(!printed.contains("[build-cache]"), "{printed}");
    assert!(printed.contains("5 from the build cache"), "{printed}");
}

#[test]
fn a_bucket_file_left_by_a_killed_build_is_removed_and_one_being_written_is_kept() {
    let site = archive();
    let root = site.path();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("site");
    build_into(root, &out);
    let bodies = root.join(".accord-cache/bodies");
    // No process has this number (above any pid_max); this test's process runs.
    let left = bodies.join("00.4294967295.accord-tmp");
    let running = bodies.join(format!("01.{}.accord-tmp", std::process::id()));
    let other = bodies.join("notes.accord-tmp");
    for file in [&left, &running, &other] {
        std::fs::write(file, b"partial").unwrap();
    }
    // Nothing changed: no bucket is written, the leftovers still go.
    let r = step(root, &out, "unchanged");
    assert_eq!(r.rendered, 0);
    assert!(!left.exists(), "{} was not removed", left.display());
    assert!(running.exists(), "a file of a running build was removed");
    assert!(other.exists(), "a file accord did not name was removed");
}
