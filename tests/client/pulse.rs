//! VCSP Pulse through the typed client, over loopback against a recording server that answers
//! the spec's examples unless told otherwise; every request is judged by the spec.

use crate::support;

use serde_json::json;
use support::recorder::{Canned, Recorder};
use vspc_licensing::enums::{PulseConfigurationStatus, PulseTenantMappingStatus};
use vspc_licensing::Client;

const KEY: &str = "pulse-test-key";

async fn client_of(recorder: &Recorder) -> Client {
    Client::builder(recorder.url())
        .api_key(KEY)
        .build()
        .expect("a client")
}

// Veeam's examples write these two string enums as numbers (the spec's
// `x-decision-enum-ordinals`): the number is the value's position in the enum as listed.
#[tokio::test]
async fn a_numeric_configuration_status_decodes_as_the_value_at_that_position() {
    let recorder = Recorder::start().await;
    recorder.push([Canned::json(
        200,
        json!({"data": {"status": 2, "isCompanyMappingEnabled": true,
            "isLicenseManagementEnabled": true, "isPushingNewCompaniesToPulseEnabled": false}}),
    )]);
    let client = client_of(&recorder).await;
    let configuration = client
        .get_pulse_configuration()
        .send()
        .await
        .expect("a numeric status reads")
        .into_inner()
        .data;
    assert_eq!(
        configuration.status,
        Some(PulseConfigurationStatus::Configured)
    );
    // Written back by name, as the client and the simulator always do.
    assert_eq!(
        serde_json::to_value(&configuration.status).unwrap(),
        json!("Configured")
    );
}

#[tokio::test]
async fn a_numeric_tenant_mapping_status_decodes_in_a_page_of_tenants() {
    let recorder = Recorder::start().await;
    recorder.push([Canned::json(
        200,
        json!({"data": [
            {"instanceUid": "t-1", "mappingStatus": 1, "name": "Contoso"},
            {"instanceUid": "t-2", "mappingStatus": 2, "name": "Fabrikam",
             "mappedMasterOrganizationUid": "6a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"}
        ]}),
    )]);
    let client = client_of(&recorder).await;
    let tenants = client
        .get_pulse_tenants()
        .send()
        .await
        .expect("numeric mapping statuses read")
        .into_inner()
        .data;
    let statuses: Vec<_> = tenants.iter().map(|t| t.mapping_status.clone()).collect();
    assert_eq!(
        statuses,
        [
            Some(PulseTenantMappingStatus::NotMapped),
            Some(PulseTenantMappingStatus::Mapped)
        ]
    );
}

#[test]
fn a_number_outside_the_noted_positions_or_on_another_enum_is_still_an_error() {
    assert_eq!(
        serde_json::from_value::<PulseConfigurationStatus>(json!(4)).unwrap(),
        PulseConfigurationStatus::Error
    );
    assert!(serde_json::from_value::<PulseConfigurationStatus>(json!(5)).is_err());
    assert!(serde_json::from_value::<PulseConfigurationStatus>(json!(-1)).is_err());
    assert!(serde_json::from_value::<PulseConfigurationStatus>(json!(1.5)).is_err());
    // Enums without such a note read no numbers at all.
    assert!(serde_json::from_value::<vspc_licensing::enums::LicenseStatus>(json!(1)).is_err());
    assert_eq!(
        PulseConfigurationStatus::NUMBERS_READ,
        ["0", "1", "2", "3", "4"]
    );
    assert!(vspc_licensing::enums::LicenseStatus::NUMBERS_READ.is_empty());
}

// ---------------------------------------------------------------- the hand-written layer

use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use support::recorder::Recorded;

type Responder = Arc<dyn Fn(&Recorded) -> Canned + Send + Sync>;
use uuid::Uuid;
use vspc_licensing::contract::Spec;
use vspc_licensing::{types, Error, ListQuery, NewPulseLicense, Patch, RetryPolicy};

const LICENSE: &str = "3c9e5d2a-71b4-4f08-9e6a-5b2d8c1f0a47";
const SERVER: &str = "a26ad214-e225-49bf-8fb8-f16340729b7b";

fn license_uid() -> Uuid {
    LICENSE.parse().unwrap()
}

fn server_uid() -> Uuid {
    SERVER.parse().unwrap()
}

fn expires() -> chrono::DateTime<chrono::Utc> {
    "2027-03-31T00:00:00Z".parse().unwrap()
}

