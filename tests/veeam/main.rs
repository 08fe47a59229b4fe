//! Veeam's own documents and Python client as the oracle: the spec, the simulator and the tool
//! against what Veeam publishes for each API version.
//!
//! One test binary for the area (one link step instead of one per file); each module was a
//! test file of its own before. Helpers shared across areas are in `tests/support/`.

#[path = "../support/mod.rs"]
mod support;

#[cfg(feature = "contract")]
mod auth_errors;
mod documents;
#[cfg(feature = "cli")]
mod examples;
#[cfg(feature = "cli")]
mod python_client;
#[cfg(feature = "simulator")]
mod simulator;
