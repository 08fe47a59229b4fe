//! Each fault kind of the simulator, observed from a raw reqwest client.

use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::{json, Value};
use vspc_licensing::simulator::{
    FaultKind, FaultRule, Firing, RandomFaults, Simulator, SimulatorConfig, DEFAULT_API_KEY,
};

const KEY: &str = DEFAULT_API_KEY;

fn http_client() -> Client {
    crate::support::install_tls_provider();
    // No connection reuse: a dropped connection must not be mistaken for a stale pooled one.
    Client::builder().pool_max_idle_per_host(0).build().unwrap()
}

fn patch_body(value: bool) -> String {
    json!([{ "op": "replace", "path": "/autoUpdateEnabled", "value": value }]).to_string()
}

#[tokio::test]
async fn connection_drops_before_and_after_applying() {
    let sim = Simulator::start(
        SimulatorConfig::default()
            .fault(FaultRule::once(
                "PatchBackupServerLicense",
                FaultKind::DropBeforeApply,
            ))
            .fault(FaultRule::operation(
                "PatchBackupServerLicense",
                Firing::Attempt(2),
                FaultKind::DropAfterApply,
            )),
    )
    .await
    .unwrap();
    let client = http_client();
    let uid = sim.state().backup_server_uids()[0];
    let url = format!("{}/licensing/backupServers/{uid}", sim.base_url());
    let target = !sim
        .state()
        .backup_server_license(uid)
        .unwrap()
        .auto_update_enabled;
    let request_id = uuid::Uuid::new_v4().to_string();
    let send = || {
        client
            .patch(&url)
            .bearer_auth(KEY)
            .header("X-Request-id", &request_id)
            .header("content-type", "application/json")
            .body(patch_body(target))
            .send()
    };
    // Attempt 1: dropped before applying.
    let error = send().await.expect_err("the connection is dropped");
    assert!(error.is_connect() || error.is_request(), "{error:?}");
    assert!(error.status().is_none());
    assert_eq!(
        sim.state().changes_applied(&format!("backupServers/{uid}")),
        0
    );
    // Attempt 2: applied, then dropped.
    let error = send().await.expect_err("the connection is dropped");
    assert!(error.status().is_none());
    assert_eq!(
        sim.state().changes_applied(&format!("backupServers/{uid}")),
        1
    );
    // Attempt 3 (the retry with the same X-Request-id): the recorded answer, nothing applied twice.
    let response = send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap()["data"]["autoUpdateEnabled"],
        target
    );
    assert_eq!(
        sim.state().changes_applied(&format!("backupServers/{uid}")),
        1
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn error_statuses_delay_truncation_and_malformed_json() {
    let list = "GetBackupServersLicenses";
    let sim = Simulator::start(
        SimulatorConfig::default()
            .fault(FaultRule::operation(
                list,
                Firing::Attempt(1),
                FaultKind::RetryableError,
            ))
            .fault(FaultRule::operation(
                list,
                Firing::Attempt(2),
                FaultKind::LogicalError,
            ))
            .fault(FaultRule::operation(
                list,
                Firing::Attempt(3),
                FaultKind::TooManyRequests {
                    retry_after_secs: 7,
                },
            ))
            .fault(FaultRule::operation(
                list,
                Firing::Attempt(4),
                FaultKind::ServiceUnavailable,
            ))
            .fault(FaultRule::operation(
                list,
                Firing::Attempt(5),
                FaultKind::Delay(Duration::from_millis(400)),
            ))
            .fault(FaultRule::operation(
                list,
                Firing::Attempt(6),
                FaultKind::TruncatedBody,
            ))
            .fault(FaultRule::operation(
                list,
                Firing::Attempt(7),
                FaultKind::MalformedJson,
            ))
            .fault(FaultRule::method_path(
                "GET",
                "/api/v3/licensing/console",
                Firing::Times(2),
                FaultKind::ServiceUnavailable,
            )),
    )
    .await
    .unwrap();
    let client = http_client();
    let url = format!("{}/licensing/backupServers", sim.base_url());
    let get = || client.get(&url).bearer_auth(KEY).send();

    let response = get().await.unwrap();
    assert_eq!(response.status().as_u16(), 520);
    assert_eq!(
        response.json::<Value>().await.unwrap()["errors"][0]["type"],
        "retryableLogical"
    );
    let response = get().await.unwrap();
    assert_eq!(response.status().as_u16(), 520);
    assert_eq!(
        response.json::<Value>().await.unwrap()["errors"][0]["type"],
        "logical"
    );
    let response = get().await.unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
    assert_eq!(get().await.unwrap().status().as_u16(), 503);
    let started = Instant::now();
    assert_eq!(get().await.unwrap().status().as_u16(), 200);
    assert!(started.elapsed() >= Duration::from_millis(400));
    // Truncated: headers arrive, the body does not complete.
    let response = get().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let promised: usize = response.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body = response.bytes().await;
    assert!(body.is_err() || body.unwrap().len() < promised);
    // Malformed JSON with a 200.
    let response = get().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(serde_json::from_slice::<Value>(&response.bytes().await.unwrap()).is_err());
    // The script is over: normal answers again.
    assert_eq!(get().await.unwrap().status().as_u16(), 200);
    // Method + path rules.
    let console = format!("{}/licensing/console", sim.base_url());
    for expected in [503, 503, 200] {
        assert_eq!(
            client
                .get(&console)
                .bearer_auth(KEY)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            expected
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn random_faults_are_seeded() {
    let run = || async {
        let sim = Simulator::start(SimulatorConfig::default().random_faults(RandomFaults {
            probability: 0.3,
            seed: 9,
            kinds: vec![FaultKind::ServiceUnavailable, FaultKind::RetryableError],
        }))
        .await
        .unwrap();
        let client = http_client();
        let mut statuses = Vec::new();
        for _ in 0..40 {
            statuses.push(
                client
                    .get(format!("{}/licensing/console", sim.base_url()))
                    .bearer_auth(KEY)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16(),
            );
        }
        sim.shutdown().await;
        statuses
    };
    let first = run().await;
    assert_eq!(first, run().await);
    let faults = first.iter().filter(|s| **s != 200).count();
    assert!((3..=25).contains(&faults), "{faults} faults in 40");
}
