//! When and how long to wait before sending a call again.
//!
//! A retried call is safe because every attempt carries the same `X-Request-id` (see
//! [`crate::client::hooks`]): VSPC applies a request id once within five minutes and answers repeats with
//! the first result, so a retried PATCH, PUT, POST or DELETE is never applied twice.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

use crate::client::answer::Answer;
use crate::client::synthetic::SyntheticAnswer;
use crate::client::tls::{tls_trouble, TlsTrouble};
use crate::model::enums::ResponseErrorType;
use crate::model::generated::types::ErrorResponse;

/// How the client retries failed attempts of one call.
///
/// Retried: connection errors, timeouts, a dropped or truncated answer, `429`, `502`, `503`,
/// `504`, and a `520` whose errors say `retryableLogical`. Never retried: other 4xx, and `520`
/// with `logical` or `security` errors.
///
/// ```
/// use std::time::Duration;
/// use vspc_licensing::RetryPolicy;
/// let patient = RetryPolicy::default().max_attempts(8).deadline(Duration::from_secs(300));
/// assert_eq!(patient.attempts(), 8);
/// ```
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    deadline: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, backoff from 200 ms doubling up to 10 s with jitter, 2 minutes in all, a
    /// server's `Retry-After` honoured up to 60 s.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            deadline: Duration::from_secs(120),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before the first retry; it doubles for each further one.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest wait between two attempts.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// No retry starts later than this after the call began.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The longest `Retry-After` the client waits for; a longer one ends the call.
    pub fn max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
    }

    /// Attempts in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The overall deadline.
    pub fn overall_deadline(&self) -> Duration {
        self.deadline
    }

    /// The wait before attempt `attempt + 1` (1-based `attempt`): exponential, with "equal
    /// jitter" (half fixed, half random) so that many clients retrying at once spread out.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(16);
        let base = self
            .initial_backoff
            .saturating_mul(1 << exponent)
            .min(self.max_backoff);
        let half = base / 2;
        half + half.mul_f64(fastrand::f64())
    }

    /// How long to wait given a server's `Retry-After`, or `None` when it asks too much.
    pub(crate) fn honour_retry_after(&self, asked: Duration) -> Option<Duration> {
        (asked <= self.max_retry_after).then_some(asked)
    }

    /// The wait before the next attempt of a call that began at `started`, after attempt
    /// `attempt` (1-based) ended with `outcome`; `None` when this outcome is final: it is not
    /// worth retrying, the request cannot be sent again (`can_resend`), the attempts are used
    /// up, the server asks for too long a wait, or the wait would end past the deadline.
    pub(crate) fn pause_before_retry(
        &self,
        attempt: u32,
        started: Instant,
        outcome: Result<&Answer, &reqwest::Error>,
        can_resend: bool,
    ) -> Option<Duration> {
        let server_wait = match outcome {
            // The client ended the call itself (an answer too large, a redirect it does not
            // follow): sending again would end the same way.
            Ok(answer) if SyntheticAnswer::stopped_by_client(&answer.headers) => return None,
            Ok(answer) => match classify(answer.status, &answer.headers, &answer.body) {
                Verdict::Final => return None,
                Verdict::Retry(after) => after,
            },
            Err(error) if is_retryable(error) => None,
            Err(_) => return None,
        };
        if !can_resend || attempt >= self.attempts() {
            return None;
        }
        let wait = match server_wait {
            Some(asked) => self.honour_retry_after(asked)?,
            None => self.backoff(attempt),
        };
        (started.elapsed().saturating_add(wait) < self.overall_deadline()).then_some(wait)
    }
}

/// Connection trouble and timeouts are worth another attempt; a certificate VSPC's chain does
/// not satisfy is not (it will not change in a second), nor is a request that could not be built.
pub(crate) fn is_retryable(error: &reqwest::Error) -> bool {
    !(error.is_builder()
        || error.is_redirect()
        || error.is_status()
        || tls_trouble(error) == TlsTrouble::Certificate)
}

/// What an answer means for the retry loop.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Hand the answer to the caller.
    Final,
    /// Try again, after the server's `Retry-After` if it gave one.
    Retry(Option<Duration>),
}

