#![doc = "vspc-licensing"]
mod generated;
#[macro_use]
pub mod enums;
pub mod envelope;
pub mod hooks;
#[cfg(feature = "simulator")]
pub mod simulator;
pub use generated::{types, Client};

/// The generated client's source, for the conformance suite's public-surface snapshot.
#[cfg(feature = "contract")]
#[doc(hidden)]
pub const GENERATED_SOURCE: &str = include_str!(concat!(env!("OUT_DIR"), "/vspc_client.rs"));
