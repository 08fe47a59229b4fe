//! Deterministic seed data: the same (seed, sizes, day) always gives the same world.

// Every object literal of a generated type ends in `..Default::default()`: an overlay
// (`VSPC_LICENSING_OVERLAYS`) may add properties, and the seed data must still compile.
#![allow(clippy::needless_update)]

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration as ChronoDuration, NaiveDate, Utc};
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

use crate::model::enums::{
    CloudConnectInclusion, ConsoleLicenseStatus, ConsoleLicenseType, LicensePackage,
    LicenseSectionType, LicenseType, LicenseUnitType, LicenseUpdateStatus, OrganizationType,
    ProductType, ReportStatus, ServerType, WorkloadType,
};
use crate::types::{
    BackupServerLicense, ConsoleLicense, CurrentLicenseUsageWorkload,
    CurrentLicenseUsageWorkloadByPlatform, LicenseReportInterval, LicenseReportParameters,
    LicenseReportSummary, LicenseSettings, OrganizationCurrentLicenseUsage,
    OrganizationLicenseUsage, ServerCurrentLicenseUsage, SingleLicenseReport,
    SingleLicenseReportSettings, SiteLicense, TotalProductLicenseUsage, VOneServerLicense,
    Vb365ServerLicense, WorkloadLicenseUsage,
};

use super::config::Sizes;
use super::state::{status_for, LicenseResource, Organization, State, Store};

