//! `accord serve`: the editor's preview. Builds the site with the library pipeline
//! (`crate::build`) into a private output folder, serves it on 127.0.0.1 under the
//! path of `base_url` (so links behave as in production), watches the sources and
//! rebuilds when they change, and tells open pages to reload (server-sent events).
//!
//! When only the files of existing records changed, the pages of those records are
//! re-rendered first on the site the last build kept (`crate::refresh`) and the pages
//! told to reload at once; the full build follows as always, and they reload again
//! when it is done.
//!
//! A failed rebuild leaves the last good site in place — the pipeline never writes a
//! failed build — and every page then carries an overlay with the errors. The reload
//! script and the overlay are added to HTML responses as they are sent: built files
//! never contain them. Prints nothing; what happens is reported as `Event`s.

mod http;
mod live;
mod watch;

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::diag::{Code, Diagnostic, Pos};
use crate::output::Manifest;
use crate::refresh::Kept;
use http::Response;

use watch::{Change, Watcher};

/// Ports tried after the one asked for, when it is taken.
const PORT_ATTEMPTS: u16 = 100;
/// How often an idle event stream is written to, to notice closed pages.
const KEEPALIVE: Duration = Duration::from_secs(15);
/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Most connections handled at once, each on its own thread; every open page holds
/// one (its event stream). A connection over the limit is answered 503 and closed, so
/// that many clients, or slow ones, cannot make the preview start threads without
/// bound.
pub const MAX_CONNECTIONS: usize = 64;

/// What to serve, and where.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    /// Include records marked `draft: true`.
    pub drafts: bool,
    /// The port to try first; the next free one is taken if it is busy. 0: any.
    pub port: u16,
    /// Where the served site is built; `None`: a folder in the system's temporary
    /// directory, kept between runs so that a restart rebuilds little.
    pub output: Option<PathBuf>,
    /// Serve under the path of this address instead of accord.yaml's `base_url`.
    pub base_url: Option<String>,
}

/// One build of a `serve` run.
#[derive(Debug)]
pub struct Build {
    /// 1 for the first build, then one more for each rebuild.
    pub generation: u64,
    /// The changed files that caused the build, relative to the root (empty for the
    /// first build).
    pub changed: Vec<PathBuf>,
    /// What was built, or every diagnostic of a failed build.
    pub outcome: Result<Built, Vec<Diagnostic>>,
    pub took: Duration,
}

/// What a successful build did.
#[derive(Debug, Clone)]
pub struct Built {
    pub records: usize,
    pub drafts_skipped: usize,
    /// How many files the build wrote (rendered pages, copied files).
    pub files_written: usize,
    /// The files the build wrote, by output path: only those whose inputs changed
    /// since the previous build (everything on the first build into a new folder).
    pub written: Vec<String>,
    /// The files the build deleted (a record removed or renamed).
    pub removed: Vec<String>,
    pub warnings: Vec<Diagnostic>,
}

/// The quick re-render of the pages of edited records, before the build that follows
/// (see `crate::refresh`).
#[derive(Debug)]
pub struct Refreshed {
    /// The changed files, relative to the root.
    pub changed: Vec<PathBuf>,
    /// The files written, by output path.
    pub written: Vec<String>,
    pub took: Duration,
}

