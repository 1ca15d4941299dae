//! The progress bar of long builds: on a terminal only, never in CI, and only once
//! a build has run for a moment — short builds print just their summary line.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a build runs before its bar appears.
const DELAY: Duration = Duration::from_millis(400);

pub struct Bar {
    bar: ProgressBar,
    started: Instant,
    shown: AtomicBool,
}

impl Bar {
    /// A bar on standard error; `None` in CI (`CI` set) or when standard error is not
    /// a terminal.
    pub fn new() -> Option<Bar> {
        let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0");
        if ci || !std::io::stderr().is_terminal() {
            return None;
        }
        Some(Bar {
            bar: ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()),
            started: Instant::now(),
            shown: AtomicBool::new(false),
        })
    }

    fn show_when_due(&self) {
        if !self.shown.load(Ordering::Relaxed) && self.started.elapsed() >= DELAY {
            self.shown.store(true, Ordering::Relaxed);
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
    }

    /// Removes the bar, before the summary line is printed.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl accord::Progress for Bar {
    fn start(&self, what: &'static str, total: usize) {
        let style = if total == 0 {
            ProgressStyle::with_template("{spinner} {msg} {elapsed}")
        } else {
            ProgressStyle::with_template("{msg:>8} [{bar:40}] {pos}/{len} {elapsed}")
                .map(|s| s.progress_chars("=> "))
        };
        if let Ok(style) = style {
            self.bar.set_style(style);
        }
        self.bar.set_length(total as u64);
        self.bar.set_position(0);
        self.bar.set_message(what);
        self.show_when_due();
    }

    fn advance(&self) {
        self.bar.inc(1);
        self.show_when_due();
    }
}
