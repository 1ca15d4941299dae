//! `accord serve` under load: connections beyond `MAX_CONNECTIONS` are refused at once
//! instead of each taking a thread.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use crate::support::serving::{PATIENCE, Preview};
use accord::serve::MAX_CONNECTIONS;

/// Connects and reads the answer without sending a request.
fn answer_without_request(s: &Preview) -> String {
    let mut stream = TcpStream::connect(s.server().addr()).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn connections_over_the_limit_are_answered_busy_instead_of_each_taking_a_thread() {
    let s = Preview::start("serve");
    // Clients that connect and send nothing hold a connection until the read timeout.
    let idle: Vec<TcpStream> = (0..MAX_CONNECTIONS)
        .map(|_| TcpStream::connect(s.server().addr()).unwrap())
        .collect();
    let busy = answer_without_request(&s);
    assert!(busy.starts_with("HTTP/1.1 503"), "{busy}");
    assert!(busy.contains("too many connections"), "{busy}");

    // Once they leave, pages are served again.
    drop(idle);
    let start = Instant::now();
    while status_of_home(&s) != Some(200) {
        assert!(
            start.elapsed() < PATIENCE,
            "the connections were not given back"
        );
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
}

/// The status of `GET /archive/`; `None` when the connection was reset (a refused
/// connection may close before reading the request).
fn status_of_home(s: &Preview) -> Option<u16> {
    let mut stream = TcpStream::connect(s.server().addr()).ok()?;
    stream.set_read_timeout(Some(PATIENCE)).ok()?;
    let addr = s.server().addr();
    write!(
        stream,
        "GET /archive/ HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes)
        .split(' ')
        .nth(1)?
        .parse()
        .ok()
}
