//! What every request handler shares: the simulator's data and machinery, and its identity.

use std::sync::{Arc, OnceLock, RwLock};

use super::async_actions::AsyncActions;
use super::auth::Auth;
use super::config::SimulatorConfig;
use super::faults::Faults;
use super::idempotency::Idempotency;
use super::journal::Journal;
use super::load::LoadModel;
use super::state::State;
use super::throttle::Throttle;

/// Marks a response whose connection must be closed without sending it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AbortConnection;

/// Everything the request handlers share.
pub(crate) struct App {
    pub(crate) state: Arc<RwLock<State>>,
    pub(crate) auth: Auth,
    pub(crate) idempotency: Idempotency,
    pub(crate) actions: AsyncActions,
    pub(crate) faults: Faults,
    /// The request journal, when one is on.
    pub(crate) journal: Option<Arc<Journal>>,
    pub(crate) throttle: Throttle,
    /// Requests in flight, the capacity and the load counters.
    pub(crate) load: Arc<LoadModel>,
    pub(crate) config: SimulatorConfig,
    /// `http://host:port`, known once the listener is bound.
    pub(crate) origin: OnceLock<String>,
}

impl App {
    /// What the about operation answers: a console of the release that speaks the configured
    /// version.
    pub(crate) fn about(&self) -> crate::types::About {
        let release = self.config.api_version.console_release();
        // Build numbers of our own: recognisably simulated, in the console's four-part format.
        let build = format!("{release}.0.{}", 20_000 + self.config.seed % 10_000);
        crate::types::About {
            installation_id: Some(uuid::Uuid::from_u64_pair(self.config.seed, 0x0ab0_u64)),
            installation_date: Some(chrono::DateTime::UNIX_EPOCH + chrono::TimeDelta::days(20_000)),
            actual_vaw_version: Some("6.3.1.1074".into()),
            actual_val_version: Some("6.3.0.1120".into()),
            actual_vam_version: None,
            server_version: Some(build.clone()),
            windows_management_agent_version: Some(build.clone()),
            linux_management_agent_version: Some(build.clone()),
            mac_management_agent_version: Some(build),
            ..Default::default()
        }
    }

    /// `http://host:port` of the running simulator (empty before it is bound).
    pub(crate) fn origin(&self) -> String {
        self.origin.get().cloned().unwrap_or_default()
    }
}
