//! The simulator on its own: routing, the API, fidelity to the spec, faults, idempotency,
//! refusals, the query examples and what it does when others can reach it.
//!
//! One test binary for the whole area, a module per concern: each binary costs a clean
//! `cargo test` a compile of the shared helpers and a link step. A new test file becomes a
//! module here; helpers shared across areas go in `tests/support/`.
//!
//! Built only with the features its `[[test]]` entry in Cargo.toml requires (`simulator`): no
//! module here is gated on a feature, and a module that needs another adds it to that entry.

#[path = "../support/mod.rs"]
mod support;

mod api;
mod client;
mod contract;
mod exposure;
mod faults;
mod fidelity;
mod idempotency;
mod pulse;
mod query_examples;
mod refusals;
mod routing;
