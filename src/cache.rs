//! The build cache, `ROOT/.accord-cache/`: the rendered Markdown body of every record
//! and translation of the last build, so that the next build renders again only the
//! bodies that changed.
//!
//! A body is kept under its file's path with a key: a hash of its Markdown and of
//! everything its rendering reads besides the links (where its page is, the base path,
//! `allow_html`). It also keeps every link destination its rendering asked about and
//! the answer (a record's URL, an attachment's size, a broken link): a body is reused
//! only when its key is the same and every one of those questions, asked again of this
//! build's records and files, gets the same answer. So an edit of one record renders
//! that record only, and adding, renaming or deleting a record renders again exactly
//! the bodies that link to it. The problems of a body are kept with it, so a reused
//! body reports the same warnings.
//!
//! The bodies are packed into `BUCKETS` files by a hash of their path
//! (`bodies/00.bin` … `bodies/ff.bin`); each starts with a header (format, accord's
//! version and commit) and a checksum of the rest. A file of another version, or that
//! does not match its checksum or cannot be decoded, is ignored (one `build-cache`
//! warning for the build) and written anew. Only the files whose bodies changed are
//! written, each to a temporary file renamed over the old one once the build has
//! succeeded. Deleting the folder is always safe: the next build renders everything.
//!
//! Beside the bodies, `Blobs` (in `blobs`) keeps what a later step makes of one
//! source file alone under a key that step computes, in bucket files of the same
//! format: the search index keeps each record's terms, passages and snippets there,
//! and `content::memo` each record file's parsed front matter.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::bodies::Body;
use crate::diag::{Code, Diagnostic, Pos, Severity};
use crate::markdown::{LinkAction, Problem, Rendered};

mod blobs;
mod stream;

pub use blobs::Blobs;
pub use stream::{Chunks, Stream, StreamWriter};

/// The cache's folder, in the site's root.
pub const DIR: &str = ".accord-cache";
/// The folder of the bucket files, in `DIR`.
const BODIES: &str = "bodies";
/// Files the bodies are spread over, by a hash of their path.
pub const BUCKETS: usize = 256;
/// The first bytes of every bucket file.
const MAGIC: &[u8; 8] = b"ACCORD\x00C";
/// The layout of the bucket files; a file of another is ignored.
const FORMAT: u32 = 4;
/// The accord that wrote a file; a file of another is ignored.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " ", env!("ACCORD_COMMIT"));
/// Marks the folder as a cache for backup tools (<https://bford.info/cachedir/>).
const TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
# This file is a cache directory tag created by accord (the build cache).\n\
# For information about cache directory tags, see https://bford.info/cachedir/\n";

/// How a build uses the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Read it, and write what changed after a successful build.
    #[default]
    Use,
    /// Do not read it; write a fresh one after a successful build (`--clean`).
    Refresh,
    /// Neither read nor write it (`--no-cache`).
    Off,
}

/// A link destination a body asked about, and the answer, encoded.
#[derive(Debug, Clone, PartialEq)]
struct Lookup {
    dest: String,
    answer: Vec<u8>,
}

/// A body as the last build rendered it: where it is in its bucket file, which
/// `BodyCache::open` checked whole; it is read only when it is reused.
#[derive(Debug)]
pub struct Stored {
    key: u64,
    file: Arc<File>,
    at: usize,
    len: usize,
}

/// What became of one body in this build: its key and lookups, to keep it.
#[derive(Debug)]
pub struct Made {
    key: u64,
    lookups: Vec<Lookup>,
    /// The problems of the body (the body store does not keep them), to keep with it.
    problems: Vec<Problem>,
    problems_omitted: usize,
    /// Taken from the cache, not rendered.
    pub hit: bool,
}

impl Made {
    /// Keeps the problems of `body`, the body this was made of, to be written with it.
    pub fn keep_problems(&mut self, body: &Rendered) {
        self.problems.clone_from(&body.problems);
        self.problems_omitted = body.problems_omitted;
    }
}

/// A body the cache kept, reused: in the body store, with its first paragraph and its
/// problems (a `Rendered` that holds only those), and what the cache is to keep of it.
pub struct Reused {
    pub body: Body,
    pub first_paragraph: String,
    pub problems: Rendered,
    pub made: Made,
}

