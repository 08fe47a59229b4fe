//! The typed client against loopback servers (the simulator or a recording server): operations,
//! behaviour (a module per behaviour: paging, sign-in, errors, retries, async actions...),
//! hardening, security, API versions, the null policy, filters, usage history, the ALK check
//! and the legacy v2 call. The tests written for mutants that survived `cargo mutants` live with
//! the behaviour they check.
//!
//! One test binary for the whole area, a module per concern: each binary costs a clean
//! `cargo test` a compile of the shared helpers and a link step. A new test file becomes a
//! module here; helpers shared across areas go in `tests/support/`.
//!
//! Built only with the features its `[[test]]` entry in Cargo.toml requires (`simulator`, `alk` and
//! `legacy`): no module here is gated on a feature, and a module that needs another adds it to that
//! entry.

#[path = "../support/mod.rs"]
mod support;

mod alk_check;
mod alk_table;
mod api_versions;
mod behaviour;
mod hardening;
mod in_flight;
mod legacy_v2;
mod logs;
mod made_up_answers;
mod null_policy;
mod operations;
mod pulse;
mod pulse_requests;
mod query_filters;
mod question_mark;
mod security;
mod usage_history;
