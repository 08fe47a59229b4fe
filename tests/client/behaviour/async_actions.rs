//! Async actions (a `202` and its polls): followed to the typed result, a failed or unfollowed
//! action as a typed error, the polls paced as the policy says, and an action that outlives the
//! timeout given up and canceled.

use super::Responder;
use crate::support::recorder;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use recorder::{Canned, Recorded, Recorder};
use serde_json::json;
use uuid::Uuid;
use vspc_licensing::{AsyncActionPolicy, Client, Error, Product};

/// A server that runs every PATCH as an async action: 202, then `running` twice, then the
/// given final state.
fn async_server(final_state: &'static str) -> Responder {
    let polls = Arc::new(AtomicUsize::new(0));
    Arc::new(move |r: &Recorded| {
        let id = "97431954-0dd7-472a-8cb7-d0cb0fbccaf7";
        if r.method == "PATCH" {
            return Canned::raw(202, "application/json", b"").header(
                "location",
                &format!("http://vspc.invalid/api/v3/asyncActions/{id}"),
            );
        }
        if r.path.ends_with("/result") {
            return match final_state {
                "succeed" => Canned::json(
                    200,
                    json!({"data": {"backupServerUid": Uuid::nil(), "autoUpdateEnabled": true}}),
                ),
                _ => Canned::json(
                    520,
                    json!({"errors": [{"message": "The server refused the change.", "type": "logical", "code": 7}]}),
                ),
            };
        }
        if r.path.contains("/asyncActions/") && r.method == "GET" {
            let n = polls.fetch_add(1, Ordering::SeqCst);
            let status = if n < 2 { "running" } else { final_state };
            return Canned::json(
                200,
                json!({"data": {"id": id, "initiatorUid": Uuid::nil(), "actionName": "PatchBackupServerLicense", "status": status, "queryParameters": {}}}),
            );
        }
        Canned::json(200, json!({"errors": [], "data": {}}))
    })
}

#[tokio::test]
async fn an_accepted_call_is_followed_to_its_typed_result() {
    let recorder = Recorder::with_fallback(async_server("succeed")).await;
    let policy = AsyncActionPolicy::default()
        .poll_interval(Duration::from_millis(10), Duration::from_millis(20));
    let client = Client::builder(recorder.url())
        .api_key("k")
        .async_actions(policy)
        .build()
        .unwrap();
    let license = client
        .enable_auto_update(Product::BackupServer, Uuid::nil())
        .await
        .unwrap();
    assert_eq!(license.auto_update_enabled(), Some(true));
    let paths: Vec<String> = recorder
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let id = "97431954-0dd7-472a-8cb7-d0cb0fbccaf7";
    assert_eq!(
        paths
            .iter()
            .filter(|p| p.as_str() == format!("GET /api/v3/asyncActions/{id}"))
            .count(),
        3,
        "{paths:?}"
    );
    assert_eq!(
        paths.last().unwrap(),
        &format!("GET /api/v3/asyncActions/{id}/result")
    );
}

#[tokio::test]
async fn a_failed_or_unfollowed_async_action_is_a_typed_error() {
    let policy = AsyncActionPolicy::default()
        .poll_interval(Duration::from_millis(10), Duration::from_millis(20));
    let recorder = Recorder::with_fallback(async_server("failed")).await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .async_actions(policy)
        .build()
        .unwrap();
    match client
        .enable_auto_update(Product::BackupServer, Uuid::nil())
        .await
        .unwrap_err()
    {
        Error::AsyncAction {
            operation,
            action_id,
            outcome,
            errors,
            ..
        } => {
            assert_eq!(operation, "PatchBackupServerLicense");
            assert_eq!(action_id, "97431954-0dd7-472a-8cb7-d0cb0fbccaf7");
            assert_eq!(outcome, "failed");
            assert!(
                errors[0].message.contains("The server refused the change."),
                "{errors:?}"
            );
        }
        other => panic!("{other:?}"),
    }

    let recorder = Recorder::with_fallback(async_server("succeed")).await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .async_actions(AsyncActionPolicy::manual())
        .build()
        .unwrap();
    let err = client
        .enable_auto_update(Product::BackupServer, Uuid::nil())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Accepted { location, .. } if location.ends_with("97431954-0dd7-472a-8cb7-d0cb0fbccaf7")),
        "{err:?}"
    );
    assert_eq!(recorder.requests().len(), 1);
}

