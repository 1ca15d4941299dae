//! Search: owns the whole search index under `search/` — what is indexed (from the
//! records, never from the rendered pages), the tokenizer, BM25F scores computed at
//! build time, the sharded binary format, and a reader that answers queries exactly
//! as the browser does (`themes/default/static/search.js`), for tests and benchmarks.
//!
//! The tokenizer has a twin in `search.js`; both are checked against the vectors in
//! `tests/search_vectors.json`, so they cannot drift. Reads the site model and
//! hands out files, each as soon as it is complete (`Sink`); never writes the output
//! (the pipeline writes them through `output`). Past a memory budget it keeps its
//! postings and a log of its files in temporary files of its own (`runs`).
//! The format is described in `docs/search.md`.
//!
//! The code follows the concerns: `tokenize` (the tokenizer and its twin in
//! `search.js`), `score` (the fields, BM25F weights and impacts, the score of a
//! query), `format` (every file's writer beside its reader), `read` (the reader),
//! `passages` (the bodies cut into passages for the snippets), `phrases` (the
//! CJK runs that records name, each a term of its own), `runs` (the
//! postings sorted by term in bounded memory), `hangul` (the dictionary of Hangul
//! words for "did you mean", and their distance in jamo) and `memo` (what is kept of
//! each record in the build cache, so that an edit tokenizes only what changed).

mod format;
mod hangul;
mod kept;
mod memo;
mod passages;
mod phrases;
mod read;
mod runs;
mod score;
mod tokenize;

use rayon::prelude::*;

use crate::kind::Kind;
use crate::site::{Entry, Site};

pub use format::{
    Corrupt, Head, Manifest, Term, pack_item, pack_len, pack_offsets, pack_range, parse_followers,
    parse_shard,
};
pub use hangul::jamo_distance;
pub use memo::Memo;
pub use read::{Facet, Filters, Reader, Results, read_size};
pub use tokenize::{
    MAX_WORD_CHARS, follow_bit, is_cjk, normalize, phrase_runs, stem, tokenize, tokenize_joined,
    word_distance,
};

use std::path::Path;

use tokenize::carries_masks;

use format::{Encoded, ShardWriter};
use phrases::Phrases;
use runs::{FileLog, Scratch};
use score::{Impacts, Mentions, Weigher};
use tokenize::{TYPO_MIN_CHARS, WRITTEN, is_typo_word};

/// The folder of the index in the output.
pub const DIR: &str = "search";
/// The manifest: the first and only file every query needs before the shards.
pub const MANIFEST: &str = "search/manifest.bin";
/// The cities: their ids and names, and those of every record; loaded only to
/// filter or count by city.
pub const CITIES: &str = "search/cities.bin";
/// The organizations and the topics, in the format of `cities.bin`: their ids and
/// names, and those of every record; loaded only to filter or count by them.
pub const ORGANIZATIONS: &str = "search/organizations.bin";
pub const TOPICS: &str = "search/topics.bin";
/// The dictionary of Hangul words, for "did you mean": a pack of buckets, read only
/// for a query without results that holds Hangul.
pub const HANGUL: &str = "search/jamo.bin";

/// A shard closes before it would grow past this many bytes (a single term with
/// longer postings gets a shard of its own).
pub const SHARD_TARGET: usize = 4 * 1024;
/// In the tests' small indexes (`build_with`), a followers or preceders file closes
/// before it would grow past the shard size divided by this.
pub const BLOCK_FILES_PER_SHARD: usize = 4;

/// The sizes of the files of an index.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// A shard closes before it would grow past this many bytes (a single term with
    /// longer postings gets a shard of its own).
    pub shard: usize,
    /// A followers or preceders file closes before it would grow past this many
    /// bytes (a single term with more gets a file of its own).
    pub blocks: usize,
    /// Records per record pack (`d/<n>.bin`, what a result shows, each record read
    /// alone with range requests).
    pub records_per_file: usize,
    /// Records per passages pack (`p/<n>.bin`): read only for a result whose title
    /// and summary hold no word of the query.
    pub passages_per_file: usize,
    /// Shards per key file (`k/<g>.bin`) and per shards pack (`s/<g>.bin`): the
    /// manifest holds the first key of every group of this many shards, a key file
    /// those of the shards of one group.
    pub keys_per_file: usize,
    /// Followers (or preceders) files per pack (`f/<n>.bin`, `b/<n>.bin`).
    pub blocks_per_file: usize,
    /// A term whose postings take more than this many bytes gets a head (its first
    /// `head_hits` hits and its counts by kind, language and year) in its shard, and
    /// its postings go to the postings packs (`t/<n>.bin`, as many per pack as
    /// shards per shards pack): a query of that one term reads the head only.
    pub head_from: usize,
    /// The hits of a head.
    pub head_hits: usize,
}

