//! The files of the index, each writer right beside its reader: varints and strings,
//! postings, shards, the manifest, the cities and the city files, and the record
//! files (JSON, read only by the page). `docs/search.md` describes every byte;
//! `search.js` decodes the same files.
//!
//! Also the one hash of the search code, FNV-1a: its values are part of the format
//! (the "followed by" bits, the version) and it keys the build's hash maps.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use serde::Serialize;

use crate::markdown::Rendered;
use crate::site::{Entry, Site};

use super::SNIPPET_BODY_CHARS;

const MAGIC: &[u8; 4] = b"ACS8";

/// A decoding error: the files are not an index this version wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Corrupt(pub String);

// ------------------------------------------------------------------ the hash

/// FNV-1a. The 64-bit hash is the default (the version of the index, the keys of the
/// build's hash maps); the 32-bit one is what `followBit` in `search.js` computes.
#[derive(Clone, Copy)]
pub(super) struct Fnv1a {
    state: u64,
    prime: u64,
}

impl Fnv1a {
    const NARROW: Fnv1a = Fnv1a {
        state: 0x811c_9dc5,
        prime: 0x0100_0193,
    };

    /// The 32-bit FNV-1a of `bytes`: the low half of the same steps (the low bits of
    /// a product depend only on the low bits of its factors).
    pub(super) fn hash32(bytes: &[u8]) -> u32 {
        let mut h = Fnv1a::NARROW;
        h.write(bytes);
        h.finish() as u32
    }
}

impl Default for Fnv1a {
    fn default() -> Fnv1a {
        Fnv1a {
            state: 0xcbf2_9ce4_8422_2325,
            prime: 0x0100_0000_01b3,
        }
    }
}

impl Hasher for Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.state = (self.state ^ u64::from(b)).wrapping_mul(self.prime);
        }
    }

    fn finish(&self) -> u64 {
        self.state
    }
}

/// The hasher of the build's hash maps, whose keys are mostly terms of a few bytes:
/// FxHash's step on 8 bytes at a time (a short tail read as two overlapping words),
/// and a 128-bit product folded, so that the low bits a table indexes by depend on
/// every byte. Not FNV-1a's byte at a time: a set of terms looked up for every term
/// of every record spent most of its time hashing.
#[derive(Clone, Copy, Default)]
pub(super) struct Words(u64);

impl Words {
    const K: u64 = 0xf135_7aea_2e62_a9c5;

    fn step(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(26) ^ word).wrapping_mul(Words::K);
    }
}

impl Hasher for Words {
    fn write(&mut self, bytes: &[u8]) {
        let le4 = |b: &[u8]| u64::from(u32::from_le_bytes(b.try_into().unwrap_or_default()));
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            self.step(u64::from_le_bytes(w.try_into().unwrap_or_default()));
        }
        let tail = words.remainder();
        let n = tail.len();
        if n >= 4 {
            self.step(le4(&tail[..4]) << 32 | le4(&tail[n - 4..]));
        } else if n > 0 {
            let (a, b, c) = (tail[0], tail[n / 2], tail[n - 1]);
            self.step(u64::from(a) << 16 | u64::from(b) << 8 | u64::from(c));
        }
        // The length, so that tails read alike (`ab` and `abb`) hash apart.
        self.step(n as u64);
    }

    fn write_u8(&mut self, n: u8) {
        self.step(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.step(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.step(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.step(n as u64);
    }

    fn finish(&self) -> u64 {
        let m = u128::from(self.0) * u128::from(Words::K);
        (m as u64) ^ (m >> 64) as u64
    }
}

/// The build's hash maps (nothing written depends on their order).
pub(super) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Words>>;

/// The version of an index: the 64-bit hash of every other file, path and bytes, in
/// path order (`add` them so); it changes with any of them.
#[derive(Default)]
pub(super) struct Version(Fnv1a);

impl Version {
    /// A file, by its path and fingerprint.
    pub(super) fn add(&mut self, path: &str, file_hash: u64) {
        self.0.write(path.as_bytes());
        self.0.write(&[0]);
        self.0.write(&file_hash.to_le_bytes());
    }

    pub(super) fn finish(&self) -> String {
        format!("{:016x}", self.0.finish())
    }
}

// ------------------------------------------------------------------ varints, strings

/// An unsigned LEB128 varint.
pub(super) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A varint length, then the bytes.
pub(super) fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_bytes(out, s.as_bytes());
}

fn zigzag(v: i32) -> u64 {
    u64::from(((v << 1) ^ (v >> 31)) as u32)
}

fn unzigzag(v: u64) -> i32 {
    let v = v as u32;
    ((v >> 1) as i32) ^ -((v & 1) as i32)
}

/// The reading side of `put_varint`, `put_bytes` and `put_str`.
pub(super) struct Bytes<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Bytes<'a> {
    pub(super) fn new(b: &'a [u8]) -> Bytes<'a> {
        Bytes { b, at: 0 }
    }

    /// Whether every byte was read.
    pub(super) fn is_empty(&self) -> bool {
        self.at >= self.b.len()
    }

    /// How many bytes are left to read.
    pub(super) fn remaining(&self) -> usize {
        self.b.len().saturating_sub(self.at)
    }

    /// Inlined where it is read (terms and postings are read a number at a time, tens
    /// of millions of them in a build), the numbers of more than one byte aside.
    #[inline]
    pub(super) fn varint(&mut self) -> Result<u64, Corrupt> {
        // Most numbers of the index take one byte.
        if let Some(&byte) = self.b.get(self.at)
            && byte < 0x80
        {
            self.at += 1;
            return Ok(u64::from(byte));
        }
        self.long_varint()
    }

    #[cold]
    #[inline(never)]
    fn long_varint(&mut self) -> Result<u64, Corrupt> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let byte = self
                .byte()
                .map_err(|_| Corrupt("truncated varint".into()))?;
            if shift > 63 {
                return Err(Corrupt("varint too long".into()));
            }
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
        }
    }

    #[inline]
    fn usize(&mut self) -> Result<usize, Corrupt> {
        usize::try_from(self.varint()?).map_err(|_| Corrupt("number too large".into()))
    }

    #[inline]
    pub(super) fn bytes(&mut self) -> Result<&'a [u8], Corrupt> {
        let len = self.usize()?;
        let end = self
            .at
            .checked_add(len)
            .filter(|&e| e <= self.b.len())
            .ok_or_else(|| Corrupt("truncated bytes".into()))?;
        let out = &self.b[self.at..end];
        self.at = end;
        Ok(out)
    }

    pub(super) fn byte(&mut self) -> Result<u8, Corrupt> {
        let b = *self
            .b
            .get(self.at)
            .ok_or_else(|| Corrupt("truncated".into()))?;
        self.at += 1;
        Ok(b)
    }

    /// A string written as the bytes it shares with `prev`, then the rest.
    fn after(&mut self, prev: &[u8]) -> Result<Vec<u8>, Corrupt> {
        let shared = self.usize()?;
        let mut out = prev
            .get(..shared)
            .ok_or(Corrupt("bad prefix".into()))?
            .to_vec();
        out.extend_from_slice(self.bytes()?);
        Ok(out)
    }

    fn string(&mut self) -> Result<String, Corrupt> {
        String::from_utf8(self.bytes()?.to_vec()).map_err(|_| Corrupt("not UTF-8".into()))
    }
}

// ------------------------------------------------------------------ postings

/// The mask a posting without one reads as: every token may follow.
const ANY_FOLLOWS: u8 = 0xff;

