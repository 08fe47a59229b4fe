//! `serve`: the simulator as a process, for users' own contract tests.

use super::args::{ApiVersionChoice, Global, ServeArgs};
use super::{Failure, Outcome};
use crate::simulator::{
    serve_forever, FaultKind, FaultRule, Firing, RouteMatch, Scenario, SimulatorConfig,
};

pub(crate) async fn run(global: &Global, args: ServeArgs) -> Outcome {
    let mut config = SimulatorConfig::default()
        .seed(args.seed)
        .address(args.addr)
        .drift(args.drift);
    // First, so that the scenario's faults come before --latency's rule, which always fires.
    if let Some(path) = &args.scenario {
        let scenario = Scenario::load(path).map_err(|e| Failure::Exit(2, e.to_string()))?;
        config = config.scenario(scenario);
    }
    // Flags override the scenario's sizes.
    config = given(config, args.backup_servers, SimulatorConfig::backup_servers);
    config = given(config, args.vone_servers, SimulatorConfig::vone_servers);
    config = given(config, args.vb365_servers, SimulatorConfig::vb365_servers);
    config = given(config, args.sites, SimulatorConfig::sites);
    config = given(config, args.organizations, SimulatorConfig::organizations);
    config = given(config, args.today, SimulatorConfig::today);
    for key in &global.api_keys {
        config = config.api_key(key.clone());
    }
    for key in args.read_only_api_keys {
        config = config.read_only_api_key(key);
    }
    for user in args.users {
        let (name, password) = name_and_password("--user", &user)?;
        config = config.user(name, password);
    }
    for user in args.mfa_users {
        let (name, password) = name_and_password("--mfa-user", &user)?;
        config = config.mfa_user(name, password);
    }
    config = given(config, args.max_page_size, SimulatorConfig::max_page_size);
    config = given(
        config,
        args.max_concurrent_requests,
        SimulatorConfig::max_concurrent_requests,
    );
    if let Some(requests) = args.capacity {
        config = config.capacity(requests.into());
    }
    if let Some(requests) = args.max_requests_per_second {
        config = config.max_requests_per_period(requests, std::time::Duration::from_secs(1));
    }
    config = given(
        config,
        args.async_threshold,
        SimulatorConfig::async_threshold,
    );
    if let Some(rate) = args.fault_rate {
        if !(0.0..=1.0).contains(&rate) {
            return Err(Failure::Exit(
                2,
                format!("--fault-rate {rate} must be between 0 and 1"),
            ));
        }
        config = config.random_fault_rate(rate);
    }
    match global.api_version {
        None => {}
        Some(ApiVersionChoice::Fixed(version)) => config = config.api_version(version),
        Some(ApiVersionChoice::Auto) => {
            return Err(Failure::Exit(
                2,
                "--api-version auto asks a console; for serve, name the version to simulate (3.5.1, 3.6, 3.6.1, 3.6.2 or 3.7)".into(),
            ))
        }
    }
    if let Some(latency) = args.latency {
        config = config.fault(FaultRule {
            route: RouteMatch::Any,
            firing: Firing::Always,
            kind: FaultKind::Delay(latency),
        });
    }
    if let Some(path) = args.journal {
        config = config.journal_file(path);
    }
    warn_when_exposed(&config);
    serve_forever(config)
        .await
        .map_err(|e| Failure::Exit(1, format!("the simulator stopped: {e}")))
}

/// Says on standard error when others may reach the simulator: it serves made-up data to
/// anyone who can connect, and with no credential given it takes the built-in ones, which are
/// printed in the documentation.
fn warn_when_exposed(config: &SimulatorConfig) {
    let address = config.address;
    if address.ip().is_loopback() {
        return;
    }
    eprintln!(
        "warning: the simulator listens on {address}, beyond this machine: anyone who can reach it may call it; use --addr 127.0.0.1:PORT unless others must"
    );
    if config.api_keys.is_empty() && config.read_only_api_keys.is_empty() && config.users.is_empty()
    {
        eprintln!(
            "warning: no --api-key or --user given, so the simulator accepts its built-in credentials ({}), which anyone can read in its documentation",
            crate::simulator::DEFAULT_API_KEY
        );
    }
}

/// `config` with `set` applied when the option was given.
fn given<T>(
    config: SimulatorConfig,
    value: Option<T>,
    set: fn(SimulatorConfig, T) -> SimulatorConfig,
) -> SimulatorConfig {
    match value {
        Some(value) => set(config, value),
        None => config,
    }
}

/// `NAME:PASSWORD` as given to `flag`.
fn name_and_password<'a>(flag: &str, user: &'a str) -> Result<(&'a str, &'a str), Failure> {
    user.split_once(':')
        .ok_or_else(|| Failure::Exit(2, format!("{flag} {user:?}: write it as NAME:PASSWORD")))
}
