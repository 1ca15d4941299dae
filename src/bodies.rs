//! The body store: where the rendered bodies of the records and of their translations
//! (`markdown::Rendered`: HTML, plain text, headings) wait between the step that
//! renders them and the steps that read them (the search index, the record pages,
//! their JSON), so that the site model holds per record only what the lists show.
//!
//! The first bodies are held in memory, up to a budget (a small site never leaves
//! memory); the others are written, as they are put, to a temporary file (in the
//! system's temporary folder, `TMPDIR`) and read back with positioned reads when
//! asked for, from any thread. The file is unlinked as soon as it is created: it
//! takes no name on disk, and the system frees it when the build ends, however it
//! ends. Where a temporary file cannot be made or written (or the system is not Unix),
//! the bodies stay in memory.
//!
//! A stored body is everything the later steps read of it: the problems found while
//! rendering are reported before it is put, and not kept.

use std::fs::File;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use crate::diag::Pos;
use crate::markdown::{Heading, Rendered, Unverified};

/// The bodies held in memory before the others go to the temporary file, in bytes of
/// text: about 2,000 records of the usual size.
pub const MEMORY_BUDGET: usize = 16 * 1024 * 1024;

/// The environment variable that sets another budget, in bytes (`0`: every body to
/// the file).
pub const BUDGET_VARIABLE: &str = "ACCORD_BODY_MEMORY";

/// Where the bodies of one build go; cheap to clone, shared by every `Body` put.
#[derive(Clone)]
pub struct Bodies {
    store: Arc<Store>,
}

struct Store {
    budget: usize,
    /// The bytes of text held in memory so far.
    held: AtomicUsize,
    /// The temporary file, made when the budget is first passed; `None` when it
    /// cannot be made.
    file: OnceLock<Option<Spill>>,
}

struct Spill {
    file: std::fs::File,
    /// Where the next body goes.
    end: AtomicU64,
}

/// A rendered body, in memory or in the store's file.
#[derive(Clone)]
pub struct Body {
    at: Slot,
    /// The hash of the HTML: what a page's fingerprint takes of the body.
    print: u64,
    /// The hash of the plain text and the headings: what the search index reads.
    text_print: u64,
    /// Whether it links to URLs of the site that only the routes can confirm.
    unverified: bool,
}

#[derive(Clone)]
enum Slot {
    Held(Arc<Rendered>),
    Stored {
        store: Arc<Store>,
        offset: u64,
        len: u32,
    },
    /// In a file of the build cache, as `encode` wrote it: a body reused is not
    /// decoded, nor written again, unless a later step reads it.
    Kept {
        file: Arc<File>,
        offset: u64,
        len: u32,
    },
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.at {
            Slot::Held(_) => write!(f, "Body(held, {:016x})", self.print),
            Slot::Stored { offset, len, .. } => {
                write!(f, "Body(stored at {offset}+{len}, {:016x})", self.print)
            }
            Slot::Kept { offset, len, .. } => {
                write!(f, "Body(kept at {offset}+{len}, {:016x})", self.print)
            }
        }
    }
}

impl std::fmt::Debug for Bodies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Bodies {{ budget: {}, held: {} }}",
            self.store.budget,
            self.store.held.load(Ordering::Relaxed)
        )
    }
}

impl Default for Bodies {
    fn default() -> Bodies {
        Bodies::new()
    }
}

impl Bodies {
    /// A store with `MEMORY_BUDGET`, or the budget of `ACCORD_BODY_MEMORY`.
    pub fn new() -> Bodies {
        let budget = std::env::var(BUDGET_VARIABLE)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(MEMORY_BUDGET);
        Bodies::with_budget(budget)
    }

    /// A store that holds up to `budget` bytes of text in memory.
    pub fn with_budget(budget: usize) -> Bodies {
        Bodies {
            store: Arc::new(Store {
                budget,
                held: AtomicUsize::new(0),
                file: OnceLock::new(),
            }),
        }
    }

    /// Keeps `body` (from any thread): in memory while the budget lasts, else in the
    /// file. Never fails: a body the file cannot take stays in memory.
    pub fn put(&self, mut body: Rendered) -> Body {
        let toc = body
            .toc
            .iter()
            .map(|h| (h.level, h.id.as_str(), h.text.as_str()));
        let (print, text_print) = prints(body.html.as_bytes(), body.plain.as_bytes(), toc);
        let unverified = !body.unverified.is_empty();
        body.problems = Vec::new();
        body.problems_omitted = 0;
        let weight = weight(&body);
        let store = &self.store;
        let held = store.held.fetch_add(weight, Ordering::Relaxed);
        if held + weight > store.budget {
            store.held.fetch_sub(weight, Ordering::Relaxed);
            if let Some((offset, len)) = store.spill(&body) {
                return Body {
                    at: Slot::Stored {
                        store: Arc::clone(store),
                        offset,
                        len,
                    },
                    print,
                    text_print,
                    unverified,
                };
            }
            store.held.fetch_add(weight, Ordering::Relaxed);
        }
        Body {
            at: Slot::Held(Arc::new(body)),
            print,
            text_print,
            unverified,
        }
    }
}

