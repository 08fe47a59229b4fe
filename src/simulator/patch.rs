//! JSON Patch on a resource: applied to its serde_json form, decoded back into the generated
//! type (so the schema decides what a value may be), and limited to the writable paths.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::response::{code, Reply};

fn refused(message: impl Into<String>) -> Reply {
    Reply::bad_request(code::PATCH_REFUSED, message)
}

/// Applies a JSON Patch body to `current`, touching only `writable` paths (e.g. `/autoUpdateEnabled`).
/// On any error nothing is changed and the error reply says why.
pub(crate) fn apply<T: Serialize + DeserializeOwned>(
    current: &T,
    body: &[u8],
    writable: &[&str],
) -> Result<T, Reply> {
    let mut document: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| refused(format!("The body is not a JSON Patch document: {e}")))?;
    let current_value = serde_json::to_value(current).map_err(|e| refused(e.to_string()))?;
    read_as_vspc_does(&mut document, &current_value, writable);
    let patch: json_patch::Patch = serde_json::from_value(document)
        .map_err(|e| refused(format!("The body is not a JSON Patch document: {e}")))?;
    check_from_members(body)?;
    if patch.0.is_empty() {
        return Err(refused("The JSON Patch document has no operations."));
    }
    for operation in &patch.0 {
        let path = operation.path().as_str();
        let allowed = match operation {
            json_patch::PatchOperation::Test(_) => true,
            json_patch::PatchOperation::Replace(_) | json_patch::PatchOperation::Add(_) => {
                // Inside a writable property too: a Pulse license's workload counts are changed
                // at `/workloads/N/count` and added at `/workloads/-`, as the client's helpers
                // send them.
                writable.iter().any(|w| {
                    path == *w
                        || path
                            .strip_prefix(w)
                            .is_some_and(|rest| rest.starts_with('/'))
                })
            }
            _ => false,
        };
        if !allowed {
            return Err(refused(format!(
                "The property at path '{}' could not be updated; writable: {}.",
                path.trim_start_matches('/'),
                writable.join(", ")
            )));
        }
    }
    let mut document = serde_json::to_value(current).map_err(|e| refused(e.to_string()))?;
    json_patch::patch(&mut document, &patch.0)
        .map_err(|e| refused(format!("The JSON Patch could not be applied: {e}")))?;
    serde_json::from_value(document)
        .map_err(|e| refused(format!("The patched resource is not valid: {e}")))
}

/// RFC 6902 ignores `from` on operations that do not use it, so the JSON Patch parser accepts
/// any value there; the spec types it as a string (or null), and a request that breaks the
/// schema is refused (Schemathesis found `"from": {}` on a `replace` accepted).
fn check_from_members(body: &[u8]) -> Result<(), Reply> {
    let document: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| refused(e.to_string()))?;
    let operations = document.as_array().map(Vec::as_slice).unwrap_or_default();
    for (index, operation) in operations.iter().enumerate() {
        match operation.get("from") {
            None | Some(serde_json::Value::Null) | Some(serde_json::Value::String(_)) => {}
            Some(other) => {
                return Err(refused(format!(
                    "Operation {index} of the JSON Patch: `from` must be a JSON Pointer string, not {other}."
                )))
            }
        }
    }
    Ok(())
}

/// Gives a JSON Patch the meaning VSPC gives it, which is looser than RFC 6902:
///
/// * Veeam's schema types `value` as a string, and its documents (3.6.1 and later) and its
///   Python client send `"value": "true"`, while the 3.5.1 document sends `true`: a string
///   holding `true`/`false` (any case) or a number, aimed at a boolean or numeric property,
///   is that boolean or number, as the console's .NET binder reads it;
/// * property names match without regard to case (`/AutoApprove` is `/autoApprove`, as in
///   Veeam's report-settings example), as ASP.NET's JSON Patch does.
///
/// Anything else is left as sent, for the checks that follow to accept or refuse.
fn read_as_vspc_does(
    document: &mut serde_json::Value,
    current: &serde_json::Value,
    writable: &[&str],
) {
    use serde_json::Value;
    let Some(operations) = document.as_array_mut() else {
        return;
    };
    for operation in operations {
        let Some(fields) = operation.as_object_mut() else {
            continue;
        };
        if let Some(Value::String(path)) = fields.get_mut("path") {
            if let Some(spelled) = writable.iter().find(|w| w.eq_ignore_ascii_case(path)) {
                *path = (*spelled).to_owned();
            }
        }
        let target = fields
            .get("path")
            .and_then(Value::as_str)
            .and_then(|path| current.pointer(path));
        let coerced = match (target, fields.get("value")) {
            (Some(Value::Bool(_)), Some(Value::String(text))) => {
                match text.to_ascii_lowercase().as_str() {
                    "true" => Some(Value::Bool(true)),
                    "false" => Some(Value::Bool(false)),
                    _ => None,
                }
            }
            (Some(Value::Number(_)), Some(Value::String(text))) => text
                .trim()
                .parse::<serde_json::Number>()
                .ok()
                .map(Value::Number),
            _ => None,
        };
        if let Some(value) = coerced {
            fields.insert("value".into(), value);
        }
    }
}
