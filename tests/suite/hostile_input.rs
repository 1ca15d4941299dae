//! Hostile and broken files: each gives a located error or hits a limit named in the
//! error — never a panic, a hang or unbounded memory. The binary runs with its
//! address space limited to 4 GiB and a deadline (tests/support).

use crate::support::*;

/// Checks a site with the one record `text` at content/trips/x.md, expecting failure
/// with `needle` in the output; returns the output.
fn fails_with(text: &[u8], needle: &str) -> String {
    let (code, out) = check_one("content/trips/x.md", text);
    assert_eq!(code, Some(1), "{}", shorten(&out));
    assert!(
        out.contains(needle),
        "expected {needle:?} in:\n{}",
        shorten(&out)
    );
    out
}

#[test]
fn deep_flow_nesting_is_refused_before_the_parser_spends_quadratic_time() {
    // 400,000 levels: without the pre-scan, the YAML scanner needs hours.
    let text = format!("{FRONT}extra: {{a: {}}}\n---\n", "[".repeat(400_000));
    let out = fails_with(
        text.as_bytes(),
        "content/trips/x.md:5:139: error: invalid YAML: nested deeper than 128 levels (MAX_YAML_DEPTH)",
    );
    assert!(!out.contains("recursion limit"), "{}", shorten(&out));
}

#[test]
fn deep_block_nesting_names_the_limit() {
    let nested: String = (1..300)
        .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
        .collect();
    let text = format!("{FRONT}extra:\n{nested}---\n");
    fails_with(
        text.as_bytes(),
        "error: invalid YAML: nested deeper than 128 levels (MAX_YAML_DEPTH)",
    );
}

#[test]
fn billion_laughs_names_the_limit() {
    let mut lol = String::from("extra:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10u8 {
        let (prev, cur) = ((b'a' + i - 1) as char, (b'a' + i) as char);
        let refs = vec![format!("*{prev}"); 9].join(", ");
        lol.push_str(&format!("  {cur}: &{cur} [{refs}]\n"));
    }
    fails_with(
        format!("{FRONT}{lol}---\n").as_bytes(),
        "once aliases (`*name`) are expanded (MAX_YAML_VALUE_BYTES)",
    );
}

#[test]
fn an_alias_of_a_long_string_used_many_times_is_refused_without_building_it() {
    // 600 KB, used 100,000 times: 60 GB once expanded.
    let text = format!(
        "{FRONT}extra:\n  a: &a {}\n  b: [{}]\n---\n",
        "x".repeat(600_000),
        vec!["*a"; 100_000].join(",")
    );
    fails_with(text.as_bytes(), "(MAX_YAML_VALUE_BYTES)");
}

#[test]
fn a_ten_megabyte_string_and_a_fifty_megabyte_file_hit_the_file_limit() {
    let text = format!("{FRONT}summary: {}\n---\n", "y".repeat(10 << 20));
    fails_with(
        text.as_bytes(),
        &format!(
            "content/trips/x.md: error: the file is {} bytes; files are limited to 8388608 bytes (MAX_FILE_BYTES)",
            text.len()
        ),
    );
    let mut big = format!("{FRONT}---\n").into_bytes();
    big.extend(b"# Heading\n\nA paragraph of text.\n\n".repeat((50 << 20) / 32));
    fails_with(&big, "files are limited to 8388608 bytes (MAX_FILE_BYTES)");
}

#[test]
fn a_long_front_matter_hits_its_own_limit() {
    let text = format!("{FRONT}summary: {}\n---\n", "y".repeat(2 << 20));
    let front = text.len() - "---\n".len() * 2;
    fails_with(
        text.as_bytes(),
        &format!(
            "content/trips/x.md:1:1: error: the front matter is {front} bytes; it is limited to 1048576 bytes (MAX_FRONT_MATTER_BYTES)"
        ),
    );
}

#[test]
fn binary_utf16_and_latin1_files_are_located_errors() {
    let mut binary = FRONT.as_bytes().to_vec();
    binary.extend((0..=255u8).cycle().take(4096));
    fails_with(
        &binary,
        "content/trips/x.md:6:118: error: the file is not valid UTF-8",
    );
    fails_with(
        b"---\ntitle: a\0b\n",
        "content/trips/x.md:2:9: error: the file contains a NUL byte",
    );
    let utf16: Vec<u8> = "\u{feff}---\ntitle: T\n---\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    fails_with(&utf16, "content/trips/x.md:1:1: error: the file is UTF-16");
    let latin1 = b"---\ntitle: Caf\xe9\ndate: 2020\ncities: [Seoul]\n---\n";
    let out = fails_with(
        latin1,
        "content/trips/x.md:2:11: error: the file is not valid UTF-8",
    );
    assert!(out.contains("Latin-1"), "{}", shorten(&out));
}

