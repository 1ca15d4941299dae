//! Phrase terms: every CJK run of 3 characters or more that some record names — as
//! organizer, partner, tag or another name (`score::names`), in a translation, or as
//! a name of a registered organization — is also one term of the index, held by
//! every record whose texts hold the run whole, anywhere. A query with such a run
//! reads that one term instead of the postings, followers and positions of the run's
//! bigrams: `서울시 교통정책과` reads two terms of a few hundred records, not the
//! thousands of records of `서울`, `교통` and `정책` and where those stand.
//!
//! A record holds a phrase when its bigrams stand at consecutive places
//! (`score::doc_terms`): the same test as the reader's for a run of the query, so the
//! phrase term's records are exactly those the bigrams would give. Found from each
//! record's terms after the build cache gave them, so the cache does not depend on
//! the names of other records.

use std::cell::RefCell;
use std::ops::Range;

use crate::site::Site;

use super::format::FastMap;
use super::runs::RecordTerms;
use super::score::{self, Mentions, NumberMap};
use super::tokenize::{normalize, phrase_runs, tokenize_joined};

/// The phrases of an archive, by their first bigram.
pub(super) struct Phrases {
    /// Each phrase: the run, and its bigrams' range in `bigrams`.
    list: Vec<(String, Range<usize>)>,
    /// The bigrams of every phrase, phrase after phrase, each as its number in
    /// `wanted`.
    bigrams: Vec<u32>,
    /// Every bigram of some phrase (`bigram_key`): its number, and the phrases it
    /// starts (indexes in `list`).
    wanted: NumberMap<(u32, Vec<usize>)>,
}

/// A term of 6 to 8 bytes (a CJK bigram is two characters of 3 or 4 bytes each) as
/// one number: its bytes, the rest zero (no character of a term is NUL).
fn bigram_key(term: &[u8]) -> Option<u64> {
    if !(6..=8).contains(&term.len()) {
        return None;
    }
    let mut bytes = [0u8; 8];
    bytes[..term.len()].copy_from_slice(term);
    Some(u64::from_le_bytes(bytes))
}

thread_local! {
    /// Where each bigram of a record is (`Phrases::of_record`), by bigram number: its
    /// place among the record's bigrams plus one, 0 when the record lacks it. Kept per
    /// thread and cleared after each record, so that a record touches only its own.
    static SLOTS: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
}

