//! The site model: every record with its rendered body and URL, and the indexes
//! readers browse by — kind, city, year — built in one pass, sorted, immutable.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::bodies::{Bodies, Body};
use crate::cache::{self, BodyCache, Made, Recorder, Reused, Stored};
use crate::config::{Config, YearRange};
use crate::content::{Details, Markdown, Partial, Record, Records, split_front_matter};
use crate::diag::{Code, Diagnostic, Pos, Severity};
use crate::escape;
use crate::history;
use crate::kind::Kind;
use crate::limits::{MAX_AMOUNT, MAX_SUMMARY_CHARS};
use crate::markdown::{self, LinkAction, RenderOptions, Rendered};
use crate::organizations::{Organizations, Role};
use crate::paths::join_relative;
use crate::registry::{CityId, Registry, name_key};
use crate::relations::{self, Node, Relations};
use crate::routes::{self, DataFile, Names, Page, Route};
use crate::source::Sources;
use crate::topics::{TopicIndex, Topics};
use crate::translation::Translation;
use crate::yaml::{Block, Seg};

/// A record ready to be shown.
#[derive(Debug)]
pub struct Entry {
    /// Boxed: the records are read one batch at a time into boxes, and made entries
    /// without moving them, so that the records and the entries are never both
    /// held whole (a list of records as large as the list of entries).
    pub record: Box<Record>,
    /// Its rendered body, in the site's body store.
    pub body: Body,
    /// The first paragraph, cut, when the record gives no summary (see `summary`): the
    /// one given is not held twice.
    pub(crate) own_summary: Option<String>,
    /// Its translations, in the order of the site's languages (none on a site of one
    /// edition).
    pub translations: Vec<Translated>,
    /// The files its body (or a translation's) links to, relative to the site root,
    /// sorted: published beside its page (`Record::attachment_file`).
    pub attachments: Vec<PathBuf>,
}

/// A translation of an entry, its body rendered.
#[derive(Debug)]
pub struct Translated {
    pub text: Translation,
    /// Its rendered body, in the site's body store.
    pub body: Body,
    /// The summary given, or the first paragraph of the translation's body.
    pub summary: String,
}

impl Entry {
    /// The summary given, or the first paragraph.
    pub fn summary(&self) -> &str {
        (self.own_summary.as_deref())
            .or(self.record.summary.as_deref())
            .unwrap_or_default()
    }

    /// The URL path of its page, with the site's `base_path`: `/archive/programs/x/`.
    pub fn url(&self, base_path: &str) -> String {
        routes::url(
            base_path,
            &routes::record_dir(self.record.kind, &self.record.slug),
        )
    }

    /// Every year from its start to its end (see `years`).
    pub fn years(&self) -> RangeInclusive<i32> {
        self.record.years()
    }

    /// The translation into `lang`, if there is one.
    pub fn translation(&self, lang: &str) -> Option<&Translated> {
        self.translations.iter().find(|t| t.text.lang == lang)
    }
}

impl Entry {
    /// When the record entered the archive: its first commit (`git_dates`), in
    /// seconds since 1970.
    pub fn added(&self) -> Option<i64> {
        self.record.history().map(|h| h.added)
    }

    /// When the record last changed: the day of `updated:` when written (a
    /// correction an editor wants known, while a commit that reformats every file
    /// should not look like news), else its last commit.
    pub fn updated(&self) -> Option<i64> {
        let written = self.record.updated().map(|d| {
            let (y, m, day) = d.earliest();
            history::midnight(y, m, day)
        });
        written.or(self.record.history().map(|h| h.changed))
    }

    /// The time the feeds order by, newest first: the last change or addition; the
    /// start of the event for a record without either.
    pub fn feed_time(&self) -> i64 {
        match (self.added(), self.updated()) {
            (Some(a), Some(u)) => a.max(u),
            (a, u) => a.or(u).unwrap_or_else(|| {
                let (y, m, d) = self.record.date.earliest();
                history::midnight(y, m, d)
            }),
        }
    }
}

/// Everything the renderers need, read-only.
#[derive(Debug)]
pub struct Site {
    pub config: Config,
    pub registry: Registry,
    /// Newest first (by start date, then kind, then slug).
    pub entries: Vec<Entry>,
    pub by_kind: BTreeMap<Kind, Vec<usize>>,
    /// Per city (indexed by `CityId`), entries newest first.
    pub by_city: Vec<Vec<usize>>,
    /// Per year, entries newest first.
    pub by_year: BTreeMap<i32, Vec<usize>>,
    /// Per place with places within it (a province's cities and districts, `parent:`
    /// in the registry): its records and theirs, each once, newest first; empty for
    /// the others, whose records are their own (`place`).
    within: Vec<Vec<usize>>,
    /// Per city: the cities it cooperates with (the pairs it is in, see `pairs_of`)
    /// and in how many records, most first.
    pub partners: Vec<Vec<(CityId, usize)>>,
    /// Every pair of cooperating cities (see `pairs_of`), in their canonical order
    /// (the lower registry index first), sorted, each with its records newest first.
    pub pairs: Vec<((CityId, CityId), Vec<usize>)>,
    /// Programs and what served them, related records, series (`relations`).
    pub relations: Relations,
    /// The organization registry (empty without `data/organizations.yaml`).
    pub organizations: Organizations,
    /// Per organization (indexed by `OrgId`): the entries naming it, newest first, and
    /// its role in each (organizer when it is both).
    pub by_organization: Vec<Vec<(usize, Role)>>,
    /// The topic registry (empty without `data/topics.yaml`).
    pub topic_registry: Topics,
    /// Every topic: the registry's and every tag's.
    pub topics: TopicIndex,
    /// The warnings found while building the model (a code block too large to
    /// highlight), sorted.
    pub warnings: Vec<Diagnostic>,
    /// The day of the build (`date::build_day`): a program's page says what its
    /// dates say when its `status` is past.
    pub today: crate::date::PartialDate,
    /// The folder of each edition (of `config.languages`): `""`, `ja/`, …
    edition_dirs: Vec<String>,
    /// Markdown bodies rendered, of the records and their translations: each once,
    /// whatever the number of editions (which share them).
    pub rendered: usize,
    /// Where the rendered bodies are kept until the pages are written.
    pub bodies: Bodies,
}

impl Site {
    /// Builds the model: checks URLs, renders the Markdown (in parallel, resolving
    /// links between records), and builds every index.
    ///
    /// `all_sources` lists every record file, also those that failed to parse: a link to
    /// one of them is not reported as broken (the build fails for its own reasons).
    pub fn build(
        config: Config,
        registry: Registry,
        records: Vec<Record>,
        all_sources: &HashSet<&Path>,
    ) -> Result<Site, Vec<Diagnostic>> {
        Site::build_with_files(config, registry, records, all_sources, &BTreeMap::new())
    }

