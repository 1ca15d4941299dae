//! Relations between records: the program a trip or workshop served (`program:`), the
//! series a workshop is an edition of (`series:`, `number:`), and the records any
//! record names as related (`related:`). `take` reads the fields as written (with
//! where they are written); `resolve` finds what each reference points to once every
//! record is read, and reports a reference that points nowhere, or to a record of the
//! wrong kind, as a located error with a did-you-mean. Knows records only through
//! `Node`, so that `content` (which reads the fields) and `site` (which holds the
//! result) both depend on it and it on neither.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

use serde_yaml::Value;

use crate::diag::{Code, Diagnostic, Pos, did_you_mean};
use crate::kind::Kind;
use crate::paths::{check_slug, join_relative};
use crate::yaml::Fields;

/// A reference to another record, as written: its slug (`seoul-yokohama`), its section
/// and slug (`trips/seoul-yokohama`), or the path of its file relative to the
/// referring file (`../programs/seoul-yokohama.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub text: String,
    /// Where the reference is written in its file.
    pub pos: Pos,
}

/// The relation fields of a record, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// `program:` (trips and workshops): the program it served.
    pub program: Option<Reference>,
    /// `series:` (workshops): the slug of the series, which is also its URL.
    pub series: Option<Reference>,
    /// `number:` (workshops): the edition's number within its series, from 1.
    pub number: Option<(u32, Pos)>,
    /// `related:`: other records, shown on both records' pages.
    pub related: Vec<Reference>,
}

impl Links {
    /// No relation.
    pub const NONE: Links = Links {
        program: None,
        series: None,
        number: None,
        related: Vec::new(),
    };

    /// In a box of its own, or `None` when there is no relation: a record holds its
    /// links this way, most records having none.
    pub fn boxed(self) -> Option<Box<Links>> {
        (self != Links::NONE).then(|| Box::new(self))
    }
}

/// The relation fields of each kind, besides `related`, which every kind has.
pub const PROGRAM_FIELD: &str = "program";
pub const SERIES_FIELDS: &[&str] = &["series", "number"];
pub const RELATED_FIELD: &str = "related";

/// Reads the relation fields of a record of `kind` (fields of another kind were
/// already refused), each with its position.
pub(crate) fn take(f: &mut Fields<'_>, kind: Kind) -> Links {
    let mut links = Links::default();
    if kind != Kind::Program {
        links.program = take_reference(f, PROGRAM_FIELD);
    }
    if kind == Kind::Workshop {
        links.series = take_reference(f, "series");
        if let Some(series) = &links.series
            && let Err(why) = check_slug(&series.text)
        {
            let message = format!(
                "the series `{}` is not a URL segment: it {why}",
                series.text
            );
            let help = "name a series by a short slug, e.g. `series: green-purchasing`";
            f.error(Code::InvalidSlug, series.pos, message, Some(help.into()));
            links.series = None;
        }
        // The positions are read only for the fields a record has.
        let pos = || f.value_pos("number", &[]);
        links.number = f.has("number").then(pos).and_then(|pos| {
            let n = f.take::<u32>("number")?;
            if n == 0 {
                let help = "editions are numbered from 1".to_string();
                f.error(Code::InvalidValue, pos, "`number` is 0", Some(help));
                return None;
            }
            Some((n, pos))
        });
    }
    links.related = take_references(f, RELATED_FIELD);
    links
}

/// One reference: non-empty text.
fn take_reference(f: &mut Fields<'_>, key: &str) -> Option<Reference> {
    if !f.has(key) {
        return None;
    }
    let pos = f.value_pos(key, &[]);
    let text: String = f.take(key)?;
    let text = text.trim().to_string();
    if text.is_empty() {
        f.error(Code::EmptyValue, pos, format!("`{key}` is empty"), None);
        return None;
    }
    Some(Reference { text, pos })
}

