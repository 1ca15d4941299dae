//! JSON Schemas of the files editors write, for completion and checks while typing
//! (`accord schema`): the front matter of each kind, `accord.yaml`, the city
//! registry and the organization and topic registries. The registry's ids and names are enums, so an editor offers them.
//! The schemas follow what `content`, `config` and `registry` accept; those modules
//! stay the judges (a schema cannot say that `end` is not before `date`). Builds
//! values; writes nothing.

use serde_json::{Value, json};

use crate::config::LANGUAGES;
use crate::kind::Kind;
use crate::organizations::{OrgKind, Organizations};
use crate::registry::Registry;

/// The dialect of every schema.
const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as `date` and `end` take them.
const DATE_PATTERN: &str = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$";

/// A language code such as `ko` or `zh-Hant` (`config::is_lang_code`).
const LANG_PATTERN: &str = r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$";

/// The schema files `accord schema` writes: file name, schema. `registry` gives the
/// city ids and names, `organizations` the organizations' names, which `organizers`
/// and `partners` offer (other text stays allowed: the build warns of it).
pub fn all(registry: &Registry, organizations: &Organizations) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = Kind::ALL
        .iter()
        .map(|&k| {
            let mut schema = front_matter(k, registry);
            if !organizations.list.is_empty() {
                let props = &mut schema["properties"];
                for field in ["organizers", "partners"] {
                    props[field]["anyOf"][0]["items"] = organization_name(organizations);
                }
            }
            (file_name(k), schema)
        })
        .collect();
    out.push(("accord.schema.json".into(), config()));
    out.push(("cities.schema.json".into(), cities(registry)));
    out.push((
        "organizations.schema.json".into(),
        organizations_registry(organizations),
    ));
    out.push(("topics.schema.json".into(), topics_registry()));
    out
}

/// An organizer or partner: one of the registry's names, or any text.
fn organization_name(organizations: &Organizations) -> Value {
    let mut names: Vec<&str> = (0..organizations.list.len())
        .flat_map(|i| organizations.all_names(i))
        .collect();
    names.sort_unstable();
    names.dedup();
    json!({
        "description": "An organization of data/organizations.yaml, by any of its names or aliases; another name is allowed, with a warning.",
        "anyOf": [{"type": "string", "enum": names}, {"type": "string"}],
    })
}

/// Names per language: `{ko: …, en: …}`.
fn names_per_language() -> Value {
    json!({
        "type": "object", "minProperties": 1,
        "propertyNames": {"pattern": LANG_PATTERN},
        "additionalProperties": {"type": "string", "minLength": 1},
        "description": "The names per language code: {ko: …, ja: …, zh: …, en: …}.",
    })
}

/// The schema of `data/organizations.yaml`; `parent` is one of the registry's ids.
pub fn organizations_registry(organizations: &Organizations) -> Value {
    let ids: Vec<&str> = organizations.list.iter().map(|o| o.id.as_str()).collect();
    let kinds: Vec<&str> = OrgKind::ALL.iter().map(|k| k.id()).collect();
    let parent = if ids.is_empty() {
        json!({"type": "string"})
    } else {
        json!({"type": "string", "enum": ids})
    };
    json!({
        "$schema": DIALECT,
        "title": "data/organizations.yaml",
        "description": "The organization registry: id → names, aliases, kind, country, parent, website.",
        "type": "object",
        "propertyNames": {"pattern": "^[a-z0-9][a-z0-9_-]*$", "maxLength": 64},
        "additionalProperties": {
            "type": "object",
            "required": ["name", "kind"],
            "properties": {
                "name": names_per_language(),
                "aliases": {"type": "array", "items": {"type": "string"}},
                "kind": {"type": "string", "enum": kinds},
                "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
                "parent": parent,
                "url": {"type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://"},
            },
            "additionalProperties": false,
        },
    })
}

/// The schema of `data/topics.yaml`.
pub fn topics_registry() -> Value {
    json!({
        "$schema": DIALECT,
        "title": "data/topics.yaml",
        "description": "The topic registry: slug → names per language, aliases.",
        "type": "object",
        "propertyNames": {"pattern": "^[a-z0-9][a-z0-9_-]*$", "maxLength": 64},
        "additionalProperties": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": names_per_language(),
                "aliases": {"type": "array", "items": {"type": "string"}},
            },
            "additionalProperties": false,
        },
    })
}

/// The schema file of the front matter of `kind`: `trip.schema.json`.
pub fn file_name(kind: Kind) -> String {
    format!("{}.schema.json", kind.id())
}

