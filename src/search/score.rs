//! BM25F: the indexed fields and their weights, the terms of each record, the impact
//! of a term in a record (scored at build time: a scale per term and one byte per
//! record, with a bit for a title hit), and the score of a record for a query, which
//! adds up impacts exactly as `search.js` does.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasherDefault;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use smallvec::SmallVec;

use crate::content::{Details, Record};
use crate::organizations::{OrgId, Organizations};
use crate::registry::{CityId, Registry};
use crate::site::{Entry, Site};

use super::format::{Bytes, FastMap, put_bytes, put_positions, put_varint, read_places};
use super::tokenize::{
    WRITTEN, follow_bit, for_each_token, is_cjk, is_single_cjk, normalize, stem,
};

/// BM25 saturation.
const K1: f64 = 1.2;
/// Places left free in a record before each of its texts and before a token that
/// does not follow the one before it: two bigrams of different runs are never within
/// two places of each other, the widest step of `Query::runs` in the reader.
const RUN_GAP: u32 = 2;

/// The indexed fields: weight in BM25F and length normalisation `b`.
const FIELDS: [(f64, f64); FIELD_COUNT] = [
    (3.0, 0.5),  // title
    (2.0, 0.3),  // cities: every name and alias of every city
    (1.5, 0.5),  // names: organizers, partners, participants, tags, venue, …, years
    (1.5, 0.5),  // summary, when written (otherwise it is the body's first paragraph)
    (1.0, 0.75), // body
    (1.0, 0.3),  // mentions: every name of every other city named in the text
];
pub(super) const FIELD_COUNT: usize = 6;
const TITLE: usize = 0;
const CITY_NAMES: usize = 1;
const NAMES: usize = 2;
const SUMMARY: usize = 3;
const BODY: usize = 4;
const MENTIONS: usize = 5;

/// A hash map keyed by a number (`cjk_key`, a bigram's bytes).
pub(super) type NumberMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

/// One term of a record.
struct DocTerm<'a> {
    /// Its frequency per field, at most 255.
    tf: [u8; FIELD_COUNT],
    /// Whether it is a token as written in the record (not only a stem): a word the
    /// typo dictionary offers.
    written: bool,
    /// Its "followed by" mask.
    mask: u8,
    /// For a CJK bigram, how many characters around it `around` holds.
    spans: Spans,
    /// The characters around it: those that follow it, then those that come before.
    around: &'a str,
    /// For a CJK bigram, where it stands in the record (`put_positions`).
    positions: &'a [u8],
}

/// In a packed term, the bits of the byte of its fields that say it is written as
/// a token and that characters around it follow (the other bits say which fields
/// hold it).
const IS_WRITTEN: u8 = 0x40;
const HAS_AROUND: u8 = 0x80;

impl DocTerm<'_> {
    /// Appends the term to `packed`: a byte of the fields that hold it (a bit each,
    /// `IS_WRITTEN` and `HAS_AROUND`), its frequency in each of them (a byte each), its
    /// mask, and for a CJK bigram, how many characters follow it and precede it
    /// (varints), those characters (a varint length, then UTF-8) and its positions
    /// (bytes).
    fn pack(&self, packed: &mut Vec<u8>) {
        let fields = (0..FIELD_COUNT)
            .filter(|&f| self.tf[f] > 0)
            .fold(0, |bits, f| bits | 1 << f);
        let has_around = self.spans.len() > 0 || !self.positions.is_empty();
        packed.push(
            fields
                | if has_around { HAS_AROUND } else { 0 }
                | if self.written { IS_WRITTEN } else { 0 },
        );
        packed.extend(self.tf.iter().filter(|&&n| n > 0));
        packed.push(self.mask);
        if has_around {
            put_varint(packed, u64::from(self.spans.next));
            put_varint(packed, u64::from(self.spans.prev));
            put_bytes(packed, self.around.as_bytes());
            put_bytes(packed, self.positions);
        }
    }

    /// The next term of `packed`, as `pack` wrote it.
    fn unpack<'a>(packed: &mut Bytes<'a>) -> DocTerm<'a> {
        const WRITTEN_BY_PACK: &str = "terms are read as `DocTerm::pack` wrote them";
        let mut term = DocTerm {
            tf: [0; FIELD_COUNT],
            written: false,
            mask: 0,
            spans: Spans::default(),
            around: "",
            positions: &[],
        };
        let fields = packed.byte().expect(WRITTEN_BY_PACK);
        for (f, tf) in term.tf.iter_mut().enumerate() {
            if fields & 1 << f != 0 {
                *tf = packed.byte().expect(WRITTEN_BY_PACK);
            }
        }
        term.written = fields & IS_WRITTEN != 0;
        term.mask = packed.byte().expect(WRITTEN_BY_PACK);
        if fields & HAS_AROUND != 0 {
            term.spans = Spans {
                next: packed.varint().expect(WRITTEN_BY_PACK) as u32,
                prev: packed.varint().expect(WRITTEN_BY_PACK) as u32,
            };
            let bytes = packed.bytes().expect(WRITTEN_BY_PACK);
            term.around = std::str::from_utf8(bytes).expect(WRITTEN_BY_PACK);
            term.positions = packed.bytes().expect(WRITTEN_BY_PACK);
        }
        term
    }

    /// Moves `packed` past its next term, as `pack` wrote it, without reading it.
    fn skip(packed: &mut Bytes) {
        const WRITTEN_BY_PACK: &str = "terms are read as `DocTerm::pack` wrote them";
        let fields = packed.byte().expect(WRITTEN_BY_PACK);
        // A frequency for each field that holds the term, and the mask.
        let fields_held = (fields & !(IS_WRITTEN | HAS_AROUND)).count_ones();
        for _ in 0..=fields_held {
            packed.byte().expect(WRITTEN_BY_PACK);
        }
        if fields & HAS_AROUND != 0 {
            packed.varint().expect(WRITTEN_BY_PACK);
            packed.varint().expect(WRITTEN_BY_PACK);
            packed.bytes().expect(WRITTEN_BY_PACK);
            packed.bytes().expect(WRITTEN_BY_PACK);
        }
    }
}

