//! Scenarios and the request journal, through `vspc-licensing serve` as a process (and
//! in-process through `SimulatorConfig::scenario` and `SimulatorHandle::journal`).

use crate::support;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Output;

use serde_json::Value;
use support::cli::tool;
use support::served::Served;
use vspc_licensing::simulator::{
    JournalEntry, Scenario, Simulator, SimulatorConfig, SCENARIO_EXAMPLE,
};

const KEY: &str = "scenario-key";

const THREE: [&str; 3] = [
    "0b7e2c4a-1d3f-4a5b-8c6d-7e8f9a0b1c2d",
    "1c8f3d5b-2e4a-4b6c-9d7e-8f9a0b1c2d3e",
    "2d9a4e6c-3f5b-4c7d-8e8f-9a0b1c2d3e4f",
];

/// Three backup servers named by UID, company, expiry and the auto-update switch only.
fn three_servers(seed_line: &str) -> String {
    format!(
        "{seed_line}
backupServers:
  - backupServerUid: {}
    company: Harbour Logistics
    expirationDate: \"2031-03-31T00:00:00Z\"
    autoUpdateEnabled: false
  - backupServerUid: {}
    company: Meadow Clinics
    expirationDate: \"2026-01-15T00:00:00Z\"
    autoUpdateEnabled: false
  - backupServerUid: {}
    company: Granite Legal
    expirationDate: \"2032-06-30T00:00:00Z\"
    autoUpdateEnabled: true
",
        THREE[0], THREE[1], THREE[2]
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn cli(args: &[&str]) -> Output {
    tool().args(args).output().unwrap()
}

fn list(served: &Served, product: &str) -> Vec<Value> {
    let output = cli(&[
        "licenses",
        "list",
        "--product",
        product,
        "-o",
        "json",
        "--url",
        served.root(),
        "--api-key",
        KEY,
    ]);
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice::<Value>(&output.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_scenario_with_three_named_servers_lists_exactly_those_three() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "three.yaml", &three_servers("seed: none"));
    let served = Served::start(&["--api-key", KEY, "--scenario", &file]);
    let servers = list(&served, "vbr");
    let uids: Vec<&str> = servers
        .iter()
        .map(|s| s["backupServerUid"].as_str().unwrap())
        .collect();
    assert_eq!(uids, THREE, "served as listed, in order");
    assert_eq!(servers[1]["company"], "Meadow Clinics");
    assert_eq!(servers[0]["autoUpdateEnabled"], false);
    assert_eq!(servers[2]["autoUpdateEnabled"], true);
    // Fields the file leaves out come from the seeded generator, consistent with what it gave.
    assert!(servers[0]["edition"].is_string(), "{}", servers[0]);
    assert!(servers[0]["units"].is_number(), "{}", servers[0]);
    assert_eq!(servers[1]["status"], "Expired", "{}", servers[1]);
    assert_eq!(servers[0]["status"], "Valid", "{}", servers[0]);
    // `seed: none`: the collections the file does not name are empty.
    assert!(list(&served, "vone").is_empty());
    assert!(list(&served, "site").is_empty());
}

#[test]
fn without_seed_none_unnamed_collections_keep_their_seeded_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "three.yaml", &three_servers(""));
    let served = Served::start(&["--api-key", KEY, "--scenario", &file]);
    assert_eq!(list(&served, "vbr").len(), 3);
    let seeded = SimulatorConfig::default().sizes;
    assert_eq!(list(&served, "vone").len(), seeded.vone_servers);
    assert_eq!(list(&served, "site").len(), seeded.sites);
}

fn journal_lines(path: &Path) -> Vec<JournalEntry> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

