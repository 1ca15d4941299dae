//! Search: owns the whole search index under `search/` — what is indexed (from the
//! records, never from the rendered pages), the tokenizer, BM25F scores computed at
//! build time, the sharded binary format, and a reader that answers queries exactly
//! as the browser does (`themes/default/static/search.js`), for tests and benchmarks.
//!
//! The tokenizer has a twin in `search.js`; both are checked against the vectors in
//! `tests/search_vectors.json`, so they cannot drift. Reads the site model and
//! returns files; never writes (the pipeline writes them through `output`).
//! The format is described in `docs/search.md`.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;
use serde::Serialize;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::content::Details;
use crate::kind::Kind;
use crate::site::{Entry, Site};

/// The folder of the index in the output.
pub const DIR: &str = "search";
/// The manifest: the first and only file every query needs before the shards.
pub const MANIFEST: &str = "search/manifest.bin";
/// The cities: their ids and names, and those of every record; loaded only to
/// filter or count by city.
pub const CITIES: &str = "search/cities.bin";
const MAGIC: &[u8; 4] = b"ACS1";

/// Latin, digit and other alphabetic runs longer than this are cut to it.
pub const MAX_WORD_CHARS: usize = 32;
/// A shard closes before it would grow past this many bytes (a single term with
/// longer postings gets a shard of its own).
pub const SHARD_TARGET: usize = 8 * 1024;
/// Characters of body text kept per record for the snippet.
const SNIPPET_BODY_CHARS: usize = 160;

/// BM25 saturation.
const K1: f64 = 1.2;

/// The indexed fields: weight in BM25F and length normalisation `b`.
const FIELDS: [(f64, f64); FIELD_COUNT] = [
    (3.0, 0.5),  // title
    (2.0, 0.3),  // cities: every name and alias of every city
    (1.5, 0.5),  // names: organizers, partners, participants, tags, venue, …, years
    (1.5, 0.5),  // summary, when written (otherwise it is the body's first paragraph)
    (1.0, 0.75), // body
];
const FIELD_COUNT: usize = 5;
const TITLE: usize = 0;
const CITY_NAMES: usize = 1;
const NAMES: usize = 2;
const SUMMARY: usize = 3;
const BODY: usize = 4;

// ------------------------------------------------------------------ tokenizer

/// The form text is compared in: NFC, full-width ASCII folded to ASCII, lower case.
pub fn normalize(text: &str) -> String {
    // Most text is ASCII, Hangul syllables, ideographs and kana: characters that are
    // NFC on their own, have no case and no width to fold.
    if text.chars().all(is_plain) {
        return text.to_ascii_lowercase();
    }
    // Records are NFC already: the quick checks skip the work, not the rule.
    let nfc: Cow<str> = if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    };
    let lower = if nfc.chars().any(|c| fold_width(c) != c) {
        nfc.chars()
            .map(fold_width)
            .collect::<String>()
            .to_lowercase()
    } else {
        nfc.to_lowercase()
    };
    // Lower-casing can leave a combining mark behind (`İ`): compose again.
    if is_nfc_quick(lower.chars()) == IsNormalized::Yes {
        lower
    } else {
        lower.nfc().collect()
    }
}

/// A character `normalize` leaves as it is (but for ASCII case), whatever surrounds it.
fn is_plain(c: char) -> bool {
    matches!(c as u32,
        0x00..=0x7F
        | 0x3001..=0x3002   // 、。
        | 0x3041..=0x3096   // Hiragana (not the combining voicing marks)
        | 0x30A1..=0x30FA   // Katakana
        | 0x30FC            // ー
        | 0x4E00..=0x9FFF   // CJK Unified Ideographs
        | 0xAC00..=0xD7A3   // Hangul Syllables
    )
}

fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Hangul, Han, Hiragana and Katakana: the scripts indexed as character bigrams.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF       // Hangul Jamo
        | 0x3005..=0x3007     // 々 〆 〇
        | 0x3021..=0x3029     // Hangzhou numerals
        | 0x3038..=0x303B
        | 0x3040..=0x309F     // Hiragana
        | 0x30A0..=0x30FF     // Katakana (with ー)
        | 0x3130..=0x318F     // Hangul Compatibility Jamo
        | 0x31F0..=0x31FF     // Katakana Phonetic Extensions
        | 0x3400..=0x4DBF     // CJK Extension A
        | 0x4E00..=0x9FFF     // CJK Unified Ideographs
        | 0xA960..=0xA97F     // Hangul Jamo Extended-A
        | 0xAC00..=0xD7A3     // Hangul Syllables
        | 0xD7B0..=0xD7FF     // Hangul Jamo Extended-B
        | 0xF900..=0xFAFF     // CJK Compatibility Ideographs
        | 0xFF66..=0xFF9F     // half-width Katakana
        | 0x20000..=0x323AF   // CJK Extensions B–H and Compatibility Supplement
    )
}

