//! How the command line shows things: diagnostics and progress.

pub mod progress;
pub mod report;
