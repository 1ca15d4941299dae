//! Themes: finds the templates, static files, UI strings and data of the configured theme
//! (in `themes/<name>/`, or the default theme built into the binary) and the site's
//! own overrides in `templates/` and `static/`. Reads files; renders nothing.
//!
//! Symbolic links are refused there as in `content/` — `themes/`, the theme's folder,
//! `templates/`, `static/` and every file below them — so that nothing outside the
//! archive (`ln -s .git static`) is read or published through them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::config::Config;
use crate::diag::{Code, Diagnostic, Pos};

/// The default theme, embedded at compile time (see `build.rs`).
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_theme.rs"));
}

/// One template: its name (`record.html`), text, and the file it came from.
#[derive(Debug, Clone)]
pub struct TemplateFile {
    pub name: String,
    pub text: String,
    pub path: PathBuf,
}

/// What a build needs from the theme and the site's overrides.
#[derive(Debug, Default)]
pub struct Theme {
    /// The theme's templates.
    pub templates: Vec<TemplateFile>,
    /// The site's own templates, which win over the theme's of the same name.
    pub overrides: Vec<TemplateFile>,
    /// Static files by output path; the site's win over the theme's.
    pub statics: BTreeMap<String, Vec<u8>>,
    /// `strings.yaml` of the theme.
    pub strings: String,
    pub strings_path: PathBuf,
    /// Data files of the theme (`data/`), by relative path: `east-asia.json`, the
    /// country outlines of the map on `/cities/`.
    pub data: BTreeMap<String, Vec<u8>>,
}

impl Theme {
    pub fn load(config: &Config) -> Result<Theme, Vec<Diagnostic>> {
        let root = &config.root;
        let rel_dir = PathBuf::from("themes").join(&config.theme);
        let mut theme = Theme::default();
        let mut diags = Vec::new();
        let themes_dir = is_plain_dir(root, Path::new("themes"), &mut diags);
        let theme_dir = themes_dir && is_plain_dir(root, &rel_dir, &mut diags);
        if !diags.is_empty() {
            return Err(diags);
        }
        if theme_dir {
            for (rel, bytes) in read_tree(root, &rel_dir.join("templates"), &mut diags) {
                push_template(
                    &mut theme.templates,
                    &rel_dir.join("templates"),
                    rel,
                    bytes,
                    &mut diags,
                );
            }
            for (rel, bytes) in read_tree(root, &rel_dir.join("static"), &mut diags) {
                theme.statics.insert(rel, bytes);
            }
            for (rel, bytes) in read_tree(root, &rel_dir.join("data"), &mut diags) {
                theme.data.insert(rel, bytes);
            }
            theme.strings_path = rel_dir.join("strings.yaml");
            theme.strings = read_strings(root, &theme.strings_path, &mut diags);
        } else if config.theme == "default" {
            for (rel, bytes) in embedded::FILES {
                let rel = rel.to_string();
                if let Some(name) = rel.strip_prefix("templates/") {
                    push_template(
                        &mut theme.templates,
                        &rel_dir.join("templates"),
                        name.to_string(),
                        bytes.to_vec(),
                        &mut diags,
                    );
                } else if let Some(name) = rel.strip_prefix("static/") {
                    theme.statics.insert(name.to_string(), bytes.to_vec());
                } else if let Some(name) = rel.strip_prefix("data/") {
                    theme.data.insert(name.to_string(), bytes.to_vec());
                } else if rel == "strings.yaml" {
                    theme.strings = String::from_utf8_lossy(bytes).into_owned();
                }
            }
            theme.strings_path = rel_dir.join("strings.yaml");
        } else {
            return Err(vec![
                Diagnostic::error(
                    Code::Template,
                    "accord.yaml",
                    Pos::UNKNOWN,
                    format!("theme `{}` not found in themes/", config.theme),
                )
                .with_help("put the theme in themes/<name>/, or use `theme: default`"),
            ]);
        }
        for (rel, bytes) in read_tree(root, Path::new("templates"), &mut diags) {
            push_template(
                &mut theme.overrides,
                Path::new("templates"),
                rel,
                bytes,
                &mut diags,
            );
        }
        for (rel, bytes) in read_tree(root, Path::new("static"), &mut diags) {
            theme.statics.insert(rel, bytes);
        }
        minify_scripts(&mut theme.statics);
        if diags.is_empty() {
            Ok(theme)
        } else {
            Err(diags)
        }
    }
}

