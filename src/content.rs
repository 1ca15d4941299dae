//! Records: splits a source file into front matter and body, and reads the front
//! matter into a typed `Record` — every field checked, every city resolved, every
//! problem located at its line and column in the file.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::hash::Hash;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_yaml::Value;

use crate::config::Config;
use crate::date::PartialDate;
use crate::diag::{Code, Diagnostic, Pos};
use crate::kind::Kind;
use crate::limits::{
    MAX_CITIES_PER_RECORD, MAX_FRONT_MATTER_BYTES, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS,
    MAX_YEAR_SPAN,
};
use crate::names::{Name, Names};
use crate::registry::{CityId, REGISTRY_FILE, Registry};
use crate::scaffold;
use crate::source::{SourceFile, Sources};
use crate::yaml::{Block, Fields, Seg};

pub(crate) use crate::kind::COMMON_FIELDS;

pub mod memo;

/// The records of an archive, each boxed where it is read: a record becomes an entry
/// of the site (`site::Entry::record`) without a copy, so that a list of every record
/// and a list of every entry are never both held whole.
pub type Records = Vec<Box<Record>>;

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
    pub cities: Box<[CityId]>,
    pub organizers: Box<[Name]>,
    pub partners: Box<[Name]>,
    pub tags: Box<[Name]>,
    pub lang: Name,
    pub summary: Option<String>,
    pub draft: bool,
    /// What few records give (`sources`, `extra`, `updated`, `aliases`, the commit
    /// dates): `None` when it gives none of them, so that the others hold a pointer
    /// instead of every empty field (see `sources`, `extra`, …).
    rare: Option<Box<Rare>>,
    pub details: Details,
    /// Its relations to other records, as written (`relations`); `None` when it
    /// gives none, as most records do (see `links`).
    pub links: Option<Box<crate::relations::Links>>,
    /// The Markdown body.
    pub body: String,
    /// The file line on which the body starts.
    pub body_line: u32,
    /// A hash of the Markdown body (`body_hash`): what the build cache finds its
    /// rendering by, so that a body it holds need not be read again.
    pub body_hash: u64,
    /// A hash of the whole file: with the registry and the configuration, it
    /// determines everything about the record but the links to other records.
    pub source_hash: u64,
}

/// The fields of a record that few records give, boxed together (`Record::rare`).
#[derive(Debug, Clone, PartialEq)]
pub struct Rare {
    pub sources: Vec<Source>,
    /// Free-form, passed to templates untouched.
    pub extra: serde_json::Value,
    /// `updated:`, the day the record was last corrected (full precision).
    pub updated: Option<PartialDate>,
    /// Old URL paths of the record's page, relative to the site's root, each ending
    /// with `/`: each gets a redirect to the page.
    pub aliases: Vec<String>,
    /// The commit dates of the file, with `git_dates: true` (see `history`).
    pub history: Option<crate::history::FileDates>,
}

impl Default for Rare {
    fn default() -> Rare {
        Rare {
            sources: Vec::new(),
            extra: serde_json::Value::Object(Default::default()),
            updated: None,
            aliases: Vec::new(),
            history: None,
        }
    }
}

impl Rare {
    /// Boxed, or `None` when every field is empty.
    pub fn boxed(self) -> Option<Box<Rare>> {
        (self != Rare::default()).then(|| Box::new(self))
    }
}

/// Where a record comes from.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct Source {
    pub title: String,
    pub target: SourceTarget,
}

#[derive(Debug, Clone, PartialEq, Hash)]
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
    pub budget: Option<Box<Budget>>,
    pub pairs: Vec<[CityId; 2]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Planned,
    Ongoing,
    Completed,
}

impl Record {
    /// The sources it names (`sources:`).
    pub fn sources(&self) -> &[Source] {
        self.rare.as_ref().map_or(&[], |r| &r.sources)
    }

    /// Its free-form fields (`extra:`): an empty mapping when it gives none.
    pub fn extra(&self) -> &serde_json::Value {
        static EMPTY: std::sync::LazyLock<serde_json::Value> =
            std::sync::LazyLock::new(|| serde_json::Value::Object(Default::default()));
        self.rare.as_ref().map_or(&EMPTY, |r| &r.extra)
    }

    /// `updated:`, the day the record was last corrected.
    pub fn updated(&self) -> Option<PartialDate> {
        self.rare.as_ref().and_then(|r| r.updated)
    }

    /// Old URL paths of its page (`aliases:`).
    pub fn aliases(&self) -> &[String] {
        self.rare.as_ref().map_or(&[], |r| &r.aliases)
    }

    /// The commit dates of its file, with `git_dates: true`.
    pub fn history(&self) -> Option<crate::history::FileDates> {
        self.rare.as_ref().and_then(|r| r.history)
    }

    /// Sets the commit dates of its file.
    pub fn set_history(&mut self, history: Option<crate::history::FileDates>) {
        let mut rare = self.rare.take().map_or_else(Rare::default, |r| *r);
        rare.history = history;
        self.rare = rare.boxed();
    }

    /// Its organizers, partners, tags and language replaced by the copies `names`
    /// holds, so that a name given by many records is held once.
    pub fn share_names(&mut self, names: &mut Names) {
        for list in [&mut self.organizers, &mut self.partners, &mut self.tags] {
            names.share_all(list);
        }
        self.lang = names.share(&self.lang);
    }

