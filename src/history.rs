//! History: with `git_dates: true`, the first and last commit dates of every record
//! file, read from the git history of the archive — never from the clock or the file
//! system, so that two builds of one commit stay identical.
//!
//! `git log` runs once for the whole history (`--name-only`: every commit's time and
//! the files it touched, newest first), and one pass over its output gives every
//! file's dates. Asking git once per file (`git log -1 -- FILE`) would start a process
//! and walk the history again for each record: minutes for 10,000 records, where one
//! walk takes well under a second. The `git` program is used rather than a library
//! (`gix`): it is installed wherever an archive is checked out, and a library would
//! add a large dependency tree for one read-only walk.
//!
//! A file is dated by the commits that touched it under its current path (renames are
//! not followed: a renamed record is added on the day of the rename; its `aliases`
//! keep its old links). Changes not yet committed do not count.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::diag::{Code, Diagnostic, Pos};

/// When a file entered the history and when it last changed, in seconds since 1970
/// (UTC), from the committer dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileDates {
    pub added: i64,
    pub changed: i64,
}

/// Every file of `dir` (relative to the site root) that the history holds, with its
/// dates; or a warning saying why there are none (no git, not a repository, a
/// shallow clone).
pub fn read(root: &Path, dir: &str) -> Result<HashMap<PathBuf, FileDates>, Diagnostic> {
    let warn = |message: String, help: &str| {
        Diagnostic::warning(
            Code::GitDates,
            crate::config::CONFIG_FILE,
            Pos::UNKNOWN,
            message,
        )
        .with_help(help)
    };
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["-c", "core.quotepath=off"])
            .args(args)
            .output()
    };
    let out = git(&[
        "log",
        "--format=%x1e%ct",
        "--name-only",
        "--no-renames",
        "-z",
        "--relative",
        "--",
        dir,
    ])
    .map_err(|e| {
        warn(
            format!("`git_dates: true`, but git cannot be run: {e}"),
            "install git, or remove `git_dates` from accord.yaml",
        )
    })?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        return Err(warn(
            format!(
                "`git_dates: true`, but the git history cannot be read: {}",
                why.trim()
            ),
            "build from a git checkout of the archive, or remove `git_dates` from accord.yaml",
        ));
    }
    let shallow = git(&["rev-parse", "--is-shallow-repository"])
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "true");
    if shallow {
        return Err(warn(
            "`git_dates: true`, but the checkout is shallow: every record would look added by its last commit".into(),
            "check out the whole history (in GitHub Actions: `fetch-depth: 0`)",
        ));
    }
    Ok(parse_log(&String::from_utf8_lossy(&out.stdout)))
}

/// Reads the output of `git log --format=%x1e%ct --name-only -z`: for each commit,
/// newest first, `\x1e<time>\0\n` and the paths it touched, each ended by `\0`.
pub fn parse_log(log: &str) -> HashMap<PathBuf, FileDates> {
    let mut dates: HashMap<PathBuf, FileDates> = HashMap::new();
    for commit in log.split('\x1e').filter(|c| !c.is_empty()) {
        let (time, files) = commit.split_once('\0').unwrap_or((commit, ""));
        let Ok(time) = time.trim().parse::<i64>() else {
            continue;
        };
        for file in files.split('\0').map(str::trim).filter(|f| !f.is_empty()) {
            dates
                .entry(PathBuf::from(file))
                // Newest first: the first commit seen is the last change, each later
                // one is older.
                .and_modify(|d| {
                    d.added = d.added.min(time);
                    d.changed = d.changed.max(time);
                })
                .or_insert(FileDates {
                    added: time,
                    changed: time,
                });
        }
    }
    dates
}

/// The civil date (year, month, day) of `secs` seconds since 1970, UTC.
pub fn civil(secs: i64) -> (i64, u32, u32) {
    // Howard Hinnant's days-to-civil algorithm.
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Seconds since 1970 of midnight UTC starting the day `(y, m, d)`.
pub fn midnight(y: i32, m: u8, d: u8) -> i64 {
    let (y, m, d) = (i64::from(y), i64::from(m), i64::from(d));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400
}

/// `secs` as an RFC 3339 timestamp in UTC: `2025-11-24T09:30:00Z`.
pub fn rfc3339(secs: i64) -> String {
    let (y, m, d) = civil(secs);
    let s = secs.rem_euclid(86_400);
    if !(0..=9999).contains(&y) {
        return format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            s / 3600,
            s / 60 % 60,
            s % 60
        );
    }
    // The digits written in place: feeds and cards ask for one per record.
    let mut out = *b"0000-00-00T00:00:00Z";
    let mut put = |at: usize, width: usize, mut n: i64| {
        for i in (at..at + width).rev() {
            out[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    put(0, 4, y);
    put(5, 2, i64::from(m));
    put(8, 2, i64::from(d));
    put(11, 2, s / 3600);
    put(14, 2, s / 60 % 60);
    put(17, 2, s % 60);
    String::from_utf8(out.to_vec()).expect("digits are ASCII")
}

/// `secs` as a day, `2025-11-24`.
pub fn day(secs: i64) -> String {
    let (y, m, d) = civil(secs);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_log_gives_first_and_last_dates_per_file() {
        let log = "\x1e300\0\ncontent/a.md\0\x1e200\0\ncontent/b.md\0content/a.md\0\x1e100\0\ncontent/a.md\0";
        let d = parse_log(log);
        assert_eq!(
            d[Path::new("content/a.md")],
            FileDates {
                added: 100,
                changed: 300
            }
        );
        assert_eq!(
            d[Path::new("content/b.md")],
            FileDates {
                added: 200,
                changed: 200
            }
        );
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn timestamps_become_utc_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_732_440_600), "2024-11-24T09:30:00Z");
        assert_eq!(rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339(-62_135_596_801), "0000-12-31T23:59:59Z");
        assert_eq!(rfc3339(-62_167_219_201), "-001-12-31T23:59:59Z");
        assert_eq!(day(951_782_400), "2000-02-29");
        assert_eq!(midnight(2000, 2, 29), 951_782_400);
        assert_eq!(midnight(1970, 1, 1), 0);
        for secs in [0, 86_399, 951_782_400, 4_102_444_800] {
            let (y, m, d) = civil(secs);
            let back = midnight(y as i32, m as u8, d as u8);
            assert!(back <= secs && secs - back < 86_400, "{secs}");
        }
    }
}
