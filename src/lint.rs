//! Warnings: what does not stop a build but deserves an editor's look — a record
//! without a summary, a city of the registry that no record names. A build shows
//! them and succeeds, unless it is run strictly (`--strict`).

use std::path::Path;

use crate::diag::{Diagnostic, Pos};
use crate::limits::MAX_ERRORS_PER_FILE;
use crate::registry::REGISTRY_FILE;
use crate::site::Site;
use crate::yaml::Block;

/// Every warning about the site, in file order.
pub fn warnings(site: &Site) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for e in &site.entries {
        let r = &e.record;
        if r.summary.is_none() {
            // At the closing `---`, where the line goes.
            out.push(
                Diagnostic::warning(
                    &r.source,
                    Pos::new(r.body_line.saturating_sub(1).max(1), 1),
                    "no `summary`: lists, search and feeds show the first paragraph instead",
                )
                .with_help("add `summary: …`, one or two sentences, to the front matter"),
            );
        }
    }
    out.extend(unused_cities(site));
    out.sort();
    out
}

/// Cities no record names, in `cities` or `pairs`, directly or through a place
/// inside them (a province is used when one of its cities is).
fn unused_cities(site: &Site) -> Vec<Diagnostic> {
    let cities = &site.registry.cities;
    let mut used = vec![false; cities.len()];
    for e in &site.entries {
        let pairs = match &e.record.details {
            crate::content::Details::Program(p) => p.pairs.iter().flatten().copied().collect(),
            _ => Vec::new(),
        };
        for &c in e.record.cities.iter().chain(&pairs) {
            // Up the parents; the registry refuses cycles, the bound is a safeguard.
            let mut at = Some(c);
            for _ in 0..=cities.len() {
                let Some(id) = at else { break };
                used[id] = true;
                at = cities[id].parent;
            }
        }
    }
    if used.iter().all(|u| *u) {
        return Vec::new();
    }
    let text = std::fs::read_to_string(site.config.root.join(REGISTRY_FILE)).unwrap_or_default();
    let block = Block::new(Path::new(REGISTRY_FILE), &text, 1);
    let unused: Vec<usize> = (0..cities.len()).filter(|&id| !used[id]).collect();
    // Each position costs a pass over the registry: at most MAX_ERRORS_PER_FILE.
    let more = unused.len().saturating_sub(MAX_ERRORS_PER_FILE);
    let end = Pos::new(text.matches('\n').count() + 1, 1);
    unused
        .into_iter()
        .take(MAX_ERRORS_PER_FILE)
        .map(|id| {
            Diagnostic::warning(
                REGISTRY_FILE,
                block.key_pos(&cities[id].id),
                format!("no record names the city `{}`", cities[id].id),
            )
            .with_help(format!(
                "its page {} lists nothing; name it in a record's `cities`, or remove the entry",
                site.city_url(id)
            ))
        })
        .chain((more > 0).then(|| Diagnostic::omitted(REGISTRY_FILE, end, Some(more))))
        .collect()
}
