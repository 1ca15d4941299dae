//! Routes: the URL scheme. Decides the output file of every page and file the site
//! consists of, and so its URL; `Site::routes` lists the pages a site has, and
//! everything that links to a page asks `Site::url`, which asks `file` here. Knows
//! nothing of the site but the names that go into URLs (`Names`).
//!
//! A site has one edition per language (`languages:`). Every page but the sitemaps
//! and `robots.txt` exists in each; the default edition is at the root and the others
//! each in the folder of their language (`ja/cities/seoul/`): the edition is a
//! parameter of `file` and `url_of`, never a prefix pasted on by a caller.

use crate::kind::Kind;
use crate::registry::CityId;

/// What is rendered at a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Home,
    /// A kind list, page number from 1.
    List(Kind, usize),
    /// An entry of `Site::entries`.
    Record(usize),
    Cities,
    /// A city's page, page number from 1.
    City(CityId, usize),
    /// The page of two cities that cooperate (an index of `Names::pair`), page number
    /// from 1.
    Pair(usize, usize),
    Years,
    /// A year's page, page number from 1.
    Year(i32, usize),
    /// The page of a series of workshops: an index of `Names::series`.
    Series(usize),
    /// The organizations of the registry, by kind and country.
    Organizations,
    /// Page number (from 1) of an organization's page: its records.
    Organization(usize, usize),
    /// Every topic.
    Topics,
    /// Page number (from 1) of a topic's page (an index of `Site::topics`).
    Topic(usize, usize),
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
    /// A record as JSON, beside its page.
    RecordJson(usize),
    /// JSON Feed 1.1 beside each Atom feed: of the archive, a city, a kind.
    JsonFeed,
    CityJsonFeed(CityId),
    KindJsonFeed(Kind),
    /// A redirect page at a record's old URL: the entry and the number of its alias.
    Alias(usize, usize),
    /// The `_redirects` file of Netlify and Cloudflare Pages: every alias.
    Redirects,
    /// The `/data/` page: what each download holds.
    Data,
    /// A download under `/data/`.
    DataFile(DataFile),
}

/// The downloads under `/data/`, in the order the data page lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DataFile {
    RecordsJson,
    RecordsCsv,
    BudgetsCsv,
    CitiesCsv,
    RecordCitiesCsv,
    OrganizationsCsv,
    RecordsSchema,
    Package,
}

impl DataFile {
    pub const ALL: [DataFile; 8] = [
        DataFile::RecordsJson,
        DataFile::RecordsCsv,
        DataFile::BudgetsCsv,
        DataFile::CitiesCsv,
        DataFile::RecordCitiesCsv,
        DataFile::OrganizationsCsv,
        DataFile::RecordsSchema,
        DataFile::Package,
    ];

    /// The file's name in `/data/`.
    pub fn name(self) -> &'static str {
        match self {
            DataFile::RecordsJson => "records.json",
            DataFile::RecordsCsv => "records.csv",
            DataFile::BudgetsCsv => "budgets.csv",
            DataFile::CitiesCsv => "cities.csv",
            DataFile::RecordCitiesCsv => "record_cities.csv",
            DataFile::OrganizationsCsv => "organizations.csv",
            DataFile::RecordsSchema => "records.schema.json",
            DataFile::Package => "datapackage.json",
        }
    }

    /// A CSV table (as opposed to a JSON document).
    pub fn is_csv(self) -> bool {
        self.name().ends_with(".csv")
    }
}

/// The folder of the downloads.
pub const DATA_DIR: &str = "data/";

/// The most URLs one sitemap may list (the sitemap protocol's limit); past it the
/// sitemap becomes an index of several.
pub const SITEMAP_MAX_URLS: usize = 50_000;

#[derive(Debug, Clone)]
pub struct Route {
    /// Output file relative to the output root, `/`-separated: `cities/seoul/index.html`.
    pub file: String,
    pub page: Page,
}

impl Page {
    /// Whether the page exists once per edition: all but the sitemaps, `robots.txt`
    /// and what the default edition alone has (the open data, the redirects).
    pub fn per_edition(self) -> bool {
        !matches!(
            self,
            Page::Sitemap
                | Page::SitemapIndex { .. }
                | Page::SitemapPart { .. }
                | Page::Robots
                | Page::RecordJson(_)
                | Page::Alias(..)
                | Page::DataFile(_)
                | Page::Redirects
        )
    }
}

impl Route {
    /// The route of `page` in the default edition, at the file the scheme gives it.
    pub fn of(page: Page, names: &impl Names) -> Route {
        Route::in_edition(page, 0, names)
    }

    /// The route of `page` in edition `edition` (an index of `Names::edition_dir`).
    pub fn in_edition(page: Page, edition: usize, names: &impl Names) -> Route {
        let mut file = file(page, edition, names);
        // Held to the end of the build, a few per record: without the room the
        // formatting left.
        file.shrink_to_fit();
        Route { file, page }
    }

    /// Whether the sitemaps list the page: every HTML page but the redirects.
    pub fn in_sitemap(&self) -> bool {
        self.file.ends_with("index.html") && !matches!(self.page, Page::Alias(..))
    }

    /// The URL path of an HTML page (with the base path); `None` for other files.
    pub fn url(&self, base_path: &str) -> Option<String> {
        let dir = self.file.strip_suffix("index.html")?;
        Some(format!("{base_path}{dir}"))
    }
}

