//! The inputs kept from fuzzing (tests/fuzz/<target>/), run through the same checks
//! as the fuzz targets in fuzz/, on stable Rust. Every input that once broke an
//! invariant stays here.
//!
//! `ACCORD_FUZZ_CORPUS=DIR cargo test --test suite fuzz_regressions -- --ignored` replays
//! every file of DIR/front_matter and DIR/markdown (for example fuzz/corpus after a
//! fuzzing run) the same way.

#[path = "../../fuzz/src/lib.rs"]
mod checks;

use std::path::Path;

fn replay(dir: &Path, check: fn(&[u8])) -> usize {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in &files {
        let data = std::fs::read(file).unwrap();
        let result = std::panic::catch_unwind(|| check(&data));
        assert!(result.is_ok(), "{} breaks an invariant", file.display());
    }
    files.len()
}

fn kept(target: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz")
        .join(target)
}

#[test]
fn front_matter_inputs_found_by_fuzzing() {
    assert!(replay(&kept("front_matter"), checks::front_matter) > 0);
}

#[test]
fn markdown_inputs_found_by_fuzzing() {
    assert!(replay(&kept("markdown"), checks::markdown) > 0);
}

#[test]
#[ignore = "replays a whole corpus: set ACCORD_FUZZ_CORPUS"]
fn replay_a_corpus() {
    let Some(dir) = std::env::var_os("ACCORD_FUZZ_CORPUS") else {
        return;
    };
    let dir = Path::new(&dir);
    let n = replay(&dir.join("front_matter"), checks::front_matter)
        + replay(&dir.join("markdown"), checks::markdown);
    assert!(n > 0);
}
