//! Times the search index build of an archive and reports its size.
//!
//!     cargo run --release --example search_bench -- ROOT [RUNS [OUT]]
//!     cargo run --release --example search_bench -- ROOT --queries QUERIES.json
//!     cargo run --release --example search_bench -- WORDS.json --stems
//!     cargo run --release --example search_bench -- SCRIPT.js --minify
//!
//! Loads the site as `accord build` does (steps 1–5), then builds the index RUNS
//! times (default 5) and prints one JSON object: records, the median and the fastest
//! build time (wall clock and CPU time of the process), the number of files and their
//! total size, shard sizes. With OUT, also writes the index files below OUT.
//!
//! With `--stems`, prints the stem of every word of a JSON list, as the index stems
//! them; with `--minify`, a script as a site serves it (`accord::minify`).
//! `ACCORD_SEARCH_SIZES` builds the index with other file sizes (see `sizes`). With `--queries`, builds the index once and answers every query of the file (a
//! JSON list of strings) with the reader, which answers as the page does: prints per
//! query the source file of every hit, best first (the complete answer), the
//! suggestion, and the files a first query reads with their sizes (the index files
//! the page's first ten results need — a term's head for a query of one term that has
//! one, `Reader::first_page` — then the record files of the first ten hits), and the
//! parts of the page's engine it loads besides `search.js` (`Results::parts`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use accord::config::Config;
use accord::registry::Registry;
use accord::site::Site;
use accord::{content, search, source};

/// The allocator of the `accord` command, so that the build is timed as it runs there.
#[global_allocator]
static ALLOCATOR: accord::allocator::Allocator = accord::allocator::Allocator;