/// The schema of the front matter of a record of `kind`.
pub fn front_matter(kind: Kind, registry: &Registry) -> Value {
    let city = city_name(registry);
    let mut props = common_fields(&city);
    let own = match kind {
        Kind::Program => program_fields(&city),
        Kind::Trip => trip_fields(),
        Kind::Workshop => workshop_fields(),
    };
    props.extend(own);
    let own = match kind {
        Kind::Program => Props::new(),
        Kind::Trip => into_props(json!({"program": program_reference()})),
        Kind::Workshop => into_props(json!({
            "program": program_reference(),
            "series": {"type": "string", "pattern": r"^[^/\\\s]+$",
                       "description": "The slug of the series this workshop is an edition of; its page is /series/<slug>/."},
            "number": {"type": "integer", "minimum": 1, "description": "The edition's number within its series."},
        })),
    };
    props.extend(own);
    json!({
        "$schema": DIALECT,
        "title": format!("accord {}", kind.id()),
        "description": format!("The front matter of a record in content/{}/.", kind.section()),
        "type": "object",
        "required": ["title", "date", "cities"],
        "properties": props,
        "additionalProperties": false,
    })
}

type Props = serde_json::Map<String, Value>;

/// A name of a city in the registry: any of its names, aliases or its id.
pub(crate) fn city_name(registry: &Registry) -> Value {
    let mut names: Vec<&str> = registry
        .cities
        .iter()
        .flat_map(|c| {
            c.names
                .values()
                .chain(&c.aliases)
                .map(String::as_str)
                .chain([c.id.as_str()])
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    json!({
        "type": "string",
        "description": "A city of data/cities.yaml, by any of its names or aliases.",
        "enum": names,
    })
}

fn date(description: &str) -> Value {
    json!({
        "description": description,
        "anyOf": [
            {"type": "integer", "minimum": 1000, "maximum": 9999},
            {"type": "string", "pattern": DATE_PATTERN},
        ],
    })
}

/// A list of strings; one string is taken as a list of one.
fn strings(description: &str) -> Value {
    json!({
        "description": description,
        "anyOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "string"},
        ],
    })
}

fn text(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

fn common_fields(city: &Value) -> Props {
    let props = json!({
        "title": {"type": "string", "minLength": 1, "description": "The record's title."},
        "date": date("When it began: YYYY, YYYY-MM or YYYY-MM-DD, as precise as known."),
        "end": date("When it ended, not before `date`."),
        "cities": {
            "type": "array", "minItems": 1, "items": city,
            "description": "Its cities, by names or aliases from data/cities.yaml.",
        },
        "organizers": strings("Who ran it: names from data/organizations.yaml."),
        "partners": strings("Who took part with them: names from data/organizations.yaml."),
        "tags": strings("Subjects, free text; data/topics.yaml joins their spellings."),
        "lang": {"type": "string", "pattern": record_lang_pattern(),
                 "description": format!("The language of this record, a BCP 47 tag: {}, zh-Hant, …", LANGUAGES.join(", "))},
        "summary": text("One or two sentences for lists, search and feeds."),
        "slug": {"type": "string", "pattern": r"^[^/\\\s]+$",
                 "description": "The last part of the record's URL; default: the file name."},
        "draft": {"type": "boolean", "description": "Built only with --drafts."},
        "updated": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$",
                    "description": "The day the record last changed in substance: YYYY-MM-DD."},
        "aliases": {"type": "array", "items": {"type": "string"},
                    "description": "Old URL paths of this record's page (`old/url/`), each redirected to it."},
        "sources": {
            "type": "array",
            "description": "Where the record comes from: a web page or a file next to it.",
            "items": {
                "type": "object",
                "required": ["title"],
                "properties": {
                    "title": {"type": "string"},
                    "url": {"type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://"},
                    "file": {"type": "string"},
                },
                "oneOf": [{"required": ["url"]}, {"required": ["file"]}],
                "additionalProperties": false,
            },
        },
        "extra": {"type": "object", "description": "Free fields for templates."},
        "related": strings("Other records, shown on both pages: a slug, section/slug, or the path of the record's file."),
    });
    into_props(props)
}

/// A record's `lang`: a language `codes` knows, then the subtags of a BCP 47 tag (the
/// order of script, region and variants is left to `codes`).
fn record_lang_pattern() -> String {
    format!(
        "^({})(-[A-Za-z0-9]{{1,8}})*$",
        crate::codes::LANGUAGES.join("|")
    )
}

fn program_fields(city: &Value) -> Props {
    let amount = json!({"type": "number"});
    into_props(json!({
        "code": text("The program's number in its plan, e.g. \"11-1-2\"."),
        "status": {"enum": ["planned", "ongoing", "completed"]},
        "budget": {
            "type": "object",
            "dependentRequired": {"total": ["unit"], "spent": ["unit"], "by_year": ["unit"]},
            "properties": {
                "unit": {
                    "type": "string", "pattern": r"\S",
                    "description": "The unit of every amount: an ISO 4217 code (KRW, JPY) or a unit of one (백만원, 千円).",
                    "if": {"pattern": "^[A-Za-z]{3}$"},
                    "then": {"enum": crate::codes::CURRENCIES},
                },
                "total": amount,
                "spent": amount,
                "by_year": {
                    "type": "object",
                    "propertyNames": {"pattern": "^-?[0-9]+$"},
                    "additionalProperties": amount,
                },
            },
            "additionalProperties": false,
        },
        "pairs": {
            "type": "array",
            "description": "Pairs of partner cities.",
            "items": {"type": "array", "items": city, "minItems": 2, "maxItems": 2},
        },
    }))
}

fn trip_fields() -> Props {
    into_props(json!({
        "travelers": {"type": "integer", "minimum": 0, "description": "How many travelled."},
        "purpose": text("Why, in one sentence."),
        "cost": {
            "type": "object",
            "required": ["amount", "currency"],
            "properties": {
                "amount": {"type": "number"},
                "currency": {"enum": crate::codes::CURRENCIES,
                             "description": "An ISO 4217 code: KRW, JPY, CNY, USD, EUR, …"},
            },
            "additionalProperties": false,
        },
    }))
}

fn workshop_fields() -> Props {
    into_props(json!({
        "venue": text("Where it took place."),
        "format": {"enum": ["workshop", "forum", "seminar", "conference"]},
        "participants": strings("Who took part."),
    }))
}

/// `program:`: the program a trip or workshop served.
fn program_reference() -> Value {
    text(
        "The program it served: its slug, or the path of its file, e.g. ../programs/seoul-yokohama.md.",
    )
}

fn into_props(v: Value) -> Props {
    match v {
        Value::Object(map) => map,
        _ => unreachable!("the fields are an object"),
    }
}

/// The schema of `accord.yaml`.
pub fn config() -> Value {
    json!({
        "$schema": DIALECT,
        "title": "accord.yaml",
        "type": "object",
        "properties": {
            "title": text("The archive's name."),
            "description": text("One sentence on the archive."),
            "base_url": {"type": "string", "pattern": "^https?://[^/?#\\s]+(/[^?#\\s]*)?$",
                         "description": "Where the site is published, e.g. https://user.github.io/repo/"},
            "language": {"type": "string", "pattern": LANG_PATTERN,
                         "description": format!("The interface's language: {}.", LANGUAGES.join(", "))},
            "languages": {"type": "array", "minItems": 1, "uniqueItems": true,
                          "items": {"type": "string", "pattern": LANG_PATTERN},
                          "description": "The editions of the site; the first is the default, at the root, the others under /<lang>/."},
            "theme": text("A folder under themes/, or the built-in `default`."),
            "data_license": text("The licence of the open data under /data/, an SPDX id; default CC-BY-4.0."),
            "git_dates": {"type": "boolean", "description": "Take each record's added and last-changed dates from the git history."},
            "repo_url": text("The repository's web address, for the \"edit this page\" links."),
            "paginate_by": {"type": "integer", "minimum": 1},
            "allow_html": {"type": "boolean"},
            "years": {
                "type": "object",
                "properties": {
                    "min": {"type": "integer", "minimum": 0, "maximum": 9999},
                    "max": {"type": "integer", "minimum": 0, "maximum": 9999},
                },
                "additionalProperties": false,
            },
        },
        "additionalProperties": false,
    })
}

/// The schema of `data/cities.yaml`; `parent` is one of the registry's ids.
pub fn cities(registry: &Registry) -> Value {
    let ids: Vec<&str> = registry.cities.iter().map(|c| c.id.as_str()).collect();
    let name = json!({"type": "string", "minLength": 1});
    json!({
        "$schema": DIALECT,
        "title": "data/cities.yaml",
        "type": "object",
        "propertyNames": {"pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
        "additionalProperties": {
            "type": "object",
            "required": ["name", "country"],
            "properties": {
                "name": {
                    "type": "object",
                    "required": ["ko", "en", "ja", "zh"],
                    "properties": {"ko": name, "en": name, "ja": name, "zh": name},
                    "additionalProperties": name,
                },
                "aliases": {"type": "array", "items": name},
                "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
                "parent": {"enum": ids},
                "coords": {
                    "type": "array", "minItems": 2, "maxItems": 2,
                    "prefixItems": [
                        {"type": "number", "minimum": -90, "maximum": 90},
                        {"type": "number", "minimum": -180, "maximum": 180},
                    ],
                },
            },
            "additionalProperties": false,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (The front matter's fields are compared in `content`'s tests: `content` reads
    /// them, and this module must not depend on it.)
    #[test]
    fn every_key_of_accord_yaml_has_a_schema() {
        let config = config();
        let mut have: Vec<&str> = config["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = crate::config::KEYS.to_vec();
        have.sort_unstable();
        expected.sort_unstable();
        assert_eq!(have, expected);
    }
}