    /// `build`, with `files`, the other files under `content/` and their sizes: a
    /// body's link to one of them attaches it to the record.
    pub fn build_with_files(
        config: Config,
        registry: Registry,
        records: Vec<Record>,
        all_sources: &HashSet<&Path>,
        files: &BTreeMap<PathBuf, u64>,
    ) -> Result<Site, Vec<Diagnostic>> {
        let mut cache = BodyCache::off();
        let bodies = (Markdown::Held, &mut cache);
        let records = records.into_iter().map(Box::new).collect();
        Site::build_cached(config, registry, records, all_sources, files, bodies)
    }

    /// `build_with_files`, the records' Markdown bodies where `markdown` says, taking
    /// from `cache` the bodies it kept that are still good, and telling it what became
    /// of each.
    pub fn build_cached(
        config: Config,
        registry: Registry,
        mut records: Records,
        all_sources: &HashSet<&Path>,
        files: &BTreeMap<PathBuf, u64>,
        (markdown, cache): (Markdown<'_>, &mut BodyCache),
    ) -> Result<Site, Vec<Diagnostic>> {
        // Unstable, without the buffer of half the records a stable sort takes: no two
        // records have the same file.
        records.sort_unstable_by(|a, b| {
            b.date
                .earliest()
                .cmp(&a.date.earliest())
                .then(a.kind.cmp(&b.kind))
                .then(a.slug.cmp(&b.slug))
                .then(a.source.cmp(&b.source))
        });
        let mut diags = check_urls(&records);
        let bodies = Bodies::new();
        let hits = cache.hits;
        let (entries, body_diags) = entries(
            &config,
            records,
            (all_sources, files),
            markdown,
            (&bodies, cache),
        );
        let rendered = entries.len() - (cache.hits - hits);
        diags.extend(body_diags);
        let nodes: Vec<Node<'_>> = (entries.iter())
            .map(|e| Node {
                kind: e.record.kind,
                slug: &e.record.slug,
                source: &e.record.source,
                links: e.record.links(),
            })
            .collect();
        let (relations, relation_diags) = relations::resolve(&nodes, all_sources);
        diags.extend(relation_diags);
        diags.sort();
        if diags.iter().any(Diagnostic::is_error) {
            return Err(diags);
        }
        let edition_dirs = (config.languages.iter().enumerate())
            .map(|(i, lang)| {
                if i == 0 {
                    String::new()
                } else {
                    format!("{lang}/")
                }
            })
            .collect();
        let mut site = Site {
            edition_dirs,
            config,
            by_city: vec![Vec::new(); registry.cities.len()],
            registry,
            entries,
            by_kind: Kind::ALL.iter().map(|k| (*k, Vec::new())).collect(),
            by_year: BTreeMap::new(),
            within: Vec::new(),
            partners: Vec::new(),
            pairs: Vec::new(),
            relations,
            today: crate::date::build_day(),
            organizations: Organizations::default(),
            by_organization: Vec::new(),
            topic_registry: Topics::default(),
            topics: TopicIndex::default(),
            warnings: diags,
            rendered,
            bodies,
        };
        site.index();
        Ok(site)
    }

    /// Drops the Markdown of the records and of their translations, once rendered:
    /// the pages, the downloads and the search index read the rendered bodies, and a
    /// record's fingerprint its `source_hash`. Every body is held once, not twice.
    pub fn drop_markdown(&mut self) {
        for e in &mut self.entries {
            e.record.body = String::new();
            for t in &mut e.translations {
                t.text.body = String::new();
            }
        }
    }

    /// Adds the translations to their entries, each body rendered (in parallel) with
    /// its links resolved as the original's; returns the problems of the bodies.
    /// A translation whose original is not an entry (a draft left out) is left out.
    pub fn translate(
        &mut self,
        translations: Vec<Translation>,
        all_sources: &HashSet<&Path>,
        files: &BTreeMap<PathBuf, u64>,
    ) -> Vec<Diagnostic> {
        self.translate_cached(translations, all_sources, files, &mut BodyCache::off())
    }

    /// `translate`, taking from `cache` the bodies it kept that are still good, and
    /// telling it what became of each.
    pub fn translate_cached(
        &mut self,
        translations: Vec<Translation>,
        all_sources: &HashSet<&Path>,
        files: &BTreeMap<PathBuf, u64>,
        cache: &mut BodyCache,
    ) -> Vec<Diagnostic> {
        let targets = self.targets(all_sources, files);
        let index: HashMap<&Path, usize> = (self.entries.iter().enumerate())
            .map(|(i, e)| (e.record.source.as_path(), i))
            .collect();
        let opts = RenderOptions {
            allow_html: self.config.allow_html,
        };
        let stored: Vec<Option<Stored>> =
            translations.iter().map(|t| cache.take(&t.source)).collect();
        let rendered: Vec<(Option<usize>, TranslatedBody)> =
            (translations.into_par_iter().zip(stored))
                .map(|(t, stored)| {
                    let at = index.get(t.original.as_path()).copied();
                    let home = at.map(|i| self.translation_home(i, &t.lang));
                    (
                        at,
                        targets.translation_body(t, home, &opts, &self.bodies, stored),
                    )
                })
                .collect();
        drop(targets);
        let mut diags = Vec::new();
        for (at, done) in rendered {
            diags.extend(done.diags);
            self.rendered += usize::from(!done.made.hit);
            cache.keep(done.translated.text.source.clone(), done.made);
            if let Some(i) = at {
                let e = &mut self.entries[i];
                e.translations.push(done.translated);
                e.attachments.extend(done.attached);
                e.attachments.sort();
                e.attachments.dedup();
            }
        }
        let languages = &self.config.languages;
        for e in &mut self.entries {
            e.translations
                .sort_by_key(|t| languages.iter().position(|l| *l == t.text.lang));
        }
        diags.sort();
        diags
    }

    /// What the links of the bodies resolve against: every entry's page, `all_sources`
    /// and the other files under `content/` (`files`).
    fn targets<'a>(
        &'a self,
        all_sources: &'a HashSet<&'a Path>,
        files: &'a BTreeMap<PathBuf, u64>,
    ) -> Targets<'a> {
        Targets {
            by_source: Urls::Made(
                (self.entries.iter())
                    .map(|e| (e.record.source.as_path(), e.url(&self.config.base_path)))
                    .collect(),
            ),
            all_sources,
            files,
            base_path: &self.config.base_path,
        }
    }

    /// The URL path of every entry's page, by its record's file.
    pub fn page_urls(&self) -> PageUrls {
        PageUrls(
            (self.entries.iter())
                .map(|e| (e.record.source.clone(), e.url(&self.config.base_path)))
                .collect(),
        )
    }

    /// `targets`, from `urls`: every record file is an entry's (the site built).
    fn kept_targets<'a>(
        &'a self,
        urls: &'a PageUrls,
        files: &'a BTreeMap<PathBuf, u64>,
    ) -> Targets<'a> {
        static NONE_OTHER: std::sync::LazyLock<HashSet<&'static Path>> =
            std::sync::LazyLock::new(HashSet::new);
        Targets {
            by_source: Urls::Kept(&urls.0),
            all_sources: &NONE_OTHER,
            files,
            base_path: &self.config.base_path,
        }
    }

    /// Where the translation into `lang` of entry `i` is published: the folder of its
    /// page (`ja/programs/x/`) and of the record's attachments (`programs/x/`).
    fn translation_home(&self, i: usize, lang: &str) -> (String, String) {
        let languages = &self.config.languages;
        let edition = languages.iter().position(|l| l == lang).unwrap_or(0);
        let r = &self.entries[i].record;
        let page = routes::record_dir(r.kind, &r.slug);
        (format!("{}{page}", self.edition_dirs[edition]), page)
    }

    /// Puts `record`, a new reading of entry `i`'s file of the same kind and slug (so
    /// its page stays where it is), in place of the entry's record, its body rendered
    /// as `build` renders it, its links resolved against the other entries. For
    /// `serve`, which shows an edited record before the whole site is rebuilt: the
    /// indexes and the entry's attachments are left as they are. Returns the problems of the body and the files it
    /// attaches.
    pub fn replace_record(
        &mut self,
        i: usize,
        mut record: Record,
        (urls, files): (&PageUrls, &BTreeMap<PathBuf, u64>),
    ) -> (Vec<Diagnostic>, Vec<PathBuf>) {
        let opts = RenderOptions {
            allow_html: self.config.allow_html,
        };
        let done = self.kept_targets(urls, files).record_body(
            &record,
            &|| Ok(Cow::Borrowed(record.body.as_str())),
            &opts,
            (&self.bodies, None),
        );
        record.body = String::new();
        let e = &mut self.entries[i];
        let attachments = std::mem::take(&mut e.attachments);
        let translations = std::mem::take(&mut e.translations);
        let entry = Entry::new(Box::new(record), done.summary, done.body, attachments);
        *e = Entry {
            translations,
            ..entry
        };
        (done.diags, done.attached)
    }

    /// Puts `translation`, a new reading of a translation's file, in place of the
    /// translation into its language of entry `i` (see `replace_record`). Returns the
    /// problems of its body and the files it attaches; `None` when the entry has no
    /// translation into that language.
    pub fn replace_translation(
        &mut self,
        i: usize,
        translation: Translation,
        (urls, files): (&PageUrls, &BTreeMap<PathBuf, u64>),
    ) -> Option<(Vec<Diagnostic>, Vec<PathBuf>)> {
        let at =
            (self.entries[i].translations.iter()).position(|t| t.text.lang == translation.lang)?;
        let opts = RenderOptions {
            allow_html: self.config.allow_html,
        };
        let home = self.translation_home(i, &translation.lang);
        let done = self.kept_targets(urls, files).translation_body(
            translation,
            Some(home),
            &opts,
            &self.bodies,
            None,
        );
        let mut translated = done.translated;
        translated.text.body = String::new();
        self.entries[i].translations[at] = translated;
        Some((done.diags, done.attached))
    }

    /// Fills the indexes by kind, city, place and year, the pairs of cooperating
    /// cities and each city's partners.
    fn index(&mut self) {
        let mut pairs: BTreeMap<(CityId, CityId), Vec<usize>> = BTreeMap::new();
        for (i, e) in self.entries.iter().enumerate() {
            self.by_kind.entry(e.record.kind).or_default().push(i);
            for &c in &e.record.cities {
                self.by_city[c].push(i);
            }
            for y in e.years() {
                self.by_year.entry(y).or_default().push(i);
            }
            for pair in pairs_of(&e.record, &self.registry) {
                pairs.entry(pair).or_default().push(i);
            }
        }
        let mut partners: Vec<Vec<(CityId, usize)>> = vec![Vec::new(); self.by_city.len()];
        for (&(a, b), idx) in &pairs {
            partners[a].push((b, idx.len()));
            partners[b].push((a, idx.len()));
        }
        for v in &mut partners {
            v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        }
        self.partners = partners;
        self.pairs = pairs.into_iter().collect();
        self.within = (0..self.by_city.len())
            .map(|id| {
                let places = self.registry.within(id);
                if places.len() == 1 {
                    return Vec::new();
                }
                let mut all: Vec<usize> = (places.into_iter())
                    .flat_map(|c| self.by_city[c].iter().copied())
                    .collect();
                all.sort_unstable();
                all.dedup();
                all.shrink_to_fit();
                all
            })
            .collect();
        // Held to the end of the build, a few numbers per record: without the room
        // their growing left.
        let lists = (self.by_kind.values_mut())
            .chain(self.by_year.values_mut())
            .chain(&mut self.by_city)
            .chain(self.pairs.iter_mut().map(|(_, idx)| idx));
        for list in lists {
            list.shrink_to_fit();
        }
    }

    /// The records of a place and of the places within it (a province's cities and
    /// districts, `parent:` in the registry), each once, newest first.
    pub fn place(&self, id: CityId) -> &[usize] {
        match self.within.get(id) {
            Some(all) if !all.is_empty() => all,
            _ => &self.by_city[id],
        }
    }

    /// The index in `pairs` of the pair of `a` and `b` (in either order), if they
    /// cooperate.
    pub fn pair(&self, a: CityId, b: CityId) -> Option<usize> {
        let key = (a.min(b), a.max(b));
        self.pairs.binary_search_by(|(k, _)| k.cmp(&key)).ok()
    }

    /// How many pages a list of `items` takes, `paginate_by` to a page (at least one,
    /// which says that the list is empty).
    pub fn page_count(&self, items: usize) -> usize {
        items.div_ceil(self.config.paginate_by).max(1)
    }

    /// Page `n` (from 1) of a paginated list.
    pub fn page_of<'a, T>(&self, items: &'a [T], n: usize) -> &'a [T] {
        let per = self.config.paginate_by;
        &items[((n - 1) * per).min(items.len())..(n * per).min(items.len())]
    }

    /// Adds the organization and topic registries, and indexes the entries by the
    /// organizations and topics they name.
    pub fn connect(&mut self, organizations: Organizations, topics: Topics) {
        let mut by_organization = vec![Vec::new(); organizations.list.len()];
        for (i, e) in self.entries.iter().enumerate() {
            let r = &e.record;
            let named = (r.organizers.iter().map(|n| (n, Role::Organizer)))
                .chain(r.partners.iter().map(|n| (n, Role::Partner)));
            for (name, role) in named {
                let Some(org) = organizations.resolve(name) else {
                    continue;
                };
                let list: &mut Vec<(usize, Role)> = &mut by_organization[org];
                if list.last().is_none_or(|&(last, _)| last != i) {
                    list.push((i, role));
                }
            }
        }
        self.by_organization = by_organization;
        let tags = self.entries.iter().map(|e| &*e.record.tags);
        self.topics = TopicIndex::build(&topics, tags);
        self.organizations = organizations;
        self.topic_registry = topics;
    }

    /// The URL path of `page` in the default edition, with the base path (see `routes`).
    pub fn url(&self, page: Page) -> String {
        self.url_in(0, page)
    }

    /// The URL path of `page` in edition `edition` (an index of `config.languages`).
    pub fn url_in(&self, edition: usize, page: Page) -> String {
        routes::url_of(&self.config.base_path, page, edition, self)
    }

    /// The URL path of a record's page in edition `edition`.
    pub fn record_url(&self, edition: usize, record: &Record) -> String {
        let file = routes::record_file(record.kind, &record.slug, edition, self);
        routes::url(&self.config.base_path, &file)
    }

    /// The URL path of a city page.
    pub fn city_url(&self, id: CityId) -> String {
        self.url(Page::City(id, 1))
    }

    pub fn year_url(&self, year: i32) -> String {
        self.url(Page::Year(year, 1))
    }

    /// The URL path of page `page` (from 1) of a kind's list.
    pub fn kind_url(&self, kind: Kind, page: usize) -> String {
        self.url(Page::List(kind, page))
    }

    /// Paginated list pages of a kind: how many.
    pub fn list_pages(&self, kind: Kind) -> usize {
        self.page_count(self.by_kind.get(&kind).map_or(0, Vec::len))
    }

    /// `idx` in the order of the feeds: the last changed or added first (see
    /// `Entry::feed_time`), ties in the order of `idx`.
    pub fn feed_order(&self, idx: &[usize]) -> Vec<usize> {
        let mut out = idx.to_vec();
        out.sort_by_key(|&i| std::cmp::Reverse(self.entries[i].feed_time()));
        out
    }

    /// Every route of the site, in a fixed order: each edition's pages, then the
    /// sitemaps and `robots.txt`.
    pub fn routes(&self) -> Vec<Route> {
        let mut pages = vec![Page::Home];
        for kind in Kind::ALL {
            pages.extend((1..=self.list_pages(kind)).map(|n| Page::List(kind, n)));
            pages.extend([Page::KindFeed(kind), Page::KindJsonFeed(kind)]);
        }
        for (i, e) in self.entries.iter().enumerate() {
            pages.extend([Page::Record(i), Page::RecordJson(i)]);
            pages.extend((0..e.record.aliases().len()).map(|k| Page::Alias(i, k)));
        }
        pages.push(Page::Cities);
        for id in 0..self.registry.cities.len() {
            let n = self.page_count(self.place(id).len());
            pages.extend((1..=n).map(|n| Page::City(id, n)));
            pages.extend([Page::CityFeed(id), Page::CityJsonFeed(id)]);
        }
        for (k, (_, idx)) in self.pairs.iter().enumerate() {
            pages.extend((1..=self.page_count(idx.len())).map(|n| Page::Pair(k, n)));
        }
        pages.push(Page::Years);
        for (&y, idx) in &self.by_year {
            pages.extend((1..=self.page_count(idx.len())).map(|n| Page::Year(y, n)));
        }
        pages.extend((0..self.relations.series.len()).map(Page::Series));
        if self.organizations.present {
            pages.push(Page::Organizations);
            for (id, list) in self.by_organization.iter().enumerate() {
                pages.extend((1..=self.page_count(list.len())).map(|n| Page::Organization(id, n)));
            }
        }
        if !self.topics.topics.is_empty() {
            pages.push(Page::Topics);
        }
        for (i, t) in self.topics.topics.iter().enumerate() {
            pages.extend((1..=self.page_count(t.entries.len())).map(|n| Page::Topic(i, n)));
        }
        pages.extend([Page::Search, Page::NotFound, Page::Feed, Page::JsonFeed]);
        pages.push(Page::Data);
        pages.extend(DataFile::ALL.map(Page::DataFile));
        if self.entries.iter().any(|e| !e.record.aliases().is_empty()) {
            pages.push(Page::Redirects);
        }
        // The default edition has every page; the others those made per edition.
        let mut routes: Vec<Route> = (0..self.config.languages.len())
            .flat_map(|e| pages.iter().map(move |&p| (e, p)))
            .filter(|&(e, p)| e == 0 || p.per_edition())
            .map(|(e, p)| Route::in_edition(p, e, self))
            .collect();
        let html = routes.iter().filter(|r| r.in_sitemap()).count();
        routes.extend(routes::sitemap_routes(html, routes::SITEMAP_MAX_URLS));
        routes.push(Route::of(Page::Robots, self));
        // Held to the end of the build, a few per record: without the room the
        // collecting left.
        routes.shrink_to_fit();
        routes
    }
}

