//! The `vspc-licensing` tool as a process: commands against the simulator, errors, hardening,
//! streaming output, usage charts, ALK and API versions.
//!
//! One test binary for the whole area, a module per concern: each binary costs a clean
//! `cargo test` a compile of the shared helpers and a link step. A new test file becomes a
//! module here; helpers shared across areas go in `tests/support/`.

#[path = "../support/mod.rs"]
mod support;

#[cfg(feature = "cli")]
mod alk;
#[cfg(feature = "cli")]
mod api_versions;
#[cfg(feature = "cli")]
mod chart_range;
#[cfg(feature = "cli")]
mod check;
#[cfg(all(feature = "cli", unix))]
mod config_secrets;
#[cfg(feature = "cli")]
mod errors;
#[cfg(feature = "cli")]
mod exporter;
#[cfg(feature = "cli")]
mod hardening;
#[cfg(feature = "cli")]
mod in_flight;
#[cfg(feature = "cli")]
mod input_checks;
#[cfg(feature = "cli")]
mod overlay;
#[cfg(feature = "cli")]
mod simulator;
#[cfg(feature = "cli")]
mod streaming;
#[cfg(feature = "cli")]
mod terminal_output;
#[cfg(feature = "cli")]
mod usage_charts;
