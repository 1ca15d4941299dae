//! The last build's weighed terms, kept in the build cache (a `cache::Stream` in
//! `index/`): every term of the index in byte order, as `encode` made it (`Encoded`,
//! what the shards, postings, followers, preceders and positions files hold of it),
//! so that a build after an edit weighs again only the terms that the records which
//! changed hold or held, and takes every other term from the stream.
//!
//! A term's weighing reads its postings (the records that hold it, their fields'
//! lengths and facts), the number of records and the average length of each field
//! (on a grid, `score::on_grid`). The stream is taken only when all of that is the same
//! for every term but those of the records that changed: the same records in the same
//! index order (by path), the same languages, sizes and phrases (`Context::shared`),
//! every other record under the same key (`memo::record_key`) and facts, and the same
//! averages. Else (a record added, removed or moved in the order, a registry changed,
//! more than a quarter of the records changed, an average on another step) every term
//! is weighed, as without a cache. Either way the stream is written anew for the next
//! build, and the index is the same, byte for byte, as a build without the cache.
//!
//! Beside it, a second stream (`postings/`) keeps every term's postings as the
//! records gave them (`score::put_posting`: the record, the term's frequency in each
//! field, its mask, the characters around it and its positions), and the lengths of
//! every record's fields in its head. A build after an edit takes the postings of the
//! terms to weigh again from it (`Edit`), the records that changed taken out and put
//! in again as they are now, so that it reads only what changed and not the terms of
//! every record.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::cache::{Chunks, Mode, Staged, Stream, StreamWriter};
use crate::diag::{Code, Diagnostic, Pos};

use super::format::{Bytes, Corrupt, Encoded, Words, put_bytes, put_varint};
use super::runs::{Merge, Merged, Terms};
use super::score::{self, FIELD_COUNT, KeyHasher, LengthSums, Weigher};

/// The folder of the stream in the build cache.
const NAME: &str = "index";
/// The folder of the stream of the postings.
const POSTINGS: &str = "postings";
/// Changes whenever what the stream holds does.
const FORMAT: u64 = 1;

/// A term as kept: the term, its weighing, and whether it is written as a token in
/// some record.
pub(super) type Weighed = (String, Encoded, bool);

/// The terms of some records: a set of terms (bytes), hashed as `FastMap` hashes.
pub(super) type TermSet = HashSet<Vec<u8>, BuildHasherDefault<Words>>;

/// What the weighing of every term depends on, besides its postings.
pub(super) struct Context {
    /// A hash of what all records share: the stream's format, the sizes of the files,
    /// the number of records and their paths in index order, the languages and the
    /// phrases.
    pub(super) shared: u64,
    /// Per record in index order: its key and a hash of its facts.
    pub(super) records: Vec<(u64, u64)>,
}

impl Context {
    /// The head of the stream: the context and the `sums` of the fields' lengths.
    fn head(&self, sums: &LengthSums) -> Vec<u8> {
        let mut head = Vec::with_capacity(16 * self.records.len() + 64);
        put_varint(&mut head, FORMAT);
        head.extend_from_slice(&self.shared.to_le_bytes());
        for s in sums {
            head.extend_from_slice(&s.to_le_bytes());
        }
        put_varint(&mut head, self.records.len() as u64);
        for &(key, facts) in &self.records {
            head.extend_from_slice(&key.to_le_bytes());
            head.extend_from_slice(&facts.to_le_bytes());
        }
        head
    }
}

/// A hasher for `Context::shared`.
pub(super) fn hasher() -> crate::cache::KeyHasher {
    let mut k = crate::cache::KeyHasher::new();
    k.u64(FORMAT);
    k
}

/// The streams of the last build, checked, and what changed since.
pub(super) struct Last {
    stream: Stream,
    /// Its stream of the postings.
    postings: Stream,
    /// The lengths of the fields of the last build's records, added up.
    sums: LengthSums,
    /// The lengths of the fields of each of its records, in index order.
    pub(super) lengths: Vec<[u32; FIELD_COUNT]>,
    /// The records (in index order) whose key changed, with the key they had.
    pub(super) changed: Vec<(usize, u64)>,
}

impl Last {
    /// The lengths of the fields of the last build's records, added up.
    pub(super) fn sums(&self) -> &LengthSums {
        &self.sums
    }

    /// Its terms, in byte order.
    pub(super) fn terms(&self) -> io::Result<StreamTerms> {
        Ok(StreamTerms {
            chunks: self.stream.chunks()?,
            chunk: Vec::new(),
            at: 0,
        })
    }
}

