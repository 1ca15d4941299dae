//! Benchmark (not a test): how long `accord serve` takes to rebuild after an edit of
//! one record, on a large archive. Serves ARCHIVE, changes the title of one record
//! several times (restoring it at the end), and reports each rebuild.
//!
//! ```sh
//! python3 ../shared/bench/gen_archive.py --docs 10000 --out /tmp/a10k --flavor accord
//! cargo run --release --example edit_rebuild -- /tmp/a10k
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use accord::serve::{Build, ServeOptions, Server};

const EDITS: usize = 5;

fn main() {
    let root = PathBuf::from(
        std::env::args()
            .nth(1)
            .expect("usage: edit_rebuild ARCHIVE"),
    );
    let record = first_record(&root.join("content/trips"));
    let original = std::fs::read_to_string(&record).unwrap();
    // In a folder of its own: the site, and the manifest accord keeps beside it.
    let work = std::env::temp_dir().join(format!("accord-edit-rebuild-{}", std::process::id()));
    let served = work.join("site");
    let opts = ServeOptions {
        root: root.clone(),
        drafts: false,
        port: 0,
        output: Some(served.clone()),
        base_url: None,
    };
    let server = Server::start(opts, |_| {}).expect("cannot serve");
    let first = wait_for(&server, 1);
    let total = report(&first, "first build");

    let mut rebuilds = Vec::new();
    let mut latencies = Vec::new();
    for i in 1..=EDITS {
        let edited = original.replacen("title: ", &format!("title: (edit {i}) "), 1);
        let saved = Instant::now();
        std::fs::write(&record, edited).unwrap();
        let b = wait_for(&server, 1 + i as u64);
        latencies.push(saved.elapsed());
        report(&b, &format!("edit {i}"));
        rebuilds.push(b.took);
    }
    std::fs::write(&record, &original).unwrap();
    wait_for(&server, 2 + EDITS as u64);
    server.stop();
    let _ = std::fs::remove_dir_all(&work);

    println!(
        "\n{} files in the site; one-record title edit, median of {EDITS}: rebuild {:.0} ms, save to new page served {:.0} ms",
        total,
        median(&mut rebuilds).as_secs_f64() * 1000.0,
        median(&mut latencies).as_secs_f64() * 1000.0,
    );
}

fn first_record(dir: &Path) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("no content/trips in the archive")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    files.into_iter().next().expect("no trip to edit")
}

fn wait_for(server: &Server, generation: u64) -> Arc<Build> {
    loop {
        if let Some(b) = server.last_build()
            && b.generation >= generation
        {
            return b;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Prints one build; returns how many files the site has.
fn report(b: &Build, what: &str) -> usize {
    match &b.outcome {
        Ok(built) => {
            println!(
                "{what:>12}: {:>8.0} ms, {} files written: {}",
                b.took.as_secs_f64() * 1000.0,
                built.files_written,
                if built.written.len() <= 12 {
                    built.written.join(" ")
                } else {
                    "…".into()
                }
            );
            built.written.len()
        }
        Err(d) => panic!("{what} failed: {:?}", d.first()),
    }
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}
