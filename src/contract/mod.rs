//! The spec as an oracle: which operations exist, and whether a request or response obeys them.
//! It checks what it is given and calls nothing; [`crate::live_check`] is the run against a
//! console that feeds it.
//!
//! [`Spec`] reads `spec/vspc-licensing.yaml` (the crate's copy is built in, see
//! [`Spec::embedded`]), checks that it is OpenAPI 3.0 with `openapiv3`, lists its operations
//! with every `$ref` resolved, and validates JSON against its schemas. OpenAPI 3.0 schemas are
//! converted to JSON Schema first (`nullable`, `$ref` siblings, integer formats: see
//! [`to_json_schema`]); each validator is compiled once and cached in the [`Spec`].
//!
//! Every check answers with [`Violation`]s classified by [`DriftKind`], which serialise to JSON
//! for reports of live contract runs.
//!
//! ```
//! use serde_json::json;
//! use vspc_licensing::contract::{DriftKind, Spec};
//!
//! let spec = Spec::embedded();
//! assert!(spec.validate_schema("PagingInformation", &json!({"total": 3, "count": 1, "offset": 0})).is_ok());
//!
//! let errors = spec.validate_schema("PagingInformation", &json!({"total": 3, "count": 1})).unwrap_err();
//! assert_eq!(errors[0].kind, DriftKind::MissingRequired);
//! assert_eq!(errors[0].pointer, "/offset");
//!
//! // A response: the status picks the declared response, the body is checked against its schema.
//! let body = br#"{"data": {"autoApprove": "yes"}}"#;
//! let found = spec.validate_response("GetLicensingReportsSettings", 200, Some("application/json"), body);
//! assert_eq!(found[0].kind, DriftKind::TypeMismatch);
//! assert_eq!(found[0].pointer, "/data/autoApprove");
//! ```

mod convert;
mod headers;
mod inventory;
pub(crate) use inventory::strings;
mod media;
mod request;
mod response;
mod undocumented;
mod validate;
mod violation;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock, RwLock};

use serde_json::{Map, Value};

pub use convert::{component_defs, to_json_schema};
pub use headers::HeaderPair;
pub use inventory::{
    Operation, Parameter, ParameterLocation, RequestBody, Response, ResponseHeader, StatusKey,
    METHODS,
};
pub use violation::{DriftKind, DriftReport, Part, Violation};

/// The spec the crate was built from: `spec/vspc-licensing.yaml` with the build's overlays
/// applied (see [`crate::overlay`]); the shipped text itself when there were none.
const EMBEDDED: &str = include_str!(concat!(env!("OUT_DIR"), "/vspc_effective_spec.yaml"));

/// Why a spec could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The file could not be read.
    #[error("cannot read the spec {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The text is not YAML (or JSON).
    #[error("the spec is not valid YAML: {0}")]
    Yaml(#[from] yaml_serde::Error),
    /// The document is YAML but not an OpenAPI 3 document.
    #[error("the spec is not an OpenAPI 3 document: {0}")]
    OpenApi(String),
    /// The document is OpenAPI 3 but something the oracle needs is missing or malformed.
    #[error("the spec is malformed: {0}")]
    Invalid(String),
    /// A `$ref` names nothing in the document.
    #[error("the spec's $ref {0} does not resolve")]
    UnresolvedRef(String),
}

/// A loaded spec with its operations and a cache of compiled validators.
///
/// Its methods are grouped by concern: loading and looking things up (here), validating values
/// against schemas (`validate.rs`), checking requests (`request.rs`) and responses
/// (`response.rs`).
pub struct Spec {
    raw: Value,
    openapi: openapiv3::OpenAPI,
    operations: Vec<Operation>,
    defs: Map<String, Value>,
    validators: RwLock<HashMap<String, Arc<Result<jsonschema::Validator, String>>>>,
}

impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spec")
            .field("operations", &self.operations.len())
            .field("schemas", &self.defs.len())
            .finish()
    }
}