/// The terms of a stream, read a chunk at a time.
pub(super) struct StreamTerms {
    chunks: Chunks,
    chunk: Vec<u8>,
    at: usize,
}

impl StreamTerms {
    /// The next term, `None` after the last.
    pub(super) fn next(&mut self) -> io::Result<Option<Weighed>> {
        if self.at == self.chunk.len() {
            match self.chunks.next_into(&mut self.chunk) {
                None => return Ok(None),
                Some(read) => {
                    read?;
                    self.at = 0;
                }
            }
        }
        let mut bytes = Bytes::new(&self.chunk[self.at..]);
        let kept = decode(&mut bytes)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "a kept term is corrupt"))?;
        self.at = self.chunk.len() - bytes.remaining();
        Ok(Some(kept))
    }
}

/// Postings of a term, each its record (in index order) and its packed term.
type Posted = Vec<(u32, Vec<u8>)>;

/// The records that changed since the last build, and the terms they hold or held:
/// the terms to weigh again.
pub(super) struct Changed {
    /// The terms of each record that changed, by its index in `site.entries`.
    pub(super) now: HashMap<usize, Terms, BuildHasherDefault<KeyHasher>>,
    /// Every term a record that changed holds or held.
    pub(super) terms: TermSet,
    /// The lengths of the fields of every record, added up, as they are now.
    pub(super) sums: LengthSums,
    /// The records that changed, in index order, with the lengths of their fields now.
    pub(super) records: Vec<(u32, [u32; FIELD_COUNT])>,
    /// Their postings now, by term.
    postings: BTreeMap<Vec<u8>, Posted>,
}

impl Changed {
    /// What changed since the `last` build, among the `records` (their indexes in
    /// `site.entries`, in index order): `own` gives what a record holds now, `was`
    /// what it held under its last key. `None` if the cache lost one.
    pub(super) fn of(
        last: &Last,
        records: &[usize],
        own: impl Fn(usize) -> Terms,
        was: impl Fn(usize, u64) -> Option<Terms>,
    ) -> Option<Changed> {
        let mut changed = Changed {
            now: HashMap::default(),
            terms: TermSet::default(),
            sums: last.sums,
            records: Vec::with_capacity(last.changed.len()),
            postings: BTreeMap::new(),
        };
        for &(at, key) in &last.changed {
            let i = records[at];
            let (before, lengths_before) = was(i, key)?;
            let now = own(i);
            for (term, _) in before.each().chain(now.0.each()) {
                if !changed.terms.contains(term) {
                    changed.terms.insert(term.to_vec());
                }
            }
            for (sum, (&was, &is)) in changed
                .sums
                .iter_mut()
                .zip(lengths_before.iter().zip(&now.1))
            {
                *sum = sum.checked_sub(u64::from(was))? + u64::from(is);
            }
            // `last.changed` is in index order: each term's postings are too.
            let doc = u32::try_from(at).ok()?;
            for (term, packed) in now.0.each() {
                let list = changed.postings.entry(term.to_vec()).or_default();
                list.push((doc, packed.to_vec()));
            }
            changed.records.push((doc, now.1));
            changed.now.insert(i, now);
        }
        Some(changed)
    }

    /// The records that changed, by their number in index order, in that order.
    pub(super) fn docs(&self) -> Vec<u32> {
        self.records.iter().map(|&(doc, _)| doc).collect()
    }
}

/// The terms of the last build that were not weighed again, put in byte order
/// between those that were.
pub(super) struct Splice {
    terms: Option<StreamTerms>,
    /// The next term of `terms`, read.
    next: Option<Weighed>,
    /// The terms weighed again: their last weighing is dropped.
    again: TermSet,
}

impl Splice {
    /// The terms of the `last` build but those `again`.
    pub(super) fn of(last: &Last, again: TermSet) -> io::Result<Splice> {
        let mut terms = last.terms()?;
        let next = terms.next()?;
        Ok(Splice {
            terms: Some(terms),
            next,
            again,
        })
    }

    /// None: every term is weighed.
    pub(super) fn none() -> Splice {
        Splice {
            terms: None,
            next: None,
            again: TermSet::default(),
        }
    }

