//! One record as data: every field of the content model, typed, in the shape of
//! `records.json`, of each record's `index.json` and of the JSON Schema published
//! beside them (`schema.rs`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::content::{Budget, Details, Format, SourceTarget, Status};
use crate::date::PartialDate;
use crate::escape::percent_encode_path;
use crate::history;
use crate::names::Name;
use crate::routes::Page;
use crate::site::{Entry, Site};

/// A record in `records.json`. Kind-specific fields are `null` on the other kinds.
#[derive(Serialize)]
pub(crate) struct RecordData<'a> {
    /// `programs/<slug>`: the record's path, unique in the archive.
    pub id: String,
    pub kind: &'static str,
    pub slug: &'a str,
    pub title: &'a str,
    pub date: DateData,
    pub end: Option<DateData>,
    pub years: Vec<i32>,
    pub cities: Vec<CityData<'a>>,
    pub organizers: &'a [Name],
    pub partners: &'a [Name],
    pub tags: &'a [Name],
    pub lang: &'a str,
    pub summary: &'a str,
    pub sources: Vec<SourceData<'a>>,
    pub extra: &'a serde_json::Value,
    pub code: Option<&'a str>,
    pub status: Option<&'static str>,
    pub budget: Option<BudgetData<'a>>,
    pub pairs: Option<Vec<[&'a str; 2]>>,
    pub travelers: Option<u32>,
    pub purpose: Option<&'a str>,
    pub cost: Option<CostData<'a>>,
    pub venue: Option<&'a str>,
    pub format: Option<&'static str>,
    pub participants: Option<&'a [String]>,
    /// The day the record entered the archive (its first commit), `YYYY-MM-DD`.
    pub added: Option<String>,
    /// The day it last changed, `YYYY-MM-DD`.
    pub updated: Option<String>,
    /// Old URL paths that redirect to the page.
    pub aliases: &'a [String],
    /// The page, absolute.
    pub url: String,
    /// The page in each edition, by language.
    pub urls: BTreeMap<&'a str, String>,
    /// This record as JSON, absolute.
    pub json_url: String,
}

/// A date at the precision it was written: `2014`, `2014-03` or `2014-03-05`.
#[derive(Serialize)]
pub(crate) struct DateData {
    pub value: String,
    pub precision: &'static str,
    /// The first and last day the date can mean.
    pub earliest: String,
    pub latest: String,
}

#[derive(Serialize)]
pub(crate) struct CityData<'a> {
    pub id: &'a str,
    /// The city's name per language.
    pub names: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
pub(crate) struct SourceData<'a> {
    pub title: &'a str,
    /// Absolute: a file attached to the record is published beside its page.
    pub url: String,
}

#[derive(Serialize)]
pub(crate) struct BudgetData<'a> {
    pub unit: Option<&'a str>,
    /// ISO 4217, when the unit names money (`백만원` is KRW).
    pub currency: Option<&'static str>,
    pub total: Option<f64>,
    pub spent: Option<f64>,
    pub by_year: Vec<YearAmount>,
}

#[derive(Serialize)]
pub(crate) struct YearAmount {
    pub year: i32,
    pub amount: f64,
}

#[derive(Serialize)]
pub(crate) struct CostData<'a> {
    pub amount: f64,
    pub currency: &'a str,
}

/// A record's own `index.json`: its data and its rendered text.
#[derive(Serialize)]
pub(crate) struct RecordDocument<'a> {
    #[serde(flatten)]
    pub record: RecordData<'a>,
    pub content_html: &'a str,
}

impl DateData {
    fn of(d: PartialDate) -> DateData {
        let ymd = |(y, m, d): (i32, u8, u8)| format!("{y:04}-{m:02}-{d:02}");
        DateData {
            value: d.to_string(),
            precision: precision(d),
            earliest: ymd(d.earliest()),
            latest: ymd(d.latest()),
        }
    }
}

/// `year`, `month` or `day`: how precise a date is.
pub(crate) fn precision(d: PartialDate) -> &'static str {
    match (d.month, d.day) {
        (None, _) => "year",
        (Some(_), None) => "month",
        (Some(_), Some(_)) => "day",
    }
}

