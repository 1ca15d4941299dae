//! What the integration tests share: sites on disk and their builds, the one archive
//! generator, running the binary with limits, the outside tools (Chromium, Node.js,
//! Java) with the one rule for when they are missing, and the preview server.

mod archive;
mod percent;
mod run;
pub(crate) mod serving;
mod site;
mod tools;

pub(crate) use archive::*;
pub(crate) use percent::*;
pub(crate) use run::*;
pub(crate) use site::*;
pub(crate) use tools::*;
