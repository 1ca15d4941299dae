//! The kinds of record. Adding a kind means adding a variant here, its fields in
//! `content`, and its facts in the record template.

use serde::Serialize;

/// Front-matter fields every kind has, in the order `content` reads them and the web
/// editor's forms (`scaffold`) show them.
pub const COMMON_FIELDS: &[&str] = &[
    "title",
    "date",
    "end",
    "cities",
    "organizers",
    "partners",
    "tags",
    "lang",
    "summary",
    "slug",
    "draft",
    "sources",
    "extra",
    "updated",
    "aliases",
    "related",
];

/// The fields a translation may give in its own words; every other field is a fact of
/// the original (`translation`).
pub const TEXT_FIELDS: &[&str] = &["title", "summary", "organizers", "partners"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Program,
    Trip,
    Workshop,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Program, Kind::Trip, Kind::Workshop];

    /// The singular id: `program`.
    pub fn id(self) -> &'static str {
        match self {
            Kind::Program => "program",
            Kind::Trip => "trip",
            Kind::Workshop => "workshop",
        }
    }

    /// The folder under `content/` and the URL section: `programs`.
    pub fn section(self) -> &'static str {
        match self {
            Kind::Program => "programs",
            Kind::Trip => "trips",
            Kind::Workshop => "workshops",
        }
    }

    pub fn from_section(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.section() == s)
    }

    pub fn from_id(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.id() == s)
    }

    /// Front-matter fields only this kind has.
    pub fn own_fields(self) -> &'static [&'static str] {
        match self {
            Kind::Program => &["code", "status", "budget", "pairs"],
            Kind::Trip => &["travelers", "purpose", "cost", "program"],
            Kind::Workshop => &[
                "venue",
                "format",
                "participants",
                "program",
                "series",
                "number",
            ],
        }
    }
}
