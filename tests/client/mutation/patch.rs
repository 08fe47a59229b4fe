//! What a console receives for each JSON Patch the crate builds (issue 18 item 13: mutation
//! testing found that only `replace` was ever checked; `add`, `remove`, `test`, `move_value`
//! and `copy_value` could each send something else unnoticed). The patches travel to a
//! loopback server through the client, as a caller's would.

use crate::support::recorder;

use recorder::Recorder;
use serde_json::{json, Value};
use uuid::Uuid;
use vspc_licensing::types::JsonPatches;
use vspc_licensing::Patch;
use vspc_licensing::{Client, Product};

fn client(recorder: &Recorder) -> Client {
    Client::builder(recorder.url())
        .api_key("k")
        .build()
        .unwrap()
}

/// The JSON body of the only request the recorder saw.
fn sent_body(recorder: &Recorder) -> Value {
    let requests = recorder.take();
    assert_eq!(requests.len(), 1, "one request: {requests:?}");
    requests[0].json_body()
}

#[tokio::test]
async fn every_patch_operation_reaches_the_console_as_written() {
    let recorder = Recorder::start().await;
    let uid = Uuid::from_u128(7);
    let patch = Patch::new()
        .test("/autoUpdateEnabled", false)
        .replace("/autoUpdateEnabled", true)
        .add("/tags/-", "gold")
        .remove("/comment")
        .move_value("/from/here", "/to/there")
        .copy_value("/original", "/duplicate");
    assert_eq!(patch.operations().len(), 6);
    client(&recorder)
        .patch_license(Product::BackupServer, uid, patch)
        .await
        .unwrap();
    let requests = recorder.requests();
    assert_eq!(requests[0].method, "PATCH");
    assert_eq!(
        requests[0].path,
        format!("/api/v3/licensing/backupServers/{uid}")
    );
    assert_eq!(
        sent_body(&recorder),
        json!([
            {"op": "test", "path": "/autoUpdateEnabled", "value": false},
            {"op": "replace", "path": "/autoUpdateEnabled", "value": true},
            {"op": "add", "path": "/tags/-", "value": "gold"},
            {"op": "remove", "path": "/comment", "value": null},
            {"op": "move", "from": "/from/here", "path": "/to/there", "value": null},
            {"op": "copy", "from": "/original", "path": "/duplicate", "value": null}
        ])
    );
}

#[tokio::test]
async fn the_switch_patches_set_the_switch_they_name() {
    let recorder = Recorder::start().await;
    let client = client(&recorder);
    for enabled in [true, false] {
        client.set_report_auto_approve(enabled).await.unwrap();
        assert_eq!(
            sent_body(&recorder),
            json!([{"op": "replace", "path": "/autoApprove", "value": enabled}])
        );
        client
            .set_auto_update(Product::Site, Uuid::from_u128(3), enabled)
            .await
            .unwrap();
        assert_eq!(
            sent_body(&recorder),
            json!([{"op": "replace", "path": "/autoUpdateEnabled", "value": enabled}])
        );
    }
    assert_eq!(
        Patch::auto_update(true),
        Patch::new().replace("/autoUpdateEnabled", true)
    );
    assert_eq!(
        Patch::auto_approve(false),
        Patch::new().replace("/autoApprove", false)
    );
}

#[test]
fn a_patch_converts_to_the_spec_type_with_its_operations_in_order() {
    let patch = Patch::new().remove("/a").add("/b", 1);
    let document = JsonPatches::from(patch.clone());
    assert_eq!(
        serde_json::to_value(&document).unwrap(),
        serde_json::to_value(patch.operations()).unwrap()
    );
    assert_eq!(document.0.len(), 2);
}
