//! Source files: walks `content/` in sorted order, reads every record file as UTF-8,
//! NFC-normalised text with `\n` line ends: all at once (`load`), or listed first and
//! read a batch at a time (`list`), so that the texts of a large archive are never
//! held together. Never parses YAML or Markdown.
//!
//! Paths are NFC too, whatever form the file system stores (macOS writes Hangul
//! decomposed), so links and `sources` written in either form find their file. Two
//! paths that differ only in case or normalisation are an error: on macOS or Windows
//! they are one file. Symbolic links and special files (FIFOs, devices) are refused.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::diag::{Code, Diagnostic, Pos};
use crate::kind::Kind;
pub use crate::limits::MAX_FILE_BYTES;
use crate::paths;

pub const CONTENT_DIR: &str = "content";

/// One record file, read.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Relative to the site root, with `/` separators, NFC: `content/programs/x.md`.
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
    /// The record files, read by `load`; none after `list`, whose caller reads them.
    pub files: Vec<SourceFile>,
    /// Non-Markdown files under `content/`, relative to the root, NFC (for
    /// `sources: {file}`).
    pub attachments: Vec<PathBuf>,
    /// The size in bytes of each of `attachments`.
    pub attachment_sizes: BTreeMap<PathBuf, u64>,
    pub diags: Vec<Diagnostic>,
    /// The path on disk of every file (attachment or record) whose name the file
    /// system stores in another normalisation form.
    on_disk: BTreeMap<PathBuf, PathBuf>,
    /// The site's root, which the paths are relative to.
    root: PathBuf,
}

impl Sources {
    /// Where attachment or record file `rel` (as the walk listed it) is on disk,
    /// below `root`.
    pub fn disk_path(&self, root: &Path, rel: &Path) -> PathBuf {
        root.join(self.on_disk.get(rel).map_or(rel, PathBuf::as_path))
    }

    /// Reads the record file `rel` (as the walk listed it) again, as `load` read it,
    /// wherever the file system stores its name: for what needs a file's text after
    /// the batch it was read in.
    pub fn read_again(&self, rel: &Path) -> Result<SourceFile, Diagnostic> {
        let kind = record_kind(rel)?;
        let read = read_text(&self.disk_path(&self.root, rel));
        source_file(read, rel.to_path_buf(), kind)
    }
}

/// A record file the walk found, not read yet (see `list`).
#[derive(Debug, Clone)]
pub struct Listed {
    /// Relative to the site root, `/`-separated, NFC, as `SourceFile::rel_path`.
    pub rel_path: PathBuf,
    pub kind: Kind,
    /// Where it is on disk.
    abs: PathBuf,
}

impl Listed {
    /// The file name without `.md`, NFC.
    pub fn stem(&self) -> String {
        stem_of(&self.rel_path)
    }

    /// Reads the file, as `load` reads it.
    pub fn read(&self) -> Result<SourceFile, Diagnostic> {
        self.decoded(self.read_bytes()?)
    }

    /// Reads the file's bytes, not decoded yet: the build cache knows a file by its
    /// bytes, so an unchanged file is never decoded (see `decoded`).
    pub fn read_bytes(&self) -> Result<Vec<u8>, Diagnostic> {
        read_bytes(&self.abs).map_err(|e| self.error(e))
    }

    /// What the file system says of the file (following links, as `read_bytes`
    /// reads it), without reading it.
    pub fn metadata(&self) -> std::io::Result<std::fs::Metadata> {
        std::fs::metadata(&self.abs)
    }

    /// The file whose bytes `read_bytes` read, as `read` reads it.
    pub fn decoded(&self, bytes: Vec<u8>) -> Result<SourceFile, Diagnostic> {
        source_file(decode(bytes), self.rel_path.clone(), self.kind)
    }

    fn error(&self, (pos, msg, help): ReadError) -> Diagnostic {
        let mut d = Diagnostic::error(Code::Read, &self.rel_path, pos, msg);
        d.help = help;
        d
    }
}

/// Walks `ROOT/content` and reads every `.md` file below a kind folder.
pub fn load(root: &Path) -> Sources {
    let (mut out, listed) = list(root);
    // Reading is mostly waiting on the file system: done in parallel, kept in order.
    let read: Vec<_> = listed.par_iter().map(Listed::read).collect();
    for result in read {
        match result {
            Ok(file) => out.files.push(file),
            Err(d) => out.diags.push(d),
        }
    }
    out
}

