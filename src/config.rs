//! Site configuration: `accord.yaml` at the site root, read into a validated `Config`.

use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic};
use crate::yaml::{Block, Fields};

pub const CONFIG_FILE: &str = "accord.yaml";

pub(crate) const KEYS: &[&str] = &[
    "title",
    "description",
    "base_url",
    "language",
    "languages",
    "theme",
    "paginate_by",
    "allow_html",
    "years",
    "data_license",
    "git_dates",
    "repo_url",
];

/// The years a record may be dated in when `accord.yaml` does not say (`years: {min,
/// max}`): wide enough for the history of any partnership, narrow enough that a
/// mistyped year (`0201`, `9999`) is caught instead of putting a record on a year page
/// and a chart row 8,000 years away. Every year from the first to the last record is a
/// row of the year charts.
pub const DEFAULT_YEARS: YearRange = YearRange {
    min: 1900,
    max: 2100,
};

/// The years records may be dated in, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearRange {
    pub min: i32,
    pub max: i32,
}

impl YearRange {
    pub fn contains(&self, year: i32) -> bool {
        (self.min..=self.max).contains(&year)
    }
}

/// `years:` as written: either bound may be left out.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct YearsField {
    min: Option<i32>,
    max: Option<i32>,
}

/// The licence of the downloads when `accord.yaml` names none: Creative Commons
/// Attribution 4.0, which lets anyone reuse the data with credit to the archive.
pub const DEFAULT_DATA_LICENSE: &str = "CC-BY-4.0";

/// Languages the default theme has strings for (others fall back to English strings).
pub const LANGUAGES: &[&str] = &["ko", "ja", "zh", "en"];

/// The validated configuration of a site.
#[derive(Debug, Clone)]
pub struct Config {
    pub root: PathBuf,
    pub title: String,
    pub description: String,
    /// Absolute, always ends with `/`.
    pub base_url: String,
    /// The path part of `base_url`, starts and ends with `/`.
    pub base_path: String,
    /// The default language: the first of `languages`.
    pub language: String,
    /// The languages of the site's editions, the default first: `languages:`, or
    /// `language:` alone for a site of one edition.
    pub languages: Vec<String>,
    pub theme: String,
    pub paginate_by: usize,
    /// Pass raw HTML in Markdown through instead of escaping it.
    pub allow_html: bool,
    /// The years records may be dated in (`date` and `end`).
    pub years: YearRange,
    /// The licence of the downloads under `/data/`, an SPDX id (`CC-BY-4.0`).
    pub data_license: String,
    /// Take each record's first and last commit dates from the git history.
    pub git_dates: bool,
    /// Where the archive's sources are browsed (`https://github.com/org/archive`):
    /// each record links its file there ("edit this page"). Without `/` at the end.
    pub repo_url: Option<String>,
}

impl Config {
    /// Reads `ROOT/accord.yaml`; a missing file gives the defaults.
    pub fn load(root: &Path) -> Result<Config, Vec<Diagnostic>> {
        let path = root.join(CONFIG_FILE);
        if path.symlink_metadata().is_err() {
            return Config::parse(root, "");
        }
        // Size limit, encoding, BOM and line ends as for records.
        match crate::source::read_text(&path) {
            Ok(text) => Config::parse(root, &text),
            Err((pos, message, help)) => {
                let mut d = Diagnostic::error(Code::Read, CONFIG_FILE, pos, message);
                d.help = help;
                Err(vec![d])
            }
        }
    }

    /// `load`, with `base_url` in place of accord.yaml's when given (`--base-url`).
    pub fn load_with_base_url(
        root: &Path,
        base_url: Option<&str>,
    ) -> Result<Config, Vec<Diagnostic>> {
        let mut config = Config::load(root)?;
        if let Some(url) = base_url {
            config.set_base_url(url).map_err(|d| vec![d])?;
        }
        Ok(config)
    }

    /// Publishes under `url` instead of the configured `base_url`: an error naming the
    /// command line when it is not an absolute http(s) URL.
    pub fn set_base_url(&mut self, url: &str) -> Result<(), Diagnostic> {
        let (base_url, base_path) = split_base_url(url).map_err(|msg| {
            Diagnostic::error(
                Code::Argument,
                "",
                crate::diag::Pos::UNKNOWN,
                format!("--base-url: {}", msg.replace("`base_url`", "the address")),
            )
            .with_help("give an absolute URL such as `https://user.github.io/repo/`")
        })?;
        self.base_url = base_url;
        self.base_path = base_path;
        Ok(())
    }

