//! The tokenizer, the twin of `tokenize` in `search.js`: normalisation, words and
//! CJK bigrams, and the bit that stands for a token in the "followed by" masks.
//! Both sides are checked against `tests/search_vectors.json`.

use std::borrow::Cow;

use rust_stemmers::{Algorithm, Stemmer};

use super::format::Fnv1a;

/// Latin, digit and other alphabetic runs longer than this are cut to it.
pub const MAX_WORD_CHARS: usize = 32;

/// The form text is compared in: NFC, full-width ASCII folded to ASCII, lower case.
pub fn normalize(text: &str) -> String {
    // Most text is ASCII, Hangul syllables, ideographs and kana, with a few marks of
    // punctuation: characters that `normalize` maps one by one, whatever surrounds them.
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    // The characters `simple` leaves as they are are copied a stretch at a time.
    let mut kept = 0;
    for (at, c) in text.char_indices() {
        match simple(c) {
            Some(same) if same == c => {}
            Some(other) => {
                out.push_str(&text[kept..at]);
                out.push(other);
                kept = at + c.len_utf8();
            }
            None => return normalize_general(text),
        }
    }
    out.push_str(&text[kept..]);
    out
}

/// `normalize` of any text.
fn normalize_general(text: &str) -> String {
    let nfc = crate::paths::nfc(text);
    let lower = if nfc.chars().any(|c| fold_width(c) != c) {
        nfc.chars()
            .map(fold_width)
            .collect::<String>()
            .to_lowercase()
    } else {
        nfc.to_lowercase()
    };
    // Lower-casing can leave a combining mark behind (`İ`): compose again.
    crate::paths::nfc_owned(lower)
}

/// What `normalize` makes of `c` whatever surrounds it, for the characters that are
/// NFC on their own and never compose with a neighbour: ASCII (lower-cased), full-width
/// ASCII (folded, then lower-cased), and characters with no case and no width to fold
/// (Hangul syllables, ideographs, kana, some punctuation), left as they are. `None`
/// for any other.
fn simple(c: char) -> Option<char> {
    // The most common first: a `match` of ranges is a chain of comparisons.
    match c as u32 {
        0x00..=0x7F => Some(c.to_ascii_lowercase()),
        0xAC00..=0xD7A3     // Hangul Syllables
        | 0x4E00..=0x9FFF   // CJK Unified Ideographs
        => Some(c),
        0xFF01..=0xFF5E => Some(fold_width(c).to_ascii_lowercase()),
        0xB7                // ·
        | 0x2013..=0x2014   // – —
        | 0x2018..=0x201D   // ‘ ’ ‚ ‛ “ ”
        | 0x2026            // …
        | 0x3000..=0x3002   // 　、。
        | 0x3005            // 々
        | 0x3008..=0x3011   // 〈 〉 《 》 「 」 『 』 【 】
        | 0x3041..=0x3096   // Hiragana (not the combining voicing marks)
        | 0x30A1..=0x30FC   // Katakana, ・ and ー
        => Some(c),
        _ => None,
    }
}

fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Hangul, Han, Hiragana and Katakana: the scripts indexed as character bigrams.
pub fn is_cjk(c: char) -> bool {
    // The most common first: a `match` of ranges is a chain of comparisons.
    let n = c as u32;
    if n < 0x1100 {
        return false;
    }
    if (0xAC00..=0xD7A3).contains(&n) || (0x4E00..=0x9FFF).contains(&n) {
        return true;
    }
    matches!(n,
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

pub(super) fn is_word_char(c: char) -> bool {
    !is_cjk(c) && c.is_alphanumeric()
}

/// The term a token is indexed and searched as: a word of 3 or more ASCII letters
/// (`a`–`z`, after `normalize`) becomes its Snowball English ("Porter2") stem, as
/// `rust-stemmers` computes it (`recycling`, `recycled` and `recycles` → `recycl`);
/// every other token is its own term. The twin of `stem` in `search-words.js`, checked by
/// the `stems` of the shared vectors.
pub fn stem(token: &str) -> Cow<'_, str> {
    if !is_stemmed(token) {
        return Cow::Borrowed(token);
    }
    Stemmer::create(Algorithm::English).stem(token)
}

/// Whether `stem` reads a token: a word of 3 or more ASCII letters (`STEMMED` in
/// `search.js`, which loads its stemmer for such a word).
pub(super) fn is_stemmed(token: &str) -> bool {
    token.len() >= 3 && token.bytes().all(|b| b.is_ascii_lowercase())
}

/// What the term of a word as written starts with when its stem differs (`=recycling`
/// beside `recycl`): no token starts with it, so that a word as written is never taken
/// for another word's stem (`environment` is the stem of `environmental`, and
/// `=environment` the word).
pub(super) const WRITTEN: char = '=';

/// Whether a token is a word that typos are looked for in: letters only, outside CJK
/// (`recycling`, `école`; not `pm2`, `2016` or `대기`), of `TYPO_MIN_CHARS` or more.
pub(super) fn is_typo_word(token: &str) -> bool {
    token.chars().count() >= TYPO_MIN_CHARS
        && token.chars().all(|c| !is_cjk(c) && c.is_alphabetic())
}

/// The shortest word a dictionary holds (a word of 3 letters gets suggestions, not
/// typo matches: see `typo_distance`).
pub(super) const TYPO_MIN_CHARS: usize = 3;

/// How far (in edits) a query word may be from the word it stands for: 1 for 3 to 7
/// letters, 2 for 8 or more. Words of fewer than 4 letters are only suggested, never
/// matched (`matches_typos`).
pub(super) fn typo_distance(chars: usize) -> usize {
    if chars >= 8 { 2 } else { 1 }
}

/// Whether a query word of `chars` letters may match the words it is a typo of.
pub(super) fn matches_typos(chars: usize) -> bool {
    chars >= 4
}

/// `edit_distance` of two strings (the twin of `editDistance` in `search-words.js`).
pub fn word_distance(a: &str, b: &str, max: usize) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    edit_distance(&a, &b, max)
}

/// The optimal string alignment distance of two words, in characters: insertions,
/// deletions, substitutions and transpositions of two neighbours, each one edit; more
/// than `max` as `max + 1`.
pub(super) fn edit_distance(a: &[char], b: &[char], max: usize) -> usize {
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let width = b.len() + 1;
    let mut rows = vec![0usize; 3 * width];
    for (j, cell) in rows[..width].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        let (cur, prev, prev2) = (
            (i % 3) * width,
            ((i - 1) % 3) * width,
            ((i + 1) % 3) * width,
        );
        rows[cur] = i;
        let mut best = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[prev + j] + 1)
                .min(rows[cur + j - 1] + 1)
                .min(rows[prev + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[prev2 + j - 2] + 1);
            }
            rows[cur + j] = d;
            best = best.min(d);
        }
        if best > max {
            return max + 1;
        }
    }
    rows[(a.len() % 3) * width + b.len()].min(max + 1)
}

/// Whether the postings of `term` (its bytes) carry the followed-by mask
/// (`write_postings`): a word's do, a CJK term's (a bigram or one character) do not.
pub(super) fn carries_masks(term: &[u8]) -> bool {
    (std::str::from_utf8(term).ok())
        .and_then(|t| t.chars().next())
        .is_none_or(|c| !is_cjk(c))
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
        out.push((t.to_string(), joined));
    });
    out
}

/// Calls `f` with every token of already normalised text, in order, and whether it
/// directly follows the token before (see `tokenize_joined`).
pub(super) fn for_each_token<'a>(norm: &'a str, mut f: impl FnMut(&'a str, bool)) {
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
pub(super) fn is_single_cjk(token: &str) -> bool {
    let mut chars = token.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if is_cjk(c))
}

/// Whether a token is a CJK bigram.
pub(super) fn is_bigram(token: &str) -> bool {
    let mut chars = token.chars();
    matches!((chars.next(), chars.next(), chars.next()), (Some(a), Some(b), None) if is_cjk(a) && is_cjk(b))
}