/// What a record says of one CJK bigram, for its phrase terms (`phrases`): its
/// frequency per field and its places.
pub(super) struct Placed {
    tf: [u8; FIELD_COUNT],
    places: Vec<u32>,
}

impl Placed {
    /// The bigram as `DocTerm::pack` packed it.
    pub(super) fn of(packed: &[u8]) -> Placed {
        let term = DocTerm::unpack(&mut Bytes::new(packed));
        let mut places = Vec::new();
        if !term.positions.is_empty()
            && read_places(&mut Bytes::new(term.positions), &mut places).is_err()
        {
            places.clear();
        }
        Placed {
            tf: term.tf,
            places,
        }
    }

    /// Whether the bigrams of a run stand at consecutive places somewhere: the first
    /// at some place p, the k-th at p + k.
    pub(super) fn in_a_row(bigrams: &[&Placed]) -> bool {
        let Some((first, rest)) = bigrams.split_first() else {
            return false;
        };
        first.places.iter().any(|&p| {
            (rest.iter().zip(1u32..)).all(|(b, k)| b.places.binary_search(&(p + k)).is_ok())
        })
    }
}

/// The phrase term of a run whose `bigrams` stand in a row in a record, packed as
/// `DocTerm::pack` packs a term: in each field, the fewest times any of its bigrams
/// is there (the times the run can be there); no mask, nothing around, no places, and
/// not counted in the fields' lengths.
pub(super) fn phrase_term(bigrams: &[&Placed]) -> Vec<u8> {
    let mut tf = [u8::MAX; FIELD_COUNT];
    for b in bigrams {
        for (t, &n) in tf.iter_mut().zip(&b.tf) {
            *t = (*t).min(n);
        }
    }
    let term = DocTerm {
        tf,
        written: false,
        mask: 0,
        spans: Spans::default(),
        around: "",
        positions: &[],
    };
    let mut packed = Vec::with_capacity(8);
    term.pack(&mut packed);
    packed
}

/// How many characters around a term in one record a list of characters holds, where
/// they follow one another: those that follow the term, then those that come before.
/// Counts rather than small vectors, so that a posting takes 20 bytes, not 64.
#[derive(Clone, Copy, Default)]
pub(super) struct Spans {
    next: u32,
    prev: u32,
}

impl Spans {
    fn of(around: &Neighbours) -> Spans {
        Spans {
            next: around.next.len() as u32,
            prev: around.prev.len() as u32,
        }
    }

    fn len(self) -> usize {
        (self.next + self.prev) as usize
    }
}

/// The characters around a CJK bigram in one record, each sorted and once: those
/// that follow it in its run, and those that come before it.
#[derive(Default)]
pub(super) struct Neighbours {
    pub(super) next: SmallVec<[char; 2]>,
    pub(super) prev: SmallVec<[char; 2]>,
}

/// Finds the names and aliases of the registry's cities, and of the registered
/// organizations, in normalised text.
pub(super) struct Mentions {
    /// Every distinct normalised name of at least two characters.
    names: Option<AhoCorasick>,
    /// The cities of each name, by pattern index.
    cities: Vec<Vec<CityId>>,
    /// Every name and alias of each entry (city or organization), normalised once.
    normalized: Vec<Vec<String>>,
    /// The same of the organizations.
    organizations: Option<Box<Mentions>>,
}

impl Mentions {
    pub(super) fn of(registry: &Registry, organizations: &Organizations) -> Mentions {
        let mut m = Mentions::of_names(registry.cities.len(), |c| registry.all_names(c));
        if !organizations.list.is_empty() {
            let orgs = Mentions::of_names(organizations.list.len(), |o| organizations.all_names(o));
            m.organizations = Some(Box::new(orgs));
        }
        m
    }

    /// The names of `count` entries, each given by `names_of`.
    fn of_names<'r, I: Iterator<Item = &'r str>>(
        count: usize,
        names_of: impl Fn(usize) -> I,
    ) -> Mentions {
        let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut normalized = Vec::with_capacity(count);
        for c in 0..count {
            let names: Vec<String> = names_of(c).map(normalize).collect();
            for norm in &names {
                if norm.chars().filter(|c| c.is_alphanumeric()).count() >= 2 {
                    by_name.entry(norm.clone()).or_default().push(c);
                }
            }
            normalized.push(names);
        }
        let (names, cities): (Vec<String>, Vec<Vec<CityId>>) = by_name.into_iter().unzip();
        // A DFA: more memory than the other kinds (a few hundred names), the fewest
        // steps per byte of every text of every record.
        let names = (AhoCorasick::builder())
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&names)
            .ok();
        Mentions {
            names,
            cities,
            normalized,
            organizations: None,
        }
    }

    /// Adds to `out` the cities named in `norm`. A name that starts or ends with a
    /// letter or digit outside CJK must not continue a word there (`Seoul` is not in
    /// `Seoulite`); CJK names are found inside runs (`서울` in `서울특별시`).
    fn find(&self, norm: &str, out: &mut Vec<CityId>) {
        let Some(names) = &self.names else {
            return;
        };
        let word = |c: Option<char>| c.is_some_and(|c| !is_cjk(c) && c.is_alphanumeric());
        for m in names.find_iter(norm) {
            let text = &norm[m.start()..m.end()];
            let (before, after) = (
                norm[..m.start()].chars().next_back(),
                norm[m.end()..].chars().next(),
            );
            let (first, last) = (text.chars().next(), text.chars().next_back());
            if (word(first) && word(before)) || (word(last) && word(after)) {
                continue;
            }
            out.extend(&self.cities[m.pattern().as_usize()]);
        }
    }
}

/// The registered organizations a record names as organizer or partner, each once, in
/// the order named.
pub(super) fn organizations_of(site: &Site, r: &Record) -> Vec<OrgId> {
    let mut out: Vec<OrgId> = Vec::new();
    for name in r.organizers.iter().chain(&r.partners) {
        if let Some(o) = site.organizations.resolve(name)
            && !out.contains(&o)
        {
            out.push(o);
        }
    }
    out
}

