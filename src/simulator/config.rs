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
    /// API keys with full access.
    pub api_keys: Vec<String>,
    /// API keys that may only read.
    pub read_only_api_keys: Vec<String>,
    /// Users who may sign in with the `password` grant: (name, password).
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

/// The code a user who must use multi-factor sign-in enters in the simulator.
pub const MFA_TEST_CODE: &str = "123456";

impl Default for SimulatorConfig {
    fn default() -> Self {
        SimulatorConfig {
            address: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: 42,
            sizes: Sizes::default(),
            api_keys: vec![crate::simulator::DEFAULT_API_KEY.to_owned()],
            read_only_api_keys: vec![crate::simulator::DEFAULT_READ_ONLY_API_KEY.to_owned()],
            users: vec![(
                crate::simulator::DEFAULT_USER.to_owned(),
                crate::simulator::DEFAULT_PASSWORD.to_owned(),
            )],
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
    /// Accept this API key with full access (in addition to those already set).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_keys.push(key.into());
        self
    }
    /// Accept this API key for reads only.
    pub fn read_only_api_key(mut self, key: impl Into<String>) -> Self {
        self.read_only_api_keys.push(key.into());
        self
    }
    /// Let this user sign in with the `password` grant.
    pub fn user(mut self, name: impl Into<String>, password: impl Into<String>) -> Self {
        self.users.push((name.into(), password.into()));
        self
    }
    /// Lifetime of issued access tokens (short values let tests see expiry).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }
    /// Lifetime of issued refresh tokens.
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
    /// [`seed`](Self::seed).
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
    /// `mfa_token`, and the `mfa` grant with [`MFA_TEST_CODE`] completes it.
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
    /// Append the journal to this file as JSON lines (and keep it in memory too).
    pub fn journal_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal_file = Some(path.into());
        self.journal = true;
        self
    }
}
