//! The views of the organization and topic pages (`organizations.html`,
//! `organization.html`, `topics.html`, `topic.html`), and the links a record page
//! makes to them.

use std::collections::BTreeMap;

use serde::Serialize;
use tera::Value;

use super::connections::Pager;
use super::pages::View;
use super::{CityCount, Renderer};
use crate::charts::Chart;
use crate::names::Name;
use crate::organizations::{OrgId, OrgKind, Role};
use crate::routes::Page;

/// A name as written in a record, linked to its page when it has one (a registered
/// organization, a topic).
#[derive(Serialize)]
pub(super) struct NameLink {
    name: String,
    url: Option<String>,
}

/// A link to an organization, named in the edition's language.
#[derive(Serialize)]
struct OrgLink {
    id: String,
    name: String,
    url: String,
}

/// `organizations.html`.
#[derive(Serialize)]
pub(super) struct OrganizationsPage {
    groups: Vec<OrgKindGroup>,
    total: usize,
}

/// One of `groups`: the organizations of one kind, by country.
#[derive(Serialize)]
struct OrgKindGroup {
    countries: Vec<OrgCountry>,
    count: usize,
    id: &'static str,
    label: String,
}

/// One of `OrgKindGroup.countries`.
#[derive(Serialize)]
struct OrgCountry {
    code: String,
    name: String,
    organizations: Vec<OrgCount>,
}

/// An organization and how many records name it.
#[derive(Serialize)]
struct OrgCount {
    count: usize,
    id: String,
    name: String,
    url: String,
}

/// `organization.html`.
#[derive(Serialize)]
pub(super) struct OrganizationPage<'a> {
    charts: OrgCharts,
    cities: Vec<CityCount>,
    organization: OrgView<'a>,
    pager: Pager,
    years: Vec<RoleYear>,
}

#[derive(Serialize)]
struct OrgCharts {
    years: Option<Chart>,
}

#[derive(Serialize)]
struct OrgView<'a> {
    aliases: &'a [String],
    children: Vec<OrgLink>,
    count: usize,
    country: &'a str,
    country_name: String,
    id: &'a str,
    kind: &'static str,
    kind_label: String,
    name: String,
    names: &'a BTreeMap<String, String>,
    organizer_count: usize,
    parent: Option<OrgLink>,
    partner_count: usize,
    website: Option<&'a str>,
}

/// One of an organization page's `years`: its records that began that year, by role.
#[derive(Serialize)]
struct RoleYear {
    roles: Vec<RoleGroup>,
    url: String,
    year: i32,
}

#[derive(Serialize)]
struct RoleGroup {
    cards: Vec<Value>,
    label: String,
    role: &'static str,
}

/// `topics.html`.
#[derive(Serialize)]
pub(super) struct TopicsPage {
    topics: Vec<TopicCount>,
}

/// A topic and how many records it has.
#[derive(Serialize)]
struct TopicCount {
    count: usize,
    name: String,
    slug: String,
    url: String,
}

/// `topic.html`.
#[derive(Serialize)]
pub(super) struct TopicPage<'a> {
    cards: Vec<Value>,
    pager: Pager,
    topic: TopicView<'a>,
}

#[derive(Serialize)]
struct TopicView<'a> {
    /// Its other names: the registry's names and aliases, or the tags that spell it.
    aliases: Vec<&'a str>,
    count: usize,
    name: &'a str,
    slug: &'a str,
    url: String,
}

