//! The context of each HTML page template: one view function per `Page` arm, each
//! returning a struct that `docs/templates.md` documents field by field. Where a view
//! replaced a map built by hand, its fields are declared in alphabetical order, the
//! order templates have always seen them in.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};
use tera::Value;

use super::connections::{Pager, Period, SeriesLink, TimelineYear};
use super::entities::NameLink;
use super::publish::{CityCharts, FeedLink, HomeCharts, YearCharts};
use super::{
    CityCount, CityLink, CountView, DateView, HOME_LATEST, HOME_TOP_CITIES, KindView, Renderer,
};
use super::{YearLink, YearView};
use crate::charts::format_amount;
use crate::content::{Details, Program, Record, Status, Trip, Workshop};
use crate::date::PartialDate;
use crate::facts::DatesSay;
use crate::kind::Kind;
use crate::markdown::Heading;
use crate::names::Name;
use crate::registry::CityId;
use crate::routes::{Names, Page};

/// What a page is rendered from: its template, its title (`page.title`) and the
/// context its template sees besides the global one.
pub(super) struct View<T> {
    pub template: &'static str,
    pub title: String,
    pub context: T,
}

/// `index.html`.
#[derive(Serialize)]
pub(super) struct HomePage {
    latest: Vec<Value>,
    counts: Counts,
    top_cities: Vec<CityCount>,
    years: Vec<YearView>,
    charts: HomeCharts,
}

/// `counts` of the home page: how many records, cities with records and years, and
/// how many records of each kind, named by the kind's section (`programs`, …).
pub(super) struct Counts {
    records: usize,
    cities: usize,
    years: usize,
    kinds: Vec<(Kind, usize)>,
}

impl Serialize for Counts {
    /// A struct named `Counts` whose fields, the kinds' included, come in
    /// alphabetical order.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut fields: Vec<(&'static str, usize)> = vec![
            ("records", self.records),
            ("cities", self.cities),
            ("years", self.years),
        ];
        fields.extend(self.kinds.iter().map(|&(k, n)| (k.section(), n)));
        fields.sort_unstable();
        let mut st = s.serialize_struct("Counts", fields.len())?;
        for (name, n) in fields {
            st.serialize_field(name, &n)?;
        }
        st.end()
    }
}

/// `list.html`: one page of a kind list.
#[derive(Serialize)]
pub(super) struct ListPage {
    kind: KindView,
    cards: Vec<Value>,
    pager: Pager,
    feed: FeedLink,
}

/// `record.html`: `record` is the record's card with the fields of its
/// `RecordView` after them.
#[derive(Serialize)]
pub(super) struct RecordPage {
    record: Value,
}

/// The fields a record page adds to the record's card.
#[derive(Serialize)]
pub(super) struct RecordView<'a> {
    added: Option<DateView>,
    content: String,
    edit_url: Option<String>,
    extra: &'a serde_json::Value,
    last_updated: Option<DateView>,
    organizer_links: Vec<NameLink>,
    organizers: &'a [Name],
    organizers_lang: &'a str,
    original_lang: &'a str,
    part_of: Option<Value>,
    partner_links: Vec<NameLink>,
    partners: &'a [Name],
    partners_lang: &'a str,
    program: Option<ProgramView<'a>>,
    related: Vec<Value>,
    series: Option<SeriesLink>,
    slug: &'a str,
    sources: Vec<SourceView<'a>>,
    tag_links: Vec<NameLink>,
    tags: &'a [Name],
    timeline: Vec<TimelineYear>,
    toc: Vec<Heading>,
    trip: Option<TripView<'a>>,
    untranslated: bool,
    versions: Vec<VersionLink>,
    workshop: Option<WorkshopView<'a>>,
    year_links: Vec<YearLink>,
    years: Vec<i32>,
}

/// One of a record's `versions`: the original or a translation.
#[derive(Serialize)]
struct VersionLink {
    current: bool,
    lang: String,
    name: String,
    original: bool,
    url: String,
}

#[derive(Serialize)]
struct SourceView<'a> {
    title: &'a str,
    url: String,
}

