//! What `read` made of each record file, kept between builds in the build cache
//! (`cache::Blobs`, folder `records/`): the record without its body (read again from
//! the file only when it is rendered, see `site`) and the warnings its front matter gave,
//! under the file's path with a key. The key is a hash of everything `read` reads:
//! the file's path and bytes (so that an unchanged file is not even decoded), the
//! configuration, the city registry (the names and
//! aliases a city is resolved by, and the hints for an unknown one), accord's version
//! and `FORMAT`. A blob is taken only under the same key, so that a build with the
//! cache has the records and warnings of a build without it. Only files that gave a
//! record are kept: one that did not gives an error, and a build with an error keeps
//! nothing.
//!
//! A blob also holds the hash of the file's bytes and the file's signature (its
//! device, inode, size and times of modification and change, as the system gave them
//! before the file was read), as git's index does: a file whose signature is the
//! blob's is not read again, its key made of the hash the blob holds. Writing a file
//! changes its time of change, which no program sets back, so a file changed since
//! has another signature. A file changed within `RECENT` seconds of the build's start
//! is read whatever its signature, and its blob holds none: a change within the same
//! tick of the file system's clock could leave the times as they were; the first
//! build that finds the file older keeps its blob again with its signature. A file
//! with another signature than its blob's (touched, copied, or in a fresh clone) is
//! read, found in the cache by its bytes, and its blob kept as it is: a CI's fresh
//! clone, whose files all have new signatures, would otherwise write the whole cache
//! anew at every build.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::cache::{
    Blobs, KeyHasher, Mode, Reader, Staged, put_opt, put_severity_code, put_str, put_varint,
};
use crate::config::Config;
use crate::date::PartialDate;
use crate::diag::{Diagnostic, Pos};
use crate::kind::Kind;
use crate::names::Name;
use crate::registry::Registry;
use crate::relations::{Links, Reference};
use crate::source::Listed;

use super::{
    Budget, Cost, Details, Format, Parsed, Program, Rare, Record, Source, SourceTarget, Status,
    Trip, Workshop,
};

/// Changes whenever what is kept of a record does (a field added, a check changed)
/// without a change of accord's version: the blobs of another are not taken.
const FORMAT: u64 = 3;

/// The folder of the blobs in the build cache.
const RECORDS: &str = "records";

/// A file modified or changed within this many seconds of a build's start is read
/// whatever its signature, and kept without one: twice the coarsest clock of the
/// file systems in use (FAT's two seconds), so that a change after the build read it
/// always gives another time.
const RECENT: i64 = 4;

/// The parsed record files of the last build, and those of this one.
pub struct Memo {
    blobs: Blobs,
    /// A hash of the configuration and the registry: the part of every key that is
    /// the same for every file.
    context: u64,
    /// The second (since the Unix epoch) from which a file is recent (`RECENT`).
    recent_from: i64,
    /// Files known by their signature, not read.
    unread: AtomicUsize,
}

/// What a blob holds before the record: the signature of the file it was made of
/// (taken before the file was read; 0 for none) and the hash and length of its bytes.
struct Head {
    signature: u64,
    bytes: (u64, u64),
}

impl Head {
    const LEN: usize = 24;

    /// The head of `blob`, and the rest.
    fn split(blob: &[u8]) -> Option<(Head, &[u8])> {
        let (head, rest) = blob.split_at_checked(Head::LEN)?;
        let word = |i: usize| {
            let bytes = head[i * 8..(i + 1) * 8].try_into().expect("8 bytes");
            u64::from_le_bytes(bytes)
        };
        let head = Head {
            signature: word(0),
            bytes: (word(1), word(2)),
        };
        Some((head, rest))
    }

    /// A blob of this head and `rest`.
    fn with(&self, rest: &[u8]) -> Vec<u8> {
        let mut blob = Vec::with_capacity(Head::LEN + rest.len());
        for word in [self.signature, self.bytes.0, self.bytes.1] {
            blob.extend_from_slice(&word.to_le_bytes());
        }
        blob.extend_from_slice(rest);
        blob
    }
}

