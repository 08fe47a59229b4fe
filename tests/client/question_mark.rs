//! A generated operation called directly, its error turned into the crate's `Error` by `?`:
//! the operation, the status, VSPC's `errors` list, the raw body and the transport error all
//! survive the conversion, against a loopback console.

use crate::support::recorder::{Canned, Recorder};

use serde_json::json;
use vspc_licensing::types::SingleLicenseReportSettingsResponse;
use vspc_licensing::{Client, Error, ResponseValue, Result, RetryPolicy};

fn client(url: &str) -> Client {
    Client::builder(url)
        .api_key("k")
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

/// The way the crate's docs show it: `?` in a function returning the crate's `Result`, with
/// the generated answer type nameable from the crate root.
async fn report_settings(
    client: &Client,
) -> Result<ResponseValue<SingleLicenseReportSettingsResponse>> {
    let settings = client.get_licensing_reports_settings().send().await?;
    Ok(settings)
}

#[tokio::test]
async fn an_error_answer_keeps_its_operation_status_and_errors() {
    let console = Recorder::start().await;
    console.push([Canned::json(
        403,
        json!({"errors": [
            {"message": "read-only key", "type": "security", "code": 403},
            {"message": "ask an administrator", "type": "security", "code": 1403}
        ]}),
    )]);
    let error = report_settings(&client(&console.url())).await.unwrap_err();
    match &error {
        Error::Api {
            operation,
            status,
            errors,
            ..
        } => {
            assert_eq!(*operation, "GetLicensingReportsSettings");
            assert_eq!(status.as_u16(), 403);
            let listed: Vec<(&str, i32)> = errors
                .iter()
                .map(|e| (e.message.as_str(), e.code))
                .collect();
            assert_eq!(
                listed,
                [("read-only key", 403), ("ask an administrator", 1403)]
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(error.operation(), Some("GetLicensingReportsSettings"));
    assert!(error.is_auth(), "{error}");
    let text = error.to_string();
    assert!(
        text.starts_with("GetLicensingReportsSettings failed: 403 Forbidden: read-only key"),
        "{text}"
    );
    // A server cannot name another operation: the client sets the mark, it does not add one.
    console.push([Canned::json(
        404,
        json!({"errors": [{"message": "gone", "type": "logical", "code": 404}]}),
    )
    .header("x-vspc-licensing-operation", "DeleteBackupServerLicense")]);
    let error = report_settings(&client(&console.url())).await.unwrap_err();
    assert_eq!(error.operation(), Some("GetLicensingReportsSettings"));
    assert!(error.is_not_found(), "{error}");
}

#[tokio::test]
async fn an_undeclared_answer_keeps_its_status_and_body() {
    let console = Recorder::start().await;
    console.push([Canned::raw(201, "text/plain", b"made something")]);
    let error = report_settings(&client(&console.url())).await.unwrap_err();
    match &error {
        Error::UnexpectedStatus {
            operation,
            status,
            body,
            ..
        } => {
            assert_eq!(*operation, "GetLicensingReportsSettings");
            assert_eq!(status.as_u16(), 201);
            assert_eq!(body.as_ref(), b"made something");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn no_answer_keeps_the_operation_and_the_url_as_sent() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = report_settings(&client(&format!("http://127.0.0.1:{port}")))
        .await
        .unwrap_err();
    match &error {
        Error::Transport {
            operation, source, ..
        } => {
            assert_eq!(*operation, "GetLicensingReportsSettings");
            assert!(source.is_connect(), "{source:?}");
            let url = source.url().expect("reqwest keeps the URL");
            assert_eq!(url.path(), "/api/v3/licensing/reports/settings");
            assert_eq!(url.fragment(), None, "the mark is taken off: {url}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_request_refused_before_sending_names_its_operation() {
    let console = Recorder::start().await;
    let refused: Result<()> = async {
        // `siteUid` is a required path parameter and was not given.
        client(&console.url()).get_site_license().send().await?;
        Ok(())
    }
    .await;
    match refused.unwrap_err() {
        Error::InvalidInput {
            operation, message, ..
        } => {
            assert_eq!(operation, "GetSiteLicense");
            assert!(message.contains("site_uid"), "{message}");
            assert!(!message.contains("GetSiteLicense"), "said once: {message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(console.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_body_that_does_not_decode_is_kept_and_says_it_cannot_name_the_operation() {
    let console = Recorder::start().await;
    console.push([Canned::raw(200, "application/json", b"{\"data\": 7}")]);
    let error = report_settings(&client(&console.url())).await.unwrap_err();
    match &error {
        Error::Decode {
            operation, body, ..
        } => {
            assert_eq!(*operation, "a generated operation");
            assert_eq!(body.as_ref(), b"{\"data\": 7}");
        }
        other => panic!("{other:?}"),
    }
}