#[test]
fn bom_and_crlf_are_read_and_positions_stay_right() {
    let text =
        "\u{feff}---\r\ntitle: T\r\ndate: 2020\r\ncities: [서울, 요코하미]\r\n---\r\nBody\r\n";
    fails_with(
        text.as_bytes(),
        "content/trips/x.md:4:14: error: unknown city `요코하미`",
    );
    let ok = format!("\u{feff}{FRONT}---\r\nBody\r\n").replace('\n', "\r\n");
    let (code, out) = check_one("content/trips/x.md", ok.as_bytes());
    assert_eq!(code, Some(0), "{}", shorten(&out));
    let cr_only = format!("{FRONT}---\nBody\n").replace('\n', "\r");
    let (code, out) = check_one("content/trips/x.md", cr_only.as_bytes());
    assert_eq!(code, Some(0), "{}", shorten(&out));
}

#[test]
fn unclosed_fences_and_empty_files_are_located_errors() {
    fails_with(
        format!("{FRONT}Body without the closing line\n").as_bytes(),
        "content/trips/x.md:1:1: error: the front matter is not closed",
    );
    fails_with(
        b"---",
        "content/trips/x.md:1:1: error: the front matter is not closed",
    );
    fails_with(
        b"",
        "content/trips/x.md:1:1: error: the file does not start with front matter",
    );
    fails_with(
        b"\n\n",
        "content/trips/x.md:1:1: error: the file does not start with front matter",
    );
}

/// The number of diagnostics reported for content/trips/x.md.
fn count_for_x(out: &str) -> usize {
    out.lines()
        .filter(|l| l.contains("content/trips/x.md"))
        .count()
}

#[test]
fn many_unknown_cities_cost_linear_time_and_are_reported_up_to_the_limit() {
    let names: Vec<String> = (0..100_000).map(|i| format!("c{i}")).collect();
    let text = format!(
        "---\ntitle: T\ndate: 2020\ncities: [{}]\n---\n",
        names.join(", ")
    );
    let out = fails_with(text.as_bytes(), "error: unknown city `c0`");
    assert!(
        out.contains("more problems in this file not shown: at most 100 are reported per file (MAX_ERRORS_PER_FILE)"),
        "{}", shorten(&out)
    );
    assert!(count_for_x(&out) <= 102, "{}", shorten(&out));
}

#[test]
fn many_unknown_fields_cost_linear_time() {
    let keys: String = (0..60_000).map(|i| format!("k{i}: 1\n")).collect();
    let out = fails_with(
        format!("{FRONT}{keys}---\n").as_bytes(),
        "content/trips/x.md:5:1: error: unknown field `k0` in a record",
    );
    assert!(out.contains("(MAX_ERRORS_PER_FILE)"), "{}", shorten(&out));
    assert!(count_for_x(&out) <= 102, "{}", shorten(&out));
}

#[test]
fn many_broken_links_cost_linear_time() {
    let body = "[x](nowhere.md) ".repeat(400_000);
    let out = fails_with(
        format!("{FRONT}---\n{body}\n").as_bytes(),
        "content/trips/x.md:6:1: error: link to `nowhere.md`: no record at content/trips/nowhere.md",
    );
    assert!(
        out.contains(
            "content/trips/x.md:7:1: warning: 399900 more problems in this file not shown"
        ),
        "{}",
        shorten(&out)
    );
}

#[test]
fn many_equal_headings_get_unique_ids_in_linear_time() {
    // `a-1` … `a-N` written out, then N headings `a`: each must find the next free id.
    let n = 60_000;
    let mut body: String = (1..=n).map(|i| format!("# a-{i}\n")).collect();
    body.push_str(&"# a\n".repeat(n));
    let r = accord::markdown::render(
        &body,
        &accord::markdown::RenderOptions { allow_html: false },
        &|_| accord::markdown::LinkAction::Keep,
    );
    let ids: std::collections::HashSet<&str> = r.toc.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids.len(), 2 * n);
    assert!(ids.contains(format!("a-{}", 2 * n - 1).as_str()));
}

