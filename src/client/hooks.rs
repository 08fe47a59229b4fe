//! What happens to every request the generated client sends.
//!
//! progenitor lets the crate supply `exec`, the step that turns a built request into an answer.
//! Doing the cross-cutting work there means that each of the generated operations, and the
//! hand-written ones that reuse it, gets all of it:
//!
//! 1. headers: `X-Client-Version`; an `X-Request-id` made once per call (kept when the caller set
//!    one) and reused on every retry, so VSPC applies a retried change only once; the
//!    `Authorization` header from [`crate::client::auth`]; progenitor's own `api-version` header is
//!    dropped (VSPC reads `X-Client-Version`);
//! 2. the answer is read in full inside `exec`, so that a connection dropped mid-body counts as a
//!    failed attempt and can be retried, not as a broken result;
//! 3. retries with backoff when [`RetryPolicy`](crate::RetryPolicy) says so; one fresh sign-in
//!    on a `401` with an expired token;
//! 4. a client built to detect the console's API version
//!    ([`ClientBuilder::detect_api_version`](crate::ClientBuilder::detect_api_version)) asks
//!    for it before its first call;
//! 5. a `202 Accepted` is followed to the async action's result ([`crate::client::async_action`]);
//! 6. an error body that is not VSPC's envelope is kept for the caller (`crate::client::synthetic`).

use std::fmt::Display;
use std::future::Future;
use std::time::{Duration, Instant};

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::client::answer::{Answer, Exchange};
use crate::client::auth::AuthFailure;
use crate::client::runtime::Shared;
use crate::client::synthetic::{keep_raw_error_body, SyntheticAnswer};
use crate::client::version_detection::ABOUT_OPERATION;
use crate::model::enums::ResponseErrorType;
use crate::model::generated::Client;
use crate::model::spec_facts::SpecOperation;

pub use crate::client::runtime::Runtime;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const CLIENT_VERSION: HeaderName = HeaderName::from_static("x-client-version");
const TOKEN_OPERATION: &str = SpecOperation::OAuth2IssueToken.id();

impl ClientHooks<Runtime> for Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        // progenitor names operations in snake case (`o_auth2_issue_token`); everything past
        // this point knows them by their operationId.
        let operation = SpecOperation::from_generated_name(info.operation_id)
            .map_or(info.operation_id, SpecOperation::id);
        let answer = self.exchange(request, operation).await?;
        let answer = if operation == TOKEN_OPERATION {
            answer
        } else {
            keep_raw_error_body(answer)
        };
        Ok(answer.into_response())
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
        if shared.declared.detects() && operation != TOKEN_OPERATION && operation != ABOUT_OPERATION
        {
            if let Err(refusal) = shared.declared.resolve(self).await? {
                return Ok(refusal);
            }
        }
        prepare_headers(&mut request, shared, operation);
        let answer = shared.send(self.client(), request, operation).await?;
        if answer.status == StatusCode::ACCEPTED && shared.async_actions.follow {
            crate::client::async_action::follow(self, &shared.async_actions, answer, operation)
                .await
        } else {
            Ok(answer)
        }
    }
}

impl Exchange for Client {
    fn call(
        &self,
        operation: SpecOperation,
        path_values: &[Uuid],
    ) -> impl Future<Output = reqwest::Result<Answer>> + Send {
        let shared = &self.inner().0;
        let values: Vec<&dyn Display> = path_values.iter().map(|v| v as &dyn Display).collect();
        let request = self
            .client()
            .request(
                operation.method(),
                format!("{}{}", shared.base_url, operation.fill_path(&values)),
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .build()
            .map(|mut request| {
                prepare_headers(&mut request, shared, operation.id());
                request
            });
        async move { shared.send(self.client(), request?, operation.id()).await }
    }
}

fn prepare_headers(request: &mut reqwest::Request, shared: &Shared, operation: &str) {
    let headers = request.headers_mut();
    headers.remove("api-version");
    if !headers.contains_key(CLIENT_VERSION) {
        headers.insert(CLIENT_VERSION, shared.declared.header());
    }
    if operation != TOKEN_OPERATION && !headers.contains_key(REQUEST_ID) {
        let id = Uuid::new_v4().to_string();
        headers.insert(
            REQUEST_ID,
            HeaderValue::from_str(&id).expect("a UUID is a valid header value"),
        );
    }
}

/// What signing in before an attempt came to.
enum SignIn {
    /// Send the attempt with this `Authorization` (none for the token call or without
    /// credentials).
    Ready(Option<HeaderValue>),
    /// The sign-in failed in a way worth retrying: wait, then start the attempt again.
    Wait(Duration),
    /// The call ends here.
    End(reqwest::Result<Answer>),
}

impl Shared {
    /// Sends `request` until it gets a final answer or the retry policy gives up.
    async fn send(
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
            let authorization = match self.sign_in(http, operation, attempt, started).await {
                SignIn::Ready(authorization) => authorization,
                SignIn::Wait(wait) => {
                    tokio::time::sleep(wait).await;
                    continue;
                }
                SignIn::End(outcome) => return outcome,
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
            let outcome = Answer::read(http, sent, self.max_answer_bytes).await;
            match &outcome {
                Ok(answer) => {
                    if answer.status == StatusCode::TOO_MANY_REQUESTS {
                        self.throttle.throttled();
                    }
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
            let wait = self.retry.pause_before_retry(
                attempt,
                started,
                outcome.as_ref(),
                original.is_some(),
            );
            match wait {
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

    /// The `Authorization` for attempt `attempt` of a call that began at `started`: signing in
    /// or refreshing the token first when needed, retried like any call when the token
    /// endpoint is busy or out of reach.
    async fn sign_in(
        &self,
        http: &reqwest::Client,
        operation: &str,
        attempt: u32,
        started: Instant,
    ) -> SignIn {
        if operation == TOKEN_OPERATION {
            return SignIn::Ready(None);
        }
        let failure = match self
            .auth
            .authorization(
                http,
                &self.base_url,
                &self.declared.header(),
                self.max_answer_bytes,
            )
            .await
        {
            Ok(value) => return SignIn::Ready(value),
            Err(failure) => failure,
        };
        let outcome = match failure {
            AuthFailure::Refused(reason) => {
                tracing::warn!(operation, "sign-in refused");
                return SignIn::End(Ok(SyntheticAnswer::SignInRefused.error(
                    StatusCode::UNAUTHORIZED,
                    &reason,
                    ResponseErrorType::Security,
                )));
            }
            AuthFailure::Failed(answer) => return SignIn::End(Ok(answer)),
            AuthFailure::Transport(error) => Err(error),
            // A busy or throttling token endpoint: wait and sign in again, like any call.
            AuthFailure::Transient(answer) => {
                if answer.status == StatusCode::TOO_MANY_REQUESTS {
                    self.throttle.throttled();
                }
                tracing::info!(
                    operation,
                    status = answer.status.as_u16(),
                    "sign-in answered with a transient failure"
                );
                Ok(answer)
            }
        };
        match self
            .retry
            .pause_before_retry(attempt, started, outcome.as_ref(), true)
        {
            Some(wait) => SignIn::Wait(wait),
            None => SignIn::End(outcome),
        }
    }
}
