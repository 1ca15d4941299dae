//! schema.org metadata as JSON-LD, for search engines: what each page is about.
//!
//! A workshop is an `Event` (dates and place), a trip report a `Report` (the dates and
//! cities it covers), a program a `Project` (its start, end and cities); the home page
//! is a `WebSite` with its search, the other index pages `CollectionPage`s (a city
//! page about its `Place`). Pure: the site model in, JSON out.
//!
//! Every page is in one edition (`Edition`): its URLs, the names of its places, its
//! language and its search are the edition's, and a record's text is the one the
//! edition shows (`Text`: a translation's, in the edition of its language).
//!
//! [`script_text`] serialises for a `<script type="application/ld+json">` element:
//! `<`, `>` and `&` become `\u003c`, `\u003e`, `\u0026`, so that no text of a record
//! (a title with `</script>` in it) can end the element early.

use serde_json::{Map, Value, json};

use crate::content::Details;
use crate::names::Name;
use crate::registry::CityId;
use crate::routes::Page;
use crate::site::{Entry, Site};

const CONTEXT: &str = "https://schema.org";

/// JSON text that is safe inside `<script>`, as JSON-LD wants it: inert
/// (`escape::json_inert`), and the line and paragraph separators escaped too.
pub fn script_text(value: &Value) -> String {
    let json = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    let inert = crate::escape::json_inert(&json);
    let out = String::from_utf8(inert).expect("escaping keeps UTF-8 valid");
    if out.contains(['\u{2028}', '\u{2029}']) {
        out.replace('\u{2028}', "\\u2028")
            .replace('\u{2029}', "\\u2029")
    } else {
        out
    }
}

/// The edition a page is in: an index of `config.languages`.
#[derive(Clone, Copy)]
pub struct Edition<'s> {
    pub site: &'s Site,
    pub index: usize,
}

impl Edition<'_> {
    /// Its language.
    fn lang(&self) -> &str {
        &self.site.config.languages[self.index]
    }

    /// Absolute URL of a URL path of the site.
    fn absolute(&self, path: &str) -> String {
        let c = &self.site.config;
        format!(
            "{}{path}",
            &c.base_url[..c.base_url.len() - c.base_path.len()]
        )
    }

    /// Absolute URL of `page` in the edition.
    fn url(&self, page: Page) -> String {
        self.absolute(&self.site.url_in(self.index, page))
    }
}

/// The text of a record an edition shows: the original's, or its translation's.
pub struct Text<'e> {
    pub title: &'e str,
    pub summary: &'e str,
    /// The language of the summary and body.
    pub lang: &'e str,
    pub organizers: &'e [Name],
}

fn website(ed: Edition<'_>) -> Value {
    json!({"@type": "WebSite", "name": ed.site.config.title, "url": ed.url(Page::Home)})
}

/// A city of the registry as a `Place`, named in the edition's language.
pub fn place(ed: Edition<'_>, id: CityId) -> Value {
    let site = ed.site;
    let city = &site.registry.cities[id];
    let mut p = obj(&[
        ("@type", json!("Place")),
        ("name", json!(site.registry.name(id, ed.lang()))),
        ("url", json!(ed.url(Page::City(id, 1)))),
        (
            "address",
            json!({"@type": "PostalAddress", "addressCountry": city.country}),
        ),
    ]);
    if let Some((lat, lon)) = city.coords {
        p.insert(
            "geo".into(),
            json!({"@type": "GeoCoordinates", "latitude": lat, "longitude": lon}),
        );
    }
    Value::Object(p)
}

fn organizations<N: AsRef<str>>(names: &[N]) -> Value {
    names
        .iter()
        .map(|n| json!({"@type": "Organization", "name": n.as_ref()}))
        .collect()
}

fn obj(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect()
}

