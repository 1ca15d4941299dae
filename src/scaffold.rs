//! Scaffolding: `accord new` writes one record file with the front matter of its kind
//! filled in and commented; `accord init` writes a new archive. Both refuse to
//! overwrite anything. Writes files; prints nothing.
//!
//! Both speak the archive's language: the comments, example records and README of
//! `init`, and the comments and placeholders of `new`, come from
//! `src/scaffold/<lang>/` (`lang_files`). The example records are drafts; a record
//! that still holds a placeholder of `new` is a warning (`placeholders`).

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;

use unicode_normalization::char::is_combining_mark;
use unicode_width::UnicodeWidthStr;

use crate::config::{CONFIG_FILE, Config, LANGUAGES};
use crate::date::PartialDate;
use crate::diag::{Code, Diagnostic, Pos};
use crate::kind::Kind;
use crate::registry::{REGISTRY_FILE, Registry};
use crate::source::CONTENT_DIR;

mod ci;
mod cms;
mod editor;
pub use ci::{ACCORD_VERSION, Ci};
pub use cms::{ADMIN_DIR, Cms, write as write_cms};
pub use editor::{SCHEMA_DIR, write_schemas};

pub use crate::paths::slugify;

/// The files of a new archive and the text of a new record in one language:
/// `src/scaffold/<lang>/`. The CI workflow, `.gitignore` and the cities' entries are
/// the same in every language.
struct LangFiles {
    /// `accord.yaml`, with `{title}` and `{language}` to fill in.
    config: &'static str,
    /// The comment at the top of `data/cities.yaml`.
    cities_comment: &'static str,
    program: &'static str,
    trip: &'static str,
    workshop: &'static str,
    /// `README.md`, with `{title}` to fill in.
    readme: &'static str,
    /// What `accord new` writes: `Phrases`, as YAML.
    new: &'static str,
}

macro_rules! lang_files {
    ($lang:literal) => {
        LangFiles {
            config: include_str!(concat!("scaffold/", $lang, "/accord.yaml")),
            cities_comment: include_str!(concat!("scaffold/", $lang, "/cities.yaml")),
            program: include_str!(concat!("scaffold/", $lang, "/program.md")),
            trip: include_str!(concat!("scaffold/", $lang, "/trip.md")),
            workshop: include_str!(concat!("scaffold/", $lang, "/workshop.md")),
            readme: include_str!(concat!("scaffold/", $lang, "/readme.md")),
            new: include_str!(concat!("scaffold/", $lang, "/new.yaml")),
        }
    };
}

/// The scaffold files of every language of `config::LANGUAGES`.
static LANG_FILES: [(&str, LangFiles); 4] = [
    ("ko", lang_files!("ko")),
    ("ja", lang_files!("ja")),
    ("zh", lang_files!("zh")),
    ("en", lang_files!("en")),
];

/// Where the scaffold files for `lang` are in `LANG_FILES` (`zh-Hant` takes `zh`'s;
/// a language accord has no files for, English).
fn lang_index(lang: &str) -> usize {
    let base = lang.split('-').next().unwrap_or(lang);
    LANG_FILES
        .iter()
        .position(|(l, _)| *l == base)
        .or_else(|| LANG_FILES.iter().position(|(l, _)| *l == "en"))
        .unwrap_or(0)
}

/// The scaffold files for `lang`: the one place a language's files are picked.
fn lang_files(lang: &str) -> &'static LangFiles {
    &LANG_FILES[lang_index(lang)].1
}

/// What `accord new` writes in one language: a word on what each field takes, an
/// example for the fields left commented out, and the placeholders of the summary
/// and the body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Phrases {
    fields: BTreeMap<String, String>,
    examples: BTreeMap<String, String>,
    placeholders: Placeholders,
}

/// The text a new record holds until the editor writes their own.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Placeholders {
    pub summary: String,
    pub body: String,
}