/// Walks `ROOT/content` as `load` does, without reading the record files: the
/// sources but their `files`, and the record files in the order `load` reads them,
/// so that they can be read a batch at a time.
pub fn list(root: &Path) -> (Sources, Vec<Listed>) {
    let mut out = Sources {
        root: root.to_path_buf(),
        ..Sources::default()
    };
    let content = root.join(CONTENT_DIR);
    if !content.is_dir() {
        return (out, Vec::new());
    }
    let paths = walk(root, &content, &mut out);
    let mut listed = Vec::new();
    for (rel, abs) in paths {
        if rel.extension().is_none_or(|e| e != "md") {
            let size = std::fs::symlink_metadata(&abs).map_or(0, |m| m.len());
            out.attachment_sizes.insert(rel.clone(), size);
        }
        if rel.extension().is_some_and(|e| e == "md") {
            match record_kind(&rel) {
                Ok(kind) => listed.push(Listed {
                    rel_path: rel,
                    kind,
                    abs,
                }),
                Err(d) => out.diags.push(d),
            }
        } else {
            if rel
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("md"))
            {
                out.diags.push(
                    Diagnostic::warning(
                        Code::MisplacedFile,
                        &rel,
                        Pos::UNKNOWN,
                        "not read as a record: record files end in `.md`, in lower case",
                    )
                    .with_help("rename it with `.md`, or it is only an attachment"),
                );
            }
            out.attachments.push(rel);
        }
    }
    (out, listed)
}

/// Reads one record file, `rel` below `root` (`content/trips/x.md`, NFC), as `load`
/// reads it.
pub fn read_file(root: &Path, rel: &Path) -> Result<SourceFile, Diagnostic> {
    let kind = record_kind(rel)?;
    source_file(read_text(&root.join(rel)), rel.to_path_buf(), kind)
}

/// The record file at `rel`, of `kind`, from what reading it gave.
fn source_file(
    read: Result<String, ReadError>,
    rel: PathBuf,
    kind: Kind,
) -> Result<SourceFile, Diagnostic> {
    match read {
        Ok(text) => {
            let stem = stem_of(&rel);
            Ok(SourceFile {
                rel_path: rel,
                kind,
                stem,
                text,
            })
        }
        Err((pos, msg, help)) => {
            let mut d = Diagnostic::error(Code::Read, &rel, pos, msg);
            d.help = help;
            Err(d)
        }
    }
}

/// The file name of `rel` without its extension, NFC.
fn stem_of(rel: &Path) -> String {
    rel.file_stem()
        .map(|s| paths::nfc(&s.to_string_lossy()).into_owned())
        .unwrap_or_default()
}

/// Every regular file below `content`, sorted, as (NFC path relative to `root`, path
/// on disk); hidden files are skipped, and links, special files and names that collide
/// on another system are reported into `out`.
fn walk(root: &Path, content: &Path, out: &mut Sources) -> Vec<(PathBuf, PathBuf)> {
    let mut paths = Vec::new();
    // Every path by its case- and normalisation-folded form, to find collisions.
    let mut folded: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut entries = WalkDir::new(content)
        .sort_by_file_name()
        .follow_links(false)
        .into_iter();
    while let Some(entry) = entries.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let rel = e
                    .path()
                    .map(|p| rel_to(root, p))
                    .unwrap_or_else(|| PathBuf::from(CONTENT_DIR));
                out.diags.push(Diagnostic::error(
                    Code::Read,
                    rel,
                    Pos::UNKNOWN,
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        let disk_rel = rel_to(root, entry.path());
        let rel = paths::nfc_path(&disk_rel);
        let name = entry.file_name().to_string_lossy();
        if name.starts_with('.') && entry.depth() > 0 {
            continue; // hidden files such as .DS_Store
        }
        if entry.file_name().to_str().is_none() {
            out.diags.push(
                Diagnostic::error(
                    Code::Read,
                    &rel,
                    Pos::UNKNOWN,
                    "the name is not valid UTF-8 (shown with U+FFFD for the bytes that are not)",
                )
                .with_help("rename it; names are read as UTF-8 and published in URLs"),
            );
            if entry.file_type().is_dir() {
                entries.skip_current_dir();
            }
            continue;
        }
        if entry.depth() > 0 {
            let key = paths::fold(&rel.to_string_lossy());
            if let Some(first) = folded.get(&key) {
                out.diags.push(
                    Diagnostic::error(
                        Code::PathCollision,
                        &rel,
                        Pos::UNKNOWN,
                        format!(
                            "this path and {} differ only in case or Unicode normalisation: they are one file on macOS and Windows",
                            first.display()
                        ),
                    )
                    .with_help("rename one of them"),
                );
                continue;
            }
            folded.insert(key, rel.clone());
        }
        match what_to_do(&entry, &rel) {
            Visit::Read => {}
            Visit::Pass => continue,
            Visit::Refuse(d) => {
                out.diags.push(d);
                continue;
            }
        }
        if rel != disk_rel {
            out.on_disk.insert(rel.clone(), disk_rel);
        }
        paths.push((rel, entry.path().to_path_buf()));
    }
    paths
}

/// What the walk does with an entry.
enum Visit {
    /// A regular file: listed.
    Read,
    /// A folder: walked into, not listed.
    Pass,
    /// What accord does not read (a link, a FIFO): reported.
    Refuse(Diagnostic),
}

fn what_to_do(entry: &walkdir::DirEntry, rel: &Path) -> Visit {
    if entry.path_is_symlink() {
        return Visit::Refuse(
            Diagnostic::error(
                Code::Read,
                rel,
                Pos::UNKNOWN,
                "symbolic links are not followed in content/",
            )
            .with_help("copy the file into the archive instead"),
        );
    }
    if entry.file_type().is_dir() {
        return Visit::Pass;
    }
    if !entry.file_type().is_file() {
        return Visit::Refuse(Diagnostic::error(
            Code::Read,
            rel,
            Pos::UNKNOWN,
            "not a regular file (a FIFO, socket or device): accord reads only files in content/",
        ));
    }
    Visit::Read
}

/// The kind of the record at `rel`: the kind folder it is directly inside.
fn record_kind(rel: &Path) -> Result<Kind, Diagnostic> {
    let kind = rel
        .components()
        .nth(1)
        .and_then(|c| c.as_os_str().to_str())
        .and_then(Kind::from_section);
    let depth = rel.components().count();
    kind.filter(|_| depth == 3).ok_or_else(|| {
        let sections: Vec<String> = Kind::ALL
            .iter()
            .map(|k| format!("content/{}/", k.section()))
            .collect();
        Diagnostic::error(
            Code::MisplacedFile,
            rel,
            Pos::UNKNOWN,
            "a record must be directly inside a kind folder",
        )
        .with_help(format!("move it into one of {}", sections.join(", ")))
    })
}

type ReadError = (Pos, String, Option<String>);

/// Reads a file as text: UTF-8 (a BOM is dropped), NFC, `\n` line ends. Reads at most
/// `MAX_FILE_BYTES`, even from a file that grows while it is read.
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    decode(read_bytes(path)?)
}