impl Sizes {
    /// The sizes of `accord build`, chosen for the first query's bytes (see "Files" in
    /// `docs/search.md` for what other sizes cost): 4 KB shards, 2 KB followers and
    /// preceders files (every item is read alone, so small ones cost no files), the
    /// records and passages of 32 records per pack (a server that ignores ranges
    /// sends the whole pack), 64 shards per key file and pack, and 64 followers or
    /// preceders files per pack.
    pub const BUILD: Sizes = Sizes {
        shard: SHARD_TARGET,
        blocks: 2 * 1024,
        records_per_file: 32,
        passages_per_file: 32,
        keys_per_file: 64,
        blocks_per_file: 64,
        head_from: HEAD_FROM,
        head_hits: HEAD_HITS,
    };
}

/// The postings bytes past which a term gets a head, in `Sizes::BUILD`: about 300
/// records. A head is about 250 bytes (`HEAD_HITS` hits and the counts), so a query
/// of such a term reads at most a quarter of its postings, however common it is.
pub const HEAD_FROM: usize = 1024;
/// The hits of a head in `Sizes::BUILD`: four pages of ten results (the page asks
/// for more only when the reader pages past them).
pub const HEAD_HITS: usize = 40;

/// Characters of body text kept per record for the snippet.
const SNIPPET_BODY_CHARS: usize = 160;

/// The files of the index, by path under the output root, sorted by path.
#[derive(Debug, Default)]
pub struct Index {
    pub files: Vec<(String, Vec<u8>)>,
}

impl Index {
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files
            .binary_search_by(|(p, _)| p.as_str().cmp(path))
            .ok()
            .map(|i| self.files[i].1.as_slice())
    }

    /// Item `k` of the pack at `path` (see `Manifest::record_file` and the others).
    pub fn item(&self, path: &str, k: usize) -> Option<&[u8]> {
        pack_item(self.get(path)?, k).ok()
    }

    /// Total bytes of all files.
    pub fn size(&self) -> usize {
        self.files.iter().map(|(_, b)| b.len()).sum()
    }
}

/// Bytes of postings, and of the index's files, held in memory before they are
/// written to temporary files: below it (small sites) nothing touches the disk.
pub const MEMORY_BUDGET: usize = 16 << 20;
/// Bytes of postings weighed at once, in parallel, as they come out of the merge.
const WEIGHED_AT_ONCE: usize = 4 << 20;
/// Records whose record and passages files are made at once.
const RECORDS_AT_ONCE: usize = 1024;

/// Where the files of an index go, each as soon as it is complete (from any thread),
/// with its fingerprint (`hash::bytes`), taken once for the sink and the index's
/// version.
pub trait Sink: Sync {
    fn put(&self, path: String, bytes: Vec<u8>, print: u64);
}

/// Holds every file (for `build`).
#[derive(Default)]
struct Collect(std::sync::Mutex<Vec<(String, Vec<u8>)>>);