impl Stored {
    /// The body, if it was rendered under `key` and every link it asked about gets
    /// the same answer from `resolve`; `None` too if it cannot be read back. The body
    /// is not decoded: it stays in the cache's file until a later step reads it.
    pub fn reuse(self, key: u64, resolve: &dyn Fn(&str) -> LinkAction) -> Option<Reused> {
        if self.key != key {
            return None;
        }
        let (at, file) = (self.at, self.file);
        let read = crate::reading::with_at(&file, at as u64, self.len, |bytes| {
            let mut r = Reader::new(bytes);
            let lookups = r.list(|r| {
                Some(Lookup {
                    dest: r.str()?,
                    answer: r.bytes()?.to_vec(),
                })
            })?;
            let mut answer = Vec::new();
            for l in &lookups {
                answer.clear();
                encode_action(&resolve(&l.dest), &mut answer);
                if answer != l.answer {
                    return None;
                }
            }
            let problems = Rendered {
                problems: r.list(decode_problem)?,
                problems_omitted: r.usize()?,
                ..Rendered::default()
            };
            let body = r.bytes()?;
            if !r.done() {
                return None;
            }
            let offset = (at + r.at - body.len()) as u64;
            let (body, first_paragraph) = crate::bodies::kept(body, Arc::clone(&file), offset)?;
            Some((lookups, problems, body, first_paragraph))
        });
        let (lookups, problems, body, first_paragraph) = read.ok()??;
        let made = Made {
            key,
            lookups,
            problems: Vec::new(),
            problems_omitted: 0,
            hit: true,
        };
        Some(Reused {
            body,
            first_paragraph,
            problems,
            made,
        })
    }
}

/// The bodies of a bucket file, by path, each to be read when it is reused.
fn stored(old: blobs::OldFile) -> HashMap<PathBuf, Stored> {
    let file = Arc::new(old.file);
    (old.blobs.into_iter())
        .map(|(path, blob)| {
            let (key, at, len) = (blob.key, blob.at, blob.len);
            let file = Arc::clone(&file);
            (path, Stored { key, file, at, len })
        })
        .collect()
}

/// A resolver that remembers what it was asked, each destination once.
pub struct Recorder<'r> {
    resolve: &'r dyn Fn(&str) -> LinkAction,
    asked: RefCell<(HashSet<String>, Vec<Lookup>)>,
}

impl<'r> Recorder<'r> {
    pub fn new(resolve: &'r dyn Fn(&str) -> LinkAction) -> Recorder<'r> {
        Recorder {
            resolve,
            asked: RefCell::default(),
        }
    }

    pub fn resolve(&self, dest: &str) -> LinkAction {
        let action = (self.resolve)(dest);
        let mut asked = self.asked.borrow_mut();
        if asked.0.insert(dest.to_string()) {
            let mut answer = Vec::new();
            encode_action(&action, &mut answer);
            asked.1.push(Lookup {
                dest: dest.to_string(),
                answer,
            });
        }
        action
    }

    /// What was asked, for a body rendered under `key`.
    pub fn made(self, key: u64) -> Made {
        Made {
            key,
            lookups: self.asked.into_inner().1,
            problems: Vec::new(),
            problems_omitted: 0,
            hit: false,
        }
    }
}

/// The key of a body: a hash of `parts` (its Markdown and what its rendering reads
/// besides the links) and of the cache's version.
pub fn key(parts: &[&[u8]]) -> u64 {
    let mut h = KeyHasher::new();
    for p in parts {
        h.bytes(p);
    }
    h.finish()
}

/// Builds a key of the cache from the parts it is given one by one, each with its
/// length (so that `"ab", "c"` and `"a", "bc"` differ), after the cache's version.
pub struct KeyHasher(std::hash::DefaultHasher);

impl KeyHasher {
    pub fn new() -> KeyHasher {
        let mut h = std::hash::DefaultHasher::new();
        h.write(VERSION.as_bytes());
        h.write_u32(FORMAT);
        KeyHasher(h)
    }

    pub fn bytes(&mut self, part: &[u8]) {
        self.0.write_usize(part.len());
        self.0.write(part);
    }

    pub fn str(&mut self, part: &str) {
        self.bytes(part.as_bytes());
    }

    /// A text that may be absent (not the same as an empty one).
    pub fn opt(&mut self, part: Option<&str>) {
        self.0.write_u8(u8::from(part.is_some()));
        self.str(part.unwrap_or_default());
    }

