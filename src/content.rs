//! Records: splits a source file into front matter and body, and reads the front
//! matter into a typed `Record` — every field checked, every city resolved, every
//! problem located at its line and column in the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_yaml::Value;

use crate::config::{Config, is_lang_code};
use crate::date::PartialDate;
use crate::diag::{Diagnostic, Pos};
use crate::kind::Kind;
use crate::limits::{
    MAX_CITIES_PER_RECORD, MAX_FRONT_MATTER_BYTES, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS,
    MAX_YEAR_SPAN,
};
use crate::registry::{CityId, REGISTRY_FILE, Registry};
use crate::source::SourceFile;
use crate::yaml::{Block, Fields};

const COMMON_FIELDS: &[&str] = &[
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
];

/// One record, validated.
#[derive(Debug, Clone)]
pub struct Record {
    pub kind: Kind,
    /// Relative to the site root: `content/programs/x.md`.
    pub source: PathBuf,
    pub slug: String,
    pub title: String,
    pub date: PartialDate,
    pub end: Option<PartialDate>,
    /// Resolved, in the order written, without repeats.
    pub cities: Vec<CityId>,
    pub organizers: Vec<String>,
    pub partners: Vec<String>,
    pub tags: Vec<String>,
    pub lang: String,
    pub summary: Option<String>,
    pub draft: bool,
    pub sources: Vec<Source>,
    /// Free-form, passed to templates untouched.
    pub extra: serde_json::Value,
    pub details: Details,
    /// The Markdown body.
    pub body: String,
    /// The file line on which the body starts.
    pub body_line: usize,
    /// A hash of the whole file: with the registry and the configuration, it
    /// determines everything about the record but the links to other records.
    pub source_hash: u64,
}

/// Where a record comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub title: String,
    pub target: SourceTarget,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SourceTarget {
    Url(String),
    /// A file next to the record, relative to the site root.
    File(PathBuf),
}

/// The fields only one kind has.
#[derive(Debug, Clone)]
pub enum Details {
    Program(Program),
    Trip(Trip),
    Workshop(Workshop),
}

#[derive(Debug, Clone, Default)]
pub struct Program {
    pub code: Option<String>,
    pub status: Option<Status>,
    pub budget: Option<Budget>,
    pub pairs: Vec<[CityId; 2]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Planned,
    Ongoing,
    Completed,
}

impl Record {
    /// Where an attached file (`sources: [{file}]`) is published: beside the
    /// record's page, under its own name (`programs/<slug>/<name>`).
    pub fn attachment_file(&self, file: &Path) -> String {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("{}/{}/{name}", self.kind.section(), self.slug)
    }
}

