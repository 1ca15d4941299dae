//! `datapackage.json`: a Frictionless Data Package (v1, read by the Frictionless
//! framework v5) describing every download: a Table Schema per CSV table (types,
//! constraints, primary and foreign keys), the JSON files as JSON resources, the
//! archive's title and description, and the licence of `data_license`.

use serde_json::{Map, Value, json};

use super::table::{Column, Table};
use super::{absolute, table};
use crate::routes::{DataFile, Page};
use crate::site::Site;

/// The licences an SPDX id in `data_license` is known as: (id, title, URL).
const LICENSES: &[(&str, &str, &str)] = &[
    (
        "CC-BY-4.0",
        "Creative Commons Attribution 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    (
        "CC-BY-SA-4.0",
        "Creative Commons Attribution Share-Alike 4.0",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    (
        "CC0-1.0",
        "Creative Commons Zero v1.0 Universal",
        "https://creativecommons.org/publicdomain/zero/1.0/",
    ),
    (
        "ODC-By-1.0",
        "Open Data Commons Attribution License v1.0",
        "https://opendatacommons.org/licenses/by/1-0/",
    ),
    (
        "ODbL-1.0",
        "Open Data Commons Open Database License v1.0",
        "https://opendatacommons.org/licenses/odbl/1-0/",
    ),
    (
        "PDDL-1.0",
        "Open Data Commons Public Domain Dedication and License v1.0",
        "https://opendatacommons.org/licenses/pddl/1-0/",
    ),
    (
        "KOGL-Type1",
        "Korea Open Government License Type 1",
        "https://www.kogl.or.kr/info/licenseType1.do",
    ),
];

/// The title and URL of a licence id, when known.
pub(crate) fn license_of(id: &str) -> Option<(&'static str, &'static str)> {
    LICENSES
        .iter()
        .find(|(known, _, _)| known.eq_ignore_ascii_case(id))
        .map(|&(_, title, url)| (title, url))
}

/// The resource name of a download: its file name without the extension, `-json`
/// added for the JSON files (`records.csv` is `records`, `records.json` is
/// `records-json`).
pub(crate) fn resource_name(file: DataFile) -> String {
    let name = file.name();
    match name.strip_suffix(".csv") {
        Some(stem) => stem.replace('_', "-"),
        None => name.trim_end_matches(".json").replace(['.', '_'], "-") + "-json",
    }
}

/// A package name from the archive's URL: lower case, `[a-z0-9._-]`.
fn package_name(base_url: &str) -> String {
    let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    let name: String = rest
        .trim_matches('/')
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '.' | '_' | '-') => c,
            _ => '-',
        })
        .collect();
    if name.is_empty() {
        "archive".into()
    } else {
        name
    }
}

fn field(c: &Column) -> Value {
    let mut f = Map::new();
    f.insert("name".into(), c.name.into());
    f.insert("type".into(), c.ty.into());
    if c.ty == "date" {
        f.insert("format".into(), "%Y-%m-%d".into());
    }
    f.insert("description".into(), c.description.into());
    let mut constraints = Map::new();
    if c.required {
        constraints.insert("required".into(), true.into());
    }
    if !c.one_of.is_empty() {
        constraints.insert("enum".into(), c.one_of.into());
    }
    if let Some(p) = c.pattern {
        constraints.insert("pattern".into(), p.into());
    }
    if !constraints.is_empty() {
        f.insert("constraints".into(), constraints.into());
    }
    f.into()
}

fn table_schema(t: &Table) -> Value {
    let mut s = Map::new();
    s.insert(
        "fields".into(),
        t.columns.iter().map(field).collect::<Vec<_>>().into(),
    );
    s.insert("missingValues".into(), json!([""]));
    if !t.keys.primary.is_empty() {
        s.insert("primaryKey".into(), t.keys.primary.into());
    }
    if !t.keys.foreign.is_empty() {
        let keys: Vec<Value> = t
            .keys
            .foreign
            .iter()
            .map(|&(field, resource, other)| {
                json!({ "fields": [field], "reference": { "resource": resource, "fields": [other] } })
            })
            .collect();
        s.insert("foreignKeys".into(), keys.into());
    }
    s.into()
}

/// Every download as a resource, the tables with their schemas.
pub(super) fn package(site: &Site, tables: &[(DataFile, &Table)]) -> Value {
    let config = &site.config;
    let license = match license_of(&config.data_license) {
        Some((title, url)) => json!({ "name": config.data_license, "title": title, "path": url }),
        None => json!({ "name": config.data_license }),
    };
    let mut resources = Vec::new();
    for file in DataFile::ALL {
        let mut r = Map::new();
        r.insert("name".into(), resource_name(file).into());
        r.insert("path".into(), file.name().into());
        let description = match file {
            DataFile::RecordsJson => {
                "Every published record, every field typed (records.schema.json)"
            }
            DataFile::RecordsSchema => "The JSON Schema of records.json",
            DataFile::RecordsCsv => "One row per record; list fields joined with ;",
            DataFile::BudgetsCsv => {
                "One row per program and year of its budget, then its total and spent"
            }
            DataFile::CitiesCsv => "The city registry, with each city's record count",
            DataFile::RecordCitiesCsv => "One row per record and city it names",
            DataFile::OrganizationsCsv => {
                "The organization registry, with how many records name each"
            }
            DataFile::Package => continue,
        };
        r.insert("description".into(), description.into());
        match tables.iter().find(|(f, _)| *f == file) {
            Some((_, t)) => {
                r.insert("type".into(), "table".into());
                r.insert("format".into(), "csv".into());
                r.insert("mediatype".into(), "text/csv".into());
                r.insert("encoding".into(), "utf-8".into());
                r.insert(
                    "dialect".into(),
                    json!({ "delimiter": ",", "lineTerminator": "\r\n", "quoteChar": "\"", "doubleQuote": true, "header": true }),
                );
                r.insert("schema".into(), table_schema(t));
            }
            None => {
                r.insert("type".into(), "json".into());
                r.insert("format".into(), "json".into());
                r.insert("mediatype".into(), "application/json".into());
                r.insert("encoding".into(), "utf-8".into());
            }
        }
        resources.push(Value::Object(r));
    }
    json!({
        "name": package_name(&config.base_url),
        "title": config.title,
        "description": config.description,
        "homepage": config.base_url,
        "licenses": [license],
        "keywords": ["intercity cooperation", "open data"],
        "sources": [{ "title": config.title, "path": absolute(site, &site.url(Page::Data)) }],
        "x-list-separator": table::LIST_SEPARATOR.to_string(),
        "resources": resources,
    })
}
