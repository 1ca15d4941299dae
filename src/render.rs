//! Rendering: turns the site model into page bytes with Tera templates. Builds the
//! view structs templates see (documented in `docs/templates.md`); the views of
//! feeds, sitemaps, metadata and charts are in `publish`. Never reads content and
//! never writes files.

mod publish;

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera, Value};

use crate::charts::{Outlines, format_amount};
use crate::content::{Details, SourceTarget};
use crate::date::{DatePatterns, PartialDate};
use crate::diag::{Code, Diagnostic, Pos};
use crate::kind::Kind;
use crate::registry::CityId;
use crate::routes::{self, Page, Route};
use crate::site::{Entry, Site};
use crate::theme::Theme;

const THEME_PREFIX: &str = "theme/";
pub(crate) const HOME_LATEST: usize = 10;
const HOME_TOP_CITIES: usize = 12;
pub(crate) const FEED_ENTRIES: usize = 30;

/// UI strings of one language (English underneath).
struct Strings {
    map: BTreeMap<String, serde_yaml::Value>,
    dates: DatePatterns,
}

impl Strings {
    fn load(theme: &Theme, lang: &str) -> Result<Strings, Diagnostic> {
        let all: BTreeMap<String, BTreeMap<String, serde_yaml::Value>> =
            if theme.strings.trim().is_empty() {
                BTreeMap::new()
            } else {
                serde_yaml::from_str(&theme.strings).map_err(|e| {
                    let pos = e
                        .location()
                        .map_or(Pos::new(1, 1), |l| Pos::new(l.line(), l.column()));
                    Diagnostic::error(
                        Code::Template,
                        &theme.strings_path,
                        pos,
                        format!("invalid UI strings: {e}"),
                    )
                })?
            };
        let mut map = all.get("en").cloned().unwrap_or_default();
        let base = lang.split('-').next().unwrap_or(lang);
        if let Some(own) = all.get(lang).or_else(|| all.get(base)) {
            map.extend(own.clone());
        }
        let s = |k: &str, d: &str| map.get(k).and_then(|v| v.as_str()).unwrap_or(d).to_string();
        let months = map
            .get("months")
            .and_then(|v| serde_yaml::from_value::<Vec<String>>(v.clone()).ok())
            .unwrap_or_default();
        let dates = DatePatterns {
            y: s("date_y", "{y}"),
            ym: s("date_ym", "{y}-{m}"),
            ymd: s("date_ymd", "{y}-{m}-{d}"),
            months,
        };
        Ok(Strings { map, dates })
    }

    fn get(&self, key: &str) -> String {
        self.map
            .get(key)
            .and_then(|v| v.as_str())
            .map_or_else(|| key.to_string(), str::to_string)
    }
}

/// A link to a city.
#[derive(Serialize, Clone)]
struct CityLink {
    id: String,
    name: String,
    url: String,
}

#[derive(Serialize, Clone)]
struct DateView {
    iso: String,
    text: String,
}

#[derive(Serialize)]
struct Card<'a> {
    kind: &'static str,
    kind_label: String,
    url: &'a str,
    permalink: String,
    title: &'a str,
    date: DateView,
    end: Option<DateView>,
    when: String,
    updated: String,
    cities: Vec<CityLink>,
    summary: &'a str,
    lang: &'a str,
}

#[derive(Serialize)]
struct KindView {
    id: &'static str,
    section: &'static str,
    label: String,
    url: String,
    count: usize,
}

#[derive(Serialize)]
struct CountView {
    id: &'static str,
    label: String,
    count: usize,
}

#[derive(Serialize)]
struct CityCount {
    id: String,
    name: String,
    url: String,
    count: usize,
}

#[derive(Serialize)]
struct YearView {
    year: i32,
    url: String,
    total: usize,
    by_kind: Vec<CountView>,
}

#[derive(Serialize)]
struct YearLink {
    year: i32,
    url: String,
}

#[derive(Serialize)]
struct PageView<'a> {
    path: String,
    permalink: String,
    title: &'a str,
    /// `<link rel="alternate">` feeds.
    feeds: Vec<publish::FeedLink>,
    /// JSON-LD, escaped for a `<script>` element; may be empty.
    jsonld: String,
    /// Open Graph type: `article` for records, `website` otherwise.
    og_type: &'static str,
}

