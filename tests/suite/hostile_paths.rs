//! Paths: slugs and file names that try to leave their folder or break on another
//! system, names that collide on case-insensitive or normalising file systems,
//! symbolic links, attachments; and non-ASCII names in either normalisation form.

use crate::support::*;
use unicode_normalization::UnicodeNormalization;

fn record(slug_line: &str) -> Vec<u8> {
    format!("---\ntitle: T\ndate: 2020\ncities: [서울]\n{slug_line}---\nBody\n").into_bytes()
}

fn messages(root: &std::path::Path) -> String {
    render_diags(&errors(root))
}

#[test]
fn slugs_that_leave_their_folder_or_break_on_windows_are_refused() {
    let cases: &[(&str, &str)] = &[
        ("dots", "slug: ../x"),
        ("dotdot", "slug: .."),
        ("slash", "slug: a/b"),
        ("backslash", "slug: 'a\\b'"),
        ("absolute", "slug: /etc/passwd"),
        ("nul", "slug: \"a\\0b\""),
        ("hidden", "slug: .hidden"),
        ("trailing-dot", "slug: x."),
        ("con", "slug: con"),
        ("nul-ext", "slug: NUL.txt"),
        ("com9", "slug: COM9"),
        ("lpt5", "slug: lpt5.tar.gz"),
        ("conin", "slug: CONIN$"),
        ("too-long", &format!("slug: {}", "s".repeat(201))),
    ];
    let files: Vec<(String, Vec<u8>)> = cases
        .iter()
        .map(|(name, line)| {
            (
                format!("content/trips/{name}.md"),
                record(&format!("{line}\n")),
            )
        })
        .collect();
    let s = site_of(&files);
    let out = messages(s.path());
    for (name, _) in cases {
        assert!(
            out.contains(&format!("content/trips/{name}.md:5:7: error: the slug `")),
            "{name} not refused:\n{out}"
        );
    }
    assert!(out.contains("is a reserved file name on Windows"), "{out}");
    assert!(out.contains("ends with a dot"), "{out}");
    assert!(out.contains("(MAX_SLUG_BYTES)"), "{out}");
    assert!(!s.path().join("output").exists());
}

#[test]
fn file_names_are_checked_like_slugs() {
    let body = record("");
    let s = site(&[
        ("content/trips/aux.md", &body),
        ("content/trips/com1.md", &body),
        ("content/trips/a\\b.md", &body),
        ("content/trips/end..md", &body),
    ]);
    let out = messages(s.path());
    for name in ["aux", "com1", "a\\b", "end."] {
        assert!(
            out.contains(&format!("content/trips/{name}.md:1:1: error: the slug `")),
            "{name}:\n{out}"
        );
    }
}

#[test]
fn names_that_differ_only_in_case_or_normalisation_collide() {
    let body = record("");
    let nfc = "서울";
    let nfd: String = nfc.nfd().collect();
    assert_ne!(nfc, nfd);
    let s = site(&[
        ("content/trips/Report.md", &body),
        ("content/trips/report.md", &body),
        (&format!("content/trips/{nfc}.md"), &body),
        (&format!("content/trips/{nfd}.md"), &body),
        ("content/trips/scan.pdf", b"%PDF"),
        ("content/trips/SCAN.PDF", b"%PDF"),
    ]);
    let out = messages(s.path());
    assert!(
        out.contains("content/trips/report.md: error: this path and content/trips/Report.md differ only in case or Unicode normalisation"),
        "{out}"
    );
    assert!(
        out.contains("content/trips/scan.pdf: error: this path and content/trips/SCAN.PDF differ only in case"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "content/trips/{nfc}.md: error: this path and content/trips/{nfc}.md differ only"
        )),
        "{out}"
    );
}

