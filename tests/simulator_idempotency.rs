//! `X-Request-id` in the simulator: a repeat of the same request is answered from the first
//! answer and applied once; the same id on a different request is a new request.
#![cfg(feature = "simulator")]

use uuid::Uuid;
use vspc_licensing::simulator::{Simulator, SimulatorConfig};

const KEY: &str = "idempotency-key";

#[tokio::test]
async fn the_same_request_is_replayed_but_the_same_id_on_another_request_is_not() {
    let sim = Simulator::start(SimulatorConfig::default().api_key(KEY))
        .await
        .unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let uids = sim.state().backup_server_uids();
    let id = Uuid::new_v4().to_string();
    let patch = |uid: Uuid, on: bool| {
        http.patch(format!("{}/licensing/backupServers/{uid}", sim.base_url()))
            .bearer_auth(KEY)
            .header("x-request-id", &id)
            .json(
                &serde_json::json!([{"op": "replace", "path": "/autoUpdateEnabled", "value": on}]),
            )
    };
    let first = patch(uids[0], true)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let repeat = patch(uids[0], true)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(first, repeat, "a retry gets the first answer");
    assert_eq!(
        sim.state()
            .changes_applied(&format!("backupServers/{}", uids[0])),
        1,
        "and nothing twice"
    );

    // Same id, other resource: a different request, applied and answered on its own.
    let other = patch(uids[1], true).send().await.unwrap();
    assert_eq!(other.status(), 200);
    let body: serde_json::Value = other.json().await.unwrap();
    assert_eq!(body["data"]["backupServerUid"], uids[1].to_string());
    assert_eq!(
        sim.state()
            .changes_applied(&format!("backupServers/{}", uids[1])),
        1
    );

    // Same id, other operation: a read is answered as a read, not with the patch's answer.
    let read = http
        .get(format!("{}/licensing/console", sim.base_url()))
        .bearer_auth(KEY)
        .header("x-request-id", &id)
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = read.json().await.unwrap();
    assert!(body["data"].get("licenseeCompany").is_some(), "{body}");
    sim.shutdown().await;
}
