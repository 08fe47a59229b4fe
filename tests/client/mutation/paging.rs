//! Walking collections (mutation testing of `src/api/paging.rs`, beside its unit tests and the
//! reliability binary's short-page and throttling walks).

use futures::TryStreamExt;
use vspc_licensing::simulator::{Simulator, SimulatorConfig};
use vspc_licensing::{Client, ListQuery, Product};

const KEY: &str = "paging-key";

#[tokio::test]
async fn the_unpaged_collections_list_every_license_they_hold() {
    let sim = Simulator::start(SimulatorConfig::default().api_key(KEY))
        .await
        .unwrap();
    let client = Client::builder(sim.base_url())
        .api_key(KEY)
        .build()
        .unwrap();

    let sites: Vec<_> = client
        .licenses(Product::Site, ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    let uids: Vec<_> = sites.iter().map(|l| l.uid().unwrap()).collect();
    assert!(!uids.is_empty());
    assert_eq!(uids, sim.state().site_uids());
    assert!(sites.iter().all(|l| l.product() == Product::Site));

    let console: Vec<_> = client
        .licenses(Product::Console, ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(console.len(), 1, "the console's one license");
    assert_eq!(console[0].product(), Product::Console);
    sim.shutdown().await;
}
