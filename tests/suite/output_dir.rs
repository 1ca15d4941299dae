//! The output directory, black box through the binary: accord never deletes or
//! overwrites a directory it did not create, and a build killed at any moment leaves
//! the previous site in place, whole.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

fn build(root: &Path, output: Option<&Path>, cwd: Option<&Path>) -> (Option<i32>, String) {
    let mut cmd = Command::new(bin());
    cmd.args(["build", "--root", path_str(root)]);
    if let Some(o) = output {
        cmd.args(["--output", path_str(o)]);
    }
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let out = run_with_deadline(cmd);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn small_site() -> tempfile::TempDir {
    site(&[(
        "content/trips/x.md",
        format!("{FRONT}---\nBody\n").as_bytes(),
    )])
}

#[test]
fn the_current_directory_is_never_the_output() {
    let s = small_site();
    let before = tree(s.path());
    let (code, out) = build(s.path(), Some(Path::new(".")), Some(s.path()));
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("error: the output directory must be named: `.` and `..` are refused"),
        "{out}"
    );
    assert_eq!(tree(s.path()), before);
    // Not even an empty one, whose replacement would leave the shell in a deleted folder.
    let empty = tempfile::tempdir().unwrap();
    let (code, out) = build(s.path(), Some(Path::new(".")), Some(empty.path()));
    assert_eq!(code, Some(1), "{out}");
    assert!(names_in(empty.path()).is_empty());
    let (code, _) = build(s.path(), Some(Path::new("sub/..")), Some(empty.path()));
    assert_eq!(code, Some(1));
}

#[test]
#[cfg(unix)]
fn content_the_site_root_and_a_home_directory_are_refused() {
    let s = small_site();
    let home = tempfile::tempdir().unwrap();
    write(home.path(), ".bashrc", b"export EDITOR=vi\n");
    write(
        home.path(),
        ".ssh/id_ed25519",
        b"-----BEGIN OPENSSH PRIVATE KEY-----\n",
    );
    write(home.path(), "Documents/thesis.txt", b"years of work");
    let home_before = tree(home.path());
    let site_before = tree(s.path());
    // content/ and what is below it are inputs: a usage error before anything else.
    for target in [s.path().join("content"), s.path().join("content/trips")] {
        let (code, out) = build(s.path(), Some(&target), None);
        assert_eq!(code, Some(2), "{}: {out}", target.display());
        assert!(out.contains("which the build reads"), "{out}");
    }
    for target in [s.path().to_path_buf(), home.path().to_path_buf()] {
        let (code, out) = build(s.path(), Some(&target), None);
        assert_eq!(code, Some(1), "{}: {out}", target.display());
        assert!(
            out.contains("refusing to replace a non-empty directory that accord did not create (no .accord-output file in it)"),
            "{}: {out}",
            target.display()
        );
    }
    assert_eq!(tree(home.path()), home_before);
    assert_eq!(tree(s.path()), site_before);
    // With HOME pointing there and the output given as $HOME, the same.
    let mut cmd = Command::new("sh");
    cmd.args([
        "-c",
        "exec \"$0\" build --root \"$1\" --output \"$HOME\"",
        bin(),
        path_str(s.path()),
    ])
    .env("HOME", home.path());
    let out = run_with_deadline(cmd);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(tree(home.path()), home_before);
}

