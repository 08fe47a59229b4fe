//! The typed client against loopback servers (the simulator or a recording server): operations,
//! behaviour, hardening, API versions, the null policy, filters, usage history, the ALK check and
//! the legacy v2 call.
//!
//! One test binary for the whole area, a module per concern: each binary costs a clean
//! `cargo test` a compile of the shared helpers and a link step. A new test file becomes a
//! module here; helpers shared across areas go in `tests/support/`.

#[path = "../support/mod.rs"]
mod support;

#[cfg(feature = "alk")]
mod alk_check;
#[cfg(feature = "alk")]
mod alk_table;
#[cfg(feature = "simulator")]
mod api_versions;
#[cfg(feature = "simulator")]
mod behaviour;
#[cfg(feature = "simulator")]
mod hardening;
#[cfg(feature = "simulator")]
mod in_flight;
#[cfg(all(feature = "simulator", feature = "legacy"))]
mod legacy_v2;
#[cfg(feature = "simulator")]
mod made_up_answers;
mod mutation;
#[cfg(feature = "contract")]
mod null_policy;
#[cfg(feature = "simulator")]
mod operations;
#[cfg(feature = "simulator")]
mod pulse;
#[cfg(feature = "simulator")]
mod query_filters;
#[cfg(feature = "simulator")]
mod question_mark;
#[cfg(feature = "simulator")]
mod security;
mod usage_history;