    /// A list of texts, with their number.
    pub fn strs<'s>(&mut self, parts: impl IntoIterator<Item = &'s str>) {
        let mut n = 0usize;
        for p in parts {
            self.str(p);
            n += 1;
        }
        self.0.write_usize(n);
    }

    pub fn u64(&mut self, n: u64) {
        self.0.write_u64(n);
    }

    pub fn finish(&self) -> u64 {
        self.0.finish()
    }
}

impl Default for KeyHasher {
    fn default() -> KeyHasher {
        KeyHasher::new()
    }
}

/// The bucket of a path.
fn bucket_of(path: &Path) -> usize {
    let mut h = std::hash::DefaultHasher::new();
    h.write(path.as_os_str().as_encoded_bytes());
    (h.finish() % BUCKETS as u64) as usize
}

/// The bodies of the last build, and what this build makes of them.
#[derive(Debug, Default)]
pub struct BodyCache {
    mode: Mode,
    root: PathBuf,
    /// Per bucket: the bodies read and not taken yet, by path.
    read: Vec<HashMap<PathBuf, Stored>>,
    /// Per bucket: its file must be written again (or removed).
    dirty: Vec<bool>,
    /// Per bucket: every body of this build, by path.
    made: Vec<Vec<(PathBuf, Made)>>,
    /// Bodies taken from the cache.
    pub hits: usize,
    /// The files ignored: the first one and why, and how many.
    ignored: Option<Ignored>,
}

impl BodyCache {
    /// No cache: every body is rendered, nothing is kept.
    pub fn off() -> BodyCache {
        BodyCache {
            mode: Mode::Off,
            ..BodyCache::default()
        }
    }

    /// The cache of the site at `root`, read (in parallel) unless `mode` says not to.
    pub fn open(root: &Path, mode: Mode) -> BodyCache {
        let mut bodies = BodyCache {
            mode,
            root: root.to_path_buf(),
            read: (0..BUCKETS).map(|_| HashMap::new()).collect(),
            dirty: vec![mode == Mode::Refresh; BUCKETS],
            made: (0..BUCKETS).map(|_| Vec::new()).collect(),
            hits: 0,
            ignored: None,
        };
        if mode != Mode::Use {
            return bodies;
        }
        let dir = root.join(DIR).join(BODIES);
        let read: Vec<Result<Option<blobs::OldFile>, String>> = (0..BUCKETS)
            .into_par_iter()
            .map(|b| blobs::open_file(&dir.join(file_name(b))))
            .collect();
        for (b, result) in read.into_iter().enumerate() {
            match result {
                Ok(None) => {}
                Ok(Some(old)) => bodies.read[b] = stored(old),
                Err(why) => {
                    bodies.dirty[b] = true;
                    let file = Path::new(DIR).join(BODIES).join(file_name(b));
                    note_ignored(&mut bodies.ignored, file, why);
                }
            }
        }
        bodies
    }

    /// The body of `path` the last build kept, if any.
    pub fn take(&mut self, path: &Path) -> Option<Stored> {
        if self.mode == Mode::Off {
            return None;
        }
        self.read[bucket_of(path)].remove(path)
    }

    /// What became of the body of `path` in this build.
    pub fn keep(&mut self, path: PathBuf, made: Made) {
        if self.mode == Mode::Off {
            return;
        }
        let b = bucket_of(&path);
        if made.hit {
            self.hits += 1;
        } else {
            self.dirty[b] = true;
        }
        self.made[b].push((path, made));
    }

    /// The warning about the files of the cache that were ignored, if any: once per
    /// build, whatever their number.
    pub fn warning(&self) -> Option<Diagnostic> {
        ignored_warning(self.ignored.as_ref()?, "the bodies are rendered again")
    }