impl Phrases {
    /// The phrases of `lang`, read once.
    fn of(lang: &str) -> &'static Phrases {
        static PHRASES: OnceLock<Vec<Phrases>> = OnceLock::new();
        let all = PHRASES.get_or_init(|| {
            LANG_FILES
                .iter()
                .map(|(l, files)| {
                    serde_yaml::from_str(files.new)
                        .unwrap_or_else(|e| panic!("src/scaffold/{l}/new.yaml: {e}"))
                })
                .collect()
        });
        &all[lang_index(lang)]
    }

    fn field(&self, key: &str) -> &str {
        self.fields.get(key).map_or("", String::as_str)
    }

    fn example(&self, key: &str) -> &str {
        self.examples.get(key).map_or("…", String::as_str)
    }
}

/// The placeholders of `accord new` in every language: a record that still holds one
/// is not finished (`content` warns).
pub fn placeholders() -> impl Iterator<Item = &'static Placeholders> {
    LANG_FILES.iter().map(|(l, _)| &Phrases::of(l).placeholders)
}

/// What `accord new` is asked for.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub kind: Kind,
    pub title: String,
    /// `None`: `today`.
    pub date: Option<PartialDate>,
    /// Names as typed; each must resolve in the registry.
    pub cities: Vec<String>,
    /// The record's language; `None`: the archive's.
    pub lang: Option<String>,
}

