//! Links of the bodies to URLs of the site (`/trips/x/`, `../x/`), checked once every
//! output file is known: the routes, the search index, the static files and the
//! attachments. A link to none of them is a located error, like a link to a record
//! file that does not exist (`site` resolves those while rendering).

use std::collections::HashSet;
use std::path::Path;

use crate::diag::{Code, Diagnostic, Pos};
use crate::markdown::Rendered;
use crate::site::Site;

/// Whether any body links to a URL of the site: most archives link records by their
/// files, and need no set of every output file.
pub fn any(site: &Site) -> bool {
    site.entries
        .iter()
        .any(|e| e.body.has_unverified() || e.translations.iter().any(|t| t.body.has_unverified()))
}

/// Every link of a body (of a record or of a translation) to a URL of the site that
/// the build does not produce; `produced` holds every output file.
pub fn check(site: &Site, produced: &HashSet<&str>) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for e in &site.entries {
        let r = &e.record;
        if e.body.has_unverified() {
            let body = e.body.get();
            check_body(
                site,
                &r.source,
                r.body_line as usize,
                &body,
                produced,
                &mut diags,
            );
        }
        for t in e.translations.iter().filter(|t| t.body.has_unverified()) {
            let text = &t.text;
            let body = t.body.get();
            check_body(
                site,
                &text.source,
                text.body_line,
                &body,
                produced,
                &mut diags,
            );
        }
    }
    diags.sort();
    diags
}

fn check_body(
    site: &Site,
    source: &Path,
    body_line: usize,
    body: &Rendered,
    produced: &HashSet<&str>,
    diags: &mut Vec<Diagnostic>,
) {
    for link in body
        .unverified
        .iter()
        .filter(|l| !exists(&l.path, produced))
    {
        let pos = Pos::new(link.at.line + body_line - 1, link.at.col);
        let base = &site.config.base_path;
        let help = if link.path.starts_with('/') && base != "/" {
            format!(
                "the site is published under {base}: link a record by its .md file (`../trips/x.md`), or write the address with {base}"
            )
        } else {
            "link a record by its .md file, relative to this file (`../trips/x.md`): accord makes that its page's URL; a file of static/ is linked by its path from the site's root".into()
        };
        diags.push(
            Diagnostic::error(
                Code::BrokenUrl,
                source,
                pos,
                format!(
                    "link to `{}`: the site has no page or file there",
                    link.written
                ),
            )
            .with_help(help),
        );
    }
}

/// Whether the URL path `path` (from the site's root) is a file of the output, or a
/// folder with its `index.html`.
fn exists(path: &str, produced: &HashSet<&str>) -> bool {
    if path.starts_with('/') {
        return false;
    }
    let dir = path.trim_end_matches('/');
    let index = if dir.is_empty() {
        "index.html".to_string()
    } else {
        format!("{dir}/index.html")
    };
    produced.contains(index.as_str()) || (!path.ends_with('/') && produced.contains(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_produced_by_its_index_and_a_file_by_itself() {
        let produced: HashSet<&str> = ["index.html", "trips/a/index.html", "img/logo.png"]
            .into_iter()
            .collect();
        for yes in [
            "",
            "trips/a/",
            "trips/a",
            "trips/a/index.html",
            "img/logo.png",
        ] {
            assert!(exists(yes, &produced), "{yes}");
        }
        for no in ["trips/b/", "img/logo.png/", "/trips/a/", "trips"] {
            assert!(!exists(no, &produced), "{no}");
        }
    }
}
