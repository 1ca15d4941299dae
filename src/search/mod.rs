//! Search: owns the whole search index under `search/` — what is indexed (from the
//! records, never from the rendered pages), the tokenizer, BM25F scores computed at
//! build time, the sharded binary format, and a reader that answers queries exactly
//! as the browser does (`themes/default/static/search.js`), for tests and benchmarks.
//!
//! The tokenizer has a twin in `search.js`; both are checked against the vectors in
//! `tests/search_vectors.json`, so they cannot drift. Reads the site model and
//! returns files; never writes (the pipeline writes them through `output`).
//! The format is described in `docs/search.md`.
//!
//! The code follows the concerns: `tokenize` (the tokenizer and its twin in
//! `search.js`), `score` (the fields, BM25F weights and impacts, the score of a
//! query), `format` (every file's writer beside its reader), `read` (the reader) and
//! `passages` (the bodies cut into passages for the snippets).

mod format;
mod passages;
mod read;
mod score;
mod tokenize;

use rayon::prelude::*;

use crate::kind::Kind;
use crate::site::{Entry, Site};

pub use format::{
    Corrupt, Manifest, Term, pack_item, pack_offsets, pack_range, parse_followers, parse_shard,
};
pub use read::{Facet, Filters, Reader, Results, read_size};
pub use tokenize::{
    MAX_WORD_CHARS, follow_bit, is_cjk, normalize, stem, tokenize, tokenize_joined, word_distance,
};

use format::{Encoded, ShardWriter};
use score::{DocTerms, Impacts, Mentions, Terms, Weigher};
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
    };
}

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
    let order = Order::of(site);
    // 1–3. Every term with its number of records and its postings, in byte order,
    // and the words of the typo dictionary.
    let (terms, words) = postings(site, &order.records);
    // 4. Shards: sorted ranges of terms, each at most `sizes.shard` bytes, and the
    // followers and preceders files of all of them.
    let mut writer = ShardWriter::new(sizes.shard, sizes.blocks);
    for (term, data) in &terms {
        writer.push(term, data);
    }
    let shards = writer.finish();
    // The terms' data is in the shards now.
    drop(terms);
    let shard_count = shards.shards.len();
    // Packed: the shards of a group of keys per file, the followers and preceders
    // files `sizes.blocks_per_file` at a time.
    let mut files = format::packs("s", &shards.shards, sizes.keys_per_file);
    files.extend(format::packs("f", &shards.followers, sizes.blocks_per_file));
    files.extend(format::packs("b", &shards.preceders, sizes.blocks_per_file));
    // 5. The typo dictionary, one file per word length.
    files.extend(dictionary_files(&words));
    // 6. What is shown of each result, a few records per file.
    let metas: Vec<Vec<u8>> = (order.records.par_iter())
        .map(|&i| format::write_doc_meta(site, &site.entries[i]))
        .collect();
    files.extend(format::packs("d", &metas, sizes.records_per_file));
    // 6b. The passages of each record's body, for the snippets of the results shown,
    // more records per file.
    let passages: Vec<Vec<u8>> = (order.records.par_iter())
        .map(|&i| passages::write(&site.entries[i]))
        .collect();
    files.extend(format::packs("p", &passages, sizes.passages_per_file));
    // 7. The cities, and those of every record, for the city facet; the same of the
    // organizations and the topics.
    files.extend(city_files(site, &order.records));
    files.extend(list_files(site, &order.records));
    // 8. The keys of the shards: the first of every group in the manifest, the
    // others in one file per group.
    let (top, keys) = format::key_files(shard_count, &shards.separators, sizes.keys_per_file);
    files.extend(keys);
    // 9. The manifest, with a version that changes with any other file.
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let kinds = Kind::ALL.iter().map(|k| k.id().to_string()).collect();
    let manifest = Manifest {
        version: String::new(),
        docs: order.facts.len(),
        kinds,
        langs: order.langs,
        facts: order.facts,
        top,
        shards: shard_count,
        keys_per_file: sizes.keys_per_file,
        records_per_file: sizes.records_per_file,
        passages_per_file: sizes.passages_per_file,
        blocks_per_file: sizes.blocks_per_file,
    }
    .write(&files);
    files.push((MANIFEST.to_string(), manifest));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Index { files }
}

