//! Points per month, organization and product, summed from the monthly license usage reports.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use uuid::Uuid;

use super::month::Month;
use super::{tidy, UsageError};
use crate::model::enums::{OrganizationType, ProductType, ReportStatus};
use crate::types::{LicenseReportParameters, SingleLicenseReport};

/// An organization as the reports name it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    /// Its UID, when the report gives one.
    pub uid: Option<Uuid>,
    /// Its name in the most recent report that names it.
    pub name: String,
    /// Company, reseller or provider, when the report says.
    pub organization_type: Option<OrganizationType>,
}

impl Organization {
    /// The UID as text, or `-` when the reports gave none.
    pub fn uid_text(&self) -> String {
        self.uid.map_or_else(|| "-".to_owned(), |u| u.to_string())
    }
}

/// How organizations are told apart: by UID, or by name when a report gives no UID.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum OrganizationKey {
    Uid(Uuid),
    Name(String),
}

impl OrganizationKey {
    pub(crate) fn of(organization: &Organization) -> OrganizationKey {
        match organization.uid {
            Some(uid) => OrganizationKey::Uid(uid),
            None => OrganizationKey::Name(organization.name.clone()),
        }
    }
}

/// Points used of one product.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductPoints {
    /// The product.
    pub product_type: ProductType,
    /// Points used.
    pub points: f64,
}

/// One organization's points in one month.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationUsage {
    /// Who.
    pub organization: Organization,
    /// Points used, summed over every report of the month that lists the organization.
    pub points: f64,
    /// The points per product, where the reports allow telling them apart (see
    /// [`unattributed_points`](Self::unattributed_points)); largest first.
    pub products: Vec<ProductPoints>,
    /// Points whose product is unknown: VSPC splits points by product per report, not per
    /// organization, so when one report covers several organizations their products cannot
    /// be told apart.
    pub unattributed_points: f64,
}

/// Everything the reports of one month say.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthUsage {
    /// The month.
    pub month: Month,
    /// Points of all reports of the month (the sum of their `reportSummary.totalPoints`).
    pub total_points: f64,
    /// Points per product over all reports of the month; largest first.
    pub products: Vec<ProductPoints>,
    /// Points per organization; largest first.
    pub organizations: Vec<OrganizationUsage>,
    /// The ids of the month's reports (`reportParameters.reportId`), ascending.
    pub report_ids: Vec<i32>,
    /// Whether at least one report of the month is not approved yet: its numbers may still change.
    pub pending_approval: bool,
}

impl MonthUsage {
    /// The usage of one organization this month, if the month's reports list it.
    pub fn organization(&self, organization: &Organization) -> Option<&OrganizationUsage> {
        let key = OrganizationKey::of(organization);
        self.organizations
            .iter()
            .find(|o| OrganizationKey::of(&o.organization) == key)
    }
}

/// Points per month, organization and product, from a set of license usage reports.
///
/// How reports become numbers:
/// * a report belongs to the month holding the middle of its `reportInterval` (robust to
///   intervals written as midnight in another time zone, or ending on the last day's start);
/// * an organization's points are the `usedPoints` of its entry in `organizationsUsage`,
///   summed over the month's reports (each report covers the licenses of one licensee); a report
///   with no `organizationsUsage` counts its `reportSummary.totalPoints` for its owner
///   (`reportParameters.organization*`);
/// * a product's points are the `reportSummary.productsUsage` totals; an organization gets the
///   product split of a report only when that report covers that organization alone;
/// * appendices (usage of other licensees' licenses) are not counted;
/// * a report id seen twice counts once; a report without `reportParameters` cannot be placed
///   in a month and is counted in [`unplaced_reports`](Self::unplaced_reports).
///
/// ```
/// use vspc_licensing::usage::UsageHistory;
/// let history = UsageHistory::from_reports(&[]);
/// assert!(history.months().is_empty());
/// assert!(history.window(6).is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UsageHistory {
    months: Vec<MonthUsage>,
    unplaced_reports: usize,
}

#[derive(Default)]
struct MonthBuilder {
    total_points: f64,
    products: BTreeMap<ProductType, f64>,
    organizations: BTreeMap<OrganizationKey, OrganizationBuilder>,
    report_ids: Vec<i32>,
    pending_approval: bool,
}

