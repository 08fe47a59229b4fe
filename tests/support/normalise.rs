//! What a typed round trip may change about a JSON document without changing its meaning.

use serde_json::{Map, Value};
use vspc_licensing::contract::Spec;

/// Rewrites `value` (described by the OpenAPI `schema` of `spec`) into the form the generated
/// types encode it in, so that `encode(decode(x)) == normalise(x)` for every valid `x`.
///
/// The rules, each a difference the wire format allows and the typed model does not keep:
///
/// 1. **Date-times are re-encoded in UTC** with a `Z` suffix and without zero fractions:
///    `2020-09-09T10:00:00+03:00` becomes `2020-09-09T07:00:00Z`,
///    `2018-10-24T14:00:00.0000000-07:00` becomes `2018-10-24T21:00:00Z` (the instant is kept).
/// 2. **Fractional numbers become floats**: a `type: number` value `1000` is `1000.0` after the
///    round trip (the same number; JSON does not distinguish them, `serde_json::Value` does).
/// 3. **Absent and null optional properties are the same**: a `null` in a property the schema
///    does not require is dropped (the generated `Option` field is `None` and not written).
/// 4. **Absent and empty optional inline arrays are the same**: an optional property declared
///    inline as `type: array` with value `[]` is dropped (the generated `Vec` field skips empty
///    lists). Arrays behind a `$ref` (`ResponseErrors`) keep their `[]`.
/// 5. **Enum values take the spec's spelling**: the forward-compatible enums parse
///    case-insensitively, so `"valid"` becomes `"Valid"`. Unlisted values are kept as sent.
/// 6. **UUIDs are lower case**: `DF997BD3-...` becomes `df997bd3-...` (the same UUID).
/// 7. **An absent property with a `default` takes it**: the generated field is not optional,
///    so a throttling error without `message` is written back with `"message": ""`.
/// 8. **A whole number where the spec notes `also-read: number` becomes its decimal text**:
///    a support id `12345678` (as the 3.5.1 document writes them) is `"12345678"` after the
///    round trip (the spec's `x-decision-support-ids`). On a list, the note covers its items.
/// 9. **A whole number where an enum's `also-read` spells it becomes that value**: a Pulse
///    `status` of `2` is `"Configured"` after the round trip (the spec's
///    `x-decision-enum-ordinals`).
///
/// Properties the schema does not declare, and values of unconstrained schemas, are kept.
pub fn normalise(spec: &Spec, schema: &Value, value: &Value) -> Value {
    let Ok(schema) = spec.resolve(schema) else {
        return value.clone();
    };
    match value {
        Value::Object(object) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut out = Map::new();
            for (key, child) in object {
                let property = properties.and_then(|p| p.get(key));
                let declared = property.or(additional);
                // Rules 3 and 4 are about declared members; an open map keeps its entries.
                let optional = property.is_some() && !required.contains(&key.as_str());
                if optional && declared.is_some() && child.is_null() {
                    continue; // rule 3
                }
                let inline_array =
                    declared.is_some_and(|d| d.get("type") == Some(&Value::from("array")));
                if optional && inline_array && child.as_array().is_some_and(Vec::is_empty) {
                    continue; // rule 4
                }
                let child = match declared {
                    Some(declared) => normalise(spec, declared, child),
                    None => child.clone(),
                };
                out.insert(key.clone(), child);
            }
            // rule 7
            for (key, declared) in properties.into_iter().flatten() {
                // Only a default written on the property itself: a `$ref`'d schema's default
                // (FilterCollation's) leaves the generated field optional.
                let default = declared.get("default").cloned();
                if let (false, Some(default)) = (out.contains_key(key), default) {
                    out.insert(key.clone(), default);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let mut item_schema = schema.get("items").cloned().unwrap_or(Value::Bool(true));
            if let (true, Value::Object(item)) = (reads_numbers_as_text(schema), &mut item_schema) {
                item.insert(VERSION_NOTE.to_owned(), schema[VERSION_NOTE].clone());
                // rule 8
            }
            Value::Array(
                items
                    .iter()
                    .map(|item| normalise(spec, &item_schema, item))
                    .collect(),
            )
        }
        Value::String(text) => match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => chrono::DateTime::parse_from_rfc3339(text)
                .map(|t| {
                    let utc = t.with_timezone(&chrono::Utc);
                    Value::String(utc.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
                })
                .unwrap_or_else(|_| value.clone()), // rule 1
            Some("uuid") => Value::String(text.to_ascii_lowercase()), // rule 6
            _ => match schema.get("enum").and_then(Value::as_array) {
                Some(listed) => listed
                    .iter()
                    .filter_map(Value::as_str)
                    .find(|l| l.eq_ignore_ascii_case(text))
                    .map(|l| Value::String(l.to_owned()))
                    .unwrap_or_else(|| value.clone()), // rule 5
                None => value.clone(),
            },
        },
        Value::Number(number) if ordinal_value(schema, number).is_some() => {
            Value::String(ordinal_value(schema, number).unwrap_or_default()) // rule 9
        }
        Value::Number(number) if reads_numbers_as_text(schema) && !number.is_f64() => {
            Value::String(number.to_string()) // rule 8
        }
        Value::Number(number) if schema.get("type") == Some(&Value::from("number")) => {
            number
                .as_f64()
                .map(Value::from)
                .unwrap_or_else(|| value.clone()) // rule 2
        }
        _ => value.clone(),
    }
}

const VERSION_NOTE: &str = "x-vspc-versions";

/// Whether the schema carries the note `also-read: number`.
fn reads_numbers_as_text(schema: &Value) -> bool {
    schema.pointer(&format!("/{VERSION_NOTE}/also-read")) == Some(&Value::from("number"))
}

/// The value an enum's `also-read` note gives a whole number (`'2': Configured`).
fn ordinal_value(schema: &Value, number: &serde_json::Number) -> Option<String> {
    let spelled = number.as_u64()?.to_string();
    schema
        .pointer(&format!("/{VERSION_NOTE}/also-read"))?
        .get(&spelled)?
        .as_str()
        .map(str::to_owned)
}