/// The spec judges every request the client sent: method, path, query, headers and body.
fn assert_the_spec_accepts(request: &Recorded, operation: &str) {
    let relative = request.path.strip_prefix("/api/v3").unwrap();
    let target = match &request.query {
        Some(query) => format!("{relative}?{query}"),
        None => relative.to_owned(),
    };
    let violations = Spec::embedded().validate_request(
        operation,
        request.method.as_str(),
        &target,
        request
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.as_bytes().to_vec())),
        &request.body,
    );
    assert!(violations.is_empty(), "{operation}: {violations:#?}");
}

/// A Pulse license as the console answers it, with the given workloads.
fn license_with(workloads: serde_json::Value) -> types::PulseLicense {
    serde_json::from_value(json!({
        "instanceUid": LICENSE, "type": "Rental", "assignStatus": "Assigned",
        "usageType": "SingleCustomerUse", "productId": "VBR_ENTPLUS_12_3", "points": 500,
        "automaticReportingStatus": "On", "workloads": workloads
    }))
    .unwrap()
}

/// Answers a page of `total` Pulse licenses from the asked offset, `limit` at a time.
fn pulse_license_pages(total: usize) -> Responder {
    Arc::new(move |request: &Recorded| {
        let pairs = request.query_pairs();
        let number = |name: &str| -> usize {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0)
        };
        let (offset, limit) = (number("offset"), number("limit"));
        let data: Vec<_> = (offset..total.min(offset + limit))
            .map(|i| {
                json!({
                    "instanceUid": Uuid::from_u128(i as u128 + 1), "type": "Rental",
                    "assignStatus": "NotAssigned", "usageType": "SingleCustomerUse",
                    "productId": "VBR_ENTPLUS_12_3", "points": 10,
                    "automaticReportingStatus": "Off",
                    "workloads": [{"workloadId": "VM", "count": 1}]
                })
            })
            .collect();
        let count = data.len();
        Canned::json(
            200,
            json!({"data": data, "meta": {"pagingInfo": {"total": total, "count": count, "offset": offset}}}),
        )
    })
}

#[tokio::test]
async fn the_pulse_license_stream_walks_every_page_with_the_query() {
    let recorder = Recorder::with_fallback(pulse_license_pages(7)).await;
    let client = client_of(&recorder).await;
    let licenses: Vec<_> = client
        .pulse()
        .licenses(
            ListQuery::new()
                .page_size(3)
                .filter(vspc_licensing::Filter::equals(
                    "assignStatus",
                    "NotAssigned",
                )),
        )
        .try_collect()
        .await
        .unwrap();
    let uids: Vec<Uuid> = licenses.iter().map(|l| l.instance_uid).collect();
    assert_eq!(uids, (1..=7).map(Uuid::from_u128).collect::<Vec<_>>());
    let requests = recorder.take();
    let mut offsets: Vec<String> = requests
        .iter()
        .map(|r| {
            assert_the_spec_accepts(r, "GetPulseLicenses");
            assert_eq!(r.path, "/api/v3/pulse/licenses");
            let pairs = r.query_pairs();
            // Pages of 3; the last asks only for what is left.
            let limit = &pairs.iter().find(|(k, _)| k == "limit").unwrap().1;
            assert!(["3", "1"].contains(&limit.as_str()), "{pairs:?}");
            assert!(pairs
                .iter()
                .any(|(k, v)| k == "filter" && v.contains("NotAssigned")));
            pairs.into_iter().find(|(k, _)| k == "offset").unwrap().1
        })
        .collect();
    offsets.sort();
    // The first wave of four asked for 9 before the total was known: one page past the end.
    assert_eq!(offsets, ["0", "3", "6", "9"]);
}