impl Names for Site {
    fn record(&self, i: usize) -> (Kind, &str) {
        let r = &self.entries[i].record;
        (r.kind, &r.slug)
    }

    fn city(&self, id: CityId) -> &str {
        &self.registry.cities[id].id
    }

    fn organization(&self, id: usize) -> &str {
        &self.organizations.list[id].id
    }

    fn topic(&self, i: usize) -> &str {
        &self.topics.topics[i].slug
    }

    fn edition_dir(&self, edition: usize) -> &str {
        &self.edition_dirs[edition]
    }

    fn editions(&self) -> usize {
        self.config.languages.len()
    }

    fn alias(&self, i: usize, k: usize) -> &str {
        &self.entries[i].record.aliases()[k]
    }

    fn pair(&self, k: usize) -> (&str, &str) {
        let (a, b) = self.pairs[k].0;
        (&self.registry.cities[a].id, &self.registry.cities[b].id)
    }

    fn series(&self, k: usize) -> &str {
        &self.relations.series[k].slug
    }
}

/// The pairs of cooperating cities a record stands for: a program's `pairs` when it
/// gives them; otherwise every two of its cities that are in different countries (a
/// record of 서울, 부산 and 요코하마 stands for 서울–요코하마 and 부산–요코하마, not for
/// 서울–부산). Each pair in its canonical order, the lower registry index (the id
/// first in alphabetical order) first; sorted, without repeats.
pub fn pairs_of(record: &Record, registry: &Registry) -> Vec<(CityId, CityId)> {
    let ordered = |a: CityId, b: CityId| (a.min(b), a.max(b));
    let mut out: Vec<(CityId, CityId)> = match &record.details {
        Details::Program(p) if !p.pairs.is_empty() => (p.pairs.iter())
            .filter(|[a, b]| a != b)
            .map(|&[a, b]| ordered(a, b))
            .collect(),
        _ => {
            let cities = &record.cities;
            let country = |c: CityId| &registry.cities[c].country;
            (cities.iter().enumerate())
                .flat_map(|(k, &a)| cities[k + 1..].iter().map(move |&b| (a, b)))
                .filter(|&(a, b)| country(a) != country(b))
                .map(|(a, b)| ordered(a, b))
                .collect()
        }
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// The records as entries, in the same order: each body rendered (in parallel), its
/// links resolved against the other records; and the problems of the bodies.
fn entries(
    config: &Config,
    records: Records,
    (all_sources, files): (&HashSet<&Path>, &BTreeMap<PathBuf, u64>),
    markdown: Markdown<'_>,
    (bodies, cache): (&Bodies, &mut BodyCache),
) -> (Vec<Entry>, Vec<Diagnostic>) {
    let url_of = |r: &Record| routes::url(&config.base_path, &routes::record_dir(r.kind, &r.slug));
    let targets = Targets {
        by_source: Urls::Made(
            records
                .iter()
                .map(|r| (r.source.as_path(), url_of(r)))
                .collect(),
        ),
        all_sources,
        files,
        base_path: &config.base_path,
    };
    let opts = RenderOptions {
        allow_html: config.allow_html,
    };
    // A few records at a time, so that the problems of each body and what the cache
    // is to keep of it (the links it asked about) are handed on as soon as it is
    // rendered: only what the entries take is held for every record.
    let mut diags = Vec::new();
    let mut rendered: Vec<EntryBody> = Vec::with_capacity(records.len());
    for chunk in records.chunks(RENDER_AT_ONCE) {
        let stored: Vec<Option<Stored>> = chunk.iter().map(|r| cache.take(&r.source)).collect();
        let done: Vec<RecordBody> = (chunk.par_iter())
            .zip(stored)
            .map(|(r, stored)| {
                targets.record_body(r, &|| markdown.body(r), &opts, (bodies, stored))
            })
            .collect();
        for (r, done) in chunk.iter().zip(done) {
            diags.extend(done.diags);
            cache.keep(r.source.clone(), done.made);
            rendered.push((done.summary, done.body, done.attached));
        }
    }
    // The URL of every record, for the links of the bodies: rendered now.
    drop(targets);
    let entries = (records.into_iter())
        .zip(rendered)
        .map(|(record, (summary, body, attached))| Entry::new(record, summary, body, attached))
        .collect();
    (entries, diags)
}

/// How many record bodies are rendered (in parallel) before their problems and what
/// the cache keeps of them are handed on.
const RENDER_AT_ONCE: usize = 4096;

/// What an entry takes of its rendered body: the summary cut from it (when the record
/// gives none), the body, the files it attaches.
type EntryBody = (Option<String>, Body, Vec<PathBuf>);

/// A record's body, rendered from its page.
struct RecordBody {
    /// The first paragraph, cut, when the text gives no summary.
    summary: Option<String>,
    body: Body,
    /// The problems of the body.
    diags: Vec<Diagnostic>,
    /// The files it attaches.
    attached: Vec<PathBuf>,
    /// What the cache is to keep of it.
    made: Made,
}

/// The text of a record or of a translation, to render.
struct Text<'t> {
    source: &'t Path,
    body: Lazy<'t>,
    /// `content::body_hash` of the body.
    body_hash: u64,
    /// File line of the body's first line.
    body_line: usize,
    /// The summary given.
    summary: Option<&'t String>,
}

/// Reads a body's Markdown (`content::Markdown::body`).
type ReadBody<'r> = dyn Fn() -> Result<Cow<'r, str>, Diagnostic> + Sync + 'r;

/// A body's Markdown, read when it is first asked for.
struct Lazy<'r> {
    read: &'r ReadBody<'r>,
    text: std::cell::OnceCell<Result<Cow<'r, str>, Diagnostic>>,
}

