//! Translations: `content/programs/foo.ja.md` is the Japanese translation of
//! `content/programs/foo.md` (the file-name convention of Hugo and Zola), on a site of
//! several editions (`languages:`). A translation has the original's facts: it may give
//! its own title, summary, organizers, partners and body, and repeat any other field
//! only with the original's value — another date, other cities or another budget is a
//! located error (`Code::TranslationFact`). Its body is Markdown like any record's.

use std::path::PathBuf;

use rayon::prelude::*;
use serde_yaml::{Mapping, Value};

use crate::content::{Record, split_front_matter};
use crate::date::PartialDate;
use crate::diag::{Code, Diagnostic};
use crate::names::Name;
use crate::registry::Registry;
use crate::source::{Listed, SourceFile};
use crate::yaml::{Block, Fields};

pub use crate::kind::TEXT_FIELDS;

/// A translation, read and checked against its original.
#[derive(Debug, Clone)]
pub struct Translation {
    /// Its language: the one its file name ends with.
    pub lang: String,
    /// Its file: `content/programs/foo.ja.md`.
    pub source: PathBuf,
    /// The original's file: `content/programs/foo.md`.
    pub original: PathBuf,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub organizers: Option<Vec<Name>>,
    pub partners: Option<Vec<Name>>,
    pub body: String,
    /// File line of the body's first line.
    pub body_line: usize,
    /// A hash of the file, for the fingerprints.
    pub source_hash: u64,
}

/// A translation's file, not read yet: the file and its language.
#[derive(Debug)]
pub struct Pending {
    pub file: SourceFile,
    pub lang: String,
    pub original: PathBuf,
}

/// Takes the translations out of `files`: each `<stem>.<lang>.md` where `lang` is one of
/// the site's languages and `<stem>.md` is in the same folder. On a site of one
/// edition there are none: every file is a record, as it always was.
pub fn take(files: &mut Vec<SourceFile>, languages: &[String]) -> Vec<Pending> {
    split_off(files, languages, |f| (&f.rel_path, f.stem.clone()))
        .into_iter()
        .map(|(file, lang, original)| Pending {
            file,
            lang,
            original,
        })
        .collect()
}

/// `take` for record files listed and not read yet (`source::list`): the
/// translations' files are read (in parallel) and taken out of `listed`; the problems
/// of those that cannot be read are returned.
pub fn take_listed(
    listed: &mut Vec<Listed>,
    languages: &[String],
) -> (Vec<Pending>, Vec<Diagnostic>) {
    let taken = split_off(listed, languages, |f| (&f.rel_path, f.stem()));
    let read: Vec<_> = (taken.into_par_iter())
        .map(|(file, lang, original)| {
            file.read().map(|file| Pending {
                file,
                lang,
                original,
            })
        })
        .collect();
    let mut pending = Vec::new();
    let mut diags = Vec::new();
    for r in read {
        match r {
            Ok(p) => pending.push(p),
            Err(d) => diags.push(d),
        }
    }
    (pending, diags)
}

/// Takes the translations' files out of `files`, in order, each with its language and
/// its original's path; `name` gives a file's path and stem.
fn split_off<T>(
    files: &mut Vec<T>,
    languages: &[String],
    name: impl Fn(&T) -> (&PathBuf, String),
) -> Vec<(T, String, PathBuf)> {
    if languages.len() < 2 {
        return Vec::new();
    }
    let originals: std::collections::HashSet<PathBuf> =
        files.iter().map(|f| name(f).0.clone()).collect();
    let mut taken = Vec::new();
    for f in std::mem::take(files) {
        let (path, stem) = name(&f);
        let translation = stem.rsplit_once('.').and_then(|(stem, lang)| {
            let original = path.with_file_name(format!("{stem}.md"));
            (languages.iter().any(|l| l == lang) && originals.contains(&original))
                .then(|| (lang.to_string(), original))
        });
        match translation {
            Some((lang, original)) => taken.push((f, lang, original)),
            None => files.push(f),
        }
    }
    taken
}

