//! Following calls that VSPC runs asynchronously.
//!
//! VSPC may answer any licensing call with `202 Accepted` and a `Location` naming an async
//! action. By default the client follows it: it polls `GET /asyncActions/{id}` with backoff until
//! the action succeeds, fails or is canceled, then reads `GET /asyncActions/{id}/result` and
//! returns that as the call's own typed result. The client's hooks ([`crate::client::hooks`]) follow
//! every `202` this way, so every operation gets it without code of its own.
//!
//! Dropping the call's future stops polling. To stop the action itself, call
//! [`Client::cancel_async_action`](crate::Client::cancel_async_action) with its id (an
//! [`Error::Accepted`](crate::Error::Accepted) or [`Error::AsyncAction`](crate::Error::AsyncAction)
//! carries it). When the wait exceeds [`AsyncActionPolicy::timeout`], the client asks the server
//! to cancel the action (so that it cannot apply later, unseen) and reports the timeout.

use std::time::{Duration, Instant};

use reqwest::header::LOCATION;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::client::answer::{body_excerpt, Answer, Exchange};
use crate::client::synthetic::{error_envelope, is_error_envelope, AsyncOutcome, SyntheticAnswer};
use crate::model::enums::{AsyncActionStatus, ResponseErrorType};
use crate::model::generated::types::{AsyncActionInfoResponse, ErrorResponse};
use crate::model::spec_facts::SpecOperation;

/// How the client treats `202 Accepted`.
///
/// ```
/// use std::time::Duration;
/// use vspc_licensing::AsyncActionPolicy;
/// let policy = AsyncActionPolicy::default().timeout(Duration::from_secs(30));
/// assert!(policy.follows());
/// assert!(!AsyncActionPolicy::manual().follows());
/// ```
#[derive(Clone, Debug)]
pub struct AsyncActionPolicy {
    pub(crate) follow: bool,
    pub(crate) first_poll: Duration,
    pub(crate) max_poll: Duration,
    pub(crate) timeout: Duration,
}

impl Default for AsyncActionPolicy {
    /// Follow; poll after 100 ms, then 1.5 times longer each time up to 5 s; give up after 10
    /// minutes.
    fn default() -> Self {
        AsyncActionPolicy {
            follow: true,
            first_poll: Duration::from_millis(100),
            max_poll: Duration::from_secs(5),
            timeout: Duration::from_secs(600),
        }
    }
}

impl AsyncActionPolicy {
    /// Do not follow: a `202` ends the call with [`Error::Accepted`](crate::Error::Accepted).
    pub fn manual() -> Self {
        AsyncActionPolicy {
            follow: false,
            ..AsyncActionPolicy::default()
        }
    }

    /// The longest wait for an action to finish; `Duration::MAX` waits as long as it takes.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The first and the longest pause between two polls.
    pub fn poll_interval(mut self, first: Duration, max: Duration) -> Self {
        self.first_poll = first;
        self.max_poll = max.max(first);
        self
    }

    /// Whether `202` answers are followed.
    pub fn follows(&self) -> bool {
        self.follow
    }

    pub(crate) fn pause(&self, poll: u32) -> Duration {
        // Checked: a caller's huge first pause times 1.5^n must cap at the maximum, not panic.
        let factor = 1.5f64.powi(poll.min(30) as i32);
        Duration::try_from_secs_f64(self.first_poll.as_secs_f64() * factor)
            .unwrap_or(Duration::MAX)
            .min(self.max_poll)
    }
}

/// Polls the async action the `202` answer `accepted` names until it ends, then returns its
/// result as the answer to the original call, or a made-up answer saying how the action ended
/// ([`SyntheticAnswer::AsyncAction`], [`SyntheticAnswer::AsyncActionResult`]). An answer
/// without a readable `Location` is returned as it is (the caller reports the `202`).
pub(crate) async fn follow(
    exchange: &impl Exchange,
    policy: &AsyncActionPolicy,
    accepted: Answer,
    operation: &str,
) -> reqwest::Result<Answer> {
    let named = accepted
        .headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(action_id_from_location);
    let Some(id) = named else {
        return Ok(accepted);
    };
    // A timeout too long to add to the clock (`Duration::MAX`) means no deadline.
    let deadline = Instant::now().checked_add(policy.timeout);
    let mut poll = 0;
    loop {
        tokio::time::sleep(policy.pause(poll)).await;
        poll += 1;
        let status = match state(exchange, id).await? {
            Ok(status) => status,
            Err(unreadable) => return Ok(unreadable),
        };
        tracing::debug!(operation, action = %id, %status, "async action");
        match status {
            AsyncActionStatus::Succeed => return action_result(exchange, id).await,
            AsyncActionStatus::Failed => return failure(exchange, id).await,
            AsyncActionStatus::Canceled => {
                return Ok(verdict(
                    id,
                    AsyncOutcome::Canceled,
                    "the async action was canceled",
                ))
            }
            // `running`, or a state this version does not know: keep waiting.
            _ if deadline.is_none_or(|deadline| Instant::now() < deadline) => {}
            _ => return give_up(exchange, policy, id).await,
        }
    }
}