impl Memo {
    /// No cache: every file is read.
    pub fn off() -> Memo {
        Memo {
            blobs: Blobs::off(),
            context: 0,
            recent_from: 0,
            unread: AtomicUsize::new(0),
        }
    }

    /// The blobs of the site at `root`, read unless `mode` says not to; those made
    /// are kept only if `write`. The records are read with `config` and `registry`.
    pub fn open(
        root: &Path,
        mode: Mode,
        write: bool,
        config: &Config,
        registry: &Registry,
    ) -> Memo {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        Memo {
            blobs: Blobs::open(root, mode, RECORDS, write),
            context: context_key(config, registry),
            recent_from: now.map_or(i64::MAX, |d| d.as_secs() as i64 - RECENT),
            unread: AtomicUsize::new(0),
        }
    }

    /// What `super::read` makes of the record file `listed` (with the configuration
    /// and registry the memo was opened with), its record without its body: from the
    /// cache when it is there (the file's bytes are then never decoded), else read
    /// (and kept, when it gave a record). From any thread. An error if the file
    /// cannot be read or decoded.
    pub fn read(
        &self,
        listed: &Listed,
        registry: &Registry,
        config: &Config,
    ) -> Result<Parsed, Diagnostic> {
        let path = listed.rel_path.as_path();
        let cached = self.blobs.reads() || self.blobs.keeps();
        // Taken before the file is read: a file changed after it is not taken for
        // what was read.
        let signature = cached.then(|| self.signature(listed)).flatten();
        if let Some(signature) = signature
            && let Some(parsed) = self.blobs.get_any_with(path, |key, blob| {
                let (head, rest) = Head::split(blob)?;
                let same = head.signature == signature && key == self.key(path, head.bytes);
                same.then(|| decode(rest, path))?
            })
        {
            self.unread.fetch_add(1, Ordering::Relaxed);
            return Ok(parsed);
        }
        let bytes = listed.read_bytes()?;
        let head = Head {
            signature: signature.unwrap_or(0),
            bytes: (crate::hash::bytes(&bytes), bytes.len() as u64),
        };
        let key = cached.then(|| self.key(path, head.bytes));
        if let Some(key) = key
            && let Some((parsed, resigned)) = self.blobs.get_with(path, key, |blob| {
                let (was, rest) = Head::split(blob)?;
                let parsed = decode(rest, path)?;
                // A blob made of a recent file is kept again with the signature the
                // file has now; one with another signature is not (see the module's
                // comment).
                let resigned = (was.signature == 0 && head.signature != 0).then(|| head.with(rest));
                Some((parsed, resigned))
            })
        {
            if let Some(blob) = resigned {
                self.blobs.put(path, key, &blob);
            }
            return Ok(parsed);
        }
        let file = listed.decoded(bytes)?;
        let mut parsed = super::read(&file, registry, config);
        if let Some(r) = &mut parsed.record {
            r.body = String::new();
            if let Some(key) = key
                && self.blobs.keeps()
            {
                self.blobs
                    .put(path, key, &head.with(&encode(r, &parsed.diags)));
            }
        }
        Ok(parsed)
    }

    /// The key of the blob of the file at `path` whose bytes have the hash and
    /// length `bytes`.
    fn key(&self, path: &Path, (hash, len): (u64, u64)) -> u64 {
        let mut k = KeyHasher::new();
        k.u64(FORMAT);
        k.u64(self.context);
        k.str(&path.to_string_lossy());
        k.u64(hash);
        k.u64(len);
        k.finish()
    }

