//! Tests written for mutants that survived `cargo mutants` on the client layer (issue 18 item
//! 13; docs/contributing.md, "Mutation testing"): each checks what a caller sees, so that a
//! mutant of the code it covers fails it.
//!
//! A module per source file of the client layer.

#[cfg(feature = "simulator")]
mod async_action;
#[cfg(feature = "simulator")]
mod auth;
#[cfg(feature = "cli")] // tracing-subscriber, to read the client's logs
mod concurrency;
#[cfg(feature = "cli")]
mod config;
#[cfg(feature = "simulator")]
mod error;
#[cfg(feature = "simulator")]
mod hooks;
#[cfg(feature = "cli")]
mod logs;
#[cfg(feature = "simulator")]
mod paging;
#[cfg(feature = "simulator")]
mod patch;
#[cfg(feature = "simulator")]
mod query;
#[cfg(feature = "simulator")]
mod retry;
mod upload;
