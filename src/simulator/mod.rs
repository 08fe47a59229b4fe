//! An embedded simulator of the VSPC licensing API: a real HTTP server on loopback that speaks
//! the wire format of `spec/vspc-licensing.yaml`.
//!
//! It serves every operation of the spec with real semantics over seeded, deterministic data
//! (see [`SimulatorConfig`]), plus the things automation has to cope with on a real server:
//! tokens that expire, read-only credentials, `X-Request-id` replays, `202 Accepted` async
//! actions, scripted or random faults ([`FaultRule`], [`RandomFaults`]) and a drift mode whose
//! answers stray from the spec.
//!
//! # Simulator
//!
//! VSPC does not run on a laptop or in CI; the simulator does. Start it in-process (feature
//! `simulator`), point any client at [`SimulatorHandle::base_url`] and sign in with the default
//! API key, or with one of your own, which then replaces every built-in credential:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use vspc_licensing::simulator::{Simulator, SimulatorConfig};
//!
//! let sim = Simulator::start(SimulatorConfig::default().api_key("my-key").backup_servers(50)).await?;
//! let page: serde_json::Value = reqwest::Client::new()
//!     .get(format!("{}/licensing/backupServers?limit=10", sim.base_url()))
//!     .bearer_auth("my-key")
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! assert_eq!(page["meta"]["pagingInfo"]["total"], 50);
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! For contract tests of your own automation, run it as a process with
//! `vspc-licensing serve` (its first line on stdout is the base URL), or call
//! [`serve_forever`] from your own binary. Script faults per operation to check your retries:
//! `SimulatorConfig::default().fault(FaultRule::once("PatchBackupServerLicense", FaultKind::DropAfterApply))`
//! drops the first patch's connection after applying it, so a client that retries with the same
//! `X-Request-id` must see the change applied exactly once
//! ([`SimulatorState::changes_applied`] tells). Sample license files for the install
//! operations, and their format, are in `spec/licenses/`.

mod app;
mod async_actions;
mod auth;
mod bounded;
mod config;
mod dispatch;
mod faults;
mod idempotency;
mod journal;
mod license_file;
mod load;
mod operations;
mod patch;
mod pulse;
mod query;
mod reports;
mod response;
mod routes;
mod scenario;
mod seed;
mod server;
mod state;
mod throttle;
mod versions;

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock, RwLock};

use chrono::{DurationRound, TimeDelta, Utc};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{
    AsyncOperations, InvalidSetting, SimulatorConfig, Sizes, Throttling, MFA_TEST_CODE,
};
pub use faults::{FaultKind, FaultRule, Firing, RandomFaults, RouteMatch};
pub use journal::JournalEntry;
pub use license_file::{ParseSimulatorLicenseError, SimulatorLicense, MAGIC as LICENSE_FILE_MAGIC};
pub use load::Load;
pub use scenario::{Scenario, ScenarioError, ScenarioProblem, EXAMPLE as SCENARIO_EXAMPLE};
pub use state::SimulatorState;

/// The API key a configuration that names no credential accepts with full access. Giving any
/// key or user ([`SimulatorConfig::api_key`], [`SimulatorConfig::user`], ...) replaces it and
/// the other built-in credentials.
pub const DEFAULT_API_KEY: &str = "vspc-sim-key";
/// The API key a configuration that names no credential accepts for reads only.
pub const DEFAULT_READ_ONLY_API_KEY: &str = "vspc-sim-read-only-key";
/// The user a configuration that names no credential knows.
pub const DEFAULT_USER: &str = "admin";
/// That user's password.
pub const DEFAULT_PASSWORD: &str = "vspc-sim-password";

/// The simulator; [`Simulator::start`] runs one.
#[derive(Debug)]
pub struct Simulator;

/// Why a simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimulatorError {
    /// The address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// What the OS said.
        source: io::Error,
    },
    /// The journal file could not be opened.
    #[error("cannot open the request journal {path}: {source}")]
    Journal {
        /// The file.
        path: String,
        /// What the OS said.
        source: io::Error,
    },
    /// The scenario describes objects that cannot be served.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A setting of the configuration cannot be run with.
    #[error(transparent)]
    InvalidSetting(#[from] InvalidSetting),
}