    /// Its relations to other records, as written: none when it gives none.
    pub fn links(&self) -> &crate::relations::Links {
        static NONE: crate::relations::Links = crate::relations::Links::NONE;
        self.links.as_deref().unwrap_or(&NONE)
    }

    /// Every year from its start to its end: its `date`'s year alone when it gives
    /// no `end`, or an `end` before the start.
    pub fn years(&self) -> std::ops::RangeInclusive<i32> {
        let first = self.date.year;
        first..=self.end.map_or(first, |e| e.year).max(first)
    }

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

impl Source {
    /// Where the source is read: its URL, or the URL path (with `base_path`) of the
    /// attached file beside `record`'s page.
    pub fn href(&self, record: &Record, base_path: &str) -> String {
        match &self.target {
            SourceTarget::Url(u) => u.clone(),
            SourceTarget::File(p) => format!("{base_path}{}", record.attachment_file(p)),
        }
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
    #[serde(default, deserialize_with = "year_keys")]
    pub by_year: BTreeMap<i32, f64>,
}

/// Amounts by year, the years written as numbers (`2014: 65`) or as strings of digits
/// (`"2014": 65`), as the web editor writes keys.
fn year_keys<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<i32, f64>, D::Error> {
    #[derive(Deserialize, PartialEq, Eq, PartialOrd, Ord)]
    #[serde(untagged)]
    enum Year {
        Number(i32),
        Text(String),
    }
    let raw = BTreeMap::<Year, f64>::deserialize(d)?;
    raw.into_iter()
        .map(|(year, amount)| match year {
            Year::Number(y) => Ok((y, amount)),
            Year::Text(t) => t
                .parse()
                .map(|y| (y, amount))
                .map_err(|_| serde::de::Error::custom(format!("`{t}` in `by_year` is not a year"))),
        })
        .collect()
}

#[derive(Debug, Clone, Default)]
pub struct Trip {
    pub travelers: Option<u32>,
    pub purpose: Option<String>,
    pub cost: Option<Box<Cost>>,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
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

/// Where the Markdown bodies of records are when they are rendered.
#[derive(Debug, Clone, Copy)]
pub enum Markdown<'a> {
    /// In the records (`Record::body`).
    Held,
    /// In the records' files, as the walk listed them: the records were read without
    /// their bodies, so that the bodies of an archive are never held together, and
    /// each file is read again when its body is rendered.
    InFiles(&'a Sources),
}

impl Markdown<'_> {
    /// The Markdown body of `r`. Read again from its file, it must be the text `r` was
    /// read from (by its `source_hash`): a file changed since is an error.
    pub fn body<'r>(&self, r: &'r Record) -> Result<Cow<'r, str>, Diagnostic> {
        let Markdown::InFiles(sources) = self else {
            return Ok(Cow::Borrowed(&r.body));
        };
        let mut file = sources.read_again(&r.source)?;
        let split = split_front_matter(&file.text).ok();
        let front = split.map(|s| file.text.len() - s.body.len());
        match front {
            Some(front) if text_hash(&file.text) == r.source_hash => {
                file.text.drain(..front);
                Ok(Cow::Owned(file.text))
            }
            _ => Err(Diagnostic::error(
                Code::Read,
                &r.source,
                Pos::UNKNOWN,
                "the file changed while the site was being built",
            )
            .with_help("build again once the file is saved")),
        }
    }
}

/// The hash of a record file's whole text (`Record::source_hash`).
fn text_hash(text: &str) -> u64 {
    crate::hash::bytes(text.as_bytes())
}

/// The hash of a Markdown body (`Record::body_hash`).
pub fn body_hash(markdown: &str) -> u64 {
    text_hash(markdown)
}

/// What reading a source file gave: the record, or the problems and what could be
/// read of it all the same.
#[derive(Debug)]
pub struct Parsed {
    pub record: Option<Record>,
    pub diags: Vec<Diagnostic>,
    /// For a file that did not give a record, when it has a body.
    pub partial: Option<Partial>,
}

/// What is known of a record that failed: enough to check its links and its source
/// files, and to know which cities it names.
#[derive(Debug, Clone)]
pub struct Partial {
    pub source: PathBuf,
    pub body: String,
    pub body_line: usize,
    /// The sources that could be read.
    pub sources: Vec<Source>,
    /// The known cities it names; `None` when its front matter could not be read.
    pub cities: Option<Vec<CityId>>,
}

/// Reads one source file into a record. Returns `None` with the reasons when it cannot.
pub fn parse(
    file: &SourceFile,
    registry: &Registry,
    config: &Config,
) -> (Option<Record>, Vec<Diagnostic>) {
    let parsed = read(file, registry, config);
    (parsed.record, parsed.diags)
}

