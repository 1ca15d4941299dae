//! accord: a static site generator for public archives of intercity cooperation.
//!
//! The pipeline (`build_with`) is three steps, each a short list of named stages, each
//! stage owned by one module:
//!
//! 1. `load` — what the site is:
//!    `config` reads `accord.yaml`; `registry` reads the city registry
//!    `data/cities.yaml`; `source` walks `content/` in sorted order and reads files as
//!    NFC text, a batch at a time; `content` reads each file's front matter into a
//!    typed `Record` (cities resolved, every field checked), in parallel, or takes it
//!    from the build cache when the file, the configuration and the city registry are
//!    unchanged (`content::memo`), and the batch's texts are dropped; `site` renders
//!    the Markdown (`markdown`), reading a file again unless the build cache holds its
//!    body's rendering, resolves links between records and builds the indexes by
//!    kind, city and year; `lint` adds the warnings (a file is read again to locate
//!    one).
//! 2. `plan` — what the output is: `theme` loads the templates; `routes` decides every
//!    URL and output file (`Site::routes` lists them); `collisions` refuses two owners
//!    of one file; `search` builds the index from the records, each of its files
//!    fingerprinted and staged as soon as it is complete (only if it changed), so that
//!    the index is never held whole; `fingerprint` hashes the inputs of every file, so
//!    that only what changed since the last build is written.
//! 3. `write` — `render` turns each changed route into bytes, in parallel, and
//!    `output`, the only writer, puts them in a staging directory and swaps it in, so a
//!    failed build never touches the output.
//!
//! Every stage reports located `Diagnostic`s; all of them are collected and the build
//! fails if any is an error (or, run strictly, any warning: see `lint`). `check` is
//! the same pipeline without the writes of step 3.

pub mod allocator;
pub mod bodies;
pub mod cache;
pub mod charts;
pub mod cjk;
pub mod codes;
pub mod collisions;
pub mod config;
pub mod content;
pub mod date;
pub mod diag;
pub mod escape;
pub mod export;
pub mod facts;
pub mod fingerprint;
pub mod hash;
pub mod history;
pub mod jsonld;
pub mod kind;
pub mod limits;
pub mod links;
pub mod lint;
pub mod markdown;
pub mod minify;
pub mod names;
pub mod organizations;
pub mod output;
pub mod paths;
pub mod reading;
pub mod refresh;
pub mod registry;
pub mod relations;
pub mod render;
pub mod routes;
pub mod scaffold;
pub mod schema;
pub mod search;
pub mod serve;
pub mod site;
pub mod snippet;
pub mod source;
pub mod theme;
pub mod topics;
pub mod translation;
mod yaml;

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::Config;
use crate::content::SourceTarget;
use crate::diag::{Code, Diagnostic, Pos};
use crate::output::{Manifest, Staging};
use crate::registry::Registry;
use crate::render::Renderer;
use crate::routes::{DataFile, Page, Route};
use crate::site::Site;
use crate::source::Sources;
use crate::theme::Theme;

/// Gives each record its first and last commit dates (`git_dates: true`), or a warning
/// when the history cannot be read.
fn git_dates(root: &Path, records: &mut [Box<content::Record>]) -> Option<Diagnostic> {
    match history::read(root, source::CONTENT_DIR) {
        Ok(dates) => {
            for r in records {
                let dates = dates.get(&r.source).copied();
                r.set_history(dates);
            }
            None
        }
        Err(warning) => Some(warning),
    }
}

/// Threads that write pages while others render.
const WRITER_THREADS: usize = 4;

/// What to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub root: PathBuf,
    /// Where to write; `None` means ROOT/output.
    pub output: Option<PathBuf>,
    /// Include records marked `draft: true`.
    pub drafts: bool,
    /// `false` for `accord check`: everything but the writes.
    pub write: bool,
    /// Build even without a `content/` folder: an empty site. Off, a missing
    /// `content/` is an error, so that a wrong `--root` does not publish an empty site.
    pub allow_empty: bool,
    /// Publish under this address instead of accord.yaml's `base_url` (`--base-url`).
    pub base_url: Option<String>,
    /// How the build cache ROOT/.accord-cache/ is used: read and written (the
    /// default), written only (`--clean`), or not at all (`--no-cache`). `check`
    /// reads it and never writes it.
    pub cache: cache::Mode,
}

impl Options {
    /// The output directory: `--output`, or ROOT/output.
    pub fn output_dir(&self) -> PathBuf {
        self.output
            .clone()
            .unwrap_or_else(|| self.root.join("output"))
    }

    /// The input folder (`content`, `static`, `templates`, `themes`, `data`) the
    /// output directory is, or is inside, if any: a build must never write into what
    /// it reads. Compared as absolute paths, `.` and `..` resolved, through the
    /// symbolic links of the parts that exist.
    pub fn input_holding_output(&self) -> Option<PathBuf> {
        let output = paths::resolve(&self.output_dir());
        let root = paths::resolve(&self.root);
        INPUT_DIRS
            .iter()
            .map(|dir| root.join(dir))
            .find(|input| output.starts_with(input))
    }
}

/// The folders of a site that a build reads.
pub const INPUT_DIRS: &[&str] = &["content", "static", "templates", "themes", "data"];