#[tokio::test]
async fn contracts_products_and_tenants_stream_from_their_collections() {
    // The recorder answers each route with the spec's own example.
    let recorder = Recorder::start().await;
    let client = client_of(&recorder).await;
    let contracts: Vec<_> = client
        .pulse()
        .contracts(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(contracts.len(), 2);
    assert_eq!(contracts[0].points_limit, Some(5000.0));
    assert_eq!(contracts[1].points_limit, None);
    let products: Vec<_> = client
        .pulse()
        .products(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(products[0].workloads[0].multiplier, Some(10.0));
    let tenants: Vec<_> = client
        .pulse()
        .tenants(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        tenants.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
        [Some("Fabrikam".to_owned()), Some("Contoso".to_owned())]
    );
    let mut paths: Vec<(String, String)> = recorder
        .take()
        .into_iter()
        .map(|r| (r.method.to_string(), r.path))
        .collect();
    // Each walk's first wave also asked for the pages after the first (past the end of these
    // one-page collections): the same route, once a walk.
    paths.dedup();
    assert_eq!(
        paths,
        [
            ("GET".into(), "/api/v3/pulse/contracts".into()),
            ("GET".into(), "/api/v3/pulse/products".into()),
            ("GET".into(), "/api/v3/pulse/tenants".into()),
        ]
    );
}

#[tokio::test]
async fn a_new_license_is_sent_as_the_spec_says() {
    let recorder = Recorder::start().await;
    let client = client_of(&recorder).await;
    let created = client
        .pulse()
        .create(
            NewPulseLicense::new("VBR_ENTPLUS_12_3", "07100042", expires())
                .workload("VM_VBR_ENTPLUS_12_3", 50)
                .workload("Workstation_VBR_ENTPLUS_12_3", 10)
                .description("Fabrikam production cluster")
                .automatic_reporting(true),
        )
        .await
        .unwrap();
    assert_eq!(created.instance_uid, license_uid());
    let request = recorder.take().remove(0);
    assert_the_spec_accepts(&request, "CreatePulseLicense");
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/api/v3/pulse/licenses")
    );
    assert_eq!(
        request.json_body(),
        json!({
            "productId": "VBR_ENTPLUS_12_3",
            "contractId": "07100042",
            "description": "Fabrikam production cluster",
            "expirationDate": "2027-03-31T00:00:00Z",
            "isAutomaticReportingEnabled": true,
            "workloads": [
                {"workloadId": "VM_VBR_ENTPLUS_12_3", "count": 50},
                {"workloadId": "Workstation_VBR_ENTPLUS_12_3", "count": 10}
            ]
        })
    );
}

#[tokio::test]
async fn a_new_license_that_cannot_be_issued_is_refused_before_anything_is_sent() {
    let recorder = Recorder::start().await;
    let client = client_of(&recorder).await;
    let base = || NewPulseLicense::new("VBR_ENTPLUS_12_3", "07100042", expires());
    for (license, says) in [
        (base(), "at least one workload"),
        (base().workload("VM", 0), "count of 0"),
        (base().workload("VM", 1).workload("VM", 2), "named twice"),
        (
            NewPulseLicense::new(" ", "07100042", expires()).workload("VM", 1),
            "product id is empty",
        ),
        (
            NewPulseLicense::new("P", "", expires()).workload("VM", 1),
            "contract id is empty",
        ),
    ] {
        let error = client.pulse().create(license).await.unwrap_err();
        assert!(
            matches!(&error, Error::InvalidInput { operation: "CreatePulseLicense", message, .. } if message.contains(says)),
            "{error}"
        );
    }
    assert!(recorder.take().is_empty(), "nothing was sent");
}

#[test]
fn the_change_helpers_write_the_json_patch_of_each_usual_change() {
    let license = license_with(json!([
        {"workloadId": "VM", "count": 50},
        {"workloadId": "Server", "count": 2}
    ]));
    let counts =
        Patch::pulse_workload_counts(&license, [("Server", 5), ("Workstation", 3)]).unwrap();
    assert_eq!(
        serde_json::to_value(counts.operations()).unwrap(),
        json!([
            {"op": "replace", "path": "/workloads/1/count", "value": 5},
            {"op": "add", "path": "/workloads/-", "value": {"workloadId": "Workstation", "count": 3}}
        ])
    );
    assert!(Patch::pulse_workload_counts(&license, [("VM", 0)]).is_err());
    assert!(Patch::pulse_workload_counts(&license, [("VM", 1), ("VM", 2)]).is_err());
    let ops = |patch: Patch| serde_json::to_value(patch.operations()).unwrap();
    assert_eq!(
        ops(Patch::pulse_expiration(expires())),
        json!([{"op": "replace", "path": "/expirationDate", "value": "2027-03-31T00:00:00Z"}])
    );
    assert_eq!(
        ops(Patch::pulse_description(Some("moved to rack 4"))),
        json!([{"op": "replace", "path": "/description", "value": "moved to rack 4"}])
    );
    assert_eq!(
        ops(Patch::pulse_description(None)),
        json!([{"op": "replace", "path": "/description", "value": null}])
    );
    assert_eq!(
        ops(Patch::pulse_automatic_extension(true)),
        json!([{"op": "replace", "path": "/automaticExtensionStatus", "value": "On"}])
    );
    assert_eq!(
        ops(Patch::pulse_automatic_extension(false)),
        json!([{"op": "replace", "path": "/automaticExtensionStatus", "value": "Off"}])
    );
}

#[tokio::test]
async fn a_change_is_patched_and_the_changed_license_read() {
    let recorder = Recorder::start().await;
    let client = client_of(&recorder).await;
    let patch = Patch::pulse_expiration(expires()).replace("/description", "renewed");
    let changed = client.pulse().change(license_uid(), patch).await.unwrap();
    assert_eq!(changed.instance_uid, license_uid());
    let request = recorder.take().remove(0);
    assert_the_spec_accepts(&request, "PatchPulseLicense");
    assert_eq!(request.path, format!("/api/v3/pulse/licenses/{LICENSE}"));
    assert_eq!(request.json_body()[1]["value"], json!("renewed"));
}

#[tokio::test]
async fn install_copy_revoke_delete_and_sync_call_their_operations() {
    let recorder = Recorder::start().await;
    let client = client_of(&recorder).await;
    client
        .pulse()
        .install(license_uid(), server_uid())
        .await
        .unwrap();
    let copy = client.pulse().copy(license_uid()).await.unwrap();
    assert_eq!(
        copy.instance_uid,
        license_uid(),
        "the spec's example answer"
    );
    client.pulse().revoke(license_uid()).await.unwrap();
    client.pulse().delete(license_uid()).await.unwrap();
    client.pulse().sync().await.unwrap();
    let configuration = client.pulse().configuration().await.unwrap();
    assert!(configuration.is_license_management_enabled);
    let license = format!("/api/v3/pulse/licenses/{LICENSE}");
    type Sent = (String, String, Vec<(String, String)>);
    let seen: Vec<Sent> = recorder
        .take()
        .into_iter()
        .zip([
            "InstallPulseLicense",
            "CopyPulseLicense",
            "RevokePulseLicense",
            "DeletePulseLicense",
            "SyncPulseData",
            "GetPulseConfiguration",
        ])
        .map(|(r, operation)| {
            assert_the_spec_accepts(&r, operation);
            (r.method.to_string(), r.path.clone(), r.query_pairs())
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "POST".into(),
                format!("{license}/install"),
                vec![("serverUid".into(), SERVER.into())]
            ),
            ("POST".into(), format!("{license}/copy"), vec![]),
            ("POST".into(), format!("{license}/revoke"), vec![]),
            ("DELETE".into(), license.clone(), vec![]),
            ("POST".into(), "/api/v3/pulse/sync".into(), vec![]),
            ("GET".into(), "/api/v3/pulse".into(), vec![]),
        ]
    );
}

