//! The Hangul "did you mean": owns the dictionary of Hangul words (`search/jamo.bin`)
//! — which words it holds (runs of Hangul syllables, a final particle stripped), their
//! distance in jamo, the buckets they are kept in (keyed by syllable, so that a query
//! reads a few of them), and the choice of the nearest word. The twin of
//! `hangulWords`, `jamoDistance`, `jamoBuckets` and `Engine.hangulFixes` in `search-hangul.js`;
//! the distance is checked from both sides by the shared vectors.

use std::cmp::Reverse;

use unicode_normalization::UnicodeNormalization;

use super::format::{self, FastMap, Fnv1a};
use super::score;
use super::tokenize::{edit_distance, normalize};
use crate::markdown::Rendered;
use crate::site::Entry;

/// The fewest and the most syllables of a dictionary word (and of a query word that
/// gets a suggestion).
pub(super) const MIN_SYLLABLES: usize = 2;
pub(super) const MAX_SYLLABLES: usize = 6;
/// The fewest records a word must occur in to be in the dictionary: a word of one
/// record is more often a name or a slip than a word to suggest.
pub(super) const MIN_RECORDS: u32 = 2;
/// The bytes of words a bucket holds on average (the number of buckets is the
/// dictionary's bytes divided by this).
const BUCKET_BYTES: usize = 512;

/// Particles stripped from the end of a run, longest first: `협력을`, `협력의` and
/// `협력에서는` are all the word `협력`. One is stripped only when two syllables or more
/// remain (`국가` stays `국가`).
const PARTICLES: [&str; 27] = [
    "에서는",
    "에서의",
    "으로는",
    "으로의",
    "에서",
    "에게",
    "으로",
    "까지",
    "부터",
    "에는",
    "에도",
    "로는",
    "과의",
    "와의",
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "의",
    "에",
    "와",
    "과",
    "도",
    "로",
    "만",
];

/// Whether `c` is a precomposed Hangul syllable (U+AC00–U+D7A3).
pub(super) fn is_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// A Hangul word of a text: the run of syllables as written, and its stem (the run
/// without a final particle). Hangul syllables are 3 bytes each in UTF-8.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Word<'a> {
    pub(super) run: &'a str,
    pub(super) stem: &'a str,
}

impl<'a> Word<'a> {
    /// The particle stripped, if any.
    pub(super) fn particle(&self) -> &'a str {
        &self.run[self.stem.len()..]
    }

    /// Whether its stem is of a length the dictionary holds.
    pub(super) fn fits(&self) -> bool {
        (MIN_SYLLABLES..=MAX_SYLLABLES).contains(&syllables(self.stem))
    }
}

fn syllables(s: &str) -> usize {
    s.chars().count()
}

/// Every maximal run of Hangul syllables of normalised text, as a `Word`.
pub(super) fn words(norm: &str) -> impl Iterator<Item = Word<'_>> {
    norm.split(|c: char| !is_syllable(c))
        .filter(|run| !run.is_empty())
        .map(|run| {
            // A particle is stripped when 2 syllables or more remain: every
            // syllable is 3 bytes. Only the particles that end with the run's last
            // syllable are compared.
            let last = |s: &str| -> [u8; 3] {
                let b = s.as_bytes();
                [b[b.len() - 3], b[b.len() - 2], b[b.len() - 1]]
            };
            let particle = PARTICLES.iter().find(|p| {
                run.len() >= p.len() + 3 * MIN_SYLLABLES
                    && last(p) == last(run)
                    && run.ends_with(*p)
            });
            let stem = &run[..run.len() - particle.map_or(0, |p| p.len())];
            Word { run, stem }
        })
}

/// Whether normalised `text` can hold a Hangul syllable: a syllable (U+AC00–U+D7A3,
/// first byte 0xEA to 0xED) or a conjoining jamo that composes into one (U+1100–U+11FF,
/// first byte 0xE1).
fn may_hold_syllables(text: &str) -> bool {
    (text.bytes()).any(|b| matches!(b, 0xE1 | 0xEA..=0xED))
}

/// The jamo of a word: each syllable as its initial, medial and (if any) final
/// conjoining jamo (the canonical decomposition, NFD).
fn jamo(word: &str) -> Vec<char> {
    word.nfd().collect()
}

/// The edit distance of two Hangul words over their jamo (`헙력` and `협력` are one
/// edit apart, `교휵` and `교육` too, and so are `협려` and `협력`: a final consonant
/// missing), as `edit_distance` counts it; more than `max` as `max + 1`. The twin of
/// `jamoDistance` in `search-hangul.js`.
pub fn jamo_distance(a: &str, b: &str, max: usize) -> usize {
    edit_distance(&jamo(a), &jamo(b), max)
}