/// What a successful build did.
#[derive(Debug, Default)]
pub struct Report {
    pub records: usize,
    pub drafts_skipped: usize,
    /// Record files and translations read (front matter parsed), each once however
    /// many editions the site has.
    pub parsed: usize,
    /// Record files (of `parsed`) whose front matter was taken from the build cache
    /// instead of being parsed: unchanged since the last build, as are the
    /// configuration and the city registry.
    pub parsed_cached: usize,
    /// Record files (of `parsed_cached`) not read at all: known by their signature
    /// (`content::memo`), the same as when the build cache was written.
    pub unread: usize,
    /// Markdown bodies rendered (of records and translations), each once however many
    /// editions the site has.
    pub rendered: usize,
    /// Markdown bodies taken from the build cache (`.accord-cache/`) instead of being
    /// rendered: unchanged since the last build, and their links answer the same.
    pub cached: usize,
    /// Records whose search terms were taken from the build cache instead of being
    /// tokenized: unchanged since the last build, as are the names of the registries.
    pub search_cached: usize,
    /// The terms of the search index whose weighing was taken from the last build
    /// (every term that no record which changed holds or held), and all its terms.
    pub search_terms_kept: (usize, usize),
    pub files_written: usize,
    pub warnings: Vec<Diagnostic>,
    /// How long each stage took, in pipeline order.
    pub timings: Vec<(&'static str, Duration)>,
}

/// How a build treats warnings and reports progress. `Default`: leniently, quietly.
#[derive(Clone, Copy, Default)]
pub struct Run<'a> {
    /// Warnings fail the build too; nothing is written then.
    pub strict: bool,
    /// Told how far the long steps are, for a progress bar.
    pub progress: Option<&'a dyn Progress>,
}

impl Run<'_> {
    fn start(&self, what: &'static str, total: usize) {
        if let Some(p) = self.progress {
            p.start(what, total);
        }
    }

    fn advance(&self) {
        if let Some(p) = self.progress {
            p.advance();
        }
    }
}

