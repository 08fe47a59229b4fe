//! The client's API version over loopback HTTP: what it declares in `X-Client-Version`, and how
//! a detecting client picks the version from the console's `GET /about`.

use crate::behaviour::{bounded, paths, report_settings};
use crate::support::recorder;

use std::sync::Arc;

use futures::TryStreamExt;
use recorder::{spec_example_answer, Canned, Recorded, Recorder};
use serde_json::json;
use vspc_licensing::ListQuery;
use vspc_licensing::{ApiVersion, Client, Error};

/// A console of build `server_version`: `/about` reports it, everything else answers the
/// spec's example.
async fn console(server_version: &'static str) -> Recorder {
    Recorder::with_fallback(Arc::new(move |request: &Recorded| {
        if request.path.ends_with("/about") {
            Canned::json(200, json!({ "data": { "serverVersion": server_version } }))
        } else {
            spec_example_answer(request)
        }
    }))
    .await
}

fn versions_sent(recorder: &Recorder) -> Vec<(String, String)> {
    recorder
        .requests()
        .iter()
        .map(|r| {
            (
                r.path.trim_start_matches("/api/v3").to_owned(),
                r.header("x-client-version").unwrap_or("-").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_chosen_version_is_declared_on_every_request_the_token_request_included() {
    for version in ApiVersion::ALL {
        let recorder = Recorder::start().await;
        let client = Client::builder(recorder.url())
            .credentials("ops", "secret")
            .api_version(version)
            .build()
            .unwrap();
        assert_eq!(client.declared_api_version(), Some(version));
        client.console_license_settings().await.unwrap();
        let _: Vec<_> = client
            .backup_server_licenses(ListQuery::new().page_size(10))
            .try_collect()
            .await
            .unwrap();
        let sent = versions_sent(&recorder);
        assert_eq!(sent[0].0, "/token");
        assert!(sent.len() >= 3, "{sent:?}");
        for (path, declared) in &sent {
            assert_eq!(declared, version.as_str(), "{path}");
        }
    }
}

#[tokio::test]
async fn by_default_the_client_declares_the_version_the_spec_is_curated_for() {
    let recorder = Recorder::start().await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .build()
        .unwrap();
    assert_eq!(client.declared_api_version(), Some(ApiVersion::V3_6_1));
    client.console_license_settings().await.unwrap();
    assert_eq!(
        versions_sent(&recorder),
        [("/licensing/console/settings".into(), "3.6.1".into())]
    );
}

#[tokio::test]
async fn detection_reads_about_once_after_sign_in_and_declares_what_the_console_speaks() {
    for (build, expected) in [
        ("8.1.0.21000", ApiVersion::V3_5_1),
        ("9.0.0.29000", ApiVersion::V3_6),
        ("9.1.0.30500", ApiVersion::V3_6_1),
        ("9.2.0.31500", ApiVersion::V3_6_2),
        ("9.3.0.1000", ApiVersion::V3_7),
        // A release the crate does not know yet: the newest version it knows.
        ("10.2.0.4", ApiVersion::V3_7),
    ] {
        let recorder = console(build).await;
        let client = Client::builder(recorder.url())
            .credentials("ops", "secret")
            .detect_api_version()
            .build()
            .unwrap();
        assert_eq!(client.declared_api_version(), None, "not asked yet");
        // Concurrent first calls share one detection.
        let (a, b) = tokio::join!(
            client.console_license_settings(),
            client.console_license_settings()
        );
        a.unwrap();
        b.unwrap();
        client.console_license_settings().await.unwrap();
        assert_eq!(client.declared_api_version(), Some(expected), "{build}");
        assert_eq!(client.resolve_api_version().await.unwrap(), expected);
        let sent = versions_sent(&recorder);
        let oldest = ApiVersion::OLDEST.as_str().to_owned();
        assert_eq!(
            &sent[..2],
            [("/token".into(), oldest.clone()), ("/about".into(), oldest)],
            "{build}: sign in, then ask, declaring the oldest version"
        );
        let rest = &sent[2..];
        assert_eq!(rest.len(), 3, "{build}: /about read once: {sent:?}");
        assert!(
            rest.iter()
                .all(|(path, v)| path == "/licensing/console/settings" && v == expected.as_str()),
            "{build}: {sent:?}"
        );
    }
}

#[tokio::test]
async fn a_console_older_than_8_1_is_refused_with_a_typed_error_and_nothing_else_is_sent() {
    for build in ["8.0.0.16000", "7.0.0.1", "not a version"] {
        let recorder = console(build).await;
        let client = Client::builder(recorder.url())
            .api_key("k")
            .detect_api_version()
            .build()
            .unwrap();
        let err = client.console_license_settings().await.unwrap_err();
        match &err {
            Error::UnsupportedConsole(unsupported) => {
                assert_eq!(unsupported.server_version, build);
            }
            other => panic!("{build}: {other:?}"),
        }
        assert!(
            err.to_string().contains("unsupported console"),
            "{build}: {err}"
        );
        let err = client.resolve_api_version().await.unwrap_err();
        assert!(matches!(err, Error::UnsupportedConsole(_)), "{err:?}");
        let paths: Vec<String> = versions_sent(&recorder)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert!(paths.iter().all(|p| p == "/about"), "{build}: {paths:?}");
    }
}

#[tokio::test]
async fn a_console_that_refuses_about_fails_detection_with_a_clear_error() {
    let recorder = Recorder::with_fallback(Arc::new(|request: &Recorded| {
        if request.path.ends_with("/about") {
            Canned::json(
                403,
                json!({ "errors": [{ "message": "Not allowed.", "type": "security", "code": 403 }] }),
            )
        } else {
            spec_example_answer(request)
        }
    }))
    .await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .detect_api_version()
        .build()
        .unwrap();
    let err = client.console_license_settings().await.unwrap_err();
    assert!(matches!(err, Error::VersionDetection { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("403") && text.contains("api-version"),
        "{text}"
    );
    // Detection is tried again on the next call (a console that got fixed is then served).
    client.console_license_settings().await.unwrap_err();
    let abouts = versions_sent(&recorder)
        .iter()
        .filter(|(p, _)| p == "/about")
        .count();
    assert_eq!(abouts, 2);
}

#[tokio::test]
async fn a_detecting_client_whose_sign_in_is_refused_reports_the_sign_in() {
    let recorder = Recorder::with_fallback(Arc::new(|request: &Recorded| {
        if request.path.ends_with("/token") {
            Canned::json(
                400,
                json!({ "error": "invalid_grant", "error_description": "wrong password" }),
            )
        } else {
            spec_example_answer(request)
        }
    }))
    .await;
    let client = Client::builder(recorder.url())
        .credentials("ops", "wrong")
        .detect_api_version()
        .build()
        .unwrap();
    let err = client.console_license_settings().await.unwrap_err();
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
}

#[tokio::test]
async fn cloud_connect_reads_as_booleans_or_true_false_text_as_tools_may_send_it() {
    use vspc_licensing::enums::CloudConnectInclusion;
    use vspc_licensing::{License, Product};
    for (sent, read) in [
        (json!(true), CloudConnectInclusion::Yes),
        (json!(false), CloudConnectInclusion::No),
        (json!("True"), CloudConnectInclusion::Yes),
        (json!("false"), CloudConnectInclusion::No),
        (json!("Yes"), CloudConnectInclusion::Yes),
        (json!("Enterprise"), CloudConnectInclusion::Enterprise),
    ] {
        let answer = sent.clone();
        let recorder = Recorder::with_fallback(Arc::new(move |request: &Recorded| {
            let mut canned = spec_example_answer(request);
            let mut body: serde_json::Value = serde_json::from_slice(&canned.body).unwrap();
            body["data"]["cloudConnect"] = answer.clone();
            canned.body = body.to_string().into_bytes();
            canned
        }))
        .await;
        let client = Client::builder(recorder.url())
            .api_key("k")
            .build()
            .unwrap();
        let License::Console(console) = client.license(Product::Console, None).await.unwrap()
        else {
            panic!("a console license")
        };
        assert_eq!(console.cloud_connect, Some(read.clone()), "{sent}");
        // Written back in the spec's spelling.
        assert_eq!(
            serde_json::to_value(&console).unwrap()["cloudConnect"],
            read.as_str(),
            "{sent}"
        );
    }
}

#[tokio::test]
async fn a_client_declaring_a_version_of_its_own_sends_it_without_detecting() {
    let recorder = Recorder::start().await;
    recorder.push([report_settings()]);
    let client = Client::builder(recorder.url())
        .api_key("k")
        .client_version("3.9")
        .build()
        .unwrap();
    bounded(client.license_report_settings()).await.unwrap();
    let sent = recorder.requests();
    assert_eq!(paths(&recorder), ["/licensing/reports/settings"]);
    assert_eq!(sent[0].header("x-client-version"), Some("3.9"));
}

#[tokio::test]
async fn a_detecting_client_asked_for_about_first_reads_it_once() {
    let recorder = Recorder::start().await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .detect_api_version()
        .build()
        .unwrap();
    let about = bounded(client.get_about_information().send()).await;
    assert!(about.is_ok(), "{about:?}");
    assert_eq!(
        paths(&recorder),
        ["/about"],
        "the About call is itself the question; it does not detect first"
    );
}