#[test]
fn decomposed_file_names_work_for_pages_links_and_attachments() {
    let nfd_record: String = "서울-회의".nfd().collect();
    let nfd_file: String = "보고서.pdf".nfd().collect();
    let linking = "---\ntitle: Linking\ndate: 2021\ncities: [서울]\n---\nSee [the meeting](서울-회의.md) and [again](%EC%84%9C%EC%9A%B8-%ED%9A%8C%EC%9D%98.md).\n";
    let target = "---\ntitle: Meeting\ndate: 2020\ncities: [서울]\nsources: [{title: 보고서, file: 보고서.pdf}]\n---\nBody\n";
    let s = site(&[
        ("content/trips/linking.md", linking.as_bytes()),
        (&format!("content/trips/{nfd_record}.md"), target.as_bytes()),
        (&format!("content/trips/{nfd_file}"), b"%PDF-1.4"),
    ]);
    build_ok_limited(s.path());
    let page = std::fs::read_to_string(s.path().join("output/trips/linking/index.html")).unwrap();
    // (Written percent-encoded, as Markdown writes every non-ASCII link.)
    let url = "/trips/%EC%84%9C%EC%9A%B8-%ED%9A%8C%EC%9D%98/";
    assert_eq!(
        page.matches(&format!("href=\"{url}\"")).count(),
        2,
        "{page}"
    );
    // Published under the NFC name, whatever the disk holds.
    assert!(s.path().join("output/trips/서울-회의/index.html").exists());
    assert_eq!(
        std::fs::read(s.path().join("output/trips/서울-회의/보고서.pdf")).unwrap(),
        b"%PDF-1.4"
    );
}

#[test]
#[cfg(unix)]
fn symbolic_links_in_content_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.md"), record("")).unwrap();
    std::fs::write(outside.path().join("passwd"), "root:x:0:0").unwrap();
    let s = site(&[("content/trips/ok.md", &record(""))]);
    let link = |target: &std::path::Path, at: &str| {
        std::os::unix::fs::symlink(target, s.path().join(at)).unwrap();
    };
    link(&outside.path().join("secret.md"), "content/trips/secret.md");
    link(&outside.path().join("passwd"), "content/trips/passwd.pdf");
    link(outside.path(), "content/workshops");
    let out = messages(s.path());
    for rel in [
        "content/trips/secret.md",
        "content/trips/passwd.pdf",
        "content/workshops",
    ] {
        assert!(
            out.contains(&format!(
                "{rel}: error: symbolic links are not followed in content/"
            )),
            "{rel}:\n{out}"
        );
    }
    // The content folder itself.
    let s2 = site(&[]);
    std::fs::create_dir_all(outside.path().join("trips")).unwrap();
    std::os::unix::fs::symlink(outside.path(), s2.path().join("content")).unwrap();
    let out = messages(s2.path());
    assert!(
        out.contains("content: error: symbolic links are not followed in content/"),
        "{out}"
    );
}

#[test]
fn sources_cannot_reach_outside_or_collide() {
    let files: &[(&str, &str)] = &[
        ("absolute", "{title: a, file: /etc/passwd}"),
        ("climbing", "{title: a, file: ../../../../etc/passwd}"),
        ("config", "{title: a, file: ../../accord.yaml}"),
        ("page", "{title: a, file: index.html}"),
        (
            "twice",
            "{title: a, file: scan.pdf}, {title: b, file: ../programs/SCAN.pdf}",
        ),
        ("script", "{title: a, url: \"javascript:alert(1)\"}"),
    ];
    let mut site_files: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(name, src)| {
            (
                format!("content/trips/{name}.md"),
                record(&format!("sources: [{src}]\n")),
            )
        })
        .collect();
    site_files.push(("content/trips/index.html".into(), b"<p>x</p>".to_vec()));
    site_files.push(("content/trips/scan.pdf".into(), b"%PDF".to_vec()));
    site_files.push(("content/programs/SCAN.pdf".into(), b"%PDF".to_vec()));
    let refs: Vec<(&str, &[u8])> = site_files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let s = site(&refs);
    let out = messages(s.path());
    // Each at the value of its `file` or `url`.
    for expected in [
        "content/trips/absolute.md:5:28: error: source file `/etc/passwd` must be a path relative to the record",
        "content/trips/climbing.md:5:28: error: source file `../../../../etc/passwd` is outside content/",
        "content/trips/config.md:5:28: error: source file `../../accord.yaml` is outside content/",
        // Refused for its type, so never published over the record's page.
        "content/trips/page.md:5:28: error: source file `index.html` is not a type accord publishes",
        "content/trips/twice.md:5:56: error: source file `../programs/SCAN.pdf` would be published under the same name as `scan.pdf`",
        "content/trips/script.md:5:27: error: source url `javascript:alert(1)` must start with http:// or https://",
    ] {
        assert!(out.contains(expected), "{expected}\n{out}");
    }
}

