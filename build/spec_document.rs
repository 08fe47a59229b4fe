//! Reading the specs: the one place the documents everything else derives from are loaded.
//!
//! [`vspc_spec`] returns the document every derived file comes from; a step that must change
//! the document for everything downstream (before the adaptations, the facts, the client) is
//! one call inside it.

use std::path::Path;

use serde_json::Value;

/// The curated spec of the VSPC REST API v3 licensing resources.
pub const SPEC: &str = "spec/vspc-licensing.yaml";
/// The spec of the one legacy VAC REST API v2 call (`legacy` feature).
pub const LEGACY_SPEC: &str = "spec/vac-v2-licensing.yaml";

/// The files whose change must run the build script again.
pub const INPUTS: [&str; 2] = [SPEC, LEGACY_SPEC];

/// The document everything the build derives comes from.
pub fn vspc_spec() -> Value {
    load(SPEC)
}

/// The legacy v2 spec, when the tree has it.
pub fn legacy_spec() -> Option<Value> {
    Path::new(LEGACY_SPEC).exists().then(|| load(LEGACY_SPEC))
}

/// Reads a YAML (or JSON) document; the build cannot go on without it, hence the panic.
pub fn load(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{path} is not valid YAML: {e}"))
}
