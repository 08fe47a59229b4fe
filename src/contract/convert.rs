//! OpenAPI 3.0 schema objects -> JSON Schema (draft 2020-12).
//!
//! OpenAPI 3.0 schemas are close to JSON Schema but not the same language, and a JSON Schema
//! validator given them as written would silently accept or reject the wrong things:
//!
//! * `nullable: true` has no JSON Schema meaning: it becomes `null` joining the `type` list (or,
//!   beside an `allOf`, `null` skips the members: `if null` / `else allOf`, or an `anyOf` of
//!   `null` and the schema when there is no `type`),
//!   and joining the `enum` list when there is one (otherwise the enum still refuses `null`);
//! * OpenAPI 3.0 ignores every sibling of `$ref`, JSON Schema 2020-12 applies them: siblings
//!   are dropped;
//! * `$ref`s point at `#/components/schemas/X`; the converted document keeps every component
//!   under `$defs`, so references become `#/$defs/X`;
//! * `format: int32`/`int64` are range limits, written as `minimum`/`maximum` (a JSON Schema
//!   `format` only constrains strings); `date-time`, `date` and `uuid` stay formats, checked by
//!   the validator; `binary`, `byte`, `double`, `float`, `password` are dropped (annotations);
//! * the boolean `exclusiveMinimum`/`exclusiveMaximum` of OpenAPI 3.0 become the numeric form;
//! * `example`, `xml`, `discriminator`, `externalDocs` and `x-*` keys are dropped.

use serde_json::{json, Map, Value};

/// Where the converted component schemas live in the generated JSON Schema document.
pub(crate) const DEFS_PREFIX: &str = "#/$defs/";
const COMPONENTS_PREFIX: &str = "#/components/schemas/";

/// Converts one OpenAPI 3.0 schema object (and everything nested in it) to JSON Schema.
pub fn to_json_schema(schema: &Value) -> Value {
    let Some(object) = schema.as_object() else {
        // `true`/`false` schemas are not OpenAPI 3.0, but mean the same in both languages.
        return schema.clone();
    };
    if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
        let target = match reference.strip_prefix(COMPONENTS_PREFIX) {
            Some(name) => format!("{DEFS_PREFIX}{name}"),
            None => reference.to_owned(),
        };
        return json!({ "$ref": target });
    }
    let mut out = Map::new();
    for (key, value) in object {
        match key.as_str() {
            "nullable" | "example" | "xml" | "discriminator" | "externalDocs" => {}
            k if k.starts_with("x-") => {}
            "properties" => {
                let properties = value
                    .as_object()
                    .map(|props| {
                        props
                            .iter()
                            .map(|(name, s)| (name.clone(), to_json_schema(s)))
                            .collect()
                    })
                    .unwrap_or_default();
                out.insert(key.clone(), Value::Object(properties));
            }
            "items" | "not" => {
                out.insert(key.clone(), to_json_schema(value));
            }
            "additionalProperties" => {
                let converted = if value.is_object() {
                    to_json_schema(value)
                } else {
                    value.clone()
                };
                out.insert(key.clone(), converted);
            }
            "allOf" | "anyOf" | "oneOf" => {
                let list = value
                    .as_array()
                    .map(|l| l.iter().map(to_json_schema).collect())
                    .unwrap_or_default();
                out.insert(key.clone(), Value::Array(list));
            }
            "format" => {}
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    apply_format(object, &mut out);
    apply_exclusive_bounds(&mut out);
    if object.get("nullable") == Some(&Value::Bool(true)) {
        make_nullable(&mut out);
    }
    Value::Object(out)
}

/// Converts every schema of `#/components/schemas` into a `$defs` map.
pub fn component_defs(document: &Value) -> Map<String, Value> {
    document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| {
            schemas
                .iter()
                .map(|(name, s)| (name.clone(), to_json_schema(s)))
                .collect()
        })
        .unwrap_or_default()
}

/// A complete JSON Schema document: `schema` (already converted) at the root, `defs` beside it.
pub(crate) fn with_defs(schema: Value, defs: &Map<String, Value>) -> Value {
    let mut root = match schema {
        Value::Object(map) => map,
        // A boolean schema cannot carry `$defs`; wrap it.
        other => {
            let mut map = Map::new();
            map.insert("allOf".into(), Value::Array(vec![other]));
            map
        }
    };
    root.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    root.insert("$defs".into(), Value::Object(defs.clone()));
    Value::Object(root)
}

