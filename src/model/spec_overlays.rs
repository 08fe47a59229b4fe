//! Which OpenAPI Overlays the spec was built with (`VSPC_LICENSING_OVERLAYS`; see
//! `build/overlays.rs`), so that a binary and a bug report say which spec they speak.

use serde::Serialize;

/// One overlay applied to the spec at build time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SpecOverlay {
    /// The overlay's file name (without its directory, which is the builder's business).
    pub file: &'static str,
    /// The SHA-256 of the file's bytes, in lower-case hex.
    pub sha256: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/vspc_overlays.rs"));

/// The overlays the crate's spec was built with, in the order they were applied; empty for the
/// spec as shipped.
///
/// ```
/// // A build without VSPC_LICENSING_OVERLAYS speaks the shipped spec.
/// if std::env::var_os("VSPC_LICENSING_OVERLAYS").is_none() {
///     assert!(vspc_licensing::spec_overlays().is_empty());
/// }
/// ```
pub fn spec_overlays() -> &'static [SpecOverlay] {
    SPEC_OVERLAYS
}
