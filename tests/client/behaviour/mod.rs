//! The client's behaviour over real HTTP on loopback, a module per behaviour: paging, sign-in
//! and token renewal, forward-compatible enums, error answers, retries and throttling, async
//! actions, and what building a client does with what it is given.
//!
//! Many of these tests were written for mutants that survived `cargo mutants` (issue 18 item
//! 13; docs/contributing.md, "Mutation testing"): each checks what a caller sees, so that a
//! mutant of the code it covers fails it. Those that could loop for ever under a mutant (an
//! attempt counter that does not count, a sign-in repeated on every answer) are bounded by
//! [`bounded`], so that they fail instead of hanging.

mod async_actions;
mod building;
mod enums;
mod errors;
mod paging;
mod retries;
mod sign_in;

use crate::support::recorder;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use recorder::{Canned, Recorded, Recorder};
use serde_json::json;
use vspc_licensing::RetryPolicy;

type Responder = Arc<dyn Fn(&Recorded) -> Canned + Send + Sync>;

pub(crate) fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(50))
}

pub(crate) async fn bounded<T>(call: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), call)
        .await
        .expect("the call ended within 20 s")
}

pub(crate) fn paths(recorder: &Recorder) -> Vec<String> {
    recorder
        .requests()
        .iter()
        .map(|r: &Recorded| r.path.trim_start_matches("/api/v3").to_owned())
        .collect()
}

pub(crate) fn report_settings() -> Canned {
    Canned::json(200, json!({"data": {"autoApprove": false}}))
}

/// VSPC's throttling answer, asking for no wait.
pub(crate) fn throttled() -> Canned {
    Canned::json(
        429,
        json!({"errors": [{"type": "transport", "code": 429, "retryAfter": 0}]}),
    )
}

/// A server that answers every request not scripted with `503`.
pub(crate) async fn always_busy() -> Recorder {
    Recorder::with_fallback(std::sync::Arc::new(|_: &Recorded| {
        Canned::raw(503, "text/plain", b"busy")
    }))
    .await
}

pub(crate) fn quick(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(attempts)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(10))
}
