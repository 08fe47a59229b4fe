//! Finding properties a schema does not declare.
//!
//! The spec's object schemas do not say `additionalProperties: false` (VSPC adds properties
//! between releases, and clients must tolerate them), so a JSON Schema validator accepts extra
//! keys silently. For drift reports they matter: they show where the spec is behind the
//! server. This walks the instance alongside the schema and reports each undeclared key.

use serde_json::Value;

use super::inventory::resolve;
use super::{escape_pointer, DriftKind, Part, Violation};

/// Deep enough for every schema of the spec; stops runaway recursion on cyclic schemas
/// (`FilterExpression.items`) fed with hostile input.
const MAX_DEPTH: usize = 64;

pub(crate) fn walk(
    document: &Value,
    schema: &Value,
    instance: &Value,
    pointer: &mut String,
    found: &mut Vec<Violation>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(schema) = resolve(document, schema) else {
        return;
    };
    // A single-member `allOf` is a nullable `$ref` (`meta.pagingInfo`): walk the member.
    if let Some([only]) = schema
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        return walk(document, only, instance, pointer, found, depth + 1);
    }
    match instance {
        Value::Object(object) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties");
            let declares_object =
                properties.is_some() || schema.get("type") == Some(&Value::from("object"));
            for (key, value) in object {
                let length = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_pointer(key));
                match (properties.and_then(|p| p.get(key)), additional) {
                    (Some(property), _) => {
                        walk(document, property, value, pointer, found, depth + 1)
                    }
                    (None, Some(extra)) if extra.is_object() => {
                        walk(document, extra, value, pointer, found, depth + 1)
                    }
                    (None, Some(Value::Bool(true))) => {}
                    (None, _) if declares_object => found.push(Violation::new(
                        DriftKind::UndocumentedField,
                        Part::Body,
                        pointer.clone(),
                        format!("property {key:?} is not declared by the schema"),
                    )),
                    (None, _) => {}
                }
                pointer.truncate(length);
            }
        }
        Value::Array(items) => {
            let Some(item_schema) = schema.get("items") else {
                return;
            };
            for (index, item) in items.iter().enumerate() {
                let length = pointer.len();
                pointer.push('/');
                pointer.push_str(&index.to_string());
                walk(document, item_schema, item, pointer, found, depth + 1);
                pointer.truncate(length);
            }
        }
        _ => {}
    }
}
