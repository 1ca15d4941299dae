//! The reader: answers a query from the files of an index the way `search.js` does —
//! the shards a query needs, the records every token matches, their scores, and the
//! counts per facet — for the tests and the benchmark.

use std::borrow::Borrow;
use std::collections::BTreeMap;

use serde::Serialize;

use super::format::{
    Cities, Corrupt, Head, Manifest, Term, pack_len, pack_offsets, pack_range, parse_followers,
    parse_shard, read_cities, read_city, read_followers, read_keys, read_positions, read_postings,
    read_words,
};
use super::hangul;
use super::score::{Matches, hit_order, query_score};
use super::tokenize::{
    MAX_WORD_CHARS, TYPO_MIN_CHARS, WRITTEN, edit_distance, is_bigram, is_cjk, is_stemmed,
    is_typo_word, is_word_char, matches_typos, normalize, phrase_runs, stem, tokenize_joined,
    typo_distance,
};
use super::{CITIES, DIR, HANGUL, MANIFEST, ORGANIZATIONS, TOPICS};

/// Filters of a query, as in the page's URL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub kind: Option<String>,
    pub city: Option<String>,
    /// A registered organization, by id.
    pub organization: Option<String>,
    /// A topic, by slug.
    pub topic: Option<String>,
    pub year: Option<i32>,
    pub lang: Option<String>,
    /// Newest first (by start year, then end year) instead of most relevant first.
    pub newest: bool,
    /// The query is being typed: its last word, if it is a word of `PREFIX_MIN`
    /// letters or more outside CJK with nothing typed after it, also matches every
    /// longer word it starts (`coop` finds `cooperation`).
    pub typing: bool,
}

/// The shortest last word matched as a prefix while typing.
pub(super) const PREFIX_MIN: usize = 3;

impl Filters {
    /// Whether any filter is set (the order is not a filter).
    fn any(&self) -> bool {
        self.kind.is_some()
            || self.city.is_some()
            || self.organization.is_some()
            || self.topic.is_some()
            || self.year.is_some()
            || self.lang.is_some()
    }
}

/// What the matches are counted by, and filtered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Facet {
    Kind,
    Lang,
    Year,
    City,
    Organization,
    Topic,
}

impl Facet {
    pub const ALL: [Facet; 6] = [
        Facet::Kind,
        Facet::Lang,
        Facet::Year,
        Facet::City,
        Facet::Organization,
        Facet::Topic,
    ];

    /// Its name in the page's URL and in `Results::facets`.
    pub fn id(self) -> &'static str {
        match self {
            Facet::Kind => "kind",
            Facet::Lang => "lang",
            Facet::Year => "year",
            Facet::City => "city",
            Facet::Organization => "org",
            Facet::Topic => "topic",
        }
    }
}

// A facet sorts, compares and looks up as its id: `facets["kind"]` works.
impl Ord for Facet {
    fn cmp(&self, other: &Facet) -> std::cmp::Ordering {
        self.id().cmp(other.id())
    }
}

impl PartialOrd for Facet {
    fn partial_cmp(&self, other: &Facet) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Borrow<str> for Facet {
    fn borrow(&self) -> &str {
        self.id()
    }
}

impl Serialize for Facet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

/// The answer to a query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Results {
    /// `(record, score)`, best first: every match, or, from a head (`Reader::first_page`),
    /// the first ones only.
    pub hits: Vec<(u32, u64)>,
    /// The number of matches (more than `hits` holds when they come from a head).
    pub total: usize,
    /// When a word of the query is not in the index: the query (normalised) with every
    /// such word replaced by the nearest word the index has ("did you mean"). The hits
    /// already include that word's records when the word has 4 letters or more. When
    /// no record matches a query that holds Hangul, its Hangul words that the
    /// dictionary of Hangul words lacks are replaced too (the hits stay empty).
    pub suggestion: Option<String>,
    /// Counts per facet value over the matches, each facet ignoring its own filter:
    /// kind, language and city by id, year by year.
    pub facets: BTreeMap<Facet, BTreeMap<String, usize>>,
    /// Every file read, in order (the manifest first): a whole file as its path, a
    /// part of a pack as `path#start-end` (bytes, the end excluded; see `read_size`),
    /// its two offsets first, then the item.
    pub fetched: Vec<String>,
    /// The parts of the page's engine the query loads besides `search.js`, in byte
    /// order: `words` (`search-words.js`) for a word the stemmer reads, the prefix of
    /// the word being typed or a word that may be a typo and matched nothing; `hangul`
    /// (`search-hangul.js`, with `words`) for Hangul in a query without matches;
    /// `runs` (`search-runs.js`) when the positions of a CJK run of 4 characters or
    /// more are read.
    pub parts: Vec<&'static str>,
}

/// The tokens of a query: in order, as terms (words stemmed), with whether each
/// follows the one before, and each distinct one once.
struct Query {
    /// The tokens as `tokenize_joined` gives them (a phrase term as one token).
    raw: Vec<(String, bool)>,
    /// Whether the last word may be a prefix: typing, and nothing typed after it.
    open: bool,
    tokens: Vec<(String, bool)>,
    unique: Vec<String>,
    /// Each distinct term as the query writes it (the first token with that term).
    written: Vec<String>,
    /// For every token, its place in `unique`.
    slots: Vec<usize>,
    /// The slot of the last word when it is matched as a prefix.
    prefix: Option<usize>,
    /// Whether a token is a word the stemmer reads (`stem`).
    stemmed: bool,
}

impl Query {
    fn new(text: &str, typing: bool) -> Query {
        let open = typing && text.chars().next_back().is_some_and(char::is_alphanumeric);
        Query::of(tokenize_joined(text), open)
    }

