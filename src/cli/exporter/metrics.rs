//! The metric families, written from the consoles' last readings by prometheus-client's
//! encoders (the Prometheus text format or OpenMetrics: the same families either way).
//!
//! Nothing here is held per series between scrapes: a [`Collector`] walks the readings and
//! encodes each series as it goes, so memory is the readings plus the encoder's buffer.

use std::fmt;
use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeGaugeValue};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};

use super::console::{ConsoleStatus, WatchedConsole};
use super::reading::{LicenseSeries, OrganizationPoints, Reading};

/// Every console's status as it was when the scrape began.
#[derive(Debug)]
pub(crate) struct Snapshot {
    consoles: Vec<(Arc<str>, ConsoleStatus)>,
}

impl Snapshot {
    /// Copies each console's status (an `Arc` each; no reading is copied).
    pub(crate) fn take(consoles: &[Arc<WatchedConsole>]) -> Snapshot {
        Snapshot {
            consoles: consoles
                .iter()
                .map(|console| (Arc::clone(&console.name), console.status()))
                .collect(),
        }
    }

    /// A registry holding only this snapshot, ready for either encoder.
    pub(crate) fn into_registry(self) -> Registry {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(self));
        registry
    }

    fn readings(&self) -> impl Iterator<Item = (&str, &Reading)> {
        self.consoles.iter().filter_map(|(name, status)| {
            status.reading.as_deref().map(|reading| (&**name, reading))
        })
    }
}

/// Writes one gauge family with a series per console for which `value` gives a number.
fn per_console<V: EncodeGaugeValue>(
    encoder: &mut DescriptorEncoder,
    consoles: &[(Arc<str>, ConsoleStatus)],
    (name, help, unit): (&str, &str, Option<&Unit>),
    value: impl Fn(&ConsoleStatus) -> Option<V>,
) -> fmt::Result {
    if consoles.iter().all(|(_, status)| value(status).is_none()) {
        return Ok(());
    }
    let mut family = encoder.encode_descriptor(name, help, unit, MetricType::Gauge)?;
    for (console, status) in consoles {
        if let Some(v) = value(status) {
            family
                .encode_family(&[("console", &**console)])?
                .encode_gauge(&v)?;
        }
    }
    Ok(())
}

/// Writes one gauge family with a series per server license for which `value` gives a number.
fn per_license<V: EncodeGaugeValue>(
    encoder: &mut DescriptorEncoder,
    snapshot: &Snapshot,
    (name, help, unit): (&str, &str, Option<&Unit>),
    value: impl Fn(&LicenseSeries) -> Option<V>,
) -> fmt::Result {
    let mut licenses = snapshot
        .readings()
        .flat_map(|(console, reading)| reading.licenses.iter().map(move |l| (console, l)));
    if !licenses.any(|(_, license)| value(license).is_some()) {
        return Ok(());
    }
    let mut family = encoder.encode_descriptor(name, help, unit, MetricType::Gauge)?;
    for (console, license) in snapshot
        .readings()
        .flat_map(|(console, reading)| reading.licenses.iter().map(move |l| (console, l)))
    {
        if let Some(v) = value(license) {
            let mut uid = uuid::Uuid::encode_buffer();
            let labels = identity(console, license, &mut uid);
            family.encode_family(&labels)?.encode_gauge(&v)?;
        }
    }
    Ok(())
}

/// The labels that tell one license series from another.
fn identity<'a>(
    console: &'a str,
    license: &'a LicenseSeries,
    uid: &'a mut [u8; 45],
) -> [(&'static str, &'a str); 4] {
    [
        ("console", console),
        ("product", license.product.short_name()),
        ("uid", &*license.uid.hyphenated().encode_lower(uid)),
        ("company", &license.company),
    ]
}

/// Writes one points family with a series per organization of each reading.
fn per_organization(
    encoder: &mut DescriptorEncoder,
    snapshot: &Snapshot,
    (name, help): (&str, &str),
    organizations: impl Fn(&Reading) -> &[OrganizationPoints],
) -> fmt::Result {
    if snapshot
        .readings()
        .all(|(_, reading)| organizations(reading).is_empty())
    {
        return Ok(());
    }
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (console, reading) in snapshot.readings() {
        for organization in organizations(reading) {
            let mut buffer = uuid::Uuid::encode_buffer();
            let uid = match organization.uid {
                Some(uid) => &*uid.hyphenated().encode_lower(&mut buffer),
                None => "",
            };
            let labels = [
                ("console", console),
                ("organization_uid", uid),
                ("organization", &*organization.name),
            ];
            family
                .encode_family(&labels)?
                .encode_gauge(&organization.points)?;
        }
    }
    Ok(())
}

