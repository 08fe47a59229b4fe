//! What every call goes through (mutation testing of `src/client/hooks.rs`): a proxy's error
//! page on a generated call is kept as text, version detection stays out of the calls that do
//! not need it, `429`s are counted and only they, and each attempt is sent once.
//!
//! Every test here is bounded by [`bounded`]: a mutant that loops (an attempt counter that does
//! not count, a sign-in repeated on every answer) fails the test instead of hanging it.

use std::future::Future;
use std::time::Duration;

use crate::support::recorder;

use recorder::{Canned, Recorded, Recorder};
use serde_json::json;
use vspc_licensing::{Client, Error, RetryPolicy};

async fn bounded<T>(call: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), call)
        .await
        .expect("the call ended within 20 s")
}

fn paths(recorder: &Recorder) -> Vec<String> {
    recorder
        .requests()
        .iter()
        .map(|r: &Recorded| r.path.trim_start_matches("/api/v3").to_owned())
        .collect()
}

fn report_settings() -> Canned {
    Canned::json(200, json!({"data": {"autoApprove": false}}))
}

/// VSPC's throttling answer, asking for no wait.
fn throttled() -> Canned {
    Canned::json(
        429,
        json!({"errors": [{"type": "transport", "code": 429, "retryAfter": 0}]}),
    )
}

/// A server that answers every request not scripted with `503`.
async fn always_busy() -> Recorder {
    Recorder::with_fallback(std::sync::Arc::new(|_: &Recorded| {
        Canned::raw(503, "text/plain", b"busy")
    }))
    .await
}

fn quick(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(attempts)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(10))
}

#[tokio::test]
async fn a_proxy_error_page_on_a_generated_call_is_kept_as_its_text() {
    let recorder = Recorder::start().await;
    recorder.push([Canned::raw(404, "text/html", b"<html>No such route</html>")]);
    let client = Client::builder(recorder.url())
        .api_key("k")
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = bounded(client.license_report_settings()).await.unwrap_err();
    match &err {
        Error::UnexpectedStatus { status, body, .. } => {
            assert_eq!(status.as_u16(), 404);
            assert_eq!(body.as_ref(), b"<html>No such route</html>");
        }
        other => panic!("the page is kept, not a decode failure: {other:?}"),
    }
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn a_client_declaring_a_version_of_its_own_sends_it_without_detecting() {
    let recorder = Recorder::start().await;
    recorder.push([report_settings()]);
    let client = Client::builder(recorder.url())
        .api_key("k")
        .client_version("3.9")
        .build()
        .unwrap();
    bounded(client.license_report_settings()).await.unwrap();
    let sent = recorder.requests();
    assert_eq!(paths(&recorder), ["/licensing/reports/settings"]);
    assert_eq!(sent[0].header("x-client-version"), Some("3.9"));
}

#[tokio::test]
async fn a_detecting_client_asked_for_about_first_reads_it_once() {
    let recorder = Recorder::start().await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .detect_api_version()
        .build()
        .unwrap();
    let about = bounded(client.get_about_information().send()).await;
    assert!(about.is_ok(), "{about:?}");
    assert_eq!(
        paths(&recorder),
        ["/about"],
        "the About call is itself the question; it does not detect first"
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

#[tokio::test]
async fn a_signed_in_call_is_sent_once_with_one_sign_in() {
    let recorder = Recorder::start().await;
    recorder.push([Canned::token("t1", 3600), report_settings()]);
    let client = Client::builder(recorder.url())
        .credentials("ops", "pw")
        .build()
        .unwrap();
    bounded(client.license_report_settings()).await.unwrap();
    assert_eq!(paths(&recorder), ["/token", "/licensing/reports/settings"]);
    assert_eq!(
        recorder.requests()[1].header("authorization"),
        Some("Bearer t1")
    );
}

#[tokio::test]
async fn an_api_key_call_refused_401_is_not_signed_in_again() {
    let recorder = Recorder::start().await;
    recorder.push([Canned::json(
        401,
        json!({"errors": [{"message": "bad key", "type": "security", "code": 401}]}),
    )]);
    let client = Client::builder(recorder.url())
        .api_key("k")
        .build()
        .unwrap();
    let err = bounded(client.license_report_settings()).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401), "{err:?}");
    assert_eq!(
        recorder.requests().len(),
        1,
        "an API key has no token to renew"
    );
}

#[tokio::test]
async fn signing_in_again_after_a_401_does_not_use_up_an_attempt() {
    let recorder = always_busy().await;
    let expired = Canned::json(
        401,
        json!({"errors": [{"message": "token expired", "type": "security", "code": 401}]}),
    );
    recorder.push([
        Canned::token("t1", 3600),
        expired,
        Canned::token("t2", 3600),
    ]);
    let client = Client::builder(recorder.url())
        .credentials("ops", "pw")
        .retry_policy(quick(3))
        .build()
        .unwrap();
    let err = bounded(client.license_report_settings()).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
    let calls = paths(&recorder)
        .iter()
        .filter(|p| *p == "/licensing/reports/settings")
        .count();
    assert_eq!(
        calls,
        1 + 3,
        "the refused attempt, then the policy's 3 with the new token"
    );
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