/// Follows a build: the long steps and how many of their items are done. Called from
/// the threads of the pipeline.
pub trait Progress: Sync {
    /// A step begins: `what` items (`records`, `pages`), `total` of them; 0 when the
    /// number is not known.
    fn start(&self, what: &'static str, total: usize);
    /// One more item of the current step is done.
    fn advance(&self);
}

/// Records how long each stage of the pipeline takes.
struct Clock {
    last: Instant,
    laps: Vec<(&'static str, Duration)>,
}

impl Clock {
    fn start() -> Clock {
        Clock {
            last: Instant::now(),
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        self.laps.push((stage, now - self.last));
        self.last = now;
    }
}

type Diagnostics = Vec<Diagnostic>;

/// Runs the pipeline. On failure, returns every diagnostic (errors and warnings),
/// sorted by file and position; the output directory is then untouched.
pub fn build(opts: &Options) -> Result<Report, Diagnostics> {
    build_with(opts, Run::default())
}

/// `build`, strictly or not, telling `run.progress` how far it is.
pub fn build_with(opts: &Options, run: Run<'_>) -> Result<Report, Diagnostics> {
    build_inner(opts, run, false).map(|(report, _)| report)
}

/// `build`, keeping what re-rendering an edited record's pages needs (the site model
/// and the theme; see `refresh`), as `serve` does between builds.
pub fn build_keeping(opts: &Options) -> Result<(Report, refresh::Kept), Diagnostics> {
    let (report, kept) = build_inner(opts, Run::default(), true)?;
    Ok((report, kept.expect("kept when asked for")))
}

fn build_inner(
    opts: &Options,
    run: Run<'_>,
    keep: bool,
) -> Result<(Report, Option<refresh::Kept>), Diagnostics> {
    let mut clock = Clock::start();
    let output = opts.output_dir();
    // One build writes an output at a time; it first completes an interrupted one.
    let _lock = if opts.write {
        Some(output::prepare(&output).map_err(|d| vec![d])?)
    } else {
        None
    };
    let mut loaded = load(opts, run, &mut clock)?;
    let mut plan = plan(&loaded, opts, &output, &mut clock)?;
    let files_written = write(&loaded, &mut plan, opts, &output, run, &mut clock)?;
    // The build succeeded: the bodies it rendered and the search terms it made are
    // kept for the next one.
    loaded.warnings.append(&mut plan.search_cache.warnings);
    let staged = match (loaded.staged.take(), plan.search_cache.staged.take()) {
        (Some(bodies), Some(search)) => Some(bodies.join(search)),
        (bodies, search) => bodies.or(search),
    };
    if let Some(staged) = staged
        && let Err(warning) = staged.commit()
    {
        loaded.warnings.push(warning);
    }
    let report = Report {
        records: loaded.site.entries.len(),
        drafts_skipped: loaded.drafts_skipped,
        parsed: loaded.parsed,
        parsed_cached: loaded.parsed_cached,
        unread: loaded.unread,
        rendered: loaded.site.rendered,
        cached: loaded.cached,
        search_cached: plan.search_cache.hits,
        search_terms_kept: plan.search_cache.terms_kept,
        files_written,
        warnings: loaded.warnings,
        timings: clock.laps,
    };
    let kept = keep.then(|| refresh::Kept::new(loaded.site, plan.theme, loaded.sources, opts));
    Ok((report, kept))
}

// ------------------------------------------------------------------------ 1. load

/// The site, read and checked.
struct Loaded {
    site: Site,
    sources: Sources,
    drafts_skipped: usize,
    /// Record files and translations read.
    parsed: usize,
    /// Record files whose front matter was taken from the build cache.
    parsed_cached: usize,
    /// Record files known by their signature, not read.
    unread: usize,
    /// Bodies taken from the build cache.
    cached: usize,
    /// The files of the build cache written, to put in place once the build succeeded.
    staged: Option<cache::Staged>,
    /// The problems found, none of them an error (nor, run strictly, any at all).
    warnings: Diagnostics,
}

/// Step 1: configuration, registry, sources, records, the site model and its
/// warnings. Keeps going after a problem, to report as many as it can.
/// The organizers and partners that the registry of organizations does not know
/// (`lint::unknown_organizations`), located in the text of their files.
fn organization_warnings(
    site: &Site,
    sources: &Sources,
    pending: &[translation::Pending],
) -> Vec<Diagnostic> {
    let text_of = |path: &Path| match pending.iter().find(|p| p.file.rel_path == path) {
        Some(p) => Some(p.file.text.clone()),
        None => sources.read_again(path).ok().map(|f| f.text),
    };
    lint::unknown_organizations(site, &text_of)
}

fn load(opts: &Options, run: Run<'_>, clock: &mut Clock) -> Result<Loaded, Diagnostics> {
    let root = opts.root.as_path();
    let mut diags = Vec::new();
    let (config, registry, registry_ok) = config_and_registry(opts, &mut diags);
    clock.lap("config and registry");

    let (mut sources, mut listed) = source::list(root);
    allocator::for_sources(listed.len());
    diags.append(&mut sources.diags);
    let (pending, unread) = translation::take_listed(&mut listed, &config.languages);
    diags.extend(unread);
    clock.lap("read sources");

    let memo = content::memo::Memo::open(root, opts.cache, opts.write, &config, &registry);
    let read = parse_records(listed, (&registry, &config), &memo, run);
    let (mut records, failed) = (read.records, read.failed);
    // With a broken registry every city looks unknown: report the registry only.
    diags.extend((read.diags.into_iter()).filter(|d| registry_ok || d.code != Code::UnknownCity));
    diags.extend(site::check_ranges(&records, &sources, config.years));
    let total = records.len();
    let (drafts, draft_cities) = take_drafts(&mut records, opts.drafts);
    let drafts_skipped = total - records.len();
    // The warnings about facts, of the records published.
    let today = date::build_day();
    diags.extend(facts::warnings(&records, &sources, today));
    diags.extend(missing_source_files(&records, &failed, &sources));
    let (translations, translation_diags) =
        read_translations(&pending, &records, &sources, &registry);
    let parsed = total + failed.len() + translations.len();
    diags.extend(translation_diags);
    if config.git_dates {
        diags.extend(git_dates(root, &mut records));
    }
    clock.lap("parse records");

    // The site model is built even when some records failed, so that problems in the
    // bodies of the others are reported too.
    run.start("Markdown texts", 0);
    // A link to a draft left out is broken: its page is not published.
    let all_sources: HashSet<&Path> = (read.paths.iter())
        .map(PathBuf::as_path)
        .filter(|p| !drafts.contains(*p))
        .collect();
    for p in &failed {
        diags.extend(site::broken_links(
            p,
            config.allow_html,
            &all_sources,
            &sources.attachment_sizes,
        ));
    }
    let files = &sources.attachment_sizes;
    let mut bodies = cache::BodyCache::open(root, opts.cache);
    // Not a problem of the site: reported, but neither `--strict` nor errors count it.
    let cache_warning: Diagnostics = bodies.warning().into_iter().chain(memo.warning()).collect();
    let markdown = (content::Markdown::InFiles(&sources), &mut bodies);
    let built = Site::build_cached(config, registry, records, &all_sources, files, markdown);
    let mut site = match built {
        Ok(site) => site,
        Err(d) => {
            diags.extend(d.into_iter().chain(cache_warning));
            return Err(finish(diags));
        }
    };
    site.today = today;
    let (organizations, topics) = entity_registries(root, &mut diags);
    site.connect(organizations, topics);
    diags.extend(site.translate_cached(translations, &all_sources, files, &mut bodies));
    diags.extend(organization_warnings(&site, &sources, &pending));
    diags.append(&mut site.warnings);
    diags.extend(lint::warnings(&site, &failed, &draft_cities));
    if diags.iter().any(Diagnostic::is_error) || (run.strict && !diags.is_empty()) {
        diags.extend(cache_warning);
        return Err(finish(diags));
    }
    diags.extend(cache_warning);
    let cached = bodies.hits;
    let (parsed_cached, unread) = (memo.hits(), memo.unread());
    let staged = if opts.write {
        stage_cache((bodies, memo), &site, &mut diags)
    } else {
        None
    };
    // What the next steps need of the texts is in the site model now.
    site.drop_markdown();
    release_freed_memory();
    clock.lap("markdown and indexes");
    Ok(Loaded {
        site,
        sources,
        drafts_skipped,
        parsed,
        parsed_cached,
        unread,
        cached,
        staged,
        warnings: diags,
    })
}

/// Takes the drafts out of `records` unless they are published (`--drafts`): the
/// files of those taken out, and the cities they name (not unused: they will be named
/// once the drafts are out).
fn take_drafts(
    records: &mut content::Records,
    publish: bool,
) -> (HashSet<PathBuf>, Vec<registry::CityId>) {
    if publish {
        return (HashSet::new(), Vec::new());
    }
    let drafts = (records.iter().filter(|r| r.draft))
        .map(|r| r.source.clone())
        .collect();
    let cities = (records.iter().filter(|r| r.draft))
        .flat_map(|r| r.cities.iter().copied())
        .collect();
    records.retain(|r| !r.draft);
    (drafts, cities)
}

/// Writes the files of the build cache that changed (of the bodies and the parsed
/// records) beside the old ones, to be put in place once the build succeeded; a
/// warning into `diags` when it cannot.
fn stage_cache(
    (bodies, memo): (cache::BodyCache, content::memo::Memo),
    site: &Site,
    diags: &mut Diagnostics,
) -> Option<cache::Staged> {
    let mut by_path: std::collections::HashMap<&Path, &bodies::Body> =
        std::collections::HashMap::new();
    for e in &site.entries {
        by_path.insert(&e.record.source, &e.body);
        for t in &e.translations {
            by_path.insert(&t.text.source, &t.body);
        }
    }
    let staged = (bodies.stage(&|p| by_path.get(p).map(|b| b.get())))
        .and_then(|bodies| Ok((bodies, memo.stage()?)));
    match staged {
        Ok((Some(bodies), Some(records))) => Some(bodies.join(records)),
        Ok((bodies, records)) => bodies.or(records),
        Err(warning) => {
            diags.push(warning);
            None
        }
    }
}

/// The configuration (with `--base-url`), the registry and whether it loaded; their
/// problems, and a missing `content/`, into `diags`.
fn config_and_registry(opts: &Options, diags: &mut Diagnostics) -> (Config, Registry, bool) {
    let root = opts.root.as_path();
    let mut config = Config::load(root).unwrap_or_else(|d| {
        diags.extend(d);
        Config::parse(root, "").expect("the default configuration is valid")
    });
    if let Some(url) = &opts.base_url
        && let Err(d) = config.set_base_url(url)
    {
        diags.push(d);
    }
    let (registry, registry_ok) = match Registry::load(root) {
        Ok(registry) => (registry, true),
        Err(d) => {
            diags.extend(d);
            (Registry::default(), false)
        }
    };
    if !opts.allow_empty && !root.join(source::CONTENT_DIR).is_dir() {
        diags.push(
            Diagnostic::error(
                Code::Argument,
                source::CONTENT_DIR,
                Pos::UNKNOWN,
                "there is no content/ folder: the site would be empty",
            )
            .with_help(
                "is --root the archive's folder? To publish an empty site, pass --allow-empty",
            ),
        );
    }
    (config, registry, registry_ok)
}

/// The organization and topic registries (each empty when its file is missing or
/// broken); their problems into `diags`.
fn entity_registries(
    root: &Path,
    diags: &mut Diagnostics,
) -> (organizations::Organizations, topics::Topics) {
    let organizations = organizations::Organizations::load(root).unwrap_or_else(|d| {
        diags.extend(d);
        organizations::Organizations::default()
    });
    let topics = topics::Topics::load(root).unwrap_or_else(|d| {
        diags.extend(d);
        topics::Topics::default()
    });
    (organizations, topics)
}

/// How many record files are read and parsed at a time: their texts are held
/// together, and only until their records are read.
const PARSE_BATCH: usize = 512;

/// The record files, read.
struct Read {
    /// The records that parsed, without their Markdown bodies, each in a box of its
    /// own (see `site::Entry::record`).
    records: content::Records,
    /// What is known of those that did not.
    failed: Vec<content::Partial>,
    /// The problems of reading and parsing them.
    diags: Diagnostics,
    /// Every file read, record or not: what the links of the bodies may point at.
    paths: Vec<PathBuf>,
}

/// Every record file of `listed` read into a `Record` (or taken from the build cache:
/// `memo`), a batch at a time, each batch in parallel. The texts are dropped with their batch, and the records kept without
/// their bodies (the site reads them again to render them:
/// `content::Markdown::InFiles`; the warnings located after this step read their
/// files again: `Sources::read_again`), so that the text of the archive is never held
/// whole: every problem that needs the text is found here.
fn parse_records(
    listed: Vec<source::Listed>,
    (registry, config): (&Registry, &Config),
    memo: &content::memo::Memo,
    run: Run<'_>,
) -> Read {
    run.start("records", listed.len());
    let mut read = Read {
        records: Vec::with_capacity(listed.len()),
        failed: Vec::new(),
        diags: Vec::new(),
        paths: Vec::with_capacity(listed.len()),
    };
    let mut names = names::Names::new();
    for batch in listed.chunks(PARSE_BATCH) {
        let parsed: Vec<_> = batch
            .par_iter()
            .map(|listed| {
                run.advance();
                let parsed = memo.read(listed, registry, config)?;
                Ok::<_, Diagnostic>((listed.rel_path.clone(), parsed))
            })
            .collect();
        for p in parsed {
            match p {
                Ok((path, p)) => {
                    read.paths.push(path);
                    read.diags.extend(p.diags);
                    read.records.extend(p.record.map(|mut r| {
                        r.share_names(&mut names);
                        Box::new(r)
                    }));
                    read.failed.extend(p.partial);
                }
                Err(d) => read.diags.push(d),
            }
        }
    }
    read
}

/// The translations whose original is a record, read against it, in parallel; and
/// their problems.
fn read_translations(
    pending: &[translation::Pending],
    records: &[Box<content::Record>],
    sources: &Sources,
    registry: &Registry,
) -> (Vec<translation::Translation>, Diagnostics) {
    let records: std::collections::HashMap<&Path, &content::Record> =
        records.iter().map(|r| (r.source.as_path(), &**r)).collect();
    // The originals' files are read again: `parse_records` kept none.
    let read: Vec<_> = pending
        .par_iter()
        .filter_map(|p| {
            let original = records.get(p.original.as_path())?;
            Some(match sources.read_again(&original.source) {
                Ok(file) => translation::read(p, original, &file, registry),
                Err(d) => (None, vec![d]),
            })
        })
        .collect();
    let mut translations = Vec::new();
    let mut diags = Vec::new();
    for (t, d) in read {
        translations.extend(t);
        diags.extend(d);
    }
    (translations, diags)
}

/// `sources: [{file}]` entries naming a file that is not under `content/`, of the
/// records and of those that failed (so that every problem shows in one run).
fn missing_source_files(
    records: &[Box<content::Record>],
    failed: &[content::Partial],
    sources: &Sources,
) -> Diagnostics {
    let attached = records
        .iter()
        .map(|r| (&r.source, r.sources()))
        .chain(failed.iter().map(|p| (&p.source, p.sources.as_slice())));
    let mut diags = Vec::new();
    for (record, list) in attached {
        for s in list {
            if let SourceTarget::File(p) = &s.target
                && !sources.attachments.contains(p)
            {
                diags.push(Diagnostic::error(
                    Code::MissingSourceFile,
                    record,
                    Pos::UNKNOWN,
                    format!("source file {} does not exist", p.display()),
                ));
            }
        }
    }
    diags
}

/// Hands the memory a stage freed back to the system: glibc's allocator keeps it in
/// its arenas otherwise, so that the resident memory after the texts of step 1 or the
/// runs of the search index are freed stays at its highest for the rest of the build
/// (and between the builds of `serve`). Called where a stage's own data is freed.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only returns the free pages of glibc's arenas to the system;
    // it touches no memory in use.
    unsafe {
        libc::malloc_trim(0);
    }
}

// ------------------------------------------------------------------------ 2. plan

/// What the output consists of and what of it must be written.
struct Plan {
    theme: Theme,
    routes: Vec<Route>,
    /// Where a build writes (the search index is in it already); `None` for `check`.
    staging: Option<Staging>,
    /// How many files of the search index were written.
    search_written: usize,
    /// What the search index kept in the build cache.
    search_cache: SearchCache,
    /// Files attached to records: output path → source path.
    attachments: BTreeMap<String, PathBuf>,
    /// The fingerprint of every output file.
    manifest: Manifest,
    /// The manifest of the output being updated; `None` on a first or clean build,
    /// and for `check`.
    previous: Option<Manifest>,
}

impl Plan {
    /// Whether `file` must be written: it is new or its inputs changed.
    fn changed(&self, file: &str) -> bool {
        self.previous
            .as_ref()
            .is_none_or(|p| p.get(file) != self.manifest.get(file))
    }
}

/// Step 2: templates, routes and their collisions, the search index (written into
/// the staging directory as it is built, so that its files are not held), and the
/// fingerprints that say what changed since the last build into `output`.
fn plan(
    loaded: &Loaded,
    opts: &Options,
    output: &Path,
    clock: &mut Clock,
) -> Result<Plan, Diagnostics> {
    let site = &loaded.site;
    let theme = Theme::load(&site.config).map_err(finish)?;
    clock.lap("templates");

    // The search index, from the records (not from the pages). Then every output
    // path is known, and checked for collisions.
    let previous = if opts.write {
        Manifest::load(output)
    } else {
        None
    };
    let staging = match (&previous, opts.write) {
        (_, false) => None,
        (Some(_), true) => Some(Staging::create_partial(output).map_err(|d| vec![d])?),
        (None, true) => Some(Staging::create(output).map_err(|d| vec![d])?),
    };
    let memo = search::Memo::open(&opts.root, opts.cache, opts.write);
    let (search_prints, search_written) =
        search_files(site, staging.as_ref(), previous.as_ref(), output, &memo)?;
    let search_cache = SearchCache::stage(memo);
    // The routes (a path per output file, a few per record) are made once the search
    // index is built, so that they are not held beside it.
    let routes = site.routes();
    let collisions = collisions::check(
        site,
        &routes,
        search_prints.iter().map(|(f, _)| f),
        theme.statics.keys(),
    );
    if !collisions.is_empty() {
        return Err(finish(collisions));
    }
    release_freed_memory();
    clock.lap("search index");

    let attachments = attachments(site);
    if links::any(site) {
        let produced: HashSet<&str> = (routes.iter().map(|r| r.file.as_str()))
            .chain(search_prints.iter().map(|(f, _)| f.as_str()))
            .chain(theme.statics.keys().map(String::as_str))
            .chain(attachments.keys().map(String::as_str))
            .collect();
        let broken = links::check(site, &produced);
        if !broken.is_empty() {
            return Err(finish(broken));
        }
    }
    let manifest = fingerprints(
        loaded,
        (&theme, &routes, &search_prints, &attachments),
        output,
        opts,
    )?;
    clock.lap("fingerprints");
    Ok(Plan {
        theme,
        routes,
        staging,
        search_written,
        search_cache,
        attachments,
        manifest,
        previous,
    })
}

/// The files of the build cache the search index wrote, to put in place once the
/// build succeeded, and the warnings about the cache (not problems of the site).
#[derive(Default)]
struct SearchCache {
    staged: Option<cache::Staged>,
    warnings: Diagnostics,
    /// Records whose terms were taken from the cache.
    hits: usize,
    /// The terms of the index taken from the last build's weighing, and all.
    terms_kept: (usize, usize),
}

impl SearchCache {
    fn stage(memo: search::Memo) -> SearchCache {
        let mut kept = SearchCache {
            hits: memo.hits(),
            terms_kept: memo.terms_kept(),
            ..SearchCache::default()
        };
        kept.warnings.extend(memo.warning());
        match memo.stage() {
            Ok(staged) => kept.staged = staged,
            Err(warning) => kept.warnings.push(warning),
        }
        kept
    }
}

/// The files of the output but the pages': the theme's, the search index's (with
/// their fingerprints) and the attachments.
type Files<'a> = (
    &'a Theme,
    &'a [Route],
    &'a [(String, u64)],
    &'a BTreeMap<String, PathBuf>,
);

/// The fingerprint of every file of the output: pages, static files, the search
/// index (fingerprinted as it was built) and attachments.
fn fingerprints(
    loaded: &Loaded,
    (theme, routes, search_prints, attachments): Files<'_>,
    output: &Path,
    opts: &Options,
) -> Result<Manifest, Diagnostics> {
    let extra = theme.statics.len() + search_prints.len() + attachments.len();
    let mut files = fingerprint::all(&loaded.site, theme, routes, extra);
    for (rel, bytes) in &theme.statics {
        files.push((rel, hash::bytes(bytes)));
    }
    files.extend(
        search_prints
            .iter()
            .map(|(rel, print)| (rel.as_str(), *print)),
    );
    for (rel, from) in attachments {
        let bytes = std::fs::read(loaded.sources.disk_path(&opts.root, from))
            .map_err(|e| vec![write_error(output, rel, &e)])?;
        files.push((rel, hash::bytes(&bytes)));
    }
    Ok(Manifest::from_files(files))
}

/// Files attached to records (`sources: [{file}]`, and the files their bodies link
/// to): output path → source path.
fn attachments(site: &Site) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    for e in &site.entries {
        for src in e.record.sources() {
            if let SourceTarget::File(p) = &src.target {
                out.insert(e.record.attachment_file(p), p.clone());
            }
        }
        for p in &e.attachments {
            out.insert(e.record.attachment_file(p), p.clone());
        }
    }
    out
}

