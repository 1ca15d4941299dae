//! Keeps `docs/templates.md` in step with the view types: every field of every struct
//! a template sees must have a row in the table under the heading that names the
//! struct. The field names come from serialising the views of a fixture site
//! (`tests/fixtures/views`, which sets every optional field), never from a list.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde::ser::{self, Serialize, Serializer};

use super::pages::View;
use super::{Renderer, SiteView, ViewSink};
use crate::routes;

/// The fields of every struct serialised into it, by struct name.
#[derive(Default)]
struct Fields(BTreeMap<&'static str, BTreeSet<&'static str>>);

impl Fields {
    fn of(&mut self, value: &impl Serialize) {
        value
            .serialize(&mut *self)
            .expect("views serialise without error");
    }
}

impl ViewSink for &mut Fields {
    type Out = ();
    fn take<T: Serialize>(self, view: View<T>) {
        self.of(&view.context);
    }
    fn raw(self, _: Vec<u8>) {}
}

/// Scalars hold no fields; wrappers and containers are walked into.
macro_rules! no_fields {
    ($($method:ident($($t:ty)?)),* $(,)?) => {
        $(fn $method(self $(, _: $t)?) -> Result<(), fmt::Error> { Ok(()) })*
    };
}

impl<'a> Serializer for &'a mut Fields {
    type Ok = ();
    type Error = fmt::Error;
    type SerializeSeq = Walk<'a>;
    type SerializeTuple = Walk<'a>;
    type SerializeTupleStruct = Walk<'a>;
    type SerializeTupleVariant = Walk<'a>;
    type SerializeMap = Walk<'a>;
    type SerializeStruct = Walk<'a>;
    type SerializeStructVariant = Walk<'a>;

    no_fields!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
    );

    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> fmt::Result {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> fmt::Result {
        v.serialize(self)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> fmt::Result {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        v: &T,
    ) -> fmt::Result {
        v.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Walk<'a>, fmt::Error> {
        Ok(Walk(self, None))
    }
    fn serialize_tuple(self, _: usize) -> Result<Walk<'a>, fmt::Error> {
        Ok(Walk(self, None))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Walk<'a>, fmt::Error> {
        Ok(Walk(self, None))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Walk<'a>, fmt::Error> {
        Ok(Walk(self, None))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Walk<'a>, fmt::Error> {
        Ok(Walk(self, None))
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Walk<'a>, fmt::Error> {
        self.0.entry(name).or_default();
        Ok(Walk(self, Some(name)))
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Walk<'a>, fmt::Error> {
        self.serialize_struct(name, 0)
    }
}

/// Inside a container or a struct (named).
struct Walk<'a>(&'a mut Fields, Option<&'static str>);

impl Walk<'_> {
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> fmt::Result {
        if let Some(name) = self.1 {
            self.0.0.entry(name).or_default().insert(key);
        }
        v.serialize(&mut *self.0)
    }
}

macro_rules! walk_elements {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Walk<'_> {
            type Ok = ();
            type Error = fmt::Error;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> fmt::Result {
                v.serialize(&mut *self.0)
            }
            fn end(self) -> fmt::Result {
                Ok(())
            }
        }
    )*};
}

walk_elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Walk<'_> {
    type Ok = ();
    type Error = fmt::Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, _: &T) -> fmt::Result {
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> fmt::Result {
        v.serialize(&mut *self.0)
    }
    fn end(self) -> fmt::Result {
        Ok(())
    }
}

macro_rules! walk_fields {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Walk<'_> {
            type Ok = ();
            type Error = fmt::Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                v: &T,
            ) -> fmt::Result {
                self.field(key, v)
            }
            fn end(self) -> fmt::Result {
                Ok(())
            }
        }
    )*};
}

walk_fields!(SerializeStruct, SerializeStructVariant);

/// The fields of every view of the fixture site: every page's context, the global
/// `site`, `kinds` and `page`, each card and each record's own fields.
fn fields_of_fixture() -> Fields {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/views");
    let mut site = crate::site::views_fixture();
    site.connect(
        crate::organizations::Organizations::load(&root).unwrap(),
        crate::topics::Topics::load(&root).unwrap(),
    );
    let theme = crate::theme::Theme::load(&site.config).unwrap();
    let r = Renderer::new(&site, &theme).unwrap();

    let mut fields = Fields::default();
    fields.of(&SiteView::of(&site, 0));
    for route in site.routes() {
        r.view(route.page, &mut fields);
        fields.of(&r.page_view(route.page, "title", route.file.clone()));
    }
    // Only archives past 50,000 pages have a sitemap index.
    r.view(routes::Page::SitemapIndex { parts: 2 }, &mut fields);
    for (i, e) in site.entries.iter().enumerate() {
        fields.of(&r.card(e));
        fields.of(&r.record_view(i));
    }
    fields
}

/// The field names in the first column of the tables under each heading that names
/// a struct in backticks (a cell may name several: `` `id`, `name` ``).
fn documented(doc: &str) -> BTreeMap<String, BTreeSet<String>> {
    let ticked = |text: &str| -> Vec<String> {
        text.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current: Vec<String> = Vec::new();
    for line in doc.lines() {
        if line.starts_with('#') {
            current = ticked(line)
                .into_iter()
                .filter(|w| w.starts_with(|c: char| c.is_ascii_uppercase()))
                .collect();
            for name in &current {
                out.entry(name.clone()).or_default();
            }
        } else if let Some(row) = line.strip_prefix('|') {
            let cell = row.split('|').next().unwrap_or_default();
            for name in &current {
                out.entry(name.clone()).or_default().extend(ticked(cell));
            }
        }
    }
    out
}

fn undocumented(fields: &Fields, doc: &str) -> Vec<String> {
    let documented = documented(doc);
    let mut missing = Vec::new();
    for (name, own) in &fields.0 {
        let Some(rows) = documented.get(*name) else {
            missing.push(format!("no heading names `{name}`"));
            continue;
        };
        for field in own.iter().filter(|f| !rows.contains(**f)) {
            missing.push(format!("`{name}.{field}` has no row"));
        }
    }
    missing
}

#[test]
fn every_field_of_every_view_has_a_row_in_the_templates_doc() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/templates.md"))
            .unwrap();
    let fields = fields_of_fixture();
    for view in [
        "HomePage",
        "RecordView",
        "CostView",
        "BudgetChart",
        "Counts",
        "Card",
    ] {
        assert!(fields.0.contains_key(view), "the fixture shows no {view}");
    }
    let missing = undocumented(&fields, &doc);
    assert!(
        missing.is_empty(),
        "docs/templates.md:\n{}",
        missing.join("\n")
    );
}

#[test]
fn a_field_without_a_row_is_reported() {
    let doc = "## `Loc`\n| `loc` | string | a URL |\n## `Pager`\n| `total`, `prev_url` | int | |\n";
    let mut fields = Fields::default();
    fields.0.insert("Loc", ["loc"].into());
    fields
        .0
        .insert("Pager", ["total", "current", "prev_url"].into());
    fields.0.insert("Unheaded", ["x"].into());
    assert_eq!(
        undocumented(&fields, doc),
        ["`Pager.current` has no row", "no heading names `Unheaded`"]
    );
}
