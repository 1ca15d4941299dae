//! The views of publishing: the feeds a page links to, its JSON-LD, the sitemaps, and
//! the charts of the home, city, year and cities pages (drawn by `charts`). Kept
//! beside `render` so that the page views stay short; documented in
//! `docs/templates.md`.

use std::collections::BTreeMap;

use serde::Serialize;
use tera::Value;

use super::Renderer;
use super::pages::View;
use crate::charts::{self, Bar, Chart, Labels, Link, Place, Series, StackedRow};
use crate::content::Details;
use crate::escape::{percent_encode_path, percent_encoded_cmp};
use crate::jsonld;
use crate::kind::Kind;
use crate::registry::CityId;
use crate::routes::{self, Page, Route};

/// A feed a page announces with `<link rel="alternate">`.
#[derive(Serialize)]
pub(super) struct FeedLink {
    pub title: String,
    pub url: String,
    /// The JSON Feed beside the Atom feed.
    pub json_url: String,
}

/// `feed.xml`: an Atom feed.
#[derive(Serialize)]
pub(super) struct FeedPage {
    feed: FeedView,
    entries: Vec<Value>,
    updated: String,
}

/// `feed` of a feed: its title, id, own URL and page URL.
#[derive(Serialize)]
struct FeedView {
    id: String,
    page_url: String,
    self_url: String,
    title: String,
    updated: String,
}

/// `sitemap.xml` with every page, or one part of a split sitemap.
#[derive(Serialize)]
pub(super) struct SitemapPage {
    urls: Vec<SitemapUrl>,
}

/// One of a sitemap's `urls`: a page, and the same page in every edition when the
/// site has more than one.
#[derive(Serialize)]
struct SitemapUrl {
    loc: String,
    /// The day a record's page last changed, when known.
    lastmod: Option<String>,
    alternates: Vec<Hreflang>,
}

/// One of a sitemap URL's `alternates`: the page in the edition of `hreflang`
/// (`x-default` for the default edition, again).
#[derive(Serialize)]
struct Hreflang {
    hreflang: String,
    href: String,
}

/// `sitemap_index.xml`: the parts of a split sitemap.
#[derive(Serialize)]
pub(super) struct SitemapIndexPage {
    sitemaps: Vec<Loc>,
}

/// An absolute, percent-encoded URL in a sitemap, and the day its page last changed
/// when known (a record's `updated` or added date).
#[derive(Serialize)]
struct Loc {
    loc: String,
    lastmod: Option<String>,
}

/// `robots.txt`.
#[derive(Serialize)]
pub(super) struct RobotsPage {
    sitemap_url: String,
}

/// `charts` of the home page.
#[derive(Serialize)]
pub(super) struct HomeCharts {
    years: Option<Chart>,
}

/// `charts` of a city page.
#[derive(Serialize)]
pub(super) struct CityCharts {
    partners: Option<Chart>,
    years: Option<Chart>,
}

/// `charts` of a year page.
#[derive(Serialize)]
pub(super) struct YearCharts {
    budgets: Vec<BudgetChart>,
    kinds: Chart,
}

/// One of a year page's `charts.budgets`: a chart of one budget unit.
#[derive(Serialize)]
struct BudgetChart {
    svg: String,
    table: String,
    title: String,
    unit: String,
}

