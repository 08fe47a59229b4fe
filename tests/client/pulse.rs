//! VCSP Pulse through the typed client, over loopback against a recording server (the
//! simulator does not serve Pulse yet).

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