/// Writes `content/<kind>s/<slug>.md` below `root` and returns its path relative to
/// `root`. Refuses an empty title, an unknown city and an existing file.
pub fn new_record(
    root: &Path,
    req: &NewRecord,
    today: PartialDate,
) -> Result<PathBuf, Vec<Diagnostic>> {
    let title = req.title.trim();
    // Problems with the arguments belong to no file.
    let arg_error = |msg: String| Diagnostic::error(Code::Argument, "", Pos::UNKNOWN, msg);
    if title.is_empty() {
        return Err(vec![arg_error("the title is empty".into())]);
    }
    if title.contains(['\n', '\r']) {
        return Err(vec![arg_error("the title must be one line".into())]);
    }
    if !root.join(CONFIG_FILE).is_file() {
        return Err(vec![
            arg_error(format!(
                "{} is not an archive: it has no {CONFIG_FILE}",
                root.display()
            ))
            .with_help("run `accord new` in the archive's folder, or name it with --root; `accord init` makes a new archive"),
        ]);
    }
    let config = Config::load(root)?;
    let registry = Registry::load(root)?;
    let mut diags = Vec::new();
    if let Some(lang) = &req.lang
        && !LANGUAGES.contains(&lang.as_str())
    {
        diags.push(
            arg_error(format!("`{lang}` is not a language of accord"))
                .with_help(format!("use one of {}", LANGUAGES.join(", "))),
        );
    }
    for name in &req.cities {
        if registry.resolve(name).is_none() {
            let near = registry.suggest(name);
            let add = format!(
                "a new city needs an entry in {REGISTRY_FILE}; another spelling of a known city goes in its `aliases`"
            );
            let help = if near.is_empty() {
                add
            } else {
                format!("did you mean {}? Otherwise: {add}", near.join(" or "))
            };
            diags.push(arg_error(format!("unknown city `{name}`")).with_help(help));
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }

    let slug = slugify(title);
    let rel = Path::new(CONTENT_DIR)
        .join(req.kind.section())
        .join(format!("{slug}.md"));
    let text = record_text(req, title, req.date.unwrap_or(today), &config.language);
    let path = root.join(&rel);
    let created =
        fs::create_dir_all(root.join(CONTENT_DIR).join(req.kind.section())).and_then(|()| {
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
        });
    match created {
        Ok(mut f) => f.write_all(text.as_bytes()).map_err(|e| {
            vec![Diagnostic::error(
                Code::Write,
                &rel,
                Pos::UNKNOWN,
                format!("cannot write: {e}"),
            )]
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(vec![
                Diagnostic::error(
                    Code::Argument,
                    &rel,
                    Pos::UNKNOWN,
                    "this record exists already; nothing was written",
                )
                .with_help("edit that file, or give the new record another title"),
            ]);
        }
        Err(e) => {
            return Err(vec![Diagnostic::error(
                Code::Write,
                &rel,
                Pos::UNKNOWN,
                format!("cannot create: {e}"),
            )]);
        }
    }
    Ok(rel)
}

/// The text of a new record: the known fields filled in, the others commented out
/// with an example, each with a word on what it takes, in the record's language
/// (`req.lang`, else the archive's `default_lang`); the summary and the body hold
/// placeholders.
fn record_text(req: &NewRecord, title: &str, date: PartialDate, default_lang: &str) -> String {
    let lang = req.lang.as_deref().unwrap_or(default_lang);
    let p = Phrases::of(lang);
    let commented = |key: &str| (format!("# {key}: {}", p.example(key)), p.field(key));
    // The language is written only when it is not the archive's.
    let lang_line = if lang == default_lang {
        format!("# lang: {lang}")
    } else {
        format!("lang: {lang}")
    };
    let mut lines: Vec<(String, &str)> = vec![
        (format!("title: {}", yaml_scalar(title)), ""),
        (format!("date: {date}"), p.field("date")),
        ("# end: 2026-12".into(), p.field("end")),
        (
            format!("cities: {}", yaml_list(&req.cities)),
            p.field("cities"),
        ),
        commented("organizers"),
        commented("partners"),
        commented("tags"),
        (lang_line, p.field("lang")),
        (
            format!("summary: {}", yaml_scalar(&p.placeholders.summary)),
            p.field("summary"),
        ),
        commented("sources"),
        ("# draft: true".into(), p.field("draft")),
        (
            "# related: [workshops/busan-yokohama-port-workshop]".into(),
            p.field("related"),
        ),
    ];
    let program = || {
        let example = "# program: ../programs/seoul-beijing-air-quality.md";
        (example.to_string(), p.field("program"))
    };
    match req.kind {
        Kind::Program => lines.extend([
            ("# code: \"11-1-2\"".to_string(), p.field("code")),
            ("# status: ongoing".into(), p.field("status")),
            commented("budget"),
            commented("pairs"),
        ]),
        Kind::Trip => lines.extend([
            ("# travelers: 3".to_string(), p.field("travelers")),
            ("# purpose: …".into(), p.field("purpose")),
            (
                "# cost: {amount: 3200000, currency: KRW}".into(),
                p.field("cost"),
            ),
            program(),
        ]),
        Kind::Workshop => lines.extend([
            ("# venue: …".to_string(), p.field("venue")),
            ("# format: workshop".into(), p.field("format")),
            commented("participants"),
            program(),
            (
                "# series: green-purchasing-network".into(),
                p.field("series"),
            ),
            ("# number: 4".into(), p.field("number")),
        ]),
    }
    let width = lines
        .iter()
        .filter(|(_, c)| !c.is_empty())
        .map(|(l, _)| l.width())
        .max()
        .unwrap_or(0)
        .min(40);
    let mut out = String::from("---\n");
    for (line, comment) in lines {
        out.push_str(&line);
        if !comment.is_empty() {
            let pad = (width + 2).saturating_sub(line.width()).max(2);
            out.push_str(&" ".repeat(pad));
            out.push_str("# ");
            out.push_str(comment);
        }
        out.push('\n');
    }
    out.push_str("---\n\n");
    out.push_str(&p.placeholders.body);
    out.push('\n');
    out
}

/// `s` as a YAML scalar that reads back as the same string, in block or flow context:
/// plain when that is safe, double-quoted (JSON syntax) otherwise.
fn yaml_scalar(s: &str) -> String {
    let plain_safe = !s.is_empty()
        && s.trim() == s
        && s.chars().all(|c| {
            c.is_alphanumeric()
                || is_combining_mark(c)
                || matches!(
                    c,
                    ' ' | '-' | '_' | '.' | '(' | ')' | '·' | '・' | '–' | '—'
                )
        })
        && !s.starts_with(['-', '.'])
        && s.parse::<f64>().is_err()
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null" | "nan" | "inf"
        );
    if plain_safe {
        s.to_string()
    } else {
        serde_json::Value::String(s.to_string()).to_string()
    }
}

fn yaml_list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|s| yaml_scalar(s.trim())).collect();
    format!("[{}]", items.join(", "))
}

/// Today's date in UTC, the default date of a new record.
pub fn today_utc() -> PartialDate {
    crate::date::today_utc()
}

