//! Finding 7, secrets: the generated token types print their tokens and password as `***` in
//! `Debug`, and so do the crate's secrets, code providers, clients and license files; a token
//! answer that cannot be read is reported without quoting it; a URL with `user:pass@` is
//! refused without being repeated.

use serde_json::json;
use vspc_licensing::enums::OAuth2GrantType;
use vspc_licensing::types::{self, OAuth2IssueTokenBody, OAuth2Result};
use vspc_licensing::{Client, Error, LicenseFile, MfaCodeProvider, Product, Secret};

use crate::support::recorder::{Canned, Recorder};

#[test]
fn the_token_types_print_no_secret_in_debug() {
    let result = OAuth2Result {
        access_token: Some("access-SECRET".into()),
        encrypted_code: Some("code-SECRET".into()),
        expires_in: Some(3600),
        mfa_token: Some("mfa-SECRET".into()),
        refresh_token: Some("refresh-SECRET".into()),
        token_type: Some("bearer".into()),
    };
    let body = OAuth2IssueTokenBody {
        code: Some("code-SECRET".into()),
        grant_type: OAuth2GrantType::Password,
        mfa_code: Some("123-SECRET".into()),
        mfa_token: Some("mfa-SECRET".into()),
        password: Some("hunter2-SECRET".into()),
        public_key: None,
        read_only: Some(true),
        refresh_token: Some("refresh-SECRET".into()),
        user_uid: None,
        username: Some("ops".into()),
    };
    let built = types::builder::OAuth2IssueTokenBody::default()
        .grant_type(OAuth2GrantType::Password)
        .username(Some("ops".to_owned()))
        .password(Some("hunter2-SECRET".to_owned()));
    let result_built = types::builder::OAuth2Result::default()
        .access_token(Some("access-SECRET".to_owned()))
        .token_type(Some("bearer".to_owned()));
    for shown in [
        format!("{result:?}"),
        format!("{result:#?}"),
        format!("{body:?}"),
        format!("{built:?}"),
        format!("{result_built:?}"),
    ] {
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(
            shown.contains("***"),
            "a secret that is set shows as set: {shown}"
        );
    }
    let shown = format!("{result:?} {body:?}");
    for kept in [
        "bearer",
        "3600",
        "ops",
        "Password",
        "read_only: Some(true)",
        "public_key: None",
    ] {
        assert!(
            shown.contains(kept),
            "what is not secret still shows ({kept}): {shown}"
        );
    }
}

#[tokio::test]
async fn a_token_answer_that_cannot_be_read_is_reported_without_its_tokens() {
    for answer in [
        json!({"access_token": "access-SECRET", "expires_in": "access-SECRET"}),
        json!({"access_token": "access-SECRET", "refresh_token": 987654321987u64}),
    ] {
        let recorder = Recorder::start().await;
        recorder.push([Canned::json(200, answer.clone())]);
        let error = Client::builder(recorder.url())
            .credentials("ops", "pw")
            .build()
            .unwrap()
            .license(Product::Console, None)
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Authentication { .. }), "{error:?}");
        let shown = format!("{error} {error:?}");
        assert!(
            !shown.contains("SECRET") && !shown.contains("987654321987"),
            "{answer}: {shown}"
        );
        assert!(shown.contains("unreadable"), "{shown}");
    }
}

#[test]
fn a_url_with_a_user_or_password_is_refused_without_repeating_them() {
    for url in [
        "https://ops:hunter2@vspc.example.com:1280",
        "https://hunter2@vspc.example.com:1280/api/v3",
        "http://ops:hunter2@192.0.2.1:1280",
    ] {
        let error = Client::builder(url).api_key("k").build().unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(matches!(error, Error::Config(_)), "{url}: {shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("vspc.example.com") || shown.contains("192.0.2.1"),
            "{shown}"
        );
    }
}

#[test]
fn the_legacy_client_refuses_such_a_url_too() {
    let error = vspc_licensing::legacy::LegacyClient::new(
        "https://ops:hunter2@vac.example.com:1281",
        "token",
        reqwest::Client::builder(),
    )
    .unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("vac.example.com"), "{shown}");
}

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

#[test]
fn debug_names_the_file_and_its_size_never_its_contents() {
    let file = LicenseFile::from_bytes("site.lic", b"SECRET-LICENSE-TEXT".to_vec());
    let shown = format!("{file:?}");
    assert!(shown.contains("site.lic"), "{shown}");
    assert!(shown.contains("19"), "the size: {shown}");
    assert!(!shown.contains("SECRET"), "{shown}");
}