    /// The query of these tokens; `open` as in `Query::open`.
    fn of(raw: Vec<(String, bool)>, open: bool) -> Query {
        let last_is_word = (raw.last())
            .is_some_and(|(t, _)| t.chars().count() >= PREFIX_MIN && !t.chars().any(is_cjk));
        let mut unique: Vec<String> = Vec::new();
        let mut written: Vec<String> = Vec::new();
        let mut slots = Vec::with_capacity(raw.len());
        let mut tokens = Vec::with_capacity(raw.len());
        let stemmed = raw.iter().any(|(t, _)| is_stemmed(t));
        for (t, joined) in &raw {
            let term = stem(t).into_owned();
            let slot = unique.iter().position(|u| *u == term).unwrap_or_else(|| {
                unique.push(term.clone());
                written.push(t.clone());
                unique.len() - 1
            });
            slots.push(slot);
            tokens.push((term, *joined));
        }
        let prefix = (last_is_word && open).then(|| slots[slots.len() - 1]);
        Query {
            raw,
            open,
            tokens,
            unique,
            written,
            slots,
            prefix,
            stemmed,
        }
    }

    /// The query with each CJK run of 3 characters or more for which `is_phrase` holds
    /// (a phrase term of the index) as that one term, in place of its bigrams.
    fn with_phrases(self, mut is_phrase: impl FnMut(&str) -> bool) -> Query {
        let mut raw: Vec<(String, bool)> = Vec::with_capacity(self.raw.len());
        let mut k = 0;
        for (range, run) in phrase_runs(&self.raw) {
            if is_phrase(&run) {
                raw.extend_from_slice(&self.raw[k..range.start]);
                raw.push((run, false));
                k = range.end;
            }
        }
        if k == 0 {
            return self;
        }
        raw.extend_from_slice(&self.raw[k..]);
        Query::of(raw, self.open)
    }

    /// Whether the query is one term, its score that term's alone: one distinct
    /// term, not matched as a prefix, no token following another (no adjacency bonus).
    fn is_one_term(&self) -> bool {
        self.unique.len() == 1 && self.prefix.is_none() && self.tokens.iter().skip(1).all(|t| !t.1)
    }

    /// What a prefix slot matches: the terms starting with its stem, and the words as
    /// written (marked `WRITTEN`) starting with the word as typed (`recyclin` finds
    /// `=recycling`; `recycling`, while typing, `recycl` and so `recycled` too).
    fn prefixes(&self, slot: usize) -> [String; 2] {
        [
            self.unique[slot].clone(),
            format!("{WRITTEN}{}", self.written[slot]),
        ]
    }

    /// The pair of consecutive bigrams of each CJK run of the query of 3 characters.
    /// A record matches the run only if the second follows the first in the record:
    /// the first bigram's followers hold the second's last character, or, the same,
    /// the second bigram's preceders hold the first's first character. A run of 4
    /// characters or more is checked with the positions of its bigrams alone (`runs`).
    fn phrase(&self) -> Vec<Pair> {
        let t = &self.tokens;
        let continued = |k: usize| t.get(k).is_some_and(|(x, joined)| *joined && is_bigram(x));
        (t.windows(2).enumerate())
            .filter(|(_, pair)| pair[1].1 && is_bigram(&pair[0].0) && is_bigram(&pair[1].0))
            .filter(|&(k, _)| !continued(k) && !continued(k + 2))
            .filter_map(|(k, pair)| {
                Some(Pair {
                    first: self.slots[k],
                    next: pair[1].0.chars().nth(1)?,
                    second: self.slots[k + 1],
                    prev: pair[0].0.chars().next()?,
                })
            })
            .collect()
    }
}

/// The part of the page's engine for words (`search-words.js`).
const WORDS_PART: &str = "words";
/// The part for "did you mean" in Hangul (`search-hangul.js`).
const HANGUL_PART: &str = "hangul";
/// The part for the positions check of the CJK runs of 4 characters or more
/// (`search-runs.js`).
const RUNS_PART: &str = "runs";

impl Query {
    /// The parts of the engine the page loads for the query's words, given the
    /// matches of its terms: `words` for a word the stemmer reads (`stem`), the prefix
    /// of the word being typed, or a word that may be a typo and matched nothing.
    fn parts(&self, matches: &[Matches]) -> Vec<&'static str> {
        let typo = (self.written.iter().enumerate())
            .any(|(slot, w)| matches[slot].list.is_empty() && is_typo_word(w));
        let any = self.prefix.is_some() || typo || self.stemmed;
        if any { vec![WORDS_PART] } else { Vec::new() }
    }

    /// The CJK runs of the query of 4 characters or more (3 bigrams or more), each as
    /// the slots of its bigrams in order: where its bigrams stand (`places`) decides
    /// whether a record holds it whole (the followers check none of its pairs).
    fn runs(&self) -> Vec<Vec<usize>> {
        let mut runs: Vec<Vec<usize>> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        for (k, (t, joined)) in self.tokens.iter().enumerate() {
            if !(*joined && is_bigram(t)) && open.len() >= 3 {
                runs.push(std::mem::take(&mut open));
            }
            if !(*joined && is_bigram(t)) {
                open.clear();
            }
            if is_bigram(t) {
                open.push(self.slots[k]);
            }
        }
        if open.len() >= 3 {
            runs.push(open);
        }
        runs
    }
}

