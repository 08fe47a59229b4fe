//! A converter from Swagger 2.0 to the OpenAPI 3 shape, for Veeam's 3.7 document (the only one
//! Veeam publishes as Swagger 2.0). It covers what the licensing subset uses, with the rules of
//! the OpenAPI 3 specification's own upgrade guide:
//!
//! * `definitions` and the global `parameters` move under `components`, and `$ref`s follow;
//! * a `body` parameter becomes the `requestBody`, `formData` parameters become the properties
//!   of one object schema, both under each media type the operation `consumes`;
//! * a parameter's `type`/`format`/`enum`/`default`/bounds move into its `schema`; a `file`
//!   becomes a binary string;
//! * a response's `schema` and `examples` go under each media type the operation `produces`;
//!   response headers get a `schema`;
//! * Veeam's `x-veeam-nullable: true` (Swagger 2.0 has no `nullable`) becomes `nullable: true`.

use serde_json::{json, Map, Value};

/// Keywords a Swagger 2.0 parameter shares with a JSON schema.
const SCHEMA_KEYWORDS: [&str; 12] = [
    "type",
    "format",
    "enum",
    "default",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "items",
    "exclusiveMinimum",
    "exclusiveMaximum",
];

/// The whole document converted.
pub fn to_openapi3(doc: &Value) -> Value {
    let global_consumes = doc
        .get("consumes")
        .cloned()
        .unwrap_or(json!(["application/json"]));
    let global_produces = doc
        .get("produces")
        .cloned()
        .unwrap_or(json!(["application/json"]));
    let mut paths = Map::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        let mut converted = Map::new();
        for (method, op) in item.as_object().into_iter().flatten() {
            let value = if method == "parameters" {
                json!(op
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| !matches!(p["in"].as_str(), Some("body" | "formData")))
                    .map(parameter)
                    .collect::<Vec<_>>())
            } else if op.is_object() {
                operation(op, &global_consumes, &global_produces)
            } else {
                op.clone()
            };
            converted.insert(method.clone(), value);
        }
        paths.insert(path.clone(), Value::Object(converted));
    }
    let schemas: Map<String, Value> = doc
        .get("definitions")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, schema)| (name.clone(), schema_of(schema)))
        .collect();
    let parameters: Map<String, Value> = doc
        .get("parameters")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, p)| (name.clone(), parameter(p)))
        .collect();
    json!({
        "openapi": "3.0.0",
        "info": doc["info"],
        "paths": paths,
        "components": { "schemas": schemas, "parameters": parameters },
    })
}

fn operation(op: &Value, global_consumes: &Value, global_produces: &Value) -> Value {
    let mut out = op.as_object().cloned().unwrap_or_default();
    let consumes = out
        .remove("consumes")
        .unwrap_or_else(|| global_consumes.clone());
    let produces = out
        .remove("produces")
        .unwrap_or_else(|| global_produces.clone());
    let params: Vec<Value> = out
        .remove("parameters")
        .and_then(|p| p.as_array().cloned())
        .unwrap_or_default();
    let mut plain = Vec::new();
    let mut body = None;
    let mut form = Map::new();
    let mut form_required = Vec::new();
    for p in params {
        match p["in"].as_str() {
            Some("body") => body = Some(p),
            Some("formData") => {
                let name = p["name"].as_str().unwrap_or_default().to_owned();
                if p["required"] == json!(true) {
                    form_required.push(json!(name));
                }
                form.insert(name, schema_of(&parameter_schema(&p)));
            }
            _ => plain.push(parameter(&p)),
        }
    }
    out.insert("parameters".into(), Value::Array(plain));
    let media: Vec<String> = consumes
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    if let Some(body) = body {
        let schema = schema_of(&body["schema"]);
        let content: Map<String, Value> = media
            .iter()
            .map(|m| (m.clone(), json!({ "schema": schema })))
            .collect();
        let mut request = json!({ "content": content });
        if body["required"] == json!(true) {
            request["required"] = json!(true);
        }
        out.insert("requestBody".into(), request);
    } else if !form.is_empty() {
        let mut schema = json!({ "type": "object", "properties": form });
        if !form_required.is_empty() {
            schema["required"] = Value::Array(form_required);
        }
        let content: Map<String, Value> = media
            .iter()
            .map(|m| (m.clone(), json!({ "schema": schema })))
            .collect();
        out.insert(
            "requestBody".into(),
            json!({ "content": content, "required": true }),
        );
    }
    let produces: Vec<String> = produces
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    if let Some(responses) = out.get_mut("responses").and_then(Value::as_object_mut) {
        for response in responses.values_mut() {
            *response = response_of(response, &produces);
        }
    }
    Value::Object(out)
}

