//! Finding 4: an answer is read up to a limit (configurable, 64 MiB by default); one that is
//! larger, or never ends, is a typed error and is not retried. The same for the CSV report, the
//! sign-in, CA files and the legacy v2 error body.

use std::time::Duration;

use serde_json::json;
use vspc_licensing::{Client, Error, Product, RetryPolicy, DEFAULT_MAX_ANSWER_BYTES};

use super::EndlessServer;
use crate::support::recorder::{Canned, Recorder};

fn patient() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(20))
}

#[tokio::test]
async fn an_answer_that_never_ends_is_a_typed_error_and_not_retried() {
    let server =
        EndlessServer::start("HTTP/1.1 200 OK", "application/json", b"[[[[[[[[[[[[[[[[").await;
    let error = Client::builder(&server.url)
        .api_key("k")
        .max_answer_bytes(64 * 1024)
        .retry_policy(patient())
        // Only so that the old code, which read until the timeout, fails rather than hangs.
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
        .license(Product::Console, None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::AnswerTooLarge {
                limit: 65536,
                operation: "GetConsoleLicenseInformation",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("65536 bytes"), "{error}");
    assert_eq!(server.connections(), 1, "not retried");
}

#[tokio::test]
async fn a_sign_in_answer_that_never_ends_is_the_same_error() {
    let server = EndlessServer::start(
        "HTTP/1.1 200 OK",
        "application/json",
        b"{\"a\":\"aaaaaaaaaa",
    )
    .await;
    let error = Client::builder(&server.url)
        .credentials("ops", "pw")
        .max_answer_bytes(16 * 1024)
        .retry_policy(patient())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
        .license(Product::Console, None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::AnswerTooLarge { limit: 16384, .. }),
        "{error:?}"
    );
    assert_eq!(server.connections(), 1, "not retried");
}

#[tokio::test]
async fn the_limit_counts_the_body_and_is_configurable() {
    let recorder = Recorder::start().await;
    let company = "x".repeat(4000);
    let answer = || {
        Canned::json(
            200,
            json!({"data": {"licenseId": "c", "status": "Valid", "company": company}}),
        )
    };
    recorder.push([answer(), answer()]);
    let small = Client::builder(recorder.url())
        .api_key("k")
        .max_answer_bytes(2048)
        .build()
        .unwrap();
    let error = small.license(Product::Console, None).await.unwrap_err();
    assert!(
        matches!(error, Error::AnswerTooLarge { limit: 2048, .. }),
        "{error:?}"
    );
    assert_eq!(recorder.take().len(), 1, "not retried");
    let default = Client::builder(recorder.url())
        .api_key("k")
        .build()
        .unwrap();
    default.license(Product::Console, None).await.unwrap();
    assert_eq!(DEFAULT_MAX_ANSWER_BYTES, 64 * 1024 * 1024);
}

#[tokio::test]
async fn a_csv_report_larger_than_the_limit_is_refused() {
    let recorder = Recorder::start().await;
    let csv = "company,points\n".repeat(1000);
    recorder.push([Canned::raw(200, "application/csv", csv.as_bytes())]);
    let client = Client::builder(recorder.url())
        .api_key("k")
        .max_answer_bytes(4096)
        .build()
        .unwrap();
    let error = client.download_license_report_csv(7).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::AnswerTooLarge {
                operation: "DownloadLicensingReportCsv",
                ..
            }
        ),
        "{error:?}"
    );
    // The same report within the limit arrives whole.
    recorder.push([Canned::raw(200, "application/csv", csv.as_bytes())]);
    let client = Client::builder(recorder.url())
        .api_key("k")
        .build()
        .unwrap();
    let read = client.download_license_report_csv(7).await.unwrap();
    assert_eq!(read, csv.as_bytes());
}

#[test]
fn a_ca_file_larger_than_any_trust_store_is_refused_without_reading_it_all() {
    let file = tempfile::NamedTempFile::new().unwrap();
    // Sparse: 5 MiB that take no room on disk.
    file.as_file().set_len(5 * 1024 * 1024).unwrap();
    let error = Client::builder("https://localhost:1280")
        .add_ca_certificate_file(file.path())
        .build()
        .unwrap_err();
    assert!(
        matches!(&error, Error::Config(message) if message.contains("larger than 4 MiB")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_v2_error_body_that_never_ends_is_cut() {
    use vspc_licensing::legacy::{LegacyClient, LegacyError, MAX_ERROR_BODY_BYTES};
    let server = EndlessServer::start(
        "HTTP/1.1 500 Internal Server Error",
        "text/plain",
        b"no. no. no. no. ",
    )
    .await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(5));
    let client = LegacyClient::new(&server.url, "token", http).unwrap();
    let id = "514c45eb-9543-4799-8003-1e59385b774c".parse().unwrap();
    let error = client
        .set_cloud_connect_auto_update(id, true)
        .await
        .unwrap_err();
    let LegacyError::Status { status, body } = &error else {
        panic!("expected the status error: {error:?}");
    };
    assert_eq!(status.as_u16(), 500);
    assert!(body.starts_with("no. no. "), "{body:.100}");
    assert!(
        body.ends_with("(cut after 64 KiB; the rest was not read)"),
        "{:?}",
        &body[body.len() - 80..]
    );
    assert!(body.len() < MAX_ERROR_BODY_BYTES + 100, "{}", body.len());
}