/// The bigrams of a run whose places a record must hold, as their offsets in the
/// run, given the number of records of each bigram (`records`): the first, the last,
/// and between them steps of one or two bigrams, those of the fewest records in all
/// (the fewer records, the smaller a positions block; on a tie, the longer step).
/// Each character of the run is in one of them, and two of them are at most two
/// places apart: in one run of the record, since different runs stand more than two
/// places apart.
fn run_cover(records: &[usize]) -> Vec<usize> {
    let n = records.len();
    // best[k]: the fewest records from offset k to the last, and the next offset.
    let mut best: Vec<(usize, usize)> = vec![(0, n); n];
    for k in (0..n).rev() {
        best[k] = match (best.get(k + 1), best.get(k + 2)) {
            (_, Some(&(two, _))) if two <= best[k + 1].0 => (records[k] + two, k + 2),
            (Some(&(one, _)), _) => (records[k] + one, k + 1),
            _ => (records[k], n),
        };
    }
    let mut cover = Vec::new();
    let mut k = 0;
    while k < n {
        cover.push(k);
        k = best[k].1;
    }
    cover
}

/// Where each bigram of the query's long runs stands in each of its records, by slot
/// (only the slots of `run_cover`).
type Places = BTreeMap<usize, BTreeMap<u32, Vec<u32>>>;

/// Whether record `d` holds the whole `run` (the slots of its bigrams, and the
/// offsets of its `run_cover`): its first bigram at some place `p` and each bigram
/// of the cover at `p` plus its offset.
fn holds_run((run, cover): &(Vec<usize>, Vec<usize>), places: &Places, d: u32) -> bool {
    let at = |k: usize| places.get(&run[k]).and_then(|m| m.get(&d));
    let Some(first) = at(0) else {
        return false;
    };
    first.iter().any(|&p| {
        cover
            .iter()
            .all(|&k| at(k).is_some_and(|l| l.binary_search(&(p + k as u32)).is_ok()))
    })
}

/// Two consecutive bigrams of a CJK phrase: the slots of the first and the second,
/// the character that must follow the first and the one that must come before the
/// second.
#[derive(Clone, Copy)]
struct Pair {
    first: usize,
    next: char,
    second: usize,
    prev: char,
}

impl Pair {
    /// Whether the phrase is checked with the followers of the first bigram (when it
    /// has no more records than the second) or with the preceders of the second:
    /// either gives the same answer, the one of the rarer term is read.
    fn by_followers(self, matches: &[Matches]) -> bool {
        matches[self.first].list.len() <= matches[self.second].list.len()
    }

    /// Whether record `d` holds the two bigrams one after the other.
    fn holds(self, matches: &[Matches], d: u32) -> bool {
        if self.by_followers(matches) {
            (matches[self.first].next.get(&d)).is_some_and(|n| n.contains(&self.next))
        } else {
            (matches[self.second].prev.get(&d)).is_some_and(|n| n.contains(&self.prev))
        }
    }
}

/// The head a query of one term was answered from, and the term's number of records.
type HeadUsed = (Head, usize);

/// The shards a query has read: `(shard, its terms)`.
#[derive(Default)]
struct Loaded {
    shards: Vec<(usize, Vec<Term>)>,
    /// The key files read, by group.
    keys: BTreeMap<usize, Vec<Vec<u8>>>,
}

impl Loaded {
    fn has(&self, shard: usize) -> bool {
        self.shards.iter().any(|(s, _)| *s == shard)
    }

    /// A term: its shard, its place in the shard, and the term.
    fn find(&self, term: &[u8]) -> Option<(usize, usize, &Term)> {
        (self.shards.iter())
            .find_map(|(s, terms)| Some((*s, terms.iter().position(|x| x.term == term)?, terms)))
            .map(|(s, at, terms)| (s, at, &terms[at]))
    }
}

/// The dictionary words nearest to `word` within its typo distance, best first: the
/// fewest edits, then the most records, then byte order; those at the fewest edits
/// only, and at most `TYPO_WORDS` of them.
fn nearest<'a>(word: &[char], words: impl Iterator<Item = (&'a str, u32)>) -> Vec<&'a str> {
    let max = typo_distance(word.len());
    let mut near: Vec<(usize, u32, &str)> = words
        .filter_map(|(w, df)| {
            let chars: Vec<char> = w.chars().collect();
            let d = edit_distance(word, &chars, max);
            (d <= max).then_some((d, df, w))
        })
        .collect();
    near.sort_by(|a, b| (a.0, b.1, a.2).cmp(&(b.0, a.1, b.2)));
    let fewest = near.first().map_or(0, |n| n.0);
    (near.into_iter())
        .take_while(|n| n.0 == fewest)
        .take(TYPO_WORDS)
        .map(|n| n.2)
        .collect()
}

/// The most dictionary words a query word with a typo stands for.
const TYPO_WORDS: usize = 3;