/// A running simulator. Dropping it without [`shutdown`](Self::shutdown) stops it too.
pub struct SimulatorHandle {
    address: SocketAddr,
    state: SimulatorState,
    journal: Option<Arc<journal::Journal>>,
    load: Arc<load::LoadModel>,
    /// The connections being served now.
    open_connections: Arc<std::sync::atomic::AtomicUsize>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Simulator {
    /// Seeds the data, binds the address and starts serving.
    pub async fn start(config: SimulatorConfig) -> Result<SimulatorHandle, SimulatorError> {
        config.validate()?;
        let listener = tokio::net::TcpListener::bind(config.address)
            .await
            .map_err(|source| SimulatorError::Bind {
                address: config.address,
                source,
            })?;
        let address = listener
            .local_addr()
            .map_err(|source| SimulatorError::Bind {
                address: config.address,
                source,
            })?;
        // Data is relative to the start of today (UTC), so two simulators started the same day
        // with the same seed serve the same data.
        let today = match config.today {
            Some(day) => day.and_time(chrono::NaiveTime::MIN).and_utc(),
            None => Utc::now()
                .duration_trunc(TimeDelta::days(1))
                .unwrap_or_else(|_| Utc::now()),
        };
        let seed_value = config.seed;
        let sizes = config.sizes.clone();
        let scenario = config.scenario.clone();
        let state = tokio::task::spawn_blocking(move || match scenario {
            Some(scenario) => {
                scenario::assemble(&scenario, seed_value, &sizes, today).map_err(|problems| {
                    ScenarioError::Invalid {
                        origin: scenario.origin().to_owned(),
                        problems: problems
                            .into_iter()
                            .map(|(pointer, message)| ScenarioProblem {
                                field: scenario::field_name(&pointer),
                                line: None,
                                message,
                            })
                            .collect(),
                    }
                })
            }
            None => Ok(seed::seed(seed_value, &sizes, today)),
        })
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))?;
        let state = Arc::new(RwLock::new(state));
        let journal = if config.journal || config.journal_file.is_some() {
            let file = config.journal_file.as_deref();
            let opened =
                journal::Journal::open(file, config.journal_memory_limit).map_err(|source| {
                    SimulatorError::Journal {
                        path: file.map(|f| f.display().to_string()).unwrap_or_default(),
                        source,
                    }
                })?;
            Some(Arc::new(opened))
        } else {
            None
        };
        let load = Arc::new(load::LoadModel::new(config.capacity));
        let app = Arc::new(app::App {
            state: Arc::clone(&state),
            auth: auth::Auth::new(&config),
            idempotency: idempotency::Idempotency::new(
                config.idempotency_window,
                config.idempotency_capacity,
            ),
            actions: async_actions::AsyncActions::new(config.async_action_limit),
            faults: faults::Faults::new(config.faults.clone(), config.random_faults.clone()),
            journal: journal.clone(),
            throttle: throttle::Throttle::new(config.throttling.clone()),
            load: Arc::clone(&load),
            origin: OnceLock::new(),
            config,
        });
        let _ = app.origin.set(format!("http://{address}"));
        let (stop, stopped) = watch::channel(false);
        let limits = server::ConnectionLimits {
            header_read_timeout: app.config.header_read_timeout,
            idle_timeout: app.config.idle_timeout,
            max_connections: app.config.max_connections,
        };
        let open_connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let task = tokio::spawn(server::serve(
            listener,
            server::router(app),
            stopped,
            limits,
            Arc::clone(&open_connections),
        ));
        Ok(SimulatorHandle {
            address,
            state: SimulatorState { inner: state },
            journal,
            load,
            open_connections,
            stop,
            task: Some(task),
        })
    }
}

impl SimulatorHandle {
    /// The socket address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }
    /// The origin, e.g. `http://127.0.0.1:41234`.
    pub fn root_url(&self) -> String {
        format!("http://{}", self.address)
    }
    /// The API base, e.g. `http://127.0.0.1:41234/api/v3`.
    pub fn base_url(&self) -> String {
        format!("{}/api/v3", self.root_url())
    }
    /// Read access to the data, for assertions.
    pub fn state(&self) -> &SimulatorState {
        &self.state
    }
    /// Every request answered so far, in order, when the journal is on
    /// ([`SimulatorConfig::journal`] or [`SimulatorConfig::journal_file`]); `None` when it is off.
    /// Beyond [`SimulatorConfig::journal_memory_limit`] records only the latest are kept here
    /// (the journal file has every one).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use vspc_licensing::simulator::{Simulator, SimulatorConfig};
    /// let sim = Simulator::start(SimulatorConfig::default().journal(true)).await?;
    /// // ... run the automation under test ...
    /// let journal = sim.journal().expect("the journal is on");
    /// let patches: Vec<_> = journal.iter().filter(|e| e.method == "PATCH").collect();
    /// assert!(patches.iter().all(|e| e.applied || e.replayed));
    /// # Ok(()) }
    /// ```
    pub fn journal(&self) -> Option<Vec<JournalEntry>> {
        self.journal.as_ref().map(|j| j.entries())
    }
    /// What the load counters say so far (or since [`reset_load`](Self::reset_load)): requests,
    /// the most answered at once, `429`s from throttling limits, requests that queued.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use vspc_licensing::simulator::{Simulator, SimulatorConfig};
    /// let sim = Simulator::start(SimulatorConfig::default().capacity(4)).await?;
    /// // ... run the automation under test ...
    /// let load = sim.load();
    /// assert!(load.most_in_flight <= 16 && load.throttled == 0);
    /// # Ok(()) }
    /// ```
    pub fn load(&self) -> Load {
        self.load.counters()
    }
    /// The connections being served now (at most [`SimulatorConfig::max_connections`]; more
    /// wait in the OS's backlog).
    pub fn open_connections(&self) -> usize {
        self.open_connections
            .load(std::sync::atomic::Ordering::Relaxed)
    }
    /// Starts the load counters again.
    pub fn reset_load(&self) {
        self.load.reset();
    }
    /// Changes the capacity ([`SimulatorConfig::capacity`]) for the requests that arrive from
    /// now on: a console that gets busy (or idle) while a client runs. `None`: no limit.
    pub fn set_capacity(&self, capacity: Option<usize>) {
        self.load.set_capacity(capacity);
    }
    /// Stops accepting connections, lets open requests finish, and waits for the server.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimulatorHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Runs a simulator until Ctrl-C; prints the base URL as the first line on stdout.
pub async fn serve_forever(config: SimulatorConfig) -> io::Result<()> {
    let handle = Simulator::start(config)
        .await
        .map_err(|e| io::Error::other(e.to_string()))?;
    {
        use std::io::Write;
        let mut stdout = io::stdout().lock();
        writeln!(stdout, "{}", handle.base_url())?;
        stdout.flush()?;
    }
    tokio::signal::ctrl_c().await?;
    handle.shutdown().await;
    Ok(())
}
