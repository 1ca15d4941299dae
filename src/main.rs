//! The `accord` command line. The only place that prints.
//!
//! Exit status: 0 success, 1 content errors (the site was not written), 2 usage errors.

mod cli;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

use accord::diag::Diagnostic;
use accord::kind::Kind;
use accord::serve;
use cli::report::{self, Format};

#[derive(Parser)]
#[command(
    name = "accord",
    version = VERSION,
    about = "Static archives of intercity cooperation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output directory.
    Build {
        /// The site's root directory.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Where to write the site (default: ROOT/output).
        #[arg(long)]
        output: Option<PathBuf>,
        /// Include records marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Show how long each step took.
        #[arg(long)]
        timings: bool,
        /// Rebuild every page, not only the ones whose inputs changed, and parse every
        /// record file and render every Markdown body again (the build cache is
        /// written anew).
        #[arg(long)]
        clean: bool,
        /// Neither read nor write the build cache (.accord-cache/): parse every record
        /// file and render every Markdown body.
        #[arg(long)]
        no_cache: bool,
        /// Fail on warnings too.
        #[arg(long)]
        strict: bool,
        /// Build an empty site when there is no content/ folder (otherwise an error).
        #[arg(long)]
        allow_empty: bool,
        /// How to print problems.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Publish under this address instead of accord.yaml's `base_url`, e.g. the
        /// one GitHub Pages reports: https://user.github.io/repo/
        #[arg(long, value_name = "URL", value_parser = parse_base_url)]
        base_url: Option<String>,
    },
    /// Check everything a build checks, without writing anything.
    Check {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Check drafts too.
        #[arg(long)]
        drafts: bool,
        /// Show how long each step took.
        #[arg(long)]
        timings: bool,
        /// Fail on warnings too.
        #[arg(long)]
        strict: bool,
        /// Do not read the build cache (.accord-cache/): parse every record file and
        /// render every Markdown body. (`check` never writes the cache.)
        #[arg(long)]
        no_cache: bool,
        /// Accept a site without a content/ folder (otherwise an error).
        #[arg(long)]
        allow_empty: bool,
        /// How to print problems: `json` for CI tools, `github` for annotations.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Preview the site: build it, serve it on 127.0.0.1, and rebuild and reload the
    /// open pages on every change.
    Serve {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// The port to try first; the next free one is used if it is taken.
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
        /// Include records marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Serve under the path of this address instead of accord.yaml's `base_url`.
        #[arg(long, value_name = "URL", value_parser = parse_base_url)]
        base_url: Option<String>,
    },
    /// Write a new record with its front matter filled in.
    New {
        /// program, trip or workshop.
        #[arg(value_parser = parse_kind)]
        kind: Kind,
        /// The record's title; the file name is made from it.
        title: String,
        /// YYYY, YYYY-MM or YYYY-MM-DD (default: today).
        #[arg(long, value_parser = parse_date)]
        date: Option<accord::date::PartialDate>,
        /// A city of the record, by any name in the registry; repeat for more.
        #[arg(long = "city", value_name = "CITY")]
        cities: Vec<String>,
        /// The record's language: ko, ja, zh or en (default: the archive's). The
        /// comments and placeholders of the new file are written in it.
        #[arg(long)]
        lang: Option<String>,
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Create a new archive: configuration, city registry, one record of each kind
    /// and a CI workflow.
    Init {
        /// A new or empty directory.
        dir: PathBuf,
        /// The language of the archive: ko, ja, zh or en. Its interface, and the
        /// comments of its configuration, its example records, its README and the
        /// text `accord new` writes.
        #[arg(long, default_value = "en")]
        language: String,
        /// Where it is built and published: github (GitHub Actions and Pages) or
        /// gitlab (GitLab CI and Pages).
        #[arg(long, default_value = "github", value_parser = parse_ci)]
        ci: accord::scaffold::Ci,
        /// Add web editing for those who do not use git: decap (Decap CMS) or sveltia
        /// (Sveltia CMS), in static/admin/ (see `accord cms`).
        #[arg(long, value_parser = parse_cms)]
        cms: Option<accord::scaffold::Cms>,
    },
    /// Write the JSON Schemas of the front matter of each kind, accord.yaml and
    /// data/cities.yaml into ROOT/schemas, for completion in editors; run it again
    /// after the registry changes.
    Schema {
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Write the web editor's page and configuration, static/admin/index.html and
    /// static/admin/config.yml, from the schema, the registry and the languages; run
    /// it again after they change.
    Cms {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// decap or sveltia (default: the one static/admin/index.html loads, else decap).
        #[arg(long = "with", value_name = "CMS", value_parser = parse_cms)]
        cms: Option<accord::scaffold::Cms>,
    },
    /// Print the completion script of a shell: bash, elvish, fish, powershell or zsh.
    ///
    /// For example `accord completion bash > ~/.local/share/bash-completion/completions/accord`.
    Completion {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// The version and the commit the binary was built from (`unknown` outside git).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("ACCORD_COMMIT"),
    ")"
);

fn parse_kind(s: &str) -> Result<Kind, String> {
    Kind::from_id(s)
        .or_else(|| Kind::from_section(s))
        .ok_or_else(|| "a record is a program, a trip or a workshop".to_string())
}

fn parse_base_url(s: &str) -> Result<String, String> {
    accord::config::check_base_url(s)
        .map(|()| s.to_string())
        .map_err(|e| e.replace("`base_url`", "the address"))
}

fn parse_ci(s: &str) -> Result<accord::scaffold::Ci, String> {
    accord::scaffold::Ci::from_id(s).ok_or_else(|| "the CI is github or gitlab".to_string())
}

fn parse_cms(s: &str) -> Result<accord::scaffold::Cms, String> {
    accord::scaffold::Cms::from_id(s).ok_or_else(|| "the CMS is decap or sveltia".to_string())
}

fn parse_date(s: &str) -> Result<accord::date::PartialDate, String> {
    accord::date::PartialDate::parse(s)
}

/// How a build uses the build cache: not at all (`--no-cache`), writing a fresh one
/// without reading it (`--clean`), or reading and updating it.
fn cache_mode(no_cache: bool, clean: bool) -> accord::cache::Mode {
    match (no_cache, clean) {
        (true, _) => accord::cache::Mode::Off,
        (false, true) => accord::cache::Mode::Refresh,
        (false, false) => accord::cache::Mode::Use,
    }
}

/// Raises the number of files the process may hold open to what the system allows:
/// the build cache keeps its bucket files open (256 per kind of entry, and as many
/// being written), more than a soft limit of 1,024 (256 on macOS) leaves room for.
#[cfg(unix)]
fn allow_open_files() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: the calls read or write only `limit`, which lives across them.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut limit) != 0 {
            return;
        }
        let soft = limit.rlim_cur;
        limit.rlim_cur = limit.rlim_max;
        if soft < limit.rlim_cur && libc::setrlimit(libc::RLIMIT_NOFILE, &raw const limit) != 0 {
            // macOS refuses more than `OPEN_MAX` (10,240) files, even below the hard
            // limit (which may be infinite).
            limit.rlim_cur = limit.rlim_max.min(10_240).max(soft);
            libc::setrlimit(libc::RLIMIT_NOFILE, &raw const limit);
        }
    }
}