    pub fn parse(root: &Path, text: &str) -> Result<Config, Vec<Diagnostic>> {
        let rel = Path::new(CONFIG_FILE);
        let block = Block::new(rel, text, 1);
        let (map, spans) = block.parse_mapping("accord.yaml").map_err(|d| vec![d])?;
        let mut f = Fields::new(block, &spans, map, KEYS, "accord.yaml");
        f.refuse_control_characters();
        let title: String = f.take("title").unwrap_or_else(|| "accord".to_string());
        let description: String = f.take("description").unwrap_or_default();
        let base_url: String = f
            .take("base_url")
            .unwrap_or_else(|| "http://localhost/".to_string());
        let one: Option<String> = f.take("language");
        let languages: Vec<String> = f.take("languages").unwrap_or_default();
        let language = languages
            .first()
            .cloned()
            .or_else(|| one.clone())
            .unwrap_or_else(|| "en".to_string());
        let theme: String = f.take("theme").unwrap_or_else(|| "default".to_string());
        let paginate_by: usize = f.take("paginate_by").unwrap_or(20);
        let allow_html: bool = f.take("allow_html").unwrap_or(false);
        let years = f
            .take::<YearsField>("years")
            .map_or(DEFAULT_YEARS, |y| YearRange {
                min: y.min.unwrap_or(DEFAULT_YEARS.min),
                max: y.max.unwrap_or(DEFAULT_YEARS.max),
            });

        let (data_license, git_dates, repo_url) = open_data_fields(&mut f);
        let (base_url, base_path) = match split_base_url(&base_url) {
            Ok(v) => v,
            Err(msg) => {
                f.error(
                Code::InvalidUrl,
                    f.value_pos("base_url", &[]),
                    msg,
                    Some("write an absolute URL such as `https://example.org/` or `https://example.org/archive/`".into()),
                );
                ("http://localhost/".to_string(), "/".to_string())
            }
        };
        if paginate_by == 0 {
            f.error(
                Code::InvalidValue,
                f.value_pos("paginate_by", &[]),
                "`paginate_by` must be at least 1",
                None,
            );
        }
        check_languages(&mut f, one.as_deref(), &languages);
        if theme.is_empty() || theme.contains(['/', '\\']) || theme.starts_with('.') {
            f.error(
                Code::InvalidValue,
                f.value_pos("theme", &[]),
                format!("`{theme}` is not a theme name"),
                None,
            );
        }
        if years.min > years.max || years.min < 0 || years.max > 9999 {
            f.error(
                Code::InvalidValue,
                f.key_pos("years"),
                format!(
                    "`years` must be a range of four-digit years, `min` up to `max`: not {}..{}",
                    years.min, years.max
                ),
                Some("e.g. `years: {min: 1950, max: 2100}`".into()),
            );
        }
        let diags = f.finish();
        if !diags.is_empty() {
            return Err(diags);
        }
        Ok(Config {
            root: root.to_path_buf(),
            title,
            description,
            base_url,
            base_path,
            languages: if languages.is_empty() {
                vec![language.clone()]
            } else {
                languages
            },
            language,
            theme,
            paginate_by,
            allow_html,
            years,
            data_license,
            git_dates,
            repo_url: repo_url.map(|u| u.trim_end_matches('/').to_string()),
        })
    }
}

/// `language:` and `languages:`: language codes, none twice, and `language:` the
/// first of `languages:` when both are given.
fn check_languages(f: &mut Fields<'_>, one: Option<&str>, languages: &[String]) {
    let not_a_code = |lang: &str| format!("`{lang}` is not a language code");
    let help = || Some(format!("use one of {}", LANGUAGES.join(", ")));
    if let Some(lang) = one.filter(|l| !is_lang_code(l)) {
        f.error(
            Code::InvalidValue,
            f.value_pos("language", &[]),
            not_a_code(lang),
            help(),
        );
    }
    for (i, lang) in languages.iter().enumerate() {
        let pos = f.value_pos("languages", &[i.into()]);
        if !is_lang_code(lang) {
            f.error(Code::InvalidValue, pos, not_a_code(lang), help());
        } else if languages[..i].contains(lang) {
            f.error(
                Code::InvalidValue,
                pos,
                format!("`{lang}` is listed twice in `languages`"),
                None,
            );
        }
    }
    if let (Some(lang), Some(first)) = (one, languages.first())
        && lang != first
    {
        f.error(
            Code::InvalidValue,
            f.value_pos("language", &[]),
            format!("`language: {lang}` is not the first of `languages` ({first})"),
            Some("the first of `languages` is the default language: leave `language` out".into()),
        );
    }
}