fn response_of(response: &Value, produces: &[String]) -> Value {
    let mut out = Map::new();
    if let Some(d) = response.get("description") {
        out.insert("description".into(), d.clone());
    }
    if let Some(headers) = response.get("headers").and_then(Value::as_object) {
        let converted: Map<String, Value> = headers
            .iter()
            .map(|(name, h)| {
                let mut header = Map::new();
                if let Some(d) = h.get("description") {
                    header.insert("description".into(), d.clone());
                }
                header.insert("schema".into(), schema_of(&parameter_schema(h)));
                (name.clone(), Value::Object(header))
            })
            .collect();
        out.insert("headers".into(), Value::Object(converted));
    }
    if let Some(schema) = response.get("schema") {
        let schema = schema_of(schema);
        let examples = response.get("examples").and_then(Value::as_object);
        let content: Map<String, Value> = produces
            .iter()
            .map(|m| {
                let mut media = json!({ "schema": schema });
                if let Some(example) = examples.and_then(|e| e.get(m)) {
                    media["example"] = example.clone();
                }
                (m.clone(), media)
            })
            .collect();
        out.insert("content".into(), Value::Object(content));
    }
    Value::Object(out)
}

/// A non-body parameter: schema keywords move into `schema`.
fn parameter(p: &Value) -> Value {
    if p.get("$ref").is_some() {
        return schema_of(p);
    }
    let mut out = Map::new();
    for (key, value) in p.as_object().into_iter().flatten() {
        if !SCHEMA_KEYWORDS.contains(&key.as_str())
            && !key.starts_with("x-veeam-nullable")
            && key != "collectionFormat"
            && key != "allowEmptyValue"
        {
            out.insert(key.clone(), value.clone());
        }
    }
    out.insert("schema".into(), schema_of(&parameter_schema(p)));
    Value::Object(out)
}

fn parameter_schema(p: &Value) -> Value {
    let mut schema = Map::new();
    for key in SCHEMA_KEYWORDS {
        if let Some(v) = p.get(key) {
            schema.insert(key.into(), v.clone());
        }
    }
    if let Some(v) = p.get("x-veeam-nullable") {
        schema.insert("x-veeam-nullable".into(), v.clone());
    }
    if schema.get("type") == Some(&json!("file")) {
        schema.insert("type".into(), json!("string"));
        schema.insert("format".into(), json!("binary"));
    }
    Value::Object(schema)
}

/// A schema with its `$ref`s pointing into `components` and `x-veeam-nullable` as `nullable`.
fn schema_of(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, v) in map {
                match key.as_str() {
                    "$ref" => {
                        let r = v.as_str().unwrap_or_default();
                        let r = r
                            .replace("#/definitions/", "#/components/schemas/")
                            .replace("#/parameters/", "#/components/parameters/");
                        out.insert(key.clone(), json!(r));
                    }
                    "x-veeam-nullable" => {
                        out.insert("nullable".into(), v.clone());
                    }
                    "example" | "examples" | "enum" | "default" | "required" => {
                        out.insert(key.clone(), v.clone());
                    }
                    _ => {
                        out.insert(key.clone(), schema_of(v));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(schema_of).collect()),
        other => other.clone(),
    }
}