/// Reads a translation against its original (`original_file` is the original's
/// source). Returns it with its problems, or only the problems.
pub fn read(
    pending: &Pending,
    original: &Record,
    original_file: &SourceFile,
    registry: &Registry,
) -> (Option<Translation>, Vec<Diagnostic>) {
    let file = &pending.file;
    let path = file.rel_path.as_path();
    let split = match split_front_matter(&file.text) {
        Ok(s) => s,
        Err((pos, msg, help)) => {
            let d = Diagnostic::error(Code::FrontMatter, path, pos, msg).with_help(help);
            return (None, vec![d]);
        }
    };
    let block = Block::new(path, split.front, split.front_line);
    let (map, spans) = match block.parse_mapping("front matter") {
        Ok(parsed) => parsed,
        Err(d) => return (None, vec![d]),
    };
    let keys: Vec<String> = map
        .keys()
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect();
    let facts = original_front_matter(original_file);
    let allowed: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut f = Fields::new(block, &spans, map, &allowed, "a translation");
    f.refuse_control_characters();
    let mut t = Translation {
        lang: pending.lang.clone(),
        source: file.rel_path.clone(),
        original: pending.original.clone(),
        title: f.take("title"),
        summary: f.take("summary"),
        organizers: f.take("organizers"),
        partners: f.take("partners"),
        body: split.body.to_string(),
        body_line: split.body_line,
        source_hash: 0,
    };
    for key in keys.iter().filter(|k| !TEXT_FIELDS.contains(&k.as_str())) {
        let pos = f.value_pos(key, &[]);
        let Some(value) = f.take_value(key) else {
            continue;
        };
        if let Some(problem) = contradiction(key, &value, pending, original, &facts, registry) {
            f.error(
                Code::TranslationFact,
                pos,
                problem,
                Some(format!(
                    "a translation shares the facts of {}: leave `{key}` out, or give it the original's value",
                    pending.original.display()
                )),
            );
        }
    }
    let diags = f.finish();
    if diags.iter().any(Diagnostic::is_error) {
        return (None, diags);
    }
    if t.title.as_deref().is_some_and(|s| s.trim().is_empty()) {
        t.title = None;
    }
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    file.text.hash(&mut h);
    t.source_hash = h.finish();
    (Some(t), diags)
}

/// The original's front matter, as a mapping (empty if it cannot be read: the original
/// reports that itself).
fn original_front_matter(file: &SourceFile) -> Mapping {
    split_front_matter(&file.text)
        .ok()
        .and_then(|s| serde_yaml::from_str(s.front).ok())
        .unwrap_or_default()
}

/// What is wrong with fact `key: value` of a translation, if it contradicts the
/// original.
fn contradiction(
    key: &str,
    value: &Value,
    pending: &Pending,
    original: &Record,
    facts: &Mapping,
    registry: &Registry,
) -> Option<String> {
    let name = pending.original.display();
    let agrees = match key {
        "lang" => value.as_str() == Some(pending.lang.as_str()),
        "date" => date(value) == Some(original.date),
        "end" => date(value).is_some() && date(value) == original.end,
        "cities" => {
            let ids: Option<Vec<_>> = value.as_sequence().and_then(|names| {
                names
                    .iter()
                    .map(|n| n.as_str().and_then(|n| registry.resolve(n)))
                    .collect()
            });
            let mut theirs = original.cities.to_vec();
            theirs.sort_unstable();
            ids.map(|mut ids| {
                ids.sort_unstable();
                ids
            }) == Some(theirs)
        }
        _ => facts.get(key) == Some(value),
    };
    if agrees {
        return None;
    }
    Some(match (key, facts.get(key)) {
        ("lang", _) => format!(
            "this file is the `{}` translation of {name}: its `lang` cannot be another",
            pending.lang
        ),
        (_, Some(theirs)) => format!(
            "`{key}` contradicts the original {name}: `{}` here, `{}` there",
            inline(value),
            inline(theirs)
        ),
        (_, None) => format!("`{key}` is not a field of the original {name}"),
    })
}

/// A date field's value, as a date.
fn date(value: &Value) -> Option<PartialDate> {
    match value {
        Value::String(s) => PartialDate::parse(s).ok(),
        Value::Number(n) => PartialDate::parse(&n.to_string()).ok(),
        _ => None,
    }
}

/// A YAML value on one line, for a message.
fn inline(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}
