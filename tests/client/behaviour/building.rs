//! What building a client does with what it is given: which URLs count as plain text to another
//! machine, and when the client warns about credentials sent that way; which base URLs are
//! accepted and how they are written; what is sent as `User-Agent` and `X-Client-Version`; how
//! long one attempt may take.

use crate::logs::logs_while;
use crate::support::recorder;

use std::sync::Arc;
use std::time::{Duration, Instant};

use progenitor_client::ClientInfo;
use recorder::{spec_example_answer, Recorded, Recorder};
use vspc_licensing::ApiVersion;
use vspc_licensing::{Client, Error, Product, RetryPolicy};

#[test]
fn only_http_to_another_machine_counts_as_plain_text() {
    for remote in [
        "http://192.0.2.10:1280",
        "http://[2001:db8::1]:1280",
        "http://vspc.example.com",
        "http://localhost.example.com",
    ] {
        assert!(warned_about_plain_text(remote), "{remote}");
    }
    for local_or_encrypted in [
        "http://127.0.0.1:1280",
        "http://[::1]:1280",
        "http://localhost:1280",
        "http://LOCALHOST.:1280",
        "http://vspc.localhost:1280",
        "https://192.0.2.10:1280",
        "https://vspc.example.com",
        "not a url",
    ] {
        assert!(
            !warned_about_plain_text(local_or_encrypted),
            "{local_or_encrypted}"
        );
    }
}

/// Whether building a client with an API key for `url` warns that the key travels in plain text.
fn warned_about_plain_text(url: &str) -> bool {
    logs_while(tracing::Level::WARN, || {
        let _ = Client::builder(url).api_key("k").build();
    })
    .contains("plain http://")
}

#[test]
fn credentials_to_another_machine_over_plain_http_are_warned_about_and_nothing_else() {
    let warned = |builder: vspc_licensing::ClientBuilder| {
        logs_while(tracing::Level::WARN, || {
            builder.build().unwrap();
        })
        .contains("plain http://")
    };
    assert!(warned(
        Client::builder("http://192.0.2.10:1280").api_key("k")
    ));
    assert!(warned(
        Client::builder("http://vspc.example.com").credentials("ops", "pw")
    ));
    assert!(
        !warned(Client::builder("http://192.0.2.10:1280")),
        "no credentials, nothing to read"
    );
    assert!(!warned(
        Client::builder("http://127.0.0.1:1280").api_key("k")
    ));
    assert!(!warned(
        Client::builder("https://192.0.2.10:1280").api_key("k")
    ));
}

#[test]
fn base_urls_are_accepted_and_written_as_the_api_root() {
    for (given, root) in [
        ("https://vspc:1280", "https://vspc:1280/api/v3"),
        ("https://vspc:1280/api/v3/", "https://vspc:1280/api/v3"),
        (" http://10.0.0.1/proxy/ ", "http://10.0.0.1/proxy/api/v3"),
    ] {
        let client = Client::builder(given).build().unwrap();
        assert_eq!(client.baseurl(), root, "{given}");
    }
    for bad in [
        "ftp://vspc",
        "vspc:1280",
        "https://vspc:1280/api/v3?x=1",
        "https://vspc:1280/#top",
        "not a url",
    ] {
        assert!(
            matches!(Client::builder(bad).build(), Err(Error::Config(_))),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn requests_carry_the_agent_and_version_they_were_built_with_under_the_proxy_prefix() {
    let recorder = Recorder::with_fallback(Arc::new(|r: &Recorded| {
        let mut unprefixed = r.clone();
        unprefixed.path = r.path.trim_start_matches("/proxy").to_owned();
        spec_example_answer(&unprefixed)
    }))
    .await;
    let recorder = &recorder;
    let sent = |client: Client| async move {
        client.license(Product::Console, None).await.unwrap();
        recorder.take().pop().unwrap()
    };
    let default = sent(
        Client::builder(recorder.url())
            .api_key("k")
            .build()
            .unwrap(),
    )
    .await;
    assert_eq!(
        default.header("user-agent"),
        Some(concat!("vspc-licensing/", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(default.header("x-client-version"), Some("3.6.1"));
    let chosen = sent(
        Client::builder(format!("{}/proxy", recorder.url()))
            .api_key("k")
            .user_agent("ops-tool/2")
            .api_version(ApiVersion::V3_5_1)
            .build()
            .unwrap(),
    )
    .await;
    assert_eq!(chosen.path, "/proxy/api/v3/licensing/console");
    assert_eq!(chosen.header("user-agent"), Some("ops-tool/2"));
    assert_eq!(chosen.header("x-client-version"), Some("3.5.1"));
    let free_text = sent(
        Client::builder(recorder.url())
            .api_key("k")
            .client_version("3.6")
            .build()
            .unwrap(),
    )
    .await;
    assert_eq!(free_text.header("x-client-version"), Some("3.6"));
    assert!(matches!(
        Client::builder(recorder.url())
            .client_version("3.6\n")
            .build(),
        Err(Error::Config(_))
    ));
}

/// A loopback server that accepts connections and never answers.
async fn silent_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((connection, _)) = listener.accept().await {
            held.push(connection);
        }
    });
    url
}

#[tokio::test]
async fn an_attempt_that_outlasts_the_timeout_is_abandoned() {
    let client = Client::builder(silent_server().await)
        .api_key("k")
        .timeout(Duration::from_millis(200))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let started = Instant::now();
    let error = tokio::time::timeout(
        Duration::from_secs(10),
        client.license(Product::Console, None),
    )
    .await
    .expect("the client gives up by itself")
    .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "{error}");
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(error.to_string().contains("timed out"), "{error}");
}
