//! The reachability check: resolve each endpoint, open a TCP connection, report what happened.
//!
//! Only the TCP handshake is tested, not TLS or HTTP: what ALK Update most often trips over
//! is a firewall or a DNS server in the way, and a handshake shows both without sending the
//! vendor anything.

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use serde::{Serialize, Serializer};

use super::overrides::{normalise_host, OverrideTarget, ResolveOverrides};
use super::table::AlkEndpoint;

/// How the check runs.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The most one endpoint may take, DNS lookup and connection together (default 5 s).
    pub timeout: Duration,
    /// How many endpoints are checked at once (default 8; 0 counts as 1).
    pub concurrency: usize,
    /// Names to send elsewhere (see [`ResolveOverrides`]).
    pub overrides: ResolveOverrides,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            timeout: Duration::from_secs(5),
            concurrency: 8,
            overrides: ResolveOverrides::new(),
        }
    }
}

/// How the check reaches the network: name lookup and TCP connection.
///
/// Production code uses [`TcpConnector`]. The seam exists so that a caller (or a test) can
/// route or slow down connections without touching the check's own logic: timeouts,
/// overrides, concurrency and classification stay the same whichever connector runs.
pub trait Connector: Send + Sync {
    /// The addresses of `host` for `port`.
    fn resolve<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, io::Result<Vec<SocketAddr>>>;
    /// Opens (and drops) a TCP connection to `addr`.
    fn connect(&self, addr: SocketAddr) -> BoxFuture<'_, io::Result<()>>;
}

/// The real thing: the system resolver through tokio, and a TCP handshake.
#[derive(Debug, Clone, Copy, Default)]
pub struct TcpConnector;

impl Connector for TcpConnector {
    fn resolve<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, io::Result<Vec<SocketAddr>>> {
        async move { Ok(tokio::net::lookup_host((host, port)).await?.collect()) }.boxed()
    }

    fn connect(&self, addr: SocketAddr) -> BoxFuture<'_, io::Result<()>> {
        async move { tokio::net::TcpStream::connect(addr).await.map(drop) }.boxed()
    }
}

/// What happened when one endpoint was tried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CheckOutcome {
    /// A TCP connection was established.
    Reachable {
        /// The address that answered.
        addr: SocketAddr,
        /// From the start of the lookup to the established connection.
        #[serde(rename = "elapsed_ms", serialize_with = "millis")]
        elapsed: Duration,
    },
    /// The name did not resolve to any address.
    DnsFailure {
        /// The resolver's explanation.
        message: String,
    },
    /// Every address refused the connection (nothing listens, or a firewall rejects).
    Refused,
    /// No answer within the timeout (typically a firewall that drops packets).
    Timeout {
        /// How long the check waited.
        #[serde(rename = "after_ms", serialize_with = "millis")]
        after: Duration,
    },
    /// Any other failure (no route, address family unsupported, ...).
    OtherError {
        /// The operating system's explanation.
        message: String,
    },
}

fn millis<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64() * 1000.0)
}

impl CheckOutcome {
    /// Whether the endpoint answered.
    pub fn is_reachable(&self) -> bool {
        matches!(self, CheckOutcome::Reachable { .. })
    }

    /// A one-word label: `reachable`, `dns-failure`, `refused`, `timeout`, `error`.
    pub fn label(&self) -> &'static str {
        match self {
            CheckOutcome::Reachable { .. } => "reachable",
            CheckOutcome::DnsFailure { .. } => "dns-failure",
            CheckOutcome::Refused => "refused",
            CheckOutcome::Timeout { .. } => "timeout",
            CheckOutcome::OtherError { .. } => "error",
        }
    }

    /// The detail that goes with the label, if any.
    pub fn detail(&self) -> String {
        match self {
            CheckOutcome::Reachable { addr, elapsed } => {
                format!("{addr} in {} ms", elapsed.as_millis())
            }
            CheckOutcome::DnsFailure { message } | CheckOutcome::OtherError { message } => {
                message.clone()
            }
            CheckOutcome::Refused => "connection refused".into(),
            CheckOutcome::Timeout { after } => {
                format!("no answer within {} ms", after.as_millis())
            }
        }
    }
}

impl fmt::Display for CheckOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.label(), self.detail())
    }
}

/// The result for one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndpointCheck {
    /// The endpoint from the table.
    pub endpoint: AlkEndpoint,
    /// What was actually dialed, `host:port`, after overrides.
    pub dialed: String,
    /// What happened.
    pub outcome: CheckOutcome,
}

impl EndpointCheck {
    /// Column titles matching [`EndpointCheck::table_row`].
    pub const TABLE_HEADER: [&'static str; 6] = [
        "Endpoint", "Purpose", "Required", "Dialed", "Result", "Detail",
    ];

    /// The check as table cells.
    pub fn table_row(&self) -> [String; 6] {
        [
            self.endpoint.address(),
            self.endpoint.purpose.to_string(),
            if self.endpoint.required { "yes" } else { "no" }.into(),
            self.dialed.clone(),
            self.outcome.label().into(),
            self.outcome.detail(),
        ]
    }

    /// Whether this result fails the whole check: a required endpoint that did not answer.
    pub fn fails_check(&self) -> bool {
        self.endpoint.required && !self.outcome.is_reachable()
    }
}