const COMPANIES: &[&str] = &[
    "Northwind Hosting",
    "Contoso Managed Services",
    "Fabrikam Cloud",
    "Tailspin Resale",
    "Adventure Works IT",
    "Woodgrove Backup",
    "Litware Systems",
    "Proseware Data",
    "Lucerne Publishing",
    "Wingtip Services",
    "Alpine Ski House",
    "Coho Vineyard",
    "Margie's Travel",
    "Humongous Insurance",
    "Trey Research",
    "Blue Yonder Air",
];
const FIRST_NAMES: &[&str] = &[
    "Dana", "Alan", "Bill", "Chris", "Eva", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kara",
    "Luis",
];
const LAST_NAMES: &[&str] = &[
    "Ruiz", "Smith", "Johns", "Okafor", "Novak", "Haddad", "Lee", "Tanaka", "Costa", "Berg",
    "Patel", "Moreau",
];
const EDITIONS: &[&str] = &["Enterprise Plus", "Enterprise", "Standard", "Foundation"];

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn uuid(rng: &mut ChaCha8Rng) -> Uuid {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

fn slug(company: &str) -> String {
    company
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Common licensee fields of one generated license.
struct Licensee {
    company: String,
    email: String,
    contact: String,
    expiry: DateTime<Utc>,
    support_id: String,
    license_type: LicenseType,
    auto_update: bool,
}

fn licensee(rng: &mut ChaCha8Rng, now: DateTime<Utc>) -> Licensee {
    let company = (*pick(rng, COMPANIES)).to_owned();
    let first = *pick(rng, FIRST_NAMES);
    let last = *pick(rng, LAST_NAMES);
    // One in ten expires within 30 days, one in six has already expired, the rest run up to two years.
    let roll = rng.random_range(0..60);
    let days = if roll < 6 {
        rng.random_range(1..30)
    } else if roll < 16 {
        -rng.random_range(1..400)
    } else {
        rng.random_range(31..730)
    };
    let license_type = match rng.random_range(0..20) {
        0..=9 => LicenseType::Rental,
        10..=14 => LicenseType::Subscription,
        15..=16 => LicenseType::Perpetual,
        17 => LicenseType::Evaluation,
        18 => LicenseType::Nfr,
        _ => LicenseType::Community,
    };
    Licensee {
        email: format!(
            "{}.{}@{}.example",
            first.to_ascii_lowercase(),
            last.to_ascii_lowercase(),
            slug(&company)
        ),
        contact: format!("{first} {last}"),
        company,
        expiry: now + ChronoDuration::days(days),
        support_id: format!("{:08}", rng.random_range(0..100_000_000u32)),
        license_type,
        auto_update: rng.random_bool(0.5),
    }
}

fn backup_server(rng: &mut ChaCha8Rng, now: DateTime<Utc>) -> BackupServerLicense {
    let who = licensee(rng, now);
    let socket = rng.random_range(0..5) == 0;
    let points = rng.random_bool(0.3);
    let units = f64::from(rng.random_range(1..=20u32) * 50);
    let used = (units * f64::from(rng.random_range(0..=100u32)) / 100.0).round();
    let sockets = if socket {
        f64::from(rng.random_range(1..=16u32) * 2)
    } else {
        0.0
    };
    BackupServerLicense {
        auto_update_enabled: who.auto_update,
        backup_server_uid: Some(uuid(rng)),
        capacity: None,
        cloud_connect: Some(if rng.random_bool(0.3) {
            CloudConnectInclusion::Yes
        } else {
            CloudConnectInclusion::No
        }),
        company: Some(who.company),
        contact_person: Some(who.contact),
        edition: Some((*pick(rng, EDITIONS)).to_owned()),
        email: Some(who.email),
        expiration_date: Some(who.expiry),
        license_ids: vec![uuid(rng)],
        monitoring: Some(rng.random_bool(0.5)),
        packages: vec![if rng.random_bool(0.5) {
            LicensePackage::Backup
        } else {
            LicensePackage::Suite
        }],
        section_types: vec![if socket {
            LicenseSectionType::Socket
        } else {
            LicenseSectionType::Instance
        }],
        sockets: Some(sockets),
        status: Some(status_for(Some(who.expiry), now).0),
        support_expiration_date: Some(who.expiry),
        support_ids: vec![who.support_id],
        type_: Some(who.license_type),
        unit_type: Some(if points {
            LicenseUnitType::Points
        } else {
            LicenseUnitType::Instances
        }),
        units: Some(units),
        used_capacity: None,
        used_sockets: Some(if socket { (sockets / 2.0).round() } else { 0.0 }),
        used_units: Some(used),
        ..Default::default()
    }
}

fn site(rng: &mut ChaCha8Rng, now: DateTime<Utc>) -> SiteLicense {
    let who = licensee(rng, now);
    let units = f64::from(rng.random_range(1..=10u32) * 100);
    SiteLicense {
        auto_update_enabled: who.auto_update,
        cloud_connect: Some(CloudConnectInclusion::Yes),
        company: Some(who.company),
        contact_person: Some(who.contact),
        edition: Some("Enterprise Plus".to_owned()),
        email: Some(who.email),
        expiration_date: Some(who.expiry),
        license_ids: vec![uuid(rng)],
        monitoring: Some(true),
        packages: vec![LicensePackage::Backup],
        section_types: vec![LicenseSectionType::Instance],
        site_uid: Some(uuid(rng)),
        status: Some(status_for(Some(who.expiry), now).0),
        support_expiration_date: Some(who.expiry),
        support_ids: vec![who.support_id],
        type_: Some(LicenseType::Rental),
        unit_type: Some(LicenseUnitType::Instances),
        units: Some(units),
        used_units: Some((units * f64::from(rng.random_range(0..=100u32)) / 100.0).round()),
        ..Default::default()
    }
}

fn vone(rng: &mut ChaCha8Rng, now: DateTime<Utc>) -> VOneServerLicense {
    let who = licensee(rng, now);
    let units = f64::from(rng.random_range(1..=10u32) * 50);
    let (status, message) = status_for(Some(who.expiry), now);
    VOneServerLicense {
        auto_update_enabled: who.auto_update,
        company: Some(who.company),
        email: Some(who.email),
        expiration_date: Some(who.expiry),
        license_id: Some(uuid(rng)),
        status: Some(status),
        status_message: Some(message),
        support_expiration_date: Some(who.expiry),
        support_id: Some(who.support_id),
        type_: Some(who.license_type),
        unit_type: Some(LicenseUnitType::Instances),
        units: Some(units),
        used_units: Some((units * f64::from(rng.random_range(0..=100u32)) / 100.0).round()),
        v_one_server_uid: Some(uuid(rng)),
        ..Default::default()
    }
}

fn vb365(rng: &mut ChaCha8Rng, now: DateTime<Utc>) -> Vb365ServerLicense {
    let who = licensee(rng, now);
    let users = rng.random_range(1..=40) * 50;
    Vb365ServerLicense {
        auto_update_enabled: who.auto_update,
        company: Some(who.company),
        email: Some(who.email),
        expiration_date: Some(who.expiry),
        license_id: Some(uuid(rng)),
        licensed_users: Some(users),
        protected_users: Some(rng.random_range(0..=users)),
        status: Some(status_for(Some(who.expiry), now).0),
        support_expiration_date: Some(who.expiry),
        support_id: Some(who.support_id),
        type_: Some(if rng.random_bool(0.5) {
            LicenseType::Subscription
        } else {
            LicenseType::Rental
        }),
        vb365_server_uid: Some(uuid(rng)),
        ..Default::default()
    }
}

fn organizations(rng: &mut ChaCha8Rng, count: usize) -> Vec<Organization> {
    (0..count)
        .map(|i| Organization {
            uid: uuid(rng),
            name: format!(
                "{} {}",
                COMPANIES[i % COMPANIES.len()],
                i / COMPANIES.len() + 1
            )
            .trim_end_matches(" 1")
            .to_owned(),
            kind: match i {
                0 => OrganizationType::Provider,
                i if i % 3 == 2 => OrganizationType::Reseller,
                _ => OrganizationType::Company,
            },
        })
        .collect()
}

fn month_start(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN)
}

fn months_back(from: NaiveDate, back: usize) -> NaiveDate {
    let total = from.year() * 12 + from.month0() as i32 - back as i32;
    month_start(total.div_euclid(12), total.rem_euclid(12) as u32 + 1)
}

/// The report id of an organization's report for a month: `YYYYMM` then the organization's index.
pub(crate) fn report_id(month: NaiveDate, organization: usize) -> i32 {
    (month.year() * 100 + month.month() as i32) * 100 + organization as i32
}

fn reports(
    rng: &mut ChaCha8Rng,
    now: DateTime<Utc>,
    orgs: &[Organization],
    months: usize,
) -> Vec<SingleLicenseReport> {
    let this_month = month_start(now.year(), now.month());
    let mut reports = Vec::new();
    for back in 1..=months {
        let start = months_back(this_month, back);
        let end = months_back(this_month, back - 1)
            .pred_opt()
            .unwrap_or(start);
        for (i, org) in orgs.iter().enumerate().take(99) {
            let vm = f64::from(rng.random_range(0..200u32));
            let agents = f64::from(rng.random_range(0..80u32));
            let users = f64::from(rng.random_range(0..300u32));
            let workload = |kind: WorkloadType, description: &str, count: f64, weight: f64| {
                WorkloadLicenseUsage {
                    description: Some(description.to_owned()),
                    initial_count: Some(count as i32),
                    new_count: Some((count / 10.0) as i32),
                    reported_count: Some(count as i32),
                    used_points: Some(count * weight),
                    weight: Some(weight),
                    workload_type: Some(kind),
                    workloads_by_platform: Vec::new(),
                }
            };
            let vbr = TotalProductLicenseUsage {
                license_edition: Some("Enterprise Plus".to_owned()),
                product_type: Some(ProductType::BackupAndReplication),
                total_points: Some(vm + agents * 0.5),
                workload_usage: vec![
                    workload(WorkloadType::VbrVm, "Virtual machines", vm, 1.0),
                    workload(WorkloadType::VbrServerAgent, "Server agents", agents, 0.5),
                ],
            };
            let m365 = TotalProductLicenseUsage {
                license_edition: None,
                product_type: Some(ProductType::Vb365),
                total_points: Some(users * 0.2),
                workload_usage: vec![workload(
                    WorkloadType::Vb365User,
                    "Microsoft 365 users",
                    users,
                    0.2,
                )],
            };
            let total = vm + agents * 0.5 + users * 0.2;
            reports.push(SingleLicenseReport {
                appendices: Vec::new(),
                cloned_cloud_servers: Vec::new(),
                not_collected_cloud_servers: Vec::new(),
                organizations_usage: vec![OrganizationLicenseUsage {
                    organization_name: Some(org.name.clone()),
                    organization_type: Some(org.kind.clone()),
                    organization_uid: Some(org.uid),
                    // Sent by 3.5.1 only; the per-version shaping drops it for later versions.
                    tenant_uid: Some(Uuid::from_u128(org.uid.as_u128() ^ 0x7e7a_0000_0000)),
                    used_points: Some(total),
                }],
                report_parameters: Some(LicenseReportParameters {
                    generation_date: midnight(end.succ_opt().unwrap_or(end)),
                    license_company_name: org.name.clone(),
                    organization_name: org.name.clone(),
                    organization_uid: org.uid,
                    report_id: report_id(start, i),
                    report_interval: LicenseReportInterval {
                        start_of_interval: midnight(start),
                        end_of_interval: midnight(end),
                    },
                }),
                report_status: Some(if back == 1 {
                    ReportStatus::ApprovalRequired
                } else {
                    ReportStatus::Approved
                }),
                report_summary: Some(LicenseReportSummary {
                    products_usage: vec![vbr, m365],
                    total_points: total,
                }),
                unsupported_cloud_servers: Vec::new(),
                usage_details: Vec::new(),
                ..Default::default()
            });
        }
    }
    reports
}

fn usage(
    rng: &mut ChaCha8Rng,
    orgs: &[Organization],
    state: &State,
) -> Vec<OrganizationCurrentLicenseUsage> {
    let provider = orgs.first().map(|o| o.uid);
    let servers: Vec<(Uuid, ServerType)> = state
        .backup_servers
        .items
        .iter()
        .take(64)
        .filter_map(|l| {
            l.backup_server_uid
                .map(|u| (u, ServerType::BackupAndReplication))
        })
        .chain(
            state
                .vone_servers
                .items
                .iter()
                .take(16)
                .filter_map(|l| l.v_one_server_uid.map(|u| (u, ServerType::Vone))),
        )
        .chain(
            state
                .vb365_servers
                .items
                .iter()
                .take(16)
                .filter_map(|l| l.vb365_server_uid.map(|u| (u, ServerType::Vb365))),
        )
        .chain(
            state
                .sites
                .items
                .iter()
                .take(16)
                .filter_map(|l| l.site_uid.map(|u| (u, ServerType::CloudConnect))),
        )
        .collect();
    orgs.iter()
        .map(|org| {
            let mut used = Vec::new();
            if !servers.is_empty() {
                for _ in 0..rng.random_range(1..=3usize) {
                    let (uid, kind) = servers[rng.random_range(0..servers.len())].clone();
                    let (type_id, description, weight, unit_type) = match kind {
                        ServerType::Vb365 => (
                            "VB365_User",
                            "Protected Microsoft 365 users",
                            0.5,
                            LicenseUnitType::Points,
                        ),
                        ServerType::Vone => (
                            "VONE_VM",
                            "Monitored virtual machines",
                            1.0,
                            LicenseUnitType::Instances,
                        ),
                        ServerType::CloudConnect => (
                            "CC_VM_Backup",
                            "Cloud backups of virtual machines",
                            1.0,
                            LicenseUnitType::Instances,
                        ),
                        _ => (
                            "VBR_VM_vSphere",
                            "VMware vSphere virtual machines",
                            1.0,
                            LicenseUnitType::Instances,
                        ),
                    };
                    let count = rng.random_range(1..200i32);
                    let new = rng.random_range(0..=count / 5);
                    let rental = rng.random_range(0..=count);
                    let units = f64::from(count) * weight;
                    let platform = CurrentLicenseUsageWorkloadByPlatform {
                        description: description.to_owned(),
                        new_count: new,
                        new_units: f64::from(new) * weight,
                        rental_count: rental,
                        rental_units: f64::from(rental) * weight,
                        type_id: type_id.to_owned(),
                        used_count: count,
                        used_units: units,
                        weight,
                    };
                    used.push(ServerCurrentLicenseUsage {
                        server_type: Some(kind),
                        server_uid: Some(uid),
                        workloads: vec![CurrentLicenseUsageWorkload {
                            description: description.to_owned(),
                            id: uuid(rng),
                            new_count: new,
                            new_units: platform.new_units,
                            rental_count: rental,
                            rental_units: platform.rental_units,
                            unit_type,
                            used_count: count,
                            used_units: units,
                            workloads_by_platform: vec![platform],
                        }],
                    });
                }
            }
            OrganizationCurrentLicenseUsage {
                organization_type: Some(org.kind.clone()),
                organization_uid: Some(org.uid),
                provider_uid: if org.kind == OrganizationType::Provider {
                    None
                } else {
                    provider
                },
                servers: used,
                ..Default::default()
            }
        })
        .collect()
}

/// Builds the whole world for a seed, sizes and reference time.
pub(crate) fn seed(seed: u64, sizes: &Sizes, now: DateTime<Utc>) -> State {
    // One generator per collection, so that growing one collection does not change the others.
    let stream = |n: u64| {
        ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(n))
    };
    let backup_servers = licenses(stream(1), sizes.backup_servers, now, backup_server);
    let sites = licenses(stream(2), sizes.sites, now, site);
    let vone_servers = licenses(stream(3), sizes.vone_servers, now, vone);
    let vb365_servers = licenses(stream(4), sizes.vb365_servers, now, vb365);
    let mut rng = stream(5);
    let orgs = organizations(&mut rng, sizes.organizations);
    let provider_name = orgs
        .first()
        .map(|o| o.name.clone())
        .unwrap_or_else(|| COMPANIES[0].to_owned());
    let console = console_license(&mut rng, now, &provider_name);
    let mut rng = stream(6);
    let reports = reports(&mut rng, now, &orgs, sizes.report_months);
    let mut state = State {
        now,
        backup_servers,
        sites,
        vone_servers,
        vb365_servers,
        console,
        console_settings: LicenseSettings {
            is_auto_update_enabled: true,
            ..Default::default()
        },
        organizations: orgs.clone(),
        reports,
        report_settings: SingleLicenseReportSettings {
            auto_approve: false,
            ..Default::default()
        },
        usage: Vec::new(),
        changes: HashMap::new(),
        pulse: super::pulse::seed(now, &orgs),
    };
    let mut rng = stream(7);
    state.usage = usage(&mut rng, &orgs, &state);
    state
}

