//! The city registry, `data/cities.yaml`: stable ids for cities, provinces and
//! districts, their names per language and aliases, and name resolution (NFC, Latin
//! case folding) so that 서울, 서울특별시, Seoul and ソウル are one city.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::OnceLock;

use serde_yaml::{Mapping, Value};
use unicode_normalization::UnicodeNormalization;

use crate::diag::{Candidates, Code, Diagnostic, Pos};
use crate::limits::{MAX_ERRORS_PER_FILE, MAX_REGISTRY_CITIES};
use crate::yaml::{Block, Fields, Seg, Spans};

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
    /// Where its id is written in the registry.
    pub pos: Pos,
}

/// Index of a city in the registry (cities are sorted by id).
pub type CityId = usize;

/// All cities, sorted by id, with a name index.
#[derive(Debug, Default)]
pub struct Registry {
    pub cities: Vec<City>,
    /// The entries whose `parent` each city is, in id order.
    children: Vec<Vec<CityId>>,
    names: NameIndex,
    /// The last line of the file, where what follows every entry is reported.
    pub(crate) end: Pos,
}

/// The names of the entries of a registry (cities, organizations), each under its
/// `name_key`, resolved to the entry's index, with the nearest known names of an
/// unknown one for a hint.
#[derive(Debug, Default)]
pub(crate) struct NameIndex {
    by_name: HashMap<String, usize>,
    /// Every name key, sorted, and their index for suggestions: made on the first
    /// unknown name.
    suggestions: OnceLock<(Vec<String>, Candidates)>,
}

impl NameIndex {
    pub(crate) fn new(by_name: HashMap<String, usize>) -> NameIndex {
        NameIndex {
            by_name,
            suggestions: OnceLock::new(),
        }
    }

    /// The entry a name (in any language, any alias, any normalisation form) denotes.
    pub(crate) fn resolve(&self, name: &str) -> Option<usize> {
        self.by_name.get(&name_key(name)).copied()
    }

    /// The known names nearest to an unknown one, for a hint: `` `name` (id) ``, the
    /// name as the registry writes it. `entry` gives an entry's id, names and aliases.
    pub(crate) fn suggest<'a>(
        &self,
        name: &str,
        entry: impl Fn(usize) -> (&'a str, &'a BTreeMap<String, String>, &'a [String]),
    ) -> Vec<String> {
        let (keys, index) = self.suggestions.get_or_init(|| {
            let mut keys: Vec<String> = self.by_name.keys().cloned().collect();
            keys.sort_unstable();
            let index = Candidates::new(keys.iter().map(String::as_str));
            (keys, index)
        });
        (index.nearest(&name_key(name)).into_iter())
            .map(|i| {
                let k = &keys[i];
                let (id, names, aliases) = entry(self.by_name[k]);
                let shown = (names.values().chain(aliases))
                    .find(|n| name_key(n) == *k)
                    .map_or(k.as_str(), String::as_str);
                format!("`{shown}` ({id})")
            })
            .collect()
    }
}

/// An entry's name in `lang`, falling back to English, Korean, then any, then `id`.
pub(crate) fn name_in<'a>(names: &'a BTreeMap<String, String>, lang: &str, id: &'a str) -> &'a str {
    names
        .get(lang)
        .or_else(|| names.get("en"))
        .or_else(|| names.get("ko"))
        .or_else(|| names.values().next())
        .map_or(id, String::as_str)
}

/// Reads the data file `rel` (`data/cities.yaml`, …) of the archive at `root` with
/// `parse`; `None` when there is no such file.
pub(crate) fn load_data_file<T>(
    root: &Path,
    rel: &str,
    parse: impl FnOnce(&str) -> Result<T, Vec<Diagnostic>>,
) -> Result<Option<T>, Vec<Diagnostic>> {
    let path = root.join(rel);
    if !path.exists() && path.symlink_metadata().is_err() {
        return Ok(None);
    }
    match crate::source::read_text(&path) {
        Ok(text) => parse(&text).map(Some),
        Err((pos, message, help)) => Err(vec![
            Diagnostic::error(Code::Read, rel, pos, message).with_help_opt(help),
        ]),
    }
}

