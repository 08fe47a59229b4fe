//! JSON Patch (RFC 6902) documents for the licensing PATCH operations.
//!
//! Values travel with their real JSON types: `autoUpdateEnabled` is sent as `true`, not `"true"`.
//!
//! ```
//! use vspc_licensing::Patch;
//! let patch = Patch::new().replace("/autoUpdateEnabled", true);
//! assert_eq!(
//!     serde_json::to_string(&patch.operations()).unwrap(),
//!     r#"[{"op":"replace","path":"/autoUpdateEnabled","value":true}]"#
//! );
//! ```

use serde_json::Value;

use crate::model::enums::JsonPatchOperation;
use crate::model::generated::types::{JsonPatch, JsonPatches};

/// JSON pointer of the auto-update switch on product licenses.
const AUTO_UPDATE_PATH: &str = "/autoUpdateEnabled";
/// JSON pointer of the automatic approval switch on report settings.
const AUTO_APPROVE_PATH: &str = "/autoApprove";

/// A JSON Patch document: operations applied in order, all or nothing.
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use]
pub struct Patch(Vec<JsonPatch>);

impl Patch {
    /// The patch that turns automatic license updates on or off.
    pub fn auto_update(enabled: bool) -> Self {
        Self::new().replace(AUTO_UPDATE_PATH, enabled)
    }

    /// The patch that turns automatic report approval on or off.
    pub fn auto_approve(enabled: bool) -> Self {
        Self::new().replace(AUTO_APPROVE_PATH, enabled)
    }

    /// An empty patch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the value at `path` (which must exist).
    pub fn replace(self, path: impl Into<String>, value: impl Into<Value>) -> Self {
        self.push(JsonPatchOperation::Replace, path, value.into(), None)
    }

    /// Adds `value` at `path`.
    pub fn add(self, path: impl Into<String>, value: impl Into<Value>) -> Self {
        self.push(JsonPatchOperation::Add, path, value.into(), None)
    }

    /// Removes the value at `path`.
    pub fn remove(self, path: impl Into<String>) -> Self {
        self.push(JsonPatchOperation::Remove, path, Value::Null, None)
    }

    /// Fails the whole patch unless the value at `path` equals `value`.
    pub fn test(self, path: impl Into<String>, value: impl Into<Value>) -> Self {
        self.push(JsonPatchOperation::Test, path, value.into(), None)
    }

    /// Moves the value at `from` to `path`.
    pub fn move_value(self, from: impl Into<String>, path: impl Into<String>) -> Self {
        self.push(
            JsonPatchOperation::Move,
            path,
            Value::Null,
            Some(from.into()),
        )
    }

    /// Copies the value at `from` to `path`.
    pub fn copy_value(self, from: impl Into<String>, path: impl Into<String>) -> Self {
        self.push(
            JsonPatchOperation::Copy,
            path,
            Value::Null,
            Some(from.into()),
        )
    }

    /// This patch followed by `other`'s operations, in one document (so the changes are
    /// applied together or not at all).
    pub fn then(mut self, other: Patch) -> Self {
        self.0.extend(other.0);
        self
    }

    /// The operations, as the spec's type.
    pub fn operations(&self) -> &[JsonPatch] {
        &self.0
    }

    fn push(
        mut self,
        op: JsonPatchOperation,
        path: impl Into<String>,
        value: Value,
        from: Option<String>,
    ) -> Self {
        // `value` is required by the vendor's schema even where RFC 6902 has none: send null.
        self.0.push(JsonPatch {
            from,
            op,
            path: path.into(),
            value,
        });
        self
    }
}

impl From<Patch> for JsonPatches {
    fn from(patch: Patch) -> Self {
        JsonPatches(patch.0)
    }
}