#[cfg(not(unix))]
fn allow_open_files() {}

#[global_allocator]
static ALLOCATOR: accord::allocator::Allocator = accord::allocator::Allocator;

fn main() -> ExitCode {
    accord::allocator::configure();
    allow_open_files();
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            root,
            output,
            drafts,
            timings,
            clean,
            no_cache,
            strict,
            allow_empty,
            format,
            base_url,
        } => {
            // Read as written, so that no folder it climbs out of is created or followed.
            let output = output.map(|o| accord::output::normalize(&o));
            let opts = accord::Options {
                root,
                output,
                drafts,
                write: true,
                allow_empty,
                base_url,
                cache: cache_mode(no_cache, clean),
            };
            if let Some(input) = opts.input_holding_output() {
                eprintln!(
                    "error: the output {} is inside {}, which the build reads: choose an output outside content, static, templates, themes and data",
                    opts.output_dir().display(),
                    input.display()
                );
                return ExitCode::from(2);
            }
            if clean {
                let out = opts.output_dir();
                if let Err(e) = accord::output::Manifest::discard(&out) {
                    eprintln!("error: {}: {e}", out.display());
                    return ExitCode::from(1);
                }
            }
            build(&opts, "built", timings, strict, format)
        }
        Command::Check {
            root,
            drafts,
            timings,
            strict,
            no_cache,
            allow_empty,
            format,
        } => {
            let opts = accord::Options {
                root,
                output: None,
                drafts,
                write: false,
                allow_empty,
                base_url: None,
                cache: cache_mode(no_cache, false),
            };
            build(&opts, "checked", timings, strict, format)
        }
        Command::Serve {
            root,
            port,
            open,
            drafts,
            base_url,
        } => serve(root, port, open, drafts, base_url),
        Command::New {
            kind,
            title,
            date,
            cities,
            lang,
            root,
        } => new(&root, kind, title, date, cities, lang),
        Command::Init {
            dir,
            language,
            ci,
            cms,
        } => init(&dir, &language, accord::scaffold::Extras { ci, cms }),
        Command::Schema { root } => wrote(&root, accord::scaffold::write_schemas),
        Command::Cms { root, cms } => wrote(&root, |r| accord::scaffold::write_cms(r, cms)),
        Command::Completion { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "accord", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
    }
}

