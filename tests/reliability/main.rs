//! Reliability: sign-in, decoding of any bytes, injected faults, load, secrets, throttling and TLS.
//!
//! One test binary for the whole area, a module per concern: each binary costs a clean
//! `cargo test` a compile of the shared helpers and a link step. A new test file becomes a
//! module here; helpers shared across areas go in `tests/support/`.

#[path = "../support/mod.rs"]
mod support;

#[cfg(feature = "simulator")]
mod auth;
mod decode;
#[cfg(feature = "simulator")]
mod faults;
#[cfg(feature = "simulator")]
mod load;
#[cfg(feature = "cli")]
mod secrets;
#[cfg(feature = "simulator")]
mod throttling;
#[cfg(feature = "cli")]
mod tls;
