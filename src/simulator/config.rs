//! How a simulator is set up: data sizes, credentials, async behaviour, faults and drift.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use std::sync::Arc;

use super::faults::{FaultKind, FaultRule, RandomFaults};
use super::scenario::Scenario;

/// How many resources of each kind the simulator seeds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// Managed Veeam Backup & Replication servers (one license each).
    pub backup_servers: usize,
    /// Managed Veeam ONE servers.
    pub vone_servers: usize,
    /// Managed Veeam Backup for Microsoft 365 servers.
    pub vb365_servers: usize,
    /// Veeam Cloud Connect sites.
    pub sites: usize,
    /// Organizations (companies, resellers, the provider) that appear in reports and usage.
    pub organizations: usize,
    /// Months of license usage reports, the latest being the previous calendar month.
    pub report_months: usize,
}

impl Default for Sizes {
    fn default() -> Self {
        Sizes {
            backup_servers: 12,
            vone_servers: 4,
            vb365_servers: 4,
            sites: 3,
            organizations: 6,
            report_months: 6,
        }
    }
}

/// Which operations the simulator answers with `202 Accepted` and runs in the background.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum AsyncOperations {
    /// Every operation answers at once (the default).
    #[default]
    None,
    /// Every licensing operation runs asynchronously.
    All,
    /// Only the operations with these operationIds (as in the spec, e.g. `PatchBackupServerLicense`).
    Only(HashSet<String>),
}

impl AsyncOperations {
    /// Whether the operation with this operationId runs asynchronously.
    pub fn covers(&self, operation_id: &str) -> bool {
        match self {
            AsyncOperations::None => false,
            AsyncOperations::All => true,
            AsyncOperations::Only(ids) => ids.contains(operation_id),
        }
    }
}

