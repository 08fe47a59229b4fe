//! The simulator reachable by others (issue 28, finding 6): credentials that are given replace
//! the built-in ones, slow or idle connections are closed, the connections served at once are
//! capped, what it keeps in memory is bounded, and settings it cannot run with are refused at
//! start.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use vspc_licensing::simulator::{
    AsyncOperations, Simulator, SimulatorConfig, SimulatorError, SimulatorHandle, DEFAULT_API_KEY,
    DEFAULT_PASSWORD, DEFAULT_READ_ONLY_API_KEY, DEFAULT_USER,
};

use crate::support::http_client;

async fn start(config: SimulatorConfig) -> SimulatorHandle {
    Simulator::start(config).await.expect("simulator starts")
}

/// The status of a listing read with `token`.
async fn read_with(sim: &SimulatorHandle, token: &str) -> StatusCode {
    http_client()
        .get(format!(
            "{}/licensing/backupServers?limit=1",
            sim.base_url()
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

/// The status of a password sign-in.
async fn sign_in(sim: &SimulatorHandle, user: &str, password: &str) -> StatusCode {
    http_client()
        .post(format!("{}/token", sim.base_url()))
        .form(&[
            ("grant_type", "password"),
            ("username", user),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

/// Every built-in credential is refused, whichever kind of credential was given.
async fn assert_no_built_in_credential(sim: &SimulatorHandle) {
    assert_eq!(read_with(sim, DEFAULT_API_KEY).await, 401);
    assert_eq!(read_with(sim, DEFAULT_READ_ONLY_API_KEY).await, 401);
    assert_eq!(sign_in(sim, DEFAULT_USER, DEFAULT_PASSWORD).await, 400);
}

#[tokio::test]
async fn a_given_api_key_replaces_every_built_in_credential() {
    let sim = start(SimulatorConfig::default().api_key("chosen-key")).await;
    assert_eq!(read_with(&sim, "chosen-key").await, 200);
    assert_no_built_in_credential(&sim).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn a_given_user_or_read_only_key_replaces_every_built_in_credential() {
    let sim = start(SimulatorConfig::default().user("ops", "ops-password")).await;
    assert_eq!(sign_in(&sim, "ops", "ops-password").await, 200);
    assert_no_built_in_credential(&sim).await;
    sim.shutdown().await;

    let sim = start(SimulatorConfig::default().read_only_api_key("reader")).await;
    assert_eq!(read_with(&sim, "reader").await, 200);
    assert_no_built_in_credential(&sim).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn with_no_credential_given_the_built_in_ones_apply() {
    let sim = start(SimulatorConfig::default()).await;
    assert_eq!(read_with(&sim, DEFAULT_API_KEY).await, 200);
    assert_eq!(read_with(&sim, DEFAULT_READ_ONLY_API_KEY).await, 200);
    assert_eq!(sign_in(&sim, DEFAULT_USER, DEFAULT_PASSWORD).await, 200);
    sim.shutdown().await;
}

/// Reads `socket` until the server closes it (end of file or a reset); panics if it stays open
/// for a minute, far beyond any timeout the tests configure.
async fn closed_by_the_server(mut socket: TcpStream) {
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(60), socket.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the server left an idle connection open");
}

#[tokio::test]
async fn idle_sockets_beyond_the_cap_do_not_keep_the_server_from_answering() {
    let sim = start(
        SimulatorConfig::default()
            .max_connections(4)
            .header_read_timeout(Duration::from_millis(300)),
    )
    .await;
    // Three times the cap of sockets that never send a byte.
    let mut idle = Vec::new();
    for _ in 0..12 {
        idle.push(TcpStream::connect(sim.address()).await.unwrap());
    }
    // A real request waits its turn behind them and is answered.
    assert_eq!(read_with(&sim, DEFAULT_API_KEY).await, 200);
    // Every idle socket is closed by the server (none is left open on either side).
    for socket in idle {
        closed_by_the_server(socket).await;
    }
    assert_eq!(read_with(&sim, DEFAULT_API_KEY).await, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn no_more_connections_than_the_cap_are_served_at_once() {
    let sim = start(SimulatorConfig::default().max_connections(3)).await;
    let mut idle = Vec::new();
    for _ in 0..10 {
        idle.push(TcpStream::connect(sim.address()).await.unwrap());
    }
    let mut most = 0;
    for _ in 0..200 {
        most = most.max(sim.open_connections());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(most, 3, "served at once");
    drop(idle);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_connection_that_stalls_mid_request_is_closed_after_the_idle_timeout() {
    let sim = start(
        SimulatorConfig::default()
            .header_read_timeout(Duration::from_secs(600))
            .idle_timeout(Duration::from_millis(300)),
    )
    .await;
    let mut stalled = TcpStream::connect(sim.address()).await.unwrap();
    // A whole head, then two bytes of the hundred the body announces.
    stalled
        .write_all(
            b"POST /api/v3/token HTTP/1.1\r\nHost: sim\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nab",
        )
        .await
        .unwrap();
    closed_by_the_server(stalled).await;
    // A fresh socket that sends nothing at all goes the same way.
    closed_by_the_server(TcpStream::connect(sim.address()).await.unwrap()).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn the_journal_in_memory_keeps_the_latest_records_and_the_file_every_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("journal.jsonl");
    let sim = start(
        SimulatorConfig::default()
            .journal_file(&file)
            .journal_memory_limit(3),
    )
    .await;
    for limit in 1..=5 {
        let status = http_client()
            .get(format!(
                "{}/licensing/backupServers?limit={limit}",
                sim.base_url()
            ))
            .bearer_auth(DEFAULT_API_KEY)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200);
    }
    let kept: Vec<String> = sim
        .journal()
        .unwrap()
        .into_iter()
        .map(|entry| entry.query.unwrap_or_default())
        .collect();
    assert_eq!(kept, ["limit=3", "limit=4", "limit=5"]);
    sim.shutdown().await;
    let lines = std::fs::read_to_string(&file).unwrap();
    assert_eq!(lines.lines().count(), 5, "{lines}");
}

#[tokio::test]
async fn beyond_the_limit_the_oldest_async_action_is_forgotten() {
    let sim = start(
        SimulatorConfig::default()
            .async_operations(AsyncOperations::All)
            .async_delay(Duration::from_millis(1))
            .async_action_limit(2),
    )
    .await;
    let client = http_client();
    let uid = sim.state().backup_server_uids()[0];
    let mut locations = Vec::new();
    for flipped in [true, false, true] {
        let accepted = client
            .patch(format!("{}/licensing/backupServers/{uid}", sim.base_url()))
            .bearer_auth(DEFAULT_API_KEY)
            .header("content-type", "application/json")
            .body(
                json!([{ "op": "replace", "path": "/autoUpdateEnabled", "value": flipped }])
                    .to_string(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(accepted.status(), 202);
        locations.push(accepted.headers()["location"].to_str().unwrap().to_owned());
    }
    let status_of = |location: String| {
        let client = client.clone();
        async move {
            client
                .get(location)
                .bearer_auth(DEFAULT_API_KEY)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(status_of(locations[0].clone()).await, 404);
    assert_eq!(status_of(locations[1].clone()).await, 200);
    assert_eq!(status_of(locations[2].clone()).await, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn beyond_the_limit_the_oldest_tokens_are_no_longer_accepted() {
    let sim = start(SimulatorConfig::default().token_limit(2)).await;
    let client = http_client();
    let mut answers: Vec<Value> = Vec::new();
    for _ in 0..3 {
        let answer = client
            .post(format!("{}/token", sim.base_url()))
            .form(&[
                ("grant_type", "password"),
                ("username", DEFAULT_USER),
                ("password", DEFAULT_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        answers.push(answer.json().await.unwrap());
    }
    let access = |n: usize| answers[n]["access_token"].as_str().unwrap().to_owned();
    assert_eq!(read_with(&sim, &access(0)).await, 401);
    assert_eq!(read_with(&sim, &access(1)).await, 200);
    assert_eq!(read_with(&sim, &access(2)).await, 200);
    let refreshed = client
        .post(format!("{}/token", sim.base_url()))
        .form(&[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                answers[0]["refresh_token"].as_str().unwrap(),
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        refreshed.status(),
        400,
        "the oldest refresh token is forgotten too"
    );
    sim.shutdown().await;
}

/// The setting `start` refuses `config` for; panics if it starts.
async fn refused_setting(config: SimulatorConfig) -> &'static str {
    match Simulator::start(config).await {
        Err(SimulatorError::InvalidSetting(invalid)) => invalid.setting,
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(_) => panic!("started"),
    }
}

// Issue 28 item 7: these panicked in the middle of a request (rand's share check, Instant's
// addition); now `start` names the setting.
#[tokio::test]
async fn a_fault_rate_that_is_not_a_share_is_refused_at_start() {
    for rate in [f64::NAN, -0.1, 1.5, f64::INFINITY] {
        let config = SimulatorConfig::default().random_fault_rate(rate);
        assert_eq!(refused_setting(config).await, "random_fault_rate", "{rate}");
    }
    let mut config = SimulatorConfig::default().random_fault_rate(0.5);
    config.random_faults.as_mut().unwrap().probability = f64::NAN;
    assert_eq!(refused_setting(config).await, "random_fault_rate");
    // The ends of the range are shares.
    for rate in [0.0, 1.0] {
        let sim = start(SimulatorConfig::default().random_fault_rate(rate)).await;
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn a_token_lifetime_no_answer_can_state_is_refused_at_start() {
    let config = SimulatorConfig::default().token_lifetime(Duration::MAX);
    assert_eq!(refused_setting(config).await, "token_lifetime");
    let config = SimulatorConfig::default().refresh_token_lifetime(Duration::MAX);
    assert_eq!(refused_setting(config).await, "refresh_token_lifetime");
    let message = Simulator::start(SimulatorConfig::default().token_lifetime(Duration::MAX))
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(message.contains("token_lifetime"), "{message}");
    // The longest that can be stated signs in and is told.
    let longest = Duration::from_secs(i32::MAX as u64);
    let sim = start(SimulatorConfig::default().token_lifetime(longest)).await;
    let answer: Value = http_client()
        .post(format!("{}/token", sim.base_url()))
        .form(&[
            ("grant_type", "password"),
            ("username", DEFAULT_USER),
            ("password", DEFAULT_PASSWORD),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["expires_in"], i32::MAX);
    sim.shutdown().await;
}
