//! How the command line shows things: diagnostics and progress.

pub(crate) mod progress;
pub(crate) mod report;