impl Sink for Collect {
    fn put(&self, path: String, bytes: Vec<u8>, _print: u64) {
        (self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
        .push((path, bytes));
    }
}

/// Builds the index of every record of the site.
pub fn build(site: &Site) -> Index {
    build_sized(site, &Sizes::BUILD)
}

/// `build` with another shard size, and followers and preceders files of a quarter
/// of it (tests use small ones).
pub fn build_with(site: &Site, shard_target: usize) -> Index {
    let sizes = Sizes {
        shard: shard_target,
        blocks: shard_target / BLOCK_FILES_PER_SHARD,
        ..Sizes::BUILD
    };
    build_sized(site, &sizes)
}

/// `build` with other sizes of files.
pub fn build_sized(site: &Site, sizes: &Sizes) -> Index {
    build_spilling(site, sizes, MEMORY_BUDGET, &std::env::temp_dir())
        .expect("an index within the memory budget needs no temporary files")
}

/// `build_sized` holding about `budget` bytes of postings and of files, the rest in
/// temporary files in a new folder in `scratch` (removed at the end).
pub fn build_spilling(
    site: &Site,
    sizes: &Sizes,
    budget: usize,
    scratch: &Path,
) -> std::io::Result<Index> {
    let collect = Collect::default();
    build_into(site, sizes, budget, scratch, &collect, &Memo::off())?;
    let mut files = collect.0.into_inner().unwrap_or_default();
    files.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(Index { files })
}

/// Builds the index of every record of the site, handing each file to `sink` as soon
/// as it is complete, in no particular order: about `budget` bytes of postings and of
/// files are held, the rest is in temporary files in a new folder in `scratch`,
/// removed at the end, failed or not. What is made of each record alone is taken
/// from `memo` when it holds it under the record's key, and kept there otherwise.
pub fn build_into(
    site: &Site,
    sizes: &Sizes,
    budget: usize,
    scratch: &Path,
    sink: &dyn Sink,
    memo: &Memo,
) -> std::io::Result<()> {
    let keys = memo.keys(site);
    let memo = Keyed { memo, keys: &keys };
    let scratch = Scratch::new(scratch);
    let log = FileLog::default();
    let emit = |path: String, bytes: Vec<u8>| -> std::io::Result<()> {
        let print = crate::hash::bytes(&bytes);
        log.add(&path, print);
        sink.put(path, bytes, print);
        Ok(())
    };
    let order = Order::of(site);
    // 1–4. Every term with its number of records and its postings, in byte order,
    // cut into shards (sorted ranges of terms, each at most `sizes.shard` bytes),
    // with the followers and preceders files of all of them; and the words of the
    // typo dictionary.
    let (shard_count, separators, words) =
        shards(site, (&order, &memo), sizes, budget, &scratch, &emit)?;
    // 5. The typo dictionary, one file per word length.
    for (path, bytes) in dictionary_files(&words) {
        emit(path, bytes)?;
    }
    // 6. What is shown of each result, a few records per file, and 6b. the passages
    // of each record's body, for the snippets of the results shown, more records per
    // file; 6c. with the passages, the Hangul words of each record, for the
    // dictionary of Hangul words ("did you mean"), in buckets by syllable.
    let hangul_words = record_files(site, (&order.records, &memo), sizes, &emit)?;
    emit(HANGUL.to_string(), hangul::dictionary(hangul_words))?;
    // 7. The cities, and those of every record, for the city facet; the same of the
    // organizations and the topics.
    for (path, bytes) in city_files(site, &order.records)
        .into_iter()
        .chain(list_files(site, &order.records))
    {
        emit(path, bytes)?;
    }
    // 8. The keys of the shards: the first of every group in the manifest, the
    // others in one file per group.
    let (top, keys) = format::key_files(shard_count, &separators, sizes.keys_per_file);
    for (path, bytes) in keys {
        emit(path, bytes)?;
    }
    // 9. The manifest, with a version that changes with any other file.
    let kinds = Kind::ALL.iter().map(|k| k.id().to_string()).collect();
    let manifest = Manifest {
        version: String::new(),
        docs: order.facts.len(),
        kinds,
        langs: order.langs.iter().map(ToString::to_string).collect(),
        facts: order.facts,
        top,
        shards: shard_count,
        keys_per_file: sizes.keys_per_file,
        records_per_file: sizes.records_per_file,
        passages_per_file: sizes.passages_per_file,
        blocks_per_file: sizes.blocks_per_file,
    }
    .write(&log.version());
    let print = crate::hash::bytes(&manifest);
    sink.put(MANIFEST.to_string(), manifest, print);
    Ok(())
}

/// Hands a file to the sink (and the log).
type Emit<'a> = dyn Fn(String, Vec<u8>) -> std::io::Result<()> + Sync + 'a;

/// The build cache's blobs, and the key of every entry (none without a cache).
struct Keyed<'a> {
    memo: &'a Memo,
    keys: &'a [u64],
}

impl Keyed<'_> {
    fn key(&self, i: usize) -> Option<u64> {
        self.keys.get(i).copied()
    }
}

