//! Every `vspc-licensing` subcommand run as a process against the simulator over HTTP: JSON
//! output parsed and checked, tables snapshotted, bulk changes counted on the simulator's state,
//! error paths with their exit codes.

use std::process::Output;

use serde_json::Value;
use uuid::Uuid;
use vspc_licensing::simulator::{Simulator, SimulatorConfig, SimulatorHandle};

use crate::support::cli::{output, stderr, tool};
use crate::support::served::Served;
use crate::support::snapshot_settings_in;

const KEY: &str = "cli-test-key";
const READ_ONLY: &str = "cli-read-only-key";

async fn simulator(drift: bool) -> SimulatorHandle {
    let config = SimulatorConfig::default()
        .seed(7)
        .backup_servers(6)
        .vone_servers(2)
        .vb365_servers(2)
        .sites(2)
        .organizations(3)
        .api_key(KEY)
        .read_only_api_key(READ_ONLY)
        .user("ops", "ops-password")
        .drift(drift);
    Simulator::start(config).await.unwrap()
}

/// Runs the tool against the simulator with the full-access key.
async fn run(sim: &SimulatorHandle, args: &[&str]) -> Output {
    run_with(sim, args, &[("VSPC_API_KEY", KEY)]).await
}

async fn run_with(sim: &SimulatorHandle, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = tool();
    command
        .env("VSPC_URL", sim.root_url())
        .envs(env.iter().copied())
        .args(args);
    output(command).await
}

fn json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)))
}

