//! The `vspc-licensing` tool as a process: commands against the simulator, errors, hardening,
//! streaming output, usage charts, ALK and API versions.
//!
//! One test binary for the whole area, a module per concern: each binary costs a clean
//! `cargo test` a compile of the shared helpers and a link step. A new test file becomes a
//! module here; helpers shared across areas go in `tests/support/`.
//!
//! Built only with the features its `[[test]]` entry in Cargo.toml requires (`cli`): no module here
//! is gated on a feature, and a module that needs another adds it to that entry.

#[path = "../support/mod.rs"]
mod support;

mod alk;
mod api_versions;
mod chart_range;
mod check;
#[cfg(unix)] // file owners and modes: what the tool checks exists on Unix only
mod config_secrets;
mod errors;
mod exporter;
mod hardening;
mod in_flight;
mod input_checks;
mod overlay;
mod pulse;
mod pulse_console;
mod pulse_download;
mod pulse_edit;
mod pulse_lifecycle;
mod pulse_renew;
mod simulator;
mod streaming;
mod terminal_output;
mod usage_charts;