/// The names of a record (the `names` field but its years): organizers, partners,
/// tags, a program's code, a trip's purpose, a workshop's participants and venue.
pub(super) fn names(r: &Record) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    names.extend(
        r.organizers
            .iter()
            .chain(&r.partners)
            .chain(&r.tags)
            .map(|n| &**n),
    );
    match &r.details {
        Details::Program(p) => names.extend(p.code.as_deref()),
        Details::Trip(t) => names.extend(t.purpose.as_deref()),
        Details::Workshop(w) => {
            names.extend(w.participants.iter().chain(&w.venue).map(String::as_str));
        }
    }
    names
}

/// The terms of one record, each handed to `each` with what the record says of it,
/// packed (its frequency per field, whether it is written as a token, its "followed
/// by" mask, the characters around it: read back by `Weigher::weigh`); returns the
/// length of each field.
pub(super) fn doc_terms(
    site: &Site,
    e: &Entry,
    mentions: &Mentions,
    each: impl FnMut(&str, &[u8]),
) -> [u32; FIELD_COUNT] {
    let texts = texts_of(site, e, mentions);
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    let mut tally = Tally::with_capacity(bytes / 6 + 16);
    let mut lengths = [0u32; FIELD_COUNT];
    // The place of the next token in the record, every text after the one before:
    // the bigrams of a run stand at consecutive places, and `RUN_GAP` places are left
    // free before a token that does not follow the one before it.
    let mut place = 0u32;
    for (field, norm) in &texts {
        let field = *field;
        let mut prev: Option<usize> = None;
        // The first character of the bigram before, in a run.
        let mut prev_first: Option<char> = None;
        place += RUN_GAP;
        for_each_token(norm, |t, joined| {
            lengths[field] += 1;
            if !joined {
                place += RUN_GAP;
            }
            let here = place;
            place += 1;
            // A token is a word (no CJK character), one CJK character, or a bigram.
            // Every CJK character is also a term on its own, counted as its run is
            // met: a query of one character is one term, found wherever the
            // character is, at the end of a run as well.
            let mut chars = t.chars();
            let (first, second) = (chars.next(), chars.next());
            let i = match (first, second) {
                (Some(a), None) if is_cjk(a) => {
                    tally.character(t, a, field);
                    prev = None;
                    return;
                }
                (Some(a), Some(b)) if is_cjk(a) => {
                    if !joined {
                        tally.character(&t[..a.len_utf8()], a, field);
                    }
                    tally.character(&t[a.len_utf8()..], b, field);
                    let i = tally.cjk(t, cjk_key(a, Some(b)), field, true);
                    tally.written[i] = true;
                    tally.places.push((i as u32, here));
                    i
                }
                _ => tally.word(t, field),
            };
            if let Some(p) = prev
                && joined
            {
                tally.stats[p].1 |= tally.bits[i];
                // The next bigram of a CJK run: its last character follows the bigram,
                // and the first character of the bigram before comes before it.
                if let Some(c) = second.filter(|&c| is_cjk(c)) {
                    if !tally.around[p].next.contains(&c) {
                        tally.around[p].next.push(c);
                    }
                    if let Some(b) = prev_first
                        && !tally.around[i].prev.contains(&b)
                    {
                        tally.around[i].prev.push(b);
                    }
                }
            }
            prev = Some(i);
            prev_first = first;
        });
    }
    tally.each_packed(each);
    tally.spare();
    lengths
}

/// Entry `e`'s texts, normalised, each with its field: its own, its translations', and
/// the names of the cities it mentions.
fn texts_of<'m>(site: &Site, e: &Entry, mentions: &'m Mentions) -> Vec<(usize, Cow<'m, str>)> {
    let r = &e.record;
    let own = |text: &str| Cow::Owned(normalize(text));
    let mut texts: Vec<(usize, Cow<str>)> = vec![(TITLE, own(&r.title))];
    for &c in &r.cities {
        texts.extend(mentions.city_names(c).map(|n| (CITY_NAMES, n)));
    }
    texts.extend(names(r).into_iter().map(|n| (NAMES, own(n))));
    texts.extend(e.years().map(|y| (NAMES, Cow::Owned(y.to_string()))));
    if let Some(summary) = &r.summary {
        texts.push((SUMMARY, own(summary)));
    }
    texts.push((BODY, own(&e.body.text().plain)));
    // Its translations, as more text of the same record: a query in the language of a
    // translation finds the record, in every edition.
    for t in &e.translations {
        let text = &t.text;
        texts.extend(text.title.iter().map(|title| (TITLE, own(title))));
        let names = text.organizers.iter().chain(&text.partners).flatten();
        texts.extend(names.map(|n| (NAMES, own(n))));
        texts.extend(text.summary.iter().map(|s| (SUMMARY, own(s))));
        texts.push((BODY, own(&t.body.text().plain)));
    }
    // Every name of every other city the text names, and of every organization.
    let mut named: Vec<CityId> = Vec::new();
    let mut orgs: Vec<OrgId> = Vec::new();
    for (field, norm) in &texts {
        if *field != CITY_NAMES {
            mentions.find(norm, &mut named);
        }
        if let Some(o) = &mentions.organizations
            && matches!(*field, TITLE | SUMMARY | BODY)
        {
            o.find(norm, &mut orgs);
        }
    }
    // A registered organizer or partner is found by all its names.
    let own = organizations_of(site, r);
    for &o in &own {
        texts.extend(mentions.organization_names(o).map(|n| (NAMES, n)));
    }
    orgs.sort_unstable();
    orgs.dedup();
    for o in orgs.into_iter().filter(|o| !own.contains(o)) {
        texts.extend(mentions.organization_names(o).map(|n| (MENTIONS, n)));
    }
    named.sort_unstable();
    named.dedup();
    for c in named.into_iter().filter(|c| !r.cities.contains(c)) {
        texts.extend(mentions.city_names(c).map(|n| (MENTIONS, n)));
    }
    texts
}

