//! The metric families, written by prometheus-client's encoders (the Prometheus text format or
//! OpenMetrics: the same families either way).
//!
//! Two kinds: the data families ([`DataFamily`]), whose series come from a console's reading
//! and are encoded once per read ([`super::cache`]), and the status families
//! ([`StatusFamilies`]: up, read duration, last success, read errors), which change between
//! reads and are encoded per scrape: a few lines per console.

use std::fmt;
use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeGaugeValue, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};

use super::console::ConsoleStatus;
use super::negotiation::Exposition;
use super::reading::{LicenseSeries, OrganizationPoints, Reading};

/// Encodes `collector` alone in `format`; never the OpenMetrics `# EOF`, which ends the
/// whole answer, not one part of it.
pub(crate) fn encode(
    format: Exposition,
    collector: impl Collector,
    out: &mut impl fmt::Write,
) -> fmt::Result {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(collector));
    match format {
        Exposition::Text => prometheus_client::encoding::prometheus_text::encode(out, &registry),
        Exposition::OpenMetrics => {
            prometheus_client::encoding::text::encode_registry(out, &registry)
        }
    }
}

/// A family whose series come from the readings, in the order of the exposition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DataFamily {
    LicenseExpiration,
    LicenseSupportExpiration,
    LicenseAutoUpdate,
    LicenseUnits,
    LicenseUsedUnits,
    LicenseInfo,
    ConsoleLicenseExpiration,
    OrganizationPoints,
    ReportPoints,
}

impl DataFamily {
    /// Every data family, in the order of the exposition.
    pub(crate) const ALL: [DataFamily; 9] = [
        DataFamily::LicenseExpiration,
        DataFamily::LicenseSupportExpiration,
        DataFamily::LicenseAutoUpdate,
        DataFamily::LicenseUnits,
        DataFamily::LicenseUsedUnits,
        DataFamily::LicenseInfo,
        DataFamily::ConsoleLicenseExpiration,
        DataFamily::OrganizationPoints,
        DataFamily::ReportPoints,
    ];

    /// Its place in [`DataFamily::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// Name, help, unit and type.
    fn descriptor(self) -> (&'static str, &'static str, Option<Unit>, MetricType) {
        use DataFamily::*;
        let gauge = MetricType::Gauge;
        match self {
            LicenseExpiration => (
                "vspc_license_expiration_timestamp",
                "When the license expires (Unix time).",
                Some(Unit::Seconds),
                gauge,
            ),
            LicenseSupportExpiration => (
                "vspc_license_support_expiration_timestamp",
                "When the license's support ends (Unix time).",
                Some(Unit::Seconds),
                gauge,
            ),
            LicenseAutoUpdate => (
                "vspc_license_auto_update_enabled",
                "1 when the license renews itself from Veeam's license update server (ALK), else 0.",
                None,
                gauge,
            ),
            LicenseUnits => (
                "vspc_license_units",
                "Units the license grants (users for Veeam Backup for Microsoft 365).",
                None,
                gauge,
            ),
            LicenseUsedUnits => (
                "vspc_license_used_units",
                "Units in use (protected users for Veeam Backup for Microsoft 365).",
                None,
                gauge,
            ),
            LicenseInfo => (
                "vspc_license",
                "Always 1: the license's status, type and edition as labels.",
                None,
                MetricType::Info,
            ),
            ConsoleLicenseExpiration => (
                "vspc_console_license_expiration_timestamp",
                "When the license of the console itself expires (Unix time).",
                Some(Unit::Seconds),
                gauge,
            ),
            OrganizationPoints => (
                "vspc_organization_license_points",
                "License points the organization uses now (current usage).",
                None,
                gauge,
            ),
            ReportPoints => (
                "vspc_report_license_points",
                "License points of the organization in the latest monthly usage report.",
                None,
                gauge,
            ),
        }
    }

