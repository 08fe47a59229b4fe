//! What the tool does with what it is given (issue 28, findings 6 and 7): `serve` accepts only
//! the credentials it is given and says when it is reachable beyond this machine; months,
//! periods and time limits that cannot be meant are refused with exit 2 before any request.

use std::io::{BufRead, BufReader, Read};
use std::process::{Output, Stdio};

use crate::support::cli::{stderr, tool, tool_process};
use crate::support::served::Served;

/// The status of a listing read from `served` with `key`.
async fn read_with(served: &Served, key: &str) -> u16 {
    crate::support::http_client()
        .get(format!("{}/licensing/backupServers?limit=1", served.url))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn serve_with_an_api_key_no_longer_accepts_the_built_in_one() {
    let served = Served::start(&["--api-key", "only-this-key"]);
    assert_eq!(read_with(&served, "only-this-key").await, 200);
    assert_eq!(
        read_with(&served, vspc_licensing::simulator::DEFAULT_API_KEY).await,
        401
    );
    assert_eq!(
        read_with(
            &served,
            vspc_licensing::simulator::DEFAULT_READ_ONLY_API_KEY
        )
        .await,
        401
    );
}

#[tokio::test]
async fn serve_with_a_user_no_longer_accepts_the_built_in_key() {
    let served = Served::start(&["--user", "ops:ops-password"]);
    assert_eq!(
        read_with(&served, vspc_licensing::simulator::DEFAULT_API_KEY).await,
        401
    );
}

/// What `serve --addr ADDRESS` writes on standard error by the time it has printed its URL.
fn serve_stderr(address: &str) -> String {
    let mut child = tool_process()
        .args(["serve", "--addr", address, "--api-key", "k"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    assert!(url.starts_with("http://"), "no URL printed: {url:?}");
    // The warning comes before the URL; stopping the process ends its standard error.
    let _ = child.kill();
    let mut text = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let _ = child.wait();
    text
}

#[test]
fn serve_warns_when_it_listens_beyond_loopback() {
    let exposed = serve_stderr("0.0.0.0:0");
    assert!(
        exposed.contains("warning:") && exposed.contains("0.0.0.0"),
        "{exposed}"
    );
    let local = serve_stderr("127.0.0.1:0");
    assert!(!local.contains("warning:"), "{local}");
}

/// An address nothing listens on: a command that got past its checks fails to connect there
/// (exit 4) instead of being refused (exit 2).
const NOBODY: &str = "http://127.0.0.1:9";

/// The tool run with `args` against [`NOBODY`] and a key.
fn run(args: &[&str]) -> Output {
    tool()
        .args(args)
        .args(["--url", NOBODY])
        .env("VSPC_API_KEY", "k")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap()
}

/// Checks that `args` is refused with exit `code` (2, or 3 for the monitoring plugin `check`)
/// and a message holding `needle`, before any request.
fn refused_with(code: i32, args: &[&str], needle: &str) {
    let output = run(args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        stderr(&output)
    );
    assert_eq!(output.status.code(), Some(code), "{args:?}: {text}");
    assert!(
        text.contains(needle),
        "{args:?}: expected {needle:?} in {text}"
    );
    assert!(!text.contains("panicked"), "{text}");
}

fn refused(args: &[&str], needle: &str) {
    refused_with(2, args, needle);
}

#[test]
fn a_month_that_is_not_yyyy_mm_is_refused() {
    for month in ["2026-13", "2026-1", "..", "../x", "2026-00"] {
        refused(&["reports", "month", month], "is not a month");
    }
    // A month that is one gets as far as the network.
    assert_eq!(run(&["reports", "month", "2026-01"]).status.code(), Some(4));
}

#[test]
fn an_absurd_period_is_refused_alike_by_every_command_that_takes_one() {
    // `check` is a monitoring plugin: a setting it cannot take is UNKNOWN, exit 3.
    let commands: [(i32, &[&str]); 4] = [
        (2, &["licenses", "expiring", "--within"]),
        (2, &["auto-update", "status", "--within"]),
        (3, &["check", "--warning"]),
        (3, &["check", "--critical"]),
    ];
    for (code, command) in commands {
        for period in ["20000000000w", "36501d"] {
            let args = [command, &[period]].concat();
            refused_with(code, &args, "at most 36500d");
        }
    }
    // The longest period is taken (and the command reaches the network).
    let output = run(&["auto-update", "status", "--within", "36500d"]);
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
}

#[test]
fn a_time_limit_of_zero_is_refused() {
    for zero in ["0", "0s", "0ms"] {
        refused(&["--timeout", zero, "licenses", "list"], "longer than zero");
    }
    refused(
        &["alk", "check", "--connect-timeout", "0"],
        "longer than zero",
    );
}