impl<'r> Lazy<'r> {
    fn new(read: &'r ReadBody<'r>) -> Lazy<'r> {
        Lazy {
            read,
            text: std::cell::OnceCell::new(),
        }
    }

    /// The Markdown, read now if it was not; empty when it cannot be read.
    fn get(&self) -> &str {
        self.text.get_or_init(self.read).as_deref().unwrap_or("")
    }

    /// Why the Markdown could not be read, if it was read and could not.
    fn error(&self) -> Option<Diagnostic> {
        self.text.get()?.as_ref().err().cloned()
    }
}

/// A translation's body, rendered from its page.
struct TranslatedBody {
    translated: Translated,
    diags: Vec<Diagnostic>,
    attached: Vec<PathBuf>,
    made: Made,
}

impl Entry {
    /// The entry of `record`, with its rendered body.
    /// `own_summary`: the first paragraph, cut, when the record gives no summary.
    fn new(
        record: Box<Record>,
        own_summary: Option<String>,
        body: Body,
        attachments: Vec<PathBuf>,
    ) -> Entry {
        Entry {
            record,
            body,
            own_summary,
            translations: Vec::new(),
            attachments,
        }
    }
}

/// The broken links of a record that did not parse (links to other records are
/// checked against every record file).
pub fn broken_links(
    record: &Partial,
    allow_html: bool,
    all_sources: &HashSet<&Path>,
    files: &BTreeMap<PathBuf, u64>,
) -> Vec<Diagnostic> {
    let targets = Targets {
        by_source: Urls::Made(HashMap::new()),
        all_sources,
        files,
        base_path: "/",
    };
    let from = BodyAt {
        dir: record.source.parent().unwrap_or(Path::new("")),
        page: None,
        attach_dir: None,
    };
    let opts = RenderOptions { allow_html };
    let read = || Ok(Cow::Borrowed(record.body.as_str()));
    // Rendered for its problems only: the body is held in memory, then dropped.
    let bodies = Bodies::with_budget(usize::MAX);
    let (done, _) = targets.render(&from, &Lazy::new(&read), &opts, (0, None), &bodies);
    body_problems(
        &record.source,
        &record.body,
        record.body_line,
        &done.problems,
    )
}

