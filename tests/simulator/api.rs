//! The simulator over real HTTP on loopback: auth, queries, writes, replays, async, concurrency.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use vspc_licensing::simulator::{
    AsyncOperations, Simulator, SimulatorConfig, SimulatorHandle, DEFAULT_API_KEY,
    DEFAULT_READ_ONLY_API_KEY,
};

use crate::support::http_client;

const KEY: &str = DEFAULT_API_KEY;

async fn start(config: SimulatorConfig) -> SimulatorHandle {
    Simulator::start(config).await.expect("simulator starts")
}

async fn get(client: &Client, url: String) -> (StatusCode, Value) {
    let response = client.get(url).bearer_auth(KEY).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

fn assert_error(body: &Value, kind: &str) {
    let errors = body["errors"].as_array().expect("errors array");
    assert!(!errors.is_empty());
    assert_eq!(errors[0]["type"], kind);
    assert!(errors[0]["code"].is_i64());
    assert!(errors[0]["message"].is_string());
}

fn license_file(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/spec/licenses/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn patch_body(path: &str, value: Value) -> String {
    json!([{ "op": "replace", "path": path, "value": value }]).to_string()
}

#[tokio::test]
async fn auth_keys_tokens_and_read_only() {
    let sim = start(
        SimulatorConfig::default()
            .token_lifetime(Duration::from_millis(600))
            // A user given replaces the built-in credentials: name the keys this test uses.
            .api_key(KEY)
            .read_only_api_key(DEFAULT_READ_ONLY_API_KEY)
            .user("ops", "pw"),
    )
    .await;
    let client = http_client();
    let url = format!("{}/licensing/backupServers", sim.base_url());
    let missing = client.get(&url).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert_error(&missing.json().await.unwrap(), "security");
    let wrong = client.get(&url).bearer_auth("nope").send().await.unwrap();
    assert_eq!(wrong.status(), 401);

    // Password grant, then use, then expiry, then refresh.
    let token = |form: Vec<(&'static str, String)>| {
        let client = client.clone();
        let url = format!("{}/token", sim.base_url());
        async move { client.post(url).form(&form).send().await.unwrap() }
    };
    let bad = token(vec![
        ("grant_type", "password".into()),
        ("username", "ops".into()),
        ("password", "no".into()),
    ])
    .await;
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.json::<Value>().await.unwrap()["error"], "invalid_grant");
    let unknown = token(vec![("grant_type", "telepathy".into())]).await;
    assert_eq!(unknown.status(), 400);
    assert_eq!(
        unknown.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
    let issued: Value = token(vec![
        ("grant_type", "password".into()),
        ("username", "ops".into()),
        ("password", "pw".into()),
    ])
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(issued["expires_in"], 0);
    let access = issued["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        client
            .get(&url)
            .bearer_auth(&access)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    let expired = client.get(&url).bearer_auth(&access).send().await.unwrap();
    assert_eq!(expired.status(), 401);
    assert_error(&expired.json().await.unwrap(), "security");
    let refresh = issued["refresh_token"].as_str().unwrap().to_owned();
    let renewed = token(vec![
        ("grant_type", "refresh_token".into()),
        ("refresh_token", refresh.clone()),
    ])
    .await;
    assert_eq!(renewed.status(), 200);
    let renewed: Value = renewed.json().await.unwrap();
    assert_eq!(
        client
            .get(&url)
            .bearer_auth(renewed["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // A refresh token is single-use.
    assert_eq!(
        token(vec![
            ("grant_type", "refresh_token".into()),
            ("refresh_token", refresh)
        ])
        .await
        .status(),
        400
    );

    // Read-only credentials read but may not write.
    let uid = sim.state().backup_server_uids()[0];
    let one = format!("{url}/{uid}");
    assert_eq!(
        client
            .get(&one)
            .bearer_auth(DEFAULT_READ_ONLY_API_KEY)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let forbidden = client
        .patch(&one)
        .bearer_auth(DEFAULT_READ_ONLY_API_KEY)
        .header("content-type", "application/json")
        .body(patch_body("/autoUpdateEnabled", json!(true)))
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), 403);
    assert_error(&forbidden.json().await.unwrap(), "security");
    let read_only: Value = token(vec![
        ("grant_type", "password".into()),
        ("username", "ops".into()),
        ("password", "pw".into()),
        ("readOnly", "true".into()),
    ])
    .await
    .json()
    .await
    .unwrap();
    let post = client
        .post(format!("{one}/update"))
        .bearer_auth(read_only["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 403);
    assert_eq!(sim.state().total_changes_applied(), 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn paging_is_exact_and_bad_parameters_are_400() {
    let sim = start(SimulatorConfig::default().backup_servers(1234)).await;
    let client = http_client();
    let base = format!("{}/licensing/backupServers", sim.base_url());
    let mut seen = HashSet::new();
    let mut offset = 0;
    loop {
        let (status, page) = get(&client, format!("{base}?limit=500&offset={offset}")).await;
        assert_eq!(status, 200);
        let count = page["data"].as_array().unwrap().len();
        assert_eq!(
            page["meta"]["pagingInfo"],
            json!({ "total": 1234, "count": count, "offset": offset })
        );
        for item in page["data"].as_array().unwrap() {
            assert!(seen.insert(item["backupServerUid"].as_str().unwrap().to_owned()));
        }
        if count < 500 {
            break;
        }
        offset += 500;
    }
    assert_eq!(seen.len(), 1234);
    let (_, beyond) = get(&client, format!("{base}?offset=5000")).await;
    assert_eq!(
        beyond["meta"]["pagingInfo"],
        json!({ "total": 1234, "count": 0, "offset": 5000 })
    );
    let (_, default) = get(&client, base.clone()).await;
    assert_eq!(default["data"].as_array().unwrap().len(), 100);

    for bad in [
        "limit=0",
        "limit=501",
        "limit=ten",
        "offset=-1",
        "filter=not-json",
        "filter=%5B%7B%22property%22%3A%22nope%22%2C%22operation%22%3A%22equals%22%2C%22value%22%3A1%7D%5D",
        "sort=%5B%7B%22property%22%3A%22nope%22%7D%5D",
        "select=%5B%7B%22propertyPath%22%3A%22nope%22%7D%5D",
    ] {
        let (status, body) = get(&client, format!("{base}?{bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert_error(&body, "logical");
    }
    let (status, body) = get(&client, format!("{base}/not-a-uuid")).await;
    assert_eq!(status, 400);
    assert_error(&body, "logical");
    let (status, body) = get(&client, format!("{base}/{}", uuid::Uuid::new_v4())).await;
    assert_eq!(status, 404);
    assert_error(&body, "logical");
    sim.shutdown().await;
}

#[tokio::test]
async fn filter_sort_and_select() {
    let sim = start(SimulatorConfig::default().backup_servers(300)).await;
    let client = http_client();
    let base = format!("{}/licensing/backupServers", sim.base_url());
    let query = |filter: Value, sort: Value, select: Value| {
        let mut url = reqwest::Url::parse(&base).unwrap();
        url.query_pairs_mut()
            .append_pair("limit", "500")
            .append_pair("filter", &filter.to_string())
            .append_pair("sort", &sort.to_string())
            .append_pair("select", &select.to_string());
        url.to_string()
    };
    let (status, all) = get(&client, format!("{base}?limit=500")).await;
    assert_eq!(status, 200);
    let all = all["data"].as_array().unwrap().clone();
    let expired = all.iter().filter(|l| l["status"] == "Expired").count();
    assert!(expired > 0 && expired < all.len());
    let (_, page) = get(
        &client,
        query(
            json!([{ "property": "status", "operation": "equals", "value": "Expired" }]),
            json!([]),
            json!([]),
        ),
    )
    .await;
    assert_eq!(page["meta"]["pagingInfo"]["total"], expired);
    assert!(page["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["status"] == "Expired"));
    // ignorecase collation, `in`, `not`, `or`, nested `and`.
    let (_, ci) = get(
        &client,
        query(json!([{ "property": "status", "operation": "equals", "value": "expired", "collation": "ignorecase" }]), json!([]), json!([])),
    )
    .await;
    assert_eq!(ci["meta"]["pagingInfo"]["total"], expired);
    let (_, not) = get(
        &client,
        query(json!([{ "operation": "not", "items": [{ "property": "status", "operation": "in", "value": ["Expired"] }] }]), json!([]), json!([])),
    )
    .await;
    assert_eq!(not["meta"]["pagingInfo"]["total"], all.len() - expired);
    let big = all
        .iter()
        .filter(|l| l["units"].as_f64().unwrap() >= 500.0)
        .count();
    let (_, ge) = get(
        &client,
        query(
            json!([{ "property": "units", "operation": "greaterThanOrEqual", "value": 500 }]),
            json!([]),
            json!([]),
        ),
    )
    .await;
    assert_eq!(ge["meta"]["pagingInfo"]["total"], big);
    let (_, contains) = get(
        &client,
        query(json!([{ "property": "company", "operation": "contains", "value": "cloud", "collation": "ignorecase" }]), json!([]), json!([])),
    )
    .await;
    let cloud = all
        .iter()
        .filter(|l| {
            l["company"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("cloud")
        })
        .count();
    assert_eq!(contains["meta"]["pagingInfo"]["total"], cloud);
    // Sort descending by units, then select keeps only the asked and required properties.
    let (_, sorted) = get(
        &client,
        query(
            json!([]),
            json!([{ "property": "units", "direction": "descending" }]),
            json!([{ "propertyPath": "units" }]),
        ),
    )
    .await;
    let units: Vec<f64> = sorted["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["units"].as_f64().unwrap())
        .collect();
    assert!(units.windows(2).all(|w| w[0] >= w[1]));
    let keys: HashSet<&str> = sorted["data"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, HashSet::from(["units", "autoUpdateEnabled"]));
    // Filter with a missing value is a 400, not a 500.
    let (status, _) = get(
        &client,
        query(
            json!([{ "property": "units", "operation": "in", "value": 3 }]),
            json!([]),
            json!([]),
        ),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = get(
        &client,
        query(
            json!([{ "property": "units", "operation": "teleport", "value": 3 }]),
            json!([]),
            json!([]),
        ),
    )
    .await;
    assert_eq!(status, 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn patch_install_update_delete() {
    let sim = start(SimulatorConfig::default().backup_servers(40)).await;
    let client = http_client();
    let uid = sim.state().backup_server_uids()[0];
    let url = format!("{}/licensing/backupServers/{uid}", sim.base_url());
    let before = sim.state().backup_server_license(uid).unwrap();
    let flipped = !before.auto_update_enabled;
    let patched = client
        .patch(&url)
        .bearer_auth(KEY)
        .header("content-type", "application/json")
        .body(patch_body("/autoUpdateEnabled", json!(flipped)))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    assert_eq!(
        patched.json::<Value>().await.unwrap()["data"]["autoUpdateEnabled"],
        flipped
    );
    assert_eq!(
        sim.state()
            .backup_server_license(uid)
            .unwrap()
            .auto_update_enabled,
        flipped
    );
    assert_eq!(
        sim.state().changes_applied(&format!("backupServers/{uid}")),
        1
    );
    for (body, why) in [
        (patch_body("/company", json!("Evil")), "read-only path"),
        (patch_body("/autoUpdateEnabled", json!("yes")), "wrong type"),
        ("{not json".to_owned(), "not JSON"),
        (
            json!([{ "op": "remove", "path": "/autoUpdateEnabled", "value": null }]).to_string(),
            "remove",
        ),
    ] {
        let response = client
            .patch(&url)
            .bearer_auth(KEY)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{why}");
        assert_error(&response.json().await.unwrap(), "logical");
    }
    assert_eq!(
        sim.state().changes_applied(&format!("backupServers/{uid}")),
        1
    );

    // Install: good file replaces fields; bad files change nothing.
    let install = |bytes: Vec<u8>, field: &'static str| {
        let client = client.clone();
        let url = url.clone();
        async move {
            let form = reqwest::multipart::Form::new().part(
                field,
                reqwest::multipart::Part::bytes(bytes).file_name("x.lic"),
            );
            client
                .put(url)
                .bearer_auth(KEY)
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let snapshot = sim.state().backup_server_license(uid).unwrap();
    for (bytes, field) in [
        (license_file("malformed-no-header.lic"), "license"),
        (license_file("malformed-bad-units.lic"), "license"),
        (license_file("malformed-unknown-type.lic"), "license"),
        (license_file("malformed-missing-company.lic"), "license"),
        (license_file("vone-subscription.lic"), "license"),
        (Vec::new(), "license"),
        (vec![b'#'; 70 * 1024], "license"),
        (license_file("backup-server-rental.lic"), "file"),
    ] {
        let response = install(bytes, field).await;
        assert_eq!(response.status(), 400);
        assert_error(&response.json().await.unwrap(), "logical");
    }
    assert_eq!(sim.state().backup_server_license(uid).unwrap(), snapshot);
    let good = install(license_file("backup-server-rental.lic"), "license").await;
    assert_eq!(good.status(), 200);
    let installed = sim.state().backup_server_license(uid).unwrap();
    assert_eq!(installed.company.as_deref(), Some("Northwind Hosting"));
    assert_eq!(installed.units, Some(750.0));
    assert_eq!(installed.backup_server_uid, Some(uid));

    // Update renews a year out.
    let expired_uid = sim
        .state()
        .backup_server_uids()
        .into_iter()
        .find(|u| {
            sim.state().backup_server_license(*u).unwrap().status
                == Some(vspc_licensing::enums::LicenseStatus::Expired)
        })
        .expect("some license is expired");
    let updated = client
        .post(format!(
            "{}/licensing/backupServers/{expired_uid}/update",
            sim.base_url()
        ))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), 200);
    let renewed = sim.state().backup_server_license(expired_uid).unwrap();
    assert_eq!(
        renewed.status,
        Some(vspc_licensing::enums::LicenseStatus::Valid)
    );
    assert!(renewed.expiration_date.unwrap() > chrono::Utc::now() + chrono::Duration::days(360));

    // Delete: the whole license, then it is gone.
    let deleted = client
        .delete(format!("{url}?sectionForDelete=All"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    assert_eq!(deleted.json::<Value>().await.unwrap()["errors"], json!([]));
    assert!(sim.state().backup_server_license(uid).is_none());
    assert_eq!(
        client
            .get(&url)
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let bad_section = client
        .delete(format!(
            "{}/licensing/backupServers/{expired_uid}?sectionForDelete=Half",
            sim.base_url()
        ))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(bad_section.status(), 400);
    // Deleting one section: a socket-only license has no instance section to delete.
    let socket_only = sim
        .state()
        .backup_server_uids()
        .into_iter()
        .find(|u| {
            sim.state().backup_server_license(*u).unwrap().section_types
                == vec![vspc_licensing::enums::LicenseSectionType::Socket]
        })
        .expect("some license is socket-based");
    let socket_url = format!("{}/licensing/backupServers/{socket_only}", sim.base_url());
    let wrong_section = client
        .delete(format!("{socket_url}?sectionForDelete=Instance"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_section.status(), 400);
    assert!(sim.state().backup_server_license(socket_only).is_some());
    let socket_deleted = client
        .delete(format!("{socket_url}?sectionForDelete=Socket"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(socket_deleted.status(), 200);
    assert!(
        sim.state().backup_server_license(socket_only).is_none(),
        "its only section is gone, so is the license"
    );
    // Veeam ONE delete.
    let vone = sim.state().vone_server_uids()[0];
    let response = client
        .delete(format!("{}/licensing/voneServers/{vone}", sim.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(sim.state().vone_server_license(vone).is_none());
    // Sites cannot be deleted.
    let site = sim.state().site_uids()[0];
    assert_eq!(
        client
            .delete(format!("{}/licensing/sites/{site}", sim.base_url()))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .status(),
        405
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn reports_console_usage_and_legacy() {
    let sim = start(SimulatorConfig::default()).await;
    let client = http_client();
    let base = sim.base_url();
    let (status, all) = get(&client, format!("{base}/licensing/reports")).await;
    assert_eq!(status, 200);
    assert_eq!(all["meta"]["pagingInfo"]["total"], 36);
    let (_, latest) = get(&client, format!("{base}/licensing/reports/latest")).await;
    assert_eq!(latest["meta"]["pagingInfo"]["total"], 6);
    let start = latest["data"][0]["reportParameters"]["reportInterval"]["startOfInterval"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, month) = get(&client, format!("{base}/licensing/reports/{}", &start[..7])).await;
    assert_eq!(month["meta"]["pagingInfo"]["total"], 6);
    let (status, _) = get(&client, format!("{base}/licensing/reports/2026-13")).await;
    assert_eq!(status, 400);
    let id = latest["data"][0]["reportParameters"]["reportId"]
        .as_i64()
        .unwrap();
    let csv = client
        .get(format!("{base}/licensing/reports/{id}/csv"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert_eq!(csv.headers()["content-type"], "application/csv");
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("Organization,Product,"));
    assert!(text.lines().count() > 1);
    assert_eq!(
        client
            .get(format!("{base}/licensing/reports/1/csv"))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let finalized = client
        .post(format!("{base}/licensing/reports/finalization"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(
        finalized.json::<Value>().await.unwrap()["data"]["reportApprovalStatus"],
        "Finalized"
    );
    let (_, settings) = get(&client, format!("{base}/licensing/reports/settings")).await;
    assert_eq!(settings["data"]["autoApprove"], false);
    let patched = client
        .patch(format!("{base}/licensing/reports/settings"))
        .bearer_auth(KEY)
        .header("content-type", "application/json")
        .body(patch_body("/autoApprove", json!(true)))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    assert!(sim.state().report_settings().auto_approve);
    let (_, console) = get(&client, format!("{base}/licensing/console")).await;
    assert_eq!(console["data"]["status"], "Valid");
    let (_, console_settings) = get(&client, format!("{base}/licensing/console/settings")).await;
    assert_eq!(console_settings["data"]["isAutoUpdateEnabled"], true);
    let form = reqwest::multipart::Form::new().part(
        "license",
        reqwest::multipart::Part::bytes(license_file("console.lic")).file_name("c.lic"),
    );
    let installed = client
        .put(format!("{base}/licensing/console"))
        .bearer_auth(KEY)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(installed.status(), 200);
    assert_eq!(sim.state().console_license().instances, Some(1000.0));
    // Usage with its query filters.
    let (_, usage) = get(&client, format!("{base}/licensing/usage/organizations")).await;
    assert_eq!(usage["meta"]["pagingInfo"]["total"], 6);
    let org = sim.state().organization_uids()[1];
    let (_, one) = get(
        &client,
        format!("{base}/licensing/usage/organizations?organizationUid={org}"),
    )
    .await;
    assert_eq!(one["meta"]["pagingInfo"]["total"], 1);
    let (_, providers) = get(
        &client,
        format!("{base}/licensing/usage/organizations?organizationType=Provider"),
    )
    .await;
    assert_eq!(providers["meta"]["pagingInfo"]["total"], 1);
    let (status, _) = get(
        &client,
        format!("{base}/licensing/usage/organizations?serverUid=zzz"),
    )
    .await;
    assert_eq!(status, 400);
    // Legacy VAC v2 auto-update toggle.
    let site = sim.state().site_uids()[0];
    let before = sim.state().site_license(site).unwrap().auto_update_enabled;
    let legacy = client
        .patch(format!(
            "{}/v2/licensing/cloudconnectLicenses/{site}",
            sim.root_url()
        ))
        .bearer_auth(KEY)
        .json(&json!({ "autoUpdateEnabled": !before }))
        .send()
        .await
        .unwrap();
    assert_eq!(legacy.status(), 200);
    let message: Value = legacy.json().await.unwrap();
    assert!(message
        .as_str()
        .unwrap()
        .starts_with("License key auto-update feature has been"));
    assert_eq!(
        sim.state().site_license(site).unwrap().auto_update_enabled,
        !before
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn repeated_request_id_is_applied_once() {
    let sim = start(SimulatorConfig::default()).await;
    let client = http_client();
    let uid = sim.state().backup_server_uids()[1];
    let url = format!("{}/licensing/backupServers/{uid}/update", sim.base_url());
    let id = uuid::Uuid::new_v4().to_string();
    let first = client
        .post(&url)
        .bearer_auth(KEY)
        .header("X-Request-id", &id)
        .send()
        .await
        .unwrap();
    let first_status = first.status();
    let first_body = first.bytes().await.unwrap();
    let second = client
        .post(&url)
        .bearer_auth(KEY)
        .header("X-Request-id", &id)
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), first_status);
    assert_eq!(second.bytes().await.unwrap(), first_body);
    assert_eq!(
        sim.state().changes_applied(&format!("backupServers/{uid}")),
        1
    );
    let other = client
        .post(&url)
        .bearer_auth(KEY)
        .header("X-Request-id", uuid::Uuid::new_v4().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
    assert_eq!(
        sim.state().changes_applied(&format!("backupServers/{uid}")),
        2
    );
    let bad = client
        .post(&url)
        .bearer_auth(KEY)
        .header("X-Request-id", "nope")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn async_actions_answer_202_and_finish() {
    let sim = start(
        SimulatorConfig::default()
            .async_operations(AsyncOperations::Only(HashSet::from([
                "PatchBackupServerLicense".to_owned(),
                "UpdateVOneServerLicense".to_owned(),
            ])))
            .async_delay(Duration::from_millis(300)),
    )
    .await;
    let client = http_client();
    let uid = sim.state().backup_server_uids()[0];
    let flipped = !sim
        .state()
        .backup_server_license(uid)
        .unwrap()
        .auto_update_enabled;
    let id = uuid::Uuid::new_v4();
    let accepted = client
        .patch(format!("{}/licensing/backupServers/{uid}", sim.base_url()))
        .bearer_auth(KEY)
        .header("X-Request-id", id.to_string())
        .header("content-type", "application/json")
        .body(patch_body("/autoUpdateEnabled", json!(flipped)))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 202);
    let location = accepted.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, format!("{}/asyncActions/{id}", sim.base_url()));
    let (_, running) = get(&client, location.clone()).await;
    assert_eq!(running["data"]["status"], "running");
    assert_eq!(running["data"]["actionName"], "PatchBackupServerLicense");
    assert_eq!(
        sim.state().changes_applied(&format!("backupServers/{uid}")),
        0
    );
    let mut status = String::new();
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        status = get(&client, location.clone()).await.1["data"]["status"]
            .as_str()
            .unwrap()
            .to_owned();
        if status != "running" {
            break;
        }
    }
    assert_eq!(status, "succeed");
    let (code, result) = get(&client, format!("{location}/result")).await;
    assert_eq!(code, 200);
    assert_eq!(result["data"]["autoUpdateEnabled"], flipped);
    assert_eq!(
        sim.state()
            .backup_server_license(uid)
            .unwrap()
            .auto_update_enabled,
        flipped
    );

    // Cancel before it runs: nothing is applied.
    let vone = sim.state().vone_server_uids()[0];
    let accepted = client
        .post(format!(
            "{}/licensing/voneServers/{vone}/update",
            sim.base_url()
        ))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 202);
    let location = accepted.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        client
            .delete(&location)
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        get(&client, location.clone()).await.1["data"]["status"],
        "canceled"
    );
    assert_eq!(
        sim.state().changes_applied(&format!("voneServers/{vone}")),
        0
    );
    assert_eq!(
        get(
            &client,
            format!("{}/asyncActions/{}", sim.base_url(), uuid::Uuid::new_v4())
        )
        .await
        .0,
        404
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn concurrent_patches_lose_nothing() {
    let sim = start(SimulatorConfig::default()).await;
    let client = http_client();
    let uids = sim.state().backup_server_uids();
    let mut tasks = Vec::new();
    for task in 0..32usize {
        let client = client.clone();
        let uid = uids[task % uids.len()];
        let url = format!("{}/licensing/backupServers/{uid}", sim.base_url());
        tasks.push(tokio::spawn(async move {
            for round in 0..10 {
                let response = client
                    .patch(&url)
                    .bearer_auth(KEY)
                    .header("content-type", "application/json")
                    .body(patch_body("/autoUpdateEnabled", json!(round % 2 == 0)))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(sim.state().total_changes_applied(), 320);
    for (i, uid) in uids.iter().enumerate() {
        let writers = (0..32).filter(|t| t % uids.len() == i).count() as u64;
        assert_eq!(
            sim.state().changes_applied(&format!("backupServers/{uid}")),
            writers * 10
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn same_seed_same_data_and_drift() {
    let a = start(SimulatorConfig::default().backup_servers(50)).await;
    let b = start(SimulatorConfig::default().backup_servers(50)).await;
    let c = start(SimulatorConfig::default().backup_servers(50).seed(7)).await;
    let client = http_client();
    let page =
        |sim: &SimulatorHandle| format!("{}/licensing/backupServers?limit=500", sim.base_url());
    let (_, x) = get(&client, page(&a)).await;
    let (_, y) = get(&client, page(&b)).await;
    let (_, z) = get(&client, page(&c)).await;
    assert_eq!(x, y);
    assert_ne!(x, z);
    let statuses: HashSet<&str> = x["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    assert!(statuses.contains("Valid") && statuses.contains("Expired"));
    let auto: HashSet<bool> = x["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["autoUpdateEnabled"].as_bool().unwrap())
        .collect();
    assert_eq!(auto.len(), 2);
    let drift = start(SimulatorConfig::default().drift(true)).await;
    let (_, drifted) = get(&client, page(&drift)).await;
    assert_eq!(drifted["data"][0]["type"], "Metered");
    assert!(drifted["data"][0].get("simulatorRevision").is_some());
    for sim in [a, b, c, drift] {
        sim.shutdown().await;
    }
}

/// Schemathesis found `POST /token` answering a token to a `select` that is no
/// `SelectParameter` (an empty `propertyPath`). The spec's `400` for the operation is an OAuth
/// error, so that is the refusal; a well-formed selection is taken.
#[tokio::test]
async fn token_checks_its_select() {
    let sim = start(SimulatorConfig::default().user("ops", "pw")).await;
    let client = http_client();
    let form = [
        ("grant_type", "password"),
        ("username", "ops"),
        ("password", "pw"),
    ];
    for (select, expected) in [
        ("false", 400),
        (r#"[{"propertyPath":""}]"#, 400),
        (r#"[{"propertyPath":"nothing"}]"#, 400),
        ("[]", 200),
        (r#"[{"propertyPath":"access_token"}]"#, 200),
    ] {
        let response = client
            .post(format!("{}/token", sim.base_url()))
            .query(&[("select", select)])
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, expected, "select={select}: {body}");
        if expected == 400 {
            assert_eq!(body["error"], "invalid_request", "select={select}: {body}");
        } else {
            assert!(body["access_token"].is_string(), "select={select}: {body}");
        }
    }
    sim.shutdown().await;
}