fn is_word_char(c: char) -> bool {
    !is_cjk(c) && c.is_alphanumeric()
}

/// The tokens of `text`: after `normalize`, runs of letters and digits as words (cut to
/// `MAX_WORD_CHARS`), runs of Hangul/Han/Kana as overlapping bigrams, a run of a
/// single such character as that character. Everything else separates.
pub fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_token(&normalize(text), |t, _| out.push(t.to_string()));
    out
}

/// The tokens of `text`, each with whether it directly follows the one before: the
/// next bigram of the same CJK run, or a word after a word.
pub fn tokenize_joined(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for_each_token(&normalize(text), |t, joined| {
        out.push((t.to_string(), joined))
    });
    out
}

/// Calls `f` with every token of already normalised text, in order, and whether it
/// directly follows the token before (see `tokenize_joined`).
fn for_each_token<'a>(norm: &'a str, mut f: impl FnMut(&'a str, bool)) {
    #[derive(PartialEq)]
    enum Run {
        None,
        Cjk {
            start: usize,
            prev: usize,
            len: usize,
        },
        Word {
            start: usize,
            end: usize,
            len: usize,
        },
    }
    let mut run = Run::None;
    // Whether the last token was a word: a word after a word follows it.
    let mut after_word = false;
    let close = |run: &mut Run, after_word: &mut bool, f: &mut dyn FnMut(&'a str, bool)| {
        match *run {
            Run::Cjk { start, len, .. } => {
                if len == 1 {
                    let c = norm[start..].chars().next().map_or(0, char::len_utf8);
                    f(&norm[start..start + c], false);
                }
                *after_word = false;
            }
            Run::Word { start, end, .. } => {
                f(&norm[start..end], *after_word);
                *after_word = true;
            }
            Run::None => {}
        }
        *run = Run::None;
    };
    for (i, c) in norm.char_indices() {
        let end = i + c.len_utf8();
        if is_cjk(c) {
            if let Run::Cjk { prev, len, .. } = &mut run {
                f(&norm[*prev..end], *len >= 2);
                *prev = i;
                *len += 1;
            } else {
                close(&mut run, &mut after_word, &mut f);
                run = Run::Cjk {
                    start: i,
                    prev: i,
                    len: 1,
                };
            }
        } else if is_word_char(c) {
            if let Run::Word { end: e, len, .. } = &mut run {
                *len += 1;
                if *len <= MAX_WORD_CHARS {
                    *e = end;
                }
            } else {
                close(&mut run, &mut after_word, &mut f);
                run = Run::Word {
                    start: i,
                    end,
                    len: 1,
                };
            }
        } else {
            close(&mut run, &mut after_word, &mut f);
        }
    }
    close(&mut run, &mut after_word, &mut f);
}

/// Whether a token is a single CJK character (matched as a prefix in queries).
fn is_single_cjk(token: &str) -> bool {
    let mut chars = token.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if is_cjk(c))
}

/// The bit that stands for a token in the "followed by" masks of the postings:
/// FNV-1a over its UTF-8 bytes, folded to 0–7.
pub fn follow_bit(token: &str) -> u8 {
    let mut h: u32 = 0x811c_9dc5;
    for b in token.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    1 << ((h ^ (h >> 16)) & 7)
}

// ------------------------------------------------------------------ build

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

    /// Total bytes of all files.
    pub fn size(&self) -> usize {
        self.files.iter().map(|(_, b)| b.len()).sum()
    }
}

/// What one record contributes, before scores.
struct DocTerms {
    /// Term id (see `Terms`), frequency per field (at most 255), "followed by" mask.
    terms: Vec<(u32, [u8; FIELD_COUNT], u8)>,
    lengths: [u32; FIELD_COUNT],
}

/// Every term of the index with an id, filled by the records in parallel. Ids depend
/// on the threads' timing; nothing written depends on them (terms are sorted).
struct Terms {
    /// Term → (id, number of records).
    shards: Vec<std::sync::Mutex<FastMap<String, (u32, u32)>>>,
    next: std::sync::atomic::AtomicU32,
}

impl Terms {
    const SHARDS: usize = 64;

    fn new() -> Terms {
        Terms {
            shards: (0..Self::SHARDS).map(|_| Default::default()).collect(),
            next: std::sync::atomic::AtomicU32::new(0),
        }
    }

    fn shard_of(term: &str) -> usize {
        let mut h = FxHasher::default();
        h.write(term.as_bytes());
        (h.finish() >> 58) as usize % Self::SHARDS
    }

