//! `pulse licenses edit` and `copy` as a process against `serve`: the dry run prints the JSON
//! Patch and sends nothing, the edit changes the license Pulse keeps, a copy is a new
//! unassigned license with the same workloads.

use crate::support::cli::run_against;
use crate::support::served::Served;

const KEY: &str = "pulse-edit-key";

fn pulse(url: &str, args: &[&str]) -> (i32, String, String) {
    run_against(url, KEY, &[&["pulse"], args].concat())
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// A VBR license of 10 VMs, issued through the CLI; its instanceUid.
fn issue(url: &str) -> String {
    let expiry = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let (code, out, err) = pulse(
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
            "VM=10",
            "-o",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    json(&out)["instanceUid"].as_str().unwrap().to_owned()
}

#[test]
fn edit_dry_run_prints_the_patch_then_edit_changes_the_license() {
    let served = Served::start(&["--api-key", KEY]);
    let url = served.root();
    let uid = issue(url);
    let edit = [
        "licenses",
        "edit",
        &uid,
        "--workload",
        "VM=12",
        "--workload",
        "WS=4",
        "--expires",
        "2027-06-30T00:00:00Z",
        "--description",
        "Fabrikam",
        "--automatic-extension",
        "on",
        "-o",
        "json",
    ];
    let mut dry = edit.to_vec();
    dry.push("--dry-run");
    let (code, out, err) = pulse(url, &dry);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("PATCH /pulse/licenses/{uid}")),
        "{err}"
    );
    let patch = json(&out);
    let paths: Vec<&str> = patch
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "/workloads/0/count",
            "/workloads/-",
            "/expirationDate",
            "/description",
            "/automaticExtensionStatus"
        ],
        "{out}"
    );
    assert_eq!(patch[0]["value"], 12, "counts travel as numbers: {out}");
    assert_eq!(patch[1]["op"], "add", "{out}");
    let (_, shown, _) = pulse(url, &["licenses", "show", &uid, "-o", "json"]);
    assert_eq!(
        json(&shown)["workloads"][0]["count"],
        10,
        "a dry run sends nothing"
    );

    let (code, out, err) = pulse(url, &edit);
    assert_eq!(code, 0, "{err}");
    let changed = json(&out);
    assert_eq!(changed["workloads"][0]["count"], 12, "{out}");
    assert_eq!(changed["workloads"][1]["workloadId"], "WS", "{out}");
    assert_eq!(changed["description"], "Fabrikam", "{out}");
    assert!(
        changed["expirationDate"]
            .as_str()
            .unwrap()
            .starts_with("2027-06-30"),
        "{out}"
    );
    let (_, shown, _) = pulse(url, &["licenses", "show", &uid, "-o", "json"]);
    assert_eq!(
        json(&shown)["points"],
        14.0,
        "12 VMs + 4 agents at 0.5: {shown}"
    );

    let (code, out, err) = pulse(
        url,
        &["licenses", "edit", &uid, "--no-description", "-o", "json"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(json(&out)["description"].is_null(), "{out}");
    drop(served);
}

#[test]
fn edit_refuses_nothing_to_change_and_a_bad_workload_before_sending() {
    let served = Served::start(&["--api-key", KEY]);
    let url = served.root();
    let uid = issue(url);
    let (code, _, err) = pulse(url, &["licenses", "edit", &uid]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nothing to change"), "{err}");
    let (code, _, err) = pulse(url, &["licenses", "edit", &uid, "--workload", "VM"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("WORKLOAD=COUNT"), "{err}");
    let (code, _, err) = pulse(url, &["licenses", "edit", &uid, "--workload", "VM=0"]);
    assert_ne!(code, 0);
    assert!(err.contains("VM"), "{err}");
    let (code, _, err) = pulse(
        url,
        &[
            "licenses",
            "edit",
            &uid,
            "--description",
            "x",
            "--no-description",
        ],
    );
    assert_eq!(code, 2, "clap refuses both: {err}");
    drop(served);
}

#[test]
fn copy_issues_a_new_unassigned_license_with_the_same_workloads() {
    let served = Served::start(&["--api-key", KEY]);
    let url = served.root();
    let uid = issue(url);
    let (code, out, err) = pulse(url, &["licenses", "copy", &uid, "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let copy = json(&out);
    assert_ne!(copy["instanceUid"], uid.as_str(), "{out}");
    assert_eq!(copy["workloads"][0]["count"], 10, "{out}");
    let (_, listed, _) = pulse(url, &["licenses", "list", "-o", "json"]);
    assert_eq!(json(&listed).as_array().map(Vec::len), Some(2), "{listed}");
    drop(served);
}
