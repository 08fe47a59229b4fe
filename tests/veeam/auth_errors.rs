//! The spec's sign-in form, token answer and error schema held against Veeam's own documents
//! (issue 18, items 2 and 8): the multi-factor fields are there as Veeam declares them, and the
//! error schema departs from Veeam's only where a console's throttling answer needs it.

use serde_json::Value;
use vspc_licensing::contract::Spec;

use crate::support::veeam::documents::documents_dir;

/// Veeam's OpenAPI 3 documents in JSON text, fetched (pinned, checked) by scripts/veeam-docs.sh.
fn veeam_documents() -> Vec<(String, Value)> {
    let dir = documents_dir();
    ["vspc_rest_3_6_1.yaml", "vspc_rest_3_6_2.json"]
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(dir.join(name)).unwrap();
            (name.to_owned(), serde_json::from_str(&text).unwrap())
        })
        .collect()
}

fn property_names(schema: &Value) -> Vec<String> {
    schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

fn required(schema: &Value) -> Vec<String> {
    schema["required"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn token_form(document: &Value) -> Value {
    let schema = &document["paths"]["/token"]["post"]["requestBody"]["content"]
        ["application/x-www-form-urlencoded"]["schema"];
    match schema["$ref"].as_str() {
        Some(reference) => document
            .pointer(reference.trim_start_matches('#'))
            .cloned()
            .unwrap(),
        None => schema.clone(),
    }
}

#[test]
fn the_token_form_and_answer_carry_the_multi_factor_fields_as_veeam_declares_them() {
    let ours = Spec::embedded().raw();
    let our_form = property_names(&token_form(ours));
    let our_result = property_names(&ours["components"]["schemas"]["OAuth2Result"]);
    for (name, veeam) in veeam_documents() {
        let form = property_names(&token_form(&veeam));
        for field in [
            "mfa_token",
            "mfa_code",
            "grant_type",
            "username",
            "password",
        ] {
            assert!(
                form.contains(&field.to_owned()),
                "{name}: Veeam's form has {field}"
            );
            assert!(
                our_form.contains(&field.to_owned()),
                "the spec's form has {field}"
            );
        }
        let result = property_names(&veeam["components"]["schemas"]["OAuth2Result"]);
        for field in &result {
            assert!(
                our_result.contains(field),
                "{name}: OAuth2Result.{field} is in the spec"
            );
        }
        assert!(result.contains(&"mfa_token".to_owned()));
    }
}

#[test]
fn the_error_schema_departs_from_veeams_only_for_the_throttling_answer() {
    let ours = &Spec::embedded().raw()["components"]["schemas"]["ResponseError"];
    for (name, veeam) in veeam_documents() {
        let theirs = &veeam["components"]["schemas"]["ResponseError"];
        let mut extra: Vec<String> = property_names(ours)
            .into_iter()
            .filter(|p| !property_names(theirs).contains(p))
            .collect();
        extra.sort();
        assert_eq!(extra, ["retryAfter"], "{name}");
        let mut relaxed: Vec<String> = required(theirs)
            .into_iter()
            .filter(|r| !required(ours).contains(r))
            .collect();
        relaxed.sort();
        assert_eq!(relaxed, ["message"], "{name}");
    }
    assert!(
        ours["x-decision"]
            .as_str()
            .is_some_and(|note| note.contains("throttling")),
        "the departure is explained next to it"
    );
}