/// Loading a spec, and looking up its operations and schemas.
impl Spec {
    /// The spec built into the crate (`spec/vspc-licensing.yaml`), loaded once per process.
    ///
    /// ```
    /// let spec = vspc_licensing::contract::Spec::embedded();
    /// let op = spec.operation("GetSiteLicense").unwrap();
    /// assert_eq!((op.method.as_str(), op.path.as_str()), ("GET", "/licensing/sites/{siteUid}"));
    /// ```
    pub fn embedded() -> &'static Spec {
        static SPEC: OnceLock<Spec> = OnceLock::new();
        SPEC.get_or_init(|| {
            Spec::from_yaml(EMBEDDED)
                .expect("the embedded spec is checked by the crate's spec tests")
        })
    }

    /// The text of the built-in spec.
    pub fn embedded_text() -> &'static str {
        EMBEDDED
    }

    /// Reads a spec from a YAML (or JSON) file.
    pub fn load(path: impl AsRef<Path>) -> Result<Spec, SpecError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| SpecError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Spec::from_yaml(&text)
    }

    /// Parses a spec from YAML (or JSON) text.
    ///
    /// ```
    /// use vspc_licensing::contract::{Spec, SpecError};
    /// assert!(matches!(Spec::from_yaml("openapi: 3.0.3\ninfo: 7"), Err(SpecError::OpenApi(_))));
    /// ```
    pub fn from_yaml(text: &str) -> Result<Spec, SpecError> {
        let raw: Value = yaml_serde::from_str(text)?;
        let openapi: openapiv3::OpenAPI =
            serde_json::from_value(raw.clone()).map_err(|e| SpecError::OpenApi(e.to_string()))?;
        let operations = inventory::operations(&raw)?;
        let defs = convert::component_defs(&raw);
        Ok(Spec {
            raw,
            openapi,
            operations,
            defs,
            validators: RwLock::new(HashMap::new()),
        })
    }

    /// The document as JSON, exactly as written.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// The document as parsed by `openapiv3`.
    pub fn openapi(&self) -> &openapiv3::OpenAPI {
        &self.openapi
    }

    /// Every operation, in the order of the document.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// The operation with this operationId.
    pub fn operation(&self, operation_id: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|op| op.operation_id == operation_id)
    }

    /// The operation a request goes to: method and path (relative to `/api/v3`, or with it).
    /// As OpenAPI says, a literal path (`/licensing/reports/latest`) wins over a template that
    /// also matches (`/licensing/reports/{date}`).
    pub fn find_operation(&self, method: &str, path: &str) -> Option<&Operation> {
        let path = request::relative_path(path);
        self.operations
            .iter()
            .filter(|op| op.method.eq_ignore_ascii_case(method))
            .filter_map(|op| op.match_path(&path).map(|params| (params.len(), op)))
            .min_by_key(|(templated, _)| *templated)
            .map(|(_, op)| op)
    }

    /// Names of `#/components/schemas`, sorted.
    pub fn schema_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.defs.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// A component schema as the spec writes it (OpenAPI 3.0).
    pub fn component_schema(&self, name: &str) -> Option<&Value> {
        self.raw
            .pointer(&format!("/components/schemas/{}", escape_pointer(name)))
    }

    /// A complete JSON Schema (2020-12) document for an OpenAPI schema of this spec (a
    /// component's `$ref` or an inline schema): the converted schema with every component
    /// under `$defs`.
    ///
    /// ```
    /// use serde_json::json;
    /// let spec = vspc_licensing::contract::Spec::embedded();
    /// let schema = spec.json_schema(&json!({"$ref": "#/components/schemas/ResponseMetadata"}));
    /// assert_eq!(schema["$defs"]["ResponseMetadata"]["type"], json!(["object", "null"]));
    /// ```
    pub fn json_schema(&self, openapi_schema: &Value) -> Value {
        convert::with_defs(convert::to_json_schema(openapi_schema), &self.defs)
    }

    /// Follows local `$ref`s to the object they name.
    pub fn resolve<'a>(&'a self, value: &'a Value) -> Result<&'a Value, SpecError> {
        inventory::resolve(&self.raw, value)
    }
}

pub(crate) fn unknown_operation(operation_id: &str) -> Violation {
    Violation::new(
        DriftKind::Other,
        Part::Path,
        "",
        format!("the spec has no operation {operation_id:?}"),
    )
    .on(operation_id)
}

pub(crate) fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}
