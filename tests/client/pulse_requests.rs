//! A reviewed snapshot of every request the hand-written VCSP Pulse API (`Client::pulse`,
//! `NewPulseLicense`, the `Patch::pulse_*` helpers of licenses, the connection and tenants) sends, one call of each method in turn:
//! a change in what the crate puts on the wire, a new header or a reordered patch, shows up as
//! a snapshot diff (`snapshots/pulse_requests.snap`). The generated operations' requests are in
//! `client_requests.snap`; each request here is also judged by the spec.

use futures::TryStreamExt;
use uuid::Uuid;
use vspc_licensing::contract::Spec;
use vspc_licensing::{Client, ListQuery, NewPulseLicense, Patch};

use crate::operations::render;
use crate::support::recorder::{operation_for, Recorded, Recorder};

const KEY: &str = "pulse-snapshot-key";
const LICENSE: &str = "3c9e5d2a-71b4-4f08-9e6a-5b2d8c1f0a47";
const SERVER: &str = "a26ad214-e225-49bf-8fb8-f16340729b7b";
const COMPANY: &str = "5e0c9a31-2b7d-4f6e-8c1a-9d3b4e5f6a70";
const SITE: &str = "0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f";
const POOL: &str = "7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910";

/// The one request `recorder` saw since the last call, judged by the spec and rendered.
fn rendered(recorder: &Recorder) -> String {
    let mut requests = recorder.take();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    let request: Recorded = requests.remove(0);
    let relative = request.path.strip_prefix("/api/v3").unwrap();
    let (_, op) = operation_for(&request.method, &request.path)
        .unwrap_or_else(|| panic!("{} {} is not in the spec", request.method, request.path));
    let operation = op["operationId"].as_str().unwrap().to_owned();
    let target = match &request.query {
        Some(query) => format!("{relative}?{query}"),
        None => relative.to_owned(),
    };
    let violations = Spec::embedded().validate_request(
        &operation,
        request.method.as_str(),
        &target,
        request
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.as_bytes().to_vec())),
        &request.body,
    );
    assert!(violations.is_empty(), "{operation}: {violations:#?}");
    render(&operation, &request)
}

#[tokio::test]
async fn the_pulse_api_sends_the_reviewed_requests() {
    let recorder = Recorder::start().await;
    let client = Client::builder(recorder.url())
        .api_key(KEY)
        .build()
        .unwrap();
    let pulse = client.pulse();
    let license: Uuid = LICENSE.parse().unwrap();
    let server: Uuid = SERVER.parse().unwrap();
    let expires = "2027-03-31T00:00:00Z".parse().unwrap();
    let mut out = String::new();

    // The first page of each stream (the spec's example answers hold one page), one page at a
    // time: a walk's first wave would ask for the pages after the first at once as well.
    pulse
        .licenses(ListQuery::new().pages_in_flight(1))
        .try_next()
        .await
        .unwrap();
    out += &rendered(&recorder);
    pulse
        .contracts(ListQuery::new().pages_in_flight(1))
        .try_next()
        .await
        .unwrap();
    out += &rendered(&recorder);
    pulse
        .products(ListQuery::new().pages_in_flight(1))
        .try_next()
        .await
        .unwrap();
    out += &rendered(&recorder);
    pulse
        .tenants(ListQuery::new().pages_in_flight(1))
        .try_next()
        .await
        .unwrap();
    out += &rendered(&recorder);
    pulse.configuration().await.unwrap();
    out += &rendered(&recorder);
    pulse.tenant("fabrikam").await.unwrap();
    out += &rendered(&recorder);
    let connection = Patch::new()
        .pulse_token("pulse-portal-token")
        .pulse_license_management(true)
        .pulse_company_mapping(true)
        .pulse_pushing_new_companies(false);
    pulse.change_configuration(connection).await.unwrap();
    out += &rendered(&recorder);
    let company: Uuid = COMPANY.parse().unwrap();
    pulse
        .create_tenant_for_company(company, true)
        .await
        .unwrap();
    out += &rendered(&recorder);
    for mapping in [Some(company), None] {
        let patch = Patch::new().pulse_tenant_mapping(mapping);
        pulse.change_tenant("fabrikam", patch).await.unwrap();
        out += &rendered(&recorder);
    }
    let site: Uuid = SITE.parse().unwrap();
    let pool: Uuid = POOL.parse().unwrap();
    pulse
        .create_company_from_tenant("fabrikam", site, Some(pool))
        .await
        .unwrap();
    out += &rendered(&recorder);
    let (from, to) = ("2026-07-01".parse().ok(), "2026-10-01".parse().ok());
    pulse
        .vdc_monthly_usages(from, to, ListQuery::new().pages_in_flight(1))
        .try_next()
        .await
        .unwrap();
    out += &rendered(&recorder);
    pulse.license(license).await.unwrap();
    out += &rendered(&recorder);

    let new = NewPulseLicense::new("VBR_ENTPLUS_12_3", "07100042", expires)
        .workload("VM_VBR_ENTPLUS_12_3", 50)
        .workload("Workstation_VBR_ENTPLUS_12_3", 10)
        .description("Fabrikam production cluster")
        .automatic_reporting(true);
    pulse.create(new).await.unwrap();
    out += &rendered(&recorder);

    // Each usual change, from the license as the example answer has it.
    let current = pulse.license(license).await.unwrap();
    recorder.take();
    let first = current.workloads[0].workload_id.clone();
    let changes = [
        Patch::pulse_workload_counts(&current, [(first.as_str(), 75), ("Server_NEW", 4)]).unwrap(),
        Patch::pulse_expiration(expires),
        Patch::pulse_description(Some("moved to rack 4")),
        Patch::pulse_description(None),
        Patch::pulse_automatic_extension(true),
    ];
    for patch in changes {
        pulse.change(license, patch).await.unwrap();
        out += &rendered(&recorder);
    }

    pulse.copy(license).await.unwrap();
    out += &rendered(&recorder);
    pulse.install(license, server).await.unwrap();
    out += &rendered(&recorder);
    pulse.download(license).await.unwrap();
    out += &rendered(&recorder);
    pulse.revoke(license).await.unwrap();
    out += &rendered(&recorder);
    pulse.delete(license).await.unwrap();
    out += &rendered(&recorder);
    pulse.sync().await.unwrap();
    out += &rendered(&recorder);

    crate::support::snapshot_settings_in("")
        .bind(|| insta::assert_snapshot!("pulse_requests", out));
}
