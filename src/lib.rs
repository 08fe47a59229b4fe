//! A typed client for the licensing part of the Veeam Service Provider Console (VSPC) REST
//! API v3, with an embedded simulator, a command-line tool and contract checks beside it.
//!
//! The client is generated at build time from the crate's OpenAPI document
//! (`spec/vspc-licensing.yaml`, shipped in the package: every licensing operation plus the
//! token and async-action endpoints they need) and wrapped in what automation needs: sign-in
//! with token renewal, retries that reuse one `X-Request-id` so that a change is never applied
//! twice, `202 Accepted` async actions followed to their result, paging as a stream, enums that
//! keep the values a newer console adds, and one error type.
//!
//! # Quickstart
//!
//! Switch automatic license updates on for every Veeam Backup & Replication server that has
//! them off:
//!
//! ```
//! use futures::TryStreamExt;
//! use vspc_licensing::{Client, Filter, ListQuery, Product};
//!
//! async fn enable_auto_update_everywhere(client: &Client) -> vspc_licensing::Result<usize> {
//!     let off: Vec<_> = client
//!         .backup_server_licenses(
//!             ListQuery::new()
//!                 .filter(Filter::equals("autoUpdateEnabled", false))
//!                 .page_size(500),
//!         )
//!         .try_collect()
//!         .await?;
//!     for license in &off {
//!         if let Some(uid) = license.backup_server_uid {
//!             client.enable_auto_update(Product::BackupServer, uid).await?;
//!         }
//!     }
//!     Ok(off.len())
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> vspc_licensing::Result<()> {
//! let client = Client::builder("https://vspc.example.com:1280")
//!     .api_key(std::env::var("VSPC_API_KEY").unwrap_or_default())
//!     .build()?;
//! # #[cfg(feature = "simulator")]
//! # {
//! # // This example runs against the embedded simulator rather than a console.
//! # use vspc_licensing::simulator::{Simulator, SimulatorConfig};
//! # let sim = Simulator::start(SimulatorConfig::default().api_key("doc-key")).await.unwrap();
//! # let client = Client::builder(sim.root_url()).api_key("doc-key").build()?;
//! let switched = enable_auto_update_everywhere(&client).await?;
//! println!("auto-update switched on for {switched} servers");
//! # assert!(switched > 0);
//! # sim.shutdown().await;
//! # }
//! # Ok(())
//! # }
//! ```
//!
//! Every operation of the spec is also a generated method on [`Client`] with typed
//! parameters, for anything the helpers below do not cover; its [`builder`] answers with a
//! [`ResponseValue`], and `?` turns its error into the crate's [`Error`], naming the operation:
//!
//! ```no_run
//! async fn report_settings(
//!     client: &vspc_licensing::Client,
//! ) -> vspc_licensing::Result<vspc_licensing::types::SingleLicenseReportSettings> {
//!     let answer = client.get_licensing_reports_settings().send().await?;
//!     Ok(answer.into_inner().data)
//! }
//! ```
//!
//! # Map of the crate
//!
//! **Connecting.** [`Client::builder`] gives a [`ClientBuilder`]: the console's address, an API
//! key or a user name and password ([`Credentials`], kept as [`Secret`]s that never print), the
//! one-time code of a multi-factor sign-in ([`MfaCodeProvider`]), extra CA certificates, timeouts
//! and the [`ApiVersion`] to speak (pinned, or detected with
//! [`ClientBuilder::detect_api_version`]; [`API_VERSION`] is the default).
//!
//! **Reading licenses.** Per product: [`Client::backup_server_licenses`],
//! [`Client::v_one_server_licenses`], [`Client::vb365_server_licenses`] and
//! [`Client::site_licenses`] give the generated types; [`Client::licenses`] and
//! [`Client::license`] give any product's as one [`License`] (with [`AnyStatus`]), named by
//! [`Product`]. A [`ListQuery`] chooses the page size, the pages in flight and the server-side
//! [`Filter`], [`Sort`] and [`Select`]; the result is a [`ResourceStream`] ([`unique_by`]
//! de-duplicates one).
//!
//! **Changing licenses.** [`Client::enable_auto_update`], [`Client::disable_auto_update`] and
//! [`Client::set_auto_update`]; [`Client::patch_license`] with a [`Patch`] (JSON Patch);
//! [`Client::install_license`] of a [`LicenseFile`] (at most [`MAX_LICENSE_FILE_BYTES`]),
//! [`Client::renew_license`] and [`Client::delete_license`].
//!
//! **Reports and usage.** [`Client::license_reports`], [`Client::latest_license_reports`],
//! [`Client::download_license_report_csv`], [`Client::finalize_license_reports`], the report
//! settings, and [`Client::organization_license_usage`] narrowed by a [`UsageFilter`]. The
//! [`usage`] module turns the reports into points per month, month-over-month changes and top
//! consumers ([`Client::license_usage_history`]).
//!
//! **Reliability.** [`RetryPolicy`] (attempts, backoff, deadline, `Retry-After`),
//! [`AsyncActionPolicy`] (following `202` answers) and [`AdaptiveLimit`] with its [`Permit`]s
//! (bounding bulk changes, halved whenever the console throttles:
//! [`Client::adaptive_limit`]).
//!
//! **Errors.** [`Error`] and [`Result`]: the operation, the status, VSPC's `errors` list or the
//! raw body, and what to do next.
//!
//! **The wire model.** [`types`] holds the generated request and response types, [`enums`] the
//! forward-compatible enums (an unknown value is kept as `Unknown(..)` and sent back
//! unchanged), [`Envelope`] and [`Collection`] the shapes every answer comes in;
//! [`DEFAULT_PAGES_IN_FLIGHT`] and [`MAX_PAGE_SIZE`] are the paging bounds.
//!
//! **Behind features** (none is on by default):
//!
//! | feature | module | what it holds |
//! |---|---|---|
//! | `alk` | [`alk`](alk/index.html) | the ALK Update endpoints each product must reach, and a reachability check |
//! | `legacy` | [`legacy`](legacy/index.html) | the one call to the older VAC REST API v2 (Cloud Connect auto-update) |
//! | `contract` | [`contract`](contract/index.html), [`live_check`](live_check/index.html) | the spec as an oracle for requests and answers; the live contract check of a console |
//! | `simulator` | [`simulator`](simulator/index.html) | an embedded VSPC licensing server on loopback, with scenarios and fault injection |
//! | `cli` | [`cli`](cli/index.html) | the `vspc-licensing` command-line tool |
//!
//! The guides (the command-line tool, the simulator, reliability, API versions, contract
//! testing and more) are in the `docs/` folder of the package.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// The library in three layers, each a private module whose chosen items are re-exported below:
// `model` (what the build derives from the spec), `client` (the machinery around the generated
// operations) and `api` (what callers use). The tools sit beside them, each behind its feature.
mod api;
mod client;
mod model;

#[cfg(feature = "alk")]
pub mod alk;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "contract")]
pub mod contract;
#[cfg(feature = "legacy")]
pub mod legacy;
#[cfg(feature = "contract")]
pub mod live_check;
#[cfg(feature = "contract")]
pub mod overlay;
#[cfg(feature = "simulator")]
pub mod simulator;
pub mod usage;

