//! The simulator guards every operation of the spec: `401` without a token or with a wrong one,
//! `403` for every write with a read-only key, and a read-only key still reads. The operations
//! come from the spec's inventory, so a new operation is covered without editing this test.

use uuid::Uuid;
use vspc_licensing::contract::{ParameterLocation, Spec};
use vspc_licensing::simulator::{Simulator, SimulatorConfig};

const KEY: &str = "auth-test-key";
const READ_ONLY: &str = "auth-test-read-only";

#[tokio::test]
async fn every_operation_requires_a_valid_token_and_writes_need_write_access() {
    let sim = Simulator::start(
        SimulatorConfig::default()
            .api_key(KEY)
            .read_only_api_key(READ_ONLY),
    )
    .await
    .unwrap();
    let state = sim.state();
    let report = &state.reports()[0];
    let parameters = report.report_parameters.as_ref().unwrap();
    let month = parameters
        .report_interval
        .start_of_interval
        .format("%Y-%m")
        .to_string();
    let value_for = |name: &str| -> String {
        match name {
            "siteUid" => state.site_uids()[0].to_string(),
            "backupServerUid" => state.backup_server_uids()[0].to_string(),
            "vOneServerUid" => state.vone_server_uids()[0].to_string(),
            "vb365ServerUid" => state.vb365_server_uids()[0].to_string(),
            "id" => parameters.report_id.to_string(),
            "date" => month.clone(),
            _ => Uuid::new_v4().to_string(),
        }
    };
    // A plain reqwest client, as any tool would use; the crate builds rustls with `ring`.
    let http = crate::support::http_client();
    let license = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/spec/licenses/vbr-rental-1000.lic"
    ))
    .unwrap();
    let mut checked = 0;
    for op in Spec::embedded()
        .operations()
        .iter()
        .filter(|op| op.operation_id != "OAuth2IssueToken")
        .filter(|op| crate::support::simulator_serves(&op.operation_id, &op.path))
    {
        let mut path = op.path.clone();
        for param in op
            .parameters
            .iter()
            .filter(|p| p.location == ParameterLocation::Path)
        {
            path = path.replace(&format!("{{{}}}", param.name), &value_for(&param.name));
        }
        let url = format!("{}{path}", sim.base_url());
        let send = |token: Option<&str>| {
            let mut request = http.request(op.method.parse().unwrap(), &url);
            request = match op.method.as_str() {
                "PATCH" => request.json(&serde_json::json!([{"op": "replace", "path": "/autoUpdateEnabled", "value": true}])),
                "PUT" => request.multipart(reqwest::multipart::Form::new().part(
                    "license",
                    reqwest::multipart::Part::bytes(license.clone()).file_name("vbr-rental-1000.lic"),
                )),
                _ => request,
            };
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            async move { request.send().await.unwrap().status().as_u16() }
        };
        let operation = &op.operation_id;
        assert_eq!(send(None).await, 401, "{operation} without a token");
        assert_eq!(
            send(Some("not-a-key")).await,
            401,
            "{operation} with a wrong token"
        );
        let read_only = send(Some(READ_ONLY)).await;
        if op.method == "GET" {
            assert!(
                read_only != 401 && read_only != 403,
                "{operation}: a read-only key reads ({read_only})"
            );
        } else {
            assert_eq!(read_only, 403, "{operation}: a read-only key cannot write");
        }
        checked += 1;
    }
    assert_eq!(checked, 58, "every operation but the token endpoint");
    assert_eq!(
        state.total_changes_applied(),
        0,
        "no refused request changed anything"
    );
    sim.shutdown().await;
}
