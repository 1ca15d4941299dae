//! Paths and names: what makes a slug or a file name safe and portable, when two file
//! names are one file, and how a relative link is joined to the folder it is written
//! in. Pure functions of text; never touches the file system.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::limits::MAX_SLUG_BYTES;

/// Why `slug` is not one safe URL path segment, if it is not. A slug becomes a folder
/// of the output, so it must also be a portable file name: no separators, no dot
/// segments, no names Windows reserves, nothing Windows would silently change.
pub fn check_slug(slug: &str) -> Result<(), &'static str> {
    if slug.is_empty() {
        return Err("is empty");
    }
    if slug.len() > MAX_SLUG_BYTES {
        return Err("is longer than 200 bytes (MAX_SLUG_BYTES)");
    }
    if slug.starts_with('.') {
        return Err("starts with a dot");
    }
    if slug.ends_with('.') {
        return Err("ends with a dot, which Windows drops from file names");
    }
    if slug
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || "/\\?#%<>\"'|*:&".contains(c))
    {
        return Err("contains a character that is not allowed in a URL segment");
    }
    if is_reserved_name(slug) {
        return Err("is a reserved file name on Windows");
    }
    Ok(())
}

/// `CON`, `nul.txt`, `COM1` …: names Windows reserves for devices, in any case and
/// with any extension.
pub fn is_reserved_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let base = upper.split('.').next().unwrap_or("").trim_end();
    match base {
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" => true,
        // `COM1`, `LPT²`: three ASCII letters, then one digit. Split only where a
        // character starts: `2차` has no boundary after its third byte.
        _ => match (base.get(..3), base.get(3..)) {
            (Some(prefix), Some(digit)) => {
                matches!(prefix, "COM" | "LPT")
                    && matches!(
                        digit,
                        "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "¹" | "²" | "³"
                    )
            }
            _ => false,
        },
    }
}

/// The form in which two file names are one file on macOS or Windows: NFC, lower case.
pub fn fold(name: &str) -> String {
    if name.is_ascii() {
        return name.to_ascii_lowercase();
    }
    nfc(name).to_lowercase()
}

/// `text` in NFC: borrowed when it is NFC already, as nearly all text is (the checks
/// skip the work, not the rule).
pub fn nfc(text: &str) -> Cow<'_, str> {
    if is_surely_nfc(text) || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    }
}

/// `text` in NFC, taken as it is, not copied, when it is NFC already.
pub fn nfc_owned(text: String) -> String {
    match nfc(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(composed) => composed,
    }
}

/// `path` in NFC, as the sources' paths are (`source` composes them when listed).
pub fn nfc_path(path: &Path) -> PathBuf {
    PathBuf::from(nfc(&path.to_string_lossy()).into_owned())
}

/// A fast check that covers nearly all real text: characters below U+0300 (no
/// combining marks), general punctuation (dashes, quotes, the ellipsis), precomposed
/// Hangul syllables, CJK ideographs, kana without the combining voicing marks and
/// full-width forms are all in NFC whatever surrounds them. Anything else is left to
/// the full quick check.
fn is_surely_nfc(text: &str) -> bool {
    // By the bytes of the UTF-8: a character below U+0300 is ASCII, or begins with a
    // byte below 0xCC (continuation bytes are below 0xC0); the others passed are of
    // three bytes, looked up by their block of 64 first.
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if let Some(word) = b.get(i..i + 8)
            && u64::from_le_bytes(word.try_into().unwrap_or_default()) & 0x8080_8080_8080_8080 == 0
        {
            i += 8;
            continue;
        }
        let lead = b[i];
        if lead < 0xCC {
            i += 1;
            continue;
        }
        if !(0xE0..0xF0).contains(&lead) {
            return false;
        }
        let block = (usize::from(lead & 0x0F) << 6) | usize::from(b[i + 1] & 0x3F);
        if !SURE_BLOCKS[block] {
            let c = (block as u32) << 6 | u32::from(b[i + 2] & 0x3F);
            if !is_surely_nfc_char(c) {
                return false;
            }
        }
        i += 3;
    }
    true
}