/// `norm` with every word (a run of letters and digits outside CJK, or a run of
/// Hangul syllables) that `fixes` names replaced by its fix.
fn corrected(norm: &str, fixes: &[(String, String)]) -> String {
    let mut out = String::with_capacity(norm.len());
    let mut word = String::new();
    let flush = |out: &mut String, word: &mut String| {
        let fix = fixes.iter().find(|(w, _)| w == word);
        out.push_str(fix.map_or(word.as_str(), |(_, f)| f.as_str()));
        word.clear();
    };
    // 1 in a word, 2 in a run of Hangul syllables.
    let class = |c: char| u8::from(is_word_char(c)) + 2 * u8::from(hangul::is_syllable(c));
    let mut last = 0;
    for c in norm.chars() {
        if class(c) != last {
            flush(&mut out, &mut word);
            last = class(c);
        }
        if last == 0 {
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut out, &mut word);
    out
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

    /// Runs a query: every token required, scored by the sum of impacts, plus a bonus
    /// for consecutive query tokens that follow each other in the record. Counts by
    /// city too.
    pub fn search(&self, query: &str, filters: &Filters) -> Result<Results, Corrupt> {
        self.search_with(query, filters, true)
    }

    /// `search`, counting by city only when `with_cities` (which reads the cities of
    /// every record); without it, a city filter reads only that city's file, as the
    /// page does until asked for the city counts. The complete answer: every posting
    /// of every token is read.
    pub fn search_with(
        &self,
        query: &str,
        filters: &Filters,
        with_cities: bool,
    ) -> Result<Results, Corrupt> {
        self.answer(query, filters, with_cities, None)
    }

    /// What the page reads and gets for a page that shows the first `want` hits: as
    /// `search_with`, but a query of one term with a head (no filter, not newest
    /// first, no counts by city, `want` within the head) reads the head only — its
    /// first hits, the number of matches (`total`) and the facets, exactly those of
    /// the complete answer.
    pub fn first_page(
        &self,
        query: &str,
        filters: &Filters,
        with_cities: bool,
        want: usize,
    ) -> Result<Results, Corrupt> {
        self.answer(query, filters, with_cities, Some(want))
    }

    fn answer(
        &self,
        query: &str,
        filters: &Filters,
        with_cities: bool,
        want: Option<usize>,
    ) -> Result<Results, Corrupt> {
        let mut fetched = vec![MANIFEST.to_string()];
        let text = query;
        let mut loaded = Loaded::default();
        let query = self.phrases(Query::new(query, filters.typing), &mut loaded, &mut fetched)?;
        let plain = query.is_one_term() && !filters.any() && !filters.newest && !with_cities;
        let (mut matches, head) =
            self.matches(&query, want.filter(|_| plain), &mut loaded, &mut fetched)?;
        let mut parts = query.parts(&matches);
        let mut fixes = self.typos(&query, &mut matches, &mut loaded, &mut fetched)?;
        let phrase = query.phrase();
        let mut candidates: Vec<u32> = self.candidates(&matches, filters);
        candidates.retain(|&d| phrase.iter().all(|p| p.holds(&matches, d)));
        let runs: Vec<(Vec<usize>, Vec<usize>)> = (query.runs().into_iter())
            .map(|run| {
                let records: Vec<usize> = run.iter().map(|&s| matches[s].list.len()).collect();
                (run, run_cover(&records))
            })
            .collect();
        if !candidates.is_empty() && !runs.is_empty() {
            parts.push(RUNS_PART);
            let places = self.places(&query, &runs, &loaded, &mut fetched)?;
            candidates.retain(|&d| runs.iter().all(|run| holds_run(run, &places, d)));
        }
        let scored: Vec<(u32, u64)> = (candidates.into_iter())
            .map(|d| (d, query_score(d, &query.tokens, &query.slots, &matches)))
            .collect();
        let norm = normalize(text);
        if scored.is_empty() && norm.chars().any(hangul::is_syllable) {
            parts.extend([HANGUL_PART, WORDS_PART]);
            fixes.extend(self.hangul_fixes(&norm, &mut fetched)?);
        }
        parts.sort_unstable();
        parts.dedup();
        let suggestion = (!fixes.is_empty())
            .then(|| corrected(&norm, &fixes))
            .filter(|s| *s != norm);
        let lists = self.lists(filters, with_cities, &mut fetched)?;
        let [cities, orgs, topics] = &lists;
        let member = |lists: &Option<Cities>, wanted: &Option<String>| {
            let (Some(ls), Some(w)) = (lists, wanted) else {
                return None;
            };
            Some(
                (ls.of_record.iter())
                    .map(|l| l.iter().any(|&x| ls.id(x) == w))
                    .collect::<Vec<bool>>(),
            )
        };
        let pass = Pass {
            manifest: &self.manifest,
            filters,
            in_org: member(orgs, &filters.organization),
            in_topic: member(topics, &filters.topic),
            in_city: self.in_city(filters, cities.as_ref(), &mut fetched)?,
        };
        let facets = match &head {
            Some((h, _)) => head_facets(&self.manifest, h),
            None => pass.count(&scored, [cities.as_ref(), orgs.as_ref(), topics.as_ref()]),
        };
        let mut hits: Vec<(u32, u64)> = scored.into_iter().filter(|&(d, _)| pass.all(d)).collect();
        let m = &self.manifest;
        hits.sort_by(|a, b| order(m, filters.newest, *a, *b));
        Ok(Results {
            total: head.map_or(hits.len(), |(_, df)| df),
            hits,
            suggestion,
            facets,
            fetched,
            parts,
        })
    }

    /// The cities, organizations and topics of every record, each when it is needed:
    /// all three to count by them (`with_cities`), the organizations or topics alone
    /// to filter by one of them.
    fn lists(
        &self,
        filters: &Filters,
        with_cities: bool,
        fetched: &mut Vec<String>,
    ) -> Result<[Option<Cities>; 3], Corrupt> {
        let mut list = |path: &str, wanted: bool| -> Result<Option<Cities>, Corrupt> {
            if !(with_cities || wanted) {
                return Ok(None);
            }
            let bytes = (self.load)(path).ok_or_else(|| Corrupt(format!("no {path}")))?;
            fetched.push(path.to_string());
            read_cities(&bytes).map(Some)
        };
        Ok([
            list(CITIES, false)?,
            list(ORGANIZATIONS, filters.organization.is_some())?,
            list(TOPICS, filters.topic.is_some())?,
        ])
    }

    /// The shard a term would be in, reading the key file of its group (as
    /// `search.js` does); for tests.
    pub fn shard_of(&self, term: &[u8]) -> Result<usize, Corrupt> {
        self.shard_of_in(term, &mut Loaded::default(), &mut Vec::new())
    }

    /// The first key of every shard but the first, from the manifest and every key
    /// file; for tests.
    pub fn separators(&self) -> Result<Vec<Vec<u8>>, Corrupt> {
        let mut loaded = Loaded::default();
        (1..self.manifest.shards)
            .map(|i| self.first_key(i, &mut loaded, &mut Vec::new()))
            .collect()
    }

    /// The keys of group `g`: the first key of each of its shards but the first, read
    /// once per query.
    fn keys<'l>(
        &self,
        g: usize,
        loaded: &'l mut Loaded,
        fetched: &mut Vec<String>,
    ) -> Result<&'l [Vec<u8>], Corrupt> {
        if let std::collections::btree_map::Entry::Vacant(e) = loaded.keys.entry(g) {
            let path = format!("{DIR}/k/{g}.bin");
            let bytes = (self.load)(&path).ok_or_else(|| Corrupt(format!("no {path}")))?;
            fetched.push(path);
            e.insert(read_keys(&bytes)?);
        }
        Ok(&loaded.keys[&g])
    }

    /// The shard a term would be in: its group from the manifest, then its shard from
    /// the group's key file.
    fn shard_of_in(
        &self,
        term: &[u8],
        loaded: &mut Loaded,
        fetched: &mut Vec<String>,
    ) -> Result<usize, Corrupt> {
        let m = &self.manifest;
        if m.shards == 0 {
            return Ok(0);
        }
        let g = m.group_of(term);
        let keys = self.keys(g, loaded, fetched)?;
        Ok(g * m.keys_per_file + keys.partition_point(|s| s.as_slice() <= term))
    }

    /// The first key of shard `i` (not the first shard).
    fn first_key(
        &self,
        i: usize,
        loaded: &mut Loaded,
        fetched: &mut Vec<String>,
    ) -> Result<Vec<u8>, Corrupt> {
        let per = self.manifest.keys_per_file;
        let key = if i.is_multiple_of(per) {
            self.manifest.top.get(i / per - 1)
        } else {
            self.keys(i / per, loaded, fetched)?.get(i % per - 1)
        };
        key.cloned().ok_or(Corrupt("no key".into()))
    }

    /// The shards that may hold terms starting with `prefix`.
    fn shards_with_prefix(
        &self,
        prefix: &[u8],
        loaded: &mut Loaded,
        fetched: &mut Vec<String>,
    ) -> Result<std::ops::RangeInclusive<usize>, Corrupt> {
        let first = self.shard_of_in(prefix, loaded, fetched)?;
        let mut last = first;
        while last + 1 < self.manifest.shards
            && self
                .first_key(last + 1, loaded, fetched)?
                .starts_with(prefix)
        {
            last += 1;
        }
        Ok(first..=last)
    }

    fn shard(&self, i: usize, fetched: &mut Vec<String>) -> Result<Vec<Term>, Corrupt> {
        let (path, k) = self.manifest.shard_file(i);
        parse_shard(&self.item(&path, k, fetched)?)
    }

    /// Item `k` of the pack at `path`, read as the page does: its two offsets, then
    /// its bytes (both noted in `fetched`).
    pub fn item(
        &self,
        path: &str,
        k: usize,
        fetched: &mut Vec<String>,
    ) -> Result<Vec<u8>, Corrupt> {
        let bytes = (self.load)(path).ok_or_else(|| Corrupt(format!("no {path}")))?;
        let offsets = pack_offsets(k);
        let range = pack_range(&bytes, k)?;
        fetched.push(format!("{path}#{}-{}", offsets.start, offsets.end));
        fetched.push(format!("{path}#{}-{}", range.start, range.end));
        Ok(bytes[range].to_vec())
    }

    /// The postings of every distinct token, from the shard of each, each shard read
    /// once and in order (and the postings of a term with a head from their pack);
    /// for the bigrams of a CJK phrase, what follows them too (from the followers file
    /// of the term, beside its shard). With `head_want`, a query of one term reads
    /// only that term's head when it has one of that many hits or more: its hits are
    /// the matches then, returned with the head and the number of the term's records.
    fn matches(
        &self,
        query: &Query,
        head_want: Option<usize>,
        loaded: &mut Loaded,
        fetched: &mut Vec<String>,
    ) -> Result<(Vec<Matches>, Option<HeadUsed>), Corrupt> {
        let mut needed: Vec<usize> = Vec::new();
        for (slot, t) in query.unique.iter().enumerate() {
            if query.prefix == Some(slot) {
                for p in query.prefixes(slot) {
                    needed.extend(self.shards_with_prefix(p.as_bytes(), loaded, fetched)?);
                }
            } else {
                needed.push(self.shard_of_in(t.as_bytes(), loaded, fetched)?);
            }
        }
        self.load_shards(needed, loaded, fetched)?;
        if let Some(want) = head_want
            && let Some((_, _, term)) = loaded.find(query.unique[0].as_bytes())
            && let Some(head) = term.head.as_ref().filter(|h| want <= h.hits.len())
        {
            let list = head.hits.iter().map(|&(d, imp)| (d, (imp, 0))).collect();
            let one = Matches {
                scale: u64::from(term.scale),
                list,
                next: BTreeMap::new(),
                prev: BTreeMap::new(),
            };
            return Ok((vec![one], Some((head.clone(), term.df))));
        }
        let wanted = |t: &[u8]| {
            (query.unique.iter().enumerate()).any(|(slot, token)| {
                if query.prefix == Some(slot) {
                    (query.prefixes(slot).iter()).any(|p| t.starts_with(p.as_bytes()))
                } else {
                    t == token.as_bytes()
                }
            })
        };
        self.full_postings(loaded, wanted, fetched)?;
        let mut out = Vec::with_capacity(query.unique.len());
        for (slot, token) in query.unique.iter().enumerate() {
            if query.prefix == Some(slot) {
                let starts = query.prefixes(slot);
                let terms = loaded.shards.iter().flat_map(|(_, terms)| terms);
                let terms =
                    terms.filter(|x| starts.iter().any(|p| x.term.starts_with(p.as_bytes())));
                out.push(Matches::of_prefix(terms));
                continue;
            }
            let Some((_, _, term)) = loaded.find(token.as_bytes()) else {
                out.push(Matches::default());
                continue;
            };
            out.push(Matches {
                scale: u64::from(term.scale),
                list: term.postings.iter().map(|&(d, i, k)| (d, (i, k))).collect(),
                next: BTreeMap::new(),
                prev: BTreeMap::new(),
            });
        }
        self.around(query, loaded, &mut out, fetched)?;
        Ok((out, None))
    }

    /// `query` with its phrase terms (`Query::with_phrases`): the shard of each CJK
    /// run of 3 characters or more is read, and a run that is a term there is that
    /// term.
    fn phrases(
        &self,
        query: Query,
        loaded: &mut Loaded,
        fetched: &mut Vec<String>,
    ) -> Result<Query, Corrupt> {
        let runs = phrase_runs(&query.raw);
        if runs.is_empty() {
            return Ok(query);
        }
        let mut needed = Vec::with_capacity(runs.len());
        for (_, run) in &runs {
            needed.push(self.shard_of_in(run.as_bytes(), loaded, fetched)?);
        }
        self.load_shards(needed, loaded, fetched)?;
        Ok(query.with_phrases(|run| loaded.find(run.as_bytes()).is_some()))
    }

    /// Reads the postings of every loaded term with a head that `wanted` names (its
    /// bytes), from the postings packs, each once.
    fn full_postings(
        &self,
        loaded: &mut Loaded,
        wanted: impl Fn(&[u8]) -> bool,
        fetched: &mut Vec<String>,
    ) -> Result<(), Corrupt> {
        let terms = loaded.shards.iter_mut().flat_map(|(_, terms)| terms);
        for term in terms.filter(|t| t.postings.len() < t.df && wanted(&t.term)) {
            if let Some(n) = term.full {
                let (path, k) = self.manifest.postings_file(n);
                term.postings = read_postings(
                    &self.item(&path, k, fetched)?,
                    term.df,
                    term.masks,
                    term.dense,
                )?;
            }
        }
        Ok(())
    }

    /// What comes after or before the bigrams of a CJK phrase, from the rarer of each
    /// pair, into `out` (the matches of every distinct token); each followers or
    /// preceders file read once.
    fn around(
        &self,
        query: &Query,
        loaded: &Loaded,
        out: &mut [Matches],
        fetched: &mut Vec<String>,
    ) -> Result<(), Corrupt> {
        let mut read: Vec<(&str, usize, Vec<u8>)> = Vec::new();
        for pair in query.phrase() {
            let (slot, dir) = if pair.by_followers(out) {
                (pair.first, "f")
            } else {
                (pair.second, "b")
            };
            let Some((_, _, term)) = loaded.find(query.unique[slot].as_bytes()) else {
                continue;
            };
            let (file, at) = if dir == "f" {
                term.followers
            } else {
                term.preceders
            };
            let done = if dir == "f" {
                &out[slot].next
            } else {
                &out[slot].prev
            };
            if !done.is_empty() {
                continue;
            }
            let held = match read.iter().position(|(d, f, _)| *d == dir && *f == file) {
                Some(held) => held,
                None => {
                    let (path, k) = self.manifest.blocks_file(dir, file);
                    read.push((dir, file, self.item(&path, k, fetched)?));
                    read.len() - 1
                }
            };
            let blocks = parse_followers(&read[held].2)?;
            let block = blocks.get(at).ok_or(Corrupt("followers".into()))?;
            let around = read_followers(block, term.postings.len())?;
            let around = term.postings.iter().map(|p| p.0).zip(around).collect();
            if dir == "f" {
                out[slot].next = around;
            } else {
                out[slot].prev = around;
            }
        }
        Ok(())
    }

    /// Where the bigrams of the cover of each long run (`run_cover`) stand in their
    /// records, from their positions blocks; each positions file read once.
    fn places(
        &self,
        query: &Query,
        runs: &[(Vec<usize>, Vec<usize>)],
        loaded: &Loaded,
        fetched: &mut Vec<String>,
    ) -> Result<Places, Corrupt> {
        let mut read: Vec<(usize, Vec<u8>)> = Vec::new();
        let mut places = Places::new();
        for (run, cover) in runs {
            for &k in cover {
                let slot = run[k];
                let Some((_, _, term)) = loaded.find(query.unique[slot].as_bytes()) else {
                    continue;
                };
                if places.contains_key(&slot) {
                    continue;
                }
                let (file, at) = term.positions;
                let held = match read.iter().position(|(f, _)| *f == file) {
                    Some(held) => held,
                    None => {
                        let (path, k) = self.manifest.blocks_file("o", file);
                        read.push((file, self.item(&path, k, fetched)?));
                        read.len() - 1
                    }
                };
                let blocks = parse_followers(&read[held].1)?;
                let block = blocks.get(at).ok_or(Corrupt("positions".into()))?;
                let each = read_positions(block, term.postings.len())?;
                let docs = term.postings.iter().map(|p| p.0);
                places.insert(slot, docs.zip(each).collect());
            }
        }
        Ok(places)
    }

    /// Reads the shards `needed` that are not loaded yet, in order.
    fn load_shards(
        &self,
        mut needed: Vec<usize>,
        loaded: &mut Loaded,
        fetched: &mut Vec<String>,
    ) -> Result<(), Corrupt> {
        needed.retain(|&s| s < self.manifest.shards && !loaded.has(s));
        needed.sort_unstable();
        needed.dedup();
        for s in needed {
            let terms = self.shard(s, fetched)?;
            loaded.shards.push((s, terms));
        }
        Ok(())
    }

    /// Typos: every word of the query that matched nothing, of letters only and
    /// `TYPO_MIN_CHARS` or more, is looked up in the typo dictionary (the files of the
    /// word lengths within its distance). The nearest words replace it in the
    /// suggestion; for a word of 4 letters or more, the records of their terms are its
    /// matches too (the union, as for a prefix). Returns `(word, nearest word)`.
    fn typos(
        &self,
        query: &Query,
        matches: &mut [Matches],
        loaded: &mut Loaded,
        fetched: &mut Vec<String>,
    ) -> Result<Vec<(String, String)>, Corrupt> {
        let mut fixes = Vec::new();
        let mut lengths: BTreeMap<usize, Vec<(String, u32)>> = BTreeMap::new();
        for (slot, word) in query.written.iter().enumerate() {
            if !matches[slot].list.is_empty() || !is_typo_word(word) {
                continue;
            }
            let chars: Vec<char> = word.chars().collect();
            let max = typo_distance(chars.len());
            let range = chars.len().saturating_sub(max).max(TYPO_MIN_CHARS)
                ..=(chars.len() + max).min(MAX_WORD_CHARS);
            for n in range.clone() {
                if let std::collections::btree_map::Entry::Vacant(e) = lengths.entry(n) {
                    let path = format!("{DIR}/w/{n}.bin");
                    let bytes = (self.load)(&path).ok_or_else(|| Corrupt(format!("no {path}")))?;
                    fetched.push(path);
                    e.insert(read_words(&bytes)?);
                }
            }
            let words = range.flat_map(|n| &lengths[&n]);
            let near = nearest(&chars, words.map(|(w, df)| (w.as_str(), *df)));
            let Some(best) = near.first() else {
                continue;
            };
            fixes.push((word.clone(), best.to_string()));
            if !matches_typos(chars.len()) {
                continue;
            }
            let terms: Vec<String> = near.iter().map(|w| stem(w).into_owned()).collect();
            let needed = (terms.iter())
                .map(|t| self.shard_of_in(t.as_bytes(), loaded, fetched))
                .collect::<Result<_, _>>()?;
            self.load_shards(needed, loaded, fetched)?;
            let wanted = |t: &[u8]| terms.iter().any(|x| x.as_bytes() == t);
            self.full_postings(loaded, wanted, fetched)?;
            let found = terms.iter().filter_map(|t| loaded.find(t.as_bytes()));
            matches[slot] = Matches::of_prefix(found.map(|(_, _, term)| term));
        }
        Ok(fixes)
    }

    /// Did you mean, for Hangul (when no record matches the query, whatever the
    /// filters): every Hangul word of the query (`hangul::words`, its stem of 2 to 6
    /// syllables) that the dictionary lacks is replaced by its nearest word
    /// (`hangul::nearest`), its particle kept. The candidates are the words of the
    /// buckets of its keys, read from `jamo.bin` (its number of buckets, then each
    /// bucket once). Returns `(run, fixed run)`.
    fn hangul_fixes(
        &self,
        norm: &str,
        fetched: &mut Vec<String>,
    ) -> Result<Vec<(String, String)>, Corrupt> {
        let asked: Vec<hangul::Word> = hangul::words(norm).filter(hangul::Word::fits).collect();
        if asked.is_empty() {
            return Ok(Vec::new());
        }
        let bytes = (self.load)(HANGUL).ok_or_else(|| Corrupt(format!("no {HANGUL}")))?;
        fetched.push(format!("{HANGUL}#0-4"));
        let count = pack_len(&bytes)?;
        let mut read: BTreeMap<usize, Vec<(String, u32)>> = BTreeMap::new();
        let mut fixes = Vec::new();
        for word in asked {
            let buckets = hangul::buckets_of(word.stem, count);
            for &b in &buckets {
                if let std::collections::btree_map::Entry::Vacant(e) = read.entry(b) {
                    e.insert(read_words(&self.item(HANGUL, b, fetched)?)?);
                }
            }
            let candidates = buckets.iter().flat_map(|b| &read[b]);
            let near = hangul::nearest(word.stem, candidates.map(|(w, df)| (w.as_str(), *df)));
            if let Some(near) = near {
                fixes.push((word.run.to_string(), format!("{near}{}", word.particle())));
            }
        }
        Ok(fixes)
    }

    /// The records every token matches; without tokens, every record if a filter is
    /// set, else none.
    fn candidates(&self, matches: &[Matches], filters: &Filters) -> Vec<u32> {
        let Some(shortest) = matches.iter().map(|m| &m.list).min_by_key(|l| l.len()) else {
            return if !filters.any() {
                Vec::new()
            } else {
                (0..self.manifest.docs as u32).collect()
            };
        };
        shortest
            .keys()
            .copied()
            .filter(|d| matches.iter().all(|m| m.list.contains_key(d)))
            .collect()
    }

    /// The records of the filtered city, from the cities of every record or from the
    /// city's own file.
    fn in_city(
        &self,
        filters: &Filters,
        cities: Option<&Cities>,
        fetched: &mut Vec<String>,
    ) -> Result<Option<Vec<bool>>, Corrupt> {
        let Some(c) = &filters.city else {
            return Ok(None);
        };
        if let Some(cs) = cities {
            return Ok(Some(
                cs.of_record
                    .iter()
                    .map(|l| l.iter().any(|&x| cs.id(x) == c))
                    .collect(),
            ));
        }
        let docs = self.manifest.docs;
        if crate::registry::is_safe_id(c) {
            let path = format!("{DIR}/c/{c}.bin");
            if let Some(bytes) = (self.load)(&path) {
                fetched.push(path);
                return read_city(&bytes, docs).map(Some);
            }
        }
        Ok(Some(vec![false; docs]))
    }
}

