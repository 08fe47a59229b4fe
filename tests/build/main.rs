//! Unit tests of the build script (`build/`): its modules are compiled into this test binary
//! as they are, and each adaptation, list and post-processing step runs on a small document.
//! The progenitor step itself (`build/generate.rs`) is left out: what it produces is covered
//! by the conformance suite's surface snapshot, and leaving it out keeps progenitor out of the
//! test build.
//!
//! It needs no feature of the crate (the build script has none): a plain `cargo test` runs it.

// Each test file exercises a few functions of the modules below; the others are the build's.
#![allow(dead_code)]

#[path = "../../build/adapt.rs"]
mod adapt;
#[path = "../../build/defaults.rs"]
mod defaults;
#[path = "../../build/emit.rs"]
mod emit;
#[path = "../../build/enums.rs"]
mod enums;
#[path = "../../build/envelopes.rs"]
mod envelopes;
#[path = "../../build/openapi.rs"]
mod openapi;
#[path = "../../build/postprocess.rs"]
mod postprocess;
#[path = "../../build/schema_list.rs"]
mod schema_list;
#[path = "../../build/spec_document.rs"]
mod spec_document;
#[path = "../../build/spec_facts.rs"]
mod spec_facts;
#[path = "../../build/version_notes.rs"]
mod version_notes;

mod adaptations;
mod default_derives;
mod derived_lists;
mod facts;
mod notes;
mod post_processing;