/// Classifies an answer by status, headers and (for 520) the error types in its body.
pub(crate) fn classify(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Verdict {
    match status.as_u16() {
        429 | 502 | 503 | 504 => {
            Verdict::Retry(retry_after(headers).or_else(|| retry_after_in_body(body)))
        }
        520 => {
            let retryable = serde_json::from_slice::<ErrorResponse>(body).is_ok_and(|envelope| {
                !envelope.errors.is_empty()
                    && envelope
                        .errors
                        .iter()
                        .all(|e| e.type_ == ResponseErrorType::RetryableLogical)
            });
            if retryable {
                Verdict::Retry(retry_after(headers))
            } else {
                Verdict::Final
            }
        }
        _ => Verdict::Final,
    }
}

/// The wait a throttling console puts in its error body (`errors[].retryAfter`, seconds) instead
/// of a `Retry-After` header; the longest one when several errors carry it.
pub(crate) fn retry_after_in_body(body: &[u8]) -> Option<Duration> {
    let envelope = serde_json::from_slice::<ErrorResponse>(body).ok()?;
    envelope
        .errors
        .iter()
        .filter_map(|e| e.retry_after)
        .map(|seconds| Duration::from_secs(u64::try_from(seconds).unwrap_or(0)))
        .max()
}

/// Reads `Retry-After` as seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_grows_and_stays_bounded() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_secs(1));
        for attempt in 1..10 {
            let wait = policy.backoff(attempt);
            let base = Duration::from_millis(100 * (1 << (attempt - 1).min(16)))
                .min(Duration::from_secs(1));
            assert!(
                wait >= base / 2 && wait <= base,
                "attempt {attempt}: {wait:?} outside [{:?}, {base:?}]",
                base / 2
            );
        }
    }

    #[test]
    fn only_retryable_logical_520_is_retried() {
        let body = |t: &str| {
            format!(r#"{{"errors":[{{"message":"m","type":"{t}","code":1}}]}}"#).into_bytes()
        };
        let none = HeaderMap::new();
        let status = StatusCode::from_u16(520).unwrap();
        assert_eq!(
            classify(status, &none, &body("retryableLogical")),
            Verdict::Retry(None)
        );
        assert_eq!(classify(status, &none, &body("logical")), Verdict::Final);
        assert_eq!(classify(status, &none, &body("security")), Verdict::Final);
        assert_eq!(classify(status, &none, b"<html>"), Verdict::Final);
        assert_eq!(
            classify(StatusCode::BAD_REQUEST, &none, &body("retryableLogical")),
            Verdict::Final
        );
    }

    #[test]
    fn a_throttling_body_without_message_or_header_gives_its_wait() {
        let body = br#"{"errors":[{"type":"transport","code":429,"retryAfter":2}]}"#;
        let none = HeaderMap::new();
        assert_eq!(
            classify(StatusCode::TOO_MANY_REQUESTS, &none, body),
            Verdict::Retry(Some(Duration::from_secs(2)))
        );
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("5"));
        assert_eq!(
            classify(StatusCode::TOO_MANY_REQUESTS, &headers, body),
            Verdict::Retry(Some(Duration::from_secs(5))),
            "the header, when there is one, wins"
        );
        assert_eq!(
            classify(
                StatusCode::TOO_MANY_REQUESTS,
                &none,
                br#"{"errors":[{"type":"transport","code":429}]}"#
            ),
            Verdict::Retry(None)
        );
        assert_eq!(
            classify(
                StatusCode::TOO_MANY_REQUESTS,
                &none,
                br#"{"errors":[{"type":"transport","code":429,"retryAfter":-3}]}"#
            ),
            Verdict::Retry(Some(Duration::ZERO))
        );
    }

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(
            classify(StatusCode::TOO_MANY_REQUESTS, &headers, b""),
            Verdict::Retry(Some(Duration::from_secs(3)))
        );
        let later = (chrono::Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(&later).unwrap());
        let wait = retry_after(&headers).unwrap();
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert_eq!(
            RetryPolicy::default()
                .max_retry_after(Duration::from_secs(10))
                .honour_retry_after(wait),
            None
        );
    }
}
