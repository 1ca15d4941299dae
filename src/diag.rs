//! Diagnostics: located problems found by any stage. Library code never prints;
//! every stage returns `Diagnostic`s and only the binary decides how to show them.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// How bad a problem is: errors fail the build, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// Declares `Code` from one list, so that its variants, their names and `Code::ALL`
/// cannot drift apart.
macro_rules! codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal,)*) => {
        /// What kind of problem a diagnostic reports: a stable name for tools and for
        /// `docs/diagnostics.md`, independent of the message's wording. Code reads
        /// these, never the message text.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Code {
            /// Every code, in the order of `docs/diagnostics.md`.
            pub const ALL: &[Code] = &[$(Code::$variant,)*];

            /// The kebab-case name shown to people and tools.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }
        }
    };
}

codes! {
    /// A file cannot be read, or is not UTF-8 text.
    Read = "read",
    /// A file does not start with front matter, or does not close it.
    FrontMatter = "front-matter",
    /// The YAML text cannot be parsed.
    YamlSyntax = "yaml-syntax",
    /// A mapping has the same key twice.
    DuplicateKey = "duplicate-key",
    /// One of accord's limits (`MAX_*`) was exceeded.
    Limit = "limit",
    /// More problems in a file than are reported.
    TooManyProblems = "too-many-problems",
    /// A required field is missing.
    MissingField = "missing-field",
    /// A field no record (or registry entry, or configuration) has.
    UnknownField = "unknown-field",
    /// A field of another kind of record.
    WrongKindField = "wrong-kind-field",
    /// A value of the wrong type: text for a list, a list for a mapping, …
    WrongType = "wrong-type",
    /// A field that must not be empty is.
    EmptyValue = "empty-value",
    /// A value outside the allowed ones: a status, a language, a country code, …; or
    /// text holding a control character.
    InvalidValue = "invalid-value",
    /// A date that is not a date, or an end before the start.
    InvalidDate = "invalid-date",
    /// A `lang` that is not a BCP 47 language tag with a known language.
    InvalidLanguage = "invalid-language",
    /// A `currency` that is not an ISO 4217 code, or a budget without `unit`.
    InvalidCurrency = "invalid-currency",
    /// A source URL that is not http or https.
    InvalidUrl = "invalid-url",
    /// A source without `url` or `file`, with a file path outside `content/`, or of a
    /// type that is not published (HTML, SVG, …).
    InvalidSource = "invalid-source",
    /// A source file that does not exist.
    MissingSourceFile = "missing-source-file",
    /// A city name the registry does not know.
    UnknownCity = "unknown-city",
    /// A slug that is not one safe URL segment, or is reserved.
    InvalidSlug = "invalid-slug",
    /// A city id that is not one safe URL segment.
    InvalidId = "invalid-id",
    /// A name or alias of two cities of the registry.
    DuplicateName = "duplicate-name",
    /// A parent that is not in the registry, or parents that form a cycle.
    InvalidParent = "invalid-parent",
    /// A Markdown link to a record that does not exist.
    BrokenLink = "broken-link",
    /// A `program:` or `related:` reference to no record, or to a record of the wrong
    /// kind.
    BrokenReference = "broken-reference",
    /// Two workshops of one series with the same `number`.
    DuplicateNumber = "duplicate-number",
    /// A link to a URL of the site (`/trips/x/`, `../x/`) that the build does not
    /// produce.
    BrokenUrl = "broken-url",
    /// A file linked from a record's body (`![](photo.jpg)`) that does not exist or is
    /// not a type accord publishes.
    MissingAttachment = "missing-attachment",
    /// A translation (`foo.ja.md`) whose fact (date, cities, budget, …) is not its
    /// original's.
    TranslationFact = "translation-fact",
    /// Two files that would be written to one output path.
    OutputCollision = "output-collision",
    /// Two content paths that differ only in case or Unicode normalisation.
    PathCollision = "path-collision",
    /// A file that is not where records or attachments go.
    MisplacedFile = "misplaced-file",
    /// A theme, template or UI-strings problem.
    Template = "template",
    /// The output cannot be written.
    Write = "write",
    /// A command-line argument is not usable.
    Argument = "argument",
    /// The preview server cannot run.
    Serve = "serve",
    /// A bug of accord.
    Internal = "internal",
    /// A record without `summary` (a warning).
    NoSummary = "no-summary",
    /// A city of the registry that no record names (a warning).
    UnusedCity = "unused-city",
    /// An organizer or partner the organization registry does not know (a warning).
    UnknownOrganization = "unknown-organization",
    /// A record whose summary or body still holds the placeholder text of `accord new`
    /// (a warning).
    Placeholder = "placeholder",
    /// `git_dates: true`, but the history cannot be read (a warning).
    GitDates = "git-dates",
    /// A program's `status` that its dates contradict on the day of the build (a
    /// warning).
    StatusDates = "status-dates",
    /// Budget years outside the record's period, or adding up to more than its total
    /// (a warning).
    BudgetYears = "budget-years",
    /// A file of the build cache (`.accord-cache/`) that cannot be trusted and was
    /// ignored, or the cache cannot be written (a warning that `--strict` does not
    /// fail on).
    BuildCache = "build-cache",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem at one place of one file (paths are relative to the site root).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub path: PathBuf,
    /// 1-based line in the file (not in the front-matter block); 0 when unknown.
    pub line: usize,
    /// 1-based column counted in characters; 0 when unknown.
    pub col: usize,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    /// What kind of problem this is.
    pub code: Code,
}

