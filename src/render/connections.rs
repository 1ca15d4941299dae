//! The views of what connects records: a city's records by period (each record once,
//! under its years), the page of two cooperating cities, the page of a series, a
//! record's program, timeline, series and related records, and the pager every
//! paginated list shares. `docs/templates.md` documents each field.

use std::collections::BTreeMap;

use serde::Serialize;
use tera::Value;

use super::pages::View;
use super::{CityLink, Renderer};
use crate::charts::format_amount;
use crate::content::Details;
use crate::routes::Page;

/// `pager` of a paginated list (a kind, a city, a year).
#[derive(Serialize)]
pub(super) struct Pager {
    current: usize,
    next_url: Option<String>,
    pages: Vec<PagerLink>,
    prev_url: Option<String>,
    total: usize,
}

/// One of `pager.pages`: a page number, or a gap between them.
#[derive(Serialize)]
struct PagerLink {
    current: bool,
    gap: bool,
    number: Option<usize>,
    url: Option<String>,
}

/// One of the `periods` of a city or pair page: the records that ran over the same
/// years, each listed once.
#[derive(Serialize)]
pub(super) struct Period {
    /// `y2015` or `y2014-2018`, for a fragment link.
    id: String,
    label: String,
    /// The year's page, for a period of one year.
    url: Option<String>,
    items: Vec<PeriodItem>,
}

/// One record of a period, with a note when it is listed for a place within the
/// page's (a province's city: "탕산").
#[derive(Serialize)]
struct PeriodItem {
    card: Value,
    via: Vec<CityLink>,
}

/// `pair.html`: two cities that cooperate, and the records of the pair.
#[derive(Serialize)]
pub(super) struct PairPage {
    budgets: Vec<PairBudget>,
    cities: [CityLink; 2],
    pager: Pager,
    periods: Vec<Period>,
    total: usize,
}

/// One of a pair page's `budgets`: a program of the pair with a budget.
#[derive(Serialize)]
struct PairBudget {
    by_year: Vec<(i32, String)>,
    title: String,
    total: Option<String>,
    unit: Option<String>,
    url: String,
}

/// `series.html`: the editions of a series of workshops, in order.
#[derive(Serialize)]
pub(super) struct SeriesPage {
    editions: Vec<Edition>,
    slug: String,
    total: usize,
}

/// One of a series page's `editions`.
#[derive(Serialize)]
struct Edition {
    card: Value,
    number: Option<u32>,
}

/// `record.series`: the series a workshop is an edition of.
#[derive(Serialize)]
pub(super) struct SeriesLink {
    number: Option<u32>,
    slug: String,
    total: usize,
    url: String,
}

/// One of `record.timeline` (programs): a year of the program, its budget for the
/// year when given, and the trips and workshops that served it that year.
#[derive(Serialize)]
pub(super) struct TimelineYear {
    amount: Option<String>,
    cards: Vec<Value>,
    year: i32,
}

/// The relations a record page shows (fields of `record`).
pub(super) struct RecordLinks {
    pub part_of: Option<Value>,
    pub related: Vec<Value>,
    pub series: Option<SeriesLink>,
    pub timeline: Vec<TimelineYear>,
}