/// Everything a [`Simulator`](super::Simulator) needs to start. Build it with the setters:
///
/// ```
/// use vspc_licensing::simulator::SimulatorConfig;
/// let config = SimulatorConfig::default().seed(7).backup_servers(100).api_key("secret");
/// assert_eq!(config.sizes.backup_servers, 100);
/// ```
#[derive(Clone, Debug)]
pub struct SimulatorConfig {
    /// Where to listen; `127.0.0.1:0` (a free loopback port) by default.
    pub address: SocketAddr,
    /// Seed of the deterministic data generator.
    pub seed: u64,
    /// How much data to seed.
    pub sizes: Sizes,
    /// API keys with full access. When this, [`read_only_api_keys`](Self::read_only_api_keys)
    /// and [`users`](Self::users) are all empty (the default), the built-in credentials apply
    /// ([`DEFAULT_API_KEY`](super::DEFAULT_API_KEY), [`DEFAULT_READ_ONLY_API_KEY`](super::DEFAULT_READ_ONLY_API_KEY),
    /// [`DEFAULT_USER`](super::DEFAULT_USER)); any credential given replaces all of them, so a
    /// simulator reachable by others accepts only what its owner chose.
    pub api_keys: Vec<String>,
    /// API keys that may only read (see [`api_keys`](Self::api_keys) for the built-in ones).
    pub read_only_api_keys: Vec<String>,
    /// Users who may sign in with the `password` grant: (name, password) (see
    /// [`api_keys`](Self::api_keys) for the built-in one).
    pub users: Vec<(String, String)>,
    /// Lifetime of access tokens issued by `POST /token`.
    pub token_lifetime: Duration,
    /// Lifetime of refresh tokens.
    pub refresh_token_lifetime: Duration,
    /// Operations answered with `202 Accepted`.
    pub async_operations: AsyncOperations,
    /// How long an async action runs before it applies its change.
    pub async_delay: Duration,
    /// Also run asynchronously every operation whose simulated processing time exceeds this, as
    /// a real VSPC does with slow calls. Simulated times: reads 20 ms, report and usage reads
    /// 200 ms, patches 300 ms, installs and deletes 2 s, online updates and finalization 5 s.
    pub async_threshold: Option<Duration>,
    /// Scripted faults, checked in order; the first that fires wins.
    pub faults: Vec<FaultRule>,
    /// Faults drawn at random (seeded), for load tests.
    pub random_faults: Option<RandomFaults>,
    /// Make responses drift from the spec as a newer console would: an undocumented field, an
    /// unlisted license type, a `null` license email.
    pub drift: bool,
    /// How long a response is kept for a repeated `X-Request-id`.
    pub idempotency_window: Duration,
    /// Most responses kept for repeated `X-Request-id`s; the oldest go first.
    pub idempotency_capacity: usize,
    /// Largest license file accepted, in bytes.
    pub max_license_file_bytes: usize,
    /// The API version the simulated console speaks (the newest it answers in); see
    /// [`api_version`](Self::api_version).
    pub api_version: crate::ApiVersion,
    /// The data to serve instead of the seeded defaults (see [`Scenario`]).
    pub scenario: Option<Arc<Scenario>>,
    /// Keep a journal of every request ([`SimulatorHandle::journal`](super::SimulatorHandle::journal)).
    pub journal: bool,
    /// Also append the journal to this file, one JSON line per request.
    pub journal_file: Option<PathBuf>,
    /// Serve at most this many resources a page whatever `limit` asks, as a console or proxy
    /// with a smaller page size does (short pages); `None` serves what is asked.
    pub max_page_size: Option<usize>,
    /// Limits on requests that are answered `429` like a console's throttling; none by default.
    pub throttling: Throttling,
    /// Most requests served at once; beyond it requests wait their turn and every answer comes
    /// later (see [`capacity`](Self::capacity)). `None` (the default): no limit.
    pub capacity: Option<usize>,
    /// Users who must complete sign-in with a second factor (the `mfa` grant), by name.
    pub mfa_users: Vec<String>,
    /// The day the seeded data is relative to (expiry dates, report months); today (UTC) when
    /// `None`. A fixed day makes the served data the same on every run, e.g. for a picture.
    pub today: Option<chrono::NaiveDate>,
    /// Time a client has to send a request's head, from when the server starts waiting for it
    /// (on a new connection or a kept-alive one between requests); then the connection is
    /// closed. 30 s by default.
    pub header_read_timeout: Duration,
    /// Time a connection may pass without a byte read or written (a stalled body, an answer
    /// nobody reads, or a request whose simulated delay is longer); then it is closed. 60 s by
    /// default.
    pub idle_timeout: Duration,
    /// Connections served at once; more wait in the OS's backlog until one closes. 512 by
    /// default, below the usual limit of 1,024 open files a process.
    pub max_connections: usize,
    /// Journal records kept in memory; beyond it the oldest are dropped from memory
    /// ([`journal_file`](Self::journal_file) still gets every one). 100,000 by default.
    pub journal_memory_limit: usize,
    /// Async actions kept (running or finished); beyond it the oldest are forgotten and
    /// answer `404`. 10,000 by default.
    pub async_action_limit: usize,
    /// Tokens kept of each kind (access, refresh, pending second factor); beyond it the oldest
    /// are forgotten and no longer accepted. 10,000 by default.
    pub token_limit: usize,
}

/// A console's throttling: limits on simultaneous requests and on requests per period. Over a
/// limit the simulator answers `429` in VSPC's body form (see [`FaultKind::Throttled`]): with
/// `retryAfter` (the seconds until the period ends) over the per-period limit, without it over
/// the simultaneous one. Every request counts, `POST /token` included.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Throttling {
    /// Most requests being answered at once.
    pub max_concurrent: Option<usize>,
    /// Most requests in each period: (requests, period).
    pub per_period: Option<(u32, Duration)>,
}

/// A setting a simulator cannot run with, found by [`Simulator::start`](super::Simulator::start)
/// before it binds anything (a rate that is not a share, a lifetime no token answer can state,
/// a timeout of zero).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the simulator cannot start with {setting} = {value}: {rule}")]
pub struct InvalidSetting {
    /// The setting, as its setter is named (`random_fault_rate`, `token_lifetime`).
    pub setting: &'static str,
    /// The value given, as written by `Debug`.
    pub value: String,
    /// What the setting takes.
    pub rule: &'static str,
}

