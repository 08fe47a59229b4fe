//! The operations of the spec, with every `$ref` to parameters, request bodies and responses
//! resolved, as the validators and the tests need them.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use super::SpecError;

/// The HTTP methods an OpenAPI path item may hold, in the spec's lower-case spelling.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Where a parameter travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParameterLocation {
    /// A segment of the path template.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

/// One parameter of an operation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Parameter {
    /// The name (for headers, as the spec spells it; headers compare case-insensitively).
    pub name: String,
    /// Where it travels.
    pub location: ParameterLocation,
    /// Whether the client must send it.
    pub required: bool,
    /// Its schema as the spec writes it (OpenAPI 3.0, `$ref`s unresolved).
    pub schema: Value,
    /// For `content:` parameters, the media type the value is written in (e.g.
    /// `application/json` for `filter`): the value is a document of that type.
    pub content_type: Option<String>,
    /// The parameter's `example`, if any.
    pub example: Option<Value>,
}

/// The request body of an operation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RequestBody {
    /// Whether a body must be sent.
    pub required: bool,
    /// Media type -> schema (OpenAPI 3.0, `$ref`s unresolved).
    pub content: BTreeMap<String, Value>,
}

/// Which statuses a declared response covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum StatusKey {
    /// One code, e.g. `200`.
    Code(u16),
    /// A range written `4XX`: the hundreds digit.
    Range(u16),
    /// `default`: every status no other entry covers.
    Default,
}

impl StatusKey {
    fn parse(key: &str) -> Option<StatusKey> {
        if key == "default" {
            return Some(StatusKey::Default);
        }
        if let Some(class) = key.strip_suffix("XX").or_else(|| key.strip_suffix("xx")) {
            return class
                .parse::<u16>()
                .ok()
                .filter(|c| (1..=5).contains(c))
                .map(StatusKey::Range);
        }
        key.parse::<u16>()
            .ok()
            .filter(|c| (100..=599).contains(c))
            .map(StatusKey::Code)
    }

    /// Whether `status` falls under this key.
    pub fn covers(self, status: u16) -> bool {
        match self {
            StatusKey::Code(code) => code == status,
            StatusKey::Range(class) => status / 100 == class,
            StatusKey::Default => true,
        }
    }
}

impl fmt::Display for StatusKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusKey::Code(code) => write!(f, "{code}"),
            StatusKey::Range(class) => write!(f, "{class}XX"),
            StatusKey::Default => f.write_str("default"),
        }
    }
}

/// One declared response of an operation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Response {
    /// The statuses it covers.
    pub status: StatusKey,
    /// The spec's description.
    pub description: String,
    /// Media type -> schema (OpenAPI 3.0, `$ref`s unresolved; `None` when no schema is given).
    pub content: BTreeMap<String, Option<Value>>,
    /// Media type -> the media type's `example`, if any.
    pub examples: BTreeMap<String, Value>,
    /// Names of the declared response headers.
    pub headers: Vec<String>,
    /// The declared response headers with their schemas.
    pub header_definitions: Vec<ResponseHeader>,
}

/// A header a response declares.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResponseHeader {
    /// The header name, as the spec spells it.
    pub name: String,
    /// Whether the response must carry it.
    pub required: bool,
    /// Its schema as the spec writes it.
    pub schema: Value,
}

/// One operation of the spec.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Operation {
    /// The operationId.
    pub operation_id: String,
    /// The method, upper case (`GET`).
    pub method: String,
    /// The path template relative to the server's base (`/licensing/sites/{siteUid}`).
    pub path: String,
    /// The summary, if any.
    pub summary: Option<String>,
    /// The tags.
    pub tags: Vec<String>,
    /// Parameters of the path item and of the operation (the operation's win on a clash).
    pub parameters: Vec<Parameter>,
    /// The request body, if the operation takes one.
    pub request_body: Option<RequestBody>,
    /// The declared responses, in the order: codes, ranges, `default`.
    pub responses: Vec<Response>,
}

impl Operation {
    /// The declared response for `status`: the exact code, else its `4XX`-style range, else
    /// `default`.
    pub fn response_for(&self, status: u16) -> Option<&Response> {
        let find = |wanted: StatusKey| self.responses.iter().find(|r| r.status == wanted);
        find(StatusKey::Code(status))
            .or_else(|| find(StatusKey::Range(status / 100)))
            .or_else(|| find(StatusKey::Default))
    }

    /// The parameter called `name` at `location` (header names compare case-insensitively).
    pub fn parameter(&self, location: ParameterLocation, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| {
            p.location == location
                && if location == ParameterLocation::Header {
                    p.name.eq_ignore_ascii_case(name)
                } else {
                    p.name == name
                }
        })
    }

    /// Matches a concrete path (relative to the base, without query) against the template;
    /// returns the path parameters' raw (still percent-encoded) values on a match.
    pub fn match_path(&self, path: &str) -> Option<BTreeMap<String, String>> {
        let template: Vec<&str> = self.path.trim_matches('/').split('/').collect();
        let actual: Vec<&str> = path.trim_matches('/').split('/').collect();
        if template.len() != actual.len() {
            return None;
        }
        let mut values = BTreeMap::new();
        for (t, a) in template.iter().zip(&actual) {
            match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                Some(name) if !a.is_empty() => {
                    values.insert(name.to_owned(), (*a).to_owned());
                }
                Some(_) => return None,
                None if t == a => {}
                None => return None,
            }
        }
        Some(values)
    }
}

