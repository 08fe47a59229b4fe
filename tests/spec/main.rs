//! The spec (`spec/vspc-licensing.yaml`, and the legacy v2 document) as a document: its
//! inventory, examples, completeness and the validators the contract module builds from it.
//!
//! One test binary for the whole area, a module per concern: each binary costs a clean
//! `cargo test` a compile of the shared helpers and a link step. A new test file becomes a
//! module here; helpers shared across areas go in `tests/support/`.
//!
//! Built only with the features its `[[test]]` entry in Cargo.toml requires (`contract`): no module
//! here is gated on a feature, and a module that needs another adds it to that entry.

#[path = "../support/mod.rs"]
mod support;

mod completeness;
mod document;
mod examples;
mod inventory;
mod legacy;
mod request_properties;
mod validators;
