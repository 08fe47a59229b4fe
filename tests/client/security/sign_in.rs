//! Finding 7, token lifetime: a server that says its tokens expire at once (`expires_in: 0`, or
//! less) does not make the client sign in before every call; if the token is really spent, the
//! `401` makes the client sign in again.

use std::sync::Arc;

use serde_json::json;
use vspc_licensing::{Client, Product};

use crate::support::recorder::{Canned, Recorded, Recorder};

#[tokio::test]
async fn a_token_said_to_expire_at_once_is_still_used_for_a_while() {
    for expires_in in [0, -5] {
        let recorder = Recorder::with_fallback(Arc::new(move |r: &Recorded| {
            if r.path.ends_with("/token") {
                Canned::json(
                    200,
                    json!({"access_token": "t1", "token_type": "bearer", "expires_in": expires_in}),
                )
            } else {
                Canned::json(200, json!({"data": {"licenseId": "c", "status": "Valid"}}))
            }
        }))
        .await;
        let client = Client::builder(recorder.url())
            .credentials("ops", "pw")
            .build()
            .unwrap();
        for _ in 0..3 {
            client.license(Product::Console, None).await.unwrap();
        }
        let sign_ins = recorder
            .requests()
            .iter()
            .filter(|r| r.path.ends_with("/token"))
            .count();
        assert_eq!(sign_ins, 1, "expires_in {expires_in}");
    }
}