    /// The signature of the file `listed` (`Head::signature`): a hash of its device,
    /// inode, size and times of modification and change, none when it was modified
    /// or changed within `RECENT` seconds of this build's start (a later change
    /// within the same tick of the clock could leave them as they are), or it is not
    /// a regular file.
    #[cfg(unix)]
    fn signature(&self, listed: &Listed) -> Option<u64> {
        use std::os::unix::fs::MetadataExt;
        let m = listed.metadata().ok().filter(std::fs::Metadata::is_file)?;
        if m.mtime().max(m.ctime()) >= self.recent_from {
            return None;
        }
        let mut k = KeyHasher::new();
        k.u64(m.dev());
        k.u64(m.ino());
        k.u64(m.size());
        for (seconds, nanoseconds) in [(m.mtime(), m.mtime_nsec()), (m.ctime(), m.ctime_nsec())] {
            k.u64(seconds as u64);
            k.u64(nanoseconds as u64);
        }
        // Never 0, the signature of a file that has none.
        Some(k.finish() | 1)
    }

    /// Without a device and an inode, a file is always read.
    #[cfg(not(unix))]
    fn signature(&self, _listed: &Listed) -> Option<u64> {
        None
    }

    /// How many files' records were taken from the cache.
    pub fn hits(&self) -> usize {
        self.blobs.hits()
    }

    /// How many files (of `hits`) were known by their signature, and not read.
    pub fn unread(&self) -> usize {
        self.unread.load(Ordering::Relaxed)
    }

    /// The warning about the files of the cache that were ignored, if any.
    pub fn warning(&self) -> Option<Diagnostic> {
        self.blobs.warning("the record files are read again")
    }

    /// Writes the files that changed, for `Staged::commit` (`cache::Blobs::stage`).
    pub fn stage(self) -> Result<Option<Staged>, Diagnostic> {
        self.blobs.stage()
    }
}

/// A hash of what `read` reads besides the file: the configuration (but where the
/// site is) and the cities of the registry, in order (a city is known by its place in
/// the list), each with everything it is read with.
fn context_key(config: &Config, registry: &Registry) -> u64 {
    let config = Config {
        root: PathBuf::new(),
        ..config.clone()
    };
    let mut k = KeyHasher::new();
    k.str(&format!("{config:?}"));
    k.str(&format!("{:?}", registry.cities));
    k.finish()
}

// ------------------------------------------------------------------- the codec

/// A record (without its body and dates from the history, which `read` never sets)
/// and the warnings of its file.
fn encode(r: &Record, diags: &[Diagnostic]) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    let o = &mut out;
    o.push(kind_byte(r.kind));
    put_str(o, &r.slug);
    put_str(o, &r.title);
    put_date(o, r.date);
    put_opt_date(o, r.end);
    put_varint(o, r.cities.len() as u64);
    for c in &r.cities {
        put_varint(o, *c as u64);
    }
    for list in [&r.organizers, &r.partners, &r.tags] {
        put_varint(o, list.len() as u64);
        for name in list {
            put_str(o, name);
        }
    }
    put_str(o, &r.lang);
    put_opt(o, r.summary.as_deref());
    o.push(u8::from(r.draft));
    put_varint(o, r.sources().len() as u64);
    for s in r.sources() {
        put_source(o, s);
    }
    put_json(o, r.extra());
    put_opt_date(o, r.updated());
    put_strs(o, r.aliases());
    put_details(o, &r.details);
    put_links(o, r.links());
    put_varint(o, r.body_line as u64);
    o.extend_from_slice(&r.body_hash.to_le_bytes());
    o.extend_from_slice(&r.source_hash.to_le_bytes());
    put_varint(o, diags.len() as u64);
    for d in diags {
        put_diagnostic(o, d);
    }
    out
}

