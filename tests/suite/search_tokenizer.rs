//! One set of tokenizer vectors (tests/search_vectors.json) for both tokenizers: the
//! Rust one that builds the index and the JavaScript one that tokenizes queries in the
//! browser (run with node). If they drifted apart, queries would miss.

use std::process::Command;

use crate::support::{Tool, repo, require_tool, write_served_search_scripts};

fn vectors() -> serde_json::Value {
    let text = std::fs::read_to_string(repo().join("tests/search_vectors.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn the_rust_tokenizer_gives_the_shared_vectors() {
    let v = vectors();
    let cases = v["tokens"].as_array().unwrap();
    assert!(cases.len() >= 20, "too few vectors");
    let mut failures = Vec::new();
    for case in cases {
        let input = case["input"].as_str().unwrap();
        let want: Vec<&str> = case["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        let got = accord::search::tokenize(input);
        if got != want {
            failures.push(format!(
                "{}: {input:?}\n  want {want:?}\n  got  {got:?}",
                case["case"]
            ));
        }
        if let Some(joined) = case.get("joined") {
            let want: Vec<bool> = joined
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b.as_bool().unwrap())
                .collect();
            let got: Vec<bool> = accord::search::tokenize_joined(input)
                .into_iter()
                .map(|(_, j)| j)
                .collect();
            if got != want {
                failures.push(format!(
                    "{} (joined): want {want:?}, got {got:?}",
                    case["case"]
                ));
            }
        }
    }
    for case in v["follow_bits"].as_array().unwrap() {
        let token = case["token"].as_str().unwrap();
        let want = case["bit"].as_u64().unwrap();
        let got = u64::from(accord::search::follow_bit(token));
        if got != want {
            failures.push(format!("follow bit of {token:?}: want {want}, got {got}"));
        }
    }
    failures.extend(stems_and_distances(&v));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// An edit distance of two words, more than its last argument as that plus one.
type Distance = fn(&str, &str, usize) -> usize;

/// The `stems`, `distances`, `jamo_distances` and `phrases` of the vectors that the Rust side
/// does not give.
fn stems_and_distances(v: &serde_json::Value) -> Vec<String> {
    let mut failures = Vec::new();
    let stems = v["stems"].as_array().unwrap();
    assert!(stems.len() >= 40, "too few stems");
    for case in stems {
        let (word, want) = (
            case["word"].as_str().unwrap(),
            case["stem"].as_str().unwrap(),
        );
        let got = accord::search::stem(word);
        if got != want {
            failures.push(format!("stem of {word:?}: want {want:?}, got {got:?}"));
        }
    }
    for case in v["phrases"].as_array().unwrap() {
        let input = case["input"].as_str().unwrap();
        let want: Vec<&str> = (case["runs"].as_array().unwrap().iter())
            .map(|r| r.as_str().unwrap())
            .collect();
        let tokens = accord::search::tokenize_joined(input);
        let got: Vec<String> = (accord::search::phrase_runs(&tokens).into_iter())
            .map(|(_, run)| run)
            .collect();
        if got != want {
            failures.push(format!("phrases of {input:?}: want {want:?}, got {got:?}"));
        }
    }
    let distances: [(&str, Distance); 2] = [
        ("distances", accord::search::word_distance),
        ("jamo_distances", accord::search::jamo_distance),
    ];
    for (key, distance) in distances {
        for case in v[key].as_array().unwrap() {
            let (a, b) = (case["a"].as_str().unwrap(), case["b"].as_str().unwrap());
            let max = case["max"].as_u64().unwrap() as usize;
            let want = case["distance"].as_u64().unwrap() as usize;
            let got = distance(a, b, max);
            if got != want {
                failures.push(format!("{key} of {a:?} and {b:?}: want {want}, got {got}"));
            }
        }
    }
    failures
}

#[test]
fn the_browser_tokenizer_gives_the_shared_vectors() {
    let Some(node) = require_tool(Tool::Node) else {
        return;
    };
    // The theme's source, and the scripts as a site serves them (minified).
    let theme = repo().join("themes/default/static/search.js");
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("search.js");
    write_served_search_scripts(tmp.path());
    for script in [&theme, &served] {
        let out = Command::new(&node)
            .arg(repo().join("tests/search_tokenizer.mjs"))
            .arg(script)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stdout}{stderr}");
        let v = vectors();
        let total = [
            "tokens",
            "follow_bits",
            "stems",
            "distances",
            "jamo_distances",
            "phrases",
        ]
        .iter()
        .map(|k| v[k].as_array().unwrap().len())
        .sum::<usize>();
        assert!(
            stdout.contains(&format!("{total} vectors passed")),
            "{}: {stdout}{stderr}",
            script.display()
        );
    }
}
