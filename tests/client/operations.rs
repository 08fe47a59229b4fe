//! Every operation of the spec (the licensing ones, the token, and the async-action ones a 202
//! leads to) called through the public API, over real HTTP, with the
//! request the client sends checked: method, path, query, headers and body. The server answers
//! with the spec's own examples, so the answers are decoded into the typed model as well. Each
//! JSON Patch operation the crate builds reaches the console as written.

use crate::support::recorder;

use std::collections::BTreeSet;
use std::time::Duration;

use futures::TryStreamExt;
use recorder::{operation_for, Canned, Recorded, Recorder};
use serde_json::{json, Value};
use uuid::Uuid;
use vspc_licensing::contract::Spec;
use vspc_licensing::enums::{OrganizationType, SectionForDelete, ServerType};
use vspc_licensing::types::JsonPatches;
use vspc_licensing::{AsyncActionPolicy, Client, LicenseFile, Patch, Product, UsageFilter};
use vspc_licensing::{Filter, ListQuery, Select, Sort};

const KEY: &str = "test-api-key-0123";
const UID: &str = "6f1c2e8a-0b4d-4c3e-9a7f-1d2e3f4a5b6c";

fn uid() -> Uuid {
    UID.parse().unwrap()
}

fn file() -> LicenseFile {
    LicenseFile::from_bytes("site.lic", b"VEEAM LICENSE\nProduct=Test\n".to_vec())
}

/// Checks what every request carries, and returns the operationId the request addressed.
fn common_checks(request: &Recorded) -> String {
    assert_eq!(
        request.header("authorization"),
        Some(&*format!("Bearer {KEY}")),
        "{request:?}"
    );
    assert_eq!(
        request.header("x-client-version"),
        Some(vspc_licensing::API_VERSION)
    );
    let request_id = request
        .header("x-request-id")
        .expect("every licensing call carries X-Request-id");
    request_id.parse::<Uuid>().expect("X-Request-id is a UUID");
    assert!(
        request.header("api-version").is_none(),
        "progenitor's api-version header is dropped"
    );
    let (_, op) = operation_for(&request.method, &request.path)
        .unwrap_or_else(|| panic!("{} {} is not in the spec", request.method, request.path));
    op["operationId"].as_str().unwrap().to_owned()
}

fn only(recorder: &Recorder) -> Recorded {
    let mut requests = recorder.take();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    requests.remove(0)
}

fn assert_multipart(request: &Recorded) {
    let content_type = request.header("content-type").unwrap();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .expect(content_type);
    let body = String::from_utf8(request.body.to_vec()).unwrap();
    assert!(body.starts_with(&format!("--{boundary}\r\n")), "{body}");
    assert!(
        body.contains(
            "Content-Disposition: form-data; name=\"license\"; filename=\"site.lic\"\r\n"
        ),
        "{body}"
    );
    assert!(
        body.contains("\r\n\r\nVEEAM LICENSE\nProduct=Test\n\r\n"),
        "{body}"
    );
    assert!(body.ends_with(&format!("\r\n--{boundary}--\r\n")), "{body}");
}