/// The bytes an entry of `Results::fetched` reads: those of its range for a part of a
/// pack, `None` for a whole file.
pub fn read_size(entry: &str) -> Option<usize> {
    let (_, range) = entry.rsplit_once('#')?;
    let (start, end) = range.split_once('-')?;
    Some(
        end.parse::<usize>()
            .ok()?
            .saturating_sub(start.parse().ok()?),
    )
}

/// The order of two hits `(record, score)` (`hit_order`), by the years of the index.
fn order(m: &Manifest, newest: bool, a: (u32, u64), b: (u32, u64)) -> std::cmp::Ordering {
    let years = |d: u32| {
        let (start, end, _, _) = m.facts[d as usize];
        (start, end)
    };
    hit_order(years, newest, a, b)
}

/// The facets of a query of one term with no filter, from the term's head: by kind
/// and language (by id) and by year, as `Pass::count` counts them.
fn head_facets(m: &Manifest, head: &Head) -> BTreeMap<Facet, BTreeMap<String, usize>> {
    let named = |names: &[String], list: &[(usize, usize)]| -> BTreeMap<String, usize> {
        (list.iter())
            .map(|&(i, n)| (names.get(i).cloned().unwrap_or_default(), n))
            .collect()
    };
    BTreeMap::from([
        (Facet::Kind, named(&m.kinds, &head.kinds)),
        (Facet::Lang, named(&m.langs, &head.langs)),
        (
            Facet::Year,
            (head.years.iter())
                .map(|&(y, n)| (y.to_string(), n))
                .collect(),
        ),
    ])
}

