//! Rendering: turns the site model into page bytes with Tera templates. Builds the
//! view structs templates see (documented in `docs/templates.md`); the views of
//! feeds, sitemaps, metadata and charts are in `publish`. Never reads content and
//! never writes files.

mod connections;
#[cfg(test)]
mod context_docs;
mod data;
mod entities;
mod pages;
mod publish;

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use tera::{Context, Tera, Value};

use crate::charts::Outlines;
use crate::date::{DatePatterns, PartialDate};
use crate::diag::{Code, Diagnostic, Pos};
use crate::export::Export;
use crate::kind::Kind;
use crate::registry::CityId;
use crate::routes::{Page, Route};
use crate::site::{Entry, Site};
use crate::theme::Theme;
use pages::View;

const THEME_PREFIX: &str = "theme/";
pub(crate) const HOME_LATEST: usize = 10;
const HOME_TOP_CITIES: usize = 12;
pub(crate) const FEED_ENTRIES: usize = 30;
/// The bytes first set aside for a rendered page: most pages of the default theme
/// are between 4 and 20 KB.
const PAGE_CAPACITY: usize = 16 * 1024;

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

/// `site`, in every template: the site as seen from one edition. Fields in
/// alphabetical order, as templates have always seen them.
#[derive(Serialize)]
struct SiteView<'a> {
    /// The folder of the static files (style sheets, scripts, the search index),
    /// shared by every edition.
    assets: &'a str,
    base_url: &'a str,
    data_url: String,
    description: &'a str,
    json_feed_url: String,
    /// The edition's language.
    language: &'a str,
    /// The organizations page, when the site has an organization registry.
    organizations_url: Option<String>,
    /// The root of the edition: the site's root for the default edition.
    root: String,
    title: &'a str,
    /// The topics page, when some record has tags or the site a topic registry.
    topics_url: Option<String>,
}

impl SiteView<'_> {
    fn of(site: &Site, edition: usize) -> SiteView<'_> {
        let config = &site.config;
        SiteView {
            assets: &config.base_path,
            base_url: &config.base_url,
            data_url: site.url_in(edition, Page::Data),
            description: &config.description,
            json_feed_url: site.url_in(edition, Page::JsonFeed),
            language: &config.languages[edition],
            organizations_url: (site.organizations.present)
                .then(|| site.url_in(edition, Page::Organizations)),
            root: site.url_in(edition, Page::Home),
            title: &config.title,
            topics_url: (!site.topics.topics.is_empty())
                .then(|| site.url_in(edition, Page::Topics)),
        }
    }
}

/// The text of an entry an edition shows.
struct Shown<'e> {
    title: &'e str,
    summary: &'e str,
    /// The language of `summary` and of the body: the translation's, or the original's.
    lang: &'e str,
    /// The language of `title`: the original's when the translation gives none.
    title_lang: &'e str,
    translation: Option<&'e crate::site::Translated>,
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
    kind_label: &'a str,
    url: String,
    permalink: String,
    title: &'a str,
    date: DateView,
    end: Option<DateView>,
    when: String,
    updated: String,
    published: Option<String>,
    /// Each a `CityLink`, made once per edition (`CardParts`).
    cities: Vec<Value>,
    summary: &'a str,
    lang: &'a str,
    title_lang: &'a str,
}

/// `kind` of a list page: the kind, with the number of its records.
#[derive(Serialize)]
struct KindView {
    id: &'static str,
    section: &'static str,
    label: String,
    url: String,
    count: usize,
}

/// One of `kinds`, on every page: a kind and where its list is, without the number of
/// its records, so that adding or deleting a record leaves the pages that do not show
/// it as they were.
#[derive(Serialize)]
struct NavKind {
    id: &'static str,
    section: &'static str,
    label: String,
    url: String,
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
    /// The page in every edition, the default first (one, this page, when the site
    /// has one edition).
    alternates: Vec<Alternate>,
    /// JSON-LD, escaped for a `<script>` element; may be empty.
    jsonld: String,
    /// The page's data as JSON (a record's `index.json`), if it has one.
    json_url: Option<String>,
    /// Open Graph type: `article` for records, `website` otherwise.
    og_type: &'static str,
}

