//! The crate's one error type.
//!
//! Every failure says which operation failed and what happened, keeps what the server said
//! (status, the parsed `errors` list, or the raw body when it was not JSON), and where it helps,
//! what to do next.

use std::fmt;

use bytes::Bytes;
use reqwest::StatusCode;

use crate::client::answer::{body_excerpt, Answer};
use crate::client::operation_mark::{OperationMark, UNNAMED_OPERATION};
use crate::client::synthetic::SyntheticAnswer;
use crate::client::tls::{tls_trouble, TlsTrouble};
use crate::model::enums::ResponseErrorType;
use crate::model::generated::types::{ErrorResponse, ResponseError};

/// Why a call failed. Every variant names the operation (`operationId`) that failed.
///
/// The variants with named fields are `#[non_exhaustive]`: they may gain fields, so match them
/// with `..` (`Error::Api { status, errors, .. }`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// VSPC answered with an error status and a well-formed error body.
    #[error("{operation} failed: {}: {}{}", status_text(*status), describe(errors), hint(*status, errors))]
    #[non_exhaustive]
    Api {
        /// The operation that failed.
        operation: &'static str,
        /// The HTTP status; VSPC sends every server-side failure as `520`.
        status: StatusCode,
        /// What VSPC said, in order.
        errors: Vec<ResponseError>,
    },
    /// VSPC answered with a status the spec does not declare, or an error body that is not the
    /// error envelope (an HTML page from a proxy, a plain-text message).
    #[error("{operation} failed: unexpected {}: {}", status_text(*status), snippet(body))]
    #[non_exhaustive]
    UnexpectedStatus {
        /// The operation that failed.
        operation: &'static str,
        /// The HTTP status.
        status: StatusCode,
        /// The raw body.
        body: Bytes,
    },
    /// The server answered with success, but the body does not match the spec.
    #[error(
        "{operation}: the response body does not match the spec ({source}); body starts with: {}",
        snippet(body)
    )]
    #[non_exhaustive]
    Decode {
        /// The operation that failed.
        operation: &'static str,
        /// The raw body.
        body: Bytes,
        /// What serde reported.
        #[source]
        source: serde_json::Error,
    },
    /// The request never got an answer: connection refused or dropped, TLS failure, timeout.
    #[error("{operation}: {}{}", transport_summary(source), transport_hint(source))]
    #[non_exhaustive]
    Transport {
        /// The operation that failed.
        operation: &'static str,
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },
    /// Signing in or refreshing the access token failed.
    #[error("signing in to VSPC failed: {message}")]
    #[non_exhaustive]
    Authentication {
        /// What the token endpoint (or the client) said.
        message: String,
    },
    /// The server ran the call as an async action and it did not succeed.
    #[error(
        "{operation}: async action {action_id} {outcome}{}: {}{}",
        status.map(|s| format!(" with {}", status_text(s))).unwrap_or_default(),
        describe(errors),
        status.map(|s| hint(s, errors)).unwrap_or_default()
    )]
    #[non_exhaustive]
    AsyncAction {
        /// The operation that failed.
        operation: &'static str,
        /// The async action's id.
        action_id: String,
        /// `failed`, `was canceled`, `timed out` or `could not be followed`.
        outcome: String,
        /// The status of the action's result when it failed (a `404` for a server that vanished
        /// meanwhile, a `401`...): [`Error::status`], [`Error::is_not_found`] and
        /// [`Error::is_auth`] read it as they would for a call answered at once.
        status: Option<StatusCode>,
        /// What the action's result said, when it said anything.
        errors: Vec<ResponseError>,
    },
    /// The server broke the API's rules in a way that makes going on unsafe: it ignores
    /// `offset`, sends paging information that does not add up (negative or inconsistent
    /// `offset`, `count` or `total`), repeats the previous page, or makes no progress. Nothing
    /// the caller changes fixes it; the stream stops at once rather than loop or skip items.
    #[error("{operation}: the server misbehaves: {message}")]
    #[non_exhaustive]
    Protocol {
        /// The operation whose answers were wrong.
        operation: &'static str,
        /// What was wrong.
        message: String,
    },
    /// The collection changed size while it was being walked (a server was added or removed):
    /// resources may have moved between pages, so some could have been skipped or yielded
    /// twice. The resources yielded before this error are still real; walk again for a
    /// consistent view (and de-duplicate by UID, see [`crate::unique_by`]).
    #[error("{operation}: the collection changed while it was read (total {before} at the start, {now} later); read it again")]
    #[non_exhaustive]
    CollectionChanged {
        /// The collection operation.
        operation: &'static str,
        /// `pagingInfo.total` on the first page.
        before: u64,
        /// `pagingInfo.total` on a later page.
        now: u64,
    },
    /// The server answered `202 Accepted` and the client was told not to follow async actions.
    #[error("{operation}: accepted as async action {location}; follow it with get_async_action")]
    #[non_exhaustive]
    Accepted {
        /// The operation that was queued.
        operation: &'static str,
        /// The `Location` header.
        location: String,
    },
    /// The server redirected the call somewhere the client does not follow: to another origin
    /// (scheme, host or port), or past five redirects in a row. A redirected request carries its
    /// body (a password, a license file) along, so nothing was sent to `location`.
    #[error(
        "{operation}: the server answered {} to go to {location}; not followed: the client follows redirects only within the server it was given, at most 5 in a row (the request's body and credentials would go along). If that is the console's address, use it as the URL",
        status_text(*status)
    )]
    #[non_exhaustive]
    Redirected {
        /// The operation that was redirected.
        operation: &'static str,
        /// The redirect status (`301`, `302`, `303`, `307` or `308`).
        status: StatusCode,
        /// Where the server pointed (its `Location`, printable ASCII, cut after 300 characters).
        location: String,
    },
    /// The answer was larger than the client reads
    /// ([`ClientBuilder::max_answer_bytes`](crate::ClientBuilder::max_answer_bytes)); the rest
    /// was not read and the call was not retried.
    #[error("{operation}: the answer is larger than {limit} bytes, the most the client reads of one answer (ClientBuilder::max_answer_bytes); it was not read further")]
    #[non_exhaustive]
    AnswerTooLarge {
        /// The operation whose answer it was.
        operation: &'static str,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The input was rejected before anything was sent.
    #[error("{operation}: invalid input: {message}")]
    #[non_exhaustive]
    InvalidInput {
        /// The operation (or helper) that rejected it.
        operation: &'static str,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// The client could not be configured (bad URL, unreadable CA certificate, ...).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The client was told to detect the console's API version, and the console is older than
    /// every version the crate speaks (before 8.1) or reports a version that cannot be read.
    #[error("unsupported console: {0}")]
    UnsupportedConsole(crate::model::api_version::UnsupportedConsole),
    /// The client was told to detect the console's API version and could not ask (`GET /about`
    /// refused or answered without a version).
    #[error("cannot detect the console's API version: {message}")]
    #[non_exhaustive]
    VersionDetection {
        /// What went wrong and what to do instead.
        message: String,
    },
    /// Reading or writing a local file failed.
    #[error("{path}: {source}")]
    #[non_exhaustive]
    Io {
        /// The file.
        path: String,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The operation that failed, where there is one.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Error::Api { operation, .. }
            | Error::UnexpectedStatus { operation, .. }
            | Error::Decode { operation, .. }
            | Error::Transport { operation, .. }
            | Error::AsyncAction { operation, .. }
            | Error::Protocol { operation, .. }
            | Error::CollectionChanged { operation, .. }
            | Error::Accepted { operation, .. }
            | Error::Redirected { operation, .. }
            | Error::AnswerTooLarge { operation, .. }
            | Error::InvalidInput { operation, .. } => Some(operation),
            Error::Authentication { .. }
            | Error::Config(_)
            | Error::Io { .. }
            | Error::UnsupportedConsole(_)
            | Error::VersionDetection { .. } => None,
        }
    }

    /// The HTTP status the server answered with, if it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } | Error::UnexpectedStatus { status, .. } => Some(*status),
            Error::AsyncAction { status, .. } => *status,
            _ => None,
        }
    }

    /// The errors VSPC listed, if it sent an error envelope.
    pub fn api_errors(&self) -> &[ResponseError] {
        match self {
            Error::Api { errors, .. } | Error::AsyncAction { errors, .. } => errors,
            _ => &[],
        }
    }

    /// Whether VSPC reported a server-side failure (its `520`).
    pub fn is_server_error(&self) -> bool {
        self.status()
            .is_some_and(|s| s.as_u16() == 520 || s.is_server_error())
    }

    /// Whether the failure is about credentials or permissions (401, 403, sign-in).
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::Authentication { .. })
            || self
                .status()
                .is_some_and(|s| s == StatusCode::UNAUTHORIZED || s == StatusCode::FORBIDDEN)
    }

    /// Whether the resource was not found (404).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// The operation this error names, to be renamed.
    fn operation_mut(&mut self) -> Option<&mut &'static str> {
        match self {
            Error::Api { operation, .. }
            | Error::UnexpectedStatus { operation, .. }
            | Error::Decode { operation, .. }
            | Error::Transport { operation, .. }
            | Error::AsyncAction { operation, .. }
            | Error::Protocol { operation, .. }
            | Error::CollectionChanged { operation, .. }
            | Error::Accepted { operation, .. }
            | Error::Redirected { operation, .. }
            | Error::AnswerTooLarge { operation, .. }
            | Error::InvalidInput { operation, .. } => Some(operation),
            Error::Authentication { .. }
            | Error::Config(_)
            | Error::Io { .. }
            | Error::UnsupportedConsole(_)
            | Error::VersionDetection { .. } => None,
        }
    }

    /// This error, naming `operation` (the crate's own callers know which they called, also
    /// where the generated error has no room to say; see [`crate::client::operation_mark`]).
    pub(crate) fn for_operation(mut self, operation: &'static str) -> Self {
        if let Some(named) = self.operation_mut() {
            *named = operation;
        }
        self
    }
}

