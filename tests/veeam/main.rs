//! Veeam's own documents and Python client as the oracle: the spec, the simulator and the tool
//! against what Veeam publishes for each API version.
//!
//! One test binary for the whole area, a module per concern: each binary costs a clean
//! `cargo test` a compile of the shared helpers and a link step. A new test file becomes a
//! module here; helpers shared across areas go in `tests/support/`.
//!
//! Built only with the features its `[[test]]` entry in Cargo.toml requires (`contract`,
//! `simulator` and `cli`): no module here is gated on a feature, and a module that needs another
//! adds it to that entry.

#[path = "../support/mod.rs"]
mod support;

mod auth_errors;
mod documents;
mod examples;
mod python_client;
mod simulator;
