//! OpenAPI Overlays: a console's drift written as a patch of the spec, and the spec with
//! patches applied.
//!
//! The crate is built from `spec/vspc-licensing.yaml`. When a console departs from it (a newer
//! build adds a property, an enum value, a `null`), `vspc-licensing conform --write-overlay
//! FILE` writes what it saw as an [Overlay 1.0](https://spec.openapis.org/overlay/v1.0.0.html)
//! document ([`DriftEvidence`]), and a build with `VSPC_LICENSING_OVERLAYS=FILE` applies it to
//! the spec before anything is generated, so the types, the contract checks, `conform`, the
//! simulator and the CLI all speak the console's dialect. [`crate::spec_overlays`] says which
//! overlays a build was made with.
//!
//! [`apply_overlay`] is the code the build script runs (the same file is compiled into both), so
//! `vspc-licensing spec check-overlay FILE` accepts exactly what a build accepts:
//!
//! ```
//! use vspc_licensing::overlay::{apply_overlay, shipped_spec, OverlayError};
//!
//! let mut spec = shipped_spec();
//! let overlay = r#"
//! overlay: 1.0.0
//! info: {title: A newer console, version: "1"}
//! actions:
//!   - target: $.components.schemas.BackupServerLicense
//!     update: {properties: {rackPosition: {type: integer, format: int64}}}
//! "#;
//! let applied = apply_overlay(&mut spec, "newer.yaml", overlay).unwrap();
//! assert_eq!(applied.actions, 1);
//! assert_eq!(spec["components"]["schemas"]["BackupServerLicense"]["properties"]["rackPosition"]["type"], "integer");
//!
//! // An overlay for another spec fails instead of doing nothing.
//! let stale = overlay.replace("BackupServerLicense", "BackupServerLicence");
//! let error = apply_overlay(&mut spec, "stale.yaml", &stale).unwrap_err();
//! assert!(matches!(error, OverlayError::Action { index: 0, .. }));
//! assert!(error.to_string().contains("matches nothing"), "{error}");
//! ```

mod apply;
mod evidence;

use std::path::Path;

use serde_json::Value;

pub use apply::{apply_overlay, parse_overlay, AppliedOverlay, OverlayError};
pub use evidence::DriftEvidence;

/// The spec as shipped with the crate (`spec/vspc-licensing.yaml`), before any overlay, as JSON.
pub fn shipped_spec() -> Value {
    yaml_serde::from_str(SHIPPED).expect("the shipped spec is checked by the crate's spec tests")
}

/// The text of `spec/vspc-licensing.yaml` as shipped.
const SHIPPED: &str = include_str!("../../spec/vspc-licensing.yaml");

/// The shipped spec with each overlay file applied in order: what a build with
/// `VSPC_LICENSING_OVERLAYS` set to those files would generate from.
pub fn effective_spec<P: AsRef<Path>>(overlays: &[P]) -> Result<Value, OverlayError> {
    let mut spec = shipped_spec();
    for file in overlays {
        let file = file.as_ref();
        let name = file.display().to_string();
        let text = std::fs::read_to_string(file).map_err(|e| OverlayError::Unreadable {
            file: name.clone(),
            reason: e.to_string(),
        })?;
        apply_overlay(&mut spec, &name, &text)?;
    }
    Ok(spec)
}

/// An overlay document as text for `file`: JSON when the name ends in `.json`, else YAML. The
/// fields come in the Overlay specification's order (`overlay`, `info`, `actions`; `target`
/// first in each action), not alphabetically.
pub fn overlay_text(overlay: &Value, file: &Path) -> String {
    let ordered = serde_json::from_value::<roas_overlay::v1_0::Overlay>(overlay.clone());
    let json = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    match (ordered, json) {
        (Ok(ordered), true) => serde_json::to_string_pretty(&ordered).unwrap_or_default() + "\n",
        (Ok(ordered), false) => yaml_serde::to_string(&ordered).unwrap_or_default(),
        (Err(_), true) => serde_json::to_string_pretty(overlay).unwrap_or_default() + "\n",
        (Err(_), false) => yaml_serde::to_string(overlay).unwrap_or_default(),
    }
}