    /// Writes the files of the buckets that changed, each beside the one it replaces
    /// (in parallel), for `Staged::commit` to rename in; `body` gives the rendered body
    /// of a path (its problems are those `Made::keep_problems` kept). `None` when
    /// nothing is to be written, or without a cache.
    pub fn stage(
        mut self,
        body: &(dyn Fn(&Path) -> Option<Arc<Rendered>> + Sync),
    ) -> Result<Option<Staged>, Diagnostic> {
        if self.mode == Mode::Off {
            return Ok(None);
        }
        remove_stale_temps(&self.root.join(DIR).join(BODIES));
        // A body kept but not asked for (of a file deleted, or now a draft) leaves.
        for (b, left) in self.read.iter().enumerate() {
            self.dirty[b] |= !left.is_empty();
        }
        let dirty: Vec<usize> = (0..BUCKETS).filter(|&b| self.dirty[b]).collect();
        if dirty.is_empty() {
            return Ok(None);
        }
        let bodies_dir = make_dir(&self.root, BODIES)?;
        let temp = format!("{}.{}", std::process::id(), BUCKET_TEMP);
        let made = std::mem::take(&mut self.made);
        let files: Vec<Result<StagedFile, Diagnostic>> = dirty
            .par_iter()
            .map(|&b| {
                let path = bodies_dir.join(file_name(b));
                let mut held: Vec<(&Path, &Made, Arc<Rendered>)> = (made[b].iter())
                    .filter_map(|(p, m)| Some((p.as_path(), m, body(p)?)))
                    .collect();
                if held.is_empty() {
                    return Ok(StagedFile { path, temp: None });
                }
                held.sort_by(|a, b| a.0.cmp(b.0));
                let list: Vec<(&Path, &Made, &Rendered)> =
                    held.iter().map(|(p, m, r)| (*p, *m, &**r)).collect();
                let temp = path.with_extension(&temp);
                std::fs::write(&temp, encode_file(&list)).map_err(|e| write_warning(&temp, &e))?;
                Ok(StagedFile {
                    path,
                    temp: Some(temp),
                })
            })
            .collect();
        gather(files).map(Some)
    }
}

/// The files staged, or the first failure (the others written are removed then).
fn gather(files: Vec<Result<StagedFile, Diagnostic>>) -> Result<Staged, Diagnostic> {
    let mut staged = Staged { files: Vec::new() };
    let mut failed = None;
    for f in files {
        match f {
            Ok(f) => staged.files.push(f),
            Err(d) => failed = failed.or(Some(d)),
        }
    }
    match failed {
        // Dropping `staged` removes what was written.
        Some(d) => Err(d),
        None => Ok(staged),
    }
}

/// The warning about the `ignored` files of the cache (the first one and why, and how
/// many); `again` says what the build does instead of reading them.
fn ignored_warning((file, why, count): &Ignored, again: &str) -> Option<Diagnostic> {
    let others = match count - 1 {
        0 => String::new(),
        1 => " (and 1 other file of the cache)".to_string(),
        n => format!(" (and {n} other files of the cache)"),
    };
    Some(
        Diagnostic::warning(
            Code::BuildCache,
            file,
            Pos::UNKNOWN,
            format!("the build cache was ignored: this file {why}{others}"),
        )
        .with_help(format!(
            "nothing to do: {again} and the cache is written anew (it is safe to delete {DIR}/)"
        )),
    )
}

/// The files of the cache ignored: the first one and why, and how many.
type Ignored = (PathBuf, String, usize);

/// Notes that `file` was ignored, for `why`.
fn note_ignored(ignored: &mut Option<Ignored>, file: PathBuf, why: String) {
    ignored.get_or_insert((file, why, 0)).2 += 1;
}

/// Makes `DIR/sub` in `root`, with the cache's tag; the folder.
fn make_dir(root: &Path, sub: &str) -> Result<PathBuf, Diagnostic> {
    let dir = root.join(DIR);
    let made = dir.join(sub);
    std::fs::create_dir_all(&made).map_err(|e| write_warning(&made, &e))?;
    let tag = dir.join("CACHEDIR.TAG");
    if !tag.exists() {
        std::fs::write(&tag, TAG).map_err(|e| write_warning(&tag, &e))?;
    }
    Ok(made)
}

/// The suffix of a bucket file being written.
const BUCKET_TEMP: &str = "accord-tmp";

