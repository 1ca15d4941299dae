//! The organization registry, `data/organizations.yaml`: stable ids for the city
//! governments, agencies, networks and institutes that organize records or take part
//! in them; their names per language, aliases, kind, country, parent and website; and
//! name resolution as the city registry does it (NFC, case folding), so that ICLEI
//! 동아시아본부, ICLEI East Asia Secretariat and イクレイ東アジア事務局 are one
//! organization. The registry is optional: without the file, `organizers` and
//! `partners` are free text and nothing is reported about them.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_yaml::{Mapping, Value};

use crate::diag::{Code, Diagnostic, Pos};
use crate::limits::{MAX_ERRORS_PER_FILE, MAX_REGISTRY_CITIES};
use crate::registry::{
    NameIndex, is_safe_id, load_data_file, name_in, name_key, normalized, parent_cycles,
};
use crate::yaml::{Block, Fields, Seg, Spans};

pub const ORGANIZATIONS_FILE: &str = "data/organizations.yaml";

const ENTRY_KEYS: &[&str] = &["name", "aliases", "kind", "country", "parent", "url"];

/// What an organization is: a closed list, so that the organizations page can group
/// by it and name each kind in every language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OrgKind {
    /// A city's or province's government, or one of its departments.
    CityGovernment,
    /// A ministry or agency of a national government.
    NationalAgency,
    /// An intergovernmental organization (a UN body, an OECD directorate).
    International,
    /// A network or association of cities or governments (CityNet, ICLEI).
    Network,
    ResearchInstitute,
    University,
    Company,
    /// A non-governmental or civic organization.
    Ngo,
    Other,
}

impl OrgKind {
    pub const ALL: [OrgKind; 9] = [
        OrgKind::CityGovernment,
        OrgKind::NationalAgency,
        OrgKind::International,
        OrgKind::Network,
        OrgKind::ResearchInstitute,
        OrgKind::University,
        OrgKind::Company,
        OrgKind::Ngo,
        OrgKind::Other,
    ];

    /// The value written in the registry, and the key of its UI string (`org_kind_…`).
    pub fn id(self) -> &'static str {
        match self {
            OrgKind::CityGovernment => "city-government",
            OrgKind::NationalAgency => "national-agency",
            OrgKind::International => "international",
            OrgKind::Network => "network",
            OrgKind::ResearchInstitute => "research-institute",
            OrgKind::University => "university",
            OrgKind::Company => "company",
            OrgKind::Ngo => "ngo",
            OrgKind::Other => "other",
        }
    }

    fn parse(s: &str) -> Option<OrgKind> {
        OrgKind::ALL.into_iter().find(|k| k.id() == s)
    }
}

/// One organization of the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub id: String,
    /// Name per language code.
    pub names: BTreeMap<String, String>,
    pub aliases: Vec<String>,
    pub kind: OrgKind,
    /// ISO 3166 alpha-2 code; empty for an international organization without one.
    pub country: String,
    pub parent: Option<OrgId>,
    /// Its website.
    pub url: Option<String>,
    /// Where its id is written in the registry.
    pub pos: Pos,
}

/// Index of an organization in the registry (sorted by id).
pub type OrgId = usize;

/// How an organization took part in a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Organizer,
    Partner,
}

impl Role {
    pub fn id(self) -> &'static str {
        match self {
            Role::Organizer => "organizer",
            Role::Partner => "partner",
        }
    }
}

/// All organizations, sorted by id, with a name index.
#[derive(Debug, Default)]
pub struct Organizations {
    pub list: Vec<Organization>,
    /// Whether `data/organizations.yaml` exists: without it nothing is resolved.
    pub present: bool,
    names: NameIndex,
}

impl Organizations {
    /// Reads `ROOT/data/organizations.yaml`; a missing file is an empty registry.
    pub fn load(root: &Path) -> Result<Organizations, Vec<Diagnostic>> {
        Ok(load_data_file(root, ORGANIZATIONS_FILE, Organizations::parse)?.unwrap_or_default())
    }

