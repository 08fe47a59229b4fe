//! What sign-in shows and sends (mutation testing of `src/client/auth.rs`): secrets never
//! appear in `Debug` output, a multi-factor sign-in keeps the read-only request, and a token that
//! lives shorter than the refresh margin is still used rather than fetched for every call.

use crate::support::recorder;

use recorder::{Canned, Recorded, Recorder};
use serde_json::json;
use vspc_licensing::{Client, Credentials, MfaCodeProvider, Product, Secret};

#[test]
fn secrets_and_code_providers_print_without_their_contents() {
    assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(***)");
    let provider = MfaCodeProvider::new(|| async { Some("123456".into()) });
    assert_eq!(format!("{provider:?}"), "MfaCodeProvider(..)");
    let client = Client::builder("https://vspc.example.com:1280")
        .credentials("ops", "hunter2")
        .build()
        .unwrap();
    let shown = format!("{client:?}");
    assert!(shown.contains("Authenticator"), "{shown}");
    assert!(shown.contains("ops"), "the user name helps: {shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
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
