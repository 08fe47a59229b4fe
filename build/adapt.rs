//! The adaptations of the in-memory copy of the spec that progenitor 0.15 needs. Every
//! adaptation is one named function with the reason it exists; nothing else changes the document.

use serde_json::{json, Value};

use crate::openapi::{for_each_operation, is_multipart};

/// Runs every adaptation.
pub fn normalise(doc: &mut Value) {
    json_content_parameters_to_strings(doc);
    property_paths_stay_plain_strings(doc);
    path_parameters_stay_plain_strings(doc);
    remove_multipart_operations(doc);
    for_each_operation(doc, |_, _, op| {
        token_errors_are_oauth_errors(op);
        default_response_to_error_ranges(op);
        drop_accepted_responses(op);
        drop_codes_covered_by_ranges(op);
    });
}

/// `filter`, `sort` and `select` travel as JSON text in the query string, which OpenAPI 3
/// writes as a parameter with `content: application/json`. progenitor rejects such
/// parameters, so the copy declares them as plain strings; the crate's typed builders in
/// `src/api/query.rs` produce the JSON text.
pub fn json_content_parameters_to_strings(doc: &mut Value) {
    let description = "JSON text; build it with the typed helpers in `vspc_licensing::query`.";
    let rewrite = |param: &mut Value| {
        if param.get("content").is_some() {
            let map = param.as_object_mut().expect("a parameter is an object");
            map.remove("content");
            map.insert(
                "schema".into(),
                json!({ "type": "string", "description": description }),
            );
        }
    };
    if let Some(params) = doc
        .pointer_mut("/components/parameters")
        .and_then(Value::as_object_mut)
    {
        params.values_mut().for_each(rewrite);
    }
    for_each_operation(doc, |_, _, op| {
        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
            params.iter_mut().for_each(rewrite);
        }
    });
}

/// The spec constrains the property paths of `filter`, `sort` and `select` (non-empty,
/// `.`-separated names), which is what servers and validators need. typify would turn each
/// constrained string into a newtype whose every construction can fail; the crate's typed
/// builders (`src/api/query.rs`) take names from code, so the copy keeps them plain strings.
pub fn property_paths_stay_plain_strings(doc: &mut Value) {
    for (schema, property) in [
        ("FilterExpression", "property"),
        ("SortExpression", "property"),
        ("SelectExpression", "propertyPath"),
    ] {
        let pointer = format!("/components/schemas/{schema}/properties/{property}");
        if let Some(map) = doc.pointer_mut(&pointer).and_then(Value::as_object_mut) {
            map.remove("pattern");
            map.remove("minLength");
        }
    }
}

/// A Pulse tenant id (`tenantUid`) is a path parameter of plain text that the spec requires
/// to be non-empty (an empty one would name the collection). typify would make a fallible
/// newtype of it for every operation that takes it (`GetPulseTenantTenantUid`, ...); the copy
/// keeps shared path parameters plain strings, and the crate's Pulse helpers refuse an empty
/// id before sending (`src/api/pulse.rs`).
pub fn path_parameters_stay_plain_strings(doc: &mut Value) {
    let Some(parameters) = doc
        .pointer_mut("/components/parameters")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for parameter in parameters.values_mut() {
        if parameter.get("in") != Some(&json!("path")) {
            continue;
        }
        if let Some(schema) = parameter.get_mut("schema").and_then(Value::as_object_mut) {
            schema.remove("minLength");
        }
    }
}

/// progenitor 0.15 cannot encode `multipart/form-data` bodies ("unexpected content type").
/// The five license installs are written by hand in `src/api/upload.rs` on top of the generated
/// client, with the same hooks and return types; `vspc_spec_facts.rs` lists them.
pub fn remove_multipart_operations(doc: &mut Value) {
    let bodies = doc
        .pointer("/components/requestBodies")
        .cloned()
        .unwrap_or(Value::Null);
    let paths = doc["paths"].as_object_mut().expect("the spec has paths");
    for item in paths.values_mut() {
        let item = item.as_object_mut().expect("a path item is an object");
        let methods: Vec<String> = item.keys().cloned().collect();
        for method in methods {
            if is_multipart(&item[&method], &bodies) {
                item.remove(&method);
            }
        }
    }
}

/// `POST /token` answers refusals with an `OAuth2Error` body under `400`, and anything else
/// with the shared `ErrorResponse`. progenitor allows one error type per operation, and for a
/// token request the OAuth error is the one callers act on; other statuses then arrive as
/// unexpected responses, which the hand-written auth code reports with their body.
pub fn token_errors_are_oauth_errors(op: &mut Value) {
    let has_oauth_400 = op.pointer("/responses/400/content/application~1json/schema/$ref")
        == Some(&json!("#/components/schemas/OAuth2Error"));
    if has_oauth_400 {
        op["responses"]
            .as_object_mut()
            .expect("responses")
            .remove("default");
    }
}

/// progenitor treats `default` as a possible success as well, and then refuses an operation
/// whose success and default bodies differ (upstream issue #950). The vendor's `default` only
/// ever describes errors (4xx keep their code, 5xx arrive as 520), which `4XX` and `5XX`
/// ranges say exactly.
pub fn default_response_to_error_ranges(op: &mut Value) {
    let responses = op["responses"].as_object_mut().expect("responses");
    if let Some(default) = responses.remove("default") {
        responses.insert("4XX".into(), default.clone());
        responses.insert("5XX".into(), default);
    }
}

/// A `202` has no body beside a JSON `200`, which progenitor cannot type. The client's
/// `exec` hook (`src/client/hooks.rs`) follows a `202` to the async action's result and hands the
/// generated code that result as if the operation had answered at once, so the generated code
/// never sees a `202`.
pub fn drop_accepted_responses(op: &mut Value) {
    op["responses"]
        .as_object_mut()
        .expect("responses")
        .remove("202");
}

/// An explicit `520` sits behind the `5XX` range and cannot be reached; progenitor's mock
/// generator also has no reason phrase for it. A 520 still arrives as a typed error response.
pub fn drop_codes_covered_by_ranges(op: &mut Value) {
    let responses = op["responses"].as_object_mut().expect("responses");
    let ranges: Vec<char> = responses
        .keys()
        .filter(|k| k.ends_with("XX"))
        .filter_map(|k| k.chars().next())
        .collect();
    responses.retain(|code, _| {
        code.ends_with("XX")
            || code.parse::<u16>().is_err()
            || !ranges.contains(&code.chars().next().unwrap_or(' '))
    });
}
