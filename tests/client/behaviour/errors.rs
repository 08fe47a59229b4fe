//! What a caller learns from an [`Error`]: its status, kind predicates, operation, VSPC's
//! listed errors and the text a person reads, for each way a loopback console can fail a call
//! (a listed error, a body that is not the envelope, an answer that does not decode, no answer
//! at all) and for errors raised before a call.

use super::{bounded, quick_retries};
use crate::support::recorder;

use std::sync::Arc;
use std::time::Duration;

use recorder::{Canned, Recorded, Recorder};
use serde_json::json;
use uuid::Uuid;
use vspc_licensing::enums::ResponseErrorType;
use vspc_licensing::{Client, Error, Product, RetryPolicy};

#[tokio::test]
async fn a_logical_520_is_a_typed_error_and_is_not_retried() {
    let recorder = Recorder::with_fallback(Arc::new(|_: &Recorded| {
        Canned::json(
            520,
            json!({"errors": [{"message": "License file is not valid.", "type": "logical", "code": 1402}]}),
        )
    }))
    .await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let err = client
        .renew_license(Product::BackupServer, Some(Uuid::nil()))
        .await
        .unwrap_err();
    match &err {
        Error::Api {
            operation,
            status,
            errors,
            ..
        } => {
            assert_eq!(*operation, "UpdateBackupServerLicense");
            assert_eq!(status.as_u16(), 520);
            assert_eq!(errors[0].type_, ResponseErrorType::Logical);
            assert_eq!(errors[0].code, 1402);
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_server_error());
    assert_eq!(recorder.requests().len(), 1);
}

#[tokio::test]
async fn non_json_error_bodies_and_malformed_success_bodies_are_typed_errors() {
    let recorder = Recorder::start().await;
    recorder.push([Canned::raw(404, "text/html", b"<html>Not Found</html>")]);
    let client = Client::builder(recorder.url())
        .api_key("k")
        .build()
        .unwrap();
    let err = client
        .license(Product::Site, Some(Uuid::nil()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedStatus { status, .. } if status.as_u16() == 404),
        "{err:?}"
    );
    assert!(err.to_string().contains("Not Found"), "{err}");

    for body in [
        &b"{\"data\": {\"autoUpdateEnabled\": tru"[..],
        b"{\"data\": {\"autoUpdateEnabled\": \"yes\"}}",
        b"[]",
        b"",
    ] {
        recorder.push([Canned::raw(200, "application/json", body)]);
        let err = client
            .license(Product::Site, Some(Uuid::nil()))
            .await
            .unwrap_err();
        match &err {
            Error::Decode {
                operation,
                body: kept,
                ..
            } => {
                assert_eq!(*operation, "GetSiteLicense");
                assert_eq!(kept.as_ref(), body, "the raw body is kept");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a_proxy_error_page_on_a_generated_call_is_kept_as_its_text() {
    let recorder = Recorder::start().await;
    recorder.push([Canned::raw(404, "text/html", b"<html>No such route</html>")]);
    let client = Client::builder(recorder.url())
        .api_key("k")
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = bounded(client.license_report_settings()).await.unwrap_err();
    match &err {
        Error::UnexpectedStatus { status, body, .. } => {
            assert_eq!(status.as_u16(), 404);
            assert_eq!(body.as_ref(), b"<html>No such route</html>");
        }
        other => panic!("the page is kept, not a decode failure: {other:?}"),
    }
    assert!(err.is_not_found(), "{err:?}");
}

const OPERATION: &str = "GetConsoleLicenseInformation";

/// The error a call gets when the console answers `canned`, not retried.
async fn error_for(canned: Canned) -> Error {
    let recorder = Recorder::start().await;
    recorder.push([canned]);
    Client::builder(recorder.url())
        .api_key("k")
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
        .license(Product::Console, None)
        .await
        .unwrap_err()
}

fn envelope(status: u16, message: &str, kind: &str, code: i32) -> Canned {
    Canned::json(
        status,
        json!({"errors": [{"message": message, "type": kind, "code": code}]}),
    )
}

// A status that is neither success nor error (a 3xx the client does not follow) carries no
// verdict of VSPC's, whatever its body looks like: it is unexpected, with its body kept.
#[tokio::test]
async fn an_answer_neither_success_nor_error_is_unexpected_even_with_an_error_body() {
    let error = error_for(envelope(300, "choose one", "logical", 1300)).await;
    assert!(matches!(error, Error::UnexpectedStatus { .. }), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(300));
}

#[tokio::test]
async fn a_listed_error_keeps_its_status_operation_and_details() {
    let error = error_for(envelope(404, "no such license", "logical", 1404)).await;
    assert!(matches!(error, Error::Api { .. }), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(error.operation(), Some(OPERATION));
    assert!(error.is_not_found());
    assert!(!error.is_auth());
    assert!(!error.is_server_error());
    assert_eq!(error.api_errors().len(), 1);
    assert_eq!(error.api_errors()[0].message, "no such license");
    assert_eq!(
        error.api_errors()[0].to_string(),
        "no such license (logical, code 1404)"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "{OPERATION} failed: 404 Not Found: no such license (logical, code 1404); check the UID (list the licenses to see valid ones)"
        )
    );
}

#[tokio::test]
async fn refusals_of_the_credential_are_auth_errors_with_their_hint() {
    for (status, hint) in [
        (401, "check the API key or user name and password"),
        (403, "the credential is read-only or lacks the role"),
    ] {
        let error = error_for(envelope(status, "refused", "security", 1000)).await;
        assert!(error.is_auth(), "{status}: {error:?}");
        assert!(!error.is_not_found(), "{status}");
        assert!(!error.is_server_error(), "{status}");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert!(error.to_string().contains(hint), "{status}: {error}");
    }
}

#[tokio::test]
async fn server_side_failures_are_server_errors() {
    let error = error_for(envelope(500, "broken", "transport", 1)).await;
    assert!(error.is_server_error(), "{error:?}");
    assert!(!error.is_auth());
    assert!(
        error
            .to_string()
            .contains("500 Internal Server Error: broken (transport, code 1)"),
        "{error}"
    );
    let error = error_for(envelope(520, "try later", "retryableLogical", 7)).await;
    assert!(error.is_server_error(), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(520));
    let text = error.to_string();
    assert!(text.contains("520 (VSPC server error)"), "{text}");
    assert!(text.contains("may succeed if retried later"), "{text}");
    let error = error_for(envelope(520, "never", "logical", 7)).await;
    assert!(
        !error.to_string().contains("retried later"),
        "only a retryable error says so: {error}"
    );
}

#[tokio::test]
async fn a_throttling_answer_without_a_message_says_what_it_is() {
    let error = error_for(Canned::json(
        429,
        json!({"errors": [{"type": "transport", "code": 429, "retryAfter": 2}]}),
    ))
    .await;
    let text = error.to_string();
    assert!(
        text.contains("too many requests (transport, code 429, retry after 2 s)"),
        "{text}"
    );
    assert!(text.contains("VSPC throttles this user"), "{text}");
    assert!(!error.is_server_error());
    // Either sign is enough: code 429 without a wait, or a wait under another code.
    let error = error_for(Canned::json(
        429,
        json!({"errors": [{"type": "transport", "code": 429}]}),
    ))
    .await;
    assert!(
        error
            .to_string()
            .contains("too many requests (transport, code 429)"),
        "{error}"
    );
    let error = error_for(Canned::json(
        503,
        json!({"errors": [{"type": "transport", "code": 1, "retryAfter": 3}]}),
    ))
    .await;
    assert!(
        error
            .to_string()
            .contains("too many requests (transport, code 1, retry after 3 s)"),
        "{error}"
    );
    let error = error_for(Canned::json(
        400,
        json!({"errors": [{"type": "logical", "code": 5}]}),
    ))
    .await;
    assert!(
        error.to_string().contains("no message (logical, code 5)"),
        "{error}"
    );
    let error = error_for(Canned::json(400, json!({"errors": []}))).await;
    assert!(error.to_string().contains("no error details"), "{error}");
    assert!(error.api_errors().is_empty());
}

#[tokio::test]
async fn an_error_without_the_envelope_shows_the_body() {
    let error = error_for(Canned::raw(400, "text/plain", b"  the proxy says no  ")).await;
    assert!(matches!(error, Error::UnexpectedStatus { .. }), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    assert!(error.api_errors().is_empty());
    assert_eq!(
        error.to_string(),
        format!("{OPERATION} failed: unexpected 400 Bad Request: the proxy says no")
    );
    let long = "x".repeat(201);
    let error = error_for(Canned::raw(502, "text/html", long.as_bytes())).await;
    let text = error.to_string();
    assert!(
        text.ends_with(&format!("{}…", "x".repeat(200))),
        "cut at 200 characters: {text}"
    );
    let exactly = "y".repeat(200);
    let error = error_for(Canned::raw(502, "text/html", exactly.as_bytes())).await;
    assert!(error.to_string().ends_with(&exactly), "{error}");
    let error = error_for(Canned::raw(418, "text/plain", b"")).await;
    assert!(error.to_string().contains("(empty body)"), "{error}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(418));
}

#[tokio::test]
async fn an_answer_that_does_not_decode_names_the_operation_but_no_status() {
    let error = error_for(Canned::json(200, json!({"data": "not a license"}))).await;
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    assert_eq!(error.operation(), Some(OPERATION));
    assert_eq!(error.status(), None);
    assert!(!error.is_server_error() && !error.is_auth() && !error.is_not_found());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_failures_say_what_happened_and_what_to_check() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let error = Client::builder(format!("http://{closed}"))
        .api_key("k")
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
        .license(Product::Console, None)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(error.operation(), Some(OPERATION));
    let text = error.to_string();
    assert!(text.contains("could not connect to VSPC"), "{text}");
    assert!(text.contains("check the URL and port"), "{text}");

    // A server that accepts the connection and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((connection, _)) = silent.accept().await {
            held.push(connection);
        }
    });
    let error = Client::builder(silent_url)
        .api_key("k")
        .timeout(Duration::from_millis(100))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
        .license(Product::Console, None)
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("the request timed out"), "{text}");
    assert!(text.contains("raise the timeout"), "{text}");
}

#[test]
fn errors_raised_before_a_call_have_no_operation_or_status() {
    let error = Client::builder("ftp://vspc").build().unwrap_err();
    assert_eq!(error.operation(), None);
    assert_eq!(error.status(), None);
    assert!(error.api_errors().is_empty());
}
