//! What a simulated operation answers: status, content type, body and extra headers, in a form
//! that can be stored (for `X-Request-id` replays and async results) and sent again.

use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{json, Value};

/// Error codes the simulator puts in `ErrorResponse` bodies.
pub(crate) mod code {
    pub const INVALID_PARAMETER: i32 = 1000;
    pub const PATCH_REFUSED: i32 = 1001;
    pub const LICENSE_FILE: i32 = 1002;
    pub const NOT_FOUND: i32 = 1004;
    pub const NOT_ALLOWED: i32 = 1005;
    pub const ASYNC_NOT_DONE: i32 = 1006;
    pub const UNSUPPORTED_VERSION: i32 = 1007;
    pub const UNAUTHORIZED: i32 = 1401;
    pub const FORBIDDEN: i32 = 1403;
    pub const THROTTLED: i32 = 1429;
    pub const SERVER: i32 = 1500;
    pub const UNAVAILABLE: i32 = 1503;
}

/// One stored answer.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) content_type: Option<&'static str>,
    pub(crate) body: Bytes,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
}

impl Reply {
    pub(crate) fn json<S: serde::Serialize + ?Sized>(status: StatusCode, value: &S) -> Self {
        Reply {
            status,
            content_type: Some("application/json; charset=utf-8"),
            body: Bytes::from(serde_json::to_vec(value).unwrap_or_default()),
            headers: Vec::new(),
        }
    }

    pub(crate) fn ok<S: serde::Serialize + ?Sized>(value: &S) -> Self {
        Reply::json(StatusCode::OK, value)
    }

    /// `{ "data": data }`, the envelope of a single resource.
    pub(crate) fn data(data: Value) -> Self {
        Reply::ok(&json!({ "data": data }))
    }

    /// The `EmptyResponse` every body-less success carries.
    pub(crate) fn empty() -> Self {
        Reply::ok(&json!({ "data": {}, "errors": [], "meta": null }))
    }

    pub(crate) fn error(
        status: StatusCode,
        kind: &str,
        code: i32,
        message: impl Into<String>,
    ) -> Self {
        Reply::json(
            status,
            &json!({ "errors": [{ "message": message.into(), "type": kind, "code": code }] }),
        )
    }

    pub(crate) fn bad_request(code: i32, message: impl Into<String>) -> Self {
        Reply::error(StatusCode::BAD_REQUEST, "logical", code, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Reply::error(StatusCode::NOT_FOUND, "logical", code::NOT_FOUND, message)
    }

    pub(crate) fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    pub(crate) fn is_success(&self) -> bool {
        self.status.is_success()
    }

    pub(crate) fn into_response(self) -> Response {
        let mut response = (self.status, Body::from(self.body)).into_response();
        if let Some(content_type) = self.content_type {
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}