    /// Hands `put` every term kept before `term` (all of them when `None`), and drops
    /// the last weighing of `term`.
    pub(super) fn until(
        &mut self,
        term: Option<&[u8]>,
        put: &mut dyn FnMut(Weighed) -> io::Result<()>,
    ) -> io::Result<()> {
        while let Some(next) = self.next.take() {
            let kept = next.0.as_bytes();
            if term.is_some_and(|t| kept > t) {
                self.next = Some(next);
                break;
            }
            if term != Some(kept) && !self.again.contains(kept) {
                put(next)?;
            }
            self.next = match &mut self.terms {
                Some(terms) => terms.next()?,
                None => None,
            };
        }
        Ok(())
    }
}

/// The terms of the index in byte order, each with its postings, as the weighing
/// takes them: merged from the runs of every record's terms, or, after an edit, those
/// of the terms to weigh again taken from the last build's postings and the records
/// that changed. Each term goes on to the stream of the postings this build writes,
/// as it is taken; after an edit, those not weighed again are copied there as they
/// were.
pub(super) struct Source {
    terms: SourceTerms,
    out: Option<PostingsWriter>,
}

enum SourceTerms {
    Merged(Merge),
    Edited(Box<Edit>),
    /// No record changed: no term to weigh again, and the last build's streams are
    /// this build's.
    Unchanged,
}

impl Source {
    /// The terms of every record, merged.
    pub(super) fn merged(merge: Merge) -> Source {
        Source {
            terms: SourceTerms::Merged(merge),
            out: None,
        }
    }

    /// The terms to weigh again after the records of `changed`, and those of `last`
    /// kept as they were.
    pub(super) fn edited(last: &Last, changed: Changed) -> io::Result<Source> {
        if changed.records.is_empty() {
            return Ok(Source {
                terms: SourceTerms::Unchanged,
                out: None,
            });
        }
        let edit = Edit {
            old: RawTerms::first(last.postings.chunks()?)?,
            docs: changed.docs(),
            new: changed.postings.into_iter().peekable(),
            again: changed.terms,
        };
        Ok(Source {
            terms: SourceTerms::Edited(Box::new(edit)),
            out: None,
        })
    }

    /// Whether no record changed since the last build: its streams are kept as
    /// they are, not written again.
    pub(super) fn unchanged(&self) -> bool {
        matches!(self.terms, SourceTerms::Unchanged)
    }

    /// Writes the postings to `out` from now on.
    pub(super) fn record_into(&mut self, out: Option<PostingsWriter>) {
        self.out = out;
    }

    /// The next term and its blocks of postings; `None` after the last.
    pub(super) fn next(&mut self) -> io::Result<Option<Merged>> {
        let next = match &mut self.terms {
            SourceTerms::Merged(merge) => merge.next()?,
            SourceTerms::Edited(edit) => edit.next(self.out.as_mut())?,
            SourceTerms::Unchanged => None,
        };
        if let (Some(out), Some((term, blocks))) = (&mut self.out, &next) {
            out.push(term, blocks);
        }
        Ok(next)
    }

    /// The stream of the postings written, once every term was taken.
    pub(super) fn written(self) -> Option<PostingsWriter> {
        self.out
    }
}

/// The terms to weigh again after an edit: the last build's postings of each, the
/// records that changed taken out, and theirs now put in, in byte order.
struct Edit {
    old: RawTerms,
    /// The postings of the records that changed, now, by term.
    new: std::iter::Peekable<std::collections::btree_map::IntoIter<Vec<u8>, Posted>>,
    /// The records that changed, in index order.
    docs: Vec<u32>,
    /// The terms to weigh again.
    again: TermSet,
}

impl Edit {
    /// The next term to weigh again with its postings; the terms of the last build
    /// before it, not weighed again, copied to `out`.
    fn next(&mut self, mut out: Option<&mut PostingsWriter>) -> io::Result<Option<Merged>> {
        loop {
            // The last build's next term against the next of the records that changed.
            let order = match (self.old.term(), self.new.peek()) {
                (None, None) => return Ok(None),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(old), Some((new, _))) => old.cmp(new.as_slice()),
            };
            let (term, posted) = match order {
                Ordering::Less => {
                    let term = self.old.term().unwrap_or_default();
                    if !self.again.contains(term) {
                        if let Some(out) = out.as_deref_mut() {
                            out.copy(self.old.entry());
                        }
                        self.old.advance()?;
                        continue;
                    }
                    (term.to_vec(), Vec::new())
                }
                _ => self.new.next().unwrap_or_default(),
            };
            let take_old = order != Ordering::Greater;
            let block = self.postings(take_old, &posted)?;
            if take_old {
                self.old.advance()?;
            }
            if !block.is_empty() {
                return Ok(Some((term, vec![block])));
            }
        }
    }

    /// One block of the postings of the term: the last build's (if `old`), but for
    /// the records that changed, and `new`, in the order of the records.
    fn postings(&self, old: bool, new: &[(u32, Vec<u8>)]) -> io::Result<Vec<u8>> {
        let mut block = Vec::new();
        let mut next = 0;
        let mut new = new.iter().peekable();
        let mut put = |block: &mut Vec<u8>, doc: u32, packed: &[u8]| {
            score::put_posting(block, &mut next, doc, packed);
        };
        if old {
            for raw in self.old.blocks()? {
                for (doc, packed) in score::postings_of(raw) {
                    while let Some((d, p)) = new.next_if(|(d, _)| *d < doc) {
                        put(&mut block, *d, p);
                    }
                    if self.docs.binary_search(&doc).is_err() {
                        put(&mut block, doc, packed);
                    }
                }
            }
        }
        for (d, p) in new {
            put(&mut block, *d, p);
        }
        Ok(block)
    }
}

