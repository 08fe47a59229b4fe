//! A real build with `VSPC_LICENSING_OVERLAYS`: the overlay `conform` writes for a drifting
//! console, built into the tool, makes that console conform and keeps every key it sends; an
//! overlay for another spec fails the build with its file and action.
//!
//! The build runs in its own target directory under this run's target, seeded with this run's
//! compiled dependencies (hard links, falling back to copies; the crate's own artifacts are
//! left out), so only the crate itself is compiled again, offline.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::cli::{stderr, tool, without_tool_settings};
use crate::support::served::Served;

const KEY: &str = "overlay-build-key";

/// `target/debug` of this test run.
fn profile_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_vspc-licensing"))
        .parent()
        .expect("the tool sits in the profile directory")
        .to_path_buf()
}

/// A target directory whose `debug/` holds this run's dependencies but not the crate.
fn seeded_target() -> PathBuf {
    let profile = profile_dir();
    let target = profile.parent().unwrap().join("overlay-build");
    let debug = target.join("debug");
    let _ = std::fs::remove_dir_all(&debug);
    for (dir, link) in [("deps", true), ("build", false), (".fingerprint", false)] {
        seed(&profile.join(dir), &debug.join(dir), link);
    }
    target
}

/// Copies `from` into `to` recursively, skipping the crate's own artifacts and test binaries;
/// files are hard-linked when `link` (dependencies' libraries are never rewritten once built).
fn seed(from: &Path, to: &Path, link: bool) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let crate_own = name.contains("vspc_licensing")
            || (name.starts_with("vspc-licensing") && !name.starts_with("vspc-licensing-"))
            || (link && path.extension().is_none());
        if crate_own {
            continue;
        }
        let destination = to.join(&name);
        if path.is_dir() {
            seed(&path, &destination, link);
        } else if !(link && std::fs::hard_link(&path, &destination).is_ok()) {
            std::fs::copy(&path, &destination).unwrap();
        }
    }
}

/// `cargo build` of the tool in `target` with these overlays.
fn build_with(target: &Path, overlays: &Path) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    without_tool_settings(&mut command);
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        // With an example in the build, the dev-dependencies' features are unified as in this
        // test run, so every dependency of the seeded directory is reused as it is.
        .args([
            "build",
            "--offline",
            "--locked",
            "--all-features",
            "--bin",
            "vspc-licensing",
        ])
        .args(["--example", "quickstart"])
        .env("CARGO_TARGET_DIR", target)
        .env("VSPC_LICENSING_OVERLAYS", overlays)
        .output()
        .expect("cargo runs")
}

fn licenses(tool_path: &Path, served: &Served) -> Vec<Value> {
    let output = Command::new(tool_path)
        .args([
            "licenses",
            "list",
            "--product",
            "vbr",
            "-o",
            "json",
            "--url",
        ])
        .args([served.root(), "--api-key", KEY])
        .env_remove("VSPC_URL")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn a_build_with_the_consoles_overlay_reads_it_and_an_overlay_for_another_spec_fails_the_build() {
    let target = seeded_target();
    let dir = tempfile::tempdir().unwrap();

    // An overlay whose target is not in this spec: the build stops, naming file and action.
    let stale = dir.path().join("for-another-spec.yaml");
    std::fs::write(
        &stale,
        "overlay: 1.0.0\ninfo: {title: stale, version: '1'}\nactions:\n  - target: $.components.schemas.BackupServerLicence\n    update: {nullable: true}\n",
    )
    .unwrap();
    let failed = build_with(&target, &stale);
    let message = stderr(&failed);
    assert!(!failed.status.success(), "a stale overlay built: {message}");
    for part in [
        "for-another-spec.yaml",
        "actions[0]",
        "BackupServerLicence",
        "matches nothing",
    ] {
        assert!(
            message.contains(part),
            "{part:?} missing from the build's error: {message}"
        );
    }

    // The drifting console, and the overlay conform writes for it.
    let served = Served::start(&["--api-key", KEY, "--drift", "--seed", "11"]);
    let overlay = dir.path().join("console.yaml");
    let written = tool()
        .args([
            "conform",
            "--url",
            served.root(),
            "--api-key",
            KEY,
            "--write-overlay",
        ])
        .arg(&overlay)
        .output()
        .unwrap();
    assert_eq!(written.status.code(), Some(5), "{}", stderr(&written));

    let built = build_with(&target, &overlay);
    assert!(built.status.success(), "{}", stderr(&built));
    let patched = target.join("debug").join("vspc-licensing");

    let version = Command::new(&patched).arg("--version").output().unwrap();
    let version = String::from_utf8_lossy(&version.stdout).into_owned();
    assert!(
        version.contains("with overlays: console.yaml sha256:"),
        "{version}"
    );

    // The shipped build loses the key the console added; the patched one keeps it.
    let shipped = licenses(Path::new(env!("CARGO_BIN_EXE_vspc-licensing")), &served);
    assert!(shipped.iter().all(|l| l.get("simulatorRevision").is_none()));
    let read = licenses(&patched, &served);
    assert!(!read.is_empty());
    assert!(read
        .iter()
        .all(|l| l["simulatorRevision"] == "drift-2" && l["type"] == "Metered"));

    // And the console conforms to the spec the patched tool speaks.
    let conform = Command::new(&patched)
        .args([
            "conform",
            "-o",
            "json",
            "--url",
            served.root(),
            "--api-key",
            KEY,
        ])
        .env_remove("VSPC_URL")
        .output()
        .unwrap();
    assert_eq!(conform.status.code(), Some(0), "{}", stderr(&conform));
    let report: Value = serde_json::from_slice(&conform.stdout).unwrap();
    assert_eq!(report["spec_overlays"][0]["file"], "console.yaml");
    let _ = std::fs::remove_dir_all(target.join("debug"));
}