/// Reads one source file into a record, or into what can be read of it.
pub fn read(file: &SourceFile, registry: &Registry, config: &Config) -> Parsed {
    let path = file.rel_path.as_path();
    let split = match split_front_matter(&file.text) {
        Ok(s) => s,
        Err((pos, msg, help)) => {
            let d = Diagnostic::error(Code::FrontMatter, path, pos, msg).with_help(help);
            return Parsed {
                record: None,
                diags: vec![d],
                partial: None,
            };
        }
    };
    let failed = |diags, sources, cities| Parsed {
        record: None,
        diags,
        partial: Some(Partial {
            source: file.rel_path.clone(),
            body: split.body.to_string(),
            body_line: split.body_line,
            sources,
            cities,
        }),
    };
    if split.front.len() > MAX_FRONT_MATTER_BYTES {
        let d = Diagnostic::error(
            Code::Limit,
            path,
            Pos::new(1, 1),
            format!(
                "the front matter is {} bytes; it is limited to {MAX_FRONT_MATTER_BYTES} bytes (MAX_FRONT_MATTER_BYTES)",
                split.front.len()
            ),
        )
        .with_help("keep the fields short and move long text into the body");
        return failed(vec![d], Vec::new(), None);
    }
    let block = Block::new(path, split.front, split.front_line);
    let (map, spans) = match block.parse_mapping("front matter") {
        Ok(parsed) => parsed,
        Err(d) => return failed(vec![d], Vec::new(), None),
    };
    let kind = file.kind;
    let allowed: Vec<&str> = COMMON_FIELDS
        .iter()
        .chain(kind.own_fields())
        .copied()
        .collect();
    let mut f = Fields::new(block, &spans, map, &allowed, "a record");
    f.refuse_control_characters();
    misplaced_fields(&mut f, kind, &allowed);
    let common = common_fields(&mut f, file, registry, config);
    if !common.draft {
        placeholders_left(&mut f, path, common.summary.as_deref(), &split);
    }
    let details = match kind {
        Kind::Program => Details::Program(program(&mut f, registry)),
        Kind::Trip => Details::Trip(trip(&mut f)),
        Kind::Workshop => Details::Workshop(workshop(&mut f)),
    };
    let links = crate::relations::take(&mut f, kind);
    let diags = f.finish();
    if diags.iter().any(Diagnostic::is_error) {
        return failed(diags, common.sources, Some(common.cities));
    }
    let record = common.into_record(file, &split, details, links);
    Parsed {
        record,
        diags,
        partial: None,
    }
}

/// The fields every kind of record has, as far as they could be read.
struct Common {
    title: Option<String>,
    date: Option<PartialDate>,
    end: Option<PartialDate>,
    cities: Vec<CityId>,
    organizers: Vec<Name>,
    partners: Vec<Name>,
    tags: Vec<Name>,
    lang: Name,
    summary: Option<String>,
    slug: String,
    draft: bool,
    sources: Vec<Source>,
    extra: serde_json::Value,
    updated: Option<PartialDate>,
    aliases: Vec<String>,
}

impl Common {
    /// The record, when its title and date could be read.
    fn into_record(
        self,
        file: &SourceFile,
        split: &Split<'_>,
        details: Details,
        links: crate::relations::Links,
    ) -> Option<Record> {
        Some(Record {
            kind: file.kind,
            source: file.rel_path.clone(),
            slug: self.slug,
            title: self.title?.trim().to_string(),
            date: self.date?,
            end: self.end,
            cities: self.cities.into(),
            organizers: self.organizers.into(),
            partners: self.partners.into(),
            tags: self.tags.into(),
            lang: self.lang,
            summary: self.summary,
            draft: self.draft,
            rare: Rare {
                sources: self.sources,
                extra: self.extra,
                updated: self.updated,
                aliases: self.aliases,
                history: None,
            }
            .boxed(),
            details,
            links: links.boxed(),
            body: split.body.to_string(),
            // A file holds at most `MAX_FILE_BYTES`, so fewer lines than `u32` counts.
            body_line: u32::try_from(split.body_line).unwrap_or(u32::MAX),
            body_hash: body_hash(split.body),
            source_hash: text_hash(&file.text),
        })
    }
}

/// A field of another kind gets its own message instead of a did-you-mean.
fn misplaced_fields(f: &mut Fields<'_>, kind: Kind, allowed: &[&str]) {
    for other in Kind::ALL.into_iter().filter(|k| *k != kind) {
        for field in other.own_fields() {
            if !f.contains(field) || allowed.contains(field) {
                continue;
            }
            let pos = f.key_pos(field);
            f.error(
                Code::WrongKindField,
                pos,
                format!(
                    "`{field}` is a field of {}s, not of {}s",
                    other.id(),
                    kind.id()
                ),
                Some(format!(
                    "move the file to content/{}/ or remove the field; {}s have {}",
                    other.section(),
                    kind.id(),
                    kind.own_fields().join(", ")
                )),
            );
            f.drop_key(field);
        }
    }
}

fn common_fields(
    f: &mut Fields<'_>,
    file: &SourceFile,
    registry: &Registry,
    config: &Config,
) -> Common {
    let title = take_title(f);
    let (date, end) = take_dates(f);
    let cities = take_cities(f, registry);
    let organizers = take_strings(f, "organizers");
    let partners = take_strings(f, "partners");
    let tags = take_strings(f, "tags");
    let lang = take_lang(f, config);
    let summary = take_summary(f);
    let slug = take_slug(f, &file.stem);
    let draft: bool = f.take("draft").unwrap_or(false);
    let sources = take_sources(f, &file.rel_path);
    let extra = take_extra(f);
    let updated = take_updated(f);
    let aliases = take_aliases(f);
    Common {
        title,
        date,
        end,
        cities,
        organizers,
        partners,
        tags,
        lang,
        summary,
        slug,
        draft,
        sources,
        extra,
        updated,
        aliases,
    }
}