    pub fn parse(text: &str) -> Result<Organizations, Vec<Diagnostic>> {
        let text = normalized(text);
        let path = Path::new(ORGANIZATIONS_FILE);
        let block = Block::new(path, &text, 1);
        let (map, spans) = block
            .parse_mapping("the organization registry")
            .map_err(|d| vec![d])?;
        let mut check = Check {
            block,
            spans: &spans,
            diags: Vec::new(),
            what: "organization",
        };
        let entries = check.entries(map);
        let ids: Vec<&str> = entries.keys().map(String::as_str).collect();
        let mut list = Vec::with_capacity(entries.len());
        let mut parents = Vec::with_capacity(entries.len());
        for (id, value) in &entries {
            let (org, parent) = check.organization(id, value);
            list.push(org);
            parents.push(parent);
        }
        check.parents(&mut list, parents, &ids);
        let by_name = check.names(
            list.iter()
                .map(|o| (o.id.as_str(), &o.names, &o.aliases[..])),
        );
        check.finish()?;
        Ok(Organizations {
            list,
            present: true,
            names: NameIndex::new(by_name),
        })
    }

    /// The organization a name (in any language, any alias, any normalisation form, or
    /// its id) denotes.
    pub fn resolve(&self, name: &str) -> Option<OrgId> {
        self.names.resolve(name)
    }

    /// The known names nearest to an unknown one, for a hint: `` `name` (id) ``.
    pub fn suggest(&self, name: &str) -> Vec<String> {
        (self.names).suggest(name, |i| {
            let o = &self.list[i];
            (o.id.as_str(), &o.names, &o.aliases[..])
        })
    }

    /// The name of an organization in `lang`, falling back to English, Korean, then
    /// any, then its id.
    pub fn name(&self, id: OrgId, lang: &str) -> &str {
        name_in(&self.list[id].names, lang, &self.list[id].id)
    }

    /// Every name and alias of an organization (for search).
    pub fn all_names(&self, id: OrgId) -> impl Iterator<Item = &str> {
        let o = &self.list[id];
        o.names.values().chain(&o.aliases).map(String::as_str)
    }
}

/// The checks of a registry of named entries (organizations, topics), collecting
/// diagnostics.
pub(crate) struct Check<'a> {
    pub(crate) block: Block<'a>,
    pub(crate) spans: &'a Spans,
    pub(crate) diags: Vec<Diagnostic>,
    /// What an entry is: `organization`, `topic`.
    pub(crate) what: &'static str,
}

