//! OpenAPI Overlays from the command line: `conform --write-overlay` against a drifting
//! console, `spec check-overlay` on overlays that are wrong in each way a build refuses, and
//! `spec show --overlay`. (The build applying an overlay is `tests/ship/overlay_build.rs`.)

use std::path::Path;

use serde_json::Value;

use crate::support::cli::{stderr, tool};
use crate::support::served::Served;

const KEY: &str = "overlay-key";

fn conform_writing(served: &Served, file: &Path) -> std::process::Output {
    tool()
        .args([
            "conform",
            "--url",
            served.root(),
            "--api-key",
            KEY,
            "--write-overlay",
        ])
        .arg(file)
        .output()
        .unwrap()
}

fn check_overlay(file: &Path) -> std::process::Output {
    tool()
        .args(["spec", "check-overlay"])
        .arg(file)
        .output()
        .unwrap()
}

#[test]
fn conform_writes_the_drift_of_a_newer_console_as_a_stable_overlay_without_its_values() {
    let served = Served::start(&["--api-key", KEY, "--drift", "--seed", "5"]);
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("console.yaml");
    let output = conform_writing(&served, &first);
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    assert!(stderr(&output).contains("action(s)"), "{}", stderr(&output));
    let text = std::fs::read_to_string(&first).unwrap();
    assert!(text.starts_with("overlay: 1.0.0\n"), "{text}");
    let overlay: Value = yaml_serde::from_str(&text).unwrap();
    let actions = overlay["actions"].as_array().unwrap();
    let find = |target: &str, key: &str| {
        actions
            .iter()
            .find(|a| a["target"] == target && a.get(key).is_some())
            .unwrap_or_else(|| panic!("no {key} action on {target}: {text}"))
    };
    // The undocumented property, on the component schema, typed from the values seen.
    let added = find("$.components.schemas.BackupServerLicense", "update");
    assert_eq!(
        added["update"]["properties"]["simulatorRevision"]["type"],
        "string"
    );
    let description = added["description"].as_str().unwrap();
    assert!(
        description.contains("GetBackupServersLicenses")
            && description.contains("/data/0/simulatorRevision"),
        "{description}"
    );
    // The unlisted enum value, appended to the enum's own schema.
    let listed = find("$.components.schemas.LicenseType", "update");
    assert_eq!(listed["update"]["enum"], serde_json::json!(["Metered"]));
    // The null, as nullable.
    let nullable = find(
        "$.components.schemas.BackupServerLicense.properties.email",
        "update",
    );
    assert_eq!(nullable["update"]["nullable"], true);
    // No value of the answers: not the drifted revision, not a company or e-mail of the data.
    assert!(!text.contains("drift-2"), "{text}");
    assert!(!text.contains('@'), "{text}");

    // The same console gives the same bytes.
    let second = dir.path().join("again.yaml");
    assert_eq!(conform_writing(&served, &second).status.code(), Some(5));
    assert_eq!(text, std::fs::read_to_string(&second).unwrap());

    // JSON when the name says so; and what conform writes, check-overlay accepts.
    let json = dir.path().join("console.json");
    conform_writing(&served, &json);
    let parsed: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(parsed["actions"], overlay["actions"]);
    let checked = check_overlay(&first);
    assert_eq!(checked.status.code(), Some(0), "{}", stderr(&checked));
    assert!(String::from_utf8_lossy(&checked.stdout).contains("action(s) apply"));
}

#[test]
fn a_console_without_drift_gives_an_overlay_with_no_actions_and_says_so() {
    let served = Served::start(&["--api-key", KEY]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("none.yaml");
    let output = conform_writing(&served, &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("no actions"),
        "{}",
        stderr(&output)
    );
    let overlay: Value = yaml_serde::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(overlay["actions"], serde_json::json!([]));
    let checked = check_overlay(&file);
    assert_eq!(checked.status.code(), Some(0), "{}", stderr(&checked));
    assert!(String::from_utf8_lossy(&checked.stdout).contains("changes nothing"));
}

const HEAD: &str = "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n";

/// Each way an overlay can be wrong, and what the message must name.
#[test]
fn check_overlay_refuses_each_kind_of_bad_overlay_naming_the_file_and_the_action() {
    let cases: [(&str, String, &[&str]); 5] = [
        (
            "not-an-overlay.yaml",
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n".into(),
            &["not an OpenAPI Overlay document", "OpenAPI document"],
        ),
        (
            "bad-path.yaml",
            format!("{HEAD}  - target: \"$.components[\"\n    update: {{x: 1}}\n"),
            &["invalid JSONPath"],
        ),
        (
            "other-spec.yaml",
            format!(
                "{HEAD}  - target: $.components.schemas.BackupServerLicense\n    update: {{description: fine}}\n  - target: $.components.schemas.NoSuchSchema\n    description: for another spec\n    update: {{nullable: true}}\n"
            ),
            &["actions[1]", "NoSuchSchema", "for another spec", "matches nothing"],
        ),
        (
            "broken-type.yaml",
            format!("{HEAD}  - target: $.components.schemas.BackupServerLicense\n    update: {{type: 42}}\n"),
            &["actions[0]", "no longer a valid OpenAPI 3 document"],
        ),
        (
            "dangling-ref.yaml",
            format!(
                "{HEAD}  - target: $.components.schemas.BackupServerLicense.properties\n    update: {{rack: {{$ref: '#/components/schemas/Rack'}}}}\n"
            ),
            &["actions[0]", "#/components/schemas/Rack names nothing"],
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, text, expected) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        let output = check_overlay(&file);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{name}: {message}");
        assert!(message.contains(name), "{name}: {message}");
        for part in expected {
            assert!(
                message.contains(part),
                "{name}: {part:?} missing from {message}"
            );
        }
    }
}

#[test]
fn spec_show_prints_the_spec_with_the_overlays_applied() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rack.yaml");
    std::fs::write(
        &file,
        format!("{HEAD}  - target: $.components.schemas.BackupServerLicense\n    update: {{properties: {{rackPosition: {{type: integer}}}}}}\n"),
    )
    .unwrap();
    let shown = tool().args(["spec", "show"]).output().unwrap();
    let shipped: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert!(shipped
        .pointer("/components/schemas/BackupServerLicense/properties/rackPosition")
        .is_none());
    let shown = tool()
        .args(["spec", "show", "--overlay"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(shown.status.code(), Some(0), "{}", stderr(&shown));
    let effective: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(
        effective["components"]["schemas"]["BackupServerLicense"]["properties"]["rackPosition"]
            ["type"],
        "integer"
    );
    // What the tool was built with is part of its version.
    let version = tool().arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).contains("as shipped"));
}