#[test]
fn a_huge_unknown_name_gets_no_suggestion_instead_of_a_huge_distance_table() {
    // A big registry and one unknown city name of 600 KB: comparing it with every
    // name would take minutes and gigabytes.
    let mut registry = String::from(REGISTRY);
    for i in 0..5000 {
        registry.push_str(&format!(
            "c{i}:\n  name: {{en: City number {i}}}\n  country: KR\n"
        ));
    }
    let text = format!(
        "---\ntitle: T\ndate: 2020\ncities: [{}]\n---\n",
        "z".repeat(600_000)
    );
    let s = site(&[("content/trips/x.md", text.as_bytes())]);
    write(s.path(), "data/cities.yaml", registry.as_bytes());
    let (code, out) = check(s.path());
    assert_eq!(code, Some(1), "{}", shorten(&out));
    assert!(
        out.contains("content/trips/x.md:4:10: error: unknown city `zzz"),
        "{}",
        shorten(&out)
    );
    assert!(!out.contains("did you mean"), "{}", shorten(&out));
}

/// Each at the value that exceeds the limit.
#[test]
fn field_limits_are_named() {
    fails_with(
        format!(
            "---\ntitle: {}\ndate: 2020\ncities: [서울]\n---\n",
            "가".repeat(501)
        )
        .as_bytes(),
        "content/trips/x.md:2:8: error: the title is 501 characters long; titles are limited to 500 (MAX_TITLE_CHARS)",
    );
    fails_with(
        format!("{FRONT}summary: {}\n---\n", "s".repeat(2001)).as_bytes(),
        "content/trips/x.md:5:10: error: the summary is 2001 characters long; summaries are limited to 2000 (MAX_SUMMARY_CHARS)",
    );
    fails_with(
        b"---\ntitle: T\ndate: 0001\nend: 9999\ncities: [\xec\x84\x9c\xec\x9a\xb8]\n---\n",
        "content/trips/x.md:4:6: error: the record spans 9999 years (1 to 9999); a record spans at most 100 (MAX_YEAR_SPAN)",
    );
    let many: Vec<String> = (0..201).map(|i| format!("c{i}")).collect();
    let mut registry = String::from(REGISTRY);
    for c in &many {
        registry.push_str(&format!("{c}:\n  name: {{en: {c}}}\n  country: KR\n"));
    }
    let text = format!(
        "---\ntitle: T\ndate: 2020\ncities: [{}]\n---\n",
        many.join(", ")
    );
    let s = site(&[("content/trips/x.md", text.as_bytes())]);
    write(s.path(), "data/cities.yaml", registry.as_bytes());
    let (code, out) = check(s.path());
    assert_eq!(code, Some(1));
    assert!(
        out.contains("content/trips/x.md:4:9: error: 201 cities are named; a record names at most 200 (MAX_CITIES_PER_RECORD)"),
        "{}", shorten(&out)
    );
}

/// At the first amount that is not a number.
#[test]
fn amounts_must_be_finite_numbers() {
    let program = "---\ntitle: P\ndate: 2020\ncities: [서울]\nbudget: {total: .nan, spent: 1, by_year: {2020: .inf}}\n---\n";
    let trip = format!("{FRONT}cost: {{amount: -.inf, currency: KRW}}\n---\n");
    let s = site(&[
        ("content/programs/p.md", program.as_bytes()),
        ("content/trips/t.md", trip.as_bytes()),
    ]);
    let (code, out) = check(s.path());
    assert_eq!(code, Some(1));
    assert!(
        out.contains("content/programs/p.md:5:17: error: `budget` holds an amount that is not a finite number (.nan or .inf)"),
        "{}",
        shorten(&out)
    );
    assert!(
        out.contains(
            "content/trips/t.md:5:16: error: `cost` holds an amount that is not a finite number"
        ),
        "{}",
        shorten(&out)
    );
}

#[test]
fn a_long_first_paragraph_is_cut_for_the_summary() {
    let paragraph = "word ".repeat(3000);
    let s = site(&[(
        "content/trips/x.md",
        format!("{FRONT}---\n{paragraph}\n").as_bytes(),
    )]);
    build_ok_limited(s.path());
    let list = std::fs::read_to_string(s.path().join("output/trips/index.html")).unwrap();
    assert!(list.contains("word word"), "the summary is shown");
    assert!(
        !list.contains(paragraph.trim()),
        "the whole paragraph is on the list"
    );
    let page = std::fs::read_to_string(s.path().join("output/trips/x/index.html")).unwrap();
    assert!(page.contains(paragraph.trim()), "the body keeps it all");
}