/// `lang:`, a BCP 47 tag with a known language (see `facts`); the site's language
/// when not given.
fn take_lang(f: &mut Fields<'_>, config: &Config) -> Name {
    let written = f.has("lang");
    let lang: String = f.take("lang").unwrap_or_else(|| config.language.clone());
    if written && let Err(p) = crate::codes::check_language(&lang) {
        // The positions are read only for a record with a problem.
        let pos = f.value_pos("lang", &[]);
        f.error(Code::InvalidLanguage, pos, p.message, Some(p.help));
    }
    lang.into()
}

/// `updated: YYYY-MM-DD`: a day, written in full.
fn take_updated(f: &mut Fields<'_>) -> Option<PartialDate> {
    let day = take_date(f, "updated", false)?;
    if day.day.is_none() {
        let pos = f.value_pos("updated", &[]);
        f.error(
            Code::InvalidDate,
            pos,
            format!("`updated` ({day}) must be a day"),
            Some("write the day of the change, `updated: 2025-11-24`".into()),
        );
        return None;
    }
    Some(day)
}

/// `aliases: [old/url/]`: old URL paths, each relative to the site's root (a leading
/// `/` is dropped, a trailing one added), made of safe URL segments.
fn take_aliases(f: &mut Fields<'_>) -> Vec<String> {
    let written = take_strings(f, "aliases");
    let mut aliases = Vec::new();
    for (i, alias) in written.iter().enumerate() {
        let path = alias.trim_matches('/');
        let bad = path.split('/').find_map(|seg| {
            crate::paths::check_slug(seg)
                .err()
                .map(|why| format!("`{seg}` {why}"))
        });
        if let Some(why) = bad {
            let pos = f.value_pos("aliases", &[i.into()]);
            f.error(
                Code::InvalidSlug,
                pos,
                format!(
                    "the alias `{}` is not a URL path: {why}",
                    alias.escape_debug()
                ),
                Some("write the old URL's path, e.g. `aliases: [programs/old-name/]`".into()),
            );
            continue;
        }
        let path = format!("{path}/");
        if !aliases.contains(&path) {
            aliases.push(path);
        }
    }
    aliases
}

fn take_title(f: &mut Fields<'_>) -> Option<String> {
    let title: String = f.required("title", "give the record a title: `title: …`")?;
    let chars = title.trim().chars().count();
    if chars == 0 {
        let pos = f.value_pos("title", &[]);
        f.error(Code::EmptyValue, pos, "the title is empty", None);
    } else if chars > MAX_TITLE_CHARS {
        let pos = f.value_pos("title", &[]);
        f.error(
            Code::Limit,
            pos,
            format!(
                "the title is {chars} characters long; titles are limited to {MAX_TITLE_CHARS} (MAX_TITLE_CHARS)"
            ),
            Some("put the long form in `summary` or the body".into()),
        );
    }
    Some(title)
}

fn take_dates(f: &mut Fields<'_>) -> (Option<PartialDate>, Option<PartialDate>) {
    let date = take_date(f, "date", true);
    let end = take_date(f, "end", false);
    if let (Some(d), Some(e)) = (date, end) {
        if e.latest() < d.earliest() {
            let pos = f.value_pos("end", &[]);
            f.error(
                Code::InvalidDate,
                pos,
                format!("`end` ({e}) is before `date` ({d})"),
                None,
            );
        }
        if e.year - d.year + 1 > MAX_YEAR_SPAN {
            let pos = f.value_pos("end", &[]);
            f.error(
                Code::Limit,
                pos,
                format!(
                    "the record spans {} years ({} to {}); a record spans at most {MAX_YEAR_SPAN} (MAX_YEAR_SPAN)",
                    e.year - d.year + 1,
                    d.year,
                    e.year
                ),
                Some("is a digit of `date` or `end` mistyped?".into()),
            );
        }
    }
    (date, end)
}

/// The cities named, resolved, in the order written, without repeats.
fn take_cities(f: &mut Fields<'_>, registry: &Registry) -> Vec<CityId> {
    let names: Option<Vec<String>> = f.required(
        "cities",
        "list the cities of the record: `cities: [서울, 베이징]`",
    );
    let Some(names) = names else {
        return Vec::new();
    };
    if names.is_empty() {
        let pos = f.value_pos("cities", &[]);
        f.error(
            Code::EmptyValue,
            pos,
            "`cities` is empty: name at least one city",
            None,
        );
    }
    if names.len() > MAX_CITIES_PER_RECORD {
        let pos = f.value_pos("cities", &[]);
        f.error(
            Code::Limit,
            pos,
            format!(
                "{} cities are named; a record names at most {MAX_CITIES_PER_RECORD} (MAX_CITIES_PER_RECORD)",
                names.len()
            ),
            None,
        );
    }
    let mut cities = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if let Some(id) = resolve_city(f, registry, name, "cities", &[i.into()])
            && !cities.contains(&id)
        {
            cities.push(id);
        }
    }
    cities
}

fn take_summary(f: &mut Fields<'_>) -> Option<String> {
    let summary = f.take_prose("summary").filter(|s| !s.trim().is_empty())?;
    let chars = summary.chars().count();
    if chars > MAX_SUMMARY_CHARS {
        let pos = f.value_pos("summary", &[]);
        f.error(
            Code::Limit,
            pos,
            format!(
                "the summary is {chars} characters long; summaries are limited to {MAX_SUMMARY_CHARS} (MAX_SUMMARY_CHARS)"
            ),
            Some("a summary is shown on every list the record appears in: keep it to a few sentences".into()),
        );
    }
    Some(summary)
}