// The README and the guides in docs/, compiled as doc tests so that their examples keep up.
#[cfg(doctest)]
mod guides;

pub use api::paging::{unique_by, ResourceStream};
pub use api::patch::Patch;
pub use api::product::{AnyStatus, License, ParseProductError, Product};
pub use api::pulse::{NewPulseLicense, Pulse};
pub use api::query::{Filter, ListQuery, Select, Sort, DEFAULT_PAGES_IN_FLIGHT, MAX_PAGE_SIZE};
pub use api::reports::UsageFilter;
pub use api::upload::{LicenseFile, MAX_LICENSE_FILE_BYTES};
pub use client::answer::DEFAULT_MAX_ANSWER_BYTES;
pub use client::async_action::AsyncActionPolicy;
pub use client::auth::{Credentials, MfaCodeProvider, Secret};
pub use client::concurrency::{AdaptiveLimit, Permit, DEFAULT_MAX_IN_FLIGHT};
pub use client::config::{read_pem_certificates, sends_in_clear, ClientBuilder, API_VERSION};
pub use client::error::{Error, Result};
pub use client::retry::RetryPolicy;
pub use model::api_version::{ApiVersion, ParseApiVersionError, UnsupportedConsole};
pub use model::enums;
pub use model::envelope::{Collection, Envelope};
pub use model::generated::{builder, types, ByteStream, Client, ResponseValue};
pub use model::spec_overlays::{spec_overlays, SpecOverlay};

include!(concat!(env!("OUT_DIR"), "/vspc_schema_list.rs"));

/// The generated client's source, for the conformance suite's public-surface snapshot.
#[cfg(feature = "contract")]
#[doc(hidden)]
pub const GENERATED_SOURCE: &str = include_str!(concat!(env!("OUT_DIR"), "/vspc_client.rs"));