/// The postings of one term, by ascending record: `(record, impact, followed-by mask)`,
/// each record as the gap from one more than the one before; the mask only when
/// `masks`. A word's postings carry it; a CJK term's (a bigram or one character) do
/// not: only a bigram followed by the next bigram of its run gets an adjacency
/// bonus, and a record that holds the query's run (checked exactly with the
/// followers, preceders and positions) holds every such pair, so the reader gives
/// those postings `ANY_FOLLOWS`.
pub(super) fn write_postings(
    postings: impl ExactSizeIterator<Item = (u32, u8, u8)>,
    masks: bool,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(postings.len() * 3);
    let mut next = 0u32;
    for (doc, impact, mask) in postings {
        put_varint(&mut out, u64::from(doc - next));
        out.push(impact);
        if masks {
            out.push(mask);
        }
        next = doc + 1;
    }
    out
}

/// The postings of a term: `gaps`, as `write_postings` wrote them, or *dense*
/// (`write_dense_postings`) when that is shorter; returns the bytes and whether they
/// are dense.
pub(super) fn shortest_postings(
    gaps: Vec<u8>,
    postings: impl ExactSizeIterator<Item = (u32, u8, u8)> + Clone,
    masks: bool,
) -> (Vec<u8>, bool) {
    let span = match (postings.clone().next(), postings.clone().last()) {
        (Some(first), Some(last)) => (last.0 - first.0) as usize / 8 + 1,
        _ => return (gaps, false),
    };
    // The bitmap, its length and the first record (at most 5 bytes each), instead of
    // one gap or more per posting.
    if span + 10 + postings.len() * (1 + usize::from(masks)) >= gaps.len() {
        return (gaps, false);
    }
    let dense = write_dense_postings(&postings.collect::<Vec<_>>(), masks);
    if dense.len() < gaps.len() {
        (dense, true)
    } else {
        (gaps, false)
    }
}

/// Dense postings, for a term of many records: the first record; a bitmap of the
/// records from it on (bytes: bit `i` of byte `j` is record first + 8j + i); then, in
/// the order of the records, each posting's impact and, when `masks`, its mask.
pub(super) fn write_dense_postings(postings: &[(u32, u8, u8)], masks: bool) -> Vec<u8> {
    let first = postings.first().map_or(0, |p| p.0);
    let span = postings
        .last()
        .map_or(0, |p| (p.0 - first) as usize / 8 + 1);
    let mut bits = vec![0u8; span];
    for &(doc, _, _) in postings {
        let k = (doc - first) as usize;
        bits[k / 8] |= 1 << (k % 8);
    }
    let mut out = Vec::with_capacity(span + postings.len() * 2 + 10);
    put_varint(&mut out, u64::from(first));
    put_bytes(&mut out, &bits);
    for &(_, impact, mask) in postings {
        out.push(impact);
        if masks {
            out.push(mask);
        }
    }
    out
}

/// The reading side of `write_postings` (`dense` false) and `write_dense_postings`
/// (`dense`): `df` postings, with their masks when `masks`, each `ANY_FOLLOWS`
/// otherwise.
pub(super) fn read_postings(
    bytes: &[u8],
    df: usize,
    masks: bool,
    dense: bool,
) -> Result<Vec<(u32, u8, u8)>, Corrupt> {
    if dense {
        return read_dense_postings(bytes, df, masks);
    }
    let mut p = Bytes::new(bytes);
    let mut postings = Vec::with_capacity(df.min(bytes.len()));
    let mut next = 0u64;
    for _ in 0..df {
        let doc = next + p.varint()?;
        let impact = p.byte()?;
        let mask = if masks { p.byte()? } else { ANY_FOLLOWS };
        postings.push((
            u32::try_from(doc).map_err(|_| Corrupt("record id".into()))?,
            impact,
            mask,
        ));
        next = doc + 1;
    }
    Ok(postings)
}

/// The reading side of `write_dense_postings`.
fn read_dense_postings(
    bytes: &[u8],
    df: usize,
    masks: bool,
) -> Result<Vec<(u32, u8, u8)>, Corrupt> {
    let mut p = Bytes::new(bytes);
    let first = u32::try_from(p.varint()?).map_err(|_| Corrupt("record id".into()))?;
    let bits = p.bytes()?;
    let docs = (0..bits.len() * 8).filter(|k| bits[k / 8] & (1 << (k % 8)) != 0);
    let mut postings = Vec::with_capacity(df.min(bytes.len()));
    for k in docs {
        let doc = u32::try_from(k).ok().and_then(|k| first.checked_add(k));
        let doc = doc.ok_or_else(|| Corrupt("record id".into()))?;
        let impact = p.byte()?;
        let mask = if masks { p.byte()? } else { ANY_FOLLOWS };
        postings.push((doc, impact, mask));
    }
    if postings.len() != df {
        return Err(Corrupt("dense postings".into()));
    }
    Ok(postings)
}

/// What follows (or comes before) a CJK bigram in each of its records, in the order
/// of its postings: the characters that follow it anywhere (its alphabet, most
/// frequent first, as one string), then per posting their number and their indexes
/// in the alphabet. Empty when nothing follows the term anywhere (a word, a unigram,
/// a run-final bigram; for preceders, a run-initial one).
pub(super) fn write_followers<'a>(postings: impl Iterator<Item = &'a [char]> + Clone) -> Vec<u8> {
    // Each character numbered as it is first met, in a map (an alphabet is small beside
    // the characters of a common term's postings), every occurrence kept as its
    // number, each number counted; then the alphabet most frequent first, and every
    // occurrence written as its rank, found by its number without a second lookup.
    let mut numbers: FastMap<char, u32> = FastMap::default();
    let mut alphabet: Vec<(char, usize)> = Vec::new();
    let mut met: Vec<u32> = Vec::new();
    let mut count = 0;
    for next in postings.clone() {
        count += 1;
        for &c in next {
            let n = *numbers.entry(c).or_insert_with(|| {
                alphabet.push((c, 0));
                (alphabet.len() - 1) as u32
            });
            alphabet[n as usize].1 += 1;
            met.push(n);
        }
    }
    if met.is_empty() {
        return Vec::new();
    }
    let mut order: Vec<u32> = (0..alphabet.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| {
        let (a, b) = (alphabet[a as usize], alphabet[b as usize]);
        b.1.cmp(&a.1).then(a.0.cmp(&b.0))
    });
    let chars: String = order.iter().map(|&n| alphabet[n as usize].0).collect();
    let mut rank = vec![0u32; alphabet.len()];
    for (r, &n) in order.iter().enumerate() {
        rank[n as usize] = r as u32;
    }
    // The alphabet, then about a byte per posting and per character.
    let mut out = Vec::with_capacity(chars.len() + 2 + count + met.len());
    put_str(&mut out, &chars);
    let mut met = met.into_iter();
    for next in postings {
        put_varint(&mut out, next.len() as u64);
        for n in met.by_ref().take(next.len()) {
            put_varint(&mut out, u64::from(rank[n as usize]));
        }
    }
    out
}

/// The reading side of `write_followers`: per posting, the characters that follow.
pub(super) fn read_followers(bytes: &[u8], df: usize) -> Result<Vec<Vec<char>>, Corrupt> {
    if bytes.is_empty() {
        return Ok(vec![Vec::new(); df]);
    }
    let mut r = Bytes::new(bytes);
    let alphabet: Vec<char> = r.string()?.chars().collect();
    let mut out = Vec::with_capacity(df.min(bytes.len()));
    for _ in 0..df {
        let n = r.usize()?;
        let next = (0..n)
            .map(|_| {
                let at = r.usize()?;
                alphabet.get(at).copied().ok_or(Corrupt("follower".into()))
            })
            .collect::<Result<Vec<char>, Corrupt>>()?;
        out.push(next);
    }
    Ok(out)
}

