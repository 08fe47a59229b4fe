//! What `cargo package` ships: exactly the files the crate needs, and a package that builds
//! offline from a `cargo vendor` tree (scripts/package-offline-check.sh).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Removes a decoy folder when the test ends, even on a panic, and the folder above it if the
/// test made that one and nothing else has moved in since.
struct Decoy {
    dir: PathBuf,
    made_parent: Option<PathBuf>,
}

impl Drop for Decoy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(parent) = &self.made_parent {
            // remove_dir only removes an empty folder: a real install that appeared meanwhile stays.
            let _ = std::fs::remove_dir(parent);
        }
    }
}

/// A README where a dirty tree has them (a Node or Python install inside a git-ignored folder).
fn decoy(folder: &str) -> Decoy {
    let top = root().join(folder);
    let existed = top.exists();
    let dir = top.join("vspc-packaging-decoy");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("README.md"), "not part of the crate\n").unwrap();
    Decoy {
        dir,
        made_parent: (!existed).then_some(top),
    }
}

fn tracked(path: &str) -> bool {
    [
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        "LICENSE-APACHE",
        "LICENSE-MIT",
    ]
    .contains(&path)
        || path.starts_with("build/")
        || path.starts_with("src/")
        || path.starts_with("spec/")
        || path.starts_with("docs/")
}

#[test]
fn the_package_lists_exactly_what_the_crate_needs() {
    let _node = decoy("scripts/node_modules");
    let _venv = decoy("benches/python/.venv");
    let output = Command::new(env!("CARGO"))
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed: BTreeSet<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let git = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root())
        .output()
        .expect("git lists the tracked files");
    assert!(git.status.success());
    let mut expected: BTreeSet<String> = String::from_utf8_lossy(&git.stdout)
        .split('\0')
        .filter(|p| tracked(p) && Path::new(&root()).join(p).exists())
        .map(str::to_owned)
        .collect();
    // What cargo adds: the normalised manifest, the original one, the commit it came from.
    expected.extend([
        "Cargo.toml.orig".to_owned(),
        ".cargo_vcs_info.json".to_owned(),
    ]);
    // Untracked files under src/ or spec/ (work in progress) are packaged too; they are not
    // the concern here, a decoy from a dirty tree is.
    let untracked: Vec<&String> = listed.difference(&expected).collect();
    assert!(
        untracked.iter().all(|p| tracked(p)),
        "packaged but outside the crate's files: {untracked:?}"
    );
    let missing: Vec<&String> = expected.difference(&listed).collect();
    assert!(missing.is_empty(), "not packaged: {missing:?}");
    for needed in [
        "spec/vspc-licensing.yaml",
        "spec/vac-v2-licensing.yaml",
        "spec/licenses/vbr-rental-1000.lic",
        "src/simulator/scenario/example.yaml",
        "README.md",
        "docs/README.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
    ] {
        assert!(listed.contains(needed), "{needed} not packaged");
    }
    for path in &listed {
        assert!(
            !["node_modules", ".venv", "vspc-packaging-decoy", "target/"]
                .iter()
                .any(|bad| path.contains(bad)),
            "{path} packaged"
        );
    }
}

#[test]
fn the_packaged_crate_builds_offline_from_a_vendor_tree() {
    let output = Command::new("bash")
        .arg(root().join("scripts/package-offline-check.sh"))
        .current_dir(root())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("checks offline from a vendor tree"),
        "{stdout}"
    );
}

/// The crates a build with the given features compiles in (normal dependencies only).
fn dependency_names(features: &[&str]) -> Vec<String> {
    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(root())
        .args([
            "tree",
            "--locked",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .args(["--format", "{p}", "--no-default-features"]);
    if !features.is_empty() {
        command.args(["--features", &features.join(",")]);
    }
    let output = command.output().expect("cargo tree runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut names: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn the_plain_library_compiles_in_none_of_the_optional_parts() {
    // What only the contract checks, the simulator or the CLI need (tower is left out: reqwest
    // uses it too).
    let optional = [
        "openapiv3",
        "yaml_serde",
        "jsonschema",
        "axum",
        "json-patch",
        "rand",
        "rand_chacha",
        "clap",
        "anyhow",
        "comfy-table",
        "indicatif",
        "rpassword",
        "tracing-subscriber",
        "plotters",
        "clap_complete",
        "clap_mangen",
        "toml",
        "directories",
    ];
    let plain = dependency_names(&[]);
    let leaked: Vec<&&str> = optional
        .iter()
        .filter(|name| plain.iter().any(|d| d == *name))
        .collect();
    assert!(leaked.is_empty(), "the plain library depends on {leaked:?}");
    // And the features do bring them in, so the check above is not vacuous.
    let everything = dependency_names(&["cli"]);
    for name in optional {
        assert!(
            everything.iter().any(|d| d == name),
            "{name} is not a dependency at all"
        );
    }
}