    /// Writes this family's series of one console's reading (none is fine).
    fn write_series(
        self,
        family: &mut MetricEncoder,
        console: &str,
        reading: &Reading,
    ) -> fmt::Result {
        use DataFamily::*;
        match self {
            LicenseExpiration => per_license(family, console, reading, |l| l.expiration),
            LicenseSupportExpiration => {
                per_license(family, console, reading, |l| l.support_expiration)
            }
            LicenseAutoUpdate => {
                per_license(family, console, reading, |l| l.auto_update.map(i64::from))
            }
            LicenseUnits => per_license(family, console, reading, |l| l.units),
            LicenseUsedUnits => per_license(family, console, reading, |l| l.used_units),
            LicenseInfo => {
                for license in &reading.licenses {
                    let mut uid = uuid::Uuid::encode_buffer();
                    let [console, product, uid, company] = identity(console, license, &mut uid);
                    // All seven as the series' labels, none as the info's own: the text format
                    // writes a series' labels before the info's and OpenMetrics after, so this
                    // way the line reads the same in both (see `super::cache`).
                    let labels = [
                        console,
                        product,
                        uid,
                        company,
                        ("status", &*license.status),
                        ("type", &*license.license_type),
                        ("edition", &*license.edition),
                    ];
                    let none: [(&str, &str); 0] = [];
                    family.encode_family(&labels)?.encode_info(&none)?;
                }
                Ok(())
            }
            ConsoleLicenseExpiration => match reading.console_license_expiration {
                Some(at) => family
                    .encode_family(&[("console", console)])?
                    .encode_gauge(&at),
                None => Ok(()),
            },
            OrganizationPoints => per_organization(family, console, &reading.organizations),
            ReportPoints => per_organization(family, console, &reading.reports),
        }
    }
}

/// One data family: its descriptor (HELP, TYPE, UNIT) and, given a reading, one console's
/// series of it.
#[derive(Debug)]
pub(crate) struct FamilyOfConsole {
    pub(crate) family: DataFamily,
    /// The console's name and reading; none: the descriptor alone.
    pub(crate) series: Option<(Arc<str>, Arc<Reading>)>,
}

impl Collector for FamilyOfConsole {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        let (name, help, unit, kind) = self.family.descriptor();
        let mut family = encoder.encode_descriptor(name, help, unit.as_ref(), kind)?;
        match &self.series {
            Some((console, reading)) => self.family.write_series(&mut family, console, reading),
            None => Ok(()),
        }
    }
}

/// One gauge series per server license for which `value` gives a number.
fn per_license<V: EncodeGaugeValue>(
    family: &mut MetricEncoder,
    console: &str,
    reading: &Reading,
    value: impl Fn(&LicenseSeries) -> Option<V>,
) -> fmt::Result {
    for license in &reading.licenses {
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

/// One points series per organization.
fn per_organization(
    family: &mut MetricEncoder,
    console: &str,
    organizations: &[OrganizationPoints],
) -> fmt::Result {
    for organization in organizations {
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
    Ok(())
}

/// The families that say how each console's reads have gone, as they are now.
#[derive(Debug)]
pub(crate) struct StatusFamilies {
    pub(crate) consoles: Vec<(Arc<str>, ConsoleStatus)>,
}

impl StatusFamilies {
    /// Writes one gauge family with a series per console for which `value` gives a number.
    fn per_console<V: EncodeGaugeValue>(
        &self,
        encoder: &mut DescriptorEncoder,
        (name, help, unit): (&str, &str, Option<&Unit>),
        value: impl Fn(&ConsoleStatus) -> Option<V>,
    ) -> fmt::Result {
        if self
            .consoles
            .iter()
            .all(|(_, status)| value(status).is_none())
        {
            return Ok(());
        }
        let mut family = encoder.encode_descriptor(name, help, unit, MetricType::Gauge)?;
        for (console, status) in &self.consoles {
            if let Some(v) = value(status) {
                family
                    .encode_family(&[("console", &**console)])?
                    .encode_gauge(&v)?;
            }
        }
        Ok(())
    }
}

impl Collector for StatusFamilies {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        let seconds = Unit::Seconds;
        let e = &mut encoder;
        self.per_console(
            e,
            (
                "vspc_up",
                "1 when the last read of the console succeeded, else 0.",
                None,
            ),
            |s| Some(i64::from(s.up)),
        )?;
        self.per_console(
            e,
            (
                "vspc_read_duration",
                "How long the last read of the console took, successful or not.",
                Some(&seconds),
            ),
            |s| s.read_duration.map(|d| d.as_secs_f64()),
        )?;
        self.per_console(
            e,
            ("vspc_last_success_timestamp", "When the last good read of the console finished (Unix time): the age of every other value.", Some(&seconds)),
            |s| s.last_success,
        )?;
        let mut family = e.encode_descriptor(
            "vspc_read_errors",
            "Reads of the console that failed since the exporter started.",
            None,
            MetricType::Counter,
        )?;
        for (console, status) in &self.consoles {
            family
                .encode_family(&[("console", &**console)])?
                .encode_counter::<NoLabelSet, _, u64>(&status.read_errors, None)?;
        }
        Ok(())
    }
}