/// The JSON-LD of a record page, showing `text`.
pub fn record(ed: Edition<'_>, e: &Entry, text: &Text<'_>) -> Value {
    let r = &e.record;
    let places: Vec<Value> = r.cities.iter().map(|&c| place(ed, c)).collect();
    let start = r.date.to_string();
    let end = r.end.map(|d| d.to_string());
    let organizers = text.organizers;
    let mut m = obj(&[
        ("@context", json!(CONTEXT)),
        ("name", json!(text.title)),
        ("url", json!(ed.absolute(&ed.site.record_url(ed.index, r)))),
        ("inLanguage", json!(text.lang)),
    ]);
    if !text.summary.is_empty() {
        m.insert("description".into(), json!(text.summary));
    }
    if !r.tags.is_empty() {
        m.insert("keywords".into(), json!(r.tags));
    }
    match &r.details {
        Details::Workshop(w) => {
            m.insert("@type".into(), json!("Event"));
            m.insert("startDate".into(), json!(start));
            m.insert("endDate".into(), json!(end.unwrap_or(start)));
            let location = match &w.venue {
                Some(venue) => {
                    let mut v = obj(&[("@type", json!("Place")), ("name", json!(venue))]);
                    if let Some(first) = places.first() {
                        v.insert("containedInPlace".into(), first.clone());
                    }
                    Value::Object(v)
                }
                None => json!(places),
            };
            m.insert("location".into(), location);
            if !organizers.is_empty() {
                m.insert("organizer".into(), organizations(organizers));
            }
            if !w.participants.is_empty() {
                m.insert("attendee".into(), organizations(&w.participants));
            }
        }
        Details::Trip(_) => {
            m.insert("@type".into(), json!("Report"));
            m.insert("headline".into(), json!(text.title));
            let coverage = match &end {
                Some(end) if *end != start => format!("{start}/{end}"),
                _ => start,
            };
            m.insert("temporalCoverage".into(), json!(coverage));
            m.insert("spatialCoverage".into(), json!(places));
            if !organizers.is_empty() {
                m.insert("author".into(), organizations(organizers));
            }
        }
        Details::Program(p) => {
            m.insert("@type".into(), json!("Project"));
            m.insert("foundingDate".into(), json!(start));
            if let Some(end) = end {
                m.insert("dissolutionDate".into(), json!(end));
            }
            m.insert("location".into(), json!(places));
            if let Some(code) = &p.code {
                m.insert("identifier".into(), json!(code));
            }
            if !organizers.is_empty() {
                m.insert("parentOrganization".into(), organizations(organizers));
            }
        }
    }
    m.insert("isPartOf".into(), website(ed));
    Value::Object(m)
}

/// The home page of an edition: the site and its search, in the edition.
pub fn home(ed: Edition<'_>) -> Value {
    let c = &ed.site.config;
    json!({
        "@context": CONTEXT,
        "@type": "WebSite",
        "name": c.title,
        "description": c.description,
        "url": ed.url(Page::Home),
        "inLanguage": ed.lang(),
        "potentialAction": {
            "@type": "SearchAction",
            "target": format!("{}?q={{search_term_string}}", ed.url(Page::Search)),
            "query-input": "required name=search_term_string",
        },
    })
}

/// An index page (a kind list, a year, the cities) at URL path `path`: a
/// `CollectionPage`; `about` is the place of a city page.
pub fn collection(ed: Edition<'_>, title: &str, path: &str, about: Option<Value>) -> Value {
    let mut m = obj(&[
        ("@context", json!(CONTEXT)),
        ("@type", json!("CollectionPage")),
        ("name", json!(title)),
        ("url", json!(ed.absolute(path))),
        ("inLanguage", json!(ed.lang())),
        ("isPartOf", website(ed)),
    ]);
    if let Some(about) = about {
        m.insert("about".into(), about);
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_text_cannot_close_the_script_element() {
        let v = json!({"name": "</script><script>alert(1)</script> & <!--", "x": "\u{2028}"});
        let s = script_text(&v);
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        assert!(!s.contains('\u{2028}'));
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }
}