/// The theme's data file with the country outlines of the map.
const MAP_DATA: &str = "east-asia.json";

/// Renders routes to bytes. Built once per build; shared across threads.
pub struct Renderer<'s> {
    site: &'s Site,
    tera: Tera,
    strings: Strings,
    /// The card of every entry, serialised once.
    cards: Vec<Value>,
    /// Template name → file, for error messages.
    files: BTreeMap<String, String>,
    origin: String,
    /// Country outlines for the map of `/cities/`, if the theme has them.
    outlines: Option<Outlines>,
}

impl<'s> Renderer<'s> {
    pub fn new(site: &'s Site, theme: &Theme) -> Result<Renderer<'s>, Vec<Diagnostic>> {
        let config = &site.config;
        let strings = Strings::load(theme, &config.language).map_err(|d| vec![d])?;
        let mut tera = Tera::new();
        tera.set_escape_fn(crate::escape::html_to);
        tera.set_fallback_prefixes([THEME_PREFIX]).map_err(|e| {
            vec![Diagnostic::error(
                Code::Template,
                "themes",
                Pos::UNKNOWN,
                e.to_string(),
            )]
        })?;
        let mut files = BTreeMap::new();
        let mut all = Vec::new();
        for t in &theme.templates {
            let name = format!("{THEME_PREFIX}{}", t.name);
            files.insert(name.clone(), t.path.display().to_string());
            all.push((name, t.text.as_str()));
        }
        for t in &theme.overrides {
            files.insert(t.name.clone(), t.path.display().to_string());
            all.push((t.name.clone(), t.text.as_str()));
        }
        tera.add_raw_templates(all)
            .map_err(|e| vec![template_error(&e, &files)])?;

        let origin = config.base_url[..config.base_url.len() - config.base_path.len()].to_string();
        let site_view = serde_json::json!({
            "title": config.title,
            "description": config.description,
            "language": config.language,
            "base_url": config.base_url,
            "root": config.base_path,
        });
        let kinds: Vec<KindView> = Kind::ALL
            .iter()
            .map(|&k| KindView {
                id: k.id(),
                section: k.section(),
                label: strings.get(&format!("kinds_{}", k.id())),
                url: site.kind_url(k, 1),
                count: site.by_kind.get(&k).map_or(0, Vec::len),
            })
            .collect();
        let global = tera.global_context();
        global.insert("site", &site_view);
        global.insert("t", &strings.map);
        global.insert("kinds", &kinds);

        let outlines = match theme.data.get(MAP_DATA) {
            Some(bytes) => Some(
                Outlines::parse(&String::from_utf8_lossy(bytes)).map_err(|e| {
                    vec![Diagnostic::error(
                        Code::Template,
                        theme.strings_path.with_file_name("data").join(MAP_DATA),
                        Pos::UNKNOWN,
                        format!("invalid map data: {e}"),
                    )]
                })?,
            ),
            None => None,
        };
        let mut r = Renderer {
            site,
            tera,
            strings,
            cards: Vec::new(),
            files,
            origin,
            outlines,
        };
        r.cards = site
            .entries
            .par_iter()
            .map(|e| Value::from_serializable(&r.card(e)))
            .collect();
        Ok(r)
    }

    fn date(&self, d: &PartialDate) -> DateView {
        DateView {
            iso: d.to_string(),
            text: d.localised(&self.strings.dates),
        }
    }

    fn city_link(&self, id: CityId) -> CityLink {
        let reg = &self.site.registry;
        CityLink {
            id: reg.cities[id].id.clone(),
            name: reg.name(id, &self.site.config.language).to_string(),
            url: self.site.city_url(id),
        }
    }

    fn card<'e>(&self, e: &'e Entry) -> Card<'e> {
        let r = &e.record;
        let date = self.date(&r.date);
        let end = r.end.filter(|end| *end != r.date).map(|d| self.date(&d));
        let when = match &end {
            Some(end) => format!("{}{}{}", date.text, self.strings.get("range_sep"), end.text),
            None => date.text.clone(),
        };
        Card {
            kind: r.kind.id(),
            kind_label: self.strings.get(&format!("kind_{}", r.kind.id())),
            url: &e.url,
            permalink: format!("{}{}", self.origin, e.url),
            title: &r.title,
            date,
            end,
            when,
            updated: r.date.rfc3339(),
            cities: r.cities.iter().map(|&c| self.city_link(c)).collect(),
            summary: &e.summary,
            lang: &r.lang,
        }
    }

    fn cards_of(&self, indexes: &[usize]) -> Value {
        Value::from(
            indexes
                .iter()
                .map(|&i| self.cards[i].clone())
                .collect::<Vec<_>>(),
        )
    }

    fn count_by_kind(&self, indexes: &[usize]) -> Vec<CountView> {
        Kind::ALL
            .iter()
            .map(|&k| CountView {
                id: k.id(),
                label: self.strings.get(&format!("kinds_{}", k.id())),
                count: indexes
                    .iter()
                    .filter(|&&i| self.site.entries[i].record.kind == k)
                    .count(),
            })
            .collect()
    }

    fn years_view(&self) -> Vec<YearView> {
        self.site
            .by_year
            .iter()
            .rev()
            .map(|(&year, idx)| YearView {
                year,
                url: self.site.year_url(year),
                total: idx.len(),
                by_kind: self.count_by_kind(idx),
            })
            .collect()
    }

    fn city_counts(&self, ids: impl Iterator<Item = (CityId, usize)>) -> Vec<CityCount> {
        ids.map(|(id, count)| {
            let l = self.city_link(id);
            CityCount {
                id: l.id,
                name: l.name,
                url: l.url,
                count,
            }
        })
        .collect()
    }

    /// Renders one route.
    pub fn render(&self, route: &Route) -> Result<Vec<u8>, Diagnostic> {
        let site = self.site;
        let base = &site.config.base_path;
        let path = route
            .url(base)
            .unwrap_or_else(|| format!("{base}{}", route.file));
        let mut ctx = Context::new();
        let title: String;
        let template = match route.page {
            Page::Home => {
                title = site.config.title.clone();
                let latest: Vec<usize> = (0..site.entries.len().min(HOME_LATEST)).collect();
                ctx.insert_value("latest", self.cards_of(&latest));
                let kind_count = |k: Kind| site.by_kind.get(&k).map_or(0, Vec::len);
                ctx.insert(
                    "counts",
                    &serde_json::json!({
                        "records": site.entries.len(),
                        "programs": kind_count(Kind::Program),
                        "trips": kind_count(Kind::Trip),
                        "workshops": kind_count(Kind::Workshop),
                        "cities": site.by_city.iter().filter(|v| !v.is_empty()).count(),
                        "years": site.by_year.len(),
                    }),
                );
                let mut top: Vec<(CityId, usize)> = site
                    .by_city
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(i, v)| (i, v.len()))
                    .collect();
                top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                top.truncate(HOME_TOP_CITIES);
                ctx.insert("top_cities", &self.city_counts(top.into_iter()));
                ctx.insert("years", &self.years_view());
                ctx.insert("charts", &self.home_charts());
                "index.html"
            }
            Page::List(kind, n) => {
                title = self.strings.get(&format!("kinds_{}", kind.id()));
                let all = site.by_kind.get(&kind).map_or(&[][..], Vec::as_slice);
                let per = site.config.paginate_by;
                let pages = site.list_pages(kind);
                let slice = &all[((n - 1) * per).min(all.len())..(n * per).min(all.len())];
                ctx.insert_value("cards", self.cards_of(slice));
                ctx.insert("feed", &self.kind_feed(kind));
                ctx.insert(
                    "kind",
                    &KindView {
                        id: kind.id(),
                        section: kind.section(),
                        label: title.clone(),
                        url: site.kind_url(kind, 1),
                        count: all.len(),
                    },
                );
                let page_list: Vec<serde_json::Value> = pager_window(n, pages)
                    .into_iter()
                    .map(|p| match p {
                        Some(p) => serde_json::json!({"number": p, "url": site.kind_url(kind, p), "current": p == n, "gap": false}),
                        None => serde_json::json!({"number": null, "url": null, "current": false, "gap": true}),
                    })
                    .collect();
                ctx.insert(
                    "pager",
                    &serde_json::json!({
                        "current": n,
                        "total": pages,
                        "prev_url": (n > 1).then(|| site.kind_url(kind, n - 1)),
                        "next_url": (n < pages).then(|| site.kind_url(kind, n + 1)),
                        "pages": page_list,
                    }),
                );
                "list.html"
            }
            Page::Record(i) => {
                title = site.entries[i].record.title.clone();
                ctx.insert_value("record", self.record_view(i));
                "record.html"
            }
            Page::Cities => {
                title = self.strings.get("nav_cities");
                let mut countries: BTreeMap<&str, Vec<CityCount>> = BTreeMap::new();
                for (id, city) in site.registry.cities.iter().enumerate() {
                    let l = self.city_link(id);
                    countries
                        .entry(city.country.as_str())
                        .or_default()
                        .push(CityCount {
                            id: l.id,
                            name: l.name,
                            url: l.url,
                            count: site.by_city[id].len(),
                        });
                }
                let countries: Vec<serde_json::Value> = countries
                    .into_iter()
                    .map(|(code, mut cities)| {
                        cities.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
                        serde_json::json!({"code": code, "name": self.country_name(code), "cities": cities})
                    })
                    .collect();
                ctx.insert("countries", &countries);
                ctx.insert("total_cities", &site.registry.cities.len());
                ctx.insert("map", &self.cities_map());
                "cities.html"
            }
            Page::City(id) => {
                let c = &site.registry.cities[id];
                let l = self.city_link(id);
                title = l.name.clone();
                let idx = &site.by_city[id];
                let children: Vec<CityLink> = site
                    .registry
                    .cities
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| x.parent == Some(id))
                    .map(|(i, _)| self.city_link(i))
                    .collect();
                ctx.insert(
                    "city",
                    &serde_json::json!({
                        "id": c.id,
                        "name": l.name,
                        "names": c.names,
                        "aliases": c.aliases,
                        "country": c.country,
                        "country_name": self.country_name(&c.country),
                        "parent": c.parent.map(|p| self.city_link(p)),
                        "children": children,
                        "url": l.url,
                        "count": idx.len(),
                    }),
                );
                let mut years: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
                for &i in idx {
                    for &y in &site.entries[i].years {
                        years.entry(y).or_default().push(i);
                    }
                }
                let years: Vec<Value> = years
                    .iter()
                    .rev()
                    .map(|(y, v)| {
                        tmap([
                            ("year", Value::from(*y)),
                            ("url", Value::from(site.year_url(*y))),
                            ("cards", self.cards_of(v)),
                        ])
                    })
                    .collect();
                ctx.insert_value("years", Value::from(years));
                ctx.insert(
                    "partners",
                    &self.city_counts(site.partners[id].iter().copied()),
                );
                ctx.insert("by_kind", &self.count_by_kind(idx));
                ctx.insert("charts", &self.city_charts(id));
                ctx.insert("feed", &self.city_feed(id));
                "city.html"
            }
            Page::Years => {
                title = self.strings.get("nav_years");
                ctx.insert("years", &self.years_view());
                "years.html"
            }
            Page::Year(year) => {
                title = year.to_string();
                let idx = &site.by_year[&year];
                let groups: Vec<Value> = Kind::ALL
                    .iter()
                    .filter_map(|&k| {
                        let of_kind: Vec<usize> = idx
                            .iter()
                            .copied()
                            .filter(|&i| site.entries[i].record.kind == k)
                            .collect();
                        (!of_kind.is_empty()).then(|| {
                            tmap([
                                ("id", Value::from(k.id())),
                                (
                                    "label",
                                    Value::from(self.strings.get(&format!("kinds_{}", k.id()))),
                                ),
                                ("cards", self.cards_of(&of_kind)),
                            ])
                        })
                    })
                    .collect();
                ctx.insert("year", &year);
                ctx.insert("total", &idx.len());
                ctx.insert_value("groups", Value::from(groups));
                ctx.insert("charts", &self.year_charts(year));
                let link = |y: &i32| YearLink {
                    year: *y,
                    url: site.year_url(*y),
                };
                ctx.insert(
                    "prev_year",
                    &site.by_year.range(..year).next_back().map(|(y, _)| link(y)),
                );
                ctx.insert(
                    "next_year",
                    &site.by_year.range(year + 1..).next().map(|(y, _)| link(y)),
                );
                "year.html"
            }
            Page::Search => {
                title = self.strings.get("nav_search");
                "search.html"
            }
            Page::NotFound => {
                title = self.strings.get("not_found_title");
                "404.html"
            }
            Page::Feed | Page::CityFeed(_) | Page::KindFeed(_) => {
                let (feed, idx) = self.feed_view(route.page);
                title = feed["title"].as_str().unwrap_or_default().to_string();
                ctx.insert_value("entries", self.cards_of(&idx));
                ctx.insert("updated", &feed["updated"]);
                ctx.insert("feed", &feed);
                "feed.xml"
            }
            Page::Sitemap | Page::SitemapPart { .. } => {
                title = String::new();
                let mut urls = self.sitemap_urls();
                if let Page::SitemapPart { part, per } = route.page {
                    let start = ((part - 1) * per).min(urls.len());
                    urls = urls.drain(start..(start + per).min(urls.len())).collect();
                }
                let urls: Vec<serde_json::Value> = urls
                    .into_iter()
                    .map(|loc| serde_json::json!({"loc": loc}))
                    .collect();
                ctx.insert("urls", &urls);
                "sitemap.xml"
            }
            Page::SitemapIndex { parts } => {
                title = String::new();
                let maps: Vec<serde_json::Value> = (1..=parts)
                    .map(|p| serde_json::json!({"loc": self.sitemap_file_url(&routes::sitemap_part_file(p))}))
                    .collect();
                ctx.insert("sitemaps", &maps);
                "sitemap_index.xml"
            }
            Page::Robots => {
                title = String::new();
                ctx.insert("sitemap_url", &self.sitemap_file_url("sitemap.xml"));
                "robots.txt"
            }
        };
        ctx.insert(
            "page",
            &PageView {
                permalink: format!("{}{path}", self.origin),
                feeds: self.page_feeds(route.page),
                jsonld: self.page_jsonld(route.page, &title, &path),
                og_type: if matches!(route.page, Page::Record(_)) {
                    "article"
                } else {
                    "website"
                },
                path,
                title: &title,
            },
        );
        self.tera
            .render(template, &ctx)
            .map(String::into_bytes)
            .map_err(|e| {
                template_error(&e, &self.files).with_help(format!("while rendering {}", route.file))
            })
    }

    fn country_name(&self, code: &str) -> String {
        let key = format!("country_{code}");
        match self.strings.map.get(&key).and_then(|v| v.as_str()) {
            Some(name) => name.to_string(),
            None => code.to_string(),
        }
    }

    fn record_view(&self, i: usize) -> Value {
        let e = &self.site.entries[i];
        let r = &e.record;
        let site = self.site;
        let sources: Vec<serde_json::Value> = r
            .sources
            .iter()
            .map(|s| {
                let url = match &s.target {
                    SourceTarget::Url(u) => u.clone(),
                    SourceTarget::File(p) => {
                        format!("{}{}", site.config.base_path, r.attachment_file(p))
                    }
                };
                serde_json::json!({"title": s.title, "url": url})
            })
            .collect();
        let (program, trip, workshop) = match &r.details {
            Details::Program(p) => {
                let budget = p.budget.as_ref().map(|b| {
                    let percent = match (b.spent, b.total) {
                        (Some(s), Some(t)) if t > 0.0 => Some((s / t * 1000.0).round() / 10.0),
                        _ => None,
                    };
                    let by_year: Vec<serde_json::Value> = b
                        .by_year
                        .iter()
                        .map(|(y, a)| serde_json::json!({"year": y, "amount": format_amount(*a)}))
                        .collect();
                    serde_json::json!({
                        "unit": b.unit,
                        "total": b.total.map(format_amount),
                        "spent": b.spent.map(format_amount),
                        "spent_percent": percent,
                        "by_year": by_year,
                    })
                });
                let pairs: Vec<[CityLink; 2]> = p
                    .pairs
                    .iter()
                    .map(|[a, b]| [self.city_link(*a), self.city_link(*b)])
                    .collect();
                let program = serde_json::json!({
                    "code": p.code,
                    "status": p.status.map(|s| s.id()),
                    "status_label": p.status.map(|s| self.strings.get(&format!("status_{}", s.id()))),
                    "budget": budget,
                    "pairs": pairs,
                });
                (program, serde_json::Value::Null, serde_json::Value::Null)
            }
            Details::Trip(t) => {
                let trip = serde_json::json!({
                    "travelers": t.travelers,
                    "purpose": t.purpose,
                    "cost": t.cost.as_ref().map(|c| serde_json::json!({"amount": format_amount(c.amount), "currency": c.currency})),
                });
                (serde_json::Value::Null, trip, serde_json::Value::Null)
            }
            Details::Workshop(w) => {
                let workshop = serde_json::json!({
                    "venue": w.venue,
                    "format": w.format.map(|f| f.id()),
                    "format_label": w.format.map(|f| self.strings.get(&format!("format_{}", f.id()))),
                    "participants": w.participants,
                });
                (serde_json::Value::Null, serde_json::Value::Null, workshop)
            }
        };
        // The card's fields, shared, plus the record's own; the body is copied once.
        let mut view: tera::Map = self.cards[i].as_map().cloned().unwrap_or_default();
        view.insert("content".into(), Value::from(e.body.html.as_str()));
        let extra = serde_json::json!({
            "slug": r.slug,
            "years": e.years,
            "year_links": e.years.iter().map(|y| serde_json::json!({"year": y, "url": site.year_url(*y)})).collect::<Vec<_>>(),
            "organizers": r.organizers,
            "partners": r.partners,
            "tags": r.tags,
            "toc": e.body.toc,
            "sources": sources,
            "extra": r.extra,
            "program": program,
            "trip": trip,
            "workshop": workshop,
        });
        if let serde_json::Value::Object(more) = extra {
            for (k, v) in more {
                view.insert(k.into(), Value::from_serializable(&v));
            }
        }
        Value::from(view)
    }
}