impl Renderer<'_> {
    fn strings_of(&self, key: &str) -> String {
        self.strings.get(key)
    }

    /// `3 records` in the site language.
    fn count_text(&self, n: usize) -> String {
        if n == 1 {
            self.strings_of("count_record_one")
        } else {
            self.strings_of("count_records")
                .replace("{n}", &crate::charts::format_amount(n as f64))
        }
    }

    pub(super) fn year_text(&self, year: i32) -> String {
        self.strings.dates.y.replace("{y}", &year.to_string())
    }

    pub(super) fn kind_label(&self, kind: Kind) -> String {
        self.strings_of(&format!("kinds_{}", kind.id()))
    }

    pub(super) fn site_feed(&self) -> FeedLink {
        FeedLink {
            title: self.site.config.title.clone(),
            url: self.url(Page::Feed),
            json_url: self.url(Page::JsonFeed),
        }
    }

    pub(super) fn kind_feed(&self, kind: Kind) -> FeedLink {
        FeedLink {
            title: format!("{} — {}", self.site.config.title, self.kind_label(kind)),
            url: self.url(Page::KindFeed(kind)),
            json_url: self.url(Page::KindJsonFeed(kind)),
        }
    }

    pub(super) fn city_feed(&self, id: CityId) -> FeedLink {
        let name = self.site.registry.name(id, self.lang).to_string();
        FeedLink {
            title: format!("{} — {name}", self.site.config.title),
            url: self.url(Page::CityFeed(id)),
            json_url: self.url(Page::CityJsonFeed(id)),
        }
    }

    /// The feeds a page links to: the whole archive's, and the one of the page's kind
    /// or city.
    pub(super) fn page_feeds(&self, page: Page) -> Vec<FeedLink> {
        let mut feeds = vec![self.site_feed()];
        match page {
            Page::List(kind, _) | Page::KindFeed(kind) => feeds.push(self.kind_feed(kind)),
            Page::Record(i) => feeds.push(self.kind_feed(self.site.entries[i].record.kind)),
            Page::City(id, _) | Page::CityFeed(id) => feeds.push(self.city_feed(id)),
            _ => {}
        }
        feeds
    }

    /// The JSON-LD of a page, ready for its `<script>` element; empty for pages
    /// without (the not-found page, feeds, sitemaps).
    /// The JSON-LD of a page, in the edition rendered: its URLs, places and language
    /// the edition's, a record's text as the edition shows it (its translation, when
    /// it has one).
    pub(super) fn page_jsonld(&self, page: Page, title: &str, path: &str) -> String {
        let site = self.site;
        let ed = jsonld::Edition {
            site,
            index: self.edition,
        };
        let value = match page {
            Page::Home => jsonld::home(ed),
            Page::Record(i) => {
                let e = &site.entries[i];
                let shown = self.shown(e);
                let text = jsonld::Text {
                    title: shown.title,
                    summary: shown.summary,
                    lang: shown.lang,
                    organizers: (shown.translation)
                        .and_then(|t| t.text.organizers.as_deref())
                        .unwrap_or(&e.record.organizers),
                };
                jsonld::record(ed, e, &text)
            }
            Page::City(id, _) => jsonld::collection(ed, title, path, Some(jsonld::place(ed, id))),
            Page::List(..)
            | Page::Cities
            | Page::Years
            | Page::Year(..)
            | Page::Pair(..)
            | Page::Series(_)
            | Page::Organizations
            | Page::Organization(..)
            | Page::Topics
            | Page::Topic(..) => jsonld::collection(ed, title, path, None),
            _ => return String::new(),
        };
        jsonld::script_text(&value)
    }

    /// The Atom feed `page` (of the archive, a kind or a city): its link, the URL of
    /// the page it follows, and its entries, the last changed first (`Site::feed_order`).
    pub(super) fn feed_of(&self, page: Page) -> (FeedLink, String, Vec<usize>) {
        let site = self.site;
        let (link, page_path, idx) = match page {
            Page::KindFeed(kind) => (
                self.kind_feed(kind),
                self.url(Page::List(kind, 1)),
                site.feed_order(site.by_kind.get(&kind).map_or(&[][..], Vec::as_slice)),
            ),
            Page::CityFeed(id) => (
                self.city_feed(id),
                self.url(Page::City(id, 1)),
                site.feed_order(&site.by_city[id]),
            ),
            _ => (
                self.site_feed(),
                site.config.base_path.clone(),
                site.feed_order(&(0..site.entries.len()).collect::<Vec<_>>()),
            ),
        };
        let shown = idx.len().min(super::FEED_ENTRIES);
        (link, page_path, idx[..shown].to_vec())
    }

    /// A feed of the whole archive, a kind or a city: its last changed records.
    pub(super) fn feed_page(&self, page: Page) -> View<FeedPage> {
        let site = self.site;
        let (link, page_path, idx) = self.feed_of(page);
        // An empty feed is as new as the archive.
        let updated = idx
            .first()
            .copied()
            .or_else(|| {
                site.feed_order(&(0..site.entries.len()).collect::<Vec<_>>())
                    .first()
                    .copied()
            })
            .map_or_else(
                || "1970-01-01T00:00:00Z".to_string(),
                |i| crate::history::rfc3339(site.entries[i].feed_time()),
            );
        let absolute = |path: &str| format!("{}{}", self.origin, percent_encode_path(path));
        let feed = FeedView {
            id: absolute(&link.url),
            page_url: absolute(&page_path),
            self_url: absolute(&link.url),
            title: link.title,
            updated: updated.clone(),
        };
        View {
            template: "feed.xml",
            title: feed.title.clone(),
            context: FeedPage {
                feed,
                entries: self.cards_of(&idx),
                updated,
            },
        }
    }

    /// Every page URL the sitemaps list: absolute, percent-encoded, sorted; with the
    /// day a record's page last changed, and the page in the other editions.
    /// The pages of the sitemap in the order of their URLs; with `Some((part, per))`
    /// only those of that part. Only the chosen pages' URLs are made: the pages are
    /// ordered by their folders, compared as their URLs encode them (the origin and
    /// the base path are the same for all).
    fn sitemap_routes(all: &[Route], part: Option<(usize, usize)>) -> Vec<&Route> {
        let mut routes: Vec<&Route> = all.iter().filter(|r| r.in_sitemap()).collect();
        let dir = |r: &Route| r.file.len() - "index.html".len();
        let order =
            |a: &&Route, b: &&Route| percent_encoded_cmp(&a.file[..dir(a)], &b.file[..dir(b)]);
        if let Some((part, per)) = part {
            let start = ((part - 1) * per).min(routes.len());
            let end = (start + per).min(routes.len());
            if end < routes.len() {
                routes.select_nth_unstable_by(end, order);
                routes.truncate(end);
            }
            if start > 0 {
                routes.select_nth_unstable_by(start, order);
                routes.drain(..start);
            }
        }
        routes.sort_unstable_by(order);
        routes
    }

    fn sitemap_urls(&self, part: Option<(usize, usize)>) -> Vec<SitemapUrl> {
        let site = self.site;
        let base = &site.config.base_path;
        let absolute = |u: &str| format!("{}{}", self.origin, percent_encode_path(u));
        let languages = &site.config.languages;
        let made;
        let all = match self.routes {
            Some(routes) => routes,
            None => {
                made = site.routes();
                &made
            }
        };
        (Self::sitemap_routes(all, part).into_iter())
            .filter_map(|r| {
                let lastmod = match r.page {
                    Page::Record(i) => {
                        let e = &site.entries[i];
                        e.updated().max(e.added()).map(crate::history::day)
                    }
                    _ => None,
                };
                let mut alternates = Vec::new();
                if languages.len() > 1 {
                    alternates = (languages.iter().enumerate())
                        .map(|(e, lang)| Hreflang {
                            hreflang: lang.clone(),
                            href: absolute(&site.url_in(e, r.page)),
                        })
                        .collect();
                    alternates.push(Hreflang {
                        hreflang: "x-default".into(),
                        href: absolute(&site.url(r.page)),
                    });
                }
                let loc = absolute(&r.url(base)?);
                Some(SitemapUrl {
                    loc,
                    lastmod,
                    alternates,
                })
            })
            .collect()
    }

    /// `sitemap_url` of `robots.txt` and the `sitemaps` of a sitemap index.
    fn sitemap_file_url(&self, file: &str) -> String {
        format!(
            "{}{}",
            self.origin,
            percent_encode_path(&format!("{}{file}", self.site.config.base_path))
        )
    }

    /// The sitemap of every page, or with `Some((part, per))` the pages
    /// `(part - 1) * per ..part * per` of them.
    pub(super) fn sitemap_page(&self, part: Option<(usize, usize)>) -> View<SitemapPage> {
        let urls = self.sitemap_urls(part);
        View {
            template: "sitemap.xml",
            title: String::new(),
            context: SitemapPage { urls },
        }
    }

    pub(super) fn sitemap_index_page(&self, parts: usize) -> View<SitemapIndexPage> {
        let sitemaps = (1..=parts)
            .map(|p| Loc {
                loc: self.sitemap_file_url(&routes::sitemap_part_file(p)),
                lastmod: None,
            })
            .collect();
        View {
            template: "sitemap_index.xml",
            title: String::new(),
            context: SitemapIndexPage { sitemaps },
        }
    }

    pub(super) fn robots_page(&self) -> View<RobotsPage> {
        View {
            template: "robots.txt",
            title: String::new(),
            context: RobotsPage {
                sitemap_url: self.sitemap_file_url("sitemap.xml"),
            },
        }
    }

    fn kind_series(&self) -> Vec<Series> {
        Kind::ALL
            .iter()
            .map(|&k| Series {
                id: k.id().to_string(),
                label: self.kind_label(k),
            })
            .collect()
    }

    /// Records per year, stacked by kind, every year from the first to the last (years
    /// without records included, at zero), newest first; over a long span, per decade
    /// (`charts::year_rows`). `href` links a year's row.
    pub(super) fn years_chart(
        &self,
        idx: &[usize],
        title: &str,
        href: impl Fn(i32) -> String,
    ) -> Option<Chart> {
        let mut per_year: BTreeMap<i32, [f64; 3]> = BTreeMap::new();
        for &i in idx {
            let e = &self.site.entries[i];
            let k = Kind::ALL
                .iter()
                .position(|&k| k == e.record.kind)
                .unwrap_or(0);
            for y in e.years() {
                per_year.entry(y).or_default()[k] += 1.0;
            }
        }
        let (&first, _) = per_year.first_key_value()?;
        let (&last, _) = per_year.last_key_value()?;
        let rows: Vec<StackedRow> = charts::year_rows(first, last)
            .into_iter()
            .map(|span| {
                let (start, end) = (*span.start(), *span.end());
                let mut values = [0.0; 3];
                for counts in per_year.range(span).map(|(_, v)| v) {
                    values.iter_mut().zip(counts).for_each(|(a, b)| *a += b);
                }
                let (label, href) = if start == end {
                    let href = per_year.contains_key(&start).then(|| href(start));
                    (self.year_text(start), href)
                } else {
                    let label = format!("{}–{}", self.year_text(start), self.year_text(end));
                    (label, None)
                };
                StackedRow {
                    label,
                    href,
                    values: values.to_vec(),
                }
            })
            .collect();
        let labels = Labels {
            title,
            label_header: &self.strings_of("year_col"),
            value_header: &self.strings_of("total_col"),
        };
        Some(charts::stacked_bars(&labels, &self.kind_series(), &rows))
    }

    pub(super) fn home_charts(&self) -> HomeCharts {
        let all: Vec<usize> = (0..self.site.entries.len()).collect();
        let years = self.years_chart(&all, &self.strings_of("chart_years_title"), |y| {
            self.url(Page::Year(y, 1))
        });
        HomeCharts { years }
    }

    pub(super) fn city_charts(&self, id: CityId) -> CityCharts {
        let site = self.site;
        let years = self.years_chart(
            site.place(id),
            &self.strings_of("chart_city_years_title"),
            |y| format!("#y{y}"),
        );
        let partners: Vec<Bar> = site.partners[id]
            .iter()
            .take(PARTNERS_SHOWN)
            .map(|&(other, n)| Bar {
                label: self.city_name(other).to_string(),
                href: site.pair(id, other).map(|k| self.url(Page::Pair(k, 1))),
                value: n as f64,
                class: "bar".into(),
            })
            .collect();
        let partners = (!partners.is_empty()).then(|| {
            charts::bars(
                &Labels {
                    title: &self.strings_of("chart_partners_title"),
                    label_header: &self.strings_of("chart_city_col"),
                    value_header: &self.strings_of("chart_shared_col"),
                },
                &partners,
            )
        });
        CityCharts { partners, years }
    }

    pub(super) fn year_charts(&self, year: i32) -> YearCharts {
        let site = self.site;
        let idx = &site.by_year[&year];
        let kinds: Vec<Bar> = Kind::ALL
            .iter()
            .map(|&k| Bar {
                label: self.kind_label(k),
                href: None,
                value: idx
                    .iter()
                    .filter(|&&i| site.entries[i].record.kind == k)
                    .count() as f64,
                class: format!("series-{}", k.id()),
            })
            .collect();
        let kinds = charts::bars(
            &Labels {
                title: &self.strings_of("chart_kinds_title"),
                label_header: &self.strings_of("chart_kind_col"),
                value_header: &self.strings_of("chart_records_col"),
            },
            &kinds,
        );
        let budgets = budgets_of_year(site, idx, year)
            .into_iter()
            .map(|(unit, by_city)| {
                let mut items: Vec<Bar> = by_city
                    .into_iter()
                    .map(|(id, amount)| Bar {
                        label: self.city_name(id).to_string(),
                        href: Some(self.url(Page::City(id, 1))),
                        value: (amount * 100.0).round() / 100.0,
                        class: "bar".into(),
                    })
                    .collect();
                items.sort_by(|a, b| b.value.total_cmp(&a.value).then(a.label.cmp(&b.label)));
                let title = self
                    .strings_of("chart_budget_title")
                    .replace("{unit}", &unit);
                let chart = charts::bars(
                    &Labels {
                        title: &title,
                        label_header: &self.strings_of("chart_city_col"),
                        value_header: &self.strings_of("chart_amount_col").replace("{unit}", &unit),
                    },
                    &items,
                );
                BudgetChart {
                    svg: chart.svg,
                    table: chart.table,
                    title: chart.title,
                    unit,
                }
            })
            .collect();
        YearCharts { budgets, kinds }
    }

    /// `map` of `/cities/`: every city with coordinates, sized by its records, and a
    /// line between every two of them that cooperate, as thick as their records.
    pub(super) fn cities_map(&self) -> String {
        let site = self.site;
        let mut index: Vec<Option<usize>> = vec![None; site.registry.cities.len()];
        let places: Vec<Place> = site
            .registry
            .cities
            .iter()
            .enumerate()
            .filter_map(|(id, c)| {
                let (lat, lon) = c.coords?;
                let name = self.city_name(id).to_string();
                let count = site.by_city[id].len();
                Some((
                    id,
                    Place {
                        title: format!("{name}: {}", self.count_text(count)),
                        label: name,
                        href: self.url(Page::City(id, 1)),
                        lat,
                        lon,
                        count,
                        country: c.country.clone(),
                        minor: c.parent.is_some(),
                    },
                ))
            })
            .enumerate()
            .map(|(k, (id, place))| {
                index[id] = Some(k);
                place
            })
            .collect();
        let links: Vec<Link> = (site.pairs.iter())
            .filter_map(|((a, b), idx)| {
                let sep = self.strings_of("pair_sep");
                let names = format!("{}{sep}{}", self.city_name(*a), self.city_name(*b));
                Some(Link {
                    a: index[*a]?,
                    b: index[*b]?,
                    records: idx.len(),
                    title: format!("{names}: {}", self.count_text(idx.len())),
                })
            })
            .collect();
        charts::map(
            &self.strings_of("map_title"),
            self.outlines.as_ref(),
            &places,
            &links,
        )
    }
}

