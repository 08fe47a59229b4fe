//! Secrets stay secret: a full run at the most verbose log level, with a password sign-in, a
//! refused sign-in, an API key, retries and errors, leaves no password, API key or token in the
//! logs, in `Debug` or `Display` output, or in error messages.

use crate::support::logs::CapturedLog;
use crate::support::recorder;

use std::sync::Arc;

use futures::TryStreamExt;
use recorder::{spec_example_answer, Canned, Recorded, Recorder};
use serde_json::json;
use uuid::Uuid;
use vspc_licensing::ListQuery;
use vspc_licensing::{Client, Product, RetryPolicy};

const PASSWORD: &str = "pw-7f3a-SECRET";
const API_KEY: &str = "key-91c2-SECRET";
const ACCESS_TOKEN: &str = "access-55d0-SECRET";
const REFRESH_TOKEN: &str = "refresh-8e1b-SECRET";

fn server(r: &Recorded) -> Canned {
    if r.path == "/api/v3/token" {
        let body = String::from_utf8_lossy(&r.body);
        if body.contains(PASSWORD) {
            return Canned::json(
                200,
                json!({"access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN, "token_type": "bearer", "expires_in": 3600}),
            );
        }
        return Canned::json(
            400,
            json!({"error": "invalid_grant", "error_description": "The user name or password is incorrect."}),
        );
    }
    let authorized = matches!(r.header("authorization"), Some(h) if h == format!("Bearer {ACCESS_TOKEN}") || h == format!("Bearer {API_KEY}"));
    if !authorized {
        return Canned::json(
            401,
            json!({"errors": [{"message": "Unauthorized", "type": "security", "code": 401}]}),
        );
    }
    spec_example_answer(r)
}

#[tokio::test]
async fn no_secret_reaches_logs_debug_output_or_errors() {
    let captured = CapturedLog::start(tracing::Level::TRACE);

    let recorder = Recorder::with_fallback(Arc::new(server)).await;
    let mut printed = Vec::new();

    let with_password = Client::builder(recorder.url())
        .credentials("ops", PASSWORD)
        .build()
        .unwrap();
    let listed: Vec<_> = with_password
        .backup_server_licenses(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    with_password
        .enable_auto_update(Product::BackupServer, Uuid::nil())
        .await
        .unwrap();
    printed.push(format!("{with_password:?}"));

    let with_key = Client::builder(recorder.url())
        .api_key(API_KEY)
        .retry_policy(RetryPolicy::default().initial_backoff(std::time::Duration::from_millis(5)))
        .build()
        .unwrap();
    recorder.push([Canned::raw(503, "text/plain", b"busy")]);
    with_key.license(Product::Console, None).await.unwrap();
    recorder.push([Canned::json(
        404,
        json!({"errors": [{"message": "not found", "type": "logical", "code": 404}]}),
    )]);
    let not_found = with_key
        .license(Product::Site, Some(Uuid::nil()))
        .await
        .unwrap_err();
    printed.push(format!("{with_key:?} {not_found} {not_found:?}"));

    let refused = Client::builder(recorder.url())
        .credentials("ops", "wrong-SECRET-password")
        .build()
        .unwrap();
    let error = refused.license(Product::Console, None).await.unwrap_err();
    printed.push(format!("{refused:?} {error} {error:?}"));

    let logs = captured.text();
    assert!(logs.contains("answer"), "the run was logged at all: {logs}");
    for secret in [
        PASSWORD,
        API_KEY,
        ACCESS_TOKEN,
        REFRESH_TOKEN,
        "wrong-SECRET-password",
    ] {
        assert!(!logs.contains(secret), "{secret} is in the logs");
        for text in &printed {
            assert!(!text.contains(secret), "{secret} is in {text}");
        }
    }
    // The secrets did travel where they must: to the server.
    let requests = recorder.requests();
    assert!(requests
        .iter()
        .any(|r| r.header("authorization") == Some(&*format!("Bearer {ACCESS_TOKEN}"))));
    assert!(requests
        .iter()
        .any(|r| r.header("authorization") == Some(&*format!("Bearer {API_KEY}"))));
}
