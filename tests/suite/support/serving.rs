//! What the `serve` tests share: a server on a copy of a fixture site, requests to
//! it, and bounded waits for its builds.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use accord::serve::{Build, Event, ServeOptions, Server};

use super::site::{copy_tree, fixtures, render_diags};

/// Generous: debug builds on a busy machine.
pub(crate) const PATIENCE: Duration = Duration::from_secs(60);

pub(crate) struct Preview {
    server: Option<Server>,
    pub root: PathBuf,
    _tmp: tempfile::TempDir,
}

/// What a served site's pages showed while the server ran, in order: each quick
/// re-render (`Event::Refreshed`), with the pages it wrote as they were served at
/// that moment, before the build that follows it; and each build.
#[derive(Debug, Clone)]
pub(crate) enum Seen {
    Refreshed {
        written: Vec<String>,
        /// Each HTML page written, by output file: its body as served.
        served: Vec<(String, String)>,
    },
    Built(u64),
}

impl Preview {
    pub(crate) fn start(fixture: &str) -> Preview {
        Preview::start_seeing(fixture).0
    }

    /// `start`, and what the server's pages show as it goes (see `Seen`).
    pub(crate) fn start_seeing(fixture: &str) -> (Preview, Arc<Mutex<Vec<Seen>>>) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        std::fs::create_dir(&root).unwrap();
        copy_tree(&fixtures().join(fixture), &root);
        let opts = ServeOptions {
            root: root.clone(),
            drafts: false,
            port: 0,
            output: Some(tmp.path().join("served")),
            base_url: None,
        };
        let seen = Arc::new(Mutex::new(Vec::new()));
        // The site's address, known once the server has started (before any edit).
        let url: Arc<OnceLock<(SocketAddr, String)>> = Arc::new(OnceLock::new());
        let on_event = {
            let (seen, url) = (seen.clone(), url.clone());
            move |event: &Event<'_>| {
                let next = match event {
                    Event::Built(b) => Seen::Built(b.generation),
                    Event::Refreshed(r) => Seen::Refreshed {
                        written: r.written.clone(),
                        served: served_now(url.get(), &r.written),
                    },
                    Event::WatchFailed(_) => return,
                };
                seen.lock().unwrap().push(next);
            }
        };
        let server = Server::start(opts, on_event).unwrap();
        let base = server.url();
        let base = base.split_once("//").unwrap().1;
        let path = base.find('/').map_or("/", |at| &base[at..]);
        url.set((server.addr(), path.to_string())).unwrap();
        let s = Preview {
            server: Some(server),
            root,
            _tmp: tmp,
        };
        s.wait_for(1);
        (s, seen)
    }

    pub(crate) fn server(&self) -> &Server {
        self.server.as_ref().unwrap()
    }

    pub(crate) fn get(&self, path: &str) -> Response {
        get(self.server().addr(), path)
    }

    /// Waits until build `generation` is done, and returns it.
    pub(crate) fn wait_for(&self, generation: u64) -> Arc<Build> {
        let start = Instant::now();
        loop {
            if let Some(b) = self.server().last_build()
                && b.generation >= generation
            {
                assert_eq!(b.generation, generation, "builds were skipped or repeated");
                return b;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "build {generation} did not come"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Rewrites a source file of the site.
    pub(crate) fn edit(&self, rel: &str, from: &str, to: &str) {
        let path = self.root.join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{rel} has no {from:?}");
        std::fs::write(&path, text.replace(from, to)).unwrap();
    }

    pub(crate) fn written(build: &Build) -> Vec<String> {
        match &build.outcome {
            Ok(b) => b.written.clone(),
            Err(d) => panic!("the build failed:\n{}", render_diags(d)),
        }
    }
}

impl Drop for Preview {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop();
        }
    }
}

pub(crate) struct Response {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Response {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

pub(crate) fn get(addr: SocketAddr, path: &str) -> Response {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut bytes = Vec::new();
    s.read_to_end(&mut bytes).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    Response {
        status: head.split(' ').nth(1).unwrap().parse().unwrap(),
        head: head.to_string(),
        body: body.to_string(),
    }
}

/// The HTML pages among `written` (output files), as the server at `url` (its address
/// and the site's base path) serves them now.
fn served_now(url: Option<&(SocketAddr, String)>, written: &[String]) -> Vec<(String, String)> {
    let (addr, base) = url.expect("an edit before the server started");
    (written.iter())
        .filter_map(|f| f.strip_suffix("index.html").map(|dir| (f, dir)))
        .map(|(f, dir)| (f.clone(), get(*addr, &format!("{base}{dir}")).body))
        .collect()
}

/// The build a served page says it comes from.
pub(crate) fn build_tag(html: &str) -> String {
    let at = html.find("data-build=\"").expect("no reload script") + 12;
    html[at..].split('"').next().unwrap().to_string()
}
