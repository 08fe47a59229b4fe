//! Installing and configuring the tool: profiles from a configuration file, shell completions
//! and the manual page, all through the binary as a process.

use std::path::Path;
use std::process::Output;

use serde_json::Value;
use vspc_licensing::simulator::{Simulator, SimulatorConfig, SimulatorHandle};

use crate::support::cli::{output, stderr, tool};

fn cli(args: &[&str], env: &[(&str, &str)]) -> Output {
    tool()
        .envs(env.iter().copied())
        .args(args)
        .output()
        .unwrap()
}

async fn cli_async(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = tool();
    command.envs(env.iter().copied()).args(args);
    output(command).await
}

/// A simulator of the console release speaking `version` (a profile's `api_version` is declared
/// to it, and a console refuses a client declaring a newer version than its own).
async fn simulator(key: &str, seed: u64, servers: usize, version: &str) -> SimulatorHandle {
    Simulator::start(
        SimulatorConfig::default()
            .seed(seed)
            .backup_servers(servers)
            .api_key(key)
            .api_version(version.parse().unwrap()),
    )
    .await
    .unwrap()
}

fn uids(output: &Output) -> Vec<String> {
    assert!(output.status.success(), "{}", stderr(output));
    let listed: Value = serde_json::from_slice(&output.stdout).unwrap();
    listed
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["backupServerUid"].as_str().unwrap().to_owned())
        .collect()
}

fn expected(sim: &SimulatorHandle) -> Vec<String> {
    sim.state()
        .backup_server_uids()
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn write_config(dir: &Path, text: &str) -> String {
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    // A file that names a secret command must be closed to others, whatever the umask.
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    path.display().to_string()
}

const LIST: &[&str] = &["licenses", "list", "--product", "vbr", "-o", "json"];

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_from_vspc_config_reaches_the_right_simulator() {
    let east = simulator("east-key", 1, 2, "3.6.1").await;
    let west = simulator("west-key", 2, 5, "3.7").await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "default_profile = \"east\"\n\n\
             [profiles.east]\nurl = \"{}\"\napi_version = \"3.6.1\"\napi_key_env = \"EAST_KEY\"\n\n\
             [profiles.west]\nurl = \"{}\"\napi_version = \"3.7\"\napi_key_command = \"echo west-key\"\n",
            east.root_url(),
            west.root_url()
        ),
    );
    let env = [("VSPC_CONFIG", config.as_str()), ("EAST_KEY", "east-key")];

    // The default profile.
    assert_eq!(uids(&cli_async(LIST, &env).await), expected(&east));
    // --profile, with the key from a command.
    let mut args = LIST.to_vec();
    args.extend(["--profile", "west"]);
    assert_eq!(uids(&cli_async(&args, &env).await), expected(&west));
    // VSPC_PROFILE.
    let mut with_profile = env.to_vec();
    with_profile.push(("VSPC_PROFILE", "west"));
    assert_eq!(uids(&cli_async(LIST, &with_profile).await), expected(&west));
    // Flags and environment override the profile: the west profile's URL, API version (3.7, which
    // east's 3.6.1 console would refuse), east's address and key.
    let mut args = LIST.to_vec();
    args.extend(["--profile", "west", "--api-version", "3.6.1", "--url"]);
    let east_url = east.root_url();
    args.push(&east_url);
    let mut overridden = env.to_vec();
    overridden.push(("VSPC_API_KEY", "east-key"));
    assert_eq!(uids(&cli_async(&args, &overridden).await), expected(&east));
    // Without the flag, the profile's api_version is what the client declares.
    let mut args = LIST.to_vec();
    args.extend(["--profile", "west", "--url"]);
    args.push(&east_url);
    let refused = cli_async(&args, &overridden).await;
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("X-Client-Version 3.7"),
        "{}",
        stderr(&refused)
    );

    // An unset variable, an unknown profile: clear errors, exit 2.
    let output = cli_async(LIST, &[("VSPC_CONFIG", config.as_str())]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("EAST_KEY"), "{}", stderr(&output));
    let mut args = LIST.to_vec();
    args.extend(["--profile", "north"]);
    let output = cli_async(&args, &env).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no profile \"north\" (it has: east, west)"),
        "{}",
        stderr(&output)
    );

    // `profiles list` shows where secrets come from, never a secret.
    let output = cli_async(&["profiles", "list"], &env).await;
    let listing = String::from_utf8_lossy(&output.stdout);
    assert!(listing.contains("east (default)") && listing.contains("API key from $EAST_KEY"));
    assert!(
        listing.contains("API 3.7") && !listing.contains("west-key"),
        "{listing}"
    );
    east.shutdown().await;
    west.shutdown().await;
}