/// Warnings shown after a successful build (`accord check` shows them all).
const BUILD_WARNINGS_SHOWN: usize = 10;

fn build(
    opts: &accord::Options,
    verb: &str,
    timings: bool,
    strict: bool,
    format: Format,
) -> ExitCode {
    if let Some(status) = not_an_archive(&opts.root) {
        return status;
    }
    let colour = report::use_colour(std::io::stderr().is_terminal());
    let start = Instant::now();
    let bar = cli::progress::Bar::new();
    let run = accord::Run {
        strict,
        progress: bar.as_ref().map(|b| b as &dyn accord::Progress),
    };
    let result = accord::build_with(opts, run);
    if let Some(b) = &bar {
        b.finish();
    }
    match result {
        Ok(report) => {
            let warnings = &report.warnings;
            let shown = if opts.write && format == Format::Human {
                &warnings[..warnings.len().min(BUILD_WARNINGS_SHOWN)]
            } else {
                &warnings[..]
            };
            print_diagnostics(&opts.root, shown, format, colour);
            if shown.len() < warnings.len() {
                eprintln!(
                    "     … and {} more warnings: `accord check` shows them all",
                    warnings.len() - shown.len()
                );
            }
            if timings {
                for (step, took) in &report.timings {
                    eprintln!("{:>10.1} ms  {step}", took.as_secs_f64() * 1000.0);
                }
                eprintln!(
                    "{:>10}     files ({} of their front matters from the build cache, {} of them not read: known by their signature), {} Markdown bodies rendered (once for every edition), {} from the build cache; the search terms of {} records from the build cache, the weighing of {} of the index's {} terms",
                    report.parsed,
                    report.parsed_cached,
                    report.unread,
                    report.rendered,
                    report.cached,
                    report.search_cached,
                    report.search_terms_kept.0,
                    report.search_terms_kept.1
                );
            }
            let drafts = if report.drafts_skipped > 0 {
                format!(" ({} drafts skipped)", report.drafts_skipped)
            } else {
                String::new()
            };
            let written = if opts.write {
                format!(", {} files written", report.files_written)
            } else {
                String::new()
            };
            let warned = if warnings.is_empty() {
                String::new()
            } else {
                format!(", {}", count(warnings.len(), "warning"))
            };
            eprintln!(
                "{verb} {} records{drafts}{written}{warned} in {:.2?}",
                report.records,
                start.elapsed()
            );
            ExitCode::SUCCESS
        }
        Err(diags) => {
            print_diagnostics(&opts.root, &diags, format, colour);
            let errors = diags.iter().filter(|d| d.is_error()).count();
            let failed = if errors == 0 {
                format!("{} (--strict)", count(diags.len(), "warning"))
            } else {
                count(errors, "error")
            };
            eprintln!("{failed} — nothing was written");
            ExitCode::from(1)
        }
    }
}

