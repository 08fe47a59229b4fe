//! Helpers shared by the spec and conformance tests: the spec loader, the example walker, the
//! insta settings, the normalisation of typed round trips and the schema-to-strategy function.
//!
//! Each test file uses only part of this module.
#![allow(dead_code)]

pub mod examples;
pub mod normalise;
pub mod strategy;
pub mod typed;
pub mod veeam;

use std::path::PathBuf;

use vspc_licensing::contract::Spec;

/// The spec as the crate embeds it.
pub fn spec() -> &'static Spec {
    Spec::embedded()
}

/// The text of the spec file in the repository (what the crate embeds).
pub fn spec_text() -> &'static str {
    Spec::embedded_text()
}

/// insta settings that keep every snapshot in the top-level `snapshots/` folder, named after
/// the test file, whatever the working directory or `INSTA_WORKSPACE_ROOT`.
pub fn snapshot_settings(test_file: &str) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("snapshots")
            .join(test_file),
    );
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_sort_maps(true);
    settings
}
