//! Web editing: `static/admin/index.html` and `static/admin/config.yml` for Decap CMS
//! or Sveltia CMS (`accord init --cms`, `accord cms`), so that officials who do not
//! use git edit records in a browser. The form of each kind is made from the JSON
//! Schema of its front matter (`schema::front_matter`), field by field, so the forms
//! ask for what `accord schema` describes and `accord check` accepts: partial dates as
//! strings checked with the schema's pattern, cities as a choice among the registry's
//! ids named in the archive's language, budgets as objects, lists as lists, the body
//! as Markdown. Builds the files' text; `write` writes them.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::kind::{COMMON_FIELDS, Kind, TEXT_FIELDS};
use crate::organizations::Organizations;
use crate::registry::Registry;
use crate::schema;
use crate::source::CONTENT_DIR;

/// Where the admin page and its configuration go, relative to the archive's root.
pub const ADMIN_DIR: &str = "static/admin";

/// The web editor an archive uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cms {
    /// Decap CMS (formerly Netlify CMS).
    Decap,
    /// Sveltia CMS, which reads Decap's configuration and edits translations too.
    Sveltia,
}

/// The script of each editor: pinned to one version, with its Subresource Integrity
/// hash (SHA-384 of the file in that version's npm package, which unpkg serves).
const DECAP_VERSION: &str = "3.16.3";
const DECAP_INTEGRITY: &str =
    "sha384-A/Gdn928CNLufmnGWGs9RM4Q9o8bSNLeJERqBFrBjwzL7FRpoLT3MPF8Tl0+Wd2p";
const SVELTIA_VERSION: &str = "0.221.1";
const SVELTIA_INTEGRITY: &str =
    "sha384-JQ+XsKx/UzwdTiNnFStza3XtqqQoVtyNPApkfvwlzZDfhe7giE9CnfQrpHqgv3k6";

impl Cms {
    /// `decap` or `sveltia`.
    pub fn from_id(id: &str) -> Option<Cms> {
        match id {
            "decap" => Some(Cms::Decap),
            "sveltia" => Some(Cms::Sveltia),
            _ => None,
        }
    }

    /// The address of the editor's script, at its pinned version.
    pub fn script_url(self) -> String {
        match self {
            Cms::Decap => {
                format!("https://unpkg.com/decap-cms@{DECAP_VERSION}/dist/decap-cms.js")
            }
            Cms::Sveltia => {
                format!("https://unpkg.com/@sveltia/cms@{SVELTIA_VERSION}/dist/sveltia-cms.js")
            }
        }
    }

    fn integrity(self) -> &'static str {
        match self {
            Cms::Decap => DECAP_INTEGRITY,
            Cms::Sveltia => SVELTIA_INTEGRITY,
        }
    }

    /// The editor an existing admin page loads.
    fn of_page(html: &str) -> Option<Cms> {
        [Cms::Decap, Cms::Sveltia]
            .into_iter()
            .find(|c| html.contains(&c.script_url()) || html.contains(c.package()))
    }

    fn package(self) -> &'static str {
        match self {
            Cms::Decap => "/decap-cms@",
            Cms::Sveltia => "/@sveltia/cms@",
        }
    }
}

/// `static/admin/index.html`: the page that loads the editor.
pub(super) fn admin_page(cms: Cms) -> String {
    format!(
        r#"<!doctype html>
<html>
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>Content manager</title>
  <link href="config.yml" type="text/yaml" rel="cms-config-url">
</head>
<body>
  <!-- Written by `accord cms`; `accord cms` writes it again. -->
  <script src="{}" integrity="{}" crossorigin="anonymous"></script>
</body>
</html>
"#,
        cms.script_url(),
        cms.integrity()
    )
}

/// What the configuration is made from: the archive's configuration and registry.
pub(super) struct Archive<'a> {
    pub(super) config: &'a Config,
    pub(super) registry: &'a Registry,
    /// Its organization registry (empty without one): the names `organizers` and
    /// `partners` are told to use.
    pub(super) organizations: &'a Organizations,
}

/// `static/admin/config.yml`.
pub(super) fn config_file(cms: Cms, archive: &Archive<'_>) -> String {
    let text = serde_yaml::to_string(&config(cms, archive)).expect("the configuration serialises");
    format!(
        "# Written by `accord cms` from the archive's schema (`accord schema`), its registry\n\
         # and its languages: run `accord cms` again after they change rather than edit\n\
         # this file.\n\
         # The backend: see docs/publish.md, \"Editing in the browser\".\n{text}"
    )
}