/// Characters of three bytes in UTF-8 that are NFC whatever surrounds them (see
/// `is_surely_nfc`).
const fn is_surely_nfc_char(c: u32) -> bool {
    matches!(c, 0x2010..=0x2027 | 0xAC00..=0xD7A3 | 0x4E00..=0x9FFF | 0x3000..=0x3098 | 0x309B..=0x30FF | 0xFF01..=0xFF5E)
}

/// The blocks of 64 characters from U+0000 to U+FFFF that `is_surely_nfc_char` passes
/// whole.
const SURE_BLOCKS: [bool; 1024] = {
    let mut blocks = [false; 1024];
    let mut block = 0;
    while block < 1024 {
        let mut all = true;
        let mut c = block as u32 * 64;
        while c < (block as u32 + 1) * 64 {
            all &= is_surely_nfc_char(c);
            c += 1;
        }
        blocks[block] = all;
        block += 1;
    }
    blocks
};

/// `dir/rel` with `.` and `..` resolved; `None` if it climbs above the root.
pub fn join_relative(dir: &Path, rel: &str) -> Option<PathBuf> {
    let mut parts: Vec<String> = dir
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    for seg in rel.split(['/', '\\']) {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s.to_string()),
        }
    }
    Some(PathBuf::from(parts.join("/")))
}

/// `path` made absolute (from the current directory), `.` and `..` resolved, and its
/// longest existing part resolved through symbolic links: two spellings of one place
/// give one path, also when the place does not exist yet.
pub fn resolve(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut lexical = PathBuf::new();
    for c in absolute.components() {
        match c {
            Component::ParentDir => {
                lexical.pop();
            }
            Component::CurDir => {}
            other => lexical.push(other),
        }
    }
    let mut existing = lexical.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return rest.iter().rev().fold(real, |p, part| p.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return lexical,
        }
    }
}

/// Longest slug `new` derives from a title, in characters.
pub(crate) const MAX_SLUG_CHARS: usize = 80;

/// The slug of a title: readable and stable in every script.
///
/// The title is NFC-normalised; letters and digits of every script are kept as they
/// are, except that cased letters (Latin, Greek, Cyrillic) are lower-cased and
/// full-width Latin letters and digits become ASCII. Spaces, dashes, slashes, middle
/// dots, commas, colons and brackets separate words and become one `-`; other
/// punctuation (quotes, full stops, `!`, `?`, …) is dropped. Slugs are cut at 80
/// characters, on a word boundary where there is one.
///
/// `서울–요코하마 기후 포럼 2025` → `서울-요코하마-기후-포럼-2025`;
/// `北九州市・上海市「環境協力」` → `北九州市-上海市-環境協力`.
pub fn slugify(title: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in title.nfc() {
        // Full-width ASCII forms (ＡＢＣ１２３) as ASCII.
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        };
        if c.is_alphanumeric() || (is_combining_mark(c) && !out.is_empty()) {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else if is_word_separator(c) {
            gap = true;
        }
    }
    if out.chars().count() > MAX_SLUG_CHARS {
        let cut: String = out.chars().take(MAX_SLUG_CHARS).collect();
        let word_end = cut
            .rfind('-')
            .filter(|&i| cut[..i].chars().count() > MAX_SLUG_CHARS / 2);
        out = match word_end {
            Some(i) => cut[..i].to_string(),
            None => cut,
        };
    }
    if out.is_empty() {
        out.push_str("record");
    }
    if check_slug(&out).is_err() {
        // A reserved file name on Windows (`con`, `aux`, …).
        out.push_str("-record");
    }
    out
}