/// Cities in a partner-cities chart.
const PARTNERS_SHOWN: usize = 10;

/// The budgets of the programs active in `year`, per unit and per lead city (a
/// program's first city). A program counts with its `by_year` amount for the year,
/// or, without `by_year`, with its `total` when it runs in that year only.
pub(super) fn budgets_of_year(
    site: &crate::site::Site,
    idx: &[usize],
    year: i32,
) -> BTreeMap<String, BTreeMap<CityId, f64>> {
    let mut out: BTreeMap<String, BTreeMap<CityId, f64>> = BTreeMap::new();
    for &i in idx {
        let e = &site.entries[i];
        let Details::Program(p) = &e.record.details else {
            continue;
        };
        let (Some(budget), Some(&lead)) = (&p.budget, e.record.cities.first()) else {
            continue;
        };
        let amount = if budget.by_year.is_empty() {
            budget.total.filter(|_| e.years() == (year..=year))
        } else {
            budget.by_year.get(&year).copied()
        };
        if let Some(amount) = amount {
            *out.entry(budget.unit.clone().unwrap_or_default())
                .or_default()
                .entry(lead)
                .or_default() += amount;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locs(urls: Vec<SitemapUrl>) -> Vec<String> {
        urls.into_iter().map(|u| u.loc).collect()
    }

    #[test]
    fn the_sitemap_is_in_url_order_and_its_parts_split_it() {
        let site = crate::site::views_fixture();
        let theme = crate::theme::Theme::load(&site.config).unwrap();
        let r = Renderer::new(&site, &theme).unwrap();
        let all = locs(r.sitemap_urls(None));
        assert!(all.len() > 10, "{all:?}");
        assert!(all.is_sorted(), "{all:?}");
        let in_sitemap = site.routes().iter().filter(|r| r.in_sitemap()).count();
        assert_eq!(all.len(), in_sitemap);
        let routes = site.routes();
        let mut held = Renderer::new(&site, &theme).unwrap();
        held.use_routes(&routes);
        for per in [1, 3, 7, all.len()] {
            let parts = all.len().div_ceil(per);
            for r in [&r, &held] {
                let joined: Vec<String> = (1..=parts)
                    .flat_map(|part| locs(r.sitemap_urls(Some((part, per)))))
                    .collect();
                assert_eq!(joined, all, "{per} a part");
            }
        }
    }
}
