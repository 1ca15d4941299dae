//! What the index keeps of each record between builds, in the build cache
//! (`cache::Blobs`): what it makes of one record alone, its terms (`terms/`) and its
//! passages, Hangul words and snippets (`passages/`), each under the record's file
//! with a key. The key is a hash of everything those computations read: the record's
//! texts and fields, those of its translations, the plain text and headings of their
//! bodies, the names of the cities and organizations (the mentions), and `FORMAT`.
//! A blob is taken only under the same key, so that a build with the cache makes the
//! same index as one without it; what the index weighs over the whole archive (the
//! BM25 scores, the order of the records) is never kept.

use std::path::Path;

use crate::cache::{Blobs, KeyHasher, Mode, Staged};
use crate::diag::Diagnostic;
use crate::site::{Entry, Site};

use super::format::{Bytes, put_bytes, put_varint};
use super::kept::Streams;
use super::runs::{RecordTerms, Terms};
use super::score;

/// Changes whenever what the index makes of a record does (the tokenizer, the terms
/// as packed, the passages, the snippets) without a change of accord's version: the
/// blobs of another are not taken.
const FORMAT: u64 = 3;

/// The folders of the blobs in the build cache.
const TERMS: &str = "terms";
const PASSAGES: &str = "passages";

/// How a blob is read back, and written.
type Coder<T> = (fn(&[u8]) -> Option<T>, fn(&T) -> Vec<u8>);

/// The blobs of the index in the build cache.
pub struct Memo {
    terms: Blobs,
    passages: Blobs,
    /// The weighed terms of the whole index (`kept`).
    pub(super) streams: Streams,
}

impl Memo {
    /// No cache: every record is tokenized, nothing is kept.
    pub fn off() -> Memo {
        Memo {
            terms: Blobs::off(),
            passages: Blobs::off(),
            streams: Streams::open(Path::new(""), Mode::Off, false),
        }
    }

    /// The blobs of the site at `root`, read unless `mode` says not to; those made
    /// are kept only if `write`.
    pub fn open(root: &Path, mode: Mode, write: bool) -> Memo {
        Memo {
            terms: Blobs::open(root, mode, TERMS, write),
            passages: Blobs::open(root, mode, PASSAGES, write),
            streams: Streams::open(root, mode, write),
        }
    }

    /// The warning about the files of the cache that were ignored, if any.
    pub fn warning(&self) -> Option<Diagnostic> {
        let again = "the search index reads those records again";
        self.terms
            .warning(again)
            .or_else(|| self.passages.warning(again))
            .or_else(|| self.streams.warning())
    }

    /// How many records' terms were taken from the cache.
    pub fn hits(&self) -> usize {
        self.terms.hits()
    }

    /// The terms of the index taken from the last build's weighing, and all.
    pub fn terms_kept(&self) -> (usize, usize) {
        self.streams.counts()
    }

    /// Writes the files that changed, for `Staged::commit` (`cache::Blobs::stage`).
    pub fn stage(self) -> Result<Option<Staged>, Diagnostic> {
        let staged = [
            self.terms.stage()?,
            self.passages.stage()?,
            self.streams.stage()?,
        ];
        Ok(staged.into_iter().flatten().reduce(Staged::join))
    }

    /// The key of every entry of `site`, in order; none when there is no cache.
    pub(super) fn keys(&self, site: &Site) -> Vec<u64> {
        use rayon::prelude::*;
        if !self.terms.keeps() && !self.terms.reads() {
            return Vec::new();
        }
        let registries = registries_key(site);
        (site.entries.par_iter())
            .map(|e| record_key(e, registries))
            .collect()
    }

    /// What `make` makes of entry `e`, taken from the cache (`decode`) under `key`
    /// when it is there, else made and kept (`encode`); made without a `key`.
    fn cached<T>(
        blobs: &Blobs,
        e: &Entry,
        key: Option<u64>,
        (decode, encode): Coder<T>,
        make: impl FnOnce() -> T,
    ) -> T {
        let Some(key) = key else {
            return make();
        };
        let path = e.record.source.as_path();
        if let Some(made) = blobs.get_with(path, key, decode) {
            return made;
        }
        let made = make();
        if blobs.keeps() {
            blobs.put(path, key, &encode(&made));
        }
        made
    }

    /// The terms of entry `e` (`make`, or the cache).
    pub(super) fn terms(&self, e: &Entry, key: Option<u64>, make: impl FnOnce() -> Terms) -> Terms {
        let coder = (
            RecordTerms::decode as fn(&[u8]) -> _,
            RecordTerms::encode as fn(&_) -> _,
        );
        Memo::cached(&self.terms, e, key, coder, make)
    }

    /// Keeps the terms of entry `e` the cache holds under `key` for the next build,
    /// without reading them: its postings were taken from the last build's.
    pub(super) fn keep_terms(&self, e: &Entry, key: Option<u64>) {
        if let Some(key) = key {
            self.terms.keep(&e.record.source, key);
        }
    }