/// Exit status 2, and why, when `root` is not an archive: not a directory, or one
/// without `accord.yaml` (building there would publish an empty site).
fn not_an_archive(root: &Path) -> Option<ExitCode> {
    if !root.is_dir() {
        eprintln!("error: {} is not a directory", root.display());
        return Some(ExitCode::from(2));
    }
    // Any kind of file: the build reports an accord.yaml that is not a regular file.
    if root
        .join(accord::config::CONFIG_FILE)
        .symlink_metadata()
        .is_err()
    {
        eprintln!(
            "error: {} is not an archive: it has no {}",
            root.display(),
            accord::config::CONFIG_FILE
        );
        eprintln!(
            "  = help: run accord in the archive's folder, or name it with --root; `accord init DIR` makes a new archive"
        );
        return Some(ExitCode::from(2));
    }
    None
}

fn print_diagnostics(root: &Path, diags: &[Diagnostic], format: Format, colour: bool) {
    match format {
        Format::Human => eprint!("{}", report::human(root, diags, colour)),
        Format::Json => println!("{}", report::json(diags)),
        Format::Github => print!("{}", report::github(root, diags)),
    }
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn serve(root: PathBuf, port: u16, open: bool, drafts: bool, base_url: Option<String>) -> ExitCode {
    if !root.is_dir() {
        eprintln!("error: {} is not a directory", root.display());
        return ExitCode::from(2);
    }
    let colour = report::use_colour(std::io::stderr().is_terminal());
    let shown_root = root.clone();
    let on_event = move |event: &serve::Event<'_>| match event {
        serve::Event::Built(b) => print_build(&shown_root, b, colour),
        serve::Event::Refreshed(r) => print_refresh(r),
        serve::Event::WatchFailed(e) => {
            eprintln!("cannot watch for changes ({e}); restart `accord serve` to see them");
        }
    };
    let opts = serve::ServeOptions {
        root: root.clone(),
        drafts,
        port,
        output: None,
        base_url,
    };
    let server = match serve::Server::start(opts, on_event) {
        Ok(s) => s,
        Err(d) => {
            eprint!("{}", report::human(&root, &[d], colour));
            return ExitCode::from(1);
        }
    };
    let url = server.url();
    let name = accord::config::Config::load(&root)
        .map_or_else(|_| root.display().to_string(), |c| c.title);
    let name = report::printable(&name);
    eprintln!("serving {name} at {url} — press Ctrl-C to stop");
    if port != 0 && server.addr().port() != port {
        eprintln!("(port {port} is taken)");
    }
    if open {
        open_browser(&url);
    }
    server.wait();
    ExitCode::SUCCESS
}

/// One line per quick re-render.
fn print_refresh(r: &serve::Refreshed) {
    eprintln!(
        "{} changed: {} re-rendered in {:.2?}; building the rest",
        changed_files(&r.changed),
        count(r.written.len(), "file"),
        r.took
    );
}

/// The files that changed, for a line of `serve`: one named, the others counted.
fn changed_files(changed: &[PathBuf]) -> String {
    let shown = |p: &Path| report::printable(&p.display().to_string()).into_owned();
    match changed {
        [] => String::new(),
        [one] => shown(one),
        [one, rest @ ..] => format!("{} and {} more", shown(one), rest.len()),
    }
}

