//! The quick re-render of `serve`: what the last build made of the site (the site
//! model and the theme, `Kept`), kept between builds, and the re-render, on it, of the
//! pages of records whose files were edited. When only the files of existing records
//! (or of their translations) changed, and each still reads without an error and keeps
//! its URL, their records are read again, their bodies rendered, and their own pages
//! (every edition, HTML and JSON) written into the output in place, each atomically.
//! Anything else is refused (`Skip`) and left to the full build, which `serve` runs
//! after a quick re-render too: it brings the lists, indexes, search index, feeds and
//! downloads up to date, and rewrites the pages re-rendered here (`output::replace`
//! takes them out of the manifest), so that the output ends as a build makes it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::content::{self, Record, SourceTarget};
use crate::diag::Diagnostic;
use crate::output;
use crate::render::Renderer;
use crate::routes::{Page, Route};
use crate::site::{PageUrls, Site};
use crate::source::{self, Sources};
use crate::theme::Theme;
use crate::translation::{self, Pending};

/// What a build keeps for the quick re-render (`crate::build_keeping`).
pub struct Kept {
    site: Site,
    theme: Theme,
    /// The page of every entry, by its record's file.
    urls: PageUrls,
    /// The entry of every record file, and of every translation's (with its language).
    owners: HashMap<PathBuf, (usize, Option<String>)>,
    /// What the build found under `content/` (the record files' text dropped).
    sources: Sources,
    root: PathBuf,
    output: PathBuf,
    drafts: bool,
}

/// Why the quick re-render does not apply to a change: the full build's work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip(pub String);

fn skip(rel: &Path, why: &str) -> Skip {
    Skip(format!("{}: {why}", rel.display()))
}

impl Kept {
    pub(crate) fn new(site: Site, theme: Theme, sources: Sources, opts: &crate::Options) -> Kept {
        let mut owners = HashMap::new();
        for (i, e) in site.entries.iter().enumerate() {
            owners.insert(e.record.source.clone(), (i, None));
            for t in &e.translations {
                owners.insert(t.text.source.clone(), (i, Some(t.text.lang.clone())));
            }
        }
        Kept {
            urls: site.page_urls(),
            owners,
            site,
            theme,
            sources,
            root: opts.root.clone(),
            output: opts.output_dir(),
            drafts: opts.drafts,
        }
    }

    /// Reads the record files `changed` (relative to the root) again and writes their
    /// records' pages into the output; returns the output files written. Refused when
    /// the change is not a plain edit of existing records, or when a page cannot be
    /// rendered or written: no file of the output is then part written, and the site
    /// kept may be part updated: it is not to be used again (the full build that
    /// follows keeps a new one).
    pub fn refresh(&mut self, changed: &[PathBuf]) -> Result<Vec<String>, Skip> {
        let mut touched = Vec::new();
        for rel in changed {
            touched.push(self.reread(rel)?);
        }
        touched.sort_unstable();
        touched.dedup();
        let files = self.render(&touched)?;
        output::replace(&self.output, &files).map_err(|d| Skip(d.to_string()))?;
        Ok(files.into_iter().map(|(file, _)| file).collect())
    }

    /// Reads one changed file again into the site; the index of its entry.
    fn reread(&mut self, rel: &Path) -> Result<usize, Skip> {
        if rel.extension().is_none_or(|e| e != "md") {
            return Err(skip(rel, "not a record file"));
        }
        let (i, lang) = (self.owners.get(rel).cloned())
            .ok_or_else(|| skip(rel, "not a record of the last build"))?;
        let file = source::read_file(&self.root, rel).map_err(|d| Skip(d.to_string()))?;
        let (diags, attached) = match lang {
            None => self.reread_record(i, &file)?,
            Some(lang) => self.reread_translation(i, file, lang)?,
        };
        if let Some(d) = diags.iter().find(|d| d.is_error()) {
            return Err(Skip(d.to_string()));
        }
        let e = &self.site.entries[i];
        if attached.iter().any(|a| !e.attachments.contains(a)) {
            return Err(skip(rel, "it attaches a file it did not attach"));
        }
        let bodies = std::iter::once(&e.body).chain(e.translations.iter().map(|t| &t.body));
        if bodies.into_iter().any(crate::bodies::Body::has_unverified) {
            return Err(skip(rel, "it links to pages that only a build can check"));
        }
        Ok(i)
    }

