//! Fingerprints: for every route, a hash of everything its page is made from. Two
//! builds whose fingerprints for a route agree produce the same bytes for it, so an
//! incremental build (or `serve`) renders and writes only the routes whose
//! fingerprint changed. Pure: reads the site model, never files.
//!
//! The match over `Page` is exhaustive on purpose: a new page type must say what it
//! depends on. Anything every page shows (configuration, registry, templates, UI
//! strings, the accord binary itself) goes into the global fingerprint, which is part
//! of every route's. Nothing every page shows depends on the number of records, so
//! that a new record renders again only the pages that show it.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use rayon::prelude::*;

use crate::content::{Budget, Cost, Details, Program, Trip, Workshop};
use crate::kind::Kind;
use crate::routes::{Page, Route};
use crate::site::{Entry, Site};
use crate::theme::Theme;

/// Records shown on the home page and in the feed: must match `render`.
const HOME_LATEST: usize = crate::render::HOME_LATEST;
const FEED_ENTRIES: usize = crate::render::FEED_ENTRIES;

fn hasher() -> DefaultHasher {
    // `DefaultHasher::new()` uses fixed keys: the same input gives the same hash in
    // every run of one binary (the binary is part of the global fingerprint).
    DefaultHasher::new()
}

/// The hash of what a record's card shows (lists, city, year and home pages).
pub fn card(e: &Entry, base_path: &str) -> u64 {
    let r = &e.record;
    let mut h = hasher();
    (
        r.kind,
        &r.slug,
        &r.title,
        r.date,
        r.end,
        &r.cities,
        e.summary(),
        &r.lang,
        &e.years().collect::<Vec<i32>>(),
        &e.url(base_path),
    )
        .hash(&mut h);
    // The translations: an edition's card shows its title and summary.
    for t in &e.translations {
        (&t.text.lang, &t.text.title, &t.summary, t.text.source_hash).hash(&mut h);
    }
    // When it was added and last changed: feeds, sitemaps, the data.
    (r.updated(), r.history()).hash(&mut h);
    h.finish()
}

/// The hash of everything a record's own page shows.
pub fn page(e: &Entry, base_path: &str) -> u64 {
    let mut h = hasher();
    card(e, base_path).hash(&mut h);
    // The source file determines every field; the rendered body adds the URLs of
    // the records it links to.
    e.record.source_hash.hash(&mut h);
    e.body.fingerprint().hash(&mut h);
    for t in &e.translations {
        t.body.fingerprint().hash(&mut h);
    }
    h.finish()
}

/// The hash of a record's facts as the downloads hold them: its card and every
/// field of its front matter, not its body (a body edit leaves the data as it is).
pub fn data(e: &Entry, base_path: &str) -> u64 {
    let r = &e.record;
    let mut h = hasher();
    card(e, base_path).hash(&mut h);
    (&r.organizers, &r.partners, &r.tags, r.aliases()).hash(&mut h);
    r.sources().hash(&mut h);
    details(&r.details, &mut h);
    r.extra().to_string().hash(&mut h);
    h.finish()
}

/// A program's budget, each field named, the amounts by their bits.
fn budget_of(budget: Option<&Budget>, h: &mut DefaultHasher) {
    budget.is_some().hash(h);
    if let Some(Budget {
        unit,
        total,
        spent,
        by_year,
    }) = budget
    {
        let bits = |n: &Option<f64>| n.map(f64::to_bits);
        (unit, bits(total), bits(spent), by_year.len()).hash(h);
        for (year, amount) in by_year {
            (year, amount.to_bits()).hash(h);
        }
    }
}

/// The fields of a record's kind, each named (a new field does not compile until it
/// is hashed here), the amounts by their bits.
fn details(d: &Details, h: &mut DefaultHasher) {
    match d {
        Details::Program(Program {
            code,
            status,
            budget,
            pairs,
        }) => {
            (0u8, code, status, pairs).hash(h);
            budget_of(budget.as_deref(), h);
        }
        Details::Trip(Trip {
            travelers,
            purpose,
            cost,
        }) => {
            (1u8, travelers, purpose, cost.is_some()).hash(h);
            if let Some(cost) = cost {
                let Cost { amount, currency } = &**cost;
                (amount.to_bits(), currency).hash(h);
            }
        }
        Details::Workshop(Workshop {
            venue,
            format,
            participants,
        }) => (2u8, venue, format, participants).hash(h),
    }
}

