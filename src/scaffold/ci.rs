//! The CI configuration `accord init` writes: a GitHub Actions workflow (GitHub
//! Pages) or a GitLab CI file (GitLab Pages). Both install the release of this
//! accord by download, checked against its SHA-256 checksums, with a compile from
//! crates.io as the fallback, and build for the address the host publishes at.

/// Where a new archive is built and published.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Ci {
    /// `.github/workflows/accord.yml`: GitHub Actions and GitHub Pages.
    #[default]
    Github,
    /// `.gitlab-ci.yml`: GitLab CI and GitLab Pages.
    Gitlab,
}

impl Ci {
    /// `github` or `gitlab`.
    pub fn from_id(id: &str) -> Option<Ci> {
        match id {
            "github" => Some(Ci::Github),
            "gitlab" => Some(Ci::Gitlab),
            _ => None,
        }
    }
}

/// The release the generated configuration installs: this accord's version.
pub const ACCORD_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The page of accord's releases, from the package's `repository`.
pub(super) fn releases_url() -> String {
    format!(
        "{}/releases",
        env!("CARGO_PKG_REPOSITORY").trim_end_matches('/')
    )
}

/// The CI file of `ci`: its path relative to the archive's root, and its text.
pub(super) fn file(ci: Ci) -> (&'static str, String) {
    let (path, template) = match ci {
        Ci::Github => (".github/workflows/accord.yml", include_str!("workflow.yml")),
        Ci::Gitlab => (".gitlab-ci.yml", include_str!("gitlab-ci.yml")),
    };
    (path, fill(template))
}

/// The template with the version, the release page and the install script filled
/// in. The script takes the place of the line `{install}`, indented as that line.
fn fill(template: &str) -> String {
    let mut out = String::new();
    for line in template.lines() {
        if line.trim() == "{install}" {
            let indent = &line[..line.len() - line.trim_start().len()];
            for script_line in include_str!("install.sh").lines() {
                if !script_line.is_empty() {
                    out.push_str(indent);
                }
                out.push_str(script_line);
                out.push('\n');
            }
            continue;
        }
        out.push_str(
            &line
                .replace("{accord_version}", ACCORD_VERSION)
                .replace("{accord_releases}", &releases_url()),
        );
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_filled() {
        for ci in [Ci::Github, Ci::Gitlab] {
            let (path, text) = file(ci);
            for placeholder in ["{install}", "{accord_version}", "{accord_releases}"] {
                assert!(!text.contains(placeholder), "{path}: {placeholder}");
            }
            assert!(text.contains(&format!("ACCORD_VERSION: \"{ACCORD_VERSION}\"")));
            assert!(text.contains("sha256sum --check"), "{path}");
            assert!(
                text.contains("cargo +stable install --locked"),
                "{path}: no fallback"
            );
            let parsed: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
            assert!(parsed.is_mapping(), "{path}");
        }
    }
}
