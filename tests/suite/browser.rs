//! Live reload in a real browser: headless Chromium, driven through the DevTools
//! protocol, opens a record served by `accord serve`; the record file is edited; the
//! page must reload by itself (a fresh document, with the new title), and show the
//! error overlay after a broken edit.
//!
//! Chromium is found by `support::require_tool`: without it the test fails when `CI`
//! is set and is skipped, loudly, when not. `.ci/run` installs it.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use crate::support::serving::{PATIENCE, Preview};
use crate::support::{Tool, headless_chromium, require_tool};

#[test]
fn live_reload_reloads_the_open_page_in_chromium() {
    let Some(chromium) = require_tool(Tool::Chromium) else {
        return;
    };
    let s = Preview::start("serve");
    let browser = Browser::launch(&chromium);
    let mut page = browser.page();
    let url = format!("http://{}/archive/trips/old/", s.server().addr());

    page.navigate(&url);
    // A mark only this document has: a reload makes a new document without it.
    let h1 =
        page.eval("window.accordTestMark = 'before'; document.querySelector('h1').textContent");
    assert_eq!(h1, "Early mission");

    s.edit(
        "content/trips/old.md",
        "title: Early mission",
        "title: First mission to Seoul",
    );
    // Reloaded once the record's page is re-rendered, and again (unless the reloaded
    // page is already the build's) once the build is done.
    s.wait_for(2);
    page.wait_for_load();
    let now = "[typeof window.accordTestMark, document.querySelector('h1')?.textContent].join('|')";
    let expected = "undefined|First mission to Seoul";
    assert_eq!(page.eval_until(now, expected), expected);

    // A broken edit: the page reloads with the overlay, over the last good version.
    // (The build's reload of the edit above may still come: the mark is then lost,
    // as the reload below loses it.)
    page.eval_until("window.accordTestMark = 'before'", "before");
    s.edit(
        "content/trips/old.md",
        "cities: [서울]",
        "cities: [서울, 서울시청]",
    );
    s.wait_for(3);
    page.wait_for_load();
    let now = "[typeof window.accordTestMark, document.querySelector('h1')?.textContent, document.querySelector('#accord-errors h2')?.textContent].join('|')";
    let expected = "undefined|First mission to Seoul|accord: 1 error — this page is the last version that built";
    assert_eq!(page.eval_until(now, expected), expected);
    // Its close button works.
    assert_eq!(
        page.eval("document.getElementById('accord-errors-close').click(); String(document.getElementById('accord-errors'))"),
        "null"
    );

    // Fixed: reloaded again, no overlay.
    s.edit(
        "content/trips/old.md",
        "cities: [서울, 서울시청]",
        "cities: [서울]",
    );
    s.wait_for(4);
    page.wait_for_load();
    let now = "String(document.getElementById('accord-errors'))";
    assert_eq!(page.eval_until(now, "null"), "null");
    drop(page);
    browser.close();
}

/// A headless Chromium with the DevTools protocol on a port of its choosing.
pub(crate) struct Browser {
    child: Child,
    /// `127.0.0.1:port` of the DevTools endpoint.
    devtools: String,
    browser_ws: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub(crate) fn launch(program: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let mut child = headless_chromium(program, profile.path())
            .args(["--remote-debugging-port=0", "about:blank"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        // Chromium says where its DevTools listen on standard error.
        let (tx, rx) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let start = Instant::now();
        let mut said = String::new();
        let browser_ws = loop {
            let left = PATIENCE.saturating_sub(start.elapsed());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(at) = line.find("ws://") {
                        break line[at..].trim().to_string();
                    }
                    said.push_str(&line);
                    said.push('\n');
                }
                Err(_) => {
                    let _ = child.kill();
                    panic!("Chromium gave no DevTools address:\n{said}");
                }
            }
        };
        let devtools = browser_ws
            .strip_prefix("ws://")
            .and_then(|r| r.split('/').next())
            .unwrap()
            .to_string();
        Browser {
            child,
            devtools,
            browser_ws,
            _profile: profile,
        }
    }

