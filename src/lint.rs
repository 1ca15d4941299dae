//! Warnings: what does not stop a build but deserves an editor's look — a record
//! without a summary, a city of the registry that no record names, an organizer the
//! organization registry does not know. A build shows
//! them and succeeds, unless it is run strictly (`--strict`).

use std::path::Path;

use crate::content::Partial;
use crate::diag::{Code, Diagnostic, Pos};
use crate::limits::MAX_ERRORS_PER_FILE;
use crate::names::Name;
use crate::organizations::ORGANIZATIONS_FILE;
use crate::registry::REGISTRY_FILE;
use crate::site::Site;
use crate::yaml::{Block, Seg};

/// Every warning about the site, in file order. `failed` are the records that did not
/// parse: the cities they name are used too, and when some record's cities cannot
/// be read, no city is called unused; so are the cities of the drafts left out
/// (`draft_cities`).
pub fn warnings(site: &Site, failed: &[Partial], draft_cities: &[usize]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for e in &site.entries {
        let r = &e.record;
        if r.summary.is_none() {
            // At the closing `---`, where the line goes.
            out.push(
                Diagnostic::warning(
                    Code::NoSummary,
                    &r.source,
                    Pos::new((r.body_line as usize).saturating_sub(1).max(1), 1),
                    "no `summary`: lists, search and feeds show the first paragraph instead",
                )
                .with_help("add `summary: …`, one or two sentences, to the front matter"),
            );
        }
    }
    let named: Option<Vec<usize>> = failed
        .iter()
        .map(|p| p.cities.clone())
        .collect::<Option<Vec<_>>>()
        .map(|lists| [lists.concat(), draft_cities.to_vec()].concat());
    if let Some(named) = named {
        out.extend(unused_cities(site, &named));
    }
    out.sort();
    out
}

/// Cities no record names, in `cities` or `pairs`, directly or through a place
/// inside them (a province is used when one of its cities is); `named` are the cities
/// of records that failed.
fn unused_cities(site: &Site, named: &[usize]) -> Vec<Diagnostic> {
    let cities = &site.registry.cities;
    let mut used = vec![false; cities.len()];
    for e in &site.entries {
        let pairs = match &e.record.details {
            crate::content::Details::Program(p) => p.pairs.iter().flatten().copied().collect(),
            _ => Vec::new(),
        };
        mark_used(
            &mut used,
            e.record.cities.iter().chain(&pairs).copied(),
            cities,
        );
    }
    mark_used(&mut used, named.iter().copied(), cities);
    if used.iter().all(|u| *u) {
        return Vec::new();
    }
    let unused: Vec<usize> = (0..cities.len()).filter(|&id| !used[id]).collect();
    let more = unused.len().saturating_sub(MAX_ERRORS_PER_FILE);
    let end = site.registry.end;
    unused
        .into_iter()
        .take(MAX_ERRORS_PER_FILE)
        .map(|id| {
            Diagnostic::warning(
                Code::UnusedCity,
                REGISTRY_FILE,
                cities[id].pos,
                format!("no record names the city `{}`", cities[id].id),
            )
            .with_help(format!(
                "its page {} lists nothing; name it in a record's `cities`, or remove the entry",
                site.city_url(id)
            ))
        })
        .chain((more > 0).then(|| Diagnostic::omitted(REGISTRY_FILE, end, Some(more))))
        .collect()
}

/// Marks `named` and the places that hold them as used.
fn mark_used(
    used: &mut [bool],
    named: impl Iterator<Item = usize>,
    cities: &[crate::registry::City],
) {
    for c in named {
        // Up the parents; the registry refuses cycles, the bound is a safeguard.
        let mut at = Some(c);
        for _ in 0..=cities.len() {
            let Some(id) = at else { break };
            used[id] = true;
            at = cities[id].parent;
        }
    }
}

/// Every name in `organizers` and `partners`, of the records and of their
/// translations, that the organization registry does not know, as a warning at the
/// name (an error under `--strict`, as every warning); none without the registry.
/// `text_of` gives a file's text, for the positions: only the files with such a name
/// are read again.
pub fn unknown_organizations(
    site: &Site,
    text_of: &dyn Fn(&Path) -> Option<String>,
) -> Vec<Diagnostic> {
    if !site.organizations.present {
        return Vec::new();
    }
    let mut out = Vec::new();
    for e in &site.entries {
        let r = &e.record;
        out.extend(unknown_in(
            site,
            &r.source,
            &r.organizers,
            &r.partners,
            text_of,
        ));
        for t in &e.translations {
            let (organizers, partners) = (&t.text.organizers, &t.text.partners);
            let (organizers, partners) = (
                organizers.as_deref().unwrap_or_default(),
                partners.as_deref().unwrap_or_default(),
            );
            out.extend(unknown_in(
                site,
                &t.text.source,
                organizers,
                partners,
                text_of,
            ));
        }
    }
    out.sort();
    out
}

/// The unknown organizations of one file, whose `organizers` and `partners` are given.
fn unknown_in(
    site: &Site,
    file: &Path,
    organizers: &[Name],
    partners: &[Name],
    text_of: &dyn Fn(&Path) -> Option<String>,
) -> Vec<Diagnostic> {
    let orgs = &site.organizations;
    let unknown: Vec<(&str, usize, &Name)> = (organizers.iter().enumerate())
        .map(|(i, n)| ("organizers", i, n))
        .chain(partners.iter().enumerate().map(|(i, n)| ("partners", i, n)))
        .filter(|(_, _, n)| orgs.resolve(n).is_none())
        .take(MAX_ERRORS_PER_FILE)
        .collect();
    if unknown.is_empty() {
        return Vec::new();
    }
    let spans = text_of(file).and_then(|text| {
        let split = crate::content::split_front_matter(&text).ok()?;
        let block = Block::new(file, split.front, split.front_line);
        block.parse_mapping("the front matter").ok().map(|(_, s)| s)
    });
    let add = format!(
        "a new organization needs an entry in {ORGANIZATIONS_FILE} (`id: {{name: {{ko: …, en: …}}, kind: city-government, country: KR}}`); another spelling of a known one goes in its `aliases`"
    );
    unknown
        .into_iter()
        .map(|(field, i, name)| {
            let path = [Seg::from(field), Seg::Index(i)];
            let pos = (spans.as_ref())
                .and_then(|s| s.value(&path))
                .unwrap_or(Pos::UNKNOWN);
            let near = orgs.suggest(name);
            let help = if near.is_empty() {
                add.clone()
            } else {
                format!("did you mean {}? Otherwise: {add}", near.join(" or "))
            };
            Diagnostic::warning(
                Code::UnknownOrganization,
                file,
                pos,
                format!("unknown organization `{name}`"),
            )
            .with_help(help)
        })
        .collect()
}