/// The shards, followers and preceders files and the postings packs of the records
/// (in the index `order`), each emitted as soon as it is complete; returns
/// the number of shards, the first key of every shard but the first, and the words
/// of the typo dictionary (see `is_typo_word`) with their number of records, in byte
/// order.
fn shards(
    site: &Site,
    (order, memo): (&Order, &Keyed),
    sizes: &Sizes,
    budget: usize,
    scratch: &Scratch,
    emit: &Emit,
) -> std::io::Result<(usize, Vec<Vec<u8>>, Vec<Word>)> {
    // 1. The postings of every record, by term, in runs sorted by term (or, after an
    // edit, those of the terms to weigh again), with the terms kept from the last
    // build.
    let (mut source, weigher, mut splice, kept) =
        sources(site, (order, memo), sizes, (budget, scratch))?;
    let mut out = Out {
        writer: ShardWriter::new(sizes.shard, sizes.blocks),
        kept,
        words: Vec::new(),
        pushed: 0,
        kept_terms: 0,
        terms: 0,
    };
    // Packed: the shards of a group of keys per file, the followers and preceders
    // files `sizes.blocks_per_file` at a time.
    let mut packers = [
        Packer::new("s", sizes.keys_per_file),
        Packer::new("f", sizes.blocks_per_file),
        Packer::new("b", sizes.blocks_per_file),
        Packer::new("t", sizes.keys_per_file),
        Packer::new("o", sizes.blocks_per_file),
    ];
    let mut emit_closed = |closed: format::Closed, last: bool| -> std::io::Result<()> {
        let files: Vec<(String, Vec<u8>)> = (packers.iter_mut().zip(closed))
            .flat_map(|(packer, numbered)| packer.add(numbered, last))
            .collect();
        files
            .into_par_iter()
            .try_for_each(|(path, bytes)| emit(path, bytes))
    };
    // 2. The runs merged, term by term in byte order; a batch of terms at a time,
    // 3. each term's postings weighed (BM25 impacts on its own scale) and encoded,
    // in parallel, and 4. cut into shards, with the terms of the last build that
    // were not weighed again between them.
    let mut batch: Vec<runs::Merged> = Vec::new();
    let mut held = 0;
    loop {
        let next = source.next()?;
        let done = next.is_none();
        if let Some((term, blocks)) = next {
            held += blocks.iter().map(Vec::len).sum::<usize>();
            batch.push((term, blocks));
        }
        if held < WEIGHED_AT_ONCE && !done {
            continue;
        }
        let encoded: Vec<(Encoded, bool)> = (batch.par_iter_mut())
            .map(|(term, blocks)| {
                let blocks = std::mem::take(blocks);
                encode(&weigher, (term, blocks), &order.facts, sizes)
            })
            .collect();
        for ((term, _), (data, written)) in batch.drain(..).zip(encoded) {
            let term = String::from_utf8(term).expect("terms are UTF-8");
            splice.until(Some(term.as_bytes()), &mut |t| {
                (out.push_kept(t)).map_or(Ok(()), |closed| emit_closed(closed, false))
            })?;
            out.push((term, data, written));
        }
        held = 0;
        emit_closed(out.take_closed(), false)?;
        if done {
            break;
        }
    }
    splice.until(None, &mut |t| {
        (out.push_kept(t)).map_or(Ok(()), |closed| emit_closed(closed, false))
    })?;
    let (closed, separators) = out.writer.finish();
    let shard_count = closed[0].0 + closed[0].1.len();
    emit_closed(closed, true)?;
    if let Some(kept) = out.kept {
        memo.memo.streams.finish(kept, source.written());
    }
    memo.memo.streams.count(out.kept_terms, out.terms);
    out.words.sort();
    Ok((shard_count, separators, out.words))
}

/// Where the terms of the index come from (`sorted`), with their weigher, the terms
/// of the last build's stream to put between them, and the stream of the weighed
/// terms this build writes (the stream of the postings is the source's to write):
/// the terms of a record tokenized, or taken from the build cache; with the last
/// build's streams, only those of the records that changed.
fn sources(
    site: &Site,
    (order, memo): (&Order, &Keyed),
    sizes: &Sizes,
    (budget, scratch): (usize, &Scratch),
) -> std::io::Result<(kept::Source, Weigher, kept::Splice, Option<kept::Writer>)> {
    let mentions = Mentions::of(&site.registry, &site.organizations);
    let phrases = Phrases::of(site, &mentions);
    let own = |i: usize| record_terms(site, (memo, &mentions), i, &phrases);
    let context = context(site, order, memo, sizes, &phrases);
    let last = (context.as_ref()).and_then(|c| memo.memo.streams.last(c));
    let was = |i: usize, key: u64| {
        let (terms, lengths) = memo.memo.last_terms(&site.entries[i], key)?;
        let more = phrases.of_record(&terms);
        Some((terms.with(more), lengths))
    };
    let changed = (last.as_ref()).and_then(|l| kept::Changed::of(l, &order.records, own, was));
    let keep = |i: usize| memo.memo.keep_terms(&site.entries[i], memo.key(i));
    let (mut source, weigher, splice) =
        sorted(order, (&own, &keep), (last, changed), (budget, scratch))?;
    let writers = (context.as_ref())
        .filter(|_| !source.unchanged())
        .and_then(|c| memo.memo.streams.writers(c, &weigher));
    let (kept, postings) = writers.unzip();
    source.record_into(postings);
    Ok((source, weigher, splice, kept))
}