    /// The ids of `terms` (each shard locked once).
    fn ids(&self, terms: &[&str]) -> Vec<u32> {
        let mut by_shard: Vec<Vec<usize>> = vec![Vec::new(); Self::SHARDS];
        for (i, t) in terms.iter().enumerate() {
            by_shard[Self::shard_of(t)].push(i);
        }
        let mut ids = vec![0; terms.len()];
        for (shard, group) in by_shard.iter().enumerate() {
            if group.is_empty() {
                continue;
            }
            let mut map = self.shards[shard]
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for &i in group {
                ids[i] = match map.get_mut(terms[i]) {
                    Some((id, df)) => {
                        *df += 1;
                        *id
                    }
                    None => {
                        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        map.insert(terms[i].to_string(), (id, 1));
                        id
                    }
                };
            }
        }
        ids
    }

    /// Every term and its number of records, by id.
    fn into_vec(self) -> (Vec<String>, Vec<u32>) {
        let n = self.next.into_inner() as usize;
        let (mut terms, mut dfs) = (vec![String::new(); n], vec![0; n]);
        for shard in self.shards {
            let map = shard
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for (term, (id, df)) in map {
                terms[id as usize] = term;
                dfs[id as usize] = df;
            }
        }
        (terms, dfs)
    }
}

/// A fast hash for the build's term tables (the index never depends on their order).
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or_default()));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Builds the index of every record of the site.
pub fn build(site: &Site) -> Index {
    build_with(site, SHARD_TARGET)
}

