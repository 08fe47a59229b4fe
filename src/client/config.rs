//! Building a [`Client`]: where VSPC is, how to sign in, timeouts, TLS, retries.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::client::answer::DEFAULT_MAX_ANSWER_BYTES;
use crate::client::async_action::AsyncActionPolicy;
use crate::client::auth::{Authenticator, Credentials, MfaCodeProvider, Secret};
use crate::client::concurrency::AdaptiveLimit;
use crate::client::error::Error;
use crate::client::hooks::Runtime;
use crate::client::retry::RetryPolicy;
use crate::client::runtime::Shared;
use crate::client::version_detection::Declared;
use crate::model::api_version::ApiVersion;
use crate::model::generated::Client;
use crate::model::spec_facts::API_BASE_PATH;

/// The API version this crate's spec describes; sent as `X-Client-Version` by default
/// ([`ApiVersion::SPEC`] as text).
pub const API_VERSION: &str = "3.6.1";

/// Which version the built client declares.
#[derive(Debug)]
enum VersionChoice {
    /// This text (a known version or a caller's own).
    Fixed(String),
    /// Ask the console on the first call.
    Detect,
}

/// Builds a [`Client`]. Start with [`Client::builder`].
///
/// ```no_run
/// # async fn run() -> Result<(), vspc_licensing::Error> {
/// use std::time::Duration;
/// let client = vspc_licensing::Client::builder("https://vspc.example.com:1280")
///     .api_key(std::env::var("VSPC_API_KEY").unwrap_or_default())
///     .timeout(Duration::from_secs(30))
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    url: String,
    credentials: Credentials,
    connect_timeout: Duration,
    timeout: Duration,
    client_version: VersionChoice,
    user_agent: String,
    extra_roots: Vec<Result<Vec<reqwest::Certificate>, String>>,
    accept_invalid_certs: bool,
    retry: RetryPolicy,
    async_actions: AsyncActionPolicy,
    refresh_margin: Duration,
    pool_max_idle_per_host: usize,
    mfa: Option<MfaCodeProvider>,
    max_answer_bytes: u64,
    in_flight: InFlight,
    initial_in_flight: Option<usize>,
}

/// How many requests the client's walks and bulk changes keep in flight.
#[derive(Clone, Copy, Debug)]
enum InFlight {
    /// Found from the console's answers, up to this many.
    Adaptive(usize),
    /// This many, halved after `429`s.
    Fixed(usize),
}

impl Client {
    /// Starts building a client for the VSPC at `url`: `https://host:1280`, or the API root
    /// `https://host:1280/api/v3` (either works).
    pub fn builder(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            url: url.into(),
            credentials: Credentials::None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            client_version: VersionChoice::Fixed(ApiVersion::SPEC.to_string()),
            user_agent: format!("vspc-licensing/{}", env!("CARGO_PKG_VERSION")),
            extra_roots: Vec::new(),
            accept_invalid_certs: false,
            retry: RetryPolicy::default(),
            async_actions: AsyncActionPolicy::default(),
            refresh_margin: Duration::from_secs(60),
            pool_max_idle_per_host: 32,
            mfa: None,
            in_flight: InFlight::Adaptive(crate::client::concurrency::DEFAULT_MAX_IN_FLIGHT),
            max_answer_bytes: DEFAULT_MAX_ANSWER_BYTES,
            initial_in_flight: None,
        }
    }
}

