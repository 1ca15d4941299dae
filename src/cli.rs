//! The command line's own helpers: how diagnostics and progress are shown.

pub mod progress;
pub mod report;