/// The places of a CJK bigram in one record (`places`, ascending): one varint that
/// holds the first place (0 if none) times 4 plus their number up to 3; when there
/// are 3 places or more, their number minus 3; then each place after the first as
/// its step from the one before. A term's positions block is these, posting after
/// posting; empty for a term that is not a bigram.
pub(super) fn put_positions(out: &mut Vec<u8>, places: &[u32]) {
    let n = places.len();
    let first = places.first().copied().unwrap_or(0);
    put_varint(out, u64::from(first) << 2 | n.min(3) as u64);
    if n >= 3 {
        put_varint(out, (n - 3) as u64);
    }
    for pair in places.windows(2) {
        put_varint(out, u64::from(pair[1] - pair[0]));
    }
}

/// The reading side of a positions block: per posting, the places of the term.
pub(super) fn read_positions(bytes: &[u8], df: usize) -> Result<Vec<Vec<u32>>, Corrupt> {
    if bytes.is_empty() {
        return Ok(vec![Vec::new(); df]);
    }
    let mut r = Bytes::new(bytes);
    let mut out = Vec::with_capacity(df.min(bytes.len()));
    for _ in 0..df {
        let mut places = Vec::new();
        read_places(&mut r, &mut places)?;
        out.push(places);
    }
    Ok(out)
}

/// The places of one record, off the front of `r` (see `read_positions`), appended
/// to `places`.
pub(super) fn read_places(r: &mut Bytes, places: &mut Vec<u32>) -> Result<(), Corrupt> {
    let place = |v: u64| u32::try_from(v).map_err(|_| Corrupt("position".into()));
    let head = r.varint()?;
    let n = match head & 3 {
        3 => r
            .usize()?
            .checked_add(3)
            .ok_or(Corrupt("position".into()))?,
        n => n as usize,
    };
    let mut at = place(head >> 2)?;
    places.reserve(n.min(r.remaining()));
    if n > 0 {
        places.push(at);
    }
    for _ in 1..n {
        at = at
            .checked_add(place(r.varint()?)?)
            .ok_or(Corrupt("position".into()))?;
        places.push(at);
    }
    Ok(())
}

// ------------------------------------------------------------------ heads

/// What a query of one term with no filter needs of a term with long postings (see
/// `Sizes::head_from`): its first hits in the engine's order, `(record, impact)`,
/// and its records counted by kind and language (by index in the manifest's lists)
/// and by year (a record counts in every year from its start to its end).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Head {
    pub hits: Vec<(u32, u8)>,
    pub kinds: Vec<(usize, usize)>,
    pub langs: Vec<(usize, usize)>,
    pub years: Vec<(i32, usize)>,
}

impl Head {
    /// The number of hits; per hit the record and the impact (a byte); then the
    /// counts by kind and by language, each as the number of values and per value its
    /// index and count; then by year, the number of years and per year the year
    /// (zigzag) and its count.
    pub(super) fn write(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.hits.len() * 4 + 64);
        put_varint(&mut out, self.hits.len() as u64);
        for &(d, impact) in &self.hits {
            put_varint(&mut out, u64::from(d));
            out.push(impact);
        }
        for list in [&self.kinds, &self.langs] {
            put_varint(&mut out, list.len() as u64);
            for &(value, n) in list {
                put_varint(&mut out, value as u64);
                put_varint(&mut out, n as u64);
            }
        }
        put_varint(&mut out, self.years.len() as u64);
        for &(year, n) in &self.years {
            put_varint(&mut out, zigzag(year));
            put_varint(&mut out, n as u64);
        }
        out
    }

    fn read(bytes: &[u8]) -> Result<Head, Corrupt> {
        let mut r = Bytes::new(bytes);
        let n = r.usize()?;
        let mut hits = Vec::with_capacity(n.min(bytes.len()));
        for _ in 0..n {
            let d = u32::try_from(r.varint()?).map_err(|_| Corrupt("record id".into()))?;
            hits.push((d, r.byte()?));
        }
        let counts = |r: &mut Bytes| -> Result<Vec<(usize, usize)>, Corrupt> {
            let n = r.usize()?;
            (0..n).map(|_| Ok((r.usize()?, r.usize()?))).collect()
        };
        let kinds = counts(&mut r)?;
        let langs = counts(&mut r)?;
        let n = r.usize()?;
        let years = (0..n)
            .map(|_| Ok((unzigzag(r.varint()?), r.usize()?)))
            .collect::<Result<_, Corrupt>>()?;
        Ok(Head {
            hits,
            kinds,
            langs,
            years,
        })
    }
}

// ------------------------------------------------------------------ shards

/// Cuts sorted terms into shards: a shard closes before it would grow past `target`
/// bytes (a term with longer postings gets a shard of its own), and a term with a
/// head (`Encoded::head`) is alone in its shard. Followers files hold
/// what follows each term (`write_followers`), and preceders files what comes before
/// it, term by term in the order of the terms, each kind cut at `blocks_target`
/// bytes across the shards (a file holds the blocks of the end of one shard and the
/// start of the next): a phrase reads only the file of the term it checks, and a
/// shard's small blocks share a file with its neighbours'. Positions files hold
/// where each CJK bigram stands in its records (`put_positions`), cut the same way:
/// read only for a CJK run of 4 characters or more. The shard ends with, for
/// followers, preceders and positions, where its first term's block is (file,
/// place) and the terms that start a file after it (as gaps).
pub(super) struct ShardWriter {
    target: usize,
    shard: Vec<u8>,
    followers: BlockFiles,
    preceders: BlockFiles,
    positions: BlockFiles,
    count: usize,
    prev: String,
    shards: Vec<Vec<u8>>,
    /// Shards handed out by `take_closed`, before `shards`.
    taken: usize,
    /// The postings of the terms with a head, each an item of the postings packs.
    postings: Vec<Vec<u8>>,
    /// Postings handed out by `take_closed`, before `postings`.
    postings_taken: usize,
    /// The first key of every shard but the first.
    separators: Vec<Vec<u8>>,
    /// Whether the open shard holds a term with a head: it holds that term alone.
    headed: bool,
}

/// Files of one kind, numbered from the first.
pub(super) type Numbered = (usize, Vec<Vec<u8>>);

/// Closed files: shards, followers files, preceders files, postings of terms with a
/// head, positions files.
pub(super) type Closed = [Numbered; 5];

/// The encoded data of one term for `ShardWriter::push`.
pub(super) struct Encoded {
    pub(super) df: u32,
    pub(super) scale: u32,
    pub(super) postings: Vec<u8>,
    /// Whether `postings` carry their masks (`write_postings`).
    pub(super) masks: bool,
    /// Whether `postings` are dense (`write_dense_postings`).
    pub(super) dense: bool,
    pub(super) followers: Vec<u8>,
    pub(super) preceders: Vec<u8>,
    /// Where a CJK bigram stands in each of its records (empty for other terms).
    pub(super) positions: Vec<u8>,
    /// The head of a term with long postings (`Head::write`): the shard holds it,
    /// and the postings go to the postings packs.
    pub(super) head: Option<Vec<u8>>,
}

/// One block per term, in the order of the terms, cut into files of at most
/// `target` bytes (a file with one non-empty block may pass it); each file is its
/// number of blocks, then the blocks (bytes).
struct BlockFiles {
    target: usize,
    /// Every file so far; the last is open.
    files: Vec<Vec<u8>>,
    /// The number of blocks in the open file.
    blocks: usize,
    /// Files handed out by `take_closed`, before `files`.
    taken: usize,
    /// Where the open shard's first block is: (file, place in it).
    first: (usize, usize),
    /// The terms of the open shard (their place in it) whose block starts a file,
    /// the first term aside.
    starts: Vec<usize>,
}

