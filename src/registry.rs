//! The city registry, `data/cities.yaml`: stable ids for cities, provinces and
//! districts, their names per language and aliases, and name resolution (NFC, Latin
//! case folding) so that 서울, 서울특별시, Seoul and ソウル are one city.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_yaml::Value;
use unicode_normalization::UnicodeNormalization;

use crate::diag::{Diagnostic, Pos, nearest};
use crate::limits::{MAX_ERRORS_PER_FILE, MAX_REGISTRY_CITIES};
use crate::yaml::{Block, Fields};

pub const REGISTRY_FILE: &str = "data/cities.yaml";

const ENTRY_KEYS: &[&str] = &["name", "aliases", "country", "parent", "coords"];

/// One place of the registry.
#[derive(Debug, Clone)]
pub struct City {
    pub id: String,
    /// Name per language code.
    pub names: BTreeMap<String, String>,
    pub aliases: Vec<String>,
    /// ISO 3166 alpha-2 code.
    pub country: String,
    pub parent: Option<CityId>,
    /// Latitude, longitude.
    pub coords: Option<(f64, f64)>,
}

/// Index of a city in the registry (cities are sorted by id).
pub type CityId = usize;

/// All cities, sorted by id, with a name index.
#[derive(Debug, Default)]
pub struct Registry {
    pub cities: Vec<City>,
    by_name: HashMap<String, CityId>,
}

