//! The views of open data: the `/data/` page (each download explained, with its size,
//! rows, first rows and licence), JSON Feed 1.1 beside each Atom feed, and the
//! redirects of records' old URLs (`aliases`). The downloads themselves are made by
//! `export`; documented in `docs/templates.md` and `docs/data.md`.

use serde::Serialize;
use serde_json::json;

use super::Renderer;
use super::pages::View;
use crate::escape::{html, percent_encode_path};
use crate::export::{Export, absolute};
use crate::history;
use crate::routes::{DataFile, Page};

/// `data.html`: the downloads.
#[derive(Serialize)]
pub(super) struct DataPage {
    files: Vec<DataFileView>,
    license: LicenseView,
    package_url: String,
    records: usize,
}

/// One of `files` of the data page.
#[derive(Serialize)]
struct DataFileView {
    bytes: usize,
    columns: Vec<&'static str>,
    description: String,
    format: &'static str,
    name: &'static str,
    preview: Vec<Vec<String>>,
    rows: Option<usize>,
    size: String,
    url: String,
}

/// `license` of the data page.
#[derive(Serialize)]
struct LicenseView {
    id: String,
    title: Option<&'static str>,
    url: Option<&'static str>,
}

/// A size in bytes as people read it: `512 B`, `3.4 KB`, `12 MB`.
fn human_size(bytes: usize) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1024.0 && unit < UNITS.len() - 1 {
        size /= 1024.0;
        unit += 1;
    }
    if unit == 0 || size >= 10.0 {
        format!("{size:.0} {}", UNITS[unit])
    } else {
        format!("{size:.1} {}", UNITS[unit])
    }
}

impl Renderer<'_> {
    /// What the data page shows of the downloads, measured once for every edition:
    /// given by `use_export` when the build wrote them before the pages; otherwise
    /// measured here (every file made and counted, none kept), in parallel only
    /// outside the pool (see `Export::write`).
    pub(super) fn export(&self) -> &Export {
        let outside_pool = rayon::current_thread_index().is_none();
        self.export
            .get_or_init(|| Export::measure(self.site, outside_pool))
    }

    /// Takes what `Export::write` said of the downloads it wrote, for the data page.
    pub fn use_export(&self, export: Export) {
        let _ = self.export.set(export);
    }

    pub(super) fn data_page(&self) -> View<DataPage> {
        let site = self.site;
        let export = self.export();
        let files = DataFile::ALL
            .iter()
            .map(|&file| {
                let bytes = export.size(file);
                let preview = export.preview(file);
                let stem = file.name().replace(['.', '-'], "_");
                DataFileView {
                    bytes,
                    columns: preview
                        .as_ref()
                        .map(|p| p.columns.clone())
                        .unwrap_or_default(),
                    description: self.strings.get(&format!("data_file_{stem}")),
                    format: if file.is_csv() { "CSV" } else { "JSON" },
                    name: file.name(),
                    preview: preview
                        .as_ref()
                        .map(|p| p.first.to_vec())
                        .unwrap_or_default(),
                    rows: preview.as_ref().map(|p| p.rows),
                    size: human_size(bytes),
                    url: site.url(Page::DataFile(file)),
                }
            })
            .collect();
        let id = site.config.data_license.clone();
        let known = crate::export::license_of(&id);
        View {
            template: "data.html",
            title: self.strings.get("data_title"),
            context: DataPage {
                files,
                license: LicenseView {
                    id,
                    title: known.map(|(t, _)| t),
                    url: known.map(|(_, u)| u),
                },
                package_url: site.url(Page::DataFile(DataFile::Package)),
                records: site.entries.len(),
            },
        }
    }

    /// JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>) of the same records as the
    /// Atom feed beside it.
    pub(super) fn json_feed(&self, page: Page) -> Vec<u8> {
        let site = self.site;
        let atom = match page {
            Page::CityJsonFeed(id) => Page::CityFeed(id),
            Page::KindJsonFeed(kind) => Page::KindFeed(kind),
            _ => Page::Feed,
        };
        let (link, page_path, idx) = self.feed_of(atom);
        let items: Vec<serde_json::Value> = idx
            .iter()
            .map(|&i| {
                let e = &site.entries[i];
                let r = &e.record;
                let url = absolute(site, &site.record_url(self.edition, r));
                let mut tags = vec![self.kind_label(r.kind)];
                tags.extend(
                    r.cities
                        .iter()
                        .map(|&c| site.registry.name(c, self.lang).to_string()),
                );
                let published = e.added().map_or_else(|| r.date.rfc3339(), history::rfc3339);
                // The text the edition shows: a translation's, in the edition of its
                // language.
                let shown = self.shown(e);
                let mut item = json!({
                    "id": url,
                    "url": url,
                    "title": shown.title,
                    "content_text": self.card_text(i),
                    "summary": shown.summary,
                    "date_published": published,
                    "tags": tags,
                    "language": shown.lang,
                });
                if e.added().is_some() || e.updated().is_some() {
                    item["date_modified"] = history::rfc3339(e.feed_time()).into();
                }
                item
            })
            .collect();
        let feed = json!({
            "version": "https://jsonfeed.org/version/1.1",
            "title": link.title,
            "home_page_url": absolute(site, &page_path),
            "feed_url": absolute(site, &self.url(page)),
            "description": site.config.description,
            "language": self.lang,
            "authors": [{ "name": site.config.title }],
            "items": items,
        });
        crate::export::json(&feed)
    }

    /// What a feed item says: when, then the summary (as the Atom feed's summary).
    fn card_text(&self, i: usize) -> String {
        let card = self.card(&self.site.entries[i]);
        if card.summary.is_empty() {
            card.when
        } else {
            format!("{} — {}", card.when, card.summary)
        }
    }

    /// A redirect page at an old URL of entry `i`: a meta refresh to the page, its
    /// canonical URL, and `noindex` so that search engines keep the new URL only.
    pub(super) fn redirect_page(&self, i: usize) -> Vec<u8> {
        let site = self.site;
        let path = &site.entries[i].url(&site.config.base_path);
        let to = html(&percent_encode_path(path));
        let canonical = html(&absolute(site, path));
        let title = html(&site.entries[i].record.title);
        format!(
            "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<meta name=\"robots\" content=\"noindex\">\n<link rel=\"canonical\" href=\"{canonical}\">\n<meta http-equiv=\"refresh\" content=\"0; url={to}\">\n</head>\n<body>\n<p><a href=\"{to}\">{title}</a></p>\n</body>\n</html>\n",
            lang = html(&site.config.language),
        )
        .into_bytes()
    }

    /// `_redirects` (Netlify, Cloudflare Pages): each old URL, its page, `301`.
    pub(super) fn redirects_file(&self) -> Vec<u8> {
        let site = self.site;
        let base = &site.config.base_path;
        let mut lines: Vec<String> = site
            .entries
            .iter()
            .flat_map(|e| {
                e.record.aliases().iter().map(move |a| {
                    let from = percent_encode_path(&format!("{base}{a}"));
                    format!("{from} {} 301", percent_encode_path(&e.url(base)))
                })
            })
            .collect();
        lines.sort();
        let mut out = lines.join("\n");
        out.push('\n');
        out.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::human_size;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(3500), "3.4 KB");
        assert_eq!(human_size(12 * 1024 * 1024), "12 MB");
    }
}
