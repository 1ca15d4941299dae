//! What the integration tests share: sites on disk and their builds, the one archive
//! generator, running the binary with limits, the outside tools (Chromium, Node.js,
//! Java) with the one rule for when they are missing, and the preview server.

mod archive;
mod percent;
mod run;
pub mod serving;
mod site;
mod tools;

pub use archive::*;
pub use percent::*;
pub use run::*;
pub use site::*;
pub use tools::*;