/// The longest token lifetime: what `expires_in` (an `int32` of seconds in the spec) can state.
const LONGEST_TOKEN_LIFETIME: Duration = Duration::from_secs(i32::MAX as u64);

/// The code a user who must use multi-factor sign-in enters in the simulator.
pub const MFA_TEST_CODE: &str = "123456";

impl Default for SimulatorConfig {
    fn default() -> Self {
        SimulatorConfig {
            address: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: 42,
            sizes: Sizes::default(),
            // Empty: the built-in credentials, until one is given (see `credentials`).
            api_keys: Vec::new(),
            read_only_api_keys: Vec::new(),
            users: Vec::new(),
            token_lifetime: Duration::from_secs(3600),
            refresh_token_lifetime: Duration::from_secs(14 * 24 * 3600),
            async_operations: AsyncOperations::None,
            async_delay: Duration::from_millis(200),
            async_threshold: None,
            faults: Vec::new(),
            random_faults: None,
            drift: false,
            idempotency_window: Duration::from_secs(300),
            idempotency_capacity: 10_000,
            max_license_file_bytes: 64 * 1024,
            api_version: crate::ApiVersion::SPEC,
            scenario: None,
            journal: false,
            journal_file: None,
            max_page_size: None,
            throttling: Throttling::default(),
            capacity: None,
            mfa_users: Vec::new(),
            today: None,
            header_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 512,
            journal_memory_limit: 100_000,
            async_action_limit: 10_000,
            token_limit: 10_000,
        }
    }
}

