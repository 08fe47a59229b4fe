//! The generated types held to the spec: the public surface, every example's typed round trip,
//! properties over generated instances, `schemars` schemas, the reviewed wire record, the live
//! contract check, and the third-party checkers (Spectral, Schemathesis).
//!
//! One test binary for the whole area, a module per concern: each binary costs a clean
//! `cargo test` a compile of the shared helpers and a link step. A new test file becomes a
//! module here; helpers shared across areas go in `tests/support/`.

#[path = "../support/mod.rs"]
mod support;

#[cfg(feature = "contract")]
mod derived_schemas;
#[cfg(feature = "contract")]
mod examples;
#[cfg(feature = "cli")]
mod live;
#[cfg(feature = "cli")]
mod prometheus;
#[cfg(feature = "contract")]
mod properties;
#[cfg(feature = "contract")]
mod surface;
#[cfg(feature = "simulator")]
mod third_party;
#[cfg(feature = "contract")]
mod wire_record;