/// Warns about a summary or a body that still holds a placeholder of `accord new` (in
/// any language), at the placeholder: such text must not reach the public. Drafts are
/// not looked at; they are work in progress.
fn placeholders_left(f: &mut Fields<'_>, path: &Path, summary: Option<&str>, split: &Split<'_>) {
    for p in scaffold::placeholders() {
        if summary.is_some_and(|s| s.contains(p.summary.as_str())) {
            let pos = f.value_pos("summary", &[]);
            f.diags.push(
                Diagnostic::warning(
                    Code::Placeholder,
                    path,
                    pos,
                    "the summary is still the placeholder `accord new` wrote",
                )
                .with_help("write one or two sentences about this record in its place"),
            );
        }
        if let Some(at) = split.body.find(p.body.as_str()) {
            let pos = Pos::of_offset(split.body, at);
            f.diags.push(
                Diagnostic::warning(
                    Code::Placeholder,
                    path,
                    Pos::new(split.body_line + pos.line - 1, pos.col),
                    "the body still holds the placeholder `accord new` wrote",
                )
                .with_help("write the record in its place, or delete the line"),
            );
        }
    }
}

/// The slug written, or the file's name: a bad one is reported at the value, or at
/// the start of the file for a file name.
fn take_slug(f: &mut Fields<'_>, stem: &str) -> String {
    let written = f.has("slug");
    let pos = if written {
        f.value_pos("slug", &[])
    } else {
        Pos::new(1, 1)
    };
    let slug: String = f.take("slug").unwrap_or_else(|| stem.to_string());
    if let Err(why) = crate::paths::check_slug(&slug) {
        f.error(
            Code::InvalidSlug,
            pos,
            format!("the slug `{}` {why}", slug.escape_debug()),
            Some("a slug is one URL segment: letters, digits, `-` and `_`".into()),
        );
    }
    slug
}

fn take_extra(f: &mut Fields<'_>) -> serde_json::Value {
    match f.take_value("extra") {
        None => serde_json::Value::Object(Default::default()),
        Some(v @ Value::Mapping(_)) => {
            serde_json::to_value(&v).unwrap_or(serde_json::Value::Object(Default::default()))
        }
        Some(_) => {
            let pos = f.value_pos("extra", &[]);
            f.error(
                Code::WrongType,
                pos,
                "`extra` must be a mapping of `key: value`",
                None,
            );
            serde_json::Value::Null
        }
    }
}

fn program(f: &mut Fields<'_>, registry: &Registry) -> Program {
    let code: Option<String> = f.take("code");
    let status = take_enum::<Status>(f, "status", "planned, ongoing, completed");
    amounts_are_numbers(f, "budget", &["total", "spent"], true);
    let budget: Option<Budget> = f.take("budget");
    if let Some(b) = &budget {
        budget_unit(f, b);
    }
    let amounts = budget.iter().flat_map(|b| {
        let years = b
            .by_year
            .iter()
            .map(|(y, a)| (vec!["by_year".into(), Seg::Key(y.to_string())], *a));
        (b.total.map(|a| (vec!["total".into()], a)).into_iter())
            .chain(b.spent.map(|a| (vec!["spent".into()], a)))
            .chain(years)
    });
    check_finite(f, "budget", amounts);
    let raw_pairs: Vec<Vec<String>> = f.take("pairs").unwrap_or_default();
    let mut pairs = Vec::new();
    for (i, pair) in raw_pairs.iter().enumerate() {
        if pair.len() != 2 {
            let pos = f.value_pos("pairs", &[i.into()]);
            f.error(
                Code::InvalidValue,
                pos,
                format!(
                    "a pair names exactly two cities, this one has {}",
                    pair.len()
                ),
                Some("write `pairs: [[北九州市, 上海市], [川崎市, 瀋陽市]]`".into()),
            );
            continue;
        }
        let a = resolve_city(f, registry, &pair[0], "pairs", &[i.into(), 0.into()]);
        let b = resolve_city(f, registry, &pair[1], "pairs", &[i.into(), 1.into()]);
        if let (Some(a), Some(b)) = (a, b) {
            pairs.push([a, b]);
        }
    }
    Program {
        code,
        status,
        budget: budget.map(Box::new),
        pairs,
    }
}

/// A budget's amounts are in `unit`, which must be given: a currency code, or a
/// unit of one (`백만원`, `千円`, `KRW m`). A unit of three Latin letters is taken as
/// a currency code and must be one.
fn budget_unit(f: &mut Fields<'_>, b: &Budget) {
    let unit = b.unit.as_deref().map(str::trim).unwrap_or_default();
    let amounts = b.total.is_some() || b.spent.is_some() || !b.by_year.is_empty();
    if unit.is_empty() && amounts {
        let pos = if b.unit.is_some() {
            f.value_pos("budget", &["unit".into()])
        } else {
            f.value_pos("budget", &[])
        };
        f.error(
            Code::InvalidCurrency,
            pos,
            "the budget has amounts but no `unit`: in which currency are they?",
            Some("add `unit:`, e.g. `unit: KRW`, `unit: 백만원` or `unit: 千円`".into()),
        );
        return;
    }
    let code_like = unit.len() == 3 && unit.bytes().all(|c| c.is_ascii_alphabetic());
    if code_like && let Err(p) = crate::codes::check_currency(unit) {
        let pos = f.value_pos("budget", &["unit".into()]);
        f.error(Code::InvalidCurrency, pos, p.message, Some(p.help));
    }
}