/// A body the build cache kept: `bytes`, as `encode` wrote them, are at `offset` of
/// `file`. The body is not decoded (but for its first paragraph, returned with it)
/// nor copied: it is read from the file when a later step asks for it. `None` when
/// the bytes are not a body.
pub fn kept(bytes: &[u8], file: Arc<File>, offset: u64) -> Option<(Body, String)> {
    let mut r = Reader { bytes, at: 0 };
    let html = r.raw()?;
    let first_paragraph = r.str()?.to_string();
    let plain = r.raw()?;
    let mut toc = Vec::with_capacity(r.count()?.min(bytes.len()));
    for _ in 0..toc.capacity() {
        toc.push((r.byte()?, r.str()?, r.str()?));
    }
    for _ in 0..r.count()? {
        r.count()?;
    }
    let unverified = r.count()?;
    for _ in 0..unverified {
        // Its line and column, what was written and the path.
        r.count()?;
        r.count()?;
        r.str()?;
        r.str()?;
    }
    if r.at != bytes.len() {
        return None;
    }
    let (print, text_print) = prints(html, plain, toc.into_iter());
    let len = u32::try_from(bytes.len()).ok()?;
    let body = Body {
        at: Slot::Kept { file, offset, len },
        print,
        text_print,
        unverified: unverified > 0,
    };
    Some((body, first_paragraph))
}

/// The hash of a body's HTML, and that of its plain text and headings (`Body::print`
/// and `Body::text_print`).
///
/// The texts are hashed as bytes (`hash::bytes`, the hash of whole files), so that a
/// body kept in the build cache is fingerprinted without checking its texts' UTF-8:
/// the cache's files pass their checksum whole when opened, and a body is decoded,
/// and its texts checked, only when a later step reads it.
fn prints<'a>(
    html: &[u8],
    plain: &[u8],
    toc: impl ExactSizeIterator<Item = (u8, &'a str, &'a str)>,
) -> (u64, u64) {
    let print = crate::hash::bytes(html);
    let mut h = DefaultHasher::new();
    crate::hash::bytes(plain).hash(&mut h);
    let headings = toc.len();
    for heading in toc {
        heading.hash(&mut h);
    }
    headings.hash(&mut h);
    (print, h.finish())
}

impl Store {
    /// Writes `body` at the end of the file; where, and how long.
    fn spill(&self, body: &Rendered) -> Option<(u64, u32)> {
        let spill = self.file.get_or_init(temporary_file).as_ref()?;
        let bytes = encode(body);
        let len = u32::try_from(bytes.len()).ok()?;
        let offset = spill.end.fetch_add(u64::from(len), Ordering::Relaxed);
        write_at(&spill.file, &bytes, offset).ok()?;
        Some((offset, len))
    }
}

impl Body {
    /// The body, from memory or read back from the file.
    ///
    /// # Panics
    /// When the file written by this build cannot be read back (a failing disk).
    pub fn get(&self) -> Arc<Rendered> {
        self.read(decode)
    }

    /// What the search index reads of the body: its plain text and its headings. A
    /// body in the temporary file is read without its HTML and first paragraph (left
    /// empty); one in memory is given whole.
    pub fn text(&self) -> Arc<Rendered> {
        self.read(decode_text)
    }

    fn read(&self, decode: fn(&[u8]) -> Option<Rendered>) -> Arc<Rendered> {
        match &self.at {
            Slot::Held(body) => Arc::clone(body),
            Slot::Stored { store, offset, len } => {
                let spill = store.file.get().and_then(Option::as_ref);
                let bytes =
                    spill.and_then(|s| crate::reading::at(&s.file, *offset, *len as usize).ok());
                let body = bytes.as_deref().and_then(decode).unwrap_or_else(|| {
                    panic!("the temporary file of the rendered bodies cannot be read back")
                });
                Arc::new(body)
            }
            Slot::Kept { file, offset, len } => {
                let read = crate::reading::at(file, *offset, *len as usize);
                let body = read
                    .ok()
                    .and_then(|bytes| decode(&bytes))
                    .unwrap_or_else(|| panic!("a body of the build cache cannot be read back"));
                Arc::new(body)
            }
        }
    }

    /// The hash of the HTML, without reading the body.
    pub fn fingerprint(&self) -> u64 {
        self.print
    }