    /// Reads entry `i`'s record file again; the problems of its body and the files
    /// it attaches.
    fn reread_record(
        &mut self,
        i: usize,
        file: &source::SourceFile,
    ) -> Result<(Vec<Diagnostic>, Vec<PathBuf>), Skip> {
        let rel = file.rel_path.as_path();
        let parsed = content::read(file, &self.site.registry, &self.site.config);
        if let Some(d) = parsed.diags.iter().find(|d| d.is_error()) {
            return Err(Skip(d.to_string()));
        }
        let mut record = parsed.record.ok_or_else(|| skip(rel, "it does not read"))?;
        let old = &self.site.entries[i].record;
        if record.kind != old.kind || record.slug != old.slug || record.aliases() != old.aliases() {
            return Err(skip(rel, "its URL changed"));
        }
        if record.draft && !self.drafts {
            return Err(skip(rel, "it became a draft"));
        }
        if !files_of(&record).is_subset(&files_of(old)) {
            return Err(skip(rel, "it names a source file it did not name"));
        }
        record.set_history(old.history());
        let links = (&self.urls, &self.sources.attachment_sizes);
        Ok(self.site.replace_record(i, record, links))
    }

    /// Reads the translation into `lang` of entry `i` again, from `file`; the
    /// problems of its body and the files it attaches.
    fn reread_translation(
        &mut self,
        i: usize,
        file: source::SourceFile,
        lang: String,
    ) -> Result<(Vec<Diagnostic>, Vec<PathBuf>), Skip> {
        let rel = file.rel_path.clone();
        let original = &self.site.entries[i].record;
        let original_file =
            source::read_file(&self.root, &original.source).map_err(|d| Skip(d.to_string()))?;
        let pending = Pending {
            file,
            lang,
            original: original.source.clone(),
        };
        let (read, diags) =
            translation::read(&pending, original, &original_file, &self.site.registry);
        if let Some(d) = diags.iter().find(|d| d.is_error()) {
            return Err(Skip(d.to_string()));
        }
        let t = read.ok_or_else(|| skip(&rel, "it does not read"))?;
        let links = (&self.urls, &self.sources.attachment_sizes);
        self.site
            .replace_translation(i, t, links)
            .ok_or_else(|| skip(&rel, "not a translation of the last build"))
    }

    /// The pages of the entries `touched`, in every edition that has them, rendered.
    fn render(&self, touched: &[usize]) -> Result<Vec<(String, Vec<u8>)>, Skip> {
        let site = &self.site;
        let editions = site.config.languages.len();
        let renderers = (0..editions)
            .map(|e| Renderer::edition(site, &self.theme, e))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|d| Skip(d.iter().map(ToString::to_string).collect()))?;
        let mut files = Vec::new();
        for &i in touched {
            for (e, renderer) in renderers.iter().enumerate() {
                for page in [Page::Record(i), Page::RecordJson(i)] {
                    if e > 0 && !page.per_edition() {
                        continue;
                    }
                    let route = Route::in_edition(page, e, site);
                    let bytes = renderer.render(&route).map_err(|d| Skip(d.to_string()))?;
                    files.push((route.file, bytes));
                }
            }
        }
        Ok(files)
    }
}

/// The files under `content/` a record names as its sources.
fn files_of(record: &Record) -> HashSet<&Path> {
    (record.sources().iter())
        .filter_map(|s| match &s.target {
            SourceTarget::File(p) => Some(p.as_path()),
            SourceTarget::Url(_) => None,
        })
        .collect()
}