fn trip(f: &mut Fields<'_>) -> Trip {
    let travelers: Option<u32> = f.take("travelers");
    let purpose: Option<String> = f.take("purpose");
    amounts_are_numbers(f, "cost", &["amount"], false);
    let cost: Option<Cost> = f.take("cost");
    if let Some(Err(p)) = cost
        .as_ref()
        .map(|c| crate::codes::check_currency(&c.currency))
    {
        let pos = f.value_pos("cost", &["currency".into()]);
        f.error(Code::InvalidCurrency, pos, p.message, Some(p.help));
    }
    check_finite(
        f,
        "cost",
        cost.iter().map(|c| (vec!["amount".into()], c.amount)),
    );
    Trip {
        travelers,
        purpose,
        cost: cost.map(Box::new),
    }
}

fn workshop(f: &mut Fields<'_>) -> Workshop {
    let venue: Option<String> = f.take("venue");
    let format = take_enum::<Format>(f, "format", "workshop, forum, seminar, conference");
    let participants = take_strings(f, "participants");
    let participants = participants.iter().map(ToString::to_string).collect();
    Workshop {
        venue,
        format,
        participants,
    }
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
            let pos = f.value_pos(key, &[]);
            let msg = if text.is_empty() {
                format!("`{key}` must be a date")
            } else {
                msg
            };
            f.error(
                Code::InvalidDate,
                pos,
                format!("field `{key}`: {msg}"),
                Some(help.into()),
            );
            None
        }
    }
}

/// The amounts of `key` (its `fields`, and the years of its `by_year` when `years`)
/// are numbers: one written as text (`1,234`, `"475"`) is reported at its place, with
/// the number meant when there is one; `key` is then left out, to be reported once.
fn amounts_are_numbers(f: &mut Fields<'_>, key: &str, fields: &[&str], years: bool) {
    let Some(Value::Mapping(map)) = f.peek(key) else {
        return;
    };
    let mut found: Vec<(Vec<Seg>, String)> = Vec::new();
    let mut look = |path: Vec<Seg>, v: &Value| match v {
        Value::Number(_) | Value::Null => {}
        Value::String(s) => found.push((path, s.clone())),
        other => found.push((path, serde_yaml::to_string(other).unwrap_or_default())),
    };
    for field in fields {
        if let Some(v) = map.get(*field) {
            look(vec![Seg::from(*field)], v);
        }
    }
    if let Some(Value::Mapping(by_year)) = map.get("by_year").filter(|_| years) {
        for (year, v) in by_year {
            let year = match year {
                Value::Number(n) => n.to_string(),
                Value::String(s) => s.clone(),
                _ => continue,
            };
            look(vec!["by_year".into(), Seg::Key(year)], v);
        }
    }
    if found.is_empty() {
        return;
    }
    for (path, text) in found {
        let pos = f.value_pos(key, &path);
        let digits: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, ',' | '_' | ' ' | '\u{a0}'))
            .collect();
        let help = match digits.parse::<f64>() {
            Ok(n) if n.is_finite() => format!(
                "write it as a number, without separators or quotes: `{n}`; the page adds the separators"
            ),
            _ => "write the amount as a number, e.g. `475` or `12.5`, and its currency or unit in `currency` or `unit`".into(),
        };
        let name = match path.as_slice() {
            [Seg::Key(by_year), Seg::Key(year)] => format!("{by_year}: {year}"),
            [Seg::Key(k)] => k.clone(),
            _ => key.to_string(),
        };
        f.error(
            Code::InvalidValue,
            pos,
            format!("`{name}` of `{key}` is not a number: `{}`", text.trim()),
            Some(help),
        );
    }
    f.drop_key(key);
}

/// Amounts are numbers: `.nan` and `.inf` are YAML numbers, but not amounts. The
/// first that is not is reported, at its place (`rest` inside the value of `key`).
fn check_finite(f: &mut Fields<'_>, key: &str, mut amounts: impl Iterator<Item = (Vec<Seg>, f64)>) {
    if let Some((rest, _)) = amounts.find(|(_, a)| !a.is_finite()) {
        let pos = f.value_pos(key, &rest);
        f.error(
            Code::InvalidValue,
            pos,
            format!("`{key}` holds an amount that is not a finite number (.nan or .inf)"),
            Some("write the amount as digits, e.g. `475` or `12.5`".into()),
        );
    }
}

