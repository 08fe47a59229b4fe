//! When the client waits and sends again: one request id for every attempt, `Retry-After`
//! honoured (and a longer wait than allowed ends the call), the last answer reported when the
//! attempts run out, a redirect loop not retried; and which answers count as throttling.

use super::{always_busy, bounded, quick, quick_retries, report_settings, throttled};
use crate::support::recorder;

use std::sync::Arc;
use std::time::{Duration, Instant};

use recorder::{Canned, Recorded, Recorder};
use serde_json::json;
use uuid::Uuid;
use vspc_licensing::{Client, Error, Product, RetryPolicy};

#[tokio::test]
async fn retries_reuse_one_request_id_and_honour_retry_after() {
    let recorder = Recorder::start().await;
    recorder.push([
        Canned::json(
            520,
            json!({"errors": [{"message": "busy", "type": "retryableLogical", "code": 1}]}),
        ),
        Canned::raw(503, "text/plain", b"maintenance"),
        Canned::json(
            429,
            json!({"errors": [{"message": "slow down", "type": "logical", "code": 429}]}),
        )
        .header("retry-after", "1"),
    ]);
    let client = Client::builder(recorder.url())
        .api_key("k")
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let started = Instant::now();
    client
        .enable_auto_update(Product::BackupServer, Uuid::nil())
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was honoured"
    );
    let requests = recorder.requests();
    assert_eq!(requests.len(), 4);
    let ids: std::collections::HashSet<_> = requests
        .iter()
        .map(|r| r.header("x-request-id").unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 1, "one logical call, one X-Request-id: {ids:?}");
}

#[tokio::test]
async fn when_retries_run_out_the_last_answer_is_reported() {
    let recorder = Recorder::with_fallback(Arc::new(|_: &Recorded| {
        Canned::raw(503, "text/html", b"<html>Service Unavailable</html>")
    }))
    .await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .retry_policy(quick_retries().max_attempts(3))
        .build()
        .unwrap();
    let err = client.license(Product::Console, None).await.unwrap_err();
    match &err {
        Error::UnexpectedStatus { status, body, .. } => {
            assert_eq!(status.as_u16(), 503);
            assert!(String::from_utf8_lossy(body).contains("Service Unavailable"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(recorder.requests().len(), 3);
}

#[tokio::test]
async fn a_call_that_keeps_failing_is_sent_as_often_as_the_policy_allows_and_no_more() {
    let recorder = always_busy().await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .retry_policy(quick(3).deadline(Duration::from_secs(600)))
        .build()
        .unwrap();
    let err = bounded(client.license_report_settings()).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
    assert_eq!(recorder.requests().len(), 3);
}

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

#[tokio::test]
async fn only_429_answers_count_as_throttling() {
    let recorder = Recorder::start().await;
    recorder.push([report_settings()]);
    let client = Client::builder(recorder.url())
        .api_key("k")
        .build()
        .unwrap();
    bounded(client.license_report_settings()).await.unwrap();
    assert_eq!(client.throttled_answers(), 0, "a 200 is not throttling");

    recorder.push([throttled(), report_settings()]);
    bounded(client.license_report_settings()).await.unwrap();
    assert_eq!(client.throttled_answers(), 1);
}

#[tokio::test]
async fn a_throttled_sign_in_counts_as_throttling_and_a_busy_one_does_not() {
    let recorder = Recorder::start().await;
    for (failed_sign_in, counted) in [
        (Canned::raw(503, "text/plain", b"busy"), 0),
        (throttled(), 1),
    ] {
        recorder.push([failed_sign_in, Canned::token("t1", 3600), report_settings()]);
        let client = Client::builder(recorder.url())
            .credentials("ops", "pw")
            .retry_policy(quick(3))
            .build()
            .unwrap();
        bounded(client.license_report_settings()).await.unwrap();
        assert_eq!(client.throttled_answers(), counted);
    }
}