impl BlockFiles {
    fn new(target: usize) -> BlockFiles {
        BlockFiles {
            target,
            files: Vec::new(),
            blocks: 0,
            taken: 0,
            first: (0, 0),
            starts: Vec::new(),
        }
    }

    /// Adds the block of term `term` (its place in the open shard), in a new file
    /// when it would grow the open one past the target (an empty block never does).
    fn push(&mut self, term: usize, block: &[u8]) {
        let open = self.files.last().map_or(0, Vec::len);
        if self.files.is_empty()
            || (self.blocks > 0 && !block.is_empty() && open + block.len() > self.target)
        {
            self.close_file();
            self.files.push(Vec::new());
            if term > 0 {
                self.starts.push(term);
            }
        }
        if term == 0 {
            self.first = (self.taken + self.files.len() - 1, self.blocks);
        }
        put_bytes(self.files.last_mut().expect("an open file"), block);
        self.blocks += 1;
    }

    /// At most the bytes of the shard's trailer for these files after one more block:
    /// the first block's file and place (3 bytes each at most: fewer than 2,097,152
    /// files and blocks), a varint of 2 bytes at most per start (shards have fewer
    /// than 16,384 terms), and the count.
    fn trailer_bound(&self) -> usize {
        6 + 2 + 2 * (self.starts.len() + 1)
    }

    /// Puts the number of blocks in front of the open file.
    fn close_file(&mut self) {
        if let Some(last) = self.files.last_mut() {
            let mut out = Vec::with_capacity(last.len() + 4);
            put_varint(&mut out, self.blocks as u64);
            out.append(last);
            *last = out;
        }
        self.blocks = 0;
    }

    /// Closes the shard: appends its trailer for these files to `shard`.
    fn close_shard(&mut self, shard: &mut Vec<u8>) {
        put_varint(shard, self.first.0 as u64);
        put_varint(shard, self.first.1 as u64);
        put_varint(shard, self.starts.len() as u64);
        let mut prev = 0;
        for &start in &self.starts {
            put_varint(shard, (start - prev) as u64);
            prev = start;
        }
        self.starts.clear();
    }

    /// The files closed and not yet taken (all but the open one).
    fn take_closed(&mut self) -> Numbered {
        let closed = self.files.len().saturating_sub(1);
        let first = self.taken;
        self.taken += closed;
        (first, self.files.drain(..closed).collect())
    }

    /// The files not yet taken, the last one closed.
    fn finish(mut self) -> Numbered {
        self.close_file();
        (self.taken, self.files)
    }
}

/// Reads a trailer of `BlockFiles::close_shard`: sets `(file, block)` of every term.
fn parse_block_files(
    r: &mut Bytes,
    terms: &mut [Term],
    place: fn(&mut Term) -> &mut (usize, usize),
) -> Result<(), Corrupt> {
    // The file of the terms from `from` on, and the place of term `from` in it.
    let (mut file, mut from, mut block) = (r.usize()?, 0, r.usize()?);
    let mut starts = Vec::new();
    let mut start = 0usize;
    for _ in 0..r.usize()? {
        start = start.saturating_add(r.usize()?);
        starts.push(start);
    }
    let mut starts = starts.into_iter().peekable();
    for (at, t) in terms.iter_mut().enumerate() {
        if starts.next_if_eq(&at).is_some() {
            (file, from, block) = (file + 1, at, 0);
        }
        *place(t) = (file, block + at - from);
    }
    Ok(())
}

impl ShardWriter {
    pub(super) fn new(target: usize, blocks_target: usize) -> ShardWriter {
        ShardWriter {
            target,
            shard: Vec::new(),
            followers: BlockFiles::new(blocks_target),
            preceders: BlockFiles::new(blocks_target),
            positions: BlockFiles::new(blocks_target),
            count: 0,
            prev: String::new(),
            shards: Vec::new(),
            taken: 0,
            postings: Vec::new(),
            postings_taken: 0,
            separators: Vec::new(),
            headed: false,
        }
    }

    /// Adds the next term (in byte order) with its data.
    pub(super) fn push(&mut self, term: &str, data: Encoded) {
        let shared = if self.count == 0 {
            0
        } else {
            common_prefix(&self.prev, term)
        };
        let full = (data.head.is_some()).then(|| self.postings_taken + self.postings.len());
        let mut entry = Vec::with_capacity(data.postings.len() + term.len() + 8);
        Self::entry(&mut entry, term, shared, &data, full);
        let trailers = self.followers.trailer_bound()
            + self.preceders.trailer_bound()
            + self.positions.trailer_bound();
        // A term with a head has a shard of its own: a query that reads its full
        // postings then reads the head and nothing of other terms.
        let alone = self.headed || full.is_some();
        let over = self.shard.len() + entry.len() + 4 + trailers > self.target;
        if self.count > 0 && (alone || over) {
            self.close();
            self.separators
                .push(separator(&self.prev, term).as_bytes().to_vec());
            // Without the shared prefix: it starts the new shard.
            entry.clear();
            Self::entry(&mut entry, term, 0, &data, full);
        }
        self.shard.extend_from_slice(&entry);
        self.followers.push(self.count, &data.followers);
        self.preceders.push(self.count, &data.preceders);
        self.positions.push(self.count, &data.positions);
        self.count += 1;
        self.prev.clear();
        self.prev.push_str(term);
        self.headed = full.is_some();
        if full.is_some() {
            self.postings.push(data.postings);
        }
    }

    /// A term of a shard: its postings, or, for a term with a head, where its
    /// postings are (1 + their number in the postings packs) and its head.
    fn entry(out: &mut Vec<u8>, term: &str, shared: usize, data: &Encoded, full: Option<usize>) {
        put_varint(out, shared as u64);
        put_bytes(out, &term.as_bytes()[shared..]);
        put_varint(out, u64::from(data.df));
        put_varint(out, u64::from(data.scale));
        let kind = u64::from(data.masks) | u64::from(data.dense) << 1;
        match (full, &data.head) {
            (Some(n), Some(head)) => {
                put_varint(out, (n as u64 + 1) << 2 | kind);
                put_bytes(out, head);
            }
            _ => {
                put_varint(out, kind);
                put_bytes(out, &data.postings);
            }
        }
    }

    fn close(&mut self) {
        let mut shard = Vec::with_capacity(self.shard.len() + 8);
        put_varint(&mut shard, self.count as u64);
        shard.extend_from_slice(&self.shard);
        self.followers.close_shard(&mut shard);
        self.preceders.close_shard(&mut shard);
        self.positions.close_shard(&mut shard);
        self.shards.push(shard);
        self.shard.clear();
        self.count = 0;
    }

    /// The files closed since the last call (a file is closed once nothing more
    /// goes into it), so that they need not be held until the end.
    pub(super) fn take_closed(&mut self) -> Closed {
        let first = self.taken;
        self.taken += self.shards.len();
        let postings = self.postings_taken;
        self.postings_taken += self.postings.len();
        [
            (first, std::mem::take(&mut self.shards)),
            self.followers.take_closed(),
            self.preceders.take_closed(),
            (postings, std::mem::take(&mut self.postings)),
            self.positions.take_closed(),
        ]
    }

    /// The files not yet taken, and the first key of every shard but the first.
    pub(super) fn finish(mut self) -> (Closed, Vec<Vec<u8>>) {
        if self.count > 0 {
            self.close();
        }
        let shards = (self.taken, self.shards);
        let postings = (self.postings_taken, self.postings);
        let files = [
            shards,
            self.followers.finish(),
            self.preceders.finish(),
            postings,
            self.positions.finish(),
        ];
        (files, self.separators)
    }
}