/// What `encode` wrote, for `file`; `None` when the bytes are not what it writes.
fn decode(bytes: &[u8], path: &Path) -> Option<Parsed> {
    let r = &mut Reader::new(bytes);
    let kind = byte_kind(r.byte()?)?;
    let slug = r.str()?;
    let title = r.str()?;
    let date = get_date(r)?;
    let end = get_opt_date(r)?;
    let cities = r.list(Reader::usize)?;
    let organizers = r.list(get_name)?;
    let partners = r.list(get_name)?;
    let tags = r.list(get_name)?;
    let lang = get_name(r)?;
    let summary = r.opt()?;
    let draft = get_bool(r)?;
    let sources = r.list(get_source)?;
    let extra = get_json(r, 0)?;
    let updated = get_opt_date(r)?;
    let aliases = r.list(Reader::str)?;
    let details = get_details(r, kind)?;
    let links = get_links(r)?.boxed();
    let body_line = u32::try_from(r.usize()?).ok()?;
    let body_hash = r.u64()?;
    let source_hash = r.u64()?;
    let diags = r.list(get_diagnostic)?;
    if !r.done() {
        return None;
    }
    let record = Record {
        kind,
        source: path.to_path_buf(),
        slug,
        title,
        date,
        end,
        cities: cities.into(),
        organizers: organizers.into(),
        partners: partners.into(),
        tags: tags.into(),
        lang,
        summary,
        draft,
        rare: Rare {
            sources,
            extra,
            updated,
            aliases,
            history: None,
        }
        .boxed(),
        details,
        links,
        body: String::new(),
        body_line,
        body_hash,
        source_hash,
    };
    Some(Parsed {
        record: Some(record),
        diags,
        partial: None,
    })
}

fn kind_byte(kind: Kind) -> u8 {
    match kind {
        Kind::Program => 0,
        Kind::Trip => 1,
        Kind::Workshop => 2,
    }
}

fn byte_kind(b: u8) -> Option<Kind> {
    Kind::ALL.into_iter().find(|k| kind_byte(*k) == b)
}

fn get_bool(r: &mut Reader<'_>) -> Option<bool> {
    match r.byte()? {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

/// `Some(x)` as 1 and `x`, `None` as 0.
fn put_option<T>(o: &mut Vec<u8>, v: Option<T>, put: impl FnOnce(&mut Vec<u8>, T)) {
    match v {
        None => o.push(0),
        Some(v) => {
            o.push(1);
            put(o, v);
        }
    }
}

fn get_option<'a, T>(
    r: &mut Reader<'a>,
    get: impl FnOnce(&mut Reader<'a>) -> Option<T>,
) -> Option<Option<T>> {
    if get_bool(r)? {
        get(r).map(Some)
    } else {
        Some(None)
    }
}

fn put_strs(o: &mut Vec<u8>, list: &[String]) {
    put_varint(o, list.len() as u64);
    for s in list {
        put_str(o, s);
    }
}

fn get_name(r: &mut Reader<'_>) -> Option<Name> {
    r.str().map(Name::from)
}

fn put_i64(o: &mut Vec<u8>, n: i64) {
    o.extend_from_slice(&n.to_le_bytes());
}

fn get_i64(r: &mut Reader<'_>) -> Option<i64> {
    r.u64().map(|n| n as i64)
}

fn put_f64(o: &mut Vec<u8>, n: f64) {
    o.extend_from_slice(&n.to_bits().to_le_bytes());
}

fn get_f64(r: &mut Reader<'_>) -> Option<f64> {
    r.u64().map(f64::from_bits)
}

fn put_date(o: &mut Vec<u8>, d: PartialDate) {
    put_i64(o, i64::from(d.year));
    o.extend([d.month.unwrap_or(0), d.day.unwrap_or(0)]);
}

fn get_date(r: &mut Reader<'_>) -> Option<PartialDate> {
    let year = i32::try_from(get_i64(r)?).ok()?;
    let part = |b: u8| (b != 0).then_some(b);
    Some(PartialDate {
        year,
        month: part(r.byte()?),
        day: part(r.byte()?),
    })
}

fn put_opt_date(o: &mut Vec<u8>, d: Option<PartialDate>) {
    put_option(o, d, put_date);
}

fn get_opt_date(r: &mut Reader<'_>) -> Option<Option<PartialDate>> {
    get_option(r, get_date)
}

fn put_source(o: &mut Vec<u8>, s: &Source) {
    put_str(o, &s.title);
    match &s.target {
        SourceTarget::Url(u) => {
            o.push(0);
            put_str(o, u);
        }
        SourceTarget::File(p) => {
            o.push(1);
            put_str(o, &p.to_string_lossy());
        }
    }
}

fn get_source(r: &mut Reader<'_>) -> Option<Source> {
    let title = r.str()?;
    let target = match r.byte()? {
        0 => SourceTarget::Url(r.str()?),
        1 => SourceTarget::File(PathBuf::from(r.str()?)),
        _ => return None,
    };
    Some(Source { title, target })
}

/// How deep a JSON value of `extra` may nest in a blob (the YAML reader stops far
/// earlier): deeper is corrupt.
const MAX_JSON_DEPTH: usize = 256;

/// A JSON value, its numbers as they are held (no text between, so none is rounded).
fn put_json(o: &mut Vec<u8>, v: &serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Null => o.push(0),
        Value::Bool(b) => o.push(1 + u8::from(*b)),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => {
                o.push(3);
                o.extend_from_slice(&u.to_le_bytes());
            }
            (None, Some(i)) => {
                o.push(4);
                put_i64(o, i);
            }
            _ => {
                o.push(5);
                put_f64(o, n.as_f64().unwrap_or(f64::NAN));
            }
        },
        Value::String(s) => {
            o.push(6);
            put_str(o, s);
        }
        Value::Array(items) => {
            o.push(7);
            put_varint(o, items.len() as u64);
            for item in items {
                put_json(o, item);
            }
        }
        Value::Object(map) => {
            o.push(8);
            put_varint(o, map.len() as u64);
            for (k, item) in map {
                put_str(o, k);
                put_json(o, item);
            }
        }
    }
}