/// How many jamo edits a word of `syllables` may be from the word suggested: 1 for 2
/// or 3 syllables, 2 for 4 to 6.
pub(super) fn max_edits(syllables: usize) -> usize {
    if syllables >= 4 { 2 } else { 1 }
}

/// The keys a word is kept under: for each of its first `max_edits + 1` syllables, the
/// number of syllables, the place and the syllable (`40협` for `협력사업`'s first).
/// Edits that leave the number of syllables as it is change at most `max_edits` of
/// those syllables, so a word within reach of a query word shares a key with it.
pub(super) fn keys(stem: &str) -> Vec<String> {
    let n = syllables(stem);
    (stem.chars().take(max_edits(n) + 1).enumerate())
        .map(|(at, c)| format!("{n}{at}{c}"))
        .collect()
}

/// The bucket of a key among `buckets`: its 32-bit FNV-1a hash modulo their number.
pub(super) fn bucket(key: &str, buckets: usize) -> usize {
    Fnv1a::hash32(key.as_bytes()) as usize % buckets.max(1)
}

/// The buckets a query word's candidates are in, each once, in order.
pub(super) fn buckets_of(stem: &str, buckets: usize) -> Vec<usize> {
    let mut out: Vec<usize> = keys(stem).iter().map(|k| bucket(k, buckets)).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The word of `candidates` (words with their number of records) nearest to `stem`:
/// the fewest jamo edits, within `max_edits`, of the same number of syllables; then
/// the most records; then byte order. `None` when none is within reach, or when the
/// nearest is `stem` itself (the word is in the dictionary).
pub(super) fn nearest<'a>(
    stem: &str,
    candidates: impl Iterator<Item = (&'a str, u32)>,
) -> Option<&'a str> {
    let n = syllables(stem);
    let max = max_edits(n);
    let query = jamo(stem);
    let (d, _, word) = candidates
        .filter(|(w, _)| syllables(w) == n)
        .map(|(w, df)| (edit_distance(&query, &jamo(w), max), Reverse(df), w))
        .filter(|(d, _, _)| *d <= max)
        .min()?;
    (d > 0).then_some(word)
}

/// The dictionary's words of a record: the stems of its Hangul runs that fit, each
/// once, sorted, each ended by a line break, from the texts it is found by (title,
/// summary, `body`, names, and those of its translations).
pub(super) fn record_words(e: &Entry, body: &Rendered) -> String {
    let r = &e.record;
    let mut texts: Vec<&str> = vec![&r.title, &body.plain];
    texts.extend(r.summary.as_deref());
    texts.extend(score::names(r));
    let translated: Vec<_> = e.translations.iter().map(|t| t.body.text()).collect();
    for (t, body) in e.translations.iter().zip(&translated) {
        let text = &t.text;
        texts.extend(text.title.as_deref());
        texts.extend(text.summary.as_deref());
        texts.extend(
            text.organizers
                .iter()
                .chain(&text.partners)
                .flatten()
                .map(|n| &**n),
        );
        texts.push(&body.plain);
    }
    let norms: Vec<String> = (texts.into_iter())
        .filter(|t| may_hold_syllables(t))
        .map(normalize)
        .collect();
    let mut out: Vec<&str> = (norms.iter())
        .flat_map(|norm| words(norm).filter(Word::fits).map(|w| w.stem))
        .collect();
    out.sort_unstable();
    out.dedup();
    let mut words = String::with_capacity(out.iter().map(|w| w.len() + 1).sum());
    for w in out {
        words.push_str(w);
        words.push('\n');
    }
    words
}

/// The number of records of every Hangul word met.
#[derive(Default)]
pub(super) struct Counts(FastMap<String, u32>);

impl Counts {
    /// Counts the words of one record (each once, each ended by a line break).
    pub(super) fn add(&mut self, words: &str) {
        // Split by a `char` test, not `lines` or a `char` pattern: the words are a few
        // characters each, too short for a search by `memchr` to pay.
        #[allow(clippy::manual_pattern_char_comparison)]
        let words = words.split_terminator(|c: char| c == '\n');
        for w in words {
            match self.0.get_mut(w) {
                Some(n) => *n += 1,
                None => {
                    self.0.insert(w.to_string(), 1);
                }
            }
        }
    }
}

/// `search/jamo.bin`: the words of `MIN_RECORDS` records or more, with their number
/// of records, each in the buckets of its keys — a pack whose items are the buckets,
/// each a list of words as in the Latin dictionary (`format::write_words`).
pub(super) fn dictionary(counts: Counts) -> Vec<u8> {
    let mut words: Vec<(String, u32)> = (counts.0.into_iter())
        .filter(|&(_, n)| n >= MIN_RECORDS)
        .collect();
    words.sort_unstable();
    pack(&words)
}

