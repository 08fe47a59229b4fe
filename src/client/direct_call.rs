//! Spec operations sent by hand on the generated client.
//!
//! Work that takes the product as a value (`Client::license(product, uid)`, the multipart
//! installs progenitor cannot encode) sends the operation named by a [`SpecOperation`]: its
//! method and path come from the spec, the request goes through the same hooks as the
//! generated operations (`X-Request-id`, auth, retries, async actions), and the answer is read
//! the way the generated operations read theirs.

use std::fmt::Display;

use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use uuid::Uuid;

use crate::client::error::Error;
use crate::model::generated::types::ErrorResponse;
use crate::model::generated::Client;
use crate::model::spec_facts::SpecOperation;

/// The body of a request sent by hand.
pub(crate) enum RequestBody {
    /// No body.
    Empty,
    /// A JSON document.
    Json(serde_json::Value),
    /// An encoded body and its content type (`multipart/form-data; boundary=...`).
    Encoded {
        /// The `Content-Type`.
        content_type: String,
        /// The bytes.
        bytes: Vec<u8>,
    },
}

impl Client {
    /// Sends `operation` with its path parameters (server, site or action UIDs) filled by
    /// `path_values` in the spec's order; returns the body of a successful answer, or the error the generated operation
    /// would have returned.
    pub(crate) async fn send_operation(
        &self,
        operation: SpecOperation,
        path_values: &[Uuid],
        query: &[(&str, String)],
        body: RequestBody,
    ) -> Result<Bytes, Error> {
        self.send_operation_at(operation, path_values, query, body)
            .await
    }

    /// [`send_operation`](Self::send_operation) for path parameters that are not UIDs (VCSP
    /// Pulse names its tenants by Pulse's own ids).
    pub(crate) async fn send_operation_at<P: Display + Sync>(
        &self,
        operation: SpecOperation,
        path_values: &[P],
        query: &[(&str, String)],
        body: RequestBody,
    ) -> Result<Bytes, Error> {
        let id = operation.id();
        let path = {
            let values: Vec<&dyn Display> = path_values.iter().map(|v| v as &dyn Display).collect();
            operation.fill_path(&values)
        };
        let url = format!("{}{path}", self.baseurl());
        let mut request = self
            .client()
            .request(operation.method(), url)
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        if !query.is_empty() {
            request = request.query(query);
        }
        request = match body {
            RequestBody::Empty => request,
            RequestBody::Json(value) => request.json(&value),
            RequestBody::Encoded {
                content_type,
                bytes,
            } => request.header(CONTENT_TYPE, content_type).body(bytes),
        };
        let request = request.build().map_err(|source| Error::Transport {
            operation: id,
            source,
        })?;
        let info = OperationInfo { operation_id: id };
        let response = self
            .exec(request, &info)
            .await
            .map_err(|source| Error::Transport {
                operation: id,
                source,
            })?;
        success_body(id, response).await
    }
}

/// Reads a JSON document as `T` (a function, so that it reads a body of any lifetime).
pub(crate) fn json<T: serde::de::DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    serde_json::from_slice(body)
}

/// Reads a JSON answer body as `read` says, naming the operation when it does not fit.
pub(crate) fn read_body<T>(
    operation: &'static str,
    body: Bytes,
    read: impl FnOnce(&[u8]) -> serde_json::Result<T>,
) -> Result<T, Error> {
    read(&body).map_err(|source| Error::Decode {
        operation,
        body,
        source,
    })
}

/// Reads an answer the way the generated operations do: a 2xx other than 202 is the body to
/// decode, 4xx/5xx the error envelope, anything else an unexpected status.
async fn success_body(
    operation: &'static str,
    response: reqwest::Response,
) -> Result<Bytes, Error> {
    let status = response.status();
    let headers = response.headers().clone();
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response
        .bytes()
        .await
        .map_err(|source| Error::Transport { operation, source })?;
    if status.is_success() && status != reqwest::StatusCode::ACCEPTED {
        return Ok(body);
    }
    if let (reqwest::StatusCode::ACCEPTED, Some(location)) = (status, location) {
        return Err(Error::Accepted {
            operation,
            location,
        });
    }
    match serde_json::from_slice::<ErrorResponse>(&body) {
        Ok(envelope) if status.is_client_error() || status.is_server_error() => {
            let value = progenitor_client::ResponseValue::new(envelope, status, headers);
            Err(Error::from(progenitor_client::Error::ErrorResponse(value))
                .for_operation(operation))
        }
        _ => Err(Error::UnexpectedStatus {
            operation,
            status,
            body,
        }),
    }
}
