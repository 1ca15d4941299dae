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

use std::ops::Range;

use crate::site::Site;

use super::runs::RecordTerms;
use super::score::{self, FastMap, Mentions};
use super::tokenize::{normalize, phrase_runs, tokenize_joined};

/// The phrases of an archive, by their first bigram.
pub(super) struct Phrases {
    /// Each phrase: the run, and its bigrams' range in `bigrams`.
    list: Vec<(String, Range<usize>)>,
    /// The bigrams of every phrase, phrase after phrase.
    bigrams: Vec<String>,
    /// The phrases that start with a bigram (indexes in `list`).
    by_first: FastMap<String, Vec<usize>>,
    /// Every bigram of some phrase.
    wanted: FastMap<String, ()>,
}

impl Phrases {
    /// The phrases of the names of every record and of the organization registry.
    pub(super) fn of(site: &Site, mentions: &Mentions) -> Phrases {
        let mut names: Vec<String> = Vec::new();
        for e in &site.entries {
            names.extend(score::names(&e.record).into_iter().map(normalize));
            for t in &e.translations {
                let text = &t.text;
                let named = text.organizers.iter().chain(&text.partners).flatten();
                names.extend(named.map(|n| normalize(n)));
            }
        }
        names.extend(mentions.every_organization_name().map(str::to_string));
        Phrases::of_names(names.iter().map(String::as_str))
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
            by_first: FastMap::default(),
            wanted: FastMap::default(),
        };
        for (run, bigrams) in runs {
            let at = phrases.bigrams.len();
            let i = phrases.list.len();
            phrases
                .by_first
                .entry(bigrams[0].clone())
                .or_default()
                .push(i);
            for b in &bigrams {
                phrases.wanted.insert(b.clone(), ());
            }
            phrases.bigrams.extend(bigrams);
            phrases.list.push((run, at..phrases.bigrams.len()));
        }
        phrases
    }

    /// The phrase terms of one record, from its terms (`RecordTerms`): each phrase
    /// whose bigrams stand at consecutive places somewhere in the record, packed as
    /// `score::doc_terms` packs a term (`score::phrase_term`).
    pub(super) fn of_record(&self, terms: &RecordTerms) -> Vec<(String, Vec<u8>)> {
        if self.list.is_empty() {
            return Vec::new();
        }
        let mut held: FastMap<&str, score::Placed> = FastMap::default();
        let mut firsts: Vec<usize> = Vec::new();
        for (term, packed) in terms.each() {
            let Ok(term) = std::str::from_utf8(term) else {
                continue;
            };
            if !self.wanted.contains_key(term) {
                continue;
            }
            if let Some(list) = self.by_first.get(term) {
                firsts.extend(list);
            }
            held.insert(term, score::Placed::of(packed));
        }
        firsts.sort_unstable();
        let mut out = Vec::new();
        for i in firsts {
            let (run, range) = &self.list[i];
            let bigrams = &self.bigrams[range.clone()];
            let Some(placed) = (bigrams.iter())
                .map(|b| held.get(b.as_str()))
                .collect::<Option<Vec<_>>>()
            else {
                continue;
            };
            if score::Placed::in_a_row(&placed) {
                out.push((run.clone(), score::phrase_term(&placed)));
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
        assert_eq!(&p.bigrams[r.clone()], ["교통", "통정", "정책", "책과"]);
        assert_eq!(p.by_first["서울"], [4]);
    }
}