    /// The terms entry `e` had in the last build, when its key was `key`.
    pub(super) fn last_terms(&self, e: &Entry, key: u64) -> Option<Terms> {
        let bytes = self.terms.get_last(&e.record.source, key)?;
        RecordTerms::decode(&bytes)
    }

    /// The passages, Hangul words and snippets of entry `e` (`make`, or the cache).
    pub(super) fn passages(
        &self,
        e: &Entry,
        key: Option<u64>,
        make: impl FnOnce() -> Passages,
    ) -> Passages {
        let coder = (
            Passages::decode as fn(&[u8]) -> _,
            Passages::encode as fn(&_) -> _,
        );
        Memo::cached(&self.passages, e, key, coder, make)
    }
}

/// What the index makes of the bodies of one record: its passages file (`p/`), its
/// Hangul words, and its snippet bodies (its own, then each translation's).
pub(super) struct Passages {
    pub(super) file: Vec<u8>,
    /// The Hangul words, sorted, each once, each ended by a line break.
    pub(super) words: String,
    pub(super) snippets: Vec<String>,
}

impl Passages {
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.file.len() + 512);
        put_bytes(&mut out, &self.file);
        put_varint(&mut out, self.words.lines().count() as u64);
        for w in self.words.lines() {
            put_bytes(&mut out, w.as_bytes());
        }
        put_varint(&mut out, self.snippets.len() as u64);
        for s in &self.snippets {
            put_bytes(&mut out, s.as_bytes());
        }
        out
    }

    fn decode(bytes: &[u8]) -> Option<Passages> {
        let mut r = Bytes::new(bytes);
        let file = r.bytes().ok()?.to_vec();
        let mut list = |each: &mut dyn FnMut(&str)| -> Option<()> {
            let n = r.varint().ok()?;
            let n = usize::try_from(n).ok().filter(|&n| n <= bytes.len())?;
            for _ in 0..n {
                each(std::str::from_utf8(r.bytes().ok()?).ok()?);
            }
            Some(())
        };
        let mut words = String::new();
        let mut no_break = true;
        list(&mut |w| {
            no_break &= !w.is_empty() && !w.as_bytes().contains(&b'\n');
            words.push_str(w);
            words.push('\n');
        })?;
        let mut snippets = Vec::new();
        list(&mut |s| snippets.push(s.to_string()))?;
        (r.is_empty() && no_break).then_some(Passages {
            file,
            words,
            snippets,
        })
    }
}

/// A hash of the names the terms of every record read beside its own texts: every
/// name and alias of every city and organization, by id (the mentions, a record's own
/// cities, its registered organizers and partners).
pub(super) fn registries_key(site: &Site) -> u64 {
    let mut k = KeyHasher::new();
    let names = |k: &mut KeyHasher,
                 id: &str,
                 names: &std::collections::BTreeMap<String, String>,
                 aliases: &[String]| {
        k.str(id);
        k.strs(
            names
                .iter()
                .flat_map(|(lang, n)| [lang.as_str(), n.as_str()]),
        );
        k.strs(aliases.iter().map(String::as_str));
    };
    k.u64(site.registry.cities.len() as u64);
    for c in &site.registry.cities {
        names(&mut k, &c.id, &c.names, &c.aliases);
    }
    k.u64(site.organizations.list.len() as u64);
    for o in &site.organizations.list {
        names(&mut k, &o.id, &o.names, &o.aliases);
    }
    k.finish()
}