/// `data_license`, `git_dates` and `repo_url`, checked.
fn open_data_fields(f: &mut Fields<'_>) -> (String, bool, Option<String>) {
    let data_license: String = f
        .take("data_license")
        .unwrap_or_else(|| DEFAULT_DATA_LICENSE.to_string());
    let git_dates: bool = f.take("git_dates").unwrap_or(false);
    let repo_url: Option<String> = f.take("repo_url");
    if let Some(url) = &repo_url
        && split_base_url(url).is_err()
    {
        f.error(
            Code::InvalidUrl,
            f.value_pos("repo_url", &[]),
            format!("`repo_url` must be an absolute http(s) URL, not `{url}`"),
            Some("e.g. `repo_url: https://github.com/org/archive`".into()),
        );
    }
    if data_license.trim().is_empty() || data_license.contains(char::is_whitespace) {
        f.error(
            Code::InvalidValue,
            f.value_pos("data_license", &[]),
            format!("`{data_license}` is not a licence id"),
            Some("write an SPDX id such as CC-BY-4.0, CC0-1.0 or ODbL-1.0".into()),
        );
    }
    (data_license, git_dates, repo_url)
}

/// A language code such as `ko`, `en` or `zh-Hant`.
pub fn is_lang_code(s: &str) -> bool {
    let mut parts = s.split('-');
    let first = parts.next().unwrap_or("");
    (2..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && parts
            .all(|p| !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Whether `url` can be a `base_url`: an absolute http(s) URL with a plain path.
pub fn check_base_url(url: &str) -> Result<(), String> {
    split_base_url(url).map(|_| ())
}

/// Splits `https://host/sub/` into the normalised URL and its path `/sub/`.
fn split_base_url(url: &str) -> Result<(String, String), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("`base_url` must start with http:// or https://, not `{url}`"))?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '?' || c == '#') {
        return Err(format!("`base_url` has no valid host: `{url}`"));
    }
    if path.contains(['?', '#', '"', '<', '>', '\\']) || path.contains(char::is_whitespace) {
        return Err(format!("`base_url` path must be a plain path: `{url}`"));
    }
    let mut path = path.to_string();
    if !path.ends_with('/') {
        path.push('/');
    }
    let scheme_len = url.len() - rest.len();
    Ok((format!("{}{}{}", &url[..scheme_len], host, path), path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_sub_path_is_kept() {
        let (url, path) = split_base_url("https://example.org/archive").unwrap();
        assert_eq!(url, "https://example.org/archive/");
        assert_eq!(path, "/archive/");
        assert_eq!(split_base_url("https://example.org").unwrap().1, "/");
        assert!(split_base_url("example.org").is_err());
    }

    #[test]
    fn base_url_from_the_command_line_replaces_the_configured_one() {
        let mut c = Config::parse(Path::new("."), "base_url: https://example.org/\n").unwrap();
        c.set_base_url("https://user.github.io/repo").unwrap();
        assert_eq!(c.base_url, "https://user.github.io/repo/");
        assert_eq!(c.base_path, "/repo/");
        let err = c.set_base_url("user.github.io/repo").unwrap_err();
        assert_eq!(err.code, Code::Argument);
        assert!(err.message.starts_with("--base-url:"), "{}", err.message);
        assert_eq!(c.base_path, "/repo/");
    }

    #[test]
    fn years_default_to_a_sane_range_and_can_be_set() {
        let c = Config::parse(Path::new("."), "title: x\n").unwrap();
        assert_eq!(c.years, DEFAULT_YEARS);
        let c = Config::parse(Path::new("."), "years: {min: 1950}\n").unwrap();
        assert_eq!(
            c.years,
            YearRange {
                min: 1950,
                max: 2100
            }
        );
        let err =
            Config::parse(Path::new("."), "title: x\nyears: {min: 2000, max: 1990}\n").unwrap_err();
        assert_eq!((err.len(), err[0].line), (1, 2), "{err:?}");
        let err = Config::parse(Path::new("."), "years: {from: 1}\n").unwrap_err();
        assert!(err[0].message.contains("from"), "{}", err[0]);
    }

    #[test]
    fn unknown_keys_are_errors_with_a_hint() {
        let err = Config::parse(Path::new("."), "title: x\npaginateby: 3\n").unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].line, 2);
        assert!(
            err[0].help.as_deref().unwrap().contains("paginate_by"),
            "{}",
            err[0]
        );
    }
}
