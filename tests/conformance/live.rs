//! The live contract check, run as users run it (`vspc-licensing conform`) and as a library:
//! a server that answers with the spec's own examples conforms; one that drifts (an extra
//! field, an unlisted enum value, a missing required field, an undocumented status) is caught
//! and named.
//!
//! The same checks against a real VSPC: set `VSPC_LIVE_URL` and `VSPC_LIVE_API_KEY`; without
//! them `against_a_live_vspc_when_configured` says so and checks nothing else.

use crate::support::cli::tool;
use crate::support::recorder;

use std::sync::Arc;

use recorder::{spec_example_answer, Canned, Recorded, Recorder};
use serde_json::Value;
use vspc_licensing::contract::DriftKind;
use vspc_licensing::live_check::{run, LiveCheckOptions};
use vspc_licensing::Client;

fn drifting(r: &Recorded) -> Canned {
    let mut answer = spec_example_answer(r);
    if r.path.ends_with("/licensing/backupServers") {
        let mut body: Value = serde_json::from_slice(&answer.body).unwrap();
        body["data"][0]["tenantCode"] = Value::from("T-42");
        body["data"][1]["type"] = Value::from("Metered");
        body["data"][1]
            .as_object_mut()
            .unwrap()
            .remove("autoUpdateEnabled");
        answer.body = body.to_string().into_bytes();
    }
    if r.path.ends_with("/licensing/console/settings") {
        answer = Canned::raw(520, "text/html", b"<html>Internal Server Error</html>");
    }
    answer
}

#[tokio::test]
async fn a_server_that_answers_like_the_spec_conforms() {
    let recorder = Recorder::start().await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .build()
        .unwrap();
    let outcome = run(&client, &LiveCheckOptions::default()).await.unwrap();
    assert!(outcome.conforms(), "{:#?}", outcome.report);
    let called: std::collections::BTreeSet<&str> =
        outcome.calls.iter().map(|c| c.operation.as_str()).collect();
    // Every read-only licensing operation was reached, path parameters included.
    for operation in [
        "GetBackupServerLicense",
        "GetSiteLicense",
        "DownloadLicensingReportCsv",
        "GetLicensingReportsForDate",
        "GetConsoleLicenseSettings",
        "GetAboutInformation",
    ] {
        assert!(
            called.contains(operation),
            "{operation} not called: {called:?}"
        );
    }
    assert_eq!(called.len(), 17, "{called:?}");
    assert!(outcome.skipped.is_empty(), "{:?}", outcome.skipped);
    assert!(
        recorder.requests().iter().all(|r| r.method == "GET"),
        "read-only"
    );
}

#[tokio::test]
async fn drift_is_caught_and_named() {
    let recorder = Recorder::with_fallback(Arc::new(drifting)).await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .build()
        .unwrap();
    let outcome = run(&client, &LiveCheckOptions::default()).await.unwrap();
    let kinds: Vec<(DriftKind, String)> = outcome
        .report
        .violations
        .iter()
        .map(|v| (v.kind, v.operation.clone().unwrap_or_default()))
        .collect();
    for kind in [
        DriftKind::UndocumentedField,
        DriftKind::UnknownEnumValue,
        DriftKind::MissingRequired,
    ] {
        assert!(
            kinds.contains(&(kind, "GetBackupServersLicenses".into())),
            "{kind:?} missing: {kinds:#?}"
        );
    }
    assert!(
        kinds
            .iter()
            .any(|(_, operation)| operation == "GetConsoleLicenseSettings"),
        "an HTML 520 is drift: {kinds:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_reports_drift_as_a_table_and_json_and_exits_5() {
    let recorder = Recorder::with_fallback(Arc::new(drifting)).await;
    let url = recorder.url();
    let (table, json) = tokio::task::spawn_blocking(move || {
        let run = |format: &str| {
            tool()
                .args([
                    "conform",
                    "--url",
                    &url,
                    "--api-key",
                    "k",
                    "--output",
                    format,
                ])
                .output()
                .unwrap()
        };
        (run("table"), run("json"))
    })
    .await
    .unwrap();
    assert_eq!(table.status.code(), Some(5));
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("UndocumentedField") && text.contains("tenantCode"),
        "{text}"
    );
    assert_eq!(json.status.code(), Some(5));
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(
        report["report"]["violations"].as_array().unwrap().len() >= 4,
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_exits_0_on_a_conforming_server() {
    let recorder = Recorder::start().await;
    let url = recorder.url();
    let output = tokio::task::spawn_blocking(move || {
        tool()
            .args(["conform", "--url", &url, "--api-key", "k"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("0 departure(s)"), "{stderr}");
}

#[tokio::test]
async fn against_a_live_vspc_when_configured() {
    let (Ok(url), Ok(key)) = (
        std::env::var("VSPC_LIVE_URL"),
        std::env::var("VSPC_LIVE_API_KEY"),
    ) else {
        eprintln!("VSPC_LIVE_URL and VSPC_LIVE_API_KEY are not set: no live VSPC to check (set them to run the contract against yours)");
        return;
    };
    let mut builder = Client::builder(url).api_key(key);
    if let Ok(ca) = std::env::var("VSPC_LIVE_CA_CERT") {
        builder = builder.add_ca_certificate_file(ca);
    }
    let outcome = run(&builder.build().unwrap(), &LiveCheckOptions::default())
        .await
        .unwrap();
    for violation in &outcome.report.violations {
        eprintln!("{violation}");
    }
    assert!(
        outcome.conforms(),
        "{} departure(s) from the spec",
        outcome.report.violations.len()
    );
}