impl Check<'_> {
    /// The problems found, sorted and at most `MAX_ERRORS_PER_FILE` of them; none is
    /// `Ok`.
    pub(crate) fn finish(&mut self) -> Result<(), Vec<Diagnostic>> {
        let mut diags = std::mem::take(&mut self.diags);
        if diags.is_empty() {
            return Ok(());
        }
        diags.sort();
        if diags.len() > MAX_ERRORS_PER_FILE {
            let more = diags.len() - MAX_ERRORS_PER_FILE;
            diags.truncate(MAX_ERRORS_PER_FILE);
            diags.push(Diagnostic::omitted(
                self.block.path,
                self.block.end(),
                Some(more),
            ));
        }
        Err(diags)
    }

    pub(crate) fn error(&mut self, code: Code, pos: Pos, message: String) -> &mut Diagnostic {
        self.diags
            .push(Diagnostic::error(code, self.block.path, pos, message));
        self.diags.last_mut().expect("just pushed")
    }

    pub(crate) fn id_pos(&self, id: &str) -> Pos {
        self.spans
            .key(&[Seg::from(id)])
            .unwrap_or(self.block.start())
    }

    pub(crate) fn value_pos(&self, id: &str, path: &[Seg]) -> Pos {
        let mut full = vec![Seg::from(id)];
        full.extend_from_slice(path);
        self.spans.value(&full).unwrap_or_else(|| self.id_pos(id))
    }

    /// The entries by id, sorted, so that indexes and output never depend on the
    /// file's order.
    pub(crate) fn entries(&mut self, map: Mapping) -> BTreeMap<String, Value> {
        let mut entries = BTreeMap::new();
        for (k, v) in map {
            match k {
                Value::String(id) => {
                    entries.insert(id, v);
                }
                other => {
                    let shown = serde_yaml::to_string(&other).unwrap_or_default();
                    let message =
                        format!("{} ids must be text, found `{}`", self.what, shown.trim());
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
            entries.clear();
        }
        entries
    }

    /// One entry, and the id of its parent if it names one.
    fn organization(&mut self, id: &str, value: &Value) -> (Organization, Option<String>) {
        let pos = self.id_pos(id);
        let mut org = Organization {
            id: id.to_string(),
            names: BTreeMap::new(),
            aliases: Vec::new(),
            kind: OrgKind::Other,
            country: String::new(),
            parent: None,
            url: None,
            pos,
        };
        if !is_safe_id(id) {
            self.error(Code::InvalidId, pos, format!("organization id `{id}` is not a safe URL segment"))
                .help = Some("use lower-case ASCII letters, digits and `-`, e.g. `seoul-metropolitan-government`".into());
        }
        let Value::Mapping(m) = value.clone() else {
            let message = format!("organization `{id}` must be a mapping with `name`, `kind`, …");
            self.error(Code::WrongType, pos, message);
            return (org, None);
        };
        let mut f =
            Fields::new(self.block, self.spans, m, ENTRY_KEYS, "an organization").within(id);
        f.refuse_control_characters();
        let names: BTreeMap<String, String> = f
            .required("name", "give the names per language: `name: {ko: 서울특별시, en: Seoul Metropolitan Government}`")
            .unwrap_or_default();
        let aliases: Vec<String> = f.take("aliases").unwrap_or_default();
        let kind: Option<String> = f.required(
            "kind",
            "give what it is, e.g. `kind: city-government` (see docs/editing.md)",
        );
        let country: Option<String> = f.take("country");
        let parent: Option<String> = f.take("parent");
        org.url = f.take("url");
        self.diags.extend(f.finish());
        if names.is_empty() && value.get("name").is_some() {
            let pos = self.value_pos(id, &[Seg::from("name")]);
            self.error(
                Code::EmptyValue,
                pos,
                format!("organization `{id}` has no names"),
            );
        }
        if let Some(kind) = kind {
            match OrgKind::parse(&kind) {
                Some(k) => org.kind = k,
                None => {
                    let allowed: Vec<&str> = OrgKind::ALL.iter().map(|k| k.id()).collect();
                    let pos = self.value_pos(id, &[Seg::from("kind")]);
                    let near = crate::diag::did_you_mean(&kind, allowed.iter().copied());
                    let list = allowed.join(", ");
                    self.error(
                        Code::InvalidValue,
                        pos,
                        format!("`{kind}` is not a kind of organization"),
                    )
                    .help = Some(match near {
                        Some(h) => format!("{h} (allowed: {list})"),
                        None => format!("allowed values: {list}"),
                    });
                }
            }
        }
        if let Some(country) = country {
            if country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()) {
                org.country = country;
            } else {
                let pos = self.value_pos(id, &[Seg::from("country")]);
                let message = format!("`{country}` is not an ISO 3166 country code");
                self.error(Code::InvalidValue, pos, message).help =
                    Some("use two capital letters, e.g. KR, JP, CN, MN".into());
            }
        }
        if let Some(url) = &org.url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            let pos = self.value_pos(id, &[Seg::from("url")]);
            self.error(
                Code::InvalidValue,
                pos,
                format!("`{url}` is not a web address"),
            )
            .help = Some("write the whole address, from `https://`".into());
        }
        org.names = (names.into_iter())
            .map(|(k, v)| (k, v.trim().to_string()))
            .collect();
        org.aliases = aliases.into_iter().map(|a| a.trim().to_string()).collect();
        (org, parent)
    }

    /// Links every organization to its parent; refuses unknown parents and cycles.
    fn parents(&mut self, list: &mut [Organization], parents: Vec<Option<String>>, ids: &[&str]) {
        let index_of: HashMap<&str, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        for (i, parent) in parents.into_iter().enumerate() {
            let Some(parent) = parent else { continue };
            let id = ids[i];
            let pos = self.value_pos(id, &[Seg::from("parent")]);
            match index_of.get(parent.as_str()) {
                Some(&p) if p != i => list[i].parent = Some(p),
                Some(_) => {
                    let message = format!("organization `{id}` cannot be its own parent");
                    self.error(Code::InvalidParent, pos, message);
                }
                None => {
                    let help = crate::diag::did_you_mean(&parent, ids.iter().copied());
                    let message = format!("parent `{parent}` of `{id}` is not in the registry");
                    self.error(Code::InvalidParent, pos, message).help = help;
                }
            }
        }
        let of: Vec<Option<usize>> = list.iter().map(|o| o.parent).collect();
        for i in parent_cycles(&of) {
            let message = format!("the parents of `{}` form a cycle", list[i].id);
            self.error(Code::InvalidParent, list[i].pos, message);
        }
    }

    /// The name index of `entries` (id, names by language, aliases): every name,
    /// alias and id leads to one entry.
    pub(crate) fn names<'e>(
        &mut self,
        entries: impl Iterator<Item = (&'e str, &'e BTreeMap<String, String>, &'e [String])>,
    ) -> HashMap<String, usize> {
        let mut by_name: HashMap<String, usize> = HashMap::new();
        let mut ids = Vec::new();
        for (i, (id, names, aliases)) in entries.enumerate() {
            ids.push(id);
            let written = (names.iter())
                .map(|(lang, n)| (n, Seg::from(lang.as_str()), "name"))
                .chain((aliases.iter().enumerate()).map(|(k, a)| (a, Seg::Index(k), "aliases")));
            let mut own = Vec::new();
            for (name, seg, field) in written {
                let key = name_key(name);
                if key.is_empty() || own.contains(&key) {
                    continue;
                }
                own.push(key.clone());
                match by_name.get(&key) {
                    None => {
                        by_name.insert(key, i);
                    }
                    Some(&other) => {
                        let pos = self.value_pos(id, &[Seg::from(field), seg]);
                        let message = format!(
                            "the name `{name}` of `{id}` is already a name of `{}`",
                            ids[other]
                        );
                        let help = format!(
                            "every name and alias must lead to one {}: qualify it, or keep it in one entry",
                            self.what
                        );
                        self.error(Code::DuplicateName, pos, message).help = Some(help);
                    }
                }
            }
            // The id names it too, unless it is another's name.
            by_name.entry(name_key(id)).or_insert(i);
        }
        by_name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    const REG: &str = "\
iclei-east-asia:
  name: {ko: ICLEI 동아시아본부, en: ICLEI East Asia Secretariat, ja: イクレイ東アジア事務局, zh: 宜可城东亚秘书处}
  aliases: [ICLEI EAS]
  kind: network
  country: KR
seoul:
  name: {ko: 서울특별시, en: Seoul Metropolitan Government}
  kind: city-government
  country: KR
seoul-climate:
  name: {ko: 서울특별시 기후환경본부}
  kind: city-government
  country: KR
  parent: seoul
";

    #[test]
    fn names_in_four_languages_aliases_and_case_resolve_to_one_organization() {
        let r = Organizations::parse(REG).unwrap();
        let nfd: String = "ICLEI 동아시아본부".nfd().collect();
        for name in [
            "ICLEI 동아시아본부",
            "ICLEI East Asia Secretariat",
            "iclei east asia  secretariat",
            "イクレイ東アジア事務局",
            "宜可城东亚秘书处",
            "ICLEI EAS",
            "iclei-east-asia",
            nfd.as_str(),
        ] {
            assert_eq!(r.resolve(name), Some(0), "{name}");
        }
        assert_eq!(r.list[2].parent, Some(1));
        assert_eq!(r.name(0, "ja"), "イクレイ東アジア事務局");
        assert_eq!(r.name(2, "en"), "서울특별시 기후환경본부");
        assert_eq!(r.resolve("부산광역시"), None);
        assert_eq!(
            r.suggest("ICLEI 동아시아 본부"),
            ["`ICLEI 동아시아본부` (iclei-east-asia)"]
        );
    }

    #[test]
    fn unknown_parents_cycles_and_kinds_are_located() {
        let text = "a:\n  name: {en: A}\n  kind: netwrok\n  parent: b\nb:\n  name: {en: B}\n  kind: network\n  parent: a\nc:\n  name: {en: C}\n  kind: other\n  parent: nowhere\n";
        let err = Organizations::parse(text).unwrap_err();
        let msgs: Vec<String> = err
            .iter()
            .map(|d| format!("{}:{} {}", d.line, d.col, d.message))
            .collect();
        assert_eq!(
            msgs,
            [
                "1:1 the parents of `a` form a cycle",
                "3:9 `netwrok` is not a kind of organization",
                "5:1 the parents of `b` form a cycle",
                "12:11 parent `nowhere` of `c` is not in the registry",
            ]
        );
    }
}
