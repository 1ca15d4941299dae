//! Open data: the downloads under `/data/` — every published record as JSON
//! (`records.json`, with its JSON Schema) and as CSV tables (`records.csv`,
//! `budgets.csv`, `cities.csv`, `record_cities.csv`), described by a Frictionless
//! Data Package (`datapackage.json`) — and each record's own `index.json`. Reads the
//! site model and writes bytes into the writers it is given, record by record, never
//! holding a whole file (`Export::write`: the build gives it files of `output`'s
//! staging folder); `routes` names the files. The formats are documented in
//! `docs/data.md`.

mod package;
mod record;
mod schema;
mod table;

use std::io::{self, Write};

use crate::routes::DataFile;
use crate::site::Site;
use rayon::prelude::*;

pub(crate) use package::license_of;
pub(crate) use record::absolute;
use record::{RecordData, RecordDocument, record_data};
use table::{Column, Csv, Keys, Table, list, number, text, typed};

/// What the data page shows of the downloads: the size of each file, the rows of each
/// table and the first of them. The files themselves are written as they are made,
/// record by record (`Export::write`), and not held.
pub struct Export {
    files: Vec<(DataFile, Written)>,
}

/// What was written of one download.
struct Written {
    bytes: usize,
    table: Option<Rows>,
}

/// What was written of a CSV table.
struct Rows {
    columns: &'static [Column],
    count: usize,
    first: Vec<Vec<String>>,
}

/// What the data page shows of a table: its rows and the first of them.
pub struct Preview<'a> {
    pub columns: Vec<&'static str>,
    pub rows: usize,
    pub first: &'a [Vec<String>],
}

/// Rows of a table the data page shows.
pub const PREVIEW_ROWS: usize = 3;

/// Records made at once (in parallel) before their rows are written, in order.
const BATCH: usize = 256;

/// A writer that counts what goes through it.
struct Counted<W> {
    out: W,
    bytes: usize,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.bytes += n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

fn counted<W: Write>(out: W) -> Counted<W> {
    Counted { out, bytes: 0 }
}

type Kept = std::rc::Rc<std::cell::RefCell<Vec<u8>>>;

/// Bytes kept in memory, or dropped when there is nothing to keep them in.
struct Keep(Option<Kept>);

impl Write for Keep {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(kept) = &self.0 {
            kept.borrow_mut().extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The files made from the records, as they are written.
struct Streams<W: Write> {
    json: Counted<W>,
    records: Csv<Counted<W>>,
    budgets: Csv<Counted<W>>,
    record_cities: Csv<Counted<W>>,
}

/// One record's part of each of them.
struct Part {
    json: Vec<u8>,
    record: Vec<String>,
    budgets: Vec<Vec<String>>,
    cities: Vec<Vec<String>>,
}

impl Export {
    /// Writes every file under `/data/` into the writer `open` gives for it, record by
    /// record, the same bytes as `file_bytes`; returns what the data page shows of
    /// them. Records are made a batch at a time, on the rayon pool when `parallel`:
    /// never in parallel as the initializer of a `OnceLock` that pages rendered on the
    /// pool wait on (the initializing thread could take up one of them, and the build
    /// would hang).
    pub fn write<W: Write>(
        site: &Site,
        parallel: bool,
        mut open: impl FnMut(DataFile) -> io::Result<W>,
    ) -> io::Result<Export> {
        let mut files = Vec::new();
        let mut streams = Streams {
            json: counted(open(DataFile::RecordsJson)?),
            records: Csv::start(
                counted(open(DataFile::RecordsCsv)?),
                RECORD_COLUMNS,
                PREVIEW_ROWS,
            )?,
            budgets: Csv::start(
                counted(open(DataFile::BudgetsCsv)?),
                BUDGET_COLUMNS,
                PREVIEW_ROWS,
            )?,
            record_cities: Csv::start(
                counted(open(DataFile::RecordCitiesCsv)?),
                RECORD_CITY_COLUMNS,
                PREVIEW_ROWS,
            )?,
        };
        write_records(site, parallel, &mut streams)?;
        let mut json = streams.json;
        json.flush()?;
        files.push((DataFile::RecordsJson, Written::file(json.bytes)));
        for (file, csv, columns) in [
            (DataFile::RecordsCsv, streams.records, RECORD_COLUMNS),
            (DataFile::BudgetsCsv, streams.budgets, BUDGET_COLUMNS),
            (
                DataFile::RecordCitiesCsv,
                streams.record_cities,
                RECORD_CITY_COLUMNS,
            ),
        ] {
            files.push((file, Written::table(csv, columns)?));
        }
        for (file, table) in [
            (DataFile::CitiesCsv, cities_table(site)),
            (DataFile::OrganizationsCsv, organizations_table(site)),
        ] {
            let mut csv = Csv::start(counted(open(file)?), table.columns, PREVIEW_ROWS)?;
            for row in table.rows {
                csv.row(row)?;
            }
            files.push((file, Written::table(csv, table.columns)?));
        }
        for file in [DataFile::RecordsSchema, DataFile::Package] {
            let mut out = counted(open(file)?);
            out.write_all(&file_bytes(site, file))?;
            out.flush()?;
            files.push((file, Written::file(out.bytes)));
        }
        files.sort_by_key(|(f, _)| *f);
        Ok(Export { files })
    }

