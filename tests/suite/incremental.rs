//! Incremental builds write only what changed, and the result is byte-identical to a
//! clean full build after any series of edits.

use std::path::Path;

use crate::support::*;

#[test]
fn incremental_builds_equal_clean_builds_after_every_kind_of_edit() {
    let site = fixture("links");
    let root = site.path();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("site");
    let first = build_into(root, &out);
    let total = first.files_written;

    // Nothing changed: nothing is written.
    let again = same_as_clean(root, &out, "a rebuild without changes");
    assert_eq!(again.files_written, 0);

    // A change deep in one body: only that record's page and JSON (its `content_html`),
    // and the search index files its words and scores are in.
    let visit = root.join("content/trips/visit.md");
    let text = std::fs::read_to_string(&visit).unwrap();
    let before = tree(&out);
    std::fs::write(&visit, format!("{text}\nA new closing paragraph.\n")).unwrap();
    let edit = same_as_clean(root, &out, "a body edit");
    let after = tree(&out);
    let changed: Vec<&String> = after
        .keys()
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    let pages: Vec<&&String> = changed
        .iter()
        .filter(|k| !k.starts_with("search/"))
        .collect();
    assert_eq!(
        pages,
        [&"trips/visit/index.html", &"trips/visit/index.json"],
        "a body edit rewrote {changed:?}"
    );
    assert_eq!(edit.files_written, changed.len(), "{changed:?}");

    // A new title shows on lists, city and year pages, home and feed — not everywhere.
    std::fs::write(
        &visit,
        text.replace("title: Visit", "title: Visit to Beijing"),
    )
    .unwrap();
    let retitle = same_as_clean(root, &out, "a title change");
    assert!(
        retitle.files_written > 1 && retitle.files_written < total,
        "{} of {total}",
        retitle.files_written
    );

    // Add, rename, delete.
    std::fs::write(
        root.join("content/trips/new.md"),
        "---\ntitle: New trip\ndate: 2017-03\ncities: [요코하마]\n---\nNew.\n",
    )
    .unwrap();
    same_as_clean(root, &out, "adding a record");
    std::fs::rename(
        root.join("content/trips/new.md"),
        root.join("content/trips/renamed.md"),
    )
    .unwrap();
    same_as_clean(root, &out, "renaming a record");
    assert!(
        !out.join("trips/new").exists(),
        "the old page of a renamed record is left behind"
    );
    std::fs::remove_file(root.join("content/trips/renamed.md")).unwrap();
    same_as_clean(root, &out, "deleting a record");
    assert!(!out.join("trips/renamed").exists());

    // A template of the site's own, then a change of it.
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::write(
        root.join("templates/404.html"),
        "{% extends \"base.html\" %}{% block content %}<p>one</p>{% endblock content %}",
    )
    .unwrap();
    same_as_clean(root, &out, "adding a template");
    std::fs::write(
        root.join("templates/404.html"),
        "{% extends \"base.html\" %}{% block content %}<p>two</p>{% endblock content %}",
    )
    .unwrap();
    same_as_clean(root, &out, "changing a template");
    assert!(read_file(&out.join("404.html")).contains("<p>two</p>"));

    // The registry: a new name for a city changes every page that shows it.
    let reg = root.join("data/cities.yaml");
    let text = std::fs::read_to_string(&reg).unwrap();
    std::fs::write(&reg, text.replace("en: Beijing", "en: Peking")).unwrap();
    same_as_clean(root, &out, "changing the registry");
}

#[test]
fn the_archive_folder_written_another_way_rewrites_nothing() {
    let site = fixture("links");
    let root = site.path();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("site");
    build_into(root, &out);
    // The same folder, as `--root DIR/.` or `--root DIR/sub/..` would write it.
    let again = build_into(&root.join("."), &out);
    assert_eq!(again.files_written, 0, "the same archive rewrote files");
    let via = root.join("content").join("..");
    assert_eq!(build_into(&via, &out).files_written, 0);
}

#[test]
fn an_interrupted_incremental_update_is_completed_by_the_next_build() {
    let site = fixture("links");
    let root = site.path();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("site");
    build_into(root, &out);
    // Simulate a crash after the journal was written: put a journal in place by
    // hand, naming a staged file that was not moved yet, in a staging folder marked
    // as accord marks its own.
    let staging = work.path().join(".site.accord-staging");
    std::fs::create_dir_all(staging.join("trips/visit")).unwrap();
    std::fs::write(staging.join(".accord-output"), "").unwrap();
    std::fs::write(staging.join("trips/visit/index.html"), "staged").unwrap();
    let manifest = std::fs::read_to_string(work.path().join(".site.accord-manifest")).unwrap();
    let journal = format!(
        "{{\"changed\":[\"trips/visit/index.html\"],\"removed\":[],\"manifest\":{manifest}}}"
    );
    std::fs::write(work.path().join(".site.accord-journal"), journal).unwrap();

    // Recovery (the first thing every build does) moves the staged file in and
    // retires the journal and the staging directory.
    accord::output::recover(&out).unwrap();
    assert_eq!(read_file(&out.join("trips/visit/index.html")), "staged");
    assert!(!work.path().join(".site.accord-journal").exists());
    assert!(!staging.exists());
}

fn read_file(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}
