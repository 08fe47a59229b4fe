//! The simulator on its own: routing, the API, fidelity to the spec, faults, idempotency,
//! refusals and the query examples.
//!
//! One test binary for the area (one link step instead of one per file); each module was a
//! test file of its own before. Helpers shared across areas are in `tests/support/`.

#[path = "../support/mod.rs"]
mod support;

#[cfg(feature = "simulator")]
mod api;
#[cfg(feature = "simulator")]
mod client;
#[cfg(feature = "simulator")]
mod contract;
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
