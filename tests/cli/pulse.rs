//! `pulse ...` as a process against `serve`: the seeded contracts and products and the
//! licenses, in the output formats.

use crate::support::cli::run_against;
use crate::support::served::Served;

const KEY: &str = "pulse-cli-key";

fn pulse(url: &str, args: &[&str]) -> (i32, String, String) {
    run_against(url, KEY, &[&["pulse"], args].concat())
}

#[test]
fn contracts_products_and_licenses_are_listed_in_every_format() {
    let served = Served::start(&["--api-key", KEY]);
    let url = served.root();

    let (code, out, err) = pulse(url, &["contracts", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let contracts: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(contracts.as_array().map(Vec::len), Some(2), "{out}");

    let (code, out, err) = pulse(url, &["products", "-o", "csv"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "product,name,workload,multiplier", "{out}");
    assert_eq!(lines.len(), 1 + 4, "one row per workload: {out}");

    let (code, out, err) = pulse(url, &["products", "-o", "ndjson"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 3, "{out}");

    let (code, out, err) = pulse(url, &["licenses", "list", "-o", "table"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("00000000"), "no license issued yet: {out}");

    let nobody = "7d1a2b3c-0000-4000-8000-000000000000";
    let (code, _, err) = pulse(url, &["licenses", "show", nobody]);
    assert_ne!(code, 0);
    assert!(err.contains("404") || err.contains(nobody), "{err}");
    drop(served);
}

#[tokio::test]
async fn a_license_installed_on_a_server_shows_there_and_revoke_asks_first() {
    let served = Served::start(&["--api-key", KEY]);
    let url = served.root().to_owned();
    let api = format!("{url}/api/v3");
    let http = crate::support::http_client();
    let servers: serde_json::Value = http
        .get(format!("{api}/licensing/backupServers"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let server = servers["data"][0]["backupServerUid"]
        .as_str()
        .unwrap()
        .to_owned();
    let expiry = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let created: serde_json::Value = http
        .post(format!("{api}/pulse/licenses"))
        .bearer_auth(KEY)
        .json(
            &serde_json::json!({"productId": "VBR", "contractId": "C-1001",
            "expirationDate": expiry, "isAutomaticReportingEnabled": false,
            "workloads": [{"workloadId": "VM", "count": 7}]}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let uid = created["data"]["instanceUid"].as_str().unwrap().to_owned();
    let license_id = created["data"]["licenseId"].as_str().unwrap().to_owned();

    let (code, out, err) = pulse(
        &url,
        &[
            "licenses", "install", &uid, "--server", &server, "-o", "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let on_server: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(on_server["licenseIds"][0], license_id.as_str(), "{out}");
    assert_eq!(on_server["units"], 7.0, "{out}");

    let (code, _, err) = pulse(&url, &["licenses", "revoke", &uid]);
    assert_eq!(code, 2, "without a terminal, revoke wants --yes: {err}");
    let (code, _, err) = pulse(&url, &["licenses", "revoke", &uid, "--yes"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = pulse(&url, &["licenses", "delete", &uid, "--yes"]);
    assert_eq!(code, 0, "{err}");
    drop(served);
}

#[test]
fn create_dry_run_prints_the_request_and_sends_nothing_then_create_issues() {
    let served = Served::start(&["--api-key", KEY]);
    let url = served.root();
    let expiry = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let args = [
        "licenses",
        "create",
        "--product",
        "VBR",
        "--contract",
        "C-1001",
        "--expires",
        &expiry,
        "--workload",
        "VM=10",
        "--workload",
        "WS=4",
        "-o",
        "json",
    ];
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let (code, out, err) = pulse(url, &dry);
    assert_eq!(code, 0, "{err}");
    let request: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(request["productId"], "VBR", "{out}");
    assert_eq!(request["workloads"][1]["count"], 4, "{out}");
    let (_, listed, _) = pulse(url, &["licenses", "list", "-o", "json"]);
    assert_eq!(listed.trim(), "[]", "a dry run issues nothing");

    let (code, out, err) = pulse(url, &args);
    assert_eq!(code, 0, "{err}");
    let created: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(created["points"], 12.0, "{out}");

    let (code, _, err) = pulse(
        url,
        &[
            "licenses",
            "create",
            "--product",
            "VBR",
            "--contract",
            "C-1001",
            "--expires",
            &expiry,
            "--workload",
            "NOPE=1",
        ],
    );
    assert_ne!(code, 0);
    assert!(
        err.contains("NOPE"),
        "the refusal names the workload: {err}"
    );
    drop(served);
}

/// A workload count above the spec's maximum (`PulseLicenseWorkloadInput.count`) is refused
/// before anything is sent, dry run or not, naming the workload and the limit.
#[test]
fn create_refuses_a_workload_count_above_the_spec_s_maximum_before_sending() {
    let served = Served::start(&["--api-key", KEY]);
    let url = served.root();
    let expiry = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let most = crate::support::spec()
        .resolve(&serde_json::json!({
            "$ref": "#/components/schemas/PulseLicenseWorkloadInput"
        }))
        .ok()
        .and_then(|schema| schema.pointer("/properties/count/maximum")?.as_u64())
        .expect("the spec bounds a workload's count");
    let too_many = format!("VM={}", most + 1);
    for dry_run in [true, false] {
        let mut args = vec![
            "licenses",
            "create",
            "--product",
            "VBR",
            "--contract",
            "C-1001",
            "--expires",
            &expiry,
            "--workload",
            &too_many,
        ];
        if dry_run {
            args.push("--dry-run");
        }
        let (code, out, err) = pulse(url, &args);
        assert_eq!(code, 2, "dry run {dry_run}: {out}{err}");
        assert!(
            err.contains("\"VM\"") && err.contains(&most.to_string()),
            "the refusal names the workload and the limit: {err}"
        );
    }
    let (_, listed, _) = pulse(url, &["licenses", "list", "-o", "json"]);
    assert_eq!(listed.trim(), "[]", "nothing was issued");
    drop(served);
}
