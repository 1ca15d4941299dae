//! The outside tools some tests run (Chromium, Node.js, Java, and npm packages), found
//! in one way each, and the one rule for a missing tool: a loud SKIPPED line outside
//! CI, a failure in CI (`CI` set and not empty). `.ci/run` installs them all.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A tool a test needs. Each is found through one environment variable, else where it
/// is usually installed.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Tool {
    /// `ACCORD_CHROMIUM`, else `chromium`, `chromium-browser`, `google-chrome` or
    /// `google-chrome-stable` on the `PATH`.
    Chromium,
    /// `ACCORD_NODE`, else `node` on the `PATH`.
    Node,
    /// `ACCORD_JAVA`, else `java` on the `PATH`.
    Java,
    /// A package in the `node_modules` folder of [`node_modules`].
    NpmPackage(&'static str),
    /// `ACCORD_ACTIONLINT`, else `actionlint` on the `PATH`, else where `.ci/run`
    /// installs it: `.ci/tools/actionlint/bin/actionlint`.
    Actionlint,
    /// `ACCORD_PYTHON`, else `python3` on the `PATH`.
    Python,
    /// `ACCORD_FRICTIONLESS`, else `.ci/venv/bin/frictionless` (where `.ci/run`
    /// installs it), else `frictionless` on the `PATH`.
    Frictionless,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Chromium => "Chromium",
            Tool::Node => "node",
            Tool::Java => "java",
            Tool::NpmPackage(name) => name,
            Tool::Actionlint => "actionlint",
            Tool::Python => "python3",
            Tool::Frictionless => "frictionless",
        }
    }

    /// The environment variable that names the tool's path.
    pub(crate) fn variable(self) -> &'static str {
        match self {
            Tool::Chromium => "ACCORD_CHROMIUM",
            Tool::Node => "ACCORD_NODE",
            Tool::Java => "ACCORD_JAVA",
            Tool::NpmPackage(_) => "ACCORD_TOOLS",
            Tool::Actionlint => "ACCORD_ACTIONLINT",
            Tool::Python => "ACCORD_PYTHON",
            Tool::Frictionless => "ACCORD_FRICTIONLESS",
        }
    }

    /// The program names looked for on the `PATH`.
    fn programs(self) -> &'static [&'static str] {
        match self {
            Tool::Chromium => &[
                "chromium",
                "chromium-browser",
                "google-chrome",
                "google-chrome-stable",
            ],
            Tool::Node => &["node"],
            Tool::Java => &["java"],
            Tool::NpmPackage(_) => &[],
            Tool::Actionlint => &["actionlint"],
            Tool::Python => &["python3"],
            Tool::Frictionless => &["frictionless"],
        }
    }

    /// The program, or the package's folder; `None` when it is not there.
    fn find(self) -> Option<PathBuf> {
        if let Tool::NpmPackage(name) = self {
            let dir = node_modules().join(name);
            return dir.is_dir().then_some(dir);
        }
        if let Some(p) = std::env::var_os(self.variable()).filter(|p| !p.is_empty()) {
            let p = PathBuf::from(p);
            return p.is_file().then_some(p);
        }
        if let Tool::Actionlint = self {
            let installed = super::repo().join(".ci/tools/actionlint/bin/actionlint");
            if installed.is_file() {
                return Some(installed);
            }
        }
        if let Tool::Frictionless = self {
            let venv = super::repo().join(".ci/venv/bin/frictionless");
            if venv.is_file() {
                return Some(venv);
            }
        }
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .flat_map(|dir| {
                self.programs()
                    .iter()
                    .map(move |name| dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX)))
            })
            .find(|p| p.is_file())
    }
}

/// Whether the tests run in CI: `CI` is set and not empty.
pub(crate) fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// The program of `tool` (or the folder of an npm package). When it is missing: in CI
/// the test fails; elsewhere a loud SKIPPED line goes to standard error (past the test
/// harness, which would hide `eprintln!` of a passing test) and the answer is `None`,
/// on which the test returns.
pub(crate) fn require_tool(tool: Tool) -> Option<PathBuf> {
    if let Some(found) = tool.find() {
        return Some(found);
    }
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    let what = format!(
        "{test}: {} not found (set {}=path)",
        tool.name(),
        tool.variable()
    );
    assert!(
        !in_ci(),
        "{what}; CI must run every test (.ci/run installs the tools)"
    );
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: {what} ***\n*** (set CI=1 to make this a failure) ***\n"
    );
    None
}

/// The `node_modules` folder of the npm packages: `ACCORD_TOOLS`, else
/// `.ci/tools/node_modules`, where `.ci/run` installs them.
pub(crate) fn node_modules() -> PathBuf {
    std::env::var_os("ACCORD_TOOLS")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| super::repo().join(".ci/tools/node_modules"))
}

/// A node script run with the tools: `ACCORD_TOOLS` and `ACCORD_CHROMIUM` set for it.
pub(crate) fn node_script(node: &Path, chromium: &Path, script: &Path) -> Command {
    let mut cmd = Command::new(node);
    cmd.arg(script)
        .env("ACCORD_TOOLS", node_modules())
        .env("ACCORD_CHROMIUM", chromium);
    cmd
}

/// Runs a node script that prints one JSON object of observations, and reads it; the
/// script must succeed.
pub(crate) fn observations(mut script: Command) -> serde_json::Value {
    let run = script.output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stdout}\n{stderr}");
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Headless Chromium with a fresh profile in `profile`, nothing fetched in the
/// background; the caller adds what it should do.
pub(crate) fn headless_chromium(chromium: &Path, profile: &Path) -> Command {
    let mut cmd = Command::new(chromium);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

/// The DOM of `url` after its scripts ran, in headless Chromium given `args` besides
/// (`--window-size=390,900`).
pub(crate) fn dump_dom(chromium: &Path, url: &str, args: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = headless_chromium(chromium, profile.path())
        .args(args)
        .args(["--virtual-time-budget=10000", "--dump-dom"])
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reading = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).map(|_| s)
    });
    // A guard against a hung browser, not a measure of speed.
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            panic!("chromium did not finish for {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reading.join().unwrap().unwrap()
}