impl Mentions {
    /// Every name and alias of entry `i` (a city, or an organization in
    /// `organizations`), normalised once, when the names were gathered.
    fn names_of(&self, i: usize) -> impl Iterator<Item = Cow<'_, str>> {
        self.normalized[i].iter().map(|n| Cow::Borrowed(n.as_str()))
    }

    /// Every name and alias of every registered organization, normalised.
    pub(super) fn every_organization_name(&self) -> impl Iterator<Item = &str> {
        (self.organizations.iter()).flat_map(|m| m.normalized.iter().flatten().map(String::as_str))
    }

    /// Every name and alias of city `c`, normalised.
    fn city_names(&self, c: CityId) -> impl Iterator<Item = Cow<'_, str>> {
        self.names_of(c)
    }

    /// The same of organization `o` (the organizations' names are gathered whenever
    /// the registry lists one).
    fn organization_names(&self, o: OrgId) -> impl Iterator<Item = Cow<'_, str>> {
        (self.organizations.iter()).flat_map(move |m| m.names_of(o))
    }
}

/// The most words whose stems a thread keeps (`cached_stem`): a few MB.
const STEMS_HELD: usize = 1 << 16;

thread_local! {
    /// The stems of the words this thread's records met: `Some` when `stem` gave a
    /// new string, `None` when it gave the word itself.
    static STEMS: RefCell<FastMap<Box<str>, Option<Box<str>>>> = RefCell::default();
}

/// `stem(t)`, computed once per word and thread (most words recur from record to
/// record); the same `Cow` variant as `stem`, which tells whether the stem differs.
fn cached_stem(t: &str) -> Cow<'_, str> {
    STEMS.with_borrow_mut(|stems| {
        if let Some(kept) = stems.get(t) {
            return kept
                .as_deref()
                .map_or(Cow::Borrowed(t), |s| Cow::Owned(s.to_string()));
        }
        let term = stem(t);
        if stems.len() >= STEMS_HELD {
            stems.clear();
        }
        let kept = match &term {
            Cow::Owned(s) => Some(s.as_str().into()),
            Cow::Borrowed(_) => None,
        };
        stems.insert(t.into(), kept);
        term
    })
}

/// A CJK term of one character (`a`) or a bigram (`a`, `b`) as a number: the code
/// points side by side.
fn cjk_key(a: char, b: Option<char>) -> u64 {
    match b {
        Some(b) => u64::from(a) << 32 | u64::from(b),
        None => u64::from(a),
    }
}

/// The hasher of `cjk_key`s: a multiplication, the high bits folded into the low ones
/// before and after (the map's buckets are chosen by the low bits).
#[derive(Default)]
pub(super) struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n ^ (n >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 32)
    }
}

/// The code points of the Basic Multilingual Plane, where every common CJK character is.
const CHARACTERS: usize = 1 << 16;

thread_local! {
    /// The tally of the thread's last record, emptied: so that a record does not
    /// allocate again (and the allocator return to the system, and the system clear
    /// again) the room of its terms.
    static SPARE: RefCell<Tally<'static>> = RefCell::default();
}

/// The terms of one record as they are met: frequency per field and followed-by mask.
#[derive(Default)]
struct Tally<'a> {
    /// The index of each term that is a word (its stem, or the word as written).
    index: FastMap<Cow<'a, str>, usize>,
    /// The index of each CJK term (a character or a bigram), by `cjk_key`; a
    /// character of the Basic Multilingual Plane is in `characters` instead.
    cjk: NumberMap<usize>,
    /// The index plus one of each character of the Basic Multilingual Plane counted
    /// as a term, by code point (0: not counted yet); `CHARACTERS` long.
    characters: Vec<u32>,
    keys: Vec<Cow<'a, str>>,
    stats: Vec<([u8; FIELD_COUNT], u8)>,
    /// The follow bit of each term, computed once (0 for a term nothing follows).
    bits: Vec<u8>,
    /// The characters around each CJK bigram.
    around: Vec<Neighbours>,
    /// Whether the term is a token as written in the record (not only a stem).
    written: Vec<bool>,
    /// Every place of a CJK bigram in the record: the bigram's index, the place.
    places: Vec<(u32, u32)>,
    /// Each word met, as written: the index of its stem, and that of the word as
    /// written when the stem differs (a word is stemmed once per record).
    words: FastMap<&'a str, (usize, Option<usize>)>,
}