// ----------------------------------------------------------------------- 3. write

/// Step 3: renders the pages that changed (every page for `check`), writes them and
/// the other changed files into the staging directory (which holds the search index
/// already), and swaps it in. Returns how many files were written.
fn write(
    loaded: &Loaded,
    plan: &mut Plan,
    opts: &Options,
    output: &Path,
    run: Run<'_>,
    clock: &mut Clock,
) -> Result<usize, Diagnostics> {
    // One renderer per edition; the records were read and rendered once, before.
    let mut renderers = (0..loaded.site.config.languages.len())
        .map(|e| Renderer::edition(&loaded.site, &plan.theme, e))
        .collect::<Result<Vec<_>, _>>()
        .map_err(finish)?;
    if let Some((first, others)) = renderers.split_first_mut() {
        for r in others {
            r.share_export(first);
        }
    }
    // The search index is written already.
    let mut staging = plan.staging.take();
    stage_manifest(plan, staging.as_mut(), output)?;
    let search_written = plan.search_written;
    let plan = &*plan;
    for r in &mut renderers {
        r.use_routes(&plan.routes);
    }
    // `check` renders everything; a build renders what changed.
    let mut to_render: Vec<&Route> = plan
        .routes
        .iter()
        .filter(|r| !opts.write || plan.changed(&r.file))
        .collect();
    if let Some(s) = &staging {
        s.create_dirs(to_render.iter().map(|r| r.file.as_str()))
            .map_err(|e| vec![write_error(output, "", &e)])?;
    }
    // The downloads, once for every edition, before the pages: written record by
    // record on the whole pool, what the data page shows of them kept.
    let mut downloads = 0;
    if let Some((export, written)) =
        write_downloads(&loaded.site, &to_render, staging.as_ref(), output)?
    {
        if let Some(first) = renderers.first() {
            first.use_export(export);
        }
        to_render.retain(|r| !matches!(r.page, Page::DataFile(_)));
        downloads = written;
    }
    render_pages(
        &loaded.site,
        &renderers,
        &to_render,
        staging.as_ref(),
        output,
        run,
    )?;
    clock.lap("render and write pages");
    let Some(staging) = staging else {
        return Ok(downloads + to_render.len());
    };
    let others = write_other_files(loaded, plan, &staging, opts, output)?;
    commit(plan, staging, output)?;
    clock.lap("static files and commit");
    Ok(search_written + downloads + to_render.len() + others)
}