/// What the scheme needs to know of a site: the names that go into URLs.
pub trait Names {
    /// The kind and slug of entry `i`.
    fn record(&self, i: usize) -> (Kind, &str);
    /// The registry id of city `id`.
    fn city(&self, id: CityId) -> &str;
    /// The registry id of organization `id`.
    fn organization(&self, id: usize) -> &str;
    /// The slug of topic `i`.
    fn topic(&self, i: usize) -> &str;
    /// The folder of edition `edition`, relative to the site's root: `""` for the
    /// default edition (0), `ja/` for another.
    fn edition_dir(&self, edition: usize) -> &str;
    /// How many editions there are.
    fn editions(&self) -> usize;
    /// The registry ids of the two cities of pair `k`, in their canonical order.
    fn pair(&self, k: usize) -> (&str, &str);
    /// The slug of series `k`.
    fn series(&self, k: usize) -> &str;
    /// Alias `k` of entry `i`: an old URL path of its page, relative to the site's
    /// root, ending with `/` (`old/url/`).
    fn alias(&self, i: usize, k: usize) -> &str;
}

/// The edition a route's file belongs to: the one whose folder it is in, else the
/// default edition.
pub fn edition_of(file: &str, names: &impl Names) -> usize {
    (1..names.editions())
        .find(|&e| file.starts_with(names.edition_dir(e)))
        .unwrap_or(0)
}

/// The folder of a record's page, relative to the site's root: `programs/x/`.
pub fn record_dir(kind: Kind, slug: &str) -> String {
    format!("{}/{slug}/", kind.section())
}

/// The output file of a record's page in edition `edition`.
pub fn record_file(kind: Kind, slug: &str, edition: usize, names: &impl Names) -> String {
    let dir = names.edition_dir(edition);
    format!("{dir}{}index.html", record_dir(kind, slug))
}

/// The output file of `page` in edition `edition`, relative to the output root,
/// `/`-separated: `cities/seoul/index.html`, `ja/cities/seoul/index.html`.
pub fn file(page: Page, edition: usize, names: &impl Names) -> String {
    let file = edition_file(page, names);
    if page.per_edition() && edition > 0 {
        format!("{}{file}", names.edition_dir(edition))
    } else {
        file
    }
}

/// The URL path of `page` in edition `edition`, with the base path.
pub fn url_of(base_path: &str, page: Page, edition: usize, names: &impl Names) -> String {
    url(base_path, &file(page, edition, names))
}

/// The file of `page` relative to the folder of its edition.
fn edition_file(page: Page, names: &impl Names) -> String {
    match page {
        Page::Home => "index.html".into(),
        Page::List(kind, n) => paged(&format!("{}/", kind.section()), n),
        Page::Record(i) => {
            let (kind, slug) = names.record(i);
            record_file(kind, slug, 0, names)
        }
        Page::Cities => "cities/index.html".into(),
        Page::City(id, n) => paged(&format!("cities/{}/", names.city(id)), n),
        Page::Pair(k, n) => {
            let (a, b) = names.pair(k);
            paged(&format!("cities/{a}/{b}/"), n)
        }
        Page::Years => "years/index.html".into(),
        Page::Year(year, n) => paged(&format!("years/{year}/"), n),
        Page::Series(k) => format!("series/{}/index.html", names.series(k)),
        Page::Organizations => "organizations/index.html".into(),
        Page::Organization(id, n) => {
            paged(&format!("organizations/{}/", names.organization(id)), n)
        }
        Page::Topics => "topics/index.html".into(),
        Page::Topic(i, n) => paged(&format!("topics/{}/", names.topic(i)), n),
        Page::Search => "search/index.html".into(),
        Page::NotFound => "404.html".into(),
        Page::Feed => "feed.xml".into(),
        Page::CityFeed(id) => format!("cities/{}/feed.xml", names.city(id)),
        Page::KindFeed(kind) => format!("{}/feed.xml", kind.section()),
        Page::Sitemap | Page::SitemapIndex { .. } => SITEMAP.into(),
        Page::SitemapPart { part, .. } => sitemap_part_file(part),
        Page::Robots => "robots.txt".into(),
        Page::RecordJson(i) => {
            let (kind, slug) = names.record(i);
            format!("{}index.json", record_dir(kind, slug))
        }
        Page::JsonFeed => "feed.json".into(),
        Page::CityJsonFeed(id) => format!("cities/{}/feed.json", names.city(id)),
        Page::KindJsonFeed(kind) => format!("{}/feed.json", kind.section()),
        Page::Alias(i, k) => format!("{}index.html", names.alias(i, k)),
        Page::Redirects => "_redirects".into(),
        Page::Data => format!("{DATA_DIR}index.html"),
        Page::DataFile(f) => format!("{DATA_DIR}{}", f.name()),
    }
}

/// Page `n` (from 1) of a paginated list whose first page is in `dir`: `dir/index.html`,
/// then `dir/page/2/index.html`, … (kind lists, cities, years).
fn paged(dir: &str, n: usize) -> String {
    if n <= 1 {
        format!("{dir}index.html")
    } else {
        format!("{dir}page/{n}/index.html")
    }
}

/// The URL path of an output file, with the base path: the folder of an `index.html`,
/// the file itself otherwise.
pub fn url(base_path: &str, file: &str) -> String {
    let path = file.strip_suffix("index.html").unwrap_or(file);
    format!("{base_path}{path}")
}

/// The sitemap, or the index of the sitemap's parts.
const SITEMAP: &str = "sitemap.xml";

/// The sitemap files for `pages` URLs, at most `max` per file: `sitemap.xml` alone, or
/// `sitemap.xml` as the index of `sitemap-1.xml`, `sitemap-2.xml`, …
pub fn sitemap_routes(pages: usize, max: usize) -> Vec<Route> {
    if pages <= max {
        return vec![Route {
            file: SITEMAP.into(),
            page: Page::Sitemap,
        }];
    }
    let parts = pages.div_ceil(max);
    let mut out = vec![Route {
        file: SITEMAP.into(),
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