#[test]
fn a_configuration_file_with_a_secret_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (text, named) in [
        (
            "[profiles.lab]\nurl = \"https://vspc.example.com:1280\"\napi_key = \"s3cret\"\n",
            "profile \"lab\" has `api_key`",
        ),
        (
            "[profiles.lab]\nusername = \"ops\"\npassword = \"s3cret\"\n",
            "password_env",
        ),
        ("token = \"s3cret\"\n", "has `token`"),
    ] {
        let config = write_config(dir.path(), text);
        let output = cli(LIST, &[("VSPC_CONFIG", &config), ("VSPC_PROFILE", "lab")]);
        assert_eq!(output.status.code(), Some(2), "{text}");
        let message = stderr(&output);
        assert!(message.contains(named), "{named:?} missing: {message}");
        assert!(message.contains("a secret does not belong"), "{message}");
        assert!(
            !message.contains("s3cret"),
            "the secret is not echoed: {message}"
        );
    }
    // Unknown entries and unknown API versions are refused too, naming them.
    let config = write_config(
        dir.path(),
        "[profiles.lab]\nurl = \"x\"\ncacert = \"ca.pem\"\n",
    );
    let output = cli(LIST, &[("VSPC_CONFIG", &config), ("VSPC_PROFILE", "lab")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cacert"), "{}", stderr(&output));
    let config = write_config(dir.path(), "[profiles.lab]\napi_version = \"2.0\"\n");
    let output = cli(LIST, &[("VSPC_CONFIG", &config), ("VSPC_PROFILE", "lab")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("api_version \"2.0\""),
        "{}",
        stderr(&output)
    );
    // A missing file named explicitly is an error; the default location may be absent.
    let output = cli(LIST, &[("VSPC_CONFIG", "/nonexistent/config.toml")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("does not exist"));
}

#[test]
fn completions_print_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef vspc-licensing"),
        ("fish", "complete -c vspc-licensing"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer"),
    ] {
        let output = cli(&["completions", shell], &[]);
        assert!(output.status.success(), "{shell}: {}", stderr(&output));
        let script = String::from_utf8_lossy(&output.stdout);
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        for command in ["licenses", "auto-update", "scenario", "serve"] {
            assert!(script.contains(command), "{shell}: no {command}");
        }
    }
    let output = cli(&["completions", "tcsh"], &[]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn the_manual_page_renders_from_the_same_definitions() {
    let output = cli(&["man"], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let page = String::from_utf8_lossy(&output.stdout);
    assert!(page.contains(".TH vspc-licensing 1"), "{page}");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(page.contains(section), "{section} missing");
    }
    assert!(page.contains("\\-\\-profile") && page.contains("VSPC_CONFIG"));

    let dir = tempfile::tempdir().unwrap();
    let output = cli(&["man", "--out-dir", dir.path().to_str().unwrap()], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    for page in [
        "vspc-licensing.1",
        "vspc-licensing-serve.1",
        "vspc-licensing-scenario-check.1",
    ] {
        let text = std::fs::read_to_string(dir.path().join(page))
            .unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.starts_with(".ie"), "{page}");
    }
    // Where man(1) is installed (as on the project's machines), every page also formats
    // without a warning from groff.
    if std::process::Command::new("man")
        .arg("--version")
        .output()
        .is_ok()
    {
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            let formatted = std::process::Command::new("man")
                .args(["--warnings", "-l", "-P", "cat"])
                .arg(&path)
                .env("MANWIDTH", "80")
                .output()
                .unwrap();
            let warnings = String::from_utf8_lossy(&formatted.stderr);
            assert!(
                formatted.status.success() && warnings.is_empty(),
                "{}: {warnings}",
                path.display()
            );
            assert!(String::from_utf8_lossy(&formatted.stdout).contains("vspc-licensing"));
        }
    }
}
