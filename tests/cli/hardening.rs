//! The tool as a process against what real consoles and users do (issue 18): a refused
//! `conform`, huge periods, an endless license file, a multi-factor sign-in, credentials over
//! plain http, and a server that ignores `offset`.

use crate::support::cli::{output, stderr, tool};
use crate::support::recorder;
use crate::support::served::Served;

use std::process::Output;
use std::sync::Arc;
use std::time::{Duration, Instant};

use recorder::{Canned, Recorded, Recorder};
use serde_json::{json, Value};
use uuid::Uuid;
use vspc_licensing::simulator::{Simulator, SimulatorConfig, DEFAULT_API_KEY, MFA_TEST_CODE};

async fn run(url: String, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = tool();
    command
        .env("VSPC_URL", url)
        .envs(env.iter().copied())
        .args(args)
        .timeout(Duration::from_secs(60));
    output(command).await
}

// Item 1: with a wrong key every read answered 401, conform printed "0 departures", exit 0.
#[tokio::test]
async fn conform_with_a_refused_key_fails_with_exit_3_and_says_so() {
    let sim = Simulator::start(SimulatorConfig::default()).await.unwrap();
    let output = run(
        sim.root_url(),
        &["conform"],
        &[("VSPC_API_KEY", "wrong-key")],
    )
    .await;
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("answered 401"),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("refused"), "{}", stderr(&output));

    let output = run(
        sim.root_url(),
        &["conform", "-o", "json"],
        &[("VSPC_API_KEY", "wrong-key")],
    )
    .await;
    assert_eq!(output.status.code(), Some(3));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(report["calls"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["status"] == json!(401)));

    let output = run(
        sim.root_url(),
        &["conform"],
        &[("VSPC_API_KEY", DEFAULT_API_KEY)],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    sim.shutdown().await;
}

#[tokio::test]
async fn conform_against_a_failing_server_is_not_a_pass() {
    let failing: Arc<dyn Fn(&Recorded) -> Canned + Send + Sync> = Arc::new(|_: &Recorded| {
        Canned::json(
            404,
            json!({"errors": [{"message": "nothing here", "type": "logical", "code": 404}]}),
        )
    });
    let recorder = Recorder::with_fallback(failing).await;
    let output = run(recorder.url(), &["conform"], &[("VSPC_API_KEY", "k")]).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("no read succeeded"),
        "{}",
        stderr(&output)
    );
}

// Item 6: `--within 100000000d` panicked (exit 101); larger numbers wrapped. Since issue 28 a
// period is at most a hundred years (36500d) for every command that takes one.
#[tokio::test]
async fn huge_periods_are_handled_or_refused_never_a_panic() {
    let sim = Simulator::start(SimulatorConfig::default()).await.unwrap();
    let key = [("VSPC_API_KEY", DEFAULT_API_KEY)];
    let output = run(
        sim.root_url(),
        &["licenses", "expiring", "--within", "36500d", "-o", "json"],
        &key,
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let listed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        !listed.as_array().unwrap().is_empty(),
        "every license expires within a hundred years"
    );
    for huge in [
        "100000000d",
        "300000000000000d",
        "99999999999999999999s",
        "30000000000000w",
    ] {
        let output = run(
            sim.root_url(),
            &["licenses", "expiring", "--within", huge],
            &key,
        )
        .await;
        assert_eq!(output.status.code(), Some(2), "{huge}: {}", stderr(&output));
        assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
    }
    sim.shutdown().await;
}

// Item 9: `--file /dev/zero` read until memory ran out.
#[tokio::test]
async fn an_endless_license_file_fails_fast_with_a_clear_error() {
    let sim = Simulator::start(SimulatorConfig::default()).await.unwrap();
    let uid = sim.state().backup_server_uids()[0].to_string();
    let started = Instant::now();
    let output = run(
        sim.root_url(),
        &[
            "license",
            "install",
            "--product",
            "vbr",
            &uid,
            "--file",
            "/dev/zero",
        ],
        &[("VSPC_API_KEY", DEFAULT_API_KEY)],
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("not a license file"),
        "{}",
        stderr(&output)
    );
    assert_eq!(sim.state().total_changes_applied(), 0);
    sim.shutdown().await;
}

