//! Bounds on the work and the output of a build: an input that would make accord work
//! or write without bound is cut at a limit named in a located diagnostic (see
//! docs/guarantees.md).

use std::path::Path;

use crate::support::{self, FRONT, site};
use accord::diag::{Diagnostic, Severity};

/// Builds the site at `root` into `root/output`: the warnings, or the diagnostics of
/// the failure.
fn build(root: &Path) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    let opts = accord::Options {
        root: root.to_path_buf(),
        output: None,
        drafts: false,
        write: true,
        allow_empty: false,
        base_url: None,
        cache: accord::cache::Mode::Use,
    };
    accord::build(&opts).map(|r| r.warnings)
}

/// A file of the output, as text.
fn page(root: &Path, rel: &str) -> String {
    let path = root.join("output").join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The diagnostics about `rel` whose message holds `needle`.
fn about<'a>(diags: &'a [Diagnostic], rel: &str, needle: &str) -> Vec<&'a Diagnostic> {
    diags
        .iter()
        .filter(|d| d.path == Path::new(rel) && d.message.contains(needle))
        .collect()
}

#[test]
fn a_code_line_too_long_to_highlight_is_plain_text_with_a_located_warning() {
    // One 200,000-character line of Erlang: highlighting it takes minutes.
    let line = "X = <<\"a\">>, ".repeat(200_000 / 13 + 1)[..200_000].to_string();
    let text = format!("{FRONT}---\nIntro.\n\n```erlang\n{line}\n```\n");
    let s = site(&[("content/trips/x.md", text.as_bytes())]);
    let warnings = build(s.path()).expect("a long code line is no error");
    let hits = about(
        &warnings,
        "content/trips/x.md",
        "(MAX_HIGHLIGHT_LINE_BYTES)",
    );
    assert_eq!(hits.len(), 1, "{warnings:#?}");
    assert_eq!(
        (hits[0].line, hits[0].col),
        (8, 1),
        "at the fence: {}",
        hits[0]
    );
    assert_eq!(hits[0].severity, Severity::Warning);
    assert!(hits[0].message.contains("200000 bytes"), "{}", hits[0]);
    let html = page(s.path(), "trips/x/index.html");
    let plain = format!(
        "<pre><code class=\"language-erlang\">{}\n</code></pre>",
        line.replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    );
    assert!(
        html.contains(&plain),
        "the line is shown as plain escaped text"
    );
}

#[test]
fn a_code_block_too_large_to_highlight_is_plain_text_with_a_warning() {
    let block = "x = 1\n".repeat(70 * 1024 / 6);
    let text = format!("{FRONT}---\n```python\n{block}```\n");
    let s = site(&[("content/trips/x.md", text.as_bytes())]);
    let warnings = build(s.path()).expect("a large code block is no error");
    let hits = about(&warnings, "content/trips/x.md", "(MAX_HIGHLIGHT_BYTES)");
    assert_eq!(hits.len(), 1, "{warnings:#?}");
    assert_eq!(hits[0].line, 6, "at the fence: {}", hits[0]);
    let html = page(s.path(), "trips/x/index.html");
    assert!(
        html.contains(&format!(
            "<pre><code class=\"language-python\">{block}</code></pre>"
        )),
        "the block is shown as plain text"
    );
}

#[test]
fn code_past_the_record_highlighting_budget_is_plain_text_with_one_warning() {
    // Four blocks of 48 KiB, each within `MAX_HIGHLIGHT_BYTES`: two fit in the
    // record's 128 KiB, the third and the fourth do not.
    let block = "x = 1\n".repeat(48 * 1024 / 6);
    let text = format!(
        "{FRONT}---\n```python\n{block}```\n\n```python\n{block}```\n\n```python\n{block}```\n\n```python\n{block}```\n"
    );
    let s = site(&[("content/trips/x.md", text.as_bytes())]);
    let warnings = build(s.path()).expect("much code is no error");
    let hits = about(
        &warnings,
        "content/trips/x.md",
        "(MAX_HIGHLIGHT_RECORD_BYTES)",
    );
    assert_eq!(
        hits.len(),
        1,
        "one warning for all the blocks past it: {warnings:#?}"
    );
    let third_fence = 6 + 2 * (block.lines().count() + 3);
    assert_eq!(
        hits[0].line, third_fence,
        "at the first block past it: {}",
        hits[0]
    );
    let html = page(s.path(), "trips/x/index.html");
    assert_eq!(
        html.matches("<pre class=\"highlight\">").count(),
        2,
        "two blocks highlighted"
    );
    let plain = format!("<pre><code class=\"language-python\">{block}</code></pre>");
    assert_eq!(html.matches(&plain).count(), 2, "two blocks plain");
}

/// A record of the trips at `content/trips/<name>.md` dated `date`, naming `cities`.
fn dated(date: &str, cities: &str) -> String {
    format!("---\ntitle: T\nsummary: S\ndate: {date}\ncities: [{cities}]\n---\nBody.\n")
}

