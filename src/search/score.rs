//! BM25F: the indexed fields and their weights, the terms of each record, the impact
//! of a term in a record (scored at build time, one byte on one scale for the whole
//! index), and the score of a record for a query, which adds up impacts exactly as
//! `search.js` does.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

use crate::content::Details;
use crate::site::{Entry, Site};

use super::format::Fnv1a;
use super::tokenize::{follow_bit, for_each_token, is_single_cjk, normalize};

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

/// The build's hash maps (nothing written depends on their order).
type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv1a>>;

/// What one record contributes, before scores.
pub(super) struct DocTerms {
    /// Term id (see `Terms`), frequency per field (at most 255), "followed by" mask.
    terms: Vec<(u32, [u8; FIELD_COUNT], u8)>,
    lengths: [u32; FIELD_COUNT],
}

/// Every term of the index with an id, filled by the records in parallel. Ids depend
/// on the threads' timing; nothing written depends on them (terms are sorted).
pub(super) struct Terms {
    /// Term → (id, number of records).
    shards: Vec<Mutex<FastMap<String, (u32, u32)>>>,
    next: AtomicU32,
}

impl Terms {
    const SHARDS: usize = 64;

    pub(super) fn new() -> Terms {
        Terms {
            shards: (0..Self::SHARDS).map(|_| Default::default()).collect(),
            next: AtomicU32::new(0),
        }
    }

    fn shard_of(term: &str) -> usize {
        let mut h = Fnv1a::default();
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
                .unwrap_or_else(PoisonError::into_inner);
            for &i in group {
                ids[i] = match map.get_mut(terms[i]) {
                    Some((id, df)) => {
                        *df += 1;
                        *id
                    }
                    None => {
                        let id = self.next.fetch_add(1, Ordering::Relaxed);
                        map.insert(terms[i].to_string(), (id, 1));
                        id
                    }
                };
            }
        }
        ids
    }

    /// Every term and its number of records, by id.
    pub(super) fn into_vec(self) -> (Vec<String>, Vec<u32>) {
        let n = self.next.into_inner() as usize;
        let (mut terms, mut dfs) = (vec![String::new(); n], vec![0; n]);
        for shard in self.shards {
            let map = shard.into_inner().unwrap_or_else(PoisonError::into_inner);
            for (term, (id, df)) in map {
                terms[id as usize] = term;
                dfs[id as usize] = df;
            }
        }
        (terms, dfs)
    }
}

/// The terms of one record with their frequency per field and "followed by" mask.
pub(super) fn doc_terms(site: &Site, e: &Entry, dictionary: &Terms) -> DocTerms {
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

/// The weighted term frequency `tf′ = Σ weight × tf / (1 − b + b × length / average
/// length)` of every term (by id) in every record, records in index order:
/// `(record, tf′, followed-by mask)`.
pub(super) fn weigh(docs: Vec<DocTerms>, dfs: &[u32]) -> Vec<Vec<(u32, f32, u8)>> {
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
    postings
}

/// BM25 scores, quantised to one byte on one scale for all terms.
pub(super) struct Impacts {
    /// The number of records.
    n: usize,
    /// The highest score of any term in any record.
    max: f64,
}

impl Impacts {
    /// The scale of `postings`, the output of `weigh` for `n` records.
    pub(super) fn new(n: usize, postings: &[Vec<(u32, f32, u8)>]) -> Impacts {
        let mut impacts = Impacts { n, max: 0.0 };
        impacts.max = postings
            .par_iter()
            .map(|p| {
                p.iter()
                    .map(|&(_, w, _)| impacts.score(p.len(), w))
                    .fold(0.0, f64::max)
            })
            .reduce(|| 0.0, f64::max)
            .max(f64::MIN_POSITIVE);
        impacts
    }

    /// `idf × tf′ × (k1 + 1) / (k1 + tf′)` of a term in `df` records.
    fn score(&self, df: usize, weighted: f32) -> f64 {
        let n = self.n as f64;
        let idf = (1.0 + (n - df as f64 + 0.5) / (df as f64 + 0.5)).ln();
        let w = f64::from(weighted);
        idf * w * (K1 + 1.0) / (K1 + w)
    }

    /// The impact of a term in `df` records on a record where it weighs `weighted`.
    pub(super) fn impact(&self, df: usize, weighted: f32) -> u8 {
        (self.score(df, weighted) / self.max * 255.0)
            .round()
            .clamp(1.0, 255.0) as u8
    }
}

/// The postings of one query token: record → (impact, followed-by mask).
pub(super) type Matches = BTreeMap<u32, (u8, u8)>;

/// The score of record `d` for a query: `2 × Σ impact` over the distinct tokens, plus
/// `impact(first) + impact(second)` for every pair of consecutive query tokens where
/// the second follows the first in the query and, by the mask, in the record.
/// `tokens` are the query's tokens with whether each follows the one before,
/// `slots[k]` the index in `matches` of token `k`; `d` is in every list.
pub(super) fn query_score(
    d: u32,
    tokens: &[(String, bool)],
    slots: &[usize],
    matches: &[Matches],
) -> u64 {
    let mut s: u64 = matches.iter().map(|l| 2 * u64::from(l[&d].0)).sum();
    for (k, pair) in tokens.windows(2).enumerate() {
        let (first, second) = (&pair[0].0, &pair[1]);
        if !second.1 || is_single_cjk(first) || is_single_cjk(&second.0) {
            continue;
        }
        let (a, b) = (slots[k], slots[k + 1]);
        let (ia, ma) = matches[a][&d];
        if ma & follow_bit(&second.0) != 0 {
            s += u64::from(ia) + u64::from(matches[b][&d].0);
        }
    }
    s
}
