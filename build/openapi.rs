//! Walking an OpenAPI document held as JSON: its operations, `$ref`s and properties.

use serde_json::Value;

/// Calls `f(path, method, operation)` for every operation of the document.
pub fn for_each_operation(doc: &mut Value, mut f: impl FnMut(&str, &str, &mut Value)) {
    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if METHODS.contains(&method.as_str()) {
                f(path, method, op);
            }
        }
    }
}

/// What `value` refers to when it is a `$ref` to `prefix` (`#/components/responses/`) and
/// `components` has it; `value` itself otherwise.
pub fn resolve<'a>(value: &'a Value, components: &'a Value, prefix: &str) -> &'a Value {
    match value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix(prefix))
    {
        Some(name) => components.get(name).unwrap_or(value),
        None => value,
    }
}

/// The declared properties of an object schema (none for any other schema).
pub fn properties_of(schema: &Value) -> impl Iterator<Item = (&String, &Value)> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

/// Whether the operation's request body is `multipart/form-data`.
pub fn is_multipart(op: &Value, bodies: &Value) -> bool {
    op.get("requestBody")
        .map(|body| resolve(body, bodies, "#/components/requestBodies/"))
        .and_then(|body| body.get("content"))
        .and_then(Value::as_object)
        .is_some_and(|content| content.contains_key("multipart/form-data"))
}

/// A schema's reference to a named schema: directly (`$ref`) or as the items of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchemaReference<'a> {
    /// The named schema (`SiteLicense` for `#/components/schemas/SiteLicense`).
    pub name: &'a str,
    /// Whether the reference is to the items of a list.
    pub is_list: bool,
}

/// The named schema `declared` refers to, directly or as its items.
pub fn schema_reference(declared: &Value) -> Option<SchemaReference<'_>> {
    let (reference, is_list) = match (declared.get("$ref"), declared.pointer("/items/$ref")) {
        (Some(r), _) => (r, false),
        (None, Some(r)) => (r, true),
        _ => return None,
    };
    let name = reference.as_str()?.rsplit('/').next()?;
    Some(SchemaReference { name, is_list })
}

/// The name of the schema `declared` refers to, directly or as its items.
pub fn ref_target(declared: &Value) -> Option<&str> {
    schema_reference(declared).map(|r| r.name)
}