/// What `?` does to a generated operation's error: the operation, the status, VSPC's `errors`
/// list or the raw body, and the transport error are kept.
///
/// ```no_run
/// # async fn run() -> vspc_licensing::Result<()> {
/// let client = vspc_licensing::Client::builder("https://vspc.example.com:1280")
///     .api_key("...")
///     .build()?;
/// // Any generated operation, with every parameter the spec declares:
/// let settings = client.get_licensing_reports_settings().send().await?;
/// println!("{:?}", settings.into_inner().data);
/// # Ok(()) }
/// ```
///
/// A failed call names its operationId (`GetLicensingReportsSettings`), which every generated
/// `send()` records on its error. A success answer whose body does not decode has no room for
/// it and names "a generated operation".
impl From<progenitor_client::Error<ErrorResponse>> for Error {
    fn from(error: progenitor_client::Error<ErrorResponse>) -> Self {
        use progenitor_client::Error as G;
        match error {
            G::InvalidRequest(message) | G::Custom(message) => {
                let (operation, message) = OperationMark::take_from_message(message);
                Error::InvalidInput { operation, message }
            }
            G::CommunicationError(mut source)
            | G::ResponseBodyError(mut source)
            | G::InvalidUpgrade(mut source) => {
                let operation = OperationMark::take_from_url(&mut source);
                Error::Transport { operation, source }
            }
            G::ErrorResponse(value) => {
                let operation = OperationMark::of_headers(value.headers());
                let status = value.status();
                let synthetic = SyntheticAnswer::decode(value.headers());
                let errors = value.into_inner().errors;
                match synthetic {
                    Some(synthetic) => Error::from_synthetic(operation, synthetic, status, errors),
                    None => Error::Api {
                        operation,
                        status,
                        errors,
                    },
                }
            }
            G::InvalidResponsePayload(body, source) => Error::Decode {
                operation: UNNAMED_OPERATION,
                body,
                source,
            },
            G::UnexpectedResponse(response) => {
                let operation = OperationMark::of_headers(response.headers());
                let status = response.status();
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                match (status, location) {
                    (StatusCode::ACCEPTED, Some(location)) => Error::Accepted {
                        operation,
                        location,
                    },
                    _ => Error::UnexpectedStatus {
                        operation,
                        status,
                        body: buffered_body(response),
                    },
                }
            }
        }
    }
}

