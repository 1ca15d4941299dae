//! The progress bar of long builds: on a terminal only, never in CI, and only once
//! a build has run for a moment — short builds print just their summary line.

use std::io::IsTerminal;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a build runs before its bar appears.
const DELAY: Duration = Duration::from_millis(400);

pub(crate) struct Bar {
    /// The bar of the current step; each step gets a new one.
    bar: RwLock<ProgressBar>,
    started: Instant,
    shown: AtomicBool,
}

impl Bar {
    /// A bar on standard error; `None` in CI (`CI` set) or when standard error is not
    /// a terminal.
    pub(crate) fn new() -> Option<Bar> {
        let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0");
        if ci || !std::io::stderr().is_terminal() {
            return None;
        }
        Some(Bar {
            bar: RwLock::new(ProgressBar::hidden()),
            started: Instant::now(),
            shown: AtomicBool::new(false),
        })
    }

    fn show_when_due(&self, bar: &ProgressBar) {
        if self.started.elapsed() >= DELAY && !self.shown.swap(true, Ordering::Relaxed) {
            show(bar);
        }
    }

    /// Removes the bar, before the summary line is printed.
    pub(crate) fn finish(&self) {
        if let Ok(bar) = self.bar.read() {
            bar.finish_and_clear();
        }
    }
}

fn show(bar: &ProgressBar) {
    bar.set_draw_target(ProgressDrawTarget::stderr());
    bar.enable_steady_tick(Duration::from_millis(120));
}

impl accord::Progress for Bar {
    fn start(&self, what: &'static str, total: usize) {
        let style = if total == 0 {
            ProgressStyle::with_template("{spinner} {msg} {elapsed}")
        } else {
            ProgressStyle::with_template("{msg:>8} [{bar:40}] {pos}/{len} {elapsed}")
                .map(|s| s.progress_chars("=> "))
        };
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden())
            .with_style(style.unwrap_or_else(|_| ProgressStyle::default_bar()))
            .with_message(what)
            .with_elapsed(self.started.elapsed());
        let Ok(mut current) = self.bar.write() else {
            return;
        };
        current.finish_and_clear();
        if self.shown.load(Ordering::Relaxed) {
            show(&bar);
        }
        *current = bar;
        self.show_when_due(&current);
    }

    fn advance(&self) {
        if let Ok(bar) = self.bar.read() {
            bar.inc(1);
            self.show_when_due(&bar);
        }
    }
}