impl<'a> Tally<'a> {
    /// An empty tally with room for about `n` terms, in the lists of the thread's
    /// last record (`SPARE`).
    fn with_capacity(n: usize) -> Tally<'a> {
        let mut tally: Tally<'a> = SPARE.with_borrow_mut(std::mem::take);
        tally.characters.resize(CHARACTERS, 0);
        tally.index.reserve(n / 4);
        tally.cjk.reserve(n);
        tally.keys.reserve(n);
        tally.stats.reserve(n);
        tally.bits.reserve(n);
        tally.around.reserve(n);
        tally.written.reserve(n);
        tally.places.reserve(n);
        tally.words.reserve(n / 4);
        tally
    }

    /// Emptied, kept for the thread's next record: its lists and its map of CJK
    /// terms, with their room (not its maps of words, whose keys borrow the record's
    /// text).
    fn spare(mut self) {
        // The characters the record counted are among its terms.
        for key in &self.keys {
            let mut chars = key.chars();
            if let (Some(c), None) = (chars.next(), chars.next())
                && let Some(slot) = self.characters.get_mut(c as usize)
            {
                *slot = 0;
            }
        }
        self.keys.clear();
        self.cjk.clear();
        self.stats.clear();
        self.bits.clear();
        self.around.clear();
        self.written.clear();
        self.places.clear();
        SPARE.set(Tally {
            // Emptied, a list of terms that borrow from the record borrows nothing:
            // collected in place (there is nothing to make owned), it keeps its room.
            keys: (self.keys.into_iter())
                .map(|k| Cow::Owned(k.into_owned()))
                .collect(),
            index: FastMap::default(),
            words: FastMap::default(),
            cjk: self.cjk,
            characters: self.characters,
            stats: self.stats,
            bits: self.bits,
            around: self.around,
            written: self.written,
            places: self.places,
        });
    }

    /// Counts `t` once more in `field`; its index. `follows`: whether the term can
    /// follow another (a word's stem or a bigram; not a single CJK character, not a
    /// word as written when its stem differs).
    fn count(&mut self, t: Cow<'a, str>, field: usize, follows: bool) -> usize {
        let i = match self.index.get(t.as_ref()) {
            Some(&i) => i,
            None => {
                let i = self.add(t.clone());
                self.index.insert(t, i);
                i
            }
        };
        self.counted(i, field, follows)
    }

    /// `count` of CJK term `t`, whose `cjk_key` is `key`.
    fn cjk(&mut self, t: &'a str, key: u64, field: usize, follows: bool) -> usize {
        // One probe of the map: a new term takes the next index.
        let next = self.keys.len();
        let i = *self.cjk.entry(key).or_insert(next);
        if i == next {
            self.add(Cow::Borrowed(t));
        }
        self.counted(i, field, follows)
    }

    /// `count` of the CJK character `c`, which is `t`: looked up by its code point in
    /// a table when it is in the Basic Multilingual Plane (a record counts every
    /// character of its runs, a lookup for each).
    fn character(&mut self, t: &'a str, c: char, field: usize) -> usize {
        let Ok(at) = u16::try_from(u32::from(c)) else {
            return self.cjk(t, cjk_key(c, None), field, false);
        };
        let i = match self.characters[usize::from(at)] {
            0 => {
                let i = self.add(Cow::Borrowed(t));
                self.characters[usize::from(at)] = i as u32 + 1;
                i
            }
            n => n as usize - 1,
        };
        self.counted(i, field, false)
    }

    /// A new term, counted nowhere yet; its index.
    fn add(&mut self, t: Cow<'a, str>) -> usize {
        self.keys.push(t);
        self.stats.push(([0; FIELD_COUNT], 0));
        self.bits.push(0);
        self.around.push(Neighbours::default());
        self.written.push(false);
        self.keys.len() - 1
    }

    /// Term `i` counted once more in `field` (see `count`); `i`.
    fn counted(&mut self, i: usize, field: usize, follows: bool) -> usize {
        if follows && self.bits[i] == 0 {
            self.bits[i] = follow_bit(&self.keys[i]);
        }
        self.bump(i, field);
        i
    }

    fn bump(&mut self, i: usize, field: usize) {
        self.stats[i].0[field] = self.stats[i].0[field].saturating_add(1);
    }

    /// Counts word `t` once more in `field`; the index of its stem. A word is counted
    /// as its stem, and as written too when that differs (for the prefix of a word
    /// being typed, and the typo dictionary), marked so that it cannot be taken for
    /// another word's stem.
    fn word(&mut self, t: &'a str, field: usize) -> usize {
        if let Some(&(i, written)) = self.words.get(t) {
            if let Some(w) = written {
                self.bump(w, field);
            }
            self.bump(i, field);
            return i;
        }
        let term = cached_stem(t);
        let written = if let Cow::Owned(_) = term {
            let w = self.count(Cow::Owned(format!("{WRITTEN}{t}")), field, false);
            self.written[w] = true;
            Some(w)
        } else {
            None
        };
        let i = self.count(term, field, true);
        self.written[i] |= self.keys[i] == t;
        self.words.insert(t, (i, written));
        i
    }

    /// Hands every term to `each`, in the order met, packed (see `DocTerm::pack`).
    fn each_packed(&mut self, mut each: impl FnMut(&str, &[u8])) {
        // The places of each bigram in order (a counting sort by term): those of term
        // `i` are `places[starts[i]..starts[i + 1]]`.
        let mut starts = vec![0usize; self.keys.len() + 1];
        for &(t, _) in &self.places {
            starts[t as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut next = starts.clone();
        let mut places = vec![0u32; self.places.len()];
        for &(t, at) in &self.places {
            places[next[t as usize]] = at;
            next[t as usize] += 1;
        }
        let mut packed = Vec::with_capacity(32);
        let mut chars = String::new();
        let mut positions = Vec::new();
        let terms = (self.keys.iter()).zip(&self.stats).zip(&mut self.around);
        for (i, (((key, &(tf, mask)), around), &written)) in terms.zip(&self.written).enumerate() {
            around.next.sort_unstable();
            around.prev.sort_unstable();
            chars.clear();
            chars.extend(around.next.iter().chain(&around.prev));
            let of_term = &places[starts[i]..starts[i + 1]];
            positions.clear();
            if !of_term.is_empty() {
                put_positions(&mut positions, of_term);
            }
            let term = DocTerm {
                tf,
                written,
                mask,
                spans: Spans::of(around),
                around: &chars,
                positions: &positions,
            };
            packed.clear();
            term.pack(&mut packed);
            each(key, &packed);
        }
    }
}

/// One record's weighted frequency of a term, before the impacts.
pub(super) struct Weighted {
    pub(super) doc: u32,
    /// `tf′`, over every field.
    tf: f32,
    pub(super) mask: u8,
    /// Whether the term is in the record's title.
    title: bool,
    /// For a CJK bigram, how many characters around it in the record the term's
    /// `Postings::around` holds.
    spans: Spans,
}

/// The records of one term with its weighted frequency in each, in index order.
#[derive(Default)]
pub(super) struct Postings {
    pub(super) list: Vec<Weighted>,
    /// The characters around the term in each record of `list` (see `Spans`), record
    /// after record.
    around: Vec<char>,
    /// For a CJK bigram, its places in each record of `list` (`put_positions`),
    /// record after record: the term's positions block (`format::read_positions`).
    pub(super) positions: Vec<u8>,
}

impl Postings {
    /// Per record of `list`, in its order: the characters that follow the term and
    /// those that come before it.
    pub(super) fn neighbours(&self) -> impl Iterator<Item = (&[char], &[char])> + Clone {
        self.list.iter().scan(0, |at: &mut usize, w| {
            let next = &self.around[*at..*at + w.spans.next as usize];
            let prev = &self.around[*at + next.len()..*at + w.spans.len()];
            *at += w.spans.len();
            Some((next, prev))
        })
    }
}

/// Weighs the postings of a term: what BM25F needs of every record (the lengths of
/// its fields) and of all of them (the average lengths), held for the whole index.
pub(super) struct Weigher {
    /// The length of each field of every record, in index order.
    lengths: Vec<[u32; FIELD_COUNT]>,
    /// The average length of each field.
    avg: [f64; FIELD_COUNT],
}

/// The lengths of each field of some records, added up.
pub(super) type LengthSums = [u64; FIELD_COUNT];

/// The `lengths` of the fields of some records, added up.
pub(super) fn length_sums<'a>(
    lengths: impl IntoIterator<Item = &'a [u32; FIELD_COUNT]>,
) -> LengthSums {
    let mut sums = [0u64; FIELD_COUNT];
    for l in lengths {
        for (s, &l) in sums.iter_mut().zip(l) {
            *s += u64::from(l);
        }
    }
    sums
}

