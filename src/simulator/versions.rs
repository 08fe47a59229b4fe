//! The API version of each answer: the simulated console speaks
//! [`SimulatorConfig::api_version`](super::SimulatorConfig::api_version) and, like a console,
//! answers a request that declares an older version in `X-Client-Version` in that version's
//! shapes ([`crate::model::compat::shape_for`]).
//!
//! A request that declares a version newer than the console is refused with `400` and an
//! error naming the versions served: the simulator cannot answer in a shape the console does not
//! speak, and a client that asked for one should learn so at once rather than decode another
//! shape. A request without the header, or with a text that names no version the crate knows
//! (`3.4`, garbage), gets the console's own version: the header is free text in the spec, and
//! refusing such requests would turn a harmless header into a failure.

use axum::http::HeaderMap;
use bytes::Bytes;

use super::response::{code, Reply};
use crate::model::api_version::ApiVersion;

/// The version to answer this request in, or the refusal.
pub(crate) fn answering_version(
    console: ApiVersion,
    headers: &HeaderMap,
) -> Result<ApiVersion, Reply> {
    let Some(declared) = headers.get("x-client-version") else {
        return Ok(console);
    };
    let text = declared.to_str().unwrap_or("").trim();
    let served = || {
        ApiVersion::ALL
            .iter()
            .filter(|v| **v <= console)
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match text.parse::<ApiVersion>() {
        Ok(version) if version <= console => Ok(version),
        Ok(version) => Err(Reply::bad_request(
            code::UNSUPPORTED_VERSION,
            format!(
                "X-Client-Version {version} is newer than this console (release {}, API {console}); it serves {}.",
                console.console_release(),
                served()
            ),
        )),
        Err(_) => Ok(console),
    }
}

/// The reply in `version`'s wire shape.
pub(crate) fn shape(reply: Reply, version: ApiVersion) -> Reply {
    let is_json = reply
        .content_type
        .is_some_and(|t| t.starts_with("application/json"));
    if !is_json || !crate::model::compat::may_reshape(&reply.body, version) {
        return reply;
    }
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&reply.body) else {
        return reply;
    };
    crate::model::compat::shape_for(&mut value, version);
    Reply {
        body: Bytes::from(serde_json::to_vec(&value).unwrap_or_default()),
        ..reply
    }
}