/// On a first or clean build, writes the manifest beside the output before the pages
/// are rendered, and drops it, so that it is not held while they are (a path and a
/// fingerprint per output file); the commit puts it in place. An incremental build
/// keeps it for its journal.
fn stage_manifest(
    plan: &mut Plan,
    staging: Option<&mut Staging>,
    output: &Path,
) -> Result<(), Diagnostics> {
    let Some(staging) = staging.filter(|_| plan.previous.is_none()) else {
        return Ok(());
    };
    (staging.stage_manifest(&plan.manifest)).map_err(|e| vec![write_error(output, "", &e)])?;
    plan.manifest = Manifest::default();
    release_freed_memory();
    Ok(())
}

/// When a download under `/data/` or the data page is among `routes`: writes the
/// downloads among them into `staging` (into nothing for `check`), record by record,
/// and returns what the data page shows of them and how many there are.
fn write_downloads(
    site: &Site,
    routes: &[&Route],
    staging: Option<&Staging>,
    output: &Path,
) -> Result<Option<(export::Export, usize)>, Diagnostics> {
    if !routes
        .iter()
        .any(|r| matches!(r.page, Page::Data | Page::DataFile(_)))
    {
        return Ok(None);
    }
    let files: BTreeMap<DataFile, &str> = (routes.iter())
        .filter_map(|r| match r.page {
            Page::DataFile(f) => Some((f, r.file.as_str())),
            _ => None,
        })
        .collect();
    let written = export::Export::write(site, true, |file| -> std::io::Result<Box<dyn Write>> {
        match (staging, files.get(&file)) {
            (Some(s), Some(rel)) => {
                let f = s.create_in_place(rel)?;
                Ok(Box::new(std::io::BufWriter::with_capacity(1 << 16, f)))
            }
            _ => Ok(Box::new(std::io::sink())),
        }
    });
    // The files are written side by side: the error is the folder's.
    let dir = (files.values().next())
        .and_then(|f| f.rsplit_once('/'))
        .map_or("", |(dir, _)| dir);
    let export = written.map_err(|e| vec![write_error(output, dir, &e)])?;
    Ok(Some((export, files.len())))
}