#[tokio::test]
async fn a_download_is_the_decoded_license_file_and_bad_base64_a_typed_error() {
    let recorder = Recorder::start().await;
    let client = client_of(&recorder).await;
    // The spec's example: Base64 of `northwind-pulse-license`.
    let file = client.pulse().download(license_uid()).await.unwrap();
    assert_eq!(file.contents().as_ref(), b"northwind-pulse-license");
    assert_eq!(file.file_name(), format!("{LICENSE}.lic"));
    recorder.push([Canned::json(200, json!({"data": "not base64!"}))]);
    let error = client.pulse().download(license_uid()).await.unwrap_err();
    assert!(
        matches!(&error, Error::Protocol { operation: "DownloadPulseLicense", message, .. } if message.contains("Base64")),
        "{error}"
    );
    let requests = recorder.take();
    assert_eq!(requests[0].method, "POST");
    assert_eq!(
        requests[0].path,
        format!("/api/v3/pulse/licenses/{LICENSE}/download")
    );
}

#[tokio::test]
async fn an_install_answered_202_is_followed_to_the_async_actions_result() {
    let recorder = Recorder::start().await;
    let client = client_of(&recorder).await;
    let action = Uuid::from_u128(0x97431954_0dd7_472a_8cb7_d0cb0fbccaf7);
    let action_path = format!("/api/v3/asyncActions/{action}");
    recorder.push([
        Canned {
            status: 202,
            headers: vec![(
                "location".into(),
                format!("{}{action_path}", recorder.url()),
            )],
            body: Vec::new(),
        },
        Canned::json(
            200,
            json!({ "data": {
                "id": action, "initiatorUid": "3e1b1c52-7b8e-4d55-b0c1-3f5e9e2e7a10",
                "actionName": "InstallPulseLicense", "status": "succeed", "queryParameters": {}
            } }),
        ),
        Canned::json(200, json!({"errors": [], "data": {}, "meta": null})),
    ]);
    client
        .pulse()
        .install(license_uid(), server_uid())
        .await
        .unwrap();
    let paths: Vec<String> = recorder.take().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            format!("/api/v3/pulse/licenses/{LICENSE}/install"),
            action_path.clone(),
            format!("{action_path}/result"),
        ]
    );
}

