//! accord: a static site generator for public archives of intercity cooperation.
//!
//! The pipeline (`build`) reads top to bottom, each step owned by one module:
//!
//! 1. `config`   — read `accord.yaml` into a validated `Config`.
//! 2. `registry` — read the city registry `data/cities.yaml`.
//! 3. `source`   — walk `content/` in sorted order; read files as NFC text.
//! 4. `content`  — split front matter and read each file into a typed `Record`
//!    (cities resolved, every field checked), in parallel.
//! 5. `site`     — render the Markdown (`markdown`), resolve links between records,
//!    and build the indexes by kind, city and year; `lint` adds the warnings.
//! 6. `theme` + `render` — load templates and render every route (`routes`) in parallel.
//! 7. `search`   — build the search index from the records into `search/`.
//! 8. `fingerprint` + `output` — hash the inputs of every page; render and write only
//!    the pages whose inputs changed since the last build (all on a first build),
//!    through a staging directory, so a failed build never touches the output.
//!
//! Every step reports located `Diagnostic`s; all of them are collected and the build
//! fails if any is an error (or, run strictly, any warning: see `lint`). `check` is
//! the same pipeline without step 8's writes.

pub mod charts;
pub mod collisions;
pub mod config;
pub mod content;
pub mod date;
pub mod diag;
pub mod fingerprint;
pub mod jsonld;
pub mod kind;
pub mod limits;
pub mod lint;
pub mod markdown;
pub mod output;
pub mod registry;
pub mod render;
pub mod routes;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod site;
pub mod snippet;
pub mod source;
pub mod theme;
mod yaml;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::Config;
use crate::content::SourceTarget;
use crate::diag::{Code, Diagnostic, Pos};
use crate::registry::Registry;
use crate::render::Renderer;
use crate::site::Site;
use crate::theme::Theme;

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
}

/// What a successful build did.
#[derive(Debug, Default)]
pub struct Report {
    pub records: usize,
    pub drafts_skipped: usize,
    pub files_written: usize,
    pub warnings: Vec<Diagnostic>,
    /// How long each step took, in pipeline order.
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

/// Follows a build: the long steps and how many of their items are done. Called from
/// the threads of the pipeline.
pub trait Progress: Sync {
    /// A step begins: `what` items (`records`, `pages`), `total` of them; 0 when the
    /// number is not known.
    fn start(&self, what: &'static str, total: usize);
    /// One more item of the current step is done.
    fn advance(&self);
}

/// Records how long each step of the pipeline takes.
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