impl ClientBuilder {
    /// Authenticate with a REST API key (recommended for automation).
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.credentials = Credentials::ApiKey(key.into());
        self
    }

    /// Authenticate with a user name and password through `POST /token`.
    pub fn credentials(mut self, username: impl Into<String>, password: impl Into<Secret>) -> Self {
        self.credentials = Credentials::Password {
            username: username.into(),
            password: password.into(),
            read_only: false,
        };
        self
    }

    /// Any [`Credentials`].
    pub fn auth(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// How long to wait for a TCP and TLS connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take, answer body included (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The `X-Client-Version` sent with every request as free text (default [`API_VERSION`]);
    /// prefer [`api_version`](Self::api_version).
    pub fn client_version(mut self, version: impl Into<String>) -> Self {
        self.client_version = VersionChoice::Fixed(version.into());
        self
    }

    /// The API version to speak: sent as `X-Client-Version` on every request, so the console
    /// answers in that version's shapes (default [`ApiVersion::SPEC`], 3.6.1). Every version the
    /// crate knows decodes into the same typed model.
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.client_version = VersionChoice::Fixed(version.to_string());
        self
    }

    /// Ask the console which version to speak: on the first call (after signing in) the client
    /// reads `GET /about` once and declares the newest version that console's release speaks
    /// from then on ([`ApiVersion::for_console`]; a release newer than the crate knows gets
    /// [`ApiVersion::NEWEST`]). A console older than 8.1 fails every call with
    /// [`Error::UnsupportedConsole`]; [`Client::resolve_api_version`] runs the detection up front.
    pub fn detect_api_version(mut self) -> Self {
        self.client_version = VersionChoice::Detect;
        self
    }

    /// The `User-Agent` (default `vspc-licensing/<version>`).
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = agent.into();
        self
    }

    /// Trusts one more CA certificate (PEM), on top of the system's: for a VSPC with a
    /// self-signed or internal-CA certificate.
    pub fn add_ca_certificate_pem(mut self, pem: &[u8]) -> Self {
        self.extra_roots
            .push(parse_pem_certificates(pem).map_err(|e| format!("CA certificate: {e}")));
        self
    }

    /// Reads a CA certificate (PEM) from a file; see [`add_ca_certificate_pem`](Self::add_ca_certificate_pem).
    pub fn add_ca_certificate_file(mut self, path: impl AsRef<Path>) -> Self {
        self.extra_roots.push(read_pem_file(path.as_ref()));
        self
    }

    /// **Turns off TLS certificate verification.** Anyone between the client and VSPC can then
    /// read the credentials. Only for a lab; prefer [`add_ca_certificate_pem`](Self::add_ca_certificate_pem).
    /// The client logs a warning when built this way.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = accept;
        self
    }

    /// How failed attempts are retried (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How `202 Accepted` answers are treated (default: followed to their result).
    pub fn async_actions(mut self, policy: AsyncActionPolicy) -> Self {
        self.async_actions = policy;
        self
    }

    /// Where the one-time code of a multi-factor sign-in comes from. A password sign-in on an
    /// account with MFA is answered with an `mfa_token` and no access token; the client then
    /// asks `provider` for the code and completes the sign-in with the `mfa` grant. Without a
    /// provider such a sign-in fails with [`Error::Authentication`].
    ///
    /// ```no_run
    /// # fn run() -> Result<(), vspc_licensing::Error> {
    /// use vspc_licensing::MfaCodeProvider;
    /// let client = vspc_licensing::Client::builder("https://vspc.example.com:1280")
    ///     .credentials("ops", "password")
    ///     .mfa_code(MfaCodeProvider::new(|| async {
    ///         std::env::var("VSPC_MFA_CODE").ok().map(Into::into)
    ///     }))
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn mfa_code(mut self, provider: MfaCodeProvider) -> Self {
        self.mfa = Some(provider);
        self
    }

    /// How long before expiry an access token is renewed (default 60 s).
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// How many idle keep-alive connections to keep per host (default 32).
    pub fn pool_max_idle_per_host(mut self, connections: usize) -> Self {
        self.pool_max_idle_per_host = connections;
        self
    }

    /// The most requests walks and bulk changes keep in flight (default
    /// [`DEFAULT_MAX_IN_FLIGHT`](crate::DEFAULT_MAX_IN_FLIGHT), 16; at least one). Between one
    /// and this many, the client finds what the console takes: more while answers keep their
    /// latency, fewer when they slow down or a `429` comes; see
    /// [`Client::in_flight_limit`] and `docs/concurrency.md`.
    pub fn max_in_flight(mut self, requests: usize) -> Self {
        self.in_flight = InFlight::Adaptive(requests.max(1));
        self
    }

    /// Keep exactly this many requests in flight in walks and bulk changes (at least one),
    /// whatever the console's latency; halved after `429`s as ever. For a console whose
    /// capacity is known; [`max_in_flight`](Self::max_in_flight) finds it otherwise.
    pub fn fixed_in_flight(mut self, requests: usize) -> Self {
        self.in_flight = InFlight::Fixed(requests.max(1));
        self
    }

    /// Where the adaptive limit starts (default
    /// [`DEFAULT_PAGES_IN_FLIGHT`](crate::DEFAULT_PAGES_IN_FLIGHT)): a limit learned from this
    /// console before, read at the end of a run with
    /// [`AdaptiveLimit::limit`](crate::AdaptiveLimit::limit), so that the next run need not
    /// climb again. Bounded by one and by [`max_in_flight`](Self::max_in_flight); from there
    /// the limit adapts as ever (it falls again if the console now queues or throttles).
    /// Ignored with [`fixed_in_flight`](Self::fixed_in_flight).
    ///
    /// ```no_run
    /// # async fn run(remembered: Option<usize>) -> Result<(), vspc_licensing::Error> {
    /// use futures::StreamExt;
    /// use vspc_licensing::{Client, ListQuery, Product};
    /// let mut builder = Client::builder("https://vspc.example.com:1280").api_key("key");
    /// if let Some(limit) = remembered {
    ///     builder = builder.initial_in_flight(limit);
    /// }
    /// let client = builder.build()?;
    /// let licenses: Vec<_> = client
    ///     .licenses(Product::BackupServer, ListQuery::new())
    ///     .collect()
    ///     .await;
    /// # let _ = licenses;
    /// // What the walk learned, to start the next run with.
    /// let learned = client.in_flight_limit().limit();
    /// # let _ = learned;
    /// # Ok(())
    /// # }
    /// ```
    pub fn initial_in_flight(mut self, requests: usize) -> Self {
        self.initial_in_flight = Some(requests.max(1));
        self
    }

    /// The most bytes the client reads of one answer (default [`DEFAULT_MAX_ANSWER_BYTES`],
    /// 64 MiB; at least 1 KiB). An answer announcing or sending more ends the call with
    /// [`Error::AnswerTooLarge`], which is not retried: the rest of the answer is not read, so
    /// an answer that never ends cannot fill memory. It applies to every answer, the CSV
    /// reports and the sign-in's included.
    pub fn max_answer_bytes(mut self, bytes: u64) -> Self {
        self.max_answer_bytes = bytes.max(1024);
        self
    }

    /// Builds the client. Fails on a malformed URL or an unreadable CA certificate.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = normalise_base_url(&self.url)?;
        if !matches!(self.credentials, Credentials::None) && sends_in_clear(&base_url) {
            tracing::warn!(
                url = %base_url,
                "credentials go over plain http:// to a host that is not this machine: anyone on the path can read them; use https://"
            );
        }
        let declared = match &self.client_version {
            VersionChoice::Fixed(text) => {
                Declared::Fixed(HeaderValue::from_str(text).map_err(|_| {
                    Error::Config(format!(
                        "X-Client-Version {text:?} is not a valid header value"
                    ))
                })?)
            }
            VersionChoice::Detect => Declared::Detected(tokio::sync::OnceCell::new()),
        };
        crate::client::tls::install_crypto_provider();
        let mut http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(self.user_agent)
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .redirect(crate::client::redirect::same_origin_only())
            .tcp_nodelay(true);
        let mut roots = Vec::new();
        for root in self.extra_roots {
            roots.extend(root.map_err(Error::Config)?);
        }
        if !roots.is_empty() {
            http = http.tls_certs_merge(roots);
        }
        if self.accept_invalid_certs {
            tracing::warn!(
                url = %base_url,
                "TLS certificate verification is OFF: credentials can be read by anyone on the path to VSPC"
            );
            http = http.tls_danger_accept_invalid_certs(true);
        }
        let http = http
            .build()
            .map_err(|e| Error::Config(format!("cannot set up HTTP: {e}")))?;
        let throttle = crate::client::concurrency::ThrottleSignal::default();
        let in_flight = match self.in_flight {
            InFlight::Adaptive(max) => AdaptiveLimit::adaptive_watching(
                max,
                self.initial_in_flight
                    .unwrap_or(crate::DEFAULT_PAGES_IN_FLIGHT),
                throttle.clone(),
            ),
            InFlight::Fixed(requests) => AdaptiveLimit::watching(requests, throttle.clone()),
        };
        let shared = Shared {
            base_url: base_url.clone(),
            declared,
            auth: Authenticator::new(self.credentials, self.refresh_margin, self.mfa),
            retry: self.retry,
            async_actions: self.async_actions,
            max_answer_bytes: self.max_answer_bytes,
            throttle,
            in_flight,
        };
        Ok(Client::new_with_client(
            &base_url,
            http,
            Runtime(Arc::new(shared)),
        ))
    }
}

