//! When the client waits and sends again (mutation testing of `src/client/retry.rs`).

use std::time::Duration;

use crate::support::recorder;

use recorder::{Canned, Recorded, Recorder};
use serde_json::json;
use vspc_licensing::{Client, Error, RetryPolicy};

/// One call under `policy` against `recorder`, which must fail (within 20 s).
async fn failed_call(recorder: &Recorder, policy: RetryPolicy) -> Error {
    let client = Client::builder(recorder.url())
        .api_key("k")
        .retry_policy(policy)
        .build()
        .unwrap();
    tokio::time::timeout(Duration::from_secs(20), client.license_report_settings())
        .await
        .expect("the call ends")
        .unwrap_err()
}

#[tokio::test]
async fn a_console_asking_for_a_longer_wait_than_allowed_ends_the_call_at_once() {
    let recorder = Recorder::with_fallback(std::sync::Arc::new(|_: &Recorded| {
        Canned::json(
            429,
            json!({"errors": [{"type": "transport", "code": 429, "retryAfter": 2}]}),
        )
    }))
    .await;
    let policy = RetryPolicy::default()
        .max_attempts(4)
        .max_retry_after(Duration::from_secs(1));
    let err = failed_call(&recorder, policy).await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429), "{err:?}");
    assert_eq!(
        recorder.requests().len(),
        1,
        "2 s asked, 1 s allowed: no retry"
    );
}

/// A console (or a proxy) that redirects in a loop: reqwest gives up after its redirect limit,
/// and that is final: sending the call again would only loop again.
#[tokio::test]
async fn a_redirect_loop_is_not_retried() {
    let recorder = Recorder::with_fallback(std::sync::Arc::new(|request: &Recorded| {
        Canned::raw(302, "text/plain", b"").header("location", &request.path)
    }))
    .await;
    let mut requests = Vec::new();
    for policy in [
        RetryPolicy::none(),
        RetryPolicy::default()
            .max_attempts(3)
            .initial_backoff(Duration::from_millis(5))
            .max_backoff(Duration::from_millis(10)),
    ] {
        recorder.take();
        let err = failed_call(&recorder, policy).await;
        assert!(err.to_string().contains("redirect"), "{err}");
        requests.push(recorder.requests().len());
    }
    assert!(requests[0] > 1, "the redirects were followed: {requests:?}");
    assert_eq!(
        requests[0], requests[1],
        "with retries allowed, still one attempt"
    );
}
