//! The spec as an oracle: which operations exist, and whether a request or response obeys them.
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
mod inventory;
pub(crate) use inventory::strings;
mod request;
mod undocumented;
mod violation;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock, RwLock};

use serde_json::{Map, Value};

pub use convert::{component_defs, to_json_schema};
pub use inventory::{
    Operation, Parameter, ParameterLocation, RequestBody, Response, ResponseHeader, StatusKey,
    METHODS,
};
pub use violation::{DriftKind, DriftReport, Part, Violation};

/// The spec the crate was built from.
const EMBEDDED: &str = include_str!("../../spec/vspc-licensing.yaml");

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

    /// Validates `instance` against the component schema `schema_name`.
    ///
    /// Checks only what the schema states: properties it does not declare are allowed (use
    /// [`Spec::undocumented_fields`] to find them).
    pub fn validate_schema(
        &self,
        schema_name: &str,
        instance: &Value,
    ) -> Result<(), Vec<Violation>> {
        if !self.defs.contains_key(schema_name) {
            return Err(vec![Violation::new(
                DriftKind::Other,
                Part::Value,
                "",
                format!("the spec has no schema named {schema_name:?}"),
            )]);
        }
        let schema = Value::Object(Map::from_iter([(
            "$ref".to_owned(),
            Value::String(format!("#/components/schemas/{schema_name}")),
        )]));
        let found = self.check(
            &format!("schema:{schema_name}"),
            &schema,
            instance,
            Part::Value,
            "",
        );
        if found.is_empty() {
            Ok(())
        } else {
            Err(found)
        }
    }

    /// Validates `instance` against any OpenAPI schema of this spec (inline or `$ref`). The
    /// compiled validator is cached under the schema's own text.
    ///
    /// ```
    /// use serde_json::json;
    /// let spec = vspc_licensing::contract::Spec::embedded();
    /// let month = json!({"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"});
    /// assert!(spec.validate_value(&month, &json!("2026-10")).is_empty());
    /// assert_eq!(spec.validate_value(&month, &json!("2026-13")).len(), 1);
    /// ```
    pub fn validate_value(&self, openapi_schema: &Value, instance: &Value) -> Vec<Violation> {
        self.check(
            &format!("value:{openapi_schema}"),
            openapi_schema,
            instance,
            Part::Value,
            "",
        )
    }

    /// Properties of `instance` that `openapi_schema` does not declare, as
    /// [`DriftKind::UndocumentedField`] violations.
    pub fn undocumented_fields(&self, openapi_schema: &Value, instance: &Value) -> Vec<Violation> {
        let mut found = Vec::new();
        undocumented::walk(
            &self.raw,
            openapi_schema,
            instance,
            &mut String::new(),
            &mut found,
            0,
        );
        found
    }

    /// Checks a response of `operation_id` against the spec: the status must be declared (the
    /// exact code, else its `4XX`-style range, else `default`), the content type must be one the
    /// declared response lists, and a JSON body must parse and match its schema.
    ///
    /// Properties the schema does not declare are allowed here (the spec allows them); use
    /// [`Spec::response_drift`] to report them as well.
    pub fn validate_response(
        &self,
        operation_id: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Vec<Violation> {
        self.response_violations(operation_id, status, content_type, body, false)
    }

    /// [`Spec::validate_response`], plus every undocumented property of the body: the full drift
    /// of one response, for live contract runs.
    pub fn response_drift(
        &self,
        operation_id: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Vec<Violation> {
        self.response_violations(operation_id, status, content_type, body, true)
    }

    /// Checks the headers of a response of `operation_id` with `status`: every header the
    /// declared response lists must match its schema, and be present when `required`.
    /// `headers` are name/value pairs, as for [`Spec::validate_request`].
    ///
    /// ```
    /// use vspc_licensing::contract::Spec;
    /// let spec = Spec::embedded();
    /// let location = [("location", "https://vspc:1280/api/v3/asyncActions/97431954-0dd7-472a-8cb7-d0cb0fbccaf7")];
    /// assert!(spec.validate_response_headers("UpdateSiteLicense", 202, location).is_empty());
    /// ```
    pub fn validate_response_headers<H>(
        &self,
        operation_id: &str,
        status: u16,
        headers: H,
    ) -> Vec<Violation>
    where
        H: IntoIterator,
        H::Item: HeaderPair,
    {
        let Some(op) = self.operation(operation_id) else {
            return vec![unknown_operation(operation_id)];
        };
        let Some(declared) = op.response_for(status) else {
            return Vec::new(); // validate_response reports the status
        };
        let headers: Vec<(String, String)> = headers
            .into_iter()
            .map(|pair| {
                (
                    pair.name().to_owned(),
                    String::from_utf8_lossy(pair.value()).into_owned(),
                )
            })
            .collect();
        let mut found = Vec::new();
        for definition in &declared.header_definitions {
            let value = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(&definition.name));
            match value {
                Some((_, value)) => {
                    let key = format!(
                        "response-header:{operation_id}:{}:{}",
                        declared.status, definition.name
                    );
                    let value = self.coerce(&definition.schema, value);
                    found.extend(self.check(
                        &key,
                        &definition.schema,
                        &value,
                        Part::Header,
                        &definition.name,
                    ));
                }
                None if definition.required => found.push(Violation::new(
                    DriftKind::MissingRequired,
                    Part::Header,
                    definition.name.clone(),
                    format!(
                        "the {} response must carry {}",
                        declared.status, definition.name
                    ),
                )),
                None => {}
            }
        }
        found.into_iter().map(|v| v.on(operation_id)).collect()
    }

    fn response_violations(
        &self,
        operation_id: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
        with_undocumented: bool,
    ) -> Vec<Violation> {
        let Some(op) = self.operation(operation_id) else {
            return vec![unknown_operation(operation_id)];
        };
        let Some(declared) = op.response_for(status) else {
            let listed: Vec<String> = op.responses.iter().map(|r| r.status.to_string()).collect();
            return vec![Violation::new(
                DriftKind::UnexpectedStatus,
                Part::Status,
                "",
                format!(
                    "status {status} is not declared (declared: {})",
                    listed.join(", ")
                ),
            )
            .on(operation_id)];
        };
        if declared.content.is_empty() {
            if body.iter().all(u8::is_ascii_whitespace) {
                return Vec::new();
            }
            return vec![Violation::new(
                DriftKind::Other,
                Part::Body,
                "",
                format!(
                    "the {} response declares no body, but {} bytes arrived",
                    declared.status,
                    body.len()
                ),
            )
            .on(operation_id)];
        }
        let Some(actual) = content_type.map(media_essence).filter(|m| !m.is_empty()) else {
            return vec![Violation::new(
                DriftKind::WrongContentType,
                Part::ContentType,
                "",
                format!(
                    "no Content-Type; the {} response declares {}",
                    declared.status,
                    listed(&declared.content)
                ),
            )
            .on(operation_id)];
        };
        let Some((media, schema)) = declared
            .content
            .iter()
            .find(|(media, _)| media_matches(media, &actual))
        else {
            return vec![Violation::new(
                DriftKind::WrongContentType,
                Part::ContentType,
                "",
                format!(
                    "Content-Type {actual}; the {} response declares {}",
                    declared.status,
                    listed(&declared.content)
                ),
            )
            .on(operation_id)];
        };
        let Some(schema) = schema else {
            return Vec::new();
        };
        if !is_json(&actual) {
            // Non-JSON bodies (the CSV report) are declared as binary strings: any bytes do.
            return Vec::new();
        }
        let instance: Value = match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(e) => {
                return vec![Violation::new(
                    DriftKind::Other,
                    Part::Body,
                    "",
                    format!("the body is not JSON: {e}"),
                )
                .on(operation_id)]
            }
        };
        let key = format!("response:{operation_id}:{}:{media}", declared.status);
        let mut found: Vec<Violation> = self
            .check(&key, schema, &instance, Part::Body, "")
            .into_iter()
            .map(|v| v.on(operation_id))
            .collect();
        if with_undocumented {
            found.extend(
                self.undocumented_fields(schema, &instance)
                    .into_iter()
                    .map(|v| v.on(operation_id)),
            );
        }
        found
    }

    /// Validates `instance` with the cached validator `key` (compiled from `schema` on first
    /// use) and turns the errors into violations of `part`, pointers prefixed with `prefix`.
    pub(crate) fn check(
        &self,
        key: &str,
        schema: &Value,
        instance: &Value,
        part: Part,
        prefix: &str,
    ) -> Vec<Violation> {
        let validator = self.validator(key, schema);
        let validator = match validator.as_ref() {
            Ok(validator) => validator,
            Err(message) => {
                return vec![Violation::new(
                    DriftKind::Other,
                    part,
                    prefix,
                    format!("the spec's schema does not compile: {message}"),
                )]
            }
        };
        validator
            .iter_errors(instance)
            .map(|error| {
                let mut pointer = format!("{prefix}{}", error.instance_path().as_str());
                let kind = match error.kind() {
                    jsonschema::error::ValidationErrorKind::Required { property } => {
                        pointer.push('/');
                        pointer.push_str(&escape_pointer(property.as_str().unwrap_or_default()));
                        DriftKind::MissingRequired
                    }
                    jsonschema::error::ValidationErrorKind::Enum { .. } => {
                        DriftKind::UnknownEnumValue
                    }
                    jsonschema::error::ValidationErrorKind::Type { .. } => DriftKind::TypeMismatch,
                    _ => DriftKind::Other,
                };
                Violation::new(kind, part, pointer, error.to_string())
            })
            .collect()
    }

    fn validator(&self, key: &str, schema: &Value) -> Arc<Result<jsonschema::Validator, String>> {
        if let Some(found) = self
            .validators
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
        {
            return found.clone();
        }
        let document = self.json_schema(schema);
        let compiled = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&document)
            .map_err(|e| e.to_string());
        let compiled = Arc::new(compiled);
        self.validators
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_owned(), compiled.clone());
        compiled
    }
}