fn take_strings(f: &mut Fields<'_>, key: &str) -> Vec<Name> {
    let value = f.take_value(key);
    match value {
        None => Vec::new(),
        // One string where a list is expected is taken as a list of one.
        Some(Value::String(s)) => vec![s.trim().into()],
        Some(v) => match serde_yaml::from_value::<Vec<String>>(v) {
            Ok(list) => list
                .iter()
                .map(|s| Name::from(s.trim()))
                .filter(|s| !s.is_empty())
                .collect(),
            Err(_) => {
                let pos = f.value_pos(key, &[]);
                f.error(
                    Code::WrongType,
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
            let pos = f.value_pos(key, &[]);
            let near = crate::diag::did_you_mean(&shown, allowed.split(", "));
            let help = match near {
                Some(h) => format!("{h} (allowed: {allowed})"),
                None => format!("allowed values: {allowed}"),
            };
            f.error(
                Code::InvalidValue,
                pos,
                format!("`{shown}` is not a valid `{key}`"),
                Some(help),
            );
            None
        }
    }
}

/// The city `name`, written at `rest` inside the value of `key`; an unknown one is
/// reported there.
fn resolve_city(
    f: &mut Fields<'_>,
    registry: &Registry,
    name: &str,
    key: &str,
    rest: &[Seg],
) -> Option<CityId> {
    if let Some(id) = registry.resolve(name) {
        return Some(id);
    }
    if f.is_full() {
        f.skip();
        return None;
    }
    let pos = f.value_pos(key, rest);
    let near = registry.suggest(name);
    let add = format!(
        "a new city needs an entry in {REGISTRY_FILE} (`id: {{name: {{ko: …, en: …, ja: …, zh: …}}, country: KR}}`); another spelling of a known city goes in its `aliases`"
    );
    let help = if near.is_empty() {
        add
    } else {
        format!("did you mean {}? Otherwise: {add}", near.join(" or "))
    };
    f.error(
        Code::UnknownCity,
        pos,
        format!("unknown city `{name}`"),
        Some(help),
    );
    None
}

fn take_sources(f: &mut Fields<'_>, record_path: &Path) -> Vec<Source> {
    let raw: Vec<RawSource> = f.take("sources").unwrap_or_default();
    let mut out = Vec::new();
    // Files are copied beside the record's page under their own name: two of the same
    // name (on a case-insensitive disk too), or one named like the page, collide.
    let mut copied: BTreeMap<String, String> = BTreeMap::new();
    copied.insert("index.html".into(), "the record's page".into());
    for (i, s) in raw.into_iter().enumerate() {
        let target = match (&s.url, &s.file) {
            (Some(url), None) => source_url(url)
                .map(SourceTarget::Url)
                .map_err(|e| ("url", e)),
            (None, Some(file)) => source_file(file, record_path, &mut copied)
                .map(SourceTarget::File)
                .map_err(|e| ("file", e)),
            _ => Err((
                "",
                SourceError(
                    Code::InvalidSource,
                    "a source has either `url` or `file`".into(),
                    Some("write `sources: [{title: 보도자료, url: https://…}]`"),
                ),
            )),
        };
        match target {
            Ok(target) => out.push(Source {
                title: s.title,
                target,
            }),
            Err((field, SourceError(code, message, help))) => {
                let mut at = vec![Seg::from(i)];
                if !field.is_empty() {
                    at.push(Seg::from(field));
                }
                let pos = f.value_pos("sources", &at);
                f.error(code, pos, message, help.map(String::from));
            }
        }
    }
    out
}

/// Why a source cannot be used: its code, message and help.
struct SourceError(Code, String, Option<&'static str>);

fn source_url(url: &str) -> Result<String, SourceError> {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        Ok(url.trim().to_string())
    } else {
        Err(SourceError(
            Code::InvalidUrl,
            format!("source url `{url}` must start with http:// or https://"),
            None,
        ))
    }
}

/// The file types (extensions, in lower case) published as attachments: documents,
/// images and archives a browser does not run. HTML, SVG, XML, scripts and anything
/// unlisted could run script on the site's origin, and are refused.
pub const ATTACHMENT_TYPES: &[&str] = &[
    "pdf", "png", "jpg", "jpeg", "gif", "webp", "avif", "doc", "docx", "xls", "xlsx", "ppt",
    "pptx", "odt", "ods", "odp", "hwp", "hwpx", "csv", "txt", "zip",
];

pub(crate) const ATTACHMENT_HELP: &str = "attachments may be PDF, images (png, jpg, jpeg, gif, webp, avif; not SVG), \
     office documents (doc, docx, xls, xlsx, ppt, pptx, odt, ods, odp, hwp, hwpx), \
     csv, txt or zip; link anything else with `url`";

/// Whether `name` ends with one of `ATTACHMENT_TYPES`, in any case.
pub(crate) fn is_attachment_type(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && ATTACHMENT_TYPES.contains(&ext.to_ascii_lowercase().as_str())
    })
}