// Item 8: the CLI could not complete a multi-factor sign-in.
#[tokio::test]
async fn a_multi_factor_sign_in_takes_its_code_from_vspc_mfa_code() {
    let sim = Simulator::start(SimulatorConfig::default().mfa_user("mfa-ops", "pw"))
        .await
        .unwrap();
    let signed_in = run(
        sim.root_url(),
        &["licenses", "show", "--product", "console", "-o", "json"],
        &[
            ("VSPC_USERNAME", "mfa-ops"),
            ("VSPC_PASSWORD", "pw"),
            ("VSPC_MFA_CODE", MFA_TEST_CODE),
        ],
    )
    .await;
    assert_eq!(signed_in.status.code(), Some(0), "{}", stderr(&signed_in));
    let wrong = run(
        sim.root_url(),
        &["licenses", "show", "--product", "console"],
        &[
            ("VSPC_USERNAME", "mfa-ops"),
            ("VSPC_PASSWORD", "pw"),
            ("VSPC_MFA_CODE", "000000"),
        ],
    )
    .await;
    assert_eq!(wrong.status.code(), Some(3), "{}", stderr(&wrong));
    // No code and no terminal to ask on: refused, with a pointer to VSPC_MFA_CODE.
    let none = run(
        sim.root_url(),
        &["licenses", "show", "--product", "console"],
        &[("VSPC_USERNAME", "mfa-ops"), ("VSPC_PASSWORD", "pw")],
    )
    .await;
    assert_eq!(none.status.code(), Some(3), "{}", stderr(&none));
    sim.shutdown().await;
}

// Item 9: credentials went over plain http to another machine without a word.
#[tokio::test]
async fn credentials_over_plain_http_to_another_machine_are_warned_about() {
    let output = run(
        "http://192.0.2.1:9".into(),
        &["licenses", "list", "--timeout", "1s"],
        &[("VSPC_API_KEY", "k")],
    )
    .await;
    assert!(
        stderr(&output).contains("plain http://"),
        "{}",
        stderr(&output)
    );
    let sim = Simulator::start(SimulatorConfig::default()).await.unwrap();
    let output = run(
        sim.root_url(),
        &["licenses", "list"],
        &[("VSPC_API_KEY", DEFAULT_API_KEY)],
    )
    .await;
    assert!(
        !stderr(&output).contains("plain http://"),
        "loopback is fine"
    );
    sim.shutdown().await;
}

// Item 7: a server ignoring `offset` was "the command line is wrong" (exit 2).
#[tokio::test]
async fn a_server_ignoring_offset_exits_1_not_2() {
    let responder: Arc<dyn Fn(&Recorded) -> Canned + Send + Sync> = Arc::new(|_: &Recorded| {
        let data: Vec<Value> = (0..500)
            .map(|i| json!({"backupServerUid": Uuid::from_u128(i + 1), "autoUpdateEnabled": true}))
            .collect();
        Canned::json(
            200,
            json!({"data": data, "meta": {"pagingInfo": {"total": 5000, "count": 500, "offset": 0}}}),
        )
    });
    let recorder = Recorder::with_fallback(responder).await;
    let output = run(
        recorder.url(),
        &["licenses", "list", "--product", "vbr"],
        &[("VSPC_API_KEY", "k")],
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("misbehaves"),
        "{}",
        stderr(&output)
    );
}

/// `serve` with a console's limits: short pages, throttling, an MFA user; the CLI reads it all.
#[test]
fn serve_emulates_short_pages_throttling_and_mfa() {
    let served = Served::start(&[
        "--api-key",
        "serve-key",
        "--backup-servers",
        "40",
        "--max-page-size",
        "7",
        "--max-concurrent-requests",
        "2",
        "--max-requests-per-second",
        "200",
        "--mfa-user",
        "second:factor",
    ]);
    let url = served.url.as_str();
    let list = |env: &[(&str, &str)]| {
        tool()
            .args([
                "licenses",
                "list",
                "--product",
                "vbr",
                "-o",
                "json",
                "--url",
                url,
            ])
            .envs(env.iter().copied())
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap()
    };
    let output = list(&[("VSPC_API_KEY", "serve-key")]);
    let mfa = list(&[
        ("VSPC_USERNAME", "second"),
        ("VSPC_PASSWORD", "factor"),
        ("VSPC_MFA_CODE", MFA_TEST_CODE),
    ]);
    drop(served);
    assert_eq!(mfa.status.code(), Some(0), "{}", stderr(&mfa));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let listed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let uids: std::collections::HashSet<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["backupServerUid"].to_string())
        .collect();
    assert_eq!((listed.as_array().unwrap().len(), uids.len()), (40, 40));
}