/// The files of a new archive in `language`: path relative to its root, text.
fn archive_files(title: &str, language: &str) -> Vec<(&'static str, String)> {
    let files = lang_files(language);
    let config = files
        .config
        .replace("{title}", &yaml_scalar(title))
        .replace("{language}", language);
    vec![
        (CONFIG_FILE, config),
        (
            REGISTRY_FILE,
            format!(
                "{}{}",
                files.cities_comment,
                include_str!("scaffold/cities.yaml")
            ),
        ),
        (
            "content/programs/seoul-beijing-air-quality.md",
            files.program.into(),
        ),
        (
            "content/trips/kitakyushu-shanghai-study-visit.md",
            files.trip.into(),
        ),
        (
            "content/workshops/busan-yokohama-port-workshop.md",
            files.workshop.into(),
        ),
        (".gitignore", include_str!("scaffold/gitignore").into()),
        ("README.md", files.readme.replace("{title}", title)),
    ]
}

/// What `accord init` writes besides the archive itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras {
    /// The CI configuration (`--ci`).
    pub ci: Ci,
    /// The web editor (`--cms`), if any: `static/admin/`.
    pub cms: Option<Cms>,
}

/// The files of an archive besides `archive_files`, which it completes: the CI
/// configuration of `extras`, and editor support (schemas, the schema lines of the
/// YAML files, VS Code settings).
fn extra_files(extras: Extras, files: &mut [(&'static str, String)]) -> Vec<(String, String)> {
    let registry = files
        .iter()
        .find(|(rel, _)| *rel == REGISTRY_FILE)
        .and_then(|(_, text)| Registry::parse(text).ok())
        .unwrap_or_default();
    editor::add_schema_lines(files);
    let organizations = crate::organizations::Organizations::default();
    let mut out = editor::schema_files(&registry, &organizations);
    out.extend(
        [ci::file(extras.ci), editor::vscode_settings()]
            .into_iter()
            .map(|(rel, text)| (rel.to_string(), text)),
    );
    out
}

/// Writes a new archive into `dir`, which must not exist or be empty. Returns the
/// files written, relative to `dir`.
pub fn init(dir: &Path, language: &str) -> Result<Vec<PathBuf>, Diagnostic> {
    init_with(dir, language, Extras::default())
}

/// `init`, with the CI configuration and the rest of `extras`.
pub fn init_with(dir: &Path, language: &str, extras: Extras) -> Result<Vec<PathBuf>, Diagnostic> {
    let err = |msg: String| Diagnostic::error(Code::Argument, dir, Pos::UNKNOWN, msg);
    let write_err = |msg: String| Diagnostic::error(Code::Write, dir, Pos::UNKNOWN, msg);
    if !LANGUAGES.contains(&language) {
        return Err(err(format!("`{language}` is not a language of accord"))
            .with_help(format!("use one of {}", LANGUAGES.join(", "))));
    }
    if dir.exists() {
        let empty = fs::read_dir(dir)
            .map_err(|e| err(format!("cannot read the directory: {e}")))?
            .next()
            .is_none();
        if !empty {
            return Err(
                err("the directory exists and is not empty; nothing was written".into())
                    .with_help("choose a new directory name, or empty that directory first"),
            );
        }
    }
    let title = dir
        .canonicalize()
        .ok()
        .or_else(|| Some(dir.to_path_buf()))
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "archive".into());
    let mut written = Vec::new();
    let mut files = archive_files(&title, language);
    let extra = extra_files(extras, &mut files);
    let files = files
        .into_iter()
        .map(|(rel, text)| (rel.to_string(), text))
        .chain(extra);
    for (rel, text) in files {
        let path = dir.join(&rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| write_err(format!("cannot create {}: {e}", parent.display())))?;
        }
        fs::write(&path, text).map_err(|e| write_err(format!("cannot write {rel}: {e}")))?;
        written.push(PathBuf::from(rel));
    }
    if let Some(cms) = extras.cms {
        let admin = cms::write(dir, Some(cms)).map_err(|mut d| d.remove(0))?;
        written.extend(admin);
    }
    Ok(written)
}