/// The terms of a stream of postings, read a chunk at a time: the current one's
/// term and blocks, and the whole entry, as `PostingsWriter::push` wrote them.
struct RawTerms {
    chunks: Chunks,
    chunk: Vec<u8>,
    /// Where the current entry starts in `chunk`.
    at: usize,
    /// Its term, in `chunk`.
    term: std::ops::Range<usize>,
    /// Where its blocks start, and where it ends.
    blocks: usize,
    end: usize,
    ended: bool,
}

impl RawTerms {
    fn corrupt() -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, "a term's postings are corrupt")
    }

    /// The terms of `chunks`, at the first.
    fn first(chunks: Chunks) -> io::Result<RawTerms> {
        let mut terms = RawTerms {
            chunks,
            chunk: Vec::new(),
            at: 0,
            term: 0..0,
            end: 0,
            blocks: 0,
            ended: false,
        };
        terms.advance()?;
        Ok(terms)
    }

    /// Moves on to the next entry.
    fn advance(&mut self) -> io::Result<()> {
        self.at = self.end;
        if self.at == self.chunk.len() {
            match self.chunks.next_into(&mut self.chunk) {
                None => {
                    self.ended = true;
                    return Ok(());
                }
                Some(read) => {
                    read?;
                    self.at = 0;
                }
            }
        }
        let whole = &self.chunk[self.at..];
        let mut b = Bytes::new(whole);
        let term = b.bytes().map_err(|_| Self::corrupt())?;
        let term_end = whole.len() - b.remaining();
        self.term = self.at + term_end - term.len()..self.at + term_end;
        self.blocks = self.at + term_end;
        let count = b.varint().map_err(|_| Self::corrupt())?;
        for _ in 0..count {
            b.bytes().map_err(|_| Self::corrupt())?;
        }
        self.end = self.at + whole.len() - b.remaining();
        Ok(())
    }

    /// The current term; `None` after the last.
    fn term(&self) -> Option<&[u8]> {
        (!self.ended).then(|| &self.chunk[self.term.clone()])
    }

    /// The current entry, whole.
    fn entry(&self) -> &[u8] {
        &self.chunk[self.at..self.end]
    }

    /// The current term's blocks of postings.
    fn blocks(&self) -> io::Result<Vec<&[u8]>> {
        let mut b = Bytes::new(&self.chunk[self.blocks..self.end]);
        let count = b.varint().map_err(|_| Self::corrupt())?;
        (0..count)
            .map(|_| b.bytes().map_err(|_| Self::corrupt()))
            .collect()
    }
}

/// The stream of the postings a build writes.
pub(super) struct PostingsWriter(StreamWriter);

impl PostingsWriter {
    /// Appends a term and its blocks.
    fn push(&mut self, term: &[u8], blocks: &[Vec<u8>]) {
        let chunk = self.0.chunk();
        put_bytes(chunk, term);
        put_varint(chunk, blocks.len() as u64);
        for block in blocks {
            put_bytes(chunk, block);
        }
        self.0.close_full();
    }

    /// Appends an entry of the last build's stream as it was.
    fn copy(&mut self, entry: &[u8]) {
        self.0.chunk().extend_from_slice(entry);
        self.0.close_full();
    }
}

const WRITTEN: u8 = 1;
const MASKS: u8 = 2;
const DENSE: u8 = 4;
const HEAD: u8 = 8;

