//! One generic function from a spec schema to a proptest strategy of JSON values.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value};
use vspc_licensing::contract::Spec;

/// Beyond this many `$ref`s deep, optional properties are left out and arrays are empty, so
/// recursive schemas (`FilterExpression.items`) and the deep report trees stay small.
pub const MAX_DEPTH: usize = 4;

/// Values valid against the OpenAPI `schema` of `spec`: objects with every required property
/// and any subset of the optional ones, `null` where `nullable`, listed enum values, strings in
/// the declared format (`uuid` in either case, `date`, `date-time` with any UTC offset and
/// optional milliseconds), `int32` and other integer ranges, `double`s both written as
/// integers and as fractions, arrays of up to two items, open maps, and `$ref`s followed to a
/// depth of [`MAX_DEPTH`].
///
/// Fractions are multiples of 1/4 so that they survive any float parser exactly.
pub fn value_strategy(spec: &'static Spec, schema: &Value, depth: usize) -> BoxedStrategy<Value> {
    let (schema, depth) = match schema.get("$ref") {
        Some(_) => (
            spec.resolve(schema)
                .expect("the spec's refs resolve")
                .clone(),
            depth + 1,
        ),
        None => (schema.clone(), depth),
    };
    let nullable = schema.get("nullable") == Some(&Value::Bool(true));
    // `allOf` with one member is how OpenAPI 3.0 makes a `$ref` nullable (`meta.pagingInfo`).
    if let Some([only]) = schema
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        let base = value_strategy(spec, only, depth);
        return if nullable {
            prop_oneof![1 => Just(Value::Null), 4 => base].boxed()
        } else {
            base
        };
    }
    let base = match schema.get("type").and_then(Value::as_str) {
        _ if schema.get("enum").is_some() => {
            let listed: Vec<Value> = schema["enum"].as_array().cloned().unwrap_or_default();
            proptest::sample::select(listed).boxed()
        }
        Some("object") => object_strategy(spec, &schema, depth),
        Some("array") => {
            let items = schema.get("items").cloned().unwrap_or(Value::Bool(true));
            if depth > MAX_DEPTH {
                Just(Value::Array(Vec::new())).boxed()
            } else {
                proptest::collection::vec(value_strategy(spec, &items, depth), 0..3)
                    .prop_map(Value::Array)
                    .boxed()
            }
        }
        Some("string") => string_strategy(&schema),
        Some("integer") => {
            let (low, high) = match schema.get("format").and_then(Value::as_str) {
                Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
                _ => (i64::MIN / 2, i64::MAX / 2),
            };
            let low = schema.get("minimum").and_then(Value::as_i64).unwrap_or(low);
            let high = schema
                .get("maximum")
                .and_then(Value::as_i64)
                .unwrap_or(high);
            (low..=high).prop_map(Value::from).boxed()
        }
        Some("number") => prop_oneof![
            (-1_000_000i64..1_000_000).prop_map(Value::from),
            (-4_000_000i64..4_000_000).prop_map(|quarters| Value::from(quarters as f64 / 4.0)),
        ]
        .boxed(),
        Some("boolean") => any::<bool>().prop_map(Value::Bool).boxed(),
        _ => any_scalar(),
    };
    if nullable {
        prop_oneof![1 => Just(Value::Null), 4 => base].boxed()
    } else {
        base
    }
}

fn object_strategy(spec: &'static Spec, schema: &Value, depth: usize) -> BoxedStrategy<Value> {
    let required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
    for (name, property) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let name = name.clone();
        if required.contains(&name) {
            fields.push(
                value_strategy(spec, property, depth)
                    .prop_map(move |v| Some((name.clone(), v)))
                    .boxed(),
            );
        } else if depth <= MAX_DEPTH {
            let value = value_strategy(spec, property, depth);
            fields.push(proptest::option::of(value.prop_map(move |v| (name.clone(), v))).boxed());
        }
    }
    let extra: BoxedStrategy<Vec<(String, Value)>> = match schema.get("additionalProperties") {
        Some(additional) if additional.is_object() => proptest::collection::vec(
            ("[a-z]{1,8}", value_strategy(spec, additional, depth)),
            0..3,
        )
        .boxed(),
        Some(Value::Bool(true)) => {
            proptest::collection::vec(("[a-z]{1,8}", any_scalar()), 0..3).boxed()
        }
        _ => Just(Vec::new()).boxed(),
    };
    (fields, extra)
        .prop_map(|(fields, extra)| {
            let mut object = Map::new();
            // Declared properties win over generated extra keys of the same name.
            object.extend(extra);
            object.extend(fields.into_iter().flatten());
            Value::Object(object)
        })
        .boxed()
}

fn string_strategy(schema: &Value) -> BoxedStrategy<Value> {
    match schema.get("format").and_then(Value::as_str) {
        Some("uuid") => (any::<[u8; 16]>(), any::<bool>())
            .prop_map(|(bytes, upper)| {
                let text = uuid::Uuid::from_bytes(bytes).to_string();
                Value::String(if upper {
                    text.to_ascii_uppercase()
                } else {
                    text
                })
            })
            .boxed(),
        Some("date-time") => (
            0i64..4_102_444_800,
            -48i32..=56,
            prop_oneof![Just(None), (0u32..1000).prop_map(Some)],
        )
            .prop_map(|(seconds, quarter_hours, millis)| {
                let offset =
                    chrono::FixedOffset::east_opt(quarter_hours * 900).expect("within a day");
                let nanos = millis.unwrap_or(0) * 1_000_000;
                let utc = chrono::DateTime::from_timestamp(seconds, nanos).expect("in range");
                let local = utc.with_timezone(&offset);
                let format = if millis.is_some() {
                    "%Y-%m-%dT%H:%M:%S%.3f%:z"
                } else {
                    "%Y-%m-%dT%H:%M:%S%:z"
                };
                Value::String(local.format(format).to_string())
            })
            .boxed(),
        Some("date") => (0i64..47_482)
            .prop_map(|days| {
                let date = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()
                    + chrono::Duration::days(days);
                Value::String(date.format("%Y-%m-%d").to_string())
            })
            .boxed(),
        _ => match schema.get("pattern").and_then(Value::as_str) {
            Some(pattern) => {
                // proptest generates whole strings from a pattern and refuses anchors; the
                // spec's patterns are anchored at both ends, so dropping them keeps the meaning.
                let unanchored = pattern.strip_prefix('^').unwrap_or(pattern);
                let unanchored = unanchored.strip_suffix('$').unwrap_or(unanchored);
                proptest::string::string_regex(unanchored)
                    .expect("the spec's patterns compile")
                    .prop_map(Value::String)
                    .boxed()
            }
            None => {
                // `minLength` (a Pulse tenant id in a path) keeps the text from being empty.
                let min = schema
                    .get("minLength")
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
                    .min(12);
                proptest::string::string_regex(&format!("\\PC{{{min},12}}"))
                    .expect("a length range compiles")
                    .prop_map(Value::String)
                    .boxed()
            }
        },
    }
}

/// Any JSON scalar, for schemas that constrain nothing.
fn any_scalar() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        "[a-zA-Z0-9 ]{0,8}".prop_map(Value::String),
    ]
    .boxed()
}

/// A proptest runner with `PROPTEST_CASES` cases (64 by default) and no failure file: the
/// properties run on the spec of the checkout, so a seed saved from another spec means nothing.
pub fn runner() -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(64);
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}
