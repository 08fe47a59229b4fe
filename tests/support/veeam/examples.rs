//! The examples of Veeam's documents that belong to the licensing subset: response examples
//! (with their operation, status and media type), request body examples, and the examples of
//! the component schemas the subset references.

use serde_json::Value;

use super::documents::VeeamDocument;

/// Where an example sits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// A response of an operation.
    Response {
        method: String,
        path: String,
        operation_id: String,
        status: String,
        media: String,
    },
    /// A request body of an operation.
    Request {
        method: String,
        path: String,
        operation_id: String,
        media: String,
    },
    /// A component schema.
    Schema { name: String },
}

/// One example of one version.
#[derive(Clone, Debug)]
pub struct VeeamExample {
    pub version: &'static str,
    pub place: Place,
    pub value: Value,
}

impl VeeamExample {
    /// `3.6.1 GetLicensingReports 200 application/json`, `3.7 schema SiteLicense`.
    pub fn name(&self) -> String {
        match &self.place {
            Place::Response {
                operation_id,
                status,
                media,
                ..
            } => format!("{} {operation_id} {status} {media}", self.version),
            Place::Request {
                operation_id,
                media,
                ..
            } => format!("{} {operation_id} request {media}", self.version),
            Place::Schema { name } => format!("{} schema {name}", self.version),
        }
    }
}

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// Every example of the subset of `document`.
pub fn collect(document: &VeeamDocument) -> Vec<VeeamExample> {
    let doc = &document.doc;
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let operation_id = op["operationId"].as_str().unwrap_or_default().to_owned();
            let method = method.to_uppercase();
            for (media, body) in op
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if let Some(example) = body.get("example") {
                    found.push(VeeamExample {
                        version: document.version,
                        place: Place::Request {
                            method: method.clone(),
                            path: path.clone(),
                            operation_id: operation_id.clone(),
                            media: media.clone(),
                        },
                        value: example.clone(),
                    });
                }
            }
            for (status, response) in op["responses"].as_object().into_iter().flatten() {
                for (media, content) in response
                    .get("content")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    if let Some(example) = content.get("example") {
                        found.push(VeeamExample {
                            version: document.version,
                            place: Place::Response {
                                method: method.clone(),
                                path: path.clone(),
                                operation_id: operation_id.clone(),
                                status: status.clone(),
                                media: media.clone(),
                            },
                            value: example.clone(),
                        });
                    }
                }
            }
        }
    }
    for (name, schema) in doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(example) = schema.get("example") {
            found.push(VeeamExample {
                version: document.version,
                place: Place::Schema { name: name.clone() },
                value: example.clone(),
            });
        }
    }
    found
}
