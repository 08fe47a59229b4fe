//! Every `example` of the spec, with the schema it must satisfy.

use serde_json::Value;
use vspc_licensing::contract::Spec;

/// One example and the schema it illustrates.
#[derive(Clone, Debug)]
pub struct Example {
    /// JSON pointer of the `example` key in the document.
    pub pointer: String,
    /// The OpenAPI schema the example must satisfy (`$ref`s unresolved).
    pub schema: Value,
    /// The example.
    pub value: Value,
}

/// Collects the examples of schemas (components and inline, properties included), of media
/// types (responses and request bodies) and of parameters.
pub fn collect(document: &Value) -> Vec<Example> {
    let mut found = Vec::new();
    walk(document, "", None, &mut found);
    found
}

fn walk(value: &Value, pointer: &str, parent_key: Option<&str>, found: &mut Vec<Example>) {
    match value {
        Value::Object(map) => {
            // A `properties` map is keyed by property names, which could be called `example`.
            if parent_key != Some("properties") {
                if let Some(example) = map.get("example") {
                    // Media type objects and parameters carry their schema beside the example;
                    // otherwise the object is the schema itself.
                    let from_content = map
                        .get("content")
                        .filter(|_| map.contains_key("in"))
                        .and_then(Value::as_object)
                        .and_then(|content| content.values().next())
                        .and_then(|media| media.get("schema"));
                    let schema = match map.get("schema").or(from_content) {
                        Some(schema) => schema.clone(),
                        None => {
                            let mut schema = map.clone();
                            schema.remove("example");
                            Value::Object(schema)
                        }
                    };
                    found.push(Example {
                        pointer: format!("{pointer}/example"),
                        schema,
                        value: example.clone(),
                    });
                }
            }
            for (key, child) in map {
                if key == "example" && parent_key != Some("properties") {
                    continue;
                }
                let child_pointer =
                    format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                walk(child, &child_pointer, Some(key), found);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                walk(item, &format!("{pointer}/{index}"), None, found);
            }
        }
        _ => {}
    }
}

/// Every example of `spec` that its schema rejects, as `pointer: message` lines.
pub fn violations(spec: &Spec) -> Vec<String> {
    collect(spec.raw())
        .into_iter()
        .flat_map(|example| {
            spec.validate_value(&example.schema, &example.value)
                .into_iter()
                .map(move |v| format!("{}: {} ({})", example.pointer, v.message, v.pointer))
        })
        .collect()
}

/// Every `$ref` of the document that names nothing, as `where -> target` lines.
pub fn unresolved_refs(document: &Value) -> Vec<String> {
    let mut refs = Vec::new();
    collect_refs(document, "", &mut refs);
    refs.into_iter()
        .filter(|(_, target)| {
            target
                .strip_prefix('#')
                .and_then(|p| document.pointer(p))
                .is_none()
        })
        .map(|(at, target)| format!("{at} -> {target}"))
        .collect()
}

/// Every `$ref` of the document with where it sits.
pub fn collect_refs(value: &Value, pointer: &str, refs: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let child_pointer =
                    format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                match (key.as_str(), child) {
                    ("$ref", Value::String(target)) => {
                        refs.push((pointer.to_owned(), target.clone()))
                    }
                    _ => collect_refs(child, &child_pointer, refs),
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                collect_refs(item, &format!("{pointer}/{index}"), refs);
            }
        }
        _ => {}
    }
}

/// One example that a generated type covers.
#[derive(Clone, Debug)]
pub struct TypedExample {
    /// JSON pointer of the `example` key in the document.
    pub pointer: String,
    /// The generated type (a component schema's name, or a hoisted envelope's).
    pub type_name: String,
    /// The schema the example must satisfy: a `$ref` to the component, or the inline schema
    /// of the response a hoisted envelope's example sits in.
    pub schema: Value,
    /// The example.
    pub value: Value,
}

/// Every example a generated type covers: component schema examples, and response and
/// request body examples.
pub fn typed(spec: &Spec) -> Vec<TypedExample> {
    collect(spec.raw())
        .into_iter()
        .filter_map(|example| {
            let component = example
                .pointer
                .strip_prefix("/components/schemas/")
                .and_then(|rest| rest.strip_suffix("/example"))
                .filter(|name| !name.contains('/'));
            let type_name = match component {
                Some(name) => name.to_owned(),
                None => super::typed::type_name(&example.schema)?,
            };
            let schema = if spec.component_schema(&type_name).is_some() {
                serde_json::json!({ "$ref": format!("#/components/schemas/{type_name}") })
            } else {
                let parent = example.pointer.strip_suffix("/example")?;
                spec.raw().pointer(&format!("{parent}/schema"))?.clone()
            };
            Some(TypedExample {
                pointer: example.pointer,
                type_name,
                schema,
                value: example.value,
            })
        })
        .collect()
}