/// The problems found in the body of `source` (starting at file line `body_line`),
/// located in the file.
fn body_problems(source: &Path, text: &str, body_line: usize, body: &Rendered) -> Vec<Diagnostic> {
    let mut diags: Vec<Diagnostic> = body
        .problems
        .iter()
        .map(|p| {
            let at = Pos::of_offset(text, p.offset);
            let pos = Pos::new(at.line + body_line - 1, at.col);
            let d = match p.severity {
                Severity::Error => Diagnostic::error(p.code, source, pos, &p.message),
                Severity::Warning => Diagnostic::warning(p.code, source, pos, &p.message),
            };
            d.with_help_opt(p.help.clone())
        })
        .collect();
    if body.problems_omitted > 0 {
        let end = Pos::new(body_line + text.matches('\n').count(), 1);
        diags.push(Diagnostic::omitted(
            source,
            end,
            Some(body.problems_omitted),
        ));
    }
    diags
}

/// The checks of values against the bounds of the archive, a pass over the parsed
/// records: every `date` and `end` within the configured years, every amount within
/// `MAX_AMOUNT`. Each problem is an error located in the record's front matter.
pub fn check_ranges(
    records: &[Box<Record>],
    sources: &Sources,
    years: YearRange,
) -> Vec<Diagnostic> {
    let mut front = FrontMatters::new(sources);
    let mut diags = Vec::new();
    for r in records {
        check_years(r, years, &mut front, &mut diags);
        check_amounts(r, &mut front, &mut diags);
    }
    diags
}

