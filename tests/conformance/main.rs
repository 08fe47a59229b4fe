//! The generated types held to the spec: the public surface, every example's typed round trip,
//! properties over generated instances, `schemars` schemas, the reviewed wire record, the live
//! contract check, and the third-party checkers (Spectral, Schemathesis).
//!
//! One test binary for the area (one link step instead of one per file); each module was a
//! test file of its own before. Helpers shared across areas are in `tests/support/`.

#[path = "../support/mod.rs"]
mod support;

#[cfg(feature = "contract")]
mod derived_schemas;
#[cfg(feature = "contract")]
mod examples;
#[cfg(feature = "cli")]
mod live;
#[cfg(feature = "contract")]
mod properties;
#[cfg(feature = "contract")]
mod surface;
#[cfg(feature = "simulator")]
mod third_party;
#[cfg(feature = "contract")]
mod wire_record;