/// The text of a data file as it is read: without a byte-order mark, NFC.
pub(crate) fn normalized(text: &str) -> String {
    text.strip_prefix('\u{feff}')
        .unwrap_or(text)
        .nfc()
        .collect()
}

/// The form names are compared in: NFC, lower case, single spaces.
pub fn name_key(name: &str) -> String {
    let nfc = crate::paths::nfc(name);
    let mut key = String::with_capacity(nfc.len());
    for word in nfc.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(word);
    }
    if key.chars().all(is_ascii_or_caseless) {
        key.make_ascii_lowercase();
        key
    } else {
        key.to_lowercase()
    }
}

/// ASCII, or a character with no case whatever surrounds it: CJK punctuation and
/// kana, CJK ideographs, Hangul syllables (the names of this archive's cities and
/// bodies), so that lower-casing them is a look at each, not a search of the tables.
fn is_ascii_or_caseless(c: char) -> bool {
    c.is_ascii() || matches!(c as u32, 0x3000..=0x30FF | 0x4E00..=0x9FFF | 0xAC00..=0xD7A3)
}

impl Registry {
    /// Reads `ROOT/data/cities.yaml`; a missing file is an empty registry.
    pub fn load(root: &Path) -> Result<Registry, Vec<Diagnostic>> {
        Ok(load_data_file(root, REGISTRY_FILE, Registry::parse)?.unwrap_or_default())
    }

    pub fn parse(text: &str) -> Result<Registry, Vec<Diagnostic>> {
        let text = normalized(text);
        let path = Path::new(REGISTRY_FILE);
        let block = Block::new(path, &text, 1);
        let (map, spans) = block
            .parse_mapping("the city registry")
            .map_err(|d| vec![d])?;
        let mut check = Check {
            block,
            spans: &spans,
            diags: Vec::new(),
        };
        let entries = check.entries(map)?;
        let ids: Vec<&str> = entries.keys().map(String::as_str).collect();
        let mut cities = Vec::with_capacity(entries.len());
        let mut parents = Vec::with_capacity(entries.len());
        for (id, value) in &entries {
            if check.full() {
                return check.stopped();
            }
            let (city, parent) = check.city(id, value);
            cities.push(city);
            parents.push(parent);
        }
        check.parents(&mut cities, parents, &ids)?;
        check.cycles(&cities)?;
        let by_name = check.names(&cities)?;
        if check.diags.is_empty() {
            let mut children = vec![Vec::new(); cities.len()];
            for (i, city) in cities.iter().enumerate() {
                if let Some(parent) = city.parent {
                    children[parent].push(i);
                }
            }
            Ok(Registry {
                cities,
                children,
                names: NameIndex::new(by_name),
                end: block.end(),
            })
        } else {
            check.diags.sort();
            Err(check.diags)
        }
    }

    /// The entries that name `city` as their `parent`, in id order.
    pub fn children(&self, city: CityId) -> &[CityId] {
        &self.children[city]
    }

    /// `city` and every place within it (its children, their children, …), in
    /// breadth-first order.
    pub fn within(&self, city: CityId) -> Vec<CityId> {
        let mut out = vec![city];
        let mut k = 0;
        while k < out.len() {
            let more: Vec<CityId> = (self.children[out[k]].iter())
                .copied()
                .filter(|c| !out.contains(c))
                .collect();
            out.extend(more);
            k += 1;
        }
        out
    }

    /// The city a name (in any language, any alias, any normalisation form) denotes.
    pub fn resolve(&self, name: &str) -> Option<CityId> {
        self.names.resolve(name)
    }

    /// The known names nearest to an unknown one, for a hint.
    pub fn suggest(&self, name: &str) -> Vec<String> {
        (self.names).suggest(name, |i| {
            let c = &self.cities[i];
            (c.id.as_str(), &c.names, &c.aliases[..])
        })
    }

    /// The name of a city in `lang`, falling back to English, Korean, then any.
    pub fn name(&self, id: CityId, lang: &str) -> &str {
        name_in(&self.cities[id].names, lang, &self.cities[id].id)
    }

