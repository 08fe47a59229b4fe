//! What a [`ListQuery`] asks of a console (issue 18 item 13: mutation testing of
//! `src/api/query.rs` found that `sort`, `select` and `offset` could be dropped, and `validate`
//! skipped, without a test noticing). Checked on a loopback server that records each request.

use crate::support::recorder;

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use recorder::{Canned, Recorded, Recorder};
use serde_json::{json, Value};
use uuid::Uuid;
use vspc_licensing::{Client, Error};
use vspc_licensing::{Filter, ListQuery, Select, Sort, MAX_PAGE_SIZE};

/// A collection of `total` licenses, served as asked.
async fn collection(total: usize) -> Recorder {
    Recorder::with_fallback(Arc::new(move |r: &Recorded| {
        let number = |name: &str| {
            r.query_pairs()
                .into_iter()
                .find(|(n, _)| n == name)
                .map_or(0, |(_, v)| v.parse::<usize>().unwrap())
        };
        let (offset, limit) = (number("offset"), number("limit"));
        let data: Vec<Value> = (offset..total.min(offset + limit))
            .map(|i| json!({"backupServerUid": Uuid::from_u128(i as u128 + 1), "autoUpdateEnabled": false}))
            .collect();
        let count = data.len();
        Canned::json(
            200,
            json!({"data": data, "meta": {"pagingInfo": {"total": total, "count": count, "offset": offset}}}),
        )
    }))
    .await
}

fn client(recorder: &Recorder) -> Client {
    Client::builder(recorder.url())
        .api_key("k")
        .build()
        .unwrap()
}

#[tokio::test]
async fn filter_sort_select_offset_and_page_size_reach_the_console() {
    let recorder = collection(30).await;
    let query = ListQuery::new()
        .filter(Filter::equals("autoUpdateEnabled", false))
        .sort(Sort::descending("company"))
        .select(Select::properties(["company"]))
        .offset(5)
        .page_size(10);
    let uids: Vec<_> = client(&recorder)
        .backup_server_licenses(query)
        .map_ok(|license| license.backup_server_uid)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(uids.len(), 25, "from offset 5 to the end");
    assert_eq!(uids[0], Some(Uuid::from_u128(6)));
    let requests = recorder.requests();
    let first: Vec<(String, String)> = requests[0].query_pairs();
    let value = |name: &str| {
        first
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{name} missing from {first:?}"))
    };
    assert_eq!(value("offset"), "5");
    assert_eq!(value("limit"), "10");
    assert_eq!(
        serde_json::from_str::<Value>(&value("filter")).unwrap(),
        json!([{"operation": "equals", "property": "autoUpdateEnabled", "value": false}])
    );
    assert_eq!(
        serde_json::from_str::<Value>(&value("sort")).unwrap(),
        json!([{"property": "company", "direction": "descending"}])
    );
    assert_eq!(
        serde_json::from_str::<Value>(&value("select")).unwrap(),
        json!([{"propertyPath": "company"}])
    );
    assert!(
        requests
            .iter()
            .all(|r| r.query_pairs().iter().any(|(n, _)| n == "sort")),
        "every page is asked in the same order"
    );
}

#[test]
fn page_sizes_and_offsets_outside_the_spec_are_refused() {
    for size in [1, 100, MAX_PAGE_SIZE] {
        assert!(
            ListQuery::new().page_size(size).validate().is_ok(),
            "{size}"
        );
    }
    for size in [0, MAX_PAGE_SIZE + 1] {
        let message = ListQuery::new().page_size(size).validate().unwrap_err();
        assert!(message.contains("page size"), "{size}: {message}");
    }
    let largest = i32::MAX as u32;
    assert!(ListQuery::new().offset(largest).validate().is_ok());
    let message = ListQuery::new().offset(largest + 1).validate().unwrap_err();
    assert!(message.contains("offset"), "{message}");
}

#[tokio::test]
async fn a_refused_query_sends_nothing() {
    let recorder = collection(30).await;
    let client = client(&recorder);
    for query in [
        ListQuery::new().page_size(0),
        ListQuery::new().page_size(MAX_PAGE_SIZE + 1),
        ListQuery::new().offset(i32::MAX as u32 + 1),
    ] {
        let mut stream = client.backup_server_licenses(query);
        let first = stream.next().await.expect("one item: the error");
        assert!(
            matches!(first, Err(Error::InvalidInput { .. })),
            "{first:?}"
        );
        assert!(stream.next().await.is_none(), "the stream ends there");
    }
    assert!(recorder.requests().is_empty(), "nothing was sent");
}