/// A list of references (one is taken as a list of one), each at its place.
fn take_references(f: &mut Fields<'_>, key: &str) -> Vec<Reference> {
    if !f.has(key) {
        return Vec::new();
    }
    let whole = f.value_pos(key, &[]);
    let items = match f.take_value(key) {
        None => return Vec::new(),
        Some(Value::String(s)) => vec![(Value::String(s), whole)],
        Some(Value::Sequence(list)) => (list.into_iter().enumerate())
            .map(|(i, v)| (v, f.value_pos(key, &[i.into()])))
            .collect(),
        Some(_) => {
            let help = format!("write `{key}: [../trips/some-trip.md, programs/some-program]`");
            let message = format!("field `{key}` must be a list of records");
            f.error(Code::WrongType, whole, message, Some(help));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (value, pos) in items {
        match value {
            Value::String(s) if !s.trim().is_empty() => out.push(Reference {
                text: s.trim().to_string(),
                pos,
            }),
            _ => {
                let message = format!("an entry of `{key}` is not the slug or path of a record");
                f.error(Code::WrongType, pos, message, None);
            }
        }
    }
    out
}

/// What `resolve` needs to know of a record.
pub struct Node<'a> {
    pub kind: Kind,
    pub slug: &'a str,
    /// Its file, relative to the site's root: `content/trips/x.md`.
    pub source: &'a Path,
    pub links: &'a Links,
}

/// The relations of a site's entries (indexes of `Site::entries`). Only the entries
/// that have one are held: most have none.
#[derive(Debug, Default)]
pub struct Relations {
    /// By entry: the program it served.
    program: BTreeMap<usize, usize>,
    /// By entry (of a program): the trips and workshops that served it, oldest first.
    served: BTreeMap<usize, Vec<usize>>,
    /// By entry: the records related to it, either way, in the order of the entries.
    related: BTreeMap<usize, Vec<usize>>,
    /// Every series, by slug.
    pub series: Vec<Series>,
    /// By entry: its series (an index of `series`).
    series_of: BTreeMap<usize, usize>,
}

impl Relations {
    /// The program entry `i` served.
    pub fn program(&self, i: usize) -> Option<usize> {
        self.program.get(&i).copied()
    }

    /// The trips and workshops that served entry `i` (a program), oldest first.
    pub fn served(&self, i: usize) -> &[usize] {
        self.served.get(&i).map_or(&[], Vec::as_slice)
    }

    /// The records related to entry `i`, either way, in the order of the entries.
    pub fn related(&self, i: usize) -> &[usize] {
        self.related.get(&i).map_or(&[], Vec::as_slice)
    }

    /// The series of entry `i` (an index of `series`).
    pub fn series_of(&self, i: usize) -> Option<usize> {
        self.series_of.get(&i).copied()
    }
}

/// A series of workshops.
#[derive(Debug)]
pub struct Series {
    pub slug: String,
    /// Its editions: the numbered ones by number, then the others oldest first.
    pub editions: Vec<usize>,
}

/// Resolves every reference of `nodes` (the entries, newest first). `all_sources` holds
/// every record file, also those left out (drafts) or that failed to parse: a
/// reference to one of them is not reported, and leads nowhere.
pub fn resolve(nodes: &[Node<'_>], all_sources: &HashSet<&Path>) -> (Relations, Vec<Diagnostic>) {
    let index = Index::new(nodes, all_sources);
    let mut rel = Relations::default();
    let mut diags = Vec::new();
    let mut related: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for (i, node) in nodes.iter().enumerate() {
        if let Some(r) = &node.links.program {
            match index.find(node, r, Some(Kind::Program)) {
                Ok(Some(p)) => {
                    rel.program.insert(i, p);
                }
                Ok(None) => {}
                Err(d) => diags.push(d),
            }
        }
        for r in &node.links.related {
            match index.find(node, r, None) {
                Ok(Some(j)) if j != i => {
                    related.entry(i).or_default().insert(j);
                    related.entry(j).or_default().insert(i);
                }
                Ok(_) => {}
                Err(d) => diags.push(d),
            }
        }
    }
    // Oldest first: the entries are newest first.
    for (&i, &p) in rel.program.iter().rev() {
        rel.served.entry(p).or_default().push(i);
    }
    rel.related = (related.into_iter())
        .map(|(i, set)| (i, set.into_iter().collect()))
        .collect();
    series(nodes, &mut rel, &mut diags);
    (rel, diags)
}

/// Groups the workshops into their series; a number given twice in one series is an
/// error at the second (by file path).
fn series(nodes: &[Node<'_>], rel: &mut Relations, diags: &mut Vec<Diagnostic>) {
    let mut by_slug: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, node) in nodes.iter().enumerate() {
        if let Some(s) = &node.links.series {
            by_slug.entry(s.text.as_str()).or_default().push(i);
        }
    }
    for (slug, mut members) in by_slug {
        let number = |i: usize| nodes[i].links.number.map(|(n, _)| n);
        members.sort_by_key(|&i| nodes[i].source);
        let mut seen: BTreeMap<u32, usize> = BTreeMap::new();
        for &i in &members {
            let Some((n, pos)) = nodes[i].links.number else {
                continue;
            };
            if let Some(&first) = seen.get(&n) {
                let message = format!(
                    "number {n} of the series `{slug}` is also the number of {}",
                    nodes[first].source.display()
                );
                let help = "give each edition of a series its own number";
                diags.push(
                    Diagnostic::error(Code::DuplicateNumber, nodes[i].source, pos, message)
                        .with_help(help),
                );
            } else {
                seen.insert(n, i);
            }
        }
        // Numbered by number, then the others oldest first (the entries are newest first).
        members.sort_by_key(|&i| (number(i).is_none(), number(i), std::cmp::Reverse(i)));
        let k = rel.series.len();
        for &i in &members {
            rel.series_of.insert(i, k);
        }
        rel.series.push(Series {
            slug: slug.to_string(),
            editions: members,
        });
    }
}

/// The records by the names a reference may use.
struct Index<'a> {
    by_source: HashMap<&'a Path, usize>,
    by_slug: HashMap<(Kind, &'a str), usize>,
    /// Every record file's kind and file stem, also of those not built.
    known: HashSet<(Kind, String)>,
    all_sources: &'a HashSet<&'a Path>,
    nodes: &'a [Node<'a>],
}

impl<'a> Index<'a> {
    fn new(nodes: &'a [Node<'a>], all_sources: &'a HashSet<&'a Path>) -> Self {
        let known = (all_sources.iter())
            .filter_map(|p| {
                let section = p.parent()?.file_name()?.to_str()?;
                let stem = p.file_stem()?.to_str()?;
                Some((Kind::from_section(section)?, stem.to_string()))
            })
            .collect();
        Index {
            by_source: (nodes.iter().enumerate())
                .map(|(i, n)| (n.source, i))
                .collect(),
            by_slug: (nodes.iter().enumerate())
                .map(|(i, n)| ((n.kind, n.slug), i))
                .collect(),
            known,
            all_sources,
            nodes,
        }
    }

    /// The entry `r` (written in `from`) points to, of kind `want` when given; `None`
    /// for a record that exists but is not built (a draft); an error otherwise.
    fn find(
        &self,
        from: &Node<'_>,
        r: &Reference,
        want: Option<Kind>,
    ) -> Result<Option<usize>, Diagnostic> {
        let text = r.text.as_str();
        let found = if text.ends_with(".md") {
            self.by_path(from, text)
        } else if let Some((section, slug)) = text.split_once('/') {
            match Kind::from_section(section) {
                Some(kind) => self.by_slug(kind, slug),
                None => Found::Nowhere,
            }
        } else {
            let kinds: Vec<Kind> = want.map_or(Kind::ALL.to_vec(), |k| vec![k]);
            let hits: Vec<Found> = (kinds.iter())
                .map(|&k| self.by_slug(k, text))
                .filter(|f| !matches!(f, Found::Nowhere))
                .collect();
            match hits.as_slice() {
                [] => Found::Nowhere,
                [one] => *one,
                _ => Found::Ambiguous,
            }
        };
        let field = if want.is_some() {
            PROGRAM_FIELD
        } else {
            RELATED_FIELD
        };
        let error = |message: String, help: Option<String>| {
            Diagnostic::error(Code::BrokenReference, from.source, r.pos, message)
                .with_help_opt(help)
        };
        match found {
            Found::Entry(i) => match want {
                Some(kind) if self.nodes[i].kind != kind => Err(error(
                    format!(
                        "`{field}: {text}` is a {}, not a {}",
                        self.nodes[i].kind.id(),
                        kind.id()
                    ),
                    Some(format!("name a record of content/{}/", kind.section())),
                )),
                _ => Ok(Some(i)),
            },
            Found::NotBuilt => Ok(None),
            Found::Ambiguous => Err(error(
                format!("`{field}: {text}` names records of several kinds"),
                Some(format!("write the section too, e.g. `trips/{text}`")),
            )),
            Found::Nowhere => Err(error(
                format!("`{field}: {text}` points to no record"),
                Some(self.suggestion(text, want)),
            )),
        }
    }

    fn by_slug(&self, kind: Kind, slug: &str) -> Found {
        match self.by_slug.get(&(kind, slug)) {
            Some(&i) => Found::Entry(i),
            None if self.known.contains(&(kind, slug.to_string())) => Found::NotBuilt,
            None => Found::Nowhere,
        }
    }

    fn by_path(&self, from: &Node<'_>, text: &str) -> Found {
        let dir = from.source.parent().unwrap_or(Path::new(""));
        let target = join_relative(dir, text).map(|p| crate::paths::nfc_path(&p));
        let Some(target) = target else {
            return Found::Nowhere;
        };
        match self.by_source.get(target.as_path()) {
            Some(&i) => Found::Entry(i),
            None if self.all_sources.contains(target.as_path()) => Found::NotBuilt,
            None => Found::Nowhere,
        }
    }

    /// A did-you-mean among the slugs of the kind wanted (of any kind for `related`),
    /// and how references are written.
    fn suggestion(&self, text: &str, want: Option<Kind>) -> String {
        let wanted = text
            .rsplit('/')
            .next()
            .unwrap_or(text)
            .trim_end_matches(".md");
        let slugs = (self.nodes.iter())
            .filter(|n| want.is_none_or(|k| n.kind == k))
            .map(|n| n.slug);
        let how = "name a record by its slug, `section/slug`, or the path of its file, e.g. `../programs/seoul-yokohama.md`";
        match did_you_mean(wanted, slugs) {
            Some(hint) => format!("{hint} ({how})"),
            None => how.to_string(),
        }
    }
}

/// Where a reference points.
#[derive(Clone, Copy)]
enum Found {
    Entry(usize),
    NotBuilt,
    Ambiguous,
    Nowhere,
}
