//! The CLI's answer to bad input and failing servers: one line on standard error that says
//! what to do, the documented exit code, and never a backtrace.

use crate::support::cli::tool;
use crate::support::recorder;

use std::sync::Arc;

use assert_cmd::Command;
use recorder::{Canned, Recorded, Recorder};
use serde_json::json;

/// The tool with backtraces asked for: the tests check that none is printed anyway.
fn cli() -> Command {
    let mut command = tool();
    command.env("RUST_BACKTRACE", "1");
    command
}

/// Runs the command, checks the exit code and that stderr is one clean error line holding
/// `needle`; returns stderr.
fn fails_with(command: &mut Command, code: i32, needle: &str) -> String {
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(code), "stderr: {stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("stack backtrace"),
        "{stderr}"
    );
    stderr
}

#[test]
fn an_unreachable_server_is_exit_4_with_a_hint() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let stderr = fails_with(
        cli().args([
            "licenses",
            "list",
            "--url",
            &url,
            "--api-key",
            "k",
            "--timeout",
            "5s",
        ]),
        4,
        "could not connect",
    );
    assert!(stderr.contains("check the URL"), "{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_key_is_exit_3_with_a_hint() {
    let recorder = Recorder::with_fallback(Arc::new(|_: &Recorded| {
        Canned::json(401, json!({"errors": [{"message": "Authentication failed.", "type": "security", "code": 401}]}))
    }))
    .await;
    let url = recorder.url();
    let stderr = tokio::task::spawn_blocking(move || {
        fails_with(
            cli()
                .args(["licenses", "show", "--product", "console"])
                .env("VSPC_URL", url)
                .env("VSPC_API_KEY", "bad-key"),
            3,
            "401",
        )
    })
    .await
    .unwrap();
    assert!(stderr.contains("check the API key"), "{stderr}");
    assert!(
        !stderr.contains("bad-key"),
        "the key is not echoed: {stderr}"
    );
}

#[test]
fn options_are_accepted_before_or_after_the_command() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    fails_with(
        cli().args([
            "--url",
            &url,
            "--api-key",
            "k",
            "licenses",
            "list",
            "--output",
            "json",
        ]),
        4,
        "could not connect",
    );
    fails_with(
        cli().args([
            "-o",
            "csv",
            "licenses",
            "list",
            "--url",
            &url,
            "--api-key",
            "k",
        ]),
        4,
        "could not connect",
    );
}

#[test]
fn bad_command_lines_are_exit_2() {
    fails_with(
        cli().args([
            "licenses",
            "list",
            "--product",
            "vcsp",
            "--url",
            "http://127.0.0.1:9",
        ]),
        2,
        "vcsp",
    );
    fails_with(
        cli().args(["licenses", "show", "--product", "vbr", "not-a-uid"]),
        2,
        "not-a-uid",
    );
    fails_with(
        cli().args(["licenses", "list", "--api-key", "k"]),
        2,
        "pass --url",
    );
    fails_with(
        cli().args(["licenses", "list", "--url", "http://127.0.0.1:9"]),
        2,
        "no credentials",
    );
    fails_with(
        cli().args(["licenses", "list", "--url", "vspc:1280", "--api-key", "k"]),
        2,
        "https://vspc.example.com:1280",
    );
    fails_with(
        cli().args(["licenses", "expiring", "--within", "soon"]),
        2,
        "not a duration",
    );
    fails_with(
        cli().args([
            "auto-update",
            "enable",
            "--url",
            "http://127.0.0.1:9",
            "--api-key",
            "k",
        ]),
        2,
        "--all",
    );
}

#[test]
fn a_missing_license_file_is_named() {
    fails_with(
        cli().args([
            "license",
            "install",
            "--product",
            "console",
            "--file",
            "/nonexistent/new.lic",
            "--url",
            "http://127.0.0.1:9",
            "--api-key",
            "k",
        ]),
        2,
        "/nonexistent/new.lic",
    );
}

#[test]
fn deleting_without_a_terminal_needs_yes() {
    let uid = "6f1c2e8a-0b4d-4c3e-9a7f-1d2e3f4a5b6c";
    fails_with(
        cli().args([
            "license",
            "delete",
            "--product",
            "vbr",
            uid,
            "--url",
            "http://127.0.0.1:9",
            "--api-key",
            "k",
        ]),
        2,
        "--yes",
    );
    fails_with(
        cli().args(["license", "delete", "--product", "site", uid, "--yes"]),
        2,
        "only vbr and vone",
    );
}