/// Dates move with the calendar (the simulator's data is relative to today); the rest is fixed
/// by the seed.
fn redact_dates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let window: String = chars[i..chars.len().min(i + 10)].iter().collect();
        let is_date = window.len() == 10
            && window.chars().enumerate().all(|(n, c)| {
                if n == 4 || n == 7 {
                    c == '-'
                } else {
                    c.is_ascii_digit()
                }
            });
        if is_date {
            out.push_str("YYYY-MM-DD");
            i += 10;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn snapshot(name: &str, text: &str) {
    snapshot_settings_in("cli").bind(|| insta::assert_snapshot!(name, text));
}

#[tokio::test(flavor = "multi_thread")]
async fn licenses_list_prints_every_product_as_json_csv_and_a_table() {
    let sim = simulator(false).await;
    let all = json(&run(&sim, &["licenses", "list", "-o", "json"]).await);
    let all = all.as_array().unwrap();
    assert_eq!(
        all.len(),
        6 + 2 + 2 + 2 + 1,
        "every product, the console included"
    );
    let count = |key: &str| all.iter().filter(|l| l.get(key).is_some()).count();
    assert_eq!(
        (
            count("backupServerUid"),
            count("vOneServerUid"),
            count("vb365ServerUid"),
            count("siteUid")
        ),
        (6, 2, 2, 2)
    );
    assert_eq!(
        count("licenseeCompany"),
        1,
        "the console license, with its API field names"
    );

    let csv = run(&sim, &["licenses", "list", "--product", "vbr", "-o", "csv"]).await;
    let csv = String::from_utf8(csv.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "product,server uid,company,edition,type,status,units used/total,expires,auto-update"
    );
    assert_eq!(lines.len(), 7);

    let table = run(&sim, &["licenses", "list"]).await;
    assert!(table.status.success(), "{}", stderr(&table));
    snapshot(
        "licenses_list_table",
        &redact_dates(&String::from_utf8(table.stdout).unwrap()),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn expiring_and_show_select_the_right_licenses() {
    let sim = simulator(false).await;
    let soon = json(
        &run(
            &sim,
            &["licenses", "expiring", "--within", "30d", "-o", "json"],
        )
        .await,
    );
    let limit = chrono::Utc::now() + chrono::Duration::days(30);
    for license in soon.as_array().unwrap() {
        let at: chrono::DateTime<chrono::Utc> =
            license["expirationDate"].as_str().unwrap().parse().unwrap();
        assert!(at <= limit, "{license}");
    }
    let uid = sim.state().backup_server_uids()[0];
    let shown = json(
        &run(
            &sim,
            &[
                "licenses",
                "show",
                "--product",
                "vbr",
                &uid.to_string(),
                "-o",
                "json",
            ],
        )
        .await,
    );
    assert_eq!(shown["backupServerUid"], uid.to_string());
    let missing = run(
        &sim,
        &[
            "licenses",
            "show",
            "--product",
            "vbr",
            &Uuid::nil().to_string(),
        ],
    )
    .await;
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("404"), "{}", stderr(&missing));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_auto_update_audit_and_bulk_enable_change_exactly_what_was_off() {
    let sim = simulator(false).await;
    let state = sim.state();
    let off_before: Vec<String> = state
        .backup_server_uids()
        .into_iter()
        .filter(|u| !state.backup_server_license(*u).unwrap().auto_update_enabled)
        .map(|u| format!("backupServers/{u}"))
        .chain(
            state
                .vone_server_uids()
                .into_iter()
                .filter(|u| !state.vone_server_license(*u).unwrap().auto_update_enabled)
                .map(|u| format!("voneServers/{u}")),
        )
        .chain(
            state
                .vb365_server_uids()
                .into_iter()
                .filter(|u| !state.vb365_server_license(*u).unwrap().auto_update_enabled)
                .map(|u| format!("vb365Servers/{u}")),
        )
        .chain(
            state
                .site_uids()
                .into_iter()
                .filter(|u| !state.site_license(*u).unwrap().auto_update_enabled)
                .map(|u| format!("sites/{u}")),
        )
        .collect();
    assert!(
        !off_before.is_empty(),
        "the seed has licenses with auto-update off"
    );

    let audit_run = run(&sim, &["auto-update", "status", "-o", "json"]).await;
    // Auto-update on but still expiring soon: the servers probably cannot reach Veeam.
    let soon = chrono::Utc::now() + chrono::Duration::days(30);
    let stuck_at =
        |on: bool, at: Option<chrono::DateTime<chrono::Utc>>| on && at.is_some_and(|at| at <= soon);
    let stuck = state
        .backup_server_uids()
        .into_iter()
        .filter_map(|u| state.backup_server_license(u))
        .any(|l| stuck_at(l.auto_update_enabled, l.expiration_date))
        || state
            .vone_server_uids()
            .into_iter()
            .filter_map(|u| state.vone_server_license(u))
            .any(|l| stuck_at(l.auto_update_enabled, l.expiration_date))
        || state
            .vb365_server_uids()
            .into_iter()
            .filter_map(|u| state.vb365_server_license(u))
            .any(|l| stuck_at(l.auto_update_enabled, l.expiration_date))
        || state
            .site_uids()
            .into_iter()
            .filter_map(|u| state.site_license(u))
            .any(|l| stuck_at(l.auto_update_enabled, l.expiration_date));
    assert!(
        stuck,
        "seed 7 has a license with auto-update on that expires soon"
    );
    assert_eq!(
        stderr(&audit_run).contains("vspc-licensing alk check"),
        stuck,
        "{}",
        stderr(&audit_run)
    );
    let audit = json(&audit_run);
    assert_eq!(audit.as_array().unwrap().len(), off_before.len());
    assert!(audit
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["autoUpdateEnabled"] == false));

    let report = json(&run(&sim, &["auto-update", "enable", "--all", "-o", "json"]).await);
    let outcomes: Vec<&str> = report
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes.iter().filter(|o| **o == "changed").count(),
        off_before.len()
    );
    assert_eq!(
        outcomes.iter().filter(|o| **o == "unchanged").count(),
        12 - off_before.len()
    );
    for resource in &off_before {
        assert_eq!(
            state.changes_applied(resource),
            1,
            "{resource} changed exactly once"
        );
    }
    assert_eq!(
        state.total_changes_applied(),
        off_before.len() as u64,
        "nothing already on was touched"
    );
    let audit = json(&run(&sim, &["auto-update", "status", "-o", "json"]).await);
    assert_eq!(audit.as_array().unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn switching_named_servers_reports_each_and_fails_on_a_bad_one() {
    let sim = simulator(false).await;
    let uids = sim.state().backup_server_uids();
    let (a, b) = (uids[0].to_string(), uids[1].to_string());
    let output = run(
        &sim,
        &[
            "auto-update",
            "disable",
            "--product",
            "vbr",
            &a,
            &b,
            "-o",
            "json",
        ],
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        !sim.state()
            .backup_server_license(uids[0])
            .unwrap()
            .auto_update_enabled
    );

    let unknown = Uuid::from_u128(42).to_string();
    let output = run(
        &sim,
        &["auto-update", "enable", "--product", "vbr", &a, &unknown],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "a failure anywhere is a non-zero exit"
    );
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(
        table.contains("changed") && table.contains("failed"),
        "{table}"
    );
    assert!(
        stderr(&output).contains("1 changed, 0 already set, 1 failed"),
        "{}",
        stderr(&output)
    );
    assert!(
        sim.state()
            .backup_server_license(uids[0])
            .unwrap()
            .auto_update_enabled
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_key_cannot_change_anything() {
    let sim = simulator(false).await;
    let uid = sim.state().backup_server_uids()[0].to_string();
    let output = run_with(
        &sim,
        &["auto-update", "enable", "--product", "vbr", &uid],
        &[("VSPC_API_KEY", READ_ONLY)],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("403") || String::from_utf8_lossy(&output.stdout).contains("403")
    );
    let output = run_with(
        &sim,
        &["license", "update", "--product", "vbr", &uid],
        &[("VSPC_API_KEY", READ_ONLY)],
    )
    .await;
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(stderr(&output).contains("read-only"), "{}", stderr(&output));
    assert_eq!(sim.state().total_changes_applied(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_signs_in_with_a_password_from_the_environment() {
    let sim = simulator(false).await;
    let output = run_with(
        &sim,
        &[
            "licenses",
            "list",
            "--product",
            "console",
            "--username",
            "ops",
            "-o",
            "json",
        ],
        &[("VSPC_PASSWORD", "ops-password")],
    )
    .await;
    assert_eq!(json(&output).as_array().unwrap().len(), 1);
    let output = run_with(
        &sim,
        &["licenses", "list", "--username", "ops"],
        &[("VSPC_PASSWORD", "wrong")],
    )
    .await;
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stderr(&output).contains("signing in"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn license_install_update_and_delete() {
    let sim = simulator(false).await;
    let uid = sim.state().backup_server_uids()[0];
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/spec/licenses/vbr-rental-1000.lic"
    );
    let installed = json(
        &run(
            &sim,
            &[
                "license",
                "install",
                "--product",
                "vbr",
                &uid.to_string(),
                "--file",
                sample,
                "-o",
                "json",
            ],
        )
        .await,
    );
    assert_eq!(installed["backupServerUid"], uid.to_string());
    assert_eq!(installed["units"], 1000.0);
    assert_eq!(
        sim.state().changes_applied(&format!("backupServers/{uid}")),
        1
    );

    let malformed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/spec/licenses/malformed-no-header.lic"
    );
    let output = run(
        &sim,
        &[
            "license",
            "install",
            "--product",
            "vbr",
            &uid.to_string(),
            "--file",
            malformed,
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("400"), "{}", stderr(&output));
    assert_eq!(
        sim.state().changes_applied(&format!("backupServers/{uid}")),
        1,
        "a bad file changes nothing"
    );

    let vone = sim.state().vone_server_uids()[0];
    let renewed = json(
        &run(
            &sim,
            &[
                "license",
                "update",
                "--product",
                "vone",
                &vone.to_string(),
                "-o",
                "json",
            ],
        )
        .await,
    );
    assert_eq!(renewed["status"], "Valid");

    let output = run(
        &sim,
        &[
            "license",
            "delete",
            "--product",
            "vbr",
            &uid.to_string(),
            "--section",
            "instance",
            "--yes",
        ],
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        sim.state().changes_applied(&format!("backupServers/{uid}")),
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_and_usage() {
    let sim = simulator(false).await;
    let all = json(&run(&sim, &["reports", "list", "-o", "json"]).await);
    let latest = json(&run(&sim, &["reports", "latest", "-o", "json"]).await);
    assert!(all.as_array().unwrap().len() > latest.as_array().unwrap().len());
    let report = &latest[0]["reportParameters"];
    // The month a report covers (its interval), as VSPC's `{date}` means it.
    let month: String = report["reportInterval"]["startOfInterval"]
        .as_str()
        .unwrap()
        .chars()
        .take(7)
        .collect();
    let for_month = json(&run(&sim, &["reports", "month", &month, "-o", "json"]).await);
    assert!(!for_month.as_array().unwrap().is_empty());

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.csv");
    let id = report["reportId"].to_string();
    let output = run(
        &sim,
        &["reports", "download", &id, "-O", file.to_str().unwrap()],
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(std::fs::read_to_string(&file).unwrap().lines().count() > 1);

    let settings = json(
        &run(
            &sim,
            &[
                "reports",
                "settings",
                "--auto-approve",
                "true",
                "-o",
                "json",
            ],
        )
        .await,
    );
    assert_eq!(settings["autoApprove"], true);
    assert!(sim.state().report_settings().auto_approve);
    let finalized = json(&run(&sim, &["reports", "finalize", "-o", "json"]).await);
    assert!(finalized["reportApprovalStatus"].is_string());

    let usage = json(&run(&sim, &["usage", "organizations", "-o", "json"]).await);
    assert!(!usage.as_array().unwrap().is_empty());
    let output = run(
        &sim,
        &["usage", "organizations", "--server-type", "Mainframe"],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_legacy_v2_call_switches_a_cloud_connect_license() {
    let sim = simulator(false).await;
    let site = sim.state().site_uids()[0];
    let before = sim.state().site_license(site).unwrap().auto_update_enabled;
    let verb = if before { "disable" } else { "enable" };
    let url = sim.root_url();
    let output = run(
        &sim,
        &[
            "auto-update",
            verb,
            "--api",
            "v2",
            "--url",
            &url,
            &site.to_string(),
        ],
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("auto-update"),
        "the server's message is shown"
    );
    assert_eq!(
        sim.state().site_license(site).unwrap().auto_update_enabled,
        !before
    );
}

/// `--api v2` takes the address and the key from a profile like every other command.
#[tokio::test(flavor = "multi_thread")]
async fn the_legacy_v2_call_reads_its_console_from_a_profile() {
    let sim = simulator(false).await;
    let site = sim.state().site_uids()[0];
    let before = sim.state().site_license(site).unwrap().auto_update_enabled;
    let verb = if before { "disable" } else { "enable" };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profiles.vac]\nurl = \"{}\"\napi_key_env = \"VAC_TOKEN\"\n",
            sim.root_url()
        ),
    )
    .unwrap();
    let mut command = tool();
    command
        .env("VSPC_CONFIG", &config)
        .env("VAC_TOKEN", KEY)
        .args(["--profile", "vac", "auto-update", verb, "--api", "v2"])
        .arg(site.to_string());
    let output = output(command).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        sim.state().site_license(site).unwrap().auto_update_enabled,
        !before
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn conform_passes_on_the_simulator_and_catches_its_drift_mode() {
    let sim = simulator(false).await;
    let output = run(&sim, &["conform"]).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stderr(&output),
        String::from_utf8_lossy(&output.stdout)
    );
    let drifting = simulator(true).await;
    let output = run(&drifting, &["conform", "-o", "json"]).await;
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let kinds: Vec<&str> = report["report"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"UndocumentedField") && kinds.contains(&"UnknownEnumValue"),
        "{kinds:?}"
    );
}

/// `serve` with the key the tests use and `extra`.
fn serve(extra: &[&str]) -> Served {
    Served::start(&[&["--api-key", "serve-key"], extra].concat())
}

/// `licenses list --product vbr -o json` against a `serve` process.
fn list_vbr(served: &Served) -> Output {
    tool()
        .args([
            "licenses",
            "list",
            "--product",
            "vbr",
            "-o",
            "json",
            "--url",
        ])
        .args([&served.url, "--api-key", "serve-key"])
        .output()
        .unwrap()
}

#[test]
fn serve_prints_its_url_first_and_answers_the_cli() {
    let served = serve(&["--backup-servers", "3", "--seed", "9"]);
    assert!(
        served.url.starts_with("http://127.0.0.1:") && served.url.ends_with("/api/v3"),
        "{:?}",
        served.url
    );
    let output = list_vbr(&served);
    let listed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 3);
}

#[test]
fn the_demo_runs_green() {
    let output = tool().args(["demo"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for step in [
        "[1]",
        "[5]",
        "[6]",
        "[7] VCSP Pulse: issued license",
        ": now 50 units, Rental",
        "(auto-update on) brings 60 units",
        "the server's copy is Error",
        "[8]",
        "Audit again: 0 backup server license(s) with auto-update off",
    ] {
        assert!(
            stdout.contains(step),
            "{step} missing from the tour:\n{stdout}"
        );
    }
}

#[test]
fn serve_latency_delays_every_answer_by_at_least_that_long() {
    let served = serve(&["--backup-servers", "2", "--latency", "400ms"]);
    // A lower bound only: the sleep guarantees it however loaded the machine is.
    let started = std::time::Instant::now();
    let output = list_vbr(&served);
    let elapsed = started.elapsed();
    assert!(output.status.success(), "{output:?}");
    let listed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    assert!(
        elapsed >= std::time::Duration::from_millis(400),
        "{elapsed:?}"
    );
}