/// `build` with another shard size (tests use small ones).
pub fn build_with(site: &Site, shard_target: usize) -> Index {
    let entries = &site.entries;
    let langs: Vec<String> = {
        let mut v: Vec<String> = entries.iter().map(|e| e.record.lang.clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    let lang_of = |e: &Entry| langs.binary_search(&e.record.lang).unwrap_or(0);
    let span = |e: &Entry| (e.years[0], *e.years.last().unwrap_or(&e.years[0]));

    // Record order in the index: by start year, then end year (newest first), kind
    // and language, so that these facets are ranges of ids; then the site's order.
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&i| {
        let e = &entries[i];
        let (start, end) = span(e);
        (
            std::cmp::Reverse(start),
            std::cmp::Reverse(end),
            e.record.kind,
            lang_of(e),
            i,
        )
    });

    // 1. Tokens per record, in parallel.
    let dictionary = Terms::new();
    let docs: Vec<DocTerms> = order
        .par_iter()
        .map(|&i| doc_terms(site, &entries[i], &dictionary))
        .collect();
    let (terms, dfs) = dictionary.into_vec();

    // 2. Postings per term, records in index order.
    let n = docs.len();
    let mut avg = [0f64; FIELD_COUNT];
    for d in &docs {
        for (a, l) in avg.iter_mut().zip(d.lengths) {
            *a += f64::from(l);
        }
    }
    for a in &mut avg {
        *a = (*a / n.max(1) as f64).max(1.0);
    }
    let mut postings: Vec<Vec<(u32, f32, u8)>> = dfs
        .iter()
        .map(|&df| Vec::with_capacity(df as usize))
        .collect();
    for (doc, d) in docs.into_iter().enumerate() {
        for (id, tf, mask) in d.terms {
            let mut weighted = 0.0;
            for f in 0..FIELD_COUNT {
                if tf[f] > 0 {
                    let (w, b) = FIELDS[f];
                    let norm = 1.0 - b + b * f64::from(d.lengths[f]) / avg[f];
                    weighted += w * f64::from(tf[f]) / norm;
                }
            }
            postings[id as usize].push((doc as u32, weighted as f32, mask));
        }
    }

    // 3. BM25 scores, quantised to one byte on one scale for all terms.
    let mut sorted: Vec<usize> = (0..terms.len()).collect();
    sorted.par_sort_unstable_by(|&a, &b| terms[a].cmp(&terms[b]));
    let score = |df: usize, weighted: f32| {
        let idf = (1.0 + (n as f64 - df as f64 + 0.5) / (df as f64 + 0.5)).ln();
        let w = f64::from(weighted);
        idf * w * (K1 + 1.0) / (K1 + w)
    };
    let max = postings
        .par_iter()
        .map(|p| {
            p.iter()
                .map(|&(_, w, _)| score(p.len(), w))
                .fold(0.0, f64::max)
        })
        .reduce(|| 0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let encoded: Vec<Vec<u8>> = sorted
        .par_iter()
        .map(|&t| {
            let p = &postings[t];
            let mut out = Vec::with_capacity(p.len() * 3);
            let mut next = 0u32;
            for &(doc, w, mask) in p {
                put_varint(&mut out, u64::from(doc - next));
                let impact = (score(p.len(), w) / max * 255.0).round().clamp(1.0, 255.0);
                out.push(impact as u8);
                out.push(mask);
                next = doc + 1;
            }
            out
        })
        .collect();
    drop(postings);

    // 4. Shards: sorted ranges of terms, each at most `shard_target` bytes.
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut separators: Vec<String> = Vec::new();
    let mut shard = Vec::new();
    let mut count = 0usize;
    let mut prev: &str = "";
    let mut shards: Vec<Vec<u8>> = Vec::new();
    for (k, &t) in sorted.iter().enumerate() {
        let term = terms[t].as_str();
        let mut entry = Vec::with_capacity(encoded[k].len() + term.len() + 8);
        let shared = if count == 0 {
            0
        } else {
            common_prefix(prev, term)
        };
        put_varint(&mut entry, shared as u64);
        put_bytes(&mut entry, &term.as_bytes()[shared..]);
        put_varint(&mut entry, u64::from(dfs[t]));
        put_bytes(&mut entry, &encoded[k]);
        if count > 0 && shard.len() + entry.len() + 4 > shard_target {
            shards.push(finish_shard(count, &shard));
            shard.clear();
            count = 0;
            separators.push(separator(prev, term).to_string());
            // Re-encode without the shared prefix: it starts the new shard.
            entry.clear();
            put_varint(&mut entry, 0);
            put_bytes(&mut entry, term.as_bytes());
            put_varint(&mut entry, u64::from(dfs[t]));
            put_bytes(&mut entry, &encoded[k]);
        }
        shard.extend_from_slice(&entry);
        count += 1;
        prev = term;
    }
    if count > 0 {
        shards.push(finish_shard(count, &shard));
    }
    let shard_count = shards.len();
    for (i, bytes) in shards.into_iter().enumerate() {
        files.push((format!("{DIR}/s/{i}.bin"), bytes));
    }

    // 5. What is shown of each result, one small file per record.
    let metas: Vec<(String, Vec<u8>)> = order
        .par_iter()
        .enumerate()
        .map(|(doc, &i)| (format!("{DIR}/d/{doc}.json"), doc_meta(site, &entries[i])))
        .collect();
    files.extend(metas);

    // 6. The cities, and those of every record, for the city facet.
    let lang = site.config.language.as_str();
    let reg = &site.registry;
    let mut cities = Vec::new();
    put_varint(&mut cities, reg.cities.len() as u64);
    for (id, c) in reg.cities.iter().enumerate() {
        put_str(&mut cities, &c.id);
        put_str(&mut cities, reg.name(id, lang));
    }
    put_varint(&mut cities, n as u64);
    for &i in &order {
        let c = &entries[i].record.cities;
        put_varint(&mut cities, c.len() as u64);
        for &id in c {
            put_varint(&mut cities, id as u64);
        }
    }
    files.push((CITIES.to_string(), cities));
    // One file per city: its name and its records, to filter by one city cheaply.
    let mut of_city: Vec<Vec<u32>> = vec![Vec::new(); reg.cities.len()];
    for (doc, &i) in order.iter().enumerate() {
        for &c in &entries[i].record.cities {
            of_city[c].push(doc as u32);
        }
    }
    for (id, docs) in of_city.iter().enumerate() {
        let mut f = Vec::with_capacity(docs.len() + 16);
        put_str(&mut f, reg.name(id, lang));
        put_varint(&mut f, docs.len() as u64);
        let mut next = 0;
        for &d in docs {
            put_varint(&mut f, u64::from(d - next));
            next = d + 1;
        }
        files.push((format!("{DIR}/c/{}.bin", reg.cities[id].id), f));
    }

    // 7. The manifest, with a version that changes with any other file.
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (path, bytes) in &files {
        for b in path.bytes().chain([0]).chain(bytes.iter().copied()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    let mut m = Vec::new();
    m.extend_from_slice(MAGIC);
    put_str(&mut m, &format!("{h:016x}"));
    put_varint(&mut m, n as u64);
    put_varint(&mut m, Kind::ALL.len() as u64);
    for k in Kind::ALL {
        put_str(&mut m, k.id());
    }
    put_varint(&mut m, langs.len() as u64);
    for l in &langs {
        put_str(&mut m, l);
    }
    // Groups of consecutive records with the same start year, end year, kind, language.
    type Group = ((i32, i32, usize, usize), u64);
    let mut groups: Vec<Group> = Vec::new();
    for &i in &order {
        let e = &entries[i];
        let (start, end) = span(e);
        let key = (start, end, e.record.kind as usize, lang_of(e));
        match groups.last_mut() {
            Some((k, c)) if *k == key => *c += 1,
            _ => groups.push((key, 1)),
        }
    }
    let min_year = groups.iter().map(|g| g.0.0).min().unwrap_or(0);
    put_varint(&mut m, zigzag(min_year));
    let mut by_start: Vec<(i32, Vec<Group>)> = Vec::new();
    for g in groups {
        match by_start.last_mut() {
            Some((s, v)) if *s == g.0.0 => v.push(g),
            _ => by_start.push((g.0.0, vec![g])),
        }
    }
    put_varint(&mut m, by_start.len() as u64);
    for (start, gs) in &by_start {
        put_varint(&mut m, (start - min_year) as u64);
        put_varint(&mut m, gs.len() as u64);
        for ((s, e, kind, lang), count) in gs {
            put_varint(&mut m, (e - s) as u64);
            put_varint(&mut m, *kind as u64);
            put_varint(&mut m, *lang as u64);
            put_varint(&mut m, *count);
        }
    }
    put_varint(&mut m, shard_count as u64);
    // Separators as code points: how many are shared with the previous separator,
    // how many follow; the first new one as the step from the previous separator's
    // code point at that place (separators ascend), the others as they are.
    let mut prev_sep: Vec<u32> = Vec::new();
    for s in &separators {
        let cps: Vec<u32> = s.chars().map(u32::from).collect();
        let shared = cps
            .iter()
            .zip(&prev_sep)
            .take_while(|(a, b)| a == b)
            .count();
        put_varint(&mut m, shared as u64);
        put_varint(&mut m, (cps.len() - shared) as u64);
        for (k, &cp) in cps[shared..].iter().enumerate() {
            match prev_sep.get(shared) {
                Some(&before) if k == 0 => put_varint(&mut m, u64::from(cp - before - 1)),
                _ => put_varint(&mut m, u64::from(cp)),
            }
        }
        prev_sep = cps;
    }
    files.push((MANIFEST.to_string(), m));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Index { files }
}

fn finish_shard(count: usize, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 4);
    put_varint(&mut out, count as u64);
    out.extend_from_slice(body);
    out
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

fn zigzag(v: i32) -> u64 {
    u64::from(((v << 1) ^ (v >> 31)) as u32)
}

fn unzigzag(v: u64) -> i32 {
    let v = v as u32;
    ((v >> 1) as i32) ^ -((v & 1) as i32)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_bytes(out, s.as_bytes());
}

/// The terms of one record with their frequency per field and "followed by" mask.
fn doc_terms(site: &Site, e: &Entry, dictionary: &Terms) -> DocTerms {
    let r = &e.record;
    let mut texts: Vec<(usize, String)> = vec![(TITLE, normalize(&r.title))];
    for &c in &r.cities {
        for name in site.registry.all_names(c) {
            texts.push((CITY_NAMES, normalize(name)));
        }
    }
    let mut names: Vec<&str> = Vec::new();
    names.extend(
        r.organizers
            .iter()
            .chain(&r.partners)
            .chain(&r.tags)
            .map(String::as_str),
    );
    match &r.details {
        Details::Program(p) => names.extend(p.code.as_deref()),
        Details::Trip(t) => names.extend(t.purpose.as_deref()),
        Details::Workshop(w) => {
            names.extend(w.participants.iter().chain(&w.venue).map(String::as_str));
        }
    }
    texts.extend(names.into_iter().map(|n| (NAMES, normalize(n))));
    texts.extend(e.years.iter().map(|y| (NAMES, y.to_string())));
    if let Some(summary) = &r.summary {
        texts.push((SUMMARY, normalize(summary)));
    }
    texts.push((BODY, normalize(&e.body.plain)));

    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    let mut index: FastMap<&str, usize> =
        FastMap::with_capacity_and_hasher(bytes / 6 + 16, Default::default());
    let mut keys: Vec<&str> = Vec::new();
    let mut stats: Vec<([u8; FIELD_COUNT], u8)> = Vec::new();
    // The follow bit of each term, computed once.
    let mut bits: Vec<u8> = Vec::new();
    let mut lengths = [0u32; FIELD_COUNT];
    for (field, norm) in &texts {
        let field = *field;
        let mut prev: Option<usize> = None;
        for_each_token(norm, |t, joined| {
            lengths[field] += 1;
            let i = *index.entry(t).or_insert_with(|| {
                keys.push(t);
                stats.push(([0; FIELD_COUNT], 0));
                bits.push(follow_bit(t));
                keys.len() - 1
            });
            if let Some(p) = prev
                && joined
            {
                stats[p].1 |= bits[i];
            }
            stats[i].0[field] = stats[i].0[field].saturating_add(1);
            prev = Some(i);
        });
    }
    let ids = dictionary.ids(&keys);
    let terms = ids
        .into_iter()
        .zip(stats)
        .map(|(id, (tf, mask))| (id, tf, mask))
        .collect();
    DocTerms { terms, lengths }
}

/// What a result shows, loaded only for the results on screen.
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
    b: String,
}

fn doc_meta<'a>(site: &'a Site, e: &'a Entry) -> Vec<u8> {
    let r = &e.record;
    let reg = &site.registry;
    // The start of the body, without the summary when the body repeats it.
    let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let summary = collapse(&e.summary);
    // Only the start of the body matters: enough for the summary and the snippet.
    let want = summary.len() + 4 * SNIPPET_BODY_CHARS;
    let mut body = String::with_capacity(want + 64);
    for w in e.body.plain.split_whitespace() {
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
    let body: String = collapse(&body).chars().take(SNIPPET_BODY_CHARS).collect();
    let meta = DocMeta {
        t: &r.title,
        u: &e.url,
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
        s: &e.summary,
        b: body,
    };
    // `<`, `>` and `&` only occur inside strings: escape them, so that the file stays
    // inert even if a server sends it as HTML.
    let json = serde_json::to_string(&meta).unwrap_or_default();
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .into_bytes()
}

// ------------------------------------------------------------------ reader

/// A decoding error: the files are not an index this version wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Corrupt(pub String);

struct Bytes<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Bytes<'a> {
    fn varint(&mut self) -> Result<u64, Corrupt> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let byte = *self
                .b
                .get(self.at)
                .ok_or_else(|| Corrupt("truncated varint".into()))?;
            self.at += 1;
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

    fn usize(&mut self) -> Result<usize, Corrupt> {
        usize::try_from(self.varint()?).map_err(|_| Corrupt("number too large".into()))
    }

    fn bytes(&mut self) -> Result<&'a [u8], Corrupt> {
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

    fn byte(&mut self) -> Result<u8, Corrupt> {
        let b = *self
            .b
            .get(self.at)
            .ok_or_else(|| Corrupt("truncated".into()))?;
        self.at += 1;
        Ok(b)
    }

    fn string(&mut self) -> Result<String, Corrupt> {
        String::from_utf8(self.bytes()?.to_vec()).map_err(|_| Corrupt("not UTF-8".into()))
    }
}

/// The decoded manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub version: String,
    pub docs: usize,
    pub kinds: Vec<String>,
    pub langs: Vec<String>,
    /// Per record: (start year, end year, kind index, language index).
    pub facts: Vec<(i32, i32, usize, usize)>,
    /// First key of every shard but the first (which starts at the empty string).
    pub separators: Vec<Vec<u8>>,
    pub shards: usize,
}

impl Manifest {
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
        let shards = r.usize()?;
        let mut separators = Vec::with_capacity(shards.saturating_sub(1));
        let mut prev: Vec<u32> = Vec::new();
        for _ in 1..shards {
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
        Ok(Manifest {
            version,
            docs,
            kinds,
            langs,
            facts,
            separators,
            shards,
        })
    }

    /// The shard a term would be in.
    pub fn shard_of(&self, term: &[u8]) -> usize {
        self.separators.partition_point(|s| s.as_slice() <= term)
    }

    /// The shards that may hold terms starting with `prefix`.
    fn shards_with_prefix(&self, prefix: &[u8]) -> std::ops::RangeInclusive<usize> {
        let first = self.shard_of(prefix);
        let mut last = first;
        while last < self.separators.len() && self.separators[last].starts_with(prefix) {
            last += 1;
        }
        first..=last
    }
}

/// One term of a shard with its postings: `(record, impact, followed-by mask)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub term: Vec<u8>,
    pub postings: Vec<(u32, u8, u8)>,
}

