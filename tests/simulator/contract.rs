//! Every operation of the simulator, on success and error paths, validated against the spec
//! with `vspc_licensing::contract`.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use reqwest::RequestBuilder;
use serde_json::{json, Value};
use vspc_licensing::contract::{DriftKind, Spec};
use vspc_licensing::simulator::{
    AsyncOperations, Simulator, SimulatorConfig, SimulatorHandle, DEFAULT_API_KEY,
    DEFAULT_PASSWORD, DEFAULT_READ_ONLY_API_KEY, DEFAULT_USER,
};

use crate::support::http_client;

const KEY: &str = DEFAULT_API_KEY;

/// Sends a request and checks its answer against the spec; returns status and body.
struct Checker {
    spec: &'static Spec,
    seen: BTreeSet<String>,
    strict: bool,
}

impl Checker {
    async fn check(&mut self, operation_id: &str, request: RequestBuilder) -> (u16, Vec<u8>) {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let body = response.bytes().await.unwrap().to_vec();
        if self.strict {
            let violations =
                self.spec
                    .response_drift(operation_id, status, content_type.as_deref(), &body);
            assert!(
                violations.is_empty(),
                "{operation_id} {status}: {violations:#?}\n{}",
                String::from_utf8_lossy(&body)
            );
            let header_violations = self.spec.validate_response_headers(
                operation_id,
                status,
                headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            );
            assert!(
                header_violations.is_empty(),
                "{operation_id} {status}: {header_violations:#?}"
            );
        }
        self.seen.insert(operation_id.to_owned());
        (status, body)
    }
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap()
}

