//! The integration tests, in one binary: one link instead of one per file, and one
//! support module compiled once. Each module is one area; run one with
//! `cargo test --test suite <module>::`.
//!
//! The tests of one binary run as threads of one process: no test may change the
//! current directory or the environment of the process (a test sets them on the
//! commands it runs instead).

// A test reads as one story from setup to the last assertion; the limit on function
// length (Cargo.toml's `[lints]`) is for the library.
#![allow(clippy::too_many_lines)]

mod support;

mod architecture;
mod bounds;
mod browser;
mod cache;
mod careless_inputs;
mod cjk;
mod cli;
mod cms;
mod conflicts;
mod determinism;
mod diagnostics;
mod editions;
mod escaping;
mod facts;
mod fixtures_build;
mod fuzz_regressions;
mod hostile_input;
mod hostile_paths;
mod incremental;
mod install;
mod open_data;
mod organizations;
mod output_dir;
mod publish;
mod relations;
mod scaffold;
mod schemas;
mod search_browser;
mod search_index;
mod search_tokenizer;
mod serve;
mod serve_limits;
mod serve_refresh;
mod translations;
mod validate;