impl Phrases {
    /// Every phrase, in order.
    pub(super) fn runs(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|(run, _)| run.as_str())
    }

    /// The phrases of the names of every record and of the organization registry.
    pub(super) fn of(site: &Site, mentions: &Mentions) -> Phrases {
        let mut names: FastMap<&str, ()> = FastMap::default();
        for e in &site.entries {
            names.extend(score::names(&e.record).into_iter().map(|n| (n, ())));
            for t in &e.translations {
                let text = &t.text;
                let named = text.organizers.iter().chain(&text.partners).flatten();
                names.extend(named.map(|n| (&**n, ())));
            }
        }
        let mut normalized: Vec<String> = names.into_keys().map(normalize).collect();
        normalized.extend(mentions.every_organization_name().map(str::to_string));
        Phrases::of_names(normalized.iter().map(String::as_str))
    }

    /// The phrases of these names (normalised), each once.
    pub(super) fn of_names<'a>(names: impl Iterator<Item = &'a str>) -> Phrases {
        let mut runs: Vec<(String, Vec<String>)> = Vec::new();
        for name in names {
            let tokens = tokenize_joined(name);
            for (range, run) in phrase_runs(&tokens) {
                let bigrams = tokens[range].iter().map(|t| t.0.clone()).collect();
                runs.push((run, bigrams));
            }
        }
        runs.sort_unstable();
        runs.dedup();
        let mut phrases = Phrases {
            list: Vec::with_capacity(runs.len()),
            bigrams: Vec::new(),
            wanted: NumberMap::default(),
        };
        for (run, bigrams) in runs {
            let at = phrases.bigrams.len();
            let i = phrases.list.len();
            for (k, b) in bigrams.iter().enumerate() {
                let next = phrases.wanted.len() as u32;
                let key = bigram_key(b.as_bytes()).expect("a phrase's bigrams are bigrams");
                let (id, starts) = (phrases.wanted).entry(key).or_insert((next, Vec::new()));
                if k == 0 {
                    starts.push(i);
                }
                phrases.bigrams.push(*id);
            }
            phrases.list.push((run, at..phrases.bigrams.len()));
        }
        phrases
    }

    /// The phrase terms of one record, from its terms (`RecordTerms`): each phrase
    /// whose bigrams stand at consecutive places somewhere in the record, packed as
    /// `score::doc_terms` packs a term (`score::phrase_term`). Only the bigrams of a
    /// phrase whose every bigram the record holds are read.
    pub(super) fn of_record(&self, terms: &RecordTerms) -> Vec<(String, Vec<u8>)> {
        if self.list.is_empty() {
            return Vec::new();
        }
        SLOTS.with_borrow_mut(|slots| {
            slots.resize(self.wanted.len(), 0);
            // What the record packed of each of its bigrams that some phrase has,
            // and that bigram's number.
            let mut packs: Vec<(&[u8], u32)> = Vec::new();
            let mut firsts: Vec<usize> = Vec::new();
            for (term, packed) in terms.each() {
                let Some(key) = bigram_key(term) else {
                    continue;
                };
                if let Some((id, starts)) = self.wanted.get(&key) {
                    firsts.extend(starts);
                    packs.push((packed, *id));
                    slots[*id as usize] = packs.len() as u32;
                }
            }
            let out = self.in_a_row(&packs, &mut firsts, slots);
            for &(_, id) in &packs {
                slots[id as usize] = 0;
            }
            out
        })
    }

    /// The phrases among `firsts` (those whose first bigram the record holds) whose
    /// bigrams all stand in a row in the record: `packs` are its bigrams, `slots`
    /// where each is in `packs` (see `SLOTS`).
    fn in_a_row(
        &self,
        packs: &[(&[u8], u32)],
        firsts: &mut [usize],
        slots: &[u32],
    ) -> Vec<(String, Vec<u8>)> {
        firsts.sort_unstable();
        let mut placed: Vec<Option<score::Placed>> = Vec::new();
        placed.resize_with(packs.len(), || None);
        let mut out = Vec::new();
        for &i in firsts.iter() {
            let (run, range) = &self.list[i];
            let bigrams = &self.bigrams[range.clone()];
            if bigrams.iter().any(|&b| slots[b as usize] == 0) {
                continue;
            }
            for &b in bigrams {
                let k = slots[b as usize] as usize - 1;
                if placed[k].is_none() {
                    placed[k] = Some(score::Placed::of(packs[k].0));
                }
            }
            let row: Vec<&score::Placed> = (bigrams.iter())
                .filter_map(|&b| placed[slots[b as usize] as usize - 1].as_ref())
                .collect();
            if score::Placed::in_a_row(&row) {
                out.push((run.clone(), score::phrase_term(&row)));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_are_the_runs_of_three_characters_or_more_of_the_names_each_once() {
        let names = [
            "서울시 교통정책과",
            "서울시 대기정책과",
            "GHG",
            "대기",
            "東京都 環境局",
        ];
        let p = Phrases::of_names(names.into_iter());
        let runs: Vec<&str> = p.list.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(
            runs,
            ["東京都", "環境局", "교통정책과", "대기정책과", "서울시"]
        );
        let (_, r) = &p.list[2];
        let key = |b: &str| bigram_key(b.as_bytes()).unwrap();
        let bigram = |b: &str| p.wanted[&key(b)].0;
        let want: Vec<u32> = ["교통", "통정", "정책", "책과"].map(bigram).to_vec();
        assert_eq!(&p.bigrams[r.clone()], want);
        assert_eq!(p.wanted[&key("서울")].1, [4]);
        assert!(p.wanted[&key("울시")].1.is_empty());
    }
}
