//! What ships: the installed tool, scenario files for `serve`, and the package's contents.
//!
//! One test binary for the whole area, a module per concern: each binary costs a clean
//! `cargo test` a compile of the shared helpers and a link step. A new test file becomes a
//! module here; helpers shared across areas go in `tests/support/`.
//!
//! Built only with the features its `[[test]]` entry in Cargo.toml requires (`simulator` and
//! `cli`): no module here is gated on a feature, and a module that needs another adds it to that
//! entry.

#[path = "../support/mod.rs"]
mod support;

mod cli;
mod docs;
mod overlay_build;
mod packaging;
mod scenarios;