/// Appends a term to a chunk.
fn encode(out: &mut Vec<u8>, (term, e, written): (&str, &Encoded, bool)) {
    put_bytes(out, term.as_bytes());
    let flags = [
        (written, WRITTEN),
        (e.masks, MASKS),
        (e.dense, DENSE),
        (e.head.is_some(), HEAD),
    ];
    out.push(flags.iter().filter(|(on, _)| *on).map(|(_, f)| f).sum());
    put_varint(out, u64::from(e.df));
    put_varint(out, u64::from(e.scale));
    for part in [&e.postings, &e.followers, &e.preceders, &e.positions] {
        put_bytes(out, part);
    }
    if let Some(head) = &e.head {
        put_bytes(out, head);
    }
}

fn decode(b: &mut Bytes) -> Result<Weighed, Corrupt> {
    let corrupt = || Corrupt("a kept term is corrupt".into());
    let term = String::from_utf8(b.bytes()?.to_vec()).map_err(|_| corrupt())?;
    let flags = b.byte()?;
    let df = u32::try_from(b.varint()?).map_err(|_| corrupt())?;
    let scale = u32::try_from(b.varint()?).map_err(|_| corrupt())?;
    let mut part = || b.bytes().map(<[u8]>::to_vec);
    let encoded = Encoded {
        df,
        scale,
        postings: part()?,
        masks: flags & MASKS != 0,
        dense: flags & DENSE != 0,
        followers: part()?,
        preceders: part()?,
        positions: part()?,
        head: if flags & HEAD != 0 {
            Some(part()?)
        } else {
            None
        },
    };
    Ok((term, encoded, flags & WRITTEN != 0))
}

/// The stream of a build being written.
pub(super) struct Writer(StreamWriter);

impl Writer {
    pub(super) fn push(&mut self, term: (&str, &Encoded, bool)) {
        encode(self.0.chunk(), term);
        self.0.close_full();
    }
}

/// The stream in the build cache: the last build's, and the one this build writes.
pub(super) struct Streams {
    root: PathBuf,
    mode: Mode,
    write: bool,
    /// The stream of the last build, ignored: its file and why.
    ignored: Mutex<Option<(PathBuf, String)>>,
    /// The stream this build wrote, or why it could not.
    made: Mutex<Option<Result<Staged, Diagnostic>>>,
    /// The terms of this build's index taken from the last build's stream, and all.
    counts: Mutex<(usize, usize)>,
}

impl Streams {
    pub(super) fn open(root: &Path, mode: Mode, write: bool) -> Streams {
        Streams {
            root: root.to_path_buf(),
            mode,
            write,
            ignored: Mutex::new(None),
            made: Mutex::new(None),
            counts: Mutex::new((0, 0)),
        }
    }

    /// The last build's stream, if it was made in `context` but for some records
    /// (not more than a quarter of them), checked whole.
    pub(super) fn last(&self, context: &Context) -> Option<Last> {
        if self.mode != Mode::Use || context.records.is_empty() {
            return None;
        }
        let ignore = |(file, why): (PathBuf, String)| {
            *self.ignored.lock().unwrap_or_else(PoisonError::into_inner) = Some((file, why));
        };
        let stream = Stream::open(&self.root, NAME).map_err(ignore).ok()??;
        let (sums, records) = read_head(stream.head(), context)?;
        let changed: Vec<(usize, u64)> = (records.iter().zip(&context.records))
            .enumerate()
            .filter(|(_, (last, now))| last != now)
            .map(|(i, (last, _))| (i, last.0))
            .collect();
        if changed.len() > context.records.len() / 4 {
            return None;
        }
        let postings = Stream::open(&self.root, POSTINGS).map_err(ignore).ok()??;
        let lengths = read_lengths(postings.head(), stream.head(), records.len())?;
        stream.check().map_err(ignore).ok()?;
        // With no record changed, no postings are read (the head, checked, holds the
        // lengths): the stream is kept as it is, and checked when it is next read.
        if !changed.is_empty() {
            postings.check().map_err(ignore).ok()?;
        }
        Some(Last {
            stream,
            postings,
            sums,
            lengths,
            changed,
        })
    }

    /// The streams for this build to write, made in `context` by the `weigher` of
    /// its records, if the cache is written.
    pub(super) fn writers(
        &self,
        context: &Context,
        weigher: &Weigher,
    ) -> Option<(Writer, PostingsWriter)> {
        if self.mode == Mode::Off || !self.write {
            return None;
        }
        let head = context.head(&weigher.sums());
        let made = StreamWriter::create(&self.root, NAME, &head).and_then(|w| {
            let lengths = lengths_head(&head, weigher.lengths());
            let p = StreamWriter::create(&self.root, POSTINGS, &lengths)?;
            Ok((Writer(w), PostingsWriter(p)))
        });
        match made {
            Ok(made) => Some(made),
            Err(d) => {
                *self.made.lock().unwrap_or_else(PoisonError::into_inner) = Some(Err(d));
                None
            }
        }
    }