/// Appends a posting to a block of postings (see `Weigher::weigh`): record `doc`
/// (after the block's record `next`, which it advances), then the term as
/// `doc_terms` packed it.
pub(super) fn put_posting(block: &mut Vec<u8>, next: &mut u32, doc: u32, packed: &[u8]) {
    put_varint(block, u64::from(doc - *next));
    block.extend_from_slice(packed);
    *next = doc + 1;
}

/// Each posting of a `block` as `put_posting` wrote it: the record and its packed
/// term.
pub(super) fn postings_of(block: &[u8]) -> impl Iterator<Item = (u32, &[u8])> {
    const WRITTEN_BY_PUT: &str = "postings are read as `put_posting` wrote them";
    let mut bytes = Bytes::new(block);
    let mut next = 0u32;
    std::iter::from_fn(move || {
        if bytes.is_empty() {
            return None;
        }
        let doc = next + bytes.varint().expect(WRITTEN_BY_PUT) as u32;
        next = doc + 1;
        let start = block.len() - bytes.remaining();
        DocTerm::skip(&mut bytes);
        Some((doc, &block[start..block.len() - bytes.remaining()]))
    })
}

impl Weigher {
    /// The weigher of records (in index order) with these `lengths` of their fields.
    pub(super) fn new(lengths: Vec<[u32; FIELD_COUNT]>) -> Weigher {
        let avg = Weigher::averages_of(&length_sums(&lengths), lengths.len());
        Weigher { lengths, avg }
    }

    /// The average length of each field over `n` records whose lengths add up to
    /// `sums`, as weighed (`on_grid`).
    pub(super) fn averages_of(sums: &LengthSums, n: usize) -> [f64; FIELD_COUNT] {
        sums.map(|sum| on_grid((sum as f64 / n.max(1) as f64).max(1.0)))
    }

    /// The lengths of each field of every record, added up.
    pub(super) fn sums(&self) -> LengthSums {
        length_sums(&self.lengths)
    }

    /// The lengths of the fields of every record, in index order.
    pub(super) fn lengths(&self) -> &[[u32; FIELD_COUNT]] {
        &self.lengths
    }

    /// The number of records.
    pub(super) fn records(&self) -> usize {
        self.lengths.len()
    }

    /// The weighted term frequency `tf′ = Σ weight × tf / (1 − b + b × length /
    /// average length)` of a term in each of its records, from its `blocks` of
    /// postings (each as `put_posting` wrote them, from record 0; the blocks in record
    /// order): its postings, records in index order, and whether it is written as a
    /// token in any record.
    pub(super) fn weigh<'a>(
        &self,
        blocks: impl Iterator<Item = &'a [u8]> + Clone,
    ) -> (Postings, bool) {
        const WRITTEN_BY_PUT: &str = "postings are read as `put_posting` wrote them";
        let mut postings = Postings::default();
        let mut written = false;
        // A posting takes 4 bytes or more of its block.
        let bytes: usize = blocks.clone().map(<[u8]>::len).sum();
        postings.list.reserve(bytes / 4);
        for block in blocks {
            let mut bytes = Bytes::new(block);
            let mut next = 0u32;
            while !bytes.is_empty() {
                let doc = next + bytes.varint().expect(WRITTEN_BY_PUT) as u32;
                next = doc + 1;
                let term = DocTerm::unpack(&mut bytes);
                written |= term.written;
                postings.list.push(self.weighted(doc, &term));
                postings.around.extend(term.around.chars());
                postings.positions.extend_from_slice(term.positions);
            }
        }
        (postings, written)
    }

    fn weighted(&self, doc: u32, term: &DocTerm) -> Weighted {
        let lengths = &self.lengths[doc as usize];
        let mut weighted = 0.0;
        for f in 0..FIELD_COUNT {
            if term.tf[f] > 0 {
                let (w, b) = FIELDS[f];
                let norm = 1.0 - b + b * f64::from(lengths[f]) / self.avg[f];
                weighted += w * f64::from(term.tf[f]) / norm;
            }
        }
        Weighted {
            doc,
            tf: weighted as f32,
            mask: term.mask,
            title: term.tf[TITLE] > 0,
            spans: term.spans,
        }
    }
}

/// Steps of the grid of average lengths per doubling (`on_grid`).
const GRID_STEPS: f64 = 16.0;

/// `avg` on a grid of 16 steps per doubling (each 4.4 % above the one before).
/// BM25's average length is only the pivot of its length norm, and on a grid an edit
/// of one record almost never moves it: the weights of every term that record does
/// not hold stay the same, so that a build with the cache weighs again only the terms
/// of the records that changed (`super::kept`). A record's own length is not rounded.
fn on_grid(avg: f64) -> f64 {
    ((avg.log2() * GRID_STEPS).round() / GRID_STEPS).exp2()
}

/// Units of the scale of a term per unit of BM25 score.
const SCALE_UNIT: f64 = 64.0;
/// The part of an impact that holds the score; the top bit says "in the title".
const IMPACT_SCORE: u8 = 0x7f;
/// What a title hit adds to a record's score: more than any sum of impacts, so that
/// a record with more of the query's tokens in its title ranks first.
pub(super) const TITLE_STEP: u64 = 1 << 32;

