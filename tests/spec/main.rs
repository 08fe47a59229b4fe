//! The spec (`spec/vspc-licensing.yaml`, and the legacy v2 document) as a document: its
//! inventory, examples, completeness and the validators the contract module builds from it.
//!
//! One test binary for the whole area, a module per concern: each binary costs a clean
//! `cargo test` a compile of the shared helpers and a link step. A new test file becomes a
//! module here; helpers shared across areas go in `tests/support/`.

#[path = "../support/mod.rs"]
mod support;

#[cfg(feature = "contract")]
mod completeness;
#[cfg(feature = "contract")]
mod document;
#[cfg(feature = "contract")]
mod examples;
#[cfg(feature = "contract")]
mod inventory;
mod legacy;
#[cfg(feature = "contract")]
mod request_properties;
#[cfg(feature = "contract")]
mod validators;