/// The followers of every term of a followers file, in the shard's order from the
/// file's first term, as raw blocks (decode one with `read_followers`).
pub fn parse_followers(bytes: &[u8]) -> Result<Vec<&[u8]>, Corrupt> {
    let mut r = Bytes::new(bytes);
    let count = r.usize()?;
    (0..count).map(|_| r.bytes()).collect()
}

/// One term of a shard with its scale and its postings: `(record, impact,
/// followed-by mask)`, and where its followers, its preceders and its positions are:
/// the number of the file of that kind and the place of its block in that file. A term with a head
/// has its `head` and the number of its postings in the postings packs (`full`,
/// see `Manifest::postings_file`); its `postings` are empty until read from there.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub term: Vec<u8>,
    /// The number of its records.
    pub df: usize,
    pub scale: u32,
    pub postings: Vec<(u32, u8, u8)>,
    /// Whether its postings carry their masks (`write_postings`).
    pub masks: bool,
    /// Whether its postings are dense (`write_dense_postings`).
    pub dense: bool,
    pub full: Option<usize>,
    pub head: Option<Head>,
    pub followers: (usize, usize),
    pub preceders: (usize, usize),
    pub positions: (usize, usize),
}

/// Every term of a shard, in order.
pub fn parse_shard(bytes: &[u8]) -> Result<Vec<Term>, Corrupt> {
    let mut r = Bytes::new(bytes);
    let count = r.usize()?;
    let mut out: Vec<Term> = Vec::with_capacity(count.min(bytes.len()));
    let mut prev: Vec<u8> = Vec::new();
    for _ in 0..count {
        let term = r.after(&prev)?;
        let df = r.usize()?;
        let scale = u32::try_from(r.varint()?).map_err(|_| Corrupt("scale".into()))?;
        let kind = r.usize()?;
        let masks = kind & 1 == 1;
        let dense = kind & 2 == 2;
        let (full, head, postings) = match kind >> 2 {
            0 => (None, None, read_postings(r.bytes()?, df, masks, dense)?),
            n => (Some(n - 1), Some(Head::read(r.bytes()?)?), Vec::new()),
        };
        prev.clone_from(&term);
        out.push(Term {
            term,
            df,
            scale,
            postings,
            masks,
            dense,
            full,
            head,
            followers: (0, 0),
            preceders: (0, 0),
            positions: (0, 0),
        });
    }
    parse_block_files(&mut r, &mut out, |t| &mut t.followers)?;
    parse_block_files(&mut r, &mut out, |t| &mut t.preceders)?;
    parse_block_files(&mut r, &mut out, |t| &mut t.positions)?;
    Ok(out)
}

/// The shortest prefix of `next` (on a character boundary) that sorts after `prev`.
fn separator<'a>(prev: &str, next: &'a str) -> &'a str {
    for (i, c) in next.char_indices() {
        let p = &next[..i + c.len_utf8()];
        if p > prev {
            return p;
        }
    }
    next
}

/// Bytes two strings share at the start, on a character boundary.
fn common_prefix(a: &str, b: &str) -> usize {
    let mut n = 0;
    for ((i, x), y) in a.char_indices().zip(b.chars()) {
        if x != y {
            return i;
        }
        n = i + x.len_utf8();
    }
    n
}

// ------------------------------------------------------------------ dictionary

/// `w/<n>.bin`, the words of `n` characters of the typo dictionary: their count, then
/// in byte order each word as the bytes it shares with the one before, the rest, and
/// its number of records.
pub(super) fn write_words<'a>(words: impl ExactSizeIterator<Item = (&'a str, u32)>) -> Vec<u8> {
    let mut out = Vec::new();
    put_varint(&mut out, words.len() as u64);
    let mut prev = "";
    for (word, df) in words {
        let shared = common_prefix(prev, word);
        put_varint(&mut out, shared as u64);
        put_bytes(&mut out, &word.as_bytes()[shared..]);
        put_varint(&mut out, u64::from(df));
        prev = word;
    }
    out
}

/// The words of a dictionary file with their number of records.
pub(super) fn read_words(bytes: &[u8]) -> Result<Vec<(String, u32)>, Corrupt> {
    let mut r = Bytes::new(bytes);
    let count = r.usize()?;
    let mut out: Vec<(String, u32)> = Vec::with_capacity(count.min(bytes.len()));
    let mut prev: Vec<u8> = Vec::new();
    for _ in 0..count {
        let word = r.after(&prev)?;
        let df = u32::try_from(r.varint()?).map_err(|_| Corrupt("df".into()))?;
        let text = String::from_utf8(word.clone()).map_err(|_| Corrupt("not UTF-8".into()))?;
        out.push((text, df));
        prev = word;
    }
    Ok(out)
}

// ------------------------------------------------------------------ manifest

/// The decoded manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub version: String,
    pub docs: usize,
    pub kinds: Vec<String>,
    pub langs: Vec<String>,
    /// Per record: (start year, end year, kind index, language index).
    pub facts: Vec<(i32, i32, usize, usize)>,
    /// The first key of every group of `keys_per_file` shards but the first (which
    /// starts at the empty string): the key files (`k/<g>.bin`) hold the first keys
    /// of the other shards of each group.
    pub top: Vec<Vec<u8>>,
    pub shards: usize,
    /// Shards per group, and so per key file and per shards pack (`s/<g>.bin`).
    pub keys_per_file: usize,
    /// Records per record pack (`d/<n>.bin`) and per passages pack (`p/<n>.bin`).
    pub records_per_file: usize,
    pub passages_per_file: usize,
    /// Followers (or preceders) files per pack (`f/<n>.bin`, `b/<n>.bin`).
    pub blocks_per_file: usize,
}

/// A file of the index: its path and its bytes.
type File = (String, Vec<u8>);

/// Records with the same facts, consecutive in index order.
type Group = ((i32, i32, usize, usize), u64);

impl Manifest {
    /// The manifest of the other files of an index, with their version (which it
    /// sets); `facts` in index order, `top` as `key_files` returns it.
    pub(super) fn write(mut self, version: &Version) -> Vec<u8> {
        self.version = version.finish();
        self.encode()
    }