/// The JavaScript files, theme's and site's, are served minified (`minify`): the
/// sources stay readable, the pages download less.
fn minify_scripts(statics: &mut BTreeMap<String, Vec<u8>>) {
    for (rel, bytes) in statics.iter_mut() {
        if !rel.ends_with(".js") {
            continue;
        }
        let minified = std::str::from_utf8(bytes)
            .ok()
            .and_then(crate::minify::javascript);
        if let Some(text) = minified {
            *bytes = text.into_bytes();
        }
    }
}

fn push_template(
    list: &mut Vec<TemplateFile>,
    dir: &Path,
    name: String,
    bytes: Vec<u8>,
    diags: &mut Vec<Diagnostic>,
) {
    let path = dir.join(&name);
    match String::from_utf8(bytes) {
        Ok(text) => list.push(TemplateFile { name, text, path }),
        Err(_) => diags.push(Diagnostic::error(
            Code::Template,
            path,
            Pos::new(1, 1),
            "the template is not UTF-8 text",
        )),
    }
}

/// `root/rel`, the theme's UI strings, as text; empty if there is none. Read like
/// `accord.yaml`: a FIFO or a device is an error, never opened, and so is a link.
fn read_strings(root: &Path, rel: &Path, diags: &mut Vec<Diagnostic>) -> String {
    match std::fs::symlink_metadata(root.join(rel)) {
        Err(_) => String::new(),
        Ok(m) if m.file_type().is_symlink() => {
            diags.push(link_error(rel));
            String::new()
        }
        Ok(_) => {
            crate::source::read_text(&root.join(rel)).unwrap_or_else(|(pos, message, help)| {
                let mut d = Diagnostic::error(Code::Read, rel, pos, message);
                d.help = help;
                diags.push(d);
                String::new()
            })
        }
    }
}

/// The error for a symbolic link at `rel` (relative to the root).
fn link_error(rel: &Path) -> Diagnostic {
    let top = rel.components().next().map_or_else(String::new, |c| {
        c.as_os_str().to_string_lossy().into_owned()
    });
    Diagnostic::error(
        Code::Read,
        rel,
        Pos::UNKNOWN,
        format!("symbolic links are not followed in {top}/"),
    )
    .with_help("copy the files into the archive instead")
}

/// Whether `root/rel` is a directory; a symbolic link there is an error.
fn is_plain_dir(root: &Path, rel: &Path, diags: &mut Vec<Diagnostic>) -> bool {
    match std::fs::symlink_metadata(root.join(rel)) {
        Ok(m) if m.file_type().is_symlink() => {
            diags.push(link_error(rel));
            false
        }
        Ok(m) => m.is_dir(),
        Err(_) => false,
    }
}

/// Every file below `root/rel` as (`/`-separated path relative to it, bytes), sorted.
/// Hidden files are left out; a symbolic link, the folder or below it, is an error.
fn read_tree(root: &Path, rel: &Path, diags: &mut Vec<Diagnostic>) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    if !is_plain_dir(root, rel, diags) {
        return out;
    }
    let dir = root.join(rel);
    for entry in WalkDir::new(&dir).sort_by_file_name() {
        let Ok(entry) = entry else { continue };
        let inner = entry.path().strip_prefix(&dir).unwrap_or(entry.path());
        let name = inner.to_string_lossy().replace('\\', "/");
        if name.split('/').any(|s| s.starts_with('.')) {
            continue;
        }
        if entry.path_is_symlink() {
            diags.push(link_error(&rel.join(inner)));
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        match std::fs::read(entry.path()) {
            Ok(bytes) => out.push((name, bytes)),
            Err(e) => diags.push(Diagnostic::error(
                Code::Read,
                rel.join(inner),
                Pos::UNKNOWN,
                format!("cannot read: {e}"),
            )),
        }
    }
    out
}
