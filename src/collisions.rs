//! Output paths that cannot coexist: two files at one path (or at paths that differ
//! only in case or Unicode normalisation, one file on macOS and Windows), or a file
//! where another file needs a folder — a record with the slug `feed.xml` would need
//! the folder `trips/feed.xml/` where the trips' feed is written. Checked before
//! anything is written; each is reported at the source that asks for the path.

use std::borrow::Cow;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use crate::content::SourceTarget;
use crate::diag::{Code, Diagnostic, Pos};
use crate::paths::fold;
use crate::routes::{Page, Route};
use crate::site::Site;

/// Who asks for an output file.
#[derive(Clone, Copy)]
enum Owner<'a> {
    /// A page accord generates.
    Generated,
    /// A record's page, its JSON or one of its attachments.
    Record(&'a Path),
    /// A redirect from an old URL of a record (`aliases`).
    Alias(&'a Path),
    /// A static file of the theme or the site.
    Static,
}

/// A path the output gets, and who asks for it.
#[derive(Clone, Copy)]
struct Claim<'c> {
    file: &'c str,
    owner: Owner<'c>,
}

/// Every collision among the routes, the other files accord generates (the search
/// index), the static files and the records' attachments: every path the output gets.
pub fn check<'a>(
    site: &'a Site,
    routes: &'a [Route],
    generated: impl IntoIterator<Item = &'a String>,
    statics: impl IntoIterator<Item = &'a String>,
) -> Vec<Diagnostic> {
    let claims = Claims::new(site, routes, generated, statics);
    let paths = Paths::of(&claims);
    let mut diags = Vec::new();
    for i in 0..claims.len() {
        let c = claims.get(i);
        if let Some(first) = paths.first(&fold(c.file)).filter(|&first| first < i) {
            diags.extend(report(claims.get(first), c, "the same path"));
        }
    }
    // A file where another needs a folder.
    for i in 0..claims.len() {
        let c = claims.get(i);
        let mut dir = c.file;
        while let Some((parent, _)) = dir.rsplit_once('/') {
            if let Some(other) = paths.first(&fold(parent)) {
                diags.extend(report(
                    claims.get(other),
                    c,
                    "a file where it needs a folder",
                ));
                break;
            }
            dir = parent;
        }
    }
    diags.sort();
    diags.dedup();
    diags
}

/// Every path the output gets, numbered in this order: the routes, the other
/// generated files, the records' attachments, the static files. A route's claim is
/// made from the route when asked, not held: the routes are a few per record.
struct Claims<'a> {
    site: &'a Site,
    routes: &'a [Route],
    /// The claims after the routes'.
    others: Vec<(Cow<'a, str>, Owner<'a>)>,
}

impl<'a> Claims<'a> {
    fn new(
        site: &'a Site,
        routes: &'a [Route],
        generated: impl IntoIterator<Item = &'a String>,
        statics: impl IntoIterator<Item = &'a String>,
    ) -> Claims<'a> {
        let mut others: Vec<(Cow<'a, str>, Owner<'a>)> = (generated.into_iter())
            .map(|f| (Cow::Borrowed(f.as_str()), Owner::Generated))
            .collect();
        for e in &site.entries {
            let owner = Owner::Record(&e.record.source);
            for src in e.record.sources() {
                if let SourceTarget::File(p) = &src.target {
                    others.push((Cow::Owned(e.record.attachment_file(p)), owner));
                }
            }
            // The files the body links to; one that is a source too is claimed once.
            let is_source = |p: &PathBuf| {
                (e.record.sources().iter()).any(|s| s.target == SourceTarget::File(p.clone()))
            };
            for p in e.attachments.iter().filter(|p| !is_source(p)) {
                others.push((Cow::Owned(e.record.attachment_file(p)), owner));
            }
        }
        others.extend(
            statics
                .into_iter()
                .map(|f| (Cow::Borrowed(f.as_str()), Owner::Static)),
        );
        Claims {
            site,
            routes,
            others,
        }
    }

    fn len(&self) -> usize {
        self.routes.len() + self.others.len()
    }

    /// Claim `i`.
    fn get(&self, i: usize) -> Claim<'_> {
        let Some(r) = self.routes.get(i) else {
            let (file, owner) = &self.others[i - self.routes.len()];
            return Claim {
                file,
                owner: *owner,
            };
        };
        let source = |i: usize| self.site.entries[i].record.source.as_path();
        let owner = match r.page {
            Page::Record(i) | Page::RecordJson(i) => Owner::Record(source(i)),
            Page::Alias(i, _) => Owner::Alias(source(i)),
            _ => Owner::Generated,
        };
        Claim {
            file: &r.file,
            owner,
        }
    }
}

/// The claims by their folded paths (`fold`: one file on macOS and Windows), held as
/// a hash of the folded path and the claim's number, sorted: 16 bytes a claim instead
/// of a folded copy of every path.
struct Paths<'c, 'a> {
    claims: &'c Claims<'a>,
    sorted: Vec<(u64, usize)>,
}

impl<'c, 'a> Paths<'c, 'a> {
    fn of(claims: &'c Claims<'a>) -> Paths<'c, 'a> {
        let mut sorted: Vec<(u64, usize)> = (0..claims.len())
            .map(|i| (key_hash(&fold(claims.get(i).file)), i))
            .collect();
        sorted.sort_unstable();
        Paths { claims, sorted }
    }

    /// The first claim (in the order of `claims`) whose folded path is `folded`.
    fn first(&self, folded: &str) -> Option<usize> {
        let hash = key_hash(folded);
        let from = self.sorted.partition_point(|&(h, _)| h < hash);
        (self.sorted[from..].iter())
            .take_while(|&&(h, _)| h == hash)
            .map(|&(_, i)| i)
            .find(|&i| fold(self.claims.get(i).file) == folded)
    }
}

fn key_hash(folded: &str) -> u64 {
    let mut h = DefaultHasher::new();
    folded.hash(&mut h);
    h.finish()
}

/// The error for two claims that collide, at the record (or static file) that can
/// change: generated pages keep their paths.
fn report(a: Claim<'_>, b: Claim<'_>, how: &str) -> Option<Diagnostic> {
    let (blamed, other) = match (&a.owner, &b.owner) {
        (Owner::Alias(_), _) => (a, b),
        (_, Owner::Alias(_)) => (b, a),
        (Owner::Record(_), _) => (a, b),
        (_, Owner::Record(_)) => (b, a),
        (Owner::Static, _) => (a, b),
        (_, Owner::Static) => (b, a),
        _ => return None,
    };
    let what = |c: &Claim<'_>| match c.owner {
        Owner::Generated => format!("the generated `{}`", c.file),
        Owner::Record(p) => format!("`{}` of {}", c.file, p.display()),
        Owner::Alias(p) => format!("the redirect `{}` of {} (`aliases`)", c.file, p.display()),
        Owner::Static => format!("the static file `{}`", c.file),
    };
    let (path, pos) = match blamed.owner {
        Owner::Record(p) | Owner::Alias(p) => (p.to_path_buf(), Pos::new(1, 1)),
        _ => (Path::new("static").join(blamed.file), Pos::UNKNOWN),
    };
    Some(
        Diagnostic::error(
            Code::OutputCollision,
            path,
            pos,
            format!(
                "{} and {} collide in the output ({how})",
                what(&blamed),
                what(&other)
            ),
        )
        .with_help("give the record another slug, or the file another name"),
    )
}
