//! The ALK reachability check over real sockets. Every endpoint is redirected to 127.0.0.1 or
//! to a `.invalid` name (answered without DNS), so nothing leaves the machine.
//!
//! Timeouts are shown two ways. With the real TCP connector, a listener whose accept queue is
//! full: Linux then drops further SYNs, so the client's handshake hangs, which is exactly what a
//! dropping firewall looks like (a listener that merely never accepts is not enough, since the
//! kernel completes handshakes up to the backlog). And through the [`Connector`] seam with a
//! connector that stalls, which shows the check's own timeout logic independent of the
//! kernel's queueing behaviour.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use futures::FutureExt;
use tokio::net::TcpListener;
#[cfg(target_os = "linux")]
use tokio::net::{TcpSocket, TcpStream};
use vspc_licensing::alk::{
    check, check_with, AlkEndpoint, AlkProduct, CheckOptions, CheckOutcome, CheckSummary,
    Connector, ResolveOverrides, TcpConnector, ALK_ENDPOINTS,
};

const LOOPBACK: Ipv4Addr = Ipv4Addr::LOCALHOST;

fn options(overrides: &[String], timeout: Duration) -> CheckOptions {
    CheckOptions {
        timeout,
        concurrency: 4,
        overrides: ResolveOverrides::parse_all(overrides).expect("valid overrides"),
    }
}

fn endpoint(host: &str) -> &'static AlkEndpoint {
    ALK_ENDPOINTS
        .iter()
        .find(|e| e.host == host)
        .expect("in the table")
}

/// A port on loopback that nothing listens on: bound, then released.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind((LOOPBACK, 0)).await.unwrap();
    listener.local_addr().unwrap().port()
}

/// A loopback listener whose accept queue is full, plus the connections that fill it (they
/// must stay open). Fails the test if the queue never fills, rather than passing vacuously.
/// Linux only: other kernels treat a full accept queue differently (some answer with a reset).
#[cfg(target_os = "linux")]
async fn saturated_listener() -> (TcpListener, SocketAddr, Vec<TcpStream>) {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind((LOOPBACK, 0).into()).unwrap();
    let addr = socket.local_addr().unwrap();
    let listener = socket.listen(0).unwrap();
    let mut fillers = Vec::new();
    for _ in 0..64 {
        match tokio::time::timeout(Duration::from_millis(200), TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => fillers.push(stream),
            Ok(Err(e)) => panic!("filling the backlog failed: {e}"),
            // The handshake hung: the queue is full.
            Err(_) => return (listener, addr, fillers),
        }
    }
    panic!("the accept queue of a listen(0) socket never filled");
}

