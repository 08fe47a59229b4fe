//! The client's behaviour over real HTTP on loopback: paging, sign-in and token renewal,
//! forward-compatible enums, error answers, retries with one request id, and async actions.

use crate::support::recorder;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use recorder::{spec_example_answer, Canned, Recorded, Recorder};
use serde_json::{json, Value};
use uuid::Uuid;
use vspc_licensing::enums::{
    LicensePackage, LicenseStatus, LicenseType, LicenseUnitType, ResponseErrorType,
};
use vspc_licensing::ListQuery;
use vspc_licensing::{AsyncActionPolicy, Client, Error, Product, RetryPolicy};

fn license(i: usize) -> Value {
    json!({"backupServerUid": Uuid::from_u128(i as u128), "autoUpdateEnabled": i.is_multiple_of(2), "company": format!("Tenant {i}")})
}

fn page_of(total: usize, request: &Recorded, honour_offset: bool, with_meta: bool) -> Canned {
    let pairs = request.query_pairs();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.parse::<usize>().unwrap())
    };
    let limit = get("limit").unwrap_or(100);
    let offset = if honour_offset {
        get("offset").unwrap_or(0)
    } else {
        0
    };
    let data: Vec<Value> = (offset..total.min(offset + limit)).map(license).collect();
    let mut body = json!({ "data": data });
    if with_meta {
        body["meta"] =
            json!({"pagingInfo": {"total": total, "count": data.len(), "offset": offset}});
    }
    Canned::json(200, body)
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(50))
}

#[tokio::test]
async fn paging_walks_every_page_once_in_order_with_pages_in_flight() {
    let recorder =
        Recorder::with_fallback(Arc::new(|r: &Recorded| page_of(1234, r, true, true))).await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .build()
        .unwrap();
    let items: Vec<_> = client
        .backup_server_licenses(ListQuery::new().page_size(100).pages_in_flight(4))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 1234);
    for (i, item) in items.iter().enumerate() {
        assert_eq!(
            item.backup_server_uid,
            Some(Uuid::from_u128(i as u128)),
            "item {i} out of order"
        );
    }
    let mut offsets: Vec<usize> = recorder
        .requests()
        .iter()
        .map(|r| {
            r.query_pairs()
                .into_iter()
                .find(|(k, _)| k == "offset")
                .unwrap()
                .1
                .parse()
                .unwrap()
        })
        .collect();
    offsets.sort();
    assert_eq!(
        offsets,
        (0..13).map(|p| p * 100).collect::<Vec<_>>(),
        "each page asked for exactly once"
    );
}

#[tokio::test]
async fn a_server_that_ignores_offset_ends_the_stream_with_an_error_not_a_loop() {
    for with_meta in [true, false] {
        let recorder = Recorder::with_fallback(Arc::new(move |r: &Recorded| {
            page_of(1000, r, false, with_meta)
        }))
        .await;
        let client = Client::builder(recorder.url())
            .api_key("k")
            .build()
            .unwrap();
        let mut stream =
            client.backup_server_licenses(ListQuery::new().page_size(100).pages_in_flight(1));
        let mut seen = std::collections::HashSet::new();
        let mut error = None;
        while let Some(item) = futures::StreamExt::next(&mut stream).await {
            match item {
                Ok(license) => assert!(seen.insert(license.backup_server_uid), "duplicate yielded"),
                Err(e) => error = Some(e),
            }
        }
        let error = error.expect("the walk reports the misbehaving server");
        assert!(error.to_string().contains("ignores `offset`"), "{error}");
        assert_eq!(seen.len(), 100, "only the first page's resources, once");
        assert!(
            recorder.requests().len() <= 3,
            "no runaway loop: {} requests",
            recorder.requests().len()
        );
    }
}

#[tokio::test]
async fn a_collection_without_paging_information_ends_at_the_first_empty_page() {
    let recorder =
        Recorder::with_fallback(Arc::new(|r: &Recorded| page_of(250, r, true, false))).await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .build()
        .unwrap();
    let items: Vec<_> = client
        .backup_server_licenses(ListQuery::new().page_size(100))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 250);
    // Without a total, the short page at 200 may be a capped one: the walk asks from 250 and
    // stops at the empty answer (issue 18: never a silent loss).
    assert_eq!(recorder.requests().len(), 4);
}

