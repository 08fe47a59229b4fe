//! Veeam's own Python client (`veeam-spc` 0.4.2, pinned with its dependencies in
//! `benches/python/requirements.txt` and installed by `scripts/python-client.sh`) against the
//! simulator of each API version, through that version's module (`veeam_spc.v3_5_1`, ...):
//! it lists the backup-server licenses, switches auto-update on with a JSON Patch, reads the
//! license back and the usage reports (3.5.1's `reportParemeters` included), and maps the
//! console's `serverVersion` to an API version with its own table
//! (`tests/python/drive_simulator.py`).
//!
//! The same client's VCSP Pulse modules, every version, against `serve --api-version V`: the
//! license lifecycle from contracts to delete, every answer parsed with Veeam's models
//! (`tests/python/drive_pulse.py`).
//!
//! A failed install fails the test with the installer's output: a check that silently did not
//! run would look the same as one that passed. The install runs once per binary, whichever test
//! asks first (two at once would share one virtual environment).

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};
use uuid::Uuid;
use vspc_licensing::simulator::{Simulator, SimulatorConfig};
use vspc_licensing::ApiVersion;

use crate::support::recorder::{Canned, Recorder};
use crate::support::served::Served;
use crate::support::simulator_serves as serves;
use crate::support::veeam::documents;
use crate::support::veeam::examples::{self, Place};

const KEY: &str = "python-client-key";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn install() -> String {
    static PYTHON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PYTHON.get_or_init(install_once).clone()
}

fn install_once() -> String {
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
    drive_with("drive_simulator.py", python, version, base_url)
}

/// Runs `tests/python/DRIVER` with `version`'s module against `base_url`; what it printed.
fn drive_with(driver: &str, python: &str, version: ApiVersion, base_url: &str) -> Value {
    drive_args(driver, python, version, base_url, &[])
}