/// One header as a name and its raw value. Implemented for `(name, value)` pairs of anything
/// string-like (`(&str, &str)`, `(String, String)`, the `(&HeaderName, &HeaderValue)` items of
/// an `http::HeaderMap`) and for references to such pairs, so `&Vec<(String, String)>` works.
pub trait HeaderPair {
    /// The header name.
    fn name(&self) -> &str;
    /// The header value, as sent.
    fn value(&self) -> &[u8];
}

impl<K: AsRef<str>, V: AsRef<[u8]>> HeaderPair for (K, V) {
    fn name(&self) -> &str {
        self.0.as_ref()
    }
    fn value(&self) -> &[u8] {
        self.1.as_ref()
    }
}

impl<T: HeaderPair> HeaderPair for &T {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn value(&self) -> &[u8] {
        (**self).value()
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

/// `application/json; charset=utf-8` -> `application/json`.
pub(crate) fn media_essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

pub(crate) fn media_matches(declared: &str, actual: &str) -> bool {
    let declared = declared.to_ascii_lowercase();
    declared == actual
        || declared == "*/*"
        || declared
            .strip_suffix("/*")
            .is_some_and(|kind| actual.split('/').next() == Some(kind))
}

pub(crate) fn is_json(media: &str) -> bool {
    media == "application/json" || media.ends_with("+json")
}

fn listed<T>(content: &std::collections::BTreeMap<String, T>) -> String {
    content.keys().cloned().collect::<Vec<_>>().join(", ")
}

pub(crate) fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}
