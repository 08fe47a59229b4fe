#![doc = "vspc-licensing"]
mod generated;
#[macro_use]
pub mod enums;
pub mod async_action;
pub mod auth;
pub mod config;
pub mod envelope;
pub mod error;
pub mod hooks;
pub mod retry;

pub use async_action::AsyncActionPolicy;
pub use auth::{Credentials, Secret};
pub use config::{ClientBuilder, API_VERSION};
pub use error::{Error, Result};
pub use generated::{types, Client};
pub use retry::RetryPolicy;

/// The generated client's source, for the conformance suite's public-surface snapshot.
#[cfg(feature = "contract")]
#[doc(hidden)]
pub const GENERATED_SOURCE: &str = include_str!(concat!(env!("OUT_DIR"), "/vspc_client.rs"));