/// Everything every page depends on.
pub fn global(site: &Site, theme: &Theme) -> u64 {
    let mut h = hasher();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    // A rebuilt binary has another size or modification time: its pages may differ.
    if let Some(meta) = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok())
    {
        meta.len().hash(&mut h);
        meta.modified().ok().hash(&mut h);
    }
    // The configuration, but not how the archive's folder was written (`--root .` or
    // its full path): no page shows it.
    let config = crate::config::Config {
        root: std::path::PathBuf::new(),
        ..site.config.clone()
    };
    format!("{config:?}").hash(&mut h);
    format!("{:?}", site.registry.cities).hash(&mut h);
    format!(
        "{:?}{:?}",
        site.organizations.list, site.topic_registry.list
    )
    .hash(&mut h);
    // The navigation links to these pages when they exist.
    (site.organizations.present, site.topics.topics.is_empty()).hash(&mut h);
    for t in theme.templates.iter().chain(&theme.overrides) {
        (&t.name, &t.text).hash(&mut h);
    }
    theme.strings.hash(&mut h);
    // The map's country outlines.
    theme.data.hash(&mut h);
    h.finish()
}

/// The number of records of each kind: the home page and the lists show them (the
/// navigation does not, so that a new record leaves the other pages as they were).
fn kind_counts(site: &Site, h: &mut DefaultHasher) {
    for kind in Kind::ALL {
        site.by_kind.get(&kind).map_or(0, Vec::len).hash(h);
    }
}

/// The fingerprint of every route, with its output file, in the order of `routes`.
///
/// `extra` is room left in the list for the files fingerprinted elsewhere, so that
/// adding them does not grow it (at a million records, growing it doubled a list of
/// 2.5 million entries, and held both copies for a moment: the peak of the build).
pub fn all<'r>(
    site: &Site,
    theme: &Theme,
    routes: &'r [Route],
    extra: usize,
) -> Vec<(&'r str, u64)> {
    let global = global(site, theme);
    let base = site.config.base_path.as_str();
    let cards: Vec<u64> = (site.entries.par_iter()).map(|e| card(e, base)).collect();
    let pages: Vec<u64> = (site.entries.par_iter()).map(|e| page(e, base)).collect();
    let facts: Vec<u64> = (site.entries.par_iter()).map(|e| data(e, base)).collect();
    let of = |idx: &[usize], h: &mut DefaultHasher| {
        for &i in idx {
            cards[i].hash(h);
        }
    };
    let feed = |idx: &[usize], h: &mut DefaultHasher| feed(site, &cards, idx, h);
    let lists = Lists::new(site, &cards, routes);
    let mut out = Vec::with_capacity(routes.len() + extra);
    routes
        .par_iter()
        .map(|route| {
            let mut h = hasher();
            (global, &route.file).hash(&mut h);
            match route.page {
                Page::Home => {
                    of(
                        &(0..site.entries.len().min(HOME_LATEST)).collect::<Vec<_>>(),
                        &mut h,
                    );
                    year_counts(site, &mut h);
                    city_counts(site, &mut h);
                    kind_counts(site, &mut h);
                }
                Page::List(kind, n) => {
                    let all = site.by_kind.get(&kind).map_or(&[][..], Vec::as_slice);
                    of(site.page_of(all, n), &mut h);
                    (site.list_pages(kind), all.len()).hash(&mut h);
                }
                Page::Record(i) => {
                    pages[i].hash(&mut h);
                    of(&related_of(site, i), &mut h);
                    // The status shown depends on the day of the build.
                    crate::facts::dates_say(&site.entries[i].record, site.today).hash(&mut h);
                }
                Page::Cities => {
                    city_counts(site, &mut h);
                    // The map's links: the pairs and their number of records.
                    for (pair, idx) in &site.pairs {
                        (pair, idx.len()).hash(&mut h);
                    }
                }
                Page::Years => year_counts(site, &mut h),
                Page::City(..) | Page::Pair(..) | Page::Year(..) | Page::Series(_) => {
                    listing(site, &cards, &lists, route.page, &mut h);
                }
                Page::Organizations | Page::Organization(..) | Page::Topics | Page::Topic(..) => {
                    entities(site, &cards, &lists, route.page, &mut h);
                }
                Page::Search | Page::NotFound => {}
                Page::Feed | Page::JsonFeed => {
                    feed(&(0..site.entries.len()).collect::<Vec<_>>(), &mut h);
                }
                Page::CityFeed(c) | Page::CityJsonFeed(c) => feed(&site.by_city[c], &mut h),
                Page::KindFeed(k) | Page::KindJsonFeed(k) => {
                    feed(site.by_kind.get(&k).map_or(&[][..], Vec::as_slice), &mut h);
                }
                Page::Sitemap | Page::SitemapIndex { .. } | Page::SitemapPart { .. } => {
                    lists.sitemap.hash(&mut h);
                }
                Page::Robots => {}
                Page::RecordJson(i) => {
                    pages[i].hash(&mut h);
                    cards[i].hash(&mut h);
                }
                Page::Alias(i, _) => cards[i].hash(&mut h),
                Page::Redirects => {
                    for e in &site.entries {
                        (e.record.aliases(), &e.url(&site.config.base_path)).hash(&mut h);
                    }
                }
                Page::Data | Page::DataFile(_) => {
                    facts.hash(&mut h);
                    cards.hash(&mut h);
                    city_counts(site, &mut h);
                }
            }
            (route.file.as_str(), h.finish())
        })
        .collect_into_vec(&mut out);
    out
}

