//! Finding 7, the live check (once `conform`): the values a server's answers carry (UIDs, report months) are put into
//! the next paths as encoded path segments, so a UID such as `../../x` cannot send the run's
//! requests outside the API.

use std::sync::Arc;

use serde_json::Value;
use vspc_licensing::live_check::{run, LiveCheckOptions};
use vspc_licensing::Client;

use crate::support::recorder::{spec_example_answer, Canned, Recorded, Recorder};

const HOSTILE: &str = "../../../../escape";

/// The spec's example answers, with every `…Uid` of a listed resource and every report month
/// replaced by [`HOSTILE`].
fn hostile_answer(request: &Recorded) -> Canned {
    let mut canned = spec_example_answer(request);
    let Ok(mut json) = serde_json::from_slice::<Value>(&canned.body) else {
        return canned;
    };
    if let Some(items) = json["data"].as_array_mut() {
        for item in items.iter_mut().filter_map(Value::as_object_mut) {
            for (key, value) in item.iter_mut() {
                if key.ends_with("Uid") && value.is_string() {
                    *value = Value::from(HOSTILE);
                }
            }
            if let Some(date) = item
                .get_mut("reportParameters")
                .and_then(|p| p.get_mut("generationDate"))
            {
                *date = Value::from("../../x/");
            }
        }
    }
    canned.body = json.to_string().into_bytes();
    canned
}

#[tokio::test]
async fn uids_from_the_server_stay_inside_the_path_segment_they_fill() {
    let recorder = Recorder::with_fallback(Arc::new(hostile_answer)).await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .build()
        .unwrap();
    let options = LiveCheckOptions {
        page_size: 10,
        max_pages: Some(1),
    };
    let outcome = run(&client, &options).await.unwrap();
    let paths: Vec<String> = recorder.requests().into_iter().map(|r| r.path).collect();
    assert!(
        paths.iter().any(|p| p.contains("..%2F..%2F")),
        "the hostile UID was used, encoded: {paths:?}"
    );
    for path in &paths {
        assert!(
            path.starts_with("/api/v3/licensing/") || path == "/api/v3/about",
            "a request left the API: {path} (all: {paths:?})"
        );
    }
    assert!(
        outcome.calls.iter().all(|c| !c.target.contains("/../")),
        "{:?}",
        outcome.calls
    );
}
