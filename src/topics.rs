//! Topics: the subjects records are tagged with. `tags` stay free text; the optional
//! registry `data/topics.yaml` gives a topic a stable slug, names per language and
//! aliases, so that 대기질, 大気環境 and air quality meet on one page. Every tag has a
//! topic: a registered one when the tag is one of its names (NFC, case folding, as
//! cities are resolved), else its own, whose slug is made from its text.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::diag::{Code, Diagnostic, Pos};
use crate::organizations::Check;
use crate::registry::{is_safe_id, load_data_file, name_key, normalized};
use crate::yaml::{Block, Fields};

pub const TOPICS_FILE: &str = "data/topics.yaml";

const ENTRY_KEYS: &[&str] = &["name", "aliases"];

/// A topic of the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct Topic {
    /// Its slug: the last segment of its page's URL.
    pub id: String,
    /// Name per language code.
    pub names: BTreeMap<String, String>,
    pub aliases: Vec<String>,
    /// Where its id is written in the registry.
    pub pos: Pos,
}

/// The topic registry, sorted by id, with a name index.
#[derive(Debug, Default)]
pub struct Topics {
    pub list: Vec<Topic>,
    by_name: HashMap<String, usize>,
}

impl Topics {
    /// Reads `ROOT/data/topics.yaml`; a missing file is an empty registry.
    pub fn load(root: &Path) -> Result<Topics, Vec<Diagnostic>> {
        Ok(load_data_file(root, TOPICS_FILE, Topics::parse)?.unwrap_or_default())
    }

    pub fn parse(text: &str) -> Result<Topics, Vec<Diagnostic>> {
        let text = normalized(text);
        let block = Block::new(Path::new(TOPICS_FILE), &text, 1);
        let (map, spans) = block
            .parse_mapping("the topic registry")
            .map_err(|d| vec![d])?;
        let mut check = Check {
            block,
            spans: &spans,
            diags: Vec::new(),
            what: "topic",
        };
        let entries = check.entries(map);
        let mut list = Vec::with_capacity(entries.len());
        for (id, value) in entries {
            let pos = check.id_pos(&id);
            if !is_safe_id(&id) {
                check
                    .error(
                        Code::InvalidId,
                        pos,
                        format!("topic id `{id}` is not a safe URL segment"),
                    )
                    .help =
                    Some("use lower-case ASCII letters, digits and `-`, e.g. `air-quality`".into());
            }
            let mut topic = Topic {
                id,
                names: BTreeMap::new(),
                aliases: Vec::new(),
                pos,
            };
            let serde_yaml::Value::Mapping(m) = value else {
                let message = format!("topic `{}` must be a mapping with `name`", topic.id);
                check.error(Code::WrongType, pos, message);
                list.push(topic);
                continue;
            };
            let mut f = Fields::new(block, &spans, m, ENTRY_KEYS, "a topic").within(&topic.id);
            f.refuse_control_characters();
            let names: BTreeMap<String, String> = f
                .required(
                    "name",
                    "give the names per language: `name: {ko: 대기질, en: Air quality}`",
                )
                .unwrap_or_default();
            let aliases: Vec<String> = f.take("aliases").unwrap_or_default();
            check.diags.extend(f.finish());
            topic.names = (names.into_iter())
                .map(|(k, v)| (k, v.trim().to_string()))
                .collect();
            topic.aliases = aliases.into_iter().map(|a| a.trim().to_string()).collect();
            list.push(topic);
        }
        let by_name = check.names(
            list.iter()
                .map(|t| (t.id.as_str(), &t.names, &t.aliases[..])),
        );
        check.finish()?;
        Ok(Topics { list, by_name })
    }

    /// The registered topic a tag (in any language, any alias, or the id) denotes.
    pub fn resolve(&self, tag: &str) -> Option<usize> {
        self.by_name.get(&name_key(tag)).copied()
    }
}

/// A topic of the site: a registered one, or a tag of its own.
#[derive(Debug, Clone)]
pub struct SiteTopic {
    pub slug: String,
    /// Its entry in the registry.
    pub registered: Option<usize>,
    /// An unregistered topic's name: the spelling of the tag used most (the first in
    /// text order among equals).
    pub text: String,
    /// The entries tagged with it, newest first.
    pub entries: Vec<usize>,
}

