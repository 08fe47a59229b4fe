//! Tests written for mutants that survived `cargo mutants` on the client layer (issue 18 item
//! 13; docs/contributing.md, "Mutation testing"): each checks what a caller sees, so that a
//! mutant of the code it covers fails it.
//!
//! A module per source file of the client layer.

mod async_action;
mod auth;
mod concurrency;
mod config;
mod error;
mod hooks;
mod logs;
mod paging;
mod patch;
mod query;
mod retry;
mod upload;
