//! Issue 28, finding 5: a chart of points no axis can hold is refused with a clear message
//! instead of never finishing; the numbers stay available as JSON and CSV.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::cli::{output, stderr, tool};
use crate::support::recorder::{spec_example_answer, Recorded, Recorder};

/// A console whose one report gives its organization `points`.
async fn console_reporting(points: f64) -> Recorder {
    Recorder::with_fallback(Arc::new(move |request: &Recorded| {
        let mut canned = spec_example_answer(request);
        if request.path.ends_with("/licensing/reports") {
            let mut page: Value = serde_json::from_slice(&canned.body).unwrap();
            page["data"][0]["organizationsUsage"][0]["usedPoints"] = json!(points);
            canned.body = page.to_string().into_bytes();
        }
        canned
    }))
    .await
}

async fn chart(recorder: &Recorder, args: &[&str]) -> std::process::Output {
    let mut command = tool();
    command
        .env("VSPC_URL", recorder.url())
        .env("VSPC_API_KEY", "k")
        .args(["reports", "chart", "--months", "1"])
        .args(args)
        // A guard, not a measurement: the old code never finished drawing this chart.
        .timeout(Duration::from_secs(60));
    output(command).await
}

/// Failed on the old code: `--svg` with 1.7e308 points hung in the axis' tick loop (killed
/// after a minute).
#[tokio::test]
async fn points_beyond_any_axis_are_refused_before_drawing() {
    let recorder = console_reporting(1.7e308).await;
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("chart.svg");
    for args in [
        vec!["--svg", svg.to_str().unwrap()],
        vec![],
        vec!["--layout", "grouped"],
    ] {
        let output = chart(&recorder, &args).await;
        assert_eq!(
            output.status.code(),
            Some(1),
            "{args:?}: {}",
            stderr(&output)
        );
        let message = stderr(&output);
        assert!(
            message.contains("cannot chart Alpha in 2026-10: 1.7e308 points"),
            "{args:?}: {message}"
        );
        assert!(message.contains("-o json"), "{message}");
    }
    assert!(!svg.exists(), "nothing is written");
    // The numbers themselves are still there, exact.
    let output = chart(&recorder, &["-o", "json"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let table: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(table["series"][0]["points"][0], json!(1.7e308));
    let output = chart(&recorder, &["-o", "csv"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

/// The largest value a chart draws is drawn, in every layout and picture.
#[tokio::test]
async fn the_largest_drawable_points_are_drawn() {
    let recorder = console_reporting(1e15).await;
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("chart.svg");
    for args in [
        vec!["--svg", svg.to_str().unwrap()],
        vec![],
        vec!["--layout", "grouped"],
    ] {
        let output = chart(&recorder, &args).await;
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let picture = std::fs::read_to_string(&svg).unwrap();
    assert!(picture.contains("1,000,000,000,000,000.0"), "{picture}");
}