struct OrganizationBuilder {
    organization: Organization,
    points: f64,
    products: BTreeMap<ProductType, f64>,
    unattributed_points: f64,
}

/// Two point sums this close are the same number (reports carry two decimals at most).
const SAME_POINTS: f64 = 0.005;

impl MonthBuilder {
    /// Adds one report's points to the month; answers the organizations the report names.
    fn add(
        &mut self,
        report: &SingleLicenseReport,
        parameters: &LicenseReportParameters,
    ) -> Vec<Organization> {
        self.report_ids.push(parameters.report_id);
        if report.report_status != Some(ReportStatus::Approved) {
            self.pending_approval = true;
        }
        let summary_points = report
            .report_summary
            .as_ref()
            .map_or(0.0, |s| s.total_points);
        self.total_points += summary_points;
        let mut split: BTreeMap<ProductType, f64> = BTreeMap::new();
        for product in report.report_summary.iter().flat_map(|s| &s.products_usage) {
            let kind = product
                .product_type
                .clone()
                .unwrap_or_else(|| ProductType::parse("Unknown"));
            let points = product.total_points.unwrap_or(0.0);
            *self.products.entry(kind.clone()).or_default() += points;
            *split.entry(kind).or_default() += points;
        }
        let users = report_users(report, parameters, summary_points);
        let split_points: f64 = split.values().sum();
        let sole_user = users.len() == 1;
        let mut named = Vec::with_capacity(users.len());
        for (organization, points) in users {
            named.push(organization.clone());
            let entry = self
                .organizations
                .entry(OrganizationKey::of(&organization))
                .or_insert_with(|| OrganizationBuilder {
                    organization,
                    points: 0.0,
                    products: BTreeMap::new(),
                    unattributed_points: 0.0,
                });
            entry.points += points;
            if sole_user && !split.is_empty() && (split_points - points).abs() <= SAME_POINTS {
                for (kind, product_points) in &split {
                    *entry.products.entry(kind.clone()).or_default() += product_points;
                }
            } else {
                entry.unattributed_points += points;
            }
        }
        named
    }

    /// The month's sums, each organization under its newest name in `names`.
    fn finish(
        self,
        month: Month,
        names: &HashMap<OrganizationKey, (Month, Organization)>,
    ) -> MonthUsage {
        let mut report_ids = self.report_ids;
        report_ids.sort_unstable();
        let mut organizations: Vec<OrganizationUsage> = self
            .organizations
            .into_iter()
            .map(|(key, o)| OrganizationUsage {
                organization: names
                    .get(&key)
                    .map_or(o.organization, |(_, newest)| newest.clone()),
                points: tidy(o.points),
                products: sorted_products(o.products),
                unattributed_points: tidy(o.unattributed_points),
            })
            .collect();
        organizations.sort_by(|a, b| {
            b.points
                .total_cmp(&a.points)
                .then_with(|| a.organization.name.cmp(&b.organization.name))
        });
        MonthUsage {
            month,
            total_points: tidy(self.total_points),
            products: sorted_products(self.products),
            organizations,
            report_ids,
            pending_approval: self.pending_approval,
        }
    }
}

/// The month a report belongs to: the one its interval's middle falls in.
fn report_month(parameters: &LicenseReportParameters) -> Month {
    let interval = &parameters.report_interval;
    let middle =
        interval.start_of_interval + (interval.end_of_interval - interval.start_of_interval) / 2;
    Month::of(middle.date_naive())
}

/// The organizations a report lists with their points; a report that lists none counts as its
/// own organization's, with the summary's points.
fn report_users(
    report: &SingleLicenseReport,
    parameters: &LicenseReportParameters,
    summary_points: f64,
) -> Vec<(Organization, f64)> {
    let mut users: Vec<(Organization, f64)> = report
        .organizations_usage
        .iter()
        .map(|usage| {
            let name = usage
                .organization_name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .or_else(|| usage.organization_uid.map(|u| u.to_string()))
                .unwrap_or_else(|| "(unnamed organization)".to_owned());
            let organization = Organization {
                uid: usage.organization_uid,
                name,
                organization_type: usage.organization_type.clone(),
            };
            (organization, usage.used_points.unwrap_or(0.0))
        })
        .collect();
    if users.is_empty() {
        users.push((
            Organization {
                uid: Some(parameters.organization_uid),
                name: parameters.organization_name.clone(),
                organization_type: None,
            },
            summary_points,
        ));
    }
    users
}

