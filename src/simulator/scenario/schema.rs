//! The JSON Schema of a scenario file, derived from the spec's own schemas.
//!
//! Each collection's items are the spec's component schema for that resource with every
//! `required` list removed (a scenario names only the fields its test cares about; the seeded
//! generator fills the rest) and every object closed to unknown properties (a misspelt field is
//! an error, not a field silently ignored). Only the parts that are not API objects (`seed`,
//! `apiVersion`, `faults`) are written here.

use serde_json::{json, Map, Value};

use crate::contract::{component_defs, Spec};

/// The scenario collections that hold lists of API objects: (key in the file, spec schema).
pub(crate) const LIST_COLLECTIONS: &[(&str, &str)] = &[
    ("backupServers", "BackupServerLicense"),
    ("voneServers", "VOneServerLicense"),
    ("vb365Servers", "Vb365ServerLicense"),
    ("sites", "SiteLicense"),
    ("organizations", "OrganizationCurrentLicenseUsage"),
    ("reports", "SingleLicenseReport"),
];

/// The lists of the `pulse` object: (key in the file, spec schema).
pub(crate) const PULSE_COLLECTIONS: &[(&str, &str)] = &[
    ("contracts", "PulseLicenseContract"),
    ("products", "PulseLicenseProduct"),
    ("tenants", "PulseTenant"),
    ("licenses", "PulseLicense"),
];

/// The fault kinds a scenario can script, as written in the file.
pub(crate) const FAULT_KINDS: &[&str] = &[
    "dropBeforeApply",
    "dropAfterApply",
    "retryableError",
    "logicalError",
    "tooManyRequests",
    "throttled",
    "serviceUnavailable",
    "delay",
    "truncatedBody",
    "malformedJson",
];

/// Removes `required` everywhere and closes every object schema that lists properties.
fn loosen(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            map.remove("required");
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            for value in map.values_mut() {
                loosen(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(loosen),
        _ => {}
    }
}

fn fault_schema(spec: &Spec) -> Value {
    let operations: Vec<&str> = spec
        .operations()
        .iter()
        .map(|op| op.operation_id.as_str())
        .collect();
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["kind"],
        "properties": {
            "operation": {"type": "string", "enum": operations},
            "method": {"type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE"]},
            "path": {"type": "string", "pattern": "^/"},
            "kind": {"type": "string", "enum": FAULT_KINDS},
            "times": {"type": "integer", "minimum": 1},
            "attempt": {"type": "integer", "minimum": 1},
            "always": {"type": "boolean"},
            "retryAfterSeconds": {"type": "integer", "minimum": 0},
            "delayMs": {"type": "integer", "minimum": 0}
        },
        "dependentRequired": {"method": ["path"], "path": ["method"]},
        "not": {"required": ["operation", "method"]}
    })
}

/// Builds the scenario schema from a spec document.
pub(crate) fn derive(spec: &Spec) -> Value {
    let mut defs: Map<String, Value> = component_defs(spec.raw());
    for schema in defs.values_mut() {
        loosen(schema);
    }
    let mut properties = Map::new();
    properties.insert(
        "seed".into(),
        json!({
            "description": "`none`: collections the file does not name are empty; a number: the seed of the generator",
            "oneOf": [{"const": "none"}, {"type": "integer", "minimum": 0}]
        }),
    );
    properties.insert(
        "apiVersion".into(),
        json!({"type": "string", "enum": crate::ApiVersion::ALL.map(crate::ApiVersion::as_str)}),
    );
    for (key, schema) in LIST_COLLECTIONS {
        properties.insert(
            (*key).into(),
            json!({"type": "array", "items": {"$ref": format!("#/$defs/{schema}")}}),
        );
    }
    let pulse: Map<String, Value> = PULSE_COLLECTIONS
        .iter()
        .map(|(key, schema)| {
            (
                (*key).to_owned(),
                json!({"type": "array", "items": {"$ref": format!("#/$defs/{schema}")}}),
            )
        })
        .collect();
    properties.insert(
        "pulse".into(),
        json!({"type": "object", "additionalProperties": false, "properties": pulse}),
    );
    properties.insert("console".into(), json!({"$ref": "#/$defs/ConsoleLicense"}));
    properties.insert(
        "faults".into(),
        json!({"type": "array", "items": fault_schema(spec)}),
    );
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "vspc-licensing simulator scenario",
        "type": "object",
        "additionalProperties": false,
        "properties": properties,
        "$defs": defs,
    })
}
