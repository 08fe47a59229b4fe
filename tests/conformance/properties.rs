//! Property tests of every response schema against the generated types:
//!
//! * generated valid instances validate, decode into the generated type, encode, and the
//!   result still validates and equals the input after the documented normalisation;
//! * broken instances (wrong type, missing required property, int32 out of range, truncated
//!   JSON) are rejected by the validator and decode to a `serde_json::Error`, never a panic;
//!   an unknown enum value is rejected by the validator but decodes, and is kept as sent;
//! * the VCSP Pulse component schemas, request bodies included, round trip on their own, and
//!   their enums sent as numbers read as the spec's `also-read` table says.
//!
//! 64 cases per schema by default; `PROPTEST_CASES` overrides.

use crate::support;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Value};
use support::normalise::normalise;
use support::strategy::{runner, value_strategy};
use support::typed::{decode_text, response_types, round_trip};
use vspc_licensing::contract::{DriftKind, Spec};

fn run(
    name: &str,
    strategy: impl Strategy<Value = (Value, usize)>,
    check: impl Fn(Value, usize) -> Result<(), TestCaseError>,
) {
    let result = runner().run(&strategy, |(value, pick)| check(value, pick));
    if let Err(failure) = result {
        panic!("{name}: {failure}");
    }
}

#[test]
fn the_response_types_cover_every_operation() {
    let types = response_types();
    let names: Vec<&str> = types.keys().map(String::as_str).collect();
    for expected in [
        "BackupServerLicenseCollection",
        "EmptyResponse",
        "ErrorResponse",
        "OAuth2Result",
        "OAuth2Error",
        "AsyncActionResult",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
    assert_eq!(types.len(), 30, "{names:?}");
}

#[test]
fn valid_instances_round_trip_through_the_generated_types() {
    let spec: &'static Spec = support::spec();
    for (name, schema) in response_types() {
        let strategy = (value_strategy(spec, &schema, 0), Just(0usize));
        run(&name, strategy, |value, _| {
            let found = spec.validate_value(&schema, &value);
            prop_assert!(
                found.is_empty(),
                "generated instance invalid: {found:?}\n{value}"
            );
            let back = round_trip(&name, &value)
                .expect("listed type")
                .map_err(|e| TestCaseError::fail(format!("decode: {e}\n{value}")))?;
            let found = spec.validate_value(&schema, &back);
            prop_assert!(
                found.is_empty(),
                "encoded instance invalid: {found:?}\n{back}"
            );
            prop_assert_eq!(&back, &normalise(spec, &schema, &value), "input {}", value);
            // Encoding is stable: a second trip changes nothing.
            let again = round_trip(&name, &back)
                .expect("listed type")
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(again, back);
            Ok(())
        });
    }
}

/// A way to break a valid instance at one place.
#[derive(Clone, Debug)]
enum Breakage {
    /// Replace the value with one of another JSON type.
    WrongType(Value),
    /// Remove this required property from the object at the pointer.
    RemoveRequired(String),
    /// An int32 one past the maximum.
    OutOfRange,
    /// A value the enum does not list.
    UnknownEnum,
}

/// Every place `value` can be broken, with how.
fn breakages(
    spec: &Spec,
    schema: &Value,
    value: &Value,
    pointer: &str,
    found: &mut Vec<(String, Breakage)>,
) {
    let Ok(schema) = spec.resolve(schema) else {
        return;
    };
    let child_schema = |key: &str| schema.get("properties").and_then(|p| p.get(key));
    match value {
        Value::Object(object) => {
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if object.contains_key(name) {
                    found.push((
                        pointer.to_owned(),
                        Breakage::RemoveRequired(name.to_owned()),
                    ));
                }
            }
            for (key, child) in object {
                if let Some(declared) = child_schema(key) {
                    let at = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                    sites_for(spec, declared, child, &at, found);
                }
            }
        }
        Value::Array(items) => {
            if let Some(declared) = schema.get("items") {
                for (index, item) in items.iter().enumerate() {
                    sites_for(spec, declared, item, &format!("{pointer}/{index}"), found);
                }
            }
        }
        _ => {}
    }
}