#[test]
fn auto_update_enable_all_shows_in_the_journal_with_one_request_id_per_patch() {
    let dir = tempfile::tempdir().unwrap();
    // The first PATCH is applied and its connection dropped: the client's retry must carry
    // the same request id and be answered from the first answer.
    let scenario = format!(
        "{}faults:\n  - operation: PatchBackupServerLicense\n    kind: dropAfterApply\n",
        three_servers("seed: none")
    );
    let file = write(dir.path(), "three.yaml", &scenario);
    let journal = dir.path().join("journal.jsonl");
    let served = Served::start(&[
        "--api-key",
        KEY,
        "--scenario",
        &file,
        "--journal",
        journal.to_str().unwrap(),
    ]);
    let output = cli(&[
        "auto-update",
        "enable",
        "--all",
        "-o",
        "json",
        "--url",
        served.root(),
        "--api-key",
        KEY,
    ]);
    assert!(output.status.success(), "{output:?}");
    let entries = journal_lines(&journal);
    let patches: Vec<&JournalEntry> = entries.iter().filter(|e| e.method == "PATCH").collect();
    let mut by_id: HashMap<&str, Vec<&JournalEntry>> = HashMap::new();
    for patch in &patches {
        let id = patch
            .request_id
            .as_deref()
            .expect("every PATCH has a request id");
        by_id.entry(id).or_default().push(patch);
    }
    // Two servers had auto-update off: two changes, two request ids.
    assert_eq!(by_id.len(), 2, "{patches:#?}");
    let patched: HashSet<&str> = patches
        .iter()
        .map(|p| p.path.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(patched, HashSet::from([THREE[0], THREE[1]]));
    for (id, attempts) in &by_id {
        assert_eq!(
            attempts.iter().filter(|a| a.applied).count(),
            1,
            "{id} applied exactly once: {attempts:#?}"
        );
        assert!(attempts
            .iter()
            .all(|a| a.operation_id.as_deref() == Some("PatchBackupServerLicense")));
        let paths: HashSet<&str> = attempts.iter().map(|a| a.path.as_str()).collect();
        assert_eq!(paths.len(), 1, "one id, one server: {attempts:#?}");
    }
    // The dropped attempt and its replay.
    let dropped = patches
        .iter()
        .find(|p| p.fault.as_deref() == Some("dropAfterApply"))
        .expect("the fault fired");
    assert_eq!(dropped.status, None);
    assert!(dropped.applied);
    let retry = &by_id[dropped.request_id.as_deref().unwrap()];
    assert_eq!(retry.len(), 2, "{retry:#?}");
    assert!(retry[1].replayed && !retry[1].applied && retry[1].status == Some(200));
    // Reads are journaled too, with their query and no change.
    let list = entries
        .iter()
        .find(|e| e.operation_id.as_deref() == Some("GetBackupServersLicenses"))
        .expect("the listing was journaled");
    assert!(
        list.query.as_deref().unwrap_or("").contains("limit="),
        "{list:?}"
    );
    assert!(!list.applied && !list.replayed && list.status == Some(200));
    assert!(chrono::DateTime::parse_from_rfc3339(&list.time).is_ok());
}

#[tokio::test]
async fn in_process_the_journal_and_the_scenario_work_the_same() {
    let scenario = Scenario::from_text(&three_servers("seed: none"), "inline").unwrap();
    let sim = Simulator::start(
        SimulatorConfig::default()
            .api_key(KEY)
            .scenario(scenario)
            .journal(true),
    )
    .await
    .unwrap();
    let uids: Vec<String> = sim
        .state()
        .backup_server_uids()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(uids, THREE);
    let client = crate::support::http_client();
    let url = format!("{}/licensing/backupServers/{}", sim.base_url(), THREE[0]);
    let id = uuid::Uuid::new_v4().to_string();
    for _ in 0..2 {
        let response = client
            .patch(&url)
            .bearer_auth(KEY)
            .header("x-request-id", &id)
            .json(&serde_json::json!([{"op": "replace", "path": "/autoUpdateEnabled", "value": true}]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let journal = sim.journal().expect("the journal is on");
    assert_eq!(journal.len(), 2);
    assert!(journal[0].applied && !journal[0].replayed);
    assert!(!journal[1].applied && journal[1].replayed);
    assert_eq!(journal[1].request_id.as_deref(), Some(id.as_str()));
    sim.shutdown().await;

    let off = Simulator::start(SimulatorConfig::default()).await.unwrap();
    assert!(off.journal().is_none(), "off unless asked for");
    off.shutdown().await;
}

/// `scenario check FILE`'s exit code and standard error.
fn check(dir: &Path, name: &str, text: &str) -> (Option<i32>, String) {
    let file = write(dir, name, text);
    let output = cli(&["scenario", "check", &file]);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn bad_scenario_files_are_refused_with_the_line_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = check(
        dir.path(),
        "bad.yaml",
        "seed: none\nbackupServers:\n  - backupServerUid: 6f1c2e8a-0b4d-4c3e-9a7f-1d2e3f4a5b6c\n    autoUpdateEnabled: \"yes\"\n  - compnay: Typo Ltd\nvoneServer: []\napiVersion: \"4.0\"\n",
    );
    assert_eq!(code, Some(2), "{stderr}");
    for expected in [
        "line 4: backupServers[0].autoUpdateEnabled: \"yes\" is not of type \"boolean\"",
        "line 5: backupServers[1].compnay: unknown field",
        "line 6: voneServer: unknown field",
        "line 7: apiVersion:",
    ] {
        assert!(
            stderr.contains(expected),
            "{expected:?} missing from:\n{stderr}"
        );
    }

    let (code, stderr) = check(
        dir.path(),
        "syntax.yaml",
        "backupServers:\n  - company: [Alpha\n",
    );
    assert_eq!(code, Some(2));
    assert!(stderr.contains("line 3"), "{stderr}");

    let duplicate = format!(
        "backupServers:\n  - backupServerUid: {0}\n  - backupServerUid: {0}\n",
        THREE[0]
    );
    let (code, stderr) = check(dir.path(), "dup.yaml", &duplicate);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("line 3: backupServers[1].backupServerUid")
            && stderr.contains("backupServers[0]"),
        "{stderr}"
    );

    // JSON: the field is named (no line: JSON is not walked by indentation).
    let (code, stderr) = check(
        dir.path(),
        "bad.json",
        r#"{"sites": [{"siteUid": "not-a-uuid"}], "faults": [{"operation": "NoSuchOperation", "kind": "delay"}]}"#,
    );
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("sites[0].siteUid: \"not-a-uuid\" is not a \"uuid\""),
        "{stderr}"
    );
    assert!(stderr.contains("faults[0].operation"), "{stderr}");

    // serve refuses the file too, before it prints a URL.
    let file = write(
        dir.path(),
        "serve-bad.yaml",
        "backupServers:\n  - units: many\n",
    );
    let output = cli(&["serve", "--addr", "127.0.0.1:0", "--scenario", &file]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("line 2: backupServers[0].units"),
        "{output:?}"
    );
}

#[test]
fn the_printed_example_checks_and_serves() {
    let output = cli(&["scenario", "example"]);
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), SCENARIO_EXAMPLE);
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "example.yaml", SCENARIO_EXAMPLE);
    let checked = cli(&["scenario", "check", &file]);
    assert!(checked.status.success(), "{checked:?}");
    let served = Served::start(&["--api-key", KEY, "--scenario", &file]);
    assert_eq!(list(&served, "vbr").len(), 3);
    assert_eq!(list(&served, "vone").len(), 1);

    // The schema printed is the one files are checked against, and it comes from the spec.
    let schema: Value = serde_json::from_slice(&cli(&["scenario", "schema"]).stdout).unwrap();
    assert_eq!(&schema, Scenario::json_schema());
    let spec_properties = vspc_licensing::contract::Spec::embedded()
        .component_schema("BackupServerLicense")
        .unwrap()["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect::<Vec<_>>();
    let scenario_properties = schema["$defs"]["BackupServerLicense"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(spec_properties, scenario_properties);
    assert!(schema["$defs"]["BackupServerLicense"]
        .get("required")
        .is_none());
}

#[test]
fn a_journal_that_cannot_be_written_stops_serve_before_it_listens() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("no-such-folder").join("journal.jsonl");
    let output = cli(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--journal",
        journal.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "no URL printed");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot open the request journal") && stderr.contains("no-such-folder"),
        "{stderr}"
    );
}