#[test]
fn a_file_in_place_of_the_output_is_refused() {
    let s = small_site();
    let file = s.path().join("public");
    std::fs::write(&file, "not a folder").unwrap();
    let (code, out) = build(s.path(), Some(&file), None);
    assert_eq!(code, Some(1));
    assert!(
        out.contains("the output path exists and is not a directory"),
        "{out}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"not a folder");
}

#[test]
fn an_empty_directory_becomes_accords_and_is_replaced_from_then_on() {
    let s = small_site();
    let out_dir = s.path().join("public");
    std::fs::create_dir(&out_dir).unwrap();
    let (code, out) = build(s.path(), Some(&out_dir), None);
    assert_eq!(code, Some(0), "{out}");
    assert!(out_dir.join(".accord-output").is_file());
    let (code, out) = build(s.path(), Some(&out_dir), None);
    assert_eq!(code, Some(0), "{out}");
}

/// A site whose output was being swapped when the machine stopped: the previous
/// site sits beside the output under accord's name, the output itself is gone.
#[test]
fn a_swap_interrupted_between_its_two_steps_is_undone_by_the_next_run() {
    let s = small_site();
    let out_dir = s.path().join("public");
    let (code, out) = build(s.path(), Some(&out_dir), None);
    assert_eq!(code, Some(0), "{out}");
    let published = tree(&out_dir);
    let old = s.path().join(".public.accord-old");
    std::fs::rename(&out_dir, &old).unwrap();
    // The next run fails on a content error: the previous site is back in place.
    write(
        s.path(),
        "content/trips/broken.md",
        b"---\ntitle: Broken\ndate: 2020\ncities: [nowhere]\n---\n",
    );
    let (code, _) = build(s.path(), Some(&out_dir), None);
    assert_eq!(code, Some(1));
    assert_eq!(tree(&out_dir), published);
    assert!(!old.exists());
}

/// Whether `out` is the whole site of the archive titled `title`.
fn is_complete(
    files: &std::collections::BTreeMap<String, Vec<u8>>,
    title: &str,
    pages: usize,
) -> bool {
    let html: Vec<&Vec<u8>> = files
        .iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .map(|(_, b)| b)
        .collect();
    html.len() == pages
        && html
            .iter()
            .all(|b| String::from_utf8_lossy(b).contains(title))
}

#[cfg(unix)]
fn inode(path: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| m.ino())
}

fn count_files(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .count()
}

/// What may be beside the output: the staging folder of a killed build, and the
/// manifest (and journal) of incremental builds.
fn check_siblings(dir: &Path) {
    for name in names_in(dir) {
        assert!(
            [
                "archive",
                "public",
                ".public.accord-staging",
                ".public.accord-manifest",
                // Staged by a killed build; removed by the next.
                ".public.accord-manifest-next",
                ".public.accord-journal",
                ".public.accord-lock",
                ".public.tmp",
            ]
            .contains(&name.as_str()),
            "{name} left beside the output"
        );
    }
}

