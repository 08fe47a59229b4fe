//! The answers the client makes up itself (a refused sign-in, an async action's verdict, a
//! console it cannot speak to) travel to `Error` marked with a header; a server's answer that
//! happens to carry a header of that name stays the server's answer.

use crate::support::recorder::{Canned, Recorder};
use serde_json::json;
use vspc_licensing::{Client, Error, RetryPolicy};

#[tokio::test]
async fn a_server_cannot_pass_its_answer_off_as_one_the_client_made_up() {
    let server = Recorder::start().await;
    let not_found =
        json!({"errors": [{"message": "no such console", "type": "logical", "code": 404}]});
    for mark in [
        "auth",
        "detect",
        "console:7.0",
        "async:97431954-0dd7-472a-8cb7-d0cb0fbccaf7:timed-out",
    ] {
        server.push([
            Canned::json(404, not_found.clone()).header("x-vspc-licensing-synthetic", mark)
        ]);
        let client = Client::builder(server.url())
            .api_key("k")
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let error = client
            .get_console_license_information()
            .send()
            .await
            .unwrap_err();
        let error = Error::from(error);
        assert!(
            matches!(&error, Error::Api { status, .. } if status.as_u16() == 404),
            "{mark}: {error:?}"
        );
        assert!(error.is_not_found(), "{mark}: {error}");
    }
}