    /// What the data page shows, every file made and counted, none kept.
    pub fn measure(site: &Site, parallel: bool) -> Export {
        Export::write(site, parallel, |_| Ok(io::sink())).expect("a sink takes every byte")
    }

    /// The size of `file`, in bytes.
    pub fn size(&self, file: DataFile) -> usize {
        self.files
            .iter()
            .find(|(f, _)| *f == file)
            .map_or(0, |(_, w)| w.bytes)
    }

    /// The rows of a CSV table; `None` for the JSON files.
    pub fn preview(&self, file: DataFile) -> Option<Preview<'_>> {
        let (_, w) = self.files.iter().find(|(f, _)| *f == file)?;
        let t = w.table.as_ref()?;
        Some(Preview {
            columns: t.columns.iter().map(|c| c.name).collect(),
            rows: t.count,
            first: &t.first,
        })
    }
}

impl Written {
    fn file(bytes: usize) -> Written {
        Written { bytes, table: None }
    }

    fn table<W: Write>(
        mut csv: Csv<Counted<W>>,
        columns: &'static [Column],
    ) -> io::Result<Written> {
        let (count, first) = (csv.rows, std::mem::take(&mut csv.first));
        let out = csv.finish()?;
        Ok(Written {
            bytes: out.bytes,
            table: Some(Rows {
                columns,
                count,
                first,
            }),
        })
    }
}

/// `records.json` and the tables of the records, a batch of records at a time.
fn write_records<W: Write>(
    site: &Site,
    parallel: bool,
    streams: &mut Streams<W>,
) -> io::Result<()> {
    // The file around the records: its fields, then `"records": [` … `]`.
    let empty = json(&schema::RecordsFile::new(site, &[]));
    let head = empty
        .strip_suffix(b"[]\n}\n")
        .expect("`records` is the last field of records.json");
    streams.json.write_all(head)?;
    streams.json.write_all(b"[")?;
    let n = site.entries.len();
    for start in (0..n).step_by(BATCH) {
        let batch = start..(start + BATCH).min(n);
        let parts: Vec<Part> = if parallel {
            batch.into_par_iter().map(|i| part(site, i)).collect()
        } else {
            batch.map(|i| part(site, i)).collect()
        };
        for (k, r) in parts.into_iter().enumerate() {
            let first = start + k == 0;
            streams
                .json
                .write_all(if first { b"\n    " } else { b",\n    " })?;
            streams.json.write_all(&r.json)?;
            streams.records.row(r.record)?;
            for b in r.budgets {
                streams.budgets.row(b)?;
            }
            for c in r.cities {
                streams.record_cities.row(c)?;
            }
        }
    }
    streams
        .json
        .write_all(if n == 0 { b"]\n}\n" } else { b"\n  ]\n}\n" })
}

/// Entry `i`'s part of each file: its object of `records.json` (indented as the
/// items of `records`), its row of `records.csv`, its rows of `budgets.csv` and of
/// `record_cities.csv`.
fn part(site: &Site, i: usize) -> Part {
    let d = record_data(site, i);
    let text = json(&d);
    // Pretty JSON has line ends only between its tokens (one in a string is `\n`):
    // each line of the object moves two levels in.
    let text = &text[..text.len() - 1];
    let mut object = Vec::with_capacity(text.len() + text.len() / 8);
    for (k, line) in text.split(|&b| b == b'\n').enumerate() {
        if k > 0 {
            object.extend_from_slice(b"\n    ");
        }
        object.extend_from_slice(line);
    }
    Part {
        json: object,
        record: record_row(site, &d),
        budgets: budget_rows(&d),
        cities: record_city_rows(&d),
    }
}

/// The bytes of one download, made whole: `accord serve` and `check` render the files
/// one at a time.
pub fn file_bytes(site: &Site, file: DataFile) -> Vec<u8> {
    match file {
        DataFile::RecordsSchema => json(&schema::records_schema(site)),
        DataFile::Package => {
            let tables = [
                (DataFile::RecordsCsv, records_spec()),
                (DataFile::BudgetsCsv, budgets_spec()),
                (DataFile::CitiesCsv, cities_table(site)),
                (DataFile::RecordCitiesCsv, record_cities_spec()),
                (DataFile::OrganizationsCsv, organizations_table(site)),
            ];
            let described: Vec<(DataFile, &Table)> = tables.iter().map(|(f, t)| (*f, t)).collect();
            json(&package::package(site, &described))
        }
        _ => {
            let kept = Kept::default();
            // Only `file` is kept: the others go nowhere.
            Export::write(site, true, |f| {
                Ok(Keep((f == file).then(|| std::rc::Rc::clone(&kept))))
            })
            .expect("memory takes every byte");
            kept.take()
        }
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
    let mut out = Vec::with_capacity(text.len() + text.len() / 16 + 1);
    crate::escape::json_inert_to(&text, &mut out);
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

fn records_spec() -> Table {
    Table::streamed(
        RECORD_COLUMNS,
        Keys {
            primary: &["id"],
            foreign: &[],
        },
    )
}

/// A record's row of `records.csv`.
fn record_row(site: &Site, d: &RecordData<'_>) -> Vec<String> {
    let lang = &site.config.language;
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

fn budgets_spec() -> Table {
    Table::streamed(
        BUDGET_COLUMNS,
        Keys {
            primary: &[],
            foreign: &[("record_id", "records", "id")],
        },
    )
}

/// A program's rows of `budgets.csv`: one per year of `by_year`, then its total and
/// spent.
fn budget_rows(d: &RecordData<'_>) -> Vec<Vec<String>> {
    let Some(b) = &d.budget else {
        return Vec::new();
    };
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
    let mut rows: Vec<Vec<String>> = (b.by_year.iter())
        .map(|y| row("year", y.year.to_string(), y.amount))
        .collect();
    rows.extend(b.total.map(|a| row("total", String::new(), a)));
    rows.extend(b.spent.map(|a| row("spent", String::new(), a)));
    rows
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
fn record_cities_spec() -> Table {
    Table::streamed(
        RECORD_CITY_COLUMNS,
        Keys {
            primary: &["record_id", "city_id"],
            foreign: &[("record_id", "records", "id"), ("city_id", "cities", "id")],
        },
    )
}

/// A record's rows of `record_cities.csv`.
fn record_city_rows(d: &RecordData<'_>) -> Vec<Vec<String>> {
    (d.cities.iter().enumerate())
        .map(|(n, c)| vec![d.id.clone(), c.id.to_string(), (n + 1).to_string()])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Site {
        crate::site::views_fixture()
    }

    #[test]
    fn records_json_written_record_by_record_is_the_whole_file_pretty_printed() {
        let site = fixture();
        assert!(site.entries.len() >= 2);
        let data: Vec<RecordData<'_>> = (0..site.entries.len())
            .map(|i| record_data(&site, i))
            .collect();
        let whole = json(&schema::RecordsFile::new(&site, &data));
        assert_eq!(
            String::from_utf8(file_bytes(&site, DataFile::RecordsJson)).unwrap(),
            String::from_utf8(whole).unwrap()
        );
        // No records: an empty list, as serde_json writes it.
        let none = json(&schema::RecordsFile::new(&site, &[]));
        assert!(none.ends_with(b"\"records\": []\n}\n"));
    }

    #[test]
    fn the_sizes_and_rows_measured_are_those_of_the_files() {
        let site = fixture();
        let export = Export::measure(&site, false);
        for file in DataFile::ALL {
            let bytes = file_bytes(&site, file);
            assert_eq!(export.size(file), bytes.len(), "{file:?}");
            if let Some(p) = export.preview(file) {
                let lines = bytes.split(|&b| b == b'\n').count() - 1;
                assert_eq!(p.rows + 1, lines, "{file:?}: rows and the header");
                assert_eq!(p.first.len(), p.rows.min(PREVIEW_ROWS));
            }
        }
    }
}