/// Reads a file's bytes, as `read_text` does before it decodes them.
fn read_bytes(path: &Path) -> Result<Vec<u8>, ReadError> {
    let cannot = |e: std::io::Error| (Pos::UNKNOWN, format!("cannot read: {e}"), None);
    let special = || {
        (
            Pos::UNKNOWN,
            "not a regular file (a FIFO, socket or device)".to_string(),
            None,
        )
    };
    // Opening a FIFO blocks until something writes to it: the type is checked first,
    // and the file opened without blocking in case it changed in between.
    if !std::fs::metadata(path).map_err(cannot)?.is_file() {
        return Err(special());
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(special());
    }
    let mut bytes = Vec::with_capacity(meta.len().min(MAX_FILE_BYTES) as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err((
            Pos::UNKNOWN,
            format!(
                "the file is {} bytes; files are limited to {MAX_FILE_BYTES} bytes (MAX_FILE_BYTES)",
                meta.len().max(bytes.len() as u64)
            ),
            Some(
                "split the record, or attach large documents through `sources: [{title, file}]`"
                    .into(),
            ),
        ));
    }
    Ok(bytes)
}

/// Decodes bytes as UTF-8 text, NFC, `\n` line ends.
pub fn decode(bytes: Vec<u8>) -> Result<String, ReadError> {
    // UTF-32 first: its little-endian mark begins with UTF-16's.
    let encoding =
        if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) || bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
            Some("UTF-32")
        } else if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            Some("UTF-16")
        } else {
            None
        };
    if let Some(encoding) = encoding {
        return Err((
            Pos::new(1, 1),
            format!("the file is {encoding}; accord reads UTF-8"),
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
    let mut text = text;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    if text.contains('\r') {
        text = text.replace("\r\n", "\n").replace('\r', "\n");
    }
    Ok(paths::nfc_owned(text))
}

fn rel_to(root: &Path, path: &Path) -> PathBuf {
    let rel = path.strip_prefix(root).unwrap_or(path);
    // Always `/`-separated, so output never depends on the host; joined by component,
    // so that a `\` in a Unix file name stays part of the name.
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    PathBuf::from(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_crlf_and_nfd_are_normalised() {
        use unicode_normalization::UnicodeNormalization;
        let nfd: String = "서울".nfd().collect();
        let bytes = format!("\u{feff}---\r\ntitle: {nfd}\r\n---\r\n").into_bytes();
        assert_eq!(decode(bytes).unwrap(), "---\ntitle: 서울\n---\n");
    }

    #[test]
    fn decomposed_text_is_composed_and_composed_text_kept() {
        use unicode_normalization::UnicodeNormalization;
        let nfd: String = "서울 が ご – “x”".nfd().collect();
        assert_eq!(decode(nfd.into_bytes()).unwrap(), "서울 が ご – “x”");
        let text = "\u{feff}서울 北京 ソウル がぎ abc – …\n";
        assert_eq!(decode(text.into()).unwrap(), &text[3..]);
    }

    #[test]
    fn utf32_is_called_utf32() {
        for bom in [[0xFF, 0xFE, 0, 0], [0, 0, 0xFE, 0xFF]] {
            let mut bytes = bom.to_vec();
            bytes.extend([b'-', 0, 0, 0]);
            let (pos, msg, _) = decode(bytes).unwrap_err();
            assert_eq!(
                (pos, msg.as_str()),
                (Pos::new(1, 1), "the file is UTF-32; accord reads UTF-8")
            );
        }
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