#[tokio::test]
async fn a_listening_endpoint_is_reachable_through_a_resolve_override() {
    let listener = TcpListener::bind((LOOPBACK, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let opts = options(
        &[format!("vbr.butler.veeam.com:443:127.0.0.1:{port}")],
        Duration::from_secs(5),
    );
    let checks = check([endpoint("vbr.butler.veeam.com")], &opts).await;
    assert_eq!(checks.len(), 1);
    let result = &checks[0];
    assert_eq!(result.dialed, format!("127.0.0.1:{port}"));
    match result.outcome {
        CheckOutcome::Reachable { addr, elapsed } => {
            assert_eq!(addr, SocketAddr::from((LOOPBACK, port)));
            assert!(elapsed < Duration::from_secs(5));
        }
        ref other => panic!("expected reachable, got {other}"),
    }
    assert!(!result.fails_check());
    // The check really connected: the listener has a connection to accept.
    let accepted = tokio::time::timeout(Duration::from_secs(2), listener.accept()).await;
    assert!(matches!(accepted, Ok(Ok(_))), "no connection arrived");
    let json = serde_json::to_value(result).unwrap();
    assert_eq!(json["outcome"]["status"], "reachable");
    assert_eq!(json["outcome"]["addr"], format!("127.0.0.1:{port}"));
    assert!(json["outcome"]["elapsed_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(json["endpoint"]["host"], "vbr.butler.veeam.com");
}

#[tokio::test]
async fn a_closed_port_is_refused() {
    let port = closed_port().await;
    let opts = options(
        &[format!("vbo.butler.veeam.com:127.0.0.1:{port}")],
        Duration::from_secs(5),
    );
    let checks = check([endpoint("vbo.butler.veeam.com")], &opts).await;
    assert_eq!(checks[0].outcome, CheckOutcome::Refused);
    assert!(checks[0].fails_check());
    assert_eq!(
        serde_json::to_value(&checks[0].outcome).unwrap(),
        serde_json::json!({"status": "refused"})
    );
}

#[tokio::test]
async fn a_name_under_invalid_fails_dns_at_once_and_without_a_query() {
    let opts = options(
        &["one.butler.veeam.com:blocked.invalid".into()],
        Duration::from_secs(5),
    );
    // A connector that fails the test if the check asks it anything.
    struct Untouchable;
    impl Connector for Untouchable {
        fn resolve<'a>(
            &'a self,
            host: &'a str,
            _: u16,
        ) -> BoxFuture<'a, io::Result<Vec<SocketAddr>>> {
            panic!("the check resolved {host} through the connector")
        }
        fn connect(&self, addr: SocketAddr) -> BoxFuture<'_, io::Result<()>> {
            panic!("the check connected to {addr}")
        }
    }
    let started = Instant::now();
    let checks = check_with(&Untouchable, [endpoint("one.butler.veeam.com")], &opts).await;
    assert!(started.elapsed() < Duration::from_secs(1));
    match &checks[0].outcome {
        CheckOutcome::DnsFailure { message } => {
            assert!(message.contains("blocked.invalid"), "{message}")
        }
        other => panic!("expected a DNS failure, got {other}"),
    }
    assert_eq!(checks[0].dialed, "blocked.invalid:443");
    assert_eq!(checks[0].outcome.label(), "dns-failure");
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_saturated_listener_times_out_with_the_real_tcp_connector() {
    let (_listener, addr, _fillers) = saturated_listener().await;
    let timeout = Duration::from_millis(300);
    let opts = options(&[format!("o.ss2.us:80:127.0.0.1:{}", addr.port())], timeout);
    let started = Instant::now();
    let checks = check([endpoint("o.ss2.us")], &opts).await;
    let took = started.elapsed();
    assert_eq!(checks[0].outcome, CheckOutcome::Timeout { after: timeout });
    assert!(took >= timeout && took < Duration::from_secs(3), "{took:?}");
    // The revocation endpoints are optional: reported, but the check still passes.
    assert!(!checks[0].fails_check());
    assert!(CheckSummary::of(&checks).passed);
}

/// The real connector, but every connection stalls for `delay` first.
struct Stalling {
    delay: Duration,
}

impl Connector for Stalling {
    fn resolve<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, io::Result<Vec<SocketAddr>>> {
        TcpConnector.resolve(host, port)
    }
    fn connect(&self, addr: SocketAddr) -> BoxFuture<'_, io::Result<()>> {
        async move {
            tokio::time::sleep(self.delay).await;
            TcpConnector.connect(addr).await
        }
        .boxed()
    }
}

#[tokio::test]
async fn the_per_endpoint_timeout_bounds_a_stalled_connection_and_checks_run_concurrently() {
    let listener = TcpListener::bind((LOOPBACK, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let overrides: Vec<String> = ALK_ENDPOINTS
        .iter()
        .map(|e| format!("{}:{}:127.0.0.1:{port}", e.host, e.port))
        .collect();
    let timeout = Duration::from_millis(200);
    let mut opts = options(&overrides, timeout);
    opts.concurrency = ALK_ENDPOINTS.len();
    let connector = Stalling {
        delay: Duration::from_secs(30),
    };
    let started = Instant::now();
    let checks = check_with(&connector, ALK_ENDPOINTS, &opts).await;
    let took = started.elapsed();
    assert_eq!(checks.len(), ALK_ENDPOINTS.len());
    for (result, endpoint) in checks.iter().zip(ALK_ENDPOINTS) {
        assert_eq!(&result.endpoint, endpoint, "results keep the input order");
        assert_eq!(result.outcome, CheckOutcome::Timeout { after: timeout });
    }
    // Ten endpoints at 200 ms each, all at once: well under the serial 2 s.
    assert!(took < Duration::from_millis(1500), "{took:?}");
    let json = serde_json::to_value(&checks[0].outcome).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"status": "timeout", "after_ms": 200.0})
    );

    // A stall shorter than the timeout is only slower, not a failure.
    let connector = Stalling {
        delay: Duration::from_millis(50),
    };
    opts.timeout = Duration::from_secs(5);
    let checks = check_with(&connector, [endpoint("vao.butler.veeam.com")], &opts).await;
    match checks[0].outcome {
        CheckOutcome::Reachable { elapsed, .. } => assert!(elapsed >= Duration::from_millis(50)),
        ref other => panic!("expected reachable, got {other}"),
    }
}