/// The body of an answer the client's `exec` hook made: it reads every answer in full
/// ([`crate::client::hooks`]), so the body is there without waiting.
fn buffered_body(response: reqwest::Response) -> Bytes {
    use futures::FutureExt as _;
    match response.bytes().now_or_never() {
        Some(Ok(body)) => body,
        // Not an answer of this client (none reaches here): nothing to show without waiting.
        Some(Err(_)) | None => Bytes::new(),
    }
}

impl Error {
    /// The error for an answer the client made up (see [`crate::client::synthetic`]), from its
    /// status and the errors its envelope lists.
    fn from_synthetic(
        operation: &'static str,
        synthetic: SyntheticAnswer,
        status: StatusCode,
        errors: Vec<ResponseError>,
    ) -> Error {
        match synthetic {
            SyntheticAnswer::SignInRefused => Error::Authentication {
                message: describe(&errors),
            },
            SyntheticAnswer::RawErrorBody => {
                // An error body that was not the envelope: its text is the message.
                let body = errors
                    .into_iter()
                    .next()
                    .map(|e| e.message)
                    .unwrap_or_default();
                Error::UnexpectedStatus {
                    operation,
                    status,
                    body: Bytes::from(body),
                }
            }
            SyntheticAnswer::AsyncAction { id, outcome } => Error::AsyncAction {
                operation,
                action_id: id.to_string(),
                outcome: outcome.describe().to_owned(),
                status: None,
                errors,
            },
            SyntheticAnswer::AsyncActionResult { id } => Error::AsyncAction {
                operation,
                action_id: id.to_string(),
                outcome: crate::client::synthetic::AsyncOutcome::Failed
                    .describe()
                    .to_owned(),
                status: Some(status),
                errors,
            },
            SyntheticAnswer::UnsupportedConsole { server_version } => {
                Error::UnsupportedConsole(crate::model::api_version::UnsupportedConsole {
                    server_version,
                    reason: describe(&errors),
                })
            }
            SyntheticAnswer::VersionUndetected => Error::VersionDetection {
                message: describe(&errors),
            },
            SyntheticAnswer::Redirected { status } => Error::Redirected {
                operation,
                status: StatusCode::from_u16(status).unwrap_or(StatusCode::TEMPORARY_REDIRECT),
                location: errors
                    .into_iter()
                    .next()
                    .map(|e| e.message)
                    .unwrap_or_default(),
            },
            SyntheticAnswer::TooLarge { limit } => Error::AnswerTooLarge { operation, limit },
        }
    }

