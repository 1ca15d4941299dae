//! schema.org metadata as JSON-LD, for search engines: what each page is about.
//!
//! A workshop is an `Event` (dates and place), a trip report a `Report` (the dates and
//! cities it covers), a program a `Project` (its start, end and cities); the home page
//! is a `WebSite` with its search, the other index pages `CollectionPage`s (a city
//! page about its `Place`). Pure: the site model in, JSON out.
//!
//! [`script_text`] serialises for a `<script type="application/ld+json">` element:
//! `<`, `>` and `&` become `\u003c`, `\u003e`, `\u0026`, so that no text of a record
//! (a title with `</script>` in it) can end the element early.

use serde_json::{Map, Value, json};

use crate::content::Details;
use crate::registry::CityId;
use crate::site::{Entry, Site};

const CONTEXT: &str = "https://schema.org";

/// JSON text that is safe inside `<script>`, as JSON-LD wants it.
pub fn script_text(value: &Value) -> String {
    let json = serde_json::to_string(value).unwrap_or_else(|_| "{}".into());
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Absolute URL of a URL path of the site.
fn absolute(site: &Site, path: &str) -> String {
    let c = &site.config;
    format!(
        "{}{path}",
        &c.base_url[..c.base_url.len() - c.base_path.len()]
    )
}

fn website(site: &Site) -> Value {
    json!({"@type": "WebSite", "name": site.config.title, "url": site.config.base_url})
}

/// A city of the registry as a `Place`, named in the site's language.
pub fn place(site: &Site, id: CityId) -> Value {
    let city = &site.registry.cities[id];
    let mut p = obj(&[
        ("@type", json!("Place")),
        ("name", json!(site.registry.name(id, &site.config.language))),
        ("url", json!(absolute(site, &site.city_url(id)))),
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

fn organizations(names: &[String]) -> Value {
    names
        .iter()
        .map(|n| json!({"@type": "Organization", "name": n}))
        .collect()
}

fn obj(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect()
}

/// The JSON-LD of a record page.
pub fn record(site: &Site, e: &Entry) -> Value {
    let r = &e.record;
    let places: Vec<Value> = r.cities.iter().map(|&c| place(site, c)).collect();
    let start = r.date.to_string();
    let end = r.end.map(|d| d.to_string());
    let mut m = obj(&[
        ("@context", json!(CONTEXT)),
        ("name", json!(r.title)),
        ("url", json!(absolute(site, &e.url))),
        ("inLanguage", json!(r.lang)),
    ]);
    if !e.summary.is_empty() {
        m.insert("description".into(), json!(e.summary));
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
            if !r.organizers.is_empty() {
                m.insert("organizer".into(), organizations(&r.organizers));
            }
            if !w.participants.is_empty() {
                m.insert("attendee".into(), organizations(&w.participants));
            }
        }
        Details::Trip(_) => {
            m.insert("@type".into(), json!("Report"));
            m.insert("headline".into(), json!(r.title));
            let coverage = match &end {
                Some(end) if *end != start => format!("{start}/{end}"),
                _ => start,
            };
            m.insert("temporalCoverage".into(), json!(coverage));
            m.insert("spatialCoverage".into(), json!(places));
            if !r.organizers.is_empty() {
                m.insert("author".into(), organizations(&r.organizers));
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
            if !r.organizers.is_empty() {
                m.insert("parentOrganization".into(), organizations(&r.organizers));
            }
        }
    }
    m.insert("isPartOf".into(), website(site));
    Value::Object(m)
}

/// The home page: the site and its search.
pub fn home(site: &Site) -> Value {
    let c = &site.config;
    json!({
        "@context": CONTEXT,
        "@type": "WebSite",
        "name": c.title,
        "description": c.description,
        "url": c.base_url,
        "inLanguage": c.language,
        "potentialAction": {
            "@type": "SearchAction",
            "target": format!("{}search/?q={{search_term_string}}", c.base_url),
            "query-input": "required name=search_term_string",
        },
    })
}

/// An index page (a kind list, a year, the cities): a `CollectionPage`; `about` is
/// the place of a city page.
pub fn collection(site: &Site, title: &str, path: &str, about: Option<Value>) -> Value {
    let mut m = obj(&[
        ("@context", json!(CONTEXT)),
        ("@type", json!("CollectionPage")),
        ("name", json!(title)),
        ("url", json!(absolute(site, path))),
        ("inLanguage", json!(site.config.language)),
        ("isPartOf", website(site)),
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