/// The terms of record `i` (in `site.entries`), tokenized or from the build cache,
/// with the `phrases` it holds, and the lengths of its fields.
fn record_terms(
    site: &Site,
    (memo, mentions): (&Keyed, &Mentions),
    i: usize,
    phrases: &Phrases,
) -> runs::Terms {
    let (e, key) = (&site.entries[i], memo.key(i));
    let make = || runs::record_terms(site, i, mentions);
    let (terms, lengths) = memo.memo.terms(e, key, make);
    let more = phrases.of_record(&terms);
    (terms.with(more), lengths)
}

/// Where the weighed terms go, in byte order: the shards (and the other files of
/// the terms), the stream kept for the next build, and the typo dictionary.
struct Out {
    writer: ShardWriter,
    kept: Option<kept::Writer>,
    words: Vec<Word>,
    /// Bytes pushed since the shards closed were last taken.
    pushed: usize,
    /// Terms taken from the last build's stream, and all terms.
    kept_terms: usize,
    terms: usize,
}

impl Out {
    fn push(&mut self, (term, data, written): kept::Weighed) {
        if written {
            let word = term.trim_start_matches(WRITTEN);
            if is_typo_word(word) {
                self.words.push((word.to_string(), data.df));
            }
        }
        if let Some(kept) = &mut self.kept {
            kept.push((&term, &data, written));
        }
        self.pushed += data.postings.len() + data.positions.len() + 16;
        self.terms += 1;
        self.writer.push(&term, data);
    }

    /// Pushes a term taken from the last build; the shards closed, once enough was
    /// pushed since they were last taken.
    fn push_kept(&mut self, term: kept::Weighed) -> Option<format::Closed> {
        self.kept_terms += 1;
        self.push(term);
        self.full()
    }

    /// The shards closed, once enough was pushed since they were last taken.
    fn full(&mut self) -> Option<format::Closed> {
        (self.pushed >= WEIGHED_AT_ONCE).then(|| self.take_closed())
    }

    /// The shards closed since they were last taken.
    fn take_closed(&mut self) -> format::Closed {
        self.pushed = 0;
        self.writer.take_closed()
    }
}

/// The terms of record `i` (in `site.entries`) and the lengths of its fields.
type TermsOf<'a> = dyn Fn(usize) -> runs::Terms + Sync + 'a;

/// Keeps the cached terms of record `i` (in `site.entries`) for the next build,
/// unread.
type KeepTerms<'a> = dyn Fn(usize) + Sync + 'a;

/// What the weighing of every term depends on but its postings (`kept::Context`);
/// none without the build cache.
fn context(
    site: &Site,
    order: &Order,
    memo: &Keyed,
    sizes: &Sizes,
    phrases: &Phrases,
) -> Option<kept::Context> {
    if memo.keys.is_empty() {
        return None;
    }
    let mut k = kept::hasher();
    let Sizes {
        shard,
        blocks,
        records_per_file,
        passages_per_file,
        keys_per_file,
        blocks_per_file,
        head_from,
        head_hits,
    } = *sizes;
    for n in [shard, blocks, records_per_file, passages_per_file]
        .into_iter()
        .chain([keys_per_file, blocks_per_file, head_from, head_hits])
    {
        k.u64(n as u64);
    }
    k.u64(order.records.len() as u64);
    for &i in &order.records {
        k.str(&site.entries[i].record.source.to_string_lossy());
    }
    k.strs(order.langs.iter().map(|l| &**l));
    k.strs(phrases.runs());
    let records = (order.records.iter().zip(&order.facts))
        .map(|(&i, &(start, end, kind, lang))| {
            let mut f = crate::cache::KeyHasher::new();
            for n in [i64::from(start), i64::from(end), kind as i64, lang as i64] {
                f.u64(n as u64);
            }
            (memo.keys[i], f.finish())
        })
        .collect();
    Some(kept::Context {
        shared: k.finish(),
        records,
    })
}