type Responder = Arc<dyn Fn(&Recorded) -> Canned + Send + Sync>;

/// A token endpoint that counts grants and issues `t1`, `t2`, ...
fn token_server(expires_in: u64, refuse_refresh: bool) -> (Arc<Mutex<Vec<String>>>, Responder) {
    let grants = Arc::new(Mutex::new(Vec::<String>::new()));
    let issued = Arc::new(AtomicUsize::new(0));
    let log = grants.clone();
    let responder = Arc::new(move |r: &Recorded| {
        if r.path == "/api/v3/token" {
            let form: Vec<(String, String)> =
                url::form_urlencoded::parse(&r.body).into_owned().collect();
            let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            let grant = field("grant_type").unwrap();
            log.lock().unwrap().push(grant.clone());
            if grant == "password"
                && (field("username").as_deref() != Some("ops")
                    || field("password").as_deref() != Some("s3cret!"))
            {
                return Canned::json(
                    400,
                    json!({"error": "invalid_grant", "error_description": "The user name or password is incorrect."}),
                );
            }
            if grant == "refresh_token" && refuse_refresh {
                return Canned::json(
                    400,
                    json!({"error": "invalid_grant", "error_description": "expired refresh token"}),
                );
            }
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            return Canned::json(
                200,
                json!({"access_token": format!("t{n}"), "token_type": "bearer", "refresh_token": format!("r{n}"), "expires_in": expires_in}),
            );
        }
        match r.header("authorization") {
            Some(h) if h.starts_with("Bearer t") => spec_example_answer(r),
            _ => Canned::json(
                401,
                json!({"errors": [{"message": "Unauthorized", "type": "security", "code": 401}]}),
            ),
        }
    });
    (grants, responder)
}