/// The CJK runs of 3 characters or more among `tokens` (as `tokenize_joined` gives
/// them: a run of n characters is n − 1 bigrams, each after the first joined to the
/// one before): per run, the range of its bigrams in `tokens` and the run itself. A
/// run that some record names (see `phrases`) is also one term of the index, its
/// *phrase term*.
pub fn phrase_runs<S: AsRef<str>>(tokens: &[(S, bool)]) -> Vec<(std::ops::Range<usize>, String)> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < tokens.len() {
        let mut end = k + 1;
        if is_bigram(tokens[k].0.as_ref()) {
            while end < tokens.len() && tokens[end].1 && is_bigram(tokens[end].0.as_ref()) {
                end += 1;
            }
        }
        if end - k >= 2 {
            let mut run = tokens[k].0.as_ref().to_string();
            run.extend(
                tokens[k + 1..end]
                    .iter()
                    .filter_map(|t| t.0.as_ref().chars().nth(1)),
            );
            out.push((k..end, run));
        }
        k = end;
    }
    out
}

/// The bit that stands for a token in the "followed by" masks of the postings:
/// 32-bit FNV-1a over its UTF-8 bytes, folded to 0–7.
pub fn follow_bit(token: &str) -> u8 {
    let h = Fnv1a::hash32(token.as_bytes());
    1 << ((h ^ (h >> 16)) & 7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_a_swap_as_one_edit() {
        let d = |a: &str, b: &str| word_distance(a, b, 2);
        assert_eq!(d("recycling", "recyling"), 1);
        assert_eq!(d("quality", "qaulity"), 1);
        assert_eq!(d("ab", "ba"), 1);
        assert_eq!(d("école", "ecole"), 1);
        assert_eq!(d("air", "airport"), 3);
        assert_eq!(d("monitoring", "monitorign"), 1);
        assert_eq!(d("", "ab"), 2);
    }

    #[test]
    fn only_words_of_ascii_letters_are_stemmed() {
        assert_eq!(stem("recycling"), "recycl");
        assert_eq!(stem("pm2"), "pm2");
        assert_eq!(stem("école"), "école");
        assert_eq!(stem("is"), "is");
    }

    /// Every character `simple` takes is normalised on its own as `simple` says, and
    /// is one the NFC quick check passes with no combining class: it composes with no
    /// neighbour, so a text of such characters is normalised character by character.
    #[test]
    fn simple_characters_normalise_one_by_one() {
        use unicode_normalization::char::canonical_combining_class;
        use unicode_normalization::{IsNormalized, is_nfc_quick};
        let mut taken = 0;
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let Some(n) = simple(c) else { continue };
            taken += 1;
            assert_eq!(normalize_general(&c.to_string()), n.to_string(), "{c:?}");
            assert_eq!(is_nfc_quick([c, n].into_iter()), IsNormalized::Yes, "{c:?}");
            assert_eq!(canonical_combining_class(c), 0, "{c:?}");
            assert_eq!(canonical_combining_class(n), 0, "{c:?}");
        }
        assert!(taken > 30_000, "{taken}");
        for text in [
            "Seoul·서울 – ＰＭ２．５，「大気」『汚染』… 々　ＡＢＣ",
            "Ａ\u{301}bc",
            "İstanbul 서울",
            "ｶﾀｶﾅ and 가\u{11A8}",
            "서울 SEOUL",
            "AB서울Ｃ",
        ] {
            assert_eq!(normalize(text), normalize_general(text), "{text:?}");
        }
        assert_eq!(normalize("ＰＭ２．５，「大気」"), "pm2.5,「大気」");
        assert_eq!(normalize("AB서울Ｃ 東京"), "ab서울c 東京");
    }

    #[test]
    fn a_single_cjk_character_is_a_prefix_query() {
        assert!(is_single_cjk("질"));
        assert!(!is_single_cjk("a"));
        assert!(!is_single_cjk("질개"));
    }
}