#[test]
fn what_a_scenario_serves_conforms_to_the_spec() {
    // The example lists objects in every collection, partly filled: the merged objects must
    // still be what the spec says VSPC sends.
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "example.yaml", SCENARIO_EXAMPLE);
    // Without the example's faults: conform reports a dropped connection as a failure.
    let without_faults = SCENARIO_EXAMPLE
        .split("\nfaults:")
        .next()
        .unwrap()
        .to_owned();
    let quiet = write(dir.path(), "quiet.yaml", &without_faults);
    assert!(cli(&["scenario", "check", &file]).status.success());
    let served = Served::start(&["--api-key", KEY, "--scenario", &quiet]);
    let output = cli(&["conform", "--url", served.root(), "--api-key", KEY]);
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn a_scenario_names_the_api_version_the_simulator_speaks() {
    let text = format!("apiVersion: \"3.5.1\"\n{}", three_servers("seed: 7"));
    let scenario = Scenario::from_text(&text, "inline").unwrap();
    let sim = Simulator::start(SimulatorConfig::default().api_key(KEY).scenario(scenario))
        .await
        .unwrap();
    let reports: Value = crate::support::http_client()
        .get(format!("{}/licensing/reports", sim.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // 3.5.1's own spelling: the console of the scenario's version answers in its shapes.
    assert!(
        reports["data"][0].get("reportParemeters").is_some(),
        "{reports}"
    );
    sim.shutdown().await;
}

/// A scenario scripts VSPC's own throttling answer (`throttled`): `429` with the wait in the
/// error body and no `Retry-After` header, which the client honours.
#[tokio::test]
async fn a_scenario_scripts_the_consoles_own_throttling_answer() {
    let text = format!(
        "{}faults:
  - method: GET
    path: /api/v3/licensing/backupServers
    kind: throttled
    retryAfterSeconds: 1
  - method: GET
    path: /api/v3/licensing/sites
    kind: throttled
",
        three_servers("seed: none")
    );
    let scenario = Scenario::from_text(&text, "inline").unwrap();
    let sim = Simulator::start(SimulatorConfig::default().api_key(KEY).scenario(scenario))
        .await
        .unwrap();
    let http = crate::support::http_client();
    for (path, wait) in [("backupServers", Some(1)), ("sites", None::<u64>)] {
        let url = format!("{}/licensing/{path}", sim.base_url());
        let throttled = http.get(&url).bearer_auth(KEY).send().await.unwrap();
        assert_eq!(throttled.status(), 429, "{path}");
        assert!(throttled.headers().get("retry-after").is_none(), "{path}");
        let body: Value = throttled.json().await.unwrap();
        let error = &body["errors"][0];
        assert_eq!(error["type"], "transport", "{path}: {body}");
        assert!(error.get("message").is_none(), "{path}: {body}");
        assert_eq!(error["retryAfter"].as_u64(), wait, "{path}: {body}");
        let next = http.get(&url).bearer_auth(KEY).send().await.unwrap();
        assert_eq!(next.status(), 200, "the fault fires once: {path}");
    }

    sim.shutdown().await;

    // The same faults before the crate's client: it waits as asked, then gets everything.
    let scenario = Scenario::from_text(&text, "inline").unwrap();
    let sim = Simulator::start(SimulatorConfig::default().api_key(KEY).scenario(scenario))
        .await
        .unwrap();
    let client = vspc_licensing::Client::builder(sim.base_url())
        .api_key(KEY)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    client.site_licenses().await.unwrap();
    let listed = futures::TryStreamExt::try_collect::<Vec<_>>(
        client.backup_server_licenses(vspc_licensing::ListQuery::new()),
    )
    .await
    .unwrap();
    assert_eq!(listed.len(), 3);
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "the client waited the second the console asked for"
    );
    assert_eq!(client.throttled_answers(), 2);
    sim.shutdown().await;
}