/// A record dated outside the configured years is an error at the year as written.
/// A year far off (`0000`, `9999`) is usually a typo, and every year between the first
/// and the last record is a row of the year charts.
fn check_years(
    r: &Record,
    years: YearRange,
    front: &mut FrontMatters,
    diags: &mut Vec<Diagnostic>,
) {
    for (key, date) in [("date", Some(r.date)), ("end", r.end)] {
        let Some(date) = date.filter(|d| !years.contains(d.year)) else {
            continue;
        };
        let year = format!("{:04}", date.year);
        let pos = front.locate(r, &[key.into()]);
        diags.push(
            Diagnostic::error(
                Code::InvalidDate,
                &r.source,
                pos,
                format!(
                    "`{key}` is in {year}, outside the years of this archive, {}–{} (`years` in accord.yaml)",
                    years.min, years.max
                ),
            )
            .with_help("is a digit mistyped? If not, widen `years: {min, max}` in accord.yaml"),
        );
    }
}

/// An amount (budget, cost) larger than `MAX_AMOUNT` is an error where it is written:
/// amounts are summed (per year, city and unit), and sums of such amounts would
/// overflow.
fn check_amounts(r: &Record, front: &mut FrontMatters, diags: &mut Vec<Diagnostic>) {
    let seg = |s: &str| Seg::from(s);
    let mut amounts: Vec<(Vec<Seg>, f64)> = Vec::new();
    match &r.details {
        Details::Program(p) => {
            if let Some(b) = &p.budget {
                let fields = [("total", b.total), ("spent", b.spent)];
                for (key, amount) in fields {
                    amounts.extend(amount.map(|a| (vec![seg("budget"), seg(key)], a)));
                }
                for (year, &a) in &b.by_year {
                    let path = vec![seg("budget"), seg("by_year"), Seg::Key(year.to_string())];
                    amounts.push((path, a));
                }
            }
        }
        Details::Trip(t) => {
            amounts.extend(
                t.cost
                    .iter()
                    .map(|c| (vec![seg("cost"), seg("amount")], c.amount)),
            );
        }
        Details::Workshop(_) => {}
    }
    for (path, amount) in amounts.into_iter().filter(|(_, a)| a.abs() > MAX_AMOUNT) {
        let Some(Seg::Key(key)) = path.first() else {
            continue;
        };
        let pos = front.locate(r, &path);
        diags.push(
            Diagnostic::error(
                Code::Limit,
                &r.source,
                pos,
                format!(
                    "`{key}` holds the amount {amount:e}; amounts are at most {MAX_AMOUNT:e} (MAX_AMOUNT)"
                ),
            )
            .with_help("is the unit right? Write large amounts in a larger unit, e.g. `unit: 백만원`"),
        );
    }
}

/// The front matter of record files, to locate a problem found after parsing: each
/// file is read again when a problem is to be located in it (problems are rare).
pub(crate) struct FrontMatters<'a> {
    sources: &'a Sources,
    /// The last file read again, by path: a record's problems come together.
    last: Option<(PathBuf, String)>,
}

impl<'a> FrontMatters<'a> {
    pub(crate) fn new(sources: &'a Sources) -> Self {
        FrontMatters {
            sources,
            last: None,
        }
    }

    /// Where the value at `path` is written in the front matter of `r` (or the
    /// nearest value holding it); 1:1 when it cannot be found.
    pub(crate) fn locate(&mut self, r: &Record, path: &[Seg]) -> Pos {
        self.spans(r)
            .and_then(|spans| spans.nearest(path))
            .unwrap_or(Pos::new(1, 1))
    }

    /// Where the key of `path` is written (a year of `by_year`), else `locate`.
    pub(crate) fn locate_key(&mut self, r: &Record, path: &[Seg]) -> Pos {
        let key = self.spans(r).and_then(|spans| spans.key(path));
        key.unwrap_or_else(|| self.locate(r, path))
    }

    fn spans(&mut self, r: &Record) -> Option<crate::yaml::Spans> {
        if self.last.as_ref().is_none_or(|(path, _)| *path != r.source) {
            let file = self.sources.read_again(&r.source).ok()?;
            self.last = Some((file.rel_path, file.text));
        }
        let (_, text) = self.last.as_ref()?;
        let split = split_front_matter(text).ok()?;
        let block = Block::new(&r.source, split.front, split.front_line);
        block.parse_mapping("a record").ok().map(|(_, spans)| spans)
    }
}

/// Slugs that would put a record's page where a generated page of its kind goes:
/// `/programs/page/2/` is the second page of the program list.
pub const RESERVED_SLUGS: &[&str] = &["page"];

/// `text`, cut to at most `max` characters with an ellipsis.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some(_) => {
            let keep: String = text.chars().take(max - 1).collect();
            format!("{}…", keep.trim_end())
        }
    }
}