    /// The open tab.
    pub(crate) fn page(&self) -> Page {
        let targets: Value = serde_json::from_str(&http_get(&self.devtools, "/json/list")).unwrap();
        let ws = targets
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["type"] == "page")
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .expect("no page target")
            .to_string();
        let mut page = Page::connect(&ws);
        page.call("Page.enable", json!({}));
        page
    }

    fn close(mut self) {
        if let Ok((mut ws, _)) = tungstenite::connect(self.browser_ws.as_str()) {
            let _ = ws.send(Message::text(
                json!({"id": 1, "method": "Browser.close"}).to_string(),
            ));
        }
        let start = Instant::now();
        while start.elapsed() < PATIENCE {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One tab, over the DevTools protocol.
pub(crate) struct Page {
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// Events received while waiting for replies.
    events: VecDeque<Value>,
}

impl Page {
    fn connect(url: &str) -> Page {
        let (ws, _) = tungstenite::connect(url).unwrap();
        if let MaybeTlsStream::Plain(s) = ws.get_ref() {
            s.set_read_timeout(Some(PATIENCE)).unwrap();
        }
        Page {
            ws,
            next_id: 0,
            events: VecDeque::new(),
        }
    }

    fn receive(&mut self) -> Value {
        loop {
            match self.ws.read().expect("DevTools connection failed") {
                Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
                Message::Close(_) => panic!("DevTools connection closed"),
                _ => {}
            }
        }
    }

    /// Sends a command and returns its result.
    pub(crate) fn call(&mut self, method: &str, params: Value) -> Value {
        let m = self.answer(method, params);
        assert!(m.get("error").is_none(), "{method}: {m}");
        m["result"].clone()
    }

    /// Sends a command and returns the whole answer, an error included.
    fn answer(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let msg = json!({"id": id, "method": method, "params": params});
        self.ws.send(Message::text(msg.to_string())).unwrap();
        loop {
            let m = self.receive();
            if m["id"] == id {
                return m;
            }
            self.events.push_back(m);
        }
    }

    /// Waits for the next load of the document (the first not yet seen).
    pub(crate) fn wait_for_load(&mut self) {
        let start = Instant::now();
        loop {
            while let Some(e) = self.events.pop_front() {
                if e["method"] == "Page.loadEventFired" {
                    return;
                }
            }
            assert!(start.elapsed() < PATIENCE, "the page did not reload");
            let m = self.receive();
            self.events.push_back(m);
        }
    }

    pub(crate) fn navigate(&mut self, url: &str) {
        self.events.clear();
        self.call("Page.navigate", json!({"url": url}));
        self.wait_for_load();
    }

    /// Evaluates an expression in the page; its value as text.
    pub(crate) fn eval(&mut self, expression: &str) -> String {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        );
        assert!(r.get("exceptionDetails").is_none(), "{expression}: {r}");
        text_of(&r["result"]["value"])
    }

    /// Evaluates an expression until it gives `expected`, or `PATIENCE` has passed,
    /// and returns its last value (or error): for a page that may reload more than once
    /// (`serve` reloads it after re-rendering a saved record, then after the build), in
    /// which an evaluation can meet a document being replaced.
    pub(crate) fn eval_until(&mut self, expression: &str, expected: &str) -> String {
        let start = Instant::now();
        loop {
            let params = json!({"expression": expression, "returnByValue": true});
            let m = self.answer("Runtime.evaluate", params);
            let r = &m["result"];
            let value = match (m.get("error"), r.get("exceptionDetails")) {
                (None, None) => text_of(&r["result"]["value"]),
                _ => m.to_string(),
            };
            if value == expected || start.elapsed() >= PATIENCE {
                return value;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A value of the DevTools protocol as text: a string as it is, anything else as JSON.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A GET to the DevTools HTTP endpoint, which keeps connections open: the body is
/// read by its length.
fn http_get(host: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let s = TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    write!(&s, "GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").unwrap();
    let mut reader = BufReader::new(s);
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    String::from_utf8(body).unwrap()
}
