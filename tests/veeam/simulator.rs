//! The simulator takes requests as Veeam's documents describe them:
//! * Veeam's own JSON Patch request examples (3.5.1 to 3.7) are accepted with the meaning Veeam
//!   gives them: `"value": "true"` (a string, as 3.6.1 and later and Veeam's Python client send
//!   it) and `true` (a boolean, as 3.5.1 does) both switch the flag on, and `/AutoApprove` names
//!   `autoApprove`;
//! * `sectionForDelete`, required on a backup server license delete in every version, is
//!   refused when missing.

use crate::support;

use serde_json::Value;
use support::veeam::documents;
use support::veeam::examples::{self, Place};
use uuid::Uuid;
use vspc_licensing::simulator::{Simulator, SimulatorConfig, SimulatorHandle};
use vspc_licensing::{Client, Product};

// A plain HTTP client, so that the bodies are exactly Veeam's (the crate's client would encode
// its own).
use crate::support::http_client as http;

const KEY: &str = "veeam-patch-key";

/// Every JSON Patch example of the documents: (name, operationId, body). 3.7 (Swagger 2.0)
/// carries no request body examples; its JsonPatches schema example patches a property of
/// another resource (`storageQuota`), so it has no licensing meaning to check.
fn patch_examples() -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for document in documents::documents() {
        for example in examples::collect(document) {
            if let Place::Request {
                operation_id,
                media,
                path,
                ..
            } = &example.place
            {
                // This check is about the auto-update flag; Veeam's Pulse patches (a portal
                // token, a tenant's company, a license's own properties) change other things
                // and are checked by the Pulse tests.
                if media == "application/json"
                    && operation_id.starts_with("Patch")
                    && !(path == "/pulse" || path.starts_with("/pulse/"))
                {
                    found.push((example.name(), operation_id.clone(), example.value.clone()));
                }
            }
        }
    }
    found
}

fn target(sim: &SimulatorHandle, operation: &str) -> Option<(Product, Uuid, &'static str)> {
    let state = sim.state();
    Some(match operation {
        "PatchBackupServerLicense" => (
            Product::BackupServer,
            state.backup_server_uids()[0],
            "backupServers",
        ),
        "PatchSiteLicense" => (Product::Site, state.site_uids()[0], "sites"),
        "PatchVOneServerLicense" => (
            Product::VOneServer,
            state.vone_server_uids()[0],
            "voneServers",
        ),
        "PatchVb365ServerLicense" => (
            Product::Vb365Server,
            state.vb365_server_uids()[0],
            "vb365Servers",
        ),
        _ => return None,
    })
}

#[tokio::test]
async fn veeams_json_patch_examples_switch_the_flag_on_in_the_simulator() {
    let sim = Simulator::start(SimulatorConfig::default().api_key(KEY))
        .await
        .unwrap();
    let client = Client::builder(sim.root_url())
        .api_key(KEY)
        .build()
        .unwrap();
    let http = http();
    let examples = patch_examples();
    assert!(
        examples.len() >= 20,
        "the five PATCH examples of each of 3.5.1-3.6.2; found {}",
        examples.len()
    );
    let mut report = String::new();
    for (name, operation, body) in examples {
        // Start from "off", so that the example is what switches it on.
        let (url, read_back): (String, _) = match target(&sim, &operation) {
            Some((product, uid, segment)) => {
                client.disable_auto_update(product, uid).await.unwrap();
                (
                    format!("{}/licensing/{segment}/{uid}", sim.base_url()),
                    Some((product, uid)),
                )
            }
            None if operation == "PatchLicensingReportsSettings" => {
                client.set_report_auto_approve(false).await.unwrap();
                (
                    format!("{}/licensing/reports/settings", sim.base_url()),
                    None,
                )
            }
            None => panic!("{name}: no PATCH target for {operation}"),
        };
        let answer = http
            .patch(&url)
            .bearer_auth(KEY)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = answer.status();
        if !status.is_success() {
            let text = answer.text().await.unwrap_or_default();
            report.push_str(&format!("{name}: {status}: {text}\n"));
            continue;
        }
        let switched_on = match read_back {
            Some((product, uid)) => client
                .license(product, Some(uid))
                .await
                .unwrap()
                .auto_update_enabled(),
            None => Some(client.license_report_settings().await.unwrap().auto_approve),
        };
        if switched_on != Some(true) {
            report.push_str(&format!(
                "{name}: accepted, but the flag is {switched_on:?}\n"
            ));
        }
    }
    sim.shutdown().await;
    assert!(
        report.is_empty(),
        "Veeam's PATCH examples on the simulator:\n{report}"
    );
}

#[tokio::test]
async fn a_patch_value_the_property_cannot_take_is_still_refused() {
    let sim = Simulator::start(SimulatorConfig::default().api_key(KEY))
        .await
        .unwrap();
    let uid = sim.state().backup_server_uids()[0];
    let url = format!("{}/licensing/backupServers/{uid}", sim.base_url());
    for value in [r#""yes please""#, r#""""#, "[true]"] {
        let answer = http()
            .patch(&url)
            .bearer_auth(KEY)
            .header("content-type", "application/json")
            .body(format!(
                r#"[{{"op":"replace","path":"/autoUpdateEnabled","value":{value}}}]"#
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400, "value {value}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_backup_server_license_delete_without_its_section_is_refused() {
    let sim = Simulator::start(SimulatorConfig::default().api_key(KEY))
        .await
        .unwrap();
    let uid = sim.state().backup_server_uids()[0];
    let url = format!("{}/licensing/backupServers/{uid}", sim.base_url());
    let http = http();
    let answer = http.delete(&url).bearer_auth(KEY).send().await.unwrap();
    assert_eq!(answer.status(), 400);
    assert!(answer.text().await.unwrap().contains("sectionForDelete"));
    assert_eq!(
        sim.state().changes_applied(&format!("backupServers/{uid}")),
        0
    );
    let answer = http
        .delete(format!("{url}?sectionForDelete=All"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    sim.shutdown().await;
}