/// An HTML or SVG attachment would be served from the site's origin and run its
/// scripts there: only documents, images other than SVG and archives are published.
#[test]
fn attachments_that_could_run_script_are_refused_at_their_file_value() {
    let body = record(
        "sources: [{title: a, file: report.html}, {title: b, file: logo.SVG}, {title: c, file: x.js},\n  {title: d, file: scan.pdf}, {title: e, file: 표.HWPX}, {title: f, file: noext}]\n",
    );
    let script = b"<script>alert(1)</script>".as_slice();
    let s = site(&[
        ("content/trips/x.md", &body),
        ("content/trips/report.html", script),
        ("content/trips/logo.SVG", script),
        ("content/trips/x.js", script),
        ("content/trips/noext", script),
        ("content/trips/scan.pdf", b"%PDF"),
        ("content/trips/표.HWPX", b"PK"),
    ]);
    let out = messages(s.path());
    for (line, col, name) in [
        (5, 28, "report.html"),
        (5, 59, "logo.SVG"),
        (5, 87, "x.js"),
        (6, 74, "noext"),
    ] {
        let expected = format!(
            "content/trips/x.md:{line}:{col}: error: source file `{name}` is not a type accord publishes [invalid-source]\n  help: attachments may be PDF, images"
        );
        assert!(out.contains(&expected), "{expected}\n{out}");
    }
    assert!(
        !out.contains("scan.pdf") && !out.contains("표.HWPX"),
        "{out}"
    );
    assert_eq!(out.matches("error:").count(), 4, "{out}");
}

#[test]
fn links_that_climb_out_are_broken_links_not_reads() {
    let body = "---\ntitle: T\ndate: 2020\ncities: [서울]\n---\n[a](../../../../../etc/passwd.md) [b](/etc/hosts.md) [c](..%2F..%2Faccord.md)\n";
    let s = site(&[("content/trips/x.md", body.as_bytes())]);
    let out = messages(s.path());
    assert!(
        out.contains("content/trips/x.md:6:1: error: link to `../../../../../etc/passwd.md`: no record at ../../../../../etc/passwd.md"),
        "{out}"
    );
    assert!(
        out.contains(
            "content/trips/x.md:6:35: error: link to `/etc/hosts.md`: no record at etc/hosts.md"
        ),
        "{out}"
    );
    assert!(
        out.contains("content/trips/x.md:6:54: error: link to `..%2F..%2Faccord.md`"),
        "{out}"
    );
}

