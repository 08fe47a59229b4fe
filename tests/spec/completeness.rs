//! Every operation is documented and answers as the vendor's operations do; every schema and
//! every response with a body, and every JSON query parameter (`filter`, `sort`, `select`),
//! carries an example.

use crate::support;

use serde_json::Value;
use vspc_licensing::contract::{Spec, StatusKey};

/// What is missing from the spec's documentation, one line per gap.
fn gaps(spec: &Spec) -> Vec<String> {
    let mut gaps = Vec::new();
    for op in spec.operations() {
        let id = &op.operation_id;
        if op.summary.as_deref().is_none_or(str::is_empty) {
            gaps.push(format!("{id}: no summary"));
        }
        if op.tags.is_empty() {
            gaps.push(format!("{id}: no tag"));
        }
        let has = |key: StatusKey| op.responses.iter().any(|r| r.status == key);
        if !op.responses.iter().any(
            |r| matches!(r.status, StatusKey::Code(200..=299) if r.status != StatusKey::Code(202)),
        ) {
            gaps.push(format!("{id}: no success response"));
        }
        if op.path.starts_with("/licensing/") && !has(StatusKey::Code(202)) {
            gaps.push(format!(
                "{id}: no 202 (licensing operations may run asynchronously)"
            ));
        }
        if !has(StatusKey::Default) {
            gaps.push(format!("{id}: no default response"));
        }
        for response in &op.responses {
            for media in response.content.keys() {
                if !response.examples.contains_key(media) {
                    gaps.push(format!(
                        "{id}: the {} response ({media}) has no example",
                        response.status
                    ));
                }
            }
        }
    }
    let schemas = spec
        .raw()
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (name, schema) in schemas {
        // A query-parameter schema whose examples only fit one resource keeps them on each
        // operation's parameter instead, and says so.
        if schema.get("example").is_none() && schema.get("x-examples-on-parameters").is_none() {
            gaps.push(format!("schema {name}: no example"));
        }
    }
    let parameters = spec
        .raw()
        .pointer("/components/parameters")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (name, parameter) in parameters {
        let media_example = parameter
            .get("content")
            .and_then(Value::as_object)
            .and_then(|content| content.values().next())
            .and_then(|media| media.get("example"));
        if parameter.get("content").is_some() && media_example.is_none() {
            gaps.push(format!("parameter {name}: no example"));
        }
    }
    gaps
}

#[test]
fn every_operation_and_schema_is_documented() {
    assert_eq!(gaps(support::spec()), Vec::<String>::new());
}

#[test]
fn a_gap_in_the_documentation_is_reported() {
    let mut raw = support::spec().raw().clone();
    raw["paths"]["/licensing/sites"]["get"]
        .as_object_mut()
        .unwrap()
        .remove("summary");
    raw["components"]["schemas"]["LicenseSettings"]
        .as_object_mut()
        .unwrap()
        .remove("example");
    // JSON is YAML: the edited document goes through the same loader.
    let spec = Spec::from_yaml(&raw.to_string()).unwrap();
    let found = gaps(&spec);
    assert!(
        found.contains(&"GetSiteLicenses: no summary".to_owned()),
        "{found:?}"
    );
    assert!(
        found.contains(&"schema LicenseSettings: no example".to_owned()),
        "{found:?}"
    );
}

#[test]
fn every_licensing_operation_declares_202_with_a_location_and_default_as_error_response() {
    let spec = support::spec();
    for op in spec
        .operations()
        .iter()
        .filter(|op| op.path.starts_with("/licensing/"))
    {
        let accepted = op.response_for(202).unwrap();
        assert_eq!(accepted.status, StatusKey::Code(202), "{}", op.operation_id);
        assert!(
            accepted.content.is_empty(),
            "{}: a 202 has no body",
            op.operation_id
        );
        assert_eq!(accepted.headers, ["Location"], "{}", op.operation_id);
        let error = op.response_for(520).unwrap();
        assert_eq!(
            error.content.get("application/json"),
            Some(&Some(
                serde_json::json!({"$ref": "#/components/schemas/ErrorResponse"})
            )),
            "{}",
            op.operation_id
        );
    }
}