/// Every certificate in the PEM file at `path`, as [`ClientBuilder::add_ca_certificate_file`]
/// reads it: an error ([`Error::Config`](crate::Error::Config)) when the file cannot be read,
/// is larger than a CA file can be, holds no certificate or a damaged one, so that a wrong file
/// is reported instead of silently trusting nothing new. For an HTTP client of your own that
/// trusts the same CA.
pub fn read_pem_certificates(path: &Path) -> crate::Result<Vec<reqwest::Certificate>> {
    read_pem_file(path).map_err(crate::Error::Config)
}

/// The largest CA file the client reads: 4 MiB, some ten times a whole system trust store, so
/// that a wrong path (`/dev/zero`, a disk image) fails at once instead of filling memory.
pub(crate) const MAX_CA_FILE_BYTES: u64 = 4 * 1024 * 1024;

fn read_pem_file(path: &Path) -> Result<Vec<reqwest::Certificate>, String> {
    use std::io::Read;
    let cannot_read =
        |e: std::io::Error| format!("cannot read CA certificate {}: {e}", path.display());
    let mut pem = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_CA_FILE_BYTES + 1).read_to_end(&mut pem))
        .map_err(cannot_read)?;
    if pem.len() as u64 > MAX_CA_FILE_BYTES {
        return Err(format!(
            "{}: larger than {} MiB: not a CA certificate file (a whole trust store is well under 1 MiB)",
            path.display(),
            MAX_CA_FILE_BYTES / (1024 * 1024)
        ));
    }
    parse_pem_certificates(&pem).map_err(|e| format!("{}: {e}", path.display()))
}

