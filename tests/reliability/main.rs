//! Reliability: sign-in, decoding of any bytes, injected faults, load, secrets, throttling and TLS.
//!
//! One test binary for the area (one link step instead of one per file); each module was a
//! test file of its own before. Helpers shared across areas are in `tests/support/`.

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
