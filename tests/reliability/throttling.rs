//! A bulk change through a console that throttles and serves short pages (issue 18, done-when):
//! every license is read once, and every change is applied exactly once.

use std::collections::HashSet;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use uuid::Uuid;
use vspc_licensing::simulator::{
    FaultKind, FaultRule, Firing, RouteMatch, Simulator, SimulatorConfig, DEFAULT_API_KEY,
};
use vspc_licensing::unique_by;
use vspc_licensing::ListQuery;
use vspc_licensing::{Client, License, Product, RetryPolicy};

const BULK_CONCURRENCY: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_enable_through_a_throttling_console_with_short_pages_changes_each_license_once() {
    let sim = Simulator::start(
        SimulatorConfig::default()
            .seed(3)
            .backup_servers(150)
            .vone_servers(20)
            .vb365_servers(20)
            .max_page_size(7)
            .max_concurrent_requests(3)
            .max_requests_per_period(150, Duration::from_secs(1))
            // A little server time per request, so that requests overlap as on a real console.
            .fault(FaultRule {
                route: RouteMatch::Any,
                firing: Firing::Always,
                kind: FaultKind::Delay(Duration::from_millis(5)),
            }),
    )
    .await
    .unwrap();
    let client = Client::builder(sim.base_url())
        .api_key(DEFAULT_API_KEY)
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(12)
                .initial_backoff(Duration::from_millis(20))
                .max_backoff(Duration::from_millis(500)),
        )
        .build()
        .unwrap();
    let state = sim.state().clone();

    let mut targets: Vec<(Product, Uuid)> = Vec::new();
    for product in [
        Product::BackupServer,
        Product::VOneServer,
        Product::Vb365Server,
    ] {
        let walk = client.licenses(product, ListQuery::new().page_size(50).pages_in_flight(4));
        let licenses: Vec<License> = unique_by(walk, License::uid).try_collect().await.unwrap();
        let uids: HashSet<Option<Uuid>> = licenses.iter().map(License::uid).collect();
        assert_eq!(uids.len(), licenses.len());
        targets.extend(
            licenses
                .iter()
                .filter(|l| l.auto_update_enabled() == Some(false))
                .filter_map(|l| Some((product, l.uid()?))),
        );
    }
    let expected_reads = 150 + 20 + 20;
    assert!(!targets.is_empty());
    assert!(targets.len() < expected_reads);

    let limit = client.adaptive_limit(BULK_CONCURRENCY);
    let outcomes: Vec<_> = futures::stream::iter(targets.clone())
        .map(|(product, uid)| {
            let (client, limit) = (client.clone(), limit.clone());
            async move {
                let _permit = limit.acquire().await;
                (product, uid, client.enable_auto_update(product, uid).await)
            }
        })
        .buffer_unordered(BULK_CONCURRENCY)
        .collect()
        .await;
    let failed: Vec<_> = outcomes
        .iter()
        .filter_map(|(p, uid, r)| r.as_ref().err().map(|e| format!("{p:?} {uid}: {e}")))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    for (product, uid) in &targets {
        let segment = match product {
            Product::BackupServer => "backupServers",
            Product::VOneServer => "voneServers",
            Product::Vb365Server => "vb365Servers",
            _ => unreachable!(),
        };
        assert_eq!(
            state.changes_applied(&format!("{segment}/{uid}")),
            1,
            "{product:?} {uid}"
        );
    }
    assert_eq!(state.total_changes_applied(), targets.len() as u64);
    assert!(
        client.throttled_answers() > 0,
        "the console throttled the run"
    );
    assert!(limit.limit() < BULK_CONCURRENCY, "and the bulk slowed down");
    sim.shutdown().await;
}