/// What a `serve` run reports, for the command line to show.
#[derive(Debug)]
pub enum Event<'a> {
    /// A build finished, well or not.
    Built(&'a Build),
    /// The pages of edited records were re-rendered and reloaded; their build follows
    /// (the next `Built`).
    Refreshed(&'a Refreshed),
    /// The file watcher reported a problem; serving goes on.
    WatchFailed(&'a str),
}

/// A running preview server. `stop` ends it; so does dropping it.
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    changes: mpsc::Sender<Change>,
    threads: Vec<JoinHandle<()>>,
}

type OnEvent = dyn Fn(&Event<'_>) + Send + Sync;

/// What the threads of a server share.
struct Shared {
    root: PathBuf,
    /// `--base-url`, if given.
    base_url: Option<String>,
    /// The private output folder the site is built into and served from.
    site: PathBuf,
    /// Tells builds of this process apart from those of an earlier one.
    instance: u64,
    state: RwLock<State>,
    hub: live::Hub,
    stopping: AtomicBool,
}

#[derive(Default)]
struct State {
    generation: u64,
    /// Quick re-renders since the last build.
    refreshes: u64,
    base_path: String,
    /// A build succeeded once: `site` holds a site.
    have_site: bool,
    /// The overlay while the last build failed.
    overlay: Option<String>,
    /// The archive's language, for the overlay and the placeholder pages.
    language: String,
    last: Option<Arc<Build>>,
}

impl State {
    fn tag(&self, instance: u64) -> String {
        match self.refreshes {
            0 => format!("{instance:x}-{}", self.generation),
            n => format!("{instance:x}-{}.{n}", self.generation),
        }
    }
}

impl Server {
    /// Binds the port, then builds and watches in the background: the server answers
    /// at once (with a placeholder page until the first build is done).
    pub fn start(
        opts: ServeOptions,
        on_event: impl Fn(&Event<'_>) + Send + Sync + 'static,
    ) -> Result<Server, Diagnostic> {
        let listener = bind(opts.port).map_err(|e| {
            Diagnostic::error(
                Code::Serve,
                "",
                Pos::UNKNOWN,
                format!("cannot listen on 127.0.0.1: {e}"),
            )
            .with_help("choose another port with --port")
        })?;
        let addr = listener
            .local_addr()
            .map_err(|e| Diagnostic::error(Code::Serve, "", Pos::UNKNOWN, e.to_string()))?;
        let root = opts
            .root
            .canonicalize()
            .unwrap_or_else(|_| opts.root.clone());
        let site = match &opts.output {
            Some(dir) => dir.clone(),
            None => private_root(&std::env::temp_dir())?.join(private_name(
                &root,
                opts.drafts,
                addr.port(),
            )),
        };
        let (base_path, language) = Config::load_with_base_url(&root, opts.base_url.as_deref())
            .map_or_else(
                |_| ("/".to_string(), "en".to_string()),
                |c| (c.base_path, c.language),
            );
        let instance = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let shared = Arc::new(Shared {
            root: root.clone(),
            base_url: opts.base_url.clone(),
            site,
            instance,
            state: RwLock::new(State {
                base_path,
                language,
                ..State::default()
            }),
            hub: live::Hub::default(),
            stopping: AtomicBool::new(false),
        });
        let on_event: Box<OnEvent> = Box::new(on_event);

        let (changes, changed) = mpsc::channel();
        let watcher = Watcher::start(&root, changes.clone());
        let accept = {
            let shared = shared.clone();
            std::thread::spawn(move || accept_loop(&shared, &listener))
        };
        let builder = {
            let shared = shared.clone();
            let drafts = opts.drafts;
            std::thread::spawn(move || {
                let mut watcher = match watcher {
                    Ok(w) => Some(w),
                    Err(e) => {
                        on_event(&Event::WatchFailed(&e));
                        None
                    }
                };
                let mut kept = rebuild(&shared, drafts, Vec::new(), on_event.as_ref());
                while let Some(paths) = next_changes(&shared, &changed, on_event.as_ref()) {
                    if let Some(w) = &mut watcher {
                        w.refresh();
                    }
                    if let Some(k) = &mut kept {
                        quick(&shared, k, &paths, on_event.as_ref());
                    }
                    // Used once: the build makes a new one.
                    drop(kept.take());
                    kept = rebuild(&shared, drafts, paths, on_event.as_ref());
                }
            })
        };
        Ok(Server {
            addr,
            shared,
            changes,
            threads: vec![accept, builder],
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL of the site's home page: the base path on this server.
    pub fn url(&self) -> String {
        let base = self
            .shared
            .state
            .read()
            .map_or_else(|_| "/".to_string(), |s| s.base_path.clone());
        format!(
            "http://{}{}",
            self.addr,
            crate::escape::percent_encode_path(&base)
        )
    }

    /// The last build, once there is one.
    pub fn last_build(&self) -> Option<Arc<Build>> {
        self.shared.state.read().ok().and_then(|s| s.last.clone())
    }

    /// The folder the site is built into.
    pub fn site_dir(&self) -> &Path {
        &self.shared.site
    }

    /// Blocks until the server stops (it runs until the process ends).
    pub fn wait(mut self) {
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }

    /// Stops watching, building and serving, and closes every connection.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the accept loop and the builder.
        let _ = TcpStream::connect(self.addr);
        let _ = self.changes.send(Change::Paths(Vec::new()));
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        self.shared.hub.close();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !self.threads.is_empty() {
            self.shutdown();
        }
    }
}

/// Binds 127.0.0.1 on `port`, or the next free port above it.
fn bind(port: u16) -> io::Result<TcpListener> {
    if port == 0 {
        return TcpListener::bind((Ipv4Addr::LOCALHOST, 0));
    }
    let mut last = None;
    for p in port..=port.saturating_add(PORT_ATTEMPTS - 1) {
        match TcpListener::bind((Ipv4Addr::LOCALHOST, p)) {
            Ok(l) => return Ok(l),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::from(io::ErrorKind::AddrInUse)))
}

/// `<hash of root and options>`, the site's folder in the private root: the same folder
/// each time a site is served the same way, so that a restart finds the previous build.
fn private_name(root: &Path, drafts: bool, port: u16) -> String {
    let mut h = DefaultHasher::new();
    (root, drafts, port).hash(&mut h);
    format!("{:016x}", h.finish())
}

/// `TMP/accord-serve`, made readable and writable by the user only. The temporary
/// folder is shared by every user of the machine: a folder of that name that is a
/// symbolic link or another user's is refused, since what another user puts there
/// (a journal of an interrupted build) would be applied by the next build.
fn private_root(tmp: &Path) -> Result<PathBuf, Diagnostic> {
    let dir = tmp.join("accord-serve");
    let refuse = |why: String| {
        Diagnostic::error(
            Code::Serve,
            &dir,
            Pos::UNKNOWN,
            format!("cannot build the preview here: {why}"),
        )
        .with_help("remove that folder, or point TMPDIR at a folder of your own")
    };
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    match builder.create(&dir) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(refuse(e.to_string())),
        _ => {}
    }
    let meta = std::fs::symlink_metadata(&dir).map_err(|e| refuse(e.to_string()))?;
    if !meta.is_dir() {
        return Err(refuse(
            "it is not a folder (a symbolic link or a file)".into(),
        ));
    }
    if !crate::output::owned_by_user(&meta) {
        return Err(refuse("another user owns it".into()));
    }
    // A folder of the user's own that others may write to (made so by an earlier
    // version) is closed.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| refuse(e.to_string()))?;
        }
    }
    Ok(dir)
}

/// Waits for changes that matter, gathering those that arrive together; `None` when
/// the server stops.
fn next_changes(
    shared: &Shared,
    changes: &mpsc::Receiver<Change>,
    on_event: &OnEvent,
) -> Option<Vec<PathBuf>> {
    loop {
        let mut paths = Vec::new();
        let mut next = changes.recv().ok();
        while let Some(change) = next {
            match change {
                Change::Paths(p) => paths.extend(p),
                Change::Failed(e) => on_event(&Event::WatchFailed(&e)),
            }
            next = changes.try_recv().ok();
        }
        if shared.stopping.load(Ordering::SeqCst) {
            return None;
        }
        let mut rel: Vec<PathBuf> = paths
            .iter()
            .filter_map(|p| watch::relevant(&shared.root, p))
            .collect();
        rel.sort();
        rel.dedup();
        if !rel.is_empty() {
            return Some(rel);
        }
    }
}

/// Re-renders the pages of the records whose files `changed`, on the site the last
/// build kept, and tells the open pages to reload; nothing when the change is not a
/// plain edit of existing records (see `crate::refresh`).
fn quick(shared: &Shared, kept: &mut Kept, changed: &[PathBuf], on_event: &OnEvent) {
    let start = Instant::now();
    // A bug there is left to the build that follows, which reports it.
    let refreshed =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| kept.refresh(changed)));
    let Ok(Ok(written)) = refreshed else {
        return;
    };
    let Ok(mut state) = shared.state.write() else {
        return;
    };
    state.refreshes += 1;
    // Announced under the lock, so that a listener subscribing now hears either the
    // tag it reads or this event, never both (see `events`).
    shared
        .hub
        .broadcast(&live::event(&state.tag(shared.instance)));
    drop(state);
    on_event(&Event::Refreshed(&Refreshed {
        changed: changed.to_vec(),
        written,
        took: start.elapsed(),
    }));
}

