//! Output paths that cannot coexist: two files at one path (or at paths that differ
//! only in case or Unicode normalisation, one file on macOS and Windows), or a file
//! where another file needs a folder — a record with the slug `feed.xml` would need
//! the folder `trips/feed.xml/` where the trips' feed is written. Checked before
//! anything is written; each is reported at the source that asks for the path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::content::SourceTarget;
use crate::diag::{Code, Diagnostic, Pos};
use crate::paths::fold;
use crate::routes::{Page, Route};
use crate::site::Site;

/// Who asks for an output file.
#[derive(Clone)]
enum Owner {
    /// A page accord generates.
    Generated,
    /// A record's page, its JSON or one of its attachments.
    Record(PathBuf),
    /// A redirect from an old URL of a record (`aliases`).
    Alias(PathBuf),
    /// A static file of the theme or the site.
    Static,
}

struct Claim {
    file: String,
    owner: Owner,
}

/// Every collision among the routes, the other files accord generates (the search
/// index), the static files and the records' attachments: every path the output gets.
pub fn check<'a>(
    site: &Site,
    routes: &[Route],
    generated: impl IntoIterator<Item = &'a String>,
    statics: impl IntoIterator<Item = &'a String>,
) -> Vec<Diagnostic> {
    let mut claims: Vec<Claim> = routes
        .iter()
        .map(|r| Claim {
            file: r.file.clone(),
            owner: match r.page {
                Page::Record(i) | Page::RecordJson(i) => {
                    Owner::Record(site.entries[i].record.source.clone())
                }
                Page::Alias(i, _) => Owner::Alias(site.entries[i].record.source.clone()),
                _ => Owner::Generated,
            },
        })
        .collect();
    claims.extend(generated.into_iter().map(|f| Claim {
        file: f.clone(),
        owner: Owner::Generated,
    }));
    for e in &site.entries {
        for src in &e.record.sources {
            if let SourceTarget::File(p) = &src.target {
                claims.push(Claim {
                    file: e.record.attachment_file(p),
                    owner: Owner::Record(e.record.source.clone()),
                });
            }
        }
        // The files the body links to; one that is a source too is claimed once.
        let is_source = |p: &PathBuf| {
            (e.record.sources.iter()).any(|s| s.target == SourceTarget::File(p.clone()))
        };
        for p in e.attachments.iter().filter(|p| !is_source(p)) {
            claims.push(Claim {
                file: e.record.attachment_file(p),
                owner: Owner::Record(e.record.source.clone()),
            });
        }
    }
    claims.extend(statics.into_iter().map(|f| Claim {
        file: f.clone(),
        owner: Owner::Static,
    }));

    // The first claim of each folded path, in the order above: generated pages first.
    let mut by_path: BTreeMap<String, usize> = BTreeMap::new();
    let mut diags = Vec::new();
    for (i, c) in claims.iter().enumerate() {
        let key = fold(&c.file);
        match by_path.get(&key) {
            Some(&first) => diags.extend(report(&claims[first], c, "the same path")),
            None => {
                by_path.insert(key, i);
            }
        }
    }
    // A file where another needs a folder.
    for c in &claims {
        let mut dir = c.file.as_str();
        while let Some((parent, _)) = dir.rsplit_once('/') {
            if let Some(&other) = by_path.get(&fold(parent)) {
                diags.extend(report(&claims[other], c, "a file where it needs a folder"));
                break;
            }
            dir = parent;
        }
    }
    diags.sort();
    diags.dedup();
    diags
}

/// The error for two claims that collide, at the record (or static file) that can
/// change: generated pages keep their paths.
fn report(a: &Claim, b: &Claim, how: &str) -> Option<Diagnostic> {
    let (blamed, other) = match (&a.owner, &b.owner) {
        (Owner::Alias(_), _) => (a, b),
        (_, Owner::Alias(_)) => (b, a),
        (Owner::Record(_), _) => (a, b),
        (_, Owner::Record(_)) => (b, a),
        (Owner::Static, _) => (a, b),
        (_, Owner::Static) => (b, a),
        _ => return None,
    };
    let what = |c: &Claim| match &c.owner {
        Owner::Generated => format!("the generated `{}`", c.file),
        Owner::Record(p) => format!("`{}` of {}", c.file, p.display()),
        Owner::Alias(p) => format!("the redirect `{}` of {} (`aliases`)", c.file, p.display()),
        Owner::Static => format!("the static file `{}`", c.file),
    };
    let (path, pos) = match &blamed.owner {
        Owner::Record(p) | Owner::Alias(p) => (p.clone(), Pos::new(1, 1)),
        _ => (Path::new("static").join(&blamed.file), Pos::UNKNOWN),
    };
    Some(
        Diagnostic::error(
            Code::OutputCollision,
            path,
            pos,
            format!(
                "{} and {} collide in the output ({how})",
                what(blamed),
                what(other)
            ),
        )
        .with_help("give the record another slug, or the file another name"),
    )
}
