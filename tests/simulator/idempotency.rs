//! `X-Request-id` in the simulator: a repeat of the same request is answered from the first
//! answer and applied once; the same id on a different request is a new request.

use uuid::Uuid;
use vspc_licensing::simulator::{Simulator, SimulatorConfig};

const KEY: &str = "idempotency-key";

#[tokio::test]
async fn the_same_request_is_replayed_but_the_same_id_on_another_request_is_not() {
    let sim = Simulator::start(SimulatorConfig::default().api_key(KEY))
        .await
        .unwrap();
    let http = crate::support::http_client();
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

#[tokio::test]
async fn a_repeated_read_is_answered_afresh_but_a_repeated_async_read_finds_its_action() {
    let sim = Simulator::start(
        SimulatorConfig::default()
            .api_key(KEY)
            .async_operations(vspc_licensing::simulator::AsyncOperations::Only(
                ["GetVOneServersLicenses".to_owned()].into(),
            ))
            .async_delay(std::time::Duration::from_secs(30)),
    )
    .await
    .unwrap();
    let http = crate::support::http_client();
    let uid = sim.state().backup_server_uids()[0];
    let url = format!("{}/licensing/backupServers/{uid}", sim.base_url());
    let id = Uuid::new_v4().to_string();
    let read = || async {
        let body: serde_json::Value = http
            .get(&url)
            .bearer_auth(KEY)
            .header("x-request-id", &id)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["data"]["autoUpdateEnabled"].clone()
    };
    let before = read().await;
    let flipped = !before.as_bool().unwrap();
    let patched = http
        .patch(&url)
        .bearer_auth(KEY)
        .json(&serde_json::json!([
            {"op": "replace", "path": "/autoUpdateEnabled", "value": flipped}
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    // The same id again: a read shows the change, not a stale copy of the first answer.
    assert_eq!(read().await, serde_json::Value::Bool(flipped));

    // A read that runs as an async action: its repeat points at the same action.
    let async_id = Uuid::new_v4().to_string();
    let start = || {
        http.get(format!("{}/licensing/voneServers", sim.base_url()))
            .bearer_auth(KEY)
            .header("x-request-id", &async_id)
            .send()
    };
    let first = start().await.unwrap();
    let repeat = start().await.unwrap();
    assert_eq!(first.status(), 202);
    assert_eq!(repeat.status(), 202);
    let location = |r: &reqwest::Response| r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location(&first), location(&repeat));
    assert!(
        location(&first).ends_with(&async_id),
        "{}",
        location(&first)
    );
    sim.shutdown().await;
}