#[tokio::test]
async fn one_sign_in_serves_concurrent_calls_and_the_password_stays_out_of_sight() {
    let (grants, responder) = token_server(3600, false);
    let recorder = Recorder::with_fallback(responder).await;
    let client = Client::builder(recorder.url())
        .credentials("ops", "s3cret!")
        .build()
        .unwrap();
    let calls = (0..10).map(|_| client.license(Product::Console, None));
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(*grants.lock().unwrap(), vec!["password"]);
    let token_request = recorder
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/v3/token")
        .unwrap();
    assert_eq!(
        token_request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert!(
        token_request.header("x-request-id").is_none(),
        "POST /token takes no X-Request-id"
    );
    assert!(!format!("{client:?}").contains("s3cret!"));
}

#[tokio::test]
async fn tokens_are_refreshed_before_expiry_and_a_refused_refresh_signs_in_again() {
    let (grants, responder) = token_server(2, false);
    let recorder = Recorder::with_fallback(responder).await;
    let client = Client::builder(recorder.url())
        .credentials("ops", "s3cret!")
        .token_refresh_margin(Duration::from_millis(1500))
        .build()
        .unwrap();
    client.license(Product::Console, None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    client.license(Product::Console, None).await.unwrap();
    assert_eq!(*grants.lock().unwrap(), vec!["password", "refresh_token"]);

    let (grants, responder) = token_server(2, true);
    let recorder = Recorder::with_fallback(responder).await;
    let client = Client::builder(recorder.url())
        .credentials("ops", "s3cret!")
        .token_refresh_margin(Duration::from_millis(1500))
        .build()
        .unwrap();
    client.license(Product::Console, None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    client.license(Product::Console, None).await.unwrap();
    assert_eq!(
        *grants.lock().unwrap(),
        vec!["password", "refresh_token", "password"]
    );
}

#[tokio::test]
async fn a_401_on_a_live_token_triggers_one_fresh_sign_in() {
    let (grants, responder) = token_server(3600, false);
    let recorder = Recorder::with_fallback(responder).await;
    let client = Client::builder(recorder.url())
        .credentials("ops", "s3cret!")
        .build()
        .unwrap();
    client.license(Product::Console, None).await.unwrap();
    // The server revokes the token early.
    recorder.push([Canned::json(
        401,
        json!({"errors": [{"message": "token revoked", "type": "security", "code": 401}]}),
    )]);
    client.license(Product::Console, None).await.unwrap();
    assert_eq!(*grants.lock().unwrap(), vec!["password", "refresh_token"]);
}

#[tokio::test]
async fn wrong_credentials_are_a_typed_authentication_error() {
    let (_, responder) = token_server(3600, false);
    let recorder = Recorder::with_fallback(responder).await;
    let client = Client::builder(recorder.url())
        .credentials("ops", "wrong")
        .build()
        .unwrap();
    let err = client.license(Product::Console, None).await.unwrap_err();
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    assert!(err.to_string().contains("invalid_grant"), "{err}");
    assert!(
        !err.to_string().contains("wrong"),
        "the password is not echoed: {err}"
    );
}

#[tokio::test]
async fn older_lower_case_and_unknown_enum_values_parse() {
    let body = json!({"data": {
        "backupServerUid": "a26ad214-e225-49bf-8fb8-f16340729b7b", "autoUpdateEnabled": false,
        "packages": ["backup", "Quantum"], "status": "valid", "type": "Metered", "unitType": "instances"
    }});
    let recorder = Recorder::with_fallback(Arc::new(move |_: &Recorded| {
        Canned::json(200, body.clone())
    }))
    .await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .build()
        .unwrap();
    let license = client
        .get_backup_server_license()
        .backup_server_uid(Uuid::nil())
        .send()
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!(license.status, Some(LicenseStatus::Valid));
    assert_eq!(license.unit_type, Some(LicenseUnitType::Instances));
    assert_eq!(
        license.packages,
        vec![
            LicensePackage::Backup,
            LicensePackage::Unknown("Quantum".into())
        ]
    );
    assert_eq!(license.type_, Some(LicenseType::Unknown("Metered".into())));
    let back = serde_json::to_value(&license).unwrap();
    assert_eq!(
        back["type"], "Metered",
        "unknown values are sent back as received"
    );
    assert_eq!(
        back["status"], "Valid",
        "known values are sent in the spec's spelling"
    );
}

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
async fn retries_reuse_one_request_id_and_honour_retry_after() {
    let recorder = Recorder::start().await;
    recorder.push([
        Canned::json(
            520,
            json!({"errors": [{"message": "busy", "type": "retryableLogical", "code": 1}]}),
        ),
        Canned::raw(503, "text/plain", b"maintenance"),
        Canned::json(
            429,
            json!({"errors": [{"message": "slow down", "type": "logical", "code": 429}]}),
        )
        .header("retry-after", "1"),
    ]);
    let client = Client::builder(recorder.url())
        .api_key("k")
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let started = Instant::now();
    client
        .enable_auto_update(Product::BackupServer, Uuid::nil())
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was honoured"
    );
    let requests = recorder.requests();
    assert_eq!(requests.len(), 4);
    let ids: std::collections::HashSet<_> = requests
        .iter()
        .map(|r| r.header("x-request-id").unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 1, "one logical call, one X-Request-id: {ids:?}");
}

#[tokio::test]
async fn when_retries_run_out_the_last_answer_is_reported() {
    let recorder = Recorder::with_fallback(Arc::new(|_: &Recorded| {
        Canned::raw(503, "text/html", b"<html>Service Unavailable</html>")
    }))
    .await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .retry_policy(quick_retries().max_attempts(3))
        .build()
        .unwrap();
    let err = client.license(Product::Console, None).await.unwrap_err();
    match &err {
        Error::UnexpectedStatus { status, body, .. } => {
            assert_eq!(status.as_u16(), 503);
            assert!(String::from_utf8_lossy(body).contains("Service Unavailable"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(recorder.requests().len(), 3);
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

/// A server that runs every PATCH as an async action: 202, then `running` twice, then the
/// given final state.
fn async_server(final_state: &'static str) -> Responder {
    let polls = Arc::new(AtomicUsize::new(0));
    Arc::new(move |r: &Recorded| {
        let id = "97431954-0dd7-472a-8cb7-d0cb0fbccaf7";
        if r.method == "PATCH" {
            return Canned::raw(202, "application/json", b"").header(
                "location",
                &format!("http://vspc.invalid/api/v3/asyncActions/{id}"),
            );
        }
        if r.path.ends_with("/result") {
            return match final_state {
                "succeed" => Canned::json(
                    200,
                    json!({"data": {"backupServerUid": Uuid::nil(), "autoUpdateEnabled": true}}),
                ),
                _ => Canned::json(
                    520,
                    json!({"errors": [{"message": "The server refused the change.", "type": "logical", "code": 7}]}),
                ),
            };
        }
        if r.path.contains("/asyncActions/") && r.method == "GET" {
            let n = polls.fetch_add(1, Ordering::SeqCst);
            let status = if n < 2 { "running" } else { final_state };
            return Canned::json(
                200,
                json!({"data": {"id": id, "initiatorUid": Uuid::nil(), "actionName": "PatchBackupServerLicense", "status": status, "queryParameters": {}}}),
            );
        }
        Canned::json(200, json!({"errors": [], "data": {}}))
    })
}

#[tokio::test]
async fn an_accepted_call_is_followed_to_its_typed_result() {
    let recorder = Recorder::with_fallback(async_server("succeed")).await;
    let policy = AsyncActionPolicy::default()
        .poll_interval(Duration::from_millis(10), Duration::from_millis(20));
    let client = Client::builder(recorder.url())
        .api_key("k")
        .async_actions(policy)
        .build()
        .unwrap();
    let license = client
        .enable_auto_update(Product::BackupServer, Uuid::nil())
        .await
        .unwrap();
    assert_eq!(license.auto_update_enabled(), Some(true));
    let paths: Vec<String> = recorder
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let id = "97431954-0dd7-472a-8cb7-d0cb0fbccaf7";
    assert_eq!(
        paths
            .iter()
            .filter(|p| p.as_str() == format!("GET /api/v3/asyncActions/{id}"))
            .count(),
        3,
        "{paths:?}"
    );
    assert_eq!(
        paths.last().unwrap(),
        &format!("GET /api/v3/asyncActions/{id}/result")
    );
}

#[tokio::test]
async fn a_failed_or_unfollowed_async_action_is_a_typed_error() {
    let policy = AsyncActionPolicy::default()
        .poll_interval(Duration::from_millis(10), Duration::from_millis(20));
    let recorder = Recorder::with_fallback(async_server("failed")).await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .async_actions(policy)
        .build()
        .unwrap();
    match client
        .enable_auto_update(Product::BackupServer, Uuid::nil())
        .await
        .unwrap_err()
    {
        Error::AsyncAction {
            operation,
            action_id,
            outcome,
            errors,
            ..
        } => {
            assert_eq!(operation, "PatchBackupServerLicense");
            assert_eq!(action_id, "97431954-0dd7-472a-8cb7-d0cb0fbccaf7");
            assert_eq!(outcome, "failed");
            assert!(
                errors[0].message.contains("The server refused the change."),
                "{errors:?}"
            );
        }
        other => panic!("{other:?}"),
    }

    let recorder = Recorder::with_fallback(async_server("succeed")).await;
    let client = Client::builder(recorder.url())
        .api_key("k")
        .async_actions(AsyncActionPolicy::manual())
        .build()
        .unwrap();
    let err = client
        .enable_auto_update(Product::BackupServer, Uuid::nil())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Accepted { location, .. } if location.ends_with("97431954-0dd7-472a-8cb7-d0cb0fbccaf7")),
        "{err:?}"
    );
    assert_eq!(recorder.requests().len(), 1);
}

#[tokio::test]
async fn an_async_action_that_outlives_the_timeout_is_canceled() {
    let recorder = Recorder::with_fallback(async_server("running")).await;
    let policy = AsyncActionPolicy::default()
        .poll_interval(Duration::from_millis(10), Duration::from_millis(20))
        .timeout(Duration::from_millis(200));
    let client = Client::builder(recorder.url())
        .api_key("k")
        .async_actions(policy)
        .build()
        .unwrap();
    let err = client
        .enable_auto_update(Product::BackupServer, Uuid::nil())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::AsyncAction { outcome, .. } if outcome == "timed out"),
        "{err:?}"
    );
    assert!(err.to_string().contains("timed out"), "{err}");
    let last = recorder.requests().pop().unwrap();
    assert_eq!(
        (last.method.as_str(), last.path.as_str()),
        (
            "DELETE",
            "/api/v3/asyncActions/97431954-0dd7-472a-8cb7-d0cb0fbccaf7"
        )
    );
}
