//! Embeds the default theme (`themes/default/`) into the binary, so `accord build`
//! works on an archive that has no `themes/` folder of its own, and names the commit
//! it is built from (`ACCORD_COMMIT`, for `accord --version`).

use std::fs;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The commit the sources are from: the checkout's `HEAD` when the crate is its own
/// git checkout (not a folder inside another repository), the commit `cargo package`
/// recorded in `.cargo_vcs_info.json` for a crates.io download, `unknown` otherwise.
/// Asks cargo to run this again when `HEAD` moves: on a commit, a checkout or a switch
/// of branch, and only then (every file it names exists, so a build stays fresh).
fn commit(manifest: &Path) -> String {
    if manifest.join(".git").exists() {
        let git = |args: &[&str]| {
            std::process::Command::new("git")
                .args(args)
                .current_dir(manifest)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let watch = |rel: &str| {
            if let Some(path) = git(&["rev-parse", "--path-format=absolute", "--git-path", rel])
                && Path::new(&path).exists()
            {
                println!("cargo:rerun-if-changed={path}");
                return true;
            }
            false
        };
        watch("HEAD");
        // The branch HEAD points to: its own file, or the packed list of refs.
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"])
            && !watch(&branch)
        {
            watch("packed-refs");
        }
        return git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    }
    let vcs_info = manifest.join(".cargo_vcs_info.json");
    if !vcs_info.exists() {
        return "unknown".into();
    }
    println!("cargo:rerun-if-changed={}", vcs_info.display());
    fs::read_to_string(&vcs_info)
        .ok()
        .and_then(|text| {
            let start = text.find("\"sha1\"")? + 6;
            let rest = &text[start..];
            let hex: String = rest
                .chars()
                .skip_while(|c| !c.is_ascii_hexdigit())
                .take_while(char::is_ascii_hexdigit)
                .take(12)
                .collect();
            (hex.len() == 12).then_some(hex)
        })
        .unwrap_or_else(|| "unknown".into())
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rustc-env=ACCORD_COMMIT={}", commit(&manifest));
    let theme = manifest.join("themes").join("default");
    println!("cargo:rerun-if-changed={}", theme.display());
    let mut files = Vec::new();
    walk(&theme, &mut files);
    let mut code = String::from("pub(super) static FILES: &[(&str, &[u8])] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f
            .strip_prefix(&theme)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        code.push_str(&format!(
            "    ({rel:?}, include_bytes!({:?})),\n",
            f.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("embedded_theme.rs");
    fs::write(out, code).unwrap();
}