/// The filters of a query, applied to records.
struct Pass<'a> {
    manifest: &'a Manifest,
    filters: &'a Filters,
    in_city: Option<Vec<bool>>,
    in_org: Option<Vec<bool>>,
    in_topic: Option<Vec<bool>>,
}

impl Pass<'_> {
    /// Whether record `d` passes every filter.
    fn all(&self, d: u32) -> bool {
        Facet::ALL.iter().all(|&f| self.one(d, f))
    }

    /// Whether record `d` passes every filter but that of `skip`.
    fn all_but(&self, d: u32, skip: Facet) -> bool {
        Facet::ALL.iter().all(|&f| f == skip || self.one(d, f))
    }

    /// Whether record `d` passes the filter of `facet` (or it has none).
    fn one(&self, d: u32, facet: Facet) -> bool {
        let (m, f) = (self.manifest, self.filters);
        let (start, end, kind, lang) = m.facts[d as usize];
        match facet {
            Facet::Kind => f.kind.as_deref().is_none_or(|k| m.kinds[kind] == k),
            Facet::Lang => f.lang.as_deref().is_none_or(|l| m.langs[lang] == l),
            Facet::Year => f.year.is_none_or(|y| start <= y && y <= end),
            Facet::City => self.in_city.as_ref().is_none_or(|v| v[d as usize]),
            Facet::Organization => self.in_org.as_ref().is_none_or(|v| v[d as usize]),
            Facet::Topic => self.in_topic.as_ref().is_none_or(|v| v[d as usize]),
        }
    }

    /// The counts per facet value of the `scored` records, each facet ignoring its own
    /// filter; by city, organization and topic only with their `lists` (of every
    /// record).
    fn count(
        &self,
        scored: &[(u32, u64)],
        lists: [Option<&Cities>; 3],
    ) -> BTreeMap<Facet, BTreeMap<String, usize>> {
        let m = self.manifest;
        let mut facets = BTreeMap::new();
        for facet in Facet::ALL {
            let list = match facet {
                Facet::City => Some(lists[0]),
                Facet::Organization => Some(lists[1]),
                Facet::Topic => Some(lists[2]),
                _ => None,
            };
            if list.is_some_and(|l| l.is_none()) {
                continue;
            }
            let counts: &mut BTreeMap<String, usize> = facets.entry(facet).or_default();
            let mut add = |value: &str| *counts.entry(value.to_string()).or_default() += 1;
            for &(d, _) in scored.iter().filter(|&&(d, _)| self.all_but(d, facet)) {
                let (start, end, kind, lang) = m.facts[d as usize];
                match (facet, list.flatten()) {
                    (Facet::Kind, _) => add(&m.kinds[kind]),
                    (Facet::Lang, _) => add(&m.langs[lang]),
                    (Facet::Year, _) => (start..=end).for_each(|y| add(&y.to_string())),
                    (_, Some(ls)) => {
                        for &c in &ls.of_record[d as usize] {
                            add(ls.id(c));
                        }
                    }
                    (_, None) => {}
                }
            }
        }
        facets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_cover_holds_the_ends_and_steps_of_one_or_two_of_the_fewest_records() {
        // `교통정책과`: the rare `통정` rather than the common `정책`.
        assert_eq!(run_cover(&[4521, 1176, 5448, 3965]), [0, 1, 3]);
        // On a tie, steps of two.
        assert_eq!(run_cover(&[5, 5, 5, 5, 5]), [0, 2, 4]);
        assert_eq!(run_cover(&[5, 5, 5, 5]), [0, 2, 3]);
        // `보건환경연구원`: around the common `환경` and `연구`.
        assert_eq!(
            run_cover(&[2906, 967, 5717, 1214, 4909, 2206]),
            [0, 1, 3, 5]
        );
        assert_eq!(run_cover(&[7]), [0]);
    }

    #[test]
    fn facets_order_and_look_up_as_their_ids() {
        let mut ids: Vec<&str> = Facet::ALL.iter().map(|f| f.id()).collect();
        ids.sort_unstable();
        let mut facets = Facet::ALL;
        facets.sort();
        assert_eq!(facets.map(Facet::id).to_vec(), ids);
        let map: BTreeMap<Facet, usize> = Facet::ALL.iter().map(|&f| (f, f as usize)).collect();
        assert_eq!(map["year"], Facet::Year as usize);
        assert_eq!(
            serde_json::to_string(&map).unwrap(),
            r#"{"city":3,"kind":0,"lang":1,"org":4,"topic":5,"year":2}"#
        );
    }
}