impl Diagnostic {
    pub fn error(code: Code, path: impl AsRef<Path>, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.as_ref().to_path_buf(),
            line: pos.line,
            col: pos.col,
            severity: Severity::Error,
            message: message.into(),
            help: None,
            code,
        }
    }

    pub fn warning(
        code: Code,
        path: impl AsRef<Path>,
        pos: Pos,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, path, pos, message)
        }
    }

    /// The last diagnostic of a file that had more than `MAX_ERRORS_PER_FILE` problems,
    /// placed at `end` (the end of the file or block) to be listed after them: how many
    /// more there are, or, when checking stopped, that it did.
    pub fn omitted(path: impl AsRef<Path>, end: Pos, count: Option<usize>) -> Self {
        let max = crate::limits::MAX_ERRORS_PER_FILE;
        let message = match count {
            Some(n) => format!(
                "{n} more problem{} in this file not shown: at most {max} are reported per file (MAX_ERRORS_PER_FILE)",
                if n == 1 { "" } else { "s" }
            ),
            None => format!(
                "checking this file stopped after {max} problems (MAX_ERRORS_PER_FILE): fix them and run again"
            ),
        };
        Diagnostic::warning(Code::TooManyProblems, path, end, message)
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// With `help` when there is one.
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.col.max(1))?;
        }
        write!(f, ": {level}: {} [{}]", self.message, self.code)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// A 1-based line and column in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

impl Pos {
    pub const UNKNOWN: Pos = Pos { line: 0, col: 0 };

    pub fn new(line: usize, col: usize) -> Self {
        Pos { line, col }
    }

