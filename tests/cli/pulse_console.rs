//! `pulse sync`, `pulse tenants`, `pulse config` and `pulse licenses download` as a process
//! against `serve`: the sync is sent and answered, tenants are listed in every format and shown,
//! a configuration change is one JSON Patch of real booleans that changes only what it names,
//! a change of nothing is refused before anything is sent, and a refused download writes no file.

use crate::support::cli::run_against;
use crate::support::served::Served;

const KEY: &str = "pulse-console-key";

fn pulse(url: &str, args: &[&str]) -> (i32, String, String) {
    run_against(url, KEY, &[&["pulse"], args].concat())
}

#[test]
fn sync_is_sent_and_answered() {
    let served = Served::start(&["--api-key", KEY]);
    let (code, out, err) = pulse(served.root(), &["sync"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("synchronising"), "{err}");
    drop(served);
}

#[test]
fn sync_against_no_console_fails() {
    let (code, _, err) = pulse("http://127.0.0.1:9", &["sync"]);
    assert_ne!(code, 0, "{err}");
}

#[test]
fn config_set_dry_run_prints_one_patch_of_booleans_and_nothing_to_change_is_refused() {
    let served = Served::start(&["--api-key", KEY]);
    let url = served.root();
    let (code, out, err) = pulse(
        url,
        &[
            "config",
            "set",
            "--company-mapping",
            "on",
            "--push-new-companies",
            "off",
            "--dry-run",
            "-o",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("PATCH /pulse"), "{err}");
    let patch: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        patch,
        serde_json::json!([
            {"op": "replace", "path": "/isCompanyMappingEnabled", "value": true},
            {"op": "replace", "path": "/isPushingNewCompaniesToPulseEnabled", "value": false}
        ]),
        "{out}"
    );
    let (code, _, err) = pulse(url, &["config", "set"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--license-management"),
        "names the options: {err}"
    );
    let (code, _, err) = pulse(url, &["config", "set", "--company-mapping", "maybe"]);
    assert_eq!(code, 2, "{err}");
    drop(served);
}

#[test]
fn a_download_the_console_refuses_writes_no_file_and_an_unknown_tenant_is_named() {
    let served = Served::start(&["--api-key", KEY]);
    let url = served.root();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pulse.lic");
    let nobody = "7d1a2b3c-0000-4000-8000-000000000000";
    let (code, out, err) = pulse(
        url,
        &[
            "licenses",
            "download",
            nobody,
            "--to",
            file.to_str().unwrap(),
        ],
    );
    assert_ne!(code, 0, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("DownloadPulseLicense"), "{err}");
    assert!(!file.exists(), "nothing is written for a refused download");

    let (code, _, err) = pulse(url, &["tenants", "show", "no-such-tenant"]);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("GetPulseTenant"), "{err}");
    let (code, _, err) = pulse(url, &["tenants", "show", ""]);
    assert_ne!(code, 0, "an empty id would name the collection: {err}");
    assert!(err.contains("empty"), "{err}");
    drop(served);
}

#[test]
fn tenants_are_listed_in_every_format_and_shown_one_by_one() {
    let served = Served::start(&["--api-key", KEY]);
    let url = served.root();
    let (code, out, err) = pulse(url, &["tenants", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let tenants: serde_json::Value = serde_json::from_str(&out).unwrap();
    let tenants = tenants.as_array().unwrap();
    assert!(!tenants.is_empty(), "{out}");
    let (code, csv, err) = pulse(url, &["tenants", "list", "-o", "csv"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "tenant,name,company,mapping status", "{csv}");
    assert_eq!(lines.len(), 1 + tenants.len(), "a row per tenant: {csv}");
    let (code, ndjson, err) = pulse(url, &["tenants", "-o", "ndjson"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ndjson.lines().count(), tenants.len(), "{ndjson}");
    // An unmapped tenant has no company: the table says so instead of leaving a hole.
    let unmapped = tenants
        .iter()
        .find(|t| t["mappedMasterOrganizationUid"].is_null())
        .expect("the seed has an unmapped tenant");
    let id = unmapped["instanceUid"].as_str().unwrap();
    let row = lines.iter().find(|l| l.starts_with(id)).unwrap();
    assert!(row.contains(",-,"), "{row}");

    let (code, out, err) = pulse(url, &["tenants", "show", id, "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let shown: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(&shown, unmapped, "{out}");
    drop(served);
}

#[test]
fn config_shows_the_connection_and_set_changes_only_the_switches_named() {
    let served = Served::start(&["--api-key", KEY]);
    let url = served.root();
    let (code, out, err) = pulse(url, &["config", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let before: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mapping = before["isCompanyMappingEnabled"].as_bool().unwrap();
    let flipped = if mapping { "off" } else { "on" };
    let (code, out, err) = pulse(
        url,
        &["config", "set", "--company-mapping", flipped, "-o", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let changed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(changed["isCompanyMappingEnabled"], !mapping, "{out}");
    let mut expected = before.clone();
    expected["isCompanyMappingEnabled"] = (!mapping).into();
    for key in [
        "isLicenseManagementEnabled",
        "isPushingNewCompaniesToPulseEnabled",
    ] {
        assert_eq!(changed[key], expected[key], "{key} untouched: {out}");
    }
    let (code, out, err) = pulse(url, &["config", "show", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let after: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(after["isCompanyMappingEnabled"], !mapping, "kept: {out}");
    drop(served);
}