/// The postings of the records (`own` gives a record's terms), by term, and their
/// weigher; with the last build's streams and what changed since, if the average
/// lengths of the fields are the same on their grid, only the terms of the records
/// that changed, with their postings from the last build's, and the rest of the terms
/// from its stream; the cached terms of the other records are then kept unread
/// (`keep`).
fn sorted(
    order: &Order,
    (own, keep): (&TermsOf, &KeepTerms),
    (last, changed): (Option<kept::Last>, Option<kept::Changed>),
    (budget, scratch): (usize, &Scratch),
) -> std::io::Result<(kept::Source, Weigher, kept::Splice)> {
    let n = order.records.len();
    let same = |last: &kept::Last, c: &kept::Changed| {
        Weigher::averages_of(last.sums(), n) == Weigher::averages_of(&c.sums, n)
    };
    let mut changed = changed;
    if let Some(mut last) = last
        && let Some(c) = changed.take_if(|c| same(&last, c))
    {
        let mut lengths = std::mem::take(&mut last.lengths);
        for &(doc, now) in &c.records {
            lengths[doc as usize] = now;
        }
        let weigher = Weigher::new(lengths);
        debug_assert_eq!(
            weigher.sums(),
            c.sums,
            "the sums of the lengths, as counted"
        );
        let docs = c.docs();
        (order.records.par_iter().enumerate())
            .filter(|(at, _)| docs.binary_search(&(*at as u32)).is_err())
            .for_each(|(_, &i)| keep(i));
        let splice = kept::Splice::of(&last, c.terms.clone())?;
        return Ok((kept::Source::edited(&last, c)?, weigher, splice));
    }
    let terms_of = |i: usize| -> runs::Terms {
        match changed.as_ref().and_then(|c| c.now.get(&i)) {
            Some(terms) => terms.clone(),
            None => own(i),
        }
    };
    let (merge, lengths) = runs::sort(&order.records, &terms_of, budget, scratch)?;
    let source = kept::Source::merged(merge);
    Ok((source, Weigher::new(lengths), kept::Splice::none()))
}

/// Files numbered in order (shards, followers or preceders files), as they are
/// closed, put into packs of `per_pack` (`format::packs`): a pack is made once it is
/// full, the last one at the end.
struct Packer {
    dir: &'static str,
    per_pack: usize,
    /// The number of the first file of `pending`: a multiple of `per_pack`.
    next: usize,
    pending: Vec<Vec<u8>>,
}

impl Packer {
    fn new(dir: &'static str, per_pack: usize) -> Packer {
        Packer {
            dir,
            per_pack: per_pack.max(1),
            next: 0,
            pending: Vec::new(),
        }
    }

    /// Takes the files `(first, list)`, numbered on from those taken before; returns
    /// the packs they complete, and with `last` the rest too.
    fn add(&mut self, (first, list): format::Numbered, last: bool) -> Vec<(String, Vec<u8>)> {
        debug_assert_eq!(first, self.next + self.pending.len());
        self.pending.extend(list);
        let full = if last {
            self.pending.len()
        } else {
            self.pending.len() / self.per_pack * self.per_pack
        };
        let items: Vec<Vec<u8>> = self.pending.drain(..full).collect();
        let packs = format::packs(self.dir, &items, self.per_pack, self.next / self.per_pack);
        self.next += full;
        packs
    }
}

/// The postings of a term (its blocks, as `runs::Merge` gives them) weighed, with
/// BM25 impacts on the term's own scale, and encoded, with a head when they take
/// more than `sizes.head_from` bytes with a mask per posting, whether they carry
/// them or not (`facts` of the records in index order); and whether the term is
/// written as a token in some record.
fn encode(
    weigher: &Weigher,
    (term, blocks): (&[u8], Vec<Vec<u8>>),
    facts: &[Fact],
    sizes: &Sizes,
) -> (Encoded, bool) {
    let (p, written) = weigher.weigh(blocks.iter().map(Vec::as_slice));
    // The postings as read are dropped before they are encoded: a common term's are
    // megabytes at a million records.
    drop(blocks);
    let impacts = Impacts::of(weigher.records(), &p.list);
    let masks = carries_masks(term);
    let list = (p.list.iter()).map(|w| (w.doc, impacts.impact(w), w.mask));
    let postings = format::write_postings(list.clone(), masks);
    let with_masks = postings.len() + if masks { 0 } else { p.list.len() };
    let (postings, dense) = format::shortest_postings(postings, list, masks);
    let head = (with_masks > sizes.head_from).then(|| {
        let list: Vec<(u32, u8)> = (p.list.iter())
            .map(|w| (w.doc, impacts.impact(w)))
            .collect();
        head_of(impacts.scale, &list, facts, sizes.head_hits).write()
    });
    let encoded = Encoded {
        df: p.list.len() as u32,
        scale: impacts.scale,
        postings,
        masks,
        dense,
        followers: format::write_followers(p.neighbours().map(|(next, _)| next)),
        preceders: format::write_followers(p.neighbours().map(|(_, prev)| prev)),
        positions: p.positions,
        head,
    };
    (encoded, written)
}