#[test]
fn dates_outside_the_years_of_the_archive_are_located_errors() {
    let (early, late) = (dated("0000", "서울"), dated("9999-12", "서울"));
    let s = site(&[
        ("content/trips/early.md", early.as_bytes()),
        ("content/trips/late.md", late.as_bytes()),
    ]);
    let errors = build(s.path()).expect_err("years 0000 and 9999 are refused");
    let early = about(&errors, "content/trips/early.md", "outside the years");
    assert_eq!(early.len(), 1, "{errors:#?}");
    assert_eq!(
        (early[0].line, early[0].col),
        (4, 7),
        "at the year: {}",
        early[0]
    );
    assert!(early[0].message.contains("1900–2100"), "{}", early[0]);
    let late = about(&errors, "content/trips/late.md", "`date` is in 9999");
    assert_eq!((late[0].line, late[0].col), (4, 7), "{}", late[0]);
    assert!(!s.path().join("output").exists(), "nothing is written");

    // `end` is checked too, and `years` in accord.yaml widens the range.
    let ended = "---\ntitle: T\nsummary: S\ndate: 1890\nend: 1899\ncities: [서울]\n---\n";
    let s = site(&[("content/trips/old.md", ended.as_bytes())]);
    let errors = build(s.path()).expect_err("1890 is before 1900");
    let at: Vec<(usize, usize)> = about(&errors, "content/trips/old.md", "outside the years")
        .iter()
        .map(|d| (d.line, d.col))
        .collect();
    assert_eq!(at, [(4, 7), (5, 6)], "{errors:#?}");
    support::write(
        s.path(),
        "accord.yaml",
        format!("{}years: {{min: 1850}}\n", support::CONFIG).as_bytes(),
    );
    build(s.path()).expect("within `years: {min: 1850}`");
}

#[test]
fn year_charts_over_a_long_span_have_a_row_per_decade() {
    let cities = "서울, Beijing, 横浜市";
    let (old, new) = (dated("1950", cities), dated("2020-05", cities));
    let s = site(&[
        ("content/trips/old.md", old.as_bytes()),
        ("content/trips/new.md", new.as_bytes()),
    ]);
    build(s.path()).expect("1950 and 2020 are within the default years");
    for page_file in ["index.html", "cities/seoul/index.html"] {
        let html = page(s.path(), page_file);
        // 2020, then 2010–2019, …, 1950–1959: eight rows, not 71.
        let decades: Vec<&str> = html
            .split("<th scope=\"row\">")
            .skip(1)
            .filter_map(|row| row.split('<').next())
            .filter(|label| label.contains('–'))
            .collect();
        assert_eq!(decades.len(), 7, "{page_file}: {decades:?}");
        assert_eq!(decades[0], "2010년–2019년", "{page_file}");
        assert_eq!(decades[6], "1950년–1959년", "{page_file}");
        assert!(html.contains(">2020년</a></th>"), "{page_file}");
        assert!(!html.contains("1985년"), "{page_file}: no row per year");
    }
}

#[test]
fn amounts_over_the_maximum_are_located_errors_so_sums_stay_finite() {
    // Two budgets of 1.7e308 in one year and city: their sum was `inf` on /years/2020/.
    let program = |code: &str| {
        format!(
            "---\ntitle: P\nsummary: S\ndate: 2020\ncities: [서울]\nstatus: ongoing\nbudget: {{unit: 원, by_year: {{2020: 1.7e308}}}}\ncode: {code}\n---\n"
        )
    };
    let trip = "---\ntitle: T\nsummary: S\ndate: 2020\ncities: [서울]\ncost: {amount: 2e15, currency: KRW}\n---\n";
    let (a, b) = (program("A"), program("B"));
    let s = site(&[
        ("content/programs/a.md", a.as_bytes()),
        ("content/programs/b.md", b.as_bytes()),
        ("content/trips/t.md", trip.as_bytes()),
    ]);
    let errors = build(s.path()).expect_err("the amounts are refused");
    for (rel, line, amount) in [
        ("content/programs/a.md", 7, "1.7e308"),
        ("content/programs/b.md", 7, "1.7e308"),
        ("content/trips/t.md", 6, "2e15"),
    ] {
        let hits = about(&errors, rel, "(MAX_AMOUNT)");
        assert_eq!(hits.len(), 1, "{rel}: {errors:#?}");
        assert_eq!(hits[0].line, line, "{}", hits[0]);
        assert!(hits[0].message.contains(amount), "{}", hits[0]);
    }

    // At the maximum, the sums are finite numbers.
    let at_max = a.replace("1.7e308", "1e15");
    support::write(s.path(), "content/programs/a.md", at_max.as_bytes());
    support::write(
        s.path(),
        "content/programs/b.md",
        at_max.replace("A", "B").as_bytes(),
    );
    std::fs::remove_file(s.path().join("content/trips/t.md")).unwrap();
    build(s.path()).expect("amounts at the maximum");
    let year = page(s.path(), "years/2020/index.html");
    assert!(year.contains(">2000000000000000<"), "the sum is shown");
    assert!(!year.contains("inf") && !year.contains("NaN"));
}
