#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// The library in three layers, each a private module whose chosen items are re-exported below:
// `model` (what the build derives from the spec), `client` (the machinery around the generated
// operations) and `api` (what callers use). The tools sit beside them, each behind its feature.
#[macro_use]
mod model;
mod client;
#[macro_use]
mod api;

#[cfg(feature = "alk")]
pub mod alk;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "contract")]
pub mod conform;
#[cfg(feature = "contract")]
pub mod contract;
#[cfg(feature = "legacy")]
pub mod legacy;
#[cfg(feature = "contract")]
pub mod overlay;
#[cfg(feature = "simulator")]
pub mod simulator;
pub mod usage;

pub use api::paging::{unique_by, ResourceStream};
pub use api::patch::Patch;
pub use api::product::{AnyStatus, License, Product, UnknownProduct};
pub use api::query::{Filter, ListQuery, Select, Sort, DEFAULT_PAGES_IN_FLIGHT, MAX_PAGE_SIZE};
pub use api::reports::UsageFilter;
pub use api::upload::{LicenseFile, MAX_LICENSE_FILE_BYTES};
pub use client::async_action::AsyncActionPolicy;
pub use client::auth::{Credentials, MfaCodeProvider, Secret};
pub use client::concurrency::{AdaptiveLimit, Permit};
pub use client::config::{ClientBuilder, API_VERSION};
pub use client::error::{Error, Result};
pub use client::retry::RetryPolicy;
pub use model::api_version::{ApiVersion, UnknownApiVersion, UnsupportedConsole};
pub use model::enums;
pub use model::envelope::{Collection, Envelope};
pub use model::generated::{types, Client};
pub use model::spec_overlays::{spec_overlays, SpecOverlay};

include!(concat!(env!("OUT_DIR"), "/vspc_schema_list.rs"));

/// The generated client's source, for the conformance suite's public-surface snapshot.
#[cfg(feature = "contract")]
#[doc(hidden)]
pub const GENERATED_SOURCE: &str = include_str!(concat!(env!("OUT_DIR"), "/vspc_client.rs"));
