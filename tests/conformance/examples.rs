//! Every example of the spec decodes into the generated types and encodes back to the same
//! document, modulo the normalisations documented on `support::normalise::normalise`.

use crate::support;

use std::collections::BTreeMap;

use serde_json::json;
use support::normalise::normalise;
use support::typed::round_trip;

#[test]
fn every_example_round_trips_through_the_generated_types() {
    let spec = support::spec();
    let examples = support::examples::typed(spec);
    assert!(
        examples.len() >= 90,
        "only {} typed examples",
        examples.len()
    );
    let mut encoded = BTreeMap::new();
    let mut failures = Vec::new();
    for typed in &examples {
        let (pointer, name, schema, example) = (
            &typed.pointer,
            &typed.type_name,
            &typed.schema,
            &typed.value,
        );
        let Some(result) = round_trip(name, example) else {
            failures.push(format!("{pointer}: no generated type is listed for {name}"));
            continue;
        };
        match result {
            Ok(back) => {
                let expected = normalise(spec, schema, example);
                if back != expected {
                    failures.push(format!(
                        "{pointer} ({name}):\n  expected {expected}\n  got      {back}"
                    ));
                }
                // The round trip stays valid against the spec.
                for violation in spec.validate_value(schema, &back) {
                    failures.push(format!(
                        "{pointer}: the encoded value is invalid: {violation}"
                    ));
                }
                encoded.insert(pointer.clone(), back);
            }
            Err(e) => failures.push(format!("{pointer} ({name}): does not decode: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    support::snapshot_settings("conformance_examples").bind(|| {
        insta::assert_json_snapshot!("examples_round_trip", encoded);
    });
}

#[test]
fn the_normalisation_rules_apply_where_the_schema_says() {
    let spec = support::spec();
    let schema = json!({"$ref": "#/components/schemas/BackupServerLicense"});
    let wire = json!({
        "autoUpdateEnabled": true,
        "backupServerUid": "DF997BD3-4AE9-4841-8152-8FF5CC703EAB",
        "expirationDate": "2018-10-24T14:00:00.0000000-07:00",
        "units": 1000,
        "status": "valid",
        "edition": null,
        "licenseIds": [],
        "undeclared": null
    });
    let expected = json!({
        "autoUpdateEnabled": true,
        "backupServerUid": "df997bd3-4ae9-4841-8152-8ff5cc703eab",
        "expirationDate": "2018-10-24T21:00:00Z",
        "units": 1000.0,
        "status": "Valid",
        "undeclared": null
    });
    assert_eq!(normalise(spec, &schema, &wire), expected);
    // Arrays behind a $ref keep their [] (the generated type is an Option of a list).
    let envelope = json!({"data": {}, "errors": [], "meta": null});
    let normal = normalise(
        spec,
        &json!({"$ref": "#/components/schemas/EmptyResponse"}),
        &envelope,
    );
    assert_eq!(normal, json!({"data": {}, "errors": []}));
}
