//! Running the `accord` binary: with bounded memory and a deadline, so that a
//! regression shows as a failure instead of a test run that never ends.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::site;

pub(crate) fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_accord")
}

/// Runs the binary with `args`, without colour.
pub(crate) fn accord_plain(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Far more than any of these runs needs; only there so that a regression shows as a
/// failure instead of a test run that never ends.
pub(crate) const DEADLINE: Duration = Duration::from_secs(300);

/// `accord build` on `root` (the binary, limited as `accord_limited`), which must succeed.
pub(crate) fn build_ok_limited(root: &std::path::Path) -> Output {
    let out = accord_limited(&["build", "--root", root.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs the binary with `args`, its address space limited to 4 GiB (so that a memory
/// bomb fails the run instead of the machine), killed at `DEADLINE`.
/// (Without a Unix shell, only the deadline applies.)
pub(crate) fn accord_limited(args: &[&str]) -> Output {
    let mut cmd = if cfg!(unix) {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("ulimit -v 4194304 && exec \"$0\" \"$@\"")
            .arg(bin());
        cmd
    } else {
        Command::new(bin())
    };
    cmd.args(args);
    run_with_deadline(cmd)
}

pub(crate) fn run_with_deadline(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain both pipes while waiting, so that a long report cannot block the child.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            pipe.read_to_end(&mut buf).unwrap();
            buf
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > DEADLINE {
            child.kill().unwrap();
            child.wait().unwrap();
            let err = stderr.join().unwrap();
            panic!(
                "accord did not finish within {DEADLINE:?}\n{}",
                shorten(&String::from_utf8_lossy(&err))
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// At most the first 3000 characters of a report, for assertion messages.
pub(crate) fn shorten(text: &str) -> String {
    match text.char_indices().nth(3000) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// `accord check` on a site: the exit code and what it printed.
pub(crate) fn check(root: &Path) -> (Option<i32>, String) {
    let out = accord_limited(&["check", "--root", root.to_str().unwrap()]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `accord check` on a site with one record at `rel`: the exit code and output.
pub(crate) fn check_one(rel: &str, bytes: &[u8]) -> (Option<i32>, String) {
    let s = site::site(&[(rel, bytes)]);
    check(s.path())
}