/// The BM25 scores of one term, quantised on that term's own scale: the term's scale
/// (its highest score in any record, in `SCALE_UNIT`s) and, per record, one byte — the
/// score as a fraction of the highest, 1…127, plus 128 when the term is in the title.
pub(super) struct Impacts {
    idf: f64,
    max: f64,
    pub(super) scale: u32,
}

impl Impacts {
    /// The scale of a term from its postings (the output of `weigh`) among `n` records.
    pub(super) fn of(n: usize, postings: &[Weighted]) -> Impacts {
        let (n, df) = (n as f64, postings.len() as f64);
        let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        let mut impacts = Impacts {
            idf,
            max: 0.0,
            scale: 1,
        };
        impacts.max = (postings.iter().map(|p| impacts.score(p.tf)))
            .fold(0.0, f64::max)
            .max(f64::MIN_POSITIVE);
        impacts.scale = (impacts.max * SCALE_UNIT).round().clamp(1.0, 1e9) as u32;
        impacts
    }

    /// `idf × tf′ × (k1 + 1) / (k1 + tf′)`.
    fn score(&self, weighted: f32) -> f64 {
        let w = f64::from(weighted);
        self.idf * w * (K1 + 1.0) / (K1 + w)
    }

    /// The impact byte of the term in one record.
    pub(super) fn impact(&self, p: &Weighted) -> u8 {
        let score = (self.score(p.tf) / self.max * f64::from(IMPACT_SCORE))
            .round()
            .clamp(1.0, f64::from(IMPACT_SCORE)) as u8;
        score | if p.title { !IMPACT_SCORE } else { 0 }
    }
}

/// The postings of one query token: its scale, record → (impact, followed-by mask),
/// and, when the query needs them, record → the characters that follow the token and
/// record → those that come before it.
#[derive(Default)]
pub(super) struct Matches {
    pub(super) scale: u64,
    pub(super) list: BTreeMap<u32, (u8, u8)>,
    pub(super) next: BTreeMap<u32, Vec<char>>,
    pub(super) prev: BTreeMap<u32, Vec<char>>,
}

impl Matches {
    /// The union of the postings of several terms (the words a prefix starts): the
    /// highest scale, and per record the highest impact on that scale,
    /// `⌊(2 × scale × impact + highest) / (2 × highest)⌋`, with the title bit of any;
    /// no followed-by mask.
    pub(super) fn of_prefix<'a>(terms: impl Iterator<Item = &'a super::Term> + Clone) -> Matches {
        let top = terms.clone().map(|t| u64::from(t.scale)).max().unwrap_or(1);
        let mut list: BTreeMap<u32, (u8, u8)> = BTreeMap::new();
        for t in terms {
            for &(d, imp, _) in &t.postings {
                let w = (2 * u64::from(t.scale) * u64::from(imp & IMPACT_SCORE) + top) / (2 * top);
                let w = w.clamp(1, u64::from(IMPACT_SCORE)) as u8 | (imp & !IMPACT_SCORE);
                let e = list.entry(d).or_insert((0, 0));
                e.0 = (e.0 & IMPACT_SCORE).max(w & IMPACT_SCORE) | ((e.0 | w) & !IMPACT_SCORE);
            }
        }
        Matches {
            scale: top,
            list,
            next: BTreeMap::new(),
            prev: BTreeMap::new(),
        }
    }

    /// `scale × impact` of the token in record `d` (its title bit aside).
    fn weight(&self, d: u32) -> u64 {
        self.scale * u64::from(self.list[&d].0 & IMPACT_SCORE)
    }
}

/// What one distinct query token adds to a record's score from its impact there:
/// `2 × scale × impact`, plus `TITLE_STEP` when the token is in the record's title.
/// The whole score of a query of one token.
pub(super) fn token_score(scale: u64, impact: u8) -> u64 {
    let title = if impact & !IMPACT_SCORE != 0 {
        TITLE_STEP
    } else {
        0
    };
    2 * scale * u64::from(impact & IMPACT_SCORE) + title
}

/// The order of two hits `(record, score)`: by score (or, newest first, by start
/// year, then end year), then by the other, then by record number — the index order,
/// which sorts by the same years first (see `docs/search.md`). `years` gives a
/// record's start and end year. `hitOrder` in `search.js`.
pub(super) fn hit_order(
    years: impl Fn(u32) -> (i32, i32),
    newest: bool,
    a: (u32, u64),
    b: (u32, u64),
) -> std::cmp::Ordering {
    let (by_score, by_years) = (b.1.cmp(&a.1), years(b.0).cmp(&years(a.0)));
    let first = if newest {
        by_years.then(by_score)
    } else {
        by_score.then(by_years)
    };
    first.then(a.0.cmp(&b.0))
}

/// The first `k` hits of a query of this one term with no filter, in the order of
/// the engine (`query_score` and `hit_order`): `(record, impact)` of its `postings`
/// on its `scale`; `facts` are the records' (start year, end year, kind, language).
pub(super) fn first_hits(
    scale: u32,
    postings: impl Iterator<Item = (u32, u8)>,
    facts: &[(i32, i32, usize, usize)],
    k: usize,
) -> Vec<(u32, u8)> {
    let mut scored: Vec<(u32, u64, u8)> = postings
        .map(|(d, imp)| (d, token_score(u64::from(scale), imp), imp))
        .collect();
    let years = |d: u32| {
        let (start, end, _, _) = facts[d as usize];
        (start, end)
    };
    let cmp =
        |a: &(u32, u64, u8), b: &(u32, u64, u8)| hit_order(years, false, (a.0, a.1), (b.0, b.1));
    if scored.len() > k && k > 0 {
        scored.select_nth_unstable_by(k - 1, cmp);
        scored.truncate(k);
    }
    scored.sort_unstable_by(cmp);
    scored.truncate(k);
    scored.into_iter().map(|(d, _, imp)| (d, imp)).collect()
}