/// Every term of the `records` (indexes in `site.entries`, in index order), in byte
/// order, with its number of records, its scale, its encoded postings and followers;
/// and the words of the typo dictionary (see `is_typo_word`) with their number of
/// records, in byte order.
fn postings(site: &Site, records: &[usize]) -> (Vec<(String, Encoded)>, Vec<Word>) {
    // 1. Tokens per record, in parallel.
    let dictionary = Terms::new();
    let mentions = Mentions::of(&site.registry, &site.organizations);
    let docs: Vec<DocTerms> = records
        .par_iter()
        .map(|&i| score::doc_terms(site, &site.entries[i], &dictionary, &mentions))
        .collect();
    let (mut terms, dfs) = dictionary.into_vec();
    let written = score::written_terms(&docs, terms.len());
    // 2. Postings per term, records in index order, with their weighted frequency,
    // a group of terms at a time (in byte order), and 3. BM25 impacts on each term's
    // own scale, the postings encoded: only one group's postings are held at once.
    let mut sorted: Vec<usize> = (0..terms.len()).collect();
    sorted.par_sort_unstable_by(|&a, &b| terms[a].cmp(&terms[b]));
    let mut weigher = Weigher::new(docs, terms.len());
    let mut encoded: Vec<Encoded> = Vec::with_capacity(terms.len());
    for group in groups(&sorted, &dfs) {
        let postings = weigher.weigh(group, &dfs);
        encoded.par_extend(group.par_iter().zip(postings).map(|(&t, p)| {
            let impacts = Impacts::of(records.len(), &p.list);
            Encoded {
                df: dfs[t],
                scale: impacts.scale,
                postings: format::write_postings(
                    p.list.iter().map(|w| (w.doc, impacts.impact(w), w.mask)),
                ),
                followers: format::write_followers(p.neighbours().map(|(next, _)| next)),
                preceders: format::write_followers(p.neighbours().map(|(_, prev)| prev)),
            }
        }));
    }
    drop(weigher);
    let mut words: Vec<Word> = (sorted.iter())
        .filter(|&&t| written[t])
        .map(|&t| (terms[t].trim_start_matches(WRITTEN).to_string(), dfs[t]))
        .filter(|(w, _)| is_typo_word(w))
        .collect();
    words.sort();
    let terms = (sorted.iter().zip(encoded))
        .map(|(&t, data)| (std::mem::take(&mut terms[t]), data))
        .collect();
    (terms, words)
}

/// Postings weighed at once (a term with more is a group of its own), unless that
/// makes more than `MAX_GROUPS` groups: about 40 MB.
const POSTINGS_PER_GROUP: u64 = 1 << 21;
/// Each group reads the terms of every record once more.
const MAX_GROUPS: u64 = 16;

/// `sorted` (term ids) cut into runs of about `POSTINGS_PER_GROUP` postings, by
/// their numbers of records (`dfs`).
fn groups<'a>(sorted: &'a [usize], dfs: &[u32]) -> Vec<&'a [usize]> {
    let total: u64 = sorted.iter().map(|&t| u64::from(dfs[t])).sum();
    let budget = POSTINGS_PER_GROUP.max(total.div_ceil(MAX_GROUPS));
    let mut groups = Vec::new();
    let (mut start, mut held) = (0, 0);
    for (i, &t) in sorted.iter().enumerate() {
        let df = u64::from(dfs[t]);
        if held > 0 && held + df > budget {
            groups.push(&sorted[start..i]);
            (start, held) = (i, 0);
        }
        held += df;
    }
    if start < sorted.len() {
        groups.push(&sorted[start..]);
    }
    groups
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
    langs: Vec<String>,
    /// Per record in index order: start year, end year, kind and language index.
    facts: Vec<(i32, i32, usize, usize)>,
}

impl Order {
    fn of(site: &Site) -> Order {
        let entries = &site.entries;
        let mut langs: Vec<String> = entries.iter().map(|e| e.record.lang.clone()).collect();
        langs.sort();
        langs.dedup();
        let fact = |e: &Entry| {
            let (start, end) = (e.years[0], *e.years.last().unwrap_or(&e.years[0]));
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
    let of_record = records
        .iter()
        .map(|&i| site.entries[i].record.cities.as_slice());
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