/// Builds the operation list from the raw document.
pub(crate) fn operations(document: &Value) -> Result<Vec<Operation>, SpecError> {
    let paths = document
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| SpecError::Invalid("no paths".into()))?;
    let mut operations = Vec::new();
    for (path, item) in paths {
        let item = resolve(document, item)?;
        let shared = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let operation_id = op
                .get("operationId")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    SpecError::Invalid(format!(
                        "{} {path} has no operationId",
                        method.to_uppercase()
                    ))
                })?
                .to_owned();
            let mut parameters: Vec<Parameter> = Vec::new();
            let own = op
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for raw in shared.iter().chain(&own) {
                let parameter = parameter(document, raw)?;
                parameters
                    .retain(|p| !(p.name == parameter.name && p.location == parameter.location));
                parameters.push(parameter);
            }
            let request_body = match op.get("requestBody") {
                Some(body) => Some(request_body(document, body)?),
                None => None,
            };
            let mut responses = Vec::new();
            if let Some(declared) = op.get("responses").and_then(Value::as_object) {
                for (key, raw) in declared {
                    let status = StatusKey::parse(key).ok_or_else(|| {
                        SpecError::Invalid(format!(
                            "{operation_id}: response key {key:?} is not a status"
                        ))
                    })?;
                    responses.push(response(document, status, raw)?);
                }
            }
            responses.sort_by_key(|r| r.status);
            operations.push(Operation {
                operation_id,
                method: method.to_uppercase(),
                path: path.clone(),
                summary: op.get("summary").and_then(Value::as_str).map(str::to_owned),
                tags: strings(op.get("tags")),
                parameters,
                request_body,
                responses,
            });
        }
    }
    Ok(operations)
}

fn parameter(document: &Value, raw: &Value) -> Result<Parameter, SpecError> {
    let p = resolve(document, raw)?;
    let name = p
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| SpecError::Invalid("a parameter has no name".into()))?;
    let location = match p.get("in").and_then(Value::as_str) {
        Some("path") => ParameterLocation::Path,
        Some("query") => ParameterLocation::Query,
        Some("header") => ParameterLocation::Header,
        Some("cookie") => ParameterLocation::Cookie,
        other => {
            return Err(SpecError::Invalid(format!(
                "parameter {name}: `in` is {other:?}"
            )))
        }
    };
    let (schema, content_type) =
        match (p.get("schema"), p.get("content").and_then(Value::as_object)) {
            (Some(schema), _) => (schema.clone(), None),
            (None, Some(content)) => {
                let (media, body) = content.iter().next().ok_or_else(|| {
                    SpecError::Invalid(format!("parameter {name}: empty content"))
                })?;
                (
                    body.get("schema").cloned().unwrap_or(Value::Bool(true)),
                    Some(media.clone()),
                )
            }
            (None, None) => (Value::Bool(true), None),
        };
    Ok(Parameter {
        name: name.to_owned(),
        location,
        required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
        schema,
        content_type,
        // A `content:` parameter keeps its example on the media type (OpenAPI 3.0 allows no
        // parameter-level `example` next to `content`).
        example: p.get("example").cloned().or_else(|| {
            p.get("content")
                .and_then(Value::as_object)
                .and_then(|content| content.values().next())
                .and_then(|media| media.get("example"))
                .cloned()
        }),
    })
}

fn request_body(document: &Value, raw: &Value) -> Result<RequestBody, SpecError> {
    let body = resolve(document, raw)?;
    let content = body
        .get("content")
        .and_then(Value::as_object)
        .map(|c| {
            c.iter()
                .map(|(m, v)| {
                    (
                        m.clone(),
                        v.get("schema").cloned().unwrap_or(Value::Bool(true)),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(RequestBody {
        required: body
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        content,
    })
}

fn response(document: &Value, status: StatusKey, raw: &Value) -> Result<Response, SpecError> {
    let r = resolve(document, raw)?;
    let mut content = BTreeMap::new();
    let mut examples = BTreeMap::new();
    if let Some(declared) = r.get("content").and_then(Value::as_object) {
        for (media, body) in declared {
            content.insert(media.clone(), body.get("schema").cloned());
            if let Some(example) = body.get("example") {
                examples.insert(media.clone(), example.clone());
            }
        }
    }
    let mut header_definitions = Vec::new();
    for (name, raw) in r
        .get("headers")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let header = resolve(document, raw)?;
        header_definitions.push(ResponseHeader {
            name: name.clone(),
            required: header
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            schema: header.get("schema").cloned().unwrap_or(Value::Bool(true)),
        });
    }
    Ok(Response {
        status,
        description: r
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        content,
        examples,
        headers: r
            .get("headers")
            .and_then(Value::as_object)
            .map(|h| h.keys().cloned().collect())
            .unwrap_or_default(),
        header_definitions,
    })
}

/// Follows a local `$ref` (any depth) to the object it names.
pub(crate) fn resolve<'a>(document: &'a Value, value: &'a Value) -> Result<&'a Value, SpecError> {
    let mut current = value;
    for _ in 0..32 {
        let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
            return Ok(current);
        };
        current = lookup(document, reference)?;
    }
    Err(SpecError::Invalid(format!(
        "$ref chain too long at {value}"
    )))
}

/// The value a local `$ref` (`#/a/b`) names.
pub(crate) fn lookup<'a>(document: &'a Value, reference: &str) -> Result<&'a Value, SpecError> {
    reference
        .strip_prefix('#')
        .and_then(|pointer| document.pointer(pointer))
        .ok_or_else(|| SpecError::UnresolvedRef(reference.to_owned()))
}

/// The strings of a JSON array (a schema's `required`, an operation's `tags`); none when the
/// value is missing or not an array.
pub(crate) fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}