    fn encode(&self) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(MAGIC);
        put_str(&mut m, &self.version);
        put_varint(&mut m, self.docs as u64);
        for list in [&self.kinds, &self.langs] {
            put_varint(&mut m, list.len() as u64);
            for s in list {
                put_str(&mut m, s);
            }
        }
        self.encode_groups(&mut m);
        put_varint(&mut m, self.shards as u64);
        put_varint(&mut m, self.keys_per_file as u64);
        put_varint(&mut m, self.top.len() as u64);
        encode_separators(&self.top, &mut m);
        put_varint(&mut m, self.records_per_file as u64);
        put_varint(&mut m, self.passages_per_file as u64);
        put_varint(&mut m, self.blocks_per_file as u64);
        m
    }

    /// Groups of consecutive records with the same start year, end year, kind and
    /// language, by start year.
    fn encode_groups(&self, m: &mut Vec<u8>) {
        let mut groups: Vec<Group> = Vec::new();
        for &key in &self.facts {
            match groups.last_mut() {
                Some((k, c)) if *k == key => *c += 1,
                _ => groups.push((key, 1)),
            }
        }
        let min_year = groups.iter().map(|g| g.0.0).min().unwrap_or(0);
        put_varint(m, zigzag(min_year));
        let mut by_start: Vec<(i32, Vec<Group>)> = Vec::new();
        for g in groups {
            match by_start.last_mut() {
                Some((s, v)) if *s == g.0.0 => v.push(g),
                _ => by_start.push((g.0.0, vec![g])),
            }
        }
        put_varint(m, by_start.len() as u64);
        for (start, gs) in &by_start {
            put_varint(m, (start - min_year) as u64);
            put_varint(m, gs.len() as u64);
            for ((s, e, kind, lang), count) in gs {
                put_varint(m, (e - s) as u64);
                put_varint(m, *kind as u64);
                put_varint(m, *lang as u64);
                put_varint(m, *count);
            }
        }
    }

    pub fn parse(bytes: &[u8]) -> Result<Manifest, Corrupt> {
        if bytes.get(..4) != Some(MAGIC) {
            return Err(Corrupt("not a search manifest".into()));
        }
        let mut r = Bytes { b: bytes, at: 4 };
        let version = r.string()?;
        let docs = r.usize()?;
        fn list(r: &mut Bytes) -> Result<Vec<String>, Corrupt> {
            let n = r.usize()?;
            (0..n).map(|_| r.string()).collect()
        }
        let kinds = list(&mut r)?;
        let langs = list(&mut r)?;
        let facts = Self::parse_groups(&mut r, docs)?;
        let shards = r.usize()?;
        let keys_per_file = r.usize()?;
        let groups = r.usize()?;
        if keys_per_file == 0 || groups != shards.div_ceil(keys_per_file).saturating_sub(1) {
            return Err(Corrupt("bad shard groups".into()));
        }
        let top = parse_separators(&mut r, groups)?;
        let per_file = |r: &mut Bytes| -> Result<usize, Corrupt> {
            Some(r.usize()?)
                .filter(|&n| n > 0)
                .ok_or(Corrupt("no records per file".into()))
        };
        Ok(Manifest {
            version,
            docs,
            kinds,
            langs,
            facts,
            top,
            shards,
            keys_per_file,
            records_per_file: per_file(&mut r)?,
            passages_per_file: per_file(&mut r)?,
            blocks_per_file: per_file(&mut r)?,
        })
    }

    fn parse_groups(r: &mut Bytes, docs: usize) -> Result<Vec<(i32, i32, usize, usize)>, Corrupt> {
        let min_year = unzigzag(r.varint()?);
        let mut facts = Vec::with_capacity(docs);
        for _ in 0..r.usize()? {
            let start = min_year + r.usize()? as i32;
            for _ in 0..r.usize()? {
                let end = start + r.usize()? as i32;
                let (kind, lang, count) = (r.usize()?, r.usize()?, r.usize()?);
                if count > docs - facts.len().min(docs) {
                    return Err(Corrupt("groups hold more records than the index".into()));
                }
                facts.extend(std::iter::repeat_n((start, end, kind, lang), count));
            }
        }
        if facts.len() != docs {
            return Err(Corrupt("groups do not cover every record".into()));
        }
        Ok(facts)
    }

    /// The record pack of record `doc` and its place in that pack (`pack_item`).
    pub fn record_file(&self, doc: usize) -> (String, usize) {
        packed("d", doc, self.records_per_file)
    }

    /// The passages pack of record `doc` and its place in that pack.
    pub fn passages_file(&self, doc: usize) -> (String, usize) {
        packed("p", doc, self.passages_per_file)
    }

    /// The pack of shard `i` (the shards of its group) and its place in that pack.
    pub fn shard_file(&self, i: usize) -> (String, usize) {
        packed("s", i, self.keys_per_file)
    }

    /// The postings pack of the postings numbered `n` (those of a term with a head,
    /// `Term::full`; as many per pack as shards per shards pack) and their place.
    pub fn postings_file(&self, n: usize) -> (String, usize) {
        packed("t", n, self.keys_per_file)
    }

    /// The pack of followers (`dir` "f"), preceders ("b") or positions ("o") file
    /// `n`, and its place.
    pub fn blocks_file(&self, dir: &str, n: usize) -> (String, usize) {
        packed(dir, n, self.blocks_per_file)
    }

    /// The group of shards a term would be in.
    pub fn group_of(&self, term: &[u8]) -> usize {
        self.top.partition_point(|s| s.as_slice() <= term)
    }
}

/// Item `i` of the packs of `per` items in `<dir>/`: its pack and its place in it.
fn packed(dir: &str, i: usize, per: usize) -> (String, usize) {
    (format!("{}/{dir}/{}.bin", super::DIR, i / per), i % per)
}

/// The key files of the shards (`k/<g>.bin`, one per group of `per_file` shards:
/// the first key of each of its shards but the first) and the first key of every
/// group but the first, for the manifest; `separators` are the first keys of every
/// shard but the first, as `ShardWriter` returns them.
pub(super) fn key_files(
    shards: usize,
    separators: &[Vec<u8>],
    per_file: usize,
) -> (Vec<Vec<u8>>, Vec<File>) {
    let mut top = Vec::new();
    let mut files = Vec::new();
    for (g, first) in (0..shards).step_by(per_file).enumerate() {
        if g > 0 {
            top.push(separators[first - 1].clone());
        }
        let keys = &separators[first..(first + per_file - 1).min(shards - 1)];
        let mut out = Vec::new();
        put_varint(&mut out, keys.len() as u64);
        encode_separators(keys, &mut out);
        files.push((format!("{}/k/{g}.bin", super::DIR), out));
    }
    (top, files)
}

/// The keys of a key file: the first key of every shard of its group but the first.
pub(super) fn read_keys(bytes: &[u8]) -> Result<Vec<Vec<u8>>, Corrupt> {
    let mut r = Bytes::new(bytes);
    let n = r.usize()?;
    parse_separators(&mut r, n)
}

/// Separators as code points: how many are shared with the previous separator, how
/// many follow; the first new one as the step from the previous separator's code
/// point at that place (separators ascend), the others as they are. The separators
/// are prefixes of terms, so UTF-8.
fn encode_separators(separators: &[Vec<u8>], m: &mut Vec<u8>) {
    let mut prev: Vec<u32> = Vec::new();
    for s in separators {
        let cps: Vec<u32> = String::from_utf8_lossy(s).chars().map(u32::from).collect();
        let shared = cps.iter().zip(&prev).take_while(|(a, b)| a == b).count();
        put_varint(m, shared as u64);
        put_varint(m, (cps.len() - shared) as u64);
        for (k, &cp) in cps[shared..].iter().enumerate() {
            match prev.get(shared) {
                Some(&before) if k == 0 => put_varint(m, u64::from(cp - before - 1)),
                _ => put_varint(m, u64::from(cp)),
            }
        }
        prev = cps;
    }
}

/// `count` separators written by `encode_separators`.
fn parse_separators(r: &mut Bytes, count: usize) -> Result<Vec<Vec<u8>>, Corrupt> {
    let mut separators = Vec::with_capacity(count.min(r.b.len()));
    let mut prev: Vec<u32> = Vec::new();
    for _ in 0..count {
        let shared = r.usize()?;
        let count = r.usize()?;
        let mut cps = prev
            .get(..shared)
            .ok_or(Corrupt("bad prefix".into()))?
            .to_vec();
        for k in 0..count {
            let v = u32::try_from(r.varint()?).map_err(|_| Corrupt("code point".into()))?;
            cps.push(match prev.get(shared) {
                Some(&before) if k == 0 => before.saturating_add(v).saturating_add(1),
                _ => v,
            });
        }
        let s: String = cps
            .iter()
            .map(|&c| char::from_u32(c).ok_or(Corrupt("code point".into())))
            .collect::<Result<_, _>>()?;
        separators.push(s.into_bytes());
        prev = cps;
    }
    Ok(separators)
}

