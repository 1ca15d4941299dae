//! Open data: the downloads under `/data/` — every published record as JSON
//! (`records.json`, with its JSON Schema) and as CSV tables (`records.csv`,
//! `budgets.csv`, `cities.csv`, `record_cities.csv`), described by a Frictionless
//! Data Package (`datapackage.json`) — and each record's own `index.json`. Pure: reads
//! the site model and returns bytes; `routes` names the files, `render` hands them to
//! `output`. The formats are documented in `docs/data.md`.

mod package;
mod record;
mod schema;
mod table;

use crate::routes::DataFile;
use crate::site::Site;
use rayon::prelude::*;

pub(crate) use package::license_of;
pub(crate) use record::absolute;
use record::{RecordData, RecordDocument, record_data};
use table::{Column, Keys, Table, list, number, text, typed};

/// Every download, built at once (the data page shows their sizes and first rows).
pub struct Export {
    files: Vec<(DataFile, Vec<u8>)>,
    tables: Vec<(DataFile, Table)>,
}

/// What the data page shows of a table: its rows and the first of them.
pub struct Preview<'a> {
    pub columns: Vec<&'static str>,
    pub rows: usize,
    pub first: &'a [Vec<String>],
}

/// Rows of a table the data page shows.
pub const PREVIEW_ROWS: usize = 3;

impl Export {
    /// Builds every file under `/data/`, on the rayon pool when `parallel`. Never in
    /// parallel as the initializer of a `OnceLock` that pages rendered on the pool wait
    /// on: the initializing thread could take up one of them, and the build would hang.
    pub fn build(site: &Site, parallel: bool) -> Export {
        let data: Vec<RecordData<'_>> = if parallel {
            (0..site.entries.len())
                .into_par_iter()
                .map(|i| record_data(site, i))
                .collect()
        } else {
            (0..site.entries.len())
                .map(|i| record_data(site, i))
                .collect()
        };
        let tables = vec![
            (DataFile::RecordsCsv, records_table(site, &data)),
            (DataFile::BudgetsCsv, budgets_table(&data)),
            (DataFile::CitiesCsv, cities_table(site)),
            (DataFile::RecordCitiesCsv, record_cities_table(&data)),
            (DataFile::OrganizationsCsv, organizations_table(site)),
        ];
        let described: Vec<(DataFile, &Table)> = tables.iter().map(|(f, t)| (*f, t)).collect();
        let file_of = |file: DataFile| {
            let bytes = match file {
                DataFile::RecordsJson => json(&schema::RecordsFile::new(site, &data)),
                DataFile::RecordsSchema => json(&schema::records_schema(site)),
                DataFile::Package => json(&package::package(site, &described)),
                _ => described
                    .iter()
                    .find(|(f, _)| *f == file)
                    .map(|(_, t)| t.csv())
                    .unwrap_or_default(),
            };
            (file, bytes)
        };
        let mut files: Vec<(DataFile, Vec<u8>)> = if parallel {
            DataFile::ALL.par_iter().map(|&f| file_of(f)).collect()
        } else {
            DataFile::ALL.iter().map(|&f| file_of(f)).collect()
        };
        files.sort_by_key(|(f, _)| *f);
        Export { files, tables }
    }

    /// The bytes of `file`.
    pub fn file(&self, file: DataFile) -> &[u8] {
        self.files
            .iter()
            .find(|(f, _)| *f == file)
            .map_or(&[][..], |(_, b)| b)
    }

    /// The rows of a CSV table; `None` for the JSON files.
    pub fn preview(&self, file: DataFile) -> Option<Preview<'_>> {
        let (_, t) = self.tables.iter().find(|(f, _)| *f == file)?;
        Some(Preview {
            columns: t.columns.iter().map(|c| c.name).collect(),
            rows: t.rows.len(),
            first: &t.rows[..t.rows.len().min(PREVIEW_ROWS)],
        })
    }
}

/// Entry `i` as its own JSON document, `…/<slug>/index.json`.
pub fn record_json(site: &Site, i: usize) -> Vec<u8> {
    json(&RecordDocument {
        record: record_data(site, i),
        content_html: &site.entries[i].body.get().html,
    })
}

