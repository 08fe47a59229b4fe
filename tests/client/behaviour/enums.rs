//! Forward-compatible enums over the wire: older, lower-case and unknown values parse, and are
//! sent back as received.

use crate::support::recorder;

use std::sync::Arc;

use recorder::{Canned, Recorded, Recorder};
use serde_json::json;
use uuid::Uuid;
use vspc_licensing::enums::{LicensePackage, LicenseStatus, LicenseType, LicenseUnitType};
use vspc_licensing::Client;

#[tokio::test]
async fn older_lower_case_and_unknown_enum_values_parse() {
    let body = json!({"data": {
        "backupServerUid": "a26ad214-e225-49bf-8fb8-f16340729b7b", "autoUpdateEnabled": false,
        "packages": ["backup", "Quantum"], "status": "valid", "type": "Metered", "unitType": "instances"
    }});
    let recorder = Recorder::with_fallback(Arc::new(move |_: &Recorded| {
        Canned::json(200, body.clone())
    }))
    .await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .build()
        .unwrap();
    let license = client
        .get_backup_server_license()
        .backup_server_uid(Uuid::nil())
        .send()
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!(license.status, Some(LicenseStatus::Valid));
    assert_eq!(license.unit_type, Some(LicenseUnitType::Instances));
    assert_eq!(
        license.packages,
        vec![
            LicensePackage::Backup,
            LicensePackage::Unknown("Quantum".into())
        ]
    );
    assert_eq!(license.type_, Some(LicenseType::Unknown("Metered".into())));
    let back = serde_json::to_value(&license).unwrap();
    assert_eq!(
        back["type"], "Metered",
        "unknown values are sent back as received"
    );
    assert_eq!(
        back["status"], "Valid",
        "known values are sent in the spec's spelling"
    );
}
