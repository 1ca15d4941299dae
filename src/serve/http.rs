//! Just enough HTTP/1.1 for a local preview: one request per connection, `GET` and
//! `HEAD`, file responses (with a single byte range, which the search page asks for
//! its packed files) and server-sent events. Loopback only; not a web server.

use std::borrow::Cow;
use std::io::{self, Read, Write};
use std::net::TcpStream;

/// Longest request head read.
const MAX_HEAD: usize = 16 * 1024;

/// A request line, read.
#[derive(Debug)]
pub(super) struct Request {
    pub method: String,
    /// The path as sent, percent-encoded, without the query.
    pub raw_path: String,
    /// The path decoded to text; `None` when it is not UTF-8 once decoded.
    pub path: Option<String>,
    /// The `Host` header, if any.
    pub host: Option<String>,
    /// The `Range` header, if any.
    pub range: Option<String>,
}

/// Reads the head of one request; `None` when the client sent nothing usable.
pub(super) fn read_request(stream: &mut TcpStream) -> io::Result<Option<Request>> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        head.extend_from_slice(&buf[..n]);
        if head.len() > MAX_HEAD {
            return Ok(None);
        }
    }
    let head = String::from_utf8_lossy(&head);
    let mut lines = head.lines();
    let mut parts = lines.next().unwrap_or("").split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Ok(None);
    };
    let (mut host, mut range) = (None, None);
    for l in lines {
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        let k = k.trim();
        if k.eq_ignore_ascii_case("host") && host.is_none() {
            host = Some(v.trim().to_string());
        } else if k.eq_ignore_ascii_case("range") && range.is_none() {
            range = Some(v.trim().to_string());
        }
    }
    let raw_path = target.split(['?', '#']).next().unwrap_or("").to_string();
    Ok(Some(Request {
        method: method.to_string(),
        path: crate::escape::percent_decode(&raw_path).map(Cow::into_owned),
        raw_path,
        host,
        range,
    }))
}

/// A whole response, sent with `Connection: close`.
pub(super) struct Response {
    pub status: u16,
    pub content_type: &'static str,
    /// Extra headers.
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub(super) fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            content_type,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// A plain-text message.
    pub(super) fn text(status: u16, message: &str) -> Self {
        Response::new(status, "text/plain", message)
    }

    /// A redirect (301 or 302) to `location`.
    pub(super) fn redirect(status: u16, location: String) -> Self {
        let mut r = Response::new(status, "text/plain", Vec::new());
        r.headers.push(("Location", location));
        r
    }

    /// The response to a request with `range` (its `Range` header): a whole file
    /// (200) becomes the part of it that a single range asks for (206), or 416 when
    /// the range starts past its end. Several ranges, or another unit, are answered
    /// with the whole file, as HTTP allows.
    pub(super) fn ranged(mut self, range: Option<&str>) -> Response {
        if self.status != 200 {
            return self;
        }
        self.headers.push(("Accept-Ranges", "bytes".into()));
        let len = self.body.len();
        match range.map(|r| byte_range(r, len)) {
            Some(Some(Ok(r))) => {
                let (start, end) = (*r.start(), *r.end());
                self.headers
                    .push(("Content-Range", format!("bytes {start}-{end}/{len}")));
                self.body = self.body[start..=end].to_vec();
                self.status = 206;
            }
            Some(Some(Err(()))) => {
                self.headers
                    .push(("Content-Range", format!("bytes */{len}")));
                self.body.clear();
                self.status = 416;
            }
            _ => {}
        }
        self
    }

    /// Writes the response and closes the exchange; only the head for a HEAD request.
    pub(super) fn send(&self, stream: &mut TcpStream, head_only: bool) -> io::Result<()> {
        let mut out = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len()
        );
        for (k, v) in &self.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        if !head_only {
            bytes.extend_from_slice(&self.body);
        }
        stream.write_all(&bytes)?;
        stream.flush()
    }
}

/// Starts an event stream; events are written to the stream afterwards.
pub(super) fn start_events(stream: &mut TcpStream) -> io::Result<()> {
    stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\nretry: 500\n\n",
    )?;
    stream.flush()
}

