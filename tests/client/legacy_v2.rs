//! The legacy VAC v2 auto-update call over real HTTP, against a small axum server on loopback
//! that records each request and answers what the test tells it to.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use uuid::Uuid;
use vspc_licensing::legacy::{LegacyClient, LegacyError};

const ID: &str = "514c45eb-9543-4799-8003-1e59385b774c";
const TOKEN: &str = "v2-access-token";

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Clone)]
struct Console {
    seen: Arc<Mutex<Vec<Seen>>>,
    answer: (StatusCode, &'static str, &'static str),
}

async fn record(
    State(console): State<Console>,
    Path(id): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    console.seen.lock().unwrap().push(Seen {
        method,
        path: format!("/v2/licensing/cloudconnectLicenses/{id}"),
        headers,
        body,
    });
    let (status, content_type, body) = console.answer;
    (status, [("content-type", content_type)], body).into_response()
}

/// Starts a console on 127.0.0.1 that gives `answer` (status, content type, body) to every
/// request on the v2 route.
async fn console(
    answer: (StatusCode, &'static str, &'static str),
) -> (SocketAddr, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new()
        .route("/v2/licensing/cloudconnectLicenses/{id}", any(record))
        .with_state(Console {
            seen: seen.clone(),
            answer,
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, seen)
}

fn client(addr: SocketAddr) -> LegacyClient {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10));
    LegacyClient::new(&format!("http://{addr}/"), TOKEN, http).expect("a valid client")
}

const ENABLED: &str = "\"License key auto-update feature has been enabled.\"";

#[tokio::test]
async fn enabling_sends_the_documented_request_and_returns_the_message() {
    let (addr, seen) = console((StatusCode::OK, "application/json; charset=utf-8", ENABLED)).await;
    let id: Uuid = ID.parse().unwrap();
    let message = client(addr)
        .set_cloud_connect_auto_update(id, true)
        .await
        .expect("200 is a success");
    assert_eq!(message, "License key auto-update feature has been enabled.");

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "exactly one request");
    let request = &seen[0];
    assert_eq!(request.method, Method::PATCH);
    assert_eq!(
        request.path,
        format!("/v2/licensing/cloudconnectLicenses/{ID}")
    );
    assert_eq!(request.headers["authorization"], format!("Bearer {TOKEN}"));
    assert_eq!(request.headers["content-type"], "application/json");
    assert_eq!(request.headers["accept"], "application/json");
    // A real JSON boolean under the exact property name, nothing else.
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body, serde_json::json!({ "autoUpdateEnabled": true }));
    assert!(body["autoUpdateEnabled"].is_boolean());
}

#[tokio::test]
async fn disabling_sends_false() {
    let (addr, seen) = console((
        StatusCode::OK,
        "application/json",
        "\"License key auto-update feature has been disabled.\"",
    ))
    .await;
    let message = client(addr)
        .set_cloud_connect_auto_update(ID.parse().unwrap(), false)
        .await
        .unwrap();
    assert_eq!(
        message,
        "License key auto-update feature has been disabled."
    );
    let body = seen.lock().unwrap()[0].body.clone();
    assert_eq!(&body[..], br#"{"autoUpdateEnabled":false}"#);
}

#[tokio::test]
async fn error_statuses_come_back_typed_with_their_body() {
    for (status, content_type, body) in [
        // Declared in the spec, body in no particular format.
        (
            StatusCode::UNAUTHORIZED,
            "text/plain",
            "Authorization has been denied for this request.",
        ),
        (
            StatusCode::NOT_FOUND,
            "application/json",
            r#"{"message":"License not found."}"#,
        ),
        (StatusCode::INTERNAL_SERVER_ERROR, "text/plain", ""),
        // Not declared: still the same typed error.
        (StatusCode::CONFLICT, "text/plain", "busy"),
    ] {
        let (addr, seen) = console((status, content_type, body)).await;
        let error = client(addr)
            .set_cloud_connect_auto_update(ID.parse().unwrap(), true)
            .await
            .expect_err("an error status is an error");
        match &error {
            LegacyError::Status {
                status: got,
                body: got_body,
            } => {
                assert_eq!(*got, status);
                assert_eq!(got_body, body);
            }
            other => panic!("{status}: expected a status error, got {other:?}"),
        }
        assert!(error.to_string().contains(status.as_str()), "{error}");
        assert_eq!(seen.lock().unwrap().len(), 1, "no retry");
    }
}

#[tokio::test]
async fn a_200_that_is_not_a_json_string_is_an_invalid_response() {
    let (addr, _) = console((StatusCode::OK, "application/json", r#"{"done":true}"#)).await;
    let error = client(addr)
        .set_cloud_connect_auto_update(ID.parse().unwrap(), true)
        .await
        .unwrap_err();
    match error {
        LegacyError::InvalidResponse { body, .. } => assert_eq!(body, r#"{"done":true}"#),
        other => panic!("expected an invalid response, got {other:?}"),
    }
}

#[tokio::test]
async fn nothing_listening_is_a_transport_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let error = client(addr)
        .set_cloud_connect_auto_update(ID.parse().unwrap(), true)
        .await
        .unwrap_err();
    assert!(matches!(error, LegacyError::Transport(_)), "{error:?}");
}

#[test]
fn bad_setup_is_refused_before_any_request() {
    let http = reqwest::Client::builder;
    for url in [
        "vac.example.com:1281",
        "ftp://vac.example.com",
        "https://vac.example.com:1281/?x=1",
        "",
    ] {
        let error = LegacyClient::new(url, TOKEN, http()).unwrap_err();
        assert!(
            matches!(error, LegacyError::InvalidBaseUrl { .. }),
            "{url}: {error:?}"
        );
    }
    for token in ["", "  ", "line\nbreak"] {
        let error = LegacyClient::new("https://vac.example.com:1281", token, http()).unwrap_err();
        assert!(
            matches!(error, LegacyError::InvalidToken),
            "{token:?}: {error:?}"
        );
    }
    let client = LegacyClient::new("https://vac.example.com:1281/", TOKEN, http()).unwrap();
    assert_eq!(client.base_url(), "https://vac.example.com:1281");
    // The token is marked sensitive, so it does not leak through Debug output.
    assert!(!format!("{client:?}").contains(TOKEN));
}