/// The page numbers a pager shows: the first, the last, and two on each side of the
/// current one; `None` stands for a gap. Keeps pagers short on lists of thousands.
pub fn pager_window(current: usize, total: usize) -> Vec<Option<usize>> {
    let mut out = Vec::new();
    let mut last = 0;
    for p in 1..=total {
        if p == 1 || p == total || p.abs_diff(current) <= 2 {
            if p > last + 1 {
                out.push(None);
            }
            out.push(Some(p));
            last = p;
        }
    }
    out
}

/// A Tera map from key/value pairs, in order (no serialisation round trip: cards are
/// shared, not copied).
fn tmap<const N: usize>(pairs: [(&'static str, Value); N]) -> Value {
    let mut m = tera::Map::new();
    for (k, v) in pairs {
        m.insert(k.into(), v);
    }
    Value::from(m)
}

fn template_error(e: &tera::Error, files: &BTreeMap<String, String>) -> Diagnostic {
    use std::error::Error as _;
    match e.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            let file = files
                .get(r.filename())
                .cloned()
                .unwrap_or_else(|| r.filename().to_string());
            let span = r.span();
            Diagnostic::error(
                Code::Template,
                file,
                Pos::new(span.start_line, span.start_col + 1),
                format!("template: {}", r.message()),
            )
        }
        _ => {
            let mut msg = e.to_string();
            let mut src = e.source();
            while let Some(s) = src {
                msg.push_str(": ");
                msg.push_str(&s.to_string());
                src = s.source();
            }
            Diagnostic::error(
                Code::Template,
                "templates",
                Pos::UNKNOWN,
                format!("template: {msg}"),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagers_show_a_window_of_pages() {
        let shown = |c, t| {
            pager_window(c, t)
                .iter()
                .map(|p| p.map_or("…".to_string(), |n| n.to_string()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(shown(1, 1), "1");
        assert_eq!(shown(1, 4), "1 2 3 4");
        assert_eq!(shown(10, 500), "1 … 8 9 10 11 12 … 500");
        assert_eq!(shown(500, 500), "1 … 498 499 500");
    }
}