/// The currency of a budget unit that names one: the money units of Korean, Japanese
/// and Chinese budget sheets, and ISO codes written as the unit.
pub(crate) fn currency_of_unit(unit: &str) -> Option<&'static str> {
    let unit = unit.trim();
    const KRW: &[&str] = &["원", "천원", "만원", "백만원", "억원", "KRW"];
    const JPY: &[&str] = &["円", "千円", "万円", "百万円", "億円", "JPY"];
    const CNY: &[&str] = &["元", "千元", "万元", "百万元", "亿元", "CNY", "RMB"];
    const USD: &[&str] = &["USD", "달러", "ドル", "美元"];
    [("KRW", KRW), ("JPY", JPY), ("CNY", CNY), ("USD", USD)]
        .into_iter()
        .find(|(_, units)| units.contains(&unit))
        .map(|(code, _)| code)
}

/// `path` (with the base path) as an absolute, percent-encoded URL.
pub(crate) fn absolute(site: &Site, path: &str) -> String {
    let config = &site.config;
    let origin = &config.base_url[..config.base_url.len() - config.base_path.len()];
    format!("{origin}{}", percent_encode_path(path))
}

/// Entry `i` as data.
pub(crate) fn record_data(site: &Site, i: usize) -> RecordData<'_> {
    let e: &Entry = &site.entries[i];
    let r = &e.record;
    let url = absolute(site, &site.url(Page::Record(i)));
    let mut data = RecordData {
        id: format!("{}/{}", r.kind.section(), r.slug),
        kind: r.kind.id(),
        slug: &r.slug,
        title: &r.title,
        date: DateData::of(r.date),
        end: r.end.map(DateData::of),
        years: e.years().collect(),
        cities: r
            .cities
            .iter()
            .map(|&c| CityData {
                id: &site.registry.cities[c].id,
                names: &site.registry.cities[c].names,
            })
            .collect(),
        organizers: &r.organizers,
        partners: &r.partners,
        tags: &r.tags,
        lang: &r.lang,
        summary: e.summary(),
        sources: (r.sources().iter())
            .map(|s| SourceData {
                title: &s.title,
                url: match &s.target {
                    SourceTarget::Url(u) => u.clone(),
                    SourceTarget::File(_) => absolute(site, &s.href(r, &site.config.base_path)),
                },
            })
            .collect(),
        extra: r.extra(),
        code: None,
        status: None,
        budget: None,
        pairs: None,
        travelers: None,
        purpose: None,
        cost: None,
        venue: None,
        format: None,
        participants: None,
        added: e.added().map(history::day),
        updated: e.updated().map(history::day),
        aliases: r.aliases(),
        urls: BTreeMap::from([(site.config.language.as_str(), url.clone())]),
        url,
        json_url: absolute(site, &site.url(Page::RecordJson(i))),
    };
    let city_id = |c: usize| site.registry.cities[c].id.as_str();
    match &r.details {
        Details::Program(p) => {
            data.code = p.code.as_deref();
            data.status = p.status.map(Status::id);
            data.budget = p.budget.as_deref().map(budget_data);
            data.pairs = Some(
                p.pairs
                    .iter()
                    .map(|[a, b]| [city_id(*a), city_id(*b)])
                    .collect(),
            );
        }
        Details::Trip(t) => {
            data.travelers = t.travelers;
            data.purpose = t.purpose.as_deref();
            data.cost = t.cost.as_ref().map(|c| CostData {
                amount: c.amount,
                currency: &c.currency,
            });
        }
        Details::Workshop(w) => {
            data.venue = w.venue.as_deref();
            data.format = w.format.map(Format::id);
            data.participants = Some(&w.participants);
        }
    }
    data
}

fn budget_data(b: &Budget) -> BudgetData<'_> {
    BudgetData {
        unit: b.unit.as_deref(),
        currency: b.unit.as_deref().and_then(currency_of_unit),
        total: b.total,
        spent: b.spent,
        by_year: b
            .by_year
            .iter()
            .map(|(&year, &amount)| YearAmount { year, amount })
            .collect(),
    }
}