fn get_json(r: &mut Reader<'_>, depth: usize) -> Option<serde_json::Value> {
    use serde_json::Value;
    if depth > MAX_JSON_DEPTH {
        return None;
    }
    Some(match r.byte()? {
        0 => Value::Null,
        1 => Value::Bool(false),
        2 => Value::Bool(true),
        3 => Value::from(r.u64()?),
        4 => Value::from(get_i64(r)?),
        5 => Value::Number(serde_json::Number::from_f64(get_f64(r)?)?),
        6 => Value::String(r.str()?),
        7 => Value::Array(r.list(|r| get_json(r, depth + 1))?),
        8 => Value::Object(
            r.list(|r| Some((r.str()?, get_json(r, depth + 1)?)))?
                .into_iter()
                .collect(),
        ),
        _ => return None,
    })
}

fn put_details(o: &mut Vec<u8>, details: &Details) {
    match details {
        Details::Program(p) => {
            put_opt(o, p.code.as_deref());
            put_option(o, p.status, |o, s| o.push(s as u8));
            put_option(o, p.budget.as_deref(), put_budget);
            put_varint(o, p.pairs.len() as u64);
            for [a, b] in &p.pairs {
                put_varint(o, *a as u64);
                put_varint(o, *b as u64);
            }
        }
        Details::Trip(t) => {
            put_option(o, t.travelers, |o, n| put_varint(o, u64::from(n)));
            put_opt(o, t.purpose.as_deref());
            put_option(o, t.cost.as_ref(), |o, c| {
                put_f64(o, c.amount);
                put_str(o, &c.currency);
            });
        }
        Details::Workshop(w) => {
            put_opt(o, w.venue.as_deref());
            put_option(o, w.format, |o, f| o.push(f as u8));
            put_strs(o, &w.participants);
        }
    }
}

fn put_budget(o: &mut Vec<u8>, b: &Budget) {
    put_opt(o, b.unit.as_deref());
    put_option(o, b.total, put_f64);
    put_option(o, b.spent, put_f64);
    put_varint(o, b.by_year.len() as u64);
    for (year, amount) in &b.by_year {
        put_i64(o, i64::from(*year));
        put_f64(o, *amount);
    }
}

