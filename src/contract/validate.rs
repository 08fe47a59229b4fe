//! Validating JSON values against the spec's schemas: each schema is converted to JSON Schema and
//! compiled once, then cached in the [`Spec`] under a key naming what it checks.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::{escape_pointer, undocumented, DriftKind, Part, Spec, Violation};

/// Validating values against schemas.
impl Spec {
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

    /// The `type` of a schema after following `$ref`s.
    pub(crate) fn schema_type<'a>(&'a self, schema: &'a Value) -> Option<&'a str> {
        self.resolve(schema).ok()?.get("type")?.as_str()
    }

    /// Turns the text of a path, query, header or form value into the JSON value its schema
    /// describes; text that does not fit stays a string, so validation reports the mismatch.
    pub(crate) fn coerce(&self, schema: &Value, text: &str) -> Value {
        match self.schema_type(schema) {
            Some("integer") => text
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::String(text.to_owned())),
            Some("number") => text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .unwrap_or_else(|| Value::String(text.to_owned())),
            Some("boolean") => match text {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::String(text.to_owned()),
            },
            _ => Value::String(text.to_owned()),
        }
    }
}
