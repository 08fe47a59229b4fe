//! What happens to every request the generated client sends.
//!
//! progenitor lets the crate supply `exec`, the step that turns a built request into an answer.
//! Doing the cross-cutting work there means that each of the generated operations, and the
//! hand-written ones that reuse it, gets all of it:
//!
//! 1. headers: `X-Client-Version`; an `X-Request-id` made once per call (kept when the caller set
//!    one) and reused on every retry, so VSPC applies a retried change only once; the
//!    `Authorization` header from [`crate::auth`]; progenitor's own `api-version` header is
//!    dropped (VSPC reads `X-Client-Version`);
//! 2. the answer is read in full inside `exec`, so that a connection dropped mid-body counts as a
//!    failed attempt and can be retried, not as a broken result;
//! 3. retries with backoff by [`RetryPolicy`]; one fresh sign-in on a `401` with an expired token;
//! 4. a `202 Accepted` is followed to the async action's result ([`crate::async_action`]).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, LOCATION};
use reqwest::StatusCode;

use crate::async_action::{action_id_from_location, AsyncActionPolicy};
use crate::auth::{AuthFailure, Authenticator};
use crate::enums::{AsyncActionStatus, ResponseErrorType};
use crate::error::{synthetic_error_body, SYNTHETIC_HEADER};
use crate::retry::{classify, RetryPolicy, Verdict};
use crate::types::AsyncActionInfoResponse;
use crate::Client;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const CLIENT_VERSION: HeaderName = HeaderName::from_static("x-client-version");
const TOKEN_OPERATION: &str = "OAuth2IssueToken";

/// The client's shared state: configuration, credentials and the token cache. Cloning a
/// [`Client`] shares it.
#[derive(Clone)]
pub struct Runtime(pub(crate) Arc<Shared>);

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("base_url", &self.0.base_url)
            .field("auth", &self.0.auth)
            .field("retry", &self.0.retry)
            .field("async_actions", &self.0.async_actions)
            .finish()
    }
}

pub(crate) struct Shared {
    pub(crate) base_url: String,
    pub(crate) client_version: HeaderValue,
    pub(crate) auth: Authenticator,
    pub(crate) retry: RetryPolicy,
    pub(crate) async_actions: AsyncActionPolicy,
    /// Counts `429` answers, so that walks and bulk changes in flight can slow down.
    pub(crate) throttle: crate::concurrency::ThrottleSignal,
}

/// An answer read in full.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Answer {
    fn into_response(self) -> reqwest::Response {
        let mut response = http::Response::new(self.body);
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        reqwest::Response::from(response)
    }

    /// An answer the hooks make up: VSPC's error envelope plus a marker header that
    /// [`crate::Error::from_generated`] reads.
    fn synthetic(
        status: StatusCode,
        marker: &str,
        message: &str,
        error_type: ResponseErrorType,
    ) -> Answer {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Ok(value) = HeaderValue::from_str(marker) {
            headers.insert(SYNTHETIC_HEADER, value);
        }
        let body = synthetic_error_body(message, error_type, i32::from(status.as_u16())).into();
        Answer {
            status,
            headers,
            body,
        }
    }
}

impl ClientHooks<Runtime> for Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let answer = self.exchange(request, info.operation_id).await?;
        Ok(keep_raw_error_bodies(answer, info.operation_id).into_response())
    }
}

impl Client {
    /// Headers, retries and async actions for one call; the answer exactly as the server sent
    /// it (the contract check needs it unaltered).
    pub(crate) async fn exchange(
        &self,
        mut request: reqwest::Request,
        operation: &str,
    ) -> reqwest::Result<Answer> {
        let shared = &self.inner().0;
        prepare_headers(&mut request, shared, operation);
        let answer = shared.send(self.client(), request, operation).await?;
        if answer.status == StatusCode::ACCEPTED && shared.async_actions.follow {
            shared.follow(self.client(), answer, operation).await
        } else {
            Ok(answer)
        }
    }
}

fn prepare_headers(request: &mut reqwest::Request, shared: &Shared, operation: &str) {
    let headers = request.headers_mut();
    headers.remove("api-version");
    if !headers.contains_key(CLIENT_VERSION) {
        headers.insert(CLIENT_VERSION, shared.client_version.clone());
    }
    if operation != TOKEN_OPERATION && !headers.contains_key(REQUEST_ID) {
        let id = uuid::Uuid::new_v4().to_string();
        headers.insert(
            REQUEST_ID,
            HeaderValue::from_str(&id).expect("a UUID is a valid header value"),
        );
    }
}

impl Shared {
    /// `GET /asyncActions/{id}/result`: what a finished action produced (or why it failed).
    async fn action_result(
        &self,
        http: &reqwest::Client,
        id: impl std::fmt::Display,
    ) -> reqwest::Result<Answer> {
        let path = format!("asyncActions/{id}/result");
        let request = self.request(http, reqwest::Method::GET, &path)?;
        self.send(http, request, "GetAsyncActionResult").await
    }