/// Every term of a shard, in order.
pub fn parse_shard(bytes: &[u8]) -> Result<Vec<Term>, Corrupt> {
    let mut r = Bytes { b: bytes, at: 0 };
    let count = r.usize()?;
    let mut out: Vec<Term> = Vec::with_capacity(count.min(bytes.len()));
    let mut prev: Vec<u8> = Vec::new();
    for _ in 0..count {
        let shared = r.usize()?;
        let mut term = prev
            .get(..shared)
            .ok_or(Corrupt("bad prefix".into()))?
            .to_vec();
        term.extend_from_slice(r.bytes()?);
        let df = r.usize()?;
        let mut p = Bytes {
            b: r.bytes()?,
            at: 0,
        };
        let mut postings = Vec::with_capacity(df.min(p.b.len()));
        let mut next = 0u64;
        for _ in 0..df {
            let doc = next + p.varint()?;
            let impact = p.byte()?;
            let mask = p.byte()?;
            postings.push((
                u32::try_from(doc).map_err(|_| Corrupt("record id".into()))?,
                impact,
                mask,
            ));
            next = doc + 1;
        }
        prev.clone_from(&term);
        out.push(Term { term, postings });
    }
    Ok(out)
}

/// Filters of a query, as in the page's URL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub kind: Option<String>,
    pub city: Option<String>,
    pub year: Option<i32>,
    pub lang: Option<String>,
}