/// [`drive_with`], with `extra` arguments after the API key.
fn drive_args(
    driver: &str,
    python: &str,
    version: ApiVersion,
    base_url: &str,
    extra: &[&str],
) -> Value {
    let module = format!("v{}", version.as_str().replace('.', "_"));
    let output = run_driver(driver, python, version, base_url, extra);
    assert!(
        output.status.success(),
        "veeam_spc.{module} against the {version} simulator:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The driver's process output, whatever its exit status.
fn run_driver(
    driver: &str,
    python: &str,
    version: ApiVersion,
    base_url: &str,
    extra: &[&str],
) -> std::process::Output {
    let module = format!("v{}", version.as_str().replace('.', "_"));
    Command::new(python)
        .arg(root().join("tests/python").join(driver))
        .args([module.as_str(), base_url, KEY])
        .args(extra)
        .output()
        .expect("the venv's python runs")
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

/// What `drive_pulse.py` must have seen against the seeded Pulse of `serve`.
fn check_pulse(seen: &Value, version: ApiVersion) {
    let context = format!("{version}: {seen}");
    assert_eq!(seen["contracts"], 2, "{context}");
    assert_eq!(seen["products"], 3, "{context}");
    assert_eq!(seen["licenses_before"], 0, "{context}");
    // Three virtual machines at the seeded multiplier of 1.
    assert_eq!(seen["created_points"], 3.0, "{context}");
    assert_eq!(seen["got_same"], true, "{context}");
    assert_eq!(seen["patched_description"], "changed", "{context}");
    assert_ne!(seen["copied"], seen["created"], "{context}");
    assert_eq!(seen["assign_status_installed"], "Assigned", "{context}");
    assert_eq!(seen["assign_status_revoked"], "NotAssigned", "{context}");
    let on_server = &seen["server_license"];
    assert_eq!(
        on_server["license_ids"],
        json!([on_server["pulse_license_id"]]),
        "{context}"
    );
    assert_eq!(on_server["type"], "Rental", "{context}");
    assert_eq!(on_server["units"], 3.0, "{context}");
    assert_eq!(seen["deleted_status"], 404, "{context}");
    assert_eq!(seen["licenses_after"], 0, "{context}");
    assert_eq!(seen["synced"], true, "{context}");

    // veeam-spc's 3.5.1 and 3.6 modules refuse the `meta: null` of a body-less success, which
    // Veeam's own example sends (spec/deviations.yaml): each such answer is recorded, and
    // nothing else may be.
    let refused: Vec<&str> = seen["known_failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|failure| {
            assert_eq!(failure["property"], "EmptyResponse.meta", "{context}");
            failure["what"].as_str().unwrap()
        })
        .collect();
    let expected: &[&str] = match version {
        ApiVersion::V3_5_1 | ApiVersion::V3_6 => &["install", "revoke", "delete", "delete", "sync"],
        _ => &[],
    };
    assert_eq!(refused, expected, "{context}");
}

/// What `drive_pulse.py` recorded for an operation `serve` may not serve yet: when `served`,
/// an answer Veeam's models parse, or the documented refusal of `numeric` holding numbers.
fn check_optional(
    seen: &Value,
    what: &str,
    served: bool,
    numeric: Option<&str>,
    version: ApiVersion,
) {
    let outcome = &seen["optional"][what];
    let context = format!("{version}: {what}: {seen}");
    if !served {
        assert_eq!(outcome, "not_served", "{context}");
    } else if outcome.get("known_failure").is_some() {
        assert_eq!(outcome["known_failure"].as_str(), numeric, "{context}");
    } else {
        assert_eq!(outcome["parsed"], true, "{context}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn veeam_spc_pulse_modules_of_each_version_run_the_license_lifecycle_against_serve() {
    let python = tokio::task::spawn_blocking(install).await.unwrap();
    for version in ApiVersion::ALL {
        let serve = tokio::task::spawn_blocking(move || {
            Served::start(&["--api-key", KEY, "--api-version", version.as_str()])
        })
        .await
        .unwrap();
        let base_url = serve.url.clone();
        let (python_for_run, url) = (python.clone(), base_url.clone());
        let seen = tokio::task::spawn_blocking(move || {
            drive_with("drive_pulse.py", &python_for_run, version, &url)
        })
        .await
        .unwrap();
        drop(serve);
        check_pulse(&seen, version);
        let configuration = serves("GetPulseConfiguration", "/pulse");
        check_optional(
            &seen,
            "configuration",
            configuration,
            Some("status"),
            version,
        );
        // Served, it is also changed, and a tenant read by its UID, through Veeam's modules.
        if configuration {
            assert_eq!(seen["configuration_patched"], true, "{version}: {seen}");
        }
        let tenants = serves("GetPulseTenants", "/pulse/tenants");
        check_optional(&seen, "tenants", tenants, Some("mappingStatus"), version);
        if tenants {
            assert_eq!(seen["tenant_same"], true, "{version}: {seen}");
        }
        let download = serves(
            "DownloadPulseLicense",
            "/pulse/licenses/{licenseUid}/download",
        );
        check_optional(&seen, "download", download, None, version);
        let usages = &seen["optional"]["vdc_usages"];
        if version == ApiVersion::V3_7 {
            let served = serves("GetPulseVdcMonthlyUsages", "/pulse/monthlyUsages");
            check_optional(&seen, "vdc_usages", served, None, version);
        } else {
            assert!(
                usages.is_null(),
                "{version}: only 3.7's module has it: {seen}"
            );
        }
    }
}

/// Veeam's own example answer of `operation` (`200`, JSON) in `version`'s document.
fn veeam_example(version: ApiVersion, operation: &str) -> Value {
    let document = documents::document(version.as_str());
    examples::collect(document)
        .into_iter()
        .find(|example| {
            matches!(&example.place, Place::Response { operation_id, status, media, .. }
                if operation_id == operation && status == "200" && media == "application/json")
        })
        .unwrap_or_else(|| panic!("{version} has an example of {operation}"))
        .value
}

// The measured fact of spec/deviations.yaml: Veeam's examples of 3.5.1 to 3.6.2 write
// `PulseConfiguration.status` and `PulseTenant.mappingStatus` as numbers, and veeam-spc's models
// refuse them; 3.7's examples write the names, which they read. The driver must tell that
// refusal from any other and record it, never pass over it.
#[tokio::test(flavor = "multi_thread")]
async fn veeam_spc_refuses_the_numeric_pulse_enums_of_veeams_own_examples_and_the_driver_says_so() {
    let python = tokio::task::spawn_blocking(install).await.unwrap();
    for version in ApiVersion::ALL {
        let configuration = veeam_example(version, "GetPulseConfiguration");
        let tenants = veeam_example(version, "GetPulseTenants");
        let recorder = Recorder::start().await;
        recorder.push([
            Canned::json(200, configuration.clone()),
            Canned::json(200, tenants.clone()),
        ]);
        let (python_for_run, url) = (python.clone(), format!("{}/api/v3", recorder.url()));
        let seen = tokio::task::spawn_blocking(move || {
            drive_args(
                "drive_pulse.py",
                &python_for_run,
                version,
                &url,
                &["--enums-only"],
            )
        })
        .await
        .unwrap();
        let paths: Vec<String> = recorder.take().into_iter().map(|r| r.path).collect();
        assert_eq!(
            paths,
            ["/api/v3/pulse", "/api/v3/pulse/tenants"],
            "{version}"
        );
        let status = &configuration["data"]["status"];
        let mapping: Vec<&Value> = tenants["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|tenant| &tenant["mappingStatus"])
            .collect();
        let context = format!("{version}: {seen}");
        if version == ApiVersion::V3_7 {
            assert!(status.is_string(), "{context}");
            assert_eq!(
                seen["optional"]["configuration"]["parsed"], true,
                "{context}"
            );
            assert_eq!(seen["optional"]["tenants"]["parsed"], true, "{context}");
            assert_eq!(
                seen["optional"]["tenants"]["count"],
                mapping.len(),
                "{context}"
            );
        } else {
            assert!(status.is_u64(), "{context}");
            assert_eq!(
                seen["optional"]["configuration"],
                json!({"known_failure": "status", "values": [status]}),
                "{context}"
            );
            assert_eq!(
                seen["optional"]["tenants"],
                json!({"known_failure": "mappingStatus", "values": mapping}),
                "{context}"
            );
        }
    }
}

// The known refusals are the only ones recorded: a status that is no value of the enum, a
// string as a console could never send it, fails the run and says what was refused.
#[tokio::test(flavor = "multi_thread")]
async fn the_pulse_driver_fails_on_a_refusal_that_is_not_the_documented_one() {
    let python = tokio::task::spawn_blocking(install).await.unwrap();
    let recorder = Recorder::start().await;
    recorder.push([Canned::json(
        200,
        json!({"data": {"status": "NoSuchStatus", "isCompanyMappingEnabled": true,
            "isLicenseManagementEnabled": true, "isPushingNewCompaniesToPulseEnabled": false},
            "errors": [], "meta": null}),
    )]);
    let url = format!("{}/api/v3", recorder.url());
    let output = tokio::task::spawn_blocking(move || {
        run_driver(
            "drive_pulse.py",
            &python,
            ApiVersion::V3_7,
            &url,
            &["--enums-only"],
        )
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("configuration: veeam-spc refused") && stderr.contains("NoSuchStatus"),
        "{stderr}"
    );
}