/// A topic as the tags are gathered: its registry entry, each spelling of its tags
/// and how often it is used, its entries.
type Gathered<'e> = (Option<usize>, BTreeMap<&'e str, usize>, Vec<usize>);

/// Every topic of a site, sorted by slug, and which topic each tag is.
#[derive(Debug, Default)]
pub struct TopicIndex {
    pub topics: Vec<SiteTopic>,
    /// Tag (its name key) → topic.
    by_tag: HashMap<String, usize>,
}

impl TopicIndex {
    /// The topics of the registry and of every tag of `tags` (the tags of each
    /// entry, in entry order).
    pub fn build<'e>(
        registry: &Topics,
        tags: impl Iterator<Item = &'e [crate::names::Name]>,
    ) -> TopicIndex {
        // By slug, so that a tag written like a topic's id, or two spellings of one
        // slug, meet on one page.
        let mut by_slug: BTreeMap<String, Gathered<'_>> = (registry.list.iter().enumerate())
            .map(|(i, t)| (t.id.clone(), (Some(i), BTreeMap::new(), Vec::new())))
            .collect();
        let mut slug_of: HashMap<String, String> = HashMap::new();
        for (i, entry_tags) in tags.enumerate() {
            for tag in entry_tags {
                let key = name_key(tag);
                let slug = slug_of.entry(key).or_insert_with_key(|key| {
                    registry
                        .resolve(key)
                        .map_or_else(|| tag_slug(tag), |t| registry.list[t].id.clone())
                });
                let (_, spellings, list) = by_slug.entry(slug.clone()).or_default();
                *spellings.entry(&**tag).or_default() += 1;
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        let topics: Vec<SiteTopic> = by_slug
            .into_iter()
            .map(|(slug, (registered, spellings, mut entries))| {
                // Held to the end of the build: without the room its growing left.
                entries.shrink_to_fit();
                let text = (spellings.iter())
                    .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                    .map_or_else(|| slug.clone(), |(t, _)| t.to_string());
                SiteTopic {
                    slug,
                    registered,
                    text,
                    entries,
                }
            })
            .collect();
        let at: HashMap<&str, usize> = (topics.iter().enumerate())
            .map(|(i, t)| (t.slug.as_str(), i))
            .collect();
        let by_tag = slug_of
            .into_iter()
            .map(|(key, slug)| (key, at[slug.as_str()]))
            .collect();
        TopicIndex { topics, by_tag }
    }

    /// The topic of a tag of the site.
    pub fn of_tag(&self, tag: &str) -> Option<usize> {
        self.by_tag.get(&name_key(tag)).copied()
    }

    /// The name of topic `i` in `lang`: the registry's (falling back to English,
    /// Korean, then any), or the tag's text.
    pub fn name<'a>(&'a self, registry: &'a Topics, i: usize, lang: &str) -> &'a str {
        let t = &self.topics[i];
        let Some(r) = t.registered else {
            return &t.text;
        };
        let names = &registry.list[r].names;
        names
            .get(lang)
            .or_else(|| names.get("en"))
            .or_else(|| names.get("ko"))
            .or_else(|| names.values().next())
            .map_or(t.slug.as_str(), String::as_str)
    }
}

/// The slug of an unregistered tag: as a record's slug is made from its title.
pub fn tag_slug(tag: &str) -> String {
    crate::paths::slugify(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_in_four_languages_resolve_to_one_topic() {
        let t = Topics::parse(
            "air-quality:\n  name: {ko: 대기질, ja: 大気環境, zh: 空气质量, en: Air quality}\n  aliases: [미세먼지, PM2.5]\n",
        )
        .unwrap();
        for tag in [
            "대기질",
            "大気環境",
            "空气质量",
            "AIR QUALITY",
            "pm2.5",
            "air-quality",
        ] {
            assert_eq!(t.resolve(tag), Some(0), "{tag}");
        }
        assert_eq!(t.resolve("탄소중립"), None);
        assert_eq!(tag_slug("Carbon Neutrality"), "carbon-neutrality");
        assert_eq!(tag_slug("탄소중립"), "탄소중립");
    }

    #[test]
    fn a_name_of_two_topics_is_located() {
        let err =
            Topics::parse("a:\n  name: {en: Air}\nb:\n  name: {en: Water}\n  aliases: [air]\n")
                .unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!((err[0].line, err[0].col), (5, 13));
        assert_eq!(
            err[0].message,
            "the name `air` of `b` is already a name of `a`"
        );
    }
}
