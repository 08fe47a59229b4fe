//! Helpers shared by the test binaries: the spec loader, the example walker, the insta
//! settings, the normalisation of typed round trips, the schema-to-strategy function, the
//! recording server, the tool as a process, captured logs and Veeam's documents.
//!
//! Each test binary declares this module once and uses only part of it. Every binary that
//! declares it is built with at least the `contract` feature (see the `[[test]]` entries in
//! Cargo.toml); the parts that need more are gated on it, because this one module is compiled
//! into binaries built with different features: the tool's helpers need `cli` (absent from the
//! client, simulator, reliability and spec binaries), the recording server `simulator` (absent
//! from the spec binary).
#![allow(dead_code)]

#[cfg(feature = "cli")]
pub mod cli;
pub mod examples;
#[cfg(feature = "cli")]
pub mod exporter;
pub mod logs;
pub mod normalise;
#[cfg(feature = "simulator")]
pub mod recorder;
#[cfg(feature = "cli")]
pub mod served;
pub mod strategy;
pub mod typed;
pub mod veeam;
#[cfg(feature = "simulator")]
pub mod waves;

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

/// insta settings that keep a snapshot in `snapshots/FOLDER/` (`""`: `snapshots/` itself) under
/// the name the assertion gives, whatever the module the test is in, the working directory or
/// `INSTA_WORKSPACE_ROOT`: moving a test between files or binaries never renames its snapshot.
pub fn snapshot_settings_in(folder: &str) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("snapshots")
            .join(folder),
    );
    settings.set_prepend_module_to_snapshot(false);
    settings
}

/// [`snapshot_settings_in`] the folder named after the test (its file before the test tree was
/// grouped by area), without the expression and with maps sorted: for data snapshots.
pub fn snapshot_settings(folder: &str) -> insta::Settings {
    let mut settings = snapshot_settings_in(folder);
    settings.set_omit_expression(true);
    settings.set_sort_maps(true);
    settings
}

/// Installs the `ring` TLS provider for the process unless one is installed already: the crate
/// builds reqwest and rustls without a default provider, so a plain client needs one.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A plain reqwest client, as any tool would use, for raw requests to the simulator.
pub fn http_client() -> reqwest::Client {
    install_tls_provider();
    reqwest::Client::new()
}

/// Whether the simulator serves the spec's operation `operation_id` at `path`. VCSP Pulse
/// (`/pulse`, issue 25) came into the spec and the client before the simulator served it; it
/// now serves all twenty Pulse operations (3.7's monthly usages on a 3.7 console only), so
/// this list is the whole of Pulse and can go once nothing new is added ahead of the simulator.
#[allow(dead_code)] // not every test binary that includes the support module asks
pub fn simulator_serves(operation_id: &str, path: &str) -> bool {
    const PULSE_SERVED: &[&str] = &[
        "GetPulseLicenseContracts",
        "GetPulseLicenseProducts",
        "GetPulseLicenses",
        "GetPulseLicense",
        "CreatePulseLicense",
        "DeletePulseLicense",
        "PatchPulseLicense",
        "InstallPulseLicense",
        "RevokePulseLicense",
        "CopyPulseLicense",
        "SyncPulseData",
        "GetPulseConfiguration",
        "PatchPulseConfiguration",
        "GetPulseTenants",
        "CreatePulseTenantByCompany",
        "GetPulseTenant",
        "PatchPulseTenant",
        "CreateCompanyByPulseTenant",
        "DownloadPulseLicense",
        "GetPulseVdcMonthlyUsages",
    ];
    !(path == "/pulse" || path.starts_with("/pulse/")) || PULSE_SERVED.contains(&operation_id)
}