/// The form names are compared in: NFC, lower case, single spaces.
pub fn name_key(name: &str) -> String {
    let nfc: String = name.nfc().collect();
    nfc.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Registry {
    /// Reads `ROOT/data/cities.yaml`; a missing file is an empty registry.
    pub fn load(root: &Path) -> Result<Registry, Vec<Diagnostic>> {
        let path = root.join(REGISTRY_FILE);
        if !path.exists() && path.symlink_metadata().is_err() {
            return Ok(Registry::default());
        }
        match crate::source::read_text(&path) {
            Ok(text) => Registry::parse(&text),
            Err((pos, message, help)) => {
                let mut d = Diagnostic::error(REGISTRY_FILE, pos, message);
                d.help = help;
                Err(vec![d])
            }
        }
    }

    pub fn parse(text: &str) -> Result<Registry, Vec<Diagnostic>> {
        let text: String = text
            .strip_prefix('\u{feff}')
            .unwrap_or(text)
            .nfc()
            .collect();
        let path = Path::new(REGISTRY_FILE);
        let block = Block::new(path, &text, 1);
        let map = block
            .parse_mapping("the city registry")
            .map_err(|d| vec![d])?;
        let mut diags = Vec::new();

        // Sorted by id, so indexes and output never depend on the file's order.
        let mut entries: BTreeMap<String, Value> = BTreeMap::new();
        for (k, v) in map {
            match k {
                Value::String(id) => {
                    entries.insert(id, v);
                }
                other => diags.push(Diagnostic::error(
                    path,
                    Pos::new(1, 1),
                    format!(
                        "city ids must be text, found `{}`",
                        serde_yaml::to_string(&other).unwrap_or_default().trim()
                    ),
                )),
            }
        }
        if entries.len() > MAX_REGISTRY_CITIES {
            diags.push(Diagnostic::error(
                path,
                Pos::new(1, 1),
                format!(
                    "the registry has {} entries; it is limited to {MAX_REGISTRY_CITIES} (MAX_REGISTRY_CITIES)",
                    entries.len()
                ),
            ));
            return Err(diags);
        }
        let ids: Vec<String> = entries.keys().cloned().collect();
        let index_of: HashMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();

        let mut cities = Vec::with_capacity(entries.len());
        let mut parents: Vec<Option<String>> = Vec::with_capacity(entries.len());
        // Each position costs a pass over the file: checking stops at
        // MAX_ERRORS_PER_FILE problems.
        let full = |diags: &Vec<Diagnostic>| diags.len() >= MAX_ERRORS_PER_FILE;
        for (id, value) in &entries {
            if full(&diags) {
                break;
            }
            let pos = || block.key_pos(id);
            if !is_safe_id(id) {
                diags.push(
                    Diagnostic::error(path, pos(), format!("city id `{id}` is not a safe URL segment"))
                        .with_help("use lower-case ASCII letters, digits and `-`, e.g. `seoul` or `busan-busanjin`, and no name Windows reserves (`con`, `nul`, `com1`, …)"),
                );
            }
            let Value::Mapping(m) = value.clone() else {
                diags.push(Diagnostic::error(
                    path,
                    pos(),
                    format!("city `{id}` must be a mapping with `name`, `country`, …"),
                ));
                cities.push(City::placeholder(id));
                parents.push(None);
                continue;
            };
            let sub = EntryBlock { block, id };
            let mut f = Fields::new(block, m, ENTRY_KEYS, "a registry entry").within(id);
            let names: BTreeMap<String, String> = f
                .required("name", "give the names per language: `name: {ko: 서울, en: Seoul, ja: ソウル, zh: 首尔}`")
                .unwrap_or_default();
            let aliases: Vec<String> = f.take("aliases").unwrap_or_default();
            let country: String = f
                .required("country", "give the ISO 3166 code, e.g. `country: KR`")
                .unwrap_or_default();
            let parent: Option<String> = f.take("parent");
            let coords: Option<Vec<f64>> = f.take("coords");
            diags.extend(f.finish());
            if names.is_empty() && value.get("name").is_some() {
                diags.push(Diagnostic::error(
                    path,
                    sub.pos("name"),
                    format!("city `{id}` has no names"),
                ));
            }
            let valid_country =
                country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase());
            if !country.is_empty() && !valid_country {
                diags.push(
                    Diagnostic::error(
                        path,
                        sub.pos("country"),
                        format!("`{country}` is not an ISO 3166 country code"),
                    )
                    .with_help("use two capital letters, e.g. KR, JP, CN, MN"),
                );
            }
            let coords = match coords.as_deref() {
                None => None,
                Some([lat, lon])
                    if (-90.0..=90.0).contains(lat) && (-180.0..=180.0).contains(lon) =>
                {
                    Some((*lat, *lon))
                }
                Some(_) => {
                    diags.push(Diagnostic::error(
                        path,
                        sub.pos("coords"),
                        "`coords` must be `[latitude, longitude]`",
                    ));
                    None
                }
            };
            let names = names
                .into_iter()
                .map(|(k, v)| (k, v.trim().to_string()))
                .collect();
            cities.push(City {
                id: id.clone(),
                names,
                aliases: aliases.into_iter().map(|a| a.trim().to_string()).collect(),
                country,
                parent: None,
                coords,
            });
            parents.push(parent);
        }

        let stopped = |mut diags: Vec<Diagnostic>| {
            // (An entry may bring several problems: keep exactly the first ones.)
            diags.truncate(MAX_ERRORS_PER_FILE);
            diags.sort();
            let end = Pos::new(text.matches('\n').count() + 1, 1);
            diags.push(Diagnostic::omitted(path, end, None));
            Err(diags)
        };
        if full(&diags) {
            return stopped(diags);
        }
        for (i, parent) in parents.into_iter().enumerate() {
            if full(&diags) {
                return stopped(diags);
            }
            let Some(parent) = parent else { continue };
            let id = &ids[i];
            match index_of.get(parent.as_str()) {
                Some(&p) if p != i => cities[i].parent = Some(p),
                Some(_) => diags.push(Diagnostic::error(
                    path,
                    EntryBlock { block, id }.pos("parent"),
                    format!("city `{id}` cannot be its own parent"),
                )),
                None => {
                    let mut d = Diagnostic::error(
                        path,
                        EntryBlock { block, id }.pos("parent"),
                        format!("parent `{parent}` of `{id}` is not in the registry"),
                    );
                    if let Some(h) =
                        crate::diag::did_you_mean(&parent, ids.iter().map(String::as_str))
                    {
                        d = d.with_help(h);
                    }
                    diags.push(d);
                }
            }
        }
        // A parent chain must end: refuse cycles, reporting every city whose chain
        // loops. Each city is walked once, so long chains cost linear time.
        const UNSEEN: u8 = 0;
        const WALKING: u8 = 1;
        const ENDS: u8 = 2;
        const LOOPS: u8 = 3;
        let mut state = vec![UNSEEN; cities.len()];
        for i in 0..cities.len() {
            let mut chain = Vec::new();
            let mut cur = Some(i);
            let outcome = loop {
                let Some(c) = cur else { break ENDS };
                match state[c] {
                    UNSEEN => {
                        state[c] = WALKING;
                        chain.push(c);
                        cur = cities[c].parent;
                    }
                    WALKING => break LOOPS,
                    known => break known,
                }
            };
            for c in chain {
                state[c] = outcome;
            }
        }
        for (i, _) in state.iter().enumerate().filter(|(_, s)| **s == LOOPS) {
            if full(&diags) {
                return stopped(diags);
            }
            diags.push(Diagnostic::error(
                path,
                block.key_pos(&ids[i]),
                format!("the parents of `{}` form a cycle", ids[i]),
            ));
        }

        let mut by_name: HashMap<String, CityId> = HashMap::new();
        for (i, city) in cities.iter().enumerate() {
            if full(&diags) {
                return stopped(diags);
            }
            let mut own = Vec::new();
            for name in city
                .names
                .values()
                .chain(&city.aliases)
                .chain(std::iter::once(&city.id))
            {
                let key = name_key(name);
                if key.is_empty() || own.contains(&key) {
                    continue;
                }
                own.push(key.clone());
                if let Some(&other) = by_name.get(&key) {
                    // Reported where it is written last in the file, naming the other.
                    let here = block.value_pos(&city.id, name);
                    let other_name = cities[other]
                        .names
                        .values()
                        .chain(&cities[other].aliases)
                        .find(|n| name_key(n) == key);
                    let there = other_name.map_or(block.key_pos(&cities[other].id), |n| {
                        block.value_pos(&cities[other].id, n)
                    });
                    // Named as it is written where it is reported.
                    let (pos, this, that, written) = if here >= there {
                        (here, i, other, name.as_str())
                    } else {
                        (
                            there,
                            other,
                            i,
                            other_name.map_or(name.as_str(), String::as_str),
                        )
                    };
                    diags.push(
                        Diagnostic::error(
                            path,
                            pos,
                            format!("the name `{written}` of `{}` is already a name of `{}`", cities[this].id, cities[that].id),
                        )
                        .with_help("every name and alias must lead to one city: qualify it, e.g. `대구 중구`"),
                    );
                } else {
                    by_name.insert(key, i);
                }
            }
        }

        if diags.is_empty() {
            Ok(Registry { cities, by_name })
        } else {
            diags.sort();
            Err(diags)
        }
    }

    /// The city a name (in any language, any alias, any normalisation form) denotes.
    pub fn resolve(&self, name: &str) -> Option<CityId> {
        self.by_name.get(&name_key(name)).copied()
    }

    /// The known names nearest to an unknown one, for a hint.
    pub fn suggest(&self, name: &str) -> Vec<String> {
        let key = name_key(name);
        let mut keys: Vec<&str> = self.by_name.keys().map(String::as_str).collect();
        keys.sort_unstable();
        nearest(&key, keys)
            .into_iter()
            .map(|k| {
                let city = &self.cities[self.by_name[k]];
                let shown = city
                    .names
                    .values()
                    .chain(&city.aliases)
                    .find(|n| name_key(n) == k)
                    .cloned()
                    .unwrap_or_else(|| k.to_string());
                format!("`{shown}` ({})", city.id)
            })
            .collect()
    }

    /// The name of a city in `lang`, falling back to English, Korean, then any.
    pub fn name(&self, id: CityId, lang: &str) -> &str {
        let names = &self.cities[id].names;
        names
            .get(lang)
            .or_else(|| names.get("en"))
            .or_else(|| names.get("ko"))
            .or_else(|| names.values().next())
            .map_or(self.cities[id].id.as_str(), String::as_str)
    }

    /// Every name and alias of a city (for search).
    pub fn all_names(&self, id: CityId) -> impl Iterator<Item = &str> {
        let c = &self.cities[id];
        c.names.values().chain(&c.aliases).map(String::as_str)
    }
}

