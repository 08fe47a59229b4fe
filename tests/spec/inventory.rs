//! The spec holds exactly the operations the crate promises: the 34 licensing operations of
//! the vendor's reference, `POST /token`, the three async-action operations and `GET /about`.

use crate::support;

/// (method, path relative to /api/v3, operationId), as the vendor's reference lists them.
const OPERATIONS: [(&str, &str, &str); 59] = [
    // Authentication and async actions.
    ("POST", "/token", "OAuth2IssueToken"),
    ("GET", "/about", "GetAboutInformation"),
    ("GET", "/asyncActions/{actionId}", "GetAsyncAction"),
    ("DELETE", "/asyncActions/{actionId}", "CancelAsyncAction"),
    (
        "GET",
        "/asyncActions/{actionId}/result",
        "GetAsyncActionResult",
    ),
    // Cloud Connect sites.
    ("GET", "/licensing/sites", "GetSiteLicenses"),
    ("GET", "/licensing/sites/{siteUid}", "GetSiteLicense"),
    ("PUT", "/licensing/sites/{siteUid}", "InstallSiteLicense"),
    ("PATCH", "/licensing/sites/{siteUid}", "PatchSiteLicense"),
    (
        "POST",
        "/licensing/sites/{siteUid}/update",
        "UpdateSiteLicense",
    ),
    // License usage reports.
    ("GET", "/licensing/reports", "GetLicensingReports"),
    (
        "GET",
        "/licensing/reports/latest",
        "GetLatestLicensingReports",
    ),
    (
        "GET",
        "/licensing/reports/{id}/csv",
        "DownloadLicensingReportCsv",
    ),
    (
        "GET",
        "/licensing/reports/{date}",
        "GetLicensingReportsForDate",
    ),
    (
        "POST",
        "/licensing/reports/finalization",
        "FinalizeLicensingReports",
    ),
    (
        "GET",
        "/licensing/reports/settings",
        "GetLicensingReportsSettings",
    ),
    (
        "PATCH",
        "/licensing/reports/settings",
        "PatchLicensingReportsSettings",
    ),
    // Veeam Backup & Replication servers.
    (
        "GET",
        "/licensing/backupServers",
        "GetBackupServersLicenses",
    ),
    (
        "GET",
        "/licensing/backupServers/{backupServerUid}",
        "GetBackupServerLicense",
    ),
    (
        "PUT",
        "/licensing/backupServers/{backupServerUid}",
        "InstallBackupServerLicense",
    ),
    (
        "DELETE",
        "/licensing/backupServers/{backupServerUid}",
        "DeleteBackupServerLicense",
    ),
    (
        "PATCH",
        "/licensing/backupServers/{backupServerUid}",
        "PatchBackupServerLicense",
    ),
    (
        "POST",
        "/licensing/backupServers/{backupServerUid}/update",
        "UpdateBackupServerLicense",
    ),
    // Veeam ONE servers.
    ("GET", "/licensing/voneServers", "GetVOneServersLicenses"),
    (
        "GET",
        "/licensing/voneServers/{vOneServerUid}",
        "GetVOneServerLicense",
    ),
    (
        "PUT",
        "/licensing/voneServers/{vOneServerUid}",
        "InstallVOneServerLicense",
    ),
    (
        "DELETE",
        "/licensing/voneServers/{vOneServerUid}",
        "DeleteVOneServerLicense",
    ),
    (
        "PATCH",
        "/licensing/voneServers/{vOneServerUid}",
        "PatchVOneServerLicense",
    ),
    (
        "POST",
        "/licensing/voneServers/{vOneServerUid}/update",
        "UpdateVOneServerLicense",
    ),
    // Veeam Backup for Microsoft 365 servers.
    ("GET", "/licensing/vb365Servers", "GetVb365ServersLicenses"),
    (
        "GET",
        "/licensing/vb365Servers/{vb365ServerUid}",
        "GetVb365ServerLicense",
    ),
    (
        "PUT",
        "/licensing/vb365Servers/{vb365ServerUid}",
        "InstallVb365ServerLicense",
    ),
    (
        "PATCH",
        "/licensing/vb365Servers/{vb365ServerUid}",
        "PatchVb365ServerLicense",
    ),
    (
        "POST",
        "/licensing/vb365Servers/{vb365ServerUid}/update",
        "UpdateVb365ServerLicense",
    ),
    // The console itself.
    ("GET", "/licensing/console", "GetConsoleLicenseInformation"),
    ("PUT", "/licensing/console", "InstallConsoleLicense"),
    ("POST", "/licensing/console/update", "UpdateConsoleLicense"),
    (
        "GET",
        "/licensing/console/settings",
        "GetConsoleLicenseSettings",
    ),
    // Current usage.
    (
        "GET",
        "/licensing/usage/organizations",
        "GetOrganizationsLicenseUsage",
    ),
    // VCSP Pulse: the connection, contracts, products, licenses, tenants.
    ("GET", "/pulse", "GetPulseConfiguration"),
    ("PATCH", "/pulse", "PatchPulseConfiguration"),
    ("POST", "/pulse/sync", "SyncPulseData"),
    ("GET", "/pulse/contracts", "GetPulseLicenseContracts"),
    ("GET", "/pulse/products", "GetPulseLicenseProducts"),
    ("GET", "/pulse/licenses", "GetPulseLicenses"),
    ("POST", "/pulse/licenses", "CreatePulseLicense"),
    ("GET", "/pulse/licenses/{licenseUid}", "GetPulseLicense"),
    ("PATCH", "/pulse/licenses/{licenseUid}", "PatchPulseLicense"),
    (
        "DELETE",
        "/pulse/licenses/{licenseUid}",
        "DeletePulseLicense",
    ),
    (
        "POST",
        "/pulse/licenses/{licenseUid}/copy",
        "CopyPulseLicense",
    ),
    (
        "POST",
        "/pulse/licenses/{licenseUid}/revoke",
        "RevokePulseLicense",
    ),
    (
        "POST",
        "/pulse/licenses/{licenseUid}/install",
        "InstallPulseLicense",
    ),
    (
        "POST",
        "/pulse/licenses/{licenseUid}/download",
        "DownloadPulseLicense",
    ),
    ("GET", "/pulse/tenants", "GetPulseTenants"),
    ("POST", "/pulse/tenants", "CreatePulseTenantByCompany"),
    ("GET", "/pulse/tenants/{tenantUid}", "GetPulseTenant"),
    ("PATCH", "/pulse/tenants/{tenantUid}", "PatchPulseTenant"),
    (
        "POST",
        "/pulse/tenants/{tenantUid}/createCompany",
        "CreateCompanyByPulseTenant",
    ),
    // 3.7 only (a preview operation): Veeam Data Cloud usage by month.
    ("GET", "/pulse/monthlyUsages", "GetPulseVdcMonthlyUsages"),
];