/// Runs the pipeline into the private folder and publishes the result; what the
/// build kept for the quick re-render, when it succeeded.
fn rebuild(
    shared: &Shared,
    drafts: bool,
    changed: Vec<PathBuf>,
    on_event: &OnEvent,
) -> Option<Kept> {
    let start = Instant::now();
    let opts = crate::Options {
        root: shared.root.clone(),
        output: Some(shared.site.clone()),
        drafts,
        write: true,
        allow_empty: false,
        base_url: shared.base_url.clone(),
        cache: crate::cache::Mode::Use,
    };
    // The manifests before and after tell which files the incremental build wrote.
    let before = Manifest::load(&shared.site).unwrap_or_default();
    // A bug of the pipeline is reported like any failed build; serving goes on.
    let built = std::panic::catch_unwind(|| crate::build_keeping(&opts)).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(std::string::ToString::to_string)
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(vec![
            Diagnostic::error(
                Code::Internal,
                "",
                Pos::UNKNOWN,
                format!("accord failed while building: {why}"),
            )
            .with_help("this is a bug of accord; please report it with the file you changed"),
        ])
    });
    let mut kept = None;
    let outcome = built.map(|(r, k)| {
        kept = Some(k);
        let after = Manifest::load(&shared.site).unwrap_or_default();
        Built {
            records: r.records,
            drafts_skipped: r.drafts_skipped,
            files_written: r.files_written,
            written: (after.iter())
                .filter(|(f, h)| before.get(f) != Some(*h))
                .map(|(f, _)| f.to_string())
                .collect(),
            removed: (before.iter())
                .filter(|(f, _)| !after.contains(f))
                .map(|(f, _)| f.to_string())
                .collect(),
            warnings: r.warnings,
        }
    });
    let took = start.elapsed();
    let Ok(mut state) = shared.state.write() else {
        return None;
    };
    state.generation += 1;
    state.refreshes = 0;
    let config = Config::load_with_base_url(&shared.root, shared.base_url.as_deref());
    if let Ok(c) = &config {
        state.language.clone_from(&c.language);
    }
    match &outcome {
        Ok(_) => {
            state.have_site = true;
            state.overlay = None;
            if let Ok(c) = config {
                state.base_path = c.base_path;
            }
        }
        Err(diags) => {
            let chrome = live::chrome(&state.language);
            state.overlay = Some(live::overlay(&shared.root, diags, state.have_site, chrome));
        }
    }
    let build = Arc::new(Build {
        generation: state.generation,
        changed,
        outcome,
        took,
    });
    state.last = Some(build.clone());
    // Under the lock, as in the quick re-render above.
    shared
        .hub
        .broadcast(&live::event(&state.tag(shared.instance)));
    drop(state);
    on_event(&Event::Built(&build));
    kept
}

