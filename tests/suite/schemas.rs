//! The JSON Schemas of `accord schema`, checked with a JSON Schema validator (the
//! `jsonschema` crate): the sample archive's front matter, configuration and registry
//! pass, and so do the records in the format the web editor writes
//! (`tests/fixtures/cms`); one record per rule that breaks it fails, and `accord
//! check` refuses it too.

use serde_json::Value;

use accord::kind::Kind;
use accord::registry::Registry;

use crate::support::{FRONT, errors, fixtures, repo, schema_errors, site};

fn registry() -> Registry {
    Registry::load(repo()).expect("the sample registry loads")
}

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The front matter of the record file at `path`, as JSON.
fn front_matter(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let split = accord::content::split_front_matter(&text).unwrap();
    yaml(split.front)
}

#[test]
fn records_as_the_web_editor_writes_them_pass_their_schemas() {
    let registry = registry();
    let mut seen = 0;
    for entry in std::fs::read_dir(fixtures().join("cms")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap();
        let section = name.split_once("--").unwrap().0;
        let kind = Kind::from_section(section).unwrap();
        let schema = accord::schema::front_matter(kind, &registry);
        let found = schema_errors(&schema, &front_matter(&path));
        assert!(found.is_empty(), "{name}: {found:?}");
        seen += 1;
    }
    assert_eq!(seen, 3);
}

#[test]
fn the_sample_archive_passes_its_schemas() {
    let registry = registry();
    let (mut records, mut translations) = (0, 0);
    for kind in Kind::ALL {
        let schema = accord::schema::front_matter(kind, &registry);
        // A translation (`foo.ja.md` next to `foo.md`) gives some of the fields, none
        // of them required: the original has the facts.
        let mut translation = schema.clone();
        translation.as_object_mut().unwrap().remove("required");
        let dir = repo().join("content").join(kind.section());
        for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            let entry = entry.unwrap();
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "md") {
                continue;
            }
            let stem = path.file_stem().unwrap().to_str().unwrap();
            let original = stem
                .rsplit_once('.')
                .map(|(s, _)| path.with_file_name(format!("{s}.md")))
                .filter(|o| o.is_file());
            let found = match original {
                Some(_) => {
                    translations += 1;
                    schema_errors(&translation, &front_matter(path))
                }
                None => {
                    records += 1;
                    schema_errors(&schema, &front_matter(path))
                }
            };
            assert!(found.is_empty(), "{}: {found:?}", path.display());
        }
    }
    assert!(records >= 5, "only {records} records");
    assert!(translations >= 1, "no translation");
    let config = std::fs::read_to_string(repo().join("accord.yaml")).unwrap();
    assert_eq!(
        schema_errors(&accord::schema::config(), &yaml(&config)),
        Vec::<String>::new()
    );
    let cities = std::fs::read_to_string(repo().join("data/cities.yaml")).unwrap();
    assert_eq!(
        schema_errors(&accord::schema::cities(&registry), &yaml(&cities)),
        Vec::<String>::new()
    );
}

