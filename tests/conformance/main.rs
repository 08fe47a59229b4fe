//! The generated types held to the spec: the public surface, every example's typed round trip,
//! properties over generated instances, `schemars` schemas, the reviewed wire record, the live
//! contract check, and the third-party checkers (Spectral, Schemathesis).
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

mod derived_schemas;
mod examples;
mod live;
mod prometheus;
mod properties;
mod pulse_builders;
mod pulse_surface;
mod surface;
mod third_party;
mod wire_record;
