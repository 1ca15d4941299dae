//! Facts checked (issue 12, item 7): a program's `status` against its dates, `lang`
//! as a BCP 47 tag, ISO 4217 currencies and a budget's unit, budget years, amounts
//! machine-readable, links to URLs the build does not produce, and files linked from
//! a body attached beside the page.

use std::process::Command;

use crate::support::*;

/// The errors of a check that must fail, one a line.
fn failing(files: &[(&str, &[u8])]) -> String {
    let s = site(files);
    let found = errors(s.path());
    let errors: Vec<_> = found
        .into_iter()
        .filter(accord::diag::Diagnostic::is_error)
        .collect();
    render_diags(&errors)
}

/// The warnings of a build that must succeed, one a line.
fn warned(root: &std::path::Path) -> String {
    render_diags(&build_ok(root).warnings)
}

const PROGRAM: &str =
    "---\ntitle: P\nsummary: S\ndate: 2014\nend: 2018-06\ncities: [서울]\nstatus: ongoing\n";

#[test]
fn an_ongoing_program_whose_end_is_past_is_warned_about_and_shown_as_ended() {
    let s = site(&[(
        "content/programs/p.md",
        format!("{PROGRAM}---\n").as_bytes(),
    )]);
    let warnings = warned(s.path());
    assert!(
        warnings.contains(
            "content/programs/p.md:7:9: warning: `status: ongoing`, but the program ended in 2018-06 (`end`); its page says \"ended 2018-06\" [status-dates]"
        ),
        "{warnings}"
    );
    let page = read(s.path(), "programs/p/index.html");
    assert!(
        page.contains("<span class=\"status status-completed\">2018년 6월 종료</span>"),
        "{page}"
    );
    assert!(!page.contains("진행 중"), "{page}");
    // `completed` agrees with the dates: no warning, the status as written.
    let agreed = PROGRAM.replace("ongoing", "completed");
    write(
        s.path(),
        "content/programs/p.md",
        format!("{agreed}---\n").as_bytes(),
    );
    assert!(!warned(s.path()).contains("status-dates"));
}

#[test]
fn a_planned_program_whose_start_is_past_is_warned_about_and_shown_as_started() {
    let text = "---\ntitle: P\nsummary: S\ndate: 2019-03\ncities: [서울]\nstatus: planned\n---\n";
    let s = site(&[("content/programs/p.md", text.as_bytes())]);
    let warnings = warned(s.path());
    assert!(
        warnings.contains("content/programs/p.md:6:9: warning: `status: planned`, but the program started in 2019-03"),
        "{warnings}"
    );
    let page = read(s.path(), "programs/p/index.html");
    assert!(page.contains("2019년 3월 시작"), "{page}");
}

#[test]
fn the_day_of_the_build_is_source_date_epoch_when_set() {
    // Ends in 2030: not past today, past on a build day of 2031-01-01.
    let text = PROGRAM.replace("end: 2018-06", "end: 2030-12");
    let s = site(&[("content/programs/p.md", format!("{text}---\n").as_bytes())]);
    let check = |epoch: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_accord"));
        cmd.args(["check", "--root", path_str(s.path())]);
        cmd.env_remove("SOURCE_DATE_EPOCH").env_remove("CI");
        if let Some(e) = epoch {
            cmd.env("SOURCE_DATE_EPOCH", e);
        }
        let out = cmd.output().unwrap();
        (out.status.code(), String::from_utf8(out.stderr).unwrap())
    };
    let (code, stderr) = check(None);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("[status-dates]"), "{stderr}");
    let (code, stderr) = check(Some("1924992000"));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: `status: ongoing`, but the program ended in 2030-12"),
        "{stderr}"
    );
}

#[test]
fn a_language_is_a_bcp_47_tag_and_a_country_code_gets_a_suggestion() {
    let front = "---\ntitle: T\ndate: 2020\ncities: [서울]\n";
    let diags = failing(&[
        (
            "content/trips/jp.md",
            format!("{front}lang: jp\n---\n").as_bytes(),
        ),
        (
            "content/trips/bad.md",
            format!("{front}lang: ja_JP\n---\n").as_bytes(),
        ),
        (
            "content/trips/ok.md",
            format!("{front}lang: zh-Hant-TW\n---\n").as_bytes(),
        ),
    ]);
    assert_eq!(
        diags,
        "content/trips/bad.md:5:7: error: `ja_JP` is not a language tag [invalid-language]\n  \
         help: write a language tag such as ko, ja, zh, en, zh-Hant or ja-JP (see \"Facts checked\" in docs/editing.md)\n\
         content/trips/jp.md:5:7: error: `jp` is not a language (a country code?) [invalid-language]\n  \
         help: did you mean ja?\n"
    );
}

