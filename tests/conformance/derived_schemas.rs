//! The schemas `schemars` derives from the generated types agree with the spec: the same
//! property names, the same required properties, and the same values for every
//! forward-compatible enum. A type that drifts from its schema (a hand edit in the build script, a
//! progenitor upgrade) fails here.

use crate::support;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use support::typed::{derived_schema, response_schemas, type_name, ENUMS, TYPED};

/// Schema name -> the spec's schema (components, and the inline envelopes the build script hoists).
fn spec_schemas() -> BTreeMap<String, Value> {
    let spec = support::spec();
    let mut schemas: BTreeMap<String, Value> = spec
        .schema_names()
        .into_iter()
        .map(|name| {
            (
                name.to_owned(),
                spec.component_schema(name).unwrap().clone(),
            )
        })
        .collect();
    for (_, _, schema) in response_schemas(spec) {
        if let (Some(name), None) = (type_name(&schema), schema.get("$ref")) {
            schemas.insert(name, schema);
        }
    }
    schemas
}

fn names(value: Option<&Value>) -> BTreeSet<String> {
    match value {
        Some(Value::Object(map)) => map.keys().cloned().collect(),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => BTreeSet::new(),
    }
}

/// The object schema inside a derived schema: nullable types derive as
/// `anyOf: [{$ref: Inner}, {type: null}]` with the object under `$defs`.
fn derived_object(derived: &Value) -> Value {
    let mut current = derived.clone();
    for _ in 0..4 {
        if current.get("properties").is_some() {
            break;
        }
        let branch = current
            .get("anyOf")
            .or_else(|| current.get("oneOf"))
            .and_then(Value::as_array)
            .and_then(|branches| {
                branches
                    .iter()
                    .find(|b| b.get("type") != Some(&Value::from("null")))
                    .cloned()
            });
        if let Some(branch) = branch {
            current = branch;
        }
        match current
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
        {
            Some(name) => current = derived["$defs"][name].clone(),
            None => break,
        }
    }
    current
}

#[test]
fn every_schema_of_the_spec_has_a_listed_generated_type() {
    let schemas: BTreeSet<String> = spec_schemas().into_keys().collect();
    let typed: BTreeSet<String> = TYPED.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        schemas, typed,
        "spec schemas vs the types listed in tests/support/typed.rs"
    );
}

#[test]
fn the_forward_compatible_enums_are_exactly_the_spec_enums() {
    let enums: BTreeSet<String> = spec_schemas()
        .into_iter()
        .filter(|(_, s)| s.get("enum").is_some() && s.get("type") == Some(&Value::from("string")))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(enums, ENUMS.iter().map(|s| s.to_string()).collect());
}

#[test]
fn derived_schemas_agree_with_the_spec() {
    let mut disagreements = Vec::new();
    let mut compared = 0;
    for (name, schema) in spec_schemas() {
        let derived =
            derived_schema(&name).unwrap_or_else(|| panic!("no generated type for {name}"));
        if let Some(listed) = schema.get("enum") {
            let derived_enum = derived.get("enum").cloned().unwrap_or(Value::Null);
            if &derived_enum != listed {
                disagreements.push(format!(
                    "{name}: enum {derived_enum} vs the spec's {listed}"
                ));
            }
            compared += 1;
            continue;
        }
        if schema.get("properties").is_none() {
            continue; // newtypes over lists, maps and strings: nothing named to compare
        }
        let derived = derived_object(&derived);
        let (spec_properties, derived_properties) = (
            names(schema.get("properties")),
            names(derived.get("properties")),
        );
        if spec_properties != derived_properties {
            disagreements.push(format!(
                "{name}: properties {derived_properties:?} vs the spec's {spec_properties:?}"
            ));
        }
        let (spec_required, derived_required) = (
            names(schema.get("required")),
            names(derived.get("required")),
        );
        if spec_required != derived_required {
            disagreements.push(format!(
                "{name}: required {derived_required:?} vs the spec's {spec_required:?}"
            ));
        }
        compared += 1;
    }
    assert!(compared >= 70, "only {compared} schemas compared");
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