/// Renders `routes` on the rayon pool while a few I/O threads write them into
/// `staging` (when there is one), so the CPUs never wait on the disk.
fn render_pages(
    site: &Site,
    renderers: &[Renderer<'_>],
    routes: &[&Route],
    staging: Option<&Staging>,
    output: &Path,
    run: Run<'_>,
) -> Result<(), Diagnostics> {
    run.start("pages", routes.len());
    let (tx, rx) = std::sync::mpsc::sync_channel::<(&str, Vec<u8>)>(64);
    let rx = std::sync::Mutex::new(rx);
    let mut errors: Diagnostics = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..WRITER_THREADS)
            .map(|_| {
                let rx = &rx;
                scope.spawn(move || {
                    let mut errors = Vec::new();
                    loop {
                        let next = rx.lock().map(|r| r.recv());
                        let Ok(Ok((file, bytes))) = next else { break };
                        if let Some(s) = staging
                            && let Err(e) = s.write_in_place(file, &bytes)
                        {
                            errors.push(write_error(output, file, &e));
                        }
                    }
                    errors
                })
            })
            .collect();
        // The failures only: a result per page would be held to the last page.
        let mut results: Vec<Diagnostic> = routes
            .par_iter()
            .map_with(tx, |tx, route| {
                let renderer = &renderers[routes::edition_of(&route.file, site)];
                let bytes = renderer.render(route)?;
                run.advance();
                if staging.is_some() {
                    // A closed channel means a writer failed; its error is reported below.
                    let _ = tx.send((route.file.as_str(), bytes));
                }
                Ok(())
            })
            .filter_map(Result::err)
            .collect();
        for w in writers {
            results.extend(w.join().unwrap_or_default());
        }
        results
    });
    errors.sort();
    errors.dedup_by(|a, b| a.path == b.path && a.line == b.line && a.message == b.message);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Builds the search index into `staging` (when there is one), each file as soon as