fn main() {
    accord::allocator::configure();
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let second = args.next();
    if second.as_deref() == Some("--stems") {
        stems(&root);
        return;
    }
    if second.as_deref() == Some("--minify") {
        let text = std::fs::read_to_string(&root).expect("a script");
        print!("{}", accord::minify::javascript(&text).unwrap_or(text));
        return;
    }
    let queries = match second.as_deref() {
        Some("--queries") => args.next().map(PathBuf::from),
        _ => None,
    };
    let runs: usize = second.and_then(|s| s.parse().ok()).unwrap_or(5);
    let out = args.next().map(PathBuf::from);
    if !root.join("content").is_dir() {
        eprintln!("{}: no content/ folder", root.display());
        std::process::exit(2);
    }
    let config = Config::load(&root).unwrap_or_else(|d| fail(&d));
    let registry = Registry::load(&root).unwrap_or_else(|d| fail(&d));
    let sources = source::load(&root);
    let mut records = Vec::new();
    for f in &sources.files {
        let (record, diags) = content::parse(f, &registry, &config);
        if diags.iter().any(accord::diag::Diagnostic::is_error) {
            fail(&diags);
        }
        records.extend(record.filter(|r| !r.draft));
    }
    let all: HashSet<&Path> = sources.files.iter().map(|f| f.rel_path.as_path()).collect();
    let site = Site::build(config, registry, records, &all).unwrap_or_else(|d| fail(&d));
    if let Some(file) = queries {
        answer(&site, &file);
        return;
    }

    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut index = search::Index::default();
    for _ in 0..runs.max(1) {
        let (start, cpu_start) = (Instant::now(), cpu_seconds());
        index = search::build_sized(&site, &sizes());
        times.push(start.elapsed().as_secs_f64());
        cpu.push(cpu_seconds() - cpu_start);
    }
    times.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    if let Some(out) = &out {
        for (rel, bytes) in &index.files {
            let path = out.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
    }
    // The shards, in their packs.
    let shards: Vec<usize> = (index.files.iter())
        .filter(|(p, _)| p.starts_with("search/s/"))
        .flat_map(|(_, b)| (0..).map_while(|k| search::pack_range(b, k).ok().map(|r| r.len())))
        .collect();
    let docs: usize = index
        .files
        .iter()
        .filter(|(p, _)| p.starts_with("search/d/"))
        .map(|(_, b)| b.len())
        .sum();
    let size = |p: &str| index.get(p).map_or(0, <[u8]>::len);
    let report = serde_json::json!({
        "records": site.entries.len(),
        "build_seconds_median": times[times.len() / 2],
        "build_seconds_min": times[0],
        "cpu_seconds_median": cpu[cpu.len() / 2],
        "threads": rayon::current_num_threads(),
        "files": index.files.len(),
        "files_by_folder": files_by_folder(&index),
        "bytes_total": index.size(),
        "manifest_bytes": size(search::MANIFEST),
        "cities_bytes": size(search::CITIES),
        "shards": shards.len(),
        "shard_bytes_total": shards.iter().sum::<usize>(),
        "shard_bytes_max": shards.iter().max().copied().unwrap_or(0),
        "record_files_bytes": docs,
    });
    println!("{report:#}");
}

/// The sizes of the index's files: those of `accord build`, or
/// `ACCORD_SEARCH_SIZES=SHARD,BLOCKS,RECORDS,PASSAGES,KEYS[,BLOCK_FILES[,HEAD_FROM]]`
/// (bytes, bytes, records per record pack, records per passages pack, shards per key
/// file and shards pack, followers or preceders files per pack, postings bytes past
/// which a term gets a head) to compare others.
fn sizes() -> search::Sizes {
    let Ok(text) = std::env::var("ACCORD_SEARCH_SIZES") else {
        return search::Sizes::BUILD;
    };
    let n: Vec<usize> = (text.split(','))
        .map(|v| {
            v.trim()
                .parse()
                .expect("ACCORD_SEARCH_SIZES: five to seven numbers")
        })
        .collect();
    assert!(
        (5..=7).contains(&n.len()) && n.iter().all(|&v| v > 0),
        "ACCORD_SEARCH_SIZES: five to seven numbers"
    );
    search::Sizes {
        shard: n[0],
        blocks: n[1],
        records_per_file: n[2],
        passages_per_file: n[3],
        keys_per_file: n[4],
        blocks_per_file: n
            .get(5)
            .copied()
            .unwrap_or(search::Sizes::BUILD.blocks_per_file),
        head_from: n.get(6).copied().unwrap_or(search::Sizes::BUILD.head_from),
        ..search::Sizes::BUILD
    }
}

/// The number of files of the index per folder under `search/` (the manifest and
/// `cities.bin` under ".").
fn files_by_folder(index: &search::Index) -> serde_json::Value {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for (path, _) in &index.files {
        let rest = path.strip_prefix("search/").unwrap_or(path);
        *counts
            .entry(rest.split_once('/').map_or(".", |(dir, _)| dir))
            .or_default() += 1;
    }
    serde_json::json!(counts)
}

/// Prints the term of every word of `file` (a JSON list of strings) as the index
/// makes it (`search::stem`): the quality script's truth matches English words by
/// their stem, as the index does.
fn stems(file: &Path) {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let words: Vec<String> = serde_json::from_str(&text).expect("a JSON list of strings");
    let stems: Vec<String> = words.iter().map(|w| search::stem(w).into_owned()).collect();
    println!("{}", serde_json::Value::from(stems));
}

/// Answers the queries of `file` (see the module's doc).
fn answer(site: &Site, file: &Path) {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let queries: Vec<String> = serde_json::from_str(&text).expect("a JSON list of strings");
    let index = search::build_sized(site, &sizes());
    let reader = search::Reader::open(|p: &str| index.get(p).map(<[u8]>::to_vec)).unwrap();
    let base = &site.config.base_path;
    let source_of: std::collections::HashMap<String, String> = (site.entries.iter())
        .map(|e| (e.url(base), e.record.source.display().to_string()))
        .collect();
    let url_of = |d: u32| -> String {
        let (path, at) = reader.manifest.record_file(d as usize);
        let pack = index.get(&path).unwrap_or_default();
        let item = search::pack_item(pack, at).unwrap_or_default();
        let v: serde_json::Value = serde_json::from_slice(item).unwrap_or_default();
        v["u"].as_str().unwrap_or_default().to_string()
    };
    // A whole file's size, or the bytes of a range of a pack.
    let size =
        |p: &str| search::read_size(p).unwrap_or_else(|| index.get(p).map_or(0, <[u8]>::len));
    let answers: Vec<serde_json::Value> = (queries.iter())
        .map(|q| {
            let res = reader
                .search_with(q, &search::Filters::default(), false)
                .unwrap();
            let hits: Vec<&str> = (res.hits.iter())
                .map(|&(d, _)| source_of.get(url_of(d).as_str()).map_or("", String::as_str))
                .collect();
            // What the page reads for its first ten results (a head, when the query
            // is one term that has one).
            let first = (reader.first_page(q, &search::Filters::default(), false, 10)).unwrap();
            let mut files: Vec<(String, usize)> = (first.fetched.iter())
                .map(|p| (p.clone(), size(p)))
                .collect();
            // The record of each of the first ten hits: two ranges of its pack.
            for &(d, _) in res.hits.iter().take(10) {
                let (p, at) = reader.manifest.record_file(d as usize);
                let mut read = Vec::new();
                reader.item(&p, at, &mut read).unwrap();
                for entry in read {
                    if !files.iter().any(|(f, _)| *f == entry) {
                        let n = size(&entry);
                        files.push((entry, n));
                    }
                }
            }
            serde_json::json!({"q": q, "hits": hits, "suggestion": res.suggestion, "files": files,
                "parts": first.parts})
        })
        .collect();
    println!("{}", serde_json::Value::Array(answers));
}

/// User and system time of this process so far (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, in 1/100 s.
    (ticks(11) + ticks(12)) / 100.0
}

fn fail(diags: &[accord::diag::Diagnostic]) -> ! {
    for d in diags.iter().take(20) {
        eprintln!("{d}");
    }
    std::process::exit(1);
}