#[test]
fn the_spec_has_exactly_the_promised_operations() {
    let mut expected: Vec<(String, String, String)> = OPERATIONS
        .iter()
        .map(|(m, p, id)| (m.to_string(), p.to_string(), id.to_string()))
        .collect();
    let mut actual: Vec<(String, String, String)> = support::spec()
        .operations()
        .iter()
        .map(|op| (op.method.clone(), op.path.clone(), op.operation_id.clone()))
        .collect();
    expected.sort();
    actual.sort();
    let missing: Vec<_> = expected.iter().filter(|e| !actual.contains(e)).collect();
    let extra: Vec<_> = actual.iter().filter(|a| !expected.contains(a)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing from the spec: {missing:?}\nnot promised: {extra:?}"
    );
}

#[test]
fn nineteen_pulse_operations_and_one_of_3_7_only() {
    let spec = support::spec();
    let pulse: Vec<&str> = spec
        .operations()
        .iter()
        .filter(|op| op.path == "/pulse" || op.path.starts_with("/pulse/"))
        .map(|op| op.operation_id.as_str())
        .collect();
    assert_eq!(pulse.len(), 20, "{pulse:?}");
    let only_newer: Vec<_> = spec
        .operations()
        .iter()
        .filter_map(|op| {
            let raw = spec.raw().pointer(&format!(
                "/paths/{}/{}/x-vspc-versions/since",
                op.path.replace('~', "~0").replace('/', "~1"),
                op.method.to_lowercase()
            ))?;
            Some((op.operation_id.as_str(), raw.as_str()?))
        })
        .collect();
    assert_eq!(only_newer, [("GetPulseVdcMonthlyUsages", "3.7")]);
}

#[test]
fn thirty_four_of_them_are_licensing_operations() {
    let licensing = support::spec()
        .operations()
        .iter()
        .filter(|op| op.path.starts_with("/licensing/"))
        .count();
    assert_eq!(licensing, 34);
}

#[test]
fn operation_ids_are_unique_and_requests_route_to_one_operation() {
    let spec = support::spec();
    let mut ids: Vec<&str> = spec
        .operations()
        .iter()
        .map(|op| op.operation_id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), OPERATIONS.len());
    // Concrete requests find their operation; literal paths win over `{date}`.
    for (method, path, id) in [
        (
            "GET",
            "/api/v3/licensing/reports/latest",
            "GetLatestLicensingReports",
        ),
        (
            "GET",
            "/api/v3/licensing/reports/settings",
            "GetLicensingReportsSettings",
        ),
        (
            "GET",
            "/licensing/reports/2026-10",
            "GetLicensingReportsForDate",
        ),
        (
            "DELETE",
            "/licensing/backupServers/a26ad214-e225-49bf-8fb8-f16340729b7b",
            "DeleteBackupServerLicense",
        ),
    ] {
        let found = spec
            .find_operation(method, path)
            .map(|op| op.operation_id.as_str());
        assert_eq!(found, Some(id), "{method} {path}");
    }
}

#[test]
fn parameters_are_resolved_from_their_refs() {
    let spec = support::spec();
    let op = spec.operation("DeleteBackupServerLicense").unwrap();
    let names: Vec<(&str, &str)> = op
        .parameters
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                match p.location {
                    vspc_licensing::contract::ParameterLocation::Path => "path",
                    vspc_licensing::contract::ParameterLocation::Query => "query",
                    vspc_licensing::contract::ParameterLocation::Header => "header",
                    vspc_licensing::contract::ParameterLocation::Cookie => "cookie",
                },
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("backupServerUid", "path"),
            ("sectionForDelete", "query"),
            ("X-Request-id", "header"),
            ("X-Client-Version", "header")
        ]
    );
    let list = spec.operation("GetBackupServersLicenses").unwrap();
    let filter = list.parameters.iter().find(|p| p.name == "filter").unwrap();
    assert_eq!(filter.content_type.as_deref(), Some("application/json"));
}
