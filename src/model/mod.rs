//! The wire model: what the build script (`build/`) derives from the spec (the generated client and types, the
//! spec's operations and bounds as typed constants) and the hand-written pieces that let those
//! types read every API version and every real console's spelling. Depends on nothing else in
//! the crate but the error type.

pub(crate) mod api_version;
pub(crate) mod compat;
pub mod enums;
pub(crate) mod envelope;
pub(crate) mod generated;
pub(crate) mod nulls;
pub(crate) mod redacted;
pub(crate) mod spec_facts;
pub(crate) mod spec_overlays;
