//! How a generated operation's error keeps the name of the operation that failed.
//!
//! progenitor's `Error` does not say which operation it came from, yet the crate's
//! [`Error`](crate::Error) names it, and `?` must get from one to the other without being told
//! (`client.get_licensing_reports_settings().send().await?` in a function that returns
//! [`crate::Result`]). So every generated `send()` (build.rs wraps each) hands its error to
//! [`mark`], which writes the operationId into the one place each kind of failure has room for,
//! and [`OperationMark::take`] reads it back when the error is converted:
//!
//! * an answer (an error status, or one the spec does not declare): the header
//!   `x-vspc-licensing-operation`, set (not appended) by [`mark`], so a server cannot name
//!   another operation;
//! * no answer (connection, TLS, timeout): the fragment of the request URL that reqwest keeps
//!   with its error, `#vspc-licensing-operation=<operationId>`; it is taken off again on
//!   conversion, so [`Error::Transport`](crate::Error::Transport)'s source shows the URL as
//!   sent;
//! * a request refused before it was sent (a missing or unconvertible parameter): the message
//!   starts with `<operationId>: `.
//!
//! A body that does not decode (`InvalidResponsePayload`) holds only the bytes and serde's
//! error, so it has no room; that error names [`UNNAMED_OPERATION`] unless the crate's own
//! caller knows better. Only operationIds of the spec are read back, as the `&'static str`
//! the crate's errors carry.

use progenitor_client::{Error as GeneratedError, ResponseValue};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::model::spec_facts::SpecOperation;

/// The header an error answer carries its operation in.
const HEADER: HeaderName = HeaderName::from_static("x-vspc-licensing-operation");

/// The key of the URL fragment a transport error carries its operation in.
const FRAGMENT_KEY: &str = "vspc-licensing-operation=";

/// What an error names when it does not say which operation failed.
pub(crate) const UNNAMED_OPERATION: &str = "a generated operation";

/// Marks `error` of the generated operation `generated_name` (`get_licensing_reports_settings`)
/// with its operationId (`GetLicensingReportsSettings`). Called by every generated `send()`.
pub(crate) fn mark<E>(error: GeneratedError<E>, generated_name: &'static str) -> GeneratedError<E> {
    let Some(operation) = SpecOperation::from_generated_name(generated_name) else {
        return error;
    };
    let operation = operation.id();
    match error {
        GeneratedError::ErrorResponse(value) => {
            let status = value.status();
            let mut headers = value.headers().clone();
            set_header(&mut headers, operation);
            GeneratedError::ErrorResponse(ResponseValue::new(value.into_inner(), status, headers))
        }
        GeneratedError::UnexpectedResponse(mut response) => {
            set_header(response.headers_mut(), operation);
            GeneratedError::UnexpectedResponse(response)
        }
        GeneratedError::CommunicationError(source) => {
            GeneratedError::CommunicationError(mark_url(source, operation))
        }
        GeneratedError::ResponseBodyError(source) => {
            GeneratedError::ResponseBodyError(mark_url(source, operation))
        }
        GeneratedError::InvalidUpgrade(source) => {
            GeneratedError::InvalidUpgrade(mark_url(source, operation))
        }
        GeneratedError::InvalidRequest(message) => {
            GeneratedError::InvalidRequest(format!("{operation}: {message}"))
        }
        GeneratedError::Custom(message) => {
            GeneratedError::Custom(format!("{operation}: {message}"))
        }
        other @ GeneratedError::InvalidResponsePayload(..) => other,
    }
}

fn set_header(headers: &mut HeaderMap, operation: &'static str) {
    headers.insert(HEADER, HeaderValue::from_static(operation));
}

fn mark_url(mut error: reqwest::Error, operation: &str) -> reqwest::Error {
    if let Some(url) = error.url_mut() {
        url.set_fragment(Some(&format!("{FRAGMENT_KEY}{operation}")));
    }
    error
}

/// Reading the mark back.
pub(crate) struct OperationMark;

impl OperationMark {
    /// The operation an answer's headers name ([`UNNAMED_OPERATION`] when none).
    pub(crate) fn of_headers(headers: &HeaderMap) -> &'static str {
        headers
            .get(HEADER)
            .and_then(|value| value.to_str().ok())
            .and_then(known)
            .unwrap_or(UNNAMED_OPERATION)
    }

    /// The operation a transport error's URL names, taking the mark off the URL.
    pub(crate) fn take_from_url(error: &mut reqwest::Error) -> &'static str {
        let Some(url) = error.url_mut() else {
            return UNNAMED_OPERATION;
        };
        let operation = url
            .fragment()
            .and_then(|fragment| fragment.strip_prefix(FRAGMENT_KEY))
            .and_then(known);
        if operation.is_some() {
            url.set_fragment(None);
        }
        operation.unwrap_or(UNNAMED_OPERATION)
    }

    /// The operation a refusal's message starts with, and the message without it.
    pub(crate) fn take_from_message(message: String) -> (&'static str, String) {
        match message
            .split_once(": ")
            .and_then(|(prefix, rest)| Some((known(prefix)?, rest)))
        {
            Some((operation, rest)) => (operation, rest.to_owned()),
            None => (UNNAMED_OPERATION, message),
        }
    }
}

/// The spec's operationId `text` is, as the static text the crate's errors carry.
fn known(text: &str) -> Option<&'static str> {
    SpecOperation::from_id(text).map(SpecOperation::id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_keeps_its_operation_and_its_message() {
        let marked = mark::<()>(
            GeneratedError::InvalidRequest("uid was not initialized".into()),
            "get_site_license",
        );
        let GeneratedError::InvalidRequest(message) = marked else {
            panic!("the variant is kept");
        };
        assert_eq!(
            OperationMark::take_from_message(message),
            ("GetSiteLicense", "uid was not initialized".to_owned())
        );
        // A message that merely starts like one names no operation.
        assert_eq!(
            OperationMark::take_from_message("Sorry: no".into()),
            (UNNAMED_OPERATION, "Sorry: no".to_owned())
        );
    }

    #[test]
    fn only_the_spec_operations_are_read_back() {
        let mut headers = HeaderMap::new();
        assert_eq!(OperationMark::of_headers(&headers), UNNAMED_OPERATION);
        headers.insert(HEADER, HeaderValue::from_static("DropAllTables"));
        assert_eq!(OperationMark::of_headers(&headers), UNNAMED_OPERATION);
        headers.insert(HEADER, HeaderValue::from_static("GetAboutInformation"));
        assert_eq!(OperationMark::of_headers(&headers), "GetAboutInformation");
        // An unknown generated name leaves the error as it was.
        let error = mark::<()>(GeneratedError::Custom("x".into()), "no_such_operation");
        assert!(matches!(error, GeneratedError::Custom(text) if text == "x"));
    }
}