fn sites_for(
    spec: &Spec,
    declared: &Value,
    child: &Value,
    at: &str,
    found: &mut Vec<(String, Breakage)>,
) {
    let Ok(resolved) = spec.resolve(declared) else {
        return;
    };
    let wrong = match resolved.get("type").and_then(Value::as_str) {
        // A fraction: no string of the spec reads one (support ids read whole numbers, some
        // enums read booleans; the spec's `also-read` notes).
        Some("string") => Some(json!(7.5)),
        Some("integer" | "number" | "boolean" | "object" | "array") => {
            Some(json!("not of the declared type"))
        }
        _ => None,
    };
    if let Some(wrong) = wrong {
        found.push((at.to_owned(), Breakage::WrongType(wrong)));
    }
    if resolved.get("format") == Some(&json!("int32")) {
        found.push((at.to_owned(), Breakage::OutOfRange));
    }
    if resolved.get("enum").is_some()
        && resolved.get("type") == Some(&json!("string"))
        && child.is_string()
    {
        found.push((at.to_owned(), Breakage::UnknownEnum));
    }
    breakages(spec, declared, child, at, found);
}

fn apply(value: &mut Value, at: &str, breakage: &Breakage) {
    let target = value.pointer_mut(at).expect("the site exists");
    match breakage {
        Breakage::WrongType(wrong) => *target = wrong.clone(),
        Breakage::RemoveRequired(name) => {
            target.as_object_mut().expect("an object").remove(name);
        }
        Breakage::OutOfRange => *target = json!(i64::from(i32::MAX) + 1),
        Breakage::UnknownEnum => *target = json!("FutureValueNotInTheSpec"),
    }
}

#[test]
fn broken_instances_are_rejected_and_decode_to_typed_errors() {
    let spec: &'static Spec = support::spec();
    for (name, schema) in response_types() {
        let strategy = (value_strategy(spec, &schema, 0), any::<usize>());
        run(&name, strategy, |valid, pick| {
            let mut sites = Vec::new();
            breakages(spec, &schema, &valid, "", &mut sites);
            if sites.is_empty() {
                return Ok(()); // e.g. an open AsyncActionResult: nothing can be wrong in it
            }
            let (at, breakage) = &sites[pick % sites.len()];
            let mut broken = valid.clone();
            apply(&mut broken, at, breakage);
            let found = spec.validate_value(&schema, &broken);
            prop_assert!(
                !found.is_empty(),
                "{breakage:?} at {at} was accepted:\n{broken}"
            );
            let decoded = round_trip(&name, &broken).expect("listed type");
            match breakage {
                Breakage::UnknownEnum => {
                    prop_assert!(
                        found
                            .iter()
                            .any(|v| v.kind == DriftKind::UnknownEnumValue && v.pointer == *at),
                        "{found:?}"
                    );
                    let back = decoded.map_err(|e| {
                        TestCaseError::fail(format!("an unknown enum value must decode: {e}"))
                    })?;
                    prop_assert_eq!(back.pointer(at), Some(&json!("FutureValueNotInTheSpec")));
                }
                _ => {
                    prop_assert!(decoded.is_err(), "{breakage:?} at {at} decoded: {broken}");
                    let kind = match breakage {
                        Breakage::WrongType(_) => DriftKind::TypeMismatch,
                        Breakage::RemoveRequired(_) => DriftKind::MissingRequired,
                        _ => DriftKind::Other,
                    };
                    prop_assert!(
                        found.iter().any(|v| v.kind == kind),
                        "{breakage:?} at {at}: {found:?}"
                    );
                }
            }
            Ok(())
        });
    }
}

#[test]
fn truncated_json_decodes_to_a_typed_error() {
    let spec: &'static Spec = support::spec();
    for (name, schema) in response_types() {
        let strategy = (value_strategy(spec, &schema, 0), any::<usize>());
        run(&name, strategy, |valid, cut| {
            let text = serde_json::to_vec(&valid).unwrap();
            let truncated = &text[..cut % text.len()];
            let error = match decode_text(&name, truncated).expect("listed type") {
                Ok(value) => {
                    return Err(TestCaseError::fail(format!(
                        "{truncated:?} decoded to {value}"
                    )))
                }
                Err(error) => error,
            };
            prop_assert!(error.is_eof() || error.is_syntax(), "{error:?}");
            let found = spec.validate_response(
                "GetConsoleLicenseInformation",
                200,
                Some("application/json"),
                truncated,
            );
            prop_assert!(!found.is_empty());
            Ok(())
        });
    }
}

