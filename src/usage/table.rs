//! A month-by-series matrix of points: what a chart or a table of the history draws.

use std::collections::HashMap;

use serde::Serialize;

use super::history::{MonthUsage, Organization, OrganizationKey, ProductPoints, UsageHistory};
use super::month::Month;
use super::{tidy, UsageError};
use crate::model::enums::ProductType;

/// What one row of a [`PointsTable`] stands for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum SeriesKey {
    /// One organization's points.
    Organization(Organization),
    /// One product's points.
    Product {
        /// The product.
        product_type: ProductType,
    },
    /// Points the reports do not split by product for this organization
    /// (see [`OrganizationUsage::unattributed_points`](super::OrganizationUsage::unattributed_points)).
    UnattributedProduct,
}

/// One row of a [`PointsTable`]: points per month of one organization or product.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Series {
    /// What the row stands for.
    pub key: SeriesKey,
    /// Its name, for a legend.
    pub label: String,
    /// Points per month, in the order of [`PointsTable::months`]; `0` in a month without reports.
    pub points: Vec<f64>,
}

impl Series {
    /// Points over the whole window.
    pub fn total(&self) -> f64 {
        tidy(self.points.iter().sum())
    }
}

/// Points per month (columns) and organization or product (rows), ready to draw.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PointsTable {
    /// The months, oldest first.
    pub months: Vec<Month>,
    /// One row per organization or product, largest over the window first.
    pub series: Vec<Series>,
    /// Per month: `true` when the month has reports.
    pub has_reports: Vec<bool>,
    /// Per month: `true` when a report of the month still awaits approval.
    pub pending_approval: Vec<bool>,
}

impl PointsTable {
    /// The sum of every row in each month.
    pub fn totals(&self) -> Vec<f64> {
        (0..self.months.len())
            .map(|i| tidy(self.series.iter().map(|s| s.points[i]).sum()))
            .collect()
    }

    /// How many of the months have reports.
    pub fn months_with_reports(&self) -> usize {
        self.has_reports.iter().filter(|h| **h).count()
    }

    /// The largest monthly total (`0` for an empty table).
    pub fn max_total(&self) -> f64 {
        self.totals().into_iter().fold(0.0, f64::max)
    }
}

/// What to break the points down by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Breakdown {
    /// One row per organization.
    Organization,
    /// One row per product type.
    Product,
}

impl UsageHistory {
    /// Points per month of `months`, broken down by organization or product; with
    /// `organization`, only that organization's points.
    ///
    /// Fails with [`UsageError::NoReportsInWindow`] when none of the months has reports.
    pub fn points_table(
        &self,
        months: &[Month],
        breakdown: Breakdown,
        organization: Option<&Organization>,
    ) -> Result<PointsTable, UsageError> {
        let month_usage: Vec<_> = months.iter().map(|m| self.month(*m)).collect();
        if month_usage.iter().all(Option::is_none) {
            return Err(UsageError::NoReportsInWindow {
                first: months.first().copied(),
                last: months.last().copied(),
                available: self.months().iter().map(|m| m.month).collect(),
            });
        }
        let wanted = organization.map(OrganizationKey::of);
        let mut series: Vec<Series> = Vec::new();
        // Row of each key: thousands of organizations over many months stay linear.
        let mut rows: HashMap<SeriesKey, usize> = HashMap::new();
        let mut add = |key: SeriesKey, label: String, column: usize, points: f64| {
            let row = *rows.entry(key.clone()).or_insert_with(|| {
                series.push(Series {
                    key,
                    label,
                    points: vec![0.0; months.len()],
                });
                series.len() - 1
            });
            series[row].points[column] += points;
        };
        for (column, usage) in month_usage.iter().enumerate() {
            let Some(usage) = usage else { continue };
            for (key, label, points) in month_parts(usage, breakdown, wanted.as_ref()) {
                add(key, label, column, points);
            }
        }
        for row in &mut series {
            for value in &mut row.points {
                *value = tidy(*value);
            }
        }
        series.sort_by(|a, b| {
            b.total()
                .total_cmp(&a.total())
                .then_with(|| a.label.cmp(&b.label))
        });
        Ok(PointsTable {
            months: months.to_vec(),
            series,
            has_reports: month_usage.iter().map(Option::is_some).collect(),
            pending_approval: month_usage
                .iter()
                .map(|m| m.is_some_and(|m| m.pending_approval))
                .collect(),
        })
    }
}

/// One month's points as (row, label, points), in the order the reports list them: by
/// organization, or by product (of one organization when `wanted`).
fn month_parts(
    usage: &MonthUsage,
    breakdown: Breakdown,
    wanted: Option<&OrganizationKey>,
) -> Vec<(SeriesKey, String, f64)> {
    let chosen = usage
        .organizations
        .iter()
        .filter(|o| wanted.is_none_or(|w| OrganizationKey::of(&o.organization) == *w));
    let product = |p: &ProductPoints| {
        let key = SeriesKey::Product {
            product_type: p.product_type.clone(),
        };
        (key, product_name(&p.product_type), p.points)
    };
    match (breakdown, wanted) {
        (Breakdown::Organization, _) => chosen
            .map(|o| {
                let key = SeriesKey::Organization(o.organization.clone());
                (key, o.organization.name.clone(), o.points)
            })
            .collect(),
        (Breakdown::Product, None) => usage.products.iter().map(product).collect(),
        (Breakdown::Product, Some(_)) => chosen
            .flat_map(|o| {
                let unattributed = (o.unattributed_points > 0.0).then(|| {
                    let label = "product not reported".to_owned();
                    (SeriesKey::UnattributedProduct, label, o.unattributed_points)
                });
                o.products.iter().map(product).chain(unattributed)
            })
            .collect(),
    }
}

/// A product's name in words, for legends.
pub fn product_name(product: &ProductType) -> String {
    match product {
        ProductType::BackupAndReplication => "Veeam Backup & Replication".into(),
        ProductType::CloudConnect => "Veeam Cloud Connect".into(),
        ProductType::EnterpriseManager => "Veeam Backup Enterprise Manager".into(),
        ProductType::Vspc => "Veeam Service Provider Console".into(),
        ProductType::Vone => "Veeam ONE".into(),
        ProductType::Vb365 => "Veeam Backup for Microsoft 365".into(),
        other => other.to_string(),
    }
}