impl Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        let seconds = Unit::Seconds;
        let consoles = &self.consoles;
        let e = &mut encoder;
        per_console(
            e,
            consoles,
            (
                "vspc_up",
                "1 when the last read of the console succeeded, else 0.",
                None,
            ),
            |s| Some(i64::from(s.up)),
        )?;
        per_console(
            e,
            consoles,
            (
                "vspc_read_duration",
                "How long the last read of the console took, successful or not.",
                Some(&seconds),
            ),
            |s| s.read_duration.map(|d| d.as_secs_f64()),
        )?;
        per_console(
            e,
            consoles,
            ("vspc_last_success_timestamp", "When the last good read of the console finished (Unix time): the age of every other value.", Some(&seconds)),
            |s| s.last_success,
        )?;
        {
            let mut family = e.encode_descriptor(
                "vspc_read_errors",
                "Reads of the console that failed since the exporter started.",
                None,
                MetricType::Counter,
            )?;
            for (console, status) in consoles {
                family
                    .encode_family(&[("console", &**console)])?
                    .encode_counter::<prometheus_client::encoding::NoLabelSet, _, u64>(
                    &status.read_errors,
                    None,
                )?;
            }
        }
        per_license(
            e,
            self,
            (
                "vspc_license_expiration_timestamp",
                "When the license expires (Unix time).",
                Some(&seconds),
            ),
            |l| l.expiration,
        )?;
        per_license(
            e,
            self,
            (
                "vspc_license_support_expiration_timestamp",
                "When the license's support ends (Unix time).",
                Some(&seconds),
            ),
            |l| l.support_expiration,
        )?;
        per_license(
            e,
            self,
            ("vspc_license_auto_update_enabled", "1 when the license renews itself from Veeam's license update server (ALK), else 0.", None),
            |l| l.auto_update.map(i64::from),
        )?;
        per_license(
            e,
            self,
            (
                "vspc_license_units",
                "Units the license grants (users for Veeam Backup for Microsoft 365).",
                None,
            ),
            |l| l.units,
        )?;
        per_license(
            e,
            self,
            (
                "vspc_license_used_units",
                "Units in use (protected users for Veeam Backup for Microsoft 365).",
                None,
            ),
            |l| l.used_units,
        )?;
        if self.readings().any(|(_, r)| !r.licenses.is_empty()) {
            let mut family = e.encode_descriptor(
                "vspc_license",
                "Always 1: the license's status, type and edition as labels.",
                None,
                MetricType::Info,
            )?;
            for (console, reading) in self.readings() {
                for license in &reading.licenses {
                    let mut uid = uuid::Uuid::encode_buffer();
                    let labels = identity(console, license, &mut uid);
                    family.encode_family(&labels)?.encode_info(&[
                        ("status", &*license.status),
                        ("type", &*license.license_type),
                        ("edition", &*license.edition),
                    ])?;
                }
            }
        }
        {
            let readings: Vec<(&str, Option<i64>)> = self
                .readings()
                .map(|(console, r)| (console, r.console_license_expiration))
                .collect();
            if readings.iter().any(|(_, at)| at.is_some()) {
                let mut family = e.encode_descriptor(
                    "vspc_console_license_expiration_timestamp",
                    "When the license of the console itself expires (Unix time).",
                    Some(&seconds),
                    MetricType::Gauge,
                )?;
                for (console, at) in readings {
                    if let Some(at) = at {
                        family
                            .encode_family(&[("console", console)])?
                            .encode_gauge(&at)?;
                    }
                }
            }
        }
        per_organization(
            e,
            self,
            (
                "vspc_organization_license_points",
                "License points the organization uses now (current usage).",
            ),
            |r| &r.organizations,
        )?;
        per_organization(
            e,
            self,
            (
                "vspc_report_license_points",
                "License points of the organization in the latest monthly usage report.",
            ),
            |r| &r.reports,
        )?;
        Ok(())
    }
}