#[tokio::test]
async fn concurrency_is_bounded() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    struct Counting {
        now: AtomicUsize,
        peak: AtomicUsize,
    }
    impl Connector for Counting {
        fn resolve<'a>(
            &'a self,
            host: &'a str,
            port: u16,
        ) -> BoxFuture<'a, io::Result<Vec<SocketAddr>>> {
            TcpConnector.resolve(host, port)
        }
        fn connect(&self, addr: SocketAddr) -> BoxFuture<'_, io::Result<()>> {
            async move {
                let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
                self.peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(30)).await;
                let result = TcpConnector.connect(addr).await;
                self.now.fetch_sub(1, Ordering::SeqCst);
                result
            }
            .boxed()
        }
    }
    let listener = TcpListener::bind((LOOPBACK, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let overrides: Vec<String> = ALK_ENDPOINTS
        .iter()
        .map(|e| format!("{}:127.0.0.1:{port}", e.host))
        .collect();
    let mut opts = options(&overrides, Duration::from_secs(5));
    opts.concurrency = 3;
    let connector = Counting {
        now: AtomicUsize::new(0),
        peak: AtomicUsize::new(0),
    };
    let checks = check_with(&connector, ALK_ENDPOINTS, &opts).await;
    assert!(checks.iter().all(|c| c.outcome.is_reachable()));
    assert_eq!(connector.peak.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_hostname_override_is_resolved_and_every_address_is_tried() {
    // `localhost` resolves from /etc/hosts, without a DNS server. Whatever it yields (127.0.0.1
    // and perhaps ::1), the endpoint must come out reachable on the IPv4 listener or refused
    // on the others, and never anything but loopback.
    let listener = TcpListener::bind((LOOPBACK, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let opts = options(
        &[format!("vbsf.butler.veeam.com:localhost:{port}")],
        Duration::from_secs(5),
    );
    let checks = check([endpoint("vbsf.butler.veeam.com")], &opts).await;
    match checks[0].outcome {
        CheckOutcome::Reachable { addr, .. } => assert!(addr.ip().is_loopback()),
        ref other => panic!("expected reachable through localhost, got {other}"),
    }
    assert_eq!(checks[0].dialed, format!("localhost:{port}"));
}

#[tokio::test]
async fn only_a_failing_required_endpoint_fails_the_summary() {
    let listener = TcpListener::bind((LOOPBACK, 0)).await.unwrap();
    let up = listener.local_addr().unwrap().port();
    let down = closed_port().await;
    let product = AlkProduct::BackupServer;
    let endpoints = product.endpoints();
    assert_eq!(endpoints.len(), 5);

    // Everything up.
    let all_up: Vec<String> = endpoints
        .iter()
        .map(|e| format!("{}:127.0.0.1:{up}", e.host))
        .collect();
    let checks = check(
        endpoints.iter().copied(),
        &options(&all_up, Duration::from_secs(5)),
    )
    .await;
    let summary = CheckSummary::of(&checks);
    assert_eq!(
        (
            summary.checked,
            summary.reachable,
            summary.required_failures,
            summary.optional_failures,
            summary.passed
        ),
        (5, 5, 0, 0, true)
    );

    // Optional revocation endpoints down, license server up: passes with a warning count.
    let mut overrides = vec![format!("vbr.butler.veeam.com:127.0.0.1:{up}")];
    overrides.extend(
        endpoints[1..]
            .iter()
            .map(|e| format!("{}:127.0.0.1:{down}", e.host)),
    );
    let checks = check(
        endpoints.iter().copied(),
        &options(&overrides, Duration::from_secs(5)),
    )
    .await;
    let summary = CheckSummary::of(&checks);
    assert_eq!(
        (
            summary.reachable,
            summary.required_failures,
            summary.optional_failures,
            summary.passed
        ),
        (1, 0, 4, true)
    );

    // The license server refused, revocation up: fails.
    let mut overrides = all_up.clone();
    overrides.push(format!("vbr.butler.veeam.com:443:127.0.0.1:{down}"));
    let checks = check(
        endpoints.iter().copied(),
        &options(&overrides, Duration::from_secs(5)),
    )
    .await;
    let summary = CheckSummary::of(&checks);
    assert_eq!(
        (
            summary.reachable,
            summary.required_failures,
            summary.optional_failures,
            summary.passed
        ),
        (4, 1, 0, false)
    );
    assert_eq!(
        summary.to_string(),
        "FAILED: 4 of 5 endpoints reachable; 1 required and 0 optional unreachable"
    );
    assert_eq!(checks[0].outcome, CheckOutcome::Refused);
    assert_eq!(
        checks[0].table_row()[..5],
        [
            "vbr.butler.veeam.com:443".to_string(),
            "license update".into(),
            "yes".into(),
            format!("127.0.0.1:{down}"),
            "refused".into(),
        ]
    );
    assert_eq!(
        checks[0].to_string(),
        format!("vbr.butler.veeam.com:443: refused (connection refused) [dialed 127.0.0.1:{down}]")
    );
    let json = serde_json::to_value(summary).unwrap();
    assert_eq!(json["passed"], false);
    assert_eq!(json["required_failures"], 1);

    // A required endpoint failing DNS fails the check too.
    let checks = check(
        [endpoint("vac.butler.veeam.com")],
        &options(
            &["vac.butler.veeam.com:gone.invalid".into()],
            Duration::from_secs(5),
        ),
    )
    .await;
    assert!(!CheckSummary::of(&checks).passed);
    // And an empty check passes: nothing required failed.
    assert!(CheckSummary::of(&[]).passed);
}