/// Removes the bucket files a build of another process began and never renamed in
/// (`NN.<pid>.accord-tmp`, left by a build that was killed): those of a process that
/// no longer runs, where the system says which run (`/proc`), or else those older than
/// `STALE_TEMP`. A build running beside this one keeps its files.
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    let proc = Path::new("/proc/self").exists();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = temp_pid(&name.to_string_lossy()) else {
            continue;
        };
        let stale = if pid == me {
            false
        } else if proc {
            !Path::new("/proc").join(pid.to_string()).exists()
        } else {
            (entry.metadata().and_then(|m| m.modified()))
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > STALE_TEMP))
        };
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The age past which a bucket file being written is taken as left behind, where the
/// system cannot say whether its process still runs.
const STALE_TEMP: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// The process that writes a bucket file being written (`NN.<pid>.accord-tmp`).
fn temp_pid(name: &str) -> Option<u32> {
    let rest = name.strip_suffix(BUCKET_TEMP)?.strip_suffix('.')?;
    let (bucket, pid) = rest.split_once('.')?;
    (bucket.len() == 2 && bucket.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| pid.parse().ok())
        .flatten()
}

/// A bucket file written and not yet renamed in (`temp`), or to be removed (`None`).
#[derive(Debug)]
struct StagedFile {
    path: PathBuf,
    temp: Option<PathBuf>,
}

/// The files of the cache written by a build, put in place by `commit` once the build
/// succeeded; dropped uncommitted, they are removed.
#[derive(Debug)]
pub struct Staged {
    files: Vec<StagedFile>,
}

impl Staged {
    /// These files and those of `other`, to commit together.
    pub fn join(mut self, mut other: Staged) -> Staged {
        self.files.append(&mut other.files);
        self
    }

    /// Renames every file in over the one it replaces (and removes the files of the
    /// buckets left empty).
    pub fn commit(mut self) -> Result<(), Diagnostic> {
        let mut failed = None;
        for f in std::mem::take(&mut self.files) {
            let done = match &f.temp {
                Some(temp) => std::fs::rename(temp, &f.path),
                None => match std::fs::remove_file(&f.path) {
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                    other => other,
                },
            };
            if let Err(e) = done {
                if let Some(temp) = &f.temp {
                    let _ = std::fs::remove_file(temp);
                }
                failed = failed.or(Some(write_warning(&f.path, &e)));
            }
        }
        failed.map_or(Ok(()), Err)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for f in &self.files {
            if let Some(temp) = &f.temp {
                let _ = std::fs::remove_file(temp);
            }
        }
    }
}

fn write_warning(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::warning(
        Code::BuildCache,
        path,
        Pos::UNKNOWN,
        format!("the build cache cannot be written: {e}"),
    )
    .with_help(format!(
        "the site was built; the next build renders every body again. Is {DIR}/ writable?"
    ))
}

fn file_name(bucket: usize) -> String {
    format!("{bucket:02x}.bin")
}

// ------------------------------------------------------------------- the format

/// A bucket file: `MAGIC`, `FORMAT` (u32 LE), the version (a varint length, then
/// UTF-8), the length of the rest (u64 LE) and its checksum (u64 LE), then the rest:
/// the number of bodies, and each body as a blob of `Blobs` (its path, its key, and
/// its bytes, `encode_body`), so that opening the file finds each body without
/// decoding it.
fn encode_file(list: &[(&Path, &Made, &Rendered)]) -> Vec<u8> {
    let mut rest = Vec::new();
    put_varint(&mut rest, list.len() as u64);
    let mut body = Vec::new();
    for (path, made, rendered) in list {
        body.clear();
        encode_body(made, rendered, &mut body);
        blobs::put_entry(&mut rest, &path.to_string_lossy(), made.key, &body);
    }
    seal(&rest)
}

/// `rest` behind the header of a file of the cache: `MAGIC`, `FORMAT`, the version,
/// the length of `rest` and its checksum.
fn seal(rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rest.len() + 64);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    put_str(&mut out, VERSION);
    out.extend_from_slice(&(rest.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(rest).to_le_bytes());
    out.extend_from_slice(rest);
    out
}

/// What `seal` sealed, or why it cannot be trusted: of another format or version,
/// truncated, or not matching its checksum.
fn unseal(bytes: &[u8]) -> Result<&[u8], String> {
    let corrupt = || "is corrupt".to_string();
    let mut r = Reader { bytes, at: 0 };
    if r.take(MAGIC.len()) != Some(MAGIC.as_slice()) {
        return Err("is not a file of accord's build cache".into());
    }
    let format = r
        .take(4)
        .map(|b| u32::from_le_bytes(b.try_into().unwrap_or_default()));
    let version = r.str();
    if format != Some(FORMAT) || version.as_deref() != Some(VERSION) {
        return Err(format!(
            "was written by another version of accord ({}), not this one ({VERSION})",
            version.as_deref().unwrap_or("unknown")
        ));
    }
    let len = r.u64().ok_or_else(corrupt)?;
    let sum = r.u64().ok_or_else(corrupt)?;
    let rest = &bytes[r.at..];
    if rest.len() as u64 != len {
        return Err("is truncated".into());
    }
    if checksum(rest) != sum {
        return Err("does not match its checksum".into());
    }
    Ok(rest)
}