/// Pretty JSON with a final line end, so that diffs of two versions stay readable;
/// `<`, `>` and `&` written as `\u003c`, `\u003e`, `\u0026` (the same string to a JSON
/// reader), so that no text of a record is markup where a file is wrongly served or
/// pasted as HTML.
pub(crate) fn json(value: &impl serde::Serialize) -> Vec<u8> {
    let text = serde_json::to_vec_pretty(value).expect("data serialises");
    // The three are ASCII, so never a byte of a longer UTF-8 sequence: the text is
    // copied in runs between them.
    let mut out = Vec::with_capacity(text.len() + text.len() / 16 + 1);
    let mut run = 0;
    for (i, b) in text.iter().enumerate() {
        let escaped: &[u8] = match b {
            b'<' => b"\\u003c",
            b'>' => b"\\u003e",
            b'&' => b"\\u0026",
            _ => continue,
        };
        out.extend_from_slice(&text[run..i]);
        out.extend_from_slice(escaped);
        run = i + 1;
    }
    out.extend_from_slice(&text[run..]);
    out.push(b'\n');
    out
}

const ID_PATTERN: &str = "^(programs|trips|workshops)/[^/]+$";
const DATE_PATTERN: &str = "^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$";
const PRECISIONS: &[&str] = &["year", "month", "day"];

const RECORD_COLUMNS: &[Column] = &[
    text("id", "the record's path, `programs/<slug>`: unique")
        .required()
        .pattern(ID_PATTERN),
    text("kind", "program, trip or workshop")
        .required()
        .one_of(&["program", "trip", "workshop"]),
    text("slug", "the last segment of the record's URL").required(),
    text("title", "the title").required(),
    text(
        "date",
        "start, as precise as written: YYYY, YYYY-MM or YYYY-MM-DD",
    )
    .required()
    .pattern(DATE_PATTERN),
    text("date_precision", "year, month or day")
        .required()
        .one_of(PRECISIONS),
    text(
        "end",
        "end, as precise as written; empty when the record has one date",
    )
    .pattern(DATE_PATTERN),
    text("end_precision", "year, month or day").one_of(PRECISIONS),
    text("years", "every year from start to end, separated by ;").required(),
    text(
        "cities",
        "the registry ids of the record's cities, separated by ; (cities.csv)",
    )
    .required(),
    text(
        "city_names",
        "the cities' names in the archive's language, separated by ;",
    ),
    text("organizers", "separated by ;"),
    text("partners", "separated by ;"),
    text("tags", "separated by ;"),
    text("lang", "the language the record is written in (BCP 47)").required(),
    text("summary", "the summary given, or the first paragraph"),
    text("code", "programs: the program's code"),
    text("status", "programs: planned, ongoing or completed").one_of(&[
        "planned",
        "ongoing",
        "completed",
    ]),
    text(
        "budget_unit",
        "programs: the unit of the amounts (백만원 is a million won)",
    ),
    text(
        "budget_currency",
        "programs: ISO 4217 currency of the unit, when it names one",
    ),
    typed(
        "budget_total",
        "number",
        "programs: the total budget, in budget_unit",
    ),
    typed(
        "budget_spent",
        "number",
        "programs: the amount spent, in budget_unit",
    ),
    text(
        "pairs",
        "programs: city pairs as id-id (registry ids), separated by ;",
    ),
    typed("travelers", "integer", "trips: how many travelled"),
    text("purpose", "trips: the purpose"),
    typed("cost_amount", "number", "trips: the cost"),
    text("cost_currency", "trips: ISO 4217 currency of the cost"),
    text("venue", "workshops: where"),
    text(
        "format",
        "workshops: workshop, forum, seminar or conference",
    )
    .one_of(&["workshop", "forum", "seminar", "conference"]),
    text("participants", "workshops: separated by ;"),
    text(
        "sources",
        "the URLs of the record's sources, separated by ;",
    ),
    typed("added", "date", "the day the record entered the archive"),
    typed("updated", "date", "the day the record last changed"),
    text("url", "the record's page").required(),
];