impl fmt::Display for EndpointCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.endpoint.address(), self.outcome)?;
        if self.dialed != self.endpoint.address() {
            write!(f, " [dialed {}]", self.dialed)?;
        }
        Ok(())
    }
}

/// Counts over a check; it passes when every required endpoint answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CheckSummary {
    /// Endpoints tried.
    pub checked: usize,
    /// Endpoints that answered.
    pub reachable: usize,
    /// Required endpoints that did not answer.
    pub required_failures: usize,
    /// Optional endpoints that did not answer (reported, not failing).
    pub optional_failures: usize,
    /// Whether the check passed.
    pub passed: bool,
}

impl CheckSummary {
    /// Summarises a check's results.
    pub fn of(checks: &[EndpointCheck]) -> Self {
        let reachable = checks.iter().filter(|c| c.outcome.is_reachable()).count();
        let required_failures = checks.iter().filter(|c| c.fails_check()).count();
        CheckSummary {
            checked: checks.len(),
            reachable,
            required_failures,
            optional_failures: checks.len() - reachable - required_failures,
            passed: required_failures == 0,
        }
    }
}

impl fmt::Display for CheckSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} of {} endpoints reachable; {} required and {} optional unreachable",
            if self.passed { "PASSED" } else { "FAILED" },
            self.reachable,
            self.checked,
            self.required_failures,
            self.optional_failures
        )
    }
}

/// Checks the endpoints with the real network ([`TcpConnector`]); results come back in the
/// order the endpoints were given.
pub async fn check<'e>(
    endpoints: impl IntoIterator<Item = &'e AlkEndpoint>,
    options: &CheckOptions,
) -> Vec<EndpointCheck> {
    check_with(&TcpConnector, endpoints, options).await
}

/// Like [`check`], through the given connector.
pub async fn check_with<'e, C: Connector + ?Sized>(
    connector: &C,
    endpoints: impl IntoIterator<Item = &'e AlkEndpoint>,
    options: &CheckOptions,
) -> Vec<EndpointCheck> {
    futures::stream::iter(endpoints.into_iter().copied())
        .map(|endpoint| check_one(connector, endpoint, options))
        .buffered(options.concurrency.max(1))
        .collect()
        .await
}

async fn check_one<C: Connector + ?Sized>(
    connector: &C,
    endpoint: AlkEndpoint,
    options: &CheckOptions,
) -> EndpointCheck {
    let (target, port) = match options.overrides.lookup(endpoint.host, endpoint.port) {
        Some(over) => (
            over.target.clone(),
            over.target_port.unwrap_or(endpoint.port),
        ),
        None => (
            OverrideTarget::Host(endpoint.host.to_owned()),
            endpoint.port,
        ),
    };
    let dialed = match &target {
        OverrideTarget::Ip(IpAddr::V6(ip)) => format!("[{ip}]:{port}"),
        other => format!("{other}:{port}"),
    };
    let started = Instant::now();
    let attempt = reach(connector, &target, port, started);
    let outcome = match tokio::time::timeout(options.timeout, attempt).await {
        Ok(outcome) => outcome,
        Err(_) => CheckOutcome::Timeout {
            after: options.timeout,
        },
    };
    EndpointCheck {
        endpoint,
        dialed,
        outcome,
    }
}

async fn reach<C: Connector + ?Sized>(
    connector: &C,
    target: &OverrideTarget,
    port: u16,
    started: Instant,
) -> CheckOutcome {
    let addrs = match target {
        OverrideTarget::Ip(ip) => vec![SocketAddr::new(*ip, port)],
        OverrideTarget::Host(host) if is_reserved_invalid(host) => {
            // RFC 6761 §6.4: resolvers should answer `.invalid` negatively at once. Doing so
            // here keeps the answer immediate and keeps the query off the network.
            return CheckOutcome::DnsFailure {
                message: format!("{host}: the .invalid domain never resolves (RFC 6761)"),
            };
        }
        OverrideTarget::Host(host) => match connector.resolve(host, port).await {
            Ok(addrs) if addrs.is_empty() => {
                return CheckOutcome::DnsFailure {
                    message: format!("{host}: no addresses"),
                }
            }
            Ok(addrs) => addrs,
            Err(e) => {
                return CheckOutcome::DnsFailure {
                    message: format!("{host}: {e}"),
                }
            }
        },
    };
    // Try each address in turn, as a client would; the last failure stands for all.
    let mut last_failure = CheckOutcome::Refused;
    for addr in addrs {
        match connector.connect(addr).await {
            Ok(()) => {
                return CheckOutcome::Reachable {
                    addr,
                    elapsed: started.elapsed(),
                }
            }
            Err(e) => last_failure = classify(&e, started),
        }
    }
    last_failure
}

fn classify(error: &io::Error, started: Instant) -> CheckOutcome {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => CheckOutcome::Refused,
        // The operating system gave up before our own timeout did.
        io::ErrorKind::TimedOut => CheckOutcome::Timeout {
            after: started.elapsed(),
        },
        _ => CheckOutcome::OtherError {
            message: error.to_string(),
        },
    }
}

fn is_reserved_invalid(host: &str) -> bool {
    let host = normalise_host(host);
    host == "invalid" || host.ends_with(".invalid")
}