/// The number of records of each kind in each year (the years' charts).
fn year_counts(site: &Site, h: &mut DefaultHasher) {
    for (year, idx) in &site.by_year {
        year.hash(h);
        for kind in Kind::ALL {
            idx.iter()
                .filter(|&&i| site.entries[i].record.kind == kind)
                .count()
                .hash(h);
        }
    }
}

/// The number of records of each city and place (the cities' counts and map).
fn city_counts(site: &Site, h: &mut DefaultHasher) {
    let places = (0..site.by_city.len()).map(|c| site.place(c));
    for idx in site.by_city.iter().map(Vec::as_slice).chain(places) {
        idx.len().hash(h);
    }
}

/// What every page of a long list shows of the whole list (its charts, counts and
/// pager), hashed once per list rather than once per page: cities, years, pairs and
/// organizations, which have a page per `paginate_by` records; and what every part
/// of the sitemap depends on, hashed once rather than once per part. Hashing them
/// once per page made the fingerprints grow with the square of a list's length.
struct Lists {
    city: Vec<u64>,
    year: BTreeMap<i32, u64>,
    pair: Vec<u64>,
    organization: Vec<u64>,
    sitemap: u64,
}

impl Lists {
    fn new(site: &Site, cards: &[u64], routes: &[Route]) -> Lists {
        let of = |idx: &[usize], h: &mut DefaultHasher| {
            for &i in idx {
                cards[i].hash(h);
            }
        };
        let city = (0..site.by_city.len())
            .into_par_iter()
            .map(|c| {
                let mut h = hasher();
                // The records by what they show, never by their numbers, which a new
                // record shifts.
                of(site.place(c), &mut h);
                of(&site.by_city[c], &mut h);
                (site.place(c).len(), site.by_city[c].len()).hash(&mut h);
                site.partners[c].hash(&mut h);
                h.finish()
            })
            .collect();
        let years: Vec<i32> = site.by_year.keys().copied().collect();
        let year = (site.by_year.par_iter())
            .map(|(&y, idx)| {
                let mut h = hasher();
                of(idx, &mut h);
                years.hash(&mut h);
                budgets(site, idx, &mut h);
                (y, h.finish())
            })
            .collect();
        let pair = (site.pairs.par_iter())
            .map(|(_, idx)| {
                let mut h = hasher();
                idx.len().hash(&mut h);
                budgets(site, idx, &mut h);
                h.finish()
            })
            .collect();
        let organization = (site.by_organization.par_iter())
            .map(|list| {
                let mut h = hasher();
                // The chart and the cities count every record, the list shows a page.
                for &(i, role) in list {
                    (cards[i], role).hash(&mut h);
                }
                h.finish()
            })
            .collect();
        // Every output path, and the `lastmod` of the records' pages.
        let mut h = hasher();
        for r in routes {
            r.file.hash(&mut h);
        }
        cards.hash(&mut h);
        Lists {
            city,
            year,
            pair,
            organization,
            sitemap: h.finish(),
        }
    }
}

/// The hash of the inputs of a page that lists records: a city's, a pair's, a year's,
/// a series'. Their cards, and what the page shows of the whole list.
fn listing(site: &Site, cards: &[u64], lists: &Lists, page: Page, h: &mut DefaultHasher) {
    let of = |idx: &[usize], h: &mut DefaultHasher| {
        for &i in idx {
            cards[i].hash(h);
        }
    };
    match page {
        // Each page of a city or a year shows the charts of all its records.
        Page::City(c, _) => lists.city[c].hash(h),
        Page::Pair(k, n) => {
            of(site.page_of(&site.pairs[k].1, n), h);
            lists.pair[k].hash(h);
        }
        Page::Year(y, _) => lists.year[&y].hash(h),
        Page::Series(k) => {
            of(&site.relations.series[k].editions, h);
            for &i in &site.relations.series[k].editions {
                site.entries[i]
                    .record
                    .links()
                    .number
                    .map(|(n, _)| n)
                    .hash(h);
            }
        }
        _ => {}
    }
}

