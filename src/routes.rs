//! Routes: every file the site consists of, as (output path, page). The one place
//! that decides URLs of generated pages.

use crate::kind::Kind;
use crate::registry::CityId;
use crate::site::Site;

/// What is rendered at a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Home,
    /// A kind list, page number from 1.
    List(Kind, usize),
    /// An entry of `Site::entries`.
    Record(usize),
    Cities,
    City(CityId),
    Years,
    Year(i32),
    Search,
    NotFound,
    /// The Atom feed of the whole archive.
    Feed,
    /// The Atom feed of a city's records.
    CityFeed(CityId),
    /// The Atom feed of a kind's records.
    KindFeed(Kind),
    /// The sitemap of every page, in one file.
    Sitemap,
    /// A sitemap index of `parts` sitemaps, once there are too many pages for one.
    SitemapIndex {
        parts: usize,
    },
    /// Sitemap number `part` (from 1): the pages `(part - 1) * per ..part * per`.
    SitemapPart {
        part: usize,
        per: usize,
    },
    Robots,
}

/// The most URLs one sitemap may list (the sitemap protocol's limit); past it the
/// sitemap becomes an index of several.
pub const SITEMAP_MAX_URLS: usize = 50_000;

#[derive(Debug, Clone)]
pub struct Route {
    /// Output file relative to the output root, `/`-separated: `cities/seoul/index.html`.
    pub file: String,
    pub page: Page,
}

impl Route {
    /// The URL path of an HTML page (with the base path); `None` for other files.
    pub fn url(&self, base_path: &str) -> Option<String> {
        let dir = self.file.strip_suffix("index.html")?;
        Some(format!("{base_path}{dir}"))
    }
}

/// Paginated list pages of a kind: how many.
pub fn list_pages(site: &Site, kind: Kind) -> usize {
    let n = site.by_kind.get(&kind).map_or(0, Vec::len);
    n.div_ceil(site.config.paginate_by).max(1)
}

/// Every route of the site, in a fixed order.
pub fn all(site: &Site) -> Vec<Route> {
    let mut routes = vec![Route {
        file: "index.html".into(),
        page: Page::Home,
    }];
    for kind in Kind::ALL {
        for n in 1..=list_pages(site, kind) {
            let file = if n == 1 {
                format!("{}/index.html", kind.section())
            } else {
                format!("{}/page/{n}/index.html", kind.section())
            };
            routes.push(Route {
                file,
                page: Page::List(kind, n),
            });
        }
        routes.push(Route {
            file: format!("{}/feed.xml", kind.section()),
            page: Page::KindFeed(kind),
        });
    }
    for (i, e) in site.entries.iter().enumerate() {
        routes.push(Route {
            file: format!("{}/{}/index.html", e.record.kind.section(), e.record.slug),
            page: Page::Record(i),
        });
    }
    routes.push(Route {
        file: "cities/index.html".into(),
        page: Page::Cities,
    });
    for (id, city) in site.registry.cities.iter().enumerate() {
        routes.push(Route {
            file: format!("cities/{}/index.html", city.id),
            page: Page::City(id),
        });
        routes.push(Route {
            file: format!("cities/{}/feed.xml", city.id),
            page: Page::CityFeed(id),
        });
    }
    routes.push(Route {
        file: "years/index.html".into(),
        page: Page::Years,
    });
    for &year in site.by_year.keys() {
        routes.push(Route {
            file: format!("years/{year}/index.html"),
            page: Page::Year(year),
        });
    }
    routes.push(Route {
        file: "search/index.html".into(),
        page: Page::Search,
    });
    routes.push(Route {
        file: "404.html".into(),
        page: Page::NotFound,
    });
    routes.push(Route {
        file: "feed.xml".into(),
        page: Page::Feed,
    });
    let pages = routes.iter().filter(|r| r.url("/").is_some()).count();
    routes.extend(sitemap_routes(pages, SITEMAP_MAX_URLS));
    routes.push(Route {
        file: "robots.txt".into(),
        page: Page::Robots,
    });
    routes
}

/// The sitemap files for `pages` URLs, at most `max` per file: `sitemap.xml` alone, or
/// `sitemap.xml` as the index of `sitemap-1.xml`, `sitemap-2.xml`, …
pub fn sitemap_routes(pages: usize, max: usize) -> Vec<Route> {
    if pages <= max {
        return vec![Route {
            file: "sitemap.xml".into(),
            page: Page::Sitemap,
        }];
    }
    let parts = pages.div_ceil(max);
    let mut out = vec![Route {
        file: "sitemap.xml".into(),
        page: Page::SitemapIndex { parts },
    }];
    out.extend((1..=parts).map(|part| Route {
        file: sitemap_part_file(part),
        page: Page::SitemapPart { part, per: max },
    }));
    out
}

/// The file of one part of a split sitemap.
pub fn sitemap_part_file(part: usize) -> String {
    format!("sitemap-{part}.xml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sitemap_past_the_limit_becomes_an_index_of_parts() {
        let files = |n| {
            sitemap_routes(n, 3)
                .into_iter()
                .map(|r| (r.file, r.page))
                .collect::<Vec<_>>()
        };
        assert_eq!(files(3), [("sitemap.xml".to_string(), Page::Sitemap)]);
        assert_eq!(
            files(7),
            [
                ("sitemap.xml".to_string(), Page::SitemapIndex { parts: 3 }),
                (
                    "sitemap-1.xml".to_string(),
                    Page::SitemapPart { part: 1, per: 3 }
                ),
                (
                    "sitemap-2.xml".to_string(),
                    Page::SitemapPart { part: 2, per: 3 }
                ),
                (
                    "sitemap-3.xml".to_string(),
                    Page::SitemapPart { part: 3, per: 3 }
                ),
            ]
        );
        assert_eq!(sitemap_routes(50_000, SITEMAP_MAX_URLS).len(), 1);
        assert_eq!(sitemap_routes(50_001, SITEMAP_MAX_URLS).len(), 3);
    }
}