/// The buckets of `words` (sorted), as a pack.
fn pack(words: &[(String, u32)]) -> Vec<u8> {
    let keyed: Vec<(&str, u32, Vec<String>)> = (words.iter())
        .map(|(w, df)| (w.as_str(), *df, keys(w)))
        .collect();
    let bytes: usize = (keyed.iter())
        .map(|(w, _, keys)| (w.len() + 3) * keys.len())
        .sum();
    let buckets = bytes.div_ceil(BUCKET_BYTES).max(1);
    let mut lists: Vec<Vec<(&str, u32)>> = vec![Vec::new(); buckets];
    for (w, df, keys) in &keyed {
        for key in keys {
            let list = &mut lists[bucket(key, buckets)];
            if list.last().is_none_or(|(last, _)| last != w) {
                list.push((w, *df));
            }
        }
    }
    let items: Vec<Vec<u8>> = (lists.into_iter())
        .map(|list| format::write_words(list.into_iter()))
        .collect();
    format::write_pack(&items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_text_without_syllables_or_their_jamo_is_skipped() {
        // Conjoining jamo compose into syllables when normalised: such text is read.
        let decomposed = "\u{1112}\u{1161}\u{11AB}\u{1100}\u{116E}\u{11A8}에서";
        let stems =
            |t: &str| -> Vec<String> { words(&normalize(t)).map(|w| w.stem.to_string()).collect() };
        assert_eq!(stems(decomposed), ["한국"]);
        for text in [decomposed, "협력을", "서울 Seoul"] {
            assert!(may_hold_syllables(text), "{text}");
        }
        for text in ["東京都 ソウル", "Seoul 2024", "首尔市 ㄱㄴ ﾡ"] {
            assert!(!may_hold_syllables(text), "{text}");
            assert!(stems(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn a_jamo_edit_is_one_edit() {
        // A medial, an initial, a final missing or changed; then none, and too many
        // (more than 2 is 3).
        for (a, b, edits) in [
            ("헙력", "협력", 1),
            ("교휵", "교육", 1),
            ("협려", "협력", 1),
            ("협력", "협렵", 1),
            ("대기오염", "대기오염", 0),
            ("데기오엄", "대기오염", 2),
            ("협력", "대기", 3),
        ] {
            assert_eq!(jamo_distance(a, b, 2), edits, "{a} {b}");
        }
    }

    #[test]
    fn a_particle_is_stripped_when_two_syllables_remain() {
        let stems: Vec<(&str, &str)> = words("협력을 대기오염에서는 국가 서울의 가")
            .map(|w| (w.stem, w.particle()))
            .collect();
        assert_eq!(
            stems,
            [
                ("협력", "을"),
                ("대기오염", "에서는"),
                ("국가", ""),
                ("서울", "의"),
                ("가", "")
            ]
        );
        assert!(!words("가").next().unwrap().fits());
        assert!(!words("가나다라마바사").next().unwrap().fits());
    }

    #[test]
    fn a_word_within_reach_shares_a_key_with_it() {
        // One edit in either syllable of two, two edits in two of four.
        for (typo, word) in [
            ("헙력", "협력"),
            ("협렵", "협력"),
            ("대기오엄", "대기오염"),
            ("데기오엄", "대기오염"),
            ("대긔오엄", "대기오염"),
        ] {
            let (a, b) = (keys(typo), keys(word));
            assert!(a.iter().any(|k| b.contains(k)), "{typo} {word}");
        }
        assert_eq!(keys("협력사업"), ["40협", "41력", "42사"]);
    }

    #[test]
    fn the_nearest_word_is_the_closest_then_the_most_frequent() {
        let dictionary = [("협력", 5), ("협약", 9), ("헙력", 1), ("교육", 3)];
        let near = |q: &str| nearest(q, dictionary.iter().copied());
        // 헙럭: one edit from 헙력, two from 협력 (one syllable of two).
        assert_eq!(near("헙럭"), Some("헙력"));
        // 협략: one edit from 협력 (5 records) and from 협약 (9).
        assert_eq!(near("협략"), Some("협약"));
        // A word of the dictionary itself is not corrected.
        assert_eq!(near("교육"), None);
        assert_eq!(near("교휵"), Some("교육"));
        assert_eq!(near("가나"), None);
    }

    #[test]
    fn every_word_is_in_the_bucket_of_each_of_its_keys() {
        let words: Vec<(String, u32)> = ["교육", "대기오염", "협력", "협력사업", "환경정책"]
            .iter()
            .map(|w| (w.to_string(), 2))
            .collect();
        let bytes = pack(&words);
        let buckets = format::pack_len(&bytes).unwrap();
        for (w, _) in &words {
            for b in buckets_of(w, buckets) {
                let item = format::pack_item(&bytes, b).unwrap();
                let list = format::read_words(item).unwrap();
                assert!(list.iter().any(|(x, _)| x == w), "{w} in {b}");
            }
        }
    }
}
