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
    Feed,
    Sitemap,
}

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
    routes.push(Route {
        file: "sitemap.xml".into(),
        page: Page::Sitemap,
    });
    routes
}
