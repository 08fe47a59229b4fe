//! An answer read in full, and the way the parts below the hooks send requests of their own.
//!
//! Signing in ([`crate::client::auth`]), following async actions ([`crate::client::async_action`]) and detecting
//! the console's version ([`crate::client::version_detection`]) all need answers, and the last two need
//! to send through the client's exchange loop (headers, sign-in, retries) that lives in
//! [`crate::client::hooks`]. They depend on this module instead of on the hooks: [`Exchange`] is what
//! they call, and the hooks implement it for the client.

use std::future::Future;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::model::spec_facts::SpecOperation;

/// An answer read in full: reading the body inside the hook makes a connection dropped
/// mid-body a failed attempt that can be retried, not a broken result.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Answer {
    /// Sends `request` once and reads the whole answer.
    pub(crate) async fn read(
        http: &reqwest::Client,
        request: reqwest::Request,
    ) -> reqwest::Result<Answer> {
        let response = http.execute(request).await?;
        Answer::read_response(response).await
    }

    /// Reads the rest of `response`.
    pub(crate) async fn read_response(response: reqwest::Response) -> reqwest::Result<Answer> {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// Whether the status is a `4xx` or `5xx`.
    pub(crate) fn is_error(&self) -> bool {
        self.status.is_client_error() || self.status.is_server_error()
    }

    /// The answer as the response the generated code reads.
    pub(crate) fn into_response(self) -> reqwest::Response {
        let mut response = http::Response::new(self.body);
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        reqwest::Response::from(response)
    }
}

/// The start of a body as text, for messages: lossy UTF-8, trimmed, at most 200 characters
/// (an ellipsis marks the cut).
pub(crate) fn body_excerpt(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Sending a request of one's own through the client's exchange loop: the client's headers,
/// sign-in, retries with backoff.
pub(crate) trait Exchange {
    /// Sends `operation` without a body, its method and path taken from the spec and the path's
    /// parameters filled by `path_values` in order, until it gets a final answer or the retry
    /// policy gives up.
    fn call(
        &self,
        operation: SpecOperation,
        path_values: &[Uuid],
    ) -> impl Future<Output = reqwest::Result<Answer>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_trimmed_and_cut_at_200_characters() {
        assert_eq!(body_excerpt(b"  short \n"), "short");
        assert_eq!(body_excerpt(b""), "");
        let long = "\u{e9}".repeat(201);
        let excerpt = body_excerpt(long.as_bytes());
        assert_eq!(
            excerpt.chars().count(),
            201,
            "200 characters and the ellipsis"
        );
        assert!(excerpt.ends_with("\u{e9}…"));
        assert_eq!(
            body_excerpt("\u{e9}".repeat(200).as_bytes())
                .chars()
                .count(),
            200
        );
        assert_eq!(body_excerpt(b"\xff ok"), "\u{fffd} ok");
    }
}