#[derive(Serialize)]
struct ProgramView<'a> {
    budget: Option<BudgetView<'a>>,
    code: Option<&'a str>,
    pairs: Vec<[CityLink; 2]>,
    status: Option<&'static str>,
    status_label: Option<String>,
}

#[derive(Serialize)]
struct BudgetView<'a> {
    by_year: Vec<YearAmount>,
    spent: Option<String>,
    spent_percent: Option<f64>,
    spent_value: Option<String>,
    total: Option<String>,
    total_value: Option<String>,
    unit: Option<&'a str>,
}

#[derive(Serialize)]
struct YearAmount {
    amount: String,
    /// The amount as a machine reads it: digits, no thousands separators.
    value: String,
    year: i32,
}

#[derive(Serialize)]
struct TripView<'a> {
    cost: Option<CostView<'a>>,
    purpose: Option<&'a str>,
    travelers: Option<u32>,
}

#[derive(Serialize)]
struct CostView<'a> {
    amount: String,
    currency: &'a str,
    value: String,
}

#[derive(Serialize)]
struct WorkshopView<'a> {
    format: Option<&'static str>,
    format_label: Option<String>,
    participants: &'a [String],
    venue: Option<&'a str>,
}

/// `cities.html`.
#[derive(Serialize)]
pub(super) struct CitiesPage<'a> {
    countries: Vec<CountryView<'a>>,
    total_cities: usize,
    map: String,
}

#[derive(Serialize)]
struct CountryView<'a> {
    cities: Vec<CityCount>,
    code: &'a str,
    name: String,
}

/// `city.html`.
#[derive(Serialize)]
pub(super) struct CityPage<'a> {
    city: CityView<'a>,
    periods: Vec<Period>,
    pager: Pager,
    partners: Vec<Partner>,
    by_kind: Vec<CountView>,
    charts: Option<CityCharts>,
    feed: FeedLink,
}

#[derive(Serialize)]
struct CityView<'a> {
    aliases: &'a [String],
    children: Vec<CityLink>,
    count: usize,
    country: &'a str,
    country_name: String,
    id: &'a str,
    name: String,
    names: &'a BTreeMap<String, String>,
    /// Its other names (in the other languages, then its aliases), each once.
    other_names: Vec<OtherName<'a>>,
    /// Records of its own (naming it), not of the places within it.
    own_count: usize,
    parent: Option<CityLink>,
    url: String,
}

/// One of a city page's `partners`: a city it cooperates with, in how many records,
/// and the page of the pair.
#[derive(Serialize)]
struct Partner {
    count: usize,
    id: String,
    name: String,
    pair_url: String,
    url: String,
}

/// One of `city.other_names`.
#[derive(Serialize)]
struct OtherName<'a> {
    /// The language of a name; `None` for an alias.
    lang: Option<&'a str>,
    name: &'a str,
}

/// `years.html`.
#[derive(Serialize)]
pub(super) struct YearsPage {
    years: Vec<YearView>,
}

/// `year.html`.
#[derive(Serialize)]
pub(super) struct YearPage {
    year: i32,
    total: usize,
    groups: Vec<KindGroup>,
    pager: Pager,
    charts: Option<YearCharts>,
    prev_year: Option<YearLink>,
    next_year: Option<YearLink>,
}

/// One of a year page's `groups`: the records of one kind.
#[derive(Serialize)]
struct KindGroup {
    id: &'static str,
    label: String,
    cards: Vec<Value>,
}

/// `search.html` and `404.html`: nothing but the global context.
#[derive(Serialize)]
pub(super) struct BarePage {}

/// `search.html`.
#[derive(Serialize)]
pub(super) struct SearchPage {
    /// On a site of several editions, what `search.js` shows in the edition's language
    /// instead of the index's (which is the default edition's), as JSON escaped for a
    /// `<script>` element: `{"cities": {id: name}, "organizations": {id: name},
    /// "topics": {slug: name}}`. (The translations of the records
    /// are in the index.) Empty on a site of one edition.
    edition_names: String,
}