/// Two records on one URL — or on URLs that differ only in case or Unicode
/// normalisation, which collide on many file systems — are an error, and so is a
/// record on the URL of a generated page.
fn check_urls(records: &[Box<Record>]) -> Vec<Diagnostic> {
    let mut seen: BTreeMap<(Kind, String), &Record> = BTreeMap::new();
    let mut sorted: Vec<&Record> = records.iter().map(|r| &**r).collect();
    sorted.sort_by(|a, b| a.source.cmp(&b.source));
    let mut diags = Vec::new();
    for r in sorted {
        if RESERVED_SLUGS.contains(&name_key(&r.slug).as_str()) {
            diags.push(
                Diagnostic::error(
                    Code::InvalidSlug,
                    &r.source,
                    Pos::new(1, 1),
                    format!(
                        "the slug `{}` is taken by the pages of the {} list (/{}/page/2/, …)",
                        r.slug,
                        r.kind.id(),
                        r.kind.section()
                    ),
                )
                .with_help("give the record another file name or a `slug`"),
            );
            continue;
        }
        let key = (r.kind, name_key(&r.slug));
        if let Some(first) = seen.get(&key) {
            diags.push(
                Diagnostic::error(
                    Code::OutputCollision,
                    &r.source,
                    Pos::new(1, 1),
                    format!(
                        "this record and {} would both be published at {}/{}/",
                        first.source.display(),
                        r.kind.section(),
                        r.slug
                    ),
                )
                .with_help("give one of them another file name or a `slug`"),
            );
        } else {
            seen.insert(key, r);
        }
    }
    diags
}

/// What the links of the bodies are resolved against.
struct Targets<'a> {
    /// The URL path of every record's page, by its file.
    by_source: Urls<'a>,
    /// Every record file, also those that failed (see `Site::build`).
    all_sources: &'a HashSet<&'a Path>,
    /// The other files under `content/`, with their sizes.
    files: &'a BTreeMap<PathBuf, u64>,
    base_path: &'a str,
}

/// The URL path of every record's page, by its file: made for a build, or kept
/// (`PageUrls`).
enum Urls<'a> {
    Made(HashMap<&'a Path, String>),
    Kept(&'a HashMap<PathBuf, String>),
}

impl Urls<'_> {
    fn get(&self, source: &Path) -> Option<&String> {
        match self {
            Urls::Made(urls) => urls.get(source),
            Urls::Kept(urls) => urls.get(source),
        }
    }
}

/// The URL path of every entry's page, by its record's file (`Site::page_urls`): what
/// the links of a body rendered alone (`Site::replace_record`) resolve against, made
/// once for many.
pub struct PageUrls(HashMap<PathBuf, String>);

/// Where a body is: the folder of its file, and, when it has a page, the folder of
/// the page and of the record's attachments, from the site's root (`programs/x/`;
/// `ja/programs/x/` is the page of a translation).
struct BodyAt<'p> {
    dir: &'p Path,
    page: Option<&'p str>,
    attach_dir: Option<&'p str>,
}

impl BodyAt<'_> {
    /// The key of a body rendered from here (`cache::key`): its Markdown (by its
    /// `body_hash`) and all its rendering reads but the answers about its links.
    fn key(&self, body_hash: u64, targets: &Targets<'_>, opts: &RenderOptions) -> u64 {
        cache::key(&[
            &body_hash.to_le_bytes(),
            self.dir.as_os_str().as_encoded_bytes(),
            self.page.map_or(b"\0".as_slice(), str::as_bytes),
            self.attach_dir.map_or(b"\0".as_slice(), str::as_bytes),
            targets.base_path.as_bytes(),
            &[u8::from(opts.allow_html)],
        ])
    }
}

