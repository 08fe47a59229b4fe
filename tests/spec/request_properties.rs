//! Properties of the request and response oracle:
//!
//! * a request built from values the spec's own parameter and body schemas allow (generated
//!   by the same schema-to-strategy function as the conformance tests) is accepted, for every
//!   operation;
//! * junk of every kind (paths, queries, headers, bodies, statuses, content types) gives
//!   violations, never a panic.
//!
//! 64 cases per property by default; `PROPTEST_CASES` overrides.

use crate::support;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::Value;
use support::strategy::{runner, value_strategy};
use vspc_licensing::contract::{Operation, ParameterLocation, Spec};

/// The text a scalar travels as in a path, query or header; `None` for `null` (not sent).
fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

/// A request to `op` from generated parameter values and body: (path and query, headers, body).
#[derive(Clone, Debug)]
struct Request {
    path_and_query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn request_strategy(spec: &'static Spec, op: &Operation) -> BoxedStrategy<Request> {
    let mut parameters: Vec<BoxedStrategy<Option<(ParameterLocation, String, String)>>> =
        Vec::new();
    for parameter in &op.parameters {
        let (location, name, is_json) = (
            parameter.location,
            parameter.name.clone(),
            parameter.content_type.is_some(),
        );
        let value = value_strategy(spec, &parameter.schema, 0).prop_map(move |value| {
            let text = if is_json {
                Some(value.to_string())
            } else {
                as_text(&value)
            };
            text.map(|text| (location, name.clone(), text))
        });
        let strategy = if parameter.required {
            value.boxed()
        } else {
            proptest::option::of(value)
                .prop_map(Option::flatten)
                .boxed()
        };
        parameters.push(strategy);
    }
    let body: BoxedStrategy<(Option<String>, Vec<u8>)> = match &op.request_body {
        None => Just((None, Vec::new())).boxed(),
        Some(body) => {
            let (media, schema) = body.content.iter().next().expect("a body has a media type");
            let media = media.clone();
            match media.as_str() {
                "application/json" => value_strategy(spec, schema, 0)
                    .prop_map(move |v| (Some(media.clone()), serde_json::to_vec(&v).unwrap()))
                    .boxed(),
                "application/x-www-form-urlencoded" => value_strategy(spec, schema, 0)
                    .prop_map(move |v| {
                        let mut form = url::form_urlencoded::Serializer::new(String::new());
                        for (key, value) in v.as_object().into_iter().flatten() {
                            if let Some(text) = as_text(value) {
                                form.append_pair(key, &text);
                            }
                        }
                        (Some(media.clone()), form.finish().into_bytes())
                    })
                    .boxed(),
                "multipart/form-data" => proptest::collection::vec(any::<u8>(), 0..64)
                    .prop_map(|bytes| {
                        let mut body = b"--b0undary\r\nContent-Disposition: form-data; name=\"license\"; filename=\"x.lic\"\r\n\r\n".to_vec();
                        body.extend(bytes.iter().map(|b| if *b == b'-' { b'+' } else { *b }));
                        body.extend_from_slice(b"\r\n--b0undary--\r\n");
                        (Some("multipart/form-data; boundary=b0undary".to_owned()), body)
                    })
                    .boxed(),
                other => panic!("no generator for request bodies of {other}"),
            }
        }
    };
    let template = op.path.clone();
    (parameters, body)
        .prop_map(move |(values, (content_type, body))| {
            let mut path = format!("/api/v3{template}");
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            let mut headers = Vec::new();
            for (location, name, text) in values.into_iter().flatten() {
                match location {
                    ParameterLocation::Path => {
                        let encoded: String =
                            url::form_urlencoded::byte_serialize(text.as_bytes()).collect();
                        path = path.replace(&format!("{{{name}}}"), &encoded);
                    }
                    ParameterLocation::Query => {
                        query.append_pair(&name, &text);
                    }
                    ParameterLocation::Header => headers.push((name, text)),
                    ParameterLocation::Cookie => {}
                }
            }
            if let Some(content_type) = content_type {
                headers.push(("Content-Type".to_owned(), content_type));
            }
            let query = query.finish();
            let path_and_query = if query.is_empty() {
                path
            } else {
                format!("{path}?{query}")
            };
            Request {
                path_and_query,
                headers,
                body,
            }
        })
        .boxed()
}

#[test]
fn requests_built_from_the_spec_are_accepted_for_every_operation() {
    let spec: &'static Spec = support::spec();
    for op in spec.operations() {
        let result = runner().run(&request_strategy(spec, op), |request| {
            let headers: Vec<(&str, &str)> = request
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let found = spec.validate_request(
                &op.operation_id,
                &op.method,
                &request.path_and_query,
                headers,
                &request.body,
            );
            prop_assert!(found.is_empty(), "{request:?}\n{found:?}");
            let routed = spec
                .find_operation(&op.method, &request.path_and_query)
                .map(|o| o.operation_id.as_str());
            prop_assert_eq!(routed, Some(op.operation_id.as_str()));
            Ok(())
        });
        if let Err(failure) = result {
            panic!("{}: {failure}", op.operation_id);
        }
    }
}

#[test]
fn junk_requests_and_responses_give_violations_not_panics() {
    let spec: &'static Spec = support::spec();
    let ids: Vec<String> = spec
        .operations()
        .iter()
        .map(|op| op.operation_id.clone())
        .collect();
    let strategy = (
        proptest::sample::select(ids),
        "(GET|PUT|POST|PATCH|DELETE|\\PC{0,4})",
        "\\PC{0,40}",
        proptest::collection::vec(("\\PC{0,12}", "\\PC{0,24}"), 0..4),
        proptest::collection::vec(any::<u8>(), 0..64),
        any::<u16>(),
        proptest::option::of("\\PC{0,30}"),
    );
    let result = runner().run(
        &strategy,
        |(id, method, path, headers, body, status, content_type)| {
            let _ = spec.validate_request(&id, &method, &path, &headers, &body);
            let _ = spec.validate_request(
                &id,
                &method,
                &path,
                [("content-type", "multipart/form-data; boundary=")],
                &body,
            );
            let _ = spec.validate_response(&id, status, content_type.as_deref(), &body);
            let _ = spec.response_drift(&id, status, content_type.as_deref(), &body);
            let _ = spec.validate_response_headers(&id, status, &headers);
            let _ = spec.find_operation(&method, &path);
            Ok::<(), TestCaseError>(())
        },
    );
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