#[tokio::test]
async fn a_create_retried_after_a_busy_answer_carries_the_same_request_id() {
    let recorder = Recorder::start().await;
    let client = Client::builder(recorder.url())
        .api_key(KEY)
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(5)))
        .build()
        .unwrap();
    recorder.push([Canned::json(
        503,
        json!({"errors": [{"message": "busy", "type": "transport", "code": 503}]}),
    )]);
    client
        .pulse()
        .create(NewPulseLicense::new("VBR_ENTPLUS_12_3", "07100042", expires()).workload("VM", 5))
        .await
        .unwrap();
    let requests = recorder.take();
    assert_eq!(requests.len(), 2, "the busy answer was retried once");
    let ids: Vec<_> = requests.iter().map(|r| r.header("x-request-id")).collect();
    assert!(ids[0].is_some());
    assert_eq!(
        ids[0], ids[1],
        "a retry is the same call: the console applies it once"
    );
    assert_eq!(requests[0].body, requests[1].body);
}

#[tokio::test]
async fn an_empty_tenant_id_is_refused_before_sending() {
    let recorder = Recorder::start().await;
    let client = client_of(&recorder).await;
    let error = client.pulse().tenant("").await.unwrap_err();
    assert!(matches!(error, Error::InvalidInput { .. }), "{error}");
    assert!(recorder.take().is_empty());
    let tenant = client.pulse().tenant("b0Q4x00000FabrkAAC").await.unwrap();
    assert_eq!(tenant.name.as_deref(), Some("Fabrikam"));
    assert_eq!(
        recorder.take()[0].path,
        "/api/v3/pulse/tenants/b0Q4x00000FabrkAAC"
    );
}

#[test]
fn the_configuration_and_tenant_helpers_write_the_json_patch_of_each_usual_change() {
    let company: Uuid = "6a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d".parse().unwrap();
    let written = |patch: Patch| serde_json::to_value(patch.operations()).unwrap();
    assert_eq!(
        written(
            Patch::new()
                .pulse_token("portal-token")
                .pulse_license_management(true)
                .pulse_company_mapping(false)
                .pulse_pushing_new_companies(true)
        ),
        json!([
            {"op": "replace", "path": "/token", "value": "portal-token"},
            {"op": "replace", "path": "/isLicenseManagementEnabled", "value": true},
            {"op": "replace", "path": "/isCompanyMappingEnabled", "value": false},
            {"op": "replace", "path": "/isPushingNewCompaniesToPulseEnabled", "value": true},
        ])
    );
    assert_eq!(
        written(Patch::new().pulse_tenant_mapping(Some(company))),
        json!([{"op": "replace", "path": "/mappedMasterOrganizationUid",
                "value": "6a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"}])
    );
    assert_eq!(
        written(Patch::new().pulse_tenant_mapping(None)),
        json!([{"op": "replace", "path": "/mappedMasterOrganizationUid", "value": null}])
    );
}

