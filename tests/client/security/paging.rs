//! Finding 7, paging: a server that ignores `offset` and sends no paging information, answering
//! with two pages in turn, is caught when a page comes back a second time, not walked to
//! `i32::MAX`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures::StreamExt;
use serde_json::{json, Value};
use uuid::Uuid;
use vspc_licensing::{Client, Error, ListQuery};

use crate::support::recorder::{Canned, Recorded, Recorder};

fn page(first: u128) -> Value {
    let data: Vec<Value> = (first..first + 10)
        .map(|i| json!({"backupServerUid": Uuid::from_u128(i), "autoUpdateEnabled": false}))
        .collect();
    json!({ "data": data })
}

#[tokio::test]
async fn two_pages_in_turn_without_paging_information_end_the_walk() {
    let served = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&served);
    let recorder = Recorder::with_fallback(Arc::new(move |_: &Recorded| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        Canned::json(200, page(if n % 2 == 0 { 1 } else { 11 }))
    }))
    .await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .build()
        .unwrap();
    let walked: Vec<_> = client
        .backup_server_licenses(ListQuery::new().page_size(10))
        // The old walk never ended: look at the first 500 results only.
        .take(500)
        .collect()
        .await;
    let resources = walked.iter().take_while(|item| item.is_ok()).count();
    assert_eq!(resources, 20, "the two distinct pages, then the error");
    assert!(
        matches!(walked.get(20), Some(Err(Error::Protocol { message, .. })) if message.contains("offset")),
        "{:?}",
        walked.get(20)
    );
    assert_eq!(walked.len(), 21, "the stream ends after the error");
    // The first wave of four: the third page read is the repeat that ends the walk.
    assert_eq!(served.load(Ordering::SeqCst), 4);
}