/// The configuration of `cms` for `archive`, as a value.
pub(super) fn config(cms: Cms, archive: &Archive<'_>) -> Value {
    let languages = &archive.config.languages;
    let mut out = json!({
        "backend": backend(archive.config.repo_url.as_deref()),
        // Uploads go to the site's static files, linked under the path of `base_url`
        // (Markdown links from `/` are not rewritten). Not next to the record: with a
        // media folder relative to the entry, Decap 3.16 cannot open an existing record.
        "media_folder": "static/media",
        "public_folder": format!("{}media", archive.config.base_path),
        "locale": ui_locale(&archive.config.language),
        "collections": Kind::ALL.iter().map(|&k| collection(cms, k, archive)).collect::<Vec<_>>(),
    });
    // Translations are `foo.<lang>.md` next to `foo.md`: Sveltia writes them so;
    // Decap would name the original `foo.<default>.md` too, so it edits originals only.
    if cms == Cms::Sveltia && languages.len() > 1 {
        out["i18n"] = json!({
            "structure": "multiple_files",
            "locales": languages,
            "default_locale": languages[0],
            "omit_default_locale_from_file_path": true,
        });
    }
    out
}

/// The GitHub repository and branch of `repo_url` when it is on GitHub
/// (`https://github.com/org/archive`, or `…/edit/<branch>`, `…/tree/<branch>`); a
/// placeholder to fill in otherwise.
fn backend(repo_url: Option<&str>) -> Value {
    let parts: Vec<&str> = repo_url
        .and_then(|u| u.strip_prefix("https://github.com/"))
        .map(|r| r.split('/').filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    let (repo, branch) = match parts.as_slice() {
        [owner, name, rest @ ..] => {
            let branch = match rest {
                [_, branch, ..] => branch,
                _ => "main",
            };
            (format!("{owner}/{}", name.trim_end_matches(".git")), branch)
        }
        _ => ("OWNER/REPOSITORY".to_string(), "main"),
    };
    json!({"name": "github", "repo": repo, "branch": branch})
}

/// The editor's interface language for the archive's language (Decap's names).
fn ui_locale(lang: &str) -> &str {
    match lang {
        "zh" => "zh_Hans",
        other => other,
    }
}

fn collection(cms: Cms, kind: Kind, archive: &Archive<'_>) -> Value {
    let fm = schema::front_matter(kind, archive.registry);
    let ctx = Widgets::new(archive);
    let translated = cms == Cms::Sveltia && archive.config.languages.len() > 1;
    let mut fields: Vec<Value> = form_fields(kind, &fm)
        .into_iter()
        .filter_map(|(name, s, required)| ctx.field(name, s, required))
        .collect();
    // Organizers and partners stay free text (a new one is a warning, not an error); the
    // hint names the registry's organizations, in the archive's language.
    let orgs = archive.organizations;
    if !orgs.list.is_empty() {
        let lang = &archive.config.language;
        let known: Vec<&str> = (0..orgs.list.len()).map(|i| orgs.name(i, lang)).collect();
        for f in &mut fields {
            if matches!(f["name"].as_str(), Some("organizers" | "partners")) {
                let hint = f["hint"].as_str().unwrap_or_default();
                f["hint"] = json!(format!("{hint} Known: {}.", known.join("; ")));
            }
        }
    }
    fields.push(json!({"label": "Body", "name": "body", "widget": "markdown", "required": false}));
    if translated {
        for f in &mut fields {
            let name = f["name"].as_str().unwrap_or_default();
            if name == "body" || TEXT_FIELDS.contains(&name) {
                f["i18n"] = json!(true);
            }
        }
    }
    let mut c = json!({
        "name": kind.id(),
        "label": label(kind.section()),
        "label_singular": label(kind.id()),
        "folder": format!("{CONTENT_DIR}/{}", kind.section()),
        "create": true,
        "extension": "md",
        "format": "frontmatter",
        "slug": "{{slug}}",
        "identifier_field": "title",
        "summary": "{{title}} ({{date}})",
        "sortable_fields": ["date", "title"],
        "fields": fields,
    });
    if translated {
        c["i18n"] = json!(true);
    }
    c
}

/// The fields of a front matter schema in the order of the form: the common fields,
/// then the kind's own, as `content` reads them; whether each is required.
fn form_fields(kind: Kind, fm: &Value) -> Vec<(&'static str, &Value, bool)> {
    let props = fm["properties"]
        .as_object()
        .expect("a schema has properties");
    let required = |name: &str| {
        fm["required"]
            .as_array()
            .is_some_and(|r| r.iter().any(|v| v == name))
    };
    COMMON_FIELDS
        .iter()
        .chain(kind.own_fields())
        .filter_map(|&name| props.get(name).map(|s| (name, s, required(name))))
        .collect()
}

/// `by_year` → `By year`.
fn label(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

/// Turns schemas into widgets.
struct Widgets {
    /// The schema of one city (`schema::city_name`).
    city: Value,
    /// The registry's cities: label (the name in the archive's language), value (id).
    city_options: Vec<Value>,
}

impl Widgets {
    fn new(archive: &Archive<'_>) -> Widgets {
        let registry = archive.registry;
        let lang = &archive.config.language;
        let city_options = (0..registry.cities.len())
            .map(|id| json!({"label": registry.name(id, lang), "value": registry.cities[id].id}))
            .collect();
        Widgets {
            city: schema::city_name(registry),
            city_options,
        }
    }

    /// The widget of a field `name` whose schema is `s`; `None` for what a form cannot
    /// hold (free objects such as `extra` and `by_year`, kept as written).
    fn field(&self, name: &str, s: &Value, required: bool) -> Option<Value> {
        let mut w = self.widget(s, required)?;
        w["name"] = json!(name);
        w["label"] = json!(label(name));
        w["required"] = json!(required);
        if let Some(d) = s["description"].as_str() {
            w["hint"] = json!(d);
            // What a value that does not match its pattern is told.
            if w["pattern"].is_array() {
                w["pattern"][1] = json!(d);
            }
        }
        Some(w)
    }

    /// `required`: whether the field must be filled in; an optional object's parts are
    /// optional in the form too (Decap checks them even when the object is left empty).
    fn widget(&self, s: &Value, required: bool) -> Option<Value> {
        if *s == self.city {
            return Some(self.cities(false));
        }
        if let Some(options) = s.get("enum") {
            return Some(json!({"widget": "select", "options": options}));
        }
        if let Some(any) = s["anyOf"].as_array() {
            return Some(Self::either(any));
        }
        match s["type"].as_str()? {
            "string" => Some(string(s)),
            "boolean" => Some(json!({"widget": "boolean"})),
            "integer" | "number" => Some(number(s)),
            "array" => self.list(s),
            "object" => self.object(s, required),
            _ => None,
        }
    }

    /// A choice of cities by id: one, or several (`multiple`).
    fn cities(&self, multiple: bool) -> Value {
        json!({"widget": "select", "multiple": multiple, "options": self.city_options})
    }

    /// A date (a year, or a string of the pattern) is a string of the pattern; a string
    /// or a list of strings is a list.
    fn either(any: &[Value]) -> Value {
        match any.iter().find(|v| v["pattern"].is_string()) {
            Some(pattern) => string(pattern),
            None => json!({"widget": "list"}),
        }
    }

    fn list(&self, s: &Value) -> Option<Value> {
        let items = &s["items"];
        let mut w = if *items == self.city {
            self.cities(true)
        } else if items["type"] == "object" {
            let fields = self.object(items, true)?["fields"].take();
            json!({"widget": "list", "fields": fields})
        } else if items["type"] == "string" {
            json!({"widget": "list"})
        } else {
            // A list of lists (`pairs`): each item is the inner list's widget.
            let mut field = self.widget(items, true)?;
            field["name"] = json!("item");
            field["label"] = json!("Item");
            for (from, to) in [("minItems", "min"), ("maxItems", "max")] {
                if let Some(n) = items.get(from) {
                    field[to] = n.clone();
                }
            }
            json!({"widget": "list", "field": field})
        };
        if let Some(n) = s.get("minItems") {
            w["min"] = n.clone();
        }
        Some(w)
    }

    fn object(&self, s: &Value, required: bool) -> Option<Value> {
        let props = s["properties"].as_object()?;
        let required = |name: &str| {
            required
                && s["required"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|v| v == name))
        };
        let fields: Vec<Value> = props
            .iter()
            .filter_map(|(name, p)| self.field(name, p, required(name)))
            .collect();
        Some(json!({"widget": "object", "fields": fields}))
    }
}

/// A string widget, checked with the schema's pattern when it has one.
fn string(s: &Value) -> Value {
    let mut w = json!({"widget": "string"});
    if let Some(p) = s["pattern"].as_str() {
        w["pattern"] = json!([p, format!("does not match {p}")]);
    }
    w
}

fn number(s: &Value) -> Value {
    let value_type = if s["type"] == "integer" {
        "int"
    } else {
        "float"
    };
    let mut w = json!({"widget": "number", "value_type": value_type});
    for (from, to) in [("minimum", "min"), ("maximum", "max")] {
        if let Some(n) = s.get(from) {
            w[to] = n.clone();
        }
    }
    w
}

/// `accord cms`: writes the admin page and the configuration of the archive at `root`
/// for `cms`, else for the editor its admin page loads, else Decap. Returns the files
/// written, relative to `root`.
pub fn write(root: &Path, cms: Option<Cms>) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    let config = Config::load(root)?;
    let registry = Registry::load(root)?;
    let organizations = Organizations::load(root)?;
    let page = format!("{ADMIN_DIR}/index.html");
    let cms = cms
        .or_else(|| {
            fs::read_to_string(root.join(&page))
                .ok()
                .and_then(|h| Cms::of_page(&h))
        })
        .unwrap_or(Cms::Decap);
    let archive = Archive {
        config: &config,
        registry: &registry,
        organizations: &organizations,
    };
    let files = [
        (page, admin_page(cms)),
        (
            format!("{ADMIN_DIR}/config.yml"),
            config_file(cms, &archive),
        ),
    ];
    super::write_files(root, files.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CITIES: &str = "\
seoul: {name: {ko: 서울, en: Seoul, ja: ソウル, zh: 首尔}, country: KR}
beijing: {name: {ko: 베이징, en: Beijing, ja: 北京, zh: 北京}, country: CN}
";

    const ORGANIZATIONS: &str = "\
iclei-east-asia: {name: {ko: ICLEI 동아시아본부, en: ICLEI East Asia Secretariat}, kind: network}
seoul-government: {name: {ko: 서울특별시, en: Seoul Metropolitan Government}, kind: city-government}
";

    fn config_of(cms: Cms, accord_yaml: &str) -> Value {
        let parsed = Config::parse(Path::new("."), accord_yaml).unwrap();
        let registry = Registry::parse(CITIES).unwrap();
        config(
            cms,
            &Archive {
                config: &parsed,
                registry: &registry,
                organizations: &Organizations::parse(ORGANIZATIONS).unwrap(),
            },
        )
    }

    fn field<'a>(c: &'a Value, kind: Kind, name: &str) -> &'a Value {
        let collection = c["collections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == kind.id())
            .unwrap();
        collection["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("{kind:?} has no field {name}"))
    }

    #[test]
    fn every_field_of_the_content_model_has_a_widget_but_free_objects() {
        let c = config_of(Cms::Decap, "language: ko\n");
        let registry = Registry::parse(CITIES).unwrap();
        for kind in Kind::ALL {
            let schema = schema::front_matter(kind, &registry);
            for name in schema["properties"].as_object().unwrap().keys() {
                if name != "extra" {
                    field(&c, kind, name);
                }
            }
            assert_eq!(field(&c, kind, "body")["widget"], "markdown");
            assert_eq!(field(&c, kind, "title")["required"], true);
            assert_eq!(field(&c, kind, "end")["required"], false);
        }
        // A budget is an object; its amounts by year are a free map, kept as written.
        let budget = field(&c, Kind::Program, "budget");
        assert_eq!(budget["widget"], "object");
        let parts: Vec<&Value> = budget["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| &f["name"])
            .collect();
        assert_eq!(parts, ["spent", "total", "unit"]);
        assert_eq!(field(&c, Kind::Trip, "travelers")["value_type"], "int");
        assert_eq!(field(&c, Kind::Workshop, "participants")["widget"], "list");
    }

    #[test]
    fn organizers_are_free_text_whose_hint_names_the_registry() {
        let c = config_of(
            Cms::Decap,
            "title: T\nbase_url: https://example.org/\nlanguage: en\n",
        );
        let organizers = field(&c, Kind::Trip, "organizers");
        assert_eq!(organizers["widget"], "list");
        assert!(
            organizers["hint"]
                .as_str()
                .unwrap()
                .ends_with("Known: ICLEI East Asia Secretariat; Seoul Metropolitan Government."),
            "{organizers}"
        );
        assert_eq!(
            field(&c, Kind::Trip, "partners")["hint"],
            organizers["hint"]
                .as_str()
                .unwrap()
                .replace("Who ran it", "Who took part with them")
        );
    }

    #[test]
    fn dates_are_strings_checked_with_the_schemas_pattern() {
        let c = config_of(Cms::Decap, "language: ko\n");
        let registry = Registry::parse(CITIES).unwrap();
        let schema = schema::front_matter(Kind::Trip, &registry);
        let pattern = &schema["properties"]["date"]["anyOf"][1]["pattern"];
        for name in ["date", "end"] {
            let date = field(&c, Kind::Trip, name);
            assert_eq!(date["widget"], "string");
            assert_eq!(&date["pattern"][0], pattern);
        }
    }

    #[test]
    fn cities_are_chosen_by_id_and_named_in_the_archives_language() {
        let c = config_of(Cms::Decap, "language: ja\n");
        let cities = field(&c, Kind::Workshop, "cities");
        assert_eq!(cities["widget"], "select");
        assert_eq!(cities["multiple"], true);
        assert_eq!(
            cities["options"],
            json!([{"label": "北京", "value": "beijing"}, {"label": "ソウル", "value": "seoul"}])
        );
        // A pair is two cities.
        let pair = &field(&c, Kind::Program, "pairs")["field"];
        assert_eq!((&pair["min"], &pair["max"]), (&json!(2), &json!(2)));
        assert_eq!(pair["options"], cities["options"]);
    }

    #[test]
    fn sveltia_edits_translations_as_files_next_to_the_original() {
        let four = "languages: [ko, ja, zh, en]\n";
        let c = config_of(Cms::Sveltia, four);
        assert_eq!(c["i18n"]["structure"], "multiple_files");
        assert_eq!(c["i18n"]["omit_default_locale_from_file_path"], true);
        assert_eq!(c["i18n"]["default_locale"], "ko");
        for name in ["title", "summary", "organizers", "partners", "body"] {
            assert_eq!(field(&c, Kind::Trip, name)["i18n"], true, "{name}");
        }
        // Facts are the original's: not in a translation's form.
        assert!(field(&c, Kind::Trip, "date").get("i18n").is_none());
        // Decap would write the original as `foo.ko.md`: no i18n there.
        assert!(config_of(Cms::Decap, four).get("i18n").is_none());
        assert!(
            config_of(Cms::Sveltia, "language: ko\n")
                .get("i18n")
                .is_none()
        );
    }

    #[test]
    fn the_backend_is_the_github_repository_of_repo_url() {
        let c = config_of(
            Cms::Decap,
            "language: en\nrepo_url: https://github.com/city/archive\n",
        );
        assert_eq!(c["backend"]["repo"], "city/archive");
        assert_eq!(c["backend"]["branch"], "main");
        let c = config_of(
            Cms::Decap,
            "language: en\nrepo_url: https://github.com/city/archive/edit/pages\n",
        );
        assert_eq!(c["backend"]["repo"], "city/archive");
        assert_eq!(c["backend"]["branch"], "pages");
        let c = config_of(Cms::Decap, "language: en\n");
        assert_eq!(c["backend"]["repo"], "OWNER/REPOSITORY");
    }

    #[test]
    fn uploads_are_linked_under_the_path_of_base_url() {
        let c = config_of(
            Cms::Decap,
            "language: en\nbase_url: https://user.github.io/repo/\n",
        );
        assert_eq!(c["public_folder"], "/repo/media");
        assert_eq!(c["media_folder"], "static/media");
    }

    #[test]
    fn the_admin_page_loads_the_pinned_script_and_is_recognised() {
        for cms in [Cms::Decap, Cms::Sveltia] {
            let page = admin_page(cms);
            assert!(page.contains(&format!("src=\"{}\"", cms.script_url())));
            assert!(page.contains("integrity=\"sha384-"));
            assert_eq!(Cms::of_page(&page), Some(cms));
        }
    }
}
