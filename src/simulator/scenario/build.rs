//! Turning a scenario into the simulator's data: seed, then lay the listed objects over it.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::Scenario;
use crate::simulator::config::Sizes;
use crate::simulator::seed;
use crate::simulator::state::{status_for, State, Store};

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

/// The data a simulator serves for this scenario.
pub(crate) fn build(
    scenario: &Scenario,
    seed_value: u64,
    sizes: &Sizes,
    now: DateTime<Utc>,
) -> Result<State, Vec<Problem>> {
    let list = |key: &str| -> &[Value] {
        scenario
            .lists
            .get(key)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    };
    let count = |key: &str, seeded: usize| match scenario.listed(key) {
        Some(n) => n,
        None if scenario.seeded => seeded,
        None => 0,
    };
    let reports_listed = scenario.listed("reports");
    let effective = Sizes {
        backup_servers: count("backupServers", sizes.backup_servers),
        vone_servers: count("voneServers", sizes.vone_servers),
        vb365_servers: count("vb365Servers", sizes.vb365_servers),
        sites: count("sites", sizes.sites),
        organizations: count("organizations", sizes.organizations),
        report_months: match reports_listed {
            Some(_) => 0,
            None if scenario.seeded => sizes.report_months,
            None => 0,
        },
    };
    let mut state = seed::seed(seed_value, &effective, now);
    let mut problems = Vec::new();
    overlay(
        &mut state.backup_servers.items,
        list("backupServers"),
        "backupServers",
        true,
        now,
        &mut problems,
    );
    overlay(
        &mut state.vone_servers.items,
        list("voneServers"),
        "voneServers",
        true,
        now,
        &mut problems,
    );
    overlay(
        &mut state.vb365_servers.items,
        list("vb365Servers"),
        "vb365Servers",
        true,
        now,
        &mut problems,
    );
    overlay(
        &mut state.sites.items,
        list("sites"),
        "sites",
        true,
        now,
        &mut problems,
    );
    state.backup_servers = Store::new(std::mem::take(&mut state.backup_servers.items));
    state.vone_servers = Store::new(std::mem::take(&mut state.vone_servers.items));
    state.vb365_servers = Store::new(std::mem::take(&mut state.vb365_servers.items));
    state.sites = Store::new(std::mem::take(&mut state.sites.items));
    if let Some(console) = &scenario.console {
        let given = Value::Object(console.clone());
        let mut items = [state.console.clone()];
        overlay(
            &mut items,
            std::slice::from_ref(&given),
            "console",
            true,
            now,
            &mut problems,
        );
        let [console] = items;
        state.console = console;
        // The console is one object, not a list: its pointer has no index.
        for problem in &mut problems {
            if problem.0 == "/console/0" {
                problem.0 = "/console".into();
            }
        }
    }
    overlay(
        &mut state.usage,
        list("organizations"),
        "organizations",
        false,
        now,
        &mut problems,
    );
    // The organizations listed by their usage are the organizations of the simulated world.
    for (organization, usage) in state.organizations.iter_mut().zip(&state.usage) {
        if let Some(uid) = usage.organization_uid {
            organization.uid = uid;
        }
        if let Some(kind) = &usage.organization_type {
            organization.kind = kind.clone();
        }
    }
    if let Some(wanted) = reports_listed {
        // Seed enough reports to lay the listed ones over: one per organization and month.
        let per_month = effective.organizations.clamp(1, 99);
        let filler = seed::seed(
            seed_value,
            &Sizes {
                backup_servers: 0,
                vone_servers: 0,
                vb365_servers: 0,
                sites: 0,
                organizations: effective.organizations.max(1),
                report_months: wanted.div_ceil(per_month),
            },
            now,
        );
        state.reports = filler.reports.into_iter().take(wanted).collect();
        overlay(
            &mut state.reports,
            list("reports"),
            "reports",
            false,
            now,
            &mut problems,
        );
    }
    if problems.is_empty() {
        Ok(state)
    } else {
        Err(problems)
    }
}