fn records_table(site: &Site, data: &[RecordData<'_>]) -> Table {
    let lang = &site.config.language;
    let rows = data
        .iter()
        .map(|d| {
            let budget = d.budget.as_ref();
            vec![
                d.id.clone(),
                d.kind.to_string(),
                d.slug.to_string(),
                d.title.to_string(),
                d.date.value.clone(),
                d.date.precision.to_string(),
                d.end.as_ref().map(|e| e.value.clone()).unwrap_or_default(),
                d.end
                    .as_ref()
                    .map(|e| e.precision)
                    .unwrap_or_default()
                    .to_string(),
                list(d.years.iter().map(i32::to_string)),
                list(d.cities.iter().map(|c| c.id)),
                list(d.cities.iter().map(|c| {
                    c.names
                        .get(lang)
                        .or_else(|| c.names.values().next())
                        .map_or(c.id, String::as_str)
                })),
                list(d.organizers),
                list(d.partners),
                list(d.tags),
                d.lang.to_string(),
                d.summary.to_string(),
                d.code.unwrap_or_default().to_string(),
                d.status.unwrap_or_default().to_string(),
                budget.and_then(|b| b.unit).unwrap_or_default().to_string(),
                budget
                    .and_then(|b| b.currency)
                    .unwrap_or_default()
                    .to_string(),
                number(budget.and_then(|b| b.total)),
                number(budget.and_then(|b| b.spent)),
                list(d.pairs.iter().flatten().map(|[a, b]| format!("{a}-{b}"))),
                d.travelers.map(|n| n.to_string()).unwrap_or_default(),
                d.purpose.unwrap_or_default().to_string(),
                number(d.cost.as_ref().map(|c| c.amount)),
                d.cost
                    .as_ref()
                    .map(|c| c.currency)
                    .unwrap_or_default()
                    .to_string(),
                d.venue.unwrap_or_default().to_string(),
                d.format.unwrap_or_default().to_string(),
                list(d.participants.unwrap_or_default()),
                list(d.sources.iter().map(|s| s.url.as_str())),
                d.added.clone().unwrap_or_default(),
                d.updated.clone().unwrap_or_default(),
                d.url.clone(),
            ]
        })
        .collect();
    Table {
        columns: RECORD_COLUMNS,
        keys: Keys {
            primary: &["id"],
            foreign: &[],
        },
        rows,
    }
}

const BUDGET_COLUMNS: &[Column] = &[
    text("record_id", "the program (records.csv)").required(),
    text("item", "year: the amount of one year; total; spent")
        .required()
        .one_of(&["year", "total", "spent"]),
    typed(
        "year",
        "integer",
        "the year of a `year` row; empty for total and spent",
    ),
    typed("amount", "number", "the amount, in unit").required(),
    text("unit", "the unit of the amount (백만원 is a million won)"),
    text(
        "currency",
        "ISO 4217 currency of the unit, when it names one",
    ),
];

/// One row per program and year of `by_year`, then its total and spent.
fn budgets_table(data: &[RecordData<'_>]) -> Table {
    let mut rows = Vec::new();
    for d in data {
        let Some(b) = &d.budget else { continue };
        let unit = b.unit.unwrap_or_default();
        let currency = b.currency.unwrap_or_default();
        let row = |item: &str, year: String, amount: f64| {
            vec![
                d.id.clone(),
                item.to_string(),
                year,
                number(Some(amount)),
                unit.to_string(),
                currency.to_string(),
            ]
        };
        rows.extend(
            b.by_year
                .iter()
                .map(|y| row("year", y.year.to_string(), y.amount)),
        );
        rows.extend(b.total.map(|a| row("total", String::new(), a)));
        rows.extend(b.spent.map(|a| row("spent", String::new(), a)));
    }
    Table {
        columns: BUDGET_COLUMNS,
        keys: Keys {
            primary: &[],
            foreign: &[("record_id", "records", "id")],
        },
        rows,
    }
}

/// The languages of the name columns of `cities.csv`.
const NAME_LANGUAGES: [&str; 4] = ["ko", "ja", "zh", "en"];

const CITY_COLUMNS: &[Column] = &[
    text("id", "the registry id, as in the city's URL").required(),
    text("name_ko", "the name in Korean"),
    text("name_ja", "the name in Japanese"),
    text("name_zh", "the name in Chinese"),
    text("name_en", "the name in English"),
    text("aliases", "other names it is known by, separated by ;"),
    text("country", "ISO 3166-1 alpha-2").required(),
    text("parent", "the id of the province or city it belongs to"),
    typed("latitude", "number", "WGS 84"),
    typed("longitude", "number", "WGS 84"),
    typed("records", "integer", "how many published records name it").required(),
];

fn cities_table(site: &Site) -> Table {
    let reg = &site.registry;
    let rows = reg
        .cities
        .iter()
        .enumerate()
        .map(|(id, c)| {
            let mut row = vec![c.id.clone()];
            row.extend(NAME_LANGUAGES.map(|l| c.names.get(l).cloned().unwrap_or_default()));
            row.extend([
                list(&c.aliases),
                c.country.clone(),
                c.parent
                    .map(|p| reg.cities[p].id.clone())
                    .unwrap_or_default(),
                number(c.coords.map(|(lat, _)| lat)),
                number(c.coords.map(|(_, lon)| lon)),
                site.by_city[id].len().to_string(),
            ]);
            row
        })
        .collect();
    Table {
        columns: CITY_COLUMNS,
        keys: Keys {
            primary: &["id"],
            foreign: &[("parent", "", "id")],
        },
        rows,
    }
}

const ORGANIZATION_COLUMNS: &[Column] = &[
    text("id", "the registry id, as in the organization's URL").required(),
    text("name_ko", "the name in Korean"),
    text("name_ja", "the name in Japanese"),
    text("name_zh", "the name in Chinese"),
    text("name_en", "the name in English"),
    text("aliases", "other names it is known by, separated by ;"),
    text("kind", "city-government, national-agency, international, network, research-institute, university, company, ngo or other").required(),
    text("country", "ISO 3166-1 alpha-2"),
    text("parent", "the id of the organization it belongs to"),
    text("url", "its website"),
    typed("records", "integer", "how many published records name it as organizer or partner").required(),
];

/// The organization registry (`data/organizations.yaml`): empty without it.
fn organizations_table(site: &Site) -> Table {
    let orgs = &site.organizations.list;
    let rows = (orgs.iter().enumerate())
        .map(|(id, o)| {
            let mut row = vec![o.id.clone()];
            row.extend(NAME_LANGUAGES.map(|l| o.names.get(l).cloned().unwrap_or_default()));
            row.extend([
                list(&o.aliases),
                o.kind.id().to_string(),
                o.country.clone(),
                o.parent.map(|p| orgs[p].id.clone()).unwrap_or_default(),
                o.url.clone().unwrap_or_default(),
                site.by_organization[id].len().to_string(),
            ]);
            row
        })
        .collect();
    Table {
        columns: ORGANIZATION_COLUMNS,
        keys: Keys {
            primary: &["id"],
            foreign: &[("parent", "", "id")],
        },
        rows,
    }
}

const RECORD_CITY_COLUMNS: &[Column] = &[
    text("record_id", "the record (records.csv)").required(),
    text("city_id", "one of its cities (cities.csv)").required(),
    typed(
        "position",
        "integer",
        "the city's place in the record's list, from 1",
    )
    .required(),
];

/// One row per record and city: the record–city link, with both keys checked.
fn record_cities_table(data: &[RecordData<'_>]) -> Table {
    let rows = data
        .iter()
        .flat_map(|d| {
            d.cities
                .iter()
                .enumerate()
                .map(|(n, c)| vec![d.id.clone(), c.id.to_string(), (n + 1).to_string()])
        })
        .collect();
    Table {
        columns: RECORD_CITY_COLUMNS,
        keys: Keys {
            primary: &["record_id", "city_id"],
            foreign: &[("record_id", "records", "id"), ("city_id", "cities", "id")],
        },
        rows,
    }
}
