//! Source files: walks `content/` in sorted order, reads every record file as UTF-8,
//! NFC-normalised text with `\n` line ends. Never parses YAML or Markdown.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
use walkdir::WalkDir;

use crate::diag::{Diagnostic, Pos};
use crate::kind::Kind;

pub const CONTENT_DIR: &str = "content";

/// Largest record file accepted, in bytes.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// One record file, read.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Relative to the site root, with `/` separators: `content/programs/x.md`.
    pub rel_path: PathBuf,
    pub kind: Kind,
    /// The file name without `.md`, NFC.
    pub stem: String,
    /// The text, NFC, `\n` line ends, no BOM.
    pub text: String,
}

/// What the walk found: record files, other files (attachments) and problems.
#[derive(Debug, Default)]
pub struct Sources {
    pub files: Vec<SourceFile>,
    /// Non-Markdown files under `content/`, relative to the root (for `sources: {file}`).
    pub attachments: Vec<PathBuf>,
    pub diags: Vec<Diagnostic>,
}

/// Walks `ROOT/content` and reads every `.md` file below a kind folder.
pub fn load(root: &Path) -> Sources {
    let mut out = Sources::default();
    let content = root.join(CONTENT_DIR);
    if !content.is_dir() {
        return out;
    }
    let mut paths = Vec::new();
    for entry in WalkDir::new(&content)
        .sort_by_file_name()
        .follow_links(false)
    {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let rel = e
                    .path()
                    .map(|p| rel_to(root, p))
                    .unwrap_or_else(|| PathBuf::from(CONTENT_DIR));
                out.diags.push(Diagnostic::error(
                    rel,
                    Pos::UNKNOWN,
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        let rel = rel_to(root, entry.path());
        let name = entry.file_name().to_string_lossy();
        if name.starts_with('.') && entry.depth() > 0 {
            continue; // hidden files such as .DS_Store
        }
        if entry.path_is_symlink() {
            out.diags.push(
                Diagnostic::error(
                    &rel,
                    Pos::UNKNOWN,
                    "symbolic links are not followed in content/",
                )
                .with_help("copy the file into the archive instead"),
            );
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        paths.push((rel, entry.path().to_path_buf()));
    }
    let mut to_read = Vec::new();
    for (rel, abs) in paths {
        let is_md = rel.extension().is_some_and(|e| e == "md");
        if !is_md {
            out.attachments.push(rel);
            continue;
        }
        let kind = rel
            .components()
            .nth(1)
            .and_then(|c| c.as_os_str().to_str())
            .and_then(Kind::from_section);
        let depth = rel.components().count();
        let Some(kind) = kind.filter(|_| depth == 3) else {
            let sections: Vec<String> = Kind::ALL
                .iter()
                .map(|k| format!("content/{}/", k.section()))
                .collect();
            out.diags.push(
                Diagnostic::error(
                    &rel,
                    Pos::UNKNOWN,
                    "a record must be directly inside a kind folder",
                )
                .with_help(format!("move it into one of {}", sections.join(", "))),
            );
            continue;
        };
        to_read.push((rel, abs, kind));
    }
    // Reading is mostly waiting on the file system: done in parallel, kept in order.
    let read: Vec<_> = to_read
        .into_par_iter()
        .map(|(rel, abs, kind)| (read_text(&abs), rel, kind))
        .collect();
    for (result, rel, kind) in read {
        match result {
            Ok(text) => {
                let stem = rel
                    .file_stem()
                    .map(|s| s.to_string_lossy().nfc().collect())
                    .unwrap_or_default();
                out.files.push(SourceFile {
                    rel_path: rel,
                    kind,
                    stem,
                    text,
                });
            }
            Err((pos, msg, help)) => {
                let mut d = Diagnostic::error(&rel, pos, msg);
                d.help = help;
                out.diags.push(d);
            }
        }
    }
    out
}

type ReadError = (Pos, String, Option<String>);

/// Reads a file as text: UTF-8 (a BOM is dropped), NFC, `\n` line ends.
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    let meta =
        std::fs::metadata(path).map_err(|e| (Pos::UNKNOWN, format!("cannot read: {e}"), None))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err((
            Pos::UNKNOWN,
            format!(
                "the file is {} bytes; records are limited to {MAX_FILE_BYTES} bytes",
                meta.len()
            ),
            Some(
                "split the record, or attach large documents through `sources: [{title, file}]`"
                    .into(),
            ),
        ));
    }
    let bytes =
        std::fs::read(path).map_err(|e| (Pos::UNKNOWN, format!("cannot read: {e}"), None))?;
    decode(bytes)
}

/// Decodes bytes as UTF-8 text, NFC, `\n` line ends.
pub fn decode(bytes: Vec<u8>) -> Result<String, ReadError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err((
            Pos::new(1, 1),
            "the file is UTF-16; accord reads UTF-8".into(),
            Some("save the file as UTF-8".into()),
        ));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]);
            return Err((
                Pos::of_offset(&prefix, valid),
                "the file is not valid UTF-8".into(),
                Some("save the file as UTF-8 (it may be Latin-1, EUC-KR or Shift_JIS)".into()),
            ));
        }
    };
    if text.contains('\0') {
        let at = text.find('\0').unwrap_or(0);
        return Err((
            Pos::of_offset(&text, at),
            "the file contains a NUL byte: is it binary?".into(),
            None,
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_string()
    };
    Ok(
        if is_surely_nfc(&text) || is_nfc_quick(text.chars()) == IsNormalized::Yes {
            text
        } else {
            text.nfc().collect()
        },
    )
}

/// A fast check that covers nearly all real text: characters below U+0300 (no
/// combining marks), precomposed Hangul syllables, CJK ideographs, and kana without
/// the combining voicing marks are all in NFC whatever surrounds them. Anything else
/// is left to the full quick check.
fn is_surely_nfc(text: &str) -> bool {
    text.chars().all(|c| {
        let c = c as u32;
        c < 0x300
            || (0xAC00..=0xD7A3).contains(&c)
            || (0x4E00..=0x9FFF).contains(&c)
            || (0x3000..=0x3098).contains(&c)
            || (0x309B..=0x30FF).contains(&c)
            || (0xFF01..=0xFF5E).contains(&c)
    })
}

fn rel_to(root: &Path, path: &Path) -> PathBuf {
    let rel = path.strip_prefix(root).unwrap_or(path);
    // Always `/`-separated, so output never depends on the host.
    PathBuf::from(rel.to_string_lossy().replace('\\', "/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_crlf_and_nfd_are_normalised() {
        let nfd: String = "서울".nfd().collect();
        let bytes = format!("\u{feff}---\r\ntitle: {nfd}\r\n---\r\n").into_bytes();
        assert_eq!(decode(bytes).unwrap(), "---\ntitle: 서울\n---\n");
    }

    #[test]
    fn the_fast_nfc_check_never_passes_decomposed_text() {
        let nfd: String = "서울 が ご".nfd().collect();
        assert!(!is_surely_nfc(&nfd));
        assert!(is_surely_nfc("서울 北京 ソウル がぎ abc"));
        assert_eq!(decode(nfd.into_bytes()).unwrap(), "서울 が ご");
    }

    #[test]
    fn utf16_and_latin1_are_refused_with_a_position() {
        assert!(
            decode(vec![0xFF, 0xFE, b'a', 0])
                .unwrap_err()
                .1
                .contains("UTF-16")
        );
        let (pos, msg, _) = decode(b"ab\ncaf\xe9".to_vec()).unwrap_err();
        assert_eq!(pos, Pos::new(2, 4));
        assert!(msg.contains("UTF-8"));
    }
}