#[tokio::test]
async fn an_async_action_that_outlives_the_timeout_is_canceled() {
    let recorder = Recorder::with_fallback(async_server("running")).await;
    let policy = AsyncActionPolicy::default()
        .poll_interval(Duration::from_millis(10), Duration::from_millis(20))
        .timeout(Duration::from_millis(200));
    let client = Client::builder(recorder.url())
        .api_key("k")
        .async_actions(policy)
        .build()
        .unwrap();
    let err = client
        .enable_auto_update(Product::BackupServer, Uuid::nil())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::AsyncAction { outcome, .. } if outcome == "timed out"),
        "{err:?}"
    );
    assert!(err.to_string().contains("timed out"), "{err}");
    let last = recorder.requests().pop().unwrap();
    assert_eq!(
        (last.method.as_str(), last.path.as_str()),
        (
            "DELETE",
            "/api/v3/asyncActions/97431954-0dd7-472a-8cb7-d0cb0fbccaf7"
        )
    );
}

const ACTION: &str = "97431954-0dd7-472a-8cb7-d0cb0fbccaf7";

/// A console that runs every PATCH as an async action still running for the first `running`
/// polls.
async fn console(running: usize) -> Recorder {
    let polls = Arc::new(AtomicUsize::new(0));
    Recorder::with_fallback(Arc::new(move |r: &Recorded| {
        if r.method == "PATCH" {
            return Canned::raw(202, "application/json", b"")
                .header("location", &format!("/api/v3/asyncActions/{ACTION}"));
        }
        if r.path.ends_with("/result") {
            return Canned::json(
                200,
                json!({"data": {"backupServerUid": Uuid::nil(), "autoUpdateEnabled": true}}),
            );
        }
        let n = polls.fetch_add(1, Ordering::SeqCst);
        let status = if n < running { "running" } else { "succeed" };
        Canned::json(
            200,
            json!({"data": {"id": ACTION, "initiatorUid": Uuid::nil(), "actionName": "PatchBackupServerLicense", "status": status, "queryParameters": {}}}),
        )
    }))
    .await
}

#[tokio::test]
async fn polls_follow_the_interval_given() {
    let recorder = console(30).await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .async_actions(
            AsyncActionPolicy::default()
                .poll_interval(Duration::from_millis(5), Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    // With the default pacing (100 ms growing to 5 s) thirty polls take well over a minute.
    let license = tokio::time::timeout(
        Duration::from_secs(10),
        client.enable_auto_update(Product::BackupServer, Uuid::nil()),
    )
    .await
    .expect("thirty polls 5 ms apart end within seconds")
    .unwrap();
    assert_eq!(license.auto_update_enabled(), Some(true));
    assert!(started.elapsed() < Duration::from_secs(10));
    let polls = recorder
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with(ACTION))
        .count();
    assert_eq!(polls, 31);
}

#[tokio::test]
async fn a_longest_pause_shorter_than_the_first_is_raised_to_it() {
    let recorder = console(3).await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .async_actions(
            AsyncActionPolicy::default()
                .poll_interval(Duration::from_millis(150), Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    client
        .enable_auto_update(Product::BackupServer, Uuid::nil())
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(3 * 150),
        "three pauses of at least the first: {:?}",
        started.elapsed()
    );
}

#[test]
fn a_policy_says_whether_it_follows() {
    assert!(AsyncActionPolicy::default().follows());
    assert!(AsyncActionPolicy::default()
        .timeout(Duration::from_secs(1))
        .poll_interval(Duration::from_millis(1), Duration::from_millis(2))
        .follows());
    assert!(!AsyncActionPolicy::manual().follows());
}

/// An action that never ends is given up after the policy's timeout, not the default ten
/// minutes.
#[tokio::test]
async fn an_action_that_never_ends_is_given_up_after_the_timeout_given() {
    let recorder = console(usize::MAX).await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .async_actions(
            AsyncActionPolicy::default()
                .poll_interval(Duration::from_millis(5), Duration::from_millis(5))
                .timeout(Duration::from_millis(300)),
        )
        .build()
        .unwrap();
    let error = tokio::time::timeout(
        Duration::from_secs(10),
        client.enable_auto_update(Product::BackupServer, Uuid::nil()),
    )
    .await
    .expect("given up after 300 ms")
    .unwrap_err();
    assert!(error.to_string().contains("timed out"), "{error}");
}
