//! `accord serve`, driven over HTTP on 127.0.0.1: pages under the base path, edits
//! served after their rebuild, only the dependent pages re-rendered, the error
//! overlay over the last good site, and the event stream that reloads pages.
//!
//! Every wait is a bounded loop; every server is stopped at the end of its test.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;

use crate::support;
use crate::support::serving::{PATIENCE, Preview, build_tag, get};
use accord::serve::{ServeOptions, Server};

#[test]
fn pages_are_served_under_the_base_path_with_the_reload_script() {
    let s = Preview::start("serve");
    assert!(
        s.server().url().ends_with("/archive/"),
        "{}",
        s.server().url()
    );

    let home = s.get("/archive/");
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Early mission"));
    assert!(
        home.body
            .contains("<script src=\"/__accord/live.js\" data-build=")
    );
    assert!(
        home.body.contains("</script>\n</body>"),
        "not before </body>"
    );
    let record = s.get("/archive/trips/old/");
    assert_eq!(record.status, 200);
    assert!(record.body.contains("href=\"/archive/cities/seoul/\""));
    assert_eq!(
        s.get("/archive/style.css").header("content-type"),
        Some("text/css; charset=utf-8")
    );

    // As in production: the site lives under its base path.
    let root = s.get("/");
    assert_eq!(root.status, 302);
    assert_eq!(root.header("location"), Some("/archive/"));
    let no_slash = s.get("/archive/trips");
    assert_eq!(no_slash.status, 301);
    assert_eq!(no_slash.header("location"), Some("/archive/trips/"));
    let missing = s.get("/archive/trips/nowhere/");
    assert_eq!(missing.status, 404);
    assert!(
        missing.body.contains("data-build="),
        "the 404 page reloads too"
    );
    assert_eq!(s.get("/trips/old/").status, 404);
    assert_eq!(s.get("/archive/../accord.yaml").status, 404);
    assert_eq!(s.get("/archive/%2e%2e/accord.yaml").status, 404);
    assert_eq!(s.get("/archive//etc/passwd").status, 404);

    // The script is added as pages are sent: the built files never contain it.
    for (file, bytes) in support::tree(s.server().site_dir()) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("__accord"),
            "{file} contains the reload script"
        );
    }
}