/// `ln -s .git static`, committed, would publish `.git/config` and the credentials a CI
/// checkout writes there. The theme's and the site's folders are read like `content/`:
/// a symbolic link there — the folder itself or a file in it — is a located error.
#[test]
#[cfg(unix)]
fn symbolic_links_in_static_templates_and_themes_are_refused() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "config",
        b"[http]\n\textraheader = AUTHORIZATION: basic c2VjcmV0\n",
    );
    write(outside.path(), "base.html", b"{{ secret }}");
    let themed = "title: Hostile\nbase_url: https://example.org/\nlanguage: ko\ntheme: mine\n";
    let cases: [(&str, &str, &[&str]); 6] = [
        ("static", "static", &[]),
        ("templates", "templates", &[]),
        ("static/config", "static/config", &["static/ok.css"]),
        ("themes/mine", "themes/mine", &[]),
        (
            "themes/mine/static",
            "themes/mine/static",
            &["themes/mine/templates/x.html"],
        ),
        ("themes", "themes", &[]),
    ];
    for (at, folder, real) in cases {
        let s = site(&[("content/trips/ok.md", &record(""))]);
        if at.starts_with("themes") {
            write(s.path(), "accord.yaml", themed.as_bytes());
        }
        for f in real {
            write(s.path(), f, b"x");
        }
        let target = if at.ends_with("config") {
            outside.path().join("config")
        } else {
            outside.path().to_path_buf()
        };
        std::fs::create_dir_all(s.path().join(at).parent().unwrap()).unwrap();
        symlink(&target, s.path().join(at)).unwrap();
        let out = messages(s.path());
        let top = folder.split('/').next().unwrap();
        assert!(
            out.contains(&format!(
                "{at}: error: symbolic links are not followed in {top}/"
            )),
            "{at}:\n{out}"
        );
    }
}

#[test]
fn korean_file_names_with_a_multibyte_fourth_byte_build_and_make_new_records() {
    // `2차`: the third byte ends inside `차`; the Windows reserved-name check once
    // split there and panicked.
    let names = ["2차-워크숍", "1차-회의", "k리그", "e스포츠", "com차"];
    let files: Vec<(String, Vec<u8>)> = names
        .iter()
        .map(|n| (format!("content/workshops/{n}.md"), record("")))
        .collect();
    let s = site_of(&files);
    let (code, out) = check(s.path());
    assert_eq!(code, Some(0), "{out}");
    let new = std::process::Command::new(bin())
        .args(["new", "workshop", "2차 녹색구매 워크숍", "--city", "서울"])
        .args(["--root", path_str(s.path())])
        .output()
        .unwrap();
    assert!(
        new.status.success(),
        "{}",
        String::from_utf8_lossy(&new.stderr)
    );
    assert!(
        s.path()
            .join("content/workshops/2차-녹색구매-워크숍.md")
            .is_file()
    );
    let (code, out) = check(s.path());
    assert_eq!(code, Some(0), "{out}");
}

/// A small deterministic generator (xorshift): the same names every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as usize
    }
}

#[test]
fn any_unicode_file_name_builds_or_gets_a_located_error_never_a_panic() {
    // Every width of UTF-8, the characters slugs refuse, reserved-name prefixes,
    // combining marks (NFD), case pairs, and characters that end a URL path.
    let pool: Vec<char> = "aZ09-_.~ %&#?:'\"<>|*차워크숍회의리그스포츠北九州市東京ソウルCONLPTcom¹²³é\u{301}\u{200b}\u{feff}\u{1F600}\u{10FFFD}ÅåΣσ"
        .chars()
        .collect();
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut refused = 0;
    for round in 0..4 {
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        let mut names = std::collections::BTreeSet::new();
        while names.len() < 60 {
            let len = 1 + rng.next() % 12;
            let stem: String = (0..len).map(|_| pool[rng.next() % pool.len()]).collect();
            // The file system holds any name but these; `.`-names are hidden files.
            if stem.starts_with('.') || stem.trim().is_empty() || !names.insert(stem.clone()) {
                continue;
            }
            files.push((format!("content/trips/{stem}.md"), record("")));
        }
        let s = site_of(&files);
        let result = accord::build(&accord::Options {
            write: false,
            ..options(s.path())
        });
        let Err(diags) = result else { continue };
        refused += diags.iter().filter(|d| d.is_error()).count();
        // Each error names the file it is about (a problem of the name itself is
        // about the whole file, without a line).
        for d in diags.iter().filter(|d| d.is_error()) {
            assert!(
                d.path.to_string_lossy().starts_with("content/trips/"),
                "round {round}: an error that names no record file: {d}"
            );
        }
    }
    // The names reach the checks: many of them are not safe slugs.
    assert!(refused > 20, "only {refused} names were refused");
}
