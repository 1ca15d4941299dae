//! `records.json` and its JSON Schema (draft 2020-12), published beside it as
//! `records.schema.json`: the schema says what `record::RecordData` serialises, and a
//! test validates the sample archive's file against it.

use serde::Serialize;
use serde_json::{Value, json};

use super::record::RecordData;
use super::{DATE_PATTERN, ID_PATTERN, absolute};
use crate::routes::{DataFile, Page};
use crate::site::Site;

/// The whole of `records.json`.
#[derive(Serialize)]
pub(super) struct RecordsFile<'a> {
    title: &'a str,
    description: &'a str,
    /// The archive's home page.
    homepage: &'a str,
    /// An SPDX licence id.
    license: &'a str,
    /// The JSON Schema of this file.
    schema: String,
    records: &'a [RecordData<'a>],
}

impl<'a> RecordsFile<'a> {
    pub(super) fn new(site: &'a Site, records: &'a [RecordData<'a>]) -> RecordsFile<'a> {
        RecordsFile {
            title: &site.config.title,
            description: &site.config.description,
            homepage: &site.config.base_url,
            license: &site.config.data_license,
            schema: absolute(site, &site.url(Page::DataFile(DataFile::RecordsSchema))),
            records,
        }
    }
}

fn nullable(schema: Value) -> Value {
    json!({ "anyOf": [schema, { "type": "null" }] })
}

fn strings() -> Value {
    json!({ "type": "array", "items": { "type": "string" } })
}

fn date() -> Value {
    let day =
        json!({ "type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" });
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["value", "precision", "earliest", "latest"],
        "properties": {
            "value": { "type": "string", "pattern": DATE_PATTERN },
            "precision": { "enum": ["year", "month", "day"] },
            "earliest": day,
            "latest": day,
        },
    })
}

fn record() -> Value {
    let url = json!({ "type": "string", "format": "uri" });
    let day = json!({ "type": "string", "format": "date" });
    let amount = json!({ "type": "number" });
    let city = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["id", "names"],
        "properties": {
            "id": { "type": "string" },
            "names": { "type": "object", "additionalProperties": { "type": "string" } },
        },
    });
    let budget = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["unit", "currency", "total", "spent", "by_year"],
        "properties": {
            "unit": nullable(json!({ "type": "string" })),
            "currency": nullable(json!({ "type": "string", "pattern": "^[A-Z]{3}$" })),
            "total": nullable(amount.clone()),
            "spent": nullable(amount.clone()),
            "by_year": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["year", "amount"],
                    "properties": { "year": { "type": "integer" }, "amount": amount },
                },
            },
        },
    });
    let cost = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["amount", "currency"],
        "properties": { "amount": amount, "currency": { "type": "string" } },
    });
    let source = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["title", "url"],
        "properties": { "title": { "type": "string" }, "url": url },
    });
    let properties = json!({
        "id": { "type": "string", "pattern": ID_PATTERN },
        "kind": { "enum": ["program", "trip", "workshop"] },
        "slug": { "type": "string", "minLength": 1 },
        "title": { "type": "string", "minLength": 1 },
        "date": date(),
        "end": nullable(date()),
        "years": { "type": "array", "items": { "type": "integer" }, "minItems": 1 },
        "cities": { "type": "array", "items": city, "minItems": 1 },
        "organizers": strings(),
        "partners": strings(),
        "tags": strings(),
        "lang": { "type": "string" },
        "summary": { "type": "string" },
        "sources": { "type": "array", "items": source },
        "extra": { "type": "object" },
        "code": nullable(json!({ "type": "string" })),
        "status": nullable(json!({ "enum": ["planned", "ongoing", "completed"] })),
        "budget": nullable(budget),
        "pairs": nullable(json!({
            "type": "array",
            "items": { "type": "array", "items": { "type": "string" }, "minItems": 2, "maxItems": 2 },
        })),
        "travelers": nullable(json!({ "type": "integer", "minimum": 0 })),
        "purpose": nullable(json!({ "type": "string" })),
        "cost": nullable(cost),
        "venue": nullable(json!({ "type": "string" })),
        "format": nullable(json!({ "enum": ["workshop", "forum", "seminar", "conference"] })),
        "participants": nullable(strings()),
        "added": nullable(day.clone()),
        "updated": nullable(day),
        "aliases": strings(),
        "url": url,
        "urls": { "type": "object", "additionalProperties": url },
        "json_url": url,
        "content_html": { "type": "string" },
    });
    let required: Vec<&String> = properties
        .as_object()
        .map(|p| p.keys().filter(|k| *k != "content_html").collect())
        .unwrap_or_default();
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": required,
        "properties": properties,
    })
}

/// The JSON Schema of `records.json`; `$defs/record` is also the schema of each
/// record's `index.json` (which adds `content_html`).
pub(super) fn records_schema(site: &Site) -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": absolute(site, &site.url(Page::DataFile(DataFile::RecordsSchema))),
        "title": format!("{}: records", site.config.title),
        "description": "Every published record of the archive (docs/data.md).",
        "type": "object",
        "additionalProperties": false,
        "required": ["title", "description", "homepage", "license", "schema", "records"],
        "properties": {
            "title": { "type": "string" },
            "description": { "type": "string" },
            "homepage": { "type": "string", "format": "uri" },
            "license": { "type": "string" },
            "schema": { "type": "string", "format": "uri" },
            "records": { "type": "array", "items": { "$ref": "#/$defs/record" } },
        },
        "$defs": { "record": record() },
    })
}
