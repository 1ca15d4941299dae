//! Watching the sources of a site: `content/`, `data/`, `themes/`, `templates/`,
//! `static/` and `accord.yaml`. Changes arrive debounced, as the paths that changed;
//! editors' temporary files and hidden files are ignored.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use notify_debouncer_full::notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

use crate::config::CONFIG_FILE;

/// The folders of a site whose changes change the site.
pub(super) const WATCHED_DIRS: [&str; 5] = ["content", "data", "themes", "templates", "static"];

/// How long the file system must be quiet before a rebuild starts: an editor's save,
/// or a `git checkout` of many files, is one rebuild.
const QUIET: Duration = Duration::from_millis(150);

/// What the watcher reports.
pub(super) enum Change {
    /// These paths (absolute) changed.
    Paths(Vec<PathBuf>),
    /// The watcher reported a problem.
    Failed(String),
}

/// A running watcher; dropping it stops it.
pub(super) struct Watcher {
    debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    root: PathBuf,
    watched: BTreeSet<PathBuf>,
}

impl Watcher {
    /// Watches the sources of the site at `root`, sending changes to `tx`.
    pub(super) fn start(root: &Path, tx: Sender<Change>) -> Result<Watcher, String> {
        let handler = move |result: DebounceEventResult| {
            let change = match result {
                Ok(events) => Change::Paths(
                    events
                        .into_iter()
                        .filter(|e| !matches!(e.kind, EventKind::Access(_)))
                        .flat_map(|e| e.event.paths)
                        .collect(),
                ),
                Err(errors) => Change::Failed(
                    errors
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            };
            let _ = tx.send(change);
        };
        let debouncer = new_debouncer(QUIET, None, handler).map_err(|e| e.to_string())?;
        let mut w = Watcher {
            debouncer,
            root: root.to_path_buf(),
            watched: BTreeSet::new(),
        };
        // The root itself, not recursively: `accord.yaml`, and folders that appear.
        w.debouncer
            .watch(root, RecursiveMode::NonRecursive)
            .map_err(|e| format!("cannot watch {}: {e}", root.display()))?;
        w.refresh();
        Ok(w)
    }

    /// Watches the folders that appeared since the last call (a `templates/` made
    /// while serving, a `content/` deleted and restored by git).
    pub(super) fn refresh(&mut self) {
        for dir in WATCHED_DIRS {
            let path = self.root.join(dir);
            if path.is_dir() {
                if !self.watched.contains(&path)
                    && self
                        .debouncer
                        .watch(&path, RecursiveMode::Recursive)
                        .is_ok()
                {
                    self.watched.insert(path);
                }
            } else if self.watched.remove(&path) {
                let _ = self.debouncer.unwatch(&path);
            }
        }
    }
}

/// The path relative to `root` if a change to it can change the site: a file of a
/// watched folder or `accord.yaml`, not hidden, not an editor's temporary file.
pub(super) fn relevant(root: &Path, path: &Path) -> Option<PathBuf> {
    let rel = path.strip_prefix(root).ok()?;
    let mut parts = rel.components();
    let first = parts.next()?.as_os_str().to_str()?;
    let top_level_file = parts.next().is_none();
    if !(WATCHED_DIRS.contains(&first) || (first == CONFIG_FILE && top_level_file)) {
        return None;
    }
    let hidden_or_temporary = rel.components().any(|c| {
        let name = c.as_os_str().to_string_lossy();
        name.starts_with('.')
            || name.starts_with('#')
            || name.ends_with('~')
            || name.ends_with(".swp")
            || name.ends_with(".swx")
            || name.ends_with(".tmp")
            || name == "4913"
    });
    (!hidden_or_temporary).then(|| rel.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sources_count_as_changes() {
        let root = Path::new("/site");
        let rel = |p: &str| relevant(root, &root.join(p));
        assert_eq!(
            rel("content/trips/a.md"),
            Some(PathBuf::from("content/trips/a.md"))
        );
        assert!(rel("accord.yaml").is_some());
        assert!(rel("data/cities.yaml").is_some());
        assert!(rel("themes/x/templates/base.html").is_some());
        assert!(rel("templates").is_some());
        for ignored in [
            "output/index.html",
            "README.md",
            ".git/index",
            "content/trips/.a.md.swp",
            "content/trips/a.md~",
            "content/trips/4913",
            "content/.DS_Store",
            "static/#a.css#",
            "accord.yaml/x",
        ] {
            assert_eq!(rel(ignored), None, "{ignored}");
        }
        assert_eq!(relevant(root, Path::new("/elsewhere/content/a.md")), None);
    }
}