/// One of `page.alternates`: the page in one edition.
#[derive(Serialize)]
struct Alternate {
    /// The edition's language: `ja`.
    lang: String,
    /// The language's own name: `日本語`.
    name: String,
    /// The Open Graph locale of the language: `ja_JP`.
    og_locale: String,
    /// Absolute URL of the page in that edition.
    permalink: String,
    /// URL path of the page in that edition.
    url: String,
    /// Whether it is this page's edition.
    current: bool,
}

/// What is done with the view of a page: whatever its context's type.
trait ViewSink {
    type Out;
    fn take<T: Serialize>(self, view: View<T>) -> Self::Out;
    /// A file made without a template (JSON, redirects, the downloads).
    fn raw(self, bytes: Vec<u8>) -> Self::Out;
}

/// Renders a view for its route.
struct Rendering<'r, 's> {
    renderer: &'r Renderer<'s>,
    route: &'r Route,
}

impl ViewSink for Rendering<'_, '_> {
    type Out = Result<Vec<u8>, Diagnostic>;
    fn take<T: Serialize>(self, view: View<T>) -> Self::Out {
        self.renderer.page(self.route, view)
    }
    fn raw(self, bytes: Vec<u8>) -> Self::Out {
        Ok(bytes)
    }
}

/// The theme's data file with the country outlines of the map.
const MAP_DATA: &str = "east-asia.json";

/// Renders routes to bytes. Built once per build; shared across threads.
pub struct Renderer<'s> {
    site: &'s Site,
    /// The edition rendered: an index of `config.languages`.
    edition: usize,
    /// Its language.
    lang: &'s str,
    /// The name and Open Graph locale of each edition's language.
    editions: Vec<(String, String)>,
    tera: Tera,
    strings: Strings,
    /// Template name → file, for error messages.
    files: BTreeMap<String, String>,
    origin: String,
    /// Country outlines for the map of `/cities/`, if the theme has them.
    outlines: Option<Outlines>,
    /// What the data page shows of the downloads under `/data/` (their sizes and first
    /// rows), measured when they are written or when the data page is first rendered;
    /// one for all the editions (`share_export`).
    export: Arc<OnceLock<Export>>,
    /// Every route of the site, when the build holds them (`use_routes`): the
    /// sitemaps list them; otherwise they are made for each sitemap.
    routes: Option<&'s [Route]>,
    /// What every card of the edition shares, made once: the links of the cities,
    /// the kinds' labels, the separator of a date range.
    shared: CardParts,
}

/// The parts of a card that depend only on the edition: made once per renderer
/// rather than once per card.
struct CardParts {
    /// The link of each city of the registry, by `CityId`.
    city_links: Vec<CityLink>,
    /// The same as template values, which a card's serialisation copies by reference.
    city_values: Vec<Value>,
    /// The label of each kind, in the order of `Kind::ALL`.
    kind_labels: Vec<String>,
    range_sep: String,
}

impl CardParts {
    fn of(site: &Site, edition: usize, strings: &Strings) -> CardParts {
        let lang = site.config.languages[edition].as_str();
        let city_links: Vec<CityLink> = (0..site.registry.cities.len())
            .map(|id| CityLink {
                id: site.registry.cities[id].id.clone(),
                name: site.registry.name(id, lang).to_string(),
                url: site.url_in(edition, Page::City(id, 1)),
            })
            .collect();
        CardParts {
            city_values: city_links.iter().map(Value::from_serializable).collect(),
            city_links,
            kind_labels: (Kind::ALL.iter())
                .map(|k| strings.get(&format!("kind_{}", k.id())))
                .collect(),
            range_sep: strings.get("range_sep"),
        }
    }
}