#[test]
fn a_byte_range_of_a_file_is_served_as_the_search_page_asks_for_its_packs() {
    let s = Preview::start("serve");
    let whole = std::fs::read(s.server().site_dir().join("style.css")).unwrap();
    let ask = |range: &str| {
        let mut stream = TcpStream::connect(s.server().addr()).unwrap();
        write!(
            stream,
            "GET /archive/style.css HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: {range}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = Vec::new();
        std::io::Read::read_to_end(&mut stream, &mut answer).unwrap();
        let at = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8(answer[..at].to_vec()).unwrap();
        (head, answer[at + 4..].to_vec())
    };
    let (head, body) = ask("bytes=4-13");
    assert!(head.starts_with("HTTP/1.1 206 "), "{head}");
    assert!(
        head.contains(&format!("Content-Range: bytes 4-13/{}", whole.len())),
        "{head}"
    );
    assert_eq!(body, whole[4..14]);
    let (head, body) = ask(&format!("bytes={}-", whole.len()));
    assert!(head.starts_with("HTTP/1.1 416 "), "{head}");
    assert!(body.is_empty());
    // Several ranges: the whole file, as HTTP allows.
    let (head, body) = ask("bytes=0-1,4-5");
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    assert_eq!(body, whole);
}

#[test]
fn pages_are_not_served_to_other_sites_pointing_their_names_at_127_0_0_1() {
    let s = Preview::start("serve");
    let mut stream = TcpStream::connect(s.server().addr()).unwrap();
    write!(
        stream,
        "GET /archive/ HTTP/1.1\r\nHost: rebinding.example:1111\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut stream, &mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    assert!(!answer.contains("Early mission"));
}

#[test]
fn build_output_never_contains_the_reload_script() {
    let site = support::fixture("serve");
    support::build_ok(site.path());
    let files = support::tree(&site.path().join("output"));
    assert!(files.len() > 10);
    for (file, bytes) in files {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("__accord"),
            "{file}"
        );
    }
}

#[test]
fn a_record_edit_is_served_and_rerenders_only_the_pages_that_depend_on_it() {
    let s = Preview::start("serve");
    let first = s.wait_for(1);
    let all = Preview::written(&first);
    assert!(all.len() > 20, "{all:?}");

    // A new title shows wherever the record's card is: its page, its kind's list
    // page, its city and year pages, the home page and the feed.
    s.edit(
        "content/trips/old.md",
        "title: Early mission",
        "title: First mission to Seoul",
    );
    let build = s.wait_for(2);
    assert_eq!(build.changed, [PathBuf::from("content/trips/old.md")]);
    let page = s.get("/archive/trips/old/");
    assert!(
        page.body.contains("First mission to Seoul"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Early mission"));

    let written = Preview::written(&build);
    let built = build.outcome.as_ref().unwrap();
    assert_eq!(built.files_written, written.len());
    for dependent in [
        "trips/old/index.html",
        // Trips newest first, two a page: port, visit | old.
        "trips/page/2/index.html",
        // Seoul's records newest first, two a page: old is on the second.
        "cities/seoul/page/2/index.html",
        "years/2012/index.html",
        "index.html",
        "feed.xml",
    ] {
        assert!(
            written.iter().any(|w| w == dependent),
            "{dependent} not re-rendered; re-rendered: {written:?}"
        );
    }
    for independent in [
        "trips/index.html",
        "trips/visit/index.html",
        "programs/air/index.html",
        "programs/index.html",
        "workshops/index.html",
        "cities/yokohama/index.html",
        "cities/busan/index.html",
        "years/2016/index.html",
        "style.css",
    ] {
        assert!(
            !written.iter().any(|w| w == independent),
            "{independent} re-rendered; re-rendered: {written:?}"
        );
    }
    // The open data under data/ holds every record: it changes with any of them.
    let pages = written.iter().filter(|w| !w.starts_with("data/")).count();
    assert!(
        pages * 3 < all.len(),
        "{} of {} files re-rendered: {written:?}",
        written.len(),
        all.len()
    );
    assert!(
        s.get("/archive/cities/seoul/page/2/")
            .body
            .contains("First mission to Seoul")
    );

    // A change to the text only: of the pages, only the record's own.
    s.edit(
        "content/trips/old.md",
        "The first mission.",
        "The first mission, in 2012.",
    );
    let build = s.wait_for(3);
    let pages: Vec<String> = Preview::written(&build)
        .into_iter()
        .filter(|f| f.ends_with(".html"))
        .collect();
    assert_eq!(pages, ["trips/old/index.html"]);
    assert!(
        s.get("/archive/trips/old/")
            .body
            .contains("The first mission, in 2012.")
    );
}

#[test]
fn a_broken_edit_shows_the_errors_over_the_last_good_page() {
    let s = Preview::start("serve");
    s.edit(
        "content/trips/visit.md",
        "cities: [서울, 요코하마]",
        "cities: [서울, Yokohamma]",
    );
    let broken = s.wait_for(2);
    let diags = broken.outcome.as_ref().expect_err("the build should fail");
    assert!(
        diags
            .iter()
            .any(|d| d.message == "unknown city `Yokohamma`")
    );

    let page = s.get("/archive/trips/visit/");
    assert_eq!(page.status, 200);
    // The last good page …
    assert!(page.body.contains("Yokohama visit"));
    assert!(page.body.contains("href=\"/archive/cities/yokohama/\""));
    // … under the overlay: where, what, the line with the name marked, and help.
    assert!(page.body.contains("id=\"accord-errors\""));
    assert!(
        page.body
            .contains("1 error — this page is the last version that built")
    );
    assert!(page.body.contains(
        "<code>content/trips/visit.md:4:14</code> <strong>error</strong>: unknown city `Yokohamma`"
    ));
    assert!(
        page.body
            .contains("<span class=\"n\">4 | </span>cities: [서울, <mark>Yokohamma</mark>]")
    );
    assert!(
        page.body
            .contains("help: did you mean `Yokohama` (yokohama)?")
    );
    // Every page carries it, not only the broken record's.
    assert!(s.get("/archive/").body.contains("id=\"accord-errors\""));

    // Fixed: the new version, without the overlay.
    s.edit(
        "content/trips/visit.md",
        "cities: [서울, Yokohamma]",
        "cities: [서울, 横浜]",
    );
    let fixed = s.wait_for(3);
    assert!(fixed.outcome.is_ok());
    let page = s.get("/archive/trips/visit/");
    assert!(!page.body.contains("accord-errors"));
    assert_eq!(build_tag(&page.body), build_tag(&s.get("/archive/").body));
}

#[test]
fn the_overlay_speaks_the_archive_language() {
    let s = Preview::start("serve");
    s.edit("accord.yaml", "language: en", "language: ja");
    assert!(s.wait_for(2).outcome.is_ok());
    s.edit(
        "content/trips/visit.md",
        "cities: [서울, 요코하마]",
        "cities: [서울, Yokohamma]",
    );
    assert!(s.wait_for(3).outcome.is_err());
    let page = s.get("/archive/trips/visit/");
    assert!(
        page.body
            .contains("<div id=\"accord-errors\" role=\"alert\" lang=\"ja\">"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("accord: エラー 1 件 — このページは最後にビルドできた版です"),
        "{}",
        page.body
    );
    // The diagnostics themselves stay in English, as in the terminal.
    assert!(
        page.body
            .contains("<strong>エラー</strong>: unknown city `Yokohamma`")
    );
    // So do the placeholder pages.
    let outside = s.get("/elsewhere/");
    assert!(
        outside.body.contains("<html lang=\"ja\">"),
        "{}",
        outside.body
    );
    assert!(
        outside.body.contains("このサイトの外のアドレス"),
        "{}",
        outside.body
    );
}

#[test]
fn the_event_stream_announces_every_new_build() {
    let s = Preview::start("serve");
    let tag = build_tag(&s.get("/archive/trips/old/").body);

    let mut stream = TcpStream::connect(s.server().addr()).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    write!(
        stream,
        "GET /__accord/live HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let mut events = BufReader::new(stream);
    let mut next_build = || -> String {
        let mut line = String::new();
        loop {
            line.clear();
            assert!(events.read_line(&mut line).unwrap() > 0, "stream closed");
            if let Some(data) = line.strip_prefix("data: ") {
                return data.trim().to_string();
            }
        }
    };
    // At once: the build the server has now, which the page came from.
    assert_eq!(next_build(), tag);
    // After a change: another one, which is what makes pages reload.
    s.edit(
        "content/workshops/forum.md",
        "Climate forum",
        "Climate summit",
    );
    s.wait_for(2);
    // First the quick re-render of the record's pages, then the build that follows.
    let quick = next_build();
    assert_ne!(quick, tag);
    let new = next_build();
    assert_ne!(new, quick);
    assert_eq!(new, build_tag(&s.get("/archive/").body));
}

#[test]
fn folders_made_while_serving_are_watched() {
    let s = Preview::start("serve");
    assert_eq!(s.get("/archive/extra.css").status, 404);
    // A whole `static/` folder appears at once, as a checkout makes it.
    let staged = s.root.parent().unwrap().join("static-staged");
    std::fs::create_dir(&staged).unwrap();
    std::fs::write(staged.join("extra.css"), "body { color: teal }").unwrap();
    std::fs::rename(&staged, s.root.join("static")).unwrap();
    s.wait_for(2);
    let css = s.get("/archive/extra.css");
    assert_eq!(css.status, 200);
    assert_eq!(css.body, "body { color: teal }");

    // And a change inside it is seen too.
    std::fs::write(s.root.join("static/extra.css"), "body { color: navy }").unwrap();
    let b = s.wait_for(3);
    assert_eq!(Preview::written(&b), ["extra.css"]);
    assert_eq!(s.get("/archive/extra.css").body, "body { color: navy }");
}

#[test]
fn the_next_free_port_is_taken_when_the_one_asked_for_is_busy() {
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let tmp = tempfile::tempdir().unwrap();
    support::copy_tree(&support::fixtures().join("serve"), tmp.path());
    let server = Server::start(
        ServeOptions {
            root: tmp.path().to_path_buf(),
            drafts: false,
            port,
            output: Some(tmp.path().join("served")),
            base_url: None,
        },
        |_| {},
    )
    .unwrap();
    let got = server.addr().port();
    server.stop();
    assert!(
        got > port && got < port.saturating_add(100),
        "{port} → {got}"
    );
}

/// The command itself: it says where it serves, and serves there.
#[test]
fn accord_serve_prints_its_address_and_serves_the_site() {
    let site = support::fixture("serve");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(["serve", "--port", "0", "--root"])
        .arg(site.path())
        // The private output folder goes into the test's own temporary folder.
        .env("TMPDIR", site.path())
        .env("NO_COLOR", "1")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    let mut url = None;
    let mut built = false;
    while !(url.is_some() && built) {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if let Some(at) = line.find("http://127.0.0.1:") {
            url = line[at..].split_whitespace().next().map(str::to_string);
        }
        built |= line.starts_with("built 6 records");
        said.push_str(&line);
    }
    let url = url.unwrap_or_else(|| panic!("no address in:\n{said}"));
    assert!(built, "{said}");
    let rest = url.strip_prefix("http://").unwrap();
    let (addr, path) = rest.split_at(rest.find('/').unwrap());
    assert_eq!(path, "/archive/");
    let home = get(addr.parse().unwrap(), path);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Serve fixture"));
}