/// it is complete, and only if it changed since the `previous` build; returns the
/// fingerprint of every file of the index and how many were written.
fn search_files(
    site: &Site,
    staging: Option<&Staging>,
    previous: Option<&Manifest>,
    output: &Path,
    memo: &search::Memo,
) -> Result<(Vec<(String, u64)>, usize), Diagnostics> {
    let sink = SearchSink {
        staging,
        previous,
        output,
        prints: Mutex::new(Vec::new()),
        written: AtomicUsize::new(0),
        errors: Mutex::new(Vec::new()),
    };
    // Its temporary files, if any, beside the output (where the staging directory
    // is); for `check`, which writes nothing there, in the system's temporary folder.
    let beside = output::normalize(output);
    let temp = std::env::temp_dir();
    let scratch = match staging {
        Some(_) => beside
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
        None => temp.as_path(),
    };
    let sizes = &search::Sizes::BUILD;
    let built = search::build_into(site, sizes, search::MEMORY_BUDGET, scratch, &sink, memo);
    let mut errors = sink
        .errors
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    if let Err(e) = built {
        let at = scratch.display();
        errors.push(write_error(
            output,
            "",
            &std::io::Error::other(format!("{at}: {e}")),
        ));
    }
    if !errors.is_empty() {
        return Err(finish(errors));
    }
    let mut prints = sink
        .prints
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    prints.sort_unstable();
    Ok((prints, sink.written.into_inner()))
}

/// Takes the files of the search index as they are built: fingerprints each and, for
/// a build, writes it into the staging directory when it changed since the previous
/// build (`Plan::changed`).
struct SearchSink<'a> {
    staging: Option<&'a Staging>,
    previous: Option<&'a Manifest>,
    output: &'a Path,
    prints: Mutex<Vec<(String, u64)>>,
    written: AtomicUsize,
    errors: Mutex<Diagnostics>,
}