#[test]
fn a_currency_is_an_iso_4217_code_and_a_budget_has_a_unit() {
    let diags = failing(&[
        (
            "content/trips/yen.md",
            "---\ntitle: T\ndate: 2020\ncities: [서울]\ncost: {amount: 1000, currency: yen}\n---\n"
                .as_bytes(),
        ),
        (
            "content/programs/no-unit.md",
            "---\ntitle: P\ndate: 2020\ncities: [서울]\nbudget:\n  total: 475\n---\n".as_bytes(),
        ),
        (
            "content/programs/jpy.md",
            "---\ntitle: P\ndate: 2020\ncities: [서울]\nbudget: {unit: jpy, total: 5}\n---\n"
                .as_bytes(),
        ),
    ]);
    for want in [
        "content/trips/yen.md:5:32: error: `yen` is not an ISO 4217 currency code [invalid-currency]\n  help: did you mean JPY?",
        "content/programs/no-unit.md:6:3: error: the budget has amounts but no `unit`: in which currency are they? [invalid-currency]",
        "content/programs/jpy.md:5:16: error: `jpy` is not an ISO 4217 currency code [invalid-currency]\n  help: did you mean JPY?",
    ] {
        assert!(diags.contains(want), "{want}\nnot in\n{diags}");
    }
}

#[test]
fn budget_years_fall_within_the_period_and_do_not_exceed_the_total() {
    let text = "---\ntitle: P\nsummary: S\ndate: 2014\nend: 2018\ncities: [서울]\n\
                budget:\n  unit: 백만원\n  total: 100\n  by_year: {2014: 60, 2019: 50}\n---\n";
    let s = site(&[("content/programs/p.md", text.as_bytes())]);
    let warnings = warned(s.path());
    assert!(
        warnings.contains(
            "content/programs/p.md:10:23: warning: the budget of 2019 is outside the record's years, 2014–2018 (`date`–`end`) [budget-years]"
        ),
        "{warnings}"
    );
    assert!(
        warnings.contains(
            "content/programs/p.md:9:10: warning: the amounts of `by_year` add up to 110, more than `total` (100) [budget-years]"
        ),
        "{warnings}"
    );
}

#[test]
fn amounts_are_machine_readable_without_thousands_separators() {
    let s = site(&[
        (
            "content/trips/t.md",
            "---\ntitle: T\nsummary: S\ndate: 2020\ncities: [서울]\ncost: {amount: 3200000, currency: KRW}\n---\n".as_bytes(),
        ),
        (
            "content/programs/p.md",
            "---\ntitle: P\nsummary: S\ndate: 2014\nend: 2015\ncities: [서울]\nbudget: {unit: KRW, total: 1234500, spent: 12.5, by_year: {2014: 1000}}\n---\n".as_bytes(),
        ),
    ]);
    build_ok(s.path());
    let trip = read(s.path(), "trips/t/index.html");
    assert!(
        trip.contains("<data value=\"3200000\">3,200,000</data> KRW"),
        "{trip}"
    );
    let program = read(s.path(), "programs/p/index.html");
    for value in [
        "<data value=\"1234500\">1,234,500</data>",
        "<data value=\"12.5\">12.5</data>",
        "<data value=\"1000\">1,000</data>",
    ] {
        assert!(program.contains(value), "{value}: {program}");
    }
}

#[test]
fn a_link_to_a_url_the_build_does_not_produce_is_an_error_at_the_link() {
    let body = "---\ntitle: T\nsummary: S\ndate: 2020\ncities: [서울]\n---\n\n\
                [ok](/trips/other/) [also](../other/) [city](/cities/seoul/) [static](/robots.txt)\n\n\
                [gone](/trips/foo/) and [gone too](../nowhere/)\n";
    let diags = failing(&[
        ("content/trips/t.md", body.as_bytes()),
        (
            "content/trips/other.md",
            b"---\ntitle: O\nsummary: S\ndate: 2020\ncities: [\xec\x84\x9c\xec\x9a\xb8]\n---\n",
        ),
    ]);
    let lines: Vec<&str> = diags.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(
        lines,
        [
            "content/trips/t.md:10:1: error: link to `/trips/foo/`: the site has no page or file there [broken-url]",
            "content/trips/t.md:10:25: error: link to `../nowhere/`: the site has no page or file there [broken-url]",
        ],
        "{diags}"
    );
}

#[test]
fn an_absolute_link_outside_the_base_path_is_broken() {
    let s = site(&[(
        "content/trips/t.md",
        "---\ntitle: T\nsummary: S\ndate: 2020\ncities: [서울]\n---\n\n[a](/archive/trips/t/) [b](/trips/t/)\n"
            .as_bytes(),
    )]);
    write(
        s.path(),
        "accord.yaml",
        b"title: T\nbase_url: https://example.org/archive/\nlanguage: ko\n",
    );
    let diags = render_diags(&errors(s.path()));
    assert!(
        diags.starts_with(
            "content/trips/t.md:8:24: error: link to `/trips/t/`: the site has no page or file there [broken-url]\n  help: the site is published under /archive/"
        ),
        "{diags}"
    );
    assert_eq!(diags.matches("[broken-url]").count(), 1, "{diags}");
}

const WITH_FILES: &str = "---\ntitle: T\nsummary: S\ndate: 2020\ncities: [서울]\n---\n\n\
                          ![사진](photo.jpg) [보고서](files/report.pdf \"Report\")\n";