/// Every certificate in a PEM text; an error when there is none or one is damaged, so that a
/// wrong file is reported instead of silently trusting nothing new.
fn parse_pem_certificates(pem: &[u8]) -> Result<Vec<reqwest::Certificate>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let ders: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("not a PEM certificate ({e:?})"))?;
    if ders.is_empty() {
        return Err("no PEM certificate (-----BEGIN CERTIFICATE-----) found".into());
    }
    ders.iter()
        .map(|der| {
            reqwest::Certificate::from_der(der).map_err(|e| format!("unreadable certificate: {e}"))
        })
        .collect()
}

/// Whether requests to `url` travel unencrypted beyond this machine: `http://` to a host that is
/// not a loopback address or `localhost` (the CLI and [`ClientBuilder::build`] warn then; the
/// cases are tested through that warning in `tests/client/behaviour/building.rs`).
pub fn sends_in_clear(url: &str) -> bool {
    let Ok(parsed) = url::Url::parse(url.trim()) else {
        return false;
    };
    if parsed.scheme() != "http" {
        return false;
    }
    match parsed.host() {
        Some(url::Host::Ipv4(ip)) => !ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => !ip.is_loopback(),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name != "localhost" && !name.ends_with(".localhost")
        }
        None => false,
    }
}

/// `https://host:1280`, `https://host:1280/` and `https://host:1280/api/v3/` all become
/// `https://host:1280/api/v3`; a reverse-proxy prefix is kept (`https://proxy/vspc/api/v3`).
pub fn normalise_base_url(url: &str) -> Result<String, Error> {
    const EXAMPLE: &str = "write it like https://vspc.example.com:1280";
    let text = clean_base_url(url).map_err(|problem| {
        let url = without_credentials(url);
        Error::Config(match problem {
            BaseUrlProblem::NotAUrl(e) => format!("{url:?} is not a URL ({e}); {EXAMPLE}"),
            BaseUrlProblem::NotHttp | BaseUrlProblem::NoHost => {
                format!("{url:?} is not an http(s) URL; {EXAMPLE}")
            }
            BaseUrlProblem::QueryOrFragment => {
                format!("{url:?} must not carry a query or fragment")
            }
            BaseUrlProblem::Credentials => format!(
                "{url:?}: {problem}; give the API key or the user name and password as credentials (--api-key, --user, a profile), not in the URL"
            ),
        })
    })?;
    Ok(if text.ends_with(API_BASE_PATH) {
        text
    } else {
        format!("{text}{API_BASE_PATH}")
    })
}

