//! Editor support: the JSON Schemas of `accord schema` in `schemas/`, the
//! `# yaml-language-server: $schema=…` line at the top of `accord.yaml` and
//! `data/cities.yaml`, and `.vscode/settings.json` mapping the files to their
//! schemas, so that VS Code's YAML extension completes and checks while typing.

use std::path::{Path, PathBuf};

use crate::config::CONFIG_FILE;
use crate::diag::Diagnostic;
use crate::organizations::{ORGANIZATIONS_FILE, Organizations};
use crate::registry::{REGISTRY_FILE, Registry};
use crate::schema;
use crate::topics::TOPICS_FILE;

/// Where the schemas go, relative to the archive's root.
pub const SCHEMA_DIR: &str = "schemas";

/// The schema files of an archive whose registry is `registry`: path relative to
/// the root, text.
pub(super) fn schema_files(
    registry: &Registry,
    organizations: &Organizations,
) -> Vec<(String, String)> {
    schema::all(registry, organizations)
        .into_iter()
        .map(|(name, value)| {
            let text = serde_json::to_string_pretty(&value).expect("a schema serialises");
            (format!("{SCHEMA_DIR}/{name}"), text + "\n")
        })
        .collect()
}

/// The line that names the schema of a YAML file at `rel`.
fn schema_line(rel: &str, schema_name: &str) -> String {
    let up = "../".repeat(rel.matches('/').count());
    format!("# yaml-language-server: $schema={up}{SCHEMA_DIR}/{schema_name}\n")
}

/// Puts the schema line on top of the configuration and the registry of `files`.
pub(super) fn add_schema_lines(files: &mut [(&'static str, String)]) {
    for (rel, text) in files.iter_mut() {
        let schema_name = match *rel {
            CONFIG_FILE => "accord.schema.json",
            REGISTRY_FILE => "cities.schema.json",
            _ => continue,
        };
        text.insert_str(0, &schema_line(rel, schema_name));
    }
}

/// `.vscode/settings.json`: the YAML extension's schema for each file.
pub(super) fn vscode_settings() -> (&'static str, String) {
    let settings = serde_json::json!({
        "yaml.schemas": {
            format!("./{SCHEMA_DIR}/accord.schema.json"): [CONFIG_FILE],
            format!("./{SCHEMA_DIR}/cities.schema.json"): [REGISTRY_FILE],
            format!("./{SCHEMA_DIR}/organizations.schema.json"): [ORGANIZATIONS_FILE],
            format!("./{SCHEMA_DIR}/topics.schema.json"): [TOPICS_FILE],
        },
    });
    (
        ".vscode/settings.json",
        serde_json::to_string_pretty(&settings).expect("settings serialise") + "\n",
    )
}

/// `accord schema`: writes the schemas of the archive at `root` into `root/schemas`
/// (replacing the files of the same name) and returns their paths relative to `root`.
pub fn write_schemas(root: &Path) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    let registry = Registry::load(root)?;
    let organizations = Organizations::load(root)?;
    super::write_files(root, schema_files(&registry, &organizations))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_lines_point_up_to_the_schemas_folder() {
        assert_eq!(
            schema_line("data/cities.yaml", "cities.schema.json"),
            "# yaml-language-server: $schema=../schemas/cities.schema.json\n"
        );
        assert_eq!(
            schema_line("accord.yaml", "accord.schema.json"),
            "# yaml-language-server: $schema=schemas/accord.schema.json\n"
        );
    }
}