/// Gives the archive at `root` a new title, which every page shows.
fn set_title(root: &Path, title: &str) {
    let config = std::fs::read_to_string(root.join("accord.yaml")).unwrap();
    let config: String = config
        .lines()
        .map(|line| {
            if line.starts_with("title:") {
                format!("title: {title}\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    write(root, "accord.yaml", config.as_bytes());
}

/// A 3,000-record archive in `archive/`, built into `public/` beside it.
fn built_archive() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("archive");
    let out_dir = tmp.path().join("public");
    generate_archive(&root, 3000, "Archive v0");
    let (code, out) = build(&root, Some(&out_dir), None);
    assert_eq!(code, Some(0), "{out}");
    (tmp, root, out_dir)
}

/// Starts `accord build` and kills it (SIGKILL) once `moment` holds, unless it
/// finishes first.
fn build_and_kill(root: &Path, out_dir: &Path, clean: bool, moment: impl Fn() -> bool) {
    let mut cmd = Command::new(bin());
    cmd.args([
        "build",
        "--root",
        path_str(root),
        "--output",
        path_str(out_dir),
    ]);
    if clean {
        cmd.arg("--clean");
    }
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if moment() {
            child.kill().unwrap();
            break;
        }
        assert!(start.elapsed() < DEADLINE, "the build did not progress");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.wait().unwrap();
}

#[test]
#[cfg(unix)]
fn a_build_killed_while_it_writes_leaves_the_previous_site_whole() {
    let (tmp, root, out_dir) = built_archive();
    let staging = tmp.path().join(".public.accord-staging");
    let pages = tree(&out_dir)
        .keys()
        .filter(|p| p.ends_with(".html"))
        .count();
    assert!(pages > 3000);

    // Every page changes (the site title is on each). Incremental builds, then full
    // ones (--clean), killed as they start writing, a little later, and late.
    let moments = [
        (false, 1),
        (false, 800),
        (false, 2500),
        (true, 1),
        (true, 800),
    ];
    for (version, (clean, written)) in moments.into_iter().enumerate() {
        let before = tree(&out_dir);
        let title = format!("Archive v{}", version + 1);
        set_title(&root, &title);
        // The staging folder a killed build left is not this build's.
        let left = inode(&staging);
        build_and_kill(&root, &out_dir, clean, || {
            inode(&staging).is_some_and(|i| Some(i) != left) && count_files(&staging) >= written
        });
        let after = tree(&out_dir);
        assert!(
            after == before || is_complete(&after, &title, pages),
            "killed at {written} files (clean: {clean}), the output is neither the previous site nor the new one"
        );
        check_siblings(tmp.path());
    }

    // The next build completes, and clears what the killed ones left.
    let (code, out) = build(&root, Some(&out_dir), None);
    assert_eq!(code, Some(0), "{out}");
    assert!(is_complete(&tree(&out_dir), "Archive v5", pages));
    assert!(!staging.exists());
    check_siblings(tmp.path());
}

/// An incremental build moves the changed files into the output after writing a
/// journal. Killed then, it leaves the output partly updated, and the journal: the
/// next run that writes, even one that fails on a content error, completes it first.
#[test]
fn a_build_killed_while_it_applies_an_update_is_completed_by_the_next_run() {
    let (tmp, root, out_dir) = built_archive();
    let journal = tmp.path().join(".public.accord-journal");
    let staging = tmp.path().join(".public.accord-staging");
    let pages = tree(&out_dir)
        .keys()
        .filter(|p| p.ends_with(".html"))
        .count();

    set_title(&root, "Archive v1");
    let before = tree(&out_dir);
    // Killed once the journal is written and files have started to move.
    let staged = std::cell::Cell::new(0);
    build_and_kill(&root, &out_dir, false, || {
        if !journal.exists() {
            staged.set(count_files(&staging));
            return false;
        }
        count_files(&staging) < staged.get()
    });
    let after = tree(&out_dir);
    assert!(
        after == before || is_complete(&after, "Archive v1", pages) || journal.exists(),
        "the output changed without a journal to complete it"
    );
    check_siblings(tmp.path());

    write(
        &root,
        "content/trips/broken.md",
        b"---\ntitle: Broken\ndate: 2020\ncities: [nowhere]\n---\n",
    );
    let (code, _) = build(&root, Some(&out_dir), None);
    assert_eq!(code, Some(1));
    assert!(!journal.exists());
    let now = tree(&out_dir);
    assert!(now == before || is_complete(&now, "Archive v1", pages));
}

/// A checkout that carries a journal and a staging folder of its own: a symbolic link
/// as the staging folder, entries that climb out, a staging folder without accord's
/// marker whose subfolder is a link, and a committed output whose subfolder is a link.
/// accord completes only a journal it wrote: each of these is a located error, and
/// nothing outside the output is read, moved, overwritten or deleted.
#[test]
#[cfg(unix)]
fn a_committed_journal_or_staging_link_touches_nothing_outside_the_output() {
    use std::os::unix::fs::symlink;
    let journal = |changed: &[&str], removed: &[&str]| {
        serde_json::json!({"changed": changed, "removed": removed, "manifest": {"files": {}}})
            .to_string()
    };
    let plant = |tmp: &Path| {
        let root = tmp.join("checkout");
        let victim = tmp.join("victim");
        write(&victim, "keep.txt", b"keep me");
        write(&victim, "overwrite-me.txt", b"original");
        write(&victim, "id_ed25519", b"secret key");
        write(&root, "accord.yaml", CONFIG.as_bytes());
        write(&root, "data/cities.yaml", REGISTRY.as_bytes());
        write(
            &root,
            "content/trips/x.md",
            format!("{FRONT}---\nBody\n").as_bytes(),
        );
        (root, victim)
    };
    // 1. The journal of the report: entries that climb out, a linked staging folder.
    // 2. Plain entries, a staging folder without accord's marker whose subfolder is a
    //    link to the victim: moving `a/id_ed25519` would publish the key.
    // 3. A committed output (with its marker) whose subfolder is a link: removing
    //    `a/keep.txt` would delete the victim's file.
    for case in 1..=3 {
        let tmp = tempfile::tempdir().unwrap();
        let (root, victim) = plant(tmp.path());
        match case {
            1 => {
                write(&root, "pl/victim/overwrite-me.txt", b"planted");
                std::fs::create_dir_all(root.join("pl/q/r")).unwrap();
                symlink("pl/q/r", root.join(".output.accord-staging")).unwrap();
                let j = journal(
                    &["../../victim/overwrite-me.txt"],
                    &["../../victim/keep.txt"],
                );
                write(&root, ".output.accord-journal", j.as_bytes());
            }
            2 => {
                std::fs::create_dir_all(root.join(".output.accord-staging")).unwrap();
                symlink(&victim, root.join(".output.accord-staging/a")).unwrap();
                write(&root, "output/.accord-output", b"");
                let j = journal(&["a/id_ed25519"], &[]);
                write(&root, ".output.accord-journal", j.as_bytes());
            }
            _ => {
                write(&root, ".output.accord-staging/.accord-output", b"");
                write(&root, "output/.accord-output", b"");
                symlink(&victim, root.join("output/a")).unwrap();
                let j = journal(&[], &["a/keep.txt"]);
                write(&root, ".output.accord-journal", j.as_bytes());
            }
        }
        let before = tree(&victim);
        let (code, out) = build(&root, None, None);
        assert_eq!(tree(&victim), before, "case {case}: {out}");
        assert_eq!(code, Some(1), "case {case}: {out}");
        assert!(
            out.contains(".output.accord-journal: error: ") && out.contains("accord did not write"),
            "case {case}: {out}"
        );
        assert!(!root.join("output/id_ed25519").exists(), "case {case}");
    }
}

/// `nothere/../../victim-dir` names `../victim-dir` once `nothere` exists, and accord
/// would create it before replacing the output: the path is read as written, without
/// the folders it climbs out of, before anything is created or checked.
#[test]
fn an_output_path_that_climbs_out_of_a_missing_folder_is_checked_as_written() {
    let s = small_site();
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path().join("work");
    std::fs::create_dir(&cwd).unwrap();
    write(tmp.path(), "victim-dir/thesis.txt", b"years of work");
    let before = tree(tmp.path());
    for output in ["nothere/../../victim-dir", "nothere/./../../victim-dir/"] {
        let (code, out) = build(s.path(), Some(Path::new(output)), Some(&cwd));
        assert_eq!(code, Some(1), "{output}: {out}");
        assert!(
            out.contains("refusing to replace a non-empty directory that accord did not create"),
            "{output}: {out}"
        );
        assert_eq!(tree(tmp.path()), before, "{output}");
        assert_eq!(names_in(&cwd), Vec::<String>::new(), "{output}");
    }
    // Written so but harmless, it builds where it points.
    let (code, out) = build(s.path(), Some(Path::new("nothere/../public")), Some(&cwd));
    assert_eq!(code, Some(0), "{out}");
    assert!(cwd.join("public/.accord-output").is_file());
    assert!(!cwd.join("nothere").exists());
}

/// Two incremental builds of one output at once: the second removed the first's
/// staging folder, the first skipped the files it no longer found and recorded them as
/// written, and every later build trusted that. Now one build holds the output (a lock
/// beside it, with its process id) and the other fails at once, saying so; a staged
/// file that is missing when the update is applied is an error, not skipped.
#[test]
#[cfg(unix)]
fn two_builds_of_one_output_at_once_cannot_mix_their_files() {
    let (tmp, root, out_dir) = built_archive();
    let staging = tmp.path().join(".public.accord-staging");

    set_title(&root, "Archive v1");
    let spawn = || {
        Command::new(bin())
            .args([
                "build",
                "--root",
                path_str(&root),
                "--output",
                path_str(&out_dir),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let first = spawn();
    // The second starts while the first writes its pages.
    let start = Instant::now();
    while count_files(&staging) < 2 {
        assert!(
            start.elapsed() < DEADLINE,
            "the first build did not start writing"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let second = spawn().wait_with_output().unwrap();
    let first = first.wait_with_output().unwrap();
    let second_err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(second.status.code(), Some(1), "{second_err}");
    assert!(
        second_err.contains("another accord build (process ")
            && second_err.contains(") is writing this output"),
        "{second_err}"
    );
    check_siblings(tmp.path());

    // The next incremental build leaves what a clean build of the same archive gives.
    let (code, out) = build(&root, Some(&out_dir), None);
    assert_eq!(code, Some(0), "{out}");
    let clean = tmp.path().join("clean");
    let (code, out) = build(&root, Some(&clean), None);
    assert_eq!(code, Some(0), "{out}");
    let (built, expected) = (tree(&out_dir), tree(&clean));
    let differ = expected
        .iter()
        .filter(|(p, b)| built.get(*p) != Some(b))
        .count();
    assert_eq!(differ, 0, "{differ} files differ from a clean build");
    assert_eq!(built.len(), expected.len());
}