fn apply_format(source: &Map<String, Value>, out: &mut Map<String, Value>) {
    let Some(format) = source.get("format").and_then(Value::as_str) else {
        return;
    };
    let integer_range = match format {
        "int32" => Some((i64::from(i32::MIN), i64::from(i32::MAX))),
        "int64" => Some((i64::MIN, i64::MAX)),
        _ => None,
    };
    if let Some((min, max)) = integer_range {
        out.entry("minimum").or_insert(json!(min));
        out.entry("maximum").or_insert(json!(max));
        return;
    }
    // Formats the validator checks; any other format of OpenAPI 3.0 only describes the value.
    if matches!(
        format,
        "date-time" | "date" | "uuid" | "email" | "uri" | "ipv4" | "ipv6" | "hostname"
    ) {
        out.insert("format".into(), json!(format));
    }
}

fn apply_exclusive_bounds(out: &mut Map<String, Value>) {
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match out.get(exclusive) {
            Some(Value::Bool(true)) => {
                let limit = out.remove(bound);
                out.remove(exclusive);
                if let Some(limit) = limit {
                    out.insert(exclusive.into(), limit);
                }
            }
            Some(Value::Bool(false)) => {
                out.remove(exclusive);
            }
            _ => {}
        }
    }
}

fn make_nullable(out: &mut Map<String, Value>) {
    // `nullable` beside an `allOf` is how OpenAPI 3.0 makes a `$ref` nullable
    // (`meta.pagingInfo`): the members would refuse `null` themselves, so `null` is offered as
    // an alternative to the whole schema.
    if let (Some(Value::String(single)), Some(all_of)) =
        (out.get("type").cloned(), out.get("allOf").cloned())
    {
        // With its own `type`, a value of another type still fails on `type` (a type
        // mismatch, not a failed alternative); `null` skips the members.
        out.remove("allOf");
        out.insert("type".into(), json!([single, "null"]));
        out.insert("if".into(), json!({ "type": "null" }));
        out.insert("else".into(), json!({ "allOf": all_of }));
        return;
    }
    if out.contains_key("allOf") {
        let schema = std::mem::take(out);
        out.insert(
            "anyOf".into(),
            json!([{ "type": "null" }, Value::Object(schema)]),
        );
        return;
    }
    match out.get_mut("type") {
        Some(Value::String(single)) => {
            let single = std::mem::take(single);
            out.insert("type".into(), json!([single, "null"]));
        }
        Some(Value::Array(types)) if !types.contains(&json!("null")) => types.push(json!("null")),
        _ => {}
    }
    if let Some(Value::Array(values)) = out.get_mut("enum") {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_enum_accepts_null_in_both_type_and_enum() {
        let converted = to_json_schema(&json!({"type": "string", "enum": ["a"], "nullable": true}));
        assert_eq!(
            converted,
            json!({"type": ["string", "null"], "enum": ["a", null]})
        );
    }

    #[test]
    fn nullable_all_of_accepts_null_or_the_referenced_schema() {
        let converted = to_json_schema(&json!({
            "type": "object",
            "nullable": true,
            "allOf": [{"$ref": "#/components/schemas/PagingInformation"}]
        }));
        assert_eq!(
            converted,
            json!({
                "type": ["object", "null"],
                "if": {"type": "null"},
                "else": {"allOf": [{"$ref": "#/$defs/PagingInformation"}]}
            })
        );
        let untyped = to_json_schema(&json!({
            "nullable": true,
            "allOf": [{"$ref": "#/components/schemas/PagingInformation"}]
        }));
        assert_eq!(
            untyped,
            json!({"anyOf": [{"type": "null"}, {"allOf": [{"$ref": "#/$defs/PagingInformation"}]}]})
        );
    }

    #[test]
    fn ref_siblings_are_dropped_and_refs_point_at_defs() {
        let converted = to_json_schema(
            &json!({"$ref": "#/components/schemas/X", "nullable": true, "description": "d"}),
        );
        assert_eq!(converted, json!({"$ref": "#/$defs/X"}));
    }

    #[test]
    fn int32_becomes_a_range_and_examples_and_extensions_go() {
        let converted = to_json_schema(
            &json!({"type": "integer", "format": "int32", "minimum": 1, "example": 4, "x-a": 1}),
        );
        assert_eq!(
            converted,
            json!({"type": "integer", "minimum": 1, "maximum": i32::MAX})
        );
    }

    #[test]
    fn boolean_exclusive_bounds_become_numeric() {
        let converted =
            to_json_schema(&json!({"type": "number", "minimum": 0, "exclusiveMinimum": true}));
        assert_eq!(converted, json!({"type": "number", "exclusiveMinimum": 0}));
    }
}