impl search::Sink for SearchSink<'_> {
    fn put(&self, path: String, bytes: Vec<u8>, print: u64) {
        if let Some(staging) = self.staging
            && self.previous.is_none_or(|p| p.get(&path) != Some(print))
        {
            match staging.write(&path, &bytes) {
                Ok(()) => {
                    self.written.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => (self.errors.lock().unwrap_or_else(PoisonError::into_inner))
                    .push(write_error(self.output, &path, &e)),
            }
        }
        drop(bytes);
        (self.prints.lock().unwrap_or_else(PoisonError::into_inner)).push((path, print));
    }
}

/// Writes the changed files that are not pages nor the search index: the theme's
/// static files and the attachments. Returns how many.
fn write_other_files(
    loaded: &Loaded,
    plan: &Plan,
    staging: &Staging,
    opts: &Options,
    output: &Path,
) -> Result<usize, Diagnostics> {
    let mut written = 0;
    for (rel, bytes) in &plan.theme.statics {
        if plan.changed(rel) {
            staging
                .write(rel, bytes)
                .map_err(|e| vec![write_error(output, rel, &e)])?;
            written += 1;
        }
    }
    for (rel, from) in &plan.attachments {
        if plan.changed(rel) {
            staging
                .copy(&loaded.sources.disk_path(&opts.root, from), rel)
                .map_err(|e| vec![write_error(output, rel, &e)])?;
            written += 1;
        }
    }
    Ok(written)
}

/// Swaps the staging directory in: the whole output on a first build, the changed
/// and removed files of an incremental one.
fn commit(plan: &Plan, staging: Staging, output: &Path) -> Result<(), Diagnostics> {
    let committed = match &plan.previous {
        None => staging.commit_all(&plan.manifest),
        Some(previous) => {
            let changed: Vec<String> = (plan.manifest.iter())
                .filter(|(f, _)| plan.changed(f))
                .map(|(f, _)| f.to_string())
                .collect();
            let removed: Vec<String> = (previous.iter())
                .filter(|(f, _)| !plan.manifest.contains(f))
                .map(|(f, _)| f.to_string())
                .collect();
            staging.commit_changes(changed, removed, &plan.manifest)
        }
    };
    committed.map_err(|e| {
        vec![Diagnostic::error(
            Code::Write,
            output,
            Pos::UNKNOWN,
            format!("cannot replace the output: {e}"),
        )]
    })
}

fn write_error(output: &Path, rel: &str, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(
        Code::Write,
        output.join(rel),
        Pos::UNKNOWN,
        format!("cannot write: {e}"),
    )
}

fn finish(mut diags: Diagnostics) -> Diagnostics {
    diags.sort();
    diags.dedup();
    name_few_write_errors(diags)
}

/// Of the files that could not be written for one reason, this many are named.
const WRITE_ERRORS_NAMED: usize = 10;

/// Keeps the first `WRITE_ERRORS_NAMED` write errors of each message (a full disk
/// fails every page alike: hundreds of thousands of lines would hide the cause) and
/// counts the others in the next one. `diags` is sorted, and stays so.
fn name_few_write_errors(diags: Diagnostics) -> Diagnostics {
    let mut named: BTreeMap<String, usize> = BTreeMap::new();
    let mut more: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut kept: Diagnostics = Vec::with_capacity(diags.len());
    for d in diags {
        if d.code == Code::Write {
            let n = named.entry(d.message.clone()).or_default();
            *n += 1;
            if *n > WRITE_ERRORS_NAMED + 1 {
                more.entry(d.message).or_default().1 += 1;
                continue;
            }
            if *n == WRITE_ERRORS_NAMED + 1 {
                more.insert(d.message.clone(), (kept.len(), 0));
            }
        }
        kept.push(d);
    }
    for (at, others) in more.into_values().filter(|&(_, others)| others > 0) {
        let d = &mut kept[at];
        d.message = format!(
            "{} (and {others} more files after this one, for the same reason)",
            d.message
        );
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_error_at(page: usize, why: &str) -> Diagnostic {
        let e = std::io::Error::other(why);
        write_error(Path::new("out"), &format!("p/{page:03}/index.html"), &e)
    }

    #[test]
    fn write_errors_of_one_cause_are_named_ten_times_and_counted() {
        let mut diags: Diagnostics = (0..25).map(|i| write_error_at(i, "disk full")).collect();
        diags.extend((0..3).map(|i| write_error_at(i, "denied")));
        let other = Diagnostic::error(Code::YamlSyntax, "content/a.md", Pos::UNKNOWN, "bad");
        diags.push(other.clone());
        let shown = finish(diags);
        let full: Vec<_> = shown
            .iter()
            .filter(|d| d.message.contains("disk full"))
            .collect();
        assert_eq!(full.len(), WRITE_ERRORS_NAMED + 1);
        let last = full.last().unwrap();
        assert_eq!(last.path, Path::new("out/p/010/index.html"));
        assert!(
            last.message
                .ends_with("(and 14 more files after this one, for the same reason)"),
            "{}",
            last.message
        );
        assert!(
            full[..WRITE_ERRORS_NAMED]
                .iter()
                .all(|d| !d.message.contains("more files"))
        );
        let denied = shown.iter().filter(|d| d.message.contains("denied"));
        assert_eq!(
            denied.filter(|d| !d.message.contains("more files")).count(),
            3
        );
        assert!(shown.contains(&other));
        assert!(shown.is_sorted());
        // Eleven of one cause: the eleventh is named, nothing is counted.
        let eleven = finish((0..11).map(|i| write_error_at(i, "disk full")).collect());
        assert_eq!(eleven.len(), 11);
        assert!(eleven.iter().all(|d| !d.message.contains("more files")));
    }
}
