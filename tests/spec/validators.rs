//! The oracle's response and request checks: status selection, content types, bodies,
//! parameters, drift classification and the JSON report.

use crate::support;

use serde_json::{json, Value};
use vspc_licensing::contract::{DriftKind, DriftReport, Part, Spec, StatusKey};

const UID: &str = "a26ad214-e225-49bf-8fb8-f16340729b7b";

fn example(schema: &str) -> Value {
    support::spec().component_schema(schema).unwrap()["example"].clone()
}

#[test]
fn the_declared_response_is_picked_by_code_then_range_then_default() {
    let spec = support::spec();
    let op = spec.operation("DownloadLicensingReportCsv").unwrap();
    assert_eq!(op.response_for(200).unwrap().status, StatusKey::Code(200));
    assert_eq!(op.response_for(520).unwrap().status, StatusKey::Code(520));
    assert_eq!(op.response_for(404).unwrap().status, StatusKey::Default);

    let mut raw = spec.raw().clone();
    raw["paths"]["/licensing/console"]["get"]["responses"]["4XX"] =
        json!({"description": "client errors"});
    raw["paths"]["/licensing/console"]["get"]["responses"]
        .as_object_mut()
        .unwrap()
        .remove("default");
    let edited = Spec::from_yaml(&raw.to_string()).unwrap();
    let console = edited.operation("GetConsoleLicenseInformation").unwrap();
    assert_eq!(
        console.response_for(404).unwrap().status,
        StatusKey::Range(4)
    );
    assert!(console.response_for(500).is_none());
    let found = edited.validate_response(
        "GetConsoleLicenseInformation",
        500,
        Some("application/json"),
        b"{}",
    );
    assert_eq!(found[0].kind, DriftKind::UnexpectedStatus);
    assert_eq!(
        found[0].operation.as_deref(),
        Some("GetConsoleLicenseInformation")
    );
}

#[test]
fn a_valid_envelope_passes_and_errors_are_checked_against_the_error_schema() {
    let spec = support::spec();
    let body = json!({"data": [example("BackupServerLicense")], "meta": {"pagingInfo": {"total": 1, "count": 1, "offset": 0}}});
    let bytes = serde_json::to_vec(&body).unwrap();
    assert!(spec
        .validate_response(
            "GetBackupServersLicenses",
            200,
            Some("application/json; charset=utf-8"),
            &bytes
        )
        .is_empty());

    let error = serde_json::to_vec(&example("ErrorResponse")).unwrap();
    assert!(spec
        .validate_response(
            "GetBackupServersLicenses",
            520,
            Some("application/json"),
            &error
        )
        .is_empty());
    let found = spec.validate_response(
        "GetBackupServersLicenses",
        404,
        Some("application/json"),
        b"{}",
    );
    assert_eq!(
        (found[0].kind, found[0].pointer.as_str()),
        (DriftKind::MissingRequired, "/errors")
    );
}

#[test]
fn content_types_are_checked() {
    let spec = support::spec();
    let body = br#"{"data": {"isAutoUpdateEnabled": true}}"#;
    let found = spec.validate_response("GetConsoleLicenseSettings", 200, Some("text/html"), body);
    assert_eq!(found[0].kind, DriftKind::WrongContentType);
    let found = spec.validate_response("GetConsoleLicenseSettings", 200, None, body);
    assert_eq!(
        (found[0].kind, found[0].part),
        (DriftKind::WrongContentType, Part::ContentType)
    );
    // The CSV report is bytes; JSON there is the wrong content type.
    assert!(spec
        .validate_response(
            "DownloadLicensingReportCsv",
            200,
            Some("application/csv"),
            b"a,b\n1,2\n"
        )
        .is_empty());
    let found = spec.validate_response(
        "DownloadLicensingReportCsv",
        200,
        Some("application/json"),
        b"{}",
    );
    assert_eq!(found[0].kind, DriftKind::WrongContentType);
}

#[test]
fn a_202_has_no_body_and_garbage_is_not_json() {
    let spec = support::spec();
    assert!(spec
        .validate_response("UpdateSiteLicense", 202, None, b"")
        .is_empty());
    let found = spec.validate_response(
        "UpdateSiteLicense",
        202,
        Some("application/json"),
        b"{\"data\":1}",
    );
    assert_eq!(found[0].kind, DriftKind::Other);
    let found = spec.validate_response(
        "UpdateSiteLicense",
        200,
        Some("application/json"),
        b"{\"data\":",
    );
    assert_eq!(found[0].kind, DriftKind::Other);
    assert!(
        found[0].message.contains("not JSON"),
        "{}",
        found[0].message
    );
}