fn lic(name: &str) -> reqwest::multipart::Form {
    let bytes = std::fs::read(format!(
        "{}/spec/licenses/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    reqwest::multipart::Form::new().part(
        "license",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
    )
}

fn patch(path: &str, value: Value) -> String {
    json!([{ "op": "replace", "path": path, "value": value }]).to_string()
}

async fn exercise(sim: &SimulatorHandle, checker: &mut Checker) {
    let c = http_client();
    let base = sim.base_url();
    let nobody = uuid::Uuid::new_v4();
    let auth = |r: RequestBuilder| r.bearer_auth(KEY);

    // Token: success and the three refusals.
    let (status, body) = checker
        .check(
            "OAuth2IssueToken",
            c.post(format!("{base}/token")).form(&[
                ("grant_type", "password"),
                ("username", DEFAULT_USER),
                ("password", DEFAULT_PASSWORD),
            ]),
        )
        .await;
    assert_eq!(status, 200);
    let refresh = json_of(&body)["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(
        checker
            .check(
                "OAuth2IssueToken",
                c.post(format!("{base}/token")).form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh.as_str())
                ])
            )
            .await
            .0,
        200
    );
    assert_eq!(
        checker
            .check(
                "OAuth2IssueToken",
                c.post(format!("{base}/token")).form(&[
                    ("grant_type", "password"),
                    ("username", "x"),
                    ("password", "y")
                ])
            )
            .await
            .0,
        400
    );
    assert_eq!(
        checker
            .check(
                "OAuth2IssueToken",
                c.post(format!("{base}/token"))
                    .form(&[("grant_type", "mfa")])
            )
            .await
            .0,
        400
    );

    // Per-server licenses.
    let kinds = [
        (
            "backupServers",
            "BackupServer",
            "GetBackupServersLicenses",
            sim.state().backup_server_uids(),
            "backup-server-rental.lic",
            true,
        ),
        (
            "sites",
            "Site",
            "GetSiteLicenses",
            sim.state().site_uids(),
            "cloud-connect-site.lic",
            false,
        ),
        (
            "voneServers",
            "VOneServer",
            "GetVOneServersLicenses",
            sim.state().vone_server_uids(),
            "vone-subscription.lic",
            true,
        ),
        (
            "vb365Servers",
            "Vb365Server",
            "GetVb365ServersLicenses",
            sim.state().vb365_server_uids(),
            "vb365-subscription.lic",
            false,
        ),
    ];
    for (segment, noun, list, uids, file, deletable) in kinds {
        let collection = format!("{base}/licensing/{segment}");
        let one = format!("{collection}/{}", uids[0]);
        let missing = format!("{collection}/{nobody}");
        assert_eq!(checker.check(list, auth(c.get(&collection))).await.0, 200);
        assert_eq!(
            checker
                .check(
                    list,
                    auth(c.get(format!(
                        "{collection}?select=%5B%7B%22propertyPath%22%3A%22company%22%7D%5D"
                    )))
                )
                .await
                .0,
            200
        );
        if segment != "sites" {
            assert_eq!(
                checker
                    .check(list, auth(c.get(format!("{collection}?limit=2&offset=1"))))
                    .await
                    .0,
                200
            );
            assert_eq!(
                checker
                    .check(list, auth(c.get(format!("{collection}?limit=0"))))
                    .await
                    .0,
                400
            );
            assert_eq!(
                checker
                    .check(list, auth(c.get(format!("{collection}?filter=%5B"))))
                    .await
                    .0,
                400
            );
        }
        assert_eq!(checker.check(list, c.get(&collection)).await.0, 401);
        let get = format!("Get{noun}License");
        assert_eq!(checker.check(&get, auth(c.get(&one))).await.0, 200);
        assert_eq!(checker.check(&get, auth(c.get(&missing))).await.0, 404);
        assert_eq!(
            checker
                .check(&get, auth(c.get(format!("{collection}/zzz"))))
                .await
                .0,
            400
        );
        let patch_id = format!("Patch{noun}License");
        let json_patch = |url: &str, body: String| {
            auth(c.patch(url))
                .header("content-type", "application/json")
                .body(body)
        };
        assert_eq!(
            checker
                .check(
                    &patch_id,
                    json_patch(&one, patch("/autoUpdateEnabled", json!(true)))
                )
                .await
                .0,
            200
        );
        assert_eq!(
            checker
                .check(&patch_id, json_patch(&one, patch("/company", json!("x"))))
                .await
                .0,
            400
        );
        assert_eq!(
            checker
                .check(
                    &patch_id,
                    json_patch(&missing, patch("/autoUpdateEnabled", json!(true)))
                )
                .await
                .0,
            404
        );
        assert_eq!(
            checker
                .check(
                    &patch_id,
                    c.patch(&one)
                        .bearer_auth(DEFAULT_READ_ONLY_API_KEY)
                        .header("content-type", "application/json")
                        .body(patch("/autoUpdateEnabled", json!(true)))
                )
                .await
                .0,
            403
        );
        let update = format!("Update{noun}License");
        assert_eq!(
            checker
                .check(&update, auth(c.post(format!("{one}/update"))))
                .await
                .0,
            200
        );
        assert_eq!(
            checker
                .check(&update, auth(c.post(format!("{missing}/update"))))
                .await
                .0,
            404
        );
        let install = format!("Install{noun}License");
        assert_eq!(
            checker
                .check(&install, auth(c.put(&one)).multipart(lic(file)))
                .await
                .0,
            200
        );
        assert_eq!(
            checker
                .check(
                    &install,
                    auth(c.put(&one)).multipart(lic("malformed-bad-units.lic"))
                )
                .await
                .0,
            400
        );
        if deletable {
            let delete = format!("Delete{noun}License");
            // A backup server's delete names the section (required, as in Veeam's documents).
            let section = if segment == "backupServers" {
                "?sectionForDelete=All"
            } else {
                ""
            };
            assert_eq!(
                checker
                    .check(
                        &delete,
                        auth(c.delete(format!("{collection}/{}{section}", uids[1])))
                    )
                    .await
                    .0,
                200
            );
            assert_eq!(
                checker
                    .check(&delete, auth(c.delete(format!("{missing}{section}"))))
                    .await
                    .0,
                404
            );
        }
    }

    // Reports.
    let reports = format!("{base}/licensing/reports");
    let (_, body) = checker
        .check("GetLicensingReports", auth(c.get(&reports)))
        .await;
    let report = &json_of(&body)["data"][0]["reportParameters"];
    let month = report["reportInterval"]["startOfInterval"]
        .as_str()
        .unwrap()[..7]
        .to_owned();
    let id = report["reportId"].as_i64().unwrap();
    assert_eq!(
        checker
            .check(
                "GetLicensingReports",
                auth(c.get(format!("{reports}?offset=-1")))
            )
            .await
            .0,
        400
    );
    assert_eq!(
        checker
            .check(
                "GetLatestLicensingReports",
                auth(c.get(format!("{reports}/latest")))
            )
            .await
            .0,
        200
    );
    assert_eq!(
        checker
            .check(
                "GetLicensingReportsForDate",
                auth(c.get(format!("{reports}/{month}")))
            )
            .await
            .0,
        200
    );
    assert_eq!(
        checker
            .check(
                "GetLicensingReportsForDate",
                auth(c.get(format!("{reports}/2020-00")))
            )
            .await
            .0,
        400
    );
    assert_eq!(
        checker
            .check(
                "DownloadLicensingReportCsv",
                auth(c.get(format!("{reports}/{id}/csv")))
            )
            .await
            .0,
        200
    );
    assert_eq!(
        checker
            .check(
                "DownloadLicensingReportCsv",
                auth(c.get(format!("{reports}/7/csv")))
            )
            .await
            .0,
        404
    );
    assert_eq!(
        checker
            .check(
                "FinalizeLicensingReports",
                auth(c.post(format!("{reports}/finalization")))
            )
            .await
            .0,
        200
    );
    assert_eq!(
        checker
            .check(
                "GetLicensingReportsSettings",
                auth(c.get(format!("{reports}/settings")))
            )
            .await
            .0,
        200
    );
    let settings = |body: String| {
        auth(c.patch(format!("{reports}/settings")))
            .header("content-type", "application/json")
            .body(body)
    };
    assert_eq!(
        checker
            .check(
                "PatchLicensingReportsSettings",
                settings(patch("/autoApprove", json!(true)))
            )
            .await
            .0,
        200
    );
    assert_eq!(
        checker
            .check(
                "PatchLicensingReportsSettings",
                settings(patch("/autoApprove", json!("no")))
            )
            .await
            .0,
        400
    );

    // Console and usage.
    let console = format!("{base}/licensing/console");
    assert_eq!(
        checker
            .check("GetConsoleLicenseInformation", auth(c.get(&console)))
            .await
            .0,
        200
    );
    assert_eq!(
        checker
            .check(
                "InstallConsoleLicense",
                auth(c.put(&console)).multipart(lic("console.lic"))
            )
            .await
            .0,
        200
    );
    assert_eq!(
        checker
            .check(
                "InstallConsoleLicense",
                auth(c.put(&console)).multipart(lic("backup-server-rental.lic"))
            )
            .await
            .0,
        400
    );
    assert_eq!(
        checker
            .check(
                "UpdateConsoleLicense",
                auth(c.post(format!("{console}/update")))
            )
            .await
            .0,
        200
    );
    assert_eq!(
        checker
            .check(
                "GetConsoleLicenseSettings",
                auth(c.get(format!("{console}/settings")))
            )
            .await
            .0,
        200
    );
    let (status, body) = checker
        .check("GetAboutInformation", auth(c.get(format!("{base}/about"))))
        .await;
    assert_eq!(status, 200);
    assert!(json_of(&body)["data"]["serverVersion"].is_string());
    let usage = format!("{base}/licensing/usage/organizations");
    assert_eq!(
        checker
            .check("GetOrganizationsLicenseUsage", auth(c.get(&usage)))
            .await
            .0,
        200
    );
    assert_eq!(
        checker
            .check(
                "GetOrganizationsLicenseUsage",
                auth(c.get(format!("{usage}?serverType=VB365&limit=3")))
            )
            .await
            .0,
        200
    );
    assert_eq!(
        checker
            .check(
                "GetOrganizationsLicenseUsage",
                auth(c.get(format!("{usage}?organizationUid=1")))
            )
            .await
            .0,
        400
    );

    // Async actions: unknown ids.
    let actions = format!("{base}/asyncActions/{nobody}");
    assert_eq!(
        checker
            .check("GetAsyncAction", auth(c.get(&actions)))
            .await
            .0,
        404
    );
    assert_eq!(
        checker
            .check(
                "GetAsyncActionResult",
                auth(c.get(format!("{actions}/result")))
            )
            .await
            .0,
        404
    );
    assert_eq!(
        checker
            .check("CancelAsyncAction", auth(c.delete(&actions)))
            .await
            .0,
        404
    );

    // VCSP Pulse: the seeded contracts and products, a license issued, read and deleted, and
    // a refused one.
    for (operation, path) in [
        ("GetPulseLicenseContracts", "contracts"),
        ("GetPulseLicenseProducts", "products"),
        ("GetPulseLicenses", "licenses"),
    ] {
        let request = auth(c.get(format!("{base}/pulse/{path}")));
        assert_eq!(
            checker.check(operation, request).await.0,
            200,
            "{operation}"
        );
    }
    let expiry = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let input = serde_json::json!({"productId": "VBR", "contractId": "C-1001",
        "expirationDate": expiry, "isAutomaticReportingEnabled": false,
        "workloads": [{"workloadId": "VM", "count": 10}]});
    let (status, body) = checker
        .check(
            "CreatePulseLicense",
            auth(c.post(format!("{base}/pulse/licenses")).json(&input)),
        )
        .await;
    assert_eq!(status, 200);
    let license = json_of(&body)["data"]["instanceUid"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut unknown = input.clone();
    unknown["productId"] = "NOPE".into();
    let refused = auth(c.post(format!("{base}/pulse/licenses")).json(&unknown));
    assert_eq!(checker.check("CreatePulseLicense", refused).await.0, 400);
    let one = format!("{base}/pulse/licenses/{license}");
    let patch = serde_json::json!([{"op": "replace", "path": "/description", "value": "x"}]);
    assert_eq!(
        checker
            .check("PatchPulseLicense", auth(c.patch(&one).json(&patch)))
            .await
            .0,
        200
    );
    let server = sim.state().backup_server_uids()[0];
    let install = auth(c.post(format!("{one}/install?serverUid={server}")));
    assert_eq!(checker.check("InstallPulseLicense", install).await.0, 200);
    let wrong = auth(c.post(format!("{one}/install?serverUid={nobody}")));
    assert_eq!(checker.check("InstallPulseLicense", wrong).await.0, 400);
    let (status, body) = checker
        .check("CopyPulseLicense", auth(c.post(format!("{one}/copy"))))
        .await;
    assert_eq!(status, 200);
    assert_ne!(json_of(&body)["data"]["instanceUid"], license.as_str());
    let download = auth(c.post(format!("{one}/download")));
    assert_eq!(checker.check("DownloadPulseLicense", download).await.0, 200);
    let sync = auth(c.post(format!("{base}/pulse/sync")));
    assert_eq!(checker.check("SyncPulseData", sync).await.0, 200);
    let revoke = auth(c.post(format!("{one}/revoke")));
    assert_eq!(checker.check("RevokePulseLicense", revoke).await.0, 200);
    assert_eq!(
        checker.check("GetPulseLicense", auth(c.get(&one))).await.0,
        200
    );
    assert_eq!(
        checker
            .check("DeletePulseLicense", auth(c.delete(&one)))
            .await
            .0,
        200
    );
    assert_eq!(
        checker.check("GetPulseLicense", auth(c.get(&one))).await.0,
        404
    );

    // The Pulse configuration and tenants, and the 3.7-only usage preview.
    let pulse = format!("{base}/pulse");
    assert_eq!(
        checker
            .check("GetPulseConfiguration", auth(c.get(&pulse)))
            .await
            .0,
        200
    );
    let switch = serde_json::json!([{"op": "replace", "path": "/isCompanyMappingEnabled",
        "value": false}]);
    assert_eq!(
        checker
            .check(
                "PatchPulseConfiguration",
                auth(c.patch(&pulse).json(&switch))
            )
            .await
            .0,
        200
    );
    let tenants = format!("{base}/pulse/tenants");
    let (status, body) = checker
        .check("GetPulseTenants", auth(c.get(&tenants)))
        .await;
    assert_eq!(status, 200);
    let listed = json_of(&body)["data"].clone();
    let first = listed[0]["instanceUid"].as_str().unwrap().to_owned();
    let company = listed[0]["mappedMasterOrganizationUid"]
        .as_str()
        .unwrap()
        .to_owned();
    let spare = listed[2]["instanceUid"].as_str().unwrap().to_owned();
    assert_eq!(
        checker
            .check("GetPulseTenant", auth(c.get(format!("{tenants}/{first}"))))
            .await
            .0,
        200
    );
    let create = auth(c.post(format!("{tenants}?companyUid={company}")));
    assert_eq!(
        checker.check("CreatePulseTenantByCompany", create).await.0,
        409
    );
    let create = auth(c.post(format!(
        "{tenants}?companyUid={company}&rewriteExisting=true"
    )));
    assert_eq!(
        checker.check("CreatePulseTenantByCompany", create).await.0,
        200
    );
    let remap = serde_json::json!([{"op": "replace", "path": "/mappedMasterOrganizationUid",
        "value": null}]);
    assert_eq!(
        checker
            .check(
                "PatchPulseTenant",
                auth(c.patch(format!("{tenants}/{first}")).json(&remap))
            )
            .await
            .0,
        200
    );
    let site = sim.state().site_uids()[0];
    let make = auth(c.post(format!("{tenants}/{spare}/createCompany?siteUid={site}")));
    assert_eq!(
        checker.check("CreateCompanyByPulseTenant", make).await.0,
        200
    );
    let usages = format!("{base}/pulse/monthlyUsages");
    assert_eq!(
        checker
            .check("GetPulseVdcMonthlyUsages", auth(c.get(&usages)))
            .await
            .0,
        404,
        "only consoles of API 3.7 have it"
    );
    let newest =
        Simulator::start(SimulatorConfig::default().api_version(vspc_licensing::ApiVersion::V3_7))
            .await
            .unwrap();
    let usages = format!("{}/pulse/monthlyUsages?limit=2", newest.base_url());
    assert_eq!(
        checker
            .check("GetPulseVdcMonthlyUsages", auth(c.get(&usages)))
            .await
            .0,
        200
    );
    newest.shutdown().await;
}