    /// Every name and alias of a city (for search).
    pub fn all_names(&self, id: CityId) -> impl Iterator<Item = &str> {
        let c = &self.cities[id];
        c.names.values().chain(&c.aliases).map(String::as_str)
    }
}

impl City {
    fn placeholder(id: &str, pos: Pos) -> City {
        City {
            id: id.to_string(),
            names: BTreeMap::new(),
            aliases: Vec::new(),
            country: String::new(),
            parent: None,
            coords: None,
            pos,
        }
    }
}

/// The checks of the registry, in the order `Registry::parse` runs them, collecting
/// diagnostics; each stops at `MAX_ERRORS_PER_FILE` of them.
struct Check<'a> {
    block: Block<'a>,
    spans: &'a Spans,
    diags: Vec<Diagnostic>,
}

impl<'a> Check<'a> {
    fn full(&self) -> bool {
        self.diags.len() >= MAX_ERRORS_PER_FILE
    }

    fn error(&mut self, code: Code, pos: Pos, message: String) -> &mut Diagnostic {
        self.diags
            .push(Diagnostic::error(code, self.block.path, pos, message));
        self.diags.last_mut().expect("just pushed")
    }

    /// The diagnostics so far, and that checking stopped.
    fn stopped<T>(&mut self) -> Result<T, Vec<Diagnostic>> {
        let mut diags = std::mem::take(&mut self.diags);
        // (An entry may bring several problems: keep exactly the first ones.)
        diags.truncate(MAX_ERRORS_PER_FILE);
        diags.sort();
        diags.push(Diagnostic::omitted(self.block.path, self.block.end(), None));
        Err(diags)
    }

    fn id_pos(&self, id: &str) -> Pos {
        self.spans
            .key(&[Seg::from(id)])
            .unwrap_or(self.block.start())
    }

    /// Where `rest` of the entry `id` is written: its key for a field.
    fn field_pos(&self, id: &str, field: &str) -> Pos {
        self.spans
            .key(&[Seg::from(id), Seg::from(field)])
            .unwrap_or_else(|| self.id_pos(id))
    }

    /// The entries by id, sorted, so that indexes and output never depend on the
    /// file's order.
    fn entries(&mut self, map: Mapping) -> Result<BTreeMap<String, Value>, Vec<Diagnostic>> {
        let mut entries = BTreeMap::new();
        for (k, v) in map {
            match k {
                Value::String(id) => {
                    entries.insert(id, v);
                }
                other => {
                    let shown = serde_yaml::to_string(&other).unwrap_or_default();
                    let message = format!("city ids must be text, found `{}`", shown.trim());
                    self.error(Code::InvalidId, self.block.start(), message);
                }
            }
        }
        if entries.len() > MAX_REGISTRY_CITIES {
            let message = format!(
                "the registry has {} entries; it is limited to {MAX_REGISTRY_CITIES} (MAX_REGISTRY_CITIES)",
                entries.len()
            );
            self.error(Code::Limit, self.block.start(), message);
            return Err(std::mem::take(&mut self.diags));
        }
        Ok(entries)
    }

