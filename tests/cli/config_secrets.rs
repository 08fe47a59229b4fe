//! Issue 28, finding 3: a configuration file's secret commands run only from a file of the
//! user's own that nobody else may write, without a shell; and a profile's secret is not sent
//! to another address that `--url`/`VSPC_URL` names unless `--profile` chose that profile.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use vspc_licensing::simulator::{Simulator, SimulatorConfig, DEFAULT_API_KEY};

use crate::support::cli::{output, stderr, tool};
use crate::support::recorder::Recorder;

const LIST: &[&str] = &["licenses", "list", "--product", "vbr", "-o", "json"];

async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = tool();
    command
        .envs(env.iter().copied())
        .args(args)
        .timeout(Duration::from_secs(60));
    output(command).await
}

/// Writes `text` as `config.toml` in `dir` with `mode`.
fn config(dir: &Path, text: &str, mode: u32) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

/// Failed on the old code: a config file anyone may write ran its command (the marker file
/// appeared) on the next `licenses list`.
#[tokio::test]
async fn a_config_file_others_may_write_does_not_run_its_command() {
    let sim = Simulator::start(SimulatorConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let text = format!(
        "default_profile = \"lab\"\n[profiles.lab]\nurl = \"{}\"\napi_key_command = \"touch {}\"\n",
        sim.root_url(),
        marker.display()
    );
    for mode in [0o666, 0o620, 0o602] {
        let path = config(dir.path(), &text, mode);
        let output = run(LIST, &[("VSPC_CONFIG", path.to_str().unwrap())]).await;
        assert_eq!(
            output.status.code(),
            Some(2),
            "{mode:o}: {}",
            stderr(&output)
        );
        let message = stderr(&output);
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("chmod go-w"), "{message}");
        assert!(!marker.exists(), "mode {mode:o}: the command ran");
    }
    // The same file, the user's own and closed to others, runs its command.
    let path = config(
        dir.path(),
        &text.replace(
            &format!("touch {}", marker.display()),
            &format!("printf %s {DEFAULT_API_KEY}"),
        ),
        0o600,
    );
    let output = run(LIST, &[("VSPC_CONFIG", path.to_str().unwrap())]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    sim.shutdown().await;
}

/// Failed on the old code: the command ran through `sh -c`, so `;` ran a second command.
#[tokio::test]
async fn a_secret_command_runs_without_a_shell() {
    let sim = Simulator::start(SimulatorConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let path = config(
        dir.path(),
        &format!(
            "[profiles.lab]\nurl = \"{}\"\napi_key_command = \"echo {DEFAULT_API_KEY}; touch {}\"\n",
            sim.root_url(),
            marker.display()
        ),
        0o600,
    );
    let env = [
        ("VSPC_CONFIG", path.to_str().unwrap()),
        ("VSPC_PROFILE", "lab"),
    ];
    let output = run(LIST, &env).await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("without a shell"),
        "{}",
        stderr(&output)
    );
    assert!(!marker.exists(), "a second command ran");
    // Quoted words reach the program as one argument each, as a shell would pass them.
    config(
        dir.path(),
        &format!(
            "[profiles.lab]\nurl = \"{}\"\napi_key_command = \"printf '%s%s' 'vspc-sim' \\\"-key\\\"\"\n",
            sim.root_url()
        ),
        0o600,
    );
    let output = run(LIST, &env).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    sim.shutdown().await;
}

/// Failed on the old code: `VSPC_URL` sent the default profile's key to another server.
#[tokio::test]
async fn a_profiles_secret_does_not_follow_vspc_url_to_another_server() {
    let sim = Simulator::start(SimulatorConfig::default()).await.unwrap();
    let other = Recorder::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &format!(
            "default_profile = \"lab\"\n[profiles.lab]\nurl = \"{}\"\napi_key_env = \"LAB_KEY\"\n",
            sim.root_url()
        ),
        0o600,
    );
    let path = path.to_str().unwrap();
    let other_url = other.url();
    for env in [
        vec![
            ("VSPC_CONFIG", path),
            ("LAB_KEY", DEFAULT_API_KEY),
            ("VSPC_URL", other_url.as_str()),
        ],
        vec![
            ("VSPC_CONFIG", path),
            ("LAB_KEY", DEFAULT_API_KEY),
            ("VSPC_PROFILE", "lab"),
            ("VSPC_URL", other_url.as_str()),
        ],
    ] {
        let output = run(LIST, &env).await;
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let message = stderr(&output);
        assert!(
            message.contains(&sim.root_url()) && message.contains(&other_url),
            "both addresses named: {message}"
        );
        assert!(message.contains("--profile lab"), "{message}");
        assert!(other.requests().is_empty(), "the other server was asked");
    }
    // The same address (a trailing slash aside) and an explicit --profile are fine.
    let same = format!("{}/", sim.root_url());
    let output = run(
        LIST,
        &[
            ("VSPC_CONFIG", path),
            ("LAB_KEY", DEFAULT_API_KEY),
            ("VSPC_URL", &same),
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let mut args = LIST.to_vec();
    args.extend(["--profile", "lab", "--url", other_url.as_str()]);
    let output = run(
        &args,
        &[("VSPC_CONFIG", path), ("LAB_KEY", DEFAULT_API_KEY)],
    )
    .await;
    assert!(!other.requests().is_empty(), "{}", stderr(&output));
    // A key given for the other server is that server's own: nothing to refuse.
    other.take();
    let output = run(
        LIST,
        &[
            ("VSPC_CONFIG", path),
            ("VSPC_API_KEY", "the-other-servers-key"),
            ("VSPC_URL", other_url.as_str()),
        ],
    )
    .await;
    assert!(!other.requests().is_empty(), "{}", stderr(&output));
    sim.shutdown().await;
}
