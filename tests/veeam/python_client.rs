//! Veeam's own Python client (`veeam-spc` 0.4.2, pinned with its dependencies in
//! `benches/python/requirements.txt` and installed by `scripts/python-client.sh`) against the
//! simulator of each API version, through that version's module (`veeam_spc.v3_5_1`, ...):
//! it lists the backup-server licenses, switches auto-update on with a JSON Patch, reads the
//! license back and the usage reports (3.5.1's `reportParemeters` included), and maps the
//! console's `serverVersion` to an API version with its own table
//! (`tests/python/drive_simulator.py`).
//!
//! A failed install fails the test with the installer's output: a check that silently did not
//! run would look the same as one that passed. One test function, so the installer never runs
//! twice at once.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use uuid::Uuid;
use vspc_licensing::simulator::{Simulator, SimulatorConfig};
use vspc_licensing::ApiVersion;

use crate::support::served::Served;

const KEY: &str = "python-client-key";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn install() -> String {
    let output = Command::new(root().join("scripts/python-client.sh"))
        .output()
        .expect("scripts/python-client.sh runs");
    assert!(
        output.status.success(),
        "installing veeam-spc failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// Runs the driver with `version`'s module against `base_url`; what it printed.
fn drive(python: &str, version: ApiVersion, base_url: &str) -> Value {
    let module = format!("v{}", version.as_str().replace('.', "_"));
    let output = Command::new(python)
        .arg(root().join("tests/python/drive_simulator.py"))
        .args([module.as_str(), base_url, KEY])
        .output()
        .expect("the venv's python runs");
    assert!(
        output.status.success(),
        "veeam_spc.{module} against the {version} simulator:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn check(seen: &Value, version: ApiVersion) {
    assert_eq!(seen["listed"], 12, "{version}: {seen}");
    assert_eq!(seen["patched_answer"], true, "{version}: {seen}");
    assert_eq!(seen["read_back"], true, "{version}: {seen}");
    assert!(seen["report_id"].is_i64(), "{version}: {seen}");
    assert_eq!(seen["detected"], version.as_str(), "{version}: {seen}");
}

#[tokio::test(flavor = "multi_thread")]
async fn veeam_spc_of_each_version_works_against_the_simulator_of_that_version() {
    let python = tokio::task::spawn_blocking(install).await.unwrap();

    // In process, so the simulator's state shows what the PATCH did.
    for version in ApiVersion::ALL {
        let sim = Simulator::start(SimulatorConfig::default().api_key(KEY).api_version(version))
            .await
            .unwrap();
        let base_url = sim.base_url();
        let (python_for_run, url) = (python.clone(), base_url.clone());
        let seen = tokio::task::spawn_blocking(move || drive(&python_for_run, version, &url))
            .await
            .unwrap();
        check(&seen, version);
        let uid: Uuid = seen["patched"].as_str().unwrap().parse().unwrap();
        let state = sim.state();
        assert_eq!(
            state.changes_applied(&format!("backupServers/{uid}")),
            1,
            "{version}: the PATCH was applied once"
        );
        assert_eq!(state.total_changes_applied(), 1, "{version}");
        sim.shutdown().await;
    }

    // And as users start it: `vspc-licensing serve --api-version`.
    let serve = tokio::task::spawn_blocking(|| {
        Served::start(&["--api-key", KEY, "--api-version", "3.5.1"])
    })
    .await
    .unwrap();
    let base_url = serve.url.clone();
    let seen = tokio::task::spawn_blocking(move || drive(&python, ApiVersion::V3_5_1, &base_url))
        .await
        .unwrap();
    drop(serve);
    check(&seen, ApiVersion::V3_5_1);
}