/// The score of record `d` for a query: `TITLE_STEP` for every distinct token in the
/// record's title, plus `2 × Σ scale × impact` over the distinct tokens, plus
/// `scale × impact` of both tokens of every pair of consecutive query tokens where the
/// second follows the first in the query and, by the mask, in the record.
/// `tokens` are the query's tokens with whether each follows the one before,
/// `slots[k]` the index in `matches` of token `k`; `d` is in every list.
pub(super) fn query_score(
    d: u32,
    tokens: &[(String, bool)],
    slots: &[usize],
    matches: &[Matches],
) -> u64 {
    let mut s: u64 = 0;
    for m in matches {
        s += token_score(m.scale, m.list[&d].0);
    }
    for (k, pair) in tokens.windows(2).enumerate() {
        let (first, second) = (&pair[0].0, &pair[1]);
        if !second.1 || is_single_cjk(first) || is_single_cjk(&second.0) {
            continue;
        }
        let (a, b) = (slots[k], slots[k + 1]);
        if matches[a].list[&d].1 & follow_bit(&second.0) != 0 {
            s += matches[a].weight(d) + matches[b].weight(d);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigrams_stand_in_a_row_when_each_is_one_place_after_the_one_before() {
        let placed = |places: &[u32]| Placed {
            tf: [0; FIELD_COUNT],
            places: places.to_vec(),
        };
        let row = |runs: &[&[u32]]| {
            let placed: Vec<Placed> = runs.iter().map(|p| placed(p)).collect();
            Placed::in_a_row(&placed.iter().collect::<Vec<_>>())
        };
        assert!(row(&[&[3, 10], &[4, 20], &[5]]));
        // The first bigram at several places, the row at its last or first.
        assert!(row(&[&[1, 5, 9, 13], &[14], &[15, 40]]));
        assert!(row(&[&[7, 30], &[8, 31], &[2, 32]]));
        // All present, none in a row; one missing; the places out of order.
        assert!(!row(&[&[3], &[5], &[6]]));
        assert!(!row(&[&[3, 4], &[], &[5]]));
        assert!(!row(&[&[9], &[0], &[1]]));
        assert!(!row(&[]));
    }

    #[test]
    fn the_postings_of_a_block_read_back_as_they_were_put() {
        let site = crate::site::fixture_site("search");
        let mentions = Mentions::of(&site.registry, &site.organizations);
        // Every term of every record, in one block per term, records in order.
        type Put = (Vec<u8>, u32, Vec<(u32, Vec<u8>)>);
        let mut put: BTreeMap<String, Put> = BTreeMap::new();
        for (i, e) in site.entries.iter().enumerate() {
            doc_terms(&site, e, &mentions, |t, packed| {
                let (block, next, list) = put.entry(t.to_string()).or_default();
                put_posting(block, next, i as u32, packed);
                list.push((i as u32, packed.to_vec()));
            });
        }
        let around = put
            .values()
            .filter(|(_, _, l)| l.iter().any(|(_, p)| p[0] & HAS_AROUND != 0));
        assert!(around.count() > 10, "bigrams with characters around them");
        for (term, (block, _, list)) in &put {
            let read: Vec<(u32, Vec<u8>)> = (postings_of(block))
                .map(|(doc, packed)| (doc, packed.to_vec()))
                .collect();
            assert_eq!(&read, list, "{term}");
        }
    }

    #[test]
    fn a_record_s_terms_do_not_depend_on_the_records_counted_before_it_on_the_thread() {
        let site = crate::site::fixture_site("search");
        let mentions = Mentions::of(&site.registry, &site.organizations);
        let terms = |i: usize| {
            let mut out: Vec<(String, Vec<u8>)> = Vec::new();
            let lengths = doc_terms(&site, &site.entries[i], &mentions, |t, packed| {
                out.push((t.to_string(), packed.to_vec()));
            });
            (out, lengths)
        };
        let n = site.entries.len();
        assert!(n >= 3, "the fixture has {n} records");
        // Each record counted after every other, in both orders, on this thread (the
        // thread keeps its tally and its table of characters from record to record).
        let forward: Vec<_> = (0..n).map(terms).collect();
        let backward: Vec<_> = (0..n).rev().map(terms).collect();
        for (i, got) in forward.iter().enumerate() {
            assert_eq!(*got, backward[n - 1 - i], "record {i}");
        }
        let characters = (forward.iter().flat_map(|(t, _)| t))
            .filter(|(t, _)| is_single_cjk(t))
            .count();
        assert!(characters > 0, "the fixture's records hold CJK characters");
    }

    #[test]
    fn the_average_lengths_are_on_a_grid_that_one_record_s_edit_does_not_move() {
        let exact = [3u32, 1, 2, 10, 300, 1];
        let lengths = vec![exact; 10_000];
        let mut edited = lengths.clone();
        // A paragraph of 100 words added to one body.
        edited[7][BODY] += 100;
        let averages = |l: &Vec<[u32; FIELD_COUNT]>| Weigher::averages_of(&length_sums(l), l.len());
        let (before, after) = (averages(&lengths), averages(&edited));
        assert_eq!(before, after);
        assert_ne!(before[BODY], 300.0, "the average is rounded");
        for (avg, exact) in before.iter().zip(exact) {
            let off = (avg / f64::from(exact) - 1.0).abs();
            assert!(off <= 0.022, "{avg} for {exact}");
        }
        // A step further, it moves.
        edited[7][BODY] += 200_000;
        assert_ne!(averages(&edited)[BODY], before[BODY]);
    }

    #[test]
    fn a_cached_stem_is_the_stem_with_the_same_variant() {
        let words = [
            "recycling",
            "recycled",
            "is",
            "air",
            "quality",
            "environmental",
        ];
        for word in words.iter().chain(&["pm2", "école", "recycling", "cities"]) {
            // The first time computed, the second taken from the cache.
            for _ in 0..2 {
                let (got, want) = (cached_stem(word), stem(word));
                assert_eq!(got, want, "{word}");
                let owned = |c: &Cow<str>| matches!(c, Cow::Owned(_));
                assert_eq!(owned(&got), owned(&want), "{word}");
            }
        }
    }
}