/// Why a text is not a base URL.
#[derive(Debug)]
pub(crate) enum BaseUrlProblem {
    /// It does not parse as a URL.
    NotAUrl(url::ParseError),
    /// The scheme is not `http` or `https`.
    NotHttp,
    /// There is no host.
    NoHost,
    /// It carries a query or a fragment, which a base URL has no use for.
    QueryOrFragment,
    /// It carries a user name or password (`user:pass@`), which would be sent as Basic
    /// authentication and shown wherever the URL is (logs, warnings, `Debug`).
    Credentials,
}

impl std::fmt::Display for BaseUrlProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BaseUrlProblem::NotAUrl(e) => e.fmt(f),
            BaseUrlProblem::NotHttp => f.write_str("the scheme must be http or https"),
            BaseUrlProblem::NoHost => f.write_str("there is no host"),
            BaseUrlProblem::QueryOrFragment => f.write_str("a base URL has no query or fragment"),
            BaseUrlProblem::Credentials => {
                f.write_str("a base URL must not carry a user name or password (user:pass@)")
            }
        }
    }
}

/// An absolute `http(s)` URL with a host and neither query nor fragment, without the trailing
/// `/`: generated clients append operation paths to it as text.
pub(crate) fn clean_base_url(url: &str) -> Result<String, BaseUrlProblem> {
    let parsed = url::Url::parse(url.trim()).map_err(BaseUrlProblem::NotAUrl)?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(BaseUrlProblem::NotHttp);
    }
    if parsed.host_str().is_none() {
        return Err(BaseUrlProblem::NoHost);
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(BaseUrlProblem::QueryOrFragment);
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(BaseUrlProblem::Credentials);
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

/// `url` with whatever stands before an `@` in its authority shown as `***` (`https://***@host`),
/// for messages and warnings: a URL given with `user:pass@` is refused, and the refusal must not
/// repeat the password. Works on the text, so that a URL that does not even parse is covered.
pub(crate) fn without_credentials(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|at| at + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..scheme_end], &rest[at..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_a_url_are_hidden_from_messages() {
        for (given, shown) in [
            ("https://ops:pw@vspc:1280/api", "https://***@vspc:1280/api"),
            ("https://pw@vspc", "https://***@vspc"),
            ("http://a:b@c@vspc?x#y", "http://***@vspc?x#y"),
            ("https://vspc:1280/a@b", "https://vspc:1280/a@b"),
            ("not a url @ all", "not a url @ all"),
        ] {
            assert_eq!(without_credentials(given), shown, "{given}");
        }
    }

    #[test]
    fn base_urls_are_normalised() {
        for (given, expected) in [
            ("https://vspc:1280", "https://vspc:1280/api/v3"),
            ("https://vspc:1280/", "https://vspc:1280/api/v3"),
            ("https://vspc:1280/api/v3", "https://vspc:1280/api/v3"),
            ("https://vspc:1280/api/v3/", "https://vspc:1280/api/v3"),
            (
                " http://127.0.0.1:8080/proxy ",
                "http://127.0.0.1:8080/proxy/api/v3",
            ),
        ] {
            assert_eq!(normalise_base_url(given).unwrap(), expected, "{given}");
        }
        for bad in [
            "vspc:1280",
            "ftp://vspc",
            "https://vspc:1280/api/v3?x=1",
            "not a url",
        ] {
            let err = normalise_base_url(bad).unwrap_err().to_string();
            assert!(err.contains("invalid configuration"), "{bad}: {err}");
        }
    }
}