/// The answer to a query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Results {
    /// `(record, score)`, best first.
    pub hits: Vec<(u32, u64)>,
    /// Counts per facet value over the matches, each facet ignoring its own filter:
    /// `kind`, `lang` and `city` by id, `year` by year.
    pub facets: BTreeMap<&'static str, BTreeMap<String, usize>>,
    /// Every file read, in order (the manifest first).
    pub fetched: Vec<String>,
}

/// Answers queries from the files of an index, the way `search.js` does.
pub struct Reader<F: Fn(&str) -> Option<Vec<u8>>> {
    pub manifest: Manifest,
    load: F,
}

impl<F: Fn(&str) -> Option<Vec<u8>>> Reader<F> {
    pub fn open(load: F) -> Result<Reader<F>, Corrupt> {
        let bytes = load(MANIFEST).ok_or_else(|| Corrupt("no manifest".into()))?;
        Ok(Reader {
            manifest: Manifest::parse(&bytes)?,
            load,
        })
    }

    fn shard(&self, i: usize, fetched: &mut Vec<String>) -> Result<Vec<Term>, Corrupt> {
        let path = format!("{DIR}/s/{i}.bin");
        let bytes = (self.load)(&path).ok_or_else(|| Corrupt(format!("no {path}")))?;
        fetched.push(path);
        parse_shard(&bytes)
    }

