//! How the client paces its polls of an async action, and what a policy says it does (issue
//! 18 item 13: mutation testing of `src/client/async_action.rs`; following, `manual` and the timeout
//! are checked against a console in client_behaviour.rs).

use crate::support::recorder;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use recorder::{Canned, Recorded, Recorder};
use serde_json::json;
use uuid::Uuid;
use vspc_licensing::{AsyncActionPolicy, Client, Product};

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
