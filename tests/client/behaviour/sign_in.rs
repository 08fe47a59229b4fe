//! Sign-in and token renewal: one sign-in serves concurrent calls, tokens are refreshed before
//! they expire, a `401` on a live token signs in again once (and an API key's is final), a
//! multi-factor sign-in keeps the read-only request, and refused sign-ins are typed errors
//! that say why.

use super::{always_busy, bounded, paths, quick, report_settings, Responder};
use crate::support::recorder;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use recorder::{spec_example_answer, Canned, Recorded, Recorder};
use serde_json::json;
use vspc_licensing::{Client, Credentials, Error, MfaCodeProvider, Product, Secret};

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

fn token_requests(recorder: &Recorder) -> Vec<Vec<(String, String)>> {
    recorder
        .requests()
        .iter()
        .filter(|r: &&Recorded| r.path.ends_with("/token"))
        .map(|r| serde_urlencoded::from_bytes(&r.body).unwrap_or_default())
        .collect()
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn console_license() -> Canned {
    Canned::json(200, json!({"data": {"licenseId": "c", "status": "Valid"}}))
}

#[tokio::test]
async fn a_read_only_multi_factor_sign_in_asks_for_a_read_only_token_both_times() {
    let recorder = Recorder::start().await;
    recorder.push([
        Canned::json(200, json!({"mfa_token": "m1", "token_type": "bearer"})),
        Canned::token("t1", 3600),
        console_license(),
    ]);
    let client = Client::builder(recorder.url())
        .auth(Credentials::Password {
            username: "ops".into(),
            password: Secret::new("pw"),
            read_only: true,
        })
        .mfa_code(MfaCodeProvider::new(|| async { Some("123456".into()) }))
        .build()
        .unwrap();
    client.license(Product::Console, None).await.unwrap();
    let forms = token_requests(&recorder);
    assert_eq!(forms.len(), 2, "{forms:?}");
    assert_eq!(
        field(&forms[0], "grant_type"),
        Some("password"),
        "{forms:?}"
    );
    assert_eq!(field(&forms[1], "grant_type"), Some("mfa"), "{forms:?}");
    for form in &forms {
        assert_eq!(field(form, "readOnly"), Some("true"), "{forms:?}");
    }
}

#[tokio::test]
async fn a_token_shorter_lived_than_the_refresh_margin_is_still_used() {
    let recorder = Recorder::start().await;
    // 30 s of life against the default 60 s refresh margin: renewed after half its life.
    recorder.push([
        Canned::token("t1", 30),
        console_license(),
        console_license(),
    ]);
    let client = Client::builder(recorder.url())
        .credentials("ops", "pw")
        .build()
        .unwrap();
    client.license(Product::Console, None).await.unwrap();
    client.license(Product::Console, None).await.unwrap();
    assert_eq!(token_requests(&recorder).len(), 1);
}

#[tokio::test]
async fn a_refused_sign_in_says_the_oauth_error_and_its_description() {
    let recorder = Recorder::start().await;
    recorder.push([Canned::json(
        400,
        json!({"error": "invalid_grant", "error_description": "the password is wrong"}),
    )]);
    let error = Client::builder(recorder.url())
        .credentials("ops", "pw")
        .build()
        .unwrap()
        .license(Product::Console, None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, vspc_licensing::Error::Authentication { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("invalid_grant: the password is wrong"),
        "{error}"
    );
}

#[tokio::test]
async fn a_signed_in_call_is_sent_once_with_one_sign_in() {
    let recorder = Recorder::start().await;
    recorder.push([Canned::token("t1", 3600), report_settings()]);
    let client = Client::builder(recorder.url())
        .credentials("ops", "pw")
        .build()
        .unwrap();
    bounded(client.license_report_settings()).await.unwrap();
    assert_eq!(paths(&recorder), ["/token", "/licensing/reports/settings"]);
    assert_eq!(
        recorder.requests()[1].header("authorization"),
        Some("Bearer t1")
    );
}

#[tokio::test]
async fn an_api_key_call_refused_401_is_not_signed_in_again() {
    let recorder = Recorder::start().await;
    recorder.push([Canned::json(
        401,
        json!({"errors": [{"message": "bad key", "type": "security", "code": 401}]}),
    )]);
    let client = Client::builder(recorder.url())
        .api_key("k")
        .build()
        .unwrap();
    let err = bounded(client.license_report_settings()).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401), "{err:?}");
    assert_eq!(
        recorder.requests().len(),
        1,
        "an API key has no token to renew"
    );
}

#[tokio::test]
async fn signing_in_again_after_a_401_does_not_use_up_an_attempt() {
    let recorder = always_busy().await;
    let expired = Canned::json(
        401,
        json!({"errors": [{"message": "token expired", "type": "security", "code": 401}]}),
    );
    recorder.push([
        Canned::token("t1", 3600),
        expired,
        Canned::token("t2", 3600),
    ]);
    let client = Client::builder(recorder.url())
        .credentials("ops", "pw")
        .retry_policy(quick(3))
        .build()
        .unwrap();
    let err = bounded(client.license_report_settings()).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
    let calls = paths(&recorder)
        .iter()
        .filter(|p| *p == "/licensing/reports/settings")
        .count();
    assert_eq!(
        calls,
        1 + 3,
        "the refused attempt, then the policy's 3 with the new token"
    );
}