    fn lap(&mut self, step: &'static str) {
        let now = Instant::now();
        self.laps.push((step, now - self.last));
        self.last = now;
    }
}

/// Runs the pipeline. On failure, returns every diagnostic (errors and warnings),
/// sorted by file and position; the output directory is then untouched.
pub fn build(opts: &Options) -> Result<Report, Vec<Diagnostic>> {
    build_with(opts, Run::default())
}

/// `build`, strictly or not, telling `run.progress` how far it is.
pub fn build_with(opts: &Options, run: Run<'_>) -> Result<Report, Vec<Diagnostic>> {
    let progress = |what, total| {
        if let Some(p) = run.progress {
            p.start(what, total);
        }
    };
    let advance = || {
        if let Some(p) = run.progress {
            p.advance();
        }
    };
    let root = opts.root.as_path();
    let mut diags = Vec::new();
    let mut clock = Clock::start();
    if opts.write {
        let output = opts.output.clone().unwrap_or_else(|| root.join("output"));
        output::recover(&output).map_err(|e| {
            vec![Diagnostic::error(
                Code::Write,
                &output,
                Pos::UNKNOWN,
                format!("cannot complete the interrupted build of the output: {e}"),
            )]
        })?;
    }

    // 1–2. Configuration and registry. Keep going with defaults to report more.
    let config = Config::load(root).unwrap_or_else(|d| {
        diags.extend(d);
        Config::parse(root, "").expect("the default configuration is valid")
    });
    let (registry, registry_ok) = match Registry::load(root) {
        Ok(registry) => (registry, true),
        Err(d) => {
            diags.extend(d);
            (Registry::default(), false)
        }
    };
    clock.lap("config and registry");

    // 3–4. Sources and records.
    let mut sources = source::load(root);
    diags.append(&mut sources.diags);
    clock.lap("read sources");
    progress("records", sources.files.len());
    let parsed: Vec<_> = sources
        .files
        .par_iter()
        .map(|f| {
            advance();
            content::read(f, &registry, &config)
        })
        .collect();
    let mut records = Vec::with_capacity(parsed.len());
    let mut failed = Vec::new();
    for p in parsed {
        // With a broken registry every city looks unknown: report the registry only.
        diags.extend(
            p.diags
                .into_iter()
                .filter(|d| registry_ok || d.code != Code::UnknownCity),
        );
        records.extend(p.record);
        failed.extend(p.partial);
    }
    let total = records.len();
    if !opts.drafts {
        records.retain(|r| !r.draft);
    }
    let drafts_skipped = total - records.len();
    clock.lap("parse records");
    // Source files and links of the records that failed are checked too, so that
    // every problem is reported in one run.
    let attached = records
        .iter()
        .map(|r| (&r.source, &r.sources))
        .chain(failed.iter().map(|p| (&p.source, &p.sources)));
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
    // 5. The site model. Built even when some records failed, so that problems in
    // the bodies of the others are reported too.
    progress("Markdown texts", 0);
    let all_sources: HashSet<&Path> = sources.files.iter().map(|f| f.rel_path.as_path()).collect();
    for p in &failed {
        diags.extend(site::broken_links(p, config.allow_html, &all_sources));
    }
    let site = match Site::build(config, registry, records, &all_sources) {
        Ok(site) => site,
        Err(d) => {
            diags.extend(d);
            return Err(finish(diags));
        }
    };
    diags.extend(lint::warnings(&site, &failed));
    if diags.iter().any(Diagnostic::is_error) || (run.strict && !diags.is_empty()) {
        return Err(finish(diags));
    }
    clock.lap("markdown and indexes");

    // 6. Templates, and every page rendered.
    let theme = Theme::load(&site.config).map_err(finish)?;
    let renderer = Renderer::new(&site, &theme).map_err(finish)?;
    let routes = routes::all(&site);
    let collisions = collisions::check(&site, &routes, theme.statics.keys());
    if !collisions.is_empty() {
        return Err(finish(collisions));
    }
    clock.lap("templates");

    // 7. The search index, from the records (not from the pages).
    let index = search::build(&site);
    clock.lap("search index");

    // 8. Output: fingerprint every file, then render and write only what changed
    // since the last build into this output (everything on a first or clean build).
    let output = opts.output.clone().unwrap_or_else(|| root.join("output"));
    let mut manifest = output::Manifest {
        files: fingerprint::all(&site, &theme, &routes),
    };
    for (rel, bytes) in &theme.statics {
        manifest
            .files
            .insert(rel.clone(), fingerprint::bytes(bytes));
    }
    let index_prints: Vec<u64> = index
        .files
        .par_iter()
        .map(|(_, bytes)| fingerprint::bytes(bytes))
        .collect();
    for ((rel, _), print) in index.files.iter().zip(index_prints) {
        manifest.files.insert(rel.clone(), print);
    }
    let attachments = attachments(&site);
    for (rel, from) in &attachments {
        let bytes = std::fs::read(sources.disk_path(root, from))
            .map_err(|e| vec![write_error(&output, rel, &e)])?;
        manifest
            .files
            .insert(rel.clone(), fingerprint::bytes(&bytes));
    }
    clock.lap("fingerprints");
    if opts.write {
        output::recover(&output).map_err(|e| vec![write_error(&output, ".accord-journal", &e)])?;
    }
    let previous = if opts.write {
        output::Manifest::load(&output)
    } else {
        None
    };
    let changed = |file: &str| {
        previous
            .as_ref()
            .is_none_or(|p| p.files.get(file) != manifest.files.get(file))
    };
    let staging = match (&previous, opts.write) {
        (_, false) => None,
        (Some(_), true) => Some(output::Staging::create_partial(&output).map_err(|d| vec![d])?),
        (None, true) => Some(output::Staging::create(&output).map_err(|d| vec![d])?),
    };
    // `check` renders everything; a build renders what changed.
    let to_render: Vec<&routes::Route> = routes
        .iter()
        .filter(|r| !opts.write || changed(&r.file))
        .collect();
    if let Some(s) = &staging {
        s.create_dirs(to_render.iter().map(|r| r.file.as_str()))
            .map_err(|e| vec![write_error(&output, "", &e)])?;
    }
    progress("pages", to_render.len());
    // Pages are rendered on the rayon pool and written by a few I/O threads, so the
    // CPUs never wait on the disk.
    let (tx, rx) = std::sync::mpsc::sync_channel::<(&str, Vec<u8>)>(64);
    let rx = std::sync::Mutex::new(rx);
    let results: Vec<Result<(), Diagnostic>> = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..WRITER_THREADS)
            .map(|_| {
                let (rx, staging, output) = (&rx, &staging, &output);
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
        let mut results: Vec<Result<(), Diagnostic>> = to_render
            .par_iter()
            .map_with(tx, |tx, route| {
                let bytes = renderer.render(route)?;
                advance();
                if staging.is_some() {
                    // A closed channel means a writer failed; its error is reported below.
                    let _ = tx.send((route.file.as_str(), bytes));
                }
                Ok(())
            })
            .collect();
        for w in writers {
            results.extend(w.join().unwrap_or_default().into_iter().map(Err));
        }
        results
    });
    let mut errors: Vec<Diagnostic> = results.into_iter().filter_map(Result::err).collect();
    errors.sort();
    errors.dedup_by(|a, b| a.path == b.path && a.line == b.line && a.message == b.message);
    if !errors.is_empty() {
        return Err(errors);
    }
    clock.lap("render and write pages");
    let mut files_written = to_render.len();
    if let Some(s) = staging {
        let search_files: Vec<&(String, Vec<u8>)> =
            index.files.iter().filter(|(rel, _)| changed(rel)).collect();
        let mut errors: Vec<Diagnostic> = search_files
            .par_iter()
            .filter_map(|(rel, bytes)| {
                s.write(rel, bytes)
                    .err()
                    .map(|e| write_error(&output, rel, &e))
            })
            .collect();
        if !errors.is_empty() {
            errors.sort();
            return Err(errors);
        }
        files_written += search_files.len();
        for (rel, bytes) in &theme.statics {
            if changed(rel) {
                s.write(rel, bytes)
                    .map_err(|e| vec![write_error(&output, rel, &e)])?;
                files_written += 1;
            }
        }
        for (rel, from) in &attachments {
            if changed(rel) {
                s.copy(&sources.disk_path(root, from), rel)
                    .map_err(|e| vec![write_error(&output, rel, &e)])?;
                files_written += 1;
            }
        }
        let committed = match &previous {
            None => s.commit_all(&manifest),
            Some(previous) => {
                let changed: Vec<String> = manifest
                    .files
                    .keys()
                    .filter(|f| changed(f))
                    .cloned()
                    .collect();
                let removed: Vec<String> = previous
                    .files
                    .keys()
                    .filter(|f| !manifest.files.contains_key(*f))
                    .cloned()
                    .collect();
                s.commit_changes(changed, removed, &manifest)
            }
        };
        committed.map_err(|e| {
            vec![Diagnostic::error(
                Code::Write,
                &output,
                Pos::UNKNOWN,
                format!("cannot replace the output: {e}"),
            )]
        })?;
    }
    clock.lap("static files and commit");
    Ok(Report {
        records: site.entries.len(),
        drafts_skipped,
        files_written,
        warnings: diags,
        timings: clock.laps,
    })
}

/// Files attached to records (`sources: [{file}]`): output path → source path.
fn attachments(site: &Site) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    for e in &site.entries {
        for src in &e.record.sources {
            if let SourceTarget::File(p) = &src.target {
                out.insert(e.record.attachment_file(p), p.clone());
            }
        }
    }
    out
}

fn write_error(output: &Path, rel: &str, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(
        Code::Write,
        output.join(rel),
        Pos::UNKNOWN,
        format!("cannot write: {e}"),
    )
}

fn finish(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diags.sort();
    diags.dedup();
    diags
}
