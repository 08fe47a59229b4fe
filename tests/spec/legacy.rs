//! `spec/vac-v2-licensing.yaml` holds together: one operation as documented, every example
//! valid against its schema, and every schema example too.

use serde_json::{json, Value};

fn spec() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/spec/vac-v2-licensing.yaml"
    ))
    .expect("the legacy spec is readable");
    yaml_serde::from_str(&text).expect("the legacy spec is YAML")
}

/// Validates `instance` against `schema`, resolving `#/components/...` in the spec.
fn check(spec: &Value, schema: &Value, instance: &Value, what: &str) {
    let mut root = schema.clone();
    if let Some(map) = root.as_object_mut() {
        map.insert("components".into(), spec["components"].clone());
    }
    let validator = jsonschema::validator_for(&root)
        .unwrap_or_else(|e| panic!("{what}: schema does not compile: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: {instance} is invalid: {errors:?}"
    );
}

fn media_examples(spec: &Value, media: &Value, what: &str) -> usize {
    let schema = &media["schema"];
    let mut count = 0;
    if let Some(example) = media.get("example") {
        check(spec, schema, example, what);
        count += 1;
    }
    for (name, example) in media
        .get("examples")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        check(
            spec,
            schema,
            &example["value"],
            &format!("{what} example {name}"),
        );
        count += 1;
    }
    count
}

#[test]
fn the_one_operation_is_as_documented() {
    let spec = spec();
    assert_eq!(spec["openapi"], "3.0.3");
    assert_eq!(spec["servers"][0]["url"], "https://vac.example.com:1281");
    let paths = spec["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 1);
    let item = &paths["/v2/licensing/cloudconnectLicenses/{ID}"];
    assert_eq!(
        item["parameters"][0]["schema"],
        json!({"type": "string", "format": "uuid"})
    );
    let op = &item["patch"];
    assert_eq!(op["operationId"], "SetCloudConnectLicenseAutoUpdate");
    assert_eq!(
        spec["components"]["schemas"]["CloudConnectLicenseAutoUpdate"]["required"],
        json!(["autoUpdateEnabled"])
    );
    assert_eq!(spec["security"], json!([{"bearerAuth": []}]));
    assert_eq!(
        spec["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
    let codes: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
    assert_eq!(codes, ["200", "400", "401", "403", "404", "500"]);
    let decisions = spec["info"]["x-decision"].as_array().unwrap();
    assert!(decisions.iter().any(|d| d["topic"] == "error responses"));
}

#[test]
fn every_example_matches_its_schema() {
    let spec = spec();
    let mut count = 0;
    let op = &spec["paths"]["/v2/licensing/cloudconnectLicenses/{ID}"]["patch"];
    let body = &op["requestBody"]["content"]["application/json"];
    count += media_examples(&spec, body, "request body");
    for (code, response) in op["responses"].as_object().unwrap() {
        let response = match response.get("$ref").and_then(Value::as_str) {
            Some(r) => &spec["components"]["responses"][r.rsplit('/').next().unwrap()],
            None => response,
        };
        for (media_type, media) in response["content"].as_object().unwrap() {
            let n = media_examples(&spec, media, &format!("{code} {media_type}"));
            assert!(n > 0, "{code} {media_type} has no example");
            count += n;
        }
    }
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        let example = schema
            .get("example")
            .unwrap_or_else(|| panic!("schema {name} has no example"));
        check(&spec, schema, example, &format!("schema {name}"));
        count += 1;
    }
    assert_eq!(count, 3 + 5 + 3);
    // The schema refuses what the vendor's prose misspells, and a string "true".
    let schema = json!({"$ref": "#/components/schemas/CloudConnectLicenseAutoUpdate"});
    let mut root = schema.clone();
    root["components"] = spec["components"].clone();
    let validator = jsonschema::validator_for(&root).unwrap();
    assert!(!validator.is_valid(&json!({"autoupdateEnabled": true})));
    assert!(!validator.is_valid(&json!({"autoUpdateEnabled": "true"})));
    assert!(validator.is_valid(&json!({"autoUpdateEnabled": false})));
}