#[tokio::test]
async fn every_operation_answers_as_the_spec_says() {
    let sim = Simulator::start(SimulatorConfig::default()).await.unwrap();
    let spec = Spec::embedded();
    let mut checker = Checker {
        spec,
        seen: BTreeSet::new(),
        strict: true,
    };
    exercise(&sim, &mut checker).await;
    let all: BTreeSet<String> = spec
        .operations()
        .iter()
        .filter(|op| crate::support::simulator_serves(&op.operation_id, &op.path))
        .map(|op| op.operation_id.clone())
        .collect();
    let missing: Vec<_> = all
        .difference(&checker.seen)
        .filter(|op| !op.contains("AsyncAction"))
        .collect();
    assert!(missing.is_empty(), "operations not exercised: {missing:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn async_answers_and_action_endpoints_follow_the_spec() {
    let sim = Simulator::start(
        SimulatorConfig::default()
            .async_operations(AsyncOperations::Only(HashSet::from([
                "UpdateSiteLicense".to_owned(),
                "UpdateVb365ServerLicense".to_owned(),
            ])))
            // Long enough that the action is still running when the test asks for its result
            // and cancels the second one, however slowly a loaded machine answers.
            .async_delay(Duration::from_secs(2)),
    )
    .await
    .unwrap();
    let mut checker = Checker {
        spec: Spec::embedded(),
        seen: BTreeSet::new(),
        strict: true,
    };
    let c = http_client();
    let site = sim.state().site_uids()[0];
    let accepted = c
        .post(format!("{}/licensing/sites/{site}/update", sim.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 202);
    let location = accepted.headers()["location"].to_str().unwrap().to_owned();
    let violations = Spec::embedded().validate_response_headers(
        "UpdateSiteLicense",
        202,
        [("location", location.as_str())],
    );
    assert!(violations.is_empty(), "{violations:#?}");
    assert_eq!(
        checker
            .check("GetAsyncAction", c.get(&location).bearer_auth(KEY))
            .await
            .0,
        200
    );
    assert_eq!(
        checker
            .check(
                "GetAsyncActionResult",
                c.get(format!("{location}/result")).bearer_auth(KEY)
            )
            .await
            .0,
        409
    );
    // Wait for the action to finish (polling, not a fixed sleep).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let state: Value = c
            .get(&location)
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if state["data"]["status"] != "running" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the action never finished"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        checker
            .check("GetAsyncAction", c.get(&location).bearer_auth(KEY))
            .await
            .0,
        200
    );
    assert_eq!(
        checker
            .check(
                "GetAsyncActionResult",
                c.get(format!("{location}/result")).bearer_auth(KEY)
            )
            .await
            .0,
        200
    );
    let vb365 = sim.state().vb365_server_uids()[0];
    let accepted = c
        .post(format!(
            "{}/licensing/vb365Servers/{vb365}/update",
            sim.base_url()
        ))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    let location = accepted.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        checker
            .check("CancelAsyncAction", c.delete(&location).bearer_auth(KEY))
            .await
            .0,
        200
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn drift_mode_is_what_the_drift_report_sees() {
    let sim = Simulator::start(SimulatorConfig::default().drift(true))
        .await
        .unwrap();
    let c = http_client();
    let body = c
        .get(format!("{}/licensing/backupServers", sim.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let kinds: HashSet<DriftKind> = Spec::embedded()
        .response_drift(
            "GetBackupServersLicenses",
            200,
            Some("application/json"),
            &body,
        )
        .into_iter()
        .map(|v| v.kind)
        .collect();
    assert!(kinds.contains(&DriftKind::UndocumentedField), "{kinds:?}");
    assert!(kinds.contains(&DriftKind::UnknownEnumValue), "{kinds:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn legacy_v2_answers_follow_the_v2_spec() {
    let spec = Spec::load(format!(
        "{}/spec/vac-v2-licensing.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let sim = Simulator::start(SimulatorConfig::default()).await.unwrap();
    let c = http_client();
    let site = sim.state().site_uids()[0];
    let url = |id: String| format!("{}/v2/licensing/cloudconnectLicenses/{id}", sim.root_url());
    let cases = [
        (
            url(site.to_string()),
            Some(KEY),
            json!({ "autoUpdateEnabled": true }),
            200,
        ),
        (
            url(site.to_string()),
            Some(KEY),
            json!({ "autoUpdateEnabled": "on" }),
            400,
        ),
        (
            url("not-a-uuid".into()),
            Some(KEY),
            json!({ "autoUpdateEnabled": true }),
            400,
        ),
        (
            url(uuid::Uuid::new_v4().to_string()),
            Some(KEY),
            json!({ "autoUpdateEnabled": true }),
            404,
        ),
        (
            url(site.to_string()),
            None,
            json!({ "autoUpdateEnabled": true }),
            401,
        ),
        (
            url(site.to_string()),
            Some(DEFAULT_READ_ONLY_API_KEY),
            json!({ "autoUpdateEnabled": false }),
            403,
        ),
    ];
    for (url, key, body, expected) in cases {
        let mut request = c.patch(url).json(&body);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = response.bytes().await.unwrap();
        assert_eq!(status, expected, "{}", String::from_utf8_lossy(&bytes));
        assert!(serde_json::from_slice::<Value>(&bytes).unwrap().is_string());
        let violations = spec.validate_response(
            "SetCloudConnectLicenseAutoUpdate",
            status,
            content_type.as_deref(),
            &bytes,
        );
        assert!(violations.is_empty(), "{status}: {violations:#?}");
    }
    assert!(sim.state().site_license(site).unwrap().auto_update_enabled);
    sim.shutdown().await;
}
