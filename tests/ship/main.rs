//! What ships: the installed tool, scenario files for `serve`, and the package's contents.
//!
//! One test binary for the area (one link step instead of one per file); each module was a
//! test file of its own before. Helpers shared across areas are in `tests/support/`.

#[path = "../support/mod.rs"]
mod support;

#[cfg(feature = "cli")]
mod cli;
mod packaging;
#[cfg(feature = "cli")]
mod scenarios;