/// The bytes a `Range` header asks of a body of `len` bytes: `None` when it is not a
/// single range of bytes (then the whole body is sent), `Err` when it cannot be met.
fn byte_range(header: &str, len: usize) -> Option<Result<std::ops::RangeInclusive<usize>, ()>> {
    let spec = header.trim().strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let number = |s: &str| -> Option<usize> {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().unwrap_or(usize::MAX))
    };
    let (start, end) = match (number(first), last.trim()) {
        // The last `n` bytes.
        (None, _) if first.trim().is_empty() => {
            let n = number(last)?;
            if n == 0 {
                return Some(Err(()));
            }
            (len.saturating_sub(n), len.checked_sub(1))
        }
        (None, _) => return None,
        (Some(start), "") => (start, len.checked_sub(1)),
        (Some(start), _) => {
            let end = number(last)?;
            if end < start {
                return None;
            }
            (start, Some(end.min(len.saturating_sub(1))))
        }
    };
    match end {
        Some(end) if start < len => Some(Ok(start..=end)),
        _ => Some(Err(())),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        416 => "Range Not Satisfiable",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Whether a `Host` header names this machine's loopback: pages of other sites that
/// resolve their own name to 127.0.0.1 (DNS rebinding) get nothing.
pub(super) fn is_local_host(host: Option<&str>) -> bool {
    let Some(host) = host else {
        // HTTP/1.0 clients send none; they are not browsers on another site.
        return true;
    };
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(n, _)| n),
    };
    matches!(
        name.to_ascii_lowercase().as_str(),
        "127.0.0.1" | "localhost" | "::1"
    )
}

/// The file a URL path below the base path names, relative to the site folder:
/// `None` for anything that could leave it (`..`, an absolute or empty segment, a
/// backslash). A path ending in `/` names the `index.html` in it.
pub(super) fn site_file(rel: &str) -> Option<String> {
    let segments: Vec<&str> = rel.split('/').collect();
    let last = segments.len() - 1;
    let safe = segments.iter().enumerate().all(|(i, s)| {
        (!s.is_empty() || i == last)
            && *s != "."
            && *s != ".."
            && !s.contains(['\\', '\0'])
            && !(cfg!(windows) && s.contains(':'))
    });
    if !safe {
        return None;
    }
    let mut file = rel.to_string();
    if file.is_empty() || file.ends_with('/') {
        file.push_str("index.html");
    }
    Some(file)
}

/// The media type of a file, by its extension.
pub(super) fn content_type(file: &str) -> &'static str {
    let ext = file.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "txt" | "md" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_inside_the_site_are_named() {
        assert_eq!(site_file("").as_deref(), Some("index.html"));
        assert_eq!(site_file("trips/").as_deref(), Some("trips/index.html"));
        assert_eq!(site_file("style.css").as_deref(), Some("style.css"));
        for bad in [
            "/etc/passwd",
            "a//b",
            "../x",
            "a/./b",
            "a\\b",
            "a/..",
            "a\0b",
        ] {
            assert_eq!(site_file(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_loopback_host_names_are_served() {
        for ok in [
            "127.0.0.1:1111",
            "localhost:1111",
            "LOCALHOST",
            "[::1]:1111",
        ] {
            assert!(is_local_host(Some(ok)), "{ok}");
        }
        assert!(is_local_host(None));
        for bad in ["evil.example:1111", "127.0.0.1.evil.example", "[::2]:1"] {
            assert!(!is_local_host(Some(bad)), "{bad}");
        }
    }

    #[test]
    fn a_single_byte_range_is_answered_and_others_get_the_whole_file() {
        assert_eq!(byte_range("bytes=0-3", 10), Some(Ok(0..=3)));
        assert_eq!(byte_range("bytes=4-", 10), Some(Ok(4..=9)));
        assert_eq!(byte_range("bytes=-3", 10), Some(Ok(7..=9)));
        assert_eq!(byte_range("bytes=8-100", 10), Some(Ok(8..=9)));
        assert_eq!(byte_range("bytes=10-12", 10), Some(Err(())));
        assert_eq!(byte_range("bytes=-0", 10), Some(Err(())));
        assert_eq!(byte_range("bytes=0-0", 0), Some(Err(())));
        for whole in [
            "bytes=0-1,4-5",
            "items=0-1",
            "bytes=5-2",
            "bytes=a-b",
            "bytes=-",
        ] {
            assert_eq!(byte_range(whole, 10), None, "{whole}");
        }
        let r = Response::new(200, "application/octet-stream", b"0123456789".to_vec());
        let part = r.ranged(Some("bytes=2-4"));
        assert_eq!((part.status, part.body.as_slice()), (206, &b"234"[..]));
        assert!(
            part.headers
                .contains(&("Content-Range", "bytes 2-4/10".to_string()))
        );
        let r = Response::new(200, "application/octet-stream", b"0123456789".to_vec());
        let past = r.ranged(Some("bytes=20-"));
        assert_eq!((past.status, past.body.len()), (416, 0));
        let r = Response::text(404, "no");
        assert_eq!(r.ranged(Some("bytes=0-1")).status, 404);
    }

    #[test]
    fn media_types_by_extension() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("feed.xml"), "application/xml; charset=utf-8");
        assert_eq!(content_type("x.PDF"), "application/pdf");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }
}
