//! Finding 7, TLS: whether a failure is about TLS is read from the error's type, not from its
//! text, which holds the URL: a URL that mentions certificates does not make every failure
//! final or earn the `--ca-cert` hint.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use vspc_licensing::{Client, Error, Product, RetryPolicy};

#[tokio::test]
async fn a_url_that_mentions_certificates_does_not_make_a_dropped_connection_final() {
    // A server that accepts each connection and closes it at once: a failure worth retrying.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(tcp);
        }
    });
    let error = Client::builder(format!("http://{addr}/certificate-gw/tls"))
        .api_key("k")
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap()
        .license(Product::Console, None)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        3,
        "retried like any dropped connection"
    );
    assert!(
        !error.to_string().contains("--ca-cert"),
        "no TLS hint for a connection that never spoke TLS: {error}"
    );
}