#[test]
fn the_registry_and_the_configuration_are_read_like_records() {
    // Latin-1 registry: located, where it used to be "not UTF-8" at 1:1.
    let s = site(&[("content/trips/x.md", format!("{FRONT}---\n").as_bytes())]);
    write(
        s.path(),
        "data/cities.yaml",
        b"seoul:\n  name: {en: S\xe9oul}\n  country: KR\n",
    );
    let (code, out) = check(s.path());
    assert_eq!(code, Some(1));
    assert!(
        out.contains("data/cities.yaml:2:15: error: the file is not valid UTF-8"),
        "{}",
        shorten(&out)
    );
    // A registry over the file limit, and one with too many entries.
    write(s.path(), "data/cities.yaml", &vec![b'#'; 9 << 20]);
    let (_, out) = check(s.path());
    assert!(
        out.contains("data/cities.yaml: error: the file is 9437184 bytes; files are limited to 8388608 bytes (MAX_FILE_BYTES)"),
        "{}",
        shorten(&out)
    );
    let many: String = (0..20_001)
        .map(|i| format!("c{i}: {{name: {{en: c}}, country: KR}}\n"))
        .collect();
    write(s.path(), "data/cities.yaml", many.as_bytes());
    let (_, out) = check(s.path());
    assert!(
        out.contains("data/cities.yaml:1:1: error: the registry has 20001 entries; it is limited to 20000 (MAX_REGISTRY_CITIES)"),
        "{}", shorten(&out)
    );
    // accord.yaml with a BOM and CRLF works; in UTF-16 it is a located error.
    write(s.path(), "data/cities.yaml", REGISTRY.as_bytes());
    write(
        s.path(),
        "accord.yaml",
        "\u{feff}title: T\r\nlanguage: ko\r\n".as_bytes(),
    );
    let (code, out) = check(s.path());
    assert_eq!(code, Some(0), "{}", shorten(&out));
    let utf16: Vec<u8> = "\u{feff}title: T\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    write(s.path(), "accord.yaml", &utf16);
    let (code, out) = check(s.path());
    assert_eq!(code, Some(1));
    assert!(
        out.contains("accord.yaml:1:1: error: the file is UTF-16"),
        "{}",
        shorten(&out)
    );
}

#[test]
fn a_long_parent_chain_in_the_registry_costs_linear_time() {
    let mut text = String::new();
    for i in 0..19_000 {
        text.push_str(&format!("c{i}:\n  name: {{en: C{i}}}\n  country: KR\n"));
        if i > 0 {
            text.push_str(&format!("  parent: c{}\n", i - 1));
        }
    }
    let registry = accord::registry::Registry::parse(&text).unwrap();
    assert_eq!(registry.cities.len(), 19_000);
    // And a cycle is still found, once per city on it.
    text.push_str("c0x:\n  name: {en: X}\n  country: KR\n  parent: c0y\nc0y:\n  name: {en: Y}\n  country: KR\n  parent: c0x\n");
    let err = accord::registry::Registry::parse(&text).unwrap_err();
    let cycles: Vec<&str> = err.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        cycles,
        [
            "the parents of `c0x` form a cycle",
            "the parents of `c0y` form a cycle"
        ]
    );
}

#[test]
fn a_registry_full_of_errors_reports_up_to_the_limit() {
    let text: String = (0..19_000)
        .map(|i| format!("c{i}:\n  name: {{en: C{i}}}\n  country: kr\n  parnet: c0\n"))
        .collect();
    let err = accord::registry::Registry::parse(&text).unwrap_err();
    assert_eq!(err.len(), 101);
    let last = err.iter().find(|d| !d.is_error()).unwrap();
    assert!(
        last.message
            .contains("checking this file stopped after 100 problems (MAX_ERRORS_PER_FILE)"),
        "{last}"
    );
}