    /// The hash of the plain text and the headings (what the search index reads of
    /// the body), without reading the body.
    pub fn text_fingerprint(&self) -> u64 {
        self.text_print
    }

    /// Whether it links to URLs of the site to be checked against the routes
    /// (`Rendered::unverified`), without reading the body.
    pub fn has_unverified(&self) -> bool {
        self.unverified
    }
}

/// What a body weighs in memory, about: its text.
fn weight(body: &Rendered) -> usize {
    let toc: usize = body
        .toc
        .iter()
        .map(|h| h.id.len() + h.text.len() + 56)
        .sum();
    body.html.len() + body.plain.len() + body.first_paragraph.len() + toc + 128
}

#[cfg(unix)]
fn temporary_file() -> Option<Spill> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = std::env::temp_dir();
    // A name no other build takes: the process and a counter.
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    for _ in 0..16 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("accord-bodies-{}-{n}", std::process::id()));
        // A new file (never one planted there, nor a link followed), the user's only.
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path);
        match file {
            Ok(file) => {
                // Open, it stays readable; unlinked, nothing is left behind.
                let _ = std::fs::remove_file(&path);
                return Some(Spill {
                    file,
                    end: AtomicU64::new(0),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(_) => return None,
        }
    }
    None
}

#[cfg(not(unix))]
fn temporary_file() -> Option<Spill> {
    None
}

#[cfg(unix)]
fn write_at(file: &std::fs::File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

#[cfg(not(unix))]
fn write_at(_: &std::fs::File, _: &[u8], _: u64) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

// The encoding: numbers as LEB128 varints, text as its length then its bytes.

pub(crate) fn encode(body: &Rendered) -> Vec<u8> {
    let mut out = Vec::with_capacity(weight(body));
    text(&mut out, &body.html);
    text(&mut out, &body.first_paragraph);
    text(&mut out, &body.plain);
    number(&mut out, body.toc.len() as u64);
    for h in &body.toc {
        out.push(h.level);
        text(&mut out, &h.id);
        text(&mut out, &h.text);
    }
    number(&mut out, body.rewritten.len() as u64);
    for &at in &body.rewritten {
        number(&mut out, at as u64);
    }
    number(&mut out, body.unverified.len() as u64);
    for u in &body.unverified {
        number(&mut out, u.at.line as u64);
        number(&mut out, u.at.col as u64);
        text(&mut out, &u.written);
        text(&mut out, &u.path);
    }
    out
}

fn number(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn text(out: &mut Vec<u8>, s: &str) {
    number(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// Reads back what `encode` wrote; `None` when the bytes are not that.
pub(crate) fn decode(bytes: &[u8]) -> Option<Rendered> {
    let mut r = Reader { bytes, at: 0 };
    let html = r.text()?;
    let first_paragraph = r.text()?;
    let plain = r.text()?;
    let toc = r.headings()?;
    let rewritten = (0..r.count()?)
        .map(|_| r.count())
        .collect::<Option<Vec<_>>>()?;
    let unverified = (0..r.count()?)
        .map(|_| {
            Some(Unverified {
                at: Pos::new(r.count()?, r.count()?),
                written: r.text()?,
                path: r.text()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    (r.at == bytes.len()).then_some(Rendered {
        html,
        toc,
        first_paragraph,
        plain,
        problems: Vec::new(),
        problems_omitted: 0,
        rewritten,
        unverified,
    })
}

/// The plain text and headings of what `encode` wrote, the rest of the body left
/// empty; `None` when the bytes do not start as a body does.
fn decode_text(bytes: &[u8]) -> Option<Rendered> {
    let mut r = Reader { bytes, at: 0 };
    r.skip()?;
    r.skip()?;
    let plain = r.text()?;
    let toc = r.headings()?;
    Some(Rendered {
        plain,
        toc,
        ..Rendered::default()
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn count(&mut self) -> Option<usize> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return usize::try_from(n).ok();
            }
        }
        None
    }

    fn text(&mut self) -> Option<String> {
        let len = self.count()?;
        let end = self.at.checked_add(len)?;
        let s = std::str::from_utf8(self.bytes.get(self.at..end)?).ok()?;
        self.at = end;
        Some(s.to_string())
    }

    /// A text, borrowed.
    fn str(&mut self) -> Option<&'a str> {
        let len = self.count()?;
        let end = self.at.checked_add(len)?;
        let s = std::str::from_utf8(self.bytes.get(self.at..end)?).ok()?;
        self.at = end;
        Some(s)
    }

    /// A text's bytes, not checked for UTF-8.
    fn raw(&mut self) -> Option<&'a [u8]> {
        let len = self.count()?;
        let end = self.at.checked_add(len)?;
        let b = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(b)
    }

    /// Passes over a text without reading it.
    fn skip(&mut self) -> Option<()> {
        let len = self.count()?;
        let end = self.at.checked_add(len)?;
        self.bytes.get(self.at..end)?;
        self.at = end;
        Some(())
    }

    fn headings(&mut self) -> Option<Vec<Heading>> {
        (0..self.count()?)
            .map(|_| {
                Some(Heading {
                    level: self.byte()?,
                    id: self.text()?,
                    text: self.text()?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::{LinkAction, RenderOptions, render};

    fn sample() -> Rendered {
        let text = "# Über uns\n\nFirst *paragraph* with [a link](/trips/x/) and [another](x.md).\n\n## 日本語の見出し\n\nMore text, 한국어.\n";
        let resolve = |dest: &str| {
            if dest.ends_with(".md") {
                LinkAction::Rewrite("/archive/trips/x/".into())
            } else {
                LinkAction::Verify(dest.trim_start_matches('/').into())
            }
        };
        render(text, &RenderOptions { allow_html: false }, &resolve)
    }

    fn same(a: &Rendered, b: &Rendered) {
        assert_eq!(a.html, b.html);
        assert_eq!(a.toc, b.toc);
        assert_eq!(a.first_paragraph, b.first_paragraph);
        assert_eq!(a.plain, b.plain);
        assert_eq!(a.rewritten, b.rewritten);
        assert_eq!(a.unverified, b.unverified);
    }

    #[test]
    fn a_body_reads_back_the_same_from_memory_and_from_the_file() {
        let body = sample();
        assert!(!body.rewritten.is_empty() && !body.unverified.is_empty());
        assert_eq!(body.toc.len(), 2);
        let held = Bodies::with_budget(usize::MAX).put(body.clone());
        assert!(matches!(held.at, Slot::Held(_)));
        same(&held.get(), &body);
        let stored = Bodies::with_budget(0);
        let bodies: Vec<Body> = (0..3).map(|_| stored.put(body.clone())).collect();
        for b in &bodies {
            assert!(matches!(b.at, Slot::Stored { .. }), "{b:?}");
            same(&b.get(), &body);
            let text = b.text();
            assert_eq!((&text.plain, &text.toc), (&body.plain, &body.toc));
            assert!(text.html.is_empty() && text.first_paragraph.is_empty());
            assert_eq!(b.fingerprint(), held.fingerprint());
            assert!(b.has_unverified());
        }
    }

    #[test]
    fn a_body_kept_in_a_file_of_the_cache_is_read_from_there_with_the_same_prints() {
        let body = sample();
        let held = Bodies::with_budget(usize::MAX).put(body.clone());
        let bytes = encode(&body);
        let path = std::env::temp_dir().join(format!("accord-kept-body-{}", std::process::id()));
        std::fs::write(&path, [b"head".as_slice(), &bytes].concat()).unwrap();
        let file = Arc::new(File::open(&path).unwrap());
        std::fs::remove_file(&path).unwrap();
        let (body_kept, first) = kept(&bytes, Arc::clone(&file), 4).unwrap();
        assert!(matches!(body_kept.at, Slot::Kept { .. }), "{body_kept:?}");
        assert_eq!(first, body.first_paragraph);
        assert_eq!(
            (body_kept.fingerprint(), body_kept.text_fingerprint()),
            (held.fingerprint(), held.text_fingerprint())
        );
        assert!(body_kept.has_unverified());
        same(&body_kept.get(), &body);
        let text = body_kept.text();
        assert_eq!((&text.plain, &text.toc), (&body.plain, &body.toc));
        // Bytes that are not exactly a body are refused.
        let short = &bytes[..bytes.len() - 1];
        assert!(kept(short, Arc::clone(&file), 4).is_none());
        let long = [bytes.as_slice(), b"x"].concat();
        assert!(kept(&long, file, 4).is_none());
    }

    #[test]
    fn the_budget_keeps_the_first_bodies_in_memory() {
        let body = sample();
        let store = Bodies::with_budget(weight(&body) * 2);
        let put: Vec<Body> = (0..5).map(|_| store.put(body.clone())).collect();
        let held = put.iter().filter(|b| matches!(b.at, Slot::Held(_))).count();
        assert_eq!(held, 2);
        for b in &put {
            same(&b.get(), &body);
        }
    }

    #[test]
    fn bytes_that_are_not_a_body_are_refused() {
        let bytes = encode(&sample());
        assert!(decode(&bytes).is_some());
        assert!(decode(&bytes[..bytes.len() - 1]).is_none());
        assert!(decode(&[0xff; 12]).is_none());
    }
}
