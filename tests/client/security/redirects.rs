//! Finding 1: a redirect to another origin is not followed (a `307`/`308` re-sends the body,
//! which holds the password, the refresh token or a license file); a redirect within the
//! server is; the error names where the server pointed.

use crate::support::recorder::{Canned, Recorder};

use vspc_licensing::{Client, Error, LicenseFile, Product, RetryPolicy};

fn redirect(status: u16, location: &str) -> Canned {
    Canned::raw(status, "text/plain", b"").header("location", location)
}

fn assert_redirected(error: &Error, location: &str) {
    assert!(
        matches!(error, Error::Redirected { location: named, .. } if named == location),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains(location),
        "the message names the redirect: {message}"
    );
}

#[tokio::test]
async fn a_sign_in_redirected_to_another_host_sends_the_password_nowhere() {
    for status in [307, 308] {
        let elsewhere = Recorder::start().await;
        let console = Recorder::start().await;
        let location = format!("{}/api/v3/token", elsewhere.url());
        console.push([redirect(status, &location)]);
        let error = Client::builder(console.url())
            .credentials("ops", "hunter2")
            .build()
            .unwrap()
            .license(Product::Console, None)
            .await
            .unwrap_err();
        assert!(
            elsewhere.requests().is_empty(),
            "{status}: the other host got {:?}",
            elsewhere.requests()
        );
        assert_redirected(&error, &location);
        assert_eq!(console.requests().len(), 1, "{status}: not retried");
    }
}

#[tokio::test]
async fn a_license_upload_redirected_to_another_host_sends_the_file_nowhere() {
    let elsewhere = Recorder::start().await;
    let console = Recorder::start().await;
    let location = format!("{}/api/v3/licensing/console", elsewhere.url());
    console.push([redirect(308, &location)]);
    let client = Client::builder(console.url()).api_key("k").build().unwrap();
    let file = LicenseFile::from_bytes("console.lic", &b"license body"[..]);
    let error = client.install_console_license(&file).await.unwrap_err();
    assert!(
        elsewhere.requests().is_empty(),
        "{:?}",
        elsewhere.requests()
    );
    assert_redirected(&error, &location);
}

/// Another port of the same host is another origin too: a different server may listen there.
#[tokio::test]
async fn another_port_or_scheme_is_another_origin() {
    let elsewhere = Recorder::start().await;
    let console = Recorder::start().await;
    let https = console.url().replace("http://", "https://");
    for location in [
        format!("{}/api/v3/licensing/console", elsewhere.url()),
        https,
    ] {
        console.push([redirect(302, &location)]);
        let error = Client::builder(console.url())
            .api_key("k")
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap()
            .license(Product::Console, None)
            .await
            .unwrap_err();
        assert_redirected(&error, &location);
    }
    assert!(
        elsewhere.requests().is_empty(),
        "{:?}",
        elsewhere.requests()
    );
}

#[tokio::test]
async fn a_redirect_within_the_server_is_followed_a_few_times_at_most() {
    let console = Recorder::start().await;
    let path = "/api/v3/licensing/console";
    console.push([redirect(307, &format!("{}{path}", console.url()))]);
    let client = Client::builder(console.url()).api_key("k").build().unwrap();
    client.license(Product::Console, None).await.unwrap();
    let seen: Vec<String> = console.take().into_iter().map(|r| r.path).collect();
    assert_eq!(seen, [path, path], "followed to the same server");

    // A loop within the server ends after five redirects.
    let loop_to = format!("{}{path}", console.url());
    console.push((0..10).map(|_| redirect(307, &loop_to)));
    let error = client.license(Product::Console, None).await.unwrap_err();
    assert_redirected(&error, &loop_to);
    assert_eq!(console.take().len(), 6, "the request and five redirects");
}