fn accept_loop(shared: &Arc<Shared>, listener: &TcpListener) {
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        if open.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            refuse_busy(stream);
            continue;
        }
        let slot = Slot::take(&open);
        let shared = shared.clone();
        std::thread::spawn(move || {
            let _slot = slot;
            let _ = handle(&shared, stream);
        });
    }
}

/// Answers 503 on the accept thread without waiting on the client: what it sent
/// already is read (so that closing does not reset the connection), nothing more.
fn refuse_busy(mut stream: TcpStream) {
    use std::io::Read;
    let _ = stream.set_nonblocking(true);
    let _ = stream.read(&mut [0; 4096]);
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_write_timeout(Some(Duration::from_millis(100)));
    let mut busy = http::Response::text(503, "accord serve is busy: too many connections\n");
    busy.headers.push(("Retry-After", "1".into()));
    let _ = busy.send(&mut stream, false);
    let _ = stream.shutdown(std::net::Shutdown::Write);
}

/// One of the `MAX_CONNECTIONS` connections, given back when dropped.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(open: &Arc<AtomicUsize>) -> Slot {
        open.fetch_add(1, Ordering::SeqCst);
        Slot(open.clone())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Answers one request.
fn handle(shared: &Shared, mut stream: TcpStream) -> io::Result<()> {
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    let Some(req) = http::read_request(&mut stream)? else {
        return Ok(());
    };
    let head = req.method == "HEAD";
    if (head || req.method == "GET")
        && http::is_local_host(req.host.as_deref())
        && req.path.as_deref() == Some(live::EVENTS_PATH)
    {
        return events(shared, stream);
    }
    answer(shared, &req)?
        .ranged(req.range.as_deref())
        .send(&mut stream, head)
}