#[test]
fn files_linked_from_a_body_are_copied_beside_the_page_and_a_pdf_shows_its_type_and_size() {
    let pdf = vec![b'%'; 1234];
    let s = site(&[
        ("content/trips/t.md", WITH_FILES.as_bytes()),
        ("content/trips/photo.jpg", b"jpeg"),
        ("content/trips/files/report.pdf", &pdf),
    ]);
    let out = s.path().join("output");
    build_ok(s.path());
    assert_eq!(
        std::fs::read(out.join("trips/t/photo.jpg")).unwrap(),
        b"jpeg"
    );
    assert_eq!(std::fs::read(out.join("trips/t/report.pdf")).unwrap(), pdf);
    let page = read(s.path(), "trips/t/index.html");
    assert!(
        page.contains("<img src=\"/trips/t/photo.jpg\" alt=\"사진\" />"),
        "{page}"
    );
    assert!(
        page.contains(
            "<a href=\"/trips/t/report.pdf\" title=\"Report\">보고서</a> <span class=\"attachment-info\">(PDF, 1.2 kB)</span>"
        ),
        "{page}"
    );
    // An edit of the file alone rebuilds it and the page that gives its size, as a
    // clean build would.
    write(
        s.path(),
        "content/trips/files/report.pdf",
        &vec![b'%'; 2_500_000],
    );
    same_as_clean(s.path(), &out, "the PDF replaced");
    assert!(read(s.path(), "trips/t/index.html").contains("(PDF, 2.5 MB)"));
    assert_eq!(
        std::fs::metadata(out.join("trips/t/report.pdf"))
            .unwrap()
            .len(),
        2_500_000
    );
}

#[test]
fn a_missing_or_unpublishable_file_linked_from_a_body_is_an_error_at_the_link() {
    let body = "---\ntitle: T\ndate: 2020\ncities: [서울]\n---\n\n\
                [보고서](report.pdf)\n\n![그림](map.svg)\n";
    let diags = failing(&[
        ("content/trips/t.md", body.as_bytes()),
        ("content/trips/map.svg", b"<svg/>"),
    ]);
    let lines: Vec<&str> = diags.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(
        lines,
        [
            "content/trips/t.md:7:1: error: link to `report.pdf`: no file at content/trips/report.pdf [missing-attachment]",
            "content/trips/t.md:9:1: error: link to `map.svg`: content/trips/map.svg is not a type accord publishes [missing-attachment]",
        ],
        "{diags}"
    );
}

#[test]
fn two_files_of_one_name_linked_from_one_body_collide() {
    let body =
        "---\ntitle: T\nsummary: S\ndate: 2020\ncities: [서울]\n---\n\n[a](a/x.pdf) [b](b/x.pdf)\n";
    let diags = failing(&[
        ("content/trips/t.md", body.as_bytes()),
        ("content/trips/a/x.pdf", b"a"),
        ("content/trips/b/x.pdf", b"b"),
    ]);
    assert!(diags.contains("[output-collision]"), "{diags}");
}

#[test]
fn an_amount_written_as_text_is_an_error_at_the_amount_with_the_number_meant() {
    let diags = failing(&[
        (
            "content/programs/p.md",
            "---\ntitle: P\ndate: 2014\ncities: [서울]\nbudget:\n  unit: KRW\n  total: 1,234\n  by_year: {2014: \"65\"}\n---\n".as_bytes(),
        ),
        (
            "content/trips/t.md",
            "---\ntitle: T\ndate: 2020\ncities: [서울]\ncost: {amount: 삼백만, currency: KRW}\n---\n".as_bytes(),
        ),
    ]);
    assert_eq!(
        diags,
        "content/programs/p.md:7:10: error: `total` of `budget` is not a number: `1,234` [invalid-value]\n  \
         help: write it as a number, without separators or quotes: `1234`; the page adds the separators\n\
         content/programs/p.md:8:19: error: `by_year: 2014` of `budget` is not a number: `65` [invalid-value]\n  \
         help: write it as a number, without separators or quotes: `65`; the page adds the separators\n\
         content/trips/t.md:5:16: error: `amount` of `cost` is not a number: `삼백만` [invalid-value]\n  \
         help: write the amount as a number, e.g. `475` or `12.5`, and its currency or unit in `currency` or `unit`\n"
    );
}

#[test]
fn a_draft_left_out_gets_no_warning_about_its_status() {
    let draft = format!("{PROGRAM}draft: true\n---\n");
    let s = site(&[
        ("content/programs/p.md", draft.as_bytes()),
        (
            "content/trips/t.md",
            "---\ntitle: T\nsummary: S\ndate: 2020\ncities: [서울]\n---\n".as_bytes(),
        ),
    ]);
    let warnings = warned(s.path());
    assert!(!warnings.contains("[status-dates]"), "{warnings}");
    assert!(
        warnings.contains("[unused-city]"),
        "the warnings are read: {warnings}"
    );
}