#[tokio::test]
async fn configuration_and_tenant_changes_call_their_operations_as_the_spec_says() {
    let recorder = Recorder::start().await;
    let client = client_of(&recorder).await;
    let company: Uuid = "6a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d".parse().unwrap();
    let site: Uuid = "c0ffee00-1111-4222-8333-444455556666".parse().unwrap();
    let pool: Uuid = "c0ffee00-7777-4888-8999-aaaabbbbcccc".parse().unwrap();
    let pulse = client.pulse();
    let configuration = pulse
        .change_configuration(Patch::new().pulse_license_management(true))
        .await
        .unwrap();
    assert!(configuration.is_license_management_enabled);
    pulse
        .create_tenant_for_company(company, false)
        .await
        .unwrap();
    pulse
        .create_tenant_for_company(company, true)
        .await
        .unwrap();
    let tenant = pulse
        .change_tenant(
            "b0Q4x00000ContsAAC",
            Patch::new().pulse_tenant_mapping(Some(company)),
        )
        .await
        .unwrap();
    assert!(tenant.instance_uid.is_some(), "the spec's example answer");
    let organization = pulse
        .create_company_from_tenant("b0Q4x00000ContsAAC", site, Some(pool))
        .await
        .unwrap();
    assert_eq!(organization.name, "Contoso", "the spec's example answer");
    pulse
        .create_company_from_tenant("b0Q4x00000ContsAAC", site, None)
        .await
        .unwrap();
    type Sent = (String, String, Vec<(String, String)>);
    let requests = recorder.take();
    assert_eq!(
        requests[0].json_body(),
        json!([{"op": "replace", "path": "/isLicenseManagementEnabled", "value": true}])
    );
    assert_eq!(
        requests[3].json_body()[0]["value"],
        json!(company.to_string())
    );
    let seen: Vec<Sent> = requests
        .into_iter()
        .zip([
            "PatchPulseConfiguration",
            "CreatePulseTenantByCompany",
            "CreatePulseTenantByCompany",
            "PatchPulseTenant",
            "CreateCompanyByPulseTenant",
            "CreateCompanyByPulseTenant",
        ])
        .map(|(r, operation)| {
            assert_the_spec_accepts(&r, operation);
            (r.method.to_string(), r.path.clone(), r.query_pairs())
        })
        .collect();
    let company_query = ("companyUid".to_owned(), company.to_string());
    let site_query = ("siteUid".to_owned(), site.to_string());
    assert_eq!(
        seen,
        [
            ("PATCH".into(), "/api/v3/pulse".into(), vec![]),
            (
                "POST".into(),
                "/api/v3/pulse/tenants".into(),
                vec![company_query.clone()]
            ),
            (
                "POST".into(),
                "/api/v3/pulse/tenants".into(),
                vec![company_query, ("rewriteExisting".into(), "true".into())]
            ),
            (
                "PATCH".into(),
                "/api/v3/pulse/tenants/b0Q4x00000ContsAAC".into(),
                vec![]
            ),
            (
                "POST".into(),
                "/api/v3/pulse/tenants/b0Q4x00000ContsAAC/createCompany".into(),
                // The recorder lists query pairs sorted by name.
                vec![
                    ("gatewayPoolUid".into(), pool.to_string()),
                    site_query.clone()
                ]
            ),
            (
                "POST".into(),
                "/api/v3/pulse/tenants/b0Q4x00000ContsAAC/createCompany".into(),
                vec![site_query]
            ),
        ]
    );
}

#[tokio::test]
async fn an_empty_tenant_id_is_refused_before_a_change_or_a_company_is_sent() {
    let recorder = Recorder::start().await;
    let client = client_of(&recorder).await;
    let site = server_uid();
    let change = client
        .pulse()
        .change_tenant("", Patch::new().pulse_tenant_mapping(None))
        .await
        .unwrap_err();
    assert!(
        matches!(
            change,
            Error::InvalidInput {
                operation: "PatchPulseTenant",
                ..
            }
        ),
        "{change}"
    );
    let create = client
        .pulse()
        .create_company_from_tenant("", site, None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            create,
            Error::InvalidInput {
                operation: "CreateCompanyByPulseTenant",
                ..
            }
        ),
        "{create}"
    );
    assert!(recorder.take().is_empty());
}

#[tokio::test]
async fn vdc_monthly_usages_send_the_months_on_every_page() {
    let recorder = Recorder::start().await;
    let client = client_of(&recorder).await;
    let from = chrono::NaiveDate::from_ymd_opt(2026, 7, 15);
    let to = chrono::NaiveDate::from_ymd_opt(2026, 10, 31);
    let months: Vec<_> = client
        .pulse()
        .vdc_monthly_usages(from, to, ListQuery::new().page_size(1))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(months.len(), 1, "the spec's example page");
    assert_eq!(months[0].month.as_deref(), Some("2026-10"));
    let requests = recorder.take();
    for request in &requests {
        assert_the_spec_accepts(request, "GetPulseVdcMonthlyUsages");
        assert_eq!(request.path, "/api/v3/pulse/monthlyUsages");
        let pairs = request.query_pairs();
        assert!(
            pairs.contains(&("from".into(), "2026-07".into())),
            "{pairs:?}"
        );
        assert!(
            pairs.contains(&("to".into(), "2026-10".into())),
            "{pairs:?}"
        );
    }
    let _: Vec<_> = client
        .pulse()
        .vdc_monthly_usages(None, None, ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    let open = recorder.take().remove(0).query_pairs();
    assert!(
        !open.iter().any(|(k, _)| k == "from" || k == "to"),
        "{open:?}"
    );
}