impl UsageHistory {
    /// Sums the reports (in any order, from any mix of the report endpoints).
    pub fn from_reports<'a>(reports: impl IntoIterator<Item = &'a SingleLicenseReport>) -> Self {
        let mut months: BTreeMap<Month, MonthBuilder> = BTreeMap::new();
        let mut seen = HashSet::new();
        let mut unplaced_reports = 0;
        // The latest name of each organization, so that a renamed one shows under one name.
        let mut names: HashMap<OrganizationKey, (Month, Organization)> = HashMap::new();
        for report in reports {
            let Some(parameters) = &report.report_parameters else {
                unplaced_reports += 1;
                continue;
            };
            if !seen.insert(parameters.report_id) {
                continue;
            }
            let month = report_month(parameters);
            for organization in months.entry(month).or_default().add(report, parameters) {
                let newest = names
                    .entry(OrganizationKey::of(&organization))
                    .or_insert((month, organization.clone()));
                if newest.0 <= month {
                    *newest = (month, organization);
                }
            }
        }
        let months = months
            .into_iter()
            .map(|(month, builder)| builder.finish(month, &names))
            .collect();
        UsageHistory {
            months,
            unplaced_reports,
        }
    }

    /// Every month with reports, oldest first.
    pub fn months(&self) -> &[MonthUsage] {
        &self.months
    }

    /// The reports of one month, if there are any.
    pub fn month(&self, month: Month) -> Option<&MonthUsage> {
        self.months
            .binary_search_by(|m| m.month.cmp(&month))
            .ok()
            .map(|i| &self.months[i])
    }

    /// The most recent month with reports.
    pub fn latest_month(&self) -> Option<Month> {
        self.months.last().map(|m| m.month)
    }

    /// Reports that could not be placed in a month (they had no `reportParameters`).
    pub fn unplaced_reports(&self) -> usize {
        self.unplaced_reports
    }

    /// The last `count` calendar months, ending with the most recent month with reports, oldest
    /// first; months inside the window without reports are kept (they show as gaps).
    pub fn window(&self, count: u32) -> Result<Vec<Month>, UsageError> {
        let last = self.latest_month().ok_or(UsageError::NoReports)?;
        if count == 0 {
            return Err(UsageError::EmptyWindow);
        }
        Ok(last.months_before(count - 1).through(last).collect())
    }

    /// Every organization any report names, by latest name.
    pub fn organizations(&self) -> Vec<Organization> {
        let mut all: BTreeMap<OrganizationKey, Organization> = BTreeMap::new();
        for month in &self.months {
            for usage in &month.organizations {
                all.insert(
                    OrganizationKey::of(&usage.organization),
                    usage.organization.clone(),
                );
            }
        }
        let mut all: Vec<Organization> = all.into_values().collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }

    /// Finds an organization by UID, by name (any case), or by a part of the name that only
    /// one organization's name contains.
    pub fn find_organization(&self, wanted: &str) -> Result<Organization, UsageError> {
        let all = self.organizations();
        let wanted_trimmed = wanted.trim();
        if let Ok(uid) = wanted_trimmed.parse::<Uuid>() {
            if let Some(found) = all.iter().find(|o| o.uid == Some(uid)) {
                return Ok(found.clone());
            }
        }
        if let Some(found) = all
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(wanted_trimmed))
        {
            return Ok(found.clone());
        }
        let lower = wanted_trimmed.to_lowercase();
        let partial: Vec<&Organization> = all
            .iter()
            .filter(|o| o.name.to_lowercase().contains(&lower))
            .collect();
        match partial.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(UsageError::UnknownOrganization {
                wanted: wanted.to_owned(),
                known: all.iter().map(|o| o.name.clone()).collect(),
            }),
            many => Err(UsageError::AmbiguousOrganization {
                wanted: wanted.to_owned(),
                candidates: many.iter().map(|o| o.name.clone()).collect(),
            }),
        }
    }
}

fn sorted_products(products: BTreeMap<ProductType, f64>) -> Vec<ProductPoints> {
    let mut products: Vec<ProductPoints> = products
        .into_iter()
        .map(|(product_type, points)| ProductPoints {
            product_type,
            points: tidy(points),
        })
        .collect();
    products.sort_by(|a, b| b.points.total_cmp(&a.points));
    products
}