#[test]
fn a_registry_of_unused_cities_warns_up_to_the_limit() {
    let mut registry = String::from(REGISTRY);
    for i in 0..19_000 {
        registry.push_str(&format!("c{i}:\n  name: {{en: C{i}}}\n  country: KR\n"));
    }
    let s = site(&[(
        "content/trips/x.md",
        format!("{FRONT}summary: s\n---\n").as_bytes(),
    )]);
    write(s.path(), "data/cities.yaml", registry.as_bytes());
    let (code, out) = check(s.path());
    assert_eq!(code, Some(0), "{}", shorten(&out));
    let warnings = out
        .lines()
        .filter(|l| l.contains("data/cities.yaml:") && l.contains("warning:"))
        .count();
    assert_eq!(warnings, 101, "{}", shorten(&out));
    assert!(
        out.contains("18902 more problems in this file not shown: at most 100 are reported per file (MAX_ERRORS_PER_FILE)"),
        "{}",
        shorten(&out)
    );
}

#[test]
#[cfg(unix)]
fn a_fifo_in_content_is_refused_without_blocking() {
    let s = site(&[("content/trips/ok.md", format!("{FRONT}---\n").as_bytes())]);
    let fifo = s.path().join("content/trips/pipe.md");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let (code, out) = check(s.path());
    assert_eq!(code, Some(1), "{}", shorten(&out));
    assert!(
        out.contains("content/trips/pipe.md: error: not a regular file (a FIFO, socket or device)"),
        "{}",
        shorten(&out)
    );
}

/// `accord check` on `root`, killed after `limit`: `None` if it had not finished.
#[cfg(unix)]
fn check_within(
    root: &std::path::Path,
    limit: std::time::Duration,
) -> Option<(Option<i32>, String)> {
    let mut child = std::process::Command::new(bin())
        .args(["check", "--root", root.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    Some((
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// The files read besides `content/` — the configuration, the registry, the theme's
/// UI strings — are checked like records: a FIFO there would block the build forever.
#[test]
#[cfg(unix)]
fn a_fifo_as_configuration_registry_or_strings_is_refused_without_blocking() {
    let themed = "title: Hostile\nbase_url: https://example.org/\nlanguage: ko\ntheme: mine\n";
    for rel in [
        "accord.yaml",
        "data/cities.yaml",
        "themes/mine/strings.yaml",
    ] {
        let s = site(&[("content/trips/ok.md", format!("{FRONT}---\n").as_bytes())]);
        if rel.starts_with("themes") {
            write(s.path(), "accord.yaml", themed.as_bytes());
            write(s.path(), "themes/mine/templates/base.html", b"x");
        }
        let fifo = s.path().join(rel);
        let _ = std::fs::remove_file(&fifo);
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let (code, out) = check_within(s.path(), std::time::Duration::from_secs(30))
            .unwrap_or_else(|| panic!("{rel}: the check blocked"));
        assert_eq!(code, Some(1), "{rel}: {}", shorten(&out));
        assert!(
            out.contains(&format!(
                "{rel}: error: not a regular file (a FIFO, socket or device)"
            )),
            "{rel}: {}",
            shorten(&out)
        );
    }
}

/// Text from records reaches the human report in messages and in the source line under
/// them. A line starting with `::error` is a workflow command to GitHub Actions, and
/// ESC starts terminal sequences (OSC 52 writes the clipboard, OSC 8 makes links):
/// every control character is shown escaped instead (`\n`, `\u{1b}`).
#[test]
fn control_characters_in_human_diagnostics_are_shown_escaped() {
    let city = "---\ntitle: T\ndate: 2020\ncities: [\"Seoul\\n::error file=accord.yaml,line=1::owned\\e]52;c;aGk=\\a\"]\n---\n";
    let link = format!("{FRONT}---\n[x](missing.md) \u{1b}]8;;https://example.org\u{7}\n");
    let s = site(&[
        ("content/trips/a.md", city.as_bytes()),
        ("content/trips/b.md", link.as_bytes()),
    ]);
    let (code, out) = check(s.path());
    assert_eq!(code, Some(1), "{out}");
    assert!(
        !out.lines().any(|l| l.trim_start().starts_with("::")),
        "a line starts a workflow command:\n{out}"
    );
    assert!(
        !out.chars().any(|c| c.is_control() && c != '\n'),
        "a control character reaches the terminal:\n{out:?}"
    );
    assert!(
        out.contains(
            r"unknown city `Seoul\n::error file=accord.yaml,line=1::owned\u{1b}]52;c;aGk=\u{7}`"
        ),
        "{out}"
    );
    // The source line under the broken link's message.
    assert!(
        out.contains(r"[x](missing.md) \u{1b}]8;;https://example.org\u{7}"),
        "{out}"
    );
}
