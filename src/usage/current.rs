//! The heaviest consumers right now, from the current usage by organization.

use std::collections::HashMap;

use serde::Serialize;
use uuid::Uuid;

use crate::model::enums::{LicenseUnitType, OrganizationType};
use crate::types::OrganizationCurrentLicenseUsage;

/// One organization's current usage, summed over its servers and workloads.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrentConsumer {
    /// The organization's UID, when VSPC gives one.
    pub organization_uid: Option<Uuid>,
    /// Its name, when known (current usage carries none; the reports do).
    pub organization_name: Option<String>,
    /// Company, reseller or provider.
    pub organization_type: Option<OrganizationType>,
    /// Units used by workloads counted in points.
    pub points: f64,
    /// Units used by workloads counted in instances.
    pub instances: f64,
    /// Units of any other unit type.
    pub other_units: f64,
    /// Workloads in use.
    pub workloads: i64,
}

impl CurrentConsumer {
    /// Every unit used, whatever its type: what the ranking sorts by.
    pub fn total_units(&self) -> f64 {
        self.points + self.instances + self.other_units
    }
}

/// Sums each organization's current usage, names them from `names` where possible, and
/// returns the `top` largest by [`total_units`](CurrentConsumer::total_units) (all with `None`).
///
/// Entries for the same organization UID are merged; entries without a UID stay apart.
pub fn top_consumers(
    usage: &[OrganizationCurrentLicenseUsage],
    names: &HashMap<Uuid, String>,
    top: Option<usize>,
) -> Vec<CurrentConsumer> {
    let mut consumers: Vec<CurrentConsumer> = Vec::new();
    let mut by_uid: HashMap<Uuid, usize> = HashMap::new();
    for organization in usage {
        let index = match organization.organization_uid.and_then(|u| by_uid.get(&u)) {
            Some(index) => *index,
            None => {
                consumers.push(CurrentConsumer {
                    organization_uid: organization.organization_uid,
                    organization_name: organization
                        .organization_uid
                        .and_then(|u| names.get(&u).cloned()),
                    organization_type: organization.organization_type.clone(),
                    points: 0.0,
                    instances: 0.0,
                    other_units: 0.0,
                    workloads: 0,
                });
                if let Some(uid) = organization.organization_uid {
                    by_uid.insert(uid, consumers.len() - 1);
                }
                consumers.len() - 1
            }
        };
        let consumer = &mut consumers[index];
        for workload in organization.servers.iter().flat_map(|s| &s.workloads) {
            match workload.unit_type {
                LicenseUnitType::Points => consumer.points += workload.used_units,
                LicenseUnitType::Instances => consumer.instances += workload.used_units,
                _ => consumer.other_units += workload.used_units,
            }
            consumer.workloads += i64::from(workload.used_count);
        }
    }
    for consumer in &mut consumers {
        consumer.points = super::tidy(consumer.points);
        consumer.instances = super::tidy(consumer.instances);
        consumer.other_units = super::tidy(consumer.other_units);
    }
    consumers.sort_by(|a, b| {
        b.total_units()
            .total_cmp(&a.total_units())
            .then_with(|| a.organization_name.cmp(&b.organization_name))
            .then_with(|| a.organization_uid.cmp(&b.organization_uid))
    });
    if let Some(top) = top {
        consumers.truncate(top);
    }
    consumers
}