impl SimulatorConfig {
    /// Listen on this address instead of a free loopback port.
    pub fn address(mut self, address: SocketAddr) -> Self {
        self.address = address;
        self
    }
    /// Seed of the data generator.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// All data sizes at once.
    pub fn sizes(mut self, sizes: Sizes) -> Self {
        self.sizes = sizes;
        self
    }
    /// Number of backup servers.
    pub fn backup_servers(mut self, count: usize) -> Self {
        self.sizes.backup_servers = count;
        self
    }
    /// Number of Veeam ONE servers.
    pub fn vone_servers(mut self, count: usize) -> Self {
        self.sizes.vone_servers = count;
        self
    }
    /// Number of Veeam Backup for Microsoft 365 servers.
    pub fn vb365_servers(mut self, count: usize) -> Self {
        self.sizes.vb365_servers = count;
        self
    }
    /// Number of Cloud Connect sites.
    pub fn sites(mut self, count: usize) -> Self {
        self.sizes.sites = count;
        self
    }
    /// Number of organizations.
    pub fn organizations(mut self, count: usize) -> Self {
        self.sizes.organizations = count;
        self
    }
    /// Seed the data as if today were `day` (see [`today`](Self::today)).
    pub fn today(mut self, day: chrono::NaiveDate) -> Self {
        self.today = Some(day);
        self
    }
    /// Number of report months.
    pub fn report_months(mut self, count: usize) -> Self {
        self.sizes.report_months = count;
        self
    }
    /// Accept this API key with full access, in addition to the credentials given before; the
    /// built-in ones ([`DEFAULT_API_KEY`](super::DEFAULT_API_KEY) and the others) are no longer
    /// accepted once any credential is given.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_keys.push(key.into());
        self
    }
    /// Accept this API key for reads only (the built-in credentials then no longer apply).
    pub fn read_only_api_key(mut self, key: impl Into<String>) -> Self {
        self.read_only_api_keys.push(key.into());
        self
    }
    /// Let this user sign in with the `password` grant (the built-in credentials then no longer
    /// apply).
    pub fn user(mut self, name: impl Into<String>, password: impl Into<String>) -> Self {
        self.users.push((name.into(), password.into()));
        self
    }
    /// Lifetime of issued access tokens (short values let tests see expiry). At most
    /// `i32::MAX` seconds, what a token answer's `expires_in` can state; a longer one makes
    /// [`Simulator::start`](super::Simulator::start) fail with [`InvalidSetting`].
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }
    /// Lifetime of issued refresh tokens (at most `i32::MAX` seconds, as for
    /// [`token_lifetime`](Self::token_lifetime)).
    pub fn refresh_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.refresh_token_lifetime = lifetime;
        self
    }
    /// Which operations answer `202 Accepted`.
    pub fn async_operations(mut self, operations: AsyncOperations) -> Self {
        self.async_operations = operations;
        self
    }
    /// How long async actions take.
    pub fn async_delay(mut self, delay: Duration) -> Self {
        self.async_delay = delay;
        self
    }
    /// Run asynchronously every operation whose simulated processing time exceeds `threshold`.
    pub fn async_threshold(mut self, threshold: Duration) -> Self {
        self.async_threshold = Some(threshold);
        self
    }
    /// Inject random, retry-safe faults (dropped connections before any change, `520`
    /// `retryableLogical`, `429`, `503`, short delays) into this share of requests, seeded from
    /// [`seed`](Self::seed). A share outside 0 to 1 (or NaN) makes
    /// [`Simulator::start`](super::Simulator::start) fail with [`InvalidSetting`], as does
    /// such a [`RandomFaults::probability`].
    pub fn random_fault_rate(mut self, rate: f64) -> Self {
        self.random_faults = Some(RandomFaults {
            probability: rate,
            seed: self.seed,
            kinds: vec![
                FaultKind::DropBeforeApply,
                FaultKind::RetryableError,
                FaultKind::TooManyRequests {
                    retry_after_secs: 1,
                },
                FaultKind::ServiceUnavailable,
                FaultKind::Delay(Duration::from_millis(100)),
            ],
        });
        self
    }
    /// Add a scripted fault.
    pub fn fault(mut self, rule: FaultRule) -> Self {
        self.faults.push(rule);
        self
    }
    /// Draw faults at random.
    pub fn random_faults(mut self, random: RandomFaults) -> Self {
        self.random_faults = Some(random);
        self
    }
    /// Turn drift mode on or off.
    pub fn drift(mut self, drift: bool) -> Self {
        self.drift = drift;
        self
    }

    /// Simulate the console release that speaks `version` (default [`ApiVersion::SPEC`](crate::ApiVersion::SPEC),
    /// console 9.1): `GET /about` reports that release, answers take that version's wire
    /// shapes, and a request declaring an older version in `X-Client-Version` gets the older
    /// shapes, as a console does. A request declaring a newer version is refused with `400`.
    pub fn api_version(mut self, version: crate::ApiVersion) -> Self {
        self.api_version = version;
        self
    }
    /// Serve at most `size` resources a page whatever `limit` asks (short pages).
    pub fn max_page_size(mut self, size: usize) -> Self {
        self.max_page_size = Some(size.max(1));
        self
    }
    /// Answer `429` when more than `requests` are being answered at once.
    pub fn max_concurrent_requests(mut self, requests: usize) -> Self {
        self.throttling.max_concurrent = Some(requests.max(1));
        self
    }
    /// Serve at most `requests` at once (at least one): the rest wait their turn, first come
    /// first served, so that every answer comes later the more are sent at once, as on a
    /// console bound by its database. Unlike
    /// [`max_concurrent_requests`](Self::max_concurrent_requests) nothing is refused; a client
    /// sees only its answers slow down. The service time is what the request takes (add a
    /// delay fault, `serve --latency`, for a realistic one).
    pub fn capacity(mut self, requests: usize) -> Self {
        self.capacity = Some(requests.max(1));
        self
    }
    /// Answer `429` (with `retryAfter`) beyond `requests` in each `period`.
    pub fn max_requests_per_period(mut self, requests: u32, period: Duration) -> Self {
        self.throttling.per_period = Some((requests.max(1), period));
        self
    }
    /// Let this user sign in only with a second factor: the password grant answers with an
    /// `mfa_token`, and the `mfa` grant with [`MFA_TEST_CODE`] completes it (the built-in
    /// credentials then no longer apply).
    pub fn mfa_user(mut self, name: impl Into<String>, password: impl Into<String>) -> Self {
        let name = name.into();
        self.users.push((name.clone(), password.into()));
        self.mfa_users.push(name);
        self
    }
    /// How long responses are kept for repeated `X-Request-id`s.
    pub fn idempotency_window(mut self, window: Duration) -> Self {
        self.idempotency_window = window;
        self
    }
    /// Serve this scenario's data: its listed objects, seeded fill for the fields it leaves
    /// out, its faults (after those already set) and its seed when it names one.
    pub fn scenario(mut self, scenario: Scenario) -> Self {
        if let Some(seed) = scenario.seed() {
            self.seed = seed;
        }
        self.faults.extend(scenario.faults().iter().cloned());
        if let Some(version) = scenario.api_version().and_then(|v| v.parse().ok()) {
            self.api_version = version;
        }
        self.scenario = Some(Arc::new(scenario));
        self
    }
    /// Keep a journal of every request, read with
    /// [`SimulatorHandle::journal`](super::SimulatorHandle::journal).
    pub fn journal(mut self, on: bool) -> Self {
        self.journal = on;
        self
    }
    /// Time a client has to send a request's head (see [`header_read_timeout`](Self::header_read_timeout)).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }
    /// Close connections on which no byte moves for this long (see [`idle_timeout`](Self::idle_timeout)).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }
    /// Serve at most this many connections at once (see [`max_connections`](Self::max_connections)).
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections;
        self
    }
    /// Keep at most this many journal records in memory (see [`journal_memory_limit`](Self::journal_memory_limit)).
    pub fn journal_memory_limit(mut self, records: usize) -> Self {
        self.journal_memory_limit = records;
        self
    }
    /// Keep at most this many async actions (see [`async_action_limit`](Self::async_action_limit)).
    pub fn async_action_limit(mut self, actions: usize) -> Self {
        self.async_action_limit = actions;
        self
    }
    /// Keep at most this many tokens of each kind (see [`token_limit`](Self::token_limit)).
    pub fn token_limit(mut self, tokens: usize) -> Self {
        self.token_limit = tokens;
        self
    }
    /// Append the journal to this file as JSON lines (and keep it in memory too).
    pub fn journal_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal_file = Some(path.into());
        self.journal = true;
        self
    }

    /// The first setting the simulator cannot run with, if any: checked before it starts, so
    /// that a bad value is an error and not a panic in the middle of a request.
    pub(crate) fn validate(&self) -> Result<(), InvalidSetting> {
        let invalid = |setting, value: &dyn std::fmt::Debug, rule| InvalidSetting {
            setting,
            value: format!("{value:?}"),
            rule,
        };
        if let Some(random) = &self.random_faults {
            // `contains` is false for NaN too.
            if !(0.0..=1.0).contains(&random.probability) {
                return Err(invalid(
                    "random_fault_rate",
                    &random.probability,
                    "a share of requests from 0 to 1",
                ));
            }
        }
        for (setting, lifetime) in [
            ("token_lifetime", self.token_lifetime),
            ("refresh_token_lifetime", self.refresh_token_lifetime),
        ] {
            if lifetime > LONGEST_TOKEN_LIFETIME {
                return Err(invalid(
                    setting,
                    &lifetime,
                    "at most 2147483647 seconds, what a token answer's expires_in can state",
                ));
            }
        }
        for (setting, timeout) in [
            ("header_read_timeout", self.header_read_timeout),
            ("idle_timeout", self.idle_timeout),
        ] {
            if timeout.is_zero() {
                return Err(invalid(setting, &timeout, "longer than zero"));
            }
        }
        if self.max_connections == 0 {
            return Err(invalid("max_connections", &0, "at least one connection"));
        }
        Ok(())
    }

    /// The credentials the simulator accepts: those given, or the built-in ones when none is
    /// (full-access keys, read-only keys, users).
    pub(crate) fn credentials(&self) -> (Vec<String>, Vec<String>, Vec<(String, String)>) {
        if self.api_keys.is_empty() && self.read_only_api_keys.is_empty() && self.users.is_empty() {
            return (
                vec![super::DEFAULT_API_KEY.to_owned()],
                vec![super::DEFAULT_READ_ONLY_API_KEY.to_owned()],
                vec![(
                    super::DEFAULT_USER.to_owned(),
                    super::DEFAULT_PASSWORD.to_owned(),
                )],
            );
        }
        (
            self.api_keys.clone(),
            self.read_only_api_keys.clone(),
            self.users.clone(),
        )
    }
}