fn checksum(bytes: &[u8]) -> u64 {
    crate::hash::bytes(bytes)
}

/// A body but its path and key: its lookups and problems, then its rendering as the
/// body store writes it (`bodies::encode`, which leaves the problems out); read back
/// by `Stored::reuse`.
fn encode_body(made: &Made, r: &Rendered, out: &mut Vec<u8>) {
    put_varint(out, made.lookups.len() as u64);
    for l in &made.lookups {
        put_str(out, &l.dest);
        put_bytes(out, &l.answer);
    }
    put_varint(out, made.problems.len() as u64);
    for p in &made.problems {
        put_varint(out, p.offset as u64);
        put_severity_code(out, p.severity, p.code);
        put_str(out, &p.message);
        put_opt(out, p.help.as_deref());
    }
    put_varint(out, made.problems_omitted as u64);
    put_bytes(out, &crate::bodies::encode(r));
}

fn decode_problem(r: &mut Reader<'_>) -> Option<Problem> {
    let offset = r.usize()?;
    let (severity, code) = r.severity_code()?;
    Some(Problem {
        offset,
        severity,
        code,
        message: r.str()?,
        help: r.opt()?,
    })
}

/// A resolver's answer, as bytes to compare.
fn encode_action(action: &LinkAction, out: &mut Vec<u8>) {
    match action {
        LinkAction::Keep => out.push(0),
        LinkAction::Rewrite(url) => {
            out.push(1);
            put_str(out, url);
        }
        LinkAction::Broken(message, help) => {
            out.push(2);
            put_str(out, message);
            put_opt(out, help.as_deref());
        }
        LinkAction::MissingFile(message, help) => {
            out.push(3);
            put_str(out, message);
            put_opt(out, help.as_deref());
        }
        LinkAction::Attach(url, note) => {
            out.push(4);
            put_str(out, url);
            put_opt(out, note.as_deref());
        }
        LinkAction::Verify(path) => {
            out.push(5);
            put_str(out, path);
        }
    }
}

pub(crate) fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

pub(crate) fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    put_bytes(out, s.as_bytes());
}

pub(crate) fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
    }
}

/// A problem's severity and code (by its name).
pub(crate) fn put_severity_code(out: &mut Vec<u8>, severity: Severity, code: Code) {
    out.push(u8::from(severity == Severity::Warning));
    put_str(out, code.as_str());
}