/// The key of entry `e`'s blobs: a hash of `FORMAT`, of the `registries` and of
/// everything the index reads of the entry for its terms (`score::doc_terms`), its
/// passages, Hangul words and snippets.
pub(super) fn record_key(e: &Entry, registries: u64) -> u64 {
    let r = &e.record;
    let mut k = KeyHasher::new();
    k.u64(FORMAT);
    k.u64(registries);
    k.str(&r.title);
    k.u64(r.cities.len() as u64);
    for &c in &r.cities {
        k.u64(c as u64);
    }
    for list in [&r.organizers, &r.partners, &r.tags] {
        k.strs(list.iter().map(|n| &**n));
    }
    k.strs(score::names(r));
    k.u64(e.years().count() as u64);
    for y in e.years() {
        k.u64(i64::from(y) as u64);
    }
    k.opt(r.summary.as_deref());
    k.str(e.summary());
    k.u64(e.body.text_fingerprint());
    k.u64(e.translations.len() as u64);
    for t in &e.translations {
        let text = &t.text;
        k.str(&text.lang);
        k.opt(text.title.as_deref());
        for list in [&text.organizers, &text.partners] {
            k.u64(u64::from(list.is_some()));
            k.strs(list.iter().flatten().map(|n| &**n));
        }
        k.opt(text.summary.as_deref());
        k.str(&t.summary);
        k.u64(t.body.text_fingerprint());
    }
    k.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bodies::Bodies;
    use crate::markdown::{Heading, Rendered};

    fn keys(site: &Site) -> Vec<u64> {
        let registries = registries_key(site);
        site.entries
            .iter()
            .map(|e| record_key(e, registries))
            .collect()
    }

    /// The keys after `change`: only the first entry's changes when `only_first`,
    /// every key when not.
    fn changes(change: impl FnOnce(&mut Site), only_first: bool) {
        let mut site = crate::site::views_fixture();
        assert!(site.entries.len() > 1);
        let before = keys(&site);
        change(&mut site);
        let after = keys(&site);
        let changed: Vec<bool> = before.iter().zip(&after).map(|(a, b)| a != b).collect();
        if only_first {
            assert!(changed[0], "the key did not change");
            assert!(
                !changed[1..].contains(&true),
                "another key changed: {changed:?}"
            );
        } else {
            assert!(
                !changed.contains(&false),
                "a key did not change: {changed:?}"
            );
        }
    }

    fn body(plain: &str, html: &str, toc: &[&str]) -> crate::bodies::Body {
        Bodies::new().put(Rendered {
            html: html.into(),
            plain: plain.into(),
            toc: (toc.iter())
                .map(|t| Heading {
                    level: 2,
                    id: t.to_lowercase(),
                    text: (*t).into(),
                })
                .collect(),
            ..Rendered::default()
        })
    }

    /// `list` with `item` after it.
    fn pushed<T: Clone>(list: &[T], item: T) -> Box<[T]> {
        list.iter().cloned().chain([item]).collect()
    }

    #[test]
    fn the_key_changes_with_every_text_and_field_the_index_reads() {
        changes(|s| s.entries[0].record.title.push('!'), true);
        changes(
            |s| {
                let r = &mut s.entries[0].record;
                r.tags = pushed(&r.tags, "new tag".into());
            },
            true,
        );
        changes(
            |s| {
                let r = &mut s.entries[0].record;
                r.organizers = pushed(&r.organizers, "Someone".into());
            },
            true,
        );
        changes(
            |s| s.entries[0].record.summary = Some("Other.".into()),
            true,
        );
        changes(|s| s.entries[0].own_summary = Some("Other!".into()), true);
        changes(|s| s.entries[0].record.date.year -= 1, true);
        changes(
            |s| {
                let r = &mut s.entries[0].record;
                r.cities = pushed(&r.cities, 0);
            },
            true,
        );
        changes(
            |s| s.entries[0].body = body("text", "<p>text</p>", &[]),
            true,
        );
    }

    #[test]
    fn the_key_of_every_record_changes_with_the_names_of_the_registries() {
        changes(
            |s| s.registry.cities[0].aliases.push("Another".into()),
            false,
        );
        changes(
            |s| {
                s.registry.cities[0]
                    .names
                    .insert("fr".into(), "Ville".into());
            },
            false,
        );
        let mut org = crate::organizations::Organizations::default();
        changes(
            move |s| {
                org.list.push(crate::organizations::Organization {
                    id: "city-hall".into(),
                    names: [("en".to_string(), "City Hall".to_string())].into(),
                    aliases: Vec::new(),
                    kind: crate::organizations::OrgKind::CityGovernment,
                    country: String::new(),
                    parent: None,
                    url: None,
                    pos: crate::diag::Pos::UNKNOWN,
                });
                s.organizations = std::mem::take(&mut org);
            },
            false,
        );
    }

    #[test]
    fn the_key_reads_the_plain_text_and_headings_of_a_body_not_its_html() {
        let key = |b: crate::bodies::Body| {
            let mut site = crate::site::views_fixture();
            site.entries[0].body = b;
            keys(&site)[0]
        };
        let first = key(body("text", "<p>text</p>", &["A"]));
        assert_eq!(
            first,
            key(body("text", "<p><a href=\"/x/\">text</a></p>", &["A"]))
        );
        assert_ne!(first, key(body("text.", "<p>text</p>", &["A"])));
        assert_ne!(first, key(body("text", "<p>text</p>", &["B"])));
        assert_ne!(first, key(body("text", "<p>text</p>", &[])));
    }

    #[test]
    fn a_blob_of_passages_reads_back_and_a_damaged_one_is_refused() {
        let p = Passages {
            file: b"{\"p\":[]}".to_vec(),
            words: "계획\n협력\n".into(),
            snippets: vec!["A start.".into(), String::new()],
        };
        let bytes = p.encode();
        let back = Passages::decode(&bytes).unwrap();
        assert_eq!(
            (back.file, back.words, back.snippets),
            (p.file, p.words, p.snippets)
        );
        for cut in 0..bytes.len() {
            assert!(Passages::decode(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        // A word empty, or with a line break in it, is not one word a line.
        for words in [["계획", ""], ["계획", "협\n력"]] {
            let mut bytes = Vec::new();
            put_bytes(&mut bytes, b"{}");
            put_varint(&mut bytes, 2);
            for w in words {
                put_bytes(&mut bytes, w.as_bytes());
            }
            put_varint(&mut bytes, 0);
            assert!(Passages::decode(&bytes).is_none(), "{words:?}");
        }
    }
}
