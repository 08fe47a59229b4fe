//! Applying OpenAPI Overlays (1.0 and 1.1) to the spec, one action at a time.
//!
//! This file is compiled twice: into the library (`spec show --overlay`, `spec check-overlay`)
//! and into the build script (`VSPC_LICENSING_OVERLAYS`), so that what `check-overlay` accepts is
//! exactly what the build accepts. It therefore uses nothing of the crate, only `serde_json`,
//! `yaml_serde`, `openapiv3` and `roas_overlay`.
//!
//! The rules are stricter than the Overlay specification's defaults, because an overlay here
//! changes generated code: an action whose target matches nothing is an error (an overlay
//! written for another spec must not be silently ignored), and after every action the document
//! must still be an OpenAPI 3 document (`openapiv3` reads it), so a broken action is named.

use std::fmt;

use roas_overlay::apply::{Apply, ApplyErrorKind, ApplyOptions};
use roas_overlay::validation::Validate;
use serde_json::Value;

/// Why an overlay could not be applied. Every variant names the file; those about one action
/// name its index, target and description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverlayError {
    /// The file could not be read.
    Unreadable {
        /// The overlay file.
        file: String,
        /// Why.
        reason: String,
    },
    /// The text is YAML (or JSON) but not an Overlay document, or not a valid one.
    NotAnOverlay {
        /// The overlay file.
        file: String,
        /// What is wrong with it.
        reason: String,
    },
    /// One action failed: an invalid JSONPath, a target matching nothing, a target that is
    /// not an object or array, or a change after which the spec is no longer OpenAPI 3.
    Action {
        /// The overlay file.
        file: String,
        /// The action's position, from 0.
        index: usize,
        /// The action's `target`.
        target: String,
        /// The action's `description`, when it has one.
        description: Option<String>,
        /// What went wrong.
        reason: String,
    },
}

impl fmt::Display for OverlayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OverlayError::Unreadable { file, reason } => {
                write!(f, "overlay {file}: cannot read it: {reason}")
            }
            OverlayError::NotAnOverlay { file, reason } => {
                write!(
                    f,
                    "overlay {file}: not an OpenAPI Overlay document: {reason}"
                )
            }
            OverlayError::Action {
                file,
                index,
                target,
                description,
                reason,
            } => {
                write!(f, "overlay {file}: actions[{index}] (target {target}")?;
                if let Some(description) = description {
                    write!(f, ", {description:?}")?;
                }
                write!(f, "): {reason}")
            }
        }
    }
}

impl std::error::Error for OverlayError {}

/// What applying one overlay did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedOverlay {
    /// The overlay's `info.title`.
    pub title: String,
    /// The overlay's `info.version`.
    pub version: String,
    /// How many actions it had (and applied).
    pub actions: usize,
}

/// Parses an overlay document (YAML or JSON text) into its v1.1 form (a 1.0 document is
/// upconverted; the two differ only by additions).
pub fn parse_overlay(file: &str, text: &str) -> Result<roas_overlay::v1_1::Overlay, OverlayError> {
    let not_an_overlay = |reason: String| OverlayError::NotAnOverlay {
        file: file.to_owned(),
        reason,
    };
    let value: Value =
        yaml_serde::from_str(text).map_err(|e| not_an_overlay(format!("not YAML or JSON: {e}")))?;
    let version = match value.get("overlay") {
        Some(Value::String(version)) => version.clone(),
        Some(_) => return Err(not_an_overlay("`overlay` must be a version string".into())),
        None => {
            let hint = if value.get("openapi").is_some() {
                " (this is an OpenAPI document, not an overlay of one)"
            } else {
                ""
            };
            return Err(not_an_overlay(format!("no `overlay` version field{hint}")));
        }
    };
    let overlay = if version.starts_with("1.0.") {
        serde_json::from_value::<roas_overlay::v1_0::Overlay>(value).map(Into::into)
    } else if version.starts_with("1.1.") {
        serde_json::from_value::<roas_overlay::v1_1::Overlay>(value)
    } else {
        return Err(not_an_overlay(format!(
            "overlay version {version:?} is not supported (1.0.x and 1.1.x are)"
        )));
    }
    .map_err(|e| not_an_overlay(e.to_string()))?;
    // An overlay with no actions is what `conform --write-overlay` writes for a console with no
    // drift; it changes nothing and is accepted, although the Overlay schema asks for one action.
    if !overlay.actions.is_empty() {
        overlay
            .validate(Default::default())
            .map_err(|e| not_an_overlay(e.to_string().trim_end().replace('\n', "; ")))?;
    }
    Ok(overlay)
}

/// Applies one overlay to `document`, action by action, checking after each that the document
/// is still OpenAPI 3. On error `document` is left as it was before this overlay.
pub fn apply_overlay(
    document: &mut Value,
    file: &str,
    text: &str,
) -> Result<AppliedOverlay, OverlayError> {
    let overlay = parse_overlay(file, text)?;
    let mut working = document.clone();
    for (index, action) in overlay.actions.iter().enumerate() {
        let failed = |reason: String| OverlayError::Action {
            file: file.to_owned(),
            index,
            target: action.target.clone(),
            description: action.description.clone(),
            reason,
        };
        let single = roas_overlay::v1_1::Overlay {
            actions: vec![action.clone()],
            ..overlay.clone()
        };
        single
            .apply(&mut working, ApplyOptions::ErrorOnZeroMatch.into())
            .map_err(|e| failed(explain(&e.kind)))?;
        if let Err(reason) = still_openapi(&working) {
            return Err(failed(format!(
                "after this action the spec is no longer a valid OpenAPI 3 document: {reason}"
            )));
        }
    }
    *document = working;
    Ok(AppliedOverlay {
        title: overlay.info.title.clone(),
        version: overlay.info.version.clone(),
        actions: overlay.actions.len(),
    })
}

fn explain(kind: &ApplyErrorKind) -> String {
    match kind {
        ApplyErrorKind::ZeroMatch => "the target matches nothing in the spec (an overlay written \
            for another spec, or for a schema this version renamed?)"
            .to_owned(),
        other => other.to_string(),
    }
}

/// The checks every document must pass: `openapiv3` reads it, and the schemas the generator
/// resolves exist.
fn still_openapi(document: &Value) -> Result<(), String> {
    let spec: openapiv3::OpenAPI =
        serde_json::from_value(document.clone()).map_err(|e| e.to_string())?;
    if !spec.openapi.starts_with("3.0.") {
        return Err(format!("openapi {} is not 3.0.x", spec.openapi));
    }
    dangling_reference(document, document, "")
}

/// Every local `$ref` must name something in the document.
fn dangling_reference(root: &Value, value: &Value, at: &str) -> Result<(), String> {
    match value {
        Value::Object(object) => {
            if let Some(Value::String(reference)) = object.get("$ref") {
                if let Some(pointer) = reference.strip_prefix('#') {
                    if root.pointer(pointer).is_none() {
                        return Err(format!("{at}: $ref {reference} names nothing"));
                    }
                }
            }
            object.iter().try_for_each(|(key, child)| {
                dangling_reference(root, child, &format!("{at}/{key}"))
            })
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, child)| dangling_reference(root, child, &format!("{at}/{i}"))),
        _ => Ok(()),
    }
}