impl Renderer<'_> {
    fn org_link(&self, id: OrgId) -> OrgLink {
        OrgLink {
            id: self.site.organizations.list[id].id.clone(),
            name: self.site.organizations.name(id, self.lang).to_string(),
            url: self.url(Page::Organization(id, 1)),
        }
    }

    /// The organizers or partners of a record as written, each linked to its page
    /// when the registry knows it.
    pub(super) fn organization_links(&self, names: &[Name]) -> Vec<NameLink> {
        let orgs = &self.site.organizations;
        (names.iter())
            .map(|n| NameLink {
                name: n.to_string(),
                url: orgs
                    .resolve(n)
                    .map(|id| self.url(Page::Organization(id, 1))),
            })
            .collect()
    }

    /// The tags of a record as written, each linked to its topic's page.
    pub(super) fn tag_links(&self, tags: &[Name]) -> Vec<NameLink> {
        (tags.iter())
            .map(|t| NameLink {
                name: t.to_string(),
                url: (self.site.topics.of_tag(t)).map(|i| self.url(Page::Topic(i, 1))),
            })
            .collect()
    }

    pub(super) fn organizations_page(&self) -> View<OrganizationsPage> {
        let site = self.site;
        let mut by_kind: BTreeMap<OrgKind, BTreeMap<&str, Vec<OrgCount>>> = BTreeMap::new();
        for (id, org) in site.organizations.list.iter().enumerate() {
            let l = self.org_link(id);
            (by_kind.entry(org.kind).or_default())
                .entry(org.country.as_str())
                .or_default()
                .push(OrgCount {
                    count: site.by_organization[id].len(),
                    id: l.id,
                    name: l.name,
                    url: l.url,
                });
        }
        let groups = by_kind
            .into_iter()
            .map(|(kind, countries)| {
                let countries: Vec<OrgCountry> = countries
                    .into_iter()
                    .map(|(code, mut organizations)| {
                        organizations.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
                        OrgCountry {
                            code: code.to_string(),
                            name: self.country_name(code),
                            organizations,
                        }
                    })
                    .collect();
                OrgKindGroup {
                    count: countries.iter().map(|c| c.organizations.len()).sum(),
                    countries,
                    id: kind.id(),
                    label: self.strings.get(&format!("org_kind_{}", kind.id())),
                }
            })
            .collect();
        View {
            template: "organizations.html",
            title: self.strings.get("organizations_title"),
            context: OrganizationsPage {
                groups,
                total: site.organizations.list.len(),
            },
        }
    }

    pub(super) fn organization_page(&self, id: OrgId, n: usize) -> View<OrganizationPage<'_>> {
        let site = self.site;
        let org = &site.organizations.list[id];
        let all = &site.by_organization[id];
        let slice = site.page_of(all, n);
        // One entry per record, under the year it began; newest first.
        let mut years: BTreeMap<i32, BTreeMap<Role, Vec<usize>>> = BTreeMap::new();
        for &(i, role) in slice {
            let year = site.entries[i].record.date.year;
            years
                .entry(year)
                .or_default()
                .entry(role)
                .or_default()
                .push(i);
        }
        let years = (years.into_iter().rev())
            .map(|(year, roles)| RoleYear {
                roles: roles
                    .into_iter()
                    .map(|(role, idx)| RoleGroup {
                        cards: self.cards_of(&idx),
                        label: self.strings.get(&format!("org_role_{}", role.id())),
                        role: role.id(),
                    })
                    .collect(),
                url: self.url(Page::Year(year, 1)),
                year,
            })
            .collect();
        // The overview (its cities, its chart) is on the first page only: the others
        // go on with the list.
        let idx: Vec<usize> = if n == 1 {
            all.iter().map(|&(i, _)| i).collect()
        } else {
            Vec::new()
        };
        let mut cities: BTreeMap<usize, usize> = BTreeMap::new();
        for &i in &idx {
            for &c in &site.entries[i].record.cities {
                *cities.entry(c).or_default() += 1;
            }
        }
        let mut cities: Vec<(usize, usize)> = cities.into_iter().collect();
        cities.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let organizers = all.iter().filter(|(_, r)| *r == Role::Organizer).count();
        let name = site.organizations.name(id, self.lang).to_string();
        let children = (0..site.organizations.list.len())
            .filter(|&c| site.organizations.list[c].parent == Some(id))
            .map(|c| self.org_link(c))
            .collect();
        let years_chart = self.years_chart(
            &idx,
            &self.strings.get("chart_organization_years_title"),
            |y| self.url(Page::Year(y, 1)),
        );
        View {
            template: "organization.html",
            title: name.clone(),
            context: OrganizationPage {
                charts: OrgCharts { years: years_chart },
                cities: self.city_counts(cities.into_iter()),
                organization: OrgView {
                    aliases: &org.aliases,
                    children,
                    count: all.len(),
                    country: &org.country,
                    country_name: self.country_name(&org.country),
                    id: &org.id,
                    kind: org.kind.id(),
                    kind_label: self.strings.get(&format!("org_kind_{}", org.kind.id())),
                    name,
                    names: &org.names,
                    organizer_count: organizers,
                    parent: org.parent.map(|p| self.org_link(p)),
                    partner_count: all.len() - organizers,
                    website: org.url.as_deref(),
                },
                pager: self.pager(n, site.page_count(all.len()), |p| Page::Organization(id, p)),
                years,
            },
        }
    }

    fn topic_name(&self, i: usize) -> &str {
        let site = self.site;
        site.topics.name(&site.topic_registry, i, self.lang)
    }

    pub(super) fn topics_page(&self) -> View<TopicsPage> {
        let site = self.site;
        let mut topics: Vec<TopicCount> = (site.topics.topics.iter().enumerate())
            .map(|(i, t)| TopicCount {
                count: t.entries.len(),
                name: self.topic_name(i).to_string(),
                slug: t.slug.clone(),
                url: self.url(Page::Topic(i, 1)),
            })
            .collect();
        topics.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
        View {
            template: "topics.html",
            title: self.strings.get("topics_title"),
            context: TopicsPage { topics },
        }
    }

    pub(super) fn topic_page(&self, i: usize, n: usize) -> View<TopicPage<'_>> {
        let site = self.site;
        let t = &site.topics.topics[i];
        let all = &t.entries;
        let slice = site.page_of(all, n);
        let name = self.topic_name(i);
        let mut aliases: Vec<&str> = match t.registered {
            Some(r) => {
                let r = &site.topic_registry.list[r];
                r.names
                    .values()
                    .chain(&r.aliases)
                    .map(String::as_str)
                    .collect()
            }
            None => Vec::new(),
        };
        aliases.retain(|a| *a != name);
        aliases.dedup();
        View {
            template: "topic.html",
            title: name.to_string(),
            context: TopicPage {
                cards: self.cards_of(slice),
                pager: self.pager(n, site.page_count(all.len()), |p| Page::Topic(i, p)),
                topic: TopicView {
                    aliases,
                    count: all.len(),
                    name,
                    slug: &t.slug,
                    url: self.url(Page::Topic(i, 1)),
                },
            },
        }
    }
}
