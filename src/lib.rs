#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
mod generated;
#[macro_use]
pub mod enums;
#[cfg(feature = "alk")]
pub mod alk;
pub mod api_version;
pub mod async_action;
pub mod auth;
#[cfg(feature = "cli")]
pub mod cli;
pub mod compat;
pub mod concurrency;
pub mod config;
#[cfg(feature = "contract")]
pub mod conform;
#[cfg(feature = "contract")]
pub mod contract;
mod direct_call;
pub mod envelope;
pub mod error;
pub mod hooks;
#[cfg(feature = "legacy")]
pub mod legacy;
mod licenses;
mod nulls;
pub mod paging;
pub mod patch;
pub mod product;
pub mod query;
mod reports;
pub mod retry;
#[cfg(feature = "simulator")]
pub mod simulator;
mod spec_facts;
pub mod upload;
pub mod usage;
mod version_detection;

pub use api_version::ApiVersion;
pub use async_action::AsyncActionPolicy;
pub use auth::{Credentials, Secret};
pub use concurrency::AdaptiveLimit;
pub use config::{ClientBuilder, API_VERSION};
pub use error::{Error, Result};
pub use generated::{types, Client};
pub use product::{License, Product};
pub use reports::UsageFilter;
pub use retry::RetryPolicy;
pub use upload::LicenseFile;

include!(concat!(env!("OUT_DIR"), "/vspc_schema_list.rs"));

/// The generated client's source, for the conformance suite's public-surface snapshot.
#[cfg(feature = "contract")]
#[doc(hidden)]
pub const GENERATED_SOURCE: &str = include_str!(concat!(env!("OUT_DIR"), "/vspc_client.rs"));