#[test]
fn drift_finds_undocumented_fields_at_every_depth() {
    let spec = support::spec();
    let mut license = example("BackupServerLicense");
    license["gracePeriodDays"] = json!(30);
    let body = json!({"data": [license], "meta": {"pagingInfo": {"total": 1, "count": 1, "offset": 0, "next": null}}, "extra": 1});
    let bytes = serde_json::to_vec(&body).unwrap();
    assert!(spec
        .validate_response(
            "GetBackupServersLicenses",
            200,
            Some("application/json"),
            &bytes
        )
        .is_empty());
    let drift = spec.response_drift(
        "GetBackupServersLicenses",
        200,
        Some("application/json"),
        &bytes,
    );
    let mut pointers: Vec<&str> = drift.iter().map(|v| v.pointer.as_str()).collect();
    pointers.sort_unstable();
    assert_eq!(
        pointers,
        ["/data/0/gracePeriodDays", "/extra", "/meta/pagingInfo/next"]
    );
    assert!(drift
        .iter()
        .all(|v| v.kind == DriftKind::UndocumentedField && !v.kind.is_breaking()));

    // Open maps (`queryParameters`) and open objects (`AsyncActionResult`) take any key.
    let mut action = example("AsyncActionInfo");
    action["queryParameters"] = json!({"limit": ["5"]});
    let bytes = serde_json::to_vec(&json!({"data": action})).unwrap();
    assert!(spec
        .response_drift("GetAsyncAction", 200, Some("application/json"), &bytes)
        .is_empty());
    let bytes = serde_json::to_vec(&json!({"anything": {"at": "all"}})).unwrap();
    assert!(spec
        .response_drift(
            "GetAsyncActionResult",
            200,
            Some("application/json"),
            &bytes
        )
        .is_empty());
}

#[test]
fn drift_report_serialises_and_counts() {
    let spec = support::spec();
    let mut report = DriftReport::default();
    let body = br#"{"data": {"autoUpdateEnabled": "yes", "status": "Suspended", "extra": 1}}"#;
    report.extend(spec.response_drift("GetSiteLicense", 200, Some("application/json"), body));
    let counts = report.counts();
    assert_eq!(counts.get(&DriftKind::TypeMismatch), Some(&1));
    assert_eq!(counts.get(&DriftKind::UnknownEnumValue), Some(&1));
    assert_eq!(counts.get(&DriftKind::UndocumentedField), Some(&1));
    assert!(report.is_breaking());
    let text = serde_json::to_string(&report).unwrap();
    let back: DriftReport = serde_json::from_str(&text).unwrap();
    assert_eq!(back, report);
    let first = &serde_json::to_value(&report).unwrap()["violations"][0];
    assert_eq!(first["operation"], json!("GetSiteLicense"));
    assert_eq!(first["part"], json!("body"));
}

