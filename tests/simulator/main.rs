//! The simulator on its own: routing, the API, fidelity to the spec, faults, idempotency,
//! refusals, the query examples and what it does when others can reach it.
//!
//! One test binary for the whole area, a module per concern: each binary costs a clean
//! `cargo test` a compile of the shared helpers and a link step. A new test file becomes a
//! module here; helpers shared across areas go in `tests/support/`.

#[path = "../support/mod.rs"]
mod support;

#[cfg(feature = "simulator")]
mod api;
#[cfg(feature = "simulator")]
mod client;
#[cfg(feature = "simulator")]
mod contract;
#[cfg(feature = "simulator")]
mod exposure;
#[cfg(feature = "simulator")]
mod faults;
#[cfg(feature = "simulator")]
mod fidelity;
#[cfg(feature = "simulator")]
mod idempotency;
#[cfg(feature = "simulator")]
mod query_examples;
#[cfg(feature = "simulator")]
mod refusals;
#[cfg(feature = "simulator")]
mod routing;
