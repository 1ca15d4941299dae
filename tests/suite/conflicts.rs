//! Duplicates and conflicts: two records on one URL, a record on the URL of a
//! generated page, a name claimed by two cities, unsafe city ids. Each is a located
//! error, and nothing is written.

use crate::support::*;

fn record(extra: &str) -> Vec<u8> {
    format!("---\ntitle: T\ndate: 2020\ncities: [서울]\n{extra}---\nBody\n").into_bytes()
}

fn messages(root: &std::path::Path) -> String {
    render_diags(&errors(root))
}

#[test]
fn two_records_on_one_url_are_an_error() {
    let s = site(&[
        ("content/trips/a.md", &record("slug: visit\n")),
        ("content/trips/b.md", &record("slug: Visit\n")),
        ("content/trips/visit.md", &record("")),
        ("content/programs/visit.md", &record("")),
    ]);
    let out = messages(s.path());
    assert!(
        out.contains("content/trips/b.md:1:1: error: this record and content/trips/a.md would both be published at trips/Visit/"),
        "{out}"
    );
    assert!(
        out.contains("content/trips/visit.md:1:1: error: this record and content/trips/a.md would both be published at trips/visit/"),
        "{out}"
    );
    // Another kind is another folder: no conflict.
    assert!(!out.contains("content/programs/visit.md"), "{out}");
}

#[test]
fn a_record_cannot_take_the_url_of_the_list_pages() {
    let s = site(&[
        ("content/programs/page.md", &record("")),
        ("content/trips/x.md", &record("slug: Page\n")),
    ]);
    let out = messages(s.path());
    assert!(
        out.contains("content/programs/page.md:1:1: error: the slug `page` is taken by the pages of the program list (/programs/page/2/, …)"),
        "{out}"
    );
    assert!(
        out.contains("content/trips/x.md:1:1: error: the slug `Page` is taken by the pages of the trip list (/trips/page/2/, …)"),
        "{out}"
    );
}

#[test]
fn a_name_claimed_by_two_cities_is_a_located_error() {
    let s = site(&[("content/trips/x.md", &record(""))]);
    write(
        s.path(),
        "data/cities.yaml",
        "seoul:\n  name: {ko: 서울, en: Seoul}\n  country: KR\nbusan:\n  name: {ko: 부산}\n  aliases: [SEOUL]\n  country: KR\n".as_bytes(),
    );
    let out = messages(s.path());
    assert!(
        out.contains(
            "data/cities.yaml:6:13: error: the name `SEOUL` of `busan` is already a name of `seoul`"
        ),
        "{out}"
    );
}

#[test]
fn a_city_id_written_twice_is_a_located_error() {
    let s = site(&[("content/trips/x.md", &record(""))]);
    write(
        s.path(),
        "data/cities.yaml",
        "seoul:\n  name: {ko: 서울}\n  country: KR\nseoul:\n  name: {ko: 서울2}\n  country: KR\n"
            .as_bytes(),
    );
    let out = messages(s.path());
    assert!(
        out.contains(
            "data/cities.yaml:4:1: error: invalid YAML: duplicate entry with key \"seoul\""
        ),
        "{out}"
    );
}

#[test]
fn city_ids_must_be_safe_and_portable_path_segments() {
    let s = site(&[("content/trips/x.md", &record(""))]);
    let ids = ["Seoul", "a/b", "..", "con", "lpt1", "-x", "서울"];
    let registry: String = ids
        .iter()
        .enumerate()
        .map(|(i, id)| format!("\"{id}\":\n  name: {{en: City {i}}}\n  country: KR\n"))
        .collect();
    write(s.path(), "data/cities.yaml", registry.as_bytes());
    let out = messages(s.path());
    for (i, id) in ids.iter().enumerate() {
        assert!(
            out.contains(&format!(
                "data/cities.yaml:{}:1: error: city id `{id}` is not a safe URL segment",
                i * 3 + 1
            )),
            "{id}:\n{out}"
        );
    }
}

#[test]
fn a_record_or_a_static_file_cannot_take_the_path_of_a_generated_file() {
    let s = site(&[
        ("content/trips/a.md", &record("slug: feed.xml\n")),
        ("content/trips/b.md", &record("slug: INDEX.html\n")),
        ("content/programs/c.md", &record("")),
        ("static/years/index.html", b"<p>mine</p>"),
        ("static/cities/seoul/feed.xml/x.txt", b"x"),
    ]);
    let out = messages(s.path());
    for expected in [
        "content/trips/a.md:1:1: error: `trips/feed.xml/index.html` of content/trips/a.md and the generated `trips/feed.xml` collide in the output (a file where it needs a folder)",
        "content/trips/b.md:1:1: error: `trips/INDEX.html/index.html` of content/trips/b.md and the generated `trips/index.html` collide in the output (a file where it needs a folder)",
        "static/years/index.html: error: the static file `years/index.html` and the generated `years/index.html` collide in the output (the same path)",
        "static/cities/seoul/feed.xml/x.txt: error: the static file `cities/seoul/feed.xml/x.txt` and the generated `cities/seoul/feed.xml` collide in the output (a file where it needs a folder)",
    ] {
        assert!(out.contains(expected), "{expected}\n{out}");
    }
    assert!(!s.path().join("output").exists());
}

/// The search index is written by accord like the pages: a static file at its path
/// would replace it (and the next incremental build would differ from a clean one), a
/// static file below one of its files would need a folder there.
#[test]
fn a_static_file_cannot_take_the_path_of_the_search_index() {
    let s = site(&[
        ("content/trips/a.md", &record("")),
        ("static/search/manifest.bin", b"not an index"),
        ("static/search/cities.bin/x.txt", b"x"),
    ]);
    let out = messages(s.path());
    for expected in [
        "static/search/manifest.bin: error: the static file `search/manifest.bin` and the generated `search/manifest.bin` collide in the output (the same path)",
        "static/search/cities.bin/x.txt: error: the static file `search/cities.bin/x.txt` and the generated `search/cities.bin` collide in the output (a file where it needs a folder)",
    ] {
        assert!(out.contains(expected), "{expected}\n{out}");
    }
    assert!(!s.path().join("output").exists());
}