/// One line per build, and its problems.
fn print_build(root: &Path, b: &serve::Build, colour: bool) {
    let what = match b.changed.as_slice() {
        [] => String::new(),
        changed => format!("{} changed: ", changed_files(changed)),
    };
    match &b.outcome {
        Ok(built) => {
            let drafts = if built.drafts_skipped > 0 {
                format!(" ({} drafts skipped)", built.drafts_skipped)
            } else {
                String::new()
            };
            eprintln!(
                "{what}built {} records{drafts}, {} files written in {:.2?}",
                built.records, built.files_written, b.took
            );
            // The warnings of the files just changed (all of them on the first build).
            let warnings: Vec<Diagnostic> = built
                .warnings
                .iter()
                .filter(|w| b.generation == 1 || b.changed.contains(&w.path))
                .take(BUILD_WARNINGS_SHOWN)
                .cloned()
                .collect();
            eprint!("{}", report::human(root, &warnings, colour));
        }
        Err(diags) => {
            let errors = diags.iter().filter(|d| d.is_error()).count();
            eprint!("{}", report::human(root, diags, colour));
            eprintln!(
                "{what}{} — the last good site is still served",
                count(errors, "error")
            );
        }
    }
}

/// Opens `url` in the default browser, if there is a way to.
fn open_browser(url: &str) {
    let (program, args): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    let spawned = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if spawned.is_err() {
        eprintln!("cannot open a browser: open {url} yourself");
    }
}

fn new(
    root: &Path,
    kind: Kind,
    title: String,
    date: Option<accord::date::PartialDate>,
    cities: Vec<String>,
    lang: Option<String>,
) -> ExitCode {
    if !root.is_dir() {
        eprintln!("error: {} is not a directory", root.display());
        return ExitCode::from(2);
    }
    let cities = cities
        .iter()
        .flat_map(|c| c.split(','))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from)
        .collect();
    let req = accord::scaffold::NewRecord {
        kind,
        title,
        date,
        cities,
        lang,
    };
    let colour = report::use_colour(std::io::stderr().is_terminal());
    match accord::scaffold::new_record(root, &req, accord::scaffold::today_utc()) {
        Ok(rel) => {
            eprintln!("created {}", rel.display());
            if req.cities.is_empty() {
                eprintln!("next: name its cities in `cities:`, then write the text");
            }
            ExitCode::SUCCESS
        }
        Err(diags) => {
            eprint!("{}", report::human(root, &diags, colour));
            ExitCode::from(1)
        }
    }
}

fn init(dir: &Path, language: &str, extras: accord::scaffold::Extras) -> ExitCode {
    match accord::scaffold::init_with(dir, language, extras) {
        Ok(files) => {
            for f in &files {
                eprintln!("created {}", dir.join(f).display());
            }
            eprintln!(
                "next: cd {} && accord serve --open --drafts   (the example records are drafts)",
                shell_word(&dir.display().to_string())
            );
            ExitCode::SUCCESS
        }
        Err(d) => {
            let colour = report::use_colour(std::io::stderr().is_terminal());
            eprint!("{}", report::human(Path::new("."), &[d], colour));
            ExitCode::from(1)
        }
    }
}

/// `accord schema` and `accord cms`: `write` writes files into the archive at `root`
/// and says which.
fn wrote(
    root: &Path,
    write: impl FnOnce(&Path) -> Result<Vec<PathBuf>, Vec<Diagnostic>>,
) -> ExitCode {
    if let Some(status) = not_an_archive(root) {
        return status;
    }
    match write(root) {
        Ok(files) => {
            for f in &files {
                eprintln!("wrote {}", root.join(f).display());
            }
            ExitCode::SUCCESS
        }
        Err(diags) => {
            let colour = report::use_colour(std::io::stderr().is_terminal());
            eprint!("{}", report::human(root, &diags, colour));
            ExitCode::from(1)
        }
    }
}

/// `s` quoted for a POSIX shell when it needs to be.
fn shell_word(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || "-_./".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