impl<'s> Renderer<'s> {
    /// The renderer of the default edition.
    pub fn new(site: &'s Site, theme: &Theme) -> Result<Renderer<'s>, Vec<Diagnostic>> {
        Renderer::edition(site, theme, 0)
    }

    /// Uses the downloads of `other`, built once for both: they are the same in every
    /// edition.
    pub fn share_export(&mut self, other: &Renderer<'_>) {
        self.export = Arc::clone(&other.export);
    }

    /// Takes the sitemaps' pages from `routes`, every route of the site
    /// (`Site::routes`), instead of making them again for each sitemap.
    pub fn use_routes(&mut self, routes: &'s [Route]) {
        self.routes = Some(routes);
    }

    /// The renderer of edition `edition` (an index of `config.languages`).
    pub fn edition(
        site: &'s Site,
        theme: &Theme,
        edition: usize,
    ) -> Result<Renderer<'s>, Vec<Diagnostic>> {
        let config = &site.config;
        let lang = config.languages[edition].as_str();
        let strings = Strings::load(theme, lang).map_err(|d| vec![d])?;
        let mut editions = Vec::new();
        for l in &config.languages {
            let own = Strings::load(theme, l).map_err(|d| vec![d])?;
            editions.push((own.get(&format!("lang_name_{l}")), own.get("og_locale")));
        }
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
        let site_view = SiteView::of(site, edition);
        let kinds: Vec<NavKind> = Kind::ALL
            .iter()
            .map(|&k| NavKind {
                id: k.id(),
                section: k.section(),
                label: strings.get(&format!("kinds_{}", k.id())),
                url: site.url_in(edition, Page::List(k, 1)),
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
        // The countries of the map, named in the edition's language where the strings
        // name them.
        let outlines = outlines.map(|mut o| {
            for c in &mut o.countries {
                if let Some(name) = strings.map.get(&format!("country_{}", c.id)) {
                    c.name = name.as_str().unwrap_or(&c.name).to_string();
                }
            }
            o
        });
        let shared = CardParts::of(site, edition, &strings);
        Ok(Renderer {
            site,
            edition,
            lang,
            editions,
            tera,
            strings,
            files,
            origin,
            outlines,
            export: Arc::new(OnceLock::new()),
            routes: None,
            shared,
        })
    }

    fn date(&self, d: &PartialDate) -> DateView {
        DateView {
            iso: d.to_string(),
            text: d.localised(&self.strings.dates),
        }
    }

    /// The URL path of `page` in the edition rendered.
    fn url(&self, page: Page) -> String {
        self.site.url_in(self.edition, page)
    }

    /// The name of a city in the edition's language.
    fn city_name(&self, id: CityId) -> &str {
        self.site.registry.name(id, self.lang)
    }

    fn city_link(&self, id: CityId) -> CityLink {
        self.shared.city_links[id].clone()
    }

    /// What the edition shows of an entry's text: its translation into the edition's
    /// language, or the original.
    fn shown<'e>(&self, e: &'e Entry) -> Shown<'e> {
        let r = &e.record;
        match e.translation(self.lang) {
            Some(t) => Shown {
                title: t.text.title.as_deref().unwrap_or(&r.title),
                summary: &t.summary,
                lang: &t.text.lang,
                title_lang: if t.text.title.is_some() {
                    &t.text.lang
                } else {
                    &r.lang
                },
                translation: Some(t),
            },
            None => Shown {
                title: &r.title,
                summary: e.summary(),
                lang: &r.lang,
                title_lang: &r.lang,
                translation: None,
            },
        }
    }

    fn card<'e>(&'e self, e: &'e Entry) -> Card<'e> {
        let r = &e.record;
        let shown = self.shown(e);
        let date = self.date(&r.date);
        let end = r.end.filter(|end| *end != r.date).map(|d| self.date(&d));
        let when = match &end {
            Some(end) => [&*date.text, &self.shared.range_sep, &end.text].concat(),
            None => date.text.clone(),
        };
        let url = self.site.record_url(self.edition, r);
        let kind = (Kind::ALL.iter().position(|&k| k == r.kind)).expect("every kind is in ALL");
        Card {
            kind: r.kind.id(),
            kind_label: &self.shared.kind_labels[kind],
            permalink: [&*self.origin, &url].concat(),
            url,
            title: shown.title,
            date,
            end,
            when,
            updated: crate::history::rfc3339(e.feed_time()),
            published: e.added().map(crate::history::rfc3339),
            cities: (r.cities.iter())
                .map(|&c| self.shared.city_values[c].clone())
                .collect(),
            summary: shown.summary,
            lang: shown.lang,
            title_lang: shown.title_lang,
        }
    }

    /// The card of entry `i`, made for the page that shows it: cards are not held
    /// between pages, so that the memory they take does not grow with the archive.
    fn card_of(&self, i: usize) -> Value {
        Value::from_serializable(&self.card(&self.site.entries[i]))
    }