// ------------------------------------------------------------------ cities

/// `cities.bin`: every city (id, name), then the cities of every record by index.
pub(super) fn write_cities<'a>(
    cities: &[(&str, &str)],
    records: impl ExactSizeIterator<Item = &'a [usize]>,
) -> Vec<u8> {
    let mut out = Vec::new();
    put_varint(&mut out, cities.len() as u64);
    for (id, name) in cities {
        put_str(&mut out, id);
        put_str(&mut out, name);
    }
    put_varint(&mut out, records.len() as u64);
    for c in records {
        put_varint(&mut out, c.len() as u64);
        for &id in c {
            put_varint(&mut out, id as u64);
        }
    }
    out
}

/// What the reader needs of `cities.bin`: the city ids, and the cities of every record.
pub(super) struct Cities {
    pub(super) ids: Vec<String>,
    pub(super) of_record: Vec<Vec<usize>>,
}

impl Cities {
    /// The id of city `c`, empty if there is no such city.
    pub(super) fn id(&self, c: usize) -> &str {
        self.ids.get(c).map_or("", String::as_str)
    }
}

pub(super) fn read_cities(bytes: &[u8]) -> Result<Cities, Corrupt> {
    let mut r = Bytes::new(bytes);
    let mut ids = Vec::new();
    for _ in 0..r.usize()? {
        ids.push(r.string()?);
        r.string()?;
    }
    let n = r.usize()?;
    let mut of_record = Vec::with_capacity(n.min(bytes.len()));
    for _ in 0..n {
        let k = r.usize()?;
        of_record.push((0..k).map(|_| r.usize()).collect::<Result<Vec<_>, _>>()?);
    }
    Ok(Cities { ids, of_record })
}

/// `c/<id>.bin`: one city's name and its records (ascending) as gaps.
pub(super) fn write_city(name: &str, docs: &[u32]) -> Vec<u8> {
    let mut f = Vec::with_capacity(docs.len() + 16);
    put_str(&mut f, name);
    put_varint(&mut f, docs.len() as u64);
    let mut next = 0;
    for &d in docs {
        put_varint(&mut f, u64::from(d - next));
        next = d + 1;
    }
    f
}

/// Which of `docs` records a city file names.
pub(super) fn read_city(bytes: &[u8], docs: usize) -> Result<Vec<bool>, Corrupt> {
    let mut member = vec![false; docs];
    let mut r = Bytes::new(bytes);
    r.string()?;
    let mut next = 0usize;
    for _ in 0..r.usize()? {
        let d = next + r.usize()?;
        *member.get_mut(d).ok_or(Corrupt("record id".into()))? = true;
        next = d + 1;
    }
    Ok(member)
}

// ------------------------------------------------------------------ packs

/// A pack: several items (shards, blocks files, records, passages) in one file, each
/// read alone with two HTTP range requests — its two offsets, then its bytes — so
/// that files can hold many items without a query reading more than the ones it
/// needs. The number of items `n`, then `n + 1` offsets from the start of the file
/// (where each item starts, and where the last ends), all `u32` little-endian; then
/// the items.
pub(super) fn write_pack(items: &[Vec<u8>]) -> Vec<u8> {
    let head = 4 * (items.len() + 2);
    let total = head + items.iter().map(Vec::len).sum::<usize>();
    let mut out = Vec::with_capacity(total);
    let put = |out: &mut Vec<u8>, v: usize| {
        out.extend_from_slice(&u32::try_from(v).expect("a pack under 4 GB").to_le_bytes());
    };
    put(&mut out, items.len());
    let mut at = head;
    put(&mut out, at);
    for item in items {
        at += item.len();
        put(&mut out, at);
    }
    for item in items {
        out.extend_from_slice(item);
    }
    out
}

/// Where the two offsets of item `k` of a pack are (the first range request).
pub fn pack_offsets(k: usize) -> std::ops::Range<usize> {
    4 + 4 * k..12 + 4 * k
}

/// Where item `k` of a pack is (the second range request), from the pack's bytes.
pub fn pack_range(bytes: &[u8], k: usize) -> Result<std::ops::Range<usize>, Corrupt> {
    let word = |at: usize| -> Result<usize, Corrupt> {
        let b = bytes
            .get(at..at + 4)
            .ok_or(Corrupt("truncated pack".into()))?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    if k >= word(0)? {
        return Err(Corrupt("no such item in the pack".into()));
    }
    let at = pack_offsets(k);
    let (start, end) = (word(at.start)?, word(at.start + 4)?);
    if start > end || end > bytes.len() {
        return Err(Corrupt("bad pack offsets".into()));
    }
    Ok(start..end)
}

/// The number of items of a pack, from its first 4 bytes.
pub fn pack_len(bytes: &[u8]) -> Result<usize, Corrupt> {
    let b = bytes.get(..4).ok_or(Corrupt("truncated pack".into()))?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
}

/// Item `k` of a pack.
pub fn pack_item(bytes: &[u8], k: usize) -> Result<&[u8], Corrupt> {
    Ok(&bytes[pack_range(bytes, k)?])
}

/// `<dir>/<n>.bin`, the packs of every `per_pack` consecutive `items`, numbered from
/// `first`.
pub(super) fn packs(
    dir: &str,
    items: &[Vec<u8>],
    per_pack: usize,
    first: usize,
) -> Vec<(String, Vec<u8>)> {
    (items.chunks(per_pack).enumerate())
        .map(|(n, chunk)| {
            let n = first + n;
            (format!("{}/{dir}/{n}.bin", super::DIR), write_pack(chunk))
        })
        .collect()
}

// ------------------------------------------------------------------ record files

/// What a result shows, loaded only for the results on screen (`d/<n>.json`).
#[derive(Serialize)]
struct DocMeta<'a> {
    /// Title.
    t: &'a str,
    /// URL path, with the base path.
    u: &'a str,
    /// Kind id.
    k: &'static str,
    /// Language.
    l: &'a str,
    /// Date and end date as written (`2014`, `2018-06`); the page formats them.
    d: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    e: Option<String>,
    /// Cities: `[id, name in the site language]`.
    c: Vec<[&'a str; 2]>,
    /// Summary and the start of the body, for the snippet.
    s: &'a str,
    b: &'a str,
    /// What a translation shows instead, by its language: in the edition of that
    /// language, a result shows it.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    x: BTreeMap<&'a str, Translated<'a>>,
}

/// A translation of a record's result: its title, if it gives one, its summary and
/// the start of its body.
#[derive(Serialize)]
struct Translated<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    t: Option<&'a str>,
    s: &'a str,
    b: &'a str,
}

pub(super) fn write_doc_meta<'a>(site: &'a Site, e: &'a Entry, snippets: &'a [String]) -> Vec<u8> {
    let r = &e.record;
    let reg = &site.registry;
    let meta = DocMeta {
        t: &r.title,
        u: &e.url(&site.config.base_path),
        k: r.kind.id(),
        l: &r.lang,
        d: r.date.to_string(),
        e: r.end.filter(|end| *end != r.date).map(|d| d.to_string()),
        c: r.cities
            .iter()
            .map(|&c| {
                [
                    reg.cities[c].id.as_str(),
                    reg.name(c, &site.config.language),
                ]
            })
            .collect(),
        s: e.summary(),
        b: snippets.first().map_or("", String::as_str),
        x: (e.translations.iter().zip(snippets.iter().skip(1)))
            .map(|(t, b)| {
                let own = Translated {
                    t: t.text.title.as_deref(),
                    s: &t.summary,
                    b,
                };
                (t.text.lang.as_str(), own)
            })
            .collect(),
    };
    // `<`, `>` and `&` only occur inside strings: escape them, so that the file stays
    // inert even if a server sends it as HTML.
    crate::escape::json_inert(&serde_json::to_vec(&meta).unwrap_or_default())
}