fn is_word_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '_'
                | '/'
                | '\\'
                | '|'
                | ','
                | ';'
                | ':'
                | '+'
                | '&'
                | '='
                | '~'
                | '·'
                | '・'
                | '･'
                | '、'
                | '，'
                | '；'
                | '：'
                | '／'
                | '〜'
                | '～'
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | '<'
                | '>'
                | '（'
                | '）'
                | '［'
                | '］'
                | '「'
                | '」'
                | '『'
                | '』'
                | '【'
                | '】'
                | '〈'
                | '〉'
                | '《'
                | '》'
                | '〔'
                | '〕'
        )
        || ('\u{2010}'..='\u{2015}').contains(&c)
        || matches!(c, '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_nfc_check_passes_only_what_is_nfc_whatever_surrounds_it() {
        // NFC_QC=Yes: the character neither decomposes nor composes with the one
        // before it (one that composes with it, after it, is not passed).
        let mut passed = 0;
        for c in (0..0x11_0000).filter_map(char::from_u32) {
            // Alone, and after eight ASCII bytes and one of three (the word-wide skip).
            let alone = is_surely_nfc(c.encode_utf8(&mut [0; 4]));
            assert_eq!(alone, is_surely_nfc(&format!("abcdefgh가{c}")), "{c:?}");
            if alone {
                assert_eq!(is_nfc_quick([c].into_iter()), IsNormalized::Yes, "{c:?}");
                passed += 1;
            }
        }
        // ASCII, Latin-1, general punctuation, Hangul, ideographs, kana, full width.
        assert_eq!(passed, 0x300 + 0x18 + 11_172 + 20_992 + 0x99 + 0x65 + 0x5E);
        let nfd: String = "서울 が ご".nfd().collect();
        assert!(!is_surely_nfc(&nfd));
        assert_eq!(nfc(&nfd), "서울 が ご");
        assert!(is_surely_nfc("서울 北京 ソウル がぎ abc – “x” …"));
        assert!(matches!(nfc("서울 – ソウル"), Cow::Borrowed(_)));
        assert_eq!(fold("Trips/ÉTÉ/서울"), "trips/été/서울");
        assert_eq!(fold("Trips/A.HTML"), "trips/a.html");
    }

    #[test]
    fn relative_paths_resolve_and_cannot_climb_out() {
        let dir = Path::new("content/programs");
        assert_eq!(
            join_relative(dir, "../trips/a.md").unwrap(),
            PathBuf::from("content/trips/a.md")
        );
        assert_eq!(
            join_relative(dir, "./b.md").unwrap(),
            PathBuf::from("content/programs/b.md")
        );
        assert!(join_relative(dir, "../../../x.md").is_none());
    }

    #[test]
    fn slugs_must_be_one_safe_segment() {
        assert!(check_slug("seoul-2014").is_ok());
        assert!(check_slug("서울-대기질").is_ok());
        for bad in [
            "",
            "..",
            "../x",
            "a/b",
            "a\\b",
            "a\0b",
            ".hidden",
            "CON",
            "a b",
            "nul.txt",
            "com9",
            "LPT1",
            "x.",
            "Aux",
            "a%20",
            "lpt¹.txt",
        ] {
            assert!(check_slug(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_with_a_multibyte_character_at_the_fourth_byte_are_not_reserved() {
        for name in [
            "2차-워크숍",
            "1차-회의",
            "k리그",
            "e스포츠",
            "co서",
            "COM서",
            "ab",
        ] {
            assert!(!is_reserved_name(name), "{name}");
        }
        assert!(is_reserved_name("COM²"));
        assert!(is_reserved_name("lpt9.md"));
    }

    /// A small deterministic generator (xorshift), so the property below is checked on
    /// the same thousands of names every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn any_unicode_name_is_judged_without_panicking() {
        // Characters of every width in UTF-8, the ones the checks look for among them.
        let pool: Vec<char> = "aZ09-_.~ /\\%:&?#CONLPTcom¹²³차워크숍회의리그스포츠北九州市東京ソウル\u{0}\u{7f}\u{200b}\u{1F600}\u{10FFFF}é\u{301}"
            .chars()
            .collect();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let len = (rng.next() % 9) as usize;
            let name: String = (0..len)
                .map(|_| pool[(rng.next() % pool.len() as u64) as usize])
                .collect();
            let verdict = check_slug(&name);
            // Whatever it says is consistent with what it checks.
            if verdict.is_ok() {
                assert!(!name.is_empty() && !name.contains('/'), "{name:?}");
                assert!(!is_reserved_name(&name), "{name:?}");
            }
            let _ = fold(&name);
            let _ = join_relative(Path::new("content"), &name);
        }
    }
}
