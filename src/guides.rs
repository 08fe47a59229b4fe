//! The README and the guides in `docs/`, compiled only as doc tests (`cargo test --doc`): each
//! item carries one file as its documentation, so every Rust block in it is compiled, and run
//! unless marked `no_run`. A guide whose examples need a feature is tested with that feature.
//! `tests/ship/docs.rs` checks that every guide with a Rust block has an item here.
#![allow(dead_code)]

#[doc = include_str!("../README.md")]
struct Readme;

#[doc = include_str!("../docs/library.md")]
struct Library;

#[doc = include_str!("../docs/reliability.md")]
struct Reliability;

#[doc = include_str!("../docs/concurrency.md")]
struct Concurrency;

#[doc = include_str!("../docs/api-versions.md")]
struct ApiVersions;

#[doc = include_str!("../docs/overlays.md")]
struct Overlays;

#[cfg(feature = "simulator")]
#[doc = include_str!("../docs/simulator.md")]
struct Simulator;

#[cfg(feature = "simulator")]
#[doc = include_str!("../docs/contract-testing.md")]
struct ContractTesting;