/// The snippet bodies of entry `e` (`body` is its body): its own, then that of each
/// translation, as `write_doc_meta` takes them.
pub(super) fn snippets(e: &Entry, body: &Rendered) -> Vec<String> {
    let mut out = vec![snippet_body(e.summary(), &body.plain)];
    for t in &e.translations {
        out.push(snippet_body(&t.summary, &t.body.text().plain));
    }
    out
}

/// The start of the body's plain text, without the summary when the body repeats it.
fn snippet_body(summary: &str, plain: &str) -> String {
    let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let summary = collapse(summary);
    // Only the start of the body matters: enough for the summary and the snippet.
    let want = summary.len() + 4 * SNIPPET_BODY_CHARS;
    let mut body = String::with_capacity(want + 64);
    for w in plain.split_whitespace() {
        if body.len() >= want {
            break;
        }
        if !body.is_empty() {
            body.push(' ');
        }
        body.push_str(w);
    }
    if !summary.is_empty()
        && let Some(i) = body.find(&summary)
    {
        body.replace_range(i..i + summary.len(), "");
    }
    collapse(&body).chars().take(SNIPPET_BODY_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small encoded data for a term, with a head or not.
    fn encoded(head: bool) -> Encoded {
        Encoded {
            df: 1,
            scale: 1,
            postings: write_postings([(0, 1, 0)].into_iter(), true),
            masks: true,
            dense: false,
            followers: Vec::new(),
            preceders: Vec::new(),
            positions: Vec::new(),
            head: head.then(|| vec![0, 0, 0, 0]),
        }
    }

    #[test]
    fn a_term_with_a_head_is_alone_in_its_shard() {
        let mut writer = ShardWriter::new(4096, 4096);
        let terms = [
            ("air", false),
            ("beijing", true),
            ("city", false),
            ("dam", false),
        ];
        for (term, head) in terms {
            writer.push(term, encoded(head));
        }
        let ([(_, shards), ..], separators) = writer.finish();
        let keys: Vec<Vec<String>> = (shards.iter())
            .map(|s| {
                (parse_shard(s).unwrap().into_iter())
                    .map(|t| String::from_utf8(t.term).unwrap())
                    .collect()
            })
            .collect();
        assert_eq!(keys, [vec!["air"], vec!["beijing"], vec!["city", "dam"]]);
        assert_eq!(separators, [b"b".to_vec(), b"c".to_vec()]);
    }

    #[test]
    fn separators_are_the_shortest_prefix_after_the_previous_key() {
        assert_eq!(separator("대기", "대책"), "대책");
        assert_eq!(separator("대기", "댁"), "댁");
        assert_eq!(separator("air", "beijing"), "b");
        assert_eq!(separator("ab", "abc"), "abc");
    }

    #[test]
    fn dense_postings_read_back_and_are_written_only_when_shorter() {
        // A term of every other record from 3 on: a bitmap is shorter than the gaps.
        let many: Vec<(u32, u8, u8)> = (0..500u32)
            .map(|k| (2 * k + 3, (k % 127 + 1) as u8, (k % 7) as u8))
            .collect();
        for masks in [false, true] {
            let want: Vec<(u32, u8, u8)> = (many.iter())
                .map(|&(d, i, m)| (d, i, if masks { m } else { ANY_FOLLOWS }))
                .collect();
            let gaps = write_postings(many.iter().copied(), masks);
            let (bytes, dense) = shortest_postings(gaps.clone(), many.iter().copied(), masks);
            assert!(
                dense && bytes.len() < gaps.len(),
                "{} {}",
                bytes.len(),
                gaps.len()
            );
            // The first record, the bitmap's length and its 125 bytes, then the impacts.
            assert_eq!(
                bytes.len(),
                1 + 1 + 125 + many.len() * (1 + usize::from(masks))
            );
            assert_eq!(
                read_postings(&bytes, many.len(), masks, true).unwrap(),
                want
            );
            assert_eq!(
                read_postings(&gaps, many.len(), masks, false).unwrap(),
                want
            );
            // A count that the bitmap does not hold is corrupt.
            assert!(read_postings(&bytes, many.len() + 1, masks, true).is_err());
        }
        // A term of one record in a hundred keeps its gaps.
        let few: Vec<(u32, u8, u8)> = (0..10u32).map(|k| (100 * k + 7, 5, ANY_FOLLOWS)).collect();
        let gaps = write_postings(few.iter().copied(), false);
        assert_eq!(
            shortest_postings(gaps.clone(), few.iter().copied(), false),
            (gaps.clone(), false)
        );
        assert_eq!(read_postings(&gaps, few.len(), false, false).unwrap(), few);
    }

    #[test]
    fn positions_hold_their_number_with_the_first_place() {
        let records: [&[u32]; 5] = [&[], &[0], &[7, 9], &[40, 41, 300], &[1, 2, 3, 4, 5, 900]];
        let mut block = Vec::new();
        for places in records {
            put_positions(&mut block, places);
        }
        // 0; 0 × 4 + 1; 7 × 4 + 2, 2; 40 × 4 + 3 (two bytes), 0, 1, 259 (two bytes);
        // 1 × 4 + 3, 3, 1, 1, 1, 1, 895 (two bytes).
        assert_eq!(block.len(), 1 + 1 + 2 + 6 + 8);
        let back = read_positions(&block, records.len()).unwrap();
        assert_eq!(back, records.map(<[u32]>::to_vec));
    }

    #[test]
    fn varints_and_zigzag_round_trip() {
        let mut out = Vec::new();
        for v in [0u64, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            out.clear();
            put_varint(&mut out, v);
            assert_eq!(Bytes::new(&out).varint().unwrap(), v);
        }
        for y in [-3000, -1, 0, 1, 2016] {
            assert_eq!(unzigzag(zigzag(y)), y);
        }
    }

    #[test]
    fn the_narrow_hash_is_32_bit_fnv1a() {
        // The published FNV-1a test vectors.
        assert_eq!(Fnv1a::hash32(b""), 0x811c_9dc5);
        assert_eq!(Fnv1a::hash32(b"a"), 0xe40c_292c);
        assert_eq!(Fnv1a::hash32(b"foobar"), 0xbf9c_f968);
        let mut wide = Fnv1a::default();
        wide.write(b"foobar");
        assert_eq!(wide.finish(), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn the_maps_hasher_spreads_short_terms() {
        // No two of 100,000 short terms alike, and their low bits
        // (a table's index) spread over a table of 2^16.
        let terms = (0xAC00..0xAC00 + 300)
            .flat_map(|a| (0xAC00..0xAC00 + 300).map(move |b| [a, b]))
            .map(|[a, b]| {
                [char::from_u32(a), char::from_u32(b)]
                    .into_iter()
                    .flatten()
                    .collect()
            })
            .chain((0..10_000).map(|n| format!("w{n}")))
            .collect::<Vec<String>>();
        let mut hashes: Vec<u64> = (terms.iter())
            .map(|t| std::hash::BuildHasher::hash_one(&BuildHasherDefault::<Words>::default(), t))
            .collect();
        let mut low: Vec<u64> = hashes.iter().map(|h| h & 0xFFFF).collect();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), terms.len());
        low.sort_unstable();
        low.dedup();
        assert!(low.len() > 65_536 * 3 / 4, "{}", low.len());
    }
}
