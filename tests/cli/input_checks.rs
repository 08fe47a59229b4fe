//! What the tool does with what it is given (issue 28, findings 6 and 7): `serve` accepts only
//! the credentials it is given and says when it is reachable beyond this machine; months,
//! periods and time limits that cannot be meant are refused with exit 2 before any request.

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;

use crate::support::cli::tool_process;
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