/// Reads what the `put_*` functions wrote; `None` past the end or on bytes they
/// cannot have written.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// A reader of `bytes`, from their start.
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, at: 0 }
    }

    /// Whether every byte was read.
    pub(crate) fn done(&self) -> bool {
        self.at == self.bytes.len()
    }

    /// One byte.
    pub(crate) fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len())?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Some(out)
    }

    pub(crate) fn varint(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.take(1)?[0];
            n |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(n);
            }
        }
        None
    }

    pub(crate) fn usize(&mut self) -> Option<usize> {
        self.varint().and_then(|n| usize::try_from(n).ok())
    }

    pub(crate) fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    pub(crate) fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.usize()?;
        self.take(n)
    }

    pub(crate) fn str(&mut self) -> Option<String> {
        std::str::from_utf8(self.bytes()?).ok().map(str::to_string)
    }

    pub(crate) fn opt(&mut self) -> Option<Option<String>> {
        match self.take(1)?[0] {
            0 => Some(None),
            1 => self.str().map(Some),
            _ => None,
        }
    }

    /// What `put_severity_code` wrote.
    pub(crate) fn severity_code(&mut self) -> Option<(Severity, Code)> {
        let severity = match self.byte()? {
            0 => Severity::Error,
            1 => Severity::Warning,
            _ => return None,
        };
        let code = self.str()?;
        Some((severity, *Code::ALL.iter().find(|c| c.as_str() == code)?))
    }

    /// A count, then that many items.
    pub(crate) fn list<T>(&mut self, item: impl Fn(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let n = self.usize()?;
        // A count larger than the bytes left is corrupt (and must not allocate).
        if n > self.bytes.len() - self.at {
            return None;
        }
        (0..n).map(|_| item(self)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::{Heading, Unverified};

    fn sample() -> Rendered {
        Rendered {
            html: "<p>안녕 <a href=\"/trips/x/\">x</a></p>".into(),
            toc: vec![Heading {
                level: 2,
                id: "a".into(),
                text: "A".into(),
            }],
            first_paragraph: "안녕 x".into(),
            plain: "안녕 x".into(),
            problems: vec![Problem {
                offset: 3,
                severity: Severity::Warning,
                code: Code::Limit,
                message: "too large".into(),
                help: Some("cut it".into()),
            }],
            problems_omitted: 2,
            rewritten: vec![12],
            unverified: vec![Unverified {
                at: Pos::new(1, 4),
                written: "../y/".into(),
                path: "trips/y/".into(),
            }],
        }
    }

    fn made() -> Made {
        let mut answer = Vec::new();
        encode_action(&LinkAction::Rewrite("/trips/x/".into()), &mut answer);
        let mut made = Made {
            key: 42,
            lookups: vec![Lookup {
                dest: "x.md".into(),
                answer,
            }],
            problems: Vec::new(),
            problems_omitted: 0,
            hit: false,
        };
        made.keep_problems(&sample());
        made
    }

    /// The bodies of the bucket file `bytes`, written to a file of its own and opened
    /// as `BodyCache::open` opens one.
    fn open_bytes(name: &str, bytes: &[u8]) -> Result<HashMap<PathBuf, Stored>, String> {
        let path =
            std::env::temp_dir().join(format!("accord-bodies-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        let opened = blobs::open_file(&path);
        std::fs::remove_file(&path).unwrap();
        Ok(stored(opened?.unwrap()))
    }

    #[test]
    fn a_file_reads_back_as_written() {
        let (path, made, body) = (Path::new("content/trips/x.md"), made(), sample());
        let bytes = encode_file(&[(path, &made, &body)]);
        let mut list = open_bytes("read", &bytes).unwrap();
        assert_eq!(list.len(), 1);
        let stored = list.remove(path).unwrap();
        let same = |_: &str| LinkAction::Rewrite("/trips/x/".into());
        let reused = stored.reuse(42, &same).unwrap();
        assert_eq!((reused.made.key, &reused.made.lookups), (42, &made.lookups));
        assert!(reused.made.hit);
        assert_eq!(reused.first_paragraph, body.first_paragraph);
        let problems = |r: &Rendered| format!("{:?} {}", r.problems, r.problems_omitted);
        assert_eq!(problems(&reused.problems), problems(&body));
        let without_problems = Rendered {
            problems: Vec::new(),
            problems_omitted: 0,
            ..body
        };
        assert_eq!(
            format!("{:?}", reused.body.get()),
            format!("{without_problems:?}")
        );
    }

    #[test]
    fn a_damaged_file_is_refused() {
        let (path, made, body) = (Path::new("content/trips/x.md"), made(), sample());
        let bytes = encode_file(&[(path, &made, &body)]);
        for cut in [0, 5, 20, bytes.len() - 1] {
            assert!(open_bytes("cut", &bytes[..cut]).is_err(), "cut at {cut}");
        }
        for at in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x10;
            assert!(open_bytes("flipped", &flipped).is_err(), "flipped at {at}");
        }
    }

    #[test]
    fn a_body_is_reused_only_when_its_links_answer_the_same() {
        let path = Path::new("content/trips/x.md");
        let stored = |key| {
            let made = Made { key, ..made() };
            let bytes = encode_file(&[(path, &made, &sample())]);
            open_bytes("links", &bytes).unwrap().remove(path).unwrap()
        };
        let same = |_: &str| LinkAction::Rewrite("/trips/x/".into());
        let moved = |_: &str| LinkAction::Rewrite("/trips/z/".into());
        assert!(stored(42).reuse(42, &same).is_some_and(|r| r.made.hit));
        assert!(stored(42).reuse(42, &moved).is_none());
        assert!(stored(41).reuse(42, &same).is_none());
    }
}