/// A record's start year, end year, kind and language index.
type Fact = (i32, i32, usize, usize);

/// The head of a term: its first `k` hits for a query of that term alone
/// (`score::first_hits`), and its records counted by kind, language and year (every
/// year from start to end), as the engine counts the facets of a query with no
/// filter. `postings` are `(record, impact)` on the term's `scale`.
fn head_of(scale: u32, postings: &[(u32, u8)], facts: &[Fact], k: usize) -> Head {
    let docs = postings.iter().map(|&(d, _)| facts[d as usize]);
    let first = docs.clone().map(|f| f.0).min().unwrap_or(0);
    let last = docs.clone().map(|f| f.1).max().unwrap_or(first);
    // Counts by index (kind, language, year from `first`), in a vector each.
    let mut kinds: Vec<usize> = Vec::new();
    let mut langs: Vec<usize> = Vec::new();
    let mut years = vec![0usize; (last - first + 1).max(0) as usize];
    let bump = |counts: &mut Vec<usize>, i: usize| {
        if counts.len() <= i {
            counts.resize(i + 1, 0);
        }
        counts[i] += 1;
    };
    for (start, end, kind, lang) in docs {
        bump(&mut kinds, kind);
        bump(&mut langs, lang);
        for y in start..=end {
            years[(y - first) as usize] += 1;
        }
    }
    let listed = |counts: Vec<usize>| -> Vec<(usize, usize)> {
        (counts.into_iter().enumerate())
            .filter(|&(_, n)| n > 0)
            .collect()
    };
    Head {
        hits: score::first_hits(scale, postings.iter().copied(), facts, k),
        kinds: listed(kinds),
        langs: listed(langs),
        years: (listed(years).into_iter())
            .map(|(y, n)| (first + y as i32, n))
            .collect(),
    }
}