impl Renderer<'_> {
    /// The pager of page `n` of `pages`, each page at `url(number)`.
    pub(super) fn pager(&self, n: usize, pages: usize, url: impl Fn(usize) -> Page) -> Pager {
        let links = super::pager_window(n, pages)
            .into_iter()
            .map(|p| PagerLink {
                current: p == Some(n),
                gap: p.is_none(),
                number: p,
                url: p.map(|p| self.url(url(p))),
            })
            .collect();
        Pager {
            current: n,
            next_url: (n < pages).then(|| self.url(url(n + 1))),
            pages: links,
            prev_url: (n > 1).then(|| self.url(url(n - 1))),
            total: pages,
        }
    }

    /// Records grouped by the years they ran, latest first (a record of 2014–2018
    /// once, under 2014–2018, not under each year); `within` are the places whose
    /// records are the page's own (others are marked with the places they are of).
    pub(super) fn periods(&self, idx: &[usize], within: &[usize]) -> Vec<Period> {
        let site = self.site;
        let mut groups: BTreeMap<(std::cmp::Reverse<i32>, std::cmp::Reverse<i32>), Vec<usize>> =
            BTreeMap::new();
        for &i in idx {
            let years = site.entries[i].years();
            let (first, last) = (*years.start(), *years.end());
            let key = (std::cmp::Reverse(first), std::cmp::Reverse(last));
            groups.entry(key).or_default().push(i);
        }
        groups
            .into_iter()
            .map(|((first, last), v)| {
                let (first, last) = (first.0, last.0);
                let single = first == last;
                let label = if single {
                    self.year_text(first)
                } else {
                    let sep = self.strings.get("range_sep");
                    format!("{}{sep}{}", self.year_text(first), self.year_text(last))
                };
                let items = v
                    .iter()
                    .map(|&i| {
                        let cities = &site.entries[i].record.cities;
                        let own = within.first().is_none_or(|c| cities.contains(c));
                        let via = if own {
                            Vec::new()
                        } else {
                            (cities.iter())
                                .filter(|c| within[1..].contains(c))
                                .map(|&c| self.city_link(c))
                                .collect()
                        };
                        PeriodItem {
                            card: self.card_of(i),
                            via,
                        }
                    })
                    .collect();
                Period {
                    id: if single {
                        format!("y{first}")
                    } else {
                        format!("y{first}-{last}")
                    },
                    label,
                    url: single.then(|| self.url(Page::Year(first, 1))),
                    items,
                }
            })
            .collect()
    }

    pub(super) fn pair_page(&self, k: usize, n: usize) -> View<PairPage> {
        let site = self.site;
        let ((a, b), idx) = &site.pairs[k];
        let cities = [self.city_link(*a), self.city_link(*b)];
        let sep = self.strings.get("pair_sep");
        let mut title = format!("{}{sep}{}", cities[0].name, cities[1].name);
        let pages = site.page_count(idx.len());
        if n > 1 {
            title = format!("{title} ({})", self.page_status(n, pages));
        }
        let shown = site.page_of(idx, n);
        let budgets = (shown.iter().rev())
            .filter_map(|&i| {
                let e = &site.entries[i];
                let Details::Program(p) = &e.record.details else {
                    return None;
                };
                let b = p.budget.as_ref()?;
                Some(PairBudget {
                    by_year: (b.by_year.iter())
                        .map(|(&y, &a)| (y, format_amount(a)))
                        .collect(),
                    title: self.shown(e).title.to_string(),
                    total: b.total.map(format_amount),
                    unit: b.unit.clone(),
                    url: site.record_url(self.edition, &e.record),
                })
            })
            .collect();
        View {
            template: "pair.html",
            title,
            context: PairPage {
                budgets,
                cities,
                pager: self.pager(n, pages, |p| Page::Pair(k, p)),
                periods: self.periods(shown, &[]),
                total: idx.len(),
            },
        }
    }

    pub(super) fn series_page(&self, k: usize) -> View<SeriesPage> {
        let series = &self.site.relations.series[k];
        let editions = (series.editions.iter())
            .map(|&i| Edition {
                card: self.card_of(i),
                number: self.site.entries[i].record.links().number.map(|(n, _)| n),
            })
            .collect();
        View {
            template: "series.html",
            title: self
                .strings
                .get("series_title")
                .replace("{series}", &series.slug),
            context: SeriesPage {
                editions,
                slug: series.slug.clone(),
                total: series.editions.len(),
            },
        }
    }

    /// The program entry `i` served, its series, its related records, and (for a
    /// program) the timeline of what served it beside its budget years.
    pub(super) fn record_links(&self, i: usize) -> RecordLinks {
        let site = self.site;
        let rel = &site.relations;
        let series = rel.series_of(i).map(|k| SeriesLink {
            number: site.entries[i].record.links().number.map(|(n, _)| n),
            slug: rel.series[k].slug.clone(),
            total: rel.series[k].editions.len(),
            url: self.url(Page::Series(k)),
        });
        RecordLinks {
            part_of: rel.program(i).map(|p| self.card_of(p)),
            related: rel.related(i).iter().map(|&j| self.card_of(j)).collect(),
            series,
            timeline: self.timeline(i),
        }
    }

    /// The years of a program, of its budget and of what served it, oldest first.
    fn timeline(&self, i: usize) -> Vec<TimelineYear> {
        let site = self.site;
        let e = &site.entries[i];
        let Details::Program(p) = &e.record.details else {
            return Vec::new();
        };
        let served = site.relations.served(i);
        if served.is_empty() {
            return Vec::new();
        }
        let by_year = p.budget.as_ref().map(|b| &b.by_year);
        let mut years: BTreeMap<i32, Vec<usize>> = e.years().map(|y| (y, Vec::new())).collect();
        for y in by_year.into_iter().flat_map(|m| m.keys()) {
            years.entry(*y).or_default();
        }
        for &s in served {
            years
                .entry(site.entries[s].record.date.year)
                .or_default()
                .push(s);
        }
        years
            .into_iter()
            .map(|(year, v)| TimelineYear {
                amount: by_year
                    .and_then(|m| m.get(&year))
                    .map(|&a| format_amount(a)),
                cards: self.cards_of(&v),
                year,
            })
            .collect()
    }
}