fn get_details(r: &mut Reader<'_>, kind: Kind) -> Option<Details> {
    Some(match kind {
        Kind::Program => Details::Program(Program {
            code: r.opt()?,
            status: get_option(r, |r| {
                let b = r.byte()?;
                [Status::Planned, Status::Ongoing, Status::Completed]
                    .into_iter()
                    .find(|s| *s as u8 == b)
            })?,
            budget: get_option(r, get_budget)?.map(Box::new),
            pairs: r.list(|r| Some([r.usize()?, r.usize()?]))?,
        }),
        Kind::Trip => Details::Trip(Trip {
            travelers: get_option(r, |r| u32::try_from(r.varint()?).ok())?,
            purpose: r.opt()?,
            cost: get_option(r, |r| {
                Some(Cost {
                    amount: get_f64(r)?,
                    currency: r.str()?,
                })
            })?
            .map(Box::new),
        }),
        Kind::Workshop => Details::Workshop(Workshop {
            venue: r.opt()?,
            format: get_option(r, |r| {
                let b = r.byte()?;
                [
                    Format::Workshop,
                    Format::Forum,
                    Format::Seminar,
                    Format::Conference,
                ]
                .into_iter()
                .find(|f| *f as u8 == b)
            })?,
            participants: r.list(Reader::str)?,
        }),
    })
}

fn get_budget(r: &mut Reader<'_>) -> Option<Budget> {
    Some(Budget {
        unit: r.opt()?,
        total: get_option(r, get_f64)?,
        spent: get_option(r, get_f64)?,
        by_year: r
            .list(|r| Some((i32::try_from(get_i64(r)?).ok()?, get_f64(r)?)))?
            .into_iter()
            .collect(),
    })
}

fn put_pos(o: &mut Vec<u8>, pos: Pos) {
    put_varint(o, pos.line as u64);
    put_varint(o, pos.col as u64);
}

fn get_pos(r: &mut Reader<'_>) -> Option<Pos> {
    Some(Pos::new(r.usize()?, r.usize()?))
}

fn put_reference(o: &mut Vec<u8>, reference: &Reference) {
    put_str(o, &reference.text);
    put_pos(o, reference.pos);
}

fn get_reference(r: &mut Reader<'_>) -> Option<Reference> {
    Some(Reference {
        text: r.str()?,
        pos: get_pos(r)?,
    })
}

fn put_links(o: &mut Vec<u8>, links: &Links) {
    put_option(o, links.program.as_ref(), put_reference);
    put_option(o, links.series.as_ref(), put_reference);
    put_option(o, links.number, |o, (n, pos)| {
        put_varint(o, u64::from(n));
        put_pos(o, pos);
    });
    put_varint(o, links.related.len() as u64);
    for reference in &links.related {
        put_reference(o, reference);
    }
}

fn get_links(r: &mut Reader<'_>) -> Option<Links> {
    Some(Links {
        program: get_option(r, get_reference)?,
        series: get_option(r, get_reference)?,
        number: get_option(r, |r| Some((u32::try_from(r.varint()?).ok()?, get_pos(r)?)))?,
        related: r.list(get_reference)?,
    })
}

fn put_diagnostic(o: &mut Vec<u8>, d: &Diagnostic) {
    put_str(o, &d.path.to_string_lossy());
    put_pos(o, Pos::new(d.line, d.col));
    put_severity_code(o, d.severity, d.code);
    put_str(o, &d.message);
    put_opt(o, d.help.as_deref());
}

