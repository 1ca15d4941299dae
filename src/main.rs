//! The `accord` command line. The only place that prints.
//!
//! Exit status: 0 success, 1 content errors (the site was not written), 2 usage errors.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "accord",
    version,
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
        /// Rebuild every page, not only the ones whose inputs changed.
        #[arg(long)]
        clean: bool,
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
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (opts, verb, timings) = match cli.command {
        Command::Build {
            root,
            output,
            drafts,
            timings,
            clean,
        } => {
            if clean {
                let out = output.clone().unwrap_or_else(|| root.join("output"));
                if let Err(e) = accord::output::Manifest::discard(&out) {
                    eprintln!("error: {}: {e}", out.display());
                    return ExitCode::from(1);
                }
            }
            let opts = accord::Options {
                root,
                output,
                drafts,
                write: true,
            };
            (opts, "built", timings)
        }
        Command::Check {
            root,
            drafts,
            timings,
        } => {
            let opts = accord::Options {
                root,
                output: None,
                drafts,
                write: false,
            };
            (opts, "checked", timings)
        }
    };
    if !opts.root.is_dir() {
        eprintln!("error: {} is not a directory", opts.root.display());
        return ExitCode::from(2);
    }
    let start = Instant::now();
    match accord::build(&opts) {
        Ok(report) => {
            for w in &report.warnings {
                eprintln!("{w}");
            }
            if timings {
                for (step, took) in &report.timings {
                    eprintln!("{:>10.1} ms  {step}", took.as_secs_f64() * 1000.0);
                }
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
            eprintln!(
                "{verb} {} records{drafts}{written} in {:.2?}",
                report.records,
                start.elapsed()
            );
            ExitCode::SUCCESS
        }
        Err(diags) => {
            let errors = diags.iter().filter(|d| d.is_error()).count();
            for (i, d) in diags.iter().enumerate() {
                eprintln!("{:>3}. {d}", i + 1);
            }
            eprintln!(
                "{errors} error{} — nothing was written",
                if errors == 1 { "" } else { "s" }
            );
            ExitCode::from(1)
        }
    }
}
