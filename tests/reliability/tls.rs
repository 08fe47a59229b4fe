//! TLS: a VSPC with a certificate from its own CA (made at test time) is refused by default,
//! accepted once that CA is added, and accepted with a logged warning when verification is
//! turned off explicitly. A certificate failure is not retried.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use vspc_licensing::{Client, Error, Product};

use crate::support::logs::CapturedLog;

struct TlsServer {
    url: String,
    ca_pem: String,
    connections: Arc<AtomicUsize>,
}

/// An HTTPS server on loopback whose certificate (for `localhost`) is signed by a fresh CA.
async fn start_tls_server() -> TlsServer {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "vspc-licensing test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();

    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(leaf.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
            )
            .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                // A fixture, not a server: read the request head, answer one JSON body, close.
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && tls.read(&mut byte).await.unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let body = br#"{"data":{"licenseId":"tls-test","status":"Valid"}}"#;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.write_all(body).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    TlsServer {
        url: format!("https://localhost:{port}"),
        ca_pem: ca_cert.pem(),
        connections,
    }
}

#[tokio::test]
async fn an_unknown_ca_is_refused_once_with_a_hint_and_not_retried() {
    let server = start_tls_server().await;
    let client = Client::builder(&server.url).api_key("k").build().unwrap();
    let err = client.license(Product::Console, None).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("--ca-cert"),
        "the error says what to do: {message}"
    );
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        1,
        "a certificate failure is not retried"
    );
}

// A trusted CA but a certificate for another name (`localhost`, reached as 127.0.0.1): still a
// certificate the server will keep sending, so one attempt and the hint, like an unknown CA.
#[tokio::test]
async fn a_certificate_for_another_name_is_refused_once_and_not_retried() {
    let server = start_tls_server().await;
    let by_address = server.url.replace("localhost", "127.0.0.1");
    let client = Client::builder(&by_address)
        .api_key("k")
        .add_ca_certificate_pem(server.ca_pem.as_bytes())
        .build()
        .unwrap();
    let err = client.license(Product::Console, None).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.to_string().contains("--ca-cert"), "{err}");
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        1,
        "a certificate failure is not retried"
    );
}

#[tokio::test]
async fn the_added_ca_is_trusted() {
    let server = start_tls_server().await;
    let client = Client::builder(&server.url)
        .api_key("k")
        .add_ca_certificate_pem(server.ca_pem.as_bytes())
        .build()
        .unwrap();
    let license = client.license(Product::Console, None).await.unwrap();
    assert_eq!(
        serde_json::to_value(&license).unwrap()["licenseId"],
        "tls-test"
    );
}

#[tokio::test]
async fn turning_verification_off_works_and_is_logged_as_a_warning() {
    let server = start_tls_server().await;
    let captured = CapturedLog::start(tracing::Level::WARN);
    let client = Client::builder(&server.url)
        .api_key("k")
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    client.license(Product::Console, None).await.unwrap();
    let logs = captured.text();
    assert!(
        logs.contains("WARN") && logs.contains("verification is OFF"),
        "{logs}"
    );
}

#[test]
fn an_unreadable_ca_file_is_a_configuration_error() {
    let err = Client::builder("https://localhost:1280")
        .add_ca_certificate_file("/nonexistent/ca.pem")
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("/nonexistent/ca.pem")),
        "{err:?}"
    );
    let err = Client::builder("https://localhost:1280")
        .add_ca_certificate_pem(b"not a certificate")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
}