/// The response to a request other than the event stream.
fn answer(shared: &Shared, req: &http::Request) -> io::Result<Response> {
    if req.method != "GET" && req.method != "HEAD" {
        let mut r = Response::text(405, "accord serve answers GET and HEAD\n");
        r.headers.push(("Allow", "GET, HEAD".into()));
        return Ok(r);
    }
    if !http::is_local_host(req.host.as_deref()) {
        return Ok(Response::text(
            400,
            "accord serve answers only for 127.0.0.1 and localhost\n",
        ));
    }
    let Some(path) = req.path.as_deref() else {
        return Ok(Response::text(400, "bad path\n"));
    };
    if path == live::SCRIPT_PATH {
        return Ok(Response::new(
            200,
            "text/javascript; charset=utf-8",
            live::SCRIPT,
        ));
    }
    let (tag, base, have_site, overlay, chrome) = {
        let s = shared
            .state
            .read()
            .map_err(|_| io::Error::other("poisoned"))?;
        (
            s.tag(shared.instance),
            s.base_path.clone(),
            s.have_site,
            s.overlay.clone(),
            live::chrome(&s.language),
        )
    };
    let additions = live::additions(&tag, overlay.as_deref());
    let html = |status: u16, page: &[u8]| {
        Response::new(
            status,
            "text/html; charset=utf-8",
            live::inject(page, &additions),
        )
    };
    let Some(rel) = path.strip_prefix(base.as_str()) else {
        if base.starts_with(path) {
            // `/` or a parent of the base path: go to the site.
            return Ok(Response::redirect(
                302,
                crate::escape::percent_encode_path(&base),
            ));
        }
        let page = live::placeholder(chrome, chrome.not_in_site, &chrome.served_under(&base));
        return Ok(html(404, page.as_bytes()));
    };
    if !have_site {
        let page = if overlay.is_some() {
            live::placeholder(chrome, "accord", chrome.does_not_build)
        } else {
            live::placeholder(chrome, "accord", chrome.building)
        };
        return Ok(html(503, page.as_bytes()));
    }
    let file = http::site_file(rel);
    let full = file.as_ref().map(|f| shared.site.join(f));
    if full.as_ref().is_some_and(|f| f.is_dir()) {
        return Ok(Response::redirect(301, format!("{}/", req.raw_path)));
    }
    Ok(
        match file.zip(full).map(|(f, full)| (std::fs::read(full), f)) {
            Some((Ok(bytes), file)) => {
                let kind = http::content_type(&file);
                if kind.starts_with("text/html") {
                    html(200, &bytes)
                } else {
                    Response::new(200, kind, bytes)
                }
            }
            _ => {
                let page = std::fs::read(shared.site.join("404.html")).unwrap_or_else(|_| {
                    live::placeholder(chrome, chrome.not_found, chrome.no_page).into_bytes()
                });
                html(404, &page)
            }
        },
    )
}

/// An event stream: the current build at once, then every new one.
fn events(shared: &Shared, mut stream: TcpStream) -> io::Result<()> {
    use std::io::Write;
    // Subscribed and the tag read under the state's lock, which a build holds while
    // it announces itself: the listener hears a new build either in the tag or as
    // an event, not twice (a page that reloads on every new tag would reload twice).
    let (builds, tag) = {
        let s = shared
            .state
            .read()
            .map_err(|_| io::Error::other("poisoned"))?;
        (shared.hub.subscribe(), s.tag(shared.instance))
    };
    http::start_events(&mut stream)?;
    stream.write_all(live::event(&tag).as_bytes())?;
    loop {
        match builds.recv_timeout(KEEPALIVE) {
            Ok(event) => stream.write_all(event.as_bytes())?,
            Err(RecvTimeoutError::Timeout) => stream.write_all(b": keep-alive\n\n")?,
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        }
        stream.flush()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn the_private_root_is_the_users_alone() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = private_root(tmp.path()).unwrap();
        assert_eq!(mode(&dir), 0o700);
        // Opened to others: closed again.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert_eq!(mode(&private_root(tmp.path()).unwrap()), 0o700);
        // A symbolic link in its place, made by someone else first: refused.
        let other = tempfile::tempdir().unwrap();
        std::fs::remove_dir(&dir).unwrap();
        std::os::unix::fs::symlink(other.path(), &dir).unwrap();
        let err = private_root(tmp.path()).unwrap_err();
        assert!(err.message.contains("not a folder"), "{}", err.message);
    }
}