/// `count` licenses of one product, each made by `make` from the product's own generator.
fn licenses<T: LicenseResource>(
    mut rng: ChaCha8Rng,
    count: usize,
    now: DateTime<Utc>,
    make: fn(&mut ChaCha8Rng, DateTime<Utc>) -> T,
) -> Store<T> {
    Store::new((0..count).map(|_| make(&mut rng, now)).collect())
}

/// The console's own license, issued to the provider.
fn console_license(
    rng: &mut ChaCha8Rng,
    now: DateTime<Utc>,
    provider_name: &str,
) -> ConsoleLicense {
    let console_expiry = now + ChronoDuration::days(rng.random_range(60..400));
    ConsoleLicense {
        cloud_connect: Some(CloudConnectInclusion::Yes),
        contact_person: Some(format!(
            "{} {}",
            pick(rng, FIRST_NAMES),
            pick(rng, LAST_NAMES)
        )),
        edition: Some("Service Provider".to_owned()),
        expiration_date: Some(console_expiry),
        instances: Some(1000.0),
        last_update_date: Some(now - ChronoDuration::days(3)),
        last_update_message: Some("The license was updated.".to_owned()),
        last_update_status: Some(LicenseUpdateStatus::Success),
        license_id: Some(uuid(rng).to_string()),
        licensee_administrator_email: Some(format!("admin@{}.example", slug(provider_name))),
        licensee_company: Some(provider_name.to_owned()),
        licensee_email: Some(format!("licensing@{}.example", slug(provider_name))),
        package: Some(LicensePackage::Suite),
        status: Some(ConsoleLicenseStatus::Valid),
        status_message: Some("The license is valid.".to_owned()),
        support_expiration_date: Some(console_expiry),
        support_id: Some(format!("{:08}", rng.random_range(0..100_000_000u32))),
        type_: Some(ConsoleLicenseType::Rental),
        ..Default::default()
    }
}

/// A report's dates travel as date-times (midnight UTC of the day), as VSPC writes them.
fn midnight(day: chrono::NaiveDate) -> chrono::DateTime<chrono::Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}