    /// One entry, and the id of its parent if it names one.
    fn city(&mut self, id: &str, value: &Value) -> (City, Option<String>) {
        let pos = self.id_pos(id);
        if !is_safe_id(id) {
            self.error(Code::InvalidId, pos, format!("city id `{id}` is not a safe URL segment"))
                .help = Some("use lower-case ASCII letters, digits and `-`, e.g. `seoul` or `busan-busanjin`, and no name Windows reserves (`con`, `nul`, `com1`, …)".into());
        }
        let Value::Mapping(m) = value.clone() else {
            let message = format!("city `{id}` must be a mapping with `name`, `country`, …");
            self.error(Code::WrongType, pos, message);
            return (City::placeholder(id, pos), None);
        };
        let mut f =
            Fields::new(self.block, self.spans, m, ENTRY_KEYS, "a registry entry").within(id);
        f.refuse_control_characters();
        let names: BTreeMap<String, String> = f
            .required(
                "name",
                "give the names per language: `name: {ko: 서울, en: Seoul, ja: ソウル, zh: 首尔}`",
            )
            .unwrap_or_default();
        let aliases: Vec<String> = f.take("aliases").unwrap_or_default();
        let country: String = f
            .required("country", "give the ISO 3166 code, e.g. `country: KR`")
            .unwrap_or_default();
        let parent: Option<String> = f.take("parent");
        let coords: Option<Vec<f64>> = f.take("coords");
        let country_pos = f.value_pos("country", &[]);
        let coords_pos = f.value_pos("coords", &[]);
        self.diags.extend(f.finish());
        if names.is_empty() && value.get("name").is_some() {
            let pos = self.field_pos(id, "name");
            self.error(Code::EmptyValue, pos, format!("city `{id}` has no names"));
        }
        let valid_country = country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase());
        if !country.is_empty() && !valid_country {
            let message = format!("`{country}` is not an ISO 3166 country code");
            self.error(Code::InvalidValue, country_pos, message).help =
                Some("use two capital letters, e.g. KR, JP, CN, MN".into());
        }
        let coords = match coords.as_deref() {
            None => None,
            Some([lat, lon]) if (-90.0..=90.0).contains(lat) && (-180.0..=180.0).contains(lon) => {
                Some((*lat, *lon))
            }
            Some(_) => {
                let message = "`coords` must be `[latitude, longitude]`".into();
                self.error(Code::InvalidValue, coords_pos, message);
                None
            }
        };
        let city = City {
            id: id.to_string(),
            names: names
                .into_iter()
                .map(|(k, v)| (k, v.trim().to_string()))
                .collect(),
            aliases: aliases.into_iter().map(|a| a.trim().to_string()).collect(),
            country,
            parent: None,
            coords,
            pos,
        };
        (city, parent)
    }

    /// Links every city to its parent.
    fn parents(
        &mut self,
        cities: &mut [City],
        parents: Vec<Option<String>>,
        ids: &[&str],
    ) -> Result<(), Vec<Diagnostic>> {
        if self.full() {
            return self.stopped();
        }
        let index_of: HashMap<&str, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        for (i, parent) in parents.into_iter().enumerate() {
            if self.full() {
                return self.stopped();
            }
            let Some(parent) = parent else { continue };
            let id = ids[i];
            let pos = self
                .spans
                .value(&[Seg::from(id), Seg::from("parent")])
                .unwrap_or_else(|| self.field_pos(id, "parent"));
            match index_of.get(parent.as_str()) {
                Some(&p) if p != i => cities[i].parent = Some(p),
                Some(_) => {
                    self.error(
                        Code::InvalidParent,
                        pos,
                        format!("city `{id}` cannot be its own parent"),
                    );
                }
                None => {
                    let help = crate::diag::did_you_mean(&parent, ids.iter().copied());
                    let message = format!("parent `{parent}` of `{id}` is not in the registry");
                    self.error(Code::InvalidParent, pos, message).help = help;
                }
            }
        }
        Ok(())
    }

    /// A parent chain must end: refuses cycles, reporting every city whose chain
    /// loops.
    fn cycles(&mut self, cities: &[City]) -> Result<(), Vec<Diagnostic>> {
        let parents: Vec<Option<CityId>> = cities.iter().map(|c| c.parent).collect();
        for i in parent_cycles(&parents) {
            if self.full() {
                return self.stopped();
            }
            let message = format!("the parents of `{}` form a cycle", cities[i].id);
            self.error(Code::InvalidParent, cities[i].pos, message);
        }
        Ok(())
    }

    /// Every name of a city, with where it is written: its names by language, its
    /// aliases, its id.
    fn written_names(city: &City) -> Vec<(&str, Written<'_>)> {
        let mut out: Vec<(&str, Written<'_>)> = city
            .names
            .iter()
            .map(|(lang, n)| (n.as_str(), Written::Name(lang.as_str())))
            .collect();
        for (i, alias) in city.aliases.iter().enumerate() {
            out.push((alias.as_str(), Written::Alias(i)));
        }
        out.push((city.id.as_str(), Written::Id));
        out
    }

    /// The position of a name of `city`: asked only for a name in a problem, since the
    /// positions of a file are read on the first request.
    fn written_pos(&self, city: &City, at: Written<'_>) -> Pos {
        let (field, seg) = match at {
            Written::Name(lang) => ("name", Seg::from(lang)),
            Written::Alias(i) => ("aliases", Seg::Index(i)),
            Written::Id => return city.pos,
        };
        self.spans
            .value(&[Seg::from(city.id.as_str()), Seg::from(field), seg])
            .unwrap_or(city.pos)
    }

    /// The name index: every name and alias leads to one city.
    fn names(&mut self, cities: &[City]) -> Result<HashMap<String, CityId>, Vec<Diagnostic>> {
        let mut by_name: HashMap<String, (CityId, Written<'_>, &str)> = HashMap::new();
        for (i, city) in cities.iter().enumerate() {
            if self.full() {
                return self.stopped();
            }
            let mut own = Vec::new();
            for (name, written) in Self::written_names(city) {
                let key = name_key(name);
                if key.is_empty() || own.contains(&key) {
                    continue;
                }
                own.push(key.clone());
                let Some(&(other, other_written, other_name)) = by_name.get(&key) else {
                    by_name.insert(key, (i, written, name));
                    continue;
                };
                let here = self.written_pos(city, written);
                let there = self.written_pos(&cities[other], other_written);
                // Reported where it is written last in the file, as it is written there.
                let (pos, this, that, written) = if here >= there {
                    (here, i, other, name)
                } else {
                    (there, other, i, other_name)
                };
                let message = format!(
                    "the name `{written}` of `{}` is already a name of `{}`",
                    cities[this].id, cities[that].id
                );
                self.error(Code::DuplicateName, pos, message).help = Some(
                    "every name and alias must lead to one city: qualify it, e.g. `대구 중구`"
                        .into(),
                );
            }
        }
        Ok(by_name.into_iter().map(|(k, (i, _, _))| (k, i)).collect())
    }
}

/// Where a name of a city is written: in `name`, in `aliases`, or as its id.
#[derive(Debug, Clone, Copy)]
enum Written<'c> {
    Name(&'c str),
    Alias(usize),
    Id,
}

/// The entries whose chain of parents (`parents[i]`: the parent of entry `i`) loops,
/// in index order. Each entry is walked once, so long chains cost linear time.
pub(crate) fn parent_cycles(parents: &[Option<usize>]) -> Vec<usize> {
    const UNSEEN: u8 = 0;
    const WALKING: u8 = 1;
    const ENDS: u8 = 2;
    const LOOPS: u8 = 3;
    let mut state = vec![UNSEEN; parents.len()];
    for i in 0..parents.len() {
        let mut chain = Vec::new();
        let mut cur = Some(i);
        let outcome = loop {
            let Some(c) = cur else { break ENDS };
            match state[c] {
                UNSEEN => {
                    state[c] = WALKING;
                    chain.push(c);
                    cur = parents[c];
                }
                WALKING => break LOOPS,
                known => break known,
            }
        };
        for c in chain {
            state[c] = outcome;
        }
    }
    (0..parents.len()).filter(|&i| state[i] == LOOPS).collect()
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

    #[test]
    fn names_are_compared_composed_lower_cased_and_single_spaced() {
        use unicode_normalization::UnicodeNormalization;
        assert_eq!(
            name_key("  Seoul \t Metropolitan\nCITY "),
            "seoul metropolitan city"
        );
        let nfd: String = "서울 특별시".nfd().collect();
        assert_eq!(name_key(&nfd), "서울 특별시");
        // Not ASCII: lower-cased as text, the final sigma of a word as such.
        assert_eq!(name_key("ΟΔΟΣ  Σ Ålesund"), "οδος σ ålesund");
        assert_eq!(name_key(""), "");
        assert_eq!(
            name_key("北九州市 Kitakyushu 서울"),
            "北九州市 kitakyushu 서울"
        );
        for c in (0..0x11_0000).filter_map(char::from_u32) {
            if is_ascii_or_caseless(c) && !c.is_ascii() {
                assert!(c.to_lowercase().eq([c]), "{c:?}");
            }
        }
    }

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
            msgs.iter().any(|m| m.starts_with("8:11 parent `nowhere`")),
            "{msgs:?}"
        );
    }
}
