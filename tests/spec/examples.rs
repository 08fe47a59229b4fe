//! Every example in the spec satisfies its schema (checked with the real validator, OpenAPI
//! 3.0 `nullable` included), and broken copies of the examples are rejected, which shows the
//! validator is not accepting everything.

use crate::support;

use serde_json::{json, Value};
use support::examples::{collect, violations};
use vspc_licensing::contract::{DriftKind, Spec};

#[test]
fn every_example_satisfies_its_schema() {
    let spec = support::spec();
    let examples = collect(spec.raw());
    // Schema examples, response and request media-type examples, parameter examples.
    let count = |needle: &str| {
        examples
            .iter()
            .filter(|e| e.pointer.contains(needle))
            .count()
    };
    assert!(
        count("/components/schemas/") >= 60,
        "schema examples: {}",
        count("/components/schemas/")
    );
    assert!(
        count("/responses/") >= 15,
        "response examples: {}",
        count("/responses/")
    );
    assert!(
        count("/requestBody/") + count("/requestBodies/") >= 3,
        "request body examples"
    );
    assert!(count("/components/parameters/") >= 3, "parameter examples");
    assert_eq!(violations(spec), Vec::<String>::new());
}

#[test]
fn a_wrong_example_in_the_spec_is_reported() {
    let broken = support::spec_text().replacen("usedUnits: 212", "usedUnits: lots", 1);
    assert_ne!(broken, support::spec_text());
    let spec = Spec::from_yaml(&broken).unwrap();
    let found = violations(&spec);
    assert!(!found.is_empty());
    assert!(
        found.iter().all(|line| line.contains("usedUnits")),
        "{found:?}"
    );
}

/// Breaks each object example in every way its schema forbids, and expects a rejection.
#[test]
fn broken_copies_of_every_example_are_rejected() {
    let spec = support::spec();
    let mut checked = 0;
    for example in collect(spec.raw()) {
        let Ok(schema) = spec.resolve(&example.schema) else {
            continue;
        };
        // A required property removed.
        if let (Some(required), Some(object)) = (
            schema.get("required").and_then(Value::as_array),
            example.value.as_object(),
        ) {
            for name in required.iter().filter_map(Value::as_str) {
                let mut broken = object.clone();
                if broken.remove(name).is_none() {
                    continue;
                }
                let found = spec.validate_value(&example.schema, &Value::Object(broken));
                assert!(
                    found
                        .iter()
                        .any(|v| v.kind == DriftKind::MissingRequired
                            && v.pointer == format!("/{name}")),
                    "{}: removing {name} gave {found:?}",
                    example.pointer
                );
                checked += 1;
            }
        }
        // A value of the wrong JSON type in place of the whole example.
        if let Some(declared) = schema.get("type").and_then(Value::as_str) {
            let wrong = match declared {
                "string" => json!({"not": "a string"}),
                _ => json!("a string"),
            };
            let found = spec.validate_value(&example.schema, &wrong);
            assert!(
                found.iter().any(|v| v.kind == DriftKind::TypeMismatch),
                "{}: a {wrong} in place of a {declared} gave {found:?}",
                example.pointer
            );
            checked += 1;
        }
        // A value the enum does not list.
        if schema.get("enum").is_some() {
            let found = spec.validate_value(&example.schema, &json!("NotAListedValue"));
            assert!(
                found.iter().any(|v| v.kind == DriftKind::UnknownEnumValue),
                "{}: {found:?}",
                example.pointer
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} broken copies checked");
}

#[test]
fn nullable_is_honoured_and_only_where_declared() {
    let spec = support::spec();
    let mut license = spec.component_schema("BackupServerLicense").unwrap()["example"].clone();
    license["usedCapacity"] = Value::Null; // nullable: true
    license["supportExpirationDate"] = Value::Null; // nullable date-time
    assert_eq!(
        spec.validate_schema("BackupServerLicense", &license),
        Ok(())
    );

    license["autoUpdateEnabled"] = Value::Null; // not nullable
    let found = spec
        .validate_schema("BackupServerLicense", &license)
        .unwrap_err();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].kind, found[0].pointer.as_str()),
        (DriftKind::TypeMismatch, "/autoUpdateEnabled")
    );

    // ResponseMetadata is nullable as a whole; PagingInformation is not.
    assert_eq!(
        spec.validate_schema("ResponseMetadata", &Value::Null),
        Ok(())
    );
    assert!(spec
        .validate_schema("PagingInformation", &Value::Null)
        .is_err());
}

#[test]
fn enum_values_formats_and_ranges_are_checked() {
    let spec = support::spec();
    let mut action = spec.component_schema("AsyncActionInfo").unwrap()["example"].clone();
    action["status"] = json!("sleeping");
    let found = spec
        .validate_schema("AsyncActionInfo", &action)
        .unwrap_err();
    assert_eq!(
        (found[0].kind, found[0].pointer.as_str()),
        (DriftKind::UnknownEnumValue, "/status")
    );

    action["status"] = json!("running");
    action["id"] = json!("not-a-uuid");
    let found = spec
        .validate_schema("AsyncActionInfo", &action)
        .unwrap_err();
    assert_eq!(
        (found[0].kind, found[0].pointer.as_str()),
        (DriftKind::Other, "/id")
    );

    let paging = json!({"total": 2147483648i64, "count": 1, "offset": 0});
    let found = spec
        .validate_schema("PagingInformation", &paging)
        .unwrap_err();
    assert_eq!(found[0].pointer, "/total", "int32 range: {found:?}");

    let interval = json!({"startOfInterval": "2026-10-01", "endOfInterval": "2026-10-32"});
    assert!(spec
        .validate_schema("LicenseReportInterval", &interval)
        .is_err());
    let license = json!({"autoUpdateEnabled": true, "expirationDate": "yesterday"});
    assert!(spec.validate_schema("SiteLicense", &license).is_err());
}

#[test]
fn unknown_schema_names_are_reported_not_panicked() {
    let found = support::spec()
        .validate_schema("NoSuchSchema", &json!({}))
        .unwrap_err();
    assert_eq!(found[0].kind, DriftKind::Other);
    assert!(found[0].message.contains("NoSuchSchema"));
}