    /// Runs a query: every token required, scored by the sum of impacts, plus a bonus
    /// for consecutive query tokens that follow each other in the record. Counts by
    /// city too.
    pub fn search(&self, query: &str, filters: &Filters) -> Result<Results, Corrupt> {
        self.search_with(query, filters, true)
    }

    /// `search`, counting by city only when `with_cities` (which reads the cities of
    /// every record); without it, a city filter reads only that city's file, as the
    /// page does until asked for the city counts.
    pub fn search_with(
        &self,
        query: &str,
        filters: &Filters,
        with_cities: bool,
    ) -> Result<Results, Corrupt> {
        let m = &self.manifest;
        let mut fetched = vec![MANIFEST.to_string()];
        let joined = tokenize_joined(query);
        let tokens: Vec<String> = joined.iter().map(|(t, _)| t.clone()).collect();
        let mut unique: Vec<&str> = Vec::new();
        for t in &tokens {
            if !unique.contains(&t.as_str()) {
                unique.push(t);
            }
        }
        // Load every shard needed, once, in order.
        let mut needed: Vec<usize> = Vec::new();
        for t in &unique {
            let range = if is_single_cjk(t) {
                m.shards_with_prefix(t.as_bytes())
            } else {
                let s = m.shard_of(t.as_bytes());
                s..=s
            };
            for s in range {
                if s < m.shards && !needed.contains(&s) {
                    needed.push(s);
                }
            }
        }
        needed.sort_unstable();
        let mut loaded: BTreeMap<usize, Vec<Term>> = BTreeMap::new();
        for &s in &needed {
            loaded.insert(s, self.shard(s, &mut fetched)?);
        }
        let all_terms = || loaded.values().flatten();
        // Per unique token: record → (impact, mask).
        let mut lists: Vec<BTreeMap<u32, (u8, u8)>> = Vec::new();
        for t in &unique {
            let mut list: BTreeMap<u32, (u8, u8)> = BTreeMap::new();
            if is_single_cjk(t) {
                for term in all_terms().filter(|x| x.term.starts_with(t.as_bytes())) {
                    let exact = term.term == t.as_bytes();
                    for &(d, imp, mask) in &term.postings {
                        let e = list.entry(d).or_insert((0, 0));
                        e.0 = e.0.max(imp);
                        if exact {
                            e.1 = mask;
                        }
                    }
                }
            } else if let Some(term) = all_terms().find(|x| x.term == t.as_bytes()) {
                list = term.postings.iter().map(|&(d, i, k)| (d, (i, k))).collect();
            }
            lists.push(list);
        }
        let mut candidates: Vec<u32> = if tokens.is_empty() {
            if *filters == Filters::default() {
                Vec::new()
            } else {
                (0..m.docs as u32).collect()
            }
        } else {
            let shortest = lists.iter().min_by_key(|l| l.len()).expect("tokens");
            shortest
                .keys()
                .copied()
                .filter(|d| lists.iter().all(|l| l.contains_key(d)))
                .collect()
        };
        let index_of = |t: &str| unique.iter().position(|u| *u == t).unwrap_or(0);
        let scored: Vec<(u32, u64)> = candidates
            .drain(..)
            .map(|d| {
                let mut s: u64 = lists.iter().map(|l| 2 * u64::from(l[&d].0)).sum();
                for (k, pair) in tokens.windows(2).enumerate() {
                    let (a, b) = (index_of(&pair[0]), index_of(&pair[1]));
                    if !joined[k + 1].1 || is_single_cjk(&pair[0]) || is_single_cjk(&pair[1]) {
                        continue;
                    }
                    let (ia, ma) = lists[a][&d];
                    if ma & follow_bit(&pair[1]) != 0 {
                        s += u64::from(ia) + u64::from(lists[b][&d].0);
                    }
                }
                (d, s)
            })
            .collect();

        // The cities of every record, to count by city (and filter).
        let mut city_ids: Vec<String> = Vec::new();
        let cities: Option<Vec<Vec<usize>>> = if with_cities {
            let bytes = (self.load)(CITIES).ok_or_else(|| Corrupt("no cities".into()))?;
            fetched.push(CITIES.to_string());
            let mut r = Bytes { b: &bytes, at: 0 };
            for _ in 0..r.usize()? {
                city_ids.push(r.string()?);
                r.string()?;
            }
            let n = r.usize()?;
            let mut v = Vec::with_capacity(n.min(bytes.len()));
            for _ in 0..n {
                let k = r.usize()?;
                v.push((0..k).map(|_| r.usize()).collect::<Result<Vec<_>, _>>()?);
            }
            Some(v)
        } else {
            None
        };
        let city_id = |c: usize| city_ids.get(c).map_or("", String::as_str);
        // The records of the filtered city, from the table or from the city's own file.
        let in_city: Option<Vec<bool>> = match (&filters.city, &cities) {
            (None, _) => None,
            (Some(c), Some(cs)) => Some(
                cs.iter()
                    .map(|l| l.iter().any(|&x| city_id(x) == c))
                    .collect(),
            ),
            (Some(c), None) => {
                let mut member = vec![false; m.docs];
                if crate::registry::is_safe_id(c) {
                    let path = format!("{DIR}/c/{c}.bin");
                    if let Some(bytes) = (self.load)(&path) {
                        fetched.push(path);
                        let mut r = Bytes { b: &bytes, at: 0 };
                        r.string()?;
                        let mut next = 0usize;
                        for _ in 0..r.usize()? {
                            let d = next + r.usize()?;
                            *member.get_mut(d).ok_or(Corrupt("record id".into()))? = true;
                            next = d + 1;
                        }
                    }
                }
                Some(member)
            }
        };
        let facts = &m.facts;
        let pass = |d: u32, skip: &str| -> bool {
            let (start, end, kind, lang) = facts[d as usize];
            (skip == "kind" || filters.kind.as_deref().is_none_or(|k| m.kinds[kind] == k))
                && (skip == "lang" || filters.lang.as_deref().is_none_or(|l| m.langs[lang] == l))
                && (skip == "year" || filters.year.is_none_or(|y| start <= y && y <= end))
                && (skip == "city" || in_city.as_ref().is_none_or(|v| v[d as usize]))
        };
        let mut facets: BTreeMap<&'static str, BTreeMap<String, usize>> = BTreeMap::new();
        for facet in ["kind", "lang", "year", "city"] {
            if facet == "city" && cities.is_none() {
                continue;
            }
            let counts = facets.entry(facet).or_default();
            for &(d, _) in &scored {
                if !pass(d, facet) {
                    continue;
                }
                let (start, end, kind, lang) = facts[d as usize];
                match facet {
                    "kind" => *counts.entry(m.kinds[kind].clone()).or_default() += 1,
                    "lang" => *counts.entry(m.langs[lang].clone()).or_default() += 1,
                    "year" => {
                        for y in start..=end {
                            *counts.entry(y.to_string()).or_default() += 1;
                        }
                    }
                    _ => {
                        if let Some(cs) = &cities {
                            for &c in &cs[d as usize] {
                                *counts.entry(city_id(c).to_string()).or_default() += 1;
                            }
                        }
                    }
                }
            }
        }
        let mut hits: Vec<(u32, u64)> = scored.into_iter().filter(|&(d, _)| pass(d, "")).collect();
        hits.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(Results {
            hits,
            facets,
            fetched,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_are_the_shortest_prefix_after_the_previous_key() {
        assert_eq!(separator("대기", "대책"), "대책");
        assert_eq!(separator("대기", "댁"), "댁");
        assert_eq!(separator("air", "beijing"), "b");
        assert_eq!(separator("ab", "abc"), "abc");
    }

    #[test]
    fn varints_and_zigzag_round_trip() {
        let mut out = Vec::new();
        for v in [0u64, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            out.clear();
            put_varint(&mut out, v);
            assert_eq!(Bytes { b: &out, at: 0 }.varint().unwrap(), v);
        }
        for y in [-3000, -1, 0, 1, 2016] {
            assert_eq!(unzigzag(zigzag(y)), y);
        }
    }

    #[test]
    fn a_single_cjk_character_is_a_prefix_query() {
        assert!(is_single_cjk("질"));
        assert!(!is_single_cjk("a"));
        assert!(!is_single_cjk("질개"));
    }
}