    /// The position of byte `offset` in `text`, with the column counted in characters.
    pub fn of_offset(text: &str, offset: usize) -> Pos {
        let offset = offset.min(text.len());
        let before = &text[..floor_char_boundary(text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        Pos { line, col }
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The names in `candidates` closest to `wanted` (edit distance), best first, for a
/// "did you mean" hint. Only names in the same script are compared: a Hangul name is
/// compared jamo by jamo (a typo usually changes one of them), a Chinese or Japanese
/// name character by character, where one character in two or three is not a typo
/// but another name (`東京` is not close to `北京`). Case and Unicode normalisation of
/// the candidates are the caller's business.
pub fn nearest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let names: Vec<&'a str> = candidates.into_iter().collect();
    let index = Candidates::new(names.iter().copied());
    index
        .nearest(wanted)
        .into_iter()
        .map(|i| names[i])
        .collect()
}

/// Names to suggest from, grouped once by script and length, so that a suggestion
/// compares only the names that can be close: a registry of 20,000 cities with 30
/// names each is not compared in full for every unknown name.
#[derive(Debug, Default)]
pub struct Candidates {
    /// By script and length in units.
    groups: HashMap<(Script, usize), Vec<Candidate>>,
}

/// A name to suggest: in units, its length in characters, its index in the order
/// given, the name.
type Candidate = (String, usize, usize, String);

impl Candidates {
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut groups: HashMap<(Script, usize), Vec<Candidate>> = HashMap::new();
        for (i, name) in names.into_iter().enumerate() {
            let script = Script::of(name);
            let units = script.units(name);
            let len = units.chars().count();
            groups.entry((script, len)).or_default().push((
                units,
                name.chars().count(),
                i,
                name.to_string(),
            ));
        }
        Candidates { groups }
    }

    /// The indexes of the (at most three) names nearest to `wanted`, nearest first
    /// (then by name): in its script, within an edit distance that grows with its
    /// length.
    pub fn nearest(&self, wanted: &str) -> Vec<usize> {
        let script = Script::of(wanted);
        let wanted_units = script.units(wanted);
        let wanted_len = wanted_units.chars().count();
        let wanted_chars = wanted.chars().count();
        if wanted_len > MAX_SUGGESTION_CHARS {
            return Vec::new();
        }
        let limit = script.limit(wanted_len);
        if limit == 0 {
            return Vec::new();
        }
        // The distance is at least the difference in length: only those groups.
        let lengths = wanted_len.saturating_sub(limit)..=wanted_len + limit;
        let mut scored: Vec<(usize, &str, usize)> = lengths
            .filter_map(|len| self.groups.get(&(script, len)))
            .flatten()
            .filter(|(_, chars, _, _)| chars.abs_diff(wanted_chars) <= limit)
            .filter_map(|(units, _, i, name)| {
                let d = strsim::osa_distance(&wanted_units, units);
                (d <= limit).then_some((d, name.as_str(), *i))
            })
            .collect();
        scored.sort_unstable();
        scored.dedup_by(|a, b| a.1 == b.1);
        scored.into_iter().take(3).map(|(_, _, i)| i).collect()
    }
}

/// Names longer than this get no "did you mean": no name is that long, and the
/// distance costs the product of the lengths.
const MAX_SUGGESTION_CHARS: usize = 200;

/// The writing system of a name, as far as suggestions care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Script {
    Hangul,
    /// Chinese characters and Japanese kana: each character carries a syllable or a
    /// word, so one changed character makes another name.
    Cjk,
    /// Latin and every other alphabet.
    Alphabetic,
}

impl Script {
    /// The script of the first letter of `name` (names do not mix scripts; a Japanese
    /// name mixing kana and kanji is one script here).
    fn of(name: &str) -> Script {
        for c in name.chars() {
            match c as u32 {
                0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => return Script::Hangul,
                0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF => {
                    return Script::Cjk;
                }
                _ if c.is_alphabetic() => return Script::Alphabetic,
                _ => {}
            }
        }
        Script::Alphabetic
    }

    /// The units edits are counted in: jamo for Hangul, characters otherwise.
    fn units(self, name: &str) -> String {
        use unicode_normalization::UnicodeNormalization;
        match self {
            Script::Hangul => name.nfd().collect(),
            _ => name.to_string(),
        }
    }

    /// The most edits a name of `len` units may be away to be suggested.
    fn limit(self, len: usize) -> usize {
        match self {
            Script::Cjk => len / 3,
            _ => (len / 3).max(1) + usize::from(len > 6),
        }
    }
}

/// A "did you mean" sentence for the nearest candidates, if any.
pub fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let near = nearest(wanted, candidates);
    if near.is_empty() {
        return None;
    }
    let list: Vec<String> = near.iter().map(|n| format!("`{n}`")).collect();
    Some(format!("did you mean {}?", list.join(" or ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_lines_and_character_columns() {
        let text = "ab\n서울x\n";
        assert_eq!(Pos::of_offset(text, 0), Pos::new(1, 1));
        assert_eq!(Pos::of_offset(text, 3), Pos::new(2, 1));
        // "서울" is 6 bytes: x is the third character.
        assert_eq!(Pos::of_offset(text, 9), Pos::new(2, 3));
    }

    #[test]
    fn nearest_names_for_typos() {
        let fields = ["budget", "title", "date", "tags"];
        assert_eq!(nearest("buget", fields), vec!["budget"]);
        assert_eq!(nearest("tilte", fields), vec!["title"]);
        assert!(nearest("zzzzzzzz", fields).is_empty());
    }

    #[test]
    fn suggestions_stay_within_a_script_and_need_a_close_name() {
        let names = ["seoul", "서울", "요코하마", "北京", "北九州市", "ソウル"];
        assert_eq!(nearest("seou", names), vec!["seoul"]);
        assert_eq!(nearest("요코하미", names), vec!["요코하마"]);
        // One jamo off: 을 for 울.
        assert_eq!(nearest("서을", names), vec!["서울"]);
        // One character in two is another city, not a typo.
        assert!(nearest("東京", names).is_empty());
        assert!(nearest("九州", names).is_empty());
        assert_eq!(nearest("ソウレ", names), vec!["ソウル"]);
    }

    #[test]
    fn every_code_has_a_distinct_name() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
    }
}