    /// The error for an answer that did not go through the generated code: a made-up one's,
    /// or a server's status and body.
    pub(crate) fn from_answer(operation: &'static str, answer: Answer) -> Error {
        match SyntheticAnswer::decode(&answer.headers) {
            Some(synthetic) => {
                let errors = serde_json::from_slice::<ErrorResponse>(&answer.body)
                    .map(|e| e.errors)
                    .unwrap_or_default();
                Error::from_synthetic(operation, synthetic, answer.status, errors)
            }
            None => Error::UnexpectedStatus {
                operation,
                status: answer.status,
                body: answer.body,
            },
        }
    }
}

/// `404 Not Found`; VSPC's own `520` has no standard reason phrase.
fn status_text(status: StatusCode) -> String {
    match (status.as_u16(), status.canonical_reason()) {
        (520, _) => "520 (VSPC server error)".to_owned(),
        (code, Some(reason)) => format!("{code} {reason}"),
        (code, None) => code.to_string(),
    }
}

fn describe(errors: &[ResponseError]) -> String {
    if errors.is_empty() {
        return "no error details".into();
    }
    errors
        .iter()
        .map(|e| {
            let message = match e.message.trim() {
                "" if e.code == 429 || e.retry_after.is_some() => "too many requests",
                "" => "no message",
                text => text,
            };
            match e.retry_after {
                Some(seconds) => format!(
                    "{message} ({}, code {}, retry after {seconds} s)",
                    e.type_, e.code
                ),
                None => format!("{message} ({}, code {})", e.type_, e.code),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn hint(status: StatusCode, errors: &[ResponseError]) -> &'static str {
    match status.as_u16() {
        401 => "; check the API key or user name and password",
        429 => "; VSPC throttles this user or address: lower the concurrency or wait",
        403 => "; the credential is read-only or lacks the role for this operation",
        404 => "; check the UID (list the licenses to see valid ones)",
        520 if errors
            .iter()
            .any(|e| e.type_ == ResponseErrorType::RetryableLogical) =>
        {
            "; VSPC says this may succeed if retried later"
        }
        _ => "",
    }
}

fn transport_summary(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = if error.is_timeout() {
        "the request timed out".to_owned()
    } else if error.is_connect() {
        "could not connect to VSPC".to_owned()
    } else {
        "the connection failed".to_owned()
    };
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn transport_hint(error: &reqwest::Error) -> &'static str {
    if tls_trouble(error) != TlsTrouble::None {
        "; if VSPC uses a self-signed certificate, pass its CA with --ca-cert (ClientBuilder::add_ca_certificate_pem)"
    } else if error.is_connect() {
        "; check the URL and port (VSPC listens on 1280 by default) and that the server is reachable"
    } else if error.is_timeout() {
        "; raise the timeout or check the server's load"
    } else {
        ""
    }
}

fn snippet(body: &Bytes) -> String {
    let excerpt = body_excerpt(body);
    if excerpt.is_empty() {
        "(empty body)".into()
    } else {
        excerpt
    }
}

/// Result of the crate's operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl fmt::Display for crate::model::generated::types::ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}, code {})", self.message, self.type_, self.code)
    }
}

/// Awaits a generated operation and turns its error into [`Error`], naming the operation.
pub(crate) async fn call<T>(
    operation: &'static str,
    request: impl std::future::Future<
        Output = Result<
            progenitor_client::ResponseValue<T>,
            progenitor_client::Error<ErrorResponse>,
        >,
    >,
) -> Result<T> {
    match request.await {
        Ok(value) => Ok(value.into_inner()),
        Err(error) => Err(Error::from(error).for_operation(operation)),
    }
}
