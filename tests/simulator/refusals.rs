//! Schema-valid requests that a console still refuses, because what is wrong cannot be said in
//! a schema: bytes that are not a license file, a JSON Patch value of the wrong type for its
//! path. The spec declares each of these `400` answers on the operation (not only through
//! `default`), and the simulator's answer matches the declaration.

use serde_json::{json, Value};
use vspc_licensing::contract::{Spec, StatusKey};
use vspc_licensing::simulator::{Simulator, SimulatorConfig, DEFAULT_API_KEY};

fn declared_400(operation_id: &str) -> Value {
    let operation = Spec::embedded().operation(operation_id).unwrap();
    let response = operation.response_for(400).unwrap();
    assert_eq!(
        response.status,
        StatusKey::Code(400),
        "{operation_id} declares its 400 explicitly"
    );
    response.content["application/json"]
        .clone()
        .expect("the 400 has a schema")
}

#[tokio::test]
async fn refusals_a_schema_cannot_express_are_declared_400s() {
    crate::support::install_tls_provider();
    let sim = Simulator::start(SimulatorConfig::default())
        .await
        .expect("simulator starts");
    let state = sim.state();
    let http = reqwest::Client::new();
    let backup = state.backup_server_uids()[0];
    let site = state.site_uids()[0];
    let vone = state.vone_server_uids()[0];
    let vb365 = state.vb365_server_uids()[0];
    let installs = [
        (
            "InstallBackupServerLicense",
            format!("/licensing/backupServers/{backup}"),
        ),
        ("InstallSiteLicense", format!("/licensing/sites/{site}")),
        (
            "InstallVOneServerLicense",
            format!("/licensing/voneServers/{vone}"),
        ),
        (
            "InstallVb365ServerLicense",
            format!("/licensing/vb365Servers/{vb365}"),
        ),
        ("InstallConsoleLicense", "/licensing/console".to_owned()),
    ];
    for (operation, path) in &installs {
        let schema = declared_400(operation);
        let form = reqwest::multipart::Form::new().part(
            "license",
            reqwest::multipart::Part::bytes(vec![0x00, 0xff, 0x13, 0x37]).file_name("license"),
        );
        let response = http
            .put(format!("{}{path}", sim.base_url()))
            .bearer_auth(DEFAULT_API_KEY)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{operation}");
        let body: Value = response.json().await.unwrap();
        let violations = Spec::embedded().validate_value(&schema, &body);
        assert!(violations.is_empty(), "{operation}: {violations:?}");
    }
    let patches = [
        (
            "PatchBackupServerLicense",
            format!("/licensing/backupServers/{backup}"),
            "/autoUpdateEnabled",
        ),
        (
            "PatchSiteLicense",
            format!("/licensing/sites/{site}"),
            "/autoUpdateEnabled",
        ),
        (
            "PatchVOneServerLicense",
            format!("/licensing/voneServers/{vone}"),
            "/autoUpdateEnabled",
        ),
        (
            "PatchVb365ServerLicense",
            format!("/licensing/vb365Servers/{vb365}"),
            "/autoUpdateEnabled",
        ),
        (
            "PatchLicensingReportsSettings",
            "/licensing/reports/settings".to_owned(),
            "/autoApprove",
        ),
    ];
    for (operation, path, pointer) in &patches {
        let schema = declared_400(operation);
        let response = http
            .patch(format!("{}{path}", sim.base_url()))
            .bearer_auth(DEFAULT_API_KEY)
            .header("content-type", "application/json")
            .body(json!([{ "op": "replace", "path": pointer, "value": null }]).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{operation}");
        let body: Value = response.json().await.unwrap();
        let violations = Spec::embedded().validate_value(&schema, &body);
        assert!(violations.is_empty(), "{operation}: {violations:?}");
    }
    sim.shutdown().await;
}