/// The record files (`d/`) and the passages files (`p/`) of the `records` (indexes
/// in `site.entries`, in index order), made a few records at a time; returns the
/// Hangul words of the records, counted as each body is read for its passages. What
/// is made of a record's bodies (`memo::Passages`) is taken from the build cache
/// when it is there.
fn record_files(
    site: &Site,
    (records, memo): (&[usize], &Keyed),
    sizes: &Sizes,
    emit: &Emit,
) -> std::io::Result<hangul::Counts> {
    let mut words = hangul::Counts::default();
    let (per_d, per_p) = (
        sizes.records_per_file.max(1),
        sizes.passages_per_file.max(1),
    );
    // A whole number of files of both kinds at once.
    let both = per_d / gcd(per_d, per_p) * per_p;
    let at_once = RECORDS_AT_ONCE.div_ceil(both) * both;
    for (k, chunk) in records.chunks(at_once).enumerate() {
        let made: Vec<(Vec<u8>, memo::Passages)> = (chunk.par_iter())
            .map(|&i| {
                let e = &site.entries[i];
                let passages = memo.memo.passages(e, memo.key(i), || {
                    let body = e.body.text();
                    memo::Passages {
                        file: passages::write(e, &body),
                        words: hangul::record_words(e, &body),
                        snippets: format::snippets(e, &body),
                    }
                });
                (
                    format::write_doc_meta(site, e, &passages.snippets),
                    passages,
                )
            })
            .collect();
        let mut d_items = Vec::with_capacity(made.len());
        let mut p_items = Vec::with_capacity(made.len());
        for (item, of_record) in made {
            d_items.push(item);
            p_items.push(of_record.file);
            words.add(&of_record.words);
        }
        let mut files = format::packs("d", &d_items, per_d, k * at_once / per_d);
        files.extend(format::packs("p", &p_items, per_p, k * at_once / per_p));
        drop((d_items, p_items));
        files
            .into_par_iter()
            .try_for_each(|(path, bytes)| emit(path, bytes))?;
    }
    Ok(words)
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// A word of the typo dictionary and its number of records.
type Word = (String, u32);

/// The typo dictionary: `w/<n>.bin` for every word length `n` from `TYPO_MIN_CHARS`
/// to `MAX_WORD_CHARS`, empty ones too (the page fetches them by length).
fn dictionary_files(words: &[Word]) -> Vec<(String, Vec<u8>)> {
    (TYPO_MIN_CHARS..=MAX_WORD_CHARS)
        .map(|n| {
            let of_length = words.iter().filter(|(w, _)| w.chars().count() == n);
            let bytes = format::write_words(
                of_length
                    .map(|(w, df)| (w.as_str(), *df))
                    .collect::<Vec<_>>()
                    .into_iter(),
            );
            (format!("{DIR}/w/{n}.bin"), bytes)
        })
        .collect()
}

/// The records in index order: by start year, then end year (newest first), kind and
/// language, so that these facets are ranges of ids; then the site's order.
struct Order {
    /// Index in `site.entries` of every record, in index order.
    records: Vec<usize>,
    /// The languages of the records, sorted.
    langs: Vec<crate::names::Name>,
    /// Per record in index order: start year, end year, kind and language index.
    facts: Vec<Fact>,
}

impl Order {
    fn of(site: &Site) -> Order {
        let entries = &site.entries;
        let mut langs: Vec<crate::names::Name> =
            entries.iter().map(|e| e.record.lang.clone()).collect();
        langs.sort();
        langs.dedup();
        let fact = |e: &Entry| {
            let (start, end) = (*e.years().start(), *e.years().end());
            let lang = langs.binary_search(&e.record.lang).unwrap_or(0);
            (start, end, e.record.kind as usize, lang)
        };
        let mut records: Vec<usize> = (0..entries.len()).collect();
        records.sort_by_key(|&i| {
            let e = &entries[i];
            let (start, end, _, lang) = fact(e);
            (
                std::cmp::Reverse(start),
                std::cmp::Reverse(end),
                e.record.kind,
                lang,
                i,
            )
        });
        let facts = records.iter().map(|&i| fact(&entries[i])).collect();
        Order {
            records,
            langs,
            facts,
        }
    }
}

/// `organizations.bin` and `topics.bin`: the ids and names (in the default language)
/// of the registered organizations and of every topic, and those of every record. The
/// names, written by editors (a topic's is a tag as written), hold no markup: `&`, `<`
/// and `>` are written `&amp;`, `&lt;` and `&gt;`, as the JSON files of the index
/// escape them.
fn list_files(site: &Site, records: &[usize]) -> Vec<(String, Vec<u8>)> {
    let lang = site.config.language.as_str();
    let inert = |name: &str| {
        name.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let orgs = &site.organizations;
    let org_names: Vec<(&str, String)> = (orgs.list.iter().enumerate())
        .map(|(i, o)| (o.id.as_str(), inert(orgs.name(i, lang))))
        .collect();
    let of_org: Vec<Vec<usize>> = (records.iter())
        .map(|&i| score::organizations_of(site, &site.entries[i].record))
        .collect();
    let topics = &site.topics;
    let topic_names: Vec<(&str, String)> = (topics.topics.iter().enumerate())
        .map(|(i, t)| {
            (
                t.slug.as_str(),
                inert(topics.name(&site.topic_registry, i, lang)),
            )
        })
        .collect();
    let of_topic: Vec<Vec<usize>> = (records.iter())
        .map(|&i| {
            let mut list: Vec<usize> = (site.entries[i].record.tags.iter())
                .filter_map(|t| topics.of_tag(t))
                .collect();
            list.sort_unstable();
            list.dedup();
            list
        })
        .collect();
    fn pairs<'a>(names: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
        names.iter().map(|(id, n)| (*id, n.as_str())).collect()
    }
    vec![
        (
            ORGANIZATIONS.to_string(),
            format::write_cities(&pairs(&org_names), of_org.iter().map(Vec::as_slice)),
        ),
        (
            TOPICS.to_string(),
            format::write_cities(&pairs(&topic_names), of_topic.iter().map(Vec::as_slice)),
        ),
    ]
}

/// `cities.bin`, and one file per city: its name and its records, to filter by one
/// city cheaply.
fn city_files(site: &Site, records: &[usize]) -> Vec<(String, Vec<u8>)> {
    let lang = site.config.language.as_str();
    let reg = &site.registry;
    let names: Vec<(&str, &str)> = (reg.cities.iter().enumerate())
        .map(|(id, c)| (c.id.as_str(), reg.name(id, lang)))
        .collect();
    let of_record = records.iter().map(|&i| &*site.entries[i].record.cities);
    let mut files = vec![(CITIES.to_string(), format::write_cities(&names, of_record))];
    let mut of_city: Vec<Vec<u32>> = vec![Vec::new(); reg.cities.len()];
    for (doc, &i) in records.iter().enumerate() {
        for &c in &site.entries[i].record.cities {
            of_city[c].push(doc as u32);
        }
    }
    for (docs, (id, name)) in of_city.iter().zip(&names) {
        files.push((format!("{DIR}/c/{id}.bin"), format::write_city(name, docs)));
    }
    files
}
