//! The crate's own client against the simulator: the demo's tour, retries over dropped
//! connections, and 202 async actions followed to their result.

use std::collections::HashSet;
use std::time::Duration;

use futures::TryStreamExt;
use vspc_licensing::simulator::{
    AsyncOperations, FaultKind, FaultRule, Simulator, SimulatorConfig, DEFAULT_API_KEY,
    DEFAULT_PASSWORD, DEFAULT_USER,
};
use vspc_licensing::{Client, License, LicenseFile, Product};
use vspc_licensing::{Filter, ListQuery, MAX_PAGE_SIZE};

const SAMPLE: &[u8] = include_bytes!("../../spec/licenses/vbr-rental-1000.lic");

#[tokio::test]
async fn the_demo_tour_works_end_to_end() {
    let sim = Simulator::start(SimulatorConfig::default()).await.unwrap();
    let client = Client::builder(sim.base_url())
        .credentials(DEFAULT_USER, DEFAULT_PASSWORD)
        .build()
        .unwrap();
    let mut all: Vec<License> = Vec::new();
    for product in Product::ALL {
        let licenses: Vec<License> = client
            .licenses(product, ListQuery::new().page_size(MAX_PAGE_SIZE))
            .try_collect()
            .await
            .unwrap();
        all.extend(licenses);
    }
    assert_eq!(all.len(), 12 + 4 + 4 + 3 + 1);
    let off: Vec<_> = client
        .backup_server_licenses(ListQuery::new().filter(Filter::equals("autoUpdateEnabled", false)))
        .try_collect()
        .await
        .unwrap();
    assert!(!off.is_empty());
    for license in all
        .iter()
        .filter(|l| l.auto_update_enabled() == Some(false))
    {
        let uid = license.uid().unwrap();
        let after = client
            .enable_auto_update(license.product(), uid)
            .await
            .unwrap();
        assert_eq!(after.auto_update_enabled(), Some(true));
    }
    let still_off: Vec<_> = client
        .backup_server_licenses(ListQuery::new().filter(Filter::equals("autoUpdateEnabled", false)))
        .try_collect()
        .await
        .unwrap();
    assert!(still_off.is_empty());
    let uid = sim.state().backup_server_uids()[0];
    let installed = client
        .install_license(
            Product::BackupServer,
            Some(uid),
            &LicenseFile::from_bytes("vbr-rental-1000.lic", SAMPLE),
        )
        .await
        .unwrap();
    assert_eq!(installed.uid(), Some(uid));
    assert_eq!(
        sim.state().backup_server_license(uid).unwrap().units,
        Some(1000.0)
    );
    let reports: Vec<_> = client
        .latest_license_reports(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(reports.len(), 6);
    let id = reports[0].report_parameters.as_ref().unwrap().report_id;
    let csv = client.download_license_report_csv(id).await.unwrap();
    assert!(String::from_utf8_lossy(&csv).starts_with("Organization,"));
    client.finalize_license_reports().await.unwrap();
    sim.shutdown().await;
}

#[tokio::test]
async fn retries_over_a_dropped_connection_apply_once() {
    let sim = Simulator::start(SimulatorConfig::default().fault(FaultRule::once(
        "PatchBackupServerLicense",
        FaultKind::DropAfterApply,
    )))
    .await
    .unwrap();
    let client = Client::builder(sim.base_url())
        .api_key(DEFAULT_API_KEY)
        .build()
        .unwrap();
    let uid = sim.state().backup_server_uids()[0];
    let target = !sim
        .state()
        .backup_server_license(uid)
        .unwrap()
        .auto_update_enabled;
    let after = client
        .set_auto_update(Product::BackupServer, uid, target)
        .await
        .unwrap();
    assert_eq!(after.auto_update_enabled(), Some(target));
    assert_eq!(
        sim.state().changes_applied(&format!("backupServers/{uid}")),
        1
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn async_actions_are_followed_to_their_result() {
    let sim = Simulator::start(
        SimulatorConfig::default()
            .async_operations(AsyncOperations::Only(HashSet::from([
                "UpdateVOneServerLicense".to_owned(),
            ])))
            .async_delay(Duration::from_millis(200)),
    )
    .await
    .unwrap();
    let client = Client::builder(sim.base_url())
        .api_key(DEFAULT_API_KEY)
        .build()
        .unwrap();
    let uid = sim.state().vone_server_uids()[0];
    let renewed = client
        .renew_license(Product::VOneServer, Some(uid))
        .await
        .unwrap();
    assert_eq!(renewed.uid(), Some(uid));
    assert_eq!(
        sim.state().changes_applied(&format!("voneServers/{uid}")),
        1
    );
    sim.shutdown().await;
}
