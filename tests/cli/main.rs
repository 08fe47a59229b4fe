//! The `vspc-licensing` tool as a process: commands against the simulator, errors, hardening,
//! streaming output, usage charts, ALK and API versions.
//!
//! One test binary for the area (one link step instead of one per file); each module was a
//! test file of its own before. Helpers shared across areas are in `tests/support/`.

#[path = "../support/mod.rs"]
mod support;

#[cfg(feature = "cli")]
mod alk;
#[cfg(feature = "cli")]
mod api_versions;
#[cfg(feature = "cli")]
mod errors;
#[cfg(feature = "cli")]
mod hardening;
#[cfg(feature = "cli")]
mod simulator;
#[cfg(feature = "cli")]
mod streaming;
#[cfg(feature = "cli")]
mod usage_charts;