impl Targets<'_> {
    /// `r`'s body, `markdown`, rendered from its page (from `stored`, the cache's, when
    /// still good).
    fn record_body<'r>(
        &self,
        r: &'r Record,
        markdown: &'r ReadBody<'r>,
        opts: &RenderOptions,
        (bodies, stored): (&Bodies, Option<Stored>),
    ) -> RecordBody {
        let page = routes::record_dir(r.kind, &r.slug);
        let from = BodyAt {
            dir: r.source.parent().unwrap_or(Path::new("")),
            page: Some(&page),
            attach_dir: Some(&page),
        };
        let text = Text {
            source: &r.source,
            body: Lazy::new(markdown),
            body_hash: r.body_hash,
            body_line: r.body_line as usize,
            summary: r.summary.as_ref(),
        };
        self.body(&from, &text, opts, (bodies, stored))
    }

    /// `text` rendered from `from` (from `stored`, the cache's, when still good) and
    /// put in `bodies`. Its Markdown is read only to render it or to locate its
    /// problems; a failed read is an error, and the body is rendered empty (the build
    /// fails, and keeps nothing in the cache).
    fn body(
        &self,
        from: &BodyAt<'_>,
        text: &Text<'_>,
        opts: &RenderOptions,
        (bodies, stored): (&Bodies, Option<Stored>),
    ) -> RecordBody {
        let key = from.key(text.body_hash, self, opts);
        let (done, attached) = self.render(from, &text.body, opts, (key, stored), bodies);
        let Reused {
            body,
            first_paragraph,
            problems,
            mut made,
        } = done;
        let mut diags = if problems.problems.is_empty() && problems.problems_omitted == 0 {
            Vec::new()
        } else {
            body_problems(text.source, text.body.get(), text.body_line, &problems)
        };
        diags.extend(text.body.error());
        // The summary given is not copied: the record (or translation) holds it.
        let summary = (text.summary.is_none()).then(|| cut(&first_paragraph, MAX_SUMMARY_CHARS));
        made.keep_problems(&problems);
        RecordBody {
            summary,
            body,
            diags,
            attached,
            made,
        }
    }

    /// `t`'s body rendered from its page (`home`, see `Site::translation_home`; `None`
    /// when its original is not an entry).
    fn translation_body(
        &self,
        t: Translation,
        home: Option<(String, String)>,
        opts: &RenderOptions,
        bodies: &Bodies,
        stored: Option<Stored>,
    ) -> TranslatedBody {
        let from = BodyAt {
            dir: t.source.parent().unwrap_or(Path::new("")),
            page: home.as_ref().map(|(page, _)| page.as_str()),
            attach_dir: home.as_ref().map(|(_, dir)| dir.as_str()),
        };
        let read = || Ok(Cow::Borrowed(t.body.as_str()));
        let text = Text {
            source: &t.source,
            body: Lazy::new(&read),
            body_hash: crate::content::body_hash(&t.body),
            body_line: t.body_line,
            summary: t.summary.as_ref(),
        };
        let done = self.body(&from, &text, opts, (bodies, stored));
        let summary = (done.summary).unwrap_or_else(|| t.summary.clone().unwrap_or_default());
        let translated = Translated {
            text: t,
            body: done.body,
            summary,
        };
        TranslatedBody {
            translated,
            diags: done.diags,
            attached: done.attached,
            made: done.made,
        }
    }

    /// `body` rendered from `from` and put in `bodies`, with what the cache is to keep
    /// of it, and the files it attaches (sorted, once each). `cached` is its key and
    /// the body the cache kept, used instead of rendering when its links answer as
    /// they did.
    fn render(
        &self,
        from: &BodyAt<'_>,
        body: &Lazy<'_>,
        opts: &RenderOptions,
        cached: (u64, Option<Stored>),
        bodies: &Bodies,
    ) -> (Reused, Vec<PathBuf>) {
        let attached = std::cell::RefCell::new(Vec::new());
        let resolve = |dest: &str| self.resolve(from, dest, &attached);
        let (key, stored) = cached;
        let reused = stored.and_then(|s| s.reuse(key, &resolve));
        let done = reused.unwrap_or_else(|| {
            attached.borrow_mut().clear();
            let recorder = Recorder::new(&resolve);
            let mut rendered = markdown::render(body.get(), opts, &|dest| recorder.resolve(dest));
            let problems = Rendered {
                problems: std::mem::take(&mut rendered.problems),
                problems_omitted: rendered.problems_omitted,
                ..Rendered::default()
            };
            Reused {
                first_paragraph: rendered.first_paragraph.clone(),
                body: bodies.put(rendered),
                problems,
                made: recorder.made(key),
            }
        });
        let mut attached = attached.into_inner();
        attached.sort();
        attached.dedup();
        (done, attached)
    }

    /// Resolves a Markdown link: a link to another record's `.md` file becomes its
    /// page's URL (and is broken when there is no such record); a link to a file
    /// beside the record attaches it (and is broken when there is no such file); any
    /// other link to a URL of the site is left to be checked against the routes.
    fn resolve(
        &self,
        from: &BodyAt<'_>,
        dest: &str,
        attached: &std::cell::RefCell<Vec<PathBuf>>,
    ) -> LinkAction {
        let (path_part, fragment) = match dest.find(['#', '?']) {
            Some(i) => (&dest[..i], &dest[i..]),
            None => (dest, ""),
        };
        let has_scheme = path_part.find(':').is_some_and(|i| {
            path_part[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        });
        if has_scheme || path_part.starts_with("//") || path_part.is_empty() {
            return LinkAction::Keep;
        }
        let decoded = escape::percent_decode(path_part).unwrap_or(Cow::Borrowed(path_part));
        if path_part.ends_with(".md") {
            return self.record_link(from.dir, dest, &decoded, fragment);
        }
        if let Some(from_root) = decoded.strip_prefix('/') {
            let base = self.base_path.trim_start_matches('/');
            return match from_root.strip_prefix(base) {
                Some(rest) => LinkAction::Verify(rest.to_string()),
                None if format!("{from_root}/") == base => LinkAction::Verify(String::new()),
                None => LinkAction::Verify(format!("/{from_root}")),
            };
        }
        let file = join_relative(from.dir, &decoded).map(|p| crate::paths::nfc_path(&p));
        let name = decoded.rsplit('/').next().unwrap_or_default();
        match file.as_ref().and_then(|f| self.files.get_key_value(f)) {
            Some((file, &size)) => self.attach(from, dest, file, size, attached),
            None if crate::content::is_attachment_type(name)
                && file.as_ref().is_some_and(|f| f.starts_with(crate::source::CONTENT_DIR)) =>
            {
                LinkAction::MissingFile(
                format!(
                    "link to `{dest}`: no file at {}",
                    file.map_or_else(|| dest.to_string(), |f| f.display().to_string())
                ),
                Some("put the file next to the record's .md file and link it by its name, e.g. `[보고서](report.pdf)`".into()),
                )
            }
            None => match from.page {
                Some(page) => match join_relative(Path::new(page), &decoded) {
                    Some(p) => LinkAction::Verify(p.to_string_lossy().into_owned()),
                    None => LinkAction::Verify(format!("/{decoded}")),
                },
                None => LinkAction::Keep,
            },
        }
    }

    /// A link to `file` (of `size` bytes) beside the record: attached when it is of a
    /// type accord publishes, its URL the same in every edition.
    fn attach(
        &self,
        from: &BodyAt<'_>,
        dest: &str,
        file: &Path,
        size: u64,
        attached: &std::cell::RefCell<Vec<PathBuf>>,
    ) -> LinkAction {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !crate::content::is_attachment_type(&name) {
            return LinkAction::MissingFile(
                format!(
                    "link to `{dest}`: {} is not a type accord publishes",
                    file.display()
                ),
                Some(crate::content::ATTACHMENT_HELP.into()),
            );
        }
        let Some(dir) = from.attach_dir else {
            return LinkAction::Keep;
        };
        attached.borrow_mut().push(file.to_path_buf());
        let url = format!("{}{dir}{name}", self.base_path);
        LinkAction::Attach(url, attachment_note(&name, size))
    }

    /// A link to a record's file, relative to `dir` or (with a leading `/`) to the
    /// site root.
    fn record_link(&self, dir: &Path, dest: &str, decoded: &str, fragment: &str) -> LinkAction {
        let target = match decoded.strip_prefix('/') {
            Some(from_root) => join_relative(Path::new(""), from_root),
            None => join_relative(dir, decoded),
        };
        let target = target.map(|p| crate::paths::nfc_path(&p));
        match target.as_ref().and_then(|t| self.by_source.get(t)) {
            Some(url) => LinkAction::Rewrite(format!("{url}{fragment}")),
            None if target.as_ref().is_some_and(|t| self.all_sources.contains(t.as_path())) => {
                LinkAction::Keep
            }
            None => LinkAction::Broken(
                format!("link to `{dest}`: no record at {}", target.map_or_else(|| dest.to_string(), |t| t.display().to_string())),
                Some("link to another record's file by its path relative to this file, e.g. `../trips/seoul-yokohama.md`".into()),
            ),
        }
    }
}

/// What a link to an attachment shows after its text: the type and size of a PDF
/// (`PDF, 1.2 MB`, in decimal units); nothing for other files.
pub fn attachment_note(name: &str, size: u64) -> Option<String> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    (ext == "pdf").then(|| format!("PDF, {}", file_size(size)))
}

/// A size in bytes as people read it: `820 B`, `9.5 kB`, `350 kB`, `1.2 MB`.
pub fn file_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if value < 9.95 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// The site of `tests/fixtures/views`, for the unit tests of the modules that read a
/// site (the registries of organizations and topics not connected).
#[cfg(test)]
pub(crate) fn views_fixture() -> Site {
    fixture_site("views")
}

/// The site of `tests/fixtures/NAME`, as `views_fixture` makes it.
#[cfg(test)]
pub(crate) fn fixture_site(name: &str) -> Site {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let config = Config::load(&root).unwrap();
    let registry = Registry::load(&root).unwrap();
    let sources = crate::source::load(&root);
    let records: Vec<_> = (sources.files.iter())
        .filter_map(|f| crate::content::parse(f, &registry, &config).0)
        .collect();
    let all = sources.files.iter().map(|f| f.rel_path.as_path()).collect();
    Site::build(config, registry, records, &all).unwrap()
}
