//! `accord serve`'s quick re-render: an edited record's own pages are re-rendered and
//! served before the full build that follows; every change that is not a plain edit
//! of an existing record goes through the build alone; and once the build is done the
//! served folder is what a clean build writes.
//!
//! What the pages showed at each quick re-render is taken while it is reported, on the
//! server's builder thread, before the build that follows it starts: no timing.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::assert_same_as_clean;
use crate::support::serving::{PATIENCE, Preview, Seen, build_tag};

/// What was seen between build `generation - 1` and build `generation` (reported just
/// after the server publishes the build: waited for).
fn seen_before(seen: &Arc<Mutex<Vec<Seen>>>, generation: u64) -> Vec<Seen> {
    let start = Instant::now();
    let is_it = |s: &Seen| matches!(s, Seen::Built(g) if *g == generation);
    while !seen.lock().unwrap().iter().any(is_it) {
        assert!(
            start.elapsed() < PATIENCE,
            "build {generation} not reported"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let seen = seen.lock().unwrap();
    let from = (seen.iter())
        .position(|s| matches!(s, Seen::Built(g) if *g == generation - 1))
        .expect("the build before")
        + 1;
    let to = (seen.iter())
        .position(|s| matches!(s, Seen::Built(g) if *g == generation))
        .expect("the build");
    seen[from..to].to_vec()
}

/// The only quick re-render before build `generation`: the files it wrote and the
/// HTML pages among them as they were served.
fn refreshed_before(
    seen: &Arc<Mutex<Vec<Seen>>>,
    generation: u64,
) -> (Vec<String>, Vec<(String, String)>) {
    match seen_before(seen, generation).as_slice() {
        [Seen::Refreshed { written, served }] => (written.clone(), served.clone()),
        other => panic!("one quick re-render expected before build {generation}: {other:?}"),
    }
}

fn served<'a>(pages: &'a [(String, String)], file: &str) -> &'a str {
    (pages.iter())
        .find(|(f, _)| f == file)
        .map(|(_, body)| body.as_str())
        .unwrap_or_else(|| panic!("{file} not re-rendered: {pages:?}"))
}

#[test]
fn an_edited_record_is_served_before_the_build_that_follows() {
    let (s, seen) = Preview::start_seeing("serve");
    let before = s.get("/archive/trips/old/");
    // Its front matter and its body, in one save.
    let file = s.root.join("content/trips/old.md");
    let text = std::fs::read_to_string(&file).unwrap();
    let text = (text.replace("title: Early mission", "title: First mission to Seoul"))
        .replace("The first mission.", "The first mission, revised.");
    std::fs::write(&file, text).unwrap();
    s.wait_for(2);
    let (written, pages) = refreshed_before(&seen, 2);
    // Its own pages, and nothing else.
    assert_eq!(written, ["trips/old/index.html", "trips/old/index.json"]);
    let page = served(&pages, "trips/old/index.html");
    assert!(page.contains("First mission to Seoul"), "{page}");
    assert!(page.contains("The first mission, revised."), "{page}");
    assert_ne!(
        build_tag(page),
        build_tag(&before.body),
        "not a new version"
    );

    // The build followed: the lists show the new title too.
    assert!(
        s.get("/archive/trips/page/2/")
            .body
            .contains("First mission to Seoul")
    );
    let page = s.get("/archive/trips/old/");
    assert!(page.body.contains("The first mission, revised."));
    assert_same_as_clean(&s.root, s.server().site_dir(), "a quick re-render");
}

#[test]
fn an_edited_translation_is_served_in_its_edition_before_the_build() {
    let (s, seen) = Preview::start_seeing("editions");
    s.edit(
        "content/programs/plan.en.md",
        "Cooperation of the cities",
        "Close cooperation of the cities",
    );
    s.wait_for(2);
    let (written, pages) = refreshed_before(&seen, 2);
    // Every edition's page of the record, the translation's among them.
    for file in ["programs/plan/index.html", "en/programs/plan/index.html"] {
        assert!(written.iter().any(|w| w == file), "{file}: {written:?}");
    }
    let page = served(&pages, "en/programs/plan/index.html");
    assert!(page.contains("Close cooperation of the cities"), "{page}");
    assert_same_as_clean(&s.root, s.server().site_dir(), "a translation's edit");
}

#[test]
fn what_is_not_a_plain_edit_of_a_record_goes_through_the_build_alone() {
    let (s, seen) = Preview::start_seeing("serve");
    let mut generation = 1;
    let mut only_built = |what: &str| {
        generation += 1;
        s.wait_for(generation);
        assert!(
            seen_before(&seen, generation).is_empty(),
            "{what}: re-rendered before the build"
        );
    };
    let new = "---\ntitle: New trip\ndate: 2020-01\ncities: [서울]\n---\nNew.\n";
    std::fs::write(s.root.join("content/trips/new.md"), new).unwrap();
    only_built("a new record");
    assert_eq!(s.get("/archive/trips/new/").status, 200);

    s.edit(
        "content/trips/old.md",
        "title: Early",
        "slug: older\ntitle: Early",
    );
    only_built("a record given another URL");
    assert_eq!(s.get("/archive/trips/older/").status, 200);

    std::fs::remove_file(s.root.join("content/trips/port.md")).unwrap();
    only_built("a record deleted");
    assert_eq!(s.get("/archive/trips/port/").status, 404);

    s.edit(
        "accord.yaml",
        "title: Serve fixture",
        "title: Served fixture",
    );
    only_built("the configuration");

    let registry = s.root.join("data/cities.yaml");
    let text = std::fs::read_to_string(&registry).unwrap();
    std::fs::write(&registry, format!("{text}\n# reviewed\n")).unwrap();
    only_built("the registry");

    s.edit(
        "content/trips/visit.md",
        "cities: [서울, 요코하마]",
        "cities: [서울, Nowhere]",
    );
    only_built("a record that does not read");
    // The last build failed: it kept nothing to re-render on.
    s.edit(
        "content/trips/visit.md",
        "cities: [서울, Nowhere]",
        "cities: [서울, 요코하마]",
    );
    only_built("an edit after a failed build");

    // A plain edit again: re-rendered first.
    s.edit(
        "content/trips/visit.md",
        "A visit to Yokohama.",
        "A visit to Yokohama, again.",
    );
    generation += 1;
    s.wait_for(generation);
    let (written, _) = refreshed_before(&seen, generation);
    assert_eq!(
        written,
        ["trips/visit/index.html", "trips/visit/index.json"]
    );
    assert_same_as_clean(&s.root, s.server().site_dir(), "the changes");
}