/// `GET /asyncActions/{id}`: the action's status, or the answer that ends the call when it
/// cannot be read.
async fn state(
    exchange: &impl Exchange,
    id: Uuid,
) -> reqwest::Result<Result<AsyncActionStatus, Answer>> {
    let operation = SpecOperation::GetAsyncAction;
    let answer = exchange.call(operation, &[id]).await?;
    if SyntheticAnswer::stopped_by_client(&answer.headers) {
        // The client ended the poll itself (an answer too large, a redirect): the caller
        // gets that.
        return Ok(Err(answer));
    }
    if !answer.status.is_success() {
        let message = format!(
            "could not be followed: {} {} answered {}",
            operation.method(),
            operation.fill_path(&[&id]),
            answer.status
        );
        return Ok(Err(verdict(id, AsyncOutcome::NotFollowed, &message)));
    }
    Ok(
        match serde_json::from_slice::<AsyncActionInfoResponse>(&answer.body) {
            Ok(info) => Ok(info.data.status),
            Err(e) => Err(verdict(
                id,
                AsyncOutcome::NotFollowed,
                &format!("unreadable async action state: {e}"),
            )),
        },
    )
}

/// `GET /asyncActions/{id}/result`: what a finished action produced (or why it failed).
async fn action_result(exchange: &impl Exchange, id: Uuid) -> reqwest::Result<Answer> {
    exchange
        .call(SpecOperation::GetAsyncActionResult, &[id])
        .await
}

/// The answer for an action that failed: its result's own status and errors when the result
/// is an error (so that a `404` stays a not-found error and a `401` an authentication one),
/// otherwise the client's verdict with what the result said.
async fn failure(exchange: &impl Exchange, id: Uuid) -> reqwest::Result<Answer> {
    let result = action_result(exchange, id).await?;
    if SyntheticAnswer::stopped_by_client(&result.headers) {
        return Ok(result);
    }
    if result.is_error() {
        let body = if is_error_envelope(&result.body) {
            result.body
        } else {
            error_envelope(
                &body_excerpt(&result.body),
                ResponseErrorType::Unspecified,
                result.status,
            )
        };
        return Ok(SyntheticAnswer::AsyncActionResult { id }.encode(result.status, body));
    }
    let detail = match serde_json::from_slice::<ErrorResponse>(&result.body) {
        Ok(envelope) => envelope
            .errors
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        Err(_) => body_excerpt(&result.body),
    };
    Ok(verdict(id, AsyncOutcome::Failed, &detail))
}

/// Asks the server to cancel an action that ran past the timeout (so that it cannot apply
/// later, unseen) and reports the timeout.
async fn give_up(
    exchange: &impl Exchange,
    policy: &AsyncActionPolicy,
    id: Uuid,
) -> reqwest::Result<Answer> {
    let canceled = exchange
        .call(SpecOperation::CancelAsyncAction, &[id])
        .await
        .is_ok_and(|answer| answer.status.is_success());
    let message = format!(
        "timed out after {:?}; {}",
        policy.timeout,
        if canceled {
            "the action was canceled"
        } else {
            "canceling the action failed: it may still finish"
        }
    );
    Ok(verdict(id, AsyncOutcome::TimedOut, &message))
}

/// The client's own verdict on an action, as VSPC's server error.
fn verdict(id: Uuid, outcome: AsyncOutcome, message: &str) -> Answer {
    SyntheticAnswer::AsyncAction { id, outcome }.error(
        StatusCode::from_u16(520).expect("520 is a valid status"),
        message,
        ResponseErrorType::Logical,
    )
}

/// The action id in a `Location` such as `https://vspc:1280/api/v3/asyncActions/97431954-...`.
pub(crate) fn action_id_from_location(location: &str) -> Option<Uuid> {
    let path = location.split(['?', '#']).next()?;
    let (_, id) = path
        .trim_end_matches('/')
        .rsplit_once(SpecOperation::GetAsyncAction.path_prefix())?;
    id.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_ids_are_read_from_absolute_and_relative_locations() {
        let id = "97431954-0dd7-472a-8cb7-d0cb0fbccaf7";
        for location in [
            format!("https://vspc:1280/api/v3/asyncActions/{id}"),
            format!("/api/v3/asyncActions/{id}/"),
            format!("http://127.0.0.1:9/api/v3/asyncActions/{id}?x=1"),
        ] {
            assert_eq!(
                action_id_from_location(&location).unwrap().to_string(),
                id,
                "{location}"
            );
        }
        assert!(action_id_from_location("https://vspc/api/v3/asyncActions/not-a-uuid").is_none());
        assert!(action_id_from_location("https://vspc/api/v3/licensing/console").is_none());
    }

    #[test]
    fn polling_slows_down_to_the_maximum() {
        let policy = AsyncActionPolicy::default()
            .poll_interval(Duration::from_millis(100), Duration::from_secs(1));
        assert_eq!(policy.pause(0), Duration::from_millis(100));
        assert!(policy.pause(1) > policy.pause(0));
        assert_eq!(policy.pause(50), Duration::from_secs(1));
        let huge = AsyncActionPolicy::default().poll_interval(Duration::MAX, Duration::MAX);
        assert_eq!(huge.pause(30), Duration::MAX, "capped, not a panic");
    }
}