impl City {
    fn placeholder(id: &str) -> City {
        City {
            id: id.to_string(),
            names: BTreeMap::new(),
            aliases: Vec::new(),
            country: String::new(),
            parent: None,
            coords: None,
        }
    }
}

/// Positions inside one registry entry.
struct EntryBlock<'a> {
    block: Block<'a>,
    id: &'a str,
}

impl EntryBlock<'_> {
    fn pos(&self, field: &str) -> Pos {
        self.block.nested_pos(self.id, field)
    }
}

/// A city id is one safe URL path segment, and a portable folder name.
pub fn is_safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && !id.starts_with(['-', '_'])
        && !crate::paths::is_reserved_name(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REG: &str = "seoul:\n  name: {ko: 서울, en: Seoul, ja: ソウル, zh: 首尔}\n  aliases: [서울특별시]\n  country: KR\n";

    #[test]
    fn aliases_languages_case_and_nfd_resolve_to_one_city() {
        let r = Registry::parse(REG).unwrap();
        let nfd: String = "서울".nfd().collect();
        assert_ne!(nfd, "서울");
        for name in [
            "서울",
            "서울특별시",
            "Seoul",
            "SEOUL",
            "ソウル",
            "首尔",
            nfd.as_str(),
            " seoul ",
        ] {
            assert_eq!(r.resolve(name), Some(0), "{name}");
        }
        assert_eq!(r.resolve("부산"), None);
    }

    #[test]
    fn a_name_claimed_by_two_cities_is_an_error() {
        let text = format!(
            "{REG}busan:\n  name: {{ko: 부산, en: Busan}}\n  aliases: [서울시, Seoul]\n  country: KR\n"
        );
        let err = Registry::parse(&text).unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        assert!(
            err[0]
                .message
                .contains("`Seoul` of `busan` is already a name of `seoul`"),
            "{}",
            err[0]
        );
        assert_eq!(err[0].line, 7);
    }

    #[test]
    fn unsafe_ids_unknown_fields_and_missing_parents_are_located() {
        let text = "Seoul/x:\n  name: {en: x}\n  country: KR\n  parnet: seoul\nb:\n  name: {en: b}\n  country: KR\n  parent: nowhere\n";
        let err = Registry::parse(text).unwrap_err();
        let msgs: Vec<String> = err
            .iter()
            .map(|d| format!("{}:{} {}", d.line, d.col, d.message))
            .collect();
        assert!(
            msgs.iter().any(|m| m.starts_with("1:1 city id `Seoul/x`")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("4:3 unknown field `parnet`")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.starts_with("8:3 parent `nowhere`")),
            "{msgs:?}"
        );
    }
}