/// The path of a source file, relative to the site root, if it is one accord copies.
fn source_file(
    file: &str,
    record_path: &Path,
    copied: &mut BTreeMap<String, String>,
) -> Result<PathBuf, SourceError> {
    let dir = record_path.parent().unwrap_or(Path::new(""));
    let absolute = file.starts_with(['/', '\\']) || file.as_bytes().get(1) == Some(&b':');
    let invalid =
        |message: String, help| Err(SourceError(Code::InvalidSource, message, Some(help)));
    match crate::paths::join_relative(dir, file) {
        _ if absolute => invalid(
            format!("source file `{file}` must be a path relative to the record"),
            "put the file next to the record and write its name",
        ),
        Some(p) if p.starts_with(crate::source::CONTENT_DIR) => {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !is_attachment_type(&name) {
                return Err(SourceError(
                    Code::InvalidSource,
                    format!("source file `{file}` is not a type accord publishes"),
                    Some(ATTACHMENT_HELP),
                ));
            }
            let key = crate::paths::fold(&name);
            if let Some(other) = copied.get(&key) {
                return Err(SourceError(
                    Code::OutputCollision,
                    format!(
                        "source file `{file}` would be published under the same name as {other}"
                    ),
                    Some("rename one of the files"),
                ));
            }
            copied.insert(key, format!("`{file}`"));
            Ok(p)
        }
        _ => invalid(
            format!("source file `{file}` is outside content/"),
            "put the file next to the record",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record of `front` (with a title, a date and a city).
    fn record_of(front: &str) -> Record {
        let file = SourceFile {
            rel_path: PathBuf::from("content/programs/p.md"),
            kind: Kind::Program,
            stem: "p".into(),
            text: format!("---\ntitle: P\ndate: 2014\ncities: [서울]\n{front}---\nBody.\n"),
        };
        let registry = Registry::parse("seoul:\n  name: {ko: 서울}\n  country: KR\n").unwrap();
        let config = Config::parse(Path::new(""), "").unwrap();
        let (record, diags) = parse(&file, &registry, &config);
        assert!(diags.is_empty(), "{diags:?}");
        record.expect("the record is read")
    }

    #[test]
    fn a_boxed_record_takes_an_allocation_of_320_bytes_at_most() {
        // Every record is held boxed for the whole build (`Records`): the allocator
        // gives 320 bytes to anything of 257 to 320, and 384 to anything of 321 to
        // 384, which at a million records is 61 MiB more.
        let size = std::mem::size_of::<Record>();
        assert!(size <= 320, "a record takes {size} bytes");
    }

    #[test]
    fn the_fields_few_records_give_are_boxed_only_when_given() {
        let plain = record_of("");
        assert!(plain.rare.is_none());
        assert!(plain.sources().is_empty() && plain.aliases().is_empty());
        assert_eq!(plain.extra(), &serde_json::json!({}));
        assert_eq!((plain.updated(), plain.history()), (None, None));

        let given = record_of("aliases: [old/p/]\nextra: {n: 1}\nupdated: 2020-01-02\n");
        assert!(given.rare.is_some());
        assert_eq!(given.aliases(), ["old/p/"]);
        assert_eq!(given.extra(), &serde_json::json!({"n": 1}));
        assert_eq!(given.updated().map(|d| d.year), Some(2020));

        let mut dated = plain.clone();
        let dates = crate::history::FileDates {
            added: 1,
            changed: 2,
        };
        dated.set_history(Some(dates));
        assert_eq!(dated.history(), Some(dates));
        assert!(dated.sources().is_empty());
        dated.set_history(None);
        assert!(dated.rare.is_none());
    }

    #[test]
    fn every_field_of_the_front_matter_has_a_schema() {
        let registry = Registry::default();
        for kind in Kind::ALL {
            let schema = crate::schema::front_matter(kind, &registry);
            let props = schema["properties"].as_object().unwrap();
            let mut expected: Vec<&str> = COMMON_FIELDS.to_vec();
            expected.extend(kind.own_fields());
            let mut have: Vec<&str> = props.keys().map(String::as_str).collect();
            expected.sort_unstable();
            have.sort_unstable();
            assert_eq!(have, expected, "{kind:?}");
        }
    }

    #[test]
    fn attachment_types_are_listed_in_the_help_and_matched_in_any_case() {
        for ext in ATTACHMENT_TYPES {
            assert!(ATTACHMENT_HELP.to_lowercase().contains(ext), "{ext}");
        }
        for ok in ["a.pdf", "scan.JPEG", "표.hwpx", "data.Csv"] {
            assert!(is_attachment_type(ok), "{ok}");
        }
        for refused in [
            "a.html", "a.htm", "a.svg", "A.SVG", "a.js", "a.xml", "pdf", ".pdf", "a",
        ] {
            assert!(!is_attachment_type(refused), "{refused}");
        }
    }

    #[test]
    fn a_body_read_again_is_the_one_parsed_unless_the_file_changed() {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/views");
        let tmp = tempfile::tempdir().unwrap();
        for entry in walkdir::WalkDir::new(&fixture)
            .into_iter()
            .map(Result::unwrap)
        {
            let to = tmp
                .path()
                .join(entry.path().strip_prefix(&fixture).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&to).unwrap();
            } else {
                std::fs::copy(entry.path(), &to).unwrap();
            }
        }
        let root = tmp.path();
        let config = Config::load(root).unwrap();
        let registry = Registry::load(root).unwrap();
        let (sources, listed) = crate::source::list(root);
        let records: Vec<Record> = (listed.iter())
            .filter_map(|l| read(&l.read().unwrap(), &registry, &config).record)
            .collect();
        assert!(records.len() > 1);
        let in_files = Markdown::InFiles(&sources);
        for r in &records {
            assert!(!r.body.is_empty(), "{}", r.source.display());
            assert_eq!(in_files.body(r).unwrap(), r.body);
            assert_eq!(Markdown::Held.body(r).unwrap(), r.body);
        }
        let edited = &records[0];
        let mut text = std::fs::read_to_string(root.join(&edited.source)).unwrap();
        text.push_str("\nOne more paragraph.\n");
        std::fs::write(root.join(&edited.source), text).unwrap();
        let d = in_files.body(edited).unwrap_err();
        assert_eq!(
            (d.code, d.path.as_path()),
            (Code::Read, edited.source.as_path())
        );
        assert_eq!(in_files.body(&records[1]).unwrap(), records[1].body);
    }

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