impl Status {
    pub fn id(self) -> &'static str {
        match self {
            Status::Planned => "planned",
            Status::Ongoing => "ongoing",
            Status::Completed => "completed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    pub unit: Option<String>,
    pub total: Option<f64>,
    pub spent: Option<f64>,
    #[serde(default)]
    pub by_year: BTreeMap<i32, f64>,
}

#[derive(Debug, Clone, Default)]
pub struct Trip {
    pub travelers: Option<u32>,
    pub purpose: Option<String>,
    pub cost: Option<Cost>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cost {
    pub amount: f64,
    pub currency: String,
}

#[derive(Debug, Clone, Default)]
pub struct Workshop {
    pub venue: Option<String>,
    pub format: Option<Format>,
    pub participants: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Workshop,
    Forum,
    Seminar,
    Conference,
}

impl Format {
    pub fn id(self) -> &'static str {
        match self {
            Format::Workshop => "workshop",
            Format::Forum => "forum",
            Format::Seminar => "seminar",
            Format::Conference => "conference",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    title: String,
    url: Option<String>,
    file: Option<String>,
}

/// Front matter and body of a file.
#[derive(Debug)]
pub struct Split<'a> {
    pub front: &'a str,
    /// File line of the first front-matter line.
    pub front_line: usize,
    pub body: &'a str,
    pub body_line: usize,
}

/// Splits `---\nYAML\n---\nbody`. The fences are lines of exactly `---`.
pub fn split_front_matter(text: &str) -> Result<Split<'_>, (Pos, String, String)> {
    let first_end = text.find('\n').unwrap_or(text.len());
    if text[..first_end].trim_end() != "---" {
        return Err((
            Pos::new(1, 1),
            "the file does not start with front matter".into(),
            "begin the file with a line `---`, the YAML fields (title, date, cities, …), and another line `---`".into(),
        ));
    }
    let front_start = (first_end + 1).min(text.len());
    let mut offset = front_start;
    let mut line_no = 2;
    while offset < text.len() {
        let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        let line = text[offset..end].trim_end();
        if line == "---" || line == "..." {
            let body_start = (end + 1).min(text.len());
            return Ok(Split {
                front: &text[front_start..offset],
                front_line: 2,
                body: &text[body_start..],
                body_line: line_no + 1,
            });
        }
        offset = end + 1;
        line_no += 1;
    }
    Err((
        Pos::new(1, 1),
        "the front matter is not closed".into(),
        "end the front matter with a line `---` before the text".into(),
    ))
}

/// Reads one source file into a record. Returns `None` with the reasons when it cannot.
pub fn parse(
    file: &SourceFile,
    registry: &Registry,
    config: &Config,
) -> (Option<Record>, Vec<Diagnostic>) {
    let path = file.rel_path.as_path();
    let split = match split_front_matter(&file.text) {
        Ok(s) => s,
        Err((pos, msg, help)) => {
            return (
                None,
                vec![Diagnostic::error(path, pos, msg).with_help(help)],
            );
        }
    };
    if split.front.len() > MAX_FRONT_MATTER_BYTES {
        return (
            None,
            vec![
                Diagnostic::error(
                    path,
                    Pos::new(1, 1),
                    format!(
                        "the front matter is {} bytes; it is limited to {MAX_FRONT_MATTER_BYTES} bytes (MAX_FRONT_MATTER_BYTES)",
                        split.front.len()
                    ),
                )
                .with_help("keep the fields short and move long text into the body"),
            ],
        );
    }
    let block = Block::new(path, split.front, split.front_line);
    let map = match block.parse_mapping("front matter") {
        Ok(m) => m,
        Err(d) => return (None, vec![d]),
    };

    let kind = file.kind;
    let allowed: Vec<&str> = COMMON_FIELDS
        .iter()
        .chain(kind.own_fields())
        .copied()
        .collect();
    // A field of another kind gets its own message instead of a did-you-mean.
    let mut misplaced = Vec::new();
    for other in Kind::ALL.into_iter().filter(|k| *k != kind) {
        for field in other.own_fields() {
            if map.contains_key(*field) && !allowed.contains(field) {
                misplaced.push(
                    Diagnostic::error(
                        path,
                        block.key_pos(field),
                        format!(
                            "`{field}` is a field of {}s, not of {}s",
                            other.id(),
                            kind.id()
                        ),
                    )
                    .with_help(format!(
                        "move the file to content/{}/ or remove the field; {}s have {}",
                        other.section(),
                        kind.id(),
                        kind.own_fields().join(", ")
                    )),
                );
            }
        }
    }
    let mut map = map;
    for d in &misplaced {
        if let Some(field) = d.message.split('`').nth(1) {
            map.remove(field);
        }
    }

    let mut f = Fields::new(block, map, &allowed, "a record");
    f.diags.extend(misplaced);

    let title: Option<String> = f.required("title", "give the record a title: `title: …`");
    if let Some(t) = &title {
        let chars = t.trim().chars().count();
        if chars == 0 {
            f.error(block.key_pos("title"), "the title is empty", None);
        } else if chars > MAX_TITLE_CHARS {
            f.error(
                block.key_pos("title"),
                format!(
                    "the title is {chars} characters long; titles are limited to {MAX_TITLE_CHARS} (MAX_TITLE_CHARS)"
                ),
                Some("put the long form in `summary` or the body".into()),
            );
        }
    }
    let date = take_date(&mut f, "date", true);
    let end = take_date(&mut f, "end", false);
    if let (Some(d), Some(e)) = (date, end)
        && e.latest() < d.earliest()
    {
        f.error(
            block.key_pos("end"),
            format!("`end` ({e}) is before `date` ({d})"),
            None,
        );
    }
    if let (Some(d), Some(e)) = (date, end)
        && e.year - d.year + 1 > MAX_YEAR_SPAN
    {
        f.error(
            block.key_pos("end"),
            format!(
                "the record spans {} years ({} to {}); a record spans at most {MAX_YEAR_SPAN} (MAX_YEAR_SPAN)",
                e.year - d.year + 1,
                d.year,
                e.year
            ),
            Some("is a digit of `date` or `end` mistyped?".into()),
        );
    }
    let city_names: Option<Vec<String>> = f.required(
        "cities",
        "list the cities of the record: `cities: [서울, 베이징]`",
    );
    let mut cities = Vec::new();
    if let Some(names) = &city_names {
        if names.is_empty() {
            f.error(
                block.key_pos("cities"),
                "`cities` is empty: name at least one city",
                None,
            );
        }
        if names.len() > MAX_CITIES_PER_RECORD {
            f.error(
                block.key_pos("cities"),
                format!(
                    "{} cities are named; a record names at most {MAX_CITIES_PER_RECORD} (MAX_CITIES_PER_RECORD)",
                    names.len()
                ),
                None,
            );
        }
        for name in names {
            if let Some(id) = resolve_city(&mut f, registry, "cities", name)
                && !cities.contains(&id)
            {
                cities.push(id);
            }
        }
    }
    let organizers = take_strings(&mut f, "organizers");
    let partners = take_strings(&mut f, "partners");
    let tags = take_strings(&mut f, "tags");
    let lang: String = f.take("lang").unwrap_or_else(|| config.language.clone());
    if !is_lang_code(&lang) {
        f.error(
            block.key_pos("lang"),
            format!("`{lang}` is not a language code"),
            Some("use ko, ja, zh or en".into()),
        );
    }
    let summary: Option<String> = f.take::<String>("summary").filter(|s| !s.trim().is_empty());
    if let Some(s) = &summary
        && s.chars().count() > MAX_SUMMARY_CHARS
    {
        f.error(
            block.key_pos("summary"),
            format!(
                "the summary is {} characters long; summaries are limited to {MAX_SUMMARY_CHARS} (MAX_SUMMARY_CHARS)",
                s.chars().count()
            ),
            Some("a summary is shown on every list the record appears in: keep it to a few sentences".into()),
        );
    }
    let slug: String = f.take("slug").unwrap_or_else(|| file.stem.clone());
    if let Err(why) = crate::paths::check_slug(&slug) {
        let pos =
            if block.key_pos("slug").line > split.front_line || split.front.starts_with("slug:") {
                block.key_pos("slug")
            } else {
                Pos::new(1, 1)
            };
        f.error(
            pos,
            format!("the slug `{}` {why}", slug.escape_debug()),
            Some("a slug is one URL segment: letters, digits, `-` and `_`".into()),
        );
    }
    let draft: bool = f.take("draft").unwrap_or(false);
    let sources = take_sources(&mut f, path);
    let extra = f
        .take_value("extra")
        .map(|v| match v {
            Value::Mapping(_) => serde_json::to_value(&v).unwrap_or(serde_json::Value::Null),
            _ => serde_json::Value::Null,
        })
        .unwrap_or_else(|| serde_json::Value::Object(Default::default()));
    if extra.is_null() {
        f.error(
            block.key_pos("extra"),
            "`extra` must be a mapping of `key: value`",
            None,
        );
    }

    let details = match kind {
        Kind::Program => {
            let code: Option<String> = f.take("code");
            let status = take_enum::<Status>(&mut f, "status", "planned, ongoing, completed");
            let budget: Option<Budget> = f.take("budget");
            let amounts = budget.iter().flat_map(|b| {
                b.total
                    .iter()
                    .chain(&b.spent)
                    .chain(b.by_year.values())
                    .copied()
            });
            check_finite(&mut f, "budget", amounts);
            let raw_pairs: Vec<Vec<String>> = f.take("pairs").unwrap_or_default();
            let mut pairs = Vec::new();
            for pair in &raw_pairs {
                if pair.len() != 2 {
                    f.report(|block| {
                        let pos = pair
                            .first()
                            .map_or(block.key_pos("pairs"), |n| block.value_pos("pairs", n));
                        Diagnostic::error(
                            path,
                            pos,
                            format!(
                                "a pair names exactly two cities, this one has {}",
                                pair.len()
                            ),
                        )
                        .with_help("write `pairs: [[北九州市, 上海市], [川崎市, 瀋陽市]]`")
                    });
                    continue;
                }
                let a = resolve_city(&mut f, registry, "pairs", &pair[0]);
                let b = resolve_city(&mut f, registry, "pairs", &pair[1]);
                if let (Some(a), Some(b)) = (a, b) {
                    pairs.push([a, b]);
                }
            }
            Details::Program(Program {
                code,
                status,
                budget,
                pairs,
            })
        }
        Kind::Trip => {
            let travelers: Option<u32> = f.take("travelers");
            let purpose: Option<String> = f.take("purpose");
            let cost: Option<Cost> = f.take("cost");
            check_finite(&mut f, "cost", cost.iter().map(|c| c.amount));
            Details::Trip(Trip {
                travelers,
                purpose,
                cost,
            })
        }
        Kind::Workshop => {
            let venue: Option<String> = f.take("venue");
            let format =
                take_enum::<Format>(&mut f, "format", "workshop, forum, seminar, conference");
            let participants = take_strings(&mut f, "participants");
            Details::Workshop(Workshop {
                venue,
                format,
                participants,
            })
        }
    };

    let diags = f.finish();
    let has_errors = diags.iter().any(Diagnostic::is_error);
    let record = match (title, date) {
        (Some(title), Some(date)) if !has_errors => Some(Record {
            kind,
            source: file.rel_path.clone(),
            slug,
            title: title.trim().to_string(),
            date,
            end,
            cities,
            organizers,
            partners,
            tags,
            lang,
            summary,
            draft,
            sources,
            extra,
            details,
            body: split.body.to_string(),
            body_line: split.body_line,
            source_hash: {
                use std::hash::{Hash, Hasher};
                let mut h = std::hash::DefaultHasher::new();
                file.text.hash(&mut h);
                h.finish()
            },
        }),
        _ => None,
    };
    (record, diags)
}

fn take_date(f: &mut Fields<'_>, key: &str, required: bool) -> Option<PartialDate> {
    let help = "write `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, e.g. `date: 2018-06`";
    let value = if required {
        f.required::<Value>(key, help)?
    } else {
        f.take_value(key)?
    };
    let text = match &value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => String::new(),
    };
    match PartialDate::parse(&text) {
        Ok(d) => Some(d),
        Err(msg) => {
            let pos = f.block().value_pos(key, text.as_str());
            let msg = if text.is_empty() {
                format!("`{key}` must be a date")
            } else {
                msg
            };
            f.error(pos, format!("field `{key}`: {msg}"), Some(help.into()));
            None
        }
    }
}

