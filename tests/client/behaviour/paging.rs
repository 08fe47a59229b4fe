//! Walking collections: every page once and in order, a server that ignores `offset`, a
//! collection without paging information, and the collections that are not paged.

use crate::support::recorder;

use std::sync::Arc;

use futures::TryStreamExt;
use recorder::{Canned, Recorded, Recorder};
use serde_json::{json, Value};
use uuid::Uuid;
use vspc_licensing::simulator::{Simulator, SimulatorConfig};
use vspc_licensing::{Client, ListQuery, Product};

fn license(i: usize) -> Value {
    json!({"backupServerUid": Uuid::from_u128(i as u128), "autoUpdateEnabled": i.is_multiple_of(2), "company": format!("Tenant {i}")})
}

fn page_of(total: usize, request: &Recorded, honour_offset: bool, with_meta: bool) -> Canned {
    let pairs = request.query_pairs();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.parse::<usize>().unwrap())
    };
    let limit = get("limit").unwrap_or(100);
    let offset = if honour_offset {
        get("offset").unwrap_or(0)
    } else {
        0
    };
    let data: Vec<Value> = (offset..total.min(offset + limit)).map(license).collect();
    let mut body = json!({ "data": data });
    if with_meta {
        body["meta"] =
            json!({"pagingInfo": {"total": total, "count": data.len(), "offset": offset}});
    }
    Canned::json(200, body)
}

#[tokio::test]
async fn paging_walks_every_page_once_in_order_with_pages_in_flight() {
    let recorder =
        Recorder::with_fallback(Arc::new(|r: &Recorded| page_of(1234, r, true, true))).await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .build()
        .unwrap();
    let items: Vec<_> = client
        .backup_server_licenses(ListQuery::new().page_size(100).pages_in_flight(4))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 1234);
    for (i, item) in items.iter().enumerate() {
        assert_eq!(
            item.backup_server_uid,
            Some(Uuid::from_u128(i as u128)),
            "item {i} out of order"
        );
    }
    let mut offsets: Vec<usize> = recorder
        .requests()
        .iter()
        .map(|r| {
            r.query_pairs()
                .into_iter()
                .find(|(k, _)| k == "offset")
                .unwrap()
                .1
                .parse()
                .unwrap()
        })
        .collect();
    offsets.sort();
    assert_eq!(
        offsets,
        (0..13).map(|p| p * 100).collect::<Vec<_>>(),
        "each page asked for exactly once"
    );
}

#[tokio::test]
async fn a_server_that_ignores_offset_ends_the_stream_with_an_error_not_a_loop() {
    for with_meta in [true, false] {
        let recorder = Recorder::with_fallback(Arc::new(move |r: &Recorded| {
            page_of(1000, r, false, with_meta)
        }))
        .await;
        let client = Client::builder(recorder.url())
            .api_key("k")
            .build()
            .unwrap();
        let mut stream =
            client.backup_server_licenses(ListQuery::new().page_size(100).pages_in_flight(1));
        let mut seen = std::collections::HashSet::new();
        let mut error = None;
        while let Some(item) = futures::StreamExt::next(&mut stream).await {
            match item {
                Ok(license) => assert!(seen.insert(license.backup_server_uid), "duplicate yielded"),
                Err(e) => error = Some(e),
            }
        }
        let error = error.expect("the walk reports the misbehaving server");
        assert!(error.to_string().contains("ignores `offset`"), "{error}");
        assert_eq!(seen.len(), 100, "only the first page's resources, once");
        assert!(
            recorder.requests().len() <= 3,
            "no runaway loop: {} requests",
            recorder.requests().len()
        );
    }
}

#[tokio::test]
async fn a_collection_without_paging_information_ends_at_the_first_empty_page() {
    let recorder =
        Recorder::with_fallback(Arc::new(|r: &Recorded| page_of(250, r, true, false))).await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .build()
        .unwrap();
    let items: Vec<_> = client
        .backup_server_licenses(ListQuery::new().page_size(100))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 250);
    // Without a total, the short page at 200 may be a capped one: the walk asks from 250 and
    // stops at the empty answer (issue 18: never a silent loss). The first wave asked for
    // 100, 200 and 300 alongside 0: the first two are read, 300 is one request past the end.
    assert_eq!(recorder.requests().len(), 5);
}

/// The API key of the simulator the unpaged collections are read from.
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