/// The inputs of the organization and topic pages: their records' cards, roles and
/// counts.
fn entities(site: &Site, cards: &[u64], lists: &Lists, page: Page, h: &mut DefaultHasher) {
    let of_slice = |all: &[usize], n: usize, h: &mut DefaultHasher| {
        for &i in site.page_of(all, n) {
            cards[i].hash(h);
        }
        site.page_count(all.len()).hash(h);
    };
    match page {
        Page::Organizations => {
            for list in &site.by_organization {
                list.len().hash(h);
            }
        }
        Page::Organization(id, n) => {
            let list = &site.by_organization[id];
            lists.organization[id].hash(h);
            for &(i, _) in site.page_of(list, n) {
                cards[i].hash(h);
            }
            site.page_count(list.len()).hash(h);
        }
        Page::Topics => {
            for t in &site.topics.topics {
                (&t.slug, &t.text, t.entries.len()).hash(h);
            }
        }
        Page::Topic(t, n) => {
            let t = &site.topics.topics[t];
            t.text.hash(h);
            of_slice(&t.entries, n, h);
        }
        _ => {}
    }
}

/// The entries a record's page names besides itself: its program, what served it,
/// its related records and the other editions of its series.
fn related_of(site: &Site, i: usize) -> Vec<usize> {
    let rel = &site.relations;
    let mut out: Vec<usize> = rel.program(i).into_iter().collect();
    out.extend(rel.served(i));
    out.extend(rel.related(i));
    if let Some(k) = rel.series_of(i) {
        out.extend(&rel.series[k].editions);
    }
    out
}

/// The budgets of the programs of `idx`, which a year's chart shows and their cards do
/// not.
fn budgets(site: &Site, idx: &[usize], h: &mut DefaultHasher) {
    for &i in idx {
        if let Details::Program(p) = &site.entries[i].record.details {
            budget_of(p.budget.as_deref(), h);
        }
    }
}

/// The hash of a feed of `idx`: its entries in the feeds' order, or, for an empty
/// feed, the archive's last change (which dates it).
fn feed(site: &Site, cards: &[u64], idx: &[usize], h: &mut DefaultHasher) {
    let order = site.feed_order(idx);
    for &i in &order[..order.len().min(FEED_ENTRIES)] {
        cards[i].hash(h);
    }
    if order.is_empty() {
        let all = site.feed_order(&(0..site.entries.len()).collect::<Vec<_>>());
        all.first().map(|&first| cards[first]).hash(h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{Format, Status};

    fn of(d: &Details) -> u64 {
        let mut h = hasher();
        details(d, &mut h);
        h.finish()
    }

    /// Every field of every kind changes the hash of its details.
    #[test]
    fn every_field_of_the_details_counts() {
        let program = Program {
            code: Some("P-1".into()),
            status: Some(Status::Ongoing),
            budget: Some(Box::new(Budget {
                unit: Some("KRW".into()),
                total: Some(10.0),
                spent: Some(5.0),
                by_year: [(2024, 1.0)].into(),
            })),
            pairs: vec![[1, 2]],
        };
        let trip = Trip {
            travelers: Some(3),
            purpose: Some("방문".into()),
            cost: Some(Box::new(Cost {
                amount: 1.5,
                currency: "JPY".into(),
            })),
        };
        let workshop = Workshop {
            venue: Some("会場".into()),
            format: Some(Format::Forum),
            participants: vec!["서울".into()],
        };
        let p = |f: &dyn Fn(&mut Program)| {
            let mut p = program.clone();
            f(&mut p);
            Details::Program(p)
        };
        let b = |f: &dyn Fn(&mut Budget)| p(&|p| f(p.budget.as_mut().unwrap()));
        let t = |f: &dyn Fn(&mut Trip)| {
            let mut t = trip.clone();
            f(&mut t);
            Details::Trip(t)
        };
        let w = |f: &dyn Fn(&mut Workshop)| {
            let mut w = workshop.clone();
            f(&mut w);
            Details::Workshop(w)
        };
        let all = [
            p(&|_| {}),
            p(&|p| p.code = None),
            p(&|p| p.status = Some(Status::Completed)),
            p(&|p| p.budget = None),
            p(&|p| p.pairs = vec![[2, 1]]),
            b(&|b| b.unit = None),
            b(&|b| b.total = Some(11.0)),
            b(&|b| b.spent = None),
            b(&|b| b.by_year = [(2025, 1.0)].into()),
            b(&|b| b.by_year = [(2024, 2.0)].into()),
            t(&|_| {}),
            t(&|t| t.travelers = Some(4)),
            t(&|t| t.purpose = None),
            t(&|t| t.cost = None),
            t(&|t| t.cost.as_mut().unwrap().amount = 2.5),
            t(&|t| t.cost.as_mut().unwrap().currency = "KRW".into()),
            w(&|_| {}),
            w(&|w| w.venue = None),
            w(&|w| w.format = Some(Format::Seminar)),
            w(&|w| w.participants.clear()),
            Details::Program(Program::default()),
            Details::Trip(Trip::default()),
            Details::Workshop(Workshop::default()),
        ];
        let mut hashes: Vec<u64> = all.iter().map(of).collect();
        assert_eq!(of(&all[0]), of(&p(&|_| {})));
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), all.len());
    }
}