/// Front matter that breaks one rule, by kind, and what is wrong with it.
const BROKEN: &[(Kind, &str, &str)] = &[
    (Kind::Trip, "date: 2020\ncities: [서울]\n", "no title"),
    (
        Kind::Trip,
        "title: \"\"\ndate: 2020\ncities: [서울]\n",
        "empty title",
    ),
    (
        Kind::Trip,
        "title: T\ndate: 2020-13\ncities: [서울]\n",
        "month 13",
    ),
    (
        Kind::Trip,
        "title: T\ndate: 2020\nend: May\ncities: [서울]\n",
        "end not a date",
    ),
    (Kind::Trip, "title: T\ndate: 2020\ncities: []\n", "no city"),
    (
        Kind::Trip,
        "title: T\ndate: 2020\ncities: [아틀란티스]\n",
        "unknown city",
    ),
    (
        Kind::Trip,
        "title: T\ndate: 2020\ncities: [서울]\ntitel: x\n",
        "unknown field",
    ),
    (
        Kind::Trip,
        "title: T\ndate: 2020\ncities: [서울]\ndraft: maybe\n",
        "draft not a bool",
    ),
    (
        Kind::Trip,
        "title: T\ndate: 2020\ncities: [서울]\nlang: Korean\n",
        "lang not a code",
    ),
    (
        Kind::Trip,
        "title: T\ndate: 2020\ncities: [서울]\nsources: [{title: S}]\n",
        "source without url or file",
    ),
    (
        Kind::Trip,
        "title: T\ndate: 2020\ncities: [서울]\nsources: [{title: S, url: ftp://x}]\n",
        "source url not http",
    ),
    (
        Kind::Trip,
        "title: T\ndate: 2020\ncities: [서울]\ntravelers: -1\n",
        "negative travelers",
    ),
    (
        Kind::Trip,
        "title: T\ndate: 2020\ncities: [서울]\ncost: {amount: 10}\n",
        "cost without currency",
    ),
    (
        Kind::Trip,
        "title: T\ndate: 2020\ncities: [서울]\nvenue: Hall\n",
        "a workshop field on a trip",
    ),
    (
        Kind::Program,
        "title: T\ndate: 2020\ncities: [서울]\nstatus: done\n",
        "unknown status",
    ),
    (
        Kind::Program,
        "title: T\ndate: 2020\ncities: [서울]\nbudget: {total: lots}\n",
        "budget amount not a number",
    ),
    (
        Kind::Program,
        "title: T\ndate: 2020\ncities: [서울]\nbudget: {totl: 1}\n",
        "unknown budget field",
    ),
    (
        Kind::Program,
        "title: T\ndate: 2020\ncities: [서울]\npairs: [[서울, 베이징, 요코하마]]\n",
        "a pair of three",
    ),
    (
        Kind::Workshop,
        "title: T\ndate: 2020\ncities: [서울]\nformat: party\n",
        "unknown format",
    ),
    (
        Kind::Trip,
        "title: T\ndate: 2020\ncities: [서울]\nlang: jp\n",
        "a country code for a language",
    ),
    (
        Kind::Trip,
        "title: T\ndate: 2020\ncities: [서울]\ncost: {amount: 10, currency: yen}\n",
        "a currency that is not an ISO 4217 code",
    ),
    (
        Kind::Program,
        "title: T\ndate: 2020\ncities: [서울]\nbudget: {total: 475}\n",
        "a budget without a unit",
    ),
    (
        Kind::Program,
        "title: T\ndate: 2020\ncities: [서울]\nbudget: {unit: yen, total: 475}\n",
        "a budget unit of three letters that is not an ISO 4217 code",
    ),
];

#[test]
fn a_record_that_breaks_a_rule_fails_its_schema_and_the_check() {
    let registry = registry();
    let seoul = registry
        .resolve("서울")
        .expect("서울 is in the sample registry");
    assert_eq!(registry.cities[seoul].id, "seoul");
    for (kind, front, why) in BROKEN {
        let schema = accord::schema::front_matter(*kind, &registry);
        assert!(
            !schema_errors(&schema, &yaml(front)).is_empty(),
            "the schema accepts: {why}\n{front}"
        );
        // accord agrees: the same record fails `check` (with the test registry,
        // which also knows 서울).
        let rel = format!("content/{}/broken.md", kind.section());
        let text = format!("---\n{front}---\nText.\n");
        let s = site(&[(rel.as_str(), text.as_bytes())]);
        let found = errors(s.path());
        assert!(
            found.iter().any(accord::diag::Diagnostic::is_error),
            "{why}"
        );
    }
    // And the valid front matter the other tests use passes.
    let valid = format!("{}summary: S\n", FRONT.trim_start_matches("---\n"));
    let trip = accord::schema::front_matter(Kind::Trip, &registry);
    assert_eq!(schema_errors(&trip, &yaml(&valid)), Vec::<String>::new());
}

#[test]
fn configuration_and_registry_rules_are_in_their_schemas() {
    let registry = registry();
    let config = accord::schema::config();
    for broken in [
        "paginate_by: 0\n",
        "base_url: example.org\n",
        "languages: [ko]\ntitel: x\n",
        "years: {min: 1900, maximum: 2000}\n",
    ] {
        assert!(
            !schema_errors(&config, &yaml(broken)).is_empty(),
            "{broken}"
        );
    }
    let cities = accord::schema::cities(&registry);
    for broken in [
        "Seoul: {name: {ko: 서울, en: Seoul, ja: ソウル, zh: 首尔}, country: KR}\n",
        "x: {name: {ko: 가, en: A, ja: ア}, country: KR}\n",
        "x: {name: {ko: 가, en: A, ja: ア, zh: 甲}, country: Korea}\n",
        "x: {name: {ko: 가, en: A, ja: ア, zh: 甲}, country: KR, parent: nowhere}\n",
        "x: {name: {ko: 가, en: A, ja: ア, zh: 甲}, country: KR, coords: [91, 0]}\n",
    ] {
        assert!(
            !schema_errors(&cities, &yaml(broken)).is_empty(),
            "{broken}"
        );
    }
    let parent = &registry.cities[0].id;
    let ok =
        format!("x: {{name: {{ko: 가, en: A, ja: ア, zh: 甲}}, country: KR, parent: {parent}}}\n");
    assert_eq!(schema_errors(&cities, &yaml(&ok)), Vec::<String>::new());
}