    /// The cards of some entries.
    fn cards_of(&self, indexes: &[usize]) -> Vec<Value> {
        indexes.iter().map(|&i| self.card_of(i)).collect()
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
                url: self.url(Page::Year(year, 1)),
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

    /// Renders one route: the view of its page, then its template.
    pub fn render(&self, route: &Route) -> Result<Vec<u8>, Diagnostic> {
        self.view(
            route.page,
            Rendering {
                renderer: self,
                route,
            },
        )
    }

    /// Builds the view of a page and hands it to `to`.
    fn view<S: ViewSink>(&self, page: Page, to: S) -> S::Out {
        match page {
            Page::Home => to.take(self.home_page()),
            Page::List(kind, n) => to.take(self.list_page(kind, n)),
            Page::Record(i) => to.take(self.record_page(i)),
            Page::Cities => to.take(self.cities_page()),
            Page::City(id, n) => to.take(self.city_page(id, n)),
            Page::Pair(k, n) => to.take(self.pair_page(k, n)),
            Page::Years => to.take(self.years_page()),
            Page::Year(year, n) => to.take(self.year_page(year, n)),
            Page::Series(k) => to.take(self.series_page(k)),
            Page::Organizations => to.take(self.organizations_page()),
            Page::Organization(id, n) => to.take(self.organization_page(id, n)),
            Page::Topics => to.take(self.topics_page()),
            Page::Topic(i, n) => to.take(self.topic_page(i, n)),
            Page::Search => to.take(self.search_page()),
            Page::NotFound => to.take(self.bare_page("404.html", "not_found_title")),
            Page::Feed | Page::CityFeed(_) | Page::KindFeed(_) => to.take(self.feed_page(page)),
            Page::Sitemap => to.take(self.sitemap_page(None)),
            Page::SitemapPart { part, per } => to.take(self.sitemap_page(Some((part, per)))),
            Page::SitemapIndex { parts } => to.take(self.sitemap_index_page(parts)),
            Page::Robots => to.take(self.robots_page()),
            Page::RecordJson(i) => to.raw(crate::export::record_json(self.site, i)),
            Page::JsonFeed | Page::CityJsonFeed(_) | Page::KindJsonFeed(_) => {
                to.raw(self.json_feed(page))
            }
            Page::Alias(i, _) => to.raw(self.redirect_page(i)),
            Page::Redirects => to.raw(self.redirects_file()),
            Page::Data => to.take(self.data_page()),
            Page::DataFile(file) => to.raw(crate::export::file_bytes(self.site, file)),
        }
    }

    /// Renders a page's view with `page` added to its context.
    fn page<T: Serialize>(&self, route: &Route, view: View<T>) -> Result<Vec<u8>, Diagnostic> {
        let base = &self.site.config.base_path;
        let path = route
            .url(base)
            .unwrap_or_else(|| format!("{base}{}", route.file));
        let error = |e: tera::Error| {
            template_error(&e, &self.files).with_help(format!("while rendering {}", route.file))
        };
        let mut ctx = Context::from_serialize(&view.context).map_err(error)?;
        ctx.insert("page", &self.page_view(route.page, &view.title, path));
        // Rendered into bytes: the page is written as bytes, so the text Tera writes
        // (valid UTF-8, from the templates and the escaped values) is not checked again.
        let mut out = Vec::with_capacity(PAGE_CAPACITY);
        self.tera
            .render_to(view.template, &ctx, &mut out)
            .map_err(error)?;
        Ok(out)
    }

    /// `page`, in every template.
    fn page_view<'t>(&self, page: Page, title: &'t str, path: String) -> PageView<'t> {
        PageView {
            permalink: format!("{}{path}", self.origin),
            feeds: self.page_feeds(page),
            alternates: self.alternates(page),
            jsonld: self.page_jsonld(page, title, &path),
            json_url: match page {
                Page::Record(i) => Some(self.site.url(Page::RecordJson(i))),
                _ => None,
            },
            og_type: if matches!(page, Page::Record(_)) {
                "article"
            } else {
                "website"
            },
            path,
            title,
        }
    }

    /// The page in every edition.
    fn alternates(&self, page: Page) -> Vec<Alternate> {
        let config = &self.site.config;
        (config.languages.iter().zip(&self.editions).enumerate())
            .map(|(e, (lang, (name, og_locale)))| {
                let url = self.site.url_in(e, page);
                Alternate {
                    lang: lang.clone(),
                    name: name.clone(),
                    og_locale: og_locale.clone(),
                    permalink: format!("{}{url}", self.origin),
                    url,
                    current: e == self.edition,
                }
            })
            .collect()
    }

    fn country_name(&self, code: &str) -> String {
        let key = format!("country_{code}");
        match self.strings.map.get(&key).and_then(|v| v.as_str()) {
            Some(name) => name.to_string(),
            None => code.to_string(),
        }
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
