//! Veeam's own documents and Python client as the oracle: the spec, the simulator and the tool
//! against what Veeam publishes for each API version.
//!
//! One test binary for the whole area, a module per concern: each binary costs a clean
//! `cargo test` a compile of the shared helpers and a link step. A new test file becomes a
//! module here; helpers shared across areas go in `tests/support/`.

#[path = "../support/mod.rs"]
mod support;

#[cfg(feature = "contract")]
mod auth_errors;
#[cfg(feature = "contract")] // the spec side of the comparison
mod documents;
#[cfg(feature = "cli")]
mod examples;
#[cfg(feature = "cli")]
mod python_client;
#[cfg(feature = "simulator")]
mod simulator;