/// Amounts are numbers: `.nan` and `.inf` are YAML numbers, but not amounts.
fn check_finite(f: &mut Fields<'_>, key: &str, mut amounts: impl Iterator<Item = f64>) {
    if amounts.any(|a| !a.is_finite()) {
        let pos = f.block().key_pos(key);
        f.error(
            pos,
            format!("`{key}` holds an amount that is not a finite number (.nan or .inf)"),
            Some("write the amount as digits, e.g. `475` or `12.5`".into()),
        );
    }
}

fn take_strings(f: &mut Fields<'_>, key: &str) -> Vec<String> {
    let value = f.take_value(key);
    match value {
        None => Vec::new(),
        // One string where a list is expected is taken as a list of one.
        Some(Value::String(s)) => vec![s.trim().to_string()],
        Some(v) => match serde_yaml::from_value::<Vec<String>>(v) {
            Ok(list) => list
                .into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            Err(_) => {
                let pos = f.block().key_pos(key);
                f.error(
                    pos,
                    format!("field `{key}` must be a list of text"),
                    Some(format!("write `{key}: [a, b]`")),
                );
                Vec::new()
            }
        },
    }
}

fn take_enum<T: serde::de::DeserializeOwned>(
    f: &mut Fields<'_>,
    key: &str,
    allowed: &str,
) -> Option<T> {
    let value = f.take_value(key)?;
    let shown = match &value {
        Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    };
    match serde_yaml::from_value::<T>(value) {
        Ok(v) => Some(v),
        Err(_) => {
            let pos = f.block().value_pos(key, &shown);
            let near = crate::diag::did_you_mean(&shown, allowed.split(", "));
            let help = match near {
                Some(h) => format!("{h} (allowed: {allowed})"),
                None => format!("allowed values: {allowed}"),
            };
            f.error(pos, format!("`{shown}` is not a valid `{key}`"), Some(help));
            None
        }
    }
}

