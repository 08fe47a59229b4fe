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

use crate::client::redirect::unfollowed_location;
use crate::client::synthetic::SyntheticAnswer;
use crate::model::enums::ResponseErrorType;
use crate::model::spec_facts::SpecOperation;

/// An answer read in full: reading the body inside the hook makes a connection dropped
/// mid-body a failed attempt that can be retried, not a broken result.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// The most bytes the client reads of one answer unless told otherwise
/// ([`ClientBuilder::max_answer_bytes`](crate::ClientBuilder::max_answer_bytes)): 64 MiB. A page
/// of 500 licenses is well under 2 MiB and a month's CSV report a few; the limit is there so
/// that an answer that never ends (a broken proxy, a hostile server) fails instead of filling
/// memory until the timeout.
pub const DEFAULT_MAX_ANSWER_BYTES: u64 = 64 * 1024 * 1024;

/// The status of the answers the client makes up when it ends a call itself (an answer too
/// large, a redirect it does not follow): an error status, so that the generated code reads the
/// envelope, and one the retry policy never retries.
const ENDED_BY_CLIENT: StatusCode = StatusCode::INTERNAL_SERVER_ERROR;

impl Answer {
    /// Sends `request` once and reads the whole answer, at most `limit` bytes of it.
    pub(crate) async fn read(
        http: &reqwest::Client,
        request: reqwest::Request,
        limit: u64,
    ) -> reqwest::Result<Answer> {
        let response = http.execute(request).await?;
        Answer::read_response(response, limit).await
    }

    /// Reads the rest of `response`. A body larger than `limit` bytes is not read further: the
    /// answer becomes the client's own [`SyntheticAnswer::TooLarge`]. A redirect the client did
    /// not follow ([`crate::client::redirect`]) becomes [`SyntheticAnswer::Redirected`].
    pub(crate) async fn read_response(
        mut response: reqwest::Response,
        limit: u64,
    ) -> reqwest::Result<Answer> {
        let status = response.status();
        if let Some(location) = unfollowed_location(status, response.headers()) {
            return Ok(SyntheticAnswer::Redirected {
                status: status.as_u16(),
            }
            .error(ENDED_BY_CLIENT, &location, ResponseErrorType::Transport));
        }
        let too_large = || {
            SyntheticAnswer::TooLarge { limit }.error(
                ENDED_BY_CLIENT,
                &format!("the answer is larger than {limit} bytes"),
                ResponseErrorType::Transport,
            )
        };
        if response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            return Ok(too_large());
        }
        let headers = response.headers().clone();
        // Most bodies arrive as one chunk, kept as it is; several are joined once at the end.
        let mut chunks: Vec<Bytes> = Vec::new();
        let mut read = 0u64;
        while let Some(chunk) = response.chunk().await? {
            read = read.saturating_add(chunk.len() as u64);
            if read > limit {
                return Ok(too_large());
            }
            chunks.push(chunk);
        }
        let body = match chunks.len() {
            0 => Bytes::new(),
            1 => chunks.pop().expect("one chunk"),
            _ => chunks.concat().into(),
        };
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