/// Writes `files` (path relative to `root`, text) under `root`, replacing files of the
/// same name, and returns their paths.
fn write_files(root: &Path, files: Vec<(String, String)>) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    let mut written = Vec::new();
    for (rel, text) in files {
        let path = root.join(&rel);
        let result = path
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|()| fs::write(&path, text));
        if let Err(e) = result {
            let msg = format!("cannot write: {e}");
            return Err(vec![Diagnostic::error(
                Code::Write,
                &rel,
                Pos::UNKNOWN,
                msg,
            )]);
        }
        written.push(PathBuf::from(rel));
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths::{MAX_SLUG_CHARS, check_slug};
    use unicode_normalization::UnicodeNormalization;

    #[test]
    fn slugs_keep_every_script_readable() {
        let cases = [
            (
                "서울–요코하마 기후 포럼 2025",
                "서울-요코하마-기후-포럼-2025",
            ),
            ("北九州市・上海市「環境協力」", "北九州市-上海市-環境協力"),
            ("上海市 生态环境局 交流会", "上海市-生态环境局-交流会"),
            ("Seoul–Yokohama ASCC (2025)", "seoul-yokohama-ascc-2025"),
            ("Seoul's \"Green\" Forum!", "seouls-green-forum"),
            ("한·중·일 환경장관회의", "한-중-일-환경장관회의"),
            ("２０２５年 ＡＳＣＣ 参加", "2025年-ascc-参加"),
            ("  --  ", "record"),
            ("CON", "con-record"),
        ];
        for (title, slug) in cases {
            assert_eq!(slugify(title), slug, "{title}");
            assert!(check_slug(&slugify(title)).is_ok(), "{title}");
        }
    }

    #[test]
    fn decomposed_hangul_gives_the_same_slug() {
        let nfd: String = "서울 포럼".nfd().collect();
        assert_ne!(nfd, "서울 포럼");
        assert_eq!(slugify(&nfd), "서울-포럼");
    }

    #[test]
    fn long_titles_are_cut_on_a_word_boundary() {
        let title = "동북아 대도시 대기환경협의체 구성 및 대기개선 노하우 공유를 위한 실무 협의와 공동 연구 및 전문가 교류 추진 계획 수립과 후속 조치";
        let slug = slugify(title);
        assert!(slug.chars().count() <= MAX_SLUG_CHARS, "{slug}");
        assert!(!slug.ends_with('-'));
        assert!(title.replace(' ', "-").starts_with(&slug));
    }

    #[test]
    fn scalars_read_back_as_written() {
        for s in [
            "서울",
            "Jung-gu, Daegu",
            "a: b",
            "#hash",
            "yes",
            "2025",
            "[x]",
            "'quoted'",
            "\"double\"",
            "back\\slash",
            "- dash",
        ] {
            let yaml = format!(
                "v: {}\nl: {}\n",
                yaml_scalar(s),
                yaml_list(&[s.to_string()])
            );
            let v: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
            assert_eq!(v["v"].as_str(), Some(s), "{yaml}");
            assert_eq!(v["l"][0].as_str(), Some(s), "{yaml}");
        }
    }

    #[test]
    fn every_language_has_every_phrase_and_its_own_placeholders() {
        let en = Phrases::of("en");
        for (lang, files) in &LANG_FILES {
            let p = Phrases::of(lang);
            let keys = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>();
            assert_eq!(keys(&p.fields), keys(&en.fields), "{lang}");
            assert_eq!(keys(&p.examples), keys(&en.examples), "{lang}");
            if *lang != "en" {
                assert_ne!(p.placeholders.summary, en.placeholders.summary, "{lang}");
                assert_ne!(p.placeholders.body, en.placeholders.body, "{lang}");
            }
            for example in [files.program, files.trip, files.workshop] {
                assert!(example.contains(&format!("\nlang: {lang}\n")), "{lang}");
                assert!(example.contains("\ndraft: true "), "{lang}");
            }
        }
        // A language accord has no files for gets English; `zh-Hant` gets Chinese.
        assert!(std::ptr::eq(Phrases::of("fr"), en));
        assert!(std::ptr::eq(Phrases::of("zh-Hant"), Phrases::of("zh")));
        assert_eq!(placeholders().count(), 4);
    }
}
