//! `serve`: the simulator as a process, for users' own contract tests.

use super::args::{Global, ServeArgs};
use super::{Failure, Outcome};
use crate::simulator::{serve_forever, FaultKind, FaultRule, Firing, RouteMatch, SimulatorConfig};

pub(crate) async fn run(global: &Global, args: ServeArgs) -> Outcome {
    let mut config = SimulatorConfig::default()
        .seed(args.seed)
        .address(args.addr)
        .drift(args.drift);
    if let Some(n) = args.backup_servers {
        config = config.backup_servers(n);
    }
    if let Some(n) = args.vone_servers {
        config = config.vone_servers(n);
    }
    if let Some(n) = args.vb365_servers {
        config = config.vb365_servers(n);
    }
    if let Some(n) = args.sites {
        config = config.sites(n);
    }
    if let Some(n) = args.organizations {
        config = config.organizations(n);
    }
    if let Some(day) = args.today {
        config = config.today(day);
    }
    for key in &global.api_keys {
        config = config.api_key(key.clone());
    }
    for key in args.read_only_api_keys {
        config = config.read_only_api_key(key);
    }
    for user in args.users {
        let (name, password) = user.split_once(':').ok_or_else(|| {
            Failure::Exit(2, format!("--user {user:?}: write it as NAME:PASSWORD"))
        })?;
        config = config.user(name, password);
    }
    for user in args.mfa_users {
        let (name, password) = user.split_once(':').ok_or_else(|| {
            Failure::Exit(2, format!("--mfa-user {user:?}: write it as NAME:PASSWORD"))
        })?;
        config = config.mfa_user(name, password);
    }
    if let Some(size) = args.max_page_size {
        config = config.max_page_size(size);
    }
    if let Some(requests) = args.max_concurrent_requests {
        config = config.max_concurrent_requests(requests);
    }
    if let Some(requests) = args.max_requests_per_second {
        config = config.max_requests_per_period(requests, std::time::Duration::from_secs(1));
    }
    if let Some(threshold) = args.async_threshold {
        config = config.async_threshold(threshold);
    }
    if let Some(rate) = args.fault_rate {
        if !(0.0..=1.0).contains(&rate) {
            return Err(Failure::Exit(
                2,
                format!("--fault-rate {rate} must be between 0 and 1"),
            ));
        }
        config = config.random_fault_rate(rate);
    }
    if let Some(latency) = args.latency {
        config = config.fault(FaultRule {
            route: RouteMatch::Any,
            firing: Firing::Always,
            kind: FaultKind::Delay(latency),
        });
    }
    serve_forever(config)
        .await
        .map_err(|e| Failure::Exit(1, format!("the simulator stopped: {e}")))
}