#[tokio::test]
async fn every_operation_sends_the_request_the_spec_describes() {
    let recorder = Recorder::start().await;
    let client = Client::builder(recorder.url())
        .api_key(KEY)
        .build()
        .unwrap();
    let mut seen = BTreeSet::new();
    let mut rendered = String::new();
    let mut check = |request: Recorded,
                     operation: &str,
                     method: &str,
                     path: &str,
                     query: &[(&str, &str)]|
     -> Recorded {
        assert_eq!(common_checks(&request), operation);
        // The spec itself judges the request: parameters, headers and body.
        let relative = request.path.strip_prefix("/api/v3").unwrap();
        let target = match &request.query {
            Some(query) => format!("{relative}?{query}"),
            None => relative.to_owned(),
        };
        let headers = request
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.as_bytes().to_vec()));
        let violations = Spec::embedded().validate_request(
            operation,
            request.method.as_str(),
            &target,
            headers,
            &request.body,
        );
        assert!(
            violations.is_empty(),
            "{operation}: the request breaks the spec: {violations:#?}"
        );
        rendered.push_str(&render(operation, &request));
        assert_eq!(request.method.as_str(), method, "{operation}");
        assert_eq!(request.path, path, "{operation}");
        let mut expected: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        expected.sort();
        assert_eq!(request.query_pairs(), expected, "{operation}");
        seen.insert(operation.to_owned());
        request
    };
    let patch_body =
        |value: bool, path: &str| json!([{"op": "replace", "path": path, "value": value}]);

    // Cloud Connect sites
    assert_eq!(client.site_licenses().await.unwrap().len(), 1);
    check(
        only(&recorder),
        "GetSiteLicenses",
        "GET",
        "/api/v3/licensing/sites",
        &[],
    );
    client.license(Product::Site, Some(uid())).await.unwrap();
    check(
        only(&recorder),
        "GetSiteLicense",
        "GET",
        &format!("/api/v3/licensing/sites/{UID}"),
        &[],
    );
    client.install_site_license(uid(), &file()).await.unwrap();
    let request = check(
        only(&recorder),
        "InstallSiteLicense",
        "PUT",
        &format!("/api/v3/licensing/sites/{UID}"),
        &[],
    );
    assert_multipart(&request);
    client
        .enable_auto_update(Product::Site, uid())
        .await
        .unwrap();
    let request = check(
        only(&recorder),
        "PatchSiteLicense",
        "PATCH",
        &format!("/api/v3/licensing/sites/{UID}"),
        &[],
    );
    assert_eq!(request.json_body(), patch_body(true, "/autoUpdateEnabled"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    client
        .renew_license(Product::Site, Some(uid()))
        .await
        .unwrap();
    check(
        only(&recorder),
        "UpdateSiteLicense",
        "POST",
        &format!("/api/v3/licensing/sites/{UID}/update"),
        &[],
    );

    // Reports
    let query = ListQuery::new()
        // One page at a time: a walk's first wave would send more than the one request judged.
        .pages_in_flight(1)
        .page_size(50)
        .filter(Filter::equals("reportStatus", "Approved"))
        .sort(Sort::descending("reportParameters.generationDate"));
    let reports: Vec<_> = client
        .license_reports(query.clone())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(reports.len(), 1);
    let filter = r#"[{"operation":"equals","property":"reportStatus","value":"Approved"}]"#;
    let sort = r#"[{"direction":"descending","property":"reportParameters.generationDate"}]"#;
    let paged = [
        ("filter", filter),
        ("limit", "50"),
        ("offset", "0"),
        ("sort", sort),
    ];
    check(
        only(&recorder),
        "GetLicensingReports",
        "GET",
        "/api/v3/licensing/reports",
        &paged,
    );
    let _: Vec<_> = client
        .latest_license_reports(query.clone())
        .try_collect()
        .await
        .unwrap();
    check(
        only(&recorder),
        "GetLatestLicensingReports",
        "GET",
        "/api/v3/licensing/reports/latest",
        &paged,
    );
    let csv = client.download_license_report_csv(202610).await.unwrap();
    assert!(csv.starts_with(b"Organization,"), "{csv:?}");
    check(
        only(&recorder),
        "DownloadLicensingReportCsv",
        "GET",
        "/api/v3/licensing/reports/202610/csv",
        &[],
    );
    let _: Vec<_> = client
        .license_reports_for_month("2026-10", query.clone())
        .try_collect()
        .await
        .unwrap();
    check(
        only(&recorder),
        "GetLicensingReportsForDate",
        "GET",
        "/api/v3/licensing/reports/2026-10",
        &paged,
    );
    client.finalize_license_reports().await.unwrap();
    check(
        only(&recorder),
        "FinalizeLicensingReports",
        "POST",
        "/api/v3/licensing/reports/finalization",
        &[],
    );
    client.license_report_settings().await.unwrap();
    check(
        only(&recorder),
        "GetLicensingReportsSettings",
        "GET",
        "/api/v3/licensing/reports/settings",
        &[],
    );
    client.set_report_auto_approve(true).await.unwrap();
    let request = check(
        only(&recorder),
        "PatchLicensingReportsSettings",
        "PATCH",
        "/api/v3/licensing/reports/settings",
        &[],
    );
    assert_eq!(request.json_body(), patch_body(true, "/autoApprove"));

    // Veeam Backup & Replication
    let select = r#"[{"propertyPath":"backupServerUid"},{"propertyPath":"expirationDate"}]"#;
    let listed: Vec<_> = client
        .backup_server_licenses(
            ListQuery::new()
                .pages_in_flight(1)
                .page_size(500)
                .select(Select::properties(["backupServerUid", "expirationDate"])),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    check(
        only(&recorder),
        "GetBackupServersLicenses",
        "GET",
        "/api/v3/licensing/backupServers",
        &[("limit", "500"), ("offset", "0"), ("select", select)],
    );
    client
        .license(Product::BackupServer, Some(uid()))
        .await
        .unwrap();
    check(
        only(&recorder),
        "GetBackupServerLicense",
        "GET",
        &format!("/api/v3/licensing/backupServers/{UID}"),
        &[],
    );
    client
        .install_backup_server_license(uid(), &file())
        .await
        .unwrap();
    assert_multipart(&check(
        only(&recorder),
        "InstallBackupServerLicense",
        "PUT",
        &format!("/api/v3/licensing/backupServers/{UID}"),
        &[],
    ));
    client
        .delete_license(
            Product::BackupServer,
            uid(),
            Some(SectionForDelete::Instance),
        )
        .await
        .unwrap();
    check(
        only(&recorder),
        "DeleteBackupServerLicense",
        "DELETE",
        &format!("/api/v3/licensing/backupServers/{UID}"),
        &[("sectionForDelete", "Instance")],
    );
    client
        .delete_license(Product::BackupServer, uid(), None)
        .await
        .unwrap();
    check(
        only(&recorder),
        "DeleteBackupServerLicense",
        "DELETE",
        &format!("/api/v3/licensing/backupServers/{UID}"),
        &[("sectionForDelete", "All")],
    );
    client
        .disable_auto_update(Product::BackupServer, uid())
        .await
        .unwrap();
    let request = check(
        only(&recorder),
        "PatchBackupServerLicense",
        "PATCH",
        &format!("/api/v3/licensing/backupServers/{UID}"),
        &[],
    );
    assert_eq!(request.json_body(), patch_body(false, "/autoUpdateEnabled"));
    client
        .renew_license(Product::BackupServer, Some(uid()))
        .await
        .unwrap();
    check(
        only(&recorder),
        "UpdateBackupServerLicense",
        "POST",
        &format!("/api/v3/licensing/backupServers/{UID}/update"),
        &[],
    );

    // Veeam ONE
    let _: Vec<_> = client
        .v_one_server_licenses(ListQuery::new().pages_in_flight(1))
        .try_collect()
        .await
        .unwrap();
    check(
        only(&recorder),
        "GetVOneServersLicenses",
        "GET",
        "/api/v3/licensing/voneServers",
        &[("limit", "100"), ("offset", "0")],
    );
    client
        .license(Product::VOneServer, Some(uid()))
        .await
        .unwrap();
    check(
        only(&recorder),
        "GetVOneServerLicense",
        "GET",
        &format!("/api/v3/licensing/voneServers/{UID}"),
        &[],
    );
    client
        .install_v_one_server_license(uid(), &file())
        .await
        .unwrap();
    assert_multipart(&check(
        only(&recorder),
        "InstallVOneServerLicense",
        "PUT",
        &format!("/api/v3/licensing/voneServers/{UID}"),
        &[],
    ));
    client
        .delete_license(Product::VOneServer, uid(), None)
        .await
        .unwrap();
    check(
        only(&recorder),
        "DeleteVOneServerLicense",
        "DELETE",
        &format!("/api/v3/licensing/voneServers/{UID}"),
        &[],
    );
    client
        .enable_auto_update(Product::VOneServer, uid())
        .await
        .unwrap();
    check(
        only(&recorder),
        "PatchVOneServerLicense",
        "PATCH",
        &format!("/api/v3/licensing/voneServers/{UID}"),
        &[],
    );
    client
        .renew_license(Product::VOneServer, Some(uid()))
        .await
        .unwrap();
    check(
        only(&recorder),
        "UpdateVOneServerLicense",
        "POST",
        &format!("/api/v3/licensing/voneServers/{UID}/update"),
        &[],
    );

    // Veeam Backup for Microsoft 365
    let err = client
        .vb365_server_licenses(ListQuery::new().pages_in_flight(1).offset(7))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ignores `offset`"), "{err}");
    // The example page says offset 0 while offset 7 was asked: the paging guard refuses it.
    check(
        only(&recorder),
        "GetVb365ServersLicenses",
        "GET",
        "/api/v3/licensing/vb365Servers",
        &[("limit", "100"), ("offset", "7")],
    );
    client
        .license(Product::Vb365Server, Some(uid()))
        .await
        .unwrap();
    check(
        only(&recorder),
        "GetVb365ServerLicense",
        "GET",
        &format!("/api/v3/licensing/vb365Servers/{UID}"),
        &[],
    );
    client
        .install_vb365_server_license(uid(), &file())
        .await
        .unwrap();
    assert_multipart(&check(
        only(&recorder),
        "InstallVb365ServerLicense",
        "PUT",
        &format!("/api/v3/licensing/vb365Servers/{UID}"),
        &[],
    ));
    client
        .enable_auto_update(Product::Vb365Server, uid())
        .await
        .unwrap();
    check(
        only(&recorder),
        "PatchVb365ServerLicense",
        "PATCH",
        &format!("/api/v3/licensing/vb365Servers/{UID}"),
        &[],
    );
    client
        .renew_license(Product::Vb365Server, Some(uid()))
        .await
        .unwrap();
    check(
        only(&recorder),
        "UpdateVb365ServerLicense",
        "POST",
        &format!("/api/v3/licensing/vb365Servers/{UID}/update"),
        &[],
    );

    // The console's version
    let about = client.get_about_information().send().await.unwrap();
    assert!(about.into_inner().data.server_version.is_some());
    check(
        only(&recorder),
        "GetAboutInformation",
        "GET",
        "/api/v3/about",
        &[],
    );

    // The console
    client.license(Product::Console, None).await.unwrap();
    check(
        only(&recorder),
        "GetConsoleLicenseInformation",
        "GET",
        "/api/v3/licensing/console",
        &[],
    );
    client.install_console_license(&file()).await.unwrap();
    assert_multipart(&check(
        only(&recorder),
        "InstallConsoleLicense",
        "PUT",
        "/api/v3/licensing/console",
        &[],
    ));
    client.renew_license(Product::Console, None).await.unwrap();
    check(
        only(&recorder),
        "UpdateConsoleLicense",
        "POST",
        "/api/v3/licensing/console/update",
        &[],
    );
    assert!(
        client
            .console_license_settings()
            .await
            .unwrap()
            .is_auto_update_enabled
    );
    check(
        only(&recorder),
        "GetConsoleLicenseSettings",
        "GET",
        "/api/v3/licensing/console/settings",
        &[],
    );

    // Usage by organization, with its own filters
    let org = Uuid::from_u128(0x7b3c4d5e_6f70_4a8b_9cad_1e2f3a4b5c6d);
    let usage_filter = UsageFilter {
        organization_uid: Some(org),
        organization_type: Some(OrganizationType::Company),
        server_type: Some(ServerType::Vb365),
        ..UsageFilter::default()
    };
    let usage: Vec<_> = client
        .organization_license_usage(
            usage_filter,
            ListQuery::new().pages_in_flight(1).page_size(10),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(usage[0].servers[0].workloads[0].used_count, 42);
    let org = org.to_string();
    check(
        only(&recorder),
        "GetOrganizationsLicenseUsage",
        "GET",
        "/api/v3/licensing/usage/organizations",
        &[
            ("limit", "10"),
            ("offset", "0"),
            ("organizationType", "Company"),
            ("organizationUid", &org),
            ("serverType", "VB365"),
        ],
    );

    // Async actions: a read answered 202 is followed to its result ...
    let action = Uuid::from_u128(0x97431954_0dd7_472a_8cb7_d0cb0fbccaf7);
    let action_path = format!("/api/v3/asyncActions/{action}");
    let accepted = || Canned {
        status: 202,
        headers: vec![(
            "location".into(),
            format!("{}{action_path}", recorder.url()),
        )],
        body: Vec::new(),
    };
    recorder.push([
        accepted(),
        Canned::json(
            200,
            json!({ "data": {
                "id": action,
                "initiatorUid": "3e1b1c52-7b8e-4d55-b0c1-3f5e9e2e7a10",
                "actionName": "GetBackupServerLicense",
                "status": "succeed",
                "queryParameters": {},
            } }),
        ),
    ]);
    let followed = client
        .license(Product::BackupServer, Some(uid()))
        .await
        .unwrap();
    assert_eq!(followed.auto_update_enabled(), Some(true));
    let mut flow = recorder.take().into_iter();
    let path = format!("/api/v3/licensing/backupServers/{UID}");
    let steps = [
        ("GetBackupServerLicense", "GET", path.clone()),
        ("GetAsyncAction", "GET", action_path.clone()),
        (
            "GetAsyncActionResult",
            "GET",
            format!("{action_path}/result"),
        ),
    ];
    for (operation, method, path) in &steps {
        let request = flow
            .next()
            .unwrap_or_else(|| panic!("no {operation} request"));
        check(request, operation, method, path, &[]);
    }
    assert!(flow.next().is_none());
    // ... and one that outlives the policy's timeout is canceled.
    let impatient = Client::builder(recorder.url())
        .api_key(KEY)
        .async_actions(
            AsyncActionPolicy::default()
                .timeout(Duration::ZERO)
                .poll_interval(Duration::from_millis(1), Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    recorder.push([accepted()]);
    let err = impatient
        .license(Product::BackupServer, Some(uid()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("timed out"), "{err}");
    let mut flow = recorder.take().into_iter();
    let steps = [
        ("GetBackupServerLicense", "GET", path.clone()),
        ("GetAsyncAction", "GET", action_path.clone()),
        ("CancelAsyncAction", "DELETE", action_path.clone()),
    ];
    for (operation, method, path) in &steps {
        let request = flow
            .next()
            .unwrap_or_else(|| panic!("no {operation} request"));
        check(request, operation, method, path, &[]);
    }
    assert!(flow.next().is_none());

    // VCSP Pulse, through the generated operations.
    let pulse_patch = json!([{"op": "replace", "path": "/description", "value": "renamed"}]);
    let patches = || -> vspc_licensing::types::JsonPatches {
        serde_json::from_value(pulse_patch.clone()).unwrap()
    };
    let license = format!("/api/v3/pulse/licenses/{UID}");
    client.get_pulse_configuration().send().await.unwrap();
    check(
        only(&recorder),
        "GetPulseConfiguration",
        "GET",
        "/api/v3/pulse",
        &[],
    );
    client
        .patch_pulse_configuration()
        .body(patches())
        .send()
        .await
        .unwrap();
    let request = check(
        only(&recorder),
        "PatchPulseConfiguration",
        "PATCH",
        "/api/v3/pulse",
        &[],
    );
    assert_eq!(request.json_body(), pulse_patch);
    client.sync_pulse_data().send().await.unwrap();
    check(
        only(&recorder),
        "SyncPulseData",
        "POST",
        "/api/v3/pulse/sync",
        &[],
    );
    client.get_pulse_license_contracts().send().await.unwrap();
    check(
        only(&recorder),
        "GetPulseLicenseContracts",
        "GET",
        "/api/v3/pulse/contracts",
        &[],
    );
    client.get_pulse_license_products().send().await.unwrap();
    check(
        only(&recorder),
        "GetPulseLicenseProducts",
        "GET",
        "/api/v3/pulse/products",
        &[],
    );
    client.get_pulse_licenses().send().await.unwrap();
    check(
        only(&recorder),
        "GetPulseLicenses",
        "GET",
        "/api/v3/pulse/licenses",
        &[],
    );
    let input: vspc_licensing::types::PulseLicenseInput = serde_json::from_value(json!({
        "productId": "VBR_ENTPLUS_12_3", "contractId": "07100042",
        "expirationDate": "2027-03-31T00:00:00Z",
        "workloads": [{"workloadId": "VM_VBR_ENTPLUS_12_3", "count": 50}]
    }))
    .unwrap();
    client
        .create_pulse_license()
        .body(input)
        .send()
        .await
        .unwrap();
    let request = check(
        only(&recorder),
        "CreatePulseLicense",
        "POST",
        "/api/v3/pulse/licenses",
        &[],
    );
    assert_eq!(request.json_body()["workloads"][0]["count"], json!(50));
    client
        .get_pulse_license()
        .license_uid(uid())
        .send()
        .await
        .unwrap();
    check(only(&recorder), "GetPulseLicense", "GET", &license, &[]);
    client
        .patch_pulse_license()
        .license_uid(uid())
        .body(patches())
        .send()
        .await
        .unwrap();
    check(only(&recorder), "PatchPulseLicense", "PATCH", &license, &[]);
    client
        .delete_pulse_license()
        .license_uid(uid())
        .send()
        .await
        .unwrap();
    check(
        only(&recorder),
        "DeletePulseLicense",
        "DELETE",
        &license,
        &[],
    );
    client
        .copy_pulse_license()
        .license_uid(uid())
        .send()
        .await
        .unwrap();
    check(
        only(&recorder),
        "CopyPulseLicense",
        "POST",
        &format!("{license}/copy"),
        &[],
    );
    client
        .revoke_pulse_license()
        .license_uid(uid())
        .send()
        .await
        .unwrap();
    check(
        only(&recorder),
        "RevokePulseLicense",
        "POST",
        &format!("{license}/revoke"),
        &[],
    );
    client
        .install_pulse_license()
        .license_uid(uid())
        .server_uid(uid())
        .send()
        .await
        .unwrap();
    check(
        only(&recorder),
        "InstallPulseLicense",
        "POST",
        &format!("{license}/install"),
        &[("serverUid", UID)],
    );
    client
        .download_pulse_license()
        .license_uid(uid())
        .send()
        .await
        .unwrap();
    check(
        only(&recorder),
        "DownloadPulseLicense",
        "POST",
        &format!("{license}/download"),
        &[],
    );
    client.get_pulse_tenants().send().await.unwrap();
    check(
        only(&recorder),
        "GetPulseTenants",
        "GET",
        "/api/v3/pulse/tenants",
        &[],
    );
    client
        .create_pulse_tenant_by_company()
        .company_uid(uid())
        .send()
        .await
        .unwrap();
    check(
        only(&recorder),
        "CreatePulseTenantByCompany",
        "POST",
        "/api/v3/pulse/tenants",
        &[("companyUid", UID)],
    );
    client
        .get_pulse_tenant()
        .tenant_uid("b0Q4x00000FabrkAAC")
        .send()
        .await
        .unwrap();
    check(
        only(&recorder),
        "GetPulseTenant",
        "GET",
        "/api/v3/pulse/tenants/b0Q4x00000FabrkAAC",
        &[],
    );
    client
        .patch_pulse_tenant()
        .tenant_uid("b0Q4x00000FabrkAAC")
        .body(patches())
        .send()
        .await
        .unwrap();
    check(
        only(&recorder),
        "PatchPulseTenant",
        "PATCH",
        "/api/v3/pulse/tenants/b0Q4x00000FabrkAAC",
        &[],
    );
    client
        .create_company_by_pulse_tenant()
        .tenant_uid("b0Q4x00000FabrkAAC")
        .site_uid(uid())
        .send()
        .await
        .unwrap();
    check(
        only(&recorder),
        "CreateCompanyByPulseTenant",
        "POST",
        "/api/v3/pulse/tenants/b0Q4x00000FabrkAAC/createCompany",
        &[("siteUid", UID)],
    );
    client
        .get_pulse_vdc_monthly_usages()
        .from("2026-07")
        .to("2026-10")
        .send()
        .await
        .unwrap();
    check(
        only(&recorder),
        "GetPulseVdcMonthlyUsages",
        "GET",
        "/api/v3/pulse/monthlyUsages",
        &[("from", "2026-07"), ("to", "2026-10")],
    );

    // Signing in with a user name and password: the token request, then the call with the
    // access token it returned.
    let signed_in = Client::builder(recorder.url())
        .credentials("msp-automation", "correct-horse-battery-staple")
        .build()
        .unwrap();
    signed_in.license(Product::Console, None).await.unwrap();
    let mut flow = recorder.take().into_iter();
    let token = flow.next().expect("a token request");
    let violations = Spec::embedded().validate_request(
        "OAuth2IssueToken",
        token.method.as_str(),
        token.path.strip_prefix("/api/v3").unwrap(),
        token
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.as_bytes().to_vec())),
        &token.body,
    );
    assert!(violations.is_empty(), "OAuth2IssueToken: {violations:#?}");
    assert_eq!(
        (token.method.as_str(), token.path.as_str()),
        ("POST", "/api/v3/token")
    );
    assert!(token.header("authorization").is_none());
    assert!(
        token.header("x-request-id").is_none(),
        "/token takes no X-Request-id"
    );
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&token.body)
        .into_owned()
        .collect();
    assert!(
        form.contains(&("grant_type".into(), "password".into())),
        "{form:?}"
    );
    rendered.push_str(
        &render("OAuth2IssueToken", &token).replace("correct-horse-battery-staple", "[password]"),
    );
    seen.insert("OAuth2IssueToken".to_owned());
    let call = flow.next().expect("the call after signing in");
    assert_eq!(
        call.header("authorization"),
        Some("Bearer eyJhbGciOiJSUzI1NiJ9.access.sig")
    );
    assert!(flow.next().is_none());

    // Every operation of the spec was exercised.
    let in_spec: BTreeSet<String> = Spec::embedded()
        .operations()
        .iter()
        .map(|operation| operation.operation_id.clone())
        .collect();
    assert_eq!(in_spec.len(), 59);
    assert_eq!(seen, in_spec);
    crate::support::snapshot_settings_in("")
        .bind(|| insta::assert_snapshot!("client_requests", rendered));
}

/// One request as text, volatile parts redacted: the request id, the multipart boundary and
/// the crate version in the user agent.
pub(crate) fn render(operation: &str, request: &Recorded) -> String {
    let mut out = format!("== {operation}\n{} {}\n", request.method, request.path);
    for (name, value) in request.query_pairs() {
        out.push_str(&format!("  ?{name}={value}\n"));
    }
    let boundary = request
        .header("content-type")
        .and_then(|t| t.strip_prefix("multipart/form-data; boundary="))
        .map(str::to_owned);
    let mut names: Vec<&str> = request.headers.keys().map(|k| k.as_str()).collect();
    names.sort();
    for name in names {
        let value = match name {
            "x-request-id" => "[uuid]".to_owned(),
            "user-agent" => "vspc-licensing/[version]".to_owned(),
            "host" => "[host]".to_owned(),
            _ => request.header(name).unwrap_or_default().to_owned(),
        };
        out.push_str(&format!("  {name}: {value}\n"));
    }
    let mut body = String::from_utf8_lossy(&request.body).into_owned();
    if let Some(boundary) = boundary {
        body = body.replace(&boundary, "[boundary]");
        out = out.replace(&boundary, "[boundary]");
    }
    if !body.is_empty() {
        out.push_str(&format!("  body: {}\n", body.escape_debug()));
    }
    out.push('\n');
    out
}

#[tokio::test]
async fn async_action_operations_are_reachable() {
    let recorder = Recorder::start().await;
    let client = Client::builder(recorder.url())
        .api_key(KEY)
        .build()
        .unwrap();
    let id = Uuid::new_v4();
    let info = client
        .get_async_action()
        .action_id(id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.data.action_name, "PatchBackupServerLicense");
    let request = only(&recorder);
    assert_eq!(common_checks(&request), "GetAsyncAction");
    client
        .get_async_action_result()
        .action_id(id)
        .send()
        .await
        .unwrap();
    assert_eq!(common_checks(&only(&recorder)), "GetAsyncActionResult");
    client
        .cancel_async_action()
        .action_id(id)
        .send()
        .await
        .unwrap();
    let request = only(&recorder);
    assert_eq!(common_checks(&request), "CancelAsyncAction");
    assert_eq!(request.path, format!("/api/v3/asyncActions/{id}"));
}

#[tokio::test]
async fn a_caller_chosen_request_id_is_kept() {
    let recorder = Recorder::start().await;
    let client = Client::builder(recorder.url())
        .api_key(KEY)
        .build()
        .unwrap();
    let mine = Uuid::new_v4();
    client
        .get_console_license_settings()
        .x_request_id(mine)
        .send()
        .await
        .unwrap();
    assert_eq!(
        only(&recorder).header("x-request-id"),
        Some(&*mine.to_string())
    );
}

#[tokio::test]
async fn bad_inputs_are_refused_before_anything_is_sent() {
    let recorder = Recorder::start().await;
    let client = Client::builder(recorder.url())
        .api_key(KEY)
        .build()
        .unwrap();
    for size in [0, 501] {
        let err = client
            .backup_server_licenses(ListQuery::new().page_size(size))
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert!(err.to_string().contains("1 to 500"), "{err}");
    }
    let err = client
        .license_reports_for_month("2026-13", ListQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("GetLicensingReportsForDate"),
        "{err}"
    );
    let err = client
        .license(Product::BackupServer, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("UID"), "{err}");
    let err = client
        .set_auto_update(Product::Console, uid(), true)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no auto-update switch"), "{err}");
    let err = client
        .delete_license(Product::Site, uid(), None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("only vbr and vone"), "{err}");
    let err = client
        .install_console_license(&LicenseFile::from_bytes("empty.lic", Vec::new()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is empty"), "{err}");
    let err = LicenseFile::from_path("/nonexistent/dir/missing.lic")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("missing.lic"), "{err}");
    assert!(
        recorder.requests().is_empty(),
        "nothing reached the server: {:?}",
        recorder.requests()
    );
}

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

#[test]
fn a_file_from_memory_keeps_its_name_and_bytes() {
    let file = LicenseFile::from_bytes("vbr.lic", b"<license/>".to_vec());
    assert_eq!(file.file_name(), "vbr.lic");
    assert_eq!(file.contents().as_ref(), b"<license/>");
}
