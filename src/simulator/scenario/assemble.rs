//! Turning a scenario into the simulator's data: seed, then lay the listed objects over it.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::Scenario;
use crate::simulator::config::Sizes;
use crate::simulator::seed;
use crate::simulator::state::{status_for, LicenseResource, State, Store};
use crate::types::{ConsoleLicense, SingleLicenseReport};

/// A problem as (JSON pointer, message).
pub(crate) type Problem = (String, String);

/// Lays `given` over `base`: objects merge key by key, anything else replaces.
fn merge(base: &mut Value, given: &Value) {
    match (base, given) {
        (Value::Object(base), Value::Object(given)) => {
            for (key, value) in given {
                match base.get_mut(key) {
                    Some(slot) => merge(slot, value),
                    None => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, given) => *base = given.clone(),
    }
}

/// A license listed with an expiry but no status gets the status that expiry has today, so the
/// seeded status of the object it was laid over does not contradict it.
fn align_status(merged: &mut Value, given: &Value, now: DateTime<Utc>) {
    let Some(expiry) = given.get("expirationDate") else {
        return;
    };
    let expiry = match expiry {
        Value::Null => None,
        Value::String(text) => match DateTime::parse_from_rfc3339(text) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => return,
        },
        _ => return,
    };
    let (status, message) = status_for(expiry, now);
    if given.get("status").is_none() && merged.get("status").is_some() {
        merged["status"] = Value::String(status.to_string());
    }
    if given.get("statusMessage").is_none() && merged.get("statusMessage").is_some() {
        merged["statusMessage"] = Value::String(message);
    }
}

fn overlay<T: Serialize + DeserializeOwned>(
    items: &mut [T],
    listed: &[Value],
    collection: &str,
    licenses: bool,
    now: DateTime<Utc>,
    problems: &mut Vec<Problem>,
) {
    for (index, (item, given)) in items.iter_mut().zip(listed).enumerate() {
        let mut merged = serde_json::to_value(&*item).unwrap_or(Value::Null);
        merge(&mut merged, given);
        if licenses {
            align_status(&mut merged, given, now);
        }
        match serde_json::from_value(merged) {
            Ok(typed) => *item = typed,
            Err(e) => problems.push((format!("/{collection}/{index}"), e.to_string())),
        }
    }
}

/// Lays a scenario's lists over seeded data, gathering every problem.
struct Overlay<'a> {
    scenario: &'a Scenario,
    now: DateTime<Utc>,
    problems: Vec<Problem>,
}

impl<'a> Overlay<'a> {
    /// The objects the scenario lists under `collection` (none when it names no such list).
    fn listed(&self, collection: &str) -> &'a [Value] {
        let scenario: &'a Scenario = self.scenario;
        scenario
            .lists
            .get(collection)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    fn items<T: Serialize + DeserializeOwned>(
        &mut self,
        items: &mut [T],
        collection: &str,
        licenses: bool,
    ) {
        let listed = self.listed(collection);
        overlay(
            items,
            listed,
            collection,
            licenses,
            self.now,
            &mut self.problems,
        );
    }

    /// A product's licenses, then the store rebuilt so its index matches the new objects.
    fn store<T: LicenseResource>(&mut self, store: &mut Store<T>, collection: &str) {
        self.items(&mut store.items, collection, true);
        *store = Store::new(std::mem::take(&mut store.items));
    }

    /// The console license: one object, not a list, so its problems' pointers have no index.
    fn console(&mut self, license: &mut ConsoleLicense) {
        let scenario: &'a Scenario = self.scenario;
        let Some(console) = &scenario.console else {
            return;
        };
        let given = Value::Object(console.clone());
        let mut items = [license.clone()];
        overlay(
            &mut items,
            std::slice::from_ref(&given),
            "console",
            true,
            self.now,
            &mut self.problems,
        );
        let [console] = items;
        *license = console;
        for problem in &mut self.problems {
            if problem.0 == "/console/0" {
                problem.0 = "/console".into();
            }
        }
    }
}

/// How much to seed: what the scenario lists of each collection, else (when it keeps the
/// seeded data) the configured size, else nothing. Listed reports are laid over reports seeded
/// for them separately (see [`reports_for`]).
fn effective_sizes(scenario: &Scenario, sizes: &Sizes) -> Sizes {
    let count = |key: &str, seeded: usize| match scenario.listed(key) {
        Some(n) => n,
        None if scenario.seeded => seeded,
        None => 0,
    };
    Sizes {
        backup_servers: count("backupServers", sizes.backup_servers),
        vone_servers: count("voneServers", sizes.vone_servers),
        vb365_servers: count("vb365Servers", sizes.vb365_servers),
        sites: count("sites", sizes.sites),
        organizations: count("organizations", sizes.organizations),
        report_months: match scenario.listed("reports") {
            Some(_) => 0,
            None if scenario.seeded => sizes.report_months,
            None => 0,
        },
    }
}

/// `wanted` seeded reports to lay the listed ones over: one per organization and month.
fn reports_for(
    wanted: usize,
    seed_value: u64,
    organizations: usize,
    now: DateTime<Utc>,
) -> Vec<SingleLicenseReport> {
    let per_month = organizations.clamp(1, 99);
    let filler = seed::seed(
        seed_value,
        &Sizes {
            backup_servers: 0,
            vone_servers: 0,
            vb365_servers: 0,
            sites: 0,
            organizations: organizations.max(1),
            report_months: wanted.div_ceil(per_month),
        },
        now,
    );
    filler.reports.into_iter().take(wanted).collect()
}

/// The data a simulator serves for this scenario.
pub(crate) fn assemble(
    scenario: &Scenario,
    seed_value: u64,
    sizes: &Sizes,
    now: DateTime<Utc>,
) -> Result<State, Vec<Problem>> {
    let effective = effective_sizes(scenario, sizes);
    let mut state = seed::seed(seed_value, &effective, now);
    let mut overlay = Overlay {
        scenario,
        now,
        problems: Vec::new(),
    };
    overlay.store(&mut state.backup_servers, "backupServers");
    overlay.store(&mut state.vone_servers, "voneServers");
    overlay.store(&mut state.vb365_servers, "vb365Servers");
    overlay.store(&mut state.sites, "sites");
    overlay.console(&mut state.console);
    overlay.items(&mut state.usage, "organizations", false);
    // The organizations listed by their usage are the organizations of the simulated world.
    for (organization, usage) in state.organizations.iter_mut().zip(&state.usage) {
        if let Some(uid) = usage.organization_uid {
            organization.uid = uid;
        }
        if let Some(kind) = &usage.organization_type {
            organization.kind = kind.clone();
        }
    }
    if let Some(wanted) = scenario.listed("reports") {
        state.reports = reports_for(wanted, seed_value, effective.organizations, now);
        overlay.items(&mut state.reports, "reports", false);
    }
    // A scenario without `pulse` keeps the seeded Pulse.
    if let Some(Value::Object(pulse)) = scenario.lists.get("pulse") {
        let problems = crate::simulator::pulse::from_scenario(&mut state.pulse, pulse, now);
        overlay.problems.extend(problems);
    }
    if overlay.problems.is_empty() {
        Ok(state)
    } else {
        Err(overlay.problems)
    }
}
