//! `build/adapt.rs`: each adaptation on a small document, and `normalise` running them all.

use serde_json::{json, Value};

use crate::adapt::*;

fn op(responses: Value) -> Value {
    json!({ "operationId": "GetThing", "responses": responses })
}

#[test]
fn json_query_parameters_become_plain_strings() {
    let json_text = json!({ "application/json": { "schema": { "type": "array" } } });
    let mut doc = json!({
        "paths": { "/things": { "get": { "parameters": [
            { "name": "sort", "in": "query", "content": json_text },
            { "name": "limit", "in": "query", "schema": { "type": "integer" } }
        ] } } },
        "components": { "parameters": {
            "filter": { "name": "filter", "in": "query", "content": json_text }
        } }
    });
    json_content_parameters_to_strings(&mut doc);
    let shared = &doc["components"]["parameters"]["filter"];
    let inline = &doc["paths"]["/things"]["get"]["parameters"][0];
    for param in [shared, inline] {
        assert!(param.get("content").is_none(), "{param}");
        assert_eq!(param["schema"]["type"], "string");
        assert!(param["schema"]["description"]
            .as_str()
            .unwrap()
            .contains("vspc_licensing::query"));
    }
    assert_eq!(
        doc["paths"]["/things"]["get"]["parameters"][1]["schema"],
        json!({ "type": "integer" })
    );
}

#[test]
fn property_paths_lose_their_constraints_and_nothing_else() {
    let constrained =
        json!({ "type": "string", "pattern": "^[a-z.]+$", "minLength": 1, "description": "d" });
    let mut doc = json!({ "components": { "schemas": {
        "FilterExpression": { "properties": { "property": constrained, "value": constrained } },
        "SortExpression": { "properties": { "property": constrained } },
        "SelectExpression": { "properties": { "propertyPath": constrained } }
    } } });
    property_paths_stay_plain_strings(&mut doc);
    let schemas = &doc["components"]["schemas"];
    let plain = json!({ "type": "string", "description": "d" });
    assert_eq!(schemas["FilterExpression"]["properties"]["property"], plain);
    assert_eq!(schemas["SortExpression"]["properties"]["property"], plain);
    assert_eq!(
        schemas["SelectExpression"]["properties"]["propertyPath"],
        plain
    );
    assert_eq!(
        schemas["FilterExpression"]["properties"]["value"],
        constrained
    );
}

#[test]
fn path_parameters_lose_their_length_bound_and_query_parameters_keep_it() {
    let bounded = json!({ "type": "string", "minLength": 1 });
    let mut doc = json!({ "components": { "parameters": {
        "PulseTenantUid": { "name": "tenantUid", "in": "path", "schema": bounded },
        "Name": { "name": "name", "in": "query", "schema": bounded }
    } } });
    path_parameters_stay_plain_strings(&mut doc);
    let parameters = &doc["components"]["parameters"];
    assert_eq!(
        parameters["PulseTenantUid"]["schema"],
        json!({ "type": "string" })
    );
    assert_eq!(parameters["Name"]["schema"], bounded);
}

#[test]
fn multipart_operations_are_removed_and_their_path_kept() {
    let multipart = json!({ "content": { "multipart/form-data": { "schema": {} } } });
    let mut doc = json!({
        "paths": {
            "/licensing/console": {
                "get": op(json!({ "200": {} })),
                "put": { "requestBody": { "$ref": "#/components/requestBodies/LicenseFile" } }
            },
            "/licensing/sites/{siteUid}": {
                "put": { "requestBody": multipart },
                "patch": { "requestBody": { "content": { "application/json": {} } } }
            }
        },
        "components": { "requestBodies": { "LicenseFile": multipart } }
    });
    remove_multipart_operations(&mut doc);
    let keys = |path: &str| -> Vec<String> {
        doc["paths"][path]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(keys("/licensing/console"), ["get"]);
    assert_eq!(keys("/licensing/sites/{siteUid}"), ["patch"]);
}

#[test]
fn a_token_request_answers_errors_with_its_oauth_error_only() {
    let oauth = json!({ "content": { "application/json": {
        "schema": { "$ref": "#/components/schemas/OAuth2Error" } } } });
    let mut token = op(json!({ "200": {}, "400": oauth, "default": {} }));
    token_errors_are_oauth_errors(&mut token);
    assert_eq!(token["responses"], json!({ "200": {}, "400": oauth }));

    let mut other = op(json!({ "200": {}, "400": {}, "default": {} }));
    token_errors_are_oauth_errors(&mut other);
    assert!(other["responses"].get("default").is_some());
}

#[test]
fn a_default_response_becomes_the_two_error_ranges() {
    let error = json!({ "description": "error" });
    let mut with_default = op(json!({ "200": {}, "default": error }));
    default_response_to_error_ranges(&mut with_default);
    assert_eq!(
        with_default["responses"],
        json!({ "200": {}, "4XX": error, "5XX": error })
    );
    let mut without = op(json!({ "200": {} }));
    default_response_to_error_ranges(&mut without);
    assert_eq!(without["responses"], json!({ "200": {} }));
}

#[test]
fn an_accepted_response_is_dropped() {
    let mut operation = op(json!({ "200": {}, "202": {} }));
    drop_accepted_responses(&mut operation);
    assert_eq!(operation["responses"], json!({ "200": {} }));
}

#[test]
fn codes_behind_a_range_are_dropped_and_others_kept() {
    let mut operation = op(json!({ "200": {}, "404": {}, "520": {}, "5XX": {}, "default": {} }));
    drop_codes_covered_by_ranges(&mut operation);
    let codes: Vec<&String> = operation["responses"].as_object().unwrap().keys().collect();
    assert_eq!(codes, ["200", "404", "5XX", "default"]);
}

#[test]
fn normalise_runs_every_adaptation_on_every_operation() {
    let mut doc = json!({ "paths": {
        "/a": { "get": op(json!({ "200": {}, "202": {}, "520": {}, "default": { "description": "e" } })) },
        "/b": { "post": op(json!({ "200": {}, "default": {} })), "parameters": [] }
    } });
    normalise(&mut doc);
    let codes = |path: &str, method: &str| -> Vec<String> {
        doc["paths"][path][method]["responses"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(codes("/a", "get"), ["200", "4XX", "5XX"]);
    assert_eq!(codes("/b", "post"), ["200", "4XX", "5XX"]);
    // A path item's own keys are not operations.
    assert_eq!(doc["paths"]["/b"]["parameters"], json!([]));
}