fn get_diagnostic(r: &mut Reader<'_>) -> Option<Diagnostic> {
    let path = PathBuf::from(r.str()?);
    let pos = get_pos(r)?;
    let (severity, code) = r.severity_code()?;
    Some(Diagnostic {
        path,
        line: pos.line,
        col: pos.col,
        severity,
        message: r.str()?,
        help: r.opt()?,
        code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn file(text: &str) -> SourceFile {
        SourceFile {
            rel_path: PathBuf::from("content/programs/p.md"),
            kind: Kind::Program,
            stem: "p".into(),
            text: text.into(),
        }
    }

    /// The records of every record file of the site at `root`, read through a memo
    /// opened on its cache, with `recent_from` set (from the second since the Unix
    /// epoch `recent_from`, a file is recent), the cache written after; and how many
    /// of them were not read, known by their signature.
    #[cfg(unix)]
    fn read_all(root: &Path, recent_from: i64) -> (Vec<String>, usize) {
        read_all_with(root, recent_from, SEOUL)
    }

    #[cfg(unix)]
    const SEOUL: &str = "seoul:\n  name: {ko: 서울, en: Seoul}\n  country: KR\n";

    /// `read_all` with the city registry `registry`.
    #[cfg(unix)]
    fn read_all_with(root: &Path, recent_from: i64, registry: &str) -> (Vec<String>, usize) {
        let registry = Registry::parse(registry).unwrap();
        let config = Config::parse(Path::new(""), "").unwrap();
        let mut memo = Memo::open(root, Mode::Use, true, &config, &registry);
        memo.recent_from = recent_from;
        let (_, listed) = crate::source::list(root);
        let titles = (listed.iter())
            .map(|l| {
                let parsed = memo.read(l, &registry, &config).unwrap();
                parsed.record.expect("a record").title.to_string()
            })
            .collect();
        let unread = memo.unread();
        if let Some(staged) = memo.stage().unwrap() {
            staged.commit().unwrap();
        }
        (titles, unread)
    }

    /// Writes the record file of `title`, and writes it again until its time of
    /// change is not the one it had (the file system's clock may tick every few
    /// milliseconds: a build guards against that with `RECENT`, which these tests
    /// set aside).
    #[cfg(unix)]
    fn write_record(root: &Path, title: &str) {
        let dir = root.join("content/programs");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("p.md");
        let changed = |file: &Path| {
            use std::os::unix::fs::MetadataExt;
            let m = std::fs::metadata(file).ok()?;
            Some((m.mtime(), m.mtime_nsec(), m.ctime(), m.ctime_nsec()))
        };
        let before = changed(&file);
        let text = format!("---\ntitle: {title}\ndate: 2020-01\ncities: [Seoul]\n---\nBody.\n");
        std::fs::write(&file, &text).unwrap();
        while before.is_some() && changed(&file) == before {
            std::thread::sleep(std::time::Duration::from_millis(5));
            std::fs::write(&file, &text).unwrap();
        }
    }

    /// A site in a temporary folder, with the record file of `title`.
    #[cfg(unix)]
    fn site_of(title: &str) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        write_record(tmp.path(), title);
        tmp
    }

    /// A file whose signature is the one kept is not read; one written since, even
    /// with as many bytes, is read and parsed again.
    #[cfg(unix)]
    #[test]
    fn a_file_known_by_its_signature_is_not_read_and_a_written_one_is() {
        let tmp = site_of("One");
        let root = tmp.path();
        // Every file is old: no second is recent.
        let old = i64::MAX;
        assert_eq!(read_all(root, old), (vec!["One".to_string()], 0));
        assert_eq!(read_all(root, old), (vec!["One".to_string()], 1));
        // Another registry: another key, whatever the signature.
        let two = format!("busan:\n  name: {{ko: 부산, en: Busan}}\n  country: KR\n{SEOUL}");
        assert_eq!(read_all_with(root, old, &two), (vec!["One".to_string()], 0));
        assert_eq!(read_all_with(root, old, &two), (vec!["One".to_string()], 1));
        // The same number of bytes, another title: another time of change.
        write_record(root, "Two");
        assert_eq!(read_all(root, old), (vec!["Two".to_string()], 0));
        assert_eq!(read_all(root, old), (vec!["Two".to_string()], 1));
        // The file replaced by a copy of the same text (another inode), as in a fresh
        // clone: read, and found by its bytes, every time (its blob is not written
        // again for it).
        let file = root.join("content/programs/p.md");
        let copy = root.join("p.md.copy");
        std::fs::copy(&file, &copy).unwrap();
        std::fs::rename(&copy, &file).unwrap();
        let bucket = |root: &Path| {
            let dir = root.join(crate::cache::DIR).join(RECORDS);
            let files: Vec<_> = std::fs::read_dir(dir)
                .unwrap()
                .map(|f| f.unwrap().path())
                .collect();
            assert_eq!(files.len(), 1, "{files:?}");
            std::fs::read(&files[0]).unwrap()
        };
        let before = bucket(root);
        assert_eq!(read_all(root, old), (vec!["Two".to_string()], 0));
        assert_eq!(read_all(root, old), (vec!["Two".to_string()], 0));
        assert_eq!(bucket(root), before);
    }

    /// A file changed within `RECENT` seconds of a build's start is read whatever its
    /// signature, and kept without one: the next build reads it again.
    #[cfg(unix)]
    #[test]
    fn a_recent_file_is_read_every_time() {
        let tmp = site_of("One");
        let root = tmp.path();
        // Every file is recent.
        let recent = 0;
        assert_eq!(read_all(root, recent), (vec!["One".to_string()], 0));
        assert_eq!(read_all(root, recent), (vec!["One".to_string()], 0));
        // Once it is old, it is read once more (its blob has no signature), then not.
        assert_eq!(read_all(root, i64::MAX), (vec!["One".to_string()], 0));
        assert_eq!(read_all(root, i64::MAX), (vec!["One".to_string()], 1));
        // Recent again (a build within seconds of a save): read.
        assert_eq!(read_all(root, recent), (vec!["One".to_string()], 0));
    }

    /// A record of every field, and a warning, read back as `read` made it.
    #[test]
    fn a_record_and_its_warnings_are_read_back_as_they_were_made() {
        let registry = Registry::parse(
            "seoul:\n  name: {ko: 서울, en: Seoul}\n  country: KR\n\
             busan:\n  name: {ko: 부산, en: Busan}\n  country: KR\n",
        )
        .unwrap();
        let config = Config::parse(Path::new(""), "").unwrap();
        let text = "---\ntitle: \"A program\"\ndate: 2014-03\nend: 2016\n\
            cities: [서울, Busan]\norganizers: [A]\npartners: [B]\ntags: [t, u]\n\
            summary: Short.\nsources:\n  - {title: S, url: 'https://example.org/s'}\n\
            extra: {n: 1, f: 0.1, neg: -3, list: [true, null, x], map: {k: v}}\n\
            updated: 2020-01-02\naliases: [old/p]\ncode: P-1\nstatus: ongoing\n\
            budget: {unit: KRW, total: 1.5, by_year: {2014: 0.25}}\n\
            pairs: [[서울, 부산]]\nrelated: [other]\n---\n";
        // The placeholder of `accord new` left in the body: a warning.
        let placeholder = &crate::scaffold::placeholders().next().unwrap().body;
        let file = file(&format!("{text}Body.\n\n{placeholder}\n"));
        let made = super::super::read(&file, &registry, &config);
        let mut record = made.record.expect("the record is read");
        record.body = String::new();
        let bytes = encode(&record, &made.diags);
        let back = decode(&bytes, &file.rel_path).expect("decoded");
        assert_eq!(format!("{:?}", back.record.unwrap()), format!("{record:?}"));
        assert_eq!(made.diags.len(), 1, "{:?}", made.diags);
        assert_eq!(back.diags, made.diags);
        // Cut short, or with a byte more, it is not read.
        assert!(decode(&bytes[..bytes.len() - 1], &file.rel_path).is_none());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer, &file.rel_path).is_none());
    }
}