fn request(
    op: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<(DriftKind, Part, String)> {
    let headers: Vec<(&str, &str)> = headers.to_vec();
    support::spec()
        .validate_request(op, method, path, headers, body)
        .into_iter()
        .map(|v| (v.kind, v.part, v.pointer))
        .collect()
}

#[test]
fn path_parameters_are_matched_and_checked() {
    let path = format!("/api/v3/licensing/backupServers/{UID}?sectionForDelete=Socket");
    assert_eq!(
        request("DeleteBackupServerLicense", "DELETE", &path, &[], b""),
        []
    );
    let found = request(
        "DeleteBackupServerLicense",
        "DELETE",
        "/licensing/backupServers/xyz?sectionForDelete=All",
        &[],
        b"",
    );
    assert_eq!(
        found,
        [(DriftKind::Other, Part::Path, "backupServerUid".to_owned())]
    );
    let found = request(
        "DeleteBackupServerLicense",
        "GET",
        "/licensing/sites",
        &[],
        b"",
    );
    // Both path parameters fail, and the required `sectionForDelete` is missing.
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(
        request(
            "GetLicensingReportsForDate",
            "GET",
            "/licensing/reports/2026-10",
            &[],
            b""
        ),
        []
    );
    let found = request(
        "GetLicensingReportsForDate",
        "GET",
        "/licensing/reports/2026-10-01",
        &[],
        b"",
    );
    assert_eq!(found, [(DriftKind::Other, Part::Path, "date".to_owned())]);
    let found = request(
        "DownloadLicensingReportCsv",
        "GET",
        "/licensing/reports/ten/csv",
        &[],
        b"",
    );
    assert_eq!(
        found,
        [(DriftKind::TypeMismatch, Part::Path, "id".to_owned())]
    );
}

#[test]
fn query_parameters_are_checked_by_their_schemas() {
    let op = "GetOrganizationsLicenseUsage";
    let ok = "/licensing/usage/organizations?limit=1&offset=2147483647&serverType=VB365&filter=%5B%7B%22property%22%3A%22organizationType%22%2C%22operation%22%3A%22equals%22%2C%22value%22%3A%22Company%22%7D%5D";
    assert_eq!(request(op, "GET", ok, &[], b""), []);
    for (query, kind, pointer) in [
        ("limit=0", DriftKind::Other, "limit"),
        ("offset=-1", DriftKind::Other, "offset"),
        ("offset=2147483648", DriftKind::Other, "offset"),
        ("limit=ten", DriftKind::TypeMismatch, "limit"),
        ("serverType=Tape", DriftKind::UnknownEnumValue, "serverType"),
        ("organizationUid=42", DriftKind::Other, "organizationUid"),
        (
            "sort=%5B%7B%22direction%22%3A%22up%22%7D%5D",
            DriftKind::MissingRequired,
            "sort/0/property",
        ),
        ("select=%7B", DriftKind::TypeMismatch, "select"),
        ("pageSize=5", DriftKind::UndocumentedField, "pageSize"),
        ("limit=1&limit=2", DriftKind::Other, "limit"),
    ] {
        let found = request(
            op,
            "GET",
            &format!("/licensing/usage/organizations?{query}"),
            &[],
            b"",
        );
        assert!(
            found
                .iter()
                .any(|(k, p, at)| *k == kind && *p == Part::Query && at == pointer),
            "{query}: {found:?}"
        );
    }
}

#[test]
fn header_parameters_are_checked() {
    let path = "/licensing/console";
    let good = [
        ("x-request-id", "ba547d14-c556-42bb-b85c-eeeb16e2f5e7"),
        ("X-Client-Version", "3.6.1"),
        ("Accept", "*/*"),
    ];
    assert_eq!(
        request("GetConsoleLicenseInformation", "GET", path, &good, b""),
        []
    );
    let found = request(
        "GetConsoleLicenseInformation",
        "GET",
        path,
        &[("X-Request-id", "42")],
        b"",
    );
    assert_eq!(
        found,
        [(DriftKind::Other, Part::Header, "X-Request-id".to_owned())]
    );
}

#[test]
fn bodies_are_checked_per_media_type() {
    let path = format!("/licensing/backupServers/{UID}");
    let json = [("Content-Type", "application/json")];
    let patch = br#"[{"op": "replace", "path": "/autoUpdateEnabled", "value": true}]"#;
    assert_eq!(
        request("PatchBackupServerLicense", "PATCH", &path, &json, patch),
        []
    );
    let found = request(
        "PatchBackupServerLicense",
        "PATCH",
        &path,
        &json,
        br#"[{"op": "replace", "path": "/a"}]"#,
    );
    assert_eq!(
        found,
        [(
            DriftKind::MissingRequired,
            Part::Body,
            "/0/value".to_owned()
        )]
    );
    let found = request("PatchBackupServerLicense", "PATCH", &path, &json, b"");
    assert_eq!(
        found,
        [(DriftKind::MissingRequired, Part::Body, String::new())]
    );
    let found = request(
        "PatchBackupServerLicense",
        "PATCH",
        &path,
        &[("Content-Type", "text/plain")],
        patch,
    );
    assert_eq!(
        found,
        [(
            DriftKind::WrongContentType,
            Part::ContentType,
            String::new()
        )]
    );
    let found = request("GetBackupServerLicense", "GET", &path, &json, patch);
    assert_eq!(found[0].0, DriftKind::Other);

    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    assert_eq!(
        request(
            "OAuth2IssueToken",
            "POST",
            "/token",
            &form,
            b"grant_type=password&username=u&password=p&readOnly=true"
        ),
        []
    );
    let found = request(
        "OAuth2IssueToken",
        "POST",
        "/token",
        &form,
        b"grant_type=magic",
    );
    assert_eq!(
        found,
        [(
            DriftKind::UnknownEnumValue,
            Part::Body,
            "/grant_type".to_owned()
        )]
    );
    let found = request("OAuth2IssueToken", "POST", "/token", &form, b"username=u");
    assert_eq!(
        found,
        [(
            DriftKind::MissingRequired,
            Part::Body,
            "/grant_type".to_owned()
        )]
    );

    let multipart = [("Content-Type", "multipart/form-data; boundary=XYZ")];
    let upload = b"--XYZ\r\nContent-Disposition: form-data; name=\"license\"; filename=\"a.lic\"\r\nContent-Type: application/octet-stream\r\n\r\n<lic/>\r\n--XYZ--\r\n";
    assert_eq!(
        request(
            "InstallConsoleLicense",
            "PUT",
            "/licensing/console",
            &multipart,
            upload
        ),
        []
    );
    let wrong_part =
        b"--XYZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n<lic/>\r\n--XYZ--\r\n";
    let found = request(
        "InstallConsoleLicense",
        "PUT",
        "/licensing/console",
        &multipart,
        wrong_part,
    );
    assert_eq!(
        found,
        [(
            DriftKind::MissingRequired,
            Part::Body,
            "/license".to_owned()
        )]
    );
}

#[test]
fn unknown_operations_are_reported() {
    let found = support::spec().validate_response("NoSuchOperation", 200, None, b"");
    assert_eq!(found[0].kind, DriftKind::Other);
    let found = request("NoSuchOperation", "GET", "/", &[], b"");
    assert_eq!(found[0].0, DriftKind::Other);
}

#[test]
fn response_headers_are_checked_against_their_definitions() {
    let spec = support::spec();
    let location = "https://vspc:1280/api/v3/asyncActions/97431954-0dd7-472a-8cb7-d0cb0fbccaf7";
    assert!(spec
        .validate_response_headers("UpdateSiteLicense", 202, [("Location", location)])
        .is_empty());

    let mut raw = spec.raw().clone();
    raw["components"]["responses"]["Accepted"]["headers"]["Location"]["required"] = json!(true);
    raw["components"]["responses"]["Accepted"]["headers"]["Retry-After"] =
        json!({"schema": {"type": "integer", "minimum": 1}});
    let edited = Spec::from_yaml(&raw.to_string()).unwrap();
    let found = edited.validate_response_headers("UpdateSiteLicense", 202, [("Retry-After", "0")]);
    let mut found: Vec<(DriftKind, String)> =
        found.into_iter().map(|v| (v.kind, v.pointer)).collect();
    found.sort();
    assert_eq!(
        found,
        [
            (DriftKind::MissingRequired, "Location".to_owned()),
            (DriftKind::Other, "Retry-After".to_owned())
        ]
    );
    let found = edited.validate_response_headers(
        "UpdateSiteLicense",
        202,
        [("location", location), ("retry-after", "5")],
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn an_http_header_map_can_be_passed_as_headers() {
    use reqwest::header::{HeaderMap, HeaderValue};
    let mut headers = HeaderMap::new();
    headers.insert("x-request-id", HeaderValue::from_static("not-a-uuid"));
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    let found = support::spec().validate_request(
        "GetSiteLicenses",
        "GET",
        "/licensing/sites",
        &headers,
        b"",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].part, found[0].pointer.as_str()),
        (Part::Header, "X-Request-id")
    );
    // A 202 must say where its async action is.
    let mut location = HeaderMap::new();
    assert_eq!(
        support::spec()
            .validate_response_headers("UpdateSiteLicense", 202, &location)
            .len(),
        1
    );
    location.insert(
        "location",
        HeaderValue::from_static(
            "https://vspc:1280/api/v3/asyncActions/97431954-0dd7-472a-8cb7-d0cb0fbccaf7",
        ),
    );
    assert!(support::spec()
        .validate_response_headers("UpdateSiteLicense", 202, &location)
        .is_empty());
}