    /// Sends `request` until it gets a final answer or the retry policy gives up.
    pub(crate) async fn send(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
        operation: &str,
    ) -> reqwest::Result<Answer> {
        let started = Instant::now();
        let mut attempt = 0u32;
        let mut signed_in_again = false;
        let mut original = Some(request);
        loop {
            attempt += 1;
            let authorization = if operation == TOKEN_OPERATION {
                None
            } else {
                match self
                    .auth
                    .authorization(http, &self.base_url, &self.client_version)
                    .await
                {
                    Ok(value) => value,
                    Err(AuthFailure::Refused(reason)) => {
                        tracing::warn!(operation, "sign-in refused");
                        return Ok(Answer::synthetic(
                            StatusCode::UNAUTHORIZED,
                            "auth",
                            &reason,
                            ResponseErrorType::Security,
                        ));
                    }
                    Err(AuthFailure::Transport(error)) => {
                        match self.pause_before_retry(attempt, started, &Err(&error), true) {
                            Some(wait) => {
                                tokio::time::sleep(wait).await;
                                continue;
                            }
                            None => return Err(error),
                        }
                    }
                    // A busy or throttling token endpoint: wait and sign in again, like any call.
                    Err(AuthFailure::Transient(answer)) => {
                        if answer.status == StatusCode::TOO_MANY_REQUESTS {
                            self.throttle.throttled();
                        }
                        tracing::info!(
                            operation,
                            status = answer.status.as_u16(),
                            "sign-in answered with a transient failure"
                        );
                        match self.pause_before_retry(attempt, started, &Ok(&answer), true) {
                            Some(wait) => {
                                tokio::time::sleep(wait).await;
                                continue;
                            }
                            None => return Ok(answer),
                        }
                    }
                    Err(AuthFailure::Failed(answer)) => return Ok(answer),
                }
            };
            // A body that cannot be cloned (a stream) allows one attempt only; the loop only comes
            // back here while `original` is still there.
            let mut sent = match original.as_ref().and_then(reqwest::Request::try_clone) {
                Some(copy) => copy,
                None => original
                    .take()
                    .expect("retries happen only while the request can be resent"),
            };
            if let Some(value) = &authorization {
                sent.headers_mut().insert(AUTHORIZATION, value.clone());
            }
            let method = sent.method().clone();
            let outcome = read_in_full(http, sent).await;
            if matches!(&outcome, Ok(answer) if answer.status == StatusCode::TOO_MANY_REQUESTS) {
                self.throttle.throttled();
            }
            match &outcome {
                Ok(answer) => {
                    tracing::debug!(operation, %method, attempt, status = answer.status.as_u16(), "answer")
                }
                Err(error) => {
                    tracing::debug!(operation, %method, attempt, error = %error, "no answer")
                }
            }
            if let (Ok(answer), Some(used)) = (&outcome, &authorization) {
                if answer.status == StatusCode::UNAUTHORIZED
                    && self.auth.uses_tokens()
                    && !signed_in_again
                    && original.is_some()
                {
                    // The token expired or was revoked early: fetch a new one, once.
                    signed_in_again = true;
                    self.auth.reject(used).await;
                    attempt -= 1;
                    continue;
                }
            }
            let outcome_ref = outcome.as_ref();
            match self.pause_before_retry(attempt, started, &outcome_ref, original.is_some()) {
                Some(wait) => {
                    tracing::info!(
                        operation,
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(wait).await;
                }
                None => return outcome,
            }
        }
    }

    /// The wait before the next attempt, or `None` when this outcome is final.
    fn pause_before_retry(
        &self,
        attempt: u32,
        started: Instant,
        outcome: &Result<&Answer, &reqwest::Error>,
        can_resend: bool,
    ) -> Option<Duration> {
        let server_wait = match outcome {
            Ok(answer) => match classify(answer.status, &answer.headers, &answer.body) {
                Verdict::Final => return None,
                Verdict::Retry(after) => after,
            },
            Err(error) if is_retryable(error) => None,
            Err(_) => return None,
        };
        if !can_resend || attempt >= self.retry.attempts() {
            return None;
        }
        let wait = match server_wait {
            Some(asked) => self.retry.honour_retry_after(asked)?,
            None => self.retry.backoff(attempt),
        };
        (started.elapsed().saturating_add(wait) < self.retry.overall_deadline()).then_some(wait)
    }

    /// Polls the async action a `202` names until it ends, then returns its result as the
    /// original call's answer.
    async fn follow(
        &self,
        http: &reqwest::Client,
        accepted: Answer,
        operation: &str,
    ) -> reqwest::Result<Answer> {
        let location = accepted
            .headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let Some(id) = action_id_from_location(&location) else {
            // Nothing to follow; the caller gets the 202 and its Location as an error.
            return Ok(accepted);
        };
        let policy = &self.async_actions;
        // A timeout too long to add to the clock (`Duration::MAX`) means no deadline.
        let deadline = Instant::now().checked_add(policy.timeout);
        let failed = |outcome: &str, message: &str| {
            Answer::synthetic(
                StatusCode::from_u16(520).expect("520 is a valid status"),
                &format!("async:{id}:{outcome}"),
                message,
                ResponseErrorType::Logical,
            )
        };
        let mut poll = 0;
        loop {
            tokio::time::sleep(policy.pause(poll)).await;
            poll += 1;
            let state = self
                .send(
                    http,
                    self.request(http, reqwest::Method::GET, &format!("asyncActions/{id}"))?,
                    "GetAsyncAction",
                )
                .await?;
            if !state.status.is_success() {
                let message = format!(
                    "could not be followed: GET asyncActions/{id} answered {}",
                    state.status
                );
                return Ok(failed("could not be followed", &message));
            }
            let info = match serde_json::from_slice::<AsyncActionInfoResponse>(&state.body) {
                Ok(info) => info.data,
                Err(e) => {
                    return Ok(failed(
                        "could not be followed",
                        &format!("unreadable async action state: {e}"),
                    ))
                }
            };
            tracing::debug!(operation, action = %id, status = %info.status, "async action");
            match info.status {
                AsyncActionStatus::Succeed => return self.action_result(http, id).await,
                AsyncActionStatus::Failed => {
                    let result = self.action_result(http, id).await?;
                    if result.status.is_client_error() || result.status.is_server_error() {
                        return Ok(failed_with_result(id, result));
                    }
                    let detail =
                        serde_json::from_slice::<crate::types::ErrorResponse>(&result.body)
                            .map(|e| {
                                e.errors
                                    .iter()
                                    .map(|e| e.message.clone())
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            })
                            .unwrap_or_else(|_| {
                                String::from_utf8_lossy(&result.body)
                                    .chars()
                                    .take(200)
                                    .collect()
                            });
                    return Ok(failed("failed", &detail));
                }
                AsyncActionStatus::Canceled => {
                    return Ok(failed("was canceled", "the async action was canceled"))
                }
                // `running`, or a state this version does not know: keep waiting.
                _ if deadline.is_none_or(|deadline| Instant::now() < deadline) => {}
                _ => {
                    let cancel =
                        self.request(http, reqwest::Method::DELETE, &format!("asyncActions/{id}"))?;
                    let canceled = self
                        .send(http, cancel, "CancelAsyncAction")
                        .await
                        .is_ok_and(|a| a.status.is_success());
                    let message = format!(
                        "timed out after {:?}; {}",
                        policy.timeout,
                        if canceled {
                            "the action was canceled"
                        } else {
                            "canceling the action failed: it may still finish"
                        }
                    );
                    return Ok(failed("timed out", &message));
                }
            }
        }
    }

    fn request(
        &self,
        http: &reqwest::Client,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::Result<reqwest::Request> {
        http.request(method, format!("{}/{path}", self.base_url))
            .header(CLIENT_VERSION, self.client_version.clone())
            .header(REQUEST_ID, uuid::Uuid::new_v4().to_string())
            .header(reqwest::header::ACCEPT, "application/json")
            .build()
    }
}

/// The answer for an async action that failed: its result's own status and errors, marked
/// with the action id, so that a `404` stays a not-found error and a `401` an authentication
/// one.
fn failed_with_result(id: uuid::Uuid, result: Answer) -> Answer {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(value) = HeaderValue::from_str(&format!("async-result:{id}")) {
        headers.insert(SYNTHETIC_HEADER, value);
    }
    let body = if serde_json::from_slice::<crate::types::ErrorResponse>(&result.body).is_ok() {
        result.body
    } else {
        let text: String = String::from_utf8_lossy(&result.body)
            .chars()
            .take(200)
            .collect();
        synthetic_error_body(
            &text,
            ResponseErrorType::Unspecified,
            i32::from(result.status.as_u16()),
        )
        .into()
    };
    Answer {
        status: result.status,
        headers,
        body,
    }
}

/// An error status whose body is not VSPC's error envelope (a proxy's HTML page, plain text)
/// would reach the caller as a decoding failure without its status; it is wrapped so that the
/// caller gets the status and the body text instead.
fn keep_raw_error_bodies(answer: Answer, operation: &str) -> Answer {
    let is_error = answer.status.is_client_error() || answer.status.is_server_error();
    if !is_error || operation == TOKEN_OPERATION || answer.headers.contains_key(SYNTHETIC_HEADER) {
        return answer;
    }
    if serde_json::from_slice::<crate::types::ErrorResponse>(&answer.body).is_ok() {
        return answer;
    }
    let text = String::from_utf8_lossy(&answer.body).into_owned();
    Answer::synthetic(answer.status, "raw", &text, ResponseErrorType::Unspecified)
}

async fn read_in_full(
    http: &reqwest::Client,
    request: reqwest::Request,
) -> reqwest::Result<Answer> {
    let response = http.execute(request).await?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// Connection trouble and timeouts are worth another attempt; a certificate VSPC's chain does
/// not satisfy is not (it will not change in a second).
fn is_retryable(error: &reqwest::Error) -> bool {
    if error.is_builder() || error.is_redirect() || error.is_status() {
        return false;
    }
    let chain = format!("{error:?}").to_ascii_lowercase();
    !(chain.contains("certificate")
        || chain.contains("invalidcertificate")
        || chain.contains("unknownissuer"))
}
