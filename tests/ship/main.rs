//! What ships: the installed tool, scenario files for `serve`, and the package's contents.
//!
//! One test binary for the whole area, a module per concern: each binary costs a clean
//! `cargo test` a compile of the shared helpers and a link step. A new test file becomes a
//! module here; helpers shared across areas go in `tests/support/`.

#[path = "../support/mod.rs"]
mod support;

#[cfg(feature = "cli")]
mod cli;
mod docs;
#[cfg(feature = "cli")]
mod overlay_build;
mod packaging;
#[cfg(feature = "cli")]
mod scenarios;