impl Renderer<'_> {
    pub(super) fn home_page(&self) -> View<HomePage> {
        let site = self.site;
        let latest: Vec<usize> = (0..site.entries.len().min(HOME_LATEST)).collect();
        let counts = Counts {
            records: site.entries.len(),
            cities: site.by_city.iter().filter(|v| !v.is_empty()).count(),
            years: site.by_year.len(),
            kinds: Kind::ALL
                .iter()
                .map(|&k| (k, site.by_kind.get(&k).map_or(0, Vec::len)))
                .collect(),
        };
        let mut top: Vec<(CityId, usize)> = site
            .by_city
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_empty())
            .map(|(i, v)| (i, v.len()))
            .collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        top.truncate(HOME_TOP_CITIES);
        View {
            template: "index.html",
            title: site.config.title.clone(),
            context: HomePage {
                latest: self.cards_of(&latest),
                counts,
                top_cities: self.city_counts(top.into_iter()),
                years: self.years_view(),
                charts: self.home_charts(),
            },
        }
    }

    pub(super) fn list_page(&self, kind: Kind, n: usize) -> View<ListPage> {
        let site = self.site;
        let label = self.strings.get(&format!("kinds_{}", kind.id()));
        let all = site.by_kind.get(&kind).map_or(&[][..], Vec::as_slice);
        let pages = site.list_pages(kind);
        let slice = site.page_of(all, n);
        let context = ListPage {
            kind: KindView {
                id: kind.id(),
                section: kind.section(),
                label: label.clone(),
                url: self.url(Page::List(kind, 1)),
                count: all.len(),
            },
            cards: self.cards_of(slice),
            pager: self.pager(n, pages, |p| Page::List(kind, p)),
            feed: self.kind_feed(kind),
        };
        View {
            template: "list.html",
            title: label,
            context,
        }
    }

    pub(super) fn record_page(&self, i: usize) -> View<RecordPage> {
        // The card's fields, then the record's own; the body is copied once.
        let mut record = self.card_of(i).into_map().unwrap_or_default();
        if let Some(own) = Value::from_serializable(&self.record_view(i)).into_map() {
            record.extend(own);
        }
        View {
            template: "record.html",
            title: self.shown(&self.site.entries[i]).title.to_string(),
            context: RecordPage {
                record: Value::from(record),
            },
        }
    }

    pub(super) fn record_view<'s>(&'s self, i: usize) -> RecordView<'s> {
        let site = self.site;
        let e = &site.entries[i];
        let r = &e.record;
        let sources = (r.sources().iter())
            .map(|s| SourceView {
                title: &s.title,
                url: s.href(r, &site.config.base_path),
            })
            .collect();
        let (mut program, mut trip, mut workshop) = (None, None, None);
        match &r.details {
            Details::Program(p) => program = Some(self.program_view(r, p)),
            Details::Trip(t) => trip = Some(trip_view(t)),
            Details::Workshop(w) => workshop = Some(self.workshop_view(w)),
        }
        let links = self.record_links(i);
        let shown = self.shown(e);
        let body = shown.translation.map_or(&e.body, |t| &t.body).get();
        let text = shown.translation.map(|t| &t.text);
        // A list the translation gives, in its language; else the original's, in its own.
        let own = |given: Option<&'s [Name]>, original: &'s [Name]| match given {
            Some(list) => (list, shown.lang),
            None => (original, &*r.lang),
        };
        let (organizers, organizers_lang) =
            own(text.and_then(|t| t.organizers.as_deref()), &r.organizers);
        let (partners, partners_lang) = own(text.and_then(|t| t.partners.as_deref()), &r.partners);
        let day = |secs: i64| {
            let (y, m, d) = crate::history::civil(secs);
            let date = PartialDate {
                year: y as i32,
                month: Some(m as u8),
                day: Some(d as u8),
            };
            self.date(&date)
        };
        // The last change is shown when it is not the day the record was added.
        let added = e.added().map(day);
        let last_updated = e
            .updated()
            .map(day)
            .filter(|u| added.as_ref().is_none_or(|a| a.iso != u.iso));
        let edit_url = site.config.repo_url.as_ref().map(|repo| {
            let path = r.source.to_string_lossy().replace('\\', "/");
            format!("{repo}/{}", crate::escape::percent_encode_path(&path))
        });
        RecordView {
            added,
            // Links to other records lead to their pages in this edition.
            content: (body.relinked(site.config.base_path.len(), site.edition_dir(self.edition)))
                .into_owned(),
            edit_url,
            extra: r.extra(),
            last_updated,
            organizer_links: self.organization_links(organizers),
            organizers,
            organizers_lang,
            original_lang: &r.lang,
            part_of: links.part_of,
            partner_links: self.organization_links(partners),
            partners,
            partners_lang,
            related: links.related,
            series: links.series,
            timeline: links.timeline,
            untranslated: self.site.config.languages.len() > 1
                && shown.translation.is_none()
                && *r.lang != *self.lang,
            versions: self.versions(e),
            program,
            slug: &r.slug,
            sources,
            tag_links: self.tag_links(&r.tags),
            tags: &r.tags,
            toc: body.toc.clone(),
            trip,
            workshop,
            year_links: e.years().map(|y| self.year_link(y)).collect(),
            years: e.years().collect(),
        }
    }

    /// The original of a record and its translations, each on the page of the edition
    /// that shows it (the original on the default edition's when its language has no
    /// edition); none when it has no translation.
    fn versions(&self, e: &crate::site::Entry) -> Vec<VersionLink> {
        if e.translations.is_empty() {
            return Vec::new();
        }
        let languages = &self.site.config.languages;
        let edition_of = |lang: &str| languages.iter().position(|l| l == lang);
        let original = (&*e.record.lang, edition_of(&e.record.lang).unwrap_or(0));
        let shown = self.shown(e).lang;
        std::iter::once((original, true))
            .chain(e.translations.iter().filter_map(|t| {
                let lang = t.text.lang.as_str();
                Some(((lang, edition_of(lang)?), false))
            }))
            .map(|((lang, edition), original)| VersionLink {
                current: lang == shown,
                lang: lang.to_string(),
                name: self.strings.get(&format!("lang_name_{lang}")),
                original,
                url: self.site.record_url(edition, &e.record),
            })
            .collect()
    }

    fn program_view<'p>(&self, r: &Record, p: &'p Program) -> ProgramView<'p> {
        let budget = p.budget.as_ref().map(|b| BudgetView {
            by_year: b
                .by_year
                .iter()
                .map(|(&year, &a)| YearAmount {
                    amount: format_amount(a),
                    value: machine_amount(a),
                    year,
                })
                .collect(),
            spent: b.spent.map(format_amount),
            spent_value: b.spent.map(machine_amount),
            spent_percent: match (b.spent, b.total) {
                (Some(s), Some(t)) if t > 0.0 => Some((s / t * 1000.0).round() / 10.0),
                _ => None,
            },
            total: b.total.map(format_amount),
            total_value: b.total.map(machine_amount),
            unit: b.unit.as_deref(),
        });
        ProgramView {
            budget,
            code: p.code.as_deref(),
            pairs: p
                .pairs
                .iter()
                .map(|[a, b]| [self.city_link(*a), self.city_link(*b)])
                .collect(),
            status: p.status.map(|s| self.status_shown(r, s).0),
            status_label: p.status.map(|s| self.status_shown(r, s).1),
        }
    }

    /// The status a program's page shows, as a class and a label: the one written,
    /// unless its dates say otherwise on the day of the build ("ended 2018-06").
    fn status_shown(&self, r: &Record, written: Status) -> (&'static str, String) {
        let label = |key: &str, date: &PartialDate| {
            (self.strings.get(key)).replace("{date}", &self.date(date).text)
        };
        match crate::facts::dates_say(r, self.site.today) {
            Some(DatesSay::Ended(end)) => ("completed", label("status_ended", &end)),
            Some(DatesSay::Started(start)) => ("ongoing", label("status_started", &start)),
            None => (
                written.id(),
                self.strings.get(&format!("status_{}", written.id())),
            ),
        }
    }

    fn workshop_view<'w>(&self, w: &'w Workshop) -> WorkshopView<'w> {
        WorkshopView {
            format: w.format.map(super::super::content::Format::id),
            format_label: w
                .format
                .map(|f| self.strings.get(&format!("format_{}", f.id()))),
            participants: &w.participants,
            venue: w.venue.as_deref(),
        }
    }

    pub(super) fn cities_page(&self) -> View<CitiesPage<'_>> {
        let site = self.site;
        let mut countries: BTreeMap<&str, Vec<CityCount>> = BTreeMap::new();
        for (id, city) in site.registry.cities.iter().enumerate() {
            let count = site.place(id).len();
            countries
                .entry(city.country.as_str())
                .or_default()
                .extend(self.city_counts([(id, count)].into_iter()));
        }
        let countries = countries
            .into_iter()
            .map(|(code, mut cities)| {
                cities.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
                CountryView {
                    cities,
                    code,
                    name: self.country_name(code),
                }
            })
            .collect();
        View {
            template: "cities.html",
            title: self.strings.get("nav_cities"),
            context: CitiesPage {
                countries,
                total_cities: site.registry.cities.len(),
                map: self.cities_map(),
            },
        }
    }

    pub(super) fn city_page(&self, id: CityId, n: usize) -> View<CityPage<'_>> {
        let site = self.site;
        let all = site.place(id);
        let city = self.city_view(id);
        let within = site.registry.within(id);
        let mut title = city.name.clone();
        if n > 1 {
            title = format!(
                "{title} ({})",
                self.page_status(n, site.page_count(all.len()))
            );
        }
        View {
            template: "city.html",
            title,
            context: CityPage {
                city,
                periods: self.periods(site.page_of(all, n), &within),
                pager: self.pager(n, site.page_count(all.len()), |p| Page::City(id, p)),
                partners: if n == 1 {
                    self.partners(id)
                } else {
                    Vec::new()
                },
                by_kind: self.count_by_kind(all),
                charts: (n == 1).then(|| self.city_charts(id)),
                feed: self.city_feed(id),
            },
        }
    }

    /// The cities `id` cooperates with, each with the page of the pair.
    fn partners(&self, id: CityId) -> Vec<Partner> {
        let site = self.site;
        (site.partners[id].iter())
            .map(|&(other, count)| {
                let l = self.city_link(other);
                let pair = site.pair(id, other).expect("a partner is in a pair");
                Partner {
                    count,
                    id: l.id,
                    name: l.name,
                    pair_url: self.url(Page::Pair(pair, 1)),
                    url: l.url,
                }
            })
            .collect()
    }

    /// "page 2 of 5", in the edition's language.
    pub(super) fn page_status(&self, n: usize, total: usize) -> String {
        self.strings
            .get("pager_status")
            .replace("{current}", &n.to_string())
            .replace("{total}", &total.to_string())
    }

    fn city_view(&self, id: CityId) -> CityView<'_> {
        let site = self.site;
        let c = &site.registry.cities[id];
        let l = self.city_link(id);
        let mut other_names: Vec<OtherName<'_>> = Vec::new();
        let mut seen = vec![crate::registry::name_key(&l.name)];
        let names = (crate::config::LANGUAGES.iter())
            .filter_map(|&lang| Some((Some(lang), c.names.get(lang)?.as_str())))
            .chain(c.aliases.iter().map(|a| (None, a.as_str())));
        for (lang, name) in names {
            let key = crate::registry::name_key(name);
            if !name.is_empty() && !seen.contains(&key) {
                seen.push(key);
                other_names.push(OtherName { lang, name });
            }
        }
        CityView {
            aliases: &c.aliases,
            children: (site.registry.children(id).iter())
                .map(|&i| self.city_link(i))
                .collect(),
            count: site.place(id).len(),
            country: &c.country,
            country_name: self.country_name(&c.country),
            id: &c.id,
            name: l.name,
            names: &c.names,
            other_names,
            own_count: site.by_city[id].len(),
            parent: c.parent.map(|p| self.city_link(p)),
            url: l.url,
        }
    }

    pub(super) fn years_page(&self) -> View<YearsPage> {
        View {
            template: "years.html",
            title: self.strings.get("nav_years"),
            context: YearsPage {
                years: self.years_view(),
            },
        }
    }

    pub(super) fn year_page(&self, year: i32, n: usize) -> View<YearPage> {
        let site = self.site;
        let idx = &site.by_year[&year];
        let pages = site.page_count(idx.len());
        let groups = Kind::ALL
            .iter()
            .filter_map(|&k| {
                let of_kind: Vec<usize> = (site.page_of(idx, n).iter())
                    .copied()
                    .filter(|&i| site.entries[i].record.kind == k)
                    .collect();
                (!of_kind.is_empty()).then(|| KindGroup {
                    id: k.id(),
                    label: self.strings.get(&format!("kinds_{}", k.id())),
                    cards: self.cards_of(&of_kind),
                })
            })
            .collect();
        let prev = site.by_year.range(..year).next_back();
        let next = site.by_year.range(year + 1..).next();
        let mut title = year.to_string();
        if n > 1 {
            title = format!("{title} ({})", self.page_status(n, pages));
        }
        View {
            template: "year.html",
            title,
            context: YearPage {
                year,
                total: idx.len(),
                groups,
                pager: self.pager(n, pages, |p| Page::Year(year, p)),
                charts: (n == 1).then(|| self.year_charts(year)),
                prev_year: prev.map(|(&y, _)| self.year_link(y)),
                next_year: next.map(|(&y, _)| self.year_link(y)),
            },
        }
    }

    /// A page whose template sees only the global context; its title is the UI
    /// string `title_key`.
    pub(super) fn search_page(&self) -> View<SearchPage> {
        let site = self.site;
        let mut edition_names = String::new();
        if site.config.languages.len() > 1 {
            let cities: serde_json::Map<String, serde_json::Value> =
                (0..site.registry.cities.len())
                    .map(|id| {
                        (
                            site.registry.cities[id].id.clone(),
                            self.city_name(id).into(),
                        )
                    })
                    .collect();
            let organizations: serde_json::Map<String, serde_json::Value> =
                (site.organizations.list.iter().enumerate())
                    .map(|(i, o)| (o.id.clone(), site.organizations.name(i, self.lang).into()))
                    .collect();
            let topics: serde_json::Map<String, serde_json::Value> =
                (site.topics.topics.iter().enumerate())
                    .map(|(i, t)| {
                        let name = site.topics.name(&site.topic_registry, i, self.lang);
                        (t.slug.clone(), name.into())
                    })
                    .collect();
            edition_names = crate::jsonld::script_text(&serde_json::json!({
                "cities": cities,
                "organizations": organizations,
                "topics": topics,
            }));
        }
        View {
            template: "search.html",
            title: self.strings.get("nav_search"),
            context: SearchPage { edition_names },
        }
    }

    pub(super) fn bare_page(&self, template: &'static str, title_key: &str) -> View<BarePage> {
        View {
            template,
            title: self.strings.get(title_key),
            context: BarePage {},
        }
    }

    pub(super) fn year_link(&self, year: i32) -> YearLink {
        YearLink {
            year,
            url: self.url(Page::Year(year, 1)),
        }
    }
}

fn trip_view(t: &Trip) -> TripView<'_> {
    TripView {
        cost: t.cost.as_ref().map(|c| CostView {
            amount: format_amount(c.amount),
            currency: &c.currency,
            value: machine_amount(c.amount),
        }),
        purpose: t.purpose.as_deref(),
        travelers: t.travelers,
    }
}

/// An amount for `<data value>`: digits and a decimal point, never a thousands
/// separator or an exponent.
fn machine_amount(n: f64) -> String {
    let text = n.to_string();
    debug_assert!(!text.contains(['e', 'E', ',']));
    text
}