    /// Completes the streams `writer` and `postings` wrote, to be put in place with
    /// the cache.
    pub(super) fn finish(&self, writer: Writer, postings: Option<PostingsWriter>) {
        let made = match postings {
            Some(p) => (writer.0.finish()).and_then(|w| Ok(w.join(p.0.finish()?))),
            None => writer.0.finish(),
        };
        *self.made.lock().unwrap_or_else(PoisonError::into_inner) = Some(made);
    }

    /// Notes that `kept` of the index's `all` terms were taken from the last build.
    pub(super) fn count(&self, kept: usize, all: usize) {
        *self.counts.lock().unwrap_or_else(PoisonError::into_inner) = (kept, all);
    }

    /// The terms of the index taken from the last build, and all.
    pub(super) fn counts(&self) -> (usize, usize) {
        *self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The warning about the stream of the last build, if it was ignored.
    pub(super) fn warning(&self) -> Option<Diagnostic> {
        let ignored = self.ignored.lock().unwrap_or_else(PoisonError::into_inner);
        let (file, why) = ignored.as_ref()?;
        Some(
            Diagnostic::warning(
                Code::BuildCache,
                file,
                Pos::UNKNOWN,
                format!("the build cache was ignored: this file {why}"),
            )
            .with_help(
                "nothing to do: the search index weighs every term again and the cache is \
                 written anew (it is safe to delete .accord-cache/)",
            ),
        )
    }

    /// The stream this build wrote, for `Staged::commit`.
    pub(super) fn stage(self) -> Result<Option<Staged>, Diagnostic> {
        let made = self
            .made
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        made.transpose()
    }
}

/// The sums of the lengths and the records of a stream's `head`, if it was made in `context`'s
/// shared part with as many records.
fn read_head(head: &[u8], context: &Context) -> Option<(LengthSums, Vec<(u64, u64)>)> {
    let mut b = Bytes::new(head);
    let u64_of = |b: &mut Bytes| -> Option<u64> {
        let mut n = [0u8; 8];
        for byte in &mut n {
            *byte = b.byte().ok()?;
        }
        Some(u64::from_le_bytes(n))
    };
    if b.varint().ok()? != FORMAT || u64_of(&mut b)? != context.shared {
        return None;
    }
    let mut sums = [0u64; FIELD_COUNT];
    for s in &mut sums {
        *s = u64_of(&mut b)?;
    }
    if b.varint().ok()? != context.records.len() as u64 {
        return None;
    }
    let records = (0..context.records.len())
        .map(|_| Some((u64_of(&mut b)?, u64_of(&mut b)?)))
        .collect::<Option<Vec<_>>>()?;
    b.is_empty().then_some((sums, records))
}

/// The head of the stream of the postings: a hash of the head of the weighed terms'
/// stream written beside it (`index`), then the lengths of the fields of every
/// record, in index order.
fn lengths_head(index_head: &[u8], lengths: &[[u32; FIELD_COUNT]]) -> Vec<u8> {
    let mut head = Vec::with_capacity(lengths.len() * FIELD_COUNT * 2 + 16);
    head.extend_from_slice(&crate::hash::bytes(index_head).to_le_bytes());
    put_varint(&mut head, lengths.len() as u64);
    for l in lengths.iter().flatten() {
        put_varint(&mut head, u64::from(*l));
    }
    head
}

/// The lengths of the fields of `n` records in the `head` of a stream of postings,
/// if it was written beside the stream whose head is `index_head`.
fn read_lengths(head: &[u8], index_head: &[u8], n: usize) -> Option<Vec<[u32; FIELD_COUNT]>> {
    let (tie, rest) = head.split_first_chunk::<8>()?;
    if u64::from_le_bytes(*tie) != crate::hash::bytes(index_head) {
        return None;
    }
    let mut b = Bytes::new(rest);
    if b.varint().ok()? != n as u64 {
        return None;
    }
    let mut lengths = vec![[0u32; FIELD_COUNT]; n];
    for l in lengths.iter_mut().flatten() {
        *l = u32::try_from(b.varint().ok()?).ok()?;
    }
    b.is_empty().then_some(lengths)
}