/// The VCSP Pulse component schemas, request bodies included (`PulseLicenseInput` is only ever
/// sent, so the response sweep above never generates it): each round trips through its
/// generated type on its own, not only inside an envelope.
const PULSE_SCHEMAS: &[&str] = &[
    "PulseConfiguration",
    "PulseLicense",
    "PulseLicenseInput",
    "PulseLicenseWorkload",
    "PulseLicenseWorkloadInput",
    "PulseLicenseContract",
    "PulseLicenseProduct",
    "PulseLicenseProductWorkload",
    "PulseTenant",
    "PulseTenantVdcUsage",
    "PulseVdcMonthlyUsagePeriod",
    "PulseVdcWorkload",
];

fn component(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

#[test]
fn pulse_schemas_round_trip_through_the_generated_types() {
    let spec: &'static Spec = support::spec();
    for name in PULSE_SCHEMAS {
        let schema = component(name);
        let strategy = (value_strategy(spec, &schema, 0), Just(0usize));
        run(name, strategy, |value, _| {
            let found = spec.validate_value(&schema, &value);
            prop_assert!(
                found.is_empty(),
                "generated instance invalid: {found:?}\n{value}"
            );
            let back = round_trip(name, &value)
                .expect("a generated type")
                .map_err(|e| TestCaseError::fail(format!("decode: {e}\n{value}")))?;
            let found = spec.validate_value(&schema, &back);
            prop_assert!(
                found.is_empty(),
                "encoded instance invalid: {found:?}\n{back}"
            );
            prop_assert_eq!(&back, &normalise(spec, &schema, &value), "input {}", value);
            let again = round_trip(name, &back)
                .expect("a generated type")
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(again, back);
            Ok(())
        });
    }
}

/// Pulse objects whose enum property consoles send as a number (Veeam's own examples do), with
/// the enum's schema name: its `also-read` table in the spec says what each number reads as.
const NUMERIC_ENUMS: &[(&str, &str, &str)] = &[
    ("PulseConfiguration", "status", "PulseConfigurationStatus"),
    ("PulseTenant", "mappingStatus", "PulseTenantMappingStatus"),
];

#[test]
fn pulse_enums_sent_as_numbers_read_as_the_spec_s_also_read_table_says() {
    let spec: &'static Spec = support::spec();
    for (object, property, enum_name) in NUMERIC_ENUMS {
        let table = spec
            .resolve(&component(enum_name))
            .ok()
            .and_then(|schema| schema.pointer("/x-vspc-versions/also-read").cloned())
            .and_then(|table| table.as_object().cloned())
            .unwrap_or_else(|| panic!("{enum_name} has an also-read table"));
        assert!(!table.is_empty(), "{enum_name}");
        let ordinals: Vec<(i64, Value)> = table
            .iter()
            .map(|(number, value)| (number.parse().expect("a whole number"), value.clone()))
            .collect();
        let schema = component(object);
        let strategy = (value_strategy(spec, &schema, 0), 0..ordinals.len());
        run(object, strategy, |mut value, pick| {
            let (number, spelled) = &ordinals[pick];
            value[*property] = json!(number);
            let back = round_trip(object, &value)
                .expect("a generated type")
                .map_err(|e| TestCaseError::fail(format!("decode: {e}\n{value}")))?;
            prop_assert_eq!(
                &back[*property],
                spelled,
                "{} {}: {}",
                object,
                property,
                value
            );
            // What the crate writes is what the schema declares, a string of the enum.
            let found = spec.validate_value(&schema, &back);
            prop_assert!(
                found.is_empty(),
                "encoded instance invalid: {found:?}\n{back}"
            );
            Ok(())
        });
    }
}