fn resolve_city(f: &mut Fields<'_>, registry: &Registry, key: &str, name: &str) -> Option<CityId> {
    if let Some(id) = registry.resolve(name) {
        return Some(id);
    }
    f.report(|block| {
        let pos = block.value_pos(key, name);
        let near = registry.suggest(name);
        let add = format!(
            "a new city needs an entry in {REGISTRY_FILE} (`id: {{name: {{ko: …, en: …, ja: …, zh: …}}, country: KR}}`); another spelling of a known city goes in its `aliases`"
        );
        let help = if near.is_empty() {
            add
        } else {
            format!("did you mean {}? Otherwise: {add}", near.join(" or "))
        };
        Diagnostic::error(block.path, pos, format!("unknown city `{name}`")).with_help(help)
    });
    None
}

fn take_sources(f: &mut Fields<'_>, record_path: &Path) -> Vec<Source> {
    let raw: Vec<RawSource> = f.take("sources").unwrap_or_default();
    let mut out = Vec::new();
    // Files are copied beside the record's page under their own name: two of the same
    // name (on a case-insensitive disk too), or one named like the page, collide.
    let mut copied: BTreeMap<String, String> = BTreeMap::new();
    copied.insert("index.html".into(), "the record's page".into());
    for s in raw {
        let error = |f: &mut Fields<'_>, message: String, help: Option<&str>| {
            f.report(|block| {
                let d =
                    Diagnostic::error(block.path, block.value_pos("sources", &s.title), message);
                match help {
                    Some(h) => d.with_help(h),
                    None => d,
                }
            })
        };
        match (&s.url, &s.file) {
            (Some(url), None) => {
                let lower = url.trim().to_ascii_lowercase();
                if lower.starts_with("http://") || lower.starts_with("https://") {
                    out.push(Source {
                        title: s.title.clone(),
                        target: SourceTarget::Url(url.trim().to_string()),
                    });
                } else {
                    error(
                        f,
                        format!("source url `{url}` must start with http:// or https://"),
                        None,
                    );
                }
            }
            (None, Some(file)) => {
                let dir = record_path.parent().unwrap_or(Path::new(""));
                let absolute =
                    file.starts_with(['/', '\\']) || file.as_bytes().get(1) == Some(&b':');
                match crate::paths::join_relative(dir, file) {
                    _ if absolute => error(
                        f,
                        format!("source file `{file}` must be a path relative to the record"),
                        Some("put the file next to the record and write its name"),
                    ),
                    Some(p) if p.starts_with(crate::source::CONTENT_DIR) => {
                        let name = p
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        if let Some(other) = copied.get(&crate::paths::fold(&name)) {
                            error(
                                f,
                                format!(
                                    "source file `{file}` would be published under the same name as {other}"
                                ),
                                Some("rename one of the files"),
                            );
                        } else {
                            copied.insert(crate::paths::fold(&name), format!("`{file}`"));
                            out.push(Source {
                                title: s.title.clone(),
                                target: SourceTarget::File(p),
                            });
                        }
                    }
                    _ => error(
                        f,
                        format!("source file `{file}` is outside content/"),
                        Some("put the file next to the record"),
                    ),
                }
            }
            _ => error(
                f,
                "a source has either `url` or `file`".into(),
                Some("write `sources: [{title: 보도자료, url: https://…}]`"),
            ),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_lines_are_counted_in_the_file() {
        let s = split_front_matter("---\ntitle: x\n---\nbody\n").unwrap();
        assert_eq!(s.front, "title: x\n");
        assert_eq!(s.front_line, 2);
        assert_eq!(s.body, "body\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn unclosed_or_missing_front_matter_is_an_error() {
        assert!(
            split_front_matter("---\ntitle: x\n")
                .unwrap_err()
                .1
                .contains("not closed")
        );
        assert!(
            split_front_matter("title: x\n")
                .unwrap_err()
                .1
                .contains("does not start")
        );
        assert!(split_front_matter("").is_err());
    }
}
